//! A `refold::Client` from the `REFOLD_*` environment variables and the connection flags.

use std::time::Duration;

use refold::{Client, ClientBuilder, env};

use crate::args::ConnectionArgs;
use crate::error::CliError;
use crate::exit::Exit;

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
    builder(args, lookup)?
        .build()
        .map_err(|err| CliError::new(Exit::Config, err.to_string()))
}

/// The configuration of [`client`], for a command that adds settings of its own (`bulk`'s rate
/// limit).
///
/// # Errors
///
/// As [`client`], except for the checks `build` makes.
pub fn builder(args: &ConnectionArgs, lookup: impl Fn(&str) -> Option<String>) -> Result<ClientBuilder, CliError> {
    builder_for(args, lookup, true)
}

/// A client for the org's own calls (`accounts`, `connect`), which need the API key but no
/// linked account to act for.
///
/// # Errors
///
/// As [`client`], without requiring a linked account.
pub fn org_client(args: &ConnectionArgs, lookup: impl Fn(&str) -> Option<String>) -> Result<Client, CliError> {
    builder_for(args, lookup, false)?
        .build()
        .map_err(|err| CliError::new(Exit::Config, err.to_string()))
}

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
