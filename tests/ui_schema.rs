//! `#[refold_action]` checked against schema snapshots at compile time: trybuild cases compiled
//! with `REFOLD_SCHEMA_DIR` pointing at fixture directories.
//!
//! trybuild runs cargo as a child process, which inherits this process's environment, and the
//! attribute reads `REFOLD_SCHEMA_DIR` while rustc expands it. Edition 2024 makes
//! `std::env::set_var` unsafe (and the workspace forbids unsafe code), so this test (a
//! `harness = false` target) starts itself again once per group of cases, with the variable set
//! on that child only (`Command::env`). The child runs trybuild on the group.
//!
//! | group | `REFOLD_SCHEMA_DIR` | cases |
//! |---|---|---|
//! | `snapshots` | `tests/ui/schema/snapshots` (snapshots of the emulator's catalogue, a synthetic `demo` app, broken files) | `tests/ui/schema/{pass,fail}/*.rs` |
//! | `missing_dir` | a directory that does not exist | `tests/ui/schema/missing_dir/*.rs` |
//! | `not_utf8` (Unix) | a path that is not UTF-8 | `tests/ui/schema/not_utf8/*.rs` |
//!
//! The other cases (`tests/ui.rs`) compile without a snapshot directory, so without checks: no
//! `.refold/` may exist above this repository's crates.
//!
//! Regenerate the expected errors with `TRYBUILD=overwrite cargo test --test ui_schema`, then
//! review the diff of every `.stderr` like code.

use std::ffi::OsString;
use std::path::Path;
use std::process::{Command, ExitCode};

/// Tells the child which group to run.
const GROUP_VAR: &str = "REFOLD_UI_SCHEMA_GROUP";
const SCHEMA_DIR_VAR: &str = "REFOLD_SCHEMA_DIR";

fn main() -> ExitCode {
    match std::env::var(GROUP_VAR) {
        Ok(group) => {
            run_group(&group);
            ExitCode::SUCCESS
        }
        Err(_) => run_children(),
    }
}

/// The groups, each with the `REFOLD_SCHEMA_DIR` its cases are compiled with.
fn groups() -> Vec<(&'static str, OsString)> {
    let snapshots = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/ui/schema/snapshots");
    let mut groups = vec![
        ("snapshots", snapshots.into_os_string()),
        ("missing_dir", OsString::from("/refold-schema-dir-that-does-not-exist")),
    ];
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStringExt;
        groups.push(("not_utf8", OsString::from_vec(b"/refold-schema-\xff".to_vec())));
    }
    groups
}

fn run_children() -> ExitCode {
    let exe = std::env::current_exe().expect("the test binary's path");
    let mut failed = Vec::new();
    for (group, schema_dir) in groups() {
        let status = Command::new(&exe)
            .env(GROUP_VAR, group)
            .env(SCHEMA_DIR_VAR, &schema_dir)
            .status()
            .expect("the test binary starts again");
        if !status.success() {
            failed.push(group);
        }
    }
    if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        eprintln!("schema ui groups failed: {failed:?}");
        ExitCode::FAILURE
    }
}

fn run_group(group: &str) {
    let (_, expected) = groups()
        .into_iter()
        .find(|(name, _)| *name == group)
        .unwrap_or_else(|| panic!("unknown group {group:?}"));
    assert_eq!(
        std::env::var_os(SCHEMA_DIR_VAR),
        Some(expected),
        "{SCHEMA_DIR_VAR} is set by the parent process"
    );
    let cases = trybuild::TestCases::new();
    match group {
        "snapshots" => {
            cases.pass("tests/ui/schema/pass/*.rs");
            cases.compile_fail("tests/ui/schema/fail/*.rs");
        }
        other => cases.compile_fail(format!("tests/ui/schema/{other}/*.rs")),
    }
}
