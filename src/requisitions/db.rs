//! Reading and writing requisitions, payouts, extensions and messages. Every read
//! takes the user's scope, so a coordinator's query only ever finds their own.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use sqlx::{FromRow, PgConnection, PgPool, postgres::PgRow, types::Json};
use uuid::Uuid;

use super::model::{
    Action, CaseState, EXTENSION_BASIS_NOT_GIVEN, ExtensionGrant, PayoutAction, PayoutState,
    RequisitionFields, RequisitionState, is_late,
};
use crate::{
    auth::{Role, Scope},
    giro::PaymentMethod,
    programme::model::ExtendedDeadline,
    signatory::{db::Signatory, model::Standing},
    thread::{Message, ThreadKind},
};

/// A requisition with its actor, its live payout (if any) and any extended deadline.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Requisition {
    pub id: Uuid,
    pub case_number: String,
    pub year: i32,
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub decision_number: String,
    pub state: RequisitionState,
    pub amount: Option<Decimal>,
    pub payment_method: Option<PaymentMethod>,
    pub account_number: Option<String>,
    pub payment_reference: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_title: Option<String>,
    pub declaration: bool,
    pub state_note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub requisition_deadline: NaiveDate,
    pub extended_deadline: Option<NaiveDate>,
    /// The day that counts: the later of the two (`actor_deadlines`).
    pub due: NaiveDate,
    pub payout_id: Option<Uuid>,
    pub payout_state: Option<PayoutState>,
    pub payout_amount: Option<Decimal>,
    pub planned_date: Option<NaiveDate>,
    pub prepared_by: Option<Uuid>,
    pub prepared_by_name: Option<String>,
    pub approved_by_name: Option<String>,
    pub approved_at: Option<DateTime<Utc>>,
    pub paid_amount: Option<Decimal>,
    pub paid_date: Option<NaiveDate>,
    pub voucher_number: Option<String>,
    /// Who drew it up for the region's signatory, and when (the requisition's `prepared_by`
    /// and `prepared_at`, named apart from the payout's preparer above): set while it waits
    /// for the signatory and once signed; `None` when the region sent it without one.
    pub drawn_up_by: Option<Uuid>,
    pub drawn_up_by_name: Option<String>,
    pub drawn_up_at: Option<DateTime<Utc>>,
    /// The signatory who confirmed it and sent it in, and when.
    pub signed_by: Option<Uuid>,
    pub signed_by_name: Option<String>,
    pub signed_at: Option<DateTime<Utc>>,
    /// The signatory's message when they sent it back to the coordinator.
    pub signatory_note: Option<String>,
    /// Tillväxtverket's diarienummer of the case, once the registrar has given it one.
    pub diarienummer: Option<String>,
}

impl Requisition {
    pub fn case_state(&self) -> CaseState {
        CaseState::of(self.state, self.payout_state)
    }

    pub fn fields(&self) -> RequisitionFields {
        RequisitionFields {
            amount: self.amount,
            payment_method: self.payment_method,
            account_number: self.account_number.clone(),
            payment_reference: self.payment_reference.clone(),
            contact_name: self.contact_name.clone(),
            contact_email: self.contact_email.clone(),
            contact_phone: self.contact_phone.clone(),
            signatory_name: self.signatory_name.clone(),
            signatory_title: self.signatory_title.clone(),
            declaration: self.declaration,
        }
    }

    /// The last day the region may submit: the year's deadline, or a later one granted it.
    pub fn deadline(&self) -> NaiveDate {
        self.due
    }

    pub fn first_submitted_on(&self) -> Option<NaiveDate> {
        self.first_submitted_at.map(crate::clock::swedish_date)
    }

    /// Submitted after the deadline in force for the actor: within its extension is not
    /// late; after an extension was withdrawn, the year's own date holds again.
    pub fn is_late(&self) -> bool {
        is_late(self.first_submitted_on(), self.due)
    }

    pub fn is_draft(&self) -> bool {
        self.state == RequisitionState::Draft
    }

