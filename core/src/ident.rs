//! The identifier rule, applied before anything is sent: its run-time check, with an error that
//! says what is wrong. The rule itself is refold-snapshot's [`is_valid_identifier`], the same
//! function the attribute applies at compile time. Also how a free-form id (a linked account's)
//! goes into a URL.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use refold_snapshot::{IDENTIFIER_MAX_LEN, is_valid_identifier};

use crate::Error;

/// Checks a slug or action id; `what` names it in the error (`"slug"`, `"action id"`).
///
/// # Errors
///
/// [`Error::InvalidRequest`] saying what is wrong when `value` is not a valid identifier
/// ([`is_valid_identifier`]).
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::{validate_identifier, ErrorKind};
///
/// assert!(validate_identifier("slug", "hubspot").is_ok());
/// let err = validate_identifier("action id", "a/b").unwrap_err();
/// assert!(matches!(err, refold::Error::InvalidRequest { .. }));
/// assert_eq!(err.kind(), ErrorKind::Config);
/// ```
pub fn validate_identifier(what: &str, value: &str) -> Result<(), Error> {
    if is_valid_identifier(value) {
        return Ok(());
    }
    let problem = if value.is_empty() {
        "is empty".to_owned()
    } else if value.len() > IDENTIFIER_MAX_LEN {
        format!("is {} bytes long (at most {IDENTIFIER_MAX_LEN})", value.len())
    } else {
        format!("{value:?} contains a character outside [a-z0-9_-]")
    };
    Err(Error::InvalidRequest {
        message: format!(
            "the {what} {problem}; use 1 to {IDENTIFIER_MAX_LEN} lowercase ASCII letters, digits, '_' or '-'"
        ),
    })
}

/// Checks an action's slug and action id together.
pub(crate) fn validate_action(slug: &str, action_id: &str) -> Result<(), Error> {
    validate_identifier("slug", slug)?;
    validate_identifier("action id", action_id)
}

/// Everything but RFC 3986's unreserved characters is percent-encoded.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// A free-form value (a linked account id is often an email address) made safe for one URL
/// path segment or query value; `what` names it when it is empty.
pub(crate) fn url_component(what: &str, value: &str) -> Result<String, Error> {
    if value.is_empty() {
        return Err(Error::invalid_request(format!("the {what} is empty")));
    }
    Ok(utf8_percent_encode(value, COMPONENT).to_string())
}
