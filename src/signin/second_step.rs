//! The pages of the second factor (`auth::second_factor`): the second step of a login, and
//! enrolment (at the first login of staff, or on one's own page).

use askama::Template;
use axum::{
    Extension, Form, Router,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
    routing::get,
};
use serde::Deserialize;
use serde_json::json;

use crate::{
    AppState, audit,
    auth::{
        Ctx, CurrentUser, PageCtx,
        client_ip::ClientIp,
        device,
        second_factor::{
            self, CODE_PATH, ENROL_PATH, Entered, OWN_PAGE_PATH, Passed, check_code, db, in_groups,
            new_secret, qr_image, read_entered, unix_now,
        },
        session::{self, ActiveSession, PendingLogin},
        throttle::{self, Outcome, Step, TooSoon},
    },
    error::{AppError, Result},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

/// The second step of a login another tab finished first.
fn already_finished() -> AppError {
    AppError::Conflict("Inloggningen är redan slutförd i en annan flik.".into())
}

pub fn router() -> Router<AppState> {
    Router::new()
        .route(CODE_PATH, get(code_form).post(enter_code))
        .route(ENROL_PATH, get(enrol_form).post(enrol_at_login))
        .route(OWN_PAGE_PATH, get(own_page).post(enrol_own))
}

#[derive(Default, Deserialize)]
struct CodeForm {
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "signin/second_step.html")]
struct CodePage {
    ctx: Ctx,
    code: String,
    errors: FormErrors,
}

fn code_page(ctx: Ctx, code: String, error: Option<String>) -> CodePage {
    let mut errors = FormErrors::default();
    if let Some(message) = error {
        errors.add("code", message);
    }
    CodePage { ctx, code, errors }
}

async fn code_form(PageCtx(ctx): PageCtx, pending: PendingLogin) -> Result<Response> {
    if !pending.enrolled {
        return Ok(Redirect::to(ENROL_PATH).into_response());
    }
    render(&code_page(ctx, String::new(), None))
}

