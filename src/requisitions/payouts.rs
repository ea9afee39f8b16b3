//! The payout of an approved requisition, with four eyes: the approver's queue, approving
//! or sending back what a case officer prepared, and registering the payment.

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
    ALREADY_HANDLED,
    db::{self, HistoryEntry, Payout, Requisition},
    model::{Action, PaidForm, PayoutAction, PayoutState, check_start},
    review::ReasonPost,
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, Result},
    money::format_input,
    programme::model::BudgetState,
    thread,
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

#[derive(Template)]
#[template(path = "requisitions/payout_queue.html")]
struct QueuePage {
    ctx: Ctx,
    awaiting_approval: Vec<Requisition>,
    awaiting_payment: Vec<Requisition>,
    me: Uuid,
    role: Role,
}

pub async fn payout_queue(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_staff()?;
    let (awaiting_approval, awaiting_payment) = db::payouts_in_progress(&state.db)
        .await?
        .into_iter()
        .partition(|r| r.payout_state == Some(PayoutState::Prepared));
    render(&QueuePage {
        me: user.id(),
        role: user.role(),
        ctx: user.ctx,
        awaiting_approval,
        awaiting_payment,
    })
}

async fn payout_in(
    state: &AppState,
    id: Uuid,
    action: PayoutAction,
) -> Result<(Payout, Requisition)> {
    let payout = db::payout(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if payout.state != action.from_state() {
        return Err(AppError::Conflict(
            "Utbetalningen har redan hanterats – någon annan hann före. Ladda om sidan för att se hur den står nu."
                .into(),
        ));
    }
    let r = db::find(&state.db, payout.requisition_id, crate::auth::Scope::All)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((payout, r))
}

/// A payout waits for the Riksdag: while its year's budget is not decided it is neither
/// attested nor paid, by the rule that keeps the regions from requisitioning
/// (`check_start`). The refusal, in Swedish, when it must wait.
fn payout_waits_for_budget(year: i32, budget: BudgetState) -> std::result::Result<(), String> {
    check_start(year, budget).map_err(|_| {
        format!(
            "Riksdagen har ännu inte beslutat budgeten för {year}. Utbetalningen kan attesteras och betalas ut när budgeten för {year} är beslutad."
        )
    })
}

/// Refuses, changing nothing, while the budget of the payout's year is not decided.
async fn budget_decided(db: impl sqlx::PgExecutor<'_>, year: i32) -> Result<()> {
    let budget = crate::programme::db::year(db, year)
        .await?
        .ok_or(AppError::NotFound)?
        .budget_state;
    payout_waits_for_budget(year, budget).map_err(AppError::Refused)
}

const FOUR_EYES: &str = "Du har själv förberett den här utbetalningen. En annan person måste attestera den (principen om fyra ögon).";
const PAYOUT_HANDLED: &str = "Utbetalningen har redan hanterats – någon annan hann före. Ladda om sidan för att se hur den står nu.";

/// What the approver signs, in full, before *Attestera*: to whom and to which account, the
/// reference, the requisitioned, approved and capped amounts, who prepared it and when, and
/// the case's messages.
#[derive(Template)]
#[template(path = "requisitions/attest.html")]
struct AttestPage {
    ctx: Ctx,
    r: Requisition,
    payout: Payout,
    /// The year's cap per actor.
    cap: rust_decimal::Decimal,
    messages: Vec<thread::Message>,
    /// What the case's history says in words: returns, payouts sent back.
    notes: Vec<HistoryEntry>,
    /// Why it can't be attested yet (the year's budget is not decided).
    waits: Option<String>,
}

/// The confirmation page of an attest: nothing changes until its button is pressed.
pub async fn approve_payout_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(&[Role::Approver])?;
    let (payout, r) = payout_in(&state, id, PayoutAction::Approve).await?;
    if payout.prepared_by == user.id() {
        return Err(AppError::Refused(FOUR_EYES.into()));
    }
    let year = crate::programme::db::year(&state.db, r.year)
        .await?
        .ok_or(AppError::NotFound)?;
    // Shown instead of the button: the POST refuses the same way.
    let waits = payout_waits_for_budget(r.year, year.budget_state).err();
    let messages = thread::messages(&state.db, thread::Thread::Requisition(r.id)).await?;
    let notes = db::history(&state.db, r.id)
        .await?
        .into_iter()
        .filter(|e| e.note.is_some())
        .collect();
    render(&AttestPage {
        ctx: user.ctx,
        r,
        payout,
        cap: year.cap_per_actor,
        messages,
        notes,
        waits,
    })
}

