//! Gathers a programme year in a fixed number of queries, whatever the number of actors.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::kept::{self, Kept};
use super::model::{
    Activity, ActivityStats, ActorYear, ApprovedReport, AssessmentCounts, Coverage, Deadlines,
    Decisions, Figures, MissingReport, Progress, Totals, Unapproved, Year, YearFigures,
    report_label,
};
use crate::{
    programme::db as programme,
    repayments::{
        self,
        model::{PaymentState, RefundState},
    },
    reports::model::{ActivityKind, Costs, ReportState, SUB_GOALS, SelfAssessment},
    requisitions::model::{CaseState, PayoutState, RequisitionState},
};

#[derive(sqlx::FromRow)]
struct ActivityRow {
    report_id: Uuid,
    title: String,
    sub_goals: Vec<String>,
    kind: ActivityKind,
    partners: String,
    participants: i32,
}

/// How much of the approved reports to load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail {
    /// Everything: the texts and activities too (the summary and its exports).
    Full,
    /// Figures, states and dates only (the overview): the texts of 2 000 reports are
    /// megabytes nobody reads there.
    Figures,
}

/// The decisions and report rules of a year (`Decisions::of`).
pub async fn decisions_of(
    db: &mut PgConnection,
    year: &programme::ProgrammeYear,
) -> sqlx::Result<Decisions> {
    let own = programme::period(&mut *db, year.period_id).await?;
    let report = programme::report_period(&mut *db, year).await?;
    let tasks = programme::tasks(&mut *db, year.period_id).await?;
    Ok(match (&own, &report) {
        (Some(own), Some(report)) => Decisions::of(own, report, tasks),
        _ => Decisions::default(),
    })
}

/// `decisions_of` from the programme's cache (`programme::cache`): no query once held.
pub async fn cached_decisions(
    cache: &crate::programme::cache::Cache,
    pool: &PgPool,
    year: &programme::ProgrammeYear,
) -> sqlx::Result<Decisions> {
    let own = cache.period(pool, year.period_id).await?;
    let report = cache.period(pool, year.report_period_id()).await?;
    let tasks = cache.tasks(pool, year.period_id).await?;
    Ok(match (&own, &report) {
        (Some(own), Some(report)) => Decisions::of(own, report, tasks.as_ref().clone()),
        _ => Decisions::default(),
    })
}

/// The year as of one moment, whole: every query runs in one read-only, repeatable-read
/// transaction, so an export never mixes figures from before and after a change.
pub async fn load_year(pool: &PgPool, year: i32) -> sqlx::Result<Option<Year>> {
    load(pool, year, Detail::Full).await
}

/// The year as `load_year` gives it, without the reports' texts and activities.
pub async fn load_year_figures(pool: &PgPool, year: i32) -> sqlx::Result<Option<Year>> {
    load(pool, year, Detail::Figures).await
}

/// The year whole in one snapshot, read as the overview reads a page of it: the programme
/// year and its decisions, every actor's row (`overview_rows`, one query), with `Full` the
/// approved reports' texts and activities (`with_texts`, one query each), and
/// Tillväxtverket's account.
async fn load(pool: &PgPool, year: i32, detail: Detail) -> sqlx::Result<Option<Year>> {
    let mut tx = crate::db::begin_snapshot(pool).await?;
    let Some(programme_year) = programme::year(&mut *tx, year).await? else {
        return Ok(None);
    };
    let decisions = decisions_of(&mut tx, &programme_year).await?;
    let mut actors = overview_rows(&mut tx, year, None, 0).await?;
    if detail == Detail::Full {
        with_texts(&mut tx, &mut actors).await?;
    }
    let account = repayments::db::agency_account(&mut *tx, year).await?;
    tx.commit().await?;
    Ok(Some(year_of(&programme_year, decisions, actors, account)))
}

/// The activities of the reports `ids`, per report in their order, in one query.
async fn activities_of(
    db: &mut PgConnection,
    ids: &[Uuid],
) -> sqlx::Result<HashMap<Uuid, Vec<Activity>>> {
    let rows: Vec<ActivityRow> = sqlx::query_as(
        "SELECT report_id, title, sub_goals, kind, partners, participants
         FROM report_activities WHERE report_id = ANY($1) ORDER BY report_id, position",
    )
    .bind(ids)
    .fetch_all(&mut *db)
    .await?;
    let mut activities: HashMap<Uuid, Vec<Activity>> = HashMap::new();
    for r in rows {
        activities.entry(r.report_id).or_default().push(Activity {
            title: r.title,
            sub_goals: r.sub_goals,
            kind: r.kind,
            partners: r.partners,
            participants: r.participants,
        });
    }
    Ok(activities)
}

/// Which of the year's actors the overview reads in full.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Rows {
    /// One page of the table in the order of the actors' names: `size` rows of page
    /// `page` (from 1; a page past the last is the last).
    Page { page: usize, size: usize },
    /// Every actor (the table filtered or sorted by state, which needs each actor's cases).
    All,
}

/// The overview of a year: the year (its `actors` only the rows asked for, in the order of
/// their names) and what it shows over every actor.
pub struct Overview {
    pub year: Year,
    pub figures: YearFigures,
}

/// The overview of a year in one read-only snapshot, its cost set by the rows shown, not
/// by the number of actors: the programme year and its decisions (from the programme's
/// cache, no query once held), then in the snapshot one aggregate query for
/// the totals, coverage and progress over every actor (`overview_figures`), one query for
/// the rows (`overview_rows`, a page of them by the actors' names) and Tillväxtverket's
/// account.
pub async fn load_overview(
    (cache, kept): (&crate::programme::cache::Cache, &Kept),
    pool: &PgPool,
    year: i32,
    rows: Rows,
) -> sqlx::Result<Option<Overview>> {
    let Some(Opened {
        programme_year,
        decisions,
        mut tx,
        snapshot,
        figures,
    }) = opened((cache, kept), pool, year).await?
    else {
        return Ok(None);
    };
    let (limit, offset) = rows.window(figures.actors);
    let actors = overview_rows(&mut tx, year, limit, offset).await?;
    let account = account_in(kept, &snapshot, &mut tx, year).await?;
    tx.commit().await?;
    Ok(Some(Overview {
        year: year_of(&programme_year, decisions, actors, account),
        figures,
    }))
}

