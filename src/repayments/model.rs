//! The pure rules of a region's repayment: what is owed, what remains, over-payment, overdue
//! days, and the forms of a payment and its confirmation. Refunds of over-payments are in
//! `refunds.rs` and Tillväxtverket's own account with Kammarkollegiet in `agency.rs`,
//! re-exported here. Every page and export that shows these numbers calls these functions.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::{dates::parse_date, web::FormErrors};

pub use super::{agency::*, refunds::*};

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

/// An actor's repayment for a year. `owed` is the unused amount of the latest approved
/// report version or, until one is approved, of the submitted one; `None` before any
/// report is submitted (the region cannot pay yet).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    pub owed: Option<Decimal>,
    /// `owed` is an approved report's, not only a submitted one's.
    pub approved: bool,
    /// Registered by the region, not yet confirmed: settles nothing.
    pub registered: Decimal,
    /// Confirmed as received in Tillväxtverket's account.
    pub received: Decimal,
    /// Over-payments paid back to the region.
    pub refunded: Decimal,
    /// Refunds prepared or approved, not yet paid.
    pub refunding: Decimal,
    /// The first day the region could pay: the day its report was first submitted.
    pub opened_on: Option<NaiveDate>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No approved report yet.
    NotOpen,
    /// Everything was used: settled at once.
    NothingOwed,
    Open,
    /// The region has registered payments covering what remains; they wait for
    /// Tillväxtverket's confirmation. Nothing is left for the region to pay.
    Registered,
    Settled,
    /// More received than owed: to be refunded to the region.
    Overpaid,
}

impl Balance {
    pub fn owed_or_zero(&self) -> Decimal {
        self.owed.unwrap_or_default()
    }

    /// What the region has paid and kept paid: received less what was refunded to it.
    pub fn net(&self) -> Decimal {
        self.received - self.refunded
    }

    /// What is still to pay; never negative.
    pub fn remaining(&self) -> Decimal {
        (self.owed_or_zero() - self.net()).max(Decimal::ZERO)
    }

    /// Received beyond what is owed and not yet refunded: the region's money, owed to it.
    pub fn overpaid(&self) -> Decimal {
        match self.owed {
            Some(owed) => (self.net() - owed).max(Decimal::ZERO),
            None => Decimal::ZERO,
        }
    }

    /// Over-payment no refund has been prepared for yet.
    pub fn to_prepare(&self) -> Decimal {
        (self.overpaid() - self.refunding).max(Decimal::ZERO)
    }

    /// What may be refunded now: the over-payment no refund is prepared for, once what the
    /// region owes rests on an approved report. Until then the figure is the region's own
    /// and may still change (the database holds the same rule: `refunds_rest_on_approved_report`).
    pub fn refundable(&self) -> Decimal {
        match self.approved {
            true => self.to_prepare(),
            false => Decimal::ZERO,
        }
    }

    /// What goes on to Kammarkollegiet from this region: what it paid and kept paid, never
    /// more than it owed. A refund leaves it unchanged; an over-payment never adds to it.
    pub fn counted(&self) -> Decimal {
        self.net().min(self.owed_or_zero())
    }

    /// What the region still has to pay beyond the payments it registered: what its page
    /// calls *kvar att betala*, and the form's suggestion.
    pub fn to_register(&self) -> Decimal {
        (self.remaining() - self.registered).max(Decimal::ZERO)
    }

    pub fn status(&self) -> Status {
        match self.owed {
            None => Status::NotOpen,
            Some(owed) if owed.is_zero() && self.received.is_zero() => Status::NothingOwed,
            Some(owed) if self.net() > owed => Status::Overpaid,
            Some(owed) if self.net() == owed => Status::Settled,
            Some(_) if self.registered > Decimal::ZERO && self.to_register().is_zero() => {
                Status::Registered
            }
            Some(_) => Status::Open,
        }
    }

    /// Days past the deadline with something still to pay, counting only the days on
    /// which the region could have paid (from the day its report was submitted).
    pub fn days_overdue(&self, today: NaiveDate, deadline: NaiveDate) -> Option<i64> {
        if self.status() != Status::Open {
            return None;
        }
        let could_pay_from = self.opened_on.unwrap_or(today);
        let last_free_day = deadline.max(could_pay_from.pred_opt().unwrap_or(could_pay_from));
        (today > last_free_day).then(|| (today - last_free_day).num_days())
    }
}

