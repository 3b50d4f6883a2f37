//! Every error path the spec lists, and tolerant decoding of the shapes Refold's documents
//! disagree on. The emulator plays Refold; a tiny local server plays the shapes it never sends.

use crate::support::{Canned, Stub, assert_error_is_clean, builder, client, fast_retries, only_request, token_client};
use refold::{Client, Error, ErrorKind, NodeStatus, ParamType, RetryClass};
use refold_emulator::{Emulator, Fault};
use serde_json::json;

/// The `ApiError` inside an `Error::Api`, or a failed test.
fn api(error: &Error) -> &refold::ApiError {
    match error {
        Error::Api(api) => api,
        other => panic!("expected Error::Api, got {other:?}"),
    }
}

/// Asserts the evidence every Refold error envelope from the emulator carries.
fn assert_refold_error(error: &Error, status: u16, kind: ErrorKind, code: &str, message_part: &str) {
    assert_eq!(error.kind(), kind, "{error:?}");
    assert_eq!(error.status(), Some(status));
    let api = api(error);
    assert_eq!(api.status(), status);
    assert_eq!(api.error_code(), Some(code));
    assert!(
        api.message().is_some_and(|m| m.contains(message_part)),
        "message {:?} lacks {message_part:?}",
        api.message()
    );
    assert_eq!(api.body_snippet(), None, "a readable envelope keeps no snippet");
    let request_id = error.request_id().expect("Refold's request id");
    assert!(!request_id.is_empty());
    let line = error.to_string();
    assert!(line.contains(&status.to_string()), "{line}");
    assert!(line.contains(message_part), "{line}");
    assert!(line.contains(request_id), "Display names the request id: {line}");
    assert_error_is_clean(error, &[]);
}

#[tokio::test]
async fn missing_required_email_is_a_validation_error_and_nothing_runs() {
    let emulator = Emulator::start().await.unwrap();
    let error = client(&emulator)
        .execute_raw("hubspot", "create_contact", &json!({ "firstname": "Ada" }))
        .await
        .unwrap_err();
    assert_refold_error(&error, 400, ErrorKind::Refold, "VALIDATION_ERROR", "email");
    assert_eq!(api(&error).error_type(), Some("BAD_REQUEST"));
    assert!(!error.is_retryable());
    assert!(!error.may_have_executed());
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);
    assert_eq!(emulator.requests().len(), 1, "a 400 is not retried");
}

#[tokio::test]
async fn a_wrong_api_key_is_an_auth_error() {
    let emulator = Emulator::start().await.unwrap();
    let client = builder(&emulator).api_key("tk_not_the_key").build().unwrap();
    let error = client.list_actions("hubspot").await.unwrap_err();
    assert_refold_error(&error, 401, ErrorKind::Refold, "SERVER_ERROR", "Invalid Credentials");
    assert_eq!(api(&error).error_type(), Some("UNAUTHORIZED"));
    assert!(!error.is_retryable());
    assert_eq!(emulator.requests().len(), 1, "a 401 is not retried");
    assert_error_is_clean(&error, &["tk_not_the_key"]);
}

#[tokio::test]
async fn an_unknown_session_token_is_an_auth_error() {
    let emulator = Emulator::start().await.unwrap();
    let error = token_client(&emulator, "st_forged_token_value")
        .list_actions("hubspot")
        .await
        .unwrap_err();
    assert_refold_error(&error, 401, ErrorKind::Refold, "SERVER_ERROR", "Invalid session token");
    assert_error_is_clean(&error, &["st_forged_token_value"]);
}

#[tokio::test]
async fn an_expired_session_token_is_an_auth_error() {
    let emulator = Emulator::start().await.unwrap();
    let token = client(&emulator)
        .mint_session_token(emulator.linked_account_id())
        .await
        .unwrap();
    let secret = token.expose_token().to_owned();
    let browser = token_client(&emulator, &secret);
    browser.list_actions("hubspot").await.unwrap();

    emulator.expire_session_tokens();
    let error = browser
        .execute_raw_idempotent("hubspot", "get_contact", &json!({ "email": "ada@example.com" }))
        .await
        .unwrap_err();
    assert_refold_error(&error, 401, ErrorKind::Refold, "SERVER_ERROR", "Invalid session token");
    assert!(!error.is_retryable());
    assert_error_is_clean(&error, &[&secret]);
}

