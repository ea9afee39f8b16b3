//! Reading who signs for a region and what waits for them. The requisition's and the
//! report's own changes (prepare, confirm, send back, take back) are in their domains'
//! `db.rs`; `awaiting_signatory` (the schema) is the one rule they and these lists share.

use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::Submission;
use crate::{
    mail::db::Recipient, reports::model::Action as ReportAction,
    requisitions::model::Action as RequisitionAction,
};

/// A region's signatory, as pages name them.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow, serde::Deserialize)]
pub struct Signatory {
    pub id: Uuid,
    pub name: String,
}

/// The organisation's active signatories, by name.
pub async fn of_organisation(
    db: impl PgExecutor<'_>,
    organisation: Uuid,
) -> sqlx::Result<Vec<Signatory>> {
    sqlx::query_as(
        "SELECT id, name FROM users
         WHERE organisation_id = $1 AND signatory AND active ORDER BY name, id",
    )
    .bind(organisation)
    .fetch_all(db)
    .await
}

/// Whether the user is an active signatory of the organisation.
pub async fn is_signatory(
    db: impl PgExecutor<'_>,
    user: Uuid,
    organisation: Uuid,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM users
                        WHERE id = $1 AND organisation_id = $2 AND signatory AND active)",
    )
    .bind(user)
    .bind(organisation)
    .fetch_one(db)
    .await
}

/// The organisation's active signatories as recipients of a mail, but `except` (the one who
/// prepared what they are told of).
pub async fn recipients(
    conn: &mut PgConnection,
    organisation: Uuid,
    except: Option<Uuid>,
) -> sqlx::Result<Vec<Recipient>> {
    sqlx::query_as(
        "SELECT u.id AS user_id, u.name, u.email, u.reminders FROM users u
         WHERE u.organisation_id = $1 AND u.signatory AND u.active AND u.id IS DISTINCT FROM $2
         ORDER BY u.email",
    )
    .bind(organisation)
    .bind(except)
    .fetch_all(conn)
    .await
}

/// A requisition or report waiting for the region's signatory.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Waiting {
    pub id: Uuid,
    pub year: i32,
    /// A requisition's case number (a report is named by its year).
    pub case_number: Option<String>,
    /// A report's version.
    pub version: Option<i32>,
    /// What is requisitioned; for a report, what it says was used.
    pub amount: Option<Decimal>,
    pub prepared_by: Uuid,
    pub prepared_by_name: String,
    pub prepared_at: DateTime<Utc>,
}

/// The organisation's requisitions waiting for its signatory, oldest first.
pub async fn awaiting_requisitions(
    db: impl PgExecutor<'_>,
    organisation: Uuid,
) -> sqlx::Result<Vec<Waiting>> {
    sqlx::query_as(
        "SELECT r.id, r.year, r.case_number, NULL::int AS version, r.amount, r.prepared_by,
                u.name AS prepared_by_name, r.prepared_at
         FROM requisitions r JOIN users u ON u.id = r.prepared_by
         WHERE r.organisation_id = $1 AND r.state = ANY($2)
           AND awaiting_signatory(r.prepared_at, r.signed_at)
         ORDER BY r.prepared_at, r.id",
    )
    .bind(organisation)
    .bind(RequisitionAction::Submit.from_states())
    .fetch_all(db)
    .await
}

/// The organisation's reports waiting for its signatory, oldest first.
pub async fn awaiting_reports(
    db: impl PgExecutor<'_>,
    organisation: Uuid,
) -> sqlx::Result<Vec<Waiting>> {
    sqlx::query_as(
        "SELECT p.id, p.year, NULL::text AS case_number, p.version, p.used AS amount,
                p.prepared_by, u.name AS prepared_by_name, p.prepared_at
         FROM reports p JOIN users u ON u.id = p.prepared_by
         WHERE p.organisation_id = $1 AND p.current AND p.state = ANY($2)
           AND awaiting_signatory(p.prepared_at, p.signed_at)
         ORDER BY p.prepared_at, p.id",
    )
    .bind(organisation)
    .bind(ReportAction::Submit.from_states())
    .fetch_all(db)
    .await
}

/// What a mail about a requisition or report and its signatory tells.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Facts {
    pub organisation_id: Uuid,
    pub organisation: String,
    pub year: i32,
    /// The requisition's case number; for a report, its requisition's.
    pub case_number: Option<String>,
    pub prepared_by: Option<Uuid>,
    pub prepared_by_name: Option<String>,
    pub signed_by_name: Option<String>,
    pub signatory_note: Option<String>,
}

pub async fn facts(conn: &mut PgConnection, submission: Submission) -> sqlx::Result<Facts> {
    let sql = match submission {
        Submission::Requisition(_) => {
            "SELECT r.organisation_id, o.name AS organisation, r.year, r.case_number,
                    r.prepared_by, pu.name AS prepared_by_name, su.name AS signed_by_name,
                    r.signatory_note
             FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
             LEFT JOIN users pu ON pu.id = r.prepared_by
             LEFT JOIN users su ON su.id = r.signed_by
             WHERE r.id = $1"
        }
        Submission::Report(_) => {
            "SELECT r.organisation_id, o.name AS organisation, r.year,
                    (SELECT q.case_number FROM payouts p JOIN requisitions q ON q.id = p.requisition_id
                     WHERE p.id = r.payout_id) AS case_number,
                    r.prepared_by, pu.name AS prepared_by_name, su.name AS signed_by_name,
                    r.signatory_note
             FROM reports r JOIN organisations o ON o.id = r.organisation_id
             LEFT JOIN users pu ON pu.id = r.prepared_by
             LEFT JOIN users su ON su.id = r.signed_by
             WHERE r.id = $1"
        }
    };
    sqlx::query_as(sql)
        .bind(submission.id())
        .fetch_one(conn)
        .await
}
