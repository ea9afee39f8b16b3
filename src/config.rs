//! Typed configuration from the environment, checked once at start-up.
//!
//! Invalid values stop the start with a message naming the variable. Every setting:
//!
//! | variable | default | meaning |
//! | --- | --- | --- |
//! | `LISTEN_ADDR` | `127.0.0.1:3000` | address and port to serve on |
//! | `DATABASE_URL` | unset | `postgres://…`; unset: start a private PostgreSQL under `DATA_DIR` |
//! | `DATABASE_OWNER_URL` | `DATABASE_URL` | the schema's owner, for migrations, backup and restore; set it, and give `DATABASE_URL` the server's own login (`crate::db`) |
//! | `SECRETS_KEY` | required with `DATABASE_URL`; the private cluster keeps one in `DATA_DIR/secrets.key` | 64 hex digits (`digikoord secrets new-key`): seals the secrets kept in the database. Keep it outside the database and its backups (a secret store, the orchestrator's secrets); without it the sealed secrets can't be opened |
//! | `SECRETS_KEY_OLD` | unset | during a key rotation, the key being replaced: still opened with, never sealed with |
//! | `DATA_DIR` | `./data` | where the private cluster lives (`data/postgres`, its password, port and log) |
//! | `DEMO` | on with the private database, off otherwise | load the demo users and cases; off deactivates demo users left from before |
//! | `COOKIE_SECURE` | on when `PUBLIC_URL` is https | mark cookies `Secure` (and name them `__Host-…`); needed whenever served over https |
//! | `PUBLIC_URL` | `http://localhost:<port>` | the address people use; set-password links and calendar links are built from it; https also turns on HSTS |
//! | `TRUSTED_PROXIES` | none | our reverse proxies, as addresses or CIDR blocks (`10.0.0.0/8,192.0.2.1`): only when the connecting peer is one of them is the client taken from `X-Forwarded-For` (the right-most address that is not a proxy) |
//! | `REPAYMENT_BANKGIRO` | required outside the demo; the demo shows Bankgirot's example number `5050-1055`, marked as the demo's | Tillväxtverket's bankgiro the regions repay unused funds to. Without it (and `DEMO` off) the server refuses to start, naming it |
//! | `SMTP_URL` | unset | where mail is delivered: `smtps://user:pass@host:465` (TLS from the start), `smtp://user:pass@host:587?tls=required` (STARTTLS) or `smtp://host:25` (no TLS, a relay on the same network); unset: mail is queued, shown in the app and written to the log, never sent |
//! | `MAIL_FROM` | `Digikoord <digikoord@localhost>` | the sender of every mail; required with `SMTP_URL` |
//! | `OIDC_PROVIDERS` | none | identity providers kept from the environment, by key (`tillvaxtverket,region-skane`); for each, `OIDC_<KEY>_ISSUER`, `OIDC_<KEY>_CLIENT_ID`, `OIDC_<KEY>_CLIENT_SECRET`, `OIDC_<KEY>_NAME` (the button's name), whom it signs in: `OIDC_<KEY>_ORGANISATIONS` (names, `;` between) and/or `OIDC_<KEY>_DOMAINS` (e-mail domains), `OIDC_<KEY>_STAFF` (may sign in staff), `OIDC_<KEY>_TRUST_MFA` (its multi-factor claim spares Digikoord's code) and `OIDC_<KEY>_ONLY_WAY_IN` (all default false), the key upper-cased with `-` as `_`; saved over the same key at each start as the operator's (`crate::identity`) |
//! | `OIDC_ALLOW_LOCAL` | off | tests and development only: a provider may be this machine over http, or on a private address |
//! | `SOFFICE` | found on `PATH` or in `/usr/lib/libreoffice/program` | LibreOffice's `soffice`, which makes the PDF/A exports (Debian: `libreoffice-writer-nogui`) |
//! | `ACCESSIBILITY_CONTACT` | `digikoord@tillvaxtverket.se` | the address the accessibility statement (`/tillganglighet`) gives for reporting a problem |
//! | `EXPORT_SLOTS` | `2` | how many heavy jobs (a whole year's export, a document to Kammarkollegiet, a PDF/A conversion) run at once; each holds one of the server's 10 database connections, the pages keep the rest (`crate::heavy`) |
//! | `EXPORT_QUEUE` | `100` | how many more may wait for a turn (each at most 20 s; a place in line holds no data, only a turn reads the year); beyond that the answer is "try again in a moment" at once |
//! | `BENCH_CEILING` | off | serve `/bench/ceiling`, the benchmark's yardstick page (`crate::bench`); only the benchmark turns it on |
//! | `LOG_FORMAT` | `text` | `text` or `json` |
//! | `RUST_LOG` | `info,sqlx=warn` | log filter |
//!
//! **Demo data only where it is safe.** The demo users share a published password (and the
//! staff a published TOTP key) and are marked `users.demo`. A server that would serve them
//! on a non-loopback address or behind an https `PUBLIC_URL` refuses to start, in one line
//! naming `DEMO`, unless `DEMO=true` is set outright. Starting with `DEMO` off deactivates
//! them and ends their sessions (recorded in the audit log).

