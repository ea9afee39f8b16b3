//! What the outflow forecast reads (`forecast.rs`): every actor of a year in one query, and
//! Tillväxtverket's account, in one read-only snapshot, each kept for as long as the
//! database is as it was (`kept`).

use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    forecast::ActorFigures,
    kept::{self, Kept},
};
use crate::{
    repayments::{
        self,
        model::{AgencyAccount, Balance, PaymentState, RefundState},
    },
    reports::model::ReportState,
    requisitions::model::{PayoutState, RequisitionState},
};

/// Tillväxtverket's account and every actor's figures of `year`, of one moment: read in
/// one snapshot, or kept from a snapshot described alike (the account under the key the
/// overview and the summary keep it under, so a page after theirs reads nothing again).
pub async fn load(
    kept: &Kept,
    pool: &PgPool,
    year: i32,
) -> sqlx::Result<(AgencyAccount, Vec<ActorFigures>)> {
    let mut tx = crate::db::begin_snapshot(pool).await?;
    let snapshot = kept::snapshot_of(&mut tx).await?;
    let account = kept
        .or_compute(
            &snapshot,
            ("account", Some(year)),
            repayments::db::agency_account(&mut *tx, year),
        )
        .await?;
    let actors = kept
        .or_compute(
            &snapshot,
            ("forecast", Some(year)),
            actor_figures(&mut tx, year),
        )
        .await?;
    tx.commit().await?;
    Ok((account, actors))
}

#[derive(sqlx::FromRow)]
struct Row {
    organisation_id: Uuid,
    actor_name: String,
    case_number: Option<String>,
    paid_out: Decimal,
    payout_under_way: Decimal,
    report_state: Option<ReportState>,
    latest_unused: Option<Decimal>,
    owed: Option<Decimal>,
    approved: bool,
    registered: Decimal,
    received: Decimal,
    refunded: Decimal,
    refunding: Decimal,
    imported: bool,
}

/// Every actor of `year` in the order of their names, in one set-based query (each table
/// read once for the year): paid out as the account counts it (registered payouts of the
/// year's requisitions), payouts under way, the latest report version's state and figure,
/// what is owed as `repayment_owed_per_actor` says, and the repayment's sums as
/// `repayments::db::rows` makes them.
async fn actor_figures(db: &mut PgConnection, year: i32) -> sqlx::Result<Vec<ActorFigures>> {
    let rows: Vec<Row> = sqlx::query_as(
        "WITH paid AS (
              SELECT r.organisation_id,
                     sum(p.paid_amount) FILTER (WHERE p.state = $2) AS paid_out,
                     sum(p.amount) FILTER (WHERE p.state = ANY($3)) AS under_way
              FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
              WHERE r.year = $1
              GROUP BY r.organisation_id
         ), pay AS (
              SELECT organisation_id,
                     sum(amount) FILTER (WHERE state = $4) AS registered,
                     sum(received_amount) FILTER (WHERE state = $5) AS received
              FROM repayment_payments
              WHERE year = $1
              GROUP BY organisation_id
         ), ref AS (
              SELECT organisation_id,
                     sum(amount) FILTER (WHERE state = $6) AS refunded,
                     sum(amount) FILTER (WHERE state = ANY($7)) AS refunding
              FROM refunds
              WHERE year = $1
              GROUP BY organisation_id
         )
         SELECT a.organisation_id, a.actor_name, req.case_number,
                COALESCE(paid.paid_out, 0) AS paid_out,
                COALESCE(paid.under_way, 0) AS payout_under_way,
                cr.state AS report_state, ro.owed AS latest_unused,
                rb.owed, COALESCE(rb.approved, false) AS approved,
                COALESCE(pay.registered, 0) AS registered, COALESCE(pay.received, 0) AS received,
                COALESCE(ref.refunded, 0) AS refunded, COALESCE(ref.refunding, 0) AS refunding,
                i.organisation_id IS NOT NULL AS imported
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         LEFT JOIN requisitions req ON req.year = y.year AND req.organisation_id = a.organisation_id
              AND req.first_submitted_at IS NOT NULL AND req.state <> ALL($8)
         LEFT JOIN reports cr ON cr.year = y.year AND cr.organisation_id = a.organisation_id
              AND cr.current
         LEFT JOIN report_owed ro ON ro.id = cr.id
         LEFT JOIN repayment_owed_per_actor rb ON rb.year = y.year
              AND rb.organisation_id = a.organisation_id
         LEFT JOIN paid ON paid.organisation_id = a.organisation_id
         LEFT JOIN pay ON pay.organisation_id = a.organisation_id
         LEFT JOIN ref ON ref.organisation_id = a.organisation_id
         LEFT JOIN imported_actor_years i
              ON i.year = y.year AND i.organisation_id = a.organisation_id
         WHERE y.year = $1
         ORDER BY a.actor_name, a.organisation_id",
    )
    .bind(year)
    .bind(PayoutState::Paid)
    .bind(PayoutState::IN_PROGRESS.to_vec())
    .bind(PaymentState::Registered)
    .bind(PaymentState::Confirmed)
    .bind(RefundState::Paid)
    .bind(RefundState::UNDER_WAY.to_vec())
    .bind(RequisitionState::ENDED.to_vec())
    .fetch_all(&mut *db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ActorFigures {
            organisation_id: r.organisation_id,
            actor_name: r.actor_name,
            case_number: r.case_number,
            paid_out: r.paid_out,
            payout_under_way: r.payout_under_way,
            report_state: r.report_state,
            latest_unused: r.latest_unused,
            balance: Balance {
                owed: r.owed,
                approved: r.approved,
                registered: r.registered,
                received: r.received,
                refunded: r.refunded,
                refunding: r.refunding,
                opened_on: None,
            },
            imported: r.imported,
        })
        .collect())
}
