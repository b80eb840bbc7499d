//! What one call may reach and carry: the [`Grant`] (`policy`), built here from the plain
//! [`Settings`] the command line fills and the environment; `credentials` finds the W&B key.

pub mod credentials;
pub mod local;
pub mod policy;

use std::time::Duration;

use url::Url;

use crate::network::allowlist::{Allowlist, Origin};
use crate::network::written;
use policy::{Audience, Grant, Limits};

/// What the user asked for, as plain values (the command line's flags, without clap).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The W&B base URL as typed.
    pub base_url: String,
    /// More origins to allow (no credentials sent).
    pub allow: Vec<String>,
    /// Seconds a call may take.
    pub timeout: u64,
    pub max_memory_mb: usize,
    pub max_requests: u32,
    pub max_response_mb: u64,
    /// Seconds to wait for a connection.
    pub connect_timeout: u64,
    /// Seconds to wait for response bytes.
    pub io_timeout: u64,
    pub retries: u32,
    /// Most o200k tokens per output; 0 = no limit.
    pub max_output_tokens: u32,
}

/// Settings that cannot make a grant: a usage error, one line that names the setting.
#[derive(Debug)]
pub struct Invalid(pub String);

impl std::fmt::Display for Invalid {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

pub fn from_settings(
    settings: &Settings,
    get_env: &dyn Fn(&str) -> Option<String>,
) -> Result<Grant, Invalid> {
    let base_url = settings.base_url.trim().trim_end_matches('/').to_string();
    // What the user typed may carry a key (`http://api:KEY@host`): never repeated back.
    let invalid = |reason: &dyn std::fmt::Display| {
        Invalid(format!(
            "invalid --base-url `{}`: {reason}",
            written::redact_typed(&base_url)
        ))
    };
    let parsed = Url::parse(&base_url).map_err(|e| invalid(&e))?;
    written::check(&base_url, &parsed).map_err(|reason| invalid(&reason))?;
    let base_origin = Origin::of_url(&parsed).map_err(|reason| invalid(&reason))?;
    let authorization =
        credentials::resolve_api_key(&base_origin, get_env).map(|key| basic_auth(&key));
    build(
        settings,
        base_url,
        base_origin,
        authorization,
        // Read from our environment under the name the component knows it by.
        get_env(wandb_agent_commands::env::ENTITY),
    )
}

/// A grant for an explicit base URL and key (the demo uses this).
pub fn build(
    settings: &Settings,
    base_url: String,
    base_origin: Origin,
    authorization: Option<String>,
    entity: Option<String>,
) -> Result<Grant, Invalid> {
    let mut origins = vec![base_origin.clone()];
    origins.extend(storage_origin(&base_origin));
    for entry in &settings.allow {
        origins.push(Origin::parse(entry).map_err(|e| Invalid(e.to_string()))?);
    }
    if settings.timeout == 0 {
        return Err(Invalid("--timeout must be at least 1 second".into()));
    }
    Ok(Grant {
        base_url,
        base_origin,
        allowlist: Allowlist::new(origins),
        authorization,
        entity: entity.filter(|e| !e.trim().is_empty()),
        audience: Audience::Cli,
        local: Vec::new(),
        runs_dir: None,
        limits: Limits {
            max_memory_bytes: settings.max_memory_mb.saturating_mul(1 << 20),
            timeout: Duration::from_secs(settings.timeout),
            max_requests: settings.max_requests,
            max_response_bytes: settings.max_response_mb.saturating_mul(1 << 20),
            connect_timeout: Duration::from_secs(settings.connect_timeout),
            io_timeout: Duration::from_secs(settings.io_timeout),
            retries: settings.retries,
            max_output_tokens: Some(settings.max_output_tokens).filter(|&n| n > 0),
        },
    })
}

/// A call on runs on disk: the named directories, read-only, and nothing else. No origin is
/// allowed (the component can make no request) and no API key is looked for: a local call
/// works with no network and no account.
pub fn local_only(settings: &Settings, dirs: Vec<local::LocalGrant>) -> Result<Grant, Invalid> {
    let origin = Origin::parse(SAAS_API).map_err(|e| Invalid(e.to_string()))?;
    let grant = build(settings, SAAS_API.to_string(), origin, None, None)?;
    Ok(narrowed_to(&grant, dirs))
}

/// `grant` narrowed to a call on runs on disk: the directories, and no origin, no key.
pub fn narrowed_to(grant: &Grant, dirs: Vec<local::LocalGrant>) -> Grant {
    Grant {
        allowlist: Allowlist::new(Vec::new()),
        authorization: None,
        local: dirs,
        ..grant.clone()
    }
}

/// W&B SaaS's API, and where its pre-signed run-file URLs point (docs/wandb-wire.md, "Run
/// files"): `logs` reads a log file's tail there when a run has no streamed console lines.
const SAAS_API: &str = "https://api.wandb.ai";
const SAAS_STORAGE: &str = "https://storage.googleapis.com";

/// The run-file storage allowed by default with `base`: Google Cloud Storage for W&B SaaS,
/// nothing for other servers (name yours with `--allow`). Never with credentials: only the
/// base origin gets them.
fn storage_origin(base: &Origin) -> Option<Origin> {
    let saas = Origin::parse(SAAS_API).ok()?;
    (*base == saas).then(|| Origin::parse(SAAS_STORAGE).ok())?
}

/// `Basic base64("api:" + key)`, as the official client sends it.
pub fn basic_auth(key: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("api:{key}"))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saas_allows_its_storage_and_other_servers_nothing_more() {
        let saas = Origin::parse("https://api.wandb.ai").unwrap();
        assert_eq!(
            storage_origin(&saas),
            Some(Origin::parse("https://storage.googleapis.com").unwrap())
        );
        let local = Origin::parse("http://127.0.0.1:8080").unwrap();
        assert_eq!(storage_origin(&local), None);
    }
}
