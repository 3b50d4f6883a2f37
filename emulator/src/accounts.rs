//! Linked accounts and their connections to apps: the store behind the Linked Accounts,
//! Applications and Credentials endpoints, and what decides whether an action may run.
//!
//! Where accounts come from:
//!
//! - The configured default account and those given to `Emulator::add_linked_account` are
//!   *seeded*: every catalogue app is connected, so the quickstart and tests can execute actions
//!   without a connect step.
//! - An account first seen on an action call is seeded too, on the fly, as a convenience of the
//!   emulator (Refold itself knows only accounts that were created or linked). From then on it
//!   is listed and can be read like any other.
//! - An account created through `POST` or `PUT /api/v2/public/linked-account` starts with
//!   nothing connected, as on Refold.
//!
//! Connections change only through [`crate::state::Shared::connection_changed`]; seeding an
//! account connects its apps without being a change anyone is told about.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use std::time::SystemTime;

use serde_json::{Map, Value, json};

use crate::catalogue::{App, Catalogue};
use crate::store::timestamp;

/// The org every account of the emulator belongs to.
const ORG_ID: &str = "org_emulator";
/// The environment the emulator's test key (`tk_…`) acts in.
const ENVIRONMENT: &str = "test";
/// The auth type of an app connected through OAuth (the Connect page, the OAuth URL, seeding).
pub(crate) const OAUTH2: &str = "oauth2";
/// The auth type of an app connected with saved key-based credentials.
pub(crate) const KEYBASED: &str = "keybased";

/// One change to one app's connection on one linked account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum ConnectionChange {
    /// The app was connected (or reconnected) with this auth type.
    Created { auth_type: String },
    /// The connection was removed.
    Deleted,
    /// The connection's token stopped working: `reauth_required` until it is connected again.
    Expired,
}

/// Whether an action of an app may run for an account.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reach {
    Connected,
    NotConnected,
    Expired,
}

#[derive(Clone, Debug)]
struct Connection {
    auth_type: String,
    connected_at: SystemTime,
    expired: bool,
}

#[derive(Clone, Debug)]
struct Account {
    object_id: String,
    account_id: String,
    name: Option<String>,
    udf: BTreeMap<String, String>,
    created_at: SystemTime,
    updated_at: SystemTime,
    connections: BTreeMap<String, Connection>,
}

/// What a create or upsert sets on an account.
#[derive(Debug, Default)]
pub(crate) struct AccountFields {
    pub(crate) name: Option<String>,
    pub(crate) udf: BTreeMap<String, String>,
}

#[derive(Debug, Default)]
struct State {
    accounts: HashMap<String, Account>,
    /// Account ids in creation order: the order lists page in.
    order: Vec<String>,
}

/// The emulator's linked accounts.
#[derive(Debug, Default)]
pub(crate) struct Accounts {
    state: Mutex<State>,
}

/// What a create was refused for.
#[derive(Debug)]
pub(crate) struct AlreadyExists;

impl Accounts {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether the account exists.
    pub(crate) fn contains(&self, account_id: &str) -> bool {
        self.lock().accounts.contains_key(account_id)
    }

    /// Creates `account_id` with every catalogue app connected, unless it exists (then nothing
    /// changes).
    pub(crate) fn seed(&self, account_id: &str, catalogue: &Catalogue) {
        let mut state = self.lock();
        if state.accounts.contains_key(account_id) {
            return;
        }
        let now = SystemTime::now();
        let mut account = Account::new(account_id, AccountFields::default(), now);
        for app in catalogue.apps() {
            account.connections.insert(
                app.slug.clone(),
                Connection {
                    auth_type: OAUTH2.to_owned(),
                    connected_at: now,
                    expired: false,
                },
            );
        }
        state.insert(account);
    }

    /// Creates an account with nothing connected; its JSON without `integrations`.
    pub(crate) fn create(&self, account_id: &str, fields: AccountFields) -> Result<Value, AlreadyExists> {
        let mut state = self.lock();
        if state.accounts.contains_key(account_id) {
            return Err(AlreadyExists);
        }
        let account = Account::new(account_id, fields, SystemTime::now());
        let json = account.to_json(false);
        state.insert(account);
        Ok(json)
    }

