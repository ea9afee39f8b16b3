//! Heavy work never starves light work (issue 29): a whole year's export and the documents
//! to Kammarkollegiet wait in a bounded queue of their own (`digikoord::heavy`); when it is
//! full the answer is a clear "try again in a moment" at once, nothing is made or recorded,
//! and the pages keep answering. The test takes the server's one turn as a long export
//! would (`EXPORT_SLOTS=1`, `EXPORT_QUEUE=0`: nobody may wait).

use digikoord::auth::Role;
use reqwest::StatusCode;

use crate::{TestApp, steps::on};

async fn exports_kept(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM summary_exports")
        .fetch_one(&app.db)
        .await
        .expect("count")
}

/// The administrator asks for a draft of the year's XLSX, as a download.
async fn draft(admin: &TestApp) -> reqwest::Response {
    admin
        .client
        .get(admin.url("/sammanstallning/2025/utkast/xlsx"))
        .send()
        .await
        .expect("draft")
}

#[tokio::test]
async fn a_full_export_queue_says_try_again_does_nothing_and_the_pages_still_answer() {
    let app = TestApp::spawn_with(
        on(2026, 3, 20),
        &[("EXPORT_SLOTS", "1"), ("EXPORT_QUEUE", "0")],
    )
    .await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let heavy = app.heavy.clone().expect("a server in this process");

    // Another export has the only turn.
    let held = heavy.turn().await.expect("the only turn");
    let response = draft(&admin).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(
        response
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok()),
        Some("10")
    );
    let busy = TestApp::page_of(response).await;
    assert_eq!(
        busy.select("h1"),
        vec!["Försök igen om en stund"],
        "{}",
        busy.text
    );
    assert!(busy.text.contains("Ingenting har gjorts"), "{}", busy.text);
    assert!(
        !busy.select("nav a").is_empty(),
        "the busy page is a page of the site, with its menu: {}",
        busy.text
    );

    // A kept document waits its turn the same way: nothing is made, nothing recorded.
    let before = exports_kept(&app).await;
    let audited = app.audit_count("agency_document.exported").await;
    let refused = admin
        .submit(
            "/konto?ar=2025",
            "/konto/2025/dokument",
            &[("document", "ekonomisk-redovisning"), ("format", "xlsx")],
        )
        .await;
    assert_eq!(
        refused.status,
        StatusCode::SERVICE_UNAVAILABLE,
        "{}",
        refused.plain()
    );
    assert_eq!(exports_kept(&app).await, before);
    assert_eq!(app.audit_count("agency_document.exported").await, audited);

    // The pages people click through answer meanwhile.
    for path in ["/", "/oversikt?ar=2025", "/sammanstallning?ar=2025"] {
        let page = admin.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.plain());
    }

    // When the turn is free again, the export is made.
    drop(held);
    let response = draft(&admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("bytes");
    assert!(bytes.starts_with(b"PK"), "an XLSX (a zip)");
    assert_eq!(heavy.free(), 1, "the turn is given back after the export");
    assert_eq!(heavy.waiting(), 0);
}
