//! The decision records and the kept PDF/A of the case documents: writing a record in its
//! decision's transaction (with its audit entry), reading them within the reader's scope,
//! what the receipts and reports are made from, and keeping a PDF/A once.

use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgExecutor};
use uuid::Uuid;

use super::model::{
    self, Content, DecisionKind, NewDecision, Person, REPORT_CHANGED, REPORT_FILED,
    REQUISITION_CHANGED, REQUISITION_FILED, RegionSigning, Registered,
};
use crate::{
    audit,
    auth::{Role, Scope},
    clock::swedish_date,
    error::{AppError, Result},
    programme::model::ExtendedDeadline,
    repayments::db::Refund,
    reports::{db::Report, model::ReportState},
    requisitions::{
        db::Requisition,
        model::{ExtensionGrant, RequisitionState},
    },
    users::db::Grant,
};

// ---- Writing ----

/// Records a decision in the caller's transaction (the decision's own), with its content
/// checksum and the roles its people hold now, and audits it ("decision.recorded"). Returns
/// the record's id.
pub async fn record(tx: &mut PgConnection, new: &NewDecision) -> Result<Uuid> {
    let id = Uuid::new_v4();
    // The transaction's moment, so the record's time is the decision's, to the microsecond
    // the checksum covers.
    let (decided_at, decided_by_role, presented_by_role): (
        DateTime<Utc>,
        Option<Role>,
        Option<Role>,
    ) = sqlx::query_as(
        "SELECT now(), (SELECT role FROM users WHERE id = $1), (SELECT role FROM users WHERE id = $2)",
    )
    .bind(new.decided_by)
    .bind(new.presented_by)
    .fetch_one(&mut *tx)
    .await?;
    let decided_by_role = decided_by_role.ok_or_else(|| {
        AppError::Internal(format!("decision record: no user {}", new.decided_by))
    })?;
    let region_prepared_by = new.region.map(|r| r.prepared_by);
    let region_signed_by = new.region.map(|r| r.signed_by);
    let sha256 = model::checksum(&Content {
        id,
        kind: new.kind.key(),
        year: new.year,
        organisation_id: new.organisation_id,
        case_number: new.case_number.as_deref(),
        entity: new.entity,
        entity_id: &new.entity_id,
        decided_at: model::moment(decided_at),
        decision: &new.decision,
        reasons: &new.reasons,
        decided_by: new.decided_by,
        decided_by_role: decided_by_role.key(),
        presented_by: new.presented_by,
        presented_by_role: presented_by_role.map(Role::key),
        rests_on_record: new.rests_on_record,
        rests_on: &new.rests_on,
        region_prepared_by,
        region_signed_by,
    })
    .map_err(AppError::Internal)?;
    sqlx::query(
        "INSERT INTO decision_records (id, kind, year, organisation_id, case_number, entity,
             entity_id, decided_at, decision, reasons, decided_by, decided_by_role, presented_by,
             presented_by_role, rests_on_record, rests_on, content_sha256, region_prepared_by,
             region_signed_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             $18, $19)",
    )
    .bind(id)
    .bind(new.kind)
    .bind(new.year)
    .bind(new.organisation_id)
    .bind(&new.case_number)
    .bind(new.entity)
    .bind(&new.entity_id)
    .bind(decided_at)
    .bind(&new.decision)
    .bind(&new.reasons)
    .bind(new.decided_by)
    .bind(decided_by_role)
    .bind(new.presented_by)
    .bind(presented_by_role)
    .bind(new.rests_on_record)
    .bind(&new.rests_on)
    .bind(&sha256)
    .bind(region_prepared_by)
    .bind(region_signed_by)
    .execute(&mut *tx)
    .await?;
    audit::Entry::new(
        Some(new.decided_by),
        "decision.recorded",
        "decision_record",
        id,
    )
    .after(json!({
        "kind": new.kind,
        "title": new.kind.label(),
        "case_number": new.case_number,
        "year": new.year,
        "organisation": new.organisation_id,
        "entity": new.entity,
        "entity_id": new.entity_id,
        "presented_by": new.presented_by,
        "region_prepared_by": region_prepared_by,
        "region_signed_by": region_signed_by,
        "rests_on_record": new.rests_on_record,
        "sha256": sha256,
    }))
    .record(tx)
    .await?;
    Ok(id)
}