#[tokio::test]
async fn an_unknown_slug_is_not_found() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    let listed = client.list_actions("no_such_app").await.unwrap_err();
    assert_refold_error(
        &listed,
        404,
        ErrorKind::Refold,
        "SERVER_ERROR",
        "Integration slug not found",
    );
    assert_eq!(api(&listed).error_type(), Some("NOT_FOUND"));
    let executed = client
        .execute_raw("no_such_app", "create_contact", &json!({}))
        .await
        .unwrap_err();
    assert_refold_error(
        &executed,
        404,
        ErrorKind::Refold,
        "SERVER_ERROR",
        "Integration slug not found",
    );
    assert!(!executed.may_have_executed());
}

#[tokio::test]
async fn an_unknown_action_is_not_found() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    let described = client.action_parameters("hubspot", "launch_rocket").await.unwrap_err();
    assert_refold_error(
        &described,
        404,
        ErrorKind::Refold,
        "SERVER_ERROR",
        "Action not found for the specified slug and action_id",
    );
    let executed = client
        .execute_raw("hubspot", "launch_rocket", &json!({}))
        .await
        .unwrap_err();
    assert_eq!(executed.kind(), ErrorKind::Refold);
    assert!(!executed.is_retryable());
    assert_eq!(emulator.requests().len(), 2, "404s are not retried");
}

#[tokio::test]
async fn minting_for_an_unknown_linked_account_is_not_retried_and_says_to_create_it() {
    let emulator = Emulator::start().await.unwrap();
    // Retries allowed: the mint is idempotent, yet this 500 must not be repeated.
    let client = client(&emulator);
    let error = client.mint_session_token("stranger@example.com").await.unwrap_err();
    assert_refold_error(&error, 500, ErrorKind::Refold, "SERVER_ERROR", "not found");
    // The session-token endpoint names the class `error_type`, not `http_error_type`.
    assert_eq!(api(&error).error_type(), Some("INTERNAL_SERVER_ERROR"));
    assert_eq!(
        error.retry_class(),
        RetryClass::Permanent,
        "not transient: retrying cannot help"
    );
    assert!(!error.is_retryable());
    assert!(!error.may_have_executed());
    assert_eq!(emulator.requests().len(), 1, "the refused mint was not retried");
    let line = error.to_string();
    assert!(line.contains("create it or link"), "{line}");
    assert!(!line.contains("retry later"), "{line}");
}

#[tokio::test]
async fn a_proxy_500_page_from_the_mint_is_still_an_unknown_outcome() {
    let stub = Stub::start(Canned::html(500, "<html>Internal Server Error</html>")).await;
    let error = stub.client().mint_session_token("ada@example.com").await.unwrap_err();
    assert_eq!(error.retry_class(), RetryClass::OutcomeUnknown, "{error}");
    assert!(error.to_string().contains("retry later"), "{error}");
}

#[tokio::test]
async fn an_html_502_keeps_status_content_type_and_at_most_512_bytes() {
    let emulator = Emulator::start().await.unwrap();
    let page = format!(
        "<html><head><title>502 Bad Gateway</title></head><body>{}</body></html>",
        "nginx upstream failure ".repeat(100)
    );
    assert!(page.len() > 2000);
    emulator.inject(Fault::html(502, page.clone()));
    let error = client(&emulator)
        .execute_raw("hubspot", "create_contact", &json!({ "email": "ada@example.com" }))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Refold);
    assert_eq!(error.status(), Some(502));
    let api = api(&error);
    assert_eq!(api.content_type(), Some("text/html; charset=utf-8"));
    assert_eq!(api.error_code(), None);
    assert_eq!(api.message(), None);
    let snippet = api.body_snippet().expect("an unreadable body keeps its first bytes");
    assert!(snippet.len() <= 512, "{} bytes kept", snippet.len());
    assert_eq!(snippet, &page[..512]);
    assert!(error.request_id().is_some(), "the x-request-id header is kept");
    assert!(error.may_have_executed(), "a 5xx on a write may have run");
    assert!(!error.is_retryable(), "a write is not repeated after a 5xx");
    assert_eq!(emulator.requests().len(), 1);

    let line = error.to_string();
    assert!(
        line.contains("502") && line.contains("text/html") && line.contains("502 Bad Gateway"),
        "{line}"
    );
    assert!(line.len() < 512, "Display stays short: {line}");
    assert_error_is_clean(&error, &[]);
}

