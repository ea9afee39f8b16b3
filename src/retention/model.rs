//! The rules of retention, pure: the kinds of record Digikoord can dispose of, the classes an
//! administrator gives them, when a record of a kind is due, what holds it back (a legal hold,
//! another record that still refers to it), and the forms. Unit-tested below.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{dates::format_date, web::FormErrors};

/// A kind of record Digikoord can dispose of (`retention_kind`): each has a row in
/// `retention_kinds` with its Swedish name and the class an administrator set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type, Serialize)]
#[sqlx(type_name = "retention_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Mail sent, or given up (the outbox); a mail still waiting is never a candidate.
    SentMail,
    /// Requests for a new password (*Glömt lösenord?*), kept to throttle them.
    PasswordResetRequests,
    /// Requisitions withdrawn before they were ever submitted, with their attachments and
    /// messages.
    WithdrawnRequisitions,
    /// Exports of the summary (and the agency's documents) never marked submitted. Frozen.
    UnsubmittedExports,
    /// Exports marked submitted to the Government or Kammarkollegiet. Frozen.
    SubmittedExports,
    /// The bank's files of incoming payments, with their payments, once every payment in
    /// the file is decided. Frozen.
    BankFiles,
    /// Who a region registered for a network event.
    NetworkRegistrations,
    /// Decision records (`records`). Frozen.
    DecisionRecords,
}

/// When a record of a kind is no longer needed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotNeeded {
    /// From the day after its own end (`Record::ended_on`): a mail sent, a request that no
    /// longer counts, an event held.
    AfterItsEnd,
    /// Once its programme year is closed: the year's summary to the Government is marked
    /// submitted (*inlämnad*).
    YearClosed,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::SentMail,
        Kind::PasswordResetRequests,
        Kind::WithdrawnRequisitions,
        Kind::UnsubmittedExports,
        Kind::SubmittedExports,
        Kind::BankFiles,
        Kind::NetworkRegistrations,
        Kind::DecisionRecords,
    ];

    /// As the schema and the forms write it.
    pub fn key(self) -> &'static str {
        match self {
            Kind::SentMail => "sent_mail",
            Kind::PasswordResetRequests => "password_reset_requests",
            Kind::WithdrawnRequisitions => "withdrawn_requisitions",
            Kind::UnsubmittedExports => "unsubmitted_exports",
            Kind::SubmittedExports => "submitted_exports",
            Kind::BankFiles => "bank_files",
            Kind::NetworkRegistrations => "network_registrations",
            Kind::DecisionRecords => "decision_records",
        }
    }

    pub fn from_key(key: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.key() == key.trim())
    }

    /// What a legal hold on one of its records names (`legal_holds.entity`), and what the
    /// audit log calls it.
    pub fn entity(self) -> &'static str {
        match self {
            Kind::SentMail => "mail",
            Kind::PasswordResetRequests => "password_reset_request",
            Kind::WithdrawnRequisitions => "requisition",
            Kind::UnsubmittedExports | Kind::SubmittedExports => "summary_export",
            Kind::BankFiles => "bank_file",
            Kind::NetworkRegistrations => "network_registration",
            Kind::DecisionRecords => "decision_record",
        }
    }

    /// Frozen in the schema: removed only by a run two administrators confirmed
    /// (`disposal_allowed` in the migration).
    pub fn frozen(self) -> bool {
        matches!(
            self,
            Kind::UnsubmittedExports
                | Kind::SubmittedExports
                | Kind::BankFiles
                | Kind::DecisionRecords
        )
    }

    /// When a record of the kind is no longer needed; `None`: it has no such moment, so it
    /// is kept or disposed of after a number of years.
    pub fn not_needed(self) -> Option<NotNeeded> {
        match self {
            Kind::SentMail | Kind::PasswordResetRequests | Kind::NetworkRegistrations => {
                Some(NotNeeded::AfterItsEnd)
            }
            Kind::WithdrawnRequisitions | Kind::UnsubmittedExports => Some(NotNeeded::YearClosed),
            // The submitted export is what closes the year; a bank file is a record of money
            // (bokföringslagen); a decision is kept or disposed of after a number of years.
            Kind::SubmittedExports | Kind::BankFiles | Kind::DecisionRecords => None,
        }
    }

    /// The rule of *Gallras när den inte längre behövs*, as the page shows it.
    pub fn not_needed_rule(self) -> Option<&'static str> {
        match self {
            Kind::SentMail => Some("dagen efter att meddelandet skickades eller gavs upp"),
            Kind::PasswordResetRequests => Some(
                "dagen efter begäran: den räknas bara under en timme för att begränsa nya begäranden",
            ),
            Kind::NetworkRegistrations => Some("dagen efter att träffen hölls"),
            Kind::WithdrawnRequisitions | Kind::UnsubmittedExports => Some(
                "när programåret är avslutat: sammanställningen för året är markerad som inlämnad",
            ),
            Kind::SubmittedExports | Kind::BankFiles | Kind::DecisionRecords => None,
        }
    }

    /// What of the kind no class ever disposes of, and why, as the classes page says it.
    pub fn never_disposed(self) -> Option<&'static str> {
        match self {
            Kind::SubmittedExports => Some(
                "Sammanställningen till regeringen för ett programår, markerad som inlämnad, gallras aldrig, vilken klass som än väljs: den visar att programåret är avslutat, och det som gallras när programåret är avslutat räknar med den. Övriga inlämnade exporter gallras enligt klassen.",
            ),
            _ => None,
        }
    }

    /// The day the years of *Gallras efter … år* count from, as the page says it.
    pub fn dated_by(self) -> &'static str {
        match self {
            Kind::SentMail => {
                "dagen då meddelandet skickades (eller skapades, om det aldrig skickades)"
            }
            Kind::PasswordResetRequests => "dagen för begäran",
            Kind::WithdrawnRequisitions => "dagen då rekvisitionen återkallades",
            Kind::UnsubmittedExports => "dagen då exporten skapades",
            Kind::SubmittedExports => "dagen då exporten markerades som inlämnad",
            Kind::BankFiles => "dagen då filen lästes in",
            Kind::NetworkRegistrations => "dagen för träffen",
            Kind::DecisionRecords => "beslutsdagen",
        }
    }

    /// Why a record is kept although due: another record refers to it.
    pub fn referenced_because(self) -> &'static str {
        match self {
            Kind::SentMail => "Ett omskickat meddelande hänvisar till det här meddelandet.",
            Kind::WithdrawnRequisitions => {
                "Ett meddelande eller en utbetalning hänvisar fortfarande till rekvisitionen."
            }
            Kind::DecisionRecords => "Ett senare beslut vilar på det här beslutet.",
            _ => STILL_REFERENCED,
        }
    }

    /// The record as the list and the log name it: never a person's name or address, so the
    /// log that outlives the record keeps no personal data of it.
    pub fn describe(self, entity_id: &str, what: &str) -> String {
        match self {
            Kind::SentMail => format!("E-postmeddelande nr {entity_id} ({what})"),
            Kind::PasswordResetRequests => format!("Begäran om nytt lösenord nr {entity_id}"),
            Kind::WithdrawnRequisitions => {
                format!("Rekvisition {what}, återkallad innan den skickades in")
            }
            Kind::UnsubmittedExports => format!("Export ”{what}”, inte inlämnad"),
            Kind::SubmittedExports => format!("Export ”{what}”, inlämnad"),
            Kind::BankFiles => format!("Bankens fil ”{what}” med dess inbetalningar"),
            Kind::NetworkRegistrations => format!("Anmälan till {what}"),
            Kind::DecisionRecords => format!("Beslut {what}"),
        }
    }
}

