//! Nothing typed is lost to a session that ended. A form posted after the session behind it
//! had ended (idle too long, or its twelve hours over) is kept, not thrown away: its fields
//! less the CSRF token, bound to the user whose session it was and to the path it was posted
//! to, for `KEPT_FOR_MINUTES`. After that user signs in again they land on the form's page
//! (`waiting`), whose handler fills the form from the kept post once (`Kept`) and says so
//! (`NOTICE`). It is shown again, never replayed: the person checks it and saves.
//!
//! Only the forms whose pages take a kept post back are kept (`shows_kept`): a report's
//! written parts and activities, and a requisition. Never the sign-in, password or
//! second-factor forms (or any other), never a file upload, never more than `MAX_BYTES`, and
//! only when the form carries the ended session's own CSRF token.

use axum::{
    extract::{FromRequestParts, Request},
    http::{Method, header, request::Parts},
};
use serde::de::DeserializeOwned;
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::{
    Ctx, csrf,
    db::{self, EndedSession},
};
use crate::{AppState, audit, error::AppError};

/// How long a kept post waits for its user to sign in again.
pub const KEPT_FOR_MINUTES: i64 = 120;
/// The largest form kept (its url-encoded body).
pub const MAX_BYTES: usize = 200 * 1024;
/// What a form filled from a kept post says.
pub const NOTICE: &str = "Din text sparades när du blev utloggad – kontrollera och spara.";

/// What the login page says after a post was kept (for `KEPT_FOR_MINUTES`).
pub fn sign_in_again() -> String {
    "Du hade hunnit bli utloggad, så det du skickade är inte sparat ännu – men det är inte borta. Logga in igen inom två timmar, så kommer du tillbaka till formuläret med din text."
        .to_string()
}

/// The forms whose pages show a kept post again: a report's parts with text, an activity
/// added or changed, and a requisition, new or changed. Each of their GET handlers takes a
/// `Kept` form.
pub fn shows_kept(path: &str) -> bool {
    let segments: Vec<&str> = path.split('/').skip(1).collect();
    matches!(
        segments.as_slice(),
        [
            "redovisningar",
            _,
            "uppdrag" | "aktiviteter" | "analys" | "ekonomi"
        ] | ["redovisningar", _, "aktiviteter", _, "andra"]
            | ["rekvisitioner", "ny"]
            | ["rekvisitioner", _, "andra"]
    )
}

/// Whether a request into an ended session is one to keep: a plain form posted to a form
/// that shows a kept post again.
pub(super) fn wanted(request: &Request) -> bool {
    request.method() == Method::POST
        && request
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
        && shows_kept(request.uri().path())
        && crate::web::check_plain_path(request.uri().path()).is_ok()
}

