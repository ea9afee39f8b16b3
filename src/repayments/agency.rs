//! The rules of Tillväxtverket's own account with Kammarkollegiet for a year: the frame and
//! the cap of the decisions, what must be repaid, what the account's checks say, and the
//! form the figures are typed in.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::model::past_date;
use crate::{
    money::{Amount, format_kronor},
    web::FormErrors,
};

/// At most 23 000 000 kr a year from Kammarkollegiet (21 × 1 Mkr + 2 Mkr), I2021/00795.
pub const AGENCY_REQUISITION_MAX: Decimal = Decimal::from_parts(23_000_000, 0, 0, false, 0);

/// The frame of I2021/00795 applies to 2021–2025 only; no decision gives one for other
/// years. As `agency_frame()` in the schema.
pub fn agency_frame(year: i32) -> Option<Decimal> {
    (2021..=2025)
        .contains(&year)
        .then_some(AGENCY_REQUISITION_MAX)
}

/// Tillväxtverket's own support work: 1 000 000 kr in 2018 (N2018/04129), 2 000 000 kr a
/// year 2019–2025 (N2018/04129, I2021/00795); no decision gives a cap for other years.
/// As `agency_support_cap()` in the schema.
pub fn support_cap(year: i32) -> Option<Decimal> {
    match year {
        2018 => Some(Decimal::from(1_000_000)),
        2019..=2025 => Some(Decimal::from(2_000_000)),
        _ => None,
    }
}

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
    /// Over-payments paid back to the regions.
    pub refunded_to_regions: Decimal,
    /// Over-payments not yet paid back: the regions' money, owed to them.
    pub owed_to_regions: Decimal,
    /// Σ over the regions of what each paid and kept paid, never more than it owed
    /// (`Balance::counted`): what goes on to Kammarkollegiet.
    pub counted_from_regions: Decimal,
}

impl AgencyAccount {
    /// What Tillväxtverket must repay to Kammarkollegiet: requisitioned − paid out − own
    /// costs + what the regions owed and paid. Computed, never typed.
    pub fn to_repay(&self) -> Decimal {
        self.requisitioned.unwrap_or_default() - self.paid_out - self.support_costs
            + self.counted_from_regions
    }

