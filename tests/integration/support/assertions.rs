//! Assertions shared by the suites about what errors and logs may show, and the process
//! figures (memory) some of them check.

/// Asserts that `text` shows none of `secrets`.
pub fn assert_no_secret(text: &str, secrets: &[&str]) {
    for secret in secrets {
        assert!(!text.contains(secret), "a secret leaked into {text:?}");
    }
}

/// Asserts that an error's `Display` is one non-empty line and neither it nor `Debug` nor any
/// `source()` in its chain shows one of `secrets`.
pub fn assert_error_is_clean(error: &refold::Error, secrets: &[&str]) {
    let display = error.to_string();
    assert!(!display.is_empty());
    assert!(
        !display.contains('\n') && !display.contains('\r'),
        "Display is not one line: {display:?}"
    );
    assert_no_secret(&display, secrets);
    assert_no_secret(&format!("{error:?}"), secrets);
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        assert_no_secret(&cause.to_string(), secrets);
        assert_no_secret(&format!("{cause:?}"), secrets);
        source = cause.source();
    }
}

/// A `/proc/self/status` figure in KiB (`VmHWM`, `VmRSS`), where Linux provides one.
pub fn proc_status_kib(field: &str) -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
