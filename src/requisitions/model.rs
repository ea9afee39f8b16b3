//! The pure rules of requisitions and payouts: states and their transitions, the
//! deadline, case numbers, and what a valid form is.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{
    dates::{format_date, parse_date},
    giro::PaymentMethod,
    money::{Amount, format_kronor},
    programme::model::{BudgetState, Deadlines, ExtendedDeadline},
    web::FormErrors,
};

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

/// The last day a region may submit: the year's deadline, or a later one granted to it.
pub fn submission_deadline(year_deadline: NaiveDate, extension: Option<NaiveDate>) -> NaiveDate {
    extension.map_or(year_deadline, |e| e.max(year_deadline))
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
                "Sista dag för rekvisition var {}. Kontakta Tillväxtverket om ni behöver förlängd tid; en handläggare kan ge er ett nytt datum.",
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

/// Submitted after the year's own deadline (possible only with an extension).
pub fn is_late(first_submitted: Option<NaiveDate>, year_deadline: NaiveDate) -> bool {
    first_submitted.is_some_and(|d| d > year_deadline)
}

const NAME_MAX: usize = 200;
const REFERENCE_MAX: usize = 50;
const PHONE_MAX: usize = 40;
pub const MESSAGE_MAX: usize = 5000;
/// As `deadline_extensions.reason` allows.
pub const EXTENSION_REASON_MAX: usize = 2000;

/// The requisition form as typed. Everything is text so a rejected form comes back as it was.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequisitionForm {
    pub amount: String,
    pub payment_method: String,
    pub account_number: String,
    pub payment_reference: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub signatory_name: String,
    pub signatory_title: String,
    pub declaration: Option<String>,
}

/// A validated requisition. In a draft any field may still be missing.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RequisitionFields {
    pub amount: Option<Decimal>,
    pub payment_method: Option<PaymentMethod>,
    pub account_number: Option<String>,
    pub payment_reference: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_title: Option<String>,
    pub declaration: bool,
}

/// Trimmed text, or an error when it is too long (or missing and `required`).
fn text(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
    missing: &str,
) -> Option<String> {
    let v = value.trim();
    if v.is_empty() {
        if required {
            errors.add(field, missing);
        }
        return None;
    }
    let len = v.chars().count();
    if len > max {
        errors.add(
            field,
            format!("Texten får vara högst {max} tecken (nu {len})."),
        );
        return None;
    }
    Some(v.to_string())
}

/// An amount above zero and at most `max`; `over` tells the person what the limit is.
fn positive_amount(
    errors: &mut FormErrors,
    field: &'static str,
    input: &str,
    max: Decimal,
    over: impl FnOnce() -> String,
) -> Option<Decimal> {
    match Amount::parse(input) {
        Err(e) => {
            errors.add(field, e);
            None
        }
        Ok(a) if a.value() <= Decimal::ZERO => {
            errors.add(field, "Beloppet måste vara större än 0 kr.");
            None
        }
        Ok(a) if a.value() > max => {
            errors.add(field, over());
            None
        }
        Ok(a) => Some(a.value()),
    }
}

fn plausible_email(s: &str) -> bool {
    match s.split_once('@') {
        Some((local, domain)) => {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
                && !s.chars().any(char::is_whitespace)
        }
        None => false,
    }
}

fn plausible_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    digits >= 6
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '+' | '-' | '(' | ')'))
}

impl RequisitionForm {
    pub fn from_fields(f: &RequisitionFields) -> RequisitionForm {
        RequisitionForm {
            amount: f.amount.map(crate::money::format_input).unwrap_or_default(),
            payment_method: f
                .payment_method
                .map(|m| m.key().to_string())
                .unwrap_or_default(),
            account_number: f.account_number.clone().unwrap_or_default(),
            payment_reference: f.payment_reference.clone().unwrap_or_default(),
            contact_name: f.contact_name.clone().unwrap_or_default(),
            contact_email: f.contact_email.clone().unwrap_or_default(),
            contact_phone: f.contact_phone.clone().unwrap_or_default(),
            signatory_name: f.signatory_name.clone().unwrap_or_default(),
            signatory_title: f.signatory_title.clone().unwrap_or_default(),
            declaration: f.declaration.then(|| "ja".to_string()),
        }
    }

