//! Logging: `RUST_LOG` filters (default `info`), to standard error, as text or, with
//! `CONCORD_LOG_FORMAT=json`, one JSON object a line (with the fields of the spans it
//! was logged in: a request's `request_id`, method and path).

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
            .with_span_list(false)
            .try_init();
    } else {
        // Colours only on a terminal, so log files and collectors get plain text.
        let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
        let _ = builder.with_ansi(ansi).try_init();
    }
}
