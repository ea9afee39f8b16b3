//! The diarienummer's SQL: the cases (the schema's view `registry_cases`), their entries,
//! and the number series.

use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use super::model::{Case, CaseKind, Entry, Series, series_number};
use crate::error::Result;

/// What the summary's entries have for an organisation in the one-entry-per-case index.
const NO_ORGANISATION: &str = "'00000000-0000-0000-0000-000000000000'::uuid";

/// A case's diarienummer, if it has one.
pub async fn diarienummer(
    db: impl sqlx::PgExecutor<'_>,
    kind: CaseKind,
    year: i32,
    organisation_id: Option<Uuid>,
) -> Result<Option<String>> {
    let found: Option<String> = sqlx::query_scalar(&format!(
        "SELECT diarienummer FROM registry_entries
         WHERE kind = $1 AND year = $2
           AND COALESCE(organisation_id, {NO_ORGANISATION}) = COALESCE($3::uuid, {NO_ORGANISATION})"
    ))
    .bind(kind)
    .bind(year)
    .bind(organisation_id)
    .fetch_optional(db)
    .await?;
    Ok(found)
}

/// Every diarienummer of a programme year's cases.
pub async fn for_year(db: impl sqlx::PgExecutor<'_>, year: i32) -> Result<Vec<Entry>> {
    let entries: Vec<Entry> = sqlx::query_as(
        "SELECT kind, year, organisation_id, diarienummer FROM registry_entries
         WHERE year = $1
         ORDER BY kind, organisation_id NULLS FIRST",
    )
    .bind(year)
    .fetch_all(db)
    .await?;
    Ok(entries)
}

/// A case on the registrar's page: what it is, whose, Digikoord's case number and links,
/// and its diarienummer when it has one.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct CaseRow {
    pub kind: CaseKind,
    pub year: i32,
    pub organisation_id: Option<Uuid>,
    pub actor_name: Option<String>,
    /// The actor's year's requisition (the case number of its report and repayment too).
    pub requisition_id: Option<Uuid>,
    pub case_number: Option<String>,
    pub report_id: Option<Uuid>,
    /// When the case came in (its first filing).
    pub opened_at: Option<DateTime<Utc>>,
    pub entry_id: Option<i64>,
    pub diarienummer: Option<String>,
    pub registered_at: Option<DateTime<Utc>>,
    pub registered_by_name: Option<String>,
    /// How many rows the query found before its limit.
    pub total: i64,
}

impl CaseRow {
    pub fn case(&self) -> Case {
        Case {
            kind: self.kind,
            year: self.year,
            organisation_id: self.organisation_id,
        }
    }

    /// The row's word in the page's element ids: its entry's, or its case's.
    pub fn dom_id(&self) -> String {
        match self.entry_id {
            Some(id) => format!("entry-{id}"),
            None => self.case().dom_id(),
        }
    }

    /// Whose case: the actor's name, or Tillväxtverket's for the summary.
    pub fn actor(&self) -> &str {
        match (&self.actor_name, self.kind.is_an_actors()) {
            (Some(name), _) => name.as_str(),
            (None, false) => "Tillväxtverket",
            (None, true) => "Okänd aktör",
        }
    }

    /// Digikoord's own case number: the year's requisition's, or the summary's year.
    pub fn case_number_label(&self) -> String {
        match (&self.case_number, self.kind) {
            (Some(number), _) => number.clone(),
            (None, CaseKind::Summary) => format!("Sammanställning {}", self.year),
            (None, _) => "–".to_string(),
        }
    }

    /// The organisation as the form sends it (empty for the summary).
    pub fn organisation_field(&self) -> String {
        self.organisation_id
            .map(|o| o.to_string())
            .unwrap_or_default()
    }

    pub fn dnr(&self) -> &str {
        self.diarienummer.as_deref().unwrap_or_default()
    }

