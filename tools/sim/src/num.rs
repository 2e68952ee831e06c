//! Numeric conversions for reporting, in one place so each lossy cast is justified once.

/// A count or tick value as a float for reports and plots.
#[expect(
    clippy::cast_precision_loss,
    reason = "reported values only need ~15 significant digits; counts and ticks of any run stay below 2^53"
)]
pub fn f64_from(x: u64) -> f64 {
    x as f64
}

/// A signed value as a float for reports.
#[expect(
    clippy::cast_precision_loss,
    reason = "as for f64_from: the values reported stay far below 2^53"
)]
pub fn f64_from_signed(x: i64) -> f64 {
    x as f64
}

/// `a − b` as a signed number, saturating at the ends of i64.
pub fn signed_diff(a: u64, b: u64) -> i64 {
    let d = i128::from(a) - i128::from(b);
    i64::try_from(d).unwrap_or(if d < 0 { i64::MIN } else { i64::MAX })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_are_signed_and_saturate() {
        assert_eq!(signed_diff(3, 5), -2);
        assert_eq!(signed_diff(5, 3), 2);
        assert_eq!(signed_diff(u64::MAX, 0), i64::MAX);
        assert_eq!(signed_diff(0, u64::MAX), i64::MIN);
    }
}
