//! Late-payment interest (*dröjsmålsränta*) on a repayment not paid by its deadline: the
//! unpaid amount is a claim of the state, and interest runs on it under räntelagen
//! (1975:635). Pure and unit-tested; the pages, the list and the export call
//! [`late_interest`], and it is shown and exported apart from the amount owed, never added
//! to it.
//!
//! # The rule, as computed here
//!
//! - **Rate** (6 §): Riksbanken's reference rate (9 §, set per calendar half-year: the rate
//!   of 1 January holds 1 January–30 June, that of 1 July 1 July–31 December) plus eight
//!   percentage points, per year. An administrator enters the reference rates
//!   (`/admin/referensranta`); each day takes the rate of its own half-year. A half-year a
//!   day of interest falls in without a rate is an error that names it ("Referensräntan
//!   för första halvåret 2027 saknas"), never a guessed zero.
//! - **Days**: from the day after the due date up to and including the day the money
//!   reached Tillväxtverket's account (a confirmed payment's `received_on`). Each day bears
//!   interest on what was unpaid that morning: a payment lowers the principal from the day
//!   after it. Paid on the due date, or before, leaves no interest; paid the next day, one
//!   day's.
//! - **Day count: actual days / 365, in leap years too** — the convention Kronofogden and
//!   Riksgälden use for dröjsmålsränta. A whole leap year thus bears 366/365 of a year's
//!   interest.
//! - **Rounding**: each period's principal × rate × days is kept exact, their sum divided by
//!   36 500 once, and the claim rounded to whole öre, half up, at the end. A period's own
//!   figure is rounded only to be read.
//! - **The due date**: the actor's repayment deadline, fixed in advance (its extension and
//!   söndagsregeln included: the effective date), whenever the report came in. Interest
//!   runs from the day after it; a region whose report came late is not given later days
//!   by the rule — leniency is the case officer's decision (waive it, with a reason). The
//!   page, the reminder and the export name the same day.
//! - **Payments** are those Tillväxtverket confirmed as received, by the day and amount
//!   received; a payment only registered by the region settles nothing yet. What is paid
//!   beyond the principal never makes it negative.
//!
//! Whether the interest is claimed is a case officer's decision per case, with a reason
//! (förordning (1993:1138) om hantering av statliga fordringar allows small amounts to be
//! waived): [`DecisionForm`]. The region sees the interest only once it is claimed.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use rust_decimal::{Decimal, RoundingStrategy};
use serde::Deserialize;

use crate::{money::format_kronor, web::FormErrors};

/// The percentage points räntelagen 6 § adds to the reference rate.
pub const ADDED_POINTS: Decimal = Decimal::from_parts(8, 0, 0, false, 0);

/// The days of a year interest is counted on, leap years too.
pub const DAY_COUNT: i64 = 365;

/// The first day of the half-year `day` falls in: 1 January or 1 July.
pub fn half_year_start(day: NaiveDate) -> NaiveDate {
    let month = if day.month() <= 6 { 1 } else { 7 };
    NaiveDate::from_ymd_opt(day.year(), month, 1).unwrap_or(day)
}

/// The last day of the half-year `day` falls in: 30 June or 31 December.
fn half_year_end(day: NaiveDate) -> NaiveDate {
    let (month, last) = if day.month() <= 6 { (6, 30) } else { (12, 31) };
    NaiveDate::from_ymd_opt(day.year(), month, last).unwrap_or(day)
}

/// `första halvåret 2027`, `andra halvåret 2026`.
pub fn half_year_label(start: NaiveDate) -> String {
    if start.month() <= 6 {
        format!("första halvåret {}", start.year())
    } else {
        format!("andra halvåret {}", start.year())
    }
}

/// `10,00 %`, `9,75 %`, `−0,50 %` shown as `-0,50 %`, `2,125 %`: two decimals at least.
pub fn format_percent(rate: Decimal) -> String {
    let r = rate.normalize();
    let text = if r.scale() < 2 {
        format!("{r:.2}")
    } else {
        r.to_string()
    };
    format!("{}\u{a0}%", text.replace('.', ","))
}

/// Rounded to whole öre, half up (the interest is never negative).
pub fn round_ore(amount: Decimal) -> Decimal {
    amount.round_dp_with_strategy(2, RoundingStrategy::MidpointAwayFromZero)
}

