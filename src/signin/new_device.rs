//! The mail when an account signs in from a new device (`auth::new_device` keeps the
//! devices; the kernel writes no mail, so it is written here), queued in the transaction
//! that starts the session: a sign-in that rolls back tells no one.

use axum::http::{HeaderMap, header};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

use crate::{
    AppState,
    auth::{
        device::Device,
        new_device::{self, NewDevice},
    },
    dates::format_date,
    error::Result,
    mail::{
        db::{Outgoing, Recipient, enqueue},
        model::{Content, Kind},
    },
};

/// Records the device a successful sign-in came from, and, when it is new to the account,
/// queues the mail that says so. Returns whether a mail was queued.
pub(crate) async fn signed_in(
    tx: &mut PgConnection,
    state: &AppState,
    user_id: Uuid,
    device: &Device,
    headers: &HeaderMap,
) -> Result<bool> {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let now = state.clock.now();
    let Some(new) = new_device::signed_in(tx, user_id, device, user_agent, now).await? else {
        return Ok(false);
    };
    let public_url = &state.config.public_url;
    let content = content(&new, public_url);
    let queued = enqueue(
        tx,
        public_url,
        Outgoing {
            to: &Recipient::account(user_id, &new.name, &new.email),
            kind: Kind::Notice,
            event: "auth.new_device",
            content: &content,
            occasion: None,
        },
    )
    .await?;
    Ok(queued)
}

/// `3 mars 2025 kl. 14.05`, Swedish time.
fn swedish_time(at: DateTime<Utc>) -> String {
    let local = crate::clock::swedish(at);
    format!(
        "{} kl. {}",
        format_date(local.date_naive()),
        local.format("%H.%M")
    )
}

/// What the mail says: when, from which browser, and what to do if it was someone else.
fn content(new: &NewDevice, public_url: &str) -> Content {
    Content::new("Ny inloggning på ditt konto i Digikoord")
        .paragraph(format!(
            "Ditt konto i Digikoord loggades in {} från {}: en enhet eller webbläsare som kontot inte har loggats in från tidigare.",
            swedish_time(new.at),
            new.browser
        ))
        .paragraph("Var det du, behöver du inte göra något.")
        .paragraph(
            "Om det inte var du: byt lösenord (om du loggar in med lösenord) och kontakta en administratör på Tillväxtverket genast. Under Inloggningar i Digikoord ser du var ditt konto är inloggat och kan logga ut alla andra inloggningar.",
        )
        .link("Se dina inloggningar", format!("{public_url}/sessioner"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_mail_says_when_in_swedish_time_from_which_browser_and_what_to_do() {
        let at = Utc
            .with_ymd_and_hms(2025, 3, 3, 13, 5, 0)
            .single()
            .expect("a moment");
        let new = NewDevice {
            name: "Åsa Öberg".into(),
            email: "asa@region.example".into(),
            browser: "Firefox på Windows".into(),
            at,
        };
        let mail = content(&new, "https://digikoord.example");
        let text = mail.text(&new.name, "");
        assert_eq!(mail.subject, "Ny inloggning på ditt konto i Digikoord");
        assert!(
            text.contains("loggades in 3 mars 2025 kl. 14.05 från Firefox på Windows"),
            "{text}"
        );
        assert!(
            text.contains(
                "Om det inte var du: byt lösenord (om du loggar in med lösenord) och kontakta"
            ),
            "{text}"
        );
        assert!(
            text.contains("https://digikoord.example/sessioner"),
            "{text}"
        );
    }
}