/// What the overview and the summary page begin with (`opened`).
struct Opened {
    programme_year: programme::ProgrammeYear,
    decisions: Decisions,
    /// The read-only, repeatable-read snapshot the rest of the page is read in.
    tx: sqlx::Transaction<'static, sqlx::Postgres>,
    /// How PostgreSQL describes that snapshot: what was computed in it is kept (`Kept`).
    snapshot: String,
    /// The figures over every actor, read in `tx` (or kept from an equal snapshot).
    figures: YearFigures,
}

/// The programme year and its decisions from the programme's cache, then a snapshot
/// opened and the year's figures over every actor read in it (`overview_figures`, unless
/// kept from an equal snapshot); `None` for a year not in the programme.
async fn opened(
    (cache, kept): (&crate::programme::cache::Cache, &Kept),
    pool: &PgPool,
    year: i32,
) -> sqlx::Result<Option<Opened>> {
    let Some(programme_year) = cache.year(pool, year).await? else {
        return Ok(None);
    };
    let decisions = cached_decisions(cache, pool, &programme_year).await?;
    let mut tx = crate::db::begin_snapshot(pool).await?;
    let snapshot = kept::snapshot_of(&mut tx).await?;
    let figures = kept
        .or_compute(
            &snapshot,
            ("figures", Some(year)),
            overview_figures(&mut tx, year),
        )
        .await?;
    Ok(Some(Opened {
        programme_year,
        decisions,
        tx,
        snapshot,
        figures,
    }))
}

/// Tillväxtverket's account of `year` in the snapshot `db` is in, unless kept.
async fn account_in(
    kept: &Kept,
    snapshot: &str,
    db: &mut PgConnection,
    year: i32,
) -> sqlx::Result<repayments::model::AgencyAccount> {
    kept.or_compute(
        snapshot,
        ("account", Some(year)),
        repayments::db::agency_account(&mut *db, year),
    )
    .await
}

impl Rows {
    /// The LIMIT (`None`: all) and OFFSET of these rows of `actors` in the order of their
    /// names; a page past the last is the last.
    fn window(self, actors: usize) -> (Option<i64>, i64) {
        match self {
            Rows::Page { page, size } => {
                let (page, _) = super::model::page_of(page, actors, size);
                (Some(size as i64), ((page - 1) * size) as i64)
            }
            Rows::All => (None, 0),
        }
    }
}

/// The year of `programme_year` with the rows read of its actors.
fn year_of(
    programme_year: &programme::ProgrammeYear,
    decisions: Decisions,
    actors: Vec<ActorYear>,
    account: repayments::model::AgencyAccount,
) -> Year {
    Year {
        year: programme_year.year,
        decision_number: decisions.decision_number.clone(),
        decisions,
        cap_per_actor: programme_year.cap_per_actor,
        deadlines: Deadlines {
            report: programme_year.report_deadline,
            repayment: programme_year.repayment_deadline,
        },
        actors,
        account,
    }
}

/// The summary page of a year (`load_summary`).
pub struct Summary {
    /// The year, its `actors` only the page's rows in the order of their names, each with
    /// its approved report's texts and activities.
    pub year: Year,
    /// What the page shows over every actor: their number, totals, notes.
    pub figures: YearFigures,
    /// The activities of every approved report made in Digikoord; `per_actor` of the
    /// page's rows only.
    pub stats: ActivityStats,
    /// The self-assessments of every approved report made in Digikoord.
    pub counts: AssessmentCounts,
    /// Every actor paid without an approved report, in the order of their names.
    pub missing: Vec<MissingReport>,
    /// Every programme year's figures, oldest first (`trend`), in the same snapshot.
    pub trend: Vec<YearTotals>,
}

/// The summary page of a year in one read-only snapshot, its cost set by the rows shown
/// (as `load_overview`), not by the number of actors: the programme year and its
/// decisions (from the cache), then in the snapshot the figures over every actor in one aggregate query (`overview_figures`),
/// a page of `size` rows by the actors' names (`overview_rows`) with their reports' texts
/// and activities (one query each), the activities and self-assessments of every approved
/// report counted in one aggregate query, the actors paid without an approved report, and
/// Tillväxtverket's account. `page` from 1; a page past the last is the last.
pub async fn load_summary(
    (cache, kept): (&crate::programme::cache::Cache, &Kept),
    pool: &PgPool,
    year: i32,
    page: usize,
    size: usize,
) -> sqlx::Result<Option<Summary>> {
    let Some(Opened {
        programme_year,
        decisions,
        mut tx,
        snapshot,
        figures,
    }) = opened((cache, kept), pool, year).await?
    else {
        return Ok(None);
    };
    let (limit, offset) = Rows::Page { page, size }.window(figures.actors);
    let mut actors = overview_rows(&mut tx, year, limit, offset).await?;
    with_texts(&mut tx, &mut actors).await?;
    let (stats, counts) = kept
        .or_compute(
            &snapshot,
            ("statistics", Some(year)),
            approved_statistics(&mut tx, year),
        )
        .await?;
    let missing = kept
        .or_compute(
            &snapshot,
            ("missing reports", Some(year)),
            missing_reports(&mut tx, year),
        )
        .await?;
    let account = account_in(kept, &snapshot, &mut tx, year).await?;
    let trend = trend_in(kept, &snapshot, &mut tx).await?;
    tx.commit().await?;
    let year = year_of(&programme_year, decisions, actors, account);
    let stats = ActivityStats {
        per_actor: year.activities().per_actor,
        ..stats
    };
    Ok(Some(Summary {
        year,
        figures,
        stats,
        counts,
        missing,
        trend,
    }))
}

/// The texts of an approved report (`with_texts`).
#[derive(sqlx::FromRow)]
struct TextsRow {
    id: Uuid,
    self_assessment_motivation: String,
    needs_and_challenges: String,
    results_and_effects: String,
    task_1: String,
    task_2: String,
    task_3: String,
    task_4: String,
    task_5: String,
}

