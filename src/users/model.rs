//! The pure rules of user accounts: what a valid user form is, and which role
//! changes wait for a second administrator.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    auth::Role,
    input::{parse_email, parse_name},
    programme::db::Organisation,
    web::FormErrors,
};

#[derive(Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub organisation_id: String,
    /// The box *Firmatecknare*: `ja` when ticked.
    #[serde(default)]
    pub signatory: Option<String>,
}

pub struct ValidUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
    /// Signs for their organisation (`crate::signatory`): a coordinator only.
    pub signatory: bool,
}

/// Said beside *Firmatecknare* for anyone but a coordinator.
pub const SIGNATORY_IS_COORDINATOR: &str =
    "Bara en regional koordinator kan vara firmatecknare för sin organisation.";

impl UserForm {
    pub fn validate(&self, organisations: &[Organisation]) -> Result<ValidUser, FormErrors> {
        let mut e = FormErrors::default();
        let email = parse_email(&self.email).map_err(|m| e.add("email", m)).ok();
        let name = parse_name(&self.name).map_err(|m| e.add("name", m)).ok();
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
        let signatory = self.signatory.as_deref() == Some("ja");
        if signatory && role.is_some_and(Role::is_staff) {
            e.add("signatory", SIGNATORY_IS_COORDINATOR);
        }
        match (email, name, role) {
            (Some(email), Some(name), Some(role)) if e.is_empty() => Ok(ValidUser {
                email,
                name,
                role,
                organisation_id,
                signatory,
            }),
            _ => Err(e),
        }
    }
}

/// Where a request for a staff role stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "role_grant_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum GrantState {
    Pending,
    Confirmed,
    Refused,
}

/// A change to an account that, for a staff member, waits for a second administrator
/// (`account_requests`): each would let one administrator take the account over.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "account_change", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AccountChange {
    /// A new e-mail address: the next set-password link goes there.
    Email,
    /// The second factor removed: the next login enrols a new one.
    SecondFactorReset,
    /// A new set-password link.
    PasswordLink,
    /// A link to an identity provider, confirmed by an administrator (the person could not
    /// confirm it with their own password and code).
    IdentityLink,
}

impl AccountChange {
    pub fn label(self) -> &'static str {
        match self {
            AccountChange::Email => "Ny e-postadress",
            AccountChange::SecondFactorReset => "Återställd tvåstegsverifiering",
            AccountChange::PasswordLink => "Ny lösenordslänk",
            AccountChange::IdentityLink => "Inloggning med organisationens konto",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            AccountChange::Email => "email",
            AccountChange::SecondFactorReset => "second_factor_reset",
            AccountChange::PasswordLink => "password_link",
            AccountChange::IdentityLink => "identity_link",
        }
    }

    /// Whether the change to this account waits for a second administrator: a staff
    /// member's does (a coordinator's account moves no money and grants no power).
    pub fn needs_second_administrator(role: Role) -> bool {
        role.is_staff()
    }
}

/// What saving a role on the user form does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoleChange {
    /// Write it now: the role in force again, or the coordinator's role, which gives
    /// no power over other actors' money.
    Now,
    /// A staff role the user does not have: ask a second administrator; until then
    /// the user keeps the role in force.
    Ask,
    /// That role is already waiting for confirmation: leave the request as it is.
    AlreadyAsked,
    /// Another role is waiting: it must be confirmed or refused first.
    OtherPending(Role),
}

impl RoleChange {
    /// `in_force` is the role the user has now, `None` for an account whose staff role
    /// was never confirmed; `pending` is the role waiting for confirmation, if any.
    pub fn of(in_force: Option<Role>, pending: Option<Role>, requested: Role) -> RoleChange {
        if in_force == Some(requested) {
            RoleChange::Now
        } else if pending == Some(requested) {
            RoleChange::AlreadyAsked
        } else if let Some(other) = pending {
            RoleChange::OtherPending(other)
        } else if requested.is_staff() {
            RoleChange::Ask
        } else {
            RoleChange::Now
        }
    }
}

/// Whether an account can be used, as the administrator's list shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccountStatus {
    /// A new staff account whose role waits for a second administrator.
    AwaitingConfirmation,
    /// A new staff account whose role was refused (or withdrawn).
    RoleRefused,
    Deactivated,
    NoPassword,
    Active,
}

impl AccountStatus {
    pub fn of(
        active: bool,
        role_confirmed: bool,
        pending: Option<Role>,
        has_password: bool,
    ) -> AccountStatus {
        match (role_confirmed, pending, active, has_password) {
            (false, Some(_), _, _) => AccountStatus::AwaitingConfirmation,
            (false, None, _, _) => AccountStatus::RoleRefused,
            (true, _, false, _) => AccountStatus::Deactivated,
            (true, _, true, false) => AccountStatus::NoPassword,
            (true, _, true, true) => AccountStatus::Active,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            AccountStatus::AwaitingConfirmation => "Väntar på bekräftelse",
            AccountStatus::RoleRefused => "Rollen nekad",
            AccountStatus::Deactivated => "Inaktiverad",
            AccountStatus::NoPassword => "Inget lösenord valt",
            AccountStatus::Active => "Aktiv",
        }
    }

