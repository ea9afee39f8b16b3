//! Tillväxtverket's side of repayments: confirming the region's payments as received,
//! the year's list, and refunding over-payments with four eyes (a case officer prepares,
//! an approver approves or sends back, the payment is registered with its voucher).

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use std::collections::HashMap;

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{
        self, InterestDecision, PaymentRow, ReferenceRate, Refund, RefundAccount, RefundStep,
        RepaymentRow,
    },
    handlers::{Forms, actor_row, programme_year, show_page},
    interest::{
        self, Decision, DecisionForm, Interest, MissingRate, RateForm, accrues, format_percent,
        half_year_label, payments_text,
    },
    model::{
        ConfirmForm, PaymentState, RefundAction, RefundForm, RefundPaidForm, payment_reference,
        received_beyond_owed, refund_reference,
    },
};
use crate::requisitions::model::case_found;
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    dates::format_date,
    error::{AppError, Result, violated_constraint},
    lists::{
        Cell, Column, Export, Header, Sort, Table, column, needs_action_first, waiting_notice,
        with_query,
    },
    money::{format_input, format_kronor},
    programme::db::ProgrammeYear,
    thread::{self, Thread},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

#[derive(Template)]
#[template(path = "repayments/confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    payment: PaymentRow,
    row: RepaymentRow,
    expected_reference: Option<String>,
    form: ConfirmForm,
    errors: FormErrors,
}

const ALREADY_CONFIRMED: &str = "Betalningen är redan bekräftad – någon annan hann före. Ladda om sidan för att se hur den står nu.";

async fn unconfirmed(
    state: &AppState,
    user: &CurrentUser,
    id: Uuid,
) -> Result<(PaymentRow, RepaymentRow)> {
    user.require_role(&[Role::CaseOfficer])?;
    let payment = db::payment(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if payment.state != PaymentState::Registered {
        return Err(AppError::Conflict(ALREADY_CONFIRMED.into()));
    }
    let row = actor_row(state, user, payment.year, payment.organisation_id).await?;
    Ok((payment, row))
}

pub async fn confirm_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let (payment, row) = unconfirmed(&state, &user, id).await?;
    let form = ConfirmForm {
        received_on: payment.paid_on.to_string(),
        received_amount: format_input(payment.amount),
        verification_number: String::new(),
    };
    render(&ConfirmPage {
        ctx: user.ctx,
        expected_reference: row.case_number.as_deref().map(payment_reference),
        payment,
        row,
        form,
        errors: FormErrors::default(),
    })
}

/// Confirms the registered payment `id` (of `amount`) as received, with its audit record and
/// the region's mail, in `tx`: the one way a repayment payment is confirmed, by hand here and
/// from the bank's file (`crate::bank`, which says so in `source`, merged into the record).
/// `None`: it is not registered any more (someone confirmed it first); else whether it took
/// the received total past what is owed.
pub(crate) async fn confirm_recorded(
    tx: &mut sqlx::PgConnection,
    public_url: &str,
    (id, amount): (Uuid, Decimal),
    confirmation: &super::model::Confirmation,
    by: Uuid,
    source: serde_json::Value,
) -> Result<Option<bool>> {
    let Some(overpayment) = db::confirm_payment(&mut *tx, id, confirmation, by).await? else {
        return Ok(None);
    };
    let mut after = json!({
        "state": "confirmed",
        "received_on": confirmation.received_on,
        "received_amount": confirmation.received_amount,
        "verification_number": confirmation.verification_number,
        "overpayment": overpayment,
    });
    if let (Some(after), serde_json::Value::Object(source)) = (after.as_object_mut(), source) {
        after.extend(source);
    }
    audit::Entry::new(Some(by), "repayment.confirmed", "repayment_payment", id)
        .before(json!({ "state": "registered", "amount": amount }))
        .after(after)
        .record(&mut *tx)
        .await?;
    crate::mail::notify(
        &mut *tx,
        public_url,
        crate::mail::Notice::RepaymentConfirmed(id),
    )
    .await?;
    Ok(Some(overpayment))
}

pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    let (payment, row) = unconfirmed(&state, &user, id).await?;
    let confirmation = match form.validate(state.clock.today()) {
        Ok(c) => c,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ConfirmPage {
                    ctx: user.ctx,
                    expected_reference: row.case_number.as_deref().map(payment_reference),
                    payment,
                    row,
                    form,
                    errors,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let confirmed = confirm_recorded(
        &mut tx,
        &state.config.public_url,
        (id, payment.amount),
        &confirmation,
        user.id(),
        json!({}),
    )
    .await?;
    let Some(overpayment) = confirmed else {
        return Err(AppError::Conflict(ALREADY_CONFIRMED.into()));
    };
    tx.commit().await?;
    let mut message = format!(
        "{} från {} är bekräftad som mottagen.",
        format_kronor(confirmation.received_amount),
        row.actor_name
    );
    if overpayment {
        message.push_str(" Obs: regionen har nu betalat in mer än den är skyldig – förbered en återbetalning av överskottet till regionen.");
    }
    Ok(redirect_with_flash(
        &format!(
            "/aterbetalningar/{}/{}",
            payment.year, payment.organisation_id
        ),
        &message,
    ))
}

#[derive(Deserialize)]
pub struct YearQuery {
    pub ar: Option<String>,
}

#[derive(Template)]
#[template(path = "repayments/list.html")]
struct ListPage {
    ctx: Ctx,
    year: ProgrammeYear,
    years: Vec<i32>,
    today: NaiveDate,
    rows: Vec<RepaymentRow>,
    refunds: Vec<Refund>,
    q: String,
    sort: Sort,
    /// How many actors have payments waiting for confirmation, shown first.
    waiting: Option<String>,
    /// What each late case's mark says of its interest, by organisation.
    interest: HashMap<Uuid, InterestMark>,
}

/// What the list says of a late case's late-payment interest (`interest.rs`).
#[derive(Clone, Debug, PartialEq, Eq)]
enum InterestMark {
    /// The interest up to today; claimed (`Some(true)`) or not yet decided (`None`).
    SoFar {
        amount: Decimal,
        claimed: Option<bool>,
    },
    /// A case officer decided not to claim it, on this day.
    Waived(NaiveDate),
    /// A half-year's reference rate is missing: the message naming it.
    Missing(String),
}

impl InterestMark {
    /// The mark of a case whose interest runs; `None` when none does.
    fn of(
        interest: &Result<Interest, MissingRate>,
        decision: Option<&InterestDecision>,
    ) -> Option<InterestMark> {
        if !accrues(interest) {
            return None;
        }
        Some(match (decision, interest) {
            (Some(d), _) if !d.claim => InterestMark::Waived(d.decided_on()),
            (_, Err(missing)) => InterestMark::Missing(missing.to_string()),
            (decision, Ok(i)) => InterestMark::SoFar {
                amount: i.amount,
                claimed: decision.map(|d| d.claim),
            },
        })
    }

    fn text(&self) -> String {
        match self {
            InterestMark::SoFar { amount, .. } => {
                format!("Dröjsmålsränta hittills: {}", format_kronor(*amount))
            }
            InterestMark::Waived(on) => format!("Ej debiteras (beslut {})", format_date(*on)),
            InterestMark::Missing(message) => message.clone(),
        }
    }

    /// Beside the amount: whether it is claimed.
    fn note(&self) -> &'static str {
        match self {
            InterestMark::SoFar {
                claimed: Some(true),
                ..
            } => "debiteras",
            InterestMark::SoFar { claimed: None, .. } => "beslut saknas",
            _ => "",
        }
    }

    fn class(&self) -> &'static str {
        match self {
            InterestMark::SoFar { .. } => "interest-so-far",
            InterestMark::Waived(_) => "interest-waived",
            InterestMark::Missing(_) => "interest-missing-rate",
        }
    }
}

/// The staff list's query: the year, a search by case number or actor, and the order.
#[derive(Deserialize)]
pub struct ListQuery {
    ar: Option<String>,
    /// A case number or an actor's name, or part of one.
    q: Option<String>,
    /// `sortera=<kolumn>`, `ordning=fallande`: the list sorted by one of its columns.
    sortera: Option<String>,
    ordning: Option<String>,
    /// `csv` or `xlsx`: the list as shown, to download.
    format: Option<String>,
    /// `tillbakabetalningar`: download the refunds under way instead.
    lista: Option<String>,
}

