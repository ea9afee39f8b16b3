//! The administrator's user management: create (with a one-time link to set a
//! password), change role and organisation, deactivate and reactivate.

use askama::Template;
use axum::{
    Form, Router,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    AppState, audit,
    auth::{CurrentUser, Role, session},
    error::{AppError, Result, violated_constraint},
    programme::db::{Organisation, organisations},
    web::{Ctx, FormErrors, render, render_status},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/anvandare", get(list))
        .route("/admin/anvandare/ny", get(new_form).post(create))
        .route("/admin/anvandare/{id}", get(edit_form).post(update))
        .route("/admin/anvandare/{id}/inaktivera", post(deactivate))
        .route("/admin/anvandare/{id}/aktivera", post(activate))
        .route("/admin/anvandare/{id}/losenordslank", post(new_link))
        .route("/admin/logg", get(audit_log))
}

/// How long a set-password link works.
const LINK_VALID_HOURS: i32 = 72;

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    #[sqlx(default)]
    pub organisation_name: Option<String>,
    pub active: bool,
    #[serde(skip)]
    #[sqlx(default)]
    pub has_password: bool,
    #[serde(skip)]
    #[sqlx(default)]
    pub has_second_factor: bool,
}

const SELECT_USERS: &str =
    "SELECT u.id, u.email, u.name, u.role, u.organisation_id, o.name AS organisation_name,
        u.active, u.password_hash IS NOT NULL AS has_password,
        EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id) AS has_second_factor
    FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id";

async fn find(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<User>> {
    sqlx::query_as(&format!("{SELECT_USERS} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Creates a one-time set-password link for the user; returns the link to show.
pub async fn create_password_link(
    conn: &mut PgConnection,
    public_url: &str,
    user_id: Uuid,
) -> sqlx::Result<String> {
    let token = session::random_token();
    sqlx::query(
        "UPDATE password_tokens SET used_at = now() WHERE user_id = $1 AND used_at IS NULL",
    )
    .bind(user_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO password_tokens (token_hash, user_id, expires_at)
         VALUES ($1, $2, now() + make_interval(hours => $3))",
    )
    .bind(session::hash_token(&token))
    .bind(user_id)
    .bind(LINK_VALID_HOURS)
    .execute(conn)
    .await?;
    Ok(format!("{public_url}/losenord/{token}"))
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    ctx: Ctx,
    users: Vec<User>,
}

async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let users = sqlx::query_as(&format!(
        "{SELECT_USERS} ORDER BY u.active DESC, u.role, o.name NULLS FIRST, u.name"
    ))
    .fetch_all(&state.db)
    .await?;
    render(&ListPage {
        ctx: user.ctx,
        users,
    })
}

#[derive(Default, Deserialize)]
struct UserForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    organisation_id: String,
}

struct ValidUser {
    email: String,
    name: String,
    role: Role,
    organisation_id: Option<Uuid>,
}

impl UserForm {
    fn validate(
        &self,
        organisations: &[Organisation],
    ) -> std::result::Result<ValidUser, FormErrors> {
        let mut e = FormErrors::default();
        let email = self.email.trim().to_lowercase();
        let valid_email = email.len() <= 254
            && email
                .split_once('@')
                .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.contains('@'))
            && !email.chars().any(char::is_whitespace);
        if email.is_empty() {
            e.add("email", "Ange en e-postadress.");
        } else if !valid_email {
            e.add(
                "email",
                "Ange en giltig e-postadress, till exempel namn@region.se.",
            );
        }
        let name = self.name.trim().to_string();
        if name.is_empty() {
            e.add("name", "Ange namnet.");
        } else if name.chars().count() > 200 {
            e.add("name", "Högst 200 tecken.");
        }
        let role = Role::from_key(&self.role);
        if role.is_none() {
            e.add("role", "Välj en roll.");
        }
        let organisation_id = self
            .organisation_id
            .parse::<Uuid>()
            .ok()
            .filter(|id| organisations.iter().any(|o| o.id == *id));
        match (role, organisation_id) {
            (Some(Role::Coordinator), None) => e.add(
                "organisation_id",
                "En regional koordinator måste höra till en organisation.",
            ),
            (Some(r), Some(_)) if r.is_staff() => e.add(
                "organisation_id",
                "Tillväxtverkets personal hör inte till någon regional organisation.",
            ),
            _ => {}
        }
        match role {
            Some(role) if e.is_empty() => Ok(ValidUser {
                email,
                name,
                role,
                organisation_id,
            }),
            _ => Err(e),
        }
    }
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

async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let organisations = organisations(&state.db).await?;
    render(&FormPage {
        ctx: user.ctx,
        user: None,
        form: UserForm::default(),
        errors: FormErrors::default(),
        organisations,
        roles: Role::ALL,
        link: None,
    })
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

async fn create(
    State(state): State<AppState>,
    admin: CurrentUser,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    admin.require_admin()?;
    let organisations = organisations(&state.db).await?;
    let page = |ctx, form, errors, organisations| FormPage {
        ctx,
        user: None,
        form,
        errors,
        organisations,
        roles: Role::ALL,
        link: None,
    };
    let valid = match form.validate(&organisations) {
        Ok(v) => v,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(admin.ctx, form, errors, organisations),
            );
        }
    };
    let id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO users (id, email, name, role, organisation_id) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(&valid.email)
    .bind(&valid.name)
    .bind(valid.role)
    .bind(valid.organisation_id)
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        let errors = email_taken(&e).ok_or(AppError::from(e))?;
        drop(tx);
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(admin.ctx, form, errors, organisations),
        );
    }
    let link = create_password_link(&mut tx, &state.config.public_url, id).await?;
    let created = find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor: Some(admin.id()),
            action: "user_created",
            entity: "user",
            entity_id: id.to_string(),
            before: None,
            after: Some(json!(created)),
        },
    )
    .await?;
    tx.commit().await?;
    let mut ctx = admin.ctx;
    ctx.flash = Some(format!(
        "Användaren {} är skapad. Ge personen länken nedan så att hen kan välja lösenord. Länken visas bara nu och gäller i {LINK_VALID_HOURS} timmar.",
        created.name
    ));
    render(&FormPage {
        ctx,
        form: form_of(&created),
        user: Some(created),
        errors: FormErrors::default(),
        organisations,
        roles: Role::ALL,
        link: Some(link),
    })
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

