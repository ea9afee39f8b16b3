//! The summary's exports: CSV and JSON of the finance table, an XLSX workbook with a sheet
//! per part, and a DOCX report document. All are written from the same `Year`.

use rust_decimal::{Decimal, prelude::ToPrimitive};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};
use serde::Serialize;

use super::model::{FinanceRow, Totals, Year};
use crate::{
    dates::format_date,
    money::format_kronor,
    reports::model::{SUB_GOALS, tasks_for},
};

/// Tillväxtverket's own sections of the summary.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Sections {
    pub analysis: String,
    pub innovation_hubs: String,
    pub digg_views: String,
    /// The report's date on its cover, `ÅÅÅÅ-MM-DD` (empty until an administrator sets it).
    pub report_date: String,
    /// Tillväxtverket's case number (diarienummer) on the cover (empty until set).
    pub case_number: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "export_format", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Xlsx,
    Docx,
    Csv,
    Json,
    /// PDF/A-2b of the DOCX, for the archive (`crate::pdfa`).
    Pdf,
}

impl ExportFormat {
    pub const ALL: [ExportFormat; 5] = [
        ExportFormat::Xlsx,
        ExportFormat::Docx,
        ExportFormat::Pdf,
        ExportFormat::Csv,
        ExportFormat::Json,
    ];

    pub fn key(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "xlsx",
            ExportFormat::Docx => "docx",
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
            ExportFormat::Pdf => "pdf",
        }
    }

    pub fn from_key(key: &str) -> Option<ExportFormat> {
        ExportFormat::ALL.into_iter().find(|f| f.key() == key)
    }

    pub fn label(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => "Excel (XLSX)",
            ExportFormat::Docx => "Word (DOCX)",
            ExportFormat::Csv => "CSV, ekonomitabellen",
            ExportFormat::Json => "JSON, ekonomitabellen",
            ExportFormat::Pdf => "PDF/A (arkivformat), samma som Word-dokumentet",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
            ExportFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Json => "application/json",
            ExportFormat::Pdf => "application/pdf",
        }
    }

    /// What the export is rendered as before it is converted: the PDF/A is the DOCX laid out.
    pub fn source(self) -> ExportFormat {
        match self {
            ExportFormat::Pdf => ExportFormat::Docx,
            other => other,
        }
    }

    /// The export in this format from what was rendered as its `source`: the PDF/A laid out
    /// from its DOCX by LibreOffice (`soffice`: the `SOFFICE` setting), every other as it is.
    pub async fn finish(
        self,
        rendered: Vec<u8>,
        soffice: Option<&std::path::Path>,
    ) -> Result<Vec<u8>, crate::pdfa::Error> {
        match self {
            ExportFormat::Pdf => crate::pdfa::from_docx(soffice, &rendered).await,
            _ => Ok(rendered),
        }
    }

    pub fn filename(self, year: i32) -> String {
        match self {
            ExportFormat::Docx | ExportFormat::Pdf => format!(
                "Redovisning digitaliseringskoordinatorer {year}.{}",
                self.key()
            ),
            other => format!(
                "Sammanställning digitaliseringskoordinatorer {year}.{}",
                other.key()
            ),
        }
    }
}

pub fn title(year: i32) -> String {
    format!("Redovisning av de regionala digitaliseringskoordinatorernas verksamhet {year}")
}

/// `trend`: every year's totals up to this one, oldest first (for the DOCX's chart).
pub fn render(
    format: ExportFormat,
    year: &Year,
    sections: &Sections,
    trend: &[(i32, Totals)],
) -> Result<Vec<u8>, String> {
    match format {
        ExportFormat::Csv => Ok(csv(year)),
        ExportFormat::Json => json(year),
        ExportFormat::Xlsx => xlsx(year, sections).map_err(|e| format!("xlsx: {e}")),
        ExportFormat::Docx => docx(year, sections, trend),
        ExportFormat::Pdf => Err("the PDF/A is made from the DOCX (crate::pdfa)".into()),
    }
}

const FINANCE_HEADINGS: [&str; 16] = [
    "Aktör",
    "Ärende",
    "Rekvirerat",
    "Utbetalt",
    "Personal",
    "Köpta tjänster",
    "Resor",
    "Övrigt",
    "Använt",
    "Outnyttjat",
    "Återbetalt",
    "Kvar att återbetala",
    "Skyldigt regionen",
    "Redovisning",
    "Inskickad",
    "Godkänd",
];

fn amounts(r: &FinanceRow) -> [Decimal; 11] {
    [
        r.requisitioned,
        r.paid_out,
        r.personnel,
        r.services,
        r.travel,
        r.other,
        r.used,
        r.unused,
        r.repaid,
        r.outstanding,
        r.owed_to_region,
    ]
}

fn total_amounts(t: &Totals) -> [Decimal; 11] {
    [
        t.requisitioned,
        t.paid_out,
        t.personnel,
        t.services,
        t.travel,
        t.other,
        t.used,
        t.owed,
        t.repaid,
        t.outstanding,
        t.owed_to_regions,
    ]
}

/// `1000000,50`: a decimal comma and no grouping, as Swedish Excel reads a number.
pub(crate) fn csv_amount(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2)).replace('.', ",")
}

