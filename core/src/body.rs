//! The JSON body of an execute request: the action's parameters as one JSON object.
//!
//! The parameters are written straight into the body by `serde_json` through a thin top-level
//! serializer ([`Params`]) that does two things on the way:
//!
//! - it refuses anything JSON would not write as an object (a string, a number, a list, a unit
//!   enum variant…) with an error that says so, and sends a unit value (a parameterless unit
//!   struct, `()`, `None`) as `{}`; enum variants with data (`{"Variant": …}`) go out as written;
//! - for typed actions, it leaves out the top-level fields whose value is `None`, so an
//!   `Option` field that is not set is not sent at all rather than sent as `null`.
//!
//! Leaving `None` out here, when the body is written, instead of in each struct's generated
//! `Serialize` (`skip_serializing_if` on every `Option` field) keeps `#[refold_action]` cheap to
//! compile: serde's code for one skipped field costs rustc about as much as the rest of the
//! field's serialization. Whether a value is `None` is asked of the value itself with
//! [`NoneProbe`], which stops at the first call a `Serialize` impl makes, so the check costs a
//! few instructions per field.

use std::fmt;

use bytes::Bytes;
use serde::Serialize;
use serde::ser::{
    self, Impossible, SerializeMap, SerializeStruct, SerializeStructVariant, SerializeTupleVariant, Serializer,
};

use crate::Error;

/// The JSON writer the body is serialized into.
type Json<'a> = &'a mut serde_json::Serializer<&'a mut Vec<u8>>;

/// Serializes typed action parameters, leaving out top-level fields whose value is `None`.
pub(crate) fn action_body<P: Serialize + ?Sized>(params: &P) -> Result<Bytes, Error> {
    body(params, true)
}

/// Serializes parameters exactly as their `Serialize` impl writes them (`None` included, as
/// `null`), for `execute_raw`.
pub(crate) fn raw_body<P: Serialize + ?Sized>(params: &P) -> Result<Bytes, Error> {
    body(params, false)
}

fn body<P: Serialize + ?Sized>(params: &P, omit_none: bool) -> Result<Bytes, Error> {
    let not_an_object = |what: &str| {
        Error::invalid_request(format!(
            "the action parameters must serialize to a JSON object (one key per parameter), not {what}"
        ))
    };
    let mut buffer = Vec::with_capacity(128);
    let mut json = serde_json::Serializer::new(&mut buffer);
    params
        .serialize(Params {
            json: &mut json,
            omit_none,
        })
        .map_err(|error| match error {
            BodyError::NotAnObject(what) => not_an_object(what),
            BodyError::Json(error) => {
                Error::invalid_request(format!("the action parameters could not be serialized: {error}"))
            }
        })?;
    // Everything but a `RawValue` is an object by construction; raw JSON text is checked here.
    match buffer.trim_ascii_start().first() {
        Some(b'{') => {}
        Some(b'n') => buffer = b"{}".to_vec(),
        _ => return Err(not_an_object("raw JSON that is not an object")),
    }
    Ok(Bytes::from(buffer))
}

/// Why the parameters could not be written.
#[derive(Debug)]
enum BodyError {
    /// The top-level value is not an object; holds what it is instead.
    NotAnObject(&'static str),
    /// `serde_json` or the value's own `Serialize` impl failed.
    Json(serde_json::Error),
}

impl fmt::Display for BodyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BodyError::NotAnObject(what) => write!(f, "expected a JSON object, found {what}"),
            BodyError::Json(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for BodyError {}

impl ser::Error for BodyError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        BodyError::Json(serde_json::Error::custom(message))
    }
}

/// The top-level serializer: accepts objects (structs and maps), writes unit values as `{}`
/// and refuses the rest.
struct Params<'a> {
    json: Json<'a>,
    omit_none: bool,
}

impl<'a> Params<'a> {
    fn empty_object(self) -> Result<(), BodyError> {
        self.json
            .serialize_map(Some(0))
            .and_then(SerializeMap::end)
            .map_err(BodyError::Json)
    }
}

/// Refuses a top-level value that is not an object.
macro_rules! not_an_object {
    ($($method:ident($($arg:ty),*) => $what:literal;)*) => {
        $(
            fn $method(self, $(_: $arg),*) -> Result<(), BodyError> {
                Err(BodyError::NotAnObject($what))
            }
        )*
    };
}

impl<'a> Serializer for Params<'a> {
    type Ok = ();
    type Error = BodyError;
    type SerializeSeq = Impossible<(), BodyError>;
    type SerializeTuple = Impossible<(), BodyError>;
    type SerializeTupleStruct = Impossible<(), BodyError>;
    type SerializeTupleVariant = Variant<<Json<'a> as Serializer>::SerializeTupleVariant>;
    type SerializeMap = ObjectMap<'a>;
    type SerializeStruct = ObjectStruct<'a>;
    type SerializeStructVariant = Variant<<Json<'a> as Serializer>::SerializeStructVariant>;

