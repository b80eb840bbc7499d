//! What the host stopped during a call, reported instead of the component's own view of it:
//! one line naming the limit or the refusal and the way out.

use std::sync::Arc;

/// Something the host stopped, reported instead of the component's own view of it.
#[derive(Debug, Clone, PartialEq)]
pub enum Incident {
    TooManyRequests(u32),
    ResponseTooLarge {
        url: String,
        limit: u64,
    },
    /// Linear memory and host allocations on the component's behalf passed the limit.
    MemoryExceeded {
        limit: usize,
        host: usize,
    },
    /// An allowed name resolved only to addresses that are not public (DNS rebinding?).
    PrivateAddress {
        host: String,
        addr: String,
    },
    /// The component held more host resources at once than its limit allows.
    TooManyResources(usize),
    /// The component made one header map larger than the host allows.
    HeaderMapTooLarge(usize),
}

impl Incident {
    pub fn message(&self) -> String {
        match self {
            Incident::TooManyRequests(n) => {
                format!("the call made more than {n} HTTP requests and was stopped (raise --max-requests)")
            }
            Incident::ResponseTooLarge { url, limit } => format!(
                "the response from {url} exceeded {} MiB and was cut off (raise --max-response-mb)",
                limit >> 20
            ),
            Incident::MemoryExceeded { limit, host } if *host < 1 << 20 => format!(
                "the component exceeded its memory limit of {} MiB (raise --max-memory-mb)",
                limit >> 20
            ),
            Incident::MemoryExceeded { limit, host } => format!(
                "the component exceeded its memory limit of {} MiB, {} MiB of it allocated by the host on its behalf (raise --max-memory-mb)",
                limit >> 20,
                host >> 20
            ),
            Incident::PrivateAddress { host, addr } => format!(
                "{host} resolved to {addr}, which is not a public address; names may only reach public addresses (if that server is intended, name it by address, e.g. http://{addr}, in --base-url or --allow)"
            ),
            Incident::HeaderMapTooLarge(limit) => format!(
                "the component made a header map larger than the host allows ({} KiB)",
                limit >> 10
            ),
            Incident::TooManyResources(n) => format!(
                "the component exceeded its limit of {n} host resources held at once (header maps, requests, bodies, streams, pollables) (raise --max-memory-mb)"
            ),
        }
    }
}

pub type Incidents = Arc<std::sync::Mutex<Vec<Incident>>>;

/// Notes `incident` once (a body read fails again on every retry of a read).
pub fn record(incidents: &Incidents, incident: Incident) {
    if let Ok(mut list) = incidents.lock() {
        if !list.contains(&incident) {
            list.push(incident);
        }
    }
}
