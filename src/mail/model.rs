//! Pure rules of the mail: what a mail says, when a reminder is due, how long a failed
//! delivery waits before the next attempt.

use std::time::Duration;

use askama::Template;
use chrono::{Datelike, NaiveDate};

use crate::dates::format_date;

/// What a mail is about, as the outbox and its pages name it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "mail_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// Something happened: a decision, a payment, a message. Always sent.
    Notice,
    /// An obligation's deadline is near, today or passed. The user may turn these off.
    Reminder,
    /// Tillväxtverket's weekly digest. Turned off with the reminders.
    Digest,
    /// A link to set a password. Always sent.
    Password,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Notice => "Händelse",
            Kind::Reminder => "Påminnelse",
            Kind::Digest => "Veckosammanfattning",
            Kind::Password => "Lösenord",
        }
    }

    /// Whether an administrator may send it again: not a set-password mail, whose link is
    /// kept nowhere readable (and works once).
    pub fn resendable(self) -> bool {
        self != Kind::Password
    }

    /// Whether a user's "no reminders" holds it back.
    pub fn optional(self) -> bool {
        matches!(self, Kind::Reminder | Kind::Digest)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "mail_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum State {
    Queued,
    Sent,
    Failed,
    Logged,
}

impl State {
    pub const ALL: [State; 4] = [State::Queued, State::Sent, State::Failed, State::Logged];

    pub fn label(self) -> &'static str {
        match self {
            State::Queued => "I kö",
            State::Sent => "Skickat",
            State::Failed => "Misslyckades",
            State::Logged => "Skrivet till loggen (e-post är inte konfigurerad)",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            State::Queued => "queued",
            State::Sent => "sent",
            State::Failed => "failed",
            State::Logged => "logged",
        }
    }
}

/// A mail's content before it has a recipient: a subject, paragraphs, and at most one
/// link to act on. Rendered as plain text and as HTML from the same parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Content {
    pub subject: String,
    pub paragraphs: Vec<String>,
    pub link: Option<Link>,
    /// Lines listed under the paragraphs (a digest's cases), if any.
    pub items: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Link {
    pub label: String,
    pub url: String,
}

impl Content {
    pub fn new(subject: impl Into<String>) -> Content {
        Content {
            subject: subject.into(),
            paragraphs: Vec::new(),
            link: None,
            items: Vec::new(),
        }
    }

    pub fn paragraph(mut self, text: impl Into<String>) -> Content {
        self.paragraphs.push(text.into());
        self
    }

    pub fn link(mut self, label: impl Into<String>, url: impl Into<String>) -> Content {
        self.link = Some(Link {
            label: label.into(),
            url: url.into(),
        });
        self
    }

    pub fn items(mut self, items: Vec<String>) -> Content {
        self.items = items;
        self
    }

    /// The plain-text body, addressed to `name`.
    pub fn text(&self, name: &str, footer: &str) -> String {
        let mut out = format!("{}\n\n", greeting(name));
        for p in &self.paragraphs {
            out.push_str(p);
            out.push_str("\n\n");
        }
        for item in &self.items {
            out.push_str("- ");
            out.push_str(item);
            out.push('\n');
        }
        if !self.items.is_empty() {
            out.push('\n');
        }
        if let Some(link) = &self.link {
            out.push_str(&format!("{}:\n{}\n\n", link.label, link.url));
        }
        out.push_str("Med vänliga hälsningar\nDigikoord, Tillväxtverket\n\n-- \n");
        out.push_str(footer);
        out.push('\n');
        out
    }

    /// The HTML body, addressed to `name`; every text is escaped.
    pub fn html(&self, name: &str, footer: &str) -> String {
        let page = HtmlMail {
            subject: &self.subject,
            greeting: &greeting(name),
            paragraphs: &self.paragraphs,
            items: &self.items,
            link: self.link.as_ref(),
            footer,
        };
        page.render().unwrap_or_else(|e| {
            tracing::error!(error = %e, "rendering a mail's HTML failed");
            String::new()
        })
    }
}

#[derive(Template)]
#[template(path = "mail/mail.html")]
struct HtmlMail<'a> {
    subject: &'a str,
    greeting: &'a str,
    paragraphs: &'a [String],
    items: &'a [String],
    link: Option<&'a Link>,
    footer: &'a str,
}

fn greeting(name: &str) -> String {
    match name.trim() {
        "" => "Hej!".to_string(),
        name => format!("Hej {name}!"),
    }
}

/// Whether an address can be written to: one `@` with something on both sides, no
/// spaces (the outbox's own check).
pub fn is_address(email: &str) -> bool {
    let mut parts = email.split('@');
    matches!(
        (parts.next(), parts.next(), parts.next()),
        (Some(local), Some(domain), None) if !local.is_empty() && !domain.is_empty()
    ) && !email.contains(char::is_whitespace)
        && email.len() <= 200
}

