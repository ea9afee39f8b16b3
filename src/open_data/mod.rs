//! Open data: per year and actor what the Government's decision makes public — the amount
//! paid out, and the amount repaid once the repayment is settled — with totals, as a page,
//! JSON and CSV. No personal data (actors are organisations), no drafts, no case details.
//!
//! `/oppna-data` needs no login: the list of years, each year as a page,
//! `/oppna-data/2025.json` and `/oppna-data/2025.csv`. A year's open data is made at most
//! once a minute, never taking the staff's turns (anonymous work must not crowd out the
//! staff). `model.rs` holds what a year publishes; this file the page, JSON and CSV.

pub mod model;

use std::{
    collections::BTreeMap,
    sync::Arc,
    time::{Duration, Instant},
};

use askama::Template;
use axum::{
    Router,
    extract::{Path, State},
    response::Response,
    routing::get,
};

use crate::{
    AppState,
    auth::{Ctx, PageCtx},
    error::{AppError, Result},
    web::{download_response, filters, render},
};
use model::OpenYear;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/oppna-data", get(index))
        .route("/oppna-data/{file}", get(year))
}

#[derive(Template)]
#[template(path = "open_data/index.html")]
struct IndexPage {
    ctx: Ctx,
    years: Vec<i32>,
}

async fn index(State(state): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Response> {
    let years = state
        .programme
        .years(&state.db)
        .await?
        .iter()
        .map(|y| y.year)
        .collect();
    render(&IndexPage { ctx, years })
}

#[derive(Template)]
#[template(path = "open_data/year.html")]
struct YearPage {
    ctx: Ctx,
    data: Arc<OpenYear>,
}

/// How old a year's open data may be when it is served.
const FRESH_FOR: Duration = Duration::from_secs(60);

/// Each year's open data, as last made. Anyone may ask, as often as they like: what they
/// cost is one year's figures a minute, made one at a time, and never a turn of the staff's
/// exports' queue (`heavy`).
#[derive(Clone, Default)]
pub struct Cache {
    years: Arc<tokio::sync::Mutex<BTreeMap<i32, Made>>>,
}

/// A year's open data and when it was made.
type Made = (Instant, Arc<OpenYear>);

impl Cache {
    /// The year's open data, made again when it is older than `FRESH_FOR`. Held under the
    /// lock while made: many asking at once wait for one making, then all share it.
    pub async fn year(&self, db: &sqlx::PgPool, year: i32) -> Result<Arc<OpenYear>> {
        let mut years = self.years.lock().await;
        if let Some((made, data)) = years.get(&year)
            && made.elapsed() < FRESH_FOR
        {
            return Ok(data.clone());
        }
        // Figures only (no texts): the page is public.
        let loaded = crate::summary::db::load_year_figures(db, year)
            .await?
            .ok_or(AppError::NotFound)?;
        let data = Arc::new(OpenYear::of(&loaded));
        drop(loaded);
        crate::memory::trim();
        years.insert(year, (Instant::now(), data.clone()));
        Ok(data)
    }
}

/// `/oppna-data/2025`, `/oppna-data/2025.json` or `/oppna-data/2025.csv`.
async fn year(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(file): Path<String>,
) -> Result<Response> {
    let (stem, format) = file.split_once('.').unwrap_or((file.as_str(), "html"));
    let year: i32 = stem.parse().map_err(|_| AppError::NotFound)?;
    let data = state.open_data.year(&state.db, year).await?;
    match format {
        "html" => render(&YearPage { ctx, data }),
        "json" => Ok(download_response(
            serde_json::to_vec_pretty(&*data).map_err(|e| AppError::Internal(e.to_string()))?,
            "application/json",
            &format!("digikoord-{year}.json"),
        )),
        "csv" => Ok(download_response(
            data.csv(),
            "text/csv; charset=utf-8",
            &format!("digikoord-{year}.csv"),
        )),
        _ => Err(AppError::NotFound),
    }
}
