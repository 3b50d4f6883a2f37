//! The shared limiter's connection to Redis: one multiplexed connection (or one cluster
//! connection) per client, opened on first use, shared by every call, and dropped as soon as it
//! fails or stops answering, so the next call opens a fresh one.
//!
//! Not the Redis client's `ConnectionManager`: it keeps a connection that stopped answering
//! (commands then queue behind the stalled ones), and it keeps a failed first connection
//! forever when the failure was not an I/O error (a refused password), so a fix on the server
//! would need a restart. Both are decisions this module makes itself: it discards a connection
//! after any outage-like failure, and tries again on the next call after any failure.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use redis::aio::{ConnectionLike, MultiplexedConnection};
use redis::cluster_async::ClusterConnection;
use redis::{AsyncConnectionConfig, RedisError};

/// Where the limiter's Redis is.
pub(super) enum Target {
    /// One Redis server (or a primary behind a proxy).
    Single(redis::Client),
    /// A Redis Cluster: each key goes to the node that holds its slot.
    Cluster(redis::cluster::ClusterClient),
}

/// An open connection of either kind; cheap to clone (both are handles to one connection).
#[derive(Clone)]
pub(super) enum Connection {
    Single(MultiplexedConnection),
    Cluster(ClusterConnection),
}

impl Connection {
    /// Runs `invocation` on this connection.
    pub(super) async fn invoke<T: redis::FromRedisValue>(
        &mut self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, RedisError> {
        match self {
            Connection::Single(connection) => invoke(invocation, connection).await,
            Connection::Cluster(connection) => invoke(invocation, connection).await,
        }
    }
}

async fn invoke<T: redis::FromRedisValue>(
    invocation: &redis::ScriptInvocation<'_>,
    connection: &mut impl ConnectionLike,
) -> Result<T, RedisError> {
    invocation.invoke_async(connection).await
}

/// Opens, shares and discards the connection.
pub(super) struct Connector {
    target: Target,
    timeout: Duration,
    /// The open connection and its generation, if any.
    current: Mutex<Option<(u64, Connection)>>,
    /// Held while a connection is being opened, so callers wait for one attempt instead of
    /// each opening their own.
    opening: tokio::sync::Mutex<()>,
    generations: AtomicU64,
}

impl Connector {
    /// `timeout` bounds opening a connection (the exchanges themselves are bounded by the
    /// caller).
    pub(super) fn new(target: Target, timeout: Duration) -> Connector {
        Connector {
            target,
            timeout,
            current: Mutex::new(None),
            opening: tokio::sync::Mutex::new(()),
            generations: AtomicU64::new(0),
        }
    }

    /// The open connection with its generation, opening one when there is none.
    ///
    /// # Errors
    ///
    /// What opening the connection failed with (connecting, TLS, authentication, selecting
    /// the database).
    pub(super) async fn connection(&self) -> Result<(u64, Connection), RedisError> {
        if let Some(open) = self.open_one() {
            return Ok(open);
        }
        let _opening = self.opening.lock().await;
        if let Some(open) = self.open_one() {
            return Ok(open);
        }
        let connection = match &self.target {
            Target::Single(client) => {
                let config = AsyncConnectionConfig::new()
                    .set_connection_timeout(Some(self.timeout))
                    .set_response_timeout(None);
                Connection::Single(client.get_multiplexed_async_connection_with_config(&config).await?)
            }
            Target::Cluster(client) => Connection::Cluster(client.get_async_connection().await?),
        };
        let generation = self.generations.fetch_add(1, Ordering::Relaxed) + 1;
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = Some((generation, connection.clone()));
        Ok((generation, connection))
    }

    /// Drops the connection of `generation` if it is still the current one: the next call opens
    /// a new one. Commands still queued on the old one run if Redis wakes up, and the script
    /// refuses them as too late.
    pub(super) fn discard(&self, generation: u64) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if current.as_ref().is_some_and(|(open, _)| *open == generation) {
            *current = None;
        }
    }

    fn open_one(&self) -> Option<(u64, Connection)> {
        self.current.lock().unwrap_or_else(PoisonError::into_inner).clone()
    }
}
