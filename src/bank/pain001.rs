//! The payment file for the bank, pure: ISO 20022 **pain.001.001.03** (Customer Credit
//! Transfer Initiation) as the Swedish banks read it in their common interpretation of the
//! standard, with credit transfers in SEK to the regions' bankgiro and plusgiro. Who pays
//! (the debtor, set by an administrator), which payouts and refunds a batch may hold, the
//! file's texts and amounts, and the XML. Unit-tested; no I/O.
//!
//! # Why pain.001.001.03
//!
//! Version 3 (2009) is the one the Swedish banks' common implementation guide ("Swedish
//! Common Interpretation of ISO 20022 Payment Messages", with its appendix of Swedish
//! payment types) describes, and the one every Swedish bank's own guide (Handelsbanken, SEB,
//! Swedbank, Nordea, Danske Bank) accepts for domestic bankgiro and plusgiro payments;
//! accounting systems that pay to Swedish giro numbers write it (Odoo's Swedish module sets
//! `pain.001.001.03` for bankgiro and plusgiro). Later versions (001.001.09) are taken by
//! some banks for SEPA and cross-border payments, not yet by all for giro payments: 03 is
//! the one every bank Tillväxtverket may use reads.
//!
//! # The file
//!
//! - **GrpHdr**: `MsgId` unique per file (`DIGIKOORD-20260210-000001`, from a number the
//!   database never gives twice), `CreDtTm` (Swedish time), `NbOfTxs` and `CtrlSum` of the
//!   whole file, and the initiating party: Tillväxtverket's name and organisation number
//!   (ten digits, scheme code `BANK`, as the Swedish interpretation identifies a customer).
//! - **PmtInf**, one per requested execution day (`ReqdExctnDt`: the payment's planned day,
//!   or today when that has passed, moved to the next bank day when it is a Saturday, a
//!   Sunday or a Swedish holiday — the schema's `next_weekday`, see `on_bank_days`):
//!   `PmtMtd` `TRF`, its own count and sum, service level
//!   `NURG` (bankgiro and plusgiro payments are non-urgent), the debtor (name and
//!   organisation number), the debtor's account — Tillväxtverket's bankgiro for outgoing
//!   payments, `Othr/Id` digits with the proprietary scheme `BGNR` — in `SEK`, and the
//!   debtor's agent: its BIC if set, else `Othr/Id` `NOTPROVIDED`.
//! - **CdtTrfTxInf**, one per payment: `EndToEndId` the case number (`DK-2025-007`; a
//!   refund's own reference `DK-2025-007-TB`), `InstdAmt Ccy="SEK"` with two decimals and a
//!   point, the creditor's agent as the Swedish clearing system (`ClrSysId/Cd` `SESBA`)
//!   member `9900` for Bankgirot or `9960` for PlusGirot, the creditor's name (the actor),
//!   the creditor's account: a bankgiro number's digits with scheme `Prtry` `BGNR`, a
//!   plusgiro number's with scheme `Cd` `BBAN` (PlusGirot is a Nordea account); and
//!   `RmtInf/Ustrd`: the case number, a short Swedish text and the region's own reference.
//!
//! Texts are written as registered, in UTF-8 (å, ä and ö included), with control
//! characters and typographic dashes and quotes made plain, cut to the field's length, and
//! escaped for XML.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    giro::PaymentMethod, programme::model::parse_org_number, repayments::model::refund_reference,
    web::FormErrors,
};

/// The pain.001.001.03 namespace.
pub const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03";
/// What the download is served as.
pub const CONTENT_TYPE: &str = "application/xml; charset=utf-8";
/// Bankgirot's and PlusGirot's numbers in the Swedish clearing system (`SESBA`).
pub const BANKGIROT: &str = "9900";
pub const PLUSGIROT: &str = "9960";
/// The most payments one file holds.
pub const MAX_BATCH: usize = 500;
/// A name's length in the file (the Swedish interpretation's limit for names).
const NAME_MAX: usize = 70;
/// `Max140Text`: the remittance text.
const REMITTANCE_MAX: usize = 140;
/// `Max35Text`: the identifications.
const ID_MAX: usize = 35;

// ---- Who pays ----

pub const MISSING_ORG_NUMBER: &str = "Tillväxtverkets organisationsnummer";
pub const MISSING_BANKGIRO: &str = "Tillväxtverkets bankgiro för utbetalningar";

/// The debtor as an administrator set it (`payment_file_settings`): nothing is paid until
/// the organisation number and the bankgiro are set.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct Settings {
    pub debtor_name: String,
    /// `NNNNNN-NNNN`.
    pub org_number: Option<String>,
    /// `NNNN-NNNN`: the bankgiro the money goes out from.
    pub bankgiro: Option<String>,
    pub bic: Option<String>,
}

impl Settings {
    /// What must be set before a file can be made.
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.org_number.is_none() {
            missing.push(MISSING_ORG_NUMBER);
        }
        if self.bankgiro.is_none() {
            missing.push(MISSING_BANKGIRO);
        }
        missing
    }

    /// The debtor of a file, once everything it needs is set.
    pub fn debtor(&self) -> Option<Debtor> {
        Some(Debtor {
            name: self.debtor_name.clone(),
            org_number: self.org_number.clone()?,
            bankgiro: self.bankgiro.clone()?,
            bic: self.bic.clone(),
        })
    }
}

