//! The hosted Connect page in a real browser: headless Chromium driven over WebDriver
//! (chromedriver, through fantoccini) opens a Connect URL, presses an app's Connect button, and
//! the app is connected; with a `redirect_url` the browser lands there, without one back on the
//! page, which then shows the app connected.
//!
//! Needs Debian's `chromium` and `chromium-driver` (`.ci/run` installs them). Without
//! `chromedriver` on the PATH the test says so and passes, unless `CI` is set: there it fails.

use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{ClientBuilder, Locator};
use refold_emulator::Emulator;
use serde_json::{Value, json};

/// A program on the PATH.
fn program(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| PathBuf::from(dir).join(name))
        .find(|path| path.is_file())
}

/// chromedriver on a free loopback port, killed when dropped.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(binary: &PathBuf) -> Driver {
        let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(binary)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not listen on port {port}");
            std::thread::sleep(Duration::from_millis(50));
        }
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A fresh, empty profile directory, removed when dropped.
struct Profile(PathBuf);

impl Drop for Profile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Creates `account` through the API (so nothing is connected) and returns a Connect URL for
/// it, created with its session token and `properties`.
async fn connect_url(emulator: &Emulator, account: &str, properties: Value) -> String {
    let http = reqwest::Client::new();
    let base = emulator.base_url();
    let created = http
        .post(format!("{base}/api/v2/public/linked-account"))
        .header("x-api-key", emulator.api_key())
        .json(&json!({ "account_id": account }))
        .send()
        .await
        .unwrap();
    assert_eq!(created.status(), 200);
    let minted: Value = http
        .post(format!("{base}/api/v2/public/session-token"))
        .header("x-api-key", emulator.api_key())
        .json(&json!({ "linked_account_id": account }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let reply: Value = http
        .post(format!("{base}/api/v2/public/connect-url?linked_account_id={account}"))
        .bearer_auth(minted["token"].as_str().unwrap())
        .json(&properties)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    reply["hosted_url"].as_str().unwrap().to_owned()
}

/// Whether the account's app is connected, as `GET /application/{slug}` says.
async fn connected(emulator: &Emulator, account: &str, slug: &str) -> bool {
    let app: Value = reqwest::Client::new()
        .get(format!("{}/api/v2/public/application/{slug}", emulator.base_url()))
        .header("x-api-key", emulator.api_key())
        .header("linked_account_id", account)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    app["connected"] == true
}

/// Presses the button whose accessible text is `label`, as a person would.
async fn press(browser: &fantoccini::Client, label: &str) {
    let xpath = format!("//button[normalize-space()='{label}']");
    browser
        .find(Locator::XPath(&xpath))
        .await
        .unwrap_or_else(|err| panic!("no button {label:?}: {err}"))
        .click()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_browser_connects_an_app_through_the_connect_page() {
    let (Some(driver_binary), Some(browser_binary)) = (program("chromedriver"), program("chromium")) else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium and chromium-driver installed (.ci/run installs them)"
        );
        eprintln!("skipped: chromedriver or chromium is not installed (apt-get install chromium chromium-driver)");
        return;
    };
    let emulator = Emulator::start().await.unwrap();
    let driver = Driver::start(&driver_binary);
    let profile = Profile(std::env::temp_dir().join(format!("refold-chromium-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&profile.0);
    std::fs::create_dir_all(&profile.0).unwrap();

    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": browser_binary,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                format!("--user-data-dir={}", profile.0.display()),
            ],
        }),
    );
    let browser = ClientBuilder::rustls()
        .unwrap()
        .capabilities(capabilities)
        .connect(&driver.url)
        .await
        .expect("a WebDriver session in headless Chromium");

    // With a redirect_url: the button connects HubSpot and the browser lands on the URL.
    let done = format!("{}/onboarding/done", emulator.base_url());
    let url = connect_url(&emulator, "acme-42", json!({ "redirect_url": done })).await;
    browser.goto(&url).await.unwrap();
    let source = browser.source().await.unwrap();
    assert!(
        source.contains("lang=\"en\"") && !source.contains("<script"),
        "{source}"
    );
    assert!(!connected(&emulator, "acme-42", "hubspot").await);
    press(&browser, "Connect HubSpot").await;
    let deadline = Instant::now() + Duration::from_secs(20);
    while browser.current_url().await.unwrap().as_str() != done {
        assert!(Instant::now() < deadline, "the browser never reached {done}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(connected(&emulator, "acme-42", "hubspot").await);
    assert!(!connected(&emulator, "acme-42", "salesforce").await);

    // Without one: back on the page, which shows Salesforce connected.
    let url = connect_url(&emulator, "globex", json!({})).await;
    browser.goto(&url).await.unwrap();
    press(&browser, "Connect Salesforce").await;
    let status = browser
        .wait()
        .at_most(Duration::from_secs(20))
        .for_element(Locator::XPath("//button[normalize-space()='Reconnect Salesforce']"))
        .await
        .expect("the page shows Salesforce connected after the redirect");
    assert_eq!(
        status.attr("aria-describedby").await.unwrap().as_deref(),
        Some("status-salesforce")
    );
    let text = browser
        .find(Locator::Id("status-salesforce"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text, "Connected");
    assert!(connected(&emulator, "globex", "salesforce").await);

    browser.close().await.unwrap();
}
