//! The outflow forecast (`/oversikt/prognos`): on the demo's year 2025 as it stands on
//! 1 March 2026, what the page says Tillväxtverket is certain to repay to Kammarkollegiet
//! is what the tables say, computed here in SQL of the test's own; each actor is classed by
//! its report; the CSV, the XLSX and the JSON add up to the page; approving a report moves
//! the forecast by its unused amount; a coordinator is refused; and a year without the
//! Kammarkollegiet chain says so instead of showing 0 kr.

use std::{collections::HashMap, str::FromStr};

use digikoord::auth::Role;
use reqwest::{StatusCode, header};
use rust_decimal::{Decimal, prelude::ToPrimitive};
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{STOCKHOLM, approve_report, date, kr},
    summary::realistic_year,
};

const SAKER: &str = "Säker";
const OSAKER: &str = "Osäker";
const INGEN: &str = "Ingen utbetalning";

/// What the tables say of 2025, independently of the application: each actor's class and
/// what Tillväxtverket repays to Kammarkollegiet for certain, at least and at most.
struct Expected {
    classes: HashMap<String, &'static str>,
    certain: Decimal,
    low: Decimal,
    high: Decimal,
}

async fn expected(app: &TestApp) -> Expected {
    let (requisitioned, costs): (Option<Decimal>, Decimal) = sqlx::query_as(
        "SELECT requisitioned, COALESCE(support_costs, 0) FROM agency_accounts WHERE year = 2025",
    )
    .fetch_one(&app.db)
    .await
    .expect("the demo's account with Kammarkollegiet");
    let requisitioned = requisitioned.expect("the demo requisitioned from Kammarkollegiet");
    // Per actor: paid out, payouts under way, the latest approved report's unused amount,
    // and whether a later version of it waits for review.
    let actors: Vec<(String, Decimal, Decimal, Option<Decimal>, bool)> = sqlx::query_as(
        "WITH approved AS (
             SELECT DISTINCT ON (organisation_id) organisation_id, version, unused FROM reports
             WHERE year = 2025 AND state = 'approved' ORDER BY organisation_id, version DESC),
         latest AS (
             SELECT DISTINCT ON (organisation_id) organisation_id, version, state::text AS state
             FROM reports WHERE year = 2025 ORDER BY organisation_id, version DESC),
         paid AS (
             SELECT r.organisation_id,
                    COALESCE(sum(p.paid_amount) FILTER (WHERE p.state = 'paid'), 0) AS paid,
                    COALESCE(sum(p.amount) FILTER (WHERE p.state IN ('prepared', 'approved')), 0)
                        AS under_way
             FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
             WHERE r.year = 2025 GROUP BY r.organisation_id)
         SELECT a.actor_name, COALESCE(paid.paid, 0), COALESCE(paid.under_way, 0), ap.unused,
                COALESCE(ap.organisation_id IS NOT NULL AND l.version > ap.version
                         AND l.state IN ('submitted', 'returned'), false)
         FROM programme_years y
         JOIN period_actors a ON a.period_id = y.period_id
         LEFT JOIN approved ap ON ap.organisation_id = a.organisation_id
         LEFT JOIN latest l ON l.organisation_id = a.organisation_id
         LEFT JOIN paid ON paid.organisation_id = a.organisation_id
         WHERE y.year = 2025",
    )
    .fetch_all(&app.db)
    .await
    .expect("the actors of 2025");
    let mut certain = requisitioned - costs;
    let (mut less, mut more) = (Decimal::ZERO, Decimal::ZERO);
    let mut classes = HashMap::new();
    for (name, paid, under_way, approved_unused, correcting) in actors {
        certain -= paid;
        let class = match approved_unused {
            Some(unused) if !correcting => {
                certain += unused;
                SAKER
            }
            _ if paid > Decimal::ZERO => {
                more += paid;
                OSAKER
            }
            _ if under_way > Decimal::ZERO => {
                less += under_way;
                OSAKER
            }
            _ => INGEN,
        };
        classes.insert(name, class);
    }
    Expected {
        classes,
        certain,
        low: certain - less,
        high: certain + more,
    }
}

/// The page's actors and the class each is given.
fn classes_on(page: &Page) -> HashMap<String, String> {
    let names = page.select("table.forecast tbody tr th");
    let labels = page.select("table.forecast tbody tr td.certainty .certainty-label");
    assert_eq!(names.len(), labels.len(), "a class on every row");
    names.into_iter().zip(labels).collect()
}

/// The one amount in the cell the selector finds.
fn cell(page: &Page, css: &str) -> String {
    let found = page.select(css);
    assert_eq!(found.len(), 1, "{css}: {found:?}");
    found[0].clone()
}

async fn download(browser: &TestApp, path: &str) -> (StatusCode, String, Vec<u8>) {
    let response = browser
        .client
        .get(browser.url(path))
        .send()
        .await
        .expect("download");
    let status = response.status();
    let content_type = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = response.bytes().await.expect("body").to_vec();
    (status, content_type, bytes)
}

