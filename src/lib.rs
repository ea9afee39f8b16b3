//! Digikoord: the funds for the regional digitalisation coordinators, from
//! requisition to repayment. `app()` is the whole web application, used by
//! `main` and by every test.
#![deny(clippy::unwrap_used)]

mod assets;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod config;
pub mod dates;
pub mod db;
pub mod error;
pub mod giro;
pub mod money;
pub mod operator;
pub mod programme;
pub mod repayments;
pub mod reports;
pub mod requisitions;
pub mod seed;
pub mod serve;
mod start;
pub mod summary;
pub mod telemetry;
pub mod thread;
mod users;
pub mod web;

use std::sync::Arc;

use axum::{Router, extract::State, http::StatusCode, middleware, routing::get};
use sqlx::PgPool;

pub use clock::Clock;
pub use config::Config;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub clock: Clock,
}

pub fn app(state: AppState) -> Router {
    let pages = Router::new()
        .merge(start::router())
        .merge(auth::router())
        .merge(programme::router())
        .merge(requisitions::router())
        .merge(reports::router())
        .merge(repayments::router())
        .merge(summary::router())
        .merge(users::router())
        .fallback(web::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::session::layer,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/{*path}", get(assets::serve))
        .merge(pages)
        .layer(middleware::from_fn(web::security_headers))
        .layer(telemetry::trace_layer())
        .with_state(state)
}

async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    match sqlx::query("SELECT 1").execute(&state.db).await {
        Ok(_) => (StatusCode::OK, "ok"),
        Err(e) => {
            tracing::warn!(error = %e, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
