//! The pages of decision records, and the downloads of a case's documents as PDF/A. A
//! region's coordinator reaches their own organisation's only (anything else is "not
//! found", whatever the id); Tillväxtverket's staff reach every one.

use std::collections::BTreeMap;

use askama::Template;
use axum::{
    extract::{Path, Query, State},
    response::Response,
};
use serde::Deserialize;
use uuid::Uuid;

use super::{
    db::{self, Filter, Record},
    documents::{self, CaseDocument},
    model::{self, Registered},
};
use crate::{
    AppState,
    auth::{Ctx, CurrentUser, Scope},
    error::{AppError, Result},
    web::{download_response, filters, render},
};

/// `?ar=2025&aktor=<organisation>`: read leniently, as the other lists' filters are (what
/// is not a year or an organisation filters nothing).
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ListQuery {
    ar: String,
    aktor: String,
}

/// A record in the list, with its case's diarienummer.
pub struct Row {
    pub record: Record,
    pub diarienummer: Option<String>,
}

#[derive(Template)]
#[template(path = "records/list.html")]
struct ListPage {
    ctx: Ctx,
    rows: Vec<Row>,
    years: Vec<i32>,
    /// The organisations to filter by (staff only).
    parties: Vec<(Uuid, String)>,
    filter: Filter,
}

impl ListPage {
    fn year_chosen(&self, year: &i32) -> bool {
        self.filter.year == Some(*year)
    }

    fn party_chosen(&self, id: &Uuid) -> bool {
        self.filter.organisation == Some(*id)
    }

    fn filtered(&self) -> bool {
        self.filter.year.is_some() || self.filter.organisation.is_some()
    }
}

/// The diarienummer of each record's case, from the registry of each year the records
/// belong to (one query per year, not per record).
async fn with_diarienummer(state: &AppState, records: Vec<Record>) -> Result<Vec<Row>> {
    let years: std::collections::BTreeSet<i32> = records.iter().filter_map(|r| r.year).collect();
    let mut registered: BTreeMap<(Registered, i32, Option<Uuid>), String> = BTreeMap::new();
    for year in years {
        for entry in crate::registry::db::for_year(&state.db, year).await? {
            if let Some(kind) = Registered::of(&entry.kind) {
                registered.insert(
                    (kind, entry.year, entry.organisation_id),
                    entry.diarienummer,
                );
            }
        }
    }
    Ok(records
        .into_iter()
        .map(|record| {
            let diarienummer = record
                .registered()
                .zip(record.year)
                .and_then(|(kind, year)| registered.get(&(kind, year, record.organisation_id)))
                .cloned();
            Row {
                record,
                diarienummer,
            }
        })
        .collect())
}

/// The decision records: a coordinator's own organisation's, or (staff) every one's, by
/// year and organisation; newest first.
pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    let scope = user.scope();
    let filter = Filter {
        year: query.ar.trim().parse().ok(),
        organisation: match scope {
            Scope::All => Uuid::parse_str(query.aktor.trim()).ok(),
            Scope::Organisation(_) => None,
        },
    };
    let records = db::list(&state.db, scope, filter).await?;
    let rows = with_diarienummer(&state, records).await?;
    let years = db::years(&state.db, scope).await?;
    let parties = match scope {
        Scope::All => db::parties(&state.db).await?,
        Scope::Organisation(_) => Vec::new(),
    };
    render(&ListPage {
        ctx: user.ctx,
        rows,
        years,
        parties,
        filter,
    })
}

#[derive(Template)]
#[template(path = "records/show.html")]
struct ShowPage {
    ctx: Ctx,
    r: Record,
    diarienummer: Option<String>,
    /// The case's own page, where the reader has one.
    case_link: Option<String>,
    /// The record reads as it was recorded (its content has its checksum).
    intact: bool,
}

/// One decision record, with what its document says and the button to download it.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = db::find(&state.db, id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    let diarienummer = documents::diarienummer(&state, &r).await?;
    let case_link = model::case_link(
        &r.entity,
        &r.entity_id,
        r.year,
        r.organisation_id,
        user.role(),
    );
    render(&ShowPage {
        intact: r.intact(),
        ctx: user.ctx,
        r,
        diarienummer,
        case_link,
    })
}

/// The PDF/A of `document`, made the first time it is asked for and kept.
async fn download(
    state: &AppState,
    user: &CurrentUser,
    document: CaseDocument,
) -> Result<Response> {
    let pdf = documents::pdfa_made_by(state, document, Some(user.id())).await?;
    tracing::info!(user = %user.id(), sha256 = %pdf.sha256, file = %pdf.filename, "case document downloaded");
    Ok(download_response(
        pdf.bytes,
        "application/pdf",
        &pdf.filename,
    ))
}

/// A decision record as PDF/A.
pub async fn decision_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = db::find(&state.db, id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    download(&state, &user, CaseDocument::Decision(r.id)).await
}

/// A filed requisition's receipt as PDF/A.
pub async fn receipt_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = crate::requisitions::db::find(&state.db, id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    if r.first_submitted_at.is_none() || r.submitted_at.is_none() {
        return Err(AppError::BadRequest(
            "Ett kvitto finns när rekvisitionen är inskickad.".into(),
        ));
    }
    download(&state, &user, CaseDocument::RequisitionReceipt(r.id)).await
}

/// A filed report (the version) as PDF/A.
pub async fn report_pdf(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = crate::reports::db::find(&state.db, id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    if r.submitted_at.is_none() || r.state == crate::reports::model::ReportState::Draft {
        return Err(AppError::BadRequest(
            "Redovisningen finns som PDF/A när den är inskickad.".into(),
        ));
    }
    download(&state, &user, CaseDocument::Report(r.id)).await
}
