//! The pure rules of the yearly report: its parts, what a complete report has, the
//! money (used = the costs, unused = received − used), and which files may be attached.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{
    money::{Amount, format_kronor},
    web::FormErrors,
};

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

/// The coordinator's five tasks in decision I2021/00795, which the report answers to.
pub const TASKS: [&str; 5] = [
    "Verka för att digitaliseringen integreras i det regionala tillväxtarbetet, med utgångspunkt i den nationella digitaliseringsstrategin och dess delmål",
    "Stödja nätverk och sprida relevant information i länet för att öka kunskapen om och användningen av ny teknik och digital innovation",
    "Identifiera förbättringsområden inom digitalisering, kopplade till den nationella strategin och det regionala tillväxtarbetet",
    "Samverka med Tillväxtverket och delta i Tillväxtverkets nätverk",
    "Bidra till Tillväxtverkets uppföljning och analys av hur verksamheten har bedrivits och vilka behov och utmaningar som har identifierats",
];

/// The coordinator's single task in decision N2018/04129 (2018–2020).
pub const TASKS_2018: [&str; 1] = [
    "Bidra till en övergripande och strategisk samordning av länets digitaliseringsarbete inom ramen för det regionala tillväxtarbetet",
];

/// The tasks a report for `year` answers to: N2018/04129's one for 2018–2020, I2021/00795's
/// five from 2021.
pub fn tasks_for(year: i32) -> &'static [&'static str] {
    if year <= 2020 { &TASKS_2018 } else { &TASKS }
}

/// "Uppdragets fem delar" or, for 2018–2020, "Uppdraget".
pub fn tasks_title(year: i32) -> &'static str {
    if tasks_for(year).len() == 1 {
        "Uppdraget"
    } else {
        "Uppdragets fem delar"
    }
}

pub const TASK_MAX: usize = 5000;
pub const ANALYSIS_MAX: usize = 10000;
pub const MOTIVATION_MAX: usize = 2000;

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
            Part::Tasks => "Uppdragets fem delar",
            Part::Activities => "Aktiviteter",
            Part::Analysis => "Behov, resultat och självskattning",
            Part::Finances => "Ekonomi",
            Part::Attachments => "Bilagor",
        }
    }
}

