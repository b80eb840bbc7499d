//! Number formatting for agent-facing output: few significant digits, no noise.

/// Significant digits kept in summaries (enough to tell runs apart, short in tokens).
pub const SUMMARY_DIGITS: usize = 5;

/// Rounds `x` to `digits` significant digits. Non-finite values pass through.
pub fn round_sig(x: f64, digits: usize) -> f64 {
    if !x.is_finite() || x == 0.0 {
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
    let rounded = round_sig(x, digits);
    let plain = format!("{rounded}");
    let scientific = format!("{rounded:e}");
    if scientific.len() < plain.len() {
        scientific
    } else {
        plain
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_to_significant_digits() {
        assert_eq!(round_sig(0.123456789, 5), 0.12346);
        assert_eq!(round_sig(123456.789, 5), 123460.0);
        assert_eq!(round_sig(-0.000123456, 3), -0.000123);
        assert!(round_sig(f64::NAN, 3).is_nan());
    }

    #[test]
    fn formats_shortest() {
        assert_eq!(format_sig(0.123456789, 4), "0.1235");
        assert_eq!(format_sig(2.0, 4), "2");
        assert_eq!(format_sig(1234567.0, 3), "1.23e6");
        assert_eq!(format_sig(0.0000012345, 3), "1.23e-6");
        assert_eq!(format_sig(f64::NEG_INFINITY, 3), "-inf");
        assert_eq!(format_sig(f64::NAN, 3), "nan");
    }
}
