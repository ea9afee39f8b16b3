//! The session layer, one middleware in front of every route: it finds the user behind the
//! cookie (or none), keeps a half-finished login (password right, second step pending) to the
//! second step, checks every POST's token (`csrf`) and that what was sent is plain text, asks
//! for a fresh proof before sensitive actions (`reauth`), hands handlers a `Ctx`, renders every
//! error page with that `Ctx`, and logs every refusal and every download.

use axum::{
    extract::{Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    middleware::Next,
    response::{IntoResponse, Redirect, Response},
};
use chrono::Utc;
use uuid::Uuid;

use super::{
    Ctx,
    client_ip::ClientIp,
    cookie, csrf, db, kept,
    page::render_error_page,
    reauth, second_factor,
    session::{
        ActiveSession, CSRF_COOKIE, IDLE_LIMIT_SECONDS, PendingLogin, SESSION_COOKIE,
        TOUCH_EVERY_SECONDS,
    },
    token,
};
use crate::{AppState, error::AppError, web::FLASH_COOKIE};

pub async fn layer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let method = request.method().clone();
    let path = loggable_path(request.uri().path());
    let client = ClientIp::of(request.extensions(), request.headers(), &state);
    let mut who = Who::Anonymous;
    let response = handle(&state, request, next, &mut who).await;
    log_refusal_or_download(&who, &method, &path, client, &response);
    response
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

/// The session behind the request's cookie, and its hashed id.
type Found = (db::SessionRow, Vec<u8>);

/// What the layer knows of the browser's session: the live one, whether the cookie is to be
/// emptied, and the full session that had just ended behind it, if that was the case.
type Sought = (Option<Found>, bool, Option<db::EndedSession>);

async fn handle(state: &AppState, request: Request, next: Next, who: &mut Who) -> Response {
    let headers = request.headers().clone();
    let secure = state.config.cookie_secure;

    let (session, clear_session, ended) = match find_session(state, &headers).await {
        Ok(found) => found,
        // Who is asking is unknown: the error page shows no one logged in.
        Err(e) => return render_error_page(e.into_response(), &Ctx::default()),
    };
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

    let (ctx, new_anonymous_token) = context(&headers, session.as_ref(), secure);
    let had_flash = ctx.flash.is_some();

    // A form posted after its session ended is kept for that session's user, who signs in
    // again and finds it on the form (`kept`).
    if let Some(ended) = &ended
        && kept::wanted(&request)
    {
        return match kept::keep(state, ended, request).await {
            Ok(true) => finish_cookies(
                crate::web::redirect_with_flash("/logga-in", &kept::sign_in_again()),
                secure,
                true,
                new_anonymous_token,
                had_flash,
            ),
            Ok(false) => refused(&ctx, AppError::Csrf),
            Err(e) => refused(&ctx, e),
        };
    }
    let mut request = match checked(
        state,
        &ctx,
        session.as_ref(),
        new_anonymous_token.is_some(),
        request,
    )
    .await
    {
        Ok(r) => r,
        Err(response) => return response,
    };

    if let Some((row, id_hash)) = session {
        // The secret being set up is kept sealed with the session (`secrets`).
        let setup_secret = match row
            .totp_setup_secret
            .map(|s| state.sealer.open(crate::secrets::Purpose::Totp, &s))
            .transpose()
        {
            Ok(secret) => secret,
            Err(e) => return refused(&ctx, e.into()),
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
    let response = render_error_page(response, &ctx);
    finish_cookies(
        response,
        secure,
        clear_session,
        new_anonymous_token,
        had_flash,
    )
}

/// The live session behind the cookie, if any, and whether the browser's cookie is to be
/// emptied (it named no live session); a session that had ended is ended for good, and
/// whose it was told. Used at most once a minute, the session is touched: any request
/// renews it, a save as much as a page (`/sessionen/fortsatt` only renews).
async fn find_session(state: &AppState, headers: &HeaderMap) -> Result<Sought, AppError> {
    let Some(token) = cookie::ours(headers, SESSION_COOKIE, state.config.cookie_secure) else {
        return Ok((None, false, None));
    };
    let id_hash = token::hash(&token);
    let row = db::live_session(&state.db, &id_hash, IDLE_LIMIT_SECONDS).await?;
    match row {
        // Touch at most once a minute: one write per minute, not per request.
        Some(r) => {
            if Utc::now() - r.last_seen_at > chrono::Duration::seconds(TOUCH_EVERY_SECONDS) {
                db::touch_session(&state.db, &id_hash).await?;
            }
            Ok((Some((r, id_hash)), false, None))
        }
        // Expired, or the user was deactivated: the session is gone for good.
        None => {
            let ended = db::end_ended_session(&state.db, &id_hash).await?;
            Ok((None, true, ended))
        }
    }
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

/// The page context: who (a pending login is no one yet: its pages show no user), the CSRF
/// token (the session's, or the anonymous visitor's; a new one when they have none, to set),
/// and the confirmation to show.
fn context(headers: &HeaderMap, session: Option<&Found>, secure: bool) -> (Ctx, Option<String>) {
    let mut new_anonymous_token = None;
    let csrf = match session {
        Some((row, _)) => row.csrf_token.clone(),
        None => match cookie::read(headers, &cookie::name_for(CSRF_COOKIE, secure))
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
        {
            Some(t) => t,
            None => {
                let t = token::random();
                new_anonymous_token = Some(t.clone());
                t
            }
        },
    };
    let flash =
        cookie::ours(headers, FLASH_COOKIE, secure).and_then(|v| crate::web::url_decode(&v));
    let user = session
        .filter(|(row, _)| !row.second_factor_pending)
        .map(|(row, _)| row.user.clone());
    (Ctx { user, csrf, flash }, new_anonymous_token)
}

/// Refused before the handler: the error page shows who asked, and leaves the confirmation
/// (whose cookie stays) for the next page.
fn refused(ctx: &Ctx, e: AppError) -> Response {
    let ctx = Ctx {
        flash: None,
        ..ctx.clone()
    };
    render_error_page(e.into_response(), &ctx)
}

/// The request, once its CSRF token (a POST's: a visitor who had no token yet has none to
/// send), the plainness of its path and query, and for a sensitive action a fresh proof of who
/// one is (`reauth`) are checked; the response to give otherwise.
async fn checked(
    state: &AppState,
    ctx: &Ctx,
    session: Option<&Found>,
    new_visitor: bool,
    mut request: Request,
) -> Result<Request, Response> {
    if request.method() != Method::GET && request.method() != Method::HEAD {
        let expected = if new_visitor { "" } else { &ctx.csrf };
        request = csrf::check(request, expected)
            .await
            .map_err(|e| refused(ctx, e))?;
    }
    let query: Vec<(String, String)> = request
        .uri()
        .query()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    crate::web::check_plain_path(request.uri().path())
        .and_then(|()| {
            crate::web::check_plain_input(query.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        })
        .map_err(|e| refused(ctx, e))?;

    if let Some((row, id_hash)) = session
        && request.method() == Method::POST
        && !row.second_factor_pending
        && reauth::is_sensitive(request.uri().path())
        && Utc::now() - row.authenticated_at > chrono::Duration::minutes(reauth::FRESH_FOR_MINUTES)
    {
        let client = ClientIp::of(request.extensions(), request.headers(), state);
        request = reauth::check(
            state,
            ctx,
            &row.user,
            row.has_second_factor,
            id_hash,
            client,
            request,
        )
        .await
        .map_err(|response| render_error_page(response, ctx))?;
    }
    Ok(request)
}

/// The cookies a response leaves: the session's emptied when it was gone, the new visitor's
/// CSRF token, and a confirmation shown once (a redirect carries it on to the next page).
fn finish_cookies(
    mut response: Response,
    secure: bool,
    clear_session: bool,
    new_anonymous_token: Option<String>,
    had_flash: bool,
) -> Response {
    if clear_session {
        super::session::clear_cookie(&mut response, secure);
    }
    if let Some(token) = new_anonymous_token {
        cookie::set(&mut response, CSRF_COOKIE, &token, None, secure);
    }
    let sets_flash = response
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .any(|v| v.as_bytes().starts_with(FLASH_COOKIE.as_bytes()));
    if secure && sets_flash {
        secure_flash_cookies(response.headers_mut());
    }
    if had_flash && !sets_flash && !response.status().is_redirection() {
        cookie::clear(&mut response, FLASH_COOKIE, secure);
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
    fn over_https_cookies_take_the_host_prefix_and_flash_cookies_are_made_secure() {
        assert_eq!(cookie::name_for(SESSION_COOKIE, false), "dk_session");
        assert_eq!(cookie::name_for(SESSION_COOKIE, true), "__Host-dk_session");
        let mut response = crate::web::redirect_with_flash("/", "Sparat.");
        let session = crate::auth::session::NewSession {
            token: "abc".into(),
            csrf: String::new(),
        };
        session.set_cookie(&mut response, true);
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
