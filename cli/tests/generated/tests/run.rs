//! The generated structs, compiled with schema checking on, executed against the emulator.

use refold::Client;
use refold_cli_generated::{demo, hubspot, salesforce};
use refold_emulator::Emulator;

// Reads are idempotent, writes are not: checked while this compiles.
const _: () = assert!(<salesforce::GetAccounts as refold::Action>::IDEMPOTENT);
const _: () = assert!(<hubspot::SearchContacts as refold::Action>::IDEMPOTENT);
const _: () = assert!(!<salesforce::CreateAccount as refold::Action>::IDEMPOTENT);
const _: () = assert!(<demo::GetOrder2 as refold::Action>::IDEMPOTENT);

/// The body of the last execute of `action_id` the emulator received, as text.
fn sent(emulator: &Emulator, action_id: &str) -> String {
    let path = format!("/{action_id}/execute");
    let request = emulator
        .requests()
        .into_iter()
        .rev()
        .find(|request| request.path.ends_with(&path))
        .unwrap_or_else(|| panic!("no execute of {action_id} reached the emulator"));
    String::from_utf8(request.body).unwrap()
}

async fn client(emulator: &Emulator) -> Client {
    Client::builder()
        .base_url(emulator.base_url())
        .api_key(emulator.api_key())
        .linked_account_id(emulator.linked_account_id())
        .build()
        .expect("the emulator's credentials make a client")
}

#[tokio::test]
async fn generated_hubspot_structs_create_then_read_a_contact() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator).await;

    let created = hubspot::CreateContact {
        email: "ada@example.com".into(),
        firstname: Some("Ada".into()),
        lastname: None,
        phone: None,
        company: None,
        website: None,
        jobtitle: None,
        hubspot_owner_id: None,
        associations: None,
        additional_fields: Some(serde_json::json!({ "lifecyclestage": "lead" })),
    }
    .execute(&client)
    .await
    .unwrap();
    assert_eq!(created.http_status, Some(201));
    assert_eq!(created.data["properties"]["firstname"], "Ada");

    let found = hubspot::SearchContacts {
        query: Some("ada".into()),
        limit: Some(5.into()),
    }
    .execute(&client)
    .await
    .unwrap();
    assert_eq!(found.data["total"], 1);
    assert_eq!(found.data["results"][0]["id"], created.data["id"]);

    // The body the emulator received: None fields left out, the number sent as a number.
    assert_eq!(sent(&emulator, "search_contacts"), r#"{"query":"ada","limit":5}"#);
}

#[tokio::test]
async fn generated_salesforce_struct_sends_the_wire_names() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator).await;

    let account = salesforce::CreateAccount {
        name: "Acme".into(),
        r#type: Some("Customer".into()),
        number_of_employees: Some(serde_json::Number::from(12_345_678_901_234_567_u64)),
        phone: None,
        website: None,
        industry: None,
        billing_city: None,
        billing_country: None,
        description: None,
        additional_fields: None,
    }
    .execute(&client)
    .await
    .unwrap();
    assert_eq!(account.data["success"], true);

    assert_eq!(
        sent(&emulator, "create_account"),
        r#"{"Name":"Acme","Type":"Customer","NumberOfEmployees":12345678901234567}"#
    );
}

#[tokio::test]
async fn generated_names_that_collide_or_are_keywords_send_their_wire_names() {
    let schemas = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".refold");
    let emulator = Emulator::builder().schema_dir(schemas).start().await.unwrap();
    let client = client(&emulator).await;

    let reply = demo::FindOrders {
        email_2: Some("Ada@Example.com".into()),
        email: "ada@example.com".into(),
        r#type: Some("secret".into()),
        min_total: Some(serde_json::Number::from_f64(10.5).unwrap()),
        open: true,
        when: Some(serde_json::json!("2026-01-01")),
        self_: None,
        _2nd_choice: Some(serde_json::json!({ "size": 2 })),
    }
    .execute(&client)
    .await
    .unwrap();
    assert_eq!(
        sent(&emulator, "find_orders"),
        r#"{"Email":"Ada@Example.com","email":"ada@example.com","type":"secret","minTotal":10.5,"open":true,"when":"2026-01-01","2nd_choice":{"size":2}}"#
    );
    assert_eq!(
        reply.data["minTotal"], 10.5,
        "the emulator echoes an action without behaviour"
    );

    demo::CancelOrder {}.execute(&client).await.unwrap();
    assert_eq!(sent(&emulator, "cancel_order"), "{}");
    demo::GetOrder2 { order_id: "o-1".into() }
        .execute(&client)
        .await
        .unwrap();
    assert_eq!(sent(&emulator, "get_order"), r#"{"order_id":"o-1"}"#);
}

/// The structs were checked against `.refold/` while this crate compiled: the attribute includes
/// the snapshot file of each struct it checks (so Cargo rebuilds when the file changes), and
/// rustc lists every included file in the library's dep-info, next to this test's binary.
#[test]
fn every_struct_was_checked_against_its_snapshot() {
    let deps = std::env::current_exe().unwrap().parent().unwrap().to_path_buf();
    let dep_info = std::fs::read_dir(&deps)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| {
            let name = path.file_name().unwrap().to_string_lossy();
            name.starts_with("refold_cli_generated-") && name.ends_with(".d")
        })
        .max_by_key(|path| std::fs::metadata(path).and_then(|meta| meta.modified()).unwrap())
        .expect("the library's dep-info is beside the test binary");
    let listed = std::fs::read_to_string(&dep_info).unwrap().replace('\\', "/");

    let schemas = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(".refold");
    let mut snapshots = Vec::new();
    for app in std::fs::read_dir(&schemas).unwrap() {
        let app = app.unwrap();
        for file in std::fs::read_dir(app.path()).unwrap() {
            let file = file.unwrap().file_name();
            snapshots.push(format!(
                ".refold/{}/{}",
                app.file_name().to_string_lossy(),
                file.to_string_lossy()
            ));
        }
    }
    assert_eq!(snapshots.len(), 18, "every app's snapshots: {snapshots:?}");
    for snapshot in &snapshots {
        assert!(
            listed.contains(snapshot.as_str()),
            "{snapshot} was not read while {} compiled:\n{listed}",
            dep_info.display()
        );
    }
}
