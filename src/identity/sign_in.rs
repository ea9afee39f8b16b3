//! A provider's sign-in: when what it reports counts as more than one factor, and whom its
//! person is let in as (the subject decides; a verified address only links, to be confirmed).

use uuid::Uuid;

use super::model::Provider;

/// What the provider said about how the person signed in: RFC 8176's methods (`amr`) and the
/// assurance class (`acr`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HowSignedIn {
    pub amr: Vec<String>,
    pub acr: Option<String>,
}

/// Assurance classes that mean more than one factor: Svensk e-legitimation's levels 3 and 4,
/// eIDAS substantial and high, and the PAPE multi-factor policies.
const MULTI_FACTOR_ACR: [&str; 7] = [
    "http://id.elegnamnden.se/loa/1.0/loa3",
    "http://id.elegnamnden.se/loa/1.0/loa4",
    "http://eidas.europa.eu/LoA/substantial",
    "http://eidas.europa.eu/LoA/high",
    "http://schemas.openid.net/pape/policies/2007/06/multi-factor",
    "http://schemas.openid.net/pape/policies/2007/06/multi-factor-physical",
    "possessionorinherence",
];

impl HowSignedIn {
    /// Whether the provider reports more than one factor: `amr` says `mfa`, or names methods
    /// of two kinds (something known, something had, something one is), or `acr` is a class
    /// that requires it. Then Digikoord's own second step is not asked again.
    pub fn multi_factor(&self) -> bool {
        const KNOWN: [&str; 3] = ["pwd", "pin", "kba"];
        const HAD: [&str; 8] = ["otp", "hwk", "swk", "sms", "tel", "sc", "fido", "pop"];
        const ARE: [&str; 5] = ["fpt", "face", "iris", "retina", "vbm"];
        let has = |kind: &[&str]| self.amr.iter().any(|m| kind.contains(&m.as_str()));
        let kinds = [has(&KNOWN), has(&HAD), has(&ARE)]
            .into_iter()
            .filter(|k| *k)
            .count();
        self.amr.iter().any(|m| m == "mfa")
            || kinds >= 2
            || self
                .acr
                .as_deref()
                .is_some_and(|acr| MULTI_FACTOR_ACR.contains(&acr))
    }
}

/// A Digikoord user a provider's person may be let in as.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Candidate {
    pub user_id: Uuid,
    pub active: bool,
    pub email: String,
    pub organisation_id: Option<Uuid>,
    /// Tillväxtverket's staff (a role other than coordinator).
    pub staff: bool,
    /// For a linked user: whether the link is confirmed (or still waits).
    pub confirmed: bool,
    /// Already linked to another subject at the same provider.
    pub linked_elsewhere: bool,
}

/// Why a provider's person is not let in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No link, and the provider gave no verified e-mail address to link by.
    NoVerifiedEmail,
    /// No active Digikoord user has that address: an administrator must create one first.
    Unknown,
    /// The provider may not sign in this user (not one of its organisations or domains, or
    /// staff and it does not sign in staff). Said as `Unknown` to someone not yet linked.
    NotVouched,
    /// The linked user is no longer active.
    Inactive,
    /// The user with that address is already linked to another account at the provider.
    LinkedToAnother,
}

impl Refusal {
    pub fn key(self) -> &'static str {
        match self {
            Refusal::NoVerifiedEmail => "no_verified_email",
            Refusal::Unknown => "unknown",
            Refusal::NotVouched => "not_vouched",
            Refusal::Inactive => "inactive",
            Refusal::LinkedToAnother => "linked_to_another",
        }
    }

    pub fn message(self, provider: &str) -> String {
        match self {
            Refusal::NoVerifiedEmail => format!(
                "Inloggningen via {provider} gav ingen bekräftad e-postadress, så kontot kan inte kopplas till en användare i Digikoord. Kontakta en administratör på Tillväxtverket."
            ),
            // Whether an account exists is not told to whoever a provider sends.
            Refusal::Unknown | Refusal::NotVouched => format!(
                "Ditt konto hos {provider} kan inte användas för att logga in i Digikoord. En administratör på Tillväxtverket lägger upp användare och bestämmer vilka organisationer varje inloggning gäller för."
            ),
            Refusal::Inactive => "Ditt konto i Digikoord är inaktiverat. Kontakta en administratör på Tillväxtverket.".to_string(),
            Refusal::LinkedToAnother => format!(
                "Användaren med den e-postadressen är redan kopplad till ett annat konto hos {provider}. Be en administratör ta bort den gamla kopplingen."
            ),
        }
    }
}

