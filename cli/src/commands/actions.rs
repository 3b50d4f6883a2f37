//! `refold actions <slug>`: an app's actions.

use clap::Args;

use crate::error::CliError;
use crate::shared_args::ConnectionArgs;
use crate::table::Table;

/// `refold actions`.
#[derive(Debug, Args)]
#[command(
    about = "List an app's actions",
    after_help = "Examples:\n  refold actions hubspot\n  refold actions hubspot --json | jq -r '.[].action_id'"
)]
pub struct ActionsArgs {
    /// The app, e.g. hubspot.
    pub slug: String,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

pub async fn run(args: &ActionsArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    crate::names::check(&args.slug, [])?;
    let client = crate::connect::client(&args.connection, env)?;
    let actions = client
        .list_actions(&args.slug)
        .await
        .map_err(|err| crate::fetch::listing_failed(&args.slug, &err, &[]))?;
    if args.json {
        return super::print_json(&actions);
    }
    let mut table = Table::new(vec!["ACTION_ID", "NAME", "TAG", "DESCRIPTION"]);
    for action in &actions {
        table.row(vec![
            action.action_id.clone(),
            action.name.clone(),
            action.tag.clone().unwrap_or_default(),
            action.description.clone(),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}
