//! How the user wrote a URL in `--base-url` or `--allow`: a pure module, no I/O.
//!
//! The URL standard accepts many spellings of one address (`2130706433`, `127.1`,
//! `0177.0.0.1` and `0x7f.0.0.1` are all `127.0.0.1`; `[::ffff:127.0.0.1]` is an IPv4 address
//! in IPv6 clothing; `host.` is `host`; `:028190` is port 28190) and quietly normalises them,
//! so a flag could name something other than what it seems to. Here each such spelling is
//! refused with the canonical form to write instead. User info (`user:password@`) is never
//! repeated back: [`redact`] strips it from any text before it is shown.

use std::net::{IpAddr, Ipv6Addr};

use url::Url;

/// The authority (`[user@]host[:port]`) exactly as written after `scheme://`.
fn written_authority(raw: &str) -> Option<&str> {
    let rest = &raw[raw.find("://")? + 3..];
    let end = rest.find(['/', '?', '#', '\\']).unwrap_or(rest.len());
    Some(&rest[..end])
}

/// Splits a written authority (without user info) into host and port as written.
fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if authority.starts_with('[') {
        return match authority.find(']') {
            Some(close) => {
                let (host, rest) = authority.split_at(close + 1);
                (host, rest.strip_prefix(':'))
            }
            None => (authority, None),
        };
    }
    match authority.split_once(':') {
        Some((host, port)) => (host, Some(port)),
        None => (authority, None),
    }
}

/// Refuses a URL whose host or port is not written the one canonical way; the reason names
/// the form to write. `parsed` is `raw` as the URL parser read it.
pub fn check(raw: &str, parsed: &Url) -> Result<(), String> {
    let Some(authority) = written_authority(raw.trim()) else {
        return Ok(());
    };
    if authority.contains('@') {
        return Err("user info (user:password@) is not allowed in a URL; give the key in WANDB_API_KEY or ~/.netrc".into());
    }
    let (host, port) = split_host_port(authority);
    if let Some(port) = port {
        let canonical = port.trim_start_matches('0');
        if port.len() > 1 && port.starts_with('0') {
            let canonical = if canonical.is_empty() { "0" } else { canonical };
            return Err(format!(
                "the port `{port}` has a leading zero; write it as :{canonical}"
            ));
        }
    }
    if host.contains('*') {
        return Err(format!(
            "`{host}` is a wildcard; name one host (e.g. 127.0.0.1 or api.wandb.ai)"
        ));
    }
    let Some(normal) = parsed.host_str() else {
        return Ok(());
    };
    if let Some(stripped) = host.strip_suffix('.') {
        return Err(format!(
            "the host `{host}` ends with a dot; write it as {}",
            stripped.to_ascii_lowercase()
        ));
    }
    if let Some(v4) = mapped_v4(normal) {
        return Err(format!(
            "`{host}` is an IPv4 address written as IPv6; write it as {v4}"
        ));
    }
    if !host.eq_ignore_ascii_case(normal) {
        return Err(format!(
            "the host `{host}` is not written the canonical way; write it as {normal}"
        ));
    }
    let name_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_');
    if !normal.starts_with('[') && !normal.chars().all(name_char) {
        return Err(format!("`{host}` is not a host name or IP address"));
    }
    Ok(())
}

/// The IPv4 address inside an IPv4-mapped IPv6 literal (`[::ffff:127.0.0.1]`).
fn mapped_v4(host: &str) -> Option<IpAddr> {
    let inner = host.strip_prefix('[')?.strip_suffix(']')?;
    let v6: Ipv6Addr = inner.parse().ok()?;
    v6.to_ipv4_mapped().map(IpAddr::V4)
}

