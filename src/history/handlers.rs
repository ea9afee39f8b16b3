//! The administrator's import of earlier years: template, upload, preview, load.

use askama::Template;
use axum::{
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::Response,
};
use rust_decimal::Decimal;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    db::{self, Upload},
    model::{self, Problem, Row},
    sheet::{self, template_csv, template_xlsx},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    web::{download_response, filters, redirect_with_flash, render, render_status},
};

const MAX_BYTES: usize = 10 * 1024 * 1024;

#[derive(Template)]
#[template(path = "history/import.html")]
struct ImportPage {
    ctx: Ctx,
    uploads: Vec<Upload>,
    problems: Vec<Problem>,
    filename: String,
}

async fn import_page(
    state: &AppState,
    ctx: Ctx,
    problems: Vec<Problem>,
    filename: String,
) -> Result<ImportPage> {
    Ok(ImportPage {
        ctx,
        uploads: db::uploads(&state.db).await?,
        problems,
        filename,
    })
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    render(&import_page(&state, user.ctx, vec![], String::new()).await?)
}

pub async fn template(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(format): Path<String>,
) -> Result<Response> {
    user.require_admin()?;
    let rows = db::template_rows(&state.db, chrono::Datelike::year(&state.clock.today())).await?;
    match format.as_str() {
        "mall.xlsx" => Ok(download_response(
            template_xlsx(&rows).map_err(|e| AppError::Internal(format!("xlsx: {e}")))?,
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "Digikoord historik mall.xlsx",
        )),
        "mall.csv" => Ok(download_response(
            template_csv(&rows),
            "text/csv; charset=utf-8",
            "Digikoord historik mall.csv",
        )),
        _ => Err(AppError::NotFound),
    }
}

/// Every row checked, first on its own and then against the programme.
async fn checked(
    state: &AppState,
    bytes: std::sync::Arc<Vec<u8>>,
) -> Result<std::result::Result<Vec<db::Resolved>, Vec<Problem>>> {
    let grid = match sheet::read_off_the_workers(bytes).await {
        Ok(g) => g,
        Err(e) => return Ok(Err(vec![Problem::new(1, model::COLUMNS[0], e)])),
    };
    let rows: Vec<Row> = match model::parse(&grid) {
        Ok(rows) => rows,
        Err(problems) => return Ok(Err(problems)),
    };
    let mut conn = state.db.acquire().await?;
    against_programme(&mut conn, rows).await
}

/// Every row checked against the programme: its actor and year (`db::resolve`), then its
/// year's cap per actor and frame, as live cases are (the schema checks the same).
async fn against_programme(
    conn: &mut sqlx::PgConnection,
    rows: Vec<Row>,
) -> Result<std::result::Result<Vec<db::Resolved>, Vec<Problem>>> {
    let resolved = match db::resolve(&mut *conn, rows).await? {
        Ok(r) => r,
        Err(problems) => return Ok(Err(problems)),
    };
    let years: Vec<i32> = resolved
        .iter()
        .map(|r| r.row.year)
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let caps = db::year_caps(&mut *conn, &years).await?;
    let rows: Vec<Row> = resolved.iter().map(|r| r.row.clone()).collect();
    let problems = model::within_caps(&rows, &caps);
    Ok(if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(problems)
    })
}