#[tokio::test]
async fn truncated_json_in_a_200_is_a_decode_error_that_keeps_the_body() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject(Fault::TruncatedJson);
    let error = client(&emulator)
        .execute_raw("hubspot", "create_contact", &json!({ "email": "ada@example.com" }))
        .await
        .unwrap_err();

    assert_eq!(error.kind(), ErrorKind::Refold);
    assert_eq!(error.status(), None, "Refold sent no error status");
    assert!(error.request_id().is_some());
    let Error::Decode(decode) = &error else {
        panic!("{error:?}")
    };
    assert_eq!(decode.status(), 200);
    assert_eq!(
        decode.path(),
        None,
        "the body is not JSON: no value inside it is to blame"
    );
    assert_eq!(decode.content_type(), Some("application/json; charset=utf-8"));
    assert!(
        decode.body_snippet().starts_with(r#"{"data":{"id":"1001""#),
        "{}",
        decode.body_snippet()
    );
    assert!(decode.body_snippet().len() <= 512);
    assert!(error.may_have_executed(), "a 2xx means the action ran");
    assert!(
        std::error::Error::source(&error).is_some(),
        "the serde error is the source"
    );
    let line = error.to_string();
    assert!(line.contains("200") && line.contains("decode"), "{line}");
    assert!(
        !line.contains("output type"),
        "Refold's reply is at fault, not the type: {line}"
    );
    assert_error_is_clean(&error, &[]);
}

#[tokio::test]
async fn an_empty_504_keeps_status_and_an_empty_snippet() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject(Fault::empty(504));
    let error = client(&emulator)
        .execute_raw("hubspot", "create_contact", &json!({ "email": "ada@example.com" }))
        .await
        .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert_eq!(error.status(), Some(504));
    assert_eq!(api(&error).body_snippet(), Some(""));
    assert_eq!(api(&error).message(), None);
    let line = error.to_string();
    assert!(line.contains("504") && line.contains("empty body"), "{line}");
    assert_error_is_clean(&error, &[]);
}

#[tokio::test]
async fn a_duplicate_email_is_action_failed_with_409_and_the_apps_data() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    let params = json!({ "email": "ada@example.com" });
    client.execute_raw("hubspot", "create_contact", &params).await.unwrap();
    let error = client
        .execute_raw("hubspot", "create_contact", &params)
        .await
        .unwrap_err();

    let Error::ActionFailed {
        node_status,
        http_status,
        data,
        request_id,
        ..
    } = &error
    else {
        panic!("expected ActionFailed, got {error:?}")
    };
    assert_eq!(*node_status, NodeStatus::Failed);
    assert_eq!(*http_status, Some(409));
    assert_eq!(data["category"], "CONFLICT");
    assert!(data["message"].as_str().unwrap().contains("already exists"));
    assert!(request_id.is_some());
    assert_eq!(error.kind(), ErrorKind::App);
    assert_eq!(error.status(), None, "Refold itself answered 200, not an error status");
    assert_eq!(error.app_status(), Some(409));
    assert!(error.is_conflict());
    assert!(!error.is_not_found());
    assert!(!error.is_retryable());
    assert!(!error.may_have_executed(), "the app refused the write");
    let line = error.to_string();
    assert!(line.contains("409") && line.contains("Failed"), "{line}");
    assert_error_is_clean(&error, &[]);
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 2);
}

