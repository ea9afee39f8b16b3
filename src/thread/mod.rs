//! The message thread between a region and Tillväxtverket on one case: a requisition, a
//! report, or a year's repayment. One table per case kind, one piece of code for all.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::{
    auth::CurrentUser,
    error::Result,
    requisitions::model::parse_message,
    web::{FormErrors, redirect_with_flash},
};

#[derive(Clone, Copy, Debug)]
pub enum Thread {
    Requisition(Uuid),
    Report(Uuid),
    /// A year's repayment, by the year's approved requisition.
    Repayment(Uuid),
}

impl Thread {
    /// The table and its case column. Fixed strings, never input.
    pub fn table(self) -> (&'static str, &'static str, Uuid) {
        match self {
            Thread::Requisition(id) => ("requisition_messages", "requisition_id", id),
            Thread::Report(id) => ("report_messages", "report_id", id),
            Thread::Repayment(id) => ("repayment_messages", "requisition_id", id),
        }
    }

    /// The audit trail's action, entity and case key for a posted message.
    fn audit(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Thread::Requisition(_) => ("requisition.message", "requisition_message", "requisition"),
            Thread::Report(_) => ("report.message", "report_message", "report"),
            Thread::Repayment(_) => ("repayment.message", "repayment_message", "requisition"),
        }
    }

    /// Where the thread is shown.
    pub fn page(self) -> String {
        match self {
            Thread::Requisition(id) => format!("/rekvisitioner/{id}#meddelanden"),
            Thread::Report(id) => format!("/redovisningar/{id}#meddelanden"),
            Thread::Repayment(id) => format!("/aterbetalningar/arende/{id}"),
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Message {
    pub author_name: String,
    pub author_is_staff: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
}

pub async fn messages(db: &PgPool, thread: Thread) -> sqlx::Result<Vec<Message>> {
    let (table, key, id) = thread.table();
    sqlx::query_as(&format!(
        "SELECT u.name AS author_name, u.role <> 'coordinator' AS author_is_staff, m.body, m.created_at
         FROM {table} m JOIN users u ON u.id = m.author_id
         WHERE m.{key} = $1 ORDER BY m.created_at, m.id"
    ))
    .bind(id)
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

/// A person writes in the thread: one transaction with its audit record. A rejected
/// message comes back as form errors, for the case page to show with the text kept.
pub async fn post(
    db: &PgPool,
    public_url: &str,
    user: &CurrentUser,
    thread: Thread,
    body: &str,
) -> Result<std::result::Result<axum::response::Response, FormErrors>> {
    let mut errors = FormErrors::default();
    let Some(body) = parse_message(&mut errors, "body", body, "Skriv ett meddelande.") else {
        return Ok(Err(errors));
    };
    let (action, entity, key) = thread.audit();
    let (_, _, case) = thread.table();
    let mut tx = db.begin().await?;
    let id = add(&mut tx, thread, user.id(), &body).await?;
    crate::audit::Entry::new(Some(user.id()), action, entity, id)
        .after(json!({ key: case, "body": body }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        public_url,
        crate::mail::Notice::Message {
            thread,
            by_staff: user.user.is_staff(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(Ok(redirect_with_flash(
        &thread.page(),
        "Meddelandet är skickat.",
    )))
}
