//! The programme's history: earlier years imported from a spreadsheet (checked row by row,
//! previewed, loaded all or nothing, marked as imported), and every year side by side.

pub mod db;
mod handlers;
pub mod model;
pub mod sheet;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route(
            "/admin/historik",
            get(h::page)
                .post(h::upload)
                // Room for a too-large file to arrive and be refused with a clear message.
                .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/admin/historik/{id}", get(h::preview))
        .route("/admin/historik/{id}/las-in", post(h::load))
        .route("/admin/historik/filer/{name}", get(h::template))
        .route("/oversikt/alla-ar", get(h::years))
}
