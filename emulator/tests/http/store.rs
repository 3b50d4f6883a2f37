//! The per-linked-account store behind the HubSpot and Salesforce actions.

use serde_json::{Value, json};

use crate::Harness;

fn is_rfc3339_millis_utc(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 24 && b[4] == b'-' && b[10] == b'T' && b[19] == b'.' && s.ends_with('Z')
}

async fn create_ada(h: &Harness) -> Value {
    let reply = h
        .execute(
            "hubspot",
            "create_contact",
            json!({ "email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace" }),
        )
        .await;
    assert_eq!(reply.status, 200);
    reply.json()
}

#[tokio::test]
async fn hubspot_create_then_get_returns_the_created_record() {
    let h = Harness::new().await;
    let created = create_ada(&h).await;
    assert_eq!(created["node_status"], "Success");
    assert_eq!(created["http_status"], 201);
    let record = &created["data"];
    assert!(record["id"].as_str().unwrap().parse::<u64>().is_ok());
    assert_eq!(
        record["properties"],
        json!({ "email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace" })
    );
    assert!(is_rfc3339_millis_utc(record["createdAt"].as_str().unwrap()), "{record}");
    assert_eq!(record["createdAt"], record["updatedAt"]);
    assert_eq!(record["archived"], false);

    let got = h
        .execute("hubspot", "get_contact", json!({ "email": "ADA@example.com" }))
        .await
        .json();
    assert_eq!(got["node_status"], "Success");
    assert_eq!(got["http_status"], 200);
    assert_eq!(got["data"], *record);

    let by_id = h
        .execute("hubspot", "get_contact_by_id", json!({ "contact_id": record["id"] }))
        .await
        .json();
    assert_eq!(by_id["data"], *record);
}

#[tokio::test]
async fn hubspot_duplicate_email_fails_with_409_like_hubspot() {
    let h = Harness::new().await;
    let first = create_ada(&h).await;
    let dup = create_ada(&h).await;
    assert_eq!(dup["node_status"], "Failed");
    assert_eq!(dup["http_status"], 409);
    assert_eq!(dup["data"]["category"], "CONFLICT");
    assert_eq!(dup["data"]["status"], "error");
    let expected = format!(
        "Contact already exists. Existing ID: {}",
        first["data"]["id"].as_str().unwrap()
    );
    assert_eq!(dup["data"]["message"], expected);
    assert_eq!(
        h.emulator.executed_count("hubspot", "create_contact"),
        2,
        "a conflict still reached the app"
    );
}

#[tokio::test]
async fn hubspot_missing_contact_is_failed_404() {
    let h = Harness::new().await;
    for (action, body) in [
        ("get_contact", json!({ "email": "nobody@example.com" })),
        ("get_contact_by_id", json!({ "contact_id": "999999" })),
        ("update_contact", json!({ "contact_id": "999999", "firstname": "X" })),
        ("delete_contact", json!({ "contact_id": "999999" })),
    ] {
        let reply = h.execute("hubspot", action, body).await;
        assert_eq!(reply.status, 200, "{action}");
        let reply = reply.json();
        assert_eq!(reply["node_status"], "Failed", "{action}");
        assert_eq!(reply["http_status"], 404, "{action}");
        assert_eq!(reply["data"]["category"], "OBJECT_NOT_FOUND", "{action}");
    }
}

#[tokio::test]
async fn hubspot_update_merges_properties_and_bumps_updated_at() {
    let h = Harness::new().await;
    let created = create_ada(&h).await["data"].clone();
    let updated = h
        .execute(
            "hubspot",
            "update_contact",
            json!({ "contact_id": created["id"], "jobtitle": "Analyst", "additional_fields": { "lifecyclestage": "lead" } }),
        )
        .await
        .json();
    assert_eq!(updated["node_status"], "Success");
    let record = &updated["data"];
    assert_eq!(record["properties"]["firstname"], "Ada");
    assert_eq!(record["properties"]["jobtitle"], "Analyst");
    assert_eq!(record["properties"]["lifecyclestage"], "lead");
    assert_eq!(record["createdAt"], created["createdAt"]);
    assert!(record["updatedAt"].as_str().unwrap() > created["updatedAt"].as_str().unwrap());
}

#[tokio::test]
async fn hubspot_delete_removes_the_contact() {
    let h = Harness::new().await;
    let id = create_ada(&h).await["data"]["id"].clone();
    let deleted = h
        .execute("hubspot", "delete_contact", json!({ "contact_id": id }))
        .await
        .json();
    assert_eq!(deleted["node_status"], "Success");
    assert_eq!(deleted["http_status"], 204);
    let got = h
        .execute("hubspot", "get_contact", json!({ "email": "ada@example.com" }))
        .await
        .json();
    assert_eq!(got["http_status"], 404);
    let again = h
        .execute("hubspot", "delete_contact", json!({ "contact_id": id }))
        .await
        .json();
    assert_eq!(
        (again["node_status"].as_str(), again["http_status"].as_u64()),
        (Some("Failed"), Some(404))
    );
    // The email is free again.
    assert_eq!(create_ada(&h).await["http_status"], 201);
}

