//! The demo reads as a living year whatever day it is loaded: its cases are placed
//! relative to the app's clock, the start pages show deadlines ahead or only just passed
//! (never "passerad för 602 dagar sedan"), and each demo role finds something to act on.
//! A year outside the real programme gets a demo period; loading again adds nothing. Each
//! decision of the story is recorded, the cases have diarienummer but the newest (left for
//! the registrar), and Region Skåne's signatory confirms what its coordinator sends.

use chrono::NaiveDate;
use digikoord::{Clock, seed};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{count, date},
};

/// A server whose clock says `today`, with the demo loaded for that day.
async fn demo_on(today: NaiveDate) -> TestApp {
    let app = TestApp::spawn_on(Clock::Fixed(today)).await;
    seed::demo(&app.db, today).await.expect("demo");
    app
}

/// A browser logged in as a demo user: the published password, and for staff a code
/// from the published demo key.
async fn demo_login(app: &TestApp, email: &str) -> TestApp {
    let browser = app.other_browser();
    let id: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE email = $1 AND demo")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .expect("a demo user");
    let page = browser.login(email, seed::DEMO_PASSWORD).await;
    let page = browser.pass_second_step(id, page).await;
    assert_eq!(page.location.as_deref(), Some("/"), "{email} logs in");
    browser
}

const COORDINATOR: &str = "koordinator@digikoord.example";
const CASE_OFFICER: &str = "handlaggare@digikoord.example";
const APPROVER: &str = "attestant@digikoord.example";

/// How many days past its deadline each step on the page is counted
/// ("Passerad för 12 dagar sedan").
fn days_passed(page: &Page) -> Vec<i64> {
    let text = page.plain().to_lowercase();
    text.split("passerad för ")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(char::is_ascii_digit)
                .collect::<String>()
                .parse()
                .expect("a number of days")
        })
        .collect()
}

/// The start page of a living year: the year asked for, no deadline passed by more than
/// four weeks, and at least one counting the days ahead.
async fn living_start(browser: &TestApp, year: i32) -> Page {
    let start = year_start(browser, year).await;
    assert!(
        start.plain().contains("dagar kvar"),
        "something is ahead: {}",
        start.plain()
    );
    start
}

/// The start page of the year: the year asked for, no deadline passed by more than four
/// weeks.
async fn year_start(browser: &TestApp, year: i32) -> Page {
    let start = browser.get("/").await;
    assert_eq!(start.status, StatusCode::OK);
    assert!(
        start.select("h1")[0].ends_with(&year.to_string()),
        "{:?}",
        start.select("h1")
    );
    let passed = days_passed(&start);
    assert!(
        passed.iter().all(|days| *days <= 28),
        "deadlines long passed: {passed:?}"
    );
    start
}

/// The coordinator's obligations as (what, time left, state).
fn obligations(start: &Page) -> Vec<(String, String, String)> {
    let what = start.select("table.obligations tbody th");
    let left = start.select("table.obligations tbody td:nth-child(3)");
    let state = start.select("table.obligations tbody td .state");
    what.into_iter()
        .zip(left)
        .zip(state)
        .map(|((w, l), s)| (w, l, s))
        .collect()
}

#[tokio::test]
async fn on_23_november_2026_the_demo_is_2026_with_reports_being_written() {
    let app = demo_on(date(2026, 11, 23)).await;

    let coordinator = demo_login(&app, COORDINATOR).await;
    let start = living_start(&coordinator, 2026).await;
    let obligations = obligations(&start);
    assert_eq!(obligations[0].1, "Klart", "the requisition is paid");
    assert_eq!(
        (obligations[1].1.as_str(), obligations[1].2.as_str()),
        ("70 dagar kvar", "Utkast"),
        "the report is a draft, due 31 January 2027, a Sunday: 1 February (söndagsregeln)"
    );

    let officer = demo_login(&app, CASE_OFFICER).await;
    let start = living_start(&officer, 2026).await;
    assert!(start.plain().contains("Beslut DEMO"));
    let reports = officer.get("/handlaggning/redovisningar?ar=2026").await;
    let states = reports.select("table.reports td.state");
    assert!(
        states.iter().any(|s| s == "Inskickad"),
        "a report written early awaits the case officer: {states:?}"
    );

    let approver = demo_login(&app, APPROVER).await;
    living_start(&approver, 2026).await;
    let queue = approver.get("/attest").await;
    assert_eq!(
        queue.select("table.awaiting-approval tbody tr").len(),
        1,
        "Gotlands kommun's payout, filed late by extension, awaits the approver"
    );

    // The network: Tillväxtverket's contact on the region's start page, a meeting behind
    // with its attendance, and an event ahead that the region is registered for.
    let start = coordinator.get("/").await;
    assert!(
        start.plain().contains("handlaggare@digikoord.example"),
        "the contact"
    );
    let events = coordinator.get("/natverk/traffar").await;
    assert_eq!(events.select("table.upcoming tbody tr").len(), 1);
    assert_eq!(events.select("table.past tbody tr").len(), 1);
    let attended: i64 =
        sqlx::query_scalar("SELECT count(*) FROM network_registrations WHERE attended")
            .fetch_one(&app.db)
            .await
            .expect("attendance");
    assert!(
        attended > 0,
        "attendance is recorded for the meeting behind"
    );

    let programme = officer.get("/program").await;
    assert_eq!(programme.select(".demo-period").len(), 1);
    assert!(
        programme
            .select(".decision-number")
            .contains(&"DEMO".to_string())
    );
}

