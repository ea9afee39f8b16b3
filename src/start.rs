//! The start page: what the logged-in person needs first, by role.

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
        model::{DeadlineStatus, ExtendedDeadline},
    },
    repayments::{self, db::RepaymentRow, model::Status},
    reports::{self, db::Report, model::ReportState},
    requisitions::{
        self,
        db::{Extension, Requisition},
        model::{CaseState, RequisitionState, check_submission, submission_deadline},
    },
    web::{filters, render},
};

pub fn router() -> Router<AppState> {
    Router::new().route("/", get(start_page))
}

/// One thing an actor must do in a year.
pub struct Obligation {
    pub title: &'static str,
    pub deadline: NaiveDate,
    pub status: DeadlineStatus,
    pub state: &'static str,
    pub link: Option<String>,
    /// The step is done: no more counting days.
    pub done: bool,
}

fn obligations(
    year: &ProgrammeYear,
    requisition_deadline: NaiveDate,
    report_deadline: NaiveDate,
    requisition: Option<&Requisition>,
    report: Option<&Report>,
    repayment: Option<&RepaymentRow>,
    today: NaiveDate,
) -> Vec<Obligation> {
    let d = year.deadlines();
    let not_started = |title, deadline| Obligation {
        title,
        deadline,
        status: DeadlineStatus::of(deadline, today),
        state: "Ej påbörjad",
        link: None,
        done: false,
    };
    vec![
        Obligation {
            state: requisition.map_or("Ej påbörjad", |r| r.case_state().label()),
            link: requisition.map(|r| format!("/rekvisitioner/{}", r.id)),
            done: requisition.is_some_and(|r| r.case_state() == CaseState::Paid),
            ..not_started("Rekvisition av medel", requisition_deadline)
        },
        Obligation {
            state: report.map_or("Ej påbörjad", |r| r.state.label()),
            link: report.map(|r| format!("/redovisningar/{}", r.id)),
            done: report.is_some_and(|r| r.state == ReportState::Approved),
            ..not_started("Redovisning av verksamheten", report_deadline)
        },
        Obligation {
            state: repayment.map_or("Ej påbörjad", |r| r.balance().status().label()),
            link: repayment
                .filter(|r| r.owed.is_some())
                .map(|r| format!("/aterbetalningar/{}/{}", year.year, r.organisation_id)),
            done: repayment.is_some_and(|r| {
                matches!(r.balance().status(), Status::Settled | Status::NothingOwed)
            }),
            ..not_started(
                "Återbetalning av outnyttjade medel",
                repayment.map_or(d.repayment, |r| r.deadline),
            )
        },
    ]
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
    /// Tillväxtverket's contact person, kept by an administrator.
    agency_contact: Option<crate::network::model::AgencyContact>,
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
        if let Some(y) = &year {
            actor = db::actors_of_year(&state.db, y.year, Some(org))
                .await?
                .into_iter()
                .next();
            if actor.is_some() {
                let requisition = requisitions::db::active(&state.db, y.year, org).await?;
                extension = requisitions::db::extension(
                    &state.db,
                    y.year,
                    org,
                    ExtendedDeadline::Requisition,
                )
                .await?;
                let deadline = submission_deadline(
                    y.requisition_deadline,
                    extension.as_ref().map(|x| x.new_deadline),
                );
                let report = reports::db::current(&state.db, y.year, org).await?;
                let report_deadline = submission_deadline(
                    y.report_deadline,
                    requisitions::db::extension(&state.db, y.year, org, ExtendedDeadline::Report)
                        .await?
                        .map(|x| x.new_deadline),
                );
                if report.is_none()
                    && reports::db::paid_payout(&state.db, y.year, org)
                        .await?
                        .is_some()
                {
                    report_call =
                        Some((report_deadline, DeadlineStatus::of(report_deadline, today)));
                }
                let repayment = repayments::db::rows(&state.db, y.year, Some(org))
                    .await?
                    .into_iter()
                    .next();
                obligations_of_year = obligations(
                    y,
                    deadline,
                    report_deadline,
                    requisition.as_ref(),
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
            agency_contact: crate::network::db::agency_contact(&state.db).await?,
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
                d.summary,
                summary_submitted,
            ),
        ] {
            agency.push(AgencyDeadline {
                title,
                deadline,
                status: DeadlineStatus::of(deadline, today),
                done,
            });
        }
    }
    render(&StaffStart {
        ctx,
        year,
        years,
        actors,
        decision_number,
        agency,
    })
}
