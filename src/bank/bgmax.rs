//! Bankgirot's BgMax file (*Bankgiro Inbetalningar*): fixed-width records of 80 characters,
//! each told by its first two (the transaction code, TK). A file is a start record (TK01),
//! one or more deposits — an opening record (TK05), payments (TK20) with their extra
//! references (TK22/23), information text (TK25), name (TK26), address (TK27/28) and
//! organisation number (TK29), closed by the deposit record (TK15) with the day, the sum
//! and the count — and an end record (TK70) counting them all. Positions below are the
//! manual's, from 1. Every count and sum is checked, and any fault is named by its line.
//!
//! Deductions (TK21, a credit note set off against a payment) have no place in a region's
//! repayment: a file with one is refused, to be handled by hand. Record types the file may
//! carry beyond these are passed over, as Bankgirot asks readers to do.

use rust_decimal::Decimal;

use super::model::{
    Expect, FileKind, Incoming, MAX_ORE, MAX_PROBLEMS, Problem, ReadFile, at_most, bankgiro_of,
    payment_day,
};

/// Every record is this wide.
const WIDTH: usize = 80;

/// One record of the file: its characters, padded to `WIDTH`.
struct Record {
    chars: Vec<char>,
}

impl Record {
    /// Positions `from` to `to`, counted from 1 as the manual counts them.
    fn field(&self, from: usize, to: usize) -> String {
        self.chars[from - 1..to].iter().collect()
    }

    fn digits(&self, from: usize, to: usize) -> Option<String> {
        let f = self.field(from, to);
        f.bytes().all(|b| b.is_ascii_digit()).then_some(f)
    }

    fn number(&self, from: usize, to: usize) -> Option<i64> {
        self.digits(from, to)?.parse().ok()
    }
}

/// A payment of the deposit being read, until its deposit record gives its day.
struct Pending {
    line: usize,
    sender: String,
    reference: String,
    ore: i64,
    serial: String,
    name: String,
    information: String,
}

/// A deposit being read: from its opening record to its deposit record.
struct Deposit {
    line: usize,
    payments: Vec<Pending>,
    /// A payment record in it could not be read: its sums are not checked.
    faulty: bool,
    /// Its latest payment record could not be read: the records that belong to it are
    /// passed over.
    last_faulty: bool,
}

/// The text of the file: UTF-8 when it is, otherwise ISO 8859-1 as Bankgirot writes it.
fn text_of(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_string(),
        Err(_) => bytes.iter().map(|&b| char::from(b)).collect(),
    }
}

fn kronor(ore: i64) -> String {
    crate::money::format_kronor(Decimal::new(ore, 2))
}