    /// Checks every field that is filled in; with `complete`, also that nothing is missing.
    pub fn validate(&self, cap: Decimal, complete: bool) -> Result<RequisitionFields, FormErrors> {
        let mut errors = FormErrors::default();
        let amount = if self.amount.trim().is_empty() {
            if complete {
                errors.add("amount", "Ange hur mycket ni rekvirerar.");
            }
            None
        } else {
            positive_amount(&mut errors, "amount", &self.amount, cap, || {
                format!("Ni kan rekvirera högst {} för året.", format_kronor(cap))
            })
        };
        let payment_method = match self.payment_method.trim() {
            "" => {
                if complete {
                    errors.add("payment_method", "Välj bankgiro eller plusgiro.");
                }
                None
            }
            key => {
                let m = PaymentMethod::from_key(key);
                if m.is_none() {
                    errors.add("payment_method", "Välj bankgiro eller plusgiro.");
                }
                m
            }
        };
        let account_number = if self.account_number.trim().is_empty() {
            if complete {
                errors.add(
                    "account_number",
                    "Ange kontonumret som medlen ska betalas till.",
                );
            }
            None
        } else {
            match payment_method {
                Some(m) => match m.parse_account(&self.account_number) {
                    Ok(n) => Some(n),
                    Err(e) => {
                        errors.add("account_number", e);
                        None
                    }
                },
                None => {
                    errors.add(
                        "account_number",
                        "Välj först om kontot är ett bankgiro eller ett plusgiro.",
                    );
                    None
                }
            }
        };
        let payment_reference = text(
            &mut errors,
            "payment_reference",
            &self.payment_reference,
            REFERENCE_MAX,
            complete,
            "Ange den referens ni vill ha på utbetalningen.",
        );
        let contact_name = text(
            &mut errors,
            "contact_name",
            &self.contact_name,
            NAME_MAX,
            complete,
            "Ange kontaktpersonens namn.",
        );
        let contact_email = text(
            &mut errors,
            "contact_email",
            &self.contact_email,
            NAME_MAX,
            complete,
            "Ange kontaktpersonens e-postadress.",
        );
        if contact_email
            .as_deref()
            .is_some_and(|e| !plausible_email(e))
        {
            errors.add(
                "contact_email",
                "Ange en e-postadress i formen namn@exempel.se.",
            );
        }
        let contact_phone = text(
            &mut errors,
            "contact_phone",
            &self.contact_phone,
            PHONE_MAX,
            complete,
            "Ange kontaktpersonens telefonnummer.",
        );
        if contact_phone
            .as_deref()
            .is_some_and(|p| !plausible_phone(p))
        {
            errors.add(
                "contact_phone",
                "Ange telefonnumret med siffror, till exempel 08-123 456 78.",
            );
        }
        let signatory_name = text(
            &mut errors,
            "signatory_name",
            &self.signatory_name,
            NAME_MAX,
            complete,
            "Ange namnet på den som har rätt att företräda organisationen.",
        );
        let signatory_title = text(
            &mut errors,
            "signatory_title",
            &self.signatory_title,
            NAME_MAX,
            complete,
            "Ange firmatecknarens titel.",
        );
        let declaration = self.declaration.as_deref() == Some("ja");
        if complete && !declaration {
            errors.add(
                "declaration",
                "Intyga att medlen ska användas enligt beslutet innan ni skickar in.",
            );
        }
        if errors.is_empty() {
            Ok(RequisitionFields {
                amount,
                payment_method,
                account_number,
                payment_reference,
                contact_name,
                contact_email,
                contact_phone,
                signatory_name,
                signatory_title,
                declaration,
            })
        } else {
            Err(errors)
        }
    }
}