pub async fn approve_payout(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(&[Role::Approver])?;
    let (payout, r) = payout_in(&state, id, PayoutAction::Approve).await?;
    if payout.prepared_by == user.id() {
        return Err(AppError::Refused(FOUR_EYES.into()));
    }
    let mut tx = state.db.begin().await?;
    budget_decided(&mut *tx, r.year).await?;
    let approved = db::payout_transition(&mut tx, id, db::PayoutStep::Approve, user.id()).await?;
    if !approved {
        return Err(AppError::Conflict(PAYOUT_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "payout.approved", "requisition", r.id)
        .before(json!({ "payout": id, "state": payout.state }))
        .after(json!({
            "payout": id,
            "state": PayoutAction::Approve.target(),
            "amount": payout.amount,
        }))
        .record(&mut tx)
        .await?;
    // The requisition is granted now: decided by the approver, presented by the case officer
    // who approved it and prepared the payout.
    crate::records::db::record_requisition_approved(
        &mut tx,
        &r,
        payout.amount,
        payout.prepared_by,
        user.id(),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/attest",
        &format!(
            "Utbetalningen för {} är attesterad och kan betalas ut.",
            r.case_number
        ),
    ))
}

#[derive(Template)]
#[template(path = "requisitions/send_back.html")]
struct SendBackPage {
    ctx: Ctx,
    r: Requisition,
    value: String,
    errors: FormErrors,
}

pub async fn send_back_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(&[Role::Approver])?;
    let (_, r) = payout_in(&state, id, PayoutAction::SendBack).await?;
    render(&SendBackPage {
        ctx: user.ctx,
        r,
        value: String::new(),
        errors: FormErrors::default(),
    })
}

pub async fn send_back(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<ReasonPost>,
) -> Result<Response> {
    user.require_role(&[Role::Approver])?;
    let (payout, r) = payout_in(&state, id, PayoutAction::SendBack).await?;
    let mut errors = FormErrors::default();
    let Some(reason) = thread::parse_message(
        &mut errors,
        "reason",
        &post.reason,
        "Skriv varför utbetalningen skickas tillbaka.",
    ) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SendBackPage {
                ctx: user.ctx,
                r,
                value: post.reason,
                errors,
            },
        );
    };
    let mut tx = state.db.begin().await?;
    let sent_back = db::payout_transition(
        &mut tx,
        id,
        db::PayoutStep::SendBack { reason: &reason },
        user.id(),
    )
    .await?;
    if !sent_back {
        return Err(AppError::Conflict(PAYOUT_HANDLED.into()));
    }
    let back = Action::PayoutSentBack;
    if !db::transition(
        &mut tx,
        r.id,
        back.from_states(),
        back.target(r.state),
        None,
    )
    .await?
    {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "payout.sent_back", "requisition", r.id)
        .before(json!({ "payout": id, "state": payout.state }))
        .after(json!({ "payout": id, "state": PayoutAction::SendBack.target(), "message": reason }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::PayoutSentBack(r.id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/attest",
        &format!(
            "Utbetalningen för {} är skickad tillbaka till handläggaren.",
            r.case_number
        ),
    ))
}

#[derive(Template)]
#[template(path = "requisitions/paid.html")]
struct PaidPage {
    ctx: Ctx,
    r: Requisition,
    form: PaidForm,
    errors: FormErrors,
}

const PAYERS: [Role; 2] = [Role::CaseOfficer, Role::Approver];

pub async fn paid_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(&PAYERS)?;
    let (payout, r) = payout_in(&state, id, PayoutAction::RegisterPaid).await?;
    budget_decided(&state.db, r.year).await?;
    let form = PaidForm {
        paid_date: state.clock.today().to_string(),
        amount: format_input(payout.amount),
        voucher_number: String::new(),
    };
    render(&PaidPage {
        ctx: user.ctx,
        r,
        form,
        errors: FormErrors::default(),
    })
}

pub async fn register_paid(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<PaidForm>,
) -> Result<Response> {
    user.require_role(&PAYERS)?;
    let (payout, r) = payout_in(&state, id, PayoutAction::RegisterPaid).await?;
    let payment = match form.validate(payout.amount, state.clock.today()) {
        Ok(p) => p,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PaidPage {
                    ctx: user.ctx,
                    r,
                    form,
                    errors,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    budget_decided(&mut *tx, r.year).await?;
    let paid = db::payout_transition(
        &mut tx,
        id,
        db::PayoutStep::RegisterPaid {
            amount: payment.amount,
            date: payment.date,
            voucher_number: &payment.voucher_number,
        },
        user.id(),
    )
    .await?;
    if !paid {
        return Err(AppError::Conflict(PAYOUT_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "payout.paid", "requisition", r.id)
        .before(json!({ "payout": id, "state": payout.state }))
        .after(json!({
            "payout": id,
            "state": PayoutAction::RegisterPaid.target(),
            "paid_amount": payment.amount,
            "paid_date": payment.date,
            "voucher_number": payment.voucher_number,
        }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::PayoutPaid(r.id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/rekvisitioner/{}", r.id),
        &format!(
            "Utbetalningen för {} är registrerad som utbetald.",
            r.case_number
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_payout_waits_while_its_years_budget_is_not_decided() {
        assert_eq!(payout_waits_for_budget(2025, BudgetState::Decided), Ok(()));
        let refusal = payout_waits_for_budget(2026, BudgetState::Pending).expect_err("it waits");
        assert!(
            refusal.starts_with("Riksdagen har ännu inte beslutat budgeten för 2026."),
            "{refusal}"
        );
    }
}
