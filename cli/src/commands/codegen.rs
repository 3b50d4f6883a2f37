//! `refold codegen <slug> [action_id…]`: `#[refold_action]` structs from schema snapshots.

use std::collections::BTreeMap;
use std::path::Path;

use refold_snapshot::{Snapshot, SnapshotDir};

use crate::args::CodegenArgs;
use crate::error::CliError;
use crate::exit::Exit;
use crate::fetch;
use crate::generate::{self, Options, Source};
use crate::project::shown;

pub async fn run(args: &CodegenArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    for (what, value) in std::iter::once(("slug", &args.slug)).chain(args.action_ids.iter().map(|id| ("action id", id)))
    {
        refold::validate_identifier(what, value).map_err(|err| CliError::new(Exit::Usage, err.to_string()))?;
    }
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
        return Err(CliError::new(
            Exit::Input,
            format!(
                "{shown_dir} has no snapshots of `{slug}`: run `refold prepare --app {slug}` first, or pass --fetch",
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
        return Err(CliError::new(
            Exit::Input,
            format!(
                "{shown_dir} has no snapshot of `{slug}/{}`: run `refold prepare --app {slug}` (or pass --fetch); \
                 the snapshots of `{slug}` are {}",
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
    let list = fetch::summaries(&client, &args.slug).await?;
    let ids: Vec<String> = if args.action_ids.is_empty() {
        list.keys().cloned().collect()
    } else {
        args.action_ids.clone()
    };
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
