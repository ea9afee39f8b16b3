//! The pure rules of requisitions and payouts: states and their transitions, the
//! deadline and case numbers. What a valid form is lives in `form.rs` (the region's
//! requisition) and `staff_form.rs` (the staff's decisions), re-exported here.

use chrono::NaiveDate;
use serde::Serialize;

use crate::{dates::format_date, programme::model::BudgetState};

pub use super::{form::*, staff_form::*};

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "requisition_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RequisitionState {
    Draft,
    Submitted,
    Returned,
    Approved,
    Rejected,
    Withdrawn,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "payout_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PayoutState {
    Prepared,
    Approved,
    Paid,
    SentBack,
}

impl RequisitionState {
    /// A requisition that ended without money: the region withdrew it, or it was rejected.
    /// The year's requisition is the one in any other state.
    pub const ENDED: [RequisitionState; 2] =
        [RequisitionState::Withdrawn, RequisitionState::Rejected];
}

impl PayoutState {
    /// A payout under way: waiting for its approver, or for the payment to be registered.
    pub const IN_PROGRESS: [PayoutState; 2] = [PayoutState::Prepared, PayoutState::Approved];
}

/// What a region may do to its requisition, and what a case officer may decide.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Save changes to a draft or a returned requisition.
    Edit,
    Submit,
    Withdraw,
    /// Return for completion.
    Return,
    Reject,
    /// Approve, which prepares the payout.
    Approve,
    /// The approver sent the payout back: the case officer decides again.
    PayoutSentBack,
}

impl Action {
    /// The states the action may be taken from. The SQL updates use this list,
    /// so a second click finds the state changed and does nothing.
    pub fn from_states(self) -> &'static [RequisitionState] {
        use RequisitionState::*;
        match self {
            Action::Edit | Action::Submit => &[Draft, Returned],
            // "While nobody has decided."
            Action::Withdraw => &[Draft, Submitted, Returned],
            Action::Return | Action::Reject | Action::Approve => &[Submitted],
            Action::PayoutSentBack => &[Approved],
        }
    }

    pub fn target(self, from: RequisitionState) -> RequisitionState {
        use RequisitionState::*;
        match self {
            Action::Edit => from,
            Action::Submit | Action::PayoutSentBack => Submitted,
            Action::Withdraw => Withdrawn,
            Action::Return => Returned,
            Action::Reject => Rejected,
            Action::Approve => Approved,
        }
    }

    pub fn allowed(self, from: RequisitionState) -> bool {
        self.from_states().contains(&from)
    }
}

/// What may be done to a payout.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PayoutAction {
    Approve,
    SendBack,
    RegisterPaid,
}

impl PayoutAction {
    pub fn from_state(self) -> PayoutState {
        match self {
            PayoutAction::Approve | PayoutAction::SendBack => PayoutState::Prepared,
            PayoutAction::RegisterPaid => PayoutState::Approved,
        }
    }

    pub fn target(self) -> PayoutState {
        match self {
            PayoutAction::Approve => PayoutState::Approved,
            PayoutAction::SendBack => PayoutState::SentBack,
            PayoutAction::RegisterPaid => PayoutState::Paid,
        }
    }
}

/// Where a case stands, as people say it: the requisition's state and its payout's together.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseState {
    Draft,
    Submitted,
    Returned,
    AwaitingApproval,
    Approved,
    Paid,
    Rejected,
    Withdrawn,
}

impl CaseState {
    pub const ALL: [CaseState; 8] = [
        CaseState::Draft,
        CaseState::Submitted,
        CaseState::Returned,
        CaseState::AwaitingApproval,
        CaseState::Approved,
        CaseState::Paid,
        CaseState::Rejected,
        CaseState::Withdrawn,
    ];

    pub fn of(requisition: RequisitionState, payout: Option<PayoutState>) -> CaseState {
        match (requisition, payout) {
            (RequisitionState::Draft, _) => CaseState::Draft,
            (RequisitionState::Submitted, _) => CaseState::Submitted,
            (RequisitionState::Returned, _) => CaseState::Returned,
            (RequisitionState::Rejected, _) => CaseState::Rejected,
            (RequisitionState::Withdrawn, _) => CaseState::Withdrawn,
            (RequisitionState::Approved, Some(PayoutState::Paid)) => CaseState::Paid,
            (RequisitionState::Approved, Some(PayoutState::Approved)) => CaseState::Approved,
            (RequisitionState::Approved, _) => CaseState::AwaitingApproval,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            CaseState::Draft => "utkast",
            CaseState::Submitted => "inskickad",
            CaseState::Returned => "komplettering",
            CaseState::AwaitingApproval => "attest",
            CaseState::Approved => "attesterad",
            CaseState::Paid => "utbetald",
            CaseState::Rejected => "avslagen",
            CaseState::Withdrawn => "aterkallad",
        }
    }

