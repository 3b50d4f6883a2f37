//! Exit codes: one per kind of failure, so scripts and CI can tell them apart.
//!
//! The numbers are a public promise: they never change meaning. New commands (`exec`, `bulk`)
//! add codes after the last one rather than reusing one.

use std::process::ExitCode;

use refold::{Error, ErrorKind, RetryClass};

/// What ended the command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Everything worked.
    Ok,
    /// `prepare --check` found a snapshot that differs from the live schema, or is missing.
    Drift,
    /// The command line is wrong: an unknown flag, a missing or malformed argument.
    Usage,
    /// Configuration is missing or invalid: credentials, base URL.
    Config,
    /// Refold refused the credentials (401, or a 403 that is not a rate limit).
    Auth,
    /// Refold does not know the app or the action (404).
    NotFound,
    /// Local input cannot be used: not inside a Cargo package, a corrupt snapshot.
    Input,
    /// Refold refused the request or failed otherwise: a 400, a rate limit that outlasted the
    /// retries, a 5xx, a reply that could not be read.
    Api,
    /// Refold could not be reached: connection refused, broken connection, timeout.
    Network,
    /// A local file or socket operation failed: writing a snapshot, binding the emulator's port.
    Io,
    /// `exec`: Refold ran the action and the app reported a failure (`node_status` is not
    /// `Success`), e.g. a 409 for a duplicate.
    ActionFailed,
    /// `exec`: Refold's rate limit outlasted the client's retries; the action did not run.
    Throttled,
    /// `exec`: the outcome is unknown and the action may have run: a timeout or a dropped
    /// connection after sending, a 5xx, a success reply that could not be read.
    OutcomeUnknown,
    /// `exec`: the parameters were refused and nothing ran: before sending (unknown, missing or
    /// mistyped for the action's schema), or by Refold with a 400.
    Refused,
    /// `bulk`: the run ended, and some rows did not succeed: failed, outcome unknown, bad input,
    /// or changed since the journal was written. The summary and the journal say which.
    BulkIncomplete,
    /// `bulk`: Ctrl-C stopped the run; the requests in flight finished and are journaled.
    Interrupted,
}

impl Exit {
    /// Every code, in order, for the help text and its test.
    pub const ALL: [Exit; 16] = [
        Exit::Ok,
        Exit::Drift,
        Exit::Usage,
        Exit::Config,
        Exit::Auth,
        Exit::NotFound,
        Exit::Input,
        Exit::Api,
        Exit::Network,
        Exit::Io,
        Exit::ActionFailed,
        Exit::Throttled,
        Exit::OutcomeUnknown,
        Exit::Refused,
        Exit::BulkIncomplete,
        Exit::Interrupted,
    ];

    /// The process exit status.
    pub fn code(self) -> u8 {
        match self {
            Exit::Ok => 0,
            Exit::Drift => 1,
            // 2 is also what clap uses for its own usage errors.
            Exit::Usage => 2,
            Exit::Config => 3,
            Exit::Auth => 4,
            Exit::NotFound => 5,
            Exit::Input => 6,
            Exit::Api => 7,
            Exit::Network => 8,
            Exit::Io => 9,
            Exit::ActionFailed => 10,
            Exit::Throttled => 11,
            Exit::OutcomeUnknown => 12,
            Exit::Refused => 13,
            Exit::BulkIncomplete => 14,
            Exit::Interrupted => 15,
        }
    }