#[tokio::test]
async fn getting_a_missing_contact_is_action_failed_with_404() {
    let emulator = Emulator::start().await.unwrap();
    let error = client(&emulator)
        .execute_raw_idempotent("hubspot", "get_contact", &json!({ "email": "nobody@example.com" }))
        .await
        .unwrap_err();
    let Error::ActionFailed { http_status, data, .. } = &error else {
        panic!("expected ActionFailed, got {error:?}")
    };
    assert_eq!(*http_status, Some(404));
    assert_eq!(data["category"], "OBJECT_NOT_FOUND");
    assert_eq!(error.kind(), ErrorKind::App);
    assert_eq!(emulator.requests().len(), 1, "ActionFailed is never retried");
}

#[tokio::test]
async fn the_apps_404_is_not_found_and_refolds_own_404_is_not() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    let missing = client
        .execute_raw_idempotent("hubspot", "get_contact", &json!({ "email": "nobody@example.com" }))
        .await
        .unwrap_err();
    assert_eq!(missing.app_status(), Some(404));
    assert!(missing.is_not_found());
    assert!(!missing.is_conflict());
    assert_eq!(missing.status(), None);

    let unknown_action = client
        .execute_raw_idempotent("hubspot", "get_contactt", &json!({ "email": "nobody@example.com" }))
        .await
        .unwrap_err();
    assert_eq!(unknown_action.status(), Some(404));
    assert_eq!(unknown_action.app_status(), None);
    assert!(
        !unknown_action.is_not_found(),
        "a typo in the action id is not a missing record"
    );
}

/// The pattern `Error::is_conflict`'s rustdoc shows, against the emulator.
async fn create_or_fetch(client: &Client, email: &str) -> Result<serde_json::Value, Error> {
    let params = json!({ "email": email });
    match client.execute_raw("hubspot", "create_contact", &params).await {
        Ok(created) => Ok(created.data),
        Err(err) if err.is_conflict() => {
            let existing = client.execute_raw_idempotent("hubspot", "get_contact", &params).await?;
            Ok(existing.data)
        }
        Err(err) => Err(err),
    }
}

#[tokio::test]
async fn create_or_fetch_on_conflict_returns_the_same_record_twice() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    let created = create_or_fetch(&client, "ada@example.com").await.unwrap();
    let fetched = create_or_fetch(&client, "ada@example.com").await.unwrap();
    assert_eq!(created["id"], fetched["id"], "{created} vs {fetched}");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 2);
    assert_eq!(emulator.executed_count("hubspot", "get_contact"), 1);
}

#[tokio::test]
async fn a_404_for_an_unknown_action_says_to_check_the_slug_and_id() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    for error in [
        client
            .execute_raw("hubspot", "launch_rocket", &json!({}))
            .await
            .unwrap_err(),
        client.list_actions("no_such_app").await.unwrap_err(),
    ] {
        let line = error.to_string();
        assert!(line.contains("check the slug and action id"), "{line}");
        assert!(!line.contains("base URL"), "{line}");
    }
}

#[tokio::test]
async fn a_404_for_a_route_refold_does_not_have_says_to_check_the_base_url() {
    let emulator = Emulator::start().await.unwrap();
    // A base URL with a path prefix the server does not serve.
    let client = builder(&emulator)
        .base_url(format!("{}/backend", emulator.base_url()))
        .build()
        .unwrap();
    let error = client.list_actions("hubspot").await.unwrap_err();
    assert_eq!(error.status(), Some(404));
    let line = error.to_string();
    assert!(line.contains("check the base URL"), "{line}");
    assert!(!line.contains("slug"), "{line}");

    // A proxy's or web server's own 404 page, not Refold's envelope.
    let page = "<html><body>Cannot POST /api/v2/integration-schema/hubspot/actions/x/execute</body></html>";
    let stub = Stub::start(Canned::html(404, page)).await;
    let error = stub.client().execute_raw("hubspot", "x", &json!({})).await.unwrap_err();
    assert!(error.to_string().contains("check the base URL"), "{error}");
}

