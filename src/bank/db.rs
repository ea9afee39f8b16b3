//! All SQL of the bank's files: the files read in, their payments, the decisions on them,
//! and what the matching needs besides the repayments (`repayments::db::rows`); and the
//! payment files to the bank: their debtor, the payouts and refunds they may hold, and the
//! files made.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    model::{BankPaymentState, FileKind, Incoming},
    pain001::{BankDays, Kind, Payable, Selection, Settings, Transfer},
};
use crate::{
    giro::PaymentMethod,
    repayments::model::RefundState,
    requisitions::model::{PayoutState, RequisitionState},
};

/// One import at a time: of two officers reading in the same file at once, the second finds
/// its payments already there.
pub async fn lock_imports(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('bank-file-import'))")
        .execute(conn)
        .await
        .map(|_| ())
}

/// A payment already read in, as the bank told it: its reference, amount and day.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KnownPayment {
    pub bank_reference: String,
    pub amount: Decimal,
    pub paid_on: NaiveDate,
}

/// Which of these bank references are already read in, with the amount and day each was
/// read in with.
pub async fn known_references(
    conn: &mut PgConnection,
    references: &[String],
) -> sqlx::Result<Vec<KnownPayment>> {
    sqlx::query_as(
        "SELECT bank_reference, amount, paid_on FROM bank_payments WHERE bank_reference = ANY($1)",
    )
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

// ---- The payment files to the bank ----

/// The debtor of the payment files, as an administrator set it.
pub async fn payment_file_settings(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Settings> {
    sqlx::query_as("SELECT debtor_name, org_number, bankgiro, bic FROM payment_file_settings")
        .fetch_one(db)
        .await
}

/// Saves the debtor; returns what it was.
pub async fn save_payment_file_settings(
    conn: &mut PgConnection,
    s: &Settings,
    by: Uuid,
) -> sqlx::Result<Settings> {
    let before: Settings = sqlx::query_as(
        "SELECT debtor_name, org_number, bankgiro, bic FROM payment_file_settings FOR UPDATE",
    )
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE payment_file_settings SET debtor_name = $1, org_number = $2, bankgiro = $3,
             bic = $4, updated_by = $5, updated_at = now()",
    )
    .bind(&s.debtor_name)
    .bind(&s.org_number)
    .bind(&s.bankgiro)
    .bind(&s.bic)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(before)
}

/// A payout as a payment file reads it: to the actor of its approved requisition, at the
/// requisition's account, with the files it is already in.
const PAYABLE_PAYOUTS: &str = "
    SELECT false AS refund, p.id, r.year, r.organisation_id,
           COALESCE(a.actor_name, o.name) AS payee, r.case_number, p.amount, p.planned_date,
           p.state::text AS state, r.payment_method, r.account_number, r.payment_reference,
           au.name AS approved_by_name,
           ARRAY(SELECT pf.message_id FROM payment_file_items i
                 JOIN payment_files pf ON pf.id = i.file_id
                 WHERE i.payout_id = p.id ORDER BY pf.number) AS in_files
    FROM payouts p
    JOIN requisitions r ON r.id = p.requisition_id
    JOIN organisations o ON o.id = r.organisation_id
    JOIN programme_years y ON y.year = r.year
    LEFT JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = r.organisation_id
    LEFT JOIN users au ON au.id = p.approved_by";

/// A refund as a payment file reads it: to the account of the year's approved requisition
/// (where the region's funds went, `repayments::db::refund_account`).
const PAYABLE_REFUNDS: &str = "
    SELECT true AS refund, f.id, f.year, f.organisation_id,
           COALESCE(a.actor_name, o.name) AS payee, q.case_number, f.amount, f.planned_date,
           f.state::text AS state, q.payment_method, q.account_number, q.payment_reference,
           au.name AS approved_by_name,
           ARRAY(SELECT pf.message_id FROM payment_file_items i
                 JOIN payment_files pf ON pf.id = i.file_id
                 WHERE i.refund_id = f.id ORDER BY pf.number) AS in_files
    FROM refunds f
    JOIN organisations o ON o.id = f.organisation_id
    JOIN programme_years y ON y.year = f.year
    LEFT JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = f.organisation_id
    LEFT JOIN requisitions q ON q.year = f.year AND q.organisation_id = f.organisation_id
         AND q.state = $1
    LEFT JOIN users au ON au.id = f.approved_by";

fn by_day_and_case(mut rows: Vec<Payable>) -> Vec<Payable> {
    rows.sort_by(|a, b| {
        (a.planned_date, &a.case_number, a.refund, a.id).cmp(&(
            b.planned_date,
            &b.case_number,
            b.refund,
            b.id,
        ))
    });
    rows
}

/// Every payout and refund that is approved and not yet paid, by planned day and case.
pub async fn payable(db: &PgPool) -> sqlx::Result<Vec<Payable>> {
    let mut rows: Vec<Payable> = sqlx::query_as(&format!("{PAYABLE_PAYOUTS} WHERE p.state = $1"))
        .bind(PayoutState::Approved)
        .fetch_all(db)
        .await?;
    let refunds: Vec<Payable> = sqlx::query_as(&format!("{PAYABLE_REFUNDS} WHERE f.state = $2"))
        .bind(RequisitionState::Approved)
        .bind(RefundState::Approved)
        .fetch_all(db)
        .await?;
    rows.extend(refunds);
    Ok(by_day_and_case(rows))
}

/// The chosen payouts and refunds, whatever their state (the rules say which may be paid).
/// `lock`: each locked for update until the transaction ends, so none is registered paid or
/// changed while its file is made, and two officers making files of the same payment are
/// taken one after the other. The rows are locked first (in the order of their ids) and read
/// after, in a statement of their own: the second officer then sees the first one's file
/// among the files each is already in.
pub async fn chosen(
    conn: &mut PgConnection,
    selection: &Selection,
    lock: bool,
) -> sqlx::Result<Vec<Payable>> {
    if lock {
        sqlx::query("SELECT id FROM payouts WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(&selection.payouts)
            .execute(&mut *conn)
            .await?;
        sqlx::query("SELECT id FROM refunds WHERE id = ANY($1) ORDER BY id FOR UPDATE")
            .bind(&selection.refunds)
            .execute(&mut *conn)
            .await?;
    }
    let mut rows: Vec<Payable> = sqlx::query_as(&format!("{PAYABLE_PAYOUTS} WHERE p.id = ANY($1)"))
        .bind(&selection.payouts)
        .fetch_all(&mut *conn)
        .await?;
    let refunds: Vec<Payable> = sqlx::query_as(&format!("{PAYABLE_REFUNDS} WHERE f.id = ANY($2)"))
        .bind(RequisitionState::Approved)
        .bind(&selection.refunds)
        .fetch_all(&mut *conn)
        .await?;
    rows.extend(refunds);
    Ok(by_day_and_case(rows))
}

/// Each of `days` with the day the bank pays on instead: itself on a weekday that is no
/// Swedish holiday, else the next such day — the schema's `next_weekday` (migration
/// `sunday_rule`), the one rule for weekends and holidays.
pub async fn bank_days(
    db: impl sqlx::PgExecutor<'_>,
    days: &[NaiveDate],
) -> sqlx::Result<BankDays> {
    let moved: Vec<(NaiveDate, NaiveDate)> =
        sqlx::query_as("SELECT t.d, next_weekday(t.d) FROM unnest($1::date[]) AS t(d)")
            .bind(days)
            .fetch_all(db)
            .await?;
    Ok(moved.into_iter().collect())
}

/// The next file's number, never given twice.
pub async fn next_payment_file_number(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT nextval('payment_file_numbers')")
        .fetch_one(conn)
        .await
}

/// A payment file made: what the file is, who made it, and its bytes.
pub struct NewPaymentFile<'a> {
    pub id: Uuid,
    pub number: i64,
    pub message_id: &'a str,
    pub by: Uuid,
    pub created_at: DateTime<Utc>,
    pub payment_count: i32,
    pub total: Decimal,
    pub debtor_bankgiro: &'a str,
    pub sha256: &'a str,
    pub content: &'a [u8],
}

pub async fn insert_payment_file(
    conn: &mut PgConnection,
    f: &NewPaymentFile<'_>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO payment_files (id, number, message_id, created_by, created_at, payment_count,
             total, debtor_bankgiro, sha256, content)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(f.id)
    .bind(f.number)
    .bind(f.message_id)
    .bind(f.by)
    .bind(f.created_at)
    .bind(f.payment_count)
    .bind(f.total)
    .bind(f.debtor_bankgiro)
    .bind(f.sha256)
    .bind(f.content)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A payment of the file, at its place in it. The schema takes only an approved payout or
/// refund, with its own amount.
pub async fn insert_payment_file_item(
    conn: &mut PgConnection,
    file: Uuid,
    position: i32,
    t: &Transfer,
) -> sqlx::Result<()> {
    let (payout, refund) = match t.kind {
        Kind::Payout => (Some(t.id), None),
        Kind::Refund => (None, Some(t.id)),
    };
    sqlx::query(
        "INSERT INTO payment_file_items (file_id, position, payout_id, refund_id, amount,
             execution_date, end_to_end_id, payment_method, account_number)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(file)
    .bind(position)
    .bind(payout)
    .bind(refund)
    .bind(t.amount)
    .bind(t.execution_date)
    .bind(&t.end_to_end_id)
    .bind(t.method)
    .bind(&t.account)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A payment file made, as the page lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentFileRow {
    pub id: Uuid,
    pub message_id: String,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub payment_count: i32,
    pub total: Decimal,
    pub debtor_bankgiro: String,
    pub sha256: String,
    /// The first and last day the bank is asked to pay on.
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
}

/// The latest payment files, newest first.
pub async fn payment_files(db: &PgPool, limit: i64) -> sqlx::Result<Vec<PaymentFileRow>> {
    sqlx::query_as(
        "SELECT f.id, f.message_id, u.name AS created_by_name, f.created_at, f.payment_count,
                f.total, f.debtor_bankgiro, f.sha256,
                (SELECT min(i.execution_date) FROM payment_file_items i WHERE i.file_id = f.id)
                    AS first_day,
                (SELECT max(i.execution_date) FROM payment_file_items i WHERE i.file_id = f.id)
                    AS last_day
         FROM payment_files f JOIN users u ON u.id = f.created_by
         ORDER BY f.number DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}

/// A payment file's bytes, as it was made.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PaymentFileContent {
    pub message_id: String,
    pub sha256: String,
    pub payment_count: i32,
    pub total: Decimal,
    pub content: Vec<u8>,
}

pub async fn payment_file(db: &PgPool, id: Uuid) -> sqlx::Result<Option<PaymentFileContent>> {
    sqlx::query_as(
        "SELECT message_id, sha256, payment_count, total, content FROM payment_files WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}
