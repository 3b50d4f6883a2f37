//! `refold emulator`: the local Refold emulator, from any directory. The command line and the
//! serving are the emulator crate's (`refold_emulator::cli`), shared with `refold-emulator`;
//! this maps its failures onto `refold`'s exit codes.

use clap::Args;
use refold_emulator::cli::{ServeArgs, ServeError, serve};

use crate::error::CliError;
use crate::exit::Exit;

/// `refold emulator`: the emulator's own flags, the ones `refold-emulator` parses too.
#[derive(Debug, Args)]
#[command(
    about = "Serve a local Refold emulator until Ctrl-C",
    long_about = "Serve a local, in-memory Refold API on 127.0.0.1 until Ctrl-C, logging each request on one \
                  line to stderr (method, path, status, request id). It prints the REFOLD_* variables to give \
                  your program or tests.",
    after_help = "Examples:\n  refold emulator\n  refold emulator --port 4010 --schema-dir .refold --strict\n  \
                  refold emulator --rate-limit 20/5"
)]
pub struct EmulatorArgs {
    #[command(flatten)]
    pub serve: ServeArgs,
}

pub async fn run(args: &EmulatorArgs) -> Result<(), CliError> {
    serve(&args.serve)
        .await
        .map_err(|error| CliError::new(exit_of(&error), error.to_string()))
}

/// The exit for a failure to serve: the code `refold-emulator` exits with for it.
fn exit_of(error: &ServeError) -> Exit {
    match error {
        ServeError::SchemaDir(_) => Exit::Input,
        _ => Exit::Io,
    }
}

#[cfg(test)]
mod tests {
    use std::io;

    use super::*;

    #[test]
    fn both_emulator_commands_exit_alike() {
        let failures = [
            ServeError::SchemaDir(io::ErrorKind::NotFound.into()),
            ServeError::Listen {
                port: 4010,
                source: io::ErrorKind::AddrInUse.into(),
            },
            ServeError::Signal(io::ErrorKind::Other.into()),
        ];
        for failure in failures {
            assert_eq!(exit_of(&failure).code(), failure.exit_code(), "{failure}");
        }
    }
}
