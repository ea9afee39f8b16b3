//! Server-side sessions in PostgreSQL and CSRF protection, as one middleware:
//! it finds the user behind the cookie (or none), checks every POST's token,
//! and hands handlers a `Ctx`.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, header},
    middleware::Next,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use super::Role;
use crate::{AppState, error::AppError, web::Ctx, web::FLASH_COOKIE};

pub const SESSION_COOKIE: &str = "dk_session";
/// Anonymous visitors' CSRF token (double-submit), used by the login and set-password forms.
pub const CSRF_COOKIE: &str = "dk_csrf";
/// A session ends after this long without a request…
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;
/// …and after this long whatever happens.
pub const ABSOLUTE_LIFETIME_HOURS: i64 = 12;
/// The largest form body read for the CSRF check.
const MAX_FORM_BYTES: usize = 1024 * 1024;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    pub organisation_name: Option<String>,
}

/// The current session's hashed id, for logout.
#[derive(Clone, Debug)]
pub struct ActiveSession {
    pub id_hash: Vec<u8>,
}

pub fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn hash_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

fn set_cookie(
    response: &mut Response,
    name: &str,
    value: &str,
    max_age: Option<i64>,
    secure: bool,
) {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let secure = if secure { "; Secure" } else { "" };
    let line = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}");
    if let Ok(v) = HeaderValue::from_str(&line) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
}

/// Sets the session cookie after a login.
pub fn set_session_cookie(response: &mut Response, token: &str, secure: bool) {
    set_cookie(
        response,
        SESSION_COOKIE,
        token,
        Some(ABSOLUTE_LIFETIME_HOURS * 3600),
        secure,
    );
    set_cookie(response, CSRF_COOKIE, "", Some(0), secure);
}

pub fn clear_session_cookie(response: &mut Response, secure: bool) {
    set_cookie(response, SESSION_COOKIE, "", Some(0), secure);
}

/// Starts a new session for the user: always a fresh id, never the one from before login.
pub async fn create(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<String> {
    let token = random_token();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at)
         VALUES ($1, $2, $3, now() + make_interval(hours => $4::int))",
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(random_token())
    .bind(ABSOLUTE_LIFETIME_HOURS as i32)
    .execute(conn)
    .await?;
    Ok(token)
}

pub async fn end(conn: &mut PgConnection, id_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn end_all_for_user(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM sessions WHERE user_id = $1")
        .bind(user_id)
        .execute(conn)
        .await?
        .rows_affected())
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    csrf_token: String,
    last_seen_at: DateTime<Utc>,
    #[sqlx(flatten)]
    user: SessionUser,
}