    /// The heading of the note the region must read: a return's or a rejection's.
    pub fn note_heading(&self) -> Option<&'static str> {
        match self.state {
            RequisitionState::Returned => Some("Tillväxtverket begär komplettering"),
            RequisitionState::Rejected => Some("Skäl till avslaget"),
            _ => None,
        }
    }

    pub fn amount_or_zero(&self) -> Decimal {
        self.amount.unwrap_or_default()
    }

    /// Where it stands towards the region's signatory (`signatory::model`).
    pub fn standing(&self) -> Standing {
        Standing::of(
            Action::Edit.allowed(self.state),
            self.drawn_up_at.is_some(),
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

/// The requisition's columns are named one by one: its `prepared_by` (for the signatory) and
/// the payout's would otherwise share a name.
const SELECT: &str = "
    SELECT r.id, r.case_number, r.year, r.organisation_id, r.decision_number, r.state, r.amount,
           r.payment_method, r.account_number, r.payment_reference, r.contact_name,
           r.contact_email, r.contact_phone, r.signatory_name, r.signatory_title, r.declaration,
           r.state_note, r.created_at, r.first_submitted_at, r.submitted_at,
           r.prepared_by AS drawn_up_by, du.name AS drawn_up_by_name, r.prepared_at AS drawn_up_at,
           r.signed_by, su.name AS signed_by_name, r.signed_at, r.signatory_note,
           (SELECT e.diarienummer FROM registry_entries e
            WHERE e.kind = 'requisition' AND e.year = r.year
              AND e.organisation_id = r.organisation_id) AS diarienummer,
           a.actor_name, y.requisition_deadline,
           d.requisition_extended_to AS extended_deadline, d.requisition_due AS due,
           p.id AS payout_id, p.state AS payout_state, p.amount AS payout_amount, p.planned_date,
           p.prepared_by, pu.name AS prepared_by_name, au.name AS approved_by_name, p.approved_at,
           p.paid_amount, p.paid_date, p.voucher_number
    FROM requisitions r
    JOIN programme_years y ON y.year = r.year
    JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = r.organisation_id
    JOIN actor_deadlines d ON d.year = r.year AND d.organisation_id = r.organisation_id
    LEFT JOIN live_payouts p ON p.requisition_id = r.id
    LEFT JOIN users pu ON pu.id = p.prepared_by
    LEFT JOIN users au ON au.id = p.approved_by
    LEFT JOIN users du ON du.id = r.prepared_by
    LEFT JOIN users su ON su.id = r.signed_by";

/// Staff see only what was submitted at some point (never a draft, nor a draft withdrawn
/// unsent); a coordinator sees only their organisation's.
const IN_SCOPE: &str =
    "($1::uuid IS NULL AND r.first_submitted_at IS NOT NULL OR r.organisation_id = $1)";

pub async fn find(db: &PgPool, id: Uuid, scope: Scope) -> sqlx::Result<Option<Requisition>> {
    sqlx::query_as(&format!("{SELECT} WHERE {IN_SCOPE} AND r.id = $2"))
        .bind(scope.organisation())
        .bind(id)
        .fetch_optional(db)
        .await
}

/// The requisitions of a year, oldest submission first.
pub async fn list(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    scope: Scope,
) -> sqlx::Result<Vec<Requisition>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE {IN_SCOPE} AND r.year = $2
         ORDER BY COALESCE(r.first_submitted_at, r.created_at), r.case_number"
    ))
    .bind(scope.organisation())
    .bind(year)
    .fetch_all(db)
    .await
}

/// The actor's requisition for the year that is not withdrawn or rejected.
pub async fn active(
    db: &PgPool,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Option<Requisition>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE r.organisation_id = $1 AND r.year = $2
         AND r.state <> ALL($3)"
    ))
    .bind(organisation)
    .bind(year)
    .bind(RequisitionState::ENDED.to_vec())
    .fetch_optional(db)
    .await
}

/// The programme years with at least one requisition in Digikoord.
pub async fn years_with_cases(db: impl sqlx::PgExecutor<'_>) -> sqlx::Result<Vec<i32>> {
    sqlx::query_scalar("SELECT DISTINCT year FROM requisitions ORDER BY year")
        .fetch_all(db)
        .await
}

