//! The administrator's user management: create (with a one-time link to set a
//! password), change role and organisation, deactivate and reactivate; the staff
//! roles that wait for a second administrator; and the audit log page.
//!
//! A staff role (case officer, approver, administrator) takes effect only when a
//! second administrator confirms it (`role_grants`); a coordinator's at once. So do the
//! changes that would let one administrator take a staff account over: a new address, a
//! reset second factor, a new set-password link (`requests`, `account_requests`).

pub mod db;
mod grants;
mod handlers;
pub mod model;
pub mod password_link;
mod requests;

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub use db::{FirstAdministratorError, create_first_administrator, create_password_link};
pub use requests::confirm_identity_link;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/anvandare", get(handlers::list))
        .route(
            "/admin/anvandare/ny",
            get(handlers::new_form).post(handlers::create),
        )
        .route(
            "/admin/anvandare/{id}",
            get(handlers::edit_form).post(handlers::update),
        )
        .route(
            "/admin/anvandare/{id}/inaktivera",
            post(handlers::deactivate),
        )
        .route("/admin/anvandare/{id}/aktivera", post(handlers::activate))
        .route(
            "/admin/anvandare/{id}/losenordslank",
            post(requests::new_link),
        )
        .route(
            "/admin/anvandare/{id}/tvastegsverifiering/aterstall",
            post(requests::reset_second_factor),
        )
        .route("/admin/behorigheter", get(grants::list))
        .route("/admin/behorigheter/{id}/bekrafta", post(grants::confirm))
        .route("/admin/behorigheter/{id}/neka", post(grants::refuse))
        .route(
            "/admin/behorigheter/andringar/{id}/bekrafta",
            post(requests::confirm),
        )
        .route(
            "/admin/behorigheter/andringar/{id}/neka",
            post(requests::refuse),
        )
        .route("/admin/logg", get(handlers::audit_log))
}
