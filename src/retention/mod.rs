//! Retention (*gallring*): what Digikoord may dispose of, when, and how — decided by
//! administrators from the agency's information-management plan, never in code.
//!
//! # Classes (`/admin/gallring/klasser`)
//!
//! Each kind of record Digikoord can dispose of (`model::Kind`, a row of `retention_kinds`
//! with its Swedish name) has a class: **Bevaras** (kept), **Gallras efter N år** (counted
//! from the record's own day: sent, requested, withdrawn, made, submitted, read in, held,
//! decided — `Kind::dated_by`) or **Gallras när den inte längre behövs** (each kind's own
//! moment, shown on the page: a mail the day after it was sent, a registration the day after
//! the event, a withdrawn draft or an unsubmitted export once its programme year is closed —
//! the year's summary marked *inlämnad*; a submitted export, a bank file and a decision have
//! no such moment). A class that disposes of anything names its basis (the plan's item and
//! its registration number). Every kind starts as *Bevaras*: nothing is disposed of until an
//! administrator decides. Each change is audited. The year's summary marked submitted is
//! never disposed of, whatever the class of submitted exports: it is what closes the year
//! (the classes page says so, and the schema keeps it).
//!
//! The kinds: mail sent (never one waiting to be sent), requests for a new password,
//! requisitions withdrawn before they were ever submitted (with their attachments and
//! messages), exports not submitted, exports submitted, the bank's files of incoming
//! payments (once every payment in the file is decided), registrations for network events,
//! and decision records. Sessions, sign-in attempts, forms kept across a sign-in and
//! sign-ins under way at a provider are not records: the server sweeps them within hours
//! (`serve::sweep`, `identity`), as the classes page says.
//!
//! # A disposal run (`/admin/gallring`)
//!
//! An administrator proposes a run: every record due today (Swedish date, the app's clock)
//! under its kind's class is listed with why (*Gallras 2 år efter 3 mars 2023*); one under
//! a legal hold, or that another record still refers to (a mail sent again, a later decision
//! resting on it), is listed as skipped with why. Nothing is removed. A **second**
//! administrator reads the whole list (the run's page shows every record) and confirms (the
//! proposer is refused, by the handler and by the schema); the confirmation carries the
//! number of records read and their digest, and is refused (409) unless they are the run's:
//! in one transaction, with the holds and classes locked, every listed
//! record is checked again — still there, still due today under its class, under no hold —
//! and those still due are removed, each with its row in the **disposal log**
//! (`disposal_log`: what, when, by which run, its class and basis, who proposed and who
//! confirmed; append-only in the schema); a removal the database refuses (another record
//! still refers to it, or a rule of its own holds it for now) is skipped instead, with why,
//! in a savepoint. The list never names a person: the log outlives the record. Any
//! administrator may cancel a proposed run.
//!
//! Frozen records (kept exports, the bank's files, decision records) refuse deletion in the
//! schema except when a confirmed run lists them as removed (`disposal_allowed`); the server
//! may not delete exports at all, so a function of the schema's owner removes those a run
//! lists. A bank file or payment disposed of is not read in again as new.
//!
//! # Legal holds (`/admin/gallring/spar`)
//!
//! A hold — a pending appeal, a request for a public document — is placed on an actor's
//! year (everything of it: the actor's withdrawn drafts, registrations and decisions, the
//! year's summary exports, bank files with the actor's payments) or on one record, with a
//! reason; it is skipped by every run until released. Releasing is confirmed on a page of
//! its own (*Häv spärr nr N?*, what it covers and why it was placed). Placing and releasing
//! are audited; other parts of Digikoord place holds through `db::place_hold`. A hold an
//! open request for public documents placed (`crate::disclosure`) is released when the
//! request is decided and never from this page (409; the schema refuses it too).
//!
//! # The files
//!
//! `model.rs`: the kinds, classes, when a record is due, holds, the forms (pure,
//! unit-tested); `db.rs`: all SQL, the removal with its log; `handlers.rs`: the pages.

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
        .route("/admin/gallring", get(h::page))
        .route(
            "/admin/gallring/klasser",
            get(h::classes).post(h::save_class),
        )
        .route("/admin/gallring/forslag", post(h::propose))
        .route("/admin/gallring/spar", get(h::holds).post(h::place_hold))
        .route(
            "/admin/gallring/spar/{id}/hav",
            get(h::release_form).post(h::release_hold),
        )
        .route("/admin/gallring/{run}", get(h::run))
        .route("/admin/gallring/{run}/bekrafta", post(h::confirm))
        .route("/admin/gallring/{run}/avbryt", post(h::cancel))
}
