//! `#[refold_action]` structs executed against the emulator: the body on the wire is what the
//! struct and its serde attributes say, `data` decodes into `output`, and `idempotent` reaches the
//! retry rules.

extern crate refold as renamed_refold;

use std::collections::BTreeMap;

use refold::{Action, Client, ErrorKind, RetryPolicy, refold_action};
use refold_emulator::{Emulator, Fault};
use serde::Deserialize;
use serde_json::{Value, json};

async fn start() -> (Emulator, Client) {
    let emulator = Emulator::start().await.expect("the emulator starts");
    let client = Client::builder()
        .base_url(emulator.base_url())
        .api_key(emulator.api_key())
        .linked_account_id(emulator.linked_account_id())
        .retry_policy(
            RetryPolicy::default()
                .with_initial_backoff(std::time::Duration::from_millis(1))
                .with_max_backoff(std::time::Duration::from_millis(5)),
        )
        .build()
        .expect("a valid client");
    (emulator, client)
}

/// The JSON body of the last `…/execute` request the emulator received.
fn last_execute_body(emulator: &Emulator) -> Value {
    let request = emulator
        .requests()
        .into_iter()
        .rev()
        .find(|request| request.path.ends_with("/execute"))
        .expect("an execute request was sent");
    request.body_json().expect("a JSON body")
}

// The struct of the README's "Typed actions" section.
/// Creates a HubSpot contact.
#[refold_action(slug = "hubspot", id = "create_contact")]
#[derive(Debug, Clone)]
struct CreateContact {
    email: String,
    firstname: Option<String>,
    lastname: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct HubSpotContact {
    id: String,
    properties: ContactProperties,
    created_at: String,
    archived: bool,
}

#[derive(Debug, Deserialize)]
struct ContactProperties {
    email: String,
    firstname: Option<String>,
    lastname: Option<String>,
}

/// Looks a contact up by email. Safe to retry.
#[refold_action(slug = "hubspot", id = "get_contact", output = HubSpotContact, idempotent)]
struct GetContact<'a> {
    email: &'a str,
}

#[tokio::test]
async fn readme_struct_creates_a_contact_and_leaves_none_fields_out() {
    let (emulator, client) = start().await;
    let reply = CreateContact {
        email: "ada@example.com".into(),
        firstname: Some("Ada".into()),
        lastname: None,
    }
    .execute(&client)
    .await
    .expect("the contact is created");

    assert!(reply.data["id"].is_string(), "{:?}", reply.data);
    assert_eq!(reply.data["properties"]["firstname"], "Ada");
    assert_eq!(reply.http_status, Some(201));
    assert_eq!(
        last_execute_body(&emulator),
        json!({ "email": "ada@example.com", "firstname": "Ada" }),
        "`lastname: None` is not sent, not even as null"
    );
    let request = emulator.requests().pop().expect("one request");
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        "/api/v2/integration-schema/hubspot/actions/create_contact/execute"
    );
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 1);
}

#[tokio::test]
async fn output_type_decodes_data() {
    let (_emulator, client) = start().await;
    let created = CreateContact {
        email: "grace@example.com".into(),
        firstname: Some("Grace".into()),
        lastname: Some("Hopper".into()),
    }
    .execute(&client)
    .await
    .expect("created");

    let found = GetContact {
        email: "grace@example.com",
    }
    .execute(&client)
    .await
    .expect("found");
    let contact: HubSpotContact = found.data;
    assert_eq!(contact.id, created.data["id"].as_str().expect("an id"));
    assert_eq!(contact.properties.email, "grace@example.com");
    assert_eq!(contact.properties.firstname.as_deref(), Some("Grace"));
    assert_eq!(contact.properties.lastname.as_deref(), Some("Hopper"));
    assert!(!contact.created_at.is_empty());
    assert!(!contact.archived);
}

#[tokio::test]
async fn idempotent_action_is_retried_and_a_write_is_not() {
    let (emulator, client) = start().await;
    const { assert!(GetContact::IDEMPOTENT && !CreateContact::IDEMPOTENT) };
    CreateContact {
        email: "ada@example.com".into(),
        firstname: None,
        lastname: None,
    }
    .execute(&client)
    .await
    .expect("created");

    // A read whose reply is lost ran once, is retried, and succeeds.
    emulator.inject_for("/execute", Fault::DropAfterExecute);
    let found = GetContact {
        email: "ada@example.com",
    }
    .execute(&client)
    .await
    .expect("retried");
    assert_eq!(found.data.properties.email, "ada@example.com");
    assert_eq!(emulator.executed_count("hubspot", "get_contact"), 2);

    // A write whose reply is lost may have happened: it is reported, never repeated.
    emulator.inject_for("/execute", Fault::DropAfterExecute);
    let error = CreateContact {
        email: "grace@example.com".into(),
        firstname: None,
        lastname: None,
    }
    .execute(&client)
    .await
    .expect_err("the reply was lost");
    assert!(error.may_have_executed(), "{error}");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 2);
}

