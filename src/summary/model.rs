//! A programme year gathered per actor, and its totals and counts. The overview, the
//! summary page and every export are built from `Year` — one source, so they never disagree.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use uuid::Uuid;

pub use super::stats::*;
use crate::{
    programme::db::Period,
    repayments::model::{AgencyAccount, Balance, Status as RepaymentStatus},
    reports::model::{ActivityKind, Costs, ReportState, SUB_GOALS, SelfAssessment},
    requisitions::model::CaseState,
};

/// One activity of an approved report.
#[derive(Clone, Debug, Serialize)]
pub struct Activity {
    pub title: String,
    pub sub_goals: Vec<String>,
    pub kind: ActivityKind,
    pub partners: String,
    pub participants: i32,
}

/// The figures and texts of an actor's latest approved report: what the summary counts.
#[derive(Clone, Debug, Serialize)]
pub struct ApprovedReport {
    pub report_id: Uuid,
    pub version: i32,
    pub costs: Costs,
    pub used: Decimal,
    pub unused: Decimal,
    pub self_assessment: Option<SelfAssessment>,
    pub self_assessment_motivation: String,
    pub needs_and_challenges: String,
    pub results_and_effects: String,
    /// What was done within each of the decision's five tasks.
    pub tasks: Vec<String>,
    pub activities: Vec<Activity>,
}

impl ApprovedReport {
    /// A year's figures without a report behind them (an imported year, or one read for its
    /// figures only): no case to link to, no texts.
    pub fn figures_only(costs: Costs, used: Decimal, unused: Decimal) -> ApprovedReport {
        ApprovedReport {
            report_id: Uuid::nil(),
            version: 0,
            costs,
            used,
            unused,
            self_assessment: None,
            self_assessment_motivation: String::new(),
            needs_and_challenges: String::new(),
            results_and_effects: String::new(),
            tasks: vec![],
            activities: vec![],
        }
    }
}

/// The state of an actor's report as the tables name it: `imported` history (its report
/// `approved` or not), else the current report's `state`, else whether funds were `paid`.
pub fn report_label(
    imported: bool,
    approved: bool,
    state: Option<ReportState>,
    paid: bool,
) -> &'static str {
    if imported {
        return match approved {
            true => "Godkänd (importerad)",
            false => "Importerad, ej godkänd",
        };
    }
    match (state, paid) {
        (Some(s), _) => s.label(),
        (None, true) => "Ej påbörjad",
        (None, false) => "Ingen utbetalning",
    }
}

/// An actor paid without an approved report, as the summary names it: its name and its
/// report's state (`Year::missing_reports`, `db::load_summary`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MissingReport {
    pub actor_name: String,
    pub report_label: &'static str,
}

impl MissingReport {
    pub fn of(a: &ActorYear) -> MissingReport {
        MissingReport {
            actor_name: a.actor_name.clone(),
            report_label: a.report_label(),
        }
    }
}

/// Everything about one actor in one year.
#[derive(Clone, Debug, Serialize)]
pub struct ActorYear {
    pub organisation_id: Uuid,
    pub actor_name: String,
    /// The year's requisition deadline, or the later one this actor was granted.
    pub requisition_deadline: NaiveDate,
    /// The actor's report and repayment deadlines, extensions included.
    pub report_deadline: NaiveDate,
    pub repayment_deadline: NaiveDate,
    pub requisition_id: Option<Uuid>,
    pub case_number: Option<String>,
    #[serde(skip)]
    pub requisition_state: Option<CaseState>,
    pub requisitioned: Option<Decimal>,
    pub requisition_submitted: Option<NaiveDate>,
    pub payout_id: Option<Uuid>,
    pub paid_out: Option<Decimal>,
    pub paid_on: Option<NaiveDate>,
    pub report_id: Option<Uuid>,
    #[serde(skip)]
    pub report_state: Option<ReportState>,
    pub report_submitted: Option<NaiveDate>,
    pub report_approved: Option<NaiveDate>,
    pub approved: Option<ApprovedReport>,
    #[serde(skip)]
    pub balance: Balance,
    pub unconfirmed_repayments: i64,
    /// The figures were imported from a spreadsheet of earlier years, not kept in Digikoord.
    pub imported: bool,
}

/// The deadlines that decide what is overdue.
#[derive(Clone, Copy, Debug)]
pub struct Deadlines {
    pub report: NaiveDate,
    pub repayment: NaiveDate,
}

impl ActorYear {
    /// Takes an imported year's figures: marked imported, no texts, no case to link to.
    pub fn with_import(mut self, i: &crate::history::db::Imported) -> ActorYear {
        self.imported = true;
        self.requisitioned = Some(i.requisitioned);
        self.paid_out = i.paid_out;
        self.paid_on = i.paid_on;
        self.report_submitted = i.report_approved_on;
        self.report_approved = i.report_approved_on;
        self.approved = match (i.used, i.unused, i.report_approved_on) {
            (Some(used), Some(unused), Some(_)) => {
                Some(ApprovedReport::figures_only(Costs::default(), used, unused))
            }
            _ => None,
        };
        self.balance = Balance {
            owed: i.unused.filter(|_| i.report_approved_on.is_some()),
            approved: true,
            received: i.repaid.unwrap_or_default(),
            opened_on: i.report_approved_on,
            ..Balance::default()
        };
        self
    }

