//! The signatory and a report: the whole of it read-only with the confirmation, and the
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
    model::{Refusal, Step, Submission, version_token},
    read_version, who,
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result, violated_constraint},
    mail::Notice,
    reports::{
        self, ALREADY_HANDLED,
        db::{self, ActivityRow, AttachmentRow, Report},
    },
    thread::parse_message,
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

#[derive(Template)]
#[template(path = "signatory/report.html")]
struct Page {
    ctx: Ctx,
    r: Report,
    tasks: Vec<String>,
    activities: Vec<ActivityRow>,
    attachments: Vec<AttachmentRow>,
    /// The report's page shows *Ändra* links while the region checks it; never here.
    checking: bool,
    errors: FormErrors,
    /// The message to the coordinator, as typed.
    reason: String,
}

impl Page {
    fn base(&self) -> String {
        Submission::Report(self.r.id).signing_page()
    }

    /// The version shown, which the forms carry back: when it was drawn up.
    fn version(&self) -> String {
        self.r.prepared_at.map(version_token).unwrap_or_default()
    }

    fn task(&self, i: &usize) -> &str {
        self.r.tasks()[*i]
    }

    fn tasks_title(&self) -> String {
        self.r.tasks_title()
    }
}

/// How a changed report is named when the signatory's step is refused.
const NOUN: &str = "Redovisningen";

/// *Redovisningen för 2025*: how refusals name it.
fn what(r: &Report) -> String {
    format!("Redovisningen för {}", r.year)
}

/// The report of the reader's region, and that the reader may take `step` on it.
async fn load(state: &AppState, user: &CurrentUser, id: Uuid, step: Step) -> Result<Report> {
    user.coordinator_organisation()?;
    // Another region's report is not found, whoever asks.
    let r = reports::load(state, user, id).await?;
    let who = who(state, user, r.organisation_id).await?;
    allowed(step, r.standing(), who, r.prepared_by, &what(&r))?;
    Ok(r)
}

async fn page_of(
    state: &AppState,
    user: CurrentUser,
    r: Report,
    errors: FormErrors,
    reason: String,
) -> Result<Page> {
    let activities = db::activities(&state.db, r.id).await?;
    let attachments = db::attachments(&state.db, r.id).await?;
    Ok(Page {
        ctx: user.ctx,
        tasks: r.period_tasks.clone(),
        r,
        activities,
        attachments,
        checking: false,
        errors,
        reason,
    })
}

/// The page again with what was wrong, nothing written.
async fn refused(
    state: &AppState,
    user: CurrentUser,
    r: Report,
    errors: FormErrors,
    reason: String,
) -> Result<Response> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page_of(state, user, r, errors, reason).await?,
    )
}

/// The whole report, read-only, with *Bekräfta* and *Skicka tillbaka*; changes nothing.
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = load(&state, &user, id, Step::Confirm).await?;
    render(&page_of(&state, user, r, FormErrors::default(), String::new()).await?)
}

/// The signatory confirms: the report is sent to Tillväxtverket as the region's own
/// submission is, declared and signed by them.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<ConfirmPost>,
) -> Result<Response> {
    let r = load(&state, &user, id, Step::Confirm).await?;
    // Only what the signatory read is confirmed: not a version drawn up again since.
    let shown = read_version(&post.prepared_at, r.prepared_at, NOUN, Step::Confirm)?;
    let Some(preparer) = r.prepared_by else {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    };
    if !post.declared() {
        let mut errors = FormErrors::default();
        errors.add("declaration", NOT_DECLARED);
        return refused(&state, user, r, errors, String::new()).await;
    }
    // Nothing changes while it waits, but what is sent in must be whole all the same.
    if !r.completeness().missing().is_empty() {
        let mut errors = FormErrors::default();
        errors.add(
            "handling",
            "Redovisningen är inte komplett och kan inte skickas in. Skicka tillbaka den till koordinatorn.",
        );
        return refused(&state, user, r, errors, String::new()).await;
    }
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let signed = db::sign(&mut tx, id, preparer, user.id(), shown, now)
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some("signing_by_the_regions_signatory") => {
                AppError::Refused(Refusal::NotSignatory.message(&what(&r)))
            }
            _ => e.into(),
        })?;
    if !signed {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "report.signed", "report", id)
        .before(json!({ "state": r.state, "prepared_by": preparer }))
        .after(json!({
            "version": r.version,
            "received": r.received,
            "used": r.used,
            "unused": r.unused,
            "declaration": true,
            "prepared_by": preparer,
            "signed_by": user.id(),
        }))
        .record(&mut tx)
        .await?;
    let url = &state.config.public_url;
    crate::mail::notify(&mut tx, url, Notice::ReportSubmitted(id)).await?;
    crate::mail::notify(
        &mut tx,
        url,
        Notice::SignatoryConfirmed(Submission::Report(id)),
    )
    .await?;
    tx.commit().await?;
    let today = state.clock.today();
    let late = if r.first_submitted_at.is_none() && today > r.late_after {
        format!(
            " Den kom in efter sista dag, {}, och är markerad som försenad.",
            crate::dates::format_date(r.report_deadline)
        )
    } else {
        String::new()
    };
    Ok(redirect_with_flash(
        &Submission::Report(id).receipt(),
        &format!(
            "Kvittens: redovisningen för {} är bekräftad och inskickad till Tillväxtverket den {}.{late}",
            r.year,
            crate::dates::format_date(today)
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
    let shown = read_version(&post.prepared_at, r.prepared_at, NOUN, Step::SendBack)?;
    let Some(preparer) = r.prepared_by else {
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
    audit::Entry::new(Some(user.id()), "report.signatory_returned", "report", id)
        .before(json!({ "prepared_by": preparer }))
        .after(json!({ "message": message }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        Notice::SignatorySentBack {
            submission: Submission::Report(id),
            by: user.id(),
            to: preparer,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/firmatecknare",
        &format!(
            "Redovisningen för {} är skickad tillbaka till {} med ditt meddelande.",
            r.year,
            r.prepared_by_name.as_deref().unwrap_or("koordinatorn")
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
    audit::Entry::new(Some(user.id()), "report.taken_back", "report", id)
        .before(json!({ "prepared_by": r.prepared_by }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &Submission::Report(id).page(),
        &format!(
            "Redovisningen för {} är tillbaka hos er och kan ändras. Skicka den till firmatecknaren igen när den är klar.",
            r.year
        ),
    ))
}
