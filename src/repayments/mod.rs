//! Repayment of unused funds (26 February Y+1) as soon as the report is submitted,
//! refunds of over-payments with four eyes, and Tillväxtverket's own account with
//! Kammarkollegiet (requisition by 1 December Y, repayment and financial report by
//! 15 March Y+1) with its two documents.
//!
//! # Repay when ready
//!
//! As soon as the region's report is *submitted* it can pay: what it owes is the unused
//! funds of its latest *approved* report version or, until one is approved, of the
//! submitted one (`repayment_owed()` in the schema). The region's page
//! `/aterbetalningar/{år}/{organisation}` shows the amount (marked *ej godkänd än* while it
//! rests on a submitted report), the deadline (26 February Y+1, or the actor's extension),
//! Tillväxtverket's bankgiro (`REPAYMENT_BANKGIRO`), the reference to use
//! (`DK-2025-007-AB`) and every report version's figure. When approval or a later approved
//! version moves the amount past what was paid, the page says so: *återstår X att betala*,
//! or *X för mycket*, to be refunded. Nothing owed says *inget att återbetala*. The region
//! registers each payment (part payments allowed), and may correct (date, amount,
//! reference) or withdraw one until it is confirmed; only a case officer's confirmation
//! (date, amount, verification number) makes it count. Once its registered payments cover
//! what remains, the page says *registrerad – väntar på Tillväxtverkets bekräftelse; inget
//! kvar att betala* (`Status::Registered`), never *Att betala*, and no days are counted
//! against it. Overdue counts only days on which
//! the region could have paid: from the later of the deadline and the day its report was
//! first submitted (`Balance::days_overdue`). The case officer's list
//! `/handlaggning/aterbetalningar` shows owed, registered, received, refunded, remaining,
//! owed to the region, each actor's deadline, days overdue and totals. Each repayment has
//! its own message thread between the region and Tillväxtverket, as requisitions and
//! reports do.
//!
//! # Over-payments are the region's money
//!
//! A case officer prepares a refund (amount, date) on the region's page; an approver —
//! never the one who prepared it — approves it on a page that shows the payee, the account
//! of the year's approved requisition, the reference (`DK-2025-007-TB`), the amount and
//! what it rests on (received − owed), who prepared it and the case's messages, or sends
//! it back with a reason; a case
//! officer or approver registers the payment with its voucher number (`refunds`: the
//! schema keeps the four eyes, the order prepared → approved → paid, and the sum of refunds
//! within what was paid too much). Until it is paid, the region's page, the list, the
//! overview and the summary show it as owed to the region.
//!
//! # Extensions
//!
//! On `/handlaggning/forlangningar` (served by `requisitions`) a case officer gives an
//! actor a later date for its requisition, its report or its repayment, with a reason the
//! region sees (`deadline_extensions`, one per actor, year and deadline; `actor_deadline()`
//! in the schema). Granting again for the same deadline changes it; it can be withdrawn
//! with a reason; both are audited. Start pages, lists, overdue and late marks, the
//! overview, reminders and the calendar feeds all use the actor's date: a case within its
//! extension is not late.
//!
//! # Late payment: a claim of the state
//!
//! What is not paid by the (effective) deadline is a claim of the state. After the deadline
//! the region's reminder (`mail::reminders`, the day after and then weekly while something
//! is unpaid) is a *betalningspåminnelse* that says late-payment interest runs under
//! räntelagen, unless a case officer has decided to waive it. The interest
//! (*dröjsmålsränta*: Riksbanken's reference rate for each half-year plus eight
//! percentage points, from the day after the due date — the effective repayment
//! deadline, whenever the report came in, unlike the overdue count above — up to and
//! including the day the money came in, days/365) is computed by `interest.rs` from the
//! payments Tillväxtverket confirmed and the reference rates an administrator enters at
//! `/admin/referensranta`; a half-year without its rate is named, never taken as zero.
//! The case officer's list shows each late case's interest so far (or *Ej debiteras*),
//! and the case's page its periods, rates and days, with the case officer's decision —
//! claim it or not, always with a reason, confirmed on a page of its own and audited; every
//! version is kept (`interest_decision_history`). The region sees the interest, with the
//! rule in plain Swedish, only once it is claimed. It is a claim of its own: never added
//! to what the region owes for its unused funds, the balance or what goes on to
//! Kammarkollegiet, and exported on its own
//! (`/handlaggning/aterbetalningar/{år}/drojsmalsranta.csv`).
//!
//! # Tillväxtverket's account (`/konto`)
//!
//! Tillväxtverket's own account for a year: its requisition from Kammarkollegiet (the
//! 23 000 000 kr frame of I2021/00795 applies to 2021–2025 only, by 1 December), the
//! payouts to the actors, its own support costs (at most 1 000 000 kr in 2018 and
//! 2 000 000 kr a year 2019–2025, as the decisions say), what came in from the regions and
//! what was refunded to them, and what it must repay to Kammarkollegiet by 15 March:
//! `AgencyAccount::to_repay` = requisitioned − paid out − own costs + from each region what
//! it paid and kept paid, never more than it owed (`Balance::counted`, min(received −
//! refunded, owed)). An over-payment never reaches Kammarkollegiet, and refunding it moves
//! nothing. The account page, the summary page and every summary export show the same
//! figures. The page checks the requisition's date against 1 December, paid out and own
//! costs against what was requisitioned, and the caps, and warns within 30 days of each
//! deadline.
//!
//! **The documents to Kammarkollegiet.** An administrator writes the requisition (by 1
//! December) and the financial report that goes with the repayment (*ekonomisk
//! redovisning*, by 15 March) as XLSX, DOCX or PDF/A (`crate::pdfa`): the appropriation
//! (utgiftsområde 22, anslag 2:4, anslagspost 4), requisitioned and its date, paid out per
//! actor, own costs, received from each region, refunds and the amount to repay, and the
//! checks that failed. Each file is kept with its SHA-256 and frozen when marked
//! *inlämnat*, as the 26 March exports are (`summary_exports.document`).
//!
//! # The files
//!
//! `model.rs`: balance, status, overdue, refunds' states and actions, caps, the agency's
//! account and its checks (pure, unit-tested); `interest.rs`: late-payment interest and its
//! forms (pure, unit-tested); `db.rs`: all SQL; `handlers.rs`: the region's page, paying;
//! `review.rs`: confirming, the list, refunds with four eyes, the interest decision, its
//! export and the reference rates;
//! `account.rs`: `/konto` and the documents; `documents.rs`: the two documents to
//! Kammarkollegiet.