/// A CSV field, quoted when it holds a separator, a quote or a line break.
pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// UTF-8 with a BOM, semicolons and decimal commas: what a Swedish Excel opens as numbers.
pub fn csv(year: &Year) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(&FINANCE_HEADINGS.join(";"));
    out.push_str("\r\n");
    let date = |d: Option<chrono::NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
    for r in year.finance_rows() {
        let mut fields = vec![
            csv_field(&r.actor),
            csv_field(r.case_number.as_deref().unwrap_or("")),
        ];
        fields.extend(amounts(&r).iter().map(|a| csv_amount(*a)));
        fields.extend([
            csv_field(r.report_state),
            date(r.report_submitted),
            date(r.report_approved),
        ]);
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    let mut fields = vec!["Summa".to_string(), String::new()];
    fields.extend(total_amounts(&year.totals()).iter().map(|a| csv_amount(*a)));
    fields.extend([String::new(), String::new(), String::new()]);
    out.push_str(&fields.join(";"));
    out.push_str("\r\n");
    out.into_bytes()
}

#[derive(Serialize)]
struct JsonExport<'a> {
    year: i32,
    decision_number: &'a str,
    actors: Vec<FinanceRow>,
    totals: Totals,
    actors_frame: Decimal,
    agency: JsonAccount,
}

#[derive(Serialize)]
struct JsonAccount {
    requisitioned: Option<Decimal>,
    paid_out: Decimal,
    support_costs: Decimal,
    received_from_regions: Decimal,
    refunded_to_regions: Decimal,
    owed_to_regions: Decimal,
    counted_from_regions: Decimal,
    to_repay: Decimal,
    repaid: Option<Decimal>,
}

/// The same finance table as the CSV; amounts as exact decimal strings.
pub fn json(year: &Year) -> Result<Vec<u8>, String> {
    let a = &year.account;
    let export = JsonExport {
        year: year.year,
        decision_number: &year.decision_number,
        actors: year.finance_rows(),
        totals: year.totals(),
        actors_frame: year.actors_frame(),
        agency: JsonAccount {
            requisitioned: a.requisitioned,
            paid_out: a.paid_out,
            support_costs: a.support_costs,
            received_from_regions: a.received_from_regions,
            refunded_to_regions: a.refunded_to_regions,
            owed_to_regions: a.owed_to_regions,
            counted_from_regions: a.counted_from_regions,
            to_repay: a.to_repay(),
            repaid: a.repaid,
        },
    };
    serde_json::to_vec_pretty(&export).map_err(|e| format!("json: {e}"))
}

pub(crate) fn money(d: Decimal) -> f64 {
    d.to_f64().unwrap_or_default()
}

/// The sheet's headings in its first row, frozen on screen and repeated on every printed page.
pub(crate) fn header(
    sheet: &mut Worksheet,
    headings: &[&str],
    bold: &Format,
    title: &str,
) -> Result<(), XlsxError> {
    for (c, h) in headings.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, bold)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    print_setup(sheet, title, Some(0))
}

/// How a sheet prints: A4 landscape, one page wide (as many tall as it takes), the heading
/// row (`repeat`) on every page, the title and the sheet's name above, page numbers below.
pub(crate) fn print_setup(
    sheet: &mut Worksheet,
    title: &str,
    repeat: Option<u32>,
) -> Result<(), XlsxError> {
    const A4: u8 = 9;
    sheet
        .set_paper_size(A4)
        .set_landscape()
        .set_print_fit_to_pages(1, 0)
        .set_header(format!("&L{}&R&A", title.replace('&', "&&")))
        .set_footer("&CSida &P av &N");
    if let Some(row) = repeat {
        sheet.set_repeat_rows(row, row)?;
    }
    Ok(())
}

