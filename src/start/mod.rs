//! The start page: what the logged-in person needs first, by role.
//!
//! A region's coordinator sees the obligations and deadlines of the programme year, and
//! from January to March, when last year's report and repayment and this year's
//! requisition are open at once, every open obligation of every year, soonest deadline
//! first, each linked (*Rekvirera medel för 2025*, *Redovisa 2025* with the days left or
//! *försenad*), and Tillväxtverket's contact person (`network`). Only a region that
//! requisitioned funds is asked to report and repay; one that let the requisition deadline
//! pass took no funds that year and is not late; a year whose budget is not decided counts
//! no days. The staff see the year's
//! 21 actors, what waits for Tillväxtverket across years (requisitions and reports to
//! review, payouts and refunds to approve or pay, repayments to confirm) and its own open
//! deadlines, for the years run in Digikoord. Every deadline is the actor's own, extensions
//! included.
//!
//! The coordinator's page asks the database two questions whatever the programme's size
//! (`db`): the years with what is open in each, and the facts of the year shown.

mod db;

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    AppState,
    auth::{Ctx, PageCtx, Scope, UserKind},
    error::{AppError, Result},
    money::format_kronor,
    programme::{
        db::{self as programme_db, Actor, ProgrammeYear},
        model::{BudgetState, DeadlineStatus, YearDate, chosen_year},
    },
    repayments,
    reports::model::ReportState,
    requisitions::{
        self,
        db::Requisition,
        model::{CaseState, RequisitionState, check_submission},
    },
    summary::model::{ClosedYear, closed_year},
    web::{filters, render},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(start_page))
}

/// One thing an actor must do in a year.
pub struct Obligation {
    pub title: &'static str,
    pub deadline: NaiveDate,
    /// The year's own date, which no source gives: shown *antaget – ej angivet i beslutet*.
    pub assumed: bool,
    /// The days left or passed; `None` when no days count: the year's budget is not
    /// decided, or the region took no funds.
    pub status: Option<DeadlineStatus>,
    pub state: String,
    pub link: Option<String>,
    /// The step is done: no more counting days.
    pub done: bool,
}

impl Obligation {
    /// Past its day and not done.
    pub fn is_late(&self) -> bool {
        !self.done && self.status.is_some_and(DeadlineStatus::is_passed)
    }
}

/// What the year asks of the region. The offer is voluntary: a region that let the
/// requisition deadline pass without filing took no funds that year, and is not late.
/// Only a region that requisitioned funds (they were paid: the schema's
/// `requisitioned_funds`) reports and repays, its report due the later of its deadline
/// and the day the funds were paid. While the year's budget is not decided nothing counts.
fn obligations(
    year: &ProgrammeYear,
    facts: &db::YearFacts,
    due: &db::Due,
    organisation: Uuid,
    today: NaiveDate,
) -> Vec<Obligation> {
    let requisition = facts.requisition();
    let requisition_deadline = due.requisition;
    let decided = year.budget_state == BudgetState::Decided;
    let filed = requisition.as_ref().filter(|r| !r.is_draft());
    let took_no_funds = decided && filed.is_none() && today > requisition_deadline;
    let counting = decided && !took_no_funds;
    let mut list = vec![Obligation {
        title: "Rekvisition av medel",
        deadline: requisition_deadline,
        assumed: year.requisition_assumed() && requisition_deadline == year.requisition_deadline,
        status: counting.then(|| DeadlineStatus::of(requisition_deadline, today)),
        state: match &requisition {
            _ if took_no_funds => format!("Har inte rekvirerat medel för {}", year.year),
            Some(r) => r.case_state().label().to_string(),
            None if !decided => year.budget_state.label().to_string(),
            None => "Ej påbörjad".to_string(),
        },
        link: requisition
            .as_ref()
            .map(|r| format!("/rekvisitioner/{}", r.id)),
        done: requisition
            .as_ref()
            .is_some_and(|r| r.case_state() == CaseState::Paid),
    }];
    let Some(report_deadline) = facts.report_late_after else {
        return list;
    };
    let report = facts.report();
    let balance = facts.balance();
    let repayment = balance.status();
    let n = year.year;
    list.extend([
        Obligation {
            title: "Redovisning av verksamheten",
            deadline: report_deadline,
            assumed: year.report_assumed() && report_deadline == year.report_deadline,
            status: Some(DeadlineStatus::of(report_deadline, today)),
            state: report
                .as_ref()
                .map_or("Ej påbörjad", |r| r.state.label())
                .to_string(),
            link: report.as_ref().map(|r| format!("/redovisningar/{}", r.id)),
            done: report
                .as_ref()
                .is_some_and(|r| r.state == ReportState::Approved),
        },
        Obligation {
            title: "Återbetalning av outnyttjade medel",
            deadline: due.repayment,
            assumed: year.repayment_assumed() && due.repayment == year.repayment_deadline,
            status: Some(DeadlineStatus::of(due.repayment, today)),
            state: repayment.label().to_string(),
            link: balance
                .owed
                .map(|_| format!("/aterbetalningar/{n}/{organisation}")),
            done: repayment.done_by_region(),
        },
    ]);
    list
}

