//! Rendering only: number and time formatting, values compacted for output, sparklines,
//! console text clean-up, reducing rows to a token budget, token counts, bounded lists of run
//! ids for `#` lines, and control characters from servers escaped before anything is printed
//! (`safe`).

pub mod clean;
pub mod logtext;
pub mod numfmt;
pub mod reduce;
pub mod safe;
pub mod sparkline;
pub mod timefmt;
pub mod tokens;

/// Run ids for a `#` line: at most 10, then how many more.
pub fn id_list(ids: &[&str]) -> String {
    let mut text = ids.iter().take(10).copied().collect::<Vec<_>>().join(" ");
    if ids.len() > 10 {
        text.push_str(&format!(" +{} more", ids.len() - 10));
    }
    text
}
