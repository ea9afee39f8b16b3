//! Who is logged in, and what they may do. Every route asks here.
//!
//! The kernel, which everything above stands on: the roles (`user`), the session layer
//! (`layer`: sessions, `csrf`, `reauth`), throttling, password hashing, TOTP
//! (`second_factor`), the device cookie, tokens and cookies. It imports nothing above
//! `web`, `error`, `audit`, `clock`, `secrets` and `AppState`, and has no routes: the
//! sign-in pages are `signin`'s (a test holds it so).
//!
//! # What protects what
//!
//! No single person moves money or grants power alone: a payout, a refund, a staff role, a
//! change that would let one administrator take a staff account over, and an identity
//! provider each need two people, checked by the handler **and by the schema** (which
//! holds against the server's own role, `crate::db`).
//!
//! | protection | how |
//! | --- | --- |
//! | Passwords | Argon2, at least 12 characters, refused when zxcvbn's lists of common and breached passwords (or the person's own name and address) make it guessable; hashing off the async workers, one per core (`password`) |
//! | Two steps for staff | after the password, a code from an authenticator app (TOTP, each code once) or one of ten recovery codes; staff enrol before any page opens; coordinators may turn it on (`second_factor`) |
//! | Fresh proof | an administrator's changes to users, roles, account changes and providers, and enrolling one's own second factor, ask for the code (or password) again when the last proof is over 15 minutes old; what was sent is kept and goes on once proved (`reauth`) |
//! | Sessions | only a hash of the id is stored; a new id at every login; 30 minutes idle, 12 hours at most; `/sessioner` lists one's sessions with *Logga ut överallt utom här*; deactivation, a new password and a second-factor reset end them (`session`) |
//! | A session that ends while someone writes | a report part's or requisition's form posted into the ended session, with that session's CSRF token, is kept (≤ 200 kB, 2 hours) for the same user and shown again on the form after they sign in, never replayed (`kept`) |
//! | Throttling | every attempt is recorded before it is checked; 5 failures per account and address, then 30 s doubling to 15 min; 20 per account, then up to 2 min; 30 per address, then up to 5 min; an attempt before its wait is over is refused and counts against its own account and address. Guessers on many addresses can keep the account-wide delay going for as long as they guess, but not for a browser the person has signed in from before (a signed device cookie, `device`) (`throttle`) |
//! | Links | set-password links go only to the person's own address: never shown in the browser, never logged; the outbox keeps the mail sealed until it is sent and shows it without its link; a reset link works 1 h, an administrator's 24 h |
//! | Account takeover by an administrator | for staff, a new e-mail address, a second-factor reset, a new set-password link and an administrator's confirmation of an identity link wait for a second administrator (*Behörigheter*, `crate::users`); the old address is told of every address change |
//! | Identity providers | allow-listed organisations and domains, staff and trust in the provider's MFA only when set, a second administrator for every change, first links confirmed with the person's own password and code, public https addresses only (`crate::identity`) |
//! | Secrets at rest | second-factor secrets, providers' client secrets and waiting link mails sealed with XChaCha20-Poly1305 under `SECRETS_KEY` (`crate::secrets`); rotate with `SECRETS_KEY_OLD` + `digikoord secrets rotate` |
//! | The database | the server runs as `digikoord_app` through its own `NOINHERIT` login (`crate::db`); staff roles need an explicit confirmed grant; the server may only ask for grants; audit log and kept exports can't be changed |
//! | Requests | every POST carries a CSRF token; cross-site POSTs are refused; every route checks the role and, through `Scope`, the organisation; drafts are the region's until first submitted; every page escapes; CSP without inline script, `form-action 'self'`, `frame-ancestors 'none'`, HSTS over https; every refusal and download is logged |
//! | Input and files | a Swedish 4xx and nothing changed for NUL and other control characters (but tab and line breaks), over-long fields, impossible dates and years; an uploaded XLSX is checked as a ZIP before it is read (part count, inflated sizes, ratio) and read cell by cell within 25 000 rows × 30 columns; a CSV within the same bounds; parsing runs off the async workers (`history::sheet`) |
//! | Anonymous work | open data is made once a minute per year, never taking the staff's turns; sign-in starts are limited per client |
//! | Calendar feeds | `/kalender/<token>.ics` serves data without a login: the token is 256 random bits, only its SHA-256 is stored, and whatever is wrong with it the answer is 404 |
//!
//! The client address is the connecting peer's, or, when that peer is one of
//! `TRUSTED_PROXIES`, the right-most address in `X-Forwarded-For` that is not a proxy
//! (`client_ip`).

