//! Logging in with a password, and logging out (at the provider too, for a session signed in
//! through one). The second step of a login is in `second_step`.

use askama::Template;
use axum::{
    Extension, Form, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::{get, post},
};
use serde::Deserialize;
use serde_json::json;

use super::db;
use crate::{
    AppState, audit,
    auth::{
        Ctx, PageCtx,
        client_ip::ClientIp,
        device, password, second_factor,
        session::{self, ActiveSession},
        throttle::{self, Outcome, Step, TooSoon},
    },
    error::Result,
    identity,
    web::{redirect_with_flash, render, render_status},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/logga-in", get(login_form).post(login))
        .route("/logga-ut", post(logout))
}

#[derive(Template)]
#[template(path = "signin/login.html")]
pub(crate) struct LoginPage {
    ctx: Ctx,
    email: String,
    failed: Option<String>,
    /// The identity providers one may sign in through (`identity`).
    providers: Vec<identity::model::Provider>,
}

impl LoginPage {
    pub(crate) async fn new(
        state: &AppState,
        ctx: Ctx,
        email: String,
        failed: Option<String>,
    ) -> Result<LoginPage> {
        Ok(LoginPage {
            ctx,
            email,
            failed,
            providers: identity::db::active_providers(&state.db).await?,
        })
    }
}

async fn login_form(State(state): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Response> {
    if ctx.user.is_some() {
        return Ok(Redirect::to("/").into_response());
    }
    render(&LoginPage::new(&state, ctx, String::new(), None).await?)
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

/// The password step. The attempt is counted before the password is checked (see
/// `throttle`); a right password opens a full session only for someone without a
/// second factor (a coordinator who has not turned it on), and otherwise a pending
/// one that reaches nothing but the second step.
async fn login(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    client: ClientIp,
    active: Option<Extension<ActiveSession>>,
    headers: axum::http::HeaderMap,
    Form(form): Form<LoginForm>,
) -> Result<Response> {
    let email = form.email.trim().to_lowercase();
    let secure = state.config.cookie_secure;
    let known_device = device::recognised(&headers, &state.sealer, &email, secure);
    // The browser signing in (a new device when its cookie is none of ours).
    let this_device = device::Device::of(&headers, &state.sealer, &email, secure);
    // The login page again, with what was typed and why it failed (the providers read only
    // then, not on the way in).
    let page = |ctx: Ctx, failed: String| {
        LoginPage::new(&state, ctx, form.email.trim().to_string(), Some(failed))
    };

    // No account has a longer address; such an attempt is refused before it is recorded.
    if email.chars().count() > 254 {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(ctx, "Ange en giltig e-postadress.".to_string()).await?,
        );
    }
    let attempt = match throttle::begin(
        &state.db,
        &email,
        &client.bucket(),
        Step::Password,
        known_device,
    )
    .await?
    {
        Ok(id) => id,
        Err(TooSoon(wait)) => {
            let mut response = render_status(
                StatusCode::TOO_MANY_REQUESTS,
                &page(ctx, throttle::wait_message(wait)).await?,
            )?;
            throttle::retry_after(&mut response, wait);
            return Ok(response);
        }
    };

    let credentials = db::credentials(&state.db, &email).await?;
    let stored = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let ok = password::verify(form.password.clone(), stored).await?;

    let mut tx = state.db.begin().await?;
    // A provider that is the user's only way in turns the password off. The answer is the
    // same as for a wrong password, whatever was typed: it tells a guesser nothing.
    let only_way_in = match &credentials {
        Some(c) => identity::db::only_way_in(&mut tx, c.id).await?,
        None => None,
    };
    let user_id = credentials.as_ref().map(|c| c.id);
    let Some(user) = credentials.filter(|_| ok && only_way_in.is_none()) else {
        let entry = match (user_id, &only_way_in, ok) {
            (Some(id), Some(provider), true) => {
                audit::Entry::new(Some(id), "auth.password_refused", "user", id)
                    .after(json!({ "ip": client.to_string(), "only_way_in": provider }))
            }
            _ => audit::Entry::new(
                None,
                "auth.login_failed",
                "login",
                email.chars().take(200).collect::<String>(),
            )
            .after(json!({ "ip": client.to_string() })),
        };
        entry.record(&mut tx).await?;
        tx.commit().await?;
        return render_status(
            StatusCode::UNAUTHORIZED,
            &page(ctx, "Inloggningen misslyckades.".into()).await?,
        );
    };
    let previous = active.as_ref().map(|Extension(previous)| previous);
    let needs_second_step = user.has_second_factor || user.role.is_staff();
    let (new, next) = if needs_second_step {
        throttle::finish(&mut tx, attempt, Outcome::Passed).await?;
        let next = if user.has_second_factor {
            second_factor::CODE_PATH
        } else {
            second_factor::ENROL_PATH
        };
        (
            session::start_pending(&mut tx, user.id, previous, None).await?,
            next.to_string(),
        )
    } else {
        throttle::finish(&mut tx, attempt, Outcome::Succeeded).await?;
        audit::Entry::new(Some(user.id), "auth.login", "user", user.id)
            .after(json!({ "ip": client.to_string() }))
            .record(&mut tx)
            .await?;
        let next = super::landing(&mut tx, user.id).await?;
        let started = session::start(&mut tx, user.id, previous, None).await?;
        super::new_device::signed_in(&mut tx, &state, user.id, &this_device, &headers).await?;
        (started, next)
    };
    tx.commit().await?;

    let mut response = Redirect::to(&next).into_response();
    new.set_cookie(&mut response, secure);
    if !needs_second_step {
        device::remember(&mut response, &state.sealer, &this_device, &email, secure);
    }
    Ok(response)
}

/// Ends the session, full or pending; one signed in through a provider that offers it is
/// then logged out there too (RP-initiated logout), coming back to the login page.
async fn logout(
    State(state): State<AppState>,
    active: Option<Extension<ActiveSession>>,
) -> Result<Response> {
    let mut at_provider = None;
    if let Some(Extension(active)) = active {
        let mut tx = state.db.begin().await?;
        let signed_in_with = session::signed_in_with(&mut tx, &active.id_hash).await?;
        session::end(&mut tx, &active.id_hash).await?;
        audit::Entry::new(Some(active.user_id), "auth.logout", "user", active.user_id)
            .after(json!({ "identity_provider": signed_in_with.as_ref().map(|w| w.provider) }))
            .record(&mut tx)
            .await?;
        tx.commit().await?;
        if let Some(with) = signed_in_with {
            at_provider = identity::oidc::logout_at_provider(&state, &with).await;
        }
    }
    // Going on to the provider is a page of ours that sends the browser there (a refresh and
    // a link), not a redirect of the logout form: a form may only lead to our own origin
    // (the CSP's form-action), and browsers hold a form's redirects to that.
    let mut response = match at_provider {
        Some((provider, provider_url)) => render(&LoggedOutPage {
            ctx: Ctx::default(),
            provider,
            provider_url,
        })?,
        None => redirect_with_flash("/logga-in", "Du är utloggad."),
    };
    session::clear_cookie(&mut response, state.config.cookie_secure);
    Ok(response)
}

#[derive(Template)]
#[template(path = "signin/logged_out.html")]
struct LoggedOutPage {
    ctx: Ctx,
    provider: String,
    provider_url: String,
}
