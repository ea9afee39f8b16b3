//! The administrator's pages for user accounts (the audit log page is `crate::audit::page`).

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, User},
    model::{AccountChange, RoleChange, UserForm},
};
use crate::{
    AppState,
    auth::{Ctx, CurrentUser, Role, session},
    error::{AppError, Result, violated_constraint},
    lists::{Cell, Column, Export, Header, Sort, Table, column, with_query},
    mail,
    programme::db::{Organisation, organisations},
    web::{FormErrors, redirect_with_flash, render, render_status},
};

/// The list's query: a search by name, e-mail or organisation, and the order.
#[derive(Deserialize)]
pub struct ListQuery {
    q: Option<String>,
    /// `sortera=<kolumn>`, `ordning=fallande`: the list sorted by one of its columns.
    sortera: Option<String>,
    ordning: Option<String>,
    /// `csv` or `xlsx`: the list as shown, to download.
    format: Option<String>,
}

const LIST_COLUMNS: [Column; 5] = [
    column("namn", "Namn"),
    column("epost", "E-post"),
    column("roll", "Roll"),
    column("organisation", "Organisation"),
    column("status", "Status"),
];

/// A user's row as on the page.
fn list_cells(u: &User) -> Vec<Cell> {
    let role = if u.role_confirmed {
        u.role.label().to_string()
    } else {
        "Ingen ännu".to_string()
    };
    let role = match u.pending_role {
        Some(p) => format!("{role} (begärd: {}, väntar på bekräftelse)", p.label()),
        None => role,
    };
    vec![
        Cell::text(&u.name),
        Cell::text(&u.email),
        Cell::text(role),
        Cell::text(u.organisation_name.as_deref().unwrap_or("Tillväxtverket")),
        Cell::text(u.status().label()),
    ]
}

/// A user found by a part of the name, the e-mail address or the organisation's name.
fn user_found(search: &str, u: &User) -> bool {
    let search = search.trim().to_lowercase();
    search.is_empty()
        || [
            u.name.as_str(),
            u.email.as_str(),
            u.organisation_name.as_deref().unwrap_or("Tillväxtverket"),
        ]
        .iter()
        .any(|f| f.to_lowercase().contains(&search))
}

#[derive(Template)]
#[template(path = "users/list.html")]
struct ListPage {
    ctx: Ctx,
    users: Vec<User>,
    pending_grants: i64,
    q: String,
    sort: Sort,
}

impl ListPage {
    fn base(&self) -> String {
        if self.q.trim().is_empty() {
            String::new()
        } else {
            format!("?q={}", crate::web::url_encode(self.q.trim()))
        }
    }

    fn headers(&self) -> Vec<Header> {
        self.sort.headers(&self.base(), &LIST_COLUMNS)
    }

    /// This list without its search, in its order.
    fn link(&self) -> String {
        format!("/admin/anvandare{}", with_query("", &self.sort.query()))
    }

    fn caption(&self) -> String {
        match self.sort.describe(&LIST_COLUMNS) {
            Some(order) => format!("Användare. {order}"),
            None => "Användare".to_string(),
        }
    }

