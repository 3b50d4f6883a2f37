//! Checking that a delivery comes from Refold: the registration's secret header (always) and the
//! `x-cobalt-signature` HMAC (opt-in), then the body's typing. Works from any framework: it
//! takes an [`http::HeaderMap`] and the raw body bytes.

use std::fmt;

use hmac::{Hmac, KeyInit, Mac};
use http::HeaderMap;
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use super::error::Error;
use super::event::Event;
use super::{SECRET_HEADER, SIGNATURE_HEADER};

/// The largest body [`Verifier::verify`] accepts unless told otherwise: 1 MiB, far above any
/// documented event.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// A webhook's shared secret. `Debug` never shows it; [`WebhookSecret::expose`] does, for
/// storing it where your receiver can read it.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::webhooks::WebhookSecret;
///
/// let secret = WebhookSecret::generate()?;
/// assert_eq!(secret.expose().len(), 64);
/// assert!(!format!("{secret:?}").contains(secret.expose()));
/// # Ok::<(), refold::Error>(())
/// ```
#[derive(Clone)]
pub struct WebhookSecret(SecretString);

impl WebhookSecret {
    /// A new secret: 32 bytes from the operating system's secure random source, as 64
    /// lowercase hex characters (safe in a header value).
    ///
    /// # Errors
    ///
    /// [`Error::Config`](crate::Error::Config) when the operating system's random source fails.
    pub fn generate() -> Result<WebhookSecret, crate::Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes)
            .map_err(|e| crate::Error::config(format!("the system's random source failed: {e}")))?;
        Ok(WebhookSecret(SecretString::from(hex(&bytes))))
    }

    /// The secret's text.
    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl From<String> for WebhookSecret {
    fn from(secret: String) -> Self {
        WebhookSecret(SecretString::from(secret))
    }
}

impl From<&str> for WebhookSecret {
    fn from(secret: &str) -> Self {
        WebhookSecret(SecretString::from(secret))
    }
}

impl fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("WebhookSecret([redacted])")
    }
}

/// Verifies webhook deliveries and types their events.
///
/// [`Verifier::verify`] checks, in this order:
/// 1. the body's size (at most [`DEFAULT_MAX_BODY_BYTES`] unless [`Verifier::max_body_bytes`]
///    says otherwise);
/// 2. the `x-refold-webhook-secret` header, compared in constant time with the secret (it
///    must appear once; an empty secret matches nothing, so a verifier built from an unset
///    variable refuses everything);
/// 3. with [`Verifier::with_signature_key`], the `x-cobalt-signature` header: lowercase hex of
///    HMAC-SHA256 over the raw body keyed with the API key, compared in constant time
///    (upper-case hex is accepted too);
/// 4. that the body is JSON, which it then types as an [`Event`].
///
/// It never panics, whatever the headers and body, and never logs.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::webhooks::{Event, HeaderMap, Verifier};
///
/// let verifier = Verifier::from_secret("s3cret");
/// let mut headers = HeaderMap::new();
/// headers.insert("x-refold-webhook-secret", "s3cret".parse().unwrap());
/// let body = br#"{"event":"Connection Created","linked_account_id":"acme-42","slug":"hubspot"}"#;
/// match verifier.verify(&headers, body)? {
///     Event::ConnectionCreated(e) => println!("{} connected {}", e.linked_account_id, e.slug),
///     other => println!("{other:?}"),
/// }
///
/// headers.insert("x-refold-webhook-secret", "guess".parse().unwrap());
/// assert!(matches!(verifier.verify(&headers, body), Err(refold::webhooks::Error::WrongSecret)));
/// # Ok::<(), refold::webhooks::Error>(())
/// ```
#[derive(Clone)]
pub struct Verifier {
    secret: WebhookSecret,
    signature_key: Option<SecretString>,
    max_body_bytes: usize,
}