pub fn read(bytes: &[u8], expect: &Expect) -> Result<ReadFile, Vec<Problem>> {
    let text = text_of(bytes);
    let lines: Vec<&str> = text
        .split('\n')
        .map(|l| l.strip_suffix('\r').unwrap_or(l))
        .collect();
    // Blank lines after the last record are no records.
    let last = lines
        .iter()
        .rposition(|l| !l.trim().is_empty())
        .map_or(0, |i| i + 1);
    let mut problems: Vec<Problem> = Vec::new();
    let mut payments: Vec<Incoming> = Vec::new();
    let mut open: Option<Deposit> = None;
    let (mut tk20, mut tk21, mut extra, mut tk15) = (0i64, 0i64, 0i64, 0i64);
    let mut ended: Option<usize> = None;
    let ours = expect.bankgiro.as_deref().map(|bg| {
        let digits: String = bg.chars().filter(char::is_ascii_digit).collect();
        format!("{digits:0>10}")
    });

    for (i, raw) in lines[..last].iter().enumerate() {
        let line = i + 1;
        // A fault of this line, worded as `format!` words it.
        macro_rules! fault {
            ($($arg:tt)*) => {
                problems.push(Problem::new(line, format!($($arg)*)))
            };
        }
        if raw.trim().is_empty() {
            fault!("raden är tom; varje rad i en BgMax-fil är en post.");
            continue;
        }
        let count = raw.chars().count();
        if count > WIDTH {
            fault!("raden har {count} tecken; en post i en BgMax-fil har {WIDTH}.");
            continue;
        }
        if let Some(end) = ended {
            fault!("inget får stå efter slutposten (TK70) på rad {end}.");
            continue;
        }
        let mut chars: Vec<char> = raw.chars().collect();
        chars.resize(WIDTH, ' ');
        let r = Record { chars };
        let code = r.field(1, 2);
        if line == 1 && code != "01" {
            fault!("filen börjar inte med en startpost (TK01).");
            continue;
        }
        match code.as_str() {
            "01" if line != 1 => fault!("startposten (TK01) får bara stå först i filen."),
            "01" => {
                if r.field(3, 22).trim() != "BGMAX" {
                    fault!("layoutnamnet i startposten är inte BGMAX.");
                }
                if r.digits(23, 24).is_none() {
                    fault!("versionen i startposten är inte ett tal.");
                }
                if r.digits(25, 44).is_none() {
                    fault!("tidsstämpeln i startposten är inte ett tal.");
                }
                match r.field(45, 45).as_str() {
                    "P" => {}
                    "T" => fault!(
                        "filen är en testfil från Bankgirot (testmarkering T) och innehåller inga riktiga betalningar."
                    ),
                    _ => fault!("testmarkeringen i startposten är varken P eller T."),
                }
            }
            "05" => {
                if let Some(d) = &open {
                    fault!(
                        "en ny öppningspost (TK05) innan insättningsposten (TK15) för avsnittet på rad {}.",
                        d.line
                    );
                }
                match r.digits(3, 12) {
                    None => fault!("mottagarens bankgironummer är inte ett tal."),
                    Some(to) => {
                        if let Some(ours) = &ours
                            && to != *ours
                        {
                            fault!(
                                "filen gäller bankgiro {}, inte Tillväxtverkets bankgiro för återbetalningar ({}).",
                                bankgiro_of(&to)
                                    .unwrap_or_else(|| to.trim_start_matches('0').to_string()),
                                expect.bankgiro.as_deref().unwrap_or_default()
                            );
                        }
                    }
                }
                let currency = r.field(23, 25);
                if currency != "SEK" {
                    fault!(
                        "valutan är ”{}”; bara svenska kronor (SEK) tas emot.",
                        currency.trim()
                    );
                }
                open = Some(Deposit {
                    line,
                    payments: vec![],
                    faulty: false,
                    last_faulty: false,
                });
            }
            "20" => {
                tk20 += 1;
                let Some(deposit) = open.as_mut() else {
                    fault!(
                        "betalningsposten (TK20) står utanför ett avsnitt (efter en öppningspost, före dess insättningspost)."
                    );
                    continue;
                };
                let before = problems.len();
                let sender = r.digits(3, 12);
                if sender.is_none() {
                    fault!("avsändarens bankgironummer är inte ett tal.");
                }
                let ore = match r.number(38, 55) {
                    None => {
                        fault!("beloppet är inte ett tal.");
                        None
                    }
                    Some(0) => {
                        fault!("beloppet är noll.");
                        None
                    }
                    Some(ore) if ore > MAX_ORE => {
                        fault!("beloppet är större än en betalning kan vara.");
                        None
                    }
                    Some(ore) => Some(ore),
                };
                if r.digits(56, 56).is_none() {
                    fault!("referenskoden är inte en siffra.");
                }
                if r.digits(57, 57).is_none() {
                    fault!("betalningskanalkoden är inte en siffra.");
                }
                let serial = r.field(58, 69).trim().to_string();
                if serial.is_empty() || !serial.chars().all(|c| c.is_ascii_alphanumeric()) {
                    fault!("Bankgirots löpnummer för betalningen saknas eller är felaktigt.");
                }
                let read = matches!((&sender, ore), (Some(_), Some(_))) && problems.len() == before;
                deposit.last_faulty = !read;
                match (sender, ore) {
                    (Some(sender), Some(ore)) if read => {
                        deposit.payments.push(Pending {
                            line,
                            sender,
                            reference: r.field(13, 37).trim().to_string(),
                            ore,
                            serial,
                            name: String::new(),
                            information: String::new(),
                        });
                    }
                    _ => deposit.faulty = true,
                }
            }
            "21" => {
                tk21 += 1;
                fault!(
                    "filen har ett avdrag (TK21). Ett avdrag kan inte kopplas till en återbetalning: be banken om filen utan avdrag, eller registrera betalningarna för hand."
                );
            }
            "22" | "23" | "25" | "26" | "27" | "28" | "29" => {
                if matches!(code.as_str(), "22" | "23") {
                    extra += 1;
                }
                // A payment that could not be read has its fault named already.
                if open.as_ref().is_some_and(|d| d.last_faulty) {
                    continue;
                }
                let Some(payment) = open.as_mut().and_then(|d| d.payments.last_mut()) else {
                    fault!(
                        "posten (TK{code}) hör till en betalning, men ingen betalningspost (TK20) står före den."
                    );
                    continue;
                };
                match code.as_str() {
                    "22" | "23" => {
                        let serial = r.field(58, 69);
                        if r.field(3, 12) != payment.sender || serial.trim() != payment.serial {
                            fault!(
                                "den extra referensposten (TK{code}) har inte samma avsändare och löpnummer som betalningen på rad {}.",
                                payment.line
                            );
                        } else if payment.reference.is_empty() {
                            payment.reference = r.field(13, 37).trim().to_string();
                        }
                    }
                    "25" => {
                        let more = r.field(3, 52);
                        let more = more.trim();
                        if !more.is_empty() {
                            if !payment.information.is_empty() {
                                payment.information.push(' ');
                            }
                            payment.information.push_str(more);
                        }
                    }
                    "26" => {
                        payment.name =
                            format!("{} {}", r.field(3, 37).trim(), r.field(38, 72).trim())
                                .trim()
                                .to_string();
                    }
                    // Address and organisation number: not needed to match a repayment.
                    _ => {}
                }
            }
            "15" => {
                tk15 += 1;
                let Some(deposit) = open.take() else {
                    fault!("insättningsposten (TK15) har ingen öppningspost (TK05) före sig.");
                    continue;
                };
                let day = match payment_day(&r.field(38, 45), "%Y%m%d", expect.today) {
                    Ok(d) => Some(d),
                    Err(e) => {
                        fault!("{e}");
                        None
                    }
                };
                if r.field(69, 71) != "SEK" {
                    fault!(
                        "insättningens valuta är ”{}”; bara svenska kronor (SEK) tas emot.",
                        r.field(69, 71).trim()
                    );
                }
                let sum: i64 = deposit.payments.iter().map(|p| p.ore).sum();
                match (r.number(51, 68), r.number(72, 79)) {
                    (Some(amount), Some(n)) => {
                        if !deposit.faulty && amount != sum {
                            fault!(
                                "insättningen är på {} men betalningarna i avsnittet (från rad {}) är {} tillsammans.",
                                kronor(amount),
                                deposit.line,
                                kronor(sum)
                            );
                        }
                        if !deposit.faulty && n != deposit.payments.len() as i64 {
                            fault!(
                                "insättningen anger {n} betalningar men avsnittet (från rad {}) har {}.",
                                deposit.line,
                                deposit.payments.len()
                            );
                        }
                    }
                    (None, _) => fault!("insättningens belopp är inte ett tal."),
                    (_, None) => fault!("insättningens antal betalningar är inte ett tal."),
                }
                if let Some(day) = day {
                    for p in deposit.payments {
                        let information = at_most(&p.information, 140);
                        let reference = if p.reference.is_empty() {
                            information
                        } else {
                            p.reference
                        };
                        payments.push(Incoming {
                            line: p.line,
                            bank_reference: format!("BGC-{}-{}", day.format("%Y%m%d"), p.serial),
                            amount: Decimal::new(p.ore, 2),
                            paid_on: day,
                            reference: at_most(&reference, 140),
                            payer_name: at_most(&p.name, 140),
                            payer_bankgiro: bankgiro_of(&p.sender),
                        });
                    }
                }
            }
            "70" => {
                ended = Some(line);
                if let Some(d) = open.take() {
                    fault!(
                        "avsnittet som börjar på rad {} har ingen insättningspost (TK15) före slutposten.",
                        d.line
                    );
                }
                let told = [
                    (r.number(3, 10), tk20, "betalningsposter (TK20)"),
                    (r.number(11, 18), tk21, "avdragsposter (TK21)"),
                    (r.number(19, 26), extra, "extra referensposter (TK22/23)"),
                    (r.number(27, 34), tk15, "insättningsposter (TK15)"),
                ];
                for (said, counted, what) in told {
                    match said {
                        None => fault!("slutpostens antal {what} är inte ett tal."),
                        Some(n) if n != counted => fault!(
                            "slutposten anger {n} {what} men filen har {counted}; filen kan vara avklippt eller skadad."
                        ),
                        Some(_) => {}
                    }
                }
            }
            other if other.bytes().all(|b| b.is_ascii_digit()) => {}
            other => fault!("posttypen ”{}” finns inte i en BgMax-fil.", other.trim()),
        }
    }
    if ended.is_none() {
        problems.push(Problem::new(
            last.max(1),
            "slutposten (TK70) saknas sist i filen; filen kan vara avklippt.",
        ));
    }
    // One payment once: Bankgirot's serial number and the day name it.
    let mut seen: std::collections::HashMap<&str, usize> = std::collections::HashMap::new();
    for p in &payments {
        if let Some(first) = seen.insert(p.bank_reference.as_str(), p.line) {
            problems.push(Problem::new(
                p.line,
                format!(
                    "samma betalning (Bankgirots löpnummer och dag, {}) som på rad {first}.",
                    p.bank_reference
                ),
            ));
        }
    }
    if problems.is_empty() {
        Ok(ReadFile {
            kind: FileKind::Bgmax,
            payments,
        })
    } else {
        problems.sort_by_key(|p| p.line);
        problems.truncate(MAX_PROBLEMS);
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn expect(bankgiro: Option<&str>) -> Expect {
        Expect {
            bankgiro: bankgiro.map(str::to_string),
            today: NaiveDate::from_ymd_opt(2026, 2, 10).expect("date"),
        }
    }

    /// The first deposit of Bankgirot's own example file (*BgMaxfil4*), with its end record
    /// counting that deposit only.
    const BANKGIROTS_EXAMPLE: &str = "\
01BGMAX               0120040525173035010331P                                   
050009912346          SEK                                                       
200003783511                         000000000000180000020001200000180          
220003783511                   665760000000000000000000220001200000180          
220003783511                   665869000000000000000000220001200000180          
220003783511                   665661000000000000000000220001200000180          
220003783511                   657775000000000000000000220001200000180          
25Betalning med extra refnr 665869 657775 665661                                
25665760                                                                        
26Kalles Plåt AB                                                                
27Storgatan 2                        12345                                      
28Storåker                                                                      
29005500001234                                                                  
200097012333                   524967000000000000190000210000000000190          
26Olles färg AB                                                                 
27Lillagatan 3                       12345                                      
28Storåker                                                                      
2900550000432                                                                   
15000000000000000000058410000010098232004052500056000000000000370000SEK00000002 
7000000002000000000000000400000001                                              
";

    #[test]
    fn bankgirots_example_is_read_with_its_payments_names_and_references() {
        let read = read(BANKGIROTS_EXAMPLE.as_bytes(), &expect(None)).expect("read");
        assert_eq!(read.kind, FileKind::Bgmax);
        assert_eq!(read.payments.len(), 2);
        let day = NaiveDate::from_ymd_opt(2004, 5, 25).expect("date");
        let kalles = &read.payments[0];
        assert_eq!(kalles.line, 3);
        assert_eq!(kalles.amount, Decimal::new(180_000, 2));
        assert_eq!(kalles.paid_on, day);
        assert_eq!(kalles.bank_reference, "BGC-20040525-000120000018");
        assert_eq!(kalles.payer_name, "Kalles Plåt AB");
        assert_eq!(kalles.payer_bankgiro.as_deref(), Some("378-3511"));
        assert_eq!(kalles.reference, "665760", "its first extra reference");
        let olles = &read.payments[1];
        assert_eq!(olles.amount, Decimal::new(190_000, 2));
        assert_eq!(olles.reference, "524967");
        assert_eq!(olles.payer_name, "Olles färg AB");
        assert_eq!(
            olles.payer_bankgiro, None,
            "9701-2333 has no valid check digit"
        );
        assert_eq!(read.total(), Decimal::new(370_000, 2));
    }

    #[test]
    fn the_same_file_in_iso_8859_1_reads_the_same() {
        let latin1: Vec<u8> = BANKGIROTS_EXAMPLE
            .chars()
            .map(|c| u8::try_from(u32::from(c)).expect("a Latin-1 character"))
            .collect();
        let read = read(&latin1, &expect(None)).expect("read");
        assert_eq!(read.payments[0].payer_name, "Kalles Plåt AB");
    }

    /// A record of the fields given, padded to 80 characters.
    fn rec(fields: &[&str]) -> String {
        format!("{:<80}", fields.concat())
    }

    /// A file of one deposit to 5050-1055 on 9 February 2026 with one payment of `amount`
    /// (18 characters of öre) and `reference`.
    fn one_payment(amount: &str, reference: &str) -> String {
        [
            rec(&[
                "01",
                "BGMAX               ",
                "01",
                "20260209120000000000",
                "P",
            ]),
            rec(&["05", "0050501055", "          ", "SEK"]),
            rec(&[
                "20",
                "0001234566",
                &format!("{reference:<25}"),
                amount,
                "2",
                "1",
                "000000000001",
                "0",
            ]),
            rec(&["26", &format!("{:<35}", "Region Skåne")]),
            rec(&[
                "15",
                &format!("{:<35}", "000000000058410000010098"),
                "20260209",
                "00001",
                amount,
                "SEK",
                "00000001",
            ]),
            rec(&["70", "00000001", "00000000", "00000000", "00000001"]),
        ]
        .join("\r\n")
    }

    #[test]
    fn a_payment_to_tillvaxtverkets_bankgiro_is_read_with_its_ocr_number() {
        let file = one_payment("000000000019000000", "202500195");
        let read = read(file.as_bytes(), &expect(Some("5050-1055"))).expect("read");
        assert_eq!(read.payments.len(), 1);
        let p = &read.payments[0];
        assert_eq!(p.amount, Decimal::new(19_000_000, 2));
        assert_eq!(p.reference, "202500195");
        assert_eq!(p.payer_name, "Region Skåne");
        assert_eq!(p.payer_bankgiro.as_deref(), Some("123-4566"));
        assert_eq!(p.bank_reference, "BGC-20260209-000000000001");
    }

    fn problems(file: &str, bankgiro: Option<&str>) -> Vec<String> {
        read(file.as_bytes(), &expect(bankgiro))
            .expect_err("faults")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_letter_in_the_amount_is_named_by_its_line() {
        // The helper writes the amount on the deposit (line 5) too: both lines are named.
        let file = one_payment("0000000000190000x0", "202500195");
        assert_eq!(
            problems(&file, None),
            vec![
                "Rad 3: beloppet är inte ett tal.",
                "Rad 5: insättningens belopp är inte ett tal."
            ]
        );
    }

    #[test]
    fn sums_counts_and_the_end_record_are_checked() {
        let wrong_sum = one_payment("000000000019000000", "x").replacen(
            "20260209000010000000000190000",
            "20260209000010000000000190001",
            1,
        );
        let said = problems(&wrong_sum, None);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].starts_with("Rad 5: insättningen är på"), "{said:?}");

        let whole = one_payment("000000000019000000", "x");
        let cut: Vec<&str> = whole.split("\r\n").take(5).collect::<Vec<_>>();
        let said = problems(&cut.join("\n"), None);
        assert_eq!(
            said,
            vec!["Rad 5: slutposten (TK70) saknas sist i filen; filen kan vara avklippt."]
        );

        let miscounted = one_payment("000000000019000000", "x").replace(
            "7000000001000000000000000000000001",
            "7000000002000000000000000000000001",
        );
        let said = problems(&miscounted, None);
        assert!(
            said[0].starts_with("Rad 6: slutposten anger 2 betalningsposter"),
            "{said:?}"
        );
    }

    #[test]
    fn a_file_for_another_bankgiro_a_test_file_and_a_deduction_are_refused() {
        let file = one_payment("000000000019000000", "x");
        let said = problems(&file, Some("123-4566"));
        assert_eq!(
            said,
            vec![
                "Rad 2: filen gäller bankgiro 5050-1055, inte Tillväxtverkets bankgiro för återbetalningar (123-4566)."
            ]
        );
        let test = file.replacen("000000000P", "000000000T", 1);
        assert!(problems(&test, None)[0].starts_with("Rad 1: filen är en testfil"));
        let deduction = file.replacen("\r\n200001234566", "\r\n210001234566", 1);
        let said = problems(&deduction, None);
        assert!(
            said.iter()
                .any(|p| p.starts_with("Rad 3: filen har ett avdrag")),
            "{said:?}"
        );
    }

    #[test]
    fn a_line_too_long_a_future_day_and_a_repeated_payment_are_named() {
        let file = one_payment("000000000019000000", "x");
        let long = file.replacen("P", &format!("P{}", " ".repeat(40)), 1);
        assert!(problems(&long, None)[0].starts_with("Rad 1: raden har 120 tecken"));
        let future = file.replace("20260209000010", "20260211000010");
        assert_eq!(
            problems(&future, None),
            vec!["Rad 5: betalningsdagen ligger i framtiden."]
        );
        // The same payment twice in one deposit.
        let lines: Vec<&str> = file.split("\r\n").collect();
        let twice = [
            lines[0].to_string(),
            lines[1].to_string(),
            lines[2].to_string(),
            lines[2].to_string(),
            lines[4].replace("00019000000SEK00000001", "00038000000SEK00000002"),
            lines[5].replace("7000000001", "7000000002"),
        ]
        .join("\n");
        let said = problems(&twice, None);
        assert_eq!(said.len(), 1, "{said:?}");
        assert!(said[0].starts_with("Rad 4: samma betalning"), "{said:?}");
    }
}
