//! The overview and the yearly summary with a full year of realistic data (the demo year):
//! every total checked to the öre against sums computed independently in SQL, and each
//! export read back.

use std::io::Read;

use calamine::{Data, Reader, Xlsx};
use chrono::NaiveDate;
use digikoord::{Clock, auth::Role, error::violated_constraint};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    TestApp,
    steps::{dec, kr, sha256_hex},
};

/// The demo's year 2025 as it stands on 1 March 2026, while Tillväxtverket writes its
/// summary: 21 actors paid, all but one report approved, repayments confirmed, awaiting
/// confirmation and overdue.
pub(crate) async fn realistic_year() -> TestApp {
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let app = TestApp::spawn_on(Clock::Fixed(today)).await;
    digikoord::seed::demo(&app.db, today).await.expect("demo");
    app
}

/// The year's totals, computed straight from the tables, not by the application.
struct Expected {
    requisitioned: Decimal,
    paid_out: Decimal,
    used: Decimal,
    owed: Decimal,
    repaid: Decimal,
    outstanding: Decimal,
}

async fn expected(app: &TestApp) -> Expected {
    let (requisitioned, paid_out, used, owed, repaid, outstanding): (Decimal, Decimal, Decimal, Decimal, Decimal, Decimal) = sqlx::query_as(
        "WITH approved AS (
             SELECT DISTINCT ON (organisation_id) organisation_id, used, unused FROM reports
             WHERE year = 2025 AND state = 'approved' ORDER BY organisation_id, version DESC),
         received AS (
             SELECT organisation_id, sum(received_amount) AS received FROM repayment_payments
             WHERE year = 2025 AND state = 'confirmed' GROUP BY organisation_id)
         SELECT
             (SELECT COALESCE(sum(amount), 0) FROM requisitions WHERE year = 2025 AND state NOT IN ('draft', 'withdrawn', 'rejected')),
             (SELECT COALESCE(sum(p.paid_amount), 0) FROM payouts p JOIN requisitions r ON r.id = p.requisition_id WHERE r.year = 2025 AND p.state = 'paid'),
             (SELECT COALESCE(sum(used), 0) FROM approved),
             (SELECT COALESCE(sum(unused), 0) FROM approved),
             (SELECT COALESCE(sum(received), 0) FROM received),
             -- Still to repay as the totals count it: by the approved reports only (a
             -- submitted one's is shown apart, in a note).
             (SELECT COALESCE(sum(GREATEST(b.unused - COALESCE(r.received, 0), 0)), 0)
              FROM approved b LEFT JOIN received r USING (organisation_id))",
    )
    .fetch_one(&app.db)
    .await
    .expect("expected totals");
    Expected {
        requisitioned,
        paid_out,
        used,
        owed,
        repaid,
        outstanding,
    }
}