/// The latest recorded decision of `kind` in an actor's year, with its moment.
async fn latest_decided(
    db: impl PgExecutor<'_>,
    kind: DecisionKind,
    year: i32,
    organisation_id: Uuid,
) -> sqlx::Result<Option<(Uuid, DateTime<Utc>)>> {
    sqlx::query_as(
        "SELECT id, decided_at FROM decision_records
         WHERE kind = $1 AND year = $2 AND organisation_id = $3
         ORDER BY decided_at DESC, id DESC LIMIT 1",
    )
    .bind(kind)
    .bind(year)
    .bind(organisation_id)
    .fetch_optional(db)
    .await
}

/// The latest recorded decision of `kind` in an actor's year: what a later decision rests on.
pub async fn latest(
    db: impl PgExecutor<'_>,
    kind: DecisionKind,
    year: i32,
    organisation_id: Uuid,
) -> Result<Option<Uuid>> {
    Ok(latest_decided(db, kind, year, organisation_id)
        .await?
        .map(|(id, _)| id))
}

/// The case number of an actor's year: its live requisition's, else its latest one's.
async fn case_number_of(
    db: impl PgExecutor<'_>,
    year: i32,
    organisation_id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "SELECT case_number FROM requisitions WHERE year = $1 AND organisation_id = $2
         ORDER BY (state <> ALL($3)) DESC, created_at DESC LIMIT 1",
    )
    .bind(year)
    .bind(organisation_id)
    .bind(RequisitionState::ENDED.to_vec())
    .fetch_optional(db)
    .await
}

/// The approver attests the payout a case officer prepared: the requisition is granted,
/// decided by the approver after the case officer's presentation.
pub async fn record_requisition_approved(
    tx: &mut PgConnection,
    r: &Requisition,
    amount: rust_decimal::Decimal,
    presented_by: Uuid,
    decided_by: Uuid,
) -> Result<Uuid> {
    record(
        tx,
        &NewDecision {
            kind: DecisionKind::RequisitionApproved,
            year: Some(r.year),
            organisation_id: Some(r.organisation_id),
            case_number: Some(r.case_number.clone()),
            entity: "requisition",
            entity_id: r.id.to_string(),
            decision: model::requisition_approved(amount, &r.actor_name),
            reasons: model::requisition_approved_reasons(r.year, &r.decision_number),
            decided_by,
            presented_by: Some(presented_by),
            rests_on_record: None,
            rests_on: model::government_decision(&r.decision_number),
            region: RegionSigning::of(r.drawn_up_by, r.signed_by),
        },
    )
    .await
}

/// A case officer returns (`RequisitionReturned`) or rejects (`RequisitionRejected`) a
/// submitted requisition, the message to the region being the reasons.
pub async fn record_requisition_decision(
    tx: &mut PgConnection,
    r: &Requisition,
    kind: DecisionKind,
    reasons: &str,
    decided_by: Uuid,
) -> Result<Uuid> {
    let decision = match kind {
        DecisionKind::RequisitionReturned => {
            model::requisition_returned(&r.case_number, &r.actor_name)
        }
        DecisionKind::RequisitionRejected => model::requisition_rejected(&r.case_number),
        other => {
            return Err(AppError::Internal(format!(
                "{} is not a decision on a submitted requisition",
                other.key()
            )));
        }
    };
    record(
        tx,
        &NewDecision {
            kind,
            year: Some(r.year),
            organisation_id: Some(r.organisation_id),
            case_number: Some(r.case_number.clone()),
            entity: "requisition",
            entity_id: r.id.to_string(),
            decision,
            reasons: reasons.to_string(),
            decided_by,
            presented_by: None,
            rests_on_record: None,
            rests_on: model::government_decision(&r.decision_number),
            region: RegionSigning::of(r.drawn_up_by, r.signed_by),
        },
    )
    .await
}

