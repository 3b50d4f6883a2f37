//! The `#[refold_action]` compile-time suite: every supported shape compiles (and its `main`, which
//! asserts what the macro generated, runs), and every mistake gives the reviewed error in
//! `tests/ui/fail/*.stderr`.
//!
//! Regenerate the expected errors with `TRYBUILD=overwrite cargo test --test ui`, then review the
//! diff of every `.stderr` like code.

use std::fs;

use refold::Client;
use refold_emulator::Emulator;
use serde_json::{Value, json};

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.pass("tests/ui/pass/*.rs");
    cases.compile_fail("tests/ui/fail/*.rs");
}

/// The macro checks slugs and ids at compile time and the runtime before sending, both with the
/// one rule refold-snapshot writes (`refold::is_valid_identifier` is that function, re-exported).
/// This test pins that the macro applies exactly that rule, no stricter and no looser:
/// `ui/pass/identifiers.rs` is a list of edge cases the macro accepts (trybuild proves it) and
/// `ui/fail/identifiers.rs` a list it rejects one by one, with one error each (its `.stderr`
/// proves it); the rule must say the same of every entry of both lists.
#[test]
fn the_macro_applies_exactly_the_identifier_rule() {
    let accepted = ids_in("tests/ui/pass/identifiers.rs");
    let rejected = ids_in("tests/ui/fail/identifiers.rs");
    assert!(accepted.len() >= 10 && rejected.len() >= 20, "the lists were not read");
    for id in &accepted {
        assert!(
            refold::is_valid_identifier(id),
            "the macro accepts {id:?}, the rule rejects it"
        );
    }
    for id in &rejected {
        assert!(
            !refold::is_valid_identifier(id),
            "the macro rejects {id:?}, the rule accepts it"
        );
    }
    assert!(accepted.iter().any(|id| id.len() == refold::IDENTIFIER_MAX_LEN));
    assert!(rejected.iter().any(|id| id.len() == refold::IDENTIFIER_MAX_LEN + 1));

    let stderr = fs::read_to_string("tests/ui/fail/identifiers.stderr").expect("reviewed stderr");
    assert_eq!(
        stderr.matches("error: ").count(),
        rejected.len(),
        "each rejected id gives exactly one error"
    );
}

/// The fixture snapshots of real apps that the schema cases (`tests/ui_schema.rs`) are checked
/// against hold what the emulator serves for those actions, so the cases use realistic schemas
/// and the two cannot drift apart unnoticed.
#[tokio::test]
async fn schema_fixtures_are_the_emulators_schemas() {
    let emulator = Emulator::start().await.expect("the emulator starts");
    let client = Client::builder()
        .api_key(emulator.api_key())
        .linked_account_id(emulator.linked_account_id())
        .base_url(emulator.base_url())
        .build()
        .expect("a valid client");
    let mut compared = 0;
    for app in ["hubspot", "salesforce"] {
        let listed = client.list_actions(app).await.expect("the app's actions");
        for entry in fs::read_dir(format!("tests/ui/schema/snapshots/{app}")).expect("the fixture directory") {
            let path = entry.expect("a directory entry").path();
            let fixture: Value = serde_json::from_slice(&fs::read(&path).expect("the fixture")).expect("JSON");
            let id = fixture["action_id"].as_str().expect("an action id");
            let summary = listed
                .iter()
                .find(|summary| summary.action_id == id)
                .unwrap_or_else(|| panic!("{app}/{id} is not in the emulator's catalogue"));
            assert_eq!(fixture["name"], summary.name, "{}", path.display());
            assert_eq!(fixture["description"], summary.description, "{}", path.display());
            let served: Vec<Value> = client
                .action_parameters(app, id)
                .await
                .expect("the parameters")
                .iter()
                .map(|parameter| {
                    json!({
                        "name": parameter.name,
                        "label": parameter.label,
                        "required": parameter.required,
                        "type": parameter.param_type.as_str(),
                    })
                })
                .collect();
            assert_eq!(fixture["parameters"], Value::Array(served), "{}", path.display());
            compared += 1;
        }
    }
    assert!(compared >= 4, "the fixtures were not read");
}

/// The values of `id = "…"` in the `#[refold_action(…)]` attributes of a test file, with the
/// escapes those files use decoded.
fn ids_in(path: &str) -> Vec<String> {
    let source = fs::read_to_string(path).expect("test file");
    source
        .split("\n#[refold_action(")
        .skip(1)
        .map(|attribute| {
            let attribute = &attribute[..attribute.find(")]").expect("the attribute ends")];
            let value = &attribute[attribute.find("id = \"").expect("an id") + "id = \"".len()..];
            unescape(&value[..value.find('"').expect("closing quote")])
        })
        .collect()
}

fn unescape(literal: &str) -> String {
    let mut out = String::new();
    let mut chars = literal.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('\\') => out.push('\\'),
            Some('u') => {
                let code: String = chars.by_ref().skip(1).take_while(|c| *c != '}').collect();
                let code = u32::from_str_radix(&code, 16).expect("hex escape");
                out.push(char::from_u32(code).expect("scalar value"));
            }
            other => panic!("unexpected escape {other:?} in {literal:?}"),
        }
    }
    out
}
