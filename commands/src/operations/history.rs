//! A run's curves: `wandb-history` and `wandb-history-stats` (on the command line,
//! `history --stats`), and `wandb-history-png`, the same curves as a picture (on the command
//! line `history --png FILE`; for a tool call, `wandb-history` with `format: "png"`). All take
//! the [`Window`](super::Window) record.

use serde::{Deserialize, Serialize};

#[cfg(feature = "cli")]
use super::keys::key_list;
use super::Window;

/// `wandb-history`; on the command line `history --stats` is `wandb-history-stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct History {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
    #[cfg_attr(feature = "cli", arg(help = crate::RUN_HELP))]
    pub run: String,
    /// Metric keys (loss,val_loss): comma-separated or a JSON list.
    #[cfg_attr(feature = "cli", arg(long, required = true, value_parser = key_list))]
    pub keys: Vec<String>,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub window: Window,
    /// Output tokens (0 = up to the ceiling) [default: 1500].
    #[cfg_attr(feature = "cli", arg(long, conflicts_with = "stats"))]
    pub budget: Option<u32>,
    /// Per-key statistics (min, max, NaN onset, sparkline) instead of rows.
    // The command line's spelling of `wandb-history-stats` (see `Operation::resolved`).
    #[cfg_attr(feature = "cli", arg(long))]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[serde(skip)]
    pub stats: bool,
    /// Write the curves as a PNG picture to FILE instead.
    // The command line's spelling of `wandb-history-png` (see `Operation::picture`); the
    // file is the host's: only the bytes come out of the component.
    #[cfg_attr(feature = "cli", arg(long, value_name = "FILE", conflicts_with_all = ["stats", "budget"]))]
    #[cfg_attr(feature = "schema", schemars(skip))]
    #[serde(skip)]
    pub png: Option<std::path::PathBuf>,
    /// png: the curves as image content (default csv).
    // A tool call's spelling of `wandb-history-png`; never sent to `wandb-history`.
    #[cfg_attr(feature = "cli", arg(skip))]
    #[serde(default, skip_serializing)]
    pub format: Option<Format>,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten, skip_serializing_if = "PictureSize::is_default")]
    pub picture: PictureSize,
}

/// What `history` returns to a tool call: CSV rows, or a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Png,
}

/// The picture's size: the `png-size` parameter of `wandb-history-png`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PictureSize {
    /// Picture size WxH in pixels [default: 640x320].
    #[cfg_attr(feature = "cli", arg(long, value_name = "WxH", requires = "png"))]
    pub png_size: Option<String>,
}

impl PictureSize {
    fn is_default(&self) -> bool {
        self.png_size.is_none()
    }
}

/// `wandb-history-png`: the curves of `wandb-history` as a PNG. Not an [`Operation`]
/// (super::Operation) of its own: it returns a picture, not text, and is reached through
/// `history` ([`Operation::picture`](super::Operation::picture)).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HistoryPng {
    pub run: String,
    pub keys: Vec<String>,
    #[serde(flatten)]
    pub window: Window,
    #[serde(flatten)]
    pub picture: PictureSize,
}

impl HistoryPng {
    /// The WIT export.
    pub const EXPORT: &'static str = "wandb-history-png";
}

/// The line said beside a picture (after `# wrote FILE: ` on the command line):
/// `640x320, 18 KB, ~273 image tokens; 3 keys; run steps 0..1200000`. Image tokens are about
/// width × height / 750 for common vision models.
pub fn picture_line(width: u32, height: u32, bytes: usize, note: &str) -> String {
    let kb = bytes.div_ceil(1024);
    let tokens = (u64::from(width) * u64::from(height)).div_ceil(750);
    format!("{width}x{height}, {kb} KB, ~{tokens} image tokens; {note}")
}

/// `wandb-history-stats`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "cli", derive(clap::Args))]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct HistoryStats {
    /// ENTITY/PROJECT/RUN_ID, or a run URL.
    #[cfg_attr(feature = "cli", arg(help = crate::RUN_HELP))]
    pub run: String,
    /// Metric keys (loss,grad_norm): comma-separated or a JSON list.
    #[cfg_attr(feature = "cli", arg(long, required = true, value_parser = key_list))]
    pub keys: Vec<String>,
    #[cfg_attr(feature = "cli", command(flatten))]
    #[serde(flatten)]
    pub window: Window,
}
