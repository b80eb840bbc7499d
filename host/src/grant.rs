//! Turning flags and the environment into a [`Grant`]: what one call may reach and carry.

use std::time::Duration;

use url::Url;

use crate::allowlist::{Allowlist, Origin};
use crate::cli::Global;
use crate::policy::{Audience, Grant, Limits};
use wandb_agent_commands::exit;

use crate::credentials;
use crate::failure::Failure;

pub fn from_flags(
    global: &Global,
    get_env: &dyn Fn(&str) -> Option<String>,
) -> Result<Grant, Failure> {
    let base_url = global.base_url.trim().trim_end_matches('/').to_string();
    let parsed = Url::parse(&base_url)
        .map_err(|e| Failure::new(exit::USAGE, format!("invalid --base-url `{base_url}`: {e}")))?;
    let base_origin = Origin::of_url(&parsed).map_err(|reason| {
        Failure::new(
            exit::USAGE,
            format!("invalid --base-url `{base_url}`: {reason}"),
        )
    })?;
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
