//! What a calendar feed holds: the deadlines of its owner's organisation (or, for
//! Tillväxtverket, of every actor and its own) as all-day events, written as RFC 5545.
//! Pure: the dates come from `db.rs`; the rule for an extended date is the requisition's.

use chrono::{DateTime, NaiveDate, Utc};
use icalendar::{Alarm, Calendar, Component, Event, EventLike, Property, Trigger};
use uuid::Uuid;

use crate::{
    auth::{Scope, UserKind},
    dates::format_date,
    programme::model::{Deadlines, YearDate},
};

/// Whose deadlines a feed shows: one organisation's, to its coordinators; or every
/// actor's and Tillväxtverket's own, to Tillväxtverket's staff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Feed {
    Organisation { id: Uuid, name: String },
    Agency,
}

impl Feed {
    /// The feed a user gets: their organisation's, or Tillväxtverket's for any staff role.
    pub fn of(kind: &UserKind) -> Feed {
        match kind {
            UserKind::Coordinator {
                organisation,
                organisation_name,
            } => Feed::Organisation {
                id: *organisation,
                name: organisation_name.clone(),
            },
            UserKind::Staff(_) => Feed::Agency,
        }
    }

    /// Whose actor deadlines the feed reads.
    pub fn scope(&self) -> Scope {
        match self {
            Feed::Organisation { id, .. } => Scope::Organisation(*id),
            Feed::Agency => Scope::All,
        }
    }

    /// The name the calendar goes by in Outlook or Google Calendar.
    pub fn name(&self) -> String {
        match self {
            Feed::Organisation { name, .. } => format!("Digikoord – {name}"),
            Feed::Agency => "Digikoord – Tillväxtverket".into(),
        }
    }

    /// What the feed holds, in a sentence (the page says it, and so does the feed).
    pub fn contents(&self) -> &'static str {
        match self {
            Feed::Organisation { .. } => {
                "Sista dag för rekvisition för varje programår där er organisation är aktör, för redovisning och återbetalning de år ni har rekvirerat och fått medel, med förlängd tid när ni har fått det, och koordinatornätverkets träffar."
            }
            Feed::Agency => {
                "Sista dag för varje aktörs rekvisition, för redovisning och återbetalning hos de aktörer som har rekvirerat och fått medel, för Tillväxtverkets egen rekvisition från och återbetalning till Kammarkollegiet och redovisning till Regeringskansliet, och koordinatornätverkets träffar."
            }
        }
    }
}

/// The step of the programme's cycle a deadline closes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Requisition,
    Report,
    Repayment,
    AgencyRequisition,
    AgencyRepayment,
    Summary,
}

impl Step {
    /// The start of the event's UID. A UID never changes, so a calendar app moves the
    /// event when an extension is granted instead of adding a second one.
    fn key(self) -> &'static str {
        match self {
            Step::Requisition => "requisition",
            Step::Report => "report",
            Step::Repayment => "repayment",
            Step::AgencyRequisition => "agency-requisition",
            Step::AgencyRepayment => "agency-repayment",
            Step::Summary => "summary",
        }
    }

    /// The event's title, short as a calendar shows it.
    fn title(self) -> &'static str {
        match self {
            Step::Requisition => "Rekvisition",
            Step::Report => "Redovisning",
            Step::Repayment => "Återbetalning",
            Step::AgencyRequisition => "Rekvisition från Kammarkollegiet",
            Step::AgencyRepayment => "Återbetalning och ekonomisk redovisning till Kammarkollegiet",
            Step::Summary => "Redovisning till Regeringskansliet",
        }
    }

    /// What is due, for the event's description.
    fn what(self) -> &'static str {
        match self {
            Step::Requisition => "Rekvisition av medel",
            Step::Report => "Redovisning av verksamheten",
            Step::Repayment => "Återbetalning av outnyttjade medel",
            Step::AgencyRequisition => "Tillväxtverkets rekvisition av medel från Kammarkollegiet",
            Step::AgencyRepayment => {
                "Tillväxtverkets återbetalning och ekonomiska redovisning till Kammarkollegiet"
            }
            // The ministry is the year's (`Deadline::recipient`).
            Step::Summary => "Tillväxtverkets redovisning till Regeringskansliet",
        }
    }
}

