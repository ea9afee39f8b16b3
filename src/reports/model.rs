//! The pure rules of the yearly report: its parts, what a complete report has, the
//! money (used = the costs, unused = received − used), and how many files it may hold.
//! What each part's form must hold is in `form.rs`, re-exported here.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Serialize;

use crate::attachments::{self, Overflow};

pub use super::form::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "report_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ReportState {
    Draft,
    Submitted,
    Returned,
    Approved,
}

impl ReportState {
    pub fn label(self) -> &'static str {
        match self {
            ReportState::Draft => "Utkast",
            ReportState::Submitted => "Inskickad",
            ReportState::Returned => "Återsänd för komplettering",
            ReportState::Approved => "Godkänd",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ReportState::Draft => "utkast",
            ReportState::Submitted => "inskickad",
            ReportState::Returned => "komplettering",
            ReportState::Approved => "godkand",
        }
    }

    /// The region writes only while the report is a draft or returned.
    pub fn editable(self) -> bool {
        Action::Edit.allowed(self)
    }
}

/// What a region may do to its report, and what a case officer may decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Save a part, add or remove an activity or an attachment.
    Edit,
    Submit,
    /// Return for completion.
    Return,
    Approve,
    /// A correction after approval: the approved version is kept and a new draft
    /// version, copied from it, becomes the current one.
    Correct,
}

impl Action {
    /// The states the action may be taken from. The SQL updates use this list,
    /// so a second click finds the state changed and does nothing.
    pub fn from_states(self) -> &'static [ReportState] {
        use ReportState::*;
        match self {
            Action::Edit | Action::Submit => &[Draft, Returned],
            Action::Return | Action::Approve => &[Submitted],
            Action::Correct => &[Approved],
        }
    }

    /// The state the action leaves the report in; for `Correct`, the new version's.
    pub fn target(self, from: ReportState) -> ReportState {
        use ReportState::*;
        match self {
            Action::Edit => from,
            Action::Submit => Submitted,
            Action::Return => Returned,
            Action::Approve => Approved,
            Action::Correct => Draft,
        }
    }

    pub fn allowed(self, from: ReportState) -> bool {
        self.from_states().contains(&from)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "self_assessment", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum SelfAssessment {
    Yes,
    Partly,
    No,
    CantSay,
}

impl SelfAssessment {
    pub const ALL: [SelfAssessment; 4] = [
        SelfAssessment::Yes,
        SelfAssessment::Partly,
        SelfAssessment::No,
        SelfAssessment::CantSay,
    ];

    pub fn key(self) -> &'static str {
        match self {
            SelfAssessment::Yes => "yes",
            SelfAssessment::Partly => "partly",
            SelfAssessment::No => "no",
            SelfAssessment::CantSay => "cant_say",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SelfAssessment::Yes => "Ja, tydligt",
            SelfAssessment::Partly => "Delvis",
            SelfAssessment::No => "Nej",
            SelfAssessment::CantSay => "Kan inte bedöma",
        }
    }

    pub fn from_key(key: &str) -> Option<SelfAssessment> {
        SelfAssessment::ALL.into_iter().find(|s| s.key() == key)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "activity_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ActivityKind {
    NetworkMeeting,
    Training,
    Strategy,
    Analysis,
    Communication,
    Other,
}

impl ActivityKind {
    pub const ALL: [ActivityKind; 6] = [
        ActivityKind::NetworkMeeting,
        ActivityKind::Training,
        ActivityKind::Strategy,
        ActivityKind::Analysis,
        ActivityKind::Communication,
        ActivityKind::Other,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ActivityKind::NetworkMeeting => "network_meeting",
            ActivityKind::Training => "training",
            ActivityKind::Strategy => "strategy",
            ActivityKind::Analysis => "analysis",
            ActivityKind::Communication => "communication",
            ActivityKind::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            ActivityKind::NetworkMeeting => "Nätverksträff",
            ActivityKind::Training => "Utbildning",
            ActivityKind::Strategy => "Strategiarbete",
            ActivityKind::Analysis => "Analys",
            ActivityKind::Communication => "Kommunikation",
            ActivityKind::Other => "Annat",
        }
    }

    pub fn from_key(key: &str) -> Option<ActivityKind> {
        ActivityKind::ALL.into_iter().find(|k| k.key() == key)
    }
}

