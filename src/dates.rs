//! Dates the Swedish way: `31 mars 2026`.

use chrono::{Datelike, NaiveDate};

const MONTHS: [&str; 12] = [
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
];

pub fn format_date(date: NaiveDate) -> String {
    format!(
        "{} {} {}",
        date.day(),
        MONTHS[date.month0() as usize],
        date.year()
    )
}

/// Parses the ISO form an `<input type="date">` sends (`2026-03-31`).
pub fn parse_date(input: &str) -> Result<NaiveDate, &'static str> {
    let s = input.trim();
    if s.is_empty() {
        return Err("Ange ett datum.");
    }
    let date = NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| "Ange datumet som ÅÅÅÅ-MM-DD, till exempel 2026-03-31.")?;
    if !(1900..=2100).contains(&date.year()) {
        return Err("Ange ett datum mellan år 1900 och 2100.");
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn formats_dates_with_swedish_month_names() {
        assert_eq!(format_date(date(2026, 3, 31)), "31 mars 2026");
        assert_eq!(format_date(date(2021, 11, 15)), "15 november 2021");
        assert_eq!(format_date(date(2027, 1, 1)), "1 januari 2027");
        assert_eq!(format_date(date(2026, 5, 9)), "9 maj 2026");
    }

    #[test]
    fn parses_iso_dates_and_refuses_the_rest() {
        assert_eq!(parse_date("2026-03-31"), Ok(date(2026, 3, 31)));
        assert!(parse_date("").is_err());
        assert!(parse_date("31 mars 2026").is_err());
        assert!(parse_date("2026-02-30").is_err());
        assert!(parse_date("1899-12-31").is_err());
        assert!(parse_date("2101-01-01").is_err());
        assert!(parse_date("+99999-01-01").is_err());
        assert_eq!(parse_date("1900-01-01"), Ok(date(1900, 1, 1)));
    }
}
