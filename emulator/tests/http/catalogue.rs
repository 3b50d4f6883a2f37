//! The catalogue endpoints, validation and the error envelope.

use reqwest::Method;
use serde_json::json;

use crate::{Harness, send};

#[tokio::test]
async fn list_actions_is_a_bare_array_of_name_id_description_tag() {
    let h = Harness::new().await;
    for slug in ["hubspot", "salesforce"] {
        let reply = send(h.keyed(Method::GET, &format!("/api/v2/integration-schema/{slug}/actions"))).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("content-type"), Some("application/json; charset=utf-8"));
        assert!(reply.header("x-request-id").is_some());
        let list = reply.json();
        let list = list.as_array().unwrap();
        assert!(list.len() >= 6);
        for item in list {
            let mut keys: Vec<_> = item.as_object().unwrap().keys().map(String::as_str).collect();
            keys.sort_unstable();
            assert_eq!(keys, ["action_id", "description", "name", "tag"]);
        }
    }
    let list = send(h.keyed(Method::GET, "/api/v2/integration-schema/hubspot/actions"))
        .await
        .json();
    let ids: Vec<_> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["action_id"].as_str().unwrap())
        .collect();
    for id in [
        "create_contact",
        "get_contact",
        "get_contact_by_id",
        "update_contact",
        "delete_contact",
        "search_contacts",
        "create_company",
        "create_deal",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
}

#[tokio::test]
async fn action_parameters_are_a_bare_array_matching_the_documented_schema() {
    let h = Harness::new().await;
    let reply = send(h.keyed(Method::GET, "/api/v2/integration-schema/hubspot/actions/create_contact")).await;
    assert_eq!(reply.status, 200);
    let params = reply.json();
    let params = params.as_array().unwrap();
    assert_eq!(
        params[2],
        json!({ "name": "email", "label": "Enter Email", "required": true, "type": "text" })
    );
    let typed: Vec<_> = params
        .iter()
        .map(|p| {
            (
                p["name"].as_str().unwrap(),
                p["type"].as_str().unwrap(),
                p["required"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        typed,
        [
            ("firstname", "text", false),
            ("lastname", "text", false),
            ("email", "text", true),
            ("phone", "text", false),
            ("company", "text", false),
            ("website", "text", false),
            ("jobtitle", "text", false),
            ("hubspot_owner_id", "text", false),
            ("associations", "json", false),
            ("additional_fields", "json", false),
        ]
    );
    let lead = send(h.keyed(Method::GET, "/api/v2/integration-schema/salesforce/actions/create_lead"))
        .await
        .json();
    let required: Vec<_> = lead
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["required"] == true)
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(required, ["LastName", "Company"]);
}

#[tokio::test]
async fn unknown_slug_action_and_route_are_404_envelopes() {
    let h = Harness::new().await;
    let reply = h.execute("nosuchapp", "create_contact", json!({})).await;
    let body = reply.assert_error(404, "SERVER_ERROR", "Integration slug not found");
    assert_eq!(body["http_error_type"], "NOT_FOUND");
    send(h.keyed(Method::GET, "/api/v2/integration-schema/nosuchapp/actions"))
        .await
        .assert_error(404, "SERVER_ERROR", "Integration slug not found");

    h.execute("hubspot", "launch_rocket", json!({})).await.assert_error(
        404,
        "SERVER_ERROR",
        "Action not found for the specified slug and action_id",
    );
    send(h.keyed(Method::GET, "/api/v2/integration-schema/hubspot/actions/launch_rocket"))
        .await
        .assert_error(
            404,
            "SERVER_ERROR",
            "Action not found for the specified slug and action_id",
        );

    send(h.keyed(Method::GET, "/api/v3/nothing"))
        .await
        .assert_error(404, "SERVER_ERROR", "/api/v3/nothing");
    send(h.keyed(Method::DELETE, "/api/v2/public/session-token"))
        .await
        .assert_error(405, "SERVER_ERROR", "DELETE");
    assert_eq!(h.emulator.executed_count("hubspot", "launch_rocket"), 0);
}

#[tokio::test]
async fn missing_required_parameter_is_a_400_naming_it() {
    let h = Harness::new().await;
    let reply = h
        .execute("hubspot", "create_contact", json!({ "firstname": "Ada" }))
        .await;
    let body = reply.assert_error(400, "VALIDATION_ERROR", "Required parameter 'email' is missing");
    assert_eq!(body["http_error_type"], "BAD_REQUEST");
    h.execute("salesforce", "create_lead", json!({ "LastName": "Lovelace" }))
        .await
        .assert_error(400, "VALIDATION_ERROR", "'Company'");
    h.execute("hubspot", "create_contact", json!({ "email": null }))
        .await
        .assert_error(400, "VALIDATION_ERROR", "'email'");
    assert!(h.emulator.executions().is_empty());
}

#[tokio::test]
async fn wrong_json_types_are_400_and_numeric_strings_pass_for_numbers() {
    let h = Harness::new().await;
    h.execute("hubspot", "create_contact", json!({ "email": 42 }))
        .await
        .assert_error(400, "VALIDATION_ERROR", "Parameter 'email' must be a string");
    h.execute("hubspot", "search_contacts", json!({ "limit": "many" }))
        .await
        .assert_error(400, "VALIDATION_ERROR", "Parameter 'limit' must be a number");
    let ok = h
        .execute(
            "hubspot",
            "search_contacts",
            json!({ "limit": "5", "unknown_extra": [1, 2] }),
        )
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.json()["node_status"], "Success");
    let json_param = h
        .execute(
            "hubspot",
            "create_contact",
            json!({ "email": "x@example.com", "associations": [{"to": 1}] }),
        )
        .await;
    assert_eq!(json_param.json()["node_status"], "Success");
}

#[tokio::test]
async fn body_that_is_not_a_json_object_is_a_400() {
    let h = Harness::new().await;
    for body in ["[1,2]", "\"text\"", "null", "{\"email\": ", "not json"] {
        let reply = send(
            h.keyed(Method::POST, &crate::execute_path("hubspot", "create_contact"))
                .header("content-type", "application/json")
                .body(body),
        )
        .await;
        reply.assert_error(400, "VALIDATION_ERROR", "body");
    }
    assert_eq!(h.emulator.executed_count("hubspot", "create_contact"), 0);
}

#[tokio::test]
async fn every_reply_has_a_fresh_request_id() {
    let h = Harness::new().await;
    let a = h.execute("hubspot", "search_contacts", json!({})).await;
    let b = h.execute("hubspot", "search_contacts", json!({})).await;
    let (a, b) = (a.header("x-request-id").unwrap(), b.header("x-request-id").unwrap());
    assert_ne!(a, b);
    assert_eq!(a.len(), 36, "a hyphenated uuid: {a}");
}
