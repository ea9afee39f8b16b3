//! Repayment of unused funds (26 February Y+1), and Tillväxtverket's own account with
//! Kammarkollegiet (requisition by 1 December Y, repayment by 15 March Y+1).

pub mod db;
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
        .route("/aterbetalningar/{year}/{org}", get(h::show))
        .route(
            "/aterbetalningar/{year}/{org}/betalningar",
            post(h::register_payment),
        )
        .route(
            "/aterbetalningar/betalningar/{id}/bekrafta",
            get(h::confirm_form).post(h::confirm),
        )
        .route("/handlaggning/aterbetalningar", get(h::list))
        .route("/konto", get(h::account))
        .route("/konto/{year}", post(h::update_account))
}
