//! How a call fails: the guest's own error, or what the host stopped (a limit, a denied
//! destination, a trap), each as one line.

use std::time::Duration;

use super::budget;
use super::call::GuestError;
use super::incident::Incident;
use crate::grant::policy::Limits;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("the component does not load: {0}")]
    Load(String),
    #[error("the call took longer than {0:?} and was stopped (raise --timeout)")]
    Timeout(Duration),
    #[error("the component failed: {0}")]
    Trap(String),
    #[error("{0}")]
    Limit(String),
    /// The host refused a destination the allowlist alone would have let through.
    #[error("{0}")]
    Denied(String),
    #[error("the component reported: {}", .0.message)]
    Guest(GuestError),
}

impl SandboxError {
    /// What the host stopped, as the error class it belongs to.
    pub(super) fn stopped(incident: Incident) -> SandboxError {
        match incident {
            Incident::PrivateAddress { .. } => SandboxError::Denied(incident.message()),
            other => SandboxError::Limit(other.message()),
        }
    }
}

/// A trap caused by one of the host-resource caps, as the limit it hit.
fn resource_incident(err: &wasmtime::Error, limits: &Limits) -> Option<Incident> {
    let full = err.chain().any(|c| {
        c.downcast_ref::<wasmtime::component::ResourceTableError>()
            .is_some_and(|e| matches!(e, wasmtime::component::ResourceTableError::Full))
            || c.to_string().contains("resource table has no free keys")
    });
    if full {
        return Some(Incident::TooManyResources(budget::resource_capacity(
            limits.max_memory_bytes,
        )));
    }
    // wasi-http's wording when a header map passes its size limit.
    let oversized = err
        .chain()
        .any(|c| c.to_string().contains("total size of fields exceeds limit"));
    oversized.then_some(Incident::HeaderMapTooLarge(budget::FIELD_SIZE_LIMIT))
}

/// One line for a trap, naming the limit when a limit caused it; never a backtrace.
pub(super) fn classify_trap(err: &wasmtime::Error, limits: &Limits) -> SandboxError {
    // Memory over the budget is recorded as an incident by `Budget` and reported from there.
    if let Some(incident) = resource_incident(err, limits) {
        return SandboxError::Limit(incident.message());
    }
    match err.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::Interrupt) => SandboxError::Timeout(limits.timeout),
        Some(trap) => SandboxError::Trap(trap.to_string()),
        None => SandboxError::Trap(
            err.root_cause()
                .to_string()
                .lines()
                .next()
                .unwrap_or("unknown trap")
                .to_string(),
        ),
    }
}
