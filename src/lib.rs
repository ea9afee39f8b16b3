//! Digikoord: the funds for the regional digitalisation coordinators, from
//! requisition to repayment. `app()` is the whole web application, used by
//! `main` and by every test.
#![deny(clippy::unwrap_used)]

pub mod audit;
pub mod auth;
pub mod config;
pub mod dates;
pub mod db;
pub mod error;
pub mod giro;
pub mod money;
pub mod programme;
pub mod repayments;
pub mod reports;
pub mod requisitions;
pub mod seed;
mod start;
pub mod summary;
pub mod telemetry;
pub mod thread;
mod users;
pub mod web;

use std::sync::Arc;

use axum::{Router, extract::State, http::StatusCode, middleware, routing::get};
use chrono::NaiveDate;
use sqlx::PgPool;
use tower_http::services::ServeDir;

pub use config::Config;

/// Today's date, from the system clock or fixed (tests of deadlines).
#[derive(Clone, Copy, Debug)]
pub enum Clock {
    System,
    Fixed(NaiveDate),
}

impl Clock {
    pub fn today(self) -> NaiveDate {
        match self {
            Clock::System => chrono::Local::now().date_naive(),
            Clock::Fixed(date) => date,
        }
    }

    /// The moment recorded on a filing: on a fixed day, that day at the current time,
    /// so dates shown and deadlines checked agree.
    pub fn now(self) -> chrono::DateTime<chrono::Utc> {
        let now = chrono::Local::now();
        match self {
            Clock::System => now.to_utc(),
            Clock::Fixed(date) => date
                .and_time(now.time())
                .and_local_timezone(chrono::Local)
                .earliest()
                .map_or(now.to_utc(), |t| t.to_utc()),
        }
    }
}

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
        .nest_service(
            "/static",
            ServeDir::new(concat!(env!("CARGO_MANIFEST_DIR"), "/static")),
        )
        .merge(pages)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::security_headers,
        ))
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
