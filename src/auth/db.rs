//! The kernel's SQL: sessions, login attempts, and the proof a session last gave.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::{
    Role, SessionUser,
    session::SignedInWith,
    throttle::{Outcome, Step},
};

/// A session as the layer finds it behind its cookie.
#[derive(sqlx::FromRow)]
pub struct SessionRow {
    pub csrf_token: String,
    pub last_seen_at: DateTime<Utc>,
    /// When the person last proved who they are in this session (`reauth`).
    pub authenticated_at: DateTime<Utc>,
    pub second_factor_pending: bool,
    pub has_second_factor: bool,
    pub totp_setup_secret: Option<String>,
    #[sqlx(flatten)]
    pub user: SessionUser,
}

/// The live session `id_hash`, and its user. A full session of staff without a second factor
/// (reset by an administrator, or a role changed under a running session) is no session:
/// they log in and enrol.
pub async fn live_session(
    db: &PgPool,
    id_hash: &[u8],
    idle_seconds: i64,
) -> sqlx::Result<Option<SessionRow>> {
    sqlx::query_as(
        "SELECT s.csrf_token, s.last_seen_at, s.authenticated_at, s.second_factor_pending,
                s.totp_setup_secret,
                f.user_id IS NOT NULL AS has_second_factor,
                u.id, u.name, u.email, u.role, u.organisation_id,
                o.name AS organisation_name
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         LEFT JOIN organisations o ON o.id = u.organisation_id
         LEFT JOIN second_factors f ON f.user_id = u.id
         WHERE s.id_hash = $1
           AND s.expires_at > now()
           AND s.last_seen_at > now() - make_interval(secs => $2::int)
           AND u.active
           AND (s.second_factor_pending OR u.role = $3 OR f.user_id IS NOT NULL)",
    )
    .bind(id_hash)
    .bind(idle_seconds as i32)
    .bind(Role::Coordinator)
    .fetch_optional(db)
    .await
}

/// Notes that the session was used now.
pub async fn touch_session(db: &PgPool, id_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1")
        .bind(id_hash)
        .execute(db)
        .await?;
    Ok(())
}

pub async fn insert_session(
    conn: &mut PgConnection,
    id_hash: &[u8],
    user_id: Uuid,
    csrf: &str,
    pending: bool,
    lifetime_minutes: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at, second_factor_pending)
         VALUES ($1, $2, $3, now() + make_interval(mins => $4::int), $5)",
    )
    .bind(id_hash)
    .bind(user_id)
    .bind(csrf)
    .bind(lifetime_minutes as i32)
    .bind(pending)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn signed_in_with(
    conn: &mut PgConnection,
    id_hash: &[u8],
) -> sqlx::Result<Option<SignedInWith>> {
    sqlx::query_as(
        "SELECT identity_provider AS provider, id_token FROM sessions
         WHERE id_hash = $1 AND identity_provider IS NOT NULL AND id_token IS NOT NULL",
    )
    .bind(id_hash)
    .fetch_optional(conn)
    .await
}

pub async fn set_signed_in_with(
    conn: &mut PgConnection,
    id_hash: &[u8],
    with: &SignedInWith,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET identity_provider = $2, id_token = $3 WHERE id_hash = $1")
        .bind(id_hash)
        .bind(with.provider)
        .bind(&with.id_token)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn end_session<'c>(conn: impl sqlx::PgExecutor<'c>, id_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// A full session that had ended, and whose it was: what is posted into it is kept for that
/// user (`kept`).
#[derive(sqlx::FromRow)]
pub struct EndedSession {
    pub user_id: Uuid,
    pub csrf_token: String,
}

/// Ends the session `id_hash` that is no longer live: whose it was, when it was a full
/// session of an account still active.
pub async fn end_ended_session(db: &PgPool, id_hash: &[u8]) -> sqlx::Result<Option<EndedSession>> {
    sqlx::query_as(
        "WITH ended AS (DELETE FROM sessions WHERE id_hash = $1
                        RETURNING user_id, csrf_token, second_factor_pending)
         SELECT e.user_id, e.csrf_token FROM ended e JOIN users u ON u.id = e.user_id
         WHERE u.active AND NOT e.second_factor_pending",
    )
    .bind(id_hash)
    .fetch_optional(db)
    .await
}

