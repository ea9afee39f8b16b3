//! The exports open in a real office suite: LibreOffice (Debian's `libreoffice-calc-nogui`
//! and `libreoffice-writer-nogui`) converts each XLSX and DOCX export to PDF headlessly,
//! and the PDF's text (`pdftotext`, Debian's `poppler-utils`) holds the year's totals. The
//! PDF/A exports (made by Digikoord with LibreOffice) are checked by an open validator,
//! `page_validation` from crates.io, against PDF/A-2b.
//! In CI the tools must be there; elsewhere a machine without them skips this and says so.
//! LibreOffice is installed in CI (about 20 s) rather than kept as a separate command,
//! because it is what proves an exported file opens. Run alone with
//! `cargo test --test it office`.
//!
//! **Exports in an office suite.** LibreOffice converts the summary and the account
//! document, XLSX and DOCX, to PDF; each PDF's text shows the year's totals; the summary's
//! first sheet prints one page wide (every finance heading on page 1); the DOCX has its
//! cover, its table of contents and numbers every page after the title page; the account
//! document's per-actor rows stay whole on landscape pages; the first three pages of each
//! are drawn to `target/screenshots/exporter/`.
//!
//! **PDF/A-2b.** The summary's and the account document's PDF/A pass `page_validation`'s
//! PDF/A-2b profile and are recorded with the checksum of what is downloaded; the cover has
//! sender, date, diarienummer, recipient, ministry, title and decisions; every entry of the
//! table of contents names the page its heading is on; the finance table's headings and
//! each actor's ten columns lie on one line of a landscape page between upright ones; every
//! page after the cover has the header and *Sida N av M*; without LibreOffice a PDF/A is
//! refused with a reason and nothing is kept.

use std::{path::Path, time::Duration};

use chrono::NaiveDate;
use digikoord::{Clock, auth::Role};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{TestApp, scratch_dir, steps::sha256_hex, tool};

/// The ways an office suite may print `amount`: thousands grouped by a space, comma or
/// point (or not at all), with öre after a comma or point when there are any.
fn printed_forms(amount: Decimal) -> Vec<String> {
    let amount = amount.round_dp(2);
    let whole = amount.trunc().abs().to_string();
    let ore = format!(
        "{:02}",
        ((amount.fract().abs()) * Decimal::from(100)).trunc()
    );
    let mut forms = Vec::new();
    for group in [" ", ",", ".", ""] {
        let mut grouped = String::new();
        for (i, c) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i).is_multiple_of(3) {
                grouped.push_str(group);
            }
            grouped.push(c);
        }
        for decimal in [",", "."] {
            if decimal != group {
                forms.push(format!("{grouped}{decimal}{ore}"));
            }
        }
        if ore == "00" {
            forms.push(grouped);
        }
    }
    forms
}

/// Whether the text shows `amount` as a number of its own (not inside a longer one).
fn shows(text: &str, amount: Decimal) -> bool {
    let text = text.replace(['\u{a0}', '\u{202f}'], " ");
    printed_forms(amount).iter().any(|form| {
        text.match_indices(form.as_str()).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let mut after = text[at + form.len()..].chars();
            let continues = match after.next() {
                Some(c) if c.is_ascii_digit() => true,
                // A decimal point or comma followed by digits: a longer number.
                Some(',' | '.') => after.next().is_some_and(|c| c.is_ascii_digit()),
                _ => false,
            };
            !before.is_some_and(|c| c.is_ascii_digit() || c == ',' || c == '.') && !continues
        })
    })
}

#[test]
fn an_amount_is_found_however_the_suite_groups_it_and_never_inside_another() {
    let million = Decimal::from(1_000_000);
    assert!(shows("Utbetalt  1 000 000 kr", million));
    assert!(shows("Utbetalt\t1,000,000.00", million));
    assert!(shows("1.000.000,00 kr", million));
    assert!(!shows("21 000 000", million));
    assert!(!shows("1 000 0001", million));
    assert!(!shows("1 000 000,50", million));
    let with_ore = Decimal::new(1234567, 2);
    assert!(shows("12 345,67", with_ore));
    assert!(!shows("12 345", with_ore));
}

