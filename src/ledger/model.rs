//! The ledger's rules, pure: the account plan an administrator sets (what it must hold and
//! what is still missing), the voucher each money event makes, and the SIE 4I file the
//! vouchers are written as (PC8, CRLF, quoted texts, object lists).

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{programme::model::parse_org_number, web::FormErrors};

// ---- The account plan ----

/// What an account is for in the vouchers Digikoord makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    /// Debited at each payout to an actor (the grant expense, *lämnade bidrag*).
    Payout,
    /// The other side of every voucher: the money out of and into the agency's account.
    Bank,
    /// Credited when a region's repayment is confirmed as received.
    Repayment,
    /// Debited when an over-payment is paid back to the region.
    Refund,
    /// Credited by the requisition from Kammarkollegiet, debited by the repayment to it.
    Appropriation,
}

impl Purpose {
    /// In the form's order: the bank account second, so a clash is named beside the later one.
    pub const ALL: [Purpose; 5] = [
        Purpose::Payout,
        Purpose::Bank,
        Purpose::Repayment,
        Purpose::Refund,
        Purpose::Appropriation,
    ];

    /// The form's field (and column) of the account number.
    pub fn field(self) -> &'static str {
        match self {
            Purpose::Payout => "payout_account",
            Purpose::Bank => "bank_account",
            Purpose::Repayment => "repayment_account",
            Purpose::Refund => "refund_account",
            Purpose::Appropriation => "appropriation_account",
        }
    }

    /// The form's field (and column) of the account's name.
    pub fn name_field(self) -> &'static str {
        match self {
            Purpose::Payout => "payout_account_name",
            Purpose::Bank => "bank_account_name",
            Purpose::Repayment => "repayment_account_name",
            Purpose::Refund => "refund_account_name",
            Purpose::Appropriation => "appropriation_account_name",
        }
    }

    /// What the export page says is missing while the account is unset.
    pub fn missing(self) -> &'static str {
        match self {
            Purpose::Payout => "Konto för utbetalningar till aktörerna",
            Purpose::Bank => "Bankkonto (avräkning)",
            Purpose::Repayment => "Konto för återbetalningar från regionerna",
            Purpose::Refund => "Konto för tillbakabetalningar av överbetalt",
            Purpose::Appropriation => "Konto för anslaget hos Kammarkollegiet",
        }
    }
}

pub const MISSING_ORG_NUMBER: &str = "Tillväxtverkets organisationsnummer";
pub const MISSING_ACTOR_DIMENSION: &str = "Dimension för aktörerna";
pub const MISSING_APPROPRIATION_DIMENSION: &str = "Dimension för anslaget";

/// An account of the agency's plan: its number and its name, as the accounting system has them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Account {
    pub number: String,
    pub name: String,
}

/// The one row of settings, as stored: every account, the organisation number and the two
/// dimensions `None` until an administrator sets them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Settings {
    pub company_name: String,
    pub org_number: Option<String>,
    pub voucher_series: String,
    pub payout_account: Option<String>,
    pub payout_account_name: Option<String>,
    pub bank_account: Option<String>,
    pub bank_account_name: Option<String>,
    pub repayment_account: Option<String>,
    pub repayment_account_name: Option<String>,
    pub refund_account: Option<String>,
    pub refund_account_name: Option<String>,
    pub appropriation_account: Option<String>,
    pub appropriation_account_name: Option<String>,
    pub actor_dimension: Option<i32>,
    pub appropriation_dimension: Option<i32>,
    pub expenditure_area: String,
    pub appropriation: String,
    pub appropriation_item: String,
}

impl Settings {
    /// The account set for `purpose`, or `None` while it is unset.
    pub fn account(&self, purpose: Purpose) -> Option<Account> {
        let (number, name) = match purpose {
            Purpose::Payout => (&self.payout_account, &self.payout_account_name),
            Purpose::Bank => (&self.bank_account, &self.bank_account_name),
            Purpose::Repayment => (&self.repayment_account, &self.repayment_account_name),
            Purpose::Refund => (&self.refund_account, &self.refund_account_name),
            Purpose::Appropriation => (
                &self.appropriation_account,
                &self.appropriation_account_name,
            ),
        };
        Some(Account {
            number: number.clone()?,
            name: name.clone()?,
        })
    }

    pub fn coding(&self) -> Coding {
        Coding {
            expenditure_area: self.expenditure_area.clone(),
            appropriation: self.appropriation.clone(),
            item: self.appropriation_item.clone(),
        }
    }

    /// What must still be set before a file can be made, in the form's order.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.org_number.is_none() {
            missing.push(MISSING_ORG_NUMBER);
        }
        for purpose in Purpose::ALL {
            if self.account(purpose).is_none() {
                missing.push(purpose.missing());
            }
        }
        if self.actor_dimension.is_none() {
            missing.push(MISSING_ACTOR_DIMENSION);
        }
        if self.appropriation_dimension.is_none() {
            missing.push(MISSING_APPROPRIATION_DIMENSION);
        }
        missing
    }

    /// The plan the file is written with, or what is missing.
    pub fn plan(&self) -> Result<Plan, Vec<&'static str>> {
        let (
            Some(org_number),
            Some(payout),
            Some(bank),
            Some(repayment),
            Some(refund),
            Some(appropriation),
            Some(actor_dimension),
            Some(appropriation_dimension),
        ) = (
            self.org_number.clone(),
            self.account(Purpose::Payout),
            self.account(Purpose::Bank),
            self.account(Purpose::Repayment),
            self.account(Purpose::Refund),
            self.account(Purpose::Appropriation),
            self.actor_dimension.and_then(|d| u32::try_from(d).ok()),
            self.appropriation_dimension
                .and_then(|d| u32::try_from(d).ok()),
        )
        else {
            return Err(self.missing());
        };
        Ok(Plan {
            company_name: self.company_name.clone(),
            org_number,
            series: self.voucher_series.clone(),
            payout,
            bank,
            repayment,
            refund,
            appropriation,
            actor_dimension,
            appropriation_dimension,
            coding: self.coding(),
        })
    }
}

/// Where the costs are charged in the state budget: utgiftsområde, anslag, anslagspost.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Coding {
    pub expenditure_area: String,
    pub appropriation: String,
    pub item: String,
}

impl Coding {
    /// The object code in the appropriation's dimension: `UO22-2:4-ap4`.
    pub fn object(&self) -> String {
        format!(
            "UO{}-{}-ap{}",
            self.expenditure_area, self.appropriation, self.item
        )
    }

