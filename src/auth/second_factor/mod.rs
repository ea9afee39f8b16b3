//! Two-step sign-in: after the password, a six-digit code from an authenticator app
//! (TOTP, RFC 6238: SHA-1, 30 s, one step either side), or one of ten one-time
//! recovery codes. Required for Tillväxtverket's staff (`Role::is_staff`), who enrol at
//! their first login; offered to coordinators on their own page.
//!
//! The rules here are pure; the queries are in `db.rs`, the pages in `signin::second_step`.

pub mod db;

use qrcode::{QrCode, render::svg};
use rand::{Rng, RngCore};
use sha2::{Digest, Sha256};
use totp_rs::{Builder, Secret, Totp};
use uuid::Uuid;

use crate::error::{AppError, Result};

pub use db::remove;

/// How a second factor was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Passed {
    Code,
    RecoveryCode,
}

/// Checks what the person entered (a code from the app, or a recovery code) against their
/// second factor, taking the code's time step (or the recovery code) as used, in the
/// caller's transaction. `Err` is why not, in Swedish. Throttle before calling it.
pub async fn verify(
    conn: &mut sqlx::PgConnection,
    sealer: &crate::secrets::Sealer,
    user_id: Uuid,
    input: &str,
) -> Result<std::result::Result<Passed, &'static str>> {
    Ok(match read_entered(input) {
        Entered::Code(code) => {
            let Some(secret) = db::secret_of(conn, sealer, user_id).await? else {
                return Ok(Err("Kontot har ingen tvåstegsverifiering."));
            };
            match check_code(&secret, &code, unix_now())? {
                Some(step) if db::use_step(conn, user_id, step).await? => Ok(Passed::Code),
                Some(_) => Err("Koden har redan använts. Vänta tills appen visar en ny kod."),
                None => Err(
                    "Koden stämmer inte. Ange koden som appen visar just nu, och kontrollera att telefonens klocka går rätt.",
                ),
            }
        }
        Entered::RecoveryCode(code) => {
            if db::use_recovery_code(conn, user_id, &code).await? {
                Ok(Passed::RecoveryCode)
            } else {
                Err("Reservkoden stämmer inte, eller har redan använts.")
            }
        }
        Entered::Unreadable => {
            Err("Ange de sex siffrorna från appen, eller en av dina reservkoder.")
        }
    })
}

/// Unused recovery codes left.
pub async fn recovery_codes_left(
    conn: &mut sqlx::PgConnection,
    user_id: Uuid,
) -> sqlx::Result<i64> {
    db::recovery_codes_left(conn, user_id).await
}

/// The second step of a login: the code from the app.
pub const CODE_PATH: &str = "/logga-in/kod";
/// Staff without an authenticator set one up here before reaching any page.
pub const ENROL_PATH: &str = "/logga-in/aktivera-tvastegsverifiering";
/// Everyone's own page: the state of their second factor; coordinators turn it on here.
pub const OWN_PAGE_PATH: &str = "/tvastegsverifiering";

const ISSUER: &str = "Digikoord";
const RECOVERY_CODE_COUNT: usize = 10;
/// Without look-alikes (no i, l, 1, o): 32 characters, five bits each.
const RECOVERY_ALPHABET: &[u8; 32] = b"abcdefghjkmnpqrstuvwxyz023456789";
/// 16 characters: 80 bits, out of reach of guessing even with the hash in hand.
const RECOVERY_CODE_LENGTH: usize = 16;

/// A new secret for an authenticator app: 160 random bits, in base32 as the apps take it.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 20];
    rand::thread_rng().fill_bytes(&mut bytes);
    Secret::from(bytes).to_base32()
}

fn totp(secret: &str, account: &str) -> Result<Totp> {
    let bytes = Secret::try_from_base32(secret)
        .map_err(|e| AppError::Internal(format!("stored TOTP secret: {e:?}")))?;
    Builder::new()
        .with_secret(bytes)
        .with_issuer(Some(ISSUER))
        .with_account_name(account)
        .build()
        .map_err(|e| AppError::Internal(format!("TOTP: {e:?}")))
}

pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// The time step whose code this is (the current one, or one either side), if any.
/// The caller must still refuse a step already used.
pub fn check_code(secret: &str, code: &str, unix_time: u64) -> Result<Option<i64>> {
    Ok(totp(secret, "")?
        .check(code, unix_time)
        .and_then(|step| i64::try_from(step).ok()))
}

/// The QR code for the app, as an SVG image in a data: URI (the CSP allows data: images).
pub fn qr_image(secret: &str, email: &str) -> Result<String> {
    let url = totp(secret, email)?
        .to_url()
        .map_err(|e| AppError::Internal(format!("otpauth URL: {e:?}")))?;
    let svg = QrCode::new(url.as_bytes())
        .map_err(|e| AppError::Internal(format!("QR code: {e}")))?
        .render::<svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Ok(format!(
        "data:image/svg+xml,{}",
        crate::web::url_encode(&svg).replace('+', "%20")
    ))
}

