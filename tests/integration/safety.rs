//! What the client refuses before anything leaves the process (path injection through slugs and
//! action ids, header injection through credentials, unsafe base URLs), what it never prints
//! (secrets), how it reads the environment, and that no call waits forever.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use crate::support::{
    Canned, Stub, assert_error_is_clean, assert_no_secret, builder, client, fast_retries, token_client,
};
use refold::{Client, ClientBuilder, DEFAULT_BASE_URL, Error, ErrorKind, RetryPolicy};
use refold_emulator::{Emulator, Fault};
use serde_json::json;

/// Slugs and action ids that must never reach a URL.
fn hostile_identifiers() -> Vec<String> {
    let mut ids: Vec<String> = [
        "../x",
        "..",
        "a/b",
        "/hubspot",
        "x?y",
        "x#y",
        "%2e",
        "%2e%2e%2fadmin",
        "a b",
        "a\tb",
        "a\r\nb",
        "a\0b",
        "HubSpot",
        "hübspot",
        "ｈubspot",
        "создать",
        "a.b",
        "a;b",
        "a\\b",
        "",
    ]
    .map(str::to_owned)
    .into();
    ids.push("a".repeat(129));
    ids
}

#[tokio::test]
async fn invalid_slug_sends_nothing() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    for slug in hostile_identifiers() {
        let results = [
            client.execute_raw(&slug, "create_contact", &json!({})).await.err(),
            client
                .execute_raw_idempotent(&slug, "get_contact", &json!({}))
                .await
                .err(),
            client.list_actions(&slug).await.err(),
            client.action_parameters(&slug, "create_contact").await.err(),
        ];
        for error in results {
            let error = error.unwrap_or_else(|| panic!("slug {slug:?} was accepted"));
            assert!(matches!(error, Error::InvalidRequest { .. }), "{slug:?}: {error:?}");
            assert_eq!(error.kind(), ErrorKind::Config);
            assert!(!error.may_have_executed() && !error.is_retryable());
            assert_error_is_clean(&error, &[]);
        }
    }
    assert!(emulator.requests().is_empty(), "{:#?}", emulator.requests());
}

#[tokio::test]
async fn invalid_action_id_sends_nothing() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    for action_id in hostile_identifiers() {
        let results = [
            client.execute_raw("hubspot", &action_id, &json!({})).await.err(),
            client
                .execute_raw_idempotent("hubspot", &action_id, &json!({}))
                .await
                .err(),
            client.action_parameters("hubspot", &action_id).await.err(),
        ];
        for error in results {
            let error = error.unwrap_or_else(|| panic!("action id {action_id:?} was accepted"));
            assert!(
                matches!(error, Error::InvalidRequest { .. }),
                "{action_id:?}: {error:?}"
            );
            assert!(error.to_string().contains("nothing was sent"), "{error}");
        }
    }
    assert!(emulator.requests().is_empty(), "{:#?}", emulator.requests());
}

#[tokio::test]
async fn a_typed_action_with_an_invalid_slug_sends_nothing() {
    #[derive(serde::Serialize)]
    struct Escape;
    impl refold::Action for Escape {
        const SLUG: &'static str = "../admin";
        const ACTION_ID: &'static str = "delete_all";
        type Output = serde_json::Value;
    }
    let emulator = Emulator::start().await.unwrap();
    let error = client(&emulator).execute(&Escape).await.unwrap_err();
    assert!(matches!(error, Error::InvalidRequest { .. }), "{error:?}");
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn identifiers_at_the_limits_of_the_alphabet_are_sent_as_is() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    let longest = "a".repeat(128);
    for slug in [longest.as_str(), "google_drive", "google-drive", "a", "0"] {
        // The emulator does not know these apps: a 404 proves the request went out.
        let error = client.list_actions(slug).await.unwrap_err();
        assert_eq!(error.status(), Some(404), "{slug}");
    }
    let paths: Vec<_> = emulator.requests().into_iter().map(|r| r.path).collect();
    assert_eq!(paths[0], format!("/api/v2/integration-schema/{longest}/actions"));
    assert_eq!(paths[2], "/api/v2/integration-schema/google-drive/actions");
}

