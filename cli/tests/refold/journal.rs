//! `refold bulk`'s journal under attack, with the real binary against the emulator: two
//! processes on one journal, a resume of another run, a torn last line, a full disk, SIGKILL
//! while rows wait for the rate limiter, and the resend rules for refused rows.

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use refold_emulator::{Emulator, Fault};
use serde_json::Value;

use super::bulk::{bulk, bulk_command, contacts_csv, journal, last_outcomes, spawn, wait_for_lines};
use super::{TempDir, assert_contains, assert_exit, command, stderr};

/// How many times each email reached the emulator's action.
fn runs_per_email(emulator: &Emulator) -> HashMap<String, usize> {
    let mut runs = HashMap::new();
    for run in emulator.executions() {
        *runs
            .entry(run.params["email"].as_str().unwrap_or_default().to_owned())
            .or_default() += 1;
    }
    runs
}

/// The emails of every execute request the emulator received (executed or not).
fn received_emails(emulator: &Emulator) -> BTreeSet<String> {
    emulator
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/execute"))
        .filter_map(|request| request.body_json().ok())
        .filter_map(|body| body["email"].as_str().map(str::to_owned))
        .collect()
}

fn row_email(row: u64) -> String {
    format!("row{row}@example.com")
}

/// `refold bulk <slug> <action> …` against `emulator`, run to completion.
fn bulk_of(dir: &Path, emulator: &Emulator, slug: &str, action: &str, args: &[&str]) -> Output {
    let base_url = emulator.base_url();
    command(dir, Some((&base_url, emulator.api_key(), emulator.linked_account_id())))
        .args(["bulk", slug, action])
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("the refold binary runs")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_run_on_a_journal_in_use_is_refused_at_once_and_every_email_runs_once() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("journal-lock");
    dir.write("c200.csv", &contacts_csv(200));
    let journal_path = dir.0.join("c200.csv.journal.jsonl");
    let rate = ["--resume", "--rate-limit", "100"];

    // As an overlapping cron job would: the second starts while the first is sending.
    let first = spawn(&dir.0, &emulator, "c200.csv", &rate);
    wait_for_lines(&journal_path, 5);
    let started = Instant::now();
    let second = bulk_command(&dir.0, &emulator, "create_contact", "c200.csv", &rate)
        .output()
        .unwrap();
    let refused_in = started.elapsed();
    assert_exit(&second, 16);
    let err = stderr(&second);
    assert_contains(&err, "--journal c200.csv.journal.jsonl: another `refold bulk` process");
    assert_contains(&err, &format!("(pid {})", first.id()));
    assert_contains(&err, "nothing was sent");
    let first = first.wait_with_output().unwrap();
    assert_exit(&first, 0);
    assert_contains(&stderr(&first), "200 rows sent; 200 succeeded, 0 failed");
    let runs = runs_per_email(&emulator);
    assert_eq!(runs.len(), 200);
    assert!(runs.values().all(|n| *n == 1), "an email ran twice: {runs:?}");
    eprintln!("the second process was refused in {refused_in:?}");

    // Both started at the same instant, on a fresh journal: one runs, the other is refused.
    let fresh = TempDir::new("journal-lock-race");
    fresh.write("c200.csv", &contacts_csv(200).replace("@example.com", "@race.example"));
    let racers: Vec<_> = (0..2).map(|_| spawn(&fresh.0, &emulator, "c200.csv", &rate)).collect();
    let ids: Vec<u32> = racers.iter().map(|child| child.id()).collect();
    let outputs: Vec<Output> = racers
        .into_iter()
        .map(|child| child.wait_with_output().unwrap())
        .collect();
    let mut codes: Vec<i32> = outputs.iter().map(|output| output.status.code().unwrap()).collect();
    codes.sort_unstable();
    assert_eq!(codes, [0, 16]);
    // Even at the same instant, the refused one names the other, from the lock file the holder
    // writes as soon as it holds the lock.
    let (winner, refused) = if outputs[0].status.code() == Some(0) {
        (0, 1)
    } else {
        (1, 0)
    };
    assert_contains(&stderr(&outputs[refused]), &format!("(pid {})", ids[winner]));
    let raced: Vec<usize> = runs_per_email(&emulator)
        .into_iter()
        .filter(|(email, _)| email.ends_with("@race.example"))
        .map(|(_, n)| n)
        .collect();
    assert_eq!(raced.len(), 200);
    assert!(raced.iter().all(|n| *n == 1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resume_of_another_action_app_or_linked_account_is_refused_and_sends_nothing() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("journal-mismatch");
    dir.write("c20.csv", &contacts_csv(20));
    let first = bulk(&dir.0, &emulator, "create_contact", "c20.csv", &[]);
    assert_exit(&first, 0);
    let header: Value = serde_json::from_str(
        std::fs::read_to_string(dir.0.join("c20.csv.journal.jsonl"))
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    assert_eq!(header["refold_bulk_journal"], 2);
    assert_eq!(header["slug"], "hubspot");
    assert_eq!(header["action_id"], "create_contact");
    assert_eq!(header["linked_account"]["id"], emulator.linked_account_id());
    assert!(header["input"].as_str().unwrap().ends_with("c20.csv"), "{header}");
    assert!(header["header_sha256"].is_string());
    assert!(header["cli_version"].is_string());
    let requests_before = emulator.requests().len();

    let other_action = bulk_of(
        &dir.0,
        &emulator,
        "hubspot",
        "create_deal",
        &["--input", "c20.csv", "--resume", "--no-schema"],
    );
    assert_exit(&other_action, 17);
    assert_contains(
        &stderr(&other_action),
        "the action: the journal's is create_contact, this run's is create_deal",
    );
    let other_app = bulk_of(
        &dir.0,
        &emulator,
        "salesforce",
        "create_contact",
        &["--input", "c20.csv", "--resume", "--no-schema"],
    );
    assert_exit(&other_app, 17);
    assert_contains(
        &stderr(&other_app),
        "the app: the journal's is hubspot, this run's is salesforce",
    );
    let other_account = bulk_of(
        &dir.0,
        &emulator,
        "hubspot",
        "create_contact",
        &[
            "--input",
            "c20.csv",
            "--resume",
            "--linked-account-id",
            "bob@example.com",
        ],
    );
    assert_exit(&other_account, 17);
    assert_contains(
        &stderr(&other_account),
        "this run's is linked account \"bob@example.com\"",
    );
    assert_eq!(emulator.executed_count("hubspot", "create_deal"), 0);
    assert_eq!(emulator.executed_count("salesforce", "create_contact"), 0);
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 20);
    let executes = emulator.requests()[requests_before..]
        .iter()
        .filter(|r| r.path.ends_with("/execute"))
        .count();
    assert_eq!(executes, 0);

    // Stdin has no file to keep a journal beside: it needs its own.
    let piped = bulk_of(
        &dir.0,
        &emulator,
        "hubspot",
        "get_contact",
        &["--input", "-", "--format", "csv"],
    );
    assert_exit(&piped, 2);
    assert_contains(&stderr(&piped), "--input - needs --journal FILE");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_409_row_keeps_its_evidence_is_not_resent_by_resume_and_is_resent_with_retry_failed() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("journal-409");
    dir.write("c3.csv", &contacts_csv(3));
    assert_exit(&bulk(&dir.0, &emulator, "create_contact", "c3.csv", &[]), 0);

    // The same contacts again, journaled apart: HubSpot refuses each as a duplicate.
    let again = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "c3.csv",
        &["--journal", "again.jsonl"],
    );
    assert_exit(&again, 14);
    let err = stderr(&again);
    assert_contains(&err, "3 rows sent; 0 succeeded, 3 failed");
    assert_contains(&err, "failed, by reason");
    assert_contains(&err, "the app answered 409: 3 (rows 1, 2, 3)");
    let entries = journal(&dir.0.join("again.jsonl"));
    let failed: Vec<&Value> = entries.iter().filter(|e| e["outcome"] == "failed").collect();
    assert_eq!(failed.len(), 3);
    for entry in failed {
        assert_eq!(entry["app_status"], 409, "{entry}");
        assert_eq!(entry["error_kind"], "app", "{entry}");
        assert!(entry["request_id"].is_string(), "{entry}");
        assert_contains(entry["reply"].as_str().unwrap(), "Existing ID");
        assert!(entry.get("resend").is_none(), "a 409 is not resent on its own: {entry}");
    }

    let resumed = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "c3.csv",
        &["--journal", "again.jsonl", "--resume"],
    );
    assert_exit(&resumed, 14);
    let err = stderr(&resumed);
    assert_contains(&err, "0 rows sent");
    assert_contains(&err, "3 not resent (refused before)");
    assert_contains(&err, "the app answered 409: 3 (rows 1, 2, 3)");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 6);

    let retried = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "c3.csv",
        &["--journal", "again.jsonl", "--resume", "--retry-failed"],
    );
    assert_exit(&retried, 14);
    assert_contains(&stderr(&retried), "3 rows sent; 0 succeeded, 3 failed");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 9);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn throttled_rows_certainly_not_run_are_resent_by_resume() {
    let emulator = Emulator::start().await.unwrap();
    // Every attempt of the first run is throttled, past the client's retries (3 attempts for
    // each of the 2 rows).
    for _ in 0..6 {
        emulator.inject_for("/execute", Fault::too_many_requests(0));
    }
    let dir = TempDir::new("journal-throttled");
    dir.write("c2.csv", &contacts_csv(2));
    let first = bulk(&dir.0, &emulator, "create_contact", "c2.csv", &["--concurrency", "1"]);
    assert_exit(&first, 14);
    assert_contains(&stderr(&first), "throttled by Refold (429): 2 (rows 1, 2)");
    let entries = journal(&dir.0.join("c2.csv.journal.jsonl"));
    assert!(
        entries
            .iter()
            .filter(|e| e["outcome"] == "failed")
            .all(|e| e["resend"] == true)
    );

    let resumed = bulk(&dir.0, &emulator, "create_contact", "c2.csv", &["--resume"]);
    assert_exit(&resumed, 0);
    assert_contains(&stderr(&resumed), "2 rows sent; 2 succeeded");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_with_a_torn_last_line_resumes_and_the_row_it_finished_is_unknown() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("journal-torn");
    dir.write("c5.csv", &contacts_csv(5));
    let path = dir.0.join("c5.csv.journal.jsonl");
    assert_exit(
        &bulk(&dir.0, &emulator, "create_contact", "c5.csv", &["--concurrency", "1"]),
        0,
    );
    // Cut the last line (row 5's "succeeded", after its "sent") in the middle, as a crash
    // mid-write would.
    let text = std::fs::read_to_string(&path).unwrap();
    let last_start = text.trim_end().rfind('\n').unwrap() + 1;
    assert!(text[last_start..].starts_with(r#"{"row":5,"#), "{text}");
    let torn_line = text.lines().count();
    std::fs::write(&path, &text[..last_start + 30]).unwrap();

    let resumed = bulk(&dir.0, &emulator, "create_contact", "c5.csv", &["--resume"]);
    assert_exit(&resumed, 14);
    let err = stderr(&resumed);
    assert_contains(
        &err,
        &format!(
            "line {torn_line} was cut off mid-write (a crash or a full disk) and was dropped; it finished row 5, which was sent, so row 5's outcome is unknown"
        ),
    );
    assert_contains(&err, "0 rows sent");
    assert_contains(&err, "4 skipped (succeeded before)");
    assert_contains(&err, "--resume --resend-unknown): rows 5\n");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 5);
    let repaired = std::fs::read_to_string(&path).unwrap();
    assert!(repaired.ends_with('\n'));
    for line in repaired.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|err| panic!("{line:?}: {err}"));
    }
}

