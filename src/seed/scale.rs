//! Synthetic data at scale, for the benchmark (`src/bin/bench/main.rs`): `organisations`
//! actors (the real 21 and synthetic ones) in every programme year 2018–2027, each actor's
//! year written as the demo writes its cases — through the same SQL, with the same
//! stories (`model::story`) as of `today`. Idempotent: a year that has its cases is left.

use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    ACTORS_2021,
    demo::{Case, Staff, demo_users, demo_year},
    model,
    story::write_story,
};
use crate::{auth::Role, error::AppError};

/// The years the scale run fills.
pub const YEARS: std::ops::RangeInclusive<i32> = 2018..=2027;

/// Actors per transaction while writing a year.
const BATCH: usize = 250;

/// Seeds `organisations` actors in every year of `years` (the benchmark: `YEARS`);
/// `progress` hears of each year done.
pub async fn scale(
    db: &PgPool,
    organisations: usize,
    years: std::ops::RangeInclusive<i32>,
    today: NaiveDate,
    progress: impl Fn(i32, usize),
) -> Result<(), AppError> {
    demo_users(db).await?;
    let mut tx = db.begin().await?;
    // The synthetic organisations, each with a coordinator (the demo password).
    let synthetic = organisations.saturating_sub(ACTORS_2021.len());
    sqlx::query(
        "INSERT INTO organisations (id, name)
         SELECT gen_random_uuid(), 'Syntetisk aktör ' || lpad(n::text, 4, '0')
         FROM generate_series(1, $1) n
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(i32::try_from(synthetic).unwrap_or(i32::MAX))
    .execute(&mut *tx)
    .await?;
    let hash = crate::auth::password::hash(super::DEMO_PASSWORD.to_string()).await?;
    sqlx::query(
        "INSERT INTO users (id, email, name, role, organisation_id, password_hash, demo)
         SELECT gen_random_uuid(), 'koordinator.' || substring(o.name from '[0-9]+$') || '@skala.example',
                'Koordinator ' || o.name, $2, o.id, $1, true
         FROM organisations o
         WHERE o.name LIKE 'Syntetisk aktör %'
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.organisation_id = o.id)",
    )
    .bind(&hash)
    .bind(Role::Coordinator)
    .execute(&mut *tx)
    .await?;
    for year in years.clone() {
        demo_year(&mut tx, year).await?;
    }
    // Every organisation is an actor of every period.
    sqlx::query(
        "INSERT INTO period_actors (period_id, organisation_id, actor_name)
         SELECT p.id, o.id, o.name FROM periods p CROSS JOIN organisations o
         WHERE o.name LIKE 'Syntetisk aktör %' OR o.name = ANY($1)
         ON CONFLICT DO NOTHING",
    )
    .bind(ACTORS_2021.iter().map(|(n, _)| *n).collect::<Vec<_>>())
    .execute(&mut *tx)
    .await?;
    let staff = Staff::load(&mut tx).await?;
    tx.commit().await?;

    for year in years {
        let programme_year = crate::programme::db::year(db, year)
            .await?
            .ok_or_else(|| AppError::Internal(format!("no programme year {year}")))?;
        let decision_number: String =
            sqlx::query_scalar("SELECT decision_number FROM periods WHERE id = $1")
                .bind(programme_year.period_id)
                .fetch_one(db)
                .await?;
        // Each actor's coordinator (the demo's own for the real 21) and its signatory besides
        // them, if it has one, unless the year has the actor's case already.
        let actors: Vec<(Uuid, String, Uuid, String, Option<Uuid>)> = sqlx::query_as(
            "SELECT DISTINCT ON (a.organisation_id) a.organisation_id, a.actor_name, u.id, u.email,
                    (SELECT s.id FROM users s
                     WHERE s.organisation_id = a.organisation_id AND s.signatory AND s.active
                       AND s.id <> u.id
                     ORDER BY s.email LIMIT 1) AS signatory
             FROM period_actors a
             JOIN users u ON u.organisation_id = a.organisation_id AND u.role = $3
             WHERE a.period_id = $1
               AND NOT EXISTS (SELECT 1 FROM requisitions r
                               WHERE r.year = $2 AND r.organisation_id = a.organisation_id)
             ORDER BY a.organisation_id, u.email LIKE 'koordinator.%' DESC, u.email",
        )
        .bind(programme_year.period_id)
        .bind(year)
        .bind(Role::Coordinator)
        .fetch_all(db)
        .await?;
        let deadlines = programme_year.deadlines();
        for (n, chunk) in actors.chunks(BATCH).enumerate() {
            let mut tx = db.begin().await?;
            for (i, actor) in chunk.iter().enumerate() {
                let (organisation, name, coordinator, email, signatory) = actor;
                let index = n * BATCH + i;
                let case = Case {
                    year,
                    index,
                    name,
                    email,
                    organisation: *organisation,
                    coordinator: *coordinator,
                    signatory: *signatory,
                    decision_number: &decision_number,
                    amount: programme_year.cap_per_actor,
                };
                // The stories' dates follow the 21 actors' pattern.
                let story = model::story(index % ACTORS_2021.len(), name, &deadlines, today);
                write_story(&mut tx, &case, &story, &staff).await?;
            }
            tx.commit().await?;
        }
        progress(year, actors.len());
    }
    Ok(())
}