    /// What the list shows, as CSV or XLSX.
    fn export_link(&self, format: &str) -> String {
        let shown = with_query(&self.base(), &self.sort.query());
        format!(
            "/admin/anvandare{}",
            with_query(&shown, &format!("format={format}"))
        )
    }
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    user.require_admin()?;
    let q = query.q.unwrap_or_default();
    let mut users: Vec<User> = db::all(&state.db)
        .await?
        .into_iter()
        .filter(|u| user_found(&q, u))
        .collect();
    let sort = Sort::read(
        query.sortera.as_deref(),
        query.ordning.as_deref(),
        &LIST_COLUMNS,
    );
    sort.apply(&mut users, &LIST_COLUMNS, list_cells);
    if let Some(export) = Export::read(query.format.as_deref()) {
        return Table::new(&LIST_COLUMNS, users.iter().map(list_cells)).download(
            export,
            "anvandare",
            "Användare",
        );
    }
    let pending_grants = db::count_pending_grants(&state.db).await?;
    render(&ListPage {
        ctx: user.ctx,
        users,
        pending_grants,
        q,
        sort,
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
    /// The changes to the account waiting for a second administrator.
    waiting: Vec<db::AccountRequest>,
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
            waiting: Vec::new(),
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

fn email_taken_errors() -> FormErrors {
    let mut errors = FormErrors::default();
    errors.add(
        "email",
        "Det finns redan en användare med den e-postadressen.",
    );
    errors
}

fn email_taken(e: &sqlx::Error) -> Option<FormErrors> {
    db::email_is_taken(e).then(email_taken_errors)
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
    // A staff account stays shut until a second administrator confirms its role.
    let needs_confirmation = RoleChange::of(None, None, valid.role) == RoleChange::Ask;
    let id = match db::insert(&mut tx, &valid, !needs_confirmation).await {
        Ok(id) => id,
        Err(e) => {
            let errors = email_taken(&e).ok_or(AppError::from(e))?;
            drop(tx);
            return FormPage::new(admin.ctx, None, form, organisations).with_errors(errors);
        }
    };
    let created = db::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    let mailed = state.config.mail_configured();
    // The link goes to the person's own address, never to the screen; for a staff account
    // only once its role is confirmed (the account is shut until then).
    if !needs_confirmation {
        super::password_link::send(
            &mut tx,
            &state.config.public_url,
            &state.sealer,
            &recipient(&created),
            mail::PasswordLink::NewAccount,
        )
        .await?;
    }
    db::record(
        &mut tx,
        Some(admin.id()),
        "user.created",
        id,
        None,
        Some(json!(created)),
    )
    .await?;
    if created.signatory {
        record_signatory(&mut tx, &admin, &created).await?;
    }
    if needs_confirmation {
        request_role(&mut tx, &admin, id, valid.role, None).await?;
    }
    let created = db::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let valid_hours = mail::PasswordLink::NewAccount.valid_hours();
    let message = match (needs_confirmation, mailed) {
        (true, true) => format!(
            "Användaren {} är skapad. Rollen {} gäller först när en annan administratör har bekräftat den under Behörigheter; då får {} en länk med e-post för att välja lösenord.",
            created.name,
            valid.role.label(),
            created.email
        ),
        (false, true) => format!(
            "Användaren {} är skapad. En länk för att välja lösenord är skickad med e-post till {}. Den gäller i {valid_hours} timmar.",
            created.name, created.email
        ),
        (true, false) => format!(
            "Användaren {} är skapad. Rollen {} gäller först när en annan administratör har bekräftat den under Behörigheter; till dess kan kontot inte användas. E-post är inte inställd på servern (SMTP_URL), så ingen länk kan skickas: länkar visas aldrig på skärmen. Driftansvarig kan ta fram en med kommandot ”digikoord admin password-link --email {}” när rollen är bekräftad.",
            created.name,
            valid.role.label(),
            created.email
        ),
        (false, false) => format!(
            "Användaren {} är skapad. E-post är inte inställd på servern (SMTP_URL), så ingen länk kan skickas: länkar visas aldrig på skärmen. Driftansvarig kan ta fram en med kommandot ”digikoord admin password-link --email {}”.",
            created.name, created.email
        ),
    };
    Ok(redirect_with_flash(
        &format!("/admin/anvandare/{id}"),
        &message,
    ))
}

/// Records that the user now signs for their organisation, or no longer does.
async fn record_signatory(
    conn: &mut sqlx::PgConnection,
    admin: &CurrentUser,
    user: &User,
) -> Result<()> {
    db::record(
        conn,
        Some(admin.id()),
        "user.signatory_set",
        user.id,
        None,
        Some(json!({
            "name": user.name,
            "signatory": user.signatory,
            "organisation_id": user.organisation_id,
        })),
    )
    .await?;
    Ok(())
}

/// A user as the recipient of a mail that is always sent.
pub(super) fn recipient(user: &User) -> mail::db::Recipient {
    mail::db::Recipient::account(user.id, &user.name, &user.email)
}

/// Asks a second administrator to confirm a staff role, with its audit record.
async fn request_role(
    conn: &mut sqlx::PgConnection,
    admin: &CurrentUser,
    user_id: Uuid,
    role: Role,
    from_role: Option<Role>,
) -> Result<()> {
    let id = db::request_grant(conn, user_id, role, from_role, admin.id())
        .await
        .map_err(|e| {
            if violated_constraint(&e) == Some("role_grants_one_pending") {
                AppError::Conflict("En annan administratör begärde en roll för användaren samtidigt. Ladda om sidan för att se hur den står nu.".into())
            } else {
                e.into()
            }
        })?;
    let grant = db::grant(conn, id).await?.ok_or(AppError::NotFound)?;
    db::record(
        conn,
        Some(admin.id()),
        "role_grant.requested",
        user_id,
        None,
        Some(json!(grant)),
    )
    .await?;
    Ok(())
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
        signatory: u.signatory.then(|| "ja".to_string()),
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
    let mut page = FormPage::new(admin.ctx, Some(user.clone()), form_of(&user), organisations);
    page.waiting = db::pending_requests(&mut *conn, Some(id)).await?;
    render(&page)
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
    let mut asked = None;
    // A new address: a staff member's waits for a second administrator (the next link would
    // go to it); a coordinator's is saved now. The old address is told either way.
    let mut new_email = None;
    let errors = match form.validate(&organisations) {
        Ok(mut valid) => {
            let change = RoleChange::of(before.role_in_force(), before.pending_role, valid.role);
            let mut e = FormErrors::default();
            if valid.email != before.email {
                new_email = Some(valid.email.clone());
                if db::email_taken_by_another(&mut tx, id, &valid.email).await? {
                    e = email_taken_errors();
                } else if AccountChange::needs_second_administrator(before.role) {
                    valid.email = before.email.clone();
                }
            }
            if !e.is_empty() {
                // The address is taken: said beside the field, nothing saved.
            } else if id == admin.id() && valid.role != Role::Admin {
                e.add("role", "Du kan inte ta bort din egen administratörsroll.");
            } else if let RoleChange::OtherPending(waiting) = change {
                e.add(
                    "role",
                    format!(
                        "Rollen {} väntar redan på bekräftelse. Den måste bekräftas, nekas eller dras tillbaka under Behörigheter innan rollen kan ändras igen.",
                        waiting.label().to_lowercase()
                    ),
                );
            } else {
                // Until a second administrator confirms, the role in force stays.
                let with_role = change == RoleChange::Now;
                match db::update(&mut tx, id, &valid, with_role).await {
                    Ok(()) if change == RoleChange::Ask => asked = Some(valid.role),
                    Ok(()) => {}
                    Err(err) => e = email_taken(&err).ok_or(AppError::from(err))?,
                }
            }
            e
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
        "user.updated",
        id,
        Some(&before),
        Some(json!(after)),
    )
    .await?;
    if after.signatory != before.signatory {
        record_signatory(&mut tx, &admin, &after).await?;
    }
    if let Some(role) = asked {
        request_role(&mut tx, &admin, id, role, before.role_in_force()).await?;
    }
    let email_waits = match &new_email {
        Some(email) => {
            super::requests::make_or_ask_email(&mut tx, &state, &admin, &before, email).await?
        }
        None => false,
    };
    tx.commit().await?;
    let mut message = match (asked, before.role_in_force()) {
        (Some(role), Some(_)) => format!(
            "Ändringarna för {} är sparade. Rollen {} gäller först när en annan administratör har bekräftat den under Behörigheter; till dess har {} kvar sin nuvarande roll.",
            after.name,
            role.label().to_lowercase(),
            after.name
        ),
        (Some(role), None) => format!(
            "Ändringarna för {} är sparade. Rollen {} gäller först när en annan administratör har bekräftat den under Behörigheter; till dess kan kontot inte användas.",
            after.name,
            role.label().to_lowercase()
        ),
        (None, _) => format!("Ändringarna för {} är sparade.", after.name),
    };
    match (before.signatory, after.signatory) {
        (false, true) => message.push_str(&format!(
            " {} är nu firmatecknare för {}: det som en annan koordinator i organisationen skickar går till {} för bekräftelse innan det skickas till Tillväxtverket.",
            after.name,
            after.organisation_name.as_deref().unwrap_or("sin organisation"),
            after.name
        )),
        (true, false) => message.push_str(&format!(" {} är inte längre firmatecknare.", after.name)),
        _ => {}
    }
    match (&new_email, email_waits) {
        (Some(email), true) => message.push_str(&format!(
            " Den nya e-postadressen {email} gäller först när en annan administratör har bekräftat den under Behörigheter; till dess används {}.",
            before.email
        )),
        (Some(_), false) => message.push_str(
            " Både den gamla och den nya e-postadressen har fått ett meddelande om ändringen.",
        ),
        (None, _) => {}
    }
    Ok(redirect_with_flash("/admin/anvandare", &message))
}

/// Said when an account whose role is not confirmed would be let in.
const ROLE_NOT_CONFIRMED: &str = "Kontot kan inte aktiveras förrän en annan administratör har bekräftat rollen under Behörigheter. Är rollen nekad kan du begära den på nytt genom att spara användaren med rollen, eller ge kontot rollen regional koordinator.";

async fn set_active(state: &AppState, admin: &CurrentUser, id: Uuid, active: bool) -> Result<User> {
    if id == admin.id() && !active {
        return Err(AppError::BadRequest(
            "Du kan inte inaktivera dig själv.".into(),
        ));
    }
    let mut tx = state.db.begin().await?;
    let before = db::find_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if active && !before.role_confirmed {
        return Err(AppError::Refused(ROLE_NOT_CONFIRMED.into()));
    }
    if let Err(e) = db::set_active(&mut tx, id, active).await {
        return Err(
            if violated_constraint(&e) == Some("users_staff_account_confirmed") {
                AppError::Refused(ROLE_NOT_CONFIRMED.into())
            } else {
                e.into()
            },
        );
    }
    if !active {
        // Thrown out at once: every session of the user ends now.
        session::end_all_for_user(&mut tx, id).await?;
    }
    let after = db::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    db::record(
        &mut tx,
        Some(admin.id()),
        if active {
            "user.activated"
        } else {
            "user.deactivated"
        },
        id,
        Some(&before),
        Some(json!(after)),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[derive(Template)]
#[template(path = "users/deactivate.html")]
struct DeactivatePage {
    ctx: Ctx,
    user: User,
    /// An administrator can't deactivate themselves: said instead of the button.
    is_self: bool,
}

/// Whom deactivating throws out, and what it means, before *Inaktivera*; changes nothing.
pub async fn deactivate_form(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut conn = state.db.acquire().await?;
    let user = db::find(&mut conn, id).await?.ok_or(AppError::NotFound)?;
    if !user.active {
        return Err(AppError::Conflict(format!(
            "{} är redan inaktiverad.",
            user.name
        )));
    }
    render(&DeactivatePage {
        is_self: id == admin.id(),
        ctx: admin.ctx,
        user,
    })
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
