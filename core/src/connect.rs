//! Connecting a customer's apps: the hosted Connect URL, the OAuth URL, key-based credentials,
//! an app's auth structure, and the linked account of the current session.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use reqwest::Method;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::auth::{Auth, LinkedAccount, Needs};
use crate::endpoints::json_body;
use crate::ident::{url_component, validate_identifier};
use crate::{Client, Error};

/// What a hosted Connect page is created with: the Connect configuration to use, and the
/// properties the page reads (`redirect_url`, colours, and any other).
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::ConnectOptions;
///
/// let options = ConnectOptions::default()
///     .redirect_url("https://app.example.com/settings/integrations")
///     .button_color("#0a7");
/// assert_eq!(options.redirect_url.as_deref(), Some("https://app.example.com/settings/integrations"));
/// ```
#[derive(Clone, Debug, Default, Serialize)]
#[non_exhaustive]
pub struct ConnectOptions {
    /// The Connect configuration (`config_id`), sent as a query parameter.
    #[serde(skip)]
    pub config_id: Option<String>,
    /// Where the page sends the customer once an app is connected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    /// The page's base colour.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_color: Option<String>,
    /// The colour of the page's buttons.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub button_color: Option<String>,
    /// Any other property stored with the session for the page.
    #[serde(flatten)]
    pub properties: Map<String, Value>,
}

impl ConnectOptions {
    /// Sets the Connect configuration.
    pub fn config_id(mut self, config_id: impl Into<String>) -> Self {
        self.config_id = Some(config_id.into());
        self
    }

    /// Sets where the page sends the customer after connecting.
    pub fn redirect_url(mut self, url: impl Into<String>) -> Self {
        self.redirect_url = Some(url.into());
        self
    }

    /// Sets the page's base colour.
    pub fn base_color(mut self, colour: impl Into<String>) -> Self {
        self.base_color = Some(colour.into());
        self
    }

    /// Sets the colour of the page's buttons.
    pub fn button_color(mut self, colour: impl Into<String>) -> Self {
        self.button_color = Some(colour.into());
        self
    }

    /// Adds another property for the page.
    pub fn property(mut self, key: impl Into<String>, value: impl Into<Value>) -> Self {
        self.properties.insert(key.into(), value.into());
        self
    }
}

/// A URL to send a customer to so they connect an app: a hosted Connect page
/// ([`Client::connect_url`]) or an app's OAuth authorization ([`Client::oauth_url`]).
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let url = client.connect_url("acme-42", refold::ConnectOptions::default()).await?;
/// println!("{url}");
/// assert!(url.as_str().starts_with("http"));
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConnectUrl(String);