/// What a report decision rests on: the year's requisition (its case and the Government's
/// decision) and its recorded grant, if any.
async fn report_basis(tx: &mut PgConnection, r: &Report) -> Result<(String, Option<Uuid>, String)> {
    let (case_number, decision_number): (String, String) = sqlx::query_as(
        "SELECT q.case_number, q.decision_number
         FROM payouts p JOIN requisitions q ON q.id = p.requisition_id WHERE p.id = $1",
    )
    .bind(r.payout_id)
    .fetch_one(&mut *tx)
    .await?;
    let granted = latest_decided(
        &mut *tx,
        DecisionKind::RequisitionApproved,
        r.year,
        r.organisation_id,
    )
    .await?;
    let rests_on = model::rests_on_requisition(
        &case_number,
        &decision_number,
        granted.map(|(_, at)| swedish_date(at)),
    );
    Ok((case_number, granted.map(|(id, _)| id), rests_on))
}

/// A case officer approves a report, with an optional comment.
pub async fn record_report_approved(
    tx: &mut PgConnection,
    r: &Report,
    comment: Option<&str>,
    decided_by: Uuid,
) -> Result<Uuid> {
    let (case_number, rests_on_record, rests_on) = report_basis(tx, r).await?;
    record(
        tx,
        &NewDecision {
            kind: DecisionKind::ReportApproved,
            year: Some(r.year),
            organisation_id: Some(r.organisation_id),
            case_number: Some(case_number),
            entity: "report",
            entity_id: r.id.to_string(),
            decision: model::report_approved(r.year, &r.actor_name, r.unused),
            reasons: model::report_approved_reasons(r.used, r.received, comment),
            decided_by,
            presented_by: None,
            rests_on_record,
            rests_on,
            region: RegionSigning::of(r.prepared_by, r.signed_by),
        },
    )
    .await
}

/// A case officer returns a report for completion; the message is the reasons.
pub async fn record_report_returned(
    tx: &mut PgConnection,
    r: &Report,
    reasons: &str,
    decided_by: Uuid,
) -> Result<Uuid> {
    let (case_number, rests_on_record, rests_on) = report_basis(tx, r).await?;
    record(
        tx,
        &NewDecision {
            kind: DecisionKind::ReportReturned,
            year: Some(r.year),
            organisation_id: Some(r.organisation_id),
            case_number: Some(case_number),
            entity: "report",
            entity_id: r.id.to_string(),
            decision: model::report_returned(r.year, &r.actor_name),
            reasons: reasons.to_string(),
            decided_by,
            presented_by: None,
            rests_on_record,
            rests_on,
            region: RegionSigning::of(r.prepared_by, r.signed_by),
        },
    )
    .await
}

/// An approver attests a refund a case officer prepared; it rests on the approved report.
pub async fn record_refund_approved(
    tx: &mut PgConnection,
    refund: &Refund,
    decided_by: Uuid,
) -> Result<Uuid> {
    let case_number = case_number_of(&mut *tx, refund.year, refund.organisation_id).await?;
    let approved = latest_decided(
        &mut *tx,
        DecisionKind::ReportApproved,
        refund.year,
        refund.organisation_id,
    )
    .await?;
    let rests_on = model::rests_on_report(
        refund.year,
        case_number.as_deref(),
        approved.map(|(_, at)| swedish_date(at)),
    );
    record(
        tx,
        &NewDecision {
            kind: DecisionKind::RefundApproved,
            year: Some(refund.year),
            organisation_id: Some(refund.organisation_id),
            case_number,
            entity: "refund",
            entity_id: refund.id.to_string(),
            decision: model::refund_approved(refund.amount, &refund.actor_name, refund.year),
            reasons: model::refund_reasons(refund.year),
            decided_by,
            presented_by: Some(refund.prepared_by),
            rests_on_record: approved.map(|(id, _)| id),
            rests_on,
            region: None,
        },
    )
    .await
}

/// An extension as a case officer grants or changes it.
pub struct ExtensionDecision<'a> {
    pub year: i32,
    pub organisation_id: Uuid,
    pub actor_name: &'a str,
    pub grant: &'a ExtensionGrant,
    /// A granted extension moved (granting over one in force is a change too).
    pub changed: bool,
    /// Why it was changed, when the officer was asked.
    pub changed_because: Option<&'a str>,
}