    pub fn requisition_label(&self) -> &'static str {
        if self.imported {
            return "Importerad";
        }
        self.requisition_state
            .map_or("Ej rekvirerat", CaseState::label)
    }

    pub fn report_label(&self) -> &'static str {
        report_label(
            self.imported,
            self.report_approved.is_some(),
            self.report_state,
            self.paid_out.is_some(),
        )
    }

    pub fn repayment_label(&self) -> &'static str {
        self.balance.status().label()
    }

    /// Past the requisition deadline without a requisition: the offer is voluntary, so the
    /// actor is not late, it took no funds that year.
    pub fn took_no_funds(&self, today: NaiveDate) -> bool {
        self.requisition_submitted.is_none() && today > self.requisition_deadline
    }

    pub fn report_overdue(&self, today: NaiveDate) -> bool {
        self.paid_out.is_some() && self.report_submitted.is_none() && today > self.report_deadline
    }

    pub fn repayment_days_overdue(&self, today: NaiveDate) -> Option<i64> {
        self.balance.days_overdue(today, self.repayment_deadline)
    }

    /// Something for Tillväxtverket or the region to do now.
    pub fn needs_action(&self, today: NaiveDate) -> bool {
        matches!(
            self.requisition_state,
            Some(
                CaseState::Submitted
                    | CaseState::AwaitingApproval
                    | CaseState::Approved
                    | CaseState::Returned
            )
        ) || matches!(
            self.report_state,
            Some(ReportState::Submitted | ReportState::Returned)
        ) || self.unconfirmed_repayments > 0
            || self.balance.status() == RepaymentStatus::Overpaid
            || self.report_overdue(today)
            || self.repayment_days_overdue(today).is_some()
    }

    /// How far the actor has come in the year's cycle, for sorting by state.
    pub fn stage(&self) -> u8 {
        match (
            self.requisition_state,
            self.report_state,
            self.balance.status(),
        ) {
            (None | Some(CaseState::Draft | CaseState::Withdrawn | CaseState::Rejected), _, _) => 0,
            (Some(CaseState::Submitted | CaseState::Returned), _, _) => 1,
            (Some(CaseState::AwaitingApproval | CaseState::Approved), _, _) => 2,
            (_, None | Some(ReportState::Draft), _) => 3,
            (_, Some(ReportState::Submitted | ReportState::Returned), _) => 4,
            (
                _,
                Some(ReportState::Approved),
                RepaymentStatus::Open | RepaymentStatus::Registered | RepaymentStatus::Overpaid,
            ) => 5,
            _ => 6,
        }
    }

    pub fn used(&self) -> Option<Decimal> {
        self.approved.as_ref().map(|a| a.used)
    }

    pub fn unused(&self) -> Option<Decimal> {
        self.approved.as_ref().map(|a| a.unused)
    }
}

/// One actor's line of the finance table, as the summary page and every export write it.
/// `None` is a figure Digikoord does not have, shown as `NO_DATA_MARK`: the actor's year is
/// unknown (`Coverage::knows`), or, for what the money was used for and what is left, no
/// report of it is approved. What is left is derived from the row's own columns:
/// *Kvar* = max(*Outnyttjat* − *Återbetalt*, 0), *Skyldigt regionen* = max(*Återbetalt* −
/// *Outnyttjat*, 0), so the table never mixes an approved report with a submitted one.
#[derive(Clone, Debug, Serialize)]
pub struct FinanceRow {
    pub actor: String,
    pub case_number: Option<String>,
    pub requisitioned: Option<Decimal>,
    pub paid_out: Option<Decimal>,
    pub personnel: Option<Decimal>,
    pub services: Option<Decimal>,
    pub travel: Option<Decimal>,
    pub other: Option<Decimal>,
    pub used: Option<Decimal>,
    pub unused: Option<Decimal>,
    /// Repaid and kept: received less what was refunded to the region.
    pub repaid: Option<Decimal>,
    pub outstanding: Option<Decimal>,
    /// Paid in too much and not yet refunded: owed to the region.
    pub owed_to_region: Option<Decimal>,
    /// The report is submitted, not approved: what it says is left to repay and what was
    /// paid in too much. Not in the columns; named in a note under the table.
    pub unapproved: Option<Unapproved>,
    pub report_state: &'static str,
    pub report_submitted: Option<NaiveDate>,
    pub report_approved: Option<NaiveDate>,
}

/// What a submitted, not yet approved report says is left: the region's own figures until
/// Tillväxtverket approves them.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Unapproved {
    pub outstanding: Decimal,
    pub owed_to_region: Decimal,
}

impl ActorYear {
    /// What the actor's submitted, not yet approved report says is left, if that is what
    /// its repayment rests on now.
    pub fn unapproved(&self) -> Option<Unapproved> {
        (self.approved.is_none() && self.balance.owed.is_some() && !self.balance.approved).then(
            || Unapproved {
                outstanding: self.balance.remaining(),
                owed_to_region: self.balance.overpaid(),
            },
        )
    }

    /// The actor's line; `known`: Digikoord has the actor's year (`Coverage::knows`), so a
    /// missing requisition or payout is 0 kr, not unknown.
    pub fn finance_row(&self, known: bool) -> FinanceRow {
        let report = self.approved.as_ref();
        let cost = |f: fn(&Costs) -> Decimal| report.map(|r| f(&r.costs));
        let known_or_zero = |v: Option<Decimal>| match known {
            true => Some(v.unwrap_or_default()),
            false => v,
        };
        let repaid = self.balance.net();
        let repaid = known_or_zero((!repaid.is_zero()).then_some(repaid));
        // What is left rests on the very columns shown: the approved report's unused funds
        // against what was repaid.
        let unused = self.unused();
        let left = unused.map(|unused| Balance {
            owed: Some(unused),
            ..self.balance
        });
        FinanceRow {
            actor: self.actor_name.clone(),
            case_number: self.case_number.clone(),
            requisitioned: known_or_zero(self.requisitioned),
            paid_out: known_or_zero(self.paid_out),
            personnel: cost(|c| c.personnel),
            services: cost(|c| c.services),
            travel: cost(|c| c.travel),
            other: cost(|c| c.other),
            used: self.used(),
            unused,
            repaid,
            outstanding: left.map(|b| b.remaining()),
            owed_to_region: left.map(|b| b.overpaid()),
            unapproved: self.unapproved(),
            report_state: self.report_label(),
            report_submitted: self.report_submitted,
            report_approved: self.report_approved,
        }
    }
}