    /// The object's name: `Utgiftsområde 22, anslag 2:4, anslagspost 4`.
    pub fn describe(&self) -> String {
        format!(
            "Utgiftsområde {}, anslag {}, anslagspost {}",
            self.expenditure_area, self.appropriation, self.item
        )
    }
}

/// A complete account plan: what a file is written with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub company_name: String,
    pub org_number: String,
    pub series: String,
    pub payout: Account,
    pub bank: Account,
    pub repayment: Account,
    pub refund: Account,
    pub appropriation: Account,
    pub actor_dimension: u32,
    pub appropriation_dimension: u32,
    pub coding: Coding,
}

// ---- The form ----

/// The account plan as typed on `/admin/bokforing`.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub company_name: String,
    pub org_number: String,
    pub voucher_series: String,
    pub payout_account: String,
    pub payout_account_name: String,
    pub bank_account: String,
    pub bank_account_name: String,
    pub repayment_account: String,
    pub repayment_account_name: String,
    pub refund_account: String,
    pub refund_account_name: String,
    pub appropriation_account: String,
    pub appropriation_account_name: String,
    pub actor_dimension: String,
    pub appropriation_dimension: String,
    pub expenditure_area: String,
    pub appropriation: String,
    pub appropriation_item: String,
}

/// An account number as the accounting system has it: 3–8 digits.
pub fn parse_account_number(input: &str) -> Result<String, &'static str> {
    let s = input.trim();
    if !s.bytes().all(|b| b.is_ascii_digit()) || !(3..=8).contains(&s.len()) {
        return Err("Ange kontonumret med 3–8 siffror, som i kontoplanen (till exempel 1930).");
    }
    Ok(s.to_string())
}

/// A SIE dimension number, 1–999.
pub fn parse_dimension(input: &str) -> Result<i32, &'static str> {
    let s = input.trim();
    match s.parse::<i32>() {
        Ok(n) if s.bytes().all(|b| b.is_ascii_digit()) && (1..=999).contains(&n) => Ok(n),
        _ => Err("Ange dimensionens nummer, 1–999, som i ekonomisystemet (till exempel 20)."),
    }
}

/// One to three digits (`22`), or two such numbers with a colon between (`2:4`).
fn is_code(s: &str, with_colon: bool) -> bool {
    let digits = |p: &str| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit());
    if with_colon {
        s.split_once(':')
            .is_some_and(|(a, b)| digits(a) && digits(b))
    } else {
        digits(s)
    }
}

impl SettingsForm {
    /// The form as the settings stand.
    pub fn of(s: &Settings) -> SettingsForm {
        let t = |v: &Option<String>| v.clone().unwrap_or_default();
        let d = |v: Option<i32>| v.map(|n| n.to_string()).unwrap_or_default();
        SettingsForm {
            company_name: s.company_name.clone(),
            org_number: t(&s.org_number),
            voucher_series: s.voucher_series.clone(),
            payout_account: t(&s.payout_account),
            payout_account_name: t(&s.payout_account_name),
            bank_account: t(&s.bank_account),
            bank_account_name: t(&s.bank_account_name),
            repayment_account: t(&s.repayment_account),
            repayment_account_name: t(&s.repayment_account_name),
            refund_account: t(&s.refund_account),
            refund_account_name: t(&s.refund_account_name),
            appropriation_account: t(&s.appropriation_account),
            appropriation_account_name: t(&s.appropriation_account_name),
            actor_dimension: d(s.actor_dimension),
            appropriation_dimension: d(s.appropriation_dimension),
            expenditure_area: s.expenditure_area.clone(),
            appropriation: s.appropriation.clone(),
            appropriation_item: s.appropriation_item.clone(),
        }
    }

    /// What was typed for an account: (number, name).
    fn typed(&self, purpose: Purpose) -> (&str, &str) {
        let (number, name) = match purpose {
            Purpose::Payout => (&self.payout_account, &self.payout_account_name),
            Purpose::Bank => (&self.bank_account, &self.bank_account_name),
            Purpose::Repayment => (&self.repayment_account, &self.repayment_account_name),
            Purpose::Refund => (&self.refund_account, &self.refund_account_name),
            Purpose::Appropriation => (
                &self.appropriation_account,
                &self.appropriation_account_name,
            ),
        };
        (number.as_str(), name.as_str())
    }

    /// The settings to store, or the errors beside each field. An account may be left out
    /// (number and name both empty): the export then says it is missing.
    pub fn validate(&self) -> Result<Settings, FormErrors> {
        let mut errors = FormErrors::default();
        let company_name = crate::input::required_text(
            &mut errors,
            "company_name",
            &self.company_name,
            100,
            "Ange myndighetens namn, som det ska stå i filen.",
        )
        .unwrap_or_default();
        let org_number = match self.org_number.trim() {
            "" => None,
            typed => parse_org_number(typed)
                .map_err(|e| errors.add("org_number", e))
                .ok(),
        };
        let voucher_series = self.voucher_series.trim().to_string();
        if voucher_series.is_empty()
            || voucher_series.len() > 10
            || !voucher_series.bytes().all(|b| b.is_ascii_alphanumeric())
        {
            errors.add(
                "voucher_series",
                "Ange serien med 1–10 bokstäver (A–Z) eller siffror, till exempel DK.",
            );
        }

        let mut accounts: Vec<(Purpose, Option<Account>)> = Vec::new();
        for purpose in Purpose::ALL {
            let (number_typed, name_typed) = self.typed(purpose);
            let number = match number_typed.trim() {
                "" => None,
                typed => parse_account_number(typed)
                    .map_err(|e| errors.add(purpose.field(), e))
                    .ok(),
            };
            let name =
                crate::input::optional_text(&mut errors, purpose.name_field(), name_typed, 100);
            if !number_typed.trim().is_empty() && name_typed.trim().is_empty() {
                errors.add(
                    purpose.name_field(),
                    "Ange kontots namn, som det heter i kontoplanen.",
                );
            }
            if number_typed.trim().is_empty() && !name_typed.trim().is_empty() {
                errors.add(purpose.field(), "Ange kontonumret, eller töm namnet.");
            }
            let account = match (number, name) {
                (Some(number), Some(name)) => Some(Account { number, name }),
                _ => None,
            };
            accounts.push((purpose, account));
        }
        for (i, (purpose, account)) in accounts.iter().enumerate() {
            let Some(account) = account else { continue };
            for (earlier, other) in &accounts[..i] {
                let Some(other) = other else { continue };
                if other.number != account.number {
                    continue;
                }
                if *purpose == Purpose::Bank || *earlier == Purpose::Bank {
                    errors.add(
                        purpose.field(),
                        "Bankkontot ska vara ett eget konto, skilt från de övriga.",
                    );
                } else if other.name != account.name {
                    errors.add(
                        purpose.name_field(),
                        format!(
                            "Konto {} heter redan ”{}” ovan: samma konto ska ha samma namn.",
                            account.number, other.name
                        ),
                    );
                }
            }
        }

        let mut dimension = |field: &'static str, input: &str| match input.trim() {
            "" => None,
            typed => parse_dimension(typed)
                .map_err(|e| errors.add(field, e))
                .ok(),
        };
        let actor_dimension = dimension("actor_dimension", &self.actor_dimension);
        let appropriation_dimension =
            dimension("appropriation_dimension", &self.appropriation_dimension);
        if actor_dimension.is_some() && actor_dimension == appropriation_dimension {
            errors.add(
                "appropriation_dimension",
                "Anslaget ska ha en annan dimension än aktörerna.",
            );
        }

