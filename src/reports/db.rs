//! Reading and writing reports, their activities, attachments and messages.
//! Reads take the user's scope: a coordinator only ever finds their own organisation's.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{
    Action, Activity, ActivityKind, Analysis, Completeness, Costs, Part, ReportState,
    SelfAssessment, is_late,
};
use crate::{
    auth::{Role, Scope},
    signatory::model::Standing,
};

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
    /// Who declared the report right when sending it in, and when (none before 2026-12).
    pub declared_by_name: Option<String>,
    pub declared_at: Option<DateTime<Utc>>,
    pub report_deadline: NaiveDate,
    /// The last day the report is on time: its deadline, or the day the funds were paid
    /// when that was later (`requisitioned_funds`).
    pub late_after: NaiveDate,
    pub activity_count: i64,
    /// The tasks of the year's period, in the decision's words: what the report answers.
    pub period_tasks: Vec<String>,
    /// Who drew it up for the region's signatory, and when: set while it waits for the
    /// signatory and once signed; `None` when the region sent it without one.
    pub prepared_by: Option<Uuid>,
    pub prepared_by_name: Option<String>,
    pub prepared_at: Option<DateTime<Utc>>,
    /// The signatory who confirmed it and sent it in, and when.
    pub signed_by: Option<Uuid>,
    pub signed_by_name: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    /// The signatory's message when they sent it back to the coordinator.
    pub signatory_note: Option<String>,
    /// Tillväxtverket's diarienummer of the case, once the registrar has given it one.
    pub diarienummer: Option<String>,
}

impl Report {
    /// The answers to the tasks of the year's period (at most five).
    pub fn tasks(&self) -> Vec<&str> {
        [
            &self.task_1,
            &self.task_2,
            &self.task_3,
            &self.task_4,
            &self.task_5,
        ]
        .into_iter()
        .take(self.period_tasks.len())
        .map(String::as_str)
        .collect()
    }

    /// "Uppdraget" for a single task, "Uppdragets fem delar" for five.
    pub fn tasks_title(&self) -> String {
        crate::programme::model::tasks_title(self.period_tasks.len())
    }

    /// A part's title in the step bar and on the check page: the tasks are named by the
    /// period's tasks.
    pub fn part_title(&self, part: &Part) -> String {
        match part {
            Part::Tasks => self.tasks_title(),
            other => other.title().to_string(),
        }
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
        is_late(self.first_submitted_on(), self.late_after)
    }

    /// The region writes in it: the current version, a draft or returned, and not while it
    /// waits for the region's signatory.
    pub fn editable(&self) -> bool {
        self.current && self.state.editable() && !self.awaiting_signatory()
    }

    /// Where it stands towards the region's signatory (`signatory::model`).
    pub fn standing(&self) -> Standing {
        Standing::of(
            self.current && self.state.editable(),
            self.prepared_at.is_some(),
            self.signed_at.is_some(),
        )
    }

    /// Prepared for the region's signatory and waiting for their confirmation: locked.
    pub fn awaiting_signatory(&self) -> bool {
        self.standing() == Standing::Awaiting
    }

    /// The signatory's message from sending it back, while the region has it to change.
    pub fn sent_back_note(&self) -> Option<&str> {
        match self.standing() {
            Standing::Open => self.signatory_note.as_deref(),
            Standing::Awaiting | Standing::Closed => None,
        }
    }
}

