//! The programme's tables: periods, actors, years, organisations.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{BudgetState, Deadlines, ExtendedDeadline, standard_deadlines};

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Period {
    pub id: Uuid,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    pub title: String,
    pub ministry: String,
    pub first_year: i32,
    pub last_year: i32,
    /// Made by the demo for a year outside the real programme: fictitious test data.
    pub demo: bool,
    /// The registration number of Tillväxtverket's own assignment, entered by an
    /// administrator (the sources don't give it).
    pub agency_assignment: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Organisation {
    pub id: Uuid,
    pub name: String,
    pub org_number: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Actor {
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub org_number: Option<String>,
}

#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct ProgrammeYear {
    pub year: i32,
    pub period_id: Uuid,
    pub cap_per_actor: Decimal,
    pub budget_state: BudgetState,
    pub requisition_deadline: NaiveDate,
    pub report_deadline: NaiveDate,
    pub repayment_deadline: NaiveDate,
    pub agency_requisition_deadline: NaiveDate,
    pub agency_repayment_deadline: NaiveDate,
    pub summary_deadline: NaiveDate,
    /// The regional deadlines are not in the year's decision (2018–2020): assumed until an
    /// administrator confirms them by saving the year.
    pub deadlines_assumed: bool,
}

impl ProgrammeYear {
    pub fn deadlines(&self) -> Deadlines {
        Deadlines {
            requisition: self.requisition_deadline,
            report: self.report_deadline,
            repayment: self.repayment_deadline,
            agency_requisition: self.agency_requisition_deadline,
            agency_repayment: self.agency_repayment_deadline,
            summary: self.summary_deadline,
        }
    }
}

pub async fn periods(db: &PgPool) -> sqlx::Result<Vec<Period>> {
    sqlx::query_as("SELECT * FROM periods ORDER BY first_year")
        .fetch_all(db)
        .await
}

pub async fn period(db: impl sqlx::PgExecutor<'_>, id: Uuid) -> sqlx::Result<Option<Period>> {
    sqlx::query_as("SELECT * FROM periods WHERE id = $1")
        .bind(id)
        .fetch_optional(db)
        .await
}

pub async fn years(db: &PgPool) -> sqlx::Result<Vec<ProgrammeYear>> {
    sqlx::query_as("SELECT * FROM programme_years ORDER BY year")
        .fetch_all(db)
        .await
}

pub async fn year(db: impl sqlx::PgExecutor<'_>, year: i32) -> sqlx::Result<Option<ProgrammeYear>> {
    sqlx::query_as("SELECT * FROM programme_years WHERE year = $1")
        .bind(year)
        .fetch_optional(db)
        .await
}

/// The programme year a page shows (see `model::chosen_year`), with every year for the picker.
pub async fn chosen_year(
    db: &PgPool,
    asked: Option<&str>,
    today: chrono::NaiveDate,
) -> crate::error::Result<Option<(ProgrammeYear, Vec<i32>)>> {
    let all = years(db).await?;
    let list: Vec<i32> = all.iter().map(|y| y.year).collect();
    let wanted = super::model::chosen_year(asked, &list, today)
        .map_err(crate::error::AppError::BadRequest)?;
    Ok(all
        .into_iter()
        .find(|y| Some(y.year) == wanted)
        .map(|y| (y, list)))
}

pub async fn actors_of_period(db: &PgPool, period_id: Uuid) -> sqlx::Result<Vec<Actor>> {
    sqlx::query_as(
        "SELECT a.organisation_id, a.actor_name, o.org_number
         FROM period_actors a JOIN organisations o ON o.id = a.organisation_id
         WHERE a.period_id = $1 ORDER BY a.actor_name",
    )
    .bind(period_id)
    .fetch_all(db)
    .await
}

/// The actors of a programme year, limited to one organisation when `only` is set.
pub async fn actors_of_year(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    only: Option<Uuid>,
) -> sqlx::Result<Vec<Actor>> {
    sqlx::query_as(
        "SELECT a.organisation_id, a.actor_name, o.org_number
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         JOIN organisations o ON o.id = a.organisation_id
         WHERE y.year = $1 AND ($2::uuid IS NULL OR a.organisation_id = $2)
         ORDER BY a.actor_name",
    )
    .bind(year)
    .bind(only)
    .fetch_all(db)
    .await
}

pub async fn organisations(db: &PgPool) -> sqlx::Result<Vec<Organisation>> {
    sqlx::query_as("SELECT id, name, org_number FROM organisations ORDER BY name")
        .fetch_all(db)
        .await
}

/// Creates the years `from..=to` of a period that don't exist yet, with the standard
/// deadlines, the standard cap and a budget still to be decided.
pub async fn add_missing_years(
    conn: &mut PgConnection,
    period_id: Uuid,
    from: i32,
    to: i32,
) -> sqlx::Result<()> {
    for y in from..=to {
        let d = standard_deadlines(y);
        sqlx::query(
            "INSERT INTO programme_years (year, period_id, cap_per_actor, budget_state, requisition_deadline,
                 report_deadline, repayment_deadline, agency_requisition_deadline, agency_repayment_deadline,
                 summary_deadline)
             VALUES ($1, $2, 1000000, $9, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (year) DO NOTHING",
        )
        .bind(y)
        .bind(period_id)
        .bind(d.requisition)
        .bind(d.report)
        .bind(d.repayment)
        .bind(d.agency_requisition)
        .bind(d.agency_repayment)
        .bind(d.summary)
        .bind(BudgetState::Pending)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Saves a new period as typed; its constraints (`period_constraint_error`) say what clashes.
pub async fn insert_period(
    conn: &mut PgConnection,
    id: Uuid,
    p: &super::form::ValidPeriod,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO periods (id, decision_number, decision_date, title, ministry, first_year, last_year, agency_assignment)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(&p.decision_number)
    .bind(p.decision_date)
    .bind(&p.title)
    .bind(&p.ministry)
    .bind(p.first_year)
    .bind(p.last_year)
    .bind(&p.agency_assignment)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn update_period(
    conn: &mut PgConnection,
    id: Uuid,
    p: &super::form::ValidPeriod,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE periods SET decision_number = $2, decision_date = $3, title = $4, ministry = $5,
             first_year = $6, last_year = $7, agency_assignment = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(&p.decision_number)
    .bind(p.decision_date)
    .bind(&p.title)
    .bind(&p.ministry)
    .bind(p.first_year)
    .bind(p.last_year)
    .bind(&p.agency_assignment)
    .execute(conn)
    .await?;
    Ok(())
}

/// Makes an organisation an actor of the period; `false` if it already is one.
pub async fn add_actor(
    conn: &mut PgConnection,
    period_id: Uuid,
    organisation_id: Uuid,
    actor_name: &str,
) -> sqlx::Result<bool> {
    let inserted = sqlx::query(
        "INSERT INTO period_actors (period_id, organisation_id, actor_name) VALUES ($1, $2, $3)
         ON CONFLICT DO NOTHING",
    )
    .bind(period_id)
    .bind(organisation_id)
    .bind(actor_name)
    .execute(conn)
    .await?;
    Ok(inserted.rows_affected() > 0)
}

/// Removes an actor from the period, returning its name; `None` if it was none. An actor
/// with requisitions in the period stays (`requisitions_actor_of_year`).
pub async fn remove_actor(
    conn: &mut PgConnection,
    period_id: Uuid,
    organisation_id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "DELETE FROM period_actors WHERE period_id = $1 AND organisation_id = $2 RETURNING actor_name",
    )
    .bind(period_id)
    .bind(organisation_id)
    .fetch_optional(conn)
    .await
}

/// Sets a year's cap, budget state and deadlines (no longer assumed), returning the year.
pub async fn update_year(
    conn: &mut PgConnection,
    year: i32,
    cap: Decimal,
    budget: BudgetState,
    d: &Deadlines,
) -> sqlx::Result<ProgrammeYear> {
    sqlx::query_as(
        "UPDATE programme_years SET cap_per_actor = $2, budget_state = $3, requisition_deadline = $4,
             report_deadline = $5, repayment_deadline = $6, agency_requisition_deadline = $7,
             agency_repayment_deadline = $8, summary_deadline = $9, deadlines_assumed = false
         WHERE year = $1 RETURNING *",
    )
    .bind(year)
    .bind(cap)
    .bind(budget)
    .bind(d.requisition)
    .bind(d.report)
    .bind(d.repayment)
    .bind(d.agency_requisition)
    .bind(d.agency_repayment)
    .bind(d.summary)
    .fetch_one(conn)
    .await
}

pub async fn insert_organisation(
    conn: &mut PgConnection,
    id: Uuid,
    name: &str,
    org_number: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO organisations (id, name, org_number) VALUES ($1, $2, $3)")
        .bind(id)
        .bind(name)
        .bind(org_number)
        .execute(conn)
        .await?;
    Ok(())
}

/// An actor's three deadlines of a year, each the later of the year's own and the extension
/// granted to the actor (the schema's `actor_deadlines`: the rule is written there once).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActorDeadlines {
    pub organisation_id: Uuid,
    pub requisition_due: NaiveDate,
    pub requisition_extended_to: Option<NaiveDate>,
    pub report_due: NaiveDate,
    pub report_extended_to: Option<NaiveDate>,
    pub repayment_due: NaiveDate,
    pub repayment_extended_to: Option<NaiveDate>,
}

impl ActorDeadlines {
    /// The day that counts for `which`.
    pub fn due(&self, which: ExtendedDeadline) -> NaiveDate {
        match which {
            ExtendedDeadline::Requisition => self.requisition_due,
            ExtendedDeadline::Report => self.report_due,
            ExtendedDeadline::Repayment => self.repayment_due,
        }
    }
}

const SELECT_DEADLINES: &str = "
    SELECT organisation_id, requisition_due, requisition_extended_to, report_due,
           report_extended_to, repayment_due, repayment_extended_to
    FROM actor_deadlines";

/// One actor's deadlines of a year; `None` when it is not an actor of the year.
pub async fn actor_deadlines(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Option<ActorDeadlines>> {
    sqlx::query_as(&format!(
        "{SELECT_DEADLINES} WHERE year = $1 AND organisation_id = $2"
    ))
    .bind(year)
    .bind(organisation)
    .fetch_optional(db)
    .await
}

/// Every actor's deadlines of a year.
pub async fn deadlines_of_actors(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
) -> sqlx::Result<Vec<ActorDeadlines>> {
    sqlx::query_as(&format!("{SELECT_DEADLINES} WHERE year = $1"))
        .bind(year)
        .fetch_all(db)
        .await
}
