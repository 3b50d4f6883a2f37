//! `refold connect ACCOUNT [SLUG]`: the URL to send a customer to, to connect their apps: the
//! hosted Connect page, or with a slug that app's OAuth URL.

use clap::Args;
use refold::ConnectOptions;

use crate::error::CliError;
use crate::shared_args::ConnectionArgs;

/// `refold connect`.
#[derive(Debug, Args)]
#[command(about = "Print the URL a customer opens to connect their apps (an app's OAuth URL with a slug)", after_help = EXAMPLES)]
pub struct ConnectArgs {
    /// The linked account.
    pub account: String,

    /// An app: print its OAuth URL instead of the hosted Connect page's.
    pub slug: Option<String>,

    /// Where the Connect page sends the customer after connecting.
    #[arg(long, value_name = "URL", conflicts_with = "slug")]
    pub redirect_url: Option<String>,

    /// The Connect configuration to use.
    #[arg(long, value_name = "ID", conflicts_with = "slug")]
    pub config_id: Option<String>,

    /// Print JSON ({"url": …}) instead of the bare URL.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// The examples under `refold connect --help`.
pub const EXAMPLES: &str = "\
Examples:
  refold connect ops@acme.example
  refold connect ops@acme.example --redirect-url https://app.example.com/integrations
  refold connect ops@acme.example hubspot      # HubSpot's OAuth URL";

pub async fn run(args: &ConnectArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let client = crate::connect::org_client(&args.connection, env)?;
    let account = &args.account;
    let url = match &args.slug {
        Some(slug) => client
            .for_linked_account(account)
            .oauth_url(slug)
            .await
            .map_err(|err| {
                CliError::manage(format_args!("getting the {slug} OAuth URL of `{account}`"), &err, false)
            })?,
        None => {
            let mut options = ConnectOptions::default();
            if let Some(url) = &args.redirect_url {
                options = options.redirect_url(url);
            }
            if let Some(config_id) = &args.config_id {
                options = options.config_id(config_id);
            }
            client
                .connect_url(account, options)
                .await
                .map_err(|err| CliError::manage(format_args!("creating a Connect URL for `{account}`"), &err, true))?
        }
    };
    if args.json {
        return super::print_json(&serde_json::json!({ "url": url.as_str() }));
    }
    println!("{url}");
    Ok(())
}
