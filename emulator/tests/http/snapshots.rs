//! A `.refold/` snapshot directory feeding the catalogue, and strict parameter checking.

use std::path::PathBuf;

use refold_emulator::Emulator;
use refold_snapshot::{ParamType, Parameter, Snapshot, SnapshotDir};
use reqwest::Method;
use serde_json::json;

use crate::{Harness, send};

/// A snapshot directory under the system's temporary directory, removed when dropped.
struct TempSchemaDir(PathBuf);

impl TempSchemaDir {
    fn new(name: &str, snapshots: &[Snapshot]) -> Self {
        let path = std::env::temp_dir().join(format!("refold-emulator-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        let dir = SnapshotDir::new(&path);
        for snapshot in snapshots {
            dir.write(snapshot).unwrap();
        }
        TempSchemaDir(path)
    }
}

impl Drop for TempSchemaDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn acme_send_invoice() -> Snapshot {
    Snapshot::new("acme", "send_invoice")
        .with_name("Send Invoice")
        .with_description("Sends an invoice.")
        .with_parameters(vec![
            Parameter::new("customer_email", ParamType::Text)
                .with_label("Customer Email")
                .with_required(true),
            Parameter::new("amount", ParamType::Number).with_required(true),
            Parameter::new("api_secret", ParamType::Password),
            Parameter::new("due", ParamType::Other("date".into())),
        ])
}

async fn harness(dir: &TempSchemaDir, strict: bool) -> Harness {
    Harness::with(
        Emulator::builder()
            .schema_dir(&dir.0)
            .strict_parameters(strict)
            .start()
            .await
            .unwrap(),
    )
}

#[tokio::test]
async fn snapshot_actions_are_listed_and_described_as_they_were_fetched() {
    let dir = TempSchemaDir::new("served", &[acme_send_invoice()]);
    let h = harness(&dir, false).await;

    let list = send(h.keyed(Method::GET, "/api/v2/integration-schema/acme/actions")).await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.json(),
        json!([{ "name": "Send Invoice", "action_id": "send_invoice", "description": "Sends an invoice." }])
    );

    let params = send(h.keyed(Method::GET, "/api/v2/integration-schema/acme/actions/send_invoice")).await;
    assert_eq!(params.status, 200);
    assert_eq!(
        params.json(),
        json!([
            { "name": "customer_email", "label": "Customer Email", "required": true, "type": "text" },
            { "name": "amount", "required": true, "type": "number" },
            { "name": "api_secret", "required": false, "type": "password" },
            { "name": "due", "required": false, "type": "date" }
        ])
    );

    // The built-in apps are still there.
    let hubspot = send(h.keyed(Method::GET, "/api/v2/integration-schema/hubspot/actions")).await;
    assert_eq!(hubspot.status, 200);
}

#[tokio::test]
async fn a_snapshot_action_is_validated_and_then_echoes_its_parameters() {
    let dir = TempSchemaDir::new("echo", &[acme_send_invoice()]);
    let h = harness(&dir, false).await;

    h.execute("acme", "send_invoice", json!({ "amount": 12 }))
        .await
        .assert_error(
            400,
            "VALIDATION_ERROR",
            "Required parameter 'customer_email' is missing",
        );
    h.execute(
        "acme",
        "send_invoice",
        json!({ "customer_email": "a@example.com", "amount": true }),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR", "Parameter 'amount' must be a number");
    h.execute(
        "acme",
        "send_invoice",
        json!({ "customer_email": "a@example.com", "amount": 1, "api_secret": 7 }),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR", "Parameter 'api_secret' must be a string");
    assert_eq!(h.emulator.executed_count("acme", "send_invoice"), 0);

    let body = json!({ "customer_email": "a@example.com", "amount": 12.5, "due": "2026-01-31" });
    let reply = h.execute("acme", "send_invoice", body.clone()).await;
    assert_eq!(reply.status, 200, "{:?}", String::from_utf8_lossy(&reply.body));
    let reply = reply.json();
    assert_eq!(reply["node_status"], "Success");
    assert_eq!(reply["http_status"], 200);
    assert_eq!(reply["data"], body);
    assert_eq!(h.emulator.executed_count("acme", "send_invoice"), 1);
}

#[tokio::test]
async fn a_snapshot_of_a_built_in_action_replaces_its_schema_and_keeps_its_behaviour() {
    // As if HubSpot had made `phone` required since the catalogue was written.
    let parameters = vec![
        Parameter::new("email", ParamType::Text)
            .with_label("Enter Email")
            .with_required(true),
        Parameter::new("firstname", ParamType::Text),
        Parameter::new("phone", ParamType::Text).with_required(true),
    ];
    let snapshot = Snapshot::new("hubspot", "create_contact").with_parameters(parameters);
    let dir = TempSchemaDir::new("replace", &[snapshot]);
    let h = harness(&dir, false).await;

    h.execute("hubspot", "create_contact", json!({ "email": "ada@example.com" }))
        .await
        .assert_error(400, "VALIDATION_ERROR", "Required parameter 'phone' is missing");
    let created = h
        .execute(
            "hubspot",
            "create_contact",
            json!({ "email": "ada@example.com", "phone": "+44 20 7946 0000", "firstname": "Ada" }),
        )
        .await
        .json();
    assert_eq!(created["http_status"], 201, "{created}");
    assert_eq!(created["data"]["properties"]["firstname"], "Ada");
    let fetched = h
        .execute("hubspot", "get_contact", json!({ "email": "ada@example.com" }))
        .await
        .json();
    assert_eq!(fetched["data"]["properties"]["phone"], "+44 20 7946 0000", "{fetched}");
}

#[tokio::test]
async fn lenient_by_default_an_unknown_parameter_is_accepted_and_dropped() {
    let h = Harness::new().await;
    let reply = h
        .execute(
            "hubspot",
            "create_contact",
            json!({ "email": "ada@example.com", "first_name": "Ada" }),
        )
        .await
        .json();
    assert_eq!(reply["http_status"], 201, "{reply}");
    assert!(reply["data"]["properties"].get("first_name").is_none(), "{reply}");
    assert!(reply["data"]["properties"].get("firstname").is_none(), "{reply}");
}

#[tokio::test]
async fn strict_mode_refuses_an_unknown_parameter_by_name() {
    let h = Harness::with(Emulator::builder().strict_parameters(true).start().await.unwrap());
    let body = h
        .execute(
            "hubspot",
            "create_contact",
            json!({ "email": "ada@example.com", "first_name": "Ada" }),
        )
        .await
        .assert_error(400, "VALIDATION_ERROR", "Unknown parameter 'first_name'");
    let message = body["message"].as_str().unwrap();
    assert!(
        message.contains("firstname"),
        "the known parameters are listed: {message}"
    );
    assert_eq!(h.emulator.executed_count("hubspot", "create_contact"), 0);

    let ok = h
        .execute(
            "hubspot",
            "create_contact",
            json!({ "email": "ada@example.com", "firstname": "Ada" }),
        )
        .await
        .json();
    assert_eq!(ok["http_status"], 201, "{ok}");
}

#[tokio::test]
async fn strict_mode_applies_to_snapshot_actions() {
    let dir = TempSchemaDir::new("strict", &[acme_send_invoice()]);
    let h = harness(&dir, true).await;
    h.execute(
        "acme",
        "send_invoice",
        json!({ "customer_email": "a@example.com", "amount": 3, "currency": "EUR" }),
    )
    .await
    .assert_error(400, "VALIDATION_ERROR", "Unknown parameter 'currency'");
}

#[tokio::test]
async fn a_missing_or_corrupt_schema_dir_fails_to_start_naming_the_problem() {
    let missing = std::env::temp_dir().join(format!("refold-emulator-missing-{}", std::process::id()));
    let err = Emulator::builder().schema_dir(&missing).start().await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::NotFound);
    assert!(err.to_string().contains("refold prepare"), "{err}");

    let dir = TempSchemaDir::new("corrupt", &[acme_send_invoice()]);
    std::fs::write(dir.0.join("acme/broken.json"), b"{ \"format_version\": 1, ").unwrap();
    let err = Emulator::builder().schema_dir(&dir.0).start().await.unwrap_err();
    assert_eq!(err.kind(), std::io::ErrorKind::InvalidData);
    assert!(err.to_string().contains("broken.json"), "{err}");
}
