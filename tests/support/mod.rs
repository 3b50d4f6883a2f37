//! Helpers shared by the resilience suites (`resilience`, `rate_limit`, `sessions`, `tracing`,
//! `chaos`, `load`): the actions they call, fast clients, log capture, and small raw TCP peers
//! for what the emulator cannot play (a closed port, a peer that hangs up, a chunked reply).

// Each suite uses a different part of this module.
#![allow(dead_code)]

use std::cell::RefCell;
use std::io;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use refold::{Action, Client, ClientBuilder, RetryPolicy};
use refold_emulator::Emulator;
use serde::Serialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// HubSpot `search_contacts`: a read, safe to repeat.
#[derive(Serialize)]
pub struct SearchContacts {
    pub query: String,
}

impl Action for SearchContacts {
    const SLUG: &'static str = "hubspot";
    const ACTION_ID: &'static str = "search_contacts";
    const IDEMPOTENT: bool = true;
    type Output = serde_json::Value;
}

/// HubSpot `get_contact`: a read, safe to repeat.
#[derive(Serialize)]
pub struct GetContact {
    pub email: String,
}

impl Action for GetContact {
    const SLUG: &'static str = "hubspot";
    const ACTION_ID: &'static str = "get_contact";
    const IDEMPOTENT: bool = true;
    type Output = serde_json::Value;
}

/// HubSpot `create_contact`: a write that creates, not safe to repeat.
#[derive(Serialize)]
pub struct CreateContact {
    pub email: String,
}

impl Action for CreateContact {
    const SLUG: &'static str = "hubspot";
    const ACTION_ID: &'static str = "create_contact";
    type Output = serde_json::Value;
}

impl CreateContact {
    pub fn new(email: impl Into<String>) -> Self {
        CreateContact { email: email.into() }
    }
}

/// Three attempts with millisecond pauses, and `Retry-After` capped at 20 ms, so a suite that
/// retries thousands of times still runs in seconds.
pub fn fast_policy() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(3)
        .with_initial_backoff(Duration::from_millis(2))
        .with_max_backoff(Duration::from_millis(10))
        .with_max_retry_after(Duration::from_millis(20))
}

/// A builder for the emulator's key and default linked account, with the fast policy and a
/// timeout that ends a hung test instead of letting it run for the default minute.
pub fn builder_for(emulator: &Emulator) -> ClientBuilder {
    Client::builder()
        .api_key(emulator.api_key())
        .linked_account_id(emulator.linked_account_id())
        .base_url(emulator.base_url())
        .retry_policy(fast_policy())
        .timeout(Duration::from_secs(20))
}

pub fn client_for(emulator: &Emulator) -> Client {
    builder_for(emulator).build().expect("client for the emulator")
}

/// Requests to an execute endpoint that the emulator received, faulted ones included.
pub fn execute_attempts(emulator: &Emulator) -> usize {
    emulator
        .requests()
        .iter()
        .filter(|r| r.path.ends_with("/execute"))
        .count()
}

/// Everything written through `tracing` on one thread while the guard of [`capture_logs`] lives.
#[derive(Clone, Default)]
pub struct Logs(Arc<Mutex<Vec<u8>>>);

impl Logs {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }

    /// The lines closing a `refold.call` span, which carry every field the call recorded.
    pub fn call_spans(&self) -> Vec<String> {
        self.text()
            .lines()
            .filter(|line| line.contains("refold.call{") && line.contains("close"))
            .map(str::to_owned)
            .collect()
    }

    /// The `attempts` recorded on each closed `refold.call` span, in order.
    pub fn attempts(&self) -> Vec<u32> {
        self.call_spans()
            .iter()
            .map(|line| {
                field(line, "attempts")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or_else(|| panic!("no attempts field in {line}"))
            })
            .collect()
    }
}

