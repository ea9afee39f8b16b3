//! Requisitions and payouts: the region asks for its year's funds, a case officer
//! approves and prepares the payout, a second person approves the payout, and the
//! payment is registered.
//!
//! # The flow
//!
//! 1. **The region** (coordinator) clicks *Rekvirera medel för 2025* on its start page and
//!    fills in the requisition (`/rekvisitioner/ny`): amount (at most the year's cap;
//!    `1000000`, `1 000 000`, `1 000 000,00` and `1000000.00` all work), bankgiro or
//!    plusgiro (check digit verified), the reference it wants on the payment, contact
//!    person, authorised signatory, and the declaration. The decision's registration number
//!    (I2021/00795) is shown and stored. It can *Spara utkast* and come back, then *Skicka
//!    in*. Each requisition gets a case number (`DK-2025-007`) counted per year and never
//!    reused; the region sees the state, the history, a message thread and a printable
//!    receipt (`/rekvisitioner/{id}/kvitto`), and may withdraw it until someone has decided.
//!    While the region may change it, a requisition takes documents (for example the signed
//!    requisition as a PDF), with the report attachments' checks (`attachments`).
//! 2. **The case officer** (`/handlaggning/rekvisitioner`, oldest first, filter by state,
//!    late and extension marks) approves it — which prepares the payout: amount (at most
//!    requisitioned) and planned date —, returns it for completion with a message, or
//!    rejects it with a reason. A returned requisition is edited and resubmitted by the
//!    region. Extensions of the requisition deadline per actor and year:
//!    `/handlaggning/forlangningar` (also for the report and the repayment; see
//!    `repayments`), each changed on its own page (`…/{year}/{organisation}/{deadline}/andra`)
//!    or withdrawn, with a reason, audited, and the region told by mail.
//! 3. **The approver** (`/attest`) approves the prepared payout, or sends it back to the
//!    case officer with a reason (the requisition is then submitted again). Whoever prepared
//!    a payout can never approve it, even after a role change: refused by the handler and by
//!    the schema (`payouts_four_eyes`).
//! 4. **A case officer or approver** registers the payment: date, amount (at most approved),
//!    voucher number. A payout is paid once.
//!
//! # Rules
//!
//! One live requisition per actor and year; none for a year whose budget is not decided;
//! the first submission after the deadline is refused unless a case officer has given the
//! actor a later date (a requisition returned for completion may be resubmitted after the
//! deadline). Paid ≤ approved ≤ requisitioned ≤ cap, one live payout per requisition, and
//! a year's payouts ≤ actors × cap are constraints and triggers in
//! `migrations/…_requisitions.sql`. Every transition is a conditional update in one
//! transaction with its audit record: of two clicks at once, one wins and the other is told
//! *redan hanterats* (409).
//!
//! # The files
//!
//! `model.rs`: states, transitions, the deadline, the forms (pure, unit-tested); `db.rs`:
//! all SQL; `handlers.rs`: the region's pages and the case page; `review.rs`: the case
//! officer's and the approver's side; `attachments.rs`: the requisition's documents.

mod attachments;
pub mod db;
pub mod form;
mod handlers;
pub mod model;
mod payouts;
mod review;
pub mod staff_form;

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
use db::Requisition;
use model::Action;

pub const ALREADY_HANDLED: &str = "Rekvisitionen har redan hanterats – någon annan hann före, eller så har den ändrats sedan du öppnade sidan. Ladda om sidan för att se hur den står nu.";

/// Loads a requisition the user may see; anything else is "not found", whatever the id.
pub async fn load(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Requisition> {
    db::find(&state.db, id, user.scope())
        .await?
        .ok_or(AppError::NotFound)
}

/// The region may change its requisition only while it is a draft or returned.
pub(crate) fn editable(user: &CurrentUser, r: &Requisition) -> Result<()> {
    user.coordinator_organisation()?;
    if r.awaiting_signatory() {
        return Err(AppError::Conflict(format!(
            "Rekvisitionen {} väntar på firmatecknarens bekräftelse och kan inte ändras under tiden. Ta tillbaka den från firmatecknaren om något behöver ändras.",
            r.case_number
        )));
    }
    if Action::Edit.allowed(r.state) {
        Ok(())
    } else {
        Err(AppError::Conflict(format!(
            "Rekvisitionen {} är {} och kan inte ändras.",
            r.case_number,
            r.case_state().label().to_lowercase()
        )))
    }
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/rekvisitioner/ny",
            get(handlers::new_form).post(handlers::create),
        )
        .route("/rekvisitioner/{id}", get(handlers::show))
        .route(
            "/rekvisitioner/{id}/andra",
            get(handlers::edit_form).post(handlers::update),
        )
        .route(
            "/rekvisitioner/{id}/aterkalla",
            get(handlers::withdraw_form).post(handlers::withdraw),
        )
        .route("/rekvisitioner/{id}/kvitto", get(handlers::receipt))
        .route(
            "/rekvisitioner/{id}/bilagor",
            // Room for a too-large file to arrive and be refused with a clear message.
            post(attachments::upload).layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route(
            "/rekvisitioner/{id}/bilagor/{attachment}",
            get(attachments::download),
        )
        .route(
            "/rekvisitioner/{id}/bilagor/{attachment}/ta-bort",
            post(attachments::remove),
        )
        .route(
            "/rekvisitioner/{id}/meddelanden",
            post(handlers::post_message),
        )
        .route(
            "/rekvisitioner/{id}/godkann",
            get(review::approve_form).post(review::approve),
        )
        .route(
            "/rekvisitioner/{id}/komplettering",
            get(review::return_form).post(review::return_for_completion),
        )
        .route(
            "/rekvisitioner/{id}/avslag",
            get(review::reject_form).post(review::reject),
        )
        .route("/handlaggning/rekvisitioner", get(review::list))
        .route(
            "/handlaggning/forlangningar",
            get(review::extensions_page).post(review::grant_extension),
        )
        .route(
            "/handlaggning/forlangningar/aterkalla",
            post(review::withdraw_extension),
        )
        .route(
            "/handlaggning/forlangningar/{year}/{organisation}/{deadline}/andra",
            get(review::change_extension_form).post(review::change_extension),
        )
        .route("/attest", get(payouts::payout_queue))
        .route(
            "/utbetalningar/{id}/attestera",
            get(payouts::approve_payout_form).post(payouts::approve_payout),
        )
        .route(
            "/utbetalningar/{id}/skicka-tillbaka",
            get(payouts::send_back_form).post(payouts::send_back),
        )
        .route(
            "/utbetalningar/{id}/utbetald",
            get(payouts::paid_form).post(payouts::register_paid),
        )
}
