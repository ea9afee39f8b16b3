//! Who is on the other end: the socket's peer, or — only when that peer is one of our
//! own proxies (`TRUSTED_PROXIES`) — the address the proxies put in `X-Forwarded-For`.

use std::{
    fmt,
    net::{IpAddr, Ipv6Addr, SocketAddr},
    str::FromStr,
};

use axum::{
    extract::{ConnectInfo, FromRequestParts},
    http::{HeaderMap, request::Parts},
};

use crate::{AppState, error::AppError};

/// An address or a CIDR block: `10.0.0.1`, `10.0.0.0/8`, `2001:db8::/32`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Network {
    addr: IpAddr,
    prefix: u8,
}

impl Network {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                masked(u128::from(net.to_bits()), self.prefix, 32)
                    == masked(u128::from(ip.to_bits()), self.prefix, 32)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                masked(net.to_bits(), self.prefix, 128) == masked(ip.to_bits(), self.prefix, 128)
            }
            _ => false,
        }
    }
}

/// The top `prefix` bits of a `width`-bit address.
fn masked(bits: u128, prefix: u8, width: u8) -> u128 {
    match width.saturating_sub(prefix) {
        0 => bits,
        shift if shift >= 128 => 0,
        shift => bits >> shift,
    }
}

impl FromStr for Network {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = addr
            .parse()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR block"))?;
        let addr = addr.to_canonical();
        let width = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => width,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= width)
                .ok_or_else(|| format!("{s:?} has an invalid prefix length"))?,
        };
        Ok(Network { addr, prefix })
    }
}

impl fmt::Display for Network {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.addr, self.prefix)
    }
}

/// Parses `TRUSTED_PROXIES`: comma-separated addresses or CIDR blocks; empty means none.
pub fn parse_networks(list: &str) -> Result<Vec<Network>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::parse)
        .collect()
}

/// The client's address. The peer is believed unless it is a trusted proxy; then
/// `X-Forwarded-For` is read from the right (each proxy appends the address it saw)
/// and the first address that is not itself a trusted proxy is the client. Anything
/// left of that could be written by the client, so it is never read.
pub fn client_address(peer: IpAddr, headers: &HeaderMap, trusted: &[Network]) -> IpAddr {
    let peer = peer.to_canonical();
    if !trusted.iter().any(|n| n.contains(peer)) {
        return peer;
    }
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        let Some(ip) = parse_hop(hop) else {
            // Garbage from here on leftwards: the nearest proxy is all we know.
            return client;
        };
        client = ip;
        if !trusted.iter().any(|n| n.contains(ip)) {
            return ip;
        }
    }
    client
}

/// An `X-Forwarded-For` entry: an address, possibly with a port.
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>()
        .or_else(|_| hop.parse::<SocketAddr>().map(|s| s.ip()))
        .ok()
        .map(|ip| ip.to_canonical())
}

/// The unit failed logins are counted by: an IPv4 address, or an IPv6 /64 (one
/// household or office gets a whole /64, so single IPv6 addresses are free to rotate).
pub fn bucket(ip: Option<IpAddr>) -> String {
    match ip.map(|ip| ip.to_canonical()) {
        Some(IpAddr::V4(v4)) => v4.to_string(),
        Some(IpAddr::V6(v6)) => {
            let network = Ipv6Addr::from_bits(v6.to_bits() & !((1u128 << 64) - 1));
            format!("{network}/64")
        }
        None => "okänd".into(),
    }
}

/// The client's address, for handlers: `None` when the server runs without connection
/// info (it always has it in `main` and the tests).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

impl ClientIp {
    pub fn of(
        parts_extensions: &axum::http::Extensions,
        headers: &HeaderMap,
        state: &AppState,
    ) -> Self {
        ClientIp(
            parts_extensions
                .get::<ConnectInfo<SocketAddr>>()
                .map(|ConnectInfo(peer)| {
                    client_address(peer.ip(), headers, &state.config.trusted_proxies)
                }),
        )
    }

    pub fn bucket(self) -> String {
        bucket(self.0)
    }
}

impl fmt::Display for ClientIp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0 {
            Some(ip) => write!(f, "{ip}"),
            None => f.write_str("okänd"),
        }
    }
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        Ok(ClientIp::of(&parts.extensions, &parts.headers, state))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).expect("header"));
        }
        h
    }

    #[test]
    fn networks_parse_addresses_and_cidr_blocks_and_refuse_nonsense() {
        let list = parse_networks(" 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,").expect("valid");
        assert_eq!(list.len(), 3);
        assert!(list[0].contains(ip("10.200.1.1")));
        assert!(!list[0].contains(ip("11.0.0.1")));
        assert!(list[1].contains(ip("192.0.2.7")));
        assert!(!list[1].contains(ip("192.0.2.8")));
        assert!(list[2].contains(ip("2001:db8:ffff::1")));
        assert!(!list[2].contains(ip("10.0.0.1")));
        assert!(list[0].contains(ip("::ffff:10.1.2.3")), "IPv4-mapped IPv6");
        assert!(parse_networks("").expect("empty").is_empty());
        assert!(
            "0.0.0.0/0"
                .parse::<Network>()
                .expect("all")
                .contains(ip("8.8.8.8"))
        );
        for bad in ["localhost", "10.0.0.0/33", "2001:db8::/129", "10.0.0.0/x"] {
            assert!(bad.parse::<Network>().is_err(), "{bad}");
        }
    }

    #[test]
    fn forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy() {
        let headers = forwarded(&["203.0.113.9"]);
        assert_eq!(
            client_address(ip("198.51.100.1"), &headers, &[]),
            ip("198.51.100.1")
        );
        let trusted = parse_networks("10.0.0.0/8").expect("valid");
        assert_eq!(
            client_address(ip("198.51.100.1"), &headers, &trusted),
            ip("198.51.100.1"),
            "an untrusted peer's header is not read"
        );
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn the_right_most_address_that_is_not_a_proxy_is_the_client() {
        let trusted = parse_networks("10.0.0.0/8").expect("valid");
        // The client wrote the first entry itself; our proxies appended the rest.
        let headers = forwarded(&["1.2.3.4, 203.0.113.9", "10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &headers, &trusted),
            ip("203.0.113.9")
        );
        let ported = forwarded(&["[2001:db8::7]:4711, 10.0.0.5:80"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &ported, &trusted),
            ip("2001:db8::7")
        );
        let garbage = forwarded(&["203.0.113.9, nonsense, 10.0.0.5"]);
        assert_eq!(
            client_address(ip("10.0.0.2"), &garbage, &trusted),
            ip("10.0.0.5"),
            "unreadable hops stop the walk at the nearest proxy"
        );
        let none = HeaderMap::new();
        assert_eq!(
            client_address(ip("10.0.0.2"), &none, &trusted),
            ip("10.0.0.2")
        );
    }

    #[test]
    fn ipv6_addresses_are_counted_by_their_64_and_ipv4_by_the_address() {
        assert_eq!(bucket(Some(ip("192.0.2.7"))), "192.0.2.7");
        assert_eq!(bucket(Some(ip("::ffff:192.0.2.7"))), "192.0.2.7");
        let a = bucket(Some(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        let b = bucket(Some(ip("2001:db8:1:2::1")));
        assert_eq!(a, "2001:db8:1:2::/64");
        assert_eq!(a, b);
        assert_ne!(a, bucket(Some(ip("2001:db8:1:3::1"))));
        assert_eq!(bucket(None), "okänd");
    }
}
