//! The four ways of making the benchmarked call, behind one `call` so every measurement loop is
//! the same code for every variant.

use std::error::Error;
use std::hint::black_box;

use crate::action::{ACTION_ID, Contact, GetContact, SLUG};
use crate::handwritten::Handwritten;

/// One way of making the call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Variant {
    /// A: the SDK through the `#[refold_action]` struct, typed output.
    Macro,
    /// B: the SDK's `execute_raw`, `Value` output.
    Raw,
    /// C for A: hand-written reqwest + serde_json, typed output.
    HandTyped,
    /// C for B: hand-written reqwest + serde_json, `Value` output.
    HandValue,
    /// Not a column of the table: C typed inside the same whole-call timeout the SDK keeps
    /// (`tokio::time::timeout`, 60 s), to show what that safety net costs on its own.
    HandTypedTimeout,
}

impl Variant {
    /// The variants of the table, in column order.
    pub const ALL: [Variant; 4] = [Variant::Macro, Variant::Raw, Variant::HandTyped, Variant::HandValue];

    /// Every variant the latency and throughput rounds run: the table's and the timed C.
    pub const MEASURED: [Variant; 5] = [
        Variant::Macro,
        Variant::Raw,
        Variant::HandTyped,
        Variant::HandValue,
        Variant::HandTypedTimeout,
    ];

    /// The column heading.
    pub fn label(self) -> &'static str {
        match self {
            Variant::Macro => "A macro",
            Variant::Raw => "B execute_raw",
            Variant::HandTyped => "C typed",
            Variant::HandValue => "C Value",
            Variant::HandTypedTimeout => "C typed + timeout",
        }
    }

    /// The hand-written variant this one is compared with (itself for a hand-written one).
    pub fn baseline(self) -> Variant {
        match self {
            Variant::Macro | Variant::HandTyped | Variant::HandTypedTimeout => Variant::HandTyped,
            Variant::Raw | Variant::HandValue => Variant::HandValue,
        }
    }
}

/// An error from any variant.
pub type CallError = Box<dyn Error + Send + Sync>;

/// The clients of every variant, pointed at one server.
#[derive(Clone, Debug)]
pub struct Clients {
    sdk: refold::Client,
    hand: Handwritten,
    action: GetContact,
}

impl Clients {
    /// Clients for the server at `base_url`.
    pub fn new(base_url: &str, api_key: &str, linked_account_id: &str) -> Result<Self, refold::Error> {
        let sdk = refold::Client::builder()
            .api_key(api_key)
            .linked_account_id(linked_account_id)
            .base_url(base_url)
            .build()?;
        let hand = Handwritten::new(base_url, api_key, linked_account_id, SLUG, ACTION_ID);
        Ok(Clients {
            sdk,
            hand,
            action: GetContact::ada(),
        })
    }

    /// The SDK client (for setting up the emulator's data).
    pub fn sdk(&self) -> &refold::Client {
        &self.sdk
    }

    /// Makes one call the way `variant` does, and checks it came back with the contact.
    pub async fn call(&self, variant: Variant) -> Result<(), CallError> {
        match variant {
            Variant::Macro => {
                let reply = self.action.execute(&self.sdk).await?;
                check_id(&black_box(reply).data.id)
            }
            Variant::Raw => {
                let reply = self.sdk.execute_raw(SLUG, ACTION_ID, &self.action).await?;
                check_id(black_box(reply).data["id"].as_str().unwrap_or_default())
            }
            Variant::HandTyped => {
                let reply = self.hand.call::<_, Contact>(&self.action).await?;
                check_id(&black_box(reply).data.id)
            }
            Variant::HandValue => {
                let reply = self.hand.call::<_, serde_json::Value>(&self.action).await?;
                check_id(black_box(reply).data["id"].as_str().unwrap_or_default())
            }
            Variant::HandTypedTimeout => {
                let call = self.hand.call::<_, Contact>(&self.action);
                let reply = tokio::time::timeout(refold::DEFAULT_TIMEOUT, call).await??;
                check_id(&black_box(reply).data.id)
            }
        }
    }
}

fn check_id(id: &str) -> Result<(), CallError> {
    if id.is_empty() {
        Err("the reply has no contact id".into())
    } else {
        Ok(())
    }
}
