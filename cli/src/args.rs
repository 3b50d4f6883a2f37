//! The command line, as clap's derive API declares it.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// The `refold` command line.
#[derive(Debug, Parser)]
#[command(
    name = "refold",
    version,
    about = "Browse Refold's actions, snapshot their schemas into .refold/, check them in CI, run the emulator.",
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

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List an app's actions.
    #[command(
        after_help = "Examples:\n  refold actions hubspot\n  refold actions hubspot --json | jq -r '.[].action_id'"
    )]
    Actions(ActionsArgs),

    /// Show an action's parameters.
    #[command(
        after_help = "Examples:\n  refold params hubspot create_contact\n  refold params hubspot create_contact --json"
    )]
    Params(ParamsArgs),

    /// Snapshot the schemas of the actions your code uses into .refold/.
    #[command(long_about = PREPARE_ABOUT, after_help = PREPARE_EXAMPLES)]
    Prepare(PrepareArgs),

    /// Write `#[refold_action]` structs for an app's actions, from their .refold/ snapshots.
    #[command(long_about = CODEGEN_ABOUT, after_help = CODEGEN_EXAMPLES)]
    Codegen(CodegenArgs),

    /// Run an action and print its `data` as JSON.
    #[command(long_about = EXEC_ABOUT, after_help = EXEC_AFTER_HELP.as_str())]
    Exec(ExecArgs),

    /// Run an action once per row of a CSV or JSON Lines file, with a journal to resume from.
    #[command(long_about = BULK_ABOUT, after_help = BULK_EXAMPLES)]
    Bulk(BulkArgs),

    /// Serve a local Refold emulator until Ctrl-C.
    #[command(
        long_about = "Serve a local, in-memory Refold API on 127.0.0.1 until Ctrl-C, logging each request on one \
                      line to stderr (method, path, status, request id). It prints the REFOLD_* variables to give \
                      your program or tests.",
        after_help = "Examples:\n  refold emulator\n  refold emulator --port 4010 --schema-dir .refold --strict\n  \
                      refold emulator --rate-limit 20/5"
    )]
    Emulator(EmulatorArgs),

    /// Manage the org's linked accounts (its customers): list, create, get, delete.
    #[command(after_help = crate::commands::accounts::EXAMPLES)]
    Accounts(crate::commands::accounts::AccountsArgs),

    /// Show the apps as one linked account sees them, with their connection status.
    #[command(after_help = crate::commands::apps::EXAMPLES)]
    Apps(crate::commands::apps::AppsArgs),

    /// Print the URL a customer opens to connect their apps (an app's OAuth URL with a slug).
    #[command(after_help = crate::commands::connect::EXAMPLES)]
    Connect(crate::commands::connect::ConnectArgs),

    /// List, register and delete webhooks; receive and verify deliveries locally.
    #[command(after_help = crate::commands::webhooks::EXAMPLES)]
    Webhooks(crate::commands::webhooks::WebhooksArgs),
}

const PREPARE_ABOUT: &str = "\
Snapshot the schemas of the actions your code uses into .refold/.

Finds every #[refold_action(slug = \"…\", id = \"…\")] in the current package's sources (every
.rs file under the package directory, other packages' directories and target/ excepted), or in
the whole workspace's with --workspace, fetches each action's parameters and name, and writes
.refold/<slug>/<action_id>.json. Structs marked `unchecked` are skipped. Commit .refold/: the
#[refold_action] attribute checks structs against it at compile time, without the network.

The directory is REFOLD_SCHEMA_DIR when set (relative to the package), else the nearest .refold/
at or above the package directory, else a new .refold/ in the package directory (the workspace
root with --workspace), the same place the attribute looks.";

const PREPARE_EXAMPLES: &str = "\
Examples:
  refold prepare                  # snapshot what this package uses
  refold prepare --workspace      # ... what any package of the workspace uses
  refold prepare --app hubspot    # every action of an app
  refold prepare --check          # in CI: fail (exit 1) with a diff when a schema drifted
  refold prepare --prune          # also remove snapshots no struct uses";

const CODEGEN_ABOUT: &str = "\
Write #[refold_action] structs for an app's actions, from their .refold/ snapshots.

One struct per action (all of the app's snapshots, or the action ids given), named after the
action id in UpperCamelCase and documented with the action's name, description and parameter
labels. Fields are the parameters in snake_case, with #[serde(rename)] where the wire name
differs and r#… for keywords; when two names convert to the same field, the one that is its
wire name as written keeps it, and the others get _2, _3, … in schema order.

Types: text and password -> String; number -> serde_json::Number (integers stay exact, unlike
f64 above 2^53, and fractions are accepted, unlike i64); boolean -> bool; json and unknown
types -> serde_json::Value. Optional parameters are Option<_>. Actions whose id starts with a
read verb (get_, list_, search_, find_, fetch_, read_, retrieve_, lookup_, query_, count_,
describe_) are marked idempotent, which --no-idempotent turns off.

Snapshots are read from REFOLD_SCHEMA_DIR (relative to the current directory) or the nearest
.refold/ at or above it, as the attribute finds them; --fetch reads the live schemas instead
(and writes no snapshot). The output is formatted and deterministic.";

const CODEGEN_EXAMPLES: &str = "\
Examples:
  refold prepare --app hubspot && refold codegen hubspot --out src/hubspot.rs
  refold codegen hubspot create_contact get_contact       # two structs, to stdout
  refold codegen salesforce --fetch --no-idempotent --out src/salesforce.rs";

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

/// Where `exec` and `bulk` find the schema that types and checks the parameters.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Read the live schema from Refold even when .refold/ has a snapshot.
    #[arg(long, conflicts_with = "no_schema")]
    pub fetch: bool,

    /// Use no schema: values are sent unchecked, name=value pairs and CSV cells as strings (JSON
    /// input keeps its types).
    #[arg(long)]
    pub no_schema: bool,
}

