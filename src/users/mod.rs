//! The administrator's user management: create (with a one-time link to set a
//! password), change role and organisation, deactivate and reactivate; the staff
//! roles that wait for a second administrator; and the audit log page.
//!
//! A staff role (case officer, approver, administrator) takes effect only when a
//! second administrator confirms it (`role_grants`); a coordinator's at once.

pub mod db;
mod grants;
mod handlers;
pub mod model;

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub use db::{FirstAdministratorError, create_first_administrator, create_password_link};

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
            post(handlers::new_link),
        )
        .route("/admin/behorigheter", get(grants::list))
        .route("/admin/behorigheter/{id}/bekrafta", post(grants::confirm))
        .route("/admin/behorigheter/{id}/neka", post(grants::refuse))
        .route("/admin/logg", get(handlers::audit_log))
}
