//! Digikoord: the funds for the regional digitalisation coordinators, from
//! requisition to repayment. `app()` is the whole web application, used by
//! `main` and by every test.
#![deny(clippy::unwrap_used)]

pub mod accessibility;
pub mod archive;
mod assets;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod bank;
mod bench;
pub mod calendar;
pub mod charts;
pub mod clock;
pub mod config;
pub mod dates;
pub mod db;
pub mod disclosure;
pub mod error;
pub mod export;
pub mod giro;
pub mod heavy;
pub mod history;
pub mod identity;
pub mod input;
pub mod ledger;
pub mod lists;
pub mod mail;
pub mod memory;
pub mod money;
pub mod network;
pub mod open_data;
pub mod operator;
pub mod pdfa;
pub mod privacy;
pub mod programme;
pub mod records;
pub mod registry;
pub mod repayments;
pub mod reports;
pub mod requisitions;
pub mod retention;
pub mod secrets;
pub mod seed;
pub mod serve;
pub mod signatory;
pub mod signin;
mod start;
pub mod summary;
pub mod telemetry;
pub mod thread;
pub mod users;
pub mod web;

use std::{sync::Arc, time::Duration};

use axum::{Router, extract::State, http::StatusCode, middleware, routing::get};
use sqlx::PgPool;
use tower_http::{
    compression::{
        CompressionLayer, CompressionLevel,
        predicate::{DefaultPredicate, NotForContentType, Predicate},
    },
    timeout::RequestBodyTimeoutLayer,
};

pub use clock::Clock;
pub use config::Config;

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub clock: Clock,
    /// Each year's open data, made once a minute at most whoever asks (`open_data`).
    pub open_data: open_data::Cache,
    /// Seals and opens the secrets kept in the database (`secrets`).
    pub sealer: Arc<secrets::Sealer>,
    /// What sign-ins through identity providers share: their metadata, and how many each
    /// client has started (`identity`).
    pub identity: identity::Shared,
    /// The periods, their tasks and the programme years, held in memory and forgotten on
    /// every change, on every server (`programme::cache`).
    pub programme: programme::cache::Cache,
    /// The queue of heavy work: whole-year exports, documents, PDF/A (`heavy`).
    pub heavy: heavy::Queue,
    /// Figures over every actor, kept while the database is as it was (`summary::kept`).
    pub figures: summary::kept::Kept,
}

impl AppState {
    /// The server's state; the configuration must name the key that seals secrets
    /// (`SECRETS_KEY`, or the private cluster's, which `serve` finds).
    pub fn new(db: PgPool, config: Config, clock: Clock) -> std::result::Result<AppState, String> {
        let sealer = config.sealer.clone().ok_or_else(|| {
            "SECRETS_KEY is not set: 64 hexadecimal digits, kept outside the database (`digikoord secrets new-key` makes one)".to_string()
        })?;
        let (config_slots, config_queue) = (config.export_slots, config.export_queue);
        let programme = programme::cache::Cache::default();
        // Without a runtime (nothing to listen with) the cache keeps nothing: every read
        // asks the database.
        if tokio::runtime::Handle::try_current().is_ok() {
            programme.listen(db.clone());
        }
        Ok(AppState {
            db,
            config: Arc::new(config),
            clock,
            open_data: open_data::Cache::default(),
            sealer: Arc::new(sealer),
            identity: identity::Shared::default(),
            heavy: heavy::Queue::new(config_slots, config_queue, heavy::WAIT),
            programme,
            figures: summary::kept::Kept::default(),
        })
    }
}

