//! Tillväxtverket's overview of a year, and the 26 March summary to the Government with
//! its exports. Every figure comes from `model::Year`, loaded once by `db::load_year`.

mod charts;
pub mod db;
pub mod export;
mod handlers;
pub mod model;

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route("/oversikt", get(h::overview))
        .route("/sammanstallning", get(h::summary))
        .route("/sammanstallning/{year}/avsnitt", post(h::save_sections))
        .route("/sammanstallning/{year}/exporter", post(h::create_export))
        .route("/sammanstallning/exporter/{id}", get(h::download_export))
        .route(
            "/sammanstallning/{year}/utkast/{format}",
            get(h::draft_export),
        )
        .route(
            "/sammanstallning/exporter/{id}/inlamnad",
            post(h::mark_submitted),
        )
}
