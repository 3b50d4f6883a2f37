//! `refold bulk`: every row journaled under seeded faults, SIGKILL then `--resume` with no row
//! executed twice, SIGINT ending with a complete journal, bad input refused by row and column
//! before anything is sent, and a changed row refused on resume. The journal's own guarantees
//! (lock, header, torn lines, write errors, evidence, resend rules) are in `journal.rs`.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use refold_emulator::{Emulator, Fault};
use serde_json::Value;

use super::{TempDir, assert_contains, assert_exit, command, stderr};

/// `refold bulk hubspot <action> --input <input> …` in `dir`, against `emulator`, not waited for.
pub(super) fn bulk_command(dir: &Path, emulator: &Emulator, action: &str, input: &str, extra: &[&str]) -> Command {
    let base_url = emulator.base_url();
    let mut command = command(dir, Some((&base_url, emulator.api_key(), emulator.linked_account_id())));
    command.args(["bulk", "hubspot", action, "--input", input]);
    // Fast unless the test sets its own limit.
    if !extra.contains(&"--rate-limit") {
        command.args(["--rate-limit", "100000"]);
    }
    command.args(extra).stdin(Stdio::null());
    command
}

pub(super) fn bulk(dir: &Path, emulator: &Emulator, action: &str, input: &str, extra: &[&str]) -> Output {
    bulk_command(dir, emulator, action, input, extra)
        .output()
        .expect("the refold binary runs")
}

pub(super) fn spawn(dir: &Path, emulator: &Emulator, input: &str, extra: &[&str]) -> Child {
    bulk_command(dir, emulator, "create_contact", input, extra)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the refold binary starts")
}

pub(super) fn contacts_csv(rows: usize) -> String {
    let mut text = String::from("email,firstname\n");
    for n in 1..=rows {
        text.push_str(&format!("row{n}@example.com,Person {n}\n"));
    }
    text
}

/// The journal's row lines, parsed (the header and run lines left out).
pub(super) fn journal(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .filter(|line| !line.trim().is_empty())
        .map(|line| serde_json::from_str::<Value>(line).unwrap_or_else(|err| panic!("{line:?}: {err}")))
        .filter(|line| line.get("row").is_some())
        .collect()
}

/// Each row's last outcome.
pub(super) fn last_outcomes(entries: &[Value]) -> BTreeMap<u64, String> {
    entries
        .iter()
        .map(|e| (e["row"].as_u64().unwrap(), e["outcome"].as_str().unwrap().to_owned()))
        .collect()
}

