//! Calendar feeds of the deadlines: each user subscribes, by a secret link of their own,
//! to their organisation's deadlines or (staff) to every actor's and Tillväxtverket's.
//!
//! `/kalender` (*Kalender* in the menu, every role) gives each person a secret link of
//! their own, `PUBLIC_URL/kalender/<token>.ics`, to an iCalendar feed that Outlook and
//! Google Calendar subscribe to:
//!
//! - a coordinator's feed holds their organisation's deadlines — the requisition (with the
//!   extension, if granted) for every programme year in which it is an actor, and the
//!   report and the repayment for the years in which it requisitioned funds and was paid
//!   them (`requisitioned_funds`): a region that took no funds is asked for neither;
//! - staff (case officers, approvers, administrators) get Tillväxtverket's feed: every
//!   actor's deadlines by the same rule (*Rekvisition 2025: Region Stockholm*) and
//!   Tillväxtverket's own (requisition from Kammarkollegiet 1 December, repayment and
//!   financial report to Kammarkollegiet 15 March, report to Regeringskansliet 26 March);
//! - both hold every network meeting and competence-development event, at its time, as a
//!   timed event in UTC with a stable UID (`network-event-<id>@digikoord`), so an edit
//!   moves it; a cancelled one stays with `STATUS:CANCELLED` (`network`).
//!
//! Press *Skapa kalenderlänk* and copy the link: it is shown only then, since only a hash
//! (SHA-256) of it is stored; the token is 256 random bits. Then, in Outlook (on the web and
//! the new desktop app): *Lägg till kalender* → *Prenumerera från webben* (classic Outlook
//! for Windows: *Lägg till kalender* → *Från Internet*); in Google Calendar: *Andra
//! kalendrar* → *+* → *Från webbadress*. The page says the same in Swedish. The apps fetch
//! the feed every few hours, so a change (an extension granted) shows up with some delay;
//! they reach it without logging in, so `PUBLIC_URL` must be reachable from where they run
//! (Google's servers, for Google Calendar).
//!
//! *Skapa ny länk* replaces the link: the old one answers 404 at once, as does a wrong link
//! or the link of a deactivated user — whatever is wrong, the answer is 404. Every
//! deadline is an all-day event with a stable UID
//! (`requisition-2025-<organisation id>@digikoord`), so an extension moves the event
//! instead of adding one, and links to the page in Digikoord where the step is done; the
//! deadlines the feed's owner must meet themselves carry a reminder at 09:00 a week before
//! (apps that honour reminders in subscribed calendars show it). Creating and renewing a
//! link are recorded in the audit log (never the link itself).
//!
//! `model.rs`: deadlines → iCalendar events (pure, unit-tested); `db.rs`: links, deadlines;
//! `handlers.rs`: the page, a new link, the feed.

pub mod db;
mod handlers;
pub mod model;

use axum::{Router, routing::get};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/kalender", get(handlers::page).post(handlers::renew_link))
        // `{token}.ics`: the router can't match a suffix, the handler strips it.
        .route("/kalender/{file}", get(handlers::feed))
}
