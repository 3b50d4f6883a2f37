//! The command line, as clap's derive API declares it: the top level and the list of commands.
//! Each command's own arguments and help live next to its `run` in `commands/<command>.rs`; the
//! arguments several commands share in [`crate::shared_args`].

use clap::{Parser, Subcommand};

use crate::commands;

/// The `refold` command line.
#[derive(Debug, Parser)]
#[command(
    name = "refold",
    version,
    about = "Browse Refold's actions, snapshot their schemas into .refold/ (and check them in CI), generate typed \
             structs from them, run an action or one per row of a file, manage customers and their connections, run \
             the emulator.",
    long_about = None,
    after_help = AFTER_HELP.as_str(),
    propagate_version = true,
    disable_help_subcommand = true
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The footer of `refold --help`: credentials, then the exit codes.
static AFTER_HELP: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "Credentials come from the environment, as for refold::Client::from_env:\n  \
         REFOLD_API_KEY with REFOLD_LINKED_ACCOUNT_ID, or REFOLD_SESSION_TOKEN; REFOLD_BASE_URL\n  \
         (flags override the last two). Keys are never taken as flags, which would leak them\n  \
         into shell history and process lists.\n\n{}",
        crate::exit::help_table()
    )
});

/// The subcommands, one per file of `commands/`, which holds its arguments, help and `run`.
#[derive(Debug, Subcommand)]
pub enum Command {
    // No doc comments here: clap would take them over the help each command's file gives.
    Actions(commands::actions::ActionsArgs),
    Params(commands::params::ParamsArgs),
    Prepare(commands::prepare::PrepareArgs),
    Codegen(commands::codegen::CodegenArgs),
    Exec(commands::exec::ExecArgs),
    Bulk(commands::bulk::BulkArgs),
    Emulator(commands::emulator::EmulatorArgs),
    Accounts(commands::accounts::AccountsArgs),
    Apps(commands::apps::AppsArgs),
    Connect(commands::connect::ConnectArgs),
    Webhooks(commands::webhooks::WebhooksArgs),
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn help_lists_every_exit_code() {
        let help = Cli::command().render_long_help().to_string();
        for exit in crate::exit::Exit::ALL {
            assert!(help.contains(exit.meaning()), "{help}");
        }
    }

    /// Each command's help lives in its own file, next to its `run`; none is lost on the way.
    #[test]
    fn every_command_has_its_summary_and_examples() {
        let cli = Cli::command();
        let names: Vec<&str> = cli.get_subcommands().map(|command| command.get_name()).collect();
        assert_eq!(
            names,
            [
                "actions", "params", "prepare", "codegen", "exec", "bulk", "emulator", "accounts", "apps", "connect",
                "webhooks"
            ]
        );
        for command in cli.get_subcommands() {
            let about = command.get_about().map(ToString::to_string).unwrap_or_default();
            assert!(
                !about.is_empty() && !about.ends_with('.'),
                "{}: {about:?}",
                command.get_name()
            );
            let after = command.get_after_help().map(ToString::to_string).unwrap_or_default();
            assert!(after.starts_with("Examples:"), "{}: {after:?}", command.get_name());
        }
    }
}
