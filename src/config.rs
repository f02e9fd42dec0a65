//! Server settings, from flags or environment variables (see `cli`).

use ipnet::IpNet;
use secrecy::SecretString;
use std::net::IpAddr;
use std::path::PathBuf;
use std::time::Duration;

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
    /// Whether queries whose every field the planner knows run as plans rather than
    /// field by field (`graphql::compiled`).
    pub compiled_reads: CompiledReads,
    /// Budgets of cost points per principal.
    pub rate_limits: RateLimits,
    /// How long requests in flight may take to finish once a shutdown began.
    pub shutdown_timeout: Duration,
    /// Where webhooks may point and how their deliveries are retried.
    pub webhooks: DeliverySettings,
    /// Email over SMTP (none configured: links are handed back to the secretariat).
    pub mail: MailSettings,
    /// Documents: where they are stored and the rules for them.
    pub attachments: AttachmentSettings,
}

/// How queries the planner knows run (`CONCORD_COMPILED_READS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CompiledReads {
    /// Every query runs field by field through the resolvers (`false`).
    Off,
    /// As plans (`true`).
    On,
    /// As plans, and through the resolvers too, the two answers compared: a difference
    /// is logged and answered as an internal error (`verify`; the tests run so, to
    /// check every query they send).
    Verify,
}

/// `true`/`on`, `false`/`off` or `verify`.
pub fn parse_compiled_reads(raw: &str) -> Result<CompiledReads, String> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "true" | "on" => Ok(CompiledReads::On),
        "false" | "off" => Ok(CompiledReads::Off),
        "verify" => Ok(CompiledReads::Verify),
        _ => Err(format!("{raw:?} is none of true, false, verify")),
    }
}

/// A trusted proxy: an address (`10.0.0.5`) or a network (`10.0.0.0/8`).
pub fn parse_proxy(raw: &str) -> Result<IpNet, String> {
    let raw = raw.trim();
    raw.parse::<IpNet>()
        .or_else(|_| raw.parse::<IpAddr>().map(IpNet::from))
        .map_err(|_| format!("{raw:?} is neither an IP address nor a network such as 10.0.0.0/8"))
}

/// A secret given on the command line or in the environment, kept where `Debug` and the
/// logs do not print it.
fn secret(raw: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(raw))
}

/// How tokens are signed and checked, and how long they live.
#[derive(Debug, Clone, clap::Args)]
pub struct AuthSettings {
    /// HS256 secret for access tokens (at least 32 bytes). Without it, and without a key
    /// pair, Concord makes one on first start and keeps it in the database.
    #[arg(long, env = "CONCORD_JWT_SECRET", hide_env_values = true, value_parser = secret)]
    pub jwt_secret: Option<SecretString>,
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
    /// Seconds an invitation's link works (default seven days).
    #[arg(long, env = "CONCORD_INVITATION_TTL", default_value_t = 7 * 24 * 3600)]
    pub invitation_ttl: i64,
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

/// One rule of `CONCORD_RATE_LIMITS`: `WHO=POINTS/WINDOW`, or `off`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RateLimitRule {
    Off,
    Anonymous(Limit),
    Role(entity::enums::Role, Limit),
    /// An API client, by its OAuth `client_id`.
    Client(String, Limit),
}

/// Largest budget a rule may give (2,147,483,647 points, GraphQL's largest `Int`: about
/// six hours of server time a window).
pub const MAX_RATE_POINTS: u64 = i32::MAX as u64;
/// Longest window (a day).
pub const MAX_RATE_WINDOW: Duration = Duration::from_secs(24 * 3600);

