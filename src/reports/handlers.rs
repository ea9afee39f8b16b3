//! The report's shared pages and the region's steps around its parts: starting a
//! report, the overview and check-and-submit page, messages, and a correction after
//! approval. The parts are in `parts.rs` and `attachments.rs`, the case officer's side
//! in `review.rs`.

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    ALREADY_HANDLED,
    db::{self, ActivityRow, AttachmentRow, HistoryEntry, NewReport, Report},
    editable, load, lock_open,
    model::{Action, Part, ReportState},
    parts::part_url,
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, Result, violated_constraint},
    mail::Notice,
    signatory::{
        db::{self as signatory_db, Signatory},
        model::{Route, Submission, names, route},
    },
    thread::{self, Thread},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

#[derive(Deserialize)]
pub struct YearPost {
    #[serde(default)]
    ar: String,
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<YearPost>,
) -> Result<Response> {
    let org = user.coordinator_organisation()?;
    let year: i32 = post.ar.trim().parse().map_err(|_| AppError::NotFound)?;
    if let Some(existing) = db::current(&state.db, year, org).await? {
        return Ok(Redirect::to(&format!("/redovisningar/{}", existing.id)).into_response());
    }
    let Some((payout, paid)) = db::paid_payout(&state.db, year, org).await? else {
        return Err(AppError::BadRequest(format!(
            "Ni har ingen utbetalning för {year} att redovisa. En redovisning görs för ett år med utbetalda medel."
        )));
    };
    let mut tx = state.db.begin().await?;
    let new = NewReport {
        year,
        organisation_id: org,
        payout_id: payout,
        received: paid,
        created_by: user.id(),
    };
    let id = match db::insert(&mut tx, new).await {
        Ok(id) => id,
        Err(e) => {
            return match violated_constraint(&e) {
                Some("reports_one_per_actor_and_year") => Ok(redirect_with_flash(
                    "/",
                    &format!("Det finns redan en redovisning för {year}."),
                )),
                _ => Err(e.into()),
            };
        }
    };
    audit::Entry::new(Some(user.id()), "report.created", "report", id)
        .after(json!({ "year": year, "received": paid }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/redovisningar/{id}/{}", Part::Tasks.slug()),
        &format!(
            "Redovisningen för {year} är påbörjad. Allt ni sparar finns kvar när ni kommer tillbaka."
        ),
    ))
}

#[derive(Template)]
#[template(path = "reports/show.html")]
struct ShowPage {
    ctx: Ctx,
    r: Report,
    checking: bool,
    missing: Vec<(Part, &'static str)>,
    activities: Vec<ActivityRow>,
    attachments: Vec<AttachmentRow>,
    messages: Vec<thread::Message>,
    versions: Vec<Report>,
    history: Vec<HistoryEntry>,
    tasks: Vec<String>,
    role: Role,
    message_form: String,
    errors: FormErrors,
    /// The case officer's comment to the approval, and what was wrong with it.
    comment: String,
    comment_errors: FormErrors,
    /// The region's active signatories.
    signatories: Vec<Signatory>,
}

impl ShowPage {
    fn me(&self) -> Option<Uuid> {
        self.ctx.user.as_ref().map(|u| u.id)
    }

    /// The signatories *Skicka* sends it to: all but the reader.
    fn other_signatories(&self) -> Vec<String> {
        self.signatories
            .iter()
            .filter(|s| Some(s.id) != self.me())
            .map(|s| s.name.clone())
            .collect()
    }

    /// *Skicka* sends it to the region's signatory, not to Tillväxtverket.
    fn to_signatory(&self) -> bool {
        !self.other_signatories().is_empty()
    }

    fn signatory_names(&self) -> String {
        names(&self.other_signatories())
    }

    /// The reader is the region's only signatory: it goes straight in.
    fn sole_signatory(&self) -> bool {
        !self.to_signatory() && self.signatories.iter().any(|s| Some(s.id) == self.me())
    }

    /// The region's coordinator sees where it waits, and may take it back.
    fn with_signatory(&self) -> bool {
        self.role == Role::Coordinator && self.r.awaiting_signatory()
    }

    /// The reader is a signatory who may confirm it: not the one who drew it up.
    fn may_sign(&self) -> bool {
        self.with_signatory()
            && self.r.prepared_by != self.me()
            && self.signatories.iter().any(|s| Some(s.id) == self.me())
    }

