//! Server-side sessions in PostgreSQL and CSRF protection, as one middleware:
//! it finds the user behind the cookie (or none), keeps a half-finished login
//! (password right, second step pending) to the second step, checks every POST's
//! token, hands handlers a `Ctx`, renders every error page with that `Ctx`, and logs
//! every refusal and every download.

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

use super::{Ctx, SessionUser, client_ip::ClientIp, page::render_error_page, second_factor};
use crate::{AppState, error::AppError, web::FLASH_COOKIE};

/// Cookie names as written on plain http; over https they carry the `__Host-` prefix
/// (see `cookie_name`).
pub const SESSION_COOKIE: &str = "dk_session";
/// Anonymous visitors' CSRF token (double-submit), used by the login and set-password forms.
pub const CSRF_COOKIE: &str = "dk_csrf";
/// A session ends after this long without a request…
pub const IDLE_TIMEOUT_MINUTES: i64 = 30;
/// …and after this long whatever happens.
pub const ABSOLUTE_LIFETIME_HOURS: i64 = 12;
/// A login waiting for its second step lasts this long.
pub const PENDING_LIFETIME_MINUTES: i64 = 10;
/// The largest form body read for the CSRF check.
pub(crate) const MAX_FORM_BYTES: usize = 1024 * 1024;

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