#[tokio::test]
async fn hubspot_search_matches_substrings_and_pages() {
    let h = Harness::new().await;
    for (email, first) in [
        ("ada@example.com", "Ada"),
        ("grace@navy.mil", "Grace"),
        ("alan@example.com", "Alan"),
    ] {
        h.execute(
            "hubspot",
            "create_contact",
            json!({ "email": email, "firstname": first }),
        )
        .await;
    }
    let found = h
        .execute("hubspot", "search_contacts", json!({ "query": "example" }))
        .await
        .json();
    assert_eq!(found["data"]["total"], 2);
    assert_eq!(found["data"]["results"].as_array().unwrap().len(), 2);
    assert!(found["data"].get("paging").is_none());
    let by_name = h
        .execute("hubspot", "search_contacts", json!({ "query": "grace" }))
        .await
        .json();
    assert_eq!(by_name["data"]["results"][0]["properties"]["email"], "grace@navy.mil");
    let paged = h
        .execute("hubspot", "search_contacts", json!({ "query": "a", "limit": 1 }))
        .await
        .json();
    assert_eq!(paged["data"]["total"], 3);
    assert_eq!(paged["data"]["results"].as_array().unwrap().len(), 1);
    assert_eq!(paged["data"]["paging"]["next"]["after"], "1");
}

#[tokio::test]
async fn hubspot_companies_and_deals_store_string_properties() {
    let h = Harness::new().await;
    let company = h
        .execute(
            "hubspot",
            "create_company",
            json!({ "name": "Analytical Engines", "domain": "ae.example" }),
        )
        .await;
    assert_eq!(company.json()["data"]["properties"]["name"], "Analytical Engines");
    let deal = h
        .execute(
            "hubspot",
            "create_deal",
            json!({ "dealname": "Big one", "amount": 1500.5 }),
        )
        .await
        .json();
    assert_eq!(deal["http_status"], 201);
    assert_eq!(deal["data"]["properties"]["amount"], "1500.5");
    h.execute("hubspot", "create_deal", json!({ "amount": 1 }))
        .await
        .assert_error(400, "VALIDATION_ERROR", "'dealname'");
}

#[tokio::test]
async fn linked_accounts_have_separate_stores() {
    let h = Harness::new().await;
    create_ada(&h).await;
    let other = h
        .execute_as(
            "other@example.com",
            "hubspot",
            "get_contact",
            json!({ "email": "ada@example.com" }),
        )
        .await;
    assert_eq!(other.json()["http_status"], 404);
    let theirs = h
        .execute_as(
            "other@example.com",
            "hubspot",
            "create_contact",
            json!({ "email": "ada@example.com" }),
        )
        .await;
    assert_eq!(theirs.json()["http_status"], 201);
}

#[tokio::test]
async fn salesforce_accounts_round_trip() {
    let h = Harness::new().await;
    let created = h
        .execute(
            "salesforce",
            "create_account",
            json!({ "Name": "Acme", "Industry": "Manufacturing", "NumberOfEmployees": 12 }),
        )
        .await
        .json();
    assert_eq!(created["http_status"], 201);
    let id = created["data"]["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("001") && id.len() == 18, "{id}");
    assert_eq!(created["data"]["success"], true);
    assert_eq!(created["data"]["errors"], json!([]));

    let updated = h
        .execute(
            "salesforce",
            "update_account",
            json!({ "account_id": id, "Phone": "555" }),
        )
        .await
        .json();
    assert_eq!(
        (updated["node_status"].as_str(), updated["http_status"].as_u64()),
        (Some("Success"), Some(204))
    );

    let listed = h.execute("salesforce", "get_accounts", json!({})).await.json();
    let records = &listed["data"]["records"];
    assert_eq!(listed["data"]["totalSize"], 1);
    assert_eq!(records[0]["Id"], id);
    assert_eq!(records[0]["Name"], "Acme");
    assert_eq!(records[0]["Phone"], "555");
    assert_eq!(records[0]["NumberOfEmployees"], 12);
    assert_eq!(records[0]["attributes"]["type"], "Account");

    let deleted = h
        .execute("salesforce", "delete_account", json!({ "account_id": id }))
        .await
        .json();
    assert_eq!(deleted["http_status"], 204);
    let missing = h
        .execute("salesforce", "delete_account", json!({ "account_id": id }))
        .await
        .json();
    assert_eq!(
        (missing["node_status"].as_str(), missing["http_status"].as_u64()),
        (Some("Failed"), Some(404))
    );
    assert_eq!(missing["data"][0]["errorCode"], "NOT_FOUND");
}

#[tokio::test]
async fn salesforce_contacts_and_leads_get_prefixed_ids() {
    let h = Harness::new().await;
    let contact = h
        .execute("salesforce", "create_contact", json!({ "LastName": "Hopper" }))
        .await
        .json();
    assert!(contact["data"]["id"].as_str().unwrap().starts_with("003"));
    let lead = h
        .execute(
            "salesforce",
            "create_lead",
            json!({ "LastName": "Hopper", "Company": "Navy" }),
        )
        .await
        .json();
    assert!(lead["data"]["id"].as_str().unwrap().starts_with("00Q"));
    let limited = h
        .execute("salesforce", "get_accounts", json!({ "limit": 0 }))
        .await
        .json();
    assert_eq!(limited["data"]["records"], json!([]));
}
