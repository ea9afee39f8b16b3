//! Open data: per year and actor what the Government's decision makes public — the amount
//! paid out, and the amount repaid once the repayment is settled — with totals, as a page,
//! JSON and CSV. No personal data (actors are organisations), no drafts, no case details.

pub mod model;

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
    let years = crate::programme::db::years(&state.db)
        .await?
        .into_iter()
        .map(|y| y.year)
        .collect();
    render(&IndexPage { ctx, years })
}

#[derive(Template)]
#[template(path = "open_data/year.html")]
struct YearPage {
    ctx: Ctx,
    data: OpenYear,
}

/// `/oppna-data/2025`, `/oppna-data/2025.json` or `/oppna-data/2025.csv`.
async fn year(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(file): Path<String>,
) -> Result<Response> {
    let (stem, format) = file.split_once('.').unwrap_or((file.as_str(), "html"));
    let year: i32 = stem.parse().map_err(|_| AppError::NotFound)?;
    // Figures only (no texts), and a turn like every whole year: the page is public.
    let turn = crate::summary::db::whole_year_turn().await;
    let loaded = crate::summary::db::load_year_figures(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let data = OpenYear::of(&loaded);
    drop(turn);
    match format {
        "html" => render(&YearPage { ctx, data }),
        "json" => Ok(download_response(
            serde_json::to_vec_pretty(&data).map_err(|e| AppError::Internal(e.to_string()))?,
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
