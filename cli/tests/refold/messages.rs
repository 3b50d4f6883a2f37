//! Messages in the user's words (issue 19): a CSV user gets column advice, not command-line
//! advice; failures name CLI commands and flags, not library calls; a network error names its
//! cause; a mistyped slug or action id gets a "did you mean".

use std::process::Stdio;

use refold_emulator::Emulator;

use super::bulk::bulk;
use super::{TempDir, assert_contains, assert_exit, command, refold, stderr, stdout};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn csv_cells_get_column_advice_not_command_line_advice() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("messages-csv-advice");
    dir.write("deals.csv", "dealname,amount\nRenewal,ten\n,5\n");
    let output = bulk(&dir.0, &emulator, "create_deal", "deals.csv", &[]);
    assert_exit(&output, 6);
    let err = stderr(&output);
    assert_contains(
        &err,
        "deals.csv: row 1 (line 2): the parameters of `hubspot/create_deal` were refused, nothing was sent:",
    );
    assert_contains(&err, "write e.g. 10 or 2.5 in the column `amount`");
    assert_contains(&err, "deals.csv: row 2 (line 3): ");
    assert_contains(&err, "is empty: fill its cell in the column `dealname`");
    assert!(!err.contains("amount=10") && !err.contains("add dealname="), "{err}");
    assert_eq!(emulator.executed_count("hubspot", "create_deal"), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_no_schema_header_with_an_equals_sign_is_sent_whole() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("messages-csv-equals");
    dir.write("notes.csv", "dealname,note=internal\nRenewal,a=b\n");
    let output = bulk(
        &dir.0,
        &emulator,
        "create_deal",
        "notes.csv",
        &["--no-schema", "--dry-run"],
    );
    assert_exit(&output, 0);
    let printed = format!("{}{}", stdout(&output), stderr(&output));
    assert_contains(&printed, r#""note=internal":"a=b""#);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_csv_file_is_said_to_be_empty() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("messages-csv-empty");
    dir.write("contacts.csv", "");
    let output = bulk(&dir.0, &emulator, "create_contact", "contacts.csv", &[]);
    assert_exit(&output, 6);
    let err = stderr(&output);
    assert_contains(&err, "contacts.csv: the file is empty");
    assert!(!err.contains("is missing"), "{err}");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);
}

/// stdout that cannot be written (a full disk): an I/O failure, not a failure of Refold's API.
#[cfg(target_os = "linux")]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_output_that_cannot_be_written_is_an_io_failure() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("messages-json-out");
    let base_url = emulator.base_url();
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let output = command(
        &dir.0,
        Some((&base_url, emulator.api_key(), emulator.linked_account_id())),
    )
    .args(["actions", "hubspot", "--json"])
    .stdout(Stdio::from(full))
    .output()
    .unwrap();
    assert_exit(&output, 9);
    assert_contains(&stderr(&output), "could not write the output as JSON to stdout");
}

/// `refold actions hubspot` with credentials, against `base_url`, with `extra` flags.
fn actions_against(dir: &TempDir, base_url: &str, extra: &[&str]) -> std::process::Output {
    command(&dir.0, Some((base_url, SECRET, "ada@example.com")))
        .args(["actions", "hubspot"])
        .args(extra)
        .output()
        .unwrap()
}

/// An API key that must never be printed.
const SECRET: &str = "tk_messages_secret_0123456789";

#[test]
fn a_refused_connection_names_its_cause_and_the_url_and_no_secret() {
    let dir = TempDir::new("messages-refused");
    // A port nothing listens on: bound, then closed.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base_url = format!("http://127.0.0.1:{port}");
    let output = actions_against(&dir, &base_url, &[]);
    assert_exit(&output, 8);
    let err = stderr(&output);
    assert_contains(&err, &format!("could not connect to Refold at {base_url}/"));
    assert_contains(&err, "the connection was refused");
    assert_contains(&err, "check --base-url");
    assert!(!err.contains(SECRET), "{err}");
}

#[test]
fn a_host_name_that_does_not_resolve_is_named_as_a_dns_failure() {
    let dir = TempDir::new("messages-dns");
    // `.invalid` never resolves (RFC 2606).
    let output = actions_against(&dir, "https://refold.invalid", &[]);
    assert_exit(&output, 8);
    let err = stderr(&output);
    assert_contains(&err, "could not connect to Refold at https://refold.invalid/");
    assert_contains(&err, "the host name could not be resolved (DNS)");
    assert!(!err.contains("the connection was refused"), "{err}");
    assert!(!err.contains(SECRET), "{err}");
}

