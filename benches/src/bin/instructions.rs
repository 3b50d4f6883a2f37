//! Runs N sequential calls of one variant against an in-process fixed-reply server, for
//! instruction counts that do not depend on the machine's load:
//!
//! ```sh
//! cargo build --release -p refold-benches --bin instructions
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/instructions A 2050
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/instructions A 50
//! ```
//!
//! The difference between the two totals, divided by 2,000, is the instructions of one call
//! (client and server, start-up cancelled out); compare it with variant `C` (or `B` with `V`).
//! Variants: `A` macro, `B` execute_raw, `C` hand-written typed, `V` hand-written `Value`.

use refold_benches::fixed_server::FixedServer;
use refold_benches::{Clients, Variant};

fn main() {
    let mut args = std::env::args().skip(1);
    let variant = match args.next().as_deref() {
        Some("A") => Variant::Macro,
        Some("B") => Variant::Raw,
        Some("C") => Variant::HandTyped,
        Some("V") => Variant::HandValue,
        other => {
            eprintln!("unknown variant {other:?}: expected A, B, C or V, then a number of calls");
            std::process::exit(2);
        }
    };
    let Some(calls) = args.next().and_then(|n| n.parse::<usize>().ok()) else {
        eprintln!("expected a number of calls after the variant");
        std::process::exit(2);
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a Tokio runtime");
    runtime.block_on(async {
        let server = FixedServer::start().await.expect("the fixed server starts");
        let clients = Clients::new(&server.base_url(), "tk_bench_key", "ada@example.com").expect("valid clients");
        for _ in 0..calls {
            clients.call(variant).await.expect("the call succeeds");
        }
    });
}
