//! Who someone is: a role, and for a region's coordinator the one organisation they
//! belong to.

use serde::Serialize;
use sqlx::{FromRow, Row, postgres::PgRow};
use uuid::Uuid;

/// A role as the schema stores it (`user_role`); the administration pages edit it.
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
        self.staff().is_some()
    }

    /// The staff role this is, or `None` for a coordinator.
    pub fn staff(self) -> Option<StaffRole> {
        match self {
            Role::Coordinator => None,
            Role::CaseOfficer => Some(StaffRole::CaseOfficer),
            Role::Approver => Some(StaffRole::Approver),
            Role::Admin => Some(StaffRole::Admin),
        }
    }
}

/// A role at Tillväxtverket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StaffRole {
    CaseOfficer,
    Approver,
    Admin,
}

impl From<StaffRole> for Role {
    fn from(role: StaffRole) -> Role {
        match role {
            StaffRole::CaseOfficer => Role::CaseOfficer,
            StaffRole::Approver => Role::Approver,
            StaffRole::Admin => Role::Admin,
        }
    }
}

/// The user behind a session.
#[derive(Clone, Debug)]
pub struct SessionUser {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub kind: UserKind,
}

/// Staff, or a coordinator with their organisation: a coordinator without one can't be
/// built (the schema agrees: `users_coordinator_has_organisation`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UserKind {
    Staff(StaffRole),
    Coordinator {
        organisation: Uuid,
        organisation_name: String,
    },
}

impl SessionUser {
    pub fn role(&self) -> Role {
        match self.kind {
            UserKind::Staff(role) => role.into(),
            UserKind::Coordinator { .. } => Role::Coordinator,
        }
    }

    pub fn is_staff(&self) -> bool {
        matches!(self.kind, UserKind::Staff(_))
    }

    pub fn is_admin(&self) -> bool {
        self.kind == UserKind::Staff(StaffRole::Admin)
    }

    /// The coordinator's own organisation; `None` for staff.
    pub fn organisation(&self) -> Option<Uuid> {
        match self.kind {
            UserKind::Staff(_) => None,
            UserKind::Coordinator { organisation, .. } => Some(organisation),
        }
    }

    pub fn organisation_name(&self) -> Option<&str> {
        match &self.kind {
            UserKind::Staff(_) => None,
            UserKind::Coordinator {
                organisation_name, ..
            } => Some(organisation_name),
        }
    }
}

/// Read from `id, name, email, role, organisation_id, organisation_name`; a coordinator's
/// row without an organisation is a decoding error, not a user.
impl<'r> FromRow<'r, PgRow> for SessionUser {
    fn from_row(row: &'r PgRow) -> sqlx::Result<Self> {
        let role: Role = row.try_get("role")?;
        let kind = match role.staff() {
            Some(staff) => UserKind::Staff(staff),
            None => UserKind::Coordinator {
                organisation: row.try_get("organisation_id")?,
                organisation_name: row.try_get("organisation_name")?,
            },
        };
        Ok(SessionUser {
            id: row.try_get("id")?,
            name: row.try_get("name")?,
            email: row.try_get("email")?,
            kind,
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

    #[test]
    fn every_staff_role_is_its_own_role_and_back() {
        for role in Role::ALL {
            match role.staff() {
                Some(staff) => assert_eq!(Role::from(staff), role),
                None => assert_eq!(role, Role::Coordinator),
            }
        }
    }

    #[test]
    fn a_session_user_knows_its_role_and_organisation_from_its_kind() {
        let org = Uuid::new_v4();
        let coordinator = SessionUser {
            id: Uuid::new_v4(),
            name: "Åsa Öberg".into(),
            email: "asa@example.se".into(),
            kind: UserKind::Coordinator {
                organisation: org,
                organisation_name: "Region Skåne".into(),
            },
        };
        assert_eq!(coordinator.role(), Role::Coordinator);
        assert!(!coordinator.is_staff() && !coordinator.is_admin());
        assert_eq!(coordinator.organisation(), Some(org));
        assert_eq!(coordinator.organisation_name(), Some("Region Skåne"));

        let admin = SessionUser {
            kind: UserKind::Staff(StaffRole::Admin),
            ..coordinator
        };
        assert_eq!(admin.role(), Role::Admin);
        assert!(admin.is_staff() && admin.is_admin());
        assert_eq!(admin.organisation(), None);
        assert_eq!(admin.organisation_name(), None);
    }
}