    not_an_object! {
        serialize_bool(bool) => "a boolean";
        serialize_i8(i8) => "a number";
        serialize_i16(i16) => "a number";
        serialize_i32(i32) => "a number";
        serialize_i64(i64) => "a number";
        serialize_i128(i128) => "a number";
        serialize_u8(u8) => "a number";
        serialize_u16(u16) => "a number";
        serialize_u32(u32) => "a number";
        serialize_u64(u64) => "a number";
        serialize_u128(u128) => "a number";
        serialize_f32(f32) => "a number";
        serialize_f64(f64) => "a number";
        serialize_char(char) => "a string";
        serialize_str(&str) => "a string";
        serialize_bytes(&[u8]) => "a list of bytes";
        serialize_unit_variant(&'static str, u32, &'static str) => "an enum variant";
    }

    fn serialize_none(self) -> Result<(), BodyError> {
        self.empty_object()
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), BodyError> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<(), BodyError> {
        self.empty_object()
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), BodyError> {
        self.empty_object()
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), BodyError> {
        value.serialize(self)
    }

    /// An enum variant with data is written as the object `{"Variant": data}` (serde's external
    /// tagging): sent as it is, without leaving anything out.
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), BodyError> {
        self.json
            .serialize_newtype_variant(name, index, variant, value)
            .map_err(BodyError::Json)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, BodyError> {
        Err(BodyError::NotAnObject("a list"))
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, BodyError> {
        Err(BodyError::NotAnObject("a tuple"))
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, BodyError> {
        Err(BodyError::NotAnObject("a tuple struct"))
    }

    fn serialize_tuple_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeTupleVariant, BodyError> {
        self.json
            .serialize_tuple_variant(name, index, variant, len)
            .map(Variant)
            .map_err(BodyError::Json)
    }

    fn serialize_map(self, len: Option<usize>) -> Result<ObjectMap<'a>, BodyError> {
        Ok(ObjectMap {
            map: self.json.serialize_map(len).map_err(BodyError::Json)?,
            omit_none: self.omit_none,
        })
    }

    /// Every struct goes to `serde_json` under its own name, which is how raw JSON text gets
    /// through: `RawValue` serializes as a struct that `serde_json` recognizes by a private name
    /// and copies as text (`body` then checks that the text is an object). Pinned by the test
    /// `serde_json_writes_raw_value_as_a_struct_under_its_private_name` in the facade's
    /// `tests/integration/serialize_differential.rs`.
    fn serialize_struct(self, name: &'static str, len: usize) -> Result<ObjectStruct<'a>, BodyError> {
        Ok(ObjectStruct {
            fields: self.json.serialize_struct(name, len).map_err(BodyError::Json)?,
            omit_none: self.omit_none,
        })
    }

    fn serialize_struct_variant(
        self,
        name: &'static str,
        index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Self::SerializeStructVariant, BodyError> {
        self.json
            .serialize_struct_variant(name, index, variant, len)
            .map(Variant)
            .map_err(BodyError::Json)
    }
}

/// A top-level enum variant with fields, `{"Variant": …}`, written by `serde_json` as it is.
struct Variant<C>(C);

impl<C: SerializeTupleVariant<Ok = (), Error = serde_json::Error>> SerializeTupleVariant for Variant<C> {
    type Ok = ();
    type Error = BodyError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BodyError> {
        self.0.serialize_field(value).map_err(BodyError::Json)
    }

    fn end(self) -> Result<(), BodyError> {
        self.0.end().map_err(BodyError::Json)
    }
}

impl<C: SerializeStructVariant<Ok = (), Error = serde_json::Error>> SerializeStructVariant for Variant<C> {
    type Ok = ();
    type Error = BodyError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), BodyError> {
        self.0.serialize_field(key, value).map_err(BodyError::Json)
    }

    fn end(self) -> Result<(), BodyError> {
        self.0.end().map_err(BodyError::Json)
    }
}

/// The fields of a top-level struct.
struct ObjectStruct<'a> {
    fields: <Json<'a> as Serializer>::SerializeStruct,
    omit_none: bool,
}

impl SerializeStruct for ObjectStruct<'_> {
    type Ok = ();
    type Error = BodyError;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), BodyError> {
        if self.omit_none && is_none(value) {
            return SerializeStruct::skip_field(&mut self.fields, key).map_err(BodyError::Json);
        }
        SerializeStruct::serialize_field(&mut self.fields, key, value).map_err(BodyError::Json)
    }

    fn skip_field(&mut self, key: &'static str) -> Result<(), BodyError> {
        SerializeStruct::skip_field(&mut self.fields, key).map_err(BodyError::Json)
    }

    fn end(self) -> Result<(), BodyError> {
        SerializeStruct::end(self.fields).map_err(BodyError::Json)
    }
}