/// Parses one rule. `WINDOW` is seconds, or a number with `s`, `m` or `h`. `POINTS` must
/// hold the costliest operation allowed (so that every admitted request can run).
pub fn parse_rate_limit(raw: &str) -> Result<RateLimitRule, String> {
    use entity::enums::Role;
    let raw = raw.trim();
    if raw.eq_ignore_ascii_case("off") {
        return Ok(RateLimitRule::Off);
    }
    let (who, budget) = raw
        .split_once('=')
        .ok_or_else(|| format!("{raw:?}: write WHO=POINTS/WINDOW, e.g. ANONYMOUS=300000/60"))?;
    let (points, window) = budget
        .split_once('/')
        .ok_or_else(|| format!("{raw:?}: write POINTS/WINDOW, e.g. 300000/60"))?;
    let points: u64 = points
        .trim()
        .parse()
        .map_err(|_| format!("{raw:?}: {points:?} is not a whole number of points"))?;
    let min = MIN_BUDGET;
    if !(min..=MAX_RATE_POINTS).contains(&points) {
        return Err(format!(
            "{raw:?}: a budget must be from {min} points (the costliest operation allowed) \
             to {MAX_RATE_POINTS}"
        ));
    }
    let window = window.trim();
    let (number, unit) = match window.char_indices().last() {
        Some((i, 's')) => (&window[..i], 1),
        Some((i, 'm')) => (&window[..i], 60),
        Some((i, 'h')) => (&window[..i], 3600),
        _ => (window, 1),
    };
    let seconds = number
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(unit))
        .map(Duration::from_secs)
        .filter(|w| !w.is_zero() && *w <= MAX_RATE_WINDOW)
        .ok_or_else(|| {
            format!("{raw:?}: the window must be 1 second to 24 hours (e.g. 60, 60s, 1m, 1h)")
        })?;
    let limit = Limit {
        points,
        window: seconds,
    };
    let who = who.trim();
    if who == "ANONYMOUS" {
        return Ok(RateLimitRule::Anonymous(limit));
    }
    if let Some(client) = who.strip_prefix("client:") {
        return Ok(RateLimitRule::Client(client.to_owned(), limit));
    }
    Role::ALL
        .iter()
        .find(|r| r.as_str() == who)
        .map(|role| RateLimitRule::Role(*role, limit))
        .ok_or_else(|| {
            format!(
                "{raw:?}: {who:?} is not ANONYMOUS, SECRETARIAT, MEMBER_STATE, OBSERVER \
                 or client:CLIENT_ID"
            )
        })
}

/// Every principal's budget of cost points (see `service::quotas`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimits {
    /// `None`: no limits (`CONCORD_RATE_LIMITS=off`).
    pub anonymous: Option<Limit>,
    pub roles: Vec<(entity::enums::Role, Limit)>,
    /// API clients with their own budget, by `client_id` (resolved to their row at start).
    pub clients: Vec<(String, Limit)>,
}

impl Default for RateLimits {
    /// Per minute: 300,000 points for an anonymous address (three seconds of server
    /// time); a role without a budget of its own has its default (`policy::default_budgets`,
    /// applied where budgets are charged).
    fn default() -> Self {
        RateLimits {
            anonymous: Some(Limit {
                points: 300_000,
                window: Duration::from_secs(60),
            }),
            roles: Vec::new(),
            clients: Vec::new(),
        }
    }
}

impl RateLimits {
    /// The defaults with `rules` applied in order; `off` switches limits off (and may not
    /// be mixed with other rules).
    pub fn from_rules(rules: &[RateLimitRule]) -> Result<RateLimits, String> {
        let mut limits = RateLimits::default();
        if rules.contains(&RateLimitRule::Off) {
            if rules.len() > 1 {
                return Err("CONCORD_RATE_LIMITS: `off` stands alone".to_owned());
            }
            return Ok(RateLimits {
                anonymous: None,
                roles: Vec::new(),
                clients: Vec::new(),
            });
        }
        for rule in rules {
            match rule {
                RateLimitRule::Off => {}
                RateLimitRule::Anonymous(limit) => limits.anonymous = Some(*limit),
                RateLimitRule::Role(role, limit) => {
                    limits.roles.retain(|(r, _)| r != role);
                    limits.roles.push((*role, *limit));
                }
                RateLimitRule::Client(client, limit) => {
                    limits.clients.retain(|(c, _)| c != client);
                    limits.clients.push((client.clone(), *limit));
                }
            }
        }
        Ok(limits)
    }

    /// Whether any limit applies.
    pub fn enabled(&self) -> bool {
        self.anonymous.is_some()
    }
}

/// The smallest budget a rule may set: the cost of the costliest operation allowed
/// (`graphql::cost::MAX_COST`, held equal to it there).
pub const MIN_BUDGET: u64 = 25_000;

/// A budget: `points` per `window`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    pub points: u64,
    pub window: Duration,
}