/// A case officer grants or changes an extension; it rests on the basis typed (the decision
/// or consent that allows the later day).
pub async fn record_extension(
    tx: &mut PgConnection,
    x: &ExtensionDecision<'_>,
    decided_by: Uuid,
) -> Result<Uuid> {
    // A decision names its party: never an empty one (the handlers refuse before this).
    if x.actor_name.trim().is_empty() {
        return Err(AppError::Internal(format!(
            "extension decision for {} in {} names no party",
            x.organisation_id, x.year
        )));
    }
    let deadline: ExtendedDeadline = x.grant.deadline;
    let case_number = case_number_of(&mut *tx, x.year, x.organisation_id).await?;
    record(
        tx,
        &NewDecision {
            kind: DecisionKind::ExtensionGranted,
            year: Some(x.year),
            organisation_id: Some(x.organisation_id),
            case_number,
            entity: "deadline_extension",
            entity_id: format!("{}/{}/{}", x.year, x.organisation_id, deadline.key()),
            decision: model::extension_granted(
                x.actor_name,
                deadline,
                x.year,
                x.grant.new_deadline,
                x.changed,
            ),
            reasons: model::extension_reasons(&x.grant.reason, x.changed_because),
            decided_by,
            presented_by: None,
            rests_on_record: None,
            rests_on: x.grant.basis.clone(),
            region: None,
        },
    )
    .await
}

/// A second administrator confirms a staff role: decided by them, presented by the one who
/// asked (none for a request the operator registered).
pub async fn record_role_granted(
    tx: &mut PgConnection,
    grant: &Grant,
    decided_by: Uuid,
) -> Result<Uuid> {
    record(
        tx,
        &NewDecision {
            kind: DecisionKind::RoleGranted,
            year: None,
            organisation_id: None,
            case_number: None,
            entity: "user",
            entity_id: grant.user_id.to_string(),
            decision: model::role_granted(grant.role, grant.from_role),
            reasons: model::role_granted_reasons(grant.requested_by.is_some()),
            decided_by,
            presented_by: grant.requested_by,
            rests_on_record: None,
            rests_on: model::role_request(grant.id, grant.role, swedish_date(grant.requested_at)),
            region: None,
        },
    )
    .await
}

// ---- Reading ----

/// A decision record as the pages and the document show it: the people by their names as
/// they are now, with the roles they acted in; the party by the actor's name in its year
/// (a role grant's party is the user it concerns).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Record {
    pub id: Uuid,
    pub kind: DecisionKind,
    pub year: Option<i32>,
    pub organisation_id: Option<Uuid>,
    pub party: Option<String>,
    pub case_number: Option<String>,
    pub entity: String,
    pub entity_id: String,
    pub decided_at: DateTime<Utc>,
    pub decision: String,
    pub reasons: String,
    pub decided_by: Uuid,
    pub decided_by_name: String,
    pub decided_by_role: Role,
    pub presented_by: Option<Uuid>,
    pub presented_by_name: Option<String>,
    pub presented_by_role: Option<Role>,
    pub rests_on_record: Option<Uuid>,
    pub rests_on: String,
    pub content_sha256: String,
    /// The region's coordinator who drew up what was decided on, and its signatory who
    /// confirmed it: both, or neither.
    pub region_prepared_by: Option<Uuid>,
    pub region_prepared_by_name: Option<String>,
    pub region_signed_by: Option<Uuid>,
    pub region_signed_by_name: Option<String>,
}

impl Record {
    /// The Swedish day of the decision.
    pub fn decided_on(&self) -> NaiveDate {
        swedish_date(self.decided_at)
    }

