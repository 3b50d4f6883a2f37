//! The rule for slugs and action ids, shared by the attribute (at compile time) and the snapshot
//! files (it also keeps every snapshot's path inside its directory). The runtime checks the same
//! rule (`refold::is_valid_identifier`); the facade's `tests/ui.rs` holds the two together.

/// The longest slug or action id Refold accepts.
pub const IDENTIFIER_MAX_LEN: usize = 128;

/// Whether `value` is a valid slug or action id: 1 to [`IDENTIFIER_MAX_LEN`] bytes, each a
/// lowercase ASCII letter, a digit, `_` or `-`.
///
/// ```
/// use refold_snapshot::is_valid_identifier;
///
/// assert!(is_valid_identifier("create_contact"));
/// assert!(!is_valid_identifier("../etc"));
/// assert!(!is_valid_identifier(""));
/// ```
pub fn is_valid_identifier(value: &str) -> bool {
    (1..=IDENTIFIER_MAX_LEN).contains(&value.len()) && value.bytes().all(is_identifier_byte)
}

/// Whether one byte may appear in a slug or action id.
///
/// ```
/// assert!(refold_snapshot::is_identifier_byte(b'-'));
/// assert!(!refold_snapshot::is_identifier_byte(b'A'));
/// ```
pub fn is_identifier_byte(byte: u8) -> bool {
    matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')
}