/// Keeps what was posted into the ended session, when the form carries that session's own
/// CSRF token (else the refusal `csrf` gives) and is within `MAX_BYTES`; whether it was kept.
pub(super) async fn keep(
    state: &AppState,
    ended: &EndedSession,
    request: Request,
) -> Result<bool, AppError> {
    let path = request.uri().path().to_string();
    let back_to = request
        .uri()
        .path_and_query()
        .map_or_else(|| path.clone(), |p| p.as_str().to_string());
    let request = csrf::check(request, &ended.csrf_token).await?;
    let Ok(bytes) = axum::body::to_bytes(request.into_body(), MAX_BYTES).await else {
        return Ok(false);
    };
    let fields: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes)
        .map_err(|_| AppError::BadRequest("Formuläret kunde inte läsas.".into()))?;
    let fields: Vec<(String, String)> = fields.into_iter().filter(|(k, _)| k != "csrf").collect();
    let body = serde_urlencoded::to_string(&fields)
        .map_err(|e| AppError::Internal(format!("encoding a kept post: {e}")))?;
    if body.len() > MAX_BYTES {
        return Ok(false);
    }
    let mut tx = state.db.begin().await?;
    db::keep_post(
        &mut tx,
        ended.user_id,
        &path,
        &back_to,
        &body,
        KEPT_FOR_MINUTES,
    )
    .await?;
    audit::Entry::new(Some(ended.user_id), "auth.post_kept", "user", ended.user_id)
        .after(json!({ "path": path, "bytes": body.len() }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(true)
}

/// Where a user who just signed in has a kept post waiting: the page it was posted from.
pub async fn waiting(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<Option<String>> {
    db::kept_post_waiting(conn, user_id, KEPT_FOR_MINUTES).await
}

/// A form kept for the signed-in user at this page's path, taken (deleted) as the page is
/// shown; `None` when nothing waits, or what waits is no such form.
pub struct Kept<T>(pub Option<T>);

impl<T> Kept<T> {
    /// The kept form and the page's context saying so; else the form as stored and the
    /// context as it was.
    pub fn or_stored(self, ctx: Ctx, stored: impl FnOnce() -> T) -> (T, Ctx) {
        match self.0 {
            Some(form) => (form, told(ctx)),
            None => (stored(), ctx),
        }
    }
}

/// The page's context with `NOTICE`, after any confirmation it already shows.
pub fn told(mut ctx: Ctx) -> Ctx {
    ctx.flash = Some(match ctx.flash.take() {
        Some(before) => format!("{before} {NOTICE}"),
        None => NOTICE.to_string(),
    });
    ctx
}

impl<T: DeserializeOwned + Send> FromRequestParts<AppState> for Kept<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let user_id = parts
            .extensions
            .get::<Ctx>()
            .and_then(|ctx| ctx.user.as_ref())
            .map(|user| user.id);
        let Some(user_id) = user_id.filter(|_| parts.method == Method::GET) else {
            return Ok(Kept(None));
        };
        let body =
            db::take_kept_post(&state.db, user_id, parts.uri.path(), KEPT_FOR_MINUTES).await?;
        Ok(Kept(
            body.and_then(|b| serde_urlencoded::from_str::<T>(&b).ok()),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_forms_that_show_a_kept_post_again_are_kept() {
        let id = "0b6f3c3e-8a57-4a4e-9d43-2f4f2e1d9a10";
        for kept in [
            format!("/redovisningar/{id}/uppdrag"),
            format!("/redovisningar/{id}/aktiviteter"),
            format!("/redovisningar/{id}/analys"),
            format!("/redovisningar/{id}/ekonomi"),
            format!("/redovisningar/{id}/aktiviteter/{id}/andra"),
            "/rekvisitioner/ny".to_string(),
            format!("/rekvisitioner/{id}/andra"),
        ] {
            assert!(shows_kept(&kept), "{kept}");
        }
        for not_kept in [
            "/logga-in".to_string(),
            "/logga-in/kod".to_string(),
            "/logga-in/aktivera-tvastegsverifiering".to_string(),
            format!("/losenord/{id}"),
            "/glomt-losenord".to_string(),
            "/tvastegsverifiering".to_string(),
            "/logga-ut".to_string(),
            format!("/redovisningar/{id}/bilagor"),
            format!("/redovisningar/{id}/skicka-in"),
            format!("/redovisningar/{id}/aktiviteter/{id}/ta-bort"),
            format!("/rekvisitioner/{id}/bilagor"),
            "/admin/inloggning".to_string(),
            format!("/redovisningar/{id}/uppdrag/extra"),
        ] {
            assert!(!shows_kept(&not_kept), "{not_kept}");
        }
    }

    #[test]
    fn a_page_filled_from_a_kept_post_says_so_after_what_it_already_said() {
        let ctx = told(Ctx {
            flash: Some("Du är inloggad.".into()),
            ..Ctx::default()
        });
        assert_eq!(
            ctx.flash.as_deref(),
            Some(format!("Du är inloggad. {NOTICE}").as_str())
        );
        let (form, ctx) = Kept(None::<String>).or_stored(Ctx::default(), || "sparat".into());
        assert_eq!((form.as_str(), ctx.flash), ("sparat", None));
    }
}
