//! `refold webhooks`: register, list and delete against the emulator; `listen` receiving what
//! `refold emulator --webhook` delivers when an integration is removed, and refusing a delivery
//! with the wrong secret.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};

use refold_emulator::Emulator;

use super::{BIN, KillOnDrop, TempDir, assert_contains, assert_exit, refold, spawn_emulator, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_register_list_and_delete_never_print_a_header_value_but_the_new_secret() {
    let emulator = Emulator::start().await.unwrap();
    let here = TempDir::new("webhooks-crud");
    let registered = refold(
        &here.0,
        Some(&emulator),
        &["webhooks", "register", "https://example.com/refold", "--json"],
    );
    assert_exit(&registered, 0);
    let registered: serde_json::Value = serde_json::from_slice(&registered.stdout).unwrap();
    let secret = registered["secret"].as_str().unwrap().to_owned();
    let id = registered["id"].as_str().unwrap().to_owned();
    assert_eq!(secret.len(), 64);
    assert_eq!(
        registered["events"],
        serde_json::json!(["Connection Created", "Connection Deleted", "Connection Expired"])
    );

    for args in [&["webhooks", "list"][..], &["webhooks", "list", "--json"]] {
        let listed = refold(&here.0, Some(&emulator), args);
        assert_exit(&listed, 0);
        let text = stdout(&listed);
        assert_contains(&text, &id);
        assert_contains(&text, "x-refold-webhook-secret");
        assert!(!text.contains(&secret), "a listing shows the secret:\n{text}");
    }

    let unknown = refold(
        &here.0,
        Some(&emulator),
        &["webhooks", "register", "https://example.com", "--event", "Nope"],
    );
    assert_exit(&unknown, 2);

    let deleted = refold(&here.0, Some(&emulator), &["webhooks", "delete", &id]);
    assert_exit(&deleted, 0);
    assert_contains(&stdout(&deleted), "0 remain");
    let again = refold(&here.0, Some(&emulator), &["webhooks", "delete", &id]);
    assert_ne!(again.status.code(), Some(0));
}

#[test]
fn listen_prints_what_the_emulator_delivers_and_refuses_a_wrong_secret() {
    let mut listener = KillOnDrop(
        Command::new(BIN)
            .args(["webhooks", "listen", "--port", "0", "--check-signature"])
            .env("REFOLD_WEBHOOK_SECRET", "dev-secret")
            .env("REFOLD_API_KEY", refold_emulator::DEFAULT_API_KEY)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut printed = BufReader::new(listener.0.stdout.take().unwrap()).lines();
    let first = printed.next().unwrap().unwrap();
    let url = first
        .split_whitespace()
        .find(|word| word.starts_with("http://"))
        .expect("the listener prints its URL")
        .to_owned();

    let (_emulator, base_url, _) = spawn_emulator(
        Command::new(BIN)
            .args(["emulator", "--port", "0", "--webhook"])
            .arg(format!("{url}refold"))
            .env("REFOLD_WEBHOOK_SECRET", "dev-secret")
            .stderr(Stdio::null()),
    );
    // Removing an integration is a connection change: the emulator delivers "Connection Deleted".
    let removed = request(
        &base_url,
        &format!(
            "DELETE /api/v2/public/linked-account/integration/hubspot?linked_account_id={} HTTP/1.1\r\n\
             x-api-key: {}\r\n",
            refold_emulator::DEFAULT_LINKED_ACCOUNT_ID,
            refold_emulator::DEFAULT_API_KEY
        ),
        "",
    );
    assert!(removed.starts_with("HTTP/1.1 200"), "{removed}");
    let line = printed.next().expect("a delivery is printed").unwrap();
    assert_contains(&line, "Connection Deleted");
    assert_contains(
        &line,
        &format!("account={}", refold_emulator::DEFAULT_LINKED_ACCOUNT_ID),
    );
    assert_contains(&line, "app=hubspot");

    let forged = request(
        &url,
        "POST /refold HTTP/1.1\r\nx-refold-webhook-secret: guessed\r\ncontent-type: application/json\r\n",
        r#"{"event":"Connection Created","linked_account_id":"mallory","slug":"hubspot"}"#,
    );
    assert!(forged.starts_with("HTTP/1.1 401"), "{forged}");

    listener.0.kill().unwrap();
    let mut refusals = String::new();
    listener.0.stderr.take().unwrap().read_to_string(&mut refusals).unwrap();
    assert_contains(&refusals, "does not match the webhook's secret");
    assert!(printed.all(|line| !line.unwrap().contains("mallory")));
}

/// A bare HTTP/1.1 request to `base_url`: `head` is the request line and headers (each ending
/// in CRLF); the whole reply as text.
fn request(base_url: &str, head: &str, body: &str) -> String {
    let address = base_url.trim_start_matches("http://").trim_end_matches('/');
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "{head}host: {address}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}