/// The footer: why the person gets the mail, and where to turn reminders off.
pub fn footer(kind: Kind, public_url: &str) -> String {
    if kind.optional() {
        format!(
            "Du får påminnelser eftersom du har ett konto i Digikoord. Du kan stänga av dem under Meddelanden, E-post till dig: {public_url}/meddelanden/e-post"
        )
    } else {
        format!(
            "Det här är ett meddelande från Digikoord. All e-post till dig finns under Meddelanden, E-post till dig: {public_url}/meddelanden/e-post"
        )
    }
}

/// An occasion to remind of one deadline: some days before it, on the day, or one of
/// the weeks it has been passed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Occasion {
    Before(u32),
    OnTheDay,
    /// The n-th week overdue, counted from 0: the day after the deadline, then weekly.
    Overdue(u32),
}

impl Occasion {
    /// The key that makes this occasion's mail unique for an obligation.
    pub fn key(self) -> String {
        match self {
            Occasion::Before(days) => format!("before-{days}"),
            Occasion::OnTheDay => "on-the-day".into(),
            Occasion::Overdue(week) => format!("overdue-{week}"),
        }
    }

    pub fn date(self, deadline: NaiveDate) -> NaiveDate {
        match self {
            Occasion::Before(days) => deadline - chrono::Days::new(days.into()),
            Occasion::OnTheDay => deadline,
            Occasion::Overdue(week) => deadline + chrono::Days::new(1 + 7 * u64::from(week)),
        }
    }
}

/// The occasion to remind of `deadline` on `today`: the latest whose day has come, so a
/// day the server was down is made up for once, never repeated (the outbox keeps one
/// mail per occasion). `None` before the first occasion.
pub fn reminder_occasion(
    deadline: NaiveDate,
    today: NaiveDate,
    days_before: &[u32],
) -> Option<Occasion> {
    if today > deadline {
        let days_late = (today - deadline).num_days() - 1;
        return u32::try_from(days_late / 7).ok().map(Occasion::Overdue);
    }
    if today == deadline {
        return Some(Occasion::OnTheDay);
    }
    days_before
        .iter()
        .copied()
        .filter(|&d| d > 0)
        .map(Occasion::Before)
        .filter(|o| o.date(deadline) <= today)
        .max_by_key(|o| o.date(deadline))
}

/// How many whole days are left until `deadline`, in words.
pub fn time_left(deadline: NaiveDate, today: NaiveDate) -> String {
    let days = (deadline - today).num_days();
    match days {
        0 => format!("i dag, {}", format_date(deadline)),
        1 => format!("i morgon, {}", format_date(deadline)),
        d if d > 1 => format!("om {d} dagar, {}", format_date(deadline)),
        d => format!(
            "{}, för {} {} sedan",
            format_date(deadline),
            -d,
            if d == -1 { "dag" } else { "dagar" }
        ),
    }
}

/// The ISO week of a day, as the weekly digest's key (`2026-W05`).
pub fn week_key(day: NaiveDate) -> String {
    let w = day.iso_week();
    format!("{}-W{:02}", w.year(), w.week())
}

/// After this many failed attempts a mail is given up (about a day of trying).
pub const MAX_ATTEMPTS: i32 = 12;

/// How long to wait after the `attempts`-th failed attempt: one minute, doubling, at most
/// six hours.
pub fn retry_delay(attempts: i32) -> Duration {
    let exponent = attempts.clamp(1, 10) - 1;
    let minutes = (1u64 << exponent).min(360);
    Duration::from_secs(minutes * 60)
}

