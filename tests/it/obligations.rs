//! What the year asks of a region, and when it is late (issue 27): only a region that
//! requisitioned funds reports and repays; the offer is voluntary, so not requisitioning
//! is not being late; a year whose budget the Riksdag has not decided is not chased, and
//! its payouts wait; a report is late only from the day after its funds were paid, if
//! that was after its deadline; and no refusal or overdue mail offers a later date.

use chrono::NaiveDate;
use digikoord::{auth::Role, mail};
use icalendar::{Calendar, Component};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{
        STOCKHOLM, approve, approve_payout, complete, count, date, file_refused, live_payout, on,
        org_id, paid_in, pay_payout, post_anyway, submitted,
    },
};

const GAVLEBORG: &str = "Region Gävleborg";

/// Queues the reminders and the digest due on `day`, as the server's daily run does.
async fn reminders(app: &TestApp, day: NaiveDate) {
    mail::reminders::run(&app.db, "http://localhost:3000", day)
        .await
        .expect("reminders");
}

/// The mails queued so far for an event (`reminder.requisition`, `digest.weekly`):
/// (address, subject, text).
async fn queued(app: &TestApp, event: &str) -> Vec<(String, String, String)> {
    sqlx::query_as("SELECT to_address, subject, body_text FROM outbox WHERE event = $1 ORDER BY id")
        .bind(event)
        .fetch_all(&app.db)
        .await
        .expect("outbox")
}

/// The UIDs of the events in the person's calendar feed, fetched as a calendar app does
/// (no session) from the link made on /kalender.
async fn feed_uids(person: &TestApp) -> Vec<String> {
    let page = person.submit("/kalender", "/kalender", &[]).await;
    let link = page
        .attr("#calendar-link", "value")
        .expect("the link is shown");
    let path = &link[link.find("/kalender/").expect("a calendar link")..];
    let text = reqwest::Client::new()
        .get(person.url(path))
        .send()
        .await
        .expect("GET the feed")
        .text()
        .await
        .expect("the feed");
    let calendar: Calendar = text.parse().expect("the feed parses as iCalendar");
    calendar
        .events()
        .filter_map(|e| e.get_uid())
        .map(str::to_string)
        .collect()
}

/// Sets the budget of 2025 `pending` or `decided`, as an administrator's form would.
async fn set_budget_2025(app: &TestApp, state: &str) {
    sqlx::query("UPDATE programme_years SET budget_state = $1::budget_state WHERE year = 2025")
        .bind(state)
        .execute(&app.db)
        .await
        .expect("budget state");
}

async fn payout_state(app: &TestApp, payout: Uuid) -> String {
    sqlx::query_scalar("SELECT state::text FROM payouts WHERE id = $1")
        .bind(payout)
        .fetch_one(&app.db)
        .await
        .expect("payout")
}

/// The rows of the region's "Att göra" table of the year.
fn obligations(page: &Page) -> Vec<String> {
    page.select("table.obligations tbody tr")
}

/// The actor's row on the overview.
fn overview_row(page: &Page, actor: &str) -> String {
    page.select("table.overview tbody tr")
        .into_iter()
        .find(|r| r.starts_with(actor))
        .unwrap_or_else(|| panic!("{actor} on the overview"))
}

