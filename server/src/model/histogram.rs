//! Histogram-valued history keys, as `wandb.watch` logs them: `gradients/<layer>` and
//! `parameters/<layer>`, one histogram of the tensor's values every `log_freq` steps. A
//! metric under such a key holds the tensor's scale (the standard deviation of its values);
//! its rows are served as a histogram of 64 equal bins of normally spread values over ±4
//! scales (`torch.histc`, what the SDK uploads), and a tensor of zeros as one bin `[0, 0]`.
//!
//! Wire forms (docs/wandb-wire.md, "Histograms"): the SDK's
//! `{"_type":"histogram","values":[...],"bins":[...]}` in `history` rows and the packed
//! `{"_type":"histogram","packedBins":{"min":..,"size":..,"count":..},"values":[...]}` in
//! `sampledHistory` and `historyKeys`.

use serde_json::{json, Value};

const BINS: usize = 64;
/// Elements of the logged tensor: the counts add up to about this.
const ELEMENTS: f64 = 4096.0;
/// The histogram spans this many scales either side of zero.
const SPAN: f64 = 4.0;

/// Whether a key's values are histograms.
pub fn is_histogram(key: &str) -> bool {
    key.starts_with("gradients/") || key.starts_with("parameters/")
}

/// `(counts, first edge, bin width)` of a tensor of `ELEMENTS` values spread normally with
/// standard deviation `scale`; one bin `[0, 0]` holding every element for a tensor of zeros.
fn bins(scale: f64) -> (Vec<f64>, f64, f64) {
    if scale <= 0.0 || !scale.is_finite() {
        return (vec![ELEMENTS], 0.0, 0.0);
    }
    let min = -SPAN * scale;
    let width = 2.0 * SPAN * scale / BINS as f64;
    let counts = (0..BINS)
        .map(|i| {
            let z = (min + width * (i as f64 + 0.5)) / scale;
            let density = (-z * z / 2.0).exp() / (2.0 * std::f64::consts::PI).sqrt();
            (ELEMENTS * density * width / scale).round()
        })
        .collect();
    (counts, min, width)
}

/// The SDK's form: counts and every bin edge.
pub fn sdk(scale: f64) -> Value {
    let (counts, min, width) = bins(scale);
    let edges: Vec<f64> = (0..=counts.len()).map(|i| min + width * i as f64).collect();
    json!({"_type": "histogram", "values": counts, "bins": edges})
}

/// The packed form: counts and the equal bins as first edge, width and count.
pub fn packed(scale: f64) -> Value {
    let (counts, min, width) = bins(scale);
    let count = counts.len();
    json!({"_type": "histogram", "packedBins": {"min": min, "size": width, "count": count}, "values": counts})
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_of_one_histogram() {
        let (s, p) = (sdk(0.02), packed(0.02));
        assert_eq!(s["values"], p["values"]);
        assert_eq!(s["bins"].as_array().unwrap().len(), BINS + 1);
        assert_eq!(p["packedBins"]["count"], BINS);
        let total: f64 = s["values"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_f64)
            .sum();
        assert!((total - ELEMENTS).abs() < 40.0, "{total}");
        assert_eq!(
            sdk(0.0),
            json!({"_type": "histogram", "values": [4096.0], "bins": [0.0, 0.0]})
        );
        assert_eq!(
            packed(0.0)["packedBins"],
            json!({"min": 0.0, "size": 0.0, "count": 1})
        );
        assert!(is_histogram("gradients/fc.weight") && !is_histogram("grad_norm"));
    }
}