/// LibreOffice converts the files to PDF in `dir`; the text of each PDF, by file stem.
/// The first three pages of each PDF are also drawn as PNG into `shots`, for a person to look at.
async fn convert(
    soffice: &Path,
    pdftotext: &Path,
    dir: &Path,
    files: &[String],
    shots: &Path,
) -> Vec<String> {
    let profile = dir.join("libreoffice-profile");
    let mut convert = tokio::process::Command::new(soffice);
    convert
        .arg(format!(
            "-env:UserInstallation=file://{}",
            profile.display()
        ))
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(dir)
        // A PDF export is drawn and read as it is.
        .args(
            files
                .iter()
                .filter(|f| !f.ends_with(".pdf"))
                .map(|f| dir.join(f)),
        )
        .env("HOME", dir)
        // Its `lu….tmp` folders in the test's own folder, removed with it.
        .env("TMPDIR", dir)
        .kill_on_drop(true);
    let out = tokio::time::timeout(Duration::from_secs(180), convert.output())
        .await
        .expect("LibreOffice converts within 3 minutes")
        .expect("run soffice");
    assert!(out.status.success(), "soffice: {out:?}");
    let mut texts = Vec::new();
    for file in files {
        let stem = Path::new(file).file_stem().expect("stem");
        let pdf = dir.join(stem).with_extension("pdf");
        assert!(pdf.is_file(), "{file} was converted to PDF: {out:?}");
        let drawn = tokio::process::Command::new(pdftotext.with_file_name("pdftoppm"))
            .args(["-png", "-r", "60", "-f", "1", "-l", "3"])
            .arg(&pdf)
            .arg(shots.join(stem))
            .status()
            .await
            .expect("pdftoppm (poppler-utils, beside pdftotext)");
        assert!(drawn.success(), "pdftoppm {file}");
        let text = tokio::process::Command::new(pdftotext)
            .arg("-layout")
            .arg(&pdf)
            .arg("-")
            .output()
            .await
            .expect("pdftotext");
        assert!(text.status.success(), "pdftotext {file}");
        texts.push(String::from_utf8_lossy(&text.stdout).into_owned());
    }
    texts
}

/// The validator's rule on stream lengths, ISO 19005-2 6.1.7.1:1.
const STREAM_LENGTH_RULE: &str = "ISO 19005-2:2011:6.1.7.1:1";

/// The PDF is PDF/A-2b by `page_validation`, with one known misreading of the validator
/// (0.12.2) checked independently: it takes a compressed stream whose last data byte is a
/// carriage return (0x0D, a byte in 256) for one byte short of its /Length. Such a finding
/// counts only if `stream_lengths_agree` finds a stream whose /Length is really wrong.
pub(crate) fn assert_pdfa_2b(name: &str, bytes: &[u8], report: &page_validation::ValidationReport) {
    let real: Vec<_> = report
        .failures
        .iter()
        .filter(|f| f.rule_id != STREAM_LENGTH_RULE || !stream_lengths_agree(bytes))
        .collect();
    assert!(real.is_empty(), "{name} is not PDF/A-2b: {real:#?}");
}