/// Which targets this instance may deliver webhooks to (see
/// `service::webhooks::target`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Targets {
    /// Allow loopback addresses (and plain `http` to them): for tests only.
    pub allow_loopback: bool,
}

/// How deliveries are sent.
#[derive(Debug, Clone)]
pub struct DeliverySettings {
    /// Where webhooks may point.
    pub targets: Targets,
    /// Wait before the second attempt; doubled for each one after, up to six hours.
    pub retry_base: Duration,
    /// Attempts before a delivery is given up (FAILED).
    pub max_attempts: i32,
    /// How long an endpoint has to answer.
    pub timeout: Duration,
    /// How often due deliveries are looked for, besides when one is written here.
    pub poll: Duration,
    /// Whether this instance sends deliveries (off: it only writes them, for another
    /// instance to send).
    pub deliver: bool,
}

impl Default for DeliverySettings {
    fn default() -> Self {
        DeliverySettings {
            targets: Targets::default(),
            retry_base: Duration::from_secs(30),
            max_attempts: 10,
            timeout: Duration::from_secs(10),
            poll: Duration::from_secs(1),
            deliver: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Flags {
        #[command(flatten)]
        auth: AuthSettings,
    }

    #[test]
    fn the_jwt_secret_is_never_printed() {
        let secret = "a-secret-of-at-least-thirty-two-bytes-0123";
        let flags = Flags::parse_from(["concord", "--jwt-secret", secret]);
        let printed = format!("{:?}", flags.auth);
        assert!(
            printed.contains("jwt_secret") && !printed.contains(secret),
            "{printed}"
        );
    }
}

/// How the SMTP connection is secured (`CONCORD_SMTP_TLS`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SmtpTls {
    /// Plain connection upgraded with STARTTLS, which the server must offer (port 587).
    Starttls,
    /// TLS from the first byte (port 465).
    Tls,
    /// No encryption: only for a relay on the same machine or network, and tests.
    None,
}

/// Email settings (`CONCORD_SMTP_*`), for `serve` and for `concord account invite`.
#[derive(clap::Args, Debug, Clone)]
pub struct MailArgs {
    /// The SMTP server that sends Concord's email (invitations, reset links, moderation
    /// notices). Unset: no email; the console shows links to hand over.
    #[arg(long, env = "CONCORD_SMTP_HOST")]
    pub smtp_host: Option<String>,
    #[arg(long, env = "CONCORD_SMTP_PORT", default_value_t = 587)]
    pub smtp_port: u16,
    /// starttls (default), tls or none.
    #[arg(long, env = "CONCORD_SMTP_TLS", value_enum, default_value_t = SmtpTls::Starttls)]
    pub smtp_tls: SmtpTls,
    #[arg(long, env = "CONCORD_SMTP_USERNAME")]
    pub smtp_username: Option<String>,
    #[arg(long, env = "CONCORD_SMTP_PASSWORD", hide_env_values = true, value_parser = secret)]
    pub smtp_password: Option<SecretString>,
    /// The sender, e.g. `Concord <concord@consultations.example.org>`.
    #[arg(
        long,
        env = "CONCORD_SMTP_FROM",
        default_value = "Concord <concord@localhost>"
    )]
    pub smtp_from: String,
    /// Milliseconds before a failed email is tried again; doubled for each attempt after
    /// (at most six hours apart).
    #[arg(long, env = "CONCORD_SMTP_RETRY_BASE_MS", default_value_t = 30_000,
          value_parser = clap::value_parser!(u64).range(10..=3_600_000))]
    pub smtp_retry_base_ms: u64,
    /// Attempts before an email is given up.
    #[arg(long, env = "CONCORD_SMTP_MAX_ATTEMPTS", default_value_t = 10,
          value_parser = clap::value_parser!(i32).range(1..=30))]
    pub smtp_max_attempts: i32,
    /// Where people reach this Concord: the links in emails start with it.
    #[arg(
        long,
        env = "CONCORD_PUBLIC_URL",
        default_value = "http://localhost:8080"
    )]
    pub public_url: String,
}

