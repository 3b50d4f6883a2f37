//! Linked accounts, the org's customers: the [`LinkedAccounts`] handle (list, create, upsert,
//! get, delete, remove an integration) and its models.

use std::collections::BTreeMap;
use std::fmt;

use futures_util::Stream;
use reqwest::Method;
use secrecy::{ExposeSecret, SecretString};
use serde::ser::SerializeMap;
use serde::{Deserialize, Serialize, Serializer};

use crate::auth::Needs;
use crate::endpoints::json_body;
use crate::ident::{url_component, validate_identifier};
use crate::paging::{Page, paged};
use crate::{Client, Error};

/// How many accounts [`LinkedAccounts::list`] asks for per page. A server that caps the page
/// size lower still pages correctly: the stream follows `hasNextPage`.
pub const DEFAULT_PAGE_SIZE: u64 = 100;

/// A linked account: one of the org's customers, as Refold stores it.
///
/// Decoded tolerantly: fields Refold adds are ignored, and every field but `account_id` may be
/// missing.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let acme = client.linked_accounts().get("acme-42").await?;
/// println!("{} ({:?}), {} apps", acme.account_id, acme.name, acme.integrations.len());
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Deserialize, Serialize)]
#[non_exhaustive]
pub struct LinkedAccount {
    /// The org's own id for the customer.
    pub account_id: String,
    /// The display name.
    #[serde(default)]
    pub name: Option<String>,
    /// `test` or `production`.
    #[serde(default)]
    pub environment: Option<String>,
    /// The org's custom key/value fields.
    #[serde(default)]
    pub udf: Vec<Udf>,
    /// The apps connected on the account (absent from create and upsert replies).
    #[serde(default)]
    pub integrations: Vec<Integration>,
    /// Refold's own id of the record (`_id`).
    #[serde(rename = "_id", default)]
    pub object_id: Option<String>,
    /// When it was created (RFC 3339), as Refold wrote it.
    #[serde(rename = "createdAt", default)]
    pub created_at: Option<String>,
    /// When it last changed (RFC 3339).
    #[serde(rename = "updatedAt", default)]
    pub updated_at: Option<String>,
}

/// One custom key/value field of a linked account.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Udf {
    /// The field's name.
    #[serde(default)]
    pub key_name: String,
    /// Its value.
    #[serde(default)]
    pub key_value: String,
}

/// An app connected on a linked account, as the account's record lists it (credentials and
/// tokens are never part of it). [`Apps`](crate::Apps) gives each app's connection status.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[non_exhaustive]
pub struct Integration {
    /// The app's slug (Refold's `type`).
    #[serde(rename = "type", default)]
    pub slug: String,
    /// The app's name.
    #[serde(default)]
    pub name: Option<String>,
    /// Whether the customer must connect the app again.
    #[serde(default)]
    pub reauth_required: bool,
    /// When the integration was created (RFC 3339).
    #[serde(rename = "createdAt", default)]
    pub created_at: Option<String>,
}

/// A linked account to create or upsert: its id, and optionally a name, custom fields and the
/// credentials of the org's own app.
///
/// `Debug` never shows the credentials.
///
/// ```
/// # extern crate refold_core as refold;
/// use refold::NewLinkedAccount;
///
/// let acme = NewLinkedAccount::new("acme-42")
///     .name("Acme Corp")
///     .udf("plan", "enterprise")
///     .your_app_credentials([("api_key", "sk_live_secret")]);
/// assert!(!format!("{acme:?}").contains("sk_live_secret"));
/// ```
#[derive(Clone)]
#[must_use = "a NewLinkedAccount does nothing until it is passed to create or upsert"]
pub struct NewLinkedAccount {
    account_id: String,
    name: Option<String>,
    udf: BTreeMap<String, String>,
    your_app_credentials: Option<BTreeMap<String, SecretString>>,
}

impl NewLinkedAccount {
    /// An account with the org's id for the customer.
    pub fn new(account_id: impl Into<String>) -> Self {
        NewLinkedAccount {
            account_id: account_id.into(),
            name: None,
            udf: BTreeMap::new(),
            your_app_credentials: None,
        }
    }

    /// Sets the display name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.name = Some(name.into());
        self
    }

    /// Adds a custom key/value field.
    pub fn udf(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.udf.insert(key.into(), value.into());
        self
    }

    /// Sets the credentials of the org's own app for this customer (`your_app.auth_credentials`),
    /// which Refold stores encrypted.
    pub fn your_app_credentials<K, V>(mut self, credentials: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let credentials = credentials
            .into_iter()
            .map(|(key, value)| (key.into(), SecretString::from(value.into())))
            .collect();
        self.your_app_credentials = Some(credentials);
        self
    }

    /// The id the account is created with.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }
}

