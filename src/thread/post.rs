//! A person writes in a case's thread: the one place a message is posted from a page and
//! its notice goes out.

use std::future::Future;

use axum::{http::StatusCode, response::Response};
use serde_json::json;

use super::{Thread, add, mark_read, parse_message};
use crate::{
    AppState,
    auth::CurrentUser,
    error::Result,
    web::{FormErrors, redirect_with_flash},
};

/// A person writes in `thread` from its case page: one transaction with the message, its
/// audit record and its notice, then back to the thread with a confirmation. A rejected
/// message shows the case page again (`page`, given the text as typed and the error beside
/// it) with status 422, nothing written.
pub async fn post<Page, Shown>(
    state: &AppState,
    user: CurrentUser,
    thread: Thread,
    body: String,
    page: Page,
) -> Result<Response>
where
    Page: FnOnce(CurrentUser, String, FormErrors) -> Shown,
    Shown: Future<Output = Result<Response>>,
{
    let mut errors = FormErrors::default();
    let Some(message) = parse_message(&mut errors, "body", &body, "Skriv ett meddelande.") else {
        let mut shown = page(user, body, errors).await?;
        *shown.status_mut() = StatusCode::UNPROCESSABLE_ENTITY;
        return Ok(shown);
    };
    let (action, entity, key) = thread.audit();
    let (_, _, case) = thread.table();
    let mut tx = state.db.begin().await?;
    let id = add(&mut tx, thread, user.id(), &message).await?;
    // Whoever writes has read what came before.
    mark_read(&mut *tx, user.id(), thread).await?;
    crate::audit::Entry::new(Some(user.id()), action, entity, id)
        .after(json!({ key: case, "body": message }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::Message {
            thread,
            by_staff: user.user.is_staff(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &thread.page(),
        "Meddelandet är skickat.",
    ))
}
