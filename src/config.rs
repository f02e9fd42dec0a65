//! Server settings, from flags or environment variables (see `cli`).

/// What `serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
}
