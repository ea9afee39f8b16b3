//! One's own sessions: where one is signed in, logging out everywhere else, and staying
//! signed in (*Fortsätt vara inloggad*).

use askama::Template;
use axum::{
    Extension, Router,
    extract::State,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
    routing::{get, post},
};
use serde_json::json;

use crate::{
    AppState, audit,
    auth::{
        Ctx, CurrentUser,
        session::{self, ActiveSession, SessionListed},
    },
    error::Result,
    web::{filters, redirect_with_flash, render},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sessioner", get(sessions))
        .route("/sessioner/logga-ut-overallt", post(log_out_elsewhere))
        .route(RENEW_PATH, get(renew))
}

/// What the warning before the idle limit calls for *Fortsätt vara inloggad*.
pub const RENEW_PATH: &str = "/sessionen/fortsatt";

/// Stays signed in: the session layer renewed the session on the way in, as it does for every
/// request, a save included; nothing to show (204). Without a live session, the way to sign
/// in again, as everywhere (anything but 204 means signed out).
async fn renew(_user: CurrentUser) -> Response {
    (
        [(header::CACHE_CONTROL, "no-store")],
        StatusCode::NO_CONTENT,
    )
        .into_response()
}

#[derive(Template)]
#[template(path = "signin/sessions.html")]
struct SessionsPage {
    ctx: Ctx,
    sessions: Vec<SessionListed>,
    current: Vec<u8>,
}

impl SessionsPage {
    fn is_current(&self, s: &SessionListed) -> bool {
        s.id_hash == self.current
    }
}

/// Where one is signed in: every session of one's own, this one marked.
async fn sessions(
    State(state): State<AppState>,
    user: CurrentUser,
    Extension(active): Extension<ActiveSession>,
) -> Result<Response> {
    let sessions = session::list(&state.db, user.id()).await?;
    render(&SessionsPage {
        ctx: user.ctx,
        sessions,
        current: active.id_hash,
    })
}

/// Ends every session of one's own but this one (a phone left behind, a shared computer).
async fn log_out_elsewhere(
    State(state): State<AppState>,
    user: CurrentUser,
    Extension(active): Extension<ActiveSession>,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    let ended = session::end_all_but(&mut tx, user.id(), &active).await?;
    audit::Entry::new(
        Some(user.id()),
        "auth.logged_out_elsewhere",
        "user",
        user.id(),
    )
    .after(json!({ "sessions_ended": ended }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/sessioner",
        &match ended {
            0 => "Du var inte inloggad någon annanstans.".to_string(),
            1 => "Du är utloggad från 1 annan inloggning.".to_string(),
            n => format!("Du är utloggad från {n} andra inloggningar."),
        },
    ))
}
