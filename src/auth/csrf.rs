//! CSRF protection: every state-changing request carries the session's token (or, before a
//! login, the double-submitted anonymous one) in its form, its `X-CSRF-Token` header, or for
//! a file upload its action's query; a cross-site fetch is refused whatever it carries.

use axum::{
    body::Body,
    extract::Request,
    http::{HeaderMap, header},
};

use super::token;
use crate::error::AppError;

/// The largest form body read for the check.
pub(crate) const MAX_FORM_BYTES: usize = 1024 * 1024;

fn content_type_is(headers: &HeaderMap, prefix: &str) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with(prefix))
}

fn tokens_match(sent: Option<&str>, expected: &str) -> bool {
    sent.is_some_and(|t| !expected.is_empty() && token::same(t.as_bytes(), expected.as_bytes()))
}

/// Checks a state-changing request's CSRF token, returning the request rebuilt with its body.
/// A file upload (multipart) carries the token in the form's action (`?csrf=…`), so its
/// body streams to the handler unbuffered and under the route's own size limit. A form's
/// fields are checked to be plain text too (`web::check_plain_input`).
pub async fn check(request: Request, expected: &str) -> Result<Request, AppError> {
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
    if content_type_is(&parts.headers, "multipart/form-data") {
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
    let is_form = content_type_is(&parts.headers, "application/x-www-form-urlencoded");
    let pairs = if is_form {
        serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes).unwrap_or_default()
    } else {
        Vec::new()
    };
    let sent = if is_form {
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
