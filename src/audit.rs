//! The audit trail: who did what to which record, when, with before and after.
//! Always written inside the transaction of the change it records. The administrator
//! reads it as Swedish sentences at `/admin/logg` (`page.rs`; the sentences in `model.rs`,
//! the reading in `db.rs`).

pub mod db;
pub mod model;
pub mod page;

use serde_json::Value;
use sqlx::PgConnection;
use uuid::Uuid;

pub struct Entry<'a> {
    pub actor: Option<Uuid>,
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl<'a> Entry<'a> {
    /// An entry for `action` ("entity.verb", e.g. "refund.approved") on one record, by a
    /// user (`Some`) or by the system (`None`).
    pub fn new(
        actor: Option<Uuid>,
        action: &'a str,
        entity: &'a str,
        entity_id: impl ToString,
    ) -> Self {
        Entry {
            actor,
            action,
            entity,
            entity_id: entity_id.to_string(),
            before: None,
            after: None,
        }
    }

    pub fn before(mut self, before: impl Into<Option<Value>>) -> Self {
        self.before = before.into();
        self
    }

    pub fn after(mut self, after: impl Into<Option<Value>>) -> Self {
        self.after = after.into();
        self
    }

    /// Writes the entry in the caller's transaction.
    pub async fn record(self, conn: &mut PgConnection) -> sqlx::Result<()> {
        let entry = self;
        sqlx::query(
            "INSERT INTO audit_log (actor_user_id, action, entity, entity_id, before, after)
         VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(entry.actor)
        .bind(entry.action)
        .bind(entry.entity)
        .bind(entry.entity_id)
        .bind(entry.before)
        .bind(entry.after)
        .execute(conn)
        .await?;
        Ok(())
    }
}