        let mut code = |field: &'static str, input: &str, with_colon: bool, message: &str| {
            let typed = input.trim().to_string();
            if !is_code(&typed, with_colon) {
                errors.add(field, message);
            }
            typed
        };
        let expenditure_area = code(
            "expenditure_area",
            &self.expenditure_area,
            false,
            "Ange utgiftsområdet med siffror, till exempel 22.",
        );
        let appropriation = code(
            "appropriation",
            &self.appropriation,
            true,
            "Ange anslaget som nummer:nummer, till exempel 2:4.",
        );
        let appropriation_item = code(
            "appropriation_item",
            &self.appropriation_item,
            false,
            "Ange anslagsposten med siffror, till exempel 4.",
        );

        if !errors.is_empty() {
            return Err(errors);
        }
        let get = |p: Purpose| {
            accounts
                .iter()
                .find(|(q, _)| *q == p)
                .and_then(|(_, a)| a.clone())
        };
        let number = |a: &Option<Account>| a.as_ref().map(|a| a.number.clone());
        let name = |a: &Option<Account>| a.as_ref().map(|a| a.name.clone());
        let (payout, bank, repayment, refund, appropriation_account) = (
            get(Purpose::Payout),
            get(Purpose::Bank),
            get(Purpose::Repayment),
            get(Purpose::Refund),
            get(Purpose::Appropriation),
        );
        Ok(Settings {
            company_name,
            org_number,
            voucher_series,
            payout_account: number(&payout),
            payout_account_name: name(&payout),
            bank_account: number(&bank),
            bank_account_name: name(&bank),
            repayment_account: number(&repayment),
            repayment_account_name: name(&repayment),
            refund_account: number(&refund),
            refund_account_name: name(&refund),
            appropriation_account: number(&appropriation_account),
            appropriation_account_name: name(&appropriation_account),
            actor_dimension,
            appropriation_dimension,
            expenditure_area,
            appropriation,
            appropriation_item,
        })
    }
}

// ---- What is exported: a fiscal year, or a period of it ----

/// The calendar years a file can be made for: each programme year and the year after it
/// (its repayments, refunds and the repayment to Kammarkollegiet fall then).
pub fn fiscal_years(programme_years: &[i32]) -> Vec<i32> {
    let mut years: Vec<i32> = programme_years.iter().flat_map(|y| [*y, y + 1]).collect();
    years.sort_unstable();
    years.dedup();
    years
}

/// The year the export form starts on: this year if it can be exported, else the latest
/// before it, else the first.
pub fn default_fiscal_year(years: &[i32], today: NaiveDate) -> Option<i32> {
    let now = today.year();
    years
        .iter()
        .copied()
        .filter(|y| *y <= now)
        .max()
        .or(years.first().copied())
}

/// The export form (a GET): the fiscal year, and optionally a period within it.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ExportForm {
    pub ar: String,
    pub fran: String,
    pub till: String,
}

/// What a file covers: its fiscal year (`start`–`end`, the `#RAR`) and the days whose
/// vouchers it holds (`from`–`to`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Span {
    pub year: i32,
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Span {
    pub fn whole_year(&self) -> bool {
        self.from == self.start && self.to == self.end
    }

    /// `Digikoord SIE 2025.si`, or `Digikoord SIE 2025-01-01 till 2025-03-31.si`; `.si` is
    /// the ending of a type 4I file.
    pub fn filename(&self) -> String {
        if self.whole_year() {
            format!("Digikoord SIE {}.si", self.year)
        } else {
            format!("Digikoord SIE {} till {}.si", self.from, self.to)
        }
    }
}

fn optional_date(errors: &mut FormErrors, field: &'static str, input: &str) -> Option<NaiveDate> {
    if input.trim().is_empty() {
        return None;
    }
    crate::dates::parse_date(input)
        .map_err(|e| errors.add(field, e))
        .ok()
}

impl ExportForm {
    pub fn for_year(year: Option<i32>) -> ExportForm {
        ExportForm {
            ar: year.map(|y| y.to_string()).unwrap_or_default(),
            ..ExportForm::default()
        }
    }

    /// The span asked for, among the fiscal years `years`.
    pub fn validate(&self, years: &[i32]) -> Result<Span, FormErrors> {
        let mut errors = FormErrors::default();
        let year = match crate::dates::parse_year(&self.ar) {
            Ok(y) if years.contains(&y) => Some(y),
            _ => {
                errors.add(
                    "ar",
                    match (years.first(), years.last()) {
                        (Some(first), Some(last)) => {
                            format!("Välj ett räkenskapsår mellan {first} och {last}.")
                        }
                        _ => "Det finns inga programår att bokföra än.".to_string(),
                    },
                );
                None
            }
        };
        let from = optional_date(&mut errors, "fran", &self.fran);
        let to = optional_date(&mut errors, "till", &self.till);
        let bounds = year.and_then(|y| {
            Some((
                y,
                NaiveDate::from_ymd_opt(y, 1, 1)?,
                NaiveDate::from_ymd_opt(y, 12, 31)?,
            ))
        });
        let Some((year, start, end)) = bounds else {
            return Err(errors);
        };
        let outside = format!("Datumet ska ligga inom räkenskapsåret {year}.");
        if let Some(d) = from
            && !(start..=end).contains(&d)
        {
            errors.add("fran", outside.clone());
        }
        if let Some(d) = to
            && !(start..=end).contains(&d)
        {
            errors.add("till", outside);
        }
        let (from, to) = (from.unwrap_or(start), to.unwrap_or(end));
        if from > to {
            errors.add("till", "Slutdatumet kan inte vara före startdatumet.");
        }
        if errors.is_empty() {
            Ok(Span {
                year,
                start,
                end,
                from,
                to,
            })
        } else {
            Err(errors)
        }
    }
}

