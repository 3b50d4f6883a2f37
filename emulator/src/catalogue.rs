//! The apps and actions the emulator knows, loaded from the JSON files in `catalogue/`.
//!
//! The files are data, not code: each lists an app's actions with the parameter schema that
//! `GET …/actions/{action_id}` returns and that `…/execute` validates against. What an action
//! *does* lives in [`crate::apps`].
//!
//! A `.refold/` snapshot directory (see [`Catalogue::with_snapshots`]) adds actions to it or
//! replaces the schemas of built-in ones, so users' tests run against the schemas their code was
//! checked against.

use std::collections::HashMap;
use std::sync::LazyLock;

use refold_snapshot::Snapshot;
use serde::{Deserialize, Serialize};

/// The catalogue files, embedded at compile time.
const SOURCES: &[(&str, &str)] = &[
    ("hubspot.json", include_str!("../catalogue/hubspot.json")),
    ("salesforce.json", include_str!("../catalogue/salesforce.json")),
];

/// One app (a `slug`) and its actions, as written in a catalogue file.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct App {
    pub(crate) slug: String,
    /// The app's display name ("HubSpot"); the slug when a file or snapshot gives none.
    #[serde(default)]
    pub(crate) name: Option<String>,
    pub(crate) actions: Vec<ActionSchema>,
}

/// One action of an app.
#[derive(Clone, Debug, Deserialize)]
pub(crate) struct ActionSchema {
    pub(crate) action_id: String,
    pub(crate) name: String,
    pub(crate) description: String,
    #[serde(default)]
    pub(crate) tag: Option<String>,
    pub(crate) parameters: Vec<Parameter>,
}

/// One input parameter of an action; serialized exactly as the parameters endpoint replies.
#[derive(Clone, Debug, Deserialize, Serialize)]
pub(crate) struct Parameter {
    pub(crate) name: String,
    /// Every built-in parameter has a label; a snapshot's may lack one, and is then served
    /// without it, as it was fetched.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) label: Option<String>,
    pub(crate) required: bool,
    #[serde(rename = "type")]
    pub(crate) kind: String,
}

/// An item of the list-actions reply.
#[derive(Debug, Serialize)]
pub(crate) struct ActionSummary<'a> {
    name: &'a str,
    action_id: &'a str,
    description: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tag: Option<&'a str>,
}

impl ActionSchema {
    pub(crate) fn summary(&self) -> ActionSummary<'_> {
        ActionSummary {
            name: &self.name,
            action_id: &self.action_id,
            description: &self.description,
            tag: self.tag.as_deref(),
        }
    }
}

/// All apps, by slug.
#[derive(Clone)]
pub(crate) struct Catalogue {
    apps: HashMap<String, App>,
}

