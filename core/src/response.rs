//! The reply envelope of an executed action.

use std::fmt;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The outcome Refold reports for the app call behind an action (`node_status`).
///
/// Unknown values are kept in [`NodeStatus::Other`] rather than rejected, so a new status on
/// Refold's side never breaks decoding.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::NodeStatus;
///
/// assert_eq!(NodeStatus::from("Success"), NodeStatus::Success);
/// assert_eq!(NodeStatus::from("Paused").as_str(), "Paused");
/// assert!(!NodeStatus::Failed.is_success());
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NodeStatus {
    /// The app accepted the call.
    Success,
    /// The app answered with a failure (for example HubSpot's 409 for a duplicate email).
    Failed,
    /// The action itself errored inside Refold.
    Errored,
    /// Any other status string, kept verbatim.
    Other(String),
}

impl NodeStatus {
    /// The status as Refold spells it.
    pub fn as_str(&self) -> &str {
        match self {
            NodeStatus::Success => "Success",
            NodeStatus::Failed => "Failed",
            NodeStatus::Errored => "Errored",
            NodeStatus::Other(other) => other,
        }
    }

    /// Whether this is `Success`.
    pub fn is_success(&self) -> bool {
        matches!(self, NodeStatus::Success)
    }
}

impl From<&str> for NodeStatus {
    fn from(value: &str) -> Self {
        match value {
            "Success" => NodeStatus::Success,
            "Failed" => NodeStatus::Failed,
            "Errored" => NodeStatus::Errored,
            other => NodeStatus::Other(other.to_owned()),
        }
    }
}

impl fmt::Display for NodeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for NodeStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for NodeStatus {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(NodeStatus::from(text.as_ref()))
    }
}

/// A successful action reply: the app's own `data`, decoded into `T`.
///
/// Replies whose `node_status` is not `Success` never become an `ActionResponse`; they are
/// returned as [`Error::ActionFailed`](crate::Error::ActionFailed).
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::{ActionResponse, NodeStatus};
///
/// let reply = ActionResponse {
///     data: serde_json::json!({ "id": "9001" }),
///     node_status: NodeStatus::Success,
///     http_status: Some(201),
///     request_id: None,
/// };
/// assert_eq!(reply.data["id"], "9001");
/// ```
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ActionResponse<T> {
    /// The app's reply in its native shape.
    pub data: T,
    /// The app's outcome as Refold reported it: always [`NodeStatus::Success`] in a value the
    /// client returns, because a reply with any other status is returned as
    /// [`Error::ActionFailed`](crate::Error::ActionFailed) instead, with that status, the app's
    /// HTTP status and its reply. The field stays so that an `ActionResponse` is the whole
    /// envelope Refold sends (`data`, `node_status`, `http_status`) and serializes as such, for
    /// logs or for passing the reply on, and so that one built by hand (in a test, from a stored
    /// envelope) says what it holds.
    pub node_status: NodeStatus,
    /// The HTTP status the app returned, when Refold reports it.
    pub http_status: Option<u16>,
    /// Refold's request id, when the reply carries one (header `x-request-id`).
    pub request_id: Option<String>,
}

impl<T> ActionResponse<T> {
    /// Maps the `data` field, keeping the rest of the envelope.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// # use refold::{ActionResponse, NodeStatus};
    /// let reply = ActionResponse { data: 2, node_status: NodeStatus::Success, http_status: None, request_id: None };
    /// assert_eq!(reply.map(|n| n * 10).data, 20);
    /// ```
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> ActionResponse<U> {
        ActionResponse {
            data: f(self.data),
            node_status: self.node_status,
            http_status: self.http_status,
            request_id: self.request_id,
        }
    }
}
