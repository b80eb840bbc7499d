//! `history --stats`: the statistics of each key as CSV, one row per key.

use crate::analysis::stats::key_stats;
use crate::model::HistoryTable;
use crate::text::numfmt::format_value;

/// A step computed from a key's rows: as is when every logged row was read (`exact`), else
/// marked approximate (`~312928`), since a sample's first NaN or minimum is only near the
/// run's.
fn step_cell(step: Option<u64>, exact: bool) -> String {
    match step {
        Some(s) if exact => s.to_string(),
        Some(s) => format!("~{s}"),
        None => String::new(),
    }
}

/// The stats table as CSV, one row per key, then a `#` line per key that went near zero for
/// good; `exact[i]` says key `i`'s rows are every logged row in range (a missing entry counts
/// as sampled).
pub fn render(table: &HistoryTable, digits: usize, exact: &[bool]) -> String {
    let mut out = csv::Writer::from_writer(Vec::new());
    let _ = out.write_record([
        "key",
        "n",
        "min",
        "min_step",
        "max",
        "max_step",
        "mean",
        "std",
        "first",
        "last",
        "nonfinite",
        "first_nonfinite_step",
        "spark",
    ]);
    let mut notes = String::new();
    for column in 0..table.keys.len() {
        let s = key_stats(table, column);
        let whole = exact.get(column).copied().unwrap_or(false);
        let step = |s: Option<u64>| step_cell(s, whole);
        let key = &table.keys[column];
        let num = |v: Option<f64>| v.map(|x| format_value(key, x, digits)).unwrap_or_default();
        let _ = out.write_record([
            s.key.clone(),
            s.count.to_string(),
            num(s.min.map(|m| m.0)),
            step(s.min.map(|m| m.1)),
            num(s.max.map(|m| m.0)),
            step(s.max.map(|m| m.1)),
            num(s.mean),
            num(s.std),
            num(s.first),
            num(s.last),
            s.non_finite.to_string(),
            step(s.first_non_finite_step),
            s.spark,
        ]);
        if let Some(from) = s.zero_from {
            notes.push_str(&format!(
                "# {}: near zero (≤1e-6 of its largest) from {} to the end\n",
                s.key,
                step(Some(from))
            ));
        }
    }
    String::from_utf8(out.into_inner().unwrap_or_default()).unwrap_or_default() + &notes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(points: &[(u64, Option<f64>)]) -> HistoryTable {
        HistoryTable::of_loss(points)
    }

    /// The `#` lines `render` adds after the table.
    fn zero_notes(t: &HistoryTable, exact: &[bool]) -> String {
        render(t, 4, exact)
            .lines()
            .filter(|l| l.starts_with('#'))
            .map(|l| format!("{l}\n"))
            .collect()
    }

    #[test]
    fn renders_csv() {
        let t = table(&[(0, Some(1.0)), (1, Some(0.5))]);
        let text = render(&t, 4, &[true]);
        assert_eq!(
            text.lines().nth(1).unwrap(),
            "loss,2,0.5,1,1,0,0.75,0.25,1,0.5,0,,9.........0........."
        );
        // From sampled rows: the steps are the sample's, marked approximate.
        let t = table(&[
            (0, Some(1.0)),
            (312928, Some(f64::NAN)),
            (400000, Some(0.5)),
        ]);
        assert_eq!(
            render(&t, 4, &[false]).lines().nth(1).unwrap(),
            "loss,3,0.5,~400000,1,~0,0.75,0.25,1,0.5,1,~312928,9..............!...0"
        );
        assert_eq!(zero_notes(&t, &[false]), "");
    }

    #[test]
    fn says_where_a_key_went_to_zero_for_good() {
        let dead = table(&[
            (0, Some(0.03)),
            (10, Some(0.0)),
            (20, Some(0.02)),
            (30, Some(0.0)),
            (40, Some(1e-9)),
        ]);
        assert_eq!(
            zero_notes(&dead, &[true]),
            "# loss: near zero (≤1e-6 of its largest) from 30 to the end\n"
        );
        assert_eq!(
            zero_notes(&dead, &[false]),
            "# loss: near zero (≤1e-6 of its largest) from ~30 to the end\n"
        );
        // Zero from the start, or back from zero at the end: nothing to say.
        let never = table(&[(0, Some(0.0)), (10, Some(0.0))]);
        let back = table(&[(0, Some(1.0)), (10, Some(0.0)), (20, Some(0.5))]);
        assert_eq!(
            zero_notes(&never, &[true]) + &zero_notes(&back, &[true]),
            ""
        );
        // Zero only at the very end of a long key (a cosine decay to zero): not worth a line.
        let mut rows: Vec<(u64, Option<f64>)> = (0..1000).map(|s| (s, Some(1.0))).collect();
        rows.push((1000, Some(0.0)));
        assert_eq!(zero_notes(&table(&rows), &[true]), "");
    }
}
