//! Why a webhook delivery was refused.

use super::{SECRET_HEADER, SIGNATURE_HEADER};

/// Why a delivery was refused. Each failure has its own variant, so a receiver can log what
/// went wrong; [`Error::status`] is the HTTP status to answer with.
///
/// No variant holds the secret, the expected signature or the body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The delivery has no `x-refold-webhook-secret` header.
    #[error("the webhook delivery has no {SECRET_HEADER} header")]
    MissingSecret,
    /// The secret header does not hold this webhook's secret (or appears more than once).
    #[error("the webhook delivery's {SECRET_HEADER} header does not match the webhook's secret")]
    WrongSecret,
    /// Signatures are checked and the delivery has no `x-cobalt-signature` header.
    #[error("the webhook delivery has no {SIGNATURE_HEADER} header")]
    MissingSignature,
    /// The `x-cobalt-signature` header is not the HMAC-SHA256 of this body under the key: the
    /// body was altered, or the key is not the one Refold signs with.
    #[error("the webhook delivery's {SIGNATURE_HEADER} does not match its body")]
    BadSignature,
    /// The body is larger than the verifier accepts.
    #[error("the webhook delivery's body is larger than {limit} bytes")]
    TooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
    /// The body is not JSON.
    #[error("the webhook delivery's body is not JSON: {source}")]
    NotJson {
        /// What the JSON parser reported.
        source: serde_json::Error,
    },
}

impl Error {
    /// The HTTP status a receiver should answer with: 401 for a missing or wrong secret or
    /// signature, 413 for a body too large, 400 for one that is not JSON. Any of them makes
    /// Refold try again (up to its attempt limit), which only helps when the receiver was at fault.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// use refold::webhooks::Error;
    ///
    /// assert_eq!(Error::WrongSecret.status(), 401);
    /// assert_eq!(Error::TooLarge { limit: 10 }.status(), 413);
    /// ```
    pub fn status(&self) -> u16 {
        match self {
            Error::MissingSecret | Error::WrongSecret | Error::MissingSignature | Error::BadSignature => 401,
            Error::TooLarge { .. } => 413,
            Error::NotJson { .. } => 400,
        }
    }
}
