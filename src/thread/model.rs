//! The conversations page's rules, pure: what a thread is called, what of its last message
//! is shown, and how its unread messages are said.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::Thread;

/// How much of the last message the conversations page shows.
pub const EXCERPT_CHARS: usize = 120;

/// The kind of case a thread hangs on, as `thread_reads.kind` keeps it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type)]
#[sqlx(type_name = "thread_kind", rename_all = "snake_case")]
pub enum ThreadKind {
    Requisition,
    Report,
    Repayment,
}

impl Thread {
    pub fn kind(self) -> ThreadKind {
        match self {
            Thread::Requisition(_) => ThreadKind::Requisition,
            Thread::Report(_) => ThreadKind::Report,
            Thread::Repayment(_) => ThreadKind::Repayment,
        }
    }

    /// The case's id, in the table of its kind.
    pub fn case(self) -> Uuid {
        match self {
            Thread::Requisition(id) | Thread::Report(id) | Thread::Repayment(id) => id,
        }
    }

    fn of(kind: ThreadKind, case: Uuid) -> Thread {
        match kind {
            ThreadKind::Requisition => Thread::Requisition(case),
            ThreadKind::Report => Thread::Report(case),
            ThreadKind::Repayment => Thread::Repayment(case),
        }
    }
}

/// One case's thread on the conversations page, as one reader sees it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Conversation {
    pub kind: ThreadKind,
    pub case_id: Uuid,
    pub year: i32,
    /// The requisition's case number (a requisition's and a repayment's thread).
    pub case_number: Option<String>,
    /// The report's version.
    pub version: i32,
    pub actor_name: String,
    pub author_name: String,
    pub author_is_staff: bool,
    pub body: String,
    pub created_at: DateTime<Utc>,
    /// Messages from others written after the reader last read the thread.
    pub unread: i64,
}

impl Conversation {
    pub fn thread(&self) -> Thread {
        Thread::of(self.kind, self.case_id)
    }

    /// The case page, at its thread.
    pub fn page(&self) -> String {
        self.thread().page()
    }

    /// "Rekvisition DK-2025-003", "Redovisning 2025", "Återbetalning 2025".
    pub fn title(&self) -> String {
        title(
            self.kind,
            self.year,
            self.case_number.as_deref(),
            self.version,
        )
    }

    pub fn excerpt(&self) -> String {
        excerpt(&self.body, EXCERPT_CHARS)
    }

    pub fn unread_label(&self) -> Option<String> {
        unread_label(self.unread)
    }
}

/// What a case's thread is called on the conversations page.
pub fn title(kind: ThreadKind, year: i32, case_number: Option<&str>, version: i32) -> String {
    match (kind, case_number) {
        (ThreadKind::Requisition, Some(number)) => format!("Rekvisition {number}"),
        (ThreadKind::Requisition, None) => format!("Rekvisition {year}"),
        (ThreadKind::Report, _) if version > 1 => format!("Redovisning {year}, version {version}"),
        (ThreadKind::Report, _) => format!("Redovisning {year}"),
        (ThreadKind::Repayment, _) => format!("Återbetalning {year}"),
    }
}

/// The start of a message on one line, cut at a word and marked with "…" when longer.
pub fn excerpt(body: &str, max_chars: usize) -> String {
    let line = body.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= max_chars {
        return line;
    }
    let cut: String = line.chars().take(max_chars).collect();
    let at_word = match cut.rfind(' ') {
        Some(space) if space > 0 => &cut[..space],
        _ => cut.as_str(),
    };
    format!("{}…", at_word.trim_end_matches([',', '.', ';', ':']))
}

/// "1 oläst", "3 olästa"; nothing when all is read.
pub fn unread_label(unread: i64) -> Option<String> {
    match unread {
        n if n <= 0 => None,
        1 => Some("1 oläst".to_string()),
        n => Some(format!("{n} olästa")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_case_is_called_as_its_page_calls_it() {
        assert_eq!(
            title(ThreadKind::Requisition, 2025, Some("DK-2025-003"), 1),
            "Rekvisition DK-2025-003"
        );
        assert_eq!(title(ThreadKind::Report, 2025, None, 1), "Redovisning 2025");
        assert_eq!(
            title(ThreadKind::Report, 2025, None, 2),
            "Redovisning 2025, version 2"
        );
        assert_eq!(
            title(ThreadKind::Repayment, 2025, Some("DK-2025-003"), 1),
            "Återbetalning 2025"
        );
    }

    #[test]
    fn a_short_message_is_shown_whole_on_one_line() {
        assert_eq!(
            excerpt("Hej!\n\nVi har  bytt bankgiro.", 120),
            "Hej! Vi har bytt bankgiro."
        );
    }

    #[test]
    fn a_long_message_is_cut_at_a_word_and_marked() {
        let body = "Vi behöver en komplettering av redovisningen, med kostnaderna för personal.";
        let shown = excerpt(body, 30);
        assert_eq!(shown, "Vi behöver en komplettering…");
        assert!(shown.chars().count() <= 31);
        // One long word is cut where it must be, never inside a character.
        assert_eq!(excerpt(&"å".repeat(10), 4), "åååå…");
    }

    #[test]
    fn unread_messages_are_counted_in_words_and_none_says_nothing() {
        assert_eq!(unread_label(0), None);
        assert_eq!(unread_label(1).as_deref(), Some("1 oläst"));
        assert_eq!(unread_label(2).as_deref(), Some("2 olästa"));
    }

    #[test]
    fn a_conversation_leads_to_its_case_page() {
        let id = Uuid::nil();
        for thread in [
            Thread::Requisition(id),
            Thread::Report(id),
            Thread::Repayment(id),
        ] {
            assert_eq!(
                Thread::of(thread.kind(), thread.case()).page(),
                thread.page()
            );
        }
    }
}
