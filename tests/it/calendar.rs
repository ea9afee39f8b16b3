//! Calendar feeds through HTTP: a person makes their secret link on /kalender, and a
//! calendar app (a client with no cookies) fetches the feed and reads it back.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use digikoord::auth::Role;
use icalendar::{Calendar, Component, DatePerhapsTime, Event};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{SKANE, STOCKHOLM, date, org_id, paid, paid_in},
};

/// Presses the button on /kalender (make the link, or a new one) and returns the page.
async fn press_link_button(person: &TestApp) -> Page {
    let page = person.submit("/kalender", "/kalender", &[]).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.plain());
    page
}

/// The path of the link shown on the page (the link itself names the configured
/// public address, not the test server's).
fn feed_path(page: &Page) -> String {
    let link = page
        .attr("#calendar-link", "value")
        .expect("the link is shown");
    let at = link.find("/kalender/").expect("a calendar link");
    assert!(link.ends_with(".ics"), "{link}");
    link[at..].to_string()
}

/// Fetches a feed as a calendar app does: no session, no cookies.
async fn fetch(app: &TestApp, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(app.url(path))
        .send()
        .await
        .expect("GET the feed")
}

async fn feed(app: &TestApp, path: &str) -> Calendar {
    let response = fetch(app, path).await;
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    assert_eq!(
        response
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/calendar; charset=utf-8")
    );
    let text = response.text().await.expect("body");
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n"), "{text}");
    text.parse().expect("the feed parses as iCalendar")
}

fn day(value: Option<DatePerhapsTime>) -> NaiveDate {
    match value {
        Some(DatePerhapsTime::Date(d)) => d,
        other => panic!("an all-day date, got {other:?}"),
    }
}

/// Every event as (UID, date), checking on the way that each is one whole day.
fn uids_and_dates(calendar: &Calendar) -> BTreeSet<(String, NaiveDate)> {
    calendar
        .events()
        .map(|e| {
            let start = day(e.get_start());
            assert_eq!(day(e.get_end()), start.succ_opt().expect("next day"));
            (e.get_uid().expect("a UID").to_string(), start)
        })
        .collect()
}

fn event<'a>(calendar: &'a Calendar, uid: &str) -> &'a Event {
    calendar
        .events()
        .find(|e| e.get_uid() == Some(uid))
        .unwrap_or_else(|| panic!("no event {uid}"))
}

/// What an organisation's feed must hold, read from the programme's tables: a requisition
/// every year, a report and a repayment in the years its funds were paid.
async fn expected_for(app: &TestApp, organisation: Uuid) -> BTreeSet<(String, NaiveDate)> {
    let rows: Vec<(i32, NaiveDate, NaiveDate, NaiveDate, bool)> = sqlx::query_as(
        "SELECT y.year, GREATEST(x.new_deadline, y.requisition_deadline),
                GREATEST(p.new_deadline, y.report_deadline),
                GREATEST(b.new_deadline, y.repayment_deadline),
                EXISTS (SELECT 1 FROM requisitions r JOIN payouts q ON q.requisition_id = r.id
                        WHERE r.year = y.year AND r.organisation_id = $1 AND q.state = 'paid')
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = $1
         LEFT JOIN deadline_extensions x ON x.year = y.year AND x.organisation_id = $1
              AND x.deadline = 'requisition'
         LEFT JOIN deadline_extensions p ON p.year = y.year AND p.organisation_id = $1
              AND p.deadline = 'report'
         LEFT JOIN deadline_extensions b ON b.year = y.year AND b.organisation_id = $1
              AND b.deadline = 'repayment'",
    )
    .bind(organisation)
    .fetch_all(&app.db)
    .await
    .expect("deadlines");
    rows.into_iter()
        .flat_map(|(year, requisition, report, repayment, funded)| {
            let mut due = vec![(
                format!("requisition-{year}-{organisation}@digikoord"),
                requisition,
            )];
            if funded {
                due.push((format!("report-{year}-{organisation}@digikoord"), report));
                due.push((
                    format!("repayment-{year}-{organisation}@digikoord"),
                    repayment,
                ));
            }
            due
        })
        .collect()
}

