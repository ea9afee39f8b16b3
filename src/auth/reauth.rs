//! A fresh proof before sensitive actions (OWASP ASVS level 2): an administrator's changes to
//! users, roles and identity providers, disposal runs and anonymisation, and enrolling one's
//! own second factor, are done only by someone who proved who they are in the last 15
//! minutes (the login itself, or the code from their app, or their password, given again).
//! Only forms sent (POST) are asked; pages that only show (GET, a register extract among
//! them) are not.
//!
//! The session layer asks here for every such POST. When the proof is older, the person gets
//! a page that asks for it and carries what they sent, unchanged, in the same form: sent on,
//! it goes to the same address with the proof beside it, which is checked (and throttled as a
//! login is), taken off, and the request goes on to its handler as if it had never stopped.
//! Nothing typed is lost, and nothing is done without the proof.

use askama::Template;
use axum::{
    body::Body,
    extract::Request,
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use uuid::Uuid;

use super::{
    Ctx, SessionUser,
    client_ip::ClientIp,
    device, password, second_factor,
    throttle::{self, Outcome, Step, TooSoon},
};
use crate::{AppState, error::AppError, web::FormErrors};

/// How long a proof of who one is counts for the sensitive actions.
pub const FRESH_FOR_MINUTES: i64 = 15;

/// The fields that carry the proof; they are taken off before the handler sees the form.
const CODE: &str = "reauth_code";
const PASSWORD: &str = "reauth_password";

/// Whether a POST to `path` is an action that asks for a fresh proof.
pub fn is_sensitive(path: &str) -> bool {
    path.starts_with("/admin/anvandare/")
        || path.starts_with("/admin/behorigheter/")
        || path == "/admin/inloggning"
        || path.starts_with("/admin/inloggning/")
        // What cannot be undone: a disposal run and its holds; anonymising accounts, and
        // the time after which the server does it. (Only POSTs are asked: a register
        // extract is a page and a download (GET), which is not — the proof page sends a
        // form on to the same address, which a GET route cannot take. Each extract is
        // audited instead, `privacy.extract_made`.)
        || path.starts_with("/admin/gallring/")
        || path.starts_with("/admin/personuppgifter/")
        || path == second_factor::OWN_PAGE_PATH
}

#[derive(Template)]
#[template(path = "auth/reauth.html")]
struct ReauthPage {
    ctx: Ctx,
    action: String,
    /// What was sent, to send again unchanged.
    carried: Vec<(String, String)>,
    /// Ask for the code from the app (else the password).
    code: bool,
    errors: FormErrors,
}

/// What proves who the user is: the code from their app if they have one, else their
/// password; `None` if they have neither (signed in only through a provider, with no second
/// factor yet).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Proof {
    Code,
    Password,
}

async fn proof_for(
    state: &AppState,
    user: Uuid,
    has_factor: bool,
) -> Result<Option<Proof>, AppError> {
    if has_factor {
        return Ok(Some(Proof::Code));
    }
    let has_password = super::db::password_hash(&state.db, user).await?.is_some();
    Ok(has_password.then_some(Proof::Password))
}

fn page(
    ctx: Ctx,
    action: String,
    carried: Vec<(String, String)>,
    proof: Proof,
    error: Option<String>,
) -> Response {
    let mut errors = FormErrors::default();
    let field = match proof {
        Proof::Code => CODE,
        Proof::Password => PASSWORD,
    };
    if let Some(message) = error {
        errors.add(field, message);
    }
    let status = if errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = ReauthPage {
        ctx,
        action,
        carried,
        code: proof == Proof::Code,
        errors,
    };
    match page.render() {
        Ok(html) => (
            status,
            [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
            html,
        )
            .into_response(),
        Err(e) => AppError::from(e).into_response(),
    }
}

/// A sensitive form from a session whose proof is older than `FRESH_FOR_MINUTES`: with the
/// proof beside it and right, the request goes on (its proof fields taken off, the session's
/// proof renewed); otherwise the page that asks for it. `Err` is the response to give.
pub async fn check(
    state: &AppState,
    ctx: &Ctx,
    user: &SessionUser,
    has_factor: bool,
    session_id_hash: &[u8],
    client: ClientIp,
    request: Request,
) -> Result<Request, Response> {
    let (parts, body) = request.into_parts();
    let bytes = axum::body::to_bytes(body, super::csrf::MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::BadRequest("Formuläret är för stort.".into()).into_response())?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&bytes).unwrap_or_default();
    let action = parts
        .uri
        .path_and_query()
        .map_or_else(|| parts.uri.path().to_string(), |p| p.to_string());
    let carried: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| k != "csrf" && k != CODE && k != PASSWORD)
        .cloned()
        .collect();
    let proof = match proof_for(state, user.id, has_factor).await {
        Ok(Some(proof)) => proof,
        Ok(None) => {
            return Err(AppError::Refused(
                "Det här kräver att du nyss har visat vem du är. Logga ut och logga in igen, och gör sedan om det du ville göra.".into(),
            )
            .into_response());
        }
        Err(e) => return Err(e.into_response()),
    };
    let given = pairs
        .iter()
        .find(|(k, _)| *k == if proof == Proof::Code { CODE } else { PASSWORD })
        .map(|(_, v)| v.clone());
    let Some(given) = given else {
        return Err(page(ctx.clone(), action, carried, proof, None));
    };
    let again = |message: String| {
        page(
            ctx.clone(),
            action.clone(),
            carried.clone(),
            proof,
            Some(message),
        )
    };

    // Guessed like a login, and slowed down with the logins.
    let known = device::recognised(
        &parts.headers,
        &state.sealer,
        &user.email,
        state.config.cookie_secure,
    );
    let step = match proof {
        Proof::Code => Step::SecondFactor,
        Proof::Password => Step::Password,
    };
    let attempt = match throttle::begin(&state.db, &user.email, &client.bucket(), step, known).await
    {
        Ok(Ok(id)) => id,
        Ok(Err(TooSoon(wait))) => return Err(again(throttle::wait_message(wait))),
        Err(e) => return Err(AppError::from(e).into_response()),
    };
    let proved = async {
        let mut tx = state.db.begin().await?;
        let right = match proof {
            Proof::Code => second_factor::verify(&mut tx, &state.sealer, user.id, &given)
                .await?
                .map(|_| ()),
            Proof::Password => {
                let stored = super::db::password_hash(&mut *tx, user.id).await?;
                match password::verify(given.clone(), stored).await? {
                    true => Ok(()),
                    false => Err("Lösenordet stämmer inte."),
                }
            }
        };
        if right.is_ok() {
            super::db::proved_now(&mut tx, session_id_hash).await?;
            throttle::finish(&mut tx, attempt, Outcome::Succeeded).await?;
            crate::audit::Entry::new(Some(user.id), "auth.reauthenticated", "user", user.id)
                .after(serde_json::json!({
                    "ip": client.to_string(), "for": parts.uri.path(),
                    "with": if proof == Proof::Code { "code" } else { "password" },
                }))
                .record(&mut tx)
                .await?;
            tx.commit().await?;
        }
        Ok::<_, AppError>(right)
    }
    .await;
    match proved {
        Ok(Ok(())) => {
            let kept: Vec<(String, String)> = pairs
                .into_iter()
                .filter(|(k, _)| k != CODE && k != PASSWORD)
                .collect();
            let body = serde_urlencoded::to_string(&kept).unwrap_or_default();
            Ok(Request::from_parts(parts, Body::from(body)))
        }
        Ok(Err(message)) => Err(again(message.to_string())),
        Err(e) => Err(e.into_response()),
    }
}
