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

use askama::Template;
use axum::{
    Router,
    extract::{Query, State},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use chrono::NaiveDate;
use serde::Deserialize;

use crate::{
    AppState,
    auth::{Ctx, PageCtx, Scope, UserKind},
    error::Result,
    programme::{
        db::{self, Actor, ProgrammeYear},
        model::{BudgetState, DeadlineStatus, ExtendedDeadline},
    },
    repayments::{self, db::RepaymentRow},
    reports::{self, db::Report, model::ReportState},
    requisitions::{
        self,
        db::{Extension, Requisition},
        model::{CaseState, RequisitionState, check_submission},
    },
    summary::model::ClosedYear,
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
/// Only a region that requisitioned funds (they were paid: `funds`, the schema's
/// `requisitioned_funds`) reports and repays, its report due the later of its deadline
/// and the day the funds were paid. While the year's budget is not decided nothing counts.
fn obligations(
    year: &ProgrammeYear,
    requisition_deadline: NaiveDate,
    requisition: Option<&Requisition>,
    funds: Option<&reports::db::Funds>,
    report: Option<&Report>,
    repayment: Option<&RepaymentRow>,
    today: NaiveDate,
) -> Vec<Obligation> {
    let decided = year.budget_state == BudgetState::Decided;
    let filed = requisition.filter(|r| !r.is_draft());
    let took_no_funds = decided && filed.is_none() && today > requisition_deadline;
    let counting = decided && !took_no_funds;
    let mut list = vec![Obligation {
        title: "Rekvisition av medel",
        deadline: requisition_deadline,
        assumed: year.requisition_assumed() && requisition_deadline == year.requisition_deadline,
        status: counting.then(|| DeadlineStatus::of(requisition_deadline, today)),
        state: match requisition {
            _ if took_no_funds => format!("Har inte rekvirerat medel för {}", year.year),
            Some(r) => r.case_state().label().to_string(),
            None if !decided => year.budget_state.label().to_string(),
            None => "Ej påbörjad".to_string(),
        },
        link: requisition.map(|r| format!("/rekvisitioner/{}", r.id)),
        done: requisition.is_some_and(|r| r.case_state() == CaseState::Paid),
    }];
    let Some(funds) = funds else {
        return list;
    };
    let d = year.deadlines();
    let repayment_deadline = repayment.map_or(d.repayment, |r| r.deadline);
    list.extend([
        Obligation {
            title: "Redovisning av verksamheten",
            deadline: funds.report_late_after,
            assumed: year.report_assumed() && funds.report_late_after == year.report_deadline,
            status: Some(DeadlineStatus::of(funds.report_late_after, today)),
            state: report
                .map_or("Ej påbörjad", |r| r.state.label())
                .to_string(),
            link: report.map(|r| format!("/redovisningar/{}", r.id)),
            done: report.is_some_and(|r| r.state == ReportState::Approved),
        },
        Obligation {
            title: "Återbetalning av outnyttjade medel",
            deadline: repayment_deadline,
            assumed: year.repayment_assumed() && repayment_deadline == year.repayment_deadline,
            status: Some(DeadlineStatus::of(repayment_deadline, today)),
            state: repayment
                .map_or("Ej påbörjad", |r| r.balance().status().label())
                .to_string(),
            link: repayment
                .filter(|r| r.owed.is_some())
                .map(|r| format!("/aterbetalningar/{}/{}", year.year, r.organisation_id)),
            done: repayment.is_some_and(|r| r.balance().status().done_by_region()),
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

/// Every open obligation of every year, soonest deadline first: an organisation's, or
/// (`None`) Tillväxtverket's own. From January to March last year's report and repayment
/// and this year's requisition are open together.
async fn open_across_years(
    state: &AppState,
    organisation: Option<uuid::Uuid>,
    today: NaiveDate,
) -> Result<Vec<OpenItem>> {
    use crate::mail::db::{ObligationKind, Whose, open_obligations};
    let mut conn = state.db.acquire().await?;
    let (all, run_here) = match organisation {
        Some(org) => (
            open_obligations(&mut conn, today, Whose::Organisation(org)).await?,
            vec![],
        ),
        // Tillväxtverket's own steps count for the years run in Digikoord, not for years
        // before it (kept elsewhere, or imported).
        None => (
            open_obligations(&mut conn, today, Whose::Agency).await?,
            crate::requisitions::db::years_with_cases(&mut *conn).await?,
        ),
    };
    Ok(all
        .into_iter()
        .filter(|o| o.organisation_id.is_some() || run_here.contains(&o.year))
        .map(|o| {
            let y = o.year;
            let (title, link) = match (o.kind, o.organisation_id) {
                (ObligationKind::Requisition, _) => {
                    (format!("Rekvisition {y}"), format!("/?ar={y}"))
                }
                (ObligationKind::Report, _) => (format!("Redovisning {y}"), format!("/?ar={y}")),
                (ObligationKind::Repayment, Some(org)) => (
                    format!(
                        "Återbetalning {y}: {}",
                        crate::money::format_kronor(o.amount.unwrap_or_default())
                    ),
                    format!("/aterbetalningar/{y}/{org}"),
                ),
                (ObligationKind::AgencyRequisition, _) => (
                    format!("Rekvisition från Kammarkollegiet {y}"),
                    format!("/konto?ar={y}"),
                ),
                (ObligationKind::AgencyRepayment, _) => (
                    format!("Återbetalning och ekonomisk redovisning till Kammarkollegiet {y}"),
                    format!("/konto?ar={y}"),
                ),
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
    extension: Option<Extension>,
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

/// The region's year as closed (`summary::model::closed_year`): imported history, or a past
/// year without a case. Nothing there to do, no days to count, no later date to ask for.
async fn closed_year_of(
    state: &AppState,
    year: i32,
    organisation: uuid::Uuid,
    today: NaiveDate,
) -> Result<Option<ClosedYear>> {
    let (figures, run_here) =
        crate::summary::db::actor_figures(&state.db, year, organisation).await?;
    let Some(d) = db::actor_deadlines(&state.db, year, organisation).await? else {
        return Ok(None);
    };
    Ok(crate::summary::model::closed_year(
        figures,
        run_here,
        today,
        &[d.requisition_due, d.report_due, d.repayment_due],
    ))
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
    let (year, years) = match db::chosen_year(&state.db, query.ar.as_deref(), today).await? {
        Some((year, years)) => (Some(year), years),
        None => (None, vec![]),
    };
    let decision_number = match &year {
        Some(y) => db::period(&state.db, y.period_id)
            .await?
            .map(|p| p.decision_number)
            .unwrap_or_default(),
        None => String::new(),
    };

    if let UserKind::Coordinator {
        organisation: org, ..
    } = user.kind
    {
        let mut actor = None;
        let mut obligations_of_year = vec![];
        let mut call = RequisitionCall::Filed;
        let mut extension = None;
        let mut report_call = None;
        let mut closed = None;
        if let Some(y) = &year {
            actor = db::actors_of_year(&state.db, y.year, Some(org))
                .await?
                .into_iter()
                .next();
            if actor.is_some() {
                closed = closed_year_of(&state, y.year, org, today).await?;
                let requisition = requisitions::db::active(&state.db, y.year, org).await?;
                extension = requisitions::db::extension(
                    &state.db,
                    y.year,
                    org,
                    ExtendedDeadline::Requisition,
                )
                .await?;
                let deadlines = db::actor_deadlines(&state.db, y.year, org)
                    .await?
                    .ok_or(crate::error::AppError::NotFound)?;
                let deadline = deadlines.requisition_due;
                let report = reports::db::current(&state.db, y.year, org).await?;
                let funds = reports::db::funds(&state.db, y.year, org).await?;
                if let (None, Some(f)) = (&report, &funds) {
                    report_call = Some((
                        f.report_late_after,
                        DeadlineStatus::of(f.report_late_after, today),
                    ));
                }
                let repayment = repayments::db::rows(&state.db, y.year, Some(org))
                    .await?
                    .into_iter()
                    .next();
                obligations_of_year = obligations(
                    y,
                    deadline,
                    requisition.as_ref(),
                    funds.as_ref(),
                    report.as_ref(),
                    repayment.as_ref(),
                    today,
                );
                if requisition.is_none() {
                    call = match check_submission(y.year, y.budget_state, today, deadline, true) {
                        Ok(()) => RequisitionCall::Start,
                        Err(refusal) => RequisitionCall::Refused(refusal.message()),
                    };
                }
            }
        }
        if closed.is_some() {
            // A closed year: nothing to start, no days to count, no later date to ask for.
            call = RequisitionCall::Filed;
            report_call = None;
            extension = None;
        }
        let open = open_across_years(&state, Some(org), today).await?;
        return render(&CoordinatorStart {
            ctx,
            year,
            years,
            actor,
            obligations: obligations_of_year,
            decision_number,
            call,
            extension,
            report_call,
            open,
            agency_contact: crate::network::db::agency_contact(&state.db).await?,
            closed,
        });
    }

    let actors = match &year {
        Some(y) => {
            let mut filed = requisitions::db::list(&state.db, y.year, Scope::All).await?;
            filed.retain(|r| {
                !matches!(
                    r.state,
                    RequisitionState::Withdrawn | RequisitionState::Rejected
                )
            });
            db::actors_of_year(&state.db, y.year, None)
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
    let open = open_across_years(&state, None, today).await?;
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