    pub fn from_key(key: &str) -> Option<CaseState> {
        CaseState::ALL.into_iter().find(|s| s.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            CaseState::Draft => "Utkast",
            CaseState::Submitted => "Inskickad",
            CaseState::Returned => "Återsänd för komplettering",
            CaseState::AwaitingApproval => "Godkänd – väntar på attest",
            CaseState::Approved => "Attesterad – väntar på utbetalning",
            CaseState::Paid => "Utbetald",
            CaseState::Rejected => "Avslagen",
            CaseState::Withdrawn => "Återkallad",
        }
    }

    /// Staff never see a region's drafts.
    pub fn visible_to_staff(self) -> bool {
        self != CaseState::Draft
    }
}

/// `DK-2025-007`: the year and a number counted per year.
pub fn case_number(year: i32, n: i32) -> String {
    format!("DK-{year}-{n:03}")
}

/// Why a requisition can't be filed now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    BudgetPending { year: i32 },
    DeadlinePassed { deadline: NaiveDate },
}

impl Refusal {
    pub fn message(&self) -> String {
        match self {
            Refusal::BudgetPending { year } => format!(
                "Riksdagen har ännu inte beslutat budgeten för {year}. Medel för {year} kan rekvireras när budgeten är beslutad."
            ),
            Refusal::DeadlinePassed { deadline } => format!(
                "Sista dag för rekvisition var {}. Kontakta Tillväxtverket om ni har frågor.",
                format_date(*deadline)
            ),
        }
    }
}

/// May a requisition be started now? Only for a year whose budget is decided.
pub fn check_start(year: i32, budget: BudgetState) -> Result<(), Refusal> {
    match budget {
        BudgetState::Decided => Ok(()),
        BudgetState::Pending => Err(Refusal::BudgetPending { year }),
    }
}

/// May it be submitted now? The deadline (with any extension) applies to the first
/// submission; a requisition returned for completion may be resubmitted after it.
pub fn check_submission(
    year: i32,
    budget: BudgetState,
    today: NaiveDate,
    deadline: NaiveDate,
    first_submission: bool,
) -> Result<(), Refusal> {
    check_start(year, budget)?;
    if first_submission && today > deadline {
        return Err(Refusal::DeadlinePassed { deadline });
    }
    Ok(())
}

/// Submitted after `deadline`, the actor's deadline in force: the year's own, or its
/// extension (a case within its extension is not late).
pub fn is_late(first_submitted: Option<NaiveDate>, deadline: NaiveDate) -> bool {
    first_submitted.is_some_and(|d| d > deadline)
}

/// Whether a staff list's search finds a case: by (part of) its case number or its actor's
/// name, in any case. An empty search finds every case. The requisition's case number is
/// the case's, for its report and repayment too.
pub fn case_found(search: &str, case_number: Option<&str>, actor_name: &str) -> bool {
    let search = search.trim().to_lowercase();
    search.is_empty()
        || case_number.is_some_and(|c| c.to_lowercase().contains(&search))
        || actor_name.to_lowercase().contains(&search)
}

#[cfg(test)]
mod search_tests {
    use super::case_found;

