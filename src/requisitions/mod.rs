//! Requisitions and payouts: the region asks for its year's funds, a case officer
//! approves and prepares the payout, a second person approves the payout, and the
//! payment is registered.

mod attachments;
pub mod db;
mod handlers;
pub mod model;
mod review;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/rekvisitioner/ny",
            get(handlers::new_form).post(handlers::create),
        )
        .route("/rekvisitioner/{id}", get(handlers::show))
        .route(
            "/rekvisitioner/{id}/andra",
            get(handlers::edit_form).post(handlers::update),
        )
        .route("/rekvisitioner/{id}/aterkalla", post(handlers::withdraw))
        .route("/rekvisitioner/{id}/kvitto", get(handlers::receipt))
        .route(
            "/rekvisitioner/{id}/bilagor",
            // Room for a too-large file to arrive and be refused with a clear message.
            post(attachments::upload).layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route(
            "/rekvisitioner/{id}/bilagor/{attachment}",
            get(attachments::download),
        )
        .route(
            "/rekvisitioner/{id}/bilagor/{attachment}/ta-bort",
            post(attachments::remove),
        )
        .route(
            "/rekvisitioner/{id}/meddelanden",
            post(handlers::post_message),
        )
        .route(
            "/rekvisitioner/{id}/godkann",
            get(review::approve_form).post(review::approve),
        )
        .route(
            "/rekvisitioner/{id}/komplettering",
            get(review::return_form).post(review::return_for_completion),
        )
        .route(
            "/rekvisitioner/{id}/avslag",
            get(review::reject_form).post(review::reject),
        )
        .route("/handlaggning/rekvisitioner", get(review::list))
        .route(
            "/handlaggning/forlangningar",
            get(review::extensions_page).post(review::grant_extension),
        )
        .route("/attest", get(review::payout_queue))
        .route(
            "/utbetalningar/{id}/attestera",
            post(review::approve_payout),
        )
        .route(
            "/utbetalningar/{id}/skicka-tillbaka",
            get(review::send_back_form).post(review::send_back),
        )
        .route(
            "/utbetalningar/{id}/utbetald",
            get(review::paid_form).post(review::register_paid),
        )
}
