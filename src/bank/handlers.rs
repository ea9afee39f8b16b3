//! The case officer's pages for the bank's files: reading one in, the payments waiting side
//! by side (matched, unsure, unmatched), and deciding on each — confirmed against a region's
//! repayment after a page that shows what will happen, or dismissed with a reason.

use std::sync::Arc;

use askama::Template;
use axum::{
    Form,
    extract::{Multipart, Path, Query, State},
    http::StatusCode,
    response::Response,
};
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    db::{self, BankPaymentRow, FileRow, NewFile},
    model::{
        BankPaymentState, ConfirmForm, Confirming, DismissForm, Expect, Incoming, MAX_BYTES,
        OpenCase, Problem, Proposal, confirming, parse_case_key, propose, read_file,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, Result, violated_constraint},
    money::format_kronor,
    repayments::{
        db::{self as repayments_db, PaymentRow},
        model::{Confirmation, Payment, PaymentState},
    },
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

const PAGE: &str = "/handlaggning/bank";
const ALREADY_DECIDED: &str = "Inbetalningen är redan hanterad – någon annan hann före. Ladda om sidan för att se hur den står nu.";
const NOT_OPEN: &str =
    "Ärendet har ingen återbetalning att ta emot än: regionens redovisning är inte inlämnad.";
const REGISTRATION_CHANGED: &str = "Regionens registrerade betalning har ändrats eller tagits bort under tiden. Ladda om sidan och försök igen.";
/// How many decided payments and files the page lists.
const RECENT: i64 = 50;

/// Every region's repayment with an amount owed, in every programme year, with what is
/// still to be received (`repayments::db::rows`, the one rule for a balance) and the
/// region's bankgiro.
async fn open_cases(state: &AppState) -> Result<Vec<OpenCase>> {
    let bankgiros = db::region_bankgiros(&state.db).await?;
    let mut cases = Vec::new();
    for year in state.programme.years(&state.db).await?.iter() {
        for row in repayments_db::rows(&state.db, year.year, None).await? {
            let (Some(case_number), Some(owed)) = (row.case_number.clone(), row.owed) else {
                continue;
            };
            cases.push(OpenCase {
                year: year.year,
                organisation_id: row.organisation_id,
                actor_name: row.actor_name.clone(),
                case_number,
                owed,
                remaining: row.balance().remaining(),
                bankgiro: bankgiros
                    .iter()
                    .find(|(y, o, _)| *y == year.year && *o == row.organisation_id)
                    .map(|(_, _, b)| b.clone()),
            });
        }
    }
    Ok(cases)
}

/// A payment waiting for a decision, and the case it is proposed for.
pub struct Waiting {
    pub payment: BankPaymentRow,
    pub case: Option<OpenCase>,
}

impl Waiting {
    /// Its decision page, with the proposed case chosen.
    fn link(&self) -> String {
        match &self.case {
            Some(c) => format!(
                "{PAGE}/betalningar/{}?fall={}",
                self.payment.id,
                crate::web::url_encode(&c.key())
            ),
            None => format!("{PAGE}/betalningar/{}", self.payment.id),
        }
    }
}

#[derive(Template)]
#[template(path = "bank/page.html")]
struct BankPage {
    ctx: Ctx,
    can_decide: bool,
    bankgiro: Option<String>,
    matched: Vec<Waiting>,
    unsure: Vec<Waiting>,
    unmatched: Vec<Waiting>,
    decided: Vec<BankPaymentRow>,
    files: Vec<FileRow>,
    /// Why the upload was refused: beside the field, or line by line.
    file_error: Option<String>,
    problems: Vec<Problem>,
    file_name: String,
}

impl BankPage {
    fn total(list: &[Waiting]) -> Decimal {
        list.iter().map(|w| w.payment.amount).sum()
    }

    fn matched_total(&self) -> Decimal {
        Self::total(&self.matched)
    }

    fn unsure_total(&self) -> Decimal {
        Self::total(&self.unsure)
    }