/// Payouts waiting for an approver or for the payment to be registered.
pub async fn payouts_in_progress(db: &PgPool) -> sqlx::Result<Vec<Requisition>> {
    sqlx::query_as(&format!(
        "{SELECT} WHERE p.state = ANY($1) ORDER BY p.prepared_at"
    ))
    .bind(PayoutState::IN_PROGRESS.to_vec())
    .fetch_all(db)
    .await
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Extension {
    pub year: i32,
    pub organisation_id: Uuid,
    pub deadline: ExtendedDeadline,
    pub actor_name: String,
    /// The year's own date the extension moves.
    pub year_deadline: NaiveDate,
    pub new_deadline: NaiveDate,
    pub reason: String,
    /// The decision or consent it rests on.
    pub basis: String,
    pub granted_by_name: String,
    pub granted_at: DateTime<Utc>,
}

impl Extension {
    /// Granted before a basis was asked for: shown as missing.
    pub fn basis_missing(&self) -> bool {
        self.basis == EXTENSION_BASIS_NOT_GIVEN
    }
}

const SELECT_EXTENSION: &str = "
    SELECT x.year, x.organisation_id, x.deadline, a.actor_name,
           CASE x.deadline WHEN 'requisition' THEN y.requisition_deadline
                           WHEN 'report' THEN y.report_deadline
                           ELSE y.repayment_deadline END AS year_deadline,
           x.new_deadline, x.reason, x.basis, u.name AS granted_by_name, x.granted_at
    FROM deadline_extensions x
    JOIN programme_years y ON y.year = x.year
    JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = x.organisation_id
    JOIN users u ON u.id = x.granted_by";

pub async fn extension(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    organisation: Uuid,
    deadline: ExtendedDeadline,
) -> sqlx::Result<Option<Extension>> {
    sqlx::query_as(&format!(
        "{SELECT_EXTENSION} WHERE x.year = $1 AND x.organisation_id = $2 AND x.deadline = $3"
    ))
    .bind(year)
    .bind(organisation)
    .bind(deadline)
    .fetch_optional(db)
    .await
}

/// An actor's extensions for a year, one per deadline at most.
pub async fn extensions_of(
    db: impl sqlx::PgExecutor<'_>,
    year: i32,
    organisation: Uuid,
) -> sqlx::Result<Vec<Extension>> {
    sqlx::query_as(&format!(
        "{SELECT_EXTENSION} WHERE x.year = $1 AND x.organisation_id = $2 ORDER BY x.deadline"
    ))
    .bind(year)
    .bind(organisation)
    .fetch_all(db)
    .await
}

/// Every extension of the year, by actor and deadline.
pub async fn extensions(db: impl sqlx::PgExecutor<'_>, year: i32) -> sqlx::Result<Vec<Extension>> {
    sqlx::query_as(&format!(
        "{SELECT_EXTENSION} WHERE x.year = $1 ORDER BY a.actor_name, x.deadline"
    ))
    .bind(year)
    .fetch_all(db)
    .await
}

/// What an extension said before it was moved: (new deadline, reason, basis).
pub type ExtensionBefore = (NaiveDate, String, String);

/// Grants (or moves) an extension; returns the one it replaced.
pub async fn grant_extension(
    conn: &mut sqlx::PgConnection,
    year: i32,
    organisation: Uuid,
    grant: &ExtensionGrant,
    granted_by: Uuid,
) -> sqlx::Result<Option<ExtensionBefore>> {
    let before: Option<ExtensionBefore> = sqlx::query_as(
        "SELECT new_deadline, reason, basis FROM deadline_extensions
         WHERE year = $1 AND organisation_id = $2 AND deadline = $3 FOR UPDATE",
    )
    .bind(year)
    .bind(organisation)
    .bind(grant.deadline)
    .fetch_optional(&mut *conn)
    .await?;
    sqlx::query(
        "INSERT INTO deadline_extensions (year, organisation_id, deadline, new_deadline, reason,
                                          basis, granted_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (year, organisation_id, deadline) DO UPDATE
         SET new_deadline = EXCLUDED.new_deadline, reason = EXCLUDED.reason,
             basis = EXCLUDED.basis, granted_by = EXCLUDED.granted_by, granted_at = now()",
    )
    .bind(year)
    .bind(organisation)
    .bind(grant.deadline)
    .bind(grant.new_deadline)
    .bind(&grant.reason)
    .bind(&grant.basis)
    .bind(granted_by)
    .execute(conn)
    .await?;
    Ok(before)
}

/// Changes a granted extension: the new date, reason and basis replace the old. Returns
/// what it said before; `None` if it is gone (withdrawn meanwhile), and nothing is granted.
pub async fn change_extension(
    conn: &mut sqlx::PgConnection,
    year: i32,
    organisation: Uuid,
    grant: &ExtensionGrant,
    changed_by: Uuid,
) -> sqlx::Result<Option<ExtensionBefore>> {
    let before: Option<ExtensionBefore> = sqlx::query_as(
        "SELECT new_deadline, reason, basis FROM deadline_extensions
         WHERE year = $1 AND organisation_id = $2 AND deadline = $3 FOR UPDATE",
    )
    .bind(year)
    .bind(organisation)
    .bind(grant.deadline)
    .fetch_optional(&mut *conn)
    .await?;
    if before.is_none() {
        return Ok(None);
    }
    sqlx::query(
        "UPDATE deadline_extensions
         SET new_deadline = $4, reason = $5, basis = $6, granted_by = $7, granted_at = now()
         WHERE year = $1 AND organisation_id = $2 AND deadline = $3",
    )
    .bind(year)
    .bind(organisation)
    .bind(grant.deadline)
    .bind(grant.new_deadline)
    .bind(&grant.reason)
    .bind(&grant.basis)
    .bind(changed_by)
    .execute(conn)
    .await?;
    Ok(before)
}

/// Withdraws an actor's extension: its date goes back to the year's own. Returns what it
/// said; `None` if there was none (someone else withdrew it first).
pub async fn withdraw_extension(
    conn: &mut sqlx::PgConnection,
    year: i32,
    organisation: Uuid,
    deadline: ExtendedDeadline,
) -> sqlx::Result<Option<ExtensionBefore>> {
    sqlx::query_as(
        "DELETE FROM deadline_extensions WHERE year = $1 AND organisation_id = $2 AND deadline = $3
         RETURNING new_deadline, reason, basis",
    )
    .bind(year)
    .bind(organisation)
    .bind(deadline)
    .fetch_optional(conn)
    .await
}

/// One line of a requisition's history, from the audit trail.
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
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
            "requisition.created" => "Utkast skapat",
            "requisition.saved" => "Utkast sparat",
            "requisition.submitted" => "Inskickad",
            "requisition.resubmitted" => "Kompletterad och inskickad igen",
            "requisition.withdrawn" => "Återkallad",
            "requisition.returned" => "Återsänd för komplettering",
            "requisition.rejected" => "Avslagen",
            "requisition.approved" => "Godkänd; utbetalning förberedd",
            "payout.approved" => "Utbetalningen attesterad",
            "payout.sent_back" => "Utbetalningen skickad tillbaka till handläggaren",
            "payout.paid" => "Utbetalning registrerad",
            "requisition.prepared" => "Skickad till firmatecknaren för bekräftelse",
            "requisition.signed" => "Bekräftad av firmatecknaren och inskickad",
            "requisition.signatory_returned" => "Skickad tillbaka av firmatecknaren",
            "requisition.taken_back" => "Tagen tillbaka från firmatecknaren",
            other => other,
        }
    }
}