    #[test]
    fn a_case_is_found_by_its_number_or_its_actor_in_any_case() {
        assert!(case_found("", None, "Region Skåne"));
        assert!(case_found(
            " dk-2026-021 ",
            Some("DK-2026-021"),
            "Region Skåne"
        ));
        assert!(case_found("2026-02", Some("DK-2026-021"), "Region Skåne"));
        assert!(case_found("skåne", Some("DK-2026-021"), "Region Skåne"));
        assert!(!case_found(
            "Stockholm",
            Some("DK-2026-021"),
            "Region Skåne"
        ));
        assert!(!case_found("DK-2026-022", None, "Region Skåne"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    #[test]
    fn a_draft_moves_to_submitted_and_only_staff_decisions_leave_submitted() {
        use RequisitionState::*;
        assert!(Action::Submit.allowed(Draft));
        assert!(Action::Submit.allowed(Returned));
        assert!(!Action::Submit.allowed(Submitted));
        assert!(!Action::Submit.allowed(Approved));
        for decision in [Action::Approve, Action::Return, Action::Reject] {
            assert!(decision.allowed(Submitted), "{decision:?}");
            for other in [Draft, Returned, Approved, Rejected, Withdrawn] {
                assert!(!decision.allowed(other), "{decision:?} from {other:?}");
            }
        }
        assert_eq!(Action::Approve.target(Submitted), Approved);
        assert_eq!(Action::Return.target(Submitted), Returned);
        assert_eq!(Action::PayoutSentBack.target(Approved), Submitted);
    }

    #[test]
    fn a_requisition_can_be_withdrawn_only_while_nobody_has_decided() {
        use RequisitionState::*;
        for s in [Draft, Submitted, Returned] {
            assert!(Action::Withdraw.allowed(s), "{s:?}");
        }
        for s in [Approved, Rejected, Withdrawn] {
            assert!(!Action::Withdraw.allowed(s), "{s:?}");
        }
        assert!(Action::Edit.allowed(Returned));
        assert!(!Action::Edit.allowed(Submitted));
    }

    #[test]
    fn a_payout_is_approved_from_prepared_and_paid_from_approved_once() {
        assert_eq!(PayoutAction::Approve.from_state(), PayoutState::Prepared);
        assert_eq!(PayoutAction::SendBack.from_state(), PayoutState::Prepared);
        assert_eq!(
            PayoutAction::RegisterPaid.from_state(),
            PayoutState::Approved
        );
        assert_eq!(PayoutAction::RegisterPaid.target(), PayoutState::Paid);
        // Paid is no action's starting point: a payout is paid once.
        for a in [
            PayoutAction::Approve,
            PayoutAction::SendBack,
            PayoutAction::RegisterPaid,
        ] {
            assert_ne!(a.from_state(), PayoutState::Paid);
        }
    }

    #[test]
    fn the_case_state_combines_requisition_and_payout() {
        use RequisitionState as R;
        assert_eq!(
            CaseState::of(R::Approved, Some(PayoutState::Prepared)),
            CaseState::AwaitingApproval
        );
        assert_eq!(
            CaseState::of(R::Approved, Some(PayoutState::Approved)),
            CaseState::Approved
        );
        assert_eq!(
            CaseState::of(R::Approved, Some(PayoutState::Paid)),
            CaseState::Paid
        );
        assert_eq!(CaseState::of(R::Submitted, None), CaseState::Submitted);
        for s in CaseState::ALL {
            assert_eq!(CaseState::from_key(s.key()), Some(s));
        }
    }

    #[test]
    fn case_numbers_are_zero_padded_per_year() {
        assert_eq!(case_number(2025, 7), "DK-2025-007");
        assert_eq!(case_number(2025, 1234), "DK-2025-1234");
    }

    #[test]
    fn the_deadline_applies_to_the_first_submission_unless_extended() {
        let deadline = date(2025, 3, 31);
        let decided = BudgetState::Decided;
        assert_eq!(
            check_submission(2025, decided, date(2025, 3, 31), deadline, true),
            Ok(())
        );
        assert_eq!(
            check_submission(2025, decided, date(2025, 4, 1), deadline, true),
            Err(Refusal::DeadlinePassed { deadline })
        );
        // A returned requisition may be resubmitted after the deadline.
        assert_eq!(
            check_submission(2025, decided, date(2025, 4, 1), deadline, false),
            Ok(())
        );
        // With an extension the day that counts is later (`actor_deadlines` in the schema,
        // tested in tests/it/programme.rs).
        let extended = date(2025, 4, 15);
        assert_eq!(
            check_submission(2025, decided, date(2025, 4, 15), extended, true),
            Ok(())
        );
        assert!(is_late(Some(date(2025, 4, 2)), deadline));
        assert!(!is_late(Some(date(2025, 3, 31)), deadline));
    }

    #[test]
    fn nothing_is_filed_for_a_year_whose_budget_is_pending() {
        let refusal = check_submission(
            2026,
            BudgetState::Pending,
            date(2026, 1, 10),
            date(2026, 3, 31),
            true,
        );
        assert_eq!(refusal, Err(Refusal::BudgetPending { year: 2026 }));
        assert!(
            Refusal::BudgetPending { year: 2026 }
                .message()
                .contains("budgeten för 2026")
        );
    }
}
