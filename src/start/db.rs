//! The coordinator's start page in two questions: the programme years with what the
//! organisation still has to do in each (the list across years, the year picker and which
//! year is shown), then the facts of the year shown. Every rule is the schema's own view
//! (`actor_deadlines`, `requisitioned_funds`, `repayment_owed_per_actor`, `live_payouts`),
//! read for one organisation.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use sqlx::PgPool;
use uuid::Uuid;

use crate::{
    history::db::Imported,
    mail::db::ObligationKind,
    network::model::AgencyContact,
    programme::{db::ProgrammeYear, model::ExtendedDeadline},
    repayments::model::{Balance, PaymentState, RefundState},
    reports::model::ReportState,
    requisitions::model::{CaseState, PayoutState, RequisitionState},
    summary::model::Figures,
};

/// A programme year and what the organisation still has to do in it: each step's deadline
/// (the actor's own, extensions included) while the step is open, else `None`. The rule is
/// the schema's `open_actor_obligations`, which the reminders read too.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenYear {
    #[sqlx(flatten)]
    pub year: ProgrammeYear,
    pub open_requisition: Option<NaiveDate>,
    pub open_report: Option<NaiveDate>,
    pub open_repayment: Option<NaiveDate>,
    /// What is left to pay of an open repayment.
    pub repayment_left: Option<Decimal>,
}

/// Every programme year, oldest first, with the organisation's open steps in it.
pub async fn open_years(
    db: &PgPool,
    organisation: Uuid,
    today: NaiveDate,
) -> sqlx::Result<Vec<OpenYear>> {
    sqlx::query_as(
        "SELECT y.*,
                o.open_requisition, o.open_report, o.open_repayment, o.repayment_left
         FROM programme_years y
         LEFT JOIN LATERAL (
              SELECT max(ob.deadline) FILTER (WHERE ob.kind = $3) AS open_requisition,
                     max(ob.deadline) FILTER (WHERE ob.kind = $4) AS open_report,
                     max(ob.deadline) FILTER (WHERE ob.kind = $5) AS open_repayment,
                     max(ob.amount) FILTER (WHERE ob.kind = $5) AS repayment_left
              FROM open_actor_obligations($2) ob
              WHERE ob.year = y.year AND ob.organisation_id = $1
         ) o ON true
         ORDER BY y.year",
    )
    .bind(organisation)
    .bind(today)
    .bind(ObligationKind::Requisition.key())
    .bind(ObligationKind::Report.key())
    .bind(ObligationKind::Repayment.key())
    .fetch_all(db)
    .await
}

/// What the start page shows of one year for one organisation, and Tillväxtverket's
/// contact person. Without a year (none chosen) only the contact is known; without an
/// actor name the organisation is not an actor of the year, and the rest says nothing.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct YearFacts {
    pub decision_number: Option<String>,
    pub actor_name: Option<String>,
    pub org_number: Option<String>,
    requisition_due: Option<NaiveDate>,
    report_due: Option<NaiveDate>,
    repayment_due: Option<NaiveDate>,
    extended_to: Option<NaiveDate>,
    extension_reason: Option<String>,
    requisition_id: Option<Uuid>,
    requisition_state: Option<RequisitionState>,
    payout_state: Option<PayoutState>,
    report_id: Option<Uuid>,
    report_state: Option<ReportState>,
    /// From `requisitioned_funds`: set only when the funds were requisitioned and paid.
    pub report_late_after: Option<NaiveDate>,
    owed: Option<Decimal>,
    owed_approved: bool,
    registered: Decimal,
    received: Decimal,
    refunded: Decimal,
    refunding: Decimal,
    repayment_opened_on: Option<NaiveDate>,
    has_case: bool,
    /// Some actor has a case that year.
    pub run_here: bool,
    imported: bool,
    imported_requisitioned: Option<Decimal>,
    paid_out: Option<Decimal>,
    paid_on: Option<NaiveDate>,
    used: Option<Decimal>,
    unused: Option<Decimal>,
    repaid: Option<Decimal>,
    repaid_on: Option<NaiveDate>,
    report_approved_on: Option<NaiveDate>,
    contact_name: Option<String>,
    contact_email: Option<String>,
}

/// The actor's three deadlines of the year, extensions included.
pub struct Due {
    pub requisition: NaiveDate,
    pub report: NaiveDate,
    pub repayment: NaiveDate,
}

/// The year's requisition that is not withdrawn or rejected, with its live payout's state.
pub struct ActiveRequisition {
    pub id: Uuid,
    pub state: RequisitionState,
    pub payout_state: Option<PayoutState>,
}

impl ActiveRequisition {
    pub fn case_state(&self) -> CaseState {
        CaseState::of(self.state, self.payout_state)
    }

    pub fn is_draft(&self) -> bool {
        self.state == RequisitionState::Draft
    }
}

/// The current version of the year's report.
pub struct CurrentReport {
    pub id: Uuid,
    pub state: ReportState,
}

/// A later requisition date granted the actor, as the start page tells it.
pub struct ExtensionNotice {
    pub new_deadline: NaiveDate,
    pub reason: String,
}

impl YearFacts {
    pub fn due(&self) -> Option<Due> {
        Some(Due {
            requisition: self.requisition_due?,
            report: self.report_due?,
            repayment: self.repayment_due?,
        })
    }

    pub fn requisition(&self) -> Option<ActiveRequisition> {
        Some(ActiveRequisition {
            id: self.requisition_id?,
            state: self.requisition_state?,
            payout_state: self.payout_state,
        })
    }

