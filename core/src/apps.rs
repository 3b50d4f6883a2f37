//! Applications as one linked account sees them: the [`Apps`] handle and the [`App`] and
//! [`Connection`] models, with each app's connection status.

use reqwest::Method;
use serde::{Deserialize, Deserializer, Serialize};

use crate::auth::Needs;
use crate::ident::validate_identifier;
use crate::{Client, Error};

/// An app as one linked account sees it: whether the account connected it, whether the
/// customer must connect it again, and its connections.
///
/// Decoded tolerantly: fields Refold adds are ignored, and every field but `slug` may be
/// missing.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let hubspot = client.for_linked_account("acme-42").apps().get("hubspot").await?;
/// if hubspot.reauth_required || !hubspot.connected {
///     let url = client.connect_url("acme-42", Default::default()).await?;
///     println!("ask the customer to open {url}");
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Deserialize, Serialize)]
#[non_exhaustive]
pub struct App {
    /// The app's slug, as action calls name it.
    pub slug: String,
    /// The app's display name.
    #[serde(default)]
    pub name: String,
    /// How the app authenticates by default (`oauth2`, `keybased`, …).
    #[serde(default)]
    pub auth_type: Option<String>,
    /// Whether the linked account connected the app.
    #[serde(default)]
    pub connected: bool,
    /// Whether the connection stopped working and the customer must connect again.
    #[serde(default)]
    pub reauth_required: bool,
    /// The account's connections to the app (`connected_accounts`).
    #[serde(rename = "connected_accounts", default)]
    pub connections: Vec<Connection>,
    /// Refold's id of the app.
    #[serde(default)]
    pub app_id: Option<String>,
    /// The app's icon URL.
    #[serde(default)]
    pub icon: Option<String>,
}

/// One connection of a linked account to an app.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Connection {
    /// Who connected, as the app identifies them (an email, an account id, …).
    #[serde(default, deserialize_with = "text")]
    pub identifier: Option<String>,
    /// The auth type of this connection.
    #[serde(default)]
    pub auth_type: Option<String>,
    /// When it was connected (RFC 3339, Refold's `connectedAt`).
    #[serde(rename = "connectedAt", default)]
    pub connected_at: Option<String>,
    /// Its status as Refold reports it (`active`, `expired`, …).
    #[serde(default)]
    pub status: Option<String>,
}

/// Refold types an identifier loosely: a string is kept, any other value is kept as its JSON.
fn text<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    Ok(match serde_json::Value::deserialize(deserializer)? {
        serde_json::Value::Null => None,
        serde_json::Value::String(text) => Some(text),
        other => Some(other.to_string()),
    })
}

/// The apps of one linked account, from [`Client::apps`] on a handle acting for it. Calls use
/// the org API key and the handle's `linked_account_id`.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// for app in client.for_linked_account("acme-42").apps().list().await? {
///     println!("{}: connected {}, reauth {}", app.slug, app.connected, app.reauth_required);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Apps<'a> {
    client: &'a Client,
}

impl Client {
    /// The apps as this handle's linked account sees them.
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// # let client = refold::Client::builder().api_key("tk_example").build()?;
    /// let acme = client.for_linked_account("acme-42");
    /// let apps = acme.apps();
    /// # drop(apps);
    /// # Ok::<(), refold::Error>(())
    /// ```
    pub fn apps(&self) -> Apps<'_> {
        Apps { client: self }
    }
}

impl Apps<'_> {
    /// Every app the org enabled, with this account's connection status.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] for a client without an API key or a linked account, an unknown
    /// linked account as an [`Error::Api`] whose [`Error::is_not_found`] is true, other refusals
    /// as [`Error::Api`], [`Error::Decode`] for a reply it cannot read, and the transport
    /// errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let connected = client.apps().list().await?.into_iter().filter(|a| a.connected).count();
    /// # Ok(()) }
    /// ```
    pub async fn list(self) -> Result<Vec<App>, Error> {
        let path = ["/api/v2/public/application"];
        self.client
            .call_json(Method::GET, &path, None, Needs::OrgForAccount, "apps.list")
            .await
    }

    /// One app, by slug.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an invalid slug; an unknown app or linked account is an
    /// [`Error::Api`] whose [`Error::is_not_found`] is true; otherwise as [`Apps::list`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let hubspot = client.apps().get("hubspot").await?;
    /// println!("{} connected: {}", hubspot.name, hubspot.connected);
    /// # Ok(()) }
    /// ```
    pub async fn get(self, slug: &str) -> Result<App, Error> {
        validate_identifier("slug", slug)?;
        let path = ["/api/v2/public/application/", slug];
        self.client
            .call_json(Method::GET, &path, None, Needs::OrgForAccount, "apps.get")
            .await
    }
}
