//! Requests for public documents through HTTP, as a case officer handles one: a request for
//! Region Stockholm's 2025 — a requisition filed, approved and its payout attested, so a
//! receipt and a decision record — is registered anonymously; its documents are listed
//! unreviewed and the case is held against disposal; the bundle and the decision are refused
//! while anything is unreviewed; a withheld document must name its provision; each review is
//! of the document's kept PDF/A (made by LibreOffice in CI; outside it, where LibreOffice is
//! missing, a stand-in is kept first, as `records::documents` keeps what it makes); the bundle
//! holds exactly the kept files reviewed of the documents released whole and a list naming
//! every document with its review, the withheld one listed but not included; deciding
//! releases the hold and freezes the reviews. A document to be masked is never in the bundle:
//! it is downloaded from its own page. A document sent in again after its review is another
//! file: the page says so, and no bundle or decision is made until it is reviewed again. The
//! hold of an open request is released by its decision only, never on the retention page; the
//! documents are listed after the hold is placed; the diary and the requests are never
//! removed. A case without documents gets a bundle of the list alone. Coordinators never
//! reach the pages; approvers see them but do not act.

use std::io::{Cursor, Read};
use std::time::Duration;

use chrono::{DateTime, Utc};
use digikoord::{
    auth::Role,
    records::model::{decision_key, receipt_key, report_key},
};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{
        SKANE, STOCKHOLM, approve, approve_payout, complete, count, live_payout, org_id,
        post_anyway, return_requisition, send_in, submitted,
    },
    tool,
};

const LIST: &str = "/handlaggning/utlamnande";
const NEW: &str = "/handlaggning/utlamnande/ny";

/// The request's id, from the redirect to its page after registering.
fn request_id(page: &Page) -> Uuid {
    assert_eq!(
        page.status,
        StatusCode::SEE_OTHER,
        "registered: {}",
        page.plain()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    );
    let location = page.location.as_deref().expect("a redirect");
    let id = location
        .strip_prefix("/handlaggning/utlamnande/")
        .unwrap_or_else(|| panic!("to the request's page, not {location}"));
    Uuid::parse_str(id.split(['#', '?']).next().unwrap_or_default()).expect("the request's id")
}

/// A request as a person fills it in, for an organisation's 2025, anonymous.
fn request_form(organisation: &str, received_on: &str) -> Vec<(&'static str, String)> {
    vec![
        ("ar", "2025".into()),
        ("organisation_id", organisation.into()),
        ("received_on", received_on.into()),
        ("requester", String::new()),
        ("reply_to", "Hämtas i Tillväxtverkets reception".into()),
        (
            "asked_for",
            "Alla handlingar i regionens ärende om koordinatormedel 2025".into(),
        ),
    ]
}

fn fields<'a>(form: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    form.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// The documents listed on a request: position, kind, review, title.
async fn listed(app: &TestApp, request: Uuid) -> Vec<(i32, String, String, String)> {
    sqlx::query_as(
        "SELECT position, kind::text, review::text, title FROM disclosure_documents
         WHERE request_id = $1 ORDER BY position",
    )
    .bind(request)
    .fetch_all(&app.db)
    .await
    .expect("the listed documents")
}

/// The documents listed on a request: position, kind, the document's id.
async fn listed_ids(app: &TestApp, request: Uuid) -> Vec<(i32, String, Uuid)> {
    sqlx::query_as(
        "SELECT position, kind::text, document_id FROM disclosure_documents
         WHERE request_id = $1 ORDER BY position",
    )
    .bind(request)
    .fetch_all(&app.db)
    .await
    .expect("the listed documents")
}

/// The key of a listed document's PDF/A as the case has it now (`records::model`): a
/// receipt's and a report's name the moment it was last sent in.
async fn current_key(app: &TestApp, kind: &str, document: Uuid) -> String {
    let filed = |table: &'static str| async move {
        sqlx::query_scalar::<_, DateTime<Utc>>(&format!(
            "SELECT submitted_at FROM {table} WHERE id = $1"
        ))
        .bind(document)
        .fetch_one(&app.db)
        .await
        .expect("filed")
    };
    match kind {
        "decision" => decision_key(document),
        "requisition_receipt" => receipt_key(document, filed("requisitions").await),
        "report" => report_key(document, filed("reports").await),
        other => panic!("no such kind of document: {other}"),
    }
}