/// Why a removal that the database refused (another record still refers to it) was skipped.
pub const STILL_REFERENCED: &str = "Andra uppgifter hänvisar fortfarande till handlingen.";

/// A class as the schema stores it (`retention_class`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "retention_class", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ClassKey {
    Keep,
    AfterYears,
    WhenNotNeeded,
}

impl ClassKey {
    pub fn key(self) -> &'static str {
        match self {
            ClassKey::Keep => "keep",
            ClassKey::AfterYears => "after_years",
            ClassKey::WhenNotNeeded => "when_not_needed",
        }
    }
}

/// What an administrator decided for a kind, from the agency's information-management plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// *Bevaras*: never disposed of.
    Keep,
    /// *Gallras efter N år*, counted from the record's own day (`Kind::dated_by`).
    AfterYears(u32),
    /// *Gallras när den inte längre behövs* (`Kind::not_needed_rule`).
    WhenNotNeeded,
}

impl Class {
    /// From the row; a number of years the schema would not hold reads as keep.
    pub fn from_db(key: ClassKey, years: Option<i32>) -> Class {
        match (key, years.and_then(|y| u32::try_from(y).ok())) {
            (ClassKey::AfterYears, Some(n)) if n > 0 => Class::AfterYears(n),
            (ClassKey::WhenNotNeeded, _) => Class::WhenNotNeeded,
            _ => Class::Keep,
        }
    }

    pub fn key(self) -> ClassKey {
        match self {
            Class::Keep => ClassKey::Keep,
            Class::AfterYears(_) => ClassKey::AfterYears,
            Class::WhenNotNeeded => ClassKey::WhenNotNeeded,
        }
    }

    pub fn years(self) -> Option<i32> {
        match self {
            Class::AfterYears(n) => i32::try_from(n).ok(),
            _ => None,
        }
    }

    pub fn label(self) -> String {
        match self {
            Class::Keep => "Bevaras".to_string(),
            Class::AfterYears(n) => format!("Gallras efter {n} år"),
            Class::WhenNotNeeded => "Gallras när den inte längre behövs".to_string(),
        }
    }
}