/// The columns' totals: each the sum of its column's rows (`Totals::of`), `None` where no
/// row has a figure (shown as `NO_DATA_MARK`, never 0 kr).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub requisitioned: Decimal,
    pub paid_out: Decimal,
    pub personnel: Option<Decimal>,
    pub services: Option<Decimal>,
    pub travel: Option<Decimal>,
    pub other: Option<Decimal>,
    pub used: Option<Decimal>,
    /// The unused funds of the approved reports (the "Outnyttjat" column).
    pub owed: Option<Decimal>,
    /// Repaid: confirmed as received, less refunds to the regions.
    pub repaid: Decimal,
    /// Of `repaid`, what actors without an approved report paid: not set against `owed`.
    pub repaid_unapproved: Decimal,
    /// Still to be repaid by the approved reports: `owed − (repaid − repaid_unapproved) +
    /// owed_to_regions`, row by row.
    pub outstanding: Option<Decimal>,
    /// Over-payments not yet refunded: owed to the regions. `repaid − owed_to_regions` is
    /// what goes on to Kammarkollegiet.
    pub owed_to_regions: Option<Decimal>,
    /// What submitted, not yet approved reports say is left, and of how many actors: apart
    /// from the columns, in a note.
    pub unapproved: Unapproved,
    pub unapproved_actors: usize,
}

/// A column's sum: `None` when no row has a figure.
fn column(rows: &[FinanceRow], pick: fn(&FinanceRow) -> Option<Decimal>) -> Option<Decimal> {
    rows.iter().filter_map(pick).reduce(|a, b| a + b)
}

impl Totals {
    /// The totals of the very rows shown.
    pub fn of(rows: &[FinanceRow]) -> Totals {
        let sum = |pick: fn(&FinanceRow) -> Option<Decimal>| column(rows, pick).unwrap_or_default();
        let unapproved: Vec<Unapproved> = rows.iter().filter_map(|r| r.unapproved).collect();
        Totals {
            requisitioned: sum(|r| r.requisitioned),
            paid_out: sum(|r| r.paid_out),
            personnel: column(rows, |r| r.personnel),
            services: column(rows, |r| r.services),
            travel: column(rows, |r| r.travel),
            other: column(rows, |r| r.other),
            used: column(rows, |r| r.used),
            owed: column(rows, |r| r.unused),
            repaid: sum(|r| r.repaid),
            repaid_unapproved: rows
                .iter()
                .filter(|r| r.unused.is_none())
                .filter_map(|r| r.repaid)
                .sum(),
            outstanding: column(rows, |r| r.outstanding),
            owed_to_regions: column(rows, |r| r.owed_to_region),
            unapproved: Unapproved {
                outstanding: unapproved.iter().map(|u| u.outstanding).sum(),
                owed_to_region: unapproved.iter().map(|u| u.owed_to_region).sum(),
            },
            unapproved_actors: unapproved.len(),
        }
    }

    /// The notes under a finance table: where a figure leaves out or rests on a report that
    /// is not approved. `names`: the actors whose submitted report is not yet approved.
    pub fn notes(&self, names: &[&str]) -> Vec<String> {
        let mut notes = vec![];
        if self.unapproved_actors > 0 {
            let mut note = format!(
                "Använt, Outnyttjat, Kvar och Skyldigt regionen bygger bara på godkända redovisningar. Redovisningen från {} är inskickad men ännu inte godkänd; enligt den återstår {} att återbetala",
                list(names),
                crate::money::format_kronor(self.unapproved.outstanding)
            );
            if !self.unapproved.owed_to_region.is_zero() {
                note.push_str(&format!(
                    " och {} är för mycket inbetalt",
                    crate::money::format_kronor(self.unapproved.owed_to_region)
                ));
            }
            note.push_str(". Beloppen ingår inte i summorna.");
            notes.push(note);
        }
        if !self.repaid_unapproved.is_zero() {
            notes.push(format!(
                "I Återbetalt ingår {} från aktörer utan godkänd redovisning; det beloppet är inte avräknat i Kvar.",
                crate::money::format_kronor(self.repaid_unapproved)
            ));
        }
        notes
    }
}

/// "A", "A och B", "A, B och C".
fn list(names: &[&str]) -> String {
    match names {
        [] => String::new(),
        [one] => one.to_string(),
        [rest @ .., last] => format!("{} och {last}", rest.join(", ")),
    }
}

/// The totals of actor-years taken as known (`Coverage` decides separately whether a year
/// has figures at all): the same sums as `Year::totals`.
pub fn totals(actors: &[ActorYear]) -> Totals {
    let rows: Vec<FinanceRow> = actors.iter().map(|a| a.finance_row(true)).collect();
    Totals::of(&rows)
}

/// The year as a whole: actors, totals, frames and Tillväxtverket's account.
/// One Government decision as a document cites it: what it is, its number (`None`: not in
/// the sources and not yet entered), its date and ministry.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decision {
    pub what: String,
    pub number: Option<String>,
    pub date: Option<NaiveDate>,
    pub ministry: Option<String>,
}

impl Decision {
    /// "Erbjudande att …: regeringsbeslut I2021/00795 den 4 mars 2021 (Infrastrukturdepartementet)."
    pub fn citation(&self) -> String {
        let mut cited = format!(
            "{}: regeringsbeslut {}",
            self.what,
            self.number
                .as_deref()
                .unwrap_or("(diarienummer saknas – ej angivet i underlagen)")
        );
        if let Some(d) = self.date {
            cited.push_str(&format!(" den {}", crate::dates::format_date(d)));
        }
        if let Some(m) = &self.ministry {
            cited.push_str(&format!(" ({m})"));
        }
        cited.push('.');
        cited
    }
}

/// The Government's decisions a year answers to and the rules of its report, as the
/// periods record them: the report follows the period an administrator chose for the
/// year (its own unless another is chosen: 26 March 2021 is claimed by both); the tasks
/// and the Kammarkollegiet chain are the year's own period's.
#[derive(Clone, Debug, Default)]
pub struct Decisions {
    /// The decision to the actors (N2018/04129, I2021/00795).
    pub actors: Decision,
    /// Tillväxtverket's own assignment, whose number an administrator enters.
    pub agency: Decision,
    /// The report to the Government: to which ministry, its title, its parts.
    pub report_ministry: String,
    pub report_title: String,
    pub report_hubs: bool,
    pub report_digg: bool,
    /// The coordinators' tasks of the year's period, in the decision's words.
    pub tasks: Vec<String>,
    /// The year's own period's decision number.
    pub decision_number: String,
    /// Tillväxtverket settles the year with Kammarkollegiet, within this frame.
    pub chain: bool,
    pub appropriation: Option<String>,
    pub agency_frame: Option<Decimal>,
}

