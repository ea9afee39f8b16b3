//! The bank's files of incoming payments: a region's repayment found in what the bank says
//! came in to Tillväxtverket's bankgiro, and confirmed by a case officer in one step.
//!
//! # OCR numbers
//!
//! Each region's repayment for a year has a Bankgirot OCR number made from its case number
//! (`DK-2025-007` → `202500799`: the year and the sequence, a length digit and a Luhn check
//! digit; `model::ocr_reference`). It is shown on the region's repayment page as
//! *OCR-nummer* beside the bankgiro, in the mail that tells the region what it owes, in the
//! repayment reminders and in the calendar feed's repayment event. The older reference
//! (`DK-2025-007-AB`) is still accepted wherever a payment is matched.
//!
//! # Reading in a file (`/handlaggning/bank`, case officers)
//!
//! A case officer uploads the bank's file of incoming payments to Tillväxtverket's bankgiro
//! (`REPAYMENT_BANKGIRO`): **BgMax** from Bankgirot (`bgmax.rs`) or ISO 20022 **camt.054**
//! (`camt054.rs`), told apart by their first bytes. The file is read under the limits of
//! every upload (10 MB, 25 000 lines, 1 000 characters in a field) and checked whole — the
//! structure, every sum and count, the receiving bankgiro, the currency (SEK), no day after
//! today — and a file with any fault is refused with each fault named by its line (*Rad 7:
//! beloppet är inte ett tal*), nothing written. A good file is kept (`bank_files`, with its
//! SHA-256) with each payment not already read in (`bank_payments`): each payment's bank
//! reference is unique in the schema (BgMax: the day and Bankgirot's serial number,
//! `BGC-20260209-000000000001`; camt.054: `AcctSvcrRef`, else `NtryRef`), so reading the
//! same file again writes nothing and says so (*Filen är redan inläst: 0 nya betalningar*).
//!
//! # Matching and deciding
//!
//! Every waiting payment is proposed for a region's repayment each time the page is shown
//! (`model::propose`, pure): **Matchade** when its reference is a case's OCR number or old
//! reference; **Osäkra** when its amount is exactly what one case still has to pay (and,
//! where both are known, it came from the bankgiro of the region's requisition);
//! **Omatchade** otherwise. The three lists stand side by side with payer, amount, day,
//! reference and the proposed region and case. Nothing is decided by the matching: each
//! payment has its own page that shows what confirming it against the proposed — or another
//! chosen — case will do, and *Bekräfta* then, in one transaction, confirms the region's own
//! registration of the same amount if it made one, or registers the payment from the file
//! (in the name of the officer who read the file in) and confirms it — exactly as
//! `repayments::review` confirms by hand, with the bank's day and amount as received and
//! the bank's reference as the voucher number, the region told by mail. The schema has no
//! four-eyes rule between registering and confirming a repayment (by hand the region
//! registers and a case officer confirms), so none is added here; both people are recorded.
//! A payment that is not a repayment is dismissed with a reason. Unmatched payments stay
//! listed until someone decides. Each import, confirmation and dismissal is audited in its
//! transaction; the schema keeps what the bank said unchanged, and decides a payment once.
//!
//! # The files
//!
//! `model.rs`: OCR numbers, what a file holds, the limits, the matching, the forms (pure,
//! unit-tested); `bgmax.rs`, `camt054.rs`: the two formats (pure, unit-tested); `db.rs`: all
//! SQL; `handlers.rs`: the case officer's pages.

mod bgmax;
mod camt054;
pub mod db;
mod handlers;
pub mod model;

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
            "/handlaggning/bank",
            get(h::page)
                .post(h::upload)
                // Room for a too-large file to arrive and be refused with a clear message.
                .layer(DefaultBodyLimit::max(32 * 1024 * 1024)),
        )
        .route("/handlaggning/bank/betalningar/{id}", get(h::decide))
        .route(
            "/handlaggning/bank/betalningar/{id}/bekrafta",
            post(h::confirm),
        )
        .route(
            "/handlaggning/bank/betalningar/{id}/avvisa",
            post(h::dismiss),
        )
}
