//! The network's tables: the directory, Tillväxtverket's contact, events, their documents
//! and registrations.

use chrono::{DateTime, Utc};
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{
    AgencyContact, Attendee, Editor, NetworkEvent, Person, ValidContact, ValidEvent,
};
use crate::auth::{Role, Scope};

/// The directory's people: active coordinators (in the organisation their account has
/// now) and the contacts an administrator added. Binds `Role::Coordinator` as `$1`: the
/// queries that use it number theirs from `$2`.
const PEOPLE: &str = "SELECT c.id, c.user_id, o.id AS organisation_id, o.name AS organisation_name,
        c.name, c.title, c.email, c.phone
    FROM network_contacts c
    LEFT JOIN users u ON u.id = c.user_id
    JOIN organisations o ON o.id = COALESCE(u.organisation_id, c.organisation_id)
    WHERE (c.user_id IS NULL OR (u.active AND u.role = $1))";

/// Everyone in the directory, by organisation and name.
pub async fn directory(db: &PgPool) -> sqlx::Result<Vec<Person>> {
    sqlx::query_as(&format!("{PEOPLE} ORDER BY o.name, c.name, c.email"))
        .bind(Role::Coordinator)
        .fetch_all(db)
        .await
}

/// One organisation's people, for registering one of them.
pub async fn people_of(db: &PgPool, organisation: Uuid) -> sqlx::Result<Vec<Person>> {
    sqlx::query_as(&format!("{PEOPLE} AND o.id = $2 ORDER BY c.name"))
        .bind(Role::Coordinator)
        .bind(organisation)
        .fetch_all(db)
        .await
}

/// An entry the editor may change, locked for the change; `None` for one they may not.
pub async fn person_to_edit(
    conn: &mut PgConnection,
    id: Uuid,
    editor: Editor,
) -> sqlx::Result<Option<Person>> {
    sqlx::query_as(&format!(
        "{PEOPLE} AND c.id = $2 AND ($3::uuid IS NULL OR c.user_id = $3) FOR UPDATE OF c"
    ))
    .bind(Role::Coordinator)
    .bind(id)
    .bind(editor.only_user())
    .fetch_optional(conn)
    .await
}

pub async fn update_person(
    conn: &mut PgConnection,
    id: Uuid,
    c: &ValidContact,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE network_contacts
         SET name = $2, title = $3, email = $4, phone = $5, updated_by = $6, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(&c.name)
    .bind(&c.title)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

/// A contact who is not a user.
pub async fn insert_contact(
    conn: &mut PgConnection,
    organisation: Uuid,
    c: &ValidContact,
    by: Uuid,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO network_contacts (id, organisation_id, name, title, email, phone, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(organisation)
    .bind(&c.name)
    .bind(&c.title)
    .bind(&c.email)
    .bind(&c.phone)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Removes a contact who is not a user (a coordinator's entry goes with the account).
pub async fn delete_contact(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query("DELETE FROM network_contacts WHERE id = $1 AND user_id IS NULL")
        .bind(id)
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn agency_contact(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Option<AgencyContact>> {
    sqlx::query_as(
        "SELECT contact_name AS name, contact_email AS email FROM network_settings
         WHERE contact_name IS NOT NULL",
    )
    .fetch_optional(db)
    .await
}

/// Sets (or with `None` clears) Tillväxtverket's contact; returns the one it replaced.
pub async fn set_agency_contact(
    conn: &mut PgConnection,
    contact: Option<&AgencyContact>,
    by: Uuid,
) -> sqlx::Result<Option<AgencyContact>> {
    let before = sqlx::query_as(
        "SELECT contact_name AS name, contact_email AS email FROM network_settings
         WHERE contact_name IS NOT NULL FOR UPDATE",
    )
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE network_settings
         SET contact_name = $1, contact_email = $2, updated_by = $3, updated_at = now()",
    )
    .bind(contact.map(|c| &c.name))
    .bind(contact.map(|c| &c.email))
    .bind(by)
    .execute(conn)
    .await?;
    Ok(before)
}

const EVENT_COLUMNS: &str =
    "e.id, e.kind, e.title, e.day, e.starts, e.ends, e.place, e.link, e.agenda, e.cancel_reason";

/// Every event, in the order they happen.
pub async fn events(db: &PgPool) -> sqlx::Result<Vec<NetworkEvent>> {
    sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM network_events e ORDER BY e.day, e.starts, e.title"
    ))
    .fetch_all(db)
    .await
}

/// An event in the list, with how many are registered (of the organisation, for a region).
#[derive(sqlx::FromRow)]
pub struct EventRow {
    #[sqlx(flatten)]
    pub event: NetworkEvent,
    pub registered: i64,
}

pub async fn event_list(db: &PgPool, scope: Scope) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS},
                (SELECT count(*) FROM network_registrations r
                 WHERE r.event_id = e.id AND ($1::uuid IS NULL OR r.organisation_id = $1))
                AS registered
         FROM network_events e ORDER BY e.day, e.starts, e.title"
    ))
    .bind(scope.organisation())
    .fetch_all(db)
    .await
}

