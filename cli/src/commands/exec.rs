//! `refold exec <slug> <action_id> [name=value …]`: run one action from the shell.

use std::io::Read;
use std::path::{Path, PathBuf};

use clap::Args;

use crate::error::CliError;
use crate::exit::Exit;
use crate::input;
use crate::json_text::{self, Params};
use crate::shared_args::{ConnectionArgs, SchemaArgs};

const EXEC_ABOUT: &str = "\
Run an action and print its `data` as pretty JSON on stdout; diagnostics, with Refold's request
id, go to stderr.

Parameters are name=value pairs, typed by the action's schema: a number parameter takes a JSON
number, a boolean true or false, a json parameter any JSON text; text, password and unknown
types are sent as the string given. --json FILE (or - for stdin) gives a JSON object of
parameters, which the pairs then override. The schema is the .refold/ snapshot (REFOLD_SCHEMA_DIR
or the nearest .refold/ at or above the current directory), else the live one from Refold's
parameters endpoint (always with --fetch). A parameter the schema does not list, a missing
required one or a value of the wrong type is refused before anything is sent (exit 13), with
the list of valid parameters. --no-schema sends the values as given, unchecked, as strings.

A call is treated as a write and retried only when it certainly did not run; --idempotent lets
the client also retry it after a timeout, a dropped connection or a 5xx. --dry-run prints the
request (method, URL, headers with credentials redacted, body) and does not send it; without a
snapshot it still reads the schema from Refold, unless --no-schema is given.";

const EXEC_EXAMPLES: &str = "\
Examples:
  refold exec hubspot create_contact email=ada@example.com firstname=Ada
  refold exec hubspot search_contacts query=ada limit=5 --idempotent | jq '.results[].id'
  echo '{\"email\": \"ada@example.com\"}' | refold exec hubspot get_contact --json -
  refold exec hubspot create_deal dealname=Renewal amount=1200 --dry-run";

/// The footer of `refold exec --help`: examples, then the exit codes, which scripts running
/// actions branch on.
static EXEC_AFTER_HELP: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("{EXEC_EXAMPLES}\n\n{}", crate::exit::help_table()));

/// `refold exec`.
#[derive(Debug, Args)]
#[command(
    about = "Run an action and print its `data` as JSON",
    long_about = EXEC_ABOUT,
    after_help = EXEC_AFTER_HELP.as_str(),
)]
pub struct ExecArgs {
    /// The app, e.g. hubspot.
    pub slug: String,

    /// The action, e.g. create_contact.
    pub action_id: String,

    /// Parameters as name=value, typed by the action's schema.
    #[arg(value_name = "NAME=VALUE")]
    pub params: Vec<String>,

    /// A JSON object of parameters, from FILE or from stdin with -; name=value pairs override it.
    #[arg(long, value_name = "FILE")]
    pub json: Option<PathBuf>,

    /// The action is safe to repeat (a read): also retry it when its outcome is unknown.
    #[arg(long)]
    pub idempotent: bool,

    /// Print the request (method, URL, headers with credentials redacted, body); don't send it.
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub schema: SchemaArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

pub async fn run(args: &ExecArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let (slug, action_id) = (args.slug.as_str(), args.action_id.as_str());
    crate::names::check(slug, [action_id])?;
    // A malformed argument is refused before the schema is read or anything is sent.
    let pairs = input::split_pairs(&args.params)?;
    let base = match &args.json {
        Some(path) => read_object(path)?,
        None => Params::new(),
    };
    let client = crate::connect::client(&args.connection, env)?;
    let schema = crate::fetch::schema(&client, slug, action_id, &args.schema).await?;
    let params = input::parameters(schema.as_ref(), base, &pairs, input::Origin::CommandLine)?;

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
            Err(crate::names::with_unknown_action_hint(failure, &err, &client, slug, action_id).await)
        }
    }
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
