//! The pure rules of the bank's files: the OCR number a region pays with, what a file holds
//! once read (`bgmax.rs`, `camt054.rs`), the limits every file is read under, and which
//! region's repayment an incoming payment is proposed for. Unit-tested; no I/O.

use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use uuid::Uuid;

use crate::{
    giro::{luhn_check_digit, luhn_valid},
    repayments::model::payment_reference,
    web::FormErrors,
};

// ---- OCR numbers ----

/// The year and the sequence of a case number (`DK-2025-007` → `2025`, `007`).
fn case_parts(case_number: &str) -> Option<(&str, &str)> {
    let mut parts = case_number.trim().split('-');
    let (prefix, year, sequence) = (parts.next()?, parts.next()?, parts.next()?);
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (parts.next().is_none()
        && prefix == "DK"
        && year.len() == 4
        && digits(year)
        && (1..=6).contains(&sequence.len())
        && digits(sequence))
    .then_some((year, sequence))
}

/// The Bankgirot OCR number of a region's repayment: the case number's year and sequence
/// (`DK-2025-007` → `2025007`), a length digit (the whole number's length, check digit
/// included, modulo 10) and a Luhn check digit over all of it: `202500799`. A bankgiro with
/// OCR control (check digit and length) accepts it; a mistyped digit is refused by the
/// payer's bank. `None` for what is not a case number.
pub fn ocr_reference(case_number: &str) -> Option<String> {
    let (year, sequence) = case_parts(case_number)?;
    let base = format!("{year}{sequence}");
    let length = (base.len() + 2) % 10;
    let without_check = format!("{base}{length}");
    let check = luhn_check_digit(&without_check)?;
    Some(format!("{without_check}{check}"))
}

/// The case number an OCR number was made from, when its check digit and its length digit
/// are right; anything else (a letter, a changed digit, a wrong length) is `None`.
pub fn parse_ocr(ocr: &str) -> Option<String> {
    let digits = ocr.trim();
    // Year (4), at least one digit of sequence, the length digit and the check digit.
    if !(7..=12).contains(&digits.len()) || !luhn_valid(digits) {
        return None;
    }
    let length_digit = u32::from(digits.as_bytes()[digits.len() - 2] - b'0');
    if length_digit as usize != digits.len() % 10 {
        return None;
    }
    let base = &digits[..digits.len() - 2];
    let case_number = format!("DK-{}-{}", &base[..4], &base[4..]);
    // Only what `ocr_reference` makes is an OCR number of ours.
    (ocr_reference(&case_number).as_deref() == Some(digits)).then_some(case_number)
}

/// The case a payment's reference names: its OCR number, or the older reference
/// (`DK-2025-007-AB`, still accepted), found in the reference as the payer wrote it (in
/// capitals or not, with spaces in the OCR number, or among other words).
pub fn case_of_reference(reference: &str) -> Option<String> {
    let upper = reference.trim().to_uppercase();
    if upper.is_empty() {
        return None;
    }
    let squeezed: String = upper.chars().filter(|c| !c.is_whitespace()).collect();
    let words = upper
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '/' | '(' | ')'))
        .map(|w| w.trim_matches(|c: char| matches!(c, '.' | '"' | '\'' | '”')));
    std::iter::once(squeezed.as_str())
        .chain(words)
        .filter(|w| !w.is_empty())
        .find_map(|word| {
            if word.bytes().all(|b| b.is_ascii_digit()) {
                return parse_ocr(word);
            }
            let case = word.strip_suffix("-AB")?;
            (case_parts(case).is_some() && payment_reference(case) == word)
                .then(|| case.to_string())
        })
}

// ---- What a file holds ----

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "bank_file_kind", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum FileKind {
    Bgmax,
    #[sqlx(rename = "camt054")]
    #[serde(rename = "camt054")]
    Camt054,
}

impl FileKind {
    pub fn label(self) -> &'static str {
        match self {
            FileKind::Bgmax => "BgMax (Bankgirot)",
            FileKind::Camt054 => "camt.054 (ISO 20022)",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, serde::Serialize)]
