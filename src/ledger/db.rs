//! The ledger's SQL: the one row of settings, and the money events of a span of days read
//! from the tables that already record them (registered payouts, confirmed repayments,
//! paid refunds, Tillväxtverket's account with Kammarkollegiet). Nothing is copied: a file
//! is made from the ledger as it stands.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgConnection;
use uuid::Uuid;

use super::model::{Actor, Event, EventKind, Settings, agency_events};
use crate::{
    repayments::model::{PaymentState, RefundState},
    requisitions::model::{PayoutState, RequisitionState},
};

const SETTINGS_COLUMNS: &str = "company_name, org_number, voucher_series,
    payout_account, payout_account_name, bank_account, bank_account_name,
    repayment_account, repayment_account_name, refund_account, refund_account_name,
    appropriation_account, appropriation_account_name, actor_dimension, appropriation_dimension,
    expenditure_area, appropriation, appropriation_item";

pub async fn settings(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Settings> {
    sqlx::query_as(&format!("SELECT {SETTINGS_COLUMNS} FROM ledger_settings"))
        .fetch_one(db)
        .await
}

/// Saves the settings; returns what they were.
pub async fn save_settings(
    conn: &mut PgConnection,
    s: &Settings,
    by: Uuid,
) -> sqlx::Result<Settings> {
    let before: Settings = sqlx::query_as(&format!(
        "SELECT {SETTINGS_COLUMNS} FROM ledger_settings FOR UPDATE"
    ))
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE ledger_settings SET company_name = $1, org_number = $2, voucher_series = $3,
             payout_account = $4, payout_account_name = $5, bank_account = $6,
             bank_account_name = $7, repayment_account = $8, repayment_account_name = $9,
             refund_account = $10, refund_account_name = $11, appropriation_account = $12,
             appropriation_account_name = $13, actor_dimension = $14,
             appropriation_dimension = $15, expenditure_area = $16, appropriation = $17,
             appropriation_item = $18, updated_by = $19, updated_at = now()",
    )
    .bind(&s.company_name)
    .bind(&s.org_number)
    .bind(&s.voucher_series)
    .bind(&s.payout_account)
    .bind(&s.payout_account_name)
    .bind(&s.bank_account)
    .bind(&s.bank_account_name)
    .bind(&s.repayment_account)
    .bind(&s.repayment_account_name)
    .bind(&s.refund_account)
    .bind(&s.refund_account_name)
    .bind(&s.appropriation_account)
    .bind(&s.appropriation_account_name)
    .bind(s.actor_dimension)
    .bind(s.appropriation_dimension)
    .bind(&s.expenditure_area)
    .bind(&s.appropriation)
    .bind(&s.appropriation_item)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(before)
}

/// A money event with an actor, as `events` reads it.
#[derive(sqlx::FromRow)]
struct ActorRow {
    /// `payout`, `repayment` or `refund`.
    kind: String,
    programme_year: i32,
    date: NaiveDate,
    amount: Decimal,
    organisation_id: Uuid,
    actor_name: String,
    org_number: Option<String>,
    case_number: Option<String>,
    reference: Option<String>,
    appropriation: bool,
}

impl ActorRow {
    fn event(self) -> Event {
        let kind = match self.kind.as_str() {
            "payout" => EventKind::Payout,
            "repayment" => EventKind::RepaymentReceived,
            _ => EventKind::RefundPaid,
        };
        Event {
            kind,
            date: self.date,
            amount: self.amount,
            programme_year: self.programme_year,
            actor: Some(Actor {
                organisation_id: self.organisation_id,
                name: self.actor_name,
                org_number: self.org_number,
            }),
            case_number: self.case_number,
            reference: self.reference,
            appropriation: self.appropriation,
        }
    }
}

#[derive(sqlx::FromRow)]
struct AgencyRow {
    programme_year: i32,
    requisitioned: Option<Decimal>,
    requisitioned_on: Option<NaiveDate>,
    repaid: Option<Decimal>,
    repaid_on: Option<NaiveDate>,
    appropriation: bool,
}

/// Every money event dated `from`–`to`: payouts by the day they were paid, repayments by
/// the day they were received, refunds by the day they were paid, and Tillväxtverket's
/// requisition and repayment by their dates. The actor is named as in the period of the
/// money (the organisation's own name where it was no actor). Read in the caller's
/// transaction, a snapshot, so the figures are of one moment.
pub async fn events(
    conn: &mut PgConnection,
    from: NaiveDate,
    to: NaiveDate,
) -> sqlx::Result<Vec<Event>> {
    // The three kinds of money with an actor, each from its own table, then named alike: the
    // actor as in the money's period, its organisation number, the case (the payout's own
    // requisition; for repayments and refunds the year's approved one).
    let actors: Vec<ActorRow> = sqlx::query_as(
        "WITH money AS (
              SELECT 'payout' AS kind, r.year, p.paid_date AS date, p.paid_amount AS amount,
                     r.organisation_id, r.case_number, p.voucher_number AS reference
              FROM payouts p
              JOIN requisitions r ON r.id = p.requisition_id
              WHERE p.state = $1 AND p.paid_date BETWEEN $4 AND $5
              UNION ALL
              SELECT 'repayment', rp.year, rp.received_on, rp.received_amount,
                     rp.organisation_id, NULL, rp.verification_number
              FROM repayment_payments rp
              WHERE rp.state = $2 AND rp.received_on BETWEEN $4 AND $5
              UNION ALL
              SELECT 'refund', f.year, f.paid_date, f.amount, f.organisation_id, NULL,
                     f.voucher_number
              FROM refunds f
              WHERE f.state = $3 AND f.paid_date BETWEEN $4 AND $5
         )
         SELECT m.kind, m.year AS programme_year, m.date, m.amount, m.organisation_id,
                COALESCE(a.actor_name, o.name) AS actor_name, o.org_number,
                COALESCE(m.case_number, req.case_number) AS case_number, m.reference,
                pe.kammarkollegiet_chain AS appropriation
         FROM money m
         JOIN organisations o ON o.id = m.organisation_id
         JOIN programme_years y ON y.year = m.year
         JOIN periods pe ON pe.id = y.period_id
         LEFT JOIN period_actors a ON a.period_id = y.period_id
              AND a.organisation_id = m.organisation_id
         LEFT JOIN requisitions req ON m.kind <> 'payout' AND req.year = m.year
              AND req.organisation_id = m.organisation_id AND req.state = $6",
    )
    .bind(PayoutState::Paid)
    .bind(PaymentState::Confirmed)
    .bind(RefundState::Paid)
    .bind(from)
    .bind(to)
    .bind(RequisitionState::Approved)
    .fetch_all(&mut *conn)
    .await?;
    let agency: Vec<AgencyRow> = sqlx::query_as(
        "SELECT ac.year AS programme_year, ac.requisitioned, ac.requisitioned_on, ac.repaid,
                ac.repaid_on, pe.kammarkollegiet_chain AS appropriation
         FROM agency_accounts ac
         JOIN programme_years y ON y.year = ac.year
         JOIN periods pe ON pe.id = y.period_id
         WHERE ac.requisitioned_on BETWEEN $1 AND $2 OR ac.repaid_on BETWEEN $1 AND $2",
    )
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await?;

    let mut events: Vec<Event> = actors.into_iter().map(ActorRow::event).collect();
    for a in agency {
        events.extend(agency_events(
            a.programme_year,
            a.requisitioned.zip(a.requisitioned_on),
            a.repaid.zip(a.repaid_on),
            a.appropriation,
            (from, to),
        ));
    }
    Ok(events)
}
