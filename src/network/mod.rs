//! The coordinators' network: a directory of every actor's coordinators and contacts,
//! network meetings and competence-development events with registration and attendance,
//! and Tillväxtverket's contact person shown to the regions.

pub mod db;
mod events;
mod handlers;
pub mod model;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/natverk", get(handlers::directory))
        .route("/natverk/export.csv", get(handlers::export_csv))
        .route("/natverk/export.vcf", get(handlers::export_vcard))
        .route(
            "/natverk/kontakter/ny",
            get(handlers::new_form).post(handlers::create),
        )
        .route(
            "/natverk/kontakter/{id}",
            get(handlers::edit_form).post(handlers::save),
        )
        .route("/natverk/kontakter/{id}/ta-bort", post(handlers::remove))
        .route(
            "/natverk/tillvaxtverket",
            get(handlers::agency_contact_form).post(handlers::save_agency_contact),
        )
        .route("/natverk/traffar", get(events::list))
        .route(
            "/natverk/traffar/ny",
            get(events::new_form).post(events::create),
        )
        .route("/natverk/traffar/{id}", get(events::show))
        .route(
            "/natverk/traffar/{id}/redigera",
            get(events::edit_form).post(events::save),
        )
        .route(
            "/natverk/traffar/{id}/bilagor",
            post(events::upload)
                // Room for a too-large file to arrive and be refused with a clear message.
                .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route(
            "/natverk/traffar/{id}/bilagor/{document}",
            get(events::download),
        )
        .route(
            "/natverk/traffar/{id}/bilagor/{document}/ta-bort",
            post(events::remove_document),
        )
        .route("/natverk/traffar/{id}/stall-in", post(events::cancel))
        .route("/natverk/traffar/{id}/anmalan", post(events::register))
        .route(
            "/natverk/traffar/{id}/anmalan/{registration}/ta-bort",
            post(events::unregister),
        )
        .route(
            "/natverk/traffar/{id}/narvaro",
            post(events::record_attendance),
        )
}
