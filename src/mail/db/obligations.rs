//! What someone still has to do by a deadline: the regions' obligations and what waits
//! for Tillväxtverket, for the start pages, the reminders and the weekly digest.

use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    export::Document,
    repayments::model::{PaymentState, RefundAction},
    reports::model::Action as ReportAction,
    requisitions::model::{Action as RequisitionAction, PayoutAction},
};

/// What an obligation is: a region's three, or Tillväxtverket's three.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ObligationKind {
    Requisition,
    Report,
    Repayment,
    AgencyRequisition,
    AgencyRepayment,
    Summary,
}

impl ObligationKind {
    pub const ALL: [ObligationKind; 6] = [
        ObligationKind::Requisition,
        ObligationKind::Report,
        ObligationKind::Repayment,
        ObligationKind::AgencyRequisition,
        ObligationKind::AgencyRepayment,
        ObligationKind::Summary,
    ];

    /// Its name in a reminder's key and the outbox's topic.
    pub fn key(self) -> &'static str {
        match self {
            ObligationKind::Requisition => "requisition",
            ObligationKind::Report => "report",
            ObligationKind::Repayment => "repayment",
            ObligationKind::AgencyRequisition => "agency_requisition",
            ObligationKind::AgencyRepayment => "agency_repayment",
            ObligationKind::Summary => "summary",
        }
    }

    fn from_key(key: &str) -> Option<ObligationKind> {
        ObligationKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// An open obligation with a deadline: something someone still has to do.
#[derive(Clone, Debug)]
pub struct Obligation {
    pub kind: ObligationKind,
    pub year: i32,
    /// The region, or `None` for Tillväxtverket's own.
    pub organisation_id: Option<Uuid>,
    pub organisation: String,
    pub deadline: chrono::NaiveDate,
    /// The deadline is the year's own and no source gives it: said wherever it is named.
    pub assumed: bool,
    /// For a repayment: what is still to pay.
    pub amount: Option<rust_decimal::Decimal>,
    /// For a repayment: a case officer decided not to claim its late-payment interest
    /// (`interest_decisions`), so its reminder does not say interest runs.
    pub interest_waived: bool,
}

impl ObligationKind {
    /// The year's date this obligation falls due on.
    pub fn year_date(self) -> crate::programme::model::YearDate {
        use crate::programme::model::YearDate;
        match self {
            ObligationKind::Requisition => YearDate::Requisition,
            ObligationKind::Report => YearDate::Report,
            ObligationKind::Repayment => YearDate::Repayment,
            ObligationKind::AgencyRequisition => YearDate::AgencyRequisition,
            ObligationKind::AgencyRepayment => YearDate::AgencyRepayment,
            ObligationKind::Summary => YearDate::Summary,
        }
    }
}

/// Whose open obligations to find.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Whose {
    /// Every actor's and Tillväxtverket's (the reminders).
    All,
    /// One organisation's (its start page).
    Organisation(Uuid),
    /// Tillväxtverket's own (the staff's start page).
    Agency,
}

