//! Small raw TCP peers for what the emulator cannot play: a closed port, a peer that hangs up,
//! a chunked reply that never ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

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
