//! The demo's calendar, pure: which programme year is living on a given day, and which
//! steps of that year's cycle each actor has taken by then. The demo seed writes exactly
//! what this says, so whatever day the demo is loaded, every date it writes lies before
//! that day and every deadline it leaves open is ahead or only a few weeks passed.

use chrono::{Datelike, NaiveDate};

use crate::programme::model::{Deadlines, standard_deadlines};

/// The programme year whose cycle is running: year Y lives from the day after the previous
/// year's summary to the Government (26 March Y) until its own summary (26 March Y+1). By
/// then the regions' part of Y is over, and they are requisitioning Y+1's funds.
pub fn living_year(today: NaiveDate) -> i32 {
    let year = today.year();
    if today <= standard_deadlines(year - 1, true).summary {
        year - 1
    } else {
        year
    }
}

/// One step of an actor's year, in the order they happen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    /// Tillväxtverket grants a later requisition deadline.
    ExtensionGranted,
    RequisitionFiled,
    /// Returned to the region for completion.
    RequisitionReturned,
    RequisitionResubmitted,
    /// The case officer approves and prepares the payout.
    RequisitionApproved,
    /// The approver, another person, approves the payout.
    PayoutApproved,
    PayoutPaid,
    ReportStarted,
    ReportSubmitted,
    ReportReturned,
    ReportResubmitted,
    ReportApproved,
    /// The region registers its repayment of unused funds.
    RepaymentRegistered,
    /// The case officer confirms it as received.
    RepaymentConfirmed,
}

/// The part an actor plays in the demo, so that every role finds something to do while
/// requisitions are decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Part {
    /// Files in the weeks before the deadline and is decided, approved and paid in turn.
    Ordinary,
    /// Region Stockholm, the demo coordinator's own: returned for completion.
    Returned,
    /// Region Skåne: awaits the case officer.
    AwaitingDecision,
    /// Region Uppsala: its payout awaits the approver.
    AwaitingApprover,
    /// Region Örebro län: its approved payout awaits payment.
    AwaitingPayment,
    /// Gotlands kommun: a later deadline by extension, so a payout awaits the approver
    /// into the autumn, and the report comes late.
    Extended,
}

impl Part {
    pub fn of(actor: &str) -> Part {
        match actor {
            "Region Stockholm" => Part::Returned,
            "Region Skåne" => Part::AwaitingDecision,
            "Region Uppsala" => Part::AwaitingApprover,
            "Region Örebro län" => Part::AwaitingPayment,
            "Gotlands kommun" => Part::Extended,
            _ => Part::Ordinary,
        }
    }
}

/// What an actor reports it used, in hundredths of a percent of what it received.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Costs {
    pub personnel: u32,
    pub services: u32,
    pub travel: u32,
    pub other: u32,
}

impl Costs {
    pub const WHOLE: u32 = 10_000;

    /// Spread over the actors: most leave something unused, a few use everything.
    fn of(index: usize) -> Costs {
        let spread = u32::try_from(index * 5 % 21).unwrap_or(0);
        let (services, travel, other) = (1_800, 350, 200);
        Costs {
            personnel: (6_000 + 110 * spread).min(Self::WHOLE - services - travel - other),
            services,
            travel,
            other,
        }
    }

    pub fn total(self) -> u32 {
        self.personnel + self.services + self.travel + self.other
    }

    pub fn leaves_unused(self) -> bool {
        self.total() < Self::WHOLE
    }
}

/// An actor's year as far as it has come by today.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Story {
    pub part: Part,
    /// The steps taken before today, in order, each on its day.
    pub steps: Vec<(Step, NaiveDate)>,
    /// The later requisition deadline, once granted.
    pub extended_to: Option<NaiveDate>,
    /// The day the payout is planned for, once it is prepared.
    pub planned_payment: NaiveDate,
    pub costs: Costs,
}

impl Story {
    pub fn on(&self, step: Step) -> Option<NaiveDate> {
        self.steps.iter().find(|(s, _)| *s == step).map(|(_, d)| *d)
    }

    pub fn has(&self, step: Step) -> bool {
        self.on(step).is_some()
    }

    /// The latest of these steps taken, if any.
    pub fn last_of(&self, steps: &[Step]) -> Option<(Step, NaiveDate)> {
        self.steps
            .iter()
            .rev()
            .find(|(s, _)| steps.contains(s))
            .copied()
    }
}

