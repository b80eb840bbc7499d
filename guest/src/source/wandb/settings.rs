//! What the component learns from its environment (given by the host, never ambient).

use wandb_agent_commands::{ceiling, env};

use crate::error::{AgentError, Result};

pub const DEFAULT_BASE_URL: &str = "https://api.wandb.ai";

#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// `scheme://host[:port]` plus an optional path prefix, without a trailing `/`.
    pub base_url: String,
    pub default_entity: Option<String>,
    /// Only in hosts that do not inject credentials themselves.
    pub api_key: Option<String>,
    /// Retries after a failed attempt (`WANDB_AGENT_RETRIES`, default 3).
    pub retries: u32,
    /// The most o200k tokens an output may have (`WANDB_AGENT_MAX_OUTPUT_TOKENS`, default
    /// 4000); `None` when the host lifts it (`0`).
    pub max_output_tokens: Option<u32>,
    /// The call's time limit in seconds (`WANDB_AGENT_TIMEOUT`), when the host gives one.
    pub time_limit_s: Option<u64>,
}

impl Settings {
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Settings> {
        let base_url = get(env::BASE_URL)
            .filter(|s| !s.trim().is_empty())
            .unwrap_or_else(|| DEFAULT_BASE_URL.to_string());
        let base_url = base_url.trim().trim_end_matches('/').to_string();
        if !(base_url.starts_with("http://") || base_url.starts_with("https://")) {
            return Err(AgentError::BadInput(format!(
                "{} `{base_url}` must start with http:// or https://",
                env::BASE_URL
            )));
        }
        let non_empty = |k: &str| get(k).filter(|v| !v.trim().is_empty());
        let retries = match non_empty(env::RETRIES) {
            None => crate::source::wandb::retry::RetryPolicy::default().max_retries,
            Some(text) => text.trim().parse().map_err(|_| {
                AgentError::BadInput(format!("{} `{text}` must be a whole number", env::RETRIES))
            })?,
        };
        let max_output_tokens =
            ceiling::parse(get(env::MAX_OUTPUT_TOKENS).as_deref()).map_err(AgentError::BadInput)?;
        let time_limit_s = match non_empty(env::TIMEOUT) {
            None => None,
            Some(text) => Some(text.trim().parse().map_err(|_| {
                AgentError::BadInput(format!(
                    "{} `{text}` must be a whole number of seconds",
                    env::TIMEOUT
                ))
            })?),
        };
        Ok(Settings {
            retries,
            max_output_tokens,
            time_limit_s,
            base_url,
            default_entity: non_empty(env::ENTITY),
            api_key: non_empty(env::API_KEY),
        })
    }

    pub fn from_env() -> Result<Settings> {
        Settings::from_lookup(|k| std::env::var(k).ok())
    }

    pub fn graphql_url(&self) -> String {
        format!("{}/graphql", self.base_url)
    }

    /// The server as named in messages: its host and port.
    pub fn server_name(&self) -> &str {
        let after_scheme = self
            .base_url
            .split_once("://")
            .map_or(&*self.base_url, |(_, r)| r);
        after_scheme.split('/').next().unwrap_or(after_scheme)
    }

    /// `Basic base64("api:" + key)`, as the official client sends it.
    pub fn authorization(&self) -> Option<String> {
        use base64::Engine;
        self.api_key.as_ref().map(|key| {
            let token = base64::engine::general_purpose::STANDARD.encode(format!("api:{key}"));
            format!("Basic {token}")
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> Result<Settings> {
        let owned: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(move |k| {
            owned
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn defaults_and_trimming() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.graphql_url(), "https://api.wandb.ai/graphql");
        assert_eq!(s.server_name(), "api.wandb.ai");
        let s = settings(&[
            ("WANDB_BASE_URL", "http://127.0.0.1:8080/"),
            ("WANDB_ENTITY", ""),
        ])
        .unwrap();
        assert_eq!(s.graphql_url(), "http://127.0.0.1:8080/graphql");
        assert_eq!(s.server_name(), "127.0.0.1:8080");
        assert_eq!(s.default_entity, None);
        assert_eq!(s.retries, 3);
        assert_eq!(
            settings(&[("WANDB_AGENT_RETRIES", "0")]).unwrap().retries,
            0
        );
        assert!(matches!(
            settings(&[("WANDB_AGENT_RETRIES", "many")]),
            Err(AgentError::BadInput(_))
        ));
    }

    #[test]
    fn the_output_ceiling_defaults_and_lifts() {
        assert_eq!(settings(&[]).unwrap().max_output_tokens, Some(4000));
        let lifted = settings(&[("WANDB_AGENT_MAX_OUTPUT_TOKENS", "0")]).unwrap();
        assert_eq!(lifted.max_output_tokens, None);
        let raised = settings(&[("WANDB_AGENT_MAX_OUTPUT_TOKENS", "20000")]).unwrap();
        assert_eq!(raised.max_output_tokens, Some(20000));
        assert!(matches!(
            settings(&[("WANDB_AGENT_MAX_OUTPUT_TOKENS", "much")]),
            Err(AgentError::BadInput(_))
        ));
    }

    #[test]
    fn rejects_non_http_base_url() {
        assert!(matches!(
            settings(&[("WANDB_BASE_URL", "ftp://x")]),
            Err(AgentError::BadInput(_))
        ));
    }

    #[test]
    fn basic_auth_like_the_official_client() {
        let s = settings(&[("WANDB_API_KEY", "secret")]).unwrap();
        assert_eq!(s.authorization().unwrap(), "Basic YXBpOnNlY3JldA==");
    }
}