/// Values HTTP headers cannot carry, or that would smuggle a second header.
const BAD_HEADER_VALUES: &[&str] = &[
    "tk_secret\r\nx-evil: 1",
    "tk_secret\nx-evil: 1",
    "tk_secret\rx",
    "tk_secret\0",
    "tk_sécret",
    "tk_secret 2",
    "tk_\u{7f}secret",
    "",
];

#[tokio::test]
async fn an_api_key_headers_cannot_carry_is_refused_at_build() {
    for key in BAD_HEADER_VALUES {
        let error = Client::builder()
            .api_key(*key)
            .linked_account_id("ada@example.com")
            .build()
            .unwrap_err();
        assert!(error.kind() == ErrorKind::Config, "{error:?}");
        if !key.is_empty() {
            assert_error_is_clean(&error, &[key, "tk_secret", "secret"]);
        }
    }
}

#[tokio::test]
async fn a_session_token_headers_cannot_carry_is_refused_at_build() {
    for token in BAD_HEADER_VALUES {
        let error = Client::builder().session_token(*token).build().unwrap_err();
        assert!(error.kind() == ErrorKind::Config, "{error:?}");
        if !token.is_empty() {
            assert_error_is_clean(&error, &[token, "secret"]);
        }
    }
}

#[tokio::test]
async fn a_linked_account_id_headers_cannot_carry_is_refused_at_build() {
    for id in [
        "ada@example.com\r\nx-api-key: stolen",
        "ada\n",
        "ada\0",
        "adá@example.com",
        "a b",
        "",
    ] {
        let result = Client::builder().api_key("tk_key").linked_account_id(id).build();
        let error = result.unwrap_err();
        assert!(error.kind() == ErrorKind::Config, "{id:?}: {error:?}");
        assert_error_is_clean(&error, &["tk_key"]);
    }
}

#[tokio::test]
async fn for_linked_account_with_a_bad_id_fails_every_call_and_sends_nothing() {
    let emulator = Emulator::start().await.unwrap();
    let client = client(&emulator);
    for id in ["grace@example.com\r\nx-evil: 1", "grace\0", "grâce", "", "a b"] {
        let handle = client.for_linked_account(id);
        let results = [
            handle.list_actions("hubspot").await.err(),
            handle.action_parameters("hubspot", "create_contact").await.err(),
            handle.execute_raw("hubspot", "create_contact", &json!({})).await.err(),
        ];
        for error in results {
            let error = error.unwrap_or_else(|| panic!("{id:?} was sent"));
            assert_eq!(error.kind(), ErrorKind::Config, "{id:?}: {error:?}");
            assert_error_is_clean(&error, &[emulator.api_key()]);
        }
    }
    assert!(emulator.requests().is_empty(), "{:#?}", emulator.requests());
    // The original handle is untouched.
    client.list_actions("hubspot").await.unwrap();
}