#[sqlx(type_name = "bank_payment_state", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum BankPaymentState {
    /// Waiting for a person to decide.
    Unmatched,
    /// Registered and confirmed as a region's repayment.
    Confirmed,
    /// Not a repayment, with a reason.
    Dismissed,
}

impl BankPaymentState {
    pub fn label(self) -> &'static str {
        match self {
            BankPaymentState::Unmatched => "Väntar på beslut",
            BankPaymentState::Confirmed => "Bekräftad som återbetalning",
            BankPaymentState::Dismissed => "Avvisad",
        }
    }
}

/// One incoming payment as a file tells it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    /// The file's line where it begins.
    pub line: usize,
    /// The bank's own reference for it: unique, the voucher number once confirmed.
    pub bank_reference: String,
    pub amount: Decimal,
    pub paid_on: NaiveDate,
    /// What the payer wrote: an OCR number, the old reference or free text; may be empty.
    pub reference: String,
    pub payer_name: String,
    /// The payer's bankgiro (`1234-5678`), when the file gives a valid one.
    pub payer_bankgiro: Option<String>,
}

/// A file read without a fault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReadFile {
    pub kind: FileKind,
    pub payments: Vec<Incoming>,
}

impl ReadFile {
    pub fn total(&self) -> Decimal {
        self.payments.iter().map(|p| p.amount).sum()
    }
}

/// A fault in a file, by its line: shown as *Rad 7: beloppet är inte ett tal*.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub message: String,
}

impl Problem {
    pub fn new(line: usize, message: impl Into<String>) -> Problem {
        Problem {
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Rad {}: {}", self.line, self.message)
    }
}

/// The limits every upload is read under, as the history import's sheet is: at most
/// `attachments::MAX_BYTES`, `history::sheet::MAX_ROWS` lines and
/// `history::sheet::MAX_CELL_CHARS` characters in a field.
pub const MAX_BYTES: usize = crate::attachments::MAX_BYTES;
pub const MAX_LINES: usize = crate::history::sheet::MAX_ROWS;
pub const MAX_FIELD_CHARS: usize = crate::history::sheet::MAX_CELL_CHARS;
/// A file with more faults than this is told its first ones.
pub const MAX_PROBLEMS: usize = 50;
/// The largest amount a payment can have (`NUMERIC(14,2)`), in öre.
pub const MAX_ORE: i64 = 99_999_999_999_999;

/// What the reading needs besides the file: Tillväxtverket's bankgiro (a file for another
/// account is refused) and today (a payment can't be dated later).
#[derive(Clone, Debug)]
pub struct Expect {
    pub bankgiro: Option<String>,
    pub today: NaiveDate,
}

/// Reads a bank's file, BgMax or camt.054 told by its first bytes, within the limits; every
/// fault is named by its line, and a file with any fault gives nothing.
pub fn read_file(bytes: &[u8], expect: &Expect) -> Result<ReadFile, Vec<Problem>> {
    if bytes.is_empty() {
        return Err(vec![Problem::new(1, "filen är tom.")]);
    }
    if bytes.len() > MAX_BYTES {
        return Err(vec![Problem::new(
            1,
            "filen är större än 10 MB, större än någon fil med inbetalningar till Tillväxtverket kan vara.",
        )]);
    }
    let lines = bytes.iter().filter(|b| **b == b'\n').count() + 1;
    if lines > MAX_LINES {
        return Err(vec![Problem::new(
            MAX_LINES + 1,
            "filen har fler än 25\u{a0}000 rader.",
        )]);
    }
    let start = bytes.strip_prefix(b"\xef\xbb\xbf").unwrap_or(bytes);
    let first = start
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .map_or(&[][..], |i| &start[i..]);
    if first.starts_with(b"01BGMAX") {
        super::bgmax::read(start, expect)
    } else if first.starts_with(b"<") {
        super::camt054::read(start, expect)
    } else {
        Err(vec![Problem::new(
            1,
            "filen är varken en BgMax-fil från Bankgirot (börjar med 01BGMAX) eller en camt.054-fil (ISO 20022, XML).",
        )])
    }
}

/// A payment day read from a file: a real day, not after today.
pub fn payment_day(
    text: &str,
    format: &str,
    today: NaiveDate,
) -> std::result::Result<NaiveDate, &'static str> {
    match NaiveDate::parse_from_str(text, format) {
        Ok(d) if d > today => Err("betalningsdagen ligger i framtiden."),
        Ok(d) => Ok(d),
        Err(_) => Err("betalningsdagen är inte ett datum."),
    }
}