/// What `principal × rate (percent) × days` is divided by to give kronor.
fn divisor() -> Decimal {
    Decimal::from(100 * DAY_COUNT)
}

/// A half-year whose reference rate is needed and not entered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MissingRate {
    pub half_year_start: NaiveDate,
}

impl fmt::Display for MissingRate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Referensräntan för {} saknas",
            half_year_label(self.half_year_start)
        )
    }
}

impl std::error::Error for MissingRate {}

/// Days with one principal and one rate: `from`–`to`, both included.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// What was unpaid on these days.
    pub principal: Decimal,
    /// Riksbanken's reference rate of the half-year, percent.
    pub reference_rate: Decimal,
    /// The interest rate: the reference rate plus eight percentage points, percent per year.
    pub rate: Decimal,
}

impl Period {
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period's interest × 36 500, exact.
    fn weight(&self) -> Decimal {
        self.principal * self.rate * Decimal::from(self.days())
    }

    /// The period's interest rounded to öre, to be read; the claim is rounded once, on the
    /// exact sum ([`Interest::amount`]).
    pub fn interest(&self) -> Decimal {
        round_ore(self.weight() / divisor())
    }

    pub fn rate_label(&self) -> String {
        format_percent(self.rate)
    }

    pub fn reference_label(&self) -> String {
        format_percent(self.reference_rate)
    }
}

/// The interest on a late repayment up to a day.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Interest {
    /// The claim, in whole öre.
    pub amount: Decimal,
    /// Days that bore interest.
    pub days: i64,
    /// The days, cut where the principal or the half-year changes.
    pub periods: Vec<Period>,
}

impl Interest {
    /// The first day that bore interest.
    pub fn first_day(&self) -> Option<NaiveDate> {
        self.periods.first().map(|p| p.from)
    }

    /// The last day counted: the day the rest was paid, or the day it was computed to.
    pub fn through(&self) -> Option<NaiveDate> {
        self.periods.last().map(|p| p.to)
    }

    /// The interest rates used, one per half-year, in order: (half-year's first day, rate).
    pub fn rates(&self) -> Vec<(NaiveDate, Decimal)> {
        let mut rates: Vec<(NaiveDate, Decimal)> = Vec::new();
        for p in &self.periods {
            let start = half_year_start(p.from);
            if rates.last().is_none_or(|(s, _)| *s != start) {
                rates.push((start, p.rate));
            }
        }
        rates
    }