pub async fn history(db: &PgPool, requisition: Uuid) -> sqlx::Result<Vec<HistoryEntry>> {
    sqlx::query_as(
        "SELECT a.at, u.name AS actor_name, u.role <> $2 AS actor_is_staff, a.action,
                a.after->>'message' AS note
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
         WHERE a.entity = $3 AND a.entity_id = $1
         ORDER BY a.id",
    )
    .bind(requisition.to_string())
    .bind(Role::Coordinator)
    .bind("requisition")
    .fetch_all(db)
    .await
}

/// What a requisition's page lists below the requisition, each in the page's order.
#[derive(Clone, Debug)]
pub struct CaseLists {
    pub attachments: Vec<Attachment>,
    pub messages: Vec<Message>,
    pub history: Vec<HistoryEntry>,
    /// A message was written after the reader's read mark (or they have none): showing the
    /// thread moves the mark (`thread::mark_read`); otherwise moving it would change nothing.
    pub read_mark_behind: bool,
    /// The region's active signatories (asked in the page's one query, `signatory::db`).
    pub signatories: Vec<Signatory>,
}

/// A message of the requisition's thread as `case_lists_columns` gives it (`thread::messages`).
#[derive(serde::Deserialize)]
struct ThreadMessage {
    author_name: String,
    author_is_staff: bool,
    body: String,
    created_at: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct CaseListsRow {
    attachments: Json<Vec<Attachment>>,
    messages: Json<Vec<ThreadMessage>>,
    history: Json<Vec<HistoryEntry>>,
    read_mark_behind: bool,
    signatories: Json<Vec<Signatory>>,
}

impl CaseListsRow {
    fn lists(self) -> CaseLists {
        CaseLists {
            attachments: self.attachments.0,
            messages: self
                .messages
                .0
                .into_iter()
                .map(|m| Message {
                    author_name: m.author_name,
                    author_is_staff: m.author_is_staff,
                    body: m.body,
                    created_at: m.created_at,
                })
                .collect(),
            history: self.history.0,
            read_mark_behind: self.read_mark_behind,
            signatories: self.signatories.0,
        }
    }
}

/// The lists of requisition `c`, one JSON array each, so a page asks once: its documents
/// (`attachments`), its thread (`thread::messages`) and its history (`history`), with the
/// same rows and order as those; whether the reader's read mark is behind the thread; and
/// the region's signatories (as `signatory::db::of_organisation`).
/// Parameters `$p`, `$p+1`, `$p+2`: `Role::Coordinator`, the reader, `ThreadKind::Requisition`.
fn case_lists_columns(p: usize) -> String {
    let role = format!("${p}");
    let reader = format!("${}", p + 1);
    let kind = format!("${}", p + 2);
    format!(
        "COALESCE((SELECT json_agg(json_build_object(
                       'id', f.id, 'filename', f.filename, 'content_type', f.content_type,
                       'size', f.size, 'sha256', f.sha256, 'uploaded_by_name', u.name,
                       'uploaded_at', f.uploaded_at) ORDER BY f.uploaded_at, f.id)
                   FROM requisition_attachments f JOIN users u ON u.id = f.uploaded_by
                   WHERE f.requisition_id = c.id), '[]') AS attachments,
         COALESCE((SELECT json_agg(json_build_object(
                       'author_name', u.name, 'author_is_staff', u.role <> {role},
                       'body', m.body, 'created_at', m.created_at) ORDER BY m.created_at, m.id)
                   FROM requisition_messages m JOIN users u ON u.id = m.author_id
                   WHERE m.requisition_id = c.id), '[]') AS messages,
         COALESCE((SELECT json_agg(json_build_object(
                       'at', h.at, 'actor_name', u.name, 'actor_is_staff', u.role <> {role},
                       'action', h.action, 'note', h.after->>'message') ORDER BY h.id)
                   FROM audit_log h LEFT JOIN users u ON u.id = h.actor_user_id
                   WHERE h.entity = 'requisition' AND h.entity_id = c.id::text), '[]') AS history,
         EXISTS (SELECT 1 FROM requisition_messages m
                 WHERE m.requisition_id = c.id
                   AND m.created_at > COALESCE((SELECT t.read_at FROM thread_reads t
                                                WHERE t.user_id = {reader} AND t.kind = {kind}
                                                  AND t.case_id = c.id), '-infinity'))
             AS read_mark_behind,
         COALESCE((SELECT json_agg(json_build_object('id', s.id, 'name', s.name)
                                   ORDER BY s.name, s.id)
                   FROM users s
                   WHERE s.organisation_id = c.organisation_id AND s.signatory AND s.active),
                  '[]') AS signatories"
    )
}

