//! URLs as errors may show them: without the user name and password a URL can carry.

/// `input` with anything between `://` and the host's `@` replaced by `***`.
pub(crate) fn without_userinfo(input: &str) -> String {
    let Some(scheme_end) = input.find("://").map(|i| i + 3) else {
        return input.to_owned();
    };
    let authority_end = input[scheme_end..]
        .find(['/', '?', '#'])
        .map_or(input.len(), |i| scheme_end + i);
    match input[scheme_end..authority_end].rfind('@') {
        Some(at) => format!("{}***{}", &input[..scheme_end], &input[scheme_end + at..]),
        None => input.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_info_is_hidden_and_the_rest_kept() {
        assert_eq!(without_userinfo("https://u:p@h/a@b"), "https://***@h/a@b");
        assert_eq!(without_userinfo("https://h/a@b"), "https://h/a@b");
        assert_eq!(
            without_userinfo("redis://:hunter2@cache:6379/0"),
            "redis://***@cache:6379/0"
        );
        assert_eq!(without_userinfo("not a url"), "not a url");
    }
}