/// The entries of a top-level map, and of a struct with `#[serde(flatten)]` fields (serde
/// writes those as a map). Only whole entries can be left out: a value written after its key
/// on its own (`serialize_key` then `serialize_value`) is always written.
struct ObjectMap<'a> {
    map: <Json<'a> as Serializer>::SerializeMap,
    omit_none: bool,
}

impl SerializeMap for ObjectMap<'_> {
    type Ok = ();
    type Error = BodyError;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), BodyError> {
        self.map.serialize_key(key).map_err(BodyError::Json)
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), BodyError> {
        self.map.serialize_value(value).map_err(BodyError::Json)
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), BodyError> {
        if self.omit_none && is_none(value) {
            return Ok(());
        }
        self.map.serialize_entry(key, value).map_err(BodyError::Json)
    }

    fn end(self) -> Result<(), BodyError> {
        SerializeMap::end(self.map).map_err(BodyError::Json)
    }
}

/// Whether `value` serializes as `None`. `Some(None)` (an `Option<Option<T>>` set to an explicit
/// `null`) and `()` are not `None`.
fn is_none<T: Serialize + ?Sized>(value: &T) -> bool {
    value.serialize(NoneProbe).unwrap_or(false)
}

/// A serializer that only answers "is this `None`?": `Ok(true)` for `serialize_none`, `Ok(false)`
/// for any other scalar, and an early error for compound values, without looking inside them.
struct NoneProbe;

/// The probe's early exit for compound values (lists, maps, structs): they are not `None`.
#[derive(Debug)]
struct NotNone;

impl fmt::Display for NotNone {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not None")
    }
}

impl std::error::Error for NotNone {}

impl ser::Error for NotNone {
    fn custom<T: fmt::Display>(_message: T) -> Self {
        NotNone
    }
}

/// Answers "not `None`" for scalar values.
macro_rules! not_none {
    ($($method:ident($($arg:ty),*);)*) => {
        $(
            fn $method(self, $(_: $arg),*) -> Result<bool, NotNone> {
                Ok(false)
            }
        )*
    };
}

impl Serializer for NoneProbe {
    type Ok = bool;
    type Error = NotNone;
    type SerializeSeq = Impossible<bool, NotNone>;
    type SerializeTuple = Impossible<bool, NotNone>;
    type SerializeTupleStruct = Impossible<bool, NotNone>;
    type SerializeTupleVariant = Impossible<bool, NotNone>;
    type SerializeMap = Impossible<bool, NotNone>;
    type SerializeStruct = Impossible<bool, NotNone>;
    type SerializeStructVariant = Impossible<bool, NotNone>;

