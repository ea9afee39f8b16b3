//! ISO 20022 camt.054, *BankToCustomerDebitCreditNotification*: the bank's notice of what
//! was booked to an account, in any version (`camt.054.001.02` … `.08` and on), read by
//! element names whatever their namespace prefix. Each booked credit entry (`Ntry` with
//! `CdtDbtInd` `CRDT`) is an incoming payment: its amount (`Amt`, in SEK), its booking
//! day, the bank's reference (`AcctSvcrRef`, else the notification's `Id` and the entry's
//! `NtryRef` as `{Id}/{NtryRef}`: a bank may number the entries of each notification from 1,
//! so `NtryRef` alone is not unique from one day to the next), and from its transaction
//! details the payer's reference (the structured creditor reference
//! `RmtInf/Strd/CdtrRefInf/Ref`, else the unstructured `RmtInf/Ustrd`), name and
//! account. An entry booking several transactions at once gives one payment each, their
//! amounts adding up to the entry's. Debit entries and entries not booked are passed over.
//!
//! The account each notification is for (`Ntfctn/Acct`) is checked as BgMax's receiving
//! bankgiro is: a bankgiro number (`Acct/Id/Othr/Id`, digits with or without a dash) other
//! than Tillväxtverket's bankgiro for repayments, or an account given as an IBAN
//! (`Acct/Id/IBAN`, a bank account, not the bankgiro), refuses the file naming the line. A
//! notification without `Acct` is read (some banks leave it out of a file for one account).
//!
//! Read as a stream of events (`quick-xml`): no DTD, no entities beyond XML's own, at most
//! `MAX_DEPTH` levels, every text within `MAX_FIELD_CHARS`; each fault names its line.

use quick_xml::{events::Event, reader::Reader};
use rust_decimal::Decimal;

use super::model::{
    Expect, FileKind, Incoming, MAX_FIELD_CHARS, MAX_ORE, MAX_PROBLEMS, Problem, ReadFile, at_most,
    bankgiro_of, payment_day,
};

/// What any camt.054's namespace begins with.
const NAMESPACE: &str = "urn:iso:std:iso:20022:tech:xsd:camt.054.";
/// The elements from the root to an entry.
const TO_ENTRY: [&str; 4] = ["Document", "BkToCstmrDbtCdtNtfctn", "Ntfctn", "Ntry"];
/// No notification nests deeper than this.
const MAX_DEPTH: usize = 64;

/// A value and the line it was on.
#[derive(Clone, Debug, Default)]
struct At {
    text: String,
    line: usize,
}

#[derive(Clone, Debug, Default)]
struct Amount {
    text: String,
    currency: String,
    line: usize,
}

#[derive(Clone, Debug, Default)]
struct Transaction {
    line: usize,
    amount: Option<Amount>,
    bank_reference: Option<String>,
    structured: Option<String>,
    unstructured: Vec<String>,
    debtor: Option<String>,
    debtor_account: Option<String>,
}

#[derive(Clone, Debug, Default)]
struct Entry {
    line: usize,
    amount: Option<Amount>,
    credit_or_debit: Option<At>,
    status: Option<String>,
    booked: Option<At>,
    value_date: Option<At>,
    entry_reference: Option<String>,
    bank_reference: Option<String>,
    /// The `Id` of the notification the entry is in.
    notification_id: Option<String>,
    transactions: Vec<Transaction>,
}

/// The account a notification is for, as `Ntfctn/Acct/Id` gives it.
#[derive(Clone, Debug)]
enum Account {
    /// `Othr/Id`: for a bankgiro, its number.
    Other(At),
    /// `IBAN`: a bank account.
    Iban(At),
}

/// Line numbers of byte positions, counted as the reading moves on.
struct Lines<'t> {
    text: &'t str,
    pos: usize,
    line: usize,
}

