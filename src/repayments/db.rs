//! Reading repayments and Tillväxtverket's account. The sums are made here in one query
//! per page; the rules on them live in `model.rs`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    interest::{self, Interest, MissingRate},
    model::{
        AgencyAccount, AgencyEntries, Balance, Confirmation, Payment, PaymentState, RefundAction,
        RefundState,
    },
};
use crate::{
    reports::model::ReportState,
    requisitions::model::{PayoutState, RequisitionState},
};

/// An actor's repayment for a year, with the sums of its payments.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RepaymentRow {
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub case_number: Option<String>,
    /// The year's approved requisition: the case the repayment and its thread belong to.
    pub requisition_id: Option<Uuid>,
    pub owed: Option<Decimal>,
    pub approved: bool,
    pub registered: Decimal,
    pub received: Decimal,
    pub refunded: Decimal,
    pub refunding: Decimal,
    pub unconfirmed: i64,
    pub opened_on: Option<NaiveDate>,
    /// The actor's repayment deadline: the year's, or its extension.
    pub deadline: NaiveDate,
    pub extended: bool,
}

impl RepaymentRow {
    pub fn balance(&self) -> Balance {
        Balance {
            owed: self.owed,
            approved: self.approved,
            registered: self.registered,
            received: self.received,
            refunded: self.refunded,
            refunding: self.refunding,
            opened_on: self.opened_on,
        }
    }

    pub fn days_overdue(&self, today: NaiveDate) -> Option<i64> {
        self.balance().days_overdue(today, self.deadline)
    }

    /// The day the unpaid amount falls due as a claim: the actor's repayment deadline
    /// (effective, extension included), whenever its report came in; interest runs from
    /// the day after (`interest.rs`). The reminder names the same day.
    pub fn interest_due(&self) -> NaiveDate {
        self.deadline
    }

    /// The late-payment interest on what is owed, paid by `received` (day and amount
    /// received), counted up to `until`; `None` when nothing is owed.
    pub fn late_interest(
        &self,
        received: &[(NaiveDate, Decimal)],
        until: NaiveDate,
        rates: &[(NaiveDate, Decimal)],
    ) -> Option<Result<Interest, MissingRate>> {
        let owed = self.owed.filter(|o| *o > Decimal::ZERO)?;
        Some(interest::late_interest(
            owed,
            self.interest_due(),
            received,
            until,
            rates,
        ))
    }
}

