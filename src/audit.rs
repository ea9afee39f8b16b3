//! The audit trail: who did what to which record, when, with before and after.
//! Always written inside the transaction of the change it records.

use chrono::{DateTime, Utc};
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

#[derive(sqlx::FromRow)]
pub struct LoggedEntry {
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
}

impl LoggedEntry {
    pub fn at_local(&self) -> String {
        crate::clock::swedish(self.at)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    pub fn before_text(&self) -> String {
        self.before
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default()
    }

    pub fn after_text(&self) -> String {
        self.after
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default()
    }
}

pub async fn latest(db: &sqlx::PgPool, limit: i64) -> sqlx::Result<Vec<LoggedEntry>> {
    sqlx::query_as(
        "SELECT a.at, u.name AS actor_name, a.action, a.entity, a.entity_id, a.before, a.after
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
         ORDER BY a.id DESC LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db)
    .await
}
