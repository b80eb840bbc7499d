//! Turning flags and the environment into a [`Grant`]: what one call may reach and carry.

use std::time::Duration;

use url::Url;

use crate::allowlist::{Allowlist, Origin};
use crate::cli::Global;
use crate::policy::{Audience, Grant, Limits};
use wandb_agent_commands::exit;

use crate::credentials;
use crate::failure::Failure;
use crate::local::LocalGrant;
use crate::written;

pub fn from_flags(
    global: &Global,
    get_env: &dyn Fn(&str) -> Option<String>,
) -> Result<Grant, Failure> {
    let base_url = global.base_url.trim().trim_end_matches('/').to_string();
    // What the user typed may carry a key (`http://api:KEY@host`): never repeated back.
    let invalid = |reason: &dyn std::fmt::Display| {
        Failure::new(
            exit::USAGE,
            format!(
                "invalid --base-url `{}`: {reason}",
                written::redact(&base_url)
            ),
        )
    };
    let parsed = Url::parse(&base_url).map_err(|e| invalid(&e))?;
    written::check(&base_url, &parsed).map_err(|reason| invalid(&reason))?;
    let base_origin = Origin::of_url(&parsed).map_err(|reason| invalid(&reason))?;
    let authorization =
        credentials::resolve_api_key(&base_origin, get_env).map(|key| basic_auth(&key));
    build(
        global,
        base_url,
        base_origin,
        authorization,
        get_env("WANDB_ENTITY"),
    )
}

/// A grant for an explicit base URL and key (the demo uses this).
pub fn build(
    global: &Global,
    base_url: String,
    base_origin: Origin,
    authorization: Option<String>,
    entity: Option<String>,
) -> Result<Grant, Failure> {
    let mut origins = vec![base_origin.clone()];
    origins.extend(storage_origin(&base_origin));
    for entry in &global.allow {
        origins.push(Origin::parse(entry).map_err(|e| Failure::new(exit::USAGE, e.to_string()))?);
    }
    if global.timeout == 0 {
        return Err(Failure::new(
            exit::USAGE,
            "--timeout must be at least 1 second",
        ));
    }
    Ok(Grant {
        base_url,
        base_origin,
        allowlist: Allowlist::new(origins),
        authorization,
        entity: entity.filter(|e| !e.trim().is_empty()),
        audience: Audience::Cli,
        local: Vec::new(),
        limits: Limits {
            max_memory_bytes: global.max_memory_mb.saturating_mul(1 << 20),
            timeout: Duration::from_secs(global.timeout),
            max_requests: global.max_requests,
            max_response_bytes: global.max_response_mb.saturating_mul(1 << 20),
            connect_timeout: Duration::from_secs(global.connect_timeout),
            io_timeout: Duration::from_secs(global.io_timeout),
            retries: global.retries,
            max_output_tokens: Some(global.max_output_tokens).filter(|&n| n > 0),
        },
    })
}

/// A call on runs on disk: the named directories, read-only, and nothing else. No origin is
/// allowed (the component can make no request) and no API key is looked for: a local call
/// works with no network and no account.
pub fn local_only(global: &Global, dirs: Vec<LocalGrant>) -> Result<Grant, Failure> {
    let origin = Origin::parse(SAAS_API).map_err(|e| Failure::new(exit::USAGE, e.to_string()))?;
    let mut grant = build(global, SAAS_API.to_string(), origin, None, None)?;
    grant.allowlist = Allowlist::new(Vec::new());
    grant.local = dirs;
    Ok(grant)
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

    /// The grant the command line gives for `base_url`, with a key in the environment.
    fn grant(base_url: &str) -> Grant {
        use clap::Parser;
        let cli = crate::cli::Cli::try_parse_from([
            "wandb-agent",
            "--base-url",
            base_url,
            "summary",
            "e/p/r",
        ])
        .unwrap();
        let env = |k: &str| (k == "WANDB_API_KEY").then(|| "k".repeat(40));
        from_flags(&cli.global, &env).unwrap()
    }

    #[test]
    fn saas_reads_run_files_from_its_storage_without_credentials() {
        let g = grant("https://api.wandb.ai");
        let storage = Origin::parse("https://storage.googleapis.com").unwrap();
        assert!(g.allowlist.allows(&storage));
        // Credentials go to the base origin only (outbound.rs compares with it).
        assert!(g.authorization.is_some());
        assert_eq!(
            g.base_origin,
            Origin::parse("https://api.wandb.ai").unwrap()
        );
        assert_ne!(g.base_origin, storage);
        // Only that origin: not plain http, not another port, not another bucket host.
        for other in [
            "http://storage.googleapis.com",
            "https://storage.googleapis.com:8443",
            "https://wandb-production.s3.amazonaws.com",
        ] {
            assert!(
                !g.allowlist.allows(&Origin::parse(other).unwrap()),
                "{other}"
            );
        }
        // Another server (a local W&B, the emulator) allows nothing beyond its own origin.
        let local = grant("http://127.0.0.1:8080");
        assert!(!local.allowlist.allows(&storage));
        assert!(local
            .allowlist
            .allows(&Origin::parse("http://127.0.0.1:8080").unwrap()));
    }
}
