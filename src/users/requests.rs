//! Changes to an account that would let one administrator take it over: a new e-mail
//! address, a reset second factor, a new set-password link, an administrator's confirmation
//! of a link to an identity provider. For a coordinator they are made at once; for a staff
//! member they wait for a second administrator (`account_requests`), who confirms them on
//! the Behörigheter page, as a role. The schema holds the same rule for the address and the
//! second factor (`users_staff_email_confirmed`, `second_factors_staff_reset_confirmed`).

use axum::{
    extract::{Path, State},
    response::Response,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, AccountRequest, User},
    handlers::recipient,
    model::{AccountChange, GrantState},
};
use crate::{
    AppState,
    auth::{CurrentUser, second_factor, session},
    error::{AppError, Result, violated_constraint},
    mail::PasswordLink,
    web::redirect_with_flash,
};

const OWN_REQUEST: &str = "Du har själv begärt ändringen. En annan administratör måste bekräfta den (principen om fyra ögon).";
const OWN_ACCOUNT: &str = "Ändringen gäller ditt eget konto. En annan administratör måste bekräfta den (principen om fyra ögon).";
const ALREADY_HANDLED: &str = "Ändringen har redan hanterats – en annan administratör hann före. Ladda om sidan för att se hur den står nu.";

/// Asks a second administrator for a change to a staff account, with its audit record.
pub(super) async fn ask(
    conn: &mut sqlx::PgConnection,
    admin: &CurrentUser,
    user: &User,
    change: AccountChange,
    new_email: Option<&str>,
    identity_link: Option<Uuid>,
) -> Result<()> {
    let id = db::request_change(conn, user.id, change, new_email, identity_link, admin.id())
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some("account_requests_one_pending") => AppError::Conflict(format!(
                "En ändring av samma slag ({}) väntar redan på bekräftelse för {} under Behörigheter. Den måste bekräftas, nekas eller dras tillbaka först.",
                change.label().to_lowercase(),
                user.name
            )),
            _ => e.into(),
        })?;
    let request = db::account_request(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::record(
        conn,
        Some(admin.id()),
        "account_request.requested",
        user.id,
        None,
        Some(json!(request)),
    )
    .await?;
    Ok(())
}

/// Makes the change, in the caller's transaction: at once for a coordinator, or as the
/// second administrator confirms it for a staff member.
async fn apply(
    conn: &mut sqlx::PgConnection,
    state: &AppState,
    user: &User,
    change: AccountChange,
    new_email: Option<&str>,
    identity_link: Option<Uuid>,
    by: Uuid,
) -> Result<()> {
    match change {
        AccountChange::Email => {
            let email = new_email.ok_or(AppError::NotFound)?;
            if db::email_taken_by_another(conn, user.id, email).await? {
                return Err(AppError::Conflict(format!(
                    "Adressen {email} används nu av en annan användare. Neka ändringen och begär en annan adress."
                )));
            }
            db::set_email(conn, user.id, email).await?;
            crate::mail::address_changed(
                conn,
                &state.config.public_url,
                user.id,
                &user.name,
                &user.email,
                email,
            )
            .await?;
        }
        AccountChange::SecondFactorReset => {
            let removed = second_factor::remove(conn, user.id).await?;
            let sessions = session::end_all_for_user(conn, user.id).await?;
            crate::audit::Entry::new(Some(by), "second_factor.reset", "user", user.id)
                .before(json!({ "method": "totp", "enrolled_at": removed }))
                .after(json!({ "sessions_ended": sessions }))
                .record(conn)
                .await?;
        }
        AccountChange::PasswordLink => {
            super::password_link::send(
                conn,
                &state.config.public_url,
                &state.sealer,
                &recipient(user),
                PasswordLink::NewLink,
            )
            .await?;
            db::record(conn, Some(by), "password.link_created", user.id, None, None).await?;
        }
        AccountChange::IdentityLink => {
            let link = identity_link.ok_or(AppError::NotFound)?;
            if !crate::identity::db::confirm_link(conn, link, by).await? {
                return Err(AppError::Conflict(
                    "Kopplingen finns inte längre, eller är redan bekräftad.".into(),
                ));
            }
        }
    }
    Ok(())
}

/// A change an administrator asks for: made now (a coordinator's), or asked of a second
/// administrator (a staff member's). Returns whether it waits.
pub(super) async fn make_or_ask(
    conn: &mut sqlx::PgConnection,
    state: &AppState,
    admin: &CurrentUser,
    user: &User,
    change: AccountChange,
    new_email: Option<&str>,
    identity_link: Option<Uuid>,
) -> Result<bool> {
    if AccountChange::needs_second_administrator(user.role) {
        ask(conn, admin, user, change, new_email, identity_link).await?;
        Ok(true)
    } else {
        apply(
            conn,
            state,
            user,
            change,
            new_email,
            identity_link,
            admin.id(),
        )
        .await?;
        Ok(false)
    }
}

/// A new address typed on the user form: saved now for a coordinator (both addresses are
/// told), asked of a second administrator for a staff member. Returns whether it waits.
pub(super) async fn make_or_ask_email(
    conn: &mut sqlx::PgConnection,
    state: &AppState,
    admin: &CurrentUser,
    before: &User,
    email: &str,
) -> Result<bool> {
    make_or_ask(
        conn,
        state,
        admin,
        before,
        AccountChange::Email,
        Some(email),
        None,
    )
    .await
}