// ---- Money events and their vouchers ----

/// What moved money, in the order a day's vouchers are numbered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    /// Tillväxtverket's requisition from Kammarkollegiet (`agency_accounts`).
    AgencyRequisition,
    /// A payout to an actor, registered as paid.
    Payout,
    /// A region's repayment, confirmed as received.
    RepaymentReceived,
    /// An over-payment paid back to the region.
    RefundPaid,
    /// Tillväxtverket's repayment to Kammarkollegiet.
    AgencyRepayment,
}

/// The actor a voucher is about: its object in the actor dimension.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    pub organisation_id: Uuid,
    /// The actor's name in the period of the money.
    pub name: String,
    pub org_number: Option<String>,
}

impl Actor {
    /// The object code: the organisation number, which outlives the actor's names (a
    /// landsting became a region); without one, `DK-` and the start of its id.
    pub fn object(&self) -> String {
        match &self.org_number {
            Some(number) => number.clone(),
            None => {
                let id = self.organisation_id.simple().to_string();
                format!("DK-{}", &id[..8])
            }
        }
    }
}

/// One movement of money, as the tables record it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub kind: EventKind,
    pub date: NaiveDate,
    /// Always above zero: the voucher's lines carry the signs.
    pub amount: Decimal,
    /// The programme year whose funds moved.
    pub programme_year: i32,
    pub actor: Option<Actor>,
    /// The case (`DK-2025-007`), where there is one.
    pub case_number: Option<String>,
    /// The voucher number registered in Digikoord with the payment, where there is one.
    pub reference: Option<String>,
    /// Whether the year's funds are charged to the appropriation (its period has the
    /// Kammarkollegiet chain; 2018–2020 have none).
    pub appropriation: bool,
}

impl Event {
    fn sort_key(
        &self,
    ) -> (
        NaiveDate,
        EventKind,
        i32,
        Option<&str>,
        Option<&str>,
        Decimal,
    ) {
        (
            self.date,
            self.kind,
            self.programme_year,
            self.actor.as_ref().map(|a| a.name.as_str()),
            self.reference.as_deref(),
            self.amount,
        )
    }

    /// The voucher's text: what, which year's funds, to or from whom, the case and the
    /// voucher number registered in Digikoord.
    pub fn text(&self) -> String {
        let year = self.programme_year;
        let who = self.actor.as_ref().map(|a| a.name.as_str()).unwrap_or("");
        let case = self
            .case_number
            .as_deref()
            .map(|c| format!(", {c}"))
            .unwrap_or_default();
        let voucher = self
            .reference
            .as_deref()
            .map(|r| format!(" (ver. {r})"))
            .unwrap_or_default();
        match self.kind {
            EventKind::Payout => format!("Utbetalning {year} till {who}{case}{voucher}"),
            EventKind::RepaymentReceived => {
                format!("Återbetalning {year} från {who}{case}{voucher}")
            }
            EventKind::RefundPaid => {
                format!("Tillbakabetalning av överbetalt {year} till {who}{case}{voucher}")
            }
            EventKind::AgencyRequisition => {
                format!("Rekvisition från Kammarkollegiet, medel {year}")
            }
            EventKind::AgencyRepayment => {
                format!("Återbetalning till Kammarkollegiet, medel {year}")
            }
        }
    }
}

/// Tillväxtverket's requisition and repayment for a programme year, each a voucher when it
/// is dated within `from`–`to` and above zero.
pub fn agency_events(
    programme_year: i32,
    requisitioned: Option<(Decimal, NaiveDate)>,
    repaid: Option<(Decimal, NaiveDate)>,
    appropriation: bool,
    (from, to): (NaiveDate, NaiveDate),
) -> Vec<Event> {
    [
        (EventKind::AgencyRequisition, requisitioned),
        (EventKind::AgencyRepayment, repaid),
    ]
    .into_iter()
    .filter_map(|(kind, entry)| {
        let (amount, date) = entry?;
        if amount <= Decimal::ZERO || !(from..=to).contains(&date) {
            return None;
        }
        Some(Event {
            kind,
            date,
            amount,
            programme_year,
            actor: None,
            case_number: None,
            reference: None,
            appropriation,
        })
    })
    .collect()
}

/// A line of a voucher (`#TRANS`): debit positive, credit negative.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    pub account: Account,
    /// (dimension, object code) pairs.
    pub objects: Vec<(u32, String)>,
    pub amount: Decimal,
}

/// A voucher (`#VER`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Voucher {
    pub date: NaiveDate,
    pub text: String,
    pub lines: Vec<Line>,
}

impl Voucher {
    /// Debits less credits: zero for every voucher made here.
    pub fn balance(&self) -> Decimal {
        self.lines.iter().map(|l| l.amount).sum()
    }
}

impl Plan {
    /// The voucher of one event. The actor's object goes on the line of the actor's money,
    /// the appropriation's on the lines charged to it (payouts, repayments received, the
    /// requisition and the repayment to Kammarkollegiet; never a refund: an over-payment is
    /// the region's money), and the bank line carries neither.
    pub fn voucher(&self, e: &Event) -> Voucher {
        let actor: Vec<(u32, String)> = e
            .actor
            .iter()
            .map(|a| (self.actor_dimension, a.object()))
            .collect();
        let appropriation: Vec<(u32, String)> = if e.appropriation {
            vec![(self.appropriation_dimension, self.coding.object())]
        } else {
            Vec::new()
        };
        let both: Vec<(u32, String)> = actor.iter().chain(&appropriation).cloned().collect();
        let line = |account: &Account, objects: Vec<(u32, String)>, amount: Decimal| Line {
            account: account.clone(),
            objects,
            amount,
        };
        let a = e.amount;
        let lines = match e.kind {
            EventKind::Payout => vec![line(&self.payout, both, a), line(&self.bank, vec![], -a)],
            EventKind::RepaymentReceived => {
                vec![line(&self.bank, vec![], a), line(&self.repayment, both, -a)]
            }
            EventKind::RefundPaid => {
                vec![line(&self.refund, actor, a), line(&self.bank, vec![], -a)]
            }
            EventKind::AgencyRequisition => vec![
                line(&self.bank, vec![], a),
                line(&self.appropriation, appropriation, -a),
            ],
            EventKind::AgencyRepayment => vec![
                line(&self.appropriation, appropriation, a),
                line(&self.bank, vec![], -a),
            ],
        };
        Voucher {
            date: e.date,
            text: e.text(),
            lines,
        }
    }