fn text(errors: &mut FormErrors, field: &'static str, value: &str, max: usize) -> String {
    let v = value.trim();
    let len = v.chars().count();
    if len > max {
        errors.add(
            field,
            format!("Texten får vara högst {max} tecken (nu {len})."),
        );
    }
    v.to_string()
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct TasksForm {
    pub task_1: String,
    pub task_2: String,
    pub task_3: String,
    pub task_4: String,
    pub task_5: String,
}

impl TasksForm {
    pub fn as_array(&self) -> [&str; 5] {
        [
            &self.task_1,
            &self.task_2,
            &self.task_3,
            &self.task_4,
            &self.task_5,
        ]
    }

    /// Saved as typed (trimmed); only the length is a reason to refuse.
    pub fn validate(&self) -> Result<[String; 5], FormErrors> {
        let mut errors = FormErrors::default();
        const FIELDS: [&str; 5] = ["task_1", "task_2", "task_3", "task_4", "task_5"];
        let values =
            [0, 1, 2, 3, 4].map(|i| text(&mut errors, FIELDS[i], self.as_array()[i], TASK_MAX));
        if errors.is_empty() {
            Ok(values)
        } else {
            Err(errors)
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AnalysisForm {
    pub needs_and_challenges: String,
    pub results_and_effects: String,
    pub self_assessment: String,
    pub self_assessment_motivation: String,
}

pub struct Analysis {
    pub needs_and_challenges: String,
    pub results_and_effects: String,
    pub self_assessment: Option<SelfAssessment>,
    pub self_assessment_motivation: String,
}

impl AnalysisForm {
    pub fn validate(&self) -> Result<Analysis, FormErrors> {
        let mut errors = FormErrors::default();
        let needs = text(
            &mut errors,
            "needs_and_challenges",
            &self.needs_and_challenges,
            ANALYSIS_MAX,
        );
        let results = text(
            &mut errors,
            "results_and_effects",
            &self.results_and_effects,
            ANALYSIS_MAX,
        );
        let assessment = match self.self_assessment.trim() {
            "" => None,
            key => {
                let a = SelfAssessment::from_key(key);
                if a.is_none() {
                    errors.add("self_assessment", "Välj ett av svaren.");
                }
                a
            }
        };
        let motivation = text(
            &mut errors,
            "self_assessment_motivation",
            &self.self_assessment_motivation,
            MOTIVATION_MAX,
        );
        if errors.is_empty() {
            Ok(Analysis {
                needs_and_challenges: needs,
                results_and_effects: results,
                self_assessment: assessment,
                self_assessment_motivation: motivation,
            })
        } else {
            Err(errors)
        }
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

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct FinancesForm {
    pub cost_personnel: String,
    pub cost_services: String,
    pub cost_travel: String,
    pub cost_other: String,
    pub co_financing: String,
}

impl FinancesForm {
    pub fn validate(&self, received: Decimal) -> Result<(Costs, Option<Decimal>), FormErrors> {
        let mut errors = FormErrors::default();
        let mut cost = |field: &'static str, value: &str| -> Decimal {
            if value.trim().is_empty() {
                return Decimal::ZERO;
            }
            match Amount::parse(value) {
                Ok(a) => a.value(),
                Err(e) => {
                    errors.add(field, e);
                    Decimal::ZERO
                }
            }
        };
        let costs = Costs {
            personnel: cost("cost_personnel", &self.cost_personnel),
            services: cost("cost_services", &self.cost_services),
            travel: cost("cost_travel", &self.cost_travel),
            other: cost("cost_other", &self.cost_other),
        };
        let co_financing = if self.co_financing.trim().is_empty() {
            None
        } else {
            match Amount::parse(&self.co_financing) {
                Ok(a) => Some(a.value()),
                Err(e) => {
                    errors.add("co_financing", e);
                    None
                }
            }
        };
        if errors.is_empty() && costs.used() > received {
            errors.add(
                "cost_personnel",
                format!(
                    "Kostnaderna är tillsammans {}, mer än de {} ni har tagit emot. De använda medlen kan inte vara fler än de mottagna.",
                    format_kronor(costs.used()),
                    format_kronor(received)
                ),
            );
        }
        if errors.is_empty() {
            Ok((costs, co_financing))
        } else {
            Err(errors)
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ActivityForm {
    pub title: String,
    pub description: String,
    pub held: String,
    pub goal_kompetens: Option<String>,
    pub goal_trygghet: Option<String>,
    pub goal_innovation: Option<String>,
    pub goal_ledning: Option<String>,
    pub goal_infrastruktur: Option<String>,
    pub kind: String,
    pub partners: String,
    pub participants: String,
}

#[derive(Debug)]
pub struct Activity {
    pub title: String,
    pub description: String,
    pub held: String,
    pub sub_goals: Vec<String>,
    pub kind: ActivityKind,
    pub partners: String,
    pub participants: i32,
}

impl ActivityForm {
    pub fn goals(&self) -> Vec<&'static str> {
        let checked = [
            &self.goal_kompetens,
            &self.goal_trygghet,
            &self.goal_innovation,
            &self.goal_ledning,
            &self.goal_infrastruktur,
        ];
        SUB_GOALS
            .iter()
            .zip(checked)
            .filter(|(_, c)| c.is_some())
            .map(|((k, _), _)| *k)
            .collect()
    }

    pub fn has_goal(&self, key: &str) -> bool {
        self.goals().contains(&key)
    }

    pub fn validate(&self) -> Result<Activity, FormErrors> {
        let mut errors = FormErrors::default();
        let title = text(&mut errors, "title", &self.title, 200);
        if title.is_empty() {
            errors.add("title", "Ange aktivitetens rubrik.");
        }
        let description = text(&mut errors, "description", &self.description, 2000);
        let held = text(&mut errors, "held", &self.held, 100);
        if held.is_empty() {
            errors.add(
                "held",
                "Ange när aktiviteten genomfördes, till exempel ”mars 2025”.",
            );
        }
        let sub_goals: Vec<String> = self.goals().into_iter().map(str::to_string).collect();
        if sub_goals.is_empty() {
            errors.add(
                "sub_goals",
                "Välj minst ett delmål som aktiviteten bidrog till.",
            );
        }
        let kind = ActivityKind::from_key(self.kind.trim());
        if kind.is_none() {
            errors.add("kind", "Välj vilken sorts aktivitet det var.");
        }
        let partners = text(&mut errors, "partners", &self.partners, 1000);
        let participants = match self.participants.trim() {
            "" => Some(0),
            p => p
                .parse::<i32>()
                .ok()
                .filter(|n| (0..=1_000_000).contains(n)),
        };
        if participants.is_none() {
            errors.add(
                "participants",
                "Ange antalet deltagare som ett heltal, till exempel 25.",
            );
        }
        match (kind, participants) {
            (Some(kind), Some(participants)) if errors.is_empty() => Ok(Activity {
                title,
                description,
                held,
                sub_goals,
                kind,
                partners,
                participants,
            }),
            _ => Err(errors),
        }
    }
}

/// What a report still lacks before it can be submitted, part by part.
pub struct Completeness<'a> {
    /// The answers to the year's tasks (one for 2018–2020, five from 2021).
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

pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;

/// A report holds at most this many attachments…
pub const MAX_ATTACHMENTS: i64 = 20;
/// …of at most this many bytes together (also held by the schema).
pub const MAX_ATTACHMENTS_TOTAL_BYTES: i64 = 50 * 1024 * 1024;

/// Whether one more file of `size` bytes fits beside the `count` files of `total` bytes.
pub fn attachments_fit(count: i64, total: i64, size: usize) -> Result<(), &'static str> {
    if count >= MAX_ATTACHMENTS {
        return Err(
            "Redovisningen har redan 20 bilagor, det högsta antalet. Ta bort en bilaga först.",
        );
    }
    if total.saturating_add(size as i64) > MAX_ATTACHMENTS_TOTAL_BYTES {
        return Err(
            "Bilagorna får vara högst 50 MB tillsammans. Ta bort en bilaga eller komprimera filen.",
        );
    }
    Ok(())
}

/// The content type of an allowed attachment, checked against the file's first bytes —
/// not the name or what the browser claims: an .exe renamed .pdf is refused.
pub fn attachment_type(filename: &str, bytes: &[u8]) -> Result<&'static str, &'static str> {
    if bytes.is_empty() {
        return Err("Filen är tom.");
    }
    if bytes.len() > MAX_ATTACHMENT_BYTES {
        return Err("Filen är större än 10 MB. Dela upp den eller komprimera den.");
    }
    let extension = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let found = match extension.as_str() {
        "pdf" if bytes.starts_with(b"%PDF-") => Some("application/pdf"),
        "png" if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => Some("image/png"),
        "jpg" | "jpeg" if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => Some("image/jpeg"),
        "gif" if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") => Some("image/gif"),
        "docx" if zip => {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        }
        "xlsx" if zip => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "doc" if ole => Some("application/msword"),
        "xls" if ole => Some("application/vnd.ms-excel"),
        "pdf" | "png" | "jpg" | "jpeg" | "gif" | "docx" | "xlsx" | "doc" | "xls" => None,
        _ => return Err("Bifoga PDF, Word, Excel eller bilder (png, jpg, gif)."),
    };
    found.ok_or("Filens innehåll stämmer inte med filtypen. Kontrollera att det är rätt fil.")
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
    fn costs_above_what_was_received_or_negative_are_refused() {
        let form = FinancesForm {
            cost_personnel: "900 000".into(),
            cost_services: "100 000,01".into(),
            ..Default::default()
        };
        let errors = form.validate(dec("1000000")).expect_err("over received");
        assert!(
            errors
                .get("cost_personnel")
                .is_some_and(|e| e.contains("mer än"))
        );
        let negative = FinancesForm {
            cost_travel: "-5".into(),
            ..Default::default()
        };
        assert!(
            negative
                .validate(dec("1000000"))
                .expect_err("negative")
                .get("cost_travel")
                .is_some()
        );
        let all = FinancesForm {
            cost_personnel: "1 000 000".into(),
            ..Default::default()
        };
        let (costs, co) = all.validate(dec("1000000")).expect("everything used");
        assert_eq!(costs.unused(dec("1000000")), Decimal::ZERO);
        assert_eq!(co, None);
    }

    #[test]
    fn an_activity_needs_a_title_a_time_a_sub_goal_a_kind_and_a_whole_number_of_participants() {
        let ok = ActivityForm {
            title: "Nätverksträff om AI".into(),
            held: "mars 2025".into(),
            goal_innovation: Some("ja".into()),
            kind: "network_meeting".into(),
            participants: "42".into(),
            ..Default::default()
        };
        let activity = ok.validate().expect("valid");
        assert_eq!(activity.sub_goals, vec!["innovation"]);
        let bad = ActivityForm {
            participants: "många".into(),
            kind: "party".into(),
            goal_innovation: None,
            ..ok
        };
        let errors = bad.validate().expect_err("invalid");
        for field in ["participants", "kind", "sub_goals"] {
            assert!(errors.get(field).is_some(), "{field}");
        }
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
    fn attachments_are_checked_by_their_content_not_their_name() {
        assert_eq!(
            attachment_type("r.pdf", b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert!(attachment_type("Budget.XLSX", b"PK\x03\x04rest").is_ok());
        assert!(attachment_type("bild.jpg", &[0xFF, 0xD8, 0xFF, 0xE0]).is_ok());
        assert!(
            attachment_type("virus.pdf", b"MZ\x90\x00").is_err(),
            "an .exe renamed .pdf"
        );
        assert!(attachment_type("virus.exe", b"MZ\x90\x00").is_err());
        assert!(attachment_type("noname", b"%PDF-").is_err());
        assert!(attachment_type("tom.pdf", b"").is_err());
        let big = vec![b'%'; MAX_ATTACHMENT_BYTES + 1];
        assert!(attachment_type("stor.pdf", &big).is_err());
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