mod account;
pub mod agency;
pub mod db;
pub mod documents;
mod handlers;
pub mod interest;
pub mod model;
pub mod refunds;
pub(crate) mod review;

use axum::{
    Router,
    routing::{get, post},
};

use crate::AppState;

pub fn router() -> Router<AppState> {
    use handlers as h;
    use review as r;
    Router::new()
        .route("/aterbetalningar/{year}/{org}", get(h::show))
        .route(
            "/aterbetalningar/{year}/{org}/betalningar",
            post(h::register_payment),
        )
        .route(
            "/aterbetalningar/{year}/{org}/meddelanden",
            post(h::post_message),
        )
        .route("/aterbetalningar/arende/{case}", get(h::thread_page))
        .route(
            "/aterbetalningar/betalningar/{id}/bekrafta",
            get(r::confirm_form).post(r::confirm),
        )
        .route(
            "/aterbetalningar/betalningar/{id}/andra",
            get(h::correct_form).post(h::correct_payment),
        )
        .route(
            "/aterbetalningar/betalningar/{id}/ta-bort",
            get(h::withdraw_form).post(h::withdraw_payment),
        )
        .route(
            "/aterbetalningar/{year}/{org}/tillbakabetalningar",
            post(r::prepare_refund),
        )
        .route(
            "/aterbetalningar/tillbakabetalningar/{id}/attestera",
            get(r::approve_refund_form).post(r::approve_refund),
        )
        .route(
            "/aterbetalningar/tillbakabetalningar/{id}/skicka-tillbaka",
            post(r::send_back_refund),
        )
        .route(
            "/aterbetalningar/tillbakabetalningar/{id}/betald",
            post(r::register_refund_paid),
        )
        .route(
            "/aterbetalningar/{year}/{org}/drojsmalsranta",
            post(r::decide_interest),
        )
        .route("/handlaggning/aterbetalningar", get(r::list))
        .route(
            "/handlaggning/aterbetalningar/{year}/drojsmalsranta.csv",
            get(r::interest_export),
        )
        .route(
            "/admin/referensranta",
            get(r::reference_rates).post(r::set_reference_rate),
        )
        .route("/konto", get(account::account))
        .route("/konto/{year}", post(account::update_account))
        .route("/konto/{year}/dokument", post(account::create_document))
        .route(
            "/konto/dokument/{id}/inlamnad",
            post(account::mark_document_submitted),
        )
}