impl Verifier {
    /// A verifier for the webhook registered with `secret` (from
    /// [`Registered::secret`](super::Registered::secret)).
    pub fn new(secret: WebhookSecret) -> Verifier {
        Verifier {
            secret,
            signature_key: None,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
        }
    }

    /// A verifier for a secret kept as text (read from your configuration).
    pub fn from_secret(secret: &str) -> Verifier {
        Verifier::new(WebhookSecret::from(secret))
    }

    /// Also checks the `x-cobalt-signature` header, keyed with the org's API key. Refold's
    /// published docs do not describe this signature (a preview does), so it is off unless
    /// asked for; the secret header is checked either way.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// let verifier = refold::webhooks::Verifier::from_secret("s3cret").with_signature_key("tk_example_key");
    /// ```
    pub fn with_signature_key(mut self, api_key: impl Into<String>) -> Verifier {
        self.signature_key = Some(SecretString::from(api_key.into()));
        self
    }

    /// The largest body accepted, in bytes. Default [`DEFAULT_MAX_BODY_BYTES`].
    pub fn max_body_bytes(mut self, limit: usize) -> Verifier {
        self.max_body_bytes = limit;
        self
    }

    /// The body size limit in force.
    pub fn body_limit(&self) -> usize {
        self.max_body_bytes
    }

    /// Checks a delivery and types its event. See [`Verifier`] for the order of the checks.
    ///
    /// # Errors
    ///
    /// [`Error::TooLarge`], [`Error::MissingSecret`], [`Error::WrongSecret`],
    /// [`Error::MissingSignature`], [`Error::BadSignature`] or [`Error::NotJson`]: the first
    /// check that fails. [`Error::status`] says what to answer.
    pub fn verify(&self, headers: &HeaderMap, body: &[u8]) -> Result<Event, Error> {
        self.check(headers, body)?;
        Event::from_json(body)
    }

    /// Every check but the JSON one: size, secret, signature.
    ///
    /// # Errors
    ///
    /// As [`Verifier::verify`], but never [`Error::NotJson`].
    pub fn check(&self, headers: &HeaderMap, body: &[u8]) -> Result<(), Error> {
        if body.len() > self.max_body_bytes {
            return Err(Error::TooLarge {
                limit: self.max_body_bytes,
            });
        }
        let mut secrets = headers.get_all(SECRET_HEADER).iter();
        let given = secrets.next().ok_or(Error::MissingSecret)?;
        let expected = self.secret.expose().as_bytes();
        // An empty secret (an unset variable read as "") would accept an empty header from
        // anyone: it matches nothing.
        if expected.is_empty() {
            return Err(Error::WrongSecret);
        }
        // Lengths differ only for a wrong secret; comparing them first tells an attacker no
        // more than the secret's length, which is fixed and public (64 for generated ones).
        let matches = given.as_bytes().len() == expected.len() && bool::from(given.as_bytes().ct_eq(expected));
        if !matches || secrets.next().is_some() {
            return Err(Error::WrongSecret);
        }
        if let Some(key) = &self.signature_key {
            let signature = headers.get(SIGNATURE_HEADER).ok_or(Error::MissingSignature)?;
            let signature = unhex(signature.as_bytes().trim_ascii()).ok_or(Error::BadSignature)?;
            let mut mac =
                Hmac::<Sha256>::new_from_slice(key.expose_secret().as_bytes()).map_err(|_| Error::BadSignature)?;
            mac.update(body);
            mac.verify_slice(&signature).map_err(|_| Error::BadSignature)?;
        }
        Ok(())
    }
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("secret", &self.secret)
            .field("checks_signature", &self.signature_key.is_some())
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

/// Lowercase hex.
pub(crate) fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0xf)]));
    }
    out
}