async fn load(state: &AppState, id_hash: &[u8]) -> sqlx::Result<Option<SessionRow>> {
    let row: Option<SessionRow> = sqlx::query_as(
        "SELECT s.csrf_token, s.last_seen_at, u.id, u.name, u.email, u.role, u.organisation_id,
                o.name AS organisation_name
         FROM sessions s
         JOIN users u ON u.id = s.user_id
         LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE s.id_hash = $1
           AND s.expires_at > now()
           AND s.last_seen_at > now() - make_interval(mins => $2::int)
           AND u.active",
    )
    .bind(id_hash)
    .bind(IDLE_TIMEOUT_MINUTES as i32)
    .fetch_optional(&state.db)
    .await?;
    match &row {
        // Touch at most once a minute: one write per minute, not per request.
        Some(r) if Utc::now() - r.last_seen_at > chrono::Duration::seconds(60) => {
            sqlx::query("UPDATE sessions SET last_seen_at = now() WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&state.db)
                .await?;
        }
        Some(_) => {}
        // Expired, or the user was deactivated: the session is gone for good.
        None => {
            sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
                .bind(id_hash)
                .execute(&state.db)
                .await?;
        }
    }
    Ok(row)
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn is_form(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn is_multipart(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

fn tokens_match(sent: Option<&str>, expected: &str) -> bool {
    sent.is_some_and(|token| {
        !expected.is_empty() && constant_time_eq(token.as_bytes(), expected.as_bytes())
    })
}

/// Checks a state-changing request's CSRF token, returning the request rebuilt with its body.
/// A file upload (multipart) carries the token in the form's action (`?csrf=…`), so its
/// body streams to the handler unbuffered and under the route's own size limit.
async fn check_csrf(request: Request, expected: &str) -> Result<Request, AppError> {
    let (parts, body) = request.into_parts();
    if parts
        .headers
        .get("sec-fetch-site")
        .is_some_and(|v| v.as_bytes() == b"cross-site")
    {
        return Err(AppError::Csrf);
    }
    let header_token = parts
        .headers
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    if is_multipart(&parts.headers) {
        let in_query = parts.uri.query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()?
                .into_iter()
                .find(|(k, _)| k == "csrf")
                .map(|(_, v)| v)
        });
        let sent = header_token.or(in_query);
        return if tokens_match(sent.as_deref(), expected) {
            Ok(Request::from_parts(parts, body))
        } else {
            Err(AppError::Csrf)
        };
    }
    let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::BadRequest("Formuläret är för stort.".into()))?;
    let sent = if is_form(&parts.headers) {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
            .ok()
            .and_then(|pairs| pairs.into_iter().find(|(k, _)| k == "csrf").map(|(_, v)| v))
    } else {
        header_token
    };
    if tokens_match(sent.as_deref(), expected) {
        Ok(Request::from_parts(parts, Body::from(bytes)))
    } else {
        Err(AppError::Csrf)
    }
}

pub async fn layer(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let headers = request.headers().clone();
    let secure = state.config.cookie_secure;

    let session_token = cookie(&headers, SESSION_COOKIE).filter(|t| !t.is_empty());
    let mut clear_session = false;
    let mut session = None;
    if let Some(token) = &session_token {
        let id_hash = hash_token(token);
        match load(&state, &id_hash).await {
            Ok(Some(row)) => session = Some((row, id_hash)),
            Ok(None) => clear_session = true,
            Err(e) => return AppError::from(e).into_response(),
        }
    }

    let mut new_anonymous_token = None;
    let csrf = match &session {
        Some((row, _)) => row.csrf_token.clone(),
        None => match cookie(&headers, CSRF_COOKIE)
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            Some(t) => t,
            None => {
                let t = random_token();
                new_anonymous_token = Some(t.clone());
                t
            }
        },
    };

    if request.method() != Method::GET && request.method() != Method::HEAD {
        request = match check_csrf(
            request,
            if new_anonymous_token.is_some() {
                ""
            } else {
                &csrf
            },
        )
        .await
        {
            Ok(r) => r,
            Err(e) => return e.into_response(),
        };
    }

    let flash = cookie(&headers, FLASH_COOKIE)
        .filter(|v| !v.is_empty())
        .and_then(|v| crate::web::url_decode(&v));
    let had_flash = flash.is_some();
    let (user, active) = match session {
        Some((row, id_hash)) => (Some(row.user), Some(ActiveSession { id_hash })),
        None => (None, None),
    };
    request.extensions_mut().insert(Ctx { user, csrf, flash });
    if let Some(active) = active {
        request.extensions_mut().insert(active);
    }

    let mut response = next.run(request).await;

    if clear_session {
        clear_session_cookie(&mut response, secure);
    }
    if let Some(token) = new_anonymous_token {
        set_cookie(&mut response, CSRF_COOKIE, &token, None, secure);
    }
    // A shown confirmation is shown once; a redirect carries it on to the next page.
    let sets_flash = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    if had_flash && !sets_flash && !response.status().is_redirection() {
        set_cookie(&mut response, FLASH_COOKIE, "", Some(0), secure);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_several() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; dk_session=abc; b=2"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&headers, CSRF_COOKIE), None);
    }

    #[test]
    fn tokens_are_random_and_compared_in_full() {
        let a = random_token();
        assert_eq!(a.len(), 64);
        assert_ne!(a, random_token());
        assert!(constant_time_eq(a.as_bytes(), a.as_bytes()));
        assert!(!constant_time_eq(a.as_bytes(), &a.as_bytes()[..63]));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
