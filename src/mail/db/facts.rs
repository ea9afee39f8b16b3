//! What each notice tells, read in the transaction that sends it.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    programme::model::ExtendedDeadline,
    repayments::model::{PaymentState, RefundState},
};

/// What a notice about a requisition tells.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequisitionFacts {
    pub id: Uuid,
    pub case_number: String,
    pub year: i32,
    pub organisation_id: Uuid,
    pub organisation: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub amount: Option<rust_decimal::Decimal>,
    pub state_note: Option<String>,
    pub payout_amount: Option<rust_decimal::Decimal>,
    pub planned_date: Option<chrono::NaiveDate>,
    pub paid_amount: Option<rust_decimal::Decimal>,
    pub paid_date: Option<chrono::NaiveDate>,
    pub prepared_by: Option<Uuid>,
    pub sent_back_reason: Option<String>,
    /// The actor's report deadline for the year, extension included (`actor_deadlines`).
    pub report_due: Option<chrono::NaiveDate>,
    /// Whether that is a later date granted to the actor.
    pub report_extended: bool,
    /// Whether the year's own report date is assumed (no decision gives it).
    pub report_assumed: bool,
}

pub async fn requisition(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<RequisitionFacts> {
    sqlx::query_as(
        "SELECT r.id, r.case_number, r.year, r.organisation_id, o.name AS organisation,
                r.contact_name, r.contact_email, r.amount, r.state_note,
                p.amount AS payout_amount, p.planned_date, p.paid_amount, p.paid_date,
                p.prepared_by, p.sent_back_reason, d.report_due,
                COALESCE(d.report_extended_to > y.report_deadline, false) AS report_extended,
                y.report_basis IS NULL AS report_assumed
         FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
         JOIN programme_years y ON y.year = r.year
         LEFT JOIN actor_deadlines d ON d.year = r.year AND d.organisation_id = r.organisation_id
         LEFT JOIN LATERAL (SELECT * FROM payouts p WHERE p.requisition_id = r.id
                            ORDER BY p.prepared_at DESC LIMIT 1) p ON true
         WHERE r.id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// What a notice about a report tells.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportFacts {
    pub id: Uuid,
    pub year: i32,
    pub version: i32,
    pub organisation_id: Uuid,
    pub organisation: String,
    pub unused: rust_decimal::Decimal,
    pub state_note: Option<String>,
    /// The actor's repayment deadline, extension included.
    pub repayment_deadline: chrono::NaiveDate,
    /// What the region has paid so far (registered or received, less refunds to it).
    pub paid: rust_decimal::Decimal,
}

pub async fn report(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<ReportFacts> {
    sqlx::query_as(
        "SELECT r.id, r.year, r.version, r.organisation_id, o.name AS organisation, r.unused,
                r.state_note, actor_deadline(r.year, r.organisation_id, $2) AS repayment_deadline,
                (SELECT COALESCE(sum(COALESCE(p.received_amount, p.amount)), 0) FROM repayment_payments p
                 WHERE p.year = r.year AND p.organisation_id = r.organisation_id)
                - (SELECT COALESCE(sum(f.amount), 0) FROM refunds f
                   WHERE f.year = r.year AND f.organisation_id = r.organisation_id AND f.state = $3)
                AS paid
         FROM reports r JOIN organisations o ON o.id = r.organisation_id
         WHERE r.id = $1",
    )
    .bind(id)
    .bind(ExtendedDeadline::Repayment)
    .bind(RefundState::Paid)
    .fetch_one(conn)
    .await
}

/// What a notice about a repayment tells.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RepaymentFacts {
    pub year: i32,
    pub organisation_id: Uuid,
    pub organisation: String,
    pub amount: rust_decimal::Decimal,
    pub paid_on: chrono::NaiveDate,
    pub received_amount: Option<rust_decimal::Decimal>,
    pub received_on: Option<chrono::NaiveDate>,
    pub overpayment: bool,
    pub owed: Option<rust_decimal::Decimal>,
    pub received_total: rust_decimal::Decimal,
}

pub async fn repayment(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<RepaymentFacts> {
    sqlx::query_as(
        "SELECT p.year, p.organisation_id, o.name AS organisation, p.amount, p.paid_on,
                p.received_amount, p.received_on, p.overpayment,
                repayment_owed(p.year, p.organisation_id) AS owed,
                (SELECT COALESCE(sum(q.received_amount), 0) FROM repayment_payments q
                 WHERE q.year = p.year AND q.organisation_id = p.organisation_id
                   AND q.state = $2) AS received_total
         FROM repayment_payments p JOIN organisations o ON o.id = p.organisation_id
         WHERE p.id = $1",
    )
    .bind(id)
    .bind(PaymentState::Confirmed)
    .fetch_one(conn)
    .await
}

/// A refund as its notices tell it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RefundFacts {
    pub year: i32,
    pub organisation_id: Uuid,
    pub organisation: String,
    pub amount: rust_decimal::Decimal,
    pub paid_date: Option<chrono::NaiveDate>,
}

pub async fn refund(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<RefundFacts> {
    sqlx::query_as(
        "SELECT f.year, f.organisation_id, o.name AS organisation, f.amount, f.paid_date
         FROM refunds f JOIN organisations o ON o.id = f.organisation_id WHERE f.id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// An extension as the notice tells it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExtensionFacts {
    pub new_deadline: chrono::NaiveDate,
    pub reason: String,
    /// The decision or consent it rests on.
    pub basis: String,
    pub organisation: String,
}

pub async fn extension(
    conn: &mut PgConnection,
    year: i32,
    organisation: Uuid,
    deadline: ExtendedDeadline,
) -> sqlx::Result<ExtensionFacts> {
    sqlx::query_as(
        "SELECT e.new_deadline, e.reason, e.basis, o.name AS organisation FROM deadline_extensions e
         JOIN organisations o ON o.id = e.organisation_id
         WHERE e.year = $1 AND e.organisation_id = $2 AND e.deadline = $3",
    )
    .bind(year)
    .bind(organisation)
    .bind(deadline)
    .fetch_one(conn)
    .await
}

/// The organisation a requisition or report thread belongs to.
pub async fn thread_case(
    conn: &mut PgConnection,
    thread: crate::thread::Thread,
) -> sqlx::Result<(Uuid, String, String)> {
    match thread {
        crate::thread::Thread::Requisition(id) => {
            sqlx::query_as(
                "SELECT r.organisation_id, o.name, 'rekvisitionen ' || r.case_number
                 FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(conn)
            .await
        }
        crate::thread::Thread::Report(id) => {
            sqlx::query_as(
                "SELECT r.organisation_id, o.name, 'redovisningen för ' || r.year
                 FROM reports r JOIN organisations o ON o.id = r.organisation_id
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(conn)
            .await
        }
        crate::thread::Thread::Repayment(id) => {
            sqlx::query_as(
                "SELECT r.organisation_id, o.name, 'återbetalningen för ' || r.year
                 FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(conn)
            .await
        }
    }
}