use std::{fmt, net::SocketAddr, path::PathBuf};

#[derive(Clone)]
pub struct Config {
    /// `LISTEN_ADDR`, default `127.0.0.1:3000`.
    pub listen_addr: SocketAddr,
    /// `DATABASE_URL`; unset means: start a private PostgreSQL under `data_dir`.
    pub database_url: Option<String>,
    /// `DATABASE_OWNER_URL`: the schema's owner, for migrations, backup and restore.
    /// Unset: `DATABASE_URL` is used for those too. The server itself always runs as the
    /// role `digikoord_app`.
    pub database_owner_url: Option<String>,
    /// `DATA_DIR`, default `./data`: where the private PostgreSQL lives.
    pub data_dir: PathBuf,
    /// `COOKIE_SECURE`: mark cookies `Secure` (required when served over https).
    /// Default: on when `PUBLIC_URL` is https.
    pub cookie_secure: bool,
    /// `LOG_FORMAT`: `text` (default) or `json`.
    pub log_format: LogFormat,
    /// `DEMO`: load demo users. Default: on with the private database, off otherwise.
    pub demo: bool,
    /// Whether `DEMO=true` was said outright (needed to serve demo accounts publicly).
    pub demo_explicit: bool,
    /// `PUBLIC_URL`: the address people use, for links shown on screen.
    pub public_url: String,
    /// `REPAYMENT_BANKGIRO`: Tillväxtverket's bankgiro that regions repay unused funds to.
    /// Required to serve outside the demo (`start_refusal`); the demo has its own.
    pub repayment_bankgiro: RepaymentBankgiro,
    /// `TRUSTED_PROXIES`: our reverse proxies (addresses or CIDR blocks, comma-separated),
    /// whose `X-Forwarded-For` names the client. Default: none, the peer is the client.
    pub trusted_proxies: Vec<crate::auth::client_ip::Network>,
    /// `SMTP_URL`, e.g. `smtps://user:pass@host:465` or `smtp://host:25`: where mail is
    /// delivered. Unset: mail is still queued and shown in the app, and written to the log.
    pub smtp_url: Option<String>,
    /// `MAIL_FROM`, e.g. `Digikoord <digikoord@tillvaxtverket.se>`: the sender of every mail.
    /// Required with `SMTP_URL`.
    pub mail_from: String,
    /// `BENCH_CEILING`: serve `/bench/ceiling`, the benchmark's yardstick (one session
    /// lookup, one query, one template). Default off; the benchmark turns it on.
    pub bench_ceiling: bool,
    /// `EXPORT_SLOTS`, default 2 (1–8): heavy work at once (`crate::heavy`).
    pub export_slots: usize,
    /// `EXPORT_QUEUE`, default 100 (0–1000): heavy work that may wait for a turn.
    pub export_queue: usize,
    /// Where people report accessibility problems (the accessibility statement's address).
    pub accessibility_contact: String,
    /// `OIDC_PROVIDERS`, e.g. `tillvaxtverket,region-skane`: identity providers kept from the
    /// environment, each by `OIDC_<KEY>_ISSUER`, `_CLIENT_ID`, `_CLIENT_SECRET`, `_NAME`,
    /// `_ONLY_WAY_IN`, and whom it signs in: `_ORGANISATIONS` (names, `;` between),
    /// `_DOMAINS`, `_STAFF`, and `_TRUST_MFA` (the key upper-cased, `-` as `_`). Saved over
    /// the same key at each start.
    pub identity_providers: Vec<ProviderVariables>,
    /// `OIDC_ALLOW_LOCAL`: let a provider be this machine over http, and its addresses be
    /// inside a private network (tests and development only). Default off: an issuer or an
    /// endpoint on a loopback, private or link-local address is refused, and every endpoint
    /// must be https.
    pub oidc_allow_local: bool,
    /// `SOFFICE`: LibreOffice's `soffice`, which makes the PDF/A exports. Unset: found on
    /// `PATH` or in `/usr/lib/libreoffice/program` (Debian's `libreoffice-writer-nogui`).
    pub soffice: Option<PathBuf>,
    /// `SECRETS_KEY` (64 hex digits) seals the secrets kept in the database; during a
    /// rotation `SECRETS_KEY_OLD` opens what the previous key sealed. Required with
    /// `DATABASE_URL`; the private cluster keeps one under `DATA_DIR` (`serve`).
    pub sealer: Option<crate::secrets::Sealer>,
}

