//! The network's rules: what a directory entry, an event, a registration and Tillväxtverket's
//! contact must hold, who may change what and when, and the directory as CSV and vCard.
//! Pure: the rows come from `db.rs`.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    calendar::model::Meeting,
    clock::SWEDEN,
    dates::{format_date, parse_date},
    users::model::{parse_email, parse_name},
    web::FormErrors,
};

/// One person in the directory: a coordinator (a user) or a contact an administrator added.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Person {
    pub id: Uuid,
    /// The coordinator's account; `None` for a contact who is not a user.
    pub user_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
}

impl Person {
    /// Whether every word of the search is somewhere in the entry, in any case.
    pub fn matches(&self, search: &str) -> bool {
        let haystack = [
            &self.name,
            &self.title,
            &self.email,
            &self.phone,
            &self.organisation_name,
        ]
        .map(|s| s.to_lowercase())
        .join(" ");
        search
            .split_whitespace()
            .all(|word| haystack.contains(&word.to_lowercase()))
    }
}

/// Whose entries a user may change: an administrator anyone's, a coordinator only their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Editor {
    Anyone,
    Own(Uuid),
}

impl Editor {
    /// The user whose entry alone may be changed, or `None` for any: bind as
    /// `$n::uuid IS NULL OR user_id = $n`.
    pub fn only_user(self) -> Option<Uuid> {
        match self {
            Editor::Anyone => None,
            Editor::Own(user) => Some(user),
        }
    }
}

/// A phone number as typed, tidied: digits, spaces, `+`, `-` and brackets, or empty.
pub fn parse_phone(input: &str) -> Result<String, &'static str> {
    let phone = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if phone.chars().count() > 40 {
        Err("Högst 40 tecken.")
    } else if !phone
        .chars()
        .all(|c| c.is_ascii_digit() || " +()-".contains(c))
    {
        Err("Ange telefonnumret med siffror, till exempel 070-123 45 67 eller +46 70 123 45 67.")
    } else {
        Ok(phone)
    }
}

fn parse_optional_text(input: &str, max: usize) -> Result<String, String> {
    let text = input.trim().to_string();
    if text.chars().count() > max {
        Err(format!("Högst {max} tecken."))
    } else {
        Ok(text)
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// Only when an administrator adds a contact who is not a user.
    #[serde(default)]
    pub organisation_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidContact {
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
}

impl ContactForm {
    pub fn of(p: &Person) -> ContactForm {
        ContactForm {
            name: p.name.clone(),
            title: p.title.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            organisation_id: p.organisation_id.to_string(),
        }
    }

    pub fn validate(&self) -> Result<ValidContact, FormErrors> {
        let mut e = FormErrors::default();
        let name = parse_name(&self.name).map_err(|m| e.add("name", m)).ok();
        let title = parse_optional_text(&self.title, 200)
            .map_err(|m| e.add("title", m))
            .ok();
        let email = parse_email(&self.email).map_err(|m| e.add("email", m)).ok();
        let phone = parse_phone(&self.phone).map_err(|m| e.add("phone", m)).ok();
        match (name, title, email, phone) {
            (Some(name), Some(title), Some(email), Some(phone)) => Ok(ValidContact {
                name,
                title,
                email,
                phone,
            }),
            _ => Err(e),
        }
    }

    /// A new contact's organisation: one of those offered.
    pub fn organisation(&self, offered: &[Uuid]) -> Option<Uuid> {
        self.organisation_id
            .parse()
            .ok()
            .filter(|id| offered.contains(id))
    }
}

/// Tillväxtverket's contact for the regions, as shown on their start page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AgencyContact {
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct AgencyContactForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

impl AgencyContactForm {
    /// A name and an address, or both left empty to show no contact.
    pub fn validate(&self) -> Result<Option<AgencyContact>, FormErrors> {
        if self.name.trim().is_empty() && self.email.trim().is_empty() {
            return Ok(None);
        }
        let mut e = FormErrors::default();
        let name = parse_name(&self.name).map_err(|m| e.add("name", m)).ok();
        let email = parse_email(&self.email).map_err(|m| e.add("email", m)).ok();
        match (name, email) {
            (Some(name), Some(email)) => Ok(Some(AgencyContact { name, email })),
            _ => Err(e),
        }
    }
}

/// What kind of gathering an event is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "network_event_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Meeting,
    Competence,
}

impl EventKind {
    pub const ALL: [EventKind; 2] = [EventKind::Meeting, EventKind::Competence];

    pub fn label(self) -> &'static str {
        match self {
            EventKind::Meeting => "Nätverksträff",
            EventKind::Competence => "Kompetensutveckling",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            EventKind::Meeting => "natverkstraff",
            EventKind::Competence => "kompetensutveckling",
        }
    }

    pub fn from_key(key: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// A network meeting or competence-development event, in Swedish time.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct NetworkEvent {
    pub id: Uuid,
    pub kind: EventKind,
    pub title: String,
    pub day: NaiveDate,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    pub place: String,
    pub link: String,
    pub agenda: String,
    /// Why the event was cancelled, once it is.
    pub cancel_reason: Option<String>,
}

/// A Swedish wall-clock time as a moment; in the hour skipped in spring, the hour after.
fn swedish_moment(day: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let local = day.and_time(time);
    SWEDEN
        .from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            SWEDEN
                .from_local_datetime(&(local + chrono::Duration::hours(1)))
                .earliest()
        })
        .map_or_else(|| local.and_utc(), |t| t.with_timezone(&Utc))
}