    /// The case's own page.
    pub fn link(&self) -> Option<String> {
        match self.kind {
            CaseKind::Requisition => self.requisition_id.map(|id| format!("/rekvisitioner/{id}")),
            CaseKind::Report => self.report_id.map(|id| format!("/redovisningar/{id}")),
            CaseKind::Repayment => self
                .organisation_id
                .map(|org| format!("/aterbetalningar/{}/{org}", self.year)),
            CaseKind::Summary => Some(format!("/sammanstallning?ar={}", self.year)),
        }
    }

    /// Whether the registrar's search finds it.
    pub fn found_by(&self, search: &str) -> bool {
        let year = self.year.to_string();
        let case_number = self.case_number_label();
        super::model::found(
            search,
            &[
                self.dnr(),
                case_number.as_str(),
                self.actor(),
                year.as_str(),
                self.kind.label(),
            ],
        )
    }
}

/// The actor, the case number and the documents of a case, joined the same way for both
/// lists (`X` is the table the case comes from).
fn joined(from: &str) -> String {
    format!(
        "FROM {from}
         JOIN programme_years y ON y.year = X.year
         LEFT JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = X.organisation_id
         LEFT JOIN organisations o ON o.id = X.organisation_id
         LEFT JOIN LATERAL (
              SELECT r.id, r.case_number FROM requisitions r
              WHERE r.year = X.year AND r.organisation_id = X.organisation_id
                AND r.first_submitted_at IS NOT NULL
              ORDER BY r.first_submitted_at DESC LIMIT 1
         ) req ON true
         LEFT JOIN reports rep ON rep.year = X.year AND rep.organisation_id = X.organisation_id
              AND rep.current"
    )
}

const CASE_COLUMNS: &str = "X.kind, X.year, X.organisation_id,
         COALESCE(a.actor_name, o.name) AS actor_name,
         req.id AS requisition_id, req.case_number, rep.id AS report_id";

/// The cases without a diarienummer, the newest first (at most `limit`, with how many
/// there are in `total`).
pub async fn unregistered(db: impl sqlx::PgExecutor<'_>, limit: i64) -> sqlx::Result<Vec<CaseRow>> {
    let sql = format!(
        "SELECT {CASE_COLUMNS}, X.opened_at,
                NULL::bigint AS entry_id, NULL::text AS diarienummer,
                NULL::timestamptz AS registered_at, NULL::text AS registered_by_name,
                count(*) OVER () AS total
         {}
         WHERE NOT EXISTS (
              SELECT 1 FROM registry_entries e
              WHERE e.kind = X.kind AND e.year = X.year
                AND COALESCE(e.organisation_id, {NO_ORGANISATION})
                    = COALESCE(X.organisation_id, {NO_ORGANISATION}))
         ORDER BY X.opened_at DESC NULLS LAST, X.year DESC, X.kind, actor_name
         LIMIT $1",
        joined("registry_cases X")
    );
    sqlx::query_as(&sql).bind(limit).fetch_all(db).await
}

