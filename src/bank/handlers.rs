//! The case officer's pages for the bank's files: reading one in, the payments waiting side
//! by side (matched, unsure, unmatched), and deciding on each — confirmed against a region's
//! repayment after a page that shows what will happen, or dismissed with a reason. And the
//! payment file to the bank: the approved payouts and refunds not yet paid, a batch of them
//! checked on a page of its own before its pain.001 file is made and kept, the files made,
//! and the debtor an administrator sets.

use std::sync::Arc;

use askama::Template;
use axum::{
    Form,
    extract::{Multipart, Path, Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    db::{self, BankPaymentRow, FileRow, NewFile, NewPaymentFile, PaymentFileRow},
    model::{
        BankPaymentState, ConfirmForm, Confirming, DismissForm, Expect, Incoming, MAX_BYTES,
        OpenCase, Problem, Proposal, confirming, overpaid_by, parse_case_key, propose, read_file,
    },
    pain001::{
        self, BankDays, Debtor, Kind, Message, Payable, Selection, Settings, SettingsForm,
        Transfer, parse_selection,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    dates::format_date,
    error::{AppError, Result, violated_constraint},
    money::format_kronor,
    repayments::{
        db::{self as repayments_db, PaymentRow},
        model::{Confirmation, Payment, PaymentState},
    },
    web::{FormErrors, download_response, filters, redirect_with_flash, render, render_status},
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
    // A reference read in before is the same payment again only with the same amount and
    // day: one reference for two payments refuses the file, each named by its line.
    let clashes: Vec<Problem> = read
        .payments
        .iter()
        .filter_map(|p| {
            let k = known.iter().find(|k| k.bank_reference == p.bank_reference)?;
            (k.amount != p.amount || k.paid_on != p.paid_on).then(|| {
                Problem::new(
                    p.line,
                    format!(
                        "bankens referens {} är redan inläst för en annan betalning ({} betald {}); här är den {} betald {}. Samma referens kan inte gälla två betalningar: kontakta banken.",
                        p.bank_reference,
                        format_kronor(k.amount),
                        format_date(k.paid_on),
                        format_kronor(p.amount),
                        format_date(p.paid_on)
                    ),
                )
            })
        })
        .collect();
    if !clashes.is_empty() {
        drop(tx);
        let page = bank_page(&state, user, None, clashes, file_name).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let new: Vec<&Incoming> = read
        .payments
        .iter()
        .filter(|p| !known.iter().any(|k| k.bank_reference == p.bank_reference))
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

/// The case's payments: those the region registered and are not yet confirmed, and those
/// confirmed as received.
async fn payments_of_case(
    state: &AppState,
    case: &OpenCase,
) -> Result<(Vec<PaymentRow>, Vec<PaymentRow>)> {
    Ok(
        repayments_db::payments(&state.db, case.year, case.organisation_id)
            .await?
            .into_iter()
            .partition(|p| p.state == PaymentState::Registered),
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
    /// The chosen case's payments already confirmed as received: listed when confirming this
    /// one would make the region overpaid (it may be one of them, confirmed by hand).
    confirmed: Vec<PaymentRow>,
    cases: Vec<OpenCase>,
    dismiss: DismissForm,
    errors: FormErrors,
    /// Why confirming was refused, beside its field (`fall`, `overpayment_checked`).
    confirm_errors: FormErrors,
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

    /// Confirming would make the region overpaid: the officer checks first that the payment
    /// is not one already confirmed by hand.
    fn overpays(&self) -> bool {
        self.overpaid_after() > Decimal::ZERO
    }

    /// A confirmed payment's day, amount and voucher as received.
    fn received_on(&self, p: &PaymentRow) -> NaiveDate {
        p.received_on.unwrap_or(p.paid_on)
    }

    fn received(&self, p: &PaymentRow) -> Decimal {
        p.received_amount.unwrap_or(p.amount)
    }

    fn voucher(&self, p: &PaymentRow) -> String {
        p.verification_number.clone().unwrap_or_default()
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
    confirm_errors: FormErrors,
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
    let (regions, confirmed) = match &chosen {
        Some(case) if payment.state == BankPaymentState::Unmatched => {
            let (registered, confirmed) = payments_of_case(state, case).await?;
            let amounts: Vec<(Uuid, Decimal)> =
                registered.iter().map(|p| (p.id, p.amount)).collect();
            let regions = match confirming(payment.amount, &amounts) {
                Confirming::TheRegions(id) => registered.into_iter().find(|p| p.id == id),
                Confirming::FromTheFile => None,
            };
            (regions, confirmed)
        }
        _ => (None, vec![]),
    };
    Ok(DecidePage {
        ctx,
        payment,
        proposal,
        proposed,
        chosen,
        regions,
        confirmed,
        cases,
        dismiss,
        errors,
        confirm_errors,
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
        FormErrors::default(),
    )
    .await?;
    render(&page)
}

/// Confirms a payment against a case, as a case officer confirms a payment by hand: the
/// region's own registration of the same amount is confirmed, or else one is registered from
/// the bank's file (in the name of the officer who read the file in) and confirmed — with the
/// bank's day, amount and reference as the voucher — in one transaction, audited, and the
/// region told. A payment that would make the region overpaid (more than it still owes) is
/// confirmed only when the officer has ticked that it is not one already confirmed by hand;
/// otherwise the page comes back with the case's confirmed payments and nothing is written.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let Some((year, org)) = parse_case_key(&form.fall) else {
        let payment = db::payment(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if payment.state != BankPaymentState::Unmatched {
            return Err(AppError::Conflict(ALREADY_DECIDED.into()));
        }
        let mut errors = FormErrors::default();
        errors.add("fall", "Välj vilket ärende inbetalningen hör till.");
        let page = decide_page(
            &state,
            user.ctx,
            payment,
            None,
            DismissForm::default(),
            FormErrors::default(),
            errors,
        )
        .await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
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
    // Beyond what is still owed: perhaps the payment is already confirmed by hand. Confirmed
    // again it would be counted twice, and a refund of the surplus pay out money never sent.
    let overpaid = overpaid_by(row.balance().remaining(), payment.amount);
    if let Some(over) = overpaid
        && !form.overpayment_acknowledged()
    {
        drop(tx);
        let mut errors = FormErrors::default();
        errors.add(
            "overpayment_checked",
            format!(
                "Bekräftas inbetalningen har regionen betalat {} för mycket. Kontrollera att den inte redan är bekräftad för hand (de bekräftade betalningarna står ovan) och kryssa sedan i rutan.",
                format_kronor(over)
            ),
        );
        let page = decide_page(
            &state,
            user.ctx,
            payment,
            Some(form.fall.as_str()),
            DismissForm::default(),
            FormErrors::default(),
            errors,
        )
        .await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    // The region's registrations, read in this transaction: the one confirmed is the one seen.
    let registered: Vec<(Uuid, Decimal)> = repayments_db::payments(&mut *tx, year, org)
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
    // Confirmed as a case officer confirms by hand: the record and the region's mail too.
    let confirmed = crate::repayments::review::confirm_recorded(
        &mut tx,
        &state.config.public_url,
        (repayment, payment.amount),
        &confirmation,
        user.id(),
        json!({ "source": "bank_file", "bank_payment": id }),
    )
    .await?;
    let Some(overpayment) = confirmed else {
        return Err(AppError::Conflict(REGISTRATION_CHANGED.into()));
    };
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
        "overpaid_by": overpaid,
        "overpayment_checked": overpaid.is_some(),
    }))
    .record(&mut tx)
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
            // The page as it was: with the case it had chosen, if any.
            let chosen = form.fall.clone();
            let fall = Some(chosen.as_str()).filter(|f| parse_case_key(f).is_some());
            let page = decide_page(
                &state,
                user.ctx,
                payment,
                fall,
                form,
                errors,
                FormErrors::default(),
            )
            .await?;
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

// ---- The payment file to the bank ----

const FILE_PAGE: &str = "/handlaggning/bank/betalningsfil";
/// How many made files the page lists.
const FILES_LISTED: i64 = 50;
const BATCH_CHANGED: &str = "En vald betalning har ändrats under tiden: attesterats om, registrerats som utbetald eller skickats tillbaka. Ladda om sidan och välj igen. Inget har sparats.";

/// `/handlaggning/bank/betalningsfil`: the approved payouts and refunds not yet paid (a case
/// officer ticks a batch), the files made, and the debtor (an administrator sets it).
#[derive(Template)]
#[template(path = "bank/payment_file.html")]
struct PaymentFilePage {
    ctx: Ctx,
    /// A case officer: ticks a batch and makes its file.
    can_make: bool,
    /// An administrator: sets the debtor.
    is_admin: bool,
    today: NaiveDate,
    payable: Vec<Payable>,
    /// The days the payable would be asked to be paid on, with the bank day each moves to.
    bank_days: BankDays,
    /// The batch ticked, when the page comes back with why it was refused.
    chosen: Selection,
    files: Vec<PaymentFileRow>,
    settings: Settings,
    /// What the debtor still lacks.
    missing: Vec<&'static str>,
    form: SettingsForm,
    form_errors: FormErrors,
    /// Why the batch was refused, each payment named.
    problems: Vec<String>,
    /// A file was asked for before the debtor was set (409): `missing` says what to set.
    refused: bool,
    /// Tillväxtverket's bankgiro for incoming payments (`REPAYMENT_BANKGIRO`), as a hint.
    incoming_bankgiro: Option<String>,
}

impl PaymentFilePage {
    fn is_chosen(&self, p: &Payable) -> bool {
        self.chosen.contains(p.kind(), p.id)
    }

    /// The day the bank would be asked to pay it on, if it went in a file today (moved to
    /// the next bank day, as in the file).
    fn execution_day(&self, p: &Payable) -> NaiveDate {
        pain001::bank_day(&self.bank_days, p.execution_date(self.today))
    }

    fn total(&self) -> Decimal {
        self.payable.iter().map(|p| p.amount).sum()
    }

    fn bankgiro_hint(&self) -> String {
        let incoming = match &self.incoming_bankgiro {
            Some(bg) => format!(
                " Bankgirot som regionerna betalar tillbaka till är {bg}; utbetalningarna kan gå från samma eller ett annat."
            ),
            None => String::new(),
        };
        format!("Det bankgiro som pengarna betalas ut från, till exempel 5050-1055.{incoming}")
    }
}

async fn payment_file_page(state: &AppState, user: CurrentUser) -> Result<PaymentFilePage> {
    let settings = db::payment_file_settings(&state.db).await?;
    let today = state.clock.today();
    let payable = db::payable(&state.db).await?;
    let asked: Vec<NaiveDate> = payable.iter().map(|p| p.execution_date(today)).collect();
    Ok(PaymentFilePage {
        can_make: user.role() == Role::CaseOfficer,
        is_admin: user.user.is_admin(),
        ctx: user.ctx,
        today,
        bank_days: db::bank_days(&state.db, &asked).await?,
        payable,
        chosen: Selection::default(),
        files: db::payment_files(&state.db, FILES_LISTED).await?,
        missing: settings.missing(),
        form: SettingsForm::of(&settings),
        settings,
        form_errors: FormErrors::default(),
        problems: vec![],
        refused: false,
        incoming_bankgiro: state.config.repayment_bankgiro.number().map(str::to_string),
    })
}

pub async fn payment_file(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_staff()?;
    render(&payment_file_page(&state, user).await?)
}

/// The page again with the batch still ticked, and why no file is made: each payment that
/// may not be paid (409, 422 for a form to correct), or the debtor not set (409).
async fn batch_refused(
    state: &AppState,
    user: CurrentUser,
    chosen: Selection,
    problems: Vec<String>,
    status: StatusCode,
) -> Result<Response> {
    let mut page = payment_file_page(state, user).await?;
    page.refused = problems.is_empty();
    page.chosen = chosen;
    page.problems = problems;
    render_status(status, &page)
}

/// What the case officer confirms before the file is made: who pays, each payment as the
/// file will have it, and any already in an earlier file.
#[derive(Template)]
#[template(path = "bank/payment_file_confirm.html")]
struct ConfirmFilePage {
    ctx: Ctx,
    debtor: Debtor,
    lines: Vec<Line>,
    selection: Selection,
    total: Decimal,
    /// Why the file was not made: a payment already in an earlier file, and the box that
    /// says to make it again not ticked (beside the box, `again`).
    error: Option<String>,
}

/// A credit transfer of the file, with the earlier files its payment is already in.
struct Line {
    t: Transfer,
    files: Vec<String>,
}

impl ConfirmFilePage {
    /// The days the bank is asked to pay on.
    fn days(&self) -> Vec<NaiveDate> {
        let mut days: Vec<NaiveDate> = self.lines.iter().map(|l| l.t.execution_date).collect();
        days.dedup();
        days
    }

    fn already(&self) -> bool {
        self.lines.iter().any(|l| !l.files.is_empty())
    }

    /// The earlier files the payments are in, by their numbers: `betalningsfilen DIGIKOORD-…`.
    fn earlier_files(&self) -> String {
        let mut files: Vec<&str> = self
            .lines
            .iter()
            .flat_map(|l| l.files.iter().map(String::as_str))
            .collect();
        files.sort_unstable();
        files.dedup();
        match files.as_slice() {
            [one] => format!("betalningsfilen {one}"),
            many => format!("betalningsfilerna {}", many.join(", ")),
        }
    }
}

/// Each transfer with the files its payment is already in.
fn lines_of(transfers: Vec<Transfer>, rows: &[Payable]) -> Vec<Line> {
    transfers
        .into_iter()
        .map(|t| {
            let files = rows
                .iter()
                .find(|r| r.id == t.id && r.kind() == t.kind)
                .map(|r| r.in_files.clone())
                .unwrap_or_default();
            Line { t, files }
        })
        .collect()
}

/// The ticked batch, checked: the page that shows the file to be made, or the page again
/// with why not. Nothing is written.
pub async fn review_payment_file(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let selection = match parse_selection(&fields) {
        Ok(selection) => selection,
        Err(problem) => {
            let problems = vec![problem.to_string()];
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return batch_refused(&state, user, Selection::default(), problems, status).await;
        }
    };
    let settings = db::payment_file_settings(&state.db).await?;
    let Some(debtor) = settings.debtor() else {
        return batch_refused(&state, user, selection, vec![], StatusCode::CONFLICT).await;
    };
    let mut conn = state.db.acquire().await?;
    let rows = db::chosen(&mut conn, &selection, false).await?;
    drop(conn);
    let transfers = match pain001::batch(&rows, &selection, state.clock.today()) {
        Ok(transfers) => transfers,
        Err(problems) => {
            return batch_refused(&state, user, selection, problems, StatusCode::CONFLICT).await;
        }
    };
    // The days as the file will have them: a weekend or holiday moved to the next bank day.
    let moved = db::bank_days(&state.db, &pain001::days(&transfers)).await?;
    let transfers = pain001::on_bank_days(transfers, &moved);
    render(&ConfirmFilePage {
        ctx: user.ctx,
        debtor,
        total: pain001::total(&transfers),
        lines: lines_of(transfers, &rows),
        selection,
        error: None,
    })
}

fn payments_of(n: usize) -> String {
    match n {
        1 => "1 betalning".to_string(),
        n => format!("{n} betalningar"),
    }
}

/// Makes the batch's pain.001 file and keeps it — its number, who made it and when, its
/// checksum, count and total, and each payment in it — in one transaction with its audit
/// record. Nothing is marked paid: each payment is registered as before once the bank has
/// paid it. A payment already in an earlier file goes in another only when the officer has
/// ticked to make it again (`again=ja`): otherwise the confirmation page comes back saying
/// so, and nothing is kept.
pub async fn make_payment_file(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let selection = match parse_selection(&fields) {
        Ok(selection) => selection,
        Err(problem) => {
            let problems = vec![problem.to_string()];
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return batch_refused(&state, user, Selection::default(), problems, status).await;
        }
    };
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    let settings = db::payment_file_settings(&mut *tx).await?;
    let Some(debtor) = settings.debtor() else {
        drop(tx);
        return batch_refused(&state, user, selection, vec![], StatusCode::CONFLICT).await;
    };
    // Held until the file is kept: none is registered paid or changed meanwhile, and another
    // officer making a file of the same payments waits, then finds them in this one.
    let rows = db::chosen(&mut tx, &selection, true).await?;
    let transfers = match pain001::batch(&rows, &selection, today) {
        Ok(transfers) => transfers,
        Err(problems) => {
            drop(tx);
            return batch_refused(&state, user, selection, problems, StatusCode::CONFLICT).await;
        }
    };
    // No payment asked for on a day the bank does not pay on: a Saturday, Sunday or Swedish
    // holiday moves to the next bank day, as the confirmation page showed.
    let moved = db::bank_days(&mut *tx, &pain001::days(&transfers)).await?;
    let transfers = pain001::on_bank_days(transfers, &moved);
    let mut earlier: Vec<String> = rows.iter().flat_map(|r| r.in_files.clone()).collect();
    earlier.sort_unstable();
    earlier.dedup();
    let again = fields.iter().any(|(k, v)| k == "again" && v.trim() == "ja");
    if !earlier.is_empty() && !again {
        drop(tx);
        let mut page = ConfirmFilePage {
            ctx: user.ctx,
            debtor,
            total: pain001::total(&transfers),
            lines: lines_of(transfers, &rows),
            selection,
            error: None,
        };
        page.error = Some(format!(
            "Betalningarna finns redan i {}. Lämnas båda filerna till banken betalas de två gånger. Kryssa i rutan om den tidigare filen inte har lämnats till banken och en ny fil ska skapas ändå.",
            page.earlier_files()
        ));
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let number = db::next_payment_file_number(&mut tx).await?;
    let created = state.clock.now();
    let message_id = pain001::message_id(number, today);
    let content = pain001::xml(&Message {
        message_id: &message_id,
        created,
        debtor: &debtor,
        transfers: &transfers,
    })
    .into_bytes();
    let sha256 = hex::encode(Sha256::digest(&content));
    let total = pain001::total(&transfers);
    let id = Uuid::new_v4();
    db::insert_payment_file(
        &mut tx,
        &NewPaymentFile {
            id,
            number,
            message_id: &message_id,
            by: user.id(),
            created_at: created,
            payment_count: i32::try_from(transfers.len()).unwrap_or(i32::MAX),
            total,
            debtor_bankgiro: &debtor.bankgiro,
            sha256: &sha256,
            content: &content,
        },
    )
    .await?;
    for (i, t) in transfers.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        if let Err(e) = db::insert_payment_file_item(&mut tx, id, position, t).await {
            return match violated_constraint(&e) {
                Some("payment_file_items_approved") => {
                    Err(AppError::Conflict(BATCH_CHANGED.into()))
                }
                _ => Err(e.into()),
            };
        }
    }
    let of_kind = |kind: Kind| -> Vec<Uuid> {
        transfers
            .iter()
            .filter(|t| t.kind == kind)
            .map(|t| t.id)
            .collect()
    };
    let mut days: Vec<NaiveDate> = transfers.iter().map(|t| t.execution_date).collect();
    days.dedup();
    audit::Entry::new(Some(user.id()), "payment_file.created", "payment_file", id)
        .after(json!({
            "message_id": message_id, "filename": pain001::file_name(&message_id),
            "sha256": sha256, "payments": transfers.len(), "total": total,
            "payouts": of_kind(Kind::Payout), "refunds": of_kind(Kind::Refund),
            "end_to_end_ids": transfers.iter().map(|t| t.end_to_end_id.clone()).collect::<Vec<_>>(),
            "execution_dates": days, "debtor": debtor,
            "made_again_after": earlier,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("{FILE_PAGE}#filer"),
        &format!(
            "Betalningsfilen {message_id} är skapad: {} på sammanlagt {}. Ladda ner den under Skapade betalningsfiler och lämna den till banken. Ingen betalning är markerad som utbetald: registrera varje betalning när banken har betalat den.",
            payments_of(transfers.len()),
            format_kronor(total)
        ),
    ))
}

/// A payment file made, downloaded again byte for byte (the same SHA-256); each download is
/// audited.
pub async fn download_payment_file(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_staff()?;
    let file = db::payment_file(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = pain001::file_name(&file.message_id);
    let mut tx = state.db.begin().await?;
    audit::Entry::new(
        Some(user.id()),
        "payment_file.downloaded",
        "payment_file",
        id,
    )
    .after(json!({
        "message_id": file.message_id, "filename": name, "sha256": file.sha256,
        "payments": file.payment_count, "total": file.total,
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(download_response(
        file.content,
        pain001::CONTENT_TYPE,
        &name,
    ))
}

/// The administrator saves the debtor: audited; a field with a fault comes back beside it.
pub async fn save_payment_file_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response> {
    user.require_admin()?;
    let settings = match form.validate() {
        Ok(settings) => settings,
        Err(errors) => {
            let mut page = payment_file_page(&state, user).await?;
            page.form = form;
            page.form_errors = errors;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let before = db::save_payment_file_settings(&mut tx, &settings, user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "payment_file.settings_saved",
        "payment_file_settings",
        "debtor",
    )
    .before(json!(before))
    .after(json!(settings))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    let said = if settings.missing().is_empty() {
        "Avsändaren av betalningsfilerna är sparad. Handläggarna kan skapa betalningsfiler."
    } else {
        "Avsändaren är sparad. Det som fortfarande saknas står överst på sidan: ingen betalningsfil kan skapas förrän det är ifyllt."
    };
    Ok(redirect_with_flash(&format!("{FILE_PAGE}#avsandare"), said))
}