fn list_link(year: i32, q: &str) -> String {
    if q.trim().is_empty() {
        format!("?ar={year}")
    } else {
        format!("?ar={year}&q={}", crate::web::url_encode(q.trim()))
    }
}

/// The list's columns in the order of its exports.
const LIST_COLUMNS: [Column; 10] = [
    column("arende", "Ärende"),
    column("aktor", "Aktör"),
    column("lage", "Läge"),
    column("att-aterbetala", "Att återbetala"),
    column("registrerat", "Registrerat"),
    column("mottaget", "Mottaget"),
    column("aterbetalt", "Återbetalt till regionen"),
    column("kvar", "Kvar"),
    column("skyldigt", "Skyldigt regionen"),
    column("sista-dag", "Sista dag"),
];

/// An actor's row as on the page: its figures, and what it is sorted by.
fn list_cells(row: &RepaymentRow) -> Vec<Cell> {
    let balance = row.balance();
    vec![
        Cell::text(row.case_number.as_deref().unwrap_or_default()),
        Cell::text(&row.actor_name),
        Cell::text(balance.status().label()),
        Cell::amount(row.owed),
        Cell::Amount(row.registered),
        Cell::Amount(row.received),
        Cell::Amount(row.refunded),
        Cell::Amount(balance.remaining()),
        Cell::Amount(balance.overpaid()),
        Cell::Date(row.deadline),
    ]
}

/// The refunds to regions under way, as listed above the table.
const REFUND_COLUMNS: [Column; 5] = [
    column("aktor", "Aktör"),
    column("ar", "År"),
    column("belopp", "Belopp"),
    column("lage", "Läge"),
    column("forberedd-av", "Förberedd av"),
];

fn refund_cells(r: &Refund) -> Vec<Cell> {
    vec![
        Cell::text(&r.actor_name),
        Cell::Number(i64::from(r.year)),
        Cell::Amount(r.amount),
        Cell::text(r.state.label()),
        Cell::text(&r.prepared_by_name),
    ]
}

impl ListPage {
    /// This list without its search.
    fn link(&self) -> String {
        with_query(&list_link(self.year.year, ""), &self.sort.query())
    }

    /// The heading of the column `key`: a link that sorts the list by it.
    fn heading(&self, key: &'static str) -> Header {
        let heading = LIST_COLUMNS
            .iter()
            .find(|c| c.key == key)
            .map_or(key, |c| c.heading);
        self.sort
            .header(&list_link(self.year.year, &self.q), column(key, heading))
    }

    fn caption(&self) -> String {
        match self.sort.describe(&LIST_COLUMNS) {
            Some(order) => format!("Återbetalningar {}. {order}", self.year.year),
            None if self.waiting.is_some() => format!(
                "Återbetalningar {}, betalningar att bekräfta först",
                self.year.year
            ),
            None => format!("Återbetalningar {}", self.year.year),
        }
    }

    /// What the list shows, as CSV or XLSX.
    fn export_link(&self, format: &str) -> String {
        let shown = with_query(&list_link(self.year.year, &self.q), &self.sort.query());
        format!(
            "/handlaggning/aterbetalningar{}",
            with_query(&shown, &format!("format={format}"))
        )
    }

    fn refunds_export_link(&self, format: &str) -> String {
        format!(
            "/handlaggning/aterbetalningar{}",
            with_query(
                &list_link(self.year.year, &self.q),
                &format!("lista=tillbakabetalningar&format={format}")
            )
        )
    }

    fn days_overdue(&self, row: &RepaymentRow) -> Option<i64> {
        row.days_overdue(self.today)
    }

    fn interest_mark(&self, row: &RepaymentRow) -> Option<&InterestMark> {
        self.interest.get(&row.organisation_id)
    }

    fn interest_export_link(&self) -> String {
        format!(
            "/handlaggning/aterbetalningar/{}/drojsmalsranta.csv",
            self.year.year
        )
    }

    fn total(&self, f: fn(&RepaymentRow) -> rust_decimal::Decimal) -> rust_decimal::Decimal {
        self.rows.iter().map(f).sum()
    }

    fn total_owed(&self) -> rust_decimal::Decimal {
        self.total(|r| r.balance().owed_or_zero())
    }

    fn total_registered(&self) -> rust_decimal::Decimal {
        self.total(|r| r.registered)
    }