impl Lines<'_> {
    fn at(&mut self, pos: usize) -> usize {
        let pos = pos.min(self.text.len());
        let count = |bytes: &[u8]| bytes.iter().filter(|b| **b == b'\n').count();
        if pos >= self.pos {
            self.line += count(&self.text.as_bytes()[self.pos..pos]);
            self.pos = pos;
            self.line
        } else {
            1 + count(&self.text.as_bytes()[..pos])
        }
    }
}

/// The reading so far: where in the tree it is, the text of the element open, the entries.
#[derive(Default)]
struct Reading {
    stack: Vec<String>,
    text: String,
    currency: String,
    entry: Option<Entry>,
    entries: Vec<Entry>,
    /// The `Id` of the notification being read.
    notification_id: Option<String>,
    /// The account of each notification that names one.
    accounts: Vec<Account>,
    problems: Vec<Problem>,
    /// Stop at the first fault of the document's shape.
    stop: bool,
}

impl Reading {
    fn fault(&mut self, line: usize, message: impl Into<String>) {
        self.problems.push(Problem::new(line, message));
    }

    /// The path below the entry being read (`NtryDtls/TxDtls/Amt`), `None` outside one.
    fn in_entry(&self) -> Option<String> {
        (self.stack.len() >= TO_ENTRY.len() && self.stack.iter().zip(TO_ENTRY).all(|(a, b)| a == b))
            .then(|| self.stack[TO_ENTRY.len()..].join("/"))
    }

    /// The path below the notification being read (`Acct/Id/IBAN`), `None` outside one.
    fn in_notification(&self) -> Option<String> {
        let to = &TO_ENTRY[..3];
        (self.stack.len() >= to.len() && self.stack.iter().zip(to).all(|(a, b)| a == b))
            .then(|| self.stack[to.len()..].join("/"))
    }

    fn start(&mut self, name: &str, attributes: &[(String, String)], line: usize) {
        if self.stack.len() >= MAX_DEPTH {
            self.fault(line, "filen är nästlad djupare än en camt.054 kan vara.");
            self.stop = true;
            return;
        }
        match self.stack.len() {
            0 => {
                let ours = attributes.iter().any(|(k, v)| {
                    (k == "xmlns" || k.starts_with("xmlns:")) && v.starts_with(NAMESPACE)
                });
                if name != "Document" || !ours {
                    self.fault(
                        line,
                        "filen är inte en camt.054 (ISO 20022 BankToCustomerDebitCreditNotification): dokumentet har inte dess namnrymd.",
                    );
                    self.stop = true;
                    return;
                }
            }
            1 if name != TO_ENTRY[1] => {
                self.fault(
                    line,
                    format!(
                        "filen är inte en camt.054 med insättningar (BkToCstmrDbtCdtNtfctn) utan ”{name}”."
                    ),
                );
                self.stop = true;
                return;
            }
            _ => {}
        }
        self.stack.push(name.to_string());
        self.text.clear();
        if name == "Amt" {
            self.currency = attributes
                .iter()
                .find(|(k, _)| k == "Ccy")
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default();
        }
        if self.in_notification().as_deref() == Some("") {
            self.notification_id = None;
        }
        match self.in_entry().as_deref() {
            Some("") => {
                self.entry = Some(Entry {
                    line,
                    notification_id: self.notification_id.clone(),
                    ..Entry::default()
                });
            }
            Some("NtryDtls/TxDtls") => {
                if let Some(entry) = self.entry.as_mut() {
                    entry.transactions.push(Transaction {
                        line,
                        ..Transaction::default()
                    });
                }
            }
            _ => {}
        }
    }

