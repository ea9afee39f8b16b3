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
//!
//! Staff and coordinators can so sign in through the identity provider their organisation
//! already runs (Entra ID, say), and its own password and two-factor rules apply. An
//! administrator adds each provider under *Inloggning* (`/admin/inloggning`, `admin.rs`);
//! several can be in use at once (for example Tillväxtverket's own and one per region that
//! has one), each shown on the login page as *Logga in med {namn}*. The pages that sign in
//! are `signin::sso`.
//!
//! # Registering Digikoord with a provider
//!
//! Register a confidential web application (authorization code flow; Digikoord always
//! sends PKCE with S256, `state` and `nonce`):
//!
//! - redirect URI: `{PUBLIC_URL}/logga-in/sso/{nyckel}/svar` (the page shows it for each
//!   provider), e.g. `https://digikoord.tillvaxtverket.se/logga-in/sso/tillvaxtverket/svar`;
//! - post-logout redirect URI: `{PUBLIC_URL}/logga-in`;
//! - scopes: `openid email profile`; the ID token must carry `email` and `email_verified`
//!   (in Entra ID, add `email` as an optional claim of the ID token);
//! - client authentication: client secret (`client_secret_basic`).
//!
//! Then ask for the provider in Digikoord (under *Inloggning*; or in the environment:
//! `OIDC_PROVIDERS` and `OIDC_<KEY>_…`, see the README's settings, saved over its key at
//! each start as the operator's): the issuer URL (e.g.
//! `https://login.microsoftonline.com/<tenant>/v2.0`), the client id and secret, the
//! button's name, a short key for the addresses, and **whom it may sign in**: the
//! organisations and/or e-mail domains it vouches for, whether it may sign in
//! Tillväxtverket's staff (only Tillväxtverket's own provider), and whether its report of
//! more than one factor is trusted. A new provider, and every change of one, takes effect
//! only when **a second administrator** confirms it on the same page (shown as what
//! changes); switching one off is at once.
//!
//! Digikoord asks providers on public https addresses only: an issuer or a discovered
//! endpoint on a loopback, private or link-local address, or over http, is refused, and
//! names are looked up keeping only public addresses (so nobody configures Digikoord to ask
//! inside its own network; `OIDC_ALLOW_LOCAL` lifts this for tests and development). The
//! metadata (`.well-known/openid-configuration` and the keys) is kept ten minutes; every
//! ID token is verified: signature against the provider's JWKS, issuer, audience, expiry
//! and nonce (`openidconnect` crate, `oidc.rs`). The secret is kept sealed
//! (`crate::secrets`), never shown again, never logged. A client may start 30 sign-ins a
//! minute.
//!
//! # Who gets in
//!
//! A provider's person is linked to a Digikoord user by the provider's stable subject
//! (`sub`), never by e-mail alone, and only if the provider vouches for that user
//! (organisation or domain on its list; staff only if it signs in staff) — checked at every
//! sign-in. The first sign-in by a *verified* e-mail address of an existing, active user
//! links only once the person **confirms it with their own Digikoord password and code**
//! (which whoever runs the provider does not know), or an administrator confirms it under
//! *Inloggning* (for a staff member, a second administrator). An unknown person, an address
//! the provider has not verified, or a user the provider may not vouch for, is refused (the
//! message never says whether an account exists), and no account is made. A provider can
//! be the *only way in* for its linked users: a password then fails as a wrong one does.
//! Staff still give Digikoord's own code after signing in, unless the provider is trusted
//! for it and reports more than one factor (`amr` with `mfa`, methods of two kinds, or an
//! `acr` such as Svensk e-legitimation LoA 3–4 or eIDAS substantial or high; `model.rs`).
//! Sign-ins, links, refusals (with the reason), confirmations, unlinking and every
//! provider change are in the audit log.
//!
//! Tested in `tests/it/sso.rs` against a real provider.
//!
//! `model.rs`: settings, who gets in, multi-factor; `db.rs`: all SQL; `oidc.rs`: discovery
//! and tokens (`openidconnect`); `admin.rs`: the administrators' page.

pub mod addresses;
mod admin;
pub mod db;
pub mod model;
pub mod oidc;
pub mod settings;
pub mod sign_in;

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
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
    pub discovery: oidc::Discovery,
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
    pub fn may_start(&self, client: &str) -> bool {
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

/// Saves the providers the environment names (`OIDC_PROVIDERS`), checked as an administrator's
/// form is, over the same keys, as the
/// operator (the owner; no second administrator): a new one is added, a changed one updated,
/// each recorded in the audit log; the number changed. Their organisations are found by name.
pub async fn keep_from_environment(
    db: &sqlx::PgPool,
    sealer: &crate::secrets::Sealer,
    providers: &[crate::config::ProviderVariables],
) -> Result<usize, String> {
    let mut changed = 0;
    for named in providers {
        let named = model::EnvironmentProvider::check(named)?;
        let mut settings = named.settings.clone();
        let mut tx = db.begin().await.map_err(|e| e.to_string())?;
        for name in &named.organisations {
            let id = db::organisation_named(&mut tx, name)
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