#[tokio::test]
async fn app_failure_comes_back_as_an_error() {
    let (_emulator, client) = start().await;
    let error = GetContact {
        email: "nobody@example.com",
    }
    .execute(&client)
    .await
    .expect_err("not found");
    assert_eq!(error.kind(), ErrorKind::App, "{error}");
}

/// Every serde option a user reaches for, honoured in the body the emulator receives.
#[refold_action(slug = "hubspot", id = "create_contact")]
#[serde(rename_all = "lowercase")]
struct CreateContactWithSerde {
    #[serde(with = "lowercase")]
    email: String,
    #[serde(rename = "firstname")]
    given_name: Option<String>,
    #[serde(rename = "lastname")]
    family_name: Option<String>,
    jobtitle: Option<String>,
    #[serde(flatten)]
    company: Company,
    #[serde(skip)]
    internal_note: String,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    additional_fields: BTreeMap<String, String>,
    // Its own `skip_serializing_if` wins over "leave `None` out": `None` is sent as `null`.
    #[serde(skip_serializing_if = "Option::is_some")]
    phone: Option<String>,
}

#[derive(Debug, serde::Serialize)]
struct Company {
    company: String,
    website: Option<String>,
}

mod lowercase {
    pub(crate) fn serialize<S: serde::Serializer>(value: &str, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&value.to_lowercase())
    }
}

#[tokio::test]
async fn serde_attributes_shape_the_body() {
    let (emulator, client) = start().await;
    let action = CreateContactWithSerde {
        email: "Ada@Example.com".into(),
        given_name: Some("Ada".into()),
        family_name: None,
        jobtitle: None,
        company: Company {
            company: "Analytical Engines".into(),
            website: Some("ae.test".into()),
        },
        internal_note: "never sent".into(),
        additional_fields: BTreeMap::from([("lifecyclestage".into(), "lead".into())]),
        phone: None,
    };
    assert_eq!(action.internal_note, "never sent");
    let reply = action.execute(&client).await.expect("created");

    assert_eq!(
        last_execute_body(&emulator),
        json!({
            "email": "ada@example.com",
            "firstname": "Ada",
            "company": "Analytical Engines",
            "website": "ae.test",
            "additional_fields": { "lifecyclestage": "lead" },
            "phone": null,
        })
    );
    assert_eq!(reply.data["properties"]["email"], "ada@example.com");
    assert_eq!(reply.data["properties"]["company"], "Analytical Engines");
}

/// `Option` spelled every way, and fields whose serde attributes decide what is sent.
type MaybeText = Option<String>;

#[refold_action(slug = "hubspot", id = "create_contact")]
struct EveryNone {
    email: String,
    firstname: Option<String>,
    lastname: std::option::Option<String>,
    phone: ::core::option::Option<String>,
    // An alias is `None` all the same: the client asks the value, not the spelling.
    company: MaybeText,
    // The field's own rule wins: the `None` it lets through is sent as `null`.
    #[serde(skip_serializing_if = "never")]
    website: Option<String>,
    #[serde(skip_serializing_if = "Option::is_some")]
    jobtitle: Option<String>,
    #[serde(skip_serializing)]
    hubspot_owner_id: Option<String>,
    // `Option` nested inside another value is a value like any other.
    associations: Vec<Option<u32>>,
    // An explicit `null`: `Some(None)`.
    lifecyclestage: Option<Option<String>>,
    #[serde(rename = "additional_fields")]
    extra: Option<Value>,
    // `serialize_with` is never handed a `None`.
    #[serde(serialize_with = "upper")]
    nickname: Option<String>,
    // Fields flattened into the body are top-level fields of the body.
    #[serde(flatten)]
    address: Address,
}

#[derive(serde::Serialize)]
struct Address {
    city: Option<String>,
    country: Option<String>,
}

fn never<T>(_: &T) -> bool {
    false
}

fn upper<S: serde::Serializer>(value: &Option<String>, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&value.as_deref().unwrap_or_default().to_uppercase())
}

