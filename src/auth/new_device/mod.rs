//! The new-login notice (issue 31): a person is told by mail when their account signs in
//! from a device it has not signed in from before.
//!
//! A device is the random id in Digikoord's signed device cookie (`device`); each account's
//! devices are kept as the SHA-256 of that id, with when each was first and last seen and its
//! browser as its User-Agent named it (at most 300 characters). Every successful sign-in —
//! the password alone, the second step, an identity provider — records its device in the
//! transaction that starts the session. A device the account knows is only seen again. A
//! device it does not know is recorded and, unless it is a new account's very first sign-in
//! (nothing to compare with) or the browser carried this account's cookie from before
//! devices had ids, it is a new login: audited, and the page layer (`signin`, which may
//! write mail; the kernel may not) queues the mail in the same transaction, saying when
//! and from which browser, and what to do if it was not the person. An account that signed
//! in before devices were kept has no known device at its first sign-in after that; its
//! audit log says it has signed in before (`auth.login`, or `sso.login` without a second
//! step), so that sign-in is told like any other from a new device.

mod db;

use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

use super::device::Device;
use crate::{audit, error::Result};

/// The most of a User-Agent that is kept.
const USER_AGENT_MAX: usize = 300;

/// A sign-in from a device the account has not used before: whom to tell, and of what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewDevice {
    pub name: String,
    pub email: String,
    /// The browser, simplified from its User-Agent: `Firefox på Windows`.
    pub browser: String,
    pub at: DateTime<Utc>,
}

/// Records the device a sign-in came from, in the transaction that starts its session:
/// `Some` when it is new to an account that has signed in before — from a known device, or
/// as its audit log says (audited; the mail is the caller's to queue), `None` when the
/// account knows it, or this is a new account's first sign-in.
pub async fn signed_in(
    tx: &mut PgConnection,
    user_id: Uuid,
    device: &Device,
    user_agent: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<NewDevice>> {
    let user_agent = user_agent.map(kept_user_agent).filter(|ua| !ua.is_empty());
    let hash = device.hash();
    db::lock_account(tx, user_id).await?;
    if db::seen_again(tx, user_id, &hash, user_agent.as_deref(), now).await? {
        return Ok(None);
    }
    let first = !db::signed_in_before(tx, user_id).await?;
    if !db::insert(tx, user_id, &hash, user_agent.as_deref(), now).await? || first {
        return Ok(None);
    }
    if device.signed_in_before_ids() {
        return Ok(None);
    }
    let Some((name, email)) = db::person(tx, user_id).await? else {
        return Ok(None);
    };
    let browser = browser(user_agent.as_deref());
    audit::Entry::new(Some(user_id), "auth.new_device", "user", user_id)
        .after(json!({ "browser": browser }))
        .record(tx)
        .await?;
    Ok(Some(NewDevice {
        name,
        email,
        browser,
        at: now,
    }))
}

/// A User-Agent as kept: trimmed, without control characters, at most 300 characters.
fn kept_user_agent(user_agent: &str) -> String {
    user_agent
        .trim()
        .chars()
        .filter(|c| !c.is_control())
        .take(USER_AGENT_MAX)
        .collect()
}

/// The browser and its system, as a person names them, from a User-Agent: `Firefox på
/// Windows`, `Safari på iPhone`; what cannot be told is said so.
pub fn browser(user_agent: Option<&str>) -> String {
    let ua = user_agent.unwrap_or_default();
    let has = |s: &str| ua.contains(s);
    // Order matters: Edge and Opera say Chrome too, Chrome says Safari, iPhones say Mac OS X
    // and Android says Linux.
    let name = if has("Edg/") || has("EdgA/") || has("EdgiOS/") {
        Some("Microsoft Edge")
    } else if has("OPR/") || has("Opera") {
        Some("Opera")
    } else if has("SamsungBrowser/") {
        Some("Samsung Internet")
    } else if has("Firefox/") || has("FxiOS/") {
        Some("Firefox")
    } else if has("CriOS/") || has("Chrome/") {
        Some("Chrome")
    } else if has("Chromium/") {
        Some("Chromium")
    } else if has("Safari/") && has("Version/") {
        Some("Safari")
    } else if has("Trident/") || has("MSIE ") {
        Some("Internet Explorer")
    } else {
        None
    };
    let system = if has("iPhone") {
        Some("iPhone")
    } else if has("iPad") {
        Some("iPad")
    } else if has("Android") {
        Some("Android")
    } else if has("Windows") {
        Some("Windows")
    } else if has("CrOS") {
        Some("ChromeOS")
    } else if has("Macintosh") || has("Mac OS X") {
        Some("macOS")
    } else if has("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (name, system) {
        (Some(name), Some(system)) => format!("{name} på {system}"),
        (Some(name), None) => name.to_string(),
        (None, Some(system)) => format!("en webbläsare på {system}"),
        (None, None) => "en okänd webbläsare".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_browser_is_named_as_a_person_names_it() {
        let cases = [
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
                "Firefox på Windows",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
                "Microsoft Edge på Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15",
                "Safari på macOS",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari på iPhone",
            ),
            (
                "Mozilla/5.0 (iPad; CPU OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/126.0.6478.54 Mobile/15E148 Safari/604.1",
                "Chrome på iPad",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.6478.122 Mobile Safari/537.36",
                "Chrome på Android",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; SM-S921B) AppleWebKit/537.36 (KHTML, like Gecko) SamsungBrowser/25.0 Chrome/121.0.0.0 Mobile Safari/537.36",
                "Samsung Internet på Android",
            ),
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 OPR/111.0.0.0",
                "Opera på Linux",
            ),
            (
                "Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
                "Chrome på ChromeOS",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
                "Internet Explorer på Windows",
            ),
            ("curl/8.5.0", "en okänd webbläsare"),
            ("Mozilla/5.0 (X11; Linux x86_64)", "en webbläsare på Linux"),
            ("", "en okänd webbläsare"),
        ];
        for (ua, named) in cases {
            assert_eq!(browser(Some(ua)), named, "{ua}");
        }
        assert_eq!(browser(None), "en okänd webbläsare");
    }

    #[test]
    fn a_user_agent_is_kept_trimmed_short_and_plain() {
        assert_eq!(kept_user_agent("  Firefox/128.0 \n"), "Firefox/128.0");
        assert_eq!(kept_user_agent("a\u{7}b\tc"), "abc");
        let long = "x".repeat(1000);
        assert_eq!(kept_user_agent(&long).chars().count(), USER_AGENT_MAX);
        assert_eq!(kept_user_agent("   "), "");
    }
}
