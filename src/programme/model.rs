//! The programme's pure rules: deadlines, the current year, organisation numbers.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "budget_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum BudgetState {
    Pending,
    Decided,
}

/// The regional deadlines a case officer can extend for one actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, sqlx::Type, Serialize, serde::Deserialize)]
#[sqlx(type_name = "extended_deadline", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ExtendedDeadline {
    Requisition,
    Report,
    Repayment,
}

impl ExtendedDeadline {
    pub const ALL: [ExtendedDeadline; 3] = [
        ExtendedDeadline::Requisition,
        ExtendedDeadline::Report,
        ExtendedDeadline::Repayment,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ExtendedDeadline::Requisition => "requisition",
            ExtendedDeadline::Report => "report",
            ExtendedDeadline::Repayment => "repayment",
        }
    }

    /// "förlängd tid för …"
    pub fn label(self) -> &'static str {
        match self {
            ExtendedDeadline::Requisition => "rekvisitionen",
            ExtendedDeadline::Report => "redovisningen",
            ExtendedDeadline::Repayment => "återbetalningen",
        }
    }

    pub fn parse(input: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|d| d.key() == input.trim())
    }

    /// The year's own date for this deadline.
    pub fn of(self, d: &Deadlines) -> NaiveDate {
        match self {
            ExtendedDeadline::Requisition => d.requisition,
            ExtendedDeadline::Report => d.report,
            ExtendedDeadline::Repayment => d.repayment,
        }
    }
}

impl BudgetState {
    pub fn label(self) -> &'static str {
        match self {
            BudgetState::Pending => "Väntar på budgetbeslut",
            BudgetState::Decided => "Beslutad",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            BudgetState::Pending => "pending",
            BudgetState::Decided => "decided",
        }
    }

    pub fn from_key(key: &str) -> Option<BudgetState> {
        [BudgetState::Pending, BudgetState::Decided]
            .into_iter()
            .find(|b| b.key() == key)
    }
}

/// The six deadlines of a programme year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Deadlines {
    /// The region's requisition to Tillväxtverket.
    pub requisition: NaiveDate,
    /// The region's activity report (Y+1).
    pub report: NaiveDate,
    /// The region's repayment of unused funds (Y+1).
    pub repayment: NaiveDate,
    /// Tillväxtverket's requisition from Kammarkollegiet; none where the period has no
    /// Kammarkollegiet chain (2018–2020).
    pub agency_requisition: Option<NaiveDate>,
    /// Tillväxtverket's repayment and financial report to Kammarkollegiet (Y+1); none
    /// without a chain.
    pub agency_repayment: Option<NaiveDate>,
    /// Tillväxtverket's summary to the Government (Y+1).
    pub summary: NaiveDate,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    // Only called with fixed, valid month-day pairs.
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// The dates a new year starts from, the shape of decision I2021/00795 and Tillväxtverket's
/// assignment: requisition 31 March, report 31 January and repayment 26 February the year
/// after; with a Kammarkollegiet chain Tillväxtverket requisitions by 1 December and repays
/// by 15 March; it reports by 26 March. For a new year they are assumptions (no basis)
/// until an administrator confirms each with the decision that gives it.
pub fn standard_deadlines(y: i32, chain: bool) -> Deadlines {
    Deadlines {
        requisition: ymd(y, 3, 31),
        report: ymd(y + 1, 1, 31),
        repayment: ymd(y + 1, 2, 26),
        agency_requisition: chain.then(|| ymd(y, 12, 1)),
        agency_repayment: chain.then(|| ymd(y + 1, 3, 15)),
        summary: ymd(y + 1, 3, 26),
    }
}

/// A programme year's dates, each resting on a basis (the decision that gives it) or
/// assumed until an administrator confirms it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum YearDate {
    Requisition,
    Report,
    Repayment,
    AgencyRequisition,
    AgencyRepayment,
    Summary,
}

/// How an assumed date is marked wherever it is shown or mailed.
pub const ASSUMED: &str = "antaget – ej angivet i beslutet";

impl YearDate {
    pub const ALL: [YearDate; 6] = [
        YearDate::Requisition,
        YearDate::Report,
        YearDate::Repayment,
        YearDate::AgencyRequisition,
        YearDate::AgencyRepayment,
        YearDate::Summary,
    ];

