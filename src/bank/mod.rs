//! The bank's files: of incoming payments, a region's repayment found in what the bank says
//! came in to Tillväxtverket's bankgiro, and confirmed by a case officer in one step; and
//! the payment file of outgoing payouts and refunds that Tillväxtverket hands to its bank.
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
//! beloppet är inte ett tal*), nothing written. (The receiving account: BgMax's opening
//! record, camt.054's `Ntfctn/Acct` — a camt.054 that names no account is read, as some
//! banks leave it out.) A good file is kept (`bank_files`, with its SHA-256) with each
//! payment not already read in (`bank_payments`): each payment's bank reference is unique in
//! the schema (BgMax: the day and Bankgirot's serial number, `BGC-20260209-000000000001`;
//! camt.054: `AcctSvcrRef`, else the notification's `Id` and the entry's `NtryRef`,
//! `{Id}/{NtryRef}`), so reading the same file again writes nothing and says so (*Filen är
//! redan inläst: 0 nya betalningar*). A reference already read in with another amount or
//! day is not the same payment: the file is refused, naming the line.
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
//! the bank's reference as the voucher number, the region told by mail. A payment that would
//! take what the region has paid past what it owes (it may already have been confirmed by
//! hand, from the region's registration) shows the case's confirmed payments — amount, day,
//! voucher — and is confirmed only when the officer ticks *Jag har kontrollerat att
//! inbetalningen inte redan är bekräftad för hand*; otherwise 422 and nothing written. The
//! balance and the region's registrations are read in the confirming transaction. The schema
//! has no four-eyes rule between registering and confirming a repayment (by hand the region
//! registers and a case officer confirms), so none is added here; both people are recorded.
//! A payment that is not a repayment is dismissed with a reason. Unmatched payments stay
//! listed until someone decides. Each import, confirmation and dismissal is audited in its
//! transaction; the schema keeps what the bank said unchanged, and decides a payment once.
//!
//! # The payment file to the bank (`/handlaggning/bank/betalningsfil`), for the finance unit
//!
//! Approved payouts and refunds are handed to the bank as a file instead of being typed into
//! the bank's service one by one. The page lists every payout that is attested and every
//! refund that is approved, not yet paid, with payee, bankgiro or plusgiro, amount, case and
//! planned day. A case officer ticks a batch and sees it first as the file will have it —
//! who pays, each payment, the day the bank is asked to pay (the planned day, or today when
//! that has passed) and any payment already in an earlier file (then made only when the
//! officer ticks to make it again, naming the earlier file; the chosen payouts and refunds
//! are locked for update while the file is made, so two officers are taken one after the
//! other and the second sees the first one's file) — and only then makes the
//! file: ISO 20022 **pain.001.001.03** in SEK to bankgiro (Bankgirot, `BGNR`) and plusgiro
//! (PlusGirot), as the Swedish banks' common interpretation has it (`pain001.rs` says field by
//! field). Each file is kept (`payment_files`: its message id, who made it and when, its
//! SHA-256, count, total, and each payout and refund in it), audited, and downloaded again
//! byte for byte from the list of files made. The finance unit uploads the file to the
//! agency's bank, where the payments are signed as the bank's own rules say. **Making a file
//! marks nothing paid**: once the bank has paid, each payment is registered with its voucher
//! number as before (or, later, matched from the bank's camt.054 debit notifications). The
//! debtor — Tillväxtverket's name, organisation number, the bankgiro the money goes out from
//! and, if the bank wants it, its BIC — is set on the same page by an administrator
//! (`payment_file_settings`, audited); until it is, no file is made (409, saying what is
//! missing). Only an approved payout or refund goes in a file, with its own amount (the
//! schema says so too); a batch with any other is refused naming each, and nothing is kept.
//!
//! # The files
//!
//! `model.rs`: OCR numbers, what a file holds, the limits, the matching, the forms (pure,
//! unit-tested); `bgmax.rs`, `camt054.rs`: the two formats (pure, unit-tested); `pain001.rs`:
//! the payment file, its debtor and batch (pure, unit-tested); `db.rs`: all SQL;
//! `handlers.rs`: the pages.

mod bgmax;
mod camt054;
pub mod db;
mod handlers;
pub mod model;
pub mod pain001;

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
        .route(
            "/handlaggning/bank/betalningsfil",
            get(h::payment_file).post(h::review_payment_file),
        )
        .route(
            "/handlaggning/bank/betalningsfil/skapa",
            post(h::make_payment_file),
        )
        .route(
            "/handlaggning/bank/betalningsfil/avsandare",
            post(h::save_payment_file_settings),
        )
        .route(
            "/handlaggning/bank/betalningsfiler/{id}",
            get(h::download_payment_file),
        )
}
