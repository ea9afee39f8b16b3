//! The programme's forms as typed: periods, actors, programme years and organisations,
//! each checked into what may be saved or every error beside its field.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use super::{
    db::{Period, ProgrammeYear},
    model::{BudgetState, Deadlines, check_deadline_order},
};
use crate::{
    dates::parse_date,
    money::{Amount, format_input},
    web::FormErrors,
};

#[derive(Default, Deserialize)]
pub struct PeriodForm {
    #[serde(default)]
    pub decision_number: String,
    #[serde(default)]
    pub decision_date: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub ministry: String,
    #[serde(default)]
    pub agency_assignment: String,
    #[serde(default)]
    pub first_year: String,
    #[serde(default)]
    pub last_year: String,
}

pub struct ValidPeriod {
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub title: String,
    pub ministry: String,
    pub agency_assignment: Option<String>,
    pub first_year: i32,
    pub last_year: i32,
}

/// Text that must be there (`Ange {what}.`), of at most `max` characters; empty when not.
pub fn required(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    max: usize,
    what: &str,
) -> String {
    crate::input::required_text(errors, field, value, max, &format!("Ange {what}."))
        .unwrap_or_default()
}

pub fn parse_year(errors: &mut FormErrors, field: &'static str, value: &str) -> i32 {
    crate::dates::parse_year(value).unwrap_or_else(|message| {
        errors.add(field, message);
        0
    })
}

impl PeriodForm {
    pub fn validate(&self) -> std::result::Result<ValidPeriod, FormErrors> {
        let mut e = FormErrors::default();
        let decision_number = required(
            &mut e,
            "decision_number",
            &self.decision_number,
            50,
            "beslutets diarienummer",
        );
        let decision_date = parse_date(&self.decision_date)
            .map_err(|m| e.add("decision_date", m))
            .ok();
        let title = required(&mut e, "title", &self.title, 300, "beslutets rubrik");
        let ministry = required(&mut e, "ministry", &self.ministry, 200, "departementet");
        let agency_assignment = Some(self.agency_assignment.trim())
            .filter(|a| !a.is_empty())
            .map(String::from);
        if let Some(Err(message)) = agency_assignment
            .as_deref()
            .map(|a| crate::input::bounded_text(a, 50))
        {
            e.add("agency_assignment", message);
        }
        let first_year = parse_year(&mut e, "first_year", &self.first_year);
        let last_year = parse_year(&mut e, "last_year", &self.last_year);
        if e.get("first_year").is_none() && e.get("last_year").is_none() && first_year > last_year {
            e.add("last_year", "Sista året kan inte ligga före första året.");
        }
        match decision_date {
            Some(decision_date) if e.is_empty() => Ok(ValidPeriod {
                decision_number,
                decision_date,
                title,
                ministry,
                agency_assignment,
                first_year,
                last_year,
            }),
            _ => Err(e),
        }
    }

    pub fn from_period(p: &Period) -> PeriodForm {
        PeriodForm {
            decision_number: p.decision_number.clone(),
            decision_date: p.decision_date.to_string(),
            title: p.title.clone(),
            ministry: p.ministry.clone(),
            agency_assignment: p.agency_assignment.clone().unwrap_or_default(),
            first_year: p.first_year.to_string(),
            last_year: p.last_year.to_string(),
        }
    }
}

#[derive(Deserialize)]
pub struct ActorForm {
    #[serde(default)]
    pub organisation_id: String,
    #[serde(default)]
    pub actor_name: String,
}

#[derive(Default, Deserialize)]
pub struct YearForm {
    #[serde(default)]
    pub cap_per_actor: String,
    #[serde(default)]
    pub budget_state: String,
    #[serde(default)]
    pub requisition_deadline: String,
    #[serde(default)]
    pub report_deadline: String,
    #[serde(default)]
    pub repayment_deadline: String,
    #[serde(default)]
    pub agency_requisition_deadline: String,
    #[serde(default)]
    pub agency_repayment_deadline: String,
    #[serde(default)]
    pub summary_deadline: String,
}

impl YearForm {
    pub fn from_year(y: &ProgrammeYear) -> YearForm {
        YearForm {
            cap_per_actor: format_input(y.cap_per_actor),
            budget_state: y.budget_state.key().to_string(),
            requisition_deadline: y.requisition_deadline.to_string(),
            report_deadline: y.report_deadline.to_string(),
            repayment_deadline: y.repayment_deadline.to_string(),
            agency_requisition_deadline: y.agency_requisition_deadline.to_string(),
            agency_repayment_deadline: y.agency_repayment_deadline.to_string(),
            summary_deadline: y.summary_deadline.to_string(),
        }
    }

    pub fn validate(&self) -> std::result::Result<(Decimal, BudgetState, Deadlines), FormErrors> {
        let mut e = FormErrors::default();
        let cap = match Amount::parse(&self.cap_per_actor) {
            Ok(a) if a.value() > Decimal::ZERO => Some(a.value()),
            Ok(_) => {
                e.add("cap_per_actor", "Taket måste vara större än 0 kr.");
                None
            }
            Err(m) => {
                e.add("cap_per_actor", m);
                None
            }
        };
        let budget = BudgetState::from_key(&self.budget_state);
        if budget.is_none() {
            e.add("budget_state", "Välj budgetläge.");
        }
        let mut date =
            |field: &'static str, value: &str| parse_date(value).map_err(|m| e.add(field, m)).ok();
        let requisition = date("requisition_deadline", &self.requisition_deadline);
        let report = date("report_deadline", &self.report_deadline);
        let repayment = date("repayment_deadline", &self.repayment_deadline);
        let agency_requisition = date(
            "agency_requisition_deadline",
            &self.agency_requisition_deadline,
        );
        let agency_repayment = date("agency_repayment_deadline", &self.agency_repayment_deadline);
        let summary = date("summary_deadline", &self.summary_deadline);
        if let (
            Some(cap),
            Some(budget),
            Some(requisition),
            Some(report),
            Some(repayment),
            Some(ar),
            Some(arp),
            Some(s),
        ) = (
            cap,
            budget,
            requisition,
            report,
            repayment,
            agency_requisition,
            agency_repayment,
            summary,
        ) {
            let deadlines = Deadlines {
                requisition,
                report,
                repayment,
                agency_requisition: ar,
                agency_repayment: arp,
                summary: s,
            };
            if let Err((field, message)) = check_deadline_order(&deadlines) {
                e.add(field, message);
            }
            if e.is_empty() {
                return Ok((cap, budget, deadlines));
            }
        }
        Err(e)
    }
}

#[derive(Deserialize)]
pub struct OrganisationForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub org_number: String,
}