/// Every actor of the year (or one organisation's), in one query.
pub async fn rows(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    only: Option<Uuid>,
) -> sqlx::Result<Vec<RepaymentRow>> {
    // Set-based: each table is read once for the year, not once per actor (the SQL
    // functions repayment_owed, repayment_opened_on and actor_deadline say the same per
    // actor, and a test holds the two to the same figures). One organisation's rows are
    // asked for in a text of their own, so the cached plan reads that organisation only.
    let (only_filter, actor_filter) = if only.is_some() {
        ("AND organisation_id = $2", "AND a.organisation_id = $2")
    } else {
        ("AND $2::uuid IS NULL", "AND $2::uuid IS NULL")
    };
    sqlx::query_as(&format!(
        "WITH opened AS (
              SELECT organisation_id,
                     (min(first_submitted_at) AT TIME ZONE 'Europe/Stockholm')::date AS opened_on
              FROM reports
              WHERE year = $1 {only_filter}
              GROUP BY organisation_id
         ), pay AS (
              SELECT organisation_id,
                     sum(amount) FILTER (WHERE state = $4) AS registered,
                     sum(received_amount) FILTER (WHERE state = $5) AS received,
                     count(*) FILTER (WHERE state = $4) AS unconfirmed
              FROM repayment_payments
              WHERE year = $1 {only_filter}
              GROUP BY organisation_id
         ), ref AS (
              SELECT organisation_id,
                     sum(amount) FILTER (WHERE state = $6) AS refunded,
                     sum(amount) FILTER (WHERE state = ANY($7)) AS refunding
              FROM refunds
              WHERE year = $1 {only_filter}
              GROUP BY organisation_id
         )
         SELECT a.organisation_id, a.actor_name, req.case_number, req.id AS requisition_id,
                rep.owed, COALESCE(rep.approved, false) AS approved,
                COALESCE(pay.registered, 0) AS registered, COALESCE(pay.received, 0) AS received,
                COALESCE(ref.refunded, 0) AS refunded, COALESCE(ref.refunding, 0) AS refunding,
                COALESCE(pay.unconfirmed, 0) AS unconfirmed,
                opened.opened_on,
                d.repayment_due AS deadline,
                COALESCE(d.repayment_extended_to > y.repayment_deadline, false) AS extended
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         JOIN actor_deadlines d ON d.year = y.year AND d.organisation_id = a.organisation_id
         LEFT JOIN requisitions req ON req.year = y.year AND req.organisation_id = a.organisation_id
              AND req.state = $3
         LEFT JOIN repayment_owed_per_actor rep ON rep.year = y.year
              AND rep.organisation_id = a.organisation_id
         LEFT JOIN opened ON opened.organisation_id = a.organisation_id
         LEFT JOIN pay ON pay.organisation_id = a.organisation_id
         LEFT JOIN ref ON ref.organisation_id = a.organisation_id
         WHERE y.year = $1 {actor_filter}
         ORDER BY a.actor_name"
    ))
    .bind(year)
    .bind(only)
    .bind(RequisitionState::Approved)
    .bind(PaymentState::Registered)
    .bind(PaymentState::Confirmed)
    .bind(RefundState::Paid)
    .bind(RefundState::UNDER_WAY.to_vec())
    .fetch_all(db)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentRow {
    pub id: Uuid,
    pub year: i32,
    pub organisation_id: Uuid,
    pub state: super::model::PaymentState,
    pub paid_on: NaiveDate,
    pub amount: Decimal,
    pub reference: String,
    pub registered_by_name: String,
    pub registered_at: DateTime<Utc>,
    pub received_on: Option<NaiveDate>,
    pub received_amount: Option<Decimal>,
    pub verification_number: Option<String>,
    pub confirmed_by_name: Option<String>,
    pub overpayment: bool,
}

const SELECT_PAYMENT: &str = "
    SELECT p.id, p.year, p.organisation_id, p.state, p.paid_on, p.amount, p.reference,
           r.name AS registered_by_name, p.registered_at, p.received_on, p.received_amount,
           p.verification_number, c.name AS confirmed_by_name, p.overpayment
    FROM repayment_payments p
    JOIN users r ON r.id = p.registered_by
    LEFT JOIN users c ON c.id = p.confirmed_by";

