//! The programme's tables: periods, actors, years, organisations.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{
    BudgetState, Deadlines, ExtendedDeadline, YearDate, moved, standard_deadlines, sunday_rule_text,
};

/// A period: the Government's decision to the actors (`decision_*`, `title`, `ministry`:
/// the offer or assignment, N2018/04129, I2021/00795), Tillväxtverket's own assignment,
/// the report to the Government, and whether a Kammarkollegiet chain exists. Its tasks are
/// in `period_tasks` (`tasks`).
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Period {
    pub id: Uuid,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    /// What the decision to the actors is, in its own heading.
    pub title: String,
    pub ministry: String,
    pub first_year: i32,
    pub last_year: i32,
    /// Made by the demo for a year outside the real programme: fictitious test data.
    pub demo: bool,
    /// The registration number of Tillväxtverket's own assignment, entered by an
    /// administrator (the sources don't give it): shown as missing until then.
    pub agency_assignment: Option<String>,
    pub agency_assignment_date: Option<NaiveDate>,
    pub agency_assignment_ministry: Option<String>,
    /// What Tillväxtverket's assignment is, as the decision says it.
    pub agency_assignment_title: Option<String>,
    /// The report to the Government: to which ministry, under what title, and whether it
    /// covers the digital innovation hubs and DIGG's views.
    pub report_ministry: String,
    pub report_title: String,
    pub report_hubs: bool,
    pub report_digg: bool,
    /// Tillväxtverket requisitions from and settles with Kammarkollegiet (2021–2025).
    pub kammarkollegiet_chain: bool,
    /// The appropriation the costs are charged to, where there is a chain.
    pub appropriation: Option<String>,
    /// At most this much a year from Kammarkollegiet, where there is a chain.
    pub agency_frame: Option<Decimal>,
    /// Söndagsregeln (lag 1930:173): a year's deadline that falls on a weekend, a holiday,
    /// midsommarafton, julafton or nyårsafton counts as the next weekday. On by default.
    pub sunday_rule: bool,
}

impl Period {
    /// What the period's söndagsregeln setting means, in a sentence.
    pub fn sunday_rule_text(&self) -> &'static str {
        sunday_rule_text(self.sunday_rule)
    }

    /// "Regeringsbeslut I2021/00795 den 4 mars 2021 (Infrastrukturdepartementet)".
    pub fn decision_reference(&self) -> String {
        format!(
            "{} den {} ({})",
            self.decision_number,
            crate::dates::format_date(self.decision_date),
            self.ministry
        )
    }

    /// Tillväxtverket's assignment cited as the sources allow: its number or, missing,
    /// "diarienummer saknas"; its date and ministry where known.
    pub fn agency_assignment_reference(&self) -> String {
        let number = self
            .agency_assignment
            .clone()
            .unwrap_or_else(|| "diarienummer saknas".into());
        match (
            self.agency_assignment_date,
            self.agency_assignment_ministry.as_deref(),
        ) {
            (Some(d), Some(m)) => format!("{number} den {} ({m})", crate::dates::format_date(d)),
            (Some(d), None) => format!("{number} den {}", crate::dates::format_date(d)),
            (None, Some(m)) => format!("{number} ({m})"),
            (None, None) => number,
        }
    }
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
    /// Only where the period has a Kammarkollegiet chain.
    pub agency_requisition_deadline: Option<NaiveDate>,
    pub agency_repayment_deadline: Option<NaiveDate>,
    pub summary_deadline: NaiveDate,
    /// The six dates as the decision writes them. The ones above are the dates that count:
    /// these, moved to the next weekday by söndagsregeln where the period applies it (the
    /// schema derives them: migration `sunday_rule`).
    pub requisition_deadline_decided: NaiveDate,
    pub report_deadline_decided: NaiveDate,
    pub repayment_deadline_decided: NaiveDate,
    pub agency_requisition_deadline_decided: Option<NaiveDate>,
    pub agency_repayment_deadline_decided: Option<NaiveDate>,
    pub summary_deadline_decided: NaiveDate,
    /// What each date rests on (the decision that gives it); `None`: assumed until an
    /// administrator confirms it with a reference.
    pub requisition_basis: Option<String>,
    pub report_basis: Option<String>,
    pub repayment_basis: Option<String>,
    pub agency_requisition_basis: Option<String>,
    pub agency_repayment_basis: Option<String>,
    pub summary_basis: Option<String>,
    /// What a decided budget rests on; `None` while decided is an assumption.
    pub budget_basis: Option<String>,
    /// Tillväxtverket's own support work: at most this much (no decision: `None`).
    pub agency_support_cap: Option<Decimal>,
    /// The period whose rules the year's report to the Government follows, when not its own.
    pub report_rules_period: Option<Uuid>,
}