impl Decisions {
    /// From the year's own period and the period whose report rules it follows.
    pub fn of(own: &Period, report: &Period, tasks: Vec<String>) -> Decisions {
        Decisions {
            actors: Decision {
                what: report.title.clone(),
                number: Some(report.decision_number.clone()),
                date: Some(report.decision_date),
                ministry: Some(report.ministry.clone()),
            },
            agency: Decision {
                what: report
                    .agency_assignment_title
                    .clone()
                    .unwrap_or_else(|| "Tillväxtverkets uppdrag".into()),
                number: report.agency_assignment.clone(),
                date: report.agency_assignment_date,
                ministry: report.agency_assignment_ministry.clone(),
            },
            report_ministry: report.report_ministry.clone(),
            report_title: report.report_title.clone(),
            report_hubs: report.report_hubs,
            report_digg: report.report_digg,
            tasks,
            decision_number: own.decision_number.clone(),
            chain: own.kammarkollegiet_chain,
            appropriation: own.appropriation.clone(),
            agency_frame: own.agency_frame,
        }
    }

    /// Each decision the report answers, as what it is: Tillväxtverket's assignment
    /// first (the report is its), then the decision to the actors.
    pub fn citations(&self) -> Vec<String> {
        vec![self.agency.citation(), self.actors.citation()]
    }

    /// "Regeringskansliet (Näringsdepartementet)".
    pub fn recipient(&self) -> String {
        format!("Regeringskansliet ({})", self.report_ministry)
    }

    /// The first part still empty that the report must have before it is marked
    /// *inlämnad*, by its name: its opening (*Sammanfattning*, *Uppdraget*), then the parts
    /// the rules ask for (`required_parts`).
    pub fn empty_part(&self, filled: impl Fn(&str) -> bool) -> Option<&'static str> {
        [("summary", "Sammanfattning"), ("assignment", "Uppdraget")]
            .into_iter()
            .chain(self.required_parts())
            .find(|(key, _)| !filled(key))
            .map(|(_, label)| label)
    }

    /// The parts the report must have filled in before it is marked *inlämnad*, with what
    /// each is called: the analysis always, the hubs and DIGG's views where the rules ask.
    pub fn required_parts(&self) -> Vec<(&'static str, &'static str)> {
        let mut parts = vec![("analysis", "Analys och slutsatser")];
        if self.report_hubs {
            parts.push((
                "innovation_hubs",
                "Arbetet med de digitala innovationshubbarna",
            ));
        }
        if self.report_digg {
            parts.push((
                "digg_views",
                "Synpunkter från Myndigheten för digital förvaltning (DIGG)",
            ));
        }
        parts
    }
}

/// How many actors have come through each step of a year's cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// A requisition filed (or the year imported).
    pub requisition_submitted: usize,
    pub paid_out: usize,
    pub report_submitted: usize,
    pub report_approved: usize,
    /// The repayment settled, or nothing was owed.
    pub settled: usize,
}

impl Progress {
    /// The steps as the overview's chart and table name them.
    pub fn steps(&self) -> Vec<(String, usize)> {
        vec![
            (
                "Rekvisition inskickad".to_string(),
                self.requisition_submitted,
            ),
            ("Utbetald".to_string(), self.paid_out),
            ("Redovisning inskickad".to_string(), self.report_submitted),
            ("Redovisning godkänd".to_string(), self.report_approved),
            ("Återbetalning reglerad".to_string(), self.settled),
        ]
    }
}

/// What the overview shows over every actor of a year, whatever page of rows it shows:
/// how many actors, where their figures come from, the totals, how far they have come and
/// who has a submitted report not yet approved. `db::overview_figures` reads it in one
/// aggregate query; `YearFigures::of` is the same from a whole `Year`, and a test holds
/// the two equal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct YearFigures {
    pub actors: usize,
    /// Actors with an approved report (or imported figures taken as one): the others have
    /// no figure for what the money was used for.
    pub approved_reports: usize,
    pub coverage: Coverage,
    pub totals: Totals,
    pub progress: Progress,
    /// The actors whose submitted report is not yet approved, in the order of their names.
    pub unapproved_names: Vec<String>,
}

impl YearFigures {
    pub fn of(year: &Year) -> YearFigures {
        YearFigures {
            actors: year.actors.len(),
            approved_reports: year.actors.iter().filter(|a| a.approved.is_some()).count(),
            coverage: Coverage::of_year(year),
            totals: year.totals(),
            progress: year.progress_counts(),
            unapproved_names: year
                .actors
                .iter()
                .filter(|a| a.unapproved().is_some())
                .map(|a| a.actor_name.clone())
                .collect(),
        }
    }

    /// The notes under the totals, as `Year::finance_notes` writes them.
    pub fn notes(&self) -> Vec<String> {
        let names: Vec<&str> = self.unapproved_names.iter().map(String::as_str).collect();
        self.totals.notes(&names)
    }

    /// Some actor's figures are not known (`Coverage::knows`).
    pub fn any_unknown(&self) -> bool {
        self.coverage.no_data > 0 && !self.coverage.knows(Source::NoData)
    }

    /// What `–` in the year's finance table means, when it has one (`Year::finance_rows`):
    /// an actor whose year is unknown has no payout either, one without an approved report
    /// no figure for what the money was used for.
    pub fn finance_legend(&self, year: i32) -> Option<String> {
        if self.any_unknown() {
            Some(format!(
                "{NO_DATA_LEGEND}: aktören har ingen godkänd redovisning, eller varken ärenden eller inläst historik för {year}."
            ))
        } else if self.approved_reports < self.actors {
            Some(format!(
                "{NO_DATA_LEGEND}: aktören har ingen godkänd redovisning för {year}."
            ))
        } else {
            None
        }
    }

