//! E-mail: notices of what happens, reminders of deadlines, Tillväxtverket's weekly
//! digest, and set-password links. Every mail is written to the outbox in the
//! transaction of the event that causes it; a sender inside the server delivers it
//! (`sender`), and every user can read what was sent to them (`handlers`).

pub mod db;
mod handlers;
pub mod model;
pub mod notices;
pub mod reminders;
pub mod sender;

use std::time::Duration;

use axum::{
    Router,
    routing::{get, post},
};
use sqlx::PgConnection;

use crate::{AppState, Clock};
pub use notices::{Notice, notify};
pub use sender::{Mailer, deliver_due};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meddelanden", get(handlers::own))
        .route("/meddelanden/paminnelser", post(handlers::set_reminders))
        .route("/admin/meddelanden", get(handlers::all))
        .route(
            "/admin/meddelanden/{id}/skicka-igen",
            post(handlers::resend),
        )
        .route(
            "/admin/meddelanden/paminnelsedagar",
            post(handlers::set_reminder_days),
        )
}

/// Why a set-password link is mailed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordLink {
    /// An administrator created the account.
    NewAccount,
    /// An administrator made a new link.
    NewLink,
    /// The person asked for one ("Glömt lösenord?").
    Reset,
}

impl PasswordLink {
    /// How long the link works: an hour for a reset the person asked for themselves (OWASP
    /// ASVS); a day for one an administrator sends, which may wait in an inbox overnight.
    pub fn valid_hours(self) -> i32 {
        match self {
            PasswordLink::Reset => 1,
            PasswordLink::NewAccount | PasswordLink::NewLink => 24,
        }
    }

    /// "Länken fungerar en gång, i 1 timme."
    pub fn validity(self) -> String {
        match self.valid_hours() {
            1 => "Länken fungerar en gång, i en timme.".to_string(),
            hours => format!("Länken fungerar en gång, i {hours} timmar."),
        }
    }
}

/// What a set-password mail shows instead of its link, wherever anyone but the recipient
/// reads it.
pub const LINK_LEFT_OUT: &str = "(länken visas bara i e-postmeddelandet till mottagaren)";

/// Queues a set-password link to the user's own address, in the caller's transaction. The
/// link is never kept readable: the mail is sealed for the sender, and what the pages and
/// the log show leaves it out.
pub async fn password_link(
    conn: &mut PgConnection,
    public_url: &str,
    sealer: &crate::secrets::Sealer,
    to: &db::Recipient,
    link: &str,
    why: PasswordLink,
) -> sqlx::Result<()> {
    let (subject, intro) = match why {
        PasswordLink::NewAccount => (
            "Välkommen till Digikoord: välj ditt lösenord",
            "Tillväxtverket har skapat ett konto åt dig i Digikoord, där medlen till de regionala digitaliseringskoordinatorerna rekvireras, redovisas och följs upp.",
        ),
        PasswordLink::NewLink => (
            "Välj lösenord i Digikoord",
            "En administratör på Tillväxtverket har skapat en ny länk åt dig för att välja lösenord i Digikoord.",
        ),
        PasswordLink::Reset => (
            "Välj ett nytt lösenord i Digikoord",
            "Någon, förhoppningsvis du, har bett om ett nytt lösenord till ditt konto i Digikoord. Om det inte var du kan du bortse från det här meddelandet: ditt lösenord är oförändrat.",
        ),
    };
    let content = model::Content::new(subject)
        .paragraph(intro)
        .paragraph(why.validity())
        .link("Välj lösenord", link);
    let shown = model::Content {
        link: content.link.clone().map(|l| model::Link {
            url: LINK_LEFT_OUT.to_string(),
            ..l
        }),
        ..content.clone()
    };
    db::enqueue_sealed(
        conn,
        public_url,
        sealer,
        db::Outgoing {
            to,
            kind: model::Kind::Password,
            event: "password.link",
            content: &shown,
            occasion: None,
        },
        &content,
    )
    .await
}

/// Tells both addresses that an account's e-mail address changed: the old one always, so a
/// change nobody asked for is noticed by the one who still reads it.
pub async fn address_changed(
    conn: &mut PgConnection,
    public_url: &str,
    user_id: uuid::Uuid,
    name: &str,
    old_email: &str,
    new_email: &str,
) -> sqlx::Result<()> {
    let old = model::Content::new("Din e-postadress i Digikoord har ändrats")
        .paragraph(format!(
            "E-postadressen för ditt konto i Digikoord har ändrats från {old_email} till {new_email}. Meddelanden och länkar går från och med nu till den nya adressen."
        ))
        .paragraph("Om du inte känner till ändringen, kontakta en administratör på Tillväxtverket genast.");
    let new = model::Content::new("Det här är nu din e-postadress i Digikoord").paragraph(
        format!(
            "Ditt konto i Digikoord använder från och med nu adressen {new_email} i stället för {old_email}."
        ),
    );
    for (address, content) in [(old_email, &old), (new_email, &new)] {
        db::enqueue(
            conn,
            public_url,
            db::Outgoing {
                to: &db::Recipient::account(user_id, name, address),
                kind: model::Kind::Notice,
                event: "user.email_changed",
                content,
                occasion: None,
            },
        )
        .await?;
    }
    Ok(())
}

/// How often the sender looks for mail to deliver.
const SEND_INTERVAL: Duration = Duration::from_secs(5);
/// How often reminders are computed (each is queued once, whenever it is computed).
const REMINDER_INTERVAL: Duration = Duration::from_secs(15 * 60);

/// Starts the sender and the reminders inside the server. Reminders are queued in
/// Swedish office hours (7–20), so nobody gets one at night.
pub fn spawn_workers(state: &AppState, mailer: Mailer) {
    let db = state.db.clone();
    let sealer = state.sealer.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(SEND_INTERVAL);
        loop {
            tick.tick().await;
            if let Err(e) = deliver_due(&db, &mailer, &sealer, chrono::Utc::now()).await {
                tracing::warn!(error = %e, "delivering mail failed");
            }
        }
    });
    let db = state.db.clone();
    let public_url = state.config.public_url.clone();
    let clock = state.clock;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(REMINDER_INTERVAL);
        loop {
            tick.tick().await;
            if !office_hours(clock) {
                continue;
            }
            match reminders::run(&db, &public_url, clock.today()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(queued = n, "reminders queued"),
                Err(e) => tracing::warn!(error = %e, "computing reminders failed"),
            }
        }
    });
}

fn office_hours(clock: Clock) -> bool {
    use chrono::Timelike;
    (7..20).contains(&crate::clock::swedish(clock.now()).hour())
}
