//! Number formatting for agent-facing output: few significant digits, no noise.

/// Significant digits kept in summaries (enough to tell runs apart, short in tokens).
pub const SUMMARY_DIGITS: usize = 5;

/// Integral values below 2^53 are exact in an f64: counters and steps, never rounded.
const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;

/// Whether `x` is a whole number an f64 holds exactly (a step, a counter, a count).
pub fn is_exact_integer(x: f64) -> bool {
    x.is_finite() && x.fract() == 0.0 && x.abs() < EXACT_INTEGERS
}

/// Rounds `x` to `digits` significant digits; a whole number stays as it is (a counter such
/// as `train/global_step` 613370 must not become 613400). Non-finite values pass through.
pub fn round_sig(x: f64, digits: usize) -> f64 {
    if !x.is_finite() || x == 0.0 || is_exact_integer(x) {
        return x;
    }
    // Formatting in scientific notation rounds correctly to N significant digits.
    format!("{:.*e}", digits.saturating_sub(1), x)
        .parse()
        .unwrap_or(x)
}

/// The shortest text of `x` rounded to `digits` significant digits: `0.00012346`, `1.2346e+06`
/// style is avoided for ordinary magnitudes; non-finite values are `nan`, `inf`, `-inf`.
pub fn format_sig(x: f64, digits: usize) -> String {
    if x.is_nan() {
        return "nan".into();
    }
    if x.is_infinite() {
        return if x > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if is_exact_integer(x) {
        return format!("{}", x as i64);
    }
    let rounded = round_sig(x, digits);
    let plain = format!("{rounded}");
    let scientific = format!("{rounded:e}");
    if scientific.len() < plain.len() {
        scientific
    } else {
        plain
    }
}

/// Whether a key counts epochs in any convention: `epoch`, `train/epoch`, `epoch/epoch`,
/// `trainer/epoch`.
pub fn is_epoch_key(key: &str) -> bool {
    key.rsplit(['/', '.']).next() == Some("epoch")
}

/// An epoch: whole epochs exact, fractional ones (the `Trainer`'s 145.69) to two decimals.
pub fn format_epoch(x: f64) -> String {
    if !x.is_finite() || is_exact_integer(x) {
        return format_sig(x, 17);
    }
    let text = format!("{:.2}", x);
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A value of `key`: epochs to two decimals, other values to `digits` significant digits.
pub fn format_value(key: &str, x: f64, digits: usize) -> String {
    if is_epoch_key(key) {
        format_epoch(x)
    } else {
        format_sig(x, digits)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epochs_keep_two_decimals() {
        assert_eq!(format_epoch(145.69), "145.69");
        assert_eq!(format_epoch(72.8), "72.8");
        assert_eq!(format_epoch(3.0), "3");
        assert_eq!(format_epoch(0.004), "0");
        assert_eq!(format_value("train/epoch", 145.6912, 4), "145.69");
        assert_eq!(format_value("loss", 145.6912, 4), "145.7");
        assert!(is_epoch_key("epoch/epoch") && !is_epoch_key("epochs_total"));
    }

    #[test]
    fn rounds_to_significant_digits() {
        assert_eq!(round_sig(0.123456789, 5), 0.12346);
        assert_eq!(round_sig(123456.789, 5), 123460.0);
        assert_eq!(round_sig(613370.0, 4), 613370.0);
        assert_eq!(round_sig(-0.000123456, 3), -0.000123);
        assert!(round_sig(f64::NAN, 3).is_nan());
    }

    #[test]
    fn formats_shortest() {
        assert_eq!(format_sig(0.123456789, 4), "0.1235");
        assert_eq!(format_sig(2.0, 4), "2");
        assert_eq!(format_sig(1234567.8, 3), "1.23e6");
        // Whole numbers keep every digit: counters are never corrupted.
        assert_eq!(format_sig(1234567.0, 3), "1234567");
        assert_eq!(format_sig(613370.0, 4), "613370");
        assert_eq!(format_sig(-42.0, 2), "-42");
        assert_eq!(format_sig(1e20, 3), "1e20");
        assert_eq!(format_sig(0.0000012345, 3), "1.23e-6");
        assert_eq!(format_sig(f64::NEG_INFINITY, 3), "-inf");
        assert_eq!(format_sig(f64::NAN, 3), "nan");
    }
}
