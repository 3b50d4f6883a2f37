//! A snapshot path that is not a regular file (a FIFO, a link to `/dev/zero`) gives an error
//! naming the file, at once, in every command that reads snapshots, instead of blocking forever
//! or reading without end.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use refold_emulator::Emulator;

use super::{TWO_STRUCTS, TempDir, assert_contains, assert_exit, command, stderr};

/// Runs `refold args…` in `dir`, failing the test if it has not ended within 30 s (a hang).
fn refold_within(dir: &Path, emulator: &Emulator, args: &[&str]) -> Output {
    let base_url = emulator.base_url();
    let mut child = command(dir, Some((&base_url, emulator.api_key(), emulator.linked_account_id())))
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(30) {
            let _ = child.kill();
            panic!("`refold {}` hung on the snapshot", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fifo_or_a_link_to_dev_zero_as_a_snapshot_is_an_error_not_a_hang() {
    let emulator = Emulator::start().await.unwrap();
    let package = TempDir::package("snapshot-special", TWO_STRUCTS);
    package.write("contacts.csv", "email\nada@example.com\n");
    let snapshot = package.0.join(".refold/hubspot/create_contact.json");
    std::fs::create_dir_all(snapshot.parent().unwrap()).unwrap();

    let fifo = Command::new("mkfifo").arg(&snapshot).status().unwrap();
    assert!(fifo.success());
    let dev_zero = |snapshot: &Path| {
        std::fs::remove_file(snapshot).unwrap();
        std::os::unix::fs::symlink("/dev/zero", snapshot).unwrap();
    };
    for special in ["FIFO", "/dev/zero"] {
        if special == "/dev/zero" {
            dev_zero(&snapshot);
        }
        for args in [
            &[
                "exec",
                "hubspot",
                "create_contact",
                "email=ada@example.com",
                "--dry-run",
            ][..],
            &[
                "bulk",
                "hubspot",
                "create_contact",
                "--input",
                "contacts.csv",
                "--dry-run",
            ],
            &["prepare", "--check"],
        ] {
            let output = refold_within(&package.0, &emulator, args);
            let err = stderr(&output);
            assert_contains(&err, ".refold/hubspot/create_contact.json: it is not a regular file");
            assert_contains(&err, "a refold schema snapshot is a regular JSON file of at most 1 MiB");
            if args[0] != "prepare" {
                assert_exit(&output, 6);
            }
        }
    }
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 0);
}
