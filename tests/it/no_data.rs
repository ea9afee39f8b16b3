//! A year without data is not a year of zeros (issue 27): a year with neither cases nor
//! imported history reads *ingen uppgift i Digikoord* (or `–`, explained on the page) on
//! the overview, the multi-year view, the trend chart, the 26 March document and the
//! region's own page; imported history shows on the region's page; and no page counts
//! days or suggests a later date for a year long past.

use std::io::Read;

use digikoord::auth::Role;
use reqwest::StatusCode;

use crate::{
    Page, TestApp,
    steps::{SKANE, STOCKHOLM, on, paid_in},
};

/// Whether a text counts days: a number followed by "dag"/"dagar" ("977 dagar sedan",
/// "Förfallen, 3 dagar"). "sista dagar" is not a count.
fn counts_days(text: &str) -> bool {
    let words: Vec<&str> = text.split_whitespace().collect();
    words.windows(2).any(|w| {
        w[0].trim_matches(|c: char| !c.is_ascii_digit())
            .parse::<u32>()
            .is_ok()
            && w[1].starts_with("dag")
    })
}

/// The row of the multi-year view that starts with `year`.
fn year_row(page: &Page, year: &str) -> String {
    page.select("table.years tbody tr")
        .into_iter()
        .find(|r| r.starts_with(year))
        .unwrap_or_else(|| panic!("no row for {year}"))
}

/// Uploads a history sheet of `rows` through the import page and loads it, as an
/// administrator does.
async fn import_history(admin: &TestApp, rows: &[&str]) {
    let mut text = format!(
        "\u{feff}{}\r\n",
        digikoord::history::model::COLUMNS.join(";")
    );
    for r in rows {
        text.push_str(r);
        text.push_str("\r\n");
    }
    let page = admin.get("/admin/historik").await;
    let action = page
        .attr("form[enctype='multipart/form-data']", "action")
        .expect("an upload form");
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(text.into_bytes()).file_name("historik.csv"),
    );
    let uploaded = TestApp::page_of(
        admin
            .client
            .post(admin.url(&action))
            .multipart(form)
            .send()
            .await
            .expect("upload"),
    )
    .await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.plain()
    );
    let preview = admin.follow(uploaded).await;
    let load = preview
        .attr("form[action$='/las-in']", "action")
        .expect("load button");
    let loaded = admin.post(&load, &[("csrf", &preview.csrf())]).await;
    assert_eq!(loaded.status, StatusCode::SEE_OTHER, "{}", loaded.plain());
}

/// The draft DOCX of the year's summary, its table cells as text in document order.
async fn docx_cells(admin: &TestApp, year: i32) -> (Vec<String>, String) {
    crate::steps::cover_filled_in(admin, year).await;
    let response = admin
        .client
        .get(admin.url(&format!("/sammanstallning/{year}/utkast/docx")))
        .send()
        .await
        .expect("draft");
    assert_eq!(response.status(), StatusCode::OK);
    let bytes = response.bytes().await.expect("bytes").to_vec();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("utf-8");
    let cells = xml
        .split("</w:tc>")
        .filter_map(|chunk| chunk.rfind("<w:tc").map(|at| &chunk[at..]))
        .map(|cell| runs(cell).replace('\u{a0}', " "))
        .collect();
    (cells, runs(&xml).replace('\u{a0}', " "))
}

/// The text of the `<w:t>` runs in a piece of WordprocessingML.
fn runs(xml: &str) -> String {
    let mut out = String::new();
    for piece in xml.split("<w:t").skip(1) {
        // `<w:t>` and `<w:t xml:space=…>`, not `<w:tc>`, `<w:tr>`, `<w:tbl>`, `<w:tab/>`.
        if !(piece.starts_with('>') || piece.starts_with(' ')) {
            continue;
        }
        let Some(open_end) = piece.find('>') else {
            continue;
        };
        if piece[..open_end].ends_with('/') {
            continue;
        }
        let body = &piece[open_end + 1..];
        if let Some(end) = body.find("</w:t>") {
            out.push_str(&body[..end]);
        }
        out.push(' ');
    }
    out
}

/// The `n` cells after the first cell that reads `first`.
fn after<'a>(cells: &'a [String], first: &str, n: usize) -> Vec<&'a str> {
    let at = cells
        .iter()
        .position(|c| c.trim() == first)
        .unwrap_or_else(|| panic!("no cell {first:?} in {cells:?}"));
    cells[at + 1..at + 1 + n].iter().map(|c| c.trim()).collect()
}