/// Gives the approved reports of `actors` (rows read for their figures, `overview_rows`)
/// their texts and activities, as `load_year` has them: one query for the texts, one for
/// the activities, none when no row has a report made in Digikoord.
async fn with_texts(db: &mut PgConnection, actors: &mut [ActorYear]) -> sqlx::Result<()> {
    let ids: Vec<Uuid> = actors
        .iter()
        .filter(|a| !a.imported)
        .filter_map(|a| a.approved.as_ref().map(|r| r.report_id))
        .collect();
    if ids.is_empty() {
        return Ok(());
    }
    let texts: Vec<TextsRow> = sqlx::query_as(
        "SELECT id, self_assessment_motivation, needs_and_challenges, results_and_effects,
                task_1, task_2, task_3, task_4, task_5
         FROM reports WHERE id = ANY($1)",
    )
    .bind(&ids)
    .fetch_all(&mut *db)
    .await?;
    let mut texts: HashMap<Uuid, TextsRow> = texts.into_iter().map(|t| (t.id, t)).collect();
    let mut activities = activities_of(&mut *db, &ids).await?;
    for report in actors
        .iter_mut()
        .filter(|a| !a.imported)
        .filter_map(|a| a.approved.as_mut())
    {
        if let Some(t) = texts.remove(&report.report_id) {
            report.self_assessment_motivation = t.self_assessment_motivation;
            report.needs_and_challenges = t.needs_and_challenges;
            report.results_and_effects = t.results_and_effects;
            report.tasks = vec![t.task_1, t.task_2, t.task_3, t.task_4, t.task_5];
        }
        report.activities = activities.remove(&report.report_id).unwrap_or_default();
    }
    Ok(())
}

/// The counts of `approved_statistics`: one row for the year.
#[derive(sqlx::FromRow)]
struct StatisticsRow {
    activities: i64,
    participants: i64,
    /// In the order of the keys bound (`SUB_GOALS`, `ActivityKind::ALL`).
    by_goal: Vec<i64>,
    by_kind: Vec<i64>,
    /// Each activity's list of partners as written, each list once.
    partners: Vec<String>,
    reports: i64,
    assessed_yes: i64,
    assessed_partly: i64,
    assessed_no: i64,
}

/// What every approved report of `year` made in Digikoord says together, in one aggregate
/// query: its activities counted as `Year::activities` counts them (`per_actor` left
/// empty) and its self-assessments as `Year::self_assessments`. The report is an actor's
/// latest approved version; an actor with imported history has none (`ActorYear::
/// with_import`). The partners' lists come once each and are split in Rust
/// (`partners_of`), as the page's own rows are.
async fn approved_statistics(
    db: &mut PgConnection,
    year: i32,
) -> sqlx::Result<(ActivityStats, AssessmentCounts)> {
    let goals: Vec<&str> = SUB_GOALS.iter().map(|(key, _)| *key).collect();
    let kinds: Vec<&str> = ActivityKind::ALL.iter().map(|k| k.key()).collect();
    let r: StatisticsRow = sqlx::query_as(
        "WITH approved AS (
              SELECT DISTINCT ON (x.organisation_id) x.id, x.self_assessment
              FROM programme_years y
              JOIN period_actors a ON a.period_id = y.period_id
              JOIN reports x ON x.year = y.year AND x.organisation_id = a.organisation_id
              WHERE y.year = $1 AND x.state = $2
                AND NOT EXISTS (SELECT 1 FROM imported_actor_years i
                                WHERE i.year = y.year AND i.organisation_id = a.organisation_id)
              ORDER BY x.organisation_id, x.version DESC
         ), acts AS (
              SELECT t.kind::text AS kind, t.sub_goals, t.partners, t.participants
              FROM report_activities t JOIN approved p ON p.id = t.report_id
         )
         SELECT (SELECT count(*) FROM acts) AS activities,
                (SELECT COALESCE(sum(participants), 0) FROM acts)::bigint AS participants,
                ARRAY(SELECT (SELECT count(*) FROM acts WHERE g.goal = ANY(acts.sub_goals))
                      FROM unnest($3::text[]) WITH ORDINALITY AS g(goal, n) ORDER BY g.n)
                     AS by_goal,
                ARRAY(SELECT (SELECT count(*) FROM acts WHERE acts.kind = k.kind)
                      FROM unnest($4::text[]) WITH ORDINALITY AS k(kind, n) ORDER BY k.n)
                     AS by_kind,
                ARRAY(SELECT DISTINCT partners FROM acts WHERE partners <> '') AS partners,
                (SELECT count(*) FROM approved) AS reports,
                (SELECT count(*) FROM approved WHERE self_assessment = $5) AS assessed_yes,
                (SELECT count(*) FROM approved WHERE self_assessment = $6) AS assessed_partly,
                (SELECT count(*) FROM approved WHERE self_assessment = $7) AS assessed_no",
    )
    .bind(year)
    .bind(ReportState::Approved)
    .bind(&goals)
    .bind(&kinds)
    .bind(SelfAssessment::Yes)
    .bind(SelfAssessment::Partly)
    .bind(SelfAssessment::No)
    .fetch_one(&mut *db)
    .await?;
    let n = |v: i64| usize::try_from(v).unwrap_or_default();
    let stats = super::model::counted_activities(
        n(r.activities),
        r.participants,
        &r.by_goal.into_iter().map(n).collect::<Vec<_>>(),
        &r.by_kind.into_iter().map(n).collect::<Vec<_>>(),
        r.partners.iter().map(String::as_str),
    );
    let (reports, yes, partly, no) = (
        n(r.reports),
        n(r.assessed_yes),
        n(r.assessed_partly),
        n(r.assessed_no),
    );
    let counts = AssessmentCounts {
        reports,
        yes,
        partly,
        no,
        // Can't say, or not answered: as `Year::self_assessments` counts them.
        cant_say: reports.saturating_sub(yes + partly + no),
    };
    Ok((stats, counts))
}

