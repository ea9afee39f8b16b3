//! Staff roles that wait for a second administrator: the list, confirming and refusing.

use askama::Template;
use axum::{
    extract::{Path, State},
    response::Response,
};
use serde_json::json;

use super::{
    db::{self, AccountRequest, Grant},
    model::GrantState,
};
use crate::{
    AppState,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result, violated_constraint},
    web::{filters, redirect_with_flash, render},
};

const OWN_REQUEST: &str = "Du har själv begärt den här rollen. En annan administratör måste bekräfta den (principen om fyra ögon).";
const OWN_ROLE: &str =
    "Rollen gäller dig själv. En annan administratör måste bekräfta den (principen om fyra ögon).";
const ALREADY_HANDLED: &str = "Begäran har redan hanterats – en annan administratör hann före. Ladda om sidan för att se hur den står nu.";

#[derive(Template)]
#[template(path = "users/grants.html")]
struct GrantsPage {
    ctx: Ctx,
    pending: Vec<Grant>,
    decided: Vec<Grant>,
    /// Changes to staff accounts waiting for a second administrator, and the latest decided.
    changes: Vec<AccountRequest>,
    changes_decided: Vec<AccountRequest>,
}

impl GrantsPage {
    /// Whether the administrator looking at the page may confirm the request.
    fn may_confirm(&self, grant: &Grant) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|me| grant.requested_by != Some(me.id) && grant.user_id != me.id)
    }

    fn asked_by_me(&self, grant: &Grant) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|me| grant.requested_by == Some(me.id))
    }

    /// Whether the administrator looking at the page may confirm the account change.
    fn may_confirm_change(&self, change: &AccountRequest) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|me| change.requested_by != me.id && change.user_id != me.id)
    }

    fn change_asked_by_me(&self, change: &AccountRequest) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|me| change.requested_by == me.id)
    }
}

pub async fn list(State(state): State<AppState>, admin: CurrentUser) -> Result<Response> {
    admin.require_admin()?;
    let pending = db::pending_grants(&state.db).await?;
    let decided = db::decided_grants(&state.db, 50).await?;
    let changes = db::pending_requests(&state.db, None).await?;
    let changes_decided = db::decided_requests(&state.db, 50).await?;
    render(&GrantsPage {
        ctx: admin.ctx,
        pending,
        decided,
        changes,
        changes_decided,
    })
}

pub async fn confirm(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let grant = db::grant(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if grant.requested_by == Some(admin.id()) {
        return Err(AppError::Refused(OWN_REQUEST.into()));
    }
    if grant.user_id == admin.id() {
        return Err(AppError::Refused(OWN_ROLE.into()));
    }
    if grant.state != GrantState::Pending {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    let before = db::find(&mut tx, grant.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let confirmed = db::confirm_grant(&mut tx, &grant, admin.id())
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some("role_grants_four_eyes") => AppError::Refused(OWN_REQUEST.into()),
            Some("role_grants_not_for_oneself") => AppError::Refused(OWN_ROLE.into()),
            _ => e.into(),
        })?;
    if !confirmed {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    let after = db::find(&mut tx, grant.user_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let decided = db::grant(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    db::record(
        &mut tx,
        Some(admin.id()),
        "role_grant.confirmed",
        grant.user_id,
        Some(&before),
        Some(json!({ "user": after, "role_grant": decided })),
    )
    .await?;
    // Decided by this administrator, presented by the one who asked.
    crate::records::db::record_role_granted(&mut tx, &grant, admin.id()).await?;
    // A new account that has never had a password gets its link now, to its own address.
    let sends_link = after.active && !after.has_password;
    if sends_link {
        super::password_link::send(
            &mut tx,
            &state.config.public_url,
            &state.sealer,
            &super::handlers::recipient(&after),
            crate::mail::PasswordLink::NewAccount,
        )
        .await?;
    }
    let mailed = sends_link && state.config.mail_configured();
    tx.commit().await?;
    let mut message = format!(
        "Rollen {} för {} är bekräftad och gäller från och med nu.",
        grant.role.label().to_lowercase(),
        grant.user_name
    );
    if mailed {
        message.push_str(&format!(
            " En länk för att välja lösenord är skickad med e-post till {}.",
            after.email
        ));
    }
    Ok(redirect_with_flash("/admin/behorigheter", &message))
}

pub async fn refuse(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let grant = db::grant(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if grant.state != GrantState::Pending || !db::refuse_grant(&mut tx, id, admin.id()).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    let withdrawn = grant.requested_by == Some(admin.id());
    let decided = db::grant(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    db::record(
        &mut tx,
        Some(admin.id()),
        if withdrawn {
            "role_grant.withdrawn"
        } else {
            "role_grant.refused"
        },
        grant.user_id,
        None,
        Some(json!({ "role_grant": decided })),
    )
    .await?;
    tx.commit().await?;
    let role = grant.role.label().to_lowercase();
    Ok(redirect_with_flash(
        "/admin/behorigheter",
        &if withdrawn {
            format!(
                "Din begäran om rollen {role} för {} är tillbakadragen.",
                grant.user_name
            )
        } else {
            format!(
                "Rollen {role} för {} är nekad. {} har kvar den roll hen hade.",
                grant.user_name, grant.user_name
            )
        },
    ))
}
