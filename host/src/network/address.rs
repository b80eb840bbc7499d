//! Which resolved addresses an allowed origin may reach: a pure module, no I/O.
//!
//! An allowlist entry names a host. When that is an IP literal or `localhost`, the user chose
//! the address and it is used as is (the demo and tests run on 127.0.0.1). When it is a name,
//! DNS decides, and DNS can be made to answer with an address inside the user's network
//! (DNS rebinding): only public addresses are used for names, and the answer is pinned for
//! the whole call ([`super::connect`]), so a second lookup cannot change it.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

/// How an allowlisted host was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostKind {
    /// An IP literal: `127.0.0.1`, `[::1]`.
    Literal(IpAddr),
    /// `localhost` itself.
    Localhost,
    /// Any other name: resolved, and only public answers used.
    Name,
}

/// Classifies an origin's host as written (IPv6 literals in brackets).
pub fn kind(host: &str) -> HostKind {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return HostKind::Literal(ip);
    }
    if host.eq_ignore_ascii_case("localhost") {
        return HostKind::Localhost;
    }
    HostKind::Name
}

/// Whether an address is on the public internet: not loopback, private, link-local, shared
/// (CGNAT), unspecified, multicast, broadcast, documentation or reserved; IPv4-mapped and
/// NAT64 IPv6 addresses are judged by the IPv4 address inside.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240) // reserved
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    let s = ip.segments();
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6] == [0, 0, 0, 0] {
        // NAT64: the IPv4 address in the last 32 bits.
        let v4 = Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8);
        return is_public_v4(v4);
    }
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local
        || (s[0] & 0xffc0) == 0xfe80 // link-local
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
        || s[..6] == [0, 0, 0, 0, 0, 0]) // IPv4-compatible (deprecated)
}

/// The addresses a request to a host of `kind` may connect to, among those it resolved to.
/// `Err` carries the first refused address when a name resolved only to non-public ones.
pub fn usable(kind: HostKind, resolved: &[SocketAddr]) -> Result<Vec<SocketAddr>, SocketAddr> {
    match kind {
        HostKind::Literal(_) | HostKind::Localhost => Ok(resolved.to_vec()),
        HostKind::Name => {
            let public: Vec<SocketAddr> = resolved
                .iter()
                .copied()
                .filter(|a| is_public(a.ip()))
                .collect();
            match (public.is_empty(), resolved.first()) {
                (true, Some(first)) => Err(*first),
                _ => Ok(public),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn hosts_are_classified_as_written() {
        assert_eq!(kind("127.0.0.1"), HostKind::Literal(ip("127.0.0.1")));
        assert_eq!(kind("[::1]"), HostKind::Literal(ip("::1")));
        assert_eq!(kind("LocalHost"), HostKind::Localhost);
        assert_eq!(kind("api.wandb.ai"), HostKind::Name);
        assert_eq!(kind("localhost.evil.example"), HostKind::Name);
    }

    #[test]
    fn private_and_special_addresses_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "192.0.2.1",
            "198.18.0.1",
            "240.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "2001:db8::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "::127.0.0.1",
        ] {
            assert!(!is_public(ip(private)), "{private}");
        }
        for public in [
            "35.186.224.25",
            "8.8.8.8",
            "172.32.0.1",
            "100.128.0.1",
            "2606:4700::1111",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert!(is_public(ip(public)), "{public}");
        }
    }

    #[test]
    fn names_use_only_their_public_answers() {
        let at = |s: &str| SocketAddr::new(ip(s), 443);
        let mixed = [at("10.0.0.5"), at("35.186.224.25")];
        assert_eq!(
            usable(HostKind::Name, &mixed),
            Ok(vec![at("35.186.224.25")])
        );
        assert_eq!(
            usable(HostKind::Name, &[at("127.0.0.1"), at("::1")]),
            Err(at("127.0.0.1"))
        );
        // Written by the user as an address or as localhost: used as given.
        let loopback = [at("127.0.0.1")];
        assert_eq!(
            usable(HostKind::Localhost, &loopback),
            Ok(loopback.to_vec())
        );
        assert_eq!(
            usable(HostKind::Literal(ip("127.0.0.1")), &loopback),
            Ok(loopback.to_vec())
        );
        assert_eq!(usable(HostKind::Name, &[]), Ok(vec![]));
    }
}