impl NetworkEvent {
    /// `4 mars 2026 kl. 10.00–12.00`.
    pub fn when(&self) -> String {
        format!(
            "{} kl. {}–{}",
            format_date(self.day),
            self.starts.format("%H.%M"),
            self.ends.format("%H.%M")
        )
    }

    /// Regions register and cancel until the day of the event.
    pub fn open_for_registration(&self, today: NaiveDate) -> bool {
        today <= self.day && !self.cancelled()
    }

    /// Attendance is recorded afterwards: from the day of the event, unless it was cancelled.
    pub fn attendance_recordable(&self, today: NaiveDate) -> bool {
        today >= self.day && !self.cancelled()
    }

    pub fn cancelled(&self) -> bool {
        self.cancel_reason.is_some()
    }

    /// The event as it appears in a calendar feed.
    pub fn meeting(&self) -> Meeting {
        let location = match (self.place.is_empty(), self.link.is_empty()) {
            (false, false) => format!("{} och {}", self.place, self.link),
            (false, true) => self.place.clone(),
            _ => self.link.clone(),
        };
        Meeting {
            id: self.id,
            title: if self.cancelled() {
                format!("INSTÄLLD {}: {}", self.kind.label(), self.title)
            } else {
                format!("{}: {}", self.kind.label(), self.title)
            },
            cancelled: self.cancelled(),
            starts: swedish_moment(self.day, self.starts),
            ends: swedish_moment(self.day, self.ends),
            location,
            agenda: self.agenda.clone(),
            path: format!("/natverk/traffar/{}", self.id),
        }
    }
}

