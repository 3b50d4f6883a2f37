//! Criterion view of sequential call latency: A (the `#[refold_action]` struct), B
//! (`execute_raw`) and C (hand-written reqwest + serde_json), against the fixed-reply server and
//! the emulator, each served from a runtime on its own thread.
//!
//! ```text
//! cargo bench -p refold-benches --bench criterion
//! ```
//!
//! The ratios, CPU, allocation, memory and compile figures come from the `compare` binary.

use std::hint::black_box;
use std::sync::mpsc;

use criterion::{Criterion, criterion_group, criterion_main};
use refold_benches::fixed_server::FixedServer;
use refold_benches::{Clients, Variant};

/// Starts a server on a runtime of its own thread and returns the clients pointed at it. The
/// thread (and the server) lives until the process ends.
fn clients_for(emulator: bool) -> Clients {
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        runtime.block_on(async move {
            if emulator {
                let emulator = refold_emulator::Emulator::builder()
                    .record_requests(false)
                    .start()
                    .await
                    .expect("emulator");
                let clients = Clients::new(&emulator.base_url(), emulator.api_key(), emulator.linked_account_id())
                    .expect("clients");
                sender.send(clients).expect("send clients");
                std::future::pending::<()>().await;
            } else {
                let server = FixedServer::start().await.expect("fixed server");
                let clients = Clients::new(&server.base_url(), "tk_bench_key", "ada@example.com").expect("clients");
                sender.send(clients).expect("send clients");
                std::future::pending::<()>().await;
            }
        });
    });
    receiver.recv().expect("server started")
}

fn latency(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("client runtime");
    for (server, emulator) in [("fixed", false), ("emulator", true)] {
        let clients = clients_for(emulator);
        if emulator {
            runtime
                .block_on(clients.sdk().execute_raw(
                    "hubspot",
                    "create_contact",
                    &serde_json::json!({ "email": "ada@example.com", "firstname": "Ada" }),
                ))
                .expect("create the benchmark contact");
        }
        let mut group = c.benchmark_group(format!("latency/{server}"));
        for variant in Variant::ALL {
            group.bench_function(variant.label(), |b| {
                b.iter(|| runtime.block_on(black_box(&clients).call(variant)).expect("call"));
            });
        }
        group.finish();
    }
}

criterion_group!(benches, latency);
criterion_main!(benches);
