//! All SQL of retention: the kinds and their classes, the records of each kind as the rules
//! need them, legal holds, and disposal runs — their lists, and the removal itself with its
//! log, in the confirming transaction.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{Class, ClassKey, Hold, ItemState, Kind, Record, RunState, STILL_REFERENCED};
use crate::{
    audit,
    bank::model::BankPaymentState,
    error::{AppError, Result},
    export::Document,
    mail::model::State as MailState,
    requisitions::model::RequisitionState,
};

// ---- Kinds and classes ----

/// A kind with its class and who set it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KindRow {
    pub kind: Kind,
    pub name: String,
    pub description: String,
    pub class: ClassKey,
    pub years: Option<i32>,
    pub basis: Option<String>,
    pub changed_by_name: Option<String>,
    pub changed_at: Option<DateTime<Utc>>,
}

impl KindRow {
    pub fn class(&self) -> Class {
        Class::from_db(self.class, self.years)
    }
}

const KINDS: &str = "SELECT k.kind, k.name, k.description, k.class, k.years, k.basis,
            u.name AS changed_by_name, k.changed_at
     FROM retention_kinds k LEFT JOIN users u ON u.id = k.changed_by";

/// Every kind, in the schema's order.
pub async fn kinds(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<KindRow>> {
    sqlx::query_as(&format!("{KINDS} ORDER BY k.kind"))
        .fetch_all(db)
        .await
}

/// Every kind, held until the transaction ends: no class changes under a confirmation.
pub async fn kinds_for_share(conn: &mut PgConnection) -> sqlx::Result<Vec<KindRow>> {
    sqlx::query_as(&format!("{KINDS} ORDER BY k.kind FOR SHARE OF k"))
        .fetch_all(conn)
        .await
}

/// Sets a kind's class; returns the kind as it was.
pub async fn set_class(
    conn: &mut PgConnection,
    kind: Kind,
    class: Class,
    basis: Option<&str>,
    by: Uuid,
) -> sqlx::Result<Option<KindRow>> {
    let before: Option<KindRow> =
        sqlx::query_as(&format!("{KINDS} WHERE k.kind = $1 FOR UPDATE OF k"))
            .bind(kind)
            .fetch_optional(&mut *conn)
            .await?;
    sqlx::query(
        "UPDATE retention_kinds SET class = $2, years = $3, basis = $4, changed_by = $5,
             changed_at = now()
         WHERE kind = $1",
    )
    .bind(kind)
    .bind(class.key())
    .bind(class.years())
    .bind(basis)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(before)
}

// ---- The records of each kind ----

/// A record as `Record` needs it, read by each kind's query.
#[derive(sqlx::FromRow)]
struct RecordRow {
    entity_id: String,
    what: String,
    dated: NaiveDate,
    ended_on: Option<NaiveDate>,
    year: Option<i32>,
    concerns: Vec<String>,
    referenced: bool,
}

impl From<RecordRow> for Record {
    fn from(r: RecordRow) -> Record {
        Record {
            entity_id: r.entity_id,
            what: r.what,
            dated: r.dated,
            ended_on: r.ended_on,
            year: r.year,
            concerns: r.concerns,
            referenced: r.referenced,
        }
    }
}

// Each kind's records: `$1` the latest day dated to read (NULL: any), `$2` only these ids
// (NULL: every one), `$3` a state of the kind where it needs one. The table is `t`; every
// moment is counted by its Swedish date.

const SENT_MAIL: &str = "SELECT t.id::text AS entity_id, t.event AS what,
            (COALESCE(t.sent_at, t.created_at) AT TIME ZONE 'Europe/Stockholm')::date AS dated,
            (COALESCE(t.sent_at, t.created_at) AT TIME ZONE 'Europe/Stockholm')::date AS ended_on,
            NULL::int AS year, ARRAY[]::text[] AS concerns,
            EXISTS (SELECT 1 FROM outbox r WHERE r.resent_from = t.id) AS referenced
     FROM outbox t
     WHERE t.state <> $3
       AND ($1::date IS NULL
            OR (COALESCE(t.sent_at, t.created_at) AT TIME ZONE 'Europe/Stockholm')::date <= $1)
       AND ($2::text[] IS NULL OR t.id = ANY($2::text[]::bigint[]))";

const PASSWORD_RESET_REQUESTS: &str = "SELECT t.id::text AS entity_id, '' AS what,
            (t.requested_at AT TIME ZONE 'Europe/Stockholm')::date AS dated,
            (t.requested_at AT TIME ZONE 'Europe/Stockholm')::date AS ended_on,
            NULL::int AS year, ARRAY[]::text[] AS concerns, false AS referenced
     FROM password_reset_requests t
     WHERE ($1::date IS NULL OR (t.requested_at AT TIME ZONE 'Europe/Stockholm')::date <= $1)
       AND ($2::text[] IS NULL OR t.id = ANY($2::text[]::bigint[]))";

const WITHDRAWN_REQUISITIONS: &str = "SELECT t.id::text AS entity_id,
            t.case_number || ', ' || o.name || ', ' || t.year::text AS what,
            (t.updated_at AT TIME ZONE 'Europe/Stockholm')::date AS dated,
            NULL::date AS ended_on, t.year,
            ARRAY[t.year::text || ':' || t.organisation_id::text] AS concerns,
            (EXISTS (SELECT 1 FROM repayment_messages m WHERE m.requisition_id = t.id)
             OR EXISTS (SELECT 1 FROM payouts p WHERE p.requisition_id = t.id)) AS referenced
     FROM requisitions t JOIN organisations o ON o.id = t.organisation_id
     WHERE t.state = $3 AND t.first_submitted_at IS NULL
       AND ($1::date IS NULL OR (t.updated_at AT TIME ZONE 'Europe/Stockholm')::date <= $1)
       AND ($2::text[] IS NULL OR t.id = ANY($2::text[]::uuid[]))";

const UNSUBMITTED_EXPORTS: &str = "SELECT t.id::text AS entity_id,
            t.filename || ' (' || t.year::text || ')' AS what,
            (t.created_at AT TIME ZONE 'Europe/Stockholm')::date AS dated,
            NULL::date AS ended_on, t.year, ARRAY[t.year::text] AS concerns,
            false AS referenced
     FROM summary_exports t
     WHERE t.submitted_at IS NULL
       AND ($1::date IS NULL OR (t.created_at AT TIME ZONE 'Europe/Stockholm')::date <= $1)
       AND ($2::text[] IS NULL OR t.id = ANY($2::text[]::uuid[]))";

// Never the year's summary submitted to the Government (`$3`): it is what closes the
// programme year (`closed_years`), and the schema keeps it (`summary_exports_closing_kept`).
const SUBMITTED_EXPORTS: &str = "SELECT t.id::text AS entity_id,
            t.filename || ' (' || t.year::text || ')' AS what,
            (t.submitted_at AT TIME ZONE 'Europe/Stockholm')::date AS dated,
            NULL::date AS ended_on, t.year, ARRAY[t.year::text] AS concerns,
            false AS referenced
     FROM summary_exports t
     WHERE t.submitted_at IS NOT NULL AND t.document <> $3
       AND ($1::date IS NULL OR (t.submitted_at AT TIME ZONE 'Europe/Stockholm')::date <= $1)
       AND ($2::text[] IS NULL OR t.id = ANY($2::text[]::uuid[]))";

// A file is a candidate once none of its payments waits for a decision; it concerns the
// actors' years its confirmed payments were received on.
const BANK_FILES: &str = "SELECT t.id::text AS entity_id, t.file_name AS what,
            (t.imported_at AT TIME ZONE 'Europe/Stockholm')::date AS dated,
            NULL::date AS ended_on, NULL::int AS year,
            ARRAY(SELECT DISTINCT r.year::text || ':' || r.organisation_id::text
                  FROM bank_payments p JOIN repayment_payments r ON r.id = p.repayment_payment_id
                  WHERE p.file_id = t.id) AS concerns,
            false AS referenced
     FROM bank_files t
     WHERE NOT EXISTS (SELECT 1 FROM bank_payments p WHERE p.file_id = t.id AND p.state = $3)
       AND ($1::date IS NULL OR (t.imported_at AT TIME ZONE 'Europe/Stockholm')::date <= $1)
       AND ($2::text[] IS NULL OR t.id = ANY($2::text[]::uuid[]))";

const NETWORK_REGISTRATIONS: &str = "SELECT t.id::text AS entity_id,
            '”' || e.title || '” ' || to_char(e.day, 'YYYY-MM-DD') || ', ' || o.name AS what,
            e.day AS dated, e.day AS ended_on, NULL::int AS year,
            ARRAY[extract(year FROM e.day)::int::text || ':' || t.organisation_id::text] AS concerns,
            false AS referenced
     FROM network_registrations t
     JOIN network_events e ON e.id = t.event_id
     JOIN organisations o ON o.id = t.organisation_id
     WHERE ($1::date IS NULL OR e.day <= $1)
       AND ($2::text[] IS NULL OR t.id = ANY($2::text[]::uuid[]))";

// The decision records' table is `records`' (`decision_records`).
const DECISION_RECORDS: &str = "SELECT t.id::text AS entity_id,
            COALESCE(t.case_number, t.entity || ' ' || t.entity_id) || ', '
                || (t.decided_at AT TIME ZONE 'Europe/Stockholm')::date::text AS what,
            (t.decided_at AT TIME ZONE 'Europe/Stockholm')::date AS dated,
            NULL::date AS ended_on, t.year,
            CASE WHEN t.year IS NULL THEN ARRAY[]::text[]
                 WHEN t.organisation_id IS NULL THEN ARRAY[t.year::text]
                 ELSE ARRAY[t.year::text || ':' || t.organisation_id::text] END AS concerns,
            EXISTS (SELECT 1 FROM decision_records n WHERE n.rests_on_record = t.id) AS referenced
     FROM decision_records t
     WHERE ($1::date IS NULL OR (t.decided_at AT TIME ZONE 'Europe/Stockholm')::date <= $1)
       AND ($2::text[] IS NULL OR t.id = ANY($2::text[]::uuid[]))";

/// Whether a kind's records are locked while a confirmation checks and removes them: those
/// another person may change meanwhile (a mail sent again, an export marked submitted, a
/// registration withdrawn). Bank files and decision records change no more.
fn locked_on_confirmation(kind: Kind) -> bool {
    !matches!(kind, Kind::BankFiles | Kind::DecisionRecords)
}

/// The records of a kind: dated on or before `dated_on_or_before` (every one: `None`), of
/// these ids only (`only`), locked when confirming (`lock`).
pub async fn records(
    conn: &mut PgConnection,
    kind: Kind,
    dated_on_or_before: Option<NaiveDate>,
    only: Option<&[String]>,
    lock: bool,
) -> sqlx::Result<Vec<Record>> {
    let only: Option<Vec<String>> = only.map(<[String]>::to_vec);
    let sql = |base: &str| {
        if lock && locked_on_confirmation(kind) {
            format!("{base} FOR UPDATE OF t")
        } else {
            base.to_string()
        }
    };
    let rows: Vec<RecordRow> = match kind {
        Kind::SentMail => {
            sqlx::query_as(&sql(SENT_MAIL))
                .bind(dated_on_or_before)
                .bind(only)
                .bind(MailState::Queued)
                .fetch_all(conn)
                .await?
        }
        Kind::PasswordResetRequests => {
            sqlx::query_as(&sql(PASSWORD_RESET_REQUESTS))
                .bind(dated_on_or_before)
                .bind(only)
                .fetch_all(conn)
                .await?
        }
        Kind::WithdrawnRequisitions => {
            sqlx::query_as(&sql(WITHDRAWN_REQUISITIONS))
                .bind(dated_on_or_before)
                .bind(only)
                .bind(RequisitionState::Withdrawn)
                .fetch_all(conn)
                .await?
        }
        Kind::UnsubmittedExports => {
            sqlx::query_as(&sql(UNSUBMITTED_EXPORTS))
                .bind(dated_on_or_before)
                .bind(only)
                .fetch_all(conn)
                .await?
        }
        Kind::SubmittedExports => {
            sqlx::query_as(&sql(SUBMITTED_EXPORTS))
                .bind(dated_on_or_before)
                .bind(only)
                .bind(Document::Summary)
                .fetch_all(conn)
                .await?
        }
        Kind::BankFiles => {
            sqlx::query_as(&sql(BANK_FILES))
                .bind(dated_on_or_before)
                .bind(only)
                .bind(BankPaymentState::Unmatched)
                .fetch_all(conn)
                .await?
        }
        Kind::NetworkRegistrations => {
            sqlx::query_as(&sql(NETWORK_REGISTRATIONS))
                .bind(dated_on_or_before)
                .bind(only)
                .fetch_all(conn)
                .await?
        }
        Kind::DecisionRecords => {
            sqlx::query_as(&sql(DECISION_RECORDS))
                .bind(dated_on_or_before)
                .bind(only)
                .fetch_all(conn)
                .await?
        }
    };
    Ok(rows.into_iter().map(Record::from).collect())
}

/// The programme years that are closed: their summary to the Government is marked submitted.
pub async fn closed_years(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar(
        "SELECT DISTINCT year FROM summary_exports
         WHERE document = $1 AND submitted_at IS NOT NULL ORDER BY year",
    )
    .bind(Document::Summary)
    .fetch_all(db)
    .await
}

// ---- Legal holds ----

/// The holds in force.
pub async fn active_holds(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<Hold>> {
    sqlx::query_as(
        "SELECT id, entity, entity_id, reason FROM legal_holds
         WHERE released_at IS NULL ORDER BY id",
    )
    .fetch_all(db)
    .await
}

/// No hold is placed or released until the transaction ends: a confirmation checks the
/// holds and removes under the same lock.
pub async fn lock_holds(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("LOCK TABLE legal_holds IN SHARE MODE")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Waits for a confirmation under way, so that a record a hold is placed on is seen as the
/// confirmation left it.
async fn wait_for_confirmations(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("LOCK TABLE legal_holds IN ROW EXCLUSIVE MODE")
        .execute(conn)
        .await
        .map(|_| ())
}

/// A hold, as the holds page lists it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct HoldRow {
    pub id: i64,
    pub entity: String,
    pub entity_id: String,
    pub reason: String,
    pub placed_by_name: String,
    pub placed_at: DateTime<Utc>,
    pub released_by_name: Option<String>,
    pub released_at: Option<DateTime<Utc>>,
    /// An actor's year's actor.
    pub organisation_name: Option<String>,
    /// The open request for public documents that placed the hold, which releases it when
    /// it is decided (`crate::disclosure`): its id and number.
    pub open_request_id: Option<Uuid>,
    pub open_request_number: Option<i64>,
}

const HOLDS: &str = "SELECT h.id, h.entity, h.entity_id, h.reason, p.name AS placed_by_name,
            h.placed_at, r.name AS released_by_name, h.released_at,
            CASE WHEN h.entity = 'actor_year' THEN
                (SELECT o.name FROM organisations o
                 WHERE o.id::text = split_part(h.entity_id, ':', 2)) END AS organisation_name,
            q.id AS open_request_id, q.number AS open_request_number
     FROM legal_holds h
     JOIN users p ON p.id = h.placed_by
     LEFT JOIN users r ON r.id = h.released_by
     LEFT JOIN disclosure_requests q ON q.hold_id = h.id AND q.state = 'open'";

/// The holds in force (`released = false`) or the latest released (`true`), at most `limit`.
pub async fn holds(
    db: impl PgExecutor<'_>,
    released: bool,
    limit: i64,
) -> sqlx::Result<Vec<HoldRow>> {
    sqlx::query_as(&format!(
        "{HOLDS}
         WHERE (h.released_at IS NOT NULL) = $1
         ORDER BY COALESCE(h.released_at, h.placed_at) DESC, h.id DESC
         LIMIT $2"
    ))
    .bind(released)
    .bind(limit)
    .fetch_all(db)
    .await
}

/// One hold, in force or released.
pub async fn hold(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<HoldRow>> {
    sqlx::query_as(&format!("{HOLDS} WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

/// Whether a hold's target exists: an actor's year (the year and the organisation), or a
/// record of one of the kinds' entities. Waits for a confirmation under way first.
pub async fn target_exists(
    conn: &mut PgConnection,
    entity: &str,
    entity_id: &str,
) -> sqlx::Result<bool> {
    wait_for_confirmations(conn).await?;
    let sql = match entity {
        super::model::ACTOR_YEAR => {
            let Some((year, organisation)) = entity_id.split_once(':') else {
                return Ok(false);
            };
            let (Ok(year), Ok(organisation)) = (year.parse::<i32>(), Uuid::parse_str(organisation))
            else {
                return Ok(false);
            };
            return sqlx::query_scalar(
                "SELECT EXISTS (SELECT 1 FROM programme_years WHERE year = $1)
                    AND EXISTS (SELECT 1 FROM organisations WHERE id = $2)",
            )
            .bind(year)
            .bind(organisation)
            .fetch_one(conn)
            .await;
        }
        "mail" => "SELECT EXISTS (SELECT 1 FROM outbox WHERE id::text = $1)",
        "password_reset_request" => {
            "SELECT EXISTS (SELECT 1 FROM password_reset_requests WHERE id::text = $1)"
        }
        "requisition" => "SELECT EXISTS (SELECT 1 FROM requisitions WHERE id::text = $1)",
        "summary_export" => "SELECT EXISTS (SELECT 1 FROM summary_exports WHERE id::text = $1)",
        "bank_file" => "SELECT EXISTS (SELECT 1 FROM bank_files WHERE id::text = $1)",
        "network_registration" => {
            "SELECT EXISTS (SELECT 1 FROM network_registrations WHERE id::text = $1)"
        }
        "decision_record" => "SELECT EXISTS (SELECT 1 FROM decision_records WHERE id::text = $1)",
        _ => return Ok(false),
    };
    sqlx::query_scalar(sql)
        .bind(entity_id)
        .fetch_one(conn)
        .await
}

/// Places a legal hold on `entity`'s record `entity_id` (`actor_year` with `<year>:<organisation>`:
/// everything of that actor's year), with its audit record, in the caller's transaction.
pub async fn place_hold(
    tx: &mut PgConnection,
    entity: &str,
    entity_id: &str,
    reason: &str,
    by: Uuid,
) -> Result<i64> {
    wait_for_confirmations(tx).await?;
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO legal_holds (entity, entity_id, reason, placed_by)
         VALUES ($1, $2, $3, $4) RETURNING id",
    )
    .bind(entity)
    .bind(entity_id)
    .bind(reason)
    .bind(by)
    .fetch_one(&mut *tx)
    .await?;
    audit::Entry::new(Some(by), "legal_hold.placed", "legal_hold", id)
        .after(json!({ "entity": entity, "entity_id": entity_id, "reason": reason }))
        .record(tx)
        .await?;
    Ok(id)
}

const HOLD_RELEASED: &str =
    "Spärren är redan hävd – någon annan hann före. Ladda om sidan för att se hur den står nu.";

/// Why a hold an open request for public documents placed is not released here.
pub fn held_by_open_request(number: i64) -> String {
    format!(
        "Spärren hör till begäran om allmän handling nr {number}, som är öppen: ärendet får inte gallras medan begäran handläggs. Spärren hävs när begäran avslutas. Ingenting har ändrats."
    )
}

const HELD_BY_AN_OPEN_REQUEST: &str = "Spärren hör till en begäran om allmän handling som är öppen: ärendet får inte gallras medan begäran handläggs. Spärren hävs när begäran avslutas. Ingenting har ändrats.";

/// The number of the open request for public documents that placed the hold, if one did.
pub async fn open_request_of_hold(
    conn: &mut PgConnection,
    hold_id: i64,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT number FROM disclosure_requests WHERE hold_id = $1 AND state = 'open'",
    )
    .bind(hold_id)
    .fetch_optional(conn)
    .await
}

/// Releases a hold, with its audit record, in the caller's transaction; a hold already
/// released is a conflict, and so is one that an open request for public documents placed:
/// deciding the request releases it (`crate::disclosure`, which marks the request decided
/// first), nothing else may (nor may anyone in the schema: `legal_holds_of_open_requests`).
pub async fn release_hold(tx: &mut PgConnection, hold_id: i64, by: Uuid) -> Result<()> {
    wait_for_confirmations(tx).await?;
    let hold: Option<(String, String, String, Option<DateTime<Utc>>)> = sqlx::query_as(
        "SELECT entity, entity_id, reason, released_at FROM legal_holds WHERE id = $1 FOR UPDATE",
    )
    .bind(hold_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((entity, entity_id, reason, released_at)) = hold else {
        return Err(AppError::NotFound);
    };
    if released_at.is_some() {
        return Err(AppError::Conflict(HOLD_RELEASED.into()));
    }
    if let Some(number) = open_request_of_hold(tx, hold_id).await? {
        return Err(AppError::Conflict(held_by_open_request(number)));
    }
    let released = sqlx::query(
        "UPDATE legal_holds SET released_by = $2, released_at = now()
         WHERE id = $1 AND released_at IS NULL",
    )
    .bind(hold_id)
    .bind(by)
    .execute(&mut *tx)
    .await;
    match released {
        Ok(_) => {}
        // The schema's word is the last (the transaction is aborted by it: nothing more is
        // asked).
        Err(e)
            if e.as_database_error().and_then(|d| d.constraint())
                == Some("legal_holds_of_open_requests") =>
        {
            return Err(AppError::Conflict(HELD_BY_AN_OPEN_REQUEST.into()));
        }
        Err(e) => return Err(e.into()),
    }
    audit::Entry::new(Some(by), "legal_hold.released", "legal_hold", hold_id)
        .before(json!({ "entity": entity, "entity_id": entity_id, "reason": reason }))
        .after(json!({ "released": true }))
        .record(tx)
        .await?;
    Ok(())
}

// ---- Disposal runs ----

/// A run with who proposed, confirmed or cancelled it, and its counts.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RunRow {
    pub id: i64,
    pub state: RunState,
    pub proposed_by: Uuid,
    pub proposed_by_name: String,
    pub proposed_at: DateTime<Utc>,
    pub proposed_on: NaiveDate,
    pub confirmed_by_name: Option<String>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub cancelled_by_name: Option<String>,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub proposed: i64,
    pub removed: i64,
    pub skipped: i64,
}

const RUNS: &str = "SELECT r.id, r.state, r.proposed_by, p.name AS proposed_by_name, r.proposed_at,
            r.proposed_on, c.name AS confirmed_by_name, r.confirmed_at,
            x.name AS cancelled_by_name, r.cancelled_at,
            (SELECT count(*) FROM disposal_items i WHERE i.run_id = r.id AND i.state = $1) AS proposed,
            (SELECT count(*) FROM disposal_items i WHERE i.run_id = r.id AND i.state = $2) AS removed,
            (SELECT count(*) FROM disposal_items i WHERE i.run_id = r.id AND i.state = $3) AS skipped
     FROM disposal_runs r
     JOIN users p ON p.id = r.proposed_by
     LEFT JOIN users c ON c.id = r.confirmed_by
     LEFT JOIN users x ON x.id = r.cancelled_by";

/// The latest runs, newest first.
pub async fn runs(db: impl PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<RunRow>> {
    sqlx::query_as(&format!("{RUNS} ORDER BY r.id DESC LIMIT $4"))
        .bind(ItemState::Proposed)
        .bind(ItemState::Removed)
        .bind(ItemState::Skipped)
        .bind(limit)
        .fetch_all(db)
        .await
}

pub async fn run(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<Option<RunRow>> {
    sqlx::query_as(&format!("{RUNS} WHERE r.id = $4"))
        .bind(ItemState::Proposed)
        .bind(ItemState::Removed)
        .bind(ItemState::Skipped)
        .bind(id)
        .fetch_optional(db)
        .await
}

/// A run's state and proposer, locked until the transaction ends: two administrators
/// deciding at once are taken one after the other.
pub async fn run_for_update(
    conn: &mut PgConnection,
    id: i64,
) -> sqlx::Result<Option<(RunState, Uuid)>> {
    sqlx::query_as("SELECT state, proposed_by FROM disposal_runs WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_optional(conn)
        .await
}

/// A new run, proposed today (Swedish date) by an administrator.
pub async fn new_run(conn: &mut PgConnection, by: Uuid, today: NaiveDate) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO disposal_runs (proposed_by, proposed_on) VALUES ($1, $2) RETURNING id",
    )
    .bind(by)
    .bind(today)
    .fetch_one(conn)
    .await
}

/// A record listed in a proposed run: due, and skipped (`skipped`) or not (`None`).
pub struct NewItem {
    pub entity_id: String,
    pub described: String,
    pub dated: NaiveDate,
    pub due_because: String,
    pub skipped: Option<String>,
}

/// Lists a kind's records in a run, in one statement.
pub async fn insert_items(
    conn: &mut PgConnection,
    run: i64,
    kind: Kind,
    items: &[NewItem],
) -> sqlx::Result<()> {
    if items.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = items.iter().map(|i| i.entity_id.clone()).collect();
    let described: Vec<String> = items.iter().map(|i| i.described.clone()).collect();
    let dated: Vec<NaiveDate> = items.iter().map(|i| i.dated).collect();
    let because: Vec<String> = items.iter().map(|i| i.due_because.clone()).collect();
    let skipped: Vec<String> = items
        .iter()
        .map(|i| i.skipped.clone().unwrap_or_default())
        .collect();
    sqlx::query(
        "INSERT INTO disposal_items (run_id, kind, entity_id, described, dated, due_because,
             state, skipped_because)
         SELECT $1, $2, t.entity_id, t.described, t.dated, t.due_because,
                CASE WHEN t.skipped = '' THEN $3 ELSE $4 END, NULLIF(t.skipped, '')
         FROM unnest($5::text[], $6::text[], $7::date[], $8::text[], $9::text[])
              AS t(entity_id, described, dated, due_because, skipped)",
    )
    .bind(run)
    .bind(kind)
    .bind(ItemState::Proposed)
    .bind(ItemState::Skipped)
    .bind(ids)
    .bind(described)
    .bind(dated)
    .bind(because)
    .bind(skipped)
    .execute(conn)
    .await
    .map(|_| ())
}

/// A record listed in a run.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ItemRow {
    pub kind: Kind,
    pub entity_id: String,
    pub described: String,
    pub dated: NaiveDate,
    pub due_because: String,
    pub state: ItemState,
    pub skipped_because: Option<String>,
}

/// Every record of a run (a run is at most a few thousand), kind by kind in the order of
/// their days: the page shows them all, and the confirmation is checked against them.
pub async fn items(db: impl PgExecutor<'_>, run: i64) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as(
        "SELECT kind, entity_id, described, dated, due_because, state, skipped_because
         FROM disposal_items WHERE run_id = $1
         ORDER BY kind, dated, entity_id",
    )
    .bind(run)
    .fetch_all(db)
    .await
}

/// How many of a run's records each kind has in each state.
pub async fn item_counts(
    db: impl PgExecutor<'_>,
    run: i64,
) -> sqlx::Result<Vec<(Kind, ItemState, i64)>> {
    sqlx::query_as(
        "SELECT kind, state, count(*) FROM disposal_items WHERE run_id = $1 GROUP BY kind, state",
    )
    .bind(run)
    .fetch_all(db)
    .await
}

/// A run's records still proposed, to be checked again as it is confirmed.
pub async fn proposed_items(conn: &mut PgConnection, run: i64) -> sqlx::Result<Vec<ItemRow>> {
    sqlx::query_as(
        "SELECT kind, entity_id, described, dated, due_because, state, skipped_because
         FROM disposal_items WHERE run_id = $1 AND state = $2 ORDER BY kind, dated, entity_id",
    )
    .bind(run)
    .bind(ItemState::Proposed)
    .fetch_all(conn)
    .await
}

/// How many rows of the disposal log a run left.
pub async fn logged(db: impl PgExecutor<'_>, run: i64) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT count(*) FROM disposal_log WHERE run_id = $1")
        .bind(run)
        .fetch_one(db)
        .await
}

/// Marks a proposed run confirmed by a second administrator; `false` when it is no longer
/// proposed. Before anything is removed: the schema lets a frozen record go only when a
/// confirmed run lists it as removed.
pub async fn mark_confirmed(conn: &mut PgConnection, run: i64, by: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE disposal_runs SET state = $2, confirmed_by = $3, confirmed_at = now()
         WHERE id = $1 AND state = $4",
    )
    .bind(run)
    .bind(RunState::Confirmed)
    .bind(by)
    .bind(RunState::Proposed)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Cancels a proposed run; `false` when it is no longer proposed.
pub async fn cancel(conn: &mut PgConnection, run: i64, by: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE disposal_runs SET state = $2, cancelled_by = $3, cancelled_at = now()
         WHERE id = $1 AND state = $4",
    )
    .bind(run)
    .bind(RunState::Cancelled)
    .bind(by)
    .bind(RunState::Proposed)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Marks proposed records of a confirmed run skipped, each with why.
pub async fn skip_items(
    conn: &mut PgConnection,
    run: i64,
    kind: Kind,
    skipped: &[(String, String)],
) -> sqlx::Result<()> {
    if skipped.is_empty() {
        return Ok(());
    }
    let ids: Vec<String> = skipped.iter().map(|(id, _)| id.clone()).collect();
    let reasons: Vec<String> = skipped.iter().map(|(_, r)| r.clone()).collect();
    sqlx::query(
        "UPDATE disposal_items i SET state = $3, skipped_because = t.reason
         FROM unnest($4::text[], $5::text[]) AS t(entity_id, reason)
         WHERE i.run_id = $1 AND i.kind = $2 AND i.entity_id = t.entity_id AND i.state = $6",
    )
    .bind(run)
    .bind(kind)
    .bind(ItemState::Skipped)
    .bind(ids)
    .bind(reasons)
    .bind(ItemState::Proposed)
    .execute(conn)
    .await
    .map(|_| ())
}

/// What a removal came to: the records removed, and those the database would not let go,
/// each with why.
#[derive(Debug, Default)]
pub struct Removal {
    pub removed: Vec<String>,
    pub refused: Vec<(String, String)>,
}

/// Why the database refused a removal, when it is a refusal a record may meet — another
/// record still refers to it, or a rule of its own keeps it for now (a draft its signatory
/// is reading, say) — rather than a fault.
fn refusal(e: &sqlx::Error) -> Option<String> {
    let d = e.as_database_error()?;
    match d.code().as_deref() {
        Some("23503") => Some(STILL_REFERENCED.to_string()),
        Some("23514") => Some(format!(
            "En regel i databasen hindrar att handlingen tas bort nu ({}).",
            d.constraint().unwrap_or("okänd regel")
        )),
        _ => None,
    }
}

async fn run_sql(conn: &mut PgConnection, sql: &str) -> sqlx::Result<()> {
    sqlx::query(sql).execute(conn).await.map(|_| ())
}

/// Removes a kind's records of a confirmed run, each with its row in the disposal log, in
/// the caller's transaction: all at once, or — when the database refuses one of them — one
/// by one, each in a savepoint of its own, those refused kept and said why.
pub async fn remove(
    conn: &mut PgConnection,
    run: i64,
    kind: Kind,
    ids: &[String],
) -> sqlx::Result<Removal> {
    if ids.is_empty() {
        return Ok(Removal::default());
    }
    run_sql(conn, "SAVEPOINT disposal_kind").await?;
    match remove_now(conn, run, kind, ids).await {
        Ok(()) => {
            run_sql(conn, "RELEASE SAVEPOINT disposal_kind").await?;
            return Ok(Removal {
                removed: ids.to_vec(),
                refused: vec![],
            });
        }
        Err(e) if refusal(&e).is_some() => {
            run_sql(conn, "ROLLBACK TO SAVEPOINT disposal_kind").await?;
            run_sql(conn, "RELEASE SAVEPOINT disposal_kind").await?;
        }
        Err(e) => return Err(e),
    }
    let mut removal = Removal::default();
    for id in ids {
        run_sql(conn, "SAVEPOINT disposal_record").await?;
        match remove_now(conn, run, kind, std::slice::from_ref(id)).await {
            Ok(()) => {
                run_sql(conn, "RELEASE SAVEPOINT disposal_record").await?;
                removal.removed.push(id.clone());
            }
            Err(e) => match refusal(&e) {
                Some(why) => {
                    run_sql(conn, "ROLLBACK TO SAVEPOINT disposal_record").await?;
                    run_sql(conn, "RELEASE SAVEPOINT disposal_record").await?;
                    removal.refused.push((id.clone(), why));
                }
                None => return Err(e),
            },
        }
    }
    Ok(removal)
}

/// What the log keeps of a removed record besides its description, never personal data:
/// a bank file's checksum and its payments' bank references, so that neither is read in
/// again as new (`bank_files_disposed`, `bank_payments_disposed` in the schema).
fn kept_facts(kind: Kind) -> &'static str {
    match kind {
        Kind::BankFiles => {
            "(SELECT jsonb_build_object('sha256', f.sha256, 'bank_references',
                     COALESCE((SELECT jsonb_agg(p.bank_reference ORDER BY p.line)
                               FROM bank_payments p WHERE p.file_id = f.id), '[]'::jsonb))
              FROM bank_files f WHERE f.id::text = i.entity_id)"
        }
        _ => "NULL::jsonb",
    }
}

