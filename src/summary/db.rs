//! Gathers a programme year in a fixed number of queries, whatever the number of actors.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{
    Activity, ActorYear, ApprovedReport, Coverage, Deadlines, Decisions, Figures, Source, Totals,
    Year,
};
use crate::{
    auth::Scope,
    programme::{db as programme, model::ExtendedDeadline},
    repayments::{
        self,
        model::{PaymentState, RefundState},
    },
    reports::{
        self,
        model::{ActivityKind, Costs, ReportState, SelfAssessment},
    },
    requisitions::{self, model::RequisitionState},
};

#[derive(sqlx::FromRow)]
struct ApprovedRow {
    id: Uuid,
    organisation_id: Uuid,
    version: i32,
    cost_personnel: Decimal,
    cost_services: Decimal,
    cost_travel: Decimal,
    cost_other: Decimal,
    used: Decimal,
    unused: Decimal,
    self_assessment: Option<SelfAssessment>,
    self_assessment_motivation: String,
    needs_and_challenges: String,
    results_and_effects: String,
    task_1: String,
    task_2: String,
    task_3: String,
    task_4: String,
    task_5: String,
    approved_at: Option<DateTime<Utc>>,
}

#[derive(sqlx::FromRow)]
struct ActivityRow {
    report_id: Uuid,
    title: String,
    sub_goals: Vec<String>,
    kind: ActivityKind,
    partners: String,
    participants: i32,
}

/// At most two whole years are loaded and drawn at a time: at 2 000 actors each is many
/// megabytes, and 64 at once would hold them all in memory together. The rest wait their
/// turn (issue 14).
static WHOLE_YEARS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// A turn to load and draw a whole year; hold it until the page or file is made. When it
/// ends, the memory the year took is handed back (`memory::trim`).
pub async fn whole_year_turn() -> Turn {
    // The semaphore is never closed, so there always is a permit.
    Turn {
        _permit: WHOLE_YEARS.acquire().await.ok(),
    }
}

pub struct Turn {
    _permit: Option<tokio::sync::SemaphorePermit<'static>>,
}

