//! Dates and times within what both databases store: years 1 to 9999.

use crate::error::{UserError, UserErrorCode};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

/// The years a date may fall in.
pub const YEARS: std::ops::RangeInclusive<i32> = 1..=9999;

fn out_of_range(field: &str) -> UserError {
    UserError::new(
        field,
        UserErrorCode::Invalid,
        format!(
            "Give a date between the years {} and {}",
            YEARS.start(),
            YEARS.end()
        ),
    )
}

/// A point in time within [`YEARS`].
pub fn moment(field: &str, value: DateTime<Utc>) -> Result<DateTime<Utc>, UserError> {
    if YEARS.contains(&value.year()) {
        Ok(value)
    } else {
        Err(out_of_range(field))
    }
}

/// A day within [`YEARS`].
pub fn day(field: &str, value: NaiveDate) -> Result<NaiveDate, UserError> {
    if YEARS.contains(&value.year()) {
        Ok(value)
    } else {
        Err(out_of_range(field))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn years_one_to_9999() {
        let at = |y| NaiveDate::from_ymd_opt(y, 1, 1).unwrap();
        assert!(day("heldOn", at(1)).is_ok() && day("heldOn", at(9999)).is_ok());
        assert!(day("heldOn", at(0)).is_err() && day("heldOn", at(10_000)).is_err());
        let far = at(-100_000).and_hms_opt(0, 0, 0).unwrap().and_utc();
        assert_eq!(
            moment("opensAt", far).unwrap_err().field,
            vec!["input", "opensAt"]
        );
    }
}