fn parse_time(input: &str, field: &'static str, e: &mut FormErrors) -> Option<NaiveTime> {
    let s = input.trim().replace('.', ":");
    if s.is_empty() {
        e.add(field, "Ange en tid.");
        return None;
    }
    let time = NaiveTime::parse_from_str(&s, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(&s, "%H:%M:%S"))
        .ok();
    if time.is_none() {
        e.add(field, "Ange tiden som TT:MM, till exempel 09:30.");
    }
    time
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct EventForm {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub starts: String,
    #[serde(default)]
    pub ends: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub link: String,
    #[serde(default)]
    pub agenda: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidEvent {
    pub kind: EventKind,
    pub title: String,
    pub day: NaiveDate,
    pub starts: NaiveTime,
    pub ends: NaiveTime,
    pub place: String,
    pub link: String,
    pub agenda: String,
}

impl EventForm {
    pub fn of(e: &NetworkEvent) -> EventForm {
        EventForm {
            kind: e.kind.key().into(),
            title: e.title.clone(),
            day: e.day.to_string(),
            starts: e.starts.format("%H:%M").to_string(),
            ends: e.ends.format("%H:%M").to_string(),
            place: e.place.clone(),
            link: e.link.clone(),
            agenda: e.agenda.clone(),
        }
    }

    pub fn validate(&self) -> Result<ValidEvent, FormErrors> {
        let mut e = FormErrors::default();
        let kind = EventKind::from_key(&self.kind);
        if kind.is_none() {
            e.add("kind", "Välj vilket slags träff det är.");
        }
        let title = self.title.trim().to_string();
        if title.is_empty() {
            e.add("title", "Ange en rubrik.");
        } else if title.chars().count() > 200 {
            e.add("title", "Högst 200 tecken.");
        }
        let day = parse_date(&self.day).map_err(|m| e.add("day", m)).ok();
        let starts = parse_time(&self.starts, "starts", &mut e);
        let ends = parse_time(&self.ends, "ends", &mut e);
        if let (Some(s), Some(t)) = (starts, ends)
            && s >= t
        {
            e.add("ends", "Sluttiden måste vara efter starttiden.");
        }
        let place = parse_optional_text(&self.place, 300)
            .map_err(|m| e.add("place", m))
            .ok();
        let link = self.link.trim().to_string();
        if !link.is_empty()
            && (!(link.starts_with("https://") || link.starts_with("http://"))
                || link.len() <= "https://".len()
                || link.chars().any(char::is_whitespace))
        {
            e.add(
                "link",
                "Ange en hel webbadress som börjar med https://, till exempel https://teams.microsoft.com/…",
            );
        } else if link.chars().count() > 500 {
            e.add("link", "Högst 500 tecken.");
        }
        if place.as_deref().is_some_and(str::is_empty) && link.is_empty() {
            e.add("place", "Ange en plats eller en länk till mötet.");
        }
        let agenda = parse_optional_text(&self.agenda, 10_000)
            .map_err(|m| e.add("agenda", m))
            .ok();
        match (kind, day, starts, ends, place, agenda) {
            (Some(kind), Some(day), Some(starts), Some(ends), Some(place), Some(agenda))
                if e.is_empty() =>
            {
                Ok(ValidEvent {
                    kind,
                    title,
                    day,
                    starts,
                    ends,
                    place,
                    link,
                    agenda,
                })
            }
            _ => Err(e),
        }
    }
}

/// Someone a region registers: a person of its own in the directory, or a colleague
/// named here (`contact` empty).
#[derive(Clone, Debug, Default, Deserialize)]
pub struct RegistrationForm {
    /// Staff registering on a region's behalf choose the organisation.
    #[serde(default)]
    pub organisation: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attendee {
    pub name: String,
    pub email: String,
}

impl RegistrationForm {
    /// The organisation staff register on behalf of, one of `known`.
    pub fn organisation_of(&self, known: &[Uuid]) -> Result<Uuid, &'static str> {
        self.organisation
            .trim()
            .parse()
            .ok()
            .filter(|id| known.contains(id))
            .ok_or("Välj vilken organisation personen kommer från.")
    }

    /// `own` is the organisation's people in the directory.
    pub fn validate(&self, own: &[Person]) -> Result<Attendee, FormErrors> {
        let mut e = FormErrors::default();
        if !self.contact.is_empty() {
            return match own.iter().find(|p| p.id.to_string() == self.contact) {
                Some(p) => Ok(Attendee {
                    name: p.name.clone(),
                    email: p.email.clone(),
                }),
                None => {
                    e.add("contact", "Välj en person i listan.");
                    Err(e)
                }
            };
        }
        let name = parse_name(&self.name).map_err(|m| e.add("name", m)).ok();
        let email = parse_email(&self.email).map_err(|m| e.add("email", m)).ok();
        match (name, email) {
            (Some(name), Some(email)) => Ok(Attendee { name, email }),
            _ => Err(e),
        }
    }
}

/// The attendance form: `narvaro_<registration>` = `ja` or `nej` for each registration.
/// Registrations left unanswered stay unrecorded.
pub fn parse_attendance(
    fields: &[(String, String)],
    registrations: &[Uuid],
) -> Result<Vec<(Uuid, bool)>, &'static str> {
    let mut out = vec![];
    for (key, value) in fields {
        let Some(id) = key.strip_prefix("narvaro_") else {
            continue;
        };
        let id: Uuid = id.parse().map_err(|_| "Okänd anmälan i formuläret.")?;
        if !registrations.contains(&id) {
            return Err("Okänd anmälan i formuläret.");
        }
        let attended = match value.as_str() {
            "ja" => true,
            "nej" => false,
            "" => continue,
            _ => return Err("Svara ja eller nej för varje anmäld."),
        };
        out.push((id, attended));
    }
    Ok(out)
}

/// Documents of an event: at most this many…
pub const MAX_DOCUMENTS: i64 = 20;

/// Whether one more document of `size` bytes fits beside `count` of `total` bytes (the
/// limits of a report's attachments).
pub fn documents_fit(count: i64, total: i64, size: usize) -> Result<(), &'static str> {
    use crate::reports::model::MAX_ATTACHMENTS_TOTAL_BYTES;
    if count >= MAX_DOCUMENTS {
        return Err("Träffen har redan 20 dokument, det högsta antalet. Ta bort ett först.");
    }
    if total.saturating_add(size as i64) > MAX_ATTACHMENTS_TOTAL_BYTES {
        return Err(
            "Dokumenten får vara högst 50 MB tillsammans. Ta bort ett dokument eller komprimera filen.",
        );
    }
    Ok(())
}

