//! Requests for public documents (*begäran om allmän handling*, tryckfrihetsförordningen
//! 2 kap.): anyone may ask to see the documents of a region's case, anonymously if they like,
//! and Tillväxtverket answers promptly, after a secrecy review of each document
//! (offentlighets- och sekretesslagen 2009:400).
//!
//! # The flow (`/handlaggning/utlamnande`, case officers and administrators)
//!
//! A request is registered for an actor's programme year — the day it came in (not after
//! today), who asks (may be left empty), how the documents are to be handed over and what was
//! asked for. In one transaction a legal hold (`retention`) is placed on the actor's year
//! first — placing it waits for a disposal run being confirmed and holds off the next until
//! the transaction ends — and then the case's documents as they are now
//! (`records::documents::for_case`: requisition receipts, reports, decision records) are listed
//! on the request, each *Ej sekretessprövad*: nothing listed can be disposed of in between,
//! and nothing of the case while the request is open. The hold is released with the
//! decision, never before: the retention page refuses to release it while the request is
//! open (and so does the schema).
//!
//! Each document is reviewed on the request's page, after reading its PDF/A: *Lämnas ut*,
//! *Lämnas ut med maskering – maskera före utlämnande*, or *Lämnas inte ut (sekretess)*;
//! masking and withholding name the secrecy provision they rest on (*OSL 21 kap. 1 §*). A
//! review is of one file: the document's kept PDF/A (`case_document_pdfs`, made and kept at
//! the review if it was not yet), whose key and SHA-256 the review stores. When the case's
//! document is no longer that file (a requisition or report sent in again is another file,
//! under another key), the page says so, and neither the bundle nor the decision is made
//! until it is reviewed again. A review may be made again while the request is open.
//!
//! Once every document is reviewed the bundle may be downloaded: a ZIP with exactly the kept
//! files reviewed of the documents released whole, and `Förteckning.csv` listing every
//! document with its review and provision. **Masking is manual** and happens outside the
//! bundle: Digikoord does not mask PDFs, so a document to be masked is never in the bundle —
//! the list says *Lämnas ut efter maskering – ingår inte i paketet*, and staff download it
//! from its own page, mask it and hand it over by itself. Withheld documents are listed,
//! never included.
//!
//! Deciding the request (after a page that shows what it comes to) closes it for good and
//! releases its legal hold, in one transaction; where anything is masked or withheld the page
//! reminds the officer that the requester may ask for the agency's written decision, which
//! can be appealed (OSL 6 kap. 7 §). Registering, each review, each opened document, each
//! bundle downloaded (with its SHA-256) and the decision are audited. The schema keeps a
//! request as it was registered, its list as it was made, the reviews unchanged once decided,
//! every masking and withholding with its provision, a decision only after every review, and
//! the hold on the request's own case exactly while it is open.
//!
//! Coordinators never reach these pages (403); approvers see the requests but do not act.
//!
//! # The files
//!
//! `model.rs`: the states, the reviews, the forms, the list (pure, unit-tested); `bundle.rs`:
//! the ZIP; `db.rs`: all SQL; `handlers.rs`: the pages.

mod bundle;
pub mod db;
mod handlers;
pub mod model;

use axum::{Router, routing::get};

use crate::AppState;

pub fn router() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route("/handlaggning/utlamnande", get(h::list))
        .route(
            "/handlaggning/utlamnande/ny",
            get(h::new_form).post(h::register),
        )
        .route("/handlaggning/utlamnande/{id}", get(h::show))
        .route(
            "/handlaggning/utlamnande/{id}/dokument/{n}",
            get(h::document).post(h::review),
        )
        .route("/handlaggning/utlamnande/{id}/paket", get(h::bundle))
        .route(
            "/handlaggning/utlamnande/{id}/avsluta",
            get(h::decide_form).post(h::decide),
        )
}
