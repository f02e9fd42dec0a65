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

pub use crate::config::Targets;

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

/// The IPv4 address held in segments `hi` and `lo`.
fn v4_of(hi: u16, lo: u16) -> Ipv4Addr {
    Ipv4Addr::from((u32::from(hi) << 16) | u32::from(lo))
}

/// The IPv4 addresses an IPv6 address carries, by the forms that reach them: the
/// IPv4-compatible `::a.b.c.d` (and `::ffff:a.b.c.d`, mapped), NAT64's well-known
/// prefix `64:ff9b::/96`, 6to4 `2002::/16` (bits 16–48), and Teredo `2001::/32` (its
/// server in bits 32–64, its client obfuscated in the last 32).
fn embedded_v4(ip: Ipv6Addr) -> Vec<Ipv4Addr> {
    let s = ip.segments();
    match s {
        [0, 0, 0, 0, 0, 0 | 0xffff, hi, lo] => vec![v4_of(hi, lo)],
        [0x64, 0xff9b, 0, 0, 0, 0, hi, lo] => vec![v4_of(hi, lo)],
        [0x2002, hi, lo, ..] => vec![v4_of(hi, lo)],
        [0x2001, 0, server_hi, server_lo, _, _, client_hi, client_lo] => {
            vec![v4_of(server_hi, server_lo), v4_of(!client_hi, !client_lo)]
        }
        _ => Vec::new(),
    }
}

fn v6_forbidden(ip: Ipv6Addr) -> bool {
    let [first, second, third, ..] = ip.segments();
    ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || (first & 0xffc0) == 0xfec0 // site-local (deprecated)
        || first == 0x2001 && second == 0x0db8 // documentation
        || first == 0x0064 && second == 0xff9b && third == 0x0001 // local-use NAT64 (/48)
        || first == 0x0100 && second == 0 && ip.segments()[2] == 0 && ip.segments()[3] == 0 // discard-only
        || embedded_v4(ip)
            .into_iter()
            .any(|v4| v4.is_loopback() || v4_forbidden(v4))
}

/// An IPv4-mapped or IPv4-compatible address as its IPv4 address (so that loopback is
/// loopback whichever way it is written); any other address as it is.
fn as_v4(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.segments() {
            [0, 0, 0, 0, 0, 0xffff, hi, lo] => IpAddr::V4(v4_of(hi, lo)),
            [0, 0, 0, 0, 0, 0, hi, lo] if hi != 0 => IpAddr::V4(v4_of(hi, lo)),
            _ => IpAddr::V6(v6),
        },
        v4 => v4,
    }
}

impl Targets {
    /// Whether a delivery may connect to `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = as_v4(ip);
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
                as_v4(IpAddr::V6(ip)).is_loopback()
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
        // IPv6 forms that carry a non-public IPv4 address: compatible, mapped, NAT64
        // (well-known and local-use), 6to4, Teredo (server or obfuscated client).
        for bad in [
            "https://[::127.0.0.1]/",
            "https://[::7f00:1]/",
            "https://[::a00:1]/",
            "https://[::ffff:7f00:1]/",
            "https://[::ffff:169.254.169.254]/",
            "https://[64:ff9b::a00:1]/",
            "https://[64:ff9b::127.0.0.1]/",
            "https://[64:ff9b::192.168.0.1]/",
            "https://[64:ff9b:1::808:808]/",
            "https://[2002:a00:1::1]/",
            "https://[2002:7f00:1::]/",
            "https://[2002:c0a8:101::1]/",
            "https://[2001:0:a00:1::1]/",
            "https://[2001:0:4136:e378:8000:63bf:f5ff:fffe]/", // client 10.0.0.1
            "https://[fec0::1]/",
        ] {
            assert!(strict.check_url("url", bad).is_err(), "{bad} was accepted");
        }
        // The same forms around a public IPv4 address, and a plain global IPv6 address.
        for good in [
            "https://[64:ff9b::808:808]/",
            "https://[2002:808:808::1]/",
            "https://[2001:0:4136:e378:8000:63bf:f7f7:f7f7]/", // client 8.8.8.8
            "https://[2606:4700:4700::1111]/",
        ] {
            assert!(strict.check_url("url", good).is_ok(), "{good} was refused");
        }
        let tests = Targets {
            allow_loopback: true,
        };
        // Loopback in an IPv6 form is loopback, allowed only as loopback is.
        assert!(
            tests
                .check_url("url", "http://[::ffff:127.0.0.1]:8080/")
                .is_ok()
        );
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