    /// `första halvåret 2026: 10,00 %, andra halvåret 2026: 9,75 %`.
    pub fn rates_text(&self) -> String {
        self.rates()
            .into_iter()
            .map(|(start, rate)| format!("{}: {}", half_year_label(start), format_percent(rate)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Whether interest runs on the case: some day bore interest, or would if its half-year's
/// reference rate were entered.
pub fn accrues(interest: &Result<Interest, MissingRate>) -> bool {
    match interest {
        Ok(i) => i.days > 0,
        Err(_) => true,
    }
}

/// The late-payment interest on `outstanding`, due on `due`, paid by `payments` (day
/// received, amount), counted up to and including `until` (or the day it was all paid),
/// with the reference rates `rates` (half-year's first day, percent). See the module's
/// rule.
pub fn late_interest(
    outstanding: Decimal,
    due: NaiveDate,
    payments: &[(NaiveDate, Decimal)],
    until: NaiveDate,
    rates: &[(NaiveDate, Decimal)],
) -> Result<Interest, MissingRate> {
    let mut payments = payments.to_vec();
    payments.sort_by_key(|(day, _)| *day);
    let mut principal = outstanding;
    let mut later = Vec::new();
    for (day, amount) in payments {
        if day <= due {
            principal -= amount;
        } else {
            later.push((day, amount));
        }
    }
    let mut later = later.into_iter().peekable();
    let mut periods = Vec::new();
    let mut day = due.succ_opt();
    while let Some(from) = day {
        if principal <= Decimal::ZERO || from > until {
            break;
        }
        // One principal and one rate: up to the half-year's end, the last day counted, or
        // the next payment's day, whichever comes first.
        let mut to = half_year_end(from).min(until);
        if let Some((paid, _)) = later.peek() {
            to = to.min(*paid);
        }
        let start = half_year_start(from);
        let reference_rate = rates
            .iter()
            .find(|(s, _)| *s == start)
            .map(|(_, r)| *r)
            .ok_or(MissingRate {
                half_year_start: start,
            })?;
        periods.push(Period {
            from,
            to,
            principal,
            reference_rate,
            rate: reference_rate + ADDED_POINTS,
        });
        // What was paid on the period's last day counts from the next.
        while let Some((paid, amount)) = later.peek().copied() {
            if paid > to {
                break;
            }
            principal -= amount;
            later.next();
        }
        day = to.succ_opt();
    }
    let weight: Decimal = periods.iter().map(Period::weight).sum();
    Ok(Interest {
        amount: round_ore(weight / divisor()),
        days: periods.iter().map(Period::days).sum(),
        periods,
    })
}

/// The payments as a line of the export: `2026-04-15: 100 000 kr, 2026-08-10: 90 000 kr`.
pub fn payments_text(payments: &[(NaiveDate, Decimal)]) -> String {
    payments
        .iter()
        .map(|(day, amount)| format!("{day}: {}", format_kronor(*amount)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A reference rate as typed: `2`, `2,00`, `2.5 %`, `-0,50`; at most three decimals,
/// between −10 and 50 percent.
pub fn parse_rate(input: &str) -> Result<Decimal, &'static str> {
    let trimmed = input.trim();
    let trimmed = trimmed.strip_suffix('%').unwrap_or(trimmed).trim();
    if trimmed.is_empty() {
        return Err("Ange referensräntan i procent, till exempel 2,00.");
    }
    let cleaned = trimmed.replace(',', ".").replace('\u{2212}', "-");
    let (negative, body) = match cleaned.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, cleaned.as_str()),
    };
    let (whole, fraction) = body.split_once('.').unwrap_or((body, ""));
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if whole.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || (body.contains('.') && fraction.is_empty())
    {
        return Err("Ange räntan med siffror, till exempel 2,00 eller -0,50.");
    }
    if fraction.len() > 3 {
        return Err("Ange högst tre decimaler.");
    }
    let too_far = "Referensräntan ska ligga mellan -10 och 50 procent.";
    if whole.len() > 3 {
        return Err(too_far);
    }
    let value: Decimal = body
        .parse()
        .map_err(|_| "Räntan kunde inte läsas. Ange den till exempel som 2,00.")?;
    let value = if negative { -value } else { value };
    if !(Decimal::from(-10)..=Decimal::from(50)).contains(&value) {
        return Err(too_far);
    }
    Ok(value)
}

/// The administrator's form for a half-year's reference rate.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RateForm {
    pub year: String,
    /// `1`: 1 January–30 June; `2`: 1 July–31 December.
    pub half: String,
    pub rate: String,
}

impl RateForm {
    /// An empty form for the half-year `today` falls in.
    pub fn for_day(today: NaiveDate) -> RateForm {
        RateForm {
            year: today.year().to_string(),
            half: if today.month() <= 6 { "1" } else { "2" }.to_string(),
            rate: String::new(),
        }
    }

    /// The half-year's first day and the rate.
    pub fn validate(&self) -> Result<(NaiveDate, Decimal), FormErrors> {
        let mut errors = FormErrors::default();
        let year = match crate::dates::parse_year(&self.year) {
            Ok(y) => Some(y),
            Err(e) => {
                errors.add("year", e);
                None
            }
        };
        let month = match self.half.trim() {
            "1" => Some(1),
            "2" => Some(7),
            _ => {
                errors.add("half", "Välj första eller andra halvåret.");
                None
            }
        };
        let rate = match parse_rate(&self.rate) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.add("rate", e);
                None
            }
        };
        match (year, month, rate) {
            (Some(y), Some(m), Some(r)) => match NaiveDate::from_ymd_opt(y, m, 1) {
                Some(start) => Ok((start, r)),
                None => {
                    errors.add("year", "Ange ett årtal, till exempel 2026.");
                    Err(errors)
                }
            },
            _ => Err(errors),
        }
    }
}

/// A case officer's decision on a case's interest: claim it or not, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub claim: bool,
    pub reason: String,
}

