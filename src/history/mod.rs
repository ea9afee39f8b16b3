//! The programme's history: earlier years imported from a spreadsheet (checked row by row,
//! previewed, loaded all or nothing, marked as imported), and every year side by side.
//!
//! # Earlier years (`/admin/historik`, administrators)
//!
//! Download the template (XLSX or CSV, one row per actor and earlier year, already filled
//! with year, actor and organisation number), fill in requisitioned, paid out and the date,
//! used, unused, repaid and the date, and when the report was approved. The upload is
//! checked row by row and column by column — format, amount-and-date pairs, used + unused
//! = paid out, duplicates, unknown actor or year, a year that already has a requisition in
//! Digikoord or was imported before, and, as live cases are held to them, the year's cap
//! per actor and its frame (cap × the period's actors, counting what Digikoord already
//! holds; the schema checks both too) — and a file with any problem is refused with every
//! problem named by row and column and nothing written. A good file is kept with its
//! SHA-256 for a preview; *Läs in* loads all its rows in one transaction or none
//! (`imported_actor_years`). Imported figures are marked *importerad* on the overview, the
//! summary and its exports (they carry figures, no texts), and the summary's
//! `/oversikt/alla-ar` shows every year since 2018 side by side with its source.
//!
//! An uploaded XLSX is checked as a ZIP before it is read (part count, inflated sizes,
//! ratio) and read cell by cell within 25 000 rows × 30 columns; a CSV within the same
//! bounds; parsing runs off the async workers.
//!
//! # Charts
//!
//! Charts are drawn on the server as SVG (`crate::charts`, no JavaScript): on the overview
//! how far the actors have come in each step of the cycle, on the summary used against
//! unused per actor and paid out, used and repaid year by year. Each has a title and a text
//! description, writes its values beside the bars, tells series apart by pattern as well as
//! colour, and has the same figures in a table beside it. The summary's DOCX carries the
//! same charts as pictures (`summary::charts`).
//!
//! # The files
//!
//! `model.rs`: the template's columns, reading CSV/XLSX, checking each row (pure,
//! unit-tested); `sheet.rs`: reading the spreadsheet; `db.rs`: uploads, resolving actors,
//! loading; `handlers.rs`: `/admin/historik`.

pub mod db;
mod handlers;
pub mod model;
pub mod sheet;

use axum::{
    Router,
    extract::DefaultBodyLimit,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route(
            "/admin/historik",
            get(h::page)
                .post(h::upload)
                // Room for a too-large file to arrive and be refused with a clear message.
                .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/admin/historik/{id}", get(h::preview))
        .route("/admin/historik/{id}/las-in", post(h::load))
        .route("/admin/historik/filer/{name}", get(h::template))
}
