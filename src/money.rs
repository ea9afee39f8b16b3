//! Kronor with öre: exact decimals, parsed and shown the Swedish way.
//!
//! Every parser of what people type has property tests (proptest) beside it, in a
//! `mod properties`: here (amounts), `giro.rs` (bankgiro, plusgiro, the check digit),
//! `dates.rs` (dates and years), `input.rs` (e-mail addresses), `web.rs` (multipart
//! uploads), `programme/model.rs` (organisation numbers, years), `mail/model.rs` (reminder days),
//! and `history/model.rs` and `history/sheet.rs` (the history CSV/XLSX). Each holds: no
//! panic, nothing wrong accepted. Run them alone with `cargo test --lib properties`; what
//! they once found is kept in `proptest-regressions/` (for one: a quoted line break in a
//! CSV's first line chose the wrong separator).

use rust_decimal::Decimal;
use std::fmt;

/// Non-breaking space: keeps `1 000 000 kr` on one line.
const NBSP: char = '\u{a0}';

/// A positive or zero amount of kronor with at most two decimals (öre).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Amount(Decimal);

/// The largest amount the schema's NUMERIC(14,2) holds, rounded down to a sensible bound.
const MAX: Decimal = Decimal::from_parts(1_000_000_000, 0, 0, false, 0);

impl Amount {
    /// Parses what people type: `1000000`, `1 000 000`, `1 000 000,00`, `1000000.00`, `12 345,5 kr`.
    pub fn parse(input: &str) -> Result<Amount, &'static str> {
        let trimmed = input.trim();
        let trimmed = trimmed.strip_suffix("kr").unwrap_or(trimmed).trim_end();
        if trimmed.is_empty() {
            return Err("Ange ett belopp.");
        }
        let cleaned: String = trimmed
            .chars()
            .filter(|c| !matches!(*c, ' ' | NBSP | '\u{202f}'))
            .collect();
        if cleaned.starts_with('-') {
            return Err("Beloppet kan inte vara negativt.");
        }
        let (whole, fraction) = match cleaned.split_once([',', '.']) {
            Some((w, f)) => (w, Some(f)),
            None => (cleaned.as_str(), None),
        };
        let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
        if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
            return Err(
                "Ange beloppet i kronor med siffror, till exempel 1 000 000 eller 12 345,50.",
            );
        }
        if fraction.is_some_and(|f| f.len() > 2) {
            return Err("Ange högst två decimaler (öre).");
        }
        if whole.len() > 12 {
            return Err("Beloppet är för stort.");
        }
        let normalised = match fraction {
            Some(f) => format!("{whole}.{f}"),
            None => whole.to_string(),
        };
        let value: Decimal = normalised
            .parse()
            .map_err(|_| "Beloppet kunde inte läsas.")?;
        if value > MAX {
            return Err("Beloppet är för stort.");
        }
        Ok(Amount(value))
    }

    pub fn new(value: Decimal) -> Option<Amount> {
        (value >= Decimal::ZERO && value.scale() <= 2 && value <= MAX).then_some(Amount(value))
    }

    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_kronor(self.0))
    }
}

/// `1 000 000 kr`, `12 345,50 kr`, `-500 kr`: öre only when there are any.
pub fn format_kronor(value: Decimal) -> String {
    let rounded = value.round_dp(2);
    let negative = rounded.is_sign_negative() && !rounded.is_zero();
    let abs = rounded.abs();
    let whole = abs.trunc();
    let ore = ((abs - whole) * Decimal::ONE_HUNDRED).trunc();
    let digits = whole.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3 + 8);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push(NBSP);
        }
        grouped.push(c);
    }
    let sign = if negative { "−" } else { "" };
    if ore.is_zero() {
        format!("{sign}{grouped}{NBSP}kr")
    } else {
        format!("{sign}{grouped},{ore:0>2}{NBSP}kr")
    }
}

