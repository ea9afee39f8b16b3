//! Deadlines as Swedish law counts them (issue 30): under söndagsregeln, lag (1930:173), a
//! deadline that falls on a Saturday, a Sunday, a public holiday, midsommarafton, julafton
//! or nyårsafton moves to the next weekday. A setting per period, on by default; `/program`
//! shows the decided date and the day that counts, and every late mark, reminder, calendar
//! event and overdue count reads the day that counts.

use std::collections::HashSet;

use chrono::{Datelike, NaiveDate, Weekday};
use digikoord::{auth::Role, mail, seed::TASKS_2021};
use icalendar::{Calendar, Component, DatePerhapsTime};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{
        SKANE, STOCKHOLM, borrowed, date, fill_in_everything, on, org_id, paid_in, report_id,
        submit_report,
    },
};

/// The made-up decision the tests' 2026 period rests on.
const DECISION: &str = "Fi2026/00123";

/// Every day off holidays_se names, with midsommarafton, julafton and nyårsafton: the crate
/// lists them among its holidays, and they are added here too so the comparison never rests
/// on that.
#[allow(deprecated)] // holidays_se 1.0 hands out chrono's old `Date<Tz>`; only its day is read.
fn days_off(years: std::ops::RangeInclusive<i32>) -> HashSet<NaiveDate> {
    let mut days: HashSet<NaiveDate> = years
        .clone()
        .flat_map(holidays_se::holidays_in_year)
        .map(|(_, day)| day.naive_local())
        .collect();
    for year in years {
        days.insert(date(year, 12, 24));
        days.insert(date(year, 12, 31));
        // Midsommarafton: the Friday between 19 and 25 June.
        days.extend(
            (19..=25)
                .map(|d| date(year, 6, d))
                .filter(|d| d.weekday() == Weekday::Fri),
        );
    }
    days
}

#[tokio::test]
async fn the_schemas_next_weekday_agrees_with_holidays_se_on_every_day_from_2018_to_2040() {
    let app = TestApp::spawn().await;
    let rows: Vec<(NaiveDate, NaiveDate, bool)> = sqlx::query_as(
        "SELECT d, next_weekday(d), swedish_holiday(d)
         FROM (SELECT DATE '2018-01-01' + i AS d
               FROM generate_series(0, DATE '2040-12-31' - DATE '2018-01-01') AS i) AS days
         ORDER BY d",
    )
    .fetch_all(&app.db)
    .await
    .expect("every day");
    assert_eq!(rows.len(), 8401, "2018-01-01 to 2040-12-31");
    // The last days of 2040 move into 2041.
    let off = days_off(2018..=2041);
    let next_weekday = |day: NaiveDate| {
        let mut d = day;
        while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) || off.contains(&d) {
            d = d.succ_opt().expect("a next day");
        }
        d
    };
    let wrong: Vec<String> = rows
        .iter()
        .filter(|(day, next, holiday)| *next != next_weekday(*day) || *holiday != off.contains(day))
        .map(|(day, next, holiday)| {
            format!(
                "{day}: the schema says {next} (holiday: {holiday}), holidays_se {} (holiday: {})",
                next_weekday(*day),
                off.contains(day)
            )
        })
        .collect();
    assert!(
        wrong.is_empty(),
        "{} days differ: {:?}",
        wrong.len(),
        &wrong[..wrong.len().min(10)]
    );

    // The dates, and the eves the law names besides the holidays.
    let moved = |day: NaiveDate| {
        rows.iter()
            .find(|(d, _, _)| *d == day)
            .map(|(_, next, _)| *next)
            .expect("in range")
    };
    for (day, counts) in [
        (date(2027, 1, 31), date(2027, 2, 1)),
        (date(2026, 1, 31), date(2026, 2, 2)),
        (date(2025, 3, 15), date(2025, 3, 17)),
        (date(2026, 3, 15), date(2026, 3, 16)),
        (date(2024, 3, 31), date(2024, 4, 2)),
        (date(2026, 6, 19), date(2026, 6, 22)),
        (date(2025, 12, 24), date(2025, 12, 29)),
        (date(2026, 12, 31), date(2027, 1, 4)),
        (date(2026, 2, 26), date(2026, 2, 26)),
    ] {
        assert_eq!(moved(day), counts, "{day}");
    }
}