/// REFOLD_API.md: Refold sends `SERVER_ERROR` as the `error_code` of its 401 and 404 replies.
/// Both readings of the contract are checked on the same replies: the emulator's bytes, and
/// what the SDK makes of them.
#[tokio::test]
async fn emulator_and_sdk_agree_that_401_and_404_carry_server_error() {
    let emulator = Emulator::start().await.unwrap();
    let http = refold::reqwest::Client::new();
    let base = emulator.base_url();
    let cases = [
        (
            http.get(format!("{base}/api/v2/integration-schema/hubspot/actions"))
                .header("x-api-key", "tk_wrong_key")
                .header("linked_account_id", emulator.linked_account_id()),
            401,
            "UNAUTHORIZED",
        ),
        (
            http.get(format!(
                "{base}/api/v2/integration-schema/hubspot/actions/launch_rocket"
            ))
            .header("x-api-key", emulator.api_key())
            .header("linked_account_id", emulator.linked_account_id()),
            404,
            "NOT_FOUND",
        ),
    ];
    for (request, status, error_type) in cases {
        let reply = request.send().await.unwrap();
        assert_eq!(reply.status().as_u16(), status);
        let body: serde_json::Value = serde_json::from_slice(&reply.bytes().await.unwrap()).unwrap();
        assert_eq!(body["error_code"], "SERVER_ERROR", "the emulator's {status}: {body}");
        assert_eq!(body["http_error_type"], error_type, "{body}");
    }

    let wrong_key = builder(&emulator).api_key("tk_wrong_key").build().unwrap();
    let sdk_401 = wrong_key.list_actions("hubspot").await.unwrap_err();
    let sdk_404 = client(&emulator)
        .action_parameters("hubspot", "launch_rocket")
        .await
        .unwrap_err();
    for (error, status, error_type) in [(sdk_401, 401, "UNAUTHORIZED"), (sdk_404, 404, "NOT_FOUND")] {
        let api = api(&error);
        assert_eq!(api.status(), status);
        assert_eq!(
            api.error_code(),
            Some("SERVER_ERROR"),
            "the SDK's reading of the {status}"
        );
        assert_eq!(api.error_type(), Some(error_type));
    }
}

// ---- tolerant decoding, against replies the emulator never sends ----

#[tokio::test]
async fn list_actions_accepts_a_wrapped_array_and_missing_fields() {
    let stub = Stub::start(Canned::json(
        200,
        r#"{"actions":[{"name":"Create Contact","action_id":"create_contact","description":"Creates","tag":"Contacts"},
                       {"action_id":"ping"}]}"#,
    ))
    .await;
    let actions = stub.client().list_actions("hubspot").await.unwrap();
    assert_eq!(actions.len(), 2);
    assert_eq!(actions[0].action_id, "create_contact");
    assert_eq!(actions[0].tag.as_deref(), Some("Contacts"));
    assert_eq!(actions[1].action_id, "ping");
    assert_eq!(actions[1].name, "");
    assert_eq!(actions[1].tag, None);
    assert_eq!(stub.requests()[0].target, "/api/v2/integration-schema/hubspot/actions");
}

#[tokio::test]
async fn list_actions_accepts_a_bare_array() {
    let stub = Stub::start(Canned::json(
        200,
        r#"[{"name":"Get","action_id":"get_contact","description":"Reads"}]"#,
    ))
    .await;
    let actions = stub.client().list_actions("hubspot").await.unwrap();
    assert_eq!(actions.len(), 1);
    assert_eq!(actions[0].description, "Reads");
    assert_eq!(actions[0].tag, None);
}

