//! Lists an official can work with: the audit log speaks Swedish, links its cases, filters,
//! pages through everything and exports; the staff lists find a case by its number or its
//! actor and export what they show.

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    TestApp,
    steps::{SKANE, STOCKHOLM, approve, approve_payout, live_payout, org_id, paid, submitted},
};

/// A browser logged in as `role`, and the user's id.
async fn browser_as(app: &TestApp, role: Role, organisation: Option<&str>) -> (TestApp, Uuid) {
    let browser = app.other_browser();
    let id = browser.login_as(role, organisation).await;
    (browser, id)
}

/// A CSV download: its status and its lines (BOM kept on the first).
async fn csv(browser: &TestApp, path: &str) -> (StatusCode, Vec<String>) {
    let response = browser
        .client
        .get(browser.url(path))
        .send()
        .await
        .expect("csv");
    let status = response.status();
    let text = response.text().await.expect("body");
    (
        status,
        text.split("\r\n")
            .filter(|l| !l.is_empty())
            .map(|l| l.replace('\u{a0}', " "))
            .collect(),
    )
}

async fn case_number(app: &TestApp, requisition: Uuid) -> String {
    sqlx::query_scalar("SELECT case_number FROM requisitions WHERE id = $1")
        .bind(requisition)
        .fetch_one(&app.db)
        .await
        .expect("case number")
}

/// `count` entries by `user`, a minute apart from `first` (Swedish time), each with its
/// number as the record's id.
async fn logged(app: &TestApp, user: Uuid, count: i32, first: &str) {
    sqlx::query(
        "INSERT INTO audit_log (at, actor_user_id, action, entity, entity_id)
         SELECT ($3::timestamp AT TIME ZONE 'Europe/Stockholm') + make_interval(mins => n),
                $1, 'auth.login', 'user', 'inloggning-' || n
         FROM generate_series(1, $2) AS n",
    )
    .bind(user)
    .bind(count)
    .bind(first)
    .execute(&app.db)
    .await
    .expect("audit rows");
}

