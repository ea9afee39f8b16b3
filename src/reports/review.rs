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
use crate::requisitions::model::case_found;
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, Result},
    lists::{
        Cell, Column, Export, Header, Sort, Table, column, needs_action_first, waiting_notice,
        with_query,
    },
    programme::db as programme,
    thread::{self, Thread},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

/// The decision at the end of the report's page: an optional comment, kept in the case's
/// history.
#[derive(Deserialize)]
pub struct ApprovePost {
    #[serde(default)]
    comment: String,
}

pub async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<ApprovePost>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let r = load(&state, &user, id).await?;
    let mut errors = FormErrors::default();
    let comment =
        crate::input::optional_text(&mut errors, "comment", &post.comment, thread::MESSAGE_MAX);
    if !errors.is_empty() {
        return super::handlers::approval_refused(&state, user, r, post.comment, errors).await;
    }
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
            "message": comment,
        }))
        .record(&mut tx)
        .await?;
    crate::records::db::record_report_approved(&mut tx, &r, comment.as_deref(), user.id()).await?;
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
    crate::records::db::record_report_returned(&mut tx, &r, &reason, user.id()).await?;
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
    /// The year's approved requisition's case number: the report's case.
    pub case_number: Option<String>,
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
    q: String,
    sort: Sort,
    /// How many submitted reports wait for a case officer, shown first.
    waiting: Option<String>,
}

impl ListPage {
    fn overdue(&self, row: &ListRow) -> bool {
        self.today > row.deadline
    }

    fn is_filter(&self, key: &&str) -> bool {
        self.filter == Some(*key)
    }

    /// This list in another state (`""`: all), the year, the search and the order kept.
    fn link(&self, state: &str) -> String {
        with_query(&list_link(self.year, state, &self.q), &self.sort.query())
    }

    /// The heading of the column `key`: a link that sorts the list by it.
    fn heading(&self, key: &'static str) -> Header {
        let heading = LIST_COLUMNS
            .iter()
            .find(|c| c.key == key)
            .map_or(key, |c| c.heading);
        self.sort.header(
            &list_link(self.year, self.filter.unwrap_or_default(), &self.q),
            column(key, heading),
        )
    }

    fn caption(&self) -> String {
        match self.sort.describe(&LIST_COLUMNS) {
            Some(order) => format!("Redovisningar {}. {order}", self.year),
            None if self.waiting.is_some() => {
                format!("Redovisningar {}, inskickade först", self.year)
            }
            None => format!("Redovisningar {}", self.year),
        }
    }

    /// What the list shows, as CSV or XLSX.
    fn export_link(&self, format: &str) -> String {
        let shown = with_query(
            &list_link(self.year, self.filter.unwrap_or_default(), &self.q),
            &self.sort.query(),
        );
        format!(
            "/handlaggning/redovisningar{}",
            with_query(&shown, &format!("format={format}"))
        )
    }
}

fn list_link(year: i32, state: &str, q: &str) -> String {
    let mut link = format!("?ar={year}");
    if !state.is_empty() {
        link.push_str(&format!("&lage={state}"));
    }
    if !q.trim().is_empty() {
        link.push_str(&format!("&q={}", crate::web::url_encode(q.trim())));
    }
    link
}

/// The list's sortable columns, in the order of its exports.
const LIST_COLUMNS: [Column; 8] = [
    column("arende", "Ärende"),
    column("aktor", "Aktör"),
    column("lage", "Läge"),
    column("inskickad", "Inskickad"),
    column("mottaget", "Mottaget"),
    column("anvant", "Använt (denna version)"),
    column("outnyttjat", "Outnyttjat (denna version)"),
    column("version", "Version"),
];

/// An actor's row in the list's exports, and what it is sorted by.
fn list_cells(row: &ListRow) -> Vec<Cell> {
    let report = row.report.as_ref();
    vec![
        Cell::text(row.case_number.as_deref().unwrap_or_default()),
        Cell::text(&row.actor_name),
        Cell::text(row.state_label()),
        Cell::date(report.and_then(|r| r.first_submitted_on())),
        Cell::amount(report.map(|r| r.received)),
        Cell::amount(report.map(|r| r.used)),
        Cell::amount(report.map(|r| r.unused)),
        report.map_or(Cell::Empty, |r| Cell::Number(i64::from(r.version))),
    ]
}

#[derive(Deserialize)]
pub struct ListQuery {
    ar: Option<String>,
    lage: Option<String>,
    /// A case number or an actor's name, or part of one.
    q: Option<String>,
    /// `sortera=<kolumn>`, `ordning=fallande`: the list sorted by one of its columns.
    sortera: Option<String>,
    ordning: Option<String>,
    /// `csv` or `xlsx`: the list as shown, to download.
    format: Option<String>,
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
    let cases = crate::requisitions::db::list(&state.db, year.year, user.scope()).await?;
    let q = query.q.unwrap_or_default();
    let all_rows: Vec<ListRow> = programme::actors_of_year(&state.db, year.year, None)
        .await?
        .into_iter()
        .map(|a| ListRow {
            case_number: cases
                .iter()
                .find(|r| {
                    r.organisation_id == a.organisation_id
                        && r.state == crate::requisitions::model::RequisitionState::Approved
                })
                .map(|r| r.case_number.clone()),
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
        .filter(|r| case_found(&q, r.case_number.as_deref(), &r.actor_name))
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
    let mut rows: Vec<ListRow> = all_rows
        .into_iter()
        .filter(|r| filter.is_none_or(|f| r.state_key() == f))
        .collect();
    let sort = Sort::read(
        query.sortera.as_deref(),
        query.ordning.as_deref(),
        &LIST_COLUMNS,
    );
    sort.apply(&mut rows, &LIST_COLUMNS, list_cells);
    // The queue opens on the reports that wait for a case officer.
    let waiting = if sort.is_default() && filter.is_none() {
        waiting_notice(needs_action_first(&mut rows, |r| {
            r.state_key() == "inskickad"
        }))
    } else {
        None
    };
    if let Some(export) = Export::read(query.format.as_deref()) {
        return Table::new(&LIST_COLUMNS, rows.iter().map(list_cells)).download(
            export,
            &format!("redovisningar-{}", year.year),
            &format!("Redovisningar {}", year.year),
        );
    }
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
        q,
        sort,
        waiting,
    })
}
