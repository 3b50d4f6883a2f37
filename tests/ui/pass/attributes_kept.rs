//! Doc comments, `#[cfg]`, other derives and lint attributes on the struct and its fields stay.
#![deny(missing_docs)]

use refold::refold_action;

/// Creates a contact. The doc comment stays on the struct.
#[refold_action(slug = "hubspot", id = "create_contact")]
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
#[allow(clippy::struct_field_names)]
pub struct CreateContact {
    /// The contact's email address.
    pub email: String,
    /// Compiled out (`cfg(any())` is always false).
    #[cfg(any())]
    pub hubspot_owner_id: String,
    /// Sent by every build.
    #[cfg(all())]
    pub jobtitle: Option<String>,
}

/// A struct compiled out entirely: its impls must vanish with it.
#[cfg(any())]
#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CompiledOut {
    /// Missing field type would not compile if this were expanded.
    pub email: DoesNotExist,
}

/// `#[cfg]` written after the attribute is seen by the macro and repeated on its impls.
#[refold_action(slug = "hubspot", id = "create_contact")]
#[cfg(any())]
pub struct CompiledOutToo {
    /// Missing field type would not compile if this were expanded.
    pub email: DoesNotExist,
}

fn main() {
    let action = CreateContact {
        email: "ada@example.com".into(),
        jobtitle: Some("Engineer".into()),
    };
    let copy = action.clone();
    assert_eq!(action, copy);
    assert!(format!("{action:?}").contains("ada@example.com"));
    assert_eq!(
        serde_json::to_value(&action).unwrap(),
        serde_json::json!({ "email": "ada@example.com", "jobtitle": "Engineer" }),
    );
}