/// One workbook, a sheet per part: figures are numbers in kronor format, not text.
pub fn xlsx(year: &Year, sections: &Sections) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let kr = Format::new().set_num_format("#,##0.00 \"kr\"");
    let kr_bold = Format::new().set_num_format("#,##0.00 \"kr\"").set_bold();
    let wrap = Format::new().set_text_wrap();
    let title = title(year.year);

    let sheet = book.add_worksheet().set_name("Ekonomi")?;
    header(sheet, &FINANCE_HEADINGS, &bold, &title)?;
    let rows = year.finance_rows();
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &r.actor)?;
        sheet.write_string(row, 1, r.case_number.as_deref().unwrap_or(""))?;
        for (c, a) in amounts(r).iter().enumerate() {
            sheet.write_number_with_format(row, c as u16 + 2, money(*a), &kr)?;
        }
        sheet.write_string(row, 13, r.report_state)?;
        sheet.write_string(
            row,
            14,
            r.report_submitted.map(format_date).unwrap_or_default(),
        )?;
        sheet.write_string(
            row,
            15,
            r.report_approved.map(format_date).unwrap_or_default(),
        )?;
    }
    let total_row = rows.len() as u32 + 1;
    sheet.write_string_with_format(total_row, 0, "Summa", &bold)?;
    for (c, a) in total_amounts(&year.totals()).iter().enumerate() {
        sheet.write_number_with_format(total_row, c as u16 + 2, money(*a), &kr_bold)?;
    }
    let a = &year.account;
    let account_lines = [
        ("Ram för aktörerna (antal × tak)", year.actors_frame()),
        (
            "Rekvirerat från Kammarkollegiet",
            a.requisitioned.unwrap_or_default(),
        ),
        ("Utbetalt till aktörerna", a.paid_out),
        ("Egna kostnader för stödet", a.support_costs),
        ("Mottaget från regionerna", a.received_from_regions),
        ("Återbetalt till regionerna", a.refunded_to_regions),
        ("Skyldigt regionerna, ej återbetalt", a.owed_to_regions),
        (
            "Från regionerna, högst vad var och en var skyldig",
            a.counted_from_regions,
        ),
        ("Att återbetala till Kammarkollegiet", a.to_repay()),
    ];
    for (i, (label, value)) in account_lines.iter().enumerate() {
        let row = total_row + 2 + i as u32;
        sheet.write_string_with_format(row, 0, *label, &bold)?;
        sheet.write_number_with_format(row, 2, money(*value), &kr)?;
    }
    sheet.set_column_width(0, 34)?;
    sheet.set_column_width(1, 14)?;
    for c in 2..13 {
        sheet.set_column_width(c, 16)?;
    }
    sheet.set_column_width(13, 26)?;
    sheet.set_column_width(14, 18)?;
    sheet.set_column_width(14, 18)?;

    let stats = year.activities();
    let sheet = book.add_worksheet().set_name("Aktiviteter")?;
    let mut headings = vec!["Aktör", "Aktiviteter"];
    headings.extend(SUB_GOALS.iter().map(|(_, l)| *l));
    headings.push("Deltagare");
    header(sheet, &headings, &bold, &title)?;
    for (i, a) in stats.per_actor.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &a.actor_name)?;
        sheet.write_number(row, 1, a.activities as f64)?;
        for (g, n) in a.by_goal.iter().enumerate() {
            sheet.write_number(row, g as u16 + 2, *n as f64)?;
        }
        sheet.write_number(row, 7, a.participants as f64)?;
    }
    let total_row = stats.per_actor.len() as u32 + 1;
    sheet.write_string_with_format(total_row, 0, "Summa", &bold)?;
    sheet.write_number(total_row, 1, stats.total as f64)?;
    for (g, (_, n)) in stats.by_goal.iter().enumerate() {
        sheet.write_number(total_row, g as u16 + 2, *n as f64)?;
    }
    sheet.write_number(total_row, 7, stats.participants as f64)?;
    let kinds_row = total_row + 2;
    sheet.write_string_with_format(kinds_row, 0, "Typ av aktivitet", &bold)?;
    sheet.write_string_with_format(kinds_row, 1, "Antal", &bold)?;
    for (i, (label, n)) in stats.by_kind.iter().enumerate() {
        sheet.write_string(kinds_row + 1 + i as u32, 0, *label)?;
        sheet.write_number(kinds_row + 1 + i as u32, 1, *n as f64)?;
    }
    let partners_row = kinds_row + stats.by_kind.len() as u32 + 2;
    sheet.write_string_with_format(partners_row, 0, "Samarbetspartner", &bold)?;
    sheet.write_string_with_format(partners_row, 1, stats.partners.join(", "), &wrap)?;
    sheet.set_column_width(0, 34)?;
    for c in 1..8 {
        sheet.set_column_width(c, 18)?;
    }

    let counts = year.self_assessments();
    let sheet = book.add_worksheet().set_name("Självskattning")?;
    header(sheet, &["Svar", "Antal", "Av"], &bold, &title)?;
    for (i, (label, n)) in [
        ("Ja, tydligt", counts.yes),
        ("Delvis", counts.partly),
        ("Nej", counts.no),
        ("Kan inte bedöma", counts.cant_say),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string(i as u32 + 1, 0, *label)?;
        sheet.write_number(i as u32 + 1, 1, *n as f64)?;
        sheet.write_number(i as u32 + 1, 2, counts.reports as f64)?;
    }
    sheet.set_column_width(0, 22)?;

    let sheet = book.add_worksheet().set_name("Behov och resultat")?;
    header(
        sheet,
        &[
            "Aktör",
            "Behov och utmaningar",
            "Resultat och effekter",
            "Självskattning, motivering",
        ],
        &bold,
        &title,
    )?;
    for (i, (actor, r)) in year.approved().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &actor.actor_name)?;
        sheet.write_string_with_format(row, 1, &r.needs_and_challenges, &wrap)?;
        sheet.write_string_with_format(row, 2, &r.results_and_effects, &wrap)?;
        sheet.write_string_with_format(row, 3, &r.self_assessment_motivation, &wrap)?;
    }
    sheet.set_column_width(0, 30)?;
    for c in 1..4 {
        sheet.set_column_width(c, 60)?;
    }

    let sheet = book.add_worksheet().set_name("Tillväxtverket")?;
    header(sheet, &["Avsnitt", "Text"], &bold, &title)?;
    for (i, (label, text)) in [
        ("Analys och slutsatser", &sections.analysis),
        (
            "Arbetet med de digitala innovationsnaven",
            &sections.innovation_hubs,
        ),
        ("DIGG:s synpunkter", &sections.digg_views),
    ]
    .iter()
    .enumerate()
    {
        sheet.write_string_with_format(i as u32 + 1, 0, *label, &bold)?;
        sheet.write_string_with_format(i as u32 + 1, 1, text.as_str(), &wrap)?;
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 100)?;

    book.save_to_buffer()
}

pub(crate) fn heading(text: &str, level: usize) -> docx_rs::Paragraph {
    let size = match level {
        1 => 32,
        2 => 28,
        _ => 24,
    };
    docx_rs::Paragraph::new()
        .style(&format!("Heading{level}"))
        .add_run(docx_rs::Run::new().add_text(text).bold().size(size))
}

pub(crate) fn text(text: &str) -> docx_rs::Paragraph {
    let mut p = docx_rs::Paragraph::new();
    for (i, line) in text.lines().enumerate() {
        let mut run = docx_rs::Run::new();
        if i > 0 {
            run = run.add_break(docx_rs::BreakType::TextWrapping);
        }
        p = p.add_run(run.add_text(line));
    }
    p
}