    fn decider(&self) -> Person<'_> {
        Person {
            name: &self.decided_by_name,
            role: self.decided_by_role,
        }
    }

    fn presenter(&self) -> Option<Person<'_>> {
        match (&self.presented_by_name, self.presented_by_role) {
            (Some(name), Some(role)) => Some(Person { name, role }),
            _ => None,
        }
    }

    /// `Anna Attestant, attestant`.
    pub fn decider_described(&self) -> String {
        self.decider().described()
    }

    pub fn presenter_described(&self) -> Option<String> {
        self.presenter().map(|p| p.described())
    }

    /// "Beslutet har fattats av … efter föredragning av …."
    pub fn decided_by_sentence(&self) -> String {
        model::decided_by_sentence(self.decider(), self.presenter())
    }

    /// "Upprättad av … (regional koordinator) och bekräftad av firmatecknare …", when the
    /// region's signatory confirmed what was decided on.
    pub fn region_sentence(&self) -> Option<String> {
        match (&self.region_prepared_by_name, &self.region_signed_by_name) {
            (Some(prepared), Some(signed)) => Some(model::region_sentence(prepared, signed)),
            _ => None,
        }
    }

    /// What the region's sentence is about: *Rekvisitionen från regionen*, ….
    pub fn region_label(&self) -> &'static str {
        model::region_label(&self.entity)
    }

    /// What the content checksum covers, as it was recorded.
    fn content(&self) -> Content<'_> {
        Content {
            id: self.id,
            kind: self.kind.key(),
            year: self.year,
            organisation_id: self.organisation_id,
            case_number: self.case_number.as_deref(),
            entity: &self.entity,
            entity_id: &self.entity_id,
            decided_at: model::moment(self.decided_at),
            decision: &self.decision,
            reasons: &self.reasons,
            decided_by: self.decided_by,
            decided_by_role: self.decided_by_role.key(),
            presented_by: self.presented_by,
            presented_by_role: self.presented_by_role.map(Role::key),
            rests_on_record: self.rests_on_record,
            rests_on: &self.rests_on,
            region_prepared_by: self.region_prepared_by,
            region_signed_by: self.region_signed_by,
        }
    }

    /// Whether the record reads as it was recorded: its content has its checksum.
    pub fn intact(&self) -> bool {
        model::checksum(&self.content()).is_ok_and(|sum| sum == self.content_sha256)
    }

    /// The registered case (diarienummer) it belongs to, if any.
    pub fn registered(&self) -> Option<Registered> {
        model::registered_case(self.kind, &self.entity_id)
    }

    /// `Beslut DK-2025-007 2025-03-03 1a2b3c4d.pdf`: the case, the day, and the record's own
    /// id's first digits (a case has many decisions, some on one day).
    pub fn filename(&self) -> String {
        let id = self.id.simple().to_string();
        format!(
            "Beslut {} {} {}.pdf",
            self.case_number.as_deref().unwrap_or("behörighet"),
            self.decided_on(),
            &id[..8]
        )
    }
}

const SELECT: &str = "
    SELECT d.id, d.kind, d.year, d.organisation_id,
           COALESCE(a.actor_name, o.name, s.name) AS party,
           d.case_number, d.entity, d.entity_id, d.decided_at, d.decision, d.reasons,
           d.decided_by, du.name AS decided_by_name, d.decided_by_role,
           d.presented_by, pu.name AS presented_by_name, d.presented_by_role,
           d.rests_on_record, d.rests_on, d.content_sha256,
           d.region_prepared_by, ru.name AS region_prepared_by_name,
           d.region_signed_by, rs.name AS region_signed_by_name
    FROM decision_records d
    JOIN users du ON du.id = d.decided_by
    LEFT JOIN users pu ON pu.id = d.presented_by
    LEFT JOIN users ru ON ru.id = d.region_prepared_by
    LEFT JOIN users rs ON rs.id = d.region_signed_by
    LEFT JOIN organisations o ON o.id = d.organisation_id
    LEFT JOIN programme_years y ON y.year = d.year
    LEFT JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = d.organisation_id
    LEFT JOIN users s ON d.entity = 'user' AND s.id::text = d.entity_id";

/// A coordinator reaches their own organisation's records only (never a role grant, which
/// belongs to none); staff reach all.
const IN_SCOPE: &str = "($1::uuid IS NULL OR d.organisation_id = $1)";

/// One record the scope may see; `None` for any other id.
pub async fn find(db: impl PgExecutor<'_>, id: Uuid, scope: Scope) -> Result<Option<Record>> {
    Ok(
        sqlx::query_as(&format!("{SELECT} WHERE {IN_SCOPE} AND d.id = $2"))
            .bind(scope.organisation())
            .bind(id)
            .fetch_optional(db)
            .await?,
    )
}

