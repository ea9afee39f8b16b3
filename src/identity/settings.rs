//! A provider's settings: as an administrator types them or the operator names them in the
//! environment (`OIDC_PROVIDERS`), and what they must be.

use uuid::Uuid;

use super::addresses::reachable;
use crate::web::FormErrors;

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

impl EnvironmentProvider {
    /// The provider the variables name, checked as an administrator's form would be; the
    /// error names each variable that is wrong, and why. Its organisations are named here
    /// and found at start (`keep_from_environment`): their list can't be checked yet.
    pub fn check(named: &crate::config::ProviderVariables) -> Result<EnvironmentProvider, String> {
        let on = |on: bool| on.then(|| "on".to_string());
        let form = ProviderForm {
            key: named.key.clone(),
            display_name: named.name.clone(),
            issuer_url: named.issuer.clone(),
            client_id: named.client_id.clone(),
            client_secret: named.client_secret.clone(),
            only_way_in: on(named.only_way_in),
            active: Some("on".to_string()),
            email_domains: named.domains.clone(),
            signs_in_staff: on(named.staff),
            trusts_mfa: on(named.trust_mfa),
            rest: Default::default(),
        };
        let settings = match form.check(true, &[], named.allow_local) {
            Err(errors)
                if !named.organisations.is_empty()
                    && errors.iter().all(|(field, _)| *field == "organisations") =>
            {
                let mut form = form;
                form.email_domains = "organisationer.invalid".into();
                form.check(true, &[], named.allow_local).map(|mut s| {
                    s.email_domains.clear();
                    s
                })
            }
            checked => checked,
        };
        let prefix = &named.prefix;
        let settings = settings.map_err(|errors| {
            let said: Vec<String> = errors
                .iter()
                .map(|(field, message)| {
                    let name = match *field {
                        "key" => return format!("OIDC_PROVIDERS: {message}"),
                        "display_name" => "NAME".to_string(),
                        "issuer_url" => "ISSUER".to_string(),
                        "email_domains" => "DOMAINS".to_string(),
                        other => other.to_ascii_uppercase(),
                    };
                    format!("{prefix}{name}: {message}")
                })
                .collect();
            said.join("; ")
        })?;
        Ok(EnvironmentProvider {
            settings,
            organisations: named.organisations.clone(),
            variable: format!("{prefix}ORGANISATIONS"),
        })
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::model::tests::SKANE;

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
    fn the_secret_is_never_in_a_debug_print() {
        let settings = check(&form()).expect("valid");
        for printed in [format!("{:?}", form()), format!("{settings:?}")] {
            assert!(!printed.contains("hemligt"), "{printed}");
            assert!(printed.contains("tillvaxtverket"), "{printed}");
        }
    }

    #[test]
    fn identity_providers_come_from_the_environment_checked_as_the_form_checks_them() {
        let checked = |extra: &'static [(&'static str, &'static str)]| {
            let config = crate::Config::from_lookup(crate::config::tests::lookup(extra))
                .expect("valid variables");
            config
                .identity_providers
                .iter()
                .map(EnvironmentProvider::check)
                .collect::<Result<Vec<_>, String>>()
        };
        let providers = checked(&[]).expect("valid");
        let keys: Vec<(&str, bool, bool, bool)> = providers
            .iter()
            .map(|p| {
                let s = &p.settings;
                (
                    s.key.as_str(),
                    s.only_way_in,
                    s.signs_in_staff,
                    s.trusts_mfa,
                )
            })
            .collect();
        assert_eq!(
            keys,
            vec![
                ("tillvaxtverket", true, true, true),
                ("region-skane", false, false, false)
            ]
        );
        assert_eq!(
            providers[1].organisations,
            vec!["Region Skåne", "Region Blekinge"]
        );
        assert_eq!(
            providers[0].settings.email_domains,
            vec!["tillvaxtverket.se"]
        );
        assert!(providers[1].settings.email_domains.is_empty());
        assert!(
            !format!("{providers:?}").contains("hemligt"),
            "the secret stays out of logs"
        );
        let e = checked(&[("OIDC_REGION_SKANE_ORGANISATIONS", " ")]).expect_err("whom it signs in");
        assert!(e.contains("OIDC_REGION_SKANE_ORGANISATIONS"), "{e}");
        let e = checked(&[("OIDC_REGION_SKANE_ISSUER", "https://10.1.1.1/realms/x")])
            .expect_err("inside a network");
        assert!(e.contains("OIDC_REGION_SKANE_ISSUER"), "{e}");
        let e =
            checked(&[("OIDC_REGION_SKANE_ISSUER", "http://idp.skane.example")]).expect_err("http");
        assert!(e.contains("OIDC_REGION_SKANE_ISSUER"), "{e}");
        let e = checked(&[("OIDC_REGION_SKANE_CLIENT_SECRET", " ")]).expect_err("no secret");
        assert!(e.contains("OIDC_REGION_SKANE_CLIENT_SECRET"), "{e}");
    }
}
