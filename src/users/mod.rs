//! The administrator's user management: create (with a one-time link to set a
//! password), change role and organisation, deactivate and reactivate; and the
//! audit log page.

pub mod db;
mod handlers;
pub mod model;

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub use db::create_password_link;

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
        .route("/admin/logg", get(handlers::audit_log))
}
