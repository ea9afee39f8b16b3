//! The programme across years: the start pages' open obligations of every year, the
//! import of earlier years from a spreadsheet, and the multi-year view.

use chrono::NaiveDate;
use digikoord::{Clock, auth::Role};
use reqwest::StatusCode;

use crate::{
    TestApp,
    steps::{SKANE, STOCKHOLM, complete, count, file, on, paid_in, requisition_id, send_in},
};

#[tokio::test]
async fn in_february_the_start_page_shows_last_years_report_and_this_years_requisition() {
    let app = TestApp::spawn_on(on(2025, 2, 10)).await;
    paid_in(&app, 2024, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
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
        !waiting.iter().any(|w| w.contains("2023")),
        "only years run in Digikoord: {waiting:?}"
    );
}

/// Uploads `bytes` as `name` through the import page's form, as a browser does.
async fn upload(admin: &TestApp, name: &str, bytes: Vec<u8>) -> crate::Page {
    let page = admin.get("/admin/historik").await;
    let action = page
        .attr("form[enctype='multipart/form-data']", "action")
        .expect("an upload form");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let response = admin
        .client
        .post(admin.url(&action))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    TestApp::page_of(response).await
}

/// Uploads a sheet of `rows` and returns its preview's load action and CSRF token.
async fn ready_to_load(admin: &TestApp, rows: &[&str]) -> (String, String) {
    let uploaded = upload(admin, "historik.csv", sheet(rows)).await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.plain()
    );
    let preview = admin.follow(uploaded).await;
    let action = preview
        .attr("form[action$='/las-in']", "action")
        .expect("load button");
    (action, preview.csrf())
}

fn sheet(rows: &[&str]) -> Vec<u8> {
    let mut text = format!(
        "\u{feff}{}\r\n",
        digikoord::history::model::COLUMNS.join(";")
    );
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    text.into_bytes()
}

const GOOD: [&str; 3] = [
    "2019;Region Skåne;;1 000 000;1 000 000;2019-04-01;850 000;150 000;150 000;2020-02-20;2020-01-15",
    "2019;;232100-0115;1 000 000;900 000,50;2019-04-03;900 000,50;0;;;2020-01-20",
    "2020;Region Halland;;1 000 000;1 000 000;2020-04-02;;;;;",
];

