//! `refold prepare`: snapshot the schemas the code uses; `--check` compares; `--prune` tidies.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use refold::Client;
use refold_snapshot::{Snapshot, SnapshotDir, SnapshotError, WriteOutcome};

use clap::Args;

use crate::diff::{Change, diff};
use crate::error::CliError;
use crate::exit::{self, Exit};
use crate::fetch::{self, Summaries};
use crate::project::{Package, Project, shown};
use crate::scan::{ActionUse, Scan};
use crate::shared_args::ConnectionArgs;

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

/// `refold prepare`.
#[derive(Debug, Args)]
#[command(
    about = "Snapshot the schemas of the actions your code uses into .refold/",
    long_about = PREPARE_ABOUT,
    after_help = PREPARE_EXAMPLES,
)]
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

/// One action to snapshot, and where.
type Key = (String, String);

/// What one snapshot directory is to hold: the actions to fetch (with the structs that use
/// them, empty for `--app`), and with `--prune` every action any struct reading it uses.
#[derive(Default)]
struct Plan {
    targets: BTreeMap<Key, Vec<ActionUse>>,
    used: BTreeSet<Key>,
}

pub async fn run(args: &PrepareArgs, env: impl Fn(&str) -> Option<String>) -> Result<(), CliError> {
    let cwd = super::current_dir()?;
    let start = args.manifest_dir.clone().unwrap_or_else(|| cwd.clone());
    let project = Project::locate(&start)?;
    let scope = scope(&project, args.workspace, &start)?;
    let default_root = match (args.workspace, scope.first()) {
        (false, Some(package)) => package.root.clone(),
        _ => project.workspace_root.clone(),
    };

    let (plans, client) = if args.app.is_empty() {
        let Some(plans) = plan_sources(&project, &scope, &default_root, args.prune, &cwd)? else {
            return Ok(());
        };
        (plans, crate::connect::client(&args.connection, env)?)
    } else {
        let client = crate::connect::client(&args.connection, env)?;
        (plan_apps(&project, &scope, args, &client).await?, client)
    };

    let mut report = Report::default();
    for (dir, plan) in &plans {
        apply(&client, args, dir, plan, &cwd, &mut report).await?;
    }
    report.finish(args)
}

/// The plans for the `#[refold_action]` structs of `scope`, by snapshot directory; `None`
/// (after saying so) when there is nothing to do.
fn plan_sources(
    project: &Project,
    scope: &[Package],
    default_root: &Path,
    prune: bool,
    cwd: &Path,
) -> Result<Option<BTreeMap<PathBuf, Plan>>, CliError> {
    let mut plans: BTreeMap<PathBuf, Plan> = BTreeMap::new();
    let mut scan = Scan::default();
    for package in scope {
        let plan = plans.entry(Project::schema_dir(package, default_root)).or_default();
        let before = scan.uses.len();
        scan_package(project, package, cwd, &mut scan)?;
        for found in &scan.uses[before..] {
            let key = (found.slug.clone(), found.action_id.clone());
            plan.used.insert(key.clone());
            plan.targets.entry(key).or_default().push(found.clone());
        }
    }
    if prune {
        // A snapshot is pruned only when no package reading that directory uses it, so
        // pruning one package never removes what a sibling package needs.
        for package in project.packages.iter().filter(|p| !scope.contains(p)) {
            if let Some(plan) = plans.get_mut(&Project::schema_dir(package, &package.root)) {
                let mut other = Scan::default();
                scan_package(project, package, cwd, &mut other)?;
                plan.used.extend(other.uses.into_iter().map(|u| (u.slug, u.action_id)));
            }
        }
    }
    for warning in &scan.warnings {
        eprintln!("warning: {warning}");
    }
    if scan.uses.is_empty() && !prune {
        let names: Vec<&str> = scope.iter().map(|p| p.name.as_str()).collect();
        println!(
            "No #[refold_action(slug = \"…\", id = \"…\")] structs found in {}; nothing to snapshot.",
            names.join(", ")
        );
        return Ok(None);
    }
    Ok(Some(plans))
}

/// The plan for `--app`: every action the apps list, in the current package's directory (the
/// workspace root's with `--workspace`).
async fn plan_apps(
    project: &Project,
    scope: &[Package],
    args: &PrepareArgs,
    client: &Client,
) -> Result<BTreeMap<PathBuf, Plan>, CliError> {
    let dir = match scope.first() {
        Some(package) if !args.workspace => Project::schema_dir(package, &package.root),
        _ => refold_snapshot::find_schema_dir(&project.workspace_root)
            .unwrap_or_else(|| project.workspace_root.join(refold_snapshot::SCHEMA_DIR_NAME)),
    };
    let mut plan = Plan::default();
    for slug in &args.app {
        for action_id in fetch::summaries(client, slug, &[]).await?.into_keys() {
            plan.targets.insert((slug.clone(), action_id), Vec::new());
        }
    }
    Ok(BTreeMap::from([(dir, plan)]))
}