/// The title page as an authority's "Redovisning av regeringsuppdrag" sets it out: the
/// sender with the date and diarienummer beside it, the recipient, the title, and the
/// decisions the report answers.
fn cover(doc: docx_rs::Docx, year: &Year, sections: &Sections) -> docx_rs::Docx {
    use docx_rs::{Paragraph, Run, TableBorders, TableCell, TableRow, WidthType};
    let date = crate::dates::parse_date(&sections.report_date)
        .map(format_date)
        .unwrap_or_default();
    let case = sections.case_number.trim();
    let label = |l: &str| Run::new().add_text(l).size(16);
    let half = PORTRAIT_TEXT_DXA / 2;
    let letterhead = docx_rs::Table::new(vec![TableRow::new(vec![
        TableCell::new().width(half, WidthType::Dxa).add_paragraph(
            Paragraph::new().add_run(Run::new().add_text("Tillväxtverket").bold().size(32)),
        ),
        TableCell::new()
            .width(half, WidthType::Dxa)
            .add_paragraph(Paragraph::new().add_run(label("Datum")))
            .add_paragraph(Paragraph::new().add_run(Run::new().add_text(date)))
            .add_paragraph(Paragraph::new().add_run(label("Diarienummer")))
            .add_paragraph(Paragraph::new().add_run(Run::new().add_text(case))),
    ])])
    .set_grid(vec![half, half])
    .width(PORTRAIT_TEXT_DXA, WidthType::Dxa)
    .set_borders(TableBorders::with_empty());
    let indented = |p: Paragraph| p.indent(Some(half as i32), None, None, None);
    let mut doc = doc
        .add_table(letterhead)
        .add_paragraph(Paragraph::new())
        .add_paragraph(Paragraph::new());
    for line in ["Regeringskansliet", year.decisions.ministry.as_str()] {
        doc = doc.add_paragraph(indented(
            Paragraph::new().add_run(Run::new().add_text(line)),
        ));
    }
    doc = doc
        .add_paragraph(Paragraph::new())
        .add_paragraph(Paragraph::new())
        .add_paragraph(
            Paragraph::new()
                .style("Title")
                .add_run(Run::new().add_text(title(year.year)).bold().size(40)),
        )
        .add_paragraph(
            Paragraph::new().add_run(
                Run::new()
                    .add_text("Redovisning av regeringsuppdrag")
                    .size(28),
            ),
        )
        .add_paragraph(Paragraph::new());
    for citation in year.decisions.citations() {
        doc = doc.add_paragraph(text(&citation));
    }
    doc.add_paragraph(text(&format!(
        "{} aktörer · ram {} · rekvirerat från Kammarkollegiet {}",
        year.actors.len(),
        format_kronor(year.actors_frame()),
        format_kronor(year.account.requisitioned.unwrap_or_default())
    )))
}

/// An A4 page's short and long side, and the text width upright and on its side (docx-rs's
/// margins of 3 cm), in twentieths of a point.
const A4_SHORT_DXA: u32 = 11_906;
const A4_LONG_DXA: u32 = 16_838;
const PORTRAIT_TEXT_DXA: usize = A4_SHORT_DXA as usize - 2 * 1_701;
const LANDSCAPE_TEXT_DXA: usize = A4_LONG_DXA as usize - 2 * 1_701;

/// The width each column needs for its longest entry (the heading row's longest word) at the
/// tables' 8 pt: about 80 twips a character, 216 for the cell's margins.
fn column_needs(rows: &[Vec<String>]) -> Vec<usize> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..columns)
        .map(|c| {
            // The heading row may wrap between words; the rest should not.
            let longest = rows
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.get(c).map(|t| (i, t)))
                .map(|(i, t)| match i {
                    0 => t
                        .split_whitespace()
                        .map(|w| w.chars().count())
                        .max()
                        .unwrap_or(0),
                    _ => t.chars().count(),
                })
                .max()
                .unwrap_or(0);
            longest.max(8) * 80 + 216
        })
        .collect()
}

/// Column widths sharing `total` by what each column needs, so names and amounts stay on
/// one line where the page allows.
fn column_widths(rows: &[Vec<String>], total: usize) -> Vec<usize> {
    let needs = column_needs(rows);
    let sum: usize = needs.iter().sum();
    needs.iter().map(|n| total * n / sum.max(1)).collect()
}

/// Whether a table's columns need more than an upright page's width.
fn too_wide_for_portrait(rows: &[Vec<String>]) -> bool {
    column_needs(rows).iter().sum::<usize>() > PORTRAIT_TEXT_DXA
}

/// An amount or a count: right-aligned in its cell.
fn is_figure(text: &str) -> bool {
    let t = text.trim_end_matches("kr").trim();
    !t.is_empty()
        && t.chars().any(|c| c.is_ascii_digit())
        && t.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, ' ' | '\u{a0}' | ',' | '-' | '−'))
}

/// A table at 8 pt across an upright page, its columns fitted to their contents, the first
/// row bold (and repeated on every page the table runs over: `pack`), figures right-aligned.
pub(crate) fn table(rows: Vec<Vec<String>>) -> docx_rs::Table {
    table_across(rows, PORTRAIT_TEXT_DXA)
}

