//! The rule for slugs and action ids, the one place it is written: the attribute checks it at
//! compile time, the snapshot files with it keep every snapshot's path inside its directory, and
//! the runtime re-exports it (`refold::is_valid_identifier`) and checks each action's constant
//! slug and id with it in a `const` block, which is why it is a `const fn`.

/// The longest slug or action id Refold accepts.
pub const IDENTIFIER_MAX_LEN: usize = 128;

/// Whether `value` is a valid slug or action id: 1 to [`IDENTIFIER_MAX_LEN`] bytes, each a
/// lowercase ASCII letter, a digit, `_` or `-`.
///
/// Slugs and action ids become URL path segments; with only these characters a value can never
/// escape its segment (`../x`, `a/b`, `x?y`, `%2e`), whatever the caller passes.
///
/// ```
/// use refold_snapshot::is_valid_identifier;
///
/// assert!(is_valid_identifier("create_contact"));
/// assert!(is_valid_identifier("google-drive"));
/// assert!(!is_valid_identifier("../etc"));
/// assert!(!is_valid_identifier("Create"));
/// assert!(!is_valid_identifier(""));
/// const CHECKED: bool = is_valid_identifier("hubspot"); // usable in constants
/// assert!(CHECKED);
/// ```
pub const fn is_valid_identifier(value: &str) -> bool {
    let bytes = value.as_bytes();
    if bytes.is_empty() || bytes.len() > IDENTIFIER_MAX_LEN {
        return false;
    }
    // A `while` loop, because iterators are not usable in a `const fn`.
    let mut index = 0;
    while index < bytes.len() {
        if !is_identifier_byte(bytes[index]) {
            return false;
        }
        index += 1;
    }
    true
}

/// Whether one byte may appear in a slug or action id.
///
/// ```
/// assert!(refold_snapshot::is_identifier_byte(b'-'));
/// assert!(!refold_snapshot::is_identifier_byte(b'A'));
/// ```
pub const fn is_identifier_byte(byte: u8) -> bool {
    matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-')
}