    /// The vouchers of `events` in date order, and the objects they name.
    pub fn ledger(&self, events: &[Event]) -> Ledger {
        let mut sorted: Vec<&Event> = events.iter().collect();
        sorted.sort_by(|a, b| a.sort_key().cmp(&b.sort_key()));
        // An organisation named differently in two periods: its latest name.
        let mut names: BTreeMap<(u32, String), String> = BTreeMap::new();
        for e in &sorted {
            if let Some(a) = &e.actor {
                names.insert((self.actor_dimension, a.object()), a.name.clone());
            }
        }
        names.insert(
            (self.appropriation_dimension, self.coding.object()),
            self.coding.describe(),
        );
        let vouchers: Vec<Voucher> = sorted.iter().map(|e| self.voucher(e)).collect();
        let objects = vouchers
            .iter()
            .flat_map(|v| &v.lines)
            .flat_map(|l| &l.objects)
            .filter_map(|k| names.get(k).map(|n| (k.clone(), n.clone())))
            .collect();
        Ledger { vouchers, objects }
    }
}

/// What a file holds: its vouchers and the objects they name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ledger {
    pub vouchers: Vec<Voucher>,
    /// (dimension, code) → name.
    pub objects: BTreeMap<(u32, String), String>,
}

/// What the file says of itself besides the plan and the vouchers.
#[derive(Clone, Copy, Debug)]
pub struct Header<'a> {
    pub program_version: &'a str,
    pub generated: NaiveDate,
    pub generated_by: &'a str,
    pub span: Span,
}

const CRLF: &str = "\r\n";

impl Ledger {
    /// The accounts the vouchers use: number → name.
    pub fn accounts(&self) -> BTreeMap<&str, &str> {
        let mut accounts = BTreeMap::new();
        for l in self.vouchers.iter().flat_map(|v| &v.lines) {
            accounts
                .entry(l.account.number.as_str())
                .or_insert(l.account.name.as_str());
        }
        accounts
    }

    /// Each account's sum over the vouchers (debit positive).
    pub fn totals(&self) -> BTreeMap<String, Decimal> {
        let mut totals: BTreeMap<String, Decimal> = BTreeMap::new();
        for l in self.vouchers.iter().flat_map(|v| &v.lines) {
            *totals.entry(l.account.number.clone()).or_default() += l.amount;
        }
        totals
    }

    /// The file as text, one item a line, CRLF after each (encode it with `pc8`). The
    /// items come in the order SIE 4 gives them: identification, the accounts, the
    /// dimensions and objects, then the vouchers in date order, each numbered by its day
    /// ([`voucher_number`]).
    pub fn sie_text(&self, plan: &Plan, header: &Header) -> String {
        let mut lines: Vec<String> = vec![
            "#FLAGGA 0".into(),
            format!(
                "#PROGRAM {} {}",
                quoted("Digikoord"),
                quoted(header.program_version)
            ),
            "#FORMAT PC8".into(),
            format!(
                "#GEN {} {}",
                sie_date(header.generated),
                quoted(header.generated_by)
            ),
            "#SIETYP 4".into(),
            format!("#ORGNR {}", plan.org_number),
            format!("#FNAMN {}", quoted(&plan.company_name)),
            format!(
                "#RAR 0 {} {}",
                sie_date(header.span.start),
                sie_date(header.span.end)
            ),
        ];
        for (number, name) in self.accounts() {
            lines.push(format!("#KONTO {number} {}", quoted(name)));
        }
        lines.push(format!("#DIM {} {}", plan.actor_dimension, quoted("Aktör")));
        lines.push(format!(
            "#DIM {} {}",
            plan.appropriation_dimension,
            quoted("Anslag")
        ));
        for ((dimension, code), name) in &self.objects {
            lines.push(format!(
                "#OBJEKT {dimension} {} {}",
                quoted(code),
                quoted(name)
            ));
        }
        let mut day: Option<(NaiveDate, u32)> = None;
        for v in &self.vouchers {
            let within_day = match day {
                Some((d, n)) if d == v.date => n + 1,
                _ => 1,
            };
            day = Some((v.date, within_day));
            lines.push(format!(
                "#VER {} {} {} {}",
                quoted(&plan.series),
                voucher_number(v.date, within_day),
                sie_date(v.date),
                quoted(&v.text)
            ));
            lines.push("{".into());
            for l in &v.lines {
                let objects: Vec<String> = l
                    .objects
                    .iter()
                    .map(|(d, code)| format!("{d} {}", quoted(code)))
                    .collect();
                lines.push(format!(
                    "\t#TRANS {} {{{}}} {}",
                    l.account.number,
                    objects.join(" "),
                    sie_amount(l.amount)
                ));
            }
            lines.push("}".into());
        }
        let mut text = lines.join(CRLF);
        text.push_str(CRLF);
        text
    }
}

// ---- SIE's fields and PC8 ----

/// A voucher's number: its day as `YYMMDD` and its place among the day's vouchers (from 1),
/// `250315001` for the first of 15 March 2025. A file covers whole days and a day's
/// vouchers come in a fixed order, so two files never give one number to two vouchers
/// (a number restarting at 1 in every file would: two exports, two `DK 1`), and the same
/// voucher in two files keeps its number. Nine digits at most: it fits the 32-bit number
/// an accounting system (and the `sie4` reader) keeps; SIE 4I's empty number, left to the
/// importing system, is not read by every reader. At most 999 vouchers a day (Digikoord's
/// actors make a few dozen at most).
pub fn voucher_number(date: NaiveDate, within_day: u32) -> u32 {
    let year = u32::try_from(date.year().rem_euclid(100)).unwrap_or_default();
    ((year * 100 + date.month()) * 100 + date.day()) * 1000 + within_day
}

/// `20250301`.
pub fn sie_date(date: NaiveDate) -> String {
    date.format("%Y%m%d").to_string()
}

/// Two decimals, a point, a minus for credit: `-1000000.50`.
pub fn sie_amount(value: Decimal) -> String {
    format!("{:.2}", value.round_dp(2))
}