#[tokio::test]
async fn a_session_token_client_cannot_switch_linked_accounts() {
    let emulator = Emulator::start().await.unwrap();
    let handle = token_client(&emulator, "st_token").for_linked_account("grace@example.com");
    let error = handle.list_actions("hubspot").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn a_mint_for_an_empty_linked_account_sends_nothing() {
    let emulator = Emulator::start().await.unwrap();
    let error = client(&emulator).mint_session_token("").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(emulator.requests().is_empty());
}

#[tokio::test]
async fn a_mint_carries_any_linked_account_id_safely_in_the_json_body() {
    let emulator = Emulator::start().await.unwrap();
    let odd = "o'brien\"+\r\n@example.com";
    let _ = client(&emulator).mint_session_token(odd).await;
    let request = emulator.requests().remove(0);
    assert_eq!(request.body_json().unwrap(), json!({ "linked_account_id": odd }));
    assert_eq!(request.header("linked_account_id"), None);
}

// ---- base URLs ----

#[tokio::test]
async fn a_base_url_path_prefix_is_joined_with_exactly_one_slash() {
    let stub = Stub::start(Canned::json(200, "[]")).await;
    let cases = [
        ("", "/api/v2/integration-schema/hubspot/actions"),
        ("/", "/api/v2/integration-schema/hubspot/actions"),
        ("/backend", "/backend/api/v2/integration-schema/hubspot/actions"),
        ("/backend/", "/backend/api/v2/integration-schema/hubspot/actions"),
        ("/a/b", "/a/b/api/v2/integration-schema/hubspot/actions"),
    ];
    for (suffix, _) in cases {
        let client = Client::builder()
            .api_key("tk_key")
            .linked_account_id("ada@example.com")
            .base_url(format!("{}{suffix}", stub.base_url()))
            .build()
            .unwrap();
        assert!(!client.base_url().ends_with('/'), "{}", client.base_url());
        assert_eq!(
            client.base_url(),
            format!("{}{}", stub.base_url(), suffix.trim_end_matches('/'))
        );
        client.list_actions("hubspot").await.unwrap();
    }
    let targets: Vec<_> = stub.requests().into_iter().map(|r| r.target).collect();
    let expected: Vec<_> = cases.iter().map(|(_, path)| path.to_string()).collect();
    assert_eq!(targets, expected);
}

#[tokio::test]
async fn a_base_url_prefix_applies_to_every_endpoint() {
    let stub = Stub::start(Canned::json(200, r#"{"token":"st_t","success":true}"#)).await;
    let client = Client::builder()
        .api_key("tk_key")
        .linked_account_id("ada@example.com")
        .base_url(format!("{}/refold/", stub.base_url()))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    let _ = client.execute_raw("hubspot", "create_contact", &json!({})).await;
    let _ = client.action_parameters("hubspot", "create_contact").await;
    let token = client.mint_session_token_forced("ada@example.com").await.unwrap();
    client.revoke_session_token(&token).await.unwrap();
    let targets: Vec<_> = stub.requests().into_iter().map(|r| r.target).collect();
    assert_eq!(
        targets,
        [
            "/refold/api/v2/integration-schema/hubspot/actions/create_contact/execute",
            "/refold/api/v2/integration-schema/hubspot/actions/create_contact",
            "/refold/api/v2/public/session-token?force_refresh=true",
            "/refold/api/v2/public/session-token/revoke",
        ]
    );
}

fn build_with_base(url: &str) -> Result<Client, Error> {
    Client::builder()
        .api_key("tk_base_url_secret")
        .linked_account_id("ada@example.com")
        .base_url(url)
        .build()
}

#[test]
fn the_default_base_url_is_refolds() {
    let client = Client::builder().api_key("tk_key").build().unwrap();
    assert_eq!(client.base_url(), "https://app.refold.ai");
    assert_eq!(DEFAULT_BASE_URL, "https://app.refold.ai");
}

#[test]
fn https_base_urls_are_accepted() {
    for url in [
        "https://app.refold.ai",
        "https://api.gocobalt.io/",
        "https://refold.internal.example:8443/backend",
    ] {
        let client = build_with_base(url).unwrap_or_else(|e| panic!("{url}: {e}"));
        assert_eq!(client.base_url(), url.trim_end_matches('/'));
    }
}

#[test]
fn plain_http_is_accepted_only_on_loopback() {
    for url in [
        "http://127.0.0.1:4010",
        "http://127.8.9.10",
        "http://localhost:8080",
        "http://LOCALHOST",
        "http://[::1]:4010",
    ] {
        build_with_base(url).unwrap_or_else(|e| panic!("{url} should be allowed: {e}"));
    }
    for url in [
        "http://app.refold.ai",
        "http://10.0.0.7:4010",
        "http://192.168.1.2",
        "http://localhost.evil.example",
        "http://127.0.0.1.example",
        "http://[::2]",
        "http://0.0.0.0:4010",
    ] {
        let error = build_with_base(url).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config, "{url}");
        assert!(error.to_string().contains("https"), "{error}");
        assert_error_is_clean(&error, &["tk_base_url_secret"]);
    }
}

#[test]
fn allow_insecure_http_opens_plain_http_to_other_hosts() {
    let client = Client::builder()
        .api_key("tk_key")
        .base_url("http://refold.internal.example:4010")
        .allow_insecure_http(true)
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "http://refold.internal.example:4010");
    let refused = Client::builder()
        .api_key("tk_key")
        .base_url("http://refold.internal.example:4010")
        .allow_insecure_http(false)
        .build();
    assert!(refused.is_err());
}

#[test]
fn base_urls_with_userinfo_query_fragment_or_other_schemes_are_refused() {
    for url in [
        "https://user:hunter2-password@app.refold.ai",
        "https://user@app.refold.ai",
        "https://app.refold.ai/?tenant=1",
        "https://app.refold.ai/#top",
        "ftp://app.refold.ai",
        "file:///refold",
        "app.refold.ai",
        "not a url",
        "",
        "https://",
    ] {
        let error = build_with_base(url).unwrap_err();
        assert_eq!(error.kind(), ErrorKind::Config, "{url:?}");
        assert_error_is_clean(&error, &["tk_base_url_secret", "hunter2-password"]);
    }
}

// ---- secret redaction ----

const KEY: &str = "tk_super_secret_key_0123";
const TOKEN: &str = "st_super_secret_token_4567";

#[tokio::test]
async fn debug_of_clients_and_builders_never_shows_secrets() {
    let key_builder = Client::builder().api_key(KEY).linked_account_id("ada@example.com");
    let debug = format!("{key_builder:?}");
    assert!(
        debug.contains("REDACTED") && debug.contains("ada@example.com"),
        "{debug}"
    );
    assert_no_secret(&debug, &[KEY]);

    let both = Client::builder().api_key(KEY).session_token(TOKEN);
    assert_no_secret(&format!("{both:?}"), &[KEY, TOKEN]);
    assert_no_secret(&format!("{both:#?}"), &[KEY, TOKEN]);
    let error = both.build().unwrap_err();
    assert_error_is_clean(&error, &[KEY, TOKEN]);

    let key_client = key_builder.build().unwrap();
    let other = key_client.for_linked_account("grace@example.com");
    let token_client = Client::builder().session_token(TOKEN).build().unwrap();
    for text in [
        format!("{key_client:?}"),
        format!("{key_client:#?}"),
        format!("{other:?}"),
        format!("{token_client:?}"),
        format!("{token_client:#?}"),
    ] {
        assert_no_secret(&text, &[KEY, TOKEN]);
    }
}

#[tokio::test]
async fn a_minted_session_token_never_shows_itself() {
    let emulator = Emulator::builder().api_key(KEY).start().await.unwrap();
    let token = client(&emulator)
        .mint_session_token(emulator.linked_account_id())
        .await
        .unwrap();
    let secret = token.expose_token().to_owned();
    let refresh = token.expose_refresh_token().unwrap().to_owned();
    for text in [format!("{token:?}"), format!("{token:#?}")] {
        assert_no_secret(&text, &[&secret, &refresh, KEY]);
    }
    assert!(format!("{token:?}").contains(emulator.linked_account_id()));
}

#[tokio::test]
async fn errors_of_every_kind_never_show_the_key_or_token() {
    let emulator = Emulator::builder().api_key(KEY).start().await.unwrap();
    let client = client(&emulator);
    let token = client.mint_session_token(emulator.linked_account_id()).await.unwrap();
    let secret = token.expose_token().to_owned();
    let secrets = [KEY, secret.as_str()];
    let params = json!({ "email": "ada@example.com" });
    let mut errors: Vec<Error> = Vec::new();

    // Api: 400, 401 (wrong key that differs from the real one by a suffix), 404, 500, 502.
    errors.push(
        client
            .execute_raw("hubspot", "create_contact", &json!({}))
            .await
            .unwrap_err(),
    );
    let wrong = builder(&emulator).api_key(format!("{KEY}_wrong")).build().unwrap();
    errors.push(wrong.list_actions("hubspot").await.unwrap_err());
    errors.push(client.list_actions("nope").await.unwrap_err());
    let no_retry = builder(&emulator).retry_policy(RetryPolicy::none()).build().unwrap();
    errors.push(no_retry.mint_session_token("stranger@example.com").await.unwrap_err());
    emulator.inject(Fault::html(502, "<html>bad gateway</html>"));
    errors.push(
        client
            .execute_raw("hubspot", "create_contact", &params)
            .await
            .unwrap_err(),
    );
    // ActionFailed.
    client.execute_raw("hubspot", "create_contact", &params).await.unwrap();
    errors.push(
        client
            .execute_raw("hubspot", "create_contact", &params)
            .await
            .unwrap_err(),
    );
    // Decode, Transport, Redirect, Timeout, BodyTooLarge.
    emulator.inject(Fault::TruncatedJson);
    errors.push(client.execute_raw("hubspot", "get_contact", &params).await.unwrap_err());
    emulator.inject(Fault::DropAfterExecute);
    errors.push(client.execute_raw("hubspot", "get_contact", &params).await.unwrap_err());
    emulator.inject(Fault::Redirect {
        status: 307,
        location: "https://elsewhere.example/steal".into(),
    });
    errors.push(client.list_actions("hubspot").await.unwrap_err());
    emulator.inject(Fault::Delay(Duration::from_secs(5)));
    let hasty = builder(&emulator).timeout(Duration::from_millis(100)).build().unwrap();
    errors.push(hasty.list_actions("hubspot").await.unwrap_err());
    emulator.inject(Fault::LargeBody { bytes: 4096 });
    let capped = builder(&emulator).max_response_bytes(1024).build().unwrap();
    errors.push(capped.execute_raw("hubspot", "get_contact", &params).await.unwrap_err());
    // Session-token mode: 401 with the token in the request.
    let browser = token_client(&emulator, &secret);
    emulator.expire_session_tokens();
    errors.push(browser.list_actions("hubspot").await.unwrap_err());
    // Connect: nothing listens on a port we just released.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let nowhere = Client::builder()
        .api_key(KEY)
        .linked_account_id("ada@example.com")
        .base_url(format!("http://127.0.0.1:{port}"))
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap();
    errors.push(nowhere.list_actions("hubspot").await.unwrap_err());
    // Local: InvalidRequest and Config.
    errors.push(client.list_actions("../x").await.unwrap_err());
    errors.push(
        Client::builder()
            .api_key(KEY)
            .session_token(&secret)
            .build()
            .unwrap_err(),
    );

    let kinds: Vec<ErrorKind> = errors.iter().map(Error::kind).collect();
    for kind in [
        ErrorKind::Refold,
        ErrorKind::Refold,
        ErrorKind::Refold,
        ErrorKind::Refold,
        ErrorKind::App,
        ErrorKind::Refold,
        ErrorKind::Transport,
        ErrorKind::Refold,
        ErrorKind::Transport,
        ErrorKind::Refold,
        ErrorKind::Transport,
        ErrorKind::Config,
        ErrorKind::Config,
    ] {
        assert!(kinds.contains(&kind), "no {kind:?} among {kinds:?}");
    }
    for error in &errors {
        assert_error_is_clean(error, &secrets);
    }
}

// ---- the environment ----

fn lookup(vars: &[(&'static str, &'static str)]) -> Result<ClientBuilder, Error> {
    let map: HashMap<&str, &str> = vars.iter().copied().collect();
    ClientBuilder::from_lookup(|name| map.get(name).map(|v| v.to_string()))
}

#[test]
fn from_lookup_with_nothing_names_the_variables_to_set() {
    let error = lookup(&[]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    let line = error.to_string();
    for name in ["REFOLD_API_KEY", "REFOLD_LINKED_ACCOUNT_ID", "REFOLD_SESSION_TOKEN"] {
        assert!(line.contains(name), "{line}");
    }
}

#[test]
fn from_lookup_with_a_key_alone_builds_an_org_client() {
    let client = lookup(&[("REFOLD_API_KEY", KEY)]).unwrap().build().unwrap();
    assert_eq!(client.linked_account_id(), None);
    assert_eq!(client.base_url(), DEFAULT_BASE_URL);
    assert_no_secret(&format!("{client:?}"), &[KEY]);
}

#[test]
fn from_lookup_with_key_and_account_acts_for_the_account() {
    let client = lookup(&[("REFOLD_API_KEY", KEY), ("REFOLD_LINKED_ACCOUNT_ID", "ada@example.com")])
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.linked_account_id(), Some("ada@example.com"));
}

#[test]
fn from_lookup_with_a_token_builds_a_token_client() {
    let client = lookup(&[("REFOLD_SESSION_TOKEN", TOKEN)]).unwrap().build().unwrap();
    assert_eq!(client.linked_account_id(), None);
    assert_no_secret(&format!("{client:?}"), &[TOKEN]);
}

#[test]
fn from_lookup_with_key_and_token_is_contradictory() {
    let error = lookup(&[("REFOLD_API_KEY", KEY), ("REFOLD_SESSION_TOKEN", TOKEN)]).unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    let line = error.to_string();
    assert!(
        line.contains("REFOLD_API_KEY") && line.contains("REFOLD_SESSION_TOKEN"),
        "{line}"
    );
    assert_error_is_clean(&error, &[KEY, TOKEN]);
}

#[test]
fn from_lookup_with_token_and_account_is_contradictory() {
    let error = lookup(&[
        ("REFOLD_SESSION_TOKEN", TOKEN),
        ("REFOLD_LINKED_ACCOUNT_ID", "ada@example.com"),
    ])
    .unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Config);
    assert!(error.to_string().contains("REFOLD_LINKED_ACCOUNT_ID"), "{error}");
    assert_error_is_clean(&error, &[TOKEN]);
}

