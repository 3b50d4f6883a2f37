//! A real `redis-server` for the shared rate limiter's suites (`redis_rate_limit`,
//! `redis_fleet`): started on a free loopback port in a scratch directory, with no persistence,
//! and stopped when dropped.
//!
//! Without the binary a local run skips with a message saying how to install it; under CI
//! (`CI` set to anything but `false`) a missing binary fails instead, so CI never skips.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

const INSTALL: &str = "install it with `apt-get install redis-server` (Debian, Ubuntu) or `brew install redis`";

pub struct RedisServer {
    port: u16,
    dir: PathBuf,
    child: Option<Child>,
}

fn under_ci() -> bool {
    std::env::var("CI").is_ok_and(|value| !value.is_empty() && value != "false" && value != "0")
}

fn binary_present() -> bool {
    Command::new("redis-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

impl RedisServer {
    /// A running server, or `None` (after saying why) when `redis-server` is not installed
    /// and this is not CI.
    pub fn start(suite: &str) -> Option<RedisServer> {
        if !binary_present() {
            assert!(
                !under_ci(),
                "redis-server is not installed, and CI must not skip the shared rate limiter's tests: {INSTALL}"
            );
            eprintln!("skipping {suite}: redis-server is not installed; {INSTALL}");
            return None;
        }
        let port = free_port();
        let dir = std::env::temp_dir().join(format!("refold-redis-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory for redis-server");
        let mut server = RedisServer { port, dir, child: None };
        server.restart();
        Some(server)
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// Starts the server again on the same port (empty: nothing is persisted).
    pub fn restart(&mut self) {
        assert!(self.child.is_none(), "already running");
        let child = Command::new("redis-server")
            .args([
                "--port",
                &self.port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let started = Instant::now();
        while self.command(&["PING"]).as_deref() != Some("+PONG") {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "redis-server did not come up"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Kills the server and waits until its port refuses connections.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the server (SIGSTOP): connections stay open but nothing answers.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let pid = self.child.as_ref().expect("running").id().to_string();
        let status = Command::new("kill").args([signal, &pid]).status().expect("run kill");
        assert!(status.success(), "kill {signal} {pid}");
    }

    /// Runs one command over RESP and returns the reply's raw text (`None` when the server
    /// cannot be reached).
    pub fn command(&self, args: &[&str]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        let mut request = format!("*{}\r\n", args.len());
        for arg in args {
            request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
        }
        stream.write_all(request.as_bytes()).ok()?;
        stream.write_all(b"*1\r\n$4\r\nQUIT\r\n").ok()?;
        let mut reply = String::new();
        stream.read_to_string(&mut reply).ok()?;
        Some(reply.trim_end_matches("+OK\r\n").trim_end().to_owned())
    }

    /// The keys matching `pattern`.
    pub fn keys(&self, pattern: &str) -> Vec<String> {
        let reply = self.command(&["KEYS", pattern]).expect("KEYS");
        // `*N`, then `$len` / value pairs.
        reply
            .lines()
            .skip(1)
            .filter(|line| !line.starts_with('$'))
            .map(str::to_owned)
            .collect()
    }

    /// `redis-cli monitor` on this server: every command Redis receives, as text.
    pub fn monitor(&self) -> Monitor {
        let mut child = Command::new("redis-cli")
            .args(["-p", &self.port.to_string(), "monitor"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-cli monitor (package redis-tools)");
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout"));
        let mut first = String::new();
        stdout.read_line(&mut first).expect("monitor starts");
        assert_eq!(first.trim(), "OK", "monitor did not start: {first}");
        Monitor { child, stdout }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        if self.child.is_some() {
            self.resume();
        }
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

pub struct Monitor {
    child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Monitor {
    /// Stops monitoring and returns everything seen.
    pub fn finish(mut self) -> String {
        let _ = self.child.kill();
        let mut seen = String::new();
        let _ = self.stdout.read_to_string(&mut seen);
        let _ = self.child.wait();
        seen
    }
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a free loopback port");
    listener.local_addr().expect("its address").port()
}
