//! Starting, stopping and the binary.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use refold_emulator::{Emulator, Fault};
use serde_json::json;

use crate::{Harness, client, send};

#[tokio::test]
async fn defaults_are_a_test_key_and_a_loopback_url() {
    let emulator = Emulator::start().await.unwrap();
    assert!(emulator.api_key().starts_with("tk"));
    assert_eq!(emulator.linked_account_id(), "ada@example.com");
    assert_eq!(
        emulator.base_url(),
        format!("http://127.0.0.1:{}", emulator.addr().port())
    );
    assert!(!emulator.base_url().ends_with('/'));
}

#[tokio::test]
async fn shutdown_releases_the_port() {
    let emulator = Emulator::start().await.unwrap();
    let addr = emulator.addr();
    emulator.shutdown().await;
    tokio::net::TcpListener::bind(addr)
        .await
        .expect("port is free after shutdown");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_releases_the_port_and_a_fixed_port_can_be_reused() {
    let emulator = Emulator::start().await.unwrap();
    let port = emulator.addr().port();
    drop(emulator);
    let mut again = None;
    for _ in 0..100 {
        match Emulator::builder().port(port).start().await {
            Ok(e) => {
                again = Some(e);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    let again = again.expect("port freed after drop");
    let h = Harness::with(again);
    assert_eq!(h.execute("hubspot", "search_contacts", json!({})).await.status, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graceful_shutdown_finishes_requests_in_flight() {
    let h = Harness::new().await;
    h.emulator.inject(Fault::Delay(Duration::from_millis(300)));
    let request = h.execute_request("hubspot", "search_contacts", &json!({}));
    let in_flight = tokio::spawn(send(request));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let addr = h.emulator.addr();
    h.emulator.shutdown().await;
    assert_eq!(in_flight.await.unwrap().status, 200);
    assert!(
        client().get(format!("http://{addr}/")).send().await.is_err(),
        "no longer listening"
    );
}

fn binary() -> Command {
    Command::new(env!("CARGO_BIN_EXE_refold-emulator"))
}

#[test]
fn binary_help_and_bad_arguments() {
    let help = binary().arg("--help").output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--port"));

    let bad = binary().arg("--bogus").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--bogus"));

    let bad_port = binary().args(["--port", "seventy"]).output().unwrap();
    assert_eq!(bad_port.status.code(), Some(2));
}

/// The binary's flags are the ones `refold emulator` takes (`refold_emulator::cli`): a schema
/// directory that is not there exits 6, as `refold` does for unusable local input.
#[test]
fn binary_refuses_a_missing_schema_dir_with_the_cli_exit_code() {
    let missing = std::env::temp_dir().join(format!("refold-emulator-no-schemas-{}", std::process::id()));
    let refused = binary()
        .args(["--port", "0", "--schema-dir"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(6));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("refold-emulator-no-schemas"), "{stderr}");

    let help = binary().arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("--rate-limit"));
}

#[tokio::test]
async fn binary_prints_its_settings_and_serves() {
    let mut child = binary()
        .args(["--port", "0", "--api-key", "tk_cli"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base_url = first.rsplit(' ').next().unwrap().to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{first}");
    let printed: Vec<String> = lines.by_ref().take(4).map(Result::unwrap).collect();
    assert!(
        printed.iter().any(|l| l.contains("REFOLD_API_KEY=tk_cli")),
        "{printed:?}"
    );
    assert!(
        printed
            .iter()
            .any(|l| l.contains("REFOLD_LINKED_ACCOUNT_ID=ada@example.com")),
        "{printed:?}"
    );

    let reply = send(
        client()
            .get(format!("{base_url}/api/v2/integration-schema/hubspot/actions"))
            .header("x-api-key", "tk_cli")
            .header("linked_account_id", "ada@example.com"),
    )
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(reply.status, 200);
}

#[test]
fn public_types_are_send_and_sync() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<Emulator>();
    assert_send_sync::<refold_emulator::EmulatorBuilder>();
    assert_send_sync::<Fault>();
    assert_send_sync::<refold_emulator::RecordedRequest>();
    assert_send_sync::<refold_emulator::Execution>();
}
