//! Parameter values as JSON text, kept exactly as the user wrote them.
//!
//! `serde_json::Value` stores a number that fits neither `u64` nor `i64` as an `f64`, so
//! `99999999999999999999` would go out as `1e20`. serde_json's `arbitrary_precision` feature
//! fixes that, but feature unification would turn it on for every crate in a user's build and
//! change what their `Value`s are. Instead the command line keeps each value as a
//! [`RawValue`]: the text is checked to be JSON, stripped of insignificant whitespace, and
//! written into the request body byte for byte, so numbers keep their digits everywhere (a
//! `number` parameter, a number nested in a `json` parameter, a JSON Lines row).

use std::collections::BTreeMap;

use serde_json::value::RawValue;

/// An action's parameters, by name, each value as exact JSON text. Serializing it with
/// `serde_json` writes every value verbatim; the keys come out sorted, which makes the text a
/// stable thing to hash.
pub type Params = BTreeMap<String, Box<RawValue>>;

/// What a JSON value is, read from its first byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonKind {
    Null,
    Bool,
    Number,
    String,
    Array,
    Object,
}

impl JsonKind {
    /// The kind of a valid JSON value (as a [`RawValue`] is).
    pub fn of(value: &RawValue) -> JsonKind {
        match value.get().as_bytes().first() {
            Some(b'n') => JsonKind::Null,
            Some(b't' | b'f') => JsonKind::Bool,
            Some(b'"') => JsonKind::String,
            Some(b'[') => JsonKind::Array,
            Some(b'{') => JsonKind::Object,
            _ => JsonKind::Number,
        }
    }

    /// "a string", "a number", … for messages.
    pub fn described(self) -> &'static str {
        match self {
            JsonKind::Null => "null",
            JsonKind::Bool => "a boolean",
            JsonKind::Number => "a number",
            JsonKind::String => "a string",
            JsonKind::Array => "an array",
            JsonKind::Object => "an object",
        }
    }
}

/// `text` as exact JSON: checked, then with the whitespace between tokens removed (strings and
/// numbers untouched).
///
/// # Errors
///
/// serde_json's error when `text` is not one JSON value.
pub fn parse(text: &str) -> Result<Box<RawValue>, serde_json::Error> {
    let checked: &RawValue = serde_json::from_str(text)?;
    into_raw(compact(checked.get()))
}

/// A JSON number written exactly as given, or `None` when `text` is not a JSON number.
pub fn number(text: &str) -> Option<Box<RawValue>> {
    parse(text.trim())
        .ok()
        .filter(|value| JsonKind::of(value) == JsonKind::Number)
}

/// A string value.
pub fn string(text: &str) -> Box<RawValue> {
    serde_json::value::to_raw_value(text).expect("a string always serializes")
}

/// `true` or `false`.
pub fn boolean(value: bool) -> Box<RawValue> {
    into_raw(value.to_string()).expect("true and false are JSON")
}

/// A JSON object of exact values (a `--json` file, a JSON Lines row).
///
/// # Errors
///
/// What is wrong, for a message: not JSON, or JSON but not an object.
pub fn object(text: &str) -> Result<Params, String> {
    let value: &RawValue = serde_json::from_str(text).map_err(|err| format!("not valid JSON ({err})"))?;
    match JsonKind::of(value) {
        JsonKind::Object => {
            let object: BTreeMap<String, &RawValue> =
                serde_json::from_str(value.get()).map_err(|err| format!("not valid JSON ({err})"))?;
            object
                .into_iter()
                .map(|(name, value)| {
                    let exact = into_raw(compact(value.get())).map_err(|err| format!("not valid JSON ({err})"))?;
                    Ok((name, exact))
                })
                .collect()
        }
        other => Err(format!(
            "the JSON is {} rather than an object (one key per parameter)",
            other.described()
        )),
    }
}

/// The parameters as one JSON object's text.
pub fn to_text(params: &Params) -> String {
    serde_json::to_string(params).expect("exact JSON values always serialize")
}

fn into_raw(text: String) -> Result<Box<RawValue>, serde_json::Error> {
    RawValue::from_string(text)
}

/// Valid JSON text without the whitespace between its tokens. Whitespace inside a string is
/// part of the string and stays; outside strings JSON allows only space, tab, CR and LF.
fn compact(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in json.chars() {
        if in_string {
            out.push(c);
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == '"' {
                in_string = false;
            }
        } else if c == '"' {
            in_string = true;
            out.push(c);
        } else if !matches!(c, ' ' | '\t' | '\r' | '\n') {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_keep_every_digit_and_their_text() {
        for text in [
            "99999999999999999999",
            "18446744073709551616",
            "-123456789012345678901234567890",
            "0.1000000000000000000001",
            "1e400",
            "2.50",
        ] {
            assert_eq!(number(text).unwrap().get(), text);
        }
        for not_a_number in ["ten", "\"5\"", "007", "1.", "", "[1]", "NaN"] {
            assert!(number(not_a_number).is_none(), "{not_a_number}");
        }
    }

    #[test]
    fn objects_keep_nested_numbers_and_lose_only_whitespace() {
        let params = object(r#" { "b" : [ { "id" : 99999999999999999999 } ] , "a" : "x  y" } "#).unwrap();
        assert_eq!(to_text(&params), r#"{"a":"x  y","b":[{"id":99999999999999999999}]}"#);
        assert!(object("[1]").unwrap_err().contains("an array rather than an object"));
        assert!(object("{").unwrap_err().starts_with("not valid JSON"));
    }

    #[test]
    fn compacting_leaves_strings_with_quotes_and_escapes_alone() {
        assert_eq!(
            parse(r#"[ "a \" b" , "\\" , "c d" ]"#).unwrap().get(),
            r#"["a \" b","\\","c d"]"#
        );
        assert_eq!(JsonKind::of(&parse(" true ").unwrap()), JsonKind::Bool);
        assert_eq!(string("é\"").get(), r#""é\"""#);
    }
}
