//! `refold emulator`: the local Refold emulator, from any directory.

use std::io::ErrorKind;

use refold_emulator::Emulator;

use crate::args::EmulatorArgs;
use crate::error::CliError;
use crate::exit::Exit;

pub async fn run(args: &EmulatorArgs) -> Result<(), CliError> {
    let mut builder = Emulator::builder()
        .port(args.port)
        .api_key(&args.api_key)
        .linked_account_id(&args.linked_account_id)
        .strict_parameters(args.strict)
        .log_requests(true);
    if let Some(dir) = &args.schema_dir {
        builder = builder.schema_dir(dir);
    }
    let emulator = builder.start().await.map_err(|err| match err.kind() {
        // The schema directory is missing or holds an unreadable snapshot.
        ErrorKind::NotFound | ErrorKind::InvalidData => CliError::new(Exit::Input, err.to_string()),
        _ => CliError::new(Exit::Io, format!("cannot listen on 127.0.0.1:{}: {err}", args.port)),
    })?;
    println!("Refold emulator listening on {}", emulator.base_url());
    if let Some(dir) = &args.schema_dir {
        println!("Serving the snapshots of {}", dir.display());
    }
    if args.strict {
        println!("Strict: unknown parameters are refused");
    }
    println!();
    for (name, value) in emulator.env_vars() {
        println!("  {name}={value}");
    }
    println!();
    println!("Press Ctrl-C to stop.");
    let waited = tokio::signal::ctrl_c().await;
    emulator.shutdown().await;
    waited.map_err(|err| CliError::new(Exit::Io, format!("cannot wait for Ctrl-C: {err}")))
}
