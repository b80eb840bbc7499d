//! The guest's typed error, mirroring the WIT `error` variant so plain modules can use it
//! without the generated bindings (and unit-test natively). Its kind, the variant's case and
//! the exit code are the contract's ([`ErrorKind`]).

use std::fmt;

use wandb_agent_commands::ErrorKind;

#[derive(Debug, Clone, PartialEq)]
pub enum AgentError {
    NotFound(String),
    MissingKeys {
        message: String,
        missing: Vec<String>,
        available: Vec<String>,
    },
    Unauthorized(String),
    Network(String),
    Denied(String),
    BadInput(String),
    Server(String),
}

impl AgentError {
    /// Which case of the contract this is.
    pub fn kind(&self) -> ErrorKind {
        match self {
            AgentError::NotFound(_) => ErrorKind::NotFound,
            AgentError::MissingKeys { .. } => ErrorKind::MissingKeys,
            AgentError::Unauthorized(_) => ErrorKind::Unauthorized,
            AgentError::Network(_) => ErrorKind::Network,
            AgentError::Denied(_) => ErrorKind::Denied,
            AgentError::BadInput(_) => ErrorKind::BadInput,
            AgentError::Server(_) => ErrorKind::Server,
        }
    }

    pub fn message(&self) -> &str {
        match self {
            AgentError::NotFound(m)
            | AgentError::Unauthorized(m)
            | AgentError::Network(m)
            | AgentError::Denied(m)
            | AgentError::BadInput(m)
            | AgentError::Server(m) => m,
            AgentError::MissingKeys { message, .. } => message,
        }
    }
}

impl AgentError {
    /// The same error with `f` applied to every text it carries (messages and key names).
    pub fn map_text(self, f: impl Fn(&str) -> String) -> AgentError {
        match self {
            AgentError::NotFound(m) => AgentError::NotFound(f(&m)),
            AgentError::Unauthorized(m) => AgentError::Unauthorized(f(&m)),
            AgentError::Network(m) => AgentError::Network(f(&m)),
            AgentError::Denied(m) => AgentError::Denied(f(&m)),
            AgentError::BadInput(m) => AgentError::BadInput(f(&m)),
            AgentError::Server(m) => AgentError::Server(f(&m)),
            AgentError::MissingKeys {
                message,
                missing,
                available,
            } => AgentError::MissingKeys {
                message: f(&message),
                missing: missing.iter().map(|k| f(k.as_str())).collect(),
                available: available.iter().map(|k| f(k.as_str())).collect(),
            },
        }
    }
}

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

pub type Result<T> = std::result::Result<T, AgentError>;
