//! "Did you mean …?": the closest known name is `refold_snapshot::closest`, shared with the
//! command line; this adds how the attribute lists names in its messages.

pub(crate) use refold_snapshot::{closest, edit_distance};

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

    #[test]
    fn lists_read_as_sentences() {
        assert_eq!(quoted_list([]), "");
        assert_eq!(quoted_list(["a"]), "`a`");
        assert_eq!(quoted_list(["a", "b", "c"]), "`a`, `b` and `c`");
    }
}