    fn unmatched_total(&self) -> Decimal {
        Self::total(&self.unmatched)
    }
}

async fn bank_page(
    state: &AppState,
    user: CurrentUser,
    file_error: Option<String>,
    problems: Vec<Problem>,
    file_name: String,
) -> Result<BankPage> {
    let cases = open_cases(state).await?;
    let (mut matched, mut unsure, mut unmatched) = (vec![], vec![], vec![]);
    for payment in db::waiting(&state.db).await? {
        let proposal = propose(
            &payment.reference,
            payment.amount,
            payment.payer_bankgiro.as_deref(),
            &cases,
        );
        let waiting = Waiting {
            case: proposal.case().map(|i| cases[i].clone()),
            payment,
        };
        match proposal {
            Proposal::Matched(_) => matched.push(waiting),
            Proposal::Unsure(_) => unsure.push(waiting),
            Proposal::Unmatched => unmatched.push(waiting),
        }
    }
    Ok(BankPage {
        can_decide: user.role() == Role::CaseOfficer,
        ctx: user.ctx,
        bankgiro: state.config.repayment_bankgiro.number().map(str::to_string),
        matched,
        unsure,
        unmatched,
        decided: db::decided(&state.db, RECENT).await?,
        files: db::files(&state.db, RECENT).await?,
        file_error,
        problems,
        file_name,
    })
}

/// `/handlaggning/bank`: the upload form, the waiting payments side by side, the latest
/// decisions and files.
pub async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_staff()?;
    render(&bank_page(&state, user, None, vec![], String::new()).await?)
}

fn count_of(n: usize) -> String {
    match n {
        1 => "1 ny betalning".to_string(),
        n => format!("{n} nya betalningar"),
    }
}

