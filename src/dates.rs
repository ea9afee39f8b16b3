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

/// A programme year as typed in a form or a spreadsheet cell: `2026`, within 2000–2100.
pub fn parse_year(input: &str) -> Result<i32, &'static str> {
    match input.trim().parse::<i32>() {
        Ok(y) if (2000..=2100).contains(&y) => Ok(y),
        _ => Err("Ange ett årtal, till exempel 2026."),
    }
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

    mod properties {
        use super::super::*;
        use proptest::prelude::*;

        proptest! {
            /// Whatever is typed, the parser answers without panicking, and what it
            /// accepts is exactly the date the digits say, within 1900–2100.
            #[test]
            fn a_date_is_accepted_only_as_the_date_it_says(input in "\\PC{0,16}|[ ]?[0-9+-]{0,6}-[0-9]{0,3}-[0-9]{0,3}[ ]?") {
                if let Ok(date) = parse_date(&input) {
                    let numbers: Vec<i64> = input
                        .trim()
                        .split('-')
                        .map(|p| p.parse::<i64>().expect("an accepted date has numbers"))
                        .collect();
                    prop_assert_eq!(numbers, vec![i64::from(date.year()), i64::from(date.month()), i64::from(date.day())]);
                    prop_assert!((1900..=2100).contains(&date.year()));
                }
            }

            /// Every date in the range is read back as itself from the form a date field sends.
            #[test]
            fn every_date_in_range_reads_back(days in 0i64..(201 * 366)) {
                let date = NaiveDate::from_ymd_opt(1900, 1, 1).expect("date") + chrono::Days::new(days as u64);
                prop_assume!(date.year() <= 2100);
                prop_assert_eq!(parse_date(&date.format("%Y-%m-%d").to_string()), Ok(date));
            }

            /// A year is accepted only as the number typed, within 2000–2100.
            #[test]
            fn a_year_is_accepted_only_as_the_number_typed(input in "\\PC{0,8}|[ +-]?[0-9]{1,5}[ ]?") {
                match parse_year(&input) {
                    Ok(year) => {
                        prop_assert_eq!(input.trim().trim_start_matches('+').parse::<i32>(), Ok(year));
                        prop_assert!((2000..=2100).contains(&year));
                    }
                    Err(_) => prop_assert!(input
                        .trim()
                        .parse::<i32>()
                        .map_or(true, |y| !(2000..=2100).contains(&y))),
                }
            }
        }
    }
}