/// Tillväxtverket as the file's debtor and initiating party.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Debtor {
    pub name: String,
    /// `NNNNNN-NNNN`; the file has its ten digits.
    pub org_number: String,
    /// `NNNN-NNNN`; the file has its digits.
    pub bankgiro: String,
    pub bic: Option<String>,
}

/// The administrator's form for the debtor.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct SettingsForm {
    pub debtor_name: String,
    pub org_number: String,
    pub bankgiro: String,
    pub bic: String,
}

impl SettingsForm {
    pub fn of(s: &Settings) -> SettingsForm {
        SettingsForm {
            debtor_name: s.debtor_name.clone(),
            org_number: s.org_number.clone().unwrap_or_default(),
            bankgiro: s.bankgiro.clone().unwrap_or_default(),
            bic: s.bic.clone().unwrap_or_default(),
        }
    }

    /// The settings, or each field's fault. An empty organisation number, bankgiro or BIC is
    /// not set (the first two then stand in the list of what is missing).
    pub fn validate(&self) -> Result<Settings, FormErrors> {
        let mut errors = FormErrors::default();
        let name = plain(&self.debtor_name);
        if name.is_empty() || name.chars().count() > NAME_MAX {
            errors.add(
                "debtor_name",
                "Ange avsändarens namn som banken har det, högst 70 tecken.",
            );
        }
        let org_number = match self.org_number.trim() {
            "" => None,
            typed => parse_org_number(typed)
                .map_err(|e| errors.add("org_number", e))
                .ok(),
        };
        let bankgiro = match self.bankgiro.trim() {
            "" => None,
            typed => PaymentMethod::Bankgiro
                .parse_account(typed)
                .map_err(|e| errors.add("bankgiro", e))
                .ok(),
        };
        let bic = match parse_bic(&self.bic) {
            Ok(bic) => bic,
            Err(e) => {
                errors.add("bic", e);
                None
            }
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Settings {
            debtor_name: name,
            org_number,
            bankgiro,
            bic,
        })
    }
}

/// A BIC as people write it (`hand se ss`): eight or eleven letters and digits, as the
/// standard's `BICIdentifier` allows. `None` when empty.
pub fn parse_bic(input: &str) -> Result<Option<String>, &'static str> {
    let bic: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase();
    if bic.is_empty() {
        return Ok(None);
    }
    let b = bic.as_bytes();
    let letters = |range: std::ops::Range<usize>| b[range].iter().all(u8::is_ascii_uppercase);
    let fits = matches!(b.len(), 8 | 11)
        && letters(0..6)
        && (b[6].is_ascii_uppercase() || (b'2'..=b'9').contains(&b[6]))
        && ((b[7].is_ascii_uppercase() && b[7] != b'O') || b[7].is_ascii_digit())
        && b[8..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
    if fits {
        Ok(Some(bic))
    } else {
        Err(
            "Ange bankens BIC som 8 eller 11 tecken, till exempel HANDSESS, ESSESESS eller SWEDSESS.",
        )
    }
}

// ---- The batch ----

/// What a payment in a file is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// A requisition's payout to the actor.
    Payout,
    /// A refund of a region's over-payment.
    Refund,
}

impl Kind {
    pub fn label(self) -> &'static str {
        match self {
            Kind::Payout => "Utbetalning",
            Kind::Refund => "Tillbakabetalning",
        }
    }

    /// The form's field that carries a chosen payment's id.
    pub fn field(self) -> &'static str {
        match self {
            Kind::Payout => "utbetalning",
            Kind::Refund => "tillbakabetalning",
        }
    }
}

pub const NOTHING_CHOSEN: &str = "Välj minst en utbetalning eller tillbakabetalning till filen.";
pub const UNKNOWN_CHOSEN: &str =
    "En vald betalning finns inte. Ladda om sidan och välj betalningarna igen. Inget har sparats.";

/// The payouts and refunds a case officer ticked, each once, in the order ticked.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Selection {
    pub payouts: Vec<Uuid>,
    pub refunds: Vec<Uuid>,
}

impl Selection {
    pub fn len(&self) -> usize {
        self.payouts.len() + self.refunds.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn contains(&self, kind: Kind, id: Uuid) -> bool {
        match kind {
            Kind::Payout => self.payouts.contains(&id),
            Kind::Refund => self.refunds.contains(&id),
        }
    }

    /// The form's fields that carry the batch on: (`utbetalning`, id), (`tillbakabetalning`, id).
    pub fn fields(&self) -> Vec<(&'static str, Uuid)> {
        self.payouts
            .iter()
            .map(|id| (Kind::Payout.field(), *id))
            .chain(self.refunds.iter().map(|id| (Kind::Refund.field(), *id)))
            .collect()
    }
}

/// The batch from the form's fields (a ticked box each, repeated); other fields (the CSRF
/// token) are not the batch's.
pub fn parse_selection(fields: &[(String, String)]) -> Result<Selection, &'static str> {
    let mut selection = Selection::default();
    for (key, value) in fields {
        let list = match key.as_str() {
            "utbetalning" => &mut selection.payouts,
            "tillbakabetalning" => &mut selection.refunds,
            _ => continue,
        };
        let id = Uuid::parse_str(value.trim()).map_err(|_| UNKNOWN_CHOSEN)?;
        if !list.contains(&id) {
            list.push(id);
        }
    }
    if selection.is_empty() {
        return Err(NOTHING_CHOSEN);
    }
    if selection.len() > MAX_BATCH {
        return Err("Högst 500 betalningar i en fil. Dela upp dem i flera filer.");
    }
    Ok(selection)
}