/// `ABCD EFGH …`: easier to type from the screen.
pub fn in_groups(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

/// What someone typed at the second step.
#[derive(Debug, PartialEq, Eq)]
pub enum Entered {
    Code(String),
    RecoveryCode(String),
    Unreadable,
}

pub fn read_entered(input: &str) -> Entered {
    let compact: String = input.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() == 6 && compact.bytes().all(|b| b.is_ascii_digit()) {
        return Entered::Code(compact);
    }
    match normalise_recovery_code(input) {
        Some(code) => Entered::RecoveryCode(code),
        None => Entered::Unreadable,
    }
}

/// Ten new recovery codes, `abcd-efgh-jkmn-pqrs`, to show once.
pub fn new_recovery_codes() -> Vec<String> {
    let mut rng = rand::thread_rng();
    (0..RECOVERY_CODE_COUNT)
        .map(|_| {
            let raw: Vec<u8> = (0..RECOVERY_CODE_LENGTH)
                .map(|_| RECOVERY_ALPHABET[rng.gen_range(0..RECOVERY_ALPHABET.len())])
                .collect();
            raw.chunks(4)
                .map(|c| String::from_utf8_lossy(c).into_owned())
                .collect::<Vec<_>>()
                .join("-")
        })
        .collect()
}

/// A recovery code as typed — any case, with or without dashes and spaces — or `None`.
pub fn normalise_recovery_code(input: &str) -> Option<String> {
    let code: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .map(|c| match c.to_ascii_lowercase() {
            'o' => '0',
            c => c,
        })
        .collect();
    (code.len() == RECOVERY_CODE_LENGTH && code.bytes().all(|b| RECOVERY_ALPHABET.contains(&b)))
        .then_some(code)
}

/// What is stored of a recovery code: its hash, salted with the user's id.
pub fn recovery_code_hash(user_id: Uuid, normalised: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(user_id.as_bytes());
    hasher.update(normalised.as_bytes());
    hasher.finalize().to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP";

    fn code_at(time: u64) -> String {
        totp(SECRET, "").expect("totp").generate(time).to_string()
    }

    #[test]
    fn a_code_is_accepted_in_its_own_step_and_one_either_side_only() {
        let t = 1_700_000_000;
        let step = (t / 30) as i64;
        let code = code_at(t);
        assert_eq!(code.len(), 6);
        assert_eq!(check_code(SECRET, &code, t).expect("check"), Some(step));
        assert_eq!(
            check_code(SECRET, &code, t + 30).expect("check"),
            Some(step)
        );
        assert_eq!(
            check_code(SECRET, &code, t - 30).expect("check"),
            Some(step)
        );
        assert_eq!(check_code(SECRET, &code, t + 60).expect("check"), None);
        assert_eq!(check_code(SECRET, &code, t - 60).expect("check"), None);
        assert_eq!(check_code(SECRET, "12345", t).expect("check"), None);
    }

    #[test]
    fn new_secrets_are_random_160_bit_base32() {
        let a = new_secret();
        assert_eq!(a.len(), 32);
        assert!(
            a.bytes()
                .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
        );
        assert_ne!(a, new_secret());
        assert_eq!(in_groups("ABCDEFGHIJ"), "ABCD EFGH IJ");
    }

    #[test]
    fn the_qr_code_is_an_svg_data_uri_carrying_the_otpauth_address() {
        let image = qr_image(SECRET, "anna@tillvaxtverket.se").expect("qr");
        assert!(image.starts_with("data:image/svg+xml,"), "{image}");
        assert!(!image.contains(' ') && !image.contains('"'));
    }

    #[test]
    fn six_digits_are_a_code_and_sixteen_letters_a_recovery_code() {
        assert_eq!(read_entered(" 123 456 "), Entered::Code("123456".into()));
        assert_eq!(
            read_entered("ABCD-EFGH jkmn-pqrs"),
            Entered::RecoveryCode("abcdefghjkmnpqrs".into())
        );
        assert_eq!(read_entered("12345"), Entered::Unreadable);
        assert_eq!(read_entered(""), Entered::Unreadable);
        assert_eq!(read_entered("abcd-efgh-ijkl-mnop"), Entered::Unreadable);
    }

    #[test]
    fn recovery_codes_are_ten_distinct_and_read_back_as_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let mut unique = codes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 10);
        let user = Uuid::new_v4();
        for code in &codes {
            assert_eq!(code.len(), 19);
            let typed = code.to_uppercase().replace('-', " ");
            let normalised = normalise_recovery_code(&typed).expect("readable");
            assert_eq!(
                recovery_code_hash(user, &normalised),
                recovery_code_hash(user, &normalise_recovery_code(code).expect("readable"))
            );
        }
        let n = normalise_recovery_code(&codes[0]).expect("readable");
        assert_ne!(
            recovery_code_hash(user, &n),
            recovery_code_hash(Uuid::new_v4(), &n),
            "salted per user"
        );
    }
}
