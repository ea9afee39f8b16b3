//! The pure rules of repayment: what is owed, what remains, over-payment, overdue days,
//! and Tillväxtverket's own account with Kammarkollegiet. Every page and export that shows
//! these numbers calls these functions.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;

use crate::{
    dates::parse_date,
    money::{Amount, format_kronor},
    web::FormErrors,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "repayment_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PaymentState {
    Registered,
    Confirmed,
}

impl PaymentState {
    pub fn label(self) -> &'static str {
        match self {
            PaymentState::Registered => "Registrerad av regionen, ej bekräftad",
            PaymentState::Confirmed => "Mottagen",
        }
    }
}

/// An actor's repayment for a year. `owed` is the unused amount of the latest approved
/// report version or, until one is approved, of the submitted one; `None` before any
/// report is submitted (the region cannot pay yet).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Balance {
    pub owed: Option<Decimal>,
    /// `owed` is an approved report's, not only a submitted one's.
    pub approved: bool,
    /// Registered by the region, not yet confirmed: settles nothing.
    pub registered: Decimal,
    /// Confirmed as received in Tillväxtverket's account.
    pub received: Decimal,
    /// Over-payments paid back to the region.
    pub refunded: Decimal,
    /// Refunds prepared or approved, not yet paid.
    pub refunding: Decimal,
    /// The first day the region could pay: the day its report was first submitted.
    pub opened_on: Option<NaiveDate>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// No approved report yet.
    NotOpen,
    /// Everything was used: settled at once.
    NothingOwed,
    Open,
    Settled,
    /// More received than owed: to be refunded to the region.
    Overpaid,
}

impl Balance {
    pub fn owed_or_zero(&self) -> Decimal {
        self.owed.unwrap_or_default()
    }

    /// What the region has paid and kept paid: received less what was refunded to it.
    pub fn net(&self) -> Decimal {
        self.received - self.refunded
    }

    /// What is still to pay; never negative.
    pub fn remaining(&self) -> Decimal {
        (self.owed_or_zero() - self.net()).max(Decimal::ZERO)
    }

    /// Received beyond what is owed and not yet refunded: the region's money, owed to it.
    pub fn overpaid(&self) -> Decimal {
        match self.owed {
            Some(owed) => (self.net() - owed).max(Decimal::ZERO),
            None => Decimal::ZERO,
        }
    }

    /// Over-payment no refund has been prepared for yet.
    pub fn to_prepare(&self) -> Decimal {
        (self.overpaid() - self.refunding).max(Decimal::ZERO)
    }

    /// What may be refunded now: the over-payment no refund is prepared for, once what the
    /// region owes rests on an approved report. Until then the figure is the region's own
    /// and may still change (the database holds the same rule: `refunds_rest_on_approved_report`).
    pub fn refundable(&self) -> Decimal {
        match self.approved {
            true => self.to_prepare(),
            false => Decimal::ZERO,
        }
    }

    /// What goes on to Kammarkollegiet from this region: what it paid and kept paid, never
    /// more than it owed. A refund leaves it unchanged; an over-payment never adds to it.
    pub fn counted(&self) -> Decimal {
        self.net().min(self.owed_or_zero())
    }

    /// What the region still has to pay beyond the payments it registered (the form's
    /// suggestion).
    pub fn to_register(&self) -> Decimal {
        (self.remaining() - self.registered).max(Decimal::ZERO)
    }

    pub fn status(&self) -> Status {
        match self.owed {
            None => Status::NotOpen,
            Some(owed) if owed.is_zero() && self.received.is_zero() => Status::NothingOwed,
            Some(owed) if self.net() > owed => Status::Overpaid,
            Some(owed) if self.net() == owed => Status::Settled,
            Some(_) => Status::Open,
        }
    }

