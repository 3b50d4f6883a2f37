//! Refold's paginated lists: one [`Page`] of a list (its items and `PaginationMetadata`), and
//! the lazily paged stream that follows `hasNextPage` from one page to the next.

use std::future::Future;

use futures_util::stream::{self, Stream, TryStreamExt};
use serde::Deserialize;

use crate::Error;

/// One page of a paginated list, with what Refold's `PaginationMetadata` says about the rest.
///
/// ```no_run
/// # extern crate refold_core as refold;
/// # async fn run(client: refold::Client) -> Result<(), refold::Error> {
/// let first = client.linked_accounts().page(1, 50).await?;
/// println!("{} of {:?} accounts", first.items.len(), first.total_docs);
/// if let Some(next) = first.next_page() {
///     let second = client.linked_accounts().page(next, 50).await?;
/// #   drop(second);
/// }
/// # Ok(()) }
/// ```
#[derive(Clone, Debug, Deserialize)]
#[non_exhaustive]
pub struct Page<T> {
    /// The items of this page (`docs`).
    #[serde(rename = "docs", default = "Vec::new")]
    pub items: Vec<T>,
    /// How many items the whole list holds (`totalDocs`).
    #[serde(rename = "totalDocs", default)]
    pub total_docs: Option<u64>,
    /// This page's number, counting from 1.
    #[serde(default)]
    pub page: Option<u64>,
    /// The page size.
    #[serde(default)]
    pub limit: Option<u64>,
    /// How many pages the list has (`totalPages`).
    #[serde(rename = "totalPages", default)]
    pub total_pages: Option<u64>,
    /// Whether a page follows (`hasNextPage`).
    #[serde(rename = "hasNextPage", default)]
    pub has_next_page: bool,
    /// The number of the page that follows, when Refold names it (`nextPage`).
    #[serde(rename = "nextPage", default)]
    pub next_page: Option<u64>,
}

impl<T> Page<T> {
    /// The number of the page after `current`, or `None` on the last page: `nextPage` when
    /// Refold gives it, else `current + 1` while `hasNextPage` is true.
    pub fn next_page(&self) -> Option<u64> {
        let current = self.page.unwrap_or(0);
        self.has_next_page.then(|| self.next_page.unwrap_or(current + 1))
    }
}

/// The items of every page, fetching each page only when the one before is used up.
///
/// Stops after the page whose `hasNextPage` is false, at the first error (which it yields), and
/// also at an empty page or one whose next page does not move forward, so a server that keeps
/// saying "more" cannot make it loop.
pub(crate) fn paged<'a, T, F, Fut>(fetch: F) -> impl Stream<Item = Result<T, Error>> + Send + 'a
where
    T: Send + 'a,
    F: FnMut(u64) -> Fut + Send + 'a,
    Fut: Future<Output = Result<Page<T>, Error>> + Send + 'a,
{
    stream::try_unfold((fetch, Some(1_u64)), |(mut fetch, next)| async move {
        let Some(number) = next else {
            return Ok(None);
        };
        let page = fetch(number).await?;
        let following = page
            .next_page()
            .filter(|following| *following > number && !page.items.is_empty());
        let items = stream::iter(page.items.into_iter().map(Ok));
        Ok(Some((items, (fetch, following))))
    })
    .try_flatten()
}
