//! The pure rules of repayment: what is owed, what remains, over-payment, overdue days,
//! and Tillväxtverket's own account with Kammarkollegiet. Every page and export that shows
//! these numbers calls these functions.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::{
    dates::parse_date,
    money::{Amount, format_kronor},
    web::FormErrors,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "repayment_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Registered,
    Confirmed,
}

impl PaymentState {
    pub fn label(self) -> &'static str {
        match self {
            PaymentState::Registered => "Registrerad av regionen, ej bekräftad",
            PaymentState::Confirmed => "Mottagen",
        }
    }
}

/// An actor's repayment for a year. `owed` is `None` until a report is approved.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    pub owed: Option<Decimal>,
    /// Registered by the region, not yet confirmed: settles nothing.
    pub registered: Decimal,
    /// Confirmed as received in Tillväxtverket's account.
    pub received: Decimal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No approved report yet.
    NotOpen,
    /// Everything was used: settled at once.
    NothingOwed,
    Open,
    Settled,
    /// More received than owed: to be refunded to the region.
    Overpaid,
}

impl Balance {
    pub fn owed_or_zero(&self) -> Decimal {
        self.owed.unwrap_or_default()
    }

    /// What is still to pay; never negative.
    pub fn remaining(&self) -> Decimal {
        (self.owed_or_zero() - self.received).max(Decimal::ZERO)
    }

    /// Received beyond what was owed, to refund.
    pub fn overpaid(&self) -> Decimal {
        match self.owed {
            Some(owed) => (self.received - owed).max(Decimal::ZERO),
            None => Decimal::ZERO,
        }
    }

    pub fn status(&self) -> Status {
        match self.owed {
            None => Status::NotOpen,
            Some(owed) if owed.is_zero() && self.received.is_zero() => Status::NothingOwed,
            Some(owed) if self.received > owed => Status::Overpaid,
            Some(owed) if self.received == owed => Status::Settled,
            Some(_) => Status::Open,
        }
    }

    /// Days past the deadline with something still to pay.
    pub fn days_overdue(&self, today: NaiveDate, deadline: NaiveDate) -> Option<i64> {
        (self.status() == Status::Open && today > deadline).then(|| (today - deadline).num_days())
    }
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::NotOpen => "Väntar på godkänd redovisning",
            Status::NothingOwed => "Inget att återbetala",
            Status::Open => "Att betala",
            Status::Settled => "Reglerad",
            Status::Overpaid => "För mycket inbetalt – ska betalas tillbaka till regionen",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::NotOpen => "ej-oppen",
            Status::NothingOwed => "inget",
            Status::Open => "att-betala",
            Status::Settled => "reglerad",
            Status::Overpaid => "overbetalt",
        }
    }
}