/// A character's byte in PC8 (code page 437), `None` where it has none.
fn pc8_byte(c: char) -> Option<u8> {
    if c.is_ascii() {
        return u8::try_from(c).ok();
    }
    // Beyond ASCII only the upper half: the lower holds control characters.
    codepage_437::CP437_CONTROL.encode(c).filter(|b| *b >= 0x80)
}

/// A text field as SIE writes it: in quotes, and made safe to read. A quote inside is
/// escaped (`\"`); a backslash becomes `/` and braces become parentheses (some readers
/// count braces across quotes); control characters and odd spaces become spaces; dashes
/// and typographic quotes their ASCII; any other character PC8 lacks becomes `?`.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.trim().chars() {
        match c {
            '"' | '“' | '”' | '„' | '″' => out.push_str("\\\""),
            '\\' => out.push('/'),
            '{' => out.push('('),
            '}' => out.push(')'),
            c if c.is_control() => out.push(' '),
            '\u{a0}' | '\u{2007}' | '\u{2009}' | '\u{202f}' => out.push(' '),
            '–' | '—' | '‒' | '−' | '‐' | '‑' => out.push('-'),
            '‘' | '’' | '‚' | '′' => out.push('\''),
            '…' => out.push_str("..."),
            c if pc8_byte(c).is_some() => out.push(c),
            _ => out.push('?'),
        }
    }
    out.push('"');
    out
}