/// A directory on a 64 KiB tmpfs, unmounted when dropped; `None` where mounting is not allowed.
struct SmallDisk(PathBuf);

impl SmallDisk {
    fn mount(name: &str) -> Option<SmallDisk> {
        let path = std::env::temp_dir().join(format!("refold-cli-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&path).ok()?;
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
            .arg(&path)
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        mounted.then_some(SmallDisk(path))
    }

    fn grow(&self) {
        let status = Command::new("mount")
            .args(["-o", "remount,size=8m"])
            .arg(&self.0)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.0).status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_stops_the_run_with_no_half_line_and_the_journal_resumes() {
    const ROWS: usize = 1000;
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("journal-enospc");
    dir.write("contacts.csv", &contacts_csv(ROWS));
    // A real full disk where the test may mount one; else a real write error all the same:
    // the file size limit (EFBIG), with SIGXFSZ ignored as a daemon would.
    let disk = SmallDisk::mount("journal-enospc-disk");
    let journal_path = match &disk {
        Some(disk) => disk.0.join("contacts.journal.jsonl"),
        None => dir.0.join("contacts.journal.jsonl"),
    };
    let journal_arg = journal_path.to_str().unwrap().to_owned();
    let args = ["--concurrency", "8", "--journal", &journal_arg];
    let first = match &disk {
        Some(_) => bulk(&dir.0, &emulator, "create_contact", "contacts.csv", &args),
        None => {
            let mut limited = Command::new("sh");
            let inner = bulk_command(&dir.0, &emulator, "create_contact", "contacts.csv", &args);
            limited
                .current_dir(&dir.0)
                .envs(inner.get_envs().filter_map(|(k, v)| Some((k, v?))))
                .arg("-c")
                .arg("trap '' XFSZ; exec prlimit --fsize=65536 -- \"$@\"")
                .arg("sh")
                .arg(inner.get_program())
                .args(inner.get_args());
            limited.output().unwrap()
        }
    };
    assert_exit(&first, 9);
    let err = stderr(&first);
    assert_contains(&err, "could not write the journal");
    assert_contains(&err, "the journal still ends at its last whole line");
    assert_contains(&err, "the run stopped");
    let text = std::fs::read_to_string(&journal_path).unwrap();
    assert!(
        text.ends_with('\n'),
        "a half line was left: {:?}",
        &text[text.len() - 40..]
    );
    let entries = journal(&journal_path);
    let sent_rows: BTreeSet<u64> = entries
        .iter()
        .filter(|e| e["outcome"] == "sent")
        .map(|e| e["row"].as_u64().unwrap())
        .collect();
    assert!(sent_rows.len() < ROWS, "the disk never filled");
    // Nothing went out without its "sent" line.
    let received = received_emails(&emulator);
    let journaled: BTreeSet<String> = sent_rows.iter().map(|row| row_email(*row)).collect();
    assert!(
        received.is_subset(&journaled),
        "sent without a journal line: {:?}",
        received.difference(&journaled).collect::<Vec<_>>()
    );
    let stopped_at = sent_rows.len();

    if let Some(disk) = &disk {
        disk.grow();
    }
    let resumed = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "contacts.csv",
        &["--concurrency", "8", "--journal", &journal_arg, "--resume"],
    );
    let err = stderr(&resumed);
    let outcomes = last_outcomes(&journal(&journal_path));
    let unknown: Vec<u64> = outcomes
        .iter()
        .filter(|(_, o)| *o == "sent" || *o == "unknown")
        .map(|(row, _)| *row)
        .collect();
    let succeeded = outcomes.values().filter(|o| *o == "succeeded").count();
    assert_eq!(succeeded + unknown.len(), ROWS, "{err}");
    let runs = runs_per_email(&emulator);
    assert!(runs.values().all(|n| *n == 1), "an email ran twice");
    assert_eq!(
        runs.len(),
        ROWS,
        "every row ran once, the unknown ones in the first run"
    );
    assert_exit(&resumed, if unknown.is_empty() { 0 } else { 14 });
    eprintln!(
        "write error ({}): stopped after {stopped_at} rows sent, {} unknown after resume, 0 duplicates",
        if disk.is_some() {
            "ENOSPC on a 64 KiB tmpfs"
        } else {
            "EFBIG from RLIMIT_FSIZE"
        },
        unknown.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rows_waiting_for_the_rate_limiter_at_a_sigkill_are_not_unknown_and_every_unknown_row_was_received() {
    const ROWS: usize = 60;
    let emulator = Emulator::start().await.unwrap();
    // Each request takes a while, so some are in flight when the kill comes.
    emulator.set_random_faults(1.0, 9, vec![Fault::Delay(Duration::from_millis(700))]);
    let dir = TempDir::new("journal-sigkill-limiter");
    dir.write("contacts.csv", &contacts_csv(ROWS));
    let journal_path = dir.0.join("contacts.csv.journal.jsonl");
    let mut child = bulk_command(
        &dir.0,
        &emulator,
        "create_contact",
        "contacts.csv",
        &["--concurrency", "16", "--rate-limit", "2"],
    )
    .stdout(Stdio::null())
    .stderr(Stdio::null())
    .spawn()
    .unwrap();
    wait_for_lines(&journal_path, 1);
    // About 2 s in, between two of the limiter's slots (every 0.5 s from the first send): a
    // kill at the very instant a slot opens lands in the one window no journal can close, the
    // microseconds (or, on a new connection, the TCP connect) between writing a row's "sent"
    // line and its bytes leaving.
    std::thread::sleep(Duration::from_millis(2250));
    child.kill().expect("SIGKILL");
    child.wait().unwrap();

    let after_kill = last_outcomes(&journal(&journal_path));
    let unknown: Vec<u64> = after_kill
        .iter()
        .filter(|(_, outcome)| *outcome == "sent")
        .map(|(row, _)| *row)
        .collect();
    // The emulator records a request once it has read it: give requests already on the wire a
    // moment to be read (a loaded machine can be slow to schedule the emulator).
    let settle = Instant::now();
    let missing = loop {
        let received = received_emails(&emulator);
        let missing: Vec<u64> = unknown
            .iter()
            .copied()
            .filter(|row| !received.contains(&row_email(*row)))
            .collect();
        if missing.is_empty() || settle.elapsed() > Duration::from_secs(5) {
            break missing;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(
        missing.is_empty(),
        "rows {missing:?} are listed as unknown but the emulator never received them (unknown: {unknown:?})"
    );
    assert!(after_kill.len() < ROWS, "the run finished before the kill");
    eprintln!(
        "SIGKILL at 2.25 s, --rate-limit 2 --concurrency 16: {} rows journaled sent, {} unknown, all {} received",
        after_kill.len(),
        unknown.len(),
        unknown.len()
    );

    emulator.set_random_faults(0.0, 0, vec![]);
    let resumed = bulk(&dir.0, &emulator, "create_contact", "contacts.csv", &["--resume"]);
    let err = stderr(&resumed);
    let outcomes = last_outcomes(&journal(&journal_path));
    let runs = runs_per_email(&emulator);
    assert!(runs.values().all(|n| *n == 1), "an email ran twice: {runs:?}");
    for row in 1..=ROWS as u64 {
        match outcomes.get(&row).map(String::as_str) {
            Some("succeeded") => assert_eq!(runs.get(&row_email(row)), Some(&1)),
            Some("sent") => assert!(unknown.contains(&row), "row {row}"),
            other => panic!("row {row} ended as {other:?}:\n{err}"),
        }
    }
    assert_exit(&resumed, if unknown.is_empty() { 0 } else { 14 });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dry_run_checks_the_input_previews_the_first_request_and_sends_nothing() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("bulk-dry-run");
    dir.write("c3.csv", &contacts_csv(3));
    let output = bulk(&dir.0, &emulator, "create_contact", "c3.csv", &["--dry-run"]);
    assert_exit(&output, 0);
    let out = String::from_utf8_lossy(&output.stdout);
    assert_contains(&out, "3 rows, all valid");
    assert_contains(&out, "POST ");
    assert_contains(&out, r#""email":"row1@example.com""#);
    assert!(!out.contains(emulator.api_key()), "{out}");
    assert_contains(&stderr(&output), "dry run: nothing was sent");
    assert!(!dir.0.join("c3.csv.journal.jsonl").exists());

    dir.write("bad.csv", "email,firstname\nrow1@example.com,\"Ada\n");
    let output = bulk(&dir.0, &emulator, "create_contact", "bad.csv", &["--dry-run"]);
    assert_exit(&output, 6);
    assert_contains(
        &stderr(&output),
        "line 2: a quote opens a value here and is never closed",
    );
    let executes = emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/execute"))
        .count();
    assert_eq!(executes, 0);
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);

    // Without a schema to fetch, a dry run makes no request at all, good input or bad.
    emulator.clear_requests();
    let good = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "c3.csv",
        &["--dry-run", "--no-schema"],
    );
    assert_exit(&good, 0);
    let bad = bulk(
        &dir.0,
        &emulator,
        "create_contact",
        "bad.csv",
        &["--dry-run", "--no-schema"],
    );
    assert_exit(&bad, 6);
    assert!(emulator.requests().is_empty(), "{:?}", emulator.requests());
}
