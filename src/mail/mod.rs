//! E-mail: notices of what happens, reminders of deadlines, Tillväxtverket's weekly
//! digest, and set-password links. Every mail is written to the outbox in the
//! transaction of the event that causes it; a sender inside the server delivers it
//! (`sender`), and every user can read what was sent to them (`handlers`).
//!
//! # Notices
//!
//! In Swedish, plain text and HTML, to those who must act or would want to know:
//!
//! | event | to |
//! | --- | --- |
//! | requisition submitted; report submitted; repayment registered | the case officers |
//! | requisition returned, approved or rejected; payout paid | the region's coordinators and the requisition's contact person |
//! | payout awaiting approval | the approvers |
//! | payout sent back | the case officer who prepared it |
//! | report returned or approved; repayment owed (with the approval); repayment confirmed; extension granted | the region's coordinators |
//! | over-payment to refund | the region's coordinators and the case officers |
//! | a new message in a case's thread | the other side (coordinators, or the case officers) |
//! | a network event cancelled | everyone registered, with the reason |
//!
//! # Reminders and the digest
//!
//! Reminders of each open obligation go *N* days before its deadline (14 and 3 by default;
//! an administrator sets them under *E-post*), on the day, and weekly while it is overdue,
//! only to those who still have something to do: a region's coordinators for its
//! requisition (until filed, and only until its deadline in a year whose budget is decided:
//! the offer is voluntary, so not requisitioning is not being late), and, once it has
//! requisitioned funds, its report (until submitted; late only from the day after the
//! funds were paid, if that was after the deadline) and repayment (until paid in full);
//! administrators for Tillväxtverket's own requisition from Kammarkollegiet (1 December),
//! repayment and financial report (15 March) and report to the Government (26 March).
//! Extensions move the reminders with the date. Each staff member also gets a weekly
//! digest of what waits for Tillväxtverket and which regions are late. Anyone can turn
//! reminders and the digest off under *Meddelanden* → *E-post till dig*; notices of
//! decisions, payments and set-password links always go.
//!
//! # How it works
//!
//! A change that rolls back sends nothing, one that commits loses nothing. The sender
//! delivers what is due every few seconds over SMTP (`lettre`, rustls), taking mails with
//! `FOR UPDATE SKIP LOCKED`, so two server instances deliver each mail once. A failed
//! delivery is tried again after 1, 2, 4 … minutes (at most 6 hours apart) and given up
//! after 12 attempts, with the reason kept. Reminders are computed every 15 minutes in
//! Swedish office hours (07–20) from the deadlines and the cases' states; the outbox keeps
//! one mail per address, obligation, deadline and occasion, and an advisory lock lets one
//! server at a time compute them.
//!
//! **Who was told what.** Every user sees the mail sent to them under *Meddelanden* →
//! *E-post till dig* (`/meddelanden/e-post`); `/meddelanden` itself is the conversations
//! in the cases' threads (`crate::thread`). Administrators see every mail under *E-post*
//! (`/admin/meddelanden`), with its state (i kö, skickat, misslyckades with the reason, or
//! skrivet till loggen) and can send any of them again — but a mail with a set-password
//! link, which is kept only sealed until sent and shown without its link.
//!
//! **Configuring.** `SMTP_URL` and `MAIL_FROM` (see the README's settings). Without them —
//! the `cargo run` default — nothing leaves the machine: each mail is queued, shown in the
//! app and written to the server's log without any link, and a person gets a set-password
//! link only from the operator (`digikoord admin password-link --email …`). With them,
//! set-password links go only to the user's own address (a new staff account's once a
//! second administrator has confirmed its role), and "Glömt lösenord?" mails a reset link
//! (`signin::forgot`).
//!
//! # The files
//!
//! `model.rs`: content, reminder occasions, retry delays (pure, unit-tested); `db.rs`: the
//! outbox, recipients, open obligations; `notices.rs`: event → mails; `reminders.rs`;
//! `sender.rs`: SMTP or the log; `handlers.rs`: *Meddelanden*, *E-post*.

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
        .route("/meddelanden", get(handlers::conversations))
        .route("/meddelanden/e-post", get(handlers::own))
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