impl fmt::Debug for NewLinkedAccount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("NewLinkedAccount")
            .field("account_id", &self.account_id)
            .field("name", &self.name)
            .field("udf", &self.udf)
            .field(
                "your_app_credentials",
                &self.your_app_credentials.as_ref().map(|c| c.keys().collect::<Vec<_>>()),
            )
            .finish()
    }
}

impl Serialize for NewLinkedAccount {
    /// `{"account_id", "name", "udf": {…}, "your_app": {"auth_credentials": {…}}}`, the shape of
    /// Refold's `CreateLinkedAccountRequest` (flat, as upsert accepts too).
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        struct Exposed<'a>(&'a BTreeMap<String, SecretString>);
        impl Serialize for Exposed<'_> {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(1))?;
                let credentials: BTreeMap<&str, &str> =
                    self.0.iter().map(|(k, v)| (k.as_str(), v.expose_secret())).collect();
                map.serialize_entry("auth_credentials", &credentials)?;
                map.end()
            }
        }
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("account_id", &self.account_id)?;
        if let Some(name) = &self.name {
            map.serialize_entry("name", name)?;
        }
        if !self.udf.is_empty() {
            map.serialize_entry("udf", &self.udf)?;
        }
        if let Some(credentials) = &self.your_app_credentials {
            map.serialize_entry("your_app", &Exposed(credentials))?;
        }
        map.end()
    }
}

/// The linked accounts of the org, from [`Client::linked_accounts`]. Every call uses the org
/// API key alone.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// use futures_util::TryStreamExt;
/// use refold::NewLinkedAccount;
///
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let accounts = client.linked_accounts();
/// accounts.create(NewLinkedAccount::new("acme-42").name("Acme Corp")).await?;
/// let all: Vec<_> = accounts.list().try_collect().await?;
/// accounts.delete("acme-42").await?;
/// # Ok(()) }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct LinkedAccounts<'a> {
    client: &'a Client,
}

impl Client {
    /// The org's linked accounts (its customers).
    ///
    /// ```
    /// # extern crate refold_core as refold;
    /// # let client = refold::Client::builder().api_key("tk_example").build()?;
    /// let accounts = client.linked_accounts();
    /// # drop(accounts);
    /// # Ok::<(), refold::Error>(())
    /// ```
    pub fn linked_accounts(&self) -> LinkedAccounts<'_> {
        LinkedAccounts { client: self }
    }
}

