//! The region's side: start, edit, submit and withdraw a requisition; the case page
//! everyone allowed shares; the receipt; and the message thread.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    ALREADY_HANDLED,
    db::{self, CaseLists, HistoryEntry, NewRequisition, Requisition},
    editable, load,
    model::{Action, RequisitionForm, RequisitionState, check_start, check_submission},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role, kept::Kept},
    error::{AppError, Result, violated_constraint},
    giro::PaymentMethod,
    mail::Notice,
    programme::db::{self as programme, ProgrammeYear},
    signatory::{
        db::{self as signatory_db, Signatory},
        model::{Route, Submission, names, route},
    },
    thread::{self, Thread},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

#[derive(Deserialize)]
pub struct NewQuery {
    ar: Option<String>,
}

#[derive(Deserialize)]
pub struct RequisitionPost {
    #[serde(flatten)]
    form: RequisitionForm,
    #[serde(default)]
    handling: String,
    #[serde(default)]
    ar: String,
}

impl RequisitionPost {
    fn submit(&self) -> bool {
        self.handling == "skicka"
    }
}

#[derive(Template)]
#[template(path = "requisitions/form.html")]
struct FormPage {
    ctx: Ctx,
    year: ProgrammeYear,
    actor_name: String,
    decision_number: String,
    deadline: chrono::NaiveDate,
    /// Set when editing an existing requisition.
    existing: Option<Requisition>,
    form: RequisitionForm,
    errors: FormErrors,
    methods: [PaymentMethod; 2],
    /// The region's signatories but the one filling in: whom *Skicka* sends it to.
    signatories: Vec<String>,
    /// The one filling in is the region's only signatory: it goes straight in.
    sole_signatory: bool,
}

impl FormPage {
    /// *Skicka* sends it to the region's signatory, not to Tillväxtverket.
    fn to_signatory(&self) -> bool {
        !self.signatories.is_empty()
    }

    fn signatory_names(&self) -> String {
        names(&self.signatories)
    }

    /// The signatory's message, when they sent it back.
    fn sent_back_note(&self) -> Option<&str> {
        self.existing.as_ref().and_then(Requisition::sent_back_note)
    }
}

#[derive(Template)]
#[template(path = "requisitions/refused.html")]
struct RefusedPage {
    ctx: Ctx,
    year: i32,
    message: String,
}

/// The year, actor and decision a coordinator's new requisition is for, and who signs it.
struct Filing {
    year: ProgrammeYear,
    actor_name: String,
    decision_number: String,
    deadline: chrono::NaiveDate,
    /// The organisation's active signatories.
    signatories: Vec<Signatory>,
}

impl Filing {
    /// Where `sender`'s *Skicka* goes.
    fn route(&self, sender: Uuid) -> Route {
        let ids: Vec<Uuid> = self.signatories.iter().map(|s| s.id).collect();
        route(sender, &ids)
    }

    /// The signatories it goes to from `sender`, by name.
    fn others(&self, sender: Option<Uuid>) -> Vec<String> {
        self.signatories
            .iter()
            .filter(|s| Some(s.id) != sender)
            .map(|s| s.name.clone())
            .collect()
    }
}

async fn filing(state: &AppState, organisation: Uuid, year: &str) -> Result<Filing> {
    let year: i32 = year.trim().parse().map_err(|_| AppError::NotFound)?;
    let year = programme::year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = programme::actors_of_year(&state.db, year.year, Some(organisation))
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "Er organisation är inte aktör i programmet år {}.",
                year.year
            ))
        })?;
    let decision_number = programme::period(&state.db, year.period_id)
        .await?
        .map(|p| p.decision_number)
        .ok_or(AppError::NotFound)?;
    let deadline = programme::actor_deadlines(&state.db, year.year, organisation)
        .await?
        .ok_or(AppError::NotFound)?
        .requisition_due;
    let signatories = signatory_db::of_organisation(&state.db, organisation).await?;
    Ok(Filing {
        year,
        actor_name: actor.actor_name,
        decision_number,
        deadline,
        signatories,
    })
}

