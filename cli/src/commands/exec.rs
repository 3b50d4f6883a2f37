//! `refold exec <slug> <action_id> [name=value …]`: run one action from the shell.

use std::io::Read;
use std::path::Path;

use refold::Client;
use refold_snapshot::{Snapshot, SnapshotDir};

use crate::args::{ExecArgs, SchemaArgs};
use crate::error::CliError;
use crate::exit::Exit;
use crate::input;
use crate::json_text::{self, Params};

pub async fn run(args: &ExecArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let (slug, action_id) = (args.slug.as_str(), args.action_id.as_str());
    for (what, value) in [("slug", slug), ("action id", action_id)] {
        refold::validate_identifier(what, value).map_err(|err| CliError::new(Exit::Usage, err.to_string()))?;
    }
    let base = match &args.json {
        Some(path) => read_object(path)?,
        None => Params::new(),
    };
    let client = crate::connect::client(&args.connection, env)?;
    let schema = schema(&client, slug, action_id, &args.schema).await?;
    let params = input::parameters(schema.as_ref(), base, &args.params)?;

    if args.dry_run {
        let preview = client
            .preview_execute_raw(slug, action_id, &params)
            .map_err(|err| CliError::client(format_args!("preparing the request of `{slug}/{action_id}`"), &err))?;
        println!("{preview}");
        eprintln!("dry run: nothing was sent");
        return Ok(());
    }

    let reply = if args.idempotent {
        client.execute_raw_idempotent(slug, action_id, &params).await
    } else {
        client.execute_raw(slug, action_id, &params).await
    };
    match reply {
        Ok(reply) => {
            super::print_json(&reply.data)?;
            let app_status = reply
                .http_status
                .map(|code| format!(", app status {code}"))
                .unwrap_or_default();
            let request_id = reply
                .request_id
                .as_deref()
                .map(|id| format!(", request id {id}"))
                .unwrap_or_default();
            eprintln!("{slug}/{action_id}: {}{app_status}{request_id}", reply.node_status);
            Ok(())
        }
        Err(err) => {
            let mut failure = CliError::execute(format_args!("running `{slug}/{action_id}`"), &err);
            if let refold::Error::ActionFailed { data, .. } = &err {
                failure = failure.note(format_args!("the app's reply: {data}"));
            }
            if err.may_have_executed() {
                failure = failure.note("the action may have run: check before running it again");
            }
            Err(failure)
        }
    }
}

/// The schema the parameters are checked against: none with `--no-schema`; else the snapshot,
/// when there is one and `--fetch` is not given; else the live one.
pub(super) async fn schema(
    client: &Client,
    slug: &str,
    action_id: &str,
    source: &SchemaArgs,
) -> Result<Option<Snapshot>, CliError> {
    if source.no_schema {
        return Ok(None);
    }
    if !source.fetch
        && let Some(dir) = super::schema_dir(&super::current_dir()?)
        && let Some(snapshot) = SnapshotDir::new(dir).read(slug, action_id)?
    {
        return Ok(Some(snapshot));
    }
    let parameters = client
        .action_parameters(slug, action_id)
        .await
        .map_err(|err| CliError::client(format_args!("fetching the parameters of `{slug}/{action_id}`"), &err))?;
    Ok(Some(crate::fetch::snapshot(slug, action_id, None, parameters)))
}

/// The JSON object of `--json`, a file or stdin for `-`, its values kept exact.
fn read_object(path: &Path) -> Result<Params, CliError> {
    let (shown, text) = if path == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|err| CliError::new(Exit::Io, format!("--json -: could not read stdin: {err}")))?;
        ("stdin".to_owned(), text)
    } else {
        let text = std::fs::read_to_string(path).map_err(|err| {
            CliError::new(
                Exit::Io,
                format!("--json {}: could not read the file: {err}", path.display()),
            )
        })?;
        (path.display().to_string(), text)
    };
    json_text::object(&text).map_err(|problem| CliError::new(Exit::Input, format!("--json {shown}: {problem}")))
}