#[tokio::test]
async fn action_parameters_accepts_a_wrapped_array_and_keeps_unknown_types() {
    let stub = Stub::start(Canned::json(
        200,
        r#"{"parameters":[{"name":"email","label":"Enter Email","required":true,"type":"text"},
                          {"name":"due","type":"date"},
                          {"name":"count","type":"number","required":false},
                          {"name":"flag","type":"boolean"},
                          {"name":"bare"}]}"#,
    ))
    .await;
    let params = stub.client().action_parameters("hubspot", "create_task").await.unwrap();
    assert_eq!(params.len(), 5);
    assert!(params[0].required);
    assert_eq!(params[1].param_type, ParamType::Other("date".into()));
    assert_eq!(params[1].param_type.as_str(), "date");
    assert_eq!(params[1].label, None);
    assert!(!params[1].required, "a missing `required` means optional");
    assert_eq!(params[2].param_type, ParamType::Number);
    assert_eq!(params[3].param_type, ParamType::Boolean);
    assert_eq!(params[4].param_type, ParamType::Text, "a missing type reads as text");
}

#[tokio::test]
async fn action_parameters_accepts_a_bare_array() {
    let stub = Stub::start(Canned::json(
        200,
        r#"[{"name":"associations","label":"Enter Associations","required":false,"type":"json"}]"#,
    ))
    .await;
    let params = stub
        .client()
        .action_parameters("hubspot", "create_contact")
        .await
        .unwrap();
    assert_eq!(params.len(), 1);
    assert_eq!(params[0].param_type, ParamType::Json);
}

