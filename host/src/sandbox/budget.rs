//! One call's memory budget: the component's linear memory *plus* what the host allocates on
//! its behalf ([`super::heap`]), together under `--max-memory-mb`.
//!
//! Enforced in four places: when the component grows a linear memory (the store's
//! [`ResourceLimiter`]); while it runs, at every epoch tick and at once when the host's share
//! passes what the linear memory leaves ([`Budget::check`], from the epoch-deadline callback,
//! which the heap's overdrawn hook triggers early); after the call, on the host's peak
//! ([`Budget::check_peak`]); and, as hard caps that need no accounting, by the number of host
//! resources it may hold and the size of each header map ([`resource_capacity`],
//! [`FIELD_SIZE_LIMIT`]).

use wasmtime::ResourceLimiter;

use super::heap::Meter;
use super::incident::{Incident, Incidents};

/// Bytes one wasi:http header map may hold in memory. Our component sends headers of a few
/// hundred bytes; wasmtime's default (128 KiB) lets a component hold gigabytes in a few
/// thousand maps.
pub const FIELD_SIZE_LIMIT: usize = 16 << 10;
/// Bytes an outgoing body buffers between the component's writes and the network.
pub const BODY_CHUNK_SIZE: usize = 64 << 10;
/// Wasm table elements, instances and memories a component may create (ours: a few each).
const MAX_TABLE_ELEMENTS: usize = 100_000;
const MAX_INSTANCES: usize = 4;
const MAX_TABLES: usize = 100;
const MAX_MEMORIES: usize = 4;

/// Host resources (header maps, requests, bodies, streams, pollables) a call may hold at
/// once: one per 256 KiB of its memory limit, between 64 and 1,024. Our component holds about
/// a dozen during a request and releases them after.
pub fn resource_capacity(max_memory_bytes: usize) -> usize {
    (max_memory_bytes >> 18).clamp(64, 1024)
}

pub struct Budget {
    limit: usize,
    /// Bytes of linear memory the component has now.
    linear: usize,
    meter: Meter,
    incidents: Incidents,
}

impl Budget {
    pub fn new(limit: usize, meter: Meter, incidents: Incidents) -> Budget {
        meter.set_allowance(limit);
        Budget {
            limit,
            linear: 0,
            meter,
            incidents,
        }
    }

    fn exceeded(&self, linear: usize) -> wasmtime::Error {
        let host = self.meter.bytes();
        let incident = Incident::MemoryExceeded {
            limit: self.limit,
            host,
        };
        let message = incident.message();
        super::incident::record(&self.incidents, incident);
        wasmtime::Error::msg(format!("{message} (linear memory {linear} bytes)"))
    }

    /// Fails the call once linear memory and host allocations together pass the limit.
    pub fn check(&self) -> wasmtime::Result<()> {
        if self.linear + self.meter.bytes() > self.limit {
            return Err(self.exceeded(self.linear));
        }
        Ok(())
    }

    /// After the call: whether linear memory and the host's peak together passed the limit at
    /// any point (a call may end before an epoch tick would have caught it).
    pub fn check_peak(&self) -> Option<Incident> {
        (self.linear + self.meter.peak() > self.limit).then(|| Incident::MemoryExceeded {
            limit: self.limit,
            host: self.meter.peak(),
        })
    }
}

impl ResourceLimiter for Budget {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        let linear = self.linear - current.min(self.linear) + desired;
        if linear + self.meter.bytes() > self.limit {
            return Err(self.exceeded(linear));
        }
        self.linear = linear;
        self.meter.set_allowance(self.limit - linear);
        Ok(true)
    }

    fn table_growing(
        &mut self,
        _current: usize,
        desired: usize,
        _maximum: Option<usize>,
    ) -> wasmtime::Result<bool> {
        Ok(desired <= MAX_TABLE_ELEMENTS)
    }

    fn instances(&self) -> usize {
        MAX_INSTANCES
    }

    fn tables(&self) -> usize {
        MAX_TABLES
    }

    fn memories(&self) -> usize {
        MAX_MEMORIES
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_memory_and_host_allocations_share_one_limit() {
        let meter = Meter::default();
        let incidents = Incidents::default();
        let mut budget = Budget::new(10 << 20, meter.clone(), incidents.clone());
        assert!(budget.memory_growing(0, 8 << 20, None).unwrap());
        assert!(budget.check().is_ok());
        // The host now holds 4 MiB for the component: together over 10 MiB.
        let held = meter.metered(async { vec![1u8; 4 << 20] });
        let held = std::pin::pin!(held);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        let std::task::Poll::Ready(kept) = std::future::Future::poll(held, &mut cx) else {
            panic!("pending")
        };
        assert!(budget.check().is_err());
        assert!(budget.memory_growing(8 << 20, 9 << 20, None).is_err());
        let line = incidents.lock().unwrap()[0].message();
        assert!(
            line.starts_with("the component exceeded its memory limit of 10 MiB"),
            "{line}"
        );
        drop(kept);
        assert_eq!(resource_capacity(256 << 20), 1024);
        assert_eq!(resource_capacity(32 << 20), 128);
        assert_eq!(resource_capacity(1 << 20), 64);
    }
}