#[tokio::test]
async fn a_region_that_did_not_requisition_is_asked_neither_to_report_nor_to_repay() {
    // 10 February 2026: 2025's report deadline has passed, its repayment's has not.
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    paid_in(&app, 2025, STOCKHOLM, "1000000").await;
    let gavleborg = org_id(&app, GAVLEBORG).await;
    let stockholm = org_id(&app, STOCKHOLM).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(GAVLEBORG)).await;
    let neighbour = app.other_browser();
    neighbour.login_as(Role::Coordinator, Some(STOCKHOLM)).await;

    let page = region.get("/?ar=2025").await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = obligations(&page);
    assert!(
        rows.iter()
            .all(|r| !r.contains("Redovisning") && !r.contains("Återbetalning")),
        "{rows:?}"
    );
    assert!(page.select("table.obligations tr.passed").is_empty());
    assert!(!page.plain().contains("Passerad"), "{}", page.plain());
    assert!(
        page.select(".open-items li")
            .iter()
            .all(|o| !o.contains("2025")),
        "{:?}",
        page.select(".open-items li")
    );
    // The region that requisitioned is asked for both.
    let rows = obligations(&neighbour.get("/?ar=2025").await);
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows[1].contains("Redovisning av verksamheten"), "{rows:?}");
    assert!(
        rows[2].contains("Återbetalning av outnyttjade medel"),
        "{rows:?}"
    );

    // Its calendar holds a requisition for every year it is an actor, and nothing to report
    // or repay in any year.
    let uids = feed_uids(&region).await;
    assert!(
        uids.contains(&format!("requisition-2025-{gavleborg}@digikoord")),
        "{uids:?}"
    );
    assert!(
        uids.iter()
            .all(|u| !u.starts_with("report-") && !u.starts_with("repayment-")),
        "{uids:?}"
    );
    let uids = feed_uids(&neighbour).await;
    for step in ["requisition", "report", "repayment"] {
        let uid = format!("{step}-2025-{stockholm}@digikoord");
        assert!(uids.contains(&uid), "{uid}: {uids:?}");
    }
    assert!(
        !uids.contains(&format!("report-2024-{stockholm}@digikoord")),
        "no funds in 2024: {uids:?}"
    );
}

#[tokio::test]
async fn not_requisitioning_is_not_being_late_it_is_taking_no_funds() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    paid_in(&app, 2025, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    let coordinator = app
        .email_of(region.login_as(Role::Coordinator, Some(GAVLEBORG)).await)
        .await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;

    // Before the deadline (31 March 2025) the region is reminded, as it may still requisition.
    reminders(&app, date(2025, 3, 17)).await;
    let sent = queued(&app, "reminder.requisition").await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        (sent[0].0.as_str(), sent[0].1.as_str()),
        (
            coordinator.as_str(),
            "Påminnelse: Rekvirera medlen för 2025"
        )
    );
    // After it, week after week: no "Försenad", to the region or in Tillväxtverket's digest.
    for day in [date(2025, 4, 1), date(2025, 4, 8), date(2025, 4, 15)] {
        reminders(&app, day).await;
    }
    assert_eq!(queued(&app, "reminder.requisition").await, sent);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE subject LIKE 'Försenad%'"
        )
        .await,
        0
    );
    for (_, _, text) in queued(&app, "digest.weekly").await {
        assert!(!text.contains("rekvisition för 2025"), "{text}");
    }

    // Its start page says it took no funds, and counts no days.
    let region = region.later(on(2025, 4, 5)).await;
    let page = region.get("/?ar=2025").await;
    let rows = obligations(&page);
    assert!(
        rows[0].contains("Har inte rekvirerat medel för 2025"),
        "{rows:?}"
    );
    assert!(!rows[0].contains("Passerad"), "{rows:?}");
    assert!(page.select("table.obligations tr.passed").is_empty());
    assert!(
        page.select(".open-items li")
            .iter()
            .all(|o| !o.starts_with("Rekvisition 2025")),
        "{:?}",
        page.select(".open-items li")
    );

    // The overview says the same, not "Försenad".
    let officer = officer.later(on(2025, 4, 5)).await;
    let overview = officer.get("/oversikt?ar=2025").await;
    let row = overview_row(&overview, GAVLEBORG);
    assert!(row.contains("Inga medel rekvirerade"), "{row}");
    assert!(!row.contains("Försenad"), "{row}");
}

