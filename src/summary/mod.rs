//! Tillväxtverket's overview of a year, and the 26 March summary to the Government with
//! its exports. Every figure is computed once, in `model.rs` for a year held whole and in
//! `db::figures_of_years` for the aggregate the pages read; a test holds the two equal.
//!
//! # The overview (`/oversikt`, staff)
//!
//! The year's actors as rows and requisition, payout, report and repayment as columns —
//! each cell the state, date and amount, linked to the case; overdue cells say *Försenad*
//! / *Förfallen, N dagar* (not colour alone); sort by actor or by how far each has come;
//! *Visa bara det som behöver åtgärdas*; totals (requisitioned, paid out, used, owed,
//! repaid, outstanding) beside the frames (actors × cap; 23 Mkr). Its cost is set by the
//! rows it shows (`db::load_overview`): the totals, the chart and the notes over every
//! actor come from one aggregate query (`db::overview_figures`, held equal to
//! `model::YearFigures::of` a whole year by a test), and the table comes a hundred rows a
//! page in the order of the actors' names (*Föregående sida*, *Nästa sida* and each page's
//! number), read with LIMIT/OFFSET; filtered or sorted by state it reads every actor's row. Imported earlier years are marked *importerad*
//! (`history`).
//!
//! # The summary (`/sammanstallning`)
//!
//! Its cost is set by what it shows, as the overview's (`db::load_summary`): the figures
//! over every actor, the activity statistics and the self-assessments in aggregate, the
//! actors paid without an approved report in one narrow query, and a hundred rows a page
//! with their reports' texts and activities. The trend over the years is one row per year.
//! Staff read it; administrators write and export. Finances per actor and in total with
//! Tillväxtverket's account; activities per sub-goal and kind, in total and per actor,
//! participants and partners; the self-assessment ("12 av 12"); each actor's needs and
//! challenges, results and effects; Tillväxtverket's own sections (analysis, the digital
//! innovation hubs, DIGG's views) and the report's date and Tillväxtverket's diarienummer
//! for the DOCX's title page, saved with the year. Actors without an approved report are
//! named plainly. The document follows the report rules of the period an administrator
//! chose for the year (its own unless another: 26 March 2021 is claimed by both): it is
//! addressed to that period's ministry under its title, cites Tillväxtverket's assignment
//! and the decision to the actors each as what it is (`model::Decisions`), and has the
//! hubs and DIGG parts only where the rules ask; it can't be marked *inlämnad* while such
//! a part is empty. Without a Kammarkollegiet chain (2018–2020) it has no account with
//! Kammarkollegiet. A year without data says *ingen uppgift i Digikoord*, not 0 kr.
//!
//! # The outflow forecast (`/oversikt/prognos`, staff)
//!
//! What Tillväxtverket expects to repay to Kammarkollegiet by 15 March (the effective date),
//! certain and uncertain per actor — an approved report's unused amount is certain, a
//! report not yet approved or missing leaves a range from nothing to what was paid out —
//! as CSV, XLSX and JSON for the agency's own reporting (`forecast.rs`, `forecast_db.rs`).
//!
//! # Exports (`export.rs`)
//!
//! - **XLSX**: a sheet per part, numbers in kronor format, frozen headers; each sheet
//!   prints A4 landscape, one page wide, with the heading row on every page, the title and
//!   the sheet's name above and *Sida N av M* below (the account document's XLSX too).
//! - **DOCX**: the report document as an authority's *Redovisning av regeringsuppdrag* is
//!   set out: a title page with Tillväxtverket as sender beside the date and diarienummer,
//!   the recipient — Regeringskansliet and the year's ministry — the title and the
//!   decisions it answers; then a table of contents, the five parts and an appendix per
//!   actor, each on a new page. Word's built-in styles (Title, Heading 1–3, Caption), a
//!   sans-serif 11 pt, a running header and *Sida N av M* after the title page. The table
//!   of contents is a real TOC field over headings 1–2, its entries linked to bookmarks on
//!   the headings: Word updates it on opening (it asks), LibreOffice with *Verktyg →
//!   Uppdatera*. Tables at 8 pt with columns fitted to their contents, figures
//!   right-aligned, the heading row repeated on every page; a table too wide for an upright
//!   page — the finance table with what the money was used for, the account document's
//!   per-actor table — gets landscape pages of its own. It carries the page's charts as
//!   PNG pictures (`charts.rs` builds them once for the pages and the document, drawn from
//!   the SVG with `resvg` in the bundled DejaVu Sans, `static/fonts/`, so they look the
//!   same on every machine), each with a numbered caption and its figures in a table.
//! - **PDF/A-2b** of the very DOCX, laid out by LibreOffice (`crate::pdfa`).
//! - **CSV** (UTF-8 with BOM, `;`, decimal comma) and **JSON** of the finance table.
//!
//! Every export is recorded with who, when, year and SHA-256, and its file is kept; one can
//! be marked *inlämnad* and is then downloadable as it was, whatever changes later (the
//! schema refuses changing or deleting it). Page and exports are all built from the same
//! `model::Year`. An administrator can also download a *draft* of any export as the figures
//! stand, not recorded (`/sammanstallning/{år}/utkast/xlsx`). An export is the one place
//! a year is loaded whole (`db::load_year`, in one snapshot), in a turn of the heavy-work
//! queue (`crate::heavy`: a few at once, a short queue, then *försök igen om en stund*), and
//! drawn off the async workers (`spawn_blocking`).
//!
//! # The files
//!
//! `model.rs`: a year per actor, totals, counts (pure, unit-tested); `db.rs`: all SQL
//! (`load_overview`, `load_summary`, `load_year`, `figures_of_years`); `export.rs`: XLSX, DOCX, CSV, JSON; `charts.rs`: the year's charts;
//! `handlers.rs`: the pages.

mod charts;
pub mod db;
pub mod export;
pub mod forecast;
pub mod forecast_db;
mod handlers;
pub mod kept;
pub mod model;
mod stats;

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route("/oversikt", get(h::overview))
        .route("/oversikt/alla-ar", get(h::years))
        .route("/oversikt/prognos", get(forecast::page))
        .route("/sammanstallning", get(h::summary))
        .route("/sammanstallning/{year}/avsnitt", post(h::save_sections))
        .route("/sammanstallning/{year}/exporter", post(h::create_export))
        .route("/sammanstallning/exporter/{id}", get(h::download_export))
        .route(
            "/sammanstallning/{year}/utkast/{format}",
            get(h::draft_export),
        )
        .route(
            "/sammanstallning/exporter/{id}/inlamnad",
            get(h::mark_submitted_form).post(h::mark_submitted),
        )
}
