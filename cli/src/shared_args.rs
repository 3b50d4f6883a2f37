//! The arguments several commands share: how to reach Refold, and where the schema that types
//! parameters comes from.

use clap::Args;

/// Where `exec` and `bulk` find the schema that types and checks the parameters.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Read the live schema from Refold even when .refold/ has a snapshot.
    #[arg(long, conflicts_with = "no_schema")]
    pub fetch: bool,

    /// Use no schema: values are sent unchecked, name=value pairs and CSV cells as strings (JSON
    /// input keeps its types).
    #[arg(long)]
    pub no_schema: bool,
}

/// How to reach Refold; credentials themselves come only from the environment.
#[derive(Debug, Args)]
pub struct ConnectionArgs {
    /// The API origin (overrides REFOLD_BASE_URL), e.g. http://127.0.0.1:4010 for the emulator.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,

    /// The linked account to act for (overrides REFOLD_LINKED_ACCOUNT_ID).
    #[arg(long, value_name = "ID")]
    pub linked_account_id: Option<String>,

    /// Allow a plain-http base URL on a host other than this machine, which sends the
    /// credentials unencrypted: only on a trusted network.
    #[arg(long)]
    pub allow_insecure_http: bool,

    /// Seconds a call may take, retries included.
    #[arg(long, value_name = "SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
}
