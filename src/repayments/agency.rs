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

/// What the year's decisions allow Tillväxtverket's account, as the period and the year
/// record them (no longer constants): the yearly frame from Kammarkollegiet (I2021/00795's
/// assignment: 23 000 000 kr) and the cap on its own support work (1 000 000 kr in 2018,
/// 2 000 000 kr a year 2019–2025). `None`: no decision gives one.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Limits {
    pub frame: Option<Decimal>,
    pub support_cap: Option<Decimal>,
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
    /// What the decisions allow (`Limits`).
    pub limits: Limits,
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
        if let Some(cap) = self.limits.support_cap
            && self.support_costs > cap
        {
            checks.push(format!(
                "Tillväxtverkets egna kostnader får vara högst {} för {}.",
                format_kronor(cap),
                self.year
            ));
        }
        if let Some(frame) = self.limits.frame
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
    pub fn validate(
        &self,
        year: i32,
        today: NaiveDate,
        limits: Limits,
    ) -> Result<AgencyEntries, FormErrors> {
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
            limits.frame,
        );
        let repaid = pair("repaid", "repaid_on", &self.repaid, &self.repaid_on, None);
        let support_costs = if self.support_costs.trim().is_empty() {
            Decimal::ZERO
        } else {
            match (Amount::parse(&self.support_costs), limits.support_cap) {
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

    /// As the seed records 2021–2025: a 23 Mkr frame, 2 Mkr for the support work.
    const LIMITS_2021: Limits = Limits {
        frame: Some(Decimal::from_parts(23_000_000, 0, 0, false, 0)),
        support_cap: Some(Decimal::from_parts(2_000_000, 0, 0, false, 0)),
    };

    #[test]
    fn the_limits_are_the_ones_the_year_records() {
        let costs_2018 = AgencyForm {
            support_costs: "1 000 000,01".into(),
            ..Default::default()
        };
        let limits_2018 = Limits {
            frame: None,
            support_cap: Some(dec("1000000")),
        };
        assert!(
            costs_2018
                .validate(2018, date(2019, 1, 10), limits_2018)
                .expect_err("over 1 Mkr in 2018")
                .get("support_costs")
                .is_some()
        );
        let requisition = AgencyForm {
            requisitioned: "24 000 000".into(),
            requisitioned_on: "2019-11-20".into(),
            ..Default::default()
        };
        assert!(
            requisition
                .validate(2019, date(2019, 12, 1), Limits::default())
                .is_ok()
        );
        assert!(
            requisition
                .validate(2025, date(2025, 12, 1), LIMITS_2021)
                .is_err()
        );
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
            limits: LIMITS_2021,
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
            over.validate(2025, today, LIMITS_2021)
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
                .validate(2025, today, LIMITS_2021)
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
                .validate(2025, today, LIMITS_2021)
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
        let entries = ok.validate(2025, today, LIMITS_2021).expect("valid");
        assert_eq!(
            entries.requisitioned,
            Some((dec("23000000"), date(2025, 11, 20)))
        );
        assert!(entries.repaid.is_none());
    }
}