/// An amount as the CSV writes it (`1234567,50`).
fn csv_amount(field: &str) -> Decimal {
    Decimal::from_str(&field.replace(',', "."))
        .unwrap_or_else(|_| panic!("an amount in the CSV: {field:?}"))
}

#[tokio::test]
async fn the_forecast_is_what_the_tables_say_tillvaxtverket_will_repay_and_its_files_add_up_to_it()
{
    let app = realistic_year().await;
    let staff = app.other_browser();
    staff.login_as(Role::CaseOfficer, None).await;
    let page = staff.get("/oversikt/prognos?ar=2025").await;
    assert_eq!(page.status, StatusCode::OK);
    let want = expected(&app).await;

    // The totals, as computed from the tables.
    assert_eq!(cell(&page, "td.certain-total"), kr(want.certain));
    assert_eq!(cell(&page, "td.low-total"), kr(want.low));
    assert_eq!(cell(&page, "td.high-total"), kr(want.high));
    assert!(want.low <= want.certain && want.certain <= want.high);

    // Each actor classed by its report, as the tables say; the demo has both kinds.
    let classes = classes_on(&page);
    assert_eq!(classes.len(), 21, "{classes:?}");
    for (name, class) in &want.classes {
        assert_eq!(
            classes.get(name).map(String::as_str),
            Some(*class),
            "{name}"
        );
    }
    let sure = want.classes.values().filter(|c| **c == SAKER).count();
    let unsure = want.classes.values().filter(|c| **c == OSAKER).count();
    assert!(
        sure >= 1 && unsure >= 1,
        "the demo's 2025 on 1 March 2026 has approved reports and one still under review: {classes:?}"
    );
    assert!(
        want.high > want.certain,
        "a report not approved leaves a range"
    );

    // 15 March 2026 is a Sunday: söndagsregeln moves the repayment day to Monday.
    let (effective, decided): (Option<chrono::NaiveDate>, Option<chrono::NaiveDate>) =
        sqlx::query_as(
            "SELECT agency_repayment_deadline, agency_repayment_deadline_decided
             FROM programme_years WHERE year = 2025",
        )
        .fetch_one(&app.db)
        .await
        .expect("the year's dates");
    assert_eq!(effective, Some(date(2026, 3, 16)));
    assert_eq!(decided, Some(date(2026, 3, 15)));
    assert_eq!(
        cell(&page, "strong.deadline"),
        "15 mars 2026 (söndag) → 16 mars 2026"
    );
    assert!(page.plain().contains("15 dagar kvar"), "{}", page.plain());

    // The CSV: a line per actor, Tillväxtverket's part and the sum; each column of amounts
    // adds up to the sum, which is the page's.
    let (status, content_type, bytes) =
        download(&staff, "/oversikt/prognos?ar=2025&format=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(content_type.starts_with("text/csv"), "{content_type}");
    let text = String::from_utf8(bytes).expect("utf-8");
    let text = text.strip_prefix('\u{feff}').expect("a BOM for Excel");
    let lines: Vec<Vec<&str>> = text
        .split("\r\n")
        .filter(|l| !l.is_empty())
        .map(|l| l.split(';').collect())
        .collect();
    let head = &lines[0];
    let col = |h: &str| {
        head.iter()
            .position(|x| *x == h)
            .unwrap_or_else(|| panic!("the column {h}: {head:?}"))
    };
    let (actor, class, certain, low, high) = (
        col("Aktör"),
        col("Bedömning"),
        col("Säkert till Kammarkollegiet"),
        col("Lägst"),
        col("Högst"),
    );
    let rows = &lines[1..];
    assert_eq!(rows.len(), 21 + 2, "21 actors, the agency's part, the sum");
    let (sum, added) = rows.split_last().expect("lines");
    assert_eq!(sum[actor], "Summa");
    for c in [certain, low, high] {
        let total: Decimal = added.iter().map(|r| csv_amount(r[c])).sum();
        assert_eq!(total, csv_amount(sum[c]), "{}", head[c]);
    }
    assert_eq!(csv_amount(sum[certain]), want.certain);
    assert_eq!(csv_amount(sum[low]), want.low);
    assert_eq!(csv_amount(sum[high]), want.high);
    for r in &added[..21] {
        assert_eq!(Some(&r[class]), want.classes.get(r[actor]), "{}", r[actor]);
    }

    // The XLSX: the same table, amounts as numbers.
    let (status, _, bytes) = download(&staff, "/oversikt/prognos?ar=2025&format=xlsx").await;
    assert_eq!(status, StatusCode::OK);
    {
        use calamine::{Data, Reader};
        let mut book: calamine::Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).expect("an XLSX");
        let sheet = book
            .worksheet_range_at(0)
            .expect("a sheet")
            .expect("a readable sheet");
        let rows: Vec<&[Data]> = sheet.rows().collect();
        assert_eq!(rows.len(), 1 + 21 + 2);
        let heads: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
        let c = heads
            .iter()
            .position(|h| h == "Säkert till Kammarkollegiet")
            .expect("the column");
        let last = rows.last().expect("the sum");
        assert_eq!(last[0].to_string(), "Summa");
        match &last[c] {
            Data::Float(f) => {
                let want = want.certain.to_f64().expect("a number");
                assert!((f - want).abs() < 0.005, "{f} ≠ {want}");
            }
            other => panic!("the sum as a number: {other:?}"),
        }
    }

    // The JSON for the agency's own reporting: exact decimals.
    let (status, content_type, bytes) =
        download(&staff, "/oversikt/prognos?ar=2025&format=json").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        content_type.starts_with("application/json"),
        "{content_type}"
    );
    let json: serde_json::Value = serde_json::from_slice(&bytes).expect("JSON");
    let exact = |key: &str| {
        Decimal::from_str(
            json[key]
                .as_str()
                .unwrap_or_else(|| panic!("{key}: {json}")),
        )
        .expect("a decimal")
    };
    assert_eq!(exact("certain"), want.certain);
    assert_eq!(exact("low"), want.low);
    assert_eq!(exact("high"), want.high);
    assert_eq!(json["repayment_deadline"], "2026-03-16");
    assert_eq!(json["actors"].as_array().map(Vec::len), Some(21));
}

