//! The forms of Tillväxtverket's staff on a requisition: the case officer's approval, the
//! registered payment, and a later deadline for one actor.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::form::{positive_amount, text};
use crate::{
    dates::{format_date, parse_date},
    money::format_kronor,
    programme::model::{Deadlines, ExtendedDeadline},
    web::FormErrors,
};

/// As `deadline_extensions.reason` allows.
pub const EXTENSION_REASON_MAX: usize = 2000;

/// As `deadline_extensions.basis` allows.
pub const EXTENSION_BASIS_MAX: usize = 500;

/// What the extensions granted before a basis was asked for say instead (the migration
/// `extension_basis` wrote it).
pub const EXTENSION_BASIS_NOT_GIVEN: &str = "Ej angiven (före 2026-12)";

/// The case officer's approval: the amount to pay (at most requisitioned) and when.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApproveForm {
    pub amount: String,
    pub planned_date: String,
}

impl ApproveForm {
    pub fn validate(
        &self,
        requisitioned: Decimal,
        today: NaiveDate,
    ) -> Result<(Decimal, NaiveDate), FormErrors> {
        let mut errors = FormErrors::default();
        let amount = positive_amount(&mut errors, "amount", &self.amount, requisitioned, || {
            format!(
                "Utbetalningen kan vara högst det rekvirerade beloppet, {}.",
                format_kronor(requisitioned)
            )
        });
        let date = match parse_date(&self.planned_date) {
            Err(e) => {
                errors.add("planned_date", e);
                None
            }
            Ok(d) if d < today => {
                errors.add(
                    "planned_date",
                    "Det planerade utbetalningsdatumet kan inte ligga bakåt i tiden.",
                );
                None
            }
            Ok(d) => Some(d),
        };
        match (amount, date) {
            (Some(a), Some(d)) if errors.is_empty() => Ok((a, d)),
            _ => Err(errors),
        }
    }
}

/// The registered payment: when, how much (at most approved), and the voucher number.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PaidForm {
    pub paid_date: String,
    pub amount: String,
    pub voucher_number: String,
}

pub struct Payment {
    pub date: NaiveDate,
    pub amount: Decimal,
    pub voucher_number: String,
}

impl PaidForm {
    pub fn validate(&self, approved: Decimal, today: NaiveDate) -> Result<Payment, FormErrors> {
        let mut errors = FormErrors::default();
        let date = match parse_date(&self.paid_date) {
            Err(e) => {
                errors.add("paid_date", e);
                None
            }
            Ok(d) if d > today => {
                errors.add(
                    "paid_date",
                    "Registrera utbetalningen när den är gjord; datumet kan inte ligga i framtiden.",
                );
                None
            }
            Ok(d) => Some(d),
        };
        let amount = positive_amount(&mut errors, "amount", &self.amount, approved, || {
            format!(
                "Det utbetalda beloppet kan inte vara större än det attesterade, {}.",
                format_kronor(approved)
            )
        });
        let voucher_number = text(
            &mut errors,
            "voucher_number",
            &self.voucher_number,
            50,
            true,
            "Ange verifikationsnumret.",
        );
        match (date, amount, voucher_number) {
            (Some(date), Some(amount), Some(voucher_number)) if errors.is_empty() => Ok(Payment {
                date,
                amount,
                voucher_number,
            }),
            _ => Err(errors),
        }
    }
}

/// A later deadline for one actor: after the year's own, not in the past, with why and on
/// what basis. The sources give Tillväxtverket no power to move the Government's dates, so
/// the basis (a decision, the ministry's consent) is required.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExtensionForm {
    pub organisation_id: String,
    /// Which deadline: "requisition", "report" or "repayment".
    pub deadline: String,
    pub new_deadline: String,
    pub reason: String,
    /// The decision or consent that allows it, e.g. "Infrastrukturdepartementets medgivande
    /// 2026-01-20, I2026/00123".
    pub basis: String,
}

/// An extension as checked: which deadline, the new date, why, and on what basis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionGrant {
    pub deadline: ExtendedDeadline,
    pub new_deadline: NaiveDate,
    pub reason: String,
    pub basis: String,
}