/// A record of a kind, as far as the rules need it (`db::records`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Record {
    pub entity_id: String,
    /// What names it in the list, besides its kind (`Kind::describe`).
    pub what: String,
    /// The day its years count from (`Kind::dated_by`), in Swedish time.
    pub dated: NaiveDate,
    /// The day its purpose ended (`NotNeeded::AfterItsEnd`); `None` while in use.
    pub ended_on: Option<NaiveDate>,
    /// Its programme year (`NotNeeded::YearClosed`).
    pub year: Option<i32>,
    /// The actors' years it belongs to, as a legal hold names them: `2025:<organisation>`,
    /// or `2025` for what concerns every actor's year (the summary).
    pub concerns: Vec<String>,
    /// Another record that stays refers to it.
    pub referenced: bool,
}

/// A legal hold in force (`legal_holds`, not released).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Hold {
    pub id: i64,
    pub entity: String,
    pub entity_id: String,
    pub reason: String,
}

/// What a legal hold on an actor's year names as its entity.
pub const ACTOR_YEAR: &str = "actor_year";

/// What a hold holds, in Swedish: an actor's year (by the actor's name, when known) or one
/// record.
pub fn held_description(entity: &str, entity_id: &str, organisation_name: Option<&str>) -> String {
    if entity == ACTOR_YEAR {
        let year = entity_id.split(':').next().unwrap_or_default();
        let actor = organisation_name.unwrap_or("Okänd aktör");
        format!("{actor}, {year}: allt som rör aktören det året")
    } else {
        format!("{}: {}", entity_label(entity), entity_id)
    }
}

/// The hold that keeps a record back, if any: one on the record itself, or on an actor's
/// year it belongs to (a year-wide record, such as the year's summary, belongs to every
/// actor's year).
pub fn holding<'a>(kind: Kind, record: &Record, holds: &'a [Hold]) -> Option<&'a Hold> {
    holds.iter().find(|h| {
        if h.entity == ACTOR_YEAR {
            let year = h.entity_id.split(':').next().unwrap_or_default();
            record
                .concerns
                .iter()
                .any(|c| *c == h.entity_id || (!c.contains(':') && c == year))
        } else {
            h.entity == kind.entity() && h.entity_id == record.entity_id
        }
    })
}

/// The day a record dated `dated` becomes due under *Gallras efter `years` år*: the same
/// day `years` years on (29 February: the 28th).
pub fn disposal_day(dated: NaiveDate, years: u32) -> Option<NaiveDate> {
    dated.checked_add_months(Months::new(years.checked_mul(12)?))
}

/// Why a record is due today under its class, or `None` when it is not.
pub fn due(
    kind: Kind,
    class: Class,
    record: &Record,
    closed_years: &[i32],
    today: NaiveDate,
) -> Option<String> {
    match class {
        Class::Keep => None,
        Class::AfterYears(n) => {
            let from = disposal_day(record.dated, n)?;
            (from <= today).then(|| {
                format!(
                    "Gallras {n} år efter {} (från och med {}).",
                    format_date(record.dated),
                    format_date(from)
                )
            })
        }
        Class::WhenNotNeeded => match kind.not_needed()? {
            NotNeeded::AfterItsEnd => {
                let ended = record.ended_on?;
                (ended < today)
                    .then(|| format!("Behövs inte längre: avslutad {}.", format_date(ended)))
            }
            NotNeeded::YearClosed => {
                let year = record.year?;
                closed_years.contains(&year).then(|| {
                    format!(
                        "Behövs inte längre: programåret {year} är avslutat (sammanställningen är inlämnad)."
                    )
                })
            }
        },
    }
}

/// What the rules say of a record today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Not due: it stays, and is not listed.
    Stays,
    /// Due, and nothing holds it back: `because` says why it is due.
    Due { because: String },
    /// Due, but kept for now, and listed so: `skipped` says why.
    Skipped { because: String, skipped: String },
}

pub fn judge(
    kind: Kind,
    class: Class,
    record: &Record,
    closed_years: &[i32],
    holds: &[Hold],
    today: NaiveDate,
) -> Verdict {
    let Some(because) = due(kind, class, record, closed_years, today) else {
        return Verdict::Stays;
    };
    if let Some(hold) = holding(kind, record, holds) {
        return Verdict::Skipped {
            because,
            skipped: format!(
                "Spärrad mot gallring (spärr nr {}): {}",
                hold.id, hold.reason
            ),
        };
    }
    if record.referenced {
        return Verdict::Skipped {
            because,
            skipped: kind.referenced_because().to_string(),
        };
    }
    Verdict::Due { because }
}

/// Which records of a kind need to be read to find those due: none (kept), those dated on
/// or before a day (a superset of the due: `judge` decides each), or every one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToRead {
    Nothing,
    DatedOnOrBefore(NaiveDate),
    Every,
}

