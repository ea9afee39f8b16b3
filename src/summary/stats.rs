//! What the year's approved reports say together: their activities counted by sub-goal and
//! kind, and how the regions assessed themselves. And what Digikoord knows of a year at
//! all: cases, imported history, or nothing (`Figures`, `Coverage`), so that a year
//! nobody kept in Digikoord reads *ingen uppgift i Digikoord*, never 0 kr.

use chrono::NaiveDate;
use serde::Serialize;

use super::model::{Activity, ActorYear, Year};
use crate::{
    history::db::Imported,
    reports::model::{ActivityKind, SUB_GOALS},
};

/// Activities counted by sub-goal and kind, in total and per actor.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ActivityStats {
    pub total: usize,
    pub by_goal: Vec<(&'static str, usize)>,
    pub by_kind: Vec<(&'static str, usize)>,
    pub participants: i64,
    pub partners: Vec<String>,
    pub per_actor: Vec<ActorActivities>,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct ActorActivities {
    pub actor_name: String,
    pub activities: usize,
    pub by_goal: Vec<usize>,
    pub participants: i64,
}

fn count_goals<'a>(activities: impl Iterator<Item = &'a Activity> + Clone) -> Vec<usize> {
    SUB_GOALS
        .iter()
        .map(|(key, _)| {
            activities
                .clone()
                .filter(|a| a.sub_goals.iter().any(|g| g == key))
                .count()
        })
        .collect()
}

/// The partners named in activities' lists ("RISE, Länsstyrelsen; Almi"), each once, sorted.
pub fn partners_of<'a>(lists: impl Iterator<Item = &'a str>) -> Vec<String> {
    let mut partners: Vec<String> = lists
        .flat_map(|l| l.split([',', ';']))
        .map(|p| p.trim().to_string())
        .filter(|p| !p.is_empty())
        .collect();
    partners.sort();
    partners.dedup();
    partners
}

pub fn activity_stats<'a>(
    reports: impl Iterator<Item = (&'a str, &'a [Activity])>,
) -> ActivityStats {
    let reports: Vec<(&str, &[Activity])> = reports.collect();
    let all = || reports.iter().flat_map(|(_, a)| a.iter());
    let goals = count_goals(all());
    let partners = partners_of(all().map(|a| a.partners.as_str()));
    ActivityStats {
        total: all().count(),
        by_goal: SUB_GOALS
            .iter()
            .map(|(_, label)| *label)
            .zip(goals)
            .collect(),
        by_kind: ActivityKind::ALL
            .iter()
            .map(|k| (k.label(), all().filter(|a| a.kind == *k).count()))
            .collect(),
        participants: all().map(|a| i64::from(a.participants)).sum(),
        partners,
        per_actor: reports
            .iter()
            .map(|(name, activities)| ActorActivities {
                actor_name: name.to_string(),
                activities: activities.len(),
                by_goal: count_goals(activities.iter()),
                participants: activities.iter().map(|a| i64::from(a.participants)).sum(),
            })
            .collect(),
    }
}

/// How many actors report a positive change: "17 av 20".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct AssessmentCounts {
    pub reports: usize,
    pub yes: usize,
    pub partly: usize,
    pub no: usize,
    pub cant_say: usize,
}

impl AssessmentCounts {
    pub fn of(&self, n: usize) -> String {
        format!("{n} av {}", self.reports)
    }
}

/// What a page says where Digikoord has no figures: not 0 kr.
pub const NO_DATA: &str = "ingen uppgift i Digikoord";

/// The mark in a table cell too tight for `NO_DATA`, explained once on the page.
pub const NO_DATA_MARK: &str = "–";

/// The line that explains `NO_DATA_MARK`.
pub const NO_DATA_LEGEND: &str = "– = ingen uppgift i Digikoord";

/// An amount in kronor, or `NO_DATA_MARK` where Digikoord has none (never 0 kr).
pub fn amount_or_mark(amount: Option<rust_decimal::Decimal>) -> String {
    amount.map_or_else(|| NO_DATA_MARK.to_string(), crate::money::format_kronor)
}

