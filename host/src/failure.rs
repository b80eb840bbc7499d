//! What the user sees when a command fails: one line and an exit code (the README's table).

use wandb_agent_commands::exit;

use crate::sandbox::SandboxError;

/// An error for the user: one line and an exit code.
#[derive(Debug)]
pub struct Failure {
    pub message: String,
    pub code: u8,
}

impl Failure {
    pub fn new(code: u8, message: impl Into<String>) -> Failure {
        Failure {
            message: message.into(),
            code,
        }
    }
}

impl From<SandboxError> for Failure {
    fn from(err: SandboxError) -> Failure {
        let code = match &err {
            // The contract's code for the kind, as the command build exits with.
            SandboxError::Guest(g) => g.kind.exit_code(),
            SandboxError::Timeout(_) | SandboxError::Limit(_) => exit::LIMIT,
            SandboxError::Denied(_) => exit::DENIED,
            SandboxError::Load(_) | SandboxError::Trap(_) => exit::SANDBOX,
        };
        // Server text and user input may be in it: shown escaped, without user info.
        let message = crate::shown::line(&match err {
            SandboxError::Guest(g) => g.message,
            other => other.to_string(),
        });
        Failure { message, code }
    }
}
