//! The programme's tables: periods, actors, years, organisations.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{BudgetState, Deadlines, standard_deadlines};

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
             VALUES ($1, $2, 1000000, 'pending', $3, $4, $5, $6, $7, $8)
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
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