pub fn app(state: AppState) -> Router {
    let pages = Router::new()
        .merge(start::router())
        .merge(accessibility::router())
        .merge(signin::router())
        .merge(identity::router())
        .merge(calendar::router())
        .merge(programme::router())
        .merge(requisitions::router())
        .merge(reports::router())
        .merge(signatory::router())
        .merge(records::router())
        .merge(registry::router())
        .merge(disclosure::router())
        .merge(retention::router())
        .merge(archive::router())
        .merge(privacy::router())
        .merge(repayments::router())
        .merge(summary::router())
        .merge(history::router())
        .merge(open_data::router())
        .merge(users::router())
        .merge(mail::router())
        .merge(network::router())
        .merge(bank::router())
        .merge(ledger::router())
        .merge(if state.config.bench_ceiling {
            bench::router()
        } else {
            Router::new()
        })
        .fallback(web::not_found)
        .layer(middleware::from_fn_with_state(
            state.clone(),
            auth::layer::layer,
        ));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/static/{*path}", get(assets::serve))
        .merge(pages)
        .layer(middleware::from_fn(web::run_to_completion))
        // No request hangs: a handler gets 10 s (a PDF/A export 60 s), a request body may
        // pause 10 s at most.
        .layer(middleware::from_fn(time_limit))
        .layer(RequestBodyTimeoutLayer::new(REQUEST_TIME_LIMIT))
        // What is refused out here (a request cut off by the time limit) is explained, and
        // shown with no one logged in; inside, the session layer renders errors itself.
        .layer(middleware::map_response(web::explain_plain_errors))
        .layer(middleware::map_response(auth::page::plain_error_pages))
        .layer(middleware::from_fn_with_state(
            state.clone(),
            web::security_headers,
        ))
        .layer(compression())
        .layer(telemetry::trace_layer())
        .with_state(state)
}

/// Pages, CSV, JSON, the script and the stylesheet go compressed (brotli or gzip, as the
/// browser accepts) at a level a server can afford per request; what is compressed already
/// (the XLSX, DOCX and PDF/A files, which are zip or deflate inside; images) goes as it is.
fn compression() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new()
        .quality(CompressionLevel::Precise(4))
        .compress_when(
            DefaultPredicate::new()
                .and(NotForContentType::const_new(
                    "application/vnd.openxmlformats",
                ))
                .and(NotForContentType::const_new("application/pdf"))
                .and(NotForContentType::const_new("application/zip"))
                .and(NotForContentType::const_new("font/")),
        )
}

/// The longest a request may take before it is answered 503.
const REQUEST_TIME_LIMIT: Duration = Duration::from_secs(10);

/// The longest for a request that may make a PDF/A: LibreOffice lays the document out
/// (`pdfa`), a few seconds alone, longer when another conversion is ahead of it in line.
const EXPORT_TIME_LIMIT: Duration = Duration::from_secs(60);

/// How long a request to `path` may take: the summary's exports and drafts and the account
/// documents may be PDF/A; everything else has the ordinary limit.
fn time_limit_for(path: &str) -> Duration {
    let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
    match parts.as_slice() {
        ["sammanstallning", _, "exporter"]
        | ["sammanstallning", _, "utkast", _]
        | ["konto", _, "dokument"]
        | ["beslut", _, "pdf"]
        | ["dokument", _, _, "pdf"]
        | ["handlaggning", "utlamnande", _, "paket"]
        | ["handlaggning", "utlamnande", _, "dokument", _] => EXPORT_TIME_LIMIT,
        _ => REQUEST_TIME_LIMIT,
    }
}

/// Answers 503 (explained by `web::explain_plain_errors`) when a request takes longer than
/// its limit; `web::run_to_completion` lets a cut-off handler finish what it started.
async fn time_limit(
    request: axum::extract::Request,
    next: middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    let limit = time_limit_for(request.uri().path());
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => StatusCode::SERVICE_UNAVAILABLE.into_response(),
    }
}

/// 200 when the database answers within 1.5 s, 503 otherwise: always within 2 s.
async fn healthz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let ping = db::ping(&state.db);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_what_may_make_a_pdfa_gets_the_longer_time_limit() {
        for path in [
            "/sammanstallning/2025/exporter",
            "/sammanstallning/2025/utkast/pdf",
            "/konto/2025/dokument",
            "/beslut/0b7e/pdf",
            "/dokument/kvitto/0b7e/pdf",
            "/handlaggning/utlamnande/0b7e/paket",
        ] {
            assert_eq!(time_limit_for(path), EXPORT_TIME_LIMIT, "{path}");
        }
        for path in [
            "/",
            "/sammanstallning",
            "/sammanstallning/2025/avsnitt",
            "/beslut",
            "/beslut/0b7e",
            "/sammanstallning/exporter/0b7e",
            "/konto/2025",
            "/konto/dokument/0b7e/inlamnad",
            "/rekvisitioner/x/exporter",
        ] {
            assert_eq!(time_limit_for(path), REQUEST_TIME_LIMIT, "{path}");
        }
    }
}