/// Every registered case, the latest registered first.
pub async fn registered(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Vec<CaseRow>> {
    let sql = format!(
        "SELECT {CASE_COLUMNS}, NULL::timestamptz AS opened_at,
                X.id AS entry_id, X.diarienummer, X.registered_at,
                u.name AS registered_by_name,
                count(*) OVER () AS total
         {}
         JOIN users u ON u.id = X.registered_by
         ORDER BY X.registered_at DESC, X.id DESC",
        joined("registry_entries X")
    );
    sqlx::query_as(&sql).fetch_all(db).await
}

/// Registers a case's diarienummer; returns the entry's id. The schema refuses a number
/// another case has (`registry_entries_diarienummer_key`), a second number for the case
/// (`registry_entries_one_per_case`) and a case there is not (`registry_entries_case_exists`).
pub async fn register(
    conn: &mut PgConnection,
    case: &Case,
    diarienummer: &str,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<i64> {
    sqlx::query_scalar(
        "INSERT INTO registry_entries (kind, year, organisation_id, diarienummer, registered_by, registered_at)
         VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
    )
    .bind(case.kind)
    .bind(case.year)
    .bind(case.organisation_id)
    .bind(diarienummer)
    .bind(by)
    .bind(at)
    .fetch_one(conn)
    .await
}

/// Whether a case has this diarienummer already.
pub async fn taken(conn: &mut PgConnection, diarienummer: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM registry_entries WHERE diarienummer = $1)")
        .bind(diarienummer)
        .fetch_one(conn)
        .await
}

/// Takes the next number of `year`'s series and moves the series on, in the caller's
/// transaction (a rollback gives the number back); `None` when the year has no series.
pub async fn take_from_series(conn: &mut PgConnection, year: i32) -> sqlx::Result<Option<String>> {
    let taken: Option<(String, i32, i32)> = sqlx::query_as(
        "UPDATE registry_series SET next = next + 1 WHERE year = $1
         RETURNING prefix, next - 1, digits",
    )
    .bind(year)
    .fetch_optional(conn)
    .await?;
    Ok(taken.map(|(prefix, n, digits)| series_number(&prefix, year, n, digits)))
}

/// A registered entry, locked for a correction.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EntryRow {
    pub id: i64,
    pub kind: CaseKind,
    pub year: i32,
    pub organisation_id: Option<Uuid>,
    pub diarienummer: String,
}

pub async fn entry_for_update(conn: &mut PgConnection, id: i64) -> sqlx::Result<Option<EntryRow>> {
    sqlx::query_as(
        "SELECT id, kind, year, organisation_id, diarienummer FROM registry_entries
         WHERE id = $1 FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(conn)
    .await
}

/// Gives an entry its corrected number (its case stays: `registry_entries_case_kept`).
pub async fn correct(conn: &mut PgConnection, id: i64, diarienummer: &str) -> sqlx::Result<()> {
    sqlx::query("UPDATE registry_entries SET diarienummer = $2 WHERE id = $1")
        .bind(id)
        .bind(diarienummer)
        .execute(conn)
        .await?;
    Ok(())
}

/// A year's series as it stands, and who set it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SeriesRow {
    pub year: i32,
    pub prefix: String,
    pub next: i32,
    pub digits: i32,
    pub set_by_name: String,
    pub set_at: DateTime<Utc>,
}

impl SeriesRow {
    /// The number the series gives next.
    pub fn next_number(&self) -> String {
        series_number(&self.prefix, self.year, self.next, self.digits)
    }
}

/// Every year's series, the latest year first.
pub async fn series(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Vec<SeriesRow>> {
    sqlx::query_as(
        "SELECT s.year, s.prefix, s.next, s.digits, u.name AS set_by_name, s.set_at
         FROM registry_series s JOIN users u ON u.id = s.set_by
         ORDER BY s.year DESC",
    )
    .fetch_all(db)
    .await
}

/// Sets a year's series; returns what it was, if it was set.
pub async fn set_series(
    conn: &mut PgConnection,
    series: &Series,
    by: Uuid,
    at: DateTime<Utc>,
) -> sqlx::Result<Option<Series>> {
    let before: Option<(String, i32, i32)> = sqlx::query_as(
        "SELECT prefix, next, digits FROM registry_series WHERE year = $1 FOR UPDATE",
    )
    .bind(series.year)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO registry_series (year, prefix, next, digits, set_by, set_at)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (year) DO UPDATE
         SET prefix = EXCLUDED.prefix, next = EXCLUDED.next, digits = EXCLUDED.digits,
             set_by = EXCLUDED.set_by, set_at = EXCLUDED.set_at",
    )
    .bind(series.year)
    .bind(&series.prefix)
    .bind(series.next)
    .bind(series.digits)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(before.map(|(prefix, next, digits)| Series {
        year: series.year,
        prefix,
        next,
        digits,
    }))
}
