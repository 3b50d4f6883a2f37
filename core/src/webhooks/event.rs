//! The events Refold delivers: their names ([`EventKind`]) and their typed payloads ([`Event`]).
//!
//! Decoding is tolerant in the way a receiver needs: every field but the event's name may be
//! missing, unknown fields are ignored, and a payload that names an event this SDK does not
//! know, or whose fields have unexpected types, becomes [`Event::Unknown`] with the raw JSON
//! rather than an error. Only a body that is not JSON at all fails.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;
use serde_json::Value;

use super::error::Error;

/// The name of an event a webhook can subscribe to, as Refold spells it on the wire
/// (`"Connection Created"`, …).
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::webhooks::EventKind;
///
/// assert_eq!(EventKind::ConnectionCreated.as_str(), "Connection Created");
/// assert_eq!("Connection Expired".parse::<EventKind>(), Ok(EventKind::ConnectionExpired));
/// assert!("Something Else".parse::<EventKind>().is_err());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EventKind {
    /// A customer connected an app: `"Connection Created"`.
    ConnectionCreated,
    /// A connection was removed (the customer disconnected, or the integration was removed):
    /// `"Connection Deleted"`.
    ConnectionDeleted,
    /// A connection's credentials expired; the customer must reconnect: `"Connection Expired"`.
    ConnectionExpired,
    /// A workflow run finished: `"Workflow Completed"`.
    WorkflowCompleted,
    /// A workflow run failed: `"Workflow Errored"`.
    WorkflowErrored,
}

impl EventKind {
    /// Every documented event, in the order of Refold's docs.
    pub const ALL: [EventKind; 5] = [
        EventKind::ConnectionCreated,
        EventKind::ConnectionDeleted,
        EventKind::ConnectionExpired,
        EventKind::WorkflowCompleted,
        EventKind::WorkflowErrored,
    ];

    /// The event's name on the wire.
    pub const fn as_str(self) -> &'static str {
        match self {
            EventKind::ConnectionCreated => "Connection Created",
            EventKind::ConnectionDeleted => "Connection Deleted",
            EventKind::ConnectionExpired => "Connection Expired",
            EventKind::WorkflowCompleted => "Workflow Completed",
            EventKind::WorkflowErrored => "Workflow Errored",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text is not the name of a documented event; it holds the text.
///
/// ```
/// # extern crate refold_core as refold;
/// let error = "Connection Exploded".parse::<refold::webhooks::EventKind>().unwrap_err();
/// assert!(error.to_string().contains("Connection Exploded"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEventKind(pub String);

impl fmt::Display for UnknownEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "'{}' is not a Refold webhook event; the events are ", self.0)?;
        for (i, kind) in EventKind::ALL.iter().enumerate() {
            let separator = if i == 0 { "" } else { ", " };
            write!(f, "{separator}'{kind}'")?;
        }
        Ok(())
    }
}

impl std::error::Error for UnknownEventKind {}

impl FromStr for EventKind {
    type Err = UnknownEventKind;

    /// The exact wire name (`"Connection Created"`); case and surrounding spaces are forgiven.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        EventKind::ALL
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(text))
            .ok_or_else(|| UnknownEventKind(text.to_owned()))
    }
}

/// A webhook delivery's payload, typed by its `event` field.
///
/// `#[non_exhaustive]`: events Refold adds later arrive as [`Event::Unknown`] until this SDK
/// knows them, and a later release may give them variants of their own, so keep a catch-all arm.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::webhooks::Event;
///
/// let body = br#"{"event":"Connection Created","linked_account_id":"acme-42","slug":"hubspot"}"#;
/// match Event::from_json(body)? {
///     Event::ConnectionCreated(e) => assert_eq!((e.linked_account_id.as_str(), e.slug.as_str()), ("acme-42", "hubspot")),
///     other => panic!("unexpected {other:?}"),
/// }
///
/// let later = Event::from_json(br#"{"event":"Invoice Paid","amount":3}"#)?;
/// assert!(matches!(later, Event::Unknown { ref event, .. } if event == "Invoice Paid"));
/// # Ok::<(), refold::webhooks::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// `"Connection Created"`: a customer connected an app.
    ConnectionCreated(ConnectionEvent),
    /// `"Connection Deleted"`: a connection was removed.
    ConnectionDeleted(ConnectionEvent),
    /// `"Connection Expired"`: the customer must reconnect the app.
    ConnectionExpired(ConnectionEvent),
    /// `"Workflow Completed"`.
    WorkflowCompleted(WorkflowEvent),
    /// `"Workflow Errored"`.
    WorkflowErrored(WorkflowEvent),
    /// An event this SDK does not know, or a known one whose fields have unexpected types: its
    /// name (empty when the payload has no string `event` field) and the whole payload.
    Unknown {
        /// The payload's `event` field.
        event: String,
        /// The payload as received.
        payload: Value,
    },
}

