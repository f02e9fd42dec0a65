//! Server settings, from flags or environment variables (see `cli`).

/// What `serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    /// Origins allowed to call the API from a browser (CORS); `*` allows any. Empty:
    /// no CORS headers, so only same-origin pages (such as GraphiQL) can call it.
    pub cors_origins: Vec<String>,
}