#[tokio::test]
async fn the_overview_shows_each_actors_state_marks_what_is_overdue_and_adds_up() {
    let app = realistic_year().await;
    let staff = app.other_browser();
    staff.login_as(Role::CaseOfficer, None).await;
    let page = staff.get("/oversikt?ar=2025").await;
    assert_eq!(page.status, StatusCode::OK);
    let rows = page.select("table.overview tbody tr");
    assert_eq!(rows.len(), 21);
    let row = |name: &str| {
        rows.iter()
            .find(|r| r.starts_with(name))
            .cloned()
            .unwrap_or_else(|| panic!("{name}"))
    };
    // Region Värmland's report, returned for completion, is in again.
    assert!(row("Region Värmland").contains("Inskickad"), "{rows:?}");
    assert!(row("Gotlands kommun").contains("Inget att återbetala"));
    // Three repayments are past their deadline: two not paid, and Region Värmland's, owed
    // by its submitted report (in since 24 January) though not yet approved. Region
    // Stockholm registered its whole repayment: nothing is left for it to pay while
    // Tillväxtverket confirms it (issue 28), so no days count against it.
    assert_eq!(
        rows.iter()
            .filter(|r| r.contains("Förfallen, 3 dagar"))
            .count(),
        3,
        "{rows:?}"
    );
    assert!(row("Region Värmland").contains("Att betala"));
    assert!(!row("Region Stockholm").contains("Förfallen"));
    assert!(
        row("Region Stockholm").contains("väntar på Tillväxtverkets bekräftelse"),
        "{}",
        row("Region Stockholm")
    );
    // Each cell links to its case.
    assert!(
        page.attr("table.overview td.requisition a", "href")
            .is_some_and(|h| h.starts_with("/rekvisitioner/"))
    );
    assert!(
        page.attr("table.overview td.report a", "href")
            .is_some_and(|h| h.starts_with("/redovisningar/"))
    );

    let e = expected(&app).await;
    assert_eq!(
        page.select(".total-requisitioned"),
        vec![kr(e.requisitioned)]
    );
    assert_eq!(page.select(".total-paid-out"), vec![kr(e.paid_out)]);
    assert_eq!(page.select(".total-used"), vec![kr(e.used)]);
    assert_eq!(page.select(".total-owed"), vec![kr(e.owed)]);
    assert_eq!(page.select(".total-repaid"), vec![kr(e.repaid)]);
    assert_eq!(page.select(".total-outstanding"), vec![kr(e.outstanding)]);
    assert!(page.plain().contains("21 000 000 kr (21 × 1 000 000 kr)"));

    let action = staff.get("/oversikt?ar=2025&atgard=1").await;
    let needing = action.select("table.overview tbody tr");
    assert!(
        !needing.is_empty() && needing.len() < 21,
        "{}",
        needing.len()
    );
    assert!(
        needing.iter().all(|r| !r.contains("Reglerad")),
        "settled actors need nothing"
    );
    let by_state = staff.get("/oversikt?ar=2025&sortera=lage").await;
    let first = by_state.select("table.overview tbody tr th");
    assert_eq!(first[0], "Region Värmland", "{first:?}");
}

