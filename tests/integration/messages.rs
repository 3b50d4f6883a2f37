//! What the library's errors say, in the words of the one reading them: the app's reply without
//! matching on a variant, the field of the output type that did not fit, where a redirect
//! pointed, and no advice that contradicts `is_retryable()` or a one-line `Display`. The cases
//! come from a trial of the SDK as a new user.

use refold::{Action, Error, ErrorKind};
use refold_emulator::{Emulator, Fault};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::support::{Canned, CreateContact, Stub, client};

#[tokio::test]
async fn app_data_is_the_apps_reply_of_a_failed_action() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    let ada = CreateContact::new("ada@example.com");
    client.execute(&ada).await.unwrap();
    let duplicate = client.execute(&ada).await.unwrap_err();

    let data = duplicate.app_data().expect("the app's reply to the failed action");
    assert_eq!(data["category"], "CONFLICT");
    let Error::ActionFailed { data: matched, .. } = &duplicate else {
        panic!("expected ActionFailed, got {duplicate:?}")
    };
    assert_eq!(data, matched);

    let refused = client
        .execute_raw("hubspot", "create_contact", &json!({ "firstname": "Ada" }))
        .await
        .unwrap_err();
    assert_eq!(refused.app_data(), None, "Refold refused it; no app answered");
}

/// The output type of [`GetContactAsNumber`]: HubSpot's email is a string, not a number.
#[derive(Debug, Deserialize)]
struct ContactWithNumericEmail {
    #[allow(dead_code)]
    properties: NumericEmail,
}

#[derive(Debug, Deserialize)]
struct NumericEmail {
    #[allow(dead_code)]
    email: u64,
}

#[derive(Serialize)]
struct GetContactAsNumber {
    email: String,
}

impl Action for GetContactAsNumber {
    const SLUG: &'static str = "hubspot";
    const ACTION_ID: &'static str = "get_contact";
    const IDEMPOTENT: bool = true;
    type Output = ContactWithNumericEmail;
}

#[tokio::test]
async fn a_reply_that_does_not_fit_the_output_type_names_the_field_and_the_type() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    client.execute(&CreateContact::new("ada@example.com")).await.unwrap();

    let error = client
        .execute(&GetContactAsNumber {
            email: "ada@example.com".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Output, "{error:?}");
    let Error::Decode(decode) = &error else {
        panic!("expected Decode, got {error:?}")
    };
    assert_eq!(decode.path(), Some("data.properties.email"));
    let line = error.to_string();
    assert!(line.contains("`data.properties.email`"), "{line}");
    assert!(line.contains("ContactWithNumericEmail"), "{line}");
    let reason = std::error::Error::source(&error).expect("the JSON error is the source");
    assert!(reason.to_string().contains("expected u64"), "{reason}");
    assert!(error.may_have_executed(), "the action ran");
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_503_on_a_write_says_the_outcome_is_unknown_not_retry_later() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject_for("/execute", Fault::refold_error(503));
    let error = client(&emulator)
        .execute(&CreateContact::new("ada@example.com"))
        .await
        .unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(!error.is_retryable());
    assert!(error.may_have_executed());
    let line = error.to_string();
    assert!(line.contains("may have run"), "{line}");
    assert!(!line.contains("retry later"), "{line}");
}

#[tokio::test]
async fn a_503_on_a_read_still_says_to_retry_later() {
    let emulator = Emulator::start().await.unwrap();
    for _ in 0..3 {
        emulator.inject_for("/actions", Fault::refold_error(503));
    }
    let error = client(&emulator).list_actions("hubspot").await.unwrap_err();
    assert_eq!(error.status(), Some(503));
    assert!(error.is_retryable());
    assert!(error.to_string().contains("retry later"), "{error}");
}

#[tokio::test]
async fn a_400_says_what_to_fix_without_pointing_above_its_one_line() {
    let emulator = Emulator::start().await.unwrap();
    let error = client(&emulator)
        .execute_raw("hubspot", "create_contact", &json!({ "firstname": "Ada" }))
        .await
        .unwrap_err();
    let line = error.to_string();
    assert_eq!(error.status(), Some(400));
    assert!(!line.contains('\n'), "{line}");
    assert!(!line.contains("above"), "{line}");
    assert!(line.contains("email"), "the message names the parameter: {line}");
}

#[tokio::test]
async fn a_redirect_names_where_it_pointed() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject(Fault::Redirect {
        status: 307,
        location: "http://127.0.0.1:9/elsewhere".into(),
    });
    let error = client(&emulator).list_actions("hubspot").await.unwrap_err();
    assert!(matches!(error, Error::Redirect { status: 307, .. }), "{error:?}");
    let line = error.to_string();
    assert!(line.contains("redirecting to http://127.0.0.1:9/elsewhere;"), "{line}");
    assert!(!line.contains("Some("), "{line}");
}

#[tokio::test]
async fn a_redirect_without_a_location_says_so() {
    let stub = Stub::start(Canned {
        status: 302,
        headers: Vec::new(),
        body: Vec::new(),
    })
    .await;
    let error = stub.client().list_actions("hubspot").await.unwrap_err();
    assert!(matches!(error, Error::Redirect { status: 302, .. }), "{error:?}");
    let line = error.to_string();
    assert!(line.contains("302 without a Location header"), "{line}");
    assert!(!line.contains("None"), "{line}");
}
