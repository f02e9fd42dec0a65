use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    concord::telemetry::init();
    let cli = concord::cli::Cli::parse();
    match concord::cli::run(cli).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("concord: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
