//! The 26 March document reads as an agency's report (issue 28): it opens with
//! Tillväxtverket's *Sammanfattning* and *Uppdraget*, has *Resultat och effekter* as a part
//! of its own, and closes with who decided and who presented; it is not made while its cover
//! lacks the diarienummer; it carries its title and author; its tables are never below
//! 8 pt; the workbook's dates are dates and its tables filter; every format has one name.

use std::io::Read;

use calamine::{Data, Reader, Xlsx};
use digikoord::auth::Role;
use reqwest::StatusCode;

use crate::{TestApp, steps::on, summary::realistic_year};

/// A part of a file in the DOCX or XLSX zip, as text.
fn part(bytes: &[u8], name: &str) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).expect("a zip");
    let mut xml = String::new();
    zip.by_name(name)
        .unwrap_or_else(|_| panic!("{name} in the file"))
        .read_to_string(&mut xml)
        .expect("utf-8");
    xml
}

/// The text of the `<w:t>` runs in WordprocessingML, a paragraph a line.
fn words(xml: &str) -> String {
    let mut out = String::new();
    for paragraph in xml.split("</w:p>") {
        for piece in paragraph.split("<w:t").skip(1) {
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
        }
        out.push('\n');
    }
    out.replace('\u{a0}', " ").replace("&amp;", "&")
}

/// A draft of `year`'s summary in `format`, as the administrator's browser fetches it.
async fn draft(admin: &TestApp, year: i32, format: &str) -> (StatusCode, Vec<u8>) {
    let response = admin
        .client
        .get(admin.url(&format!("/sammanstallning/{year}/utkast/{format}")))
        .send()
        .await
        .expect("draft");
    let status = response.status();
    (status, response.bytes().await.expect("bytes").to_vec())
}

