//! Every query of the second factor. Uses of codes are conditional updates, so two
//! requests with the same code can't both pass.

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{new_recovery_codes, normalise_recovery_code, recovery_code_hash};
use crate::{
    audit,
    secrets::{Purpose, Sealer},
};

/// The user's authenticator secret, if they have one (kept sealed: `secrets`).
pub async fn secret_of(
    conn: &mut PgConnection,
    sealer: &Sealer,
    user_id: Uuid,
) -> crate::error::Result<Option<String>> {
    let stored: Option<String> =
        sqlx::query_scalar("SELECT totp_secret FROM second_factors WHERE user_id = $1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?;
    Ok(stored.map(|s| sealer.open(Purpose::Totp, &s)).transpose()?)
}

/// Takes a code's time step as used; false when that step (or a later one) was used already.
pub async fn use_step(conn: &mut PgConnection, user_id: Uuid, step: i64) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE second_factors SET last_used_step = $2
         WHERE user_id = $1 AND (last_used_step IS NULL OR last_used_step < $2)",
    )
    .bind(user_id)
    .bind(step)
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

/// Marks a recovery code used; false when it is unknown or used already.
pub async fn use_recovery_code(
    conn: &mut PgConnection,
    user_id: Uuid,
    normalised: &str,
) -> sqlx::Result<bool> {
    Ok(sqlx::query(
        "UPDATE recovery_codes SET used_at = now()
         WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL",
    )
    .bind(user_id)
    .bind(recovery_code_hash(user_id, normalised))
    .execute(conn)
    .await?
    .rows_affected()
        == 1)
}

pub struct Status {
    pub enrolled_at: DateTime<Utc>,
    pub recovery_codes_left: i64,
}

pub async fn status(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Option<Status>> {
    let row: Option<(DateTime<Utc>, i64)> = sqlx::query_as(
        "SELECT f.enrolled_at,
                (SELECT count(*) FROM recovery_codes r WHERE r.user_id = f.user_id AND r.used_at IS NULL)
         FROM second_factors f WHERE f.user_id = $1",
    )
    .bind(user_id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(enrolled_at, recovery_codes_left)| Status {
        enrolled_at,
        recovery_codes_left,
    }))
}

/// The secret being set up in this session: the one already shown, or `candidate` (kept
/// sealed with the session).
pub async fn setup_secret(
    conn: &mut PgConnection,
    sealer: &Sealer,
    session_id_hash: &[u8],
    candidate: &str,
) -> crate::error::Result<String> {
    let stored: String = sqlx::query_scalar(
        "UPDATE sessions SET totp_setup_secret = coalesce(totp_setup_secret, $2)
         WHERE id_hash = $1 RETURNING totp_setup_secret",
    )
    .bind(session_id_hash)
    .bind(sealer.seal(Purpose::Totp, candidate))
    .fetch_one(conn)
    .await?;
    Ok(sealer.open(Purpose::Totp, &stored)?)
}

/// Enrols a confirmed secret, its first code's step taken as used, with ten new recovery
/// codes (returned to show once; only hashes are kept) and the audit record.
/// `None` if the user has a second factor already (another tab got there first).
pub async fn enrol(
    conn: &mut PgConnection,
    sealer: &Sealer,
    user_id: Uuid,
    secret: &str,
    step: i64,
) -> sqlx::Result<Option<Vec<String>>> {
    let inserted = sqlx::query(
        "INSERT INTO second_factors (user_id, totp_secret, last_used_step) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO NOTHING",
    )
    .bind(user_id)
    .bind(sealer.seal(Purpose::Totp, secret))
    .bind(step)
    .execute(&mut *conn)
    .await?;
    if inserted.rows_affected() != 1 {
        return Ok(None);
    }
    let codes = new_recovery_codes();
    let hashes: Vec<Vec<u8>> = codes
        .iter()
        .filter_map(|c| normalise_recovery_code(c))
        .map(|c| recovery_code_hash(user_id, &c))
        .collect();
    sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])")
        .bind(user_id)
        .bind(&hashes)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE sessions SET totp_setup_secret = NULL WHERE user_id = $1")
        .bind(user_id)
        .execute(&mut *conn)
        .await?;
    audit::Entry::new(Some(user_id), "second_factor.enrolled", "user", user_id)
        .after(json!({ "method": "totp", "recovery_codes": hashes.len() }))
        .record(conn)
        .await?;
    Ok(Some(codes))
}

/// Removes the user's second factor and recovery codes; when it was enrolled, if any.
pub async fn remove(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("DELETE FROM second_factors WHERE user_id = $1 RETURNING enrolled_at")
        .bind(user_id)
        .fetch_optional(conn)
        .await
}

/// Unused recovery codes left.
pub async fn recovery_codes_left(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL")
        .bind(user_id)
        .fetch_one(conn)
        .await
}