/// Keeps a post for its user: the newest for a path replaces an older one, and what is older
/// than `minutes` goes.
pub async fn keep_post(
    conn: &mut PgConnection,
    user_id: Uuid,
    path: &str,
    back_to: &str,
    body: &str,
    minutes: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "WITH gone AS (DELETE FROM kept_posts
                       WHERE kept_at <= now() - make_interval(mins => $5::int)
                          OR (user_id = $1 AND path = $2))
         INSERT INTO kept_posts (user_id, path, back_to, body) VALUES ($1, $2, $3, $4)",
    )
    .bind(user_id)
    .bind(path)
    .bind(back_to)
    .bind(body)
    .bind(minutes as i32)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes the user's kept post for `path`, once: its body, unless it is older than `minutes`.
pub async fn take_kept_post(
    db: &PgPool,
    user_id: Uuid,
    path: &str,
    minutes: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "WITH taken AS (DELETE FROM kept_posts WHERE user_id = $1 AND path = $2
                        RETURNING body, kept_at)
         SELECT body FROM taken WHERE kept_at > now() - make_interval(mins => $3::int)
         ORDER BY kept_at DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(path)
    .bind(minutes as i32)
    .fetch_optional(db)
    .await
}

/// Where the user's newest kept post waits (the page it was posted from), dropping the user's
/// posts older than `minutes`.
pub async fn kept_post_waiting(
    conn: &mut PgConnection,
    user_id: Uuid,
    minutes: i64,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "WITH gone AS (DELETE FROM kept_posts
                       WHERE user_id = $1 AND kept_at <= now() - make_interval(mins => $2::int))
         SELECT back_to FROM kept_posts
         WHERE user_id = $1 AND kept_at > now() - make_interval(mins => $2::int)
         ORDER BY kept_at DESC, id DESC LIMIT 1",
    )
    .bind(user_id)
    .bind(minutes as i32)
    .fetch_optional(conn)
    .await
}

/// Ends the pending session `id_hash`, once: the provider it was signed in through, if any;
/// `None` if it was no pending session (any more).
pub async fn end_pending_session(
    conn: &mut PgConnection,
    id_hash: &[u8],
) -> sqlx::Result<Option<Option<SignedInWith>>> {
    let ended: Option<(Option<Uuid>, Option<String>)> = sqlx::query_as(
        "DELETE FROM sessions WHERE id_hash = $1 AND second_factor_pending
         RETURNING identity_provider, id_token",
    )
    .bind(id_hash)
    .fetch_optional(conn)
    .await?;
    Ok(
        ended.map(|(provider, id_token)| match (provider, id_token) {
            (Some(provider), Some(id_token)) => Some(SignedInWith { provider, id_token }),
            _ => None,
        }),
    )
}

/// Ends every session of the user but `except`; how many.
pub async fn end_sessions_of(
    conn: &mut PgConnection,
    user_id: Uuid,
    except: Option<&[u8]>,
) -> sqlx::Result<u64> {
    Ok(
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash IS DISTINCT FROM $2")
            .bind(user_id)
            .bind(except)
            .execute(conn)
            .await?
            .rows_affected(),
    )
}

/// One of the user's sessions, as their own page lists it.
#[derive(sqlx::FromRow)]
pub struct SessionListed {
    pub id_hash: Vec<u8>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub provider: Option<String>,
}

/// The user's live full sessions, the latest used first.
pub async fn sessions_of(
    db: &PgPool,
    user_id: Uuid,
    idle_seconds: i64,
) -> sqlx::Result<Vec<SessionListed>> {
    sqlx::query_as(
        "SELECT s.id_hash, s.created_at, s.last_seen_at, s.expires_at, p.display_name AS provider
         FROM sessions s LEFT JOIN identity_providers p ON p.id = s.identity_provider
         WHERE s.user_id = $1 AND NOT s.second_factor_pending AND s.expires_at > now()
           AND s.last_seen_at > now() - make_interval(secs => $2::int)
         ORDER BY s.last_seen_at DESC",
    )
    .bind(user_id)
    .bind(idle_seconds as i32)
    .fetch_all(db)
    .await
}