/// A bankgiro number as a file gives it (zero-padded digits), in its usual form when valid.
pub fn bankgiro_of(digits: &str) -> Option<String> {
    let significant = digits.trim().trim_start_matches('0');
    if significant.is_empty() || !significant.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    crate::giro::PaymentMethod::Bankgiro
        .parse_account(significant)
        .ok()
}

/// Cuts a text to `max` characters, as a column holds it.
pub fn at_most(text: &str, max: usize) -> String {
    text.trim()
        .chars()
        .take(max)
        .collect::<String>()
        .trim()
        .to_string()
}

// ---- Matching ----

/// A region's repayment a payment may be for: one with an amount owed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenCase {
    pub year: i32,
    pub organisation_id: Uuid,
    pub actor_name: String,
    pub case_number: String,
    pub owed: Decimal,
    /// What is still to be received (owed less what was received and kept).
    pub remaining: Decimal,
    /// The region's bankgiro, as its requisition gives it, when it has one.
    pub bankgiro: Option<String>,
}

impl OpenCase {
    /// The key a form names the case by: `2025:<organisation>`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.year, self.organisation_id)
    }

    pub fn ocr(&self) -> Option<String> {
        ocr_reference(&self.case_number)
    }
}

/// Reads a case key (`2025:<organisation>`).
pub fn parse_case_key(key: &str) -> Option<(i32, Uuid)> {
    let (year, org) = key.trim().split_once(':')?;
    Some((year.parse().ok()?, Uuid::parse_str(org).ok()?))
}

/// Which repayment a payment is proposed for, and how sure the proposal is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Proposal {
    /// Its reference names the case (OCR number or the old reference).
    Matched(usize),
    /// Its amount is exactly what one case still owes (and its bankgiro the region's,
    /// where both are known): a person checks.
    Unsure(usize),
    Unmatched,
}

impl Proposal {
    pub fn case(self) -> Option<usize> {
        match self {
            Proposal::Matched(i) | Proposal::Unsure(i) => Some(i),
            Proposal::Unmatched => None,
        }
    }
}

fn digits_of(s: &str) -> String {
    s.chars().filter(char::is_ascii_digit).collect()
}

/// Proposes the case of `cases` a payment is for: first by the reference (an OCR number or
/// the old `DK-…-AB`), then by the amount still owed — only where that amount is owed by one
/// case alone, and, where both the payer's and the region's bankgiro are known, from the
/// region's bankgiro. Nothing is decided here: a person confirms.
pub fn propose(
    reference: &str,
    amount: Decimal,
    payer_bankgiro: Option<&str>,
    cases: &[OpenCase],
) -> Proposal {
    if let Some(case) = case_of_reference(reference)
        && let Some(i) = cases.iter().position(|c| c.case_number == case)
    {
        return Proposal::Matched(i);
    }
    let payer = payer_bankgiro.map(digits_of);
    let same_amount: Vec<usize> = cases
        .iter()
        .enumerate()
        .filter(|(_, c)| c.remaining > Decimal::ZERO && c.remaining == amount)
        .filter(|(_, c)| match (&payer, &c.bankgiro) {
            (Some(p), Some(b)) => *p == digits_of(b),
            _ => true,
        })
        .map(|(i, _)| i)
        .collect();
    match same_amount.as_slice() {
        [one] => Proposal::Unsure(*one),
        [] => Proposal::Unmatched,
        several => {
            // Several owe the amount: the one whose bankgiro paid, if exactly one.
            let by_bankgiro: Vec<usize> = several
                .iter()
                .copied()
                .filter(|i| {
                    payer.is_some() && cases[*i].bankgiro.as_deref().map(digits_of) == payer
                })
                .collect();
            match by_bankgiro.as_slice() {
                [one] => Proposal::Unsure(*one),
                _ => Proposal::Unmatched,
            }
        }
    }
}

