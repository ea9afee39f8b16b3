//! The outbox and everything the mail reads: recipients, settings, the lists shown; what
//! a notice tells (`facts.rs`) and what is still to be done by its deadline
//! (`obligations.rs`).

mod facts;
mod obligations;

pub use facts::*;
pub use obligations::*;

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{Content, Kind, State, footer};
use crate::{
    auth::Role,
    secrets::{Purpose, Sealer},
};

/// Someone to write to: an account, or a bare address (a requisition's contact person).
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Recipient {
    pub user_id: Option<Uuid>,
    pub name: String,
    pub email: String,
    /// False when the person has turned reminders off.
    pub reminders: bool,
}

impl Recipient {
    /// An account, for a mail that always goes (a notice, a password link).
    pub fn account(id: Uuid, name: &str, email: &str) -> Recipient {
        Recipient {
            user_id: Some(id),
            name: name.to_string(),
            email: email.to_string(),
            reminders: true,
        }
    }

    pub fn address(name: &str, email: &str) -> Recipient {
        Recipient {
            user_id: None,
            name: name.to_string(),
            email: email.trim().to_lowercase(),
            reminders: true,
        }
    }
}

/// Adds `more` to `list`, each address once.
pub fn add_unique(list: &mut Vec<Recipient>, more: impl IntoIterator<Item = Recipient>) {
    for r in more {
        if !list.iter().any(|x| x.email == r.email) {
            list.push(r);
        }
    }
}

const ACTIVE_USERS: &str = "SELECT u.id AS user_id, u.name, u.email, u.reminders FROM users u
     WHERE u.active AND user_role_confirmed(u.id, u.role)";

/// The active coordinators of an organisation.
pub async fn coordinators(
    conn: &mut PgConnection,
    organisation: Uuid,
) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as(&format!(
        "{ACTIVE_USERS} AND u.role = $2 AND u.organisation_id = $1 ORDER BY u.email"
    ))
    .bind(organisation)
    .bind(Role::Coordinator)
    .fetch_all(conn)
    .await
}

/// The active staff whose confirmed role is one of `roles`.
pub async fn staff(conn: &mut PgConnection, roles: &[Role]) -> sqlx::Result<Vec<Recipient>> {
    let keys: Vec<&str> = roles.iter().map(|r| r.key()).collect();
    sqlx::query_as(&format!(
        "{ACTIVE_USERS} AND u.role::text = ANY($1) ORDER BY u.email"
    ))
    .bind(keys)
    .fetch_all(conn)
    .await
}

/// One user, if active, as a recipient.
pub async fn user(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<Option<Recipient>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email, u.reminders FROM users u
         WHERE u.id = $1 AND u.active",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// One mail to queue: content for a recipient, why it goes, and for a reminder the
/// occasion that makes it unique.
pub struct Outgoing<'a> {
    pub to: &'a Recipient,
    pub kind: Kind,
    pub event: &'a str,
    pub content: &'a Content,
    pub occasion: Option<String>,
}

/// Queues a mail inside the caller's transaction. A reminder already queued for the
/// same address and occasion, or to someone who turned reminders off, is not queued:
/// returns whether it was.
pub async fn enqueue(
    conn: &mut PgConnection,
    public_url: &str,
    mail: Outgoing<'_>,
) -> sqlx::Result<bool> {
    if mail.kind.optional() && !mail.to.reminders {
        return Ok(false);
    }
    if !super::model::is_address(&mail.to.email) {
        tracing::warn!(to = %mail.to.email, event = mail.event, "not an address a mail can go to");
        return Ok(false);
    }
    let footer = footer(mail.kind, public_url);
    let inserted = sqlx::query(
        "INSERT INTO outbox (user_id, to_address, to_name, kind, event, subject, body_text,
                             body_html, occasion)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (to_address, occasion) WHERE occasion IS NOT NULL DO NOTHING",
    )
    .bind(mail.to.user_id)
    .bind(&mail.to.email)
    .bind(&mail.to.name)
    .bind(mail.kind)
    .bind(mail.event)
    .bind(&mail.content.subject)
    .bind(mail.content.text(&mail.to.name, &footer))
    .bind(mail.content.html(&mail.to.name, &footer))
    .bind(mail.occasion)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() == 1)
}

/// Queues a mail whose link must never be readable (a set-password link): `shown` is what
/// the pages and the log may show (the link left out), `sent` the whole mail, kept sealed
/// until the sender takes it (`outbox_links_never_readable`).
pub async fn enqueue_sealed(
    conn: &mut PgConnection,
    public_url: &str,
    sealer: &Sealer,
    shown: Outgoing<'_>,
    sent: &Content,
) -> sqlx::Result<()> {
    let footer = footer(shown.kind, public_url);
    let name = &shown.to.name;
    sqlx::query(
        "INSERT INTO outbox (user_id, to_address, to_name, kind, event, subject, body_text,
                             body_html, sealed_text, sealed_html)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(shown.to.user_id)
    .bind(&shown.to.email)
    .bind(name)
    .bind(shown.kind)
    .bind(shown.event)
    .bind(&shown.content.subject)
    .bind(shown.content.text(name, &footer))
    .bind(shown.content.html(name, &footer))
    .bind(sealer.seal(Purpose::MailLink, &sent.text(name, &footer)))
    .bind(sealer.seal(Purpose::MailLink, &sent.html(name, &footer)))
    .execute(conn)
    .await?;
    Ok(())
}