/// Bankgirot's own example number, which the demo's regions also give as theirs: the
/// demo's bankgiro for repayments, never a real account of Tillväxtverket's.
pub const DEMO_REPAYMENT_BANKGIRO: &str = "5050-1055";

/// The bankgiro the regions repay to, as the settings give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RepaymentBankgiro {
    /// `REPAYMENT_BANKGIRO`, in its usual form (`1234-5678`).
    Set(String),
    /// Unset, with the demo: the demo's own number (`DEMO_REPAYMENT_BANKGIRO`), shown as
    /// the demo's.
    Demo,
    /// Unset outside the demo: the server refuses to start (`Config::start_refusal`); the
    /// other commands need no bankgiro.
    Missing,
}

impl RepaymentBankgiro {
    pub fn number(&self) -> Option<&str> {
        match self {
            RepaymentBankgiro::Set(n) => Some(n),
            RepaymentBankgiro::Demo => Some(DEMO_REPAYMENT_BANKGIRO),
            RepaymentBankgiro::Missing => None,
        }
    }

    pub fn is_demo(&self) -> bool {
        *self == RepaymentBankgiro::Demo
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug)]
pub struct ConfigError(pub String);

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok().filter(|v| !v.trim().is_empty()))
    }

    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let listen_addr = match get("LISTEN_ADDR") {
            Some(v) => v.trim().parse().map_err(|_| {
                ConfigError(format!(
                    "LISTEN_ADDR must be host:port, e.g. 127.0.0.1:3000 (got {v:?})"
                ))
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 3000)),
        };
        let database_url = get("DATABASE_URL");
        let database_owner_url = get("DATABASE_OWNER_URL");
        for (key, url) in [
            ("DATABASE_URL", &database_url),
            ("DATABASE_OWNER_URL", &database_owner_url),
        ] {
            if let Some(url) = url
                && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
            {
                return Err(ConfigError(format!("{key} must start with postgres://")));
            }
        }
        if database_owner_url.is_some() && database_url.is_none() {
            return Err(ConfigError(
                "DATABASE_OWNER_URL needs DATABASE_URL too".into(),
            ));
        }
        let https = get("PUBLIC_URL").is_some_and(|u| u.trim().starts_with("https://"));
        let cookie_secure = parse_bool(&get, "COOKIE_SECURE", https)?;
        let log_format = match get("LOG_FORMAT").as_deref().map(str::trim) {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError(format!(
                    "LOG_FORMAT must be text or json (got {other:?})"
                )));
            }
        };
        let demo_explicit = get("DEMO").is_some() && parse_bool(&get, "DEMO", false)?;
        let demo = parse_bool(&get, "DEMO", database_url.is_none())?;
        let public_url = get("PUBLIC_URL")
            .unwrap_or_else(|| format!("http://localhost:{}", listen_addr.port()))
            .trim_end_matches('/')
            .to_string();
        if !(public_url.starts_with("http://") || public_url.starts_with("https://")) {
            return Err(ConfigError(
                "PUBLIC_URL must start with http:// or https://".into(),
            ));
        }
        let repayment_bankgiro = match get("REPAYMENT_BANKGIRO") {
            Some(number) => RepaymentBankgiro::Set(
                crate::giro::PaymentMethod::Bankgiro
                    .parse_account(&number)
                    .map_err(|e| ConfigError(format!("REPAYMENT_BANKGIRO: {e}")))?,
            ),
            None if demo => RepaymentBankgiro::Demo,
            None => RepaymentBankgiro::Missing,
        };
        let trusted_proxies =
            crate::auth::client_ip::parse_networks(&get("TRUSTED_PROXIES").unwrap_or_default())
                .map_err(|e| ConfigError(format!("TRUSTED_PROXIES: {e}")))?;
        let smtp_url = get("SMTP_URL").map(|u| u.trim().to_string());
        if let Some(url) = &smtp_url {
            crate::input::check_smtp_url(url).map_err(|e| ConfigError(format!("SMTP_URL: {e}")))?;
        }
        let mail_from = match (get("MAIL_FROM"), &smtp_url) {
            (Some(from), _) => from.trim().to_string(),
            (None, None) => "Digikoord <digikoord@localhost>".to_string(),
            (None, Some(_)) => return Err(ConfigError("SMTP_URL needs MAIL_FROM too".into())),
        };
        crate::input::parse_mailbox(&mail_from)
            .map_err(|e| ConfigError(format!("MAIL_FROM: {e}")))?;
        let bench_ceiling = parse_bool(&get, "BENCH_CEILING", false)?;
        let export_slots = parse_count(&get, "EXPORT_SLOTS", 2, 1..=8)?;
        let export_queue = parse_count(&get, "EXPORT_QUEUE", 100, 0..=1000)?;
        let accessibility_contact = crate::input::parse_email(
            &get("ACCESSIBILITY_CONTACT").unwrap_or_else(|| "digikoord@tillvaxtverket.se".into()),
        )
        .map_err(|e| ConfigError(format!("ACCESSIBILITY_CONTACT: {e}")))?;
        let oidc_allow_local = parse_bool(&get, "OIDC_ALLOW_LOCAL", false)?;
        let identity_providers = identity_providers(&get, oidc_allow_local)?;
        let sealer = match get("SECRETS_KEY") {
            Some(key) => Some(
                crate::secrets::Sealer::new(&key, get("SECRETS_KEY_OLD").as_deref())
                    .map_err(ConfigError)?,
            ),
            None if get("SECRETS_KEY_OLD").is_some() => {
                return Err(ConfigError("SECRETS_KEY_OLD needs SECRETS_KEY too".into()));
            }
            None => None,
        };
        Ok(Config {
            sealer,
            oidc_allow_local,
            identity_providers,
            accessibility_contact,
            soffice: get("SOFFICE").map(PathBuf::from),
            bench_ceiling,
            export_slots,
            export_queue,
            smtp_url,
            mail_from,
            listen_addr,
            trusted_proxies,
            repayment_bankgiro,
            database_url,
            database_owner_url,
            data_dir: get("DATA_DIR")
                .map(PathBuf::from)
                .unwrap_or_else(|| PathBuf::from("data")),
            cookie_secure,
            log_format,
            demo,
            demo_explicit,
            public_url,
        })
    }

    /// Whether mail leaves the machine (`SMTP_URL` is set). Without it, links that would be
    /// mailed are shown on screen instead.
    pub fn mail_configured(&self) -> bool {
        self.smtp_url.is_some()
    }

    /// Why the server must not start for want of a setting only serving needs: outside the
    /// demo, the bankgiro the regions repay to (never a silent placeholder).
    pub fn start_refusal(&self) -> Option<String> {
        (self.repayment_bankgiro == RepaymentBankgiro::Missing).then(|| {
            "REPAYMENT_BANKGIRO is not set: outside the demo (DEMO off), Tillväxtverket's bankgiro that the regions repay unused funds to must be given, e.g. REPAYMENT_BANKGIRO=1234-5678".to_string()
        })
    }

    /// Why the server must not start: demo accounts, whose password is published, would be
    /// served to more than this machine (a non-loopback address, or an https address),
    /// and nobody said `DEMO=true` outright.
    pub fn demo_refusal(&self) -> Option<String> {
        let public =
            !self.listen_addr.ip().is_loopback() || self.public_url.starts_with("https://");
        (self.demo && public && !self.demo_explicit).then(|| {
            format!(
                "demo accounts with a published password would be served on {} ({}): set DEMO=false, or DEMO=true to serve them anyway",
                self.listen_addr, self.public_url
            )
        })
    }
}