/// A payout or refund that may go in a file, as the database reads it (`db::payable`).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Payable {
    pub refund: bool,
    pub id: Uuid,
    pub year: i32,
    pub organisation_id: Uuid,
    /// The actor, as named in the period of the money.
    pub payee: String,
    /// The case of the year's approved requisition.
    pub case_number: Option<String>,
    pub amount: Decimal,
    pub planned_date: NaiveDate,
    /// The payout's or refund's state as the schema spells it (`approved`, …).
    pub state: String,
    pub payment_method: Option<PaymentMethod>,
    pub account_number: Option<String>,
    /// The reference the region asked for on payments to it.
    pub payment_reference: Option<String>,
    pub approved_by_name: Option<String>,
    /// The message ids of the files it is already in.
    pub in_files: Vec<String>,
}

impl Payable {
    pub fn kind(&self) -> Kind {
        if self.refund {
            Kind::Refund
        } else {
            Kind::Payout
        }
    }

    /// Attested, and not yet paid.
    pub fn approved(&self) -> bool {
        self.state == "approved"
    }

    /// The payment's identity from end to end: the case number (a refund's own reference).
    pub fn end_to_end_id(&self) -> Option<String> {
        let case = self.case_number.as_deref()?.trim();
        if case.is_empty() {
            return None;
        }
        Some(match self.kind() {
            Kind::Payout => case.to_string(),
            Kind::Refund => refund_reference(case),
        })
    }

    /// `Bankgiro 5050-1055`, or that it is missing.
    pub fn account_label(&self) -> String {
        match (self.payment_method, &self.account_number) {
            (Some(m), Some(a)) => format!("{} {a}", m.label()),
            _ => "Konto saknas".to_string(),
        }
    }

    /// The day the bank is asked to pay: the planned day, or today when it has passed.
    pub fn execution_date(&self, today: NaiveDate) -> NaiveDate {
        execution_date(self.planned_date, today)
    }

    /// The payment as it is named in a refusal: `Utbetalning DK-2025-007 till Region Skåne`.
    fn named(&self) -> String {
        format!(
            "{} {}till {}",
            self.kind().label(),
            self.case_number
                .as_deref()
                .map(|c| format!("{c} "))
                .unwrap_or_default(),
            self.payee
        )
    }

    /// Why it may not go in a file, if it may not.
    fn why_not(&self) -> Option<String> {
        if !self.approved() {
            let why = match self.state.as_str() {
                "prepared" => "väntar fortfarande på attest",
                "paid" => "är redan registrerad som utbetald",
                "sent_back" => "är skickad tillbaka",
                _ => "är inte attesterad",
            };
            return Some(format!(
                "{}: {why}. Bara attesterade betalningar som inte är utbetalda kan läggas i en betalningsfil.",
                self.named()
            ));
        }
        if self.end_to_end_id().is_none() {
            return Some(format!(
                "{}: ärendet har ingen godkänd rekvisition med ärendenummer.",
                self.named()
            ));
        }
        match (self.payment_method, self.account_number.as_deref()) {
            (Some(method), Some(account)) => method.parse_account(account).err().map(|e| {
                format!(
                    "{}: kontot {account} går inte att betala till. {e}",
                    self.named()
                )
            }),
            _ => Some(format!(
                "{}: regionen har inget bankgiro eller plusgiro i sin rekvisition.",
                self.named()
            )),
        }
    }

    /// The remittance text: the case, what the money is, and the region's own reference.
    fn remittance(&self) -> String {
        let case = self.end_to_end_id().unwrap_or_default();
        let what = match self.kind() {
            Kind::Payout => format!("Utbetalning {} Tillväxtverket", self.year),
            Kind::Refund => format!("Återbetalning av överbetalt {}", self.year),
        };
        let own = self
            .payment_reference
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(|r| format!(" Er referens: {r}"))
            .unwrap_or_default();
        bank_text(&format!("{case} {what}{own}"), REMITTANCE_MAX)
    }

    /// The credit transfer it becomes in a file made `today`; `Err` is why it can't.
    pub fn transfer(&self, today: NaiveDate) -> Result<Transfer, String> {
        if let Some(why) = self.why_not() {
            return Err(why);
        }
        let (Some(method), Some(account), Some(end_to_end_id)) = (
            self.payment_method,
            self.account_number.clone(),
            self.end_to_end_id(),
        ) else {
            return Err(format!("{}: uppgifter saknas.", self.named()));
        };
        Ok(Transfer {
            kind: self.kind(),
            id: self.id,
            end_to_end_id: bank_text(&end_to_end_id, ID_MAX),
            amount: self.amount,
            execution_date: self.execution_date(today),
            creditor: bank_text(&self.payee, NAME_MAX),
            method,
            account,
            remittance: self.remittance(),
        })
    }
}

/// The day the bank is asked to pay: the planned day, or today when it has passed (a bank
/// refuses a day in the past). A day the bank does not pay on is then moved to the next one
/// it does (`bank_day`, `on_bank_days`).
pub fn execution_date(planned: NaiveDate, today: NaiveDate) -> NaiveDate {
    planned.max(today)
}