    fn total_received(&self) -> rust_decimal::Decimal {
        self.total(|r| r.received)
    }

    fn total_refunded(&self) -> rust_decimal::Decimal {
        self.total(|r| r.refunded)
    }

    fn total_overpaid(&self) -> rust_decimal::Decimal {
        self.total(|r| r.balance().overpaid())
    }

    fn total_remaining(&self) -> rust_decimal::Decimal {
        self.total(|r| r.balance().remaining())
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (year, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let q = query.q.unwrap_or_default();
    let mut rows: Vec<RepaymentRow> = db::rows(&state.db, year.year, None)
        .await?
        .into_iter()
        .filter(|r| case_found(&q, r.case_number.as_deref(), &r.actor_name))
        .collect();
    let sort = Sort::read(
        query.sortera.as_deref(),
        query.ordning.as_deref(),
        &LIST_COLUMNS,
    );
    sort.apply(&mut rows, &LIST_COLUMNS, list_cells);
    // The queue opens on the payments a case officer is to confirm.
    let waiting = if sort.is_default() {
        waiting_notice(needs_action_first(&mut rows, |r| r.unconfirmed > 0))
    } else {
        None
    };
    // The refunds under way, found by their actor as the list's rows are.
    let refunds: Vec<Refund> = db::refunds_in_progress(&state.db)
        .await?
        .into_iter()
        .filter(|r| case_found(&q, None, &r.actor_name))
        .collect();
    if let Some(export) = Export::read(query.format.as_deref()) {
        if query.lista.as_deref() == Some("tillbakabetalningar") {
            return Table::new(&REFUND_COLUMNS, refunds.iter().map(refund_cells)).download(
                export,
                "tillbakabetalningar",
                "Återbetalningar till regioner under arbete",
            );
        }
        return Table::new(&LIST_COLUMNS, rows.iter().map(list_cells)).download(
            export,
            &format!("aterbetalningar-{}", year.year),
            &format!("Återbetalningar {}", year.year),
        );
    }
    let today = state.clock.today();
    let inputs = db::interest_inputs(&state.db, year.year, None).await?;
    let interest = rows
        .iter()
        .filter_map(|row| {
            let so_far = inputs.interest(row, today)?;
            InterestMark::of(&so_far, inputs.decision(row.organisation_id))
                .map(|mark| (row.organisation_id, mark))
        })
        .collect();
    render(&ListPage {
        ctx: user.ctx,
        year,
        years,
        today,
        rows,
        refunds,
        q,
        sort,
        waiting,
        interest,
    })
}

// ---- Late-payment interest: the decision, the export, the reference rates ----

const NOTHING_TO_CLAIM: &str =
    "Regionen har inget att återbetala för året, och då finns ingen dröjsmålsränta att besluta om.";

const PAID_IN_TIME: &str = "Ingen dröjsmålsränta löper i ärendet: inget av det som ska återbetalas har kommit in för sent. Det finns inget att besluta om.";

/// What a decision on a case's interest will do, before it is made.
#[derive(Template)]
#[template(path = "repayments/interest_confirm.html")]
struct InterestConfirmPage {
    ctx: Ctx,
    year: i32,
    row: RepaymentRow,
    form: DecisionForm,
    decision: Decision,
    /// The interest up to today.
    interest: Option<Result<Interest, MissingRate>>,
    /// The decision it replaces.
    before: Option<InterestDecision>,
}

impl InterestConfirmPage {
    fn interest_so_far(&self) -> Option<&Interest> {
        match &self.interest {
            Some(Ok(i)) => Some(i),
            _ => None,
        }
    }

    fn interest_missing(&self) -> Option<String> {
        match &self.interest {
            Some(Err(missing)) => Some(missing.to_string()),
            _ => None,
        }
    }

    fn action(&self) -> String {
        format!(
            "{}/drojsmalsranta",
            page_of(self.year, self.row.organisation_id)
        )
    }

    fn page(&self) -> String {
        page_of(self.year, self.row.organisation_id)
    }
}

/// A case officer decides whether the case's late-payment interest is claimed, with a
/// reason: first shown what it does (`confirmed` empty), then made (`confirmed=ja`), in
/// one transaction with its audit record. A new decision replaces the last; the schema
/// keeps every version.
pub async fn decide_interest(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((year, org)): Path<(i32, Uuid)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let row = actor_row(&state, &user, year, org).await?;
    if row.owed.is_none_or(|owed| owed <= Decimal::ZERO) {
        return Err(AppError::Conflict(NOTHING_TO_CLAIM.into()));
    }
    let today = state.clock.today();
    let inputs = db::interest_inputs(&state.db, year, Some(org)).await?;
    let interest = inputs.interest(&row, today);
    if !interest.as_ref().is_some_and(accrues) {
        return Err(AppError::Conflict(PAID_IN_TIME.into()));
    }
    let decision = match form.validate() {
        Ok(decision) => decision,
        Err(errors) => {
            let programme_year = programme_year(&state, year).await?;
            let forms = Forms {
                interest: Some(form),
                errors,
                ..Forms::default()
            };
            let page = show_page(&state, user, programme_year, row, forms).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    if !form.confirmed() {
        return render(&InterestConfirmPage {
            ctx: user.ctx,
            year,
            before: inputs.decision(org).cloned(),
            row,
            form,
            decision,
            interest,
        });
    }
    let so_far = match &interest {
        Some(Ok(i)) => Some(i.amount),
        _ => None,
    };
    let mut tx = state.db.begin().await?;
    let before =
        db::decide_interest(&mut tx, year, org, &decision, user.id(), state.clock.now()).await?;
    audit::Entry::new(
        Some(user.id()),
        "late_interest.decided",
        "interest_decision",
        format!("{year}/{org}"),
    )
    .before(before.map(|(claim, reason)| json!({ "claim": claim, "reason": reason })))
    .after(json!({
        "year": year, "organisation": org, "actor_name": row.actor_name,
        "claim": decision.claim, "reason": decision.reason,
        "due": row.interest_due(), "computed_to": today, "interest_so_far": so_far,
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    let said = match (decision.claim, so_far) {
        (true, Some(amount)) => format!(
            "Beslutet är sparat: dröjsmålsräntan debiteras {} – hittills {}. Regionen ser räntan på sidan om återbetalningen.",
            row.actor_name,
            format_kronor(amount)
        ),
        (true, None) => format!(
            "Beslutet är sparat: dröjsmålsräntan debiteras {}. Regionen ser räntan på sidan om återbetalningen när den kan räknas ut.",
            row.actor_name
        ),
        (false, _) => format!(
            "Beslutet är sparat: dröjsmålsräntan debiteras inte {}.",
            row.actor_name
        ),
    };
    Ok(redirect_with_flash(&page_of(year, org), &said))
}

/// The claims of late-payment interest, one row per late case of the year.
const INTEREST_COLUMNS: [Column; 11] = [
    column("aktor", "Aktör"),
    column("arende", "Ärende"),
    column("kapital", "Kapitalbelopp"),
    column("forfallodag", "Förfallodag"),
    column("betalningar", "Mottagna betalningar"),
    column("dagar", "Dagar med ränta"),
    column("rantesats", "Räntesats (referensränta + 8 procentenheter)"),
    column("ranta", "Dröjsmålsränta"),
    column("beslut", "Beslut"),
    column("fordran", "Fordran"),
    column("berakning", "Beräknad till och med"),
];

fn interest_cells(
    row: &RepaymentRow,
    received: &[(NaiveDate, Decimal)],
    interest: &Result<Interest, MissingRate>,
    decision: Option<&InterestDecision>,
) -> Vec<Cell> {
    let (days, rates, amount, through) = match interest {
        Ok(i) => (
            Cell::Number(i.days),
            Cell::text(i.rates_text()),
            Cell::Amount(i.amount),
            Cell::date(i.through()),
        ),
        Err(missing) => (
            Cell::Empty,
            Cell::text(missing.to_string()),
            Cell::Empty,
            Cell::Empty,
        ),
    };
    let claimed = match (decision, interest) {
        (Some(d), Ok(i)) if d.claim => Cell::Amount(i.amount),
        (Some(d), _) if !d.claim => Cell::Amount(Decimal::ZERO),
        _ => Cell::Empty,
    };
    let said = match decision {
        Some(d) => format!("{} ({}): {}", d.label(), d.decided_on(), d.reason),
        None => "Inget beslut".to_string(),
    };
    vec![
        Cell::text(&row.actor_name),
        Cell::text(row.case_number.as_deref().unwrap_or_default()),
        Cell::amount(row.owed),
        Cell::Date(row.interest_due()),
        Cell::text(payments_text(received)),
        days,
        rates,
        amount,
        Cell::text(said),
        claimed,
        through,
    ]
}

/// The year's claims of late-payment interest as CSV, apart from the repayments: every
/// case on which interest runs, its figures up to today and the decision on it.
pub async fn interest_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
) -> Result<Response> {
    user.require_staff()?;
    let programme_year = programme_year(&state, year).await?;
    let today = state.clock.today();
    let rows = db::rows(&state.db, programme_year.year, None).await?;
    let inputs = db::interest_inputs(&state.db, programme_year.year, None).await?;
    let lines: Vec<Vec<Cell>> = rows
        .iter()
        .filter_map(|row| {
            let received = inputs.received_by(row.organisation_id);
            let interest = row.late_interest(&received, today, &inputs.rates)?;
            accrues(&interest).then(|| {
                interest_cells(
                    row,
                    &received,
                    &interest,
                    inputs.decision(row.organisation_id),
                )
            })
        })
        .collect();
    Table::new(&INTEREST_COLUMNS, lines).download(
        Export::Csv,
        &format!("drojsmalsranta-{}", programme_year.year),
        &format!("Dröjsmålsränta {}", programme_year.year),
    )
}

/// The administrator's page of Riksbanken's reference rates, one per half-year.
#[derive(Template)]
#[template(path = "repayments/reference_rates.html")]
struct RatesPage {
    ctx: Ctx,
    rates: Vec<ReferenceRate>,
    form: RateForm,
    errors: FormErrors,
}

pub async fn reference_rates(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let rates = db::reference_rates(&state.db).await?;
    render(&RatesPage {
        ctx: user.ctx,
        rates,
        form: RateForm::for_day(state.clock.today()),
        errors: FormErrors::default(),
    })
}

/// Sets (or corrects) a half-year's reference rate; audited with what it was.
pub async fn set_reference_rate(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<RateForm>,
) -> Result<Response> {
    user.require_admin()?;
    let (start, rate) = match form.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            let rates = db::reference_rates(&state.db).await?;
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &RatesPage {
                    ctx: user.ctx,
                    rates,
                    form,
                    errors,
                },
            );
        }
    };
    let late_rate = rate + interest::ADDED_POINTS;
    let mut tx = state.db.begin().await?;
    let before = db::set_reference_rate(&mut tx, start, rate, user.id(), state.clock.now()).await?;
    audit::Entry::new(
        Some(user.id()),
        "reference_rate.set",
        "reference_rate",
        start,
    )
    .before(before.map(|r| json!({ "half_year_start": start, "rate": r })))
    .after(json!({
        "half_year_start": start, "rate": rate, "late_interest_rate": late_rate,
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    let mut said = format!(
        "Referensräntan för {} är {}; dröjsmålsräntan är då {}.",
        half_year_label(start),
        format_percent(rate),
        format_percent(late_rate)
    );
    if let Some(was) = before.filter(|was| *was != rate) {
        said.push_str(&format!(
            " Den var {}: räntan i ärendena räknas nu med den nya.",
            format_percent(was)
        ));
    }
    Ok(redirect_with_flash("/admin/referensranta", &said))
}

const REFUND_HANDLED: &str = "Återbetalningen till regionen har redan hanterats – någon annan hann före. Ladda om sidan för att se hur den står nu.";
const REFUND_FOUR_EYES: &str = "Du har själv förberett den här återbetalningen. En annan person måste attestera den (principen om fyra ögon).";
const REFUND_NOT_APPROVED: &str = "Inget betalas tillbaka till regionen förrän dess redovisning är godkänd: vad regionen är skyldig vilar i dag på en redovisning som ingen har godkänt och kan ändras.";
const REFUND_TOO_MUCH: &str = "Beloppet är mer än det regionen har betalat in för mycket och som inte redan ska betalas tillbaka. Ladda om sidan och försök igen.";

fn page_of(year: i32, org: Uuid) -> String {
    format!("/aterbetalningar/{year}/{org}")
}

/// A case officer prepares the refund of (part of) an over-payment.
pub async fn prepare_refund(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((year, org)): Path<(i32, Uuid)>,
    Form(form): Form<RefundForm>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let row = actor_row(&state, &user, year, org).await?;
    if !row.balance().approved {
        return Err(AppError::Conflict(REFUND_NOT_APPROVED.into()));
    }
    let programme_year = programme_year(&state, year).await?;
    let (amount, planned_date) =
        match form.validate(row.balance().refundable(), state.clock.today()) {
            Ok(v) => v,
            Err(errors) => {
                let forms = Forms {
                    refund: Some(form),
                    errors,
                    ..Forms::default()
                };
                let page = show_page(&state, user, programme_year, row, forms).await?;
                return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
            }
        };
    let id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    if let Err(e) = db::insert_refund(&mut tx, id, year, org, amount, planned_date, user.id()).await
    {
        return match violated_constraint(&e) {
            Some("refunds_within_overpayment") => Err(AppError::Conflict(REFUND_TOO_MUCH.into())),
            Some("refunds_rest_on_approved_report") => {
                Err(AppError::Conflict(REFUND_NOT_APPROVED.into()))
            }
            _ => Err(e.into()),
        };
    }
    audit::Entry::new(Some(user.id()), "refund.prepared", "refund", id)
        .after(json!({
            "year": year, "organisation": org, "amount": amount, "planned_date": planned_date,
            "overpaid": row.balance().overpaid(),
        }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::RefundPrepared(id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &page_of(year, org),
        &format!(
            "Återbetalningen på {} till {} är förberedd. En attestant ska nu attestera den.",
            format_kronor(amount),
            row.actor_name
        ),
    ))
}

async fn refund_in(state: &AppState, id: Uuid, action: RefundAction) -> Result<Refund> {
    let refund = db::refund(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if !action.allowed(refund.state) {
        return Err(AppError::Conflict(REFUND_HANDLED.into()));
    }
    Ok(refund)
}

/// One step of a refund, in one transaction with its audit record.
async fn step(
    state: &AppState,
    user: &CurrentUser,
    refund: &Refund,
    step: RefundStep<'_>,
) -> Result<()> {
    let action = step.action();
    let mut tx = state.db.begin().await?;
    let moved = match db::step_refund(&mut tx, refund.id, &step, user.id()).await {
        Ok(moved) => moved,
        Err(e) => {
            return Err(match violated_constraint(&e) {
                Some("refunds_within_overpayment") => AppError::Conflict(REFUND_TOO_MUCH.into()),
                Some("refunds_rest_on_approved_report") => {
                    AppError::Conflict(REFUND_NOT_APPROVED.into())
                }
                _ => e.into(),
            });
        }
    };
    if !moved {
        return Err(AppError::Conflict(REFUND_HANDLED.into()));
    }
    let after = match step {
        RefundStep::Approve => json!({ "state": action.target() }),
        RefundStep::SendBack { reason } => json!({ "state": action.target(), "reason": reason }),
        RefundStep::RegisterPaid { paid_date, voucher } => json!({
            "state": action.target(), "paid_date": paid_date, "voucher_number": voucher,
            "amount": refund.amount,
        }),
    };
    audit::Entry::new(Some(user.id()), action.audit(), "refund", refund.id)
        .before(json!({ "state": refund.state, "amount": refund.amount }))
        .after(after)
        .record(&mut tx)
        .await?;
    // Attesting grants the refund: decided by the approver, presented by its preparer.
    if action == RefundAction::Approve {
        crate::records::db::record_refund_approved(&mut tx, refund, user.id()).await?;
    }
    if action == RefundAction::RegisterPaid {
        crate::mail::notify(
            &mut tx,
            &state.config.public_url,
            crate::mail::Notice::RefundPaid(refund.id),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The approver's page before attesting a refund: to whom, to which account, with which
/// reference, how much and on what it rests, who prepared it, and what the case says —
/// then *Attestera*.
#[derive(Template)]
#[template(path = "repayments/attest_refund.html")]
struct AttestRefundPage {
    ctx: Ctx,
    refund: Refund,
    row: RepaymentRow,
    account: Option<RefundAccount>,
    messages: Vec<thread::Message>,
}

impl AttestRefundPage {
    fn reference(&self) -> Option<String> {
        self.account
            .as_ref()
            .map(|a| refund_reference(&a.case_number))
    }

    fn owed(&self) -> rust_decimal::Decimal {
        self.row.balance().owed_or_zero()
    }

    /// Received beyond what is owed: what the refund rests on.
    fn paid_too_much(&self) -> rust_decimal::Decimal {
        received_beyond_owed(self.row.received, self.owed())
    }
}

pub async fn approve_refund_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(&[Role::Approver])?;
    let refund = db::refund(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if refund.prepared_by == user.id() {
        return Err(AppError::Refused(REFUND_FOUR_EYES.into()));
    }
    if !RefundAction::Approve.allowed(refund.state) {
        return Err(AppError::Conflict(REFUND_HANDLED.into()));
    }
    let row = actor_row(&state, &user, refund.year, refund.organisation_id).await?;
    let account = db::refund_account(&state.db, refund.year, refund.organisation_id).await?;
    let messages = match row.requisition_id {
        Some(case) => thread::messages(&state.db, Thread::Repayment(case)).await?,
        None => vec![],
    };
    render(&AttestRefundPage {
        ctx: user.ctx,
        refund,
        row,
        account,
        messages,
    })
}

pub async fn approve_refund(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(&[Role::Approver])?;
    let refund = refund_in(&state, id, RefundAction::Approve).await?;
    if refund.prepared_by == user.id() {
        return Err(AppError::Refused(REFUND_FOUR_EYES.into()));
    }
    step(&state, &user, &refund, RefundStep::Approve).await?;
    Ok(redirect_with_flash(
        &page_of(refund.year, refund.organisation_id),
        &format!(
            "Återbetalningen på {} till {} är attesterad. Registrera betalningen när den är gjord.",
            format_kronor(refund.amount),
            refund.actor_name
        ),
    ))
}

#[derive(Deserialize)]
pub struct SendBackForm {
    #[serde(default)]
    reason: String,
}

pub async fn send_back_refund(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<SendBackForm>,
) -> Result<Response> {
    user.require_role(&[Role::Approver])?;
    let refund = refund_in(&state, id, RefundAction::SendBack).await?;
    if refund.prepared_by == user.id() {
        return Err(AppError::Refused(REFUND_FOUR_EYES.into()));
    }
    let reason = form.reason.trim();
    if reason.is_empty() || reason.chars().count() > 5000 {
        let row = actor_row(&state, &user, refund.year, refund.organisation_id).await?;
        let programme_year = programme_year(&state, refund.year).await?;
        let mut errors = FormErrors::default();
        errors.add(
            "reason",
            "Skriv varför återbetalningen skickas tillbaka (högst 5000 tecken).",
        );
        let forms = Forms {
            errors,
            ..Forms::default()
        };
        let page = show_page(&state, user, programme_year, row, forms).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    step(&state, &user, &refund, RefundStep::SendBack { reason }).await?;
    Ok(redirect_with_flash(
        &page_of(refund.year, refund.organisation_id),
        &format!(
            "Återbetalningen på {} till {} är skickad tillbaka till handläggaren.",
            format_kronor(refund.amount),
            refund.actor_name
        ),
    ))
}

pub async fn register_refund_paid(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<RefundPaidForm>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer, Role::Approver])?;
    let refund = refund_in(&state, id, RefundAction::RegisterPaid).await?;
    let (paid_date, voucher) = match form.validate(state.clock.today()) {
        Ok(v) => v,
        Err(errors) => {
            let row = actor_row(&state, &user, refund.year, refund.organisation_id).await?;
            let programme_year = programme_year(&state, refund.year).await?;
            let forms = Forms {
                refund_paid: Some(form),
                errors,
                ..Forms::default()
            };
            let page = show_page(&state, user, programme_year, row, forms).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    step(
        &state,
        &user,
        &refund,
        RefundStep::RegisterPaid {
            paid_date,
            voucher: &voucher,
        },
    )
    .await?;
    Ok(redirect_with_flash(
        &page_of(refund.year, refund.organisation_id),
        &format!(
            "Återbetalningen på {} till {} är registrerad som betald.",
            format_kronor(refund.amount),
            refund.actor_name
        ),
    ))
}
