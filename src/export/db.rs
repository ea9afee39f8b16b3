//! The kept exports (`summary_exports`): every document, its format, bytes and checksum.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::{Document, ExportFormat, Kept};

/// A kept export, as the lists show it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ExportRow {
    pub id: Uuid,
    pub document: Document,
    pub format: ExportFormat,
    pub filename: String,
    pub sha256: String,
    pub size: i32,
    pub created_by_name: String,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

pub(super) async fn insert(
    conn: &mut PgConnection,
    kept: &Kept,
    year: i32,
    document: Document,
    format: ExportFormat,
    bytes: &[u8],
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO summary_exports (id, year, document, format, filename, sha256, size, bytes, created_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(kept.id)
    .bind(year)
    .bind(document)
    .bind(format)
    .bind(&kept.filename)
    .bind(&kept.sha256)
    .bind(kept.size)
    .bind(bytes)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// `year`'s kept exports of these documents, newest first.
pub async fn list(
    db: impl PgExecutor<'_>,
    year: i32,
    documents: &[Document],
) -> sqlx::Result<Vec<ExportRow>> {
    sqlx::query_as(
        "SELECT e.id, e.document, e.format, e.filename, e.sha256, e.size, u.name AS created_by_name,
                e.created_at, e.submitted_at
         FROM summary_exports e JOIN users u ON u.id = e.created_by
         WHERE e.year = $1 AND e.document = ANY($2)
         ORDER BY e.created_at DESC",
    )
    .bind(year)
    .bind(documents.to_vec())
    .fetch_all(db)
    .await
}

/// An export's file to download: its format, name and bytes.
pub async fn file(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> sqlx::Result<Option<(ExportFormat, String, Vec<u8>)>> {
    sqlx::query_as("SELECT format, filename, bytes FROM summary_exports WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Marks an export of one of these documents submitted; `None` if it is not one of them, or
/// is already submitted. Returns its year and file name.
pub async fn mark_submitted(
    conn: &mut PgConnection,
    id: Uuid,
    documents: &[Document],
    by: Uuid,
) -> sqlx::Result<Option<(i32, String)>> {
    sqlx::query_as(
        "UPDATE summary_exports SET submitted_at = now(), submitted_by = $2
         WHERE id = $1 AND submitted_at IS NULL AND document = ANY($3) RETURNING year, filename",
    )
    .bind(id)
    .bind(by)
    .bind(documents.to_vec())
    .fetch_optional(conn)
    .await
}

/// Whether an export of one of these documents is kept under `id`.
pub async fn exists(
    db: impl PgExecutor<'_>,
    id: Uuid,
    documents: &[Document],
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM summary_exports WHERE id = $1 AND document = ANY($2))",
    )
    .bind(id)
    .bind(documents.to_vec())
    .fetch_one(db)
    .await
}

/// Whether an export of `document` for `year` has been marked submitted.
pub async fn submitted(
    db: impl PgExecutor<'_>,
    year: i32,
    document: Document,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM summary_exports
         WHERE year = $1 AND document = $2 AND submitted_at IS NOT NULL)",
    )
    .bind(year)
    .bind(document)
    .fetch_one(db)
    .await
}

/// One kept export of these documents, as the lists show it, with its year.
pub async fn find(
    db: &sqlx::PgPool,
    id: Uuid,
    documents: &[Document],
) -> sqlx::Result<Option<(i32, ExportRow)>> {
    let year: Option<i32> =
        sqlx::query_scalar("SELECT year FROM summary_exports WHERE id = $1 AND document = ANY($2)")
            .bind(id)
            .bind(documents.to_vec())
            .fetch_optional(db)
            .await?;
    let Some(year) = year else {
        return Ok(None);
    };
    let row = list(db, year, documents)
        .await?
        .into_iter()
        .find(|e| e.id == id);
    Ok(row.map(|r| (year, r)))
}