#[tokio::test]
async fn none_is_left_out_of_the_body_unless_the_field_decides() {
    let (emulator, client) = start().await;
    let mut action = EveryNone {
        email: "ada@example.com".into(),
        firstname: None,
        lastname: None,
        phone: None,
        company: None,
        website: None,
        jobtitle: None,
        hubspot_owner_id: Some("7".into()),
        associations: vec![None, Some(1)],
        lifecyclestage: Some(None),
        extra: None,
        nickname: None,
        address: Address {
            city: None,
            country: Some("UK".into()),
        },
    };
    // Whether the emulator accepts every key does not matter here, only what was sent.
    let _ = action.execute(&client).await;
    assert!(action.hubspot_owner_id.is_some(), "set on the struct, never sent");
    assert_eq!(
        last_execute_body(&emulator),
        json!({
            "email": "ada@example.com",
            "website": null,
            "jobtitle": null,
            "associations": [null, 1],
            "lifecyclestage": null,
            "country": "UK",
        })
    );

    action.firstname = Some("Ada".into());
    action.company = Some("Acme".into());
    action.website = Some("acme.test".into());
    action.jobtitle = Some("Engineer".into());
    action.lifecyclestage = Some(Some("lead".into()));
    action.extra = Some(json!({ "a": 1 }));
    action.nickname = Some("ada".into());
    let _ = action.execute(&client).await;
    assert_eq!(
        last_execute_body(&emulator),
        json!({
            "email": "ada@example.com",
            "firstname": "Ada",
            "company": "Acme",
            "website": "acme.test",
            "associations": [null, 1],
            "lifecyclestage": "lead",
            "additional_fields": { "a": 1 },
            "nickname": "ADA",
            "country": "UK",
        })
    );
}

/// A parameterless action: every parameter of `search_contacts` is optional.
#[refold_action(slug = "hubspot", id = "search_contacts", idempotent, output = Page<HubSpotContact>)]
struct AllContacts;

/// A borrowing, generic action: the limit is any number type.
#[refold_action(slug = "hubspot", id = "search_contacts", idempotent, output = Page<HubSpotContact>)]
struct SearchContacts<'q, N: Copy> {
    query: &'q str,
    limit: Option<N>,
}

#[derive(Debug, Deserialize)]
struct Page<T> {
    total: u64,
    results: Vec<T>,
}

#[tokio::test]
async fn unit_and_generic_structs_execute() {
    let (emulator, client) = start().await;
    for (email, name) in [("ada@example.com", "Ada"), ("grace@example.com", "Grace")] {
        CreateContact {
            email: email.into(),
            firstname: Some(name.into()),
            lastname: None,
        }
        .execute(&client)
        .await
        .expect("created");
    }

    let all = AllContacts.execute(&client).await.expect("listed");
    assert_eq!(all.data.total, 2);
    assert_eq!(
        last_execute_body(&emulator),
        json!({}),
        "a unit struct sends an empty object"
    );

    let query = String::from("grace");
    let found = SearchContacts {
        query: &query,
        limit: Some(5_u8),
    }
    .execute(&client)
    .await
    .expect("searched");
    assert_eq!(found.data.results.len(), 1);
    assert_eq!(found.data.results[0].properties.firstname.as_deref(), Some("Grace"));
    assert_eq!(last_execute_body(&emulator), json!({ "query": "grace", "limit": 5 }));

    let unlimited = SearchContacts::<u32> {
        query: "example.com",
        limit: None,
    }
    .execute(&client)
    .await
    .expect("searched");
    assert_eq!(unlimited.data.total, 2);
    assert_eq!(last_execute_body(&emulator), json!({ "query": "example.com" }));
}

/// Through a renamed facade (`extern crate refold as renamed_refold;` above), as with
/// `renamed_refold = { package = "refold-sdk", … }` in Cargo.toml.
#[renamed_refold::refold_action(crate = "renamed_refold", slug = "hubspot", id = "get_contact", idempotent)]
struct GetContactRenamed {
    email: String,
}

#[tokio::test]
async fn renamed_crate_executes() {
    let (emulator, client) = start().await;
    CreateContact {
        email: "ada@example.com".into(),
        firstname: None,
        lastname: None,
    }
    .execute(&client)
    .await
    .expect("created");
    let found = GetContactRenamed {
        email: "ada@example.com".into(),
    }
    .execute(&client)
    .await
    .expect("found");
    assert_eq!(found.data["properties"]["email"], "ada@example.com");
    assert_eq!(emulator.executed_count("hubspot", "get_contact"), 1);
}
