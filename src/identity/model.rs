//! The rules of signing in through an organisation's own identity provider, without I/O:
//! what a provider's settings must be, when a provider's sign-in counts as two factors, and
//! whom a provider's person is let in as.

use uuid::Uuid;

use crate::web::FormErrors;

/// A provider as Digikoord keeps it.
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
}

/// A provider's settings as an administrator types them.
#[derive(Clone, Default, serde::Deserialize)]
pub struct ProviderForm {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub issuer_url: String,
    #[serde(default)]
    pub client_id: String,
    /// Empty when editing: the secret kept stays.
    #[serde(default)]
    pub client_secret: String,
    #[serde(default)]
    pub only_way_in: Option<String>,
    #[serde(default)]
    pub active: Option<String>,
}

/// Checked settings; `client_secret` is `None` when an edit keeps the one kept.
#[derive(Clone, PartialEq, Eq)]
pub struct ProviderSettings {
    pub key: String,
    pub display_name: String,
    pub issuer_url: String,
    pub client_id: String,
    pub client_secret: Option<String>,
    pub only_way_in: bool,
    pub active: bool,
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
    Provider: id, key, display_name, issuer_url, client_id, only_way_in, active;
    ProviderForm: key, display_name, issuer_url, client_id, only_way_in, active;
    ProviderSettings: key, display_name, issuer_url, client_id, only_way_in, active;
}

/// Whether `host` is this machine: the only place a provider may be reached without TLS.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