/// An actor paid without an approved report (`missing_reports`).
#[derive(sqlx::FromRow)]
struct MissingRow {
    actor_name: String,
    imported: bool,
    imported_approved: bool,
    report_state: Option<ReportState>,
}

/// The actors of `year` paid but without an approved report, in the order of their names,
/// as `Year::missing_reports` finds them in the whole year (imported history in place of
/// cases), each with its report's state as `ActorYear::report_label` names it.
async fn missing_reports(db: &mut PgConnection, year: i32) -> sqlx::Result<Vec<MissingReport>> {
    let rows: Vec<MissingRow> = sqlx::query_as(
        "SELECT a.actor_name, i.organisation_id IS NOT NULL AS imported,
                i.report_approved_on IS NOT NULL AS imported_approved,
                cr.state AS report_state
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         LEFT JOIN requisitions r ON r.year = y.year AND r.organisation_id = a.organisation_id
              AND r.first_submitted_at IS NOT NULL AND r.state <> ALL($2)
         LEFT JOIN live_payouts p ON p.requisition_id = r.id
         LEFT JOIN reports cr ON cr.year = y.year AND cr.organisation_id = a.organisation_id
              AND cr.current
         LEFT JOIN imported_actor_years i
              ON i.year = y.year AND i.organisation_id = a.organisation_id
         WHERE y.year = $1
           AND CASE WHEN i.organisation_id IS NOT NULL
                    THEN i.paid_out IS NOT NULL
                         AND (i.used IS NULL OR i.unused IS NULL OR i.report_approved_on IS NULL)
                    ELSE p.paid_amount IS NOT NULL
                         AND NOT EXISTS (SELECT 1 FROM reports x
                                         WHERE x.year = y.year
                                           AND x.organisation_id = a.organisation_id
                                           AND x.state = $3)
               END
         ORDER BY a.actor_name, a.organisation_id",
    )
    .bind(year)
    .bind(RequisitionState::ENDED.to_vec())
    .bind(ReportState::Approved)
    .fetch_all(&mut *db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| MissingReport {
            actor_name: r.actor_name,
            report_label: report_label(r.imported, r.imported_approved, r.report_state, true),
        })
        .collect())
}

/// The aggregate of `figures_of_years`: one row per programme year.
#[derive(sqlx::FromRow)]
struct FiguresRow {
    year: i32,
    actors: i64,
    cases: i64,
    imported: i64,
    no_data: i64,
    /// Actors with imported history, whatever else they have (`ActorYear::imported`).
    imported_actors: i64,
    /// Actors with an approved report, or imported figures taken as one.
    approved_reports: i64,
    requisitioned: Decimal,
    paid_out: Decimal,
    personnel: Option<Decimal>,
    services: Option<Decimal>,
    travel: Option<Decimal>,
    other: Option<Decimal>,
    used: Option<Decimal>,
    owed: Option<Decimal>,
    repaid: Decimal,
    repaid_unapproved: Decimal,
    outstanding: Option<Decimal>,
    owed_to_regions: Option<Decimal>,
    unapproved_outstanding: Decimal,
    unapproved_owed_to_region: Decimal,
    unapproved_actors: i64,
    unapproved_names: Option<Vec<String>>,
    requisition_submitted: i64,
    paid: i64,
    report_submitted: i64,
    report_approved: i64,
    settled: i64,
}

/// One programme year's figures (`figures_of_years`).
struct FiguresOfYear {
    year: i32,
    figures: YearFigures,
    /// How many of its actors have imported history.
    imported_actors: usize,
}

/// What the overview and the summary page show over every actor of `year`, in one
/// aggregate query (`figures_of_years`): what `YearFigures::of(&load_year(year))` computes
/// in Rust (a test holds the two equal).
pub async fn overview_figures(db: &mut PgConnection, year: i32) -> sqlx::Result<YearFigures> {
    Ok(figures_of_years(&mut *db, Some(year))
        .await?
        .into_iter()
        .next()
        .map(|f| f.figures)
        .unwrap_or_default())
}

