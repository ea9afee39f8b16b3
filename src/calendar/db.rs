//! Each user's secret calendar link, and the deadlines a feed shows.

use chrono::{DateTime, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::model::{ActorYear, Deadline, Feed, Meeting, agency_deadlines};
use crate::{
    auth::{Scope, SessionUser, token},
    network::{self, model::NetworkEvent},
    programme,
};

/// The active user a link's token belongs to, or no one: a wrong token, a replaced one
/// and a deactivated user's are all the same "not found".
pub async fn owner(db: &PgPool, token: &str) -> sqlx::Result<Option<SessionUser>> {
    sqlx::query_as(
        "SELECT u.id, u.name, u.email, u.role, u.organisation_id, o.name AS organisation_name
         FROM calendar_feeds f
         JOIN users u ON u.id = f.user_id
         LEFT JOIN organisations o ON o.id = u.organisation_id
         WHERE f.token_hash = $1 AND u.active",
    )
    .bind(token::hash(token))
    .fetch_optional(db)
    .await
}

/// When the user's current link was made, if they have one.
pub async fn link_created_at(db: &PgPool, user_id: Uuid) -> sqlx::Result<Option<DateTime<Utc>>> {
    sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE user_id = $1")
        .bind(user_id)
        .fetch_optional(db)
        .await
}

/// A link just made: its token, which is shown once and never stored.
pub struct NewLink {
    pub token: String,
    pub created_at: DateTime<Utc>,
    /// When the link it replaced was made; `None` for the user's first.
    pub replaced: Option<DateTime<Utc>>,
}

/// Makes a new link for the user, replacing the old one, which stops working at once.
pub async fn renew_link(conn: &mut PgConnection, user_id: Uuid) -> sqlx::Result<NewLink> {
    let replaced: Option<DateTime<Utc>> =
        sqlx::query_scalar("SELECT created_at FROM calendar_feeds WHERE user_id = $1 FOR UPDATE")
            .bind(user_id)
            .fetch_optional(&mut *conn)
            .await?;
    let token = token::random();
    let created_at = sqlx::query_scalar(
        "INSERT INTO calendar_feeds (user_id, token_hash) VALUES ($1, $2)
         ON CONFLICT (user_id) DO UPDATE
         SET token_hash = EXCLUDED.token_hash, created_at = now()
         RETURNING created_at",
    )
    .bind(user_id)
    .bind(token::hash(&token))
    .fetch_one(conn)
    .await?;
    Ok(NewLink {
        token,
        created_at,
        replaced,
    })
}

/// Every actor's deadlines of every programme year, or one organisation's: the years'
/// dates, the days that count with the extensions granted, and whether the actor
/// requisitioned funds (`requisitioned_funds`), which alone asks it to report and repay.
async fn actor_years(db: &PgPool, scope: Scope) -> sqlx::Result<Vec<ActorYear>> {
    sqlx::query_as(
        "SELECT y.year, a.organisation_id, a.actor_name,
                y.requisition_deadline, d.requisition_due,
                y.report_deadline, d.report_due,
                y.repayment_deadline, d.repayment_due,
                EXISTS (SELECT 1 FROM requisitioned_funds f
                        WHERE f.year = y.year AND f.organisation_id = a.organisation_id)
                    AS requisitioned,
                y.requisition_basis IS NULL AS requisition_assumed,
                y.report_basis IS NULL AS report_assumed,
                y.repayment_basis IS NULL AS repayment_assumed,
                req.case_number
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         JOIN actor_deadlines d ON d.year = y.year AND d.organisation_id = a.organisation_id
         -- The approved requisition's case number gives the repayment its OCR number.
         LEFT JOIN requisitions req ON req.year = y.year
              AND req.organisation_id = a.organisation_id AND req.state = $2
         WHERE $1::uuid IS NULL OR a.organisation_id = $1
         ORDER BY y.year, a.actor_name",
    )
    .bind(scope.organisation())
    .bind(crate::requisitions::model::RequisitionState::Approved)
    .fetch_all(db)
    .await
}

/// The deadlines a feed shows: its actors', and for Tillväxtverket its own too (the
/// periods and years from the programme's cache).
pub async fn deadlines(
    programme: &programme::cache::Cache,
    db: &PgPool,
    feed: &Feed,
) -> sqlx::Result<Vec<Deadline>> {
    let mut deadlines: Vec<Deadline> = actor_years(db, feed.scope())
        .await?
        .iter()
        .flat_map(ActorYear::deadlines)
        .collect();
    if *feed == Feed::Agency {
        let periods = programme.periods(db).await?;
        for year in programme.years(db).await?.iter() {
            let recipient = periods
                .iter()
                .find(|p| p.id == year.report_period_id())
                .map(|p| p.report_ministry.as_str())
                .unwrap_or_default();
            deadlines.extend(agency_deadlines(
                year.year,
                &year.deadlines(),
                |which| year.assumed(which),
                recipient,
            ));
        }
    }
    Ok(deadlines)
}

/// Every network meeting and competence-development event: the same in every feed.
pub async fn meetings(db: &PgPool) -> sqlx::Result<Vec<Meeting>> {
    Ok(network::db::events(db)
        .await?
        .iter()
        .map(NetworkEvent::meeting)
        .collect())
}
