//! Reading and writing reports, their activities, attachments and messages.
//! Reads take the user's scope: a coordinator only ever finds their own organisation's.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{ActivityKind, Completeness, Costs, ReportState, SelfAssessment, is_late};
use crate::auth::Scope;

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Report {
    pub id: Uuid,
    pub year: i32,
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub payout_id: Uuid,
    pub version: i32,
    pub current: bool,
    pub state: ReportState,
    pub task_1: String,
    pub task_2: String,
    pub task_3: String,
    pub task_4: String,
    pub task_5: String,
    pub needs_and_challenges: String,
    pub results_and_effects: String,
    pub self_assessment: Option<SelfAssessment>,
    pub self_assessment_motivation: String,
    pub received: Decimal,
    pub cost_personnel: Decimal,
    pub cost_services: Decimal,
    pub cost_travel: Decimal,
    pub cost_other: Decimal,
    pub used: Decimal,
    pub unused: Decimal,
    pub co_financing: Option<Decimal>,
    pub finances_saved: bool,
    pub state_note: Option<String>,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub approved_by_name: Option<String>,
    pub report_deadline: NaiveDate,
    pub activity_count: i64,
}

impl Report {
    pub fn tasks(&self) -> [&str; 5] {
        [
            &self.task_1,
            &self.task_2,
            &self.task_3,
            &self.task_4,
            &self.task_5,
        ]
    }

    pub fn costs(&self) -> Costs {
        Costs {
            personnel: self.cost_personnel,
            services: self.cost_services,
            travel: self.cost_travel,
            other: self.cost_other,
        }
    }

    pub fn completeness(&self) -> Completeness<'_> {
        Completeness {
            tasks: self.tasks(),
            activities: usize::try_from(self.activity_count).unwrap_or(0),
            needs_and_challenges: &self.needs_and_challenges,
            results_and_effects: &self.results_and_effects,
            self_assessment: self.self_assessment,
            self_assessment_motivation: &self.self_assessment_motivation,
            finances_saved: self.finances_saved,
        }
    }

    pub fn first_submitted_on(&self) -> Option<NaiveDate> {
        self.first_submitted_at.map(crate::clock::swedish_date)
    }

    pub fn is_late(&self) -> bool {
        is_late(self.first_submitted_on(), self.report_deadline)
    }

    pub fn editable(&self) -> bool {
        self.current && self.state.editable()
    }
}

const SELECT: &str = "
    SELECT r.*, a.actor_name, y.report_deadline, u.name AS approved_by_name,
           (SELECT count(*) FROM report_activities x WHERE x.report_id = r.id) AS activity_count
    FROM reports r
    JOIN programme_years y ON y.year = r.year
    JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = r.organisation_id
    LEFT JOIN users u ON u.id = r.approved_by";

pub async fn find(
    db: impl sqlx::PgExecutor<'_>,
    id: Uuid,
    scope: Scope,
) -> sqlx::Result<Option<Report>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE ($1::uuid IS NULL OR r.organisation_id = $1) AND r.id = $2"
    ))
    .bind(scope.organisation())
    .bind(id)
    .fetch_optional(db)
    .await
}

pub async fn current(db: &PgPool, year: i32, organisation: Uuid) -> sqlx::Result<Option<Report>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE r.current AND r.year = $1 AND r.organisation_id = $2"
    ))
    .bind(year)
    .bind(organisation)
    .fetch_optional(db)
    .await
}

/// The year's current reports.
pub async fn list(db: impl sqlx::PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<Report>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE r.current AND r.year = $1 ORDER BY a.actor_name"
    ))
    .bind(year)
    .fetch_all(db)
    .await
}

/// Every version of an actor's report for a year, newest first.
pub async fn versions(db: &PgPool, year: i32, organisation: Uuid) -> sqlx::Result<Vec<Report>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE r.year = $1 AND r.organisation_id = $2 ORDER BY r.version DESC"
    ))
    .bind(year)
    .bind(organisation)
    .fetch_all(db)
    .await
}

/// The paid payout of an actor's year: what a report accounts for.
pub async fn paid_payout(
    db: &PgPool,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Option<(Uuid, Decimal)>> {
    sqlx::query_as(
        "SELECT p.id, p.paid_amount FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
         WHERE p.state = 'paid' AND r.year = $1 AND r.organisation_id = $2",
    )
    .bind(year)
    .bind(organisation)
    .fetch_optional(db)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ActivityRow {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub held: String,
    pub sub_goals: Vec<String>,
    pub kind: ActivityKind,
    pub partners: String,
    pub participants: i32,
}

impl ActivityRow {
    pub fn sub_goal_labels(&self) -> String {
        self.sub_goals
            .iter()
            .map(|g| super::model::sub_goal_label(g))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

pub async fn activities(db: &PgPool, report: Uuid) -> sqlx::Result<Vec<ActivityRow>> {
    sqlx::query_as(
        "SELECT id, title, description, held, sub_goals, kind, partners, participants
         FROM report_activities WHERE report_id = $1 ORDER BY position, id",
    )
    .bind(report)
    .fetch_all(db)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttachmentRow {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i32,
    pub uploaded_at: DateTime<Utc>,
}

impl AttachmentRow {
    /// `2,4 MB`, `830 kB`.
    pub fn size_text(&self) -> String {
        let size = f64::from(self.size);
        if size >= 1024.0 * 1024.0 {
            format!("{:.1} MB", size / (1024.0 * 1024.0)).replace('.', ",")
        } else {
            format!("{} kB", (size / 1024.0).ceil())
        }
    }
}

pub async fn attachments(db: &PgPool, report: Uuid) -> sqlx::Result<Vec<AttachmentRow>> {
    sqlx::query_as(
        "SELECT id, filename, content_type, size, uploaded_at
         FROM report_attachments WHERE report_id = $1 ORDER BY uploaded_at, id",
    )
    .bind(report)
    .fetch_all(db)
    .await
}

/// How many attachments a report has, and their bytes together.
pub async fn attachment_totals(
    conn: &mut sqlx::PgConnection,
    report: Uuid,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT count(*), COALESCE(sum(size), 0)::bigint FROM report_attachments WHERE report_id = $1",
    )
    .bind(report)
    .fetch_one(conn)
    .await
}

pub async fn attachment_bytes(
    db: &PgPool,
    report: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<(String, String, Vec<u8>)>> {
    sqlx::query_as(
        "SELECT filename, content_type, bytes FROM report_attachments WHERE report_id = $1 AND id = $2",
    )
    .bind(report)
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Moves a report between states; `false` when someone else changed it first.
pub async fn transition(
    conn: &mut PgConnection,
    id: Uuid,
    from: &[ReportState],
    to: ReportState,
    note: Option<&str>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET state = $3, state_note = COALESCE($4, state_note), updated_at = now()
         WHERE id = $1 AND current AND state = ANY($2)",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(note)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}