pub async fn payments(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Vec<PaymentRow>> {
    sqlx::query_as(&format!(
        "{SELECT_PAYMENT} WHERE p.year = $1 AND p.organisation_id = $2 ORDER BY p.paid_on, p.registered_at"
    ))
    .bind(year)
    .bind(organisation)
    .fetch_all(db)
    .await
}

pub async fn payment(db: &PgPool, id: Uuid) -> sqlx::Result<Option<PaymentRow>> {
    sqlx::query_as(&format!("{SELECT_PAYMENT} WHERE p.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// How the amount owed has moved: one line per submitted report version.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OwedVersion {
    pub report_id: Uuid,
    pub version: i32,
    pub state: ReportState,
    pub submitted_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub unused: Decimal,
}

pub async fn owed_history(
    db: &PgPool,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Vec<OwedVersion>> {
    sqlx::query_as(
        "SELECT id AS report_id, version, state, submitted_at, approved_at, owed AS unused
         FROM report_owed
         WHERE year = $1 AND organisation_id = $2 ORDER BY version",
    )
    .bind(year)
    .bind(organisation)
    .fetch_all(db)
    .await
}

/// Tillväxtverket's account for a year: what an administrator registered, and the sums —
/// in one query, so the figures are of one moment.
pub async fn agency_account(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
) -> sqlx::Result<AgencyAccount> {
    #[derive(sqlx::FromRow)]
    struct Row {
        paid_out: Decimal,
        received: Decimal,
        refunded: Decimal,
        owed_to_regions: Decimal,
        counted: Decimal,
        requisitioned: Option<Decimal>,
        requisitioned_on: Option<NaiveDate>,
        support_costs: Decimal,
        repaid: Option<Decimal>,
        repaid_on: Option<NaiveDate>,
        agency_frame: Option<Decimal>,
        agency_support_cap: Option<Decimal>,
    }
    // Per region as `Balance`: net = received − refunded; owed to it = max(net − owed, 0);
    // counted towards Kammarkollegiet = min(net, owed).
    let r: Row = sqlx::query_as(
        "WITH owed AS (
             SELECT organisation_id, owed FROM repayment_owed_per_actor WHERE year = $1
         ), received AS (
             SELECT organisation_id, sum(received_amount) AS received FROM repayment_payments
             WHERE year = $1 AND state = $2 GROUP BY organisation_id
         ), refunded AS (
             SELECT organisation_id, sum(amount) AS refunded FROM refunds
             WHERE year = $1 AND state = $3 GROUP BY organisation_id
         ), region AS (
             -- Set-based, each table read once (repayment_owed says the same per actor).
             SELECT COALESCE(o.owed, 0) AS owed, COALESCE(c.received, 0) AS received,
                    COALESCE(f.refunded, 0) AS refunded
             FROM programme_years y JOIN period_actors a ON a.period_id = y.period_id
             LEFT JOIN owed o ON o.organisation_id = a.organisation_id
             LEFT JOIN received c ON c.organisation_id = a.organisation_id
             LEFT JOIN refunded f ON f.organisation_id = a.organisation_id
             WHERE y.year = $1
         )
         SELECT
             (SELECT COALESCE(sum(p.paid_amount), 0) FROM payouts p
              JOIN requisitions r ON r.id = p.requisition_id WHERE r.year = $1 AND p.state = $4) AS paid_out,
             (SELECT COALESCE(sum(received), 0) FROM region) AS received,
             (SELECT COALESCE(sum(refunded), 0) FROM region) AS refunded,
             (SELECT COALESCE(sum(GREATEST(received - refunded - owed, 0)), 0) FROM region) AS owed_to_regions,
             (SELECT COALESCE(sum(LEAST(received - refunded, owed)), 0) FROM region) AS counted,
             a.requisitioned, a.requisitioned_on, COALESCE(a.support_costs, 0) AS support_costs,
             a.repaid, a.repaid_on, p.agency_frame, py.agency_support_cap
         FROM (SELECT $1::integer AS year) y
         LEFT JOIN agency_accounts a ON a.year = y.year
         LEFT JOIN programme_years py ON py.year = y.year
         LEFT JOIN periods p ON p.id = py.period_id",
    )
    .bind(year)
    .bind(PaymentState::Confirmed)
    .bind(RefundState::Paid)
    .bind(PayoutState::Paid)
    .fetch_one(db)
    .await?;
    Ok(AgencyAccount {
        year,
        requisitioned: r.requisitioned,
        requisitioned_on: r.requisitioned_on,
        support_costs: r.support_costs,
        repaid: r.repaid,
        repaid_on: r.repaid_on,
        paid_out: r.paid_out,
        received_from_regions: r.received,
        refunded_to_regions: r.refunded,
        owed_to_regions: r.owed_to_regions,
        counted_from_regions: r.counted,
        limits: super::model::Limits {
            frame: r.agency_frame,
            support_cap: r.agency_support_cap,
        },
    })
}

/// The year and organisation of a repayment, by its requisition.
pub async fn repayment_of(db: &PgPool, requisition: Uuid) -> sqlx::Result<Option<(i32, Uuid)>> {
    sqlx::query_as("SELECT year, organisation_id FROM requisitions WHERE id = $1")
        .bind(requisition)
        .fetch_optional(db)
        .await
}

/// Registers the region's payment. The schema refuses it while no report is submitted.
pub async fn insert_payment(
    conn: &mut PgConnection,
    id: Uuid,
    year: i32,
    organisation: Uuid,
    payment: &Payment,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO repayment_payments (id, year, organisation_id, paid_on, amount, reference, registered_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(year)
    .bind(organisation)
    .bind(payment.paid_on)
    .bind(payment.amount)
    .bind(&payment.reference)
    .bind(by)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Corrects what the region registered, while Tillväxtverket has not confirmed it. Returns
/// what it said before; `None` if it is confirmed (or gone) and nothing was changed.
pub async fn correct_payment(
    conn: &mut PgConnection,
    id: Uuid,
    payment: &Payment,
) -> sqlx::Result<Option<(NaiveDate, Decimal, String)>> {
    sqlx::query_as(
        "WITH before AS (
             SELECT id, paid_on, amount, reference FROM repayment_payments
             WHERE id = $1 AND state = $5 FOR UPDATE
         )
         UPDATE repayment_payments p SET paid_on = $2, amount = $3, reference = $4
         FROM before b WHERE p.id = b.id AND p.state = $5
         RETURNING b.paid_on, b.amount, b.reference",
    )
    .bind(id)
    .bind(payment.paid_on)
    .bind(payment.amount)
    .bind(&payment.reference)
    .bind(PaymentState::Registered)
    .fetch_optional(conn)
    .await
}

/// Withdraws a payment the region registered, while Tillväxtverket has not confirmed it
/// (the audit record keeps what it said). `false`: it is confirmed, or already gone.
pub async fn withdraw_payment(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let deleted = sqlx::query("DELETE FROM repayment_payments WHERE id = $1 AND state = $2")
        .bind(id)
        .bind(PaymentState::Registered)
        .execute(conn)
        .await?;
    Ok(deleted.rows_affected() == 1)
}

/// Confirms a registered payment as received; `None` if someone else got there first.
/// Returns whether it took the received total past what is owed.
pub async fn confirm_payment(
    conn: &mut PgConnection,
    id: Uuid,
    c: &Confirmation,
    by: Uuid,
) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar(
        "UPDATE repayment_payments SET state = $6, received_on = $2, received_amount = $3,
             verification_number = $4, confirmed_by = $5, confirmed_at = now()
         WHERE id = $1 AND state = $7
         RETURNING overpayment",
    )
    .bind(id)
    .bind(c.received_on)
    .bind(c.received_amount)
    .bind(&c.verification_number)
    .bind(by)
    .bind(PaymentState::Confirmed)
    .bind(PaymentState::Registered)
    .fetch_optional(conn)
    .await
}

/// Saves Tillväxtverket's account for a year.
pub async fn save_agency_account(
    conn: &mut PgConnection,
    year: i32,
    e: &AgencyEntries,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO agency_accounts (year, requisitioned, requisitioned_on, support_costs, repaid, repaid_on, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (year) DO UPDATE SET requisitioned = EXCLUDED.requisitioned,
             requisitioned_on = EXCLUDED.requisitioned_on, support_costs = EXCLUDED.support_costs,
             repaid = EXCLUDED.repaid, repaid_on = EXCLUDED.repaid_on,
             updated_by = EXCLUDED.updated_by, updated_at = now()",
    )
    .bind(year)
    .bind(e.requisitioned.map(|(a, _)| a))
    .bind(e.requisitioned.map(|(_, d)| d))
    .bind(e.support_costs)
    .bind(e.repaid.map(|(a, _)| a))
    .bind(e.repaid.map(|(_, d)| d))
    .bind(by)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A refund of an over-payment, with the names of the people on it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Refund {
    pub id: Uuid,
    pub year: i32,
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub state: RefundState,
    pub amount: Decimal,
    pub planned_date: NaiveDate,
    pub prepared_by: Uuid,
    pub prepared_by_name: String,
    pub prepared_at: DateTime<Utc>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub sent_back_reason: Option<String>,
    pub paid_date: Option<NaiveDate>,
    pub voucher_number: Option<String>,
}

const SELECT_REFUND: &str = "
    SELECT f.id, f.year, f.organisation_id, a.actor_name, f.state, f.amount, f.planned_date,
           f.prepared_by, pu.name AS prepared_by_name, f.prepared_at,
           au.name AS approved_by_name, f.approved_at, f.sent_back_reason, f.paid_date, f.voucher_number
    FROM refunds f
    JOIN programme_years y ON y.year = f.year
    JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = f.organisation_id
    JOIN users pu ON pu.id = f.prepared_by
    LEFT JOIN users au ON au.id = f.approved_by";

pub async fn refunds(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Vec<Refund>> {
    sqlx::query_as(&format!(
        "{SELECT_REFUND} WHERE f.year = $1 AND f.organisation_id = $2 ORDER BY f.prepared_at"
    ))
    .bind(year)
    .bind(organisation)
    .fetch_all(db)
    .await
}

pub async fn refund(db: impl sqlx::PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Refund>> {
    sqlx::query_as(&format!("{SELECT_REFUND} WHERE f.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Where a refund to the region goes: the account of the year's approved requisition, the
/// one the region's funds were paid to, and the case number its reference is made from.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RefundAccount {
    pub case_number: String,
    pub payment_method: Option<crate::giro::PaymentMethod>,
    pub account_number: Option<String>,
    /// The reference the region asked for on payments to it, if any.
    pub payment_reference: Option<String>,
}

pub async fn refund_account(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Option<RefundAccount>> {
    sqlx::query_as(
        "SELECT case_number, payment_method, account_number, payment_reference FROM requisitions
         WHERE year = $1 AND organisation_id = $2 AND state = $3",
    )
    .bind(year)
    .bind(organisation)
    .bind(RequisitionState::Approved)
    .fetch_optional(db)
    .await
}

/// Refunds waiting for an approver or for the payment to be registered, oldest first.
pub async fn refunds_in_progress(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Vec<Refund>> {
    sqlx::query_as(&format!(
        "{SELECT_REFUND} WHERE f.state IN ($1, $2) ORDER BY f.prepared_at"
    ))
    .bind(RefundState::Prepared)
    .bind(RefundState::Approved)
    .fetch_all(db)
    .await
}

/// Prepares a refund. The schema refuses one that passes the over-payment.
pub async fn insert_refund(
    conn: &mut PgConnection,
    id: Uuid,
    year: i32,
    organisation: Uuid,
    amount: Decimal,
    planned_date: NaiveDate,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO refunds (id, year, organisation_id, amount, planned_date, prepared_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(year)
    .bind(organisation)
    .bind(amount)
    .bind(planned_date)
    .bind(by)
    .execute(conn)
    .await
    .map(|_| ())
}

/// What a step of a refund writes besides its state.
pub enum RefundStep<'a> {
    Approve,
    SendBack {
        reason: &'a str,
    },
    RegisterPaid {
        paid_date: NaiveDate,
        voucher: &'a str,
    },
}

impl RefundStep<'_> {
    pub fn action(&self) -> RefundAction {
        match self {
            RefundStep::Approve => RefundAction::Approve,
            RefundStep::SendBack { .. } => RefundAction::SendBack,
            RefundStep::RegisterPaid { .. } => RefundAction::RegisterPaid,
        }
    }
}

/// Moves a refund one step, if it is still where the step starts and (for approving and
/// sending back) the user is not the one who prepared it. `false`: someone else got there
/// first, or it was the preparer.
pub async fn step_refund(
    conn: &mut PgConnection,
    id: Uuid,
    step: &RefundStep<'_>,
    by: Uuid,
) -> sqlx::Result<bool> {
    let action = step.action();
    let (records, four_eyes) = match step {
        RefundStep::Approve => (
            "approved_by = $2, approved_at = now()",
            " AND prepared_by <> $2",
        ),
        RefundStep::SendBack { .. } => (
            "sent_back_by = $2, sent_back_at = now(), sent_back_reason = $5",
            " AND prepared_by <> $2",
        ),
        RefundStep::RegisterPaid { .. } => (
            "paid_by = $2, paid_at = now(), paid_date = $6, voucher_number = $7",
            "",
        ),
    };
    let (reason, paid_date, voucher) = match step {
        RefundStep::Approve => (None, None, None),
        RefundStep::SendBack { reason } => (Some(*reason), None, None),
        RefundStep::RegisterPaid { paid_date, voucher } => (None, Some(*paid_date), Some(*voucher)),
    };
    let updated = sqlx::query(&format!(
        "UPDATE refunds SET state = $3, {records} WHERE id = $1 AND state = $4{four_eyes}"
    ))
    .bind(id)
    .bind(by)
    .bind(action.target())
    .bind(action.from_state())
    .bind(reason)
    .bind(paid_date)
    .bind(voucher)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// What each actor was paid for the year: (organisation, amount, day).
pub async fn paid_out_per_actor(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
) -> sqlx::Result<Vec<(Uuid, Decimal, Option<NaiveDate>)>> {
    sqlx::query_as(
        "SELECT r.organisation_id, sum(p.paid_amount), max(p.paid_date)
         FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
         WHERE r.year = $1 AND p.state = $2
         GROUP BY r.organisation_id",
    )
    .bind(year)
    .bind(PayoutState::Paid)
    .fetch_all(db)
    .await
}

// ---- Late-payment interest (`interest.rs`) ----

/// A half-year's reference rate as an administrator entered it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReferenceRate {
    pub half_year_start: NaiveDate,
    pub rate: Decimal,
    pub set_by_name: String,
    pub set_at: DateTime<Utc>,
}

impl ReferenceRate {
    /// `första halvåret 2026`.
    pub fn half_year(&self) -> String {
        interest::half_year_label(self.half_year_start)
    }

    /// The reference rate, `2,00 %`.
    pub fn rate_label(&self) -> String {
        interest::format_percent(self.rate)
    }

    /// The late-payment interest rate it gives, `10,00 %`.
    pub fn interest_label(&self) -> String {
        interest::format_percent(self.rate + interest::ADDED_POINTS)
    }
}

/// Every reference rate entered, the latest half-year first.
pub async fn reference_rates(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Vec<ReferenceRate>> {
    sqlx::query_as(
        "SELECT r.half_year_start, r.rate, u.name AS set_by_name, r.set_at
         FROM reference_rates r JOIN users u ON u.id = r.set_by
         ORDER BY r.half_year_start DESC",
    )
    .fetch_all(db)
    .await
}

/// Sets a half-year's reference rate; returns the rate it had, if any.
pub async fn set_reference_rate(
    conn: &mut PgConnection,
    half_year_start: NaiveDate,
    rate: Decimal,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<Option<Decimal>> {
    let before: Option<Decimal> = sqlx::query_scalar(
        "SELECT rate FROM reference_rates WHERE half_year_start = $1 FOR UPDATE",
    )
    .bind(half_year_start)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO reference_rates (half_year_start, rate, set_by, set_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (half_year_start) DO UPDATE
         SET rate = EXCLUDED.rate, set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at",
    )
    .bind(half_year_start)
    .bind(rate)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(before)
}

/// A case officer's decision on a case's interest (or an earlier version of it).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InterestDecision {
    pub organisation_id: Uuid,
    pub claim: bool,
    pub reason: String,
    pub decided_by_name: String,
    pub decided_at: DateTime<Utc>,
}

impl InterestDecision {
    /// The Swedish day it was made.
    pub fn decided_on(&self) -> NaiveDate {
        crate::clock::swedish_date(self.decided_at)
    }

    /// `Debiteras` / `Debiteras inte`.
    pub fn label(&self) -> &'static str {
        interest::decision_label(self.claim)
    }
}

/// What the interest of a year's cases (or one organisation's) is computed from: the
/// reference rates, the decisions, and the payments received (organisation, day, amount).
#[derive(Clone, Debug, Default)]
pub struct InterestInputs {
    pub rates: Vec<(NaiveDate, Decimal)>,
    pub decisions: Vec<InterestDecision>,
    pub received: Vec<(Uuid, NaiveDate, Decimal)>,
}

impl InterestInputs {
    /// What the organisation paid and Tillväxtverket received: (day received, amount).
    pub fn received_by(&self, organisation: Uuid) -> Vec<(NaiveDate, Decimal)> {
        self.received
            .iter()
            .filter(|(o, _, _)| *o == organisation)
            .map(|(_, day, amount)| (*day, *amount))
            .collect()
    }

    pub fn decision(&self, organisation: Uuid) -> Option<&InterestDecision> {
        self.decisions
            .iter()
            .find(|d| d.organisation_id == organisation)
    }

    /// The row's interest up to `until` (`RepaymentRow::late_interest`).
    pub fn interest(
        &self,
        row: &RepaymentRow,
        until: NaiveDate,
    ) -> Option<Result<Interest, MissingRate>> {
        row.late_interest(&self.received_by(row.organisation_id), until, &self.rates)
    }
}

pub async fn interest_inputs(
    db: &PgPool,
    year: i32,
    only: Option<Uuid>,
) -> sqlx::Result<InterestInputs> {
    let rates: Vec<(NaiveDate, Decimal)> = sqlx::query_as(
        "SELECT half_year_start, rate FROM reference_rates ORDER BY half_year_start",
    )
    .fetch_all(db)
    .await?;
    let decisions: Vec<InterestDecision> = sqlx::query_as(
        "SELECT d.organisation_id, d.claim, d.reason, u.name AS decided_by_name, d.decided_at
         FROM interest_decisions d JOIN users u ON u.id = d.decided_by
         WHERE d.year = $1 AND ($2::uuid IS NULL OR d.organisation_id = $2)",
    )
    .bind(year)
    .bind(only)
    .fetch_all(db)
    .await?;
    let received: Vec<(Uuid, NaiveDate, Decimal)> = sqlx::query_as(
        "SELECT organisation_id, received_on, received_amount FROM repayment_payments
         WHERE year = $1 AND ($2::uuid IS NULL OR organisation_id = $2) AND state = $3
         ORDER BY received_on",
    )
    .bind(year)
    .bind(only)
    .bind(PaymentState::Confirmed)
    .fetch_all(db)
    .await?;
    Ok(InterestInputs {
        rates,
        decisions,
        received,
    })
}

/// Every version of a case's decision, the latest first.
pub async fn interest_history(
    db: &PgPool,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Vec<InterestDecision>> {
    sqlx::query_as(
        "SELECT h.organisation_id, h.claim, h.reason, u.name AS decided_by_name, h.decided_at
         FROM interest_decision_history h JOIN users u ON u.id = h.decided_by
         WHERE h.year = $1 AND h.organisation_id = $2
         ORDER BY h.id DESC",
    )
    .bind(year)
    .bind(organisation)
    .fetch_all(db)
    .await
}

/// Records the case's decision (the schema keeps every version); returns the one it
/// replaces, if any: (claim, reason).
pub async fn decide_interest(
    conn: &mut PgConnection,
    year: i32,
    organisation: Uuid,
    decision: &interest::Decision,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<Option<(bool, String)>> {
    let before: Option<(bool, String)> = sqlx::query_as(
        "SELECT claim, reason FROM interest_decisions
         WHERE year = $1 AND organisation_id = $2 FOR UPDATE",
    )
    .bind(year)
    .bind(organisation)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO interest_decisions (year, organisation_id, claim, reason, decided_by, decided_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (year, organisation_id) DO UPDATE
         SET claim = EXCLUDED.claim, reason = EXCLUDED.reason,
             decided_by = EXCLUDED.decided_by, decided_at = EXCLUDED.decided_at",
    )
    .bind(year)
    .bind(organisation)
    .bind(decision.claim)
    .bind(&decision.reason)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(before)
}
