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

/// Saves the providers the environment names (`OIDC_PROVIDERS`) over the same keys: a new
/// one is added, a changed one updated, each recorded in the audit log; the number changed.
pub async fn keep_from_environment(
    db: &sqlx::PgPool,
    sealer: &crate::secrets::Sealer,
    providers: &[model::ProviderSettings],
) -> Result<usize, String> {
    let mut changed = 0;
    for settings in providers {
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        let before = db::provider_by_key(&mut *tx, &settings.key)
            .await
            .map_err(|e| e.to_string())?;
        let kept_secret = before
            .as_ref()
            .map(|b| sealer.open(crate::secrets::Purpose::ClientSecret, &b.client_secret))
            .transpose()
            .map_err(|e| e.to_string())?;
        let same = before.as_ref().is_some_and(|b| {
            b.display_name == settings.display_name
                && b.issuer_url == settings.issuer_url
                && b.client_id == settings.client_id
                && kept_secret.as_ref() == settings.client_secret.as_ref()
                && b.only_way_in == settings.only_way_in
                && b.active
        });
        if same {
            continue;
        }
        let id = before.as_ref().map_or_else(uuid::Uuid::new_v4, |b| b.id);
        match &before {
            None => db::insert_provider(&mut tx, sealer, id, settings).await,
            Some(_) => db::update_provider(&mut tx, sealer, id, settings)
                .await
                .map(|_| ()),
        }
        .map_err(|e| e.to_string())?;
        crate::audit::Entry::new(
            None,
            "identity_provider.from_environment",
            "identity_provider",
            id,
        )
        .after(serde_json::json!({
            "key": settings.key, "display_name": settings.display_name,
            "issuer_url": settings.issuer_url, "client_id": settings.client_id,
            "only_way_in": settings.only_way_in, "new": before.is_none(),
        }))
        .record(&mut tx)
        .await
        .map_err(|e| e.to_string())?;
        tx.commit().await.map_err(|e| e.to_string())?;
        changed += 1;
    }
    Ok(changed)
}

/// Where to send the browser to log out at the provider a session was signed in through,
/// if it offers that; back to the login page afterwards.
pub async fn logout_at_provider(state: &AppState, with: &SignedInWith) -> Option<String> {
    let provider = db::provider(&state.db, with.provider).await.ok()??;
    let back = format!("{}/logga-in", state.config.public_url.trim_end_matches('/'));
    oidc::logout_url(&provider, &with.id_token, &back).await
}
