//! serde's `rename_all` rules, as they apply to the fields of a struct: the checks against a
//! schema snapshot must see the same wire names serde will write. A test in this module compares
//! every rule with serde's own derive.

/// One of the values `#[serde(rename_all = "…")]` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RenameRule {
    Lowercase,
    Uppercase,
    PascalCase,
    CamelCase,
    SnakeCase,
    ScreamingSnakeCase,
    KebabCase,
    ScreamingKebabCase,
}

impl RenameRule {
    /// The rule serde reads from this string, if it is one.
    pub(crate) fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "lowercase" => RenameRule::Lowercase,
            "UPPERCASE" => RenameRule::Uppercase,
            "PascalCase" => RenameRule::PascalCase,
            "camelCase" => RenameRule::CamelCase,
            "snake_case" => RenameRule::SnakeCase,
            "SCREAMING_SNAKE_CASE" => RenameRule::ScreamingSnakeCase,
            "kebab-case" => RenameRule::KebabCase,
            "SCREAMING-KEBAB-CASE" => RenameRule::ScreamingKebabCase,
            _ => return None,
        })
    }

    /// The wire name of a field named `field` (already without `r#`). Fields are taken to be
    /// written in snake_case, as serde takes them: `lowercase` and `snake_case` leave them as they
    /// are, and only `_` separates words.
    pub(crate) fn apply_to_field(self, field: &str) -> String {
        match self {
            RenameRule::Lowercase | RenameRule::SnakeCase => field.to_owned(),
            RenameRule::Uppercase | RenameRule::ScreamingSnakeCase => field.to_ascii_uppercase(),
            RenameRule::KebabCase => field.replace('_', "-"),
            RenameRule::ScreamingKebabCase => field.to_ascii_uppercase().replace('_', "-"),
            RenameRule::PascalCase => capitalize_words(field),
            RenameRule::CamelCase => {
                let pascal = capitalize_words(field);
                let mut chars = pascal.chars();
                match chars.next() {
                    Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
                    None => pascal,
                }
            }
        }
    }
}

/// Drops every `_` and uppercases (ASCII) the first character and each one that followed a `_`.
fn capitalize_words(field: &str) -> String {
    let mut out = String::with_capacity(field.len());
    let mut word_start = true;
    for c in field.chars() {
        if c == '_' {
            word_start = true;
        } else {
            out.push(if word_start { c.to_ascii_uppercase() } else { c });
            word_start = false;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::RenameRule;

    /// Field names covering the rules' edge cases: one letter, digits, leading, trailing and
    /// doubled underscores, capitals already in the name, a raw identifier and non-ASCII.
    macro_rules! serde_keys {
        ($rule:literal) => {{
            #[allow(non_snake_case, dead_code)]
            #[derive(serde::Serialize, Default)]
            #[serde(rename_all = $rule)]
            struct Fields {
                a: u8,
                first_name: u8,
                z42: u8,
                url_2x: u8,
                _leading: u8,
                trailing_: u8,
                double__under: u8,
                already_Mixed: u8,
                HTTPStatus: u8,
                r#type: u8,
                x_y_z: u8,
                café_crème: u8,
            }
            let value = serde_json::to_value(Fields::default()).unwrap();
            let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
            keys.sort();
            keys
        }};
    }

    const FIELDS: [&str; 12] = [
        "a",
        "first_name",
        "z42",
        "url_2x",
        "_leading",
        "trailing_",
        "double__under",
        "already_Mixed",
        "HTTPStatus",
        "type",
        "x_y_z",
        "café_crème",
    ];

    fn ours(rule: &str) -> Vec<String> {
        let rule = RenameRule::from_name(rule).expect("a serde rule");
        let mut keys: Vec<String> = FIELDS.iter().map(|field| rule.apply_to_field(field)).collect();
        keys.sort();
        keys
    }

    #[test]
    fn every_rule_names_fields_as_serde_does() {
        assert_eq!(ours("lowercase"), serde_keys!("lowercase"));
        assert_eq!(ours("UPPERCASE"), serde_keys!("UPPERCASE"));
        assert_eq!(ours("PascalCase"), serde_keys!("PascalCase"));
        assert_eq!(ours("camelCase"), serde_keys!("camelCase"));
        assert_eq!(ours("snake_case"), serde_keys!("snake_case"));
        assert_eq!(ours("SCREAMING_SNAKE_CASE"), serde_keys!("SCREAMING_SNAKE_CASE"));
        assert_eq!(ours("kebab-case"), serde_keys!("kebab-case"));
        assert_eq!(ours("SCREAMING-KEBAB-CASE"), serde_keys!("SCREAMING-KEBAB-CASE"));
    }

    #[test]
    fn examples() {
        let camel = RenameRule::from_name("camelCase").unwrap();
        assert_eq!(camel.apply_to_field("first_name"), "firstName");
        assert_eq!(
            RenameRule::from_name("SCREAMING-KEBAB-CASE")
                .unwrap()
                .apply_to_field("job_title"),
            "JOB-TITLE"
        );
        assert_eq!(RenameRule::from_name("Camel"), None);
    }
}
