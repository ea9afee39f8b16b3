//! The administrator's page `/admin/arkiv`: every programme year and whether it is closed; a
//! closed year's package asked for on a page that says what will happen first; the packages
//! being made, those that failed and those made, each downloaded as it was kept.

use askama::Template;
use axum::{
    extract::{Path, State},
    response::Response,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use uuid::Uuid;

use super::{
    NO_OFFICE,
    db::{self, PackageRow, RequestRow, YearRow},
    make_in_background, model,
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result, violated_constraint},
    web::{download_response, filters, redirect_with_flash, render},
};

const PAGE: &str = "/admin/arkiv";

/// Whether LibreOffice, which lays the documents out as PDF/A, is where Digikoord looks.
fn office(state: &AppState) -> bool {
    crate::pdfa::soffice(state.config.soffice.as_deref()).is_some()
}

/// Who made a package: an administrator by name, or the operator's command.
fn made_by(p: &PackageRow) -> String {
    p.made_by_name
        .clone()
        .unwrap_or_else(|| "Driften (kommandot digikoord archive make)".into())
}

#[derive(Template)]
#[template(path = "archive/page.html")]
struct ArchivePage {
    ctx: Ctx,
    years: Vec<YearRow>,
    /// Requests still being made.
    running: Vec<RequestRow>,
    /// Requests that failed, with no package of their year made since.
    failed: Vec<RequestRow>,
    packages: Vec<PackageRow>,
    office: bool,
}

impl ArchivePage {
    fn size(&self, p: &PackageRow) -> String {
        model::size_text(p.size)
    }

    fn made_by(&self, p: &PackageRow) -> String {
        made_by(p)
    }

    fn running_for(&self, year: &i32) -> bool {
        self.running.iter().any(|r| r.year == *year)
    }

    fn packages_of(&self, year: &i32) -> usize {
        self.packages.iter().filter(|p| p.year == *year).count()
    }
}

/// `/admin/arkiv`: the years, the packages being made, failed and made.
pub async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let (running, failed): (Vec<RequestRow>, Vec<RequestRow>) = db::requests(&state.db)
        .await?
        .into_iter()
        .partition(|r| r.finished_at.is_none());
    render(&ArchivePage {
        years: db::years(&state.db).await?,
        running,
        failed,
        packages: db::packages(&state.db, None).await?,
        office: office(&state),
        ctx: user.ctx,
    })
}

#[derive(Template)]
#[template(path = "archive/confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    year: i32,
    closed_at: DateTime<Utc>,
    /// The actors of the year, and the case documents the package will hold as PDF/A.
    actors: usize,
    documents: usize,
    /// The year's packages made before.
    earlier: Vec<PackageRow>,
    /// A package of the year is being made now.
    running: bool,
    office: bool,
}

impl ConfirmPage {
    fn size(&self, p: &PackageRow) -> String {
        model::size_text(p.size)
    }

    fn made_by(&self, p: &PackageRow) -> String {
        made_by(p)
    }
}

/// A closed year, and its actors and documents, or why there is nothing to archive yet.
async fn closed_year(state: &AppState, year: i32) -> Result<DateTime<Utc>> {
    crate::programme::db::year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)?;
    db::closed_at(&state.db, year)
        .await?
        .ok_or_else(|| AppError::Conflict(model::not_closed(year)))
}

/// What the package of `year` will hold and what making it does, before *Skapa
/// arkivpaket*; changes nothing.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
) -> Result<Response> {
    user.require_admin()?;
    let closed_at = closed_year(&state, year).await?;
    let actors = crate::programme::db::actors_of_year(&state.db, year, None)
        .await?
        .len();
    let documents = crate::records::documents::for_year(&state.db, year)
        .await?
        .len();
    let running = db::requests(&state.db)
        .await?
        .iter()
        .any(|r| r.year == year && r.finished_at.is_none());
    render(&ConfirmPage {
        year,
        closed_at,
        actors,
        documents,
        earlier: db::packages(&state.db, Some(year)).await?,
        running,
        office: office(&state),
        ctx: user.ctx,
    })
}

/// Starts making `year`'s package in the background: one transaction records the request and
/// its audit entry, and the page says when the package is there. A year not closed, a package
/// of the year already being made, or a server without LibreOffice is refused and nothing is
/// recorded.
pub async fn request(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
) -> Result<Response> {
    user.require_admin()?;
    closed_year(&state, year).await?;
    if !office(&state) {
        return Err(AppError::NotInstalled(NO_OFFICE.into()));
    }
    let id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    // A request cut off long ago (the server stopped while it ran) ends as failed first.
    let cut_off = "Arbetet avbröts innan paketet var klart (servern startades om eller stängdes av). Skapa paketet igen.";
    for stale in db::end_stale_requests(&mut tx, year, cut_off).await? {
        audit::Entry::new(None, "archive.package_failed", "archive_request", stale)
            .after(json!({ "year": year, "reason": cut_off }))
            .record(&mut tx)
            .await?;
    }
    if let Err(e) = db::insert_request(&mut tx, id, year, user.id()).await {
        return Err(match violated_constraint(&e) {
            Some("archive_requests_one_running") => AppError::Conflict(format!(
                "Ett arkivpaket för {year} skapas redan. Vänta tills det är klart: sidan Arkivpaket visar när."
            )),
            _ => e.into(),
        });
    }
    audit::Entry::new(
        Some(user.id()),
        "archive.package_requested",
        "archive_request",
        id,
    )
    .after(json!({ "year": year }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    make_in_background(state.clone(), id, year, user.id());
    Ok(redirect_with_flash(
        PAGE,
        &format!(
            "Arkivpaketet för {year} skapas nu. Det tar några minuter: ladda om sidan för att se när det är klart."
        ),
    ))
}

/// A kept package, as it was made.
pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let (filename, bytes) = db::file(&state.db, id).await?.ok_or(AppError::NotFound)?;
    Ok(download_response(bytes, "application/zip", &filename))
}