fn form_page(
    ctx: Ctx,
    filing: Filing,
    existing: Option<Requisition>,
    form: RequisitionForm,
    errors: FormErrors,
) -> FormPage {
    let me = ctx.user.as_ref().map(|u| u.id);
    let signatories = filing.others(me);
    let sole_signatory =
        signatories.is_empty() && filing.signatories.iter().any(|s| Some(s.id) == me);
    FormPage {
        ctx,
        year: filing.year,
        actor_name: filing.actor_name,
        decision_number: filing.decision_number,
        deadline: filing.deadline,
        existing,
        form,
        errors,
        methods: PaymentMethod::ALL,
        signatories,
        sole_signatory,
    }
}

fn refused(ctx: Ctx, year: i32, message: String) -> Result<Response> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &RefusedPage { ctx, year, message },
    )
}

pub async fn new_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<NewQuery>,
    Kept(kept): Kept<RequisitionPost>,
) -> Result<Response> {
    let org = user.coordinator_organisation()?;
    // A kept form names its year, should the address not.
    let year = query
        .ar
        .or_else(|| kept.as_ref().map(|k| k.ar.clone()))
        .unwrap_or_default();
    let filing = filing(&state, org, &year).await?;
    if let Some(existing) = db::active(&state.db, filing.year.year, org).await? {
        return Ok(Redirect::to(&format!("/rekvisitioner/{}", existing.id)).into_response());
    }
    if let Err(refusal) = check_start(filing.year.year, filing.year.budget_state) {
        return refused(user.ctx, filing.year.year, refusal.message());
    }
    // The one signatory it goes to is the one the region names, until someone types another.
    let signatory_name = match filing.others(Some(user.id())).as_slice() {
        [one] => one.clone(),
        _ => String::new(),
    };
    // What was typed when the session ended comes back (`auth::kept`).
    let (form, ctx) = Kept(kept.map(|k| k.form)).or_stored(user.ctx, || RequisitionForm {
        signatory_name,
        ..RequisitionForm::default()
    });
    render(&form_page(ctx, filing, None, form, FormErrors::default()))
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<RequisitionPost>,
) -> Result<Response> {
    let org = user.coordinator_organisation()?;
    let filing = filing(&state, org, &post.ar).await?;
    let year = filing.year.year;
    if let Some(existing) = db::active(&state.db, year, org).await? {
        return Ok(redirect_with_flash(
            &format!("/rekvisitioner/{}", existing.id),
            &format!(
                "Det finns redan en rekvisition för {year} ({}). Ingen ny skapades.",
                existing.case_number
            ),
        ));
    }
    if let Err(refusal) = check_start(year, filing.year.budget_state) {
        return refused(user.ctx, year, refusal.message());
    }
    let submit = post.submit();
    // With a signatory besides the sender, *Skicka* sends it to them, not yet in.
    let to_signatory = submit && filing.route(user.id()) == Route::ToSignatory;
    let sent_to = names(&filing.others(Some(user.id())));
    let fields = match post.form.validate(filing.year.cap_per_actor, submit) {
        Ok(fields) => fields,
        Err(errors) => return rejected_form(user.ctx, filing, None, post.form, errors),
    };
    if submit
        && let Err(refusal) = check_submission(
            year,
            filing.year.budget_state,
            state.clock.today(),
            filing.deadline,
            true,
        )
    {
        let mut errors = FormErrors::default();
        errors.add("handling", refusal.message());
        return rejected_form(user.ctx, filing, None, post.form, errors);
    }

    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let inserted = db::insert(
        &mut tx,
        NewRequisition {
            year,
            organisation_id: org,
            decision_number: &filing.decision_number,
            created_by: user.id(),
            fields: &fields,
            submit: submit && !to_signatory,
            now,
        },
    )
    .await;
    let (id, case_number) = match inserted {
        Ok(x) => x,
        Err(e) => {
            return match violated_constraint(&e) {
                Some("requisitions_one_per_actor_and_year") => Ok(redirect_with_flash(
                    "/",
                    &format!("Det finns redan en rekvisition för {year}. Ingen ny skapades."),
                )),
                Some("requisitions_within_cap") => {
                    let mut errors = FormErrors::default();
                    errors.add("amount", "Beloppet är större än årets tak.");
                    rejected_form(user.ctx, filing, None, post.form, errors)
                }
                _ => Err(e.into()),
            };
        }
    };
    audit::Entry::new(
        Some(user.id()),
        if submit && !to_signatory {
            "requisition.submitted"
        } else {
            "requisition.created"
        },
        "requisition",
        id,
    )
    .after(json!({ "case_number": case_number, "year": year, "fields": fields }))
    .record(&mut tx)
    .await?;
    if to_signatory {
        if !db::prepare(&mut tx, id, user.id(), now).await? {
            return Err(AppError::Conflict(ALREADY_HANDLED.into()));
        }
        audit::Entry::new(Some(user.id()), "requisition.prepared", "requisition", id)
            .after(json!({ "state": RequisitionState::Draft, "signatories": sent_to }))
            .record(&mut tx)
            .await?;
    }
    let notice = match (submit, to_signatory) {
        (true, true) => Some(Notice::AwaitingSignatory(Submission::Requisition(id))),
        (true, false) => Some(Notice::RequisitionSubmitted(id)),
        (false, _) => None,
    };
    if let Some(notice) = notice {
        crate::mail::notify(&mut tx, &state.config.public_url, notice).await?;
    }
    tx.commit().await?;
    let message = match (submit, to_signatory) {
        (true, true) => sent_to_signatory(&case_number, &sent_to),
        (true, false) => format!(
            "Rekvisitionen {case_number} är inskickad till Tillväxtverket. Ni ser här när den har behandlats."
        ),
        (false, _) => format!("Utkastet {case_number} är sparat. Skicka in det när det är klart."),
    };
    Ok(redirect_with_flash(
        &format!("/rekvisitioner/{id}"),
        &message,
    ))
}

