//! Argon2 password hashing (RustCrypto's `password-auth`), off the async threads.

use std::sync::{Arc, OnceLock};

use tokio::sync::Semaphore;

use crate::error::{AppError, Result};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

/// The rule for a new password, in Swedish: long enough, repeated alike, and not easily
/// guessed. Guessable is what zxcvbn (shipped with its lists of the most common and breached
/// passwords, names and words) estimates at fewer than 10^10 guesses, or what is built on
/// what the person is known by (`known`: their address and name) or on Digikoord's own name.
pub fn check_new_password(
    password: &str,
    repeated: &str,
    known: &[&str],
) -> std::result::Result<(), &'static str> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Err("Lösenordet måste ha minst 12 tecken.");
    }
    if length > MAX_LENGTH {
        return Err("Lösenordet får ha högst 256 tecken.");
    }
    if password != repeated {
        return Err("Lösenorden är inte lika.");
    }
    // What the person is known by, whole, in its parts and run together ("anna.andersson"
    // as "anna", "andersson" and "annaandersson").
    let mut inputs: Vec<String> = ["digikoord", "tillväxtverket", "tillvaxtverket"]
        .map(String::from)
        .to_vec();
    for k in known.iter().map(|k| k.to_lowercase()) {
        let local = k.split('@').next().unwrap_or_default().to_string();
        inputs.extend(k.split(['@', '.', ' ', '-']).map(str::to_string));
        inputs.push(local.replace(['.', '-', '_'], ""));
        inputs.push(k.replace([' ', '.', '-'], ""));
        inputs.push(k);
    }
    let inputs: Vec<&str> = inputs.iter().map(String::as_str).collect();
    if zxcvbn::zxcvbn(password, &inputs).score() < zxcvbn::Score::Three {
        return Err(
            "Lösenordet är för lätt att gissa: det liknar vanliga eller läckta lösenord, eller bygger på ditt namn eller din adress. Välj en längre fras med flera ord som inte hör ihop.",
        );
    }
    Ok(())
}

/// Argon2 takes memory as well as time: at most one hash per core runs at once, and
/// further logins wait their turn, so a flood of them can't exhaust the memory.
fn hashing_permits() -> Arc<Semaphore> {
    static PERMITS: OnceLock<Arc<Semaphore>> = OnceLock::new();
    PERMITS
        .get_or_init(|| {
            let cores = std::thread::available_parallelism().map_or(2, usize::from);
            Arc::new(Semaphore::new(cores))
        })
        .clone()
}

async fn off_the_async_threads<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let permit = hashing_permits()
        .acquire_owned()
        .await
        .map_err(|e| AppError::Internal(format!("hashing permit: {e}")))?;
    tokio::task::spawn_blocking(move || {
        let _permit = permit;
        work()
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
}

pub async fn hash(password: String) -> Result<String> {
    off_the_async_threads(move || password_auth::generate_hash(password)).await
}

/// Verifies against the stored hash; with no hash, still spends the same time,
/// so a login doesn't reveal which e-mail addresses exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    off_the_async_threads(move || match stored {
        Some(hash) => password_auth::verify_password(password, &hash).is_ok(),
        None => {
            let _ = password_auth::verify_password(password, dummy_hash());
            false
        }
    })
    .await
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| password_auth::generate_hash("not a real password"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(password: &str) -> std::result::Result<(), &'static str> {
        check_new_password(
            password,
            password,
            &["anna.andersson@regionskane.se", "Anna Andersson"],
        )
    }

    #[test]
    fn a_new_password_needs_twelve_characters_and_a_matching_repeat() {
        assert_eq!(check("kort"), Err("Lösenordet måste ha minst 12 tecken."));
        assert_eq!(
            check("åäöåäöåäöåä"),
            Err("Lösenordet måste ha minst 12 tecken.")
        );
        assert_eq!(check("hallands kust är vacker"), Ok(()));
        assert_eq!(
            check_new_password("ett långt lösenord", "ett annat lösenord", &[]),
            Err("Lösenorden är inte lika.")
        );
        let long = "x".repeat(257);
        assert!(check(&long).is_err());
    }

    #[test]
    fn common_breached_and_personal_passwords_are_refused() {
        for guessable in [
            "password1234",
            "123456789012",
            "qwertyuiopas",
            "iloveyou1234",
            "Password123!",
            "åäöåäöåäöåäö",
            "aaaaaaaaaaaaaaaa",
            "digikoord2026",
            "Tillvaxtverket1",
            "annaandersson1",
            "regionskane2025",
        ] {
            let refused = check(guessable).expect_err(guessable);
            assert!(
                refused.contains("för lätt att gissa"),
                "{guessable}: {refused}"
            );
        }
        for fine in [
            "ett långt testlösenord",
            "handläggarens eget lösenord",
            "kaffe trappa moln 1987",
        ] {
            assert_eq!(check(fine), Ok(()), "{fine}");
        }
    }

    #[tokio::test]
    async fn hashes_verify_only_the_right_password() {
        let h = hash("rätt lösenord 123".into()).await.expect("hash");
        assert!(
            verify("rätt lösenord 123".into(), Some(h.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !verify("fel lösenord 1234".into(), Some(h))
                .await
                .expect("verify")
        );
        assert!(
            !verify("vad som helst 12".into(), None)
                .await
                .expect("verify")
        );
    }
}
