//! The report's attachments: uploaded, checked by their first bytes, stored in
//! PostgreSQL, and always served as downloads.

use askama::Template;
use axum::{
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    db::{self, AttachmentRow, NewAttachment, Report},
    handlers::{editable, load, lock_open},
    model::{MAX_ATTACHMENT_BYTES, Part, attachment_type, attachments_fit},
    parts::{Step, part_url, steps},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    web::{
        FormErrors, download_response, filters, receive_file, redirect_with_flash, render,
        render_status,
    },
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
    let accepted = match receive_file(multipart, MAX_ATTACHMENT_BYTES).await {
        Ok((name, bytes)) => match attachment_type(&name, &bytes) {
            Ok(content_type) => Some((name, content_type, bytes)),
            Err(e) => {
                errors.add("file", e);
                None
            }
        },
        Err(e) => {
            errors.add("file", e);
            None
        }
    };
    let Some((name, content_type, bytes)) = accepted else {
        let page = attachments_view(&state, user, r, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let size = i32::try_from(bytes.len())
        .map_err(|_| AppError::BadRequest("Filen är för stor.".into()))?;
    let mut tx = state.db.begin().await?;
    lock_open(&mut tx, id).await?;
    let (count, total) = db::attachment_totals(&mut tx, id).await?;
    if let Err(message) = attachments_fit(count, total, bytes.len()) {
        drop(tx);
        errors.add("file", message);
        let page = attachments_view(&state, user, r, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let attachment = db::insert_attachment(
        &mut tx,
        NewAttachment {
            report_id: id,
            filename: &name,
            content_type,
            size,
            sha256: &sha256,
            bytes: &bytes,
            uploaded_by: user.id(),
        },
    )
    .await?;
    audit::Entry::new(Some(user.id()), "report.attachment_added", "report", id)
        .after(
            json!({ "attachment": attachment, "filename": name, "size": size, "sha256": sha256 }),
        )
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &part_url(&r, Part::Attachments),
        &format!("Filen ”{name}” är bifogad."),
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