impl Drop for Turn {
    fn drop(&mut self) {
        crate::memory::trim();
    }
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

/// The year as of one moment, whole: every query runs in one read-only, repeatable-read
/// transaction, so an export never mixes figures from before and after a change.
pub async fn load_year(pool: &PgPool, year: i32) -> sqlx::Result<Option<Year>> {
    load(pool, year, Detail::Full).await
}

/// The year as `load_year` gives it, without the reports' texts and activities.
pub async fn load_year_figures(pool: &PgPool, year: i32) -> sqlx::Result<Option<Year>> {
    load(pool, year, Detail::Figures).await
}

async fn load(pool: &PgPool, year: i32, detail: Detail) -> sqlx::Result<Option<Year>> {
    let mut tx = pool.begin().await?;
    crate::db::snapshot(&mut tx).await?;
    let db = &mut *tx;
    let Some(programme_year) = programme::year(&mut *db, year).await? else {
        return Ok(None);
    };
    let decisions = decisions_of(&mut *db, &programme_year).await?;
    let decision_number = decisions.decision_number.clone();
    let actors = programme::actors_of_year(&mut *db, year, None).await?;
    let deadlines: HashMap<Uuid, programme::ActorDeadlines> =
        programme::deadlines_of_actors(&mut *db, year)
            .await?
            .into_iter()
            .map(|d| (d.organisation_id, d))
            .collect();
    let deadline = |org: Uuid, which: ExtendedDeadline| {
        deadlines
            .get(&org)
            .map_or(which.of(&programme_year.deadlines()), |d| d.due(which))
    };
    // A report is late only after the day its funds were paid, if that was later.
    let late_after = reports::db::report_deadlines(&mut *db, year).await?;
    let late_after: HashMap<Uuid, NaiveDate> = late_after.into_iter().collect();
    let mut requisitions: HashMap<Uuid, requisitions::db::Requisition> =
        requisitions::db::list(&mut *db, year, Scope::All)
            .await?
            .into_iter()
            .filter(|r| {
                !matches!(
                    r.state,
                    RequisitionState::Withdrawn | RequisitionState::Rejected
                )
            })
            .map(|r| (r.organisation_id, r))
            .collect();
    let mut current: HashMap<Uuid, reports::db::Report> = reports::db::list(&mut *db, year)
        .await?
        .into_iter()
        .map(|r| (r.organisation_id, r))
        .collect();
    let texts = match detail {
        Detail::Full => {
            "self_assessment_motivation, needs_and_challenges, results_and_effects,
             task_1, task_2, task_3, task_4, task_5"
        }
        Detail::Figures => {
            "'' AS self_assessment_motivation, '' AS needs_and_challenges,
             '' AS results_and_effects, '' AS task_1, '' AS task_2, '' AS task_3, '' AS task_4,
             '' AS task_5"
        }
    };
    let approved_rows: Vec<ApprovedRow> = sqlx::query_as(&format!(
        "SELECT DISTINCT ON (organisation_id) id, organisation_id, version, cost_personnel, cost_services,
                cost_travel, cost_other, used, unused, self_assessment, {texts}, approved_at
         FROM reports WHERE year = $1 AND state = $2
         ORDER BY organisation_id, version DESC"
    ))
    .bind(year)
    .bind(ReportState::Approved)
    .fetch_all(&mut *db)
    .await?;
    let ids: Vec<Uuid> = approved_rows.iter().map(|r| r.id).collect();
    let mut activities: HashMap<Uuid, Vec<Activity>> = HashMap::new();
    let rows: Vec<ActivityRow> = match detail {
        Detail::Full => {
            sqlx::query_as(
                "SELECT report_id, title, sub_goals, kind, partners, participants
                 FROM report_activities WHERE report_id = ANY($1) ORDER BY report_id, position",
            )
            .bind(&ids)
            .fetch_all(&mut *db)
            .await?
        }
        Detail::Figures => vec![],
    };
    for r in rows {
        activities.entry(r.report_id).or_default().push(Activity {
            title: r.title,
            sub_goals: r.sub_goals,
            kind: r.kind,
            partners: r.partners,
            participants: r.participants,
        });
    }
    let mut approved: HashMap<Uuid, (ApprovedReport, Option<DateTime<Utc>>)> = approved_rows
        .into_iter()
        .map(|r| {
            let report = ApprovedReport {
                report_id: r.id,
                version: r.version,
                costs: Costs {
                    personnel: r.cost_personnel,
                    services: r.cost_services,
                    travel: r.cost_travel,
                    other: r.cost_other,
                },
                used: r.used,
                unused: r.unused,
                self_assessment: r.self_assessment,
                self_assessment_motivation: r.self_assessment_motivation,
                needs_and_challenges: r.needs_and_challenges,
                results_and_effects: r.results_and_effects,
                tasks: vec![r.task_1, r.task_2, r.task_3, r.task_4, r.task_5],
                activities: activities.remove(&r.id).unwrap_or_default(),
            };
            (r.organisation_id, (report, r.approved_at))
        })
        .collect();
    let mut repayment_rows: HashMap<Uuid, repayments::db::RepaymentRow> =
        repayments::db::rows(&mut *db, year, None)
            .await?
            .into_iter()
            .map(|r| (r.organisation_id, r))
            .collect();
    let imported = crate::history::db::imported(&mut *db, year).await?;
    let local = crate::clock::swedish_date;
    let actors = actors
        .into_iter()
        .map(|a| {
            let org = a.organisation_id;
            let requisition = requisitions.remove(&org);
            let report = current.remove(&org);
            let (approved, approved_at) = approved
                .remove(&org)
                .map_or((None, None), |(r, at)| (Some(r), at));
            let repayment = repayment_rows.remove(&org);
            let paid = requisition
                .as_ref()
                .and_then(|r| r.paid_amount.map(|p| (p, r.paid_date)));
            let live = ActorYear {
                organisation_id: org,
                requisition_deadline: deadline(org, ExtendedDeadline::Requisition),
                report_deadline: late_after
                    .get(&org)
                    .copied()
                    .unwrap_or_else(|| deadline(org, ExtendedDeadline::Report)),
                repayment_deadline: deadline(org, ExtendedDeadline::Repayment),
                actor_name: a.actor_name,
                requisition_id: requisition.as_ref().map(|r| r.id),
                case_number: requisition.as_ref().map(|r| r.case_number.clone()),
                requisition_state: requisition.as_ref().map(|r| r.case_state()),
                requisitioned: requisition.as_ref().and_then(|r| r.amount),
                requisition_submitted: requisition.as_ref().and_then(|r| r.first_submitted_on()),
                payout_id: requisition.as_ref().and_then(|r| r.payout_id),
                paid_out: paid.map(|(p, _)| p),
                paid_on: paid.and_then(|(_, d)| d),
                report_id: report.as_ref().map(|r| r.id),
                report_state: report.as_ref().map(|r| r.state),
                report_submitted: report.as_ref().and_then(|r| r.first_submitted_on()),
                report_approved: approved_at.map(local),
                approved,
                balance: repayment.as_ref().map(|r| r.balance()).unwrap_or_default(),
                unconfirmed_repayments: repayment.map_or(0, |r| r.unconfirmed),
                imported: false,
            };
            match imported.iter().find(|i| i.organisation_id == org) {
                Some(i) => live.with_import(i),
                None => live,
            }
        })
        .collect();
    let account = repayments::db::agency_account(&mut *db, year).await?;
    tx.commit().await?;
    Ok(Some(Year {
        year,
        decision_number,
        decisions,
        cap_per_actor: programme_year.cap_per_actor,
        deadlines: Deadlines {
            report: programme_year.report_deadline,
            repayment: programme_year.repayment_deadline,
        },
        actors,
        account,
    }))
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

/// The money of one actor in one year: what `totals` needs, no texts.
#[derive(sqlx::FromRow)]
struct MoneyRow {
    year: i32,
    organisation_id: Uuid,
    requisitioned: Option<Decimal>,
    paid_out: Option<Decimal>,
    cost_personnel: Option<Decimal>,
    cost_services: Option<Decimal>,
    cost_travel: Option<Decimal>,
    cost_other: Option<Decimal>,
    used: Option<Decimal>,
    unused: Option<Decimal>,
    owed: Option<Decimal>,
    owed_approved: Option<bool>,
    received: Option<Decimal>,
    refunded: Option<Decimal>,
    refunding: Option<Decimal>,
    /// A requisition filed for the actor-year, as `load_year` keeps one (submitted, not
    /// withdrawn or refused).
    has_case: bool,
    imported: bool,
    i_requisitioned: Option<Decimal>,
    i_paid_out: Option<Decimal>,
    i_paid_on: Option<chrono::NaiveDate>,
    i_used: Option<Decimal>,
    i_unused: Option<Decimal>,
    i_repaid: Option<Decimal>,
    i_repaid_on: Option<chrono::NaiveDate>,
    i_report_approved_on: Option<chrono::NaiveDate>,
}

impl MoneyRow {
    /// The actor-year as `load_year` makes it, as far as money goes, so `model::totals`
    /// adds it up by the very same rules.
    fn actor_year(self) -> ActorYear {
        let live = ActorYear {
            organisation_id: self.organisation_id,
            actor_name: String::new(),
            requisition_deadline: chrono::NaiveDate::MIN,
            report_deadline: chrono::NaiveDate::MIN,
            repayment_deadline: chrono::NaiveDate::MIN,
            requisition_id: None,
            case_number: None,
            requisition_state: None,
            requisitioned: self.requisitioned,
            requisition_submitted: None,
            payout_id: None,
            paid_out: self.paid_out,
            paid_on: None,
            report_id: None,
            report_state: None,
            report_submitted: None,
            report_approved: None,
            approved: self.used.map(|used| {
                let costs = Costs {
                    personnel: self.cost_personnel.unwrap_or_default(),
                    services: self.cost_services.unwrap_or_default(),
                    travel: self.cost_travel.unwrap_or_default(),
                    other: self.cost_other.unwrap_or_default(),
                };
                ApprovedReport::figures_only(costs, used, self.unused.unwrap_or_default())
            }),
            balance: repayments::model::Balance {
                owed: self.owed,
                approved: self.owed_approved.unwrap_or_default(),
                received: self.received.unwrap_or_default(),
                refunded: self.refunded.unwrap_or_default(),
                refunding: self.refunding.unwrap_or_default(),
                ..Default::default()
            },
            unconfirmed_repayments: 0,
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

/// Every programme year's totals, oldest first (the multi-year view and the trend): one
/// query over every year's money, no texts, instead of loading each year whole. A test
/// holds it to `load_year(..).totals()` year by year.
pub async fn trend(pool: &PgPool) -> sqlx::Result<Vec<YearTotals>> {
    let rows: Vec<MoneyRow> = sqlx::query_as(
        "SELECT y.year, a.organisation_id,
                r.amount AS requisitioned, p.paid_amount AS paid_out,
                ap.cost_personnel, ap.cost_services, ap.cost_travel, ap.cost_other,
                ap.used, ap.unused,
                rb.owed, rb.approved AS owed_approved,
                pay.received, ref.refunded, ref.refunding,
                EXISTS (SELECT 1 FROM requisitions c
                        WHERE c.year = y.year AND c.organisation_id = a.organisation_id
                          AND c.first_submitted_at IS NOT NULL
                          AND c.state <> ALL($1)) AS has_case,
                i.organisation_id IS NOT NULL AS imported,
                i.requisitioned AS i_requisitioned, i.paid_out AS i_paid_out,
                i.paid_on AS i_paid_on, i.used AS i_used, i.unused AS i_unused,
                i.repaid AS i_repaid, i.repaid_on AS i_repaid_on,
                i.report_approved_on AS i_report_approved_on
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         LEFT JOIN requisitions r ON r.year = y.year AND r.organisation_id = a.organisation_id
              AND r.first_submitted_at IS NOT NULL AND r.state <> ALL($1)
         LEFT JOIN live_payouts p ON p.requisition_id = r.id
         LEFT JOIN (SELECT DISTINCT ON (year, organisation_id) year, organisation_id,
                           cost_personnel, cost_services, cost_travel, cost_other, used, unused
                    FROM reports WHERE state = $2
                    ORDER BY year, organisation_id, version DESC) ap
              ON ap.year = y.year AND ap.organisation_id = a.organisation_id
         LEFT JOIN repayment_owed_per_actor rb
              ON rb.year = y.year AND rb.organisation_id = a.organisation_id
         LEFT JOIN (SELECT year, organisation_id,
                           sum(received_amount) FILTER (WHERE state = $3) AS received
                    FROM repayment_payments GROUP BY year, organisation_id) pay
              ON pay.year = y.year AND pay.organisation_id = a.organisation_id
         LEFT JOIN (SELECT year, organisation_id,
                           sum(amount) FILTER (WHERE state = $4) AS refunded,
                           sum(amount) FILTER (WHERE state = ANY($5)) AS refunding
                    FROM refunds GROUP BY year, organisation_id) ref
              ON ref.year = y.year AND ref.organisation_id = a.organisation_id
         LEFT JOIN imported_actor_years i ON i.year = y.year AND i.organisation_id = a.organisation_id
         ORDER BY y.year",
    )
    .bind(RequisitionState::ENDED.to_vec())
    .bind(ReportState::Approved)
    .bind(PaymentState::Confirmed)
    .bind(RefundState::Paid)
    .bind(RefundState::UNDER_WAY.to_vec())
    .fetch_all(pool)
    .await?;
    let mut years: Vec<YearTotals> = programme::years(pool)
        .await?
        .into_iter()
        .map(|y| YearTotals {
            year: y.year,
            actors: 0,
            imported: 0,
            totals: Totals::default(),
            coverage: Coverage::default(),
        })
        .collect();
    let mut by_year: HashMap<i32, Vec<ActorYear>> = HashMap::new();
    let mut sources: HashMap<i32, Vec<Source>> = HashMap::new();
    for row in rows {
        sources
            .entry(row.year)
            .or_default()
            .push(Source::of(row.has_case, row.imported));
        by_year.entry(row.year).or_default().push(row.actor_year());
    }
    for y in &mut years {
        let actors = by_year.remove(&y.year).unwrap_or_default();
        y.actors = actors.len();
        y.imported = actors.iter().filter(|a| a.imported).count();
        y.totals = super::model::totals(&actors);
        y.coverage = Coverage::of(sources.remove(&y.year).unwrap_or_default());
    }
    Ok(years)
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