/// A provider `OIDC_PROVIDERS` names, as its variables say it. `identity` checks it as an
/// administrator's form is checked, at start (`identity::model::EnvironmentProvider::check`),
/// and finds its organisations by name.
#[derive(Clone)]
pub struct ProviderVariables {
    pub key: String,
    /// `OIDC_<KEY>_`: the key upper-cased, `-` as `_`; for naming a variable in a message.
    pub prefix: String,
    pub name: String,
    pub issuer: String,
    pub client_id: String,
    pub client_secret: String,
    pub only_way_in: bool,
    /// Named, separated by `;`.
    pub organisations: Vec<String>,
    pub domains: String,
    pub staff: bool,
    pub trust_mfa: bool,
    /// `OIDC_ALLOW_LOCAL`, which the check of its addresses follows.
    pub allow_local: bool,
}

/// The client secret never reaches a log.
impl fmt::Debug for ProviderVariables {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProviderVariables")
            .field("key", &self.key)
            .field("name", &self.name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"<hidden>")
            .field("only_way_in", &self.only_way_in)
            .field("organisations", &self.organisations)
            .field("domains", &self.domains)
            .field("staff", &self.staff)
            .field("trust_mfa", &self.trust_mfa)
            .finish()
    }
}

/// The providers `OIDC_PROVIDERS` names, each by its `OIDC_<KEY>_…` variables.
fn identity_providers(
    get: &impl Fn(&str) -> Option<String>,
    allow_local: bool,
) -> Result<Vec<ProviderVariables>, ConfigError> {
    let Some(keys) = get("OIDC_PROVIDERS") else {
        return Ok(Vec::new());
    };
    let mut providers = Vec::new();
    for key in keys.split(',').map(str::trim).filter(|k| !k.is_empty()) {
        let prefix = format!("OIDC_{}_", key.to_ascii_uppercase().replace('-', "_"));
        let var = |name: &str| get(&format!("{prefix}{name}")).unwrap_or_default();
        let on = |name: &str| parse_bool(get, &format!("{prefix}{name}"), false);
        providers.push(ProviderVariables {
            key: key.to_string(),
            name: var("NAME"),
            issuer: var("ISSUER"),
            client_id: var("CLIENT_ID"),
            client_secret: var("CLIENT_SECRET"),
            only_way_in: on("ONLY_WAY_IN")?,
            organisations: var("ORGANISATIONS")
                .split(';')
                .map(str::trim)
                .filter(|n| !n.is_empty())
                .map(str::to_string)
                .collect(),
            domains: var("DOMAINS"),
            staff: on("STAFF")?,
            trust_mfa: on("TRUST_MFA")?,
            allow_local,
            prefix,
        });
    }
    Ok(providers)
}