/// What the list of records is narrowed to.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filter {
    pub year: Option<i32>,
    pub organisation: Option<Uuid>,
}

/// The records the scope may see, newest first.
pub async fn list(db: impl PgExecutor<'_>, scope: Scope, filter: Filter) -> Result<Vec<Record>> {
    Ok(sqlx::query_as(&format!(
        "{SELECT} WHERE {IN_SCOPE} AND ($2::int IS NULL OR d.year = $2)
             AND ($3::uuid IS NULL OR d.organisation_id = $3)
         ORDER BY d.decided_at DESC, d.id"
    ))
    .bind(scope.organisation())
    .bind(filter.year)
    .bind(filter.organisation)
    .fetch_all(db)
    .await?)
}

/// The years the scope's records belong to, newest first.
pub async fn years(db: impl PgExecutor<'_>, scope: Scope) -> Result<Vec<i32>> {
    Ok(sqlx::query_scalar(
        "SELECT DISTINCT d.year FROM decision_records d
         WHERE d.year IS NOT NULL AND ($1::uuid IS NULL OR d.organisation_id = $1)
         ORDER BY d.year DESC",
    )
    .bind(scope.organisation())
    .fetch_all(db)
    .await?)
}

/// The organisations records concern, by name: the staff's filter.
pub async fn parties(db: impl PgExecutor<'_>) -> Result<Vec<(Uuid, String)>> {
    Ok(sqlx::query_as(
        "SELECT DISTINCT o.id, o.name FROM decision_records d
         JOIN organisations o ON o.id = d.organisation_id ORDER BY o.name",
    )
    .fetch_all(db)
    .await?)
}

// ---- The case documents ----

/// Whether the region changed `x` (a row of `entity`) after it last filed it: an audit entry
/// of a changing action after the last filing one. Then the row no longer says what was
/// filed. Parameters `$p` (the entity), `$p+1` (the filing actions), `$p+2` (the changing).
fn changed_since_filed(p: usize) -> String {
    let (entity, filed, changed) = (
        format!("${p}"),
        format!("${}", p + 1),
        format!("${}", p + 2),
    );
    format!(
        "EXISTS (SELECT 1 FROM audit_log c
                 WHERE c.entity = {entity} AND c.entity_id = x.id::text AND c.action = ANY({changed})
                   AND c.id > COALESCE((SELECT max(f.id) FROM audit_log f
                                        WHERE f.entity = {entity} AND f.entity_id = x.id::text
                                          AND f.action = ANY({filed})), 0))"
    )
}

/// Whether the requisition was changed after it was last sent in.
pub async fn requisition_changed_since_filed(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT {} FROM (SELECT $1::uuid AS id) x",
        changed_since_filed(2)
    ))
    .bind(id)
    .bind("requisition")
    .bind(REQUISITION_FILED.to_vec())
    .bind(REQUISITION_CHANGED.to_vec())
    .fetch_one(db)
    .await?)
}

/// Whether the report was changed after it was last sent in.
pub async fn report_changed_since_filed(db: impl PgExecutor<'_>, id: Uuid) -> Result<bool> {
    Ok(sqlx::query_scalar(&format!(
        "SELECT {} FROM (SELECT $1::uuid AS id) x",
        changed_since_filed(2)
    ))
    .bind(id)
    .bind("report")
    .bind(REPORT_FILED.to_vec())
    .bind(REPORT_CHANGED.to_vec())
    .fetch_one(db)
    .await?)
}

/// Who sent a case in last (the audit's filing entry, and which it was; its creator when
/// none is recorded), who prepared it for the signatory and the signatory who confirmed it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Filed {
    pub submitted_by_name: String,
    pub filed_action: Option<String>,
    pub prepared_by_name: Option<String>,
    pub signed_by_name: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
}

