//! Figures over every actor, kept for as long as the database is as it was (issue 29).
//!
//! The overview's and the summary page's totals, the summary's statistics and missing
//! reports, the trend over the years and Tillväxtverket's account are aggregates over every
//! actor. The benchmark's profile at 2 000 actors × 10 years (`pg_stat_statements`, then
//! `EXPLAIN (ANALYZE, BUFFERS)`) found them to be where the pages' time went: the year's
//! figures 20–35 ms (three scans of 2 000 wide report rows, a page each), the account
//! 17 ms, the summary's missing reports 90 ms and statistics 50 ms, the trend over ten
//! years 820 ms — while the page shows a hundred rows.
//!
//! Each page reads in a read-only, repeatable-read snapshot (`crate::db::begin_snapshot`), and
//! two snapshots that PostgreSQL describes alike (`pg_current_snapshot()`: the same
//! transactions finished, the same still running) see the very same rows. So what was
//! computed in one snapshot is kept under its description and given to any later page read
//! in a snapshot described alike. The first write anywhere gives the next page a new
//! snapshot, and the figures are computed afresh from it: nothing kept is ever stale, and
//! no write has anything to tell this cache. The figures depend on the database alone
//! (no "today" in them). One snapshot's figures are kept at a time, on each server.

use std::{
    any::Any,
    collections::HashMap,
    future::Future,
    sync::{Arc, Mutex},
};

use sqlx::PgConnection;

/// What was computed, and of which year (`None`: every year).
pub type Key = (&'static str, Option<i32>);

/// The figures computed in the latest snapshot (`Clone`: one per server, shared).
#[derive(Clone, Default)]
pub struct Kept {
    held: Arc<Mutex<Held>>,
}

#[derive(Default)]
struct Held {
    snapshot: String,
    values: HashMap<Key, Arc<dyn Any + Send + Sync>>,
}

/// The snapshot of the repeatable-read transaction `db` is in, as PostgreSQL describes it;
/// asked first, it is what takes the snapshot.
pub async fn snapshot_of(db: &mut PgConnection) -> sqlx::Result<String> {
    sqlx::query_scalar("SELECT pg_current_snapshot()::text")
        .fetch_one(db)
        .await
}

impl Kept {
    /// `key` as computed in `snapshot`, or `compute` (run now, in that snapshot) kept.
    pub async fn or_compute<T, F>(&self, snapshot: &str, key: Key, compute: F) -> sqlx::Result<T>
    where
        T: Any + Clone + Send + Sync,
        F: Future<Output = sqlx::Result<T>>,
    {
        if let Some(value) = self.get::<T>(snapshot, key) {
            return Ok(value);
        }
        let value = compute.await?;
        self.keep(snapshot, key, value.clone());
        Ok(value)
    }

    fn get<T: Any + Clone + Send + Sync>(&self, snapshot: &str, key: Key) -> Option<T> {
        let held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.snapshot != snapshot {
            return None;
        }
        let value = held.values.get(&key)?.clone();
        value.downcast::<T>().ok().map(|v| T::clone(&v))
    }

    fn keep<T: Any + Send + Sync>(&self, snapshot: &str, key: Key, value: T) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if held.snapshot != snapshot {
            held.snapshot = snapshot.to_string();
            held.values.clear();
        }
        held.values.insert(key, Arc::new(value));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_value_is_kept_for_its_snapshot_only() {
        let kept = Kept::default();
        let first: i32 = kept
            .or_compute("10:12:", ("figures", Some(2025)), async { Ok(1) })
            .await
            .expect("computed");
        assert_eq!(first, 1);
        // The same snapshot: kept, not computed again.
        let again: i32 = kept
            .or_compute("10:12:", ("figures", Some(2025)), async {
                panic!("computed again in the same snapshot")
            })
            .await
            .expect("computed");
        assert_eq!(again, 1);
        // Another key of the same snapshot is computed on its own.
        let other: i32 = kept
            .or_compute("10:12:", ("figures", Some(2024)), async { Ok(2) })
            .await
            .expect("computed");
        assert_eq!(other, 2);
        // A new snapshot forgets everything of the old one.
        let new: i32 = kept
            .or_compute("10:13:", ("figures", Some(2025)), async { Ok(3) })
            .await
            .expect("computed");
        assert_eq!(new, 3);
        assert_eq!(kept.get::<i32>("10:12:", ("figures", Some(2024))), None);
        assert_eq!(kept.get::<i32>("10:13:", ("figures", Some(2025))), Some(3));
    }

    #[tokio::test]
    async fn an_error_keeps_nothing() {
        let kept = Kept::default();
        let failed: sqlx::Result<i32> = kept
            .or_compute("1:2:", ("trend", None), async {
                Err(sqlx::Error::RowNotFound)
            })
            .await;
        assert!(failed.is_err());
        assert_eq!(kept.get::<i32>("1:2:", ("trend", None)), None);
    }
}