/// How to reach Refold; credentials themselves come only from the environment.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// The API origin (overrides REFOLD_BASE_URL), e.g. http://127.0.0.1:4010 for the emulator.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// The linked account to act for (overrides REFOLD_LINKED_ACCOUNT_ID).
    #[arg(long, value_name = "ID")]
    pub linked_account_id: Option<String>,

    /// Seconds a call may take, retries included.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}

/// `refold actions`.
#[derive(Debug, Args)]
pub struct ActionsArgs {
    /// The app, e.g. hubspot.
    pub slug: String,

    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `refold params`.
#[derive(Debug, Args)]
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

/// `refold prepare`.
#[derive(Debug, Args)]
pub struct PrepareArgs {
    /// Scan every package of the workspace, not only the current one.
    #[arg(long)]
    pub workspace: bool,

    /// Snapshot every action of this app instead of scanning the sources (repeatable).
    #[arg(long, value_name = "SLUG", conflicts_with = "prune")]
    pub app: Vec<String>,

    /// Fetch and compare without writing; exit 1 with a diff when a snapshot is missing or differs.
    #[arg(long)]
    pub check: bool,

    /// Also remove snapshots that no struct uses (with --check: report them as drift).
    #[arg(long)]
    pub prune: bool,

    /// The package directory to start from, instead of the current directory.
    #[arg(long, value_name = "DIR")]
    pub manifest_dir: Option<PathBuf>,

    /// How many parameter requests may be in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=64))]
    pub concurrency: u16,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `refold codegen`.
#[derive(Debug, Args)]
pub struct CodegenArgs {
    /// The app, e.g. hubspot.
    pub slug: String,

    /// The actions to generate (default: every one with a snapshot, or with --fetch every one
    /// the app lists).
    #[arg(value_name = "ACTION_ID")]
    pub action_ids: Vec<String>,

    /// Write to this file (its directory is created) instead of stdout.
    #[arg(long, short, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Read the live schemas from Refold instead of .refold/.
    #[arg(long)]
    pub fetch: bool,

    /// Mark no struct idempotent, not even reads.
    #[arg(long)]
    pub no_idempotent: bool,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `refold exec`.
#[derive(Debug, Args)]
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

const BULK_ABOUT: &str = "\
Run an action once per row of a CSV file (with a header row) or a JSON Lines file (one object
per line), several at a time, paced by the rate limit of each linked account.

Each column (or key) is a parameter, typed by the action's schema as `exec` types name=value;
an empty CSV cell leaves the parameter out. A row that cannot be used (a malformed line, a
missing required value, a value of the wrong type) is reported with its row and column and not
sent.

Every row is journaled (JSON Lines, appended and flushed as it happens): a line when it is sent,
and one when it finishes, with its outcome, request id, created record id, error kind and
whether it may have executed. With --resume and the same input and journal, rows that succeeded
are skipped, rows that certainly did not run are sent again, and rows whose outcome is unknown
(the command was killed while they were in flight, or the reply was lost) are listed for you to
check instead of being sent twice, unless --resend-unknown is given. A row that changed since
the journal was written is refused.

Ctrl-C stops sending, waits for the requests in flight, completes the journal and prints the
summary; a second Ctrl-C exits at once.";

const BULK_EXAMPLES: &str = "\
Examples:
  refold bulk hubspot create_contact --input contacts.csv
  refold bulk hubspot create_contact --input contacts.csv --linked-account-column customer --concurrency 32
  refold bulk hubspot create_contact --input contacts.csv --resume
  cat rows.jsonl | refold bulk hubspot create_contact --input - --format jsonl --journal run.journal";

/// The format of `bulk`'s input.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum InputFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// One JSON object per line.
    Jsonl,
}

/// `refold bulk`.
#[derive(Debug, Args)]
pub struct BulkArgs {
    /// The app, e.g. hubspot.
    pub slug: String,

    /// The action, e.g. create_contact.
    pub action_id: String,

    /// The rows: a .csv or .jsonl file, or - for stdin.
    #[arg(long, value_name = "FILE")]
    pub input: PathBuf,

    /// The input's format; by default from the file's extension (.csv, .jsonl or .ndjson).
    #[arg(long, value_enum)]
    pub format: Option<InputFormat>,

    /// Requests in flight at once.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub concurrency: u32,

    /// The column (or key) naming each row's linked account; it is not sent as a parameter.
    #[arg(long, value_name = "COL")]
    pub linked_account_column: Option<String>,

    /// Requests per second per linked account (the client waits for a slot instead of being
    /// throttled); Refold's published limit by default.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit: u32,

    /// The journal file; by default the input's path with .journal.jsonl added
    /// (bulk.journal.jsonl for stdin).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,

    /// Continue a run from its journal: skip rows that succeeded, list rows of unknown outcome.
    #[arg(long)]
    pub resume: bool,

    /// With --resume, send rows whose outcome is unknown again (they may run twice).
    #[arg(long, requires = "resume")]
    pub resend_unknown: bool,

    /// The action is safe to repeat (a read): also retry it when its outcome is unknown.
    #[arg(long)]
    pub idempotent: bool,

    #[command(flatten)]
    pub schema: SchemaArgs,

    #[command(flatten)]
    pub connection: ConnectionArgs,
}

/// `refold emulator`: the emulator's own command line, the one `refold-emulator` parses too.
pub use refold_emulator::cli::ServeArgs as EmulatorArgs;

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
}