/// The reference a region puts on its repayment, so it can be matched to the case.
pub fn payment_reference(case_number: &str) -> String {
    format!("{case_number}-AB")
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PaymentForm {
    pub paid_on: String,
    pub amount: String,
    pub reference: String,
}

pub struct Payment {
    pub paid_on: NaiveDate,
    pub amount: Decimal,
    pub reference: String,
}

fn positive(errors: &mut FormErrors, field: &'static str, input: &str) -> Option<Decimal> {
    match Amount::parse(input) {
        Ok(a) if a.value() > Decimal::ZERO => Some(a.value()),
        Ok(_) => {
            errors.add(field, "Beloppet måste vara större än 0 kr.");
            None
        }
        Err(e) => {
            errors.add(field, e);
            None
        }
    }
}

fn past_date(
    errors: &mut FormErrors,
    field: &'static str,
    input: &str,
    today: NaiveDate,
) -> Option<NaiveDate> {
    match parse_date(input) {
        Ok(d) if d > today => {
            errors.add(field, "Datumet kan inte ligga i framtiden.");
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.add(field, e);
            None
        }
    }
}

fn short_text(
    errors: &mut FormErrors,
    field: &'static str,
    input: &str,
    missing: &str,
) -> Option<String> {
    let v = input.trim();
    if v.is_empty() {
        errors.add(field, missing);
        None
    } else if v.chars().count() > 50 {
        errors.add(field, "Högst 50 tecken.");
        None
    } else {
        Some(v.to_string())
    }
}

impl PaymentForm {
    pub fn validate(&self, today: NaiveDate) -> Result<Payment, FormErrors> {
        let mut errors = FormErrors::default();
        let paid_on = past_date(&mut errors, "paid_on", &self.paid_on, today);
        let amount = positive(&mut errors, "amount", &self.amount);
        let reference = short_text(
            &mut errors,
            "reference",
            &self.reference,
            "Ange referensen ni använde på betalningen.",
        );
        match (paid_on, amount, reference) {
            (Some(paid_on), Some(amount), Some(reference)) => Ok(Payment {
                paid_on,
                amount,
                reference,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    pub received_on: String,
    pub received_amount: String,
    pub verification_number: String,
}

pub struct Confirmation {
    pub received_on: NaiveDate,
    pub received_amount: Decimal,
    pub verification_number: String,
}

impl ConfirmForm {
    pub fn validate(&self, today: NaiveDate) -> Result<Confirmation, FormErrors> {
        let mut errors = FormErrors::default();
        let received_on = past_date(&mut errors, "received_on", &self.received_on, today);
        let received_amount = positive(&mut errors, "received_amount", &self.received_amount);
        let verification_number = short_text(
            &mut errors,
            "verification_number",
            &self.verification_number,
            "Ange verifikationsnumret i Tillväxtverkets bokföring.",
        );
        match (received_on, received_amount, verification_number) {
            (Some(received_on), Some(received_amount), Some(verification_number)) => {
                Ok(Confirmation {
                    received_on,
                    received_amount,
                    verification_number,
                })
            }
            _ => Err(errors),
        }
    }
}

/// At most 23 000 000 kr a year from Kammarkollegiet (21 × 1 Mkr + 2 Mkr).
pub const AGENCY_REQUISITION_MAX: Decimal = Decimal::from_parts(23_000_000, 0, 0, false, 0);
/// Tillväxtverket's own support work: at most 2 000 000 kr a year.
pub const SUPPORT_COSTS_MAX: Decimal = Decimal::from_parts(2_000_000, 0, 0, false, 0);

/// Tillväxtverket's account with Kammarkollegiet for a year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgencyAccount {
    pub year: i32,
    pub requisitioned: Option<Decimal>,
    pub requisitioned_on: Option<NaiveDate>,
    pub support_costs: Decimal,
    pub repaid: Option<Decimal>,
    pub repaid_on: Option<NaiveDate>,
    /// Paid out to the actors (registered payments).
    pub paid_out: Decimal,
    /// Repayments from the regions confirmed as received.
    pub received_from_regions: Decimal,
}

impl AgencyAccount {
    /// What Tillväxtverket must repay to Kammarkollegiet: requisitioned − paid out − own
    /// costs + received from the regions. Computed, never typed.
    pub fn to_repay(&self) -> Decimal {
        self.requisitioned.unwrap_or_default() - self.paid_out - self.support_costs
            + self.received_from_regions
    }

    /// A registered repayment that differs from what the account says is due.
    pub fn repayment_difference(&self) -> Option<Decimal> {
        self.repaid
            .map(|r| r - self.to_repay())
            .filter(|d| !d.is_zero())
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgencyForm {
    pub requisitioned: String,
    pub requisitioned_on: String,
    pub support_costs: String,
    pub repaid: String,
    pub repaid_on: String,
}

#[derive(Debug)]
pub struct AgencyEntries {
    pub requisitioned: Option<(Decimal, NaiveDate)>,
    pub support_costs: Decimal,
    pub repaid: Option<(Decimal, NaiveDate)>,
}

impl AgencyForm {
    pub fn validate(&self, today: NaiveDate) -> Result<AgencyEntries, FormErrors> {
        let mut errors = FormErrors::default();
        let mut pair = |amount_field: &'static str,
                        date_field: &'static str,
                        amount: &str,
                        date: &str,
                        max: Option<Decimal>| {
            if amount.trim().is_empty() && date.trim().is_empty() {
                return None;
            }
            let value = match Amount::parse(amount) {
                Ok(a) => match max {
                    Some(max) if a.value() > max => {
                        errors.add(amount_field, format!("Högst {}.", format_kronor(max)));
                        None
                    }
                    _ if a.value().is_zero() && max.is_some() => {
                        errors.add(amount_field, "Beloppet måste vara större än 0 kr.");
                        None
                    }
                    _ => Some(a.value()),
                },
                Err(e) => {
                    errors.add(amount_field, e);
                    None
                }
            };
            let on = past_date(&mut errors, date_field, date, today);
            value.zip(on)
        };
        let requisitioned = pair(
            "requisitioned",
            "requisitioned_on",
            &self.requisitioned,
            &self.requisitioned_on,
            Some(AGENCY_REQUISITION_MAX),
        );
        let repaid = pair("repaid", "repaid_on", &self.repaid, &self.repaid_on, None);
        let support_costs = if self.support_costs.trim().is_empty() {
            Decimal::ZERO
        } else {
            match Amount::parse(&self.support_costs) {
                Ok(a) if a.value() > SUPPORT_COSTS_MAX => {
                    errors.add(
                        "support_costs",
                        format!("Högst {} per år.", format_kronor(SUPPORT_COSTS_MAX)),
                    );
                    Decimal::ZERO
                }
                Ok(a) => a.value(),
                Err(e) => {
                    errors.add("support_costs", e);
                    Decimal::ZERO
                }
            }
        };
        if errors.is_empty() {
            Ok(AgencyEntries {
                requisitioned,
                support_costs,
                repaid,
            })
        } else {
            Err(errors)
        }
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

    #[test]
    fn nothing_used_nothing_owed_and_part_use_owe_what_is_left() {
        let everything_used = Balance {
            owed: Some(Decimal::ZERO),
            ..Default::default()
        };
        assert_eq!(everything_used.status(), Status::NothingOwed);
        assert_eq!(everything_used.remaining(), Decimal::ZERO);
        let part = Balance {
            owed: Some(dec("190000")),
            registered: dec("100000"),
            received: Decimal::ZERO,
        };
        assert_eq!(part.status(), Status::Open, "registered is not received");
        assert_eq!(part.remaining(), dec("190000"));
        let paid_in_parts = Balance {
            owed: Some(dec("190000")),
            registered: Decimal::ZERO,
            received: dec("190000"),
        };
        assert_eq!(paid_in_parts.status(), Status::Settled);
        assert_eq!(Balance::default().status(), Status::NotOpen);
    }

    #[test]
    fn over_payment_is_flagged_for_refund_never_absorbed() {
        let b = Balance {
            owed: Some(dec("100")),
            registered: Decimal::ZERO,
            received: dec("150.50"),
        };
        assert_eq!(b.status(), Status::Overpaid);
        assert_eq!(b.overpaid(), dec("50.50"));
        assert_eq!(b.remaining(), Decimal::ZERO);
    }

    #[test]
    fn overdue_days_count_from_the_deadline_while_something_remains() {
        let deadline = date(2026, 2, 26);
        let open = Balance {
            owed: Some(dec("1")),
            ..Default::default()
        };
        assert_eq!(open.days_overdue(date(2026, 2, 26), deadline), None);
        assert_eq!(open.days_overdue(date(2026, 3, 3), deadline), Some(5));
        let settled = Balance {
            owed: Some(dec("1")),
            received: dec("1"),
            ..Default::default()
        };
        assert_eq!(settled.days_overdue(date(2026, 3, 3), deadline), None);
    }

    #[test]
    fn tillvaxtverket_repays_requisitioned_less_paid_out_and_own_costs_plus_what_the_regions_repaid()
     {
        let account = AgencyAccount {
            year: 2025,
            requisitioned: Some(dec("23000000")),
            support_costs: dec("1850000.25"),
            paid_out: dec("20500000"),
            received_from_regions: dec("312345.67"),
            ..Default::default()
        };
        assert_eq!(account.to_repay(), dec("962345.42"));
        let repaid = AgencyAccount {
            repaid: Some(dec("962345.42")),
            ..account.clone()
        };
        assert_eq!(repaid.repayment_difference(), None);
        let wrong = AgencyAccount {
            repaid: Some(dec("962345")),
            ..account
        };
        assert_eq!(wrong.repayment_difference(), Some(dec("-0.42")));
    }

    #[test]
    fn the_agency_form_keeps_the_limits() {
        let today = date(2025, 12, 1);
        let over = AgencyForm {
            requisitioned: "23 000 000,01".into(),
            requisitioned_on: "2025-11-20".into(),
            ..Default::default()
        };
        assert!(
            over.validate(today)
                .expect_err("over 23 Mkr")
                .get("requisitioned")
                .is_some()
        );
        let costs = AgencyForm {
            support_costs: "2 000 001".into(),
            ..Default::default()
        };
        assert!(
            costs
                .validate(today)
                .expect_err("over 2 Mkr")
                .get("support_costs")
                .is_some()
        );
        let undated = AgencyForm {
            requisitioned: "23 000 000".into(),
            ..Default::default()
        };
        assert!(
            undated
                .validate(today)
                .expect_err("needs a date")
                .get("requisitioned_on")
                .is_some()
        );
        let ok = AgencyForm {
            requisitioned: "23 000 000".into(),
            requisitioned_on: "2025-11-20".into(),
            support_costs: "1 900 000".into(),
            ..Default::default()
        };
        let entries = ok.validate(today).expect("valid");
        assert_eq!(
            entries.requisitioned,
            Some((dec("23000000"), date(2025, 11, 20)))
        );
        assert!(entries.repaid.is_none());
    }

    #[test]
    fn the_reference_is_derived_from_the_case_number() {
        assert_eq!(payment_reference("DK-2025-007"), "DK-2025-007-AB");
    }
}
