//! The coordinators' network: a directory of every actor's coordinators and contacts,
//! network meetings and competence-development events with registration and attendance,
//! and Tillväxtverket's contact person shown to the regions.
//!
//! Tillväxtverket makes sure a network of the coordinators exists, is its national contact
//! point and offers competence development. *Nätverket* and *Träffar* in the menu, for
//! every logged-in role:
//!
//! - **The directory** (`/natverk`): every actor's coordinators and other contacts — name,
//!   title, e-mail, phone, organisation. Every active coordinator is in it from the start,
//!   with the account's name and address (`network_contacts`, made by a trigger on `users`)
//!   and in the organisation the account has now; a coordinator changes only their own
//!   entry (*Ändra mina kontaktuppgifter*; someone else's answers 404), an administrator
//!   anyone's, and adds or removes contacts who have no account. The entry is the contact
//!   card, not the login: changing its e-mail changes nothing about logging in. The search
//!   box filters on the server (every word, anywhere in the entry, in any case), and *CSV*
//!   (UTF-8 with BOM, semicolons, as the summary's) and *vCard* (3.0, one card per person,
//!   escaped and folded) export what the search found.
//! - **Meetings and competence development** (`/natverk/traffar`, `events.rs`):
//!   administrators and case officers create and edit them — kind, title, day, start and
//!   end in Swedish time, place and/or a link to the meeting, agenda — and add documents
//!   (the report attachments' checks: type by the first bytes, ≤ 10 MB, at most 20 of
//!   50 MB together; stored in PostgreSQL, always served as downloads). A region registers,
//!   until the day of the event, one of its own people from the directory or a colleague by
//!   name and e-mail (once per address), and may withdraw a registration; it sees only its
//!   own registrations. From the event's day the staff record who came (yes/no per
//!   registration); the region then sees it. Every event is in every calendar feed
//!   (`/kalender`), regions' and Tillväxtverket's, as a timed event in UTC with a stable UID
//!   (`network-event-<id>@digikoord`), so an edit moves it. Staff may also register (and
//!   withdraw) on a region's behalf, choosing the organisation. An organiser may
//!   **cancel** an event with a reason: it stays, marked *Inställd*, in the list, on its
//!   page and in the feeds (`STATUS:CANCELLED`); everyone registered gets a mail with the
//!   reason; it can no longer be edited or registered for (a trigger holds that against a
//!   registration in flight).
//! - **Tillväxtverket's contact** (name, e-mail) is set by an administrator under
//!   *Tillväxtverkets kontaktperson* on `/natverk` (`network_settings`, one row) and shown
//!   on every region's start page; emptied, nothing is shown.
//! - **The demo** has a contact, a network meeting a month back with its attendance and a
//!   competence event three weeks ahead with some regions registered.
//!
//! Every change is written with its audit record (`network_contact.*`, `network_event.*`,
//! `network_registration.*`, `network_settings.updated`).
//!
//! `model.rs`: directory entries, events, registration and attendance rules, CSV and vCard
//! (pure, unit-tested); `db.rs`: all SQL; `handlers.rs`: the directory, its entries,
//! Tillväxtverket's contact; `events.rs`: meetings, documents, registration, attendance.

pub mod db;
mod events;
mod handlers;
pub mod meetings;
pub mod model;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/natverk", get(handlers::directory))
        .route("/natverk/export.csv", get(handlers::export_csv))
        .route("/natverk/export.vcf", get(handlers::export_vcard))
        .route(
            "/natverk/kontakter/ny",
            get(handlers::new_form).post(handlers::create),
        )
        .route(
            "/natverk/kontakter/{id}",
            get(handlers::edit_form).post(handlers::save),
        )
        .route("/natverk/kontakter/{id}/ta-bort", post(handlers::remove))
        .route(
            "/natverk/tillvaxtverket",
            get(handlers::agency_contact_form).post(handlers::save_agency_contact),
        )
        .route("/natverk/traffar", get(events::list))
        .route(
            "/natverk/traffar/ny",
            get(events::new_form).post(events::create),
        )
        .route("/natverk/traffar/{id}", get(events::show))
        .route(
            "/natverk/traffar/{id}/redigera",
            get(events::edit_form).post(events::save),
        )
        .route(
            "/natverk/traffar/{id}/bilagor",
            post(events::upload)
                // Room for a too-large file to arrive and be refused with a clear message.
                .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route(
            "/natverk/traffar/{id}/bilagor/{document}",
            get(events::download),
        )
        .route(
            "/natverk/traffar/{id}/bilagor/{document}/ta-bort",
            post(events::remove_document),
        )
        .route("/natverk/traffar/{id}/stall-in", post(events::cancel))
        .route("/natverk/traffar/{id}/anmalan", post(events::register))
        .route(
            "/natverk/traffar/{id}/anmalan/{registration}/ta-bort",
            post(events::unregister),
        )
        .route(
            "/natverk/traffar/{id}/narvaro",
            post(events::record_attendance),
        )
}
