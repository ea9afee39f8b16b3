//! The report's attachments: uploaded, checked by their first bytes, stored in
//! PostgreSQL, and always served as downloads.

use askama::Template;
use axum::{
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, AttachmentRow, NewAttachment, Report},
    editable, load, lock_open,
    model::{Part, attachments_fit},
    parts::{Step, part_url, steps},
};
use crate::{
    AppState, attachments, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    web::{FormErrors, download_response, filters, redirect_with_flash, render, render_status},
};

#[derive(Template)]
#[template(path = "reports/attachments.html")]
struct AttachmentsPage {
    ctx: Ctx,
    r: Report,
    steps: Vec<Step>,
    attachments: Vec<AttachmentRow>,
    errors: FormErrors,
}

async fn attachments_view(
    state: &AppState,
    user: CurrentUser,
    r: Report,
    errors: FormErrors,
) -> Result<AttachmentsPage> {
    let attachments = db::attachments(&state.db, r.id).await?;
    Ok(AttachmentsPage {
        ctx: user.ctx,
        steps: steps(&r, Part::Attachments),
        r,
        attachments,
        errors,
    })
}

pub async fn attachments_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    render(&attachments_view(&state, user, r, FormErrors::default()).await?)
}

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    multipart: Multipart,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let mut errors = FormErrors::default();
    let file = match attachments::receive(multipart).await {
        Ok(file) => file,
        Err(message) => {
            errors.add("file", message);
            let page = attachments_view(&state, user, r, errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    lock_open(&mut tx, id).await?;
    let (count, total) = db::attachment_totals(&mut tx, id).await?;
    if let Err(message) = attachments_fit(count, total, file.bytes.len()) {
        drop(tx);
        errors.add("file", message);
        let page = attachments_view(&state, user, r, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let attachment = db::insert_attachment(
        &mut tx,
        NewAttachment {
            report_id: id,
            filename: &file.name,
            content_type: file.content_type,
            size: file.size,
            sha256: &file.sha256,
            bytes: &file.bytes,
            uploaded_by: user.id(),
        },
    )
    .await?;
    audit::Entry::new(Some(user.id()), "report.attachment_added", "report", id)
        .after(
            json!({ "attachment": attachment, "filename": file.name, "size": file.size, "sha256": file.sha256 }),
        )
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &part_url(&r, Part::Attachments),
        &format!("Filen ”{}” är bifogad.", file.name),
    ))
}

/// Served only to those who may see the report, always as a download, never rendered.
pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, attachment)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    let (filename, content_type, bytes) = db::attachment_bytes(&state.db, r.id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download_response(bytes, &content_type, &filename))
}

pub async fn remove_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, attachment)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let mut tx = state.db.begin().await?;
    lock_open(&mut tx, id).await?;
    let removed = db::delete_attachment(&mut tx, id, attachment).await?;
    let name = removed.ok_or(AppError::NotFound)?;
    audit::Entry::new(Some(user.id()), "report.attachment_removed", "report", id)
        .after(json!({ "attachment": attachment, "filename": name }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &part_url(&r, Part::Attachments),
        &format!("Filen ”{name}” är borttagen."),
    ))
}