#[tokio::test]
async fn a_year_without_data_reads_ingen_uppgift_on_the_overview_and_the_multi_year_view() {
    let app = TestApp::spawn_on(on(2026, 3, 1)).await;
    paid_in(&app, 2025, STOCKHOLM, "1000000").await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;

    // 2023: nobody has a case and nothing was imported.
    let overview = officer.get("/oversikt?ar=2023").await;
    assert_eq!(overview.status, StatusCode::OK);
    let totals = overview.select("table.totals td.amount");
    assert_eq!(totals.len(), 7);
    assert!(totals.iter().all(|t| t == "–"), "{totals:?}");
    assert!(
        overview
            .plain()
            .contains("Ingen uppgift i Digikoord för 2023"),
        "{}",
        overview.plain()
    );
    assert!(overview.plain().contains("– = ingen uppgift i Digikoord"));
    let paid = overview.select("table.overview tbody td.payout");
    assert_eq!(paid.len(), 21);
    assert!(paid.iter().all(|p| p == "–"), "not Ej utbetald: {paid:?}");
    assert!(
        overview.select("svg.chart").is_empty(),
        "no chart of zeros for a year without figures"
    );

    // 2025 has a case: its totals are figures, and the actors without a requisition took
    // no funds that year (the offer is voluntary), which Digikoord knows.
    let overview = officer.get("/oversikt?ar=2025").await;
    assert_eq!(overview.select(".total-paid-out"), vec!["1 000 000 kr"]);
    let paid = overview.select("table.overview tbody td.payout");
    assert_eq!(
        paid.iter().filter(|p| p.contains("1 000 000 kr")).count(),
        1
    );
    assert_eq!(paid.iter().filter(|p| *p == "Ej utbetald").count(), 20);
    assert!(
        !overview
            .plain()
            .contains("Ingen uppgift i Digikoord för 2025")
    );

    // The multi-year view: 2018–2024 have no figures, not 0 kr.
    let years = officer.get("/oversikt/alla-ar").await;
    assert!(years.plain().contains("– = ingen uppgift i Digikoord"));
    for year in 2018..=2024 {
        let row = year_row(&years, &year.to_string());
        assert!(
            row.contains("Ingen uppgift i Digikoord") && row.contains('–'),
            "{row}"
        );
        assert!(!row.contains("0 kr"), "{row}");
    }
    let row = year_row(&years, "2025");
    assert!(
        row.contains("1 000 000 kr") && row.contains("Digikoord"),
        "{row}"
    );
    assert!(!row.contains("Ingen uppgift"), "{row}");

    // The multi-year view's one query knows what each year loaded whole knows.
    for line in digikoord::summary::db::trend(&Default::default(), &app.db)
        .await
        .expect("trend")
    {
        let year = digikoord::summary::db::load_year(&app.db, line.year)
            .await
            .expect("load")
            .expect("year");
        assert_eq!(
            line.coverage,
            digikoord::summary::model::Coverage::of_year(&year),
            "{}",
            line.year
        );
        assert_eq!(line.known_totals().is_some(), line.year == 2025);
    }
}

#[tokio::test]
async fn the_trend_chart_leaves_a_marked_gap_for_a_year_without_figures_not_a_bar_of_zero() {
    let app = TestApp::spawn_on(on(2026, 3, 1)).await;
    paid_in(&app, 2025, STOCKHOLM, "1000000").await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let summary = officer.get("/sammanstallning?ar=2025").await;
    assert_eq!(summary.status, StatusCode::OK);
    let trend = "svg[aria-labelledby^='trend']";
    assert_eq!(
        summary.attrs(
            &format!("{trend} rect[data-series='Utbetalt'][data-label='2025']"),
            "data-value"
        ),
        vec!["1000000.00"]
    );
    for year in 2018..=2024 {
        assert!(
            summary
                .attrs(&format!("{trend} rect[data-label='{year}']"), "data-value")
                .is_empty(),
            "{year} is drawn as bars"
        );
        assert_eq!(
            summary
                .attrs(&format!("{trend} g.no-data[data-label='{year}']"), "class")
                .len(),
            1,
            "{year} is not marked"
        );
    }
    let desc = summary.select(&format!("{trend} desc")).join(" ");
    assert!(desc.contains("2023: ingen uppgift i Digikoord"), "{desc}");
    assert!(!desc.contains("2023: utbetalt"), "{desc}");
    assert!(
        summary
            .select(&format!("{trend} .no-data-legend"))
            .contains(&"– = ingen uppgift i Digikoord".to_string())
    );
}

#[tokio::test]
async fn the_26_march_document_says_ingen_uppgift_for_years_without_figures_not_0_kr() {
    let app = TestApp::spawn_on(on(2026, 3, 1)).await;
    paid_in(&app, 2025, STOCKHOLM, "1000000").await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;

    // The 2025 report's year-by-year table: 2018–2024 were not paid 0 kr.
    let (cells, text) = docx_cells(&admin, 2025).await;
    assert_eq!(after(&cells, "2025", 1), vec!["1 000 000 kr"]);
    for year in 2018..=2024 {
        assert_eq!(
            after(&cells, &year.to_string(), 3),
            vec!["–", "–", "–"],
            "{year}"
        );
    }
    // The document says so in its own words: its reader knows no Digikoord.
    assert!(text.contains("– = uppgift saknas"), "{text}");
    assert!(!text.contains("Digikoord"), "{text}");

    // A report for a year without figures: its finance table has no amounts, not zeros.
    let (cells, text) = docx_cells(&admin, 2023).await;
    assert_eq!(after(&cells, "Summa", 9), vec!["–"; 9]);
    assert!(
        text.contains("– = uppgift saknas: Tillväxtverket har inga uppgifter om 2023."),
        "{text}"
    );
}

