//! The repayment pages: the region's obligation and payments, the case officer's list and
//! confirmation, and Tillväxtverket's account.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, OwedVersion, PaymentRow, RepaymentRow},
    model::{
        AgencyAccount, AgencyForm, ConfirmForm, PaymentForm, PaymentState, Status,
        payment_reference,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role, Scope},
    error::{AppError, Result, violated_constraint},
    money::format_input,
    programme::{
        db::{self as programme, ProgrammeYear},
        model::DeadlineStatus,
    },
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

async fn programme_year(state: &AppState, year: i32) -> Result<ProgrammeYear> {
    programme::year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)
}

/// The actor's row, if the user may see it: a coordinator only their own organisation.
async fn actor_row(
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

#[derive(Template)]
#[template(path = "repayments/show.html")]
struct ShowPage {
    ctx: Ctx,
    year: ProgrammeYear,
    row: RepaymentRow,
    today: NaiveDate,
    bankgiro: String,
    reference: Option<String>,
    payments: Vec<PaymentRow>,
    history: Vec<OwedVersion>,
    form: PaymentForm,
    errors: FormErrors,
    role: Role,
}

impl ShowPage {
    fn status(&self) -> Status {
        self.row.balance().status()
    }

    fn can_register(&self) -> bool {
        self.role == Role::Coordinator && self.status() == Status::Open
    }

    fn can_confirm(&self) -> bool {
        self.role == Role::CaseOfficer
    }

    fn deadline_status(&self) -> DeadlineStatus {
        DeadlineStatus::of(self.year.repayment_deadline, self.today)
    }

    fn days_overdue(&self) -> Option<i64> {
        self.row
            .balance()
            .days_overdue(self.today, self.year.repayment_deadline)
    }
}

async fn show_page(
    state: &AppState,
    user: CurrentUser,
    year: ProgrammeYear,
    row: RepaymentRow,
    form: Option<PaymentForm>,
    errors: FormErrors,
) -> Result<ShowPage> {
    let payments = db::payments(&state.db, year.year, row.organisation_id).await?;
    let history = db::owed_history(&state.db, year.year, row.organisation_id).await?;
    let reference = row.case_number.as_deref().map(payment_reference);
    let today = state.clock.today();
    let form = form.unwrap_or_else(|| PaymentForm {
        paid_on: today.to_string(),
        // What is left once the payments already registered are confirmed.
        amount: format_input(
            (row.balance().remaining() - row.registered).max(rust_decimal::Decimal::ZERO),
        ),
        reference: reference.clone().unwrap_or_default(),
    });
    Ok(ShowPage {
        role: user.role(),
        ctx: user.ctx,
        year,
        row,
        today,
        bankgiro: state.config.repayment_bankgiro.clone(),
        reference,
        payments,
        history,
        form,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((year, org)): Path<(i32, Uuid)>,
) -> Result<Response> {
    let row = actor_row(&state, &user, year, org).await?;
    let year = programme_year(&state, year).await?;
    render(&show_page(&state, user, year, row, None, FormErrors::default()).await?)
}

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
        Status::NotOpen => {
            return Err(AppError::Conflict(
                "Återbetalningen öppnas när er redovisning är godkänd.".into(),
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
            let page = show_page(&state, user, programme_year, row, Some(form), errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO repayment_payments (id, year, organisation_id, paid_on, amount, reference, registered_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(year)
    .bind(org)
    .bind(payment.paid_on)
    .bind(payment.amount)
    .bind(&payment.reference)
    .bind(user.id())
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        return match violated_constraint(&e) {
            Some("repayment_payments_obligation_open") => Err(AppError::Conflict(
                "Återbetalningen öppnas när er redovisning är godkänd.".into(),
            )),
            _ => Err(e.into()),
        };
    }
    audit::record(
        &mut tx,
        audit::Entry {
            actor: Some(user.id()),
            action: "repayment.registered",
            entity: "repayment_payment",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!({ "year": year, "organisation": org, "paid_on": payment.paid_on, "amount": payment.amount, "reference": payment.reference })),
        },
    )
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
            crate::money::format_kronor(payment.amount)
        ),
    ))
}

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
    let overpayment: Option<bool> = sqlx::query_scalar(
        "UPDATE repayment_payments SET state = 'confirmed', received_on = $2, received_amount = $3,
             verification_number = $4, confirmed_by = $5, confirmed_at = now()
         WHERE id = $1 AND state = 'registered'
         RETURNING overpayment",
    )
    .bind(id)
    .bind(confirmation.received_on)
    .bind(confirmation.received_amount)
    .bind(&confirmation.verification_number)
    .bind(user.id())
    .fetch_optional(&mut *tx)
    .await?;
    let Some(overpayment) = overpayment else {
        return Err(AppError::Conflict(ALREADY_CONFIRMED.into()));
    };
    audit::record(
        &mut tx,
        audit::Entry {
            actor: Some(user.id()),
            action: "repayment.confirmed",
            entity: "repayment_payment",
            entity_id: id.to_string(),
            before: Some(json!({ "state": "registered", "amount": payment.amount })),
            after: Some(json!({
                "state": "confirmed",
                "received_on": confirmation.received_on,
                "received_amount": confirmation.received_amount,
                "verification_number": confirmation.verification_number,
                "overpayment": overpayment,
            })),
        },
    )
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::RepaymentConfirmed(id),
    )
    .await?;
    tx.commit().await?;
    let mut message = format!(
        "{} från {} är bekräftad som mottagen.",
        crate::money::format_kronor(confirmation.received_amount),
        row.actor_name
    );
    if overpayment {
        message.push_str(" Obs: regionen har nu betalat in mer än den var skyldig – överskottet ska betalas tillbaka.");
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
    ar: Option<String>,
}

#[derive(Template)]
#[template(path = "repayments/list.html")]
struct ListPage {
    ctx: Ctx,
    year: ProgrammeYear,
    years: Vec<i32>,
    today: NaiveDate,
    rows: Vec<RepaymentRow>,
}

impl ListPage {
    fn days_overdue(&self, row: &RepaymentRow) -> Option<i64> {
        row.balance()
            .days_overdue(self.today, self.year.repayment_deadline)
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

    fn total_remaining(&self) -> rust_decimal::Decimal {
        self.total(|r| r.balance().remaining())
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<YearQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (year, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let rows = db::rows(&state.db, year.year, None).await?;
    render(&ListPage {
        ctx: user.ctx,
        year,
        years,
        today: state.clock.today(),
        rows,
    })
}

#[derive(Template)]
#[template(path = "repayments/account.html")]
struct AccountPage {
    ctx: Ctx,
    year: ProgrammeYear,
    years: Vec<i32>,
    account: AgencyAccount,
    warnings: Vec<String>,
    form: AgencyForm,
    errors: FormErrors,
}

/// Warnings before (and after) Tillväxtverket's own deadlines, while the step is undone.
fn account_warnings(
    account: &AgencyAccount,
    year: &ProgrammeYear,
    today: NaiveDate,
) -> Vec<String> {
    let mut warnings = Vec::new();
    let mut warn = |done: bool, deadline: NaiveDate, what: &str| {
        if done {
            return;
        }
        let status = DeadlineStatus::of(deadline, today);
        let soon = matches!(status, DeadlineStatus::DaysLeft(d) if d <= 30);
        if soon || matches!(status, DeadlineStatus::Today | DeadlineStatus::Passed(_)) {
            warnings.push(format!(
                "{what} senast {}: {}.",
                crate::dates::format_date(deadline),
                status.label().to_lowercase()
            ));
        }
    };
    warn(
        account.requisitioned.is_some(),
        year.agency_requisition_deadline,
        "Rekvisition från Kammarkollegiet",
    );
    warn(
        account.repaid.is_some(),
        year.agency_repayment_deadline,
        "Återbetalning och ekonomisk redovisning till Kammarkollegiet",
    );
    if let Some(diff) = account.repayment_difference() {
        warnings.push(format!(
            "Den registrerade återbetalningen skiljer sig från det beräknade beloppet med {}.",
            crate::money::format_kronor(diff)
        ));
    }
    warnings
}

fn account_form(account: &AgencyAccount) -> AgencyForm {
    AgencyForm {
        requisitioned: account.requisitioned.map(format_input).unwrap_or_default(),
        requisitioned_on: account
            .requisitioned_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        support_costs: format_input(account.support_costs),
        repaid: account.repaid.map(format_input).unwrap_or_default(),
        repaid_on: account.repaid_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

pub async fn account(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<YearQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (year, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let account = db::agency_account(&state.db, year.year).await?;
    render(&AccountPage {
        ctx: user.ctx,
        warnings: account_warnings(&account, &year, state.clock.today()),
        form: account_form(&account),
        year,
        years,
        account,
        errors: FormErrors::default(),
    })
}

pub async fn update_account(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
    Form(form): Form<AgencyForm>,
) -> Result<Response> {
    user.require_admin()?;
    let (year, years) = crate::programme::path_year(&state, year).await?;
    let before = db::agency_account(&state.db, year.year).await?;
    let entries = match form.validate(state.clock.today()) {
        Ok(e) => e,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AccountPage {
                    ctx: user.ctx,
                    warnings: account_warnings(&before, &year, state.clock.today()),
                    year,
                    years,
                    account: before,
                    form,
                    errors,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO agency_accounts (year, requisitioned, requisitioned_on, support_costs, repaid, repaid_on, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (year) DO UPDATE SET requisitioned = EXCLUDED.requisitioned,
             requisitioned_on = EXCLUDED.requisitioned_on, support_costs = EXCLUDED.support_costs,
             repaid = EXCLUDED.repaid, repaid_on = EXCLUDED.repaid_on,
             updated_by = EXCLUDED.updated_by, updated_at = now()",
    )
    .bind(year.year)
    .bind(entries.requisitioned.map(|(a, _)| a))
    .bind(entries.requisitioned.map(|(_, d)| d))
    .bind(entries.support_costs)
    .bind(entries.repaid.map(|(a, _)| a))
    .bind(entries.repaid.map(|(_, d)| d))
    .bind(user.id())
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor: Some(user.id()),
            action: "agency_account.updated",
            entity: "agency_account",
            entity_id: year.year.to_string(),
            before: Some(json!({
                "requisitioned": before.requisitioned, "requisitioned_on": before.requisitioned_on,
                "support_costs": before.support_costs, "repaid": before.repaid, "repaid_on": before.repaid_on,
            })),
            after: Some(json!({
                "requisitioned": entries.requisitioned, "support_costs": entries.support_costs,
                "repaid": entries.repaid,
            })),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/konto?ar={}", year.year),
        &format!("Tillväxtverkets konto för {} är sparat.", year.year),
    ))
}
