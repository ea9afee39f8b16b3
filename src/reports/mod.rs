//! The yearly activity report: the region writes it part by part, submits it,
//! and a case officer returns or approves it. Approval fixes what is left to repay.

mod attachments;
pub mod db;
mod handlers;
pub mod model;
mod parts;
mod review;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/redovisningar/ny", post(handlers::create))
        .route("/redovisningar/{id}", get(handlers::show))
        .route("/redovisningar/{id}/kontrollera", get(handlers::check))
        .route("/redovisningar/{id}/skicka-in", post(handlers::submit))
        .route(
            "/redovisningar/{id}/uppdrag",
            get(parts::tasks_form).post(parts::save_tasks),
        )
        .route(
            "/redovisningar/{id}/aktiviteter",
            get(parts::activities_page).post(parts::add_activity),
        )
        .route(
            "/redovisningar/{id}/aktiviteter/{activity}/ta-bort",
            post(parts::remove_activity),
        )
        .route(
            "/redovisningar/{id}/analys",
            get(parts::analysis_form).post(parts::save_analysis),
        )
        .route(
            "/redovisningar/{id}/ekonomi",
            get(parts::finances_form).post(parts::save_finances),
        )
        .route(
            "/redovisningar/{id}/bilagor",
            get(attachments::attachments_page)
                .post(attachments::upload)
                // Room for a too-large file to arrive and be refused with a clear message.
                .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route(
            "/redovisningar/{id}/bilagor/{attachment}",
            get(attachments::download),
        )
        .route(
            "/redovisningar/{id}/bilagor/{attachment}/ta-bort",
            post(attachments::remove_attachment),
        )
        .route(
            "/redovisningar/{id}/meddelanden",
            post(handlers::post_message),
        )
        .route(
            "/redovisningar/{id}/ny-version",
            post(handlers::new_version),
        )
        .route("/redovisningar/{id}/godkann", post(review::approve))
        .route(
            "/redovisningar/{id}/komplettering",
            get(review::return_form).post(review::return_for_completion),
        )
        .route("/handlaggning/redovisningar", get(review::list))
}
