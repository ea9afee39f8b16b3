//! The signatory's list: what waits for the region's signatory (`/firmatecknare`).

use askama::Template;
use axum::{extract::State, response::Response};
use uuid::Uuid;

use super::{
    db::{self, Signatory, Waiting},
    model::{Submission, names},
};
use crate::{
    AppState,
    auth::{Ctx, CurrentUser},
    error::Result,
    web::{filters, render},
};

#[derive(Template)]
#[template(path = "signatory/list.html")]
struct ListPage {
    ctx: Ctx,
    me: Uuid,
    /// The reader signs for the region.
    signatory: bool,
    signatories: Vec<Signatory>,
    requisitions: Vec<Waiting>,
    reports: Vec<Waiting>,
}

impl ListPage {
    fn signatory_names(&self) -> String {
        let all: Vec<String> = self.signatories.iter().map(|s| s.name.clone()).collect();
        names(&all)
    }

    /// The reader drew it up: another signatory confirms it.
    fn own(&self, w: &Waiting) -> bool {
        w.prepared_by == self.me
    }

    fn requisition_page(&self, w: &Waiting) -> String {
        Submission::Requisition(w.id).signing_page()
    }

    fn report_page(&self, w: &Waiting) -> String {
        Submission::Report(w.id).signing_page()
    }

    /// *Redovisning 2025*, and its version when it corrects an approved one.
    fn report_title(&self, w: &Waiting) -> String {
        match w.version {
            Some(v) if v > 1 => format!("Redovisning {}, version {v}", w.year),
            _ => format!("Redovisning {}", w.year),
        }
    }

    fn nothing_waits(&self) -> bool {
        self.requisitions.is_empty() && self.reports.is_empty()
    }
}

/// What waits for the region's signatory; any coordinator of the region may look, and the
/// page says who signs.
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let organisation = user.coordinator_organisation()?;
    let signatories = db::of_organisation(&state.db, organisation).await?;
    let requisitions = db::awaiting_requisitions(&state.db, organisation).await?;
    let reports = db::awaiting_reports(&state.db, organisation).await?;
    render(&ListPage {
        me: user.id(),
        signatory: signatories.iter().any(|s| s.id == user.id()),
        ctx: user.ctx,
        signatories,
        requisitions,
        reports,
    })
}
