//! Signing in through a provider: the redirect there, its answer, and the confirmation of a
//! first link with the person's own Digikoord password and code.

use askama::Template;
use axum::{
    Extension, Form, Router,
    extract::{Path, Query, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::json;

use super::login::LoginPage;
use crate::{
    AppState, audit,
    auth::{
        Ctx, PageCtx,
        client_ip::ClientIp,
        cookie, device, password, second_factor,
        session::{self, ActiveSession, SignedInWith},
        throttle::{self, Outcome, Step, TooSoon},
        token,
    },
    error::{AppError, Result},
    identity::{
        db,
        model::{Decision, Provider, decide},
        oidc,
    },
    web::{FormErrors, render, render_status},
};

/// The cookie that binds a sign-in under way to the browser that started it.
const LOGIN_COOKIE: &str = "dk_sso";
/// The cookie that binds a link waiting for confirmation to the browser that signed in.
const LINK_COOKIE: &str = "dk_sso_link";
pub const CONFIRM_PATH: &str = "/logga-in/sso/bekrafta";

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/logga-in/sso/{key}", get(start))
        .route("/logga-in/sso/{key}/svar", get(answer))
        .route(CONFIRM_PATH, get(confirm_form).post(confirm))
}

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
    cookie::clear(&mut response, LOGIN_COOKIE, state.config.cookie_secure);
    Ok(response)
}

fn speaking(state: &AppState) -> oidc::Speaking<'_> {
    oidc::Speaking {
        discovery: &state.identity.discovery,
        sealer: &state.sealer,
        public_url: &state.config.public_url,
        allow_local: state.config.oidc_allow_local,
    }
}