impl Decision {
    pub fn label(&self) -> &'static str {
        decision_label(self.claim)
    }
}

/// `Debiteras` / `Debiteras inte`.
pub fn decision_label(claim: bool) -> &'static str {
    if claim { "Debiteras" } else { "Debiteras inte" }
}

/// The form of the decision on the case's page; `confirmed=ja` once the case officer has
/// seen what it does.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DecisionForm {
    /// `debitera` or `avsta`.
    pub interest_claim: String,
    pub interest_reason: String,
    pub confirmed: String,
}

impl DecisionForm {
    pub fn validate(&self) -> Result<Decision, FormErrors> {
        let mut errors = FormErrors::default();
        let claim = match self.interest_claim.trim() {
            "debitera" => Some(true),
            "avsta" => Some(false),
            _ => {
                errors.add(
                    "interest_claim",
                    "Välj om dröjsmålsräntan ska debiteras eller inte.",
                );
                None
            }
        };
        let reason = crate::input::required_text(
            &mut errors,
            "interest_reason",
            &self.interest_reason,
            5000,
            "Skriv skälet till beslutet. Det sparas med beslutet.",
        );
        match (claim, reason) {
            (Some(claim), Some(reason)) => Ok(Decision { claim, reason }),
            _ => Err(errors),
        }
    }

