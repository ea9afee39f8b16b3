//! Argon2 password hashing (RustCrypto's `password-auth`), off the async threads.

use crate::error::{AppError, Result};

pub const MIN_LENGTH: usize = 12;
pub const MAX_LENGTH: usize = 256;

/// The rule for a new password, in Swedish.
pub fn check_new_password(password: &str, repeated: &str) -> std::result::Result<(), &'static str> {
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
    Ok(())
}

pub async fn hash(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || password_auth::generate_hash(password))
        .await
        .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
}

/// Verifies against the stored hash; with no hash, still spends the same time,
/// so a login doesn't reveal which e-mail addresses exist.
pub async fn verify(password: String, stored: Option<String>) -> Result<bool> {
    tokio::task::spawn_blocking(move || match stored {
        Some(hash) => password_auth::verify_password(password, &hash).is_ok(),
        None => {
            let _ = password_auth::verify_password(password, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| AppError::Internal(format!("hashing task: {e}")))
}

fn dummy_hash() -> &'static str {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DUMMY.get_or_init(|| password_auth::generate_hash("not a real password"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_password_needs_twelve_characters_and_a_matching_repeat() {
        assert_eq!(
            check_new_password("kort", "kort"),
            Err("Lösenordet måste ha minst 12 tecken.")
        );
        assert_eq!(
            check_new_password("åäöåäöåäöåä", "åäöåäöåäöåä"),
            Err("Lösenordet måste ha minst 12 tecken.")
        );
        assert_eq!(check_new_password("åäöåäöåäöåäö", "åäöåäöåäöåäö"), Ok(()));
        assert_eq!(
            check_new_password("ett långt lösenord", "ett annat lösenord"),
            Err("Lösenorden är inte lika.")
        );
        let long = "x".repeat(257);
        assert!(check_new_password(&long, &long).is_err());
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
