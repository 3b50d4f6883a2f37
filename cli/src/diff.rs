//! What changed between a committed snapshot and the live schema, in words a reviewer reads.

use std::fmt;

use refold_snapshot::{Parameter, Snapshot};

/// One difference between the committed snapshot and the live schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    /// The live schema has a parameter the snapshot lacks.
    Added(Parameter),
    /// The snapshot has a parameter the live schema no longer lists.
    Removed(Parameter),
    /// A parameter became required or optional.
    Required { name: String, was: bool, now: bool },
    /// A parameter's type changed.
    Type { name: String, was: String, now: String },
    /// A parameter's label changed.
    Label {
        name: String,
        was: Option<String>,
        now: Option<String>,
    },
    /// The same parameters, in another order.
    Order { was: Vec<String>, now: Vec<String> },
    /// The action's name changed.
    Name { was: String, now: String },
    /// The action's description changed.
    Description,
    /// The schemas agree, but the file's bytes are not what `refold prepare` writes (an edit by
    /// hand, an older formatting).
    Formatting,
}

/// The changes from `stored` (the committed file, whose bytes are `stored_bytes`) to `live`.
/// Empty exactly when `refold prepare` would leave the file unchanged.
pub fn diff(stored: &Snapshot, stored_bytes: &[u8], live: &Snapshot) -> Vec<Change> {
    let mut changes = Vec::new();
    if stored.name != live.name {
        changes.push(Change::Name {
            was: stored.name.clone(),
            now: live.name.clone(),
        });
    }
    if stored.description != live.description {
        changes.push(Change::Description);
    }
    for now in &live.parameters {
        let Some(was) = stored.parameter(&now.name) else {
            changes.push(Change::Added(now.clone()));
            continue;
        };
        if was.required != now.required {
            changes.push(Change::Required {
                name: now.name.clone(),
                was: was.required,
                now: now.required,
            });
        }
        if was.param_type != now.param_type {
            changes.push(Change::Type {
                name: now.name.clone(),
                was: was.param_type.to_string(),
                now: now.param_type.to_string(),
            });
        }
        if was.label != now.label {
            changes.push(Change::Label {
                name: now.name.clone(),
                was: was.label.clone(),
                now: now.label.clone(),
            });
        }
    }
    for was in &stored.parameters {
        if live.parameter(&was.name).is_none() {
            changes.push(Change::Removed(was.clone()));
        }
    }
    if changes.is_empty() {
        let names =
            |snapshot: &Snapshot| -> Vec<String> { snapshot.parameters.iter().map(|p| p.name.clone()).collect() };
        let (was, now) = (names(stored), names(live));
        if was != now {
            changes.push(Change::Order { was, now });
        } else if stored_bytes != live.to_bytes().as_slice() {
            changes.push(Change::Formatting);
        }
    }
    changes
}

fn describe(parameter: &Parameter) -> String {
    let required = if parameter.required { "required" } else { "optional" };
    match &parameter.label {
        Some(label) => format!("{}, {required}, label {label:?}", parameter.param_type),
        None => format!("{}, {required}", parameter.param_type),
    }
}

fn label(label: &Option<String>) -> String {
    match label {
        Some(label) => format!("{label:?}"),
        None => "none".to_owned(),
    }
}

impl fmt::Display for Change {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Change::Added(p) => write!(f, "+ parameter `{}` added ({})", p.name, describe(p)),
            Change::Removed(p) => write!(f, "- parameter `{}` removed (was {})", p.name, describe(p)),
            Change::Required { name, was, now } => {
                let word = |required: &bool| if *required { "required" } else { "optional" };
                write!(f, "~ parameter `{name}`: {} -> {}", word(was), word(now))
            }
            Change::Type { name, was, now } => write!(f, "~ parameter `{name}`: type {was} -> {now}"),
            Change::Label { name, was, now } => {
                write!(f, "~ parameter `{name}`: label {} -> {}", label(was), label(now))
            }
            Change::Order { was, now } => write!(f, "~ parameter order: {} -> {}", was.join(", "), now.join(", ")),
            Change::Name { was, now } => write!(f, "~ name: {was:?} -> {now:?}"),
            Change::Description => f.write_str("~ description changed"),
            Change::Formatting => f.write_str("~ the file is not formatted as `refold prepare` writes it"),
        }
    }
}

#[cfg(test)]
mod tests {
    use refold_snapshot::ParamType;

    use super::*;

    fn snapshot(parameters: Vec<Parameter>) -> Snapshot {
        Snapshot::new("hubspot", "create_contact")
            .with_name("Create Contact")
            .with_parameters(parameters)
    }

    fn email() -> Parameter {
        Parameter::new("email", ParamType::Text)
            .with_label("Enter Email")
            .with_required(true)
    }

    #[test]
    fn identical_schemas_have_no_changes() {
        let stored = snapshot(vec![email()]);
        assert_eq!(diff(&stored, &stored.to_bytes(), &stored.clone()), []);
    }

    #[test]
    fn every_kind_of_change_is_named() {
        let stored = snapshot(vec![
            email(),
            Parameter::new("amount", ParamType::Text),
            Parameter::new("website", ParamType::Text),
        ]);
        let live = snapshot(vec![
            Parameter::new("email", ParamType::Text).with_label("Email"),
            Parameter::new("amount", ParamType::Number),
            Parameter::new("phone", ParamType::Text).with_required(true),
        ])
        .with_name("Create a Contact");
        let lines: Vec<String> = diff(&stored, &stored.to_bytes(), &live)
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            lines,
            [
                "~ name: \"Create Contact\" -> \"Create a Contact\"",
                "~ parameter `email`: required -> optional",
                "~ parameter `email`: label \"Enter Email\" -> \"Email\"",
                "~ parameter `amount`: type text -> number",
                "+ parameter `phone` added (text, required)",
                "- parameter `website` removed (was text, optional)",
            ]
        );
    }

    #[test]
    fn order_and_formatting_differences_are_caught() {
        let a = Parameter::new("a", ParamType::Text);
        let b = Parameter::new("b", ParamType::Text);
        let stored = snapshot(vec![a.clone(), b.clone()]);
        let live = snapshot(vec![b, a]);
        assert!(matches!(
            diff(&stored, &stored.to_bytes(), &live)[..],
            [Change::Order { .. }]
        ));

        let compact = serde_json::to_vec(&stored).unwrap();
        assert_eq!(diff(&stored, &compact, &stored.clone()), [Change::Formatting]);
    }
}
