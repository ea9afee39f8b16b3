//! The outbox and everything the mail reads: recipients, settings, the lists shown.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{Content, Kind, State, footer};
use crate::{
    auth::Role,
    programme::model::ExtendedDeadline,
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
        "{ACTIVE_USERS} AND u.role = 'coordinator' AND u.organisation_id = $1 ORDER BY u.email"
    ))
    .bind(organisation)
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
                attempts FROM outbox
         WHERE state = 'queued' AND next_attempt_at <= $1
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
             state = CASE WHEN $3::timestamptz IS NULL THEN 'failed'::mail_state ELSE 'queued' END,
             next_attempt_at = COALESCE($3, next_attempt_at),
             sealed_text = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE sealed_text END,
             sealed_html = CASE WHEN $3::timestamptz IS NULL THEN NULL ELSE sealed_html END
         WHERE id = $1",
    )
    .bind(id)
    .bind(error)
    .bind(retry_at)
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

/// What a notice about a requisition tells.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequisitionFacts {
    pub id: Uuid,
    pub case_number: String,
    pub year: i32,
    pub organisation_id: Uuid,
    pub organisation: String,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub amount: Option<rust_decimal::Decimal>,
    pub state_note: Option<String>,
    pub payout_amount: Option<rust_decimal::Decimal>,
    pub planned_date: Option<chrono::NaiveDate>,
    pub paid_amount: Option<rust_decimal::Decimal>,
    pub paid_date: Option<chrono::NaiveDate>,
    pub prepared_by: Option<Uuid>,
    pub sent_back_reason: Option<String>,
}