pub fn to_read(kind: Kind, class: Class, today: NaiveDate) -> ToRead {
    match class {
        Class::Keep => ToRead::Nothing,
        Class::WhenNotNeeded if kind.not_needed().is_none() => ToRead::Nothing,
        Class::WhenNotNeeded => ToRead::Every,
        // A week's margin: a year after 29 February is the 28th.
        Class::AfterYears(n) => match n
            .checked_mul(12)
            .and_then(|m| today.checked_sub_months(Months::new(m)))
            .and_then(|d| d.checked_add_days(Days::new(7)))
        {
            Some(day) => ToRead::DatedOnOrBefore(day),
            None => ToRead::Every,
        },
    }
}

/// A disposal run's state (`disposal_run_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "disposal_run_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RunState {
    Proposed,
    Confirmed,
    Cancelled,
}

impl RunState {
    pub fn label(self) -> &'static str {
        match self {
            RunState::Proposed => "Väntar på bekräftelse",
            RunState::Confirmed => "Genomförd",
            RunState::Cancelled => "Avbruten",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            RunState::Proposed => "proposed",
            RunState::Confirmed => "confirmed",
            RunState::Cancelled => "cancelled",
        }
    }
}

/// A listed record's state in its run (`disposal_item_state`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "disposal_item_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ItemState {
    /// Due when proposed; removed only when a second administrator confirms.
    Proposed,
    Removed,
    Skipped,
}

impl ItemState {
    pub fn label(self) -> &'static str {
        match self {
            ItemState::Proposed => "Föreslås för gallring",
            ItemState::Removed => "Gallrad",
            ItemState::Skipped => "Hoppas över",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ItemState::Proposed => "proposed",
            ItemState::Removed => "removed",
            ItemState::Skipped => "skipped",
        }
    }
}

// ---- Forms ----

/// One kind's class, as the classes page sends it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ClassForm {
    pub kind: String,
    pub class: String,
    pub years: String,
    pub basis: String,
}

/// The longest basis (the plan's reference) kept.
pub const BASIS_MAX: usize = 300;

impl ClassForm {
    /// The form as saved before, to show filled in.
    pub fn of(class: Class, basis: Option<&str>) -> ClassForm {
        ClassForm {
            kind: String::new(),
            class: class.key().key().to_string(),
            years: class.years().map(|y| y.to_string()).unwrap_or_default(),
            basis: basis.unwrap_or_default().to_string(),
        }
    }

    /// The class and its basis for `kind`, or each fault beside its field (`class`,
    /// `years`, `basis`).
    pub fn validate(&self, kind: Kind) -> Result<(Class, Option<String>), FormErrors> {
        let mut errors = FormErrors::default();
        let class = match self.class.trim() {
            "keep" => Some(Class::Keep),
            "after_years" => match self.years.trim().parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => Some(Class::AfterYears(n)),
                _ => {
                    errors.add(
                        "years",
                        "Ange antalet år som ett heltal mellan 1 och 100, till exempel 2.",
                    );
                    None
                }
            },
            "when_not_needed" if kind.not_needed().is_some() => Some(Class::WhenNotNeeded),
            "when_not_needed" => {
                errors.add(
                    "class",
                    "Den här sortens handling har ingen tidpunkt då den inte längre behövs. Välj Bevaras eller Gallras efter ett antal år.",
                );
                None
            }
            _ => {
                errors.add("class", "Välj hur handlingarna ska hanteras.");
                None
            }
        };
        let basis = crate::input::optional_text(&mut errors, "basis", &self.basis, BASIS_MAX);
        if basis.is_none()
            && self.basis.trim().is_empty()
            && class.is_some_and(|c| c != Class::Keep)
        {
            errors.add(
                "basis",
                "Ange vad gallringen grundar sig på, till exempel punkten i informationshanteringsplanen och dess diarienummer.",
            );
        }
        match class {
            Some(class) if errors.is_empty() => Ok((class, basis)),
            _ => Err(errors),
        }
    }
}

/// What a legal hold is placed on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HoldTarget {
    /// Everything of an actor's year.
    ActorYear { year: i32, organisation: Uuid },
    /// One record: its entity (`Kind::entity`) and id.
    Record { entity: &'static str, id: String },
}

impl HoldTarget {
    pub fn entity(&self) -> &'static str {
        match self {
            HoldTarget::ActorYear { .. } => ACTOR_YEAR,
            HoldTarget::Record { entity, .. } => entity,
        }
    }

    pub fn entity_id(&self) -> String {
        match self {
            HoldTarget::ActorYear { year, organisation } => format!("{year}:{organisation}"),
            HoldTarget::Record { id, .. } => id.clone(),
        }
    }
}