#[tokio::test]
async fn a_year_whose_budget_is_not_decided_is_not_chased() {
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    sqlx::query("UPDATE programme_years SET budget_state = 'pending' WHERE year = 2025")
        .execute(&app.db)
        .await
        .expect("pending budget");
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(GAVLEBORG)).await;

    // No reminder before, on or after the deadline.
    for day in [
        date(2025, 3, 17),
        date(2025, 3, 28),
        date(2025, 3, 31),
        date(2025, 4, 1),
    ] {
        reminders(&app, day).await;
    }
    assert!(queued(&app, "reminder.requisition").await.is_empty());

    // No to-do item, no days counted.
    let page = region.get("/?ar=2025").await;
    assert!(
        page.select(".open-items li")
            .iter()
            .all(|o| !o.starts_with("Rekvisition 2025")),
        "{:?}",
        page.select(".open-items li")
    );
    let rows = obligations(&page);
    assert!(rows[0].contains("Väntar på budgetbeslut"), "{rows:?}");
    assert!(!rows[0].contains("dagar kvar"), "{rows:?}");
    // No late mark once the date has passed.
    let page = region.later(on(2025, 4, 5)).await.get("/?ar=2025").await;
    assert!(page.select("table.obligations tr.passed").is_empty());
    assert!(!page.plain().contains("Passerad"), "{}", page.plain());
}

#[tokio::test]
async fn a_payout_waits_while_its_years_budget_is_not_decided() {
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let id = submitted(&region, "1 000 000").await;
    approve(&officer, id, "1 000 000").await;
    let payout = live_payout(&app, id).await;
    const WAITS: &str = "Riksdagen har ännu inte beslutat budgeten för 2025.";

    // The Riksdag's decision is withdrawn (an administrator set the year back): the
    // approver can't attest, and nothing changes.
    set_budget_2025(&app, "pending").await;
    let attest = format!("/utbetalningar/{payout}/attestera");
    let refused = post_anyway(&approver, &attest, &[]).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.plain().contains(WAITS), "{}", refused.plain());
    assert_eq!(payout_state(&app, payout).await, "prepared");
    assert_eq!(app.audit_count("payout.approved").await, 0);

    set_budget_2025(&app, "decided").await;
    approve_payout(&approver, id, payout).await;

    // Nor can it be paid while the budget is pending: neither the form nor the payment.
    set_budget_2025(&app, "pending").await;
    let path = format!("/utbetalningar/{payout}/utbetald");
    let form = officer.get(&path).await;
    assert_eq!(form.status, StatusCode::FORBIDDEN);
    assert!(form.plain().contains(WAITS), "{}", form.plain());
    let refused = post_anyway(
        &officer,
        &path,
        &[
            ("paid_date", "2025-03-01"),
            ("amount", "1 000 000"),
            ("voucher_number", "V-1"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.plain().contains(WAITS), "{}", refused.plain());
    assert_eq!(payout_state(&app, payout).await, "approved");
    assert_eq!(app.audit_count("payout.paid").await, 0);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE event = 'payout.paid'"
        )
        .await,
        0,
        "the region is told nothing"
    );

    // Once decided, it is paid as usual.
    set_budget_2025(&app, "decided").await;
    pay_payout(&officer, payout, "1 000 000", "V-1").await;
}

