//! What rarely changes, read once (issue 29): the periods, each period's tasks and the
//! programme years (decisions, caps, deadlines) change a few times a year but are on most
//! pages. They are kept in memory and forgotten on every change: at once by the writer's
//! own handler (`invalidate`, after its commit), and on every server by PostgreSQL's
//! `NOTIFY digikoord_programme`, which the schema sends at the commit of any write to those
//! tables (migration `programme_changes_notify`).
//!
//! Never stale for long, never stale for good: a read notes the generation before it asks
//! the database and keeps its answer only if nothing was forgotten meanwhile; and while the
//! server is not listening (before its first `LISTEN`, or after its connection was lost
//! until it listens again) nothing is kept and every read asks the database.

use std::{
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex, MutexGuard},
    time::Duration,
};

use sqlx::{
    PgPool,
    postgres::{PgListener, PgPoolOptions},
};
use uuid::Uuid;

use super::db::{self, Period, ProgrammeYear};

/// The channel the schema's triggers notify on.
pub const CHANNEL: &str = "digikoord_programme";

/// How long the listener waits before trying again after its connection was lost.
const RETRY_AFTER: Duration = Duration::from_secs(1);

#[derive(Clone, Default)]
pub struct Cache {
    held: Arc<Mutex<Held>>,
}

#[derive(Default)]
struct Held {
    /// Bumped whenever what is held is forgotten: a read begun before keeps nothing.
    generation: u64,
    /// A `LISTEN` is in place: only then may anything be kept.
    listening: bool,
    periods: Option<Arc<Vec<Period>>>,
    years: Option<Arc<Vec<ProgrammeYear>>>,
    tasks: HashMap<Uuid, Arc<Vec<String>>>,
}

impl Held {
    fn forget(&mut self) {
        self.generation = self.generation.wrapping_add(1);
        self.periods = None;
        self.years = None;
        self.tasks.clear();
    }
}

impl Cache {
    fn held(&self) -> MutexGuard<'_, Held> {
        // What is held is whole after any panic (each change is one assignment): go on.
        self.held
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Forgets everything held: the next read asks the database.
    pub fn invalidate(&self) {
        self.held().forget();
    }

    fn set_listening(&self, listening: bool) {
        let mut held = self.held();
        held.listening = listening;
        held.forget();
    }

    /// What `pick` finds held, or else `read`'s answer, kept (`keep`) if nothing was
    /// forgotten while it was read and the server is listening.
    async fn through<T, R>(
        &self,
        pick: impl FnOnce(&Held) -> Option<T>,
        keep: impl FnOnce(&mut Held, T),
        read: R,
    ) -> sqlx::Result<T>
    where
        T: Clone,
        R: Future<Output = sqlx::Result<T>>,
    {
        let generation = {
            let held = self.held();
            if let Some(found) = pick(&held) {
                return Ok(found);
            }
            held.generation
        };
        let value = read.await?;
        {
            let mut held = self.held();
            if held.listening && held.generation == generation {
                keep(&mut held, value.clone());
            }
        }
        Ok(value)
    }

    /// Every programme year, in order.
    pub async fn years(&self, db: &PgPool) -> sqlx::Result<Arc<Vec<ProgrammeYear>>> {
        self.through(|h| h.years.clone(), |h, v| h.years = Some(v), async {
            db::years(db).await.map(Arc::new)
        })
        .await
    }

    /// One programme year, `None` when there is no such year.
    pub async fn year(&self, db: &PgPool, year: i32) -> sqlx::Result<Option<ProgrammeYear>> {
        Ok(self
            .years(db)
            .await?
            .iter()
            .find(|y| y.year == year)
            .cloned())
    }

    /// Every period, in order.
    pub async fn periods(&self, db: &PgPool) -> sqlx::Result<Arc<Vec<Period>>> {
        self.through(|h| h.periods.clone(), |h, v| h.periods = Some(v), async {
            db::periods(db).await.map(Arc::new)
        })
        .await
    }

    /// One period, `None` when there is no such period.
    pub async fn period(&self, db: &PgPool, id: Uuid) -> sqlx::Result<Option<Period>> {
        Ok(self.periods(db).await?.iter().find(|p| p.id == id).cloned())
    }

    /// A period's tasks, in order.
    pub async fn tasks(&self, db: &PgPool, period_id: Uuid) -> sqlx::Result<Arc<Vec<String>>> {
        self.through(
            |h| h.tasks.get(&period_id).cloned(),
            |h, v| {
                h.tasks.insert(period_id, v);
            },
            async { db::tasks(db, period_id).await.map(Arc::new) },
        )
        .await
    }