    /// One line for the help text.
    pub fn meaning(self) -> &'static str {
        match self {
            Exit::Ok => "success",
            Exit::Drift => "`prepare --check`: a snapshot is missing or differs from the live schema",
            Exit::Usage => "bad command line: unknown flag, missing or malformed argument",
            Exit::Config => "missing or invalid configuration: credentials (REFOLD_*), base URL",
            Exit::Auth => "Refold refused the credentials (401/403)",
            Exit::NotFound => "unknown app, action or linked account (404)",
            Exit::Input => "local input unusable: not in a Cargo package, corrupt or missing snapshot, bad --json",
            Exit::Api => "Refold refused or failed the request: 400, 429, 5xx, unreadable reply (for exec: 11-13)",
            Exit::Network => "Refold unreachable: connection refused or broken, timeout (for exec after sending: 12)",
            Exit::Io => "a local file or socket operation failed",
            Exit::ActionFailed => "exec: the app reported the action failed (node_status), e.g. 409 duplicate",
            Exit::Throttled => "exec: throttled (429) beyond the retries; the action did not run",
            Exit::OutcomeUnknown => {
                "exec: outcome unknown, the action may have run: timeout or dropped connection after sending, 5xx"
            }
            Exit::Refused => {
                "exec: parameters refused, nothing ran: unknown, missing or mistyped (checked before sending), or a 400"
            }
            Exit::BulkIncomplete => {
                "bulk: some rows did not succeed (failed, outcome unknown, bad input, changed since the journal)"
            }
            Exit::Interrupted => "bulk: stopped by Ctrl-C; the journal is complete, finish with --resume",
        }
    }

    /// The exit for an error of the client.
    pub fn of(err: &Error) -> Exit {
        match err {
            Error::Config { .. } => Exit::Config,
            // The client checks slugs and action ids before sending; here they came from the
            // command line.
            Error::InvalidRequest { .. } => Exit::Usage,
            _ if err.retry_class() == RetryClass::Auth => Exit::Auth,
            _ if is_unknown_route(err) => Exit::NotFound,
            _ if err.kind() == ErrorKind::Transport => Exit::Network,
            _ => Exit::Api,
        }
    }
}

/// Whether Refold itself answered 404 (an unknown app or action, or a base URL without Refold's
/// routes), as opposed to an app's own 404 inside a 200 reply.
pub fn is_unknown_route(err: &Error) -> bool {
    err.kind() == ErrorKind::Refold && err.status() == Some(404)
}

impl Exit {
    /// The exit for a failed `exec`: the kinds a script running actions must tell apart (failed,
    /// throttled, maybe executed, refused) get their own codes; the rest map as for [`Exit::of`].
    pub fn of_execute(err: &Error) -> Exit {
        match err {
            _ if err.kind() == ErrorKind::App => Exit::ActionFailed,
            _ if err.may_have_executed() => Exit::OutcomeUnknown,
            _ if err.retry_class() == RetryClass::Throttled => Exit::Throttled,
            _ if err.kind() == ErrorKind::Refold && err.status() == Some(400) => Exit::Refused,
            _ => Exit::of(err),
        }
    }
}

impl From<Exit> for ExitCode {
    fn from(exit: Exit) -> ExitCode {
        ExitCode::from(exit.code())
    }
}

/// The exit-code table shown at the end of `refold --help`.
pub fn help_table() -> String {
    let mut table = String::from("Exit codes:\n");
    for exit in Exit::ALL {
        table.push_str(&format!("  {:>2}  {}\n", exit.code(), exit.meaning()));
    }
    table
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_distinct_and_in_order() {
        let codes: Vec<u8> = Exit::ALL.iter().map(|exit| exit.code()).collect();
        assert_eq!(codes, (0..Exit::ALL.len() as u8).collect::<Vec<_>>());
    }

    #[test]
    fn local_errors_map_to_their_exit() {
        // Errors the client reports before sending; the ones Refold answers are covered by the
        // CLI tests against the emulator (401 → 4, 404 → 5, connection refused → 8).
        let config = refold::Client::builder().build().unwrap_err();
        assert_eq!(Exit::of(&config), Exit::Config);
        let client = refold::Client::builder()
            .api_key("tk-test")
            .linked_account_id("acct")
            .base_url("http://127.0.0.1:9")
            .build()
            .unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let invalid = runtime.block_on(client.list_actions("Not A Slug")).unwrap_err();
        assert_eq!(Exit::of(&invalid), Exit::Usage);
        let refused = runtime.block_on(client.list_actions("hubspot")).unwrap_err();
        assert_eq!(Exit::of(&refused), Exit::Network);
    }
}
