//! HubSpot: contacts, companies and deals, with HubSpot's record shape and error bodies.

use serde_json::{Map, Value, json};

use super::Call;
use crate::envelope::ActionOutcome;
use crate::store::{Record, timestamp};
use crate::validation::number;

const CONTACTS: &str = "contacts";
const COMPANIES: &str = "companies";
const DEALS: &str = "deals";

/// HubSpot's ids are decimal numbers; these start where a fresh portal's often do.
fn make_id(seq: u64) -> String {
    (1000 + seq).to_string()
}

pub(super) fn run(mut call: Call<'_>) -> ActionOutcome {
    match call.action.action_id.as_str() {
        "create_contact" => create_contact(&mut call),
        "get_contact" => get_contact(&mut call),
        "get_contact_by_id" => get_contact_by_id(&mut call),
        "update_contact" => update_contact(&mut call),
        "delete_contact" => delete_contact(&mut call),
        "search_contacts" => search_contacts(&mut call),
        "create_company" => create(&mut call, COMPANIES),
        "create_deal" => create(&mut call, DEALS),
        _ => super::echo(call.params),
    }
}

/// HubSpot returns every property value as a string.
fn stringify(fields: Map<String, Value>) -> Map<String, Value> {
    fields
        .into_iter()
        .map(|(k, v)| {
            let v = match v {
                Value::Number(n) => Value::String(n.to_string()),
                Value::Bool(b) => Value::String(b.to_string()),
                other => other,
            };
            (k, v)
        })
        .collect()
}

fn record_json(r: &Record) -> Value {
    json!({
        "id": r.id,
        "properties": r.properties,
        "createdAt": timestamp(r.created_at),
        "updatedAt": timestamp(r.updated_at),
        "archived": false,
    })
}

fn error(category: &str, message: String) -> Value {
    json!({
        "status": "error",
        "message": message,
        "correlationId": crate::envelope::random_uuid(),
        "category": category,
    })
}

fn not_found() -> ActionOutcome {
    ActionOutcome::failed(404, error("OBJECT_NOT_FOUND", "resource not found".to_owned()))
}

fn conflict(existing_id: &str) -> ActionOutcome {
    ActionOutcome::failed(
        409,
        error(
            "CONFLICT",
            format!("Contact already exists. Existing ID: {existing_id}"),
        ),
    )
}

fn contact_with_email<'a>(call: &'a mut Call<'_>, email: &str, except: Option<&str>) -> Option<&'a Record> {
    call.data
        .collection(CONTACTS)
        .iter()
        .find(|r| Some(r.id.as_str()) != except && email_of(r).is_some_and(|e| e.eq_ignore_ascii_case(email)))
}

fn email_of(r: &Record) -> Option<&str> {
    r.properties.get("email").and_then(Value::as_str)
}

fn create_contact(call: &mut Call<'_>) -> ActionOutcome {
    let email = call.text("email").unwrap_or_default();
    if let Some(existing) = contact_with_email(call, &email, None) {
        return conflict(&existing.id.clone());
    }
    create(call, CONTACTS)
}

fn create(call: &mut Call<'_>, kind: &'static str) -> ActionOutcome {
    let properties = stringify(call.fields(&[]));
    let record = call.data.insert(kind, make_id, properties, call.now);
    ActionOutcome::success(201, record_json(&record))
}

fn get_contact(call: &mut Call<'_>) -> ActionOutcome {
    let email = call.text("email").unwrap_or_default();
    match contact_with_email(call, &email, None) {
        Some(r) => ActionOutcome::success(200, record_json(r)),
        None => not_found(),
    }
}

fn get_contact_by_id(call: &mut Call<'_>) -> ActionOutcome {
    let id = call.text("contact_id").unwrap_or_default();
    match call.data.collection(CONTACTS).get(&id) {
        Some(r) => ActionOutcome::success(200, record_json(r)),
        None => not_found(),
    }
}

fn update_contact(call: &mut Call<'_>) -> ActionOutcome {
    let id = call.text("contact_id").unwrap_or_default();
    if call.data.collection(CONTACTS).get(&id).is_none() {
        return not_found();
    }
    let changes = stringify(call.fields(&["contact_id"]));
    if let Some(email) = changes.get("email").and_then(Value::as_str) {
        if let Some(other) = contact_with_email(call, email, Some(&id)) {
            return conflict(&other.id.clone());
        }
    }
    let now = call.now;
    let record = call.data.collection(CONTACTS).get_mut(&id).expect("checked above");
    record.properties.extend(changes);
    record.touch(now);
    ActionOutcome::success(200, record_json(record))
}

fn delete_contact(call: &mut Call<'_>) -> ActionOutcome {
    let id = call.text("contact_id").unwrap_or_default();
    match call.data.collection(CONTACTS).remove(&id) {
        Some(_) => ActionOutcome::success(204, Value::Null),
        None => not_found(),
    }
}

fn search_contacts(call: &mut Call<'_>) -> ActionOutcome {
    let query = call.text("query").unwrap_or_default().to_lowercase();
    let limit = number(call.params.get("limit")).map_or(10, |n| n.clamp(0.0, 200.0) as usize);
    let matches: Vec<&Record> = call
        .data
        .collection(CONTACTS)
        .iter()
        .filter(|r| {
            ["email", "firstname", "lastname"].iter().any(|key| {
                r.properties
                    .get(*key)
                    .and_then(Value::as_str)
                    .is_some_and(|v| v.to_lowercase().contains(&query))
            })
        })
        .collect();
    let total = matches.len();
    let results: Vec<Value> = matches.iter().take(limit).map(|r| record_json(r)).collect();
    let mut page = json!({ "total": total, "results": results });
    if total > limit {
        page["paging"] = json!({ "next": { "after": limit.to_string() } });
    }
    ActionOutcome::success(200, page)
}