/// An administrator's confirmation of a user's link to an identity provider: made now for a
/// coordinator, asked of a second administrator for a staff member. Returns whether it waits.
pub async fn confirm_identity_link(
    conn: &mut sqlx::PgConnection,
    state: &AppState,
    admin: &CurrentUser,
    user_id: Uuid,
    link: Uuid,
) -> Result<bool> {
    let user = db::find_for_update(conn, user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    make_or_ask(
        conn,
        state,
        admin,
        &user,
        AccountChange::IdentityLink,
        None,
        Some(link),
    )
    .await
}

/// What the administrator is told once a change is made or asked for.
fn told(user: &User, change: AccountChange, waits: bool, mailed: bool) -> String {
    let who = &user.name;
    if waits {
        return format!(
            "{} för {who} väntar nu på att en annan administratör bekräftar den under Behörigheter (principen om fyra ögon). Till dess är kontot oförändrat.",
            change.label()
        );
    }
    match change {
        AccountChange::SecondFactorReset => format!(
            "Tvåstegsverifieringen för {who} är återställd och hen är utloggad. Hen kan logga in med bara lösenordet och slå på tvåstegsverifiering igen."
        ),
        AccountChange::PasswordLink if mailed => format!(
            "En ny lösenordslänk för {who} är skickad med e-post till {}. Tidigare länkar slutar gälla.",
            user.email
        ),
        AccountChange::PasswordLink => format!(
            "En ny lösenordslänk för {who} är skapad, men e-post är inte inställd på servern (SMTP_URL), så den kan inte skickas. Länkar visas aldrig på skärmen: driftansvarig kan ta fram en med kommandot ”digikoord admin password-link --email {}”.",
            user.email
        ),
        AccountChange::Email => format!("E-postadressen för {who} är ändrad."),
        AccountChange::IdentityLink => {
            format!("Inloggningen med organisationens konto för {who} är bekräftad.")
        }
    }
}

async fn for_user(
    state: &AppState,
    admin: &CurrentUser,
    id: Uuid,
    change: AccountChange,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let user = db::find_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if change == AccountChange::PasswordLink && !user.role_confirmed {
        return Err(AppError::BadRequest(
            "Kontot väntar på att en annan administratör bekräftar rollen. Skapa en ny länk när rollen är bekräftad.".into(),
        ));
    }
    if change == AccountChange::PasswordLink && !user.active {
        return Err(AppError::BadRequest(
            "Aktivera användaren innan du skapar en lösenordslänk.".into(),
        ));
    }
    if change == AccountChange::SecondFactorReset && !user.has_second_factor {
        return Ok(redirect_with_flash(
            &format!("/admin/anvandare/{id}"),
            &format!(
                "{} har ingen tvåstegsverifiering att återställa.",
                user.name
            ),
        ));
    }
    let waits = make_or_ask(&mut tx, state, admin, &user, change, None, None).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/admin/anvandare/{id}"),
        &told(&user, change, waits, state.config.mail_configured()),
    ))
}

/// For someone who lost their phone and their recovery codes: the factor and the codes are
/// removed and every session of the user ends; staff then enrol again at their next login.
pub async fn reset_second_factor(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    for_user(&state, &admin, id, AccountChange::SecondFactorReset).await
}

/// A new set-password link, to the person's own address; earlier links stop working.
pub async fn new_link(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    for_user(&state, &admin, id, AccountChange::PasswordLink).await
}

/// The waiting request, checked against who decides it.
async fn waiting(
    conn: &mut sqlx::PgConnection,
    admin: &CurrentUser,
    id: i64,
    confirm: bool,
) -> Result<AccountRequest> {
    let request = db::account_request(conn, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if confirm && request.requested_by == admin.id() {
        return Err(AppError::Refused(OWN_REQUEST.into()));
    }
    if confirm && request.user_id == admin.id() {
        return Err(AppError::Refused(OWN_ACCOUNT.into()));
    }
    if request.state != GrantState::Pending {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    Ok(request)
}

pub async fn confirm(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let request = waiting(&mut tx, &admin, id, true).await?;
    let user = db::find_for_update(&mut tx, request.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let decided = db::decide_request(&mut tx, id, true, admin.id())
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some("account_requests_four_eyes") => AppError::Refused(OWN_REQUEST.into()),
            Some("account_requests_not_for_oneself") => AppError::Refused(OWN_ACCOUNT.into()),
            _ => e.into(),
        })?;
    if !decided {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    apply(
        &mut tx,
        &state,
        &user,
        request.change,
        request.new_email.as_deref(),
        request.identity_link,
        admin.id(),
    )
    .await?;
    let after = db::find(&mut tx, user.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let request = db::account_request(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::record(
        &mut tx,
        Some(admin.id()),
        "account_request.confirmed",
        user.id,
        Some(&user),
        Some(json!({ "user": after, "account_request": request })),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/admin/behorigheter",
        &told(&user, request.change, false, state.config.mail_configured()),
    ))
}

pub async fn refuse(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let request = waiting(&mut tx, &admin, id, false).await?;
    if !db::decide_request(&mut tx, id, false, admin.id()).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    let withdrawn = request.requested_by == admin.id();
    let decided = db::account_request(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    db::record(
        &mut tx,
        Some(admin.id()),
        if withdrawn {
            "account_request.withdrawn"
        } else {
            "account_request.refused"
        },
        request.user_id,
        None,
        Some(json!({ "account_request": decided })),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/admin/behorigheter",
        &format!(
            "{} för {} är {}. Kontot är oförändrat.",
            request.change.label(),
            request.user_name,
            if withdrawn { "tillbakadragen" } else { "nekad" }
        ),
    ))
}