    /// What the decisions and the dates say about the account, for the page and the
    /// documents to Kammarkollegiet.
    pub fn checks(&self, agency_requisition_deadline: NaiveDate) -> Vec<String> {
        let mut checks = Vec::new();
        if let Some(on) = self.requisitioned_on
            && on > agency_requisition_deadline
        {
            checks.push(format!(
                "Rekvisitionen från Kammarkollegiet är daterad {}, efter sista dagen {}.",
                crate::dates::format_date(on),
                crate::dates::format_date(agency_requisition_deadline)
            ));
        }
        let requisitioned = self.requisitioned.unwrap_or_default();
        if self.paid_out + self.support_costs > requisitioned {
            checks.push(format!(
                "Utbetalt till aktörerna ({}) och egna kostnader ({}) är mer än det som rekvirerats från Kammarkollegiet ({}).",
                format_kronor(self.paid_out),
                format_kronor(self.support_costs),
                format_kronor(requisitioned)
            ));
        }
        if let Some(cap) = support_cap(self.year)
            && self.support_costs > cap
        {
            checks.push(format!(
                "Tillväxtverkets egna kostnader får vara högst {} för {}.",
                format_kronor(cap),
                self.year
            ));
        }
        if let Some(frame) = agency_frame(self.year)
            && requisitioned > frame
        {
            checks.push(format!(
                "Ramen för {} är {}.",
                self.year,
                format_kronor(frame)
            ));
        }
        if self.owed_to_regions > Decimal::ZERO {
            checks.push(format!(
                "{} är inbetalt för mycket av regionerna och ska betalas tillbaka till dem; det räknas inte in i återbetalningen till Kammarkollegiet.",
                format_kronor(self.owed_to_regions)
            ));
        }
        checks
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
    pub fn validate(&self, year: i32, today: NaiveDate) -> Result<AgencyEntries, FormErrors> {
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
                    _ if a.value().is_zero() && amount_field == "requisitioned" => {
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
            agency_frame(year),
        );
        let repaid = pair("repaid", "repaid_on", &self.repaid, &self.repaid_on, None);
        let support_costs = if self.support_costs.trim().is_empty() {
            Decimal::ZERO
        } else {
            match (Amount::parse(&self.support_costs), support_cap(year)) {
                (Ok(a), Some(cap)) if a.value() > cap => {
                    errors.add(
                        "support_costs",
                        format!("Högst {} för {year}.", format_kronor(cap)),
                    );
                    Decimal::ZERO
                }
                (Ok(a), _) => a.value(),
                (Err(e), _) => {
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
    fn the_caps_are_the_decisions_of_each_year() {
        assert_eq!(support_cap(2018), Some(dec("1000000")));
        assert_eq!(support_cap(2019), Some(dec("2000000")));
        assert_eq!(support_cap(2025), Some(dec("2000000")));
        assert_eq!(support_cap(2026), None);
        assert_eq!(agency_frame(2020), None);
        assert_eq!(agency_frame(2021), Some(dec("23000000")));
        assert_eq!(agency_frame(2025), Some(dec("23000000")));
        assert_eq!(agency_frame(2026), None);
        let costs_2018 = AgencyForm {
            support_costs: "1 000 000,01".into(),
            ..Default::default()
        };
        assert!(
            costs_2018
                .validate(2018, date(2019, 1, 10))
                .expect_err("over 1 Mkr in 2018")
                .get("support_costs")
                .is_some()
        );
        let requisition_2019 = AgencyForm {
            requisitioned: "24 000 000".into(),
            requisitioned_on: "2019-11-20".into(),
            ..Default::default()
        };
        assert!(requisition_2019.validate(2019, date(2019, 12, 1)).is_ok());
    }

    #[test]
    fn the_account_checks_the_date_the_total_and_the_caps() {
        let account = AgencyAccount {
            year: 2025,
            requisitioned: Some(dec("22000000")),
            requisitioned_on: Some(date(2025, 12, 2)),
            support_costs: dec("1500000"),
            paid_out: dec("21000000"),
            owed_to_regions: dec("10"),
            ..Default::default()
        };
        let checks = account.checks(date(2025, 12, 1));
        assert_eq!(checks.len(), 3, "{checks:?}");
        assert!(checks[0].contains("efter sista dagen 1 december 2025"));
        assert!(checks[1].contains("mer än det som rekvirerats"));
        assert!(checks[2].contains(&format_kronor(dec("10"))));
        let fine = AgencyAccount {
            requisitioned: Some(dec("23000000")),
            requisitioned_on: Some(date(2025, 11, 20)),
            owed_to_regions: Decimal::ZERO,
            ..account
        };
        assert!(fine.checks(date(2025, 12, 1)).is_empty());
    }

    #[test]
    fn tillvaxtverket_repays_requisitioned_less_paid_out_and_own_costs_plus_what_the_regions_repaid()
     {
        let account = AgencyAccount {
            year: 2025,
            requisitioned: Some(dec("23000000")),
            support_costs: dec("1850000.25"),
            paid_out: dec("20500000"),
            received_from_regions: dec("412345.67"),
            refunded_to_regions: dec("60000"),
            owed_to_regions: dec("40000"),
            counted_from_regions: dec("312345.67"),
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
            over.validate(2025, today)
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
                .validate(2025, today)
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
                .validate(2025, today)
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
        let entries = ok.validate(2025, today).expect("valid");
        assert_eq!(
            entries.requisitioned,
            Some((dec("23000000"), date(2025, 11, 20)))
        );
        assert!(entries.repaid.is_none());
    }
}