/// One open obligation of any year, for the list across years.
pub struct OpenItem {
    pub title: String,
    pub deadline: NaiveDate,
    /// No source gives the date: shown *antaget – ej angivet i beslutet*.
    pub assumed: bool,
    pub status: DeadlineStatus,
    pub link: String,
}

/// The organisation's open obligations of every year, soonest deadline first. From January
/// to March last year's report and repayment and this year's requisition are open together.
fn open_of_region(years: &[db::OpenYear], organisation: Uuid, today: NaiveDate) -> Vec<OpenItem> {
    let mut items = vec![];
    for open in years {
        let y = &open.year;
        let n = y.year;
        let item = |which: YearDate, deadline: NaiveDate, title: String, link: String| OpenItem {
            title,
            deadline,
            assumed: y.assumed(which) && y.date_of(&which) == Some(deadline),
            status: DeadlineStatus::of(deadline, today),
            link,
        };
        // Steps due on one day in the reminders' order: repayment, report, requisition.
        if let Some(d) = open.open_repayment {
            let left = format_kronor(open.repayment_left.unwrap_or_default());
            let title = format!("Återbetalning {n}: {left}");
            let link = format!("/aterbetalningar/{n}/{organisation}");
            items.push((d, 0, item(YearDate::Repayment, d, title, link)));
        }
        if let Some(d) = open.open_report {
            let (title, link) = (format!("Redovisning {n}"), format!("/?ar={n}"));
            items.push((d, 1, item(YearDate::Report, d, title, link)));
        }
        if let Some(d) = open.open_requisition {
            let (title, link) = (format!("Rekvisition {n}"), format!("/?ar={n}"));
            items.push((d, 2, item(YearDate::Requisition, d, title, link)));
        }
    }
    items.sort_by_key(|&(deadline, rank, _)| (deadline, rank));
    items.into_iter().map(|(_, _, item)| item).collect()
}

/// Tillväxtverket's own open obligations of every year, soonest deadline first.
async fn open_of_agency(state: &AppState, today: NaiveDate) -> Result<Vec<OpenItem>> {
    use crate::mail::db::{ObligationKind, Whose, open_obligations};
    let mut conn = state.db.acquire().await?;
    let all = open_obligations(&mut conn, today, Whose::Agency).await?;
    // Tillväxtverket's own steps count for the years run in Digikoord, not for years
    // before it (kept elsewhere, or imported).
    let run_here = requisitions::db::years_with_cases(&mut *conn).await?;
    Ok(all
        .into_iter()
        .filter(|o| run_here.contains(&o.year))
        .map(|o| {
            let y = o.year;
            let (title, link) = match o.kind {
                ObligationKind::AgencyRequisition => (
                    format!("Rekvisition från Kammarkollegiet {y}"),
                    format!("/konto?ar={y}"),
                ),
                ObligationKind::AgencyRepayment => (
                    format!("Återbetalning och ekonomisk redovisning till Kammarkollegiet {y}"),
                    format!("/konto?ar={y}"),
                ),
                // The agency's third step; a region's are not asked for here.
                _ => (
                    format!("Sammanställning {y} till Regeringskansliet"),
                    format!("/sammanstallning?ar={y}"),
                ),
            };
            OpenItem {
                title,
                status: DeadlineStatus::of(o.deadline, today),
                deadline: o.deadline,
                assumed: o.assumed,
                link,
            }
        })
        .collect())
}