/// Every stream with a direct /Length has exactly that many bytes between its `stream`
/// line and the end-of-line before `endstream` (ISO 32000 7.3.8), and there is at least one.
fn stream_lengths_agree(pdf: &[u8]) -> bool {
    let find = |from: usize, what: &[u8]| {
        pdf.get(from..)
            .and_then(|rest| rest.windows(what.len()).position(|w| w == what))
            .map(|at| from + at)
    };
    let mut checked = 0;
    let mut cursor = 0;
    while let Some(at) = find(cursor, b"/Length ") {
        cursor = at + 8;
        let digits: Vec<u8> = pdf[cursor..]
            .iter()
            .copied()
            .take_while(u8::is_ascii_digit)
            .collect();
        let after = &pdf[cursor + digits.len()..];
        // An indirect length (`12 0 R`) or a /Length1 of a font: not this check's.
        if digits.is_empty() || after.starts_with(b" 0 R") {
            continue;
        }
        let Ok(length) = String::from_utf8_lossy(&digits).parse::<usize>() else {
            return false;
        };
        let Some(keyword) = find(cursor, b"stream") else {
            return false;
        };
        let start = match pdf.get(keyword + 6..keyword + 8) {
            Some(b"\r\n") => keyword + 8,
            Some([b'\n', _]) => keyword + 7,
            _ => return false,
        };
        let Some(tail) = pdf.get(start + length..) else {
            return false;
        };
        let ok = [
            &b"\r\nendstream"[..],
            b"\nendstream",
            b"\rendstream",
            b"endstream",
        ]
        .iter()
        .any(|end| tail.starts_with(end));
        if !ok {
            return false;
        }
        checked += 1;
        cursor = start + length;
    }
    checked > 0
}

