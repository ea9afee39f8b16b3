//! The programme across years: the start pages' open obligations of every year, the
//! import of earlier years from a spreadsheet, and the multi-year view.

use chrono::NaiveDate;
use digikoord::{Clock, auth::Role};
use reqwest::StatusCode;

use crate::{TestApp, reports::paid_in};

fn on(y: i32, m: u32, d: u32) -> Clock {
    Clock::Fixed(NaiveDate::from_ymd_opt(y, m, d).expect("date"))
}

#[tokio::test]
async fn in_february_the_start_page_shows_last_years_report_and_this_years_requisition() {
    let app = TestApp::spawn_on(on(2025, 2, 10)).await;
    paid_in(&app, 2024, "Region Stockholm", "1000000").await;
    let region = app.other_browser();
    region
        .login_as(Role::Coordinator, Some("Region Stockholm"))
        .await;
    let start = region.get("/").await;
    assert_eq!(start.status, StatusCode::OK);
    let open = start.select(".open-items li");
    assert_eq!(open.len(), 2, "{open:?}");
    assert!(
        open[0].starts_with("Redovisning 2024") && open[0].contains("31 januari 2025"),
        "soonest first: {open:?}"
    );
    assert!(open[0].contains("passerad för 10 dagar sedan"), "{open:?}");
    assert!(open[1].starts_with("Rekvisition 2025") && open[1].contains("31 mars 2025"));
    assert_eq!(
        start.attr(".open-items li a", "href").as_deref(),
        Some("/?ar=2024")
    );

    // Staff see what waits for Tillväxtverket, every year together.
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let start = officer.get("/").await;
    let waiting = start.select(".waiting li");
    assert!(
        waiting
            .iter()
            .any(|w| w
                .starts_with("Återbetalning och ekonomisk redovisning till Kammarkollegiet 2024")),
        "{waiting:?}"
    );
    assert!(
        waiting
            .iter()
            .any(|w| w.starts_with("Rekvisition från Kammarkollegiet 2025")),
        "{waiting:?}"
    );
}
