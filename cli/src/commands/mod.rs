//! One module per subcommand.

pub mod accounts;
pub mod actions;
pub mod apps;
pub mod bulk;
pub mod codegen;
pub mod connect;
pub mod emulator;
pub mod exec;
pub mod params;
pub mod prepare;
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
///
/// # Errors
///
/// [`Exit::Io`](crate::exit::Exit::Io) when stdout cannot be written (a closed pipe, a full
/// disk): the command's own output failed, not Refold.
fn print_json(value: &impl serde::Serialize) -> Result<(), CliError> {
    use std::io::Write;

    let failed = |err: &dyn std::fmt::Display| {
        CliError::new(
            crate::exit::Exit::Io,
            format!("could not write the output as JSON to stdout: {err}"),
        )
    };
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).map_err(|err| failed(&err))?;
    writeln!(out).and_then(|()| out.flush()).map_err(|err| failed(&err))
}

/// The directory the command runs in.
pub(crate) fn current_dir() -> Result<PathBuf, CliError> {
    std::env::current_dir().map_err(|err| {
        CliError::new(
            crate::exit::Exit::Io,
            format!("cannot read the current directory: {err}"),
        )
    })
}

/// The snapshot directory seen from `cwd`, as the attribute finds it from a crate's directory:
/// `REFOLD_SCHEMA_DIR` (relative to `cwd`), else the nearest `.refold/` at or above `cwd`.
pub(crate) fn schema_dir(cwd: &Path) -> Option<PathBuf> {
    refold_snapshot::find_schema_dir(cwd)
}