#[tokio::test]
async fn on_10_february_2027_the_reports_for_2026_are_in_and_repayments_are_due() {
    let app = demo_on(date(2027, 2, 10)).await;

    let coordinator = demo_login(&app, COORDINATOR).await;
    let start = living_start(&coordinator, 2026).await;
    let obligations = obligations(&start);
    assert_eq!(obligations[1].1, "Klart", "the report is approved");
    assert_eq!(
        obligations[2].1, "16 dagar kvar",
        "the repayment is due 26 February"
    );

    let officer = demo_login(&app, CASE_OFFICER).await;
    let start = living_start(&officer, 2026).await;
    assert!(
        start.select(".agency-deadlines li")[0].contains("(klart)"),
        "Tillväxtverket's own requisition is registered"
    );
    let reports = officer.get("/handlaggning/redovisningar?ar=2026").await;
    let states = reports.select("table.reports td.state");
    for state in [
        "Godkänd",
        "Inskickad",
        "Återsänd för komplettering",
        "Utkast",
    ] {
        assert!(states.iter().any(|s| s == state), "{state}: {states:?}");
    }
    let repayments = officer.get("/handlaggning/aterbetalningar?ar=2026").await;
    assert!(
        repayments.plain().contains("att bekräfta"),
        "a repayment awaits confirmation"
    );
}

#[tokio::test]
async fn on_10_april_2027_the_requisitions_for_2027_are_being_decided() {
    let app = demo_on(date(2027, 4, 10)).await;

    // Nothing counts down for the region: its requisition is back with it, and it reports
    // and repays only once its funds are paid.
    let coordinator = demo_login(&app, COORDINATOR).await;
    let start = year_start(&coordinator, 2027).await;
    let obligations = obligations(&start);
    assert_eq!(
        (obligations[0].1.as_str(), obligations[0].2.as_str()),
        ("Passerad för 10 dagar sedan", "Återsänd för komplettering"),
        "Region Stockholm's requisition was returned for completion"
    );
    assert_eq!(obligations.len(), 1, "{obligations:?}");

    let officer = demo_login(&app, CASE_OFFICER).await;
    let start = living_start(&officer, 2027).await;
    let states = start.select("table.actors-table tbody td:last-child");
    for state in ["Inskickad", "Återsänd för komplettering", "Utbetald"] {
        assert!(states.iter().any(|s| s == state), "{state}: {states:?}");
    }

    let approver = demo_login(&app, APPROVER).await;
    let queue = approver.get("/attest").await;
    assert!(!queue.select("table.awaiting-approval tbody tr").is_empty());
    assert!(!queue.select("table.awaiting-payment tbody tr").is_empty());
}

