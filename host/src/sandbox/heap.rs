//! Host memory spent on a component's behalf, counted as it is allocated.
//!
//! A component's linear memory is bounded by the store's limiter, but the host also allocates
//! for it: every wasi:http header map, request, body buffer, stream and pollable lives in the
//! host's heap, and so does every string or list the component passes to a host function. The
//! process's allocator is wrapped to charge each allocation (net of frees) to the [`Meter`] of
//! the call whose future is being polled on that thread, so a call's budget can include them
//! ([`super::budget`]). Allocations outside any call (the runtime, the HTTP connection tasks,
//! compilation) are not charged.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicIsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

/// The global allocator: the system's, with per-call accounting.
pub struct Accounting;

thread_local! {
    /// The meter of the call being polled on this thread, if any.
    static SCOPE: Cell<*const Counts> = const { Cell::new(std::ptr::null()) };
}

/// Called (without allocating) the first time a meter passes its allowance; the host uses it
/// to advance the engine's epoch so the running guest is checked at once, not at the next tick.
static ON_OVERDRAWN: OnceLock<Box<dyn Fn() + Send + Sync>> = OnceLock::new();

pub fn on_overdrawn(hook: impl Fn() + Send + Sync + 'static) {
    let _ = ON_OVERDRAWN.set(Box::new(hook));
}

#[derive(Debug)]
struct Counts {
    bytes: AtomicIsize,
    peak: AtomicIsize,
    allowance: AtomicIsize,
    overdrawn: AtomicBool,
}

impl Counts {
    fn charge(&self, bytes: isize) {
        let now = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
        if bytes > 0 {
            self.peak.fetch_max(now, Ordering::Relaxed);
            if now > self.allowance.load(Ordering::Relaxed)
                && !self.overdrawn.swap(true, Ordering::Relaxed)
            {
                if let Some(hook) = ON_OVERDRAWN.get() {
                    hook();
                }
            }
        }
    }
}

fn charge(bytes: isize) {
    // `try_with`: while a thread shuts down its slot may be gone; nothing is charged then.
    let _ = SCOPE.try_with(|scope| {
        let counts = scope.get();
        if !counts.is_null() {
            // SAFETY: a non-null scope points into the `Arc` a `Metered` future holds for as
            // long as it is set (only during that future's `poll`).
            unsafe { (*counts).charge(bytes) };
        }
    });
}

// SAFETY: every method forwards to `System` unchanged and only adds bookkeeping that does not
// allocate (a const-initialised thread-local and an atomic add).
unsafe impl GlobalAlloc for Accounting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            charge(layout.size() as isize);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            charge(layout.size() as isize);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        charge(-(layout.size() as isize));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            charge(new_size as isize - layout.size() as isize);
        }
        p
    }
}

/// Net bytes allocated by the code a [`Metered`] future ran, their peak, and an allowance
/// past which the overdrawn hook fires.
#[derive(Debug, Clone)]
pub struct Meter(Arc<Counts>);

impl Default for Meter {
    fn default() -> Meter {
        Meter(Arc::new(Counts {
            bytes: AtomicIsize::new(0),
            peak: AtomicIsize::new(0),
            allowance: AtomicIsize::new(isize::MAX),
            overdrawn: AtomicBool::new(false),
        }))
    }
}

impl Meter {
    pub fn bytes(&self) -> usize {
        self.0.bytes.load(Ordering::Relaxed).max(0) as usize
    }

    /// The most [`Meter::bytes`] has been.
    pub fn peak(&self) -> usize {
        self.0.peak.load(Ordering::Relaxed).max(0) as usize
    }

    pub fn set_allowance(&self, bytes: usize) {
        let bytes = isize::try_from(bytes).unwrap_or(isize::MAX);
        self.0.allowance.store(bytes, Ordering::Relaxed);
    }

    /// `future`, with what it allocates while being polled charged to this meter.
    pub fn metered<F: Future>(&self, future: F) -> Metered<F> {
        Metered {
            inner: Box::pin(future),
            meter: self.clone(),
        }
    }
}

pub struct Metered<F> {
    inner: Pin<Box<F>>,
    meter: Meter,
}

impl<F: Future> Future for Metered<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let counts = Arc::as_ptr(&self.meter.0);
        let outer = SCOPE.with(|s| s.replace(counts));
        let result = self.inner.as_mut().poll(cx);
        SCOPE.with(|s| s.set(outer));
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allocations_inside_the_future_are_charged() {
        let meter = Meter::default();
        let kept = futures_lite_block_on(meter.metered(async { vec![0u8; 1 << 20] }));
        assert!(meter.bytes() >= 1 << 20, "{}", meter.bytes());
        let outside = vec![0u8; 1 << 20];
        assert!(
            meter.bytes() < 2 << 20,
            "allocations outside are not charged"
        );
        drop(kept);
        let peak = meter.peak();
        futures_lite_block_on(meter.metered(async { drop(outside) }));
        assert!(
            meter.peak() >= 1 << 20 && meter.peak() == peak,
            "frees lower the count, not the peak"
        );
    }

    /// Polls a future that never waits.
    fn futures_lite_block_on<F: Future>(f: F) -> F::Output {
        let mut f = std::pin::pin!(f);
        let mut cx = Context::from_waker(std::task::Waker::noop());
        match f.as_mut().poll(&mut cx) {
            Poll::Ready(v) => v,
            Poll::Pending => panic!("the test future waited"),
        }
    }
}