pub async fn event(db: impl sqlx::PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<NetworkEvent>> {
    sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM network_events e WHERE e.id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// The event, locked for a change to it or to its documents and registrations.
pub async fn lock_event(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<NetworkEvent>> {
    sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM network_events e WHERE e.id = $1 FOR UPDATE"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await
}

pub async fn insert_event(conn: &mut PgConnection, e: &ValidEvent, by: Uuid) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO network_events
             (id, kind, title, day, starts, ends, place, link, agenda, created_by, updated_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
    )
    .bind(id)
    .bind(e.kind)
    .bind(&e.title)
    .bind(e.day)
    .bind(e.starts)
    .bind(e.ends)
    .bind(&e.place)
    .bind(&e.link)
    .bind(&e.agenda)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Marks the event cancelled with `reason`; false when it already was.
pub async fn cancel_event(
    conn: &mut PgConnection,
    id: Uuid,
    reason: &str,
    by: Uuid,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE network_events SET cancelled_at = now(), cancelled_by = $2, cancel_reason = $3,
             updated_by = $2, updated_at = now()
         WHERE id = $1 AND cancelled_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn update_event(
    conn: &mut PgConnection,
    id: Uuid,
    e: &ValidEvent,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE network_events
         SET kind = $2, title = $3, day = $4, starts = $5, ends = $6, place = $7, link = $8,
             agenda = $9, updated_by = $10, updated_at = now()
         WHERE id = $1",
    )
    .bind(id)
    .bind(e.kind)
    .bind(&e.title)
    .bind(e.day)
    .bind(e.starts)
    .bind(e.ends)
    .bind(&e.place)
    .bind(&e.link)
    .bind(&e.agenda)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
pub struct DocumentRow {
    pub id: Uuid,
    pub filename: String,
    pub size: i32,
}

impl DocumentRow {
    pub fn size_text(&self) -> String {
        let size = f64::from(self.size);
        if size >= 1024.0 * 1024.0 {
            format!("{:.1} MB", size / (1024.0 * 1024.0)).replace('.', ",")
        } else {
            format!("{} kB", (size / 1024.0).ceil())
        }
    }
}

pub async fn documents(db: &PgPool, event: Uuid) -> sqlx::Result<Vec<DocumentRow>> {
    sqlx::query_as(
        "SELECT id, filename, size FROM network_event_documents
         WHERE event_id = $1 ORDER BY uploaded_at, filename",
    )
    .bind(event)
    .fetch_all(db)
    .await
}

/// How many documents the event has, and their bytes together.
pub async fn document_totals(conn: &mut PgConnection, event: Uuid) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT count(*), COALESCE(sum(size), 0)::bigint FROM network_event_documents
         WHERE event_id = $1",
    )
    .bind(event)
    .fetch_one(conn)
    .await
}

pub struct NewDocument<'a> {
    pub event_id: Uuid,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub bytes: &'a [u8],
    pub size: i32,
    pub uploaded_by: Uuid,
}

pub async fn insert_document(conn: &mut PgConnection, d: NewDocument<'_>) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO network_event_documents
             (id, event_id, filename, content_type, size, sha256, bytes, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(d.event_id)
    .bind(d.filename)
    .bind(d.content_type)
    .bind(d.size)
    .bind(d.sha256)
    .bind(d.bytes)
    .bind(d.uploaded_by)
    .execute(conn)
    .await?;
    Ok(id)
}

/// A document's name, type and bytes.
pub async fn document_bytes(
    db: &PgPool,
    event: Uuid,
    document: Uuid,
) -> sqlx::Result<Option<(String, String, Vec<u8>)>> {
    sqlx::query_as(
        "SELECT filename, content_type, bytes FROM network_event_documents
         WHERE id = $2 AND event_id = $1",
    )
    .bind(event)
    .bind(document)
    .fetch_optional(db)
    .await
}

/// Removes a document; its file name, or `None` when there was none.
pub async fn delete_document(
    conn: &mut PgConnection,
    event: Uuid,
    document: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "DELETE FROM network_event_documents WHERE id = $2 AND event_id = $1 RETURNING filename",
    )
    .bind(event)
    .bind(document)
    .fetch_optional(conn)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Registration {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub name: String,
    pub email: String,
    pub registered_at: DateTime<Utc>,
    pub attended: Option<bool>,
}

/// An event's registrations: every organisation's, or one's.
pub async fn registrations(
    db: impl sqlx::PgExecutor<'_>,
    event: Uuid,
    scope: Scope,
) -> sqlx::Result<Vec<Registration>> {
    sqlx::query_as(
        "SELECT r.id, r.organisation_id, o.name AS organisation_name, r.name, r.email,
                r.registered_at, r.attended
         FROM network_registrations r JOIN organisations o ON o.id = r.organisation_id
         WHERE r.event_id = $1 AND ($2::uuid IS NULL OR r.organisation_id = $2)
         ORDER BY o.name, r.name",
    )
    .bind(event)
    .bind(scope.organisation())
    .fetch_all(db)
    .await
}

/// Registers someone; fails on `network_registrations_once` when they already are.
pub async fn insert_registration(
    conn: &mut PgConnection,
    event: Uuid,
    organisation: Uuid,
    a: &Attendee,
    by: Uuid,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO network_registrations (id, event_id, organisation_id, name, email, registered_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(event)
    .bind(organisation)
    .bind(&a.name)
    .bind(&a.email)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Withdraws one of the organisation's registrations; the name, or `None`.
/// Removes a registration not yet recorded; `organisation` limits it to a region's own
/// (`None` for staff).
pub async fn delete_registration(
    conn: &mut PgConnection,
    event: Uuid,
    id: Uuid,
    organisation: Option<Uuid>,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "DELETE FROM network_registrations
         WHERE id = $2 AND event_id = $1 AND ($3::uuid IS NULL OR organisation_id = $3)
           AND attended IS NULL
         RETURNING name",
    )
    .bind(event)
    .bind(id)
    .bind(organisation)
    .fetch_optional(conn)
    .await
}

pub async fn record_attendance(
    conn: &mut PgConnection,
    event: Uuid,
    registration: Uuid,
    attended: bool,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE network_registrations SET attended = $3, recorded_by = $4, recorded_at = now()
         WHERE id = $2 AND event_id = $1",
    )
    .bind(event)
    .bind(registration)
    .bind(attended)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(())
}