/// The person proved who they are in this session just now (`reauth`).
pub async fn proved_now(conn: &mut PgConnection, id_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET authenticated_at = now() WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// The user's password hash, if they have a password.
pub async fn password_hash<'c>(
    conn: impl sqlx::PgExecutor<'c>,
    user_id: Uuid,
) -> sqlx::Result<Option<String>> {
    Ok(
        sqlx::query_scalar::<_, Option<String>>("SELECT password_hash FROM users WHERE id = $1")
            .bind(user_id)
            .fetch_optional(conn)
            .await?
            .flatten(),
    )
}

/// Holds the account's and then the address's lock on login attempts until the transaction
/// ends (always in that order: two locks in one order can't deadlock).
pub async fn lock_attempts(conn: &mut PgConnection, email: &str, bucket: &str) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('login-account:' || $1, 0))")
        .bind(email)
        .execute(&mut *conn)
        .await?;
    sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended('login-address:' || $1, 0))")
        .bind(bucket)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes an attempt down; its id.
pub async fn insert_attempt(
    conn: &mut PgConnection,
    email: &str,
    bucket: &str,
    step: Step,
    outcome: Outcome,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO login_attempts (email, ip_bucket, step, outcome)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(email)
    .bind(bucket)
    .bind(step)
    .bind(outcome)
    .fetch_one(conn)
    .await
}

pub async fn set_attempt_outcome(
    conn: &mut PgConnection,
    attempt: i64,
    outcome: Outcome,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE login_attempts SET outcome = $2 WHERE id = $1")
        .bind(attempt)
        .bind(outcome)
        .execute(conn)
        .await?;
    Ok(())
}

/// Failures counted against the account from this address, the account, and the address,
/// with the seconds since the latest of each (`throttle`'s rule).
#[derive(sqlx::FromRow)]
pub struct AttemptCounts {
    pub pair_failures: i64,
    pub pair_since: Option<f64>,
    pub account_failures: i64,
    pub account_since: Option<f64>,
    pub address_failures: i64,
    pub address_since: Option<f64>,
}

pub async fn count_attempts(
    conn: &mut PgConnection,
    email: &str,
    bucket: &str,
    account_window_minutes: i32,
    address_window_minutes: i32,
) -> sqlx::Result<AttemptCounts> {
    sqlx::query_as(
        "WITH recent AS (
             SELECT email, ip_bucket, outcome, attempted_at FROM login_attempts
             WHERE attempted_at > now() - make_interval(mins => $3)
               AND (email = $1 OR ip_bucket = $2)
         ), since AS (
             SELECT coalesce(max(attempted_at) FILTER (WHERE email = $1 AND ip_bucket = $2),
                             '-infinity') AS pair,
                    coalesce(max(attempted_at), '-infinity') AS account
             FROM recent WHERE email = $1 AND outcome = $5
         ), failed AS (
             SELECT r.*, r.email = $1 AND r.ip_bucket = $2 AND r.attempted_at > s.pair AS in_pair,
                    r.outcome = $6 AND r.email = $1 AND r.attempted_at > s.account
                        AS in_account,
                    r.outcome = $6 AND r.ip_bucket = $2
                        AND r.attempted_at > now() - make_interval(mins => $4) AS in_address
             FROM recent r, since s WHERE r.outcome IN ($6, $7)
         )
         SELECT count(*) FILTER (WHERE in_pair) AS pair_failures,
                extract(epoch FROM now() - max(attempted_at) FILTER (WHERE in_pair))::float8 AS pair_since,
                count(*) FILTER (WHERE in_account) AS account_failures,
                extract(epoch FROM now() - max(attempted_at) FILTER (WHERE in_account))::float8 AS account_since,
                count(*) FILTER (WHERE in_address) AS address_failures,
                extract(epoch FROM now() - max(attempted_at) FILTER (WHERE in_address))::float8 AS address_since
         FROM failed",
    )
    .bind(email)
    .bind(bucket)
    .bind(account_window_minutes)
    .bind(address_window_minutes)
    .bind(Outcome::Succeeded)
    .bind(Outcome::Failed)
    .bind(Outcome::Refused)
    .fetch_one(conn)
    .await
}