#[tokio::test]
async fn a_coordinator_subscribes_to_exactly_their_organisations_deadlines() {
    let app = TestApp::spawn().await;
    // Region Stockholm requisitioned funds for 2025, so it reports and repays for 2025.
    paid(&app, STOCKHOLM, "1000000").await;
    app.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let start = app.get("/").await;
    assert_eq!(
        start.attr("nav a[href='/kalender']", "href").as_deref(),
        Some("/kalender")
    );

    let page = app.get("/kalender").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select("h1"), ["Kalender"]);
    assert_eq!(page.select(".feed-name"), ["Digikoord – Region Stockholm"]);
    assert_eq!(page.select(".no-link").len(), 1);
    assert!(page.text.contains("Prenumerera från webben"));
    assert!(page.text.contains("Från webbadress"));

    let made = press_link_button(&app).await;
    assert!(
        made.select(".flash")[0].contains("Länken visas bara nu"),
        "{:?}",
        made.select(".flash")
    );
    assert_eq!(app.audit_count("calendar_link.created").await, 1);
    let path = feed_path(&made);

    let calendar = feed(&app, &path).await;
    assert_eq!(calendar.get_name(), Some("Digikoord – Region Stockholm"));
    assert_eq!(
        calendar.property_value("X-WR-CALNAME"),
        Some("Digikoord – Region Stockholm")
    );
    let stockholm = org_id(&app, STOCKHOLM).await;
    let got = uids_and_dates(&calendar);
    assert_eq!(got, expected_for(&app, stockholm).await);
    // Region Stockholm took part from 2021 (before, the county administrative board did):
    // a requisition each year, a report and a repayment for 2025 only.
    assert_eq!(got.len(), 5 + 2);
    assert!(
        got.iter()
            .all(|(uid, _)| uid.ends_with(&format!("-{stockholm}@digikoord")))
    );

    let requisition = event(
        &calendar,
        &format!("requisition-2025-{stockholm}@digikoord"),
    );
    assert_eq!(day(requisition.get_start()), date(2025, 3, 31));
    assert_eq!(
        requisition.get_summary(),
        Some("Rekvisition 2025 – sista dag")
    );
    let description = requisition.get_description().expect("description");
    assert!(
        description.contains("Sista dag: 31 mars 2025."),
        "{description}"
    );
    assert!(description.contains("/?ar=2025"), "{description}");
    let report = event(&calendar, &format!("report-2025-{stockholm}@digikoord"));
    // 31 January 2026 was a Saturday: söndagsregeln makes it Monday 2 February.
    assert_eq!(day(report.get_start()), date(2026, 2, 2));
    assert_eq!(report.get_summary(), Some("Redovisning 2025 – sista dag"));
    let repayment = event(&calendar, &format!("repayment-2025-{stockholm}@digikoord"));
    assert_eq!(day(repayment.get_start()), date(2026, 2, 26));
    assert_eq!(
        repayment.get_summary(),
        Some("Återbetalning 2025 – sista dag")
    );
    assert_eq!(
        day(event(
            &calendar,
            &format!("requisition-2021-{stockholm}@digikoord")
        )
        .get_start()),
        date(2021, 11, 15)
    );

    // Later the link is not shown again; the page says when it was made.
    let later = app.get("/kalender").await;
    assert!(later.attr("#calendar-link", "value").is_none());
    assert!(later.select(".link-made")[0].contains("visades när den skapades"));
    assert_eq!(later.select(".calendar-renew button"), ["Skapa ny länk"]);
}

