//! Each benchmarked page keeps to its budget of round trips to the database (issue 29): a
//! count, not a time. The demo's programme in full swing; each page asked for once to warm
//! up (a first visit may write a read mark or touch the session), then counted on the
//! second visit. PostgreSQL counts (`pg_stat_statements`, top-level statements of the
//! server's own role in this test's database), so nothing in the app is instrumented and
//! the test's own queries don't count.
//!
//! A page whose budget no longer holds has started asking per row or per year again; a page
//! that asks fewer questions than its budget should have its budget lowered, so that it stays
//! there.

use std::collections::BTreeMap;

use digikoord::{Clock, auth::Role};

use crate::TestApp;

/// The statements the server has sent to this test's database so far, each with how often.
async fn statements(app: &TestApp) -> BTreeMap<String, i64> {
    sqlx::query_as::<_, (String, i64)>(
        // A statement's text can be missing (NULL) while PostgreSQL rewrites its file of
        // texts: counted by its id then.
        "SELECT COALESCE(s.query, 'query ' || s.queryid), sum(s.calls)::bigint
         FROM pg_stat_statements s
         WHERE s.dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND s.userid <> (SELECT oid FROM pg_roles WHERE rolname = current_user)
           -- A new connection's own work is the pool's, not the page's: its settings
           -- (`db::connect`'s SET ROLE, plan_cache_mode) and sqlx's look-ups of the
           -- schema's own types, once per connection (`$1::regtype::oid`, and more from
           -- pg_catalog): which connection a page gets is the pool's choice.
           AND s.query !~* '^\\s*(SET|RESET)\\s'
           AND s.query NOT LIKE '%pg_catalog.%'
           AND s.query NOT LIKE '%::regtype%'
         GROUP BY 1",
    )
    .fetch_all(&app.db)
    .await
    .expect("pg_stat_statements (the test cluster preloads it)")
    .into_iter()
    .collect()
}

/// How many times `pg_stat_statements` has forgotten statements to make room for new ones.
async fn forgotten(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT dealloc FROM pg_stat_statements_info")
        .fetch_one(&app.db)
        .await
        .expect("pg_stat_statements_info")
}

/// How many statements one GET of `path` by `browser` costs, after a first visit, and which.
async fn cost(app: &TestApp, browser: &TestApp, path: &str) -> (i64, Vec<String>) {
    let first = browser.get(path).await;
    assert!(first.status.is_success(), "{path}: {}", first.status);
    // A session used more than a minute ago is touched (one UPDATE) on its next request:
    // every session was used just now, so that a slow machine counts the same.
    sqlx::query("UPDATE sessions SET last_seen_at = now()")
        .execute(&app.db)
        .await
        .expect("sessions just used");
    let forgotten = forgotten(app).await;
    let before = statements(app).await;
    let again = browser.get(path).await;
    assert!(again.status.is_success(), "{path}: {}", again.status);
    let after = statements(app).await;
    assert_eq!(
        forgotten,
        self::forgotten(app).await,
        "pg_stat_statements forgot statements while {path} was counted: its table is full \
         (pg_stat_statements.max in tests/it/main.rs)"
    );
    let mut which = Vec::new();
    let mut count = 0;
    for (query, calls) in &after {
        let more = calls - before.get(query).copied().unwrap_or(0);
        if more > 0 {
            count += more;
            let query: Vec<&str> = query.split_whitespace().collect();
            which.push(format!("{more} × {}", query.join(" ")));
        }
    }
    (count, which)
}

/// The benchmark's pages (src/bin/bench/main.rs), each with the most statements it may send.
#[tokio::test]
async fn each_benchmarked_page_keeps_to_its_budget_of_round_trips() {
    if !crate::statement_stats() {
        return;
    }
    let today = chrono::NaiveDate::from_ymd_opt(2026, 2, 10).expect("date");
    let app = TestApp::spawn_counted(Clock::Fixed(today)).await;
    digikoord::seed::demo(&app.db, today)
        .await
        .expect("the demo");
    let (requisition, year): (uuid::Uuid, i32) = sqlx::query_as(
        "SELECT r.id, r.year FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
         WHERE o.name = 'Region Stockholm' AND r.year <= 2026 ORDER BY r.year DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("a requisition of Region Stockholm");

    let coordinator = app.other_browser();
    coordinator
        .login_as(Role::Coordinator, Some("Region Stockholm"))
        .await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;

    let pages: [(&str, &TestApp, String, i64); 5] = [
        (
            "the coordinator's start page",
            &coordinator,
            "/".into(),
            BUDGET_START,
        ),
        (
            "a requisition",
            &coordinator,
            format!("/rekvisitioner/{requisition}"),
            BUDGET_REQUISITION,
        ),
        (
            "the staff overview",
            &officer,
            format!("/oversikt?ar={year}"),
            BUDGET_OVERVIEW,
        ),
        (
            "the summary page",
            &admin,
            format!("/sammanstallning?ar={year}"),
            BUDGET_SUMMARY,
        ),
        (
            "the year's XLSX",
            &admin,
            format!("/sammanstallning/{year}/utkast/xlsx"),
            BUDGET_XLSX,
        ),
    ];
    // What the programme's cache keeps is kept only while the server listens for changes.
    crate::programme_cache::listening(&app, 1).await;
    let mut measured = Vec::new();
    for (name, browser, path, budget) in pages {
        let (count, which) = cost(&app, browser, &path).await;
        measured.push((name, path.clone(), count, which, budget));
    }
    let said: Vec<String> = measured
        .iter()
        .map(|(name, _, count, _, budget)| format!("{name}: {count} (budget {budget})"))
        .collect();
    eprintln!("round trips: {said:?}");
    for (name, path, count, which, budget) in &measured {
        // The counter counts: every page looks up its session and asks at least once.
        assert!(
            *count >= 2,
            "{name} ({path}) sent {count} statements?\n{said:?}"
        );
        assert!(
            count <= budget,
            "{name} ({path}) sent {count} statements; its budget is {budget}\n{said:?}\n{}",
            which.join("\n")
        );
    }
}

// Measured at issue 29 (the demo, February 2026), the session's lookup included. Before it,
// counted from the code: the start page asked 15 questions besides the session's (some once
// per year inside), a requisition 5, the overview 17 (eight row sets of every actor of the
// year, where now one aggregate and one page of rows), the summary page 28 (the whole year,
// every report's texts, every actor of every year for the trend; now the figures and
// statistics in aggregate, a page of rows with its texts, one row per year). The programme
// year, its periods and tasks come from the programme's cache (`programme::cache`). The
// overview and the summary page ask PostgreSQL for their snapshot's description (one more),
// and skip their aggregates over every actor while it is unchanged (`summary::kept`): counted
// here is the first visit after a write, the dearer one. The XLSX reads the year whole as the
// overview reads its page (18 before).
const BUDGET_START: i64 = 3;
const BUDGET_REQUISITION: i64 = 2;
const BUDGET_OVERVIEW: i64 = 8;
const BUDGET_SUMMARY: i64 = 14;
const BUDGET_XLSX: i64 = 12;