fn parse_bool(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: bool,
) -> Result<bool, ConfigError> {
    match get(key).as_deref().map(|v| v.trim().to_ascii_lowercase()) {
        None => Ok(default),
        Some(v) if ["1", "true", "yes", "on"].contains(&v.as_str()) => Ok(true),
        Some(v) if ["0", "false", "no", "off"].contains(&v.as_str()) => Ok(false),
        Some(v) => Err(ConfigError(format!(
            "{key} must be true or false (got {v:?})"
        ))),
    }
}

fn parse_count(
    get: &impl Fn(&str) -> Option<String>,
    key: &str,
    default: usize,
    allowed: std::ops::RangeInclusive<usize>,
) -> Result<usize, ConfigError> {
    match get(key) {
        None => Ok(default),
        Some(v) => v
            .trim()
            .parse::<usize>()
            .ok()
            .filter(|n| allowed.contains(n))
            .ok_or_else(|| {
                ConfigError(format!(
                    "{key} must be a whole number from {} to {} (got {v:?})",
                    allowed.start(),
                    allowed.end()
                ))
            }),
    }
}

// The database URL may carry a password: keep it out of logs.
impl fmt::Debug for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Config")
            .field("listen_addr", &self.listen_addr)
            .field(
                "database_url",
                &self.database_url.as_ref().map(|_| "<hidden>"),
            )
            .field("data_dir", &self.data_dir)
            .field("smtp_url", &self.smtp_url.as_ref().map(|_| "<hidden>"))
            .field("mail_from", &self.mail_from)
            .field("cookie_secure", &self.cookie_secure)
            .field("log_format", &self.log_format)
            .field(
                "database_owner_url",
                &self.database_owner_url.as_ref().map(|_| "<hidden>"),
            )
            .field("demo", &self.demo)
            .field("public_url", &self.public_url)
            .field("repayment_bankgiro", &self.repayment_bankgiro)
            .field("trusted_proxies", &self.trusted_proxies)
            .field("bench_ceiling", &self.bench_ceiling)
            .field("export_slots", &self.export_slots)
            .field("export_queue", &self.export_queue)
            .field(
                "identity_providers",
                &self
                    .identity_providers
                    .iter()
                    .map(|p| p.key.as_str())
                    .collect::<Vec<_>>(),
            )
            .finish()
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Two identity providers from the environment, as an operator sets them.
    pub(crate) const PROVIDERS: &[(&str, &str)] = &[
        ("OIDC_PROVIDERS", "tillvaxtverket, region-skane"),
        (
            "OIDC_TILLVAXTVERKET_ISSUER",
            "https://login.example.se/t/v2.0",
        ),
        ("OIDC_TILLVAXTVERKET_CLIENT_ID", "digikoord"),
        ("OIDC_TILLVAXTVERKET_CLIENT_SECRET", "hemligt"),
        ("OIDC_TILLVAXTVERKET_NAME", "Tillväxtverkets konto"),
        ("OIDC_TILLVAXTVERKET_ONLY_WAY_IN", "true"),
        ("OIDC_TILLVAXTVERKET_DOMAINS", "tillvaxtverket.se"),
        ("OIDC_TILLVAXTVERKET_STAFF", "true"),
        ("OIDC_TILLVAXTVERKET_TRUST_MFA", "true"),
        ("OIDC_REGION_SKANE_ISSUER", "https://idp.skane.example"),
        ("OIDC_REGION_SKANE_CLIENT_ID", "dk"),
        ("OIDC_REGION_SKANE_CLIENT_SECRET", "s"),
        ("OIDC_REGION_SKANE_NAME", "Region Skånes konto"),
        (
            "OIDC_REGION_SKANE_ORGANISATIONS",
            "Region Skåne; Region Blekinge",
        ),
    ];

    /// The environment `PROVIDERS` and `extra` make (`extra` first).
    pub(crate) fn lookup(
        extra: &'static [(&'static str, &'static str)],
    ) -> impl Fn(&str) -> Option<String> {
        move |key: &str| {
            extra
                .iter()
                .chain(PROVIDERS.iter())
                .find(|(k, _)| *k == key)
                .map(|(_, v)| v.to_string())
        }
    }

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_serve_localhost_with_a_private_database_and_demo_data() {
        let c = config(&[]).expect("defaults are valid");
        assert_eq!(c.listen_addr.to_string(), "127.0.0.1:3000");
        assert!(c.database_url.is_none());
        assert!(c.demo);
        assert!(!c.cookie_secure);
        assert_eq!(c.log_format, LogFormat::Text);
        assert_eq!(c.public_url, "http://localhost:3000");
    }

    #[test]
    fn an_external_database_turns_demo_data_off_unless_asked_for() {
        let c = config(&[("DATABASE_URL", "postgres://u:secret@db/x")]).expect("valid");
        assert!(!c.demo);
        assert!(!format!("{c:?}").contains("secret"));
        let c = config(&[("DATABASE_URL", "postgres://db/x"), ("DEMO", "true")]).expect("valid");
        assert!(c.demo);
    }

    #[test]
    fn demo_accounts_are_served_publicly_only_when_asked_for_outright() {
        let local = config(&[]).expect("valid");
        assert_eq!(local.demo_refusal(), None);
        let public = config(&[("LISTEN_ADDR", "0.0.0.0:3000")]).expect("valid");
        assert!(
            public
                .demo_refusal()
                .expect("refused")
                .contains("DEMO=true")
        );
        let https = config(&[("PUBLIC_URL", "https://digikoord.example.se")]).expect("valid");
        assert!(https.demo_refusal().is_some());
        let asked = config(&[("LISTEN_ADDR", "0.0.0.0:3000"), ("DEMO", "true")]).expect("valid");
        assert_eq!(asked.demo_refusal(), None);
        let off = config(&[("LISTEN_ADDR", "[::]:3000"), ("DEMO", "false")]).expect("valid");
        assert_eq!(off.demo_refusal(), None);
        let production = config(&[
            ("LISTEN_ADDR", "0.0.0.0:3000"),
            ("DATABASE_URL", "postgres://db/x"),
        ])
        .expect("valid");
        assert_eq!(production.demo_refusal(), None);
    }

    #[test]
    fn outside_the_demo_the_server_needs_the_repayment_bankgiro() {
        let demo = config(&[]).expect("valid");
        assert_eq!(demo.repayment_bankgiro, RepaymentBankgiro::Demo);
        assert_eq!(
            demo.repayment_bankgiro.number(),
            Some(DEMO_REPAYMENT_BANKGIRO)
        );
        assert_eq!(demo.start_refusal(), None);
        let production = config(&[("DATABASE_URL", "postgres://db/x")])
            .expect("other commands need no bankgiro");
        assert_eq!(production.repayment_bankgiro.number(), None);
        assert!(
            production
                .start_refusal()
                .expect("refused")
                .contains("REPAYMENT_BANKGIRO")
        );
        let set = config(&[
            ("DATABASE_URL", "postgres://db/x"),
            ("REPAYMENT_BANKGIRO", "5050 1055"),
        ])
        .expect("valid");
        assert_eq!(
            set.repayment_bankgiro,
            RepaymentBankgiro::Set("5050-1055".into())
        );
        assert!(!set.repayment_bankgiro.is_demo());
        assert_eq!(set.start_refusal(), None);
        let wrong = config(&[("REPAYMENT_BANKGIRO", "5050-1056")]).expect_err("check digit");
        assert!(wrong.to_string().contains("REPAYMENT_BANKGIRO"), "{wrong}");
    }

    #[test]
    fn bad_values_are_refused_with_the_variable_named() {
        for (key, value) in [
            ("LISTEN_ADDR", "localhost"),
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_OWNER_URL", "mysql://x"),
            ("COOKIE_SECURE", "maybe"),
            ("LOG_FORMAT", "xml"),
            ("PUBLIC_URL", "example.org"),
        ] {
            let err = config(&[(key, value)]).expect_err(key);
            assert!(err.to_string().contains(key), "{err}");
        }
    }

    #[test]
    fn cookies_are_secure_by_default_when_the_public_url_is_https() {
        let c = config(&[("PUBLIC_URL", "https://digikoord.example")]).expect("valid");
        assert!(c.cookie_secure);
        let c = config(&[
            ("PUBLIC_URL", "https://digikoord.example"),
            ("COOKIE_SECURE", "false"),
        ])
        .expect("valid");
        assert!(!c.cookie_secure, "an explicit setting wins");
        let c = config(&[("PUBLIC_URL", "http://intern.example")]).expect("valid");
        assert!(!c.cookie_secure);
    }

    #[test]
    fn trusted_proxies_are_addresses_or_cidr_blocks() {
        assert!(config(&[]).expect("valid").trusted_proxies.is_empty());
        let c =
            config(&[("TRUSTED_PROXIES", "10.0.0.0/8, 192.0.2.1,2001:db8::/48")]).expect("valid");
        assert_eq!(c.trusted_proxies.len(), 3);
        for bad in ["proxy.example", "10.0.0.0/33", "10.0.0.1,,x"] {
            let err = config(&[("TRUSTED_PROXIES", bad)]).expect_err(bad);
            assert!(err.to_string().contains("TRUSTED_PROXIES"), "{err}");
        }
    }

    #[test]
    fn identity_providers_come_from_the_environment_by_their_keys_variables() {
        let c = Config::from_lookup(lookup(&[])).expect("valid");
        let keys: Vec<(&str, bool, bool, bool)> = c
            .identity_providers
            .iter()
            .map(|p| (p.key.as_str(), p.only_way_in, p.staff, p.trust_mfa))
            .collect();
        assert_eq!(
            keys,
            vec![
                ("tillvaxtverket", true, true, true),
                ("region-skane", false, false, false)
            ]
        );
        assert_eq!(
            c.identity_providers[1].organisations,
            vec!["Region Skåne", "Region Blekinge"]
        );
        assert_eq!(c.identity_providers[1].prefix, "OIDC_REGION_SKANE_");
        assert!(
            !format!("{c:?}").contains("hemligt"),
            "the secret stays out of logs"
        );
        let e = Config::from_lookup(lookup(&[("OIDC_REGION_SKANE_STAFF", "kanske")]))
            .expect_err("yes or no");
        assert!(e.0.contains("OIDC_REGION_SKANE_STAFF"), "{}", e.0);
    }
}
