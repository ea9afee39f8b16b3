//! All SQL of the requests for public documents: the requests, the documents listed on each
//! with their reviews, and the choices of the registration form.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{Document, DocumentKind, NewRequest, RequestState, Review, Reviewed};

/// A request, with its case's actor, who registered and decided it, how far its review has
/// come and whether its legal hold is still in place.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: Uuid,
    pub number: i64,
    pub received_on: NaiveDate,
    pub requester: String,
    pub reply_to: String,
    pub asked_for: String,
    pub year: i32,
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub registered_by_name: String,
    pub registered_at: DateTime<Utc>,
    pub state: RequestState,
    pub decided_by_name: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: Option<String>,
    pub hold_id: i64,
    pub hold_released_at: Option<DateTime<Utc>>,
    /// How many documents are listed, and how many of them are reviewed.
    pub documents: i64,
    pub reviewed: i64,
}

impl RequestRow {
    /// Who asks, or that they asked anonymously.
    pub fn requester_shown(&self) -> &str {
        match self.requester.trim() {
            "" => "Anonym (inget namn uppgivet)",
            name => name,
        }
    }

    pub fn is_open(&self) -> bool {
        self.state.is_open()
    }

    /// The case's legal hold is in place.
    pub fn is_held(&self) -> bool {
        self.hold_released_at.is_none()
    }
}

const SELECT_REQUEST: &str = "
    SELECT r.id, r.number, r.received_on, r.requester, r.reply_to, r.asked_for, r.year,
           r.organisation_id, COALESCE(a.actor_name, o.name) AS actor_name,
           rb.name AS registered_by_name, r.registered_at, r.state,
           db.name AS decided_by_name, r.decided_at, r.decision_note, r.hold_id,
           h.released_at AS hold_released_at,
           (SELECT count(*) FROM disclosure_documents d WHERE d.request_id = r.id) AS documents,
           (SELECT count(*) FROM disclosure_documents d
            WHERE d.request_id = r.id AND d.review <> $1) AS reviewed
    FROM disclosure_requests r
    JOIN organisations o ON o.id = r.organisation_id
    JOIN users rb ON rb.id = r.registered_by
    LEFT JOIN users db ON db.id = r.decided_by
    LEFT JOIN legal_holds h ON h.id = r.hold_id
    LEFT JOIN programme_years y ON y.year = r.year
    LEFT JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = r.organisation_id";

/// Every request: the open ones first, then the latest.
pub async fn requests(db: &PgPool) -> sqlx::Result<Vec<RequestRow>> {
    sqlx::query_as(&format!(
        "{SELECT_REQUEST} ORDER BY r.state = $2 DESC, r.number DESC"
    ))
    .bind(Review::NotReviewed)
    .bind(RequestState::Open)
    .fetch_all(db)
    .await
}

pub async fn request(db: impl sqlx::PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<RequestRow>> {
    sqlx::query_as(&format!("{SELECT_REQUEST} WHERE r.id = $2"))
        .bind(Review::NotReviewed)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The request, locked until the transaction ends: a review and the decision are taken one
/// after the other, so nothing is reviewed after the request is decided.
pub async fn request_for_update(
    conn: &mut PgConnection,
    id: Uuid,
) -> sqlx::Result<Option<RequestRow>> {
    sqlx::query_as(&format!("{SELECT_REQUEST} WHERE r.id = $2 FOR UPDATE OF r"))
        .bind(Review::NotReviewed)
        .bind(id)
        .fetch_optional(conn)
        .await
}

// `filed_at`: when the case document was last filed, as `records::db` reads it for the key of
// its PDF/A (`requisition_submitted_at`, `report_submitted_at`); a decision's when it was
// made. NULL when it is no longer there.
const SELECT_DOCUMENT: &str = "
    SELECT d.position, d.kind, d.document_id, d.title, d.dated, d.review, d.review_note,
           u.name AS reviewed_by_name, d.reviewed_at, d.pdf_key, d.pdf_sha256,
           CASE d.kind
               WHEN 'decision' THEN
                   (SELECT c.decided_at FROM decision_records c WHERE c.id = d.document_id)
               WHEN 'requisition_receipt' THEN
                   (SELECT q.submitted_at FROM requisitions q
                    WHERE q.id = d.document_id AND q.first_submitted_at IS NOT NULL)
               WHEN 'report' THEN
                   (SELECT p.submitted_at FROM reports p
                    WHERE p.id = d.document_id AND p.state <> 'draft')
           END AS filed_at
    FROM disclosure_documents d
    LEFT JOIN users u ON u.id = d.reviewed_by";

/// The documents of a request, in their order.
pub async fn documents(
    db: impl sqlx::PgExecutor<'_>,
    request: Uuid,
) -> sqlx::Result<Vec<Document>> {
    sqlx::query_as(&format!(
        "{SELECT_DOCUMENT} WHERE d.request_id = $1 ORDER BY d.position"
    ))
    .bind(request)
    .fetch_all(db)
    .await
}

pub async fn document(
    db: impl sqlx::PgExecutor<'_>,
    request: Uuid,
    position: i32,
) -> sqlx::Result<Option<Document>> {
    sqlx::query_as(&format!(
        "{SELECT_DOCUMENT} WHERE d.request_id = $1 AND d.position = $2"
    ))
    .bind(request)
    .bind(position)
    .fetch_optional(db)
    .await
}

/// The next request's number, never given twice.
pub async fn next_number(conn: &mut PgConnection) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT nextval('disclosure_request_numbers')")
        .fetch_one(conn)
        .await
}

/// A request registered, its case held by `hold_id`.
pub struct Registered<'a> {
    pub id: Uuid,
    pub number: i64,
    pub request: &'a NewRequest,
    pub by: Uuid,
    pub at: DateTime<Utc>,
    pub hold_id: i64,
}