/// The text in PC8, the character set SIE 4 prescribes (`#FORMAT PC8`); a character it
/// lacks (none, after `quoted`) becomes `?`.
pub fn pc8(text: &str) -> Vec<u8> {
    text.chars().map(|c| pc8_byte(c).unwrap_or(b'?')).collect()
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

    fn form() -> SettingsForm {
        SettingsForm {
            company_name: "Tillväxtverket".into(),
            org_number: "202100-5026".into(),
            voucher_series: "DK".into(),
            payout_account: "8419".into(),
            payout_account_name: "Lämnade bidrag till regioner".into(),
            bank_account: "1931".into(),
            bank_account_name: "Avräkning med bank".into(),
            repayment_account: "8490".into(),
            repayment_account_name: "Återbetalda bidrag".into(),
            refund_account: "2891".into(),
            refund_account_name: "Skuld till regioner".into(),
            appropriation_account: "7311".into(),
            appropriation_account_name: "Medel från Kammarkollegiet".into(),
            actor_dimension: "20".into(),
            appropriation_dimension: "21".into(),
            expenditure_area: "22".into(),
            appropriation: "2:4".into(),
            appropriation_item: "4".into(),
        }
    }

    fn plan() -> Plan {
        form().validate().expect("valid").plan().expect("complete")
    }

    fn actor(name: &str, number: &str) -> Actor {
        Actor {
            organisation_id: Uuid::nil(),
            name: name.into(),
            org_number: Some(number.into()),
        }
    }

    fn event(kind: EventKind, on: NaiveDate, amount: &str) -> Event {
        Event {
            kind,
            date: on,
            amount: dec(amount),
            programme_year: 2025,
            actor: Some(actor("Region Västmanland", "232100-0172")),
            case_number: Some("DK-2025-001".into()),
            reference: Some("V-100".into()),
            appropriation: true,
        }
    }

    #[test]
    fn an_unset_plan_says_what_is_missing_in_the_forms_order() {
        let empty = SettingsForm {
            company_name: "Tillväxtverket".into(),
            voucher_series: "DK".into(),
            expenditure_area: "22".into(),
            appropriation: "2:4".into(),
            appropriation_item: "4".into(),
            ..SettingsForm::default()
        }
        .validate()
        .expect("nothing set is valid");
        assert_eq!(
            empty.plan().expect_err("incomplete"),
            vec![
                MISSING_ORG_NUMBER,
                Purpose::Payout.missing(),
                Purpose::Bank.missing(),
                Purpose::Repayment.missing(),
                Purpose::Refund.missing(),
                Purpose::Appropriation.missing(),
                MISSING_ACTOR_DIMENSION,
                MISSING_APPROPRIATION_DIMENSION,
            ]
        );
        let no_bank = SettingsForm {
            bank_account: String::new(),
            bank_account_name: String::new(),
            ..form()
        }
        .validate()
        .expect("valid");
        assert_eq!(no_bank.missing(), vec![Purpose::Bank.missing()]);
        assert!(form().validate().expect("valid").missing().is_empty());
    }

    #[test]
    fn the_form_names_each_wrong_field() {
        let wrong = SettingsForm {
            org_number: "202100-5027".into(),
            voucher_series: "D K".into(),
            payout_account: "84a9".into(),
            repayment_account_name: String::new(),
            refund_account: String::new(),
            actor_dimension: "0".into(),
            appropriation: "2.4".into(),
            expenditure_area: "2222".into(),
            ..form()
        };
        let errors = wrong.validate().expect_err("wrong");
        for field in [
            "org_number",
            "voucher_series",
            "payout_account",
            "repayment_account_name",
            "refund_account",
            "actor_dimension",
            "appropriation",
            "expenditure_area",
        ] {
            assert!(errors.get(field).is_some(), "{field}");
        }
        assert!(errors.get("company_name").is_none());
    }

    #[test]
    fn the_bank_account_stands_apart_and_one_account_has_one_name() {
        let bank_twice = SettingsForm {
            repayment_account: "1931".into(),
            ..form()
        };
        let errors = bank_twice.validate().expect_err("bank twice");
        assert!(errors.get("repayment_account").is_some());
        // Repayments and refunds may share an account, under one name.
        let shared = SettingsForm {
            refund_account: "8490".into(),
            refund_account_name: "Återbetalda bidrag".into(),
            ..form()
        };
        assert!(shared.validate().is_ok());
        let two_names = SettingsForm {
            refund_account: "8490".into(),
            ..form()
        };
        let errors = two_names.validate().expect_err("two names");
        assert!(
            errors
                .get("refund_account_name")
                .is_some_and(|e| e.contains("Återbetalda bidrag"))
        );
        let same_dimension = SettingsForm {
            appropriation_dimension: "20".into(),
            ..form()
        };
        assert!(
            same_dimension
                .validate()
                .expect_err("one dimension")
                .get("appropriation_dimension")
                .is_some()
        );
    }

    #[test]
    fn each_voucher_balances_and_carries_its_objects() {
        let plan = plan();
        let actor = (20, "232100-0172".to_string());
        let appropriation = (21, "UO22-2:4-ap4".to_string());
        for kind in [
            EventKind::AgencyRequisition,
            EventKind::Payout,
            EventKind::RepaymentReceived,
            EventKind::RefundPaid,
            EventKind::AgencyRepayment,
        ] {
            let v = plan.voucher(&event(kind, date(2025, 3, 1), "1000000.50"));
            assert_eq!(v.balance(), Decimal::ZERO, "{kind:?}");
            assert_eq!(v.lines.len(), 2);
            let bank = v
                .lines
                .iter()
                .find(|l| l.account.number == "1931")
                .expect("a bank line");
            assert!(bank.objects.is_empty(), "{kind:?}");
        }
        let payout = plan.voucher(&event(EventKind::Payout, date(2025, 3, 1), "100"));
        assert_eq!(payout.lines[0].account.number, "8419");
        assert_eq!(payout.lines[0].amount, dec("100"));
        assert_eq!(
            payout.lines[0].objects,
            vec![actor.clone(), appropriation.clone()]
        );
        assert_eq!(
            payout.text,
            "Utbetalning 2025 till Region Västmanland, DK-2025-001 (ver. V-100)"
        );
        let received = plan.voucher(&event(EventKind::RepaymentReceived, date(2026, 2, 10), "5"));
        assert_eq!(received.lines[1].account.number, "8490");
        assert_eq!(received.lines[1].amount, dec("-5"));
        // An over-payment is the region's money: never on the appropriation.
        let refund = plan.voucher(&event(EventKind::RefundPaid, date(2026, 2, 10), "5"));
        assert_eq!(refund.lines[0].account.number, "2891");
        assert_eq!(refund.lines[0].objects, vec![actor.clone()]);
        // A year without the chain (2018–2020) is charged to no appropriation.
        let old = Event {
            appropriation: false,
            programme_year: 2019,
            ..event(EventKind::Payout, date(2019, 4, 1), "500000")
        };
        assert_eq!(plan.voucher(&old).lines[0].objects, vec![actor]);
        let requisition = plan.voucher(&Event {
            actor: None,
            ..event(EventKind::AgencyRequisition, date(2025, 11, 20), "23000000")
        });
        assert_eq!(requisition.lines[1].account.number, "7311");
        assert_eq!(requisition.lines[1].objects, vec![appropriation]);
        assert_eq!(requisition.lines[1].amount, dec("-23000000"));
    }

    #[test]
    fn the_agency_makes_a_voucher_only_for_what_is_dated_within_the_span() {
        let span = (date(2026, 1, 1), date(2026, 12, 31));
        let events = agency_events(
            2025,
            Some((dec("23000000"), date(2025, 11, 20))),
            Some((dec("802345.17"), date(2026, 3, 10))),
            true,
            span,
        );
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].kind, EventKind::AgencyRepayment);
        let nothing_repaid = agency_events(
            2025,
            None,
            Some((Decimal::ZERO, date(2026, 3, 10))),
            true,
            span,
        );
        assert!(nothing_repaid.is_empty());
    }

    #[test]
    fn the_file_is_sie_4i_with_its_items_in_order() {
        let plan = plan();
        let events = vec![
            event(EventKind::RepaymentReceived, date(2025, 12, 10), "190000"),
            Event {
                actor: Some(actor("Region Skåne", "232100-0255")),
                reference: None,
                ..event(EventKind::Payout, date(2025, 4, 1), "900000.5")
            },
            event(EventKind::Payout, date(2025, 3, 1), "1000000"),
        ];
        let ledger = plan.ledger(&events);
        let span = ExportForm::for_year(Some(2025))
            .validate(&[2025])
            .expect("span");
        let text = ledger.sie_text(
            &plan,
            &Header {
                program_version: "0.1.0",
                generated: date(2026, 3, 10),
                generated_by: "Anna Admin",
                span,
            },
        );
        assert!(text.ends_with("}\r\n"));
        assert!(!text.replace("\r\n", "").contains('\n'), "CRLF only");
        let lines: Vec<&str> = text.split("\r\n").collect();
        assert_eq!(
            &lines[..8],
            [
                "#FLAGGA 0",
                "#PROGRAM \"Digikoord\" \"0.1.0\"",
                "#FORMAT PC8",
                "#GEN 20260310 \"Anna Admin\"",
                "#SIETYP 4",
                "#ORGNR 202100-5026",
                "#FNAMN \"Tillväxtverket\"",
                "#RAR 0 20250101 20251231",
            ]
        );
        // Only the accounts used, in order.
        let kontos: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("#KONTO"))
            .copied()
            .collect();
        assert_eq!(
            kontos,
            [
                "#KONTO 1931 \"Avräkning med bank\"",
                "#KONTO 8419 \"Lämnade bidrag till regioner\"",
                "#KONTO 8490 \"Återbetalda bidrag\"",
            ]
        );
        assert!(lines.contains(&"#DIM 20 \"Aktör\""));
        assert!(lines.contains(&"#OBJEKT 20 \"232100-0172\" \"Region Västmanland\""));
        assert!(lines.contains(
            &"#OBJEKT 21 \"UO22-2:4-ap4\" \"Utgiftsområde 22, anslag 2:4, anslagspost 4\""
        ));
        // In date order, numbered by their day, each with its lines in braces.
        let vers: Vec<&str> = lines
            .iter()
            .filter(|l| l.starts_with("#VER"))
            .copied()
            .collect();
        assert_eq!(
            vers,
            [
                "#VER \"DK\" 250301001 20250301 \"Utbetalning 2025 till Region Västmanland, DK-2025-001 (ver. V-100)\"",
                "#VER \"DK\" 250401001 20250401 \"Utbetalning 2025 till Region Skåne, DK-2025-001\"",
                "#VER \"DK\" 251210001 20251210 \"Återbetalning 2025 från Region Västmanland, DK-2025-001 (ver. V-100)\"",
            ]
        );
        assert!(
            lines.contains(&"\t#TRANS 8419 {20 \"232100-0255\" 21 \"UO22-2:4-ap4\"} 900000.50")
        );
        assert!(lines.contains(&"\t#TRANS 1931 {} -900000.50"));
        assert_eq!(ledger.totals().get("1931"), Some(&dec("-1710000.50")));
    }

    #[test]
    fn voucher_numbers_follow_their_day_so_two_files_never_share_one() {
        assert_eq!(voucher_number(date(2025, 3, 15), 1), 250_315_001);
        assert_eq!(voucher_number(date(2026, 1, 2), 12), 260_102_012);
        assert_eq!(voucher_number(date(2099, 12, 31), 999), 991_231_999);
        let plan = plan();
        let numbers = |events: &[Event], fran: &str, till: &str| -> Vec<String> {
            let span = ExportForm {
                ar: "2025".into(),
                fran: fran.into(),
                till: till.into(),
            }
            .validate(&[2025])
            .expect("span");
            let header = Header {
                program_version: "0.1.0",
                generated: date(2026, 3, 10),
                generated_by: "Anna Admin",
                span,
            };
            plan.ledger(events)
                .sie_text(&plan, &header)
                .split("\r\n")
                .filter(|l| l.starts_with("#VER"))
                .map(|l| l.split(' ').nth(2).unwrap_or_default().to_string())
                .collect()
        };
        let march = [
            Event {
                actor: Some(actor("Region Skåne", "232100-0255")),
                ..event(EventKind::Payout, date(2025, 3, 1), "900000")
            },
            event(EventKind::Payout, date(2025, 3, 1), "1000000"),
        ];
        let april = [event(EventKind::Payout, date(2025, 4, 1), "500000")];
        let march_file = numbers(&march, "2025-03-01", "2025-03-31");
        let april_file = numbers(&april, "2025-04-01", "2025-04-30");
        assert_eq!(march_file, ["250301001", "250301002"]);
        assert_eq!(april_file, ["250401001"], "not a second number 1");
        // The whole year's file gives each voucher the number the month's file gave it.
        let year: Vec<Event> = march.iter().chain(&april).cloned().collect();
        assert_eq!(
            numbers(&year, "", ""),
            ["250301001", "250301002", "250401001"]
        );
    }

    #[test]
    fn the_file_is_pc8_and_its_texts_are_safe() {
        assert_eq!(pc8("Tillväxtverket"), b"Tillv\x84xtverket".to_vec());
        assert_eq!(
            pc8("Skåne Örebro Ä Å ö"),
            b"Sk\x86ne \x99rebro \x8e \x8f \x94".to_vec()
        );
        assert_eq!(
            quoted("Informationsteknik – del \"x\" {y}\\z\u{1}…"),
            "\"Informationsteknik - del \\\"x\\\" (y)/z ...\""
        );
        assert_eq!(quoted("Żurek"), "\"?urek\"");
        assert_eq!(sie_amount(dec("1000000")), "1000000.00");
        assert_eq!(sie_amount(dec("-12345.678")), "-12345.68");
        assert_eq!(sie_amount(dec("0.5")), "0.50");
    }

    #[test]
    fn the_fiscal_years_follow_the_programme_years_and_a_period_lies_within_one() {
        let years = fiscal_years(&[2021, 2022, 2025]);
        assert_eq!(years, vec![2021, 2022, 2023, 2025, 2026]);
        assert_eq!(default_fiscal_year(&years, date(2026, 3, 10)), Some(2026));
        assert_eq!(default_fiscal_year(&years, date(2024, 3, 10)), Some(2023));
        assert_eq!(default_fiscal_year(&years, date(2020, 3, 10)), Some(2021));
        let asked = |ar: &str, fran: &str, till: &str| {
            ExportForm {
                ar: ar.into(),
                fran: fran.into(),
                till: till.into(),
            }
            .validate(&years)
        };
        let whole = asked("2025", "", "").expect("whole year");
        assert!(whole.whole_year());
        assert_eq!(whole.filename(), "Digikoord SIE 2025.si");
        let part = asked("2026", "2026-03-01", "2026-03-31").expect("a month");
        assert_eq!(
            (part.from, part.to, part.start),
            (date(2026, 3, 1), date(2026, 3, 31), date(2026, 1, 1))
        );
        assert_eq!(
            part.filename(),
            "Digikoord SIE 2026-03-01 till 2026-03-31.si"
        );
        assert!(
            asked("2024", "", "")
                .expect_err("no such year")
                .get("ar")
                .is_some()
        );
        assert!(
            asked("abc", "", "")
                .expect_err("no year")
                .get("ar")
                .is_some()
        );
        assert!(
            asked("2025", "2026-01-01", "")
                .expect_err("outside")
                .get("fran")
                .is_some()
        );
        assert!(
            asked("2025", "2025-05-01", "2025-04-01")
                .expect_err("backwards")
                .get("till")
                .is_some()
        );
        assert!(
            asked("2025", "2025-02-30", "")
                .expect_err("no such day")
                .get("fran")
                .is_some()
        );
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// The field `quoted` wrote, read back as a SIE reader does: between the outer quotes,
    /// `\"` is a quote.
    fn unquote(field: &str) -> Option<String> {
        let inner = field.strip_prefix('"')?.strip_suffix('"')?;
        let mut out = String::new();
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => {
                    if chars.next()? != '"' {
                        return None;
                    }
                    out.push('"');
                }
                '"' => return None,
                c => out.push(c),
            }
        }
        Some(out)
    }

    proptest! {
        /// Whatever a name holds, its field is one PC8 token on one line: no control
        /// characters, no braces, every quote escaped, and it reads back as written when it
        /// was plain text.
        #[test]
        fn a_quoted_text_is_one_safe_field(input in "\\PC{0,40}|[ -~åäöÅÄÖé\"{}\\\\\t\r\n]{0,40}") {
            let field = quoted(&input);
            let read = unquote(&field);
            prop_assert!(read.is_some(), "{field:?}");
            let bytes = pc8(&field);
            prop_assert_eq!(bytes.len(), field.chars().count());
            prop_assert!(bytes.iter().all(|b| *b >= 0x20 && *b != 0x7f));
            let braces = ['{', '}'];
            prop_assert!(!field[1..field.len() - 1].contains(braces));
            let plain = input.trim();
            if plain.chars().all(|c| (c.is_ascii_graphic() || c == ' ' || "åäöÅÄÖé\"".contains(c)) && !"{}\\".contains(c)) {
                prop_assert_eq!(read.as_deref(), Some(plain));
            }
        }

        /// An account number is accepted exactly when it is 3–8 digits.
        #[test]
        fn an_account_number_is_three_to_eight_digits(input in "\\PC{0,10}|[0-9 ]{0,10}") {
            let ok = parse_account_number(&input);
            let t = input.trim();
            let expected = t.bytes().all(|b| b.is_ascii_digit()) && (3..=8).contains(&t.len());
            prop_assert_eq!(ok.is_ok(), expected);
            if let Ok(n) = ok {
                prop_assert_eq!(n.as_str(), t);
            }
        }
    }
}