    /// The form field of the date.
    pub fn field(self) -> &'static str {
        match self {
            YearDate::Requisition => "requisition_deadline",
            YearDate::Report => "report_deadline",
            YearDate::Repayment => "repayment_deadline",
            YearDate::AgencyRequisition => "agency_requisition_deadline",
            YearDate::AgencyRepayment => "agency_repayment_deadline",
            YearDate::Summary => "summary_deadline",
        }
    }

    pub fn basis_field(self) -> &'static str {
        match self {
            YearDate::Requisition => "requisition_basis",
            YearDate::Report => "report_basis",
            YearDate::Repayment => "repayment_basis",
            YearDate::AgencyRequisition => "agency_requisition_basis",
            YearDate::AgencyRepayment => "agency_repayment_basis",
            YearDate::Summary => "summary_basis",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            YearDate::Requisition => "Rekvisition senast",
            YearDate::Report => "Redovisning senast",
            YearDate::Repayment => "Återbetalning senast",
            YearDate::AgencyRequisition => "Rekvisition från Kammarkollegiet senast",
            YearDate::AgencyRepayment => {
                "Återbetalning och ekonomisk redovisning till Kammarkollegiet senast"
            }
            YearDate::Summary => "Redovisning till Regeringskansliet senast",
        }
    }

    pub fn is_summary(&self) -> bool {
        *self == YearDate::Summary
    }

    /// Only a period with a Kammarkollegiet chain has these.
    pub fn is_agency_chain(self) -> bool {
        matches!(
            self,
            YearDate::AgencyRequisition | YearDate::AgencyRepayment
        )
    }

    pub fn of(self, d: &Deadlines) -> Option<NaiveDate> {
        match self {
            YearDate::Requisition => Some(d.requisition),
            YearDate::Report => Some(d.report),
            YearDate::Repayment => Some(d.repayment),
            YearDate::AgencyRequisition => d.agency_requisition,
            YearDate::AgencyRepayment => d.agency_repayment,
            YearDate::Summary => Some(d.summary),
        }
    }
}

/// A date as people read it, marked when it is assumed: "31 januari 2026 (antaget – ej
/// angivet i beslutet)".
pub fn marked_date(date: NaiveDate, assumed: bool) -> String {
    let shown = crate::dates::format_date(date);
    if assumed {
        format!("{shown} ({ASSUMED})")
    } else {
        shown
    }
}

/// Swedish weekday names, Monday first.
const WEEKDAYS: [&str; 7] = [
    "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag",
];

/// The day of the week in Swedish: "söndag".
pub fn weekday_name(date: NaiveDate) -> &'static str {
    WEEKDAYS[date.weekday().num_days_from_monday() as usize]
}

/// A deadline moved by söndagsregeln (lag 1930:173), as people read it: "31 januari 2027
/// (söndag) → 1 februari 2027"; `None` when the date stands as decided. Which day a date
/// moves to is the schema's rule (`next_weekday`), read back as the year's date.
pub fn moved(decided: NaiveDate, effective: NaiveDate) -> Option<String> {
    (decided != effective).then(|| {
        format!(
            "{} ({}) → {}",
            crate::dates::format_date(decided),
            weekday_name(decided),
            crate::dates::format_date(effective)
        )
    })
}

/// What a period's söndagsregeln setting means, said on `/program`.
pub fn sunday_rule_text(applies: bool) -> &'static str {
    if applies {
        "Söndagsregeln tillämpas (lag 1930:173): en tidsfrist som slutar på en lördag, söndag eller helgdag, midsommarafton, julafton eller nyårsafton flyttas till nästa vardag."
    } else {
        "Söndagsregeln tillämpas inte – datumen gäller som de står i beslutet."
    }
}

/// A period's tasks as typed: one task per paragraph (a blank line between), at most five
/// (a report keeps five answers), each at most 2 000 characters.
pub fn parse_tasks(input: &str) -> Result<Vec<String>, String> {
    let normalised = input.replace("\r\n", "\n");
    let tasks: Vec<String> = normalised
        .split("\n\n")
        .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|t| !t.is_empty())
        .collect();
    if tasks.is_empty() {
        return Err("Ange koordinatorernas uppgifter enligt beslutet, en per stycke.".into());
    }
    if tasks.len() > 5 {
        return Err(format!(
            "Högst fem uppgifter (nu {}): en redovisning besvarar högst fem.",
            tasks.len()
        ));
    }
    if let Some((i, t)) = tasks
        .iter()
        .enumerate()
        .find(|(_, t)| t.chars().count() > 2000)
    {
        return Err(format!(
            "Uppgift {} får vara högst 2 000 tecken (nu {}).",
            i + 1,
            t.chars().count()
        ));
    }
    Ok(tasks)
}

