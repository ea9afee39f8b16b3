//! The administrator's pages for user accounts, and the audit log page.

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, LINK_VALID_HOURS, User},
    model::UserForm,
};
use crate::{
    AppState, audit,
    auth::{CurrentUser, Role, session},
    error::{AppError, Result, violated_constraint},
    programme::db::{Organisation, organisations},
    web::{Ctx, FormErrors, redirect_with_flash, render, render_status},
};

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    ctx: Ctx,
    users: Vec<User>,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let users = db::all(&state.db).await?;
    render(&ListPage {
        ctx: user.ctx,
        users,
    })
}

#[derive(Template)]
#[template(path = "users/form.html")]
struct FormPage {
    ctx: Ctx,
    user: Option<User>,
    form: UserForm,
    errors: FormErrors,
    organisations: Vec<Organisation>,
    roles: [Role; 4],
    link: Option<String>,
}

impl FormPage {
    fn new(ctx: Ctx, user: Option<User>, form: UserForm, organisations: Vec<Organisation>) -> Self {
        FormPage {
            ctx,
            user,
            form,
            errors: FormErrors::default(),
            organisations,
            roles: Role::ALL,
            link: None,
        }
    }

    fn with_errors(mut self, errors: FormErrors) -> Result<Response> {
        self.errors = errors;
        render_status(StatusCode::UNPROCESSABLE_ENTITY, &self)
    }
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let organisations = organisations(&state.db).await?;
    render(&FormPage::new(
        user.ctx,
        None,
        UserForm::default(),
        organisations,
    ))
}

fn email_taken(e: &sqlx::Error) -> Option<FormErrors> {
    (violated_constraint(e) == Some("users_email_key")).then(|| {
        let mut errors = FormErrors::default();
        errors.add(
            "email",
            "Det finns redan en användare med den e-postadressen.",
        );
        errors
    })
}

pub async fn create(
    State(state): State<AppState>,
    admin: CurrentUser,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    admin.require_admin()?;
    let organisations = organisations(&state.db).await?;
    let valid = match form.validate(&organisations) {
        Ok(v) => v,
        Err(errors) => {
            return FormPage::new(admin.ctx, None, form, organisations).with_errors(errors);
        }
    };
    let mut tx = state.db.begin().await?;
    let id = match db::insert(&mut tx, &valid, true).await {
        Ok(id) => id,
        Err(e) => {
            let errors = email_taken(&e).ok_or(AppError::from(e))?;
            drop(tx);
            return FormPage::new(admin.ctx, None, form, organisations).with_errors(errors);
        }
    };
    let link = db::create_password_link(&mut tx, &state.config.public_url, id).await?;
    let created = db::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    db::record(
        &mut tx,
        Some(admin.id()),
        "user_created",
        id,
        None,
        Some(json!(created)),
    )
    .await?;
    tx.commit().await?;
    let mut ctx = admin.ctx;
    ctx.flash = Some(format!(
        "Användaren {} är skapad. Ge personen länken nedan så att hen kan välja lösenord. Länken visas bara nu och gäller i {LINK_VALID_HOURS} timmar.",
        created.name
    ));
    let mut page = FormPage::new(ctx, None, form_of(&created), organisations);
    page.user = Some(created);
    page.link = Some(link);
    render(&page)
}

fn form_of(u: &User) -> UserForm {
    UserForm {
        email: u.email.clone(),
        name: u.name.clone(),
        role: u.role.key().to_string(),
        organisation_id: u
            .organisation_id
            .map(|id| id.to_string())
            .unwrap_or_default(),
    }
}

pub async fn edit_form(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut conn = state.db.acquire().await?;
    let user = db::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let organisations = organisations(&state.db).await?;
    render(&FormPage::new(
        admin.ctx,
        Some(user.clone()),
        form_of(&user),
        organisations,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    admin.require_admin()?;
    let organisations = organisations(&state.db).await?;
    let mut tx = state.db.begin().await?;
    let before = db::find_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let errors = match form.validate(&organisations) {
        Ok(valid) => {
            if id == admin.id() && valid.role != Role::Admin {
                let mut e = FormErrors::default();
                e.add("role", "Du kan inte ta bort din egen administratörsroll.");
                e
            } else {
                match db::update(&mut tx, id, &valid, true).await {
                    Ok(()) => FormErrors::default(),
                    Err(e) => email_taken(&e).ok_or(AppError::from(e))?,
                }
            }
        }
        Err(e) => e,
    };
    if !errors.is_empty() {
        drop(tx);
        return FormPage::new(admin.ctx, Some(before), form, organisations).with_errors(errors);
    }
    let after = db::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    db::record(
        &mut tx,
        Some(admin.id()),
        "user_updated",
        id,
        Some(&before),
        Some(json!(after)),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/admin/anvandare",
        &format!("Ändringarna för {} är sparade.", after.name),
    ))
}

async fn set_active(state: &AppState, admin: &CurrentUser, id: Uuid, active: bool) -> Result<User> {
    if id == admin.id() && !active {
        return Err(AppError::BadRequest(
            "Du kan inte inaktivera dig själv.".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let before = db::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    db::set_active(&mut tx, id, active).await?;
    if !active {
        // Thrown out at once: every session of the user ends now.
        session::end_all_for_user(&mut tx, id).await?;
    }
    let after = db::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    db::record(
        &mut tx,
        Some(admin.id()),
        if active {
            "user_activated"
        } else {
            "user_deactivated"
        },
        id,
        Some(&before),
        Some(json!(after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn deactivate(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let user = set_active(&state, &admin, id, false).await?;
    Ok(redirect_with_flash(
        "/admin/anvandare",
        &format!("{} är inaktiverad och utloggad.", user.name),
    ))
}

pub async fn activate(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let user = set_active(&state, &admin, id, true).await?;
    Ok(redirect_with_flash(
        "/admin/anvandare",
        &format!("{} är aktiverad igen.", user.name),
    ))
}

pub async fn new_link(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let organisations = organisations(&state.db).await?;
    let mut tx = state.db.begin().await?;
    let user = db::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !user.active {
        return Err(AppError::BadRequest(
            "Aktivera användaren innan du skapar en lösenordslänk.".into(),
        ));
    }
    let link = db::create_password_link(&mut tx, &state.config.public_url, id).await?;
    db::record(
        &mut tx,
        Some(admin.id()),
        "password_link_created",
        id,
        None,
        None,
    )
    .await?;
    tx.commit().await?;
    let mut ctx = admin.ctx;
    ctx.flash = Some(format!(
        "En ny lösenordslänk för {} är skapad. Tidigare länkar slutar gälla. Länken visas bara nu.",
        user.name
    ));
    let mut page = FormPage::new(ctx, None, form_of(&user), organisations);
    page.user = Some(user);
    page.link = Some(link);
    render(&page)
}

#[derive(Template)]
#[template(path = "users/audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries: Vec<audit::LoggedEntry>,
}

pub async fn audit_log(State(state): State<AppState>, admin: CurrentUser) -> Result<Response> {
    admin.require_admin()?;
    let entries = audit::latest(&state.db, 200).await?;
    render(&AuditPage {
        ctx: admin.ctx,
        entries,
    })
}