impl ProgrammeYear {
    /// What the date rests on, `None` when assumed.
    pub fn basis(&self, which: YearDate) -> Option<&str> {
        match which {
            YearDate::Requisition => self.requisition_basis.as_deref(),
            YearDate::Report => self.report_basis.as_deref(),
            YearDate::Repayment => self.repayment_basis.as_deref(),
            YearDate::AgencyRequisition => self.agency_requisition_basis.as_deref(),
            YearDate::AgencyRepayment => self.agency_repayment_basis.as_deref(),
            YearDate::Summary => self.summary_basis.as_deref(),
        }
    }

    /// The date of `which` (templates hold references); none without a chain.
    pub fn date_of(&self, which: &YearDate) -> Option<NaiveDate> {
        which.of(&self.deadlines())
    }

    /// What the date of `which` rests on (templates hold references).
    pub fn basis_of(&self, which: &YearDate) -> Option<&str> {
        self.basis(*which)
    }

    /// The date is ours, not a source's: shown *antaget – ej angivet i beslutet*.
    pub fn assumed(&self, which: YearDate) -> bool {
        self.basis(which).is_none()
    }

    pub fn requisition_assumed(&self) -> bool {
        self.assumed(YearDate::Requisition)
    }

    pub fn report_assumed(&self) -> bool {
        self.assumed(YearDate::Report)
    }

    pub fn repayment_assumed(&self) -> bool {
        self.assumed(YearDate::Repayment)
    }

    pub fn summary_assumed(&self) -> bool {
        self.assumed(YearDate::Summary)
    }

    /// Tillväxtverket settles this year with Kammarkollegiet.
    pub fn has_chain(&self) -> bool {
        self.agency_requisition_deadline.is_some()
    }

    /// The Riksdag has decided the year's budget: funds may be requisitioned and paid.
    pub fn budget_decided(&self) -> bool {
        self.budget_state == BudgetState::Decided
    }

    /// The report period's own: `report_rules_period` or the year's own period.
    pub fn report_period_id(&self) -> Uuid {
        self.report_rules_period.unwrap_or(self.period_id)
    }

    /// The dates that count (söndagsregeln applied where the period applies it).
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

    /// The dates as the decision writes them.
    pub fn decided(&self) -> Deadlines {
        Deadlines {
            requisition: self.requisition_deadline_decided,
            report: self.report_deadline_decided,
            repayment: self.repayment_deadline_decided,
            agency_requisition: self.agency_requisition_deadline_decided,
            agency_repayment: self.agency_repayment_deadline_decided,
            summary: self.summary_deadline_decided,
        }
    }