/// Each page's width and height in points, as `pdfinfo` (poppler-utils) reads them.
async fn page_sizes(pdfinfo: &Path, pdf: &Path) -> Vec<(f64, f64)> {
    let out = tokio::process::Command::new(pdfinfo)
        .args(["-f", "1", "-l", "9999"])
        .arg(pdf)
        .output()
        .await
        .expect("pdfinfo");
    assert!(out.status.success(), "pdfinfo: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.starts_with("Page") && l.contains(" size: "))
        .map(|l| {
            let size = l.split(" size: ").nth(1).unwrap_or_default();
            let mut n = size.split(' ').filter_map(|w| w.parse::<f64>().ok());
            (n.next().unwrap_or(0.0), n.next().unwrap_or(0.0))
        })
        .collect()
}

/// The newest kept export: its file name and bytes, downloaded as the administrator does.
async fn newest_export(admin: &TestApp) -> (String, Vec<u8>) {
    let (id, filename): (Uuid, String) = sqlx::query_as(
        "SELECT id, filename FROM summary_exports ORDER BY created_at DESC, id LIMIT 1",
    )
    .fetch_one(&admin.db)
    .await
    .expect("an export");
    (filename, admin.export_bytes(id).await)
}

#[tokio::test]
async fn every_xlsx_and_docx_export_opens_in_libreoffice_and_shows_the_totals() {
    let (Some(soffice), Some(pdftotext)) = (tool("soffice"), tool("pdftotext")) else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 3, 20).expect("date");
    let app = TestApp::spawn_on(Clock::Fixed(today)).await;
    digikoord::seed::demo(&app.db, today).await.expect("demo");
    // A text saved before forms refused control characters: the DOCX (so the PDF/A made
    // from it) and the XLSX leave the character out, and the text still reads.
    let marked = sqlx::query(
        "UPDATE reports SET needs_and_challenges = 'Styrtecken' || chr(1) || chr(11) || 'kvar i texten'
         WHERE id = (SELECT id FROM reports WHERE year = 2025 AND state = 'approved' LIMIT 1)",
    )
    .execute(&app.db)
    .await
    .expect("an old row with control characters");
    assert_eq!(marked.rows_affected(), 1);
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let saved = admin
        .submit(
            "/konto?ar=2025",
            "/konto/2025",
            &[
                ("requisitioned", "21 000 000"),
                ("requisitioned_on", "2025-11-28"),
                ("support_costs", "123 456,78"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());

    let year = digikoord::summary::db::load_year(&app.db, 2025)
        .await
        .expect("load")
        .expect("2025");
    let totals = year.totals();
    let summary_totals = [
        totals.paid_out,
        totals.used.expect("approved reports"),
        totals.repaid,
    ];
    assert!(
        summary_totals.iter().all(|t| *t > Decimal::ZERO),
        "the demo's 2025 has money in every column: {summary_totals:?}"
    );
    let to_repay = admin.get("/konto?ar=2025").await.select(".to-repay");
    let to_repay: Decimal = to_repay[0]
        .trim_end_matches(" kr")
        .replace([' ', '\u{a0}'], "")
        .replace(',', ".")
        .parse()
        .expect("an amount");
    assert!(
        to_repay > Decimal::ZERO,
        "something goes on to Kammarkollegiet"
    );

    let cover = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/avsnitt",
            &[("report_date", "2026-03-20"), ("case_number", "Ä 2026-123")],
        )
        .await;
    assert_eq!(cover.status, StatusCode::SEE_OTHER, "{}", cover.plain());

    let dir = scratch_dir("office");
    let mut files = Vec::new();
    let mut expected = Vec::new();
    for format in ["xlsx", "docx", "pdf"] {
        let made = admin
            .submit(
                "/sammanstallning?ar=2025",
                "/sammanstallning/2025/exporter",
                &[("format", format)],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.plain());
        files.push(newest_export(&admin).await);
        expected.push(summary_totals.to_vec());
        let made = admin
            .submit(
                "/konto?ar=2025",
                "/konto/2025/dokument",
                &[("document", "ekonomisk-redovisning"), ("format", format)],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.plain());
        files.push(newest_export(&admin).await);
        expected.push(vec![to_repay]);
    }
    // Numbered: the account document has the same name as XLSX and DOCX, and so would
    // its two PDFs.
    let names: Vec<String> = files
        .iter()
        .enumerate()
        .map(|(i, (name, _))| format!("{}-{name}", i + 1))
        .collect();
    for (name, (_, bytes)) in names.iter().zip(&files) {
        std::fs::write(dir.join(name), bytes).expect("write the export");
    }
    let shots = crate::screenshots("exporter");
    let texts = convert(&soffice, &pdftotext, &dir, &names, &shots).await;
    // The summary's first sheet prints one page wide, landscape: every heading of the finance
    // table is on the first page, under the report's title, above its page number.
    let first_page = texts[0].split('\u{c}').next().unwrap_or_default();
    for heading in [
        "Aktör",
        "Rekvirerat",
        "Kvar att återbetala",
        "Skyldigt regionen",
        "Inskickad",
        "Godkänd",
    ] {
        assert!(
            first_page.contains(heading),
            "{} prints the finance table one page wide: {heading} is not on page 1:\n{first_page}",
            names[0]
        );
    }
    assert!(
        first_page.contains("Redovisning av de regionala"),
        "{first_page}"
    );
    assert!(first_page.contains("Sida 1 av"), "{first_page}");
    // The summary's DOCX: a title page without a page number, and every later page numbered
    // "Sida N av M" under the running header.
    let docx_pages: Vec<&str> = texts[2].split('\u{c}').collect();
    assert!(
        docx_pages[0].contains("Redovisning av de regionala"),
        "{}",
        docx_pages[0]
    );
    assert!(
        !docx_pages[0].contains("Sida 1"),
        "no number on the title page"
    );
    // The old row's text, its control characters left out, in the DOCX and its PDF/A.
    for (i, kind) in [(2, "DOCX"), (4, "PDF/A")] {
        assert!(
            texts[i].contains("Styrtecken") && texts[i].contains("kvar i texten"),
            "the {kind} holds the text around the control characters"
        );
    }
    // The finance table's names and amounts stay on one line each (8 pt, fitted columns).
    for unbroken in [
        "Region Jönköpings län",
        "Västra Götalandsregionen",
        "21 000 000 kr",
    ] {
        assert!(
            texts[2].lines().any(|l| l.contains(unbroken)),
            "{unbroken} on one line in {}",
            names[2]
        );
    }
    let numbered = docx_pages.len() - 1;
    for (i, page) in docx_pages.iter().enumerate().skip(1).take(numbered - 1) {
        assert!(
            page.contains(&format!("Sida {} av {numbered}", i + 1)),
            "page {} of {}: {page}",
            i + 1,
            names[2]
        );
        assert!(page.contains("Regionala digitaliseringskoordinatorer 2025"));
    }
    // The DOCX as LibreOffice opens it: the cover, then the table of contents (its entries;
    // the page numbers come when it is updated, as in the PDF/A below).
    assert!(
        docx_pages[0].contains("Tillväxtverket") && docx_pages[0].contains("Regeringskansliet")
    );
    assert!(docx_pages[1].contains("Innehåll"), "{}", docx_pages[1]);
    for entry in [
        "1. Sammanfattning",
        "3. Ekonomi",
        "7. Resultat och effekter",
        "8. Tillväxtverkets analys",
        "Bilaga: Västra Götalandsregionen",
    ] {
        assert!(
            docx_pages[1].contains(entry),
            "{entry} in the contents: {}",
            docx_pages[1]
        );
    }
    // The account document's eight columns: each actor's line whole, on landscape pages (in
    // portrait its amounts wrapped).
    let line = texts[3]
        .lines()
        .find(|l| l.contains("Västra Götalandsregionen"))
        .expect("the account document's per-actor table");
    // Utbetalt, and the four amounts after the day it was paid.
    assert_eq!(line.matches(" kr").count(), 5, "{line}");

    // The PDF/A exports: valid PDF/A-2b, recorded with the checksum of what is downloaded.
    for (i, (name, bytes)) in files.iter().enumerate().skip(4) {
        let report = page_validation::validate_pdf_bytes(
            bytes,
            &page_validation::ValidationOptions::default()
                .profile(page_validation::ValidationProfile::PdfA2b),
        )
        .expect("the validator reads the PDF");
        assert_pdfa_2b(name, bytes, &report);
        let recorded: String =
            sqlx::query_scalar("SELECT sha256 FROM summary_exports WHERE filename = $1")
                .bind(name)
                .fetch_one(&admin.db)
                .await
                .expect("the PDF/A is recorded");
        assert_eq!(recorded, sha256_hex(bytes), "{}", names[i]);
    }
    let pdfa_pages: Vec<&str> = texts[4].split('\u{c}').collect();
    let sizes = page_sizes(&pdftotext.with_file_name("pdfinfo"), &dir.join(&names[4])).await;
    // The cover as an authority's report sets it out, with no page number.
    let cover = pdfa_pages[0];
    for part in [
        "Tillväxtverket",
        "Datum",
        "20 mars 2026",
        "Diarienummer",
        "Ä 2026-123",
        "Regeringskansliet",
        year.decisions.report_ministry.as_str(),
        "Redovisning av de regionala",
        "Redovisning av regeringsuppdrag",
        "regeringsbeslut",
    ] {
        assert!(cover.contains(part), "{part} on the cover:\n{cover}");
    }
    // Each decision cited as what it is, as the sources give it (the lines joined).
    let words = cover.split_whitespace().collect::<Vec<_>>().join(" ");
    for cited in [
        "Uppdrag att lämna stöd till de regionala digitaliseringskoordinatorerna samt att samordna och koordinera digitala innovationshubbar: regeringsbeslut (diarienummer saknas – ej angivet i underlagen) den 4 mars 2021 (Infrastrukturdepartementet).",
        "Erbjudande att upprätthålla en funktion som regional digitaliseringskoordinator: regeringsbeslut I2021/00795 den 4 mars 2021 (Infrastrukturdepartementet).",
    ] {
        assert!(words.contains(cited), "{cited} on the cover:\n{words}");
    }
    assert!(!cover.contains("Sida"), "{cover}");
    // The contents, updated: every entry's page number is the page its heading is on.
    let contents = pdfa_pages[1];
    assert!(contents.contains("Innehåll"), "{contents}");
    let entries: Vec<(String, usize)> = contents
        .lines()
        // An entry: its heading, a dot leader, the page.
        .filter(|l| l.contains(".."))
        .filter_map(|l| {
            let l = l.trim();
            let number = l.rsplit(['.', ' ']).next()?.parse().ok()?;
            let entry = l.trim_end_matches(|c: char| c.is_ascii_digit() || c == '.' || c == ' ');
            Some((entry.to_string(), number))
        })
        .collect();
    assert!(
        entries.len() >= 8 + year.approved().count(),
        "{entries:?}\n{contents}"
    );
    for (entry, page) in &entries {
        let on = pdfa_pages.get(page - 1).unwrap_or(&"");
        // A long heading may wrap.
        let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(
            words(on).contains(&words(entry)),
            "the contents say {entry} is on page {page}:\n{on}"
        );
    }
    // The finance table lies across one page width, on landscape pages of its own: the
    // headings on one line, each actor's ten columns on one line; the pages around upright.
    let finance = entries
        .iter()
        .find(|(e, _)| e == "3. Ekonomi")
        .map(|(_, p)| *p)
        .expect("3. Ekonomi in the contents");
    let table = pdfa_pages[finance - 1];
    assert!(
        table.lines().any(|l| [
            "Aktör",
            "Utbetalt",
            "Personal",
            "Resor",
            "Övrigt",
            "Använt",
            "Outnyttjat",
            "Återbetalt",
            "Kvar"
        ]
        .iter()
        .all(|h| l.contains(h))),
        "the finance table's headings on one line:\n{table}"
    );
    let row = table
        .lines()
        .find(|l| l.contains("Västra Götalandsregionen"))
        .expect("a row of the finance table");
    assert_eq!(row.matches(" kr").count(), 9, "{row}");
    assert!(
        sizes[finance - 1].0 > sizes[finance - 1].1,
        "landscape: {sizes:?}"
    );
    assert!(
        sizes[0].0 < sizes[0].1 && sizes[1].0 < sizes[1].1,
        "upright: {sizes:?}"
    );
    assert!(
        sizes.last().is_some_and(|(w, h)| w < h),
        "upright again: {sizes:?}"
    );
    // Every page after the cover, the landscape ones too, has the header and its number.
    let numbered = pdfa_pages.len() - 1;
    for (i, page) in pdfa_pages.iter().enumerate().skip(1).take(numbered - 1) {
        assert!(
            page.contains(&format!("Sida {} av {numbered}", i + 1)),
            "page {}: {page}",
            i + 1
        );
        assert!(
            page.contains("Regionala digitaliseringskoordinatorer 2025"),
            "page {}: {page}",
            i + 1
        );
    }
    for ((name, text), amounts) in names.iter().zip(&texts).zip(&expected) {
        for amount in amounts {
            assert!(
                shows(text, *amount),
                "{name} as PDF should show {amount}:\n{text}"
            );
        }
    }
}

#[tokio::test]
async fn without_libreoffice_a_pdfa_is_refused_with_a_reason_and_nothing_is_kept() {
    let today = NaiveDate::from_ymd_opt(2026, 3, 20).expect("date");
    let app = TestApp::spawn_with(Clock::Fixed(today), &[("SOFFICE", "/finns/inte/soffice")]).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    crate::steps::cover_filled_in(&admin, 2025).await;
    for (page, path, form) in [
        (
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            vec![("format", "pdf")],
        ),
        (
            "/konto?ar=2025",
            "/konto/2025/dokument",
            vec![("document", "rekvisition"), ("format", "pdf")],
        ),
    ] {
        let refused = admin.submit(page, path, &form).await;
        assert_eq!(refused.status, StatusCode::SERVICE_UNAVAILABLE, "{path}");
        assert!(
            refused.plain().contains("LibreOffice"),
            "{}",
            refused.plain()
        );
    }
    let draft = admin.get("/sammanstallning/2025/utkast/pdf").await;
    assert_eq!(draft.status, StatusCode::SERVICE_UNAVAILABLE);
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM summary_exports")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(kept, 0);
    assert_eq!(app.audit_count("summary.exported").await, 0);
    assert_eq!(app.audit_count("agency_document.exported").await, 0);
    // The other formats are made as before.
    let made = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            &[("format", "docx")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.plain());
}

/// The 2018 compilation and the 2025 requisition from Kammarkollegiet, as PDF/A (the very
/// documents sent), cite their decisions as the sources give them: 2018 N2018/04129 and
/// Tillväxtverket's assignment of the same day to Näringsdepartementet, with no hubs, DIGG
/// or Kammarkollegiet account; the requisition Tillväxtverket's 2021 assignment, not the
/// offer to the regions.
#[tokio::test]
async fn the_pdfa_documents_cite_their_decisions_as_the_sources_do() {
    let (Some(_), Some(pdftotext)) = (tool("soffice"), tool("pdftotext")) else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2025, 11, 25).expect("date");
    let app = TestApp::spawn_on(Clock::Fixed(today)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let saved = admin
        .submit(
            "/konto?ar=2025",
            "/konto/2025",
            &[
                ("requisitioned", "23 000 000"),
                ("requisitioned_on", "2025-11-20"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    crate::steps::cover_filled_in(&admin, 2018).await;
    let dir = scratch_dir("citations");
    let mut texts = Vec::new();
    for (page, path, form) in [
        (
            "/sammanstallning?ar=2018",
            "/sammanstallning/2018/exporter",
            vec![("format", "pdf")],
        ),
        (
            "/konto?ar=2025",
            "/konto/2025/dokument",
            vec![("document", "rekvisition"), ("format", "pdf")],
        ),
    ] {
        let made = admin.submit(page, path, &form).await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.plain());
        let (name, bytes) = newest_export(&admin).await;
        let report = page_validation::validate_pdf_bytes(
            &bytes,
            &page_validation::ValidationOptions::default()
                .profile(page_validation::ValidationProfile::PdfA2b),
        )
        .expect("the validator reads the PDF");
        assert_pdfa_2b(&name, &bytes, &report);
        let file = dir.join(format!("{}.pdf", texts.len()));
        std::fs::write(&file, &bytes).expect("write");
        let out = tokio::process::Command::new(&pdftotext)
            .arg(&file)
            .arg("-")
            .output()
            .await
            .expect("pdftotext");
        assert!(out.status.success(), "pdftotext {name}");
        // The words as read, lines joined: a citation may wrap.
        let text = String::from_utf8_lossy(&out.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        texts.push(text);
    }
    let (compilation, requisition) = (&texts[0], &texts[1]);
    for cited in [
        "Regeringskansliet Näringsdepartementet",
        "Uppdrag att administrera ett nationellt sekretariat som ska fungera som en stödfunktion till de regionala digitaliseringskoordinatorerna: regeringsbeslut (diarienummer saknas – ej angivet i underlagen) den 12 juli 2018 (Näringsdepartementet).",
        "Uppdrag och erbjudande att inrätta och upprätthålla en funktion som regional digitaliseringskoordinator: regeringsbeslut N2018/04129 den 12 juli 2018 (Näringsdepartementet).",
        "ingen rekvisition från Kammarkollegiet enligt beslutet",
    ] {
        assert!(compilation.contains(cited), "2018: {cited}\n{compilation}");
    }
    for absent in [
        "I2021/00795",
        "Infrastrukturdepartementet",
        "DIGG",
        "innovationshubb",
    ] {
        assert!(
            !compilation.contains(absent),
            "2018: {absent}\n{compilation}"
        );
    }
    for cited in [
        "enligt Uppdrag att lämna stöd till de regionala digitaliseringskoordinatorerna samt att samordna och koordinera digitala innovationshubbar: regeringsbeslut (diarienummer saknas – ej angivet i underlagen) den 4 mars 2021 (Infrastrukturdepartementet)",
        "Sista dag för rekvisitionen är 1 december 2025.",
        "anslagspost 4 Informationsteknik – del till Kammarkollegiets disposition",
    ] {
        assert!(
            requisition.contains(cited),
            "requisition: {cited}\n{requisition}"
        );
    }
    assert!(
        !requisition.contains("I2021/00795"),
        "the offer is not the requisition's basis:\n{requisition}"
    );
}