/// Keeps a stand-in PDF/A under `key`, as `records::documents` keeps a file it made: the
/// document is then read, reviewed and bundled without LibreOffice. Its bytes name the key
/// and `version`, so two files of one document differ.
async fn keep_stand_in(app: &TestApp, key: &str, version: &str) -> Vec<u8> {
    let bytes = format!("%PDF-1.7 stand-in for {key}, {version}").into_bytes();
    sqlx::query(
        "INSERT INTO case_document_pdfs (key, filename, sha256, bytes)
         VALUES ($1, $2, encode(sha256($3), 'hex'), $3)",
    )
    .bind(key)
    .bind(format!("Handling {version}.pdf"))
    .bind(bytes.as_slice())
    .execute(&app.db)
    .await
    .expect("a kept stand-in");
    bytes
}

/// The kept bytes a listed document's review names, or `None` when it names none.
async fn reviewed_bytes(app: &TestApp, request: Uuid, position: i32) -> Option<Vec<u8>> {
    sqlx::query_scalar(
        "SELECT p.bytes FROM disclosure_documents d
         JOIN case_document_pdfs p ON p.key = d.pdf_key AND p.sha256 = d.pdf_sha256
         WHERE d.request_id = $1 AND d.position = $2",
    )
    .bind(request)
    .bind(position)
    .fetch_optional(&app.db)
    .await
    .expect("the file reviewed")
}

/// The constraint the database named when it refused.
fn constraint(e: &sqlx::Error) -> Option<String> {
    e.as_database_error()
        .and_then(|d| d.constraint())
        .map(str::to_string)
}

/// The request's legal hold: what it is on, and whether it is still in place.
async fn hold(app: &TestApp, request: Uuid) -> (String, bool) {
    sqlx::query_as(
        "SELECT h.entity || ' ' || h.entity_id, h.released_at IS NULL
         FROM disclosure_requests r JOIN legal_holds h ON h.id = r.hold_id WHERE r.id = $1",
    )
    .bind(request)
    .fetch_one(&app.db)
    .await
    .expect("the request's hold")
}

async fn request_state(app: &TestApp, request: Uuid) -> String {
    sqlx::query_scalar("SELECT state::text FROM disclosure_requests WHERE id = $1")
        .bind(request)
        .fetch_one(&app.db)
        .await
        .expect("the request")
}

/// A download as the browser fetches it: status, content type, bytes.
async fn download(browser: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = browser
        .client
        .get(browser.url(path))
        .send()
        .await
        .expect("GET");
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    (
        status,
        content_type,
        response.bytes().await.expect("bytes").to_vec(),
    )
}

/// The entries of a ZIP by name, with their bytes.
fn unzip(bytes: Vec<u8>) -> Vec<(String, Vec<u8>)> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("the bundle is a ZIP");
    (0..archive.len())
        .map(|i| {
            let mut file = archive.by_index(i).expect("an entry");
            let mut bytes = Vec::new();
            file.read_to_end(&mut bytes).expect("read an entry");
            (file.name().expect("an entry's name").to_string(), bytes)
        })
        .collect()
}

