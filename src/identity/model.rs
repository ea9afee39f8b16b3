//! The rules of signing in through an organisation's own identity provider, without I/O:
//! what a provider's settings must be, when a provider's sign-in counts as two factors, and
//! whom a provider's person is let in as.

use uuid::Uuid;

use crate::web::FormErrors;

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
    /// The e-mail domains it signs in, separated by commas, spaces or lines.
    #[serde(default)]
    pub email_domains: String,
    #[serde(default)]
    pub signs_in_staff: Option<String>,
    #[serde(default)]
    pub trusts_mfa: Option<String>,
    /// The organisations it signs in: a checkbox each, `org-<uuid>` (a form's repeated keys
    /// don't deserialize into a list).
    #[serde(flatten)]
    pub rest: std::collections::BTreeMap<String, String>,
}

impl ProviderForm {
    /// The organisations ticked.
    pub fn organisations(&self) -> Vec<String> {
        self.rest
            .keys()
            .filter_map(|k| k.strip_prefix("org-"))
            .map(str::to_string)
            .collect()
    }

    /// Whether the organisation's box is ticked.
    pub fn has_organisation(&self, id: &Uuid) -> bool {
        self.rest.contains_key(&format!("org-{id}"))
    }

    /// The form showing these settings (the secret is never shown).
    pub fn of(settings: &ProviderSettings) -> ProviderForm {
        let on = |b: bool| b.then(|| "on".to_string());
        ProviderForm {
            key: settings.key.clone(),
            display_name: settings.display_name.clone(),
            issuer_url: settings.issuer_url.clone(),
            client_id: settings.client_id.clone(),
            client_secret: String::new(),
            only_way_in: on(settings.only_way_in),
            active: on(settings.active),
            email_domains: settings.email_domains.join(", "),
            signs_in_staff: on(settings.signs_in_staff),
            trusts_mfa: on(settings.trusts_mfa),
            rest: settings
                .organisations
                .iter()
                .map(|o| (format!("org-{o}"), "on".to_string()))
                .collect(),
        }
    }
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
    pub organisations: Vec<Uuid>,
    pub email_domains: Vec<String>,
    pub signs_in_staff: bool,
    pub trusts_mfa: bool,
}

/// A provider the operator names in the environment (`OIDC_PROVIDERS`): its settings, and
/// its organisations by name, found at start.
#[derive(Clone, Debug)]
pub struct EnvironmentProvider {
    pub settings: ProviderSettings,
    pub organisations: Vec<String>,
    /// Where the names come from, for the message when one is not found.
    pub variable: String,
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

/// Whether an address is one a server on the internet has: not this machine, a private
/// network, a link-local or shared one, nor any other reserved for special use. A provider
/// on such an address would let whoever configures one make Digikoord ask inside its own
/// network (server-side request forgery).
pub fn is_public(ip: std::net::IpAddr) -> bool {
    use std::net::IpAddr;
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.is_multicast()
                || a == 0
                || (a == 100 && (64..128).contains(&b))
                || (a == 192 && b == 0)
                || (a == 198 && (18..20).contains(&b))
                || a >= 240)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && v6.segments()[1] == 0x0db8
                || first == 0x0064 && v6.segments()[1] == 0xff9b)
        }
    }
}

/// Whether `host` (a URL's) is this machine.
fn is_loopback(host: &str) -> bool {
    host == "localhost"
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Whether Digikoord may ask this address of a provider (its issuer, or an endpoint its
/// discovery names): https to a name or a public address. With `allow_local` (tests and
/// development: `OIDC_ALLOW_LOCAL`) also http to this machine. Names are checked again when
/// they are looked up (`oidc`: no private address is connected to).
pub fn reachable(url: &reqwest::Url, allow_local: bool) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let ip = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .parse::<std::net::IpAddr>()
        .ok();
    let local = is_loopback(host) || ip.is_some_and(|ip| !is_public(ip));
    match url.scheme() {
        "https" => !local || allow_local,
        "http" => allow_local && is_loopback(host),
        _ => false,
    }
}

/// An e-mail domain as a provider's list takes it: `regionskane.se`.
fn parse_domain(input: &str) -> Option<String> {
    let domain = input.trim().trim_start_matches('@').to_ascii_lowercase();
    let ok = domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        });
    ok.then_some(domain)
}

