//! The action every variant calls, and its typed output.

use refold::refold_action;
use serde::Deserialize;

/// The slug of the benchmarked action.
pub const SLUG: &str = "hubspot";
/// The id of the benchmarked action: a read, so repeating it changes nothing on the emulator.
pub const ACTION_ID: &str = "get_contact";
/// The contact every call reads.
pub const EMAIL: &str = "ada@example.com";

/// Variant A's action: HubSpot's `get_contact`, decoded into [`Contact`].
#[refold_action(slug = "hubspot", id = "get_contact", output = Contact, idempotent)]
#[derive(Debug, Clone)]
pub struct GetContact {
    /// The contact's email address.
    pub email: String,
}

impl GetContact {
    /// The call every variant makes.
    pub fn ada() -> Self {
        GetContact {
            email: EMAIL.to_owned(),
        }
    }
}

/// A HubSpot contact record, as `get_contact` returns it in `data`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Contact {
    /// HubSpot's record id.
    pub id: String,
    /// The contact's properties (others than these are ignored).
    pub properties: ContactProperties,
    /// When the record was created.
    pub created_at: String,
    /// When the record last changed.
    pub updated_at: String,
    /// Whether the record is archived.
    pub archived: bool,
}

/// The properties of a [`Contact`] the benchmark reads.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct ContactProperties {
    /// Email address.
    pub email: Option<String>,
    /// First name.
    pub firstname: Option<String>,
    /// Last name.
    pub lastname: Option<String>,
}
