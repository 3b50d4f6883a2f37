//! One action's snapshot: its identity and its parameters, and the file's exact bytes.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::SnapshotError;

/// The format version this crate writes, and the newest it reads.
///
/// A file with a higher version was written by a newer `refold`; reading it is refused with
/// [`SnapshotError::NewerFormat`] rather than guessed at.
pub const FORMAT_VERSION: u32 = 1;

/// One action's schema as the parameters endpoint returned it.
///
/// Fields are written in declaration order, with two-space indentation and a trailing newline,
/// so re-fetching an unchanged schema rewrites the same bytes. A snapshot holds no timestamp,
/// host or credential: it can be committed and reviewed like code.
///
/// ```
/// use refold_snapshot::{ParamType, Parameter, Snapshot};
///
/// let snapshot = Snapshot::new("hubspot", "get_contact")
///     .with_parameters(vec![Parameter::new("contact_id", ParamType::Text).with_required(true)]);
/// assert_eq!(snapshot.parameter("contact_id").map(|p| p.required), Some(true));
/// assert!(snapshot.parameter("email").is_none());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Snapshot {
    /// The format version ([`FORMAT_VERSION`] when written by this crate).
    pub format_version: u32,
    /// The app, e.g. `hubspot`.
    pub slug: String,
    /// The action, e.g. `create_contact`.
    pub action_id: String,
    /// The action's display name, as the list endpoint gives it (empty when unknown).
    #[serde(default)]
    pub name: String,
    /// The action's description, as the list endpoint gives it (empty when unknown).
    #[serde(default)]
    pub description: String,
    /// The parameters, in the API's order.
    #[serde(default)]
    pub parameters: Vec<Parameter>,
}

impl Snapshot {
    /// An empty snapshot of one action, in the current format.
    pub fn new(slug: impl Into<String>, action_id: impl Into<String>) -> Self {
        Snapshot {
            format_version: FORMAT_VERSION,
            slug: slug.into(),
            action_id: action_id.into(),
            name: String::new(),
            description: String::new(),
            parameters: Vec::new(),
        }
    }

    /// Sets the action's display name.
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    /// Sets the action's description.
    pub fn with_description(mut self, description: impl Into<String>) -> Self {
        self.description = description.into();
        self
    }

    /// Sets the parameters, in the API's order.
    pub fn with_parameters(mut self, parameters: Vec<Parameter>) -> Self {
        self.parameters = parameters;
        self
    }

    /// The parameter with this wire name, if the schema lists it.
    pub fn parameter(&self, name: &str) -> Option<&Parameter> {
        self.parameters.iter().find(|parameter| parameter.name == name)
    }

    /// The file's exact bytes: pretty JSON with two-space indentation and a trailing newline.
    ///
    /// ```
    /// use refold_snapshot::Snapshot;
    ///
    /// let text = String::from_utf8(Snapshot::new("hubspot", "list_contacts").to_bytes()).unwrap();
    /// assert!(text.starts_with("{\n  \"format_version\": 1,\n  \"slug\": \"hubspot\","));
    /// ```
    pub fn to_bytes(&self) -> Vec<u8> {
        // Serializing a struct of strings, bools and a string-like enum cannot fail.
        let mut bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        bytes.push(b'\n');
        bytes
    }