impl MailArgs {
    /// The settings these flags give; an unreadable sender or URL is refused here.
    pub fn settings(&self) -> anyhow::Result<MailSettings> {
        let smtp = match &self.smtp_host {
            None => None,
            Some(host) if host.trim().is_empty() => None,
            Some(host) => Some(Smtp {
                host: host.trim().to_owned(),
                port: self.smtp_port,
                tls: self.smtp_tls,
                username: self.smtp_username.clone(),
                password: self.smtp_password.clone(),
            }),
        };
        if self.smtp_from.parse::<lettre::message::Mailbox>().is_err() {
            anyhow::bail!(
                "CONCORD_SMTP_FROM is not an address: {:?} (write `Name <address>` or `address`)",
                self.smtp_from
            );
        }
        let public_url = url::Url::parse(&self.public_url)
            .ok()
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "CONCORD_PUBLIC_URL is not an http(s) URL: {:?}",
                    self.public_url
                )
            })?;
        Ok(MailSettings {
            smtp,
            from: self.smtp_from.clone(),
            public_url: public_url.as_str().trim_end_matches('/').to_owned(),
            retry_base: Duration::from_millis(self.smtp_retry_base_ms),
            max_attempts: self.smtp_max_attempts,
            ..Default::default()
        })
    }
}

/// An SMTP server.
#[derive(Debug, Clone)]
pub struct Smtp {
    pub host: String,
    pub port: u16,
    pub tls: SmtpTls,
    pub username: Option<String>,
    pub password: Option<SecretString>,
}

/// How email is sent.
#[derive(Debug, Clone)]
pub struct MailSettings {
    /// None: no email is written or sent; links are handed back.
    pub smtp: Option<Smtp>,
    /// The sender (`Name <address>`).
    pub from: String,
    /// The links' base, without a trailing slash.
    pub public_url: String,
    /// Wait before the second attempt; doubled for each one after, up to six hours.
    pub retry_base: Duration,
    /// Attempts before an email is given up (FAILED).
    pub max_attempts: i32,
    /// How long the SMTP server has for each step.
    pub timeout: Duration,
    /// How often due emails are looked for, besides when one is written here.
    pub poll: Duration,
    /// Whether this instance sends (off: it only writes the outbox).
    pub send: bool,
}

impl Default for MailSettings {
    fn default() -> Self {
        MailSettings {
            smtp: None,
            from: "Concord <concord@localhost>".into(),
            public_url: "http://localhost:8080".into(),
            retry_base: Duration::from_secs(30),
            max_attempts: 10,
            timeout: Duration::from_secs(20),
            poll: Duration::from_secs(1),
            send: true,
        }
    }
}

/// What attachments are allowed, and where they go (`CONCORD_ATTACHMENT_*`).
#[derive(Debug, Clone)]
pub struct AttachmentSettings {
    /// Where blobs go: `file:///absolute/folder`, `s3://bucket/prefix` (options in the
    /// query string or `AWS_*` variables) or `memory:///` (tests).
    pub store: String,
    /// Largest document, in bytes.
    pub max_bytes: u64,
    /// Most documents on one revision.
    pub max_per_revision: usize,
    /// Most bytes one account (or client) may keep stored.
    pub quota_bytes: u64,
    /// How long an upload not attached is kept.
    pub upload_ttl: Duration,
    /// How old a blob no row names must be before the sweeper removes it.
    pub grace: Duration,
    /// How often each instance sweeps.
    pub sweep_every: Duration,
    /// The program that extracts text (`concord extract-text`): this binary by default.
    pub extractor: Option<std::path::PathBuf>,
    /// Longest an extraction may run.
    pub extract_timeout: Duration,
    /// Most memory an extraction may use, in bytes.
    pub extract_memory: u64,
}

/// 25 MB.
pub const DEFAULT_MAX_BYTES: u64 = 25 * 1000 * 1000;

impl Default for AttachmentSettings {
    fn default() -> Self {
        AttachmentSettings {
            store: "memory:///".into(),
            max_bytes: DEFAULT_MAX_BYTES,
            max_per_revision: 10,
            quota_bytes: 500 * 1000 * 1000,
            upload_ttl: Duration::from_secs(24 * 3600),
            grace: Duration::from_secs(3600),
            sweep_every: Duration::from_secs(600),
            extractor: None,
            extract_timeout: Duration::from_secs(20),
            extract_memory: 512 * 1024 * 1024,
        }
    }
}