/// The national digitalisation strategy's five sub-goals (N2017/03643), as stored and shown.
pub const SUB_GOALS: [(&str, &str); 5] = [
    ("kompetens", "Digital kompetens"),
    ("trygghet", "Digital trygghet"),
    ("innovation", "Digital innovation"),
    ("ledning", "Digital ledning"),
    ("infrastruktur", "Digital infrastruktur"),
];

pub fn sub_goal_label(key: &str) -> &str {
    SUB_GOALS
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(key, |(_, label)| label)
}

/// The report's parts, each its own page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    Tasks,
    Activities,
    Analysis,
    Finances,
    Attachments,
}

impl Part {
    pub const ALL: [Part; 5] = [
        Part::Tasks,
        Part::Activities,
        Part::Analysis,
        Part::Finances,
        Part::Attachments,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Part::Tasks => "uppdrag",
            Part::Activities => "aktiviteter",
            Part::Analysis => "analys",
            Part::Finances => "ekonomi",
            Part::Attachments => "bilagor",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            // The period's tasks name it: `Report::tasks_title`.
            Part::Tasks => "Uppdraget",
            Part::Activities => "Aktiviteter",
            Part::Analysis => "Behov, resultat och självskattning",
            Part::Finances => "Ekonomi",
            Part::Attachments => "Bilagor",
        }
    }

    /// The part named by its slug (a step button's `go`); anything else is none.
    pub fn from_slug(slug: &str) -> Option<Part> {
        Part::ALL.into_iter().find(|p| p.slug() == slug)
    }

    /// Its number in the step bar and on the check page, from 1.
    pub fn number(self) -> usize {
        Part::ALL
            .iter()
            .position(|p| *p == self)
            .map_or(0, |i| i + 1)
    }
}

/// The costs by category. Used and unused follow from them and from what was received.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Costs {
    pub personnel: Decimal,
    pub services: Decimal,
    pub travel: Decimal,
    pub other: Decimal,
}

impl Costs {
    pub fn used(&self) -> Decimal {
        self.personnel + self.services + self.travel + self.other
    }

    /// Received − used; never negative for a valid report.
    pub fn unused(&self, received: Decimal) -> Decimal {
        received - self.used()
    }
}

/// What a report still lacks before it can be submitted, part by part.
pub struct Completeness<'a> {
    /// The answers to the tasks of the year's period.
    pub tasks: Vec<&'a str>,
    pub activities: usize,
    pub needs_and_challenges: &'a str,
    pub results_and_effects: &'a str,
    pub self_assessment: Option<SelfAssessment>,
    pub self_assessment_motivation: &'a str,
    pub finances_saved: bool,
}

impl Completeness<'_> {
    pub fn missing(&self) -> Vec<(Part, &'static str)> {
        let mut missing = Vec::new();
        if self.tasks.iter().any(|t| t.trim().is_empty()) {
            missing.push((
                Part::Tasks,
                if self.tasks.len() == 1 {
                    "Beskriv vad ni har gjort inom uppdraget."
                } else {
                    "Beskriv vad ni har gjort inom var och en av uppdragets fem delar."
                },
            ));
        }
        if self.activities == 0 {
            missing.push((Part::Activities, "Lägg till minst en aktivitet."));
        }
        if self.needs_and_challenges.trim().is_empty() {
            missing.push((
                Part::Analysis,
                "Beskriv de behov och utmaningar ni har sett.",
            ));
        }
        if self.results_and_effects.trim().is_empty() {
            missing.push((
                Part::Analysis,
                "Beskriv de resultat och effekter ni har sett.",
            ));
        }
        if self.self_assessment.is_none() || self.self_assessment_motivation.trim().is_empty() {
            missing.push((
                Part::Analysis,
                "Besvara självskattningen och motivera svaret.",
            ));
        }
        if !self.finances_saved {
            missing.push((
                Part::Finances,
                "Fyll i ekonomin: kostnaderna per kategori (skriv 0 där inget har använts).",
            ));
        }
        missing
    }
}

/// Submitted after the deadline: accepted, and marked late with its date.
pub fn is_late(submitted: Option<NaiveDate>, deadline: NaiveDate) -> bool {
    submitted.is_some_and(|d| d > deadline)
}

