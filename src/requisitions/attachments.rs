//! Documents on a requisition (for example the signed requisition as a PDF): the region
//! adds and removes them while it may change the requisition; the region and Tillväxtverket
//! download them. The same checks as every attachment (`crate::attachments`).

use axum::{
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use uuid::Uuid;

use super::{db, editable, handlers::show_page, load};
use crate::{
    AppState, attachments, audit,
    auth::CurrentUser,
    error::{AppError, Result, violated_constraint},
    web::{FormErrors, download_response, redirect_with_flash, render_status},
};

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    multipart: Multipart,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    editable(&user, &r)?;
    let file = match attachments::receive(multipart).await {
        Ok(file) => file,
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("file", message);
            let page = show_page(&state, user, r, String::new(), errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let attachment = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    let inserted = db::insert_attachment(
        &mut tx,
        attachment,
        id,
        &file.name,
        file.content_type,
        &file.sha256,
        &file.bytes,
        user.id(),
    )
    .await;
    if let Err(e) = inserted {
        return match violated_constraint(&e) {
            Some("requisition_attachments_fit") => {
                drop(tx);
                let mut errors = FormErrors::default();
                errors.add(
                    "file",
                    "Rekvisitionen har redan 20 bilagor eller 50 MB. Ta bort en bilaga först.",
                );
                let page = show_page(&state, user, r, String::new(), errors).await?;
                render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            _ => Err(e.into()),
        };
    }
    audit::Entry::new(
        Some(user.id()),
        "requisition.attachment_added",
        "requisition_attachment",
        attachment,
    )
    .after(json!({
        "requisition": id, "filename": file.name, "size": file.bytes.len(), "sha256": file.sha256,
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/rekvisitioner/{id}#bilagor"),
        &format!("”{}” är bifogad.", file.name),
    ))
}

pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, attachment)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    load(&state, &user, id).await?;
    let (name, content_type, bytes) = db::attachment_file(&state.db, id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download_response(bytes, &content_type, &name))
}

pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, attachment)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    editable(&user, &r)?;
    let mut tx = state.db.begin().await?;
    let removed = db::remove_attachment(&mut tx, id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::Entry::new(
        Some(user.id()),
        "requisition.attachment_removed",
        "requisition_attachment",
        attachment,
    )
    .before(json!({ "requisition": id, "filename": removed }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/rekvisitioner/{id}#bilagor"),
        &format!("”{removed}” är borttagen."),
    ))
}