async fn enter_code(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    pending: PendingLogin,
    Extension(active): Extension<ActiveSession>,
    client: ClientIp,
    headers: axum::http::HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    if !pending.enrolled {
        return Ok(Redirect::to(ENROL_PATH).into_response());
    }
    let user = pending.user;
    if read_entered(&form.code) == Entered::Unreadable {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &code_page(
                ctx,
                form.code,
                Some("Ange de sex siffrorna från appen, eller en av dina reservkoder.".into()),
            ),
        );
    }
    // Guessing codes is slowed down like guessing passwords, and counted with them.
    let known_device = crate::auth::device::recognised(
        &headers,
        &state.sealer,
        &user.email,
        state.config.cookie_secure,
    );
    let attempt = match throttle::begin(
        &state.db,
        &user.email,
        &client.bucket(),
        Step::SecondFactor,
        known_device,
    )
    .await?
    {
        Ok(id) => id,
        Err(TooSoon(wait)) => {
            let mut response = render_status(
                StatusCode::TOO_MANY_REQUESTS,
                &code_page(ctx, form.code, Some(throttle::wait_message(wait))),
            )?;
            throttle::retry_after(&mut response, wait);
            return Ok(response);
        }
    };

    let mut tx = state.db.begin().await?;
    let passed = second_factor::verify(&mut tx, &state.sealer, user.id, &form.code).await?;
    let passed = match passed {
        Ok(p) => p,
        Err(message) => {
            drop(tx);
            let mut tx = state.db.begin().await?;
            audit::Entry::new(Some(user.id), "auth.second_factor_failed", "user", user.id)
                .after(json!({ "ip": client.to_string() }))
                .record(&mut tx)
                .await?;
            tx.commit().await?;
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &code_page(ctx, form.code, Some(message.into())),
            );
        }
    };

    let new = session::finish_pending(&mut tx, &active.id_hash, user.id)
        .await?
        .ok_or_else(already_finished)?;
    throttle::finish(&mut tx, attempt, Outcome::Succeeded).await?;
    let mut flash = None;
    if let Passed::RecoveryCode = passed {
        let left = db::recovery_codes_left(&mut tx, user.id).await?;
        audit::Entry::new(Some(user.id), "auth.recovery_code_used", "user", user.id)
            .after(json!({ "ip": client.to_string(), "recovery_codes_left": left }))
            .record(&mut tx)
            .await?;
        flash = Some(match left {
            0 => "Du loggade in med din sista reservkod. Be en administratör återställa tvåstegsverifieringen så att du får nya.".to_string(),
            1 => "Du loggade in med en reservkod. Du har 1 reservkod kvar.".to_string(),
            n => format!("Du loggade in med en reservkod. Du har {n} reservkoder kvar."),
        });
    }
    let second_factor = match passed {
        Passed::Code => "totp",
        Passed::RecoveryCode => "recovery_code",
    };
    audit::Entry::new(Some(user.id), "auth.login", "user", user.id)
        .after(json!({ "ip": client.to_string(), "second_factor": second_factor }))
        .record(&mut tx)
        .await?;
    let this_device = device::Device::of(
        &headers,
        &state.sealer,
        &user.email,
        state.config.cookie_secure,
    );
    super::new_device::signed_in(&mut tx, &state, user.id, &this_device, &headers).await?;
    let next = super::landing(&mut tx, user.id).await?;
    tx.commit().await?;

    let mut response = match flash {
        Some(message) => redirect_with_flash(&next, &message),
        None => Redirect::to(&next).into_response(),
    };
    new.set_cookie(&mut response, state.config.cookie_secure);
    device::remember(
        &mut response,
        &state.sealer,
        &this_device,
        &user.email,
        state.config.cookie_secure,
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "signin/enrol.html")]
struct EnrolPage {
    ctx: Ctx,
    /// At the first login of staff (required), or on one's own page (chosen).
    at_login: bool,
    action: &'static str,
    qr: String,
    secret: String,
    email: String,
    code: String,
    errors: FormErrors,
}

impl EnrolPage {
    fn new(
        ctx: Ctx,
        at_login: bool,
        secret: &str,
        email: &str,
        code: String,
        error: Option<&str>,
    ) -> Result<Self> {
        let mut errors = FormErrors::default();
        if let Some(message) = error {
            errors.add("code", message);
        }
        Ok(EnrolPage {
            ctx,
            at_login,
            action: if at_login { ENROL_PATH } else { OWN_PAGE_PATH },
            qr: qr_image(secret, email)?,
            secret: in_groups(secret),
            email: email.to_string(),
            code,
            errors,
        })
    }
}

#[derive(Template)]
#[template(path = "signin/recovery_codes.html")]
struct RecoveryCodesPage {
    ctx: Ctx,
    codes: Vec<String>,
}

const WRONG_FIRST_CODE: &str = "Koden stämmer inte. Ange koden som appen visar just nu, och kontrollera att telefonens klocka går rätt.";

/// Checks the first code from the app against the secret being set up.
fn first_code(secret: &str, code: &str) -> Result<std::result::Result<i64, &'static str>> {
    Ok(match read_entered(code) {
        Entered::Code(code) => check_code(secret, &code, unix_now())?.ok_or(WRONG_FIRST_CODE),
        _ => Err("Ange de sex siffrorna som appen visar."),
    })
}

async fn enrol_form(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    pending: PendingLogin,
    Extension(active): Extension<ActiveSession>,
) -> Result<Response> {
    if pending.enrolled {
        return Ok(Redirect::to(CODE_PATH).into_response());
    }
    let mut conn = state.db.acquire().await?;
    let secret = db::setup_secret(&mut conn, &state.sealer, &active.id_hash, &new_secret()).await?;
    render(&EnrolPage::new(
        ctx,
        true,
        &secret,
        &pending.user.email,
        String::new(),
        None,
    )?)
}

