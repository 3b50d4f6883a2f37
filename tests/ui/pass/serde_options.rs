//! The user's own `#[serde(...)]` attributes are kept and honoured in the body sent.

use std::collections::BTreeMap;

use refold::refold_action;
use serde_json::json;

#[refold_action(slug = "hubspot", id = "create_contact")]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CreateContact {
    pub email_address: String,
    #[serde(rename = "jobtitle")]
    pub job_title: Option<String>,
    #[serde(skip)]
    pub local_note: String,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(with = "upper")]
    pub company: String,
    #[serde(serialize_with = "as_len")]
    pub website: String,
    #[serde(flatten)]
    pub additional_fields: BTreeMap<String, String>,
    #[serde(flatten)]
    pub owner: Owner,
    pub r#type: &'static str,
}

#[derive(serde::Serialize)]
pub struct Owner {
    pub hubspot_owner_id: Option<String>,
}

mod upper {
    pub fn serialize<S: serde::Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_uppercase())
    }
}

fn as_len<S: serde::Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_u64(value.len() as u64)
}

#[refold_action(slug = "hubspot", id = "create_contact")]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub struct Shouting {
    pub first_name: String,
}

fn main() {
    let mut additional_fields = BTreeMap::new();
    additional_fields.insert("lifecyclestage".to_owned(), "lead".to_owned());
    let action = CreateContact {
        email_address: "ada@example.com".into(),
        job_title: Some("Engineer".into()),
        local_note: "not sent".into(),
        tags: vec![],
        company: "acme".into(),
        website: "acme.test".into(),
        additional_fields,
        owner: Owner {
            hubspot_owner_id: Some("7".into()),
        },
        r#type: "person",
    };
    assert_eq!(
        serde_json::to_value(&action).unwrap(),
        json!({
            "emailAddress": "ada@example.com",
            "jobtitle": "Engineer",
            "tags": [],
            "company": "ACME",
            "website": 9,
            "lifecyclestage": "lead",
            "hubspot_owner_id": "7",
            "type": "person",
        }),
    );
    assert_eq!(
        serde_json::to_value(Shouting {
            first_name: "Ada".into()
        })
        .unwrap(),
        json!({ "FIRST_NAME": "Ada" }),
    );
}
