//! `refold params <slug> <action_id>`: an action's parameters.

use clap::Args;

use crate::error::CliError;
use crate::shared_args::ConnectionArgs;
use crate::table::Table;

/// `refold params`.
#[derive(Debug, Args)]
#[command(
    about = "Show an action's parameters",
    after_help = "Examples:\n  refold params hubspot create_contact\n  refold params hubspot create_contact --json"
)]
pub struct ParamsArgs {
    /// The app, e.g. hubspot.
    pub slug: String,

    /// The action, e.g. create_contact.
    pub action_id: String,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

pub async fn run(args: &ParamsArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    crate::names::check(&args.slug, [args.action_id.as_str()])?;
    let client = crate::connect::client(&args.connection, env)?;
    let parameters = crate::fetch::parameters(&client, &args.slug, &args.action_id).await?;
    if args.json {
        return super::print_json(&parameters);
    }
    let mut table = Table::new(vec!["NAME", "TYPE", "REQUIRED", "LABEL"]);
    for parameter in &parameters {
        table.row(vec![
            parameter.name.clone(),
            parameter.param_type.to_string(),
            if parameter.required { "yes" } else { "no" }.to_owned(),
            parameter.label.clone().unwrap_or_default(),
        ]);
    }
    print!("{}", table.render());
    Ok(())
}
