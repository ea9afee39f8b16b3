//! All SQL of the bank's files: the files read in, their payments, the decisions on them,
//! and what the matching needs besides the repayments (`repayments::db::rows`).

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{BankPaymentState, FileKind, Incoming};
use crate::{giro::PaymentMethod, requisitions::model::RequisitionState};

/// One import at a time: of two officers reading in the same file at once, the second finds
/// its payments already there.
pub async fn lock_imports(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('bank-file-import'))")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Which of these bank references are already read in.
pub async fn known_references(
    conn: &mut PgConnection,
    references: &[String],
) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT bank_reference FROM bank_payments WHERE bank_reference = ANY($1)")
        .bind(references)
        .fetch_all(conn)
        .await
}

/// A file read in: what it is, who read it in, and the payments it brought and their sum.
pub struct NewFile<'a> {
    pub id: Uuid,
    pub kind: FileKind,
    pub file_name: &'a str,
    pub sha256: &'a str,
    pub by: Uuid,
    pub payment_count: i32,
    pub total: Decimal,
}

pub async fn insert_file(conn: &mut PgConnection, f: &NewFile<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO bank_files (id, kind, file_name, sha256, imported_by, payment_count, total)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(f.id)
    .bind(f.kind)
    .bind(f.file_name)
    .bind(f.sha256)
    .bind(f.by)
    .bind(f.payment_count)
    .bind(f.total)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A payment of the file; `false` when its bank reference is already read in (the schema
/// keeps each once), and nothing is written.
pub async fn insert_payment(
    conn: &mut PgConnection,
    id: Uuid,
    file: Uuid,
    p: &Incoming,
) -> sqlx::Result<bool> {
    let line = i32::try_from(p.line).unwrap_or(i32::MAX);
    let inserted = sqlx::query(
        "INSERT INTO bank_payments (id, file_id, line, bank_reference, amount, paid_on, reference,
             payer_name, payer_bankgiro)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (bank_reference) DO NOTHING",
    )
    .bind(id)
    .bind(file)
    .bind(line)
    .bind(&p.bank_reference)
    .bind(p.amount)
    .bind(p.paid_on)
    .bind(&p.reference)
    .bind(&p.payer_name)
    .bind(&p.payer_bankgiro)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// A payment from a bank's file, with its file and who decided on it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BankPaymentRow {
    pub id: Uuid,
    pub file_id: Uuid,
    pub file_name: String,
    pub kind: FileKind,
    pub imported_by: Uuid,
    pub imported_by_name: String,
    pub imported_at: DateTime<Utc>,
    pub line: i32,
    pub bank_reference: String,
    pub amount: Decimal,
    pub paid_on: NaiveDate,
    pub reference: String,
    pub payer_name: String,
    pub payer_bankgiro: Option<String>,
    pub state: BankPaymentState,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub dismiss_reason: Option<String>,
    pub repayment_payment_id: Option<Uuid>,
    /// The repayment it was confirmed as: its year, organisation and case.
    pub confirmed_year: Option<i32>,
    pub confirmed_organisation: Option<Uuid>,
    pub confirmed_case: Option<String>,
}

const SELECT_PAYMENT: &str = "
    SELECT b.id, b.file_id, f.file_name, f.kind, f.imported_by, i.name AS imported_by_name,
           f.imported_at, b.line, b.bank_reference, b.amount, b.paid_on, b.reference,
           b.payer_name, b.payer_bankgiro, b.state, d.name AS decided_by_name, b.decided_at,
           b.dismiss_reason, b.repayment_payment_id,
           r.year AS confirmed_year, r.organisation_id AS confirmed_organisation,
           (SELECT q.case_number FROM requisitions q
            WHERE q.year = r.year AND q.organisation_id = r.organisation_id AND q.state = $1)
               AS confirmed_case
    FROM bank_payments b
    JOIN bank_files f ON f.id = b.file_id
    JOIN users i ON i.id = f.imported_by
    LEFT JOIN users d ON d.id = b.decided_by
    LEFT JOIN repayment_payments r ON r.id = b.repayment_payment_id";

/// The payments waiting for a decision, oldest first.
pub async fn waiting(db: &PgPool) -> sqlx::Result<Vec<BankPaymentRow>> {
    sqlx::query_as(&format!(
        "{SELECT_PAYMENT} WHERE b.state = $2 ORDER BY b.paid_on, f.imported_at, b.line"
    ))
    .bind(RequisitionState::Approved)
    .bind(BankPaymentState::Unmatched)
    .fetch_all(db)
    .await
}

/// The latest decided payments, newest first.
pub async fn decided(db: &PgPool, limit: i64) -> sqlx::Result<Vec<BankPaymentRow>> {
    sqlx::query_as(&format!(
        "{SELECT_PAYMENT} WHERE b.state <> $2 ORDER BY b.decided_at DESC, b.line LIMIT $3"
    ))
    .bind(RequisitionState::Approved)
    .bind(BankPaymentState::Unmatched)
    .bind(limit)
    .fetch_all(db)
    .await
}

pub async fn payment(db: &PgPool, id: Uuid) -> sqlx::Result<Option<BankPaymentRow>> {
    sqlx::query_as(&format!("{SELECT_PAYMENT} WHERE b.id = $2"))
        .bind(RequisitionState::Approved)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The payment, locked until the transaction ends: two officers deciding at once are
/// taken one after the other.
pub async fn payment_for_update(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<BankPaymentRow>> {
    sqlx::query_as(&format!("{SELECT_PAYMENT} WHERE b.id = $2 FOR UPDATE OF b"))
        .bind(RequisitionState::Approved)
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Marks the payment confirmed as the repayment payment `repayment`; `false` when someone
/// already decided on it.
pub async fn mark_confirmed(
    conn: &mut PgConnection,
    id: Uuid,
    repayment: Uuid,
    by: Uuid,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE bank_payments SET state = $3, repayment_payment_id = $2, decided_by = $4,
             decided_at = now()
         WHERE id = $1 AND state = $5",
    )
    .bind(id)
    .bind(repayment)
    .bind(BankPaymentState::Confirmed)
    .bind(by)
    .bind(BankPaymentState::Unmatched)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Dismisses the payment with the reason; `false` when someone already decided on it.
pub async fn mark_dismissed(
    conn: &mut PgConnection,
    id: Uuid,
    reason: &str,
    by: Uuid,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE bank_payments SET state = $3, dismiss_reason = $2, decided_by = $4,
             decided_at = now()
         WHERE id = $1 AND state = $5",
    )
    .bind(id)
    .bind(reason)
    .bind(BankPaymentState::Dismissed)
    .bind(by)
    .bind(BankPaymentState::Unmatched)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// A file read in.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FileRow {
    pub id: Uuid,
    pub kind: FileKind,
    pub file_name: String,
    pub sha256: String,
    pub imported_by_name: String,
    pub imported_at: DateTime<Utc>,
    pub payment_count: i32,
    pub total: Decimal,
}

/// The latest files read in, newest first.
pub async fn files(db: &PgPool, limit: i64) -> sqlx::Result<Vec<FileRow>> {
    sqlx::query_as(
        "SELECT f.id, f.kind, f.file_name, f.sha256, u.name AS imported_by_name, f.imported_at,
                f.payment_count, f.total
         FROM bank_files f JOIN users u ON u.id = f.imported_by
         ORDER BY f.imported_at DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Each region's bankgiro by year, as its approved requisition gives it: (year,
/// organisation, bankgiro).
pub async fn region_bankgiros(db: &PgPool) -> sqlx::Result<Vec<(i32, Uuid, String)>> {
    sqlx::query_as(
        "SELECT year, organisation_id, account_number FROM requisitions
         WHERE state = $1 AND payment_method = $2 AND account_number IS NOT NULL",
    )
    .bind(RequisitionState::Approved)
    .bind(PaymentMethod::Bankgiro)
    .fetch_all(db)
    .await
}

/// The case number of an actor's repayment for a year (its approved requisition's), which
/// its OCR number is made from; read where mail is written.
pub async fn repayment_case_number(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT case_number FROM requisitions
         WHERE year = $1 AND organisation_id = $2 AND state = $3",
    )
    .bind(year)
    .bind(organisation)
    .bind(RequisitionState::Approved)
    .fetch_optional(db)
    .await
}
