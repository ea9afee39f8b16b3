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
//! **The right decision per year.** A period records its decision, date and ministry, and
//! the registration number of Tillväxtverket's own assignment, which the sources don't give
//! and an administrator enters. The 26 March document is addressed to the period's ministry
//! and cites, for 2018–2020, N2018/04129 (Näringsdepartementet); from 2021
//! Tillväxtverket's assignment and the offer to the regions (I2021/00795), each as what it
//! is. A 2018–2020 report asks about N2018/04129's single task. The footer names the
//! decision of the year shown. The 2018–2020 regional deadlines are not in the decision:
//! `/program` marks them *antaget – ej angivet i beslutet* until an administrator saves the
//! year.
//!
//! `model.rs`: deadlines, the current year, organisation numbers (pure, unit-tested);
//! `db.rs`: all SQL; `handlers.rs`: the pages.

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
            post(handlers::remove_actor),
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
    db::chosen_year(&state.db, ar, state.clock.today())
        .await?
        .ok_or(AppError::NotFound)
}