impl<'a> LinkedAccounts<'a> {
    /// Every linked account, as a stream that fetches page after page
    /// ([`DEFAULT_PAGE_SIZE`] accounts each) only as it is read, following `hasNextPage`.
    ///
    /// # Errors
    ///
    /// The stream yields the error of the page that failed, then ends: those of
    /// [`LinkedAccounts::page`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// use futures_util::TryStreamExt;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let mut accounts = std::pin::pin!(client.linked_accounts().list());
    /// while let Some(account) = accounts.try_next().await? {
    ///     println!("{}", account.account_id);
    /// }
    /// # Ok(()) }
    /// ```
    pub fn list(self) -> impl Stream<Item = Result<LinkedAccount, Error>> + Send + 'a {
        self.list_with_page_size(DEFAULT_PAGE_SIZE)
    }

    /// As [`LinkedAccounts::list`], asking for `page_size` accounts per page.
    ///
    /// # Errors
    ///
    /// As [`LinkedAccounts::list`]; a `page_size` of 0 is [`Error::InvalidRequest`].
    pub fn list_with_page_size(self, page_size: u64) -> impl Stream<Item = Result<LinkedAccount, Error>> + Send + 'a {
        paged(move |number| self.page(number, page_size))
    }

    /// One page of the linked accounts (`page` counts from 1), with the list's
    /// `PaginationMetadata`.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for a page or limit of 0, [`Error::Config`] for a client
    /// without an API key, [`Error::Api`] when Refold refuses, [`Error::Decode`] for a reply it
    /// cannot read, and the transport errors.
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let page = client.linked_accounts().page(2, 25).await?;
    /// println!("{} accounts on page 2, more: {}", page.items.len(), page.has_next_page);
    /// # Ok(()) }
    /// ```
    pub async fn page(self, page: u64, limit: u64) -> Result<Page<LinkedAccount>, Error> {
        if page == 0 || limit == 0 {
            return Err(Error::invalid_request("pages count from 1 and hold at least 1 item"));
        }
        let query = format!("?page={page}&limit={limit}");
        let path = ["/api/v2/public/linked-account", &query];
        self.client
            .call_json(Method::GET, &path, None, Needs::Org, "linked_accounts.list")
            .await
    }

    /// Creates a linked account; it starts with no app connected. Not resent once it may have
    /// reached Refold.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an empty id, [`Error::Api`] when Refold refuses (an
    /// account that exists already), and the errors of [`LinkedAccounts::page`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let acme = client
    ///     .linked_accounts()
    ///     .create(refold::NewLinkedAccount::new("acme-42").name("Acme Corp"))
    ///     .await?;
    /// # Ok(()) }
    /// ```
    pub async fn create(self, account: NewLinkedAccount) -> Result<LinkedAccount, Error> {
        self.write(Method::POST, &account, "linked_accounts.create").await
    }

    /// Creates the linked account, or updates the name, custom fields and credentials of the
    /// existing one. A write: not resent once it may have reached Refold.
    ///
    /// # Errors
    ///
    /// As [`LinkedAccounts::create`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// client.linked_accounts().upsert(refold::NewLinkedAccount::new("acme-42").name("Acme Inc")).await?;
    /// # Ok(()) }
    /// ```
    pub async fn upsert(self, account: NewLinkedAccount) -> Result<LinkedAccount, Error> {
        self.write(Method::PUT, &account, "linked_accounts.upsert").await
    }

    async fn write(
        self,
        method: Method,
        account: &NewLinkedAccount,
        endpoint: &'static str,
    ) -> Result<LinkedAccount, Error> {
        url_component("linked account id", &account.account_id)?;
        let body = json_body("the linked account", account)?;
        let path = ["/api/v2/public/linked-account"];
        self.client
            .call_json(method, &path, Some(body), Needs::Org, endpoint)
            .await
    }

    /// The linked account with this id.
    ///
    /// # Errors
    ///
    /// An unknown id is an [`Error::Api`] whose [`Error::is_not_found`] is true; otherwise as
    /// [`LinkedAccounts::page`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// match client.linked_accounts().get("acme-42").await {
    ///     Ok(acme) => println!("{:?}", acme.name),
    ///     Err(err) if err.is_not_found() => println!("no such customer"),
    ///     Err(err) => return Err(err),
    /// }
    /// # Ok(()) }
    /// ```
    pub async fn get(self, account_id: &str) -> Result<LinkedAccount, Error> {
        let id = url_component("linked account id", account_id)?;
        let path = ["/api/v2/public/linked-account/", &id];
        self.client
            .call_json(Method::GET, &path, None, Needs::Org, "linked_accounts.get")
            .await
    }

    /// Deletes the linked account: Refold revokes its apps' tokens and its session tokens. A
    /// write: not resent once it may have reached Refold.
    ///
    /// # Errors
    ///
    /// As [`LinkedAccounts::get`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// client.linked_accounts().delete("acme-42").await?;
    /// # Ok(()) }
    /// ```
    pub async fn delete(self, account_id: &str) -> Result<(), Error> {
        let id = url_component("linked account id", account_id)?;
        let path = ["/api/v2/public/linked-account/", &id];
        let _reply: serde_json::Value = self
            .client
            .call_json(Method::DELETE, &path, None, Needs::Org, "linked_accounts.delete")
            .await?;
        Ok(())
    }

    /// Removes one app from the linked account (Refold revokes its token when the app allows)
    /// and returns the account as it is after. A write: not resent once it may have reached
    /// Refold.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidRequest`] for an invalid slug; an unknown account, or an app it has not
    /// connected, is an [`Error::Api`] whose [`Error::is_not_found`] is true; otherwise as
    /// [`LinkedAccounts::page`].
    ///
    /// ```no_run
    /// # extern crate refold_core as refold;
    /// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
    /// let acme = client.linked_accounts().remove_integration("acme-42", "hubspot").await?;
    /// assert!(acme.integrations.iter().all(|i| i.slug != "hubspot"));
    /// # Ok(()) }
    /// ```
    pub async fn remove_integration(self, account_id: &str, slug: &str) -> Result<LinkedAccount, Error> {
        self.remove(account_id, slug, None).await
    }

    /// As [`LinkedAccounts::remove_integration`], removing only the app's connection of one
    /// auth type (`oauth2`, `keybased`, …).
    ///
    /// # Errors
    ///
    /// As [`LinkedAccounts::remove_integration`].
    pub async fn remove_integration_auth_type(
        self,
        account_id: &str,
        slug: &str,
        auth_type: &str,
    ) -> Result<LinkedAccount, Error> {
        self.remove(account_id, slug, Some(auth_type)).await
    }

    async fn remove(self, account_id: &str, slug: &str, auth_type: Option<&str>) -> Result<LinkedAccount, Error> {
        validate_identifier("slug", slug)?;
        let id = url_component("linked account id", account_id)?;
        let mut query = format!("?linked_account_id={id}");
        if let Some(auth_type) = auth_type {
            query.push_str("&auth_type=");
            query.push_str(&url_component("auth type", auth_type)?);
        }
        let handle = self.client.for_linked_account(account_id);
        let path = ["/api/v2/public/linked-account/integration/", slug, &query];
        handle
            .call_json(
                Method::DELETE,
                &path,
                None,
                Needs::OrgForAccount,
                "linked_accounts.remove_integration",
            )
            .await
    }
}
