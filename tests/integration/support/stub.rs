//! [`Stub`]: a tiny HTTP/1.1 server answering every request with one canned reply, for reply
//! shapes the emulator does not produce (HTML pages, odd headers, unreadable bodies).

use std::sync::{Arc, Mutex};

use refold::{Client, RetryPolicy};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as [`Stub`] received it.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The request target: path and query, as sent.
    pub target: String,
    /// Header names lowercase.
    pub headers: Vec<(String, String)>,
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
        local_server_client(&self.base_url())
    }
}

impl Drop for Stub {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An API-key client for a test's own server at `base_url`, without retries (each call is one
/// request).
pub fn local_server_client(base_url: &str) -> Client {
    Client::builder()
        .api_key("tk_stub_key")
        .linked_account_id("ada@example.com")
        .base_url(base_url)
        .retry_policy(RetryPolicy::none())
        .build()
        .unwrap()
}

/// Reads one request (head and `Content-Length` body), records its target and headers, writes `reply` and closes
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
    request_line.next()?; // the method
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
    // The body is read to the end (the client is done sending before the reply) and not kept.
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    log.lock().unwrap().push(Seen { target, headers });

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
