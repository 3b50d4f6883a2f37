//! One module per subcommand.

pub mod accounts;
mod actions;
pub mod apps;
mod bulk;
mod codegen;
pub mod connect;
mod emulator;
mod exec;
mod params;
mod prepare;
pub mod webhooks;

use std::path::{Path, PathBuf};

use crate::args::{Cli, Command};
use crate::error::CliError;

/// Runs the parsed command line.
///
/// # Errors
///
/// The command's failure, to be printed and turned into the exit code.
pub async fn run(cli: Cli) -> Result<(), CliError> {
    let env = |name: &str| std::env::var(name).ok();
    match cli.command {
        Command::Actions(args) => actions::run(&args, env).await,
        Command::Params(args) => params::run(&args, env).await,
        Command::Prepare(args) => prepare::run(&args, env).await,
        Command::Codegen(args) => codegen::run(&args, env).await,
        Command::Exec(args) => exec::run(&args, env).await,
        Command::Bulk(args) => bulk::run(&args, env).await,
        Command::Emulator(args) => emulator::run(&args).await,
        Command::Accounts(args) => accounts::run(&args, env).await,
        Command::Apps(args) => apps::run(&args, env).await,
        Command::Connect(args) => connect::run(&args, env).await,
        Command::Webhooks(args) => webhooks::run(&args, env).await,
    }
}

/// Writes JSON for scripts: pretty, with a trailing newline.
fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value).map_err(|err| {
        CliError::new(
            crate::exit::Exit::Api,
            format!("could not write the reply as JSON: {err}"),
        )
    })?;
    println!("{text}");
    Ok(())
}

/// The directory the command runs in.
fn current_dir() -> Result<PathBuf, CliError> {
    std::env::current_dir().map_err(|err| {
        CliError::new(
            crate::exit::Exit::Io,
            format!("cannot read the current directory: {err}"),
        )
    })
}

/// The snapshot directory seen from `cwd`, as the attribute finds it from a crate's directory:
/// `REFOLD_SCHEMA_DIR` (relative to `cwd`), else the nearest `.refold/` at or above `cwd`.
fn schema_dir(cwd: &Path) -> Option<PathBuf> {
    refold_snapshot::find_schema_dir(cwd)
}