    fn end(&mut self, line: usize) {
        let value = self.text.trim().to_string();
        self.text.clear();
        if value.chars().count() > MAX_FIELD_CHARS {
            self.fault(
                line,
                format!(
                    "elementet {} är längre än {} tecken.",
                    self.stack.last().map(String::as_str).unwrap_or_default(),
                    MAX_FIELD_CHARS
                ),
            );
        }
        let path = self.in_entry();
        let currency = self.currency.clone();
        let amount = || Amount {
            text: value.clone(),
            currency: currency.clone(),
            line,
        };
        let at = || At {
            text: value.clone(),
            line,
        };
        let non_empty = || (!value.is_empty()).then(|| value.clone());
        match self.in_notification().as_deref() {
            Some("Id") => self.notification_id = non_empty(),
            Some("Acct/Id/Othr/Id") => self.accounts.push(Account::Other(at())),
            Some("Acct/Id/IBAN") => self.accounts.push(Account::Iban(at())),
            _ => {}
        }
        if let (Some(path), Some(entry)) = (path.as_deref(), self.entry.as_mut()) {
            let tx = entry.transactions.last_mut();
            match (path, tx) {
                ("", _) => {}
                ("Amt", _) => entry.amount = Some(amount()),
                ("CdtDbtInd", _) => entry.credit_or_debit = Some(at()),
                ("Sts" | "Sts/Cd", _) if !value.is_empty() => entry.status = Some(value.clone()),
                ("BookgDt/Dt" | "BookgDt/DtTm", _) => entry.booked = Some(at()),
                ("ValDt/Dt" | "ValDt/DtTm", _) => entry.value_date = Some(at()),
                ("NtryRef", _) => entry.entry_reference = non_empty(),
                ("AcctSvcrRef", _) => entry.bank_reference = non_empty(),
                ("NtryDtls/TxDtls/Amt" | "NtryDtls/TxDtls/AmtDtls/TxAmt/Amt", Some(tx))
                    if tx.amount.is_none() =>
                {
                    tx.amount = Some(amount());
                }
                ("NtryDtls/TxDtls/Refs/AcctSvcrRef", Some(tx)) => tx.bank_reference = non_empty(),
                ("NtryDtls/TxDtls/RmtInf/Strd/CdtrRefInf/Ref", Some(tx))
                    if tx.structured.is_none() =>
                {
                    tx.structured = non_empty();
                }
                ("NtryDtls/TxDtls/RmtInf/Ustrd", Some(tx)) if !value.is_empty() => {
                    tx.unstructured.push(value.clone());
                }
                (
                    "NtryDtls/TxDtls/RltdPties/Dbtr/Nm" | "NtryDtls/TxDtls/RltdPties/Dbtr/Pty/Nm",
                    Some(tx),
                ) => tx.debtor = non_empty(),
                ("NtryDtls/TxDtls/RltdPties/DbtrAcct/Id/Othr/Id", Some(tx)) => {
                    tx.debtor_account = non_empty();
                }
                _ => {}
            }
        }
        if path.as_deref() == Some("")
            && let Some(entry) = self.entry.take()
        {
            self.entries.push(entry);
        }
        if self.stack.pop().as_deref() == Some("Amt") {
            self.currency.clear();
        }
    }
}

/// The attributes of a start tag, as written (namespace declarations and `Ccy` are plain).
fn attributes_of(e: &quick_xml::events::BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .map(|a| (a.key.as_ref().to_string(), a.value.to_string()))
        .collect()
}

