//! The threads' tables: a message read back with its author, or added.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{Message, Thread};
use crate::auth::Role;

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
