//! `refold`: the command line of the Refold SDK.
//!
//! It browses an app's actions and their parameters, snapshots the schemas the code uses into
//! `.refold/` (and checks them in CI), generates `#[refold_action]` structs from the snapshots,
//! runs an action (`exec`) or one per row of a CSV or JSON Lines file (`bulk`), manages
//! customers and their connections (`accounts`, `apps`, `connect`), and runs the local
//! emulator. Every network call goes through `refold::Client`. `refold --help` lists the
//! commands and the exit codes.

mod args;
mod commands;
mod connect;
mod csv_quotes;
mod diff;
mod error;
mod exit;
mod explain;
mod failure;
mod fetch;
mod generate;
mod input;
mod journal;
mod journal_file;
mod json_text;
mod names;
mod prepass;
mod project;
mod rows;
mod scan;
mod shared_args;
mod table;

use std::process::ExitCode;

use clap::Parser;

use crate::exit::Exit;

fn main() -> ExitCode {
    let cli = match args::Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version are printed to stdout and succeed; everything else is a usage error.
            let _ = err.print();
            return if err.use_stderr() { Exit::Usage } else { Exit::Ok }.into();
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the async runtime: {err}");
            return Exit::Io.into();
        }
    };
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => Exit::Ok.into(),
        Err(err) => {
            eprintln!("{err}");
            err.exit().into()
        }
    }
}
