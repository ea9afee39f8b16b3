//! The threads' tables: a message read back with its author, or added; who has read a
//! thread up to when, and every thread a reader may see with what is unread in it.

use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::{Conversation, Message, Thread, ThreadKind};
use crate::auth::{Role, Scope};

pub async fn messages(db: &PgPool, thread: Thread) -> sqlx::Result<Vec<Message>> {
    let (table, key, id) = thread.table();
    sqlx::query_as(&format!(
        "SELECT u.name AS author_name, u.role <> $2 AS author_is_staff, m.body, m.created_at
         FROM {table} m JOIN users u ON u.id = m.author_id
         WHERE m.{key} = $1 ORDER BY m.created_at, m.id"
    ))
    .bind(id)
    .bind(Role::Coordinator)
    .fetch_all(db)
    .await
}

/// Adds a message inside the caller's transaction (a return or rejection posts its reason).
pub async fn add(
    conn: &mut PgConnection,
    thread: Thread,
    author: Uuid,
    body: &str,
) -> sqlx::Result<Uuid> {
    let (table, key, case) = thread.table();
    let id = Uuid::new_v4();
    sqlx::query(&format!(
        "INSERT INTO {table} (id, {key}, author_id, body) VALUES ($1, $2, $3, $4)"
    ))
    .bind(id)
    .bind(case)
    .bind(author)
    .bind(body)
    .execute(conn)
    .await?;
    Ok(id)
}

/// The thread's messages as its case page shows them to `reader`, who has then read them.
pub async fn shown_to(db: &PgPool, thread: Thread, reader: Uuid) -> sqlx::Result<Vec<Message>> {
    let shown = messages(db, thread).await?;
    // A thread without messages has nothing to read: no mark is written for it.
    if !shown.is_empty() {
        mark_read(db, reader, thread).await?;
    }
    Ok(shown)
}

/// `reader` has read `thread` up to now. Never moved back. Not audited: reading changes no
/// case, and the audit log records what was decided and written, not what was looked at.
pub async fn mark_read(db: impl PgExecutor<'_>, reader: Uuid, thread: Thread) -> sqlx::Result<()> {
    let case = thread.case();
    let (requisition, report) = match thread.kind() {
        ThreadKind::Report => (None, Some(case)),
        ThreadKind::Requisition | ThreadKind::Repayment => (Some(case), None),
    };
    sqlx::query(
        "INSERT INTO thread_reads (user_id, kind, case_id, requisition_id, report_id, read_at)
         VALUES ($1, $2, $3, $4, $5, now())
         ON CONFLICT (user_id, kind, case_id)
         DO UPDATE SET read_at = GREATEST(thread_reads.read_at, EXCLUDED.read_at)",
    )
    .bind(reader)
    .bind(thread.kind())
    .bind(case)
    .bind(requisition)
    .bind(report)
    .execute(db)
    .await?;
    Ok(())
}

/// Every case thread `reader` may see that has messages, the newest message first: a
/// coordinator their own organisation's cases, staff every case they may open (a
/// requisition or report once it has been submitted, as their pages say). Unread are the
/// messages from others written after the reader last read the thread.
pub async fn inbox(db: &PgPool, reader: Uuid, scope: Scope) -> sqlx::Result<Vec<Conversation>> {
    sqlx::query_as(
        "WITH written AS (
             SELECT 'requisition'::thread_kind AS kind, m.requisition_id AS case_id, m.id,
                    m.author_id, m.body, m.created_at, r.organisation_id, r.year,
                    r.case_number, 1 AS version, r.first_submitted_at IS NOT NULL AS filed
             FROM requisition_messages m JOIN requisitions r ON r.id = m.requisition_id
             UNION ALL
             SELECT 'report'::thread_kind, m.report_id, m.id, m.author_id, m.body, m.created_at,
                    p.organisation_id, p.year, NULL, p.version, p.first_submitted_at IS NOT NULL
             FROM report_messages m JOIN reports p ON p.id = m.report_id
             UNION ALL
             SELECT 'repayment'::thread_kind, m.requisition_id, m.id, m.author_id, m.body,
                    m.created_at, r.organisation_id, r.year, r.case_number, 1, true
             FROM repayment_messages m JOIN requisitions r ON r.id = m.requisition_id
         ), seen AS (
             SELECT * FROM written WHERE ($1::uuid IS NULL AND filed OR organisation_id = $1)
         ), latest AS (
             SELECT DISTINCT ON (kind, case_id) * FROM seen
             ORDER BY kind, case_id, created_at DESC, id DESC
         ), unread AS (
             SELECT s.kind, s.case_id, count(*) AS n
             FROM seen s
             LEFT JOIN thread_reads t
                 ON t.user_id = $2 AND t.kind = s.kind AND t.case_id = s.case_id
             WHERE s.author_id <> $2 AND (t.read_at IS NULL OR s.created_at > t.read_at)
             GROUP BY s.kind, s.case_id
         )
         SELECT l.kind, l.case_id, l.year, l.case_number, l.version, a.actor_name,
                u.name AS author_name, u.role <> $3 AS author_is_staff, l.body, l.created_at,
                COALESCE(n.n, 0) AS unread
         FROM latest l
         JOIN programme_years y ON y.year = l.year
         JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = l.organisation_id
         JOIN users u ON u.id = l.author_id
         LEFT JOIN unread n ON n.kind = l.kind AND n.case_id = l.case_id
         ORDER BY l.created_at DESC, l.kind, l.case_id",
    )
    .bind(scope.organisation())
    .bind(reader)
    .bind(Role::Coordinator)
    .fetch_all(db)
    .await
}
