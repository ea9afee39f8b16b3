//! Repayment of unused funds (26 February Y+1) as soon as the report is submitted,
//! refunds of over-payments with four eyes, and Tillväxtverket's own account with
//! Kammarkollegiet (requisition by 1 December Y, repayment and financial report by
//! 15 March Y+1) with its two documents.

mod account;
pub mod db;
pub mod documents;
mod handlers;
pub mod model;
mod review;

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    use handlers as h;
    use review as r;
    Router::new()
        .route("/aterbetalningar/{year}/{org}", get(h::show))
        .route(
            "/aterbetalningar/{year}/{org}/betalningar",
            post(h::register_payment),
        )
        .route(
            "/aterbetalningar/{year}/{org}/meddelanden",
            post(h::post_message),
        )
        .route("/aterbetalningar/arende/{case}", get(h::thread_page))
        .route(
            "/aterbetalningar/betalningar/{id}/bekrafta",
            get(r::confirm_form).post(r::confirm),
        )
        .route(
            "/aterbetalningar/{year}/{org}/tillbakabetalningar",
            post(r::prepare_refund),
        )
        .route(
            "/aterbetalningar/tillbakabetalningar/{id}/attestera",
            post(r::approve_refund),
        )
        .route(
            "/aterbetalningar/tillbakabetalningar/{id}/skicka-tillbaka",
            post(r::send_back_refund),
        )
        .route(
            "/aterbetalningar/tillbakabetalningar/{id}/betald",
            post(r::register_refund_paid),
        )
        .route("/handlaggning/aterbetalningar", get(r::list))
        .route("/konto", get(account::account))
        .route("/konto/{year}", post(account::update_account))
        .route("/konto/{year}/dokument", post(account::create_document))
        .route(
            "/konto/dokument/{id}/inlamnad",
            post(account::mark_document_submitted),
        )
}