/// Checks an upload; a file with any problem is refused with each problem named and
/// nothing kept. A good one is kept for the preview.
pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response> {
    user.require_admin()?;
    let (filename, bytes) = match crate::web::receive_file(multipart, MAX_BYTES).await {
        Ok(f) => f,
        Err(message) => {
            let problems = vec![Problem::new(1, "Fil", message)];
            let page = import_page(&state, user.ctx, problems, String::new()).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let bytes = std::sync::Arc::new(bytes);
    let resolved = match checked(&state, bytes.clone()).await? {
        Ok(r) => r,
        Err(problems) => {
            let page = import_page(&state, user.ctx, problems, filename).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let id = Uuid::new_v4();
    let sha256 = hex::encode(Sha256::digest(bytes.as_slice()));
    let mut tx = state.db.begin().await?;
    db::insert_upload(
        &mut tx,
        id,
        &filename,
        &sha256,
        &bytes,
        resolved.len(),
        user.id(),
    )
    .await?;
    audit::Entry::new(Some(user.id()), "history.uploaded", "history_upload", id)
        .after(json!({ "filename": filename, "sha256": sha256, "rows": resolved.len() }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/admin/historik/{id}"),
        &format!(
            "”{filename}” är kontrollerad: {} rader utan fel. Granska dem och läs in.",
            resolved.len()
        ),
    ))
}

/// One previewed row.
pub struct PreviewRow {
    pub actor_name: String,
    pub row: Row,
}

#[derive(Template)]
#[template(path = "history/preview.html")]
struct PreviewPage {
    ctx: Ctx,
    upload: Upload,
    rows: Vec<PreviewRow>,
    problems: Vec<Problem>,
}

impl PreviewPage {
    fn total(&self, f: fn(&Row) -> Option<Decimal>) -> Decimal {
        self.rows.iter().filter_map(|r| f(&r.row)).sum()
    }

    fn total_paid_out(&self) -> Decimal {
        self.total(|r| r.paid_out)
    }

    fn total_used(&self) -> Decimal {
        self.total(|r| r.used)
    }

    fn total_repaid(&self) -> Decimal {
        self.total(|r| r.repaid)
    }
}

async fn preview_page(state: &AppState, ctx: Ctx, upload: Upload) -> Result<PreviewPage> {
    let (rows, problems) = if upload.loaded_at.is_some() {
        (vec![], vec![])
    } else {
        match checked(state, std::sync::Arc::new(upload.bytes.clone())).await? {
            Ok(resolved) => (
                resolved
                    .into_iter()
                    .map(|r| PreviewRow {
                        actor_name: r.actor_name,
                        row: r.row,
                    })
                    .collect(),
                vec![],
            ),
            Err(problems) => (vec![], problems),
        }
    };
    Ok(PreviewPage {
        ctx,
        upload,
        rows,
        problems,
    })
}

pub async fn preview(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let upload = db::upload(&state.db, id).await?.ok_or(AppError::NotFound)?;
    render(&preview_page(&state, user.ctx, upload).await?)
}

/// Loads every row of the upload in one transaction, or none.
pub async fn load(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let upload = db::upload(&state.db, id).await?.ok_or(AppError::NotFound)?;
    const LOADED: &str = "Filen är redan inläst.";
    if upload.loaded_at.is_some() {
        return Err(AppError::Conflict(LOADED.into()));
    }
    let mut tx = state.db.begin().await?;
    // Another upload being loaded is waited for, so its actor-years count as taken below.
    db::lock_loading(&mut tx).await?;
    // Two administrators loading at once: the first marks it, the second is told.
    if !db::mark_loaded(&mut tx, id, user.id()).await? {
        return Err(AppError::Conflict(LOADED.into()));
    }
    let grid = sheet::read_off_the_workers(std::sync::Arc::new(upload.bytes.clone()))
        .await
        .map_err(|e| AppError::BadRequest(e.into()))?;
    let rows = model::parse(&grid).map_err(|_| AppError::BadRequest("Filen har fel.".into()))?;
    let resolved = match against_programme(&mut tx, rows).await? {
        Ok(r) => r,
        Err(problems) => {
            drop(tx);
            let page = PreviewPage {
                ctx: user.ctx,
                upload,
                rows: vec![],
                problems,
            };
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    for r in &resolved {
        // The schema's own check, should a payout have come in since the check above.
        db::insert_row(&mut tx, id, r).await.map_err(|e| {
            match crate::error::violated_constraint(&e) {
                Some("imported_within_cap" | "imported_within_frame") => AppError::Conflict(
                    format!(
                        "Rad {}: beloppet ryms inte inom taket per aktör eller årets ram för {}. Inget har lästs in.",
                        r.row.line, r.row.year
                    ),
                ),
                _ => e.into(),
            }
        })?;
    }
    let years: std::collections::BTreeSet<i32> = resolved.iter().map(|r| r.row.year).collect();
    audit::Entry::new(Some(user.id()), "history.loaded", "history_upload", id)
        .after(json!({
            "filename": upload.filename, "sha256": upload.sha256, "rows": resolved.len(),
            "years": years, "imported": true,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/oversikt/alla-ar",
        &format!(
            "{} rader för {} är inlästa och markerade som importerade.",
            resolved.len(),
            years
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    ))
}