/// The organisation that must act, under the name it had as an actor that year.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub organisation_id: Uuid,
    pub name: String,
}

/// One deadline in a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Deadline {
    pub step: Step,
    /// The programme year it belongs to: the report of 2025 falls due in 2026.
    pub year: i32,
    pub date: NaiveDate,
    /// The actor who must act; `None` for Tillväxtverket's own.
    pub actor: Option<Actor>,
    /// The year's own date, when an extension moved this one later.
    pub extended_from: Option<NaiveDate>,
    /// The date is ours, not a source's: said in the event (*antaget – ej angivet i beslutet*).
    pub assumed: bool,
    /// To whom the report to the Government goes, for its event ("Näringsdepartementet").
    pub recipient: Option<String>,
    /// A repayment's Bankgirot OCR number, to pay with (`bank::model::ocr_reference`).
    pub ocr: Option<String>,
}

impl Deadline {
    /// An actor's deadline: `due`, the day that counts (the year's `ordinary` date, or a
    /// later one granted to the actor: the schema's `actor_deadlines`).
    fn of_actor(
        step: Step,
        year: i32,
        actor: &Actor,
        ordinary: NaiveDate,
        due: NaiveDate,
        assumed: bool,
    ) -> Deadline {
        let date = due;
        let extended_from = (date != ordinary).then_some(ordinary);
        Deadline {
            step,
            year,
            date,
            actor: Some(actor.clone()),
            extended_from,
            // A date granted to the actor rests on the extension's own basis.
            assumed: assumed && extended_from.is_none(),
            recipient: None,
            ocr: None,
        }
    }

    fn uid(&self) -> String {
        match &self.actor {
            Some(a) => format!(
                "{}-{}-{}@digikoord",
                self.step.key(),
                self.year,
                a.organisation_id
            ),
            None => format!("{}-{}@digikoord", self.step.key(), self.year),
        }
    }

    /// The feed's owner must meet this deadline themselves (Tillväxtverket's staff see
    /// the actors' deadlines too, but meet only their own).
    fn is_owners(&self, feed: &Feed) -> bool {
        matches!(feed, Feed::Organisation { .. }) || self.actor.is_none()
    }

    fn summary(&self, feed: &Feed) -> String {
        let extended = if self.extended_from.is_some() {
            " (förlängd)"
        } else {
            ""
        };
        match &self.actor {
            Some(actor) if !self.is_owners(feed) => format!(
                "{} {}: {}{extended}",
                self.step.title(),
                self.year,
                actor.name
            ),
            _ => format!("{} {} – sista dag{extended}", self.step.title(), self.year),
        }
    }

    fn description(&self, link: &str) -> String {
        let actor = self
            .actor
            .as_ref()
            .map(|a| format!(", {}", a.name))
            .unwrap_or_default();
        let extended = self
            .extended_from
            .map(|d| format!(" (förlängd från {})", format_date(d)))
            .unwrap_or_default();
        let what = match (self.step, &self.recipient) {
            (Step::Summary, Some(ministry)) => {
                format!("Tillväxtverkets redovisning till Regeringskansliet ({ministry})")
            }
            (step, _) => step.what().to_string(),
        };
        let ocr = self
            .ocr
            .as_deref()
            .map(|ocr| format!("\nOCR-nummer: {ocr} (till Tillväxtverkets bankgiro)."))
            .unwrap_or_default();
        format!(
            "{what} för programår {}{actor}.\nSista dag: {}{extended}.{ocr}\n{link}",
            self.year,
            crate::programme::model::marked_date(self.date, self.assumed),
        )
    }