pub async fn insert_request(conn: &mut PgConnection, r: &Registered<'_>) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO disclosure_requests (id, number, received_on, requester, reply_to, asked_for,
             year, organisation_id, registered_by, registered_at, state, hold_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(r.id)
    .bind(r.number)
    .bind(r.request.received_on)
    .bind(&r.request.requester)
    .bind(&r.request.reply_to)
    .bind(&r.request.asked_for)
    .bind(r.request.year)
    .bind(r.request.organisation_id)
    .bind(r.by)
    .bind(r.at)
    .bind(RequestState::Open)
    .bind(r.hold_id)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A document of the case, listed on the request at `position`, not yet reviewed.
pub async fn insert_document(
    conn: &mut PgConnection,
    request: Uuid,
    position: i32,
    kind: DocumentKind,
    document_id: Uuid,
    title: &str,
    dated: NaiveDate,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO disclosure_documents (request_id, position, kind, document_id, title, dated,
             review)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(request)
    .bind(position)
    .bind(kind)
    .bind(document_id)
    .bind(title)
    .bind(dated)
    .bind(Review::NotReviewed)
    .execute(conn)
    .await
    .map(|_| ())
}

/// The kept PDF/A a review is of: its key (`case_document_pdfs.key`) and SHA-256.
pub struct ReviewedFile<'a> {
    pub key: &'a str,
    pub sha256: &'a str,
}

/// Records a document's review of the kept PDF/A `file` (a new one replaces the earlier
/// while the request is open); `false` when the request has no such document.
pub async fn review(
    conn: &mut PgConnection,
    request: Uuid,
    position: i32,
    reviewed: &Reviewed,
    file: &ReviewedFile<'_>,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE disclosure_documents SET review = $3, review_note = $4, reviewed_by = $5,
             reviewed_at = $6, pdf_key = $7, pdf_sha256 = $8
         WHERE request_id = $1 AND position = $2",
    )
    .bind(request)
    .bind(position)
    .bind(reviewed.review)
    .bind(&reviewed.note)
    .bind(by)
    .bind(at)
    .bind(file.key)
    .bind(file.sha256)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Decides the request; `false` when it is not open (someone decided it first).
pub async fn decide(
    conn: &mut PgConnection,
    id: Uuid,
    note: Option<&str>,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE disclosure_requests SET state = $2, decision_note = $3, decided_by = $4,
             decided_at = $5
         WHERE id = $1 AND state = $6",
    )
    .bind(id)
    .bind(RequestState::Decided)
    .bind(note)
    .bind(by)
    .bind(at)
    .bind(RequestState::Open)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Whether the legal hold is still in place (`None`: no such hold).
pub async fn hold_in_place(conn: &mut PgConnection, hold_id: i64) -> sqlx::Result<Option<bool>> {
    sqlx::query_scalar("SELECT released_at IS NULL FROM legal_holds WHERE id = $1")
        .bind(hold_id)
        .fetch_optional(conn)
        .await
}

/// The organisation's name as the actor of `year`, or `None` when it is not one of the year's
/// actors: a request is for an actor's year.
pub async fn actor_of_year(
    db: &PgPool,
    year: i32,
    organisation_id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT a.actor_name FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         WHERE y.year = $1 AND a.organisation_id = $2",
    )
    .bind(year)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}

/// Every organisation that is an actor in some period, by name: the form's choices.
pub async fn actors(db: &PgPool) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as(
        "SELECT o.id, o.name FROM organisations o
         WHERE EXISTS (SELECT 1 FROM period_actors a WHERE a.organisation_id = o.id)
         ORDER BY o.name",
    )
    .fetch_all(db)
    .await
}

/// The SHA-256 of the kept PDF/A under `key`, if one is kept.
pub async fn kept_sha256(conn: &mut PgConnection, key: &str) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar("SELECT sha256 FROM case_document_pdfs WHERE key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await
}