/// The confirmation when a requisition went to the region's signatory.
fn sent_to_signatory(case_number: &str, signatories: &str) -> String {
    format!(
        "Rekvisitionen {case_number} är skickad till firmatecknaren {signatories} för bekräftelse. Den skickas till Tillväxtverket när firmatecknaren har läst och bekräftat den; till dess kan den inte ändras, men ni kan ta tillbaka den."
    )
}

/// While the signatory reads it, the requisition stays as it is.
fn not_awaiting_signatory(r: &Requisition) -> Result<()> {
    if r.awaiting_signatory() {
        Err(AppError::Conflict(format!(
            "Rekvisitionen {} väntar på firmatecknarens bekräftelse och kan inte ändras under tiden. Ta tillbaka den från firmatecknaren om något behöver ändras.",
            r.case_number
        )))
    } else {
        Ok(())
    }
}

fn rejected_form(
    ctx: Ctx,
    filing: Filing,
    existing: Option<Requisition>,
    form: RequisitionForm,
    errors: FormErrors,
) -> Result<Response> {
    render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &form_page(ctx, filing, existing, form, errors),
    )
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    kept: Kept<RequisitionForm>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    editable(&user, &r)?;
    not_awaiting_signatory(&r)?;
    let filing = filing(&state, r.organisation_id, &r.year.to_string()).await?;
    // What was typed when the session ended comes back (`auth::kept`); else what is saved.
    let (form, ctx) = kept.or_stored(user.ctx, || RequisitionForm::from_fields(&r.fields()));
    render(&form_page(
        ctx,
        filing,
        Some(r),
        form,
        FormErrors::default(),
    ))
}

