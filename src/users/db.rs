//! Reading and writing user accounts and their set-password links.

use serde::Serialize;
use serde_json::{Value, json};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::ValidUser;
use crate::{
    audit,
    auth::{Role, session},
};

/// How long a set-password link works.
pub const LINK_VALID_HOURS: i32 = 72;

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    #[sqlx(default)]
    pub organisation_name: Option<String>,
    pub active: bool,
    #[serde(skip)]
    #[sqlx(default)]
    pub has_password: bool,
}

const SELECT_USERS: &str =
    "SELECT u.id, u.email, u.name, u.role, u.organisation_id, o.name AS organisation_name,
        u.active, u.password_hash IS NOT NULL AS has_password
    FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id";

pub async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("{SELECT_USERS} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// The user, locked until the transaction ends: for a change decided from what it was.
pub async fn find_for_update(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("{SELECT_USERS} WHERE u.id = $1 FOR UPDATE OF u"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

pub async fn all(db: &PgPool) -> sqlx::Result<Vec<User>> {
    sqlx::query_as(&format!(
        "{SELECT_USERS} ORDER BY u.active DESC, u.role, o.name NULLS FIRST, u.name"
    ))
    .fetch_all(db)
    .await
}

/// Inserts a new user; `users_email_key` tells that the address is taken.
pub async fn insert(conn: &mut PgConnection, user: &ValidUser, active: bool) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO users (id, email, name, role, organisation_id, active)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(&user.email)
    .bind(&user.name)
    .bind(user.role)
    .bind(user.organisation_id)
    .bind(active)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Saves the e-mail address and name, and the role and organisation when given.
pub async fn update(
    conn: &mut PgConnection,
    id: Uuid,
    user: &ValidUser,
    with_role: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE users SET email = $2, name = $3,
             role = CASE WHEN $6 THEN $4 ELSE role END,
             organisation_id = CASE WHEN $6 THEN $5 ELSE organisation_id END
         WHERE id = $1",
    )
    .bind(id)
    .bind(&user.email)
    .bind(&user.name)
    .bind(user.role)
    .bind(user.organisation_id)
    .bind(with_role)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn set_active(conn: &mut PgConnection, id: Uuid, active: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET active = $2 WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(conn)
        .await?;
    Ok(())
}

/// Creates a one-time set-password link for the user; returns the link to show.
pub async fn create_password_link(
    conn: &mut PgConnection,
    public_url: &str,
    user_id: Uuid,
) -> sqlx::Result<String> {
    let token = session::random_token();
    sqlx::query(
        "UPDATE password_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, user_id, expires_at)
         VALUES ($1, $2, now() + make_interval(hours => $3))",
    )
    .bind(session::hash_token(&token))
    .bind(user_id)
    .bind(LINK_VALID_HOURS)
    .execute(conn)
    .await?;
    Ok(format!("{public_url}/losenord/{token}"))
}

/// Records a change to a user account in the audit log.
pub async fn record(
    conn: &mut PgConnection,
    actor: Option<Uuid>,
    action: &str,
    user_id: Uuid,
    before: Option<&User>,
    after: Option<Value>,
) -> sqlx::Result<()> {
    audit::record(
        conn,
        audit::Entry {
            actor,
            action,
            entity: "user",
            entity_id: user_id.to_string(),
            before: before.map(|u| json!(u)),
            after,
        },
    )
    .await
}
