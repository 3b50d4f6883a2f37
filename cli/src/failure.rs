//! What `refold bulk` keeps of a row that did not succeed: the evidence a person needs to act on
//! it, a reason to group it by, and whether `--resume` may send it again on its own.
//!
//! The resend rule, which `refold bulk --help` states:
//! - a row that certainly did not execute, for a reason that may pass (it was never sent,
//!   Refold throttled it, the connection could not be opened, the app answered 429), is sent
//!   again by `--resume`;
//! - a row the app or Refold refused for good (an app 4xx such as 409 or 400, Refold's 400
//!   validation error, an auth failure, anything else that is certain) is sent again only with
//!   `--retry-failed`;
//! - a row that may have executed is "unknown", sent again only with `--resend-unknown`.

use refold::{Error, RetryClass};

use crate::journal::{Entry, Outcome};

/// How far a failed row got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reached {
    /// Its request never went on the wire (the before-send hook never ran).
    NotSent,
    /// The hook ran and refused it: its `sent` line could not be written, so it was not sent.
    HookRefused,
    /// Its `sent` line is written: the request may have reached Refold.
    Sent,
}

/// The journal line of a row whose call failed. A row never sent cannot have executed,
/// whatever the error says.
pub fn entry(row: u64, hash: &str, err: &Error, reached: Reached) -> Entry {
    let sent = reached == Reached::Sent;
    let unknown = sent && err.may_have_executed();
    let mut entry = Entry::new(row, hash, if unknown { Outcome::Unknown } else { Outcome::Failed });
    entry.request_id = err.request_id().map(str::to_owned);
    entry.error_kind = Some(if sent { err.kind().as_str() } else { "not_sent" }.to_owned());
    entry.error = Some(err.to_string());
    entry.may_have_executed = unknown;
    entry.resend = match reached {
        // What kept it from the network may pass (the limiter's wait, a failed mint), unless
        // the request itself cannot be made (an invalid linked account id, say).
        Reached::NotSent => !matches!(err.retry_class(), RetryClass::Permanent | RetryClass::Auth),
        Reached::HookRefused => true,
        Reached::Sent => !unknown && passes(err),
    };
    entry.reason = Some(match reached {
        Reached::Sent => reason(err),
        Reached::NotSent => format!("not sent: {}", reason(err)),
        Reached::HookRefused => "not sent: its journal line could not be written".to_owned(),
    });
    match err {
        Error::ActionFailed { http_status, data, .. } => {
            entry.app_status = *http_status;
            entry.keep_reply(&data.to_string());
        }
        Error::Api(api) => {
            entry.status = Some(api.status());
            entry.error_code = api.error_code().map(str::to_owned);
            entry.message = api.message().map(str::to_owned);
            if let Some(body) = api.body_snippet() {
                entry.keep_reply(body);
            }
        }
        _ => {}
    }
    entry
}

/// Whether a failure that certainly did not execute may pass if the row is sent again later.
fn passes(err: &Error) -> bool {
    matches!(err.retry_class(), RetryClass::Throttled | RetryClass::Transient) || err.app_status() == Some(429)
}

/// A short reason, the same for every row that failed the same way.
fn reason(err: &Error) -> String {
    match err {
        Error::ActionFailed {
            http_status: Some(status),
            ..
        } => format!("the app answered {status}"),
        Error::ActionFailed { node_status, .. } => format!("the app reported {node_status}"),
        Error::Api(api) if api.is_rate_limited() => format!("throttled by Refold ({})", api.status()),
        Error::Api(api) => match api.error_code() {
            Some(code) => format!("Refold answered {} {code}", api.status()),
            None => format!("Refold answered {}", api.status()),
        },
        Error::Connect { .. } => "could not connect to Refold".to_owned(),
        Error::Timeout(_) => "timed out".to_owned(),
        Error::Transport { .. } => "the connection failed after sending".to_owned(),
        Error::SessionMint { .. } => "could not mint a session token".to_owned(),
        other => format!("{} error", other.kind().as_str()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_never_sent_is_never_unknown_and_is_resent_unless_it_cannot_be_made() {
        // A whole-call timeout while waiting for the limiter: the error alone says "may have
        // run"; the row never reached the network, so it is failed and resent.
        let err = refold::Client::builder().build().unwrap_err();
        let refused = entry(3, "00", &err, Reached::HookRefused);
        assert_eq!(refused.outcome, Some(Outcome::Failed));
        assert!(refused.resend);
        assert!(!refused.may_have_executed);
        assert_eq!(refused.error_kind.as_deref(), Some("not_sent"));
        // A request that cannot be made at all is not resent on its own.
        let invalid = refold::validate_identifier("slug", "Bad").unwrap_err();
        let never = entry(3, "00", &invalid, Reached::NotSent);
        assert!(!never.resend);
        assert_eq!(never.reason.as_deref(), Some("not sent: config error"));
    }

    #[test]
    fn a_permanent_refusal_is_not_resent_and_keeps_its_kind_as_a_stable_string() {
        let err = refold::validate_identifier("slug", "Bad").unwrap_err();
        let entry = entry(3, "00", &err, Reached::Sent);
        assert_eq!(entry.outcome, Some(Outcome::Failed));
        assert!(!entry.resend);
        assert_eq!(entry.error_kind.as_deref(), Some("config"));
        assert_eq!(entry.reason.as_deref(), Some("config error"));
    }
}