    /// The finance table's rows of `actors` (some of the year's): each known or not as the
    /// year's coverage says, as `Year::finance_rows` has them.
    pub fn finance_rows(&self, actors: &[ActorYear]) -> Vec<FinanceRow> {
        actors
            .iter()
            .map(|a| a.finance_row(self.coverage.knows(Source::of_actor(a))))
            .collect()
    }
}

/// The year's activities from what `db::load_summary` counts over every approved report
/// made in Digikoord, labelled as `activity_stats` labels them: `by_goal` counted in the
/// order of `SUB_GOALS`, `by_kind` of `ActivityKind::ALL`, `partner_lists` each
/// activity's partners as written. `per_actor` is left to the rows shown.
pub fn counted_activities<'a>(
    total: usize,
    participants: i64,
    by_goal: &[usize],
    by_kind: &[usize],
    partner_lists: impl Iterator<Item = &'a str>,
) -> ActivityStats {
    ActivityStats {
        total,
        by_goal: SUB_GOALS
            .iter()
            .map(|(_, label)| *label)
            .zip(by_goal.iter().copied().chain(std::iter::repeat(0)))
            .collect(),
        by_kind: ActivityKind::ALL
            .iter()
            .map(|k| k.label())
            .zip(by_kind.iter().copied().chain(std::iter::repeat(0)))
            .collect(),
        participants,
        partners: partners_of(partner_lists),
        per_actor: vec![],
    }
}

/// One page of a table of `total` rows, `size` a page, and the address of each page: the
/// caption's "101–200 av 2 000" and the paging under the table (`macros.html`,
/// `pagination`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Paging {
    /// The page shown, from 1, within the pages there are (`page_of`).
    pub page: usize,
    pub pages: usize,
    /// The number of its first row, from 1, and of its last.
    pub first: usize,
    pub last: usize,
    pub total: usize,
    /// The page's address without its page: `?ar=2025&sortera=lage`.
    base: String,
}

impl Paging {
    pub fn of(wanted: usize, total: usize, size: usize, base: String) -> Paging {
        let (page, pages) = page_of(wanted, total, size);
        let first = (page - 1) * size + 1;
        Paging {
            page,
            pages,
            first,
            last: (first + size - 1).min(total),
            total,
            base,
        }
    }

    /// The address of page `page`.
    pub fn link(&self, page: usize) -> String {
        format!("{}&sida={page}", self.base)
    }

    pub fn prev(&self) -> Option<String> {
        (self.page > 1).then(|| self.link(self.page - 1))
    }

    pub fn next(&self) -> Option<String> {
        (self.page < self.pages).then(|| self.link(self.page + 1))
    }

    /// Every page with its address, `None` for the page shown.
    pub fn links(&self) -> Vec<(usize, Option<String>)> {
        (1..=self.pages)
            .map(|p| (p, (p != self.page).then(|| self.link(p))))
            .collect()
    }
}

/// The page of a table to show, of `total` rows `size` a page: the one asked for, within
/// the pages there are (at least one). (page, pages)
pub fn page_of(wanted: usize, total: usize, size: usize) -> (usize, usize) {
    let pages = total.div_ceil(size.max(1)).max(1);
    (wanted.clamp(1, pages), pages)
}

#[derive(Clone, Debug)]
pub struct Year {
    pub year: i32,
    pub decision_number: String,
    pub decisions: Decisions,
    pub cap_per_actor: Decimal,
    pub deadlines: Deadlines,
    pub actors: Vec<ActorYear>,
    pub account: AgencyAccount,
}

impl Year {
    /// The totals of the finance table's rows, as every page and export shows them.
    pub fn totals(&self) -> Totals {
        Totals::of(&self.finance_rows())
    }

    /// The actors' frame: number of actors × the cap.
    pub fn actors_frame(&self) -> Decimal {
        self.cap_per_actor * Decimal::from(self.actors.len())
    }

    /// Actors that were paid but have no approved report: the summary says so plainly.
    pub fn missing_reports(&self) -> Vec<&ActorYear> {
        self.actors
            .iter()
            .filter(|a| a.paid_out.is_some() && a.approved.is_none())
            .collect()
    }

    /// How many actors have come through each step of the year's cycle.
    pub fn progress(&self) -> Vec<(String, usize)> {
        self.progress_counts().steps()
    }

    /// The counts behind `progress` (`db::overview_figures` counts the same in SQL).
    pub fn progress_counts(&self) -> Progress {
        let count = |f: &dyn Fn(&ActorYear) -> bool| self.actors.iter().filter(|a| f(a)).count();
        Progress {
            requisition_submitted: count(&|a| a.requisition_submitted.is_some() || a.imported),
            paid_out: count(&|a| a.paid_out.is_some()),
            report_submitted: count(&|a| a.report_submitted.is_some()),
            report_approved: count(&|a| a.report_approved.is_some()),
            settled: count(&|a| {
                matches!(
                    a.balance.status(),
                    RepaymentStatus::Settled | RepaymentStatus::NothingOwed
                )
            }),
        }
    }

    /// Used against unused per actor with an approved report: (actor, used, unused).
    pub fn used_and_unused(&self) -> Vec<(String, Decimal, Decimal)> {
        self.actors
            .iter()
            .filter_map(|a| {
                a.approved
                    .as_ref()
                    .map(|r| (a.actor_name.clone(), r.used, r.unused))
            })
            .collect()
    }

    /// The reports approved in Digikoord, with their texts (imported years have figures only).
    pub fn approved(&self) -> impl Iterator<Item = (&ActorYear, &ApprovedReport)> {
        self.actors
            .iter()
            .filter(|a| !a.imported)
            .filter_map(|a| a.approved.as_ref().map(|r| (a, r)))
    }

    pub fn activities(&self) -> ActivityStats {
        activity_stats(
            self.approved()
                .map(|(a, r)| (a.actor_name.as_str(), r.activities.as_slice())),
        )
    }

    pub fn finance_rows(&self) -> Vec<FinanceRow> {
        let coverage = Coverage::of_year(self);
        self.actors
            .iter()
            .map(|a| a.finance_row(coverage.knows(Source::of_actor(a))))
            .collect()
    }

