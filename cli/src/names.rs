//! The app slugs and action ids a command is given: checked against the identifier rule (the
//! one the client and the attribute use) before anything else, and, when Refold does not know
//! one, the closest one it does.

use refold::Client;
use refold_snapshot::{SnapshotDir, closest};

use crate::error::CliError;
use crate::exit::{self, Exit};

/// Checks `slug` and `action_ids` before any request or file access.
///
/// # Errors
///
/// [`Exit::Usage`] naming the first slug or action id that breaks the rule.
pub fn check<'a>(slug: &str, action_ids: impl IntoIterator<Item = &'a str>) -> Result<(), CliError> {
    let named = std::iter::once(("slug", slug)).chain(action_ids.into_iter().map(|id| ("action id", id)));
    for (what, value) in named {
        refold::validate_identifier(what, value).map_err(|err| CliError::new(Exit::Usage, err.to_string()))?;
    }
    Ok(())
}

/// `failure` with a hint when `err` is Refold's 404 for `slug/action_id`: the app's closest
/// action id when the app exists, else the closest app with snapshots in `.refold/`.
pub async fn with_unknown_action_hint(
    failure: CliError,
    err: &refold::Error,
    client: &Client,
    slug: &str,
    action_id: &str,
) -> CliError {
    if !exit::is_unknown_route(err) {
        return failure;
    }
    match client.list_actions(slug).await {
        Ok(actions) => {
            let ids = actions.iter().map(|action| action.action_id.as_str());
            if ids.clone().any(|id| id == action_id) {
                return failure;
            }
            failure.note(action_hint(slug, action_id, ids))
        }
        Err(list_err) if exit::is_unknown_route(&list_err) => failure.note(slug_hint(slug, &[])),
        Err(_) => failure,
    }
}

/// What to say about `action_id`, which the app `slug` (whose action ids are `known`) lacks.
pub fn action_hint<'a>(slug: &str, action_id: &str, known: impl IntoIterator<Item = &'a str> + Clone) -> String {
    match closest(action_id, known) {
        Some(id) => {
            format!("`{slug}` has no action `{action_id}`: did you mean `{id}`? (`refold actions {slug}` lists them)")
        }
        None => format!("`{slug}` has no action `{action_id}`: `refold actions {slug}` lists its actions"),
    }
}

/// What to say about `slug`, which Refold does not know. Until Refold lists its apps, the
/// candidates are the apps with snapshots in `.refold/` (seen from the current directory), then
/// the other apps the user's code names (`also_named`, from `prepare`'s scan).
pub fn slug_hint(slug: &str, also_named: &[&str]) -> String {
    let snapshotted: Vec<String> = std::env::current_dir()
        .ok()
        .and_then(|cwd| refold_snapshot::find_schema_dir(&cwd))
        .and_then(|dir| SnapshotDir::new(dir).list().ok())
        .map(|listed| {
            let mut slugs: Vec<String> = listed.into_iter().map(|(slug, _)| slug).collect();
            slugs.dedup();
            slugs
        })
        .unwrap_or_default();
    let others = also_named.iter().copied().filter(|other| *other != slug);
    if let Some(app) = closest(slug, snapshotted.iter().map(String::as_str)) {
        format!("Refold has no app `{slug}`: did you mean `{app}`? (it has snapshots in .refold/)")
    } else if let Some(app) = closest(slug, others) {
        format!("Refold has no app `{slug}`: did you mean `{app}`? (your code uses it too)")
    } else {
        format!("Refold has no app `{slug}`: check the slug")
    }
}