#[tokio::test]
async fn the_audit_log_says_in_swedish_who_attested_which_payout_and_links_the_case() {
    let app = TestApp::spawn().await;
    let (region, _) = browser_as(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    let (officer, _) = browser_as(&app, Role::CaseOfficer, None).await;
    let (approver, approver_id) = browser_as(&app, Role::Approver, None).await;
    let (admin, _) = browser_as(&app, Role::Admin, None).await;
    let id = submitted(&region, "250000").await;
    approve(&officer, id, "250000").await;
    approve_payout(&approver, id, live_payout(&app, id).await).await;
    let case = case_number(&app, id).await;

    let log = admin
        .get(&format!("/admin/logg?arende={}", case.to_lowercase()))
        .await;
    assert_eq!(log.status, StatusCode::OK);
    let sentences = log.select("table.audit td.sentence");
    assert!(
        sentences.contains(&format!(
            "Test Attestant attesterade utbetalningen {case}, 250 000 kr"
        )),
        "{sentences:?}"
    );
    assert!(
        sentences.contains(&format!(
            "Test Handläggare godkände rekvisitionen {case}, 250 000 kr"
        )),
        "{sentences:?}"
    );
    assert!(
        sentences.iter().all(|s| s.contains(&case)),
        "only the case's entries: {sentences:?}"
    );
    assert!(
        log.attrs("table.audit td.case a", "href")
            .iter()
            .all(|h| *h == format!("/rekvisitioner/{id}")),
        "each entry links its requisition"
    );
    assert!(!log.attrs("table.audit td.case a", "href").is_empty());

    // By person: the approver's own entries, the attest among them.
    let by_person = admin
        .get(&format!("/admin/logg?person={approver_id}"))
        .await;
    let mine = by_person.select("table.audit td.sentence");
    assert!(
        mine.iter().all(|s| s.starts_with("Test Attestant ")),
        "{mine:?}"
    );
    assert!(mine.iter().any(|s| s.contains("attesterade utbetalningen")));
    assert!(!mine.iter().any(|s| s.contains("godkände rekvisitionen")));
    assert_eq!(
        by_person.attr("select#person option[selected]", "value"),
        Some(approver_id.to_string()),
        "the form keeps the filter"
    );

    // By actor: Skåne has nothing to do with Stockholm's case.
    let skane = org_id(&app, SKANE).await;
    let other = admin.get(&format!("/admin/logg?aktor={skane}")).await;
    assert!(
        !other
            .select("table.audit td.sentence")
            .iter()
            .any(|s| s.contains(&case))
    );
    let stockholm = org_id(&app, STOCKHOLM).await;
    let own = admin.get(&format!("/admin/logg?aktor={stockholm}")).await;
    assert!(
        own.select("table.audit td.sentence")
            .iter()
            .any(|s| s.contains(&format!("skickade in rekvisitionen {case}")))
    );

    // The export has the filtered rows, and only those.
    let (status, lines) = csv(&admin, &format!("/admin/logg/export.csv?arende={case}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(lines[0].starts_with("\u{feff}Tid;Vem;Händelse;Ärende;"));
    assert_eq!(lines.len() - 1, sentences.len(), "{lines:?}");
    assert!(
        lines.iter().any(|l| l.contains(&format!(
            "Test Attestant attesterade utbetalningen {case}, 250 000 kr"
        ))),
        "{lines:?}"
    );
    assert!(lines[1..].iter().all(|l| l.contains(&case)));
}

#[tokio::test]
async fn the_audit_log_filters_by_date_and_pages_through_everything() {
    let app = TestApp::spawn().await;
    let (admin, _) = browser_as(&app, Role::Admin, None).await;
    let someone = app.create_user(Role::Coordinator, Some(SKANE)).await;
    logged(&app, someone, 250, "2024-06-01 08:00").await;
    logged(&app, someone, 5, "2024-09-10 08:00").await;

    // 255 entries of this person: three pages of at most 100, the newest first.
    let first = admin.get(&format!("/admin/logg?person={someone}")).await;
    assert_eq!(first.select("table.audit tbody tr").len(), 100);
    assert!(
        first.plain().contains("Händelse 1–100 av 255"),
        "{}",
        first.plain()
    );
    let next = first
        .attr("nav.pagination a[rel=next]", "href")
        .expect("a next page");
    assert_eq!(next, format!("?person={someone}&sida=2"));
    assert_eq!(
        first.select("nav.pagination ul.pages li"),
        vec!["1", "2", "3"]
    );
    let last = admin
        .get(&format!("/admin/logg?person={someone}&sida=3"))
        .await;
    assert_eq!(last.select("table.audit tbody tr").len(), 55);
    assert!(
        last.plain().contains("user inloggning-1"),
        "the oldest entry is reachable"
    );
    assert!(last.attr("nav.pagination a[rel=prev]", "href").is_some());
    assert_eq!(
        last.select("table.audit td.sentence")[0],
        "Test Regional koordinator loggade in"
    );

    // By date (Swedish dates, both days included): only September's five.
    let september = admin
        .get(&format!(
            "/admin/logg?person={someone}&fran=2024-09-01&till=2024-09-10"
        ))
        .await;
    assert_eq!(september.select("table.audit tbody tr").len(), 5);
    assert!(september.attr("nav.pagination", "class").is_none());
    let june_first = admin
        .get("/admin/logg?fran=2024-06-01&till=2024-06-01")
        .await;
    assert!(
        june_first.plain().contains("av 250"),
        "{}",
        june_first.plain()
    );

    // The export is every filtered entry, not one page.
    let (status, lines) = csv(&admin, &format!("/admin/logg/export.csv?person={someone}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lines.len(), 1 + 255);
    let (_, september_lines) = csv(
        &admin,
        &format!("/admin/logg/export.csv?person={someone}&fran=2024-09-01"),
    )
    .await;
    assert_eq!(september_lines.len(), 1 + 5);
    assert!(
        september_lines[1].starts_with(
            "2024-09-10 08:05:00;Test Regional koordinator;Test Regional koordinator loggade in;"
        ),
        "{september_lines:?}"
    );
}

/// Stockholm's requisition sent in (DK-2025-001) and Skåne's approved and paid
/// (DK-2025-002), and a case officer's browser.
async fn two_cases(app: &TestApp) -> TestApp {
    let (region, _) = browser_as(app, Role::Coordinator, Some(STOCKHOLM)).await;
    let stockholm = submitted(&region, "250000").await;
    assert_eq!(case_number(app, stockholm).await, "DK-2025-001");
    paid(app, SKANE, "300000").await;
    browser_as(app, Role::CaseOfficer, None).await.0
}

#[tokio::test]
async fn the_requisition_list_finds_a_case_by_its_number_or_actor_and_exports_what_it_shows() {
    let app = TestApp::spawn().await;
    let officer = two_cases(&app).await;
    let cases = "table.requisitions tbody tr td:first-child";

    let by_number = officer
        .get("/handlaggning/rekvisitioner?ar=2025&q=dk-2025-001")
        .await;
    assert_eq!(by_number.select(cases), vec!["DK-2025-001"]);
    assert_eq!(
        by_number.attr("input#q", "value").as_deref(),
        Some("dk-2025-001")
    );
    assert!(
        by_number
            .attrs("ul.filters a", "href")
            .iter()
            .all(|h| h.contains("q=dk-2025-001")),
        "the state filters keep the search"
    );

    let by_actor = officer
        .get("/handlaggning/rekvisitioner?ar=2025&q=sk%C3%A5ne")
        .await;
    assert_eq!(by_actor.select(cases), vec!["DK-2025-002"]);
    let export = by_actor
        .attr("p.exports a", "href")
        .expect("an export link");
    let (status, lines) = csv(&officer, &export).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("\u{feff}Ärende;Aktör;Belopp;"));
    assert!(
        lines[1].starts_with("DK-2025-002;Region Skåne;300000,00;"),
        "{lines:?}"
    );

    let (_, all) = csv(&officer, "/handlaggning/rekvisitioner?ar=2025&format=csv").await;
    assert_eq!(all.len(), 3, "{all:?}");
}

#[tokio::test]
async fn the_report_list_finds_a_case_by_its_number_or_actor_and_exports_what_it_shows() {
    let app = TestApp::spawn().await;
    let officer = two_cases(&app).await;
    let actors = "table.reports tbody th";

    let by_number = officer
        .get("/handlaggning/redovisningar?ar=2025&q=DK-2025-002")
        .await;
    assert_eq!(by_number.select(actors), vec!["Region Skåne"]);
    assert_eq!(
        by_number.select("table.reports td.case"),
        vec!["DK-2025-002"]
    );

    let by_actor = officer
        .get("/handlaggning/redovisningar?ar=2025&q=stockholm")
        .await;
    assert_eq!(by_actor.select(actors), vec!["Region Stockholm"]);

    let export = by_number
        .attr("p.exports a", "href")
        .expect("an export link");
    assert!(export.contains("q=DK-2025-002") && export.contains("format=csv"));
    let (status, lines) = csv(&officer, &export).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("\u{feff}Ärende;Aktör;Läge;"));
    assert!(
        lines[1].starts_with("DK-2025-002;Region Skåne;Ej påbörjad;"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn the_repayment_list_finds_a_case_by_its_number_or_actor_and_exports_what_it_shows() {
    let app = TestApp::spawn().await;
    let officer = two_cases(&app).await;
    let actors = "table.repayments tbody th";

    let by_number = officer
        .get("/handlaggning/aterbetalningar?ar=2025&q=dk-2025-002")
        .await;
    assert_eq!(by_number.select(actors), vec!["Region Skåne"]);

    let by_actor = officer
        .get("/handlaggning/aterbetalningar?ar=2025&q=Region%20Stockholm")
        .await;
    assert_eq!(by_actor.select(actors), vec!["Region Stockholm"]);

    let export = by_number
        .attr("p.exports a", "href")
        .expect("an export link");
    let (status, lines) = csv(&officer, &export).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("\u{feff}Ärende;Aktör;Läge;"));
    assert!(
        lines[1].starts_with("DK-2025-002;Region Skåne;"),
        "{lines:?}"
    );
}
