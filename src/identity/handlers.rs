//! Signing in through a provider: the redirect there, and its answer.

use axum::{
    Extension,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    db,
    model::{Decision, Provider, decide},
    oidc,
};
use crate::{
    AppState, audit,
    auth::{
        Ctx, PageCtx,
        client_ip::ClientIp,
        handlers::LoginPage,
        second_factor,
        session::{self, ActiveSession, SignedInWith},
    },
    error::{AppError, Result},
    web::render_status,
};

/// The cookie that binds a sign-in under way to the browser that started it.
const LOGIN_COOKIE: &str = "dk_sso";

/// The login page again, with why the sign-in did not go through.
async fn refused(
    state: &AppState,
    ctx: Ctx,
    status: StatusCode,
    message: String,
) -> Result<Response> {
    let mut response = render_status(
        status,
        &LoginPage::new(state, ctx, String::new(), Some(message)).await?,
    )?;
    session::set_cookie(
        &mut response,
        LOGIN_COOKIE,
        "",
        Some(0),
        state.config.cookie_secure,
    );
    Ok(response)
}

/// Sends the browser to the provider, having kept the `state`, `nonce` and PKCE verifier to
/// check its answer by.
pub async fn start(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    Path(key): Path<String>,
) -> Result<Response> {
    let provider = db::active_provider(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    let authorization = match oidc::authorize(&provider, &state.sealer, &state.config.public_url)
        .await
    {
        Ok(a) => a,
        Err(e) => {
            tracing::warn!(provider = %provider.key, error = %e, "the identity provider does not answer");
            return refused(
                &state,
                ctx,
                StatusCode::BAD_GATEWAY,
                format!(
                    "{} svarar inte just nu. Försök igen om en stund, eller logga in med lösenord om ditt konto har ett.",
                    provider.display_name
                ),
            )
            .await;
        }
    };
    let browser = session::random_token();
    let mut tx = state.db.begin().await?;
    db::start_login(
        &mut tx,
        &session::hash_token(&browser),
        &authorization.login,
    )
    .await?;
    tx.commit().await?;
    let mut response = Redirect::to(&authorization.url).into_response();
    session::set_cookie(
        &mut response,
        LOGIN_COOKIE,
        &browser,
        Some(600),
        state.config.cookie_secure,
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct Answer {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

/// Records a refused sign-in and shows why.
#[allow(clippy::too_many_arguments)]
async fn refuse(
    state: &AppState,
    ctx: Ctx,
    client: ClientIp,
    provider: Option<&Provider>,
    status: StatusCode,
    reason: &str,
    detail: serde_json::Value,
    message: String,
) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    audit::Entry::new(
        None,
        "sso.refused",
        "identity_provider",
        provider.map(|p| p.id.to_string()).unwrap_or_default(),
    )
    .after(json!({
        "reason": reason,
        "provider": provider.map(|p| p.key.as_str()),
        "ip": client.to_string(),
        "detail": detail,
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    refused(state, ctx, status, message).await
}

/// The provider's answer: the sign-in under way is taken (once), its `state` compared, the
/// code exchanged and the ID token verified; then the person is let in as the user linked to
/// the provider's subject, or linked now by a verified address, or refused.
pub async fn answer(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    client: ClientIp,
    active: Option<Extension<ActiveSession>>,
    headers: HeaderMap,
    Path(key): Path<String>,
    Query(answer): Query<Answer>,
) -> Result<Response> {
    let secure = state.config.cookie_secure;
    let again = "Försök igen från inloggningssidan.";
    let browser = session::cookie(&headers, &session::cookie_name(LOGIN_COOKIE, secure))
        .filter(|b| !b.is_empty());
    let under_way = match browser {
        Some(b) => {
            let mut tx = state.db.begin().await?;
            let login = db::take_login(&mut tx, &session::hash_token(&b)).await?;
            tx.commit().await?;
            login
        }
        None => None,
    };
    let Some(login) = under_way else {
        return refuse(
            &state,
            ctx,
            client,
            None,
            StatusCode::BAD_REQUEST,
            "no_sign_in_under_way",
            json!({ "key": key.chars().take(40).collect::<String>() }),
            format!("Inloggningen hade gått ut eller startades i en annan webbläsare. {again}"),
        )
        .await;
    };
    let provider = db::provider(&state.db, login.provider_id)
        .await?
        .filter(|p| p.active && p.key == key)
        .ok_or(AppError::NotFound)?;
    let name = provider.display_name.clone();
    if let Some(error) = answer.error {
        return refuse(
            &state,
            ctx,
            client,
            Some(&provider),
            StatusCode::UNAUTHORIZED,
            "provider_error",
            json!({ "error": error.chars().take(100).collect::<String>() }),
            format!("Inloggningen hos {name} avbröts eller nekades. {again}"),
        )
        .await;
    }
    let same_state = answer
        .state
        .as_deref()
        .is_some_and(|s| session::constant_time_eq(s.as_bytes(), login.state.as_bytes()));
    let (true, Some(code)) = (same_state, answer.code.as_deref()) else {
        return refuse(
            &state,
            ctx,
            client,
            Some(&provider),
            StatusCode::BAD_REQUEST,
            "state",
            json!({}),
            format!("Svaret från {name} hörde inte till den här inloggningen. {again}"),
        )
        .await;
    };
    let verified = match oidc::finish(
        &provider,
        &state.sealer,
        &state.config.public_url,
        code,
        &login,
    )
    .await
    {
        Ok(v) => v,
        Err((reason, detail)) => {
            tracing::warn!(provider = %provider.key, reason, %detail, "an identity provider's answer was refused");
            return refuse(
                &state,
                ctx,
                client,
                Some(&provider),
                StatusCode::UNAUTHORIZED,
                reason,
                json!({ "detail": detail.chars().take(300).collect::<String>() }),
                format!("Inloggningen via {name} kunde inte bekräftas. {again}"),
            )
            .await;
        }
    };

    let mut tx = state.db.begin().await?;
    let linked = db::linked(&mut tx, provider.id, &verified.subject).await?;
    let by_email = match (&linked, &verified.email) {
        (None, Some(email)) => db::by_email(&mut tx, provider.id, email).await?,
        _ => None,
    };
    let user_id = match decide(linked.as_ref(), verified.email_verified, by_email.as_ref()) {
        Decision::SignIn(user) => user,
        Decision::LinkAndSignIn(user) => {
            let id = Uuid::new_v4();
            let email = verified.email.clone().unwrap_or_default();
            db::link(&mut tx, id, provider.id, &verified.subject, user, &email).await?;
            audit::Entry::new(Some(user), "sso.linked", "identity_link", id)
                .after(json!({
                    "provider": provider.key, "subject": verified.subject, "email": email,
                }))
                .record(&mut tx)
                .await?;
            user
        }
        Decision::Refuse(why) => {
            tx.rollback().await?;
            return refuse(
                &state,
                ctx,
                client,
                Some(&provider),
                StatusCode::FORBIDDEN,
                why.key(),
                json!({ "subject": verified.subject, "email": verified.email }),
                why.message(&name),
            )
            .await;
        }
    };
    db::link_used(&mut tx, provider.id, &verified.subject).await?;
    if let Some(Extension(previous)) = active {
        session::end(&mut tx, &previous.id_hash).await?;
    }
    // Digikoord's own second step, unless the provider reports more than one factor.
    let (second_step_rule, has_factor) = db::second_step(&mut tx, user_id).await?;
    let second_step = second_step_rule && !verified.how.multi_factor();
    let (new, next) = if second_step {
        let next = if has_factor {
            second_factor::CODE_PATH
        } else {
            second_factor::ENROL_PATH
        };
        (session::create_pending(&mut tx, user_id).await?, next)
    } else {
        (session::create(&mut tx, user_id).await?, "/")
    };
    session::set_signed_in_with(
        &mut tx,
        &new.token,
        &SignedInWith {
            provider: provider.id,
            id_token: verified.id_token.clone(),
        },
    )
    .await?;
    audit::Entry::new(Some(user_id), "sso.login", "user", user_id)
        .after(json!({
            "provider": provider.key, "subject": verified.subject, "ip": client.to_string(),
            "amr": verified.how.amr, "acr": verified.how.acr,
            "multi_factor_at_provider": verified.how.multi_factor(),
            "second_step": second_step,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    let mut response = Redirect::to(next).into_response();
    session::set_session_cookie(&mut response, &new.token, secure);
    session::set_cookie(&mut response, LOGIN_COOKIE, "", Some(0), secure);
    Ok(response)
}
