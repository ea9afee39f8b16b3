//! The repayment page: the region's obligation, its payments and any refund to it; the
//! region registers its payments here as soon as its report is submitted. The staff side
//! is in `review.rs`, Tillväxtverket's own account in `account.rs`.

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, InterestDecision, OwedVersion, PaymentRow, Refund, RepaymentRow},
    interest::{DecisionForm, Interest, MissingRate, accrues},
    model::{
        PaymentForm, PaymentState, RefundForm, RefundPaidForm, RefundState, Status,
        payment_reference,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role, Scope},
    error::{AppError, Result, violated_constraint},
    money::{format_input, format_kronor},
    programme::{db::ProgrammeYear, model::DeadlineStatus},
    registry::{self, model::CaseKind},
    reports::model::ReportState,
    thread::{self, Thread},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

pub(super) async fn programme_year(state: &AppState, year: i32) -> Result<ProgrammeYear> {
    state
        .programme
        .year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)
}

/// The actor's row, if the user may see it: a coordinator only their own organisation.
pub(super) async fn actor_row(
    state: &AppState,
    user: &CurrentUser,
    year: i32,
    org: Uuid,
) -> Result<RepaymentRow> {
    if let Scope::Organisation(own) = user.scope()
        && own != org
    {
        return Err(AppError::NotFound);
    }
    db::rows(&state.db, year, Some(org))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)
}

/// The forms a page may show again with their errors.
#[derive(Default)]
pub(super) struct Forms {
    pub payment: Option<PaymentForm>,
    pub refund: Option<RefundForm>,
    pub refund_paid: Option<RefundPaidForm>,
    pub interest: Option<DecisionForm>,
    pub message: Option<String>,
    pub errors: FormErrors,
}

#[derive(Template)]
#[template(path = "repayments/show.html")]
pub(super) struct ShowPage {
    ctx: Ctx,
    year: ProgrammeYear,
    row: RepaymentRow,
    /// Tillväxtverket's diarienummer of the repayment case, once the registrar has given it
    /// one (`registry`).
    diarienummer: Option<String>,
    today: NaiveDate,
    /// Tillväxtverket's bankgiro (`REPAYMENT_BANKGIRO`); the demo's is marked as such.
    bankgiro: Option<String>,
    bankgiro_is_demo: bool,
    reference: Option<String>,
    /// The Bankgirot OCR number to pay with (`bank::model::ocr_reference`); the older
    /// `reference` is still accepted.
    ocr: Option<String>,
    payments: Vec<PaymentRow>,
    history: Vec<OwedVersion>,
    refunds: Vec<Refund>,
    form: PaymentForm,
    refund_form: RefundForm,
    refund_paid_form: RefundPaidForm,
    /// The thread on the year's repayment, when there is a case to hang it on.
    messages: Vec<thread::Message>,
    message_form: String,
    /// The late-payment interest up to today, when something is owed (`interest.rs`).
    interest: Option<Result<Interest, MissingRate>>,
    /// The case officer's decision on it, if made.
    interest_decision: Option<InterestDecision>,
    /// Every version of the decision, the latest first (staff only).
    interest_history: Vec<InterestDecision>,
    interest_form: DecisionForm,
    errors: FormErrors,
    role: Role,
    me: Uuid,
}

impl ShowPage {
    fn messages_action(&self) -> String {
        format!(
            "/aterbetalningar/{}/{}/meddelanden",
            self.year.year, self.row.organisation_id
        )
    }

    fn status(&self) -> Status {
        self.row.balance().status()
    }

    /// A repayment is a case of its own, to be registered, once the report says something
    /// is unused (`registry_cases`): then a missing diarienummer is said so.
    fn is_registry_case(&self) -> bool {
        self.row.owed.is_some_and(|owed| owed > Decimal::ZERO)
    }

    /// The page names the case: Digikoord's case number, the diarienummer, or both.
    fn shows_case_ids(&self) -> bool {
        self.row.case_number.is_some() || self.diarienummer.is_some() || self.is_registry_case()
    }

