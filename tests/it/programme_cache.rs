//! Two servers on one database never show different deadlines for long (issue 29): each
//! keeps the periods and programme years in memory (`programme::cache`), the server that
//! saves a change forgets them at once, and PostgreSQL tells every other server
//! (LISTEN/NOTIFY, sent by the schema at commit) within milliseconds.

use std::time::{Duration, Instant};

use digikoord::auth::Role;
use reqwest::StatusCode;

use crate::{Page, TestApp};

/// How long the other server may take to show a change: it is told in milliseconds.
const TOLD_WITHIN: Duration = Duration::from_secs(10);

/// 2025's form as an administrator fills it in, with this cap and requisition deadline.
fn year_2025<'a>(cap: &'a str, requisition: &'a str) -> [(&'a str, &'a str); 8] {
    [
        ("cap_per_actor", cap),
        ("budget_state", "decided"),
        ("requisition_deadline", requisition),
        ("report_deadline", "2026-01-31"),
        ("repayment_deadline", "2026-02-26"),
        ("agency_requisition_deadline", "2025-12-01"),
        ("agency_repayment_deadline", "2026-03-15"),
        ("summary_deadline", "2026-03-26"),
    ]
}

/// 2025's requisition deadline as `/program` shows it (with its basis or assumed mark).
fn requisition_deadline_2025(page: &Page) -> String {
    assert_eq!(page.status, StatusCode::OK);
    let years = page.select("table.years tbody th");
    let at = years
        .iter()
        .position(|y| y == "2025")
        .unwrap_or_else(|| panic!("2025 on /program: {years:?}"));
    page.select("table.years tbody td.requisition_deadline")[at].clone()
}

async fn shown_on(server: &TestApp) -> String {
    requisition_deadline_2025(&server.get("/program").await)
}

/// Waits until both servers listen for changes (so what they read is kept from then on).
async fn both_listening(app: &TestApp) {
    listening(app, 2).await
}

/// Waits until `servers` servers on `app`'s database listen for programme changes.
pub(crate) async fn listening(app: &TestApp, servers: i64) {
    let start = Instant::now();
    loop {
        let listening: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM pg_stat_activity
             WHERE datname = current_database() AND query LIKE 'LISTEN %digikoord_programme%'",
        )
        .fetch_one(&app.db)
        .await
        .expect("pg_stat_activity");
        if listening >= servers {
            return;
        }
        assert!(
            start.elapsed() < TOLD_WITHIN,
            "{listening} of {servers} servers listen for programme changes after {:?}",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Reads `/program` on `server` until 2025's requisition deadline is `date`; fails if that
/// takes longer than `TOLD_WITHIN`.
async fn until_shown(server: &TestApp, date: &str) {
    let start = Instant::now();
    loop {
        let shown = shown_on(server).await;
        if shown.starts_with(date) {
            return;
        }
        assert!(
            start.elapsed() < TOLD_WITHIN,
            "the other server still shows 2025's requisition deadline as {shown:?}, {:?} after it \
             was changed to {date}: it was not told of the change (LISTEN/NOTIFY, programme::cache)",
            start.elapsed()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two servers on one database, both listening, an administrator signed in on the first,
/// and the 2025 requisition deadline both show (both have read the programme, and keep
/// it, before any change).
async fn two_servers_showing_one_deadline() -> (TestApp, TestApp, TestApp, String) {
    let a = TestApp::spawn().await;
    let b = a.with_settings(&[]).await;
    both_listening(&a).await;
    let admin = a.other_browser();
    admin.login_as(Role::Admin, None).await;
    let old = shown_on(&admin).await;
    assert_eq!(shown_on(&b).await, old);
    (a, b, admin, old)
}

#[tokio::test]
async fn a_deadline_changed_on_one_server_is_shown_by_the_other_within_moments() {
    let (a, b, admin, old) = two_servers_showing_one_deadline().await;
    assert!(!old.starts_with("17 april 2025"), "{old}");

    let saved = admin
        .submit(
            "/admin/program/ar/2025",
            "/admin/program/ar/2025",
            &year_2025("1 000 000", "2025-04-17"),
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());

    // The server that saved it shows it at once, without waiting to be told.
    let on_a = admin.follow(saved).await;
    let shown = requisition_deadline_2025(&on_a);
    assert!(shown.starts_with("17 april 2025"), "{shown}");
    // The other as soon as PostgreSQL tells it.
    until_shown(&b, "17 april 2025").await;
    assert_eq!(a.audit_count("programme_year.updated").await, 1);
}

#[tokio::test]
async fn a_refused_or_rolled_back_change_changes_nothing_on_either_server() {
    let (a, b, admin, old) = two_servers_showing_one_deadline().await;

    // Bad input is refused beside its field and saves nothing.
    let refused = admin
        .submit(
            "/admin/program/ar/2025",
            "/admin/program/ar/2025",
            &year_2025("abc", "2025-04-24"),
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#cap_per_actor-error").len(), 1);
    // A write rolled back is never told.
    let mut tx = a.db.begin().await.expect("begin");
    sqlx::query("UPDATE programme_years SET requisition_deadline = '2025-04-24' WHERE year = 2025")
        .execute(&mut *tx)
        .await
        .expect("a change");
    tx.rollback().await.expect("rolled back");
    assert_eq!(shown_on(&admin).await, old);
    assert_eq!(shown_on(&b).await, old);
    assert_eq!(a.audit_count("programme_year.updated").await, 0);

    // Committed by any writer (here straight in the database, as an operator might), the
    // change reaches both.
    sqlx::query("UPDATE programme_years SET requisition_deadline = '2025-04-24' WHERE year = 2025")
        .execute(&a.db)
        .await
        .expect("a change");
    until_shown(&admin, "24 april 2025").await;
    until_shown(&b, "24 april 2025").await;
}
