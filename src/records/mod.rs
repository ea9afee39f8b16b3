//! Decision records, and the documents of a case as PDF/A: what Tillväxtverket can stand
//! behind years later (issue 31).
//!
//! # Decision records
//!
//! Every decision Digikoord records writes a **decision record** in the decision's own
//! transaction (`db::record`, audited as `decision.recorded`): the day, the case (Digikoord's
//! case number; Tillväxtverket's diarienummer from `crate::registry` is shown beside it), the
//! party, what was decided and why, **who decided and who presented the case** — the four
//! eyes as förvaltningslagen (2017:900) 31 § has them, *beslutsfattare* and *föredragande* —
//! and the decision it rests on, in words and, where it is in the register, as a link.
//!
//! | decision | where | decided by | presented by | rests on |
//! | --- | --- | --- | --- | --- |
//! | requisition granted | the approver attests the payout (`requisitions::payouts`) | approver | the case officer who approved it and prepared the payout | the Government's decision (`I2021/00795`) |
//! | requisition returned, rejected | `requisitions::review` | case officer | — | the Government's decision |
//! | report approved, returned | `reports::review` | case officer | — | the year's granted requisition |
//! | refund approved | `repayments::review` | approver | the case officer who prepared it | the approved report |
//! | extension granted or changed | `requisitions::review` | case officer | — | the basis typed (a decision or consent) |
//! | staff role granted | `users::grants` | the confirming administrator | the requesting one (none for the operator's first) | the request |
//!
//! A requisition's or report's decision also names the region's own four eyes when its
//! authorised signatory confirmed what was decided on (`crate::signatory`): the coordinator
//! who drew it up and the signatory (`region_prepared_by`, `region_signed_by`, from the
//! requisition's or report's `prepared_by` and `signed_by`, never the payout's preparer),
//! *Upprättad av … (regional koordinator) och bekräftad av firmatecknare …*.
//!
//! People are referenced by user id, never copied by name: an anonymised user
//! (`crate::privacy`) shows under their pseudonym, with the role they acted in, which the
//! record keeps. Each record carries a SHA-256 of its content (`model::Content`), checked
//! whenever it is shown; the schema refuses any change or removal of a record.
//!
//! # Pages
//!
//! `/beslut`: a coordinator's own organisation's records, or (staff) every record, by year
//! and organisation, each with its day, kind, case, diarienummer, party, decision maker and
//! presenter; `/beslut/{id}` one record as its document says it, with *Ladda ner beslutet
//! som PDF/A*. Anything a coordinator may not see is "not found".
//!
//! # Documents as PDF/A
//!
//! `documents` makes a decision record, a filed requisition's receipt (with who sent it in,
//! or who prepared it and the signatory who confirmed it) and a filed report as a DOCX
//! (`export::docx`), lays it out as PDF/A-2b with LibreOffice (`crate::pdfa`, in a turn of
//! heavy work) and keeps it checksummed and frozen (`case_document_pdfs`) the first time it
//! is asked for: `/beslut/{id}/pdf`, `/dokument/kvitto/{requisition}/pdf`,
//! `/dokument/redovisning/{report}/pdf`, for the region the case is of and for staff. The
//! archive package (`crate::archive`) lists a year's documents with `documents::for_year`.
//! A receipt or report is made from the row as it was filed; one the region has changed
//! since is refused unless it was kept before.
//!
//! # The files
//!
//! `model.rs`: the kinds, the Swedish sentences, the checksum, the keys (pure,
//! unit-tested); `db.rs`: all SQL; `documents.rs`: the documents; `handlers.rs`: the pages.

pub mod db;
pub mod documents;
mod handlers;
pub mod model;

use axum::{Router, routing::get};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/beslut", get(handlers::list))
        .route("/beslut/{id}", get(handlers::show))
        .route("/beslut/{id}/pdf", get(handlers::decision_pdf))
        .route("/dokument/kvitto/{id}/pdf", get(handlers::receipt_pdf))
        .route("/dokument/redovisning/{id}/pdf", get(handlers::report_pdf))
}
