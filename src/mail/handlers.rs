//! "Meddelanden": the conversations of every case I may see, with what is unread; the mails
//! sent to me and my reminders setting (`/meddelanden/e-post`); for an administrator every
//! mail with its state, resending, and the days reminders go.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;
use serde_json::json;

use super::{
    db::{self, Listed},
    model::{State as MailState, parse_reminder_days},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    thread::{self, Conversation},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

/// How many mails a page lists.
const PAGE_SIZE: i64 = 200;

/// Where the e-mails sent to me and the reminders setting are.
const OWN_MAIL: &str = "/meddelanden/e-post";

/// The conversations: every case thread I may see, the newest message first.
#[derive(Template)]
#[template(path = "thread/conversations.html")]
struct ConversationsPage {
    ctx: Ctx,
    conversations: Vec<Conversation>,
}

impl ConversationsPage {
    fn unread(&self) -> i64 {
        self.conversations.iter().map(|c| c.unread).sum()
    }

    fn unread_threads(&self) -> usize {
        self.conversations.iter().filter(|c| c.unread > 0).count()
    }
}

pub async fn conversations(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let conversations = thread::inbox(&state.db, user.id(), user.scope()).await?;
    render(&ConversationsPage {
        ctx: user.ctx,
        conversations,
    })
}

#[derive(Template)]
#[template(path = "mail/own.html")]
struct OwnPage {
    ctx: Ctx,
    mails: Vec<Listed>,
    reminders: bool,
}

pub async fn own(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let mails = db::to_user(&state.db, user.id(), PAGE_SIZE).await?;
    let mut conn = state.db.acquire().await?;
    let reminders = db::reminders_on(&mut conn, user.id()).await?;
    render(&OwnPage {
        ctx: user.ctx,
        mails,
        reminders,
    })
}

#[derive(Deserialize)]
pub struct RemindersForm {
    #[serde(default)]
    reminders: String,
}

pub async fn set_reminders(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<RemindersForm>,
) -> Result<Response> {
    let on = match form.reminders.as_str() {
        "on" => true,
        "off" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Välj om du vill ha påminnelser.".into(),
            ));
        }
    };
    let mut tx = state.db.begin().await?;
    let before = db::reminders_on(&mut tx, user.id()).await?;
    db::set_reminders(&mut tx, user.id(), on).await?;
    audit::Entry::new(Some(user.id()), "user.reminders_set", "user", user.id())
        .before(json!({ "reminders": before }))
        .after(json!({ "reminders": on }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        OWN_MAIL,
        if on {
            "Påminnelser är påslagna."
        } else {
            "Påminnelser är avstängda. Besked om beslut och betalningar får du fortfarande."
        },
    ))
}

#[derive(Template)]
#[template(path = "mail/all.html")]
struct AllPage {
    ctx: Ctx,
    mails: Vec<Listed>,
    counts: Vec<(MailState, i64)>,
    shown: Option<MailState>,
    days: String,
    errors: FormErrors,
    mail_configured: bool,
}

impl AllPage {
    fn count(&self, state: &MailState) -> i64 {
        self.counts
            .iter()
            .find(|(s, _)| s == state)
            .map_or(0, |(_, n)| *n)
    }

    fn states(&self) -> [MailState; 4] {
        MailState::ALL
    }
}

#[derive(Deserialize)]
pub struct AllQuery {
    #[serde(default)]
    tillstand: String,
}

async fn all_page(
    state: &AppState,
    ctx: Ctx,
    shown: &str,
    days: Option<String>,
    errors: FormErrors,
) -> Result<AllPage> {
    let shown = match shown {
        "" => None,
        key => Some(
            MailState::ALL
                .into_iter()
                .find(|s| s.key() == key)
                .ok_or_else(|| AppError::BadRequest("Okänt tillstånd.".into()))?,
        ),
    };
    let mails = db::all(&state.db, shown, PAGE_SIZE).await?;
    let counts = db::counts(&state.db).await?;
    let days = match days {
        Some(d) => d,
        None => {
            let mut conn = state.db.acquire().await?;
            db::reminder_days(&mut conn)
                .await?
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    Ok(AllPage {
        ctx,
        mails,
        counts,
        shown,
        days,
        errors,
        mail_configured: state.config.mail_configured(),
    })
}

pub async fn all(
    State(state): State<AppState>,
    admin: CurrentUser,
    Query(q): Query<AllQuery>,
) -> Result<Response> {
    admin.require_admin()?;
    let page = all_page(&state, admin.ctx, &q.tillstand, None, FormErrors::default()).await?;
    render(&page)
}

pub async fn resend(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let original = db::find(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    // What is kept of a set-password mail has no link (and a link works once): a new link
    // is made for the person instead.
    if !original.kind.resendable() {
        return Err(AppError::Conflict(
            "Ett meddelande med en lösenordslänk skickas inte igen: länken finns inte kvar i Digikoord. Skapa en ny lösenordslänk på användarens sida i stället.".into(),
        ));
    }
    let copy = db::resend(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    audit::Entry::new(Some(admin.id()), "mail.resent", "mail", copy)
        .before(json!({ "mail": id, "state": original.state }))
        .after(json!({ "mail": copy, "to": original.to_address, "subject": original.subject }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/admin/meddelanden",
        &format!(
            "Meddelandet ”{}” till {} är lagt i kön igen.",
            original.subject, original.to_address
        ),
    ))
}

#[derive(Deserialize)]
pub struct DaysForm {
    #[serde(default)]
    days: String,
}

pub async fn set_reminder_days(
    State(state): State<AppState>,
    admin: CurrentUser,
    Form(form): Form<DaysForm>,
) -> Result<Response> {
    admin.require_admin()?;
    let days = match parse_reminder_days(&form.days) {
        Ok(days) => days,
        Err(message) => {
            let mut errors = FormErrors::default();
            errors.add("days", message);
            let page = all_page(&state, admin.ctx, "", Some(form.days), errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let before = db::reminder_days(&mut tx).await?;
    let after = db::set_reminder_days(&mut tx, &days, admin.id()).await?;
    audit::Entry::new(
        Some(admin.id()),
        "mail_settings.updated",
        "mail_settings",
        "reminder_days",
    )
    .before(json!({ "reminder_days": before }))
    .after(json!({ "reminder_days": after }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    let said = if after.is_empty() {
        "Påminnelser går nu bara på sista dagen och varje vecka efter den.".to_string()
    } else {
        format!(
            "Påminnelser går nu {} dagar före sista dagen, på dagen och varje vecka efter den.",
            after
                .iter()
                .map(i32::to_string)
                .collect::<Vec<_>>()
                .join(" och ")
        )
    };
    Ok(redirect_with_flash("/admin/meddelanden", &said))
}