#[tokio::test]
async fn a_request_is_reviewed_bundled_and_decided_with_its_case_held_meanwhile() {
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    // Approved and its payout attested: the requisition's decision is recorded.
    let requisition = submitted(&region, "1 000 000").await;
    approve(&officer, requisition, "1 000 000").await;
    approve_payout(&approver, requisition, live_payout(&app, requisition).await).await;
    let stockholm = org_id(&app, STOCKHOLM).await.to_string();
    let valid = request_form(&stockholm, "2025-02-28");

    // Coordinators never reach the pages.
    for path in [LIST, NEW] {
        assert_eq!(
            region.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let refused = post_anyway(&region, NEW, &fields(&valid)).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    // A form with faults comes back with them beside their fields, as typed; nothing written.
    let holds = count(&app, "SELECT count(*) FROM legal_holds").await;
    let form = officer.get(NEW).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(
        form.attrs("select#organisation_id option", "value")
            .contains(&stockholm),
        "the region is a choice"
    );
    let mut bad = valid.clone();
    bad.retain(|(k, _)| !matches!(*k, "received_on" | "reply_to"));
    bad.push(("received_on", "2025-03-02".into()));
    bad.push(("reply_to", " ".into()));
    let came_back = officer.submit(NEW, NEW, &fields(&bad)).await;
    assert_eq!(came_back.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(came_back.select("#received_on-error").len(), 1);
    assert_eq!(came_back.select("#reply_to-error").len(), 1);
    assert_eq!(
        came_back.select("textarea#asked_for"),
        ["Alla handlingar i regionens ärende om koordinatormedel 2025"]
    );
    // An organisation that is no actor of the year is refused beside the region.
    let outsider: Uuid = sqlx::query_scalar(
        "INSERT INTO organisations (id, name) VALUES (gen_random_uuid(), 'Ingen aktör') RETURNING id",
    )
    .fetch_one(&app.db)
    .await
    .expect("an organisation");
    let not_an_actor = request_form(&outsider.to_string(), "2025-02-28");
    let came_back = officer.submit(NEW, NEW, &fields(&not_an_actor)).await;
    assert_eq!(came_back.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(came_back.select("#organisation_id-error").len(), 1);
    assert_eq!(
        count(&app, "SELECT count(*) FROM disclosure_requests").await,
        0
    );
    assert_eq!(count(&app, "SELECT count(*) FROM legal_holds").await, holds);

    // Registered: the case's documents listed, none reviewed, the case held.
    let registered = officer.submit(NEW, NEW, &fields(&valid)).await;
    let id = request_id(&registered);
    let page = officer.follow(registered).await;
    assert!(
        page.select(".flash")
            .first()
            .is_some_and(|f| f.contains("är registrerad")),
        "{:?}",
        page.select(".flash")
    );
    let documents = listed(&app, id).await;
    assert!(
        documents.iter().any(|(_, kind, _, _)| kind == "decision"),
        "the decision recorded when the payout was attested is listed: {documents:?}"
    );
    assert!(
        documents
            .iter()
            .any(|(_, kind, _, _)| kind == "requisition_receipt"),
        "the requisition is listed: {documents:?}"
    );
    assert!(
        documents
            .iter()
            .all(|(_, _, review, _)| review == "not_reviewed")
    );
    assert_eq!(
        page.select("tr.disclosure-document td.review"),
        vec!["Ej sekretessprövad"; documents.len()]
    );
    assert_eq!(
        page.select("dd.requester"),
        ["Anonym (inget namn uppgivet)"]
    );
    assert_eq!(
        hold(&app, id).await,
        (format!("actor_year 2025:{stockholm}"), true)
    );
    assert_eq!(app.audit_count("disclosure.registered").await, 1);

    // The request itself: no coordinator reaches it; an approver sees it but does not act.
    let request = format!("{LIST}/{id}");
    let bundle = format!("{request}/paket");
    let closing = format!("{request}/avsluta");
    for path in [&request, &bundle, &closing] {
        assert_eq!(
            region.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let seen = approver.get(&request).await;
    assert_eq!(seen.status, StatusCode::OK);
    assert!(
        seen.select("form.review-form").is_empty(),
        "no review forms"
    );
    assert_eq!(approver.get(&bundle).await.status, StatusCode::FORBIDDEN);
    let first = format!("{request}/dokument/1");
    for (who, path) in [
        (&region, &first),
        (&approver, &first),
        (&approver, &closing),
    ] {
        let refused = post_anyway(who, path, &[("review", "release")]).await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN, "{path}");
    }

    // While anything is unreviewed there is no bundle and no decision.
    let (status, _, body) = download(&officer, &bundle).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        String::from_utf8_lossy(&body).contains("inte sekretessprövade"),
        "the page says why"
    );
    assert_eq!(app.audit_count("disclosure.bundled").await, 0);
    let too_early = officer.submit(&closing, &closing, &[]).await;
    assert_eq!(too_early.status, StatusCode::CONFLICT);
    assert_eq!(request_state(&app, id).await, "open");

    // Each review is of the document's kept PDF/A: made by LibreOffice where it is installed
    // (always in CI), else a stand-in kept first.
    let real = tool("soffice").is_some();
    if !real {
        for (position, kind, document) in listed_ids(&app, id).await {
            let key = current_key(&app, &kind, document).await;
            keep_stand_in(&app, &key, &position.to_string()).await;
        }
    }

    // The requisition is withheld, and must name the provision; the decisions are released,
    // anything else released masked.
    let withheld = documents
        .iter()
        .find(|(_, kind, _, _)| kind == "requisition_receipt")
        .map(|(position, _, _, _)| *position)
        .expect("a requisition");
    let review_path = |position: i32| format!("{request}/dokument/{position}");
    let no_provision = officer
        .submit(
            &request,
            &review_path(withheld),
            &[("review", "withhold"), ("note", "  ")],
        )
        .await;
    assert_eq!(no_provision.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        no_provision
            .select(&format!("#note-{withheld}-error"))
            .len(),
        1
    );
    assert_eq!(listed(&app, id).await, documents, "nothing written");
    for (position, kind, _, _) in &documents {
        let (review, note) = match kind.as_str() {
            _ if *position == withheld => ("withhold", "OSL 21 kap. 1 §"),
            "decision" => ("release", ""),
            _ => (
                "release_masked",
                "OSL 21 kap. 1 § (uppgifter om enskilds hälsa)",
            ),
        };
        let path = review_path(*position);
        let done = officer
            .submit(&request, &path, &[("review", review), ("note", note)])
            .await;
        assert_eq!(
            done.status,
            StatusCode::SEE_OTHER,
            "{path}: {}",
            done.plain()
        );
    }
    let reviewed = listed(&app, id).await;
    assert!(
        reviewed
            .iter()
            .all(|(position, kind, review, _)| match kind.as_str() {
                _ if *position == withheld => review == "withhold",
                "decision" => review == "release",
                _ => review == "release_masked",
            })
    );
    assert_eq!(
        app.audit_count("disclosure.reviewed").await,
        i64::try_from(documents.len()).expect("a count")
    );
    // Each review names the kept file reviewed, by key and checksum.
    for (position, _, _, _) in &documents {
        assert!(
            reviewed_bytes(&app, id, *position).await.is_some(),
            "document {position} names the file reviewed"
        );
    }

    // The bundle: exactly the kept files reviewed of the documents released whole, and the
    // list of them all.
    let (status, content_type, bytes) = download(&officer, &bundle).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(content_type, "application/zip");
    let entries = unzip(bytes);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    let pdfs: Vec<&(String, Vec<u8>)> = entries
        .iter()
        .filter(|(n, _)| n.ends_with(".pdf"))
        .collect();
    let released = documents
        .iter()
        .filter(|(position, kind, _, _)| *position != withheld && kind == "decision")
        .count();
    assert_eq!(
        pdfs.len(),
        released,
        "the documents released whole, nothing withheld or to be masked: {names:?}"
    );
    for (name, bytes) in &pdfs {
        assert!(bytes.starts_with(b"%PDF"), "{name} is a PDF");
        if real {
            assert!(
                digikoord::pdfa::declares_pdfa_2b(bytes),
                "{name} is PDF/A-2b"
            );
        }
    }
    for (position, kind, _, _) in &documents {
        let in_bundle: Vec<&(String, Vec<u8>)> = entries
            .iter()
            .filter(|(n, _)| n.contains(&format!("/{position:02} ")))
            .collect();
        if *position != withheld && kind == "decision" {
            assert!(
                in_bundle.len() == 1 && in_bundle[0].0.starts_with("Lämnas ut/"),
                "document {position} in Lämnas ut: {names:?}"
            );
            assert_eq!(
                Some(&in_bundle[0].1),
                reviewed_bytes(&app, id, *position).await.as_ref(),
                "document {position} is the very file reviewed"
            );
        } else {
            assert!(
                in_bundle.is_empty(),
                "document {position} is not released whole, yet in it: {names:?}"
            );
        }
    }
    let list = entries
        .iter()
        .find(|(n, _)| n == "Förteckning.csv")
        .map(|(_, b)| String::from_utf8(b.clone()).expect("UTF-8"))
        .expect("the list is in the bundle");
    let rows: Vec<&str> = list.trim_end().split("\r\n").skip(1).collect();
    assert_eq!(
        rows.len(),
        documents.len(),
        "every document listed:\n{list}"
    );
    for (position, kind, _, title) in &reviewed {
        let row = rows
            .iter()
            .find(|r| r.starts_with(&format!("{position};")))
            .unwrap_or_else(|| panic!("document {position} listed:\n{list}"));
        assert!(row.contains(title.as_str()), "{row}");
        if *position == withheld {
            assert!(
                row.contains("Lämnas inte ut (sekretess);OSL 21 kap. 1 §")
                    && row.ends_with(";Ingår inte"),
                "{row}"
            );
        } else if kind != "decision" {
            assert!(
                row.ends_with(";Lämnas ut efter maskering – ingår inte i paketet"),
                "{row}"
            );
        }
    }
    assert_eq!(app.audit_count("disclosure.bundled").await, 1);

    // Deciding: what it comes to is shown first; then the request is closed and the hold
    // released.
    let confirm = officer.get(&closing).await;
    assert_eq!(confirm.status, StatusCode::OK);
    assert!(
        confirm.plain().contains("6 kap. 7 §"),
        "the appeal is mentioned"
    );
    let decided = officer
        .submit(&closing, &closing, &[("note", "Skickat med e-post")])
        .await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.plain());
    assert_eq!(request_state(&app, id).await, "decided");
    assert_eq!(
        hold(&app, id).await,
        (format!("actor_year 2025:{stockholm}"), false)
    );
    assert_eq!(app.audit_count("disclosure.decided").await, 1);
    let page = officer.follow(decided).await;
    assert!(
        page.select("form.review-form").is_empty(),
        "no more reviews"
    );

    // Decided is decided: no review changes, by the handler or in the schema.
    let late = post_anyway(
        &officer,
        &review_path(withheld),
        &[("review", "release"), ("note", "")],
    )
    .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(
        post_anyway(&officer, &closing, &[]).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(listed(&app, id).await, reviewed);
    let rewritten = sqlx::query(
        "UPDATE disclosure_documents SET review = 'release', review_note = NULL WHERE request_id = $1",
    )
    .bind(id)
    .execute(&app.db)
    .await;
    assert!(
        rewritten.is_err(),
        "the schema keeps a decided request's reviews"
    );
}

#[tokio::test]
async fn a_case_without_documents_gets_a_bundle_of_the_list_alone_and_is_decided_at_once() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let skane = org_id(&app, SKANE).await.to_string();
    let registered = admin
        .submit(NEW, NEW, &fields(&request_form(&skane, "2025-03-01")))
        .await;
    let id = request_id(&registered);
    assert!(listed(&app, id).await.is_empty(), "Skåne has filed nothing");
    assert!(hold(&app, id).await.1, "held all the same");

    let bundle = format!("{LIST}/{id}/paket");
    let (status, content_type, bytes) = download(&admin, &bundle).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    assert_eq!(content_type, "application/zip");
    let entries = unzip(bytes);
    assert_eq!(entries.len(), 1, "the list alone");
    assert_eq!(entries[0].0, "Förteckning.csv");
    let list = String::from_utf8(entries[0].1.clone()).expect("UTF-8");
    assert!(list.starts_with("\u{feff}Nr;Handling;"), "{list}");
    assert_eq!(
        list.trim_end().split("\r\n").count(),
        1,
        "no documents: {list}"
    );
    assert_eq!(app.audit_count("disclosure.bundled").await, 1);

    // The hold is the request's: the retention page does not release it while the request
    // is open — its confirmation page says whose it is and offers nothing, the release is
    // refused, and so is the schema asked directly.
    let (hold_id, number): (i64, i64) =
        sqlx::query_as("SELECT hold_id, number FROM disclosure_requests WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("the request's hold");
    let release = format!("/admin/gallring/spar/{hold_id}/hav");
    let holds = admin.get("/admin/gallring/spar").await;
    assert!(
        holds
            .select(&format!("#sparr-{hold_id} .held-by-request"))
            .first()
            .is_some_and(|t| t.contains(&format!("nr {number}"))),
        "{}",
        holds.plain()
    );
    assert!(
        holds
            .select(&format!("#sparr-{hold_id} a.release"))
            .is_empty()
    );
    let page = admin.get(&release).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.select(".held-by-request")
            .first()
            .is_some_and(|t| t.contains(&format!("nr {number}"))),
        "{}",
        page.plain()
    );
    assert!(page.select("form.confirm").is_empty(), "nothing to confirm");
    let refused = post_anyway(&admin, &release, &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.plain());
    assert!(
        refused
            .plain()
            .contains("Spärren hävs när begäran avslutas"),
        "{}",
        refused.plain()
    );
    assert!(hold(&app, id).await.1, "still held");
    assert_eq!(app.audit_count("legal_hold.released").await, 0);
    let directly = sqlx::query(
        "UPDATE legal_holds SET released_at = now(), released_by = placed_by WHERE id = $1",
    )
    .bind(hold_id)
    .execute(&app.db)
    .await
    .expect_err("the schema keeps an open request's hold");
    assert_eq!(
        constraint(&directly).as_deref(),
        Some("legal_holds_of_open_requests")
    );

    let closing = format!("{LIST}/{id}/avsluta");
    let decided = admin.submit(&closing, &closing, &[("note", "")]).await;
    assert_eq!(decided.status, StatusCode::SEE_OTHER, "{}", decided.plain());
    assert_eq!(request_state(&app, id).await, "decided");
    assert!(!hold(&app, id).await.1, "released");
    assert_eq!(app.audit_count("legal_hold.released").await, 1);
    // Released with the decision, the hold's page offers nothing more.
    let page = admin.get(&release).await;
    assert_eq!(page.select(".already-released").len(), 1);
    assert!(page.select("form.confirm").is_empty());
    let list = admin.get(LIST).await;
    assert_eq!(list.select("tr.disclosure-request td.state"), ["Avslutad"]);
}

#[tokio::test]
async fn the_bundle_hands_over_exactly_the_files_reviewed_and_a_document_sent_in_again_is_reviewed_again()
 {
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    // Sent in and returned for completion: its receipt and the decision to return it.
    let requisition = submitted(&region, "1 000 000").await;
    return_requisition(&officer, requisition, "Kontaktpersonen saknas.").await;
    let stockholm = org_id(&app, STOCKHOLM).await.to_string();
    let registered = officer
        .submit(NEW, NEW, &fields(&request_form(&stockholm, "2025-03-01")))
        .await;
    let id = request_id(&registered);
    let documents = listed_ids(&app, id).await;
    let position_of = |kind: &str| {
        documents
            .iter()
            .find(|(_, k, _)| k == kind)
            .map(|(position, _, _)| *position)
            .unwrap_or_else(|| panic!("a {kind} is listed: {documents:?}"))
    };
    let (receipt, decision) = (position_of("requisition_receipt"), position_of("decision"));
    assert_eq!(documents.len(), 2, "{documents:?}");
    // Their PDF/A kept (as reading them keeps them), so no LibreOffice is needed here.
    let mut first = Vec::new();
    for (position, kind, document) in &documents {
        let key = current_key(&app, kind, *document).await;
        first.push((*position, key.clone(), keep_stand_in(&app, &key, "1").await));
    }
    let kept = |position: i32| {
        first
            .iter()
            .find(|(p, _, _)| *p == position)
            .map(|(_, key, bytes)| (key.clone(), bytes.clone()))
            .expect("kept")
    };

    // The receipt is released whole; the decision released masked.
    let request = format!("{LIST}/{id}");
    let bundle = format!("{request}/paket");
    let closing = format!("{request}/avsluta");
    let review = |position: i32| format!("{request}/dokument/{position}");
    for (position, choice, note) in [
        (receipt, "release", ""),
        (decision, "release_masked", "OSL 21 kap. 1 §"),
    ] {
        let done = officer
            .submit(
                &request,
                &review(position),
                &[("review", choice), ("note", note)],
            )
            .await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    }
    let named: (Option<String>, Option<String>) = sqlx::query_as(
        "SELECT pdf_key, pdf_sha256 FROM disclosure_documents WHERE request_id = $1 AND position = $2",
    )
    .bind(id)
    .bind(receipt)
    .fetch_one(&app.db)
    .await
    .expect("the receipt's review");
    assert_eq!(
        named.0,
        Some(kept(receipt).0),
        "the review names the file reviewed"
    );
    assert_eq!(
        named.1.as_deref(),
        Some(crate::steps::sha256_hex(&kept(receipt).1).as_str())
    );

    // The bundle: the receipt, exactly as reviewed; the decision to be masked only listed.
    let (status, _, bytes) = download(&officer, &bundle).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    let entries = unzip(bytes);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    let pdfs: Vec<&(String, Vec<u8>)> = entries
        .iter()
        .filter(|(n, _)| n.ends_with(".pdf"))
        .collect();
    assert_eq!(pdfs.len(), 1, "the receipt alone: {names:?}");
    assert!(pdfs[0].0.starts_with("Lämnas ut/"), "{names:?}");
    assert_eq!(pdfs[0].1, kept(receipt).1, "the very file reviewed");
    assert!(
        entries.iter().all(|(_, b)| *b != kept(decision).1),
        "nothing to be masked is handed over: {names:?}"
    );
    let list = entries
        .iter()
        .find(|(n, _)| n == "Förteckning.csv")
        .map(|(_, b)| String::from_utf8(b.clone()).expect("UTF-8"))
        .expect("the list");
    let row = list
        .trim_end()
        .split("\r\n")
        .find(|r| r.starts_with(&format!("{decision};")))
        .unwrap_or_else(|| panic!("the decision listed:\n{list}"));
    assert!(
        row.ends_with(";Lämnas ut efter maskering – ingår inte i paketet"),
        "{row}"
    );
    // To be masked by hand: downloaded from its own page, the file reviewed.
    let page = officer.get(&request).await;
    assert_eq!(
        page.attrs("a.mask-document", "href"),
        [review(decision)],
        "{}",
        page.plain()
    );
    let (status, content_type, bytes) = download(&officer, &review(decision)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(content_type, "application/pdf");
    assert_eq!(bytes, kept(decision).1);

    // A review names a kept file of its own document, or the schema refuses it.
    let (other_key, _) = kept(decision);
    let wrong = sqlx::query(
        "UPDATE disclosure_documents SET pdf_key = $3 WHERE request_id = $1 AND position = $2",
    )
    .bind(id)
    .bind(receipt)
    .bind(&other_key)
    .execute(&app.db)
    .await
    .expect_err("another document's file");
    assert_eq!(
        constraint(&wrong).as_deref(),
        Some("disclosure_documents_reviewed_kept_file")
    );

    // The region sends the requisition in again (a second later: another filing, another
    // receipt). The receipt reviewed is no longer the case's: the page says so, and neither
    // bundle nor decision is made until it is reviewed again.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    send_in(&region, requisition, &complete("1 000 000")).await;
    let now = current_key(&app, "requisition_receipt", requisition).await;
    assert_ne!(now, kept(receipt).0, "sent in again: another receipt");
    let page = officer.get(&request).await;
    assert_eq!(
        page.select("tr.disclosure-document .changed-since-review")
            .len(),
        1,
        "{}",
        page.plain()
    );
    let (status, _, body) = download(&officer, &bundle).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        String::from_utf8_lossy(&body).contains("är inte längre den som sekretessprövades"),
        "the page says why"
    );
    assert_eq!(app.audit_count("disclosure.bundled").await, 1);
    let too_early = officer.submit(&closing, &closing, &[]).await;
    assert_eq!(too_early.status, StatusCode::CONFLICT);
    assert_eq!(request_state(&app, id).await, "open");

    // Reviewed again, the new receipt is what the bundle holds.
    let second = keep_stand_in(&app, &now, "2").await;
    let again = officer
        .submit(
            &request,
            &review(receipt),
            &[("review", "release"), ("note", "")],
        )
        .await;
    assert_eq!(again.status, StatusCode::SEE_OTHER, "{}", again.plain());
    assert_eq!(
        reviewed_bytes(&app, id, receipt).await,
        Some(second.clone())
    );
    let (status, _, bytes) = download(&officer, &bundle).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    let entries = unzip(bytes);
    let pdfs: Vec<&Vec<u8>> = entries
        .iter()
        .filter(|(n, _)| n.ends_with(".pdf"))
        .map(|(_, b)| b)
        .collect();
    assert_eq!(pdfs, [&second], "the receipt as reviewed again");
}

#[tokio::test]
async fn the_documents_are_listed_once_the_hold_is_placed() {
    let app = TestApp::spawn().await;
    let officer = app.other_browser();
    let officer_id = officer.login_as(Role::CaseOfficer, None).await;
    let stockholm = org_id(&app, STOCKHOLM).await;
    // A disposal run being confirmed holds the holds (`LOCK TABLE legal_holds IN SHARE
    // MODE`) and commits what it changed; registering waits for it, and lists the case's
    // documents only then — here a decision written in that same transaction is listed.
    let mut confirming = app.db.begin().await.expect("a transaction");
    sqlx::query("LOCK TABLE legal_holds IN SHARE MODE")
        .execute(&mut *confirming)
        .await
        .expect("the holds held");
    let late: Uuid = sqlx::query_scalar(
        "INSERT INTO decision_records (id, kind, year, organisation_id, entity, entity_id,
             decision, reasons, decided_by, decided_by_role, rests_on, content_sha256)
         SELECT gen_random_uuid(), 'requisition_rejected', 2025, $1, 'requisition',
                gen_random_uuid()::text, 'Avslås.', 'Beslutat medan en gallring bekräftades.',
                u.id, u.role, 'Regeringens beslut.', encode(sha256('sent'::bytea), 'hex')
         FROM users u WHERE u.id = $2
         RETURNING id",
    )
    .bind(stockholm)
    .bind(officer_id)
    .fetch_one(&mut *confirming)
    .await
    .expect("a decision");
    let form = request_form(&stockholm.to_string(), "2025-03-01");
    let sent = fields(&form);
    let (registered, ()) = tokio::join!(officer.submit(NEW, NEW, &sent), async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        confirming.commit().await.expect("commit");
    });
    let id = request_id(&registered);
    assert!(
        listed_ids(&app, id)
            .await
            .iter()
            .any(|(_, kind, document)| kind == "decision" && *document == late),
        "listed after the hold waited: {:?}",
        listed_ids(&app, id).await
    );
    assert!(hold(&app, id).await.1);
}

#[tokio::test]
async fn the_diary_the_requests_and_their_documents_are_never_removed() {
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    let officer_id = officer.login_as(Role::CaseOfficer, None).await;
    submitted(&region, "1 000 000").await;
    let stockholm = org_id(&app, STOCKHOLM).await;
    let registered = officer
        .submit(
            NEW,
            NEW,
            &fields(&request_form(&stockholm.to_string(), "2025-03-01")),
        )
        .await;
    let id = request_id(&registered);
    assert!(
        !listed_ids(&app, id).await.is_empty(),
        "the receipt is listed"
    );
    // A diarienummer on the requisition's case.
    sqlx::query(
        "INSERT INTO registry_entries (kind, year, organisation_id, diarienummer, registered_by)
         VALUES ('requisition', 2025, $1, 'Ä 2025-00001', $2)",
    )
    .bind(stockholm)
    .bind(officer_id)
    .execute(&app.db)
    .await
    .expect("a diarienummer");
    // Whoever asks (here the schema's owner), a diarienummer is never removed.
    for sql in ["DELETE FROM registry_entries", "TRUNCATE registry_entries"] {
        let refused = sqlx::query(sql).execute(&app.db).await.expect_err(sql);
        assert_eq!(
            constraint(&refused).as_deref(),
            Some("registry_entries_kept"),
            "{sql}"
        );
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM registry_entries").await,
        1
    );
    // The server may not even try.
    for sql in [
        "DELETE FROM registry_entries",
        "DELETE FROM disclosure_documents",
        "DELETE FROM disclosure_requests",
        "TRUNCATE disclosure_requests CASCADE",
    ] {
        let mut tx = app.db.begin().await.expect("a transaction");
        sqlx::query("SET LOCAL ROLE digikoord_app")
            .execute(&mut *tx)
            .await
            .expect("the server's role");
        let refused = sqlx::query(sql).execute(&mut *tx).await.expect_err(sql);
        assert_eq!(
            refused
                .as_database_error()
                .and_then(|d| d.code())
                .as_deref(),
            Some("42501"),
            "{sql}: {refused}"
        );
        tx.rollback().await.expect("rollback");
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM disclosure_requests").await,
        1
    );
}
