//! Server-side sessions in PostgreSQL: started at a login (full, or pending until the second
//! step), found behind their cookie by the layer (`layer`), and ended. What the sign-in pages
//! use is `start`, `start_pending`, `finish_pending`, `NewSession::set_cookie` and `end`.

use axum::{extract::FromRequestParts, http::request::Parts, response::Response};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{SessionUser, cookie, db, token};
use crate::{AppState, error::AppError};

/// Cookie names as written on plain http; over https they carry the `__Host-` prefix
/// (see `cookie::name_for`).
pub const SESSION_COOKIE: &str = "dk_session";
/// Anonymous visitors' CSRF token (double-submit), used by the login and set-password forms.
pub const CSRF_COOKIE: &str = "dk_csrf";
/// A session ends after this long without a request…
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;
/// A session's use is written at most this often (one write a minute, not one a request:
/// `layer::find_session`), so its `last_seen_at` may lag its last use by as much. The idle
/// limit is counted with that lag allowed for (`IDLE_LIMIT_SECONDS`): a session ends between
/// 30 and 31 minutes after it was last used, never before.
pub const TOUCH_EVERY_SECONDS: i64 = 60;
/// How old a session's `last_seen_at` may be while it lives.
pub const IDLE_LIMIT_SECONDS: i64 = IDLE_TIMEOUT_MINUTES * 60 + TOUCH_EVERY_SECONDS;
/// …and after this long whatever happens.
pub const ABSOLUTE_LIFETIME_HOURS: i64 = 12;
/// A login waiting for its second step lasts this long.
pub const PENDING_LIFETIME_MINUTES: i64 = 10;

/// The current session, full or pending: its hashed id (for logout) and whose it is.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    pub id_hash: Vec<u8>,
    pub user_id: Uuid,
    /// A new authenticator secret being set up in this session, not yet confirmed.
    pub setup_secret: Option<String>,
}

/// A login whose password was right and whose second step is still to come. Present
/// (as a request extension) only then; such a request has no `CurrentUser`.
#[derive(Clone, Debug)]
pub struct PendingLogin {
    pub user: SessionUser,
    /// The user has an authenticator: ask for its code. Otherwise (staff): enrol first.
    pub enrolled: bool,
}

impl FromRequestParts<AppState> for PendingLogin {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<PendingLogin>()
            .cloned()
            .ok_or(AppError::Unauthenticated)
    }
}

/// The identity provider a session was signed in through, and its ID token (the hint when
/// logging out there too).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SignedInWith {
    pub provider: Uuid,
    pub id_token: String,
}

/// A session just started: the cookie's value, and the CSRF token its pages carry.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
}

impl NewSession {
    /// Hands the session to the browser (and drops the anonymous CSRF cookie it had).
    pub fn set_cookie(&self, response: &mut Response, secure: bool) {
        cookie::set(
            response,
            SESSION_COOKIE,
            &self.token,
            Some(ABSOLUTE_LIFETIME_HOURS * 3600),
            secure,
        );
        cookie::clear(response, CSRF_COOKIE, secure);
    }
}

/// Empties the session cookie in the browser.
pub fn clear_cookie(response: &mut Response, secure: bool) {
    cookie::clear(response, SESSION_COOKIE, secure);
}

/// Starts a full session for the user: always a fresh id, never the one from before login,
/// which ends (`replacing`). Signed in `through` a provider, logging out goes on there.
pub async fn start(
    conn: &mut PgConnection,
    user_id: Uuid,
    replacing: Option<&ActiveSession>,
    through: Option<&SignedInWith>,
) -> sqlx::Result<NewSession> {
    begin(conn, user_id, replacing, through, false).await
}

/// Starts a session that opens only the second step of the login, for a few minutes.
pub async fn start_pending(
    conn: &mut PgConnection,
    user_id: Uuid,
    replacing: Option<&ActiveSession>,
    through: Option<&SignedInWith>,
) -> sqlx::Result<NewSession> {
    begin(conn, user_id, replacing, through, true).await
}

async fn begin(
    conn: &mut PgConnection,
    user_id: Uuid,
    replacing: Option<&ActiveSession>,
    through: Option<&SignedInWith>,
    pending: bool,
) -> sqlx::Result<NewSession> {
    if let Some(previous) = replacing {
        db::end_session(&mut *conn, &previous.id_hash).await?;
    }
    let token = token::random();
    let csrf = token::random();
    let id_hash = token::hash(&token);
    let lifetime_minutes = if pending {
        PENDING_LIFETIME_MINUTES
    } else {
        ABSOLUTE_LIFETIME_HOURS * 60
    };
    db::insert_session(conn, &id_hash, user_id, &csrf, pending, lifetime_minutes).await?;
    if let Some(with) = through {
        db::set_signed_in_with(conn, &id_hash, with).await?;
    }
    Ok(NewSession { token, csrf })
}

/// Which provider the session `id_hash` was signed in through, if any.
pub async fn signed_in_with(
    conn: &mut PgConnection,
    id_hash: &[u8],
) -> sqlx::Result<Option<SignedInWith>> {
    db::signed_in_with(conn, id_hash).await
}

pub async fn end(conn: &mut PgConnection, id_hash: &[u8]) -> sqlx::Result<()> {
    db::end_session(conn, id_hash).await
}

/// Ends a pending login, once, and starts the full session in its place — signed in through
/// the same identity provider, if the pending one was. `None` if it was finished (or ended)
/// already.
pub async fn finish_pending(
    conn: &mut PgConnection,
    id_hash: &[u8],
    user_id: Uuid,
) -> sqlx::Result<Option<NewSession>> {
    let Some(through) = db::end_pending_session(&mut *conn, id_hash).await? else {
        return Ok(None);
    };
    Ok(Some(start(conn, user_id, None, through.as_ref()).await?))
}

/// Ends every session of the user (a new password, a deactivated account); how many.
pub async fn end_all_for_user(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<u64> {
    db::end_sessions_of(conn, user_id, None).await
}

/// Ends every session of the user but `keep` (logging out everywhere else); how many.
pub async fn end_all_but(
    conn: &mut PgConnection,
    user_id: Uuid,
    keep: &ActiveSession,
) -> sqlx::Result<u64> {
    db::end_sessions_of(conn, user_id, Some(&keep.id_hash)).await
}

pub use db::SessionListed;

/// The user's live full sessions, the latest used first (their own page).
pub async fn list(db: &sqlx::PgPool, user_id: Uuid) -> sqlx::Result<Vec<SessionListed>> {
    db::sessions_of(db, user_id, IDLE_LIMIT_SECONDS).await
}
