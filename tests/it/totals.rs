//! Totals that add up: in the demo's 2025 (one report submitted and not yet approved,
//! repayments confirmed, registered and overdue), every total of the overview, the summary
//! page and each export (CSV, JSON, XLSX, DOCX) is recomputed from the rows of its own
//! table; what is left to repay is checked against the columns it derives from; and an
//! actor without an approved report reads `–` for used and unused, not 0 kr.

use std::io::Read;

use calamine::{Data, Reader, Xlsx};
use digikoord::auth::Role;
use reqwest::StatusCode;
use rust_decimal::Decimal;

use crate::{
    TestApp,
    steps::{dec, kr},
    summary::realistic_year,
};

/// The actor of the demo whose report is submitted and not yet approved.
const UNAPPROVED: &str = "Region Värmland";

/// A cell as the pages and documents write it: `1 000 000,50 kr`, or `–` for no figure.
fn amount(cell: &str) -> Option<Decimal> {
    let cell = cell.trim();
    if cell == "–" {
        return None;
    }
    let digits: String = cell
        .trim_end_matches("kr")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .replace(',', ".")
        .replace('−', "-");
    Some(
        digits
            .parse()
            .unwrap_or_else(|_| panic!("an amount: {cell:?}")),
    )
}

/// The sum of a column's figures: `None` when no row has one, as the totals say.
fn sum(column: impl Iterator<Item = Option<Decimal>>) -> Option<Decimal> {
    column.flatten().reduce(|a, b| a + b)
}

/// A finance table as the tests read it: each row's amounts, and the total row's.
struct Table {
    names: Vec<String>,
    rows: Vec<Vec<Option<Decimal>>>,
    total: Vec<Option<Decimal>>,
}

impl Table {
    /// Every column's total is the sum of its rows (`–` only where no row has a figure).
    fn assert_columns_add_up(&self, what: &str) {
        for c in 0..self.total.len() {
            let rows = sum(self.rows.iter().map(|r| r[c]));
            let total = self.total[c];
            // A total of a column with figures is never `–`; one without is `–` or 0 kr.
            match (rows, total) {
                (Some(r), Some(t)) => assert_eq!(r, t, "{what}: column {c}"),
                (None, None) => {}
                (None, Some(t)) => assert!(t.is_zero(), "{what}: column {c} has no figures"),
                (Some(r), None) => panic!("{what}: column {c} adds up to {r}, total is –"),
            }
        }
    }

    fn row(&self, name: &str) -> &[Option<Decimal>] {
        let i = self
            .names
            .iter()
            .position(|n| n == name)
            .unwrap_or_else(|| panic!("{name} in {:?}", self.names));
        &self.rows[i]
    }

    /// What is left derives from unused and repaid, row by row and in total:
    /// left − owed to the region = unused − repaid (columns by index).
    fn assert_left_derives(
        &self,
        what: &str,
        unused: usize,
        repaid: usize,
        left: usize,
        over: usize,
    ) {
        let mut repaid_without_report = Decimal::ZERO;
        for (name, r) in self.names.iter().zip(&self.rows) {
            match (r[unused], r[repaid], r[left], r[over]) {
                (Some(u), Some(p), Some(l), Some(o)) => {
                    assert_eq!(l - o, u - p, "{what}: {name}");
                    assert!(l >= Decimal::ZERO && o >= Decimal::ZERO);
                    assert!(l.is_zero() || o.is_zero(), "{what}: {name}");
                }
                (None, p, None, None) => repaid_without_report += p.unwrap_or_default(),
                other => panic!("{what}: {name} mixes bases: {other:?}"),
            }
        }
        let t = &self.total;
        let (u, p, l, o) = (
            t[unused].expect("unused"),
            t[repaid].expect("repaid"),
            t[left].expect("left"),
            t[over].expect("owed to regions"),
        );
        assert_eq!(l - o, u - (p - repaid_without_report), "{what}: the totals");
    }
}

