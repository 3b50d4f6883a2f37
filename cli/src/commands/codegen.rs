//! `refold codegen <slug> [action_id…]`: `#[refold_action]` structs from schema snapshots.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use refold_snapshot::{Snapshot, SnapshotDir};

use clap::Args;

use crate::error::CliError;
use crate::exit::Exit;
use crate::fetch;
use crate::generate::{self, Options, Source};
use crate::project::shown;
use crate::shared_args::ConnectionArgs;

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

/// `refold codegen`.
#[derive(Debug, Args)]
#[command(
    about = "Write `#[refold_action]` structs for an app's actions, from their .refold/ snapshots",
    long_about = CODEGEN_ABOUT,
    after_help = CODEGEN_EXAMPLES,
)]
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

pub async fn run(args: &CodegenArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    crate::names::check(&args.slug, args.action_ids.iter().map(String::as_str))?;
    let cwd = super::current_dir()?;
    let (snapshots, source) = if args.fetch {
        (fetched(args, env).await?, Source::Fetched)
    } else {
        let dir = super::schema_dir(&cwd).ok_or_else(|| {
            CliError::new(
                Exit::Input,
                format!(
                    "there is no .refold/ directory at or above {}: run `refold prepare --app {}` first, or pass --fetch",
                    cwd.display(),
                    args.slug
                ),
            )
        })?;
        let shown_dir = shown(&dir, &cwd);
        (
            stored(args, &SnapshotDir::new(&dir), &shown_dir)?,
            Source::Dir(shown_dir),
        )
    };
    let options = Options {
        command: command_line(args),
        source,
        idempotent: !args.no_idempotent,
    };
    let text = generate::file(&snapshots, &options).map_err(|err| {
        CliError::new(
            Exit::Input,
            format!("{err}; this is a bug of `refold codegen`, please report it with the snapshots used"),
        )
    })?;
    match &args.out {
        Some(path) => write(path, &text, snapshots.len()),
        None => {
            print!("{text}");
            Ok(())
        }
    }
}

/// The snapshots of the app (all, or the ones named) in `dir`.
fn stored(args: &CodegenArgs, dir: &SnapshotDir, shown_dir: &str) -> Result<Vec<Snapshot>, CliError> {
    let available: Vec<String> = dir
        .list()?
        .into_iter()
        .filter(|(slug, _)| *slug == args.slug)
        .map(|(_, action_id)| action_id)
        .collect();
    if available.is_empty() {
        let mut slugs: Vec<String> = dir.list()?.into_iter().map(|(slug, _)| slug).collect();
        slugs.dedup();
        let guess = refold_snapshot::closest(&args.slug, slugs.iter().map(String::as_str))
            .map(|slug| format!(" (did you mean `{slug}`? it has snapshots)"))
            .unwrap_or_default();
        return Err(CliError::new(
            Exit::Input,
            format!(
                "{shown_dir} has no snapshots of `{slug}`{guess}: run `refold prepare --app {slug}` first, or pass \
                 --fetch",
                slug = args.slug
            ),
        ));
    }
    let wanted: Vec<String> = if args.action_ids.is_empty() {
        available.clone()
    } else {
        args.action_ids.clone()
    };
    let missing: Vec<&String> = wanted.iter().filter(|id| !available.contains(id)).collect();
    if !missing.is_empty() {
        let names: Vec<&str> = missing.iter().map(|id| id.as_str()).collect();
        let guesses: Vec<String> = names
            .iter()
            .filter_map(|id| {
                refold_snapshot::closest(id, available.iter().map(String::as_str))
                    .map(|guess| format!("did you mean `{guess}` for `{id}`?"))
            })
            .collect();
        let guesses = if guesses.is_empty() {
            String::new()
        } else {
            format!(" ({})", guesses.join("; "))
        };
        return Err(CliError::new(
            Exit::Input,
            format!(
                "{shown_dir} has no snapshot of `{slug}/{}`{guesses}: run `refold prepare --app {slug}` (or pass \
                 --fetch); the snapshots of `{slug}` are {}",
                names.join("`, `"),
                available.join(", "),
                slug = args.slug
            ),
        ));
    }
    let mut snapshots = Vec::new();
    for action_id in &wanted {
        if let Some(snapshot) = dir.read(&args.slug, action_id)? {
            snapshots.push(snapshot);
        }
    }
    Ok(snapshots)
}

/// The live schemas of the app's actions (all, or the ones named).
async fn fetched(args: &CodegenArgs, env: impl Fn(&str) -> Option<String>) -> Result<Vec<Snapshot>, CliError> {
    let client = crate::connect::client(&args.connection, env)?;
    let list = fetch::summaries(&client, &args.slug, &[]).await?;
    let ids: Vec<String> = if args.action_ids.is_empty() {
        list.keys().cloned().collect()
    } else {
        args.action_ids.clone()
    };
    let unlisted: Vec<String> = ids
        .iter()
        .filter(|id| !list.contains_key(*id))
        .map(|id| crate::names::action_hint(&args.slug, id, list.keys().map(String::as_str)))
        .collect();
    if !unlisted.is_empty() {
        return Err(CliError::new(Exit::NotFound, unlisted.join("\n  ")));
    }
    let targets: Vec<(String, String)> = ids.into_iter().map(|id| (args.slug.clone(), id)).collect();
    let summaries = BTreeMap::from([(args.slug.clone(), list)]);
    let mut snapshots = Vec::new();
    for ((slug, action_id), live) in targets
        .iter()
        .zip(fetch::snapshots(&client, &targets, &summaries, 8).await)
    {
        let snapshot = live
            .map_err(|err| CliError::client(format_args!("fetching the parameters of `{slug}/{action_id}`"), &err))?;
        snapshots.push(snapshot);
    }
    Ok(snapshots)
}

/// The command that regenerates the file, for its header.
fn command_line(args: &CodegenArgs) -> String {
    let mut words = vec!["refold codegen".to_owned(), args.slug.clone()];
    words.extend(args.action_ids.iter().cloned());
    if args.fetch {
        words.push("--fetch".to_owned());
    }
    if args.no_idempotent {
        words.push("--no-idempotent".to_owned());
    }
    if let Some(out) = &args.out {
        words.push(format!("--out {}", out.display()));
    }
    words.join(" ")
}

fn write(path: &Path, text: &str, structs: usize) -> Result<(), CliError> {
    let io =
        |err: std::io::Error| CliError::new(Exit::Io, format!("{}: could not write the file: {err}", path.display()));
    if let Some(parent) = path.parent().filter(|parent| !parent.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    std::fs::write(path, text).map_err(io)?;
    eprintln!("wrote {structs} structs to {}", path.display());
    Ok(())
}