/// Whom a provider's person is let in as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Linked and confirmed, by the provider's subject.
    SignIn(Uuid),
    /// Linked by the verified address to a user an administrator made, but not yet
    /// confirmed: the person confirms with their Digikoord password and code (or an
    /// administrator does) before the provider signs them in.
    Confirm(Uuid),
    Refuse(Refusal),
}

/// The subject decides when it is linked; never the address alone. The provider must vouch
/// for the user (its organisations and domains, staff only if allowed) every time. A first
/// sign-in by a verified address links an active user not yet linked at this provider, to
/// be confirmed.
pub fn decide(
    provider: &Provider,
    linked: Option<&Candidate>,
    email_verified: bool,
    by_email: Option<&Candidate>,
) -> Decision {
    match (linked, by_email) {
        (Some(user), _) if !user.active => Decision::Refuse(Refusal::Inactive),
        (Some(user), _) if !provider.vouches_for(user) => Decision::Refuse(Refusal::NotVouched),
        (Some(user), _) if user.confirmed => Decision::SignIn(user.user_id),
        (Some(user), _) => Decision::Confirm(user.user_id),
        (None, _) if !email_verified => Decision::Refuse(Refusal::NoVerifiedEmail),
        (None, Some(user)) if !user.active => Decision::Refuse(Refusal::Unknown),
        (None, Some(user)) if !provider.vouches_for(user) => Decision::Refuse(Refusal::NotVouched),
        (None, Some(user)) if user.linked_elsewhere => Decision::Refuse(Refusal::LinkedToAnother),
        (None, Some(user)) => Decision::Confirm(user.user_id),
        (None, None) => Decision::Refuse(Refusal::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::model::tests::{SKANE, how, provider, user};

    #[test]
    fn more_than_one_factor_is_what_the_provider_reports() {
        assert!(how(&["pwd", "mfa"], None).multi_factor());
        assert!(how(&["pwd", "otp"], None).multi_factor());
        assert!(how(&["hwk", "face"], None).multi_factor());
        assert!(how(&[], Some("http://id.elegnamnden.se/loa/1.0/loa3")).multi_factor());
        assert!(!how(&["pwd"], None).multi_factor());
        assert!(
            !how(&["pwd", "kba"], None).multi_factor(),
            "two things known"
        );
        assert!(!how(&[], None).multi_factor());
        assert!(!how(&["pwd"], Some("http://id.elegnamnden.se/loa/1.0/loa2")).multi_factor());
    }

    #[test]
    fn the_subject_decides_and_the_address_only_links_the_first_time_to_be_confirmed() {
        let region = provider(false, false);
        let id = Uuid::from_u128(7);
        let anna = user(Some(SKANE), "anna@x.example", false);
        assert_eq!(
            decide(&region, Some(&anna), false, None),
            Decision::SignIn(id)
        );
        let waiting = Candidate {
            confirmed: false,
            ..anna.clone()
        };
        assert_eq!(
            decide(&region, Some(&waiting), true, None),
            Decision::Confirm(id)
        );
        let inactive = Candidate {
            active: false,
            ..anna.clone()
        };
        assert_eq!(
            decide(&region, Some(&inactive), true, Some(&anna)),
            Decision::Refuse(Refusal::Inactive)
        );
        assert_eq!(
            decide(&region, None, true, Some(&anna)),
            Decision::Confirm(id),
            "never signed in by the address alone"
        );
        assert_eq!(
            decide(&region, None, false, Some(&anna)),
            Decision::Refuse(Refusal::NoVerifiedEmail),
            "an unverified address links no one"
        );
        let linked = Candidate {
            linked_elsewhere: true,
            ..anna.clone()
        };
        assert_eq!(
            decide(&region, None, true, Some(&linked)),
            Decision::Refuse(Refusal::LinkedToAnother)
        );
        assert_eq!(
            decide(&region, None, true, Some(&inactive)),
            Decision::Refuse(Refusal::Unknown)
        );
        assert_eq!(
            decide(&region, None, true, None),
            Decision::Refuse(Refusal::Unknown)
        );
        // A region's provider asserting a Tillväxtverket administrator's address, or another
        // region's coordinator's: refused, linked or not.
        let admin = user(None, "admin@tillvaxtverket.se", true);
        let other = user(Some(Uuid::from_u128(0x0bb5)), "cia@uppsala.example", false);
        for victim in [&admin, &other] {
            assert_eq!(
                decide(&region, None, true, Some(victim)),
                Decision::Refuse(Refusal::NotVouched)
            );
            assert_eq!(
                decide(&region, Some(victim), true, None),
                Decision::Refuse(Refusal::NotVouched)
            );
        }
        assert_eq!(
            Refusal::NotVouched.message("X"),
            Refusal::Unknown.message("X"),
            "whether an account exists is not told"
        );
    }
}