/// The cell of `year`'s `which` date on /program (`report_deadline`, …).
fn programme_cell(page: &Page, year: i32, which: &str) -> String {
    let years = page.select("table.years tbody th");
    let wanted = year.to_string();
    let at = years
        .iter()
        .position(|y| *y == wanted)
        .unwrap_or_else(|| panic!("{year} on /program: {years:?}"));
    page.select(&format!("table.years tbody td.{which}"))[at].clone()
}

#[tokio::test]
async fn the_demos_2026_report_deadline_is_shown_moved_from_sunday_31_january_2027() {
    let app = TestApp::spawn_on(on(2026, 11, 23)).await;
    digikoord::seed::demo(&app.db, date(2026, 11, 23))
        .await
        .expect("demo");
    let (decided, counts): (NaiveDate, NaiveDate) = sqlx::query_as(
        "SELECT report_deadline_decided, report_deadline FROM programme_years WHERE year = 2026",
    )
    .fetch_one(&app.db)
    .await
    .expect("2026");
    assert_eq!((decided, counts), (date(2027, 1, 31), date(2027, 2, 1)));

    let programme = app.get("/program").await;
    assert_eq!(programme.status, StatusCode::OK);
    let cell = programme_cell(&programme, 2026, "report_deadline");
    assert!(
        cell.contains("31 januari 2027 (söndag) → 1 februari 2027"),
        "{cell}"
    );
    // A date that falls on a weekday stands as decided.
    let repayment = programme_cell(&programme, 2026, "repayment_deadline");
    assert!(
        repayment.starts_with("26 februari 2027") && !repayment.contains('→'),
        "{repayment}"
    );
    assert!(
        programme
            .select("dd.sunday-rule")
            .iter()
            .all(|s| s.starts_with("Söndagsregeln tillämpas (lag 1930:173)")),
        "on for every period by default: {:?}",
        programme.select("dd.sunday-rule")
    );
    // The real programme's dates move too: 31 January 2026 was a Saturday.
    let report_2025 = programme_cell(&programme, 2025, "report_deadline");
    assert!(
        report_2025.contains("31 januari 2026 (lördag) → 2 februari 2026"),
        "{report_2025}"
    );

    // The coordinator's start page counts to the day that counts.
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let start = region.get("/?ar=2026").await;
    let report = start
        .select("table.obligations tbody tr")
        .into_iter()
        .find(|r| r.contains("Redovisning"))
        .expect("the report");
    assert!(report.contains("70 dagar kvar"), "{report}");
}

