//! The real `refold` binary, run as a separate process against an emulator the test starts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use refold_emulator::Emulator;
use refold_snapshot::{ParamType, Parameter, Snapshot, SnapshotDir};

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
    for command in ["actions", "params", "prepare", "emulator"] {
        let help = refold(&here.0, None, &[command, "--help"]);
        assert_exit(&help, 0);
        assert!(stdout(&help).contains("Examples:"), "{command}: {}", stdout(&help));
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
    let mut child = KillOnDrop(
        Command::new(BIN)
            .args(["emulator", "--port", "0", "--strict", "--schema-dir"])
            .arg(&schemas.0)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let base_url = loop {
        let line = lines.next().expect("the emulator prints its base URL").unwrap();
        if let Some(url) = line.trim().strip_prefix("REFOLD_BASE_URL=") {
            break url.to_owned();
        }
    };

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
