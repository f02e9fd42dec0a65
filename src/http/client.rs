//! The client's address, for throttling failed sign-ins. Behind a load balancer the
//! TCP peer is the balancer, so requests from a configured trusted proxy name the
//! client in `Forwarded` (RFC 7239) or, failing that, `X-Forwarded-For`. Those headers
//! are read only from trusted proxies: anyone else could write them.

use actix_web::HttpRequest;
use actix_web::http::header;
use ipnet::IpNet;
use std::net::{IpAddr, SocketAddr};

/// [`client_address`] as text, the way `IpAddr`'s `Display` writes it. An IPv4 address
/// is written digit by digit: the formatter took 1,400 instructions a request.
pub fn client_text(req: &HttpRequest, trusted: &[IpNet]) -> Option<String> {
    Some(match client_address(req, trusted)? {
        IpAddr::V4(v4) => {
            let mut text = String::with_capacity(15);
            for (i, octet) in v4.octets().into_iter().enumerate() {
                if i > 0 {
                    text.push('.');
                }
                if octet >= 100 {
                    text.push(char::from(b'0' + octet / 100));
                }
                if octet >= 10 {
                    text.push(char::from(b'0' + octet / 10 % 10));
                }
                text.push(char::from(b'0' + octet % 10));
            }
            text
        }
        ip => ip.to_string(),
    })
}

/// The address a request comes from: the TCP peer, or when the peer is a trusted
/// proxy, the nearest address in its forwarding chain that is not a trusted proxy.
pub fn client_address(req: &HttpRequest, trusted: &[IpNet]) -> Option<IpAddr> {
    let peer = req.peer_addr()?.ip();
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return Some(peer);
    }
    // From the nearest hop back towards the client, past every trusted proxy.
    let mut client = peer;
    for hop in forwarded_chain(req).into_iter().rev() {
        let Some(ip) = hop else {
            break; // "unknown" or an obfuscated name: go no further
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    Some(client)
}

/// The addresses the forwarding headers list, client first; `None` for a hop that
/// names no address.
fn forwarded_chain(req: &HttpRequest) -> Vec<Option<IpAddr>> {
    let values = |name: &str| -> Vec<String> {
        req.headers()
            .get_all(name)
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(|v| v.trim().to_owned())
            .collect()
    };
    let forwarded = values(header::FORWARDED.as_str());
    if !forwarded.is_empty() {
        return forwarded
            .iter()
            .map(|element| {
                element
                    .split(';')
                    .filter_map(|pair| pair.split_once('='))
                    .find(|(key, _)| key.trim().eq_ignore_ascii_case("for"))
                    .and_then(|(_, node)| parse_node(node))
            })
            .collect();
    }
    values("x-forwarded-for")
        .iter()
        .map(|node| parse_node(node))
        .collect()
}

/// An address as a forwarding header writes it: `192.0.2.1`, `"192.0.2.1:4711"`,
/// `"[2001:db8::1]:4711"`, `2001:db8::1`.
fn parse_node(raw: &str) -> Option<IpAddr> {
    let node = raw.trim().trim_matches('"');
    node.parse::<IpAddr>()
        .ok()
        .or_else(|| node.parse::<SocketAddr>().ok().map(|s| s.ip()))
        .or_else(|| {
            node.strip_prefix('[')
                .and_then(|rest| rest.split_once(']'))
                .and_then(|(ip, _)| ip.parse().ok())
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_address_is_written_as_display_writes_it() {
        for text in [
            "0.0.0.0",
            "127.0.0.1",
            "10.20.100.255",
            "203.0.113.7",
            "::1",
            "2001:db8::1",
        ] {
            let peer: std::net::SocketAddr = match text.contains(':') {
                true => format!("[{text}]:9"),
                false => format!("{text}:9"),
            }
            .parse()
            .unwrap();
            let req = actix_web::test::TestRequest::default()
                .peer_addr(peer)
                .to_http_request();
            assert_eq!(super::client_text(&req, &[]).as_deref(), Some(text));
        }
        for octet in 0..=255u8 {
            let ip = std::net::Ipv4Addr::new(octet, 0, octet, 9);
            let req = actix_web::test::TestRequest::default()
                .peer_addr((ip, 1).into())
                .to_http_request();
            assert_eq!(super::client_text(&req, &[]), Some(ip.to_string()));
        }
    }

    use super::*;
    use actix_web::test::TestRequest;

    fn net(raw: &str) -> IpNet {
        crate::config::parse_proxy(raw).unwrap()
    }

    fn ip(raw: &str) -> IpAddr {
        raw.parse().unwrap()
    }

    #[test]
    fn forwarding_headers_count_only_from_trusted_proxies() {
        let peer = "10.0.0.5:40000".parse().unwrap();
        let trusted = [net("10.0.0.0/8")];
        let req = |name: &str, value: &str| {
            TestRequest::default()
                .peer_addr(peer)
                .insert_header((name, value))
                .to_http_request()
        };
        let from_lb = req("x-forwarded-for", "203.0.113.7, 10.0.0.9");
        assert_eq!(client_address(&from_lb, &trusted), Some(ip("203.0.113.7")));
        assert_eq!(
            client_address(&from_lb, &[]),
            Some(ip("10.0.0.5")),
            "no trusted proxy: the header is ignored"
        );
        let spoofed = req("x-forwarded-for", "198.51.100.1, 203.0.113.7");
        assert_eq!(
            client_address(&spoofed, &trusted),
            Some(ip("203.0.113.7")),
            "what the client wrote itself, left of the first untrusted hop, is ignored"
        );
        let rfc = req(
            "forwarded",
            "for=\"[2001:db8::1]:4711\";proto=https, for=10.0.0.9",
        );
        assert_eq!(client_address(&rfc, &trusted), Some(ip("2001:db8::1")));
        let hidden = req("forwarded", "for=_hidden, for=10.0.0.9");
        assert_eq!(client_address(&hidden, &trusted), Some(ip("10.0.0.9")));
    }

    #[test]
    fn proxies_are_addresses_or_networks() {
        assert!(net("10.0.0.5").contains(&ip("10.0.0.5")));
        assert!(net("10.0.0.0/8").contains(&ip("10.1.2.3")));
        assert!(crate::config::parse_proxy("a proxy").is_err());
    }
}
