//! Messages in the user's words (issue 19): a CSV user gets column advice, not command-line
//! advice; failures name CLI commands and flags, not library calls; a network error names its
//! cause; a mistyped slug or action id gets a "did you mean".

use std::process::Stdio;

use refold_emulator::Emulator;

use super::bulk::bulk;
use super::{TempDir, assert_contains, assert_exit, command, stderr, stdout};

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