/// A session just started: the cookie's value, and the CSRF token its pages carry.
pub struct NewSession {
    pub token: String,
    pub csrf: String,
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

/// The name a cookie goes by: with `Secure`, the `__Host-` prefix makes the browser
/// refuse it unless it is also `Path=/` without a `Domain`, so no sibling host or plain
/// http page can plant or overwrite it. On plain http (local use) the bare name.
pub fn cookie_name(name: &str, secure: bool) -> String {
    if secure {
        format!("__Host-{name}")
    } else {
        name.to_string()
    }
}

pub(crate) fn set_cookie(
    response: &mut Response,
    name: &str,
    value: &str,
    max_age: Option<i64>,
    secure: bool,
) {
    let age = max_age
        .map(|s| format!("; Max-Age={s}"))
        .unwrap_or_default();
    let name = cookie_name(name, secure);
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
pub async fn create(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<NewSession> {
    insert(conn, user_id, false, ABSOLUTE_LIFETIME_HOURS * 60).await
}

/// Starts a session that opens only the second step of the login, for a few minutes.
pub async fn create_pending(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<NewSession> {
    insert(conn, user_id, true, PENDING_LIFETIME_MINUTES).await
}

async fn insert(
    conn: &mut PgConnection,
    user_id: Uuid,
    pending: bool,
    lifetime_minutes: i64,
) -> sqlx::Result<NewSession> {
    let token = random_token();
    let csrf = random_token();
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, csrf_token, expires_at, second_factor_pending)
         VALUES ($1, $2, $3, now() + make_interval(mins => $4::int), $5)",
    )
    .bind(hash_token(&token))
    .bind(user_id)
    .bind(&csrf)
    .bind(lifetime_minutes as i32)
    .bind(pending)
    .execute(conn)
    .await?;
    Ok(NewSession { token, csrf })
}

/// The identity provider a session was signed in through, and its ID token (the hint when
/// logging out there too).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct SignedInWith {
    pub provider: Uuid,
    pub id_token: String,
}

/// Which provider the session `id_hash` was signed in through, if any.
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

/// Marks the session of `token` as signed in through a provider (also carried from a pending
/// session to the full one after the second step).
pub async fn set_signed_in_with(
    conn: &mut PgConnection,
    token: &str,
    with: &SignedInWith,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE sessions SET identity_provider = $2, id_token = $3 WHERE id_hash = $1")
        .bind(hash_token(token))
        .bind(with.provider)
        .bind(&with.id_token)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn end(conn: &mut PgConnection, id_hash: &[u8]) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Ends a pending login, once, and starts the full session in its place — signed in through
/// the same identity provider, if the pending one was. `None` if it was finished (or ended)
/// already.
pub async fn finish_pending(
    conn: &mut PgConnection,
    id_hash: &[u8],
    user_id: Uuid,
) -> sqlx::Result<Option<NewSession>> {
    let ended: Option<(Option<Uuid>, Option<String>)> = sqlx::query_as(
        "DELETE FROM sessions WHERE id_hash = $1 AND second_factor_pending
         RETURNING identity_provider, id_token",
    )
    .bind(id_hash)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(signed_in_with) = ended else {
        return Ok(None);
    };
    let new = create(&mut *conn, user_id).await?;
    if let (Some(provider), Some(id_token)) = signed_in_with {
        set_signed_in_with(conn, &new.token, &SignedInWith { provider, id_token }).await?;
    }
    Ok(Some(new))
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
    /// When the person last proved who they are in this session (`reauth`).
    authenticated_at: DateTime<Utc>,
    second_factor_pending: bool,
    has_second_factor: bool,
    totp_setup_secret: Option<String>,
    #[sqlx(flatten)]
    user: SessionUser,
}

/// A full session of staff without a second factor (reset by an administrator, or a
/// role changed under a running session) is no session: they log in and enrol.
async fn load(state: &AppState, id_hash: &[u8]) -> sqlx::Result<Option<SessionRow>> {
    let row: Option<SessionRow> = sqlx::query_as(
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
           AND s.last_seen_at > now() - make_interval(mins => $2::int)
           AND u.active
           AND (s.second_factor_pending OR u.role = 'coordinator' OR f.user_id IS NOT NULL)",
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

pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
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
    let pairs = if is_form(&parts.headers) {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default()
    } else {
        Vec::new()
    };
    let sent = if is_form(&parts.headers) {
        pairs
            .iter()
            .find(|(k, _)| k == "csrf")
            .map(|(_, v)| v.clone())
    } else {
        header_token
    };
    if !tokens_match(sent.as_deref(), expected) {
        return Err(AppError::Csrf);
    }
    crate::web::check_plain_input(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))?;
    Ok(Request::from_parts(parts, Body::from(bytes)))
}

/// Who made a request, for the log.
enum Who {
    Anonymous,
    User {
        id: Uuid,
        email: String,
        pending: bool,
    },
}

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = loggable_path(request.uri().path());
    let client = ClientIp::of(request.extensions(), request.headers(), &state);
    let mut who = Who::Anonymous;
    let response = handle(&state, request, next, &mut who).await;
    log_refusal_or_download(&who, &method, &path, client, &response);
    response
}

/// While the second step is pending, these are all a session may reach.
fn open_while_pending(path: &str) -> bool {
    [
        "/logga-in",
        "/logga-ut",
        second_factor::CODE_PATH,
        second_factor::ENROL_PATH,
    ]
    .contains(&path)
}

async fn handle(state: &AppState, mut request: Request, next: Next, who: &mut Who) -> Response {
    let headers = request.headers().clone();
    let secure = state.config.cookie_secure;

    let session_token =
        cookie(&headers, &cookie_name(SESSION_COOKIE, secure)).filter(|t| !t.is_empty());
    let mut clear_session = false;
    let mut session = None;
    if let Some(token) = &session_token {
        let id_hash = hash_token(token);
        match load(state, &id_hash).await {
            Ok(Some(row)) => session = Some((row, id_hash)),
            Ok(None) => clear_session = true,
            // Who is asking is unknown: the error page shows no one logged in.
            Err(e) => return render_error_page(AppError::from(e).into_response(), &Ctx::default()),
        }
    }
    if let Some((row, _)) = &session {
        *who = Who::User {
            id: row.user.id,
            email: row.user.email.clone(),
            pending: row.second_factor_pending,
        };
        if row.second_factor_pending && !open_while_pending(request.uri().path()) {
            return Redirect::to(if row.has_second_factor {
                second_factor::CODE_PATH
            } else {
                second_factor::ENROL_PATH
            })
            .into_response();
        }
    }

    let mut new_anonymous_token = None;
    let csrf = match &session {
        Some((row, _)) => row.csrf_token.clone(),
        None => match cookie(&headers, &cookie_name(CSRF_COOKIE, secure))
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

    let flash = cookie(&headers, &cookie_name(FLASH_COOKIE, secure))
        .filter(|v| !v.is_empty())
        .and_then(|v| crate::web::url_decode(&v));
    let had_flash = flash.is_some();
    // A pending login is no one yet: its pages show no user.
    let user = session
        .as_ref()
        .filter(|(row, _)| !row.second_factor_pending)
        .map(|(row, _)| row.user.clone());
    let ctx = Ctx { user, csrf, flash };
    // Refused before the handler: the error page shows who asked, and leaves the
    // confirmation (whose cookie stays) for the next page.
    let refused = |e: AppError| {
        let ctx = Ctx {
            flash: None,
            ..ctx.clone()
        };
        render_error_page(e.into_response(), &ctx)
    };

    if request.method() != Method::GET && request.method() != Method::HEAD {
        request = match check_csrf(
            request,
            if new_anonymous_token.is_some() {
                ""
            } else {
                &ctx.csrf
            },
        )
        .await
        {
            Ok(r) => r,
            Err(e) => return refused(e),
        };
    }
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    if let Err(e) = crate::web::check_plain_path(request.uri().path()).and_then(|()| {
        crate::web::check_plain_input(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
    }) {
        return refused(e);
    }

    // A sensitive action asks for a fresh proof of who one is (`reauth`).
    if let Some((row, id_hash)) = &session
        && request.method() == Method::POST
        && !row.second_factor_pending
        && super::reauth::is_sensitive(request.uri().path())
        && Utc::now() - row.authenticated_at
            > chrono::Duration::minutes(super::reauth::FRESH_FOR_MINUTES)
    {
        let client = ClientIp::of(request.extensions(), &headers, state);
        request = match super::reauth::check(
            state,
            &ctx,
            &row.user,
            row.has_second_factor,
            id_hash,
            client,
            request,
        )
        .await
        {
            Ok(r) => r,
            Err(response) => return render_error_page(response, &ctx),
        };
    }

    if let Some((row, id_hash)) = session {
        // The secret being set up is kept sealed with the session (`secrets`).
        let setup_secret = match row
            .totp_setup_secret
            .map(|s| state.sealer.open(crate::secrets::Purpose::Totp, &s))
            .transpose()
        {
            Ok(secret) => secret,
            Err(e) => return refused(e.into()),
        };
        request.extensions_mut().insert(ActiveSession {
            id_hash,
            user_id: row.user.id,
            setup_secret,
        });
        if row.second_factor_pending {
            request.extensions_mut().insert(PendingLogin {
                user: row.user,
                enrolled: row.has_second_factor,
            });
        }
    }
    request.extensions_mut().insert(ctx.clone());
    // Errors from handlers, and the framework's own rejections of what they were sent,
    // become the error page with this request's context.
    let response = crate::web::explain_plain_errors(next.run(request).await).await;
    let mut response = render_error_page(response, &ctx);

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
    if secure && sets_flash {
        secure_flash_cookies(response.headers_mut());
    }
    if had_flash && !sets_flash && !response.status().is_redirection() {
        set_cookie(&mut response, FLASH_COOKIE, "", Some(0), secure);
    }
    response
}

/// Handlers set the flash cookie without knowing the configuration
/// (`web::redirect_with_flash`); over https it is renamed and marked `Secure` here.
fn secure_flash_cookies(headers: &mut HeaderMap) {
    let prefix = format!("{FLASH_COOKIE}=");
    let lines: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .cloned()
        .collect();
    headers.remove(header::SET_COOKIE);
    for line in lines {
        let rewritten = line
            .to_str()
            .ok()
            .filter(|l| l.starts_with(&prefix))
            .and_then(|l| HeaderValue::from_str(&format!("__Host-{l}; Secure")).ok());
        headers.append(header::SET_COOKIE, rewritten.unwrap_or(line));
    }
}

/// Set-password links carry their token in the path: it stays out of the log.
fn loggable_path(path: &str) -> String {
    match path.strip_prefix("/losenord/") {
        Some(_) => "/losenord/{token}".to_string(),
        None => path.to_string(),
    }
}

/// Every refusal (403: no right, refused, CSRF; 429: too many attempts) is a warning,
/// and every file handed out as a download a notice, with who, what and from where.
fn log_refusal_or_download(
    who: &Who,
    method: &Method,
    path: &str,
    client: ClientIp,
    response: &Response,
) {
    let status = response.status();
    let refused = status == StatusCode::FORBIDDEN || status == StatusCode::TOO_MANY_REQUESTS;
    let download = status.is_success()
        && response
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim_start().starts_with("attachment"));
    if !refused && !download {
        return;
    }
    let (user_id, email, pending) = match who {
        Who::Anonymous => ("anonym".to_string(), "anonym", false),
        Who::User { id, email, pending } => (id.to_string(), email.as_str(), *pending),
    };
    if refused {
        tracing::warn!(
            user_id = %user_id,
            user_email = %email,
            second_factor_pending = pending,
            client = %client,
            method = %method,
            path = %path,
            status = status.as_u16(),
            "refused"
        );
    } else {
        let filename = response
            .headers()
            .get(header::CONTENT_DISPOSITION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        tracing::info!(
            user_id = %user_id,
            user_email = %email,
            client = %client,
            method = %method,
            path = %path,
            status = status.as_u16(),
            disposition = %filename,
            "download"
        );
    }
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

    #[test]
    fn over_https_cookies_take_the_host_prefix_and_flash_cookies_are_made_secure() {
        assert_eq!(cookie_name(SESSION_COOKIE, false), "dk_session");
        assert_eq!(cookie_name(SESSION_COOKIE, true), "__Host-dk_session");
        let mut response = crate::web::redirect_with_flash("/", "Sparat.");
        set_session_cookie(&mut response, "abc", true);
        secure_flash_cookies(response.headers_mut());
        let lines: Vec<String> = response
            .headers()
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_string))
            .collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        for line in &lines {
            assert!(line.starts_with("__Host-"), "{line}");
            assert!(
                line.contains("; Secure") && line.contains("Path=/"),
                "{line}"
            );
            assert!(!line.contains("Domain"), "{line}");
        }
        assert!(lines[0].starts_with("__Host-dk_flash=Sparat."), "{lines:?}");
    }

    #[test]
    fn set_password_tokens_stay_out_of_the_log() {
        assert_eq!(loggable_path("/losenord/abc123"), "/losenord/{token}");
        assert_eq!(loggable_path("/admin/anvandare"), "/admin/anvandare");
    }
}
