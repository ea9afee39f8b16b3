//! Slowing down guessing, without locking people out.
//!
//! Every attempt — a password, or a code at the second step — is written down as
//! *failed* before it is checked, by one transaction that holds an advisory lock on
//! the account and on the address bucket while it counts and inserts. Attempts racing
//! each other therefore all see each other, and no more of them reach the slow hash
//! than the rule allows. After the check the attempt is marked `passed` (password
//! right, second step pending) or `succeeded` (logged in).
//!
//! The rule. For the account, failures count for a day, and only those since the key's
//! latest successful login; for the address, failures of the last hour count:
//!
//! | key                                   | free failures | then | at most |
//! |---------------------------------------|---------------|------|---------|
//! | the account from this address bucket  | 5             | 30 s, doubling with each further failure | 15 min |
//! | the account from any address          | 20            | 30 s, doubling | 2 min |
//! | the address bucket, for any account   | 30            | 30 s, doubling | 5 min |
//!
//! Once a key is past its free failures, the next attempt must come at least the
//! delay after that key's latest failure, or it is refused (429, "Vänta N sekunder")
//! without being checked. A refused attempt is written down as `refused` and counts
//! against its pair of account and address (not the account's or the address's other
//! keys): whoever keeps knocking too early slows themselves down further.
//!
//! So one guesser is slowed to four tries an hour per account, and guessers on many
//! addresses together to one try every two minutes. They can keep renewing that account-wide
//! delay for as long as they keep guessing (each bucket has its five free tries), which would
//! shut out the real person from any other browser; but a browser the person has signed in
//! from before carries a signed device cookie (`device`), and for it the account-wide rule
//! does not count. An office behind one address is slowed, never shut out.
//! An address bucket is an IPv4 address or an IPv6 /64 (`client_ip::bucket`).

use std::time::Duration;

use sqlx::{PgConnection, PgPool};

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "login_step", rename_all = "snake_case")]
pub enum Step {
    Password,
    SecondFactor,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "login_outcome", rename_all = "snake_case")]