async fn admin_on_20_march() -> (TestApp, TestApp) {
    let app = TestApp::spawn_on(on(2026, 3, 20)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    (app, admin)
}

#[tokio::test]
async fn the_report_opens_with_its_summary_and_assignment_and_closes_with_who_decided() {
    let (app, admin) = admin_on_20_march().await;
    let saved = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/avsnitt",
            &[
                ("report_date", "2026-03-20"),
                ("case_number", "Ä 2026-0042"),
                (
                    "summary",
                    "Koordinatorerna har stärkt det regionala arbetet.",
                ),
                (
                    "assignment",
                    "Tillväxtverket ska lämna stöd till koordinatorerna.",
                ),
                ("analysis", "Analysen."),
                ("innovation_hubs", "Hubbarna."),
                ("digg_views", "DIGG:s synpunkter."),
                ("decided_by", "generaldirektör Anna Andersson"),
                ("presented_by", "handläggare Bo Berg."),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    assert_eq!(app.audit_count("summary.sections_saved").await, 1);
    // The page keeps what was written, in its fields.
    let page = admin.get("/sammanstallning?ar=2025").await;
    assert_eq!(
        page.select("#summary"),
        vec!["Koordinatorerna har stärkt det regionala arbetet."]
    );
    assert_eq!(
        page.attr("#decided_by", "value").as_deref(),
        Some("generaldirektör Anna Andersson")
    );

    let (status, bytes) = draft(&admin, 2025, "docx").await;
    assert_eq!(status, StatusCode::OK);
    let xml = part(&bytes, "word/document.xml");
    let text = words(&xml);
    // In the body, after the table of contents (which lists the same headings).
    let body = text
        .rfind("1. Sammanfattning")
        .map(|at| &text[at..])
        .expect("Sammanfattning in the document");
    let at = |t: &str| {
        body.find(t)
            .unwrap_or_else(|| panic!("{t:?} in the document:\n{body}"))
    };
    let order = [
        "1. Sammanfattning",
        "Koordinatorerna har stärkt det regionala arbetet.",
        "2. Uppdraget",
        "Tillväxtverket ska lämna stöd till koordinatorerna.",
        "3. Ekonomi",
        "6. Behov och utmaningar",
        "7. Resultat och effekter",
        "8. Tillväxtverkets analys och slutsatser",
        "Analysen.",
        "Beslut i detta ärende har fattats av generaldirektör Anna Andersson.",
        "Föredragande har varit handläggare Bo Berg.",
    ];
    for pair in order.windows(2) {
        assert!(at(pair[0]) < at(pair[1]), "{pair:?}");
    }
    // Resultat och effekter is a part of its own: a heading of the first level.
    let heading_of = |t: &str| {
        xml.split("</w:p>")
            .filter(|p| words(p).trim() == t)
            .filter_map(|p| {
                p.split("<w:pStyle w:val=\"")
                    .nth(1)
                    .and_then(|s| s.split('"').next())
            })
            .filter(|s| s.starts_with("Heading"))
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    assert_eq!(heading_of("7. Resultat och effekter"), vec!["Heading1"]);
    assert!(heading_of("Resultat och effekter").is_empty());
}

#[tokio::test]
async fn the_document_is_refused_with_the_reason_while_the_cover_lacks_the_diarienummer() {
    let (app, admin) = admin_on_20_march().await;
    for format in ["docx", "pdf"] {
        let refused = admin
            .submit(
                "/sammanstallning?ar=2025",
                "/sammanstallning/2025/exporter",
                &[("format", format)],
            )
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{format}");
        let summary = refused.select(".error-summary li").join(" ");
        assert!(summary.contains("diarienummer"), "{format}: {summary}");
        assert_eq!(
            refused.attrs(".error-summary a", "href"),
            vec!["#case_number"]
        );
        // A draft is for reading, never sent: it is made as the cover stands.
        if format == "docx" {
            let (status, _) = draft(&admin, 2025, format).await;
            assert_eq!(status, StatusCode::OK, "{format}");
        }
    }
    assert_eq!(
        crate::steps::count(&app, "SELECT count(*) FROM summary_exports").await,
        0
    );
    assert_eq!(app.audit_count("summary.exported").await, 0);
    // The tables without a cover are made as before.
    let table = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            &[("format", "xlsx")],
        )
        .await;
    assert_eq!(table.status, StatusCode::SEE_OTHER, "{}", table.plain());
    // With the diarienummer, the document is made.
    crate::steps::cover_filled_in(&admin, 2025).await;
    let made = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            &[("format", "docx")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.plain());
    assert_eq!(app.audit_count("summary.exported").await, 2);
}

#[tokio::test]
async fn the_document_carries_its_title_and_author_and_says_nothing_of_the_system() {
    let (_app, admin) = admin_on_20_march().await;
    crate::steps::cover_filled_in(&admin, 2025).await;
    let (status, bytes) = draft(&admin, 2025, "docx").await;
    assert_eq!(status, StatusCode::OK);
    let core = part(&bytes, "docProps/core.xml");
    assert!(
        core.contains(
            "<dc:title>Redovisning av de regionala digitaliseringskoordinatorernas verksamhet 2025</dc:title>"
        ),
        "{core}"
    );
    assert!(
        core.contains("<dc:creator>Tillväxtverket</dc:creator>"),
        "{core}"
    );
    assert!(!core.contains("unknown"), "{core}");
    let text = words(&part(&bytes, "word/document.xml"));
    assert!(!text.contains("Digikoord"), "{text}");
}

#[tokio::test]
async fn tables_are_never_below_8_pt_and_the_account_with_kammarkollegiet_is_one() {
    let app = realistic_year().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    crate::steps::cover_filled_in(&admin, 2025).await;
    let (status, bytes) = draft(&admin, 2025, "docx").await;
    assert_eq!(status, StatusCode::OK);
    let xml = part(&bytes, "word/document.xml");
    let tables: Vec<&str> = xml
        .split("<w:tbl>")
        .skip(1)
        .map(|t| t.split("</w:tbl>").next().unwrap_or_default())
        .collect();
    assert!(tables.len() > 3, "{}", tables.len());
    for table in &tables {
        for size in table.split("<w:sz w:val=\"").skip(1) {
            let half_points: u32 = size
                .split('"')
                .next()
                .and_then(|n| n.parse().ok())
                .expect("a size");
            assert!(half_points >= 16, "a table at {half_points} half-points");
        }
    }
    // The account: a small table of its lines, the last what goes back.
    let account = tables
        .iter()
        .find(|t| words(t).contains("Rekvirerat från Kammarkollegiet"))
        .expect("the account as a table");
    assert!(words(account).contains("Att återbetala till Kammarkollegiet"));
    // The finance table's headings: each column at least as wide as its longest word.
    let finance = tables
        .iter()
        .find(|t| words(t).contains("Outnyttjat"))
        .expect("the finance table");
    let header = finance.split("</w:tr>").next().unwrap_or_default();
    for cell in header.split("</w:tc>").filter(|c| c.contains("<w:tcW")) {
        let width: usize = cell
            .split("<w:tcW w:w=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .and_then(|n| n.parse().ok())
            .expect("a width");
        let longest = words(cell)
            .split_whitespace()
            .map(|w| w.chars().count())
            .max()
            .unwrap_or(0);
        assert!(
            width >= longest * 80 + 216,
            "{:?} in {width} twips",
            words(cell)
        );
    }
}

#[tokio::test]
async fn the_workbook_has_real_dates_and_filters_on_its_tables() {
    let app = realistic_year().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let (status, bytes) = draft(&admin, 2025, "xlsx").await;
    assert_eq!(status, StatusCode::OK);
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).expect("xlsx");
    let sheet = book.worksheet_range("Ekonomi").expect("Ekonomi");
    assert_eq!(
        sheet.get_value((0, 14)),
        Some(&Data::String("Inskickad".into()))
    );
    let dates: Vec<&Data> = sheet
        .rows()
        .skip(1)
        .filter_map(|r| r.get(14))
        .filter(|d| !matches!(d, Data::Empty))
        .collect();
    assert!(!dates.is_empty(), "some report was submitted");
    for d in dates {
        assert!(
            matches!(d, Data::DateTime(_)),
            "a submitted date is a date: {d:?}"
        );
    }
    let first = part(&bytes, "xl/worksheets/sheet1.xml");
    assert!(first.contains("<autoFilter ref=\"A1:"), "{first}");
}

#[tokio::test]
async fn every_format_has_one_file_name() {
    let (app, admin) = admin_on_20_march().await;
    crate::steps::cover_filled_in(&admin, 2025).await;
    for format in ["xlsx", "docx", "csv", "json"] {
        let made = admin
            .submit(
                "/sammanstallning?ar=2025",
                "/sammanstallning/2025/exporter",
                &[("format", format)],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.plain());
    }
    let names: Vec<String> =
        sqlx::query_scalar("SELECT filename FROM summary_exports ORDER BY filename")
            .fetch_all(&app.db)
            .await
            .expect("names");
    assert_eq!(
        names,
        ["csv", "docx", "json", "xlsx"]
            .map(|ext| format!("Redovisning digitaliseringskoordinatorer 2025.{ext}"))
            .to_vec()
    );
}