/// Days the bank is asked to pay on, each with the day it pays instead: itself on a weekday
/// that is no holiday, else the next such day (a bank neither pays on a Saturday, a Sunday,
/// a Swedish public holiday, midsommarafton, julafton nor nyårsafton, and refuses or moves
/// a payment asked for on one). The database's `next_weekday` (migration `sunday_rule`) is
/// the one rule for that: `db::bank_days` reads it.
pub type BankDays = BTreeMap<NaiveDate, NaiveDate>;

/// `day`, or the bank day it moves to (a day not in `moved` stays).
pub fn bank_day(moved: &BankDays, day: NaiveDate) -> NaiveDate {
    moved.get(&day).copied().unwrap_or(day)
}

/// The days the transfers are asked to be paid on, each once, in order: what
/// `db::bank_days` is asked about.
pub fn days(transfers: &[Transfer]) -> Vec<NaiveDate> {
    let mut days: Vec<NaiveDate> = transfers.iter().map(|t| t.execution_date).collect();
    days.sort_unstable();
    days.dedup();
    days
}

/// The batch's transfers with each day moved to the bank day it is paid on (`moved`), in
/// the file's order again: by day and case. Days that move to the same bank day (a Saturday
/// and a Sunday to the Monday) are one payment information in the file.
pub fn on_bank_days(mut transfers: Vec<Transfer>, moved: &BankDays) -> Vec<Transfer> {
    for t in &mut transfers {
        t.execution_date = bank_day(moved, t.execution_date);
    }
    by_day_and_case(&mut transfers);
    transfers
}

/// The file's order: by day, then case.
fn by_day_and_case(transfers: &mut [Transfer]) {
    transfers.sort_by(|a, b| {
        (a.execution_date, &a.end_to_end_id, a.id).cmp(&(b.execution_date, &b.end_to_end_id, b.id))
    });
}

/// One credit transfer of a file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transfer {
    pub kind: Kind,
    /// The payout's or refund's id.
    pub id: Uuid,
    pub end_to_end_id: String,
    pub amount: Decimal,
    pub execution_date: NaiveDate,
    /// The payee's name.
    pub creditor: String,
    pub method: PaymentMethod,
    /// The giro number in its usual form (`5050-1055`, `123456-6`).
    pub account: String,
    pub remittance: String,
}

impl Transfer {
    /// The giro number's digits, as the file has them.
    pub fn account_digits(&self) -> String {
        digits(&self.account)
    }

    pub fn account_label(&self) -> String {
        format!("{} {}", self.method.label(), self.account)
    }
}

