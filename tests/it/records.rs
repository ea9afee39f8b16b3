//! Decision records (issue 31) through HTTP, as the people concerned meet them: a
//! requisition approved by a case officer is decided when a second person attests its
//! payout, and its record names the approver as the one who decided, the case officer as
//! the one who presented the case, and the Government's decision it rests on (and, when the
//! region's signatory confirmed the requisition, the coordinator who drew it up and the
//! signatory: four people); the region reads it at `/beslut` and downloads it as PDF/A
//! (validated by `page_validation`, read by `pdftotext`), another region gets "not found";
//! a returned requisition is the case officer's decision alone, with the message as its
//! reasons; a report's approval rests on the requisition's record; an extension on the
//! basis typed, always naming its party. The schema refuses any change to a record or a
//! kept document. Without LibreOffice the PDF/A steps are skipped and say
//! so (with `CI=true` they fail), as in `office.rs`. Run alone with
//! `cargo test --test it records`.

use std::path::Path;

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    TestApp, scratch_dir,
    steps::{
        SKANE, STOCKHOLM, approve, approve_payout, approve_report, borrowed, complete, count,
        fill_in_everything, live_payout, on, org_id, pay_payout, requisition_id,
        return_requisition, sha256_hex, start_report, submit_report, submitted, with,
    },
    tool,
};

