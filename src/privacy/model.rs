//! What the inventory of personal data says (`inventory.rs` is the table itself): for every
//! table and column that can hold a person's name, e-mail address, phone number, free text
//! about them or the id of their account, what it holds, why it is kept, on what legal
//! basis, for how long, and what anonymising does to it. The register extract searches
//! exactly these columns, the anonymisation rewrites them (`db.rs` builds its statements
//! from the table) and the record of processing shows them: nothing is listed in one and
//! forgotten in another. A test of the schema (`tests/it/privacy.rs`) fails when a column
//! that may hold personal data is in neither `INVENTORY` nor `NOT_PERSONAL`.
//!
//! Also pure: the pseudonym, when a shut account is due to be anonymised, the
//! administrator's setting, and how an extract's rows are shown. Unit-tested; no I/O.

use chrono::{DateTime, Months, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{clock::swedish_date, retention::model::Kind as RetentionKind, web::FormErrors};

// ---- What a column holds, and what anonymising does to it ----

/// What a column holds about a person.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Holds {
    /// The id of a person's account (who did something, whose it is).
    UserId,
    /// A name, typed or copied.
    Name,
    /// An e-mail address.
    Email,
    /// A phone number.
    Phone,
    /// A title or position as typed (befattning).
    Title,
    /// Free text that may name people: messages, reasons, mail.
    Text,
    /// Recorded values (the audit log's before and after), which copy names and addresses.
    Json,
    /// Where a person came from: a client's network address, a browser's name.
    Address,
    /// A secret, or the hash of one: never shown in an extract.
    Secret,
    /// A kept file (PDF/A, an attachment, an export): never searched, never shown whole.
    File,
}

impl Holds {
    pub fn label(self) -> &'static str {
        match self {
            Holds::UserId => "användarens id",
            Holds::Name => "namn",
            Holds::Email => "e-postadress",
            Holds::Phone => "telefonnummer",
            Holds::Title => "titel",
            Holds::Text => "fritext som kan nämna personer",
            Holds::Json => "loggade värden (före och efter en ändring)",
            Holds::Address => "IP-adress eller webbläsare",
            Holds::Secret => "lösenord, nycklar och koder (krypterade eller som kontrollsummor)",
            Holds::File => "bevarade filer",
        }
    }

    /// Whether a register extract looks for the person's name or address in it.
    pub fn searched_as_text(self) -> bool {
        matches!(
            self,
            Holds::Name | Holds::Email | Holds::Phone | Holds::Title | Holds::Text | Holds::Json
        )
    }

    /// Whether an extract leaves it out: secrets and the bytes of files.
    pub fn hidden(self) -> bool {
        matches!(self, Holds::Secret | Holds::File)
    }
}

/// What anonymising a person does to a column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Treatment {
    /// Left as it is: an account's id (which shows the pseudonym once the account is
    /// anonymised), or a frozen record (a decision, a kept file).
    Keep,
    /// The whole value, when it is one of the person's names or addresses, becomes the
    /// pseudonym's.
    Pseudonym,
    /// The person's names and addresses inside the text become the pseudonym's.
    Scrub,
    /// Emptied (`''`) in a row where one of these columns is the person's name or address.
    EmptyWith(&'static [&'static str]),
    /// Set to NULL in a row where one of these columns is the person's name or address.
    NullWith(&'static [&'static str]),
    /// The person's rows (where this column is their account) are removed.
    DeleteRows,
    /// Done by a statement of its own (`db.rs`), as said.
    Special(&'static str),
}

/// One column that can hold personal data.
#[derive(Clone, Copy, Debug)]
pub struct Column {
    pub name: &'static str,
    pub holds: Holds,
    pub treatment: Treatment,
}

pub(super) const fn col(name: &'static str, holds: Holds, treatment: Treatment) -> Column {
    Column {
        name,
        holds,
        treatment,
    }
}

/// Who did something, or whose something is: kept, as an id.
pub(super) const fn by(name: &'static str) -> Column {
    col(name, Holds::UserId, Treatment::Keep)
}

/// Why it is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    Account,
    Security,
    Case,
    Mail,
    Network,
    Traceability,
    Records,
}

