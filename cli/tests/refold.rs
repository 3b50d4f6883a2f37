//! The real `refold` binary, run as a separate process against an emulator the test starts.

use std::io::{BufRead, BufReader, Lines, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{ChildStdout, Command, Output, Stdio};

use refold_emulator::{Emulator, Fault};
use refold_snapshot::{ParamType, Parameter, Snapshot, SnapshotDir};

#[path = "refold/bulk.rs"]
mod bulk;
#[path = "refold/customers.rs"]
mod customers;
#[path = "refold/journal.rs"]
mod journal;
#[path = "refold/messages.rs"]
mod messages;
#[cfg(unix)]
#[path = "refold/snapshot_files.rs"]
mod snapshot_files;
#[path = "refold/values.rs"]
mod values;
#[path = "refold/webhooks.rs"]
mod webhooks;

const BIN: &str = env!("CARGO_BIN_EXE_refold");

/// A throwaway directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!("refold-cli-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        TempDir(path)
    }

    /// A Cargo package `demo` whose `src/lib.rs` is `lib`.
    fn package(name: &str, lib: &str) -> Self {
        let dir = TempDir::new(name);
        std::fs::write(
            dir.0.join("Cargo.toml"),
            "[package]\nname = \"demo\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
        )
        .unwrap();
        dir.write("src/lib.rs", lib);
        dir
    }

    fn write(&self, relative: &str, text: &str) {
        let path = self.0.join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    fn read(&self, relative: &str) -> Vec<u8> {
        std::fs::read(self.0.join(relative)).unwrap_or_else(|err| panic!("{relative}: {err}"))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `refold` in `cwd`, with no REFOLD_* variable but the credentials and base URL of
/// `emulator` (when given).
fn command(cwd: &Path, emulator: Option<(&str, &str, &str)>) -> Command {
    let mut command = Command::new(BIN);
    command.current_dir(cwd);
    for name in [
        "REFOLD_API_KEY",
        "REFOLD_LINKED_ACCOUNT_ID",
        "REFOLD_SESSION_TOKEN",
        "REFOLD_BASE_URL",
        "REFOLD_SCHEMA_DIR",
    ] {
        command.env_remove(name);
    }
    if let Some((base_url, api_key, linked_account_id)) = emulator {
        command
            .env("REFOLD_BASE_URL", base_url)
            .env("REFOLD_API_KEY", api_key)
            .env("REFOLD_LINKED_ACCOUNT_ID", linked_account_id);
    }
    command
}

/// `refold args…` in `cwd` against `emulator`, run to completion.
fn refold(cwd: &Path, emulator: Option<&Emulator>, args: &[&str]) -> Output {
    let base_url = emulator.map(Emulator::base_url);
    let target = emulator
        .zip(base_url.as_deref())
        .map(|(emulator, url)| (url, emulator.api_key(), emulator.linked_account_id()));
    command(cwd, target)
        .args(args)
        .output()
        .expect("the refold binary runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[track_caller]
fn assert_exit(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

#[track_caller]
fn assert_contains(text: &str, expected: &str) {
    assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
}

const TWO_STRUCTS: &str = r#"
use refold::refold_action;

#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    pub email: String,
}

#[refold::refold_action(slug = "hubspot", id = "get_contact")]
pub struct GetContact {
    pub email: String,
}
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn actions_prints_a_table_and_json() {
    let emulator = Emulator::start().await.unwrap();
    let here = TempDir::new("actions");

    let table = refold(&here.0, Some(&emulator), &["actions", "hubspot"]);
    assert_exit(&table, 0);
    let text = stdout(&table);
    let mut lines = text.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with("ACTION_ID"), "{text}");
    assert!(header.contains("NAME") && header.contains("DESCRIPTION"), "{text}");
    assert!(lines.next().unwrap().starts_with("---"), "{text}");
    assert!(
        text.lines()
            .any(|line| line.starts_with("create_contact ") && line.contains("Create Contact")),
        "{text}"
    );

    let json = refold(&here.0, Some(&emulator), &["actions", "hubspot", "--json"]);
    assert_exit(&json, 0);
    let list: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    let ids: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|action| action["action_id"].as_str().unwrap())
        .collect();
    assert!(
        ids.contains(&"create_contact") && ids.contains(&"get_contact"),
        "{ids:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn params_prints_a_table_and_json_and_a_404_names_the_request_id() {
    let emulator = Emulator::start().await.unwrap();
    let here = TempDir::new("params");

    let table = refold(&here.0, Some(&emulator), &["params", "hubspot", "create_contact"]);
    assert_exit(&table, 0);
    let text = stdout(&table);
    assert!(text.starts_with("NAME "), "{text}");
    let email = text.lines().find(|line| line.starts_with("email ")).expect(&text);
    let cells: Vec<&str> = email.split_whitespace().collect();
    assert_eq!(cells[..3], ["email", "text", "yes"], "{text}");
    assert!(email.ends_with("Enter Email"), "{text}");

    let json = refold(
        &here.0,
        Some(&emulator),
        &["params", "hubspot", "create_contact", "--json"],
    );
    assert_exit(&json, 0);
    let params: serde_json::Value = serde_json::from_slice(&json.stdout).unwrap();
    assert_eq!(
        params[2],
        serde_json::json!({ "name": "email", "label": "Enter Email", "required": true, "type": "text" })
    );

    let missing = refold(&here.0, Some(&emulator), &["params", "hubspot", "launch_rocket"]);
    assert_exit(&missing, 5);
    let message = stderr(&missing);
    assert!(
        message.starts_with("error: fetching the parameters of `hubspot/launch_rocket`"),
        "{message}"
    );
    assert!(message.contains("(request id "), "{message}");
}

#[test]
fn missing_credentials_are_an_error_naming_the_variables() {
    let here = TempDir::new("nocreds");
    let output = refold(&here.0, None, &["actions", "hubspot"]);
    assert_exit(&output, 3);
    let message = stderr(&output);
    assert!(message.contains("REFOLD_API_KEY"), "{message}");
    assert!(message.contains("REFOLD_SESSION_TOKEN"), "{message}");
    assert!(stdout(&output).is_empty());

    let key_only = command(&here.0, None)
        .args([
            "params",
            "hubspot",
            "create_contact",
            "--base-url",
            "http://127.0.0.1:9",
        ])
        .env("REFOLD_API_KEY", "tk_example")
        .output()
        .unwrap();
    assert_exit(&key_only, 3);
    assert_contains(&stderr(&key_only), "REFOLD_LINKED_ACCOUNT_ID");
}

#[test]
fn help_version_and_usage_errors() {
    let here = TempDir::new("help");
    let help = refold(&here.0, None, &["--help"]);
    assert_exit(&help, 0);
    let text = stdout(&help);
    assert!(text.contains("Exit codes:"), "{text}");
    assert!(text.contains(" 1  `prepare --check`"), "{text}");
    for command in [
        "actions", "params", "prepare", "codegen", "exec", "bulk", "emulator", "accounts", "apps", "connect",
        "webhooks",
    ] {
        let help = refold(&here.0, None, &[command, "--help"]);
        assert_exit(&help, 0);
        assert!(stdout(&help).contains("Examples:"), "{command}: {}", stdout(&help));
    }
    let exec_help = stdout(&refold(&here.0, None, &["exec", "--help"]));
    for line in [
        "10  exec: the app reported the action failed",
        "11  exec: throttled",
        "12  exec: outcome unknown, the action may have run",
        "13  exec: parameters refused, nothing ran",
    ] {
        assert_contains(&exec_help, line);
    }
    let bulk_help = stdout(&refold(&here.0, None, &["bulk", "--help"]));
    for line in [
        "16  bulk: another refold bulk process is using the journal",
        "17  bulk --resume: the journal is of another app, action, linked account or input",
        "are not sent again unless --retry-failed is given",
        "--dry-run",
    ] {
        assert_contains(&bulk_help, line);
    }
    let version = refold(&here.0, None, &["--version"]);
    assert_exit(&version, 0);
    assert_eq!(stdout(&version).trim(), format!("refold {}", env!("CARGO_PKG_VERSION")));

    let unknown = refold(&here.0, None, &["prepare", "--chek"]);
    assert_exit(&unknown, 2);
    assert!(
        stderr(&unknown).contains("--check"),
        "a suggestion: {}",
        stderr(&unknown)
    );
    let missing = refold(&here.0, None, &["params", "hubspot"]);
    assert_exit(&missing, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepare_writes_snapshots_and_a_rerun_leaves_the_same_bytes() {
    let emulator = Emulator::start().await.unwrap();
    let package = TempDir::package("prepare", TWO_STRUCTS);

    let first = refold(&package.0, Some(&emulator), &["prepare"]);
    assert_exit(&first, 0);
    let report = stdout(&first);
    assert!(
        report.contains("created    .refold/hubspot/create_contact.json"),
        "{report}"
    );
    assert!(
        report.contains("created    .refold/hubspot/get_contact.json"),
        "{report}"
    );
    assert!(
        report.contains("2 snapshots: 2 created, 0 updated, 0 unchanged, 0 removed."),
        "{report}"
    );

    let bytes = package.read(".refold/hubspot/create_contact.json");
    let snapshot = Snapshot::from_slice(&bytes).unwrap();
    assert_eq!(snapshot.name, "Create Contact");
    assert!(
        snapshot.description.starts_with("Creates a contact"),
        "{}",
        snapshot.description
    );
    let email = snapshot.parameter("email").unwrap();
    assert!(email.required);
    assert_eq!(email.label.as_deref(), Some("Enter Email"));
    assert_eq!(snapshot.parameters[0].name, "firstname", "the API's order is kept");
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        !text.contains("127.0.0.1") && !text.contains(emulator.api_key()),
        "{text}"
    );

    let again = refold(&package.0, Some(&emulator), &["prepare"]);
    assert_exit(&again, 0);
    assert_contains(&stdout(&again), "unchanged  .refold/hubspot/create_contact.json");
    assert_contains(&stdout(&again), "0 created, 0 updated, 2 unchanged");
    assert_eq!(
        package.read(".refold/hubspot/create_contact.json"),
        bytes,
        "byte-identical"
    );

    let check = refold(&package.0, Some(&emulator), &["prepare", "--check"]);
    assert_exit(&check, 0);
    assert_contains(&stdout(&check), "All 2 snapshots match the live schemas.");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepare_app_snapshots_every_action_of_the_app() {
    let emulator = Emulator::start().await.unwrap();
    let package = TempDir::package("app", "pub fn nothing_here() {}\n");

    let output = refold(&package.0, Some(&emulator), &["prepare", "--app", "salesforce"]);
    assert_exit(&output, 0);
    let written = SnapshotDir::new(package.0.join(".refold")).list().unwrap();
    let listed = refold(&package.0, Some(&emulator), &["actions", "salesforce", "--json"]);
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let mut expected: Vec<(String, String)> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|action| {
            (
                "salesforce".to_owned(),
                action["action_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    expected.sort();
    assert_eq!(written, expected);
    assert!(
        stdout(&output).contains(&format!("{} created", expected.len())),
        "{}",
        stdout(&output)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_fails_with_a_diff_when_the_live_schema_drifted_and_writes_nothing() {
    let original = Emulator::start().await.unwrap();
    let package = TempDir::package("check", TWO_STRUCTS);
    assert_exit(&refold(&package.0, Some(&original), &["prepare"]), 0);
    let before = package.read(".refold/hubspot/create_contact.json");

    // The same actions, as HubSpot might change them: `phone` became required and a number,
    // `website` went away, `lastname` gained a label, and `mobile` is new.
    let live = TempDir::new("check-live");
    let mut changed = Snapshot::from_slice(&before).unwrap();
    changed.parameters.retain(|p| p.name != "website");
    for parameter in &mut changed.parameters {
        match parameter.name.as_str() {
            "phone" => {
                parameter.required = true;
                parameter.param_type = ParamType::Number;
            }
            "lastname" => parameter.label = Some("Family Name".into()),
            _ => {}
        }
    }
    changed.parameters.push(Parameter::new("mobile", ParamType::Text));
    SnapshotDir::new(&live.0).write(&changed).unwrap();
    let drifted = Emulator::builder().schema_dir(&live.0).start().await.unwrap();

    let check = refold(&package.0, Some(&drifted), &["prepare", "--check"]);
    assert_exit(&check, 1);
    let diff = stdout(&check);
    for expected in [
        "drift      hubspot/create_contact: the live schema differs from .refold/hubspot/create_contact.json",
        "    ~ parameter `lastname`: label \"Enter Last Name\" -> \"Family Name\"",
        "    ~ parameter `phone`: optional -> required",
        "    ~ parameter `phone`: type text -> number",
        "    + parameter `mobile` added (text, optional)",
        "    - parameter `website` removed (was text, optional, label \"Enter Website URL\")",
        "    used by `CreateContact` at src/lib.rs:4:1",
        "ok         hubspot/get_contact",
    ] {
        assert!(diff.contains(expected), "missing {expected:?} in:\n{diff}");
    }
    assert_contains(&stderr(&check), "1 of 2 snapshots are missing, out of date or unused");
    assert_eq!(
        package.read(".refold/hubspot/create_contact.json"),
        before,
        "--check writes nothing"
    );

    // A struct whose action has no snapshot yet fails the check too.
    package.write(
        "src/deal.rs",
        "#[refold::refold_action(slug = \"hubspot\", id = \"create_deal\")]\npub struct CreateDeal { pub dealname: String }\n",
    );
    let missing = refold(&package.0, Some(&original), &["prepare", "--check"]);
    assert_exit(&missing, 1);
    assert_contains(
        &stdout(&missing),
        "missing    hubspot/create_deal: no snapshot at .refold/hubspot/create_deal.json",
    );
    assert_contains(&stdout(&missing), "used by `CreateDeal` at src/deal.rs:1:1");
    assert!(!package.0.join(".refold/hubspot/create_deal.json").exists());

    // A file that is not a snapshot any more is drift too, and `prepare` repairs it.
    std::fs::write(
        package.0.join(".refold/hubspot/get_contact.json"),
        b"{ \"format_version\": 1,",
    )
    .unwrap();
    let corrupt = refold(&package.0, Some(&original), &["prepare", "--check"]);
    assert_exit(&corrupt, 1);
    assert_contains(&stdout(&corrupt), "unreadable hubspot/get_contact: ");
    assert_contains(&stdout(&corrupt), "get_contact.json: corrupt refold schema snapshot");
    let repaired = refold(&package.0, Some(&original), &["prepare"]);
    assert_exit(&repaired, 0);
    assert_contains(&stdout(&repaired), "updated    .refold/hubspot/get_contact.json");
    assert_contains(&stdout(&repaired), "created    .refold/hubspot/create_deal.json");
    assert_exit(&refold(&package.0, Some(&original), &["prepare", "--check"]), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prune_removes_snapshots_no_struct_uses() {
    let emulator = Emulator::start().await.unwrap();
    let package = TempDir::package("prune", TWO_STRUCTS);
    assert_exit(&refold(&package.0, Some(&emulator), &["prepare"]), 0);

    package.write(
        "src/lib.rs",
        "#[refold::refold_action(slug = \"hubspot\", id = \"get_contact\")]\npub struct GetContact { pub email: String }\n",
    );
    // Without --prune nothing is removed.
    assert_exit(&refold(&package.0, Some(&emulator), &["prepare"]), 0);
    assert!(package.0.join(".refold/hubspot/create_contact.json").exists());

    let check = refold(&package.0, Some(&emulator), &["prepare", "--check", "--prune"]);
    assert_exit(&check, 1);
    assert!(
        stdout(&check)
            .contains("unused     hubspot/create_contact (.refold/hubspot/create_contact.json): no struct uses it"),
        "{}",
        stdout(&check)
    );

    let prune = refold(&package.0, Some(&emulator), &["prepare", "--prune"]);
    assert_exit(&prune, 0);
    assert_contains(&stdout(&prune), "removed    .refold/hubspot/create_contact.json");
    assert_contains(
        &stdout(&prune),
        "1 snapshots: 0 created, 0 updated, 1 unchanged, 1 removed.",
    );
    assert_eq!(
        SnapshotDir::new(package.0.join(".refold")).list().unwrap(),
        [("hubspot".to_owned(), "get_contact".to_owned())]
    );
    assert_exit(
        &refold(&package.0, Some(&emulator), &["prepare", "--check", "--prune"]),
        0,
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn prepare_outside_a_package_and_with_an_unknown_action_fail_distinctly() {
    let emulator = Emulator::start().await.unwrap();
    let nowhere = TempDir::new("nowhere");
    let output = refold(&nowhere.0, Some(&emulator), &["prepare"]);
    assert_exit(&output, 6);
    assert_contains(&stderr(&output), "not inside a Cargo package");

    let package = TempDir::package(
        "unknown",
        "#[refold::refold_action(slug = \"hubspot\", id = \"launch_rocket\")]\npub struct Launch {}\n",
    );
    let output = refold(&package.0, Some(&emulator), &["prepare"]);
    assert_exit(&output, 5);
    let message = stderr(&output);
    assert!(message.contains("hubspot/launch_rocket"), "{message}");
    assert!(message.contains("used by `Launch` at src/lib.rs:1:1"), "{message}");
    assert!(message.contains("request id"), "{message}");
    assert!(!package.0.join(".refold").exists(), "nothing is written");
}

#[test]
fn the_emulator_command_serves_snapshots_strictly_and_logs_each_request() {
    let schemas = TempDir::new("emulator-schemas");
    SnapshotDir::new(&schemas.0)
        .write(
            &Snapshot::new("acme", "ping")
                .with_name("Ping")
                .with_parameters(vec![Parameter::new("message", ParamType::Text).with_required(true)]),
        )
        .unwrap();
    let (mut child, base_url, _stdout) = spawn_emulator(
        Command::new(BIN)
            .args(["emulator", "--port", "0", "--strict", "--schema-dir"])
            .arg(&schemas.0)
            .stderr(Stdio::piped()),
    );

    let here = TempDir::new("emulator-client");
    let listed = command(
        &here.0,
        Some((
            &base_url,
            refold_emulator::DEFAULT_API_KEY,
            refold_emulator::DEFAULT_LINKED_ACCOUNT_ID,
        )),
    )
    .args(["actions", "acme", "--json"])
    .output()
    .unwrap();
    assert_exit(&listed, 0);
    let list: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(list[0]["action_id"], "ping");

    let reply = post(
        &base_url,
        "/api/v2/integration-schema/acme/actions/ping/execute",
        r#"{"message":"hi","mesage":"typo"}"#,
    );
    assert!(reply.starts_with("HTTP/1.1 400"), "{reply}");
    assert!(reply.contains("Unknown parameter 'mesage'"), "{reply}");

    child.0.kill().unwrap();
    child.0.wait().unwrap();
    let mut log = String::new();
    child.0.stderr.take().unwrap().read_to_string(&mut log).unwrap();
    let lines: Vec<&str> = log.lines().collect();
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("GET /api/v2/integration-schema/acme/actions 200 request_id=")),
        "{log}"
    );
    assert!(
        lines
            .iter()
            .any(|line| line.starts_with("POST /api/v2/integration-schema/acme/actions/ping/execute 400 request_id=")),
        "{log}"
    );
    assert!(
        !log.contains(refold_emulator::DEFAULT_API_KEY),
        "no secret in the log: {log}"
    );
}

/// `refold emulator` is `refold-emulator`'s own command line: it takes the same flags, the rate
/// limit included, and refuses a schema directory that is not there with the same exit code (6,
/// local input unusable) and message.
#[test]
fn the_emulator_command_takes_a_rate_limit_and_refuses_a_missing_schema_dir() {
    let (mut child, base_url, _stdout) = spawn_emulator(
        Command::new(BIN)
            .args(["emulator", "--port", "0", "--rate-limit", "1/1"])
            .stderr(Stdio::null()),
    );
    let path = "/api/v2/integration-schema/hubspot/actions/get_contact/execute";
    let first = post(&base_url, path, r#"{"email":"ada@example.com"}"#);
    assert!(first.starts_with("HTTP/1.1 200"), "{first}");
    let second = post(&base_url, path, r#"{"email":"ada@example.com"}"#);
    assert!(second.starts_with("HTTP/1.1 429"), "a burst of 1: {second}");
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    let here = TempDir::new("emulator-no-schemas");
    let missing = here.0.join("no-such-dir");
    let refused = Command::new(BIN)
        .args(["emulator", "--port", "0", "--schema-dir"])
        .arg(&missing)
        .output()
        .unwrap();
    assert_exit(&refused, 6);
    assert!(stderr(&refused).contains("no-such-dir"), "{}", stderr(&refused));
}

/// Starts `refold emulator` as `command` says, with its stdout piped, and reads its base URL
/// from the `REFOLD_BASE_URL=` line it prints. The rest of its stdout is returned, open: the
/// emulator goes on printing after that line.
fn spawn_emulator(command: &mut Command) -> (KillOnDrop, String, Lines<BufReader<ChildStdout>>) {
    let mut child = KillOnDrop(command.stdout(Stdio::piped()).spawn().unwrap());
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let base_url = loop {
        let line = lines.next().expect("the emulator prints its base URL").unwrap();
        if let Some(url) = line.trim().strip_prefix("REFOLD_BASE_URL=") {
            break url.to_owned();
        }
    };
    (child, base_url, lines)
}

/// A child process that is killed if the test fails before it does so itself.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_members_share_the_root_schema_dir_and_pruning_one_spares_the_other() {
    let emulator = Emulator::start().await.unwrap();
    let root = TempDir::new("workspace");
    root.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"app\", \"jobs\"]\nresolver = \"3\"\n",
    );
    for (member, action) in [("app", "create_contact"), ("jobs", "get_contact")] {
        root.write(
            &format!("{member}/Cargo.toml"),
            &format!("[package]\nname = \"{member}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n"),
        );
        root.write(
            &format!("{member}/src/lib.rs"),
            &format!("#[refold::refold_action(slug = \"hubspot\", id = \"{action}\")]\npub struct Action {{}}\n"),
        );
    }

    let all = refold(&root.0, Some(&emulator), &["prepare", "--workspace"]);
    assert_exit(&all, 0);
    assert_contains(&stdout(&all), "created    .refold/hubspot/create_contact.json");
    assert_contains(&stdout(&all), "created    .refold/hubspot/get_contact.json");

    // From inside one member, the nearest .refold/ is the root's, and the other member's
    // snapshot is still in use there.
    let app = root.0.join("app");
    let prune = refold(&app, Some(&emulator), &["prepare", "--prune"]);
    assert_exit(&prune, 0);
    assert_contains(&stdout(&prune), "unchanged  ../.refold/hubspot/create_contact.json");
    assert!(!stdout(&prune).contains("removed    "), "{}", stdout(&prune));
    assert!(root.0.join(".refold/hubspot/get_contact.json").exists());
    assert!(!app.join(".refold").exists());

    // REFOLD_SCHEMA_DIR overrides the search, relative to the package.
    let base_url = emulator.base_url();
    let explicit = command(
        &app,
        Some((&base_url, emulator.api_key(), emulator.linked_account_id())),
    )
    .env("REFOLD_SCHEMA_DIR", "schemas")
    .arg("prepare")
    .output()
    .unwrap();
    assert_exit(&explicit, 0);
    assert!(
        app.join("schemas/hubspot/create_contact.json").exists(),
        "{}",
        stdout(&explicit)
    );
}

/// A bare HTTP/1.1 POST with the emulator's default credentials; the whole reply as text.
fn post(base_url: &str, path: &str, body: &str) -> String {
    let address = base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).unwrap();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nhost: {address}\r\nx-api-key: {}\r\nlinked_account_id: {}\r\n\
         content-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        refold_emulator::DEFAULT_API_KEY,
        refold_emulator::DEFAULT_LINKED_ACCOUNT_ID,
        body.len()
    )
    .unwrap();
    let mut reply = String::new();
    stream.read_to_string(&mut reply).unwrap();
    reply
}

/// The crate that compiles the generated code (see its `src/lib.rs`).
fn generated_crate() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/generated")
}

/// With `REFOLD_BLESS=1`, golden files are rewritten instead of compared.
fn bless() -> bool {
    std::env::var_os("REFOLD_BLESS").is_some_and(|value| value == "1")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codegen_of_the_emulator_catalogues_matches_the_golden_files() {
    let emulator = Emulator::start().await.unwrap();
    let golden = generated_crate();

    // The golden crate's snapshots are the emulator's live schemas, written by `refold prepare`.
    let prepare: &[&str] = if bless() {
        &["prepare", "--app", "hubspot", "--app", "salesforce"]
    } else {
        &["prepare", "--check", "--app", "hubspot", "--app", "salesforce"]
    };
    let prepared = refold(&golden, Some(&emulator), prepare);
    assert_exit(&prepared, 0);

    // Generated from a copy of them (and of the hand-written `demo` app's, whose names collide),
    // as `refold codegen <app> --out src/<app>.rs` in that crate.
    let work = TempDir::new("codegen-golden");
    copy_dir(&golden.join(".refold"), &work.0.join(".refold"));
    for app in ["hubspot", "salesforce", "demo"] {
        let out = format!("src/{app}.rs");
        let output = refold(&work.0, None, &["codegen", app, "--out", &out]);
        assert_exit(&output, 0);
        assert!(stdout(&output).is_empty(), "{}", stdout(&output));
        assert_contains(&stderr(&output), &format!("structs to {out}"));
        let generated = work.read(&out);
        let golden_file = golden.join(&out);
        if bless() {
            std::fs::write(&golden_file, &generated).unwrap();
            continue;
        }
        let expected = std::fs::read(&golden_file).unwrap();
        assert!(
            generated == expected,
            "`refold codegen {app}` differs from {}; if the change is intended, run \
             `REFOLD_BLESS=1 cargo test -p refold-cli --test refold codegen` and review the diff.\n\
             generated:\n{}",
            golden_file.display(),
            String::from_utf8_lossy(&generated)
        );
        // Deterministic: the same input, the same bytes, on stdout as in the file.
        let again = refold(&work.0, None, &["codegen", app, "--out", &out]);
        assert_eq!(work.read(&out), expected);
        assert_exit(&again, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn codegen_names_types_flags_and_errors() {
    let emulator = Emulator::start().await.unwrap();
    let here = TempDir::new("codegen-flags");
    SnapshotDir::new(here.0.join(".refold"))
        .write(
            &Snapshot::new("acme", "find_orders")
                .with_name("Find Orders")
                .with_description("Finds orders.\n    Indented, not code.")
                .with_parameters(vec![
                    Parameter::new("Email", ParamType::Text).with_label("Customer Email"),
                    Parameter::new("email", ParamType::Text).with_required(true),
                    Parameter::new("type", ParamType::Password),
                    Parameter::new("minTotal", ParamType::Number),
                    Parameter::new("open", ParamType::Boolean).with_required(true),
                    Parameter::new("when", ParamType::Other("date".into())),
                ]),
        )
        .unwrap();
    SnapshotDir::new(here.0.join(".refold"))
        .write(&Snapshot::new("acme", "cancel_order"))
        .unwrap();

    let output = refold(&here.0, None, &["codegen", "acme", "find_orders"]);
    assert_exit(&output, 0);
    let code = stdout(&output);
    for expected in [
        "// Regenerate with: refold codegen acme find_orders\n",
        "/// Find Orders\n///\n/// Finds orders.\n/// Indented, not code.\n",
        "#[refold::refold_action(slug = \"acme\", id = \"find_orders\", idempotent)]\n",
        "pub struct FindOrders {\n",
        "    /// Customer Email\n    ///\n    /// Named `email_2` because `email` converts to the same name.\n    \
         #[serde(rename = \"Email\")]\n    pub email_2: Option<String>,\n",
        "    /// The `email` parameter.\n    pub email: String,\n",
        "    pub r#type: Option<String>,\n",
        "    #[serde(rename = \"minTotal\")]\n    pub min_total: Option<serde_json::Number>,\n",
        "    pub open: bool,\n",
        "    pub when: Option<serde_json::Value>,\n",
    ] {
        assert_contains(&code, expected);
    }
    assert!(!code.contains("CancelOrder"), "only the action named: {code}");

    let all = refold(&here.0, None, &["codegen", "acme", "--no-idempotent"]);
    assert_exit(&all, 0);
    let code = stdout(&all);
    assert_contains(
        &code,
        "#[refold::refold_action(slug = \"acme\", id = \"cancel_order\")]\n",
    );
    assert_contains(&code, "pub struct CancelOrder {}\n");
    assert!(!code.contains("idempotent)]"), "{code}");
    assert!(
        code.find("CancelOrder").unwrap() < code.find("FindOrders").unwrap(),
        "action id order"
    );

    // What is missing says what to run.
    let missing = refold(&here.0, None, &["codegen", "acme", "ship_order"]);
    assert_exit(&missing, 6);
    assert_contains(&stderr(&missing), "no snapshot of `acme/ship_order`");
    assert_contains(&stderr(&missing), "refold prepare --app acme");
    assert_contains(&stderr(&missing), "cancel_order, find_orders");
    let no_app = refold(&here.0, None, &["codegen", "hubspot"]);
    assert_exit(&no_app, 6);
    assert_contains(&stderr(&no_app), "has no snapshots of `hubspot`");
    let nowhere = TempDir::new("codegen-nowhere");
    let no_dir = refold(&nowhere.0, None, &["codegen", "hubspot"]);
    assert_exit(&no_dir, 6);
    assert_contains(&stderr(&no_dir), "no .refold/ directory");
    assert_exit(&refold(&here.0, None, &["codegen", "Acme!"]), 2);

    // --fetch reads the live schemas: the same structs as from the snapshots `prepare` writes.
    let fetched = refold(
        &nowhere.0,
        Some(&emulator),
        &["codegen", "hubspot", "get_contact", "--fetch"],
    );
    assert_exit(&fetched, 0);
    assert_contains(
        &stdout(&fetched),
        "From the live schemas of Refold's parameters endpoint",
    );
    let golden = std::fs::read_to_string(generated_crate().join("src/hubspot.rs")).unwrap();
    let body = |code: &str| {
        code[code.find("/// Get Contact\n").unwrap()..]
            .split("\n}\n")
            .next()
            .unwrap()
            .to_owned()
    };
    assert_eq!(body(&stdout(&fetched)), body(&golden));
    assert_exit(
        &refold(
            &nowhere.0,
            Some(&emulator),
            &["codegen", "hubspot", "launch_rocket", "--fetch"],
        ),
        5,
    );
}

/// `refold exec` in a directory without snapshots (the schema is fetched) against `emulator`.
fn exec(emulator: &Emulator, args: &[&str]) -> Output {
    static RUNS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUNS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let here = TempDir::new(&format!("exec-{run}"));
    let mut all = vec!["exec"];
    all.extend_from_slice(args);
    refold(&here.0, Some(emulator), &all)
}

fn executes(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/execute"))
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_prints_data_then_a_duplicate_is_a_failed_action() {
    let emulator = Emulator::start().await.unwrap();
    let created = exec(
        &emulator,
        &["hubspot", "create_contact", "email=ada@example.com", "firstname=Ada"],
    );
    assert_exit(&created, 0);
    let data: serde_json::Value = serde_json::from_slice(&created.stdout).unwrap();
    assert_eq!(data["properties"]["email"], "ada@example.com");
    assert_eq!(data["properties"]["firstname"], "Ada");
    assert!(
        stdout(&created).starts_with("{\n  \""),
        "pretty JSON: {}",
        stdout(&created)
    );
    assert_contains(
        &stderr(&created),
        "hubspot/create_contact: Success, app status 201, request id ",
    );

    let duplicate = exec(&emulator, &["hubspot", "create_contact", "email=ada@example.com"]);
    assert_exit(&duplicate, 10);
    assert!(stdout(&duplicate).is_empty(), "{}", stdout(&duplicate));
    let message = stderr(&duplicate);
    assert_contains(
        &message,
        "error: running `hubspot/create_contact`: the app reported Failed with app status 409",
    );
    assert_contains(&message, "request id ");
    assert_contains(&message, "the app's reply: ");
    assert_contains(&message, "Contact already exists");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 2);

    // A read with a number, and the JSON object from stdin, pairs overriding it.
    let found = exec(
        &emulator,
        &["hubspot", "search_contacts", "query=ada", "limit=5", "--idempotent"],
    );
    assert_exit(&found, 0);
    let page: serde_json::Value = serde_json::from_slice(&found.stdout).unwrap();
    assert_eq!(page["total"], 1);
    let here = TempDir::new("exec-stdin");
    let mut child = command(
        &here.0,
        Some((&emulator.base_url(), emulator.api_key(), emulator.linked_account_id())),
    )
    .args(["exec", "hubspot", "get_contact", "--json", "-", "email=ada@example.com"])
    .stdin(Stdio::piped())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(br#"{"email": "nobody@example.com"}"#)
        .unwrap();
    let read = child.wait_with_output().unwrap();
    assert_exit(&read, 0);
    let contact: serde_json::Value = serde_json::from_slice(&read.stdout).unwrap();
    assert_eq!(contact["id"], data["id"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_dry_run_prints_the_request_and_sends_nothing() {
    let emulator = Emulator::start().await.unwrap();
    let output = exec(
        &emulator,
        &[
            "hubspot",
            "create_deal",
            "dealname=Renewal",
            "amount=1200.5",
            "--dry-run",
        ],
    );
    assert_exit(&output, 0);
    let text = stdout(&output);
    let base_url = emulator.base_url();
    let host = base_url.trim_start_matches("http://");
    let expected = format!(
        "POST {base_url}/api/v2/integration-schema/hubspot/actions/create_deal/execute\n\
         user-agent: refold-cli/{version}\n\
         accept: application/json\n\
         content-type: application/json\n\
         x-api-key: <redacted>\n\
         linked_account_id: {account}\n\
         host: {host}\n\
         content-length: 38\n\
         \n\
         {{\"amount\":1200.5,\"dealname\":\"Renewal\"}}\n",
        version = env!("CARGO_PKG_VERSION"),
        account = emulator.linked_account_id(),
    );
    assert_eq!(text, expected);
    assert!(!text.contains(emulator.api_key()), "{text}");
    assert_contains(&stderr(&output), "dry run: nothing was sent");
    assert_eq!(executes(&emulator), 0, "nothing was executed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_refuses_bad_parameters_before_sending() {
    let emulator = Emulator::start().await.unwrap();
    let typo = exec(&emulator, &["hubspot", "create_contact", "emial=ada@example.com"]);
    assert_exit(&typo, 13);
    let message = stderr(&typo);
    for expected in [
        "the parameters of `hubspot/create_contact` were refused, nothing was sent:",
        "`emial` is not a parameter of `hubspot/create_contact` (did you mean `email`?)",
        "the required parameter `email` (\"Enter Email\") is missing",
        "valid parameters: firstname (text), lastname (text), email (text, required),",
    ] {
        assert_contains(&message, expected);
    }
    let number = exec(&emulator, &["hubspot", "search_contacts", "limit=ten"]);
    assert_exit(&number, 13);
    assert_contains(
        &stderr(&number),
        "`limit` is a number parameter, and \"ten\" is not a JSON number",
    );
    assert_eq!(executes(&emulator), 0, "nothing was sent");

    // Refold's own refusal (a 400) has the same code; --no-schema skips the local check.
    let refused = exec(
        &emulator,
        &["hubspot", "create_contact", "firstname=Ada", "--no-schema"],
    );
    assert_exit(&refused, 13);
    assert_contains(&stderr(&refused), "Refold answered 400");
    assert_contains(&stderr(&refused), "request id");

    // From a snapshot: checked without asking Refold.
    let package = TempDir::new("exec-snapshot");
    SnapshotDir::new(package.0.join(".refold"))
        .write(&Snapshot::new("hubspot", "get_contact").with_parameters(vec![
            Parameter::new("contact_email", ParamType::Text).with_required(true),
        ]))
        .unwrap();
    let before = emulator.requests().len();
    let stale = refold(
        &package.0,
        Some(&emulator),
        &["exec", "hubspot", "get_contact", "email=ada@example.com"],
    );
    assert_exit(&stale, 13);
    assert_contains(&stderr(&stale), "valid parameters: contact_email (text, required)");
    assert_eq!(emulator.requests().len(), before, "the snapshot was the schema");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_exit_codes_follow_the_error_kind() {
    let emulator = Emulator::start().await.unwrap();
    let here = TempDir::new("exec-codes");
    let base_url = emulator.base_url();

    assert_exit(&exec(&emulator, &["hubspot", "get_contact", "email"]), 2);
    assert_exit(&exec(&emulator, &["hub spot", "get_contact"]), 2);
    assert_exit(
        &refold(
            &here.0,
            None,
            &["exec", "hubspot", "get_contact", "email=a@example.com"],
        ),
        3,
    );
    let wrong_key = command(&here.0, Some((&base_url, "tk_wrong", emulator.linked_account_id())))
        .args(["exec", "hubspot", "get_contact", "email=a@example.com"])
        .output()
        .unwrap();
    assert_exit(&wrong_key, 4);
    assert_exit(&exec(&emulator, &["hubspot", "launch_rocket"]), 5);

    here.write("not-json.json", "{ email: ");
    let bad_json = refold(
        &here.0,
        Some(&emulator),
        &["exec", "hubspot", "get_contact", "--json", "not-json.json"],
    );
    assert_exit(&bad_json, 6);
    assert_contains(&stderr(&bad_json), "--json not-json.json: not valid JSON");
    assert_exit(
        &refold(
            &here.0,
            Some(&emulator),
            &["exec", "hubspot", "get_contact", "--json", "absent.json"],
        ),
        9,
    );
    let unreachable = command(&here.0, Some(("http://127.0.0.1:9", "tk_x", "a@example.com")))
        .args([
            "exec",
            "hubspot",
            "get_contact",
            "email=a@example.com",
            "--timeout",
            "5",
        ])
        .output()
        .unwrap();
    assert_exit(&unreachable, 8);

    assert_exit(
        &exec(&emulator, &["hubspot", "create_contact", "email=ada@example.com"]),
        0,
    );
    assert_exit(
        &exec(&emulator, &["hubspot", "create_contact", "email=ada@example.com"]),
        10,
    );

    for _ in 0..3 {
        emulator.inject_for("/execute", Fault::too_many_requests(0));
    }
    let throttled = exec(&emulator, &["hubspot", "get_contact", "email=ada@example.com"]);
    assert_exit(&throttled, 11);

    // A write whose reply is lost may have run; the same read with --idempotent is retried.
    emulator.inject_for("/execute", Fault::DropAfterExecute);
    let lost = exec(&emulator, &["hubspot", "create_contact", "email=grace@example.com"]);
    assert_exit(&lost, 12);
    assert_contains(&stderr(&lost), "the action may have run");
    assert_eq!(emulator.executed_count("hubspot", "create_contact"), 3, "it did run");
    emulator.inject_for("/execute", Fault::DropAfterExecute);
    assert_exit(
        &exec(
            &emulator,
            &["hubspot", "get_contact", "email=grace@example.com", "--idempotent"],
        ),
        0,
    );
    emulator.inject_for("/execute", Fault::refold_error(503));
    assert_exit(&exec(&emulator, &["hubspot", "delete_contact", "contact_id=1000"]), 12);

    assert_exit(&exec(&emulator, &["hubspot", "get_contact", "nobody=x"]), 13);
}
