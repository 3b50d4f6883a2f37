//! `Option` fields with serde attributes of their own compile next to the attributes the macro adds
//! (`serialize_with` for a field with its own `skip_serializing_if`, `skip_serializing_if` for a
//! field with its own `serialize_with`), and the struct's own `Serialize` writes what they say.
//! Which `None`s reach the request body is tested against the emulator in `typed_actions.rs`: the
//! client leaves top-level `None` values out when it writes the body.

use refold::refold_action;
use serde_json::json;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
    pub firstname: Option<String>,
    pub lastname: std::option::Option<String>,
    pub phone: core::option::Option<String>,
    pub company: ::std::option::Option<String>,
    // The field's own rule wins: an explicit `null` is sent to clear the value.
    #[serde(skip_serializing_if = "never")]
    pub website: Option<String>,
    // Its own rule on a non-`None` condition.
    #[serde(skip_serializing_if = "Option::is_some")]
    pub jobtitle: Option<String>,
    #[serde(skip_serializing)]
    pub hubspot_owner_id: Option<String>,
    // `Option` nested inside another type is a value like any other.
    pub associations: Vec<Option<u32>>,
    // Renamed and `None`: still left out.
    #[serde(rename = "additional_fields")]
    pub extra: Option<serde_json::Value>,
    // `serialize_with` on an `Option` still skips `None` before it is called.
    #[serde(serialize_with = "upper")]
    pub nickname: Option<String>,
}

fn never<T>(_: &T) -> bool {
    false
}

fn upper<S: serde::Serializer>(value: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.as_deref().unwrap_or_default().to_uppercase())
}

fn main() {
    let all_none = CreateContact {
        email: "ada@example.com".into(),
        firstname: None,
        lastname: None,
        phone: None,
        company: None,
        website: None,
        jobtitle: None,
        hubspot_owner_id: Some("7".into()),
        associations: vec![None, Some(1)],
        extra: None,
        nickname: None,
    };
    assert_eq!(
        serde_json::to_value(&all_none).unwrap(),
        json!({
            "email": "ada@example.com",
            "firstname": null,
            "lastname": null,
            "phone": null,
            "company": null,
            "website": null,
            "jobtitle": null,
            "associations": [null, 1],
            "additional_fields": null,
        }),
    );

    let all_some = CreateContact {
        email: "ada@example.com".into(),
        firstname: Some("Ada".into()),
        lastname: Some("Lovelace".into()),
        phone: Some("+1".into()),
        company: Some("Acme".into()),
        website: Some("acme.test".into()),
        jobtitle: Some("Engineer".into()),
        hubspot_owner_id: Some("7".into()),
        associations: vec![],
        extra: Some(json!({ "a": 1 })),
        nickname: Some("ada".into()),
    };
    assert_eq!(
        serde_json::to_value(&all_some).unwrap(),
        json!({
            "email": "ada@example.com",
            "firstname": "Ada",
            "lastname": "Lovelace",
            "phone": "+1",
            "company": "Acme",
            "website": "acme.test",
            "associations": [],
            "additional_fields": { "a": 1 },
            "nickname": "ADA",
        }),
    );
}