/// A message, return reason or rejection reason: required, and not endless.
pub fn parse_message(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    missing: &str,
) -> Option<String> {
    text(errors, field, value, MESSAGE_MAX, true, missing)
}

/// The case officer's approval: the amount to pay (at most requisitioned) and when.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ApproveForm {
    pub amount: String,
    pub planned_date: String,
}

impl ApproveForm {
    pub fn validate(
        &self,
        requisitioned: Decimal,
        today: NaiveDate,
    ) -> Result<(Decimal, NaiveDate), FormErrors> {
        let mut errors = FormErrors::default();
        let amount = positive_amount(&mut errors, "amount", &self.amount, requisitioned, || {
            format!(
                "Utbetalningen kan vara högst det rekvirerade beloppet, {}.",
                format_kronor(requisitioned)
            )
        });
        let date = match parse_date(&self.planned_date) {
            Err(e) => {
                errors.add("planned_date", e);
                None
            }
            Ok(d) if d < today => {
                errors.add(
                    "planned_date",
                    "Det planerade utbetalningsdatumet kan inte ligga bakåt i tiden.",
                );
                None
            }
            Ok(d) => Some(d),
        };
        match (amount, date) {
            (Some(a), Some(d)) if errors.is_empty() => Ok((a, d)),
            _ => Err(errors),
        }
    }
}

/// The registered payment: when, how much (at most approved), and the voucher number.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PaidForm {
    pub paid_date: String,
    pub amount: String,
    pub voucher_number: String,
}

pub struct Payment {
    pub date: NaiveDate,
    pub amount: Decimal,
    pub voucher_number: String,
}

impl PaidForm {
    pub fn validate(&self, approved: Decimal, today: NaiveDate) -> Result<Payment, FormErrors> {
        let mut errors = FormErrors::default();
        let date = match parse_date(&self.paid_date) {
            Err(e) => {
                errors.add("paid_date", e);
                None
            }
            Ok(d) if d > today => {
                errors.add(
                    "paid_date",
                    "Registrera utbetalningen när den är gjord; datumet kan inte ligga i framtiden.",
                );
                None
            }
            Ok(d) => Some(d),
        };
        let amount = positive_amount(&mut errors, "amount", &self.amount, approved, || {
            format!(
                "Det utbetalda beloppet kan inte vara större än det attesterade, {}.",
                format_kronor(approved)
            )
        });
        let voucher_number = text(
            &mut errors,
            "voucher_number",
            &self.voucher_number,
            50,
            true,
            "Ange verifikationsnumret.",
        );
        match (date, amount, voucher_number) {
            (Some(date), Some(amount), Some(voucher_number)) if errors.is_empty() => Ok(Payment {
                date,
                amount,
                voucher_number,
            }),
            _ => Err(errors),
        }
    }
}

/// A later requisition deadline for one actor: after the year's own, not in the past.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExtensionForm {
    pub organisation_id: String,
    /// Which deadline: "requisition", "report" or "repayment".
    pub deadline: String,
    pub new_deadline: String,
    pub reason: String,
}