pub fn read(bytes: &[u8], expect: &Expect) -> Result<ReadFile, Vec<Problem>> {
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let line = 1 + bytes[..e.valid_up_to()]
                .iter()
                .filter(|b| **b == b'\n')
                .count();
            return Err(vec![Problem::new(
                line,
                "filen är inte kodad i UTF-8, som en camt.054-fil ska vara.",
            )]);
        }
    };
    let mut reader = Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut lines = Lines {
        text,
        pos: 0,
        line: 1,
    };
    let mut r = Reading::default();
    let mut seen_root = false;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(event) => event,
            Err(e) => {
                let at = usize::try_from(reader.error_position()).unwrap_or(usize::MAX);
                let line = lines.at(at);
                r.fault(line, format!("filen är inte välformad XML ({e})."));
                break;
            }
        };
        let line = lines.at(before);
        match event {
            Event::Start(e) => {
                seen_root = true;
                let name = e.local_name().into_inner().to_string();
                r.start(&name, &attributes_of(&e), line);
            }
            Event::Empty(e) => {
                seen_root = true;
                let name = e.local_name().into_inner().to_string();
                r.start(&name, &attributes_of(&e), line);
                if !r.stop {
                    r.end(line);
                }
            }
            Event::End(_) => r.end(line),
            Event::Text(t) => r.text.push_str(&t.xml10_content()),
            Event::CData(c) => r.text.push_str(&c.xml10_content()),
            Event::GeneralRef(g) => match g.resolve_char_ref() {
                Ok(Some(c)) => r.text.push(c),
                Ok(None) => match &*g {
                    "lt" => r.text.push('<'),
                    "gt" => r.text.push('>'),
                    "amp" => r.text.push('&'),
                    "apos" => r.text.push('\''),
                    "quot" => r.text.push('"'),
                    other => {
                        r.fault(line, format!("entiteten &{other}; finns inte i XML."));
                        r.stop = true;
                    }
                },
                Err(_) => {
                    r.fault(line, "en teckenreferens (&#…;) är felaktig.");
                    r.stop = true;
                }
            },
            Event::DocType(_) => {
                r.fault(line, "filen har en DOCTYPE; en camt.054-fil har ingen.");
                r.stop = true;
            }
            Event::Eof => {
                if let Some(open) = r.stack.last().cloned() {
                    r.fault(
                        line,
                        format!("filen slutar innan elementet {open} är stängt."),
                    );
                }
                break;
            }
            Event::Decl(_) | Event::Comment(_) | Event::PI(_) => {}
        }
        if r.stop || r.problems.len() >= MAX_PROBLEMS {
            break;
        }
    }
    if !seen_root && r.problems.is_empty() {
        r.fault(1, "filen innehåller inget XML-dokument.");
    }
    let mut problems = std::mem::take(&mut r.problems);
    let payments = if problems.is_empty() {
        check_accounts(&r.accounts, expect, &mut problems);
        payments_of(&r.entries, expect, &mut problems)
    } else {
        vec![]
    };
    if problems.is_empty() {
        Ok(ReadFile {
            kind: FileKind::Camt054,
            payments,
        })
    } else {
        problems.sort_by_key(|p| p.line);
        problems.truncate(MAX_PROBLEMS);
        Err(problems)
    }
}

/// Each notification's account is Tillväxtverket's bankgiro for repayments, when that is
/// set: a bankgiro number (`Othr/Id`, compared by its digits) of another, or an IBAN, is a
/// fault of its line. A notification that names no account is not checked.
fn check_accounts(accounts: &[Account], expect: &Expect, problems: &mut Vec<Problem>) {
    let Some(ours) = expect.bankgiro.as_deref() else {
        return;
    };
    let significant = |s: &str| -> String {
        let digits: String = s.chars().filter(char::is_ascii_digit).collect();
        digits.trim_start_matches('0').to_string()
    };
    for account in accounts {
        match account {
            Account::Other(id) => {
                let only_digits = id
                    .text
                    .chars()
                    .all(|c| c.is_ascii_digit() || c == '-' || c == ' ');
                if !only_digits || significant(&id.text) != significant(ours) {
                    let named = if id.text.is_empty() {
                        "(utan nummer)".to_string()
                    } else if only_digits {
                        bankgiro_of(&significant(&id.text)).unwrap_or_else(|| id.text.clone())
                    } else {
                        id.text.clone()
                    };
                    problems.push(Problem::new(
                        id.line,
                        format!(
                            "filen gäller bankgiro {named}, inte Tillväxtverkets bankgiro för återbetalningar ({ours})."
                        ),
                    ));
                }
            }
            Account::Iban(iban) => problems.push(Problem::new(
                iban.line,
                format!(
                    "filen gäller bankkontot {} (IBAN), inte Tillväxtverkets bankgiro för återbetalningar ({ours}).",
                    iban.text
                ),
            )),
        }
    }
}