    /// The page in Digikoord where the step is done or followed.
    fn path(&self, feed: &Feed) -> String {
        let year = self.year;
        match (feed, self.step) {
            (Feed::Organisation { .. }, _) => format!("/?ar={year}"),
            (Feed::Agency, Step::Requisition) => format!("/handlaggning/rekvisitioner?ar={year}"),
            (Feed::Agency, Step::Report) => format!("/handlaggning/redovisningar?ar={year}"),
            (Feed::Agency, Step::Repayment) => format!("/handlaggning/aterbetalningar?ar={year}"),
            (Feed::Agency, Step::AgencyRequisition | Step::AgencyRepayment) => {
                format!("/konto?ar={year}")
            }
            (Feed::Agency, Step::Summary) => format!("/sammanstallning?ar={year}"),
        }
    }
}

/// An actor's deadlines of one programme year: the year's dates, the days that count
/// with any extension granted to the actor (the schema's `actor_deadlines`), and whether
/// it requisitioned funds that year (the schema's `requisitioned_funds`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActorYear {
    pub year: i32,
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub requisition_deadline: NaiveDate,
    pub requisition_due: NaiveDate,
    pub report_deadline: NaiveDate,
    pub report_due: NaiveDate,
    pub repayment_deadline: NaiveDate,
    pub repayment_due: NaiveDate,
    /// Its funds were paid: it reports and repays.
    pub requisitioned: bool,
    /// The year's own dates that no source gives.
    pub requisition_assumed: bool,
    pub report_assumed: bool,
    pub repayment_assumed: bool,
    /// The case number of the year's approved requisition, which the repayment's OCR
    /// number is made from; read when the query gives it.
    #[sqlx(default)]
    pub case_number: Option<String>,
}

impl ActorYear {
    /// The requisition's deadline, and the report's and the repayment's when the actor
    /// requisitioned funds: a region that took none is asked for neither.
    pub fn deadlines(&self) -> Vec<Deadline> {
        let actor = Actor {
            organisation_id: self.organisation_id,
            name: self.actor_name.clone(),
        };
        let y = self.year;
        let mut deadlines = vec![Deadline::of_actor(
            Step::Requisition,
            y,
            &actor,
            self.requisition_deadline,
            self.requisition_due,
            self.requisition_assumed,
        )];
        if self.requisitioned {
            deadlines.extend([
                Deadline::of_actor(
                    Step::Report,
                    y,
                    &actor,
                    self.report_deadline,
                    self.report_due,
                    self.report_assumed,
                ),
                Deadline {
                    ocr: self
                        .case_number
                        .as_deref()
                        .and_then(crate::bank::model::ocr_reference),
                    ..Deadline::of_actor(
                        Step::Repayment,
                        y,
                        &actor,
                        self.repayment_deadline,
                        self.repayment_due,
                        self.repayment_assumed,
                    )
                },
            ]);
        }
        deadlines
    }
}

