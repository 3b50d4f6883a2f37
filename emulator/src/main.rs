//! `refold-emulator`: serves a local Refold API until Ctrl-C. It is the same command as
//! `refold emulator`: both parse [`ServeArgs`] and run [`serve`].

use std::process::ExitCode;

use clap::Parser;
use refold_emulator::cli::{ServeArgs, serve};

/// Serve a local, in-memory Refold API on 127.0.0.1 until Ctrl-C.
///
/// Each request is logged to stderr on one line: method, path, status, request id.
#[derive(Parser)]
#[command(name = "refold-emulator", version)]
struct Command {
    #[command(flatten)]
    serve: ServeArgs,
}

fn main() -> ExitCode {
    // A bad command line exits with 2 (clap's usage error), --help and --version with 0.
    let command = Command::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("refold-emulator: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(&command.serve)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("refold-emulator: {error}");
            ExitCode::from(error.exit_code())
        }
    }
}