/// What a hold may be placed on, as the form offers it: an actor's year, or one record of
/// each entity the kinds have.
pub fn hold_targets() -> Vec<(&'static str, &'static str)> {
    let mut targets = vec![(ACTOR_YEAR, entity_label(ACTOR_YEAR))];
    for kind in Kind::ALL {
        let entity = kind.entity();
        if !targets.iter().any(|(e, _)| *e == entity) {
            targets.push((entity, entity_label(entity)));
        }
    }
    targets
}

/// An entity a hold names, in Swedish; another's (placed through `db::place_hold` by
/// another part of Digikoord) as it is.
pub fn entity_label(entity: &str) -> &str {
    match entity {
        ACTOR_YEAR => "En aktörs år (allt som rör aktören det året)",
        "mail" => "Ett e-postmeddelande",
        "password_reset_request" => "En begäran om nytt lösenord",
        "requisition" => "En rekvisition",
        "summary_export" => "En export av sammanställningen",
        "bank_file" => "En fil från banken",
        "network_registration" => "En anmälan till en nätverksträff",
        "decision_record" => "Ett beslut",
        "report" => "En redovisning",
        other => other,
    }
}

/// Whether an entity's ids are numbers (the outbox's, the password requests'); the others'
/// are UUIDs.
fn numbered(entity: &str) -> bool {
    matches!(entity, "mail" | "password_reset_request")
}

/// A legal hold, as the holds page sends it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct HoldForm {
    /// `actor_year`, or an entity of `hold_targets`.
    pub target: String,
    pub year: String,
    pub organisation: String,
    /// The record's id, for a hold on one record.
    pub record: String,
    pub reason: String,
}

/// The longest reason for a hold kept.
pub const REASON_MAX: usize = 2000;

impl HoldForm {
    pub fn validate(&self) -> Result<(HoldTarget, String), FormErrors> {
        let mut errors = FormErrors::default();
        let targets = hold_targets();
        let target = match targets.iter().find(|(e, _)| *e == self.target.trim()) {
            None => {
                errors.add("target", "Välj vad spärren gäller.");
                None
            }
            Some(&(ACTOR_YEAR, _)) => {
                let year = match crate::dates::parse_year(&self.year) {
                    Ok(y) => Some(y),
                    Err(message) => {
                        errors.add("year", message);
                        None
                    }
                };
                let organisation = match Uuid::parse_str(self.organisation.trim()) {
                    Ok(o) => Some(o),
                    Err(_) => {
                        errors.add("organisation", "Välj aktören.");
                        None
                    }
                };
                year.zip(organisation)
                    .map(|(year, organisation)| HoldTarget::ActorYear { year, organisation })
            }
            Some(&(entity, _)) => {
                let id = self.record.trim();
                let valid = if numbered(entity) {
                    id.parse::<i64>().is_ok_and(|n| n > 0)
                } else {
                    Uuid::parse_str(id).is_ok()
                };
                if valid {
                    let id = if numbered(entity) {
                        id.to_string()
                    } else {
                        Uuid::parse_str(id)
                            .map(|u| u.to_string())
                            .unwrap_or_default()
                    };
                    Some(HoldTarget::Record { entity, id })
                } else {
                    errors.add(
                        "record",
                        if numbered(entity) {
                            "Ange handlingens nummer, till exempel 1234."
                        } else {
                            "Ange handlingens id, till exempel 0b7e3c4a-1f2d-4e5f-8a9b-0c1d2e3f4a5b (det står i adressen till handlingens sida)."
                        },
                    );
                    None
                }
            }
        };
        let reason = crate::input::required_text(
            &mut errors,
            "reason",
            &self.reason,
            REASON_MAX,
            "Skriv varför handlingarna inte får gallras, till exempel ett överklagande eller en begäran om allmän handling.",
        );
        match (target, reason) {
            (Some(target), Some(reason)) if errors.is_empty() => Ok((target, reason)),
            _ => Err(errors),
        }
    }
}

/// The digest of a run's list: SHA-256 (hex) of each record's kind and id, one a line, in
/// the order of the lines. The page that shows the list carries it in the confirmation, with
/// the number of records, so that what is confirmed is exactly what was read.
pub fn items_digest<'a>(items: impl IntoIterator<Item = (Kind, &'a str)>) -> String {
    let mut lines: Vec<String> = items
        .into_iter()
        .map(|(kind, id)| format!("{}\t{id}\n", kind.key()))
        .collect();
    lines.sort();
    hex::encode(Sha256::digest(lines.concat().as_bytes()))
}

/// The second administrator's confirmation: the box that says the list is read, and which
/// list it was (`items`, the number of records; `digest`, `items_digest` of them).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    pub reviewed: String,
    pub items: String,
    pub digest: String,
}

impl ConfirmForm {
    pub fn reviewed(&self) -> bool {
        self.reviewed.trim() == "ja"
    }