#[tokio::test]
async fn an_extension_granted_by_a_case_officer_moves_that_requisition_in_the_feed() {
    let app = TestApp::spawn().await;
    // Region Stockholm requisitioned funds for 2024: it reports and repays for 2024.
    paid_in(&app, 2024, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let stockholm_feed = feed_path(&press_link_button(&region).await);
    let neighbour = app.other_browser();
    neighbour.login_as(Role::Coordinator, Some(SKANE)).await;
    let skane_feed = feed_path(&press_link_button(&neighbour).await);

    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let stockholm = org_id(&app, STOCKHOLM).await;
    let granted = officer
        .submit(
            "/handlaggning/forlangningar?ar=2025",
            "/handlaggning/forlangningar",
            &[
                ("ar", "2025"),
                ("organisation_id", &stockholm.to_string()),
                ("deadline", "requisition"),
                ("new_deadline", "2025-04-15"),
                ("reason", "Koordinatorn har varit sjukskriven."),
                (
                    "basis",
                    "Infrastrukturdepartementets medgivande 2025-03-10, I2025/00042",
                ),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);

    let calendar = feed(&app, &stockholm_feed).await;
    assert_eq!(
        uids_and_dates(&calendar),
        expected_for(&app, stockholm).await
    );
    let requisition = event(
        &calendar,
        &format!("requisition-2025-{stockholm}@digikoord"),
    );
    assert_eq!(day(requisition.get_start()), date(2025, 4, 15));
    assert_eq!(
        requisition.get_summary(),
        Some("Rekvisition 2025 – sista dag (förlängd)")
    );
    assert!(
        requisition
            .get_description()
            .is_some_and(|d| d.contains("förlängd från 31 mars 2025")),
        "{:?}",
        requisition.get_description()
    );
    // The report and the other years keep their dates.
    assert_eq!(
        day(event(&calendar, &format!("report-2024-{stockholm}@digikoord")).get_start()),
        date(2025, 1, 31)
    );
    assert_eq!(
        day(event(
            &calendar,
            &format!("requisition-2024-{stockholm}@digikoord")
        )
        .get_start()),
        // 31 March 2024 was Easter Sunday, 1 April Easter Monday (söndagsregeln).
        date(2024, 4, 2)
    );

    // Region Skåne got no extension, and its feed holds nothing of Stockholm's.
    let skane = org_id(&app, SKANE).await;
    let calendar = feed(&app, &skane_feed).await;
    let got = uids_and_dates(&calendar);
    assert_eq!(got, expected_for(&app, skane).await);
    assert!(got.contains(&(
        format!("requisition-2025-{skane}@digikoord"),
        date(2025, 3, 31)
    )));
    // Skåne took part in both periods, 2018–2025, and has requisitioned nothing yet.
    assert_eq!(got.len(), 8);
    assert!(
        !got.iter()
            .any(|(uid, _)| uid.contains(&stockholm.to_string()))
    );
}

#[tokio::test]
async fn tillvaxtverkets_feed_has_every_actors_deadlines_and_its_own() {
    let app = TestApp::spawn().await;
    // Two regions requisitioned funds for 2025: they report and repay; the others don't.
    paid(&app, SKANE, "1000000").await;
    paid(&app, "Gotlands kommun", "1000000").await;
    let (actor_years, funded, own): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM programme_years y
                 JOIN period_actors a ON a.period_id = y.period_id),
                (SELECT count(*) FROM payouts WHERE state = 'paid'),
                (SELECT count(agency_requisition_deadline) + count(agency_repayment_deadline)
                        + count(*)
                 FROM programme_years)",
    )
    .fetch_one(&app.db)
    .await
    .expect("counts");
    let stockholm = org_id(&app, STOCKHOLM).await;
    let skane = org_id(&app, SKANE).await;
    for role in [Role::CaseOfficer, Role::Approver, Role::Admin] {
        let staff = app.other_browser();
        staff.login_as(role, None).await;
        let page = staff.get("/kalender").await;
        assert_eq!(
            page.select(".feed-name"),
            ["Digikoord – Tillväxtverket"],
            "{role:?}"
        );
        let calendar = feed(&app, &feed_path(&press_link_button(&staff).await)).await;
        assert_eq!(calendar.get_name(), Some("Digikoord – Tillväxtverket"));
        let got = uids_and_dates(&calendar);
        assert_eq!(got.len() as i64, actor_years + 2 * funded + own, "{role:?}");
        for organisation in [stockholm, skane] {
            assert!(
                expected_for(&app, organisation).await.is_subset(&got),
                "{role:?}: every deadline of {organisation}"
            );
        }
        for (uid, on) in [
            ("agency-requisition-2025@digikoord", date(2025, 12, 1)),
            // 15 March 2026 is a Sunday (söndagsregeln).
            ("agency-repayment-2025@digikoord", date(2026, 3, 16)),
            ("summary-2025@digikoord", date(2026, 3, 26)),
        ] {
            assert!(got.contains(&(uid.to_string(), on)), "{role:?}: {uid}");
        }

        let summaries: BTreeSet<&str> = calendar.events().filter_map(|e| e.get_summary()).collect();
        for summary in [
            "Rekvisition 2025: Region Stockholm",
            "Redovisning 2025: Region Skåne",
            "Återbetalning 2025: Gotlands kommun",
            // An actor under the name it had that year.
            "Rekvisition 2019: Landstinget i Skåne län",
            "Rekvisition från Kammarkollegiet 2025 – sista dag",
            "Återbetalning och ekonomisk redovisning till Kammarkollegiet 2025 – sista dag",
            "Redovisning till Regeringskansliet 2025 – sista dag",
        ] {
            assert!(summaries.contains(summary), "{role:?}: {summary}");
        }
        let summary = event(&calendar, "summary-2025@digikoord");
        assert!(
            summary
                .get_description()
                .is_some_and(|d| d.contains("/sammanstallning?ar=2025")),
            "{:?}",
            summary.get_description()
        );
    }
}