    fn can_register(&self) -> bool {
        self.role == Role::Coordinator && self.status() == Status::Open
    }

    fn can_confirm(&self) -> bool {
        self.role == Role::CaseOfficer
    }

    /// The region corrects or withdraws what it registered until Tillväxtverket confirms it.
    fn can_amend(&self, p: &PaymentRow) -> bool {
        self.role == Role::Coordinator && p.state == PaymentState::Registered
    }

    fn amends_any(&self) -> bool {
        self.payments.iter().any(|p| self.can_amend(p))
    }

    /// The payment's reference is neither the OCR number nor the older reference.
    fn other_reference(&self, p: &PaymentRow) -> bool {
        let given = p.reference.trim();
        let known = [self.ocr.as_deref(), self.reference.as_deref()];
        known.iter().any(Option::is_some)
            && !known
                .iter()
                .flatten()
                .any(|r| r.eq_ignore_ascii_case(given))
    }

    /// The references a payment is expected to carry, as the table's mark says them.
    fn expected_references(&self) -> String {
        [self.ocr.as_deref(), self.reference.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" eller ")
    }

    /// What the region has to pay beyond what it registered.
    fn left_to_pay(&self) -> Decimal {
        self.row.balance().to_register()
    }

    /// A case officer prepares a refund while some over-payment has none.
    fn can_prepare_refund(&self) -> bool {
        self.role == Role::CaseOfficer && self.row.balance().refundable() > Decimal::ZERO
    }

    fn can_approve(&self, r: &Refund) -> bool {
        self.role == Role::Approver && r.state == RefundState::Prepared && r.prepared_by != self.me
    }

    fn can_register_paid(&self, r: &Refund) -> bool {
        matches!(self.role, Role::CaseOfficer | Role::Approver) && r.state == RefundState::Approved
    }

    fn deadline_status(&self) -> DeadlineStatus {
        DeadlineStatus::of(self.row.deadline, self.today)
    }

    fn days_overdue(&self) -> Option<i64> {
        self.row.days_overdue(self.today)
    }

    /// The amount owed comes from a submitted report not yet approved.
    fn provisional(&self) -> bool {
        self.row.owed.is_some() && !self.row.approved
    }

    /// What the region's payments so far leave: more to pay (positive) or an over-payment
    /// to refund (negative) — shown when payments exist and the amount owed moved past them.
    fn difference(&self) -> Option<Decimal> {
        let b = self.row.balance();
        let paid = b.net() + b.registered;
        let owed = b.owed?;
        (paid > Decimal::ZERO && paid != owed).then_some(owed - paid)
    }

    fn more_to_pay(&self) -> Option<Decimal> {
        self.difference().filter(|d| *d > Decimal::ZERO)
    }

    fn paid_too_much(&self) -> Option<Decimal> {
        self.difference().filter(|d| *d < Decimal::ZERO).map(|d| -d)
    }

    /// The interest so far, when some day bore it.
    fn interest_so_far(&self) -> Option<&Interest> {
        match &self.interest {
            Some(Ok(i)) if i.days > 0 => Some(i),
            _ => None,
        }
    }

    /// The half-year whose reference rate is missing, said as a sentence.
    fn interest_missing(&self) -> Option<String> {
        match &self.interest {
            Some(Err(missing)) => Some(missing.to_string()),
            _ => None,
        }
    }

    /// The interest still runs: counted up to today and something is still unpaid (a last
    /// payment received today ends it).
    fn interest_running(&self) -> bool {
        self.interest_so_far()
            .is_some_and(|i| i.through() == Some(self.today))
            && self.row.balance().remaining() > Decimal::ZERO
    }

    fn interest_claimed(&self) -> bool {
        self.interest_decision.as_ref().is_some_and(|d| d.claim)
    }

    /// Staff see the interest whenever it runs or was decided on; the region only once a
    /// case officer decided to claim it.
    fn shows_interest(&self) -> bool {
        let runs = self.interest.as_ref().is_some_and(accrues);
        match self.role {
            Role::Coordinator => runs && self.interest_claimed(),
            _ => runs || self.interest_decision.is_some(),
        }
    }

