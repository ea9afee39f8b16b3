//! The message thread between a region and Tillväxtverket on one case: a requisition, a
//! report, or a year's repayment. One table per case kind, one piece of code for all:
//! what a message may hold (`parse_message`, here), reading and adding (`db.rs`), and
//! writing one from a case page, with its audit record and notice (`post.rs`, the one
//! place a message notifies). Who has read a thread up to when, and the conversations page's
//! list of every thread a reader may see with its unread messages (`db.rs`; what a thread is
//! called and how its last message is shown in `model.rs`).

mod db;
mod model;
mod post;

use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

pub use db::{add, inbox, mark_read, messages, shown_to};
pub use model::{Conversation, ThreadKind};
pub use post::post;

use crate::web::FormErrors;

/// The longest message, return reason or rejection reason.
pub const MESSAGE_MAX: usize = 5000;

/// A message, return reason or rejection reason: required, and not endless.
pub fn parse_message(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    missing: &str,
) -> Option<String> {
    crate::input::required_text(errors, field, value, MESSAGE_MAX, missing)
}

/// A message as a case page's form sends it.
#[derive(Deserialize)]
pub struct MessagePost {
    #[serde(default)]
    pub body: String,
}

#[derive(Clone, Copy, Debug)]
pub enum Thread {
    Requisition(Uuid),
    Report(Uuid),
    /// A year's repayment, by the year's approved requisition.
    Repayment(Uuid),
}

impl Thread {
    /// The table and its case column. Fixed strings, never input.
    pub fn table(self) -> (&'static str, &'static str, Uuid) {
        match self {
            Thread::Requisition(id) => ("requisition_messages", "requisition_id", id),
            Thread::Report(id) => ("report_messages", "report_id", id),
            Thread::Repayment(id) => ("repayment_messages", "requisition_id", id),
        }
    }

    /// The audit trail's action, entity and case key for a posted message.
    pub(crate) fn audit(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Thread::Requisition(_) => ("requisition.message", "requisition_message", "requisition"),
            Thread::Report(_) => ("report.message", "report_message", "report"),
            Thread::Repayment(_) => ("repayment.message", "repayment_message", "requisition"),
        }
    }

    /// Where the thread is shown.
    pub fn page(self) -> String {
        match self {
            Thread::Requisition(id) => format!("/rekvisitioner/{id}#meddelanden"),
            Thread::Report(id) => format!("/redovisningar/{id}#meddelanden"),
            Thread::Repayment(id) => format!("/aterbetalningar/arende/{id}"),
        }
    }
}

#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Message {
    pub author_name: String,
    pub author_is_staff: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
}
