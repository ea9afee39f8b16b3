//! The programme: periods (government decisions), their actors, and each year's
//! cap, deadlines and budget state.
//!
//! The Government gives each of 21 regional actors (20 regions and Gotlands kommun) up to
//! 1 000 000 kr a year to keep a regional digitalisation coordinator (decision
//! I2021/00795; before it N2018/04129). `/program` (public) shows both periods with
//! decision numbers, actors, each year's cap, budget state and six deadlines;
//! administrators keep periods and their actors, each programme year's cap, deadlines and
//! budget state (`/admin/program/…`) and the organisations (`/admin/organisationer`).
//!
//! **A period carries its rules** (issue 27), as data an administrator keeps in the
//! browser, never as `if year <= 2020` in code:
//! - its decisions: the Government's decision to the actors (number, date, ministry, what
//!   it is) and Tillväxtverket's own assignment (its number not in the sources: shown as
//!   missing until entered);
//! - the coordinators' tasks in the decision's words (`period_tasks`), which a report
//!   answers;
//! - its report to the Government: ministry, title, whether it covers the digital
//!   innovation hubs and DIGG's views; a year may follow another period's report rules
//!   (26 March 2021 is claimed by both decisions: an administrator chooses);
//! - whether Tillväxtverket has a Kammarkollegiet chain, with its appropriation and frame
//!   (2021–2025 only): without one a year has no 1 December / 15 March, account,
//!   documents, reminders or calendar events;
//! - per year, each of the six dates with its basis, or assumed (`YearDate`, shown
//!   *antaget – ej angivet i beslutet* everywhere it is named until confirmed with a
//!   reference), the budget's basis, and the cap on Tillväxtverket's support work;
//! - whether söndagsregeln applies (lag 1930:173, on by default, issue 30): a deadline
//!   that falls on a Saturday, Sunday, public holiday, midsommarafton, julafton or
//!   nyårsafton counts as the next weekday. The administrator writes each date as the
//!   decision does (`*_deadline_decided`); the schema derives the date that counts into the
//!   year's `*_deadline` columns (`next_weekday`, migration `sunday_rule`), so every page,
//!   mail, reminder, calendar event and overdue count reads it, and `/program` shows both:
//!   "31 januari 2027 (söndag) → 1 februari 2027". An extension granted to one actor is a
//!   date a case officer chose and stands as granted.
//!
//! `model.rs`: deadlines and their bases, tasks as typed, the current year, organisation
//! numbers (pure, unit-tested); `form.rs`: the forms as typed;
//! `db.rs`: all SQL; `cache.rs`: the periods, tasks and years held in memory, forgotten on
//! every change (on every server, through PostgreSQL's NOTIFY); `handlers.rs`: the pages.

pub mod cache;
pub mod db;
mod form;
mod handlers;
pub mod model;

use axum::{
    Router,
    routing::{get, post},
};

use crate::{
    AppState,
    error::{AppError, Result},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/program", get(handlers::programme_page))
        .route(
            "/admin/program/perioder/ny",
            get(handlers::new_period_form).post(handlers::create_period),
        )
        .route(
            "/admin/program/perioder/{id}",
            get(handlers::edit_period_form).post(handlers::update_period),
        )
        .route(
            "/admin/program/perioder/{id}/aktorer",
            post(handlers::add_actor),
        )
        .route(
            "/admin/program/perioder/{id}/aktorer/{org}/ta-bort",
            get(handlers::remove_actor_form).post(handlers::remove_actor),
        )
        .route(
            "/admin/program/ar/{year}",
            get(handlers::edit_year_form).post(handlers::update_year),
        )
        .route(
            "/admin/organisationer",
            get(handlers::organisations_page).post(handlers::create_organisation),
        )
}

/// A programme year named in a path (`/konto/2025`), with every year for the picker:
/// exactly that year, or "not found".
pub async fn path_year(state: &AppState, year: i32) -> Result<(db::ProgrammeYear, Vec<i32>)> {
    page_year(state, Some(&year.to_string()))
        .await
        .map_err(|e| match e {
            AppError::BadRequest(_) => AppError::NotFound,
            other => other,
        })
}

/// The programme year a page shows (`?ar=`, or the current year), with every year for
/// the picker; an unknown setup (no years at all) is "not found".
pub async fn page_year(
    state: &AppState,
    ar: Option<&str>,
) -> Result<(db::ProgrammeYear, Vec<i32>)> {
    state
        .programme
        .chosen_year(&state.db, ar, state.clock.today())
        .await?
        .ok_or(AppError::NotFound)
}
