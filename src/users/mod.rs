//! The administrator's user management: create (with a one-time link to set a
//! password), change role and organisation, deactivate and reactivate; the staff
//! roles that wait for a second administrator; and the audit log page.
//!
//! A staff role (case officer, approver, administrator) takes effect only when a
//! second administrator confirms it (`role_grants`); a coordinator's at once. So do the
//! changes that would let one administrator take a staff account over: a new address, a
//! reset second factor, a new set-password link (`requests`, `account_requests`).
//!
//! # Four eyes on staff roles
//!
//! A case officer's, approver's or administrator's role — for a new account, or a change
//! of role, also between staff roles — takes effect only when a *second* administrator
//! confirms it under *Behörigheter* (`/admin/behorigheter`, `grants.rs`), which shows who
//! asked and when. Until then a new staff account is shut (no login, and no set-password
//! link: it is mailed once the role is confirmed) and an existing user keeps the role they
//! had. The same page holds the changes that would let one administrator take a staff
//! account over — a new e-mail address, a second-factor reset, a new set-password link, a
//! confirmation of an identity-provider link — which wait for a second administrator in the
//! same way (`account_requests`; the schema refuses a staff address change or factor reset
//! without one; the old address is told of every address change). The one who asked can't
//! confirm (refused by the handler with 403 and by the schema, `role_grants_four_eyes`;
//! nor can the person it is for, `role_grants_not_for_oneself`) but may withdraw it; any
//! other administrator may refuse it. Of two confirmations at once one wins and the other
//! is told *redan hanterats* (409). A coordinator's role, lowering someone to coordinator
//! and deactivating (which ends the person's sessions at once) take effect at once.
//!
//! The schema writes a staff role into `users` only in the transaction that confirms it and
//! keeps an unconfirmed account from being activated (`migrations/…_role_grants.sql`); the
//! server's own database role may insert staff only inactive, awaiting confirmation
//! (`users_staff_inserted_pending`). The first administrators come from the operator's
//! command, which calls `create_first_administrator` (no confirmation; recorded as granted
//! by the operator; see `crate::operator`).
//!
//! A new user's set-password link is mailed to the person's own address and never shown on
//! screen (`password_link.rs`); the audit log is `/admin/logg`.
//!
//! `model.rs`: form rules, which role changes wait (pure, unit-tested); `db.rs`: all SQL;
//! `handlers.rs`: users (the audit log page is `crate::audit::page`); `grants.rs`: roles awaiting confirmation;
//! `requests.rs`: account changes awaiting confirmation.

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
            get(handlers::deactivate_form).post(handlers::deactivate),
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
        .route("/admin/logg", get(crate::audit::page::log))
        .route(
            "/admin/logg/export.csv",
            get(crate::audit::page::export_csv),
        )
}
