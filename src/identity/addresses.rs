//! Which addresses Digikoord may ask of a provider (its issuer and the endpoints its
//! discovery names): public ones over https, never inside a network.

/// Whether an address is one a server on the internet has: not this machine, a private
/// network, a link-local or shared one, nor any other reserved for special use. A provider
/// on such an address would let whoever configures one make Digikoord ask inside its own
/// network (server-side request forgery).
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b)
        }
    }
}

/// Whether `host` (a URL's) is this machine.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether Digikoord may ask this address of a provider (its issuer, or an endpoint its
/// discovery names): https to a name or a public address. With `allow_local` (tests and
/// development: `OIDC_ALLOW_LOCAL`) also http to this machine. Names are checked again when
/// they are looked up (`oidc`: no private address is connected to).
pub fn reachable(url: &reqwest::Url, allow_local: bool) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .ok();
    let local = is_loopback(host) || ip.is_some_and(|ip| !is_public(ip));
    match url.scheme() {
        "https" => !local || allow_local,
        "http" => allow_local && is_loopback(host),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_inside_a_network_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in ["193.10.0.1", "8.8.8.8", "2001:6b0::1"] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
        let url = |u: &str| reqwest::Url::parse(u).expect("url");
        assert!(reachable(&url("https://login.example.se/x"), false));
        assert!(!reachable(&url("http://login.example.se/x"), false));
        assert!(!reachable(&url("http://login.example.se/x"), true));
        assert!(reachable(&url("http://127.0.0.2:4000/x"), true));
        assert!(!reachable(&url("ftp://login.example.se/x"), true));
    }
}