    /// Only a deactivated account with its role in force may be let in again.
    pub fn may_be_activated(self) -> bool {
        self == AccountStatus::Deactivated
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use Role::*;

    fn organisation() -> Organisation {
        Organisation {
            id: Uuid::from_u128(7),
            name: "Region Skåne".into(),
            org_number: None,
        }
    }

    fn form(role: Role, signatory: bool) -> UserForm {
        UserForm {
            email: "per.lind@skane.se".into(),
            name: "Per Lind".into(),
            role: role.key().into(),
            organisation_id: if role.is_staff() {
                String::new()
            } else {
                organisation().id.to_string()
            },
            signatory: signatory.then(|| "ja".to_string()),
        }
    }

    #[test]
    fn only_a_coordinator_signs_for_their_organisation() {
        let valid = form(Coordinator, true)
            .validate(&[organisation()])
            .expect("a coordinator may sign");
        assert!(valid.signatory);
        assert!(
            !form(Coordinator, false)
                .validate(&[organisation()])
                .expect("valid")
                .signatory
        );
        for staff in [CaseOfficer, Approver, Admin] {
            let errors = form(staff, true)
                .validate(&[organisation()])
                .err()
                .expect("staff never sign for a region");
            assert_eq!(errors.get("signatory"), Some(SIGNATORY_IS_COORDINATOR));
            assert!(form(staff, false).validate(&[organisation()]).is_ok());
        }
    }

    #[test]
    fn any_staff_role_a_user_does_not_have_waits_for_a_second_administrator() {
        for (from, to) in [
            (Coordinator, CaseOfficer),
            (Coordinator, Approver),
            (Coordinator, Admin),
            (CaseOfficer, Approver),
            (Approver, CaseOfficer),
            (CaseOfficer, Admin),
            (Admin, CaseOfficer),
            (Admin, Approver),
        ] {
            assert_eq!(
                RoleChange::of(Some(from), None, to),
                RoleChange::Ask,
                "{from:?} → {to:?}"
            );
        }
        for role in [CaseOfficer, Approver, Admin] {
            assert_eq!(
                RoleChange::of(None, None, role),
                RoleChange::Ask,
                "new {role:?}"
            );
        }
    }

    #[test]
    fn keeping_a_role_or_becoming_a_coordinator_takes_effect_at_once() {
        for role in Role::ALL {
            assert_eq!(RoleChange::of(Some(role), None, role), RoleChange::Now);
            assert_eq!(
                RoleChange::of(Some(role), None, Coordinator),
                RoleChange::Now
            );
        }
        assert_eq!(RoleChange::of(None, None, Coordinator), RoleChange::Now);
    }

    #[test]
    fn while_a_role_waits_only_that_role_or_the_one_in_force_may_be_saved() {
        let waiting = Some(Approver);
        assert_eq!(
            RoleChange::of(Some(Coordinator), waiting, Coordinator),
            RoleChange::Now
        );
        assert_eq!(
            RoleChange::of(Some(Coordinator), waiting, Approver),
            RoleChange::AlreadyAsked
        );
        assert_eq!(
            RoleChange::of(Some(Coordinator), waiting, Admin),
            RoleChange::OtherPending(Approver)
        );
        // A new account waiting for its role may not become a coordinator behind the request's back.
        assert_eq!(
            RoleChange::of(None, waiting, Coordinator),
            RoleChange::OtherPending(Approver)
        );
        assert_eq!(
            RoleChange::of(None, waiting, Approver),
            RoleChange::AlreadyAsked
        );
    }

    #[test]
    fn an_account_whose_role_is_not_confirmed_is_never_shown_as_usable_or_activatable() {
        for active in [true, false] {
            for password in [true, false] {
                let waiting = AccountStatus::of(active, false, Some(Approver), password);
                assert_eq!(waiting, AccountStatus::AwaitingConfirmation);
                let refused = AccountStatus::of(active, false, None, password);
                assert_eq!(refused, AccountStatus::RoleRefused);
                assert!(!waiting.may_be_activated() && !refused.may_be_activated());
            }
        }
        assert_eq!(
            AccountStatus::of(false, true, Some(Admin), true),
            AccountStatus::Deactivated
        );
        assert!(AccountStatus::Deactivated.may_be_activated());
        assert_eq!(
            AccountStatus::of(true, true, None, false),
            AccountStatus::NoPassword
        );
        assert_eq!(
            AccountStatus::of(true, true, None, true),
            AccountStatus::Active
        );
    }
}
