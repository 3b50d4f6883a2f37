//! A client error in the words of someone at the command line: the flags and commands that fix
//! it (`--timeout`, `--base-url`, `refold actions <slug>`), not the library calls the client's
//! own messages name for a program's author (`ClientBuilder::timeout`, `Client::list_actions`).

use std::error::Error as _;

use refold::Error;

/// What the failed call was, which decides what a 404 and a timeout mean.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    /// Listing actions, reading parameters: nothing changes, so it is safe to run again.
    Read,
    /// Running an action, which may write.
    Run,
    /// Managing the org's customers, their connections or its webhooks (`accounts`, `apps`,
    /// `connect`, `webhooks`): a 404 names a missing linked account, app or webhook, not an
    /// action. `writes` says whether the call changes something (create, delete, register, a
    /// Connect session), which a timeout then may have done.
    Manage { writes: bool },
}

/// One line (and notes) saying what failed and what to do, in command-line terms.
pub fn describe(err: &Error, call: Call) -> String {
    match err {
        Error::Api(api) if api.status() == 404 && !api.is_rate_limited() => {
            let said = api
                .message()
                .map(|message| format!(": {}", one_line(message)))
                .unwrap_or_default();
            let missing = match call {
                Call::Manage { .. } => {
                    "Refold has no such linked account, app or webhook: check the id (`refold accounts list`, \
                     `refold apps --account ID` and `refold webhooks list` show what exists)"
                }
                Call::Read | Call::Run => {
                    "Refold has no such app or action, or the base URL is not Refold's API (check --base-url or \
                     REFOLD_BASE_URL)"
                }
            };
            format!("Refold answered 404{said}; {missing}{}", request_id_suffix(err))
        }
        Error::Connect { .. } => {
            let (cause, url) = transport_cause(err);
            let at = url.map(|url| format!(" at {url}")).unwrap_or_default();
            format!(
                "could not connect to Refold{at}: {cause}, so nothing was sent; check --base-url (or REFOLD_BASE_URL) \
                 and the network"
            )
        }
        // The client's own message says a write may have run, which a read cannot do.
        Error::Transport { .. } if matches!(call, Call::Read | Call::Manage { writes: false }) => {
            let (cause, url) = transport_cause(err);
            let at = url.map(|url| format!(" at {url}")).unwrap_or_default();
            format!(
                "the connection to Refold{at} failed during the call: {cause}; it only reads, so it is safe to run again"
            )
        }
        Error::Timeout(timeout) => {
            let outcome = match call {
                Call::Read | Call::Manage { writes: false } => "it only reads, so it is safe to run again",
                Call::Run | Call::Manage { writes: true } if timeout.may_have_sent() => {
                    "the request may have reached Refold"
                }
                Call::Run | Call::Manage { writes: true } => "nothing was sent",
            };
            format!(
                "the call timed out after {:.1}s; {outcome}; raise --timeout (in seconds) if Refold or the app is slow",
                timeout.elapsed().as_secs_f64()
            )
        }
        // The client's advice is a builder setting the command does not expose; a reply this
        // large is not one Refold's endpoints send.
        Error::BodyTooLarge { status, limit, .. } => format!(
            "the reply (status {status}) is larger than the {} MiB the command accepts, and was abandoned; no \
             Refold endpoint sends one that large: check --base-url (or REFOLD_BASE_URL)",
            limit.div_ceil(1024 * 1024)
        ),
        _ => err.to_string(),
    }
}

/// Why a connection failed, from the deepest error that says (connection refused, a host name
/// that does not resolve, a TLS failure), and the URL that was tried. The URL carries no secret:
/// the client refuses a base URL with a user name or password, and credentials travel in
/// headers.
fn transport_cause(err: &Error) -> (String, Option<String>) {
    let mut url = None;
    let mut innermost = None;
    let mut cause = None;
    let mut next = err.source();
    while let Some(source) = next {
        if let Some(http) = source.downcast_ref::<refold::reqwest::Error>()
            && let Some(tried) = http.url()
        {
            url = Some(tried.as_str().to_owned());
        }
        if let Some(io) = source.downcast_ref::<std::io::Error>() {
            cause = cause.or(match io.kind() {
                std::io::ErrorKind::ConnectionRefused => {
                    Some("the connection was refused (nothing listens on that host and port)".to_owned())
                }
                std::io::ErrorKind::TimedOut => Some("connecting timed out".to_owned()),
                _ => None,
            });
        }
        let text = source.to_string();
        if cause.is_none() && text.contains("dns error") {
            cause = Some("the host name could not be resolved (DNS)".to_owned());
        }
        innermost = Some(text);
        next = source.source();
    }
    let cause = cause
        .or_else(|| innermost.map(|text| one_line(&text)))
        .unwrap_or_else(|| "the HTTP client gave no reason".to_owned());
    (cause, url)
}

fn request_id_suffix(err: &Error) -> String {
    err.request_id()
        .map(|id| format!(" (request id {id})"))
        .unwrap_or_default()
}

/// Text from a reply on one line, so a reply cannot forge lines of its own.
fn one_line(text: &str) -> String {
    text.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}
