//! All SQL of the archive: what a package holds of a year, the packages kept, and the
//! administrators' requests for them.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{
    Package,
    model::{KeptExport, ReportFacts, RequisitionFacts},
};
use crate::{export::Document, requisitions::model::PayoutState};

/// A request not finished after this long was cut off (the server stopped meanwhile): it is
/// ended as failed when the year's package is asked for again.
pub const STALE_MINUTES: i32 = 120;

/// When `year` closed: its summary to the Government was first marked submitted.
pub async fn closed_at(db: impl PgExecutor<'_>, year: i32) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar(
        "SELECT min(submitted_at) FROM summary_exports WHERE year = $1 AND document = $2",
    )
    .bind(year)
    .bind(Document::Summary)
    .fetch_one(db)
    .await
}

/// A programme year, and when it closed if it has.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct YearRow {
    pub year: i32,
    pub closed_at: Option<DateTime<Utc>>,
}

/// Every programme year, newest first.
pub async fn years(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<YearRow>> {
    sqlx::query_as(
        "SELECT y.year,
                (SELECT min(e.submitted_at) FROM summary_exports e
                 WHERE e.year = y.year AND e.document = $1) AS closed_at
         FROM programme_years y
         ORDER BY y.year DESC",
    )
    .bind(Document::Summary)
    .fetch_all(db)
    .await
}

/// A kept package, as the page lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PackageRow {
    pub id: Uuid,
    pub year: i32,
    pub package_id: String,
    pub filename: String,
    pub sha256: String,
    pub size: i64,
    pub documents: i32,
    /// `None`: made by the operator's command.
    pub made_by_name: Option<String>,
    pub made_at: DateTime<Utc>,
}

/// The kept packages (of one year, or all), newest first.
pub async fn packages(db: impl PgExecutor<'_>, year: Option<i32>) -> sqlx::Result<Vec<PackageRow>> {
    sqlx::query_as(
        "SELECT p.id, p.year, p.package_id, p.filename, p.sha256, p.size, p.documents,
                u.name AS made_by_name, p.made_at
         FROM archive_packages p LEFT JOIN users u ON u.id = p.made_by
         WHERE $1::int IS NULL OR p.year = $1
         ORDER BY p.made_at DESC, p.id",
    )
    .bind(year)
    .fetch_all(db)
    .await
}