impl ProviderForm {
    /// The settings, or each field's error in Swedish. `new` asks for a client secret.
    pub fn check(&self, new: bool) -> Result<ProviderSettings, FormErrors> {
        let mut errors = FormErrors::default();
        let key = self.key.trim().to_lowercase();
        let key_ok = !key.is_empty()
            && key.len() <= 40
            && key.starts_with(|c: char| c.is_ascii_lowercase() || c.is_ascii_digit())
            && key
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !key_ok {
            errors.add(
                "key",
                "Ange en kort nyckel med små bokstäver a–z, siffror och bindestreck, högst 40 tecken, till exempel ”tillvaxtverket”.",
            );
        }
        let display_name = self.display_name.trim().to_string();
        if display_name.is_empty() || display_name.chars().count() > 100 {
            errors.add(
                "display_name",
                "Ange namnet som visas på knappen, högst 100 tecken, till exempel ”Tillväxtverkets konto”.",
            );
        }
        let issuer_url = self.issuer_url.trim().trim_end_matches('/').to_string();
        match reqwest::Url::parse(&issuer_url) {
            Ok(url)
                if issuer_url.len() <= 500
                    && (url.scheme() == "https"
                        || (url.scheme() == "http"
                            && url.host_str().is_some_and(is_loopback)))
                    && url.query().is_none()
                    && url.fragment().is_none() => {}
            _ => errors.add(
                "issuer_url",
                "Ange utfärdarens adress (issuer) med https://, utan ?-parametrar, till exempel https://login.microsoftonline.com/<tenant>/v2.0.",
            ),
        }
        let client_id = self.client_id.trim().to_string();
        if client_id.is_empty() || client_id.chars().count() > 200 {
            errors.add(
                "client_id",
                "Ange klient-id:t som leverantören gav Digikoord, högst 200 tecken.",
            );
        }
        let secret = self.client_secret.trim().to_string();
        let client_secret = if secret.is_empty() {
            if new {
                errors.add(
                    "client_secret",
                    "Ange klienthemligheten som leverantören gav Digikoord.",
                );
            }
            None
        } else if secret.chars().count() > 500 {
            errors.add(
                "client_secret",
                "Klienthemligheten får vara högst 500 tecken.",
            );
            None
        } else {
            Some(secret)
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(ProviderSettings {
            key,
            display_name,
            issuer_url,
            client_id,
            client_secret,
            only_way_in: self.only_way_in.is_some(),
            active: self.active.is_some(),
        })
    }
}

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
            Refusal::Inactive => "inactive",
            Refusal::LinkedToAnother => "linked_to_another",
        }
    }

    pub fn message(self, provider: &str) -> String {
        match self {
            Refusal::NoVerifiedEmail => format!(
                "Inloggningen via {provider} gav ingen bekräftad e-postadress, så kontot kan inte kopplas till en användare i Digikoord. Kontakta en administratör på Tillväxtverket."
            ),
            Refusal::Unknown => format!(
                "Ditt konto hos {provider} hör inte till någon användare i Digikoord. En administratör på Tillväxtverket lägger upp användare: be om ett konto med samma e-postadress."
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
    /// Linked before, by the provider's subject.
    SignIn(Uuid),
    /// First sign-in: linked now by the verified address to a user an administrator made.
    LinkAndSignIn(Uuid),
    Refuse(Refusal),
}

/// The subject decides when it is linked; never the address alone. Otherwise the first
/// sign-in links by a verified address to an active user not yet linked at this provider.
pub fn decide(
    linked: Option<&Candidate>,
    email_verified: bool,
    by_email: Option<&Candidate>,
) -> Decision {
    match (linked, by_email) {
        (Some(user), _) if user.active => Decision::SignIn(user.user_id),
        (Some(_), _) => Decision::Refuse(Refusal::Inactive),
        (None, _) if !email_verified => Decision::Refuse(Refusal::NoVerifiedEmail),
        (None, Some(user)) if !user.active => Decision::Refuse(Refusal::Unknown),
        (None, Some(user)) if user.linked_elsewhere => Decision::Refuse(Refusal::LinkedToAnother),
        (None, Some(user)) => Decision::LinkAndSignIn(user.user_id),
        (None, None) => Decision::Refuse(Refusal::Unknown),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> ProviderForm {
        ProviderForm {
            key: "tillvaxtverket".into(),
            display_name: "Tillväxtverkets konto".into(),
            issuer_url: "https://login.example.se/tenant/v2.0/".into(),
            client_id: "digikoord".into(),
            client_secret: "hemligt".into(),
            only_way_in: Some("on".into()),
            active: Some("on".into()),
        }
    }

    #[test]
    fn a_providers_settings_are_checked_field_by_field() {
        let settings = form().check(true).expect("valid");
        assert_eq!(settings.issuer_url, "https://login.example.se/tenant/v2.0");
        assert!(settings.only_way_in && settings.active);
        let local = ProviderForm {
            issuer_url: "http://127.0.0.2:4000".into(),
            ..form()
        };
        assert!(local.check(true).is_ok(), "http on this machine, for tests");
        for (field, bad) in [
            (
                "key",
                ProviderForm {
                    key: "Tillväxt verket".into(),
                    ..form()
                },
            ),
            (
                "key",
                ProviderForm {
                    key: "-a".into(),
                    ..form()
                },
            ),
            (
                "display_name",
                ProviderForm {
                    display_name: " ".into(),
                    ..form()
                },
            ),
            (
                "issuer_url",
                ProviderForm {
                    issuer_url: "http://login.example.se".into(),
                    ..form()
                },
            ),
            (
                "issuer_url",
                ProviderForm {
                    issuer_url: "https://x.se/?a=b".into(),
                    ..form()
                },
            ),
            (
                "issuer_url",
                ProviderForm {
                    issuer_url: "inte en adress".into(),
                    ..form()
                },
            ),
            (
                "client_id",
                ProviderForm {
                    client_id: "".into(),
                    ..form()
                },
            ),
            (
                "client_secret",
                ProviderForm {
                    client_secret: "".into(),
                    ..form()
                },
            ),
        ] {
            let errors = bad.check(true).expect_err(field);
            assert!(errors.get(field).is_some(), "{field}: {errors:?}");
        }
        let keep_secret = ProviderForm {
            client_secret: String::new(),
            ..form()
        };
        assert_eq!(keep_secret.check(false).expect("edit").client_secret, None);
    }

    #[test]
    fn the_secret_is_never_in_a_debug_print() {
        let settings = form().check(true).expect("valid");
        for printed in [format!("{:?}", form()), format!("{settings:?}")] {
            assert!(!printed.contains("hemligt"), "{printed}");
            assert!(printed.contains("tillvaxtverket"), "{printed}");
        }
    }

    #[test]
    fn more_than_one_factor_is_what_the_provider_reports() {
        let how = |amr: &[&str], acr: Option<&str>| HowSignedIn {
            amr: amr.iter().map(|s| s.to_string()).collect(),
            acr: acr.map(String::from),
        };
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
    fn the_subject_decides_and_the_address_only_links_the_first_time() {
        let user = |active, linked_elsewhere| Candidate {
            user_id: Uuid::from_u128(7),
            active,
            linked_elsewhere,
        };
        let id = Uuid::from_u128(7);
        assert_eq!(
            decide(Some(&user(true, false)), false, None),
            Decision::SignIn(id)
        );
        assert_eq!(
            decide(Some(&user(false, false)), true, Some(&user(true, false))),
            Decision::Refuse(Refusal::Inactive)
        );
        assert_eq!(
            decide(None, true, Some(&user(true, false))),
            Decision::LinkAndSignIn(id)
        );
        assert_eq!(
            decide(None, false, Some(&user(true, false))),
            Decision::Refuse(Refusal::NoVerifiedEmail),
            "an unverified address links no one"
        );
        assert_eq!(
            decide(None, true, Some(&user(true, true))),
            Decision::Refuse(Refusal::LinkedToAnother)
        );
        assert_eq!(
            decide(None, true, Some(&user(false, false))),
            Decision::Refuse(Refusal::Unknown)
        );
        assert_eq!(decide(None, true, None), Decision::Refuse(Refusal::Unknown));
    }
}