#[tokio::test]
async fn the_summary_and_every_export_agree_to_the_ore_with_independent_sums() {
    let app = realistic_year().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let e = expected(&app).await;

    let page = admin.get("/sammanstallning?ar=2025").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select(".sum-paid-out"), vec![kr(e.paid_out)]);
    assert_eq!(page.select(".sum-used"), vec![kr(e.used)]);
    assert_eq!(page.select(".sum-owed"), vec![kr(e.owed)]);
    assert_eq!(page.select(".sum-repaid"), vec![kr(e.repaid)]);
    assert_eq!(page.select(".sum-outstanding"), vec![kr(e.outstanding)]);
    let (yes, approved, activities, participants): (i64, i64, i64, i64) = sqlx::query_as(
        "WITH approved AS (SELECT DISTINCT ON (organisation_id) id, self_assessment FROM reports
                           WHERE year = 2025 AND state = 'approved' ORDER BY organisation_id, version DESC)
         SELECT (SELECT count(*) FROM approved WHERE self_assessment = 'yes'), (SELECT count(*) FROM approved),
                (SELECT count(*) FROM report_activities WHERE report_id IN (SELECT id FROM approved)),
                (SELECT COALESCE(sum(participants), 0) FROM report_activities WHERE report_id IN (SELECT id FROM approved))",
    )
    .fetch_one(&app.db)
    .await
    .expect("counts");
    assert_eq!(
        page.select(".assessments .yes"),
        vec![format!("{yes} av {approved}")]
    );
    assert_eq!(
        page.select(".activity-total"),
        vec![format!(
            "{activities} aktiviteter, {participants} deltagare."
        )]
    );
    let missing = page.select(".missing-reports")[0].clone();
    assert!(
        missing.contains("Godkänd redovisning saknas för 1 aktör: Region Värmland (inskickad)"),
        "{missing}"
    );

    // Tillväxtverket's sections are written on the page and saved with the year.
    let saved = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/avsnitt",
            &[("analysis", "Verksamheten har stärkt det regionala arbetet; digital trygghet behöver förstärkas."), ("innovation_hubs", "Samverkan med EDIH-naven har ökat."), ("digg_views", "DIGG delar bedömningen."), ("case_number", "Ä 2026-0042")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = admin.get("/sammanstallning?ar=2025").await;
    assert_eq!(
        page.select("#innovation_hubs"),
        vec!["Samverkan med EDIH-naven har ökat."]
    );

    let mut files = std::collections::HashMap::new();
    for format in ["csv", "json", "xlsx", "docx"] {
        let created = admin
            .submit(
                "/sammanstallning?ar=2025",
                "/sammanstallning/2025/exporter",
                &[("format", format)],
            )
            .await;
        assert_eq!(created.status, StatusCode::SEE_OTHER, "{format}");
        let id: Uuid = sqlx::query_scalar("SELECT id FROM summary_exports WHERE format::text = $1")
            .bind(format)
            .fetch_one(&app.db)
            .await
            .expect("recorded");
        let response = admin
            .client
            .get(admin.url(&format!("/sammanstallning/exporter/{id}")))
            .send()
            .await
            .expect("download");
        assert_eq!(response.status(), StatusCode::OK);
        assert!(
            response.headers()["content-disposition"]
                .to_str()
                .expect("ascii")
                .starts_with("attachment;")
        );
        let bytes = response.bytes().await.expect("bytes").to_vec();
        let (sha, size): (String, i32) =
            sqlx::query_as("SELECT sha256, size FROM summary_exports WHERE id = $1")
                .bind(id)
                .fetch_one(&app.db)
                .await
                .expect("record");
        assert_eq!(size as usize, bytes.len());
        assert_eq!(
            sha,
            sha256_hex(&bytes),
            "{format}: the recorded checksum is the file's"
        );
        files.insert(format, bytes);
    }
    assert_eq!(app.audit_count("summary.exported").await, 4);

    // CSV: BOM, semicolons, decimal commas; the table's last line is the totals, and any
    // notes follow after an empty line.
    let csv = String::from_utf8(files["csv"].clone()).expect("utf-8");
    assert!(csv.starts_with('\u{feff}'));
    let table = csv.trim_end().split("\r\n\r\n").next().expect("the table");
    let lines: Vec<&str> = table.split("\r\n").collect();
    assert_eq!(lines.len(), 1 + 21 + 1);
    assert!(
        lines[0]
            .trim_start_matches('\u{feff}')
            .starts_with("Aktör;Ärende;Rekvirerat;Utbetalt")
    );
    let total: Vec<&str> = lines[22].split(';').collect();
    let csv_amount = |d: Decimal| format!("{:.2}", d).replace('.', ",");
    assert_eq!(total[0], "Summa");
    assert_eq!(total[3], csv_amount(e.paid_out));
    assert_eq!(total[8], csv_amount(e.used));
    assert_eq!(total[9], csv_amount(e.owed));
    assert_eq!(total[10], csv_amount(e.repaid));
    assert_eq!(total[11], csv_amount(e.outstanding));

    // JSON: the same table, exact decimals.
    let json: serde_json::Value = serde_json::from_slice(&files["json"]).expect("json");
    assert_eq!(json["actors"].as_array().map(Vec::len), Some(21));
    let total = |k: &str| dec(json["totals"][k].as_str().expect("decimal string"));
    assert_eq!(total("paid_out"), e.paid_out);
    assert_eq!(total("used"), e.used);
    assert_eq!(total("owed"), e.owed);
    assert_eq!(total("outstanding"), e.outstanding);
    let account = digikoord::repayments::db::agency_account(&app.db, 2025)
        .await
        .expect("account");
    assert_eq!(
        dec(json["agency"]["to_repay"].as_str().expect("string")),
        account.to_repay()
    );

    // XLSX: a sheet per part, figures as numbers.
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(files["xlsx"].clone()))
            .expect("xlsx opens");
    assert_eq!(
        book.sheet_names(),
        vec![
            "Ekonomi",
            "Aktiviteter",
            "Självskattning",
            "Behov och resultat",
            "Tillväxtverket"
        ]
    );
    let sheet = book.worksheet_range("Ekonomi").expect("Ekonomi");
    assert_eq!(sheet.get_value((0, 0)), Some(&Data::String("Aktör".into())));
    assert_eq!(
        sheet.get_value((22, 0)),
        Some(&Data::String("Summa".into()))
    );
    let number = |row: u32, col: u32| match sheet.get_value((row, col)) {
        Some(Data::Float(f)) => *f,
        other => panic!("({row},{col}) should be a number, is {other:?}"),
    };
    let close = |f: f64, d: Decimal| (f - d.to_string().parse::<f64>().expect("f64")).abs() < 0.005;
    assert!(close(number(22, 3), e.paid_out));
    assert!(close(number(22, 8), e.used));
    assert!(close(number(22, 11), e.outstanding));
    let tv = book.worksheet_range("Tillväxtverket").expect("sheet");
    assert_eq!(
        tv.get_value((4, 1)),
        Some(&Data::String("Samverkan med EDIH-naven har ökat.".into()))
    );

    // DOCX: the report document with its title, decision number, parts and appendices.
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(files["docx"].clone())).expect("docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("utf-8");
    for expected_text in [
        "Redovisning av de regionala digitaliseringskoordinatorernas verksamhet 2025",
        "I2021/00795",
        "3. Ekonomi",
        "5. Självskattning",
        "Bilaga: Region Blekinge",
        "Samverkan med EDIH-naven har ökat.",
        &kr(e.used).replace(' ', "\u{a0}"),
    ] {
        assert!(
            xml.contains(expected_text),
            "the DOCX lacks {expected_text:?}"
        );
    }
    // The charts: drawn as PNG pictures, each with its caption and its figures in a table.
    for caption in [
        "Figur 1. Använt och outnyttjat per aktör 2025",
        "Figur 2. Hur långt aktörerna har kommit 2025",
    ] {
        assert!(xml.contains(caption), "the DOCX lacks {caption:?}");
    }
    assert_eq!(
        xml.matches("<w:drawing>").count(),
        2 + usize::from(xml.contains("Figur 3."))
    );
    let pictures: Vec<String> = zip
        .file_names()
        .filter_map(|n| n.ok().map(String::from))
        .filter(|n| n.starts_with("word/media/") && n.ends_with(".png"))
        .collect();
    assert_eq!(
        pictures.len(),
        xml.matches("<w:drawing>").count(),
        "{pictures:?}"
    );
    for name in pictures {
        let mut png = Vec::new();
        zip.by_name(&name)
            .expect("picture")
            .read_to_end(&mut png)
            .expect("read");
        assert!(png.starts_with(b"\x89PNG"), "{name} is no PNG");
        assert!(png.len() > 5_000, "{name} is nearly empty");
    }
    assert!(
        xml.contains("Steg") && xml.contains(" av 21"),
        "the progress chart's figures as a table"
    );
}

