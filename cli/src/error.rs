//! The one error type of every command: a message, the exit it maps to, and Refold's request id.

use std::fmt;

use crate::exit::Exit;
use crate::explain::{self, Call};

/// A failure to report on stderr.
#[derive(Debug)]
pub struct CliError {
    exit: Exit,
    message: String,
    request_id: Option<String>,
}

impl CliError {
    /// A failure of `exit`'s kind.
    pub fn new(exit: Exit, message: impl Into<String>) -> Self {
        CliError {
            exit,
            message: message.into(),
            request_id: None,
        }
    }

    /// A failure of the client on a read (listing actions, reading parameters), with `context`
    /// (what was being done) in front of its message.
    pub fn client(context: impl fmt::Display, err: &refold::Error) -> Self {
        CliError::described(context, err, Call::Read)
    }

    /// A failure of the client managing the org's customers, their connections or its webhooks
    /// (`accounts`, `apps`, `connect`, `webhooks`); `writes` says whether the call changes
    /// something, so a timeout is not called safe to repeat when it may have done so.
    pub fn manage(context: impl fmt::Display, err: &refold::Error, writes: bool) -> Self {
        CliError::described(context, err, Call::Manage { writes })
    }

    fn described(context: impl fmt::Display, err: &refold::Error, call: Call) -> Self {
        CliError {
            exit: Exit::of(err),
            message: format!("{context}: {}", explain::describe(err, call)),
            request_id: err.request_id().map(str::to_owned),
        }
    }

    /// A failure of the client running an action (`exec`): the exit says whether the action
    /// failed, was throttled, may have run or was refused (see [`Exit::of_execute`]).
    pub fn execute(context: impl fmt::Display, err: &refold::Error) -> Self {
        CliError {
            exit: Exit::of_execute(err),
            ..CliError::described(context, err, Call::Run)
        }
    }

    /// This failure with one more line of explanation.
    pub fn note(mut self, line: impl fmt::Display) -> Self {
        self.message.push_str(&format!("\n  {line}"));
        self
    }

    /// The message alone, without the `error: ` prefix and the request id: for a failure that
    /// becomes one line of a longer report (a bad row of `bulk`'s input).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The exit status this failure ends the process with.
    pub fn exit(&self) -> Exit {
        self.exit
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error: {}", self.message)?;
        // The client's messages carry the request id already; say it on its own line only when
        // they do not, so it is never lost and never doubled.
        if let Some(id) = &self.request_id
            && !self.message.contains(id.as_str())
        {
            write!(f, "\n  request id: {id}")?;
        }
        Ok(())
    }
}

impl From<refold_snapshot::SnapshotError> for CliError {
    fn from(err: refold_snapshot::SnapshotError) -> Self {
        let exit = match err {
            refold_snapshot::SnapshotError::Io { .. } => Exit::Io,
            _ => Exit::Input,
        };
        CliError::new(exit, err.to_string())
    }
}