    /// Reads a snapshot from a file's bytes.
    ///
    /// ```
    /// use refold_snapshot::{Snapshot, SnapshotError};
    ///
    /// let newer = br#"{"format_version": 99, "slug": "hubspot", "action_id": "x"}"#;
    /// assert!(matches!(Snapshot::from_slice(newer), Err(SnapshotError::NewerFormat { found: 99, .. })));
    /// assert!(matches!(Snapshot::from_slice(b"{ not json"), Err(SnapshotError::Corrupt { .. })));
    /// ```
    ///
    /// # Errors
    ///
    /// [`SnapshotError::Corrupt`] when the bytes are not a snapshot (bad JSON, a missing or
    /// unknown field, a slug or action id that is not a valid identifier), and
    /// [`SnapshotError::NewerFormat`] when the file was written in a newer format. The errors
    /// carry no path; [`crate::SnapshotDir`] adds the file's path.
    pub fn from_slice(bytes: &[u8]) -> Result<Self, SnapshotError> {
        // One parse in the common case (the attribute reads a snapshot per struct, so this is
        // compile time). The version decides before the shape does: a file of a newer format is
        // reported as "newer", not as "corrupt", whether or not its fields still parse; a test
        // compares this with reading the version first.
        let corrupt = |message: String| SnapshotError::Corrupt { path: None, message };
        let snapshot = match serde_json::from_slice::<Snapshot>(bytes) {
            Ok(snapshot) => {
                check_version(Some(snapshot.format_version))?;
                snapshot
            }
            Err(err) => {
                check_version(read_version(bytes)?)?;
                return Err(corrupt(err.to_string()));
            }
        };
        for (what, value) in [("slug", &snapshot.slug), ("action_id", &snapshot.action_id)] {
            if !crate::is_valid_identifier(value) {
                return Err(corrupt(format!(
                    "`{what}` is {value:?}, which is not 1 to 128 lowercase ASCII letters, digits, '_' or '-'"
                )));
            }
        }
        Ok(snapshot)
    }
}

/// The file's `format_version`, read on its own so that a file whose other fields changed shape
/// still tells its version.
fn read_version(bytes: &[u8]) -> Result<Option<u32>, SnapshotError> {
    #[derive(Deserialize)]
    struct VersionOnly {
        format_version: Option<u32>,
    }
    serde_json::from_slice::<VersionOnly>(bytes)
        .map(|version| version.format_version)
        .map_err(|err| SnapshotError::Corrupt {
            path: None,
            message: err.to_string(),
        })
}

/// Refuses a missing version, and one newer than this crate reads.
fn check_version(version: Option<u32>) -> Result<(), SnapshotError> {
    match version {
        None => Err(SnapshotError::Corrupt {
            path: None,
            message: "the field `format_version` is missing".into(),
        }),
        Some(found) if found > FORMAT_VERSION => Err(SnapshotError::NewerFormat {
            path: None,
            found,
            supported: FORMAT_VERSION,
        }),
        Some(_) => Ok(()),
    }
}

/// One parameter of an action, exactly as the parameters endpoint returns it.
///
/// ```
/// use refold_snapshot::{ParamType, Parameter};
///
/// let param: Parameter = serde_json::from_str(
///     r#"{"name": "email", "label": "Enter Email", "required": true, "type": "text"}"#,
/// )?;
/// assert_eq!(param, Parameter::new("email", ParamType::Text).with_label("Enter Email").with_required(true));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Parameter {
    /// The wire name: the key in the execute body.
    pub name: String,
    /// The label a person sees in Refold's UI, when the API gives one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    /// Whether the action refuses a call without it.
    #[serde(default)]
    pub required: bool,
    /// The value's type.
    #[serde(rename = "type")]
    pub param_type: ParamType,
}

impl Parameter {
    /// An optional parameter without a label.
    pub fn new(name: impl Into<String>, param_type: ParamType) -> Self {
        Parameter {
            name: name.into(),
            label: None,
            required: false,
            param_type,
        }
    }

    /// Sets the label.
    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    /// Sets whether the parameter is required.
    pub fn with_required(mut self, required: bool) -> Self {
        self.required = required;
        self
    }
}