async fn admin_of_realistic_year() -> (TestApp, TestApp) {
    let app = realistic_year().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    // The document to the Government needs its cover: the diarienummer and the date.
    let saved = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/avsnitt",
            &[("report_date", "2026-03-20"), ("case_number", "Ä 2026-123")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    (app, admin)
}

async fn draft(admin: &TestApp, format: &str) -> Vec<u8> {
    let response = admin
        .client
        .get(admin.url(&format!("/sammanstallning/2025/utkast/{format}")))
        .send()
        .await
        .expect("draft");
    assert_eq!(response.status(), StatusCode::OK, "{format}");
    response.bytes().await.expect("bytes").to_vec()
}

#[tokio::test]
async fn every_export_adds_up_each_column_from_its_own_rows() {
    let (_app, admin) = admin_of_realistic_year().await;

    // CSV: Aktör;Ärende; eleven amounts (Rekvirerat … Skyldigt regionen); the last line of
    // the table sums; after an empty line, the notes.
    let csv = String::from_utf8(draft(&admin, "csv").await).expect("utf-8");
    let (table_part, notes) = csv
        .trim_start_matches('\u{feff}')
        .trim_end()
        .split_once("\r\n\r\n")
        .expect("the notes under the table");
    assert!(
        notes.starts_with("\"Not: Använt, Outnyttjat, Kvar och Skyldigt regionen bygger bara på godkända redovisningar"),
        "{notes}"
    );
    let lines: Vec<Vec<&str>> = table_part
        .split("\r\n")
        .map(|l| l.split(';').collect())
        .collect();
    let csv_amount = |f: &str| amount(&f.replace('.', ""));
    let (last, body) = lines[1..].split_last().expect("a total line");
    assert_eq!(last[0], "Summa");
    let table = Table {
        names: body.iter().map(|l| l[0].to_string()).collect(),
        rows: body
            .iter()
            .map(|l| l[2..13].iter().map(|f| csv_amount(f)).collect())
            .collect(),
        total: last[2..13].iter().map(|f| csv_amount(f)).collect(),
    };
    assert_eq!(table.rows.len(), 21);
    table.assert_columns_add_up("CSV");
    table.assert_left_derives("CSV", 7, 8, 9, 10);
    let unapproved = table.row(UNAPPROVED);
    assert_eq!(
        (unapproved[6], unapproved[7]),
        (None, None),
        "used and unused are – without an approved report"
    );

    // JSON: the same rows; `null` where there is no figure; the notes name the actor.
    let json: serde_json::Value =
        serde_json::from_slice(&draft(&admin, "json").await).expect("json");
    let actors = json["actors"].as_array().expect("actors");
    let figure = |v: &serde_json::Value| v.as_str().map(dec);
    for (row_key, total_key) in [
        ("requisitioned", "requisitioned"),
        ("paid_out", "paid_out"),
        ("personnel", "personnel"),
        ("services", "services"),
        ("travel", "travel"),
        ("other", "other"),
        ("used", "used"),
        ("unused", "owed"),
        ("repaid", "repaid"),
        ("outstanding", "outstanding"),
        ("owed_to_region", "owed_to_regions"),
    ] {
        let rows = sum(actors.iter().map(|a| figure(&a[row_key])));
        let total = figure(&json["totals"][total_key]);
        assert_eq!(
            rows.unwrap_or_default(),
            total.unwrap_or_default(),
            "JSON {row_key}"
        );
        assert_eq!(rows.is_some(), total.is_some(), "JSON {row_key}");
    }
    let varmland = actors
        .iter()
        .find(|a| a["actor"] == UNAPPROVED)
        .expect("the actor");
    assert!(varmland["used"].is_null() && varmland["unused"].is_null());
    assert!(varmland["unapproved"]["outstanding"].is_string());
    let notes = json["notes"].as_array().expect("notes");
    assert!(
        notes
            .iter()
            .any(|n| n.as_str().is_some_and(|n| n.contains(UNAPPROVED))),
        "{notes:?}"
    );
    let unapproved_left = dec(json["totals"]["unapproved"]["outstanding"]
        .as_str()
        .expect("a decimal"));
    assert_eq!(
        Some(unapproved_left),
        figure(&varmland["unapproved"]["outstanding"]),
        "the note's amount is the submitted report's"
    );

    // XLSX: figures as numbers, `–` as text; the row after the actors is the total.
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(draft(&admin, "xlsx").await))
            .expect("xlsx opens");
    let sheet = book.worksheet_range("Ekonomi").expect("Ekonomi");
    let cell = |row: u32, col: u32| match sheet.get_value((row, col)) {
        Some(Data::Float(f)) => Some(Decimal::from_f64_retain(*f).expect("a number").round_dp(2)),
        Some(Data::Int(i)) => Some(Decimal::from(*i)),
        Some(Data::String(s)) if s == "–" => None,
        other => panic!("({row},{col}) should be an amount or –, is {other:?}"),
    };
    let text = |row: u32, col: u32| match sheet.get_value((row, col)) {
        Some(Data::String(s)) => s.clone(),
        other => format!("{other:?}"),
    };
    assert_eq!(text(22, 0), "Summa");
    let table = Table {
        names: (1..22).map(|r| text(r, 0)).collect(),
        rows: (1..22)
            .map(|r| (2..13).map(|c| cell(r, c)).collect())
            .collect(),
        total: (2..13).map(|c| cell(22, c)).collect(),
    };
    table.assert_columns_add_up("XLSX");
    table.assert_left_derives("XLSX", 7, 8, 9, 10);
    let unapproved = table.row(UNAPPROVED);
    assert_eq!((unapproved[6], unapproved[7]), (None, None));

    // DOCX: the finance table (Aktör, Utbetalt … Kvar) and its Summa row.
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(draft(&admin, "docx").await))
        .expect("docx is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document.xml")
        .read_to_string(&mut xml)
        .expect("utf-8");
    let finance = docx_tables(&xml)
        .into_iter()
        .find(|t| {
            t.len() > 20
                && t[0].first().is_some_and(|c| c == "Aktör")
                && t.last()
                    .and_then(|r| r.first())
                    .is_some_and(|c| c == "Summa")
                && t.iter().any(|r| r.first().is_some_and(|c| c == UNAPPROVED))
        })
        .expect("the finance table");
    let (last, body) = finance[1..].split_last().expect("rows");
    let table = Table {
        names: body.iter().map(|r| r[0].clone()).collect(),
        rows: body
            .iter()
            .map(|r| r[1..].iter().map(|c| amount(c)).collect())
            .collect(),
        total: last[1..].iter().map(|c| amount(c)).collect(),
    };
    assert_eq!(table.rows.len(), 21);
    table.assert_columns_add_up("DOCX");
    // Utbetalt, Personal, Köpta tjänster, Resor, Övrigt, Använt, Outnyttjat, Återbetalt, Kvar.
    let unapproved = table.row(UNAPPROVED);
    assert_eq!(
        (unapproved[5], unapproved[6], unapproved[8]),
        (None, None, None)
    );
    assert!(
        xml.contains(UNAPPROVED) && xml.contains("ännu inte godkänd"),
        "the note under the table"
    );
}