/// Where the figures of one actor's year come from. A *case* is a requisition filed in
/// Digikoord (submitted) and not withdrawn or refused, as `db::load_year` keeps it; the
/// import refuses an actor-year with any requisition, so an actor-year is never both.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Source {
    /// Requisitions, payouts, reports and repayments kept in Digikoord.
    Cases,
    /// A row of imported history (`history`), figures without texts.
    Imported,
    /// Neither.
    NoData,
}

impl Source {
    pub fn of(has_case: bool, imported: bool) -> Source {
        match (has_case, imported) {
            (true, _) => Source::Cases,
            (false, true) => Source::Imported,
            (false, false) => Source::NoData,
        }
    }

    /// An actor-year of `load_year`: a requisition filed and kept (not withdrawn or
    /// refused), or imported figures.
    pub fn of_actor(a: &ActorYear) -> Source {
        Source::of(a.requisition_state.is_some(), a.imported)
    }
}

/// What Digikoord knows of one actor's year, with the imported row when that is all.
#[derive(Clone, Debug)]
pub enum Figures {
    Cases,
    Imported(Imported),
    NoData,
}

impl Figures {
    pub fn of(has_case: bool, imported: Option<Imported>) -> Figures {
        match (has_case, imported) {
            (true, _) => Figures::Cases,
            (false, Some(i)) => Figures::Imported(i),
            (false, None) => Figures::NoData,
        }
    }

    pub fn source(&self) -> Source {
        match self {
            Figures::Cases => Source::Cases,
            Figures::Imported(_) => Source::Imported,
            Figures::NoData => Source::NoData,
        }
    }
}

/// What a programme-wide page knows of a year: how many of its actors' figures come from
/// cases, from imported history, and from nowhere.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Coverage {
    pub cases: usize,
    pub imported: usize,
    pub no_data: usize,
}

impl Coverage {
    pub fn of(sources: impl IntoIterator<Item = Source>) -> Coverage {
        let mut c = Coverage::default();
        for s in sources {
            match s {
                Source::Cases => c.cases += 1,
                Source::Imported => c.imported += 1,
                Source::NoData => c.no_data += 1,
            }
        }
        c
    }

    pub fn of_year(year: &Year) -> Coverage {
        Coverage::of(year.actors.iter().map(Source::of_actor))
    }

    /// The year has figures at all: a case or an imported row. A year without is shown as
    /// *ingen uppgift i Digikoord*, its totals not as 0 kr.
    pub fn has_data(&self) -> bool {
        self.cases + self.imported > 0
    }

    /// The year was run in Digikoord: some actor has a case.
    pub fn run_here(&self) -> bool {
        self.cases > 0
    }

    /// Whether an actor's figures are known. In a year run in Digikoord an actor without a
    /// case filed no requisition (the offer is voluntary): it took no funds, and 0 kr is
    /// true. In a year that was not, an actor without imported history is unknown.
    pub fn knows(&self, source: Source) -> bool {
        match source {
            Source::Cases | Source::Imported => true,
            Source::NoData => self.run_here(),
        }
    }

    /// The year's source, for the multi-year view.
    pub fn label(&self) -> String {
        let actors = self.cases + self.imported + self.no_data;
        match (self.cases, self.imported) {
            (0, 0) => "Ingen uppgift i Digikoord".to_string(),
            (_, 0) => "Digikoord".to_string(),
            (_, n) if n == actors => "Importerat".to_string(),
            (_, n) => format!("{n} av {actors} importerade"),
        }
    }
}

/// A year a region's own page shows as closed, with no step to take and no day to count
/// (and so no *förlängd tid* to ask for): its imported history, or, once every deadline of
/// the actor has passed without a case, that it took no funds or that Digikoord knows
/// nothing of it.
#[derive(Clone, Debug)]
pub enum ClosedYear {
    /// Imported history: the figures, marked *Inläst historik*.
    Imported(Imported),
    /// The year was run in Digikoord and the region filed no requisition.
    NoRequisition,
    /// Neither a case nor imported history: *ingen uppgift i Digikoord*.
    NoData,
}

