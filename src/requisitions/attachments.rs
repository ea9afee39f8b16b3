//! Documents on a requisition (for example the signed requisition as a PDF): the region
//! adds and removes them while it may change the requisition; the region and Tillväxtverket
//! download them. The same checks as a report's attachments.

use axum::{
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    db,
    handlers::{editable, load, show_page},
};
use crate::{
    AppState, audit,
    auth::CurrentUser,
    error::{AppError, Result, violated_constraint},
    reports::model::{MAX_ATTACHMENT_BYTES, attachment_type},
    web::{FormErrors, download_response, receive_file, redirect_with_flash, render_status},
};

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    multipart: Multipart,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    editable(&user, &r)?;
    let checked = receive_file(multipart, MAX_ATTACHMENT_BYTES)
        .await
        .and_then(|(name, bytes)| {
            attachment_type(&name, &bytes)
                .map(|content_type| (name, content_type, bytes))
                .map_err(String::from)
        });
    let (name, content_type, bytes) = match checked {
        Ok(file) => file,
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("file", message);
            let page = show_page(&state, user, r, String::new(), errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let attachment = Uuid::new_v4();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let mut tx = state.db.begin().await?;
    let inserted = db::insert_attachment(
        &mut tx,
        attachment,
        id,
        &name,
        content_type,
        &sha256,
        &bytes,
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
    .after(json!({ "requisition": id, "filename": name, "size": bytes.len(), "sha256": sha256 }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/rekvisitioner/{id}#bilagor"),
        &format!("”{name}” är bifogad."),
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
