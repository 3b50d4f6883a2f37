//! `refold apps [--account ID]`: the apps as one linked account sees them, with their
//! connection status.

use clap::Args;

use crate::error::CliError;
use crate::shared_args::ConnectionArgs;
use crate::table::Table;

/// `refold apps`.
#[derive(Debug, Args)]
#[command(about = "Show the apps as one linked account sees them, with their connection status", after_help = EXAMPLES)]
pub struct AppsArgs {
    /// The linked account (else --linked-account-id or REFOLD_LINKED_ACCOUNT_ID).
    #[arg(long, value_name = "ID")]
    pub account: Option<String>,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// The examples under `refold apps --help`.
pub const EXAMPLES: &str = "\
Examples:
  refold apps --account ops@acme.example
  refold apps --account ops@acme.example --json | jq -r '.[] | select(.reauth_required) | .slug'";

pub async fn run(args: &AppsArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let client = match &args.account {
        Some(account) => crate::connect::org_client(&args.connection, env)?.for_linked_account(account),
        None => crate::connect::client(&args.connection, env)?,
    };
    let account = client.linked_account_id().unwrap_or("the session's account").to_owned();
    let apps = client
        .apps()
        .list()
        .await
        .map_err(|err| CliError::manage(format_args!("listing the apps of `{account}`"), &err, false))?;
    if args.json {
        return super::print_json(&apps);
    }
    let mut table = Table::new(vec!["SLUG", "NAME", "CONNECTED", "REAUTH", "AUTH_TYPE", "CONNECTED_AT"]);
    for app in &apps {
        let connection = app.connections.first();
        let yes_no = |flag: bool| if flag { "yes" } else { "no" }.to_owned();
        table.row(vec![
            app.slug.clone(),
            app.name.clone(),
            yes_no(app.connected),
            yes_no(app.reauth_required),
            connection
                .and_then(|c| c.auth_type.clone())
                .or_else(|| app.auth_type.clone())
                .unwrap_or_default(),
            connection.and_then(|c| c.connected_at.clone()).unwrap_or_default(),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}
