//! Where the API key comes from: `WANDB_API_KEY`, else `.netrc`, as the official client does.
//! The key stays in the host; the sandboxed component never sees it.

use std::path::PathBuf;

use crate::network::allowlist::Origin;

/// The `.netrc` file the official client reads: `$NETRC`, else `~/.netrc`, else `~/_netrc`.
pub fn netrc_path(get_env: &dyn Fn(&str) -> Option<String>) -> Option<PathBuf> {
    if let Some(p) = get_env("NETRC").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let home = PathBuf::from(get_env("HOME")?);
    [".netrc", "_netrc"]
        .iter()
        .map(|n| home.join(n))
        .find(|p| p.exists())
}

/// The password of `machine <netloc>` in netrc text. `wandb login` writes the netloc of the
/// base URL: `api.wandb.ai`, or `127.0.0.1:8080` when a port is given.
pub fn key_from_netrc(text: &str, base: &Origin) -> Option<String> {
    let parsed = netrc::Netrc::parse(text.as_bytes()).ok()?;
    let wanted = [
        base.host_port(),
        if base.is_default_port() {
            base.host().to_string()
        } else {
            base.host_port()
        },
    ];
    parsed
        .hosts
        .iter()
        .find(|(machine, _)| wanted.iter().any(|w| machine.eq_ignore_ascii_case(w)))
        .and_then(|(_, m)| m.password.clone())
        .filter(|p| !p.is_empty())
}

/// Resolves the key for `base`: the environment first, then `.netrc`.
pub fn resolve_api_key(base: &Origin, get_env: &dyn Fn(&str) -> Option<String>) -> Option<String> {
    if let Some(key) = get_env(wandb_agent_commands::env::API_KEY).filter(|k| !k.trim().is_empty())
    {
        return Some(key.trim().to_string());
    }
    let text = std::fs::read_to_string(netrc_path(get_env)?).ok()?;
    key_from_netrc(&text, base)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn origin(s: &str) -> Origin {
        Origin::parse(s).unwrap()
    }

    const NETRC: &str = "machine api.wandb.ai\n  login user\n  password cloudkey\nmachine 127.0.0.1:8080 login user password localkey\n";

    #[test]
    fn netrc_machine_is_the_base_url_netloc() {
        assert_eq!(
            key_from_netrc(NETRC, &origin("https://api.wandb.ai")).as_deref(),
            Some("cloudkey")
        );
        assert_eq!(
            key_from_netrc(NETRC, &origin("http://127.0.0.1:8080")).as_deref(),
            Some("localkey")
        );
        assert_eq!(
            key_from_netrc(NETRC, &origin("http://127.0.0.1:9999")),
            None
        );
        assert_eq!(
            key_from_netrc("garbage ~~~", &origin("https://api.wandb.ai")),
            None
        );
    }

    #[test]
    fn env_wins_over_netrc() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("netrc");
        std::fs::write(&path, NETRC).unwrap();
        let p = path.to_string_lossy().to_string();
        let with_env = |k: &str| match k {
            "WANDB_API_KEY" => Some("envkey".to_string()),
            "NETRC" => Some(p.clone()),
            _ => None,
        };
        assert_eq!(
            resolve_api_key(&origin("https://api.wandb.ai"), &with_env).as_deref(),
            Some("envkey")
        );
        let netrc_only = |k: &str| (k == "NETRC").then(|| p.clone());
        assert_eq!(
            resolve_api_key(&origin("https://api.wandb.ai"), &netrc_only).as_deref(),
            Some("cloudkey")
        );
        let nothing = |_: &str| None;
        assert_eq!(
            resolve_api_key(&origin("https://api.wandb.ai"), &nothing),
            None
        );
    }
}