    /// Whom it waits for: the signatories but the one who drew it up.
    fn awaited_signatories(&self) -> String {
        let others: Vec<String> = self
            .signatories
            .iter()
            .filter(|s| Some(s.id) != self.r.prepared_by)
            .map(|s| s.name.clone())
            .collect();
        names(&others)
    }

    fn signing_page(&self) -> String {
        Submission::Report(self.r.id).signing_page()
    }

    /// The signatory's message from sending it back, for the region's coordinator.
    fn sent_back_note(&self) -> Option<&str> {
        match self.role {
            Role::Coordinator => self.r.sent_back_note(),
            _ => None,
        }
    }

    fn messages_action(&self) -> String {
        format!("/redovisningar/{}/meddelanden", self.r.id)
    }

    fn can_edit(&self) -> bool {
        self.role == Role::Coordinator && self.r.editable()
    }

    fn can_decide(&self) -> bool {
        self.role == Role::CaseOfficer && self.r.current && Action::Approve.allowed(self.r.state)
    }

    fn can_correct(&self) -> bool {
        self.role == Role::Coordinator && self.r.current && Action::Correct.allowed(self.r.state)
    }

    fn part_url(&self, part: &Part) -> String {
        part_url(&self.r, *part)
    }

    fn task(&self, i: &usize) -> &str {
        self.r.tasks()[*i]
    }