async fn enrol_at_login(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
    pending: PendingLogin,
    Extension(active): Extension<ActiveSession>,
    client: ClientIp,
    headers: axum::http::HeaderMap,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    if pending.enrolled {
        return Ok(Redirect::to(CODE_PATH).into_response());
    }
    let Some(secret) = active.setup_secret else {
        return Ok(Redirect::to(ENROL_PATH).into_response());
    };
    let user = pending.user;
    let step = match first_code(&secret, &form.code)? {
        Ok(step) => step,
        Err(message) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EnrolPage::new(ctx, true, &secret, &user.email, form.code, Some(message))?,
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let new = session::finish_pending(&mut tx, &active.id_hash, user.id)
        .await?
        .ok_or_else(already_finished)?;
    let codes = db::enrol(&mut tx, &state.sealer, user.id, &secret, step)
        .await?
        .ok_or_else(|| AppError::Conflict("Tvåstegsverifiering är redan aktiverad.".into()))?;
    throttle::record_success(&mut tx, &user.email, &client.bucket(), Step::SecondFactor).await?;
    audit::Entry::new(Some(user.id), "auth.login", "user", user.id)
        .after(json!({ "ip": client.to_string(), "second_factor": "enrolled" }))
        .record(&mut tx)
        .await?;
    let this_device = device::Device::of(
        &headers,
        &state.sealer,
        &user.email,
        state.config.cookie_secure,
    );
    super::new_device::signed_in(&mut tx, &state, user.id, &this_device, &headers).await?;
    tx.commit().await?;

    let email = user.email.clone();
    let mut response = render(&RecoveryCodesPage {
        ctx: Ctx {
            user: Some(user),
            csrf: new.csrf.clone(),
            flash: None,
        },
        codes,
    })?;
    new.set_cookie(&mut response, state.config.cookie_secure);
    device::remember(
        &mut response,
        &state.sealer,
        &this_device,
        &email,
        state.config.cookie_secure,
    );
    Ok(response)
}

#[derive(Template)]
#[template(path = "signin/second_factor.html")]
struct OwnPage {
    ctx: Ctx,
    status: db::Status,
    staff: bool,
}

async fn own_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Extension(active): Extension<ActiveSession>,
) -> Result<Response> {
    let mut conn = state.db.acquire().await?;
    if let Some(status) = db::status(&mut conn, user.id()).await? {
        return render(&OwnPage {
            staff: user.user.is_staff(),
            ctx: user.ctx,
            status,
        });
    }
    let secret = db::setup_secret(&mut conn, &state.sealer, &active.id_hash, &new_secret()).await?;
    render(&EnrolPage::new(
        user.ctx,
        false,
        &secret,
        &user.user.email,
        String::new(),
        None,
    )?)
}

async fn enrol_own(
    State(state): State<AppState>,
    user: CurrentUser,
    Extension(active): Extension<ActiveSession>,
    Form(form): Form<CodeForm>,
) -> Result<Response> {
    let Some(secret) = active.setup_secret else {
        return Ok(Redirect::to(OWN_PAGE_PATH).into_response());
    };
    let step = match first_code(&secret, &form.code)? {
        Ok(step) => step,
        Err(message) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &EnrolPage::new(
                    user.ctx,
                    false,
                    &secret,
                    &user.user.email,
                    form.code,
                    Some(message),
                )?,
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let Some(codes) = db::enrol(&mut tx, &state.sealer, user.id(), &secret, step).await? else {
        return Ok(redirect_with_flash(
            OWN_PAGE_PATH,
            "Tvåstegsverifiering är redan aktiverad.",
        ));
    };
    tx.commit().await?;
    render(&RecoveryCodesPage {
        ctx: user.ctx,
        codes,
    })
}