/// Hex (either case) to bytes; `None` for an odd length or a non-hex character.
fn unhex(text: &[u8]) -> Option<Vec<u8>> {
    fn digit(c: u8) -> Option<u8> {
        match c {
            b'0'..=b'9' => Some(c - b'0'),
            b'a'..=b'f' => Some(c - b'a' + 10),
            b'A'..=b'F' => Some(c - b'A' + 10),
            _ => None,
        }
    }
    if text.len() % 2 != 0 {
        return None;
    }
    text.chunks_exact(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// The `x-cobalt-signature` value for `body` under `key`: what Refold is described to send.
#[cfg(test)]
fn signature(key: &[u8], body: &[u8]) -> Option<String> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).ok()?;
    mac.update(body);
    Some(hex(&mac.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    const BODY: &[u8] = br#"{"event":"Connection Created","linked_account_id":"a","slug":"hubspot"}"#;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        map
    }

    #[test]
    fn hex_round_trips_and_refuses_odd_or_foreign_text() {
        assert_eq!(hex(&[0x00, 0xab, 0xff]), "00abff");
        assert_eq!(unhex(b"00ABff"), Some(vec![0x00, 0xab, 0xff]));
        assert_eq!(unhex(b"abc"), None);
        assert_eq!(unhex(b"zz"), None);
    }

    #[test]
    fn signature_is_the_rfc_4231_hmac_sha256() {
        // RFC 4231, test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?").unwrap(),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn each_failure_is_its_own_error() {
        let verifier = Verifier::from_secret("s").with_signature_key("key");
        let good = signature(b"key", BODY).unwrap();
        assert!(
            verifier
                .verify(&headers(&[(SECRET_HEADER, "s"), (SIGNATURE_HEADER, &good)]), BODY)
                .is_ok()
        );
        let upper = good.to_ascii_uppercase();
        assert!(
            verifier
                .check(&headers(&[(SECRET_HEADER, "s"), (SIGNATURE_HEADER, &upper)]), BODY)
                .is_ok()
        );
        assert!(matches!(
            verifier.verify(&headers(&[]), BODY),
            Err(Error::MissingSecret)
        ));
        assert!(matches!(
            verifier.verify(&headers(&[(SECRET_HEADER, "x")]), BODY),
            Err(Error::WrongSecret)
        ));
        assert!(matches!(
            verifier.verify(&headers(&[(SECRET_HEADER, "s"), (SECRET_HEADER, "s")]), BODY),
            Err(Error::WrongSecret)
        ));
        assert!(matches!(
            verifier.verify(&headers(&[(SECRET_HEADER, "s")]), BODY),
            Err(Error::MissingSignature)
        ));
        let tampered = br#"{"event":"Connection Created","linked_account_id":"b","slug":"hubspot"}"#;
        assert!(matches!(
            verifier.verify(&headers(&[(SECRET_HEADER, "s"), (SIGNATURE_HEADER, &good)]), tampered),
            Err(Error::BadSignature)
        ));
        let small = Verifier::from_secret("s").max_body_bytes(4);
        assert!(matches!(
            small.verify(&headers(&[(SECRET_HEADER, "s")]), BODY),
            Err(Error::TooLarge { limit: 4 })
        ));
        assert!(matches!(
            Verifier::from_secret("s").verify(&headers(&[(SECRET_HEADER, "s")]), b"not json"),
            Err(Error::NotJson { .. })
        ));
    }

    #[test]
    fn an_empty_secret_refuses_even_an_empty_header() {
        let verifier = Verifier::from_secret("");
        assert!(matches!(
            verifier.verify(&headers(&[(SECRET_HEADER, "")]), BODY),
            Err(Error::WrongSecret)
        ));
    }

    #[test]
    fn debug_never_shows_the_secret_or_the_key() {
        let verifier = Verifier::from_secret("hunter2-secret").with_signature_key("tk_signing_key");
        let shown = format!("{verifier:?}");
        assert!(
            !shown.contains("hunter2-secret") && !shown.contains("tk_signing_key"),
            "{shown}"
        );
    }
}