impl ProviderForm {
    /// The settings, or each field's error in Swedish. `new` asks for a client secret;
    /// `known` are the organisations there are; `allow_local` lets an issuer be this machine
    /// over http (tests and development only).
    pub fn check(
        &self,
        new: bool,
        known: &[Uuid],
        allow_local: bool,
    ) -> Result<ProviderSettings, FormErrors> {
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
                    && reachable(&url, allow_local)
                    && url.username().is_empty()
                    && url.query().is_none()
                    && url.fragment().is_none() => {}
            _ => errors.add(
                "issuer_url",
                "Ange utfärdarens adress (issuer) med https://, utan ?-parametrar, till exempel https://login.microsoftonline.com/<tenant>/v2.0. Adresser i interna nät (till exempel 10.x, 192.168.x eller den här datorn) tas inte emot.",
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
        let mut email_domains = Vec::new();
        let mut bad_domains = Vec::new();
        for word in self
            .email_domains
            .split(|c: char| c == ',' || c == ';' || c.is_whitespace())
            .filter(|w| !w.trim().is_empty())
        {
            match parse_domain(word) {
                Some(d) if !email_domains.contains(&d) => email_domains.push(d),
                Some(_) => {}
                None => bad_domains.push(word.trim().chars().take(60).collect::<String>()),
            }
        }
        if !bad_domains.is_empty() || email_domains.len() > 50 {
            errors.add(
                "email_domains",
                format!(
                    "Ange domäner som regionskane.se, åtskilda med kommatecken, högst 50.{}",
                    if bad_domains.is_empty() {
                        String::new()
                    } else {
                        format!(" Inte en domän: {}.", bad_domains.join(", "))
                    }
                ),
            );
        }
        let mut organisations = Vec::new();
        for id in self.organisations() {
            match Uuid::parse_str(&id) {
                Ok(id) if known.contains(&id) => organisations.push(id),
                _ => errors.add("organisations", "Välj organisationerna i listan."),
            }
        }
        let signs_in_staff = self.signs_in_staff.is_some();
        if organisations.is_empty()
            && email_domains.is_empty()
            && errors.get("email_domains").is_none()
        {
            errors.add(
                "organisations",
                "Välj vilka organisationer leverantören loggar in, eller ange e-postdomäner: en leverantör går inte i god för vem som helst.",
            );
        }
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
            organisations,
            email_domains,
            signs_in_staff,
            trusts_mfa: self.trusts_mfa.is_some(),
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

    const SKANE: Uuid = Uuid::from_u128(0x5cae);

    fn form() -> ProviderForm {
        ProviderForm {
            key: "tillvaxtverket".into(),
            display_name: "Tillväxtverkets konto".into(),
            issuer_url: "https://login.example.se/tenant/v2.0/".into(),
            client_id: "digikoord".into(),
            client_secret: "hemligt".into(),
            only_way_in: Some("on".into()),
            active: Some("on".into()),
            email_domains: "Tillvaxtverket.se, @tillvaxtverket.example".into(),
            signs_in_staff: Some("on".into()),
            trusts_mfa: None,
            rest: [(format!("org-{SKANE}"), "on".to_string())].into(),
        }
    }

    fn check(form: &ProviderForm) -> Result<ProviderSettings, FormErrors> {
        form.check(true, &[SKANE], false)
    }

    #[test]
    fn a_providers_settings_are_checked_field_by_field() {
        let settings = check(&form()).expect("valid");
        assert_eq!(settings.issuer_url, "https://login.example.se/tenant/v2.0");
        assert!(settings.only_way_in && settings.active && settings.signs_in_staff);
        assert!(!settings.trusts_mfa, "off unless ticked");
        assert_eq!(
            settings.email_domains,
            vec!["tillvaxtverket.se", "tillvaxtverket.example"]
        );
        assert_eq!(settings.organisations, vec![SKANE]);
        let local = ProviderForm {
            issuer_url: "http://127.0.0.2:4000".into(),
            ..form()
        };
        assert!(check(&local).is_err(), "this machine only when allowed");
        assert!(
            local.check(true, &[SKANE], true).is_ok(),
            "http on this machine, for tests"
        );
        for (field, bad) in [
            ("key", "Tillväxt verket"),
            ("key", "-a"),
            ("display_name", " "),
            ("issuer_url", "http://login.example.se"),
            ("issuer_url", "https://x.se/?a=b"),
            ("issuer_url", "inte en adress"),
            ("issuer_url", "https://10.0.0.5/realms/x"),
            ("issuer_url", "https://192.168.1.1"),
            ("issuer_url", "https://169.254.169.254/latest"),
            ("issuer_url", "https://[fd00::1]/"),
            ("issuer_url", "https://localhost/"),
            ("issuer_url", "https://user:pw@login.example.se/"),
            ("client_id", ""),
            ("client_secret", ""),
            ("email_domains", "inte en domän!"),
        ] {
            let mut f = form();
            match field {
                "key" => f.key = bad.into(),
                "display_name" => f.display_name = bad.into(),
                "issuer_url" => f.issuer_url = bad.into(),
                "client_id" => f.client_id = bad.into(),
                "client_secret" => f.client_secret = bad.into(),
                _ => f.email_domains = bad.into(),
            }
            let errors = check(&f).expect_err(bad);
            assert!(errors.get(field).is_some(), "{field} {bad}: {errors:?}");
        }
        // A provider vouches for somebody: an organisation or a domain must be listed, and
        // only organisations there are.
        let nobody = ProviderForm {
            email_domains: String::new(),
            rest: Default::default(),
            ..form()
        };
        assert!(
            check(&nobody)
                .expect_err("no one")
                .get("organisations")
                .is_some()
        );
        let unknown = ProviderForm {
            rest: [(format!("org-{}", Uuid::from_u128(1)), "on".to_string())].into(),
            ..form()
        };
        assert!(
            check(&unknown)
                .expect_err("unknown")
                .get("organisations")
                .is_some()
        );
        let keep_secret = ProviderForm {
            client_secret: String::new(),
            ..form()
        };
        assert_eq!(
            keep_secret
                .check(false, &[SKANE], false)
                .expect("edit")
                .client_secret,
            None
        );
        // The form shows what is kept, without the secret.
        let shown = ProviderForm::of(&settings);
        assert!(shown.has_organisation(&SKANE) && shown.client_secret.is_empty());
        assert_eq!(
            shown.email_domains,
            "tillvaxtverket.se, tillvaxtverket.example"
        );
    }

    #[test]
    fn addresses_inside_a_network_are_not_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.0.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fc00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(!is_public(private.parse().expect("ip")), "{private}");
        }
        for public in ["193.10.0.1", "8.8.8.8", "2001:6b0::1"] {
            assert!(is_public(public.parse().expect("ip")), "{public}");
        }
        let url = |u: &str| reqwest::Url::parse(u).expect("url");
        assert!(reachable(&url("https://login.example.se/x"), false));
        assert!(!reachable(&url("http://login.example.se/x"), false));
        assert!(!reachable(&url("http://login.example.se/x"), true));
        assert!(reachable(&url("http://127.0.0.2:4000/x"), true));
        assert!(!reachable(&url("ftp://login.example.se/x"), true));
    }

    #[test]
    fn the_secret_is_never_in_a_debug_print() {
        let settings = check(&form()).expect("valid");
        for printed in [format!("{:?}", form()), format!("{settings:?}")] {
            assert!(!printed.contains("hemligt"), "{printed}");
            assert!(printed.contains("tillvaxtverket"), "{printed}");
        }
    }

    fn how(amr: &[&str], acr: Option<&str>) -> HowSignedIn {
        HowSignedIn {
            amr: amr.iter().map(|s| s.to_string()).collect(),
            acr: acr.map(String::from),
        }
    }

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

    fn provider(signs_in_staff: bool, trusts_mfa: bool) -> Provider {
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

    fn user(organisation: Option<Uuid>, email: &str, staff: bool) -> Candidate {
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
