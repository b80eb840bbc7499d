//! The outbound HTTP allowlist: a pure type, no wasmtime in sight.
//!
//! An entry is an origin, `scheme://host[:port]`. A request is allowed only when its scheme,
//! host (compared case-insensitively, after the URL standard's normalisation) and port (the
//! scheme's default when absent) equal an entry's. Everything else is denied. Names are not
//! resolved: `localhost`, `127.0.0.1` and `[::1]` are three different entries.

use std::fmt;

use url::Url;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid allowlist entry `{entry}`: {reason}; write it as scheme://host[:port], e.g. https://api.wandb.ai")]
pub struct OriginError {
    entry: String,
    reason: String,
}

impl Origin {
    /// Parses an allowlist entry. Only `http` and `https`; no user info, path, query or fragment.
    pub fn parse(entry: &str) -> Result<Origin, OriginError> {
        let fail = |reason: &str| OriginError {
            entry: super::written::redact_typed(entry),
            reason: reason.to_string(),
        };
        let url = Url::parse(entry.trim()).map_err(|e| fail(&e.to_string()))?;
        super::written::check(entry, &url).map_err(|reason| fail(&reason))?;
        if url.path() != "/" && !url.path().is_empty() {
            return Err(fail("an origin has no path"));
        }
        if url.query().is_some() || url.fragment().is_some() {
            return Err(fail("an origin has no query or fragment"));
        }
        Origin::of_url(&url).map_err(|reason| fail(&reason))
    }

    /// The origin of a full URL such as a base URL (its path is ignored).
    pub fn of_url(url: &Url) -> Result<Origin, String> {
        let scheme = url.scheme().to_string();
        if scheme != "http" && scheme != "https" {
            return Err(format!("scheme `{scheme}` is not http or https"));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err("user info (user:password@) is not allowed".into());
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or("no host")?
            .to_ascii_lowercase();
        let port = url.port_or_known_default().ok_or("no port")?;
        Ok(Origin { scheme, host, port })
    }

    /// The origin of an outbound request's scheme and authority (`host[:port]`).
    /// `None` when the authority is malformed, carries user info, or spells its host or port
    /// in a non-canonical way (`127.1`, `2130706433`, `[0:0::1]`, `:08080`): such aliases are
    /// refused rather than normalised, so what is checked is exactly what is written.
    pub fn of_request(scheme: &str, authority: &str) -> Option<Origin> {
        if authority.contains('@') || authority.is_empty() {
            return None;
        }
        let url = Url::parse(&format!("{scheme}://{authority}/")).ok()?;
        let written = match authority.strip_prefix('[') {
            Some(rest) => format!("[{}]", rest.split(']').next()?),
            None => authority.split(':').next()?.to_string(),
        };
        if !url.host_str()?.eq_ignore_ascii_case(&written) {
            return None;
        }
        // `:08080` is port 8080 to the URL parser but not to every server: one spelling only.
        let port = authority[written.len()..].trim_start_matches(':');
        if port.len() > 1 && port.starts_with('0') {
            return None;
        }
        Origin::of_url(&url).ok()
    }

    /// `host:port` with the port always present: how `.netrc` and messages name the server.
    pub fn host_port(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn is_https(&self) -> bool {
        self.scheme == "https"
    }

    pub fn is_default_port(&self) -> bool {
        matches!(
            (self.scheme.as_str(), self.port),
            ("http", 80) | ("https", 443)
        )
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}:{}", self.scheme, self.host, self.port)
    }
}

/// A deny-by-default set of origins.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Allowlist {
    origins: Vec<Origin>,
}

impl Allowlist {
    pub fn new(origins: impl IntoIterator<Item = Origin>) -> Allowlist {
        Allowlist {
            origins: origins.into_iter().collect(),
        }
    }

    pub fn allows(&self, origin: &Origin) -> bool {
        self.origins.contains(origin)
    }

    /// The origin of a request with this scheme and authority, when it may leave the sandbox.
    pub fn admit(&self, scheme: &str, authority: &str) -> Option<Origin> {
        Origin::of_request(scheme, authority).filter(|o| self.allows(o))
    }