/// Tillväxtverket's own deadlines of a programme year: towards Kammarkollegiet only where
/// the period has the chain; each marked when assumed (`assumed`); the report to the
/// Government names its `recipient` ministry.
pub fn agency_deadlines(
    year: i32,
    d: &Deadlines,
    assumed: impl Fn(YearDate) -> bool,
    recipient: &str,
) -> Vec<Deadline> {
    let own = |step, which: YearDate, date| Deadline {
        step,
        year,
        date,
        actor: None,
        extended_from: None,
        assumed: assumed(which),
        recipient: (step == Step::Summary).then(|| recipient.to_string()),
        ocr: None,
    };
    [
        d.agency_requisition
            .map(|date| own(Step::AgencyRequisition, YearDate::AgencyRequisition, date)),
        d.agency_repayment
            .map(|date| own(Step::AgencyRepayment, YearDate::AgencyRepayment, date)),
        Some(own(Step::Summary, YearDate::Summary, d.summary)),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// A reminder at 09:00 a week before (an all-day event starts at midnight). The trigger
/// is written out: a `chrono::Duration` prints as seconds (`-PT572400S`). The UID
/// (RFC 9074) is the event's, so the feed reads the same on every fetch.
fn reminder(deadline: &Deadline, summary: &str) -> Alarm {
    let mut alarm = Alarm::display(summary, Trigger::before_start(chrono::Duration::days(7)));
    alarm
        .append_property(Property::new("TRIGGER", "-P6DT15H"))
        .add_property("UID", format!("reminder-{}", deadline.uid()));
    alarm
}

fn event(feed: &Feed, deadline: &Deadline, public_url: &str) -> Event {
    let link = format!("{public_url}{}", deadline.path(feed));
    let summary = deadline.summary(feed);
    let mut event = Event::new();
    event
        .uid(&deadline.uid())
        .summary(&summary)
        .description(&deadline.description(&link))
        .url(&link)
        .starts(deadline.date)
        .ends(deadline.date.succ_opt().unwrap_or(NaiveDate::MAX))
        // A deadline is not a meeting: the day stays free.
        .add_property("TRANSP", "TRANSPARENT");
    // Only for what the owner must do: staff would otherwise hear of 21 regions' dates.
    if deadline.is_owners(feed) {
        event.alarm(reminder(deadline, &summary));
    }
    event.done()
}

/// A network meeting or competence-development event (`network`): in every feed, at its
/// own time, since every region may attend.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Meeting {
    pub id: Uuid,
    pub title: String,
    pub starts: DateTime<Utc>,
    pub ends: DateTime<Utc>,
    pub location: String,
    pub agenda: String,
    /// Its page in Digikoord.
    pub path: String,
    /// Cancelled: kept in the feed with STATUS:CANCELLED so calendars drop or mark it.
    pub cancelled: bool,
}

fn meeting_event(meeting: &Meeting, public_url: &str) -> Event {
    let link = format!("{public_url}{}", meeting.path);
    let description = if meeting.agenda.is_empty() {
        link.clone()
    } else {
        format!("{}\n{link}", meeting.agenda)
    };
    let mut event = Event::new();
    event
        .uid(&format!("network-event-{}@digikoord", meeting.id))
        .summary(&meeting.title)
        .description(&description)
        .location(&meeting.location)
        .url(&link)
        .starts(meeting.starts)
        .ends(meeting.ends);
    if meeting.cancelled {
        event.status(icalendar::EventStatus::Cancelled);
    }
    event.done()
}

/// The feed as an iCalendar: one all-day event per deadline and one timed event per
/// network meeting, links to `public_url`.
pub fn calendar(
    feed: &Feed,
    deadlines: &[Deadline],
    meetings: &[Meeting],
    public_url: &str,
) -> Calendar {
    let mut calendar = Calendar::empty();
    for (key, value) in [
        ("VERSION", "2.0"),
        ("PRODID", "-//Tillväxtverket//Digikoord//SV"),
        ("CALSCALE", "GREGORIAN"),
        ("METHOD", "PUBLISH"),
        // Deadlines change seldom: apps that honour these look twice a day.
        ("X-PUBLISHED-TTL", "PT12H"),
    ] {
        calendar.append_property(Property::new(key, value));
    }
    calendar.append_property(
        Property::new("REFRESH-INTERVAL", "PT12H")
            .add_parameter("VALUE", "DURATION")
            .done(),
    );
    calendar.name(&feed.name()).description(feed.contents());
    calendar.extend(deadlines.iter().map(|d| event(feed, d, public_url)));
    calendar.extend(meetings.iter().map(|m| meeting_event(m, public_url)));
    calendar.done()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{auth::StaffRole, programme::model::standard_deadlines};

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn stockholm() -> Feed {
        Feed::Organisation {
            id: Uuid::from_u128(1),
            name: "Region Stockholm".into(),
        }
    }

    /// 2025 for Region Stockholm, its requisition due on `extended` when it was given more time.
    fn year_2025(extended: Option<NaiveDate>) -> ActorYear {
        ActorYear {
            year: 2025,
            organisation_id: Uuid::from_u128(1),
            actor_name: "Region Stockholm".into(),
            requisition_deadline: date(2025, 3, 31),
            requisition_due: extended.unwrap_or(date(2025, 3, 31)),
            report_deadline: date(2026, 1, 31),
            report_due: date(2026, 1, 31),
            repayment_deadline: date(2026, 2, 26),
            repayment_due: date(2026, 2, 26),
            requisitioned: true,
            requisition_assumed: false,
            report_assumed: true,
            repayment_assumed: false,
            case_number: Some("DK-2025-007".into()),
        }
    }

    #[test]
    fn the_repayment_event_tells_the_ocr_number_to_pay_with() {
        let [requisition, report, repayment] = three(&year_2025(None));
        let text = repayment.description("x");
        assert!(text.contains("OCR-nummer: 202500799"), "{text}");
        assert!(!requisition.description("x").contains("OCR"));
        assert!(!report.description("x").contains("OCR"));
        let without = ActorYear {
            case_number: None,
            ..year_2025(None)
        };
        let [_, _, repayment] = three(&without);
        assert!(!repayment.description("x").contains("OCR"));
    }

    #[test]
    fn an_assumed_date_says_so_in_its_event_and_the_report_names_the_years_ministry() {
        let events = year_2025(None).deadlines();
        let report = events
            .iter()
            .find(|d| d.step == Step::Report)
            .expect("report");
        assert!(
            report
                .description("x")
                .contains("Sista dag: 31 januari 2026 (antaget – ej angivet i beslutet).")
        );
        let requisition = &events[0];
        assert!(!requisition.description("x").contains("antaget"));
        let own = agency_deadlines(
            2019,
            &standard_deadlines(2019, false),
            |which| which != YearDate::Summary,
            "Näringsdepartementet",
        );
        assert_eq!(own.len(), 1, "no Kammarkollegiet dates without a chain");
        let text = own[0].description("x");
        assert!(
            text.contains("Regeringskansliet (Näringsdepartementet)"),
            "{text}"
        );
        assert!(!text.contains("antaget"), "{text}");
    }

    /// The feed written and read back, as a calendar app would.
    fn parsed(feed: &Feed, deadlines: &[Deadline]) -> Calendar {
        calendar(feed, deadlines, &[], "https://digikoord.example")
            .to_string()
            .parse()
            .expect("the feed parses back")
    }

    fn start(event: &Event) -> Option<NaiveDate> {
        match event.get_start()? {
            icalendar::DatePerhapsTime::Date(d) => Some(d),
            _ => None,
        }
    }

    #[test]
    fn a_coordinator_gets_the_organisations_feed_and_staff_tillvaxtverkets() {
        let org = Uuid::from_u128(7);
        let coordinator = Feed::of(&UserKind::Coordinator {
            organisation: org,
            organisation_name: "Region Skåne".into(),
        });
        assert_eq!(coordinator.scope(), Scope::Organisation(org));
        assert_eq!(coordinator.name(), "Digikoord – Region Skåne");
        for role in [
            StaffRole::CaseOfficer,
            StaffRole::Approver,
            StaffRole::Admin,
        ] {
            let feed = Feed::of(&UserKind::Staff(role));
            assert_eq!(feed, Feed::Agency);
            assert_eq!(feed.scope(), Scope::All);
        }
    }

    /// An actor-year's three deadlines, for one that requisitioned funds.
    fn three(year: &ActorYear) -> [Deadline; 3] {
        year.deadlines().try_into().expect("three deadlines")
    }

    #[test]
    fn an_actors_year_has_three_deadlines_and_an_extension_moves_only_the_requisition() {
        let [requisition, report, repayment] = three(&year_2025(None));
        assert_eq!(requisition.date, date(2025, 3, 31));
        assert_eq!(requisition.extended_from, None);
        assert_eq!(report.date, date(2026, 1, 31));
        assert_eq!(repayment.date, date(2026, 2, 26));

        let [requisition, report, _] = three(&year_2025(Some(date(2025, 4, 15))));
        assert_eq!(requisition.date, date(2025, 4, 15));
        assert_eq!(requisition.extended_from, Some(date(2025, 3, 31)));
        assert_eq!(report.date, date(2026, 1, 31));
        assert_eq!(report.extended_from, None);
        // That an extension never shortens the year's own date is the schema's
        // `actor_deadlines` (tests/it/programme.rs).
    }

    #[test]
    fn an_actor_that_took_no_funds_is_asked_only_for_its_requisition() {
        let none = ActorYear {
            requisitioned: false,
            ..year_2025(None)
        };
        let steps: Vec<Step> = none.deadlines().iter().map(|d| d.step).collect();
        assert_eq!(steps, [Step::Requisition]);
    }

    #[test]
    fn tillvaxtverkets_own_deadlines_are_1_december_15_march_and_26_march() {
        let dates: Vec<_> = agency_deadlines(
            2025,
            &standard_deadlines(2025, true),
            |_| false,
            "Infrastrukturdepartementet",
        )
        .iter()
        .map(|d| (d.step, d.date, d.actor.clone()))
        .collect();
        assert_eq!(
            dates,
            [
                (Step::AgencyRequisition, date(2025, 12, 1), None),
                (Step::AgencyRepayment, date(2026, 3, 15), None),
                (Step::Summary, date(2026, 3, 26), None),
            ]
        );
    }

    #[test]
    fn a_feed_is_all_day_events_with_stable_uids_in_swedish_and_parses_back() {
        let feed = stockholm();
        let deadlines = year_2025(Some(date(2025, 4, 15))).deadlines();
        let text = calendar(&feed, &deadlines, &[], "https://digikoord.example").to_string();
        assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
        assert!(text.contains("\r\nVERSION:2.0\r\n"), "{text}");
        assert!(text.contains("\r\nPRODID:"), "{text}");
        assert!(text.contains("DTSTART;VALUE=DATE:20250415\r\n"), "{text}");
        assert!(text.contains("DTEND;VALUE=DATE:20250416\r\n"), "{text}");
        assert!(text.contains("\r\nTRIGGER:-P6DT15H\r\n"), "{text}");
        assert!(
            text.lines().all(|l| l.len() <= 75),
            "content lines are folded at 75 octets"
        );

        let parsed = parsed(&feed, &deadlines);
        assert_eq!(parsed.get_name(), Some("Digikoord – Region Stockholm"));
        assert_eq!(
            parsed.property_value("X-WR-CALNAME"),
            Some("Digikoord – Region Stockholm")
        );
        let events: Vec<&Event> = parsed.events().collect();
        assert_eq!(events.len(), 3);
        let org = Uuid::from_u128(1);
        assert_eq!(
            events.iter().map(|e| e.get_uid()).collect::<Vec<_>>(),
            [
                Some(format!("requisition-2025-{org}@digikoord").as_str()),
                Some(format!("report-2025-{org}@digikoord").as_str()),
                Some(format!("repayment-2025-{org}@digikoord").as_str()),
            ]
        );
        let requisition = events[0];
        assert_eq!(start(requisition), Some(date(2025, 4, 15)));
        assert_eq!(
            requisition.get_summary(),
            Some("Rekvisition 2025 – sista dag (förlängd)")
        );
        let description = requisition.get_description().expect("a description");
        assert!(
            description.contains("Sista dag: 15 april 2025 (förlängd från 31 mars 2025)."),
            "{description}"
        );
        assert!(
            description.ends_with("https://digikoord.example/?ar=2025"),
            "{description}"
        );
        assert_eq!(
            requisition.get_url(),
            Some("https://digikoord.example/?ar=2025")
        );
        assert_eq!(
            events[1].get_summary(),
            Some("Redovisning 2025 – sista dag")
        );
        assert_eq!(start(events[2]), Some(date(2026, 2, 26)));
        assert!(
            events.iter().all(|e| e.components().len() == 1),
            "the region is reminded of each of its own deadlines"
        );
    }

    #[test]
    fn tillvaxtverkets_feed_names_the_actor_and_reminds_only_of_its_own_deadlines() {
        let mut deadlines = year_2025(None).deadlines();
        deadlines.extend(agency_deadlines(
            2025,
            &standard_deadlines(2025, true),
            |_| false,
            "Infrastrukturdepartementet",
        ));
        let parsed = parsed(&Feed::Agency, &deadlines);
        assert_eq!(parsed.get_name(), Some("Digikoord – Tillväxtverket"));
        let events: Vec<&Event> = parsed.events().collect();
        let summaries: Vec<_> = events.iter().filter_map(|e| e.get_summary()).collect();
        assert_eq!(
            summaries,
            [
                "Rekvisition 2025: Region Stockholm",
                "Redovisning 2025: Region Stockholm",
                "Återbetalning 2025: Region Stockholm",
                "Rekvisition från Kammarkollegiet 2025 – sista dag",
                "Återbetalning och ekonomisk redovisning till Kammarkollegiet 2025 – sista dag",
                "Redovisning till Regeringskansliet 2025 – sista dag",
            ]
        );
        assert_eq!(
            events[0].get_url(),
            Some("https://digikoord.example/handlaggning/rekvisitioner?ar=2025")
        );
        assert_eq!(
            events[3].get_uid(),
            Some("agency-requisition-2025@digikoord")
        );
        assert_eq!(
            events[5].get_url(),
            Some("https://digikoord.example/sammanstallning?ar=2025")
        );
        let reminded: Vec<usize> = events.iter().map(|e| e.components().len()).collect();
        assert_eq!(reminded, [0, 0, 0, 1, 1, 1]);
    }

    #[test]
    fn a_network_meeting_is_a_timed_event_in_utc_with_its_place_and_agenda() {
        let meeting = Meeting {
            id: Uuid::from_u128(3),
            title: "Nätverksträff: Vårträffen".into(),
            starts: "2026-03-04T09:00:00Z".parse().expect("time"),
            ends: "2026-03-04T14:30:00Z".parse().expect("time"),
            location: "Tillväxtverket, Stockholm".into(),
            agenda: "1. Välkommen".into(),
            path: "/natverk/traffar/x".into(),
            cancelled: false,
        };
        let text = calendar(
            &stockholm(),
            &[],
            std::slice::from_ref(&meeting),
            "https://digikoord.example",
        )
        .to_string();
        assert!(text.contains("DTSTART:20260304T090000Z\r\n"), "{text}");
        assert!(text.contains("DTEND:20260304T143000Z\r\n"), "{text}");
        let parsed: Calendar = text.parse().expect("parses back");
        let events: Vec<&Event> = parsed.events().collect();
        assert_eq!(events.len(), 1);
        assert_eq!(
            events[0].get_uid(),
            Some(format!("network-event-{}@digikoord", meeting.id).as_str())
        );
        assert_eq!(events[0].get_summary(), Some("Nätverksträff: Vårträffen"));
        assert_eq!(events[0].get_location(), Some("Tillväxtverket, Stockholm"));
        assert_eq!(
            events[0].get_description(),
            Some("1. Välkommen\nhttps://digikoord.example/natverk/traffar/x")
        );
        assert_eq!(events[0].get_status(), None);

        let cancelled = Meeting {
            cancelled: true,
            ..meeting
        };
        let text = calendar(
            &stockholm(),
            &[],
            std::slice::from_ref(&cancelled),
            "https://digikoord.example",
        )
        .to_string();
        assert!(text.contains("STATUS:CANCELLED\r\n"), "{text}");
    }
}