impl ConnectUrl {
    /// The URL.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The URL, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for ConnectUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for ConnectUrl {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// The fields each way of authenticating with an app needs: auth type (`oauth2`, `keybased`,
/// …) to field name to [`AuthField`]. Custom apps have none.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let structure = client.auth_structure("hubspot").await?;
/// if let Some(fields) = structure.auth_types.get("keybased") {
///     for (name, field) in fields {
///         println!("{name}: {} {}", field.field_type, if field.required { "required" } else { "optional" });
///     }
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
#[non_exhaustive]
pub struct AuthStructure {
    /// The fields, by auth type, then by name.
    pub auth_types: BTreeMap<String, BTreeMap<String, AuthField>>,
}

/// One credential field of an auth type.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(from = "FieldShape")]
#[non_exhaustive]
pub struct AuthField {
    /// Its type, as Refold names it (`string`, …).
    pub field_type: String,
    /// Whether it must be given.
    pub required: bool,
}

/// A field is written as its type, or as `{type, required}` when it is optional.
#[derive(Deserialize)]
#[serde(untagged)]
enum FieldShape {
    Type(String),
    Detailed {
        #[serde(rename = "type", default)]
        field_type: String,
        #[serde(default = "yes")]
        required: bool,
    },
    Other(Value),
}

fn yes() -> bool {
    true
}

impl From<FieldShape> for AuthField {
    fn from(shape: FieldShape) -> Self {
        match shape {
            FieldShape::Type(field_type) => AuthField {
                field_type,
                required: true,
            },
            FieldShape::Detailed { field_type, required } => AuthField { field_type, required },
            FieldShape::Other(value) => AuthField {
                field_type: value.to_string(),
                required: true,
            },
        }
    }
}

#[derive(Deserialize)]
struct HostedUrl {
    hosted_url: String,
}

#[derive(Deserialize)]
struct AuthUrl {
    auth_url: String,
}

impl Client {
    /// Creates a hosted Connect URL for a linked account: a page where the customer connects
    /// their apps. Refold wants it asked for with the account's session token: an API-key
    /// client mints one (or reuses the one it holds) through its managed session tokens; a
    /// session-token client uses its own. Not resent once it may have reached Refold.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an empty id, [`Error::SessionMint`] when the token cannot
    /// be minted (an unknown linked account), an unknown account as an [`Error::Api`] whose
    /// [`Error::is_not_found`] is true, other refusals as [`Error::Api`], [`Error::Decode`] and
    /// the transport errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// use refold::ConnectOptions;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let options = ConnectOptions::default().redirect_url("https://app.example.com/done");
    /// let url = client.connect_url("acme-42", options).await?;
    /// println!("send the customer to {url}");
    /// # Ok(()) }
    /// ```
    pub async fn connect_url(&self, linked_account_id: &str, options: ConnectOptions) -> Result<ConnectUrl, Error> {
        let id = url_component("linked account id", linked_account_id)?;
        let mut query = format!("?linked_account_id={id}");
        if let Some(config_id) = &options.config_id {
            query.push_str("&config_id=");
            query.push_str(&url_component("config id", config_id)?);
        }
        let body = json_body("the Connect page's properties", &options)?;
        let handle = self.with_session_token_for(linked_account_id)?;
        let path = ["/api/v2/public/connect-url", &query];
        let reply: HostedUrl = handle
            .call_json(Method::POST, &path, Some(body), Needs::LinkedAccount, "connect_url")
            .await?;
        Ok(ConnectUrl(reply.hosted_url))
    }

    /// The OAuth authorization URL of an app, for this handle's linked account.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an invalid slug, [`Error::Config`] for a client without
    /// an API key or a linked account, an unknown app or account as an [`Error::Api`] whose
    /// [`Error::is_not_found`] is true, [`Error::Decode`] and the transport errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let url = client.for_linked_account("acme-42").oauth_url("hubspot").await?;
    /// # Ok(()) }
    /// ```
    pub async fn oauth_url(&self, slug: &str) -> Result<ConnectUrl, Error> {
        validate_identifier("slug", slug)?;
        let path = ["/api/v2/public/linked-account/integration/oauth-url/", slug];
        let reply: AuthUrl = self
            .call_json(Method::GET, &path, None, Needs::OrgForAccount, "oauth_url")
            .await?;
        Ok(ConnectUrl(reply.auth_url))
    }

    /// Saves key-based credentials (the fields [`Client::auth_structure`] lists for
    /// `keybased`) for an app on this handle's linked account, connecting it. Returns Refold's
    /// reply, whose shape varies per app. A write: not resent once it may have reached Refold.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an invalid slug or credentials that do not serialize,
    /// [`Error::Api`] when Refold refuses them (a 400 naming a missing field; a 404, with
    /// [`Error::is_not_found`], for an unknown app or account), and the errors of
    /// [`Client::oauth_url`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let acme = client.for_linked_account("acme-42");
    /// acme.save_key_credentials("hubspot", &serde_json::json!({ "api_key": "pat-na1-…" })).await?;
    /// # Ok(()) }
    /// ```
    pub async fn save_key_credentials<C: Serialize + ?Sized>(
        &self,
        slug: &str,
        credentials: &C,
    ) -> Result<Value, Error> {
        self.save_credentials(slug, None, credentials).await
    }