/// The packages to scan: the one `start` is in, or the whole workspace.
fn scope(project: &Project, workspace: bool, start: &Path) -> Result<Vec<Package>, CliError> {
    if workspace {
        return Ok(project.packages.clone());
    }
    match project.current {
        Some(index) => Ok(vec![project.packages[index].clone()]),
        None => Err(CliError::new(
            Exit::Input,
            format!(
                "{} is in the workspace at {} but not inside any of its packages; run from a package's directory, \
                 or pass --workspace",
                start.display(),
                project.workspace_root.display()
            ),
        )),
    }
}

fn scan_package(project: &Project, package: &Package, cwd: &Path, scan: &mut Scan) -> Result<(), CliError> {
    for file in project.sources(package)? {
        scan.file(&file, &shown(&file, cwd));
    }
    Ok(())
}

/// What happened to each snapshot, for the summary.
#[derive(Default)]
struct Report {
    created: usize,
    updated: usize,
    unchanged: usize,
    removed: usize,
    /// `--check`: the snapshots that matched, and the number that did not.
    matched: usize,
    drifted: usize,
    /// Errors that stop the run, all reported; the last, printed last, decides the exit code.
    errors: Vec<CliError>,
}

impl Report {
    fn finish(mut self, args: &PrepareArgs) -> Result<(), CliError> {
        let total = self.created + self.updated + self.unchanged + self.matched + self.drifted;
        if let Some(last) = self.errors.pop() {
            for err in &self.errors {
                eprintln!("{err}");
            }
            return Err(last);
        }
        if args.check {
            if self.drifted > 0 {
                return Err(CliError::new(
                    Exit::Drift,
                    format!(
                        "{} of {} snapshots are missing, out of date or unused; run `refold prepare{}` and commit .refold/",
                        self.drifted,
                        total,
                        if args.prune { " --prune" } else { "" }
                    ),
                ));
            }
            println!("All {total} snapshots match the live schemas.");
            return Ok(());
        }
        println!(
            "{total} snapshots: {} created, {} updated, {} unchanged, {} removed.",
            self.created, self.updated, self.unchanged, self.removed
        );
        Ok(())
    }
}

/// Fetches one directory's actions, then writes or compares them, and prunes.
async fn apply(
    client: &Client,
    args: &PrepareArgs,
    dir: &Path,
    plan: &Plan,
    cwd: &Path,
    report: &mut Report,
) -> Result<(), CliError> {
    let snapshots = SnapshotDir::new(dir);
    let errors_before = report.errors.len();
    let mut summaries: BTreeMap<String, Summaries> = BTreeMap::new();
    let slugs: BTreeSet<&str> = plan.targets.keys().map(|(slug, _)| slug.as_str()).collect();
    let named: Vec<&str> = slugs.iter().copied().collect();
    for slug in slugs {
        match fetch::summaries(client, slug, &named).await {
            Ok(list) => {
                summaries.insert(slug.to_owned(), list);
            }
            Err(err) => {
                report.errors.push(with_uses(err, plan, slug, None, cwd));
            }
        }
    }
    // An app that could not be listed is reported above; every other app's snapshots are
    // still written, as for an unknown action id.
    let targets: Vec<Key> = plan
        .targets
        .keys()
        .filter(|(slug, _)| summaries.contains_key(slug))
        .cloned()
        .collect();
    let created_dir = !args.check && !targets.is_empty() && !dir.exists();
    let live = fetch::snapshots(client, &targets, &summaries, usize::from(args.concurrency)).await;
    for ((slug, action_id), live) in targets.iter().zip(live) {
        let path = snapshots.path_of(slug, action_id)?;
        let shown_path = shown(&path, cwd);
        let live = match live {
            Ok(live) => live,
            Err(err) if args.check && exit::is_unknown_route(&err) => {
                report.drifted += 1;
                let listed = summaries
                    .get(slug)
                    .into_iter()
                    .flat_map(|list| list.keys().map(String::as_str));
                let hint = crate::names::action_hint(slug, action_id, listed);
                let request_id = err
                    .request_id()
                    .map(|id| format!(", request id {id}"))
                    .unwrap_or_default();
                println!("drift      {slug}/{action_id}: Refold no longer has this action ({hint}{request_id})");
                print_uses(plan, slug, action_id, cwd);
                continue;
            }
            Err(err) => {
                let context = format!("fetching the parameters of `{slug}/{action_id}`");
                let mut failure = CliError::client(context, &err);
                if exit::is_unknown_route(&err)
                    && let Some(listed) = summaries.get(slug)
                {
                    failure = failure.note(crate::names::action_hint(
                        slug,
                        action_id,
                        listed.keys().map(String::as_str),
                    ));
                }
                report.errors.push(with_uses(failure, plan, slug, Some(action_id), cwd));
                continue;
            }
        };
        if args.check {
            check_one(&snapshots, &live, &shown_path, plan, cwd, report)?;
        } else {
            let outcome = snapshots.write(&live)?;
            let word = match outcome {
                WriteOutcome::Created => {
                    report.created += 1;
                    "created"
                }
                WriteOutcome::Updated => {
                    report.updated += 1;
                    "updated"
                }
                _ => {
                    report.unchanged += 1;
                    "unchanged"
                }
            };
            println!("{word:<10} {shown_path}");
        }
    }
    if created_dir && dir.exists() {
        // Cargo tracks the snapshot files the attribute read, not a directory that did not
        // exist: a crate built before keeps its old result until it is rebuilt.
        eprintln!(
            "note: created {}; run `cargo clean -p <your crate>` once so cargo checks a crate built before against it",
            shown(dir, cwd)
        );
    }
    // Nothing is pruned when something could not be fetched: it may be in use.
    if report.errors.len() > errors_before {
        return Ok(());
    }
    if args.prune {
        for (slug, action_id) in snapshots.list()? {
            let key = (slug, action_id);
            if plan.used.contains(&key) {
                continue;
            }
            let shown_path = shown(&snapshots.path_of(&key.0, &key.1)?, cwd);
            if args.check {
                report.drifted += 1;
                println!("unused     {}/{} ({shown_path}): no struct uses it", key.0, key.1);
            } else if snapshots.remove(&key.0, &key.1)? {
                report.removed += 1;
                println!("{:<10} {shown_path}", "removed");
            }
        }
    } else if !args.app.is_empty() {
        note_unlisted(&snapshots, &args.app, &summaries, args.check, cwd, report)?;
    }
    Ok(())
}

