//! Logging: `RUST_LOG` filters (default `info`), to standard error, as text or, with
//! `CONCORD_LOG_FORMAT=json`, one JSON object a line (with the spans it was logged in:
//! `span` the innermost, `spans` all of them, such as the request's with its
//! `request_id`, method and path, and the service call's, e.g. `sessions::login`).
//! Services open a span per call (`#[instrument]`: writes at `info`, reads at `debug`;
//! an error they return is logged in it at `debug`).

use tracing_subscriber::EnvFilter;

pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = match std::env::var("CONCORD_LOG_FORMAT").as_deref() {
        Ok("json") => true,
        Ok("text") | Err(_) => false,
        Ok(other) => {
            eprintln!("CONCORD_LOG_FORMAT={other} is not json or text; logging text");
            false
        }
    };
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    // A second init (tests) is harmless.
    if json {
        let _ = builder
            .json()
            .with_current_span(true)
            // Every span the line was logged in (the request's, with its id, and the
            // service call's), not only the innermost.
            .with_span_list(true)
            .try_init();
    } else {
        // Colours only on a terminal, so log files and collectors get plain text.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let _ = builder.with_ansi(ansi).try_init();
    }
}