pub mod client_ip;
pub mod cookie;
mod csrf;
mod db;
pub mod device;
pub mod kept;
pub mod layer;
pub mod new_device;
pub mod page;
pub mod password;
mod reauth;
pub mod second_factor;
pub mod session;
pub mod throttle;
pub mod token;
mod user;

use axum::{extract::FromRequestParts, http::request::Parts};
use uuid::Uuid;

use crate::{
    AppState,
    error::{AppError, Result},
};

pub use page::{Ctx, PageCtx};
pub use user::{Role, SessionUser, StaffRole, UserKind};

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

/// The kernel is the floor: no file under `src/auth/` reaches a module above it, nor serves a
/// route. Read from the sources, so a new import fails here before it closes a circle.
#[cfg(test)]
mod floor {
    use std::path::Path;

    /// The modules the kernel may use.
    const BELOW: &[&str] = &[
        "audit", "clock", "error", "secrets", "web", "auth", "AppState",
    ];

    /// Each `crate::` path's first segment in `source`, `use crate::{a, b::c}` groups included.
    fn crate_paths(source: &str) -> Vec<String> {
        let code: String = source
            .lines()
            .map(|l| l.split("//").next().unwrap_or(""))
            .collect::<Vec<_>>()
            .join("\n");
        let mut found = Vec::new();
        for (at, _) in code.match_indices("crate::") {
            let rest = &code[at + "crate::".len()..];
            if let Some(group) = rest.strip_prefix('{') {
                // The group's top-level items, up to its closing brace.
                let (mut depth, mut item) = (0, String::new());
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => {
                            found.push(std::mem::take(&mut item));
                            continue;
                        }
                        _ => {}
                    }
                    if depth == 0 {
                        item.push(c);
                    }
                }
                found.push(item);
            } else {
                found.push(rest.to_string());
            }
        }
        found
            .iter()
            .map(|p| {
                p.trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect::<String>()
            })
            .filter(|p| !p.is_empty())
            .collect()
    }

    fn sources(dir: &Path, into: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).expect("src/auth").flatten() {
            let path = entry.path();
            if path.is_dir() {
                sources(&path, into);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let text = std::fs::read_to_string(&path).expect("readable");
                into.push((path.display().to_string(), text));
            }
        }
    }

    #[test]
    fn the_kernel_uses_nothing_above_it_and_serves_no_route() {
        let mut files = Vec::new();
        sources(
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("src/auth"),
            &mut files,
        );
        assert!(files.len() > 10, "found the kernel's files");
        for (path, text) in &files {
            // This check's own text names what it looks for.
            let text = text
                .split(concat!("mod ", "floor {"))
                .next()
                .unwrap_or(text);
            for used in crate_paths(text) {
                assert!(
                    BELOW.contains(&used.as_str()),
                    "{path} uses crate::{used}, which stands above the kernel"
                );
            }
            assert!(
                !text.contains("super::super"),
                "{path} reaches out by super::super"
            );
            assert!(
                !text.contains(".route("),
                "{path} serves a route: pages go in signin"
            );
        }
        assert_eq!(
            crate_paths("use crate::{a, b::{c, d}, e::f}; x(crate::g::h)"),
            vec!["a", "b", "e", "g"]
        );
    }
}