#[tokio::test]
async fn approving_a_report_moves_the_forecast_by_its_unused_amount_and_makes_the_actor_certain() {
    let app = realistic_year().await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let before = expected(&app).await;
    let (report, name): (Uuid, String) = sqlx::query_as(
        "SELECT r.id, a.actor_name FROM reports r
         JOIN programme_years y ON y.year = r.year
         JOIN period_actors a ON a.period_id = y.period_id AND a.organisation_id = r.organisation_id
         WHERE r.year = 2025 AND r.current AND r.state = 'submitted'
           AND NOT EXISTS (SELECT 1 FROM reports x WHERE x.year = r.year
                           AND x.organisation_id = r.organisation_id AND x.state = 'approved')
         ORDER BY a.actor_name LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("the demo has a report waiting for review on 1 March 2026");
    assert_eq!(before.classes.get(&name), Some(&OSAKER));
    let page = officer.get("/oversikt/prognos?ar=2025").await;
    assert_eq!(
        classes_on(&page).get(&name).map(String::as_str),
        Some(OSAKER)
    );

    approve_report(&officer, report).await;
    let unused: Decimal = sqlx::query_scalar("SELECT unused FROM reports WHERE id = $1")
        .bind(report)
        .fetch_one(&app.db)
        .await
        .expect("the approved unused amount");
    let after = expected(&app).await;
    assert_eq!(after.certain, before.certain + unused);
    assert_eq!(after.classes.get(&name), Some(&SAKER));

    let page = officer.get("/oversikt/prognos?ar=2025").await;
    assert_eq!(cell(&page, "td.certain-total"), kr(after.certain));
    assert_eq!(cell(&page, "td.high-total"), kr(after.high));
    assert_eq!(
        classes_on(&page).get(&name).map(String::as_str),
        Some(SAKER)
    );
}

#[tokio::test]
async fn a_coordinator_is_refused_the_forecast_and_its_files() {
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    for path in [
        "/oversikt/prognos?ar=2025",
        "/oversikt/prognos?ar=2025&format=csv",
        "/oversikt/prognos?ar=2025&format=xlsx",
        "/oversikt/prognos?ar=2025&format=json",
    ] {
        let (status, _, body) = download(&region, path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(
            !String::from_utf8_lossy(&body).contains("Kammarkollegiet;"),
            "{path}: nothing of the forecast"
        );
    }
}

#[tokio::test]
async fn a_year_without_the_kammarkollegiet_chain_says_there_is_no_account_instead_of_zero() {
    let app = TestApp::spawn().await;
    let chain: bool = sqlx::query_scalar(
        "SELECT agency_repayment_deadline IS NOT NULL FROM programme_years WHERE year = 2019",
    )
    .fetch_one(&app.db)
    .await
    .expect("2019 is in the programme");
    assert!(!chain, "2018–2020 have no Kammarkollegiet chain");
    let staff = app.other_browser();
    staff.login_as(Role::Admin, None).await;
    let page = staff.get("/oversikt/prognos?ar=2019").await;
    assert_eq!(page.status, StatusCode::OK);
    let notice = cell(&page, "p.no-chain");
    assert!(
        notice.contains(
            "2019 har ingen rekvisition från och ingen återbetalning till Kammarkollegiet"
        ),
        "{notice}"
    );
    assert!(page.select("td.certain-total").is_empty());
    assert!(page.select("table.forecast").is_empty());
    assert!(
        !page.plain().contains("0 kr"),
        "no amounts: {}",
        page.plain()
    );
    let (status, _, _) = download(&staff, "/oversikt/prognos?ar=2019&format=csv").await;
    assert_eq!(status, StatusCode::BAD_REQUEST);

    // A year with the chain, on the same server, has its forecast.
    let page = staff.get("/oversikt/prognos?ar=2025").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.select("p.no-chain").is_empty());
    assert_eq!(page.select("table.forecast tbody tr").len(), 21);
}