impl Filed {
    /// Who the document names, the signatory's confirmation (`signed`, the audit action)
    /// being the filing that counts when it was the last.
    pub fn sent_by(&self, signed: &str) -> model::SentBy<'_> {
        match (&self.signed_by_name, self.signed_at) {
            (Some(signed_by), Some(signed_at)) if self.filed_action.as_deref() == Some(signed) => {
                model::SentBy::Signatory {
                    prepared_by: self.prepared_by_name.as_deref(),
                    signed_by,
                    signed_at,
                }
            }
            _ => model::SentBy::Region {
                name: &self.submitted_by_name,
            },
        }
    }
}

/// `Filed` of a row of `table` (`requisitions` or `reports`), audited as `entity`.
async fn filed_in(
    db: impl PgExecutor<'_>,
    table: &'static str,
    entity: &'static str,
    filing: &[&'static str],
    id: Uuid,
) -> Result<Option<Filed>> {
    Ok(sqlx::query_as(&format!(
        "SELECT COALESCE((SELECT u.name FROM audit_log a JOIN users u ON u.id = a.actor_user_id
                          WHERE a.entity = $2 AND a.entity_id = r.id::text AND a.action = ANY($3)
                          ORDER BY a.id DESC LIMIT 1), cu.name) AS submitted_by_name,
                (SELECT a.action FROM audit_log a
                 WHERE a.entity = $2 AND a.entity_id = r.id::text AND a.action = ANY($3)
                 ORDER BY a.id DESC LIMIT 1) AS filed_action,
                pu.name AS prepared_by_name, su.name AS signed_by_name, r.signed_at
         FROM {table} r
         JOIN users cu ON cu.id = r.created_by
         LEFT JOIN users pu ON pu.id = r.prepared_by
         LEFT JOIN users su ON su.id = r.signed_by
         WHERE r.id = $1"
    ))
    .bind(id)
    .bind(entity)
    .bind(filing.to_vec())
    .fetch_optional(db)
    .await?)
}

pub async fn requisition_filed(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Filed>> {
    filed_in(db, "requisitions", "requisition", &REQUISITION_FILED, id).await
}

pub async fn report_filed(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Filed>> {
    filed_in(db, "reports", "report", &REPORT_FILED, id).await
}

/// When a requisition was last sent in (`None`: never, or no such requisition).
pub async fn requisition_submitted_at(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar::<_, Option<DateTime<Utc>>>(
        "SELECT submitted_at FROM requisitions WHERE id = $1 AND first_submitted_at IS NOT NULL",
    )
    .bind(id)
    .fetch_optional(db)
    .await?
    .flatten())
}

/// When a report's version was last sent in (`None`: a draft never sent, or no such report).
pub async fn report_submitted_at(
    db: impl PgExecutor<'_>,
    id: Uuid,
) -> Result<Option<DateTime<Utc>>> {
    Ok(sqlx::query_scalar::<_, Option<DateTime<Utc>>>(
        "SELECT submitted_at FROM reports WHERE id = $1 AND state <> $2",
    )
    .bind(id)
    .bind(ReportState::Draft)
    .fetch_optional(db)
    .await?
    .flatten())
}

/// A filed requisition, as a case's documents list its receipt.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FiledRequisition {
    pub id: Uuid,
    pub case_number: String,
    pub year: i32,
    pub organisation_id: Uuid,
    pub submitted_at: DateTime<Utc>,
    /// Changed after it was last sent in: its receipt can be had only if kept before.
    pub changed: bool,
}

/// The year's filed requisitions (one organisation's, or every one's).
pub async fn filed_requisitions(
    db: impl PgExecutor<'_>,
    year: i32,
    organisation: Option<Uuid>,
) -> Result<Vec<FiledRequisition>> {
    Ok(sqlx::query_as(&format!(
        "SELECT x.id, x.case_number, x.year, x.organisation_id, x.submitted_at,
                {} AS changed
         FROM requisitions x
         WHERE x.year = $1 AND ($2::uuid IS NULL OR x.organisation_id = $2)
           AND x.first_submitted_at IS NOT NULL AND x.submitted_at IS NOT NULL AND x.state <> $6
         ORDER BY x.submitted_at, x.case_number",
        changed_since_filed(3)
    ))
    .bind(year)
    .bind(organisation)
    .bind("requisition")
    .bind(REQUISITION_FILED.to_vec())
    .bind(REQUISITION_CHANGED.to_vec())
    .bind(RequisitionState::Draft)
    .fetch_all(db)
    .await?)
}

