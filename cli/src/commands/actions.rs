//! `refold actions <slug>`: an app's actions.

use crate::args::ActionsArgs;
use crate::error::CliError;
use crate::table::Table;

pub async fn run(args: &ActionsArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let client = crate::connect::client(&args.connection, env)?;
    let actions = client
        .list_actions(&args.slug)
        .await
        .map_err(|err| CliError::client(format_args!("listing the actions of `{}`", args.slug), &err))?;
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