#[test]
fn a_read_that_times_out_names_the_flag_and_gives_no_write_warning() {
    let dir = TempDir::new("messages-timeout");
    // Accepts every connection and never answers.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let output = actions_against(&dir, &base_url, &["--timeout", "1"]);
    assert_exit(&output, 8);
    let err = stderr(&output);
    assert_contains(&err, "the call timed out after");
    assert_contains(&err, "it only reads, so it is safe to run again");
    assert_contains(&err, "raise --timeout");
    assert!(!err.contains("may have run"), "{err}");
    assert!(!err.contains("ClientBuilder"), "{err}");

    // A write that times out after sending may have run, and says so once.
    let output = command(&dir.0, Some((&base_url, SECRET, "ada@example.com")))
        .args([
            "exec",
            "hubspot",
            "create_contact",
            "--no-schema",
            "email=ada@example.com",
            "--timeout",
            "1",
        ])
        .output()
        .unwrap();
    assert_exit(&output, 12);
    let err = stderr(&output);
    assert_contains(&err, "the call timed out after");
    assert_contains(&err, "raise --timeout");
    assert_eq!(err.matches("may have run").count(), 1, "{err}");
    assert!(!err.contains("ClientBuilder"), "{err}");

    // Creating a linked account is a write too: a timeout never calls it safe to repeat, while
    // reading one is.
    for (args, writes) in [
        (["accounts", "create", "acme-42"], true),
        (["accounts", "get", "acme-42"], false),
    ] {
        let output = command(&dir.0, Some((&base_url, SECRET, "ada@example.com")))
            .args(args)
            .args(["--timeout", "1"])
            .output()
            .unwrap();
        let err = stderr(&output);
        assert_contains(&err, "the call timed out after");
        assert_eq!(err.contains("safe to run again"), !writes, "{args:?}: {err}");
        assert_eq!(err.contains("may have reached Refold"), writes, "{args:?}: {err}");
    }
}

