//! Runs every benchmark of `BENCHMARKS.md` in one process and prints the table of ratios.
//!
//! ```text
//! cargo run --release -p refold-benches --bin compare            # the full run
//! cargo run --release -p refold-benches --bin compare -- --quick # a smoke run, seconds
//! ```
//!
//! Options: `--quick`, `--no-compile` (skip the compile-cost builds), `--only-compile`,
//! `--rss-calls N`, `--compile-structs N` (default 200), `--compile-rounds N` (default 7) and
//! `--callgrind` (the compile-cost builds also count rustc's instructions under valgrind's
//! callgrind; use with `--compile-rounds 1`, since the counts do not vary) and
//! `--compile-checked-only` (only the plain and the schema-checked shapes, e.g. for
//! `--compile-structs 1000`).
//! The servers (the fixed-reply server and the emulator) run in child processes (this binary
//! started again with `--serve fixed|emulator`), so CPU time, allocations and memory measured
//! here are the client's alone. The table is also written to
//! `<target dir>/refold-benches/compare.md`.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use refold_benches::alloc_counter::{AllocSnapshot, CountingAlloc};
use refold_benches::compile_cost::{self, CompileCost};
use refold_benches::fixed_server::FixedServer;
use refold_benches::process::{cpu_time, load_average, machine_description, rss_bytes};
use refold_benches::stats::median;
use refold_benches::{Clients, Variant};

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// How long and how often to measure.
struct Config {
    sequential_rounds: usize,
    batch: usize,
    throughput_rounds: usize,
    window: Duration,
    concurrencies: Vec<usize>,
    rss_calls: usize,
    compile: bool,
    calls: bool,
    compile_structs: usize,
    compile_rounds: usize,
    callgrind: bool,
    compile_shapes: Vec<compile_cost::Shape>,
}

impl Config {
    fn from_args() -> Config {
        let mut config = Config {
            sequential_rounds: 25,
            batch: 400,
            throughput_rounds: 9,
            window: Duration::from_millis(500),
            concurrencies: vec![1, 16, 64, 256],
            rss_calls: 100_000,
            compile: true,
            calls: true,
            compile_structs: 200,
            compile_rounds: 7,
            callgrind: false,
            compile_shapes: compile_cost::Shape::ALL.to_vec(),
        };
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => {
                    config.sequential_rounds = 4;
                    config.batch = 50;
                    config.throughput_rounds = 1;
                    config.window = Duration::from_millis(200);
                    config.rss_calls = 2_000;
                    config.compile_structs = 20;
                    config.compile_rounds = 1;
                }
                "--no-compile" => config.compile = false,
                "--only-compile" => config.calls = false,
                "--rss-calls" => {
                    config.rss_calls = args.next().and_then(|n| n.parse().ok()).expect("--rss-calls N");
                }
                "--compile-structs" => {
                    config.compile_structs = args.next().and_then(|n| n.parse().ok()).expect("--compile-structs N");
                }
                "--compile-rounds" => {
                    config.compile_rounds = args.next().and_then(|n| n.parse().ok()).expect("--compile-rounds N");
                }
                "--callgrind" => config.callgrind = true,
                "--compile-checked-only" => {
                    config.compile_shapes = vec![compile_cost::Shape::Plain, compile_cost::Shape::Checked];
                }
                other => panic!(
                    "unknown argument {other:?}; expected --quick, --no-compile, --only-compile, --rss-calls N, \
                     --compile-structs N, --compile-rounds N, --callgrind or --compile-checked-only"
                ),
            }
        }
        config
    }
}

