//! Every endpoint over real HTTP against the emulator, in both authentication modes, with the
//! exact requests the emulator received.

use crate::support::{USER_AGENT, builder, client, only_request, token_client};
use refold::{Action, ActionParameter, Error, NodeStatus, ParamType};
use refold_emulator::Emulator;
use serde::{Deserialize, Serialize};
use serde_json::json;

const EXECUTE_CREATE: &str = "/api/v2/integration-schema/hubspot/actions/create_contact/execute";

/// HubSpot `create_contact`, implemented by hand (no macro).
#[derive(Serialize)]
struct CreateContact {
    email: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    firstname: Option<String>,
}

impl Action for CreateContact {
    const SLUG: &'static str = "hubspot";
    const ACTION_ID: &'static str = "create_contact";
    type Output = Contact;
}

#[derive(Debug, Deserialize)]
struct Contact {
    id: String,
    properties: ContactProperties,
    #[serde(rename = "createdAt")]
    created_at: String,
    archived: bool,
}

#[derive(Debug, Deserialize)]
struct ContactProperties {
    email: String,
    firstname: Option<String>,
}

/// Asserts the headers of an API-key request: key and linked account present, no bearer token.
fn assert_api_key_headers(request: &refold_emulator::RecordedRequest, emulator: &Emulator, linked_account: &str) {
    assert_eq!(request.header("x-api-key"), Some(emulator.api_key()));
    assert_eq!(request.header("linked_account_id"), Some(linked_account));
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.header("user-agent"), Some(USER_AGENT));
}

/// Asserts the headers of a session-token request: bearer only, no key, no linked account.
fn assert_bearer_headers(request: &refold_emulator::RecordedRequest, token: &str) {
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {token}").as_str())
    );
    assert_eq!(request.header("x-api-key"), None);
    assert_eq!(request.header("linked_account_id"), None);
    assert_eq!(request.header("user-agent"), Some(USER_AGENT));
}

#[tokio::test]
async fn typed_action_posts_its_fields_and_decodes_the_record() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);

    let reply = client
        .execute(&CreateContact {
            email: "ada@example.com".into(),
            firstname: Some("Ada".into()),
        })
        .await
        .unwrap();

    assert_eq!(reply.node_status, NodeStatus::Success);
    assert_eq!(reply.http_status, Some(201));
    assert!(reply.request_id.as_deref().is_some_and(|id| !id.is_empty()));
    assert!(!reply.data.id.is_empty());
    assert_eq!(reply.data.properties.email, "ada@example.com");
    assert_eq!(reply.data.properties.firstname.as_deref(), Some("Ada"));
    assert!(!reply.data.created_at.is_empty());
    assert!(!reply.data.archived);

    let request = only_request(&emulator);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, EXECUTE_CREATE);
    assert_eq!(request.query, None);
    assert_api_key_headers(&request, &emulator, "ada@example.com");
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.header("accept"), Some("application/json"));
    assert_eq!(
        request.body_json().unwrap(),
        json!({ "email": "ada@example.com", "firstname": "Ada" })
    );
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 1);
}

#[tokio::test]
async fn execute_raw_creates_and_execute_raw_idempotent_reads_back() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);

    let created = client
        .execute_raw(
            "hubspot",
            "create_contact",
            &json!({ "email": "grace@example.com", "lastname": "Hopper" }),
        )
        .await
        .unwrap();
    assert_eq!(created.http_status, Some(201));
    assert_eq!(created.data["properties"]["lastname"], "Hopper");

    let fetched = client
        .execute_raw_idempotent("hubspot", "get_contact", &json!({ "email": "grace@example.com" }))
        .await
        .unwrap();
    assert_eq!(fetched.http_status, Some(200));
    assert_eq!(fetched.data["id"], created.data["id"]);
    assert_eq!(fetched.data["properties"]["email"], "grace@example.com");

    let requests = emulator.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[1].path,
        "/api/v2/integration-schema/hubspot/actions/get_contact/execute"
    );
    assert_eq!(
        requests[1].body_json().unwrap(),
        json!({ "email": "grace@example.com" })
    );
    for request in &requests {
        assert_api_key_headers(request, &emulator, "ada@example.com");
        assert_eq!(request.header("content-type"), Some("application/json"));
    }
}

#[tokio::test]
async fn a_map_of_parameters_serializes_as_the_body() {
    let emulator = Emulator::start().await.unwrap();
    let params = std::collections::BTreeMap::from([("email", "map@example.com"), ("company", "Acme")]);
    let reply = client(&emulator)
        .execute_raw("hubspot", "create_contact", &params)
        .await
        .unwrap();
    assert_eq!(reply.data["properties"]["company"], "Acme");
    assert_eq!(
        only_request(&emulator).body_json().unwrap(),
        json!({ "company": "Acme", "email": "map@example.com" })
    );
}