pub enum Outcome {
    Failed,
    /// The password was right; the second step is still to come. Neither a failure nor a success.
    Passed,
    Succeeded,
    /// Came before the wait was over: not checked, but counted against its pair.
    Refused,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rule {
    pub free_failures: i64,
    pub max_delay: Duration,
}

const FIRST_DELAY: Duration = Duration::from_secs(30);
/// How long a failure counts against the account…
const ACCOUNT_WINDOW_MINUTES: i32 = 24 * 60;
/// …and against the address.
const ADDRESS_WINDOW_MINUTES: i32 = 60;

pub const ACCOUNT_FROM_ADDRESS: Rule = Rule {
    free_failures: 5,
    max_delay: Duration::from_secs(15 * 60),
};
pub const ACCOUNT: Rule = Rule {
    free_failures: 20,
    max_delay: Duration::from_secs(2 * 60),
};
pub const ADDRESS: Rule = Rule {
    free_failures: 30,
    max_delay: Duration::from_secs(5 * 60),
};

impl Rule {
    /// How long after the latest failure the next attempt must wait, with `failures` counted.
    pub fn delay(self, failures: i64) -> Option<Duration> {
        let beyond = failures - self.free_failures;
        if beyond < 0 {
            return None;
        }
        let doubled = FIRST_DELAY.saturating_mul(1u32 << beyond.min(20));
        Some(doubled.min(self.max_delay))
    }
}

/// Failures under one key: how many, and how long ago the latest was.
#[derive(Clone, Copy, Debug)]
pub struct Count {
    pub failures: i64,
    pub since_latest: Duration,
}

/// The wait still required by the strictest key, if any.
pub fn required_wait(counts: &[(Rule, Count)]) -> Option<Duration> {
    counts
        .iter()
        .filter_map(|(rule, count)| {
            let delay = rule.delay(count.failures)?;
            delay
                .checked_sub(count.since_latest)
                .filter(|d| !d.is_zero())
        })
        .max()
}

/// "Vänta 45 sekunder", "Vänta 4 minuter": always rounded up, never "0".
pub fn wait_message(wait: Duration) -> String {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let seconds = seconds.max(1);
    let when = match seconds {
        1 => "1 sekund".to_string(),
        s if s < 120 => format!("{s} sekunder"),
        s => format!("{} minuter", s.div_ceil(60)),
    };
    format!("För många misslyckade inloggningsförsök. Vänta {when} och försök igen.")
}

/// Tells the client when to come back, in whole seconds.
pub fn retry_after(response: &mut axum::response::Response, wait: Duration) {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    response.headers_mut().insert(
        axum::http::header::RETRY_AFTER,
        axum::http::HeaderValue::from(seconds.max(1)),
    );
}

/// Refused: the attempt may not be checked yet.
#[derive(Debug)]
pub struct TooSoon(pub Duration);

/// Counts and records an attempt in one locked transaction, before anything is verified.
/// Returns the attempt's id, to mark its outcome afterwards. From a `known_device` (one the
/// account has signed in from: `device`) the account-wide rule does not count.
pub async fn begin(
    db: &PgPool,
    email: &str,
    bucket: &str,
    step: Step,
    known_device: bool,
) -> sqlx::Result<Result<i64, TooSoon>> {
    let mut tx = db.begin().await?;
    super::db::lock_attempts(&mut tx, email, bucket).await?;
    let counts: Vec<(Rule, Count)> = count(&mut tx, email, bucket)
        .await?
        .into_iter()
        .filter(|(rule, _)| !(known_device && *rule == ACCOUNT))
        .collect();
    if let Some(wait) = required_wait(&counts) {
        super::db::insert_attempt(&mut tx, email, bucket, step, Outcome::Refused).await?;
        tx.commit().await?;
        return Ok(Err(TooSoon(wait)));
    }
    let id = super::db::insert_attempt(&mut tx, email, bucket, step, Outcome::Failed).await?;
    tx.commit().await?;
    Ok(Ok(id))
}

/// Marks how a begun attempt ended; call inside the transaction that logs the person in.
pub async fn finish(conn: &mut PgConnection, attempt: i64, outcome: Outcome) -> sqlx::Result<()> {
    super::db::set_attempt_outcome(conn, attempt, outcome).await
}

/// Records a successful login that needed no check here (the first code at enrolment).
pub async fn record_success(
    conn: &mut PgConnection,
    email: &str,
    bucket: &str,
    step: Step,
) -> sqlx::Result<()> {
    super::db::insert_attempt(conn, email, bucket, step, Outcome::Succeeded).await?;
    Ok(())
}

async fn count(
    conn: &mut PgConnection,
    email: &str,
    bucket: &str,
) -> sqlx::Result<Vec<(Rule, Count)>> {
    let row = super::db::count_attempts(
        conn,
        email,
        bucket,
        ACCOUNT_WINDOW_MINUTES,
        ADDRESS_WINDOW_MINUTES,
    )
    .await?;
    let since = |s: Option<f64>| Duration::from_secs_f64(s.unwrap_or(0.0).max(0.0));
    Ok(vec![
        (
            ACCOUNT_FROM_ADDRESS,
            Count {
                failures: row.pair_failures,
                since_latest: since(row.pair_since),
            },
        ),
        (
            ACCOUNT,
            Count {
                failures: row.account_failures,
                since_latest: since(row.account_since),
            },
        ),
        (
            ADDRESS,
            Count {
                failures: row.address_failures,
                since_latest: since(row.address_since),
            },
        ),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(failures: i64, secs: u64) -> Count {
        Count {
            failures,
            since_latest: Duration::from_secs(secs),
        }
    }

    #[test]
    fn the_first_failures_are_free_then_the_delay_doubles_up_to_its_cap() {
        let r = ACCOUNT_FROM_ADDRESS;
        assert_eq!(r.delay(0), None);
        assert_eq!(r.delay(4), None);
        assert_eq!(r.delay(5), Some(Duration::from_secs(30)));
        assert_eq!(r.delay(6), Some(Duration::from_secs(60)));
        assert_eq!(r.delay(7), Some(Duration::from_secs(120)));
        assert_eq!(
            r.delay(10),
            Some(Duration::from_secs(900)),
            "capped at 15 minutes"
        );
        assert_eq!(r.delay(1000), Some(Duration::from_secs(900)));
        assert_eq!(ACCOUNT.delay(100), Some(Duration::from_secs(120)));
        assert_eq!(ADDRESS.delay(29), None);
        assert_eq!(ADDRESS.delay(100), Some(Duration::from_secs(300)));
    }

    #[test]
    fn the_strictest_key_decides_and_time_since_the_latest_failure_counts_down() {
        assert_eq!(required_wait(&[(ACCOUNT_FROM_ADDRESS, count(4, 0))]), None);
        assert_eq!(
            required_wait(&[(ACCOUNT_FROM_ADDRESS, count(5, 10))]),
            Some(Duration::from_secs(20))
        );
        assert_eq!(required_wait(&[(ACCOUNT_FROM_ADDRESS, count(5, 30))]), None);
        assert_eq!(
            required_wait(&[
                (ACCOUNT_FROM_ADDRESS, count(6, 0)),
                (ACCOUNT, count(25, 0)),
                (ADDRESS, count(0, 0)),
            ]),
            Some(Duration::from_secs(120)),
        );
    }

    #[test]
    fn someone_guessing_elsewhere_delays_the_account_two_minutes_at_a_time() {
        // A thousand failures from other addresses, none from here.
        let wait = required_wait(&[
            (ACCOUNT_FROM_ADDRESS, count(0, 0)),
            (ACCOUNT, count(1000, 0)),
            (ADDRESS, count(0, 0)),
        ]);
        assert_eq!(wait, Some(Duration::from_secs(120)));
    }

    #[test]
    fn the_wait_is_said_in_swedish_rounded_up() {
        assert!(wait_message(Duration::from_millis(200)).contains("Vänta 1 sekund och"));
        assert!(wait_message(Duration::from_millis(29_100)).contains("Vänta 30 sekunder"));
        assert!(wait_message(Duration::from_secs(119)).contains("Vänta 119 sekunder"));
        assert!(wait_message(Duration::from_secs(121)).contains("Vänta 3 minuter"));
        assert!(wait_message(Duration::from_secs(900)).contains("Vänta 15 minuter"));
    }
}