fn main() {
    if let Some(code) = compile_cost::run_as_rustc_wrapper() {
        std::process::exit(code);
    }
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--serve") {
        serve(args.get(2).map_or("", String::as_str));
        return;
    }
    let config = Config::from_args();
    let load_before = load_average();
    let started = Instant::now();

    let mut report = Report::default();
    let kinds = if config.calls {
        vec![ServerKind::Fixed, ServerKind::Emulator]
    } else {
        Vec::new()
    };
    for kind in kinds {
        let server = ServerProcess::spawn(kind);
        let clients = Clients::new(&server.base_url, &server.api_key, &server.linked_account_id).expect("clients");
        if kind == ServerKind::Emulator {
            create_contact(&clients);
        }
        eprintln!(
            "[{:>5.1}s] {}: sequential",
            started.elapsed().as_secs_f64(),
            kind.label()
        );
        report.sequential.insert(kind, sequential(&clients, &config));
        eprintln!(
            "[{:>5.1}s] {}: throughput",
            started.elapsed().as_secs_f64(),
            kind.label()
        );
        report.throughput.insert(kind, throughput(&clients, &config));
        if kind == ServerKind::Fixed {
            eprintln!("[{:>5.1}s] {}: memory", started.elapsed().as_secs_f64(), kind.label());
            report.memory = memory(&clients, config.rss_calls);
        }
    }
    if config.compile {
        eprintln!("[{:>5.1}s] compile cost", started.elapsed().as_secs_f64());
        let target = target_dir();
        let cargo = std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from);
        let repo_root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("repository root");
        let settings = compile_cost::Settings {
            structs: config.compile_structs,
            rounds: config.compile_rounds,
            callgrind_wrapper: config
                .callgrind
                .then(|| std::env::current_exe().expect("this binary's path")),
            shapes: config.compile_shapes.clone(),
        };
        match compile_cost::measure(
            &cargo,
            &compile_cost::default_work_dir(&target, config.callgrind),
            repo_root,
            &settings,
        ) {
            Ok(cost) => report.compile = Some((config.compile_structs, cost)),
            Err(error) => eprintln!("compile cost not measured: {error}"),
        }
    }
    let table = report.render(&config, &load_before, started.elapsed());
    println!("{table}");
    let out = target_dir().join("refold-benches").join("compare.md");
    if std::fs::create_dir_all(out.parent().expect("parent")).is_ok() && std::fs::write(&out, &table).is_ok() {
        eprintln!("written to {}", out.display());
    }
}

/// The target directory this binary was built into (`<target>/release/compare`).
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current exe");
    exe.parent()
        .and_then(Path::parent)
        .map_or_else(|| PathBuf::from("target"), Path::to_path_buf)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum ServerKind {
    Fixed,
    Emulator,
}

impl ServerKind {
    fn label(self) -> &'static str {
        match self {
            ServerKind::Fixed => "fixed",
            ServerKind::Emulator => "emulator",
        }
    }
}

/// The child side: serve until the parent closes our stdin.
fn serve(kind: &str) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let mut _emulator = None;
        let ready = match kind {
            "fixed" => {
                let server = FixedServer::start().await.expect("fixed server");
                format!("{} tk_bench_key ada@example.com", server.base_url())
            }
            "emulator" => {
                let emulator = refold_emulator::Emulator::builder()
                    .record_requests(false)
                    .start()
                    .await
                    .expect("emulator");
                let ready = format!(
                    "{} {} {}",
                    emulator.base_url(),
                    emulator.api_key(),
                    emulator.linked_account_id()
                );
                _emulator = Some(emulator);
                ready
            }
            other => panic!("unknown server {other:?}"),
        };
        println!("READY {ready}");
        std::io::stdout().flush().expect("stdout");
        let _ = tokio::task::spawn_blocking(|| std::io::stdin().read_to_end(&mut Vec::new())).await;
    });
}

/// A server running in a child process; stopped (stdin closed, then waited for) on drop.
struct ServerProcess {
    child: Child,
    base_url: String,
    api_key: String,
    linked_account_id: String,
}