/// What confirming a payment against a case does: confirm the payment the region registered
/// for the same amount, or register one from the bank's file and confirm it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirming {
    TheRegions(Uuid),
    FromTheFile,
}

/// The region's own registered payment a bank payment confirms: the first unconfirmed one
/// of exactly the same amount, if any (`registered`: id and amount of each unconfirmed one).
pub fn confirming(amount: Decimal, registered: &[(Uuid, Decimal)]) -> Confirming {
    registered
        .iter()
        .find(|(_, a)| *a == amount)
        .map_or(Confirming::FromTheFile, |(id, _)| {
            Confirming::TheRegions(*id)
        })
}

// ---- Forms ----

/// What confirming `amount` against a case with `remaining` still to receive would make the
/// region overpaid by; `None` when it is no more than is still owed.
pub fn overpaid_by(remaining: Decimal, amount: Decimal) -> Option<Decimal> {
    let over = amount - remaining.max(Decimal::ZERO);
    (over > Decimal::ZERO).then_some(over)
}

/// Which case a payment is confirmed against (`2025:<organisation>`), and, when confirming it
/// would make the region overpaid, that the officer has checked it is not a payment already
/// confirmed by hand (`overpayment_checked=ja`).
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct ConfirmForm {
    pub fall: String,
    pub overpayment_checked: String,
}

impl ConfirmForm {
    pub fn overpayment_acknowledged(&self) -> bool {
        self.overpayment_checked.trim() == "ja"
    }
}

/// Why a payment is not a repayment; `fall`, the case the page had chosen, so the page
/// comes back as it was when the reason is missing.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct DismissForm {
    pub reason: String,
    pub fall: String,
}