/// Every obligation still open on `today` whose deadline is at most a year past:
/// - a requisition not yet filed (none, a draft, or returned) until its deadline, for a
///   year whose budget is decided: the offer is voluntary, so an actor that did not
///   requisition is not late, it took no funds that year; and a year the Riksdag has not
///   decided is not chased;
/// - a report not yet submitted by an actor that requisitioned funds and was paid them
///   (`requisitioned_funds`), due the later of its deadline and the day it was paid: only
///   the days on which the region could report count;
/// - a repayment owed by an approved report and not yet paid in full (payments the
///   region registered count as paid: what remains is for Tillväxtverket to confirm);
/// - Tillväxtverket's requisition and repayment to Kammarkollegiet not yet registered,
///   and its summary not yet marked submitted.
///
/// Deadlines include the actor's extension. The actors' part is the schema's one rule,
/// `open_actor_obligations` (the start page reads it too).
pub async fn open_obligations(
    conn: &mut PgConnection,
    today: chrono::NaiveDate,
    whose: Whose,
) -> sqlx::Result<Vec<Obligation>> {
    // The filter goes into the text, so each kind of question gets its own plan: one
    // organisation's start page reads that organisation's rows only.
    let (actors, agency) = match whose {
        Whose::All => ("", ""),
        Whose::Organisation(_) => ("AND a.organisation_id = $2", "AND false"),
        Whose::Agency => ("AND false", ""),
    };
    let organisation = match whose {
        Whose::Organisation(org) => Some(org),
        _ => None,
    };
    #[derive(sqlx::FromRow)]
    struct Row {
        kind: String,
        year: i32,
        organisation_id: Option<Uuid>,
        organisation: String,
        deadline: chrono::NaiveDate,
        amount: Option<rust_decimal::Decimal>,
        interest_waived: bool,
    }
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "WITH o AS (
            SELECT a.kind, a.year, a.organisation_id, a.organisation, a.deadline, a.amount
            FROM open_actor_obligations($1) a
            WHERE true {actors}
          UNION ALL
            SELECT $3::text, y.year, NULL, 'Tillväxtverket', y.agency_requisition_deadline, NULL
            FROM programme_years y LEFT JOIN agency_accounts ac ON ac.year = y.year
            WHERE ac.requisitioned IS NULL AND y.agency_requisition_deadline IS NOT NULL {agency}
          UNION ALL
            SELECT $4, y.year, NULL, 'Tillväxtverket', y.agency_repayment_deadline, NULL
            FROM programme_years y LEFT JOIN agency_accounts ac ON ac.year = y.year
            WHERE ac.repaid IS NULL AND y.agency_repayment_deadline IS NOT NULL {agency}
          UNION ALL
            SELECT $5, y.year, NULL, 'Tillväxtverket', y.summary_deadline, NULL
            FROM programme_years y
            WHERE true {agency}
              AND NOT EXISTS (SELECT 1 FROM summary_exports s
                              WHERE s.year = y.year AND s.document = $6
                                AND s.submitted_at IS NOT NULL)
         )
         SELECT o.kind, o.year, o.organisation_id, o.organisation, o.deadline, o.amount,
                COALESCE(NOT i.claim, false) AS interest_waived
         FROM o
         LEFT JOIN interest_decisions i ON o.kind = $7 AND i.year = o.year
              AND i.organisation_id = o.organisation_id
         WHERE o.deadline >= $1 - 365
         ORDER BY o.deadline, o.kind, o.organisation"
    ))
    .bind(today)
    .bind(organisation)
    .bind(ObligationKind::AgencyRequisition.key())
    .bind(ObligationKind::AgencyRepayment.key())
    .bind(ObligationKind::Summary.key())
    .bind(Document::Summary)
    .bind(ObligationKind::Repayment.key())
    .fetch_all(&mut *conn)
    .await?;
    // An obligation due on its year's own date, where no source gives that date, is
    // named as assumed (a date moved for the actor, or by a late payout, is not).
    let years = crate::programme::db::years_in(&mut *conn).await?;
    let assumed = |kind: ObligationKind, year: i32, deadline: chrono::NaiveDate| {
        years.iter().find(|y| y.year == year).is_some_and(|y| {
            let which = kind.year_date();
            y.assumed(which) && y.date_of(&which) == Some(deadline)
        })
    };
    rows.into_iter()
        .map(|r| {
            let kind = ObligationKind::from_key(&r.kind).ok_or_else(|| {
                sqlx::Error::Decode(format!("unknown obligation kind {}", r.kind).into())
            })?;
            Ok(Obligation {
                kind,
                year: r.year,
                organisation_id: r.organisation_id,
                organisation: r.organisation,
                deadline: r.deadline,
                assumed: assumed(kind, r.year, r.deadline),
                amount: r.amount,
                interest_waived: r.interest_waived,
            })
        })
        .collect()
}

/// Something waiting for Tillväxtverket, every year together.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Waiting {
    pub what: String,
    pub n: i64,
    /// The page where it is done.
    pub link: String,
}

/// What waits for Tillväxtverket across years, for the staff's start page and the weekly
/// digest.
pub async fn waiting_for_staff(conn: &mut PgConnection) -> sqlx::Result<Vec<Waiting>> {
    sqlx::query_as(
        "SELECT what, n, link FROM (
            SELECT 1 AS o, 'Rekvisitioner att granska' AS what,
                   (SELECT count(*) FROM requisitions WHERE state = ANY($1)) AS n,
                   '/handlaggning/rekvisitioner' AS link
            UNION ALL SELECT 2, 'Utbetalningar att attestera',
                   (SELECT count(*) FROM payouts WHERE state = $2), '/attest'
            UNION ALL SELECT 3, 'Attesterade utbetalningar att registrera som betalda',
                   (SELECT count(*) FROM payouts WHERE state = $3), '/attest'
            UNION ALL SELECT 4, 'Redovisningar att granska',
                   (SELECT count(*) FROM reports WHERE state = ANY($4)), '/handlaggning/redovisningar'
            UNION ALL SELECT 5, 'Återbetalningar att bekräfta',
                   (SELECT count(*) FROM repayment_payments WHERE state = $5),
                   '/handlaggning/aterbetalningar'
            UNION ALL SELECT 6, 'Återbetalningar till regioner att attestera',
                   (SELECT count(*) FROM refunds WHERE state = $6), '/handlaggning/aterbetalningar'
            UNION ALL SELECT 7, 'Attesterade återbetalningar till regioner att betala',
                   (SELECT count(*) FROM refunds WHERE state = $7), '/handlaggning/aterbetalningar'
         ) w WHERE n > 0 ORDER BY o",
    )
    .bind(RequisitionAction::Approve.from_states())
    .bind(PayoutAction::Approve.from_state())
    .bind(PayoutAction::RegisterPaid.from_state())
    .bind(ReportAction::Approve.from_states())
    .bind(PaymentState::Registered)
    .bind(RefundAction::Approve.from_state())
    .bind(RefundAction::RegisterPaid.from_state())
    .fetch_all(conn)
    .await
}