#[tokio::test]
async fn a_submitted_export_is_kept_as_it_was_even_when_the_data_changes() {
    let app = realistic_year().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    // Every part 2025's report must have is written (it can't be submitted without).
    let written = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/avsnitt",
            &[
                ("summary", "Sammanfattning."),
                ("assignment", "Uppdraget."),
                ("analysis", "Analys."),
                ("innovation_hubs", "Hubbarna."),
                ("digg_views", "DIGG:s synpunkter."),
            ],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER);
    let exported = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            &[("format", "csv")],
        )
        .await;
    assert_eq!(
        exported.status,
        StatusCode::SEE_OTHER,
        "{}",
        exported.plain()
    );
    let (id, sha): (Uuid, String) = sqlx::query_as("SELECT id, sha256 FROM summary_exports")
        .fetch_one(&app.db)
        .await
        .expect("export");
    let marked = admin
        .submit(
            "/sammanstallning?ar=2025",
            &format!("/sammanstallning/exporter/{id}/inlamnad"),
            &[],
        )
        .await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER);
    let page = admin.follow(marked).await;
    assert!(page.select(".exports .submitted")[0].starts_with("Inlämnad"));
    let again = admin
        .submit(
            "/sammanstallning?ar=2025",
            &format!("/sammanstallning/exporter/{id}/inlamnad"),
            &[],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    // The data changes: a registered repayment is confirmed.
    let payment: Uuid =
        sqlx::query_scalar("SELECT id FROM repayment_payments WHERE state = 'registered' LIMIT 1")
            .fetch_one(&app.db)
            .await
            .expect("payment");
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let path = format!("/aterbetalningar/betalningar/{payment}/bekrafta");
    let confirmed = officer
        .submit(
            &path,
            &path,
            &[
                ("received_on", "2026-02-28"),
                ("received_amount", "1000"),
                ("verification_number", "V9"),
            ],
        )
        .await;
    assert_eq!(confirmed.status, StatusCode::SEE_OTHER);

    let kept = admin
        .client
        .get(admin.url(&format!("/sammanstallning/exporter/{id}")))
        .send()
        .await
        .expect("GET")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(sha256_hex(&kept), sha, "the submitted file is as it was");
    let exported = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            &[("format", "csv")],
        )
        .await;
    assert_eq!(
        exported.status,
        StatusCode::SEE_OTHER,
        "{}",
        exported.plain()
    );
    let shas: Vec<String> =
        sqlx::query_scalar("SELECT sha256 FROM summary_exports ORDER BY created_at")
            .fetch_all(&app.db)
            .await
            .expect("shas");
    assert_eq!(shas.len(), 2);
    assert_ne!(shas[0], shas[1], "a new export has the new figures");
    // The schema keeps it too.
    let constraint = |r: Result<sqlx::postgres::PgQueryResult, sqlx::Error>| {
        violated_constraint(&r.expect_err("kept as it was")).map(str::to_string)
    };
    let changed = sqlx::query(
        "UPDATE summary_exports SET bytes = 'x', sha256 = repeat('0', 64), size = 1 WHERE id = $1",
    )
    .bind(id)
    .execute(&app.db)
    .await;
    assert_eq!(constraint(changed).as_deref(), Some("summary_exports_kept"));
    let unsubmitted = sqlx::query(
        "UPDATE summary_exports SET submitted_at = NULL, submitted_by = NULL WHERE id = $1",
    )
    .bind(id)
    .execute(&app.db)
    .await;
    assert_eq!(
        constraint(unsubmitted).as_deref(),
        Some("summary_exports_kept")
    );
    let deleted = sqlx::query("DELETE FROM summary_exports WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await;
    // The submitted summary closes its year: no disposal run may remove it either
    // (retention, migration …220).
    assert_eq!(
        constraint(deleted).as_deref(),
        Some("summary_exports_closing_kept")
    );
}

