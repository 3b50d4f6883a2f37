//! `refold accounts`, `refold apps` and `refold connect`: tables and `--json` on stdout,
//! diagnostics on stderr, exit codes by error kind, against an emulator the test starts.

use std::io::{Read, Write};
use std::net::TcpStream;

use refold_emulator::Emulator;
use serde_json::Value;

use super::{TempDir, assert_contains, assert_exit, command, refold, stderr, stdout};

/// The whole reply to a bare `GET` of `url` (an `http://127.0.0.1:PORT/…` URL).
fn http_get(url: &str) -> String {
    let rest = url.trim_start_matches("http://");
    let (address, path) = rest.split_at(rest.find('/').unwrap());
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nhost: {address}\r\nconnection: close\r\n\r\n"
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_create_list_get_and_delete() {
    let emulator = Emulator::start().await.unwrap();
    let here = TempDir::new("accounts");
    let id = "ops+eu@acme.example";

    let created = refold(
        &here.0,
        Some(&emulator),
        &[
            "accounts",
            "create",
            id,
            "--name",
            "Acme Corp",
            "--udf",
            "plan=enterprise",
            "--json",
        ],
    );
    assert_exit(&created, 0);
    let created: Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(created[0]["account_id"], id);
    assert_eq!(created[0]["name"], "Acme Corp");
    assert_eq!(created[0]["udf"][0]["key_value"], "enterprise");

    // Org-level: an API key without a linked account is enough.
    let base_url = emulator.base_url();
    let list = command(
        &here.0,
        Some((&base_url, emulator.api_key(), emulator.linked_account_id())),
    )
    .env_remove("REFOLD_LINKED_ACCOUNT_ID")
    .args(["accounts", "list", "--page-size", "1"])
    .output()
    .unwrap();
    assert_exit(&list, 0);
    let table = stdout(&list);
    assert!(table.starts_with("ACCOUNT_ID"), "{table}");
    assert!(
        table.lines().any(|l| l.starts_with(id) && l.contains("Acme Corp")),
        "{table}"
    );
    assert!(
        table
            .lines()
            .any(|l| l.starts_with(emulator.linked_account_id()) && l.contains("hubspot, salesforce")),
        "{table}"
    );

    let got = refold(&here.0, Some(&emulator), &["accounts", "get", id, "--json"]);
    assert_exit(&got, 0);
    let got: Value = serde_json::from_slice(&got.stdout).unwrap();
    assert_eq!(got["account_id"], id);
    assert_eq!(got["integrations"], serde_json::json!([]));

    let deleted = refold(&here.0, Some(&emulator), &["accounts", "delete", id]);
    assert_exit(&deleted, 0);
    assert_contains(&stderr(&deleted), "deleted linked account");
    assert!(stdout(&deleted).is_empty());

    let gone = refold(&here.0, Some(&emulator), &["accounts", "get", id]);
    assert_exit(&gone, 5);
    assert_contains(&stderr(&gone), "no such linked account");
    assert_contains(&stderr(&gone), "request id");
    assert_exit(&refold(&here.0, Some(&emulator), &["accounts", "delete", "ghost"]), 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_errors_exit_by_kind() {
    let emulator = Emulator::start().await.unwrap();
    let here = TempDir::new("accounts-errors");
    assert_exit(&refold(&here.0, Some(&emulator), &["accounts", "create", "acme-42"]), 0);
    let duplicate = refold(&here.0, Some(&emulator), &["accounts", "create", "acme-42"]);
    assert_exit(&duplicate, 7);
    assert_contains(&stderr(&duplicate), "409");
    assert_exit(&refold(&here.0, None, &["accounts", "list"]), 3);
    assert_exit(
        &refold(
            &here.0,
            Some(&emulator),
            &["accounts", "create", "x", "--udf", "novalue"],
        ),
        2,
    );
    let base_url = emulator.base_url();
    let wrong_key = command(&here.0, Some((&base_url, "tk_wrong", "a")))
        .args(["accounts", "list"])
        .output()
        .unwrap();
    assert_exit(&wrong_key, 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn apps_shows_connection_status_as_a_table_and_json() {
    let emulator = Emulator::start().await.unwrap();
    let here = TempDir::new("apps");
    assert_exit(&refold(&here.0, Some(&emulator), &["accounts", "create", "acme-42"]), 0);
    emulator.connect_app("acme-42", "hubspot");
    emulator.expire_connection("acme-42", "hubspot");

    let table = refold(&here.0, Some(&emulator), &["apps", "--account", "acme-42"]);
    assert_exit(&table, 0);
    let text = stdout(&table);
    assert!(text.starts_with("SLUG"), "{text}");
    let hubspot = text.lines().find(|l| l.starts_with("hubspot")).unwrap();
    let cells: Vec<&str> = hubspot.split_whitespace().collect();
    assert_eq!(&cells[1..5], ["HubSpot", "yes", "yes", "oauth2"], "{text}");
    let salesforce = text.lines().find(|l| l.starts_with("salesforce")).unwrap();
    assert_eq!(
        &salesforce.split_whitespace().collect::<Vec<_>>()[1..4],
        ["Salesforce", "no", "no"]
    );

    // Without --account: the linked account of the environment, whose apps are all connected.
    let json = refold(&here.0, Some(&emulator), &["apps", "--json"]);
    assert_exit(&json, 0);
    let apps: Value = serde_json::from_slice(&json.stdout).unwrap();
    assert!(
        apps.as_array().unwrap().iter().all(|a| a["connected"] == true),
        "{apps}"
    );

    let ghost = refold(&here.0, Some(&emulator), &["apps", "--account", "ghost"]);
    assert_exit(&ghost, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_prints_a_connect_url_or_an_oauth_url_that_serve_the_page() {
    let emulator = Emulator::start().await.unwrap();
    let here = TempDir::new("connect");
    assert_exit(&refold(&here.0, Some(&emulator), &["accounts", "create", "acme-42"]), 0);

    let hosted = refold(
        &here.0,
        Some(&emulator),
        &["connect", "acme-42", "--redirect-url", "https://app.example.com/done"],
    );
    assert_exit(&hosted, 0);
    let url = stdout(&hosted).trim().to_owned();
    assert!(url.starts_with(&format!("{}/connect/", emulator.base_url())), "{url}");
    let page = http_get(&url);
    assert!(page.starts_with("HTTP/1.1 200"), "{page}");
    assert_contains(&page, "Connect HubSpot");
    assert_contains(&page, "Connect Salesforce");

    let oauth = refold(
        &here.0,
        Some(&emulator),
        &["connect", "acme-42", "salesforce", "--json"],
    );
    assert_exit(&oauth, 0);
    let oauth: Value = serde_json::from_slice(&oauth.stdout).unwrap();
    let page = http_get(oauth["url"].as_str().unwrap());
    assert_contains(&page, "Connect Salesforce");
    assert!(!page.contains("HubSpot"), "{page}");

    assert_exit(&refold(&here.0, Some(&emulator), &["connect", "acme-42", "zendesk"]), 5);
    let ghost = refold(&here.0, Some(&emulator), &["connect", "ghost"]);
    assert_exit(&ghost, 7);
    assert_contains(&stderr(&ghost), "ghost");
    assert_exit(
        &refold(
            &here.0,
            Some(&emulator),
            &["connect", "acme-42", "hubspot", "--redirect-url", "x"],
        ),
        2,
    );
}
