//! Where a webhook may point: an `https` URL whose host is public. Addresses in
//! private, loopback, link-local, shared (CGNAT), multicast and reserved ranges are
//! refused when the URL is registered (an address written in it) and again when each
//! delivery resolves its host name, so that a name that later resolves inside the
//! network is not reached either. Redirects are not followed. For local tests,
//! `CONCORD_WEBHOOK_ALLOW_LOOPBACK=true` allows `http` and `https` to loopback only.

use crate::error::{UserError, UserErrorCode};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use url::{Host, Url};

/// Longest URL accepted.
pub const MAX_URL_CHARS: usize = 2_000;

/// Which targets this instance may deliver to.
#[derive(Debug, Clone, Copy, Default)]
pub struct Targets {
    /// Allow loopback addresses (and plain `http` to them): for tests only.
    pub allow_loopback: bool,
}

fn v4_forbidden(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_link_local()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || ip.is_unspecified()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && ip.octets()[2] == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240 // reserved
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8 // documentation
}

impl Targets {
    /// Whether a delivery may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(IpAddr::V6(v6), IpAddr::V4),
            v4 => v4,
        };
        if ip.is_loopback() {
            return self.allow_loopback;
        }
        match ip {
            IpAddr::V4(v4) => !v4_forbidden(v4),
            IpAddr::V6(v6) => !v6_forbidden(v6),
        }
    }

    /// Checks a webhook URL; the normalised URL, or an `INVALID` entry on `field`.
    pub fn check_url(&self, field: &str, raw: &str) -> Result<String, UserError> {
        let invalid = |message: &str| UserError::new(field, UserErrorCode::Invalid, message);
        let raw = raw.trim();
        if raw.chars().count() > MAX_URL_CHARS {
            return Err(invalid("A webhook URL has at most 2,000 characters"));
        }
        let url =
            Url::parse(raw).map_err(|_| invalid("Not a URL: give an absolute https:// URL"))?;
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid(
                "A webhook URL may not carry credentials; requests are signed instead",
            ));
        }
        if url.fragment().is_some() {
            return Err(invalid("A webhook URL may not have a #fragment"));
        }
        let loopback = match url.host() {
            None => return Err(invalid("A webhook URL needs a host")),
            Some(Host::Ipv4(ip)) => {
                self.check_ip(IpAddr::V4(ip)).map_err(|m| invalid(&m))?;
                ip.is_loopback()
            }
            Some(Host::Ipv6(ip)) => {
                self.check_ip(IpAddr::V6(ip)).map_err(|m| invalid(&m))?;
                ip.is_loopback()
            }
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                let local = name == "localhost" || name.ends_with(".localhost");
                if local && !self.allow_loopback {
                    return Err(invalid("A webhook URL may not point at this machine"));
                }
                if !local && !name.contains('.') {
                    return Err(invalid("A webhook URL needs a fully qualified host name"));
                }
                local
            }
        };
        match url.scheme() {
            "https" => {}
            "http" if loopback && self.allow_loopback => {}
            _ => return Err(invalid("A webhook URL must use https")),
        }
        Ok(url.to_string())
    }

    fn check_ip(&self, ip: IpAddr) -> Result<(), String> {
        if self.allows(ip) {
            Ok(())
        } else {
            Err(format!(
                "A webhook URL may not point at {ip}: private, loopback, link-local and reserved addresses are refused"
            ))
        }
    }
}

/// Resolves the host names of deliveries, refusing any name with a forbidden address.
pub struct GuardedResolver(pub Targets);

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let targets = self.0;
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some(bad) = addrs.iter().find(|a| !targets.allows(a.ip())) {
                let err: Box<dyn std::error::Error + Send + Sync> = format!(
                    "{host} resolves to {}, which webhooks may not reach",
                    bad.ip()
                )
                .into();
                return Err(err);
            }
            let addrs: reqwest::dns::Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_https_targets() {
        let strict = Targets::default();
        assert!(
            strict
                .check_url("url", "https://partner.example.org/hooks")
                .is_ok()
        );
        for bad in [
            "http://partner.example.org/hooks",
            "ftp://partner.example.org/",
            "https://10.1.2.3/",
            "https://172.16.0.1/",
            "https://192.168.1.1/",
            "https://127.0.0.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://100.64.0.1/",
            "https://0.0.0.0/",
            "https://[::1]/",
            "https://[fd00::1]/",
            "https://[fe80::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://localhost/",
            "https://intranet/",
            "https://user:pw@partner.example.org/",
            "not a url",
        ] {
            assert!(strict.check_url("url", bad).is_err(), "{bad} was accepted");
        }
        let tests = Targets {
            allow_loopback: true,
        };
        assert!(tests.check_url("url", "http://127.0.0.1:8080/hook").is_ok());
        assert!(tests.check_url("url", "http://localhost:8080/hook").is_ok());
        assert!(tests.check_url("url", "http://10.0.0.1/hook").is_err());
        assert!(
            tests
                .check_url("url", "http://partner.example.org/")
                .is_err()
        );
    }
}