    /// Creates the account (nothing connected) or updates its name and UDFs; its JSON without
    /// `integrations`.
    pub(crate) fn upsert(&self, account_id: &str, fields: AccountFields) -> Value {
        let mut state = self.lock();
        let now = SystemTime::now();
        if let Some(account) = state.accounts.get_mut(account_id) {
            if fields.name.is_some() {
                account.name = fields.name;
            }
            account.udf.extend(fields.udf);
            account.updated_at = now;
            return account.to_json(false);
        }
        let account = Account::new(account_id, fields, now);
        let json = account.to_json(false);
        state.insert(account);
        json
    }

    /// The account's JSON, integrations included.
    pub(crate) fn get(&self, account_id: &str) -> Option<Value> {
        self.lock().accounts.get(account_id).map(|a| a.to_json(true))
    }

    /// Removes the account; false when there was none.
    pub(crate) fn delete(&self, account_id: &str) -> bool {
        let mut state = self.lock();
        let removed = state.accounts.remove(account_id).is_some();
        if removed {
            state.order.retain(|id| id != account_id);
        }
        removed
    }

    /// The slugs of the account's connections.
    pub(crate) fn connected_slugs(&self, account_id: &str) -> Vec<String> {
        self.lock()
            .accounts
            .get(account_id)
            .map(|a| a.connections.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// One page of accounts, as Refold's `PaginatedLinkedAccounts`: `page` counts from 1.
    pub(crate) fn page(&self, page: u64, limit: u64) -> Value {
        let state = self.lock();
        let total = state.order.len() as u64;
        let total_pages = total.div_ceil(limit).max(1);
        let skip = (page - 1).saturating_mul(limit);
        let docs: Vec<Value> = state
            .order
            .iter()
            .skip(usize::try_from(skip).unwrap_or(usize::MAX))
            .take(usize::try_from(limit).unwrap_or(usize::MAX))
            .filter_map(|id| state.accounts.get(id))
            .map(|a| a.to_json(true))
            .collect();
        let has_next = page < total_pages;
        let has_prev = page > 1;
        json!({
            "docs": docs,
            "totalDocs": total,
            "limit": limit,
            "page": page,
            "totalPages": total_pages,
            "hasNextPage": has_next,
            "hasPrevPage": has_prev,
            "nextPage": if has_next { Some(page + 1) } else { None },
            "prevPage": if has_prev { Some(page - 1) } else { None },
            "pagingCounter": skip + 1,
        })
    }

    /// Applies one connection change; false when the account does not exist, or (for a removal
    /// or an expiry) the app was not connected, so nothing changed.
    pub(crate) fn apply(&self, account_id: &str, slug: &str, change: &ConnectionChange) -> bool {
        let mut state = self.lock();
        let Some(account) = state.accounts.get_mut(account_id) else {
            return false;
        };
        let now = SystemTime::now();
        let changed = match change {
            ConnectionChange::Created { auth_type } => {
                account.connections.insert(
                    slug.to_owned(),
                    Connection {
                        auth_type: auth_type.clone(),
                        connected_at: now,
                        expired: false,
                    },
                );
                true
            }
            ConnectionChange::Deleted => account.connections.remove(slug).is_some(),
            ConnectionChange::Expired => match account.connections.get_mut(slug) {
                Some(connection) => {
                    connection.expired = true;
                    true
                }
                None => false,
            },
        };
        if changed {
            account.updated_at = now;
        }
        changed
    }

    /// The auth type the account's connection to `slug` uses, when it has one.
    pub(crate) fn auth_type(&self, account_id: &str, slug: &str) -> Option<String> {
        let state = self.lock();
        let connection = state.accounts.get(account_id)?.connections.get(slug)?;
        Some(connection.auth_type.clone())
    }

    /// Whether an action of `slug` may run for the account.
    pub(crate) fn reach(&self, account_id: &str, slug: &str) -> Reach {
        let state = self.lock();
        match state.accounts.get(account_id).and_then(|a| a.connections.get(slug)) {
            None => Reach::NotConnected,
            Some(connection) if connection.expired => Reach::Expired,
            Some(_) => Reach::Connected,
        }
    }

    /// The app as the account sees it (Refold's `ApplicationItem`), or `None` for an unknown
    /// account.
    pub(crate) fn application(&self, account_id: &str, app: &App) -> Option<Value> {
        let state = self.lock();
        let account = state.accounts.get(account_id)?;
        let connection = account.connections.get(&app.slug);
        let connected_accounts: Vec<Value> = connection
            .map(|c| {
                json!({
                    "identifier": account.account_id,
                    "auth_type": c.auth_type,
                    "connectedAt": timestamp(c.connected_at),
                    "status": if c.expired { "expired" } else { "active" },
                })
            })
            .into_iter()
            .collect();
        Some(json!({
            "_id": format!("app_{}", app.slug),
            "slug": app.slug,
            "app_id": format!("app_{}", app.slug),
            "name": app.name.as_deref().unwrap_or(&app.slug),
            "auth_type": OAUTH2,
            "connected": connection.is_some(),
            "connected_accounts": connected_accounts,
            "reauth_required": connection.is_some_and(|c| c.expired),
        }))
    }
}

impl State {
    fn insert(&mut self, account: Account) {
        self.order.push(account.account_id.clone());
        self.accounts.insert(account.account_id.clone(), account);
    }
}

impl Account {
    fn new(account_id: &str, fields: AccountFields, now: SystemTime) -> Self {
        Account {
            object_id: crate::envelope::random_uuid().replace('-', "")[..24].to_owned(),
            account_id: account_id.to_owned(),
            name: fields.name,
            udf: fields.udf,
            created_at: now,
            updated_at: now,
            connections: BTreeMap::new(),
        }
    }

    /// Refold's `LinkedAccount`; `integrations` (without credentials, tokens or connections, as
    /// Refold strips them) only when asked, as create and upsert replies leave it out.
    fn to_json(&self, with_integrations: bool) -> Value {
        let udf: Vec<Value> = self
            .udf
            .iter()
            .map(|(key, value)| json!({ "key_name": key, "key_value": value }))
            .collect();
        let mut json = Map::new();
        json.insert("_id".into(), json!(self.object_id));
        json.insert("associated_org".into(), json!(ORG_ID));
        json.insert("account_id".into(), json!(self.account_id));
        if let Some(name) = &self.name {
            json.insert("name".into(), json!(name));
        }
        json.insert("environment".into(), json!(ENVIRONMENT));
        json.insert("udf".into(), Value::Array(udf));
        json.insert("is_seed".into(), json!(false));
        json.insert("tenant_account_id".into(), Value::Null);
        if with_integrations {
            let integrations: Vec<Value> = self
                .connections
                .iter()
                .map(|(slug, c)| {
                    json!({
                        "type": slug,
                        "name": slug,
                        "identifier": self.account_id,
                        "reauth_required": c.expired,
                        "refresh_token_expired": c.expired,
                        "createdAt": timestamp(c.connected_at),
                        "updatedAt": timestamp(c.connected_at),
                    })
                })
                .collect();
            json.insert("integrations".into(), Value::Array(integrations));
        }
        json.insert("createdAt".into(), json!(timestamp(self.created_at)));
        json.insert("updatedAt".into(), json!(timestamp(self.updated_at)));
        Value::Object(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_accounts_start_unconnected_and_seeded_ones_connected() {
        let accounts = Accounts::default();
        accounts.create("new", AccountFields::default()).unwrap();
        accounts.seed("seeded", Catalogue::builtin());
        assert_eq!(accounts.reach("new", "hubspot"), Reach::NotConnected);
        assert_eq!(accounts.reach("seeded", "hubspot"), Reach::Connected);
        assert!(accounts.create("new", AccountFields::default()).is_err());
    }

    #[test]
    fn pages_follow_creation_order() {
        let accounts = Accounts::default();
        for id in ["a", "b", "c"] {
            accounts.create(id, AccountFields::default()).unwrap();
        }
        let second = accounts.page(2, 2);
        assert_eq!(second["docs"][0]["account_id"], "c");
        assert_eq!(second["hasNextPage"], false);
        assert_eq!(second["prevPage"], 1);
        assert_eq!(accounts.page(1, 2)["nextPage"], 2);
    }
}