#[test]
fn from_lookup_treats_empty_values_as_unset() {
    assert!(lookup(&[("REFOLD_API_KEY", ""), ("REFOLD_SESSION_TOKEN", "")]).is_err());
    let client = lookup(&[
        ("REFOLD_API_KEY", KEY),
        ("REFOLD_SESSION_TOKEN", ""),
        ("REFOLD_LINKED_ACCOUNT_ID", ""),
        ("REFOLD_BASE_URL", ""),
    ])
    .unwrap()
    .build()
    .unwrap();
    assert_eq!(client.linked_account_id(), None);
    assert_eq!(client.base_url(), DEFAULT_BASE_URL);
    let token_client = lookup(&[
        ("REFOLD_SESSION_TOKEN", TOKEN),
        ("REFOLD_API_KEY", ""),
        ("REFOLD_LINKED_ACCOUNT_ID", ""),
    ])
    .unwrap()
    .build();
    assert!(token_client.is_ok());
}

#[test]
fn from_lookup_reads_the_base_url_and_checks_it() {
    let client = lookup(&[("REFOLD_API_KEY", KEY), ("REFOLD_BASE_URL", "https://api.gocobalt.io/")])
        .unwrap()
        .build()
        .unwrap();
    assert_eq!(client.base_url(), "https://api.gocobalt.io");
    let insecure = lookup(&[("REFOLD_API_KEY", KEY), ("REFOLD_BASE_URL", "http://refold.example")])
        .unwrap()
        .build()
        .unwrap_err();
    assert_eq!(insecure.kind(), ErrorKind::Config);
}

