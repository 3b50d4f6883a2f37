//! "Did you mean …?": the known name closest to a mistyped one.

/// The candidate `name` most plausibly meant, if any: one that differs from it only in case, `_`
/// or `-` (`first_name` for `firstname`), else the closest by edit distance when at most a third
/// of the candidate differs (`emial` for `email`), else the only one that contains it
/// (`owner_id` for `hubspot_owner_id`). Ties go to the first candidate.
///
/// One routine for every "did you mean": the attribute's compile-time checks and the `refold`
/// command's (parameters, action ids, app slugs).
///
/// ```
/// assert_eq!(refold_snapshot::closest("emial", ["email", "phone"]), Some("email"));
/// assert_eq!(refold_snapshot::closest("salary", ["email", "phone"]), None);
/// ```
pub fn closest<'c>(name: &str, candidates: impl IntoIterator<Item = &'c str> + Clone) -> Option<&'c str> {
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
///
/// ```
/// assert_eq!(refold_snapshot::edit_distance("kitten", "sitting"), 3);
/// ```
pub fn edit_distance(a: &str, b: &str) -> usize {
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
}
