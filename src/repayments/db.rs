//! Reading repayments and Tillväxtverket's account. The sums are made here in one query
//! per page; the rules on them live in `model.rs`.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{AgencyAccount, Balance};

/// An actor's repayment for a year, with the sums of its payments.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RepaymentRow {
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub case_number: Option<String>,
    pub owed: Option<Decimal>,
    pub registered: Decimal,
    pub received: Decimal,
    pub unconfirmed: i64,
}

impl RepaymentRow {
    pub fn balance(&self) -> Balance {
        Balance {
            owed: self.owed,
            registered: self.registered,
            received: self.received,
        }
    }
}

/// Every actor of the year (or one organisation's), in one query.
pub async fn rows(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    only: Option<Uuid>,
) -> sqlx::Result<Vec<RepaymentRow>> {
    sqlx::query_as(
        "SELECT a.organisation_id, a.actor_name, req.case_number,
                repayment_owed(y.year, a.organisation_id) AS owed,
                COALESCE(sum(p.amount) FILTER (WHERE p.state = 'registered'), 0) AS registered,
                COALESCE(sum(p.received_amount) FILTER (WHERE p.state = 'confirmed'), 0) AS received,
                count(p.id) FILTER (WHERE p.state = 'registered') AS unconfirmed
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         LEFT JOIN requisitions req ON req.year = y.year AND req.organisation_id = a.organisation_id
              AND req.state = 'approved'
         LEFT JOIN repayment_payments p ON p.year = y.year AND p.organisation_id = a.organisation_id
         WHERE y.year = $1 AND ($2::uuid IS NULL OR a.organisation_id = $2)
         GROUP BY a.organisation_id, a.actor_name, req.case_number, y.year
         ORDER BY a.actor_name",
    )
    .bind(year)
    .bind(only)
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

pub async fn payments(db: &PgPool, year: i32, organisation: Uuid) -> sqlx::Result<Vec<PaymentRow>> {
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

/// How the amount owed has moved: one line per approved report version.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OwedVersion {
    pub report_id: Uuid,
    pub version: i32,
    pub approved_at: Option<DateTime<Utc>>,
    pub unused: Decimal,
}

pub async fn owed_history(
    db: &PgPool,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Vec<OwedVersion>> {
    sqlx::query_as(
        "SELECT id AS report_id, version, approved_at, unused FROM reports
         WHERE year = $1 AND organisation_id = $2 AND state = 'approved' ORDER BY version",
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
    type Row = (
        Decimal,
        Decimal,
        Option<Decimal>,
        Option<NaiveDate>,
        Decimal,
        Option<Decimal>,
        Option<NaiveDate>,
    );
    let (paid_out, received_from_regions, requisitioned, requisitioned_on, support_costs, repaid, repaid_on): Row =
        sqlx::query_as(
            "SELECT
                 (SELECT COALESCE(sum(p.paid_amount), 0) FROM payouts p
                  JOIN requisitions r ON r.id = p.requisition_id WHERE r.year = y.year AND p.state = 'paid'),
                 (SELECT COALESCE(sum(received_amount), 0) FROM repayment_payments
                  WHERE year = y.year AND state = 'confirmed'),
                 a.requisitioned, a.requisitioned_on, COALESCE(a.support_costs, 0), a.repaid, a.repaid_on
             FROM (SELECT $1::integer AS year) y
             LEFT JOIN agency_accounts a ON a.year = y.year",
        )
        .bind(year)
        .fetch_one(db)
        .await?;
    Ok(AgencyAccount {
        year,
        requisitioned,
        requisitioned_on,
        support_costs,
        repaid,
        repaid_on,
        paid_out,
        received_from_regions,
    })
}