/// A requisition the scope may see, with everything its page lists for `reader`: one query.
/// `None` if there is none, or the scope may not see it (as `find`).
pub async fn case_page(
    db: &PgPool,
    id: Uuid,
    scope: Scope,
    reader: Uuid,
) -> sqlx::Result<Option<(Requisition, CaseLists)>> {
    let row: Option<PgRow> = sqlx::query(&format!(
        "SELECT c.*, {} FROM ({SELECT} WHERE {IN_SCOPE} AND r.id = $2) c",
        case_lists_columns(3)
    ))
    .bind(scope.organisation())
    .bind(id)
    .bind(Role::Coordinator)
    .bind(reader)
    .bind(ThreadKind::Requisition)
    .fetch_optional(db)
    .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let r = Requisition::from_row(&row)?;
    let lists = CaseListsRow::from_row(&row)?;
    Ok(Some((r, lists.lists())))
}

/// What the page of a requisition already read lists for `reader`: one query.
pub async fn case_lists(db: &PgPool, requisition: Uuid, reader: Uuid) -> sqlx::Result<CaseLists> {
    let row: CaseListsRow = sqlx::query_as(&format!(
        "SELECT {} FROM requisitions c WHERE c.id = $1",
        case_lists_columns(2)
    ))
    .bind(requisition)
    .bind(Role::Coordinator)
    .bind(reader)
    .bind(ThreadKind::Requisition)
    .fetch_one(db)
    .await?;
    Ok(row.lists())
}

/// The next case number of a year; the counter only ever grows, so a number is never reused.
pub async fn next_case_number(conn: &mut PgConnection, year: i32) -> sqlx::Result<String> {
    let n: i32 = sqlx::query_scalar(
        "INSERT INTO case_number_counters (year, last) VALUES ($1, 1)
         ON CONFLICT (year) DO UPDATE SET last = case_number_counters.last + 1
         RETURNING last",
    )
    .bind(year)
    .fetch_one(conn)
    .await?;
    Ok(super::model::case_number(year, n))
}

