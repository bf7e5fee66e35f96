//! Reading the numbers servers send (totals, indexes, lifetimes, ranks) without ever failing or
//! overflowing on them.
//!
//! A hostile or sloppy server may send `18446744073709551615`, `1e300`, `-5` or `"3600"` where an
//! integer is expected. These serde helpers accept any JSON number or numeric string and saturate
//! it into the target type; anything else reads as absent. Whether such a number is believed is
//! for the caller to decide (paging caps totals, the Looker client caps token lifetimes). Nothing
//! here does I/O.

#![deny(clippy::arithmetic_side_effects)]

use serde::{Deserialize, Deserializer};

/// Any JSON number or numeric string, widened to `i128` (fractions cut, NaN absent).
fn lenient<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i128>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Number {
        Signed(i64),
        Unsigned(u64),
        Fractional(f64),
        Text(String),
        Other(serde::de::IgnoredAny),
    }
    // `as` from f64 saturates at the bounds of i128 and turns NaN into 0, hence the NaN check.
    let fractional = |n: f64| (!n.is_nan()).then_some(n as i128);
    Ok(match Option::<Number>::deserialize(deserializer)? {
        Some(Number::Signed(n)) => Some(i128::from(n)),
        Some(Number::Unsigned(n)) => Some(i128::from(n)),
        Some(Number::Fractional(n)) => fractional(n),
        Some(Number::Text(text)) => {
            let text = text.trim();
            text.parse::<i128>()
                .ok()
                .or_else(|| text.parse::<f64>().ok().and_then(fractional))
        }
        Some(Number::Other(_)) | None => None,
    })
}

/// For `#[serde(default, deserialize_with = "…")]` on an `Option<i64>`: saturated into `i64`.
pub fn saturating_i64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<i64>, D::Error> {
    Ok(lenient(deserializer)?
        .map(|n| i64::try_from(n).unwrap_or(if n < 0 { i64::MIN } else { i64::MAX })))
}

/// For `#[serde(default, deserialize_with = "…")]` on an `Option<usize>` (a count or an index):
/// negative numbers read as 0, huge ones as `usize::MAX`.
pub fn saturating_usize<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<usize>, D::Error> {
    Ok(lenient(deserializer)?.map(|n| usize::try_from(n.max(0)).unwrap_or(usize::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Signed(#[serde(deserialize_with = "saturating_i64")] Option<i64>);

    #[derive(Deserialize)]
    struct Count(#[serde(deserialize_with = "saturating_usize")] Option<usize>);

    fn signed(json: &str) -> Option<i64> {
        serde_json::from_str::<Signed>(json).expect("reads").0
    }

    fn count(json: &str) -> Option<usize> {
        serde_json::from_str::<Count>(json).expect("reads").0
    }

    #[test]
    fn any_number_saturates() {
        assert_eq!(signed("9223372036854775807"), Some(i64::MAX));
        assert_eq!(signed("18446744073709551615"), Some(i64::MAX));
        assert_eq!(signed("1e300"), Some(i64::MAX));
        assert_eq!(signed("-1e300"), Some(i64::MIN));
        assert_eq!(signed(r#"" 3600 ""#), Some(3600));
        assert_eq!(signed("2.9"), Some(2));
        assert_eq!(count("18446744073709551615"), Some(usize::MAX));
        assert_eq!(count("50000000000"), Some(50_000_000_000));
        assert_eq!(count("-4"), Some(0));
        assert_eq!(count("1e30"), Some(usize::MAX));
    }

    #[test]
    fn anything_else_is_absent() {
        assert_eq!(signed("null"), None);
        assert_eq!(signed(r#""soon""#), None);
        assert_eq!(count(r#"{"n": 1}"#), None);
        assert_eq!(count("[1]"), None);
    }
}
