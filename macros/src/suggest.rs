//! "Did you mean …?": the known name closest to a mistyped one.

/// The candidate `name` most plausibly meant, if any: one that differs from it only in case, `_`
/// or `-` (`first_name` for `firstname`), else the closest by edit distance when at most a third
/// of the candidate differs (`emial` for `email`), else the only one that contains it
/// (`owner_id` for `hubspot_owner_id`). Ties go to the first candidate.
pub(crate) fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str> + Clone) -> Option<&'c str> {
    let folded = fold(name);
    if let Some(same) = candidates
        .clone()
        .into_iter()
        .find(|candidate| fold(candidate) == folded)
    {
        return Some(same);
    }
    let lower = name.to_ascii_lowercase();
    let near = candidates
        .clone()
        .into_iter()
        .map(|candidate| (edit_distance(&lower, &candidate.to_ascii_lowercase()), candidate))
        .filter(|(distance, candidate)| *distance <= candidate.len().div_ceil(3))
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, candidate)| candidate);
    if near.is_some() {
        return near;
    }
    if folded.len() < 4 {
        return None;
    }
    let mut containing = candidates
        .into_iter()
        .filter(|candidate| fold(candidate).contains(&folded));
    match (containing.next(), containing.next()) {
        (Some(only), None) => Some(only),
        _ => None,
    }
}

/// Lowercase, without `_` and `-`.
fn fold(name: &str) -> String {
    name.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

/// Levenshtein distance, by characters.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// `` `a`, `b` and `c` ``: names quoted as code, as a sentence.
pub(crate) fn quoted_list<'n>(names: impl IntoIterator<Item = &'n str>) -> String {
    let quoted: Vec<String> = names.into_iter().map(|name| format!("`{name}`")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTACT: [&str; 5] = [
        "firstname",
        "lastname",
        "email",
        "hubspot_owner_id",
        "additional_fields",
    ];

    #[test]
    fn closest_parameter() {
        assert_eq!(closest("first_name", CONTACT), Some("firstname"));
        assert_eq!(closest("FirstName", CONTACT), Some("firstname"));
        assert_eq!(closest("emial", CONTACT), Some("email"));
        assert_eq!(closest("mail", CONTACT), Some("email"));
        assert_eq!(closest("owner_id", CONTACT), Some("hubspot_owner_id"));
        assert_eq!(closest("additional", CONTACT), Some("additional_fields"));
        assert_eq!(closest("name", CONTACT), None, "in two candidates: no guess");
        assert_eq!(closest("salary", CONTACT), None);
        assert_eq!(closest("x", []), None);
    }

    #[test]
    fn lists_read_as_sentences() {
        assert_eq!(quoted_list([]), "");
        assert_eq!(quoted_list(["a"]), "`a`");
        assert_eq!(quoted_list(["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