/// The tables of a `word/document.xml`, each as rows of cell texts.
fn docx_tables(xml: &str) -> Vec<Vec<Vec<String>>> {
    let texts = |part: &str| -> String {
        let mut out = String::new();
        for piece in part.split("<w:t").skip(1) {
            // `<w:t>` or `<w:t xml:space="preserve">`, not `<w:tc>`, `<w:tr>`, `<w:tbl>`.
            if !(piece.starts_with('>') || piece.starts_with(' ')) {
                continue;
            }
            let Some(start) = piece.find('>') else {
                continue;
            };
            let Some(end) = piece.find("</w:t>") else {
                continue;
            };
            out.push_str(&piece[start + 1..end]);
        }
        out.replace("&amp;", "&")
    };
    xml.split("<w:tbl>")
        .skip(1)
        .map(|table| {
            let table = table.split("</w:tbl>").next().unwrap_or_default();
            table
                .split("</w:tr>")
                .filter(|row| row.contains("<w:tc>") || row.contains("<w:tc "))
                .map(|row| {
                    row.split("</w:tc>")
                        .filter(|c| c.contains("<w:tc"))
                        .map(texts)
                        .collect()
                })
                .collect()
        })
        .collect()
}

#[tokio::test]
async fn the_summary_page_and_the_overview_add_up_from_their_rows() {
    let (_app, admin) = admin_of_realistic_year().await;

    // The summary page: eleven amounts and the report's state per row; the foot sums them.
    let page = admin.get("/sammanstallning?ar=2025").await;
    assert_eq!(page.status, StatusCode::OK);
    let names = page.select("table.finances tbody tr th");
    let cells = page.select("table.finances tbody tr td");
    assert_eq!(cells.len(), names.len() * 12, "{cells:?}");
    let foot = page.select("table.finances tfoot td");
    let table = Table {
        names,
        rows: cells
            .chunks(12)
            .map(|r| r[..11].iter().map(|c| amount(c)).collect())
            .collect(),
        total: foot[..11].iter().map(|c| amount(c)).collect(),
    };
    assert_eq!(table.rows.len(), 21);
    table.assert_columns_add_up("the summary page");
    table.assert_left_derives("the summary page", 7, 8, 9, 10);
    let unapproved = table.row(UNAPPROVED);
    assert_eq!(
        (unapproved[6], unapproved[7], unapproved[9]),
        (None, None, None)
    );
    assert!(
        page.select(".no-data-legend")
            .iter()
            .any(|l| l.contains("ingen godkänd redovisning")),
        "– is explained"
    );
    let notes = page.select(".finance-note");
    assert!(
        notes.iter().any(|n| n.contains(UNAPPROVED)),
        "a note says what the submitted report says: {notes:?}"
    );

    // The overview: what is left per actor adds up to its totals, the submitted report's
    // apart; its totals are the summary table's.
    let overview = admin.get("/oversikt?ar=2025").await;
    assert_eq!(overview.status, StatusCode::OK);
    let total = |css: &str| amount(&overview.select(css)[0]);
    let left = sum(overview
        .select("table.overview td.repayment .left")
        .iter()
        .map(|c| amount(c)));
    assert_eq!(left, total(".total-outstanding"));
    let left_unapproved = sum(overview
        .select("table.overview td.repayment .left-unapproved")
        .iter()
        .map(|c| amount(c)));
    assert!(left_unapproved.is_some(), "{UNAPPROVED}'s is shown, marked");
    assert_eq!(left_unapproved, total(".total-outstanding-unapproved"));
    let row = overview
        .select("table.overview tbody tr")
        .into_iter()
        .find(|r| r.starts_with(UNAPPROVED))
        .expect("the row");
    assert!(row.contains("ännu inte godkänd"), "{row}");
    for (css, column) in [
        (".total-used", 6),
        (".total-owed", 7),
        (".total-repaid", 8),
        (".total-outstanding", 9),
        (".total-owed-to-regions", 10),
    ] {
        assert_eq!(total(css), table.total[column], "{css}");
    }
    assert_eq!(
        overview.select(".total-paid-out"),
        vec![kr(table.total[1].expect("paid out"))]
    );
}
