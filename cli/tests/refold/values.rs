//! Values reach the emulator exactly as written: integers beyond `u64` and decimals keep their
//! text in `exec` pairs, `--json`, bulk CSV and bulk JSON Lines, in `number` parameters and
//! inside `json` parameters, with a schema or without.

use std::path::Path;
use std::process::{Output, Stdio};

use refold_emulator::Emulator;

use super::{TempDir, assert_contains, assert_exit, command, stdout};

const HUGE: &str = "99999999999999999999";
const PAST_U64: &str = "18446744073709551616";
const LONG_DECIMAL: &str = "0.1000000000000000000001";

fn refold_in(dir: &Path, emulator: &Emulator, args: &[&str]) -> Output {
    let base_url = emulator.base_url();
    command(dir, Some((&base_url, emulator.api_key(), emulator.linked_account_id())))
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// The raw bodies of the execute requests the emulator received.
fn bodies(emulator: &Emulator) -> Vec<String> {
    emulator
        .requests()
        .iter()
        .filter(|request| request.path.ends_with("/execute"))
        .map(|request| String::from_utf8_lossy(&request.body).into_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exec_pairs_and_json_send_numbers_with_their_exact_digits() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("values-exec");
    let amount = format!("amount={HUGE}");
    let preview = refold_in(
        &dir.0,
        &emulator,
        &["exec", "hubspot", "create_deal", "dealname=x", &amount, "--dry-run"],
    );
    assert_exit(&preview, 0);
    assert_contains(&stdout(&preview), &format!("\"amount\":{HUGE}"));

    let sent = refold_in(
        &dir.0,
        &emulator,
        &["exec", "hubspot", "create_deal", "dealname=x", &amount],
    );
    assert_exit(&sent, 0);
    dir.write(
        "deal.json",
        &format!(
            r#"{{ "dealname": "y", "amount": {PAST_U64}, "associations": [ {{ "id": {HUGE}, "weight": {LONG_DECIMAL} }} ] }}"#
        ),
    );
    let from_json = refold_in(
        &dir.0,
        &emulator,
        &["exec", "hubspot", "create_deal", "--json", "deal.json"],
    );
    assert_exit(&from_json, 0);
    let bodies = bodies(&emulator);
    assert_eq!(bodies.len(), 2, "{bodies:?}");
    assert_contains(&bodies[0], &format!("\"amount\":{HUGE}"));
    assert_contains(&bodies[1], &format!("\"amount\":{PAST_U64}"));
    assert_contains(
        &bodies[1],
        &format!("\"associations\":[{{\"id\":{HUGE},\"weight\":{LONG_DECIMAL}}}]"),
    );
    for body in &bodies {
        assert!(!body.contains("e+"), "a number was rounded to a float: {body}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bulk_csv_and_json_lines_send_numbers_with_their_exact_digits() {
    let emulator = Emulator::start().await.unwrap();
    let dir = TempDir::new("values-bulk");
    dir.write(
        "deals.csv",
        &format!("dealname,amount,associations\nA,{HUGE},\"[{{\"\"id\"\":{PAST_U64}}}]\"\nB,{LONG_DECIMAL},\n"),
    );
    let csv = refold_in(
        &dir.0,
        &emulator,
        &[
            "bulk",
            "hubspot",
            "create_deal",
            "--input",
            "deals.csv",
            "--concurrency",
            "1",
        ],
    );
    assert_exit(&csv, 0);
    dir.write(
        "deals.jsonl",
        &format!("{{\"dealname\":\"C\",\"amount\":{PAST_U64},\"associations\":[{{\"id\":{HUGE}}}]}}\n"),
    );
    let jsonl = refold_in(
        &dir.0,
        &emulator,
        &["bulk", "hubspot", "create_deal", "--input", "deals.jsonl"],
    );
    assert_exit(&jsonl, 0);
    // Without a schema, JSON Lines values keep their types and their text.
    dir.write("raw.jsonl", &format!("{{\"dealname\":\"D\",\"amount\":{HUGE}}}\n"));
    let raw = refold_in(
        &dir.0,
        &emulator,
        &["bulk", "hubspot", "create_deal", "--input", "raw.jsonl", "--no-schema"],
    );
    assert_exit(&raw, 0);

    let bodies = bodies(&emulator);
    assert_eq!(bodies.len(), 4, "{bodies:?}");
    assert_contains(&bodies[0], &format!("\"amount\":{HUGE}"));
    assert_contains(&bodies[0], &format!("\"associations\":[{{\"id\":{PAST_U64}}}]"));
    assert_contains(&bodies[1], &format!("\"amount\":{LONG_DECIMAL}"));
    assert_contains(&bodies[2], &format!("\"amount\":{PAST_U64}"));
    assert_contains(&bodies[2], &format!("\"associations\":[{{\"id\":{HUGE}}}]"));
    assert_contains(&bodies[3], &format!("\"amount\":{HUGE}"));
}
