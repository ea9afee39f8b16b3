//! The rules of signing in through an organisation's own identity provider, without I/O:
//! a provider as Digikoord keeps it, whom it vouches for, and that its secret never reaches
//! a log. Its settings and their checks are in `settings.rs`, the addresses Digikoord may
//! ask in `addresses.rs`, and when its sign-in counts as two factors and whom its person is
//! let in as in `sign_in.rs`; all re-exported here.

use uuid::Uuid;

pub use super::{addresses::*, settings::*, sign_in::*};

/// A provider as Digikoord keeps it. `client_secret` is kept sealed (`secrets`).
#[derive(Clone, sqlx::FromRow)]
pub struct Provider {
    pub id: Uuid,
    pub key: String,
    pub display_name: String,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub only_way_in: bool,
    pub active: bool,
    /// Whom it may sign in: people of these organisations…
    pub organisations: Vec<Uuid>,
    /// …or with an address in these domains;
    pub email_domains: Vec<String>,
    /// and Tillväxtverket's staff only when this is on (Tillväxtverket's own provider).
    pub signs_in_staff: bool,
    /// Whether its report of more than one factor spares Digikoord's own second step.
    pub trusts_mfa: bool,
}

impl Provider {
    /// Where the provider sends the browser back: registered at the provider as it is.
    pub fn redirect_uri(&self, public_url: &str) -> String {
        format!(
            "{}/logga-in/sso/{}/svar",
            public_url.trim_end_matches('/'),
            self.key
        )
    }

    /// What the login page's button says.
    pub fn button(&self) -> String {
        format!("Logga in med {}", self.display_name)
    }

    /// The settings in force, as a change would give them.
    pub fn settings(&self) -> ProviderSettings {
        ProviderSettings {
            key: self.key.clone(),
            display_name: self.display_name.clone(),
            issuer_url: self.issuer_url.clone(),
            client_id: self.client_id.clone(),
            client_secret: None,
            only_way_in: self.only_way_in,
            active: self.active,
            organisations: self.organisations.clone(),
            email_domains: self.email_domains.clone(),
            signs_in_staff: self.signs_in_staff,
            trusts_mfa: self.trusts_mfa,
        }
    }

    /// Whether the provider may vouch for this Digikoord user: the user's organisation or
    /// address domain is on its list, and a staff member only if it signs in staff.
    pub fn vouches_for(&self, user: &Candidate) -> bool {
        let domain = user
            .email
            .rsplit_once('@')
            .map(|(_, d)| d.to_ascii_lowercase())
            .unwrap_or_default();
        let listed = user
            .organisation_id
            .is_some_and(|o| self.organisations.contains(&o))
            || self.email_domains.contains(&domain);
        listed && (!user.staff || self.signs_in_staff)
    }

    /// Whether the provider's report of how the person signed in spares Digikoord's own
    /// second step: only when it is trusted to say so, and says more than one factor.
    pub fn vouches_for_second_factor(&self, how: &HowSignedIn) -> bool {
        self.trusts_mfa && how.multi_factor()
    }
}

/// The client secret never reaches a log: each of these shows it hidden.
macro_rules! debug_without_secret {
    ($($t:ty: $($field:ident),*;)*) => {$(
        impl std::fmt::Debug for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($t))
                    $(.field(stringify!($field), &self.$field))*
                    .field("client_secret", &"<hidden>")
                    .finish()
            }
        }
    )*};
}

debug_without_secret! {
    Provider: id, key, display_name, issuer_url, client_id, only_way_in, active, organisations,
        email_domains, signs_in_staff, trusts_mfa;
    ProviderForm: key, display_name, issuer_url, client_id, only_way_in, active, email_domains,
        signs_in_staff, trusts_mfa;
    ProviderSettings: key, display_name, issuer_url, client_id, only_way_in, active,
        organisations, email_domains, signs_in_staff, trusts_mfa;
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) const SKANE: Uuid = Uuid::from_u128(0x5cae);

    pub(crate) fn how(amr: &[&str], acr: Option<&str>) -> HowSignedIn {
        HowSignedIn {
            amr: amr.iter().map(|s| s.to_string()).collect(),
            acr: acr.map(String::from),
        }
    }

    pub(crate) fn provider(signs_in_staff: bool, trusts_mfa: bool) -> Provider {
        Provider {
            id: Uuid::from_u128(1),
            key: "region-skane".into(),
            display_name: "Region Skåne".into(),
            issuer_url: "https://login.skane.example".into(),
            client_id: "digikoord".into(),
            client_secret: "hemligt".into(),
            only_way_in: false,
            active: true,
            organisations: vec![SKANE],
            email_domains: vec!["skane.example".into()],
            signs_in_staff,
            trusts_mfa,
        }
    }

    pub(crate) fn user(organisation: Option<Uuid>, email: &str, staff: bool) -> Candidate {
        Candidate {
            user_id: Uuid::from_u128(7),
            active: true,
            email: email.into(),
            organisation_id: organisation,
            staff,
            confirmed: true,
            linked_elsewhere: false,
        }
    }

    #[test]
    fn a_provider_vouches_only_for_its_organisations_and_domains_and_staff_only_if_allowed() {
        let region = provider(false, false);
        assert!(region.vouches_for(&user(Some(SKANE), "anna@x.example", false)));
        assert!(region.vouches_for(&user(None, "bo@Skane.example", false)));
        let uppsala = Uuid::from_u128(0x0bb5);
        assert!(!region.vouches_for(&user(Some(uppsala), "cia@uppsala.example", false)));
        assert!(
            !region.vouches_for(&user(None, "admin@skane.example", true)),
            "staff only when it signs in staff"
        );
        assert!(provider(true, false).vouches_for(&user(None, "admin@skane.example", true)));
        // The provider's word on a second factor counts only when trusted.
        assert!(!region.vouches_for_second_factor(&how(&["pwd", "mfa"], None)));
        assert!(provider(false, true).vouches_for_second_factor(&how(&["pwd", "mfa"], None)));
        assert!(!provider(false, true).vouches_for_second_factor(&how(&["pwd"], None)));
    }
}
