//! The region's authorised signatory (*firmatecknare*): the region's own four eyes on what
//! it sends Tillväxtverket, as a certifier beside the one who fills in.
//!
//! # The flow
//!
//! 1. **An administrator** marks a coordinator as their organisation's signatory on the
//!    user's page (`/admin/anvandare/{id}`, *Firmatecknare*; audited `user.signatory_set`).
//!    Only a coordinator can be one (the schema: `users_signatory_is_coordinator`); a staff
//!    role confirmed later takes the mark away.
//! 2. **The coordinator** fills in the requisition, or writes the report, as before. When the
//!    region has a signatory besides them, *Skicka* is *Skicka till firmatecknaren*: the
//!    requisition or report is drawn up (`prepared_by`, `prepared_at`), stays a draft (or
//!    returned) that Tillväxtverket does not see or count, and is locked — nothing in it, nor
//!    its documents, changes (the handlers and the schema). The signatories are told by mail.
//!    The coordinator may take it back (*Ta tillbaka*) to change it.
//! 3. **The signatory**, signed in with their own account, finds it at `/firmatecknare` and
//!    reads the whole of it (`/firmatecknare/rekvisition/{id}`, `…/redovisning/{id}`). They
//!    tick *Jag har läst … och intygar …* and *Bekräfta och skicka till Tillväxtverket*
//!    (the form carries the version they read, its `prepared_at`: one taken back, changed
//!    and sent again since is refused, 409, and must be read again):
//!    in one transaction it is sent in exactly as the coordinator's own submission would be
//!    (the deadline, the case officers' mail), with `signed_by` and `signed_at`. Or they send
//!    it back to the coordinator with a message (kept on the case and in its history); the
//!    coordinator is told by mail either way.
//! 4. The receipt names both (*Upprättad av* … *Bekräftad av firmatecknare* …), as does the
//!    decision record (`crate::records`, which reads `prepared_by` and `signed_by`).
//!
//! A region without a signatory files as before, and its pages say so. A region's only
//! signatory who fills in themselves files as before too: they sign by sending. Where the
//! region has another signatory, what a signatory prepares goes to the other.
//!
//! # Rules
//!
//! Who may do what, and from where, is the table in `model.rs` (pure, unit-tested). The one
//! who prepared it never confirms it, even if they are a signatory too: refused by the
//! handler (403) and by the schema (`requisitions_signed_by_another`,
//! `reports_signed_by_another`); a signature is an active signatory's of the case's own
//! organisation, and what waited for the signatory is sent in only signed
//! (`signing_by_the_region`). Other regions' cases are not found (404). Every step is one
//! conditional update with its audit record; of two clicks, one wins (409).
//!
//! # The files
//!
//! `model.rs`: standings, steps and who may take them; `db.rs`: who signs, what waits, what a
//! mail tells; `handlers.rs`: the signatory's list; `requisition.rs` and `report.rs`: the
//! signatory's pages and steps for each. The coordinator's *Skicka till firmatecknaren* is in
//! the requisition's and the report's own handlers.

pub mod db;
mod handlers;
pub mod model;
mod report;
mod requisition;

use axum::{
    Router,
    routing::{get, post},
};
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::{
    AppState,
    auth::CurrentUser,
    error::{AppError, Result},
};
use model::{Refusal, Standing, Step, Who};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/firmatecknare", get(handlers::list))
        .route("/firmatecknare/rekvisition/{id}", get(requisition::page))
        .route(
            "/firmatecknare/rekvisition/{id}/bekrafta",
            post(requisition::confirm),
        )
        .route(
            "/firmatecknare/rekvisition/{id}/atersand",
            post(requisition::send_back),
        )
        .route(
            "/firmatecknare/rekvisition/{id}/ta-tillbaka",
            post(requisition::take_back),
        )
        .route("/firmatecknare/redovisning/{id}", get(report::page))
        .route(
            "/firmatecknare/redovisning/{id}/bekrafta",
            post(report::confirm),
        )
        .route(
            "/firmatecknare/redovisning/{id}/atersand",
            post(report::send_back),
        )
        .route(
            "/firmatecknare/redovisning/{id}/ta-tillbaka",
            post(report::take_back),
        )
}

/// The signatory's confirmation: the box *Jag har läst … och intygar …*, and the version
/// they read (`model::version_token`).
#[derive(Deserialize)]
pub struct ConfirmPost {
    #[serde(default)]
    declaration: Option<String>,
    #[serde(default)]
    prepared_at: String,
}

impl ConfirmPost {
    fn declared(&self) -> bool {
        self.declaration.as_deref() == Some("ja")
    }
}

/// The signatory's message to the coordinator when sending it back, and the version they
/// read.
#[derive(Deserialize)]
pub struct SendBackPost {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    prepared_at: String,
}

/// Said beside the box when it was not ticked.
const NOT_DECLARED: &str = "Kryssa i att du har läst och intygar uppgifterna innan du bekräftar.";
/// Said beside the message when it was left empty.
const NO_REASON: &str = "Skriv vad koordinatorn ska ändra eller komplettera.";

/// Who asks, for the case of `organisation`: the user, and whether they sign for it.
async fn who(state: &AppState, user: &CurrentUser, organisation: uuid::Uuid) -> Result<Who> {
    Ok(Who {
        id: user.id(),
        signatory: db::is_signatory(&state.db, user.id(), organisation).await?,
    })
}

/// The version that waits (`prepared_at`), when it is the one the form was sent from
/// (`token`); else the 409 that says it has changed since it was read (`noun`:
/// *Rekvisitionen*, *Redovisningen*), and nothing is done.
fn read_version(
    token: &str,
    waiting: Option<DateTime<Utc>>,
    noun: &str,
    step: Step,
) -> Result<DateTime<Utc>> {
    waiting
        .filter(|_| model::same_version(token, waiting))
        .ok_or_else(|| AppError::Conflict(model::changed_since_read(noun, step)))
}

/// `step` may be taken, or the error that says why not: a 403 for who asks, a 409 for
/// where the case stands.
fn allowed(
    step: Step,
    standing: Standing,
    who: Who,
    prepared_by: Option<uuid::Uuid>,
    what: &str,
) -> Result<()> {
    model::may(step, standing, who, prepared_by).map_err(|refusal| match refusal {
        Refusal::NotSignatory | Refusal::OwnPreparation => AppError::Refused(refusal.message(what)),
        Refusal::NotThere(_) => AppError::Conflict(refusal.message(what)),
    })
}
