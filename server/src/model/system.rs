//! How a run's hardware behaved: the specification its system metrics (`Run.events`) are
//! generated from, as curves over the run's runtime.

/// How a run's hardware behaved, as fractions of its runtime `t` in `[0, 1]`.
#[derive(Debug, Clone)]
pub struct SystemSpec {
    pub gpus: u32,
    /// GPU memory allocated, % of total, over time.
    pub gpu_memory_percent: fn(f64) -> f64,
    /// GPU utilisation %, over time.
    pub gpu_util: fn(f64) -> f64,
    /// Process RSS in MiB, over time.
    pub rss_mb: fn(f64) -> f64,
    /// The older key names (`system.memory`, `system.disk.in`), as runs logged before 0.21.
    pub legacy_names: bool,
    /// One GPU that behaves unlike the others (a straggler, a leaking process).
    pub odd_gpu: Option<OddGpu>,
}

/// A GPU with its own utilisation, memory and temperature curves.
#[derive(Debug, Clone)]
pub struct OddGpu {
    pub index: u32,
    pub util: fn(f64) -> f64,
    pub memory_percent: fn(f64) -> f64,
    pub temp: f64,
}