/// The figures of one programme year (`Some`) or of every one, oldest first, in one
/// aggregate query grouped by year: the one definition of a year's figures, for the
/// overview, the summary page and the multi-year view. Each actor's figures are taken as
/// `load_year` takes them (imported history in place of cases, `ActorYear::with_import`),
/// then its finance row as `ActorYear::finance_row` and the columns' sums as `Totals::of`:
/// a column no row has a figure in is NULL (`–`), what is left rests on approved reports
/// only, a submitted report's own figures go to the note apart. A year without actors has
/// a row of its own.
async fn figures_of_years(
    db: impl sqlx::PgExecutor<'_>,
    year: Option<i32>,
) -> sqlx::Result<Vec<FiguresOfYear>> {
    // One year's text reads that year by its indexes; every year's has a text of its own,
    // so each keeps the plan made for it (`plan_cache_mode`).
    let of_year = |column: &str| match year {
        Some(_) => format!("{column} = $1"),
        None => "$1::int IS NULL".to_string(),
    };
    let (y_year, of_reports) = (of_year("y.year"), of_year("year"));
    let rows: Vec<FiguresRow> = sqlx::query_as(&format!(
        "WITH base AS (
              SELECT y.year, a.actor_name,
                     r.id IS NOT NULL AS has_case,
                     i.organisation_id IS NOT NULL AS imported,
                     r.amount AS l_requisitioned, p.paid_amount AS l_paid_out,
                     ap.organisation_id IS NOT NULL AS l_approved,
                     ap.cost_personnel, ap.cost_services, ap.cost_travel, ap.cost_other,
                     ap.used AS l_used, ap.unused AS l_unused, ap.approved_at,
                     cr.first_submitted_at AS report_submitted_at,
                     rb.owed AS l_owed, COALESCE(rb.approved, false) AS l_owed_approved,
                     COALESCE(pay.received, 0) AS l_received,
                     COALESCE(ref.refunded, 0) AS l_refunded,
                     i.requisitioned AS i_requisitioned, i.paid_out AS i_paid_out,
                     i.used AS i_used, i.unused AS i_unused, i.repaid AS i_repaid,
                     i.report_approved_on AS i_report_approved_on
              FROM programme_years y
              JOIN period_actors a ON a.period_id = y.period_id
              LEFT JOIN requisitions r ON r.year = y.year AND r.organisation_id = a.organisation_id
                   AND r.first_submitted_at IS NOT NULL AND r.state <> ALL($2)
              LEFT JOIN live_payouts p ON p.requisition_id = r.id
              LEFT JOIN (SELECT DISTINCT ON (year, organisation_id) year, organisation_id,
                                cost_personnel, cost_services, cost_travel, cost_other,
                                used, unused, approved_at
                         FROM reports WHERE {of_reports} AND state = $3
                         ORDER BY year, organisation_id, version DESC) ap
                   ON ap.year = y.year AND ap.organisation_id = a.organisation_id
              LEFT JOIN reports cr ON cr.year = y.year AND cr.organisation_id = a.organisation_id
                   AND cr.current
              LEFT JOIN repayment_owed_per_actor rb
                   ON rb.year = y.year AND rb.organisation_id = a.organisation_id
              LEFT JOIN (SELECT year, organisation_id,
                                sum(received_amount) FILTER (WHERE state = $4) AS received
                         FROM repayment_payments WHERE {of_reports}
                         GROUP BY year, organisation_id) pay
                   ON pay.year = y.year AND pay.organisation_id = a.organisation_id
              LEFT JOIN (SELECT year, organisation_id,
                                sum(amount) FILTER (WHERE state = $5) AS refunded
                         FROM refunds WHERE {of_reports}
                         GROUP BY year, organisation_id) ref
                   ON ref.year = y.year AND ref.organisation_id = a.organisation_id
              LEFT JOIN imported_actor_years i
                   ON i.year = y.year AND i.organisation_id = a.organisation_id
              WHERE {y_year}
         ), actor_year AS (
              SELECT year, actor_name, has_case, imported,
                     CASE WHEN imported THEN i_requisitioned ELSE l_requisitioned END
                          AS requisitioned,
                     CASE WHEN imported THEN i_paid_out ELSE l_paid_out END AS paid_out,
                     CASE WHEN imported THEN i_used IS NOT NULL AND i_unused IS NOT NULL
                                             AND i_report_approved_on IS NOT NULL
                          ELSE l_approved END AS approved,
                     CASE WHEN imported THEN 0 ELSE cost_personnel END AS personnel,
                     CASE WHEN imported THEN 0 ELSE cost_services END AS services,
                     CASE WHEN imported THEN 0 ELSE cost_travel END AS travel,
                     CASE WHEN imported THEN 0 ELSE cost_other END AS other,
                     CASE WHEN imported THEN i_used ELSE l_used END AS used,
                     CASE WHEN imported THEN i_unused ELSE l_unused END AS unused,
                     CASE WHEN imported
                          THEN CASE WHEN i_report_approved_on IS NOT NULL THEN i_unused END
                          ELSE l_owed END AS owed,
                     CASE WHEN imported THEN true ELSE l_owed_approved END AS owed_approved,
                     CASE WHEN imported THEN COALESCE(i_repaid, 0) ELSE l_received END
                          AS received,
                     CASE WHEN imported THEN 0 ELSE l_refunded END AS refunded,
                     has_case OR imported AS requisition_submitted,
                     CASE WHEN imported THEN i_report_approved_on IS NOT NULL
                          ELSE report_submitted_at IS NOT NULL END AS report_submitted,
                     CASE WHEN imported THEN i_report_approved_on IS NOT NULL
                          ELSE approved_at IS NOT NULL END AS report_approved
              FROM base
         ), finance AS (
              SELECT *, received - refunded AS net,
                     NOT approved AND owed IS NOT NULL AND NOT owed_approved AS unapproved
              FROM actor_year
         )
         SELECT y.year,
                count(f.year) AS actors,
                count(*) FILTER (WHERE f.has_case) AS cases,
                count(*) FILTER (WHERE NOT f.has_case AND f.imported) AS imported,
                count(*) FILTER (WHERE NOT f.has_case AND NOT f.imported) AS no_data,
                count(*) FILTER (WHERE f.imported) AS imported_actors,
                count(*) FILTER (WHERE f.approved) AS approved_reports,
                COALESCE(sum(f.requisitioned), 0) AS requisitioned,
                COALESCE(sum(f.paid_out), 0) AS paid_out,
                sum(f.personnel) FILTER (WHERE f.approved) AS personnel,
                sum(f.services) FILTER (WHERE f.approved) AS services,
                sum(f.travel) FILTER (WHERE f.approved) AS travel,
                sum(f.other) FILTER (WHERE f.approved) AS other,
                sum(f.used) FILTER (WHERE f.approved) AS used,
                sum(f.unused) FILTER (WHERE f.approved) AS owed,
                COALESCE(sum(f.net), 0) AS repaid,
                COALESCE(sum(f.net) FILTER (WHERE NOT f.approved), 0) AS repaid_unapproved,
                sum(GREATEST(f.unused - f.net, 0)) FILTER (WHERE f.approved) AS outstanding,
                sum(GREATEST(f.net - f.unused, 0)) FILTER (WHERE f.approved)
                     AS owed_to_regions,
                COALESCE(sum(GREATEST(f.owed - f.net, 0)) FILTER (WHERE f.unapproved), 0)
                     AS unapproved_outstanding,
                COALESCE(sum(GREATEST(f.net - f.owed, 0)) FILTER (WHERE f.unapproved), 0)
                     AS unapproved_owed_to_region,
                count(*) FILTER (WHERE f.unapproved) AS unapproved_actors,
                array_agg(f.actor_name ORDER BY f.actor_name) FILTER (WHERE f.unapproved)
                     AS unapproved_names,
                count(*) FILTER (WHERE f.requisition_submitted) AS requisition_submitted,
                count(*) FILTER (WHERE f.paid_out IS NOT NULL) AS paid,
                count(*) FILTER (WHERE f.report_submitted) AS report_submitted,
                count(*) FILTER (WHERE f.report_approved) AS report_approved,
                count(*) FILTER (WHERE f.owed IS NOT NULL
                                   AND ((f.owed = 0 AND f.received = 0) OR f.net = f.owed))
                     AS settled
         FROM programme_years y
         LEFT JOIN finance f ON f.year = y.year
         WHERE {y_year}
         GROUP BY y.year
         ORDER BY y.year"
    ))
    .bind(year)
    .bind(RequisitionState::ENDED.to_vec())
    .bind(ReportState::Approved)
    .bind(PaymentState::Confirmed)
    .bind(RefundState::Paid)
    .fetch_all(db)
    .await?;
    let n = |v: i64| usize::try_from(v).unwrap_or_default();
    Ok(rows
        .into_iter()
        .map(|r| FiguresOfYear {
            year: r.year,
            imported_actors: n(r.imported_actors),
            figures: YearFigures {
                actors: n(r.actors),
                approved_reports: n(r.approved_reports),
                coverage: Coverage {
                    cases: n(r.cases),
                    imported: n(r.imported),
                    no_data: n(r.no_data),
                },
                totals: Totals {
                    requisitioned: r.requisitioned,
                    paid_out: r.paid_out,
                    personnel: r.personnel,
                    services: r.services,
                    travel: r.travel,
                    other: r.other,
                    used: r.used,
                    owed: r.owed,
                    repaid: r.repaid,
                    repaid_unapproved: r.repaid_unapproved,
                    outstanding: r.outstanding,
                    owed_to_regions: r.owed_to_regions,
                    unapproved: Unapproved {
                        outstanding: r.unapproved_outstanding,
                        owed_to_region: r.unapproved_owed_to_region,
                    },
                    unapproved_actors: n(r.unapproved_actors),
                },
                progress: Progress {
                    requisition_submitted: n(r.requisition_submitted),
                    paid_out: n(r.paid),
                    report_submitted: n(r.report_submitted),
                    report_approved: n(r.report_approved),
                    settled: n(r.settled),
                },
                unapproved_names: r.unapproved_names.unwrap_or_default(),
            },
        })
        .collect())
}

