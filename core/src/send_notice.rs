//! The moment an item of a bulk run goes on the wire: [`SendNotice`] rides on the handle an
//! item's call runs on, and the pipeline awaits it right before the first attempt's request.
//! It lives apart from `bulk.rs` so the client can hold it without importing the bulk engine,
//! which imports the client.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::Error;

/// A bulk run's hook, boxed once per run.
pub(crate) type BeforeSend = dyn Fn(usize) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>> + Send + Sync;

/// One item's view of its run's hook: which item it is, and whether the hook was told.
pub(crate) struct SendNotice {
    pub(crate) hook: Arc<BeforeSend>,
    pub(crate) index: usize,
    pub(crate) told: AtomicBool,
}

impl SendNotice {
    /// Awaits the hook the first time the item's request is about to go out; later attempts
    /// pass straight through. A failed hook keeps the request from being sent.
    pub(crate) async fn before_first_send(&self) -> Result<(), Error> {
        if self.told.load(Ordering::Acquire) {
            return Ok(());
        }
        (self.hook)(self.index).await.map_err(|reason| {
            Error::invalid_request(format!(
                "the bulk run's before-send hook kept item {} from being sent: {reason}",
                self.index
            ))
        })?;
        // Only once the hook has finished: an attempt cancelled inside it has not been told.
        self.told.store(true, Ordering::Release);
        Ok(())
    }
}
