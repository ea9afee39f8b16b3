//! The rules of the network's events (träffar): what an event and a registration must
//! hold, when regions register and attendance is recorded, the attendance form and an
//! event's documents. Pure: the rows come from `db.rs`.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::model::Person;
use crate::{
    calendar::model::Meeting,
    clock::SWEDEN,
    dates::{format_date, parse_date},
    input::{parse_email, parse_name},
    web::FormErrors,
};

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
        let place = crate::input::bounded_text(&self.place, 300)
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
        let agenda = crate::input::bounded_text(&self.agenda, 10_000)
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

/// Whether one more document of `size` bytes fits beside the event's `count` documents of
/// `total` bytes (`crate::attachments`'s limits, in the network's words).
pub fn documents_fit(count: i64, total: i64, size: usize) -> Result<(), &'static str> {
    use crate::attachments::{Overflow, fits};
    fits(count, total, size).map_err(|overflow| match overflow {
        Overflow::TooMany => "Träffen har redan 20 dokument, det högsta antalet. Ta bort ett först.",
        Overflow::TooLarge => {
            "Dokumenten får vara högst 50 MB tillsammans. Ta bort ett dokument eller komprimera filen."
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::network::model::tests::person;

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
    fn an_event_holds_twenty_documents_of_fifty_megabytes_at_most() {
        assert!(documents_fit(0, 0, 10 * 1024 * 1024).is_ok());
        assert!(documents_fit(20, 0, 1).is_err());
        assert!(documents_fit(5, 45 * 1024 * 1024, 5 * 1024 * 1024 + 1).is_err());
    }
}