#[tokio::test]
async fn an_execute_reply_without_http_status_still_succeeds() {
    let stub = Stub::start(
        Canned::json(200, r#"{"data":{"id":"7"},"node_status":"Success"}"#).header("x-request-id", "req-42"),
    )
    .await;
    let reply = stub
        .client()
        .execute_raw("hubspot", "create_contact", &json!({ "email": "ada@example.com" }))
        .await
        .unwrap();
    assert_eq!(reply.data["id"], "7");
    assert_eq!(reply.http_status, None);
    assert_eq!(reply.request_id.as_deref(), Some("req-42"));
}

#[tokio::test]
async fn an_unknown_node_status_is_kept_verbatim_in_action_failed() {
    let stub = Stub::start(Canned::json(
        200,
        r#"{"data":{"reason":"queued"},"node_status":"Paused","http_status":202}"#,
    ))
    .await;
    let error = stub
        .client()
        .execute_raw("hubspot", "create_contact", &json!({ "email": "ada@example.com" }))
        .await
        .unwrap_err();
    let Error::ActionFailed {
        node_status,
        http_status,
        data,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*node_status, NodeStatus::Other("Paused".into()));
    assert_eq!(node_status.as_str(), "Paused");
    assert_eq!(*http_status, Some(202));
    assert_eq!(data["reason"], "queued");
    assert!(error.to_string().contains("Paused"));
}

#[tokio::test]
async fn an_errored_node_status_with_no_data_is_action_failed() {
    let stub = Stub::start(Canned::json(200, r#"{"node_status":"Errored"}"#)).await;
    let error = stub
        .client()
        .execute_raw("hubspot", "create_contact", &json!({}))
        .await
        .unwrap_err();
    let Error::ActionFailed {
        node_status,
        http_status,
        data,
        ..
    } = &error
    else {
        panic!("{error:?}")
    };
    assert_eq!(*node_status, NodeStatus::Errored);
    assert_eq!(*http_status, None);
    assert_eq!(*data, serde_json::Value::Null);
    assert!(error.may_have_executed(), "an unknown app status may hide a write");
}

#[tokio::test]
async fn an_error_field_used_as_a_code_fills_error_code() {
    let stub = Stub::start(Canned::json(
        400,
        r#"{"error":"VALIDATION_ERROR","message":"Required parameter 'email' is missing"}"#,
    ))
    .await;
    let error = stub.client().list_actions("hubspot").await.unwrap_err();
    let api = api(&error);
    assert_eq!(api.error_code(), Some("VALIDATION_ERROR"));
    assert_eq!(api.message(), Some("Required parameter 'email' is missing"));
    assert_eq!(api.error_type(), None);
    assert_eq!(api.request_id(), None, "no request id anywhere");
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert!(!error.to_string().contains("request id"));
}

#[tokio::test]
async fn an_error_field_used_as_a_sentence_fills_message_and_error_type_is_read() {
    let stub = Stub::start(
        Canned::json(401, r#"{"error_type":"UNAUTHORIZED","error":"Invalid session token"}"#)
            .header("x-request-id", "hdr-7"),
    )
    .await;
    let error = stub.client().list_actions("hubspot").await.unwrap_err();
    let api = api(&error);
    assert_eq!(api.message(), Some("Invalid session token"));
    assert_eq!(api.error_code(), None);
    assert_eq!(api.error_type(), Some("UNAUTHORIZED"));
    assert_eq!(
        error.request_id(),
        Some("hdr-7"),
        "taken from the header when the body has none"
    );
    assert_eq!(error.kind(), ErrorKind::Refold);
}

#[tokio::test]
async fn an_error_field_beside_error_code_and_message_is_ignored_gracefully() {
    let stub = Stub::start(Canned::json(
        404,
        r#"{"status_code":404,"http_error_type":"NOT_FOUND","error_code":"SERVER_ERROR",
            "error":"Not Found","message":"Integration slug not found","request_id":"body-id"}"#,
    ))
    .await;
    let error = stub.client().list_actions("hubspot").await.unwrap_err();
    let api = api(&error);
    assert_eq!(api.error_code(), Some("SERVER_ERROR"));
    assert_eq!(api.error_type(), Some("NOT_FOUND"));
    assert_eq!(api.message(), Some("Integration slug not found"));
    assert_eq!(error.request_id(), Some("body-id"));
}

#[tokio::test]
async fn an_error_envelope_with_no_fields_keeps_the_status() {
    let stub = Stub::start(Canned::json(500, "{}")).await;
    let error = stub
        .client()
        .execute_raw("hubspot", "create_contact", &json!({}))
        .await
        .unwrap_err();
    let api = api(&error);
    assert_eq!(api.status(), 500);
    assert_eq!((api.error_code(), api.error_type(), api.message()), (None, None, None));
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert!(error.to_string().contains("500"));
    assert_error_is_clean(&error, &[]);
}

#[tokio::test]
async fn a_json_error_body_that_is_not_an_object_keeps_a_snippet() {
    let stub = Stub::start(Canned::json(503, r#"["overloaded"]"#)).await;
    let error = stub.client().list_actions("hubspot").await.unwrap_err();
    assert_eq!(api(&error).body_snippet(), Some(r#"["overloaded"]"#));
    assert_eq!(error.kind(), ErrorKind::Refold);
}

#[tokio::test]
async fn a_plain_text_403_rate_limit_is_throttling_not_auth() {
    let stub = Stub::start(Canned {
        status: 403,
        headers: vec![("content-type".into(), "text/plain".into())],
        body: b"Rate Limit Hit".to_vec(),
    })
    .await;
    let error = stub.client().list_actions("hubspot").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert!(api(&error).is_rate_limited());
    assert!(error.is_retryable());
}

#[tokio::test]
async fn a_403_that_is_not_a_rate_limit_is_auth() {
    let stub = Stub::start(Canned::json(
        403,
        r#"{"error_code":"FORBIDDEN","message":"This app is not enabled for the linked account"}"#,
    ))
    .await;
    let error = stub.client().list_actions("hubspot").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert!(!error.is_retryable());
}

#[tokio::test]
async fn a_mint_reply_with_only_a_token_lasts_24_hours() {
    let stub = Stub::start(Canned::json(200, r#"{"token":"st_stub_token"}"#)).await;
    let token = stub.client().mint_session_token("ada@example.com").await.unwrap();
    assert_eq!(token.expose_token(), "st_stub_token");
    assert!(token.expose_refresh_token().is_none());
    let lifetime = token.expires_at().duration_since(token.issued_at()).unwrap();
    assert_eq!(lifetime, std::time::Duration::from_secs(24 * 3600));
    assert!(!format!("{token:?}").contains("st_stub_token"));
}

#[tokio::test]
async fn a_mint_reply_with_expires_in_sets_the_expiry() {
    let stub = Stub::start(Canned::json(
        200,
        r#"{"token":"st_x","refresh_token":"rt_x","expires_in":60,"refresh_expires_in":600}"#,
    ))
    .await;
    let token = stub.client().mint_session_token("ada@example.com").await.unwrap();
    let lifetime = token.expires_at().duration_since(token.issued_at()).unwrap();
    assert_eq!(lifetime, std::time::Duration::from_secs(60));
    assert!(token.expires_within(std::time::Duration::from_secs(61)));
    assert_eq!(token.expose_refresh_token().unwrap(), "rt_x");
}

#[tokio::test]
async fn a_mint_reply_without_a_token_is_a_decode_error() {
    let stub = Stub::start(Canned::json(200, r#"{"ok":true}"#)).await;
    let error = stub.client().mint_session_token("ada@example.com").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Refold);
    assert!(
        matches!(&error, Error::Decode(decode) if decode.status() == 200),
        "{error:?}"
    );
    assert_eq!(error.status(), None);
}

#[tokio::test]
async fn a_revoke_reply_with_missing_fields_decodes_with_defaults() {
    let stub = Stub::start(Canned::json(200, r#"{"success":true}"#)).await;
    let client = stub.client();
    let token = client.mint_session_token("ada@example.com").await;
    // The stub answers the mint too: `{"success":true}` has no token.
    assert!(token.is_err());

    let minting = Stub::start(Canned::json(200, r#"{"token":"st_abc"}"#)).await;
    let token = minting.client().mint_session_token("ada@example.com").await.unwrap();
    let outcome = client.revoke_session_token(&token).await.unwrap();
    assert!(outcome.success);
    assert_eq!(outcome.revoked_count, 0);
    let revoke = stub.requests().pop().unwrap();
    assert_eq!(revoke.target, "/api/v2/public/session-token/revoke");
    assert_eq!(revoke.header("authorization"), Some("Bearer st_abc"));
    assert_eq!(revoke.header("x-api-key"), None);
}

#[tokio::test]
async fn a_data_field_that_does_not_fit_the_output_type_is_a_decode_error() {
    #[derive(serde::Serialize)]
    struct GetCount;
    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Count {
        total: u64,
    }
    impl refold::Action for GetCount {
        const SLUG: &'static str = "hubspot";
        const ACTION_ID: &'static str = "count";
        type Output = Count;
    }
    let stub = Stub::start(Canned::json(
        200,
        r#"{"data":{"total":"many"},"node_status":"Success","http_status":200}"#,
    ))
    .await;
    let error = stub.client().execute(&GetCount).await.unwrap_err();
    // The output type is what is wrong, not Refold's reply.
    assert_eq!(error.kind(), ErrorKind::Output);
    let Error::Decode(decode) = &error else { panic!() };
    assert!(decode.body_snippet().contains("many"));
    assert_eq!(decode.path(), Some("data.total"));
}

#[tokio::test]
async fn an_error_reply_names_what_to_do_in_one_line() {
    let emulator = Emulator::start().await.unwrap();
    let client: Client = builder(&emulator).retry_policy(fast_retries()).build().unwrap();
    let error = client.action_parameters("hubspot", "nope").await.unwrap_err();
    let line = error.to_string();
    assert!(line.contains("list_actions"), "a 404 points at list_actions: {line}");
    assert_eq!(only_request(&emulator).method, "GET");
}

#[tokio::test]
async fn an_error_message_with_line_breaks_still_displays_as_one_line() {
    let stub = Stub::start(Canned::json(
        400,
        r#"{"error_code":"VALIDATION_ERROR","message":"Required parameter 'email' is missing\r\nSee the docs","request_id":"r-1\nforged"}"#,
    ))
    .await;
    let error = stub.client().list_actions("hubspot").await.unwrap_err();
    // The fields keep what Refold said; only the one-line rendering is cleaned.
    assert!(api(&error).message().unwrap().contains('\n'));
    assert_error_is_clean(&error, &[]);
    let line = error.to_string();
    assert!(line.contains("email") && line.contains("See the docs"), "{line}");
}