/// Queues the same content to each recipient (a notice: never held back).
pub async fn enqueue_all(
    conn: &mut PgConnection,
    public_url: &str,
    to: &[Recipient],
    event: &str,
    content: &Content,
) -> sqlx::Result<()> {
    for r in to {
        enqueue(
            conn,
            public_url,
            Outgoing {
                to: r,
                kind: Kind::Notice,
                event,
                content,
                occasion: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// A mail as the sender needs it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Queued {
    pub id: i64,
    pub to_address: String,
    pub to_name: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    /// The whole mail, sealed, when what may be shown leaves its link out.
    pub sealed_text: Option<String>,
    pub sealed_html: Option<String>,
    pub attempts: i32,
}

/// The mails due at `now`, locked for this transaction; others' locked rows are
/// skipped, so two senders never take the same mail.
pub async fn claim_due(
    conn: &mut PgConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> sqlx::Result<Vec<Queued>> {
    sqlx::query_as(
        "SELECT id, to_address, to_name, subject, body_text, body_html, sealed_text, sealed_html,
                attempts FROM mail_queue
         WHERE next_attempt_at <= $1
         ORDER BY next_attempt_at, id LIMIT $2
         FOR UPDATE SKIP LOCKED",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await
}

/// Delivered (or, with no SMTP server, logged).
pub async fn mark_delivered(conn: &mut PgConnection, id: i64, state: State) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET state = $2, sent_at = now(), attempts = attempts + 1, last_error = NULL,
             sealed_text = NULL, sealed_html = NULL
         WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .execute(conn)
    .await?;
    Ok(())
}

/// A failed attempt: tried again at `retry_at`, or given up when that is `None`.
pub async fn mark_failed(
    conn: &mut PgConnection,
    id: i64,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    let error: String = error.chars().take(2000).collect();
    sqlx::query(
        "UPDATE outbox SET attempts = attempts + 1, last_error = $2,
             state = CASE WHEN $3::timestamptz IS NULL THEN $4 ELSE $5 END,
             next_attempt_at = COALESCE($3, next_attempt_at),
             sealed_text = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE sealed_text END,
             sealed_html = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE sealed_html END
         WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
    .bind(State::Failed)
    .bind(State::Queued)
    .execute(conn)
    .await?;
    Ok(())
}

/// A mail as the pages list it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Listed {
    pub id: i64,
    pub user_id: Option<Uuid>,
    pub to_address: String,
    pub to_name: String,
    pub kind: Kind,
    pub event: String,
    pub subject: String,
    pub body_text: String,
    pub state: State,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
    pub next_attempt_at: DateTime<Utc>,
    pub resent_from: Option<i64>,
}

const LISTED: &str =
    "SELECT id, user_id, to_address, to_name, kind, event, subject, body_text, state,
        attempts, last_error, created_at, sent_at, next_attempt_at, resent_from FROM outbox";

/// The mails to one user, newest first.
pub async fn to_user(db: &PgPool, user: Uuid, limit: i64) -> sqlx::Result<Vec<Listed>> {
    sqlx::query_as(&format!(
        "{LISTED} WHERE user_id = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(user)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// Every mail, newest first, optionally only those in one state.
pub async fn all(db: &PgPool, state: Option<State>, limit: i64) -> sqlx::Result<Vec<Listed>> {
    sqlx::query_as(&format!(
        "{LISTED} WHERE $1::mail_state IS NULL OR state = $1 ORDER BY id DESC LIMIT $2"
    ))
    .bind(state)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// How many mails are in each state.
pub async fn counts(db: &PgPool) -> sqlx::Result<Vec<(State, i64)>> {
    sqlx::query_as("SELECT state, count(*) FROM outbox GROUP BY state ORDER BY state")
        .fetch_all(db)
        .await
}

pub async fn find(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<Listed>> {
    sqlx::query_as(&format!("{LISTED} WHERE id = $1"))
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// Queues a copy of a mail (an administrator's resend); returns the new mail's id.
pub async fn resend(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO outbox (user_id, to_address, to_name, kind, event, subject, body_text,
                             body_html, resent_from)
         SELECT user_id, to_address, to_name, kind, event, subject, body_text, body_html, id
         FROM outbox WHERE id = $1
         RETURNING id",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// The days before a deadline that reminders go, largest first.
pub async fn reminder_days(conn: &mut PgConnection) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar("SELECT reminder_days FROM mail_settings")
        .fetch_one(conn)
        .await
}

pub async fn set_reminder_days(
    conn: &mut PgConnection,
    days: &[i32],
    by: Uuid,
) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar(
        "UPDATE mail_settings SET reminder_days = $1, updated_by = $2, updated_at = now()
         RETURNING reminder_days",
    )
    .bind(days)
    .bind(by)
    .fetch_one(conn)
    .await
}

/// Whether a user gets reminders.
pub async fn reminders_on(conn: &mut PgConnection, user: Uuid) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT reminders FROM users WHERE id = $1")
        .bind(user)
        .fetch_one(conn)
        .await
}

pub async fn set_reminders(conn: &mut PgConnection, user: Uuid, on: bool) -> sqlx::Result<()> {
    sqlx::query("UPDATE users SET reminders = $2 WHERE id = $1")
        .bind(user)
        .bind(on)
        .execute(conn)
        .await?;
    Ok(())
}

/// Takes the reminders' lock for this transaction, if no other server holds it.
pub async fn try_reminder_lock(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext('digikoord:reminders'))")
        .fetch_one(conn)
        .await
}