#[tokio::test]
async fn imported_history_shows_on_the_regions_own_page_marked_as_imported() {
    let app = TestApp::spawn_on(on(2026, 3, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    import_history(
        &admin,
        &["2019;Region Skåne;;1 000 000;1 000 000;2019-04-01;850 000;150 000;150 000;2020-02-20;2020-01-15"],
    )
    .await;

    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(SKANE)).await;
    let page = region.get("/?ar=2019").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.plain().contains("Inläst historik"), "{}", page.plain());
    let figure = |class: &str| page.select(&format!(".imported-history dd.{class}"));
    assert_eq!(figure("requisitioned"), vec!["1 000 000 kr"]);
    assert_eq!(figure("paid-out"), vec!["1 000 000 kr, 1 april 2019"]);
    assert_eq!(figure("used"), vec!["850 000 kr"]);
    assert_eq!(figure("unused"), vec!["150 000 kr"]);
    assert_eq!(figure("repaid"), vec!["150 000 kr, 20 februari 2020"]);
    assert_eq!(figure("report-approved"), vec!["15 januari 2020"]);
    // The year was not kept here: no steps, no days, no later date to ask for.
    assert!(page.select("table.obligations").is_empty());
    assert!(!counts_days(&page.plain()), "{}", page.plain());
    assert!(!page.plain().to_lowercase().contains("förlängd"));

    // A region without history for 2019 has no figures there: no data, not zeros.
    let other = app.other_browser();
    other
        .login_as(Role::Coordinator, Some("Region Halland"))
        .await;
    let page = other.get("/?ar=2019").await;
    assert!(page.select(".imported-history").is_empty());
    assert_eq!(
        page.select(".closed-year.no-data").len(),
        1,
        "{}",
        page.plain()
    );
}

#[tokio::test]
async fn no_page_counts_days_or_suggests_a_later_date_for_a_year_long_past() {
    // December 2026: 2024's deadlines are long past, and nobody kept 2024 in Digikoord.
    let app = TestApp::spawn_on(on(2026, 12, 3)).await;
    paid_in(&app, 2025, SKANE, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;

    let page = region.get("/?ar=2024").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select(".closed-year.no-data"),
        vec![
            "Ingen uppgift i Digikoord för 2024: året har varken ärenden eller inläst historik här. Det finns inget att göra för det i Digikoord."
        ]
    );
    // The year's dates stay as facts, with no days counted and nothing to do.
    let dates = page.select("table.closed-dates tbody tr");
    // 31 March 2024 was Easter Sunday and 1 April Easter Monday: söndagsregeln makes the
    // last day 2 April.
    assert!(
        dates[0].contains("Rekvisition av medel") && dates[0].contains("2 april 2024"),
        "{dates:?}"
    );
    assert!(
        !page
            .select("table.obligations thead th")
            .contains(&"Tid kvar".to_string())
    );
    assert!(page.select("a.start-requisition").is_empty());
    assert!(
        page.select(".refusal").is_empty(),
        "{:?}",
        page.select(".refusal")
    );
    let text = page.plain();
    assert!(!counts_days(&text), "{text}");
    assert!(!text.to_lowercase().contains("förlängd"), "{text}");
    assert!(!text.to_lowercase().contains("försenad"), "{text}");

    // 2025 was run in Digikoord (Skåne has a case); Stockholm filed nothing: it took no
    // funds, and that is all the page says.
    let page = region.get("/?ar=2025").await;
    assert_eq!(
        page.select(".closed-year.no-requisition"),
        vec![
            "Ni rekvirerade inga medel för 2025. Det finns inget att redovisa eller återbetala för året."
        ]
    );
    let text = page.plain();
    assert!(!counts_days(&text), "{text}");
    assert!(!text.to_lowercase().contains("förlängd"), "{text}");

    // Staff's pages of the past year count no days either.
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    for path in ["/oversikt?ar=2024", "/oversikt/alla-ar"] {
        let page = officer.get(path).await;
        assert_eq!(page.status, StatusCode::OK, "{path}");
        assert!(!counts_days(&page.plain()), "{path}: {}", page.plain());
        assert!(
            page.plain().contains("ingen uppgift i Digikoord"),
            "{path}: {}",
            page.plain()
        );
    }
}

#[test]
fn counting_days_is_a_number_before_dag() {
    assert!(counts_days("Passerad för 977 dagar sedan"));
    assert!(counts_days("Förfallen, 1 dag"));
    assert!(!counts_days("alla aktörer har årets egna sista dagar."));
}