    /// "31 januari 2027 (söndag) → 1 februari 2027" when söndagsregeln moved the date of
    /// `which`; `None` when it counts as decided (templates hold references).
    pub fn moved_of(&self, which: &YearDate) -> Option<String> {
        match (which.of(&self.decided()), which.of(&self.deadlines())) {
            (Some(decided), Some(effective)) => moved(decided, effective),
            _ => None,
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
    years_in(db).await
}

/// Every programme year, read on any connection (inside a transaction too).
pub async fn years_in(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Vec<ProgrammeYear>> {
    sqlx::query_as("SELECT * FROM programme_years ORDER BY year")
        .fetch_all(db)
        .await
}

/// A period's years, in order.
pub async fn years_of_period(
    db: impl sqlx::PgExecutor<'_>,
    period_id: Uuid,
) -> sqlx::Result<Vec<ProgrammeYear>> {
    sqlx::query_as("SELECT * FROM programme_years WHERE period_id = $1 ORDER BY year")
        .bind(period_id)
        .fetch_all(db)
        .await
}

pub async fn year(db: impl sqlx::PgExecutor<'_>, year: i32) -> sqlx::Result<Option<ProgrammeYear>> {
    sqlx::query_as("SELECT * FROM programme_years WHERE year = $1")
        .bind(year)
        .fetch_optional(db)
        .await
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

/// A period's tasks, in order.
pub async fn tasks(db: impl sqlx::PgExecutor<'_>, period_id: Uuid) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar("SELECT task FROM period_tasks WHERE period_id = $1 ORDER BY position")
        .bind(period_id)
        .fetch_all(db)
        .await
}

/// The tasks a report for `year` answers to: its period's.
pub async fn tasks_of_year(db: impl sqlx::PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT t.task FROM programme_years y JOIN period_tasks t ON t.period_id = y.period_id
         WHERE y.year = $1 ORDER BY t.position",
    )
    .bind(year)
    .fetch_all(db)
    .await
}

/// Replaces a period's tasks.
pub async fn set_tasks(
    conn: &mut PgConnection,
    period_id: Uuid,
    tasks: &[String],
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM period_tasks WHERE period_id = $1")
        .bind(period_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO period_tasks (period_id, position, task)
         SELECT $1, position, task FROM unnest($2::text[]) WITH ORDINALITY AS t (task, position)",
    )
    .bind(period_id)
    .bind(tasks)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The rules a year's report to the Government follows: the period it names, or its own.
pub async fn report_period(
    db: impl sqlx::PgExecutor<'_>,
    year: &ProgrammeYear,
) -> sqlx::Result<Option<Period>> {
    period(db, year.report_period_id()).await
}

/// Gives a period's years the Kammarkollegiet dates when it has the chain (the standard
/// ones, assumed) and takes them away when it has none. The decided dates are written; the
/// schema derives the dates that count.
pub async fn match_chain(conn: &mut PgConnection, period_id: Uuid) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE programme_years y SET
             agency_requisition_deadline_decided = CASE WHEN p.kammarkollegiet_chain
                 THEN COALESCE(y.agency_requisition_deadline_decided, make_date(y.year, 12, 1)) END,
             agency_repayment_deadline_decided = CASE WHEN p.kammarkollegiet_chain
                 THEN COALESCE(y.agency_repayment_deadline_decided, make_date(y.year + 1, 3, 15)) END,
             agency_requisition_basis = CASE WHEN p.kammarkollegiet_chain THEN y.agency_requisition_basis END,
             agency_repayment_basis = CASE WHEN p.kammarkollegiet_chain THEN y.agency_repayment_basis END
         FROM periods p WHERE p.id = y.period_id AND p.id = $1",
    )
    .bind(period_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Creates the years `from..=to` of a period that don't exist yet, with the standard
/// deadlines as decided dates (assumed: no basis yet; the schema derives the dates that
/// count), the standard cap and a budget still to be decided.
pub async fn add_missing_years(
    conn: &mut PgConnection,
    period_id: Uuid,
    from: i32,
    to: i32,
) -> sqlx::Result<()> {
    let chain: bool = sqlx::query_scalar("SELECT kammarkollegiet_chain FROM periods WHERE id = $1")
        .bind(period_id)
        .fetch_one(&mut *conn)
        .await?;
    for y in from..=to {
        let d = standard_deadlines(y, chain);
        sqlx::query(
            "INSERT INTO programme_years (year, period_id, cap_per_actor, budget_state,
                 requisition_deadline_decided, report_deadline_decided, repayment_deadline_decided,
                 agency_requisition_deadline_decided, agency_repayment_deadline_decided,
                 summary_deadline_decided)
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

/// Saves a new period as typed, with its tasks; its constraints (`period_constraint_error`)
/// say what clashes.
pub async fn insert_period(
    conn: &mut PgConnection,
    id: Uuid,
    p: &super::form::ValidPeriod,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO periods (id, decision_number, decision_date, title, ministry, first_year, last_year,
             report_ministry, report_title)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(&p.decision_number)
    .bind(p.decision_date)
    .bind(&p.title)
    .bind(&p.ministry)
    .bind(p.first_year)
    .bind(p.last_year)
    .bind(&p.report_ministry)
    .bind(&p.report_title)
    .execute(&mut *conn)
    .await?;
    update_period(conn, id, p).await
}

/// Saves a period as typed, with its tasks.
pub async fn update_period(
    conn: &mut PgConnection,
    id: Uuid,
    p: &super::form::ValidPeriod,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE periods SET decision_number = $2, decision_date = $3, title = $4, ministry = $5,
             first_year = $6, last_year = $7, agency_assignment = $8, agency_assignment_date = $9,
             agency_assignment_ministry = $10, agency_assignment_title = $11, report_ministry = $12,
             report_title = $13, report_hubs = $14, report_digg = $15, kammarkollegiet_chain = $16,
             appropriation = $17, agency_frame = $18, sunday_rule = $19
         WHERE id = $1",
    )
    .bind(id)
    .bind(&p.decision_number)
    .bind(p.decision_date)
    .bind(&p.title)
    .bind(&p.ministry)
    .bind(p.first_year)
    .bind(p.last_year)
    .bind(&p.agency_assignment)
    .bind(p.agency_assignment_date)
    .bind(&p.agency_assignment_ministry)
    .bind(&p.agency_assignment_title)
    .bind(&p.report_ministry)
    .bind(&p.report_title)
    .bind(p.report_hubs)
    .bind(p.report_digg)
    .bind(p.chain.is_some())
    .bind(p.chain.as_ref().map(|c| &c.appropriation))
    .bind(p.chain.as_ref().map(|c| c.frame))
    .bind(p.sunday_rule)
    .execute(&mut *conn)
    .await?;
    set_tasks(conn, id, &p.tasks).await?;
    match_chain(conn, id).await
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

/// Sets a year as typed (`form::ValidYear`): cap, budget state and its basis, each date
/// as decided with its basis (none: assumed; the schema derives the dates that count), the
/// support cap and whose report rules it follows; returning the year.
pub async fn update_year(
    conn: &mut PgConnection,
    year: i32,
    v: &super::form::ValidYear,
) -> sqlx::Result<ProgrammeYear> {
    let d = &v.deadlines;
    sqlx::query_as(
        "UPDATE programme_years SET cap_per_actor = $2, budget_state = $3,
             requisition_deadline_decided = $4, report_deadline_decided = $5,
             repayment_deadline_decided = $6, agency_requisition_deadline_decided = $7,
             agency_repayment_deadline_decided = $8, summary_deadline_decided = $9, requisition_basis = $10,
             report_basis = $11, repayment_basis = $12, agency_requisition_basis = $13,
             agency_repayment_basis = $14, summary_basis = $15, budget_basis = $16,
             agency_support_cap = $17, report_rules_period = $18
         WHERE year = $1 RETURNING *",
    )
    .bind(year)
    .bind(v.cap)
    .bind(v.budget)
    .bind(d.requisition)
    .bind(d.report)
    .bind(d.repayment)
    .bind(d.agency_requisition)
    .bind(d.agency_repayment)
    .bind(d.summary)
    .bind(&v.bases[0])
    .bind(&v.bases[1])
    .bind(&v.bases[2])
    .bind(&v.bases[3])
    .bind(&v.bases[4])
    .bind(&v.bases[5])
    .bind(&v.budget_basis)
    .bind(v.support_cap)
    .bind(v.report_rules_period)
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
