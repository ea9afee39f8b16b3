//! Lists an official can work with: the audit log speaks Swedish, links its cases, filters,
//! pages through everything and exports; the staff lists find a case by its number or its
//! actor and export what they show.

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    TestApp,
    steps::{
        SKANE, STOCKHOLM, approve, approve_payout, approved_case, confirm, live_payout, on, org_id,
        paid, register, submitted, unconfirmed_payment,
    },
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

    // The time heading turns the order, the filter kept: the oldest first, paged the same.
    let turn = first
        .attr("table.audit th a", "href")
        .expect("the time heading is a link");
    assert_eq!(
        turn,
        format!("/admin/logg?person={someone}&ordning=stigande")
    );
    assert_eq!(
        first
            .attr("table.audit th[aria-sort]", "aria-sort")
            .as_deref(),
        Some("descending")
    );
    let oldest = admin.get(&turn).await;
    assert!(
        oldest.plain().contains("den äldsta först"),
        "{}",
        oldest.plain()
    );
    assert_eq!(
        oldest
            .attr("table.audit th[aria-sort]", "aria-sort")
            .as_deref(),
        Some("ascending")
    );
    let details = oldest.select("table.audit tbody tr td:last-child");
    assert!(details[0].ends_with("user inloggning-1"), "{}", details[0]);
    assert_eq!(
        oldest.attr("nav.pagination a[rel=next]", "href").as_deref(),
        Some(format!("?person={someone}&ordning=stigande&sida=2").as_str())
    );
    assert_eq!(
        oldest.attr("input[name=ordning]", "value").as_deref(),
        Some("stigande"),
        "the filter form keeps the order"
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

/// An XLSX download: its status and its first sheet's rows, each cell as text.
async fn xlsx(browser: &TestApp, path: &str) -> (StatusCode, Vec<Vec<String>>) {
    use calamine::Reader;
    let response = browser
        .client
        .get(browser.url(path))
        .send()
        .await
        .expect("xlsx");
    let status = response.status();
    let bytes = response.bytes().await.expect("body").to_vec();
    if status != StatusCode::OK {
        return (status, Vec::new());
    }
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX that opens");
    let sheet = book
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("a readable sheet");
    let rows = sheet
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect();
    (status, rows)
}

/// A name as a Swedish reader sorts it: case aside, å ä ö after z.
fn swedish_key(name: &str) -> String {
    name.to_lowercase()
        .replace('å', "{")
        .replace('ä', "|")
        .replace('ö', "}")
}

/// Column `c` of the rows under the heading row.
fn column_of(rows: &[Vec<String>], c: usize) -> Vec<String> {
    rows[1..].iter().map(|r| r[c].clone()).collect()
}

#[tokio::test]
async fn the_requisition_list_sorts_by_a_column_either_way_and_opens_on_what_waits() {
    let app = TestApp::spawn().await;
    let officer = two_cases(&app).await;
    let cases = "table.requisitions tbody tr td:first-child";

    // Opened as it is, the sent-in requisition waiting for a decision comes first.
    let queue = officer.get("/handlaggning/rekvisitioner?ar=2025").await;
    assert_eq!(queue.select(cases), vec!["DK-2025-001", "DK-2025-002"]);
    assert_eq!(
        queue.select("p.waiting"),
        vec!["1 ärende väntar på handläggning – det visas först."]
    );

    let by_actor = queue
        .attr("table.requisitions thead a[href*='sortera=aktor']", "href")
        .expect("the actor's heading is a link");
    assert_eq!(by_actor, "?ar=2025&sortera=aktor");
    let ascending = officer
        .get(&format!("/handlaggning/rekvisitioner{by_actor}"))
        .await;
    assert_eq!(ascending.select(cases), vec!["DK-2025-002", "DK-2025-001"]);
    assert_eq!(
        ascending.attr("table.requisitions th[aria-sort]", "aria-sort"),
        Some("ascending".to_string())
    );
    assert!(
        ascending.select("p.waiting").is_empty(),
        "sorted by a column, it says nothing of the queue"
    );
    let turned = ascending
        .attr("table.requisitions th[aria-sort] a", "href")
        .expect("the sorted heading turns the order");
    assert_eq!(turned, "?ar=2025&sortera=aktor&ordning=fallande");
    let descending = officer
        .get(&format!("/handlaggning/rekvisitioner{turned}"))
        .await;
    assert_eq!(descending.select(cases), vec!["DK-2025-001", "DK-2025-002"]);
    assert_eq!(
        descending.attr("table.requisitions th[aria-sort]", "aria-sort"),
        Some("descending".to_string())
    );
    // The state filters and the export keep the order.
    assert!(
        descending
            .attrs("ul.filters a", "href")
            .iter()
            .all(|h| h.contains("sortera=aktor&ordning=fallande"))
    );
    let (_, lines) = csv(
        &officer,
        &descending.attr("p.exports a", "href").expect("an export"),
    )
    .await;
    assert!(lines[1].starts_with("DK-2025-001;") && lines[2].starts_with("DK-2025-002;"));

    // By amount, the smaller first.
    let by_amount = officer
        .get("/handlaggning/rekvisitioner?ar=2025&sortera=belopp")
        .await;
    assert_eq!(by_amount.select(cases), vec!["DK-2025-001", "DK-2025-002"]);
    let by_amount = officer
        .get("/handlaggning/rekvisitioner?ar=2025&sortera=belopp&ordning=fallande")
        .await;
    assert_eq!(by_amount.select(cases), vec!["DK-2025-002", "DK-2025-001"]);
}

#[tokio::test]
async fn the_report_and_repayment_lists_sort_by_their_columns() {
    let app = TestApp::spawn().await;
    let officer = two_cases(&app).await;

    let reports = |q: &'static str| {
        let officer = &officer;
        async move {
            officer
                .get(&format!("/handlaggning/redovisningar?ar=2025{q}"))
                .await
                .select("table.reports tbody th")
        }
    };
    let ascending = reports("&sortera=aktor").await;
    let descending = reports("&sortera=aktor&ordning=fallande").await;
    assert!(ascending.len() > 2);
    let mut reversed = ascending.clone();
    reversed.reverse();
    assert_eq!(descending, reversed);
    assert_ne!(ascending, descending);
    // Swedish order: å, ä, ö after z.
    let mut swedish = ascending.clone();
    swedish.sort_by_key(|a| swedish_key(a));
    assert_eq!(ascending, swedish);
    let position = |name: &str| ascending.iter().position(|a| a == name).expect(name);
    assert!(position(SKANE) < position(STOCKHOLM));

    let repayments = officer
        .get("/handlaggning/aterbetalningar?ar=2025&sortera=aktor&ordning=fallande")
        .await;
    let actors = repayments.select("table.repayments tbody th");
    let mut sorted = actors.clone();
    sorted.sort_by_key(|a| swedish_key(a));
    sorted.reverse();
    assert_eq!(actors, sorted);
    assert_eq!(
        repayments.attr("table.repayments th[aria-sort]", "aria-sort"),
        Some("descending".to_string())
    );
}