#[tokio::test]
async fn parameters_that_are_not_an_object_are_refused_before_sending() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    for params in [json!([1, 2]), json!("email"), json!(3)] {
        let error = client
            .execute_raw("hubspot", "create_contact", &params)
            .await
            .unwrap_err();
        assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    }
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn list_actions_gets_the_catalogue_with_api_key_headers() {
    let emulator = Emulator::start().await.unwrap();
    let actions = client(&emulator).list_actions("hubspot").await.unwrap();

    let create = actions
        .iter()
        .find(|a| a.action_id == "create_contact")
        .expect("create_contact is listed");
    assert_eq!(create.name, "Create Contact");
    assert!(!create.description.is_empty());
    assert_eq!(create.tag.as_deref(), Some("Contacts"));
    for id in ["get_contact", "search_contacts"] {
        assert!(actions.iter().any(|a| a.action_id == id), "{id} is listed");
    }

    let request = only_request(&emulator);
    assert_eq!(request.method, "GET");
    assert_eq!(request.path, "/api/v2/integration-schema/hubspot/actions");
    assert_api_key_headers(&request, &emulator, "ada@example.com");
    assert_eq!(request.header("content-type"), None, "a GET has no body");
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn action_parameters_returns_hubspot_create_contact_schema_exactly() {
    let emulator = Emulator::start().await.unwrap();
    let parameters = client(&emulator)
        .action_parameters("hubspot", "create_contact")
        .await
        .unwrap();

    let seen: Vec<(&str, bool, &ParamType)> = parameters
        .iter()
        .map(|p: &ActionParameter| (p.name.as_str(), p.required, &p.param_type))
        .collect();
    assert_eq!(
        seen,
        vec![
            ("firstname", false, &ParamType::Text),
            ("lastname", false, &ParamType::Text),
            ("email", true, &ParamType::Text),
            ("phone", false, &ParamType::Text),
            ("company", false, &ParamType::Text),
            ("website", false, &ParamType::Text),
            ("jobtitle", false, &ParamType::Text),
            ("hubspot_owner_id", false, &ParamType::Text),
            ("associations", false, &ParamType::Json),
            ("additional_fields", false, &ParamType::Json),
        ]
    );
    let email = parameters.iter().find(|p| p.name == "email").unwrap();
    assert_eq!(email.label.as_deref(), Some("Enter Email"));

    let request = only_request(&emulator);
    assert_eq!(request.method, "GET");
    assert_eq!(
        request.path,
        "/api/v2/integration-schema/hubspot/actions/create_contact"
    );
    assert_api_key_headers(&request, &emulator, "ada@example.com");
}

#[tokio::test]
async fn mint_sends_the_key_alone_and_reuses_the_token_until_forced() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);

    let first = client.mint_session_token("ada@example.com").await.unwrap();
    let again = client.mint_session_token("ada@example.com").await.unwrap();
    let forced = client.mint_session_token_forced("ada@example.com").await.unwrap();

    assert_eq!(first.linked_account_id(), "ada@example.com");
    assert!(!first.expose_token().is_empty());
    assert_eq!(again.expose_token(), first.expose_token());
    assert_ne!(forced.expose_token(), first.expose_token());
    assert!(first.expose_refresh_token().is_some());
    // The emulator says 24 hours, as Refold does.
    let lifetime = first.expires_at().duration_since(first.issued_at()).unwrap();
    assert!(lifetime > std::time::Duration::from_secs(23 * 3600), "{lifetime:?}");
    assert!(!first.expires_within(std::time::Duration::from_secs(3600)));

    let requests = emulator.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_eq!(request.method, "POST");
        assert_eq!(request.path, "/api/v2/public/session-token");
        assert_eq!(request.header("x-api-key"), Some(emulator.api_key()));
        assert_eq!(
            request.header("linked_account_id"),
            None,
            "the account goes in the body"
        );
        assert_eq!(request.header("authorization"), None);
        assert_eq!(request.header("content-type"), Some("application/json"));
        assert_eq!(request.header("user-agent"), Some(USER_AGENT));
        assert_eq!(
            request.body_json().unwrap(),
            json!({ "linked_account_id": "ada@example.com" })
        );
    }
    assert_eq!(requests[0].query, None);
    assert_eq!(requests[1].query, None);
    assert_eq!(requests[2].query.as_deref(), Some("force_refresh=true"));
}

