//! The programme's forms as typed: periods, actors, programme years and organisations,
//! each checked into what may be saved or every error beside its field.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use uuid::Uuid;

use super::{
    db::{Period, ProgrammeYear},
    model::{BudgetState, Deadlines, YearDate, check_deadline_order, parse_tasks, tasks_text},
};
use crate::{
    dates::parse_date,
    input::optional_text,
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
    pub agency_assignment_date: String,
    #[serde(default)]
    pub agency_assignment_ministry: String,
    #[serde(default)]
    pub agency_assignment_title: String,
    #[serde(default)]
    pub first_year: String,
    #[serde(default)]
    pub last_year: String,
    #[serde(default)]
    pub tasks: String,
    #[serde(default)]
    pub report_ministry: String,
    #[serde(default)]
    pub report_title: String,
    /// Checkboxes: present ("on") when ticked.
    #[serde(default)]
    pub report_hubs: Option<String>,
    #[serde(default)]
    pub report_digg: Option<String>,
    #[serde(default)]
    pub kammarkollegiet_chain: Option<String>,
    #[serde(default)]
    pub appropriation: String,
    #[serde(default)]
    pub agency_frame: String,
    /// Söndagsregeln (lag 1930:173), a checkbox: unticked, the decision's dates stand as
    /// written.
    #[serde(default)]
    pub sunday_rule: Option<String>,
}

/// Tillväxtverket's Kammarkollegiet chain: its appropriation and yearly frame.
pub struct Chain {
    pub appropriation: String,
    pub frame: Decimal,
}