impl ExtensionForm {
    pub fn validate(
        &self,
        deadlines: &Deadlines,
        today: NaiveDate,
    ) -> Result<ExtensionGrant, FormErrors> {
        let mut errors = FormErrors::default();
        let Some(which) = ExtendedDeadline::parse(&self.deadline) else {
            errors.add("deadline", "Välj vilken sista dag som ska förlängas.");
            return Err(errors);
        };
        let year_deadline = which.of(deadlines);
        let date = match parse_date(&self.new_deadline) {
            Err(e) => {
                errors.add("new_deadline", e);
                None
            }
            Ok(d) if d <= year_deadline => {
                errors.add(
                    "new_deadline",
                    format!(
                        "Det nya datumet måste vara senare än årets sista dag, {}.",
                        format_date(year_deadline)
                    ),
                );
                None
            }
            Ok(d) if d < today => {
                errors.add(
                    "new_deadline",
                    "Det nya datumet kan inte ligga bakåt i tiden.",
                );
                None
            }
            Ok(d) => Some(d),
        };
        let reason = text(
            &mut errors,
            "reason",
            &self.reason,
            EXTENSION_REASON_MAX,
            true,
            "Ange skälet till förlängningen.",
        );
        let basis = text(
            &mut errors,
            "basis",
            &self.basis,
            EXTENSION_BASIS_MAX,
            true,
            "Ange grunden: beslutet eller departementets medgivande som tillåter det senare datumet, med datum och diarienummer.",
        );
        match (date, reason, basis) {
            (Some(new_deadline), Some(reason), Some(basis)) if errors.is_empty() => {
                Ok(ExtensionGrant {
                    deadline: which,
                    new_deadline,
                    reason,
                    basis,
                })
            }
            _ => Err(errors),
        }
    }
}

/// Withdrawing an actor's extension: which one (`{organisation}:{deadline}`, as the list's
/// choice sends it) and why. The actor's date goes back to the year's own.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExtensionWithdrawalForm {
    pub extension: String,
    /// Named apart from the grant form's `reason`, beside it on the same page.
    #[serde(rename = "withdraw_reason")]
    pub reason: String,
}

/// An extension to withdraw, as checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExtensionWithdrawal {
    pub organisation: uuid::Uuid,
    pub deadline: ExtendedDeadline,
    pub reason: String,
}

