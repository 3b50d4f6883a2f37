//! A minimal HTTP/1.1 keep-alive server that answers every request with one canned execute
//! envelope, so that what a benchmark measures is the client, not the server.
//!
//! It reads a request head, skips `Content-Length` bytes of body and writes the same prebuilt
//! bytes back, on as many connections as clients open. It understands only what the clients
//! under test send (no chunked request bodies, no pipelining guarantees beyond order).

use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The body every request gets: a `get_contact` envelope shaped like the emulator's.
pub const CANNED_BODY: &str = concat!(
    r#"{"data":{"id":"9001","properties":{"email":"ada@example.com","firstname":"Ada","lastname":"Lovelace","#,
    r#""createdate":"2026-01-02T03:04:05.678Z","lastmodifieddate":"2026-01-02T03:04:05.678Z","hs_object_id":"9001"},"#,
    r#""createdAt":"2026-01-02T03:04:05.678Z","updatedAt":"2026-01-02T03:04:05.678Z","archived":false},"#,
    r#""node_status":"Success","http_status":200}"#
);

/// The request heads a server kept (see [`FixedServer::start_recording`]).
pub type Heads = Arc<Mutex<Vec<(String, Vec<u8>)>>>;

/// A running fixed-reply server on `127.0.0.1`; it stops when its runtime does.
#[derive(Debug)]
pub struct FixedServer {
    addr: SocketAddr,
}

impl FixedServer {
    /// Binds a free port and serves on the current Tokio runtime.
    pub async fn start() -> io::Result<FixedServer> {
        Self::serve(None).await
    }

    /// Like [`FixedServer::start`], also keeping every request's head and body in `heads`.
    pub async fn start_recording(heads: Heads) -> io::Result<FixedServer> {
        Self::serve(Some(heads)).await
    }

    async fn serve(heads: Option<Heads>) -> io::Result<FixedServer> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
        let addr = listener.local_addr()?;
        let reply: Arc<[u8]> = canned_reply().into();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let _ = stream.set_nodelay(true);
                tokio::spawn(connection(stream, Arc::clone(&reply), heads.clone()));
            }
        });
        Ok(FixedServer { addr })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The whole reply, status line to body.
pub fn canned_reply() -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: {}\r\n\
         x-request-id: 0b6c5f7e-1d2a-4c3b-9e8f-7a6b5c4d3e2f\r\n\r\n{CANNED_BODY}",
        CANNED_BODY.len()
    )
    .into_bytes()
}

async fn connection(mut stream: TcpStream, reply: Arc<[u8]>, heads: Option<Heads>) -> io::Result<()> {
    let mut buffer: Vec<u8> = Vec::with_capacity(4096);
    let mut chunk = [0u8; 4096];
    loop {
        let head_end = loop {
            if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
                break at + 4;
            }
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..read]);
        };
        let length = content_length(&buffer[..head_end]);
        while buffer.len() < head_end + length {
            let read = stream.read(&mut chunk).await?;
            if read == 0 {
                return Ok(());
            }
            buffer.extend_from_slice(&chunk[..read]);
        }
        if let Some(heads) = &heads {
            let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
            let body = buffer[head_end..head_end + length].to_vec();
            heads.lock().expect("heads lock").push((head, body));
        }
        buffer.drain(..head_end + length);
        stream.write_all(&reply).await?;
    }
}

fn content_length(head: &[u8]) -> usize {
    String::from_utf8_lossy(head)
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.trim()
                .eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Clients, Variant};

    /// The header lines of a request head, lowercased and sorted, the request line first.
    fn normalized(head: &str) -> Vec<String> {
        let mut lines = head.lines().filter(|l| !l.is_empty());
        let request_line = lines.next().unwrap_or_default().to_owned();
        let mut headers: Vec<String> = lines
            .map(|line| {
                let (name, value) = line.split_once(':').unwrap_or((line, ""));
                format!("{}: {}", name.trim().to_ascii_lowercase(), value.trim())
            })
            .collect();
        headers.sort();
        std::iter::once(request_line).chain(headers).collect()
    }

    #[test]
    fn every_variant_sends_the_same_request_and_decodes_the_reply() {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let heads = Heads::default();
            let server = FixedServer::start_recording(heads.clone()).await.unwrap();
            let clients = Clients::new(&server.base_url(), "tk_bench_key", "ada@example.com").unwrap();
            for variant in Variant::ALL {
                clients.call(variant).await.unwrap();
            }
            let heads = heads.lock().unwrap().clone();
            assert_eq!(heads.len(), Variant::ALL.len());
            let (first_head, first_body) = &heads[0];
            let expected = normalized(first_head);
            assert_eq!(
                expected[0],
                "POST /api/v2/integration-schema/hubspot/actions/get_contact/execute HTTP/1.1"
            );
            for name in [
                "x-api-key: ",
                "linked_account_id: ",
                "content-type: ",
                "accept: ",
                "user-agent: ",
            ] {
                assert!(
                    expected.iter().any(|h| h.starts_with(name)),
                    "no {name} in {expected:?}"
                );
            }
            assert_eq!(first_body, br#"{"email":"ada@example.com"}"#);
            for (head, body) in &heads[1..] {
                assert_eq!(normalized(head), expected);
                assert_eq!(body, first_body);
            }
        });
    }

    #[test]
    fn reads_content_length_case_insensitively() {
        assert_eq!(content_length(b"POST / HTTP/1.1\r\nContent-Length: 27\r\n\r\n"), 27);
        assert_eq!(content_length(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n"), 0);
    }
}