fn day(from: NaiveDate, days: i64) -> NaiveDate {
    from.checked_add_signed(chrono::TimeDelta::days(days))
        .unwrap_or(from)
}

/// When each actor's report is first submitted, in days from the report deadline, by the
/// actor's place in `ACTORS_2021`: a few early in the autumn, most in the last weeks, one
/// a few days late and Gotlands kommun, paid late, two and a half weeks late (its report is
/// approved nine days later, before 1 March whatever day söndagsregeln moves the deadline to).
const REPORT_SUBMITTED: [i64; 21] = [
    -85, -73, -66, -52, -40, -30, -22, -16, -12, -10, -4, -9, -8, -7, -6, -5, -3, -2, -1, 3, 17,
];

/// Whose repayment comes after its deadline, and by how many days.
fn late_repayment(index: usize) -> Option<i64> {
    match index {
        14 => Some(8),
        17 => Some(12),
        _ => None,
    }
}

/// Actor number `index` of `ACTORS_2021` (named `actor`) in a year with these deadlines,
/// as far as it has come by `today`. Steps happen on their usual days relative to the
/// deadlines; the cases left waiting while requisitions are decided are dated relative to
/// today, so they are always recent. No step is ever on or after today, and none comes
/// before the one it needs (no report before its payout, no repayment before an approved
/// report).
pub fn story(index: usize, actor: &str, d: &Deadlines, today: NaiveDate) -> Story {
    let part = Part::of(actor);
    let costs = Costs::of(index);
    let r = d.requisition;
    // Waiting cases are dated back from today, but never filed after the deadline.
    let recent = today.min(r);
    let mut plan: Vec<(Step, NaiveDate)> = Vec::new();
    let mut extended_to = None;
    use Step::*;
    match part {
        Part::Ordinary => {
            let filed = day(r, -40 + 2 * i64::try_from(index).unwrap_or(0));
            plan.extend([
                (RequisitionFiled, filed),
                (RequisitionApproved, day(filed, 5)),
                (PayoutApproved, day(filed, 8)),
                (PayoutPaid, day(filed, 12)),
            ]);
        }
        Part::Returned => plan.extend([
            (RequisitionFiled, day(recent, -9)),
            (RequisitionReturned, day(recent, -5)),
            (RequisitionResubmitted, day(r, 20)),
            (RequisitionApproved, day(r, 22)),
            (PayoutApproved, day(r, 24)),
            (PayoutPaid, day(r, 27)),
        ]),
        Part::AwaitingDecision => plan.extend([
            (RequisitionFiled, day(recent, -3)),
            (RequisitionApproved, day(r, 18)),
            (PayoutApproved, day(r, 21)),
            (PayoutPaid, day(r, 25)),
        ]),
        Part::AwaitingApprover => plan.extend([
            (RequisitionFiled, day(recent, -12)),
            (RequisitionApproved, day(recent, -4)),
            (PayoutApproved, day(r, 16)),
            (PayoutPaid, day(r, 20)),
        ]),
        Part::AwaitingPayment => plan.extend([
            (RequisitionFiled, day(recent, -14)),
            (RequisitionApproved, day(recent, -10)),
            (PayoutApproved, day(recent, -5)),
            (PayoutPaid, day(r, 14)),
        ]),
        Part::Extended => {
            // Granted before the deadline, until two months before the report is due.
            let until = day(d.report, -62).max(day(r, 14));
            extended_to = Some(until);
            let recent = today.min(until);
            plan.extend([
                (ExtensionGranted, day(r, -6)),
                (RequisitionFiled, day(recent, -10).max(day(r, 1))),
                (RequisitionApproved, day(recent, -4)),
                (PayoutApproved, day(until, 2)),
                (PayoutPaid, day(until, 5)),
            ]);
        }
    }

    let submitted = day(d.report, REPORT_SUBMITTED[index % REPORT_SUBMITTED.len()]);
    let started = if part == Part::Returned {
        // The demo coordinator started early and has a draft to finish before the deadline.
        day(d.report, -75)
    } else {
        day(submitted, -21)
    };
    plan.push((ReportStarted, started));
    plan.push((ReportSubmitted, submitted));
    let approved = if actor == "Region Värmland" {
        plan.extend([
            (ReportReturned, day(submitted, 6)),
            (ReportResubmitted, day(d.repayment, -5)),
        ]);
        day(d.repayment, 3)
    } else {
        day(submitted, 9)
    };
    plan.push((ReportApproved, approved));

    if costs.leaves_unused() {
        let (registered, confirmed) = if part == Part::Returned {
            (day(d.repayment, -2), day(d.repayment, 10))
        } else if let Some(late) = late_repayment(index) {
            let registered = day(d.repayment, late);
            (registered, day(registered, 2))
        } else {
            let registered = day(approved, 5 + i64::try_from(index % 4).unwrap_or(0));
            (registered, day(registered, 3))
        };
        plan.extend([
            (RepaymentRegistered, registered),
            (RepaymentConfirmed, confirmed),
        ]);
    }

    // Each step at the earliest the day after the one before it.
    let mut previous: Option<NaiveDate> = None;
    for (_, date) in &mut plan {
        if let Some(p) = previous {
            *date = (*date).max(day(p, 1));
        }
        previous = Some(*date);
    }
    let planned_payment = plan
        .iter()
        .find(|(s, _)| *s == PayoutPaid)
        .map_or(r, |(_, d)| *d);
    let steps = plan.into_iter().take_while(|(_, d)| *d < today).collect();
    Story {
        part,
        steps,
        extended_to: extended_to.filter(|_| day(r, -6) < today),
        planned_payment,
        costs,
    }
}

