//! The facade as a user's crate sees it: a package of its own, outside this workspace, that
//! depends on `refold-sdk` (the package) and writes `use refold::…` (the library). The code
//! `#[refold_action]` generates names the runtime as `::refold::__private::…`, so this is also
//! the check that those paths resolve under the published package name.
//!
//! The crate is built with `cargo build --offline` against a copy of this workspace's
//! `Cargo.lock`, in this workspace's target directory: the dependencies it shares with the
//! workspace's own build are found there rather than built again, and nothing is downloaded.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The user's `Cargo.toml`; `{facade}` is the path to this repository.
const MANIFEST: &str = r#"[package]
name = "refold-sdk-user"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
refold-sdk = { path = {facade}, features = ["redis"] }

# A workspace of its own, so cargo does not look for one above the temporary directory.
[workspace]
"#;

/// The user's code: the README's imports, an annotated struct and its `execute`, and the
/// `redis` feature's builder option.
const LIB_RS: &str = r#"//! A user's crate.

use refold::{Client, refold_action};

/// Creates a contact.
#[refold_action(slug = "hubspot", id = "create_contact")]
pub struct CreateContact {
    /// The contact's email.
    pub email: String,
    /// The contact's first name.
    pub firstname: Option<String>,
}

/// Creates Ada's contact and returns its id.
pub async fn create_ada(client: &Client) -> Result<String, refold::Error> {
    let reply = CreateContact { email: "ada@example.com".into(), firstname: None }
        .execute(client)
        .await?;
    Ok(reply.data["id"].to_string())
}

/// A client whose rate limit is shared through Redis (feature `redis`).
pub fn shared_limit_client() -> Result<Client, refold::Error> {
    Client::builder()
        .api_key("tk_example")
        .redis_rate_limit("redis://127.0.0.1:6379")
        .build()
}
"#;

/// The target directory this test binary was built in (`<target>/<profile>/deps/<binary>`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.ancestors()
        .nth(3)
        .expect("the test binary lives under <target>/<profile>/deps")
        .to_path_buf()
}

/// A TOML basic string holding `path`.
fn toml_string(path: &Path) -> String {
    let text = path.to_str().expect("a UTF-8 repository path");
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

#[test]
fn a_crate_outside_the_workspace_builds_with_refold_sdk() {
    let repository = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let user = std::env::temp_dir().join(format!("refold-sdk-user-{}", std::process::id()));
    std::fs::create_dir_all(user.join("src")).expect("create the user's crate");
    std::fs::write(
        user.join("Cargo.toml"),
        MANIFEST.replace("{facade}", &toml_string(&repository)),
    )
    .expect("write Cargo.toml");
    std::fs::write(user.join("src/lib.rs"), LIB_RS).expect("write src/lib.rs");
    std::fs::copy(repository.join("Cargo.lock"), user.join("Cargo.lock")).expect("copy Cargo.lock");

    let output = Command::new(option_env!("CARGO").unwrap_or("cargo"))
        .args(["build", "--offline", "--quiet"])
        .current_dir(&user)
        .env("CARGO_TARGET_DIR", target_dir())
        .output()
        .expect("run cargo");
    std::fs::remove_dir_all(&user).expect("remove the user's crate");
    assert!(
        output.status.success(),
        "a crate depending on refold-sdk does not build:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
