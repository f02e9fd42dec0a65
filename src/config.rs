//! Server settings, from flags or environment variables (see `cli`).

use ipnet::IpNet;
use std::net::IpAddr;
use std::path::PathBuf;

/// What `serve` needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Address to listen on; port 0 picks a free port.
    pub bind: String,
    /// Origins allowed to call the API from a browser (CORS); `*` allows any. Empty:
    /// no CORS headers, so only same-origin pages (such as GraphiQL) can call it.
    pub cors_origins: Vec<String>,
    /// Proxies (load balancers) whose `Forwarded` / `X-Forwarded-For` headers name the
    /// client. Empty: the TCP peer is the client and those headers are ignored.
    pub trusted_proxies: Vec<IpNet>,
    /// How long a client may take to send a request body (`408` after).
    pub body_timeout: std::time::Duration,
    /// Whether introspection (`__schema`, `__type`) is answered; off, it is refused with
    /// `INTROSPECTION_DISABLED` and GraphiQL says so.
    pub introspection: bool,
    /// Run only the operations on the allow-list (`concord operations add`).
    pub only_persisted: bool,
}

/// A trusted proxy: an address (`10.0.0.5`) or a network (`10.0.0.0/8`).
pub fn parse_proxy(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is neither an IP address nor a network such as 10.0.0.0/8"))
}

/// How tokens are signed and checked, and how long they live.
#[derive(Debug, Clone, clap::Args)]
pub struct AuthSettings {
    /// HS256 secret for access tokens (at least 32 bytes). Without it, and without a key
    /// pair, Concord makes one on first start and keeps it in the database.
    #[arg(long, env = "CONCORD_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,
    /// Private key (PEM) to sign access tokens with EdDSA or RS256 instead of HS256.
    #[arg(long, env = "CONCORD_JWT_PRIVATE_KEY", requires_all = ["jwt_public_key", "jwt_algorithm"])]
    pub jwt_private_key: Option<PathBuf>,
    /// Public key (PEM) matching `--jwt-private-key`.
    #[arg(long, env = "CONCORD_JWT_PUBLIC_KEY")]
    pub jwt_public_key: Option<PathBuf>,
    /// Algorithm of the key pair: EdDSA or RS256.
    #[arg(long, env = "CONCORD_JWT_ALGORITHM")]
    pub jwt_algorithm: Option<String>,
    /// Key id (`kid`) of the signing key; derived from the key when not given.
    #[arg(long, env = "CONCORD_JWT_KID")]
    pub jwt_kid: Option<String>,
    /// Older keys still accepted while tokens signed with them expire, as
    /// `KID=ALG:PATH` (ALG: HS256 with the secret in the file, EdDSA or RS256 with a
    /// public key PEM). Repeat the flag, or comma-separate in the variable.
    #[arg(
        long = "jwt-verify-key",
        env = "CONCORD_JWT_VERIFY_KEYS",
        value_delimiter = ','
    )]
    pub jwt_verify_keys: Vec<String>,
    /// `iss` of issued tokens, required of presented ones.
    #[arg(long, env = "CONCORD_JWT_ISSUER", default_value = "concord")]
    pub jwt_issuer: String,
    /// `aud` of issued tokens, required of presented ones.
    #[arg(long, env = "CONCORD_JWT_AUDIENCE", default_value = "concord-api")]
    pub jwt_audience: String,
    /// Access token lifetime, in seconds.
    #[arg(long, env = "CONCORD_ACCESS_TOKEN_TTL", default_value_t = 900)]
    pub access_token_ttl: i64,
    /// Refresh token lifetime, in seconds.
    #[arg(long, env = "CONCORD_REFRESH_TOKEN_TTL", default_value_t = 14 * 24 * 3600)]
    pub refresh_token_ttl: i64,
    /// Password-reset token lifetime, in seconds.
    #[arg(long, env = "CONCORD_RESET_TOKEN_TTL", default_value_t = 3600)]
    pub reset_token_ttl: i64,
    /// Whether callers without a token may read the public parts of the API.
    #[arg(long, env = "CONCORD_ANONYMOUS_ACCESS", default_value_t = true, action = clap::ArgAction::Set)]
    pub anonymous_access: bool,
}

impl Default for AuthSettings {
    /// The same defaults as the command line's.
    fn default() -> Self {
        use clap::Parser;
        #[derive(Parser)]
        struct Defaults {
            #[command(flatten)]
            auth: AuthSettings,
        }
        Defaults::parse_from(["concord"]).auth
    }
}