pub async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<RequisitionPost>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    editable(&user, &r)?;
    not_awaiting_signatory(&r)?;
    // The form names its year; a form for another year (or none that can be) is not this one.
    if !post.ar.is_empty() && post.ar.trim() != r.year.to_string() {
        return Err(AppError::BadRequest(format!(
            "Formuläret gäller inte rekvisitionen för {}. Ladda om sidan och försök igen.",
            r.year
        )));
    }
    let filing = filing(&state, r.organisation_id, &r.year.to_string()).await?;
    let submit = post.submit();
    // With a signatory besides the sender, *Skicka* sends it to them, not yet in.
    let to_signatory = submit && filing.route(user.id()) == Route::ToSignatory;
    let sent_to = names(&filing.others(Some(user.id())));
    // A returned requisition was filed once: even saved, it must stay complete.
    let complete = submit || r.state == RequisitionState::Returned;
    let fields = match post.form.validate(filing.year.cap_per_actor, complete) {
        Ok(fields) => fields,
        Err(errors) => return rejected_form(user.ctx, filing, Some(r), post.form, errors),
    };
    let first_submission = r.first_submitted_at.is_none();
    if submit
        && let Err(refusal) = check_submission(
            r.year,
            filing.year.budget_state,
            state.clock.today(),
            filing.deadline,
            first_submission,
        )
    {
        let mut errors = FormErrors::default();
        errors.add("handling", refusal.message());
        return rejected_form(user.ctx, filing, Some(r), post.form, errors);
    }

    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let sent_in = submit && !to_signatory;
    let updated = match db::update_fields(&mut tx, id, &fields, sent_in, now).await {
        Ok(updated) => updated,
        Err(e) if violated_constraint(&e) == Some("requisitions_within_cap") => {
            let mut errors = FormErrors::default();
            errors.add("amount", "Beloppet är större än årets tak.");
            return rejected_form(user.ctx, filing, Some(r), post.form, errors);
        }
        Err(e) => return Err(e.into()),
    };
    if updated.is_none() || (to_signatory && !db::prepare(&mut tx, id, user.id(), now).await?) {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    let action = match (submit, to_signatory, first_submission) {
        (false, _, _) => "requisition.saved",
        (true, true, _) => "requisition.prepared",
        (true, false, true) => "requisition.submitted",
        (true, false, false) => "requisition.resubmitted",
    };
    let mut after = json!({ "state": updated, "fields": fields });
    if to_signatory {
        after["signatories"] = json!(sent_to);
    }
    audit::Entry::new(Some(user.id()), action, "requisition", id)
        .before(json!({ "state": r.state, "fields": r.fields() }))
        .after(after)
        .record(&mut tx)
        .await?;
    let notice = match (submit, to_signatory) {
        (true, true) => Some(Notice::AwaitingSignatory(Submission::Requisition(id))),
        (true, false) => Some(Notice::RequisitionSubmitted(id)),
        (false, _) => None,
    };
    if let Some(notice) = notice {
        crate::mail::notify(&mut tx, &state.config.public_url, notice).await?;
    }
    tx.commit().await?;
    let message = match (submit, to_signatory) {
        (true, true) => sent_to_signatory(&r.case_number, &sent_to),
        (true, false) => format!(
            "Rekvisitionen {} är inskickad till Tillväxtverket.",
            r.case_number
        ),
        (false, _) => format!("Ändringarna i {} är sparade.", r.case_number),
    };
    Ok(redirect_with_flash(
        &format!("/rekvisitioner/{id}"),
        &message,
    ))
}

#[derive(Template)]
#[template(path = "requisitions/withdraw.html")]
struct WithdrawPage {
    ctx: Ctx,
    r: Requisition,
}

/// What withdrawing means, with the requisition, before *Återkalla*; changes nothing.
pub async fn withdraw_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    user.coordinator_organisation()?;
    if !Action::Withdraw.allowed(r.state) {
        return Err(AppError::Conflict(format!(
            "Rekvisitionen {} kan inte återkallas: Tillväxtverket har redan fattat beslut om den, eller så är den redan återkallad.",
            r.case_number
        )));
    }
    render(&WithdrawPage { ctx: user.ctx, r })
}

pub async fn withdraw(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    user.coordinator_organisation()?;
    let mut tx = state.db.begin().await?;
    let to = Action::Withdraw.target(r.state);
    if !db::transition(&mut tx, id, Action::Withdraw.from_states(), to, None).await? {
        return Err(AppError::Conflict(format!(
            "Rekvisitionen {} kan inte återkallas: Tillväxtverket har redan fattat beslut om den, eller så är den redan återkallad.",
            r.case_number
        )));
    }
    audit::Entry::new(Some(user.id()), "requisition.withdrawn", "requisition", id)
        .before(json!({ "state": r.state }))
        .after(json!({ "state": to }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/rekvisitioner/{id}"),
        &format!(
            "Rekvisitionen {} är återkallad. Ni kan göra en ny rekvisition för {}.",
            r.case_number, r.year
        ),
    ))
}

#[derive(Template)]
#[template(path = "requisitions/show.html")]
pub(super) struct ShowPage {
    ctx: Ctx,
    r: Requisition,
    attachments: Vec<db::Attachment>,
    history: Vec<HistoryEntry>,
    messages: Vec<thread::Message>,
    message_form: String,
    errors: FormErrors,
    role: Role,
    /// The region's active signatories.
    signatories: Vec<Signatory>,
}

impl ShowPage {
    fn messages_action(&self) -> String {
        format!("/rekvisitioner/{}/meddelanden", self.r.id)
    }

