//! Shared setup for the facade's integration tests: clients wired to an emulator, a tiny HTTP
//! server for replies the emulator cannot produce, and assertions used across files.
//!
//! Every test binary includes this module but uses only part of it.
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use refold::{Client, ClientBuilder, RetryPolicy};
use refold_emulator::{Emulator, RecordedRequest};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// The `User-Agent` the client sends by default.
pub const USER_AGENT: &str = concat!("refold-rs/", env!("CARGO_PKG_VERSION"));

/// Retries with pauses of a few milliseconds, so a test that meets a retryable failure stays fast.
pub fn fast_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_initial_backoff(Duration::from_millis(1))
        .with_max_backoff(Duration::from_millis(5))
        .with_max_retry_after(Duration::from_millis(5))
}

/// A builder pointed at `emulator` with its API key and default linked account.
pub fn builder(emulator: &Emulator) -> ClientBuilder {
    Client::builder()
        .api_key(emulator.api_key())
        .linked_account_id(emulator.linked_account_id())
        .base_url(emulator.base_url())
        .retry_policy(fast_retries())
}

/// An API-key client for `emulator`'s default linked account.
pub fn client(emulator: &Emulator) -> Client {
    builder(emulator).build().expect("a valid client configuration")
}

/// A client authenticating with `token` against `emulator`.
pub fn token_client(emulator: &Emulator, token: &str) -> Client {
    Client::builder()
        .session_token(token)
        .base_url(emulator.base_url())
        .retry_policy(fast_retries())
        .build()
        .expect("a valid client configuration")
}

/// The one request the emulator received; fails the test when it saw none or several.
pub fn only_request(emulator: &Emulator) -> RecordedRequest {
    let mut requests = emulator.requests();
    assert_eq!(requests.len(), 1, "expected exactly one request, got {requests:#?}");
    requests.remove(0)
}

/// Asserts that `text` shows none of `secrets`.
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "a secret leaked into {text:?}");
    }
}

/// Asserts that an error's `Display` is one non-empty line and neither it nor `Debug` nor any
/// `source()` in its chain shows one of `secrets`.
pub fn assert_error_is_clean(error: &refold::Error, secrets: &[&str]) {
    let display = error.to_string();
    assert!(!display.is_empty());
    assert!(
        !display.contains('\n') && !display.contains('\r'),
        "Display is not one line: {display:?}"
    );
    assert_no_secret(&display, secrets);
    assert_no_secret(&format!("{error:?}"), secrets);
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        assert_no_secret(&cause.to_string(), secrets);
        assert_no_secret(&format!("{cause:?}"), secrets);
        source = cause.source();
    }
}

/// A request as [`Stub`] received it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    /// The request target: path and query, as sent.
    pub target: String,
    /// Header names lowercase.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// One canned HTTP reply.
#[derive(Clone, Debug)]
pub struct Canned {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Canned {
    /// A reply with `application/json; charset=utf-8`, as Refold sends.
    pub fn json(status: u16, body: &str) -> Canned {
        Canned {
            status,
            headers: vec![("content-type".into(), "application/json; charset=utf-8".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// An HTML page, as a proxy or a web server answers for itself.
    pub fn html(status: u16, body: &str) -> Canned {
        Canned {
            status,
            headers: vec![("content-type".into(), "text/html".into())],
            body: body.as_bytes().to_vec(),
        }
    }

    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Canned {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// A tiny HTTP/1.1 server on `127.0.0.1` that answers every request with the same canned reply
/// and records what it received. For reply shapes the emulator does not produce.
pub struct Stub {
    addr: std::net::SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: JoinHandle<()>,
}

impl Stub {
    pub async fn start(reply: Canned) -> Stub {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (reply, log) = (reply.clone(), Arc::clone(&log));
                tokio::spawn(async move { serve_one(stream, &reply, &log).await });
            }
        });
        Stub { addr, seen, task }
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// An API-key client for this stub.
    pub fn client(&self) -> Client {
        Client::builder()
            .api_key("tk_stub_key")
            .linked_account_id("ada@example.com")
            .base_url(self.base_url())
            .retry_policy(RetryPolicy::none())
            .build()
            .unwrap()
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Reads one request (head and `Content-Length` body), records it, writes `reply` and closes
/// the connection. Recording comes first, so a client that got the reply finds its request logged.
async fn serve_one(mut stream: TcpStream, reply: &Canned, log: &Mutex<Vec<Seen>>) -> Option<()> {
    let mut buffer = Vec::new();
    let head_end = loop {
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    log.lock().unwrap().push(Seen {
        method,
        target,
        headers,
        body,
    });

    let mut out = format!("HTTP/1.1 {} Canned\r\n", reply.status);
    for (name, value) in &reply.headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        reply.body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(&reply.body);
    stream.write_all(&bytes).await.ok()?;
    stream.shutdown().await.ok()
}