impl ExtensionWithdrawalForm {
    pub fn validate(&self) -> Result<ExtensionWithdrawal, FormErrors> {
        let mut errors = FormErrors::default();
        let chosen = self
            .extension
            .trim()
            .split_once(':')
            .and_then(|(org, which)| {
                Some((
                    uuid::Uuid::parse_str(org).ok()?,
                    ExtendedDeadline::parse(which)?,
                ))
            });
        if chosen.is_none() {
            errors.add("extension", "Välj vilken förlängning som ska återkallas.");
        }
        let reason = text(
            &mut errors,
            "withdraw_reason",
            &self.reason,
            EXTENSION_REASON_MAX,
            true,
            "Ange skälet till att förlängningen återkallas. Regionen ser det.",
        );
        match (chosen, reason) {
            (Some((organisation, deadline)), Some(reason)) => Ok(ExtensionWithdrawal {
                organisation,
                deadline,
                reason,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    #[test]
    fn an_approval_is_at_most_the_requisitioned_amount_and_not_in_the_past() {
        let today = date(2025, 4, 1);
        let ok = ApproveForm {
            amount: "750 000".into(),
            planned_date: "2025-04-10".into(),
        };
        assert_eq!(
            ok.validate(dec("750000"), today).ok(),
            Some((dec("750000"), date(2025, 4, 10)))
        );
        let over = ApproveForm {
            amount: "750 000,01".into(),
            ..ok.clone()
        };
        assert!(over.validate(dec("750000"), today).is_err());
        let past = ApproveForm {
            planned_date: "2025-03-31".into(),
            ..ok
        };
        assert!(past.validate(dec("750000"), today).is_err());
    }

    #[test]
    fn an_extension_is_withdrawn_by_its_actor_and_deadline_with_a_reason() {
        let org = uuid::Uuid::new_v4();
        let ok = ExtensionWithdrawalForm {
            extension: format!("{org}:report"),
            reason: " Medgivandet gällde inte redovisningen. ".into(),
        };
        assert_eq!(
            ok.validate().ok(),
            Some(ExtensionWithdrawal {
                organisation: org,
                deadline: ExtendedDeadline::Report,
                reason: "Medgivandet gällde inte redovisningen.".into(),
            })
        );
        let no_reason = ExtensionWithdrawalForm {
            reason: "  ".into(),
            ..ok.clone()
        };
        assert!(
            no_reason
                .validate()
                .expect_err("a reason")
                .get("withdraw_reason")
                .is_some()
        );
        let unknown = ExtensionWithdrawalForm {
            extension: format!("{org}:payout"),
            ..ok
        };
        assert!(
            unknown
                .validate()
                .expect_err("no such deadline")
                .get("extension")
                .is_some()
        );
    }

    #[test]
    fn an_extension_is_later_than_the_deadline_with_a_reason_of_at_most_2000_characters() {
        let deadlines = crate::programme::model::standard_deadlines(2025, true);
        let today = date(2025, 4, 2);
        let ok = ExtensionForm {
            organisation_id: String::new(),
            deadline: "requisition".into(),
            new_deadline: "2025-04-15".into(),
            reason: "Sjukdom".into(),
            basis: "Infrastrukturdepartementets medgivande 2025-03-28, I2025/00123".into(),
        };
        assert_eq!(
            ok.validate(&deadlines, today).ok(),
            Some(ExtensionGrant {
                deadline: ExtendedDeadline::Requisition,
                new_deadline: date(2025, 4, 15),
                reason: "Sjukdom".into(),
                basis: "Infrastrukturdepartementets medgivande 2025-03-28, I2025/00123".into(),
            })
        );
        let long = ExtensionForm {
            reason: "x".repeat(2001),
            ..ok.clone()
        };
        let errors = long.validate(&deadlines, today).expect_err("too long");
        assert!(
            errors
                .get("reason")
                .is_some_and(|e| e.contains("högst 2000 tecken"))
        );
    }

    #[test]
    fn a_report_or_repayment_extension_is_measured_against_its_own_deadline() {
        let deadlines = crate::programme::model::standard_deadlines(2025, true);
        let today = date(2026, 1, 20);
        let report = ExtensionForm {
            organisation_id: String::new(),
            deadline: "report".into(),
            new_deadline: "2026-01-31".into(),
            reason: "Sjukdom".into(),
            basis: "Regeringsbeslut I2026/00010".into(),
        };
        let errors = report.validate(&deadlines, today).expect_err("not later");
        assert!(
            errors
                .get("new_deadline")
                .is_some_and(|e| e.contains("31 januari 2026"))
        );
        let later = ExtensionForm {
            new_deadline: "2026-02-15".into(),
            ..report.clone()
        };
        assert_eq!(
            later.validate(&deadlines, today).ok().map(|g| g.deadline),
            Some(ExtendedDeadline::Report)
        );
        let repayment = ExtensionForm {
            deadline: "repayment".into(),
            new_deadline: "2026-03-15".into(),
            ..report.clone()
        };
        assert!(repayment.validate(&deadlines, today).is_ok());
        let unknown = ExtensionForm {
            deadline: "summary".into(),
            ..report
        };
        assert!(
            unknown
                .validate(&deadlines, today)
                .expect_err("not a regional deadline")
                .get("deadline")
                .is_some()
        );
    }

    #[test]
    fn an_extension_without_a_basis_is_refused_at_the_basis() {
        let deadlines = crate::programme::model::standard_deadlines(2025, true);
        let form = ExtensionForm {
            organisation_id: String::new(),
            deadline: "report".into(),
            new_deadline: "2026-02-20".into(),
            reason: "Ny ekonomichef.".into(),
            basis: "  ".into(),
        };
        let errors = form
            .validate(&deadlines, date(2026, 1, 20))
            .expect_err("no basis");
        assert!(
            errors
                .get("basis")
                .is_some_and(|e| e.contains("departementets medgivande")),
            "{errors:?}"
        );
        let long = ExtensionForm {
            basis: "x".repeat(EXTENSION_BASIS_MAX + 1),
            ..form
        };
        assert!(
            long.validate(&deadlines, date(2026, 1, 20))
                .expect_err("too long")
                .get("basis")
                .is_some()
        );
    }

    #[test]
    fn a_payment_is_at_most_approved_done_and_has_a_voucher() {
        let today = date(2025, 4, 1);
        let ok = PaidForm {
            paid_date: "2025-04-01".into(),
            amount: "750000".into(),
            voucher_number: "V-1".into(),
        };
        assert!(ok.validate(dec("750000"), today).is_ok());
        assert!(
            PaidForm {
                amount: "750001".into(),
                ..ok.clone()
            }
            .validate(dec("750000"), today)
            .is_err()
        );
        assert!(
            PaidForm {
                paid_date: "2025-04-02".into(),
                ..ok.clone()
            }
            .validate(dec("750000"), today)
            .is_err()
        );
        assert!(
            PaidForm {
                voucher_number: " ".into(),
                ..ok
            }
            .validate(dec("750000"), today)
            .is_err()
        );
    }
}