impl Event {
    /// Parses a delivery's body. Never fails on JSON: see [`Event::from_value`].
    ///
    /// # Errors
    ///
    /// [`Error::NotJson`] when the body is not JSON.
    pub fn from_json(body: &[u8]) -> Result<Event, Error> {
        let value: Value = serde_json::from_slice(body).map_err(|source| Error::NotJson { source })?;
        Ok(Event::from_value(value))
    }

    /// Types a JSON payload by its `event` field. A payload that is not an object, names no
    /// known event, or has a field of an unexpected type is [`Event::Unknown`].
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// use refold::webhooks::{Event, EventKind};
    ///
    /// let event = Event::from_value(serde_json::json!({ "event": "Connection Expired" }));
    /// assert_eq!(event.kind(), Some(EventKind::ConnectionExpired));
    /// ```
    pub fn from_value(payload: Value) -> Event {
        let name = match payload.get("event") {
            Some(Value::String(name)) => name.clone(),
            _ => String::new(),
        };
        let Ok(kind) = name.parse::<EventKind>() else {
            return Event::Unknown { event: name, payload };
        };
        let typed = match kind {
            EventKind::ConnectionCreated => ConnectionEvent::deserialize(&payload).map(Event::ConnectionCreated),
            EventKind::ConnectionDeleted => ConnectionEvent::deserialize(&payload).map(Event::ConnectionDeleted),
            EventKind::ConnectionExpired => ConnectionEvent::deserialize(&payload).map(Event::ConnectionExpired),
            EventKind::WorkflowCompleted => WorkflowEvent::deserialize(&payload).map(Event::WorkflowCompleted),
            EventKind::WorkflowErrored => WorkflowEvent::deserialize(&payload).map(Event::WorkflowErrored),
        };
        typed.unwrap_or(Event::Unknown { event: name, payload })
    }

    /// The documented event this is; `None` for [`Event::Unknown`].
    pub fn kind(&self) -> Option<EventKind> {
        match self {
            Event::ConnectionCreated(_) => Some(EventKind::ConnectionCreated),
            Event::ConnectionDeleted(_) => Some(EventKind::ConnectionDeleted),
            Event::ConnectionExpired(_) => Some(EventKind::ConnectionExpired),
            Event::WorkflowCompleted(_) => Some(EventKind::WorkflowCompleted),
            Event::WorkflowErrored(_) => Some(EventKind::WorkflowErrored),
            Event::Unknown { .. } => None,
        }
    }

    /// The event's name, as the payload gave it.
    pub fn name(&self) -> &str {
        match self {
            Event::Unknown { event, .. } => event,
            known => known.kind().map_or("", EventKind::as_str),
        }
    }

    /// The linked account (customer) the event is about, when the payload names one.
    pub fn linked_account_id(&self) -> Option<&str> {
        let id = match self {
            Event::ConnectionCreated(e) | Event::ConnectionDeleted(e) | Event::ConnectionExpired(e) => {
                &e.linked_account_id
            }
            Event::WorkflowCompleted(e) | Event::WorkflowErrored(e) => &e.linked_account_id,
            Event::Unknown { payload, .. } => return payload.get("linked_account_id").and_then(Value::as_str),
        };
        (!id.is_empty()).then_some(id.as_str())
    }
}

