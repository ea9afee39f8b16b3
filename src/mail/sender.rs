//! Delivering what the outbox holds: over SMTP when `SMTP_URL` is set, to the log when
//! it is not. Mails are taken with `FOR UPDATE SKIP LOCKED`, so any number of senders
//! (one per server instance) deliver each mail once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use lettre::{
    AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
};
use sqlx::PgPool;

use super::{
    db::{self, Queued},
    model::{MAX_ATTEMPTS, State, retry_delay},
};
use crate::{
    Config,
    secrets::{Purpose, Sealer},
};

/// Where mail goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp(Box<Smtp>),
    /// No SMTP server configured: each mail is written to the log.
    Log,
}

#[derive(Clone)]
pub struct Smtp {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(10);

impl Mailer {
    pub fn from_config(config: &Config) -> Result<Mailer, String> {
        match &config.smtp_url {
            Some(url) => Mailer::smtp(url, &config.mail_from),
            None => Ok(Mailer::Log),
        }
    }

    pub fn smtp(url: &str, from: &str) -> Result<Mailer, String> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| e.to_string())?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        let from = from
            .parse()
            .map_err(|e: lettre::address::AddressError| e.to_string())?;
        Ok(Mailer::Smtp(Box::new(Smtp { transport, from })))
    }

    /// Sends the mail; a sealed one's whole text goes only to the SMTP server, never to the
    /// log (which gets the text that may be shown, its link left out).
    async fn deliver(&self, mail: &Queued, sealer: &Sealer) -> Result<State, String> {
        match self {
            Mailer::Log => {
                tracing::info!(
                    to = %mail.to_address,
                    subject = %mail.subject,
                    body = %mail.body_text,
                    "mail (no SMTP_URL: written to the log, not sent)"
                );
                Ok(State::Logged)
            }
            Mailer::Smtp(smtp) => {
                let Smtp { transport, from } = smtp.as_ref();
                let to = Mailbox::new(
                    Some(mail.to_name.clone()).filter(|n| !n.is_empty()),
                    mail.to_address
                        .parse()
                        .map_err(|e| format!("mottagaradressen: {e}"))?,
                );
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(&mail.subject)
                    .multipart(MultiPart::alternative_plain_html(
                        open_or_shown(sealer, &mail.sealed_text, &mail.body_text)?,
                        open_or_shown(sealer, &mail.sealed_html, &mail.body_html)?,
                    ))
                    .map_err(|e| e.to_string())?;
                transport
                    .send(message)
                    .await
                    .map(|_| State::Sent)
                    .map_err(|e| e.to_string())
            }
        }
    }
}

/// The sealed text, opened, or the text that may be shown when nothing is sealed.
fn open_or_shown(sealer: &Sealer, sealed: &Option<String>, shown: &str) -> Result<String, String> {
    match sealed {
        Some(sealed) => sealer
            .open(Purpose::MailLink, sealed)
            .map_err(|e| e.to_string()),
        None => Ok(shown.to_string()),
    }
}

/// What one round of delivery did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Round {
    pub delivered: usize,
    pub failed: usize,
}

/// Delivers every mail due at `now`, a few at a time, each batch in a transaction that
/// holds its mails while they are sent. A failure is recorded and tried again later
/// (one minute, doubling, at most six hours), and given up after `MAX_ATTEMPTS`.
pub async fn deliver_due(
    db: &PgPool,
    mailer: &Mailer,
    sealer: &Sealer,
    now: DateTime<Utc>,
) -> sqlx::Result<Round> {
    let mut round = Round::default();
    loop {
        let mut tx = db.begin().await?;
        let batch = db::claim_due(&mut tx, now, 10).await?;
        if batch.is_empty() {
            tx.commit().await?;
            return Ok(round);
        }
        for mail in &batch {
            match mailer.deliver(mail, sealer).await {
                Ok(state) => {
                    db::mark_delivered(&mut tx, mail.id, state).await?;
                    round.delivered += 1;
                }
                Err(error) => {
                    let attempts = mail.attempts + 1;
                    let retry_at = (attempts < MAX_ATTEMPTS).then(|| {
                        now + chrono::Duration::from_std(retry_delay(attempts))
                            .unwrap_or(chrono::Duration::hours(1))
                    });
                    tracing::warn!(mail = mail.id, attempts, %error, "delivering a mail failed");
                    db::mark_failed(&mut tx, mail.id, &error, retry_at).await?;
                    round.failed += 1;
                }
            }
        }
        tx.commit().await?;
    }
}
