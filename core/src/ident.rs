//! The rule for slugs and action ids, checked before anything is sent.
//!
//! Slugs and action ids become URL path segments. Accepting only `[a-z0-9_-]{1,128}` means a
//! value can never escape its segment (`../x`, `a/b`, `x?y`, `%2e`), whatever the caller passes.

use crate::Error;

/// The longest slug or action id the SDK accepts.
pub const IDENTIFIER_MAX_LEN: usize = 128;

/// Whether `value` is a valid slug or action id: 1 to [`IDENTIFIER_MAX_LEN`] characters, each a
/// lowercase ASCII letter, a digit, `_` or `-`.
///
/// `#[refold_action]` applies the same rule at compile time.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::is_valid_identifier;
///
/// assert!(is_valid_identifier("create_contact"));
/// assert!(is_valid_identifier("google-drive"));
/// assert!(!is_valid_identifier("../x"));
/// assert!(!is_valid_identifier("Create"));
/// assert!(!is_valid_identifier(""));
/// ```
pub const fn is_valid_identifier(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > IDENTIFIER_MAX_LEN {
        return false;
    }
    // A `while` loop, because iterators are not usable in a `const fn`: the client checks an
    // action's constant slug and id at compile time.
    let mut index = 0;
    while index < bytes.len() {
        let byte = bytes[index];
        if !(byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'_' || byte == b'-') {
            return false;
        }
        index += 1;
    }
    true
}

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
