//! `refold emulator`: the local Refold emulator, from any directory. The command line and the
//! serving are the emulator crate's (`refold_emulator::cli`), shared with `refold-emulator`;
//! this maps its failures onto `refold`'s exit codes.

use refold_emulator::cli::{ServeError, serve};

use crate::args::EmulatorArgs;
use crate::error::CliError;
use crate::exit::Exit;

pub async fn run(args: &EmulatorArgs) -> Result<(), CliError> {
    serve(args)
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