impl ServerProcess {
    fn spawn(kind: ServerKind) -> ServerProcess {
        let mut child = Command::new(std::env::current_exe().expect("current exe"))
            .args(["--serve", kind.label()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("start the server process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("server ready line");
        let mut words = line.trim().strip_prefix("READY ").expect("READY line").split(' ');
        let mut next = || words.next().expect("READY fields").to_owned();
        ServerProcess {
            base_url: next(),
            api_key: next(),
            linked_account_id: next(),
            child,
        }
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

fn create_contact(clients: &Clients) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime
        .block_on(clients.sdk().execute_raw(
            "hubspot",
            "create_contact",
            &serde_json::json!({ "email": "ada@example.com", "firstname": "Ada", "lastname": "Lovelace" }),
        ))
        .expect("create the benchmark contact on the emulator");
}

/// Per-call figures of one batch of sequential calls.
#[derive(Clone, Copy, Debug)]
struct Batch {
    latency_us: f64,
    cpu_us: f64,
    allocations: f64,
    bytes: f64,
}

/// Sequential calls on a current-thread runtime, in batches that rotate over the variants so
/// that drift in the machine's load hits every variant alike.
fn sequential(clients: &Clients, config: &Config) -> HashMap<Variant, Vec<Batch>> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        for variant in Variant::MEASURED {
            for _ in 0..config.batch {
                clients.call(variant).await.expect("warm-up call");
            }
        }
        let mut batches: HashMap<Variant, Vec<Batch>> = HashMap::new();
        for round in 0..config.sequential_rounds {
            for offset in 0..Variant::MEASURED.len() {
                let variant = Variant::MEASURED[(round + offset) % Variant::MEASURED.len()];
                let allocs_before = AllocSnapshot::now();
                let cpu_before = cpu_time();
                let wall_before = Instant::now();
                for _ in 0..config.batch {
                    clients.call(variant).await.expect("call");
                }
                let wall = wall_before.elapsed();
                let cpu = cpu_time() - cpu_before;
                let allocs = AllocSnapshot::now().since(allocs_before);
                let n = config.batch as f64;
                batches.entry(variant).or_default().push(Batch {
                    latency_us: wall.as_secs_f64() * 1e6 / n,
                    cpu_us: cpu.as_secs_f64() * 1e6 / n,
                    allocations: allocs.allocations as f64 / n,
                    bytes: allocs.allocated_bytes as f64 / n,
                });
            }
        }
        batches
    })
}

/// Calls per second at each concurrency, one sample per round.
fn throughput(clients: &Clients, config: &Config) -> HashMap<(Variant, usize), Vec<f64>> {
    let workers = std::thread::available_parallelism().map_or(2, |n| n.get());
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()
        .expect("runtime");
    let mut rates: HashMap<(Variant, usize), Vec<f64>> = HashMap::new();
    for &concurrency in &config.concurrencies {
        for round in 0..config.throughput_rounds {
            for offset in 0..Variant::MEASURED.len() {
                let variant = Variant::MEASURED[(round + offset) % Variant::MEASURED.len()];
                let rate = runtime.block_on(load(clients, variant, concurrency, config.window));
                rates.entry((variant, concurrency)).or_default().push(rate);
            }
        }
    }
    rates
}

/// Keeps `concurrency` calls in flight; counts completions over `window` after a warm-up.
async fn load(clients: &Clients, variant: Variant, concurrency: usize, window: Duration) -> f64 {
    let stop = Arc::new(AtomicBool::new(false));
    let done = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));
    let tasks: Vec<_> = (0..concurrency)
        .map(|_| {
            let (clients, stop, done, failed) = (clients.clone(), stop.clone(), done.clone(), failed.clone());
            tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match clients.call(variant).await {
                        Ok(()) => done.fetch_add(1, Ordering::Relaxed),
                        Err(_) => failed.fetch_add(1, Ordering::Relaxed),
                    };
                }
            })
        })
        .collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    let (count_before, time_before) = (done.load(Ordering::Relaxed), Instant::now());
    tokio::time::sleep(window).await;
    let (count_after, elapsed) = (done.load(Ordering::Relaxed), time_before.elapsed());
    stop.store(true, Ordering::Relaxed);
    for task in tasks {
        task.await.expect("load task");
    }
    let failures = failed.load(Ordering::Relaxed);
    if failures > 0 {
        eprintln!(
            "warning: {failures} failed calls for {} at concurrency {concurrency}",
            variant.label()
        );
    }
    (count_after - count_before) as f64 / elapsed.as_secs_f64()
}

/// Resident memory and live heap before and after `calls` sequential calls, per variant.
#[derive(Clone, Copy, Debug, Default)]
struct Memory {
    rss_before: u64,
    rss_after: u64,
    live_growth: i64,
}

fn memory(clients: &Clients, calls: usize) -> HashMap<Variant, Memory> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        // Settle every pool and cache first, so growth is what the calls themselves keep.
        for variant in Variant::ALL {
            for _ in 0..1_000 {
                clients.call(variant).await.expect("warm-up call");
            }
        }
        let mut memory = HashMap::new();
        for variant in Variant::ALL {
            let rss_before = rss_bytes();
            let live_before = AllocSnapshot::now();
            for _ in 0..calls {
                clients.call(variant).await.expect("call");
            }
            memory.insert(
                variant,
                Memory {
                    rss_before,
                    rss_after: rss_bytes(),
                    live_growth: AllocSnapshot::now().since(live_before).live_bytes,
                },
            );
        }
        memory
    })
}

