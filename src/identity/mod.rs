//! Signing in with one's own organisation's account: OpenID Connect providers configured by
//! administrators, each provider's person linked to a Digikoord user by the provider's
//! subject. Role and organisation stay Digikoord's; passwords stay for users without a
//! provider.
//!
//! A provider vouches only for whom it may: the organisations and e-mail domains it is
//! listed for, staff only when it signs in staff, and its word on a second factor only when
//! trusted. Making a provider, or changing its issuer, client or trust, takes a second
//! administrator's confirmation. A first sign-in by a verified address links only once the
//! person confirms it with their Digikoord password and code (or an administrator does: two
//! for a staff member). Digikoord asks providers on public https addresses only, keeps their
//! metadata ten minutes, and lets each client start a few sign-ins a minute.

mod admin;
pub mod db;
mod handlers;
pub mod model;
mod oidc;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    routing::{get, post},
};

use crate::{AppState, auth::session::SignedInWith};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/logga-in/sso/{key}", get(handlers::start))
        .route("/logga-in/sso/{key}/svar", get(handlers::answer))
        .route(
            "/logga-in/sso/bekrafta",
            get(handlers::confirm_form).post(handlers::confirm),
        )
        .route("/admin/inloggning", get(admin::list).post(admin::create))
        .route("/admin/inloggning/{id}", post(admin::update))
        .route("/admin/inloggning/{id}/stang-av", post(admin::switch_off))
        .route(
            "/admin/inloggning/andringar/{id}/bekrafta",
            post(admin::confirm_change),
        )
        .route(
            "/admin/inloggning/andringar/{id}/neka",
            post(admin::refuse_change),
        )
        .route(
            "/admin/inloggning/kopplingar/{id}/bekrafta",
            post(admin::confirm_link),
        )
        .route(
            "/admin/inloggning/kopplingar/{id}/ta-bort",
            post(admin::unlink),
        )
}

/// What the sign-ins through providers share across requests: the providers' metadata, and
/// how many sign-ins each client has started lately.
#[derive(Clone, Default)]
pub struct Shared {
    discovery: oidc::Discovery,
    starts: Arc<Mutex<HashMap<String, Vec<Instant>>>>,
}

/// A client (an address bucket: an office behind one address counts as one) may start this
/// many sign-ins…
const STARTS: usize = 30;
/// …in this long.
const STARTS_WINDOW: Duration = Duration::from_secs(60);
/// Clients remembered at most; past it the oldest are forgotten (a flood of addresses costs
/// memory no more than this).
const CLIENTS_REMEMBERED: usize = 10_000;

impl Shared {
    /// Counts a start by this client; false when it has started too many lately (each start
    /// asks the provider and keeps a row, so anonymous starts are bounded).
    fn may_start(&self, client: &str) -> bool {
        let Ok(mut starts) = self.starts.lock() else {
            return true;
        };
        let now = Instant::now();
        if starts.len() >= CLIENTS_REMEMBERED {
            starts.retain(|_, times| times.iter().any(|t| now - *t < STARTS_WINDOW));
        }
        if starts.len() >= CLIENTS_REMEMBERED {
            starts.clear();
        }
        let times = starts.entry(client.to_string()).or_default();
        times.retain(|t| now - *t < STARTS_WINDOW);
        if times.len() >= STARTS {
            return false;
        }
        times.push(now);
        true
    }
}

/// Saves the providers the environment names (`OIDC_PROVIDERS`) over the same keys, as the
/// operator (the owner; no second administrator): a new one is added, a changed one updated,
/// each recorded in the audit log; the number changed. Their organisations are found by name.
pub async fn keep_from_environment(
    db: &sqlx::PgPool,
    sealer: &crate::secrets::Sealer,
    providers: &[model::EnvironmentProvider],
) -> Result<usize, String> {
    let mut changed = 0;
    for named in providers {
        let mut settings = named.settings.clone();
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        for name in &named.organisations {
            let id: Option<uuid::Uuid> =
                sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
                    .bind(name)
                    .fetch_optional(&mut *tx)
                    .await
                    .map_err(|e| e.to_string())?;
            settings.organisations.push(id.ok_or_else(|| {
                format!(
                    "{}: there is no organisation named {name:?}",
                    named.variable
                )
            })?);
        }
        let before = db::provider_by_key(&mut *tx, &settings.key)
            .await
            .map_err(|e| e.to_string())?;
        let kept_secret = before
            .as_ref()
            .map(|b| sealer.open(crate::secrets::Purpose::ClientSecret, &b.client_secret))
            .transpose()
            .map_err(|e| e.to_string())?;
        let same = before.as_ref().is_some_and(|b| {
            b.settings()
                == model::ProviderSettings {
                    client_secret: None,
                    ..settings.clone()
                }
                && kept_secret.as_ref() == settings.client_secret.as_ref()
        });
        if same {
            continue;
        }
        let id = before.as_ref().map_or_else(uuid::Uuid::new_v4, |b| b.id);
        db::save_provider(&mut tx, sealer, id, &settings)
            .await
            .map_err(|e| e.to_string())?;
        crate::audit::Entry::new(
            None,
            "identity_provider.from_environment",
            "identity_provider",
            id,
        )
        .after(serde_json::json!({
            "provider": admin::shown(&settings), "new": before.is_none(),
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
/// if it offers that (its name, and the address); back to the login page afterwards.
pub async fn logout_at_provider(state: &AppState, with: &SignedInWith) -> Option<(String, String)> {
    let provider = db::provider(&state.db, with.provider).await.ok()??;
    let back = format!("{}/logga-in", state.config.public_url.trim_end_matches('/'));
    let url = oidc::logout_url(
        &provider,
        &state.identity.discovery,
        state.config.oidc_allow_local,
        &with.id_token,
        &back,
    )
    .await?;
    Some((provider.display_name, url))
}