impl ExtensionForm {
    pub fn validate(
        &self,
        deadlines: &Deadlines,
        today: NaiveDate,
    ) -> Result<(ExtendedDeadline, NaiveDate, String), FormErrors> {
        let mut errors = FormErrors::default();
        let Some(which) = ExtendedDeadline::parse(&self.deadline) else {
            errors.add("deadline", "Välj vilken sista dag som ska förlängas.");
            return Err(errors);
        };
        let year_deadline = which.of(deadlines);
        let date = match parse_date(&self.new_deadline) {
            Err(e) => {
                errors.add("new_deadline", e);
                None
            }
            Ok(d) if d <= year_deadline => {
                errors.add(
                    "new_deadline",
                    format!(
                        "Det nya datumet måste vara senare än årets sista dag, {}.",
                        format_date(year_deadline)
                    ),
                );
                None
            }
            Ok(d) if d < today => {
                errors.add(
                    "new_deadline",
                    "Det nya datumet kan inte ligga bakåt i tiden.",
                );
                None
            }
            Ok(d) => Some(d),
        };
        let reason = text(
            &mut errors,
            "reason",
            &self.reason,
            EXTENSION_REASON_MAX,
            true,
            "Ange skälet till förlängningen.",
        );
        match (date, reason) {
            (Some(d), Some(r)) if errors.is_empty() => Ok((which, d, r)),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid test date")
    }

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn complete_form() -> RequisitionForm {
        RequisitionForm {
            amount: "1 000 000".into(),
            payment_method: "bankgiro".into(),
            account_number: "5050-1055".into(),
            payment_reference: "Digikoord 2025".into(),
            contact_name: "Karin Ek".into(),
            contact_email: "karin.ek@region.se".into(),
            contact_phone: "08-123 456 78".into(),
            signatory_name: "Per Lind".into(),
            signatory_title: "Regiondirektör".into(),
            declaration: Some("ja".into()),
        }
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
        let extended = submission_deadline(deadline, Some(date(2025, 4, 15)));
        assert_eq!(
            check_submission(2025, decided, date(2025, 4, 15), extended, true),
            Ok(())
        );
        // An "extension" earlier than the year's deadline never shortens it.
        assert_eq!(
            submission_deadline(deadline, Some(date(2025, 3, 1))),
            deadline
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

    #[test]
    fn a_complete_form_validates_to_normalised_fields() {
        let fields = complete_form()
            .validate(dec("1000000"), true)
            .expect("valid");
        assert_eq!(fields.amount, Some(dec("1000000")));
        assert_eq!(fields.account_number.as_deref(), Some("5050-1055"));
        assert_eq!(fields.payment_method, Some(PaymentMethod::Bankgiro));
        assert!(fields.declaration);
        let back = RequisitionForm::from_fields(&fields).validate(dec("1000000"), true);
        assert_eq!(back.ok(), Some(fields));
    }

    #[test]
    fn a_draft_may_be_incomplete_but_not_wrong() {
        let partial = RequisitionForm {
            amount: "500 000,50".into(),
            ..Default::default()
        };
        let fields = partial.validate(dec("1000000"), false).expect("draft ok");
        assert_eq!(fields.amount, Some(dec("500000.50")));
        assert!(partial.validate(dec("1000000"), true).is_err());
        let wrong = RequisitionForm {
            amount: "abc".into(),
            ..Default::default()
        };
        assert!(wrong.validate(dec("1000000"), false).is_err());
    }

    #[test]
    fn bad_input_gets_a_message_on_the_right_field() {
        let cases: Vec<(&str, RequisitionForm)> = vec![
            (
                "amount",
                RequisitionForm {
                    amount: "-5".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "1e9".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "abc".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "1 000 000,01".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "0".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "".into(),
                    ..complete_form()
                },
            ),
            (
                "account_number",
                RequisitionForm {
                    account_number: "5050-1056".into(),
                    ..complete_form()
                },
            ),
            (
                "payment_method",
                RequisitionForm {
                    payment_method: "swish".into(),
                    ..complete_form()
                },
            ),
            (
                "contact_name",
                RequisitionForm {
                    contact_name: "x".repeat(10_000),
                    ..complete_form()
                },
            ),
            (
                "contact_email",
                RequisitionForm {
                    contact_email: "karin".into(),
                    ..complete_form()
                },
            ),
            (
                "contact_phone",
                RequisitionForm {
                    contact_phone: "ring mig".into(),
                    ..complete_form()
                },
            ),
            (
                "declaration",
                RequisitionForm {
                    declaration: None,
                    ..complete_form()
                },
            ),
        ];
        for (field, form) in cases {
            let errors = form.validate(dec("1000000"), true).expect_err(field);
            assert!(
                errors.get(field).is_some(),
                "{field}: {:?}",
                errors.iter().collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn an_approval_is_at_most_the_requisitioned_amount_and_not_in_the_past() {
        let today = date(2025, 4, 1);
        let ok = ApproveForm {
            amount: "750 000".into(),
            planned_date: "2025-04-10".into(),
        };
        assert_eq!(
            ok.validate(dec("750000"), today).ok(),
            Some((dec("750000"), date(2025, 4, 10)))
        );
        let over = ApproveForm {
            amount: "750 000,01".into(),
            ..ok.clone()
        };
        assert!(over.validate(dec("750000"), today).is_err());
        let past = ApproveForm {
            planned_date: "2025-03-31".into(),
            ..ok
        };
        assert!(past.validate(dec("750000"), today).is_err());
    }

    #[test]
    fn an_extension_is_later_than_the_deadline_with_a_reason_of_at_most_2000_characters() {
        let deadlines = crate::programme::model::standard_deadlines(2025);
        let today = date(2025, 4, 2);
        let ok = ExtensionForm {
            organisation_id: String::new(),
            deadline: "requisition".into(),
            new_deadline: "2025-04-15".into(),
            reason: "Sjukdom".into(),
        };
        assert_eq!(
            ok.validate(&deadlines, today).ok(),
            Some((
                ExtendedDeadline::Requisition,
                date(2025, 4, 15),
                "Sjukdom".into()
            ))
        );
        let long = ExtensionForm {
            reason: "x".repeat(2001),
            ..ok.clone()
        };
        let errors = long.validate(&deadlines, today).expect_err("too long");
        assert!(
            errors
                .get("reason")
                .is_some_and(|e| e.contains("högst 2000 tecken"))
        );
    }

    #[test]
    fn a_report_or_repayment_extension_is_measured_against_its_own_deadline() {
        let deadlines = crate::programme::model::standard_deadlines(2025);
        let today = date(2026, 1, 20);
        let report = ExtensionForm {
            organisation_id: String::new(),
            deadline: "report".into(),
            new_deadline: "2026-01-31".into(),
            reason: "Sjukdom".into(),
        };
        let errors = report.validate(&deadlines, today).expect_err("not later");
        assert!(
            errors
                .get("new_deadline")
                .is_some_and(|e| e.contains("31 januari 2026"))
        );
        let later = ExtensionForm {
            new_deadline: "2026-02-15".into(),
            ..report.clone()
        };
        assert_eq!(
            later.validate(&deadlines, today).ok().map(|(d, _, _)| d),
            Some(ExtendedDeadline::Report)
        );
        let repayment = ExtensionForm {
            deadline: "repayment".into(),
            new_deadline: "2026-03-15".into(),
            ..report.clone()
        };
        assert!(repayment.validate(&deadlines, today).is_ok());
        let unknown = ExtensionForm {
            deadline: "summary".into(),
            ..report
        };
        assert!(
            unknown
                .validate(&deadlines, today)
                .expect_err("not a regional deadline")
                .get("deadline")
                .is_some()
        );
    }

    #[test]
    fn a_payment_is_at_most_approved_done_and_has_a_voucher() {
        let today = date(2025, 4, 1);
        let ok = PaidForm {
            paid_date: "2025-04-01".into(),
            amount: "750000".into(),
            voucher_number: "V-1".into(),
        };
        assert!(ok.validate(dec("750000"), today).is_ok());
        assert!(
            PaidForm {
                amount: "750001".into(),
                ..ok.clone()
            }
            .validate(dec("750000"), today)
            .is_err()
        );
        assert!(
            PaidForm {
                paid_date: "2025-04-02".into(),
                ..ok.clone()
            }
            .validate(dec("750000"), today)
            .is_err()
        );
        assert!(
            PaidForm {
                voucher_number: " ".into(),
                ..ok
            }
            .validate(dec("750000"), today)
            .is_err()
        );
    }
}