/// The amount as it goes back into a form field: `1000000,50`, no grouping.
pub fn format_input(value: Decimal) -> String {
    let v = value.round_dp(2).normalize();
    v.to_string().replace('.', ",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn d(s: &str) -> Decimal {
        Decimal::from_str(s).expect("test decimal")
    }

    #[test]
    fn accepts_the_ways_people_write_a_million() {
        for input in [
            "1000000",
            "1 000 000",
            "1 000 000,00",
            "1000000.00",
            "1\u{a0}000\u{a0}000",
            " 1000000 kr",
        ] {
            assert_eq!(
                Amount::parse(input).map(Amount::value),
                Ok(d("1000000")),
                "{input:?}"
            );
        }
        assert_eq!(
            Amount::parse("12 345,5").map(Amount::value),
            Ok(d("12345.5"))
        );
        assert_eq!(Amount::parse("0").map(Amount::value), Ok(d("0")));
    }

    #[test]
    fn refuses_what_is_not_an_amount_with_a_swedish_reason() {
        for input in [
            "",
            "  ",
            "-5",
            "abc",
            "1e9",
            "1,234,567",
            "12,345",
            "1.5.5",
            "++1",
            "0x10",
            "1 000,001",
            "10000000000000",
        ] {
            let result = Amount::parse(input);
            assert!(
                result.is_err(),
                "{input:?} should be refused, got {result:?}"
            );
        }
        assert_eq!(Amount::parse("-5"), Err("Beloppet kan inte vara negativt."));
        assert_eq!(Amount::parse(""), Err("Ange ett belopp."));
    }

    #[test]
    fn formats_kronor_with_spaces_and_ore_only_when_present() {
        let nb = |s: &str| s.replace(' ', "\u{a0}");
        assert_eq!(format_kronor(d("1000000")), nb("1 000 000 kr"));
        assert_eq!(format_kronor(d("1000000.00")), nb("1 000 000 kr"));
        assert_eq!(format_kronor(d("12345.5")), nb("12 345,50 kr"));
        assert_eq!(format_kronor(d("500000")), nb("500 000 kr"));
        assert_eq!(format_kronor(d("999")), nb("999 kr"));
        assert_eq!(format_kronor(d("0")), nb("0 kr"));
        assert_eq!(format_kronor(d("0.05")), nb("0,05 kr"));
        assert_eq!(format_kronor(d("-1500")), nb("−1 500 kr"));
        assert_eq!(format_kronor(d("23000000")), nb("23 000 000 kr"));
    }

    #[test]
    fn form_values_round_trip_through_the_parser() {
        for s in ["1000000", "12345.5", "0.05", "750000.25"] {
            let shown = format_input(d(s));
            assert_eq!(
                Amount::parse(&shown).map(Amount::value),
                Ok(d(s)),
                "{shown}"
            );
        }
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;
    use std::str::FromStr;

    proptest! {
        /// Whatever is typed, the parser answers without panicking, and what it accepts
        /// is exactly the kronor typed: digits with spaces, at most one decimal separator
        /// and two decimals, an optional `kr`, never negative, never over the bound.
        #[test]
        fn an_amount_is_accepted_only_as_the_kronor_typed(
            input in "\\PC{0,20}|[ ]?[0-9 \u{a0},.-]{0,16}[ ]?(kr)?"
        ) {
            if let Ok(amount) = Amount::parse(&input) {
                let trimmed = input.trim();
                let body = trimmed.strip_suffix("kr").unwrap_or(trimmed);
                let plain = |c: char| c.is_ascii_digit() || matches!(c, ',' | '.' | ' ' | NBSP | '\u{202f}');
                prop_assert!(body.chars().all(plain));
                let typed: String = body
                    .chars()
                    .filter(|c| c.is_ascii_digit() || matches!(c, ',' | '.'))
                    .map(|c| if c == ',' { '.' } else { c })
                    .collect();
                prop_assert_eq!(Decimal::from_str(&typed).ok(), Some(amount.value()));
                prop_assert!(typed.split_once('.').is_none_or(|(_, f)| (1..=2).contains(&f.len())));
                prop_assert!(amount.value() >= Decimal::ZERO && amount.value() <= MAX);
            }
        }

        /// Every amount from 0 to the bound reads back as itself, as a form shows it and
        /// as a page shows it.
        #[test]
        fn every_amount_reads_back_as_shown_and_as_typed(ore in 0i64..=100_000_000_000) {
            let value = Decimal::new(ore, 2);
            prop_assert_eq!(Amount::parse(&format_input(value)).map(Amount::value), Ok(value));
            prop_assert_eq!(Amount::parse(&format_kronor(value)).map(Amount::value), Ok(value));
        }
    }
}