/// One actor's row of the overview, everything `ActorYear` holds but the reports' texts
/// and activities (as `load_year_figures` leaves them out).
#[derive(sqlx::FromRow)]
struct OverviewRow {
    organisation_id: Uuid,
    actor_name: String,
    requisition_deadline: NaiveDate,
    report_deadline: NaiveDate,
    repayment_deadline: NaiveDate,
    requisition_id: Option<Uuid>,
    case_number: Option<String>,
    requisition_state: Option<RequisitionState>,
    payout_state: Option<PayoutState>,
    requisitioned: Option<Decimal>,
    requisition_submitted_at: Option<DateTime<Utc>>,
    payout_id: Option<Uuid>,
    paid_amount: Option<Decimal>,
    paid_date: Option<NaiveDate>,
    report_id: Option<Uuid>,
    report_state: Option<ReportState>,
    report_submitted_at: Option<DateTime<Utc>>,
    approved_id: Option<Uuid>,
    approved_version: Option<i32>,
    cost_personnel: Option<Decimal>,
    cost_services: Option<Decimal>,
    cost_travel: Option<Decimal>,
    cost_other: Option<Decimal>,
    used: Option<Decimal>,
    unused: Option<Decimal>,
    self_assessment: Option<SelfAssessment>,
    approved_at: Option<DateTime<Utc>>,
    owed: Option<Decimal>,
    owed_approved: bool,
    registered: Decimal,
    received: Decimal,
    refunded: Decimal,
    refunding: Decimal,
    unconfirmed: i64,
    opened_on: Option<NaiveDate>,
    imported: bool,
    i_requisitioned: Option<Decimal>,
    i_paid_out: Option<Decimal>,
    i_paid_on: Option<NaiveDate>,
    i_used: Option<Decimal>,
    i_unused: Option<Decimal>,
    i_repaid: Option<Decimal>,
    i_repaid_on: Option<NaiveDate>,
    i_report_approved_on: Option<NaiveDate>,
}

impl OverviewRow {
    /// The actor-year as `load_year_figures` makes it.
    fn actor_year(self) -> ActorYear {
        let local = crate::clock::swedish_date;
        let paid = self.paid_amount.map(|p| (p, self.paid_date));
        let approved = match (self.approved_id, self.used, self.unused) {
            (Some(report_id), Some(used), Some(unused)) => Some(ApprovedReport {
                report_id,
                version: self.approved_version.unwrap_or_default(),
                costs: Costs {
                    personnel: self.cost_personnel.unwrap_or_default(),
                    services: self.cost_services.unwrap_or_default(),
                    travel: self.cost_travel.unwrap_or_default(),
                    other: self.cost_other.unwrap_or_default(),
                },
                used,
                unused,
                self_assessment: self.self_assessment,
                self_assessment_motivation: String::new(),
                needs_and_challenges: String::new(),
                results_and_effects: String::new(),
                tasks: vec![String::new(); 5],
                activities: vec![],
            }),
            _ => None,
        };
        let live = ActorYear {
            organisation_id: self.organisation_id,
            actor_name: self.actor_name,
            requisition_deadline: self.requisition_deadline,
            report_deadline: self.report_deadline,
            repayment_deadline: self.repayment_deadline,
            requisition_id: self.requisition_id,
            case_number: self.case_number,
            requisition_state: self
                .requisition_state
                .map(|s| CaseState::of(s, self.payout_state)),
            requisitioned: self.requisitioned,
            requisition_submitted: self.requisition_submitted_at.map(local),
            payout_id: self.payout_id,
            paid_out: paid.map(|(p, _)| p),
            paid_on: paid.and_then(|(_, d)| d),
            report_id: self.report_id,
            report_state: self.report_state,
            report_submitted: self.report_submitted_at.map(local),
            report_approved: approved.as_ref().and(self.approved_at).map(local),
            approved,
            balance: repayments::model::Balance {
                owed: self.owed,
                approved: self.owed_approved,
                registered: self.registered,
                received: self.received,
                refunded: self.refunded,
                refunding: self.refunding,
                opened_on: self.opened_on,
            },
            unconfirmed_repayments: self.unconfirmed,
            imported: false,
        };
        match (self.imported, self.i_requisitioned) {
            (true, Some(requisitioned)) => live.with_import(&crate::history::db::Imported {
                organisation_id: self.organisation_id,
                requisitioned,
                paid_out: self.i_paid_out,
                paid_on: self.i_paid_on,
                used: self.i_used,
                unused: self.i_unused,
                repaid: self.i_repaid,
                repaid_on: self.i_repaid_on,
                report_approved_on: self.i_report_approved_on,
            }),
            _ => live,
        }
    }
}

