//! Registratur: Tillväxtverket's diarienummer on every case (issue 31), beside Digikoord's
//! own case number (`DK-2025-007`).
//!
//! # The cases
//!
//! Four kinds of case get a diarienummer (`model::CaseKind`): an actor's **requisition**,
//! **report** and **repayment** of a year, and the year's **report to the Government**
//! (the summary, Tillväxtverket's own). A case is there once it has been filed — the
//! actor's year has a requisition or a report that was sent in; the report says something
//! is unused; the year has a filed report or an exported summary — as the schema's view
//! `registry_cases` says, once for every reader. Each case has one diarienummer at most,
//! and a diarienummer belongs to one case (`registry_entries`, constraints in
//! `migrations/…_registry.sql`).
//!
//! # The registrar (`/registratur`)
//!
//! Staff see the cases without a diarienummer, the newest first, and the registered ones,
//! found by a search on the number, the case number, the actor or the year. The registrar
//! works as a case officer or an administrator: on each case they type the number from the
//! agency's diary, or take the next number of the series (*Ta nästa nummer ur serien*),
//! which moves the series on in the transaction that registers it (a number a case already
//! has is passed over). A number another case has comes back beside the field with what was
//! typed, and nothing is written. A registered number is corrected with a reason; every
//! registration and correction is audited (the correction with the number before and
//! after).
//!
//! # The series (`/admin/diarium`)
//!
//! An administrator sets a series per calendar year of registration: a prefix, the next
//! running number and its digits (`Ä` + 2026 + 42 in five digits: `Ä 2026-00042`),
//! audited. Without a series for this year the registrar types the numbers.
//!
//! # Elsewhere
//!
//! The requisition's and the report's pages (the region's, the signatory's and the staff's)
//! show the number beside the case number with `templates/registry/diarienummer.html`
//! (`Dnr Ä 2026-00042`, or `Dnr saknas`): the requisition's and report's own query reads it
//! (no round trip more); the repayment page and the decision records read it with
//! `db::diarienummer`, the archive a year's with `db::for_year`.
//!
//! # The files
//!
//! `model.rs`: the kinds, a typed number, the series' numbers, the forms (pure,
//! unit-tested); `db.rs`: all SQL; `handlers.rs`: the pages.

pub mod db;
mod handlers;
pub mod model;

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route("/registratur", get(h::page))
        .route("/registratur/registrera", post(h::register))
        .route("/registratur/andra", post(h::correct))
        .route("/admin/diarium", get(h::series_page).post(h::set_series))
}
