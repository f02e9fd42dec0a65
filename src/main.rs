use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    concord::telemetry::init();
    let cli = concord::cli::Cli::parse();
    let code = match concord::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("concord: {err:#}");
            std::process::ExitCode::FAILURE
        }
    };
    // The exporter's last batch is sent from a thread of its own, not this runtime.
    tokio::task::spawn_blocking(concord::telemetry::shutdown)
        .await
        .ok();
    code
}
