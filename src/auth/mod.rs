//! Who is logged in, and what they may do. Every route asks here.

pub mod client_ip;
pub mod device;
pub(crate) mod handlers;
pub mod page;
pub mod password;
mod reauth;
mod reset;
pub mod second_factor;
pub mod session;
pub mod throttle;
mod user;

use axum::{extract::FromRequestParts, http::request::Parts};
use uuid::Uuid;

use crate::{
    AppState,
    error::{AppError, Result},
};

pub use page::{Ctx, PageCtx};
pub use user::{Role, SessionUser, StaffRole, UserKind};

pub fn router() -> axum::Router<AppState> {
    handlers::router()
        .merge(reset::router())
        .merge(second_factor::router())
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

    pub fn role(&self) -> Role {
        self.user.role()
    }

    pub fn scope(&self) -> Scope {
        match self.user.organisation() {
            Some(org) => Scope::Organisation(org),
            None => Scope::All,
        }
    }

    pub fn require_admin(&self) -> Result<()> {
        if self.user.is_admin() {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Refuses every role but those listed.
    pub fn require_role(&self, roles: &[Role]) -> Result<()> {
        if roles.contains(&self.user.role()) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// The coordinator's own organisation; anyone else is refused.
    pub fn coordinator_organisation(&self) -> Result<Uuid> {
        self.user.organisation().ok_or(AppError::Forbidden)
    }

    pub fn require_staff(&self) -> Result<()> {
        if self.user.is_staff() {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn current(kind: UserKind) -> CurrentUser {
        let user = SessionUser {
            id: Uuid::new_v4(),
            name: "Test".into(),
            email: "test@example.se".into(),
            kind,
        };
        CurrentUser {
            ctx: Ctx {
                user: Some(user.clone()),
                ..Ctx::default()
            },
            user,
        }
    }

    #[test]
    fn a_coordinator_reaches_their_own_organisation_and_staff_reach_every_actor() {
        let org = Uuid::new_v4();
        let coordinator = current(UserKind::Coordinator {
            organisation: org,
            organisation_name: "Region Skåne".into(),
        });
        assert_eq!(coordinator.scope(), Scope::Organisation(org));
        assert_eq!(coordinator.scope().organisation(), Some(org));
        assert!(matches!(coordinator.coordinator_organisation(), Ok(o) if o == org));
        assert!(coordinator.require_staff().is_err());
        assert!(coordinator.require_role(&[Role::CaseOfficer]).is_err());

        for staff in [
            StaffRole::CaseOfficer,
            StaffRole::Approver,
            StaffRole::Admin,
        ] {
            let user = current(UserKind::Staff(staff));
            assert_eq!(user.scope(), Scope::All);
            assert_eq!(user.scope().organisation(), None);
            assert!(matches!(
                user.coordinator_organisation(),
                Err(AppError::Forbidden)
            ));
            assert!(user.require_staff().is_ok());
            assert!(user.require_role(&[Role::from(staff)]).is_ok());
            assert_eq!(user.require_admin().is_ok(), staff == StaffRole::Admin);
        }
    }
}
