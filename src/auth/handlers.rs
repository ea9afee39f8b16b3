//! Logging in and out, and setting a password from a one-time link. The second step
//! of a login is in `second_factor`.

use askama::Template;
use axum::{
    Extension, Form, Router,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    Ctx, PageCtx, Role,
    client_ip::ClientIp,
    password, second_factor,
    session::{self, ActiveSession},
    throttle::{self, Outcome, Step, TooSoon},
};
use crate::{
    AppState, audit,
    error::{AppError, Result},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/logga-in", get(login_form).post(login))
        .route("/logga-ut", axum::routing::post(logout))
        .route(
            "/losenord/{token}",
            get(set_password_form).post(set_password),
        )
        .route("/sessioner", get(sessions))
        .route(
            "/sessioner/logga-ut-overallt",
            axum::routing::post(log_out_elsewhere),
        )
}

/// One of the user's sessions, as their own page lists it.
#[derive(sqlx::FromRow)]
struct SessionListed {
    id_hash: Vec<u8>,
    created_at: chrono::DateTime<chrono::Utc>,
    last_seen_at: chrono::DateTime<chrono::Utc>,
    expires_at: chrono::DateTime<chrono::Utc>,
    provider: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/sessions.html")]
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
    user: super::CurrentUser,
    Extension(active): Extension<ActiveSession>,
) -> Result<Response> {
    let sessions: Vec<SessionListed> = sqlx::query_as(
        "SELECT s.id_hash, s.created_at, s.last_seen_at, s.expires_at, p.display_name AS provider
         FROM sessions s LEFT JOIN identity_providers p ON p.id = s.identity_provider
         WHERE s.user_id = $1 AND NOT s.second_factor_pending AND s.expires_at > now()
           AND s.last_seen_at > now() - make_interval(mins => $2::int)
         ORDER BY s.last_seen_at DESC",
    )
    .bind(user.id())
    .bind(session::IDLE_TIMEOUT_MINUTES as i32)
    .fetch_all(&state.db)
    .await?;
    render(&SessionsPage {
        ctx: user.ctx,
        sessions,
        current: active.id_hash,
    })
}

/// Ends every session of one's own but this one (a phone left behind, a shared computer).
async fn log_out_elsewhere(
    State(state): State<AppState>,
    user: super::CurrentUser,
    Extension(active): Extension<ActiveSession>,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user.id())
        .bind(&active.id_hash)
        .execute(&mut *tx)
        .await?
        .rows_affected();
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

#[derive(Template)]
#[template(path = "auth/login.html")]
pub(crate) struct LoginPage {
    ctx: Ctx,
    email: String,
    failed: Option<String>,
    /// The identity providers one may sign in through (`crate::identity`).
    providers: Vec<crate::identity::model::Provider>,
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
            providers: crate::identity::db::active_providers(&state.db).await?,
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

#[derive(sqlx::FromRow)]
struct Credentials {
    id: Uuid,
    password_hash: Option<String>,
    role: Role,
    has_second_factor: bool,
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
    let known_device = super::device::recognised(&headers, &state.sealer, &email, secure);
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

    let credentials: Option<Credentials> = sqlx::query_as(
        "SELECT u.id, u.password_hash, u.role,
                EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id) AS has_second_factor
         FROM users u WHERE u.email = $1 AND u.active",
    )
    .bind(&email)
    .fetch_optional(&state.db)
    .await?;
    let stored = credentials.as_ref().and_then(|c| c.password_hash.clone());
    let ok = password::verify(form.password.clone(), stored).await?;

    let mut tx = state.db.begin().await?;
    // A provider that is the user's only way in turns the password off. The answer is the
    // same as for a wrong password, whatever was typed: it tells a guesser nothing.
    let only_way_in = match &credentials {
        Some(c) => crate::identity::db::only_way_in(&mut tx, c.id).await?,
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
    if let Some(Extension(previous)) = active {
        session::end(&mut tx, &previous.id_hash).await?;
    }
    let needs_second_step = user.has_second_factor || user.role.is_staff();
    let (new, next) = if needs_second_step {
        throttle::finish(&mut tx, attempt, Outcome::Passed).await?;
        let next = if user.has_second_factor {
            second_factor::CODE_PATH
        } else {
            second_factor::ENROL_PATH
        };
        (session::create_pending(&mut tx, user.id).await?, next)
    } else {
        throttle::finish(&mut tx, attempt, Outcome::Succeeded).await?;
        audit::Entry::new(Some(user.id), "auth.login", "user", user.id)
            .after(json!({ "ip": client.to_string() }))
            .record(&mut tx)
            .await?;
        (session::create(&mut tx, user.id).await?, "/")
    };
    tx.commit().await?;

    let mut response = Redirect::to(next).into_response();
    session::set_session_cookie(&mut response, &new.token, secure);
    if !needs_second_step {
        super::device::remember(&mut response, &state.sealer, &email, secure);
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
            at_provider = crate::identity::logout_at_provider(&state, &with).await;
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
    session::clear_session_cookie(&mut response, state.config.cookie_secure);
    Ok(response)
}

#[derive(Template)]
#[template(path = "auth/logged_out.html")]
struct LoggedOutPage {
    ctx: Ctx,
    provider: String,
    provider_url: String,
}

#[derive(sqlx::FromRow)]
struct TokenOwner {
    user_id: Uuid,
    name: String,
    email: String,
}

async fn token_owner(state: &AppState, token: &str) -> Result<TokenOwner> {
    sqlx::query_as(
        "SELECT t.user_id, u.name, u.email FROM password_tokens t JOIN users u ON u.id = t.user_id
         WHERE t.token_hash = $1 AND t.used_at IS NULL AND t.expires_at > now() AND u.active",
    )
    .bind(session::hash_token(token))
    .fetch_optional(&state.db)
    .await?
    .ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "auth/set_password.html")]
struct SetPasswordPage {
    ctx: Ctx,
    name: String,
    email: String,
    errors: FormErrors,
}

async fn set_password_form(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(token): Path<String>,
) -> Result<Response> {
    let owner = token_owner(&state, &token).await?;
    render(&SetPasswordPage {
        ctx,
        name: owner.name,
        email: owner.email,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    password_repeat: String,
}

async fn set_password(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(token): Path<String>,
    Form(form): Form<SetPasswordForm>,
) -> Result<Response> {
    let owner = token_owner(&state, &token).await?;
    if let Err(message) = password::check_new_password(
        &form.password,
        &form.password_repeat,
        &[&owner.email, &owner.name],
    ) {
        let mut errors = FormErrors::default();
        errors.add("password", message);
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetPasswordPage {
                ctx,
                name: owner.name,
                email: owner.email,
                errors,
            },
        );
    }
    let hash = password::hash(form.password).await?;
    let mut tx = state.db.begin().await?;
    let used = sqlx::query(
        "UPDATE password_tokens SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL",
    )
    .bind(session::hash_token(&token))
    .execute(&mut *tx)
    .await?;
    if used.rows_affected() != 1 {
        return Err(AppError::Conflict("Länken har redan använts.".into()));
    }
    sqlx::query("UPDATE users SET password_hash = $2 WHERE id = $1")
        .bind(owner.user_id)
        .bind(&hash)
        .execute(&mut *tx)
        .await?;
    // A new password ends every session started with the old one.
    session::end_all_for_user(&mut tx, owner.user_id).await?;
    audit::Entry::new(Some(owner.user_id), "password.set", "user", owner.user_id)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/logga-in",
        "Lösenordet är sparat. Logga in med ditt nya lösenord.",
    ))
}