impl Purpose {
    pub fn label(self) -> &'static str {
        match self {
            Purpose::Account => {
                "Konton och behörighet: att veta vem som använder Digikoord och vad personen får göra."
            }
            Purpose::Security => {
                "Säkerhet: inloggning, skydd mot gissade lösenord och kapade konton."
            }
            Purpose::Case => {
                "Handläggning av ärenden om medel till de regionala digitaliseringskoordinatorerna – rekvisition, utbetalning, redovisning och återbetalning – och vem som gjorde vad i dem."
            }
            Purpose::Mail => {
                "Att meddela de berörda om händelser i ärendena och påminna om tidsfrister, och att kunna visa vem som fick vad."
            }
            Purpose::Network => {
                "Koordinatorernas nätverk: kontaktuppgifter, träffar och anmälningar till dem."
            }
            Purpose::Traceability => {
                "Spårbarhet: vem som gjorde vad och när, för myndighetens egen kontroll, revision och säkerhet."
            }
            Purpose::Records => {
                "Allmänna handlingar: beslut, diarium, arkiv, gallring och utlämnande som arkivlagen, offentlighets- och sekretesslagen och förvaltningslagen kräver."
            }
        }
    }
}

/// The legal basis (GDPR art. 6.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Art. 6.1 e: Tillväxtverket's task of administering the funds.
    PublicTask,
    /// Art. 6.1 c: what the archive, secrecy and administrative laws demand.
    LegalObligation,
}

impl Basis {
    pub fn label(self) -> &'static str {
        match self {
            Basis::PublicTask => {
                "Allmänt intresse / myndighetsutövning, art. 6.1 e (Tillväxtverkets uppdrag att administrera medlen till de regionala digitaliseringskoordinatorerna)"
            }
            Basis::LegalObligation => {
                "Rättslig förpliktelse, art. 6.1 c (arkivlagen 1990:782, offentlighets- och sekretesslagen 2009:400, förvaltningslagen 2017:900)"
            }
        }
    }
}

/// How long it is kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kept {
    /// As stated, and as the retention classes an administrator set for these kinds of
    /// record say (gallring, `crate::retention`).
    Class {
        kinds: &'static [RetentionKind],
        otherwise: &'static str,
    },
    /// As stated.
    Stated(&'static str),
}

impl Kept {
    /// How long, in words: what is stated, then each kind's class as an administrator set it
    /// (`classes`: each kind with its Swedish name and its class, as the retention page
    /// shows them).
    pub fn how_long(&self, classes: &[(RetentionKind, String, String)]) -> String {
        match self {
            Kept::Stated(said) => (*said).to_string(),
            Kept::Class { kinds, otherwise } => {
                let mut said = (*otherwise).to_string();
                for kind in *kinds {
                    if let Some((_, name, class)) = classes.iter().find(|(k, _, _)| k == kind) {
                        said.push_str(&format!(
                            " Gallring av {}: {}.",
                            name.to_lowercase(),
                            class.to_lowercase()
                        ));
                    }
                }
                said
            }
        }
    }
}

/// A table that can hold personal data.
#[derive(Clone, Copy, Debug)]
pub struct Source {
    pub table: &'static str,
    /// What the table is, as the extract's heading says it.
    pub heading: &'static str,
    pub purpose: Purpose,
    pub basis: Basis,
    pub kept: Kept,
    pub columns: &'static [Column],
}

pub use super::inventory::{FROZEN, INVENTORY, NOT_PERSONAL};

/// Why the table is frozen, when a trigger of the schema keeps its rows as they were
/// written (`FROZEN`): anonymising leaves it as it is.
pub fn frozen(table: &str) -> Option<&'static str> {
    FROZEN
        .iter()
        .find(|(t, _)| *t == table)
        .map(|(_, why)| *why)
}

/// The table's entry in the inventory.
pub fn source(table: &str) -> Option<&'static Source> {
    INVENTORY.iter().find(|s| s.table == table)
}

/// Whether the inventory, or the list of what is not personal, names the column.
pub fn classified(table: &str, column: &str) -> bool {
    source(table).is_some_and(|s| s.columns.iter().any(|c| c.name == column))
        || NOT_PERSONAL
            .iter()
            .any(|(t, c, _)| *t == table && *c == column)
}