/// Someone logged in as `role` in a browser of their own, named `name` so the records can
/// be searched for them.
async fn person(app: &TestApp, role: Role, organisation: Option<&str>, name: &str) -> TestApp {
    let browser = app.other_browser();
    let id = browser.login_as(role, organisation).await;
    sqlx::query("UPDATE users SET name = $2 WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(&app.db)
        .await
        .expect("named");
    browser
}

/// The one record of `kind` about the row `entity_id`.
async fn record_of(app: &TestApp, kind: &str, entity_id: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM decision_records WHERE kind::text = $1 AND entity_id = $2")
        .bind(kind)
        .bind(entity_id)
        .fetch_one(&app.db)
        .await
        .unwrap_or_else(|e| panic!("one {kind} record about {entity_id}: {e}"))
}

/// A PDF downloaded as the browser does: served as a PDF, its bytes.
async fn pdf(browser: &TestApp, path: &str) -> Vec<u8> {
    let response = browser
        .client
        .get(browser.url(path))
        .send()
        .await
        .expect("GET");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert_eq!(content_type, "application/pdf", "{path}");
    response.bytes().await.expect("bytes").to_vec()
}

/// The PDF is PDF/A-2b by `page_validation` (as `office.rs` checks the exports).
fn assert_pdfa(name: &str, bytes: &[u8]) {
    assert!(digikoord::pdfa::declares_pdfa_2b(bytes), "{name}");
    let report = page_validation::validate_pdf_bytes(
        bytes,
        &page_validation::ValidationOptions::default()
            .profile(page_validation::ValidationProfile::PdfA2b),
    )
    .expect("the validator reads the PDF");
    crate::office::assert_pdfa_2b(name, bytes, &report);
}

/// The PDF's words as `pdftotext` reads them, lines joined (a sentence may wrap).
async fn words(pdftotext: &Path, bytes: &[u8], name: &str) -> String {
    let file = scratch_dir("records").join(format!("{name}.pdf"));
    std::fs::write(&file, bytes).expect("write the PDF");
    let out = tokio::process::Command::new(pdftotext)
        .arg(&file)
        .arg("-")
        .output()
        .await
        .expect("pdftotext");
    assert!(out.status.success(), "pdftotext {name}");
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[tokio::test]
async fn a_granted_requisition_is_a_decision_naming_both_people_that_the_region_downloads() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let region = person(
        &app,
        Role::Coordinator,
        Some(STOCKHOLM),
        "Karin Koordinator",
    )
    .await;
    let officer = person(&app, Role::CaseOfficer, None, "Hanna Handläggare").await;
    let approver = person(&app, Role::Approver, None, "Anton Attestant").await;
    let id = submitted(&region, "1 000 000").await;
    approve(&officer, id, "1 000 000").await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM decision_records").await,
        0,
        "nothing is decided until the payout is attested"
    );
    approve_payout(&approver, id, live_payout(&app, id).await).await;
    let record = record_of(&app, "requisition_approved", &id.to_string()).await;
    let (case_number, decision_number): (String, String) =
        sqlx::query_as("SELECT case_number, decision_number FROM requisitions WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("the requisition");
    assert_eq!(app.audit_count("decision.recorded").await, 1);

    // The region's list names both people.
    let list = region.get("/beslut").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.select("tr.decision th a.record"),
        ["Rekvisition beviljad"]
    );
    assert_eq!(
        list.select("tr.decision .case-number"),
        std::slice::from_ref(&case_number)
    );
    assert_eq!(
        list.select("tr.decision .decided-by"),
        ["Anton Attestant, attestant"]
    );
    assert_eq!(
        list.select("tr.decision .presented-by"),
        ["Hanna Handläggare, handläggare"]
    );
    assert_eq!(
        list.attrs("tr.decision a.record", "href"),
        [format!("/beslut/{record}")]
    );

    // The record: what was decided, why, by whom after whose presentation, on what basis.
    let page = region.get(&format!("/beslut/{record}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select(".decision"),
        ["Rekvisitionen beviljas. 1 000 000 kr betalas ut till Region Stockholm."]
    );
    assert_eq!(
        page.select(".decided-by-sentence"),
        [
            "Beslutet har fattats av Anton Attestant, attestant, efter föredragning av Hanna Handläggare, handläggare."
        ]
    );
    // Sent in by the region without a signatory: no region's preparer and signatory named.
    assert!(page.select(".region-signing").is_empty());
    assert_eq!(
        page.select(".rests-on"),
        [format!("Regeringens beslut {decision_number}")]
    );
    assert!(
        page.select(".integrity")[0].starts_with("Innehållet stämmer"),
        "{:?}",
        page.select(".integrity")
    );
    assert_eq!(
        page.attrs(".case-number a", "href"),
        [format!("/rekvisitioner/{id}")]
    );
    assert_eq!(
        page.attrs("a.download", "href"),
        [format!("/beslut/{record}/pdf")]
    );

    // Staff read every record; another region none of this one.
    assert_eq!(
        officer
            .get("/beslut")
            .await
            .select("tr.decision .decided-by"),
        ["Anton Attestant, attestant"]
    );
    let other = person(&app, Role::Coordinator, Some(SKANE), "Sven Skåning").await;
    assert!(other.get("/beslut").await.select("tr.decision").is_empty());
    for path in [
        format!("/beslut/{record}"),
        format!("/beslut/{record}/pdf"),
        format!("/dokument/kvitto/{id}/pdf"),
    ] {
        assert_eq!(
            other.get(&path).await.status,
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM case_document_pdfs").await,
        0,
        "a refusal makes nothing"
    );

    // The PDF/A: valid, naming both people and the decision it rests on, kept once.
    let (Some(_), Some(pdftotext)) = (tool("soffice"), tool("pdftotext")) else {
        return;
    };
    let bytes = pdf(&region, &format!("/beslut/{record}/pdf")).await;
    assert_pdfa("beslut", &bytes);
    let kept: String = sqlx::query_scalar("SELECT sha256 FROM case_document_pdfs WHERE key = $1")
        .bind(format!("decision:{record}"))
        .fetch_one(&app.db)
        .await
        .expect("kept");
    assert_eq!(kept, sha256_hex(&bytes));
    assert_eq!(
        pdf(&officer, &format!("/beslut/{record}/pdf")).await,
        bytes,
        "every download is the kept file"
    );
    assert_eq!(app.audit_count("case_document.kept").await, 1);
    let checksum: String =
        sqlx::query_scalar("SELECT content_sha256 FROM decision_records WHERE id = $1")
            .bind(record)
            .fetch_one(&app.db)
            .await
            .expect("the record's checksum");
    let text = words(&pdftotext, &bytes, "beslut").await;
    for said in [
        "Beslutande myndighet: Tillväxtverket".to_string(),
        format!("Digikoords ärendenummer: {case_number}"),
        "Part: Region Stockholm".to_string(),
        "Rekvisitionen beviljas. 1 000 000 kr betalas ut till Region Stockholm.".to_string(),
        "Beslutet har fattats av Anton Attestant, attestant, efter föredragning av Hanna Handläggare, handläggare.".to_string(),
        format!("Regeringens beslut {decision_number}"),
        format!("Post: {record}"),
    ] {
        assert!(text.contains(&said), "the decision says {said:?}:\n{text}");
    }
    // A 64-digit checksum may be broken over two lines in the PDF's layout.
    let unbroken: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(
        unbroken.contains(&checksum),
        "the decision says {checksum}:\n{text}"
    );
}

/// A coordinator of `organisation` marked as its signatory (the administrator's marking
/// has its own tests in `signatory.rs`), named `name`: their browser and id.
async fn signatory_of(app: &TestApp, organisation: &str, name: &str) -> (TestApp, Uuid) {
    let browser = app.other_browser();
    let id = browser
        .login_as(Role::Coordinator, Some(organisation))
        .await;
    sqlx::query("UPDATE users SET name = $2, signatory = true WHERE id = $1")
        .bind(id)
        .bind(name)
        .execute(&app.db)
        .await
        .expect("the signatory");
    (browser, id)
}

#[tokio::test]
async fn a_decision_on_what_the_regions_signatory_confirmed_names_all_four_people() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let region = person(
        &app,
        Role::Coordinator,
        Some(STOCKHOLM),
        "Karin Koordinator",
    )
    .await;
    let (signatory, per) = signatory_of(&app, STOCKHOLM, "Per Firmatecknare").await;
    let officer = person(&app, Role::CaseOfficer, None, "Hanna Handläggare").await;
    let approver = person(&app, Role::Approver, None, "Anton Attestant").await;

    // The coordinator draws it up; it goes to the signatory, who reads and confirms it.
    let fields = with(complete("1 000 000"), "handling", "skicka");
    let sent = region
        .submit(
            "/rekvisitioner/ny?ar=2025",
            "/rekvisitioner/ny",
            &borrowed(&fields),
        )
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER, "{}", sent.plain());
    let id = requisition_id(&sent);
    let karin: Uuid = sqlx::query_scalar("SELECT prepared_by FROM requisitions WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("drawn up for the signatory");
    let link = format!("/firmatecknare/rekvisition/{id}");
    let read = signatory.get(&link).await;
    assert_eq!(read.status, StatusCode::OK);
    let version = read
        .attr("input[name=prepared_at]", "value")
        .expect("the form carries the version read");
    let csrf = read.csrf();
    let confirmed = signatory
        .post(
            &format!("{link}/bekrafta"),
            &[
                ("csrf", csrf.as_str()),
                ("prepared_at", version.as_str()),
                ("declaration", "ja"),
            ],
        )
        .await;
    assert_eq!(
        confirmed.status,
        StatusCode::SEE_OTHER,
        "{}",
        confirmed.plain()
    );

    // Tillväxtverket approves it, and a second person attests the payout: decided.
    approve(&officer, id, "1 000 000").await;
    approve_payout(&approver, id, live_payout(&app, id).await).await;
    let record = record_of(&app, "requisition_approved", &id.to_string()).await;
    let (prepared_by, signed_by): (Option<Uuid>, Option<Uuid>) = sqlx::query_as(
        "SELECT region_prepared_by, region_signed_by FROM decision_records WHERE id = $1",
    )
    .bind(record)
    .fetch_one(&app.db)
    .await
    .expect("the record");
    assert_eq!(
        (prepared_by, signed_by),
        (Some(karin), Some(per)),
        "the region's preparer and signatory, not the payout's preparer"
    );

    let page = region.get(&format!("/beslut/{record}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select(".decided-by-sentence"),
        [
            "Beslutet har fattats av Anton Attestant, attestant, efter föredragning av Hanna Handläggare, handläggare."
        ]
    );
    assert_eq!(
        page.select(".region-signing"),
        [
            "Upprättad av Karin Koordinator (regional koordinator) och bekräftad av firmatecknare Per Firmatecknare."
        ]
    );
    let text = page.plain();
    for name in [
        "Karin Koordinator",
        "Per Firmatecknare",
        "Hanna Handläggare",
        "Anton Attestant",
    ] {
        assert!(text.contains(name), "the record names {name}");
    }
    // What the checksum covers includes the region's people: it still reads as recorded.
    assert!(
        page.select(".integrity")[0].starts_with("Innehållet stämmer"),
        "{:?}",
        page.select(".integrity")
    );

    // The PDF/A says it too, and the receipt names the preparer as the page does.
    let (Some(_), Some(pdftotext)) = (tool("soffice"), tool("pdftotext")) else {
        return;
    };
    let bytes = pdf(&region, &format!("/beslut/{record}/pdf")).await;
    assert_pdfa("beslut-firmatecknare", &bytes);
    let text = words(&pdftotext, &bytes, "beslut-firmatecknare").await;
    for said in [
        "Beslutet har fattats av Anton Attestant, attestant, efter föredragning av Hanna Handläggare, handläggare.",
        "Rekvisitionen från regionen: Upprättad av Karin Koordinator (regional koordinator) och bekräftad av firmatecknare Per Firmatecknare.",
    ] {
        assert!(text.contains(said), "the decision says {said:?}:\n{text}");
    }
    let receipt = pdf(&region, &format!("/dokument/kvitto/{id}/pdf")).await;
    assert_pdfa("kvitto-firmatecknare", &receipt);
    let text = words(&pdftotext, &receipt, "kvitto-firmatecknare").await;
    assert!(
        text.contains("Upprättad av: Karin Koordinator"),
        "the receipt names who drew it up:\n{text}"
    );
    assert!(
        text.contains("Bekräftad och inskickad av firmatecknaren: Per Firmatecknare"),
        "the receipt names the signatory:\n{text}"
    );
    assert!(!text.contains("Förberedd av"), "{text}");
}

#[tokio::test]
async fn a_returned_requisition_is_the_case_officers_decision_alone_with_the_message_as_reasons() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let region = person(
        &app,
        Role::Coordinator,
        Some(STOCKHOLM),
        "Karin Koordinator",
    )
    .await;
    let officer = person(&app, Role::CaseOfficer, None, "Hanna Handläggare").await;
    let id = submitted(&region, "900 000").await;
    let stockholm = org_id(&app, STOCKHOLM).await;
    // Filed and unchanged: its receipt is among the case's documents.
    let receipts = |documents: Vec<digikoord::records::documents::Listed>| {
        documents
            .into_iter()
            .filter(|d| {
                d.document == digikoord::records::documents::CaseDocument::RequisitionReceipt(id)
            })
            .count()
    };
    let documents = digikoord::records::documents::for_case(&app.db, 2025, stockholm)
        .await
        .expect("the case's documents");
    assert_eq!(receipts(documents), 1);

    return_requisition(&officer, id, "Bankgironumret tillhör inte regionen.").await;
    let record = record_of(&app, "requisition_returned", &id.to_string()).await;
    let case_number: String =
        sqlx::query_scalar("SELECT case_number FROM requisitions WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("the requisition");
    let page = region.get(&format!("/beslut/{record}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select(".decision"),
        [format!(
            "Rekvisitionen {case_number} skickas tillbaka till Region Stockholm för komplettering."
        )]
    );
    assert_eq!(
        page.select(".reasons"),
        ["Bankgironumret tillhör inte regionen."]
    );
    assert_eq!(
        page.select(".decided-by-sentence"),
        ["Beslutet har fattats av Hanna Handläggare, handläggare."]
    );
    assert_eq!(page.select(".presented-by"), ["Ingen föredragande"]);
    assert_eq!(
        region
            .get("/beslut")
            .await
            .select("tr.decision th a.record"),
        ["Rekvisition återsänd för komplettering"]
    );

    // The region changes the returned requisition: what it filed is no longer what the row
    // says, and was not kept, so no receipt of it is made (nor listed).
    let path = format!("/rekvisitioner/{id}/andra");
    let fields = with(complete("850 000"), "handling", "spara");
    let saved = region.submit(&path, &path, &borrowed(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let documents = digikoord::records::documents::for_case(&app.db, 2025, stockholm)
        .await
        .expect("the case's documents");
    assert_eq!(receipts(documents), 0);
    let refused = region.get(&format!("/dokument/kvitto/{id}/pdf")).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.plain());
    assert_eq!(
        count(&app, "SELECT count(*) FROM case_document_pdfs").await,
        0
    );
}

#[tokio::test]
async fn a_decision_record_and_a_kept_document_can_be_neither_changed_nor_removed() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let region = person(
        &app,
        Role::Coordinator,
        Some(STOCKHOLM),
        "Karin Koordinator",
    )
    .await;
    let officer = person(&app, Role::CaseOfficer, None, "Hanna Handläggare").await;
    let id = submitted(&region, "900 000").await;
    return_requisition(&officer, id, "Kontaktpersonen saknas.").await;
    let record = record_of(&app, "requisition_returned", &id.to_string()).await;
    let constraint = |e: sqlx::Error| {
        e.as_database_error()
            .and_then(|d| d.constraint())
            .map(str::to_string)
    };
    for sql in [
        "UPDATE decision_records SET decision = 'Ändrat i efterhand.' WHERE id = $1",
        "UPDATE decision_records SET decided_by = decided_by WHERE id = $1",
        "DELETE FROM decision_records WHERE id = $1",
    ] {
        let refused = sqlx::query(sql)
            .bind(record)
            .execute(&app.db)
            .await
            .expect_err(sql);
        assert_eq!(
            constraint(refused).as_deref(),
            Some("decision_records_frozen"),
            "{sql}"
        );
    }
    let truncated = sqlx::query("TRUNCATE decision_records")
        .execute(&app.db)
        .await
        .expect_err("TRUNCATE");
    assert_eq!(
        constraint(truncated).as_deref(),
        Some("decision_records_frozen")
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM decision_records").await,
        1
    );
    assert!(
        region
            .get(&format!("/beslut/{record}"))
            .await
            .select(".integrity")[0]
            .starts_with("Innehållet stämmer")
    );

    // A kept document: its checksum must be its bytes', and then it stays as it is, and is
    // what every download serves.
    let wrong = sqlx::query(
        "INSERT INTO case_document_pdfs (key, filename, sha256, bytes)
         VALUES ('decision:' || $1, 'Beslut.pdf', encode(sha256('annat'::bytea), 'hex'), '%PDF-1.7 matris'::bytea)",
    )
    .bind(record)
    .execute(&app.db)
    .await
    .expect_err("a checksum that is not the bytes'");
    assert_eq!(
        constraint(wrong).as_deref(),
        Some("case_document_pdfs_checksum")
    );
    sqlx::query(
        "INSERT INTO case_document_pdfs (key, filename, sha256, bytes)
         VALUES ('decision:' || $1, 'Beslut.pdf', encode(sha256('%PDF-1.7 matris'::bytea), 'hex'), '%PDF-1.7 matris'::bytea)",
    )
    .bind(record)
    .execute(&app.db)
    .await
    .expect("kept");
    for sql in [
        "UPDATE case_document_pdfs SET filename = 'Annat.pdf' WHERE key = 'decision:' || $1",
        "DELETE FROM case_document_pdfs WHERE key = 'decision:' || $1",
    ] {
        let refused = sqlx::query(sql)
            .bind(record)
            .execute(&app.db)
            .await
            .expect_err(sql);
        assert_eq!(
            constraint(refused).as_deref(),
            Some("case_document_pdfs_frozen"),
            "{sql}"
        );
    }
    assert_eq!(
        pdf(&region, &format!("/beslut/{record}/pdf")).await,
        b"%PDF-1.7 matris".to_vec()
    );
}

#[tokio::test]
async fn without_libreoffice_a_decision_is_not_had_as_pdfa_and_nothing_is_kept() {
    let app = TestApp::spawn_with(on(2025, 3, 1), &[("SOFFICE", "/finns/inte/soffice")]).await;
    let region = person(
        &app,
        Role::Coordinator,
        Some(STOCKHOLM),
        "Karin Koordinator",
    )
    .await;
    let officer = person(&app, Role::CaseOfficer, None, "Hanna Handläggare").await;
    let id = submitted(&region, "900 000").await;
    return_requisition(&officer, id, "Kontaktpersonen saknas.").await;
    let record = record_of(&app, "requisition_returned", &id.to_string()).await;
    let refused = region.get(&format!("/beslut/{record}/pdf")).await;
    assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        refused.plain().contains("LibreOffice"),
        "{}",
        refused.plain()
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM case_document_pdfs").await,
        0
    );
    assert_eq!(app.audit_count("case_document.kept").await, 0);
}

#[tokio::test]
async fn a_reports_approval_rests_on_the_requisitions_decision_and_both_are_the_cases_documents() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let region = person(
        &app,
        Role::Coordinator,
        Some(STOCKHOLM),
        "Karin Koordinator",
    )
    .await;
    let officer = person(&app, Role::CaseOfficer, None, "Hanna Handläggare").await;
    let approver = person(&app, Role::Approver, None, "Anton Attestant").await;
    let id = submitted(&region, "1 000 000").await;
    approve(&officer, id, "1 000 000").await;
    let payout = live_payout(&app, id).await;
    approve_payout(&approver, id, payout).await;
    pay_payout(&officer, payout, "1 000 000", "V-1").await;
    let granted = record_of(&app, "requisition_approved", &id.to_string()).await;

    // The next January the region reports, and the case officer approves.
    let region = region.later(on(2026, 1, 15)).await;
    let officer = officer.later(on(2026, 1, 15)).await;
    let report = start_report(&region).await;
    fill_in_everything(&region, report).await;
    submit_report(&region, report).await;
    approve_report(&officer, report).await;
    let approved = record_of(&app, "report_approved", &report.to_string()).await;
    let rests_on: Option<Uuid> =
        sqlx::query_scalar("SELECT rests_on_record FROM decision_records WHERE id = $1")
            .bind(approved)
            .fetch_one(&app.db)
            .await
            .expect("the record");
    assert_eq!(rests_on, Some(granted));
    let page = region.get(&format!("/beslut/{approved}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.attrs("a.rests-on-record", "href"),
        [format!("/beslut/{granted}")]
    );
    let case_number: String =
        sqlx::query_scalar("SELECT case_number FROM requisitions WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("the requisition");
    let basis = page.select(".rests-on");
    assert!(
        basis[0].starts_with("Beslutet den") && basis[0].contains(&case_number),
        "{basis:?}"
    );
    assert_eq!(
        page.select(".decided-by-sentence"),
        ["Beslutet har fattats av Hanna Handläggare, handläggare."]
    );

    // The case's documents: the receipt, the report and both decisions.
    let stockholm = org_id(&app, STOCKHOLM).await;
    let titles: Vec<String> = digikoord::records::documents::for_case(&app.db, 2025, stockholm)
        .await
        .expect("the case's documents")
        .into_iter()
        .map(|d| d.title)
        .collect();
    for title in [
        format!("Kvitto på rekvisition {case_number}"),
        "Redovisning 2025 från Region Stockholm, version 1".to_string(),
        format!("Beslut: Rekvisition beviljad ({case_number})"),
        format!("Beslut: Redovisning godkänd ({case_number})"),
    ] {
        assert!(titles.contains(&title), "{title} in {titles:?}");
    }
    assert_eq!(titles.len(), 4, "{titles:?}");
    let other = person(&app, Role::Coordinator, Some(SKANE), "Sven Skåning").await;
    assert_eq!(
        other
            .get(&format!("/dokument/redovisning/{report}/pdf"))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // As PDF/A, the receipt names who sent it in and what was asked for; the report has
    // its activities and finances.
    let (Some(_), Some(pdftotext)) = (tool("soffice"), tool("pdftotext")) else {
        return;
    };
    let receipt = pdf(&region, &format!("/dokument/kvitto/{id}/pdf")).await;
    assert_pdfa("kvitto", &receipt);
    let text = words(&pdftotext, &receipt, "kvitto").await;
    for said in [
        format!("Kvitto på rekvisition {case_number}"),
        "Rekvirerat belopp: 1 000 000 kr".to_string(),
        "Utbetalning till: Bankgiro 5050-1055".to_string(),
        "Firmatecknare: Per Lind, Regiondirektör".to_string(),
        "Inskickad av: Karin Koordinator".to_string(),
    ] {
        assert!(text.contains(&said), "the receipt says {said:?}:\n{text}");
    }
    let filed = pdf(&officer, &format!("/dokument/redovisning/{report}/pdf")).await;
    assert_pdfa("redovisning", &filed);
    let text = words(&pdftotext, &filed, "redovisning").await;
    for said in [
        "Redovisning 2025: Region Stockholm",
        "Länsträff om AI i offentlig sektor",
        "Fler kommuner har en digitaliseringsplan.",
        "Mottagna medel",
    ] {
        assert!(text.contains(said), "the report says {said:?}:\n{text}");
    }
}

#[tokio::test]
async fn an_extension_is_a_decision_resting_on_the_basis_typed() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let region = person(
        &app,
        Role::Coordinator,
        Some(STOCKHOLM),
        "Karin Koordinator",
    )
    .await;
    let officer = person(&app, Role::CaseOfficer, None, "Hanna Handläggare").await;
    let stockholm = org_id(&app, STOCKHOLM).await.to_string();
    const BASIS: &str = "Infrastrukturdepartementets medgivande 2026-01-20, I2026/00123";
    let granted = officer
        .submit(
            "/handlaggning/forlangningar?ar=2025",
            "/handlaggning/forlangningar",
            &[
                ("ar", "2025"),
                ("organisation_id", stockholm.as_str()),
                ("deadline", "report"),
                ("new_deadline", "2026-03-31"),
                ("reason", "Ny ekonomichef, bokslutet dröjer."),
                ("basis", BASIS),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.plain());
    let record = record_of(
        &app,
        "extension_granted",
        &format!("2025/{stockholm}/report"),
    )
    .await;
    let page = region.get(&format!("/beslut/{record}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select(".decision"),
        ["Region Stockholm får förlängd tid för redovisningen 2025. Ny sista dag är 31 mars 2026."]
    );
    assert_eq!(
        page.select(".reasons"),
        ["Ny ekonomichef, bokslutet dröjer."]
    );
    assert_eq!(page.select(".rests-on"), [BASIS]);
    assert_eq!(
        page.select(".decided-by-sentence"),
        ["Beslutet har fattats av Hanna Handläggare, handläggare."]
    );

    // A decision always names its party: an organisation that is not one of the year's
    // actors gets no extension, and nothing is decided.
    let decided = "SELECT count(*) FROM decision_records WHERE kind = 'extension_granted'";
    let nobody = Uuid::new_v4().to_string();
    let refused = officer
        .submit(
            "/handlaggning/forlangningar?ar=2025",
            "/handlaggning/forlangningar",
            &[
                ("ar", "2025"),
                ("organisation_id", nobody.as_str()),
                ("deadline", "requisition"),
                ("new_deadline", "2025-04-30"),
                ("reason", "Ny ekonomichef."),
                ("basis", BASIS),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.plain().contains("Välj en av årets aktörer."));
    assert_eq!(count(&app, decided).await, 1);

    // A change is a decision of its own, naming the party as the grant did.
    let change = format!("/handlaggning/forlangningar/2025/{stockholm}/report/andra");
    let changed = officer
        .submit(
            &change,
            &change,
            &[
                ("new_deadline", "2026-04-30"),
                ("reason", "Ny ekonomichef, bokslutet dröjer."),
                ("basis", BASIS),
                ("change_reason", "Revisionen blev försenad."),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.plain());
    assert_eq!(count(&app, decided).await, 2);
    let latest: String = sqlx::query_scalar(
        "SELECT decision FROM decision_records WHERE kind = 'extension_granted'
         ORDER BY decided_at DESC, id LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("the change's decision");
    assert_eq!(
        latest,
        "Den förlängda tiden för Region Stockholm gällande redovisningen 2025 ändras. Ny sista dag är 30 april 2026."
    );
}