async fn edit_form(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut conn = state.db.acquire().await?;
    let user = find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    let organisations = organisations(&state.db).await?;
    render(&FormPage {
        ctx: admin.ctx,
        form: form_of(&user),
        user: Some(user),
        errors: FormErrors::default(),
        organisations,
        roles: Role::ALL,
        link: None,
    })
}

async fn update(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<UserForm>,
) -> Result<Response> {
    admin.require_admin()?;
    let organisations = organisations(&state.db).await?;
    let mut tx = state.db.begin().await?;
    let before =
        sqlx::query_as::<_, User>(&format!("{SELECT_USERS} WHERE u.id = $1 FOR UPDATE OF u"))
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(AppError::NotFound)?;
    let errors = match form.validate(&organisations) {
        Ok(valid) => {
            if id == admin.id() && valid.role != Role::Admin {
                let mut e = FormErrors::default();
                e.add("role", "Du kan inte ta bort din egen administratörsroll.");
                e
            } else {
                let updated = sqlx::query("UPDATE users SET email = $2, name = $3, role = $4, organisation_id = $5 WHERE id = $1")
                    .bind(id)
                    .bind(&valid.email)
                    .bind(&valid.name)
                    .bind(valid.role)
                    .bind(valid.organisation_id)
                    .execute(&mut *tx)
                    .await;
                match updated {
                    Ok(_) => FormErrors::default(),
                    Err(e) => email_taken(&e).ok_or(AppError::from(e))?,
                }
            }
        }
        Err(e) => e,
    };
    if !errors.is_empty() {
        drop(tx);
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &FormPage {
                ctx: admin.ctx,
                user: Some(before),
                form,
                errors,
                organisations,
                roles: Role::ALL,
                link: None,
            },
        );
    }
    let after = find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor: Some(admin.id()),
            action: "user_updated",
            entity: "user",
            entity_id: id.to_string(),
            before: Some(json!(before)),
            after: Some(json!(after)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(crate::web::redirect_with_flash(
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
    let before = find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    sqlx::query("UPDATE users SET active = $2 WHERE id = $1")
        .bind(id)
        .bind(active)
        .execute(&mut *tx)
        .await?;
    if !active {
        // Thrown out at once: every session of the user ends now.
        session::end_all_for_user(&mut tx, id).await?;
    }
    let after = find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor: Some(admin.id()),
            action: if active {
                "user_activated"
            } else {
                "user_deactivated"
            },
            entity: "user",
            entity_id: id.to_string(),
            before: Some(json!(before)),
            after: Some(json!(after)),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

async fn deactivate(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let user = set_active(&state, &admin, id, false).await?;
    Ok(crate::web::redirect_with_flash(
        "/admin/anvandare",
        &format!("{} är inaktiverad och utloggad.", user.name),
    ))
}

async fn activate(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let user = set_active(&state, &admin, id, true).await?;
    Ok(crate::web::redirect_with_flash(
        "/admin/anvandare",
        &format!("{} är aktiverad igen.", user.name),
    ))
}

async fn new_link(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let organisations = organisations(&state.db).await?;
    let mut tx = state.db.begin().await?;
    let user = find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if !user.active {
        return Err(AppError::BadRequest(
            "Aktivera användaren innan du skapar en lösenordslänk.".into(),
        ));
    }
    let link = create_password_link(&mut tx, &state.config.public_url, id).await?;
    audit::record(
        &mut tx,
        audit::Entry {
            actor: Some(admin.id()),
            action: "password_link_created",
            entity: "user",
            entity_id: id.to_string(),
            before: None,
            after: None,
        },
    )
    .await?;
    tx.commit().await?;
    let mut ctx = admin.ctx;
    ctx.flash = Some(format!(
        "En ny lösenordslänk för {} är skapad. Tidigare länkar slutar gälla. Länken visas bara nu.",
        user.name
    ));
    render(&FormPage {
        ctx,
        form: form_of(&user),
        user: Some(user),
        errors: FormErrors::default(),
        organisations,
        roles: Role::ALL,
        link: Some(link),
    })
}

#[derive(Template)]
#[template(path = "users/audit.html")]
struct AuditPage {
    ctx: Ctx,
    entries: Vec<audit::LoggedEntry>,
}

async fn audit_log(State(state): State<AppState>, admin: CurrentUser) -> Result<Response> {
    admin.require_admin()?;
    let entries = audit::latest(&state.db, 200).await?;
    render(&AuditPage {
        ctx: admin.ctx,
        entries,
    })
}