#[tokio::test]
async fn mint_works_for_an_org_client_without_a_linked_account() {
    let emulator = Emulator::start().await.unwrap();
    let org = refold::Client::builder()
        .api_key(emulator.api_key())
        .base_url(emulator.base_url())
        .build()
        .unwrap();
    let token = org.mint_session_token(emulator.linked_account_id()).await.unwrap();
    assert!(!token.expose_token().is_empty());

    // Acting for a customer needs one, and says so without sending anything.
    emulator.clear_requests();
    let error = org.list_actions("hubspot").await.unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    assert!(error.to_string().contains("linked account"), "{error}");
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn session_token_client_sends_bearer_only_and_acts_for_the_token_account() {
    let emulator = Emulator::start().await.unwrap();
    emulator.add_linked_account("grace@example.com");
    let token = client(&emulator).mint_session_token("grace@example.com").await.unwrap();
    let secret = token.expose_token().to_owned();
    emulator.clear_requests();

    let browser = token_client(&emulator, &secret);
    assert_eq!(browser.linked_account_id(), None);
    browser.list_actions("hubspot").await.unwrap();
    browser.action_parameters("hubspot", "get_contact").await.unwrap();
    browser
        .execute_raw("hubspot", "create_contact", &json!({ "email": "grace@example.com" }))
        .await
        .unwrap();

    let requests = emulator.requests();
    assert_eq!(requests.len(), 3);
    for request in &requests {
        assert_bearer_headers(request, &secret);
    }
    assert_eq!(requests[2].header("content-type"), Some("application/json"));
    let executions = emulator.executions();
    assert_eq!(executions.len(), 1);
    assert_eq!(executions[0].linked_account_id, "grace@example.com");
}

#[tokio::test]
async fn a_session_token_client_cannot_mint() {
    let emulator = Emulator::start().await.unwrap();
    let error = token_client(&emulator, "st_some_token")
        .mint_session_token("ada@example.com")
        .await
        .unwrap_err();
    assert!(matches!(error, Error::Config { .. }), "{error:?}");
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn revoke_sends_the_token_as_bearer_and_the_token_stops_working() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    let token = client.mint_session_token_forced("ada@example.com").await.unwrap();
    let secret = token.expose_token().to_owned();
    emulator.clear_requests();

    let outcome = client.revoke_session_token(&token).await.unwrap();
    assert!(outcome.success);
    assert_eq!(outcome.revoked_count, 1);

    let request = only_request(&emulator);
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/api/v2/public/session-token/revoke");
    assert_bearer_headers(&request, &secret);

    let error = token_client(&emulator, &secret)
        .list_actions("hubspot")
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(401));
}

#[tokio::test]
async fn linked_account_ids_with_email_characters_are_sent_verbatim() {
    let emulator = Emulator::start().await.unwrap();
    let id = "ops+eu.team@acme.example";
    let client = builder(&emulator).linked_account_id(id).build().unwrap();
    assert_eq!(client.linked_account_id(), Some(id));
    client.list_actions("hubspot").await.unwrap();
    assert_eq!(only_request(&emulator).header("linked_account_id"), Some(id));
}

#[tokio::test]
async fn for_linked_account_switches_the_header_and_isolates_data() {
    let emulator = Emulator::start().await.unwrap();
    let ada = client(&emulator);
    let grace = ada.for_linked_account("grace@example.com");
    assert_eq!(grace.linked_account_id(), Some("grace@example.com"));
    assert_eq!(ada.linked_account_id(), Some("ada@example.com"));
    assert_eq!(grace.base_url(), ada.base_url());

    grace
        .execute_raw("hubspot", "create_contact", &json!({ "email": "shared@example.com" }))
        .await
        .unwrap();
    let lookup = json!({ "email": "shared@example.com" });
    let from_grace = grace
        .execute_raw_idempotent("hubspot", "get_contact", &lookup)
        .await
        .unwrap();
    assert_eq!(from_grace.data["properties"]["email"], "shared@example.com");
    let from_ada = ada
        .execute_raw_idempotent("hubspot", "get_contact", &lookup)
        .await
        .unwrap_err();
    assert!(
        matches!(
            from_ada,
            Error::ActionFailed {
                http_status: Some(404),
                ..
            }
        ),
        "{from_ada:?}"
    );

    let accounts: Vec<_> = emulator
        .requests()
        .iter()
        .map(|r| r.header("linked_account_id").map(str::to_owned))
        .collect();
    assert_eq!(
        accounts,
        vec![
            Some("grace@example.com".to_owned()),
            Some("grace@example.com".to_owned()),
            Some("ada@example.com".to_owned()),
        ]
    );
}

#[tokio::test]
async fn a_unit_struct_action_sends_an_empty_object() {
    #[derive(Serialize)]
    struct Everything;
    impl Action for Everything {
        const SLUG: &'static str = "hubspot";
        const ACTION_ID: &'static str = "search_contacts";
        const IDEMPOTENT: bool = true;
        type Output = serde_json::Value;
    }
    let emulator = Emulator::start().await.unwrap();
    client(&emulator).execute(&Everything).await.unwrap();
    assert_eq!(only_request(&emulator).body_json().unwrap(), json!({}));
}

#[tokio::test]
async fn a_custom_user_agent_replaces_the_default() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder(&emulator).user_agent("acme-backend/2.1 (ops)").build().unwrap();
    client.list_actions("hubspot").await.unwrap();
    assert_eq!(
        only_request(&emulator).header("user-agent"),
        Some("acme-backend/2.1 (ops)")
    );
}