/// What the region can do about its requisition for the year, in one sentence or a button.
pub enum RequisitionCall {
    /// "Rekvirera medel för 2025".
    Start,
    Refused(String),
    /// Already filed: nothing to start.
    Filed,
}

/// An actor and its requisition of the year, for the staff's table.
pub struct ActorRow {
    pub actor: Actor,
    pub requisition: Option<Requisition>,
}

#[derive(Deserialize)]
struct YearQuery {
    ar: Option<String>,
}

#[derive(Template)]
#[template(path = "start/coordinator.html")]
struct CoordinatorStart {
    ctx: Ctx,
    year: Option<ProgrammeYear>,
    years: Vec<i32>,
    actor: Option<Actor>,
    obligations: Vec<Obligation>,
    decision_number: String,
    call: RequisitionCall,
    extension: Option<db::ExtensionNotice>,
    /// "Redovisa 2025": a paid payout and no report yet.
    report_call: Option<(NaiveDate, DeadlineStatus)>,
    /// Open obligations of every year.
    open: Vec<OpenItem>,
    /// Tillväxtverket's contact person, kept by an administrator.
    agency_contact: Option<crate::network::model::AgencyContact>,
    /// A year with no steps left: its imported history, or what Digikoord knows of it,
    /// instead of deadlines and days.
    closed: Option<ClosedYear>,
}

impl CoordinatorStart {
    /// A closed year without imported history: its dates are shown as facts, no days
    /// counted.
    fn closed_dates(&self) -> bool {
        matches!(
            self.closed,
            Some(ClosedYear::NoRequisition | ClosedYear::NoData)
        )
    }
}

#[derive(Template)]
#[template(path = "start/staff.html")]
struct StaffStart {
    ctx: Ctx,
    year: Option<ProgrammeYear>,
    years: Vec<i32>,
    actors: Vec<ActorRow>,
    decision_number: String,
    agency: Vec<AgencyDeadline>,
    /// What waits for Tillväxtverket, every year together.
    waiting: Vec<crate::mail::db::Waiting>,
    /// Tillväxtverket's own open deadlines of every year.
    open: Vec<OpenItem>,
}

/// One of Tillväxtverket's own deadlines of the year, and whether it is met.
pub struct AgencyDeadline {
    pub title: &'static str,
    pub deadline: NaiveDate,
    pub status: DeadlineStatus,
    /// Registered (or the summary marked submitted): no more counting days.
    pub done: bool,
}

