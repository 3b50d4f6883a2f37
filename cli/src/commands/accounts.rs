//! `refold accounts list|create|get|delete`: the org's linked accounts (its customers).

use clap::{Args, Subcommand};
use futures_util::TryStreamExt;
use refold::{LinkedAccount, NewLinkedAccount};

use crate::error::CliError;
use crate::shared_args::ConnectionArgs;
use crate::table::Table;

/// `refold accounts`.
#[derive(Debug, Args)]
#[command(about = "Manage the org's linked accounts (its customers): list, create, get, delete", after_help = EXAMPLES)]
pub struct AccountsArgs {
    /// What to do with the accounts.
    #[command(subcommand)]
    pub command: AccountsCommand,
}

/// The subcommands of `refold accounts`.
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// List every linked account, page after page.
    List {
        /// Accounts fetched per request.
        #[arg(long, value_name = "N", default_value_t = refold::DEFAULT_PAGE_SIZE,
              value_parser = clap::value_parser!(u64).range(1..=1000))]
        page_size: u64,
        #[command(flatten)]
        output: Output,
    },
    /// Create a linked account (it starts with no app connected).
    Create {
        /// The org's id for the customer, e.g. an email address.
        id: String,
        /// The display name.
        #[arg(long)]
        name: Option<String>,
        /// A custom field, KEY=VALUE; repeat for more.
        #[arg(long, value_name = "KEY=VALUE", value_parser = key_value)]
        udf: Vec<(String, String)>,
        #[command(flatten)]
        output: Output,
    },
    /// Show one linked account and its connected apps.
    Get {
        /// The account's id.
        id: String,
        #[command(flatten)]
        output: Output,
    },
    /// Delete a linked account; Refold revokes its apps' tokens.
    Delete {
        /// The account's id.
        id: String,
        #[command(flatten)]
        connection: ConnectionArgs,
    },
}

/// `--json` and how to reach Refold, shared by the subcommands that print accounts.
#[derive(Debug, Args)]
pub struct Output {
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// The examples under `refold accounts --help`.
pub const EXAMPLES: &str = "\
Examples:
  refold accounts list
  refold accounts create ops@acme.example --name 'Acme Corp' --udf plan=enterprise
  refold accounts get ops@acme.example --json | jq '.integrations[].type'
  refold accounts delete ops@acme.example";

fn key_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .filter(|(key, _)| !key.is_empty())
        .map(|(key, value)| (key.to_owned(), value.to_owned()))
        .ok_or_else(|| format!("expected KEY=VALUE, got {text:?}"))
}

pub async fn run(args: &AccountsArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    match &args.command {
        AccountsCommand::List { page_size, output } => {
            let client = crate::connect::org_client(&output.connection, env)?;
            let accounts: Vec<LinkedAccount> = client
                .linked_accounts()
                .list_with_page_size(*page_size)
                .try_collect()
                .await
                .map_err(|err| CliError::manage("listing the linked accounts", &err, false))?;
            print(&accounts, output.json)
        }
        AccountsCommand::Create { id, name, udf, output } => {
            let client = crate::connect::org_client(&output.connection, env)?;
            let mut account = NewLinkedAccount::new(id);
            if let Some(name) = name {
                account = account.name(name);
            }
            for (key, value) in udf {
                account = account.udf(key, value);
            }
            let created = client
                .linked_accounts()
                .create(account)
                .await
                .map_err(|err| CliError::manage(format_args!("creating the linked account `{id}`"), &err, true))?;
            print(&[created], output.json)
        }
        AccountsCommand::Get { id, output } => {
            let client = crate::connect::org_client(&output.connection, env)?;
            let account = client
                .linked_accounts()
                .get(id)
                .await
                .map_err(|err| CliError::manage(format_args!("reading the linked account `{id}`"), &err, false))?;
            if output.json {
                return super::print_json(&account);
            }
            print(&[account], false)
        }
        AccountsCommand::Delete { id, connection } => {
            let client = crate::connect::org_client(connection, env)?;
            client
                .linked_accounts()
                .delete(id)
                .await
                .map_err(|err| CliError::manage(format_args!("deleting the linked account `{id}`"), &err, true))?;
            eprintln!("deleted linked account {id}");
            Ok(())
        }
    }
}

/// A table of accounts, or their JSON array.
fn print(accounts: &[LinkedAccount], json: bool) -> Result<(), CliError> {
    if json {
        return super::print_json(&accounts);
    }
    if accounts.is_empty() {
        eprintln!("no linked accounts");
        return Ok(());
    }
    let mut table = Table::new(vec!["ACCOUNT_ID", "NAME", "ENVIRONMENT", "APPS", "CREATED"]);
    for account in accounts {
        let apps: Vec<String> = account
            .integrations
            .iter()
            .map(|app| match app.reauth_required {
                true => format!("{} (reauth)", app.slug),
                false => app.slug.clone(),
            })
            .collect();
        table.row(vec![
            account.account_id.clone(),
            account.name.clone().unwrap_or_default(),
            account.environment.clone().unwrap_or_default(),
            apps.join(", "),
            account.created_at.clone().unwrap_or_default(),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}