#[tokio::test]
async fn every_staff_list_exports_the_rows_it_shows_as_a_workbook_that_opens() {
    let app = TestApp::spawn().await;
    let officer = two_cases(&app).await;
    let (admin, _) = browser_as(&app, Role::Admin, None).await;

    // Requisitions: the page's cases, in the page's order.
    let page = officer
        .get("/handlaggning/rekvisitioner?ar=2025&sortera=aktor")
        .await;
    let link = page
        .attr("p.exports a[href*='format=xlsx']", "href")
        .expect("an XLSX link");
    assert!(
        page.select("p.exports a")
            .contains(&"Ladda ner som Excel (XLSX)".to_string())
    );
    let (status, rows) = xlsx(&officer, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows[0][..3], ["Ärende", "Aktör", "Belopp"]);
    assert_eq!(
        column_of(&rows, 0),
        page.select("table.requisitions tbody tr td:first-child")
    );
    assert_eq!(rows[1][2], "300000", "the amount is a number");

    // Reports: every actor, as on the page.
    let page = officer
        .get("/handlaggning/redovisningar?ar=2025&q=region")
        .await;
    let link = page
        .attr("p.exports a[href*='format=xlsx']", "href")
        .expect("an XLSX link");
    let (status, rows) = xlsx(&officer, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(column_of(&rows, 1), page.select("table.reports tbody th"));

    // Repayments.
    let page = officer
        .get("/handlaggning/aterbetalningar?ar=2025&sortera=kvar")
        .await;
    let link = page
        .attr("p.exports a[href*='format=xlsx']", "href")
        .expect("an XLSX link");
    let (status, rows) = xlsx(&officer, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        column_of(&rows, 1),
        page.select("table.repayments tbody th")
    );

    // Users.
    let page = admin.get("/admin/anvandare?sortera=namn").await;
    let link = page
        .attr("p.exports a[href*='format=xlsx']", "href")
        .expect("an XLSX link");
    let (status, rows) = xlsx(&admin, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        column_of(&rows, 0),
        page.select("table.users tbody tr td:first-child")
    );

    // The audit log: every entry the filter finds, its sentences as on the page.
    let first_case: String = sqlx::query_scalar(
        "SELECT min(case_number) FROM requisitions WHERE case_number IS NOT NULL",
    )
    .fetch_one(&app.db)
    .await
    .expect("a case");
    let page = admin.get(&format!("/admin/logg?arende={first_case}")).await;
    let link = page
        .attr("p.exports a[href*='format=xlsx']", "href")
        .expect("an XLSX link");
    let (status, rows) = xlsx(&admin, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows[0][0], "Tid");
    let sentences: Vec<String> = column_of(&rows, 2)
        .into_iter()
        .map(|s| s.replace('\u{a0}', " "))
        .collect();
    let shown: Vec<String> = page
        .select("table.audit td.sentence")
        .into_iter()
        .map(|s| s.replace('\u{a0}', " "))
        .collect();
    assert!(!shown.is_empty());
    assert_eq!(sentences, shown);

    // Nobody but staff gets a list's workbook.
    let (region, _) = browser_as(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    let (status, _) = xlsx(&region, "/handlaggning/rekvisitioner?ar=2025&format=xlsx").await;
    assert_ne!(status, StatusCode::OK);
}

#[tokio::test]
async fn the_user_list_finds_a_person_by_name_e_mail_or_organisation() {
    let app = TestApp::spawn().await;
    let (admin, _) = browser_as(&app, Role::Admin, None).await;
    app.create_user(Role::Approver, None).await;
    app.create_user(Role::Coordinator, Some(SKANE)).await;
    app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    let names = "table.users tbody tr td:first-child";

    let all = admin.get("/admin/anvandare").await;
    assert!(all.select(names).len() >= 4);

    let approvers = admin.get("/admin/anvandare?q=attestant").await;
    assert_eq!(approvers.select(names), vec!["Test Attestant"]);
    assert_eq!(
        approvers.attr("input#q", "value").as_deref(),
        Some("attestant")
    );

    let skane = admin.get("/admin/anvandare?q=sk%C3%A5ne").await;
    assert_eq!(skane.select("table.users tbody tr").len(), 1);
    assert!(skane.select("table.users tbody tr")[0].contains("Region Skåne"));

    let (status, lines) = csv(&admin, "/admin/anvandare?q=attestant&format=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].starts_with("\u{feff}Namn;E-post;Roll;Organisation;Status"));
    assert!(lines[1].starts_with("Test Attestant;"));

    let nobody = admin.get("/admin/anvandare?q=ingen-sadan-person").await;
    assert!(nobody.select(names).is_empty());
    assert!(nobody.plain().contains("Ingen användare matchar"));
}

#[tokio::test]
async fn the_refunds_under_way_are_found_by_their_actor_and_exported() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    register(&case, "240 000", "DK").await;
    confirm(&case.officer, unconfirmed_payment(&app).await, "240 000").await;
    let prepared = case
        .officer
        .submit(
            &case.page(),
            &format!("{}/tillbakabetalningar", case.page()),
            &[("amount", "50 000"), ("planned_date", "2026-02-12")],
        )
        .await;
    assert_eq!(prepared.status, StatusCode::SEE_OTHER);

    let refunds = "ul.refunds-in-progress li";
    let stockholm = case
        .officer
        .get("/handlaggning/aterbetalningar?ar=2025&q=stockholm")
        .await;
    assert_eq!(stockholm.select(refunds).len(), 1);
    assert!(stockholm.select(refunds)[0].starts_with("Region Stockholm 2025: 50 000 kr"));
    let skane = case
        .officer
        .get("/handlaggning/aterbetalningar?ar=2025&q=sk%C3%A5ne")
        .await;
    assert!(skane.select(refunds).is_empty());
    assert!(
        skane
            .plain()
            .contains("Inga återbetalningar till regioner under arbete")
    );

    let link = stockholm
        .attr("p.refund-exports a[href*='format=xlsx']", "href")
        .expect("the refunds' export");
    let (status, rows) = xlsx(&case.officer, &link).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(rows[1][0], "Region Stockholm");
    assert_eq!(rows[1][2], "50000");
}

#[tokio::test]
async fn the_repayment_queue_opens_on_the_payments_to_confirm() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, SKANE, "1000000", "810 000").await;
    register(&case, "100 000", "DK").await;

    let list = case
        .officer
        .get("/handlaggning/aterbetalningar?ar=2025")
        .await;
    assert_eq!(list.select("table.repayments tbody th")[0], "Region Skåne");
    assert_eq!(
        list.select("p.waiting"),
        vec!["1 ärende väntar på handläggning – det visas först."]
    );
    assert!(
        list.select("table.repayments tbody tr").len() > 1,
        "nothing is hidden"
    );
}