pub(super) fn wait_for_lines(path: &Path, lines: usize) {
    let started = Instant::now();
    while journal(path).len() < lines {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "the journal never reached {lines} lines"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn five_hundred_rows_with_ten_percent_seeded_faults_every_row_ends_journaled() {
    let emulator = Emulator::start().await.unwrap();
    emulator.set_random_faults(
        0.1,
        42,
        vec![
            Fault::refold_error(503),
            Fault::refold_error(400),
            Fault::DropAfterExecute,
        ],
    );
    let dir = TempDir::new("bulk-faults");
    dir.write("contacts.csv", &contacts_csv(500));
    let output = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "contacts.csv",
        &["--concurrency", "16"],
    );
    // Some rows failed or may have run: the run says so in its exit code.
    assert_exit(&output, 14);
    let err = stderr(&output);
    assert_contains(&err, "journal: contacts.csv.journal.jsonl");
    let entries = journal(&dir.0.join("contacts.csv.journal.jsonl"));
    let outcomes = last_outcomes(&entries);
    assert_eq!(outcomes.len(), 500, "every row has a line");
    assert_eq!(
        outcomes.keys().copied().collect::<Vec<_>>(),
        (1..=500).collect::<Vec<_>>()
    );
    let mut by_outcome: HashMap<&str, usize> = HashMap::new();
    for outcome in outcomes.values() {
        assert_ne!(outcome, "sent", "a row was left in flight: {outcomes:?}");
        *by_outcome.entry(outcome.as_str()).or_default() += 1;
    }
    let succeeded = by_outcome.get("succeeded").copied().unwrap_or(0);
    assert!(succeeded >= 400, "{by_outcome:?}");
    assert!(by_outcome.get("failed").copied().unwrap_or(0) + by_outcome.get("unknown").copied().unwrap_or(0) > 0);
    assert_contains(&err, &format!("{succeeded} succeeded"));
    for entry in entries.iter().filter(|e| e["outcome"] == "succeeded") {
        assert!(entry["request_id"].is_string(), "{entry}");
        assert!(entry["record_id"].is_string(), "{entry}");
        assert_eq!(entry["may_have_executed"], false);
    }
    for entry in entries.iter().filter(|e| e["outcome"] == "unknown") {
        assert_eq!(entry["may_have_executed"], true, "{entry}");
        assert!(entry["error_kind"].is_string(), "{entry}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_with_sigkill_and_resumed_no_row_runs_twice_and_every_row_is_accounted_for() {
    const ROWS: usize = 2000;
    const CONCURRENCY: usize = 8;
    let emulator = Emulator::start().await.unwrap();
    // Slow enough to be killed partway.
    emulator.set_random_faults(1.0, 1, vec![Fault::Delay(Duration::from_millis(4))]);
    let dir = TempDir::new("bulk-kill");
    dir.write("contacts.csv", &contacts_csv(ROWS));
    let journal_path = dir.0.join("contacts.csv.journal.jsonl");
    let concurrency = CONCURRENCY.to_string();
    let mut child = spawn(&dir.0, &emulator, "contacts.csv", &["--concurrency", &concurrency]);
    wait_for_lines(&journal_path, 600);
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    let after_kill = last_outcomes(&journal(&journal_path));
    assert!(
        after_kill.len() < ROWS,
        "the run finished before the kill; slow it down"
    );

    emulator.set_random_faults(0.0, 0, vec![]);
    let output = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "contacts.csv",
        &["--concurrency", &concurrency, "--resume"],
    );
    let err = stderr(&output);
    let entries = journal(&journal_path);
    let outcomes = last_outcomes(&entries);

    // No email ran twice, by the emulator's own count.
    let mut runs: HashMap<String, usize> = HashMap::new();
    for run in emulator.executions() {
        *runs
            .entry(run.params["email"].as_str().unwrap().to_owned())
            .or_default() += 1;
    }
    let twice: Vec<_> = runs.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "executed twice: {twice:?}");

    // Every row succeeded exactly once, or is listed as unknown; at most the in-flight count unknown.
    let mut successes: HashMap<u64, usize> = HashMap::new();
    for entry in entries.iter().filter(|e| e["outcome"] == "succeeded") {
        *successes.entry(entry["row"].as_u64().unwrap()).or_default() += 1;
    }
    assert!(successes.values().all(|n| *n == 1), "a row succeeded twice");
    let unknown: Vec<u64> = outcomes
        .iter()
        .filter(|(_, outcome)| *outcome == "sent" || *outcome == "unknown")
        .map(|(row, _)| *row)
        .collect();
    assert_eq!(successes.len() + unknown.len(), ROWS, "{err}");
    assert!(
        unknown.len() <= CONCURRENCY,
        "{} unknown rows: {unknown:?}",
        unknown.len()
    );
    if unknown.is_empty() {
        assert_exit(&output, 0);
    } else {
        assert_exit(&output, 14);
        let listed: Vec<String> = unknown.iter().map(u64::to_string).collect();
        assert_contains(&err, &format!("rows {}", listed.join(", ")));
    }
    assert_contains(
        &err,
        &format!(
            "{} skipped (succeeded before)",
            after_kill.values().filter(|o| *o == "succeeded").count()
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigint_stops_sending_waits_for_the_requests_in_flight_and_completes_the_journal() {
    let emulator = Emulator::start().await.unwrap();
    emulator.set_random_faults(1.0, 3, vec![Fault::Delay(Duration::from_millis(20))]);
    let dir = TempDir::new("bulk-sigint");
    dir.write("contacts.csv", &contacts_csv(2000));
    let journal_path = dir.0.join("contacts.csv.journal.jsonl");
    let child = spawn(&dir.0, &emulator, "contacts.csv", &["--concurrency", "4"]);
    wait_for_lines(&journal_path, 40);
    let status = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
    let output = child.wait_with_output().unwrap();
    assert_exit(&output, 15);
    let err = stderr(&output);
    assert_contains(&err, "stopping: sending nothing new");
    assert_contains(&err, "journal: contacts.csv.journal.jsonl");
    let outcomes = last_outcomes(&journal(&journal_path));
    assert!(outcomes.len() < 2000, "the run finished before the signal");
    assert!(
        outcomes.values().all(|outcome| outcome == "succeeded"),
        "a row was left in flight or failed: {outcomes:?}"
    );
    assert_eq!(
        emulator.executed_count("hubspot", "create_contact") as usize,
        outcomes.len(),
        "every row sent is journaled as finished"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_input_is_refused_before_anything_is_sent_naming_every_bad_row() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("bulk-bad");
    dir.write(
        "deals.csv",
        "dealname,amount\nGood one,100\nExtra,5,field\nWrong type,ten\n,7\nAlso good,\n",
    );
    let output = bulk(&dir.0, &emulator, "create_deal", "deals.csv", &[]);
    assert_exit(&output, 6);
    let err = stderr(&output);
    assert_contains(
        &err,
        "deals.csv: the input was refused, nothing was sent: 3 problems in 5 rows",
    );
    assert_contains(&err, "deals.csv: row 2 (line 3): a malformed CSV line");
    assert_contains(&err, "deals.csv: row 3 (line 4): ");
    assert_contains(&err, "`amount` is a number parameter, and \"ten\" is not a JSON number");
    assert_contains(&err, "deals.csv: row 4 (line 5): ");
    assert_contains(&err, "the required parameter `dealname`");
    assert_eq!(emulator.executed_count("hubspot", "create_deal"), 0, "{err}");
    assert!(journal(&dir.0.join("deals.csv.journal.jsonl")).is_empty());

    // A missing required column, or one the action does not have: nothing is sent at all.
    dir.write("nameless.csv", "amount,colour\n5,red\n");
    let output = bulk(&dir.0, &emulator, "create_deal", "nameless.csv", &[]);
    assert_exit(&output, 6);
    let err = stderr(&output);
    assert_contains(&err, "the header row was refused, nothing was sent");
    assert_contains(&err, "the required column `dealname` is missing");
    assert_contains(&err, "column 2 `colour` is not a parameter of `hubspot/create_deal`");

    // JSON Lines: a value of the wrong type, a line that is not JSON, bytes that are not UTF-8.
    let mut lines = b"{\"dealname\":\"J\",\"amount\":5}\n{\"dealname\":\"K\",\"amount\":\"5\"}\nnot json\n".to_vec();
    lines.extend_from_slice(b"{\"dealname\":\"\xff\"}\n");
    std::fs::write(dir.0.join("deals.jsonl"), lines).unwrap();
    let output = bulk(&dir.0, &emulator, "create_deal", "deals.jsonl", &[]);
    assert_exit(&output, 6);
    let err = stderr(&output);
    assert_contains(&err, "deals.jsonl: row 2 (line 2): ");
    assert_contains(&err, "`amount` is a number parameter, but the JSON gives \"5\"");
    assert_contains(&err, "deals.jsonl: row 3 (line 3): not valid JSON");
    assert_contains(&err, "deals.jsonl: row 4 (line 4): not valid UTF-8");
    assert_eq!(emulator.executed_count("hubspot", "create_deal"), 0);

    // The refusal lists the first 20 bad rows and counts the rest.
    let mut many = String::from("dealname,amount\n");
    for n in 0..30 {
        many.push_str(&format!("Deal {n},x{n}\n"));
    }
    dir.write("many.csv", &many);
    let output = bulk(&dir.0, &emulator, "create_deal", "many.csv", &[]);
    assert_exit(&output, 6);
    let err = stderr(&output);
    assert_contains(&err, "30 problems in 30 rows");
    assert_contains(&err, "row 20 (line 21)");
    assert!(!err.contains("row 21 (line 22)"), "{err}");
    assert_contains(&err, "… and 10 more");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unclosed_quote_on_row_2_of_5_sends_nothing_and_names_its_line() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("bulk-quote");
    // The quote swallows the rest of the file; with three columns the field count is wrong.
    dir.write(
        "contacts.csv",
        "email,firstname,lastname\na@example.com,A,One\n\"b@example.com,B,Two\nc@example.com,C,Three\nd@example.com,D,Four\ne@example.com,E,Five\n",
    );
    let output = bulk(&dir.0, &emulator, "create_contact", "contacts.csv", &[]);
    assert_exit(&output, 6);
    let err = stderr(&output);
    assert_contains(
        &err,
        "contacts.csv: line 3: a quote opens a value here and is never closed",
    );
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0, "{err}");

    // Where the field count happens to fit (one column), the csv crate reports nothing at all:
    // the rest of the file would be one email. The pre-pass finds the quote itself.
    dir.write(
        "emails.csv",
        "email\na@example.com\n\"b@example.com\nc@example.com\nd@example.com\ne@example.com\n",
    );
    let output = bulk(&dir.0, &emulator, "create_contact", "emails.csv", &[]);
    assert_exit(&output, 6);
    let err = stderr(&output);
    assert_contains(
        &err,
        "emails.csv: line 3: a quote opens a value here and is never closed",
    );
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0, "{err}");
    let execute_requests = emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/execute"))
        .count();
    assert_eq!(execute_requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn resume_refuses_a_changed_row_and_a_second_run_without_resume() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("bulk-changed");
    dir.write("contacts.csv", &contacts_csv(5));
    let first = bulk(&dir.0, &emulator, "create_contact", "contacts.csv", &[]);
    assert_exit(&first, 0);

    let again = bulk(&dir.0, &emulator, "create_contact", "contacts.csv", &[]);
    assert_exit(&again, 2);
    assert_contains(&stderr(&again), "already holds a run: pass --resume");

    dir.write(
        "contacts.csv",
        &contacts_csv(6).replace("row3@example.com", "changed@example.com"),
    );
    let resumed = bulk(&dir.0, &emulator, "create_contact", "contacts.csv", &["--resume"]);
    assert_exit(&resumed, 14);
    let err = stderr(&resumed);
    assert_contains(&err, "row 3: changed since the journal was written");
    assert_contains(&err, "1 rows sent; 1 succeeded");
    assert_contains(&err, "4 skipped (succeeded before)");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 6);
    let runs: Vec<String> = emulator
        .executions()
        .iter()
        .map(|run| run.params["email"].as_str().unwrap().to_owned())
        .collect();
    assert!(!runs.contains(&"changed@example.com".to_owned()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unknown_rows_are_listed_not_resent_unless_resend_unknown_is_given() {
    let emulator = Emulator::start().await.unwrap();
    // The first row runs, then its reply is lost: its outcome is unknown to the client.
    emulator.inject_for("/execute", Fault::DropAfterExecute);
    let dir = TempDir::new("bulk-unknown");
    dir.write("contacts.csv", &contacts_csv(3));
    let first = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "contacts.csv",
        &["--concurrency", "1"],
    );
    assert_exit(&first, 14);
    assert_contains(&stderr(&first), "outcome unknown (the action may have run");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 3);

    let resumed = bulk(&dir.0, &emulator, "create_contact", "contacts.csv", &["--resume"]);
    assert_exit(&resumed, 14);
    let err = stderr(&resumed);
    assert_contains(&err, "0 rows sent");
    assert_contains(&err, "2 skipped (succeeded before)");
    assert_contains(&err, "rows 1\n");
    assert_eq!(
        emulator.executed_count("hubspot", "create_contact"),
        3,
        "the unknown row was not resent"
    );

    // Told to, it sends the row again: it had run, so HubSpot refuses the duplicate.
    let resent = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "contacts.csv",
        &["--resume", "--resend-unknown"],
    );
    assert_exit(&resent, 14);
    assert_contains(&stderr(&resent), "1 rows sent; 0 succeeded, 1 failed");
    let outcomes = last_outcomes(&journal(&dir.0.join("contacts.csv.journal.jsonl")));
    assert_eq!(outcomes[&1], "failed");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_row_past_16_mib_is_refused_and_nothing_is_sent() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("bulk-huge-row");
    let endless = "x".repeat(17 << 20);
    dir.write("endless.csv", &format!("email\nrow1@example.com\n\"{endless}"));
    let output = bulk(&dir.0, &emulator, "create_contact", "endless.csv", &[]);
    assert_exit(&output, 6);
    assert_contains(
        &stderr(&output),
        "the row starting on line 3 is longer than 16777216 bytes",
    );
    dir.write(
        "endless.jsonl",
        &format!("{{\"email\":\"row1@example.com\"}}\n{{\"email\":\"{endless}\"}}\n"),
    );
    let output = bulk(&dir.0, &emulator, "create_contact", "endless.jsonl", &[]);
    assert_exit(&output, 6);
    assert_contains(&stderr(&output), "endless.jsonl: line 2 is longer than 16777216 bytes");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);
}

#[cfg(unix)]
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pipe_as_input_is_read_once_into_a_spool_and_every_row_is_sent() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("bulk-fifo-input");
    let fifo = dir.0.join("rows.csv");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = std::thread::spawn(move || std::fs::write(fifo, contacts_csv(30)).unwrap());
    let output = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "rows.csv",
        &["--journal", "rows.journal.jsonl"],
    );
    writer.join().unwrap();
    assert_exit(&output, 0);
    assert_contains(&stderr(&output), "30 rows sent; 30 succeeded");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 30);
}