/// What the region's page shows of a year: `None` for the year's steps as they stand (a
/// case, or a deadline still ahead), else the closed year. `deadlines` are the actor's own,
/// extensions included; `run_here` whether any actor has a case that year.
pub fn closed_year(
    figures: Figures,
    run_here: bool,
    today: NaiveDate,
    deadlines: &[NaiveDate],
) -> Option<ClosedYear> {
    let past = deadlines.iter().all(|d| today > *d);
    match figures {
        Figures::Cases => None,
        Figures::Imported(i) => Some(ClosedYear::Imported(i)),
        Figures::NoData if !past => None,
        Figures::NoData if run_here => Some(ClosedYear::NoRequisition),
        Figures::NoData => Some(ClosedYear::NoData),
    }
}

#[cfg(test)]
mod figures_tests {
    use super::*;
    use rust_decimal::Decimal;
    use uuid::Uuid;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    fn imported() -> Imported {
        Imported {
            organisation_id: Uuid::nil(),
            requisitioned: Decimal::from(1_000_000),
            paid_out: Some(Decimal::from(1_000_000)),
            paid_on: Some(date(2019, 4, 1)),
            used: Some(Decimal::from(850_000)),
            unused: Some(Decimal::from(150_000)),
            repaid: Some(Decimal::from(150_000)),
            repaid_on: Some(date(2020, 2, 20)),
            report_approved_on: Some(date(2020, 1, 15)),
        }
    }

    #[test]
    fn a_case_wins_then_imported_history_else_there_is_no_data() {
        assert_eq!(Source::of(true, false), Source::Cases);
        assert_eq!(Source::of(false, true), Source::Imported);
        assert_eq!(Source::of(false, false), Source::NoData);
        assert_eq!(Figures::of(true, None).source(), Source::Cases);
        assert_eq!(
            Figures::of(false, Some(imported())).source(),
            Source::Imported
        );
        assert_eq!(Figures::of(false, None).source(), Source::NoData);
    }

    #[test]
    fn a_year_without_cases_or_history_has_no_data_and_knows_no_actor() {
        let nothing = Coverage::of([Source::NoData; 21]);
        assert!(!nothing.has_data());
        assert!(!nothing.knows(Source::NoData));
        assert_eq!(nothing.label(), "Ingen uppgift i Digikoord");
        assert_eq!(Coverage::default().label(), "Ingen uppgift i Digikoord");
    }

    #[test]
    fn in_a_year_run_in_digikoord_an_actor_without_a_case_took_no_funds() {
        let mut sources = vec![Source::Cases];
        sources.extend([Source::NoData; 20]);
        let run = Coverage::of(sources);
        assert!(run.has_data() && run.run_here());
        assert!(run.knows(Source::NoData));
        assert_eq!(run.label(), "Digikoord");
    }

    #[test]
    fn in_an_imported_year_only_the_imported_actors_are_known() {
        let mut sources = vec![Source::Imported, Source::Imported];
        sources.extend([Source::NoData; 19]);
        let partly = Coverage::of(sources);
        assert!(partly.has_data() && !partly.run_here());
        assert!(partly.knows(Source::Imported));
        assert!(!partly.knows(Source::NoData));
        assert_eq!(partly.label(), "2 av 21 importerade");
        assert_eq!(Coverage::of([Source::Imported; 3]).label(), "Importerat");
    }

    #[test]
    fn a_past_year_without_a_case_is_closed_and_a_year_with_a_deadline_ahead_is_not() {
        let deadlines = [date(2024, 3, 31), date(2025, 1, 31), date(2025, 2, 26)];
        let later = date(2026, 12, 3);
        assert!(matches!(
            closed_year(Figures::NoData, false, later, &deadlines),
            Some(ClosedYear::NoData)
        ));
        assert!(matches!(
            closed_year(Figures::NoData, true, later, &deadlines),
            Some(ClosedYear::NoRequisition)
        ));
        assert!(closed_year(Figures::Cases, false, later, &deadlines).is_none());
        // The repayment's day is the last: until it has passed the year's steps stand.
        assert!(closed_year(Figures::NoData, false, date(2025, 2, 26), &deadlines).is_none());
        assert!(closed_year(Figures::NoData, false, date(2024, 3, 1), &deadlines).is_none());
        // Imported history is the year, whatever the day.
        assert!(matches!(
            closed_year(Figures::of(false, Some(imported())), false, date(2024, 3, 1), &deadlines),
            Some(ClosedYear::Imported(i)) if i.repaid == Some(Decimal::from(150_000))
        ));
    }
}