    /// The decisions the current one replaced, the latest first.
    fn earlier_decisions(&self) -> &[InterestDecision] {
        self.interest_history.get(1..).unwrap_or_default()
    }

    /// A case officer decides on a case on which interest accrues (paid late); a case paid
    /// in time has nothing to decide.
    fn can_decide_interest(&self) -> bool {
        self.role == Role::CaseOfficer && self.interest.as_ref().is_some_and(accrues)
    }

    /// The decision form has an error to show.
    fn interest_errors(&self) -> bool {
        self.errors.get("interest_claim").is_some() || self.errors.get("interest_reason").is_some()
    }

    fn interest_action(&self) -> String {
        format!(
            "/aterbetalningar/{}/{}/drojsmalsranta",
            self.year.year, self.row.organisation_id
        )
    }

    fn version_state(&self, v: &OwedVersion) -> &'static str {
        match v.state {
            ReportState::Approved => "godkänd",
            ReportState::Returned => "återsänd för komplettering",
            _ => "inlämnad, ej godkänd",
        }
    }
}

pub(super) async fn show_page(
    state: &AppState,
    user: CurrentUser,
    year: ProgrammeYear,
    row: RepaymentRow,
    forms: Forms,
) -> Result<ShowPage> {
    let payments = db::payments(&state.db, year.year, row.organisation_id).await?;
    let history = db::owed_history(&state.db, year.year, row.organisation_id).await?;
    let refunds = db::refunds(&state.db, year.year, row.organisation_id).await?;
    let diarienummer = registry::db::diarienummer(
        &state.db,
        CaseKind::Repayment,
        year.year,
        Some(row.organisation_id),
    )
    .await?;
    let messages = match row.requisition_id {
        Some(case) => thread::shown_to(&state.db, Thread::Repayment(case), user.id()).await?,
        None => vec![],
    };
    let today = state.clock.today();
    let inputs = db::interest_inputs(&state.db, year.year, Some(row.organisation_id)).await?;
    let interest = inputs.interest(&row, today);
    let interest_decision = inputs.decision(row.organisation_id).cloned();
    let interest_history = match user.role() {
        Role::Coordinator => vec![],
        _ => db::interest_history(&state.db, year.year, row.organisation_id).await?,
    };
    let interest_form = forms.interest.unwrap_or_default();
    let reference = row.case_number.as_deref().map(payment_reference);
    let ocr = row
        .case_number
        .as_deref()
        .and_then(crate::bank::model::ocr_reference);
    let balance = row.balance();
    let form = forms.payment.unwrap_or_else(|| PaymentForm {
        paid_on: today.to_string(),
        amount: format_input(balance.to_register()),
        // The older reference, which the case officer's confirmation page expects.
        reference: reference.clone().unwrap_or_default(),
    });
    let refund_form = forms.refund.unwrap_or_else(|| RefundForm {
        amount: format_input(balance.refundable()),
        planned_date: today.to_string(),
    });
    let refund_paid_form = forms.refund_paid.unwrap_or_else(|| RefundPaidForm {
        paid_date: today.to_string(),
        voucher_number: String::new(),
    });
    Ok(ShowPage {
        role: user.role(),
        me: user.id(),
        ctx: user.ctx,
        year,
        row,
        diarienummer,
        today,
        bankgiro: state.config.repayment_bankgiro.number().map(str::to_string),
        bankgiro_is_demo: state.config.repayment_bankgiro.is_demo(),
        reference,
        ocr,
        payments,
        history,
        refunds,
        form,
        refund_form,
        refund_paid_form,
        messages,
        message_form: forms.message.unwrap_or_default(),
        interest,
        interest_decision,
        interest_history,
        interest_form,
        errors: forms.errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((year, org)): Path<(i32, Uuid)>,
) -> Result<Response> {
    let row = actor_row(&state, &user, year, org).await?;
    let year = programme_year(&state, year).await?;
    render(&show_page(&state, user, year, row, Forms::default()).await?)
}

const NOT_OPEN: &str = "Återbetalningen öppnas när er redovisning är inlämnad.";

pub async fn register_payment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((year, org)): Path<(i32, Uuid)>,
    Form(form): Form<PaymentForm>,
) -> Result<Response> {
    let row = actor_row(&state, &user, year, org).await?;
    user.coordinator_organisation()?;
    let programme_year = programme_year(&state, year).await?;
    match row.balance().status() {
        Status::Open => {}
        Status::NotOpen => return Err(AppError::Conflict(NOT_OPEN.into())),
        Status::Registered => {
            return Err(AppError::Conflict(
                "Ni har redan registrerat betalningar som täcker hela beloppet; de väntar på Tillväxtverkets bekräftelse. Stämmer en betalning inte kan ni ändra eller ta bort den på sidan om återbetalningen.".into(),
            ));
        }
        Status::NothingOwed | Status::Settled | Status::Overpaid => {
            return Err(AppError::Conflict(
                "Det finns inget kvar att återbetala för året. Kontakta Tillväxtverket om ni har betalat in för mycket.".into(),
            ));
        }
    }
    let payment = match form.validate(state.clock.today()) {
        Ok(p) => p,
        Err(errors) => {
            let forms = Forms {
                payment: Some(form),
                errors,
                ..Forms::default()
            };
            let page = show_page(&state, user, programme_year, row, forms).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    if let Err(e) = db::insert_payment(&mut tx, id, year, org, &payment, user.id()).await {
        return match violated_constraint(&e) {
            Some("repayment_payments_obligation_open") => Err(AppError::Conflict(NOT_OPEN.into())),
            _ => Err(e.into()),
        };
    }
    audit::Entry::new(
        Some(user.id()),
        "repayment.registered",
        "repayment_payment",
        id,
    )
    .after(json!({
        "year": year, "organisation": org, "paid_on": payment.paid_on,
        "amount": payment.amount, "reference": payment.reference,
        "owed": row.owed, "owed_from_approved_report": row.approved,
    }))
    .record(&mut tx)
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::RepaymentRegistered(id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/aterbetalningar/{year}/{org}"),
        &format!(
            "Betalningen på {} är registrerad. Den räknas som reglerad när Tillväxtverket har bekräftat att pengarna kommit in.",
            format_kronor(payment.amount)
        ),
    ))
}

const AMEND_CONFIRMED: &str = "Betalningen är redan bekräftad av Tillväxtverket och kan inte längre ändras eller tas bort. Kontakta Tillväxtverket om något i den är fel.";

/// A payment the region may still correct or withdraw: its own organisation's, registered
/// and not yet confirmed.
async fn own_registered(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(PaymentRow, RepaymentRow)> {
    user.require_role(&[Role::Coordinator])?;
    let own = user.coordinator_organisation()?;
    let payment = db::payment(&state.db, id)
        .await?
        .filter(|p| p.organisation_id == own)
        .ok_or(AppError::NotFound)?;
    if payment.state != PaymentState::Registered {
        return Err(AppError::Conflict(AMEND_CONFIRMED.into()));
    }
    let row = actor_row(state, user, payment.year, payment.organisation_id).await?;
    Ok((payment, row))
}

#[derive(Template)]
#[template(path = "repayments/correct.html")]
pub(super) struct CorrectPage {
    ctx: Ctx,
    payment: PaymentRow,
    row: RepaymentRow,
    form: PaymentForm,
    errors: FormErrors,
}

/// The form to correct a registered payment: date, amount and reference.
pub async fn correct_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (payment, row) = own_registered(&state, &user, id).await?;
    let form = PaymentForm {
        paid_on: payment.paid_on.to_string(),
        amount: format_input(payment.amount),
        reference: payment.reference.clone(),
    };
    render(&CorrectPage {
        ctx: user.ctx,
        payment,
        row,
        form,
        errors: FormErrors::default(),
    })
}

pub async fn correct_payment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<PaymentForm>,
) -> Result<Response> {
    let (payment, row) = own_registered(&state, &user, id).await?;
    let corrected = match form.validate(state.clock.today()) {
        Ok(p) => p,
        Err(errors) => {
            let page = CorrectPage {
                ctx: user.ctx,
                payment,
                row,
                form,
                errors,
            };
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let Some((paid_on, amount, reference)) = db::correct_payment(&mut tx, id, &corrected).await?
    else {
        return Err(AppError::Conflict(AMEND_CONFIRMED.into()));
    };
    audit::Entry::new(
        Some(user.id()),
        "repayment.corrected",
        "repayment_payment",
        id,
    )
    .before(json!({ "paid_on": paid_on, "amount": amount, "reference": reference }))
    .after(json!({
        "year": payment.year, "organisation": payment.organisation_id,
        "paid_on": corrected.paid_on, "amount": corrected.amount,
        "reference": corrected.reference,
    }))
    .record(&mut tx)
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::RepaymentCorrected {
            id,
            amount_before: amount,
            paid_on_before: paid_on,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!(
            "/aterbetalningar/{}/{}",
            payment.year, payment.organisation_id
        ),
        &format!(
            "Betalningen är ändrad till {}, betald {}. Den räknas när Tillväxtverket har bekräftat att pengarna kommit in.",
            format_kronor(corrected.amount),
            crate::dates::format_date(corrected.paid_on)
        ),
    ))
}

#[derive(Template)]
#[template(path = "repayments/withdraw.html")]
pub(super) struct WithdrawPage {
    ctx: Ctx,
    payment: PaymentRow,
    row: RepaymentRow,
}

/// What withdrawing a registered payment means, before it is done.
pub async fn withdraw_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (payment, row) = own_registered(&state, &user, id).await?;
    render(&WithdrawPage {
        ctx: user.ctx,
        payment,
        row,
    })
}

pub async fn withdraw_payment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (payment, _) = own_registered(&state, &user, id).await?;
    let mut tx = state.db.begin().await?;
    // Told while the payment is still there to tell of; undone with the rest if it is not
    // removed.
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::RepaymentWithdrawn(id),
    )
    .await?;
    if !db::withdraw_payment(&mut tx, id).await? {
        return Err(AppError::Conflict(AMEND_CONFIRMED.into()));
    }
    audit::Entry::new(
        Some(user.id()),
        "repayment.withdrawn",
        "repayment_payment",
        id,
    )
    .before(json!({
        "year": payment.year, "organisation": payment.organisation_id,
        "state": payment.state, "paid_on": payment.paid_on, "amount": payment.amount,
        "reference": payment.reference,
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!(
            "/aterbetalningar/{}/{}",
            payment.year, payment.organisation_id
        ),
        &format!(
            "Den registrerade betalningen på {}, betald {}, är borttagen.",
            format_kronor(payment.amount),
            crate::dates::format_date(payment.paid_on)
        ),
    ))
}

/// A message on the year's repayment, from the region or from Tillväxtverket.
pub async fn post_message(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((year, org)): Path<(i32, Uuid)>,
    Form(post): Form<thread::MessagePost>,
) -> Result<Response> {
    let row = actor_row(&state, &user, year, org).await?;
    let case = row.requisition_id.ok_or(AppError::NotFound)?;
    let state = &state;
    thread::post(
        state,
        user,
        Thread::Repayment(case),
        post.body,
        |user, body, errors| async move {
            let programme_year = programme_year(state, year).await?;
            let forms = Forms {
                message: Some(body),
                errors,
                ..Forms::default()
            };
            render(&show_page(state, user, programme_year, row, forms).await?)
        },
    )
    .await
}

/// A thread's link (in a notice) leads to the repayment page it belongs to.
pub async fn thread_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(case): Path<Uuid>,
) -> Result<Response> {
    let (year, org) = db::repayment_of(&state.db, case)
        .await?
        .ok_or(AppError::NotFound)?;
    actor_row(&state, &user, year, org).await?;
    Ok(
        axum::response::Redirect::to(&format!("/aterbetalningar/{year}/{org}#meddelanden"))
            .into_response(),
    )
}