/// `text` with the user info of every URL in it removed (`http://api:KEY@host` →
/// `http://host`): what the user typed may carry a key, and messages must not repeat it.
pub fn redact(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("://") {
        let (before, after) = rest.split_at(at + 3);
        out.push_str(before);
        // The authority ends at the first of these; user info, if any, at its last `@`.
        let end = after
            .find(|c: char| {
                matches!(c, '/' | '?' | '#' | '\\' | '`' | '\'' | '"') || c.is_whitespace()
            })
            .unwrap_or(after.len());
        let authority = &after[..end];
        match authority.rfind('@') {
            Some(userinfo_end) => out.push_str(&authority[userinfo_end + 1..]),
            None => out.push_str(authority),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

/// A URL the user typed (`--base-url`, `--allow`), fit to be repeated in a message: as
/// [`redact`] when it is well formed; when it is not (`http:/api:KEY@host`, `api:KEY@host`),
/// whatever stands before its last `@` after a scheme may be a key and is left out.
pub fn redact_typed(entry: &str) -> String {
    if entry.contains("://") {
        return redact(entry);
    }
    let Some(at) = entry.rfind('@') else {
        return entry.to_string();
    };
    let head = &entry[..at];
    let scheme = head
        .find(':')
        .filter(|&i| {
            i > 0
                && head[..i]
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
                && head[i + 1..].starts_with('/')
        })
        // Kept: the scheme, its colon and the slashes after it.
        .map_or(0, |i| {
            head.len() - head[i + 1..].trim_start_matches('/').len()
        });
    format!("{}…{}", &entry[..scheme], &entry[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(raw: &str) -> Result<(), String> {
        check(raw, &Url::parse(raw).unwrap())
    }

    #[test]
    fn canonical_spellings_pass() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://127.0.0.1:8080/prefix/",
            "https://api.wandb.ai",
            "https://API.WandB.ai:443",
            "http://[::1]:9000",
            "http://[2001:db8::5]",
            "http://localhost:80",
            "http://my_host.internal:8080",
            "http://10.0.0.1:0",
        ] {
            assert_eq!(checked(ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn aliases_of_an_address_name_the_canonical_form() {
        for (raw, canonical) in [
            ("http://2130706433:8080", "write it as 127.0.0.1"),
            ("http://127.1:8080", "write it as 127.0.0.1"),
            ("http://0177.0.0.1:8080", "write it as 127.0.0.1"),
            ("http://0x7f.0.0.1:8080", "write it as 127.0.0.1"),
            ("http://127.000.000.001:8080", "write it as 127.0.0.1"),
            ("http://[0:0:0:0:0:0:0:1]:8080", "write it as [::1]"),
            (
                "http://[::ffff:127.0.0.1]:8080",
                "IPv6; write it as 127.0.0.1",
            ),
            ("http://[::ffff:7f00:1]:8080", "IPv6; write it as 127.0.0.1"),
            (
                "https://api.wandb.ai./",
                "ends with a dot; write it as api.wandb.ai",
            ),
            (
                "http://127.0.0.1.:8080",
                "ends with a dot; write it as 127.0.0.1",
            ),
            (
                "http://127.0.0.1:028190",
                "leading zero; write it as :28190",
            ),
            ("http://127.0.0.1:00", "leading zero; write it as :0"),
            ("http://*:8080", "is a wildcard"),
            ("http://*.wandb.ai", "is a wildcard"),
            (
                "https://bücher.example",
                "write it as xn--bcher-kva.example",
            ),
        ] {
            let err = checked(raw).unwrap_err();
            assert!(err.contains(canonical), "{raw}: {err}");
        }
    }

    #[test]
    fn user_info_is_refused_without_repeating_it() {
        let err = checked("http://api:SECRETKEY@127.0.0.1:8080").unwrap_err();
        assert!(
            err.contains("user info") && !err.contains("SECRETKEY"),
            "{err}"
        );
    }

    #[test]
    fn redaction_strips_user_info_from_every_url() {
        assert_eq!(
            redact("invalid --base-url `http://api:KEY@host:1/x`: bad; also https://u@h.io?q"),
            "invalid --base-url `http://host:1/x`: bad; also https://h.io?q"
        );
        assert_eq!(redact("http://a:b@c@d/e"), "http://d/e");
        assert_eq!(redact("no url here: a@b"), "no url here: a@b");
        assert_eq!(redact("http://host/p@q"), "http://host/p@q");
        assert_eq!(redact("trailing ://"), "trailing ://");
    }

    #[test]
    fn a_malformed_url_typed_with_a_key_keeps_it_out() {
        assert_eq!(
            redact_typed("http:/api:SECRETK@127.0.0.1:8080"),
            "http:/…@127.0.0.1:8080"
        );
        assert_eq!(
            redact_typed("api:SECRETK@127.0.0.1:8080"),
            "…@127.0.0.1:8080"
        );
        assert_eq!(redact_typed("http://api:K@h:1"), "http://h:1");
        assert_eq!(redact_typed("http:127.0.0.1:80"), "http:127.0.0.1:80");
        for typed in [
            "http:/api:SECRETK@h",
            "api:SECRETK@h:1",
            "x:SECRETK@@h",
            "http:SECRETK@h",
        ] {
            assert!(!redact_typed(typed).contains("SECRETK"), "{typed}");
        }
    }
}