impl Source {
    pub fn column(&self, name: &str) -> Option<&'static Column> {
        self.columns.iter().find(|c| c.name == name)
    }

    /// What personal data the table holds, in words: "namn, e-postadress, användarens id".
    pub fn data(&self) -> String {
        let mut said: Vec<&'static str> = Vec::new();
        for c in self.columns {
            if !said.contains(&c.holds.label()) {
                said.push(c.holds.label());
            }
        }
        capitalised(&said.join(", "))
    }

    /// What anonymising a person does here, in words.
    pub fn on_anonymisation(&self) -> String {
        let mut said: Vec<String> = Vec::new();
        let mut say = |s: String| {
            if !said.contains(&s) {
                said.push(s);
            }
        };
        for c in self.columns {
            match (c.treatment, c.holds) {
                (Treatment::Special(what), _) => say(capitalised(what)),
                (Treatment::DeleteRows, _) => say("Personens rader tas bort.".into()),
                (Treatment::Pseudonym, Holds::Email) => {
                    say("E-postadresser som är personens ersätts med pseudonymens.".into())
                }
                (Treatment::Pseudonym, _) => say(
                    "Namn som är personens ersätts med pseudonymen, också där de står i en längre text."
                        .into(),
                ),
                (Treatment::Scrub, _) => say(
                    "Personens namn och e-postadress i texterna ersätts med pseudonymen.".into(),
                ),
                (Treatment::EmptyWith(_) | Treatment::NullWith(_), holds) => say(format!(
                    "{} töms på rader som namnger personen.",
                    capitalised(holds.label())
                )),
                (Treatment::Keep, Holds::UserId) => say(
                    "Användarens id behålls och visar pseudonymen när kontot är anonymiserat."
                        .into(),
                ),
                (
                    Treatment::Keep,
                    Holds::Text | Holds::Name | Holds::Title | Holds::Json | Holds::File,
                ) => match frozen(self.table) {
                    Some(why) => say(format!(
                        "Fryst: {why} Det som står här behålls som det är, också där det nämner personen (arkivlagen)."
                    )),
                    None => say("Bevarade filer behålls som de lämnades in.".into()),
                },
                (Treatment::Keep, _) => {}
            }
        }
        said.iter()
            .map(|s| {
                if s.ends_with('.') {
                    s.clone()
                } else {
                    format!("{s}.")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    }
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

// ---- The pseudonym ----

fn digest(user: Uuid) -> String {
    hex::encode(Sha256::digest(user.to_string().as_bytes()))
}

/// The name an anonymised account goes by: "Anonymiserad användare 7AC1B8", from a hash of
/// its id, so the same wherever it stands (the schema's `privacy_pseudonym` makes the same).
pub fn pseudonym(user: Uuid) -> String {
    format!(
        "{PSEUDONYM_PREFIX}{}",
        digest(user)[..6].to_ascii_uppercase()
    )
}

/// Its address, which no mail can reach (`.invalid` is reserved, RFC 2606) and which is
/// unique (64 bits of the hash).
pub fn pseudonym_email(user: Uuid) -> String {
    format!("anonymiserad-{}@invalid.invalid", &digest(user)[..16])
}

pub const PSEUDONYM_PREFIX: &str = "Anonymiserad användare ";

// ---- When an account is due ----

/// The Swedish day from which an account deactivated at `deactivated_at` is anonymised,
/// `months` later (the end of a shorter month when the day is not in it).
pub fn due_on(deactivated_at: DateTime<Utc>, months: u32) -> Option<NaiveDate> {
    swedish_date(deactivated_at).checked_add_months(Months::new(months))
}

/// A shut account, as the anonymisation needs it.
#[derive(Clone, Debug)]
pub struct Shut {
    pub active: bool,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub anonymised: bool,
    /// A legal hold in force names the account (`legal_holds`, entity `user`).
    pub held: bool,
}

/// Whether the account's personal data is to be anonymised today: it is shut, not yet
/// anonymised, was deactivated (a staff account that never came into use was not), and the
/// administrator's time since then has passed. `None`: the administrator has set no time.
pub fn is_due(account: &Shut, months: Option<u32>, today: NaiveDate) -> bool {
    match (months, account.deactivated_at) {
        (Some(months), Some(at)) if !account.active && !account.anonymised => {
            due_on(at, months).is_some_and(|day| day <= today)
        }
        _ => false,
    }
}

/// Where a shut account stands with the anonymisation, today.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Turn {
    /// Not due: from this day, or never (no time set, never deactivated, in use, or
    /// anonymised already).
    NotYet(Option<NaiveDate>),
    /// Due, but a legal hold names it: not anonymised, automatically or on confirmation,
    /// while the hold lasts.
    Held,
    /// Due since before the time was last saved: anonymised only when an administrator
    /// confirms it on the confirmation page (nothing irreversible happens to accounts that
    /// were already due on one click of *Spara*).
    AwaitsConfirmation,
    /// Became due after the time was last saved: the server's hourly run anonymises it.
    Automatic,
}

impl Turn {
    /// Whether an administrator may confirm its anonymisation now.
    pub fn may_be_confirmed(self) -> bool {
        matches!(self, Turn::AwaitsConfirmation | Turn::Automatic)
    }
}

/// Where the account stands today: `months` the administrator's time, saved at `saved_at`
/// (an account that became due on or before that Swedish day waits for a confirmation;
/// one due after it is the hourly run's). The schema asks the same of every anonymisation
/// (`privacy_due_automatically`, `privacy_confirmed_now`, `privacy_held`).
pub fn turn(
    account: &Shut,
    months: Option<u32>,
    saved_at: DateTime<Utc>,
    today: NaiveDate,
) -> Turn {
    let day = match (months, account.deactivated_at) {
        (Some(months), Some(at)) if !account.active && !account.anonymised => due_on(at, months),
        _ => None,
    };
    match day {
        Some(d) if d <= today => {
            if account.held {
                Turn::Held
            } else if d > swedish_date(saved_at) {
                Turn::Automatic
            } else {
                Turn::AwaitsConfirmation
            }
        }
        other => Turn::NotYet(other),
    }
}

// ---- The administrator's setting ----

/// When shut accounts are anonymised, in words: "2 månader efter inaktiveringen".
pub fn months_said(months: Option<u32>) -> String {
    match months {
        Some(1) => "1 månad efter inaktiveringen".to_string(),
        Some(m) => format!("{m} månader efter inaktiveringen"),
        None => "inte automatiskt: ingen tid är angiven".to_string(),
    }
}

/// The most months an administrator may set (20 years).
pub const MAX_MONTHS: u32 = 240;

/// The setting's form: a number of months, or empty for never.
#[derive(Clone, Debug, Default, Deserialize)]
pub struct SettingsForm {
    #[serde(default)]
    pub months: String,
}

impl SettingsForm {
    pub fn of(months: Option<u32>) -> SettingsForm {
        SettingsForm {
            months: months.map(|m| m.to_string()).unwrap_or_default(),
        }
    }

    /// The months (`None`: never), or the message beside the field.
    pub fn validate(&self) -> Result<Option<u32>, FormErrors> {
        let typed = self.months.trim();
        if typed.is_empty() {
            return Ok(None);
        }
        let mut errors = FormErrors::default();
        match typed.parse::<u32>() {
            Ok(m) if (1..=MAX_MONTHS).contains(&m) => return Ok(Some(m)),
            Ok(_) => errors.add(
                "months",
                format!("Ange ett antal månader mellan 1 och {MAX_MONTHS}, eller lämna fältet tomt för att aldrig anonymisera."),
            ),
            Err(_) => errors.add(
                "months",
                "Ange antalet månader med siffror, till exempel 24, eller lämna fältet tomt.",
            ),
        }
        Err(errors)
    }
}

// ---- The register extract ----

/// Whom an extract is about: an account, or a contact person known by an address.
#[derive(Clone, Debug)]
pub struct Person {
    pub user_id: Option<Uuid>,
    /// Every name they have gone by (the first is the one shown).
    pub names: Vec<String>,
    /// Every address, lower-cased (the first is the one shown).
    pub emails: Vec<String>,
}

impl Person {
    /// What an extract looks for in text: names and addresses of three characters or more
    /// (the schema's `privacy_mentions` asks the same).
    pub fn needles(&self) -> Vec<String> {
        self.names
            .iter()
            .chain(self.emails.iter())
            .map(|n| n.trim().to_string())
            .filter(|n| n.chars().count() >= 3)
            .collect()
    }

    pub fn name(&self) -> &str {
        self.names.first().map_or("", String::as_str)
    }

    pub fn email(&self) -> &str {
        self.emails.first().map_or("", String::as_str)
    }
}

/// One table's rows that name the person, as the extract shows them.
#[derive(Clone, Debug)]
pub struct Found {
    pub table: &'static str,
    pub heading: &'static str,
    pub rows: Vec<Value>,
}

/// How many rows of a table the page shows (the JSON file has them all).
pub const ROWS_SHOWN: usize = 200;

impl Found {
    /// The columns' names, as the page heads them: the rows of one table have the same.
    pub fn headers(&self) -> Vec<String> {
        match self.rows.first() {
            Some(Value::Object(map)) => map.keys().map(|k| column_label(k)).collect(),
            _ => Vec::new(),
        }
    }

    /// The rows the page shows, each as its values in the headers' order.
    pub fn cells(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .take(ROWS_SHOWN)
            .map(|row| match row {
                Value::Object(map) => map.values().map(shown_value).collect(),
                other => vec![shown_value(other)],
            })
            .collect()
    }

    /// Whether the page shows fewer rows than there are.
    pub fn cut(&self) -> bool {
        self.rows.len() > ROWS_SHOWN
    }
}

/// The accounts an administrator confirmed on the confirmation page (`anvandare`, one
/// field each); what cannot be read refuses them all.
pub fn chosen_accounts(fields: &[(String, String)]) -> Result<Vec<Uuid>, &'static str> {
    let mut chosen = Vec::new();
    for (key, value) in fields {
        if key != "anvandare" {
            continue;
        }
        let id = Uuid::parse_str(value.trim())
            .map_err(|_| "Ett av kontona i formuläret går inte att läsa. Ingenting har ändrats; gå tillbaka och ladda om sidan.")?;
        if !chosen.contains(&id) {
            chosen.push(id);
        }
    }
    Ok(chosen)
}

/// A value as text: a string as it is, nothing as a dash, the rest as JSON.
pub fn shown_value(v: &Value) -> String {
    match v {
        Value::Null => "–".to_string(),
        Value::String(s) if s.is_empty() => "(tomt)".to_string(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A column's name as the extract shows it: the common ones in Swedish.
pub fn column_label(column: &str) -> String {
    let label = match column {
        "id" => "Id",
        "name" => "Namn",
        "email" => "E-postadress",
        "phone" => "Telefon",
        "title" => "Titel",
        "role" => "Roll",
        "active" => "Aktivt",
        "user_id" => "Användarens id",
        "organisation_id" => "Organisationens id",
        "created_at" => "Skapad",
        "updated_at" => "Ändrad",
        "created_by" => "Skapad av (id)",
        "updated_by" => "Ändrad av (id)",
        "body" => "Text",
        "author_id" => "Skriven av (id)",
        "contact_name" => "Kontaktperson",
        "contact_email" => "Kontaktpersonens e-post",
        "contact_phone" => "Kontaktpersonens telefon",
        "signatory_name" => "Firmatecknare",
        "signatory_title" => "Firmatecknarens titel",
        "case_number" => "Ärendenummer",
        "year" => "År",
        "state" => "Status",
        "to_address" => "Mottagarens adress",
        "to_name" => "Mottagare",
        "subject" => "Ämne",
        "body_text" => "Text",
        "body_html" => "Text (HTML)",
        "sent_at" => "Skickat",
        "at" => "Tidpunkt",
        "action" => "Händelse",
        "entity" => "Avser",
        "entity_id" => "Avser (id)",
        "actor_user_id" => "Utförd av (id)",
        "before" => "Före",
        "after" => "Efter",
        "ip_bucket" => "IP-adress (eller nät)",
        "attempted_at" => "Tidpunkt",
        "user_agent" => "Webbläsare",
        other => return other.to_string(),
    };
    label.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn noon(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 12, 0, 0)
            .single()
            .expect("moment")
    }

    fn user(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    #[test]
    fn the_pseudonym_comes_from_a_hash_of_the_id_and_is_always_the_same() {
        // sha256("00000000-0000-0000-0000-000000000001") = 7ac1b8d7010bb6cd…
        assert_eq!(pseudonym(user(1)), "Anonymiserad användare 7AC1B8");
        assert_eq!(
            pseudonym_email(user(1)),
            "anonymiserad-7ac1b8d7010bb6cd@invalid.invalid"
        );
        assert_eq!(pseudonym(user(1)), pseudonym(user(1)));
        assert_ne!(pseudonym_email(user(1)), pseudonym_email(user(2)));
        assert!(pseudonym(user(2)).starts_with(PSEUDONYM_PREFIX));
    }

    #[test]
    fn the_pseudonyms_address_is_one_the_accounts_rules_accept_and_no_mail_reaches() {
        let email = pseudonym_email(user(42));
        assert_eq!(email, email.trim().to_lowercase());
        assert!(crate::input::is_email(&email), "{email}");
        assert!(email.ends_with("@invalid.invalid"));
        assert!(pseudonym(user(42)).chars().count() <= 200);
    }

    #[test]
    fn an_account_is_due_the_set_number_of_months_after_its_deactivation() {
        let shut = Shut {
            active: false,
            deactivated_at: Some(noon(2025, 1, 15)),
            anonymised: false,
            held: false,
        };
        assert!(!is_due(&shut, Some(2), day(2025, 3, 14)));
        assert!(is_due(&shut, Some(2), day(2025, 3, 15)));
        assert!(is_due(&shut, Some(2), day(2026, 1, 1)));
        // No time set: never.
        assert!(!is_due(&shut, None, day(2040, 1, 1)));
    }

    #[test]
    fn an_account_in_use_one_never_deactivated_or_one_anonymised_is_never_due() {
        let today = day(2030, 1, 1);
        let deactivated = Some(noon(2025, 1, 15));
        let active = Shut {
            active: true,
            deactivated_at: None,
            anonymised: false,
            held: false,
        };
        let never_deactivated = Shut {
            active: false,
            deactivated_at: None,
            anonymised: false,
            held: false,
        };
        let anonymised = Shut {
            active: false,
            deactivated_at: deactivated,
            anonymised: true,
            held: false,
        };
        for shut in [active, never_deactivated, anonymised] {
            assert!(!is_due(&shut, Some(1), today), "{shut:?}");
        }
    }

    #[test]
    fn an_account_already_due_when_the_time_was_saved_waits_for_a_confirmation() {
        let shut = |deactivated: DateTime<Utc>, held: bool| Shut {
            active: false,
            deactivated_at: Some(deactivated),
            anonymised: false,
            held,
        };
        let saved = noon(2025, 1, 15);
        let today = day(2025, 3, 1);
        // Due on 1 December: before the time was saved.
        assert_eq!(
            turn(&shut(noon(2024, 10, 1), false), Some(2), saved, today),
            Turn::AwaitsConfirmation
        );
        // Due on the day it was saved: already due then.
        assert_eq!(
            turn(&shut(noon(2024, 11, 15), false), Some(2), saved, today),
            Turn::AwaitsConfirmation
        );
        // Due on 20 February: after it was saved, so the hourly run takes it.
        assert_eq!(
            turn(&shut(noon(2024, 12, 20), false), Some(2), saved, today),
            Turn::Automatic
        );
        // Not yet: the day it will be.
        assert_eq!(
            turn(&shut(noon(2025, 1, 10), false), Some(2), saved, today),
            Turn::NotYet(Some(day(2025, 3, 10)))
        );
        // A legal hold keeps it, whenever it became due; not before it is due.
        assert_eq!(
            turn(&shut(noon(2024, 12, 20), true), Some(2), saved, today),
            Turn::Held
        );
        assert_eq!(
            turn(&shut(noon(2024, 10, 1), true), Some(2), saved, today),
            Turn::Held
        );
        assert_eq!(
            turn(&shut(noon(2025, 1, 10), true), Some(2), saved, today),
            Turn::NotYet(Some(day(2025, 3, 10)))
        );
        // No time set: never.
        assert_eq!(
            turn(&shut(noon(2024, 10, 1), false), None, saved, today),
            Turn::NotYet(None)
        );
        assert!(Turn::AwaitsConfirmation.may_be_confirmed());
        assert!(Turn::Automatic.may_be_confirmed());
        assert!(!Turn::Held.may_be_confirmed());
        assert!(!Turn::NotYet(None).may_be_confirmed());
    }

    #[test]
    fn what_anonymising_keeps_as_written_is_frozen_and_nothing_frozen_is_rewritten() {
        for (table, why) in FROZEN {
            let s = source(table).unwrap_or_else(|| panic!("{table} is frozen but not listed"));
            assert!(why.ends_with('.'), "{table}");
            for c in s.columns {
                assert!(
                    matches!(c.treatment, Treatment::Keep),
                    "{table} is frozen: {} can't be rewritten",
                    c.name
                );
            }
        }
        // A text kept as it is, where it may name a person, is kept only because a trigger
        // freezes its table; anywhere else it is scrubbed.
        for s in INVENTORY {
            for c in s.columns {
                if c.treatment == Treatment::Keep
                    && matches!(
                        c.holds,
                        Holds::Text | Holds::Name | Holds::Title | Holds::Json
                    )
                {
                    assert!(
                        frozen(s.table).is_some(),
                        "{} {} is kept as it is, but its table is not frozen",
                        s.table,
                        c.name
                    );
                }
            }
        }
        assert!(frozen("decision_records").is_some());
        assert!(frozen("interest_decisions").is_some());
        assert!(frozen("requisitions").is_none());
    }

    #[test]
    fn the_day_is_swedish_and_a_short_month_ends_the_count() {
        // 23.30 UTC on 31 December is already 1 January in Sweden.
        let late = Utc
            .with_ymd_and_hms(2024, 12, 31, 23, 30, 0)
            .single()
            .expect("moment");
        assert_eq!(due_on(late, 1), Some(day(2025, 2, 1)));
        assert_eq!(due_on(noon(2025, 1, 31), 1), Some(day(2025, 2, 28)));
    }

    #[test]
    fn the_setting_takes_months_or_nothing_and_says_what_is_wrong() {
        let form = |s: &str| SettingsForm { months: s.into() };
        assert_eq!(form(" 24 ").validate().ok(), Some(Some(24)));
        assert_eq!(form("").validate().ok(), Some(None));
        for bad in ["0", "241", "två", "-3", "1,5"] {
            let errors = form(bad).validate().expect_err(bad);
            assert!(errors.get("months").is_some(), "{bad}");
        }
        assert_eq!(SettingsForm::of(Some(12)).months, "12");
        assert_eq!(months_said(Some(1)), "1 månad efter inaktiveringen");
        assert_eq!(months_said(Some(24)), "24 månader efter inaktiveringen");
        assert_eq!(months_said(None), "inte automatiskt: ingen tid är angiven");
        assert_eq!(SettingsForm::of(None).months, "");
    }

    #[test]
    fn each_table_is_listed_once_and_each_column_once() {
        let mut tables: Vec<&str> = INVENTORY.iter().map(|s| s.table).collect();
        tables.sort_unstable();
        let before = tables.len();
        tables.dedup();
        assert_eq!(tables.len(), before, "a table listed twice");
        for s in INVENTORY {
            assert!(!s.columns.is_empty(), "{} lists no column", s.table);
            let mut names: Vec<&str> = s.columns.iter().map(|c| c.name).collect();
            names.sort_unstable();
            let before = names.len();
            names.dedup();
            assert_eq!(names.len(), before, "a column of {} listed twice", s.table);
        }
    }

    #[test]
    fn each_treatment_fits_what_its_column_holds() {
        for s in INVENTORY {
            for c in s.columns {
                let place = format!("{} {}", s.table, c.name);
                match c.treatment {
                    Treatment::Pseudonym => assert!(
                        matches!(c.holds, Holds::Name | Holds::Email),
                        "only a name or an address becomes the pseudonym: {place}"
                    ),
                    Treatment::Scrub => assert!(
                        matches!(c.holds, Holds::Text | Holds::Name | Holds::Title),
                        "only text is scrubbed: {place}"
                    ),
                    Treatment::DeleteRows => assert_eq!(
                        c.holds,
                        Holds::UserId,
                        "rows are removed by the account's id: {place}"
                    ),
                    Treatment::EmptyWith(with) | Treatment::NullWith(with) => {
                        assert!(!with.is_empty(), "{place}");
                        for w in with {
                            let other = s.column(w).unwrap_or_else(|| {
                                panic!("{place} is cleared with {w}, which is not listed")
                            });
                            assert!(
                                matches!(other.holds, Holds::Name | Holds::Email),
                                "{place} is cleared when {w}, a name or an address, is theirs"
                            );
                        }
                    }
                    Treatment::Keep | Treatment::Special(_) => {}
                }
                if c.holds.hidden() {
                    assert!(
                        matches!(c.treatment, Treatment::Keep | Treatment::Special(_)),
                        "a secret or a file is kept or removed with its row: {place}"
                    );
                }
            }
        }
    }

    #[test]
    fn nothing_is_both_personal_and_not() {
        for (table, column, why) in NOT_PERSONAL {
            assert!(!why.is_empty());
            assert!(
                source(table).and_then(|s| s.column(column)).is_none(),
                "{table} {column} is listed both as personal and not"
            );
        }
        assert!(classified("users", "email"));
        assert!(classified("organisations", "name"));
        assert!(!classified("users", "nickname"));
    }

    #[test]
    fn the_record_of_processing_says_what_each_table_holds_and_what_anonymising_does() {
        let users = source("users").expect("users");
        assert_eq!(
            users.data(),
            "Användarens id, namn, e-postadress, lösenord, nycklar och koder (krypterade eller som kontrollsummor)"
        );
        assert!(
            users
                .on_anonymisation()
                .contains("Namnet ersätts med pseudonymen")
        );
        let contacts = source("network_contacts").expect("contacts");
        let said = contacts.on_anonymisation();
        assert!(said.contains("Personens rader tas bort."), "{said}");
        assert!(said.contains("Telefonnummer töms"), "{said}");
        let decisions = source("decision_records").expect("decisions");
        assert!(
            decisions
                .on_anonymisation()
                .contains("Fryst: Ett beslut ändras aldrig"),
            "{}",
            decisions.on_anonymisation()
        );
        let attachments = source("requisition_attachments").expect("attachments");
        assert!(
            attachments
                .on_anonymisation()
                .contains("Bevarade filer behålls som de lämnades in."),
            "{}",
            attachments.on_anonymisation()
        );
        for s in INVENTORY {
            assert!(!s.heading.is_empty());
            assert!(!s.on_anonymisation().is_empty(), "{}", s.table);
        }
    }

    #[test]
    fn how_long_says_the_stated_rule_and_each_kinds_class() {
        let kept = Kept::Class {
            kinds: &[RetentionKind::SentMail],
            otherwise: "Tills den gallras.",
        };
        assert_eq!(kept.how_long(&[]), "Tills den gallras.");
        assert_eq!(
            kept.how_long(&[(
                RetentionKind::SentMail,
                "Skickad e-post".into(),
                "Gallras efter 2 år".into()
            )]),
            "Tills den gallras. Gallring av skickad e-post: gallras efter 2 år."
        );
        assert_eq!(
            Kept::Stated("Högst 12 timmar.").how_long(&[]),
            "Högst 12 timmar."
        );
    }

    #[test]
    fn an_extract_looks_for_names_and_addresses_of_three_characters_or_more() {
        let person = Person {
            user_id: None,
            names: vec!["Bo".into(), "Mirja Raderasson".into()],
            emails: vec!["mirja@region.se".into()],
        };
        assert_eq!(
            person.needles(),
            vec![
                "Mirja Raderasson".to_string(),
                "mirja@region.se".to_string()
            ]
        );
        assert_eq!(person.name(), "Bo");
        assert_eq!(person.email(), "mirja@region.se");
    }

    #[test]
    fn an_extracts_rows_read_as_swedish_labels_and_plain_values() {
        let found = Found {
            table: "users",
            heading: "Användarkonto",
            rows: vec![
                serde_json::json!({"name": "Mirja", "active": false, "organisation_id": null, "title": ""}),
            ],
        };
        let headers = found.headers();
        let cells = found.cells();
        assert_eq!(cells.len(), 1);
        let shown: Vec<(String, String)> = headers.into_iter().zip(cells[0].clone()).collect();
        assert!(shown.contains(&("Namn".to_string(), "Mirja".to_string())));
        assert!(shown.contains(&("Aktivt".to_string(), "false".to_string())));
        assert!(shown.contains(&("Organisationens id".to_string(), "–".to_string())));
        assert!(shown.contains(&("Titel".to_string(), "(tomt)".to_string())));
        assert!(!found.cut());
    }

    #[test]
    fn the_confirmed_accounts_are_read_from_the_form_or_all_refused() {
        let a = user(1);
        let b = user(2);
        let fields = |pairs: &[(&str, String)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        };
        assert_eq!(
            chosen_accounts(&fields(&[
                ("csrf", "x".into()),
                ("anvandare", a.to_string()),
                ("anvandare", b.to_string()),
                ("anvandare", a.to_string()),
            ])),
            Ok(vec![a, b])
        );
        assert_eq!(chosen_accounts(&fields(&[])), Ok(vec![]));
        assert!(
            chosen_accounts(&fields(&[
                ("anvandare", a.to_string()),
                ("anvandare", "nej".into())
            ]))
            .is_err()
        );
    }
}
