//! Who is logged in, and what they may do. Every route asks here.

pub mod client_ip;
mod handlers;
pub mod password;
pub mod second_factor;
pub mod session;
pub mod throttle;

use axum::{extract::FromRequestParts, http::request::Parts};
use serde::Serialize;
use uuid::Uuid;

use crate::{
    AppState,
    error::{AppError, Result},
    web::Ctx,
};

pub use session::SessionUser;

pub fn router() -> axum::Router<AppState> {
    handlers::router().merge(second_factor::router())
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "user_role", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Coordinator,
    CaseOfficer,
    Approver,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Coordinator,
        Role::CaseOfficer,
        Role::Approver,
        Role::Admin,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Role::Coordinator => "Regional koordinator",
            Role::CaseOfficer => "Handläggare",
            Role::Approver => "Attestant",
            Role::Admin => "Administratör",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Role::Coordinator => "coordinator",
            Role::CaseOfficer => "case_officer",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    pub fn from_key(key: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.key() == key)
    }

    /// Tillväxtverket's people: they see every actor.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Coordinator)
    }
}

/// Which organisations' data a user may reach. Queries take this, so the
/// restriction lives in the SQL and not only in hidden links.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    All,
    Organisation(Uuid),
}

impl Scope {
    /// The organisation to filter by, or `None` for all: bind as `$n::uuid IS NULL OR org = $n`.
    pub fn organisation(self) -> Option<Uuid> {
        match self {
            Scope::All => None,
            Scope::Organisation(id) => Some(id),
        }
    }
}

/// A logged-in user, taken from the request. Handlers that need a login take this.
#[derive(Clone, Debug)]
pub struct CurrentUser {
    pub user: SessionUser,
    pub ctx: Ctx,
}

impl CurrentUser {
    pub fn id(&self) -> Uuid {
        self.user.id
    }

    pub fn scope(&self) -> Scope {
        match (self.user.role, self.user.organisation_id) {
            (Role::Coordinator, Some(org)) => Scope::Organisation(org),
            (Role::Coordinator, None) => Scope::Organisation(Uuid::nil()),
            _ => Scope::All,
        }
    }

    pub fn require_admin(&self) -> Result<()> {
        if self.user.role == Role::Admin {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Refuses every role but those listed.
    pub fn require_role(&self, roles: &[Role]) -> Result<()> {
        if roles.contains(&self.user.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The coordinator's own organisation; anyone else is refused.
    pub fn coordinator_organisation(&self) -> Result<Uuid> {
        match (self.user.role, self.user.organisation_id) {
            (Role::Coordinator, Some(org)) => Ok(org),
            _ => Err(AppError::Forbidden),
        }
    }

    pub fn require_staff(&self) -> Result<()> {
        if self.user.role.is_staff() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self> {
        let ctx = parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .ok_or(AppError::Unauthenticated)?;
        let user = ctx.user.clone().ok_or(AppError::Unauthenticated)?;
        Ok(CurrentUser { user, ctx })
    }
}

/// The page context of any request, logged in or not.
pub struct PageCtx(pub Ctx);

impl FromRequestParts<AppState> for PageCtx {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &AppState) -> Result<Self> {
        parts
            .extensions
            .get::<Ctx>()
            .cloned()
            .map(PageCtx)
            .ok_or_else(|| {
                AppError::Internal("page context missing: session layer not installed".into())
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_coordinators_are_outside_tillvaxtverket() {
        assert!(!Role::Coordinator.is_staff());
        assert!(Role::CaseOfficer.is_staff());
        assert!(Role::Approver.is_staff());
        assert!(Role::Admin.is_staff());
    }

    #[test]
    fn role_keys_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::from_key(role.key()), Some(role));
        }
        assert_eq!(Role::from_key("root"), None);
    }
}
