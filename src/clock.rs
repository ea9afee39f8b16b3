//! Swedish time. Deadlines are Swedish dates: "today" is the date in Europe/Stockholm,
//! and every date and time shown is Swedish, whatever the server's own time zone: a
//! requisition sent at 00:30 on 1 April is late even on a UTC server.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::{Europe::Stockholm, Tz};

/// The time zone of every deadline and every date shown.
pub const SWEDEN: Tz = Stockholm;

/// A moment as Swedish local time.
pub fn swedish(t: DateTime<Utc>) -> DateTime<Tz> {
    t.with_timezone(&SWEDEN)
}

/// The Swedish date of a moment: what a filing at that moment counts as.
pub fn swedish_date(t: DateTime<Utc>) -> NaiveDate {
    swedish(t).date_naive()
}

/// Today's date and the present moment: from the system clock, or fixed in tests.
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    /// A fixed Swedish date; the time of day runs as usual (tests of deadlines).
    Fixed(NaiveDate),
    /// A fixed moment (tests of what happens around Swedish midnight).
    At(DateTime<Utc>),
}

impl Clock {
    /// Today in Sweden.
    pub fn today(self) -> NaiveDate {
        match self {
            Clock::Fixed(date) => date,
            other => swedish_date(other.now()),
        }
    }

    /// The moment recorded on a filing: on a fixed day, that day at the current Swedish
    /// time of day, so dates shown and deadlines checked agree.
    pub fn now(self) -> DateTime<Utc> {
        let now = Utc::now();
        match self {
            Clock::System => now,
            Clock::At(at) => at,
            Clock::Fixed(date) => date
                .and_time(swedish(now).time())
                .and_local_timezone(SWEDEN)
                .earliest()
                .map_or(now, |t| t.to_utc()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid moment")
    }

    #[test]
    fn half_past_eleven_utc_on_31_march_is_already_1_april_in_sweden() {
        // Summer time has begun (CEST, UTC+2) by 31 March 2026.
        assert_eq!(
            Clock::At(utc(2026, 3, 31, 23, 30)).today(),
            NaiveDate::from_ymd_opt(2026, 4, 1).expect("date")
        );
        assert_eq!(
            Clock::At(utc(2026, 3, 31, 21, 30)).today(),
            NaiveDate::from_ymd_opt(2026, 3, 31).expect("date")
        );
    }

    #[test]
    fn winter_time_is_one_hour_ahead_of_utc() {
        assert_eq!(
            swedish_date(utc(2026, 1, 31, 22, 59)),
            NaiveDate::from_ymd_opt(2026, 1, 31).expect("date")
        );
        assert_eq!(
            swedish_date(utc(2026, 1, 31, 23, 0)),
            NaiveDate::from_ymd_opt(2026, 2, 1).expect("date")
        );
    }

    #[test]
    fn a_fixed_day_files_on_that_swedish_day_at_any_hour() {
        let day = NaiveDate::from_ymd_opt(2026, 3, 31).expect("date");
        assert_eq!(swedish_date(Clock::Fixed(day).now()), day);
    }
}
