//! Reading the audit log: each entry with the case it belongs to, filtered and paged.

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::model::{Facts, Filter, case_link, sentence};

/// An entry as the log page shows it.
#[derive(Debug, sqlx::FromRow)]
pub struct LoggedEntry {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_name: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub before: Option<Value>,
    pub after: Option<Value>,
    pub case_number: Option<String>,
    pub requisition_id: Option<Uuid>,
    pub report_id: Option<Uuid>,
    pub case_year: Option<i32>,
    pub organisation_id: Option<Uuid>,
    pub organisation_name: Option<String>,
}

impl LoggedEntry {
    pub fn at_local(&self) -> String {
        crate::clock::swedish(self.at)
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    }

    pub fn sentence(&self) -> String {
        sentence(&Facts {
            actor: self.actor_name.as_deref(),
            action: &self.action,
            entity: &self.entity,
            entity_id: &self.entity_id,
            before: self.before.as_ref(),
            after: self.after.as_ref(),
            case_number: self.case_number.as_deref(),
        })
    }

    pub fn case_link(&self) -> Option<String> {
        case_link(
            &self.entity,
            self.requisition_id,
            self.report_id,
            self.case_year,
            self.organisation_id,
        )
    }

    pub fn before_text(&self) -> String {
        self.before
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default()
    }

    pub fn after_text(&self) -> String {
        self.after
            .as_ref()
            .map(Value::to_string)
            .unwrap_or_default()
    }
}

const UUID: &str = "'^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$'";

/// Every entry with its case: a requisition (also through an attachment), a report, a
/// repayment payment, a refund or an extension belong to an actor's year, whose
/// requisition carries the case number; the organisation is the case's, or the actor's.
fn resolved() -> String {
    format!(
        "WITH log AS (
             SELECT a.*,
                    CASE WHEN a.entity_id ~ {UUID} THEN a.entity_id::uuid END AS entity_uuid,
                    CASE WHEN a.entity = 'deadline_extension'
                              AND split_part(a.entity_id, '/', 1) ~ '^[0-9]{{4}}$'
                         THEN split_part(a.entity_id, '/', 1)::int END AS extension_year,
                    CASE WHEN a.entity = 'deadline_extension'
                              AND split_part(a.entity_id, '/', 2) ~ {UUID}
                         THEN split_part(a.entity_id, '/', 2)::uuid END AS extension_org,
                    CASE WHEN a.entity = 'requisition_attachment'
                              AND COALESCE(a.after ->> 'requisition', a.before ->> 'requisition') ~ {UUID}
                         THEN COALESCE(a.after ->> 'requisition', a.before ->> 'requisition')::uuid
                    END AS attachment_of
             FROM audit_log a
         ), placed AS (
             SELECT l.id, l.at, l.actor_user_id, u.name AS actor_name, l.action, l.entity,
                    l.entity_id, l.before, l.after,
                    COALESCE(rq.id, ra.id) AS direct_requisition,
                    -- Staff see a report once it is submitted: a draft's entries name no link.
                    CASE WHEN rp.first_submitted_at IS NOT NULL THEN rp.id END AS report_id,
                    COALESCE(rq.year, ra.year, rp.year, pp.year, rf.year, l.extension_year) AS case_year,
                    COALESCE(rq.organisation_id, ra.organisation_id, rp.organisation_id,
                             pp.organisation_id, rf.organisation_id, l.extension_org) AS case_org,
                    u.organisation_id AS actor_org
             FROM log l
             LEFT JOIN users u ON u.id = l.actor_user_id
             LEFT JOIN requisitions rq ON l.entity = 'requisition' AND rq.id = l.entity_uuid
             LEFT JOIN requisitions ra ON ra.id = l.attachment_of
             LEFT JOIN reports rp ON l.entity = 'report' AND rp.id = l.entity_uuid
             LEFT JOIN repayment_payments pp ON l.entity = 'repayment_payment' AND pp.id = l.entity_uuid
             LEFT JOIN refunds rf ON l.entity = 'refund' AND rf.id = l.entity_uuid
         ), resolved AS (
             SELECT p.id, p.at, p.actor_user_id, p.actor_name, p.action, p.entity, p.entity_id,
                    p.before, p.after,
                    COALESCE(d.case_number, c.case_number) AS case_number,
                    -- Staff see a requisition once it is submitted: a draft's entries link nothing.
                    CASE WHEN COALESCE(d.first_submitted_at, c.first_submitted_at) IS NOT NULL
                         THEN COALESCE(d.id, c.id) END AS requisition_id,
                    p.report_id, p.case_year,
                    COALESCE(p.case_org, p.actor_org) AS organisation_id,
                    o.name AS organisation_name
             FROM placed p
             LEFT JOIN requisitions d ON d.id = p.direct_requisition
             LEFT JOIN LATERAL (
                 SELECT r.id, r.case_number, r.first_submitted_at FROM requisitions r
                 WHERE p.direct_requisition IS NULL
                   AND r.year = p.case_year AND r.organisation_id = p.case_org
                 ORDER BY (r.state = 'approved') DESC, r.created_at DESC
                 LIMIT 1
             ) c ON true
             LEFT JOIN organisations o ON o.id = COALESCE(p.case_org, p.actor_org)
         )"
    )
}

/// The filters, as `$1`–`$5`.
const FILTERED: &str = "
    WHERE ($1::uuid IS NULL OR r.actor_user_id = $1)
      AND ($2::text IS NULL OR strpos(upper(r.case_number), upper(btrim($2))) > 0)
      AND ($3::uuid IS NULL OR r.organisation_id = $3)
      AND ($4::date IS NULL OR (r.at AT TIME ZONE 'Europe/Stockholm')::date >= $4)
      AND ($5::date IS NULL OR (r.at AT TIME ZONE 'Europe/Stockholm')::date <= $5)";

/// How many entries the filters let through.
pub async fn count(db: &PgPool, filter: &Filter) -> sqlx::Result<i64> {
    sqlx::query_scalar(&format!(
        "{} SELECT count(*) FROM resolved r {FILTERED}",
        resolved()
    ))
    .bind(filter.person)
    .bind(filter.case_number.as_deref())
    .bind(filter.organisation)
    .bind(filter.from)
    .bind(filter.to)
    .fetch_one(db)
    .await
}

/// The filtered entries, newest first (oldest first if the filter says so): `limit` of them
/// from `offset`, or all (`None`).
pub async fn entries(
    db: &PgPool,
    filter: &Filter,
    limit: Option<i64>,
    offset: i64,
) -> sqlx::Result<Vec<LoggedEntry>> {
    sqlx::query_as(&format!(
        "{} SELECT r.id, r.at, r.actor_name, r.action, r.entity, r.entity_id, r.before, r.after,
                   r.case_number, r.requisition_id, r.report_id, r.case_year, r.organisation_id,
                   r.organisation_name
            FROM resolved r {FILTERED}
            ORDER BY r.id {} LIMIT $6 OFFSET $7",
        resolved(),
        if filter.oldest_first { "ASC" } else { "DESC" }
    ))
    .bind(filter.person)
    .bind(filter.case_number.as_deref())
    .bind(filter.organisation)
    .bind(filter.from)
    .bind(filter.to)
    .bind(limit)
    .bind(offset)
    .fetch_all(db)
    .await
}

/// Everyone who can appear in the log, for the person filter.
pub async fn people(db: &PgPool) -> sqlx::Result<Vec<(Uuid, String)>> {
    sqlx::query_as("SELECT id, name FROM users ORDER BY name, email")
        .fetch_all(db)
        .await
}