async fn start_page(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Query(query): Query<YearQuery>,
) -> Result<Response> {
    let Some(user) = ctx.user.clone() else {
        return Ok(Redirect::to("/logga-in").into_response());
    };
    let today = state.clock.today();
    let asked = query.ar.as_deref();
    if let UserKind::Coordinator {
        organisation: org, ..
    } = user.kind
    {
        return coordinator_start(&state, ctx, org, asked, today).await;
    }

    let chosen = state.programme.chosen_year(&state.db, asked, today).await?;
    let (year, years) = match chosen {
        Some((year, years)) => (Some(year), years),
        None => (None, vec![]),
    };
    let decision_number = match &year {
        Some(y) => state
            .programme
            .period(&state.db, y.period_id)
            .await?
            .map(|p| p.decision_number)
            .unwrap_or_default(),
        None => String::new(),
    };
    let actors = match &year {
        Some(y) => {
            let mut filed = requisitions::db::list(&state.db, y.year, Scope::All).await?;
            filed.retain(|r| {
                !matches!(
                    r.state,
                    RequisitionState::Withdrawn | RequisitionState::Rejected
                )
            });
            programme_db::actors_of_year(&state.db, y.year, None)
                .await?
                .into_iter()
                .map(|actor| ActorRow {
                    requisition: filed
                        .iter()
                        .position(|r| r.organisation_id == actor.organisation_id)
                        .map(|i| filed.swap_remove(i)),
                    actor,
                })
                .collect()
        }
        None => vec![],
    };
    let mut agency = vec![];
    if let Some(y) = &year {
        let d = y.deadlines();
        let account = repayments::db::agency_account(&state.db, y.year).await?;
        let summary_submitted = crate::summary::db::submitted(&state.db, y.year).await?;
        for (title, deadline, done) in [
            (
                "Rekvisition från Kammarkollegiet",
                d.agency_requisition,
                account.requisitioned.is_some(),
            ),
            (
                "Återbetalning och ekonomisk redovisning till Kammarkollegiet",
                d.agency_repayment,
                account.repaid.is_some(),
            ),
            (
                "Sammanställning till Regeringskansliet",
                Some(d.summary),
                summary_submitted,
            ),
        ] {
            // No Kammarkollegiet dates where the period has no such chain.
            let Some(deadline) = deadline else {
                continue;
            };
            agency.push(AgencyDeadline {
                title,
                deadline,
                status: DeadlineStatus::of(deadline, today),
                done,
            });
        }
    }
    let waiting = {
        let mut conn = state.db.acquire().await?;
        crate::mail::db::waiting_for_staff(&mut conn).await?
    };
    let open = open_of_agency(&state, today).await?;
    render(&StaffStart {
        ctx,
        year,
        years,
        actors,
        decision_number,
        agency,
        waiting,
        open,
    })
}

/// The region's page, from two queries: the years with what is open in each (which also
/// gives the picker and the year shown), then the facts of the year shown.
async fn coordinator_start(
    state: &AppState,
    ctx: Ctx,
    org: Uuid,
    asked: Option<&str>,
    today: NaiveDate,
) -> Result<Response> {
    let open_years = db::open_years(&state.db, org, today).await?;
    let years: Vec<i32> = open_years.iter().map(|o| o.year.year).collect();
    let wanted = chosen_year(asked, &years, today).map_err(AppError::BadRequest)?;
    let facts = db::year_facts(&state.db, wanted, org).await?;
    let open = open_of_region(&open_years, org, today);
    let year = open_years
        .into_iter()
        .map(|o| o.year)
        .find(|y| Some(y.year) == wanted);

    let mut actor = None;
    let mut obligations_of_year = vec![];
    let mut call = RequisitionCall::Filed;
    let mut extension = None;
    let mut report_call = None;
    let mut closed = None;
    if let (Some(y), Some(actor_name)) = (&year, &facts.actor_name) {
        actor = Some(Actor {
            organisation_id: org,
            actor_name: actor_name.clone(),
            org_number: facts.org_number.clone(),
        });
        let due = facts.due().ok_or(AppError::NotFound)?;
        // A closed year (`summary::model::closed_year`): imported history, or a past year
        // without a case. Nothing there to do, no days to count, no later date to ask for.
        closed = closed_year(
            facts.figures(org),
            facts.run_here,
            today,
            &[due.requisition, due.report, due.repayment],
        );
        extension = facts.extension();
        if let (None, Some(late_after)) = (facts.report(), facts.report_late_after) {
            report_call = Some((late_after, DeadlineStatus::of(late_after, today)));
        }
        obligations_of_year = obligations(y, &facts, &due, org, today);
        if facts.requisition().is_none() {
            call = match check_submission(y.year, y.budget_state, today, due.requisition, true) {
                Ok(()) => RequisitionCall::Start,
                Err(refusal) => RequisitionCall::Refused(refusal.message()),
            };
        }
    }
    if closed.is_some() {
        // A closed year: nothing to start, no days to count, no later date to ask for.
        call = RequisitionCall::Filed;
        report_call = None;
        extension = None;
    }
    render(&CoordinatorStart {
        ctx,
        year,
        years,
        actor,
        obligations: obligations_of_year,
        decision_number: facts.decision_number.clone().unwrap_or_default(),
        call,
        extension,
        report_call,
        open,
        agency_contact: facts.agency_contact(),
        closed,
    })
}
