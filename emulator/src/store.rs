//! The in-memory data of the apps: one set of collections per (linked account, app).
//!
//! One `Mutex` guards everything; it is held only for the few microseconds an action needs and
//! never across an `.await`, so it does not limit throughput at the request rates tests reach.

use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use serde_json::{Map, Value};

/// One stored object (a contact, an account, …).
#[derive(Clone, Debug)]
pub(crate) struct Record {
    pub(crate) id: String,
    pub(crate) properties: Map<String, Value>,
    pub(crate) created_at: SystemTime,
    pub(crate) updated_at: SystemTime,
}

impl Record {
    /// Marks the record changed now, strictly after its previous change.
    pub(crate) fn touch(&mut self, now: SystemTime) {
        let next = self.updated_at + Duration::from_millis(1);
        self.updated_at = now.max(next);
    }
}

/// The records of one kind, in creation order.
#[derive(Debug, Default)]
pub(crate) struct Collection {
    by_seq: BTreeMap<u64, Record>,
    seq_of: HashMap<String, u64>,
}

impl Collection {
    pub(crate) fn get(&self, id: &str) -> Option<&Record> {
        self.seq_of.get(id).and_then(|s| self.by_seq.get(s))
    }

    pub(crate) fn get_mut(&mut self, id: &str) -> Option<&mut Record> {
        let seq = self.seq_of.get(id)?;
        self.by_seq.get_mut(seq)
    }

    pub(crate) fn remove(&mut self, id: &str) -> Option<Record> {
        let seq = self.seq_of.remove(id)?;
        self.by_seq.remove(&seq)
    }

    /// Records in creation order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Record> {
        self.by_seq.values()
    }
}

/// Everything one linked account has in one app.
#[derive(Debug, Default)]
pub(crate) struct AppData {
    last_seq: u64,
    collections: HashMap<&'static str, Collection>,
}

impl AppData {
    pub(crate) fn collection(&mut self, kind: &'static str) -> &mut Collection {
        self.collections.entry(kind).or_default()
    }

    /// Stores a new record whose id `make_id` derives from a per-app sequence number.
    pub(crate) fn insert(
        &mut self,
        kind: &'static str,
        make_id: impl FnOnce(u64) -> String,
        properties: Map<String, Value>,
        now: SystemTime,
    ) -> Record {
        self.last_seq += 1;
        let seq = self.last_seq;
        let record = Record {
            id: make_id(seq),
            properties,
            created_at: now,
            updated_at: now,
        };
        let collection = self.collection(kind);
        collection.seq_of.insert(record.id.clone(), seq);
        collection.by_seq.insert(seq, record.clone());
        record
    }
}

/// The data of every linked account in every app.
#[derive(Debug, Default)]
pub(crate) struct Store {
    accounts: Mutex<HashMap<String, HashMap<String, AppData>>>,
}

impl Store {
    /// Runs `f` on the data of `linked_account_id` in `slug`, under the store's lock.
    pub(crate) fn with_app<R>(&self, linked_account_id: &str, slug: &str, f: impl FnOnce(&mut AppData) -> R) -> R {
        let mut accounts = self.accounts.lock().unwrap_or_else(|e| e.into_inner());
        if !accounts.contains_key(linked_account_id) {
            accounts.insert(linked_account_id.to_owned(), HashMap::new());
        }
        let apps = accounts.get_mut(linked_account_id).expect("inserted above");
        if !apps.contains_key(slug) {
            apps.insert(slug.to_owned(), AppData::default());
        }
        f(apps.get_mut(slug).expect("inserted above"))
    }
}

/// `2026-01-02T03:04:05.678Z`.
pub(crate) fn timestamp(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_rfc3339_with_millis_in_utc() {
        let t = SystemTime::UNIX_EPOCH + Duration::from_millis(1_767_323_045_678);
        assert_eq!(timestamp(t), "2026-01-02T03:04:05.678Z");
    }

    #[test]
    fn accounts_and_apps_are_isolated() {
        let store = Store::default();
        let now = SystemTime::now();
        let id = store.with_app("a", "hubspot", |d| {
            d.insert("contacts", |n| n.to_string(), Map::new(), now).id
        });
        assert!(store.with_app("a", "hubspot", |d| d.collection("contacts").get(&id).is_some()));
        assert!(store.with_app("b", "hubspot", |d| d.collection("contacts").get(&id).is_none()));
        assert!(store.with_app("a", "salesforce", |d| d.collection("contacts").get(&id).is_none()));
    }

    #[test]
    fn touch_always_moves_updated_at_forward() {
        let now = SystemTime::now();
        let mut r = Record {
            id: "1".into(),
            properties: Map::new(),
            created_at: now,
            updated_at: now,
        };
        r.touch(now);
        assert!(r.updated_at > r.created_at);
    }
}