#[test]
fn plain_http_to_another_host_names_the_flag_that_allows_it() {
    let dir = TempDir::new("messages-insecure");
    let output = actions_against(&dir, "http://refold.invalid", &[]);
    assert_exit(&output, 3);
    let err = stderr(&output);
    assert_contains(&err, "--allow-insecure-http");
    assert!(!err.contains("allow_insecure_http("), "{err}");

    // `bulk` builds its client with a rate limit of its own, and says the same.
    dir.write("contacts.csv", "email\nada@example.com\n");
    let output = command(&dir.0, Some(("http://refold.invalid", SECRET, "ada@example.com")))
        .args([
            "bulk",
            "hubspot",
            "create_contact",
            "--input",
            "contacts.csv",
            "--dry-run",
        ])
        .output()
        .unwrap();
    assert_exit(&output, 3);
    assert_contains(&stderr(&output), "--allow-insecure-http");

    // With the flag, the client is built and tries to connect.
    let output = actions_against(&dir, "http://refold.invalid", &["--allow-insecure-http"]);
    assert_exit(&output, 8);
    assert_contains(
        &stderr(&output),
        "could not connect to Refold at http://refold.invalid/",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_action_ids_get_a_did_you_mean_in_exec_params_codegen_and_prepare() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::package("messages-did-you-mean", "");
    let hint =
        "`hubspot` has no action `create_contct`: did you mean `create_contact`? (`refold actions hubspot` lists them)";
    for args in [
        &["params", "hubspot", "create_contct"][..],
        &["exec", "hubspot", "create_contct", "email=ada@example.com"],
        &[
            "exec",
            "hubspot",
            "create_contct",
            "--no-schema",
            "email=ada@example.com",
        ],
        &["codegen", "hubspot", "create_contct", "--fetch"],
    ] {
        let output = refold(&dir.0, Some(&emulator), args);
        assert_exit(&output, 5);
        let err = stderr(&output);
        assert_contains(&err, hint);
        assert!(!err.contains("Client::list_actions"), "{args:?}: {err}");
    }
    assert_eq!(emulator.executed_count("hubspot", "create_contct"), 0);

    // From snapshots, without the network.
    let output = refold(&dir.0, Some(&emulator), &["prepare", "--app", "hubspot"]);
    assert_exit(&output, 0);
    let output = refold(&dir.0, None, &["codegen", "hubspot", "create_contct"]);
    assert_exit(&output, 6);
    assert_contains(&stderr(&output), "did you mean `create_contact` for `create_contct`?");

    // A mistyped app: the closest one with snapshots in .refold/.
    for args in [&["params", "hubspt", "create_contact"][..], &["actions", "hubspt"]] {
        let output = refold(&dir.0, Some(&emulator), args);
        assert_exit(&output, 5);
        assert_contains(
            &stderr(&output),
            "Refold has no app `hubspt`: did you mean `hubspot`? (it has snapshots in .refold/)",
        );
    }
    let output = refold(&dir.0, None, &["codegen", "hubspt"]);
    assert_exit(&output, 6);
    assert_contains(
        &stderr(&output),
        "has no snapshots of `hubspt` (did you mean `hubspot`? it has snapshots)",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepare_finds_the_attribute_under_an_alias_and_as_a_path() {
    let emulator = Emulator::start().await.unwrap();
    let package = TempDir::package(
        "messages-alias",
        r#"
use refold::refold_action as act;

#[act(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {}

#[refold::refold_action(slug = "hubspot", id = "get_contact")]
pub struct GetContact {}
"#,
    );
    let output = refold(&package.0, Some(&emulator), &["prepare"]);
    assert_exit(&output, 0);
    assert!(
        package.0.join(".refold/hubspot/create_contact.json").exists(),
        "{}",
        stdout(&output)
    );
    assert!(
        package.0.join(".refold/hubspot/get_contact.json").exists(),
        "{}",
        stdout(&output)
    );
    // The first time, how to make cargo check a crate built before against the new directory.
    assert_contains(&stderr(&output), "note: created .refold");
    assert_contains(&stderr(&output), "run `cargo clean -p <your crate>` once");

    let output = refold(&package.0, Some(&emulator), &["prepare"]);
    assert_exit(&output, 0);
    assert!(!stderr(&output).contains("cargo clean"), "only the first time");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepare_handles_a_wrong_slug_like_a_wrong_action_id() {
    let emulator = Emulator::start().await.unwrap();
    let package = TempDir::package(
        "messages-wrong-slug",
        r#"
#[refold::refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {}

#[refold::refold_action(slug = "hubspt", id = "get_contact")]
pub struct WrongSlug {}

#[refold::refold_action(slug = "hubspot", id = "get_contct")]
pub struct WrongId {}
"#,
    );
    let output = refold(&package.0, Some(&emulator), &["prepare"]);
    assert_exit(&output, 5);
    let err = stderr(&output);
    // Every problem is reported…
    assert_contains(&err, "listing the actions of `hubspt`");
    assert_contains(
        &err,
        "Refold has no app `hubspt`: did you mean `hubspot`? (your code uses it too)",
    );
    assert_contains(&err, "used by `WrongSlug`");
    assert_contains(&err, "fetching the parameters of `hubspot/get_contct`");
    assert_contains(&err, "did you mean `get_contact`?");
    assert_contains(&err, "used by `WrongId`");
    // …and every valid snapshot written.
    assert!(package.0.join(".refold/hubspot/create_contact.json").exists(), "{err}");

    // `--check` reports the unknown action as drift, with the same hint and no library call.
    let output = refold(&package.0, Some(&emulator), &["prepare", "--check"]);
    assert_exit(&output, 5);
    let out = stdout(&output);
    assert_contains(&out, "drift      hubspot/get_contct: Refold no longer has this action");
    assert_contains(&out, "did you mean `get_contact`?");
    assert!(!out.contains("Client::list_actions"), "{out}");
}

#[test]
fn a_base_url_with_a_password_names_the_variable_for_the_key_and_never_echoes_it() {
    let dir = TempDir::new("messages-userinfo");
    let output = actions_against(&dir, "https://ada:hunter2-secret@refold.invalid", &[]);
    assert_exit(&output, 3);
    let err = stderr(&output);
    assert_contains(&err, "the base URL must not carry a user name or password");
    assert_contains(&err, "REFOLD_API_KEY");
    assert!(!err.contains(".api_key("), "{err}");
    assert!(!err.contains("hunter2-secret"), "{err}");
}

#[test]
fn a_reply_too_large_names_the_base_url_flag_not_a_builder_setting() {
    use std::io::{Read, Write};

    let dir = TempDir::new("messages-too-large");
    // Announces a 64 MiB body, twice what the client accepts, and sends none of it.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for mut stream in listener.incoming().flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = stream
                .write_all(b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 67108864\r\n\r\n[");
            held.push(stream);
        }
    });
    let output = actions_against(&dir, &base_url, &["--timeout", "5"]);
    assert_exit(&output, 7);
    let err = stderr(&output);
    assert_contains(&err, "is larger than the 32 MiB the command accepts");
    assert_contains(&err, "check --base-url");
    assert!(!err.contains("ClientBuilder"), "{err}");
}
