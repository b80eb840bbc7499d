//! The run's clocks (epoch, step counter) at a step, from the series that carry them.

use crate::model::Series;
use crate::text::numfmt::format_epoch;

/// The epoch (or the run's step counter) at `step`: exact from a zoom window, else `~` from
/// the coarse pass. Epochs keep two decimals, counters every digit.
pub fn epoch_at(step: u64, window: Option<&Series>, coarse: Option<&Series>) -> String {
    let fmt = format_epoch;
    if let Some((s, v)) = window.and_then(|w| w.at_or_before(step)) {
        if s == step || window.is_some_and(|w| w.complete) {
            return fmt(v);
        }
    }
    match coarse.and_then(|c| c.at_or_before(step)) {
        Some((s, v)) if s == step => fmt(v),
        Some((_, v)) => format!("~{}", fmt(v)),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_exact_or_approximate() {
        let coarse = Series {
            points: vec![(0, 0.0), (100, 1.0)],
            complete: false,
        };
        assert_eq!(epoch_at(150, None, Some(&coarse)), "~1");
        assert_eq!(epoch_at(100, None, Some(&coarse)), "1");
        let window = Series {
            points: vec![(148, 1.0), (150, 2.0)],
            complete: true,
        };
        assert_eq!(epoch_at(150, Some(&window), Some(&coarse)), "2");
        assert_eq!(epoch_at(150, None, None), "");
    }
}