/// A filed version of a report, as a case's documents list it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FiledReport {
    pub id: Uuid,
    pub year: i32,
    pub organisation_id: Uuid,
    pub version: i32,
    pub actor_name: String,
    pub submitted_at: DateTime<Utc>,
    pub changed: bool,
}

/// The year's filed report versions (one organisation's, or every one's).
pub async fn filed_reports(
    db: impl PgExecutor<'_>,
    year: i32,
    organisation: Option<Uuid>,
) -> Result<Vec<FiledReport>> {
    Ok(sqlx::query_as(&format!(
        "SELECT x.id, x.year, x.organisation_id, x.version, a.actor_name, x.submitted_at,
                {} AS changed
         FROM reports x
         JOIN programme_years y ON y.year = x.year
         JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = x.organisation_id
         WHERE x.year = $1 AND ($2::uuid IS NULL OR x.organisation_id = $2)
           AND x.submitted_at IS NOT NULL AND x.state <> $6
         ORDER BY x.submitted_at, x.version",
        changed_since_filed(3)
    ))
    .bind(year)
    .bind(organisation)
    .bind("report")
    .bind(REPORT_FILED.to_vec())
    .bind(REPORT_CHANGED.to_vec())
    .bind(ReportState::Draft)
    .fetch_all(db)
    .await?)
}

/// A decision record, as a case's documents list it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ListedDecision {
    pub id: Uuid,
    pub kind: DecisionKind,
    pub case_number: Option<String>,
    pub decided_at: DateTime<Utc>,
    pub year: Option<i32>,
    pub organisation_id: Option<Uuid>,
}

/// The year's decision records: one organisation's, or every one's with those of the year
/// that concern no organisation.
pub async fn decisions_of_year(
    db: impl PgExecutor<'_>,
    year: i32,
    organisation: Option<Uuid>,
) -> Result<Vec<ListedDecision>> {
    Ok(sqlx::query_as(
        "SELECT id, kind, case_number, decided_at, year, organisation_id FROM decision_records
         WHERE year = $1 AND ($2::uuid IS NULL OR organisation_id = $2)
         ORDER BY decided_at, id",
    )
    .bind(year)
    .bind(organisation)
    .fetch_all(db)
    .await?)
}

/// Which of these keys have a kept PDF/A.
pub async fn kept_keys(db: impl PgExecutor<'_>, keys: &[String]) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT key FROM case_document_pdfs WHERE key = ANY($1)")
            .bind(keys.to_vec())
            .fetch_all(db)
            .await?,
    )
}

/// A kept PDF/A: its file name, checksum and bytes.
pub async fn kept_pdf(
    db: impl PgExecutor<'_>,
    key: &str,
) -> Result<Option<(String, String, Vec<u8>)>> {
    Ok(
        sqlx::query_as("SELECT filename, sha256, bytes FROM case_document_pdfs WHERE key = $1")
            .bind(key)
            .fetch_optional(db)
            .await?,
    )
}

/// Keeps a PDF/A under `key`, audited, unless one is kept already (made meanwhile by
/// another request): whichever came first is the one kept. `true` when this one was.
pub async fn keep_pdf(
    tx: &mut PgConnection,
    key: &str,
    filename: &str,
    sha256: &str,
    bytes: &[u8],
    by: Option<Uuid>,
) -> Result<bool> {
    let kept: Option<String> = sqlx::query_scalar(
        "INSERT INTO case_document_pdfs (key, filename, sha256, bytes, made_by)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (key) DO NOTHING RETURNING key",
    )
    .bind(key)
    .bind(filename)
    .bind(sha256)
    .bind(bytes)
    .bind(by)
    .fetch_optional(&mut *tx)
    .await?;
    if kept.is_none() {
        return Ok(false);
    }
    audit::Entry::new(by, "case_document.kept", "case_document", key)
        .after(json!({
            "key": key, "filename": filename, "sha256": sha256, "size": bytes.len(),
        }))
        .record(tx)
        .await?;
    Ok(true)
}
