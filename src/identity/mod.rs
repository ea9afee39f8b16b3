//! Signing in with one's own organisation's account: OpenID Connect providers configured by
//! an administrator, each provider's person linked to a Digikoord user by the provider's
//! subject (the first time by a verified e-mail address, to a user an administrator made).
//! Role and organisation stay Digikoord's; passwords stay for users without a provider.

mod admin;
pub mod db;
mod handlers;
pub mod model;
mod oidc;

use axum::{
    Router,
    routing::{get, post},
};

use crate::{AppState, auth::session::SignedInWith};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/logga-in/sso/{key}", post(handlers::start))
        .route("/logga-in/sso/{key}/svar", get(handlers::answer))
        .route("/admin/inloggning", get(admin::list).post(admin::create))
        .route("/admin/inloggning/{id}", post(admin::update))
        .route(
            "/admin/inloggning/kopplingar/{id}/ta-bort",
            post(admin::unlink),
        )
}

/// Where to send the browser to log out at the provider a session was signed in through,
/// if it offers that; back to the login page afterwards.
pub async fn logout_at_provider(state: &AppState, with: &SignedInWith) -> Option<String> {
    let provider = db::provider(&state.db, with.provider).await.ok()??;
    let back = format!("{}/logga-in", state.config.public_url.trim_end_matches('/'));
    oidc::logout_url(&provider, &with.id_token, &back).await
}
