//! Gathers a programme year in a fixed number of queries, whatever the number of actors.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{Activity, ActorYear, ApprovedReport, Deadlines, Decisions, Totals, Year};
use crate::{
    auth::Scope,
    programme::{db as programme, model::ExtendedDeadline},
    repayments,
    reports::{
        self,
        model::{ActivityKind, Costs, SelfAssessment},
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

/// The year as of one moment: every query runs in one read-only, repeatable-read
/// transaction, so an export never mixes figures from before and after a change.
pub async fn load_year(pool: &PgPool, year: i32) -> sqlx::Result<Option<Year>> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let db = &mut *tx;
    let Some(programme_year) = programme::year(&mut *db, year).await? else {
        return Ok(None);
    };
    let period = programme::period(&mut *db, programme_year.period_id).await?;
    let decisions = period
        .map(|p| Decisions {
            number: p.decision_number,
            date: Some(p.decision_date),
            ministry: p.ministry,
            agency_assignment: p.agency_assignment,
        })
        .unwrap_or_default();
    let decision_number = decisions.number.clone();
    let actors = programme::actors_of_year(&mut *db, year, None).await?;
    let extensions: HashMap<(Uuid, ExtendedDeadline), chrono::NaiveDate> =
        requisitions::db::extensions(&mut *db, year)
            .await?
            .into_iter()
            .map(|x| ((x.organisation_id, x.deadline), x.new_deadline))
            .collect();
    let deadline = |org: Uuid, which: ExtendedDeadline| {
        requisitions::model::submission_deadline(
            which.of(&programme_year.deadlines()),
            extensions.get(&(org, which)).copied(),
        )
    };
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
    let approved_rows: Vec<ApprovedRow> = sqlx::query_as(
        "SELECT DISTINCT ON (organisation_id) id, organisation_id, version, cost_personnel, cost_services,
                cost_travel, cost_other, used, unused, self_assessment, self_assessment_motivation,
                needs_and_challenges, results_and_effects, task_1, task_2, task_3, task_4, task_5, approved_at
         FROM reports WHERE year = $1 AND state = 'approved'
         ORDER BY organisation_id, version DESC",
    )
    .bind(year)
    .fetch_all(&mut *db)
    .await?;
    let ids: Vec<Uuid> = approved_rows.iter().map(|r| r.id).collect();
    let mut activities: HashMap<Uuid, Vec<Activity>> = HashMap::new();
    let rows: Vec<ActivityRow> = sqlx::query_as(
        "SELECT report_id, title, sub_goals, kind, partners, participants
         FROM report_activities WHERE report_id = ANY($1) ORDER BY report_id, position",
    )
    .bind(&ids)
    .fetch_all(&mut *db)
    .await?;
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
                report_deadline: deadline(org, ExtendedDeadline::Report),
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

/// Every programme year's totals and how many of its actors were imported, oldest first:
/// the multi-year view and trend.
pub async fn trend(pool: &PgPool) -> sqlx::Result<Vec<(Year, Totals)>> {
    let mut out = Vec::new();
    for y in programme::years(pool).await? {
        if let Some(year) = load_year(pool, y.year).await? {
            let totals = year.totals();
            out.push((year, totals));
        }
    }
    Ok(out)
}

/// Whether a summary of the year has been marked as submitted to the Government.
pub async fn submitted(db: &PgPool, year: i32) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM summary_exports
         WHERE year = $1 AND document = 'summary' AND submitted_at IS NOT NULL)",
    )
    .bind(year)
    .fetch_one(db)
    .await
}