impl DismissForm {
    pub fn validate(&self) -> Result<String, FormErrors> {
        let mut errors = FormErrors::default();
        match crate::input::required_text(
            &mut errors,
            "reason",
            &self.reason,
            5000,
            "Skriv varför inbetalningen inte är en återbetalning (högst 5000 tecken).",
        ) {
            Some(reason) if errors.is_empty() => Ok(reason),
            _ => Err(errors),
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

    #[test]
    fn the_luhn_check_digit_is_the_known_one() {
        // The textbook example: 7992739871 takes 3.
        assert_eq!(luhn_check_digit("7992739871"), Some(3));
        assert!(luhn_valid("79927398713"));
        // Tillväxtverket's demo bankgiro 5050-1055 ends in its check digit.
        assert_eq!(luhn_check_digit("5050105"), Some(5));
        assert_eq!(luhn_check_digit("12a"), None);
        assert_eq!(luhn_check_digit(""), None);
    }

    #[test]
    fn a_case_numbers_ocr_number_has_its_length_digit_and_check_digit() {
        // 2025007, then 9 (nine digits in all), then the Luhn digit of 20250079: 9.
        assert_eq!(ocr_reference("DK-2025-007").as_deref(), Some("202500799"));
        let ocr = ocr_reference("DK-2025-007").expect("an OCR number");
        assert!(luhn_valid(&ocr));
        assert_eq!(ocr.len() % 10, 9);
        let longer = ocr_reference("DK-2026-1234").expect("an OCR number");
        assert!(longer.starts_with("20261234"));
        assert_eq!(longer.len(), 10);
        assert_eq!(&longer[8..9], "0", "ten digits: the length digit is 0");
        assert!(luhn_valid(&longer));
        assert_eq!(ocr_reference("DK-2025"), None);
        assert_eq!(ocr_reference("XX-2025-007"), None);
        assert_eq!(ocr_reference("DK-25-007"), None);
        assert_eq!(ocr_reference("DK-2025-0a7"), None);
    }

    #[test]
    fn an_ocr_number_reads_back_to_its_case_and_a_tampered_one_does_not() {
        for case in [
            "DK-2025-007",
            "DK-2025-001",
            "DK-2026-901",
            "DK-2030-123456",
        ] {
            let ocr = ocr_reference(case).expect("an OCR number");
            assert_eq!(parse_ocr(&ocr).as_deref(), Some(case), "{ocr}");
        }
        // One digit changed: the check digit no longer holds.
        assert_eq!(parse_ocr("202500789"), None);
        assert_eq!(parse_ocr("202500798"), None);
        // Luhn right, length digit wrong: 2025007 with 8, and the check digit of 20250078.
        let check = luhn_check_digit("20250078").expect("digit");
        let wrong_length = format!("20250078{check}");
        assert!(luhn_valid(&wrong_length));
        assert_eq!(parse_ocr(&wrong_length), None);
        assert_eq!(parse_ocr("2025 00799"), None, "digits only");
        assert_eq!(parse_ocr("DK-2025-007-AB"), None);
        assert_eq!(parse_ocr(""), None);
    }

    #[test]
    fn a_reference_names_its_case_by_ocr_number_or_by_the_old_reference() {
        assert_eq!(
            case_of_reference("202500799").as_deref(),
            Some("DK-2025-007")
        );
        assert_eq!(
            case_of_reference(" 2025 0079 9 ").as_deref(),
            Some("DK-2025-007")
        );
        assert_eq!(
            case_of_reference("DK-2025-007-AB").as_deref(),
            Some("DK-2025-007")
        );
        assert_eq!(
            case_of_reference("Återbetalning dk-2025-007-ab, Region Skåne").as_deref(),
            Some("DK-2025-007")
        );
        assert_eq!(
            case_of_reference("DK-2025-007"),
            None,
            "the case alone is not a reference"
        );
        assert_eq!(case_of_reference("DK-2025-007-TB"), None);
        assert_eq!(case_of_reference("202500789"), None);
        assert_eq!(case_of_reference("Faktura 4711"), None);
        assert_eq!(case_of_reference(""), None);
    }

    fn case(n: u128, number: &str, remaining: &str, bankgiro: Option<&str>) -> OpenCase {
        OpenCase {
            year: 2025,
            organisation_id: Uuid::from_u128(n),
            actor_name: format!("Region {n}"),
            case_number: number.into(),
            owed: dec(remaining),
            remaining: dec(remaining),
            bankgiro: bankgiro.map(str::to_string),
        }
    }

    #[test]
    fn a_payment_is_matched_by_its_reference_first_then_proposed_by_its_amount() {
        let cases = vec![
            case(1, "DK-2025-001", "190000", Some("5050-1055")),
            case(2, "DK-2025-002", "50000", None),
            case(3, "DK-2025-003", "75000", Some("123-4566")),
            case(4, "DK-2025-004", "75000", Some("5050-1055")),
        ];
        let ocr = ocr_reference("DK-2025-002").expect("ocr");
        assert_eq!(propose(&ocr, dec("1"), None, &cases), Proposal::Matched(1));
        assert_eq!(
            propose("DK-2025-001-AB", dec("190000"), None, &cases),
            Proposal::Matched(0),
            "the old reference is still accepted"
        );
        // A reference to a case not among them is no match: the amount decides.
        let other = ocr_reference("DK-2025-099").expect("ocr");
        assert_eq!(
            propose(&other, dec("50000"), None, &cases),
            Proposal::Unsure(1)
        );
        assert_eq!(
            propose("", dec("190000"), None, &cases),
            Proposal::Unsure(0)
        );
        assert_eq!(
            propose("", dec("190000"), Some("123-4566"), &cases),
            Proposal::Unmatched,
            "the region's known bankgiro is not the payer's"
        );
        assert_eq!(
            propose("", dec("75000"), None, &cases),
            Proposal::Unmatched,
            "two owe the amount"
        );
        assert_eq!(
            propose("", dec("75000"), Some("5050-1055"), &cases),
            Proposal::Unsure(3),
            "the payer's bankgiro tells which"
        );
        assert_eq!(propose("", dec("12.50"), None, &cases), Proposal::Unmatched);
        let settled = vec![case(1, "DK-2025-001", "0", None)];
        assert_eq!(propose("", dec("0"), None, &settled), Proposal::Unmatched);
        assert_eq!(
            propose("Faktura 12", dec("190000"), None, &[]),
            Proposal::Unmatched
        );
    }

    #[test]
    fn confirming_takes_the_regions_own_registration_of_the_same_amount() {
        let a = Uuid::from_u128(1);
        let b = Uuid::from_u128(2);
        assert_eq!(
            confirming(dec("190000"), &[(a, dec("100000")), (b, dec("190000"))]),
            Confirming::TheRegions(b)
        );
        assert_eq!(
            confirming(dec("190000"), &[(a, dec("100000"))]),
            Confirming::FromTheFile
        );
        assert_eq!(confirming(dec("1"), &[]), Confirming::FromTheFile);
    }

    #[test]
    fn a_payment_beyond_what_is_still_owed_overpays_by_the_difference() {
        assert_eq!(overpaid_by(dec("190000"), dec("190000")), None);
        assert_eq!(overpaid_by(dec("190000"), dec("100000")), None);
        assert_eq!(overpaid_by(dec("0"), dec("190000")), Some(dec("190000")));
        assert_eq!(overpaid_by(dec("50000"), dec("60000")), Some(dec("10000")));
        let checked = |v: &str| ConfirmForm {
            overpayment_checked: v.into(),
            ..ConfirmForm::default()
        };
        assert!(checked("ja").overpayment_acknowledged());
        assert!(!checked("").overpayment_acknowledged());
        assert!(!checked("nej").overpayment_acknowledged());
    }

    #[test]
    fn a_case_key_names_year_and_organisation() {
        let org = Uuid::from_u128(9);
        let c = OpenCase {
            organisation_id: org,
            ..case(9, "DK-2025-009", "1", None)
        };
        assert_eq!(parse_case_key(&c.key()), Some((2025, org)));
        assert_eq!(parse_case_key("2025"), None);
        assert_eq!(parse_case_key("x:y"), None);
    }

    #[test]
    fn a_file_is_told_by_its_first_bytes() {
        let expect = Expect {
            bankgiro: None,
            today: NaiveDate::from_ymd_opt(2026, 3, 1).expect("date"),
        };
        let refused = read_file(b"Datum;Belopp\n", &expect).expect_err("not a bank file");
        assert_eq!(refused[0].line, 1);
        assert!(refused[0].to_string().starts_with("Rad 1: filen är varken"));
        assert!(read_file(b"", &expect).is_err());
        let long = "\n".repeat(MAX_LINES + 1);
        assert_eq!(
            read_file(long.as_bytes(), &expect).expect_err("too long")[0].line,
            MAX_LINES + 1
        );
    }

    #[test]
    fn a_payment_day_is_a_real_day_not_after_today() {
        let today = NaiveDate::from_ymd_opt(2026, 2, 10).expect("date");
        assert_eq!(
            payment_day("20260209", "%Y%m%d", today),
            Ok(NaiveDate::from_ymd_opt(2026, 2, 9).expect("date"))
        );
        assert!(payment_day("20260211", "%Y%m%d", today).is_err());
        assert!(payment_day("20260230", "%Y%m%d", today).is_err());
    }

    #[test]
    fn a_files_bankgiro_is_read_in_its_usual_form() {
        assert_eq!(bankgiro_of("0050501055").as_deref(), Some("5050-1055"));
        assert_eq!(bankgiro_of("0001234566").as_deref(), Some("123-4566"));
        assert_eq!(bankgiro_of("0000000000"), None);
        assert_eq!(bankgiro_of("0050501056"), None, "wrong check digit");
    }

    #[test]
    fn dismissing_needs_a_reason() {
        assert!(
            DismissForm {
                reason: "  ".into(),
                ..DismissForm::default()
            }
            .validate()
            .is_err()
        );
        assert_eq!(
            DismissForm {
                reason: " Inbetalning från en leverantör ".into(),
                ..DismissForm::default()
            }
            .validate()
            .ok()
            .as_deref(),
            Some("Inbetalning från en leverantör")
        );
    }
}