/// The tasks as the form shows them: one per paragraph.
pub fn tasks_text(tasks: &[String]) -> String {
    tasks.join("\n\n")
}

/// The heading of a report's task part: "Uppdraget" for a single task, else "Uppdragets
/// N delar" in words.
pub fn tasks_title(count: usize) -> String {
    match count {
        0 | 1 => "Uppdraget".into(),
        n => format!("Uppdragets {} delar", number_word(n)),
    }
}

fn number_word(n: usize) -> String {
    match n {
        2 => "två".into(),
        3 => "tre".into(),
        4 => "fyra".into(),
        5 => "fem".into(),
        n => n.to_string(),
    }
}

/// The same order the schema's CHECK demands, said in Swedish beside the form.
pub fn check_deadline_order(d: &Deadlines) -> Result<(), (&'static str, &'static str)> {
    if d.requisition >= d.report {
        return Err((
            "report_deadline",
            "Redovisningen måste ligga efter rekvisitionen.",
        ));
    }
    if d.report > d.repayment {
        return Err((
            "repayment_deadline",
            "Återbetalningen kan inte ligga före redovisningen.",
        ));
    }
    if let Some(agency_repayment) = d.agency_repayment {
        if d.repayment > agency_repayment {
            return Err((
                "agency_repayment_deadline",
                "Tillväxtverkets återbetalning kan inte ligga före regionernas återbetalning.",
            ));
        }
        if agency_repayment > d.summary {
            return Err((
                "summary_deadline",
                "Sammanställningen kan inte ligga före Tillväxtverkets återbetalning.",
            ));
        }
    }
    if d.repayment > d.summary {
        return Err((
            "summary_deadline",
            "Sammanställningen kan inte ligga före regionernas återbetalning.",
        ));
    }
    Ok(())
}

/// The programme year whose cycle is running: the latest year not after today's,
/// or the first one if the programme hasn't begun.
pub fn current_year(years: &[i32], today: NaiveDate) -> Option<i32> {
    years
        .iter()
        .copied()
        .filter(|&y| y <= today.year())
        .max()
        .or_else(|| years.iter().copied().min())
}

/// The year a page shows: the one asked for (`?ar=`), or the current one when none is
/// asked for. A year that isn't a number or isn't a programme year is refused, in Swedish.
pub fn chosen_year(
    asked: Option<&str>,
    years: &[i32],
    today: NaiveDate,
) -> Result<Option<i32>, String> {
    match asked.map(str::trim).filter(|a| !a.is_empty()) {
        None => Ok(current_year(years, today)),
        Some(a) => match a.parse::<i32>() {
            Ok(y) if years.contains(&y) => Ok(Some(y)),
            Ok(y) => Err(format!("Det finns inget programår {y}.")),
            Err(_) => Err("Ange året med fyra siffror, till exempel 2025.".into()),
        },
    }
}

/// How a deadline stands today, for people.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeadlineStatus {
    DaysLeft(i64),
    Today,
    Passed(i64),
}

impl DeadlineStatus {
    pub fn of(deadline: NaiveDate, today: NaiveDate) -> DeadlineStatus {
        let days = (deadline - today).num_days();
        match days {
            0 => DeadlineStatus::Today,
            d if d > 0 => DeadlineStatus::DaysLeft(d),
            d => DeadlineStatus::Passed(-d),
        }
    }

    pub fn label(self) -> String {
        match self {
            DeadlineStatus::DaysLeft(1) => "1 dag kvar".into(),
            DeadlineStatus::DaysLeft(d) => format!("{d} dagar kvar"),
            DeadlineStatus::Today => "Sista dagen i dag".into(),
            DeadlineStatus::Passed(1) => "Passerad för 1 dag sedan".into(),
            DeadlineStatus::Passed(d) => format!("Passerad för {d} dagar sedan"),
        }
    }

    pub fn is_passed(self) -> bool {
        matches!(self, DeadlineStatus::Passed(_))
    }
}