/// Sends the browser to the provider, having kept the `state`, `nonce` and PKCE verifier to
/// check its answer by. A link (GET), so that no form's `form-action` stands in the way of
/// going on to the provider; each client may start a few a minute.
async fn start(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    client: ClientIp,
    Path(key): Path<String>,
) -> Result<Response> {
    let provider = db::active_provider(&state.db, &key)
        .await?
        .ok_or(AppError::NotFound)?;
    if !state.identity.may_start(&client.bucket()) {
        let mut response = refused(
            &state,
            ctx,
            StatusCode::TOO_MANY_REQUESTS,
            "Många inloggningar har påbörjats härifrån på kort tid. Vänta en minut och försök igen."
                .into(),
        )
        .await?;
        throttle::retry_after(&mut response, std::time::Duration::from_secs(60));
        return Ok(response);
    }
    let authorization = match oidc::authorize(&provider, &speaking(&state)).await {
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
    let browser = token::random();
    let mut tx = state.db.begin().await?;
    db::start_login(&mut tx, &token::hash(&browser), &authorization.login).await?;
    tx.commit().await?;
    let mut response = Redirect::to(&authorization.url).into_response();
    cookie::set(
        &mut response,
        LOGIN_COOKIE,
        &browser,
        Some(600),
        state.config.cookie_secure,
    );
    Ok(response)
}

#[derive(Deserialize)]
struct Answer {
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
/// the provider's subject, or asked to confirm a first link by a verified address, or
/// refused.
async fn answer(
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
    let browser = cookie::ours(&headers, LOGIN_COOKIE, secure);
    let under_way = match browser {
        Some(b) => {
            let mut tx = state.db.begin().await?;
            let login = db::take_login(&mut tx, &token::hash(&b)).await?;
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
        .is_some_and(|s| token::same(s.as_bytes(), login.state.as_bytes()));
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
    let verified = match oidc::finish(&provider, &speaking(&state), code, &login).await {
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
    let user_id = match decide(
        &provider,
        linked.as_ref(),
        verified.email_verified,
        by_email.as_ref(),
    ) {
        Decision::SignIn(user) => user,
        Decision::Confirm(user) => {
            // Not yet: the person confirms the link with their own password and code first.
            let claim = token::random();
            let email = verified.email.clone().unwrap_or_default();
            let link = db::link_pending(
                &mut tx,
                provider.id,
                &verified.subject,
                user,
                &email,
                &token::hash(&claim),
                &verified.id_token,
            )
            .await?;
            audit::Entry::new(Some(user), "sso.link_pending", "identity_link", link)
                .after(json!({
                    "provider": provider.key, "subject": verified.subject, "email": email,
                    "ip": client.to_string(),
                }))
                .record(&mut tx)
                .await?;
            tx.commit().await?;
            let mut response = Redirect::to(CONFIRM_PATH).into_response();
            cookie::set(&mut response, LINK_COOKIE, &claim, Some(600), secure);
            cookie::clear(&mut response, LOGIN_COOKIE, secure);
            return Ok(response);
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
    let previous = active.as_ref().map(|Extension(previous)| previous);
    let through = SignedInWith {
        provider: provider.id,
        id_token: verified.id_token.clone(),
    };
    // Digikoord's own second step, unless the provider is trusted to report more than one
    // factor, and does.
    let (second_step_rule, has_factor) = db::second_step(&mut tx, user_id).await?;
    let second_step = second_step_rule && !provider.vouches_for_second_factor(&verified.how);
    let (new, next) = if second_step {
        let next = if has_factor {
            second_factor::CODE_PATH
        } else {
            second_factor::ENROL_PATH
        };
        (
            session::start_pending(&mut tx, user_id, previous, Some(&through)).await?,
            next.to_string(),
        )
    } else {
        let next = super::landing(&mut tx, user_id).await?;
        (
            session::start(&mut tx, user_id, previous, Some(&through)).await?,
            next,
        )
    };
    // Signed in: the device it came from is recorded (a new one told by mail), and this
    // browser remembered for the account. With a second step to come, that step does it.
    let signed_in_from = if second_step {
        None
    } else {
        let email = super::db::email_of(&mut tx, user_id).await?;
        let this_device = device::Device::of(&headers, &state.sealer, &email, secure);
        super::new_device::signed_in(&mut tx, &state, user_id, &this_device, &headers).await?;
        Some((this_device, email))
    };
    audit::Entry::new(Some(user_id), "sso.login", "user", user_id)
        .after(json!({
            "provider": provider.key, "subject": verified.subject, "ip": client.to_string(),
            "amr": verified.how.amr, "acr": verified.how.acr,
            "multi_factor_at_provider": verified.how.multi_factor(),
            "trusts_mfa": provider.trusts_mfa,
            "second_step": second_step,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    let mut response = Redirect::to(&next).into_response();
    new.set_cookie(&mut response, secure);
    cookie::clear(&mut response, LOGIN_COOKIE, secure);
    if let Some((this_device, email)) = signed_in_from {
        device::remember(&mut response, &state.sealer, &this_device, &email, secure);
    }
    Ok(response)
}

#[derive(Template)]
#[template(path = "signin/sso_confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    provider: String,
    link: db::PendingLink,
    errors: FormErrors,
}

/// The link waiting in this browser, and its provider; `None` when nothing waits here (none
/// was signed in, it was confirmed, or its ten minutes are over).
async fn waiting_here(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(db::PendingLink, Provider)>> {
    let Some(claim) = cookie::ours(headers, LINK_COOKIE, state.config.cookie_secure) else {
        return Ok(None);
    };
    let mut conn = state.db.acquire().await?;
    let Some(link) = db::pending_link(&mut conn, &token::hash(&claim)).await? else {
        return Ok(None);
    };
    Ok(db::provider(&mut *conn, link.provider_id)
        .await?
        .filter(|p| p.active)
        .map(|provider| (link, provider)))
}

/// Nothing waits here: back to the login page, saying so.
fn nothing_waits() -> Response {
    crate::web::redirect_with_flash(
        "/logga-in",
        "Ingen inloggning väntar på bekräftelse i den här webbläsaren (den kan ha gått ut efter tio minuter). Logga in igen med din organisations konto.",
    )
}

/// "Is this your Digikoord account?": the person confirms a first link with their own
/// password (and code), which whoever runs the provider does not know.
async fn confirm_form(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    headers: HeaderMap,
) -> Result<Response> {
    let Some((link, provider)) = waiting_here(&state, &headers).await? else {
        return Ok(nothing_waits());
    };
    render(&ConfirmPage {
        ctx,
        provider: provider.display_name,
        link,
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
struct ConfirmForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

async fn confirm(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    client: ClientIp,
    active: Option<Extension<ActiveSession>>,
    headers: HeaderMap,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    let Some((link, provider)) = waiting_here(&state, &headers).await? else {
        return Ok(nothing_waits());
    };
    let page = |ctx: Ctx, field: &'static str, message: String| {
        let mut errors = FormErrors::default();
        errors.add(field, message);
        ConfirmPage {
            ctx,
            provider: provider.display_name.clone(),
            link: link.clone(),
            errors,
        }
    };
    if !link.has_password {
        return Err(AppError::Conflict(
            "Kontot har inget lösenord i Digikoord. En administratör på Tillväxtverket bekräftar kopplingen i stället.".into(),
        ));
    }
    // Guessed like a password, and slowed down with the password attempts.
    let known_device = device::recognised(
        &headers,
        &state.sealer,
        &link.email,
        state.config.cookie_secure,
    );
    let this_device = device::Device::of(
        &headers,
        &state.sealer,
        &link.email,
        state.config.cookie_secure,
    );
    let attempt = match throttle::begin(
        &state.db,
        &link.email,
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
                &page(ctx, "password", throttle::wait_message(wait)),
            )?;
            throttle::retry_after(&mut response, wait);
            return Ok(response);
        }
    };
    let stored = db::password_hash(&state.db, link.user_id).await?;
    let right = password::verify(form.password.clone(), stored).await?;
    let mut tx = state.db.begin().await?;
    let checked = match (right, link.has_second_factor) {
        (false, _) => Err(("password", "Lösenordet stämmer inte.")),
        (true, true) => second_factor::verify(&mut tx, &state.sealer, link.user_id, &form.code)
            .await?
            .map(|_| ())
            .map_err(|message| ("code", message)),
        (true, false) => Ok(()),
    };
    if let Err((field, message)) = checked {
        drop(tx);
        let mut tx = state.db.begin().await?;
        audit::Entry::new(
            Some(link.user_id),
            "sso.link_refused",
            "identity_link",
            link.id,
        )
        .after(json!({ "provider": provider.key, "ip": client.to_string() }))
        .record(&mut tx)
        .await?;
        tx.commit().await?;
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(ctx, field, message.to_string()),
        );
    }
    if !db::confirm_link(&mut tx, link.id, link.user_id).await? {
        return Err(AppError::Conflict(
            "Kopplingen är redan bekräftad eller borttagen. Logga in på nytt.".into(),
        ));
    }
    audit::Entry::new(Some(link.user_id), "sso.linked", "identity_link", link.id)
        .after(json!({
            "provider": provider.key, "subject": link.subject, "email": link.email,
            "confirmed_by": "the person, with password and code", "ip": client.to_string(),
        }))
        .record(&mut tx)
        .await?;
    let previous = active.as_ref().map(|Extension(previous)| previous);
    // Signed in through the provider: logging out goes on there too.
    let through = link.id_token.as_ref().map(|id_token| SignedInWith {
        provider: provider.id,
        id_token: id_token.clone(),
    });
    // The password and the code were given: signed in. Staff without a second factor yet
    // enrol one first.
    let staff_to_enrol = link.staff && !link.has_second_factor;
    let new = if staff_to_enrol {
        throttle::finish(&mut tx, attempt, Outcome::Passed).await?;
        session::start_pending(&mut tx, link.user_id, previous, through.as_ref()).await?
    } else {
        throttle::finish(&mut tx, attempt, Outcome::Succeeded).await?;
        audit::Entry::new(Some(link.user_id), "auth.login", "user", link.user_id)
            .after(json!({ "ip": client.to_string(), "confirmed_link": provider.key }))
            .record(&mut tx)
            .await?;
        let started = session::start(&mut tx, link.user_id, previous, through.as_ref()).await?;
        super::new_device::signed_in(&mut tx, &state, link.user_id, &this_device, &headers).await?;
        started
    };
    tx.commit().await?;
    let secure = state.config.cookie_secure;
    let mut response = crate::web::redirect_with_flash(
        if staff_to_enrol {
            second_factor::ENROL_PATH
        } else {
            "/"
        },
        &format!(
            "Ditt konto hos {} är nu kopplat till Digikoord. Nästa gång loggar du in med knappen ”{}”.",
            provider.display_name,
            provider.button()
        ),
    );
    new.set_cookie(&mut response, secure);
    cookie::clear(&mut response, LINK_COOKIE, secure);
    device::remember(
        &mut response,
        &state.sealer,
        &this_device,
        &link.email,
        secure,
    );
    Ok(response)
}
