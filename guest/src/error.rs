//! The guest's typed error, mirroring the WIT `error` variant so plain modules can use it
//! without the generated bindings (and unit-test natively).

use std::fmt;

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

impl fmt::Display for AgentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

pub type Result<T> = std::result::Result<T, AgentError>;