#[tokio::test]
async fn only_staff_see_the_overview_and_only_administrators_export_and_write() {
    let app = realistic_year().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let exported = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            &[("format", "json")],
        )
        .await;
    assert_eq!(
        exported.status,
        StatusCode::SEE_OTHER,
        "{}",
        exported.plain()
    );
    let id: Uuid = sqlx::query_scalar("SELECT id FROM summary_exports")
        .fetch_one(&app.db)
        .await
        .expect("export");
    let before: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action <> 'auth.login'")
            .fetch_one(&app.db)
            .await
            .expect("count");
    let admin_posts = [
        "/sammanstallning/2025/avsnitt".to_string(),
        "/sammanstallning/2025/exporter".to_string(),
        format!("/sammanstallning/exporter/{id}/inlamnad"),
    ];
    let download = format!("/sammanstallning/exporter/{id}");

    let coordinator = app.other_browser();
    coordinator
        .login_as(Role::Coordinator, Some("Region Stockholm"))
        .await;
    for path in ["/oversikt", "/sammanstallning", download.as_str()] {
        assert_eq!(
            coordinator.get(path).await.status,
            StatusCode::FORBIDDEN,
            "coordinator GET {path}"
        );
    }
    for role in [Role::CaseOfficer, Role::Approver] {
        let staff = app.other_browser();
        staff.login_as(role, None).await;
        assert_eq!(
            staff.get("/oversikt").await.status,
            StatusCode::OK,
            "{role:?}"
        );
        let summary = staff.get("/sammanstallning").await;
        assert_eq!(summary.status, StatusCode::OK);
        assert!(
            summary.select("form[action$='/exporter']").is_empty(),
            "{role:?} sees no export form"
        );
        assert_eq!(
            staff.get(&download).await.status,
            StatusCode::FORBIDDEN,
            "{role:?} download"
        );
    }
    for role in [Role::Coordinator, Role::CaseOfficer, Role::Approver] {
        let browser = app.other_browser();
        browser
            .login_as(
                role,
                if role == Role::Coordinator {
                    Some("Region Skåne")
                } else {
                    None
                },
            )
            .await;
        let csrf = browser.get("/").await.csrf();
        for path in &admin_posts {
            let page = browser
                .post(
                    path,
                    &[("csrf", &csrf), ("format", "csv"), ("analysis", "x")],
                )
                .await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role:?} POST {path}");
        }
    }
    let anonymous = app.other_browser();
    for path in ["/oversikt", "/sammanstallning", download.as_str()] {
        assert_eq!(
            anonymous.get(path).await.location.as_deref(),
            Some("/logga-in")
        );
    }
    let after: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action <> 'auth.login'")
            .fetch_one(&app.db)
            .await
            .expect("count");
    assert_eq!(before, after, "nothing was changed");
}

