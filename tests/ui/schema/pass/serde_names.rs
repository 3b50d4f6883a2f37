//! Wire names are checked as serde writes them: `rename`, `rename_all` (every rule), raw
//! identifiers; `skip`ped fields are not sent, so not checked; `flatten` may supply any
//! parameter, required ones included.

use std::collections::BTreeMap;

use refold::refold_action;
use serde_json::Value;

/// Salesforce names its fields in PascalCase.
#[refold_action(slug = "salesforce", id = "create_account")]
#[serde(rename_all = "PascalCase")]
pub struct CreateAccount {
    pub name: String,
    pub number_of_employees: Option<u64>,
    pub billing_city: Option<String>,
    pub r#type: Option<String>,
    #[serde(rename = "additional_fields")]
    pub extra: Option<BTreeMap<String, Value>>,
    #[serde(skip)]
    pub local_cache_key: u64,
}

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct Renamed {
    #[serde(rename = "email")]
    pub address: String,
    #[serde(rename(serialize = "jobtitle", deserialize = "job_title"))]
    pub job_title: Option<String>,
    #[serde(skip_serializing)]
    pub first_name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[refold_action(slug = "hubspot", id = "create_contact")]
#[serde(rename_all = "UPPERCASE")]
pub struct NotQuiteRight {
    // `rename` wins over `rename_all`.
    #[serde(rename = "email")]
    pub email: String,
}

/// The flattened map may hold `email`: neither its absence nor the map itself is an error.
#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct Flattened {
    pub firstname: Option<String>,
    #[serde(flatten)]
    pub rest: BTreeMap<String, Value>,
}

#[refold_action(slug = "hubspot", id = "get_contact", idempotent)]
#[derive(serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub struct UserDerive {
    pub email: String,
}

fn main() {
    let account = CreateAccount {
        name: "Acme".into(),
        number_of_employees: Some(12),
        billing_city: None,
        r#type: Some("Customer".into()),
        extra: None,
        local_cache_key: 7,
    };
    let body = serde_json::to_value(&account).unwrap();
    assert_eq!(body["Name"], "Acme");
    assert_eq!(body["NumberOfEmployees"], 12);
    assert_eq!(body["Type"], "Customer");
    assert!(body.get("LocalCacheKey").is_none());
    let _ = Renamed { address: String::new(), job_title: None, first_name: String::new(), phone: None };
    let _ = NotQuiteRight { email: String::new() };
    let _ = Flattened { firstname: None, rest: BTreeMap::new() };
    let _ = UserDerive { email: String::new() };
}