/// An ISO 20022 amount in SEK, in öre: digits, at most two decimals after a point.
fn ore_of(amount: &Amount, problems: &mut Vec<Problem>) -> Option<i64> {
    let text = amount.text.as_str();
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let read = !whole.is_empty()
        && whole.len() <= 15
        && digits(whole)
        && fraction.len() <= 2
        && digits(fraction)
        && !(text.contains('.') && fraction.is_empty());
    if !read {
        problems.push(Problem::new(amount.line, "beloppet är inte ett tal."));
        return None;
    }
    if amount.currency != "SEK" {
        problems.push(Problem::new(
            amount.line,
            format!(
                "beloppet är i ”{}”; bara svenska kronor (SEK) tas emot.",
                amount.currency
            ),
        ));
        return None;
    }
    let cents = format!("{fraction:0<2}");
    let ore = whole
        .parse::<i64>()
        .ok()
        .and_then(|w| w.checked_mul(100))
        .and_then(|w| w.checked_add(cents.parse::<i64>().ok()?));
    match ore {
        None => {
            problems.push(Problem::new(amount.line, "beloppet är inte ett tal."));
            None
        }
        Some(0) => {
            problems.push(Problem::new(amount.line, "beloppet är noll."));
            None
        }
        Some(o) if o > MAX_ORE => {
            problems.push(Problem::new(
                amount.line,
                "beloppet är större än en betalning kan vara.",
            ));
            None
        }
        Some(o) => Some(o),
    }
}