#[tokio::test]
async fn an_administrator_downloads_a_draft_that_is_not_recorded() {
    let app = realistic_year().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let page = admin.get("/sammanstallning?ar=2025").await;
    let links = page.attrs(".drafts a", "href");
    assert_eq!(links.len(), 5, "{links:?}");
    let xlsx = admin
        .client
        .get(admin.url("/sammanstallning/2025/utkast/xlsx"))
        .send()
        .await
        .expect("draft");
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(
        xlsx.headers()["content-disposition"]
            .to_str()
            .expect("header")
            .contains("utkast-")
    );
    let bytes = xlsx.bytes().await.expect("bytes");
    let mut book: calamine::Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).expect("xlsx");
    use calamine::Reader;
    assert!(book.worksheet_range("Ekonomi").is_ok(), "the finance sheet");
    let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM summary_exports")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(recorded, 0, "a draft is not recorded");
    assert_eq!(
        admin.get("/sammanstallning/2025/utkast/odt").await.status,
        StatusCode::NOT_FOUND
    );
    let coordinator = app.other_browser();
    coordinator
        .login_as(Role::Coordinator, Some("Region Stockholm"))
        .await;
    assert_eq!(
        coordinator
            .get("/sammanstallning/2025/utkast/xlsx")
            .await
            .status,
        StatusCode::FORBIDDEN
    );
}

/// A programme of hundreds of actors: the overview's table comes a hundred rows a page,
/// the totals and the chart over all of them; the trend still adds up as each year does.
#[tokio::test]
async fn the_overview_of_a_big_programme_comes_in_pages_with_totals_over_all() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let app = TestApp::spawn_on(Clock::Fixed(today)).await;
    digikoord::seed::scale::scale(&app.db, 230, 2025..=2025, today, |_, _| {})
        .await
        .expect("scale");
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let first = officer.get("/oversikt?ar=2025").await;
    assert_eq!(first.select("table.overview tbody tr").len(), 100);
    assert_eq!(
        first.select("#overview-caption"),
        vec!["1–100 av 230 av 230 aktörer"]
    );
    assert_eq!(first.select(".pagination ul.pages li").len(), 3);
    let next = first.attr(".pagination a[rel=next]", "href").expect("next");
    assert!(next.contains("sida=2"), "{next}");
    let last = officer.get("/oversikt?ar=2025&sida=99").await;
    assert_eq!(
        last.select("table.overview tbody tr").len(),
        30,
        "the last page"
    );
    assert_eq!(
        last.select("#overview-caption"),
        vec!["201–230 av 230 av 230 aktörer"]
    );
    assert_eq!(
        first.select(".total-paid-out"),
        last.select(".total-paid-out"),
        "the totals are over all the actors on every page"
    );
    let names = |page: &crate::Page| page.select("table.overview tbody th");
    let second = officer.get(&next).await;
    assert!(
        names(&first).iter().all(|n| !names(&second).contains(n)),
        "no actor on two pages"
    );
    crate::history::trend_agrees_with_each_year(&app).await;
}