#[derive(Default)]
struct Report {
    sequential: HashMap<ServerKind, HashMap<Variant, Vec<Batch>>>,
    throughput: HashMap<ServerKind, HashMap<(Variant, usize), Vec<f64>>>,
    memory: HashMap<Variant, Memory>,
    compile: Option<(usize, CompileCost)>,
}

/// One row: a figure for the four variants, the two ratios and the target.
struct Row {
    figure: String,
    server: &'static str,
    values: [f64; 4],
    /// "ratio" (A/C, B/C) or "difference" (A−C, B−C).
    compare: Compare,
    /// A/C and B/C as medians of the ratios within each round, when the rows' samples come in
    /// rounds; otherwise the ratios are of the medians in `values`.
    paired: Option<[f64; 2]>,
    target: Option<Target>,
    precision: usize,
}

#[derive(Clone, Copy)]
enum Compare {
    Ratio,
    Difference,
}

#[derive(Clone, Copy)]
enum Target {
    AtMost(f64),
    AtLeast(f64),
}

impl Row {
    fn render(&self) -> String {
        let [a, b, ct, cv] = self.values;
        let (ra, rb) = match (self.compare, self.paired) {
            (Compare::Ratio, Some([ra, rb])) => (ra, rb),
            (Compare::Ratio, None) => (a / ct, b / cv),
            (Compare::Difference, _) => (a - ct, b - cv),
        };
        let shown = |v: f64| match self.compare {
            Compare::Ratio => format!("{v:.3}×"),
            Compare::Difference => format!("{v:+.1}"),
        };
        let (target, verdict) = match self.target {
            None => (String::new(), String::new()),
            Some(Target::AtMost(limit)) => (
                match self.compare {
                    Compare::Ratio => format!("≤ {limit}×"),
                    Compare::Difference => format!("≤ C + {limit}"),
                },
                met(ra <= limit && rb <= limit),
            ),
            Some(Target::AtLeast(limit)) => (format!("≥ {limit}×"), met(ra >= limit && rb >= limit)),
        };
        let p = self.precision;
        format!(
            "| {} | {} | {a:.p$} | {b:.p$} | {ct:.p$} | {cv:.p$} | {} | {} | {target} | {verdict} |",
            self.figure,
            self.server,
            shown(ra),
            shown(rb),
        )
    }
}

/// The median of `xs[i] / ys[i]`: samples taken in the same round are compared with each other,
/// so a change in the machine's load between rounds cancels out.
fn paired_ratio(xs: &[f64], ys: &[f64]) -> f64 {
    median(&xs.iter().zip(ys).map(|(x, y)| x / y).collect::<Vec<_>>())
}

fn mib(bytes: f64) -> f64 {
    bytes / (1024.0 * 1024.0)
}

fn met(ok: bool) -> String {
    if ok { "met".to_owned() } else { "**missed**".to_owned() }
}

