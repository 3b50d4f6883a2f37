//! A `refold::Client` from the `REFOLD_*` environment variables and the connection flags.

use std::time::Duration;

use refold::{Client, ClientBuilder, env};

use crate::error::CliError;
use crate::exit::Exit;
use crate::shared_args::ConnectionArgs;

/// The client every network call of the command goes through.
///
/// `lookup` reads a variable (the process environment in `main`); flags override
/// `REFOLD_BASE_URL` and `REFOLD_LINKED_ACCOUNT_ID`.
///
/// # Errors
///
/// [`Exit::Config`] naming the variables to set when the credentials are missing or
/// contradictory, or the base URL is invalid.
pub fn client(args: &ConnectionArgs, lookup: impl Fn(&str) -> Option<String>) -> Result<Client, CliError> {
    client_with(args, lookup, |builder| builder)
}

/// As [`client`], for a command that adds settings of its own (`bulk`'s rate limit).
///
/// # Errors
///
/// As [`client`].
pub fn client_with(
    args: &ConnectionArgs,
    lookup: impl Fn(&str) -> Option<String>,
    configure: impl Fn(ClientBuilder) -> ClientBuilder,
) -> Result<Client, CliError> {
    build(args, lookup, true, configure)
}

/// A client for the org's own calls (`accounts`, `connect`), which need the API key but no
/// linked account to act for.
///
/// # Errors
///
/// As [`client`], without requiring a linked account.
pub fn org_client(args: &ConnectionArgs, lookup: impl Fn(&str) -> Option<String>) -> Result<Client, CliError> {
    build(args, lookup, false, |builder| builder)
}

/// Builds the client, turning the builder's refusals into messages that name flags and
/// variables.
fn build(
    args: &ConnectionArgs,
    lookup: impl Fn(&str) -> Option<String>,
    needs_account: bool,
    configure: impl Fn(ClientBuilder) -> ClientBuilder,
) -> Result<Client, CliError> {
    configure(builder_for(args, &lookup, needs_account)?).build().map_err(|err| {
        let url = args
            .base_url
            .clone()
            .or_else(|| lookup(env::BASE_URL))
            .unwrap_or_default();
        // The client's messages name its builder calls (`.allow_insecure_http(true)`,
        // `.api_key(..)`); say the flag or the variable instead.
        let carries_userinfo = refold::reqwest::Url::parse(&url)
            .is_ok_and(|parsed| !parsed.username().is_empty() || parsed.password().is_some());
        if carries_userinfo {
            // The URL is not echoed: the part before `@` may be a password.
            return CliError::new(
                Exit::Config,
                format!(
                    "the base URL must not carry a user name or password; give the key in {} (or a session token in \
                     {})",
                    env::API_KEY,
                    env::SESSION_TOKEN
                ),
            );
        }
        // It is the plain-http check that failed when the same configuration with plain http
        // allowed builds.
        let insecure_http = !args.allow_insecure_http
            && builder_for(args, &lookup, needs_account).is_ok_and(|builder| configure(builder).allow_insecure_http(true).build().is_ok());
        if insecure_http {
            CliError::new(
                Exit::Config,
                format!(
                    "the base URL {url} uses plain http on a host other than this machine, which would send the \
                     credentials unencrypted; use https, or pass --allow-insecure-http on a trusted network"
                ),
            )
        } else {
            CliError::new(Exit::Config, err.to_string())
        }
    })
}

/// The configuration of [`client`] (and, without `needs_account`, of [`org_client`]).
///
/// # Errors
///
/// As [`client`], except for the checks `build` makes.
fn builder_for(
    args: &ConnectionArgs,
    lookup: impl Fn(&str) -> Option<String>,
    needs_account: bool,
) -> Result<ClientBuilder, CliError> {
    let flag_for = |name: &str| match name {
        env::BASE_URL => args.base_url.clone(),
        env::LINKED_ACCOUNT_ID => args.linked_account_id.clone(),
        _ => None,
    };
    let set = |name: &str| lookup(name).filter(|value| !value.is_empty());
    if args.linked_account_id.is_some() && set(env::SESSION_TOKEN).is_some() {
        return Err(CliError::new(
            Exit::Config,
            format!(
                "--linked-account-id is given with {}; a session token already names its linked account, \
                 so drop the flag (or use {} instead of the token)",
                env::SESSION_TOKEN,
                env::API_KEY
            ),
        ));
    }
    let builder = ClientBuilder::from_lookup(|name| flag_for(name).or_else(|| lookup(name)))
        .map_err(|err| CliError::new(Exit::Config, err.to_string()))?;
    if needs_account
        && set(env::API_KEY).is_some()
        && args.linked_account_id.is_none()
        && set(env::LINKED_ACCOUNT_ID).is_none()
    {
        return Err(CliError::new(
            Exit::Config,
            format!(
                "{} is set but no linked account is: set {} (or pass --linked-account-id) to the account to act for",
                env::API_KEY,
                env::LINKED_ACCOUNT_ID
            ),
        ));
    }
    Ok(builder
        .allow_insecure_http(args.allow_insecure_http)
        .timeout(Duration::from_secs(args.timeout))
        .user_agent(concat!("refold-cli/", env!("CARGO_PKG_VERSION"))))
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn args() -> ConnectionArgs {
        ConnectionArgs {
            base_url: None,
            linked_account_id: None,
            allow_insecure_http: false,
            timeout: 60,
        }
    }

    fn with<'a>(vars: &'a HashMap<&'a str, &'a str>) -> impl Fn(&str) -> Option<String> + 'a {
        |name| vars.get(name).map(|value| value.to_string())
    }

    #[test]
    fn missing_credentials_name_the_variables() {
        let err = client(&args(), |_| None).unwrap_err();
        assert_eq!(err.exit(), Exit::Config);
        assert!(err.to_string().contains("REFOLD_API_KEY"), "{err}");
        assert!(err.to_string().contains("REFOLD_SESSION_TOKEN"), "{err}");
    }

    #[test]
    fn an_api_key_without_a_linked_account_names_the_variable_and_the_flag() {
        let vars = HashMap::from([(env::API_KEY, "tk_x")]);
        let err = client(&args(), with(&vars)).unwrap_err();
        assert!(err.to_string().contains("REFOLD_LINKED_ACCOUNT_ID"), "{err}");
        assert!(err.to_string().contains("--linked-account-id"), "{err}");

        let mut flagged = args();
        flagged.linked_account_id = Some("ada@example.com".into());
        let client = client(&flagged, with(&vars)).unwrap();
        assert_eq!(client.linked_account_id(), Some("ada@example.com"));
    }

    #[test]
    fn flags_override_the_environment() {
        let vars = HashMap::from([
            (env::API_KEY, "tk_x"),
            (env::LINKED_ACCOUNT_ID, "env@example.com"),
            (env::BASE_URL, "https://env.example.com"),
        ]);
        let mut flagged = args();
        flagged.base_url = Some("http://127.0.0.1:4010".into());
        flagged.linked_account_id = Some("flag@example.com".into());
        let client = client(&flagged, with(&vars)).unwrap();
        assert_eq!(client.base_url(), "http://127.0.0.1:4010");
        assert_eq!(client.linked_account_id(), Some("flag@example.com"));
    }

    #[test]
    fn a_linked_account_flag_with_a_session_token_is_refused() {
        let vars = HashMap::from([(env::SESSION_TOKEN, "st_x")]);
        let mut flagged = args();
        flagged.linked_account_id = Some("ada@example.com".into());
        let err = client(&flagged, with(&vars)).unwrap_err();
        assert!(err.to_string().contains("--linked-account-id"), "{err}");
    }
}