#[tokio::test]
async fn on_10_february_2027_the_decisions_are_recorded_the_cases_registered_and_skane_signs() {
    let app = demo_on(date(2027, 2, 10)).await;

    // One decision record for each decision the story took.
    let records =
        |kind: &str| format!("SELECT count(*) FROM decision_records WHERE kind = '{kind}'");
    let granted = count(&app, &records("requisition_approved")).await;
    assert!(granted > 0);
    assert_eq!(
        granted,
        count(
            &app,
            "SELECT count(*) FROM payouts WHERE approved_at IS NOT NULL"
        )
        .await,
        "a requisition is granted as its payout is attested"
    );
    let approved = count(&app, &records("report_approved")).await;
    assert!(approved > 0);
    assert_eq!(
        approved,
        count(
            &app,
            "SELECT count(*) FROM reports WHERE state = 'approved'"
        )
        .await
    );
    for kind in [
        "requisition_returned",
        "report_returned",
        "extension_granted",
    ] {
        assert_eq!(count(&app, &records(kind)).await, 1, "{kind}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM decision_records d JOIN users u ON u.id = d.decided_by
             WHERE d.kind = 'requisition_approved'
               AND (u.email <> 'attestant@digikoord.example' OR d.presented_by IS NULL)"
        )
        .await,
        0,
        "granted by the approver, presented by the case officer"
    );
    let all = count(&app, "SELECT count(*) FROM decision_records").await;
    let officer = demo_login(&app, CASE_OFFICER).await;
    let list = officer.get("/beslut").await;
    assert_eq!(list.status, StatusCode::OK);
    assert_eq!(
        list.select("table.decisions tbody tr").len(),
        usize::try_from(all).expect("a count")
    );
    // The region finds its own: Region Stockholm's requisition returned, then granted.
    let coordinator = demo_login(&app, COORDINATOR).await;
    let own = coordinator.get("/beslut").await;
    let kinds = own.select("table.decisions tbody th");
    for kind in [
        "Rekvisition återsänd för komplettering",
        "Rekvisition beviljad",
    ] {
        assert!(kinds.iter().any(|k| k == kind), "{kind}: {kinds:?}");
    }
    assert!(
        own.select("table.decisions td.party")
            .iter()
            .all(|p| p == "Region Stockholm"),
        "{:?}",
        own.select("table.decisions td.party")
    );

    // A number series for each calendar year the registrar worked in, a diarienummer on
    // every case but the newest, none registered on or after today.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM registry_series WHERE year IN (2026, 2027) AND prefix = 'Ä'"
        )
        .await,
        2
    );
    let unregistered = count(
        &app,
        "SELECT count(*) FROM registry_cases c WHERE NOT EXISTS (
             SELECT 1 FROM registry_entries e WHERE e.kind = c.kind AND e.year = c.year
               AND e.organisation_id IS NOT DISTINCT FROM c.organisation_id)",
    )
    .await;
    assert!(unregistered >= 3, "{unregistered}");
    assert!(count(&app, "SELECT count(*) FROM registry_entries").await > 40);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM registry_entries WHERE registered_at >= '2027-02-10'"
        )
        .await,
        0
    );
    let registrar = officer.get("/registratur").await;
    assert!(!registrar.select("tr.unregistered-case").is_empty());
    assert!(!registrar.select("tr.registered-case").is_empty());
    let next = registrar.select(".next-number");
    assert!(
        next.first().is_some_and(|n| n.starts_with("Ä 2027-")),
        "this year's series: {next:?}"
    );

    // The repayment page shows its diarienummer beside Digikoord's case number.
    let (org, dnr): (Uuid, String) = sqlx::query_as(
        "SELECT organisation_id, diarienummer FROM registry_entries
         WHERE kind = 'repayment' AND year = 2026 ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("a registered repayment");
    let repayment = officer.get(&format!("/aterbetalningar/2026/{org}")).await;
    assert_eq!(repayment.status, StatusCode::OK);
    assert_eq!(
        repayment.select(".case-ids .diarienummer"),
        vec![format!("Dnr {dnr}")]
    );
    assert!(
        repayment.select(".case-ids")[0].starts_with("Ärendenummer DK-2026-"),
        "{:?}",
        repayment.select(".case-ids")
    );
    let waiting: Option<Uuid> = sqlx::query_scalar(
        "SELECT c.organisation_id FROM registry_cases c
         WHERE c.kind = 'repayment' AND c.year = 2026 AND NOT EXISTS (
             SELECT 1 FROM registry_entries e WHERE e.kind = c.kind AND e.year = c.year
               AND e.organisation_id = c.organisation_id)
         LIMIT 1",
    )
    .fetch_optional(&app.db)
    .await
    .expect("an unregistered repayment, if any");
    if let Some(org) = waiting {
        let page = officer.get(&format!("/aterbetalningar/2026/{org}")).await;
        assert_eq!(
            page.select(".case-ids .diarienummer.missing"),
            vec!["Dnr saknas".to_string()]
        );
    }

    // Region Skåne's signatory is printed with the other demo logins, and confirmed what its
    // coordinator drew up: the receipt names both.
    let logins = seed::demo_users(&app.db).await.expect("the demo logins");
    let signatory = "firmatecknare.skane@digikoord.example";
    assert!(logins.iter().any(|l| {
        l.email == signatory && l.signatory && l.organisation.as_deref() == Some("Region Skåne")
    }));
    for table in ["requisitions", "reports"] {
        let (prepared_by, signed_by): (String, String) = sqlx::query_as(&format!(
            "SELECT p.email, s.email FROM {table} x
             JOIN organisations o ON o.id = x.organisation_id
             JOIN users p ON p.id = x.prepared_by JOIN users s ON s.id = x.signed_by
             WHERE o.name = 'Region Skåne' AND x.year = 2026"
        ))
        .fetch_one(&app.db)
        .await
        .expect("drawn up and signed");
        assert_eq!(
            prepared_by, "koordinator.skane@digikoord.example",
            "{table}"
        );
        assert_eq!(signed_by, signatory, "{table}");
    }
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM requisitions
             WHERE signed_by IS NOT NULL OR prepared_by IS NOT NULL"
        )
        .await,
        1,
        "the other regions send in without a signatory"
    );
    let skane = demo_login(&app, signatory).await;
    assert_eq!(skane.get("/firmatecknare").await.status, StatusCode::OK);
    let requisition: Uuid = sqlx::query_scalar(
        "SELECT r.id FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
         WHERE o.name = 'Region Skåne' AND r.year = 2026",
    )
    .fetch_one(&app.db)
    .await
    .expect("Region Skåne's requisition");
    let receipt = skane
        .get(&format!("/rekvisitioner/{requisition}/kvitto"))
        .await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert!(
        receipt.select(".drawn-up-by")[0].starts_with("Koordinator Region Skåne"),
        "{:?}",
        receipt.select(".drawn-up-by")
    );
    assert!(
        receipt.select(".signed-by")[0].starts_with("Anna Andersson"),
        "{:?}",
        receipt.select(".signed-by")
    );
}