const SELECT: &str = "
    SELECT r.*, a.actor_name, d.report_due AS report_deadline,
           COALESCE(f.report_late_after, d.report_due) AS late_after,
           u.name AS approved_by_name, du.name AS declared_by_name,
           pu.name AS prepared_by_name, su.name AS signed_by_name,
           (SELECT e.diarienummer FROM registry_entries e
            WHERE e.kind = 'report' AND e.year = r.year
              AND e.organisation_id = r.organisation_id) AS diarienummer,
           (SELECT count(*) FROM report_activities x WHERE x.report_id = r.id) AS activity_count,
           ARRAY(SELECT t.task FROM period_tasks t WHERE t.period_id = y.period_id
                 ORDER BY t.position) AS period_tasks
    FROM reports r
    JOIN programme_years y ON y.year = r.year
    JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = r.organisation_id
    JOIN actor_deadlines d ON d.year = r.year AND d.organisation_id = r.organisation_id
    LEFT JOIN requisitioned_funds f ON f.year = r.year AND f.organisation_id = r.organisation_id
    LEFT JOIN users u ON u.id = r.approved_by
    LEFT JOIN users du ON du.id = r.declared_by
    LEFT JOIN users pu ON pu.id = r.prepared_by
    LEFT JOIN users su ON su.id = r.signed_by";

