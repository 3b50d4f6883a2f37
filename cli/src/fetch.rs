//! The schemas commands work with: live ones fetched through `refold::Client` and shaped as
//! snapshots, or the `.refold/` snapshot when there is one.

use std::collections::BTreeMap;

use refold::{ActionParameter, ActionSummary, Client};
use refold_snapshot::{Parameter, Snapshot, SnapshotDir};
use tokio::task::JoinSet;

use crate::error::CliError;
use crate::shared_args::SchemaArgs;

/// An app's action list, by action id.
pub type Summaries = BTreeMap<String, ActionSummary>;

/// The list endpoint's answer for `slug`.
///
/// # Errors
///
/// The client's error, with what was being fetched.
pub async fn summaries(client: &Client, slug: &str, also_named: &[&str]) -> Result<Summaries, CliError> {
    let list = client
        .list_actions(slug)
        .await
        .map_err(|err| listing_failed(slug, &err, also_named))?;
    Ok(list
        .into_iter()
        .map(|summary| (summary.action_id.clone(), summary))
        .collect())
}

/// The schema the parameters are checked against: none with `--no-schema`; else the snapshot,
/// when there is one and `--fetch` is not given; else the live one.
///
/// # Errors
///
/// An unreadable snapshot, or the client's error fetching the live schema.
pub async fn schema(
    client: &Client,
    slug: &str,
    action_id: &str,
    source: &SchemaArgs,
) -> Result<Option<Snapshot>, CliError> {
    if source.no_schema {
        return Ok(None);
    }
    if !source.fetch
        && let Some(dir) = crate::commands::schema_dir(&crate::commands::current_dir()?)
        && let Some(snapshot) = SnapshotDir::new(dir).read(slug, action_id)?
    {
        return Ok(Some(snapshot));
    }
    let parameters = parameters(client, slug, action_id).await?;
    Ok(Some(snapshot(slug, action_id, None, parameters)))
}

/// The parameters endpoint's answer for `slug/action_id`.
///
/// # Errors
///
/// The client's error, with what was being fetched and, for an action or app Refold does not
/// know, the closest one it does.
pub async fn parameters(client: &Client, slug: &str, action_id: &str) -> Result<Vec<ActionParameter>, CliError> {
    match client.action_parameters(slug, action_id).await {
        Ok(parameters) => Ok(parameters),
        Err(err) => {
            let failure = CliError::client(format_args!("fetching the parameters of `{slug}/{action_id}`"), &err);
            Err(crate::names::with_unknown_action_hint(failure, &err, client, slug, action_id).await)
        }
    }
}

/// A failure to list the actions of `slug`; for an app Refold does not know, with the closest
/// one that has snapshots.
pub fn listing_failed(slug: &str, err: &refold::Error, also_named: &[&str]) -> CliError {
    let failure = CliError::client(format_args!("listing the actions of `{slug}`"), err);
    if crate::exit::is_unknown_route(err) {
        failure.note(crate::names::slug_hint(slug, also_named))
    } else {
        failure
    }
}

/// The live snapshot of each `(slug, action_id)`: parameters from the parameters endpoint,
/// name and description from `summaries` (empty when the list does not have the action).
/// At most `concurrency` requests are in flight; results come back in `targets`' order.
pub async fn snapshots(
    client: &Client,
    targets: &[(String, String)],
    summaries: &BTreeMap<String, Summaries>,
    concurrency: usize,
) -> Vec<Result<Snapshot, refold::Error>> {
    let mut results: Vec<Option<Result<Snapshot, refold::Error>>> = (0..targets.len()).map(|_| None).collect();
    let mut in_flight = JoinSet::new();
    let mut next = 0;
    loop {
        while next < targets.len() && in_flight.len() < concurrency.max(1) {
            let (slug, action_id) = targets[next].clone();
            let client = client.clone();
            in_flight.spawn(async move {
                let reply = client.action_parameters(&slug, &action_id).await;
                (next, reply)
            });
            next += 1;
        }
        let Some(joined) = in_flight.join_next().await else {
            break;
        };
        // The tasks never panic (they only await the client); a panic would be a bug worth seeing.
        let (index, reply) = joined.unwrap_or_else(|err| std::panic::resume_unwind(err.into_panic()));
        let (slug, action_id) = &targets[index];
        let summary = summaries.get(slug).and_then(|list| list.get(action_id));
        results[index] = Some(reply.map(|parameters| snapshot(slug, action_id, summary, parameters)));
    }
    results.into_iter().flatten().collect()
}

/// A snapshot from the API's answers, parameters in the API's order.
pub fn snapshot(
    slug: &str,
    action_id: &str,
    summary: Option<&ActionSummary>,
    parameters: Vec<ActionParameter>,
) -> Snapshot {
    let parameters = parameters
        .into_iter()
        .map(|p| {
            let mut parameter = Parameter::new(p.name, p.param_type).with_required(p.required);
            parameter.label = p.label;
            parameter
        })
        .collect();
    let mut snapshot = Snapshot::new(slug, action_id).with_parameters(parameters);
    if let Some(summary) = summary {
        snapshot = snapshot
            .with_name(summary.name.clone())
            .with_description(summary.description.clone());
    }
    snapshot
}