    /// The case officer has seen the confirmation page and confirmed.
    pub fn confirmed(&self) -> bool {
        self.confirmed.trim() == "ja"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn rates(list: &[(i32, u32, &str)]) -> Vec<(NaiveDate, Decimal)> {
        list.iter()
            .map(|(y, m, r)| (date(*y, *m, 1), dec(r)))
            .collect()
    }

    #[test]
    fn a_part_payment_and_two_half_years_to_the_ore() {
        // 190 000 kr due 26 February 2026; 100 000 kr received 15 April, the last 90 000 kr
        // 10 August. Reference rate 2,00 % for the first half-year (10,00 %), 1,75 % for the
        // second (9,75 %). By hand:
        //   27 Feb–15 Apr: 2 + 31 + 15 = 48 days × 190 000 × 10,00 % = 91 200 000 / 36 500
        //   16 Apr–30 Jun: 15 + 31 + 30 = 76 days × 90 000 × 10,00 % = 68 400 000 / 36 500
        //   1 Jul–10 Aug:  31 + 10     = 41 days × 90 000 ×  9,75 % = 35 977 500 / 36 500
        //   sum 195 577 500 / 36 500 = 5 358,2876… → 5 358,29 kr, over 165 days.
        let interest = late_interest(
            dec("190000"),
            date(2026, 2, 26),
            &[
                (date(2026, 8, 10), dec("90000")),
                (date(2026, 4, 15), dec("100000")),
            ],
            date(2026, 9, 1),
            &rates(&[(2026, 1, "2.00"), (2026, 7, "1.75")]),
        )
        .expect("every rate is there");
        assert_eq!(interest.amount, dec("5358.29"));
        assert_eq!(interest.days, 165);
        assert_eq!(
            interest
                .periods
                .iter()
                .map(|p| (p.from, p.to, p.days(), p.principal, p.rate))
                .collect::<Vec<_>>(),
            vec![
                (
                    date(2026, 2, 27),
                    date(2026, 4, 15),
                    48,
                    dec("190000"),
                    dec("10.00")
                ),
                (
                    date(2026, 4, 16),
                    date(2026, 6, 30),
                    76,
                    dec("90000"),
                    dec("10.00")
                ),
                (
                    date(2026, 7, 1),
                    date(2026, 8, 10),
                    41,
                    dec("90000"),
                    dec("9.75")
                ),
            ]
        );
        assert_eq!(
            interest
                .periods
                .iter()
                .map(Period::interest)
                .collect::<Vec<_>>(),
            vec![dec("2498.63"), dec("1873.97"), dec("985.68")]
        );
        assert_eq!(interest.first_day(), Some(date(2026, 2, 27)));
        assert_eq!(
            interest.through(),
            Some(date(2026, 8, 10)),
            "counted to the day it was all paid, not to `until`"
        );
        assert_eq!(
            interest.rates_text(),
            "första halvåret 2026: 10,00\u{a0}%, andra halvåret 2026: 9,75\u{a0}%"
        );
        assert!(accrues(&Ok(interest)));
    }

    #[test]
    fn while_unpaid_it_runs_to_the_day_it_is_counted_to() {
        // 36 500 kr at 10,00 % is 10 kr a day: 27 Feb–3 Mar 2026 is 5 days.
        let interest = late_interest(
            dec("36500"),
            date(2026, 2, 26),
            &[],
            date(2026, 3, 3),
            &rates(&[(2026, 1, "2")]),
        )
        .expect("rate");
        assert_eq!((interest.amount, interest.days), (dec("50.00"), 5));
        assert_eq!(interest.through(), Some(date(2026, 3, 3)));
    }

    #[test]
    fn a_leap_year_counts_its_days_over_365() {
        // 100 000 kr due 28 February 2028, received 1 March: 29 February and 1 March, 2 days.
        // 100 000 × 10,00 % × 2 / 365 = 54,794… → 54,79 kr (over 366 it would be 54,64).
        let short = late_interest(
            dec("100000"),
            date(2028, 2, 28),
            &[(date(2028, 3, 1), dec("100000"))],
            date(2028, 3, 31),
            &rates(&[(2028, 1, "2.00")]),
        )
        .expect("rate");
        assert_eq!((short.amount, short.days), (dec("54.79"), 2));
        // A whole leap year unpaid: 36 500 kr at 10,00 % is 10 kr a day, 366 days (182 in the
        // first half-year, 184 in the second) = 3 660 kr, more than a year's 3 650 kr.
        let year = late_interest(
            dec("36500"),
            date(2027, 12, 31),
            &[],
            date(2028, 12, 31),
            &rates(&[(2028, 1, "2"), (2028, 7, "2")]),
        )
        .expect("rates");
        assert_eq!((year.amount, year.days), (dec("3660.00"), 366));
        assert_eq!(
            year.periods.iter().map(Period::days).collect::<Vec<_>>(),
            vec![182, 184]
        );
    }

    #[test]
    fn each_day_takes_the_rate_of_its_own_half_year() {
        // 36 500 kr unpaid from 30 June 2026: 30 June at 10 % (10 kr), 1–2 July at 12 % (12 kr
        // a day): 34 kr.
        let interest = late_interest(
            dec("36500"),
            date(2026, 6, 29),
            &[],
            date(2026, 7, 2),
            &rates(&[(2026, 1, "2"), (2026, 7, "4")]),
        )
        .expect("rates");
        assert_eq!((interest.amount, interest.days), (dec("34.00"), 3));
        assert_eq!(
            interest.rates(),
            vec![(date(2026, 1, 1), dec("10")), (date(2026, 7, 1), dec("12"))]
        );
    }

    #[test]
    fn paid_on_the_due_date_or_before_bears_no_interest_and_needs_no_rate() {
        for paid in [date(2026, 2, 26), date(2026, 2, 10)] {
            let interest = late_interest(
                dec("190000"),
                date(2026, 2, 26),
                &[(paid, dec("190000"))],
                date(2027, 6, 1),
                &[],
            )
            .expect("no day bears interest, so no rate is needed");
            assert_eq!(interest.amount, Decimal::ZERO);
            assert_eq!(interest.days, 0);
            assert!(interest.periods.is_empty());
            assert!(!accrues(&Ok(interest)));
        }
        // Counted on the due date itself: nothing yet.
        let on_the_day = late_interest(
            dec("190000"),
            date(2026, 2, 26),
            &[],
            date(2026, 2, 26),
            &[],
        )
        .expect("nothing to count");
        assert_eq!(on_the_day.days, 0);
    }

    #[test]
    fn paid_the_day_after_bears_one_day() {
        let interest = late_interest(
            dec("36500"),
            date(2026, 2, 26),
            &[(date(2026, 2, 27), dec("36500"))],
            date(2026, 5, 1),
            &rates(&[(2026, 1, "2")]),
        )
        .expect("rate");
        assert_eq!((interest.amount, interest.days), (dec("10.00"), 1));
    }

    #[test]
    fn what_was_paid_by_the_due_date_lowers_the_principal_from_the_start() {
        // 36 500 kr owed, 18 250 kr paid in time: 18 250 kr bears 5 kr a day for 4 days.
        let interest = late_interest(
            dec("36500"),
            date(2026, 2, 26),
            &[(date(2026, 2, 20), dec("18250"))],
            date(2026, 3, 2),
            &rates(&[(2026, 1, "2")]),
        )
        .expect("rate");
        assert_eq!((interest.amount, interest.days), (dec("20.00"), 4));
        assert_eq!(interest.periods[0].principal, dec("18250"));
    }

    #[test]
    fn an_over_payment_ends_the_interest_and_is_never_a_negative_principal() {
        // 36 500 kr owed, 40 000 kr received 1 March: 27 Feb–1 Mar, 3 days × 10 kr.
        let interest = late_interest(
            dec("36500"),
            date(2026, 2, 26),
            &[(date(2026, 3, 1), dec("40000"))],
            date(2026, 12, 31),
            &rates(&[(2026, 1, "2")]),
        )
        .expect("rate");
        assert_eq!((interest.amount, interest.days), (dec("30.00"), 3));
    }

    #[test]
    fn a_payment_after_the_day_counted_to_is_not_yet_counted() {
        let interest = late_interest(
            dec("36500"),
            date(2026, 2, 26),
            &[(date(2026, 3, 10), dec("36500"))],
            date(2026, 3, 1),
            &rates(&[(2026, 1, "2")]),
        )
        .expect("rate");
        assert_eq!((interest.amount, interest.days), (dec("30.00"), 3));
    }

    #[test]
    fn a_missing_reference_rate_is_named_never_taken_as_zero() {
        let missing = late_interest(
            dec("1000"),
            date(2026, 12, 30),
            &[],
            date(2027, 1, 5),
            &rates(&[(2026, 7, "2")]),
        )
        .expect_err("the first half-year of 2027 has no rate");
        assert_eq!(
            missing,
            MissingRate {
                half_year_start: date(2027, 1, 1)
            }
        );
        assert_eq!(
            missing.to_string(),
            "Referensräntan för första halvåret 2027 saknas"
        );
        assert!(accrues(&Err(missing)));
        let second = late_interest(
            dec("1000"),
            date(2026, 2, 26),
            &[],
            date(2026, 7, 1),
            &rates(&[(2026, 1, "2")]),
        )
        .expect_err("the second half-year of 2026 has no rate");
        assert_eq!(
            second.to_string(),
            "Referensräntan för andra halvåret 2026 saknas"
        );
    }

    #[test]
    fn the_claim_is_rounded_once_half_up_to_whole_ore() {
        // 18,25 kr × 10,00 % × 1 day / 365 = 182,5 / 36 500 = 0,005 kr exactly: half up is
        // 0,01 kr (rounding half to even would give 0,00).
        let half = late_interest(
            dec("18.25"),
            date(2026, 2, 26),
            &[],
            date(2026, 2, 27),
            &rates(&[(2026, 1, "2")]),
        )
        .expect("rate");
        assert_eq!(half.amount, dec("0.01"));
        // Two periods (30 June, 1 July) of 0,004 kr each (14,60 kr × 10 % / 365 = 0,004):
        // rounded each, 0 kr; the exact sum 0,008 rounds to 0,01 kr.
        let sum = late_interest(
            dec("14.60"),
            date(2026, 6, 29),
            &[],
            date(2026, 7, 1),
            &rates(&[(2026, 1, "2"), (2026, 7, "2")]),
        )
        .expect("rates");
        assert_eq!(sum.days, 2);
        assert_eq!(
            sum.periods.iter().map(Period::interest).collect::<Vec<_>>(),
            vec![Decimal::ZERO, Decimal::ZERO]
        );
        assert_eq!(sum.amount, dec("0.01"));
    }

    #[test]
    fn a_negative_reference_rate_still_leaves_a_positive_interest_rate() {
        // -0,50 % + 8 = 7,50 %: 36 500 kr bears 7,50 kr a day.
        let interest = late_interest(
            dec("36500"),
            date(2019, 2, 26),
            &[],
            date(2019, 2, 27),
            &rates(&[(2019, 1, "-0.50")]),
        )
        .expect("rate");
        assert_eq!(interest.amount, dec("7.50"));
        assert_eq!(interest.periods[0].rate_label(), "7,50\u{a0}%");
        assert_eq!(interest.periods[0].reference_label(), "-0,50\u{a0}%");
    }

    #[test]
    fn half_years_are_named_and_bounded() {
        assert_eq!(half_year_start(date(2026, 6, 30)), date(2026, 1, 1));
        assert_eq!(half_year_start(date(2026, 7, 1)), date(2026, 7, 1));
        assert_eq!(half_year_end(date(2026, 2, 27)), date(2026, 6, 30));
        assert_eq!(half_year_end(date(2026, 7, 1)), date(2026, 12, 31));
        assert_eq!(half_year_label(date(2027, 1, 1)), "första halvåret 2027");
        assert_eq!(half_year_label(date(2026, 7, 1)), "andra halvåret 2026");
        assert_eq!(format_percent(dec("10")), "10,00\u{a0}%");
        assert_eq!(format_percent(dec("2.125")), "2,125\u{a0}%");
        assert_eq!(format_percent(dec("9.750")), "9,75\u{a0}%");
    }

    #[test]
    fn rates_are_read_as_people_write_them() {
        assert_eq!(parse_rate("2"), Ok(dec("2")));
        assert_eq!(parse_rate(" 2,00 % "), Ok(dec("2.00")));
        assert_eq!(parse_rate("3.75"), Ok(dec("3.75")));
        assert_eq!(parse_rate("-0,50"), Ok(dec("-0.50")));
        assert_eq!(parse_rate("\u{2212}0,5"), Ok(dec("-0.5")));
        assert_eq!(parse_rate("0,125"), Ok(dec("0.125")));
        for wrong in [
            "", "%", "två", "2,", ",5", "2,0001", "1e2", "2,5,0", "51", "-11", "--1",
        ] {
            assert!(parse_rate(wrong).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn the_rate_form_names_each_wrong_field() {
        let ok = RateForm {
            year: "2026".into(),
            half: "2".into(),
            rate: "1,75".into(),
        };
        assert_eq!(ok.validate().ok(), Some((date(2026, 7, 1), dec("1.75"))));
        let wrong = RateForm {
            year: "tjugo".into(),
            half: "3".into(),
            rate: "".into(),
        }
        .validate()
        .expect_err("three errors");
        assert!(wrong.get("year").is_some());
        assert!(wrong.get("half").is_some());
        assert!(wrong.get("rate").is_some());
        assert_eq!(RateForm::for_day(date(2026, 8, 20)).half, "2");
        assert_eq!(RateForm::for_day(date(2026, 3, 1)).half, "1");
    }

    #[test]
    fn a_decision_needs_a_choice_and_a_reason() {
        let claim = DecisionForm {
            interest_claim: "debitera".into(),
            interest_reason: "  Regionen betalade fem månader för sent. ".into(),
            confirmed: String::new(),
        };
        assert_eq!(
            claim.validate().ok(),
            Some(Decision {
                claim: true,
                reason: "Regionen betalade fem månader för sent.".into()
            })
        );
        assert!(!claim.confirmed());
        let waive = DecisionForm {
            interest_claim: "avsta".into(),
            interest_reason: "Litet belopp.".into(),
            confirmed: "ja".into(),
        };
        assert_eq!(waive.validate().ok().map(|d| d.claim), Some(false));
        assert!(waive.confirmed());
        let empty = DecisionForm::default()
            .validate()
            .expect_err("nothing chosen, no reason");
        assert!(empty.get("interest_claim").is_some());
        assert!(empty.get("interest_reason").is_some());
        let blank_reason = DecisionForm {
            interest_claim: "avsta".into(),
            interest_reason: "   ".into(),
            confirmed: "ja".into(),
        };
        assert!(blank_reason.validate().is_err());
    }

    #[test]
    fn payments_are_listed_for_the_export() {
        assert_eq!(
            payments_text(&[
                (date(2026, 4, 15), dec("100000")),
                (date(2026, 8, 10), dec("90000.50"))
            ]),
            "2026-04-15: 100\u{a0}000\u{a0}kr, 2026-08-10: 90\u{a0}000,50\u{a0}kr"
        );
    }
}