    not_none! {
        serialize_bool(bool);
        serialize_i8(i8);
        serialize_i16(i16);
        serialize_i32(i32);
        serialize_i64(i64);
        serialize_i128(i128);
        serialize_u8(u8);
        serialize_u16(u16);
        serialize_u32(u32);
        serialize_u64(u64);
        serialize_u128(u128);
        serialize_f32(f32);
        serialize_f64(f64);
        serialize_char(char);
        serialize_str(&str);
        serialize_bytes(&[u8]);
        serialize_unit();
        serialize_unit_struct(&'static str);
        serialize_unit_variant(&'static str, u32, &'static str);
    }

    fn serialize_none(self) -> Result<bool, NotNone> {
        Ok(true)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<bool, NotNone> {
        Ok(false)
    }

    /// A newtype around an `Option` is `None` when its content is.
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<bool, NotNone> {
        value.serialize(self)
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<bool, NotNone> {
        Ok(false)
    }

    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, NotNone> {
        Err(NotNone)
    }

    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, NotNone> {
        Err(NotNone)
    }

    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, NotNone> {
        Err(NotNone)
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, NotNone> {
        Err(NotNone)
    }

    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, NotNone> {
        Err(NotNone)
    }

    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, NotNone> {
        Err(NotNone)
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, NotNone> {
        Err(NotNone)
    }

    /// `collect_str` (used by `Display`-based impls) would format the value only to throw it
    /// away: it is a string, so not `None`.
    fn collect_str<T: fmt::Display + ?Sized>(self, _value: &T) -> Result<bool, NotNone> {
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde_json::json;

    use super::*;

    fn sent(body: Result<Bytes, Error>) -> serde_json::Value {
        serde_json::from_slice(&body.expect("serializable")).expect("JSON")
    }

    #[derive(Serialize)]
    struct Contact {
        email: &'static str,
        firstname: Option<&'static str>,
        clear: Option<Option<&'static str>>,
        tags: Vec<Option<u32>>,
        #[serde(flatten)]
        extra: Extra,
    }

    #[derive(Serialize)]
    struct Extra {
        company: Option<&'static str>,
        website: Option<&'static str>,
    }

    #[derive(Serialize)]
    struct Unit;

    #[test]
    fn typed_bodies_leave_none_out_at_the_top_level_only() {
        let contact = Contact {
            email: "ada@example.com",
            firstname: None,
            clear: Some(None),
            tags: vec![None, Some(1)],
            extra: Extra {
                company: None,
                website: Some("ae.test"),
            },
        };
        assert_eq!(
            sent(action_body(&contact)),
            json!({ "email": "ada@example.com", "clear": null, "tags": [null, 1], "website": "ae.test" })
        );
        assert_eq!(
            sent(raw_body(&contact)),
            json!({
                "email": "ada@example.com", "firstname": null, "clear": null, "tags": [null, 1],
                "company": null, "website": "ae.test",
            })
        );
    }

    #[test]
    fn all_fields_none_is_an_empty_object() {
        #[derive(Serialize)]
        struct Optional {
            a: Option<u8>,
            b: Option<String>,
        }
        let body = action_body(&Optional { a: None, b: None }).expect("serializable");
        assert_eq!(&body[..], b"{}");
    }

    #[test]
    fn maps_and_values_keep_nulls_that_are_not_rust_none() {
        let map = BTreeMap::from([("a", None), ("b", Some(2))]);
        assert_eq!(sent(action_body(&map)), json!({ "b": 2 }));
        let value = json!({ "a": null, "b": 2 });
        assert_eq!(sent(action_body(&value)), value);
    }

    #[test]
    fn unit_values_are_sent_as_an_empty_object() {
        assert_eq!(&action_body(&Unit).expect("unit")[..], b"{}");
        assert_eq!(&raw_body(&()).expect("unit")[..], b"{}");
        assert_eq!(&raw_body(&None::<u8>).expect("none")[..], b"{}");
    }

    #[test]
    fn values_that_are_not_objects_are_refused_with_what_they_are() {
        for (body, what) in [
            (raw_body(&vec![1, 2]), "a list"),
            (raw_body(&[1, 2]), "a tuple"),
            (raw_body("text"), "a string"),
            (raw_body(&7), "a number"),
            (raw_body(&json!(true)), "a boolean"),
        ] {
            let message = body.expect_err("not an object").to_string();
            assert!(message.contains("must serialize to a JSON object"), "{message}");
            assert!(message.ends_with(what), "{message}");
        }
    }

    #[test]
    fn enum_variants_with_data_are_objects_and_sent_as_written() {
        #[derive(Serialize)]
        enum Lookup {
            ById { id: u32, archived: Option<bool> },
            ByEmail(&'static str),
            Pair(u8, u8),
            Everything,
        }
        assert_eq!(
            sent(action_body(&Lookup::ById { id: 7, archived: None })),
            json!({ "ById": { "id": 7, "archived": null } })
        );
        assert_eq!(sent(raw_body(&Lookup::ByEmail("a@b.c"))), json!({ "ByEmail": "a@b.c" }));
        assert_eq!(sent(raw_body(&Lookup::Pair(1, 2))), json!({ "Pair": [1, 2] }));
        let message = raw_body(&Lookup::Everything).expect_err("a string").to_string();
        assert!(message.ends_with("an enum variant"), "{message}");
    }

    #[test]
    fn raw_json_text_is_copied_when_it_is_an_object() {
        let raw = serde_json::value::RawValue::from_string(r#"{ "email": "ada@example.com", "x": null }"#.into())
            .expect("valid JSON");
        assert_eq!(
            &raw_body(&raw).expect("an object")[..],
            br#"{ "email": "ada@example.com", "x": null }"#
        );
        let null = serde_json::value::RawValue::from_string("null".into()).expect("valid JSON");
        assert_eq!(&raw_body(&null).expect("null")[..], b"{}");
        let list = serde_json::value::RawValue::from_string("[1]".into()).expect("valid JSON");
        let message = raw_body(&list).expect_err("a list").to_string();
        assert!(message.ends_with("raw JSON that is not an object"), "{message}");
    }

    #[test]
    fn serialization_failures_are_reported() {
        let map = BTreeMap::from([((1, 2), "tuple keys are not JSON")]);
        let message = raw_body(&map).expect_err("bad key").to_string();
        assert!(message.contains("could not be serialized"), "{message}");
    }
}