fn table_across(rows: Vec<Vec<String>>, width: usize) -> docx_rs::Table {
    use docx_rs::{AlignmentType, TableLayoutType, WidthType};
    let widths = column_widths(&rows, width);
    docx_rs::Table::new(
        rows.into_iter()
            .enumerate()
            .map(|(i, cells)| {
                docx_rs::TableRow::new(
                    cells
                        .into_iter()
                        .enumerate()
                        .map(|(c, text)| {
                            let figure = i > 0 && is_figure(&text);
                            let run = docx_rs::Run::new().add_text(text).size(16);
                            let run = if i == 0 { run.bold() } else { run };
                            let paragraph = docx_rs::Paragraph::new().add_run(run);
                            let paragraph = if figure {
                                paragraph.align(AlignmentType::Right)
                            } else {
                                paragraph
                            };
                            docx_rs::TableCell::new()
                                .width(widths.get(c).copied().unwrap_or(0), WidthType::Dxa)
                                .add_paragraph(paragraph)
                        })
                        .collect(),
                )
                .cant_split()
            })
            .collect(),
    )
    .style("TableGrid")
    .set_grid(widths.clone())
    .width(width, WidthType::Dxa)
    .layout(TableLayoutType::Fixed)
}

/// An empty paragraph ending a section of A4 pages, upright or on their side.
fn section_end(landscape: bool) -> docx_rs::Paragraph {
    use docx_rs::{PageOrientationType, PageSize, SectionProperty};
    let (size, orientation) = match landscape {
        false => (
            PageSize::new().size(A4_SHORT_DXA, A4_LONG_DXA),
            PageOrientationType::Portrait,
        ),
        true => (
            PageSize::new().size(A4_LONG_DXA, A4_SHORT_DXA),
            PageOrientationType::Landscape,
        ),
    };
    docx_rs::Paragraph::new().section_property(
        SectionProperty::new()
            .page_size(size.orient(orientation))
            .page_orient(orientation),
    )
}

/// `heading` and the table of `rows` under it: on the upright page where it fits, else in a
/// section of its own on landscape pages, after which the pages are upright again.
pub(crate) fn add_table(
    doc: docx_rs::Docx,
    heading: docx_rs::Paragraph,
    rows: Vec<Vec<String>>,
) -> docx_rs::Docx {
    if !too_wide_for_portrait(&rows) {
        return doc.add_paragraph(heading).add_table(table(rows));
    }
    doc.add_paragraph(section_end(false))
        .add_paragraph(heading)
        .add_table(table_across(rows, LANDSCAPE_TEXT_DXA))
        .add_paragraph(section_end(true))
}

/// What docx-rs 0.4 cannot say, added to its `document.xml`:
/// - the table of contents is a content control of Word's "Table of Contents" kind (docx-rs
///   wraps its entries in a plain one, in which LibreOffice does not see the field), and its
///   page numbers stand at the text's right edge (docx-rs sets the tab 80 000 twips in);
/// - every table's first row is its header row, repeated on each page the table runs over;
/// - where sections were added (`add_table`), the first section carries the document's
///   header, footer and title page, which later sections inherit (Word and LibreOffice take
///   a section's header from the one before), and only the first has a title page.
fn finish_document_xml(xml: &str) -> String {
    let xml = xml
        .replace(
            "<w:sdt><w:sdtPr /><w:sdtContent>",
            "<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val=\"Table of Contents\" /><w:docPartUnique /></w:docPartObj></w:sdtPr><w:sdtContent>",
        )
        .replace(
            "w:leader=\"dot\" w:pos=\"80000\"",
            &format!("w:leader=\"dot\" w:pos=\"{PORTRAIT_TEXT_DXA}\""),
        );
    let mut out = String::with_capacity(xml.len() + 1024);
    let mut rest = xml.as_str();
    while let Some(i) = rest.find("<w:tbl>") {
        let (before, after) = rest.split_at(i + "<w:tbl>".len());
        out.push_str(before);
        rest = after;
        if let Some(j) = rest.find("<w:trPr>") {
            let (row, after) = rest.split_at(j + "<w:trPr>".len());
            out.push_str(row);
            out.push_str("<w:tblHeader />");
            rest = after;
        }
    }
    out.push_str(rest);
    let (Some(first), Some(last)) = (out.find("<w:sectPr>"), out.rfind("<w:sectPr>")) else {
        return out;
    };
    if first == last {
        return out;
    }
    let last_end = last + out[last..].find("</w:sectPr>").unwrap_or(0);
    let body = &out[last..last_end];
    let mut carried: String = body
        .match_indices("<w:")
        .filter(|(i, _)| {
            body[*i..].starts_with("<w:headerReference")
                || body[*i..].starts_with("<w:footerReference")
        })
        .filter_map(|(i, _)| body[i..].find("/>").map(|end| &body[i..i + end + 2]))
        .collect();
    if body.contains("<w:titlePg />") {
        carried.push_str("<w:titlePg />");
    }
    let body = body.replace("<w:titlePg />", "");
    let first_end = first + out[first..].find("</w:sectPr>").unwrap_or(0);
    format!(
        "{}{carried}{}{body}{}",
        &out[..first_end],
        &out[first_end..last],
        &out[last_end..]
    )
}

/// The text without the characters XML can't hold: forms refuse them
/// (`web::is_forbidden_char`), but rows saved before they did may still have one.
fn without_forbidden_chars(xml: &str) -> std::borrow::Cow<'_, str> {
    let invalid = |c: char| {
        (c < ' ' && !matches!(c, '\t' | '\n' | '\r')) || matches!(c, '\u{fffe}' | '\u{ffff}')
    };
    match xml.contains(invalid) {
        true => xml.replace(invalid, "").into(),
        false => xml.into(),
    }
}