/// `--check` of one action: prints `ok`, or the drift and the diff.
fn check_one(
    snapshots: &SnapshotDir,
    live: &Snapshot,
    shown_path: &str,
    plan: &Plan,
    cwd: &Path,
    report: &mut Report,
) -> Result<(), CliError> {
    let (slug, action_id) = (&live.slug, &live.action_id);
    let stored = match snapshots.read(slug, action_id) {
        Ok(Some(stored)) => stored,
        Ok(None) => {
            report.drifted += 1;
            println!("missing    {slug}/{action_id}: no snapshot at {shown_path}");
            print_uses(plan, slug, action_id, cwd);
            return Ok(());
        }
        // `refold prepare` rewrites such a file, so it is drift like any other, not a stop.
        Err(err @ (SnapshotError::Corrupt { .. } | SnapshotError::NewerFormat { .. })) => {
            report.drifted += 1;
            println!("unreadable {slug}/{action_id}: {err}");
            return Ok(());
        }
        Err(err) => return Err(err.into()),
    };
    // Gone since it was read: compare with nothing, which is drift.
    let bytes = snapshots.read_bytes(slug, action_id)?.unwrap_or_default();
    let changes: Vec<Change> = diff(&stored, &bytes, live);
    if changes.is_empty() {
        report.matched += 1;
        println!("{:<10} {slug}/{action_id}", "ok");
        return Ok(());
    }
    report.drifted += 1;
    println!("drift      {slug}/{action_id}: the live schema differs from {shown_path}");
    for change in &changes {
        println!("    {change}");
    }
    print_uses(plan, slug, action_id, cwd);
    Ok(())
}

/// With `--app`: snapshots of the app's actions that Refold no longer lists. Drift with
/// `--check`; a note otherwise (`--prune` removes them once no struct uses them).
fn note_unlisted(
    snapshots: &SnapshotDir,
    apps: &[String],
    summaries: &BTreeMap<String, Summaries>,
    check: bool,
    cwd: &Path,
    report: &mut Report,
) -> Result<(), CliError> {
    for (slug, action_id) in snapshots.list()? {
        let listed = summaries.get(&slug).is_some_and(|list| list.contains_key(&action_id));
        if !apps.contains(&slug) || listed {
            continue;
        }
        let shown_path = shown(&snapshots.path_of(&slug, &action_id)?, cwd);
        if check {
            report.drifted += 1;
            println!("drift      {slug}/{action_id}: Refold no longer lists this action ({shown_path})");
        } else {
            eprintln!("note: {shown_path} is for an action Refold no longer lists");
        }
    }
    Ok(())
}

fn print_uses(plan: &Plan, slug: &str, action_id: &str, cwd: &Path) {
    let key = (slug.to_owned(), action_id.to_owned());
    for found in plan.targets.get(&key).into_iter().flatten() {
        println!(
            "    used by `{}` at {}:{}:{}",
            found.struct_name,
            shown(&found.file, cwd),
            found.line,
            found.column
        );
    }
}

/// `err` with the structs that use the app (or the action) appended, so a 404 points at code.
fn with_uses(err: CliError, plan: &Plan, slug: &str, action_id: Option<&str>, cwd: &Path) -> CliError {
    let mut places = Vec::new();
    for ((s, a), uses) in &plan.targets {
        if s == slug && action_id.is_none_or(|id| id == a) {
            for found in uses {
                places.push(format!(
                    "\n  used by `{}` at {}:{}:{}",
                    found.struct_name,
                    shown(&found.file, cwd),
                    found.line,
                    found.column
                ));
            }
        }
    }
    if places.is_empty() {
        return err;
    }
    let text = err.to_string();
    CliError::new(
        err.exit(),
        format!("{}{}", text.trim_start_matches("error: "), places.concat()),
    )
}
