//! Earlier years: uploads, resolving a row's actor, loading all rows at once, and reading
//! an imported year for the overview and the summary.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{COLUMNS, Problem, Row, YearCap};

/// Who an imported row is about, and whether it may be loaded.
pub struct Resolved {
    pub row: Row,
    pub organisation_id: Uuid,
    pub actor_name: String,
}

/// Finds each row's actor among the year's actors (by organisation number, else by the
/// actor's or the organisation's name) and checks the year has no live case and no earlier
/// import for it. Every problem is named by row and column.
pub async fn resolve(
    conn: &mut PgConnection,
    rows: Vec<Row>,
) -> sqlx::Result<Result<Vec<Resolved>, Vec<Problem>>> {
    let mut resolved = Vec::new();
    let mut problems = Vec::new();
    for row in rows {
        let found: Option<(Uuid, String)> = sqlx::query_as(
            "SELECT a.organisation_id, a.actor_name
             FROM programme_years y
             JOIN period_actors a ON a.period_id = y.period_id
             JOIN organisations o ON o.id = a.organisation_id
             WHERE y.year = $1
               AND (o.org_number = $2 OR ($2 IS NULL AND (lower(a.actor_name) = lower($3)
                                                        OR lower(o.name) = lower($3))))",
        )
        .bind(row.year)
        .bind(&row.org_number)
        .bind(&row.actor)
        .fetch_optional(&mut *conn)
        .await?;
        let year_exists: bool =
            sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM programme_years WHERE year = $1)")
                .bind(row.year)
                .fetch_one(&mut *conn)
                .await?;
        let Some((organisation_id, actor_name)) = found else {
            problems.push(if year_exists {
                Problem::new(
                    row.line,
                    if row.org_number.is_some() {
                        COLUMNS[2]
                    } else {
                        COLUMNS[1]
                    },
                    format!("Aktören finns inte bland aktörerna {}.", row.year),
                )
            } else {
                Problem::new(
                    row.line,
                    COLUMNS[0],
                    format!("{} är inte ett programår i Digikoord.", row.year),
                )
            });
            continue;
        };
        let (live, imported): (bool, bool) = sqlx::query_as(
            "SELECT EXISTS (SELECT 1 FROM requisitions WHERE year = $1 AND organisation_id = $2),
                    EXISTS (SELECT 1 FROM imported_actor_years WHERE year = $1 AND organisation_id = $2)",
        )
        .bind(row.year)
        .bind(organisation_id)
        .fetch_one(&mut *conn)
        .await?;
        if live {
            problems.push(Problem::new(
                row.line,
                COLUMNS[1],
                format!(
                    "{actor_name} har en rekvisition för {} i Digikoord; året kan inte läsas in för aktören.",
                    row.year
                ),
            ));
        } else if imported {
            problems.push(Problem::new(
                row.line,
                COLUMNS[1],
                format!("{actor_name} {} är redan inläst.", row.year),
            ));
        } else {
            resolved.push(Resolved {
                row,
                organisation_id,
                actor_name,
            });
        }
    }
    Ok(if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(problems)
    })
}