    /// Days past the deadline with something still to pay, counting only the days on
    /// which the region could have paid (from the day its report was submitted).
    pub fn days_overdue(&self, today: NaiveDate, deadline: NaiveDate) -> Option<i64> {
        if self.status() != Status::Open {
            return None;
        }
        let could_pay_from = self.opened_on.unwrap_or(today);
        let last_free_day = deadline.max(could_pay_from.pred_opt().unwrap_or(could_pay_from));
        (today > last_free_day).then(|| (today - last_free_day).num_days())
    }
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::NotOpen => "Öppnas när redovisningen är inlämnad",
            Status::NothingOwed => "Inget att återbetala",
            Status::Open => "Att betala",
            Status::Settled => "Reglerad",
            Status::Overpaid => "För mycket inbetalt – Tillväxtverket betalar tillbaka",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Status::NotOpen => "ej-oppen",
            Status::NothingOwed => "inget",
            Status::Open => "att-betala",
            Status::Settled => "reglerad",
            Status::Overpaid => "overbetalt",
        }
    }
}

/// A refund of an over-payment to the region, with the four eyes of a payout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "refund_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    Prepared,
    Approved,
    Paid,
    SentBack,
}

impl RefundState {
    pub fn label(self) -> &'static str {
        match self {
            RefundState::Prepared => "Förberedd, väntar på attest",
            RefundState::Approved => "Attesterad, väntar på betalning",
            RefundState::Paid => "Utbetald till regionen",
            RefundState::SentBack => "Skickad tillbaka",
        }
    }
}

/// What may be done to a refund, from which state, to which.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundAction {
    Approve,
    SendBack,
    RegisterPaid,
}

impl RefundAction {
    pub fn from_state(self) -> RefundState {
        match self {
            RefundAction::Approve | RefundAction::SendBack => RefundState::Prepared,
            RefundAction::RegisterPaid => RefundState::Approved,
        }
    }

    pub fn target(self) -> RefundState {
        match self {
            RefundAction::Approve => RefundState::Approved,
            RefundAction::SendBack => RefundState::SentBack,
            RefundAction::RegisterPaid => RefundState::Paid,
        }
    }

    pub fn allowed(self, state: RefundState) -> bool {
        self.from_state() == state
    }

    /// The audit action.
    pub fn audit(self) -> &'static str {
        match self {
            RefundAction::Approve => "refund.approved",
            RefundAction::SendBack => "refund.sent_back",
            RefundAction::RegisterPaid => "refund.paid",
        }
    }
}

/// The case officer's refund: an amount within the over-payment not yet prepared, and the
/// day it is to be paid.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RefundForm {
    pub amount: String,
    pub planned_date: String,
}

impl RefundForm {
    pub fn validate(
        &self,
        to_prepare: Decimal,
        today: NaiveDate,
    ) -> Result<(Decimal, NaiveDate), FormErrors> {
        let mut errors = FormErrors::default();
        let amount = positive(&mut errors, "amount", &self.amount);
        let amount = match amount {
            Some(a) if a > to_prepare => {
                errors.add(
                    "amount",
                    format!(
                        "Högst {}: det som är inbetalt för mycket och inte redan ska betalas tillbaka.",
                        format_kronor(to_prepare)
                    ),
                );
                None
            }
            a => a,
        };
        let planned = match parse_date(&self.planned_date) {
            Ok(d) if d < today => {
                errors.add("planned_date", "Datumet kan inte ligga bakåt i tiden.");
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                errors.add("planned_date", e);
                None
            }
        };
        match (amount, planned) {
            (Some(a), Some(d)) => Ok((a, d)),
            _ => Err(errors),
        }
    }
}

/// The payment of an approved refund: when, and the voucher in Tillväxtverket's books.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RefundPaidForm {
    pub paid_date: String,
    pub voucher_number: String,
}

impl RefundPaidForm {
    pub fn validate(&self, today: NaiveDate) -> Result<(NaiveDate, String), FormErrors> {
        let mut errors = FormErrors::default();
        let paid = past_date(&mut errors, "paid_date", &self.paid_date, today);
        let voucher = short_text(
            &mut errors,
            "voucher_number",
            &self.voucher_number,
            "Ange verifikationsnumret i Tillväxtverkets bokföring.",
        );
        match (paid, voucher) {
            (Some(p), Some(v)) => Ok((p, v)),
            _ => Err(errors),
        }
    }
}