pub struct NewRequisition<'a> {
    pub year: i32,
    pub organisation_id: Uuid,
    pub decision_number: &'a str,
    pub created_by: Uuid,
    pub fields: &'a RequisitionFields,
    pub submit: bool,
    pub now: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut PgConnection,
    new: NewRequisition<'_>,
) -> sqlx::Result<(Uuid, String)> {
    let id = Uuid::new_v4();
    let case_number = next_case_number(&mut *conn, new.year).await?;
    let f = new.fields;
    sqlx::query(
        "INSERT INTO requisitions (id, case_number, year, organisation_id, decision_number, state,
             amount, payment_method, account_number, payment_reference, contact_name, contact_email,
             contact_phone, signatory_name, signatory_title, declaration, created_by,
             first_submitted_at, submitted_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17,
             CASE WHEN $18 THEN $19::timestamptz END, CASE WHEN $18 THEN $19::timestamptz END)",
    )
    .bind(id)
    .bind(&case_number)
    .bind(new.year)
    .bind(new.organisation_id)
    .bind(new.decision_number)
    .bind(if new.submit {
        RequisitionState::Submitted
    } else {
        RequisitionState::Draft
    })
    .bind(f.amount)
    .bind(f.payment_method)
    .bind(&f.account_number)
    .bind(&f.payment_reference)
    .bind(&f.contact_name)
    .bind(&f.contact_email)
    .bind(&f.contact_phone)
    .bind(&f.signatory_name)
    .bind(&f.signatory_title)
    .bind(f.declaration)
    .bind(new.created_by)
    .bind(new.submit)
    .bind(new.now)
    .execute(conn)
    .await?;
    Ok((id, case_number))
}

