//! Tillväxtverket's side: the case officer's list of the year's reports, and the
//! decisions on a submitted one (approve, or return it for completion).

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    ALREADY_HANDLED,
    db::{self, Report},
    load,
    model::Action,
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, Result},
    programme::db as programme,
    thread::{self, Thread},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

pub async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let r = load(&state, &user, id).await?;
    let mut tx = state.db.begin().await?;
    if !db::approve(&mut tx, id, user.id()).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "report.approved", "report", id)
        .after(json!({
            "version": r.version,
            "received": r.received,
            "used": r.used,
            "unused": r.unused,
        }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::ReportApproved(id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/redovisningar/{id}"),
        &format!(
            "Redovisningen från {} för {} är godkänd. Outnyttjat att återbetala: {}.",
            r.actor_name,
            r.year,
            crate::money::format_kronor(r.unused)
        ),
    ))
}

#[derive(Template)]
#[template(path = "reports/return.html")]
struct ReturnPage {
    ctx: Ctx,
    r: Report,
    value: String,
    errors: FormErrors,
}

/// A case officer's decision needs the current version, submitted.
async fn submitted_report(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Report> {
    user.require_role(&[Role::CaseOfficer])?;
    let r = load(state, user, id).await?;
    if !(r.current && Action::Return.allowed(r.state)) {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    Ok(r)
}

pub async fn return_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = submitted_report(&state, &user, id).await?;
    render(&ReturnPage {
        ctx: user.ctx,
        r,
        value: String::new(),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct ReasonPost {
    #[serde(default)]
    reason: String,
}

pub async fn return_for_completion(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<ReasonPost>,
) -> Result<Response> {
    let r = submitted_report(&state, &user, id).await?;
    let mut errors = FormErrors::default();
    let Some(reason) = thread::parse_message(
        &mut errors,
        "reason",
        &post.reason,
        "Skriv vad regionen behöver komplettera.",
    ) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ReturnPage {
                ctx: user.ctx,
                r,
                value: post.reason,
                errors,
            },
        );
    };
    let mut tx = state.db.begin().await?;
    let from = Action::Return.from_states();
    if !db::transition(
        &mut tx,
        id,
        from,
        Action::Return.target(r.state),
        Some(&reason),
    )
    .await?
    {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    thread::add(&mut tx, Thread::Report(id), user.id(), &reason).await?;
    audit::Entry::new(Some(user.id()), "report.returned", "report", id)
        .after(json!({ "message": reason }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::ReportReturned(id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/redovisningar/{id}"),
        &format!(
            "Redovisningen från {} är skickad tillbaka för komplettering.",
            r.actor_name
        ),
    ))
}

/// A row of the case officer's list: every actor of the year, with or without a report.
pub struct ListRow {
    pub actor_name: String,
    /// The actor's report deadline, extension included.
    pub deadline: NaiveDate,
    pub paid: bool,
    pub report: Option<Report>,
}

impl ListRow {
    /// The report staff may open: one the region has submitted at least once.
    pub fn submitted_report(&self) -> Option<&Report> {
        self.report
            .as_ref()
            .filter(|r| r.first_submitted_at.is_some())
    }
}

/// The states the list filters by, with the two that have no report row.
const LIST_STATES: [(&str, &str); 6] = [
    ("ej-paborjad", "Ej påbörjad"),
    ("utkast", "Utkast"),
    ("inskickad", "Inskickad"),
    ("komplettering", "Återsänd för komplettering"),
    ("godkand", "Godkänd"),
    ("ingen-utbetalning", "Ingen utbetalning"),
];

impl ListRow {
    pub fn state_key(&self) -> &'static str {
        match (&self.report, self.paid) {
            (Some(r), _) => r.state.key(),
            (None, true) => "ej-paborjad",
            (None, false) => "ingen-utbetalning",
        }
    }

    pub fn state_label(&self) -> &'static str {
        match (&self.report, self.paid) {
            (Some(r), _) => r.state.label(),
            (None, true) => "Ej påbörjad",
            (None, false) => "Ingen utbetalning",
        }
    }
}

#[derive(Template)]
#[template(path = "reports/list.html")]
struct ListPage {
    ctx: Ctx,
    year: i32,
    years: Vec<i32>,
    deadline: NaiveDate,
    /// No source gives the year's report date.
    deadline_assumed: bool,
    today: NaiveDate,
    rows: Vec<ListRow>,
    filter: Option<&'static str>,
    counts: Vec<(&'static str, &'static str, usize)>,
}

impl ListPage {
    fn overdue(&self, row: &ListRow) -> bool {
        self.today > row.deadline
    }

    fn is_filter(&self, key: &&str) -> bool {
        self.filter == Some(*key)
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    ar: Option<String>,
    lage: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (year, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let mut reports = db::list(&state.db, year.year).await?;
    let paid = db::paid_organisations(&state.db, year.year).await?;
    let deadlines = db::report_deadlines(&state.db, year.year).await?;
    let all_rows: Vec<ListRow> = programme::actors_of_year(&state.db, year.year, None)
        .await?
        .into_iter()
        .map(|a| ListRow {
            deadline: deadlines
                .iter()
                .find(|(o, _)| *o == a.organisation_id)
                .map_or(year.report_deadline, |(_, d)| *d),
            paid: paid.contains(&a.organisation_id),
            report: reports
                .iter()
                .position(|r| r.organisation_id == a.organisation_id)
                .map(|i| reports.swap_remove(i)),
            actor_name: a.actor_name,
        })
        .collect();
    let counts = LIST_STATES
        .iter()
        .map(|(key, label)| {
            (
                *key,
                *label,
                all_rows.iter().filter(|r| r.state_key() == *key).count(),
            )
        })
        .collect();
    let filter = query
        .lage
        .as_deref()
        .and_then(|l| LIST_STATES.iter().find(|(k, _)| *k == l))
        .map(|(k, _)| *k);
    let rows = all_rows
        .into_iter()
        .filter(|r| filter.is_none_or(|f| r.state_key() == f))
        .collect();
    render(&ListPage {
        ctx: user.ctx,
        year: year.year,
        years,
        deadline: year.report_deadline,
        deadline_assumed: year.report_assumed(),
        today: state.clock.today(),
        rows,
        filter,
        counts,
    })
}
