//! Bokföring: the money Digikoord records, handed to Tillväxtverket's accounting system as
//! an SIE 4I file (type 4, import: vouchers only), so the finance unit never types a payout
//! or a repayment twice.
//!
//! # The account plan (`/admin/bokforing`)
//!
//! No account plan is written into the code: an administrator sets, in one row
//! (`ledger_settings`), the account for each purpose (number and name, as the agency's
//! accounting system has them) — payouts to the actors (the grant expense), the bank
//! account the money goes out of and comes into (*avräkning*), repayments received from
//! the regions, refunds of over-payments, and the appropriation account for the
//! requisition from and the repayment to Kammarkollegiet —, the SIE dimension numbers of
//! the actors' objects and of the appropriation's, the voucher series, Tillväxtverket's
//! name and organisation number (not in the sources: an administrator enters it), and the
//! appropriation coding (utgiftsområde 22, anslag 2:4, anslagspost 4 from the start, as
//! Tillväxtverket's 2021 assignment gives it; editable). The bank account stands apart
//! from the others, one account number has one name, and the two dimensions differ (the
//! form and the schema say so). Saving is audited. Until everything is set the page lists
//! what is missing, and asking for a file is refused with that list (409).
//!
//! # The file (`/admin/bokforing/sie?ar=2025&fran=…&till=…`)
//!
//! A fiscal year (the calendar year, the state's *räkenskapsår*: `#RAR 0`), or a period
//! within it. One voucher (`#VER`, in date order, in the chosen series) per movement of
//! money dated within it, debit positive and credit negative, each balancing to zero. A
//! voucher's number is its day and its place in the day (`250315001`: the first of 15 March
//! 2025, `model::voucher_number`), so two files never share a number — one restarting at 1
//! in every file would give two exports two `DK 1` — and a voucher in two files keeps its
//! number. (SIE 4I lets the importing system number the vouchers, `""`, but the `sie4`
//! reader the tests read the file with takes only digits.)
//!
//! | event (its date) | debit | credit |
//! | --- | --- | --- |
//! | payout to an actor (paid) | payouts {actor, appropriation} | bank |
//! | repayment from a region (received, confirmed) | bank | repayments {actor, appropriation} |
//! | refund of an over-payment (paid) | refunds {actor} | bank |
//! | requisition from Kammarkollegiet (its date) | bank | appropriation {appropriation} |
//! | repayment to Kammarkollegiet (its date) | appropriation {appropriation} | bank |
//!
//! The voucher's text names the event, the programme year whose funds moved, the actor,
//! the case (`DK-2025-007`) and the voucher number registered in Digikoord: `Utbetalning
//! 2025 till Region Skåne, DK-2025-007 (ver. V-100)`. A programme year's money falls in two
//! fiscal years (paid out in Y; repaid, refunded and settled with Kammarkollegiet in Y+1),
//! so its totals are its vouchers in both files: per account, the payouts' sum is what
//! `/konto` says was paid out, the repayments' what was received from the regions, the
//! refunds' what was refunded, and the appropriation account's what was requisitioned less
//! what was repaid. Tillväxtverket's own support costs are not Digikoord's vouchers.
//!
//! **A known gap.** A refunded over-payment is booked in full to the repayment account when
//! it is received, and the refund to the refund account when it is paid, so the repayment
//! account and the appropriation object are overstated by the refunded amounts until a
//! split booking (the over-payment to the refund account at receipt) is built.
//!
//! **Objects.** Each actor is an object (`#OBJEKT`) in the actors' dimension, coded by its
//! organisation number (which outlives its names) and named as in the period of the
//! money. **The appropriation** is an object of its own dimension, `UO22-2:4-ap4`
//! (*Utgiftsområde 22, anslag 2:4, anslagspost 4*), on every line charged to it: an
//! accounting system reads the coding from the transaction, as it reads a cost centre, and
//! can follow the appropriation up per object. It is never on a refund (an over-payment is
//! the region's money) nor on a bank line, and a year whose period has no Kammarkollegiet
//! chain (2018–2020: no appropriation in the sources) carries none.
//!
//! **The format**, as SIE 4 prescribes: `#FLAGGA 0`, `#PROGRAM`, `#FORMAT PC8`, `#GEN`
//! (the day and who made it), `#SIETYP 4`, `#ORGNR`, `#FNAMN`, `#RAR`, `#KONTO` for each
//! account used, `#DIM` for both dimensions, `#OBJEKT` for each object used, then the
//! vouchers with their `#TRANS` lines (`{dimension "object" …}`, amounts with two decimals
//! and a point). Lines end in CRLF; the text is PC8 (IBM code page 437: `ä` is byte 0x84).
//! Texts are quoted with `\"` for a quote; what PC8 or a careless reader can't take (braces,
//! backslashes, control characters, dashes and typographic quotes) becomes its nearest
//! plain character. Every file made is audited with its checksum and totals.
//!
//! # The files
//!
//! `model.rs`: the plan and its form, the span, the events' vouchers, the SIE writer and
//! PC8 (pure, unit- and property-tested); `db.rs`: all SQL; `handlers.rs`: the page, saving,
//! the download. `templates/ledger/`.

mod db;
mod handlers;
pub mod model;

use axum::{Router, routing::get};

use crate::AppState;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/bokforing", get(handlers::show).post(handlers::save))
        .route("/admin/bokforing/sie", get(handlers::export))
}