    pub fn report(&self) -> Option<CurrentReport> {
        Some(CurrentReport {
            id: self.report_id?,
            state: self.report_state?,
        })
    }

    pub fn extension(&self) -> Option<ExtensionNotice> {
        Some(ExtensionNotice {
            new_deadline: self.extended_to?,
            reason: self.extension_reason.clone()?,
        })
    }

    /// The repayment's sums, as `repayments::db::rows` makes them.
    pub fn balance(&self) -> Balance {
        Balance {
            owed: self.owed,
            approved: self.owed_approved,
            registered: self.registered,
            received: self.received,
            refunded: self.refunded,
            refunding: self.refunding,
            opened_on: self.repayment_opened_on,
        }
    }

    /// A case, imported history, or nothing, as `summary::db::actor_figures` says it.
    pub fn figures(&self, organisation: Uuid) -> Figures {
        let imported = match self.imported_requisitioned {
            Some(requisitioned) if self.imported => Some(Imported {
                organisation_id: organisation,
                requisitioned,
                paid_out: self.paid_out,
                paid_on: self.paid_on,
                used: self.used,
                unused: self.unused,
                repaid: self.repaid,
                repaid_on: self.repaid_on,
                report_approved_on: self.report_approved_on,
            }),
            _ => None,
        };
        Figures::of(self.has_case, imported)
    }

    pub fn agency_contact(&self) -> Option<AgencyContact> {
        Some(AgencyContact {
            name: self.contact_name.clone()?,
            email: self.contact_email.clone()?,
        })
    }
}

/// The facts of `year` (if any) for the organisation, in one row.
pub async fn year_facts(
    db: &PgPool,
    year: Option<i32>,
    organisation: Uuid,
) -> sqlx::Result<YearFacts> {
    // Each CTE is an aggregate without grouping: exactly one row, so the query always
    // answers one row, if only with the contact person.
    sqlx::query_as(
        "WITH pay AS (
              SELECT sum(amount) FILTER (WHERE state = $5) AS registered,
                     sum(received_amount) FILTER (WHERE state = $6) AS received
              FROM repayment_payments WHERE year = $1 AND organisation_id = $2
         ), ref AS (
              SELECT sum(amount) FILTER (WHERE state = $7) AS refunded,
                     sum(amount) FILTER (WHERE state = ANY($8)) AS refunding
              FROM refunds WHERE year = $1 AND organisation_id = $2
         ), opened AS (
              SELECT (min(first_submitted_at) AT TIME ZONE 'Europe/Stockholm')::date AS opened_on
              FROM reports WHERE year = $1 AND organisation_id = $2
         )
         SELECT p.decision_number, a.actor_name, o.org_number,
                d.requisition_due, d.report_due, d.repayment_due,
                x.new_deadline AS extended_to, x.reason AS extension_reason,
                req.id AS requisition_id, req.state AS requisition_state,
                lp.state AS payout_state,
                rep.id AS report_id, rep.state AS report_state,
                f.report_late_after,
                ow.owed, COALESCE(ow.approved, false) AS owed_approved,
                COALESCE(pay.registered, 0) AS registered,
                COALESCE(pay.received, 0) AS received,
                COALESCE(ref.refunded, 0) AS refunded,
                COALESCE(ref.refunding, 0) AS refunding,
                opened.opened_on AS repayment_opened_on,
                EXISTS (SELECT 1 FROM requisitions c
                        WHERE c.year = $1 AND c.organisation_id = $2
                          AND c.first_submitted_at IS NOT NULL AND c.state <> ALL($4))
                    AS has_case,
                EXISTS (SELECT 1 FROM requisitions c
                        WHERE c.year = $1 AND c.first_submitted_at IS NOT NULL
                          AND c.state <> ALL($4))
                    AS run_here,
                i.organisation_id IS NOT NULL AS imported,
                i.requisitioned AS imported_requisitioned, i.paid_out, i.paid_on, i.used,
                i.unused, i.repaid, i.repaid_on, i.report_approved_on,
                ns.contact_name, ns.contact_email
         FROM pay
         CROSS JOIN ref
         CROSS JOIN opened
         LEFT JOIN network_settings ns ON ns.contact_name IS NOT NULL
         LEFT JOIN programme_years y ON y.year = $1
         LEFT JOIN periods p ON p.id = y.period_id
         LEFT JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = $2
         LEFT JOIN organisations o ON o.id = a.organisation_id
         LEFT JOIN actor_deadlines d ON d.year = $1 AND d.organisation_id = $2
         LEFT JOIN deadline_extensions x
              ON x.year = $1 AND x.organisation_id = $2 AND x.deadline = $3
         LEFT JOIN requisitions req
              ON req.year = $1 AND req.organisation_id = $2 AND req.state <> ALL($4)
         LEFT JOIN live_payouts lp ON lp.requisition_id = req.id
         LEFT JOIN reports rep ON rep.current AND rep.year = $1 AND rep.organisation_id = $2
         LEFT JOIN requisitioned_funds f ON f.year = $1 AND f.organisation_id = $2
         LEFT JOIN repayment_owed_per_actor ow ON ow.year = $1 AND ow.organisation_id = $2
         LEFT JOIN imported_actor_years i ON i.year = $1 AND i.organisation_id = $2",
    )
    .bind(year)
    .bind(organisation)
    .bind(ExtendedDeadline::Requisition)
    .bind(RequisitionState::ENDED.to_vec())
    .bind(PaymentState::Registered)
    .bind(PaymentState::Confirmed)
    .bind(RefundState::Paid)
    .bind(RefundState::UNDER_WAY.to_vec())
    .fetch_one(db)
    .await
}