    /// The programme year a page shows (see `model::chosen_year`), with every year for the
    /// picker.
    pub async fn chosen_year(
        &self,
        db: &PgPool,
        asked: Option<&str>,
        today: chrono::NaiveDate,
    ) -> crate::error::Result<Option<(ProgrammeYear, Vec<i32>)>> {
        let all = self.years(db).await?;
        let list: Vec<i32> = all.iter().map(|y| y.year).collect();
        let wanted = super::model::chosen_year(asked, &list, today)
            .map_err(crate::error::AppError::BadRequest)?;
        Ok(all
            .iter()
            .find(|y| Some(y.year) == wanted)
            .cloned()
            .map(|y| (y, list)))
    }

    /// Listens for changes on a connection of its own (not one of the pages'), for as long
    /// as `pool` is open: every notification forgets what is held; a lost connection
    /// forgets it too (notifications may have been missed), and nothing is kept until the
    /// listener listens again, tried every second.
    pub fn listen(&self, pool: PgPool) {
        let cache = self.clone();
        tokio::spawn(async move { cache.keep_listening(pool).await });
    }

    async fn keep_listening(self, pool: PgPool) {
        let own = PgPoolOptions::new()
            .max_connections(1)
            .acquire_timeout(Duration::from_secs(3))
            .idle_timeout(None)
            .max_lifetime(None)
            .connect_lazy_with((*pool.connect_options()).clone());
        // Said once when listening stops, and once when it listens again: not every second
        // while the database is away.
        let mut told = false;
        while !pool.is_closed() {
            let lost = self.listen_until_lost(&own, &mut told).await;
            self.set_listening(false);
            // The server is stopping (its pool was closed first): nothing to say.
            if pool.is_closed() {
                break;
            }
            if !told {
                let why = match lost {
                    Ok(()) => "connection lost".to_string(),
                    Err(e) => e.to_string(),
                };
                tracing::warn!(
                    error = %why,
                    "not listening for programme changes: periods and years are read from the database until it listens again"
                );
                told = true;
            }
            tokio::time::sleep(RETRY_AFTER).await;
        }
        own.close().await;
    }

    /// Listens until the connection is lost (`Ok`) or fails (`Err`).
    async fn listen_until_lost(&self, own: &PgPool, told: &mut bool) -> sqlx::Result<()> {
        let mut listener = PgListener::connect_with(own).await?;
        // A lost connection is said at once, not after connecting again: this loop
        // connects again itself, and keeps nothing meanwhile.
        listener.eager_reconnect(false);
        listener.listen(CHANNEL).await?;
        // What changed before the LISTEN was not told: forget it.
        self.set_listening(true);
        if std::mem::take(told) {
            tracing::info!("listening for programme changes again");
        }
        while listener.try_recv().await?.is_some() {
            self.invalidate();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_read_begun_before_a_change_keeps_nothing() {
        let cache = Cache::default();
        cache.set_listening(true);
        let read = cache.through(
            |h| h.tasks.get(&Uuid::nil()).cloned(),
            |h, v| {
                h.tasks.insert(Uuid::nil(), v);
            },
            async {
                // A change is committed while the read is on its way.
                cache.invalidate();
                Ok(Arc::new(vec!["före".to_string()]))
            },
        );
        assert_eq!(read.await.expect("read").as_slice(), ["före"]);
        assert!(cache.held().tasks.is_empty());
    }

    #[tokio::test]
    async fn nothing_is_kept_while_not_listening_and_a_kept_answer_is_reused() {
        let cache = Cache::default();
        let tasks = |cache: &Cache, answer: &'static str| {
            let cache = cache.clone();
            async move {
                cache
                    .through(
                        |h| h.tasks.get(&Uuid::nil()).cloned(),
                        |h, v| {
                            h.tasks.insert(Uuid::nil(), v);
                        },
                        async move { Ok(Arc::new(vec![answer.to_string()])) },
                    )
                    .await
                    .expect("read")
            }
        };
        assert_eq!(tasks(&cache, "ett").await.as_slice(), ["ett"]);
        assert_eq!(tasks(&cache, "två").await.as_slice(), ["två"]);
        cache.set_listening(true);
        assert_eq!(tasks(&cache, "tre").await.as_slice(), ["tre"]);
        assert_eq!(tasks(&cache, "fyra").await.as_slice(), ["tre"]);
        cache.invalidate();
        assert_eq!(tasks(&cache, "fem").await.as_slice(), ["fem"]);
        cache.set_listening(false);
        assert_eq!(tasks(&cache, "sex").await.as_slice(), ["sex"]);
    }
}