/// A CSV field, quoted when it must be. A value a spreadsheet would run as a formula gets
/// a leading apostrophe; a phone number (`+46 70…`) holds nothing a formula could do harm with.
fn csv_field(s: &str) -> String {
    let harmless = s.chars().all(|c| c.is_ascii_digit() || " +()-".contains(c));
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !harmless {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

pub const CSV_HEADINGS: [&str; 5] = ["Namn", "Titel", "E-post", "Telefon", "Organisation"];

/// UTF-8 with a BOM and semicolons, as the summary's CSV: what a Swedish Excel opens.
pub fn directory_csv(people: &[Person]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(&CSV_HEADINGS.join(";"));
    out.push_str("\r\n");
    for p in people {
        let fields =
            [&p.name, &p.title, &p.email, &p.phone, &p.organisation_name].map(|f| csv_field(f));
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// A vCard text value: backslash, comma, semicolon and line breaks escaped (RFC 6350 3.4).
fn vcard_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets, never inside a character, ended by CRLF.
fn folded(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// One vCard 3.0 per person: name (family name last), organisation, title, e-mail, phone.
pub fn directory_vcard(people: &[Person]) -> String {
    let mut out = String::new();
    for p in people {
        let (given, family) = p.name.rsplit_once(' ').unwrap_or(("", &p.name));
        let mut lines = vec![
            "BEGIN:VCARD".to_string(),
            "VERSION:3.0".to_string(),
            format!("N:{};{};;;", vcard_text(family), vcard_text(given)),
            format!("FN:{}", vcard_text(&p.name)),
            format!("ORG:{}", vcard_text(&p.organisation_name)),
        ];
        if !p.title.is_empty() {
            lines.push(format!("TITLE:{}", vcard_text(&p.title)));
        }
        lines.push(format!("EMAIL;TYPE=INTERNET,WORK:{}", vcard_text(&p.email)));
        if !p.phone.is_empty() {
            lines.push(format!("TEL;TYPE=WORK,VOICE:{}", vcard_text(&p.phone)));
        }
        lines.push(format!("UID:urn:uuid:{}", p.id));
        lines.push("END:VCARD".to_string());
        for line in lines {
            out.push_str(&folded(&line));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(name: &str, title: &str, phone: &str) -> Person {
        Person {
            id: Uuid::from_u128(1),
            user_id: None,
            organisation_id: Uuid::from_u128(2),
            organisation_name: "Region Skåne".into(),
            name: name.into(),
            title: title.into(),
            email: "anna@skane.se".into(),
            phone: phone.into(),
        }
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn event_form() -> EventForm {
        EventForm {
            kind: "natverkstraff".into(),
            title: "Nätverksträff i Stockholm".into(),
            day: "2026-03-04".into(),
            starts: "10:00".into(),
            ends: "15.30".into(),
            place: "Tillväxtverket, Stockholm".into(),
            link: String::new(),
            agenda: "1. Välkommen".into(),
        }
    }

    #[test]
    fn a_search_matches_every_word_anywhere_in_the_entry_in_any_case() {
        let anna = person("Anna Lindström", "Digitaliseringskoordinator", "040-123 45");
        assert!(anna.matches(""));
        assert!(anna.matches("lindström"));
        assert!(anna.matches("SKÅNE anna"));
        assert!(anna.matches("040-123"));
        assert!(anna.matches("koordinator"));
        assert!(!anna.matches("anna stockholm"));
    }

    #[test]
    fn a_contact_needs_a_name_and_an_address_and_a_phone_number_of_digits() {
        let form = ContactForm {
            name: "  Anna Lindström ".into(),
            title: "Koordinator".into(),
            email: " Anna@Skane.SE ".into(),
            phone: " +46  40 123 ".into(),
            organisation_id: String::new(),
        };
        let valid = form.validate().expect("valid");
        assert_eq!(valid.name, "Anna Lindström");
        assert_eq!(valid.email, "anna@skane.se");
        assert_eq!(valid.phone, "+46 40 123");
        let bad = ContactForm {
            name: " ".into(),
            email: "inte en adress".into(),
            phone: "ring mig".into(),
            ..form
        }
        .validate()
        .expect_err("invalid");
        assert!(bad.get("name").is_some());
        assert!(bad.get("email").is_some());
        assert!(bad.get("phone").is_some());
        assert_eq!(parse_phone(""), Ok(String::new()));
    }

    #[test]
    fn tillvaxtverkets_contact_is_a_name_and_an_address_or_none() {
        let none = AgencyContactForm::default();
        assert_eq!(none.validate().ok(), Some(None));
        let half = AgencyContactForm {
            name: "Eva Ek".into(),
            email: String::new(),
        };
        assert!(half.validate().is_err());
        let whole = AgencyContactForm {
            name: "Eva Ek".into(),
            email: "eva.ek@tillvaxtverket.se".into(),
        };
        assert_eq!(
            whole.validate().ok().flatten().map(|c| c.email),
            Some("eva.ek@tillvaxtverket.se".into())
        );
    }

    #[test]
    fn an_event_has_a_kind_a_day_a_time_span_and_a_place_or_a_link() {
        let valid = event_form().validate().expect("valid");
        assert_eq!(valid.kind, EventKind::Meeting);
        assert_eq!(valid.day, date(2026, 3, 4));
        assert_eq!(
            valid.ends,
            NaiveTime::from_hms_opt(15, 30, 0).expect("time")
        );

        let online = EventForm {
            place: String::new(),
            link: "https://teams.example/m/1".into(),
            ..event_form()
        };
        assert!(online.validate().is_ok());
        let nowhere = EventForm {
            place: " ".into(),
            ..event_form()
        };
        assert!(
            nowhere
                .validate()
                .expect_err("no place")
                .get("place")
                .is_some()
        );
        let script = EventForm {
            link: "javascript:alert(1)".into(),
            ..event_form()
        };
        assert!(
            script
                .validate()
                .expect_err("no script")
                .get("link")
                .is_some()
        );
        let backwards = EventForm {
            ends: "09:00".into(),
            ..event_form()
        };
        assert!(
            backwards
                .validate()
                .expect_err("order")
                .get("ends")
                .is_some()
        );
        for day in ["1899-12-31", "2101-01-01", "4 mars"] {
            let form = EventForm {
                day: day.into(),
                ..event_form()
            };
            assert!(form.validate().expect_err(day).get("day").is_some());
        }
        let unknown = EventForm {
            kind: "fest".into(),
            starts: "25:00".into(),
            ..event_form()
        };
        let e = unknown.validate().expect_err("kind and time");
        assert!(e.get("kind").is_some() && e.get("starts").is_some());
    }

    #[test]
    fn regions_register_until_the_day_and_attendance_is_recorded_from_the_day() {
        let v = event_form().validate().expect("valid");
        let event = NetworkEvent {
            id: Uuid::from_u128(9),
            kind: v.kind,
            title: v.title,
            day: v.day,
            starts: v.starts,
            ends: v.ends,
            place: v.place,
            link: v.link,
            agenda: v.agenda,
            cancel_reason: None,
        };
        assert!(event.open_for_registration(date(2026, 3, 4)));
        assert!(!event.open_for_registration(date(2026, 3, 5)));
        assert!(!event.attendance_recordable(date(2026, 3, 3)));
        assert!(event.attendance_recordable(date(2026, 3, 4)));
        assert_eq!(event.when(), "4 mars 2026 kl. 10.00–15.30");

        // 10.00 in Stockholm in March (CET) is 09.00 UTC; in June (CEST) 08.00.
        let meeting = event.meeting();
        assert_eq!(meeting.starts.to_rfc3339(), "2026-03-04T09:00:00+00:00");
        assert_eq!(meeting.ends.to_rfc3339(), "2026-03-04T14:30:00+00:00");
        assert_eq!(meeting.title, "Nätverksträff: Nätverksträff i Stockholm");
        assert_eq!(meeting.path, format!("/natverk/traffar/{}", event.id));
        let june = NetworkEvent {
            day: date(2026, 6, 10),
            ..event
        };
        assert_eq!(
            june.meeting().starts.to_rfc3339(),
            "2026-06-10T08:00:00+00:00"
        );
        // The hour skipped in spring: 02.30 on 29 March 2026 does not exist.
        let skipped = swedish_moment(
            date(2026, 3, 29),
            NaiveTime::from_hms_opt(2, 30, 0).expect("time"),
        );
        assert_eq!(skipped.to_rfc3339(), "2026-03-29T01:30:00+00:00");

        // A cancelled event takes no registrations and no attendance, and says so in feeds.
        let cancelled = NetworkEvent {
            cancel_reason: Some("Föreläsaren är sjuk.".into()),
            ..june
        };
        assert!(!cancelled.open_for_registration(date(2026, 6, 1)));
        assert!(!cancelled.attendance_recordable(date(2026, 6, 10)));
        let meeting = cancelled.meeting();
        assert!(meeting.cancelled);
        assert!(meeting.title.starts_with("INSTÄLLD "), "{}", meeting.title);
    }

    #[test]
    fn staff_register_on_behalf_of_a_known_organisation_only() {
        let known = [Uuid::from_u128(1), Uuid::from_u128(2)];
        let form = |organisation: &str| RegistrationForm {
            organisation: organisation.into(),
            ..Default::default()
        };
        assert_eq!(
            form(&Uuid::from_u128(2).to_string()).organisation_of(&known),
            Ok(Uuid::from_u128(2))
        );
        for wrong in ["", "x", &Uuid::from_u128(3).to_string()] {
            assert!(form(wrong).organisation_of(&known).is_err(), "{wrong:?}");
        }
    }

    #[test]
    fn a_region_registers_one_of_its_own_or_names_a_colleague() {
        let own = vec![person("Anna Lindström", "", "")];
        let chosen = RegistrationForm {
            contact: Uuid::from_u128(1).to_string(),
            ..Default::default()
        };
        assert_eq!(
            chosen.validate(&own).ok().map(|a| a.name),
            Some("Anna Lindström".into())
        );
        let stranger = RegistrationForm {
            contact: Uuid::from_u128(5).to_string(),
            ..Default::default()
        };
        assert!(stranger.validate(&own).is_err());
        let colleague = RegistrationForm {
            name: "Per Persson".into(),
            email: "Per@Skane.se".into(),
            ..Default::default()
        };
        assert_eq!(
            colleague.validate(&own).ok().map(|a| a.email),
            Some("per@skane.se".into())
        );
        assert!(RegistrationForm::default().validate(&own).is_err());
    }

    #[test]
    fn attendance_is_yes_or_no_for_the_events_own_registrations() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        let fields = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let sent = fields(&[
            ("csrf", "x"),
            (&format!("narvaro_{a}"), "ja"),
            (&format!("narvaro_{b}"), "nej"),
        ]);
        assert_eq!(
            parse_attendance(&sent, &[a, b]),
            Ok(vec![(a, true), (b, false)])
        );
        assert_eq!(
            parse_attendance(&fields(&[(&format!("narvaro_{a}"), "")]), &[a]),
            Ok(vec![])
        );
        assert!(parse_attendance(&fields(&[(&format!("narvaro_{a}"), "kanske")]), &[a]).is_err());
        assert!(parse_attendance(&fields(&[(&format!("narvaro_{b}"), "ja")]), &[a]).is_err());
        assert!(parse_attendance(&fields(&[("narvaro_x", "ja")]), &[a]).is_err());
    }

    #[test]
    fn the_csv_has_a_bom_semicolons_quotes_and_no_formulas() {
        let people = vec![
            person(
                "Anna Lindström",
                "Koordinator; digitalisering",
                "+46 40 123",
            ),
            person("=HYPERLINK(\"x\")", "", "-"),
        ];
        let csv = String::from_utf8(directory_csv(&people)).expect("utf-8");
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "\u{feff}Namn;Titel;E-post;Telefon;Organisation");
        assert_eq!(
            lines[1],
            "Anna Lindström;\"Koordinator; digitalisering\";anna@skane.se;+46 40 123;Region Skåne"
        );
        assert_eq!(
            lines[2],
            "\"'=HYPERLINK(\"\"x\"\")\";;anna@skane.se;-;Region Skåne"
        );
        assert_eq!(lines[3], "");
    }

    #[test]
    fn a_vcard_per_person_escaped_and_folded() {
        let long_title =
            "Samordnare för digitalisering, innovation; och regional utveckling i Skåne";
        let people = vec![
            person("Anna Maria Lindström", long_title, "040-123 45"),
            person("Per", "", ""),
        ];
        let text = directory_vcard(&people);
        assert_eq!(text.matches("BEGIN:VCARD\r\n").count(), 2);
        assert_eq!(text.matches("END:VCARD\r\n").count(), 2);
        assert!(text.contains("VERSION:3.0\r\n"));
        assert!(text.contains("N:Lindström;Anna Maria;;;\r\n"), "{text}");
        assert!(text.contains("FN:Anna Maria Lindström\r\n"));
        assert!(text.contains("ORG:Region Skåne\r\n"));
        assert!(text.contains("EMAIL;TYPE=INTERNET,WORK:anna@skane.se\r\n"));
        assert!(text.contains("TEL;TYPE=WORK,VOICE:040-123 45\r\n"));
        assert!(text.contains("N:Per;;;;\r\n"));
        assert!(text.lines().all(|l| l.len() <= 75), "{text}");
        // Unfolded, the title reads back with its comma and semicolon escaped.
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(
            "TITLE:Samordnare för digitalisering\\, innovation\\; och regional utveckling i Skåne\r\n"
        ));
        assert_eq!(vcard_text("a\\b\nc"), "a\\\\b\\nc");
    }

    #[test]
    fn folding_never_splits_a_character() {
        let line = "FN:".to_string() + &"å".repeat(80);
        let folded = folded(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75);
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), line);
    }

    #[test]
    fn an_event_holds_twenty_documents_of_fifty_megabytes_at_most() {
        assert!(documents_fit(0, 0, 10 * 1024 * 1024).is_ok());
        assert!(documents_fit(20, 0, 1).is_err());
        assert!(documents_fit(5, 45 * 1024 * 1024, 5 * 1024 * 1024 + 1).is_err());
    }
}