/// The payload of a connection event (created, deleted, expired). Every field may be missing
/// on the wire: the strings are then empty and the options `None`.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::webhooks::Event;
///
/// let body = br#"{"event":"Connection Expired","linked_account_id":"acme-42","slug":"salesforce",
///                 "environment":"production","createdAt":"2026-01-02T03:04:05.678Z"}"#;
/// if let Event::ConnectionExpired(e) = Event::from_json(body)? {
///     assert_eq!(e.environment.as_deref(), Some("production"));
///     assert_eq!(e.org_id, None);
/// }
/// # Ok::<(), refold::webhooks::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ConnectionEvent {
    /// The customer whose connection changed.
    #[serde(default)]
    pub linked_account_id: String,
    /// The app (`hubspot`, `salesforce`, …).
    #[serde(default)]
    pub slug: String,
    /// `test` or `production`.
    #[serde(default)]
    pub environment: Option<String>,
    /// Your organisation's id at Refold.
    #[serde(default)]
    pub org_id: Option<String>,
    /// When the event happened, as Refold wrote it (ISO 8601): `createdAt`.
    #[serde(default, rename = "createdAt")]
    pub created_at: Option<String>,
    /// The payload's `type` field, which Refold does not describe further.
    #[serde(default, rename = "type")]
    pub event_type: Option<String>,
}

/// The payload of a workflow event (completed, errored): the connection fields plus the
/// workflow's.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::webhooks::Event;
///
/// let body = br#"{"event":"Workflow Errored","linked_account_id":"acme-42","workflow_name":"Sync","status":"Errored"}"#;
/// if let Event::WorkflowErrored(e) = Event::from_json(body)? {
///     assert_eq!(e.workflow_name.as_deref(), Some("Sync"));
/// }
/// # Ok::<(), refold::webhooks::Error>(())
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct WorkflowEvent {
    /// The customer the workflow ran for.
    #[serde(default)]
    pub linked_account_id: String,
    /// The app.
    #[serde(default)]
    pub slug: String,
    /// `test` or `production`.
    #[serde(default)]
    pub environment: Option<String>,
    /// Your organisation's id at Refold.
    #[serde(default)]
    pub org_id: Option<String>,
    /// When the event happened: `createdAt`.
    #[serde(default, rename = "createdAt")]
    pub created_at: Option<String>,
    /// The payload's `type` field.
    #[serde(default, rename = "type")]
    pub event_type: Option<String>,
    /// The workflow run.
    #[serde(default)]
    pub instance_id: Option<String>,
    /// The workflow.
    #[serde(default)]
    pub workflow_id: Option<String>,
    /// The configuration the workflow ran with.
    #[serde(default)]
    pub config_id: Option<String>,
    /// The workflow's name.
    #[serde(default)]
    pub workflow_name: Option<String>,
    /// The run's status, as Refold wrote it.
    #[serde(default)]
    pub status: Option<String>,
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_known_event_with_missing_fields_is_still_typed() {
        let event = Event::from_value(json!({ "event": "Connection Deleted" }));
        assert_eq!(event, Event::ConnectionDeleted(ConnectionEvent::default()));
        assert_eq!(event.linked_account_id(), None);
    }

    #[test]
    fn a_known_event_with_a_field_of_the_wrong_type_is_unknown_with_its_payload() {
        let payload = json!({ "event": "Connection Created", "linked_account_id": 42 });
        let event = Event::from_value(payload.clone());
        assert_eq!(
            event,
            Event::Unknown {
                event: "Connection Created".into(),
                payload
            }
        );
        assert_eq!(event.name(), "Connection Created");
    }

    #[test]
    fn a_payload_without_an_event_name_is_unknown_with_an_empty_name() {
        for payload in [json!([1, 2]), json!("text"), json!({ "event": 7 }), json!(null)] {
            assert!(matches!(Event::from_value(payload), Event::Unknown { event, .. } if event.is_empty()));
        }
    }

    #[test]
    fn workflow_events_carry_their_workflow_fields() {
        let event = Event::from_value(json!({
            "event": "Workflow Completed", "linked_account_id": "a", "instance_id": "i1",
            "workflow_id": "w1", "config_id": "c1", "workflow_name": "Sync", "status": "Completed",
            "unknown_field": { "nested": true },
        }));
        let Event::WorkflowCompleted(e) = event else {
            panic!("not typed")
        };
        assert_eq!(e.instance_id.as_deref(), Some("i1"));
        assert_eq!(e.status.as_deref(), Some("Completed"));
    }
}