/// A Swedish organisation number, `NNNNNN-NNNN`, with a valid Luhn check digit.
pub fn parse_org_number(input: &str) -> Result<String, &'static str> {
    let digits: String = input
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if digits.len() != 10 || !digits.chars().all(|c| c.is_ascii_digit()) {
        return Err("Ange organisationsnumret som tio siffror, till exempel 232100-0016.");
    }
    if !crate::giro::luhn_valid(&digits) {
        return Err("Organisationsnumret har fel kontrollsiffra.");
    }
    Ok(format!("{}-{}", &digits[..6], &digits[6..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn a_standard_year_follows_the_decision_and_the_assignment() {
        let d = standard_deadlines(2025, true);
        assert_eq!(d.requisition, date(2025, 3, 31));
        assert_eq!(d.report, date(2026, 1, 31));
        assert_eq!(d.repayment, date(2026, 2, 26));
        assert_eq!(d.agency_requisition, Some(date(2025, 12, 1)));
        assert_eq!(d.agency_repayment, Some(date(2026, 3, 15)));
        assert_eq!(d.summary, date(2026, 3, 26));
        assert_eq!(check_deadline_order(&d), Ok(()));
    }

    #[test]
    fn without_a_chain_a_year_has_no_kammarkollegiet_dates() {
        let d = standard_deadlines(2019, false);
        assert_eq!((d.agency_requisition, d.agency_repayment), (None, None));
        assert_eq!(YearDate::AgencyRequisition.of(&d), None);
        assert_eq!(check_deadline_order(&d), Ok(()));
        let mut late = d;
        late.summary = date(2020, 2, 1);
        assert_eq!(
            check_deadline_order(&late).map_err(|e| e.0),
            Err("summary_deadline")
        );
    }

    #[test]
    fn an_assumed_date_says_so() {
        assert_eq!(
            marked_date(date(2026, 1, 31), true),
            "31 januari 2026 (antaget – ej angivet i beslutet)"
        );
        assert_eq!(marked_date(date(2026, 1, 31), false), "31 januari 2026");
    }

    #[test]
    fn a_moved_deadline_names_the_decided_day_and_the_weekday_it_moved_to() {
        assert_eq!(
            moved(date(2027, 1, 31), date(2027, 2, 1)).as_deref(),
            Some("31 januari 2027 (söndag) → 1 februari 2027")
        );
        assert_eq!(
            moved(date(2026, 1, 31), date(2026, 2, 2)).as_deref(),
            Some("31 januari 2026 (lördag) → 2 februari 2026")
        );
        assert_eq!(
            moved(date(2025, 3, 15), date(2025, 3, 17)).as_deref(),
            Some("15 mars 2025 (lördag) → 17 mars 2025")
        );
        assert_eq!(
            moved(date(2026, 3, 15), date(2026, 3, 16)).as_deref(),
            Some("15 mars 2026 (söndag) → 16 mars 2026")
        );
        // Easter Sunday, then Easter Monday: two days on.
        assert_eq!(
            moved(date(2024, 3, 31), date(2024, 4, 2)).as_deref(),
            Some("31 mars 2024 (söndag) → 2 april 2024")
        );
        assert_eq!(moved(date(2026, 2, 26), date(2026, 2, 26)), None);
    }

    #[test]
    fn weekdays_are_named_in_swedish() {
        assert_eq!(weekday_name(date(2026, 11, 30)), "måndag");
        assert_eq!(weekday_name(date(2026, 12, 2)), "onsdag");
        assert_eq!(weekday_name(date(2026, 12, 4)), "fredag");
        assert_eq!(weekday_name(date(2026, 1, 31)), "lördag");
        assert_eq!(weekday_name(date(2027, 1, 31)), "söndag");
        assert!(sunday_rule_text(true).starts_with("Söndagsregeln tillämpas (lag 1930:173)"));
        assert_eq!(
            sunday_rule_text(false),
            "Söndagsregeln tillämpas inte – datumen gäller som de står i beslutet."
        );
    }

    #[test]
    fn tasks_are_typed_one_per_paragraph_at_most_five() {
        assert_eq!(
            parse_tasks("Första\nraden fortsätter.\r\n\r\nAndra.\n\n\n"),
            Ok(vec![
                "Första raden fortsätter.".to_string(),
                "Andra.".to_string()
            ])
        );
        assert!(parse_tasks("  \n\n ").is_err());
        assert!(
            parse_tasks("a\n\nb\n\nc\n\nd\n\ne\n\nf")
                .expect_err("six tasks")
                .contains("Högst fem")
        );
        assert!(
            parse_tasks(&"x".repeat(2001))
                .expect_err("too long")
                .contains("2 000")
        );
        assert_eq!(tasks_text(&["a".into(), "b".into()]), "a\n\nb");
        assert_eq!(tasks_title(1), "Uppdraget");
        assert_eq!(tasks_title(5), "Uppdragets fem delar");
        assert_eq!(tasks_title(3), "Uppdragets tre delar");
    }

    #[test]
    fn deadlines_out_of_order_are_refused_by_field() {
        let mut d = standard_deadlines(2024, true);
        d.report = date(2024, 1, 1);
        assert_eq!(
            check_deadline_order(&d).map_err(|e| e.0),
            Err("report_deadline")
        );
        let mut d = standard_deadlines(2024, true);
        d.repayment = date(2025, 1, 30);
        assert_eq!(
            check_deadline_order(&d).map_err(|e| e.0),
            Err("repayment_deadline")
        );
        let mut d = standard_deadlines(2024, true);
        d.summary = date(2025, 3, 1);
        assert_eq!(
            check_deadline_order(&d).map_err(|e| e.0),
            Err("summary_deadline")
        );
    }

    #[test]
    fn the_current_year_is_the_latest_one_begun() {
        let years = [2021, 2022, 2023, 2024, 2025];
        assert_eq!(current_year(&years, date(2023, 6, 1)), Some(2023));
        assert_eq!(current_year(&years, date(2026, 11, 23)), Some(2025));
        assert_eq!(current_year(&years, date(2020, 1, 1)), Some(2021));
        assert_eq!(current_year(&[], date(2020, 1, 1)), None);
    }

    #[test]
    fn deadline_status_counts_days() {
        let deadline = date(2026, 3, 31);
        assert_eq!(
            DeadlineStatus::of(deadline, date(2026, 3, 1)),
            DeadlineStatus::DaysLeft(30)
        );
        assert_eq!(
            DeadlineStatus::of(deadline, date(2026, 3, 31)),
            DeadlineStatus::Today
        );
        assert_eq!(
            DeadlineStatus::of(deadline, date(2026, 4, 2)),
            DeadlineStatus::Passed(2)
        );
        assert_eq!(DeadlineStatus::DaysLeft(1).label(), "1 dag kvar");
        assert!(DeadlineStatus::Passed(2).is_passed());
    }

    #[test]
    fn organisation_numbers_need_a_valid_check_digit() {
        assert_eq!(
            parse_org_number("232100-0016"),
            Ok("232100-0016".to_string())
        );
        assert_eq!(
            parse_org_number("2321000016"),
            Ok("232100-0016".to_string())
        );
        assert_eq!(
            parse_org_number("212000-0803"),
            Ok("212000-0803".to_string())
        );
        assert!(parse_org_number("232100-0017").is_err());
        assert!(parse_org_number("23210").is_err());
        assert!(parse_org_number("abcdef-ghij").is_err());
    }

    #[test]
    fn a_page_shows_the_year_asked_for_if_it_exists_else_the_current_one() {
        let years = [2021, 2022, 2023, 2024, 2025];
        let today = date(2026, 11, 23);
        assert_eq!(chosen_year(Some("2023"), &years, today), Ok(Some(2023)));
        assert_eq!(chosen_year(Some(" 2023 "), &years, today), Ok(Some(2023)));
        assert_eq!(chosen_year(Some(""), &years, today), Ok(Some(2025)));
        for bad in ["2031", "abc", "-5", "99999999999", "2025\0"] {
            assert!(chosen_year(Some(bad), &years, today).is_err(), "{bad}");
        }
        assert_eq!(chosen_year(None, &years, date(2022, 5, 1)), Ok(Some(2022)));
        assert_eq!(chosen_year(None, &[], today), Ok(None));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// An organisation number is accepted only as the ten digits typed, Luhn-valid,
        /// as `NNNNNN-NNNN`.
        #[test]
        fn an_organisation_number_is_accepted_only_as_typed_and_valid(
            input in "\\PC{0,14}|[0-9 -]{8,14}",
        ) {
            if let Ok(number) = parse_org_number(&input) {
                let typed: String = input.chars().filter(|c| !c.is_whitespace() && *c != '-').collect();
                prop_assert_eq!(number.replace('-', ""), typed.clone());
                prop_assert!(crate::giro::luhn_valid(&typed));
                prop_assert_eq!(number.find('-'), Some(6));
            }
        }

        /// A year asked for in the address is the programme year typed, or refused.
        #[test]
        fn a_chosen_year_is_a_programme_year_or_refused(asked in "\\PC{0,6}|[0-9]{4}") {
            let years = [2024, 2025, 2026];
            let today = NaiveDate::from_ymd_opt(2025, 6, 1).expect("date");
            match chosen_year(Some(&asked), &years, today) {
                Ok(Some(y)) => prop_assert!(years.contains(&y) && (asked.trim().is_empty() || asked.trim().parse::<i32>() == Ok(y))),
                Ok(None) => prop_assert!(false, "a current year exists"),
                Err(_) => prop_assert!(asked.trim().parse::<i32>().map_or(true, |y| !years.contains(&y))),
            }
        }
    }
}
