//! The yearly activity report: the region writes it part by part, submits it,
//! and a case officer returns or approves it. Approval fixes what is left to repay.
//!
//! Once its payout is paid, the region's start page shows *Redovisa 2025* with the deadline
//! (the year's, 31 January Y+1, or the day it was paid if later: `requisitioned_funds`) and
//! the days left, or *försenad* after it. A region that took no funds reports nothing. The report is written part
//! by part, each on its own page and saved as you go (log out, come back, everything is
//! there):
//!
//! - the tasks of the year's period, in the decision's words (`period_tasks`: 2018–2020
//!   N2018/04129's single task, 2021–2025 I2021/00795's five, a new period's as an
//!   administrator entered them; at most five);
//! - activities (sub-goals of the national strategy, kind, partners, participants; at least
//!   one);
//! - needs and challenges, results and effects, and the self-assessment;
//! - finances: received comes from the payout; costs per category; used and unused are
//!   computed — by the database, as generated columns — never typed; used can't exceed
//!   received;
//! - attachments: PDF, Word, Excel, images, ≤ 10 MB, checked by their first bytes, stored
//!   in PostgreSQL, always served as downloads.
//!
//! *Kontrollera och skicka in* shows the whole report and what is missing; at its end the
//! region ticks the declaration (required) and submits, and gets a receipt to print
//! (`/redovisningar/{id}/kvitto`: the case, what was sent, and what happens now); a late
//! report is accepted and marked late. The case officer (`/handlaggning/redovisningar`:
//! every actor, filter by state, late marks) reads the report on one print-friendly page
//! and, at its end, approves it (with an optional comment, kept in the history) or returns
//! it with a message.
//! Approval locks it; a correction after approval is a new version (*Rätta
//! redovisningen*), and every version stays in the history. As soon as a report is
//! submitted the region can repay what it did not use (`repayments`).
//!
//! # The files
//!
//! `model.rs`: states and actions, parts, completeness, costs, attachment types (pure,
//! unit-tested); `db.rs`: all SQL; `handlers.rs`: start, overview, check and submit,
//! messages, correction; `parts.rs`: the parts' pages; `attachments.rs`; `review.rs`: the
//! case officer's side.

mod attachments;
pub mod db;
pub mod form;
mod handlers;
pub mod model;
mod parts;
mod review;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};
use uuid::Uuid;

use crate::{
    AppState,
    auth::CurrentUser,
    error::{AppError, Result},
};
use db::Report;

pub(crate) const ALREADY_HANDLED: &str = "Redovisningen har redan hanterats – någon annan hann före, eller så har den ändrats sedan du öppnade sidan. Ladda om sidan för att se hur den står nu.";

pub(crate) async fn load(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Report> {
    db::find(&state.db, id, user.scope())
        .await?
        .ok_or(AppError::NotFound)
}

/// The region's own report, while it may still write in it.
pub(crate) async fn editable(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Report> {
    user.coordinator_organisation()?;
    let r = load(state, user, id).await?;
    if r.awaiting_signatory() {
        return Err(AppError::Conflict(
            "Redovisningen väntar på firmatecknarens bekräftelse och kan inte ändras under tiden. Ta tillbaka den från firmatecknaren om något behöver ändras.".into(),
        ));
    }
    if !r.editable() {
        return Err(AppError::Conflict(format!(
            "Redovisningen är {} och kan inte ändras.",
            r.state.label().to_lowercase()
        )));
    }
    Ok(r)
}

/// Locks an open report (draft or returned) for the rest of the transaction, so a
/// submission and a change to its parts never interleave.
pub(crate) async fn lock_open(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<()> {
    if db::lock_editable(tx, id).await? {
        Ok(())
    } else {
        Err(AppError::Conflict(ALREADY_HANDLED.into()))
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/redovisningar/ny", post(handlers::create))
        .route("/redovisningar/{id}", get(handlers::show))
        .route("/redovisningar/{id}/kontrollera", get(handlers::check))
        .route("/redovisningar/{id}/skicka-in", post(handlers::submit))
        .route("/redovisningar/{id}/kvitto", get(handlers::receipt))
        .route(
            "/redovisningar/{id}/uppdrag",
            get(parts::tasks_form).post(parts::save_tasks),
        )
        .route(
            "/redovisningar/{id}/aktiviteter",
            get(parts::activities_page).post(parts::add_activity),
        )
        .route(
            "/redovisningar/{id}/aktiviteter/{activity}/andra",
            get(parts::edit_activity_form).post(parts::update_activity),
        )
        .route(
            "/redovisningar/{id}/aktiviteter/{activity}/ta-bort",
            get(parts::remove_activity_form).post(parts::remove_activity),
        )
        .route(
            "/redovisningar/{id}/analys",
            get(parts::analysis_form).post(parts::save_analysis),
        )
        .route(
            "/redovisningar/{id}/ekonomi",
            get(parts::finances_form).post(parts::save_finances),
        )
        .route(
            "/redovisningar/{id}/bilagor",
            get(attachments::attachments_page)
                .post(attachments::upload)
                // Room for a too-large file to arrive and be refused with a clear message.
                .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route(
            "/redovisningar/{id}/bilagor/{attachment}",
            get(attachments::download),
        )
        .route(
            "/redovisningar/{id}/bilagor/{attachment}/ta-bort",
            post(attachments::remove_attachment),
        )
        .route(
            "/redovisningar/{id}/meddelanden",
            post(handlers::post_message),
        )
        .route(
            "/redovisningar/{id}/ny-version",
            post(handlers::new_version),
        )
        .route("/redovisningar/{id}/godkann", post(review::approve))
        .route(
            "/redovisningar/{id}/komplettering",
            get(review::return_form).post(review::return_for_completion),
        )
        .route("/handlaggning/redovisningar", get(review::list))
}