impl Catalogue {
    /// The built-in catalogue, parsed once per process.
    pub(crate) fn builtin() -> &'static Catalogue {
        static CATALOGUE: LazyLock<Catalogue> = LazyLock::new(|| {
            let apps = SOURCES
                .iter()
                .map(|(file, text)| {
                    let app: App = serde_json::from_str(text)
                        .unwrap_or_else(|e| panic!("catalogue/{file} is not a valid catalogue: {e}"));
                    (app.slug.clone(), app)
                })
                .collect();
            Catalogue { apps }
        });
        &CATALOGUE
    }

    pub(crate) fn app(&self, slug: &str) -> Option<&App> {
        self.apps.get(slug)
    }

    /// Every app, by slug.
    pub(crate) fn apps(&self) -> Vec<&App> {
        let mut apps: Vec<&App> = self.apps.values().collect();
        apps.sort_by(|a, b| a.slug.cmp(&b.slug));
        apps
    }

    /// This catalogue with `snapshots` added: a snapshot of an action the catalogue already has
    /// replaces its parameters (and its name and description, when the snapshot has them); any
    /// other snapshot adds the action, and its app when the slug is new.
    pub(crate) fn with_snapshots(&self, snapshots: Vec<Snapshot>) -> Catalogue {
        let mut catalogue = self.clone();
        for snapshot in snapshots {
            let app = catalogue.apps.entry(snapshot.slug.clone()).or_insert_with(|| App {
                slug: snapshot.slug.clone(),
                name: None,
                actions: Vec::new(),
            });
            let parameters = snapshot
                .parameters
                .iter()
                .map(|p| Parameter {
                    name: p.name.clone(),
                    label: p.label.clone(),
                    required: p.required,
                    kind: p.param_type.as_str().to_owned(),
                })
                .collect();
            match app.actions.iter_mut().find(|a| a.action_id == snapshot.action_id) {
                Some(action) => {
                    action.parameters = parameters;
                    if !snapshot.name.is_empty() {
                        action.name = snapshot.name;
                    }
                    if !snapshot.description.is_empty() {
                        action.description = snapshot.description;
                    }
                }
                None => app.actions.push(ActionSchema {
                    action_id: snapshot.action_id,
                    name: snapshot.name,
                    description: snapshot.description,
                    tag: None,
                    parameters,
                }),
            }
        }
        catalogue
    }
}

impl App {
    pub(crate) fn action(&self, action_id: &str) -> Option<&ActionSchema> {
        self.actions.iter().find(|a| a.action_id == action_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogue_parses_and_has_unique_action_ids() {
        let catalogue = Catalogue::builtin();
        for slug in ["hubspot", "salesforce"] {
            let app = catalogue.app(slug).expect(slug);
            let mut ids: Vec<_> = app.actions.iter().map(|a| a.action_id.as_str()).collect();
            let before = ids.len();
            ids.sort_unstable();
            ids.dedup();
            assert_eq!(before, ids.len(), "duplicate action id in {slug}");
        }
    }

    #[test]
    fn hubspot_create_contact_has_the_documented_schema() {
        let action = Catalogue::builtin()
            .app("hubspot")
            .and_then(|a| a.action("create_contact"))
            .unwrap();
        let names: Vec<_> = action.parameters.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "firstname",
                "lastname",
                "email",
                "phone",
                "company",
                "website",
                "jobtitle",
                "hubspot_owner_id",
                "associations",
                "additional_fields"
            ]
        );
        let required: Vec<_> = action
            .parameters
            .iter()
            .filter(|p| p.required)
            .map(|p| p.name.as_str())
            .collect();
        assert_eq!(required, ["email"]);
    }

    #[test]
    fn snapshots_replace_built_in_schemas_and_add_new_apps() {
        use refold_snapshot::{ParamType, Parameter as SnapshotParameter};

        let replaced = Snapshot::new("hubspot", "get_contact").with_parameters(vec![
            SnapshotParameter::new("contact_email", ParamType::Text).with_required(true),
        ]);
        let added = Snapshot::new("acme", "ping")
            .with_name("Ping")
            .with_parameters(vec![SnapshotParameter::new("secret", ParamType::Password)]);
        let catalogue = Catalogue::builtin().with_snapshots(vec![replaced, added]);

        let get_contact = catalogue.app("hubspot").and_then(|a| a.action("get_contact")).unwrap();
        assert_eq!(
            get_contact.name, "Get Contact",
            "an empty snapshot name keeps the built-in one"
        );
        assert_eq!(get_contact.parameters.len(), 1);
        assert_eq!(get_contact.parameters[0].name, "contact_email");
        let ping = catalogue.app("acme").and_then(|a| a.action("ping")).unwrap();
        assert_eq!(
            (ping.name.as_str(), ping.parameters[0].kind.as_str()),
            ("Ping", "password")
        );
        assert!(ping.parameters[0].label.is_none());
        assert!(
            catalogue
                .app("hubspot")
                .and_then(|a| a.action("create_contact"))
                .is_some(),
            "actions without a snapshot stay"
        );
    }
}