/// A package's file: its name and bytes.
pub async fn file(db: impl PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<(String, Vec<u8>)>> {
    sqlx::query_as("SELECT filename, bytes FROM archive_packages WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Keeps a package, in the caller's transaction.
pub async fn insert_package(
    conn: &mut PgConnection,
    package: &Package,
    by: Option<Uuid>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO archive_packages (id, year, package_id, filename, sha256, size, bytes,
             documents, made_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(package.id)
    .bind(package.year)
    .bind(&package.package_id)
    .bind(&package.filename)
    .bind(&package.sha256)
    .bind(package.size)
    .bind(&package.bytes)
    .bind(package.documents)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// An administrator's request for a package, as the page shows it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: Uuid,
    pub year: i32,
    pub requested_by_name: String,
    pub requested_at: DateTime<Utc>,
    pub finished_at: Option<DateTime<Utc>>,
    pub failure: Option<String>,
}

/// The requests still running, and those that failed with no package of their year made
/// since; newest first.
pub async fn requests(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<RequestRow>> {
    sqlx::query_as(
        "SELECT r.id, r.year, u.name AS requested_by_name, r.requested_at, r.finished_at, r.failure
         FROM archive_requests r JOIN users u ON u.id = r.requested_by
         WHERE r.finished_at IS NULL
            OR (r.failure IS NOT NULL AND NOT EXISTS (
                    SELECT 1 FROM archive_packages p
                    WHERE p.year = r.year AND p.made_at > r.requested_at))
         ORDER BY r.requested_at DESC
         LIMIT 20",
    )
    .fetch_all(db)
    .await
}

/// A request for `year`'s package, in the caller's transaction; the schema refuses a second
/// one while the first runs (`archive_requests_one_running`).
pub async fn insert_request(
    conn: &mut PgConnection,
    id: Uuid,
    year: i32,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO archive_requests (id, year, requested_by) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(year)
        .bind(by)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends `year`'s requests that have run longer than `STALE_MINUTES` as failed with `why`;
/// their ids.
pub async fn end_stale_requests(
    conn: &mut PgConnection,
    year: i32,
    why: &str,
) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar(
        "UPDATE archive_requests SET finished_at = now(), failure = $3
         WHERE year = $1 AND finished_at IS NULL
           AND requested_at < now() - make_interval(mins => $2)
         RETURNING id",
    )
    .bind(year)
    .bind(STALE_MINUTES)
    .bind(why)
    .fetch_all(conn)
    .await
}

/// Ends a running request with its package or with why it failed; `false` if it had ended
/// already.
pub async fn finish_request(
    conn: &mut PgConnection,
    id: Uuid,
    package: Option<Uuid>,
    failure: Option<&str>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE archive_requests SET finished_at = now(), package = $2, failure = $3
         WHERE id = $1 AND finished_at IS NULL",
    )
    .bind(id)
    .bind(package)
    .bind(failure)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

// ---- What a package holds of its year ----

/// The year's filed requisitions, each with its paid payout.
pub async fn requisitions(
    db: impl PgExecutor<'_>,
    year: i32,
) -> sqlx::Result<Vec<RequisitionFacts>> {
    sqlx::query_as(
        "SELECT r.id, r.organisation_id, r.case_number, r.state, r.amount, r.first_submitted_at,
                r.decided_at, p.paid_amount, p.paid_date
         FROM requisitions r
         LEFT JOIN payouts p ON p.requisition_id = r.id AND p.state = $2
         WHERE r.year = $1 AND r.first_submitted_at IS NOT NULL
         ORDER BY r.organisation_id, r.first_submitted_at",
    )
    .bind(year)
    .bind(PayoutState::Paid)
    .fetch_all(db)
    .await
}

/// Every filed version of the year's reports.
pub async fn reports(db: impl PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<ReportFacts>> {
    sqlx::query_as(
        "SELECT id, organisation_id, version, current, state, first_submitted_at, approved_at,
                received, used, unused
         FROM reports
         WHERE year = $1 AND first_submitted_at IS NOT NULL
         ORDER BY organisation_id, version",
    )
    .bind(year)
    .fetch_all(db)
    .await
}

/// An attachment of a filed requisition or report, as submitted.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttachmentRow {
    pub organisation_id: Uuid,
    pub to_requisition: bool,
    /// The requisition's case number, or the report's version (`version 2`).
    pub reference: String,
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
    pub uploaded_at: DateTime<Utc>,
}

/// The attachments of the year's filed requisitions and reports.
pub async fn attachments(db: impl PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<AttachmentRow>> {
    sqlx::query_as(
        "SELECT r.organisation_id, true AS to_requisition, r.case_number AS reference,
                a.filename, a.content_type, a.bytes, a.uploaded_at
         FROM requisition_attachments a JOIN requisitions r ON r.id = a.requisition_id
         WHERE r.year = $1 AND r.first_submitted_at IS NOT NULL
         UNION ALL
         SELECT p.organisation_id, false, 'version ' || p.version, a.filename, a.content_type,
                a.bytes, a.uploaded_at
         FROM report_attachments a JOIN reports p ON p.id = a.report_id
         WHERE p.year = $1 AND p.first_submitted_at IS NOT NULL
         ORDER BY 1, 2 DESC, 3, 7",
    )
    .bind(year)
    .fetch_all(db)
    .await
}

/// An entry of the audit log, with who and the requisition's case number where it is one.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct LogRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<Uuid>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub case_number: Option<String>,
}

/// Every entry of the audit log on the year's records, oldest first: its requisitions (and
/// their attachments, payouts and messages), reports, repayments, refunds, extensions and
/// interest decisions, its summary and its exports, Tillväxtverket's account, its decision
/// records, and its earlier archive packages.
pub async fn audit_log(db: impl PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<LogRow>> {
    sqlx::query_as(
        "WITH requisition AS (
              SELECT id::text AS id, case_number FROM requisitions WHERE year = $1
         )
         SELECT a.id, a.at, a.actor_user_id, u.name AS actor_name, a.action, a.entity,
                a.entity_id, a.before, a.after, rq.case_number
         FROM audit_log a
         LEFT JOIN users u ON u.id = a.actor_user_id
         LEFT JOIN requisition rq ON a.entity = 'requisition' AND rq.id = a.entity_id
         WHERE (a.entity = 'requisition' AND a.entity_id IN (SELECT id FROM requisition))
            OR (a.entity = 'requisition_attachment'
                AND COALESCE(a.after ->> 'requisition', a.before ->> 'requisition')
                    IN (SELECT id FROM requisition))
            OR (a.entity = 'report'
                AND a.entity_id IN (SELECT id::text FROM reports WHERE year = $1))
            OR (a.entity = 'repayment_payment'
                AND a.entity_id IN (SELECT id::text FROM repayment_payments WHERE year = $1))
            OR (a.entity = 'refund'
                AND a.entity_id IN (SELECT id::text FROM refunds WHERE year = $1))
            OR (a.entity IN ('deadline_extension', 'interest_decision')
                AND split_part(a.entity_id, '/', 1) = $2)
            OR (a.entity IN ('summary', 'agency_account') AND a.entity_id = $2)
            OR (a.entity = 'summary_export'
                AND a.entity_id IN (SELECT id::text FROM summary_exports WHERE year = $1))
            OR (a.entity = 'decision_record'
                AND a.entity_id IN (SELECT id::text FROM decision_records WHERE year = $1))
            OR (a.entity IN ('archive_package', 'archive_request')
                AND COALESCE(a.after ->> 'year', a.before ->> 'year') = $2)
         ORDER BY a.id",
    )
    .bind(year)
    .bind(year.to_string())
    .fetch_all(db)
    .await
}

/// The year's kept exports (the summary, the documents to Kammarkollegiet), without their
/// bytes, oldest first.
pub async fn exports(db: impl PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<KeptExport>> {
    sqlx::query_as(
        "SELECT id, document, format, filename, sha256, created_at, submitted_at
         FROM summary_exports WHERE year = $1
         ORDER BY created_at, id",
    )
    .bind(year)
    .fetch_all(db)
    .await
}

/// The bytes of these kept exports.
pub async fn export_bytes(
    db: impl PgExecutor<'_>,
    ids: &[Uuid],
) -> sqlx::Result<Vec<(Uuid, Vec<u8>)>> {
    sqlx::query_as("SELECT id, bytes FROM summary_exports WHERE id = ANY($1)")
        .bind(ids.to_vec())
        .fetch_all(db)
        .await
}