impl Report {
    fn render(&self, config: &Config, load_before: &str, elapsed: Duration) -> String {
        let mut out = String::new();
        out.push_str(&format!("Machine: {}\n", machine_description()));
        out.push_str(&format!(
            "Load average before the run: {load_before}; after: {}; run took {:.0} s.\n",
            load_average(),
            elapsed.as_secs_f64()
        ));
        out.push_str(&format!(
            "Sequential: {} rounds × {} calls per variant; throughput: {} rounds × {} ms per variant and \
             concurrency; memory: {} calls per variant. Medians over rounds; ratios are medians of the \
             ratios within each round.\n\n",
            config.sequential_rounds,
            config.batch,
            config.throughput_rounds,
            config.window.as_millis(),
            config.rss_calls
        ));
        out.push_str("| figure | server | A macro | B execute_raw | C typed | C Value | A/C | B/C | target | |\n");
        out.push_str("|---|---|---:|---:|---:|---:|---:|---:|---|---|\n");
        let mut rows = Vec::new();
        for kind in [ServerKind::Fixed, ServerKind::Emulator] {
            let Some(batches) = self.sequential.get(&kind) else {
                continue;
            };
            let per = |f: fn(&Batch) -> f64| -> [f64; 4] {
                Variant::ALL.map(|v| median(&batches[&v].iter().map(f).collect::<Vec<_>>()))
            };
            let samples = |v: Variant, f: fn(&Batch) -> f64| batches[&v].iter().map(f).collect::<Vec<_>>();
            let paired = |f: fn(&Batch) -> f64| {
                Some([Variant::Macro, Variant::Raw].map(|v| paired_ratio(&samples(v, f), &samples(v.baseline(), f))))
            };
            rows.push(Row {
                figure: "latency, µs/call (sequential)".into(),
                server: kind.label(),
                values: per(|b| b.latency_us),
                compare: Compare::Ratio,
                paired: paired(|b| b.latency_us),
                target: Some(Target::AtMost(1.05)),
                precision: 1,
            });
            rows.push(Row {
                figure: "client CPU, µs/call (user+sys)".into(),
                server: kind.label(),
                values: per(|b| b.cpu_us),
                compare: Compare::Ratio,
                paired: paired(|b| b.cpu_us),
                target: None,
                precision: 1,
            });
            rows.push(Row {
                figure: "allocations/call".into(),
                server: kind.label(),
                values: per(|b| b.allocations),
                compare: Compare::Difference,
                paired: None,
                target: Some(Target::AtMost(4.0)),
                precision: 1,
            });
            rows.push(Row {
                figure: "bytes allocated/call".into(),
                server: kind.label(),
                values: per(|b| b.bytes),
                compare: Compare::Ratio,
                paired: paired(|b| b.bytes),
                target: None,
                precision: 0,
            });
        }
        for kind in [ServerKind::Fixed, ServerKind::Emulator] {
            let Some(rates) = self.throughput.get(&kind) else {
                continue;
            };
            for &concurrency in &config.concurrencies {
                rows.push(Row {
                    figure: format!("throughput, calls/s, concurrency {concurrency}"),
                    server: kind.label(),
                    values: Variant::ALL.map(|v| median(&rates[&(v, concurrency)])),
                    compare: Compare::Ratio,
                    paired: Some(
                        [Variant::Macro, Variant::Raw]
                            .map(|v| paired_ratio(&rates[&(v, concurrency)], &rates[&(v.baseline(), concurrency)])),
                    ),
                    target: (concurrency == 64).then_some(Target::AtLeast(0.95)),
                    precision: 0,
                });
            }
        }
        if !self.memory.is_empty() {
            let memory = |f: fn(&Memory) -> f64| Variant::ALL.map(|v| f(&self.memory[&v]));
            rows.push(Row {
                figure: format!("RSS before {}k calls, MiB", config.rss_calls / 1000),
                server: "fixed",
                values: memory(|m| mib(m.rss_before as f64)),
                compare: Compare::Difference,
                paired: None,
                target: None,
                precision: 1,
            });
            rows.push(Row {
                figure: format!("RSS after {}k calls, MiB", config.rss_calls / 1000),
                server: "fixed",
                values: memory(|m| mib(m.rss_after as f64)),
                compare: Compare::Difference,
                paired: None,
                target: None,
                precision: 1,
            });
            rows.push(Row {
                figure: format!("RSS growth over {}k calls, MiB", config.rss_calls / 1000),
                server: "fixed",
                values: memory(|m| mib(m.rss_after as f64 - m.rss_before as f64)),
                compare: Compare::Difference,
                paired: None,
                target: None,
                precision: 2,
            });
            rows.push(Row {
                figure: format!("live heap growth over {}k calls, KiB", config.rss_calls / 1000),
                server: "fixed",
                values: memory(|m| m.live_growth as f64 / 1024.0),
                compare: Compare::Difference,
                paired: None,
                target: None,
                precision: 1,
            });
        }
        for row in &rows {
            out.push_str(&row.render());
            out.push('\n');
        }
        out.push('\n');
        if !self.memory.is_empty() {
            let worst = Variant::ALL
                .iter()
                .map(|v| mib(self.memory[v].rss_after as f64 - self.memory[v].rss_before as f64))
                .fold(f64::MIN, f64::max);
            out.push_str(&format!(
                "RSS growth over {} calls, largest of the variants: {worst:.2} MiB (target < 10 MiB: {}).\n",
                config.rss_calls,
                met(worst < 10.0)
            ));
        }
        if let Some(rates) = self.throughput.get(&ServerKind::Emulator) {
            let rate = |v: Variant| median(&rates[&(v, 64)]);
            out.push_str(&format!(
                "Emulator throughput at concurrency 64: {:.0} calls/s with the hand-written client \
                 ({:.0} through the SDK's macro path).\n",
                rate(Variant::HandTyped),
                rate(Variant::Macro)
            ));
        }
        for kind in [ServerKind::Fixed, ServerKind::Emulator] {
            let (Some(batches), Some(rates)) = (self.sequential.get(&kind), self.throughput.get(&kind)) else {
                continue;
            };
            let latency = |v: Variant| batches[&v].iter().map(|b| b.latency_us).collect::<Vec<_>>();
            out.push_str(&format!(
                "C typed inside the SDK's whole-call timeout (`tokio::time::timeout`, 60 s), against C typed, \
                 {}: latency {:.3}×, throughput at concurrency 64 {:.3}×.\n",
                kind.label(),
                paired_ratio(&latency(Variant::HandTypedTimeout), &latency(Variant::HandTyped)),
                paired_ratio(
                    &rates[&(Variant::HandTypedTimeout, 64)],
                    &rates[&(Variant::HandTyped, 64)]
                ),
            ));
        }
        if let Some((structs, cost)) = &self.compile {
            out.push_str(&compile_report(*structs, cost));
        }
        out
    }
}