    fn tasks_title(&self) -> String {
        self.r.tasks_title()
    }
}

async fn show_page(
    state: &AppState,
    user: CurrentUser,
    r: Report,
    checking: bool,
    message_form: String,
    errors: FormErrors,
) -> Result<ShowPage> {
    let activities = db::activities(&state.db, r.id).await?;
    let attachments = db::attachments(&state.db, r.id).await?;
    let messages = thread::shown_to(&state.db, Thread::Report(r.id), user.id()).await?;
    let versions = db::versions(&state.db, r.year, r.organisation_id).await?;
    let history = db::history(&state.db, r.id).await?;
    let missing = r.completeness().missing();
    // Only the region's own pages tell who signs for it.
    let signatories = match user.role() {
        Role::Coordinator => signatory_db::of_organisation(&state.db, r.organisation_id).await?,
        _ => Vec::new(),
    };
    Ok(ShowPage {
        role: user.role(),
        ctx: user.ctx,
        tasks: r.period_tasks.clone(),
        r,
        checking,
        missing,
        activities,
        attachments,
        messages,
        versions,
        history,
        message_form,
        errors,
        comment: String::new(),
        comment_errors: FormErrors::default(),
        signatories,
    })
}

/// The report's page again, its approval's comment refused beside the field.
pub(super) async fn approval_refused(
    state: &AppState,
    user: CurrentUser,
    r: Report,
    comment: String,
    errors: FormErrors,
) -> Result<Response> {
    let mut page = show_page(state, user, r, false, String::new(), FormErrors::default()).await?;
    page.comment = comment;
    page.comment_errors = errors;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    render(&show_page(&state, user, r, false, String::new(), FormErrors::default()).await?)
}

/// "Kontrollera dina svar": the whole report once more before it is sent.
pub async fn check(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    render(&show_page(&state, user, r, true, String::new(), FormErrors::default()).await?)
}

/// The check page's form: the declaration, like the requisition's, is required.
#[derive(Deserialize)]
pub struct SubmitPost {
    declaration: Option<String>,
}

const DECLARATION_MISSING: &str =
    "Intyga att uppgifterna i redovisningen är riktiga innan ni skickar in.";

pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<SubmitPost>,
) -> Result<Response> {
    editable(&state, &user, id).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    // Lock the report and check it as it is now: a removal in another tab can't slip in.
    lock_open(&mut tx, id).await?;
    let r = db::find(&mut *tx, id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    if !r.completeness().missing().is_empty() {
        drop(tx);
        let page = show_page(&state, user, r, true, String::new(), FormErrors::default()).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    if post.declaration.as_deref() != Some("ja") {
        drop(tx);
        let mut errors = FormErrors::default();
        errors.add("declaration", DECLARATION_MISSING);
        let page = show_page(&state, user, r, true, String::new(), errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    // With a signatory besides the sender, it goes to them; they send it in.
    let signatories = signatory_db::of_organisation(&mut *tx, r.organisation_id).await?;
    let ids: Vec<Uuid> = signatories.iter().map(|s| s.id).collect();
    if route(user.id(), &ids) == Route::ToSignatory {
        if !db::prepare(&mut tx, id, user.id(), now).await? {
            return Err(AppError::Conflict(ALREADY_HANDLED.into()));
        }
        let others: Vec<String> = signatories
            .iter()
            .filter(|s| s.id != user.id())
            .map(|s| s.name.clone())
            .collect();
        let sent_to = names(&others);
        audit::Entry::new(Some(user.id()), "report.prepared", "report", id)
            .after(json!({
                "version": r.version,
                "used": r.used,
                "unused": r.unused,
                "declaration": true,
                "signatories": sent_to,
            }))
            .record(&mut tx)
            .await?;
        crate::mail::notify(
            &mut tx,
            &state.config.public_url,
            Notice::AwaitingSignatory(Submission::Report(id)),
        )
        .await?;
        tx.commit().await?;
        return Ok(redirect_with_flash(
            &format!("/redovisningar/{id}"),
            &format!(
                "Redovisningen för {} är skickad till firmatecknaren {sent_to} för bekräftelse. Den skickas till Tillväxtverket när firmatecknaren har läst och bekräftat den; till dess kan den inte ändras, men ni kan ta tillbaka den.",
                r.year
            ),
        ));
    }
    if !db::submit(&mut tx, id, now, user.id()).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "report.submitted", "report", id)
        .after(json!({
            "version": r.version,
            "received": r.received,
            "used": r.used,
            "unused": r.unused,
            "declaration": true,
        }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::ReportSubmitted(id),
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
        &format!("/redovisningar/{id}/kvitto"),
        &format!(
            "Kvittens: redovisningen för {} är inskickad till Tillväxtverket den {}.{late}",
            r.year,
            crate::dates::format_date(today)
        ),
    ))
}

/// The receipt of a submitted report, to print: the case, what was sent, and what happens
/// now (Tillväxtverket's review, the e-mail, what to repay and by when).
#[derive(Template)]
#[template(path = "reports/receipt.html")]
struct ReceiptPage {
    ctx: Ctx,
    r: Report,
    submitted_at: chrono::DateTime<chrono::Utc>,
    case_number: String,
    repayment_deadline: Option<chrono::NaiveDate>,
    attachments: Vec<AttachmentRow>,
}

impl ReceiptPage {
    fn has_unused(&self) -> bool {
        self.r.unused > rust_decimal::Decimal::ZERO
    }
}

pub async fn receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    // A draft (a correction begun) has no receipt until it is sent in.
    let Some(submitted_at) = r.submitted_at.filter(|_| r.state != ReportState::Draft) else {
        return Err(AppError::BadRequest(
            "Ett kvitto finns när redovisningen är inskickad.".into(),
        ));
    };
    let (case_number, repayment_deadline) = db::receipt_facts(&state.db, &r).await?;
    let attachments = db::attachments(&state.db, r.id).await?;
    render(&ReceiptPage {
        ctx: user.ctx,
        r,
        submitted_at,
        case_number,
        repayment_deadline,
        attachments,
    })
}

pub async fn post_message(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<thread::MessagePost>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    let state = &state;
    thread::post(
        state,
        user,
        Thread::Report(id),
        post.body,
        |user, body, errors| async move {
            render(&show_page(state, user, r, false, body, errors).await?)
        },
    )
    .await
}

/// A correction after approval: a new draft version, copied from the approved one,
/// which stays in the history.
pub async fn new_version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.coordinator_organisation()?;
    let r = load(&state, &user, id).await?;
    let mut tx = state.db.begin().await?;
    let Some(new_id) = db::new_version(&mut tx, id, user.id()).await? else {
        return Err(AppError::Conflict(
            "Bara den senaste godkända redovisningen kan rättas.".into(),
        ));
    };
    audit::Entry::new(Some(user.id()), "report.new_version", "report", new_id)
        .after(json!({ "from": id, "version": r.version + 1 }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/redovisningar/{new_id}"),
        &format!(
            "Version {} är påbörjad. Den godkända versionen {} finns kvar i historiken tills den nya är godkänd.",
            r.version + 1,
            r.version
        ),
    ))
}