    /// The notes under the year's finance table (`Totals::notes`).
    pub fn finance_notes(&self) -> Vec<String> {
        let names: Vec<&str> = self
            .actors
            .iter()
            .filter(|a| a.unapproved().is_some())
            .map(|a| a.actor_name.as_str())
            .collect();
        self.totals().notes(&names)
    }

    pub fn self_assessments(&self) -> AssessmentCounts {
        let mut c = AssessmentCounts::default();
        for (_, r) in self.approved() {
            c.reports += 1;
            match r.self_assessment {
                Some(SelfAssessment::Yes) => c.yes += 1,
                Some(SelfAssessment::Partly) => c.partly += 1,
                Some(SelfAssessment::No) => c.no += 1,
                Some(SelfAssessment::CantSay) | None => c.cant_say += 1,
            }
        }
        c
    }
}

#[cfg(test)]
mod decision_tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(y, m, d)
    }

    fn decision(
        what: &str,
        number: Option<&str>,
        date: Option<NaiveDate>,
        ministry: &str,
    ) -> Decision {
        Decision {
            what: what.into(),
            number: number.map(String::from),
            date,
            ministry: Some(ministry.into()),
        }
    }

    #[test]
    fn each_decision_is_cited_as_what_it_is_with_its_number_date_and_ministry() {
        let offer = decision(
            "Erbjudande att upprätthålla en funktion som regional digitaliseringskoordinator",
            Some("I2021/00795"),
            day(2021, 3, 4),
            "Infrastrukturdepartementet",
        );
        assert_eq!(
            offer.citation(),
            "Erbjudande att upprätthålla en funktion som regional digitaliseringskoordinator: regeringsbeslut I2021/00795 den 4 mars 2021 (Infrastrukturdepartementet)."
        );
    }

    #[test]
    fn an_assignment_whose_number_the_sources_dont_give_says_it_is_missing() {
        let assignment = decision(
            "Uppdrag att administrera ett nationellt sekretariat",
            None,
            day(2018, 7, 12),
            "Näringsdepartementet",
        );
        let cited = assignment.citation();
        assert!(cited.contains("diarienummer saknas"), "{cited}");
        assert!(
            cited.contains("12 juli 2018 (Näringsdepartementet)"),
            "{cited}"
        );
    }

    #[test]
    fn the_parts_required_follow_the_report_rules() {
        let mut d = Decisions::default();
        assert_eq!(d.required_parts().len(), 1);
        d.report_hubs = true;
        d.report_digg = true;
        let keys: Vec<_> = d.required_parts().iter().map(|p| p.0).collect();
        assert_eq!(keys, ["analysis", "innovation_hubs", "digg_views"]);
        d.report_ministry = "Näringsdepartementet".into();
        assert_eq!(d.recipient(), "Regeringskansliet (Näringsdepartementet)");
        // The opening comes first, then the rules' parts.
        assert_eq!(d.empty_part(|_| false), Some("Sammanfattning"));
        assert_eq!(d.empty_part(|k| k != "assignment"), Some("Uppdraget"));
        assert_eq!(
            d.empty_part(|k| k != "digg_views"),
            Some("Synpunkter från Myndigheten för digital förvaltning (DIGG)")
        );
        assert_eq!(d.empty_part(|_| true), None);
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn actor(name: &str, paid: Option<&str>, used: Option<&str>, received: &str) -> ActorYear {
        let paid_out = paid.map(dec);
        let approved = used.map(|u| ApprovedReport {
            report_id: Uuid::nil(),
            version: 1,
            costs: Costs {
                personnel: dec(u),
                ..Default::default()
            },
            used: dec(u),
            unused: paid_out.unwrap_or_default() - dec(u),
            self_assessment: Some(SelfAssessment::Yes),
            self_assessment_motivation: String::new(),
            needs_and_challenges: String::new(),
            results_and_effects: String::new(),
            tasks: vec![],
            activities: vec![Activity {
                title: "Träff".into(),
                sub_goals: vec!["innovation".into(), "ledning".into()],
                kind: ActivityKind::NetworkMeeting,
                partners: "RISE, Länsstyrelsen".into(),
                participants: 40,
            }],
        });
        ActorYear {
            organisation_id: Uuid::new_v4(),
            actor_name: name.into(),
            requisition_deadline: NaiveDate::from_ymd_opt(2025, 3, 31).expect("date"),
            report_deadline: NaiveDate::from_ymd_opt(2026, 1, 31).expect("date"),
            repayment_deadline: NaiveDate::from_ymd_opt(2026, 2, 26).expect("date"),
            requisition_id: None,
            case_number: None,
            requisition_state: paid.map(|_| CaseState::Paid),
            requisitioned: paid_out,
            requisition_submitted: None,
            payout_id: None,
            paid_out,
            paid_on: None,
            report_id: None,
            report_state: approved.as_ref().map(|_| ReportState::Approved),
            report_submitted: None,
            report_approved: None,
            balance: Balance {
                owed: approved.as_ref().map(|a| a.unused),
                received: dec(received),
                ..Balance::default()
            },
            approved,
            unconfirmed_repayments: 0,
            imported: false,
        }
    }

    #[test]
    fn totals_add_up_each_column() {
        let actors = vec![
            actor("A", Some("1000000"), Some("810000.50"), "100000"),
            actor("B", Some("750000"), Some("750000"), "0"),
            actor("C", Some("500000"), None, "0"),
            actor("D", None, None, "0"),
        ];
        let t = totals(&actors);
        assert_eq!(t.requisitioned, dec("2250000"));
        assert_eq!(t.paid_out, dec("2250000"));
        assert_eq!(t.used, Some(dec("1560000.50")));
        assert_eq!(t.owed, Some(dec("189999.50")));
        assert_eq!(t.repaid, dec("100000"));
        assert_eq!(t.outstanding, Some(dec("89999.50")));
    }

    /// Every column's total is the sum of its rows, and what is left derives from the
    /// columns it is shown beside, row by row and in total.
    fn assert_adds_up(rows: &[FinanceRow], t: &Totals) {
        let sum = |pick: fn(&FinanceRow) -> Option<Decimal>| {
            rows.iter().filter_map(pick).reduce(|a, b| a + b)
        };
        assert_eq!(
            Some(t.requisitioned),
            sum(|r| r.requisitioned).or(Some(Decimal::ZERO))
        );
        assert_eq!(
            Some(t.paid_out),
            sum(|r| r.paid_out).or(Some(Decimal::ZERO))
        );
        assert_eq!(t.personnel, sum(|r| r.personnel));
        assert_eq!(t.used, sum(|r| r.used));
        assert_eq!(t.owed, sum(|r| r.unused));
        assert_eq!(Some(t.repaid), sum(|r| r.repaid).or(Some(Decimal::ZERO)));
        assert_eq!(t.outstanding, sum(|r| r.outstanding));
        assert_eq!(t.owed_to_regions, sum(|r| r.owed_to_region));
        for r in rows {
            if let (Some(unused), Some(repaid), Some(left), Some(over)) =
                (r.unused, r.repaid, r.outstanding, r.owed_to_region)
            {
                assert_eq!(left - over, unused - repaid, "{}", r.actor);
            }
            assert_eq!(r.unused.is_some(), r.outstanding.is_some(), "{}", r.actor);
        }
        if let (Some(owed), Some(left), Some(over)) = (t.owed, t.outstanding, t.owed_to_regions) {
            assert_eq!(left - over, owed - (t.repaid - t.repaid_unapproved));
        }
    }

    #[test]
    fn what_is_left_rests_on_approved_reports_and_a_submitted_one_is_a_note() {
        let mut submitted = actor("V", Some("1000000"), None, "30000");
        // Its submitted report says 120 000 kr unused: the region has paid 30 000 kr of it.
        submitted.report_state = Some(ReportState::Submitted);
        submitted.balance.owed = Some(dec("120000"));
        submitted.balance.approved = false;
        let mut overpaid = actor("O", Some("1000000"), Some("900000"), "150000");
        overpaid.balance.owed = Some(dec("100000"));
        overpaid.balance.approved = true;
        let actors = vec![
            actor("A", Some("1000000"), Some("810000"), "100000"),
            overpaid,
            submitted,
            actor("D", None, None, "0"),
        ];
        let rows: Vec<FinanceRow> = actors.iter().map(|a| a.finance_row(true)).collect();
        let t = Totals::of(&rows);
        assert_adds_up(&rows, &t);
        assert_eq!(t, totals(&actors));
        // The submitted report's actor: – for used and unused and what is left, not 0 kr.
        let v = &rows[2];
        assert_eq!(
            (v.used, v.unused, v.outstanding, v.owed_to_region),
            (None, None, None, None)
        );
        assert_eq!(v.repaid, Some(dec("30000")));
        assert_eq!(
            v.unapproved,
            Some(Unapproved {
                outstanding: dec("90000"),
                owed_to_region: Decimal::ZERO
            })
        );
        assert_eq!(t.owed, Some(dec("290000")));
        assert_eq!(t.outstanding, Some(dec("90000")));
        assert_eq!(t.owed_to_regions, Some(dec("50000")));
        assert_eq!(t.repaid, dec("280000"));
        assert_eq!(t.repaid_unapproved, dec("30000"));
        assert_eq!(
            (t.unapproved_actors, t.unapproved.outstanding),
            (1, dec("90000"))
        );
        let notes = t.notes(&["Region Värmland"]);
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert!(notes[0].contains("Region Värmland"), "{}", notes[0]);
        let kr = |s: &str| crate::money::format_kronor(dec(s));
        assert!(notes[0].contains(&kr("90000")), "{}", notes[0]);
        assert!(notes[1].contains(&kr("30000")), "{}", notes[1]);
    }

    #[test]
    fn an_actor_whose_year_is_unknown_has_no_figures_and_a_column_without_any_is_unknown() {
        let d = actor("D", None, None, "0");
        let unknown = d.finance_row(false);
        assert_eq!(
            (unknown.requisitioned, unknown.paid_out, unknown.repaid),
            (None, None, None)
        );
        let known = d.finance_row(true);
        assert_eq!(known.paid_out, Some(Decimal::ZERO));
        assert_eq!(known.used, None);
        let t = Totals::of(&[unknown, known]);
        assert_eq!((t.used, t.owed, t.outstanding), (None, None, None));
        assert_eq!(t.paid_out, Decimal::ZERO);
        assert!(t.notes(&[]).is_empty());
        assert_eq!(amount_or_mark(t.used), NO_DATA_MARK);
        assert_eq!(
            amount_or_mark(Some(dec("1500"))),
            crate::money::format_kronor(dec("1500"))
        );
    }

    #[test]
    fn activities_are_counted_per_sub_goal_kind_and_actor() {
        let a = actor("A", Some("1"), Some("1"), "0");
        let b = actor("B", Some("1"), Some("1"), "0");
        let stats = activity_stats([&a, &b].into_iter().map(|x| {
            (
                x.actor_name.as_str(),
                x.approved
                    .as_ref()
                    .map(|r| r.activities.as_slice())
                    .unwrap_or_default(),
            )
        }));
        assert_eq!(stats.total, 2);
        assert_eq!(stats.by_goal[2], ("Digital innovation", 2));
        assert_eq!(stats.by_goal[0], ("Digital kompetens", 0));
        assert_eq!(stats.by_kind[0], ("Nätverksträff", 2));
        assert_eq!(stats.participants, 80);
        assert_eq!(stats.partners, vec!["Länsstyrelsen", "RISE"]);
        assert_eq!(stats.per_actor[1].by_goal, vec![0, 0, 1, 1, 0]);
    }

    /// A year of three actors: one with an approved report, one paid without, one not paid.
    pub(crate) fn sample_year() -> Year {
        Year {
            year: 2025,
            decision_number: "I2021/00795".into(),
            decisions: Decisions::default(),
            cap_per_actor: dec("1000000"),
            deadlines: Deadlines {
                report: NaiveDate::from_ymd_opt(2026, 1, 31).expect("date"),
                repayment: NaiveDate::from_ymd_opt(2026, 2, 26).expect("date"),
            },
            actors: vec![
                actor("A", Some("1"), Some("1"), "0"),
                actor("C", Some("1"), None, "0"),
                actor("D", None, None, "0"),
            ],
            account: AgencyAccount::default(),
        }
    }

    #[test]
    fn the_figures_of_a_year_are_its_totals_progress_and_notes() {
        let mut year = sample_year();
        let f = YearFigures::of(&year);
        assert_eq!(f.actors, 3);
        assert_eq!(f.totals, year.totals());
        assert_eq!(f.progress.steps(), year.progress());
        assert_eq!(f.notes(), year.finance_notes());
        assert!(!f.any_unknown());
        year.actors[1].report_state = Some(ReportState::Submitted);
        year.actors[1].balance.owed = Some(dec("1"));
        year.actors[1].balance.approved = false;
        let f = YearFigures::of(&year);
        assert_eq!(f.unapproved_names, vec!["C".to_string()]);
        assert_eq!(f.notes(), year.finance_notes());
        assert_eq!(f.totals.unapproved_actors, 1);
    }

    #[test]
    fn the_figures_name_the_missing_figures_and_make_a_pages_rows_as_the_year_does() {
        let year = sample_year();
        let f = YearFigures::of(&year);
        assert_eq!(f.approved_reports, 1);
        // A and C have cases: D took no funds (0 kr), and what C and D used is unknown.
        assert_eq!(
            f.finance_legend(2025).as_deref(),
            Some("– = ingen uppgift i Digikoord: aktören har ingen godkänd redovisning för 2025.")
        );
        assert_eq!(
            format!("{:?}", f.finance_rows(&year.actors)),
            format!("{:?}", year.finance_rows())
        );
        let page = &year.actors[1..];
        assert_eq!(
            format!("{:?}", f.finance_rows(page)),
            format!("{:?}", &year.finance_rows()[1..])
        );
        // A year nobody kept in Digikoord: the actor's payout is unknown too.
        let mut unknown = sample_year();
        unknown.actors.retain(|a| a.actor_name == "D");
        let f = YearFigures::of(&unknown);
        assert!(f.any_unknown());
        assert!(
            f.finance_legend(2025)
                .is_some_and(|l| l.contains("varken ärenden eller inläst historik för 2025"))
        );
        assert!(unknown.finance_rows().iter().any(|r| r.paid_out.is_none()));
        // Every actor with an approved report: no legend.
        let mut all = sample_year();
        all.actors.truncate(1);
        assert_eq!(YearFigures::of(&all).finance_legend(2025), None);
    }

    #[test]
    fn a_missing_report_is_named_with_its_state_as_the_tables_name_it() {
        let year = sample_year();
        let missing: Vec<MissingReport> = year
            .missing_reports()
            .into_iter()
            .map(MissingReport::of)
            .collect();
        assert_eq!(
            missing,
            vec![MissingReport {
                actor_name: "C".into(),
                report_label: "Ej påbörjad",
            }]
        );
        assert_eq!(report_label(true, true, None, true), "Godkänd (importerad)");
        assert_eq!(
            report_label(true, false, None, true),
            "Importerad, ej godkänd"
        );
        assert_eq!(
            report_label(false, false, Some(ReportState::Submitted), true),
            ReportState::Submitted.label()
        );
        assert_eq!(report_label(false, false, None, false), "Ingen utbetalning");
    }

    #[test]
    fn activities_counted_in_aggregate_read_as_the_whole_years() {
        let year = sample_year();
        let whole = year.activities();
        // What `db::load_summary` counts: the one approved report's activity.
        let counted = counted_activities(
            1,
            40,
            &[0, 0, 1, 1, 0],
            &[1],
            ["RISE, Länsstyrelsen"].into_iter(),
        );
        assert_eq!(counted.total, whole.total);
        assert_eq!(counted.participants, whole.participants);
        assert_eq!(counted.by_goal, whole.by_goal);
        assert_eq!(counted.by_kind, whole.by_kind);
        assert_eq!(counted.partners, whole.partners);
        assert!(counted.per_actor.is_empty());
        assert_eq!(
            partners_of(["RISE; Almi", " Almi ,", ""].into_iter()),
            vec!["Almi", "RISE"]
        );
    }

    #[test]
    fn a_page_of_rows_says_which_rows_and_links_its_neighbours() {
        let p = Paging::of(3, 2_000, 100, "?ar=2025".into());
        assert_eq!(
            (p.page, p.pages, p.first, p.last, p.total),
            (3, 20, 201, 300, 2_000)
        );
        assert_eq!(p.prev().as_deref(), Some("?ar=2025&sida=2"));
        assert_eq!(p.next().as_deref(), Some("?ar=2025&sida=4"));
        let links = p.links();
        assert_eq!(links.len(), 20);
        assert_eq!(links[2], (3, None));
        assert_eq!(links[0], (1, Some("?ar=2025&sida=1".to_string())));
        let last = Paging::of(99, 2_050, 100, "?ar=2025".into());
        assert_eq!((last.page, last.first, last.last), (21, 2_001, 2_050));
        assert_eq!(last.next(), None);
        let one = Paging::of(1, 21, 100, "?ar=2025".into());
        assert_eq!((one.pages, one.first, one.last), (1, 1, 21));
        assert_eq!((one.prev(), one.next()), (None, None));
    }

    #[test]
    fn a_page_is_within_the_pages_there_are() {
        assert_eq!(page_of(1, 0, 100), (1, 1));
        assert_eq!(page_of(0, 21, 100), (1, 1));
        assert_eq!(page_of(3, 2_000, 100), (3, 20));
        assert_eq!(page_of(99, 2_000, 100), (20, 20));
        assert_eq!(page_of(2, 100, 100), (1, 1));
        assert_eq!(page_of(2, 101, 100), (2, 2));
    }

    #[test]
    fn missing_reports_are_the_paid_actors_without_an_approved_report() {
        let year = sample_year();
        let missing: Vec<&str> = year
            .missing_reports()
            .iter()
            .map(|a| a.actor_name.as_str())
            .collect();
        assert_eq!(missing, vec!["C"]);
        assert_eq!(year.actors_frame(), dec("3000000"));
        assert_eq!(
            year.self_assessments().of(year.self_assessments().yes),
            "1 av 1"
        );
    }
}