/// The incoming payments of the booked credit entries, each checked.
fn payments_of(entries: &[Entry], expect: &Expect, problems: &mut Vec<Problem>) -> Vec<Incoming> {
    let mut payments = Vec::new();
    for entry in entries {
        match &entry.credit_or_debit {
            None => {
                problems.push(Problem::new(
                    entry.line,
                    "posten saknar CdtDbtInd (insättning eller uttag).",
                ));
                continue;
            }
            Some(c) if c.text == "DBIT" => continue,
            Some(c) if c.text != "CRDT" => {
                problems.push(Problem::new(
                    c.line,
                    format!("CdtDbtInd är ”{}”, varken CRDT eller DBIT.", c.text),
                ));
                continue;
            }
            Some(_) => {}
        }
        if entry.status.as_deref().is_some_and(|s| s != "BOOK") {
            continue;
        }
        let Some(amount) = &entry.amount else {
            problems.push(Problem::new(entry.line, "posten saknar belopp (Amt)."));
            continue;
        };
        let total = ore_of(amount, problems);
        let day = match entry.booked.as_ref().or(entry.value_date.as_ref()) {
            None => {
                problems.push(Problem::new(
                    entry.line,
                    "posten saknar bokföringsdag (BookgDt).",
                ));
                None
            }
            Some(d) => {
                let date: String = d.text.chars().take(10).collect();
                match payment_day(&date, "%Y-%m-%d", expect.today) {
                    Ok(day) => Some(day),
                    Err(e) => {
                        problems.push(Problem::new(d.line, e));
                        None
                    }
                }
            }
        };
        // `NtryRef` is unique within its notification only: qualified by the notification's id.
        let entry_reference = entry.bank_reference.clone().or_else(|| {
            let own = entry.entry_reference.clone()?;
            Some(match &entry.notification_id {
                Some(notification) => format!("{notification}/{own}"),
                None => own,
            })
        });
        let none = [Transaction::default()];
        let several = entry.transactions.len() > 1;
        let transactions: &[Transaction] = if entry.transactions.is_empty() {
            &none
        } else {
            &entry.transactions
        };
        let mut sum = 0i64;
        let mut each = Vec::new();
        for (n, tx) in transactions.iter().enumerate() {
            let ore = if several {
                match &tx.amount {
                    Some(a) => ore_of(a, problems),
                    None => {
                        problems.push(Problem::new(
                            tx.line,
                            "transaktionen saknar belopp, och posten har flera transaktioner.",
                        ));
                        None
                    }
                }
            } else {
                total
            };
            let bank_reference = match (&tx.bank_reference, &entry_reference) {
                (Some(own), _) => Some(own.clone()),
                (None, Some(entry_ref)) if several => Some(format!("{entry_ref}-{}", n + 1)),
                (None, Some(entry_ref)) => Some(entry_ref.clone()),
                (None, None) => None,
            };
            let line = if several { tx.line } else { entry.line };
            let Some(bank_reference) = bank_reference else {
                problems.push(Problem::new(
                    line,
                    "posten saknar bankens referens (AcctSvcrRef eller NtryRef).",
                ));
                continue;
            };
            if bank_reference.chars().count() > 50 {
                problems.push(Problem::new(
                    line,
                    format!("bankens referens ”{bank_reference}” är längre än 50 tecken."),
                ));
                continue;
            }
            let reference = tx
                .structured
                .clone()
                .unwrap_or_else(|| tx.unstructured.join(" "));
            if let Some(ore) = ore {
                sum += ore;
                each.push((line, bank_reference, ore, reference, tx));
            }
        }
        if several
            && let Some(total) = total
            && each.len() == transactions.len()
            && sum != total
        {
            problems.push(Problem::new(
                amount.line,
                format!(
                    "postens belopp {} stämmer inte med transaktionernas {} tillsammans.",
                    crate::money::format_kronor(Decimal::new(total, 2)),
                    crate::money::format_kronor(Decimal::new(sum, 2))
                ),
            ));
        }
        let Some(day) = day else { continue };
        for (line, bank_reference, ore, reference, tx) in each {
            payments.push(Incoming {
                line,
                bank_reference,
                amount: Decimal::new(ore, 2),
                paid_on: day,
                reference: at_most(&reference, 140),
                payer_name: at_most(tx.debtor.as_deref().unwrap_or_default(), 140),
                payer_bankgiro: tx.debtor_account.as_deref().and_then(bankgiro_of),
            });
        }
    }
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for p in &payments {
        if let Some(first) = seen.insert(p.bank_reference.as_str(), p.line) {
            problems.push(Problem::new(
                p.line,
                format!(
                    "samma betalning (bankens referens {}) som på rad {first}.",
                    p.bank_reference
                ),
            ));
        }
    }
    payments
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn expect() -> Expect {
        Expect {
            bankgiro: Some("5050-1055".into()),
            today: NaiveDate::from_ymd_opt(2026, 2, 10).expect("date"),
        }
    }

    /// A notification (version `.08`) with `entries` inside, as a bank writes it.
    fn notification(entries: &str) -> String {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>N-1</MsgId><CreDtTm>2026-02-09T18:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>N-1-1</Id>
      <Acct><Id><Othr><Id>50501055</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr></Id></Acct>
{entries}
    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"#
        )
    }

    const CREDIT: &str = r#"      <Ntry>
        <NtryRef>E-1</NtryRef>
        <Amt Ccy="SEK">190000.00</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts><Cd>BOOK</Cd></Sts>
        <BookgDt><Dt>2026-02-09</Dt></BookgDt>
        <ValDt><Dt>2026-02-09</Dt></ValDt>
        <AcctSvcrRef>SEB-2026-0209-0001</AcctSvcrRef>
        <BkTxCd><Domn><Cd>PMNT</Cd></Domn></BkTxCd>
        <NtryDtls><TxDtls>
          <RltdPties>
            <Dbtr><Pty><Nm>Region Sk&#229;ne &amp; Co</Nm></Pty></Dbtr>
            <DbtrAcct><Id><Othr><Id>1234566</Id></Othr></Id></DbtrAcct>
          </RltdPties>
          <RmtInf><Strd><CdtrRefInf><Ref>202500195</Ref></CdtrRefInf></Strd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>"#;

    #[test]
    fn a_booked_credit_is_an_incoming_payment_with_its_reference_and_payer() {
        let file = notification(CREDIT);
        let read = read(file.as_bytes(), &expect()).expect("read");
        assert_eq!(read.kind, FileKind::Camt054);
        assert_eq!(read.payments.len(), 1);
        let p = &read.payments[0];
        assert_eq!(p.amount, Decimal::new(19_000_000, 2));
        assert_eq!(
            p.paid_on,
            NaiveDate::from_ymd_opt(2026, 2, 9).expect("date")
        );
        assert_eq!(p.bank_reference, "SEB-2026-0209-0001");
        assert_eq!(p.reference, "202500195");
        assert_eq!(p.payer_name, "Region Skåne & Co");
        assert_eq!(p.payer_bankgiro.as_deref(), Some("123-4566"));
        assert_eq!(p.line, 8, "the entry's line");
    }

    #[test]
    fn any_version_and_any_prefix_is_read_and_debits_are_passed_over() {
        let file = notification(CREDIT)
            .replace("camt.054.001.08\">", "camt.054.001.02\" xmlns:x=\"urn:x\">")
            .replace("<Document xmlns=", "<ns:Document xmlns:ns=")
            .replace("</Document>", "</ns:Document>")
            .replace(
                "<Ref>202500195</Ref></CdtrRefInf></Strd>",
                "</CdtrRefInf></Strd><Ustrd>Återbetalning</Ustrd><Ustrd>DK-2025-001-AB</Ustrd>",
            )
            .replace("<CdtrRefInf></CdtrRefInf>", "");
        let debit = CREDIT
            .replace("CRDT", "DBIT")
            .replace("SEB-2026-0209-0001", "SEB-2026-0209-0002");
        let file = file.replace("</Ntfctn>", &format!("{debit}\n</Ntfctn>"));
        let read = read(file.as_bytes(), &expect()).expect("read");
        assert_eq!(read.payments.len(), 1, "the debit is no incoming payment");
        assert_eq!(read.payments[0].reference, "Återbetalning DK-2025-001-AB");
    }

    #[test]
    fn an_entry_of_several_transactions_gives_one_payment_each() {
        let batch = CREDIT.replace(
            "        </TxDtls></NtryDtls>",
            r#"        </TxDtls><TxDtls>
          <Amt Ccy="SEK">10000.00</Amt>
          <RmtInf><Ustrd>Faktura 4711</Ustrd></RmtInf>
        </TxDtls></NtryDtls>"#,
        );
        let batch = batch.replace(
            "<NtryDtls><TxDtls>",
            "<NtryDtls><TxDtls><Amt Ccy=\"SEK\">180000.00</Amt>",
        );
        let file = notification(&batch);
        let read = read(file.as_bytes(), &expect()).expect("read");
        let refs: Vec<&str> = read
            .payments
            .iter()
            .map(|p| p.bank_reference.as_str())
            .collect();
        assert_eq!(refs, vec!["SEB-2026-0209-0001-1", "SEB-2026-0209-0001-2"]);
        assert_eq!(read.total(), Decimal::new(19_000_000, 2));
        let wrong = notification(&batch.replace("10000.00", "10000.01"));
        let said = read_err(&wrong);
        assert!(
            said[0].contains("stämmer inte med transaktionernas"),
            "{said:?}"
        );
    }

    fn read_err(file: &str) -> Vec<String> {
        read(file.as_bytes(), &expect())
            .expect_err("faults")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_bad_amount_another_currency_and_a_future_day_are_named_by_their_line() {
        let file = notification(&CREDIT.replace("190000.00", "19O000.00"));
        assert_eq!(read_err(&file), vec!["Rad 10: beloppet är inte ett tal."]);
        let file = notification(&CREDIT.replace("Ccy=\"SEK\"", "Ccy=\"EUR\""));
        assert_eq!(
            read_err(&file),
            vec!["Rad 10: beloppet är i ”EUR”; bara svenska kronor (SEK) tas emot."]
        );
        let file = notification(&CREDIT.replace(
            "<Dt>2026-02-09</Dt></BookgDt>",
            "<Dt>2026-02-11</Dt></BookgDt>",
        ));
        assert_eq!(
            read_err(&file),
            vec!["Rad 13: betalningsdagen ligger i framtiden."]
        );
        let file = notification(
            &CREDIT
                .replace("<AcctSvcrRef>SEB-2026-0209-0001</AcctSvcrRef>", "")
                .replace("<NtryRef>E-1</NtryRef>", ""),
        );
        assert_eq!(
            read_err(&file),
            vec!["Rad 8: posten saknar bankens referens (AcctSvcrRef eller NtryRef)."]
        );
    }

    #[test]
    fn what_is_not_a_camt_054_is_refused() {
        let statement = notification(CREDIT).replace("BkToCstmrDbtCdtNtfctn", "BkToCstmrStmt");
        assert!(
            read_err(&statement)[0]
                .starts_with("Rad 3: filen är inte en camt.054 med insättningar")
        );
        let other = notification(CREDIT).replace("camt.054.001.08", "pain.001.001.09");
        assert!(read_err(&other)[0].starts_with("Rad 2: filen är inte en camt.054"));
        let broken = notification(CREDIT).replace("</Amt>", "</Amount>");
        assert!(read_err(&broken)[0].contains("filen är inte välformad XML"));
        let doctype = notification(CREDIT).replace("<Document", "<!DOCTYPE Document>\n<Document");
        assert!(read_err(&doctype)[0].contains("DOCTYPE"));
        let latin1 = b"<?xml version=\"1.0\"?>\n<Document>\xe5</Document>";
        assert_eq!(read(latin1, &expect()).expect_err("not UTF-8")[0].line, 2);
    }

    #[test]
    fn a_notification_for_another_account_is_refused_naming_its_line() {
        let dashed = notification(CREDIT).replace("<Id>50501055</Id>", "<Id>5050-1055</Id>");
        assert_eq!(
            read(dashed.as_bytes(), &expect())
                .expect("our bankgiro, with its dash")
                .payments
                .len(),
            1
        );
        let other = notification(CREDIT).replace("<Id>50501055</Id>", "<Id>1234566</Id>");
        assert_eq!(
            read_err(&other),
            vec![
                "Rad 7: filen gäller bankgiro 123-4566, inte Tillväxtverkets bankgiro för återbetalningar (5050-1055)."
            ]
        );
        let iban = notification(CREDIT).replace(
            "<Othr><Id>50501055</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr>",
            "<IBAN>SE4550000000058398257466</IBAN>",
        );
        assert_eq!(
            read_err(&iban),
            vec![
                "Rad 7: filen gäller bankkontot SE4550000000058398257466 (IBAN), inte Tillväxtverkets bankgiro för återbetalningar (5050-1055)."
            ]
        );
        // Without a bankgiro to expect, the account is not checked.
        let unset = Expect {
            bankgiro: None,
            ..expect()
        };
        assert!(read(other.as_bytes(), &unset).is_ok());
    }

    #[test]
    fn a_notification_without_an_account_is_read() {
        let file = notification(CREDIT);
        let start = file.find("      <Acct>").expect("the account");
        let end = file.find("</Acct>\n").expect("its end") + "</Acct>\n".len();
        let without = format!("{}{}", &file[..start], &file[end..]);
        assert!(!without.contains("<Acct>"));
        let read_in = read(without.as_bytes(), &expect()).expect("read");
        assert_eq!(read_in.payments.len(), 1);
    }

    #[test]
    fn without_the_banks_reference_an_entry_is_known_by_its_notification_and_its_ntryref() {
        let file =
            notification(&CREDIT.replace("<AcctSvcrRef>SEB-2026-0209-0001</AcctSvcrRef>", ""));
        let first = read(file.as_bytes(), &expect()).expect("read");
        assert_eq!(first.payments[0].bank_reference, "N-1-1/E-1");
        // The next day's notification numbers its entries from 1 again: another payment.
        let next = file.replace("<Id>N-1-1</Id>", "<Id>N-2-1</Id>");
        let second = read(next.as_bytes(), &expect()).expect("read");
        assert_eq!(second.payments[0].bank_reference, "N-2-1/E-1");
    }
}
