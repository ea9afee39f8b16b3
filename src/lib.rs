//! Digikoord: the funds for the regional digitalisation coordinators, from
//! requisition to repayment. `app()` is the whole web application, used by
//! `main` and by every test.
#![deny(clippy::unwrap_used)]

pub mod accessibility;
mod assets;
pub mod audit;
pub mod auth;
mod bench;
pub mod calendar;
pub mod charts;
pub mod clock;
pub mod config;
pub mod dates;
pub mod db;
pub mod error;
pub mod giro;
pub mod history;
pub mod mail;
pub mod memory;
pub mod money;
pub mod network;
pub mod open_data;
pub mod operator;
pub mod pdfa;
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
pub mod users;
pub mod web;

use std::{sync::Arc, time::Duration};

use axum::{Router, extract::State, http::StatusCode, middleware, routing::get};
use sqlx::PgPool;
use tower_http::timeout::{RequestBodyTimeoutLayer, TimeoutLayer};

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
        .merge(accessibility::router())
        .merge(auth::router())
        .merge(calendar::router())
        .merge(programme::router())
        .merge(requisitions::router())
        .merge(reports::router())
        .merge(repayments::router())
        .merge(summary::router())
        .merge(history::router())
        .merge(open_data::router())
        .merge(users::router())
        .merge(mail::router())
        .merge(network::router())
        .merge(if state.config.bench_ceiling {
            bench::router()
        } else {
            Router::new()
        })
        .fallback(web::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::session::layer,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/{*path}", get(assets::serve))
        .merge(pages)
        .layer(middleware::from_fn(web::run_to_completion))
        // No request hangs: a handler gets 10 s, a request body may pause 10 s at most.
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            REQUEST_TIME_LIMIT,
        ))
        .layer(RequestBodyTimeoutLayer::new(REQUEST_TIME_LIMIT))
        // What is refused out here (a request cut off by the time limit) is explained, and
        // shown with no one logged in; inside, the session layer renders errors itself.
        .layer(middleware::map_response(web::explain_plain_errors))
        .layer(middleware::map_response(auth::page::plain_error_pages))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::security_headers,
        ))
        .layer(telemetry::trace_layer())
        .with_state(state)
}

/// The longest a request may take before it is answered 503.
const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(10);

/// 200 when the database answers within 1.5 s, 503 otherwise: always within 2 s.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let ping = sqlx::query("SELECT 1").execute(&state.db);
    match tokio::time::timeout(Duration::from_millis(1500), ping).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok"),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "health check: database does not answer");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("health check: database did not answer within 1.5 s");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