/// Reads in a bank's file: checked whole first (nothing is written from a file with a
/// fault), then each payment not already read in is kept, in one transaction with its
/// audit record. A file whose payments are all here already writes nothing.
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let (file_name, bytes) = match crate::web::receive_file(multipart, MAX_BYTES).await {
        Ok(f) => f,
        Err(message) => {
            let page = bank_page(&state, user, Some(message), vec![], String::new()).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let expect = Expect {
        bankgiro: state.config.repayment_bankgiro.number().map(str::to_string),
        today: state.clock.today(),
    };
    let bytes = Arc::new(bytes);
    let reading = bytes.clone();
    // Reading is CPU work: off the async workers, as the history import's sheet is read.
    let read = tokio::task::spawn_blocking(move || read_file(&reading, &expect))
        .await
        .map_err(|e| AppError::Internal(format!("reading a bank file: {e}")))?;
    let read = match read {
        Ok(read) => read,
        Err(problems) => {
            let page = bank_page(&state, user, None, problems, file_name).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let sha256 = hex::encode(Sha256::digest(bytes.as_slice()));
    let mut tx = state.db.begin().await?;
    db::lock_imports(&mut tx).await?;
    let references: Vec<String> = read
        .payments
        .iter()
        .map(|p| p.bank_reference.clone())
        .collect();
    let known = db::known_references(&mut tx, &references).await?;
    let new: Vec<&Incoming> = read
        .payments
        .iter()
        .filter(|p| !known.contains(&p.bank_reference))
        .collect();
    if new.is_empty() {
        // Nothing to write: the transaction ends unwritten.
        drop(tx);
        let message = if read.payments.is_empty() {
            format!("”{file_name}” innehåller inga inbetalningar. Inget har sparats.")
        } else {
            format!(
                "Filen är redan inläst: 0 nya betalningar. Alla {} betalningar i ”{file_name}” finns redan, och inget har ändrats.",
                read.payments.len()
            )
        };
        return Ok(redirect_with_flash(PAGE, &message));
    }
    let id = Uuid::new_v4();
    let total: Decimal = new.iter().map(|p| p.amount).sum();
    db::insert_file(
        &mut tx,
        &NewFile {
            id,
            kind: read.kind,
            file_name: &file_name,
            sha256: &sha256,
            by: user.id(),
            payment_count: i32::try_from(new.len()).unwrap_or(i32::MAX),
            total,
        },
    )
    .await?;
    for p in &new {
        db::insert_payment(&mut tx, Uuid::new_v4(), id, p).await?;
    }
    audit::Entry::new(Some(user.id()), "bank_file.imported", "bank_file", id)
        .after(json!({
            "filename": file_name, "kind": read.kind, "sha256": sha256,
            "payments": new.len(), "total": total,
            "in_file": read.payments.len(), "already_read": known.len(),
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    let mut message = format!(
        "”{file_name}” är inläst: {} på sammanlagt {}.",
        count_of(new.len()),
        format_kronor(total)
    );
    if !known.is_empty() {
        message.push_str(&format!(
            " {} fanns redan och lästes inte in igen.",
            known.len()
        ));
    }
    message.push_str(" Granska förslagen och bekräfta eller avvisa varje betalning.");
    Ok(redirect_with_flash(PAGE, &message))
}

/// The region's payments not yet confirmed, for a case.
async fn registered_of(state: &AppState, case: &OpenCase) -> Result<Vec<PaymentRow>> {
    Ok(
        repayments_db::payments(&state.db, case.year, case.organisation_id)
            .await?
            .into_iter()
            .filter(|p| p.state == PaymentState::Registered)
            .collect(),
    )
}

#[derive(Template)]
#[template(path = "bank/decide.html")]
struct DecidePage {
    ctx: Ctx,
    payment: BankPaymentRow,
    proposal: Proposal,
    proposed: Option<OpenCase>,
    /// The case the page shows confirming against: chosen, or else proposed.
    chosen: Option<OpenCase>,
    /// The region's own registration the confirmation takes, if it has one of this amount.
    regions: Option<PaymentRow>,
    cases: Vec<OpenCase>,
    dismiss: DismissForm,
    errors: FormErrors,
}

impl DecidePage {
    fn waiting(&self) -> bool {
        self.payment.state == BankPaymentState::Unmatched
    }

    fn proposal_label(&self) -> &'static str {
        match self.proposal {
            Proposal::Matched(_) => "Matchad: referensen är ärendets OCR-nummer eller referens",
            Proposal::Unsure(_) => {
                "Osäker: beloppet är exakt vad ärendet har kvar att betala, men referensen pekar inte ut det"
            }
            Proposal::Unmatched => "Omatchad: varken referensen eller beloppet pekar ut ett ärende",
        }
    }

    fn is_chosen(&self, case: &OpenCase) -> bool {
        self.chosen.as_ref().is_some_and(|c| c.key() == case.key())
    }

    /// What remains to be received on the chosen case after this payment; negative: paid
    /// too much, to be refunded to the region.
    fn after(&self) -> Option<Decimal> {
        self.chosen
            .as_ref()
            .map(|c| c.remaining - self.payment.amount)
    }

    fn remaining_after(&self) -> Decimal {
        self.after().unwrap_or_default().max(Decimal::ZERO)
    }

    fn overpaid_after(&self) -> Decimal {
        (-self.after().unwrap_or_default()).max(Decimal::ZERO)
    }

    fn confirm_action(&self) -> String {
        format!("{PAGE}/betalningar/{}/bekrafta", self.payment.id)
    }

    fn dismiss_action(&self) -> String {
        format!("{PAGE}/betalningar/{}/avvisa", self.payment.id)
    }

    fn choose_action(&self) -> String {
        format!("{PAGE}/betalningar/{}", self.payment.id)
    }
}

async fn decide_page(
    state: &AppState,
    ctx: Ctx,
    payment: BankPaymentRow,
    fall: Option<&str>,
    dismiss: DismissForm,
    errors: FormErrors,
) -> Result<DecidePage> {
    let cases = open_cases(state).await?;
    let proposal = propose(
        &payment.reference,
        payment.amount,
        payment.payer_bankgiro.as_deref(),
        &cases,
    );
    let proposed = proposal.case().map(|i| cases[i].clone());
    let chosen = match fall.map(str::trim).filter(|f| !f.is_empty()) {
        Some(key) => {
            let (year, org) = parse_case_key(key).ok_or(AppError::NotFound)?;
            let case = cases
                .iter()
                .find(|c| c.year == year && c.organisation_id == org)
                .cloned()
                .ok_or(AppError::NotFound)?;
            Some(case)
        }
        None => proposed.clone(),
    };
    let regions = match &chosen {
        Some(case) if payment.state == BankPaymentState::Unmatched => {
            let registered = registered_of(state, case).await?;
            let amounts: Vec<(Uuid, Decimal)> =
                registered.iter().map(|p| (p.id, p.amount)).collect();
            match confirming(payment.amount, &amounts) {
                Confirming::TheRegions(id) => registered.into_iter().find(|p| p.id == id),
                Confirming::FromTheFile => None,
            }
        }
        _ => None,
    };
    Ok(DecidePage {
        ctx,
        payment,
        proposal,
        proposed,
        chosen,
        regions,
        cases,
        dismiss,
        errors,
    })
}

#[derive(Deserialize)]
pub struct DecideQuery {
    /// The case to confirm against (`2025:<organisation>`), chosen on the page.
    fall: Option<String>,
}

/// A payment's page: what it is, what it is proposed for, what confirming it against the
/// chosen case will do, and dismissing it with a reason.
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Query(query): Query<DecideQuery>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let payment = db::payment(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let page = decide_page(
        &state,
        user.ctx,
        payment,
        query.fall.as_deref(),
        DismissForm::default(),
        FormErrors::default(),
    )
    .await?;
    render(&page)
}

/// Confirms a payment against a case, as a case officer confirms a payment by hand: the
/// region's own registration of the same amount is confirmed, or else one is registered from
/// the bank's file (in the name of the officer who read the file in) and confirmed — with the
/// bank's day, amount and reference as the voucher — in one transaction, audited, and the
/// region told.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let (year, org) = parse_case_key(&form.fall)
        .ok_or_else(|| AppError::BadRequest("Välj vilket ärende inbetalningen hör till.".into()))?;
    let mut tx = state.db.begin().await?;
    let payment = db::payment_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if payment.state != BankPaymentState::Unmatched {
        return Err(AppError::Conflict(ALREADY_DECIDED.into()));
    }
    let row = repayments_db::rows(&mut *tx, year, Some(org))
        .await?
        .into_iter()
        .next()
        .ok_or(AppError::NotFound)?;
    let (Some(case_number), Some(owed)) = (row.case_number.clone(), row.owed) else {
        return Err(AppError::Conflict(NOT_OPEN.into()));
    };
    let registered: Vec<(Uuid, Decimal)> = repayments_db::payments(&state.db, year, org)
        .await?
        .into_iter()
        .filter(|p| p.state == PaymentState::Registered)
        .map(|p| (p.id, p.amount))
        .collect();
    let how = confirming(payment.amount, &registered);
    let repayment = match how {
        Confirming::TheRegions(registration) => registration,
        Confirming::FromTheFile => {
            let registration = Uuid::new_v4();
            let reference = match payment.reference.trim() {
                r if (1..=50).contains(&r.chars().count()) => r.to_string(),
                _ => payment.bank_reference.clone(),
            };
            let paid = Payment {
                paid_on: payment.paid_on,
                amount: payment.amount,
                reference,
            };
            // Registered from the bank's file: in the name of the officer who read it in.
            if let Err(e) = repayments_db::insert_payment(
                &mut tx,
                registration,
                year,
                org,
                &paid,
                payment.imported_by,
            )
            .await
            {
                return match violated_constraint(&e) {
                    Some("repayment_payments_obligation_open") => {
                        Err(AppError::Conflict(NOT_OPEN.into()))
                    }
                    _ => Err(e.into()),
                };
            }
            audit::Entry::new(
                Some(user.id()),
                "repayment.registered",
                "repayment_payment",
                registration,
            )
            .after(json!({
                "year": year, "organisation": org, "paid_on": paid.paid_on,
                "amount": paid.amount, "reference": paid.reference,
                "owed": row.owed, "owed_from_approved_report": row.approved,
                "source": "bank_file", "bank_payment": id, "bank_file": payment.file_id,
                "registered_by": payment.imported_by,
            }))
            .record(&mut tx)
            .await?;
            registration
        }
    };
    let confirmation = Confirmation {
        received_on: payment.paid_on,
        received_amount: payment.amount,
        verification_number: payment.bank_reference.clone(),
    };
    let Some(overpayment) =
        repayments_db::confirm_payment(&mut tx, repayment, &confirmation, user.id()).await?
    else {
        return Err(AppError::Conflict(REGISTRATION_CHANGED.into()));
    };
    audit::Entry::new(
        Some(user.id()),
        "repayment.confirmed",
        "repayment_payment",
        repayment,
    )
    .before(json!({ "state": "registered", "amount": payment.amount }))
    .after(json!({
        "state": "confirmed",
        "received_on": confirmation.received_on,
        "received_amount": confirmation.received_amount,
        "verification_number": confirmation.verification_number,
        "overpayment": overpayment,
        "source": "bank_file", "bank_payment": id,
    }))
    .record(&mut tx)
    .await?;
    if !db::mark_confirmed(&mut tx, id, repayment, user.id()).await? {
        return Err(AppError::Conflict(ALREADY_DECIDED.into()));
    }
    audit::Entry::new(
        Some(user.id()),
        "bank_payment.confirmed",
        "bank_payment",
        id,
    )
    .before(json!({ "state": BankPaymentState::Unmatched }))
    .after(json!({
        "state": BankPaymentState::Confirmed, "amount": payment.amount,
        "bank_reference": payment.bank_reference, "paid_on": payment.paid_on,
        "year": year, "organisation": org, "case_number": case_number, "owed": owed,
        "repayment_payment": repayment,
        "confirmed": match how {
            Confirming::TheRegions(_) => "the_regions_registration",
            Confirming::FromTheFile => "registered_from_the_file",
        },
    }))
    .record(&mut tx)
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::RepaymentConfirmed(repayment),
    )
    .await?;
    tx.commit().await?;
    let mut message = format!(
        "{} från bankens fil är bekräftad som mottagen på återbetalningen {case_number} ({}, {year}).",
        format_kronor(payment.amount),
        row.actor_name
    );
    if overpayment {
        message.push_str(" Obs: regionen har nu betalat in mer än den är skyldig – förbered en återbetalning av överskottet till regionen.");
    }
    Ok(redirect_with_flash(PAGE, &message))
}

/// Dismisses a payment that is not a repayment, with the reason.
pub async fn dismiss(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<DismissForm>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let payment = db::payment(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if payment.state != BankPaymentState::Unmatched {
        return Err(AppError::Conflict(ALREADY_DECIDED.into()));
    }
    let reason = match form.validate() {
        Ok(reason) => reason,
        Err(errors) => {
            let page = decide_page(&state, user.ctx, payment, None, form, errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    if !db::mark_dismissed(&mut tx, id, &reason, user.id()).await? {
        return Err(AppError::Conflict(ALREADY_DECIDED.into()));
    }
    audit::Entry::new(
        Some(user.id()),
        "bank_payment.dismissed",
        "bank_payment",
        id,
    )
    .before(json!({ "state": BankPaymentState::Unmatched }))
    .after(json!({
        "state": BankPaymentState::Dismissed, "reason": reason,
        "amount": payment.amount, "bank_reference": payment.bank_reference,
        "paid_on": payment.paid_on, "payer_name": payment.payer_name,
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        PAGE,
        &format!(
            "Inbetalningen på {} ({}) är avvisad och räknas inte som en återbetalning.",
            format_kronor(payment.amount),
            payment.bank_reference
        ),
    ))
}
