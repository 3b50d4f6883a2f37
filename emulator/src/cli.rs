//! The emulator's command line, defined once for both programs that serve it: this crate's
//! `refold-emulator` and `refold emulator` (refold-cli). Feature `cli` (on by default).
//!
//! Both parse [`ServeArgs`] (the first flattens it into its own parser, the second into its
//! subcommand) and run [`serve`], so they take the same flags, print the same lines and fail the
//! same way: a [`ServeError`] and its [`exit_code`](ServeError::exit_code).

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::{DEFAULT_API_KEY, DEFAULT_LINKED_ACCOUNT_ID, Emulator, RateLimit};

/// The flags of a served emulator, for a clap parser (`#[command(flatten)]`).
///
/// ```
/// use clap::Parser;
/// use refold_emulator::cli::ServeArgs;
///
/// #[derive(Parser)]
/// struct Command {
///     #[command(flatten)]
///     serve: ServeArgs,
/// }
///
/// let command = Command::parse_from(["refold-emulator", "--port", "0", "--rate-limit", "20/5"]);
/// assert_eq!(command.serve.port, 0);
/// assert_eq!(command.serve.rate_limit.map(|limit| limit.burst), Some(5));
/// ```
#[derive(Clone, Debug, clap::Args)]
#[non_exhaustive]
pub struct ServeArgs {
    /// The port to listen on, on 127.0.0.1; 0 picks a free one.
    #[arg(short, long, default_value_t = 4010)]
    pub port: u16,

    /// Add the action snapshots of this .refold/ directory to the catalogue, and validate against them.
    #[arg(long, value_name = "DIR")]
    pub schema_dir: Option<PathBuf>,

    /// Refuse parameters an action's schema does not list, with a 400 naming them (off by default,
    /// as Refold itself accepts and drops them).
    #[arg(long)]
    pub strict: bool,

    /// Limit each linked account to PER_SEC requests per second with bursts of BURST, answering
    /// 429 with Retry-After beyond it, e.g. 20/5 (Refold's figure); one number sets both.
    #[arg(long, value_name = "PER_SEC/BURST", value_parser = parse_rate_limit)]
    pub rate_limit: Option<RateLimit>,

    /// The API key to accept in x-api-key (a test key, not a secret).
    #[arg(long, value_name = "KEY", default_value = DEFAULT_API_KEY)]
    pub api_key: String,

    /// The default linked account.
    #[arg(long, value_name = "ID", default_value = DEFAULT_LINKED_ACCOUNT_ID)]
    pub linked_account_id: String,

    /// Register a webhook at start that receives every connection event (created, deleted,
    /// expired) at URL, e.g. the one `refold webhooks listen` serves.
    #[arg(long, value_name = "URL")]
    pub webhook: Option<String>,

    /// The secret the --webhook sends in x-refold-webhook-secret (default: a new random one,
    /// printed at start).
    #[arg(long, value_name = "SECRET", env = "REFOLD_WEBHOOK_SECRET", hide_env_values = true)]
    pub webhook_secret: Option<String>,
}

/// `PER_SEC/BURST`, or one number for both.
fn parse_rate_limit(text: &str) -> Result<RateLimit, String> {
    let (per_second, burst) = text.split_once('/').unwrap_or((text, text));
    let number = |value: &str| {
        value
            .trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("expected PER_SEC/BURST with positive integers, like 20/5, not '{text}'"))
    };
    Ok(RateLimit {
        per_second: number(per_second)?,
        burst: number(burst)?,
    })
}

/// Why [`serve`] stopped without serving.
///
/// ```
/// use refold_emulator::cli::ServeError;
///
/// let taken = ServeError::Listen { port: 4010, source: std::io::ErrorKind::AddrInUse.into() };
/// assert!(taken.to_string().starts_with("cannot listen on 127.0.0.1:4010"));
/// assert_eq!(taken.exit_code(), 9);
/// ```
#[derive(Debug)]
#[non_exhaustive]
pub enum ServeError {
    /// The `--schema-dir` directory is missing or holds a snapshot that cannot be read.
    SchemaDir(io::Error),
    /// The port could not be bound.
    Listen {
        /// The port asked for.
        port: u16,
        /// What binding it reported.
        source: io::Error,
    },
    /// Waiting for Ctrl-C failed.
    Signal(io::Error),
}