/// Attachment settings (`CONCORD_ATTACHMENT_*`), for `serve` and `concord attachments`.
#[derive(clap::Args, Debug, Clone)]
pub struct AttachmentArgs {
    /// Where documents are stored: `file:///absolute/folder`, or `s3://bucket/prefix`
    /// for any S3-compatible store (options as `?endpoint=…&region=…`, or the usual
    /// `AWS_*` variables). Default: a folder beside the SQLite file
    /// (`concord-attachments`), or in the working directory for PostgreSQL (several
    /// instances need a shared store: S3).
    #[arg(long, env = "CONCORD_ATTACHMENT_STORE")]
    pub attachment_store: Option<String>,
    /// Largest document, in bytes.
    #[arg(long, env = "CONCORD_ATTACHMENT_MAX_BYTES", default_value_t = DEFAULT_MAX_BYTES,
          value_parser = clap::value_parser!(u64).range(1..=2_000_000_000))]
    pub attachment_max_bytes: u64,
    /// Most documents on one revision.
    #[arg(long, env = "CONCORD_ATTACHMENT_MAX_PER_REVISION", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(1..=100))]
    pub attachment_max_per_revision: u64,
    /// Most bytes each account or API client may keep stored.
    #[arg(
        long,
        env = "CONCORD_ATTACHMENT_QUOTA_BYTES",
        default_value_t = 500_000_000
    )]
    pub attachment_quota_bytes: u64,
    /// Seconds an upload not attached is kept.
    #[arg(long, env = "CONCORD_ATTACHMENT_UPLOAD_TTL", default_value_t = 24 * 3600)]
    pub attachment_upload_ttl: u64,
    /// Seconds a blob no row names is kept before the sweeper removes it.
    #[arg(long, env = "CONCORD_ATTACHMENT_GRACE", default_value_t = 3600)]
    pub attachment_grace: u64,
    /// Seconds between sweeps.
    #[arg(long, env = "CONCORD_ATTACHMENT_SWEEP_INTERVAL", default_value_t = 600,
          value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub attachment_sweep_interval: u64,
    /// Seconds a document's text extraction may take.
    #[arg(long, env = "CONCORD_ATTACHMENT_EXTRACT_TIMEOUT", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=600))]
    pub attachment_extract_timeout: u64,
}

impl AttachmentArgs {
    /// The settings these flags give, the store's default found from `database_url`.
    pub fn settings(&self, database_url: &str) -> anyhow::Result<AttachmentSettings> {
        let store = match &self.attachment_store {
            Some(url) if !url.trim().is_empty() => url.trim().to_owned(),
            _ => default_store(database_url)?,
        };
        Ok(AttachmentSettings {
            store,
            max_bytes: self.attachment_max_bytes,
            max_per_revision: self.attachment_max_per_revision as usize,
            quota_bytes: self.attachment_quota_bytes,
            upload_ttl: Duration::from_secs(self.attachment_upload_ttl),
            grace: Duration::from_secs(self.attachment_grace),
            sweep_every: Duration::from_secs(self.attachment_sweep_interval),
            extract_timeout: Duration::from_secs(self.attachment_extract_timeout),
            ..Default::default()
        })
    }
}

/// The folder `concord-attachments` beside the SQLite file (or in the working
/// directory), as a `file://` URL.
fn default_store(database_url: &str) -> anyhow::Result<String> {
    let cwd = std::env::current_dir()?;
    let folder = match database_url.strip_prefix("sqlite:") {
        Some(rest) => {
            let file = rest.trim_start_matches("//");
            let file = file.split('?').next().unwrap_or(file);
            let file = std::path::Path::new(file);
            let dir = file.parent().filter(|d| !d.as_os_str().is_empty());
            match dir {
                Some(dir) if dir.is_absolute() => dir.to_path_buf(),
                Some(dir) => cwd.join(dir),
                None => cwd.clone(),
            }
        }
        None => {
            tracing::warn!(
                "attachments are stored in ./concord-attachments: set CONCORD_ATTACHMENT_STORE \
                 to a store every instance shares (s3://…) when there are several"
            );
            cwd.clone()
        }
    }
    .join("concord-attachments");
    url::Url::from_directory_path(&folder)
        .map(|u| u.to_string())
        .map_err(|()| anyhow::anyhow!("no file URL for {}", folder.display()))
}