pub async fn find(
    db: impl sqlx::PgExecutor<'_>,
    id: Uuid,
    scope: Scope,
) -> sqlx::Result<Option<Report>> {
    // Staff see a report once it has been submitted (never a draft the region has not sent
    // yet, nor its attachments); a coordinator sees only their organisation's.
    sqlx::query_as(&format!(
        "{SELECT} WHERE ($1::uuid IS NULL AND r.first_submitted_at IS NOT NULL
                         OR r.organisation_id = $1) AND r.id = $2"
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

/// The funds an actor requisitioned and was paid for a year: what it reports on and repays.
/// An actor without them is asked for neither (the schema's `requisitioned_funds`: one rule
/// for the report button, the staff's list, the start page, the calendar, the reminders
/// and the summary).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Funds {
    pub payout_id: Uuid,
    pub paid_amount: Decimal,
    pub paid_date: NaiveDate,
    /// The last day the report is on time: the actor's deadline (extension included), or
    /// the day the funds were paid when that was later.
    pub report_late_after: NaiveDate,
}

pub async fn funds(db: &PgPool, year: i32, organisation: Uuid) -> sqlx::Result<Option<Funds>> {
    sqlx::query_as(
        "SELECT payout_id, paid_amount, paid_date, report_late_after FROM requisitioned_funds
         WHERE year = $1 AND organisation_id = $2",
    )
    .bind(year)
    .bind(organisation)
    .fetch_optional(db)
    .await
}

/// The paid payout of an actor's year: what a report accounts for.
pub async fn paid_payout(
    db: &PgPool,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Option<(Uuid, Decimal)>> {
    Ok(funds(db, year, organisation)
        .await?
        .map(|f| (f.payout_id, f.paid_amount)))
}

/// The organisations whose payout for the year is paid: those that owe a report.
pub async fn paid_organisations(db: &PgPool, year: i32) -> sqlx::Result<Vec<Uuid>> {
    sqlx::query_scalar("SELECT organisation_id FROM requisitioned_funds WHERE year = $1")
        .bind(year)
        .fetch_all(db)
        .await
}

/// Every actor's report deadline for the year as lateness counts it: extensions included,
/// and never before the day the actor's funds were paid (`requisitioned_funds`).
pub async fn report_deadlines(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
) -> sqlx::Result<Vec<(Uuid, NaiveDate)>> {
    sqlx::query_as(
        "SELECT d.organisation_id, COALESCE(f.report_late_after, d.report_due)
         FROM actor_deadlines d
         LEFT JOIN requisitioned_funds f
              ON f.year = d.year AND f.organisation_id = d.organisation_id
         WHERE d.year = $1",
    )
    .bind(year)
    .fetch_all(db)
    .await
}

pub struct NewReport {
    pub year: i32,
    pub organisation_id: Uuid,
    pub payout_id: Uuid,
    pub received: Decimal,
    pub created_by: Uuid,
}

/// A new draft. Fails on `reports_one_per_actor_and_year` when the actor already has one.
pub async fn insert(conn: &mut PgConnection, new: NewReport) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO reports (id, year, organisation_id, payout_id, received, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(new.year)
    .bind(new.organisation_id)
    .bind(new.payout_id)
    .bind(new.received)
    .bind(new.created_by)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Locks a report the region may still edit for the rest of the transaction, so a
/// submission and a change to its parts never interleave. `false` when it may not.
pub async fn lock_editable(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let open: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM reports WHERE id = $1 AND current AND state = ANY($2)
             AND NOT awaiting_signatory(prepared_at, signed_at) FOR UPDATE",
    )
    .bind(id)
    .bind(Action::Edit.from_states())
    .fetch_optional(conn)
    .await?;
    Ok(open.is_some())
}

/// The answers to the five tasks; `false` when the report may no longer be edited.
pub async fn save_tasks(
    conn: &mut PgConnection,
    id: Uuid,
    tasks: &[String; 5],
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET task_1 = $2, task_2 = $3, task_3 = $4, task_4 = $5, task_5 = $6, updated_at = now()
         WHERE id = $1 AND current AND state = ANY($7) AND NOT awaiting_signatory(prepared_at, signed_at)",
    )
    .bind(id)
    .bind(&tasks[0])
    .bind(&tasks[1])
    .bind(&tasks[2])
    .bind(&tasks[3])
    .bind(&tasks[4])
    .bind(Action::Edit.from_states())
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Needs, results and the self-assessment; `false` when the report may no longer be edited.
pub async fn save_analysis(conn: &mut PgConnection, id: Uuid, a: &Analysis) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET needs_and_challenges = $2, results_and_effects = $3, self_assessment = $4,
             self_assessment_motivation = $5, updated_at = now()
         WHERE id = $1 AND current AND state = ANY($6) AND NOT awaiting_signatory(prepared_at, signed_at)",
    )
    .bind(id)
    .bind(&a.needs_and_challenges)
    .bind(&a.results_and_effects)
    .bind(a.self_assessment)
    .bind(&a.self_assessment_motivation)
    .bind(Action::Edit.from_states())
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The costs (used and unused follow in the database); `false` when the report may no
/// longer be edited.
pub async fn save_finances(
    conn: &mut PgConnection,
    id: Uuid,
    costs: &Costs,
    co_financing: Option<Decimal>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET cost_personnel = $2, cost_services = $3, cost_travel = $4, cost_other = $5,
             co_financing = $6, finances_saved = true, updated_at = now()
         WHERE id = $1 AND current AND state = ANY($7) AND NOT awaiting_signatory(prepared_at, signed_at)",
    )
    .bind(id)
    .bind(costs.personnel)
    .bind(costs.services)
    .bind(costs.travel)
    .bind(costs.other)
    .bind(co_financing)
    .bind(Action::Edit.from_states())
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
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

/// One activity of the report.
pub async fn activity(
    db: &PgPool,
    report: Uuid,
    activity: Uuid,
) -> sqlx::Result<Option<ActivityRow>> {
    sqlx::query_as(
        "SELECT id, title, description, held, sub_goals, kind, partners, participants
         FROM report_activities WHERE report_id = $1 AND id = $2",
    )
    .bind(report)
    .bind(activity)
    .fetch_optional(db)
    .await
}

/// Changes an activity of a report the region may still edit, in its place; false when
/// there is no such activity (any more) or the report was submitted meanwhile.
pub async fn update_activity(
    conn: &mut PgConnection,
    report: Uuid,
    activity: Uuid,
    changed: &Activity,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE report_activities a
         SET title = $3, description = $4, held = $5, sub_goals = $6, kind = $7, partners = $8,
             participants = $9
         FROM reports r
         WHERE a.id = $2 AND a.report_id = $1 AND r.id = a.report_id AND r.current
           AND r.state = ANY($10) AND NOT awaiting_signatory(r.prepared_at, r.signed_at)",
    )
    .bind(report)
    .bind(activity)
    .bind(&changed.title)
    .bind(&changed.description)
    .bind(&changed.held)
    .bind(&changed.sub_goals)
    .bind(changed.kind)
    .bind(&changed.partners)
    .bind(changed.participants)
    .bind(Action::Edit.from_states())
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Adds an activity after the report's others.
pub async fn insert_activity(
    conn: &mut PgConnection,
    report: Uuid,
    activity: &Activity,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO report_activities (id, report_id, position, title, description, held, sub_goals, kind, partners, participants)
         VALUES ($1, $2, (SELECT COALESCE(max(position), 0) + 1 FROM report_activities WHERE report_id = $2),
                 $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(id)
    .bind(report)
    .bind(&activity.title)
    .bind(&activity.description)
    .bind(&activity.held)
    .bind(&activity.sub_goals)
    .bind(activity.kind)
    .bind(&activity.partners)
    .bind(activity.participants)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Removes an activity of a report the region may still edit; its title, or `None`.
pub async fn delete_activity(
    conn: &mut PgConnection,
    report: Uuid,
    activity: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "DELETE FROM report_activities a USING reports r
         WHERE a.id = $2 AND a.report_id = $1 AND r.id = a.report_id AND r.current
           AND r.state = ANY($3) AND NOT awaiting_signatory(r.prepared_at, r.signed_at)
         RETURNING a.title",
    )
    .bind(report)
    .bind(activity)
    .bind(Action::Edit.from_states())
    .fetch_optional(conn)
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

pub struct NewAttachment<'a> {
    pub report_id: Uuid,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub size: i32,
    pub sha256: &'a str,
    pub bytes: &'a [u8],
    pub uploaded_by: Uuid,
}

pub async fn insert_attachment(
    conn: &mut PgConnection,
    new: NewAttachment<'_>,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO report_attachments (id, report_id, filename, content_type, size, sha256, bytes, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(new.report_id)
    .bind(new.filename)
    .bind(new.content_type)
    .bind(new.size)
    .bind(new.sha256)
    .bind(new.bytes)
    .bind(new.uploaded_by)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Removes an attachment of a report the region may still edit; its file name, or `None`.
pub async fn delete_attachment(
    conn: &mut PgConnection,
    report: Uuid,
    attachment: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "DELETE FROM report_attachments a USING reports r
         WHERE a.id = $2 AND a.report_id = $1 AND r.id = a.report_id AND r.current
           AND r.state = ANY($3) AND NOT awaiting_signatory(r.prepared_at, r.signed_at)
         RETURNING a.filename",
    )
    .bind(report)
    .bind(attachment)
    .bind(Action::Edit.from_states())
    .fetch_optional(conn)
    .await
}

/// One line of a report's history, from the audit trail.
#[derive(sqlx::FromRow)]
pub struct HistoryEntry {
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub actor_is_staff: Option<bool>,
    pub action: String,
    pub note: Option<String>,
}

impl HistoryEntry {
    pub fn label(&self) -> &str {
        match self.action.as_str() {
            "report.created" => "Påbörjad",
            "report.saved" => "Sparad",
            "report.activity_added" => "Aktivitet tillagd",
            "report.activity_removed" => "Aktivitet borttagen",
            "report.attachment_added" => "Bilaga tillagd",
            "report.attachment_removed" => "Bilaga borttagen",
            "report.submitted" => "Inskickad",
            "report.returned" => "Återsänd för komplettering",
            "report.approved" => "Godkänd",
            "report.new_version" => "Ny version påbörjad för rättelse",
            "report.prepared" => "Skickad till firmatecknaren för bekräftelse",
            "report.signed" => "Bekräftad av firmatecknaren och inskickad",
            "report.signatory_returned" => "Skickad tillbaka av firmatecknaren",
            "report.taken_back" => "Tagen tillbaka från firmatecknaren",
            other => other,
        }
    }
}

/// What happened to a report, oldest first; the many saves of its parts left out.
pub async fn history(db: &PgPool, report: Uuid) -> sqlx::Result<Vec<HistoryEntry>> {
    sqlx::query_as(
        "SELECT a.at, u.name AS actor_name, u.role <> $2 AS actor_is_staff, a.action,
                a.after->>'message' AS note
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
         WHERE a.entity = $3 AND a.entity_id = $1 AND a.action <> $4
         ORDER BY a.id",
    )
    .bind(report.to_string())
    .bind(Role::Coordinator)
    .bind("report")
    .bind("report.saved")
    .fetch_all(db)
    .await
}

/// Sends the report to Tillväxtverket; the first submission's time is kept for lateness.
/// Sends the report in, declared by `by` at `now`, straight from the region (it has no
/// signatory besides `by`): no earlier round's preparer and signatory stay on it. `false`
/// when it was not open, or waits for the region's signatory.
pub async fn submit(
    conn: &mut PgConnection,
    id: Uuid,
    now: DateTime<Utc>,
    by: Uuid,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET state = $3, submitted_at = $2,
             first_submitted_at = COALESCE(first_submitted_at, $2), updated_at = now(),
             declared_by = $5, declared_at = $2,
             prepared_by = NULL, prepared_at = NULL, signed_by = NULL, signed_at = NULL
         WHERE id = $1 AND current AND state = ANY($4)
           AND NOT awaiting_signatory(prepared_at, signed_at)",
    )
    .bind(id)
    .bind(now)
    .bind(Action::Submit.target(ReportState::Draft))
    .bind(Action::Submit.from_states())
    .bind(by)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Sends an open report to the region's signatory, drawn up by `by` at `now`: it waits for a
/// signatory's confirmation, and nothing in it changes meanwhile. An earlier round's
/// signature and message go. `false` when it was not open (sent in, or waiting already).
pub async fn prepare(
    conn: &mut PgConnection,
    id: Uuid,
    by: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET prepared_by = $2, prepared_at = $3, signed_by = NULL,
             signed_at = NULL, signatory_note = NULL, updated_at = now()
         WHERE id = $1 AND current AND state = ANY($4)
           AND NOT awaiting_signatory(prepared_at, signed_at)",
    )
    .bind(id)
    .bind(by)
    .bind(now)
    .bind(Action::Submit.from_states())
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The signatory `by` confirms the report `preparer` drew up at `shown` (the version they
/// read), and it is sent to Tillväxtverket at `now`, declared by the signatory. Never by its
/// preparer (the schema agrees: `reports_signed_by_another`). `false` when it no longer
/// waited for the signatory as drawn up by `preparer` at `shown` (taken back, changed and
/// sent again is another version).
pub async fn sign(
    conn: &mut PgConnection,
    id: Uuid,
    preparer: Uuid,
    by: Uuid,
    shown: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET state = $5, submitted_at = $4,
             first_submitted_at = COALESCE(first_submitted_at, $4), updated_at = now(),
             declared_by = $3, declared_at = $4, signed_by = $3, signed_at = $4
         WHERE id = $1 AND current AND state = ANY($6)
           AND awaiting_signatory(prepared_at, signed_at) AND prepared_by = $2 AND prepared_by <> $3
           AND prepared_at = $7",
    )
    .bind(id)
    .bind(preparer)
    .bind(by)
    .bind(now)
    .bind(Action::Submit.target(ReportState::Draft))
    .bind(Action::Submit.from_states())
    .bind(shown)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The signatory `by` sends the report back to `preparer` with `note`: the region's to change
/// and send again. `false` when it no longer waited as drawn up by `preparer` at `shown` (the
/// version the signatory read).
pub async fn send_back_to_preparer(
    conn: &mut PgConnection,
    id: Uuid,
    preparer: Uuid,
    by: Uuid,
    shown: DateTime<Utc>,
    note: &str,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET prepared_by = NULL, prepared_at = NULL, signatory_note = $4,
             updated_at = now()
         WHERE id = $1 AND current AND state = ANY($5)
           AND awaiting_signatory(prepared_at, signed_at) AND prepared_by = $2 AND prepared_by <> $3
           AND prepared_at = $6",
    )
    .bind(id)
    .bind(preparer)
    .bind(by)
    .bind(note)
    .bind(Action::Edit.from_states())
    .bind(shown)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// A coordinator of the region takes the report back from the signatory to change it.
/// `false` when it no longer waited for the signatory.
pub async fn take_back(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET prepared_by = NULL, prepared_at = NULL, updated_at = now()
         WHERE id = $1 AND current AND state = ANY($2)
           AND awaiting_signatory(prepared_at, signed_at)",
    )
    .bind(id)
    .bind(Action::Edit.from_states())
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The case officer's approval, which locks the report; `false` when it was not submitted.
pub async fn approve(conn: &mut PgConnection, id: Uuid, by: Uuid) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE reports SET state = $3, approved_by = $2, approved_at = now(), updated_at = now()
         WHERE id = $1 AND current AND state = ANY($4)",
    )
    .bind(id)
    .bind(by)
    .bind(Action::Approve.target(ReportState::Submitted))
    .bind(Action::Approve.from_states())
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// A correction: the approved current version steps aside and a new draft version, with
/// copies of its activities and attachments, takes its place. `None` when `id` was not
/// the current approved version.
pub async fn new_version(
    conn: &mut PgConnection,
    id: Uuid,
    created_by: Uuid,
) -> sqlx::Result<Option<Uuid>> {
    let superseded = sqlx::query(
        "UPDATE reports SET current = false WHERE id = $1 AND current AND state = ANY($2)",
    )
    .bind(id)
    .bind(Action::Correct.from_states())
    .execute(&mut *conn)
    .await?;
    if superseded.rows_affected() != 1 {
        return Ok(None);
    }
    let new_id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO reports (id, year, organisation_id, payout_id, version, state, task_1, task_2, task_3, task_4, task_5,
             needs_and_challenges, results_and_effects, self_assessment, self_assessment_motivation, received,
             cost_personnel, cost_services, cost_travel, cost_other, co_financing, finances_saved, created_by, first_submitted_at)
         SELECT $2, year, organisation_id, payout_id, version + 1, $4, task_1, task_2, task_3, task_4, task_5,
             needs_and_challenges, results_and_effects, self_assessment, self_assessment_motivation, received,
             cost_personnel, cost_services, cost_travel, cost_other, co_financing, finances_saved, $3, first_submitted_at
         FROM reports WHERE id = $1",
    )
    .bind(id)
    .bind(new_id)
    .bind(created_by)
    .bind(Action::Correct.target(ReportState::Approved))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO report_activities (id, report_id, position, title, description, held, sub_goals, kind, partners, participants)
         SELECT gen_random_uuid(), $2, position, title, description, held, sub_goals, kind, partners, participants
         FROM report_activities WHERE report_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO report_attachments (id, report_id, filename, content_type, size, sha256, bytes, uploaded_by, uploaded_at)
         SELECT gen_random_uuid(), $2, filename, content_type, size, sha256, bytes, uploaded_by, uploaded_at
         FROM report_attachments WHERE report_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .execute(&mut *conn)
    .await?;
    Ok(Some(new_id))
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

/// What a submitted report's receipt tells beside the report: the case number of the
/// requisition it reports on, and the actor's repayment deadline (extension included).
pub async fn receipt_facts(
    db: &PgPool,
    report: &Report,
) -> sqlx::Result<(String, Option<NaiveDate>)> {
    sqlx::query_as(
        "SELECT q.case_number, actor_deadline($2, $3, $4) AS repayment_deadline
         FROM payouts p JOIN requisitions q ON q.id = p.requisition_id
         WHERE p.id = $1",
    )
    .bind(report.payout_id)
    .bind(report.year)
    .bind(report.organisation_id)
    .bind(crate::programme::model::ExtendedDeadline::Repayment)
    .fetch_one(db)
    .await
}