/// The reference a region puts on its repayment, so it can be matched to the case.
pub fn payment_reference(case_number: &str) -> String {
    format!("{case_number}-AB")
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct PaymentForm {
    pub paid_on: String,
    pub amount: String,
    pub reference: String,
}

pub struct Payment {
    pub paid_on: NaiveDate,
    pub amount: Decimal,
    pub reference: String,
}

fn positive(errors: &mut FormErrors, field: &'static str, input: &str) -> Option<Decimal> {
    match Amount::parse(input) {
        Ok(a) if a.value() > Decimal::ZERO => Some(a.value()),
        Ok(_) => {
            errors.add(field, "Beloppet måste vara större än 0 kr.");
            None
        }
        Err(e) => {
            errors.add(field, e);
            None
        }
    }
}

fn past_date(
    errors: &mut FormErrors,
    field: &'static str,
    input: &str,
    today: NaiveDate,
) -> Option<NaiveDate> {
    match parse_date(input) {
        Ok(d) if d > today => {
            errors.add(field, "Datumet kan inte ligga i framtiden.");
            None
        }
        Ok(d) => Some(d),
        Err(e) => {
            errors.add(field, e);
            None
        }
    }
}

fn short_text(
    errors: &mut FormErrors,
    field: &'static str,
    input: &str,
    missing: &str,
) -> Option<String> {
    let v = input.trim();
    if v.is_empty() {
        errors.add(field, missing);
        None
    } else if v.chars().count() > 50 {
        errors.add(field, "Högst 50 tecken.");
        None
    } else {
        Some(v.to_string())
    }
}

impl PaymentForm {
    pub fn validate(&self, today: NaiveDate) -> Result<Payment, FormErrors> {
        let mut errors = FormErrors::default();
        let paid_on = past_date(&mut errors, "paid_on", &self.paid_on, today);
        let amount = positive(&mut errors, "amount", &self.amount);
        let reference = short_text(
            &mut errors,
            "reference",
            &self.reference,
            "Ange referensen ni använde på betalningen.",
        );
        match (paid_on, amount, reference) {
            (Some(paid_on), Some(amount), Some(reference)) => Ok(Payment {
                paid_on,
                amount,
                reference,
            }),
            _ => Err(errors),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    pub received_on: String,
    pub received_amount: String,
    pub verification_number: String,
}

pub struct Confirmation {
    pub received_on: NaiveDate,
    pub received_amount: Decimal,
    pub verification_number: String,
}

impl ConfirmForm {
    pub fn validate(&self, today: NaiveDate) -> Result<Confirmation, FormErrors> {
        let mut errors = FormErrors::default();
        let received_on = past_date(&mut errors, "received_on", &self.received_on, today);
        let received_amount = positive(&mut errors, "received_amount", &self.received_amount);
        let verification_number = short_text(
            &mut errors,
            "verification_number",
            &self.verification_number,
            "Ange verifikationsnumret i Tillväxtverkets bokföring.",
        );
        match (received_on, received_amount, verification_number) {
            (Some(received_on), Some(received_amount), Some(verification_number)) => {
                Ok(Confirmation {
                    received_on,
                    received_amount,
                    verification_number,
                })
            }
            _ => Err(errors),
        }
    }
}

/// At most 23 000 000 kr a year from Kammarkollegiet (21 × 1 Mkr + 2 Mkr), I2021/00795.
pub const AGENCY_REQUISITION_MAX: Decimal = Decimal::from_parts(23_000_000, 0, 0, false, 0);

/// The frame of I2021/00795 applies to 2021–2025 only; no decision gives one for other
/// years. As `agency_frame()` in the schema.
pub fn agency_frame(year: i32) -> Option<Decimal> {
    (2021..=2025)
        .contains(&year)
        .then_some(AGENCY_REQUISITION_MAX)
}

/// Tillväxtverket's own support work: 1 000 000 kr in 2018 (N2018/04129), 2 000 000 kr a
/// year 2019–2025 (N2018/04129, I2021/00795); no decision gives a cap for other years.
/// As `agency_support_cap()` in the schema.
pub fn support_cap(year: i32) -> Option<Decimal> {
    match year {
        2018 => Some(Decimal::from(1_000_000)),
        2019..=2025 => Some(Decimal::from(2_000_000)),
        _ => None,
    }
}

/// Tillväxtverket's account with Kammarkollegiet for a year.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AgencyAccount {
    pub year: i32,
    pub requisitioned: Option<Decimal>,
    pub requisitioned_on: Option<NaiveDate>,
    pub support_costs: Decimal,
    pub repaid: Option<Decimal>,
    pub repaid_on: Option<NaiveDate>,
    /// Paid out to the actors (registered payments).
    pub paid_out: Decimal,
    /// Repayments from the regions confirmed as received.
    pub received_from_regions: Decimal,
    /// Over-payments paid back to the regions.
    pub refunded_to_regions: Decimal,
    /// Over-payments not yet paid back: the regions' money, owed to them.
    pub owed_to_regions: Decimal,
    /// Σ over the regions of what each paid and kept paid, never more than it owed
    /// (`Balance::counted`): what goes on to Kammarkollegiet.
    pub counted_from_regions: Decimal,
}

impl AgencyAccount {
    /// What Tillväxtverket must repay to Kammarkollegiet: requisitioned − paid out − own
    /// costs + what the regions owed and paid. Computed, never typed.
    pub fn to_repay(&self) -> Decimal {
        self.requisitioned.unwrap_or_default() - self.paid_out - self.support_costs
            + self.counted_from_regions
    }

    /// What the decisions and the dates say about the account, for the page and the
    /// documents to Kammarkollegiet.
    pub fn checks(&self, agency_requisition_deadline: NaiveDate) -> Vec<String> {
        let mut checks = Vec::new();
        if let Some(on) = self.requisitioned_on
            && on > agency_requisition_deadline
        {
            checks.push(format!(
                "Rekvisitionen från Kammarkollegiet är daterad {}, efter sista dagen {}.",
                crate::dates::format_date(on),
                crate::dates::format_date(agency_requisition_deadline)
            ));
        }
        let requisitioned = self.requisitioned.unwrap_or_default();
        if self.paid_out + self.support_costs > requisitioned {
            checks.push(format!(
                "Utbetalt till aktörerna ({}) och egna kostnader ({}) är mer än det som rekvirerats från Kammarkollegiet ({}).",
                format_kronor(self.paid_out),
                format_kronor(self.support_costs),
                format_kronor(requisitioned)
            ));
        }
        if let Some(cap) = support_cap(self.year)
            && self.support_costs > cap
        {
            checks.push(format!(
                "Tillväxtverkets egna kostnader får vara högst {} för {}.",
                format_kronor(cap),
                self.year
            ));
        }
        if let Some(frame) = agency_frame(self.year)
            && requisitioned > frame
        {
            checks.push(format!(
                "Ramen för {} är {}.",
                self.year,
                format_kronor(frame)
            ));
        }
        if self.owed_to_regions > Decimal::ZERO {
            checks.push(format!(
                "{} är inbetalt för mycket av regionerna och ska betalas tillbaka till dem; det räknas inte in i återbetalningen till Kammarkollegiet.",
                format_kronor(self.owed_to_regions)
            ));
        }
        checks
    }

    /// A registered repayment that differs from what the account says is due.
    pub fn repayment_difference(&self) -> Option<Decimal> {
        self.repaid
            .map(|r| r - self.to_repay())
            .filter(|d| !d.is_zero())
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct AgencyForm {
    pub requisitioned: String,
    pub requisitioned_on: String,
    pub support_costs: String,
    pub repaid: String,
    pub repaid_on: String,
}

#[derive(Debug)]
pub struct AgencyEntries {
    pub requisitioned: Option<(Decimal, NaiveDate)>,
    pub support_costs: Decimal,
    pub repaid: Option<(Decimal, NaiveDate)>,
}

impl AgencyForm {
    pub fn validate(&self, year: i32, today: NaiveDate) -> Result<AgencyEntries, FormErrors> {
        let mut errors = FormErrors::default();
        let mut pair = |amount_field: &'static str,
                        date_field: &'static str,
                        amount: &str,
                        date: &str,
                        max: Option<Decimal>| {
            if amount.trim().is_empty() && date.trim().is_empty() {
                return None;
            }
            let value = match Amount::parse(amount) {
                Ok(a) => match max {
                    Some(max) if a.value() > max => {
                        errors.add(amount_field, format!("Högst {}.", format_kronor(max)));
                        None
                    }
                    _ if a.value().is_zero() && amount_field == "requisitioned" => {
                        errors.add(amount_field, "Beloppet måste vara större än 0 kr.");
                        None
                    }
                    _ => Some(a.value()),
                },
                Err(e) => {
                    errors.add(amount_field, e);
                    None
                }
            };
            let on = past_date(&mut errors, date_field, date, today);
            value.zip(on)
        };
        let requisitioned = pair(
            "requisitioned",
            "requisitioned_on",
            &self.requisitioned,
            &self.requisitioned_on,
            agency_frame(year),
        );
        let repaid = pair("repaid", "repaid_on", &self.repaid, &self.repaid_on, None);
        let support_costs = if self.support_costs.trim().is_empty() {
            Decimal::ZERO
        } else {
            match (Amount::parse(&self.support_costs), support_cap(year)) {
                (Ok(a), Some(cap)) if a.value() > cap => {
                    errors.add(
                        "support_costs",
                        format!("Högst {} för {year}.", format_kronor(cap)),
                    );
                    Decimal::ZERO
                }
                (Ok(a), _) => a.value(),
                (Err(e), _) => {
                    errors.add("support_costs", e);
                    Decimal::ZERO
                }
            }
        };
        if errors.is_empty() {
            Ok(AgencyEntries {
                requisitioned,
                support_costs,
                repaid,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("date")
    }

    #[test]
    fn nothing_used_nothing_owed_and_part_use_owe_what_is_left() {
        let everything_used = Balance {
            owed: Some(Decimal::ZERO),
            ..Default::default()
        };
        assert_eq!(everything_used.status(), Status::NothingOwed);
        assert_eq!(everything_used.remaining(), Decimal::ZERO);
        let part = Balance {
            owed: Some(dec("190000")),
            registered: dec("100000"),
            received: Decimal::ZERO,
            ..Default::default()
        };
        assert_eq!(part.status(), Status::Open, "registered is not received");
        assert_eq!(part.remaining(), dec("190000"));
        let paid_in_parts = Balance {
            owed: Some(dec("190000")),
            registered: Decimal::ZERO,
            received: dec("190000"),
            ..Default::default()
        };
        assert_eq!(paid_in_parts.status(), Status::Settled);
        assert_eq!(Balance::default().status(), Status::NotOpen);
    }

    #[test]
    fn over_payment_is_flagged_for_refund_never_absorbed() {
        let b = Balance {
            owed: Some(dec("100")),
            registered: Decimal::ZERO,
            received: dec("150.50"),
            ..Default::default()
        };
        assert_eq!(b.status(), Status::Overpaid);
        assert_eq!(b.overpaid(), dec("50.50"));
        assert_eq!(b.remaining(), Decimal::ZERO);
    }

    #[test]
    fn overdue_days_count_from_the_deadline_while_something_remains() {
        let deadline = date(2026, 2, 26);
        let open = Balance {
            owed: Some(dec("1")),
            opened_on: Some(date(2026, 1, 20)),
            ..Default::default()
        };
        assert_eq!(open.days_overdue(date(2026, 2, 26), deadline), None);
        assert_eq!(open.days_overdue(date(2026, 3, 3), deadline), Some(5));
        let settled = Balance {
            owed: Some(dec("1")),
            received: dec("1"),
            ..Default::default()
        };
        assert_eq!(settled.days_overdue(date(2026, 3, 3), deadline), None);
    }

    #[test]
    fn overdue_counts_only_the_days_on_which_the_region_could_pay() {
        let deadline = date(2026, 2, 26);
        // The report was submitted on 2 March: the region could pay from that day.
        let late_report = Balance {
            owed: Some(dec("1000")),
            opened_on: Some(date(2026, 3, 2)),
            ..Default::default()
        };
        assert_eq!(late_report.days_overdue(date(2026, 3, 1), deadline), None);
        assert_eq!(
            late_report.days_overdue(date(2026, 3, 2), deadline),
            Some(1),
            "the day it could first pay counts"
        );
        assert_eq!(
            late_report.days_overdue(date(2026, 3, 10), deadline),
            Some(9)
        );
        let not_open = Balance::default();
        assert_eq!(not_open.days_overdue(date(2026, 6, 1), deadline), None);
    }

    #[test]
    fn a_refund_pays_back_the_over_payment_and_leaves_what_goes_on_unchanged() {
        let overpaid = Balance {
            owed: Some(dec("100000")),
            approved: true,
            received: dec("150000"),
            refunding: dec("20000"),
            opened_on: Some(date(2026, 1, 20)),
            ..Default::default()
        };
        assert_eq!(overpaid.status(), Status::Overpaid);
        assert_eq!(overpaid.overpaid(), dec("50000"));
        assert_eq!(overpaid.to_prepare(), dec("30000"));
        assert_eq!(overpaid.refundable(), dec("30000"));
        let on_a_submitted_report = Balance {
            approved: false,
            ..overpaid
        };
        assert_eq!(on_a_submitted_report.to_prepare(), dec("30000"));
        assert_eq!(
            on_a_submitted_report.refundable(),
            Decimal::ZERO,
            "nothing is refunded on figures nobody approved"
        );
        assert_eq!(overpaid.counted(), dec("100000"), "never more than owed");
        let refunded = Balance {
            refunded: dec("50000"),
            refunding: Decimal::ZERO,
            ..overpaid
        };
        assert_eq!(refunded.status(), Status::Settled);
        assert_eq!(refunded.overpaid(), Decimal::ZERO);
        assert_eq!(refunded.counted(), overpaid.counted());
        // A later approved version owes more: the refund was too much, and the region pays
        // the difference.
        let more_owed = Balance {
            owed: Some(dec("120000")),
            ..refunded
        };
        assert_eq!(more_owed.status(), Status::Open);
        assert_eq!(more_owed.remaining(), dec("20000"));
        assert_eq!(more_owed.counted(), dec("100000"));
    }

    #[test]
    fn the_caps_are_the_decisions_of_each_year() {
        assert_eq!(support_cap(2018), Some(dec("1000000")));
        assert_eq!(support_cap(2019), Some(dec("2000000")));
        assert_eq!(support_cap(2025), Some(dec("2000000")));
        assert_eq!(support_cap(2026), None);
        assert_eq!(agency_frame(2020), None);
        assert_eq!(agency_frame(2021), Some(dec("23000000")));
        assert_eq!(agency_frame(2025), Some(dec("23000000")));
        assert_eq!(agency_frame(2026), None);
        let costs_2018 = AgencyForm {
            support_costs: "1 000 000,01".into(),
            ..Default::default()
        };
        assert!(
            costs_2018
                .validate(2018, date(2019, 1, 10))
                .expect_err("over 1 Mkr in 2018")
                .get("support_costs")
                .is_some()
        );
        let requisition_2019 = AgencyForm {
            requisitioned: "24 000 000".into(),
            requisitioned_on: "2019-11-20".into(),
            ..Default::default()
        };
        assert!(requisition_2019.validate(2019, date(2019, 12, 1)).is_ok());
    }

    #[test]
    fn the_account_checks_the_date_the_total_and_the_caps() {
        let account = AgencyAccount {
            year: 2025,
            requisitioned: Some(dec("22000000")),
            requisitioned_on: Some(date(2025, 12, 2)),
            support_costs: dec("1500000"),
            paid_out: dec("21000000"),
            owed_to_regions: dec("10"),
            ..Default::default()
        };
        let checks = account.checks(date(2025, 12, 1));
        assert_eq!(checks.len(), 3, "{checks:?}");
        assert!(checks[0].contains("efter sista dagen 1 december 2025"));
        assert!(checks[1].contains("mer än det som rekvirerats"));
        assert!(checks[2].contains(&format_kronor(dec("10"))));
        let fine = AgencyAccount {
            requisitioned: Some(dec("23000000")),
            requisitioned_on: Some(date(2025, 11, 20)),
            owed_to_regions: Decimal::ZERO,
            ..account
        };
        assert!(fine.checks(date(2025, 12, 1)).is_empty());
    }

    #[test]
    fn tillvaxtverket_repays_requisitioned_less_paid_out_and_own_costs_plus_what_the_regions_repaid()
     {
        let account = AgencyAccount {
            year: 2025,
            requisitioned: Some(dec("23000000")),
            support_costs: dec("1850000.25"),
            paid_out: dec("20500000"),
            received_from_regions: dec("412345.67"),
            refunded_to_regions: dec("60000"),
            owed_to_regions: dec("40000"),
            counted_from_regions: dec("312345.67"),
            ..Default::default()
        };
        assert_eq!(account.to_repay(), dec("962345.42"));
        let repaid = AgencyAccount {
            repaid: Some(dec("962345.42")),
            ..account.clone()
        };
        assert_eq!(repaid.repayment_difference(), None);
        let wrong = AgencyAccount {
            repaid: Some(dec("962345")),
            ..account
        };
        assert_eq!(wrong.repayment_difference(), Some(dec("-0.42")));
    }

    #[test]
    fn the_agency_form_keeps_the_limits() {
        let today = date(2025, 12, 1);
        let over = AgencyForm {
            requisitioned: "23 000 000,01".into(),
            requisitioned_on: "2025-11-20".into(),
            ..Default::default()
        };
        assert!(
            over.validate(2025, today)
                .expect_err("over 23 Mkr")
                .get("requisitioned")
                .is_some()
        );
        let costs = AgencyForm {
            support_costs: "2 000 001".into(),
            ..Default::default()
        };
        assert!(
            costs
                .validate(2025, today)
                .expect_err("over 2 Mkr")
                .get("support_costs")
                .is_some()
        );
        let undated = AgencyForm {
            requisitioned: "23 000 000".into(),
            ..Default::default()
        };
        assert!(
            undated
                .validate(2025, today)
                .expect_err("needs a date")
                .get("requisitioned_on")
                .is_some()
        );
        let ok = AgencyForm {
            requisitioned: "23 000 000".into(),
            requisitioned_on: "2025-11-20".into(),
            support_costs: "1 900 000".into(),
            ..Default::default()
        };
        let entries = ok.validate(2025, today).expect("valid");
        assert_eq!(
            entries.requisitioned,
            Some((dec("23000000"), date(2025, 11, 20)))
        );
        assert!(entries.repaid.is_none());
    }

    #[test]
    fn a_refund_is_approved_or_sent_back_once_prepared_and_paid_once_approved() {
        use RefundState::*;
        assert!(RefundAction::Approve.allowed(Prepared));
        assert!(RefundAction::SendBack.allowed(Prepared));
        assert!(!RefundAction::RegisterPaid.allowed(Prepared));
        assert!(RefundAction::RegisterPaid.allowed(Approved));
        for done in [Paid, SentBack] {
            for action in [
                RefundAction::Approve,
                RefundAction::SendBack,
                RefundAction::RegisterPaid,
            ] {
                assert!(!action.allowed(done), "{action:?} from {done:?}");
            }
        }
    }

    #[test]
    fn a_refund_is_at_most_what_is_left_to_prepare_and_paid_with_a_voucher() {
        let today = date(2026, 3, 5);
        let ok = RefundForm {
            amount: "30 000".into(),
            planned_date: "2026-03-10".into(),
        };
        assert_eq!(
            ok.validate(dec("30000"), today).ok(),
            Some((dec("30000"), date(2026, 3, 10)))
        );
        let errors = ok.validate(dec("29999.99"), today).expect_err("too much");
        assert!(errors.get("amount").is_some_and(|e| e.contains("Högst")));
        let past = RefundForm {
            planned_date: "2026-03-04".into(),
            ..ok
        };
        assert!(
            past.validate(dec("30000"), today)
                .expect_err("past")
                .get("planned_date")
                .is_some()
        );
        let paid = RefundPaidForm {
            paid_date: "2026-03-05".into(),
            voucher_number: String::new(),
        };
        assert!(
            paid.validate(today)
                .expect_err("voucher")
                .get("voucher_number")
                .is_some()
        );
    }

    #[test]
    fn the_reference_is_derived_from_the_case_number() {
        assert_eq!(payment_reference("DK-2025-007"), "DK-2025-007-AB");
    }
}
