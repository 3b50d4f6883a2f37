//! Salesforce: accounts, contacts and leads, with Salesforce's REST reply shapes.

use serde_json::{Value, json};

use super::Call;
use crate::envelope::ActionOutcome;
use crate::store::{Record, timestamp};
use crate::validation::number;

const ACCOUNT: &str = "Account";
const CONTACT: &str = "Contact";
const LEAD: &str = "Lead";
const API_VERSION: &str = "v59.0";

pub(super) fn run(mut call: Call<'_>) -> ActionOutcome {
    match call.action.action_id.as_str() {
        "get_accounts" => get_accounts(&mut call),
        "create_account" => create(&mut call, ACCOUNT),
        "update_account" => update_account(&mut call),
        "delete_account" => delete_account(&mut call),
        "create_contact" => create(&mut call, CONTACT),
        "create_lead" => create(&mut call, LEAD),
        _ => super::echo(call.params),
    }
}

/// An 18-character Salesforce-looking id with the object's key prefix.
fn id_maker(kind: &str) -> impl FnOnce(u64) -> String {
    let prefix = match kind {
        ACCOUNT => "001",
        CONTACT => "003",
        _ => "00Q",
    };
    move |seq| format!("{prefix}5g{seq:010}AAS")
}

fn not_found() -> ActionOutcome {
    ActionOutcome::failed(
        404,
        json!([{ "errorCode": "NOT_FOUND", "message": "The requested resource does not exist" }]),
    )
}

fn create(call: &mut Call<'_>, kind: &'static str) -> ActionOutcome {
    let fields = call.fields(&[]);
    let record = call.data.insert(kind, id_maker(kind), fields, call.now);
    ActionOutcome::success(201, json!({ "id": record.id, "success": true, "errors": [] }))
}

fn account_json(r: &Record) -> Value {
    let mut out = serde_json::Map::new();
    out.insert(
        "attributes".into(),
        json!({ "type": ACCOUNT, "url": format!("/services/data/{API_VERSION}/sobjects/{ACCOUNT}/{}", r.id) }),
    );
    out.insert("Id".into(), r.id.clone().into());
    out.extend(r.properties.clone());
    out.insert("CreatedDate".into(), salesforce_time(r.created_at).into());
    out.insert("LastModifiedDate".into(), salesforce_time(r.updated_at).into());
    Value::Object(out)
}

/// `2026-01-02T03:04:05.678+0000`, Salesforce's datetime form.
fn salesforce_time(t: std::time::SystemTime) -> String {
    let mut s = timestamp(t);
    s.pop();
    s + "+0000"
}

fn get_accounts(call: &mut Call<'_>) -> ActionOutcome {
    let limit = number(call.params.get("limit")).map_or(usize::MAX, |n| n.max(0.0) as usize);
    let records: Vec<Value> = call
        .data
        .collection(ACCOUNT)
        .iter()
        .take(limit)
        .map(account_json)
        .collect();
    ActionOutcome::success(
        200,
        json!({ "totalSize": records.len(), "done": true, "records": records }),
    )
}

fn update_account(call: &mut Call<'_>) -> ActionOutcome {
    let id = call.text("account_id").unwrap_or_default();
    let changes = call.fields(&["account_id"]);
    let now = call.now;
    match call.data.collection(ACCOUNT).get_mut(&id) {
        Some(record) => {
            record.properties.extend(changes);
            record.touch(now);
            ActionOutcome::success(204, Value::Null)
        }
        None => not_found(),
    }
}

fn delete_account(call: &mut Call<'_>) -> ActionOutcome {
    let id = call.text("account_id").unwrap_or_default();
    match call.data.collection(ACCOUNT).remove(&id) {
        Some(_) => ActionOutcome::success(204, Value::Null),
        None => not_found(),
    }
}