/// What Tillväxtverket has registered on its own account by today: its requisition from
/// Kammarkollegiet a week before 1 December, its support costs after the year, and its
/// repayment two days before 15 March.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AgencySteps {
    pub requisitioned: Option<NaiveDate>,
    pub costs_registered: Option<NaiveDate>,
    pub repaid: Option<NaiveDate>,
}

pub fn agency(d: &Deadlines, today: NaiveDate) -> AgencySteps {
    let before_today = |date: NaiveDate| Some(date).filter(|d| *d < today);
    // Without a Kammarkollegiet chain there is nothing to requisition or repay.
    let requisitioned = d.agency_requisition.and_then(|r| before_today(day(r, -7)));
    AgencySteps {
        requisitioned,
        costs_registered: requisitioned.and(before_today(day(d.report, -10))),
        repaid: requisitioned.and(d.agency_repayment.and_then(|r| before_today(day(r, -2)))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seed::ACTORS_2021;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn stories(today: NaiveDate) -> Vec<Story> {
        let d = standard_deadlines(living_year(today), true);
        ACTORS_2021
            .iter()
            .enumerate()
            .map(|(i, (name, _))| story(i, name, &d, today))
            .collect()
    }

    fn count(stories: &[Story], pred: impl Fn(&Story) -> bool) -> usize {
        stories.iter().filter(|s| pred(s)).count()
    }

    /// The requisition's last step: where the case stands.
    fn requisition(s: &Story) -> Option<Step> {
        use Step::*;
        s.last_of(&[
            RequisitionFiled,
            RequisitionReturned,
            RequisitionResubmitted,
            RequisitionApproved,
            PayoutApproved,
            PayoutPaid,
        ])
        .map(|(step, _)| step)
    }

    fn report(s: &Story) -> Option<Step> {
        use Step::*;
        s.last_of(&[
            ReportStarted,
            ReportSubmitted,
            ReportReturned,
            ReportResubmitted,
            ReportApproved,
        ])
        .map(|(step, _)| step)
    }

    fn named<'a>(stories: &'a [Story], actor: &str) -> &'a Story {
        let i = ACTORS_2021
            .iter()
            .position(|(n, _)| *n == actor)
            .expect("an actor");
        &stories[i]
    }

    #[test]
    fn the_living_year_turns_after_the_summary_to_the_government() {
        assert_eq!(living_year(date(2026, 1, 10)), 2025);
        assert_eq!(living_year(date(2026, 3, 15)), 2025);
        assert_eq!(living_year(date(2026, 3, 26)), 2025);
        assert_eq!(living_year(date(2026, 3, 27)), 2026);
        assert_eq!(living_year(date(2026, 5, 1)), 2026);
        assert_eq!(living_year(date(2026, 11, 23)), 2026);
        assert_eq!(living_year(date(2026, 12, 31)), 2026);
        assert_eq!(living_year(date(2027, 2, 10)), 2026);
        assert_eq!(living_year(date(2027, 5, 1)), 2027);
    }

    #[test]
    fn on_10_january_2026_reports_for_2025_are_being_written_and_a_few_are_in() {
        let s = stories(date(2026, 1, 10));
        assert!(s.iter().all(|s| s.has(Step::PayoutPaid)));
        let approved = count(&s, |s| report(s) == Some(Step::ReportApproved));
        let submitted = count(&s, |s| report(s) == Some(Step::ReportSubmitted));
        let drafts = count(&s, |s| report(s) == Some(Step::ReportStarted));
        let none = count(&s, |s| report(s).is_none());
        assert_eq!((approved, submitted, drafts, none), (5, 2, 12, 2));
        assert_eq!(
            report(named(&s, "Region Stockholm")),
            Some(Step::ReportStarted)
        );
        // The early ones have repaid; nothing is due yet.
        assert!(count(&s, |s| s.has(Step::RepaymentRegistered)) > 0);
        assert_eq!(
            agency(&standard_deadlines(2025, true), date(2026, 1, 10)),
            AgencySteps {
                requisitioned: Some(date(2025, 11, 24)),
                costs_registered: None,
                repaid: None
            }
        );
    }

    #[test]
    fn on_15_march_2026_the_year_2025_is_reported_and_repaid() {
        let s = stories(date(2026, 3, 15));
        assert!(s.iter().all(|s| report(s) == Some(Step::ReportApproved)));
        let owing = count(&s, |s| s.costs.leaves_unused());
        let confirmed = count(&s, |s| s.has(Step::RepaymentConfirmed));
        let registered_only = count(&s, |s| {
            s.has(Step::RepaymentRegistered) && !s.has(Step::RepaymentConfirmed)
        });
        assert_eq!((owing, confirmed, registered_only), (15, 15, 0));
        let a = agency(&standard_deadlines(2025, true), date(2026, 3, 15));
        assert_eq!(a.repaid, Some(date(2026, 3, 13)));
    }

    #[test]
    fn on_28_march_2026_the_requisitions_for_2026_are_partly_filed() {
        let s = stories(date(2026, 3, 28));
        let filed = count(&s, |s| s.has(Step::RequisitionFiled));
        assert!(filed > 10 && filed < 21, "{filed}");
        assert_eq!(
            requisition(named(&s, "Region Stockholm")),
            Some(Step::RequisitionReturned)
        );
        assert_eq!(
            requisition(named(&s, "Region Skåne")),
            Some(Step::RequisitionFiled)
        );
        assert_eq!(
            requisition(named(&s, "Region Uppsala")),
            Some(Step::RequisitionApproved)
        );
        assert_eq!(
            requisition(named(&s, "Region Örebro län")),
            Some(Step::PayoutApproved)
        );
        // Gotland has its extension and hasn't filed.
        let gotland = named(&s, "Gotlands kommun");
        assert!(gotland.has(Step::ExtensionGranted) && !gotland.has(Step::RequisitionFiled));
        assert!(s.iter().all(|s| report(s).is_none()));
    }

    #[test]
    fn on_1_may_2026_the_requisitions_are_decided_and_paid_but_the_extended_one() {
        let s = stories(date(2026, 5, 1));
        assert_eq!(count(&s, |s| requisition(s) == Some(Step::PayoutPaid)), 20);
        assert_eq!(
            requisition(named(&s, "Gotlands kommun")),
            Some(Step::RequisitionApproved)
        );
        assert!(s.iter().all(|s| report(s).is_none()));
        assert_eq!(
            agency(&standard_deadlines(2026, true), date(2026, 5, 1)),
            AgencySteps {
                requisitioned: None,
                costs_registered: None,
                repaid: None
            }
        );
    }

    #[test]
    fn on_23_november_2026_the_funds_are_paid_and_a_few_reports_are_written_early() {
        let s = stories(date(2026, 11, 23));
        assert_eq!(count(&s, |s| requisition(s) == Some(Step::PayoutPaid)), 20);
        assert_eq!(
            requisition(named(&s, "Gotlands kommun")),
            Some(Step::RequisitionApproved),
            "the extended requisition's payout awaits the approver"
        );
        assert_eq!(count(&s, |s| report(s) == Some(Step::ReportApproved)), 1);
        assert_eq!(count(&s, |s| report(s) == Some(Step::ReportSubmitted)), 1);
        assert_eq!(count(&s, |s| report(s) == Some(Step::ReportStarted)), 3);
        assert_eq!(
            report(named(&s, "Region Stockholm")),
            Some(Step::ReportStarted)
        );
        assert_eq!(
            agency(&standard_deadlines(2026, true), date(2026, 11, 23)).requisitioned,
            None,
            "Tillväxtverket's requisition is due 1 December"
        );
    }

    #[test]
    fn on_10_february_2027_reports_are_in_and_repayments_are_due() {
        let s = stories(date(2027, 2, 10));
        assert!(
            count(&s, |s| report(s) == Some(Step::ReportApproved)) >= 15,
            "most approved"
        );
        assert_eq!(
            report(named(&s, "Region Värmland")),
            Some(Step::ReportReturned)
        );
        assert_eq!(
            report(named(&s, "Region Östergötland")),
            Some(Step::ReportSubmitted),
            "the late one awaits the case officer"
        );
        assert_eq!(
            report(named(&s, "Gotlands kommun")),
            Some(Step::ReportStarted)
        );
        let stockholm = named(&s, "Region Stockholm");
        assert!(stockholm.has(Step::ReportApproved) && !stockholm.has(Step::RepaymentRegistered));
        assert!(count(&s, |s| s.has(Step::RepaymentConfirmed)) > 0);
        assert!(
            count(&s, |s| s.has(Step::RepaymentRegistered)
                && !s.has(Step::RepaymentConfirmed))
                > 0
        );
    }

    /// Whether an obligation shown on an actor's start page is still open, and its deadline.
    fn open_obligations(s: &Story, d: &Deadlines) -> Vec<(Step, NaiveDate)> {
        let mut open = vec![];
        if !s.has(Step::PayoutPaid) {
            open.push((
                Step::RequisitionFiled,
                s.extended_to.unwrap_or(d.requisition),
            ));
        }
        if !s.has(Step::ReportApproved) {
            open.push((Step::ReportSubmitted, d.report));
        }
        let settled = s.has(Step::ReportApproved)
            && (!s.costs.leaves_unused() || s.has(Step::RepaymentConfirmed));
        if !settled {
            open.push((Step::RepaymentRegistered, d.repayment));
        }
        open
    }

    #[test]
    fn on_every_day_of_a_living_year_the_story_is_in_order_and_nothing_is_long_overdue() {
        let mut today = date(2026, 3, 27);
        while today <= date(2027, 3, 26) {
            assert_eq!(living_year(today), 2026);
            let d = standard_deadlines(2026, true);
            for (i, (name, _)) in ACTORS_2021.iter().enumerate() {
                let s = story(i, name, &d, today);
                let mut previous: Option<(Step, NaiveDate)> = None;
                for &(step, on) in &s.steps {
                    assert!(on < today, "{name} {step:?} on {on} is not before {today}");
                    if let Some((p, p_on)) = previous {
                        assert!(p < step && p_on < on, "{name}: {p:?} then {step:?}");
                    }
                    previous = Some((step, on));
                }
                if s.has(Step::ReportStarted) {
                    assert!(s.has(Step::PayoutPaid), "{name}: a report needs its payout");
                }
                if s.has(Step::RepaymentRegistered) {
                    assert!(s.has(Step::ReportApproved), "{name}: no repayment before");
                    assert!(s.costs.leaves_unused());
                }
                if let Some(filed) = s.on(Step::RequisitionFiled) {
                    assert!(filed <= s.extended_to.unwrap_or(d.requisition), "{name}");
                }
                assert!(s.costs.total() <= Costs::WHOLE);
                for (what, deadline) in open_obligations(&s, &d) {
                    let passed = (today - deadline).num_days();
                    assert!(
                        passed <= 30,
                        "{name}: {what:?} is {passed} days overdue on {today}"
                    );
                }
                if let Some(confirmed) = s.on(Step::RepaymentConfirmed) {
                    // Every region's repayment is in before Tillväxtverket repays.
                    assert!(confirmed < date(2027, 3, 13), "{name}");
                }
            }
            today = today.succ_opt().expect("a next day");
        }
    }

    #[test]
    fn by_the_end_of_a_living_year_every_step_is_taken() {
        let s = stories(date(2027, 3, 26));
        for story in &s {
            assert!(story.has(Step::ReportApproved));
            assert_eq!(
                story.has(Step::RepaymentConfirmed),
                story.costs.leaves_unused()
            );
        }
        assert_eq!(count(&s, |s| !s.costs.leaves_unused()), 6);
    }
}