/// The overview's rows of `year` in the order of the actors' names, `limit` of them from
/// `offset` (`None`: all), in one query whose every join is by the page's actors: what
/// `load_year_figures` makes of those actors (the deadlines with extensions, a report late
/// only after its funds were paid, the kept requisition and its payout, the current and
/// the latest approved report, the repayment's balance, imported history).
async fn overview_rows(
    db: &mut PgConnection,
    year: i32,
    limit: Option<i64>,
    offset: i64,
) -> sqlx::Result<Vec<ActorYear>> {
    let rows: Vec<OverviewRow> = sqlx::query_as(
        "WITH page AS (
              SELECT a.organisation_id, a.actor_name
              FROM programme_years y
              JOIN period_actors a ON a.period_id = y.period_id
              WHERE y.year = $1
              ORDER BY a.actor_name, a.organisation_id
              LIMIT $2 OFFSET $3
         )
         SELECT pg.organisation_id, pg.actor_name,
                COALESCE(d.requisition_due, y.requisition_deadline) AS requisition_deadline,
                CASE WHEN d.organisation_id IS NULL THEN y.report_deadline
                     ELSE COALESCE(f.report_late_after, d.report_due) END AS report_deadline,
                COALESCE(d.repayment_due, y.repayment_deadline) AS repayment_deadline,
                r.id AS requisition_id, r.case_number, r.state AS requisition_state,
                p.state AS payout_state, r.amount AS requisitioned,
                r.first_submitted_at AS requisition_submitted_at,
                p.id AS payout_id, p.paid_amount, p.paid_date,
                cr.id AS report_id, cr.state AS report_state,
                cr.first_submitted_at AS report_submitted_at,
                ap.id AS approved_id, ap.version AS approved_version,
                ap.cost_personnel, ap.cost_services, ap.cost_travel, ap.cost_other,
                ap.used, ap.unused, ap.self_assessment, ap.approved_at,
                rb.owed, COALESCE(rb.approved, false) AS owed_approved,
                COALESCE(pay.registered, 0) AS registered, COALESCE(pay.received, 0) AS received,
                COALESCE(ref.refunded, 0) AS refunded, COALESCE(ref.refunding, 0) AS refunding,
                COALESCE(pay.unconfirmed, 0) AS unconfirmed,
                opened.opened_on,
                i.organisation_id IS NOT NULL AS imported,
                i.requisitioned AS i_requisitioned, i.paid_out AS i_paid_out,
                i.paid_on AS i_paid_on, i.used AS i_used, i.unused AS i_unused,
                i.repaid AS i_repaid, i.repaid_on AS i_repaid_on,
                i.report_approved_on AS i_report_approved_on
         FROM page pg
         JOIN programme_years y ON y.year = $1
         -- Views read per row of the page (OFFSET 0 keeps them so: flattened, PostgreSQL
         -- computed them for every actor of the year and joined 2 000 rows to 100).
         LEFT JOIN LATERAL (
              SELECT v.organisation_id, v.requisition_due, v.report_due, v.repayment_due
              FROM actor_deadlines v
              WHERE v.year = y.year AND v.organisation_id = pg.organisation_id OFFSET 0) d ON true
         LEFT JOIN requisitioned_funds f
              ON f.year = y.year AND f.organisation_id = pg.organisation_id
         LEFT JOIN requisitions r ON r.year = y.year AND r.organisation_id = pg.organisation_id
              AND r.first_submitted_at IS NOT NULL AND r.state <> ALL($4)
         LEFT JOIN live_payouts p ON p.requisition_id = r.id
         LEFT JOIN reports cr ON cr.year = y.year AND cr.organisation_id = pg.organisation_id
              AND cr.current
         LEFT JOIN LATERAL (
              SELECT x.id, x.version, x.cost_personnel, x.cost_services, x.cost_travel,
                     x.cost_other, x.used, x.unused, x.self_assessment, x.approved_at
              FROM reports x
              WHERE x.year = y.year AND x.organisation_id = pg.organisation_id AND x.state = $5
              ORDER BY x.version DESC LIMIT 1) ap ON true
         LEFT JOIN LATERAL (
              SELECT v.owed, v.approved FROM repayment_owed_per_actor v
              WHERE v.year = y.year AND v.organisation_id = pg.organisation_id OFFSET 0) rb ON true
         LEFT JOIN LATERAL (
              SELECT sum(x.amount) FILTER (WHERE x.state = $6) AS registered,
                     sum(x.received_amount) FILTER (WHERE x.state = $7) AS received,
                     count(*) FILTER (WHERE x.state = $6) AS unconfirmed
              FROM repayment_payments x
              WHERE x.year = y.year AND x.organisation_id = pg.organisation_id) pay ON true
         LEFT JOIN LATERAL (
              SELECT sum(x.amount) FILTER (WHERE x.state = $8) AS refunded,
                     sum(x.amount) FILTER (WHERE x.state = ANY($9)) AS refunding
              FROM refunds x
              WHERE x.year = y.year AND x.organisation_id = pg.organisation_id) ref ON true
         LEFT JOIN LATERAL (
              SELECT (min(x.first_submitted_at) AT TIME ZONE 'Europe/Stockholm')::date
                     AS opened_on
              FROM reports x
              WHERE x.year = y.year AND x.organisation_id = pg.organisation_id) opened ON true
         LEFT JOIN imported_actor_years i
              ON i.year = y.year AND i.organisation_id = pg.organisation_id
         ORDER BY pg.actor_name, pg.organisation_id",
    )
    .bind(year)
    .bind(limit)
    .bind(offset)
    .bind(RequisitionState::ENDED.to_vec())
    .bind(ReportState::Approved)
    .bind(PaymentState::Registered)
    .bind(PaymentState::Confirmed)
    .bind(RefundState::Paid)
    .bind(RefundState::UNDER_WAY.to_vec())
    .fetch_all(&mut *db)
    .await?;
    Ok(rows.into_iter().map(OverviewRow::actor_year).collect())
}