    #[cfg(test)]
    pub fn origins(&self) -> &[Origin] {
        &self.origins
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(entries: &[&str]) -> Allowlist {
        Allowlist::new(entries.iter().map(|e| Origin::parse(e).unwrap()))
    }

    #[test]
    fn default_ports_by_scheme() {
        let a = list(&["https://api.wandb.ai"]);
        assert!(a.admit("https", "api.wandb.ai").is_some());
        assert!(a.admit("https", "api.wandb.ai:443").is_some());
        assert!(a.admit("https", "api.wandb.ai:8443").is_none());
        assert!(a.admit("http", "api.wandb.ai").is_none());
        assert!(a.admit("http", "api.wandb.ai:443").is_none());
    }

    #[test]
    fn explicit_ports_must_match() {
        let a = list(&["http://127.0.0.1:8080"]);
        assert!(a.admit("http", "127.0.0.1:8080").is_some());
        assert!(a.admit("http", "127.0.0.1").is_none());
        assert!(a.admit("http", "127.0.0.1:8081").is_none());
    }

    #[test]
    fn host_case_insensitive_but_names_not_resolved() {
        let a = list(&["https://API.WandB.ai"]);
        assert!(a.admit("https", "api.wandb.ai").is_some());
        assert!(a.admit("https", "Api.Wandb.AI:443").is_some());
        let local = list(&["http://127.0.0.1:80"]);
        assert!(local.admit("http", "localhost").is_none());
        assert!(local.admit("http", "[::1]").is_none());
        assert!(local.admit("http", "evil.example").is_none());
    }

    #[test]
    fn ipv6_literals() {
        let a = list(&["http://[::1]:9000"]);
        assert!(a.admit("http", "[::1]:9000").is_some());
        assert!(
            a.admit("http", "[0:0:0:0:0:0:0:1]:9000").is_none(),
            "non-canonical spelling"
        );
        assert!(a.admit("http", "127.0.0.1:9000").is_none());
    }

    #[test]
    fn ip_aliases_are_refused() {
        let a = list(&["http://127.0.0.1:8080"]);
        for alias in [
            "127.1:8080",
            "2130706433:8080",
            "0x7f.0.0.1:8080",
            "0177.0.0.1:8080",
            "127.000.000.001:8080",
            "[::ffff:127.0.0.1]:8080",
            "0.0.0.0:8080",
            "127.0.0.2:8080",
            "127.0.0.1:08080",
            "127.0.0.1:008080",
        ] {
            assert!(a.admit("http", alias).is_none(), "{alias}");
        }
    }

    #[test]
    fn deny_by_default_and_user_info_rejected() {
        assert!(Allowlist::default()
            .admit("https", "api.wandb.ai")
            .is_none());
        let a = list(&["https://api.wandb.ai"]);
        assert!(a.admit("https", "user:pw@api.wandb.ai").is_none());
        assert!(a.admit("https", "api.wandb.ai@evil.example").is_none());
        assert!(a.admit("https", "").is_none());
        assert!(a.admit("ftp", "api.wandb.ai").is_none());
    }

    #[test]
    fn bad_entries_say_what_to_write() {
        for bad in [
            "api.wandb.ai",
            "ftp://x.org",
            "https://u:p@x.org",
            "https://x.org/path",
            "https://x.org/?q",
            "https://",
            "http://2130706433:8080",
            "http://*:8080",
            "http://127.0.0.1:08080",
            "http://[::ffff:127.0.0.1]:8080",
            "https://x.org.",
        ] {
            let err = Origin::parse(bad).unwrap_err().to_string();
            assert!(err.contains("scheme://host[:port]"), "{bad}: {err}");
        }
        let err = Origin::parse("https://api:SECRET@x.org")
            .unwrap_err()
            .to_string();
        assert!(
            !err.contains("SECRET") && err.contains("`https://x.org`"),
            "{err}"
        );
        let err = Origin::parse("http://127.1:8080").unwrap_err().to_string();
        assert!(err.contains("write it as 127.0.0.1"), "{err}");
        assert!(Origin::parse("https://x.org/").is_ok());
    }

    #[test]
    fn base_url_origin_ignores_path() {
        let url = Url::parse("http://127.0.0.1:8080/prefix/").unwrap();
        let o = Origin::of_url(&url).unwrap();
        assert_eq!(o.to_string(), "http://127.0.0.1:8080");
        assert_eq!(o.host_port(), "127.0.0.1:8080");
    }
}

/// Property-based fuzzing of allowlist entries and request authorities (run longer with
/// `PROPTEST_CASES=200000 cargo test --release -p wandb-agent --bin wandb-agent fuzz`).
#[cfg(test)]
mod fuzz {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn fuzz_entries_never_panic(entry in ".{0,60}") {
            let _ = Origin::parse(&entry);
        }

        #[test]
        fn fuzz_allowed_requests_match_an_entry_exactly(scheme in "(http|https|ftp|HTTP)", authority in "[a-zA-Z0-9.:\\[\\]@%-]{0,30}") {
            let list = Allowlist::new([Origin::parse("http://127.0.0.1:8080").unwrap(), Origin::parse("https://api.wandb.ai").unwrap()]);
            if list.admit(&scheme, &authority).is_some() {
                let origin = Origin::of_request(&scheme, &authority).unwrap();
                prop_assert!(list.origins().contains(&origin));
                prop_assert!(!authority.contains('@'));
            }
        }
    }
}