    /// As [`Client::save_key_credentials`], with another auth type than the app's default.
    ///
    /// # Errors
    ///
    /// As [`Client::save_key_credentials`].
    pub async fn save_key_credentials_as<C: Serialize + ?Sized>(
        &self,
        slug: &str,
        auth_type: &str,
        credentials: &C,
    ) -> Result<Value, Error> {
        self.save_credentials(slug, Some(auth_type), credentials).await
    }

    async fn save_credentials<C: Serialize + ?Sized>(
        &self,
        slug: &str,
        auth_type: Option<&str>,
        credentials: &C,
    ) -> Result<Value, Error> {
        validate_identifier("slug", slug)?;
        let query = match auth_type {
            Some(auth_type) => format!("?auth_type={}", url_component("auth type", auth_type)?),
            None => String::new(),
        };
        let body = json_body("the credentials", credentials)?;
        let path = [
            "/api/v2/public/linked-account/integration/save-key-credentials/",
            slug,
            &query,
        ];
        self.call_json(
            Method::PUT,
            &path,
            Some(body),
            Needs::OrgForAccount,
            "save_key_credentials",
        )
        .await
    }

    /// The credential fields each auth type of an app needs. Refold serves it without
    /// authentication, so no credentials are sent.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an invalid slug, an unknown app as an [`Error::Api`] whose
    /// [`Error::is_not_found`] is true, [`Error::Decode`] and the transport errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let structure = client.auth_structure("hubspot").await?;
    /// println!("{:?}", structure.auth_types.keys().collect::<Vec<_>>());
    /// # Ok(()) }
    /// ```
    pub async fn auth_structure(&self, slug: &str) -> Result<AuthStructure, Error> {
        validate_identifier("slug", slug)?;
        let path = ["/api/v2/public/auth-structure/", slug];
        self.call_json(Method::GET, &path, None, Needs::Nothing, "auth_structure")
            .await
    }

    /// The linked account of this handle's session (`GET /session/active-linked-account`): a
    /// session-token client's own account; an API-key client acting for a linked account asks
    /// with that account's managed session token.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for an API-key client without a linked account,
    /// [`Error::SessionMint`] when a token cannot be minted, an unknown account as an
    /// [`Error::Api`] whose [`Error::is_not_found`] is true, [`Error::Decode`] and the
    /// transport errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run() -> Result<(), refold::Error> {
    /// let client = refold::Client::builder().session_token("eyJ…").build()?;
    /// let me = client.active_linked_account().await?;
    /// println!("acting for {}", me.account_id);
    /// # Ok(()) }
    /// ```
    pub async fn active_linked_account(&self) -> Result<crate::LinkedAccount, Error> {
        let handle = match &*self.auth {
            Auth::ApiKey {
                linked_account: Some(account),
                ..
            } => self.with_session_token_for(&account.id)?,
            _ => self.clone(),
        };
        let path = ["/api/v2/public/session/active-linked-account"];
        handle
            .call_json(Method::GET, &path, None, Needs::LinkedAccount, "active_linked_account")
            .await
    }

    /// A handle whose account-scoped calls carry a session token of `linked_account_id`: for an
    /// API-key client, the same key with managed session tokens for that account (minted once,
    /// cached in the client's shared session cache and reused); a session-token client as it is.
    fn with_session_token_for(&self, linked_account_id: &str) -> Result<Client, Error> {
        match &*self.auth {
            Auth::ApiKey { key_header, .. } => {
                let auth = Auth::ApiKey {
                    key_header: key_header.clone(),
                    linked_account: Some(LinkedAccount::new(linked_account_id)),
                    managed_sessions: true,
                };
                Ok(Client::from_parts(Arc::clone(&self.shared), auth))
            }
            Auth::SessionToken { .. } => Ok(self.clone()),
            Auth::Misconfigured { message } => Err(Error::config(message.clone())),
        }
    }
}
