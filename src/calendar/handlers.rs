//! The calendar page (the secret link and how to subscribe), making a new link, and the
//! feed itself, which calendar apps fetch without logging in.

use askama::Template;
use axum::{
    extract::{Path, State},
    http::header,
    response::{IntoResponse, Response},
};
use chrono::{DateTime, Utc};
use serde_json::json;

use super::{
    db,
    model::{self, Feed},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    web::{filters, render},
};

#[derive(Template)]
#[template(path = "calendar/page.html")]
struct CalendarPage {
    ctx: Ctx,
    feed: Feed,
    /// When the current link was made; `None` before the user's first.
    created_at: Option<DateTime<Utc>>,
    /// The whole link, right after it was made: the only time it can be shown.
    link: Option<String>,
}

pub async fn page(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let created_at = db::link_created_at(&state.db, user.id()).await?;
    render(&CalendarPage {
        feed: Feed::of(&user.user.kind),
        ctx: user.ctx,
        created_at,
        link: None,
    })
}

/// Makes the user's link, or a new one in place of the old, and shows it this once.
pub async fn renew_link(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let mut tx = state.db.begin().await?;
    let new = db::renew_link(&mut tx, user.id()).await?;
    // The token is never recorded: only when the link was made, and what it replaced.
    let action = if new.replaced.is_some() {
        "calendar_link.renewed"
    } else {
        "calendar_link.created"
    };
    audit::Entry::new(Some(user.id()), action, "calendar_feed", user.id())
        .before(new.replaced.map(|at| json!({ "created_at": at })))
        .after(json!({ "created_at": new.created_at }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    let mut ctx = user.ctx;
    ctx.flash = Some(if new.replaced.is_some() {
        "En ny kalenderlänk är skapad. Den gamla länken fungerar inte längre: byt till den nya i din kalender. Länken visas bara nu.".into()
    } else {
        "Din kalenderlänk är skapad. Kopiera den och lägg till den i din kalender. Länken visas bara nu.".into()
    });
    render(&CalendarPage {
        ctx,
        feed: Feed::of(&user.user.kind),
        created_at: Some(new.created_at),
        link: Some(format!(
            "{}/kalender/{}.ics",
            state.config.public_url, new.token
        )),
    })
}

/// `/kalender/{token}.ics`: the owner's feed. Anything but a live link of an active user
/// is the same 404 as an unknown page.
pub async fn feed(State(state): State<AppState>, Path(file): Path<String>) -> Result<Response> {
    let token = file.strip_suffix(".ics").ok_or(AppError::NotFound)?;
    let owner = db::owner(&state.db, token)
        .await?
        .ok_or(AppError::NotFound)?;
    let feed = Feed::of(&owner.kind);
    let deadlines = db::deadlines(&state.programme, &state.db, &feed).await?;
    let meetings = db::meetings(&state.db).await?;
    let calendar = model::calendar(&feed, &deadlines, &meetings, &state.config.public_url);
    Ok((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        calendar.to_string(),
    )
        .into_response())
}