/// One programme year's totals, and how many of its actors there were and were imported.
#[derive(Clone, Debug)]
pub struct YearTotals {
    pub year: i32,
    pub actors: usize,
    pub imported: usize,
    pub totals: Totals,
    /// Where its actors' figures come from: a year with neither cases nor imported history
    /// has no totals to show, only *ingen uppgift i Digikoord*.
    pub coverage: Coverage,
}

impl YearTotals {
    /// The totals, if the year has figures at all.
    pub fn known_totals(&self) -> Option<Totals> {
        self.coverage.has_data().then_some(self.totals)
    }
}

/// Every programme year's totals, oldest first (the multi-year view and the trend): the
/// year's figures as the overview reads them (`figures_of_years`), one aggregate query
/// grouped by year, no actor's row leaves the database. A test holds it to
/// `load_year(..).totals()` year by year.
pub async fn trend(kept: &Kept, pool: &PgPool) -> sqlx::Result<Vec<YearTotals>> {
    let mut tx = crate::db::begin_snapshot(pool).await?;
    let snapshot = kept::snapshot_of(&mut tx).await?;
    let trend = trend_in(kept, &snapshot, &mut tx).await?;
    tx.commit().await?;
    Ok(trend)
}

/// `trend` in the snapshot `db` is in, unless kept.
async fn trend_in(
    kept: &Kept,
    snapshot: &str,
    db: &mut PgConnection,
) -> sqlx::Result<Vec<YearTotals>> {
    kept.or_compute(snapshot, ("trend", None), async {
        Ok(figures_of_years(&mut *db, None)
            .await?
            .into_iter()
            .map(|f| YearTotals {
                year: f.year,
                actors: f.figures.actors,
                imported: f.imported_actors,
                totals: f.figures.totals,
                coverage: f.figures.coverage,
            })
            .collect())
    })
    .await
}

/// What Digikoord knows of one actor's year (a case, imported history, or nothing), and
/// whether the year was run in Digikoord at all (some actor has a case). A case is a
/// requisition filed (submitted) and not withdrawn or refused, as `load_year` keeps it.
pub async fn actor_figures(
    db: &PgPool,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<(Figures, bool)> {
    let (has_case, run_here): (bool, bool) = sqlx::query_as(
        "SELECT EXISTS (SELECT 1 FROM requisitions
                        WHERE year = $1 AND organisation_id = $2
                          AND first_submitted_at IS NOT NULL AND state <> ALL($3)),
                EXISTS (SELECT 1 FROM requisitions
                        WHERE year = $1 AND first_submitted_at IS NOT NULL
                          AND state <> ALL($3))",
    )
    .bind(year)
    .bind(organisation)
    .bind(RequisitionState::ENDED.to_vec())
    .fetch_one(db)
    .await?;
    let imported = crate::history::db::imported(db, year)
        .await?
        .into_iter()
        .find(|i| i.organisation_id == organisation);
    Ok((Figures::of(has_case, imported), run_here))
}

/// Whether a summary of the year has been marked as submitted to the Government.
pub async fn submitted(db: &PgPool, year: i32) -> sqlx::Result<bool> {
    crate::export::db::submitted(db, year, crate::export::Document::Summary).await
}

/// Tillväxtverket's own sections of the year's summary (empty until written).
pub async fn sections(db: &PgPool, year: i32) -> sqlx::Result<super::export::Sections> {
    type Row = (
        String,
        String,
        String,
        Option<NaiveDate>,
        String,
        String,
        String,
        String,
        String,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT analysis, innovation_hubs, digg_views, report_date, case_number,
             summary, assignment, decided_by, presented_by
         FROM summary_sections WHERE year = $1",
    )
    .bind(year)
    .fetch_optional(db)
    .await?;
    Ok(row.map_or_else(
        super::export::Sections::default,
        |(
            analysis,
            innovation_hubs,
            digg_views,
            report_date,
            case_number,
            summary,
            assignment,
            decided_by,
            presented_by,
        )| {
            super::export::Sections {
                analysis,
                innovation_hubs,
                digg_views,
                report_date: report_date
                    .map(|d| d.format("%Y-%m-%d").to_string())
                    .unwrap_or_default(),
                case_number,
                summary,
                assignment,
                decided_by,
                presented_by,
            }
        },
    ))
}

/// Saves Tillväxtverket's sections of the year's summary (`report_date` as typed, parsed).
pub async fn save_sections(
    conn: &mut PgConnection,
    year: i32,
    sections: &super::export::Sections,
    report_date: Option<NaiveDate>,
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO summary_sections (year, analysis, innovation_hubs, digg_views, updated_by,
             report_date, case_number, summary, assignment, decided_by, presented_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         ON CONFLICT (year) DO UPDATE SET analysis = EXCLUDED.analysis,
             innovation_hubs = EXCLUDED.innovation_hubs, digg_views = EXCLUDED.digg_views,
             updated_by = EXCLUDED.updated_by, updated_at = now(),
             report_date = EXCLUDED.report_date, case_number = EXCLUDED.case_number,
             summary = EXCLUDED.summary, assignment = EXCLUDED.assignment,
             decided_by = EXCLUDED.decided_by, presented_by = EXCLUDED.presented_by",
    )
    .bind(year)
    .bind(&sections.analysis)
    .bind(&sections.innovation_hubs)
    .bind(&sections.digg_views)
    .bind(by)
    .bind(report_date)
    .bind(&sections.case_number)
    .bind(&sections.summary)
    .bind(&sections.assignment)
    .bind(&sections.decided_by)
    .bind(&sections.presented_by)
    .execute(conn)
    .await?;
    Ok(())
}