/// Each of `years`' cap per actor, its number of actors and what Digikoord already holds
/// as paid out for it (live payouts not sent back, and earlier imports): what the rows are
/// checked against (`model::within_caps`), as the schema checks each row.
pub async fn year_caps(conn: &mut PgConnection, years: &[i32]) -> sqlx::Result<Vec<YearCap>> {
    let found: Vec<(i32, Decimal, i64, Decimal)> = sqlx::query_as(
        "SELECT y.year, y.cap_per_actor,
                (SELECT count(*) FROM period_actors a WHERE a.period_id = y.period_id),
                (SELECT COALESCE(sum(p.amount), 0) FROM live_payouts p
                 JOIN requisitions r ON r.id = p.requisition_id WHERE r.year = y.year)
                + (SELECT COALESCE(sum(i.paid_out), 0) FROM imported_actor_years i
                   WHERE i.year = y.year)
         FROM programme_years y WHERE y.year = ANY($1)",
    )
    .bind(years)
    .fetch_all(conn)
    .await?;
    Ok(found
        .into_iter()
        .map(|(year, cap_per_actor, actors, already_paid)| YearCap {
            year,
            cap_per_actor,
            actors,
            already_paid,
        })
        .collect())
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Upload {
    pub id: Uuid,
    pub filename: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub row_count: i32,
    pub uploaded_by_name: String,
    pub uploaded_at: DateTime<Utc>,
    pub loaded_at: Option<DateTime<Utc>>,
}

const SELECT_UPLOAD: &str = "
    SELECT h.id, h.filename, h.sha256, h.bytes, h.row_count, u.name AS uploaded_by_name,
           h.uploaded_at, h.loaded_at
    FROM history_uploads h JOIN users u ON u.id = h.uploaded_by";

pub async fn upload(db: &PgPool, id: Uuid) -> sqlx::Result<Option<Upload>> {
    sqlx::query_as(&format!("{SELECT_UPLOAD} WHERE h.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn uploads(db: &PgPool) -> sqlx::Result<Vec<Upload>> {
    sqlx::query_as(&format!(
        "{SELECT_UPLOAD} ORDER BY h.uploaded_at DESC LIMIT 50"
    ))
    .fetch_all(db)
    .await
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_upload(
    conn: &mut PgConnection,
    id: Uuid,
    filename: &str,
    sha256: &str,
    bytes: &[u8],
    row_count: usize,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO history_uploads (id, filename, sha256, bytes, row_count, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(filename)
    .bind(sha256)
    .bind(bytes)
    .bind(i32::try_from(row_count).unwrap_or(i32::MAX))
    .bind(by)
    .execute(conn)
    .await
    .map(|_| ())
}

/// One load at a time: two uploads of the same actor-year loaded at once would otherwise
/// both find it free. Held to the end of the transaction.
pub async fn lock_loading(conn: &mut PgConnection) -> sqlx::Result<()> {
    sqlx::query("SELECT pg_advisory_xact_lock(hashtext('digikoord history load'))")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Marks the upload loaded, if it was not; `false` if someone else loaded it first.
pub async fn mark_loaded(conn: &mut PgConnection, id: Uuid, by: Uuid) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE history_uploads SET loaded_at = now(), loaded_by = $2
         WHERE id = $1 AND loaded_at IS NULL",
    )
    .bind(id)
    .bind(by)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn insert_row(conn: &mut PgConnection, upload: Uuid, r: &Resolved) -> sqlx::Result<()> {
    let row = &r.row;
    sqlx::query(
        "INSERT INTO imported_actor_years (year, organisation_id, upload_id, requisitioned, paid_out,
             paid_on, used, unused, repaid, repaid_on, report_approved_on)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(row.year)
    .bind(r.organisation_id)
    .bind(upload)
    .bind(row.requisitioned)
    .bind(row.paid_out)
    .bind(row.paid_on)
    .bind(row.used)
    .bind(row.unused)
    .bind(row.repaid)
    .bind(row.repaid_on)
    .bind(row.report_approved_on)
    .execute(conn)
    .await
    .map(|_| ())
}

/// An imported actor-year, as the overview and the summary read it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Imported {
    pub organisation_id: Uuid,
    pub requisitioned: Decimal,
    pub paid_out: Option<Decimal>,
    pub paid_on: Option<NaiveDate>,
    pub used: Option<Decimal>,
    pub unused: Option<Decimal>,
    pub repaid: Option<Decimal>,
    pub repaid_on: Option<NaiveDate>,
    pub report_approved_on: Option<NaiveDate>,
}

pub async fn imported(db: impl sqlx::PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<Imported>> {
    sqlx::query_as(
        "SELECT organisation_id, requisitioned, paid_out, paid_on, used, unused, repaid, repaid_on,
                report_approved_on
         FROM imported_actor_years WHERE year = $1",
    )
    .bind(year)
    .fetch_all(db)
    .await
}

/// The template's prefilled rows: every actor of every year before `before`, with its
/// organisation number. (year, actor, organisation number)
pub async fn template_rows(
    db: &PgPool,
    before: i32,
) -> sqlx::Result<Vec<(i32, String, Option<String>)>> {
    sqlx::query_as(
        "SELECT y.year, a.actor_name, o.org_number
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         JOIN organisations o ON o.id = a.organisation_id
         JOIN periods p ON p.id = y.period_id
         WHERE y.year < $1 AND NOT p.demo
         ORDER BY y.year, a.actor_name",
    )
    .bind(before)
    .fetch_all(db)
    .await
}
