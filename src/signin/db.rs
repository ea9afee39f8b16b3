//! The sign-in pages' SQL: credentials, set-password links, and requests for a new password.

use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use crate::auth::{Role, token};

/// What a password login checks, of an active account.
#[derive(sqlx::FromRow)]
pub struct Credentials {
    pub id: Uuid,
    pub password_hash: Option<String>,
    pub role: Role,
    pub has_second_factor: bool,
}

pub async fn credentials(db: &PgPool, email: &str) -> sqlx::Result<Option<Credentials>> {
    sqlx::query_as(
        "SELECT u.id, u.password_hash, u.role,
                EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id) AS has_second_factor
         FROM users u WHERE u.email = $1 AND u.active",
    )
    .bind(email)
    .fetch_optional(db)
    .await
}

/// Whose a set-password link is, while it is unused, unexpired and its user active.
#[derive(sqlx::FromRow)]
pub struct TokenOwner {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
}

pub async fn token_owner(db: &PgPool, link_token: &str) -> sqlx::Result<Option<TokenOwner>> {
    sqlx::query_as(
        "SELECT t.user_id, u.name, u.email FROM password_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now() AND u.active",
    )
    .bind(token::hash(link_token))
    .fetch_optional(db)
    .await
}

/// Uses the link up, once: false when it was used already.
pub async fn use_link(conn: &mut PgConnection, link_token: &str) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE password_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL",
    )
    .bind(token::hash(link_token))
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub async fn set_password_hash(
    conn: &mut PgConnection,
    user_id: Uuid,
    hash: &str,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(user_id)
        .bind(hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// How many new passwords were asked for within the hour for the typed address, and from
/// the client; racing requests for one address or client wait for each other while they
/// count (the transaction holds the locks).
pub async fn reset_requests_within_hour(
    conn: &mut PgConnection,
    email: &str,
    bucket: &str,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('password-reset:' || $1))")
        .bind(email)
        .execute(&mut *conn)
        .await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('password-reset-ip:' || $1))")
        .bind(bucket)
        .execute(&mut *conn)
        .await?;
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE email = $1), count(*) FILTER (WHERE ip_bucket = $2)
         FROM password_reset_requests
         WHERE requested_at > now() - interval '1 hour' AND (email = $1 OR ip_bucket = $2)",
    )
    .bind(email)
    .bind(bucket)
    .fetch_one(conn)
    .await
}

pub async fn record_reset_request(
    conn: &mut PgConnection,
    email: &str,
    bucket: &str,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO password_reset_requests (email, ip_bucket) VALUES ($1, $2)")
        .bind(email)
        .bind(bucket)
        .execute(conn)
        .await?;
    Ok(())
}

/// An account a new password may be asked for: active, with its role in force.
#[derive(sqlx::FromRow)]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    pub email: String,
}

pub async fn account_for_reset(
    conn: &mut PgConnection,
    email: &str,
) -> sqlx::Result<Option<Account>> {
    sqlx::query_as(
        "SELECT u.id, u.name, u.email FROM users u
         WHERE u.email = $1 AND u.active AND user_role_confirmed(u.id, u.role)",
    )
    .bind(email)
    .fetch_optional(conn)
    .await
}

/// A user's address (the device cookie names the account by it).
pub async fn email_of(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT email FROM users WHERE id = $1")
        .bind(user_id)
        .fetch_one(conn)
        .await
}