/// The DOCX's bytes, with `finish_document_xml`'s additions.
pub(crate) fn pack(doc: docx_rs::Docx) -> Result<Vec<u8>, String> {
    let mut xml = doc.build();
    let document =
        String::from_utf8(std::mem::take(&mut xml.document)).map_err(|e| format!("docx: {e}"))?;
    xml.document = finish_document_xml(&without_forbidden_chars(&document)).into_bytes();
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| format!("docx: {e}"))?;
    Ok(out.into_inner())
}

/// A chart as a picture 16 cm wide, with its number and title below as the caption.
fn figure(svg: &str, number: usize, title: &str) -> Result<Vec<docx_rs::Paragraph>, String> {
    let png = crate::charts::png(svg)?;
    const WIDTH_EMU: u32 = 16 * 360_000;
    let height_emu = (u64::from(WIDTH_EMU) * u64::from(png.height) / u64::from(png.width)) as u32;
    let picture = docx_rs::Pic::new_with_dimensions(png.bytes, png.width, png.height)
        .size(WIDTH_EMU, height_emu);
    Ok(vec![
        docx_rs::Paragraph::new().add_run(docx_rs::Run::new().add_image(picture)),
        docx_rs::Paragraph::new().style("Caption").add_run(
            docx_rs::Run::new()
                .add_text(format!("Figur {number}. {title}"))
                .italic(),
        ),
    ])
}

/// A document in Word's built-in styles (Normal, Title, Heading 1–3, Caption, TOC Heading,
/// Table Grid) and a readable sans-serif, 11 pt: LibreOffice shows its metric twin where
/// Arial is missing.
pub(crate) fn document() -> docx_rs::Docx {
    use docx_rs::{Docx, RunFonts, Style, StyleType};
    let sans = RunFonts::new()
        .ascii("Arial")
        .hi_ansi("Arial")
        .cs("Arial")
        .east_asia("Arial");
    let mut doc = Docx::new().default_fonts(sans).default_size(22).add_style(
        Style::new("Title", StyleType::Paragraph)
            .name("Title")
            .bold()
            .size(40),
    );
    for level in 1..=3 {
        doc = doc.add_style(
            Style::new(format!("Heading{level}"), StyleType::Paragraph)
                .name(format!("heading {level}"))
                .outline_lvl(level - 1)
                .bold(),
        );
    }
    doc.add_style(
        Style::new("Caption", StyleType::Paragraph)
            .name("caption")
            .italic(),
    )
    .add_style(
        Style::new("TOCHeading", StyleType::Paragraph)
            .name("TOC Heading")
            .bold()
            .size(32),
    )
    .add_style(
        Style::new("TableGrid", StyleType::Table)
            .name("Table Grid")
            .set_borders(docx_rs::TableBorders::new()),
    )
}

/// "Sida N av M", centred at the foot of the page.
pub(crate) fn page_numbers() -> docx_rs::Footer {
    use docx_rs::{AlignmentType, Footer, NumPages, PageNum, Paragraph, Run};
    Footer::new().add_paragraph(
        Paragraph::new()
            .align(AlignmentType::Center)
            .add_run(Run::new().add_text("Sida "))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" av "))
            .add_num_pages(NumPages::new()),
    )
}

