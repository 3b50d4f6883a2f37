//! A real `redis-server` for the shared rate limiter's suites (`redis_rate_limit`,
//! `redis_fleet`): started on a free loopback port in a scratch directory, with no persistence,
//! and stopped when dropped. Optionally with a TLS port too (certificates from a private CA the
//! test generates), a password, or as one node of a three-node Redis Cluster.
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
    extra_args: Vec<String>,
    tls: Option<Tls>,
}

/// The TLS side of a server: its port, and the certificates of its private CA.
struct Tls {
    port: u16,
    pki: TestPki,
}

/// A private CA, a server certificate it signed for `127.0.0.1` and `localhost`, and a client
/// certificate it signed, as PEM.
pub struct TestPki {
    pub ca_pem: String,
    pub cert_pem: String,
    pub key_pem: String,
    pub client_cert_pem: String,
    pub client_key_pem: String,
}

impl TestPki {
    /// A fresh CA (named `name`) and a server certificate it signed.
    pub fn generate(name: &str) -> TestPki {
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.distinguished_name.push(rcgen::DnType::CommonName, name);
        let ca = rcgen::CertifiedIssuer::self_signed(ca_params, rcgen::KeyPair::generate().unwrap()).unwrap();
        let params = rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()]).unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &ca).unwrap();
        let mut client_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        client_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "refold test client");
        client_params.extended_key_usages = vec![rcgen::ExtendedKeyUsagePurpose::ClientAuth];
        let client_key = rcgen::KeyPair::generate().unwrap();
        let client_cert = client_params.signed_by(&client_key, &ca).unwrap();
        TestPki {
            ca_pem: ca.pem(),
            cert_pem: cert.pem(),
            key_pem: key.serialize_pem(),
            client_cert_pem: client_cert.pem(),
            client_key_pem: client_key.serialize_pem(),
        }
    }
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
        RedisServer::start_with(suite, &[])
    }

    /// A running server with `args` added to its command line (`--requirepass`, say).
    pub fn start_with(suite: &str, args: &[&str]) -> Option<RedisServer> {
        let mut server = RedisServer::prepare(suite)?;
        server.extra_args = args.iter().map(|arg| arg.to_string()).collect();
        server.restart();
        Some(server)
    }

    /// A running server that also listens with TLS on a port of its own, with a certificate
    /// for 127.0.0.1 signed by a private CA ([`RedisServer::ca_pem`]). Clients need no
    /// certificate of their own.
    pub fn start_tls(suite: &str) -> Option<RedisServer> {
        RedisServer::start_tls_with(suite, false)
    }

    /// As [`RedisServer::start_tls`]; with `require_client_certificates`, clients must show a
    /// certificate the same CA signed ([`RedisServer::client_certificate`]).
    pub fn start_tls_with(suite: &str, require_client_certificates: bool) -> Option<RedisServer> {
        let mut server = RedisServer::prepare(suite)?;
        let pki = TestPki::generate("refold test CA");
        let file = |name: &str, content: &str| {
            let path = server.dir.join(name);
            std::fs::write(&path, content).expect("write a certificate file");
            path.to_str().expect("a UTF-8 path").to_owned()
        };
        let (cert, key, ca) = (
            file("server.pem", &pki.cert_pem),
            file("server.key", &pki.key_pem),
            file("ca.pem", &pki.ca_pem),
        );
        let tls_port = free_port();
        server.extra_args = vec![
            "--tls-port".into(),
            tls_port.to_string(),
            "--tls-cert-file".into(),
            cert,
            "--tls-key-file".into(),
            key,
            "--tls-ca-cert-file".into(),
            ca,
            "--tls-auth-clients".into(),
            if require_client_certificates { "yes" } else { "no" }.into(),
        ];
        server.tls = Some(Tls { port: tls_port, pki });
        server.restart();
        Some(server)
    }

    fn prepare(suite: &str) -> Option<RedisServer> {
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
        Some(RedisServer {
            port,
            dir,
            child: None,
            extra_args: Vec::new(),
            tls: None,
        })
    }

    /// The `rediss://` URL of the TLS port.
    pub fn tls_url(&self) -> String {
        format!(
            "rediss://127.0.0.1:{}",
            self.tls.as_ref().expect("started with TLS").port
        )
    }

    /// The CA certificate that signed the TLS port's certificate, as PEM.
    pub fn ca_pem(&self) -> &str {
        &self.tls.as_ref().expect("started with TLS").pki.ca_pem
    }

    /// A client certificate and its key, signed by the server's CA, as PEM.
    pub fn client_certificate(&self) -> (String, String) {
        let pki = &self.tls.as_ref().expect("started with TLS").pki;
        (pki.client_cert_pem.clone(), pki.client_key_pem.clone())
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
            .args(&self.extra_args)
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start redis-server");
        self.child = Some(child);
        let started = Instant::now();
        // A password makes PING answer -NOAUTH; any answer means the server is up.
        while !self
            .command(&["PING"])
            .is_some_and(|reply| reply.starts_with('+') || reply.starts_with("-NOAUTH"))
        {
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

    /// Runs one command after `AUTH password`, and returns the replies' raw text.
    pub fn command_authenticated(&self, password: &str, args: &[&str]) -> Option<String> {
        self.command_sequence(&[&["AUTH", password], args])
    }

    /// Runs `commands` in order on one connection and returns the replies' raw text.
    fn command_sequence(&self, commands: &[&[&str]]) -> Option<String> {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).ok()?;
        stream.set_read_timeout(Some(Duration::from_secs(2))).ok()?;
        let mut request = String::new();
        for args in commands {
            request.push_str(&format!("*{}\r\n", args.len()));
            for arg in *args {
                request.push_str(&format!("${}\r\n{arg}\r\n", arg.len()));
            }
        }
        request.push_str("*1\r\n$4\r\nQUIT\r\n");
        stream.write_all(request.as_bytes()).ok()?;
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

/// Three `redis-server` nodes forming one Redis Cluster (no replicas), each owning a third of
/// the hash slots.
pub struct RedisCluster {
    pub nodes: Vec<RedisServer>,
}

impl RedisCluster {
    /// A running cluster whose slots are all served, or `None` as for [`RedisServer::start`].
    pub fn start(suite: &str) -> Option<RedisCluster> {
        let mut nodes = Vec::new();
        for n in 0..3 {
            let node = RedisServer::start_with(
                suite,
                &[
                    "--cluster-enabled",
                    "yes",
                    "--cluster-config-file",
                    &format!("nodes-{n}.conf"),
                    "--cluster-node-timeout",
                    "5000",
                ],
            )?;
            nodes.push(node);
        }
        let addresses: Vec<String> = nodes.iter().map(|node| format!("127.0.0.1:{}", node.port())).collect();
        let output = Command::new("redis-cli")
            .args(["--cluster", "create"])
            .args(&addresses)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .output()
            .expect("run redis-cli --cluster create (package redis-tools)");
        assert!(
            output.status.success(),
            "redis-cli --cluster create failed: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        let started = Instant::now();
        while !nodes.iter().all(|node| {
            node.command(&["CLUSTER", "INFO"])
                .is_some_and(|info| info.contains("cluster_state:ok"))
        }) {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "the cluster did not come up"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Some(RedisCluster { nodes })
    }

    /// The nodes' URLs.
    pub fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }
}