/// Parses the administrator's "days before" setting: whole days 1–120, at most five,
/// separated by commas or spaces. Returned sorted, largest first, without repeats.
pub fn parse_reminder_days(input: &str) -> Result<Vec<i32>, &'static str> {
    let mut days = Vec::new();
    for part in input
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
    {
        let d: i32 = part
            .parse()
            .map_err(|_| "Ange hela dagar, till exempel 14, 3.")?;
        if !(1..=120).contains(&d) {
            return Err("Varje antal dagar ska vara mellan 1 och 120.");
        }
        if !days.contains(&d) {
            days.push(d);
        }
    }
    if days.len() > 5 {
        return Err("Ange högst fem påminnelser före sista dagen.");
    }
    days.sort_unstable_by(|a, b| b.cmp(a));
    Ok(days)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).expect("date")
    }

    #[test]
    fn reminders_come_before_on_and_weekly_after_the_deadline() {
        let deadline = d(2026, 1, 31);
        let days = [14, 3];
        assert_eq!(reminder_occasion(deadline, d(2026, 1, 16), &days), None);
        assert_eq!(
            reminder_occasion(deadline, d(2026, 1, 17), &days),
            Some(Occasion::Before(14))
        );
        // Between occasions the latest stands (already sent: the outbox keeps it once).
        assert_eq!(
            reminder_occasion(deadline, d(2026, 1, 27), &days),
            Some(Occasion::Before(14))
        );
        assert_eq!(
            reminder_occasion(deadline, d(2026, 1, 28), &days),
            Some(Occasion::Before(3))
        );
        assert_eq!(
            reminder_occasion(deadline, d(2026, 1, 31), &days),
            Some(Occasion::OnTheDay)
        );
        assert_eq!(
            reminder_occasion(deadline, d(2026, 2, 1), &days),
            Some(Occasion::Overdue(0))
        );
        assert_eq!(
            reminder_occasion(deadline, d(2026, 2, 7), &days),
            Some(Occasion::Overdue(0))
        );
        assert_eq!(
            reminder_occasion(deadline, d(2026, 2, 8), &days),
            Some(Occasion::Overdue(1))
        );
        assert_eq!(Occasion::Overdue(1).date(deadline), d(2026, 2, 8));
    }

    #[test]
    fn a_deadline_in_another_month_or_leap_year_counts_calendar_days() {
        // 26 February 2028, a leap year: 3 days before is 23 February.
        let deadline = d(2028, 2, 26);
        assert_eq!(Occasion::Before(3).date(deadline), d(2028, 2, 23));
        assert_eq!(
            reminder_occasion(deadline, d(2028, 2, 12), &[14]),
            Some(Occasion::Before(14))
        );
        assert_eq!(reminder_occasion(deadline, d(2028, 2, 11), &[14]), None);
        assert_eq!(reminder_occasion(deadline, d(2028, 2, 11), &[]), None);
    }

    #[test]
    fn days_left_read_as_swedish() {
        let deadline = d(2026, 3, 31);
        assert_eq!(time_left(deadline, d(2026, 3, 31)), "i dag, 31 mars 2026");
        assert_eq!(
            time_left(deadline, d(2026, 3, 30)),
            "i morgon, 31 mars 2026"
        );
        assert_eq!(
            time_left(deadline, d(2026, 3, 17)),
            "om 14 dagar, 31 mars 2026"
        );
        assert_eq!(
            time_left(deadline, d(2026, 4, 1)),
            "31 mars 2026, för 1 dag sedan"
        );
        assert_eq!(
            time_left(deadline, d(2026, 4, 8)),
            "31 mars 2026, för 8 dagar sedan"
        );
    }

    #[test]
    fn failed_deliveries_wait_longer_each_time() {
        assert_eq!(retry_delay(1), Duration::from_secs(60));
        assert_eq!(retry_delay(2), Duration::from_secs(120));
        assert_eq!(retry_delay(5), Duration::from_secs(16 * 60));
        assert_eq!(retry_delay(11), Duration::from_secs(360 * 60));
    }

    #[test]
    fn reminder_days_are_parsed_and_checked() {
        assert_eq!(parse_reminder_days("3, 14"), Ok(vec![14, 3]));
        assert_eq!(parse_reminder_days("7 7 1"), Ok(vec![7, 1]));
        assert_eq!(parse_reminder_days(""), Ok(vec![]));
        assert!(parse_reminder_days("0").is_err());
        assert!(parse_reminder_days("tre").is_err());
        assert!(parse_reminder_days("1,2,3,4,5,6").is_err());
    }

    #[test]
    fn both_bodies_say_the_same_and_html_escapes() {
        let c = Content::new("Rekvisition återsänd")
            .paragraph("Rekvisitionen <DK-2026-001> är återsänd för komplettering.")
            .link(
                "Öppna rekvisitionen",
                "http://localhost:3000/rekvisitioner/x",
            );
        assert!(c.text("  ", "").starts_with("Hej!\n"));
        assert!(is_address("karin.ek@regionstockholm.se"));
        assert!(!is_address("karin ek@region.se"));
        assert!(!is_address("karin.ek"));
        assert!(!is_address("a@b@c"));
        let text = c.text("Åsa Öberg", "Sidfot");
        assert!(text.starts_with("Hej Åsa Öberg!\n\n"));
        assert!(text.contains("Rekvisitionen <DK-2026-001> är återsänd"));
        assert!(text.contains("Öppna rekvisitionen:\nhttp://localhost:3000/rekvisitioner/x"));
        let html = c.html("Åsa Öberg", "Sidfot");
        assert!(
            !html.contains("<DK-2026-001>") && html.contains("DK-2026-001"),
            "{html}"
        );
        assert!(html.contains("href=\"http://localhost:3000/rekvisitioner/x\""));
        assert!(html.contains("<html lang=\"sv\">"));
    }

    #[test]
    fn the_digest_key_is_the_iso_week() {
        assert_eq!(week_key(d(2026, 1, 1)), "2026-W01");
        assert_eq!(week_key(d(2027, 1, 1)), "2026-W53");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Reminder days are accepted only as the whole days typed, 1–120, at most five,
        /// largest first and without repeats.
        #[test]
        fn reminder_days_are_the_days_typed(input in "\\PC{0,20}|[0-9, ]{0,20}") {
            if let Ok(days) = parse_reminder_days(&input) {
                let mut typed: Vec<i32> = input
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .filter(|p| !p.is_empty())
                    .map(|p| p.parse().expect("accepted parts are numbers"))
                    .collect();
                typed.sort_unstable_by(|a, b| b.cmp(a));
                typed.dedup();
                prop_assert_eq!(&days, &typed);
                prop_assert!(days.len() <= 5 && days.iter().all(|d| (1..=120).contains(d)));
            }
        }
    }
}
