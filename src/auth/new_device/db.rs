//! The known devices' SQL (`known_devices`): only a device's hash is kept, with its browser.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// Holds the account's devices for the rest of the transaction: two first sign-ins at once
/// are taken one after the other, so only one of them is the account's first.
pub async fn lock_account(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('known-devices:' || $1::text))")
        .bind(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Notes a device the account knows as seen now; false when the account does not know it.
pub async fn seen_again(
    conn: &mut PgConnection,
    user_id: Uuid,
    device_hash: &[u8],
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE known_devices
         SET last_seen_at = GREATEST(last_seen_at, $3), user_agent = COALESCE($4, user_agent)
         WHERE user_id = $1 AND device_hash = $2",
    )
    .bind(user_id)
    .bind(device_hash)
    .bind(now)
    .bind(user_agent)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// A finished sign-in as the audit log names it: with the password (and the code), or the
/// second step after any way in.
const LOGIN: &str = "auth.login";
/// A sign-in through an identity provider; finished there only when no second step followed
/// (`second_step` false in the entry), else the second step wrote its own `LOGIN`.
const SSO_LOGIN: &str = "sso.login";

/// Whether the account has signed in before this sign-in: from a device it knows, or — an
/// account that signed in before devices were kept has none yet — as its audit log says. Its
/// own entry for this sign-in, written in this transaction, is not "before" (`now()` is the
/// transaction's start, the time every entry of it carries).
pub async fn signed_in_before(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM known_devices WHERE user_id = $1)
             OR EXISTS (
                 SELECT 1 FROM audit_log
                 WHERE entity = 'user' AND entity_id = $1::text AND at < now()
                   AND (action = $2 OR (action = $3 AND after ->> 'second_step' = 'false'))
             )",
    )
    .bind(user_id)
    .bind(LOGIN)
    .bind(SSO_LOGIN)
    .fetch_one(conn)
    .await
}

/// Records a device as the account's; false when it was recorded meanwhile.
pub async fn insert(
    conn: &mut PgConnection,
    user_id: Uuid,
    device_hash: &[u8],
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO known_devices (user_id, device_hash, first_seen_at, last_seen_at, user_agent)
         VALUES ($1, $2, $3, $3, $4)
         ON CONFLICT (user_id, device_hash) DO NOTHING",
    )
    .bind(user_id)
    .bind(device_hash)
    .bind(now)
    .bind(user_agent)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// The active account's name and address, to write to.
pub async fn person(
    conn: &mut PgConnection,
    user_id: Uuid,
) -> sqlx::Result<Option<(String, String)>> {
    sqlx::query_as("SELECT name, email FROM users WHERE id = $1 AND active")
        .bind(user_id)
        .fetch_optional(conn)
        .await
}