pub struct ValidPeriod {
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub title: String,
    pub ministry: String,
    pub agency_assignment: Option<String>,
    pub agency_assignment_date: Option<NaiveDate>,
    pub agency_assignment_ministry: Option<String>,
    pub agency_assignment_title: Option<String>,
    pub first_year: i32,
    pub last_year: i32,
    pub tasks: Vec<String>,
    pub report_ministry: String,
    pub report_title: String,
    pub report_hubs: bool,
    pub report_digg: bool,
    pub chain: Option<Chain>,
    pub sunday_rule: bool,
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
    /// A new period's form: empty, söndagsregeln ticked (the law's default).
    pub fn blank() -> PeriodForm {
        PeriodForm {
            sunday_rule: Some("on".into()),
            ..PeriodForm::default()
        }
    }

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
        let agency_assignment =
            optional_text(&mut e, "agency_assignment", &self.agency_assignment, 50);
        let agency_assignment_date = Some(self.agency_assignment_date.trim())
            .filter(|d| !d.is_empty())
            .and_then(|d| {
                parse_date(d)
                    .map_err(|m| e.add("agency_assignment_date", m))
                    .ok()
            });
        let agency_assignment_ministry = optional_text(
            &mut e,
            "agency_assignment_ministry",
            &self.agency_assignment_ministry,
            200,
        );
        let agency_assignment_title = optional_text(
            &mut e,
            "agency_assignment_title",
            &self.agency_assignment_title,
            300,
        );
        let tasks = parse_tasks(&self.tasks)
            .map_err(|m| e.add("tasks", m))
            .unwrap_or_default();
        let report_ministry = required(
            &mut e,
            "report_ministry",
            &self.report_ministry,
            200,
            "vilket departement redovisningen lämnas till",
        );
        let report_title = required(
            &mut e,
            "report_title",
            &self.report_title,
            300,
            "redovisningens rubrik",
        );
        let chain = if self.kammarkollegiet_chain.is_some() {
            let appropriation = required(
                &mut e,
                "appropriation",
                &self.appropriation,
                300,
                "anslaget kostnaderna belastar",
            );
            let frame = match Amount::parse(&self.agency_frame) {
                Ok(a) if a.value() > Decimal::ZERO => Some(a.value()),
                Ok(_) => {
                    e.add("agency_frame", "Ramen måste vara större än 0 kr.");
                    None
                }
                Err(m) => {
                    e.add("agency_frame", m);
                    None
                }
            };
            frame.map(|frame| Chain {
                appropriation,
                frame,
            })
        } else {
            None
        };
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
                agency_assignment_date,
                agency_assignment_ministry,
                agency_assignment_title,
                first_year,
                last_year,
                tasks,
                report_ministry,
                report_title,
                report_hubs: self.report_hubs.is_some(),
                report_digg: self.report_digg.is_some(),
                chain,
                sunday_rule: self.sunday_rule.is_some(),
            }),
            _ => Err(e),
        }
    }

    pub fn from_period(p: &Period, tasks: &[String]) -> PeriodForm {
        let ticked = |on: bool| on.then(|| "on".to_string());
        PeriodForm {
            decision_number: p.decision_number.clone(),
            decision_date: p.decision_date.to_string(),
            title: p.title.clone(),
            ministry: p.ministry.clone(),
            agency_assignment: p.agency_assignment.clone().unwrap_or_default(),
            agency_assignment_date: p
                .agency_assignment_date
                .map(|d| d.to_string())
                .unwrap_or_default(),
            agency_assignment_ministry: p.agency_assignment_ministry.clone().unwrap_or_default(),
            agency_assignment_title: p.agency_assignment_title.clone().unwrap_or_default(),
            first_year: p.first_year.to_string(),
            last_year: p.last_year.to_string(),
            tasks: tasks_text(tasks),
            report_ministry: p.report_ministry.clone(),
            report_title: p.report_title.clone(),
            report_hubs: ticked(p.report_hubs),
            report_digg: ticked(p.report_digg),
            kammarkollegiet_chain: ticked(p.kammarkollegiet_chain),
            appropriation: p.appropriation.clone().unwrap_or_default(),
            agency_frame: p.agency_frame.map(format_input).unwrap_or_default(),
            sunday_rule: ticked(p.sunday_rule),
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
    #[serde(default)]
    pub requisition_basis: String,
    #[serde(default)]
    pub report_basis: String,
    #[serde(default)]
    pub repayment_basis: String,
    #[serde(default)]
    pub agency_requisition_basis: String,
    #[serde(default)]
    pub agency_repayment_basis: String,
    #[serde(default)]
    pub summary_basis: String,
    #[serde(default)]
    pub budget_basis: String,
    #[serde(default)]
    pub agency_support_cap: String,
    /// The period whose report rules the year follows; empty: its own.
    #[serde(default)]
    pub report_rules_period: String,
}

/// A programme year as it may be saved.
pub struct ValidYear {
    pub cap: Decimal,
    pub budget: BudgetState,
    pub budget_basis: Option<String>,
    /// The dates as the decision writes them.
    pub deadlines: Deadlines,
    /// Each date's basis in `YearDate::ALL` order; `None`: assumed.
    pub bases: [Option<String>; 6],
    pub support_cap: Option<Decimal>,
    pub report_rules_period: Option<Uuid>,
}

impl YearForm {
    /// The year's form with its dates as the decision writes them (söndagsregeln moves
    /// them, not the administrator).
    pub fn from_year(y: &ProgrammeYear) -> YearForm {
        let date = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        let basis = |which: YearDate| y.basis(which).unwrap_or_default().to_string();
        YearForm {
            cap_per_actor: format_input(y.cap_per_actor),
            budget_state: y.budget_state.key().to_string(),
            requisition_deadline: y.requisition_deadline_decided.to_string(),
            report_deadline: y.report_deadline_decided.to_string(),
            repayment_deadline: y.repayment_deadline_decided.to_string(),
            agency_requisition_deadline: date(y.agency_requisition_deadline_decided),
            agency_repayment_deadline: date(y.agency_repayment_deadline_decided),
            summary_deadline: y.summary_deadline_decided.to_string(),
            requisition_basis: basis(YearDate::Requisition),
            report_basis: basis(YearDate::Report),
            repayment_basis: basis(YearDate::Repayment),
            agency_requisition_basis: basis(YearDate::AgencyRequisition),
            agency_repayment_basis: basis(YearDate::AgencyRepayment),
            summary_basis: basis(YearDate::Summary),
            budget_basis: y.budget_basis.clone().unwrap_or_default(),
            agency_support_cap: y.agency_support_cap.map(format_input).unwrap_or_default(),
            report_rules_period: y
                .report_rules_period
                .map(|p| p.to_string())
                .unwrap_or_default(),
        }
    }

    /// The typed date of `which`, and its basis.
    pub fn date_of(&self, which: &YearDate) -> (&str, &str) {
        match which {
            YearDate::Requisition => (&self.requisition_deadline, &self.requisition_basis),
            YearDate::Report => (&self.report_deadline, &self.report_basis),
            YearDate::Repayment => (&self.repayment_deadline, &self.repayment_basis),
            YearDate::AgencyRequisition => (
                &self.agency_requisition_deadline,
                &self.agency_requisition_basis,
            ),
            YearDate::AgencyRepayment => (
                &self.agency_repayment_deadline,
                &self.agency_repayment_basis,
            ),
            YearDate::Summary => (&self.summary_deadline, &self.summary_basis),
        }
    }

    /// Checks the year as typed; `chain`: the period has a Kammarkollegiet chain (only then
    /// are Tillväxtverket's own dates kept); `periods`: the periods whose report rules the
    /// year may follow.
    pub fn validate(
        &self,
        chain: bool,
        periods: &[Uuid],
    ) -> std::result::Result<ValidYear, FormErrors> {
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
        let budget_basis = optional_text(&mut e, "budget_basis", &self.budget_basis, 200);
        let support_cap = match self.agency_support_cap.trim() {
            "" => None,
            typed => match Amount::parse(typed) {
                Ok(a) => Some(a.value()),
                Err(m) => {
                    e.add("agency_support_cap", m);
                    None
                }
            },
        };
        let report_rules_period = match self.report_rules_period.trim() {
            "" => None,
            typed => match Uuid::parse_str(typed).ok().filter(|p| periods.contains(p)) {
                Some(p) => Some(p),
                None => {
                    e.add("report_rules_period", "Välj en av perioderna.");
                    None
                }
            },
        };
        let mut dates: [Option<NaiveDate>; 6] = [None; 6];
        let mut bases: [Option<String>; 6] = Default::default();
        for (i, which) in YearDate::ALL.into_iter().enumerate() {
            if which.is_agency_chain() && !chain {
                continue;
            }
            let (typed, basis) = self.date_of(&which);
            dates[i] = parse_date(typed).map_err(|m| e.add(which.field(), m)).ok();
            bases[i] = optional_text(&mut e, which.basis_field(), basis, 200);
        }
        let [
            requisition,
            report,
            repayment,
            agency_requisition,
            agency_repayment,
            summary,
        ] = dates;
        if let (
            Some(cap),
            Some(budget),
            Some(requisition),
            Some(report),
            Some(repayment),
            Some(summary),
        ) = (cap, budget, requisition, report, repayment, summary)
        {
            let deadlines = Deadlines {
                requisition,
                report,
                repayment,
                agency_requisition,
                agency_repayment,
                summary,
            };
            if let Err((field, message)) = check_deadline_order(&deadlines) {
                e.add(field, message);
            }
            if e.is_empty() {
                return Ok(ValidYear {
                    cap,
                    budget,
                    budget_basis,
                    deadlines,
                    bases,
                    support_cap,
                    report_rules_period,
                });
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