    /// Whether the list read is the run's list: as many records, the same digest.
    pub fn is_of(&self, items: usize, digest: &str) -> bool {
        self.items.trim().parse::<usize>().ok() == Some(items)
            && self.digest.trim().eq_ignore_ascii_case(digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn record(dated: NaiveDate) -> Record {
        Record {
            entity_id: "7".into(),
            what: String::new(),
            dated,
            ended_on: Some(dated),
            year: Some(2024),
            concerns: vec![],
            referenced: false,
        }
    }

    fn hold(id: i64, entity: &str, entity_id: &str) -> Hold {
        Hold {
            id,
            entity: entity.into(),
            entity_id: entity_id.into(),
            reason: "Överklagat".into(),
        }
    }

    #[test]
    fn every_kind_has_its_key_and_a_hold_target() {
        for kind in Kind::ALL {
            assert_eq!(Kind::from_key(kind.key()), Some(kind));
            assert!(
                hold_targets().iter().any(|(e, _)| *e == kind.entity()),
                "{kind:?}"
            );
            assert_ne!(entity_label(kind.entity()), kind.entity(), "{kind:?}");
            // The rule is shown exactly where the class may be chosen.
            assert_eq!(
                kind.not_needed().is_some(),
                kind.not_needed_rule().is_some()
            );
        }
        assert_eq!(Kind::from_key("audit_log"), None);
    }

    #[test]
    fn kept_is_never_due() {
        let old = record(date(1990, 1, 1));
        assert_eq!(
            due(Kind::SentMail, Class::Keep, &old, &[2024], date(2026, 3, 1)),
            None
        );
        assert_eq!(
            to_read(Kind::SentMail, Class::Keep, date(2026, 3, 1)),
            ToRead::Nothing
        );
    }

    #[test]
    fn after_years_is_due_on_the_anniversary_and_not_the_day_before() {
        let r = record(date(2023, 3, 1));
        let class = Class::AfterYears(2);
        assert_eq!(due(Kind::SentMail, class, &r, &[], date(2025, 2, 28)), None);
        let because = due(Kind::SentMail, class, &r, &[], date(2025, 3, 1)).expect("due");
        assert!(because.contains("2 år efter 1 mars 2023"), "{because}");
        assert!(because.contains("1 mars 2025"), "{because}");
    }

    #[test]
    fn a_year_after_the_29th_of_february_is_the_28th() {
        assert_eq!(disposal_day(date(2024, 2, 29), 1), Some(date(2025, 2, 28)));
        assert_eq!(disposal_day(date(2024, 2, 29), 4), Some(date(2028, 2, 29)));
        assert_eq!(disposal_day(date(2024, 2, 29), u32::MAX), None);
    }

    #[test]
    fn what_is_read_holds_every_record_that_is_due() {
        for years in [1, 2, 7, 10] {
            let class = Class::AfterYears(years);
            let mut today = date(2027, 1, 1);
            while today < date(2029, 12, 31) {
                let ToRead::DatedOnOrBefore(cutoff) = to_read(Kind::BankFiles, class, today) else {
                    panic!("a day to read to");
                };
                let mut dated = today - Days::new(365 * u64::from(years) + 40);
                while dated < today {
                    if due(Kind::BankFiles, class, &record(dated), &[], today).is_some() {
                        assert!(dated <= cutoff, "{dated} due on {today}, read to {cutoff}");
                    }
                    dated = dated + Days::new(1);
                }
                today = today + Days::new(13);
            }
        }
    }

    #[test]
    fn when_not_needed_follows_each_kinds_own_rule() {
        let today = date(2026, 3, 1);
        // Ended yesterday: due; ended today: not yet.
        let mut mail = record(date(2026, 2, 28));
        assert!(due(Kind::SentMail, Class::WhenNotNeeded, &mail, &[], today).is_some());
        mail.ended_on = Some(today);
        assert!(due(Kind::SentMail, Class::WhenNotNeeded, &mail, &[], today).is_none());
        mail.ended_on = None;
        assert!(due(Kind::SentMail, Class::WhenNotNeeded, &mail, &[], today).is_none());
        // A withdrawn draft goes once its year's summary is submitted.
        let draft = record(date(2024, 5, 1));
        let kind = Kind::WithdrawnRequisitions;
        assert!(due(kind, Class::WhenNotNeeded, &draft, &[2023], today).is_none());
        let because = due(kind, Class::WhenNotNeeded, &draft, &[2023, 2024], today).expect("due");
        assert!(because.contains("programåret 2024"), "{because}");
        // A kind without the moment is never due by it, and nothing of it is read.
        let decision = record(date(2000, 1, 1));
        let kind = Kind::DecisionRecords;
        assert!(due(kind, Class::WhenNotNeeded, &decision, &[2024], today).is_none());
        assert_eq!(to_read(kind, Class::WhenNotNeeded, today), ToRead::Nothing);
    }

    #[test]
    fn a_hold_on_the_record_or_its_actors_year_keeps_it() {
        let org = Uuid::nil();
        let other = Uuid::from_u128(1);
        let today = date(2026, 3, 1);
        let class = Class::AfterYears(1);
        let mut r = record(date(2024, 1, 1));
        r.concerns = vec![format!("2024:{org}")];
        let kind = Kind::WithdrawnRequisitions;
        assert!(matches!(
            judge(kind, class, &r, &[], &[], today),
            Verdict::Due { .. }
        ));
        // On the record itself, under its kind's entity.
        let on_record = [hold(3, "requisition", "7")];
        assert!(matches!(
            judge(kind, class, &r, &[], &on_record, today),
            Verdict::Skipped { skipped, .. }
                if skipped.contains("spärr nr 3") && skipped.contains("Överklagat")
        ));
        // The same id under another entity holds nothing.
        assert!(holding(kind, &r, &[hold(3, "mail", "7")]).is_none());
        // The actor's year; not another actor's, nor another year.
        assert!(holding(kind, &r, &[hold(4, ACTOR_YEAR, &format!("2024:{org}"))]).is_some());
        assert!(holding(kind, &r, &[hold(4, ACTOR_YEAR, &format!("2024:{other}"))]).is_none());
        assert!(holding(kind, &r, &[hold(4, ACTOR_YEAR, &format!("2025:{org}"))]).is_none());
        // A year-wide record (the summary) belongs to every actor's year.
        r.concerns = vec!["2024".into()];
        assert!(holding(kind, &r, &[hold(5, ACTOR_YEAR, &format!("2024:{other}"))]).is_some());
        assert!(holding(kind, &r, &[hold(5, ACTOR_YEAR, &format!("2023:{other}"))]).is_none());
    }

    #[test]
    fn a_record_another_refers_to_is_listed_but_kept() {
        let mut r = record(date(2020, 1, 1));
        r.referenced = true;
        let verdict = judge(
            Kind::DecisionRecords,
            Class::AfterYears(1),
            &r,
            &[],
            &[],
            date(2026, 3, 1),
        );
        assert_eq!(
            verdict,
            Verdict::Skipped {
                because: due(
                    Kind::DecisionRecords,
                    Class::AfterYears(1),
                    &r,
                    &[],
                    date(2026, 3, 1)
                )
                .expect("due"),
                skipped: Kind::DecisionRecords.referenced_because().into(),
            }
        );
    }

    #[test]
    fn a_class_round_trips_through_the_schema() {
        for class in [Class::Keep, Class::AfterYears(7), Class::WhenNotNeeded] {
            assert_eq!(Class::from_db(class.key(), class.years()), class);
        }
        assert_eq!(Class::from_db(ClassKey::AfterYears, None), Class::Keep);
        assert_eq!(Class::from_db(ClassKey::AfterYears, Some(-2)), Class::Keep);
        assert_eq!(Class::AfterYears(2).label(), "Gallras efter 2 år");
    }

    fn class_form(class: &str, years: &str, basis: &str) -> ClassForm {
        ClassForm {
            kind: String::new(),
            class: class.into(),
            years: years.into(),
            basis: basis.into(),
        }
    }

    #[test]
    fn a_class_is_chosen_with_its_years_and_its_basis() {
        let kind = Kind::SentMail;
        assert_eq!(
            class_form("keep", "", "").validate(kind).ok(),
            Some((Class::Keep, None))
        );
        assert_eq!(
            class_form("after_years", " 2 ", " IHP 4.2, dnr 2026-00012 ")
                .validate(kind)
                .ok(),
            Some((Class::AfterYears(2), Some("IHP 4.2, dnr 2026-00012".into())))
        );
        let errors = class_form("after_years", "två", "IHP")
            .validate(kind)
            .expect_err("years");
        assert!(errors.get("years").is_some());
        let errors = class_form("after_years", "0", "IHP")
            .validate(kind)
            .expect_err("years");
        assert!(errors.get("years").is_some());
        let errors = class_form("after_years", "2", " ")
            .validate(kind)
            .expect_err("basis");
        assert!(errors.get("basis").is_some() && errors.get("years").is_none());
        let errors = class_form("", "", "").validate(kind).expect_err("class");
        assert!(errors.get("class").is_some());
        assert!(
            class_form("when_not_needed", "", "IHP")
                .validate(kind)
                .is_ok()
        );
        let errors = class_form("when_not_needed", "", "IHP")
            .validate(Kind::DecisionRecords)
            .expect_err("no such moment");
        assert!(errors.get("class").is_some_and(|m| m.contains("Bevaras")));
        let long = "x".repeat(BASIS_MAX + 1);
        assert!(class_form("keep", "", &long).validate(kind).is_err());
    }

    fn hold_form(
        target: &str,
        year: &str,
        organisation: &str,
        record: &str,
        reason: &str,
    ) -> HoldForm {
        HoldForm {
            target: target.into(),
            year: year.into(),
            organisation: organisation.into(),
            record: record.into(),
            reason: reason.into(),
        }
    }

    #[test]
    fn a_hold_names_an_actors_year_or_one_record_and_why() {
        let org = Uuid::from_u128(42);
        let (target, reason) = hold_form(ACTOR_YEAR, "2025", &org.to_string(), "", " Överklagat ")
            .validate()
            .expect("valid");
        assert_eq!(target.entity(), ACTOR_YEAR);
        assert_eq!(target.entity_id(), format!("2025:{org}"));
        assert_eq!(reason, "Överklagat");
        let errors = hold_form(ACTOR_YEAR, "tjugo", "", "", "Överklagat")
            .validate()
            .expect_err("no year, no actor");
        assert!(errors.get("year").is_some() && errors.get("organisation").is_some());

        let (target, _) = hold_form("mail", "", "", " 12 ", "Begäran om allmän handling")
            .validate()
            .expect("valid");
        assert_eq!(
            target,
            HoldTarget::Record {
                entity: "mail",
                id: "12".into()
            }
        );
        assert!(hold_form("mail", "", "", "abc", "x").validate().is_err());
        let id = Uuid::from_u128(7);
        let (target, _) = hold_form("requisition", "", "", &id.to_string().to_uppercase(), "x")
            .validate()
            .expect("valid");
        assert_eq!(target.entity_id(), id.to_string());
        let errors = hold_form("requisition", "", "", "12", "")
            .validate()
            .expect_err("bad");
        assert!(errors.get("record").is_some() && errors.get("reason").is_some());
        let errors = hold_form("audit_log", "", "", "1", "x")
            .validate()
            .expect_err("bad");
        assert!(errors.get("target").is_some());
    }

    #[test]
    fn the_confirmation_is_of_exactly_the_list_read() {
        let listed = [
            (Kind::SentMail, "12"),
            (
                Kind::DecisionRecords,
                "0b7e3c4a-1f2d-4e5f-8a9b-0c1d2e3f4a5b",
            ),
        ];
        let digest = items_digest(listed);
        assert_eq!(digest.len(), 64);
        // The order the list is read in does not matter; each record does.
        assert_eq!(items_digest([listed[1], listed[0]]), digest);
        assert_ne!(items_digest([listed[0]]), digest);
        assert_ne!(
            items_digest([listed[0], listed[1], (Kind::SentMail, "13")]),
            digest
        );
        assert_ne!(
            items_digest([(Kind::PasswordResetRequests, "12"), listed[1]]),
            digest,
            "the same id of another kind is another record"
        );
        // An empty list (a run with nothing listed) has the digest of nothing.
        assert_eq!(
            items_digest([]),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        let form = |items: &str, digest: &str| ConfirmForm {
            reviewed: "ja".into(),
            items: items.into(),
            digest: digest.into(),
        };
        assert!(form("2", &digest).is_of(2, &digest));
        assert!(form(" 2 ", &digest.to_uppercase()).is_of(2, &digest));
        assert!(!form("3", &digest).is_of(2, &digest), "another number");
        assert!(
            !form("2", &items_digest([listed[0]])).is_of(2, &digest),
            "another list"
        );
        assert!(!form("", "").is_of(2, &digest), "no list named");
        assert!(!ConfirmForm::default().is_of(0, &items_digest([])));
    }

    #[test]
    fn the_submitted_summary_is_never_disposed_of_and_the_page_says_so() {
        for kind in Kind::ALL {
            assert_eq!(
                kind.never_disposed().is_some(),
                kind == Kind::SubmittedExports,
                "{kind:?}"
            );
        }
        assert!(
            Kind::SubmittedExports
                .never_disposed()
                .is_some_and(|s| s.contains("programåret är avslutat"))
        );
    }

    #[test]
    fn a_hold_says_what_it_holds() {
        let org = Uuid::from_u128(42);
        assert_eq!(
            held_description(ACTOR_YEAR, &format!("2025:{org}"), Some("Region Skåne")),
            "Region Skåne, 2025: allt som rör aktören det året"
        );
        assert_eq!(
            held_description(ACTOR_YEAR, &format!("2025:{org}"), None),
            "Okänd aktör, 2025: allt som rör aktören det året"
        );
        assert_eq!(
            held_description("mail", "12", None),
            "Ett e-postmeddelande: 12"
        );
    }

    #[test]
    fn the_list_names_no_person() {
        assert_eq!(
            Kind::SentMail.describe("12", "requisition.approved"),
            "E-postmeddelande nr 12 (requisition.approved)"
        );
        assert_eq!(
            Kind::PasswordResetRequests.describe("3", "anna@example.se"),
            "Begäran om nytt lösenord nr 3"
        );
    }
}
