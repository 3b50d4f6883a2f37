//! Read-only checks against the real Refold API.
//!
//! They are `#[ignore]`d, so `cargo test` lists them as ignored rather than passing them
//! unchecked; run them with credentials in `REFOLD_API_KEY` and `REFOLD_LINKED_ACCOUNT_ID` (and
//! `REFOLD_BASE_URL`, if you use another host than <https://app.refold.ai>). Without those
//! variables they fail, saying which are missing. They never write: only `list_actions` and
//! `action_parameters` are called.
//!
//! ```text
//! REFOLD_API_KEY=tk… REFOLD_LINKED_ACCOUNT_ID=you@example.com cargo test -p refold-sdk --test live -- --ignored --nocapture
//! ```

use refold::{Client, ErrorKind, ParamType};

/// A client from the environment; fails the test, naming the missing variables, when the live
/// variables are not set.
fn live_client() -> Client {
    let missing: Vec<&str> = [refold::env::API_KEY, refold::env::LINKED_ACCOUNT_ID]
        .into_iter()
        .filter(|name| !std::env::var(name).is_ok_and(|value| !value.is_empty()))
        .collect();
    assert!(
        missing.is_empty(),
        "set {} to run the live tests against the real Refold API",
        missing.join(" and ")
    );
    match Client::from_env() {
        Ok(client) => client,
        Err(error) => panic!("the REFOLD_* variables are set but do not configure a client: {error}"),
    }
}

#[tokio::test]
#[ignore = "needs the real Refold API: set REFOLD_API_KEY and REFOLD_LINKED_ACCOUNT_ID, then run with --ignored"]
async fn live_hubspot_lists_its_actions() {
    let client = live_client();
    let actions = match client.list_actions("hubspot").await {
        Ok(actions) => actions,
        Err(error) if error.status() == Some(404) => {
            eprintln!("skipping: HubSpot is not enabled for this org ({error})");
            return;
        }
        Err(error) => panic!("list_actions failed: {error}"),
    };
    assert!(!actions.is_empty(), "HubSpot lists no actions");
    assert!(
        actions.iter().all(|a| refold::is_valid_identifier(&a.action_id)),
        "{actions:#?}"
    );
    eprintln!("HubSpot has {} actions", actions.len());
}

#[tokio::test]
#[ignore = "needs the real Refold API: set REFOLD_API_KEY and REFOLD_LINKED_ACCOUNT_ID, then run with --ignored"]
async fn live_hubspot_create_contact_requires_an_email() {
    let client = live_client();
    let parameters = match client.action_parameters("hubspot", "create_contact").await {
        Ok(parameters) => parameters,
        Err(error) if error.status() == Some(404) => {
            eprintln!("skipping: HubSpot create_contact is not available to this org ({error})");
            return;
        }
        Err(error) => panic!("action_parameters failed: {error}"),
    };
    let email = parameters
        .iter()
        .find(|p| p.name == "email")
        .unwrap_or_else(|| panic!("no email parameter in {parameters:#?}"));
    assert!(email.required);
    assert_eq!(email.param_type, ParamType::Text);
}

#[tokio::test]
#[ignore = "needs the real Refold API: set REFOLD_API_KEY and REFOLD_LINKED_ACCOUNT_ID, then run with --ignored"]
async fn live_unknown_action_is_not_found() {
    let client = live_client();
    let error = client
        .action_parameters("hubspot", "refold_rs_no_such_action")
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold, "{error}");
    assert_eq!(error.status(), Some(404), "{error}");
    assert!(error.to_string().contains("check the slug and action id"), "{error}");
    assert!(!error.to_string().contains('\n'));
}