/// The report document: title page, the five parts, and an appendix per actor.
pub fn docx(year: &Year, sections: &Sections, trend: &[(i32, Totals)]) -> Result<Vec<u8>, String> {
    use docx_rs::{BreakType, Footer, Header, Paragraph, Run, TableOfContents};
    let mut doc = document();
    let y = year.year;
    let page_break = || Paragraph::new().add_run(Run::new().add_break(BreakType::Page));
    // The running header (the report's short title) and page numbers, from the second page:
    // the title page has neither.
    doc = doc
        .first_header(Header::new())
        .header(
            Header::new().add_paragraph(
                Paragraph::new().add_run(
                    Run::new()
                        .add_text(format!("Regionala digitaliseringskoordinatorer {y}"))
                        .size(18),
                ),
            ),
        )
        .first_footer(Footer::new())
        .footer(page_numbers());
    doc = cover(doc, year, sections).add_paragraph(page_break());
    // The table of contents is a field: Word and LibreOffice update it; its entries link to
    // bookmarks on the headings (1–2), and the page numbers are references to them.
    let mut contents = TableOfContents::new()
        .heading_styles_range(1, 2)
        .without_sdt()
        .add_before_paragraph(
            Paragraph::new()
                .style("TOCHeading")
                .add_run(Run::new().add_text("Innehåll").bold().size(32)),
        )
        .hyperlink()
        .auto()
        .dirty();
    // No page numbers until Word or LibreOffice updates it (Word asks on opening): none is
    // better than a wrong one. The PDF/A's are LibreOffice's own (`crate::pdfa`).
    contents.page_ref_placeholder = Some(String::new());
    doc = doc
        .add_table_of_contents(contents)
        .add_paragraph(page_break());

    // The finance table, with what the money was used for: ten columns, on pages of their
    // own in landscape where portrait is too narrow.
    let t = year.totals();
    // `amounts` from paid out to still to repay: without requisitioned (first) and owed to
    // the region (last).
    let finance = |name: String, a: [Decimal; 11]| {
        std::iter::once(name)
            .chain(a[1..10].iter().map(|d| format_kronor(*d)))
            .collect::<Vec<_>>()
    };
    doc = add_table(
        doc,
        heading("1. Ekonomi", 1),
        std::iter::once(
            [
                "Aktör",
                "Utbetalt",
                "Personal",
                "Köpta tjänster",
                "Resor",
                "Övrigt",
                "Använt",
                "Outnyttjat",
                "Återbetalt",
                "Kvar",
            ]
            .map(String::from)
            .to_vec(),
        )
        .chain(
            year.finance_rows()
                .iter()
                .map(|r| finance(r.actor.clone(), amounts(r))),
        )
        .chain(std::iter::once(finance("Summa".into(), total_amounts(&t))))
        .collect(),
    );
    let a = &year.account;
    doc = doc.add_paragraph(text(&format!(
        "Tillväxtverkets konto med Kammarkollegiet: rekvirerat {}, utbetalt till aktörerna {}, egna kostnader {}, mottaget från regionerna {}, återbetalt till regionerna {}, skyldigt regionerna {}; från regionerna räknas högst vad var och en var skyldig, {}; att återbetala till Kammarkollegiet {}.",
        format_kronor(a.requisitioned.unwrap_or_default()),
        format_kronor(a.paid_out),
        format_kronor(a.support_costs),
        format_kronor(a.received_from_regions),
        format_kronor(a.refunded_to_regions),
        format_kronor(a.owed_to_regions),
        format_kronor(a.counted_from_regions),
        format_kronor(a.to_repay())
    )));
    for p in figure(
        &super::charts::used_chart(year),
        1,
        &format!("Använt och outnyttjat per aktör {y}; siffrorna står i tabellen ovan."),
    )? {
        doc = doc.add_paragraph(p);
    }
    for p in figure(
        &super::charts::progress_chart(year),
        2,
        &format!("Hur långt aktörerna har kommit {y}."),
    )? {
        doc = doc.add_paragraph(p);
    }
    doc = doc.add_table(table(
        std::iter::once(vec!["Steg".to_string(), "Aktörer".to_string()])
            .chain(
                year.progress()
                    .into_iter()
                    .map(|(step, n)| vec![step, format!("{n} av {}", year.actors.len())]),
            )
            .collect(),
    ));
    if trend.len() > 1 {
        for p in figure(
            &super::charts::trend_chart(trend),
            3,
            "Utbetalt, använt och återbetalt år för år.",
        )? {
            doc = doc.add_paragraph(p);
        }
        doc = doc.add_table(table(
            std::iter::once(
                ["År", "Utbetalt", "Använt", "Återbetalt"]
                    .map(String::from)
                    .to_vec(),
            )
            .chain(trend.iter().map(|(y, t)| {
                vec![
                    y.to_string(),
                    format_kronor(t.paid_out),
                    format_kronor(t.used),
                    format_kronor(t.repaid),
                ]
            }))
            .collect(),
        ));
    }
    let missing = year.missing_reports();
    if !missing.is_empty() {
        doc = doc.add_paragraph(text(&format!(
            "Godkänd redovisning saknas för {} {}: {}.",
            missing.len(),
            if missing.len() == 1 {
                "aktör"
            } else {
                "aktörer"
            },
            missing
                .iter()
                .map(|m| m.actor_name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }

    let stats = year.activities();
    doc = doc
        .add_paragraph(heading("2. Verksamheten", 1))
        .add_paragraph(text(&format!(
            "{} aktiviteter med sammanlagt {} deltagare.",
            stats.total, stats.participants
        )))
        .add_table(table(
            std::iter::once(vec!["Delmål".to_string(), "Aktiviteter".to_string()])
                .chain(
                    stats
                        .by_goal
                        .iter()
                        .map(|(l, n)| vec![l.to_string(), n.to_string()]),
                )
                .collect(),
        ))
        .add_table(table(
            std::iter::once(vec!["Typ av aktivitet".to_string(), "Antal".to_string()])
                .chain(
                    stats
                        .by_kind
                        .iter()
                        .map(|(l, n)| vec![l.to_string(), n.to_string()]),
                )
                .collect(),
        ));
    let c = year.self_assessments();
    doc = doc
        .add_paragraph(heading("3. Självskattning", 1))
        .add_paragraph(text(&format!(
            "Positiv utveckling: tydligt {}, delvis {}, nej {}, kan inte bedöma {}.",
            c.of(c.yes),
            c.of(c.partly),
            c.of(c.no),
            c.of(c.cant_say)
        )));
    doc = doc.add_paragraph(heading("4. Behov och utmaningar", 1));
    for (actor, r) in year.approved() {
        doc = doc
            .add_paragraph(heading(&actor.actor_name, 3))
            .add_paragraph(text(&r.needs_and_challenges));
    }
    doc = doc.add_paragraph(heading("Resultat och effekter", 2));
    for (actor, r) in year.approved() {
        doc = doc
            .add_paragraph(heading(&actor.actor_name, 3))
            .add_paragraph(text(&r.results_and_effects));
    }
    doc = doc
        .add_paragraph(heading("5. Tillväxtverkets analys och slutsatser", 1))
        .add_paragraph(text(&sections.analysis))
        .add_paragraph(heading("Arbetet med de digitala innovationsnaven", 2))
        .add_paragraph(text(&sections.innovation_hubs))
        .add_paragraph(heading(
            "Synpunkter från Myndigheten för digital förvaltning (DIGG)",
            2,
        ))
        .add_paragraph(text(&sections.digg_views));

    for (actor, r) in year.approved() {
        doc = doc
            .add_paragraph(page_break())
            .add_paragraph(heading(&format!("Bilaga: {}", actor.actor_name), 1));
        for (i, task) in tasks_for(year.year).iter().enumerate() {
            let answer = r.tasks.get(i).map(String::as_str).unwrap_or_default();
            doc = doc
                .add_paragraph(heading(&format!("{}. {task}", i + 1), 3))
                .add_paragraph(text(answer));
        }
        doc = doc.add_paragraph(text(&format!(
            "Utbetalt {}, använt {}, outnyttjat {}. Aktiviteter: {}.",
            format_kronor(actor.paid_out.unwrap_or_default()),
            format_kronor(r.used),
            format_kronor(r.unused),
            r.activities
                .iter()
                .map(|a| a.title.as_str())
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    pack(doc)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_share_the_width_by_their_longest_entry_and_figures_go_right() {
        let rows = vec![
            vec!["Aktör".to_string(), "Utbetalt".to_string()],
            vec![
                "Västra Götalandsregionen".to_string(),
                "1 000 000 kr".to_string(),
            ],
        ];
        let widths = column_widths(&rows, 9_000);
        assert_eq!(widths.len(), 2);
        assert!(widths.iter().sum::<usize>() <= 9_000);
        assert!(
            widths[0] > widths[1],
            "the longer names get more room: {widths:?}"
        );
        assert!(is_figure("1 000 000 kr"));
        assert!(is_figure("12 345,50 kr"));
        assert!(!is_figure("Region Skåne"));
        assert!(!is_figure("kr"));
    }

    fn rows(columns: usize) -> Vec<Vec<String>> {
        vec![
            (0..columns).map(|c| format!("Rubrik {c}")).collect(),
            (0..columns).map(|_| "21 000 000 kr".to_string()).collect(),
        ]
    }

    #[test]
    fn a_table_too_wide_for_portrait_gets_landscape_pages_and_the_header_carries_over() {
        assert!(!too_wide_for_portrait(&rows(6)));
        assert!(too_wide_for_portrait(&rows(10)));
        let doc = document()
            .first_header(docx_rs::Header::new())
            .header(docx_rs::Header::new())
            .first_footer(docx_rs::Footer::new())
            .footer(page_numbers())
            .add_paragraph(heading("Titelsida", 1));
        let doc = add_table(doc, heading("Smal", 1), rows(6));
        let doc = add_table(doc, heading("Bred", 1), rows(10));
        let xml = String::from_utf8(doc.build().document).expect("utf-8");
        let xml = finish_document_xml(&xml);

        // Every table's first row, and only that, repeats on each page.
        assert_eq!(xml.matches("<w:tbl>").count(), 2);
        assert_eq!(xml.matches("<w:tblHeader />").count(), 2);
        for table in xml.split("<w:tbl>").skip(1) {
            let rows: Vec<&str> = table.split("<w:tr>").skip(1).collect();
            assert!(rows[0].contains("<w:tblHeader />"));
            assert!(!rows[1].contains("<w:tblHeader />"));
        }
        // Three sections: upright up to the wide table, landscape for it, upright after.
        let sections: Vec<&str> = xml
            .split("<w:sectPr>")
            .skip(1)
            .map(|s| s.split("</w:sectPr>").next().unwrap_or_default())
            .collect();
        assert_eq!(sections.len(), 3, "{xml}");
        assert!(sections[0].contains("w:orient=\"portrait\""));
        assert!(sections[1].contains("w:orient=\"landscape\""));
        assert!(sections[1].contains("w:w=\"16838\" w:h=\"11906\""));
        // The first section has the title page and the header and footer; the later ones
        // inherit them, and only the first has a title page.
        assert!(sections[0].contains("<w:titlePg />"));
        assert_eq!(sections[0].matches("<w:headerReference").count(), 2);
        assert_eq!(sections[0].matches("<w:footerReference").count(), 2);
        assert!(!sections[1].contains("<w:titlePg />"));
        assert!(!sections[2].contains("<w:titlePg />"));
        // The wide table spans the landscape text width.
        let wide = xml.split("<w:tbl>").nth(2).unwrap_or_default();
        assert!(
            wide.contains(&format!("w:w=\"{LANDSCAPE_TEXT_DXA}\"")),
            "{wide}"
        );
    }

    #[test]
    fn one_section_is_left_as_it_is() {
        let doc = add_table(
            document().footer(page_numbers()),
            heading("Smal", 1),
            rows(3),
        );
        let xml = String::from_utf8(doc.build().document).expect("utf-8");
        let finished = finish_document_xml(&xml);
        assert_eq!(finished.matches("<w:sectPr>").count(), 1);
        assert_eq!(finished.replace("<w:tblHeader />", ""), xml);
    }

    #[test]
    fn the_table_of_contents_is_words_kind_with_its_numbers_at_the_right_edge() {
        let year = crate::summary::model::tests::sample_year();
        let bytes = docx(&year, &Sections::default(), &[]).expect("docx");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("word/document.xml").expect("document.xml"),
            &mut xml,
        )
        .expect("read");
        assert!(xml.contains("<w:docPartGallery w:val=\"Table of Contents\" />"));
        assert!(!xml.contains("<w:sdtPr />"));
        assert!(xml.contains("TOC \\o &quot;1-2&quot; \\h"));
        assert!(!xml.contains("w:pos=\"80000\""));
        assert!(xml.contains(&format!("w:leader=\"dot\" w:pos=\"{PORTRAIT_TEXT_DXA}\"")));
        // Each heading of level 1–2 has its entry and the bookmark it links to.
        assert!(xml.contains("PAGEREF _Toc"));
        assert!(xml.contains("<w:tblStyle w:val=\"TableGrid\" />"));
        assert_eq!(
            xml.matches("<w:bookmarkStart").count(),
            xml.matches("PAGEREF _Toc").count()
        );
    }
}