impl ServeError {
    /// The process exit status for this failure, the one the `refold` command uses for the same
    /// kind of failure: 6 when local input is unusable (the schema directory), 9 when a local
    /// socket or signal operation failed.
    ///
    /// ```
    /// use refold_emulator::cli::ServeError;
    ///
    /// let missing = ServeError::SchemaDir(std::io::ErrorKind::NotFound.into());
    /// assert_eq!(missing.exit_code(), 6);
    /// ```
    pub fn exit_code(&self) -> u8 {
        match self {
            ServeError::SchemaDir(_) => 6,
            ServeError::Listen { .. } | ServeError::Signal(_) => 9,
        }
    }
}

impl fmt::Display for ServeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ServeError::SchemaDir(error) => write!(f, "{error}"),
            ServeError::Listen { port, source } => write!(f, "cannot listen on 127.0.0.1:{port}: {source}"),
            ServeError::Signal(error) => write!(f, "cannot wait for Ctrl-C: {error}"),
        }
    }
}

impl std::error::Error for ServeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ServeError::SchemaDir(error) | ServeError::Signal(error) => Some(error),
            ServeError::Listen { source, .. } => Some(source),
        }
    }
}

/// Starts the emulator `args` describe with request logging on (one line per request on
/// stderr), prints where it listens and the `REFOLD_*` values to use, and serves until Ctrl-C.
///
/// # Errors
///
/// [`ServeError::SchemaDir`] when `--schema-dir` cannot be read, [`ServeError::Listen`] when
/// the port cannot be bound, [`ServeError::Signal`] when Ctrl-C cannot be waited for (the
/// emulator is shut down first).
///
/// ```no_run
/// use clap::Parser;
/// use refold_emulator::cli::{ServeArgs, serve};
///
/// /// A test harness's own command that serves the emulator.
/// #[derive(Parser)]
/// struct Command {
///     #[command(flatten)]
///     serve: ServeArgs,
/// }
///
/// # async fn run() -> std::process::ExitCode {
/// match serve(&Command::parse().serve).await {
///     Ok(()) => std::process::ExitCode::SUCCESS,
///     Err(error) => {
///         eprintln!("{error}");
///         std::process::ExitCode::from(error.exit_code())
///     }
/// }
/// # }
/// ```
pub async fn serve(args: &ServeArgs) -> Result<(), ServeError> {
    let mut builder = Emulator::builder()
        .port(args.port)
        .api_key(&args.api_key)
        .linked_account_id(&args.linked_account_id)
        .strict_parameters(args.strict)
        .log_requests(true);
    if let Some(dir) = &args.schema_dir {
        builder = builder.schema_dir(dir);
    }
    if let Some(limit) = args.rate_limit {
        builder = builder.rate_limit(limit);
    }
    let emulator = builder.start().await.map_err(|error| match error.kind() {
        // What the snapshot directory's reading reports: missing, or a file that is not a snapshot.
        io::ErrorKind::NotFound | io::ErrorKind::InvalidData => ServeError::SchemaDir(error),
        _ => ServeError::Listen {
            port: args.port,
            source: error,
        },
    })?;
    println!("Refold emulator listening on {}", emulator.base_url());
    if let Some(dir) = &args.schema_dir {
        println!("Serving the snapshots of {}", dir.display());
    }
    if args.strict {
        println!("Strict: unknown parameters are refused");
    }
    if let Some(limit) = args.rate_limit {
        println!(
            "Rate limit: {}/s with bursts of {} per linked account",
            limit.per_second, limit.burst
        );
    }
    if let Some(url) = &args.webhook {
        let generated = args.webhook_secret.is_none();
        let secret = args.webhook_secret.clone().unwrap_or_else(|| {
            // 244 random bits from the operating system's generator, through uuid's v4.
            format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple())
        });
        let id = emulator.register_webhook(url, &secret);
        println!("Webhook {id}: connection events go to {url}");
        if generated {
            println!("  its secret (x-refold-webhook-secret): {secret}");
        }
    }
    println!();
    for (name, value) in emulator.env_vars() {
        println!("  {name}={value}");
    }
    println!();
    println!("Press Ctrl-C to stop.");
    let waited = tokio::signal::ctrl_c().await;
    println!("Stopping.");
    emulator.shutdown().await;
    waited.map_err(ServeError::Signal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_limit_argument_is_per_second_slash_burst() {
        assert_eq!(
            parse_rate_limit("20/5"),
            Ok(RateLimit {
                per_second: 20,
                burst: 5
            })
        );
        assert_eq!(
            parse_rate_limit("10"),
            Ok(RateLimit {
                per_second: 10,
                burst: 10
            })
        );
        assert!(parse_rate_limit("0/5").is_err());
        assert!(parse_rate_limit("fast").unwrap_err().contains("20/5"));
    }
}