pub async fn requisition(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<RequisitionFacts> {
    sqlx::query_as(
        "SELECT r.id, r.case_number, r.year, r.organisation_id, o.name AS organisation,
                r.contact_name, r.contact_email, r.amount, r.state_note,
                p.amount AS payout_amount, p.planned_date, p.paid_amount, p.paid_date,
                p.prepared_by, p.sent_back_reason
         FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
         LEFT JOIN LATERAL (SELECT * FROM payouts p WHERE p.requisition_id = r.id
                            ORDER BY p.prepared_at DESC LIMIT 1) p ON true
         WHERE r.id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// What a notice about a report tells.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportFacts {
    pub id: Uuid,
    pub year: i32,
    pub version: i32,
    pub organisation_id: Uuid,
    pub organisation: String,
    pub unused: rust_decimal::Decimal,
    pub state_note: Option<String>,
    /// The actor's repayment deadline, extension included.
    pub repayment_deadline: chrono::NaiveDate,
    /// What the region has paid so far (registered or received, less refunds to it).
    pub paid: rust_decimal::Decimal,
}

pub async fn report(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<ReportFacts> {
    sqlx::query_as(
        "SELECT r.id, r.year, r.version, r.organisation_id, o.name AS organisation, r.unused,
                r.state_note, actor_deadline(r.year, r.organisation_id, 'repayment') AS repayment_deadline,
                (SELECT COALESCE(sum(COALESCE(p.received_amount, p.amount)), 0) FROM repayment_payments p
                 WHERE p.year = r.year AND p.organisation_id = r.organisation_id)
                - (SELECT COALESCE(sum(f.amount), 0) FROM refunds f
                   WHERE f.year = r.year AND f.organisation_id = r.organisation_id AND f.state = 'paid')
                AS paid
         FROM reports r JOIN organisations o ON o.id = r.organisation_id
         WHERE r.id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// What a notice about a repayment tells.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RepaymentFacts {
    pub year: i32,
    pub organisation_id: Uuid,
    pub organisation: String,
    pub amount: rust_decimal::Decimal,
    pub paid_on: chrono::NaiveDate,
    pub received_amount: Option<rust_decimal::Decimal>,
    pub received_on: Option<chrono::NaiveDate>,
    pub overpayment: bool,
    pub owed: Option<rust_decimal::Decimal>,
    pub received_total: rust_decimal::Decimal,
}

pub async fn repayment(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<RepaymentFacts> {
    sqlx::query_as(
        "SELECT p.year, p.organisation_id, o.name AS organisation, p.amount, p.paid_on,
                p.received_amount, p.received_on, p.overpayment,
                repayment_owed(p.year, p.organisation_id) AS owed,
                (SELECT COALESCE(sum(q.received_amount), 0) FROM repayment_payments q
                 WHERE q.year = p.year AND q.organisation_id = p.organisation_id
                   AND q.state = 'confirmed') AS received_total
         FROM repayment_payments p JOIN organisations o ON o.id = p.organisation_id
         WHERE p.id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// A refund as its notices tell it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RefundFacts {
    pub year: i32,
    pub organisation_id: Uuid,
    pub organisation: String,
    pub amount: rust_decimal::Decimal,
    pub paid_date: Option<chrono::NaiveDate>,
}

pub async fn refund(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<RefundFacts> {
    sqlx::query_as(
        "SELECT f.year, f.organisation_id, o.name AS organisation, f.amount, f.paid_date
         FROM refunds f JOIN organisations o ON o.id = f.organisation_id WHERE f.id = $1",
    )
    .bind(id)
    .fetch_one(conn)
    .await
}

/// An extension as the notice tells it.
pub async fn extension(
    conn: &mut PgConnection,
    year: i32,
    organisation: Uuid,
    deadline: ExtendedDeadline,
) -> sqlx::Result<(chrono::NaiveDate, String, String)> {
    sqlx::query_as(
        "SELECT e.new_deadline, e.reason, o.name FROM deadline_extensions e
         JOIN organisations o ON o.id = e.organisation_id
         WHERE e.year = $1 AND e.organisation_id = $2 AND e.deadline = $3",
    )
    .bind(year)
    .bind(organisation)
    .bind(deadline)
    .fetch_one(conn)
    .await
}

/// The organisation a requisition or report thread belongs to.
pub async fn thread_case(
    conn: &mut PgConnection,
    thread: crate::thread::Thread,
) -> sqlx::Result<(Uuid, String, String)> {
    match thread {
        crate::thread::Thread::Requisition(id) => {
            sqlx::query_as(
                "SELECT r.organisation_id, o.name, 'rekvisitionen ' || r.case_number
                 FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(conn)
            .await
        }
        crate::thread::Thread::Report(id) => {
            sqlx::query_as(
                "SELECT r.organisation_id, o.name, 'redovisningen för ' || r.year
                 FROM reports r JOIN organisations o ON o.id = r.organisation_id
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(conn)
            .await
        }
        crate::thread::Thread::Repayment(id) => {
            sqlx::query_as(
                "SELECT r.organisation_id, o.name, 'återbetalningen för ' || r.year
                 FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
                 WHERE r.id = $1",
            )
            .bind(id)
            .fetch_one(conn)
            .await
        }
    }
}

/// An open obligation with a deadline: something someone still has to do.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Obligation {
    /// requisition, report, repayment (a region's); agency_requisition, agency_repayment,
    /// summary (Tillväxtverket's).
    pub kind: String,
    pub year: i32,
    /// The region, or `None` for Tillväxtverket's own.
    pub organisation_id: Option<Uuid>,
    pub organisation: String,
    pub deadline: chrono::NaiveDate,
    /// For a repayment: what is still to pay.
    pub amount: Option<rust_decimal::Decimal>,
}

/// Whose open obligations to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    /// Every actor's and Tillväxtverket's (the reminders).
    All,
    /// One organisation's (its start page).
    Organisation(Uuid),
    /// Tillväxtverket's own (the staff's start page).
    Agency,
}

/// Every obligation still open on `today` whose deadline is at most a year past:
/// - a requisition not yet filed (none, a draft, or returned) for a year not yet over;
/// - a report not yet submitted for a year with a paid payout;
/// - a repayment owed by an approved report and not yet paid in full (payments the
///   region registered count as paid: what remains is for Tillväxtverket to confirm);
/// - Tillväxtverket's requisition and repayment to Kammarkollegiet not yet registered,
///   and its summary not yet marked submitted.
///
/// Deadlines include the actor's extension.
pub async fn open_obligations(
    conn: &mut PgConnection,
    today: chrono::NaiveDate,
    whose: Whose,
) -> sqlx::Result<Vec<Obligation>> {
    // The filter goes into the text, so each kind of question gets its own plan: one
    // organisation's start page reads that organisation's rows only.
    let (actors, agency) = match whose {
        Whose::All => ("", ""),
        Whose::Organisation(_) => ("AND a.organisation_id = $2", "AND false"),
        Whose::Agency => ("AND false", ""),
    };
    let organisation = match whose {
        Whose::Organisation(org) => Some(org),
        _ => None,
    };
    sqlx::query_as(&format!(
        "WITH o AS (
            SELECT 'requisition' AS kind, y.year, a.organisation_id, a.actor_name AS organisation,
                   actor_deadline(y.year, a.organisation_id, 'requisition') AS deadline,
                   NULL::numeric AS amount
            FROM programme_years y
            JOIN period_actors a ON a.period_id = y.period_id
            WHERE $1 <= make_date(y.year, 12, 31) {actors}
              AND NOT EXISTS (SELECT 1 FROM requisitions r
                              WHERE r.year = y.year AND r.organisation_id = a.organisation_id
                                AND r.state IN ('submitted', 'approved', 'rejected'))
          UNION ALL
            SELECT 'report', y.year, a.organisation_id, a.actor_name,
                   actor_deadline(y.year, a.organisation_id, 'report'), NULL
            FROM programme_years y
            JOIN period_actors a ON a.period_id = y.period_id
            WHERE true {actors}
              AND EXISTS (SELECT 1 FROM requisitions r JOIN payouts p ON p.requisition_id = r.id
                          WHERE r.year = y.year AND r.organisation_id = a.organisation_id
                            AND p.state = 'paid')
              AND NOT EXISTS (SELECT 1 FROM reports rep
                              WHERE rep.year = y.year AND rep.organisation_id = a.organisation_id
                                AND rep.state IN ('submitted', 'approved'))
          UNION ALL
            SELECT 'repayment', y.year, a.organisation_id, a.actor_name,
                   actor_deadline(y.year, a.organisation_id, 'repayment'),
                   repayment_owed(y.year, a.organisation_id)
                   - (SELECT COALESCE(sum(COALESCE(q.received_amount, q.amount)), 0)
                      FROM repayment_payments q
                      WHERE q.year = y.year AND q.organisation_id = a.organisation_id)
                   + (SELECT COALESCE(sum(f.amount), 0) FROM refunds f
                      WHERE f.year = y.year AND f.organisation_id = a.organisation_id
                        AND f.state = 'paid')
            FROM programme_years y
            JOIN period_actors a ON a.period_id = y.period_id
            WHERE true {actors}
          UNION ALL
            SELECT 'agency_requisition', y.year, NULL, 'Tillväxtverket', y.agency_requisition_deadline, NULL
            FROM programme_years y LEFT JOIN agency_accounts ac ON ac.year = y.year
            WHERE ac.requisitioned IS NULL {agency}
          UNION ALL
            SELECT 'agency_repayment', y.year, NULL, 'Tillväxtverket', y.agency_repayment_deadline, NULL
            FROM programme_years y LEFT JOIN agency_accounts ac ON ac.year = y.year
            WHERE ac.repaid IS NULL {agency}
          UNION ALL
            SELECT 'summary', y.year, NULL, 'Tillväxtverket', y.summary_deadline, NULL
            FROM programme_years y
            WHERE true {agency}
              AND NOT EXISTS (SELECT 1 FROM summary_exports s
                              WHERE s.year = y.year AND s.document = 'summary'
                                AND s.submitted_at IS NOT NULL)
         )
         SELECT kind, year, organisation_id, organisation, deadline, amount FROM o
         WHERE deadline >= $1 - 365 AND (kind <> 'repayment' OR amount > 0)
         ORDER BY deadline, kind, organisation"
    ))
    .bind(today)
    .bind(organisation)
    .fetch_all(conn)
    .await
}

/// Something waiting for Tillväxtverket, every year together.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Waiting {
    pub what: String,
    pub n: i64,
    /// The page where it is done.
    pub link: String,
}

/// What waits for Tillväxtverket across years, for the staff's start page and the weekly
/// digest.
pub async fn waiting_for_staff(conn: &mut PgConnection) -> sqlx::Result<Vec<Waiting>> {
    sqlx::query_as(
        "SELECT what, n, link FROM (
            SELECT 1 AS o, 'Rekvisitioner att granska' AS what,
                   (SELECT count(*) FROM requisitions WHERE state = 'submitted') AS n,
                   '/handlaggning/rekvisitioner' AS link
            UNION ALL SELECT 2, 'Utbetalningar att attestera',
                   (SELECT count(*) FROM payouts WHERE state = 'prepared'), '/attest'
            UNION ALL SELECT 3, 'Attesterade utbetalningar att registrera som betalda',
                   (SELECT count(*) FROM payouts WHERE state = 'approved'), '/attest'
            UNION ALL SELECT 4, 'Redovisningar att granska',
                   (SELECT count(*) FROM reports WHERE state = 'submitted'), '/handlaggning/redovisningar'
            UNION ALL SELECT 5, 'Återbetalningar att bekräfta',
                   (SELECT count(*) FROM repayment_payments WHERE state = 'registered'),
                   '/handlaggning/aterbetalningar'
            UNION ALL SELECT 6, 'Återbetalningar till regioner att attestera',
                   (SELECT count(*) FROM refunds WHERE state = 'prepared'), '/handlaggning/aterbetalningar'
            UNION ALL SELECT 7, 'Attesterade återbetalningar till regioner att betala',
                   (SELECT count(*) FROM refunds WHERE state = 'approved'), '/handlaggning/aterbetalningar'
         ) w WHERE n > 0 ORDER BY o",
    )
    .fetch_all(conn)
    .await
}

/// Takes the reminders' lock for this transaction, if no other server holds it.
pub async fn try_reminder_lock(conn: &mut PgConnection) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtext('digikoord:reminders'))")
        .fetch_one(conn)
        .await
}
