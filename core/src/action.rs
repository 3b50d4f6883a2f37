//! The [`Action`] trait: one Refold action as a Rust type.

use serde::Serialize;
use serde::de::DeserializeOwned;

/// A Refold action whose parameters are the fields of `Self`.
///
/// `#[refold_action]` implements this trait for you; implement it by hand when you need
/// full control over serialization. The value is serialized as the JSON body of
/// `POST /api/v2/integration-schema/{SLUG}/actions/{ACTION_ID}/execute`, so it must serialize to
/// a JSON object (a unit struct may serialize to `null`, which is sent as `{}`).
///
/// Top-level fields whose value is `None` are left out of the body (not sent as `null`); a field
/// that must send `null` can hold `Some(None)` in an `Option<Option<T>>`, or a unit value such as
/// `serde_json::Value::Null`. Nested values are sent exactly as they serialize.
///
/// # Example
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::Action;
/// use serde::Serialize;
///
/// #[derive(Serialize)]
/// struct GetContact {
///     email: String,
/// }
///
/// impl Action for GetContact {
///     const SLUG: &'static str = "hubspot";
///     const ACTION_ID: &'static str = "get_contact";
///     const IDEMPOTENT: bool = true;
///     type Output = serde_json::Value;
/// }
/// ```
pub trait Action: Serialize {
    /// The application slug, for example `"hubspot"`. Must match `[a-z0-9_-]{1,128}`.
    const SLUG: &'static str;
    /// The action id, for example `"create_contact"`. Must match `[a-z0-9_-]{1,128}`.
    const ACTION_ID: &'static str;
    /// Whether running the action twice has the same effect as running it once.
    ///
    /// Only idempotent actions are retried after a failure that leaves the outcome unknown
    /// (a timeout or a dropped connection after the request was sent, a 5xx reply). Reads
    /// (`get_*`, `search_*`, `list_*`) are idempotent; writes that create records are not.
    const IDEMPOTENT: bool = false;
    /// The type the reply's `data` field is decoded into.
    type Output: DeserializeOwned;
}