#[tokio::test]
async fn a_report_is_late_only_from_the_day_after_its_funds_were_paid() {
    // 2025's funds are paid on 10 February 2026, after the report deadline of 31 January.
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    paid_in(&app, 2025, STOCKHOLM, "1000000").await;
    let stockholm = org_id(&app, STOCKHOLM).await;
    sqlx::query(
        "UPDATE payouts SET paid_date = '2026-02-10'
         WHERE requisition_id = (SELECT id FROM requisitions
                                 WHERE year = 2025 AND organisation_id = $1)",
    )
    .bind(stockholm)
    .execute(&app.db)
    .await
    .expect("paid late");
    let region = app.other_browser();
    let coordinator = app
        .email_of(region.login_as(Role::Coordinator, Some(STOCKHOLM)).await)
        .await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let report_row = |page: &Page| {
        obligations(page)
            .into_iter()
            .find(|r| r.contains("Redovisning av verksamheten"))
            .unwrap_or_else(|| panic!("the report: {:?}", obligations(page)))
    };

    // On the day it was paid the region is not late anywhere.
    let start = region.get("/?ar=2025").await;
    assert!(start.select(".report-call .late").is_empty());
    assert!(
        start.select(".report-call")[0].contains("sista dagen i dag"),
        "{:?}",
        start.select(".report-call")
    );
    assert!(
        !report_row(&start).contains("Passerad"),
        "{}",
        report_row(&start)
    );
    let list = officer.get("/handlaggning/redovisningar?ar=2025").await;
    assert!(list.select("table.reports .late").is_empty());
    let overview = officer.get("/oversikt?ar=2025").await;
    assert!(!overview_row(&overview, STOCKHOLM).contains("Försenad"));
    reminders(&app, date(2026, 2, 10)).await;
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM outbox WHERE subject LIKE 'Försenad%'"
        )
        .await,
        0
    );

    // The next day it is one day late, everywhere.
    let region = region.later(on(2026, 2, 11)).await;
    let start = region.get("/?ar=2025").await;
    assert!(
        report_row(&start).contains("Passerad för 1 dag sedan"),
        "{}",
        report_row(&start)
    );
    assert!(start.select(".report-call .late")[0].contains("försenad"));
    let officer = officer.later(on(2026, 2, 11)).await;
    let list = officer.get("/handlaggning/redovisningar?ar=2025").await;
    assert!(
        list.select("table.reports .late")
            .iter()
            .any(|m| m.contains("saknas"))
    );
    let overview = officer.get("/oversikt?ar=2025").await;
    assert!(overview_row(&overview, STOCKHOLM).contains("Försenad"));
    reminders(&app, date(2026, 2, 11)).await;
    let late: Vec<_> = queued(&app, "reminder.report")
        .await
        .into_iter()
        .filter(|(_, subject, _)| subject.starts_with("Försenad"))
        .collect();
    assert_eq!(late.len(), 1, "{late:?}");
    assert_eq!(late[0].0, coordinator);
    assert!(
        late[0]
            .2
            .contains("Sista dagen var 10 februari 2026, för 1 dag sedan."),
        "{}",
        late[0].2
    );
}

#[tokio::test]
async fn neither_the_refusal_nor_an_overdue_mail_offers_a_later_date() {
    let app = TestApp::spawn_on(on(2025, 4, 5)).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(GAVLEBORG)).await;
    let page = region.get("/?ar=2025").await;
    assert_eq!(
        page.select(".refusal"),
        vec![
            "Sista dag för rekvisition var 31 mars 2025. Kontakta Tillväxtverket om ni har frågor."
        ]
    );
    let refused = file_refused(&region, &complete("1 000 000"), "skicka").await;
    let said = refused.select("#handling-error").join(" ");
    assert!(said.contains("31 mars 2025"), "{said}");
    assert!(!said.contains("förlängd"), "{said}");

    // Stockholm's report for 2025 is overdue on 3 February 2026 (31 January was a Saturday:
    // the last day was Monday 2 February, söndagsregeln).
    paid_in(&app, 2025, STOCKHOLM, "1000000").await;
    let stockholm = app.other_browser();
    stockholm.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    reminders(&app, date(2026, 2, 3)).await;
    let overdue: Vec<_> = queued(&app, "reminder.report")
        .await
        .into_iter()
        .filter(|(_, subject, _)| subject == "Försenad: Redovisningen för 2025")
        .collect();
    assert_eq!(overdue.len(), 1, "{overdue:?}");
    let text = &overdue[0].2;
    assert!(
        text.contains("Kontakta Tillväxtverket om ni har frågor."),
        "{text}"
    );
    let texts: Vec<String> =
        sqlx::query_scalar("SELECT body_text FROM outbox WHERE kind = 'reminder'")
            .fetch_all(&app.db)
            .await
            .expect("reminders");
    for text in texts {
        let lower = text.to_lowercase();
        assert!(!lower.contains("förlängd"), "{text}");
        assert!(!lower.contains("mer tid"), "{text}");
        assert!(!lower.contains("ny sista dag"), "{text}");
    }
}