/// The value of `name=value` in a formatted span line (values end at a space or `}`).
pub fn field<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let needle = format!("{name}=");
    let start = line
        .match_indices(&needle)
        .find(|(i, _)| *i == 0 || matches!(line.as_bytes()[i - 1], b' ' | b'{'))?
        .0
        + needle.len();
    let rest = &line[start..];
    let end = rest.find([' ', '}']).unwrap_or(rest.len());
    Some(&rest[..end])
}

thread_local! {
    /// The buffer of the capture running on this thread, if any.
    static CAPTURE: RefCell<Option<Logs>> = const { RefCell::new(None) };
}

/// Writes to the capture of the thread that emits the event, or nowhere.
pub struct ThreadWriter;

impl io::Write for ThreadWriter {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        CAPTURE.with(|capture| {
            if let Some(logs) = capture.borrow().as_ref() {
                logs.0.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct ByThread;

impl<'a> MakeWriter<'a> for ByThread {
    type Writer = ThreadWriter;
    fn make_writer(&'a self) -> ThreadWriter {
        ThreadWriter
    }
}

/// Ends a capture when dropped.
pub struct CaptureGuard(());

impl Drop for CaptureGuard {
    fn drop(&mut self) {
        CAPTURE.with(|capture| capture.borrow_mut().take());
    }
}

/// Captures every event and span (opening and closing, with their fields) at TRACE emitted on
/// the current thread until the guard drops. Use it from a current-thread runtime, so that the
/// client's futures run on the thread that holds the guard.
///
/// One global subscriber routes each line to the emitting thread's capture. A thread-local
/// subscriber (`set_default`) would be simpler but loses events: tracing caches each call
/// site's interest globally, and a call site first reached by a parallel test on a thread
/// without a subscriber can be cached as "never" while this thread's subscriber registers.
pub fn capture_logs() -> (Logs, CaptureGuard) {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        tracing_subscriber::fmt()
            .with_writer(ByThread)
            .with_max_level(tracing_subscriber::filter::LevelFilter::TRACE)
            .with_span_events(FmtSpan::NEW | FmtSpan::CLOSE)
            .finish()
            .try_init()
            .expect("no other global tracing subscriber in this test binary");
    });
    let logs = Logs::default();
    CAPTURE.with(|capture| *capture.borrow_mut() = Some(logs.clone()));
    (logs, CaptureGuard(()))
}

/// A loopback port nothing listens on: connecting to it is refused.
pub async fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    drop(listener);
    port
}

/// Reads one request head (up to the blank line), or until the peer stops sending.
async fn read_head(stream: &mut TcpStream) {
    let mut head = Vec::new();
    let mut buf = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
}

/// A peer that accepts each connection, reads the request head, and hangs up without a reply.
/// Returns its port and how many connections it accepted.
pub async fn hang_up_server() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            read_head(&mut stream).await;
            drop(stream);
        }
    });
    (port, accepted)
}

/// A peer that answers the first request with a 200 chunked reply (no `Content-Length`) of
/// `total` bytes, in 64 KiB chunks. Returns its port and the body bytes it managed to write,
/// which stop growing once the client hangs up.
pub async fn chunked_body_server(total: u64) -> (u16, Arc<AtomicU64>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let written = Arc::new(AtomicU64::new(0));
    let sent = written.clone();
    tokio::spawn(async move {
        let Ok((mut stream, _)) = listener.accept().await else {
            return;
        };
        read_head(&mut stream).await;
        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
        if stream.write_all(head.as_bytes()).await.is_err() {
            return;
        }
        let chunk = vec![b' '; 64 * 1024];
        let mut left = total;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            let frame = [format!("{n:x}\r\n").as_bytes(), &chunk[..n], b"\r\n"].concat();
            if stream.write_all(&frame).await.is_err() {
                return;
            }
            left -= n as u64;
            sent.fetch_add(n as u64, Ordering::SeqCst);
        }
        let _ = stream.write_all(b"0\r\n\r\n").await;
    });
    (port, written)
}

/// A `/proc/self/status` figure in KiB (`VmHWM`, `VmRSS`), where Linux provides one.
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
