//! A device that has signed in before: a long-lived cookie, signed by Digikoord, carrying a
//! random id of the browser and naming the account it last signed in to (by a hash of its
//! address). Two uses. OWASP ASVS's answer to account lock-out: someone guessing from
//! elsewhere slows the account down for everyone else, but not for the person at a device
//! they have signed in from (`throttle`). And the new-login notice: a sign-in from a device
//! the account has not used before is told to the person by mail (`new_device`).

use axum::{http::HeaderMap, response::Response};
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};

use super::{cookie, token};
use crate::secrets::Sealer;

const COOKIE: &str = "dk_device";
/// A year: a device the person uses keeps being recognised.
const LIFETIME_SECONDS: i64 = 365 * 24 * 3600;
/// A device's id: 32 hexadecimal digits (128 random bits).
const ID_LENGTH: usize = 32;

fn mac(sealer: &Sealer, payload: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(&sealer.signing_key("device cookie"))
        .expect("HMAC takes a key of any length");
    mac.update(payload.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

fn account(email: &str) -> String {
    hex::encode(&Sha256::digest(email.trim().to_lowercase().as_bytes())[..16])
}

fn is_id(s: &str) -> bool {
    s.len() == ID_LENGTH && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What the browser's cookie says, when Digikoord signed it: the device's id (none in a
/// cookie from before devices had ids, `<account>.<signature>`) and the account.
struct Signed {
    id: Option<String>,
    account: String,
}

fn signed(headers: &HeaderMap, sealer: &Sealer, secure: bool) -> Option<Signed> {
    let value = cookie::read(headers, &cookie::name_for(COOKIE, secure))?;
    let (payload, signature) = value.rsplit_once('.')?;
    if !token::same(signature.as_bytes(), mac(sealer, payload).as_bytes()) {
        return None;
    }
    match payload.split_once('.') {
        Some((id, account)) if is_id(id) => Some(Signed {
            id: Some(id.to_string()),
            account: account.to_string(),
        }),
        Some(_) => None,
        None => Some(Signed {
            id: None,
            account: payload.to_string(),
        }),
    }
}

/// The browser a sign-in comes from: the id its device cookie carries, or a new one when it
/// has none of Digikoord's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Device {
    id: String,
    /// The browser carried this account's cookie from before devices had ids: it has
    /// signed in to the account before, though the account has no record of it yet.
    signed_in_before_ids: bool,
}

impl Device {
    /// The device signing in to the account `email`.
    pub fn of(headers: &HeaderMap, sealer: &Sealer, email: &str, secure: bool) -> Device {
        let signed = signed(headers, sealer, secure);
        let signed_in_before_ids = signed
            .as_ref()
            .is_some_and(|s| s.id.is_none() && s.account == account(email));
        let id = signed
            .and_then(|s| s.id)
            .unwrap_or_else(|| token::random()[..ID_LENGTH].to_string());
        Device {
            id,
            signed_in_before_ids,
        }
    }

    /// What is kept of the device: the SHA-256 of its id, never the id or the cookie.
    pub fn hash(&self) -> Vec<u8> {
        token::hash(&self.id)
    }

    /// Whether the browser had signed in to the account before devices had ids (its old
    /// cookie named the account): known, though not yet recorded.
    pub fn signed_in_before_ids(&self) -> bool {
        self.signed_in_before_ids
    }
}

/// Marks this browser, by its device's id, as one the account has signed in from.
pub fn remember(
    response: &mut Response,
    sealer: &Sealer,
    device: &Device,
    email: &str,
    secure: bool,
) {
    let payload = format!("{}.{}", device.id, account(email));
    let value = format!("{payload}.{}", mac(sealer, &payload));
    cookie::set(response, COOKIE, &value, Some(LIFETIME_SECONDS), secure);
}

/// Whether the browser has signed in to this account before (its cookie is Digikoord's).
pub fn recognised(headers: &HeaderMap, sealer: &Sealer, email: &str, secure: bool) -> bool {
    signed(headers, sealer, secure).is_some_and(|s| s.account == account(email))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sealer() -> Sealer {
        Sealer::new(&"0123456789abcdef".repeat(4), None).expect("key")
    }

    /// The cookie's value as a response sets it.
    fn set_value(response: &Response) -> String {
        let set = response.headers()["set-cookie"].to_str().expect("ascii");
        assert!(
            set.contains("HttpOnly") && set.contains("Max-Age=31536000"),
            "{set}"
        );
        set.split(';')
            .next()
            .and_then(|c| c.split_once('='))
            .map(|(_, v)| v.to_string())
            .expect("value")
    }

    fn headers(cookie: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            "cookie",
            format!("{COOKIE}={cookie}").parse().expect("header"),
        );
        h
    }

    #[test]
    fn a_device_is_recognised_for_its_account_only_and_only_with_digikoords_signature() {
        let sealer = sealer();
        let device = Device::of(&HeaderMap::new(), &sealer, "anna@test.example", false);
        let mut response = Response::default();
        remember(&mut response, &sealer, &device, "Anna@Test.example", false);
        let value = set_value(&response);
        assert!(recognised(
            &headers(&value),
            &sealer,
            "anna@test.example",
            false
        ));
        assert!(!recognised(
            &headers(&value),
            &sealer,
            "bo@test.example",
            false
        ));
        let other = Sealer::new(&"fedcba9876543210".repeat(4), None).expect("key");
        assert!(!recognised(
            &headers(&value),
            &other,
            "anna@test.example",
            false
        ));
        let (payload, _) = value.rsplit_once('.').expect("signed");
        let forged = format!("{payload}.{}", "0".repeat(64));
        assert!(!recognised(
            &headers(&forged),
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

    #[test]
    fn a_browser_keeps_its_device_id_and_a_new_browser_gets_a_new_one() {
        let sealer = sealer();
        let first = Device::of(&HeaderMap::new(), &sealer, "anna@test.example", false);
        let again = Device::of(&HeaderMap::new(), &sealer, "anna@test.example", false);
        assert_ne!(first.hash(), again.hash(), "two browsers without a cookie");
        assert_eq!(first.hash().len(), 32);
        let mut response = Response::default();
        remember(&mut response, &sealer, &first, "anna@test.example", false);
        let value = set_value(&response);
        assert!(
            !value.contains(&hex::encode(first.hash())),
            "the cookie carries the id, the database its hash"
        );
        // Signing in to another account from the same browser: the same device.
        let same = Device::of(&headers(&value), &sealer, "bo@test.example", false);
        assert_eq!(same.hash(), first.hash());
        assert!(!same.signed_in_before_ids());
        // An id someone made up is not Digikoord's: a new device.
        let (payload, signature) = value.rsplit_once('.').expect("signed");
        let (_, account) = payload.split_once('.').expect("id and account");
        let made_up = format!("{}.{account}.{signature}", "a".repeat(ID_LENGTH));
        let stranger = Device::of(&headers(&made_up), &sealer, "anna@test.example", false);
        assert_ne!(stranger.hash(), first.hash());
        assert_ne!(stranger.hash(), token::hash(&"a".repeat(ID_LENGTH)));
    }

    #[test]
    fn a_cookie_from_before_devices_had_ids_is_still_recognised_and_vouches_for_its_account() {
        let sealer = sealer();
        let payload = account("anna@test.example");
        let old = format!("{payload}.{}", mac(&sealer, &payload));
        assert!(recognised(
            &headers(&old),
            &sealer,
            "anna@test.example",
            false
        ));
        let device = Device::of(&headers(&old), &sealer, "anna@test.example", false);
        assert!(device.signed_in_before_ids());
        let elsewhere = Device::of(&headers(&old), &sealer, "bo@test.example", false);
        assert!(!elsewhere.signed_in_before_ids());
    }
}
