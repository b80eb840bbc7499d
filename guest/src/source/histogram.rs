//! Gradient histograms as W&B serves them, in both wire forms: the SDK's
//! `{"_type":"histogram","values":[...],"bins":[...]}` (bin edges, one more than values) and
//! the packed `{"_type":"histogram","packedBins":{"min":..,"size":..,"count":..},"values":[...]}`
//! (equal bins from `min`), read down to one number per row: the scale of the values, so that
//! a histogram key is a series like any other (docs/wandb-wire.md, "Histograms").

use serde_json::Value;

/// A histogram: counts per bin and the bins' edges (one more than counts).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub counts: Vec<f64>,
    pub edges: Vec<f64>,
}

fn number(v: &Value) -> Option<f64> {
    v.as_f64().filter(|x| x.is_finite())
}

/// A histogram in either wire form; `None` for anything else (a number, a table, a
/// malformed histogram).
pub fn parse(v: &Value) -> Option<Histogram> {
    if v.get("_type").and_then(Value::as_str) != Some("histogram") {
        return None;
    }
    let counts: Vec<f64> = v
        .get("values")?
        .as_array()?
        .iter()
        .map(number)
        .collect::<Option<_>>()?;
    let edges: Vec<f64> = match (v.get("bins"), v.get("packedBins")) {
        (Some(bins), _) => bins.as_array()?.iter().map(number).collect::<Option<_>>()?,
        (None, Some(packed)) => {
            let min = number(packed.get("min")?)?;
            let size = number(packed.get("size")?)?;
            let count = packed.get("count")?.as_u64()?;
            (0..=count).map(|i| min + size * i as f64).collect()
        }
        (None, None) => return None,
    };
    (!counts.is_empty() && edges.len() == counts.len() + 1).then_some(Histogram { counts, edges })
}

impl Histogram {
    /// The root mean square of the values (bin centres weighted by counts): the size of the
    /// gradients whatever their sign; 0 for a histogram of zeros. `None` when empty.
    pub fn scale(&self) -> Option<f64> {
        let total: f64 = self.counts.iter().sum();
        if total <= 0.0 {
            return None;
        }
        let sum: f64 = self
            .counts
            .iter()
            .zip(self.edges.windows(2))
            .map(|(c, e)| c * ((e[0] + e[1]) / 2.0).powi(2))
            .sum();
        Some((sum / total).sqrt())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn both_wire_forms() {
        let sdk =
            json!({"_type": "histogram", "values": [1, 2, 1], "bins": [-3.0, -1.0, 1.0, 3.0]});
        let packed = json!({"_type": "histogram", "packedBins": {"min": -3.0, "size": 2.0, "count": 3}, "values": [1, 2, 1]});
        let (a, b) = (parse(&sdk).unwrap(), parse(&packed).unwrap());
        assert_eq!(a, b);
        // Centres -2, 0, 2 weighted 1, 2, 1: sqrt((4 + 0 + 4) / 4).
        assert!((a.scale().unwrap() - 2f64.sqrt()).abs() < 1e-12);
        // torch.histc of all zeros: one bin [0, 0].
        let dead = json!({"_type": "histogram", "values": [4096.0], "bins": [0.0, 0.0]});
        assert_eq!(parse(&dead).unwrap().scale(), Some(0.0));
        let dead_packed = json!({"_type": "histogram", "packedBins": {"min": 0.0, "size": 0.0, "count": 1}, "values": [4096]});
        assert_eq!(parse(&dead_packed).unwrap().scale(), Some(0.0));
    }

    #[test]
    fn anything_else_is_no_histogram() {
        for bad in [
            json!(1.5),
            json!({"_type": "table-file", "path": "x"}),
            json!({"_type": "histogram", "values": [1, 2], "bins": [0, 1]}),
            json!({"_type": "histogram", "values": [1, "x"], "bins": [0, 1, 2]}),
            json!({"_type": "histogram", "values": [1, 2]}),
            json!({"_type": "histogram", "values": [], "bins": [0]}),
            json!({"_type": "histogram", "packedBins": {"min": 0, "size": 1}, "values": [1]}),
        ] {
            assert_eq!(parse(&bad), None, "{bad}");
        }
        let empty = json!({"_type": "histogram", "values": [0, 0], "bins": [0, 1, 2]});
        assert_eq!(parse(&empty).unwrap().scale(), None);
    }
}
