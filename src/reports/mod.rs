//! The yearly activity report: the region writes it part by part, submits it,
//! and a case officer returns or approves it. Approval fixes what is left to repay.

pub mod db;
mod handlers;
pub mod model;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route("/redovisningar/ny", post(h::create))
        .route("/redovisningar/{id}", get(h::show))
        .route("/redovisningar/{id}/kontrollera", get(h::check))
        .route("/redovisningar/{id}/skicka-in", post(h::submit))
        .route(
            "/redovisningar/{id}/uppdrag",
            get(h::tasks_form).post(h::save_tasks),
        )
        .route(
            "/redovisningar/{id}/aktiviteter",
            get(h::activities_page).post(h::add_activity),
        )
        .route(
            "/redovisningar/{id}/aktiviteter/{activity}/ta-bort",
            post(h::remove_activity),
        )
        .route(
            "/redovisningar/{id}/analys",
            get(h::analysis_form).post(h::save_analysis),
        )
        .route(
            "/redovisningar/{id}/ekonomi",
            get(h::finances_form).post(h::save_finances),
        )
        .route(
            "/redovisningar/{id}/bilagor",
            get(h::attachments_page)
                .post(h::upload)
                // Room for a too-large file to arrive and be refused with a clear message.
                .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/redovisningar/{id}/bilagor/{attachment}", get(h::download))
        .route(
            "/redovisningar/{id}/bilagor/{attachment}/ta-bort",
            post(h::remove_attachment),
        )
        .route("/redovisningar/{id}/meddelanden", post(h::post_message))
        .route("/redovisningar/{id}/ny-version", post(h::new_version))
        .route("/redovisningar/{id}/godkann", post(h::approve))
        .route(
            "/redovisningar/{id}/komplettering",
            get(h::return_form).post(h::return_for_completion),
        )
        .route("/handlaggning/redovisningar", get(h::list))
}