const COUNTS: [&str; 10] = [
    "SELECT count(*) FROM periods",
    "SELECT count(*) FROM programme_years",
    "SELECT count(*) FROM requisitions",
    "SELECT count(*) FROM payouts",
    "SELECT count(*) FROM reports",
    "SELECT count(*) FROM repayment_payments",
    "SELECT count(*) FROM deadline_extensions",
    "SELECT count(*) FROM audit_log",
    "SELECT count(*) FROM network_events",
    "SELECT count(*) FROM network_registrations",
];

async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = vec![];
    for sql in COUNTS {
        out.push(count(app, sql).await);
    }
    out
}

#[tokio::test]
async fn loading_again_adds_nothing_and_a_later_year_grows_the_demo_period_only() {
    let first = date(2026, 11, 23);
    let app = TestApp::spawn_on(Clock::Fixed(first)).await;
    let real = "SELECT string_agg(decision_number || ' ' || first_year || '-' || last_year, ', ' ORDER BY first_year)
                FROM periods WHERE NOT demo";
    let real_before: String = sqlx::query_scalar(real)
        .fetch_one(&app.db)
        .await
        .expect("periods");
    seed::demo(&app.db, first).await.expect("demo");
    let once = counts(&app).await;
    seed::demo(&app.db, first).await.expect("demo again");
    assert_eq!(counts(&app).await, once, "nothing is added twice");
    assert_eq!(
        count(&app, "SELECT count(*) FROM requisitions WHERE year = 2026").await,
        21
    );

    // In May 2027 the living year is 2027: the demo period grows to it.
    let later = date(2027, 5, 1);
    seed::demo(&app.db, later).await.expect("demo a year later");
    let demo_periods: Vec<(String, i32, i32)> =
        sqlx::query_as("SELECT decision_number, first_year, last_year FROM periods WHERE demo")
            .fetch_all(&app.db)
            .await
            .expect("demo periods");
    assert_eq!(demo_periods, vec![("DEMO".to_string(), 2026, 2027)]);
    let real_after: String = sqlx::query_scalar(real)
        .fetch_one(&app.db)
        .await
        .expect("periods");
    assert_eq!(real_before, real_after, "the real programme is untouched");
    assert_eq!(real_after, "N2018/04129 2018-2020, I2021/00795 2021-2025");
    assert_eq!(
        count(&app, "SELECT count(*) FROM requisitions WHERE year = 2027").await,
        21
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM programme_years WHERE year >= 2026 AND budget_state = 'decided'"
        )
        .await,
        2
    );
    // No step of the demo lies after the day it was loaded for.
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM requisitions WHERE year = 2027 AND submitted_at >= '2027-05-01'"
        )
        .await,
        0
    );
}

#[tokio::test]
async fn in_a_year_of_the_real_programme_the_demo_makes_no_period_of_its_own() {
    let today = date(2026, 1, 10);
    let app = demo_on(today).await;
    assert_eq!(
        count(&app, "SELECT count(*) FROM periods WHERE demo").await,
        0
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM requisitions WHERE year = 2025").await,
        21
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM audit_log WHERE after->>'demo' = 'true' AND at >= '2026-01-10'"
        )
        .await,
        0,
        "every demo step lies before today"
    );
    let coordinator = demo_login(&app, COORDINATOR).await;
    living_start(&coordinator, 2025).await;
}