impl Status {
    /// The region has done its part: nothing is left for it to pay (what it registered may
    /// still wait for Tillväxtverket's confirmation). No days are counted against it.
    pub fn done_by_region(self) -> bool {
        matches!(
            self,
            Status::NothingOwed | Status::Registered | Status::Settled
        )
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::NotOpen => "Öppnas när redovisningen är inlämnad",
            Status::NothingOwed => "Inget att återbetala",
            Status::Open => "Att betala",
            Status::Registered => {
                "Registrerad – väntar på Tillväxtverkets bekräftelse; inget kvar att betala"
            }
            Status::Settled => "Reglerad",
            Status::Overpaid => "För mycket inbetalt – Tillväxtverket betalar tillbaka",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::NotOpen => "ej-oppen",
            Status::NothingOwed => "inget",
            Status::Open => "att-betala",
            Status::Registered => "registrerad",
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

pub(super) fn past_date(
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

/// A reference or verification number: required, at most 50 characters.
pub(super) fn short_text(
    errors: &mut FormErrors,
    field: &'static str,
    input: &str,
    missing: &str,
) -> Option<String> {
    crate::input::required_text(errors, field, input, 50, missing)
}

impl PaymentForm {
    pub fn validate(&self, today: NaiveDate) -> Result<Payment, FormErrors> {
        let mut errors = FormErrors::default();
        let paid_on = past_date(&mut errors, "paid_on", &self.paid_on, today);
        let amount = crate::input::positive_amount(&mut errors, "amount", &self.amount);
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
        let received_amount =
            crate::input::positive_amount(&mut errors, "received_amount", &self.received_amount);
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
            ..Default::default()
        };
        assert_eq!(part.status(), Status::Open, "registered is not received");
        assert_eq!(part.remaining(), dec("190000"));
        let paid_in_parts = Balance {
            owed: Some(dec("190000")),
            registered: Decimal::ZERO,
            received: dec("190000"),
            ..Default::default()
        };
        assert_eq!(paid_in_parts.status(), Status::Settled);
        assert_eq!(Balance::default().status(), Status::NotOpen);
    }

    #[test]
    fn payments_registered_for_the_whole_amount_leave_nothing_to_pay_until_confirmed() {
        let registered = Balance {
            owed: Some(dec("190000")),
            registered: dec("190000"),
            opened_on: Some(date(2026, 1, 20)),
            ..Default::default()
        };
        assert_eq!(registered.status(), Status::Registered);
        assert_eq!(registered.to_register(), Decimal::ZERO);
        assert_eq!(
            registered.remaining(),
            dec("190000"),
            "nothing settles before it is confirmed"
        );
        assert!(registered.status().done_by_region());
        assert!(!registered.status().label().contains("Att betala"));
        assert!(
            registered
                .status()
                .label()
                .contains("inget kvar att betala")
        );
        assert_eq!(
            registered.days_overdue(date(2026, 3, 10), date(2026, 2, 26)),
            None,
            "the region has paid: no days counted against it"
        );
        let part_confirmed = Balance {
            registered: dec("90000"),
            received: dec("100000"),
            ..registered
        };
        assert_eq!(part_confirmed.status(), Status::Registered);
        let registered_too_much = Balance {
            registered: dec("200000"),
            ..registered
        };
        assert_eq!(registered_too_much.status(), Status::Registered);
        let short = Balance {
            registered: dec("189999.99"),
            ..registered
        };
        assert_eq!(short.status(), Status::Open);
        assert_eq!(short.to_register(), dec("0.01"));
        assert!(!Status::Open.done_by_region());
        assert!(!Status::Overpaid.done_by_region());
    }

    #[test]
    fn over_payment_is_flagged_for_refund_never_absorbed() {
        let b = Balance {
            owed: Some(dec("100")),
            registered: Decimal::ZERO,
            received: dec("150.50"),
            ..Default::default()
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
            opened_on: Some(date(2026, 1, 20)),
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
    fn overdue_counts_only_the_days_on_which_the_region_could_pay() {
        let deadline = date(2026, 2, 26);
        // The report was submitted on 2 March: the region could pay from that day.
        let late_report = Balance {
            owed: Some(dec("1000")),
            opened_on: Some(date(2026, 3, 2)),
            ..Default::default()
        };
        assert_eq!(late_report.days_overdue(date(2026, 3, 1), deadline), None);
        assert_eq!(
            late_report.days_overdue(date(2026, 3, 2), deadline),
            Some(1),
            "the day it could first pay counts"
        );
        assert_eq!(
            late_report.days_overdue(date(2026, 3, 10), deadline),
            Some(9)
        );
        let not_open = Balance::default();
        assert_eq!(not_open.days_overdue(date(2026, 6, 1), deadline), None);
    }

    #[test]
    fn a_refund_pays_back_the_over_payment_and_leaves_what_goes_on_unchanged() {
        let overpaid = Balance {
            owed: Some(dec("100000")),
            approved: true,
            received: dec("150000"),
            refunding: dec("20000"),
            opened_on: Some(date(2026, 1, 20)),
            ..Default::default()
        };
        assert_eq!(overpaid.status(), Status::Overpaid);
        assert_eq!(overpaid.overpaid(), dec("50000"));
        assert_eq!(overpaid.to_prepare(), dec("30000"));
        assert_eq!(overpaid.refundable(), dec("30000"));
        let on_a_submitted_report = Balance {
            approved: false,
            ..overpaid
        };
        assert_eq!(on_a_submitted_report.to_prepare(), dec("30000"));
        assert_eq!(
            on_a_submitted_report.refundable(),
            Decimal::ZERO,
            "nothing is refunded on figures nobody approved"
        );
        assert_eq!(overpaid.counted(), dec("100000"), "never more than owed");
        let refunded = Balance {
            refunded: dec("50000"),
            refunding: Decimal::ZERO,
            ..overpaid
        };
        assert_eq!(refunded.status(), Status::Settled);
        assert_eq!(refunded.overpaid(), Decimal::ZERO);
        assert_eq!(refunded.counted(), overpaid.counted());
        // A later approved version owes more: the refund was too much, and the region pays
        // the difference.
        let more_owed = Balance {
            owed: Some(dec("120000")),
            ..refunded
        };
        assert_eq!(more_owed.status(), Status::Open);
        assert_eq!(more_owed.remaining(), dec("20000"));
        assert_eq!(more_owed.counted(), dec("100000"));
    }

    #[test]
    fn the_reference_is_derived_from_the_case_number() {
        assert_eq!(payment_reference("DK-2025-007"), "DK-2025-007-AB");
    }
}