/// Saves the region's fields, and submits when `submit`, but only from a state where
/// the region may still edit, and not while it waits for the region's signatory. A
/// submission straight from the region (it has no signatory besides the sender) leaves no
/// earlier round's preparer and signatory on it. `None` when the state had changed.
pub async fn update_fields(
    conn: &mut PgConnection,
    id: Uuid,
    fields: &RequisitionFields,
    submit: bool,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<RequisitionState>> {
    let f = fields;
    sqlx::query_scalar(
        "UPDATE requisitions SET
             amount = $2, payment_method = $3, account_number = $4, payment_reference = $5,
             contact_name = $6, contact_email = $7, contact_phone = $8, signatory_name = $9,
             signatory_title = $10, declaration = $11, updated_at = now(),
             state = CASE WHEN $12 THEN $14 ELSE state END,
             first_submitted_at = CASE WHEN $12 THEN COALESCE(first_submitted_at, $13) ELSE first_submitted_at END,
             submitted_at = CASE WHEN $12 THEN $13 ELSE submitted_at END,
             prepared_by = CASE WHEN $12 THEN NULL ELSE prepared_by END,
             prepared_at = CASE WHEN $12 THEN NULL ELSE prepared_at END,
             signed_by = CASE WHEN $12 THEN NULL ELSE signed_by END,
             signed_at = CASE WHEN $12 THEN NULL ELSE signed_at END
         WHERE id = $1 AND state = ANY($15) AND NOT awaiting_signatory(prepared_at, signed_at)
         RETURNING state",
    )
    .bind(id)
    .bind(f.amount)
    .bind(f.payment_method)
    .bind(&f.account_number)
    .bind(&f.payment_reference)
    .bind(&f.contact_name)
    .bind(&f.contact_email)
    .bind(&f.contact_phone)
    .bind(&f.signatory_name)
    .bind(&f.signatory_title)
    .bind(f.declaration)
    .bind(submit)
    .bind(now)
    .bind(RequisitionState::Submitted)
    .bind(Action::Edit.from_states())
    .fetch_optional(conn)
    .await
}

/// Sends an open requisition to the region's signatory, drawn up by `by` at `now`: it waits
/// for a signatory's confirmation, and nothing in it changes meanwhile. An earlier round's
/// signature and message go. `false` when it was not open (sent in, or waiting already).
pub async fn prepare(
    conn: &mut PgConnection,
    id: Uuid,
    by: Uuid,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE requisitions SET prepared_by = $2, prepared_at = $3, signed_by = NULL,
             signed_at = NULL, signatory_note = NULL, updated_at = now()
         WHERE id = $1 AND state = ANY($4) AND NOT awaiting_signatory(prepared_at, signed_at)",
    )
    .bind(id)
    .bind(by)
    .bind(now)
    .bind(Action::Submit.from_states())
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// The signatory `by` confirms the requisition `preparer` drew up at `shown` (the version
/// they read), and it is sent to Tillväxtverket at `now` as the region's own submission is.
/// Never by its preparer (the schema agrees: `requisitions_signed_by_another`). The state it
/// is in now; `None` when it no longer waited for the signatory as drawn up by `preparer` at
/// `shown` (taken back, changed and sent again is another version).
pub async fn sign(
    conn: &mut PgConnection,
    id: Uuid,
    preparer: Uuid,
    by: Uuid,
    shown: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<RequisitionState>> {
    sqlx::query_scalar(
        "UPDATE requisitions SET state = $5, signed_by = $3, signed_at = $4,
             first_submitted_at = COALESCE(first_submitted_at, $4), submitted_at = $4,
             updated_at = now()
         WHERE id = $1 AND state = ANY($6) AND awaiting_signatory(prepared_at, signed_at)
           AND prepared_by = $2 AND prepared_by <> $3 AND prepared_at = $7
         RETURNING state",
    )
    .bind(id)
    .bind(preparer)
    .bind(by)
    .bind(now)
    .bind(RequisitionState::Submitted)
    .bind(Action::Submit.from_states())
    .bind(shown)
    .fetch_optional(conn)
    .await
}

/// The signatory `by` sends the requisition back to `preparer` with `note`: the region's to
/// change and send again. `false` when it no longer waited as drawn up by `preparer` at
/// `shown` (the version the signatory read).
pub async fn send_back_to_preparer(
    conn: &mut PgConnection,
    id: Uuid,
    preparer: Uuid,
    by: Uuid,
    shown: DateTime<Utc>,
    note: &str,
) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE requisitions SET prepared_by = NULL, prepared_at = NULL, signatory_note = $4,
             updated_at = now()
         WHERE id = $1 AND state = ANY($5) AND awaiting_signatory(prepared_at, signed_at)
           AND prepared_by = $2 AND prepared_by <> $3 AND prepared_at = $6",
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

/// A coordinator of the region takes the requisition back from the signatory to change it.
/// `false` when it no longer waited for the signatory.
pub async fn take_back(conn: &mut PgConnection, id: Uuid) -> sqlx::Result<bool> {
    let updated = sqlx::query(
        "UPDATE requisitions SET prepared_by = NULL, prepared_at = NULL, updated_at = now()
         WHERE id = $1 AND state = ANY($2) AND awaiting_signatory(prepared_at, signed_at)",
    )
    .bind(id)
    .bind(Action::Edit.from_states())
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// Moves a requisition from one of `from` to `to`, with the note the region will see.
/// `false` when someone else changed the state first.
pub async fn transition(
    conn: &mut PgConnection,
    id: Uuid,
    from: &[RequisitionState],
    to: RequisitionState,
    note: Option<&str>,
) -> sqlx::Result<bool> {
    let decided = matches!(
        to,
        RequisitionState::Approved | RequisitionState::Rejected | RequisitionState::Returned
    );
    let updated = sqlx::query(
        "UPDATE requisitions SET state = $3, state_note = COALESCE($4, state_note),
             updated_at = now(), decided_at = CASE WHEN $5 THEN now() ELSE decided_at END
         WHERE id = $1 AND state = ANY($2)",
    )
    .bind(id)
    .bind(from)
    .bind(to)
    .bind(note)
    .bind(decided)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

/// A payout's step, with what it records besides its state: who approved it, why it was
/// sent back, or the payment as the ledger has it.
pub enum PayoutStep<'a> {
    Approve,
    SendBack {
        reason: &'a str,
    },
    RegisterPaid {
        amount: Decimal,
        date: NaiveDate,
        voucher_number: &'a str,
    },
}

impl PayoutStep<'_> {
    pub fn action(&self) -> PayoutAction {
        match self {
            PayoutStep::Approve => PayoutAction::Approve,
            PayoutStep::SendBack { .. } => PayoutAction::SendBack,
            PayoutStep::RegisterPaid { .. } => PayoutAction::RegisterPaid,
        }
    }
}

/// Moves a payout by `step` from the state the `PayoutAction` table says it starts in to
/// the one it leads to, recording `by` and what the step records. Approving also needs
/// someone other than the one who prepared it. `false` when the payout was not in that
/// state (someone else came first) or `by` prepared it.
pub async fn payout_transition(
    conn: &mut PgConnection,
    id: Uuid,
    step: PayoutStep<'_>,
    by: Uuid,
) -> sqlx::Result<bool> {
    let action = step.action();
    let (records, four_eyes) = match step {
        PayoutStep::Approve => (
            "approved_by = $2, approved_at = now()",
            " AND prepared_by <> $2",
        ),
        PayoutStep::SendBack { .. } => (
            "sent_back_by = $2, sent_back_at = now(), sent_back_reason = $5",
            "",
        ),
        PayoutStep::RegisterPaid { .. } => (
            "paid_by = $2, paid_at = now(), paid_amount = $6, paid_date = $7, voucher_number = $8",
            "",
        ),
    };
    let (reason, amount, date, voucher) = match step {
        PayoutStep::Approve => (None, None, None, None),
        PayoutStep::SendBack { reason } => (Some(reason), None, None, None),
        PayoutStep::RegisterPaid {
            amount,
            date,
            voucher_number,
        } => (None, Some(amount), Some(date), Some(voucher_number)),
    };
    let updated = sqlx::query(&format!(
        "UPDATE payouts SET state = $3, {records} WHERE id = $1 AND state = $4{four_eyes}"
    ))
    .bind(id)
    .bind(by)
    .bind(action.target())
    .bind(action.from_state())
    .bind(reason)
    .bind(amount)
    .bind(date)
    .bind(voucher)
    .execute(conn)
    .await?;
    Ok(updated.rows_affected() == 1)
}

pub async fn insert_payout(
    conn: &mut PgConnection,
    requisition: Uuid,
    amount: Decimal,
    planned_date: NaiveDate,
    prepared_by: Uuid,
) -> sqlx::Result<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO payouts (id, requisition_id, amount, planned_date, prepared_by)
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(id)
    .bind(requisition)
    .bind(amount)
    .bind(planned_date)
    .bind(prepared_by)
    .execute(conn)
    .await?;
    Ok(id)
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Payout {
    pub id: Uuid,
    pub requisition_id: Uuid,
    pub state: PayoutState,
    pub amount: Decimal,
    pub prepared_by: Uuid,
    pub prepared_at: DateTime<Utc>,
}

pub async fn payout(db: &PgPool, id: Uuid) -> sqlx::Result<Option<Payout>> {
    sqlx::query_as(
        "SELECT id, requisition_id, state, amount, prepared_by, prepared_at FROM payouts WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(db)
    .await
}

/// A document on a requisition (without its bytes).
#[derive(Clone, Debug, sqlx::FromRow, serde::Deserialize)]
pub struct Attachment {
    pub id: Uuid,
    pub filename: String,
    pub content_type: String,
    pub size: i32,
    pub sha256: String,
    pub uploaded_by_name: String,
    pub uploaded_at: DateTime<Utc>,
}

pub async fn attachments(db: &PgPool, requisition: Uuid) -> sqlx::Result<Vec<Attachment>> {
    sqlx::query_as(
        "SELECT a.id, a.filename, a.content_type, a.size, a.sha256, u.name AS uploaded_by_name,
                a.uploaded_at
         FROM requisition_attachments a JOIN users u ON u.id = a.uploaded_by
         WHERE a.requisition_id = $1 ORDER BY a.uploaded_at, a.id",
    )
    .bind(requisition)
    .fetch_all(db)
    .await
}

/// (filename, content type, bytes) of one document of the requisition.
pub async fn attachment_file(
    db: &PgPool,
    requisition: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<(String, String, Vec<u8>)>> {
    sqlx::query_as(
        "SELECT filename, content_type, bytes FROM requisition_attachments
         WHERE requisition_id = $1 AND id = $2",
    )
    .bind(requisition)
    .bind(id)
    .fetch_optional(db)
    .await
}

#[allow(clippy::too_many_arguments)]
pub async fn insert_attachment(
    conn: &mut PgConnection,
    id: Uuid,
    requisition: Uuid,
    filename: &str,
    content_type: &str,
    sha256: &str,
    bytes: &[u8],
    by: Uuid,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO requisition_attachments (id, requisition_id, filename, content_type, size, sha256, bytes, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(requisition)
    .bind(filename)
    .bind(content_type)
    .bind(i32::try_from(bytes.len()).unwrap_or(i32::MAX))
    .bind(sha256)
    .bind(bytes)
    .bind(by)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Removes a document; its filename, or `None` if it was not there.
pub async fn remove_attachment(
    conn: &mut PgConnection,
    requisition: Uuid,
    id: Uuid,
) -> sqlx::Result<Option<String>> {
    sqlx::query_scalar(
        "DELETE FROM requisition_attachments WHERE requisition_id = $1 AND id = $2 RETURNING filename",
    )
    .bind(requisition)
    .bind(id)
    .fetch_optional(conn)
    .await
}
