//! Wall-clock timestamps: RFC 3339 UTC for the journal, and [`local_text`], which shows a
//! service's timestamp (epoch milliseconds, RFC 3339) as a local date and time for people.

use std::time::{SystemTime, UNIX_EPOCH};

/// The current time as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn now_rfc3339() -> String {
    let seconds = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    rfc3339(seconds)
}

/// Seconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub fn rfc3339(seconds: u64) -> String {
    let days = (seconds / 86_400) as i64;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest / 60 % 60,
        rest % 60
    )
}

/// Microseconds since the Unix epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (SCIM `meta` times).
pub fn rfc3339_micros(epoch_micros: i64) -> String {
    let seconds = epoch_micros.div_euclid(1_000_000);
    let micros = epoch_micros.rem_euclid(1_000_000);
    let (year, month, day) = civil_from_days(seconds.div_euclid(86_400));
    let of_day = seconds.rem_euclid(86_400);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{micros:06}Z",
        of_day / 3600,
        of_day % 3600 / 60,
        of_day % 60
    )
}

/// Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar): (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// A service's timestamp as a date and time in `zone` ("2023-11-14 23:13 +01:00"): epoch
/// milliseconds (Crowd's `lastAuthenticated`, `passwordLastChanged`; 12 to 14 digits) or RFC 3339
/// (SCIM `meta.created`); a date and time without a zone (Looker's `datetime` values, "2019-04-01
/// 00:00:00") stays as it is, to the minute. None when the text is none of these.
pub fn local_text(text: &str, zone: &jiff::tz::TimeZone) -> Option<String> {
    let text = text.trim();
    let instant = if (12..=14).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit()) {
        jiff::Timestamp::from_millisecond(text.parse().ok()?).ok()?
    } else if let Ok(instant) = text.parse::<jiff::Timestamp>() {
        instant
    } else {
        let civil: jiff::civil::DateTime = text.parse().ok()?;
        return Some(civil.strftime("%Y-%m-%d %H:%M").to_string());
    };
    Some(
        instant
            .to_zoned(zone.clone())
            .strftime("%Y-%m-%d %H:%M %:z")
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::{local_text, rfc3339};

    #[test]
    fn service_timestamps_read_as_local_dates() {
        let utc = jiff::tz::TimeZone::UTC;
        assert_eq!(
            local_text("1700000000000", &utc).as_deref(),
            Some("2023-11-14 22:13 +00:00")
        );
        assert_eq!(
            local_text("2021-02-16T15:05:41.185473Z", &utc).as_deref(),
            Some("2021-02-16 15:05 +00:00")
        );
        let paris = jiff::tz::TimeZone::fixed(jiff::tz::offset(1));
        assert_eq!(
            local_text("1700000000000", &paris).as_deref(),
            Some("2023-11-14 23:13 +01:00")
        );
        assert_eq!(
            local_text("2019-04-01 00:00:00", &utc).as_deref(),
            Some("2019-04-01 00:00")
        );
        assert_eq!(local_text("3100", &utc), None);
        assert_eq!(local_text("EMEA", &utc), None);
    }

    #[test]
    fn known_instants_format_correctly() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_795_305_600 + 3_723), "2026-11-22T01:02:03Z");
    }
}
