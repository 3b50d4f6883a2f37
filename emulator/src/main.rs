//! `refold-emulator`: serves a local Refold API until Ctrl-C.

use std::path::PathBuf;
use std::process::ExitCode;

use refold_emulator::{DEFAULT_API_KEY, DEFAULT_LINKED_ACCOUNT_ID, Emulator, RateLimit};

const USAGE: &str = "\
Serve a local, in-memory Refold API on 127.0.0.1 until Ctrl-C.
Each request is logged to stderr on one line: method, path, status, request id.

Usage: refold-emulator [OPTIONS]

Options:
  -p, --port <PORT>                 Port to listen on; 0 picks a free one [default: 4010]
      --api-key <KEY>               API key to accept in x-api-key [default: tk_emulator_test_key]
      --linked-account-id <ID>      Default linked account [default: ada@example.com]
      --rate-limit <PER_SEC/BURST>  Per-linked-account rate limit, e.g. 20/5 [default: none]
      --schema-dir <DIR>            Add the action snapshots of a .refold/ directory to the catalogue
      --strict                      Refuse parameters an action's schema does not list (400)
  -h, --help                        Print this help
  -V, --version                     Print the version
";

struct Args {
    port: u16,
    api_key: String,
    linked_account_id: String,
    rate_limit: Option<RateLimit>,
    schema_dir: Option<PathBuf>,
    strict: bool,
}

enum Command {
    Serve(Args),
    Help,
    Version,
}

fn parse_args() -> Result<Command, lexopt::Error> {
    use lexopt::prelude::*;

    let mut args = Args {
        port: 4010,
        api_key: DEFAULT_API_KEY.to_owned(),
        linked_account_id: DEFAULT_LINKED_ACCOUNT_ID.to_owned(),
        rate_limit: None,
        schema_dir: None,
        strict: false,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Short('p') | Long("port") => args.port = parser.value()?.parse()?,
            Long("api-key") => args.api_key = parser.value()?.string()?,
            Long("linked-account-id") => args.linked_account_id = parser.value()?.string()?,
            Long("rate-limit") => args.rate_limit = Some(parser.value()?.parse_with(parse_rate_limit)?),
            Long("schema-dir") => args.schema_dir = Some(parser.value()?.into()),
            Long("strict") => args.strict = true,
            Short('h') | Long("help") => return Ok(Command::Help),
            Short('V') | Long("version") => return Ok(Command::Version),
            _ => return Err(arg.unexpected()),
        }
    }
    Ok(Command::Serve(args))
}

fn parse_rate_limit(s: &str) -> Result<RateLimit, String> {
    let (per_second, burst) = s.split_once('/').unwrap_or((s, s));
    let number = |v: &str| {
        v.trim()
            .parse::<u32>()
            .ok()
            .filter(|n| *n > 0)
            .ok_or_else(|| format!("expected PER_SEC/BURST with positive integers, like 20/5, not '{s}'"))
    };
    Ok(RateLimit {
        per_second: number(per_second)?,
        burst: number(burst)?,
    })
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(Command::Serve(args)) => args,
        Ok(Command::Help) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Ok(Command::Version) => {
            println!("refold-emulator {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("refold-emulator: {e}\nTry 'refold-emulator --help'.");
            return ExitCode::from(2);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("refold-emulator: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(serve(args))
}

async fn serve(args: Args) -> ExitCode {
    let mut builder = Emulator::builder()
        .port(args.port)
        .api_key(args.api_key)
        .linked_account_id(args.linked_account_id)
        .strict_parameters(args.strict)
        .log_requests(true);
    if let Some(dir) = &args.schema_dir {
        builder = builder.schema_dir(dir);
    }
    if let Some(limit) = args.rate_limit {
        builder = builder.rate_limit(limit);
    }
    let emulator = match builder.start().await {
        Ok(emulator) => emulator,
        Err(e) => {
            eprintln!("refold-emulator: cannot start on 127.0.0.1:{}: {e}", args.port);
            return ExitCode::FAILURE;
        }
    };
    println!("Refold emulator listening on {}", emulator.base_url());
    println!();
    for (name, value) in emulator.env_vars() {
        println!("  {name}={value}");
    }
    println!();
    println!("Press Ctrl-C to stop.");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("refold-emulator: cannot wait for Ctrl-C: {e}");
    }
    println!("Stopping.");
    emulator.shutdown().await;
    ExitCode::SUCCESS
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