/// The compile-cost lines: per shape, the macro crate against the derive crate in CPU and wall
/// time (and instructions, when counted), and the checked structs against the unchecked ones.
fn compile_report(structs: usize, cost: &CompileCost) -> String {
    let mut out = String::new();
    let cpu = |b: &compile_cost::Build| b.cpu;
    let wall = |b: &compile_cost::Build| b.wall;
    let counted = cost.noop.iter().all(|build| build.instructions.is_none())
        && cost
            .pairs
            .iter()
            .all(|pair| pair.with_macro.iter().all(|build| build.instructions.is_some()));
    let millions = |builds: &[compile_cost::Build]| {
        median(&builds.iter().map(compile_cost::instructions).collect::<Vec<_>>()) / 1e6
    };
    for pair in &cost.pairs {
        let ratio = cost.ratio(pair, cpu);
        out.push_str(&format!(
            "Compile cost, {structs} {}, dev profile, {} clean builds of the crate alone, medians, no-op \
             build subtracted: CPU time (cargo + rustc) #[refold_action] {:.2} s, #[derive(Serialize)] \
             {:.2} s, ratio {ratio:.2}× (target ≤ 1.3×: {}); wall time {:.2} s and {:.2} s, ratio {:.2}×.\n",
            pair.shape.label(),
            pair.with_macro.len(),
            cost.seconds(&pair.with_macro, cpu),
            cost.seconds(&pair.with_derive, cpu),
            met(ratio <= 1.3),
            cost.seconds(&pair.with_macro, wall),
            cost.seconds(&pair.with_derive, wall),
            cost.ratio(pair, wall),
        ));
        if counted {
            out.push_str(&format!(
                "Instructions (rustc under callgrind), {structs} {}: #[refold_action] {:.0} M, \
                 #[derive(Serialize)] {:.0} M, ratio {:.3}×.\n",
                pair.shape.label(),
                millions(&pair.with_macro),
                millions(&pair.with_derive),
                millions(&pair.with_macro) / millions(&pair.with_derive),
            ));
        }
    }
    if let (Some(checked), Some(plain)) = (
        cost.pair(compile_cost::Shape::Checked),
        cost.pair(compile_cost::Shape::Plain),
    ) {
        let over_unchecked = cost.ratio_of(&checked.with_macro, &plain.with_macro, cpu);
        let mut line = format!(
            "Schema checking, {structs} structs: checked over unchecked #[refold_action], CPU time {over_unchecked:.3}× \
             (target ≤ 1.10×: {})",
            met(over_unchecked <= 1.10)
        );
        if counted {
            let ratio = millions(&checked.with_macro) / millions(&plain.with_macro);
            line.push_str(&format!(
                "; instructions {:.0} M over {:.0} M, {ratio:.3}× (target ≤ 1.10×: {})",
                millions(&checked.with_macro),
                millions(&plain.with_macro),
                met(ratio <= 1.10),
            ));
        }
        out.push_str(&line);
        out.push_str(".\n");
    }
    out
}
