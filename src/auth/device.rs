//! A device that has signed in before: a long-lived cookie, signed by Digikoord, naming the
//! account it signed in to (by a hash of its address). OWASP ASVS's answer to account
//! lock-out: someone guessing from elsewhere slows the account down for everyone else, but
//! not for the person at a device they have signed in from (`throttle`).

use axum::{http::HeaderMap, response::Response};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{cookie, token};
use crate::secrets::Sealer;

const COOKIE: &str = "dk_device";
/// A year: a device the person uses keeps being recognised.
const LIFETIME_SECONDS: i64 = 365 * 24 * 3600;

fn mac(sealer: &Sealer, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&sealer.signing_key("device cookie"))
        .expect("HMAC takes a key of any length");
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn account(email: &str) -> String {
    hex::encode(&Sha256::digest(email.trim().to_lowercase().as_bytes())[..16])
}

/// Marks this browser as one the account has signed in from.
pub fn remember(response: &mut Response, sealer: &Sealer, email: &str, secure: bool) {
    let payload = account(email);
    let value = format!("{payload}.{}", mac(sealer, &payload));
    cookie::set(response, COOKIE, &value, Some(LIFETIME_SECONDS), secure);
}

/// Whether the browser has signed in to this account before (its cookie is Digikoord's).
pub fn recognised(headers: &HeaderMap, sealer: &Sealer, email: &str, secure: bool) -> bool {
    cookie::read(headers, &cookie::name_for(COOKIE, secure))
        .and_then(|v| {
            let (payload, signature) = v.split_once('.')?;
            Some(
                payload == account(email)
                    && token::same(signature.as_bytes(), mac(sealer, payload).as_bytes()),
            )
        })
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_device_is_recognised_for_its_account_only_and_only_with_digikoords_signature() {
        let sealer = Sealer::new(&"0123456789abcdef".repeat(4), None).expect("key");
        let mut response = Response::default();
        remember(&mut response, &sealer, "Anna@Test.example", false);
        let set = response.headers()["set-cookie"].to_str().expect("ascii");
        assert!(
            set.contains("HttpOnly") && set.contains("Max-Age=31536000"),
            "{set}"
        );
        let value = set
            .split(';')
            .next()
            .and_then(|c| c.split_once('='))
            .map(|(_, v)| v.to_string())
            .expect("value");
        let headers = |cookie: String| {
            let mut h = HeaderMap::new();
            h.insert(
                "cookie",
                format!("{COOKIE}={cookie}").parse().expect("header"),
            );
            h
        };
        assert!(recognised(
            &headers(value.clone()),
            &sealer,
            "anna@test.example",
            false
        ));
        assert!(!recognised(
            &headers(value.clone()),
            &sealer,
            "bo@test.example",
            false
        ));
        let other = Sealer::new(&"fedcba9876543210".repeat(4), None).expect("key");
        assert!(!recognised(
            &headers(value.clone()),
            &other,
            "anna@test.example",
            false
        ));
        let (payload, _) = value.split_once('.').expect("signed");
        let forged = format!("{payload}.{}", "0".repeat(64));
        assert!(!recognised(
            &headers(forged),
            &sealer,
            "anna@test.example",
            false
        ));
        assert!(!recognised(
            &HeaderMap::new(),
            &sealer,
            "anna@test.example",
            false
        ));
    }
}