#[tokio::test]
async fn renewing_the_link_stops_the_old_one_at_once() {
    let app = TestApp::spawn().await;
    let id = app.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let old = feed_path(&press_link_button(&app).await);
    assert_eq!(fetch(&app, &old).await.status(), StatusCode::OK);

    let renewed = press_link_button(&app).await;
    assert!(
        renewed.select(".flash")[0].contains("Den gamla länken fungerar inte längre"),
        "{:?}",
        renewed.select(".flash")
    );
    let new = feed_path(&renewed);
    assert_ne!(new, old);
    assert_eq!(fetch(&app, &old).await.status(), StatusCode::NOT_FOUND);
    assert_eq!(fetch(&app, &new).await.status(), StatusCode::OK);
    assert_eq!(app.audit_count("calendar_link.created").await, 1);
    assert_eq!(app.audit_count("calendar_link.renewed").await, 1);

    // Only a hash is kept, and the audit trail never holds the token.
    let token = new
        .trim_start_matches("/kalender/")
        .trim_end_matches(".ics")
        .to_string();
    let (rows, matching, in_audit): (i64, i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM calendar_feeds WHERE user_id = $1),
                (SELECT count(*) FROM calendar_feeds
                 WHERE user_id = $1 AND token_hash = sha256(convert_to($2, 'UTF8'))),
                (SELECT count(*) FROM audit_log
                 WHERE concat(before::text, after::text) LIKE '%' || $2 || '%')",
    )
    .bind(id)
    .bind(&token)
    .fetch_one(&app.db)
    .await
    .expect("counts");
    assert_eq!((rows, matching, in_audit), (1, 1, 0));
}

#[tokio::test]
async fn a_wrong_token_gets_the_same_404_as_an_unknown_page() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let path = feed_path(&press_link_button(&app).await);
    let unknown = fetch(&app, "/finns-inte").await;
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    let unknown = TestApp::page_of(unknown).await.select("main");

    let token = path
        .trim_start_matches("/kalender/")
        .trim_end_matches(".ics");
    let mut flipped = token.to_string();
    flipped.replace_range(..1, if token.starts_with('0') { "1" } else { "0" });
    for wrong in [
        format!("/kalender/{flipped}.ics"),
        format!("/kalender/{token}"),
        format!("/kalender/{token}.ICS"),
        format!("/kalender/{}.ics", "0".repeat(64)),
        "/kalender/.ics".to_string(),
    ] {
        let response = fetch(&app, &wrong).await;
        assert_eq!(response.status(), StatusCode::NOT_FOUND, "{wrong}");
        let page = TestApp::page_of(response).await;
        assert_eq!(page.select("main"), unknown, "{wrong}");
        assert!(!page.text.contains("VCALENDAR"));
    }
}

#[tokio::test]
async fn a_deactivated_users_link_gets_404() {
    let app = TestApp::spawn().await;
    let coordinator = app.other_browser();
    let id = coordinator
        .login_as(Role::Coordinator, Some(STOCKHOLM))
        .await;
    let path = feed_path(&press_link_button(&coordinator).await);
    assert_eq!(fetch(&app, &path).await.status(), StatusCode::OK);

    app.login_as(Role::Admin, None).await;
    let user = format!("/admin/anvandare/{id}");
    let done = app.submit(&user, &format!("{user}/inaktivera"), &[]).await;
    assert_eq!(done.location.as_deref(), Some("/admin/anvandare"));
    assert_eq!(fetch(&app, &path).await.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_calendar_page_needs_a_login_and_its_button_the_forms_token() {
    let app = TestApp::spawn().await;
    assert_eq!(
        app.get("/kalender").await.location.as_deref(),
        Some("/logga-in")
    );
    let refused = app.post("/kalender", &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    app.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let forged = app.post("/kalender", &[("csrf", "0")]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let links: i64 = sqlx::query_scalar("SELECT count(*) FROM calendar_feeds")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(links, 0);
}
