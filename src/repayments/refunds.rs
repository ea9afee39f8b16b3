//! Refunds of a region's over-payment: their states with the four eyes of a payout, what
//! may be done to one, and the case officer's forms to prepare one and register it paid.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::model::{past_date, short_text};
use crate::{dates::parse_date, money::format_kronor, web::FormErrors};

/// A refund of an over-payment to the region, with the four eyes of a payout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "refund_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    Prepared,
    Approved,
    Paid,
    SentBack,
}

impl RefundState {
    /// Refunds on their way to the region: prepared or approved, not yet paid.
    pub const UNDER_WAY: [RefundState; 2] = [RefundState::Prepared, RefundState::Approved];

    pub fn label(self) -> &'static str {
        match self {
            RefundState::Prepared => "Förberedd, väntar på attest",
            RefundState::Approved => "Attesterad, väntar på betalning",
            RefundState::Paid => "Utbetald till regionen",
            RefundState::SentBack => "Skickad tillbaka",
        }
    }
}

/// What may be done to a refund, from which state, to which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundAction {
    Approve,
    SendBack,
    RegisterPaid,
}

impl RefundAction {
    pub fn from_state(self) -> RefundState {
        match self {
            RefundAction::Approve | RefundAction::SendBack => RefundState::Prepared,
            RefundAction::RegisterPaid => RefundState::Approved,
        }
    }

    pub fn target(self) -> RefundState {
        match self {
            RefundAction::Approve => RefundState::Approved,
            RefundAction::SendBack => RefundState::SentBack,
            RefundAction::RegisterPaid => RefundState::Paid,
        }
    }

    pub fn allowed(self, state: RefundState) -> bool {
        self.from_state() == state
    }

    /// The audit action.
    pub fn audit(self) -> &'static str {
        match self {
            RefundAction::Approve => "refund.approved",
            RefundAction::SendBack => "refund.sent_back",
            RefundAction::RegisterPaid => "refund.paid",
        }
    }
}

/// The reference Tillväxtverket puts on a refund to the region, so the region can match it
/// to its case (its own repayments carry `-AB`).
pub fn refund_reference(case_number: &str) -> String {
    format!("{case_number}-TB")
}

/// What a refund rests on: what Tillväxtverket received beyond what the region owes.
pub fn received_beyond_owed(received: Decimal, owed: Decimal) -> Decimal {
    (received - owed).max(Decimal::ZERO)
}

/// The case officer's refund: an amount within the over-payment not yet prepared, and the
/// day it is to be paid.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RefundForm {
    pub amount: String,
    pub planned_date: String,
}

impl RefundForm {
    pub fn validate(
        &self,
        to_prepare: Decimal,
        today: NaiveDate,
    ) -> Result<(Decimal, NaiveDate), FormErrors> {
        let mut errors = FormErrors::default();
        let amount = crate::input::positive_amount(&mut errors, "amount", &self.amount);
        let amount = match amount {
            Some(a) if a > to_prepare => {
                errors.add(
                    "amount",
                    format!(
                        "Högst {}: det som är inbetalt för mycket och inte redan ska betalas tillbaka.",
                        format_kronor(to_prepare)
                    ),
                );
                None
            }
            a => a,
        };
        let planned = match parse_date(&self.planned_date) {
            Ok(d) if d < today => {
                errors.add("planned_date", "Datumet kan inte ligga bakåt i tiden.");
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.add("planned_date", e);
                None
            }
        };
        match (amount, planned) {
            (Some(a), Some(d)) => Ok((a, d)),
            _ => Err(errors),
        }
    }
}

/// The payment of an approved refund: when, and the voucher in Tillväxtverket's books.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RefundPaidForm {
    pub paid_date: String,
    pub voucher_number: String,
}

impl RefundPaidForm {
    pub fn validate(&self, today: NaiveDate) -> Result<(NaiveDate, String), FormErrors> {
        let mut errors = FormErrors::default();
        let paid = past_date(&mut errors, "paid_date", &self.paid_date, today);
        let voucher = short_text(
            &mut errors,
            "voucher_number",
            &self.voucher_number,
            "Ange verifikationsnumret i Tillväxtverkets bokföring.",
        );
        match (paid, voucher) {
            (Some(p), Some(v)) => Ok((p, v)),
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
    fn a_refund_is_approved_or_sent_back_once_prepared_and_paid_once_approved() {
        use RefundState::*;
        assert!(RefundAction::Approve.allowed(Prepared));
        assert!(RefundAction::SendBack.allowed(Prepared));
        assert!(!RefundAction::RegisterPaid.allowed(Prepared));
        assert!(RefundAction::RegisterPaid.allowed(Approved));
        for done in [Paid, SentBack] {
            for action in [
                RefundAction::Approve,
                RefundAction::SendBack,
                RefundAction::RegisterPaid,
            ] {
                assert!(!action.allowed(done), "{action:?} from {done:?}");
            }
        }
    }

    #[test]
    fn a_refund_carries_its_own_reference_and_rests_on_what_was_received_beyond_owed() {
        assert_eq!(refund_reference("DK-2025-007"), "DK-2025-007-TB");
        assert_eq!(
            received_beyond_owed(dec("150000"), dec("100000")),
            dec("50000")
        );
        assert_eq!(
            received_beyond_owed(dec("90000"), dec("100000")),
            Decimal::ZERO
        );
    }

    #[test]
    fn a_refund_is_at_most_what_is_left_to_prepare_and_paid_with_a_voucher() {
        let today = date(2026, 3, 5);
        let ok = RefundForm {
            amount: "30 000".into(),
            planned_date: "2026-03-10".into(),
        };
        assert_eq!(
            ok.validate(dec("30000"), today).ok(),
            Some((dec("30000"), date(2026, 3, 10)))
        );
        let errors = ok.validate(dec("29999.99"), today).expect_err("too much");
        assert!(errors.get("amount").is_some_and(|e| e.contains("Högst")));
        let past = RefundForm {
            planned_date: "2026-03-04".into(),
            ..ok
        };
        assert!(
            past.validate(dec("30000"), today)
                .expect_err("past")
                .get("planned_date")
                .is_some()
        );
        let paid = RefundPaidForm {
            paid_date: "2026-03-05".into(),
            voucher_number: String::new(),
        };
        assert!(
            paid.validate(today)
                .expect_err("voucher")
                .get("voucher_number")
                .is_some()
        );
    }
}
