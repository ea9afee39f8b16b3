//! The signatory and a requisition: the whole of it read-only with the confirmation, and the
//! three steps — confirm and send in, send back to the coordinator, and (any coordinator of
//! the region) take it back.

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    ConfirmPost, NO_REASON, NOT_DECLARED, SendBackPost, allowed,
    model::{Step, Submission, version_token},
    read_version, who,
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result, violated_constraint},
    mail::Notice,
    programme::db as programme,
    requisitions::{
        self, ALREADY_HANDLED,
        db::{self, Attachment, Requisition},
        model::check_submission,
    },
    thread::parse_message,
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

#[derive(Template)]
#[template(path = "signatory/requisition.html")]
struct Page {
    ctx: Ctx,
    r: Requisition,
    attachments: Vec<Attachment>,
    errors: FormErrors,
    /// The message to the coordinator, as typed.
    reason: String,
}

impl Page {
    fn base(&self) -> String {
        Submission::Requisition(self.r.id).signing_page()
    }

    /// The version shown, which the forms carry back: when it was drawn up.
    fn version(&self) -> String {
        self.r.drawn_up_at.map(version_token).unwrap_or_default()
    }
}

/// How a changed requisition is named when the signatory's step is refused.
const NOUN: &str = "Rekvisitionen";

/// *Rekvisitionen DK-2025-007*: how refusals name it.
fn what(r: &Requisition) -> String {
    format!("Rekvisitionen {}", r.case_number)
}

/// The requisition of the reader's region, and that the reader may take `step` on it.
async fn load(state: &AppState, user: &CurrentUser, id: Uuid, step: Step) -> Result<Requisition> {
    user.coordinator_organisation()?;
    // Another region's requisition is not found, whoever asks.
    let r = requisitions::load(state, user, id).await?;
    let who = who(state, user, r.organisation_id).await?;
    allowed(step, r.standing(), who, r.drawn_up_by, &what(&r))?;
    Ok(r)
}

async fn page_of(
    state: &AppState,
    user: CurrentUser,
    r: Requisition,
    errors: FormErrors,
    reason: String,
) -> Result<Page> {
    let attachments = db::attachments(&state.db, r.id).await?;
    Ok(Page {
        ctx: user.ctx,
        r,
        attachments,
        errors,
        reason,
    })
}

/// The page again with what was wrong, nothing written.
async fn refused(
    state: &AppState,
    user: CurrentUser,
    r: Requisition,
    errors: FormErrors,
    reason: String,
) -> Result<Response> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page_of(state, user, r, errors, reason).await?,
    )
}

/// The whole requisition, read-only, with *Bekräfta* and *Skicka tillbaka*; changes nothing.
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = load(&state, &user, id, Step::Confirm).await?;
    render(&page_of(&state, user, r, FormErrors::default(), String::new()).await?)
}

/// The signatory confirms: the requisition is sent to Tillväxtverket as the region's own
/// submission is, signed by them.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<ConfirmPost>,
) -> Result<Response> {
    let r = load(&state, &user, id, Step::Confirm).await?;
    // Only what the signatory read is confirmed: not a version drawn up again since.
    let shown = read_version(&post.prepared_at, r.drawn_up_at, NOUN, Step::Confirm)?;
    let Some(preparer) = r.drawn_up_by else {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    };
    if !post.declared() {
        let mut errors = FormErrors::default();
        errors.add("declaration", NOT_DECLARED);
        return refused(&state, user, r, errors, String::new()).await;
    }
    // The first submission's deadline holds for the signatory's sending as for anyone's.
    let year = programme::year(&state.db, r.year)
        .await?
        .ok_or(AppError::NotFound)?;
    let first = r.first_submitted_at.is_none();
    if let Err(refusal) = check_submission(
        r.year,
        year.budget_state,
        state.clock.today(),
        r.deadline(),
        first,
    ) {
        let mut errors = FormErrors::default();
        errors.add("handling", refusal.message());
        return refused(&state, user, r, errors, String::new()).await;
    }
    let mut tx = state.db.begin().await?;
    let signed = db::sign(&mut tx, id, preparer, user.id(), shown, state.clock.now())
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some("signing_by_the_regions_signatory") => {
                AppError::Refused(super::model::Refusal::NotSignatory.message(&what(&r)))
            }
            _ => e.into(),
        })?;
    let Some(state_now) = signed else {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    };
    audit::Entry::new(Some(user.id()), "requisition.signed", "requisition", id)
        .before(json!({ "state": r.state, "prepared_by": preparer }))
        .after(json!({
            "state": state_now,
            "prepared_by": preparer,
            "signed_by": user.id(),
            "first_submission": first,
            "fields": r.fields(),
        }))
        .record(&mut tx)
        .await?;
    let url = &state.config.public_url;
    crate::mail::notify(&mut tx, url, Notice::RequisitionSubmitted(id)).await?;
    crate::mail::notify(
        &mut tx,
        url,
        Notice::SignatoryConfirmed(Submission::Requisition(id)),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &Submission::Requisition(id).receipt(),
        &format!(
            "Rekvisitionen {} är bekräftad och inskickad till Tillväxtverket. Här är kvittot; {} får veta det med e-post.",
            r.case_number,
            r.drawn_up_by_name
                .as_deref()
                .unwrap_or("den som upprättade den")
        ),
    ))
}

/// The signatory sends it back to the coordinator who drew it up, saying what to change.
pub async fn send_back(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<SendBackPost>,
) -> Result<Response> {
    let r = load(&state, &user, id, Step::SendBack).await?;
    let shown = read_version(&post.prepared_at, r.drawn_up_at, NOUN, Step::SendBack)?;
    let Some(preparer) = r.drawn_up_by else {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    };
    let mut errors = FormErrors::default();
    let Some(message) = parse_message(&mut errors, "reason", &post.reason, NO_REASON) else {
        return refused(&state, user, r, errors, post.reason).await;
    };
    let mut tx = state.db.begin().await?;
    if !db::send_back_to_preparer(&mut tx, id, preparer, user.id(), shown, &message).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    audit::Entry::new(
        Some(user.id()),
        "requisition.signatory_returned",
        "requisition",
        id,
    )
    .before(json!({ "prepared_by": preparer }))
    .after(json!({ "message": message }))
    .record(&mut tx)
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        Notice::SignatorySentBack {
            submission: Submission::Requisition(id),
            by: user.id(),
            to: preparer,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/firmatecknare",
        &format!(
            "Rekvisitionen {} är skickad tillbaka till {} med ditt meddelande.",
            r.case_number,
            r.drawn_up_by_name.as_deref().unwrap_or("koordinatorn")
        ),
    ))
}

/// A coordinator of the region takes it back from the signatory, to change it.
pub async fn take_back(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = load(&state, &user, id, Step::TakeBack).await?;
    let mut tx = state.db.begin().await?;
    if !db::take_back(&mut tx, id).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "requisition.taken_back", "requisition", id)
        .before(json!({ "prepared_by": r.drawn_up_by }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &Submission::Requisition(id).page(),
        &format!(
            "Rekvisitionen {} är tillbaka hos er och kan ändras. Skicka den till firmatecknaren igen när den är klar.",
            r.case_number
        ),
    ))
}