#[tokio::test]
async fn a_history_sheet_with_one_bad_row_is_refused_with_the_row_named_and_nothing_written() {
    let app = TestApp::spawn_on(on(2025, 5, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let mut rows = GOOD.to_vec();
    rows.insert(
        1,
        "2019;Region Kronoberg;;1 000 000;1 200 000;2019-04-01;;;;;",
    );
    let refused = upload(&admin, "historik.csv", sheet(&rows)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = refused.select("table.import-problems tbody tr");
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(
        problems[0].starts_with("3Utbetalt") && problems[0].contains("mer än rekvirerat"),
        "{problems:?}"
    );
    // An actor not in the year, and a year that is not a programme year, named too.
    let refused = upload(
        &admin,
        "historik.csv",
        sheet(&[
            "2019;Region Atlantis;;1 000 000;;;;;;;",
            "2030;Region Skåne;;1;;;;;;;",
        ]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let problems = refused.select("table.import-problems tbody tr");
    assert!(
        problems[0].contains("finns inte bland aktörerna 2019"),
        "{problems:?}"
    );
    assert!(
        problems[1].contains("2030 är inte ett programår"),
        "{problems:?}"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM history_uploads").await, 0);
    assert_eq!(
        count(&app, "SELECT count(*) FROM imported_actor_years").await,
        0
    );
}

#[tokio::test]
async fn a_good_history_sheet_loads_all_at_once_and_its_years_appear_everywhere_marked_imported() {
    let app = TestApp::spawn_on(on(2025, 5, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    for file in ["mall.xlsx", "mall.csv"] {
        let template = admin.get(&format!("/admin/historik/filer/{file}")).await;
        assert_eq!(template.status, StatusCode::OK, "{file}");
    }
    let uploaded = upload(&admin, "historik.csv", sheet(&GOOD)).await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.plain()
    );
    let preview = admin.follow(uploaded).await;
    assert_eq!(preview.select("table.import-preview tbody tr").len(), 3);
    assert_eq!(preview.select(".preview-paid-out"), vec!["2 900 000,50 kr"]);
    assert_eq!(
        count(&app, "SELECT count(*) FROM imported_actor_years").await,
        0,
        "not before it is loaded"
    );
    let action = preview
        .attr("form[action$='/las-in']", "action")
        .expect("load button");
    let csrf = preview.csrf();
    let loaded = admin.post(&action, &[("csrf", &csrf)]).await;
    assert_eq!(loaded.status, StatusCode::SEE_OTHER, "{}", loaded.plain());
    assert_eq!(
        admin.post(&action, &[("csrf", &csrf)]).await.status,
        StatusCode::CONFLICT,
        "loaded once"
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM imported_actor_years").await,
        3
    );
    assert_eq!(app.audit_count("history.loaded").await, 1);

    let years = admin.follow(loaded).await;
    let row = |y: &str| {
        years
            .select("table.years tbody tr")
            .into_iter()
            .find(|r| r.starts_with(y))
            .unwrap_or_else(|| panic!("{y}"))
    };
    assert!(row("2019").contains("1 900 000,50 kr"), "{}", row("2019"));
    assert!(
        row("2019").contains("2 av 21 importerade"),
        "{}",
        row("2019")
    );
    assert!(row("2018").contains("Digikoord"));

    let overview = admin.get("/oversikt?ar=2019").await;
    let skane = overview
        .select("table.overview tbody tr")
        .into_iter()
        .find(|r| r.starts_with("Landstinget i Skåne län"))
        .expect("Skåne under its 2019 name");
    assert!(skane.contains("Godkänd (importerad)"), "{skane}");
    assert_eq!(overview.select(".total-paid-out"), vec!["1 900 000,50 kr"]);
    let summary = admin.get("/sammanstallning?ar=2019").await;
    assert_eq!(summary.select(".sum-used"), vec!["1 750 000,50 kr"]);
    assert_eq!(summary.select(".sum-repaid"), vec!["150 000 kr"]);
    // A year's requisition in Digikoord can't be overwritten by an import.
    paid_in(&app, 2021, SKANE, "1000000").await;
    let refused = upload(
        &admin,
        "2021.csv",
        sheet(&["2021;Region Skåne;;1 000 000;;;;;;;"]),
    )
    .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused
            .plain()
            .contains("har en rekvisition för 2021 i Digikoord")
    );
    // The trend's one query says what each year loaded whole says, imported years too.
    crate::history::trend_agrees_with_each_year(&app).await;
    // Only administrators import; staff read the years.
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    assert_eq!(
        officer.get("/admin/historik").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        officer.get("/oversikt/alla-ar").await.status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn the_charts_figures_equal_those_in_their_tables() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let app = TestApp::spawn_on(Clock::Fixed(today)).await;
    digikoord::seed::demo(&app.db, today).await.expect("demo");
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;

    let overview = admin.get("/oversikt?ar=2025").await;
    let bars = overview.attrs("svg.chart g.bar", "data-value");
    let table: Vec<String> = overview
        .select("table.progress-table tbody td")
        .iter()
        .map(|c| c.split(' ').next().unwrap_or_default().to_string())
        .collect();
    assert_eq!(bars.len(), 5);
    assert_eq!(bars, table);
    assert!(
        overview.select("svg.chart desc")[0].contains("Utbetald: 21 av 21"),
        "a text alternative: {:?}",
        overview.select("svg.chart desc")
    );

    let summary = admin.get("/sammanstallning?ar=2025").await;
    // Every table has a caption, and every scrolling region can be reached by keyboard.
    for page in [&overview, &summary] {
        assert_eq!(
            page.select("table").len(),
            page.select("table > caption").len()
        );
        let wraps = page.attrs(".table-wrap", "tabindex");
        assert!(!wraps.is_empty() && wraps.iter().all(|t| t == "0"));
        assert_eq!(
            page.attrs(".table-wrap", "aria-label").len()
                + page.attrs(".table-wrap", "aria-labelledby").len(),
            wraps.len(),
            "each region is named"
        );
    }
    let used: Vec<rust_decimal::Decimal> = summary
        .attrs(
            "svg[aria-labelledby^='anvant'] rect[data-series='Använt']",
            "data-value",
        )
        .iter()
        .map(|v| v.parse().expect("number"))
        .collect();
    let used_sum: rust_decimal::Decimal = used.iter().sum();
    let total_used = summary.select(".sum-used")[0].clone();
    assert_eq!(
        digikoord::money::format_kronor(used_sum).replace('\u{a0}', " "),
        total_used,
        "the used bars of the actors add up to the table's total"
    );
    let trend_years = summary.select("table.trend-table tbody th");
    assert!(trend_years.contains(&"2025".to_string()) && trend_years.contains(&"2018".to_string()));
    let paid_2025 = summary.attrs(
        "svg[aria-labelledby^='trend'] rect[data-series='Utbetalt'][data-label='2025']",
        "data-value",
    );
    assert_eq!(
        paid_2025
            .iter()
            .map(|v| digikoord::money::format_kronor(v.parse().expect("n")).replace('\u{a0}', " "))
            .collect::<Vec<_>>(),
        summary.select(".sum-paid-out")
    );
}

#[tokio::test]
async fn open_data_shows_paid_out_and_settled_repayments_and_no_personal_data() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
    let app = TestApp::spawn_on(Clock::Fixed(today)).await;
    digikoord::seed::demo(&app.db, today).await.expect("demo");
    // Nobody logged in.
    let index = app.get("/oppna-data").await;
    assert_eq!(index.status, StatusCode::OK);
    let json = app.get("/oppna-data/2025.json").await;
    assert_eq!(json.status, StatusCode::OK);
    let data: serde_json::Value = serde_json::from_str(&json.text).expect("json");
    assert_eq!(data["actors"].as_array().map(Vec::len), Some(21));
    let paid: rust_decimal::Decimal = sqlx::query_scalar(
        "SELECT sum(p.paid_amount) FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
         WHERE r.year = 2025 AND p.state = 'paid'",
    )
    .fetch_one(&app.db)
    .await
    .expect("paid");
    assert_eq!(
        data["total_paid_out"]
            .as_str()
            .map(|s| s.parse::<rust_decimal::Decimal>().expect("n")),
        Some(paid)
    );
    // What is not settled is not published.
    assert!(
        data["actors"]
            .as_array()
            .expect("actors")
            .iter()
            .any(|a| a["repaid"].is_null())
    );
    let people: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT name, email, COALESCE(contact_phone, '') FROM users
         LEFT JOIN requisitions r ON r.created_by = users.id",
    )
    .fetch_all(&app.db)
    .await
    .expect("people");
    let csv = app.get("/oppna-data/2025.csv").await;
    for (name, email, phone) in &people {
        for text in [&json.text, &csv.text] {
            assert!(!text.contains(email.as_str()), "{email}");
            assert!(!text.contains(name.as_str()), "{name}");
            assert!(
                phone.is_empty() || !text.contains(phone.as_str()),
                "{phone}"
            );
        }
    }
    assert!(
        csv.text
            .trim_start_matches('\u{feff}')
            .starts_with("År;Aktör;Utbetalt;Återbetalt")
    );
    assert_eq!(
        app.get("/oppna-data/1999.json").await.status,
        StatusCode::NOT_FOUND
    );
    // Anonymous asking never takes the staff's turns of heavy work: with every turn held
    // (two exports being made, say), open data is still served.
    let heavy = app.heavy.clone().expect("a server in this process");
    let (_one, _two) = (
        heavy.turn().await.expect("a turn"),
        heavy.turn().await.expect("the other turn"),
    );
    assert_eq!(heavy.free(), 0, "every turn is held");
    let asked = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        app.other_browser().get("/oppna-data/2024.csv"),
    )
    .await
    .expect("open data is served while the staff's turns are taken");
    assert_eq!(asked.status, StatusCode::OK);
}

#[tokio::test]
async fn a_region_attaches_its_signed_requisition_and_staff_download_it() {
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let draft = file(&region, &complete("1 000 000"), "spara").await;
    let id = requisition_id(&draft);
    let page = format!("/rekvisitioner/{id}");
    let send = |name: &'static str, bytes: Vec<u8>| {
        let region = &region;
        let page = page.clone();
        async move {
            let action = region
                .get(&page)
                .await
                .attr("form[enctype='multipart/form-data']", "action")
                .expect("an upload form");
            let form = reqwest::multipart::Form::new().part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
            let response = region
                .client
                .post(region.url(&action))
                .multipart(form)
                .send()
                .await
                .expect("upload");
            TestApp::page_of(response).await
        }
    };
    let refused = send("virus.exe", b"MZ\x90\x00".to_vec()).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#file-error").len(), 1);
    let ok = send(
        "Underskriven rekvisition.pdf",
        b"%PDF-1.7\nsignerad".to_vec(),
    )
    .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.plain());
    let link = region
        .get(&page)
        .await
        .attr("ul.attachments a", "href")
        .expect("listed");
    // Sent in, the requisition is read by Tillväxtverket, with its document.
    send_in(&region, id, &complete("1 000 000")).await;
    assert!(
        region
            .get(&page)
            .await
            .select("form[enctype='multipart/form-data']")
            .is_empty(),
        "no more changes once it is sent in"
    );
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let file = officer
        .client
        .get(officer.url(&link))
        .send()
        .await
        .expect("download");
    assert_eq!(file.status(), StatusCode::OK);
    assert_eq!(
        file.bytes().await.expect("bytes").as_ref(),
        b"%PDF-1.7\nsignerad"
    );
    let other = app.other_browser();
    other.login_as(Role::Coordinator, Some(SKANE)).await;
    assert_eq!(other.get(&link).await.status, StatusCode::NOT_FOUND);
    assert_eq!(app.audit_count("requisition.attachment_added").await, 1);
}

#[tokio::test]
async fn two_uploads_of_the_same_actor_year_loaded_at_once_load_one_and_name_the_row_in_the_other()
{
    let app = TestApp::spawn_on(on(2025, 5, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let other = app.other_browser();
    other.login_as(Role::Admin, None).await;
    let mut actions = Vec::new();
    for (browser, row) in [
        (&admin, GOOD[0]),
        (
            &other,
            GOOD[0]
                .replace("850 000;150 000;150 000", "900 000;100 000;100 000")
                .as_str(),
        ),
    ] {
        actions.push(ready_to_load(browser, &[row]).await);
    }
    let first = [("csrf", actions[0].1.as_str())];
    let second = [("csrf", actions[1].1.as_str())];
    // Both loads are held where they write the actor-year (the row of the organisation
    // its key refers to is locked here) until both are under way, so they truly overlap.
    let mut hold = app.db.begin().await.expect("tx");
    sqlx::query("SELECT 1 FROM organisations WHERE name = 'Region Skåne' FOR UPDATE")
        .execute(&mut *hold)
        .await
        .expect("lock");
    let release = async {
        loop {
            let waiting: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
                 WHERE NOT l.granted AND a.datname = current_database()",
            )
            .fetch_one(&app.db)
            .await
            .expect("locks");
            if waiting >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
        hold.rollback().await.expect("release");
    };
    let (a, b, ()) = tokio::join!(
        admin.post(&actions[0].0, &first),
        other.post(&actions[1].0, &second),
        release,
    );
    let mut statuses = [a.status, b.status];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY],
        "{}\n{}",
        a.plain(),
        b.plain()
    );
    let refused = if a.status == StatusCode::SEE_OTHER {
        b
    } else {
        a
    };
    assert!(
        refused.plain().contains("2019 är redan inläst."),
        "{}",
        refused.plain()
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM imported_actor_years").await,
        1
    );
    assert_eq!(app.audit_count("history.loaded").await, 1);
    let loaded: i64 =
        sqlx::query_scalar("SELECT count(*) FROM history_uploads WHERE loaded_at IS NOT NULL")
            .fetch_one(&app.db)
            .await
            .expect("uploads");
    assert_eq!(loaded, 1, "the refused upload stays unloaded");
}

/// A client that gives up mid-request (a closed tab, a proxy's time limit) does not cut
/// the server's work off half-way: the load it asked for still completes, whole.
#[tokio::test]
async fn a_load_whose_client_gives_up_still_completes_whole() {
    let app = TestApp::spawn_on(on(2025, 5, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let (action, csrf) = ready_to_load(&admin, &GOOD).await;

    // Loads wait for one another; hold the lock they take, so this one waits in the middle.
    let mut hold = app.db.acquire().await.expect("connection");
    sqlx::query("SELECT pg_advisory_lock(hashtext('digikoord history load'))")
        .execute(&mut *hold)
        .await
        .expect("lock");
    let gave_up = tokio::time::timeout(
        std::time::Duration::from_millis(500),
        admin
            .client
            .post(admin.url(&action))
            .form(&[("csrf", &csrf)])
            .send(),
    )
    .await;
    assert!(gave_up.is_err(), "the load waited for the lock");
    let waiting = "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted";
    let still: i64 = sqlx::query_scalar(waiting)
        .fetch_one(&app.db)
        .await
        .expect("locks");
    sqlx::query("SELECT pg_advisory_unlock(hashtext('digikoord history load'))")
        .execute(&mut *hold)
        .await
        .expect("unlock");
    drop(hold);
    let mut loaded = 0;
    for _ in 0..100 {
        loaded = count(&app, "SELECT count(*) FROM imported_actor_years").await;
        if loaded > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        still, 1,
        "the server was still at work after the client left"
    );
    assert_eq!(loaded, 3, "the load completed, all of it");
    assert_eq!(app.audit_count("history.loaded").await, 1);
}

/// `summary::db::trend` (one query over every year's money) equals `load_year(y).totals()`
/// for every year, with the same counts of actors and imported actors.
pub async fn trend_agrees_with_each_year(app: &TestApp) {
    let trend = digikoord::summary::db::trend(&Default::default(), &app.db)
        .await
        .expect("trend");
    assert!(trend.len() >= 8, "{}", trend.len());
    for line in trend {
        let year = digikoord::summary::db::load_year(&app.db, line.year)
            .await
            .expect("load")
            .expect("year");
        assert_eq!(line.totals, year.totals(), "{}", line.year);
        assert_eq!(line.actors, year.actors.len(), "{}", line.year);
        // The overview's one aggregate query: the totals, coverage, progress and notes
        // `YearFigures::of` computes from the whole year.
        let mut conn = app.db.acquire().await.expect("connection");
        let figures = digikoord::summary::db::overview_figures(&mut conn, line.year)
            .await
            .expect("figures");
        assert_eq!(
            figures,
            digikoord::summary::model::YearFigures::of(&year),
            "{}",
            line.year
        );
        assert_eq!(
            line.imported,
            year.actors.iter().filter(|a| a.imported).count(),
            "{}",
            line.year
        );
    }
}

/// The most memory this test process has held (`VmHWM`), in MiB.
fn peak_memory_mib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .expect("VmHWM")
        / 1024
}

/// An XLSX-looking ZIP whose shared strings inflate to `size` bytes of one letter.
fn zip_bomb(size: usize) -> Vec<u8> {
    use std::io::Write;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(9));
    out.start_file("[Content_Types].xml", options)
        .expect("part");
    out.write_all(b"<Types/>").expect("write");
    out.start_file("xl/sharedStrings.xml", options)
        .expect("part");
    let chunk = vec![b'a'; 1024 * 1024];
    for _ in 0..size / chunk.len() {
        out.write_all(&chunk).expect("write");
    }
    out.finish().expect("zip").into_inner()
}

#[tokio::test]
async fn hostile_files_are_refused_not_parsed_and_the_server_keeps_serving() {
    let app = TestApp::spawn_on(on(2025, 5, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let bystander = app.other_browser();
    bystander.login_as(Role::CaseOfficer, None).await;
    let peak_before = peak_memory_mib();

    // Two cells, A1 and XFD1048576: a reader that lays out the sheet's dimensions asks for
    // 17 billion cells.
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.write_string(0, 0, "År").expect("A1");
    sheet
        .write_string(1_048_575, 16_383, "x")
        .expect("XFD1048576");
    let two_cells = book.save_to_buffer().expect("xlsx");
    assert!(two_cells.len() < 10 * 1024, "{}", two_cells.len());
    // Shared strings of 1 GiB in about a megabyte.
    let bomb = zip_bomb(1024 * 1024 * 1024);
    assert!(bomb.len() < 5 * 1024 * 1024, "{}", bomb.len());
    // Nine megabytes of separators: one row of nine million empty cells.
    let separators = ";".repeat(9 * 1024 * 1024).into_bytes();

    for (name, bytes) in [
        ("tva-celler.xlsx", two_cells),
        ("bomb.xlsx", bomb),
        ("semikolon.csv", separators),
    ] {
        let refused = upload(&admin, name, bytes).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        let problems = refused.select("table.import-problems tbody tr");
        assert!(
            problems.len() == 1 && problems[0].contains("större än ett blad"),
            "{name}: {problems:?}"
        );
        // The server answers the next request, the administrator's and anyone else's.
        assert_eq!(admin.get("/admin/historik").await.status, StatusCode::OK);
        assert_eq!(bystander.get("/").await.status, StatusCode::OK, "{name}");
    }
    assert_eq!(count(&app, "SELECT count(*) FROM history_uploads").await, 0);
    let grown = peak_memory_mib().saturating_sub(peak_before);
    assert!(
        grown < 512,
        "reading the hostile files raised the peak memory by {grown} MiB"
    );
}