/// Whether one more file of `size` bytes fits beside the report's `count` files of `total`
/// bytes (`crate::attachments`'s limits, in the report's words).
pub fn attachments_fit(count: i64, total: i64, size: usize) -> Result<(), &'static str> {
    attachments::fits(count, total, size).map_err(|overflow| match overflow {
        Overflow::TooMany => {
            "Redovisningen har redan 20 bilagor, det högsta antalet. Ta bort en bilaga först."
        }
        Overflow::TooLarge => {
            "Bilagorna får vara högst 50 MB tillsammans. Ta bort en bilaga eller komprimera filen."
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    #[test]
    fn the_region_writes_a_draft_or_returned_report_and_only_staff_decide_a_submitted_one() {
        use ReportState::*;
        for action in [Action::Edit, Action::Submit] {
            assert!(action.allowed(Draft), "{action:?}");
            assert!(action.allowed(Returned), "{action:?}");
            assert!(!action.allowed(Submitted), "{action:?}");
            assert!(!action.allowed(Approved), "{action:?}");
        }
        for decision in [Action::Approve, Action::Return] {
            assert!(decision.allowed(Submitted), "{decision:?}");
            for other in [Draft, Returned, Approved] {
                assert!(!decision.allowed(other), "{decision:?} from {other:?}");
            }
        }
        assert_eq!(Action::Submit.target(Returned), Submitted);
        assert_eq!(Action::Approve.target(Submitted), Approved);
        assert_eq!(Action::Return.target(Submitted), Returned);
        assert_eq!(Action::Edit.target(Returned), Returned);
        assert!(Draft.editable() && Returned.editable());
        assert!(!Submitted.editable() && !Approved.editable());
    }

    #[test]
    fn only_an_approved_report_is_corrected_and_the_correction_starts_as_a_draft() {
        use ReportState::*;
        assert!(Action::Correct.allowed(Approved));
        for other in [Draft, Submitted, Returned] {
            assert!(!Action::Correct.allowed(other), "{other:?}");
        }
        assert_eq!(Action::Correct.target(Approved), Draft);
    }

    #[test]
    fn used_is_the_sum_of_the_costs_and_unused_the_rest() {
        let costs = Costs {
            personnel: dec("650000"),
            services: dec("120000.50"),
            travel: dec("30000"),
            other: dec("9999.50"),
        };
        assert_eq!(costs.used(), dec("810000"));
        assert_eq!(costs.unused(dec("1000000")), dec("190000"));
    }

    #[test]
    fn a_report_is_complete_with_five_tasks_an_activity_the_analysis_and_a_motivated_self_assessment()
     {
        let mut c = Completeness {
            tasks: vec!["a", "b", "c", "d", "e"],
            activities: 1,
            needs_and_challenges: "n",
            results_and_effects: "r",
            self_assessment: Some(SelfAssessment::Partly),
            self_assessment_motivation: "m",
            finances_saved: true,
        };
        assert!(c.missing().is_empty());
        c.tasks[4] = " ";
        c.activities = 0;
        c.finances_saved = false;
        let parts: Vec<Part> = c.missing().into_iter().map(|(p, _)| p).collect();
        assert_eq!(parts, vec![Part::Tasks, Part::Activities, Part::Finances]);
    }

    #[test]
    fn parts_are_numbered_from_one_and_found_by_their_slug_only() {
        let numbers: Vec<usize> = Part::ALL.into_iter().map(Part::number).collect();
        assert_eq!(numbers, vec![1, 2, 3, 4, 5]);
        for part in Part::ALL {
            assert_eq!(Part::from_slug(part.slug()), Some(part));
        }
        assert_eq!(Part::from_slug("kontrollera"), None);
        assert_eq!(Part::from_slug("/admin"), None);
        assert_eq!(Part::from_slug(""), None);
    }

    #[test]
    fn a_report_after_the_deadline_is_late() {
        let deadline = NaiveDate::from_ymd_opt(2026, 1, 31).expect("date");
        assert!(!is_late(NaiveDate::from_ymd_opt(2026, 1, 31), deadline));
        assert!(is_late(NaiveDate::from_ymd_opt(2026, 2, 1), deadline));
    }

    #[test]
    fn a_report_holds_twenty_attachments_of_fifty_megabytes_at_most() {
        assert!(attachments_fit(0, 0, 10 * 1024 * 1024).is_ok());
        assert!(attachments_fit(19, 40 * 1024 * 1024, 10 * 1024 * 1024).is_ok());
        assert!(attachments_fit(20, 0, 1).is_err());
        assert!(attachments_fit(5, 45 * 1024 * 1024, 5 * 1024 * 1024 + 1).is_err());
    }
}
