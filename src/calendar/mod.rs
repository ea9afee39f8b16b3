//! Calendar feeds of the deadlines: each user subscribes, by a secret link of their own,
//! to their organisation's deadlines or (staff) to every actor's and Tillväxtverket's.

pub mod db;
mod handlers;
pub mod model;

use axum::{Router, routing::get};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kalender", get(handlers::page).post(handlers::renew_link))
        // `{token}.ics`: the router can't match a suffix, the handler strips it.
        .route("/kalender/{file}", get(handlers::feed))
}