    fn me(&self) -> Option<Uuid> {
        self.ctx.user.as_ref().map(|u| u.id)
    }

    fn can_edit(&self) -> bool {
        self.role == Role::Coordinator
            && Action::Edit.allowed(self.r.state)
            && !self.r.awaiting_signatory()
    }

    /// The region's coordinator sees where it waits, and may take it back.
    fn with_signatory(&self) -> bool {
        self.role == Role::Coordinator && self.r.awaiting_signatory()
    }

    /// The reader is a signatory who may confirm it: not the one who drew it up.
    fn may_sign(&self) -> bool {
        self.with_signatory()
            && self.r.drawn_up_by != self.me()
            && self.signatories.iter().any(|s| Some(s.id) == self.me())
    }

    /// Whom it waits for: the signatories but the one who drew it up.
    fn awaited_signatories(&self) -> String {
        let others: Vec<String> = self
            .signatories
            .iter()
            .filter(|s| Some(s.id) != self.r.drawn_up_by)
            .map(|s| s.name.clone())
            .collect();
        names(&others)
    }

    fn signing_page(&self) -> String {
        Submission::Requisition(self.r.id).signing_page()
    }

    /// The signatory's message from sending it back, for the region's coordinator.
    fn sent_back_note(&self) -> Option<&str> {
        match self.role {
            Role::Coordinator => self.r.sent_back_note(),
            _ => None,
        }
    }

    fn can_withdraw(&self) -> bool {
        self.role == Role::Coordinator && Action::Withdraw.allowed(self.r.state)
    }

    fn can_decide(&self) -> bool {
        self.role == Role::CaseOfficer && Action::Approve.allowed(self.r.state)
    }

    fn can_approve_payout(&self) -> bool {
        self.role == Role::Approver
            && self.r.payout_state == Some(super::model::PayoutState::Prepared)
    }

    fn prepared_by_me(&self) -> bool {
        self.r.prepared_by == self.ctx.user.as_ref().map(|u| u.id)
    }

    fn can_register_payment(&self) -> bool {
        matches!(self.role, Role::CaseOfficer | Role::Approver)
            && self.r.payout_state == Some(super::model::PayoutState::Approved)
    }
}

/// The case page of a requisition already read (a form on it was refused).
pub(super) async fn show_page(
    state: &AppState,
    user: CurrentUser,
    r: Requisition,
    message_form: String,
    errors: FormErrors,
) -> Result<ShowPage> {
    let lists = db::case_lists(&state.db, r.id, user.id()).await?;
    shown_page(state, user, r, lists, message_form, errors).await
}

/// The page, once its reader has read the thread (as `thread::shown_to`; a mark that would
/// not move past any message is left as it is, so a page seen again writes nothing).
async fn shown_page(
    state: &AppState,
    user: CurrentUser,
    r: Requisition,
    lists: CaseLists,
    message_form: String,
    errors: FormErrors,
) -> Result<ShowPage> {
    if lists.read_mark_behind {
        thread::mark_read(&state.db, user.id(), Thread::Requisition(r.id)).await?;
    }
    Ok(ShowPage {
        role: user.role(),
        ctx: user.ctx,
        attachments: lists.attachments,
        r,
        history: lists.history,
        messages: lists.messages,
        message_form,
        errors,
        signatories: lists.signatories,
    })
}

/// The requisition and all its page lists in one query; a second only to move the read mark.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (r, lists) = db::case_page(&state.db, id, user.scope(), user.id())
        .await?
        .ok_or(AppError::NotFound)?;
    let page = shown_page(&state, user, r, lists, String::new(), FormErrors::default()).await?;
    render(&page)
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
        Thread::Requisition(id),
        post.body,
        |user, body, errors| async move { render(&show_page(state, user, r, body, errors).await?) },
    )
    .await
}

#[derive(Template)]
#[template(path = "requisitions/receipt.html")]
struct ReceiptPage {
    ctx: Ctx,
    r: Requisition,
}

/// A clean print view of what was submitted.
pub async fn receipt(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    if r.first_submitted_at.is_none() {
        return Err(AppError::BadRequest(
            "Ett kvitto finns när rekvisitionen är inskickad.".into(),
        ));
    }
    render(&ReceiptPage { ctx: user.ctx, r })
}