/// The batch's credit transfers, by day and case, when every chosen payment may be paid;
/// otherwise what is wrong with each that may not (and nothing is made). `rows` are what
/// the database found of `chosen`: one chosen but not found is refused too. Each day is
/// the one asked for; `on_bank_days` then moves those the bank does not pay on.
pub fn batch(
    rows: &[Payable],
    chosen: &Selection,
    today: NaiveDate,
) -> Result<Vec<Transfer>, Vec<String>> {
    let mut problems = Vec::new();
    if rows.len() != chosen.len() || rows.iter().any(|r| !chosen.contains(r.kind(), r.id)) {
        problems.push(UNKNOWN_CHOSEN.to_string());
    }
    let mut transfers = Vec::new();
    for row in rows {
        match row.transfer(today) {
            Ok(t) => transfers.push(t),
            Err(why) => problems.push(why),
        }
    }
    if chosen.is_empty() {
        problems.push(NOTHING_CHOSEN.to_string());
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    by_day_and_case(&mut transfers);
    Ok(transfers)
}

/// What the transfers add up to.
pub fn total(transfers: &[Transfer]) -> Decimal {
    transfers.iter().map(|t| t.amount).sum()
}

// ---- The file's fields ----

/// A file's message id, from its number and the day it is made: `DIGIKOORD-20260210-000001`.
pub fn message_id(number: i64, day: NaiveDate) -> String {
    format!("DIGIKOORD-{}-{number:06}", day.format("%Y%m%d"))
}

/// The file's name when downloaded.
pub fn file_name(message_id: &str) -> String {
    format!("betalningsfil-{message_id}.xml")
}

/// An amount as the standard writes it: two decimals and a point, no spaces (`400000.00`).
pub fn amount_text(amount: Decimal) -> String {
    format!("{:.2}", amount.round_dp(2))
}

/// A text as a bank reads it: typographic dashes and quotes made plain, control characters
/// and runs of white space one space, trimmed, and cut to `max` characters.
pub fn bank_text(text: &str, max: usize) -> String {
    let mapped: String = text
        .chars()
        .map(|c| match c {
            '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
            '\u{2018}' | '\u{2019}' | '\u{201a}' | '\u{201b}' | '\u{00b4}' | '`' => '\'',
            '\u{201c}' | '\u{201d}' | '\u{201e}' | '\u{201f}' | '\u{00ab}' | '\u{00bb}' => '"',
            c if c.is_whitespace() || c.is_control() || matches!(c, '\u{fffe}' | '\u{ffff}') => ' ',
            c => c,
        })
        .collect();
    let words = mapped.split_whitespace().collect::<Vec<_>>().join(" ");
    words
        .chars()
        .take(max)
        .collect::<String>()
        .trim_end()
        .to_string()
}

/// A text made plain for a form's field (white space, as `bank_text`), not cut.
fn plain(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn digits(text: &str) -> String {
    text.chars().filter(char::is_ascii_digit).collect()
}

/// `2026-02-10T14:05:00`, Swedish time.
fn date_time(at: DateTime<Utc>) -> String {
    crate::clock::swedish(at)
        .format("%Y-%m-%dT%H:%M:%S")
        .to_string()
}

// ---- The XML ----

/// A file to write: its id, when it is made, who pays, and the transfers (`batch`).
pub struct Message<'a> {
    pub message_id: &'a str,
    pub created: DateTime<Utc>,
    pub debtor: &'a Debtor,
    pub transfers: &'a [Transfer],
}

/// XML written element by element, indented, every text escaped.
struct Xml {
    out: String,
    depth: usize,
}

impl Xml {
    fn indent(&mut self) {
        for _ in 0..self.depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, tag: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push_str(">\n");
        self.depth += 1;
    }

    fn close(&mut self, tag: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.indent();
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    fn leaf(&mut self, tag: &str, text: &str) {
        self.indent();
        self.out.push('<');
        self.out.push_str(tag);
        self.out.push('>');
        self.out.push_str(&quick_xml::escape::escape(text));
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    /// `<InstdAmt Ccy="SEK">400000.00</InstdAmt>`.
    fn amount(&mut self, amount: Decimal) {
        self.indent();
        self.out.push_str("<InstdAmt Ccy=\"SEK\">");
        self.out.push_str(&amount_text(amount));
        self.out.push_str("</InstdAmt>\n");
    }

    /// `<Othr><Id>…</Id><SchmeNm><Cd|Prtry>…</…></SchmeNm></Othr>`.
    fn other_id(&mut self, id: &str, scheme_tag: &str, scheme: &str) {
        self.open("Othr");
        self.leaf("Id", id);
        self.open("SchmeNm");
        self.leaf(scheme_tag, scheme);
        self.close("SchmeNm");
        self.close("Othr");
    }

    /// A party: its name and organisation number.
    fn party(&mut self, tag: &str, debtor: &Debtor) {
        self.open(tag);
        self.leaf("Nm", &bank_text(&debtor.name, NAME_MAX));
        self.open("Id");
        self.open("OrgId");
        self.other_id(&digits(&debtor.org_number), "Cd", "BANK");
        self.close("OrgId");
        self.close("Id");
        self.close(tag);
    }
}

/// The pain.001.001.03 document of a file, in UTF-8.
pub fn xml(m: &Message<'_>) -> String {
    let mut x = Xml {
        out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
        depth: 0,
    };
    x.out
        .push_str(&format!("<Document xmlns=\"{NAMESPACE}\">\n"));
    x.depth = 1;
    x.open("CstmrCdtTrfInitn");

    x.open("GrpHdr");
    x.leaf("MsgId", m.message_id);
    x.leaf("CreDtTm", &date_time(m.created));
    x.leaf("NbOfTxs", &m.transfers.len().to_string());
    x.leaf("CtrlSum", &amount_text(total(m.transfers)));
    x.party("InitgPty", m.debtor);
    x.close("GrpHdr");

    let mut days: BTreeMap<NaiveDate, Vec<&Transfer>> = BTreeMap::new();
    for t in m.transfers {
        days.entry(t.execution_date).or_default().push(t);
    }
    let mut n = 0;
    for (k, (day, transfers)) in days.iter().enumerate() {
        x.open("PmtInf");
        x.leaf("PmtInfId", &format!("{}-{}", m.message_id, k + 1));
        x.leaf("PmtMtd", "TRF");
        x.leaf("NbOfTxs", &transfers.len().to_string());
        x.leaf(
            "CtrlSum",
            &amount_text(transfers.iter().map(|t| t.amount).sum()),
        );
        x.open("PmtTpInf");
        x.open("SvcLvl");
        x.leaf("Cd", "NURG");
        x.close("SvcLvl");
        x.close("PmtTpInf");
        x.leaf("ReqdExctnDt", &day.format("%Y-%m-%d").to_string());
        x.party("Dbtr", m.debtor);
        x.open("DbtrAcct");
        x.open("Id");
        x.other_id(&digits(&m.debtor.bankgiro), "Prtry", "BGNR");
        x.close("Id");
        x.leaf("Ccy", "SEK");
        x.close("DbtrAcct");
        x.open("DbtrAgt");
        x.open("FinInstnId");
        match &m.debtor.bic {
            Some(bic) => x.leaf("BIC", bic),
            None => {
                x.open("Othr");
                x.leaf("Id", "NOTPROVIDED");
                x.close("Othr");
            }
        }
        x.close("FinInstnId");
        x.close("DbtrAgt");
        for t in transfers {
            n += 1;
            x.open("CdtTrfTxInf");
            x.open("PmtId");
            x.leaf("InstrId", &format!("{}-{n}", m.message_id));
            x.leaf("EndToEndId", &t.end_to_end_id);
            x.close("PmtId");
            x.open("Amt");
            x.amount(t.amount);
            x.close("Amt");
            x.open("CdtrAgt");
            x.open("FinInstnId");
            x.open("ClrSysMmbId");
            x.open("ClrSysId");
            x.leaf("Cd", "SESBA");
            x.close("ClrSysId");
            x.leaf(
                "MmbId",
                match t.method {
                    PaymentMethod::Bankgiro => BANKGIROT,
                    PaymentMethod::Plusgiro => PLUSGIROT,
                },
            );
            x.close("ClrSysMmbId");
            x.close("FinInstnId");
            x.close("CdtrAgt");
            x.open("Cdtr");
            x.leaf("Nm", &t.creditor);
            x.close("Cdtr");
            x.open("CdtrAcct");
            x.open("Id");
            match t.method {
                PaymentMethod::Bankgiro => x.other_id(&t.account_digits(), "Prtry", "BGNR"),
                PaymentMethod::Plusgiro => x.other_id(&t.account_digits(), "Cd", "BBAN"),
            }
            x.close("Id");
            x.close("CdtrAcct");
            x.open("RmtInf");
            x.leaf("Ustrd", &t.remittance);
            x.close("RmtInf");
            x.close("CdtTrfTxInf");
        }
        x.close("PmtInf");
    }

    x.close("CstmrCdtTrfInitn");
    x.out.push_str("</Document>\n");
    x.out
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

    fn debtor() -> Debtor {
        Debtor {
            name: "Tillväxtverket".into(),
            org_number: "202100-5026".into(),
            bankgiro: "5050-1055".into(),
            bic: None,
        }
    }

    fn payable(refund: bool, amount: &str) -> Payable {
        Payable {
            refund,
            id: Uuid::new_v4(),
            year: 2025,
            organisation_id: Uuid::nil(),
            payee: "Region Skåne".into(),
            case_number: Some("DK-2025-007".into()),
            amount: dec(amount),
            planned_date: date(2026, 2, 12),
            state: "approved".into(),
            payment_method: Some(PaymentMethod::Bankgiro),
            account_number: Some("5050-1055".into()),
            payment_reference: Some("Digikoord 2025".into()),
            approved_by_name: Some("Attestant".into()),
            in_files: vec![],
        }
    }

    fn chosen(rows: &[Payable]) -> Selection {
        let mut s = Selection::default();
        for r in rows {
            match r.kind() {
                Kind::Payout => s.payouts.push(r.id),
                Kind::Refund => s.refunds.push(r.id),
            }
        }
        s
    }

    /// The text of every `<tag>` in the document, in order.
    fn texts(doc: &str, tag: &str) -> Vec<String> {
        let open = format!("<{tag}>");
        let close = format!("</{tag}>");
        doc.match_indices(&open)
            .map(|(at, _)| {
                let from = at + open.len();
                let to = from + doc[from..].find(&close).expect("closed");
                doc[from..to].to_string()
            })
            .collect()
    }

    #[test]
    fn amounts_have_two_decimals_and_a_point() {
        assert_eq!(amount_text(dec("400000")), "400000.00");
        assert_eq!(amount_text(dec("1234.5")), "1234.50");
        assert_eq!(amount_text(dec("0.07")), "0.07");
        assert_eq!(amount_text(dec("999999999.999")), "1000000000.00");
    }

    #[test]
    fn texts_are_made_plain_cut_to_length_and_escaped_in_the_file() {
        assert_eq!(
            bank_text("  Region\tSkåne –\n”Syd” \u{0}  ", 70),
            "Region Skåne - \"Syd\""
        );
        assert_eq!(bank_text(&"å".repeat(200), 140).chars().count(), 140);
        assert_eq!(bank_text("abc   def", 4), "abc");

        let mut row = payable(false, "100");
        row.payee = "Region <Väst> & \"Öst\" 'AB'".into();
        row.payment_reference = Some("R&D </Ustrd>".into());
        let transfers = batch(
            std::slice::from_ref(&row),
            &chosen(std::slice::from_ref(&row)),
            date(2026, 2, 10),
        )
        .expect("payable");
        let d = debtor();
        let doc = xml(&Message {
            message_id: "DIGIKOORD-20260210-000001",
            created: Utc::now(),
            debtor: &d,
            transfers: &transfers,
        });
        assert!(
            doc.contains("<Nm>Region &lt;Väst&gt; &amp; &quot;Öst&quot; &apos;AB&apos;</Nm>"),
            "{doc}"
        );
        assert!(
            doc.contains("Er referens: R&amp;D &lt;/Ustrd&gt;</Ustrd>"),
            "{doc}"
        );
        assert_eq!(doc.matches("<Ustrd>").count(), 1);
        assert!(!doc.contains("R&D"));
    }

    #[test]
    fn counts_and_sums_are_the_files_and_each_days() {
        let mut early = payable(false, "400000");
        early.planned_date = date(2025, 3, 10);
        early.payment_method = Some(PaymentMethod::Plusgiro);
        early.account_number = Some("123456-6".into());
        early.case_number = Some("DK-2025-001".into());
        let refund = payable(true, "50000.50");
        let mut later = payable(false, "0.49");
        later.planned_date = date(2026, 3, 1);
        later.case_number = Some("DK-2025-002".into());
        let rows = vec![later, refund, early];
        let today = date(2026, 2, 10);
        let transfers = batch(&rows, &chosen(&rows), today).expect("payable");
        assert_eq!(total(&transfers), dec("450000.99"));
        // By day: the passed day paid today, the refund on its day, the late one on its own.
        assert_eq!(
            transfers
                .iter()
                .map(|t| t.execution_date)
                .collect::<Vec<_>>(),
            vec![today, date(2026, 2, 12), date(2026, 3, 1)]
        );
        let d = Debtor {
            bic: Some("HANDSESS".into()),
            ..debtor()
        };
        let doc = xml(&Message {
            message_id: "DIGIKOORD-20260210-000007",
            created: Utc::now(),
            debtor: &d,
            transfers: &transfers,
        });
        // The group's count and sum, then each payment information's.
        assert_eq!(texts(&doc, "NbOfTxs"), vec!["3", "1", "1", "1"]);
        assert_eq!(
            texts(&doc, "CtrlSum"),
            vec!["450000.99", "400000.00", "50000.50", "0.49"]
        );
        assert_eq!(
            texts(&doc, "ReqdExctnDt"),
            vec!["2026-02-10", "2026-02-12", "2026-03-01"]
        );
        assert_eq!(
            texts(&doc, "EndToEndId"),
            vec!["DK-2025-001", "DK-2025-007-TB", "DK-2025-002"]
        );
        assert_eq!(
            texts(&doc, "PmtInfId"),
            vec![
                "DIGIKOORD-20260210-000007-1",
                "DIGIKOORD-20260210-000007-2",
                "DIGIKOORD-20260210-000007-3"
            ]
        );
        // Plusgiro through PlusGirot as a BBAN, bankgiro through Bankgirot as BGNR.
        assert_eq!(texts(&doc, "MmbId"), vec!["9960", "9900", "9900"]);
        assert!(doc.contains("<Id>1234566</Id>\n"));
        assert_eq!(
            texts(&doc, "Prtry").len(),
            3 + 2,
            "debtor's 3 and 2 bankgiros"
        );
        assert_eq!(texts(&doc, "BIC"), vec!["HANDSESS"; 3]);
        assert!(!doc.contains("NOTPROVIDED"));
        assert!(doc.contains("<InstdAmt Ccy=\"SEK\">400000.00</InstdAmt>"));
        assert_eq!(
            texts(&doc, "Ustrd")[0],
            "DK-2025-001 Utbetalning 2025 Tillväxtverket Er referens: Digikoord 2025"
        );
        assert!(
            texts(&doc, "Ustrd")[1].starts_with("DK-2025-007-TB Återbetalning av överbetalt 2025")
        );
        // The organisation number and bankgiro as digits.
        assert_eq!(
            texts(&doc, "Id")
                .iter()
                .filter(|i| *i == "2021005026")
                .count(),
            4
        );
        assert!(doc.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:pain.001.001.03\">"));
        assert!(doc.ends_with("</Document>\n"));
    }

    #[test]
    fn a_day_the_bank_does_not_pay_on_moves_to_the_next_and_the_file_groups_by_the_day_moved_to() {
        let today = date(2026, 2, 10);
        let on = |planned: NaiveDate, case: &str, amount: &str| {
            let mut p = payable(false, amount);
            p.planned_date = planned;
            p.case_number = Some(case.into());
            p
        };
        // Thursday 12 February 2026, Saturday 14th, Sunday 15th, and a refund on Monday 16th.
        let thursday = on(date(2026, 2, 12), "DK-2025-009", "1");
        let saturday = on(date(2026, 2, 14), "DK-2025-003", "100");
        let sunday = on(date(2026, 2, 15), "DK-2025-001", "200");
        let mut monday = payable(true, "300");
        monday.planned_date = date(2026, 2, 16);
        let rows = vec![monday, sunday, saturday, thursday];
        let asked = batch(&rows, &chosen(&rows), today).expect("payable");
        assert_eq!(
            days(&asked),
            vec![
                date(2026, 2, 12),
                date(2026, 2, 14),
                date(2026, 2, 15),
                date(2026, 2, 16)
            ]
        );
        // As `db::bank_days` gives it: the weekend to the Monday, weekdays stay.
        let moved: BankDays = [
            (date(2026, 2, 12), date(2026, 2, 12)),
            (date(2026, 2, 14), date(2026, 2, 16)),
            (date(2026, 2, 15), date(2026, 2, 16)),
            (date(2026, 2, 16), date(2026, 2, 16)),
        ]
        .into_iter()
        .collect();
        let transfers = on_bank_days(asked, &moved);
        assert_eq!(
            transfers
                .iter()
                .map(|t| (t.execution_date, t.end_to_end_id.as_str()))
                .collect::<Vec<_>>(),
            vec![
                (date(2026, 2, 12), "DK-2025-009"),
                (date(2026, 2, 16), "DK-2025-001"),
                (date(2026, 2, 16), "DK-2025-003"),
                (date(2026, 2, 16), "DK-2025-007-TB")
            ],
            "by the day moved to, then case"
        );
        assert_eq!(days(&transfers), vec![date(2026, 2, 12), date(2026, 2, 16)]);
        let d = debtor();
        let doc = xml(&Message {
            message_id: "DIGIKOORD-20260210-000003",
            created: Utc::now(),
            debtor: &d,
            transfers: &transfers,
        });
        // Two payment informations, the Monday's with the weekend's payments in it.
        assert_eq!(texts(&doc, "ReqdExctnDt"), vec!["2026-02-12", "2026-02-16"]);
        assert_eq!(texts(&doc, "NbOfTxs"), vec!["4", "1", "3"]);
        assert_eq!(texts(&doc, "CtrlSum"), vec!["601.00", "1.00", "600.00"]);
        assert_eq!(
            texts(&doc, "EndToEndId"),
            vec![
                "DK-2025-009",
                "DK-2025-001",
                "DK-2025-003",
                "DK-2025-007-TB"
            ]
        );
        // A day not asked about stays as it is.
        assert_eq!(bank_day(&moved, date(2026, 2, 17)), date(2026, 2, 17));
        assert_eq!(
            bank_day(&BankDays::new(), date(2026, 2, 14)),
            date(2026, 2, 14)
        );
    }

    #[test]
    fn only_an_approved_payment_with_an_account_goes_in_a_file() {
        let today = date(2026, 2, 10);
        let mut prepared = payable(false, "1");
        prepared.state = "prepared".into();
        let mut paid = payable(true, "1");
        paid.state = "paid".into();
        let mut no_account = payable(false, "1");
        no_account.account_number = None;
        let mut bad_account = payable(false, "1");
        bad_account.account_number = Some("5050-1056".into());
        let good = payable(false, "1");
        let rows = vec![prepared, paid, no_account, bad_account, good.clone()];
        let problems = batch(&rows, &chosen(&rows), today).expect_err("refused");
        assert_eq!(problems.len(), 4, "{problems:?}");
        assert!(problems[0].starts_with(
            "Utbetalning DK-2025-007 till Region Skåne: väntar fortfarande på attest."
        ));
        assert!(problems[1].contains(
            "Tillbakabetalning DK-2025-007 till Region Skåne: är redan registrerad som utbetald"
        ));
        assert!(problems[2].contains("inget bankgiro eller plusgiro"));
        assert!(problems[3].contains("fel kontrollsiffra"));
        // One chosen that was not found is refused too; nothing chosen is not a batch.
        let mut more = chosen(std::slice::from_ref(&good));
        more.payouts.push(Uuid::new_v4());
        assert_eq!(
            batch(std::slice::from_ref(&good), &more, today),
            Err(vec![UNKNOWN_CHOSEN.to_string()])
        );
        assert_eq!(
            batch(&[], &Selection::default(), today),
            Err(vec![NOTHING_CHOSEN.to_string()])
        );
    }

    #[test]
    fn the_batch_is_read_from_the_ticked_boxes_each_once() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let fields = |pairs: &[(&str, String)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.clone()))
                .collect()
        };
        let s = parse_selection(&fields(&[
            ("csrf", "x".into()),
            ("utbetalning", a.to_string()),
            ("tillbakabetalning", b.to_string()),
            ("utbetalning", a.to_string()),
        ]))
        .expect("a batch");
        assert_eq!(s.payouts, vec![a]);
        assert_eq!(s.refunds, vec![b]);
        assert_eq!(
            s.fields(),
            vec![("utbetalning", a), ("tillbakabetalning", b)]
        );
        assert_eq!(
            parse_selection(&fields(&[("csrf", "x".into())])),
            Err(NOTHING_CHOSEN)
        );
        assert_eq!(
            parse_selection(&fields(&[("utbetalning", "DK-2025-007".into())])),
            Err(UNKNOWN_CHOSEN)
        );
    }

    #[test]
    fn the_debtor_is_set_by_its_form_and_missing_until_set() {
        let empty = Settings {
            debtor_name: "Tillväxtverket".into(),
            ..Settings::default()
        };
        assert_eq!(empty.missing(), vec![MISSING_ORG_NUMBER, MISSING_BANKGIRO]);
        assert_eq!(empty.debtor(), None);
        let form = SettingsForm {
            debtor_name: "  Tillväxtverket ".into(),
            org_number: "2021005026".into(),
            bankgiro: "5050 1055".into(),
            bic: "hand se ss".into(),
        };
        let set = form.validate().expect("valid");
        assert_eq!(set.org_number.as_deref(), Some("202100-5026"));
        assert_eq!(set.bankgiro.as_deref(), Some("5050-1055"));
        assert_eq!(set.bic.as_deref(), Some("HANDSESS"));
        assert_eq!(set.debtor_name, "Tillväxtverket");
        assert!(set.missing().is_empty());
        assert!(set.debtor().is_some());
        let wrong = SettingsForm {
            debtor_name: String::new(),
            org_number: "202100-5027".into(),
            bankgiro: "5050-1056".into(),
            bic: "HANDSE".into(),
        }
        .validate()
        .expect_err("wrong");
        for field in ["debtor_name", "org_number", "bankgiro", "bic"] {
            assert!(wrong.get(field).is_some(), "{field}");
        }
        assert_eq!(parse_bic("ESSESESS"), Ok(Some("ESSESESS".into())));
        assert_eq!(parse_bic("NDEASESSXXX"), Ok(Some("NDEASESSXXX".into())));
        assert_eq!(parse_bic(""), Ok(None));
        assert_eq!(parse_bic("HANDSEO1"), Ok(Some("HANDSEO1".into())));
        assert!(
            parse_bic("HANDSESO").is_err(),
            "O is no location's second character"
        );
        assert!(parse_bic("HANDSES").is_err());
    }

    #[test]
    fn a_message_id_is_unique_per_number_and_fits_the_standard() {
        let id = message_id(1, date(2026, 2, 10));
        assert_eq!(id, "DIGIKOORD-20260210-000001");
        assert!(id.len() <= ID_MAX);
        assert!(message_id(1_234_567, date(2026, 2, 10)).len() <= ID_MAX);
        assert_eq!(
            file_name(&id),
            "betalningsfil-DIGIKOORD-20260210-000001.xml"
        );
        assert_eq!(
            execution_date(date(2025, 3, 10), date(2026, 2, 10)),
            date(2026, 2, 10)
        );
        assert_eq!(
            execution_date(date(2026, 3, 10), date(2026, 2, 10)),
            date(2026, 3, 10)
        );
    }
}