/// Set in the child process [`from_env_reads_the_process_environment`] starts.
const CHILD_FLAG: &str = "REFOLD_TESTS_FROM_ENV_CHILD";

/// Runs this test binary's `from_env_reads_the_process_environment` in a child process with
/// exactly `vars` as its environment and returns what the child printed.
fn run_child(vars: &[(&str, &str)]) -> String {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "safety::from_env_reads_the_process_environment",
            "--nocapture",
            "--test-threads=1",
        ])
        .env_clear()
        .env(CHILD_FLAG, "1")
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(stdout.contains("1 passed"), "the child ran the test: {stdout}");
    stdout
}

#[test]
fn from_env_reads_the_process_environment() {
    if std::env::var_os(CHILD_FLAG).is_some() {
        // In the child: report what `Client::from_env` made of this process's environment.
        match Client::from_env() {
            Ok(client) => println!(
                "CHILD ok base_url={} linked_account={:?} debug={client:?}",
                client.base_url(),
                client.linked_account_id()
            ),
            Err(error) => println!("CHILD err kind={:?} message={error}", error.kind()),
        }
        return;
    }

    let configured = run_child(&[
        ("REFOLD_API_KEY", KEY),
        ("REFOLD_LINKED_ACCOUNT_ID", "ada@example.com"),
        ("REFOLD_BASE_URL", "http://127.0.0.1:4010/"),
    ]);
    assert!(
        configured.contains(r#"CHILD ok base_url=http://127.0.0.1:4010 linked_account=Some("ada@example.com")"#),
        "{configured}"
    );
    assert_no_secret(&configured, &[KEY]);

    let token = run_child(&[("REFOLD_SESSION_TOKEN", TOKEN)]);
    assert!(
        token.contains("CHILD ok base_url=https://app.refold.ai linked_account=None"),
        "{token}"
    );
    assert_no_secret(&token, &[TOKEN]);

    let empty = run_child(&[]);
    assert!(empty.contains("CHILD err kind=Config"), "{empty}");
    assert!(empty.contains("REFOLD_API_KEY"), "{empty}");

    let both = run_child(&[("REFOLD_API_KEY", KEY), ("REFOLD_SESSION_TOKEN", TOKEN)]);
    assert!(both.contains("CHILD err kind=Config"), "{both}");
    assert_no_secret(&both, &[KEY, TOKEN]);
}

// ---- timeouts ----

#[test]
fn default_timeouts_are_finite() {
    assert!(refold::DEFAULT_TIMEOUT > Duration::ZERO && refold::DEFAULT_TIMEOUT <= Duration::from_secs(300));
    assert!(
        refold::DEFAULT_CONNECT_TIMEOUT > Duration::ZERO && refold::DEFAULT_CONNECT_TIMEOUT <= refold::DEFAULT_TIMEOUT
    );
    let client = Client::builder().api_key("tk_key").build().unwrap();
    let debug = format!("{client:?}");
    assert!(
        debug.contains(&format!("timeout: {:?}", refold::DEFAULT_TIMEOUT)),
        "the default applies: {debug}"
    );
}

#[tokio::test]
async fn a_reply_slower_than_the_timeout_is_a_timeout_error_quickly() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject(Fault::Delay(Duration::from_secs(10)));
    let client = builder(&emulator)
        .timeout(Duration::from_millis(300))
        .retry_policy(fast_retries())
        .build()
        .unwrap();
    let started = Instant::now();
    let error = client
        .execute_raw("hubspot", "create_contact", &json!({ "email": "ada@example.com" }))
        .await
        .unwrap_err();
    let elapsed = started.elapsed();

    assert!(elapsed < Duration::from_secs(3), "took {elapsed:?}");
    assert!(elapsed >= Duration::from_millis(300), "gave up early: {elapsed:?}");
    let Error::Timeout(timeout) = &error else {
        panic!("expected a timeout, got {error:?}")
    };
    let reported = timeout.elapsed();
    assert!(reported >= Duration::from_millis(300) && reported < Duration::from_secs(3));
    assert!(timeout.may_have_sent());
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.may_have_executed(), "the write may have reached Refold");
    assert!(!error.is_retryable(), "a write is not repeated after a timeout");
    assert_eq!(emulator.requests().len(), 1);
    let line = error.to_string();
    assert!(line.contains("timed out") && line.contains("timeout"), "{line}");
    assert_error_is_clean(&error, &[]);
}

#[tokio::test]
async fn a_timeout_on_a_read_is_reported_as_retryable() {
    let emulator = Emulator::start().await.unwrap();
    emulator.inject(Fault::Delay(Duration::from_secs(10)));
    let client = builder(&emulator).timeout(Duration::from_millis(200)).build().unwrap();
    let error = client.list_actions("hubspot").await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::Transport);
    assert!(error.is_retryable());
}
