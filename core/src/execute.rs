//! [`Execute`]: the future of a typed action's call.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use crate::transport::Reply;
use crate::{Action, ActionResponse, Client, Error};

/// The call in flight, behind one allocation: the request pipeline (rate limit, retries, token
/// mints, deadline) is the same for every action, so it is compiled once instead of once per
/// action type.
pub(crate) type Call<'a> = Pin<Box<dyn Future<Output = Result<Reply, Error>> + Send + 'a>>;

/// The future of one typed action's call, returned by [`Client::execute`] and by the `execute`
/// method `#[refold_action]` generates. Await it (it does nothing until polled); its output is
/// the action's [`ActionResponse`] or an [`Error`].
///
/// It is a named type rather than an `impl Future`, so it can be stored in a struct or named in
/// a signature, and so that each annotated struct's `execute` costs little to compile. It is
/// `Send` when the action is `Sync`, and never borrows more than the action and the client.
/// Dropping it before it completes cancels the call (a request already sent may still run).
///
/// # Panics
///
/// Like an `async fn`'s future, it panics if polled again after it returned its output.
///
/// ```no_run
/// use refold_core::{Action, ActionResponse, Client, Error, Execute};
/// # #[derive(serde::Serialize)] struct GetContact { email: String }
/// # impl Action for GetContact { const SLUG: &'static str = "hubspot"; const ACTION_ID: &'static str = "get_contact"; type Output = serde_json::Value; }
///
/// fn lookup<'a>(client: &'a Client, action: &'a GetContact) -> Execute<'a, GetContact> {
///     client.execute(action)
/// }
///
/// # async fn run(client: Client) -> Result<(), Error> {
/// let action = GetContact { email: "ada@example.com".into() };
/// let reply: ActionResponse<serde_json::Value> = lookup(&client, &action).await?;
/// # Ok(()) }
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
pub struct Execute<'a, A: Action> {
    state: State<'a, A>,
}

enum State<'a, A> {
    /// Not polled yet: the body is written on the first poll.
    Start { client: &'a Client, action: &'a A },
    /// The request pipeline is running.
    Calling(Call<'a>),
    /// The output was returned.
    Done,
}

impl<'a, A: Action> Execute<'a, A> {
    pub(crate) fn new(client: &'a Client, action: &'a A) -> Self {
        Execute {
            state: State::Start { client, action },
        }
    }
}

impl<A: Action> Future for Execute<'_, A> {
    type Output = Result<ActionResponse<A::Output>, Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        // `Execute` is `Unpin`: it holds references and a boxed future, never the action itself.
        let this = &mut *self;
        loop {
            match &mut this.state {
                State::Start { client, action } => match client.start_execute(*action) {
                    Ok(call) => this.state = State::Calling(call),
                    Err(error) => {
                        this.state = State::Done;
                        return Poll::Ready(Err(error));
                    }
                },
                State::Calling(call) => {
                    let reply = ready!(call.as_mut().poll(cx));
                    this.state = State::Done;
                    return Poll::Ready(reply.and_then(crate::envelope::decode_action));
                }
                State::Done => panic!("`refold::Execute` polled after it completed"),
            }
        }
    }
}

impl<A: Action> fmt::Debug for Execute<'_, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let state = match self.state {
            State::Start { .. } => "not started",
            State::Calling(_) => "calling",
            State::Done => "done",
        };
        f.debug_struct("Execute")
            .field("slug", &A::SLUG)
            .field("action_id", &A::ACTION_ID)
            .field("state", &state)
            .finish()
    }
}