/// The type of a parameter. Types this crate does not know are kept verbatim, never rejected,
/// so a snapshot round-trips whatever Refold sends.
///
/// It is also the type of `refold::ActionParameter::param_type` (re-exported as
/// `refold::ParamType`), so a schema read from the API and one read from a snapshot need no
/// conversion.
///
/// ```
/// use refold_snapshot::ParamType;
///
/// assert_eq!(ParamType::from("password"), ParamType::Password);
/// assert_eq!(ParamType::from("date").as_str(), "date");
/// assert_eq!(ParamType::default(), ParamType::Text);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ParamType {
    /// A string; the type of a parameter whose type the API does not give.
    #[default]
    Text,
    /// A secret string (Refold uses it for credentials an action needs); sent as a string.
    Password,
    /// A number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// Any JSON value (objects, arrays).
    Json,
    /// A type this crate does not know, kept verbatim.
    Other(String),
}

impl ParamType {
    /// The type as Refold spells it.
    pub fn as_str(&self) -> &str {
        match self {
            ParamType::Text => "text",
            ParamType::Password => "password",
            ParamType::Number => "number",
            ParamType::Boolean => "boolean",
            ParamType::Json => "json",
            ParamType::Other(other) => other,
        }
    }
}

impl From<&str> for ParamType {
    fn from(value: &str) -> Self {
        match value {
            "text" => ParamType::Text,
            "password" => ParamType::Password,
            "number" => ParamType::Number,
            "boolean" => ParamType::Boolean,
            "json" => ParamType::Json,
            other => ParamType::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for ParamType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for ParamType {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for ParamType {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(ParamType::from(text.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn create_contact() -> Snapshot {
        Snapshot::new("hubspot", "create_contact")
            .with_name("Create Contact")
            .with_description("Creates a contact — «unicode» and \"quotes\"")
            .with_parameters(vec![
                Parameter::new("email", ParamType::Text)
                    .with_label("Enter Email")
                    .with_required(true),
                Parameter::new("secret", ParamType::Password),
                Parameter::new("when", ParamType::Other("date".into())).with_label("When"),
            ])
    }

    #[test]
    fn every_type_round_trips_through_its_spelling_and_json() {
        for (text, kind) in [
            ("text", ParamType::Text),
            ("json", ParamType::Json),
            ("number", ParamType::Number),
            ("boolean", ParamType::Boolean),
            ("password", ParamType::Password),
            ("date", ParamType::Other("date".into())),
        ] {
            assert_eq!(ParamType::from(text), kind);
            assert_eq!(kind.as_str(), text);
            let json = serde_json::to_string(&kind).unwrap();
            assert_eq!(json, format!("\"{text}\""));
            assert_eq!(serde_json::from_str::<ParamType>(&json).unwrap(), kind);
        }
    }

    #[test]
    fn bytes_round_trip_and_are_stable() {
        let snapshot = create_contact();
        let bytes = snapshot.to_bytes();
        let again = Snapshot::from_slice(&bytes).unwrap();
        assert_eq!(again, snapshot);
        assert_eq!(again.to_bytes(), bytes);
    }

    #[test]
    fn bytes_have_a_fixed_layout() {
        let text = String::from_utf8(create_contact().to_bytes()).unwrap();
        let expected = r#"{
  "format_version": 1,
  "slug": "hubspot",
  "action_id": "create_contact",
  "name": "Create Contact",
  "description": "Creates a contact — «unicode» and \"quotes\"",
  "parameters": [
    {
      "name": "email",
      "label": "Enter Email",
      "required": true,
      "type": "text"
    },
    {
      "name": "secret",
      "required": false,
      "type": "password"
    },
    {
      "name": "when",
      "label": "When",
      "required": false,
      "type": "date"
    }
  ]
}
"#;
        assert_eq!(text, expected);
    }

    #[test]
    fn unknown_fields_and_bad_identifiers_are_corrupt() {
        let typo = br#"{"format_version": 1, "slug": "hubspot", "action_id": "x", "parameters": [{"name": "a", "type": "text", "requird": true}]}"#;
        let err = Snapshot::from_slice(typo).unwrap_err();
        assert!(err.to_string().contains("requird"), "{err}");

        let traversal = br#"{"format_version": 1, "slug": "../etc", "action_id": "x"}"#;
        let err = Snapshot::from_slice(traversal).unwrap_err();
        assert!(err.to_string().contains("slug"), "{err}");

        let no_version = br#"{"slug": "hubspot", "action_id": "x"}"#;
        let err = Snapshot::from_slice(no_version).unwrap_err();
        assert!(err.to_string().contains("format_version"), "{err}");
    }

    #[test]
    fn a_newer_format_is_named_as_such_even_if_its_shape_changed() {
        let newer = br#"{"format_version": 2, "actions": {}}"#;
        match Snapshot::from_slice(newer) {
            Err(SnapshotError::NewerFormat {
                found: 2, supported: 1, ..
            }) => {}
            other => panic!("expected NewerFormat, got {other:?}"),
        }
    }

    /// The reading this crate had before `from_slice` parsed once: the version first, on its
    /// own, then the whole file.
    fn two_pass(bytes: &[u8]) -> Result<Snapshot, SnapshotError> {
        check_version(read_version(bytes)?)?;
        let snapshot: Snapshot = serde_json::from_slice(bytes).map_err(|err| SnapshotError::Corrupt {
            path: None,
            message: err.to_string(),
        })?;
        for (what, value) in [("slug", &snapshot.slug), ("action_id", &snapshot.action_id)] {
            if !crate::is_valid_identifier(value) {
                return Err(SnapshotError::Corrupt {
                    path: None,
                    message: format!(
                        "`{what}` is {value:?}, which is not 1 to 128 lowercase ASCII letters, digits, '_' or '-'"
                    ),
                });
            }
        }
        Ok(snapshot)
    }

    #[test]
    fn one_parse_reads_as_the_version_first_reading_did() {
        let valid = create_contact().to_bytes();
        let inputs: Vec<Vec<u8>> = vec![
            valid.clone(),
            valid[..valid.len() / 2].to_vec(),
            b"".to_vec(),
            b"[]".to_vec(),
            b"null".to_vec(),
            b"{ not json".to_vec(),
            br#"{"slug": "hubspot", "action_id": "x"}"#.to_vec(),
            br#"{"format_version": null, "slug": "hubspot", "action_id": "x"}"#.to_vec(),
            br#"{"format_version": "1", "slug": "hubspot", "action_id": "x"}"#.to_vec(),
            br#"{"format_version": -1, "slug": "hubspot", "action_id": "x"}"#.to_vec(),
            br#"{"format_version": 0, "slug": "hubspot", "action_id": "x"}"#.to_vec(),
            br#"{"format_version": 1, "slug": "hubspot", "action_id": "x"}"#.to_vec(),
            br#"{"format_version": 1, "slug": "hubspot", "action_id": "x", "extra": 1}"#.to_vec(),
            br#"{"format_version": 2, "slug": "hubspot", "action_id": "x"}"#.to_vec(),
            br#"{"format_version": 2, "actions": {}}"#.to_vec(),
            br#"{"format_version": 99, "slug": 5}"#.to_vec(),
            br#"{"format_version": 1, "slug": "../etc", "action_id": "x"}"#.to_vec(),
            br#"{"format_version": 1, "slug": "hubspot", "action_id": ""}"#.to_vec(),
            br#"{"format_version": 1, "slug": "hubspot", "action_id": "x", "parameters": [{"name": "a"}]}"#.to_vec(),
            br#"{"format_version": 1, "format_version": 2, "slug": "hubspot", "action_id": "x"}"#.to_vec(),
            br#"{"format_version": 1, "slug": "hubspot", "action_id": "x"} trailing"#.to_vec(),
        ];
        for input in &inputs {
            let once = Snapshot::from_slice(input);
            let twice = two_pass(input);
            let text = String::from_utf8_lossy(input);
            match (&once, &twice) {
                (Ok(a), Ok(b)) => assert_eq!(a, b, "{text}"),
                (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string(), "{text}"),
                _ => panic!("{text}: {once:?} against {twice:?}"),
            }
        }
    }
}