/// Marks the records removed, writes their rows of the log, and removes them.
async fn remove_now(
    conn: &mut PgConnection,
    run: i64,
    kind: Kind,
    ids: &[String],
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE disposal_items SET state = $3
         WHERE run_id = $1 AND kind = $2 AND entity_id = ANY($4) AND state = $5",
    )
    .bind(run)
    .bind(kind)
    .bind(ItemState::Removed)
    .bind(ids)
    .bind(ItemState::Proposed)
    .execute(&mut *conn)
    .await?;
    sqlx::query(&format!(
        "INSERT INTO disposal_log (run_id, kind, entity_id, described, dated, due_because,
             class, years, basis, kept_facts, proposed_by, confirmed_by)
         SELECT i.run_id, i.kind, i.entity_id, i.described, i.dated, i.due_because,
                k.class, k.years, k.basis, {}, r.proposed_by, r.confirmed_by
         FROM disposal_items i
         JOIN disposal_runs r ON r.id = i.run_id
         JOIN retention_kinds k ON k.kind = i.kind
         WHERE i.run_id = $1 AND i.kind = $2 AND i.entity_id = ANY($3) AND i.state = $4",
        kept_facts(kind)
    ))
    .bind(run)
    .bind(kind)
    .bind(ids)
    .bind(ItemState::Removed)
    .execute(&mut *conn)
    .await?;
    match kind {
        Kind::SentMail => {
            sqlx::query("DELETE FROM outbox WHERE id = ANY($1::text[]::bigint[]) AND state <> $2")
                .bind(ids)
                .bind(MailState::Queued)
                .execute(&mut *conn)
                .await?;
        }
        Kind::PasswordResetRequests => {
            sqlx::query("DELETE FROM password_reset_requests WHERE id = ANY($1::text[]::bigint[])")
                .bind(ids)
                .execute(&mut *conn)
                .await?;
        }
        Kind::WithdrawnRequisitions => {
            // The draft's own attachments and messages go with it (its thread's read marks
            // by the schema's cascade).
            sqlx::query(
                "DELETE FROM requisition_attachments WHERE requisition_id = ANY($1::text[]::uuid[])",
            )
            .bind(ids)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "DELETE FROM requisition_messages WHERE requisition_id = ANY($1::text[]::uuid[])",
            )
            .bind(ids)
            .execute(&mut *conn)
            .await?;
            sqlx::query(
                "DELETE FROM requisitions
                 WHERE id = ANY($1::text[]::uuid[]) AND state = $2 AND first_submitted_at IS NULL",
            )
            .bind(ids)
            .bind(RequisitionState::Withdrawn)
            .execute(&mut *conn)
            .await?;
        }
        Kind::UnsubmittedExports | Kind::SubmittedExports => {
            // The server may not delete kept exports: the schema's own function removes those
            // a confirmed run lists (`dispose_summary_exports`).
            sqlx::query("SELECT dispose_summary_exports($1::text[]::uuid[])")
                .bind(ids)
                .execute(&mut *conn)
                .await?;
        }
        Kind::BankFiles => {
            sqlx::query("DELETE FROM bank_payments WHERE file_id = ANY($1::text[]::uuid[])")
                .bind(ids)
                .execute(&mut *conn)
                .await?;
            sqlx::query("DELETE FROM bank_files WHERE id = ANY($1::text[]::uuid[])")
                .bind(ids)
                .execute(&mut *conn)
                .await?;
        }
        Kind::NetworkRegistrations => {
            sqlx::query("DELETE FROM network_registrations WHERE id = ANY($1::text[]::uuid[])")
                .bind(ids)
                .execute(&mut *conn)
                .await?;
        }
        Kind::DecisionRecords => {
            // With its kept PDF/A (`records`), through the schema's own function as the
            // exports are.
            sqlx::query("SELECT dispose_decision_records($1::text[]::uuid[])")
                .bind(ids)
                .execute(&mut *conn)
                .await?;
        }
    }
    Ok(())
}

// ---- What the hold form offers ----

/// The programme years, newest first.
pub async fn years(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar("SELECT year FROM programme_years ORDER BY year DESC")
        .fetch_all(db)
        .await
}

/// Every organisation, by name.
pub async fn organisations(db: impl PgExecutor<'_>) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("SELECT id, name FROM organisations ORDER BY name")
        .fetch_all(db)
        .await
}