/// The 2026 period's form as an administrator fills it in; `rule`: söndagsregeln ticked.
fn period_2026(rule: bool) -> Vec<(&'static str, String)> {
    let mut fields: Vec<(&'static str, String)> = [
        ("decision_number", DECISION),
        ("decision_date", "2026-02-12"),
        (
            "title",
            "Erbjudande om medel för regionala digitaliseringskoordinatorer 2026",
        ),
        ("ministry", "Finansdepartementet"),
        ("first_year", "2026"),
        ("last_year", "2026"),
        ("report_ministry", "Finansdepartementet"),
        ("report_title", "Redovisning av koordinatorernas verksamhet"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    fields.push(("tasks", TASKS_2021.join("\n\n")));
    if rule {
        fields.push(("sunday_rule", "on".to_string()));
    }
    fields
}

/// An administrator enters the 2026 period in the browser (söndagsregeln as the new form
/// offers it: ticked) with Region Stockholm and Region Skåne as its actors; the budget is
/// decided and both were paid their funds. Returns the period's id.
async fn period_2026_entered(app: &TestApp, admin: &TestApp) -> Uuid {
    let form = admin.get("/admin/program/perioder/ny").await;
    assert!(
        form.attr("input[name=sunday_rule]", "checked").is_some(),
        "ticked by default"
    );
    let created = admin
        .submit(
            "/admin/program/perioder/ny",
            "/admin/program/perioder/ny",
            &borrowed(&period_2026(true)),
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.plain());
    let id: Uuid = sqlx::query_scalar("SELECT id FROM periods WHERE decision_number = $1")
        .bind(DECISION)
        .fetch_one(&app.db)
        .await
        .expect("the period");
    let path = format!("/admin/program/perioder/{id}");
    for actor in [STOCKHOLM, SKANE] {
        let organisation = org_id(app, actor).await.to_string();
        let added = admin
            .submit(
                &path,
                &format!("{path}/aktorer"),
                &[
                    ("organisation_id", organisation.as_str()),
                    ("actor_name", ""),
                ],
            )
            .await;
        assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.plain());
    }
    sqlx::query("UPDATE programme_years SET budget_state = 'decided' WHERE year = 2026")
        .execute(&app.db)
        .await
        .expect("the budget decided");
    paid_in(app, 2026, STOCKHOLM, "1000000").await;
    paid_in(app, 2026, SKANE, "1000000").await;
    id
}

/// The actor's row in a staff table (`table.overview`, `table.reports`).
fn row_of(page: &Page, table: &str, actor: &str) -> String {
    page.select(&format!("table.{table} tbody tr"))
        .into_iter()
        .find(|r| r.starts_with(actor))
        .unwrap_or_else(|| panic!("{actor} in table.{table}"))
}

/// The report mails queued so far: (subject, text).
async fn report_reminders(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as(
        "SELECT subject, body_text FROM outbox WHERE event = 'reminder.report' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("outbox")
}

#[tokio::test]
async fn a_report_filed_on_1_february_2027_is_on_time_and_a_missing_one_late_the_next_day() {
    let app = TestApp::spawn_on(on(2027, 2, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    period_2026_entered(&app, &admin).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    app.create_user(Role::Coordinator, Some(SKANE)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;

    // 31 January 2027 is a Sunday: the last day is Monday 1 February, today.
    let start = region.get("/?ar=2026").await;
    let call = start.select(".report-call").join(" ");
    assert!(call.contains("1 februari 2027"), "{call}");
    assert!(start.select(".report-call .late").is_empty(), "{call}");
    let started = region
        .submit("/?ar=2026", "/redovisningar/ny", &[("ar", "2026")])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.plain());
    let report = report_id(&started);
    fill_in_everything(&region, report).await;
    let sent = submit_report(&region, report).await;
    let receipt = region.follow(sent).await;
    let flash = receipt.select(".flash").join(" ");
    assert!(flash.contains("den 1 februari 2027"), "{flash}");
    assert!(!flash.contains("försenad"), "on time: {flash}");

    // Nobody is late today: not the report filed, not the one still to come.
    let list = officer.get("/handlaggning/redovisningar?ar=2026").await;
    for actor in [STOCKHOLM, SKANE] {
        let row = row_of(&list, "reports", actor);
        assert!(!row.contains("Försenad"), "{row}");
    }
    let overview = officer.get("/oversikt?ar=2026").await;
    for actor in [STOCKHOLM, SKANE] {
        let row = row_of(&overview, "overview", actor);
        assert!(!row.contains("Försenad"), "{row}");
    }
    mail::reminders::run(&app.db, "http://localhost:3000", date(2027, 2, 1))
        .await
        .expect("reminders");
    assert!(
        report_reminders(&app)
            .await
            .iter()
            .all(|(subject, _)| !subject.starts_with("Försenad")),
        "{:?}",
        report_reminders(&app).await
    );

    // On Tuesday 2 February Region Skåne's report is late, everywhere; Stockholm's is not.
    let officer = officer.later(on(2027, 2, 2)).await;
    let list = officer.get("/handlaggning/redovisningar?ar=2026").await;
    assert!(
        row_of(&list, "reports", SKANE).contains("Försenad – saknas"),
        "{}",
        row_of(&list, "reports", SKANE)
    );
    assert!(!row_of(&list, "reports", STOCKHOLM).contains("Försenad"));
    let overview = officer.get("/oversikt?ar=2026").await;
    assert!(row_of(&overview, "overview", SKANE).contains("Försenad"));
    assert!(!row_of(&overview, "overview", STOCKHOLM).contains("Försenad"));
    mail::reminders::run(&app.db, "http://localhost:3000", date(2027, 2, 2))
        .await
        .expect("reminders");
    let late: Vec<(String, String)> = report_reminders(&app)
        .await
        .into_iter()
        .filter(|(subject, _)| subject.starts_with("Försenad"))
        .collect();
    assert_eq!(late.len(), 1, "Skåne's coordinator: {late:?}");
    assert_eq!(late[0].0, "Försenad: Redovisningen för 2026");
    assert!(
        late[0]
            .1
            .contains("Sista dagen var 1 februari 2027, för 1 dag sedan."),
        "{}",
        late[0].1
    );
}

/// The day of the report event for 2026 in the feed at `path`, fetched as a calendar app
/// does (no session).
async fn report_event_day(app: &TestApp, path: &str, organisation: Uuid) -> NaiveDate {
    let response = reqwest::Client::new()
        .get(app.url(path))
        .send()
        .await
        .expect("GET the feed");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    let text = response.text().await.expect("the feed");
    let calendar: Calendar = text.parse().expect("the feed parses as iCalendar");
    let uid = format!("report-2026-{organisation}@digikoord");
    let event = calendar
        .events()
        .find(|e| e.get_uid() == Some(uid.as_str()))
        .unwrap_or_else(|| panic!("no event {uid}"));
    match event.get_start() {
        Some(DatePerhapsTime::Date(d)) => d,
        other => panic!("an all-day date, got {other:?}"),
    }
}

#[tokio::test]
async fn an_administrator_turns_the_rule_off_and_on_for_a_period_and_every_date_follows() {
    let app = TestApp::spawn_on(on(2027, 1, 20)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let period = period_2026_entered(&app, &admin).await;
    let path = format!("/admin/program/perioder/{period}");
    let stockholm = org_id(&app, STOCKHOLM).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let linked = region.submit("/kalender", "/kalender", &[]).await;
    let link = linked.attr("#calendar-link", "value").expect("the link");
    let feed = link[link.find("/kalender/").expect("a calendar link")..].to_string();

    // On: the feed and /program say Monday 1 February.
    assert_eq!(
        report_event_day(&app, &feed, stockholm).await,
        date(2027, 2, 1)
    );
    let programme = app.get("/program").await;
    let cell = programme_cell(&programme, 2026, "report_deadline");
    assert!(
        cell.contains("31 januari 2027 (söndag) → 1 februari 2027"),
        "{cell}"
    );

    // The year's form is the decision's: the date as written, the day that counts beside it.
    let form = admin.get("/admin/program/ar/2026").await;
    assert_eq!(
        form.attr("#report_deadline", "value").as_deref(),
        Some("2027-01-31")
    );
    // 26 March 2027 is Good Friday (Easter Sunday is 28 March), and Easter Monday follows.
    assert_eq!(
        form.select(".effective-date"),
        [
            "Gäller enligt söndagsregeln: 31 januari 2027 (söndag) → 1 februari 2027.",
            "Gäller enligt söndagsregeln: 26 mars 2027 (fredag) → 30 mars 2027."
        ]
    );
    // Confirmed with its basis, written as decided: the day that counts stays Monday.
    let year = [
        ("cap_per_actor", "1 000 000"),
        ("budget_state", "decided"),
        ("budget_basis", DECISION),
        ("requisition_deadline", "2026-03-31"),
        ("requisition_basis", DECISION),
        ("report_deadline", "2027-01-31"),
        ("report_basis", DECISION),
        ("repayment_deadline", "2027-02-26"),
        ("repayment_basis", DECISION),
        ("summary_deadline", "2027-03-26"),
        ("summary_basis", DECISION),
    ];
    let saved = admin
        .submit("/admin/program/ar/2026", "/admin/program/ar/2026", &year)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let stored: (NaiveDate, NaiveDate) = sqlx::query_as(
        "SELECT report_deadline_decided, report_deadline FROM programme_years WHERE year = 2026",
    )
    .fetch_one(&app.db)
    .await
    .expect("2026");
    assert_eq!(stored, (date(2027, 1, 31), date(2027, 2, 1)));

    // Off: the decision's dates stand as written.
    let edit = admin.get(&path).await;
    assert!(edit.attr("input[name=sunday_rule]", "checked").is_some());
    let off = admin
        .submit(&path, &path, &borrowed(&period_2026(false)))
        .await;
    assert_eq!(off.status, StatusCode::SEE_OTHER, "{}", off.plain());
    let saved = admin.follow(off).await;
    assert!(
        saved.select(".flash")[0].contains("Söndagsregeln tillämpas inte"),
        "{:?}",
        saved.select(".flash")
    );
    assert!(saved.attr("input[name=sunday_rule]", "checked").is_none());
    let programme = app.get("/program").await;
    let cell = programme_cell(&programme, 2026, "report_deadline");
    assert!(
        cell.starts_with("31 januari 2027") && !cell.contains('→'),
        "{cell}"
    );
    assert_eq!(
        programme
            .select("dd.sunday-rule")
            .last()
            .map(String::as_str),
        Some("Söndagsregeln tillämpas inte – datumen gäller som de står i beslutet.")
    );
    assert_eq!(
        report_event_day(&app, &feed, stockholm).await,
        date(2027, 1, 31)
    );
    assert!(
        admin
            .get("/admin/program/ar/2026")
            .await
            .select(".effective-date")
            .is_empty()
    );
    // Recorded with the period's years before and after, in the change's transaction.
    assert_eq!(app.audit_count("period.updated").await, 1);
    let (rule, before, after): (String, String, String) = sqlx::query_as(
        "SELECT after->'period'->>'sunday_rule', before->'years'->0->>'report_deadline',
                after->'years'->0->>'report_deadline'
         FROM audit_log WHERE action = 'period.updated'",
    )
    .fetch_one(&app.db)
    .await
    .expect("the record");
    assert_eq!(
        (rule.as_str(), before.as_str(), after.as_str()),
        ("false", "2027-02-01", "2027-01-31")
    );

    // On again: Monday 1 February, on every page and in the feed.
    let on_again = admin
        .submit(&path, &path, &borrowed(&period_2026(true)))
        .await;
    assert_eq!(
        on_again.status,
        StatusCode::SEE_OTHER,
        "{}",
        on_again.plain()
    );
    let cell = programme_cell(&app.get("/program").await, 2026, "report_deadline");
    assert!(
        cell.contains("31 januari 2027 (söndag) → 1 februari 2027"),
        "{cell}"
    );
    assert_eq!(
        report_event_day(&app, &feed, stockholm).await,
        date(2027, 2, 1)
    );
    let start = region.get("/?ar=2026").await;
    assert!(
        start
            .select(".report-call")
            .join(" ")
            .contains("1 februari 2027"),
        "{:?}",
        start.select(".report-call")
    );
    assert_eq!(app.audit_count("period.updated").await, 2);
}
