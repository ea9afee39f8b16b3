//! Setting a password from a one-time link (mailed when an account is made, when an
//! administrator sends one, or when the person asked for a new password: `forgot`).

use askama::Template;
use axum::{
    Form, Router,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    routing::get,
};
use serde::Deserialize;

use super::db;
use crate::{
    AppState, audit,
    auth::{Ctx, PageCtx, password, session},
    error::{AppError, Result},
    web::{FormErrors, redirect_with_flash, render, render_status},
};

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/losenord/{token}",
        get(set_password_form).post(set_password),
    )
}

#[derive(Template)]
#[template(path = "signin/set_password.html")]
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
    let owner = db::token_owner(&state.db, &token)
        .await?
        .ok_or(AppError::NotFound)?;
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
    let owner = db::token_owner(&state.db, &token)
        .await?
        .ok_or(AppError::NotFound)?;
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
    if !db::use_link(&mut tx, &token).await? {
        return Err(AppError::Conflict("Länken har redan använts.".into()));
    }
    db::set_password_hash(&mut tx, owner.user_id, &hash).await?;
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
