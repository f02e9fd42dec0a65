use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    concord::telemetry::init();
    let cli = concord::cli::Cli::parse();
    let code = match concord::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => match err.downcast_ref::<concord::cli::admin::Refused>() {
            // Refused input: the reasons, as JSON too when JSON was asked for.
            Some(refused) => {
                if std::env::args().any(|a| a == "--json") {
                    println!("{}", refused.0);
                }
                eprintln!("concord: {refused}");
                std::process::ExitCode::from(3)
            }
            None => {
                eprintln!("concord: {err:#}");
                std::process::ExitCode::FAILURE
            }
        },
    };
    // The exporter's last batch is sent from a thread of its own, not this runtime.
    tokio::task::spawn_blocking(concord::telemetry::shutdown)
        .await
        .ok();
    code
}
