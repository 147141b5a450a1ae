//! `till gateway`: the agent gateway in the foreground.
//!
//! It opens the vault (keyring, or `--password-stdin`), listens on 127.0.0.1, announces
//! itself in the runtime file so `till run` and `till agent mint` find it, and stops
//! cleanly on SIGTERM, SIGINT or SIGHUP. The vault stays open while it runs, so agent keys
//! minted meanwhile by another `till` work from their first request; the real keys never
//! leave this process.

use std::process::ExitCode;

use till_core::TillError;
pub use till_gateway::HostedGateway;

use crate::context::Context;
use crate::input::{open_vault, Stdin};

/// A runtime for serving: two workers (the machine's cores), IO and timers.
pub fn runtime() -> Result<tokio::runtime::Runtime, TillError> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| TillError::Internal {
            what: format!("could not start the gateway's runtime: {e}"),
        })
}

/// Runs `till gateway` until a signal stops it.
pub fn run(context: &Context, port: Option<u16>) -> Result<ExitCode, TillError> {
    let stdin = Stdin::read(context, false)?;
    let vault = open_vault(context, &stdin)?;
    let port = port.unwrap_or(context.settings.gateway.port);
    runtime()?.block_on(async {
        let hosted =
            HostedGateway::start(&context.paths, context.clock.clone(), vault, port).await?;
        eprintln!("listening on http://{}", hosted.addr());
        wait_for_stop().await;
        eprintln!("till gateway: stopping");
        hosted.stop(&context.paths).await
    })?;
    Ok(ExitCode::SUCCESS)
}

/// Waits for SIGTERM, SIGINT or SIGHUP.
async fn wait_for_stop() {
    use tokio::signal::unix::{signal, SignalKind};
    let streams = [
        SignalKind::terminate(),
        SignalKind::interrupt(),
        SignalKind::hangup(),
    ]
    .map(signal);
    let [Ok(mut term), Ok(mut int), Ok(mut hup)] = streams else {
        // Without signal handlers only Ctrl-C's default action can stop it; wait forever.
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = term.recv() => {}
        _ = int.recv() => {}
        _ = hup.recv() => {}
    }
}
