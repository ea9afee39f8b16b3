//! The summary's exports: CSV and JSON of the finance table, an XLSX workbook with a sheet
//! per part, and a DOCX report document. All are written from the same `Year`.

use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, XlsxError};
use serde::Serialize;

use super::model::{FinanceRow, Totals, Year};
use crate::{
    dates::format_date,
    export::{
        Document, ExportFormat,
        csv::{amount as csv_amount, field as csv_field},
        docx::{
            PORTRAIT_TEXT_DXA, add_table, document, figure, heading, pack_titled, page_numbers,
            table, text,
        },
        xlsx::{header, money},
    },
    money::format_kronor,
    reports::model::SUB_GOALS,
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
    /// *Sammanfattning* and *Uppdraget*: the report's opening, before the figures.
    pub summary: String,
    pub assignment: String,
    /// The closing block: who decided (*Beslut i detta ärende har fattats av …*) and who
    /// presented (*Föredragande har varit …*), name and title as they are to read.
    pub decided_by: String,
    pub presented_by: String,
}

impl Sections {
    /// A section by its form key.
    pub fn part(&self, key: &str) -> &str {
        match key {
            "analysis" => &self.analysis,
            "innovation_hubs" => &self.innovation_hubs,
            "digg_views" => &self.digg_views,
            "summary" => &self.summary,
            "assignment" => &self.assignment,
            _ => "",
        }
    }

    /// Why the document to the Government (DOCX, and the PDF/A made from it) cannot be
    /// made yet: its cover lacks Tillväxtverket's diarienummer or the recipient ministry.
    /// The field it concerns (for the page's error summary) and what to do, in Swedish.
    pub fn cover_missing(
        &self,
        decisions: &super::model::Decisions,
    ) -> Option<(&'static str, &'static str)> {
        if self.case_number.trim().is_empty() {
            return Some((
                "case_number",
                "Dokumentet kan inte skapas: försättsbladet saknar Tillväxtverkets diarienummer. Skriv in diarienumret, spara avsnitten och skapa dokumentet igen.",
            ));
        }
        if decisions.report_ministry.trim().is_empty() {
            return Some((
                "report-rules",
                "Dokumentet kan inte skapas: försättsbladet saknar mottagaren, det departement redovisningen lämnas till. Ange det i beslutet som redovisningen följer och skapa dokumentet igen.",
            ));
        }
        None
    }

    /// The closing block's sentences, each only when its name is entered.
    pub fn closing(&self) -> Vec<String> {
        let mut lines = vec![];
        let decided = self.decided_by.trim().trim_end_matches('.');
        if !decided.is_empty() {
            lines.push(format!("Beslut i detta ärende har fattats av {decided}."));
        }
        let presented = self.presented_by.trim().trim_end_matches('.');
        if !presented.is_empty() {
            lines.push(format!("Föredragande har varit {presented}."));
        }
        lines
    }
}

/// What the document to the Government says of a `NO_DATA_MARK`: its reader knows
/// Tillväxtverket, not the system the figures were kept in.
const DOCUMENT_NO_DATA_LEGEND: &str = "– = uppgift saknas";

pub fn title(year: i32) -> String {
    Document::Summary.title(year)
}

/// `trend`: every year's totals up to this one, oldest first (for the DOCX's chart); `None`
/// for a year Digikoord has no figures of.
pub fn render(
    format: ExportFormat,
    year: &Year,
    sections: &Sections,
    trend: &[(i32, Option<Totals>)],
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

/// A row's amounts in the order of `FINANCE_HEADINGS`; `None` is `NO_DATA_MARK`.
fn amounts(r: &FinanceRow) -> [Option<Decimal>; 11] {
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

/// The total row, column by column as `amounts`: each the sum of its column's rows; a
/// year without any figures has none.
fn total_amounts(t: &Totals, known: bool) -> [Option<Decimal>; 11] {
    let known = |d: Decimal| known.then_some(d);
    [
        known(t.requisitioned),
        known(t.paid_out),
        t.personnel,
        t.services,
        t.travel,
        t.other,
        t.used,
        t.owed,
        known(t.repaid),
        t.outstanding,
        t.owed_to_regions,
    ]
}

/// A CSV amount, or `NO_DATA_MARK` where Digikoord has none.
fn csv_or_mark(a: Option<Decimal>) -> String {
    a.map_or_else(|| super::model::NO_DATA_MARK.to_string(), csv_amount)
}

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
        fields.extend(amounts(&r).iter().map(|a| csv_or_mark(*a)));
        fields.extend([
            csv_field(r.report_state),
            date(r.report_submitted),
            date(r.report_approved),
        ]);
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    let mut fields = vec!["Summa".to_string(), String::new()];
    let known = super::model::Coverage::of_year(year).has_data();
    fields.extend(
        total_amounts(&year.totals(), known)
            .iter()
            .map(|a| csv_or_mark(*a)),
    );
    fields.extend([String::new(), String::new(), String::new()]);
    out.push_str(&fields.join(";"));
    out.push_str("\r\n");
    // The notes under the table, as the other formats have them: after one empty line, each
    // in the first column of its own line.
    let notes = year.finance_notes();
    if !notes.is_empty() {
        out.push_str("\r\n");
        for note in notes {
            out.push_str(&csv_field(&format!("Not: {note}")));
            out.push_str("\r\n");
        }
    }
    out.into_bytes()
}

#[derive(Serialize)]
struct JsonExport<'a> {
    year: i32,
    decision_number: &'a str,
    actors: Vec<FinanceRow>,
    totals: Totals,
    /// Where a figure leaves out, or rests on, a report not yet approved.
    notes: Vec<String>,
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
        notes: year.finance_notes(),
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

/// An amount as a number in kronor format, or `NO_DATA_MARK` where Digikoord has none.
fn write_amount(
    sheet: &mut rust_xlsxwriter::Worksheet,
    row: u32,
    col: u16,
    amount: Option<Decimal>,
    format: &Format,
) -> Result<(), XlsxError> {
    match amount {
        Some(a) => sheet.write_number_with_format(row, col, money(a), format)?,
        None => sheet.write_string_with_format(
            row,
            col,
            super::model::NO_DATA_MARK,
            &format
                .clone()
                .set_align(rust_xlsxwriter::FormatAlign::Right),
        )?,
    };
    Ok(())
}

/// A day as a spreadsheet's date (a number formatted as a date), so it sorts and filters
/// as one.
fn excel_date(d: chrono::NaiveDate) -> Result<rust_xlsxwriter::ExcelDateTime, XlsxError> {
    use chrono::Datelike;
    rust_xlsxwriter::ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or_default(),
        d.month() as u8,
        d.day() as u8,
    )
}

pub fn xlsx(year: &Year, sections: &Sections) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let kr = Format::new().set_num_format("#,##0.00 \"kr\"");
    let kr_bold = Format::new().set_num_format("#,##0.00 \"kr\"").set_bold();
    let wrap = Format::new().set_text_wrap();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let title = title(year.year);

    let sheet = book.add_worksheet().set_name("Ekonomi")?;
    header(sheet, &FINANCE_HEADINGS, &bold, &title)?;
    let rows = year.finance_rows();
    for (i, r) in rows.iter().enumerate() {
        let row = i as u32 + 1;
        sheet.write_string(row, 0, &r.actor)?;
        sheet.write_string(row, 1, r.case_number.as_deref().unwrap_or(""))?;
        for (c, a) in amounts(r).iter().enumerate() {
            write_amount(sheet, row, c as u16 + 2, *a, &kr)?;
        }
        sheet.write_string(row, 13, r.report_state)?;
        for (col, d) in [(14, r.report_submitted), (15, r.report_approved)] {
            if let Some(d) = d {
                sheet.write_date_with_format(row, col, excel_date(d)?, &day)?;
            }
        }
    }
    // Filter and sort the actors' rows, not the totals under them.
    sheet.autofilter(0, 0, rows.len() as u32, FINANCE_HEADINGS.len() as u16 - 1)?;
    let total_row = rows.len() as u32 + 1;
    sheet.write_string_with_format(total_row, 0, "Summa", &bold)?;
    let known = super::model::Coverage::of_year(year).has_data();
    for (c, a) in total_amounts(&year.totals(), known).iter().enumerate() {
        write_amount(sheet, total_row, c as u16 + 2, *a, &kr_bold)?;
    }
    // The notes under the table, before Tillväxtverket's account.
    let notes = year.finance_notes();
    for (i, note) in notes.iter().enumerate() {
        sheet.write_string(total_row + 1 + i as u32, 0, note)?;
    }
    let account_row = total_row + notes.len() as u32 + 2;
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
    // Tillväxtverket's account exists only where the period has a Kammarkollegiet chain.
    let account_lines = if year.decisions.chain {
        &account_lines[..]
    } else {
        &account_lines[..1]
    };
    for (i, (label, value)) in account_lines.iter().enumerate() {
        let row = account_row + i as u32;
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
    sheet.autofilter(
        0,
        0,
        stats.per_actor.len() as u32,
        headings.len() as u16 - 1,
    )?;
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
    sheet.autofilter(0, 0, year.approved().count() as u32, 3)?;
    sheet.set_column_width(0, 30)?;
    for c in 1..4 {
        sheet.set_column_width(c, 60)?;
    }

    let sheet = book.add_worksheet().set_name("Tillväxtverket")?;
    header(sheet, &["Avsnitt", "Text"], &bold, &title)?;
    // In the document's order: the opening, the analysis and the parts the rules ask for,
    // and the closing block.
    let mut parts: Vec<(&str, String)> = vec![
        ("Sammanfattning", sections.summary.clone()),
        ("Uppdraget", sections.assignment.clone()),
    ];
    parts.extend(
        year.decisions
            .required_parts()
            .into_iter()
            .map(|(key, label)| (label, sections.part(key).to_string())),
    );
    parts.push(("Beslut och föredragning", sections.closing().join("\n")));
    for (i, (label, text)) in parts.iter().enumerate() {
        sheet.write_string_with_format(i as u32 + 1, 0, *label, &bold)?;
        sheet.write_string_with_format(i as u32 + 1, 1, text, &wrap)?;
    }
    sheet.set_column_width(0, 40)?;
    sheet.set_column_width(1, 100)?;

    book.save_to_buffer()
}

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
    for line in ["Regeringskansliet", year.decisions.report_ministry.as_str()] {
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
        .add_paragraph(text(&year.decisions.report_title))
        .add_paragraph(Paragraph::new());
    for citation in year.decisions.citations() {
        doc = doc.add_paragraph(text(&citation));
    }
    let frame = format!(
        "{} aktörer · ram {}",
        year.actors.len(),
        format_kronor(year.actors_frame())
    );
    doc.add_paragraph(text(&if year.decisions.chain {
        format!(
            "{frame} · rekvirerat från Kammarkollegiet {}",
            format_kronor(year.account.requisitioned.unwrap_or_default())
        )
    } else {
        format!("{frame} · ingen rekvisition från Kammarkollegiet enligt beslutet")
    }))
}

/// The report document: title page, its eight parts, the closing block (who decided, who
/// presented), and an appendix per actor.
pub fn docx(
    year: &Year,
    sections: &Sections,
    trend: &[(i32, Option<Totals>)],
) -> Result<Vec<u8>, String> {
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

    // The report opens as an agency's does: what it says in brief, and the assignment it
    // answers, both written by Tillväxtverket, before the figures.
    doc = doc
        .add_paragraph(heading("1. Sammanfattning", 1))
        .add_paragraph(text(&sections.summary))
        .add_paragraph(heading("2. Uppdraget", 1))
        .add_paragraph(text(&sections.assignment));

    // The finance table, with what the money was used for: ten columns, on pages of their
    // own in landscape where portrait is too narrow.
    let t = year.totals();
    let coverage = super::model::Coverage::of_year(year);
    let no_data = super::model::NO_DATA_MARK;
    // `amounts` from paid out to still to repay: without requisitioned (first) and owed to
    // the region (last); `–` where Digikoord has no figures, never 0 kr.
    let finance = |name: String, a: [Option<Decimal>; 11]| {
        std::iter::once(name)
            .chain(a[1..10].iter().map(|d| super::model::amount_or_mark(*d)))
            .collect::<Vec<_>>()
    };
    let actor_known =
        |a: &super::model::ActorYear| coverage.knows(super::model::Source::of_actor(a));
    let rows = year.finance_rows();
    doc = add_table(
        doc,
        heading("3. Ekonomi", 1),
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
        .chain(rows.iter().map(|r| finance(r.actor.clone(), amounts(r))))
        .chain(std::iter::once(finance(
            "Summa".into(),
            total_amounts(&t, coverage.has_data()),
        )))
        .collect(),
    );
    if !coverage.has_data() {
        doc = doc.add_paragraph(text(&format!(
            "{DOCUMENT_NO_DATA_LEGEND}: Tillväxtverket har inga uppgifter om {y}."
        )));
    } else if !year.actors.iter().all(actor_known) {
        doc = doc.add_paragraph(text(&format!(
            "{DOCUMENT_NO_DATA_LEGEND}: Tillväxtverket har inga uppgifter om aktören för {y}."
        )));
    } else if rows.iter().any(|r| r.used.is_none()) {
        doc = doc.add_paragraph(text(&format!(
            "{DOCUMENT_NO_DATA_LEGEND}: aktören har ingen godkänd redovisning för {y}."
        )));
    }
    for note in year.finance_notes() {
        doc = doc.add_paragraph(text(&note));
    }
    let a = &year.account;
    if !year.decisions.chain {
        doc = doc.add_paragraph(text(
            "Perioden har ingen rekvisition från och ingen återbetalning till Kammarkollegiet: beslutet anger ingen sådan.",
        ));
    } else {
        // The account as a small table, its last line what it comes to.
        doc = doc
            .add_paragraph(heading("Tillväxtverkets konto med Kammarkollegiet", 3))
            .add_table(table(
                std::iter::once(vec!["Post".to_string(), "Belopp".to_string()])
                    .chain(
                        [
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
                        ]
                        .into_iter()
                        .map(|(label, amount)| vec![label.to_string(), format_kronor(amount)]),
                    )
                    .collect(),
            ))
            .add_paragraph(text(
                "Att återbetala till Kammarkollegiet är det rekvirerade beloppet minus det som betalats ut till aktörerna och Tillväxtverkets egna kostnader, plus det som kommit in från regionerna, räknat högst till vad var och en var skyldig.",
            ));
    }
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
            &super::charts::trend_chart(trend)
                .replace(super::model::NO_DATA_LEGEND, DOCUMENT_NO_DATA_LEGEND)
                .replace(super::model::NO_DATA, "uppgift saknas"),
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
                match t {
                    Some(t) => vec![
                        y.to_string(),
                        format_kronor(t.paid_out),
                        super::model::amount_or_mark(t.used),
                        format_kronor(t.repaid),
                    ],
                    None => std::iter::once(y.to_string())
                        .chain([
                            no_data.to_string(),
                            no_data.to_string(),
                            no_data.to_string(),
                        ])
                        .collect(),
                }
            }))
            .collect(),
        ));
        if trend.iter().any(|(_, t)| t.is_none()) {
            doc = doc.add_paragraph(text(&format!(
                "{DOCUMENT_NO_DATA_LEGEND}: Tillväxtverket har inga uppgifter om året."
            )));
        }
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
        .add_paragraph(heading("4. Verksamheten", 1))
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
        .add_paragraph(heading("5. Självskattning", 1))
        .add_paragraph(text(&format!(
            "Positiv utveckling: tydligt {}, delvis {}, nej {}, kan inte bedöma {}.",
            c.of(c.yes),
            c.of(c.partly),
            c.of(c.no),
            c.of(c.cant_say)
        )));
    doc = doc.add_paragraph(heading("6. Behov och utmaningar", 1));
    for (actor, r) in year.approved() {
        doc = doc
            .add_paragraph(heading(&actor.actor_name, 3))
            .add_paragraph(text(&r.needs_and_challenges));
    }
    doc = doc.add_paragraph(heading("7. Resultat och effekter", 1));
    for (actor, r) in year.approved() {
        doc = doc
            .add_paragraph(heading(&actor.actor_name, 3))
            .add_paragraph(text(&r.results_and_effects));
    }
    doc = doc.add_paragraph(heading("8. Tillväxtverkets analys och slutsatser", 1));
    // The analysis, then the parts the report's rules ask for (the hubs, DIGG's views).
    for (key, label) in year.decisions.required_parts() {
        if key != "analysis" {
            doc = doc.add_paragraph(heading(label, 2));
        }
        doc = doc.add_paragraph(text(sections.part(key)));
    }
    // The closing block, where an agency's report names who decided and who presented.
    let closing = sections.closing();
    if !closing.is_empty() {
        doc = doc.add_paragraph(Paragraph::new());
        for line in closing {
            doc = doc.add_paragraph(text(&line));
        }
    }

    for (actor, r) in year.approved() {
        doc = doc
            .add_paragraph(page_break())
            .add_paragraph(heading(&format!("Bilaga: {}", actor.actor_name), 1));
        for (i, task) in year.decisions.tasks.iter().enumerate() {
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
    // Dated as its cover is, where an administrator has set the report's date.
    if let Ok(date) = crate::dates::parse_date(&sections.report_date) {
        let stamp = format!("{}T00:00:00Z", date.format("%Y-%m-%d"));
        doc = doc.created_at(&stamp).updated_at(&stamp);
    }
    pack_titled(doc, &title(y), "Tillväxtverket")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_document_needs_its_diarienummer_and_its_recipient_on_the_cover() {
        let mut decisions = super::super::model::Decisions {
            report_ministry: "Infrastrukturdepartementet".into(),
            ..Default::default()
        };
        let mut sections = Sections::default();
        assert_eq!(
            sections.cover_missing(&decisions).map(|(field, _)| field),
            Some("case_number")
        );
        sections.case_number = "Ä 2026-42".into();
        assert_eq!(sections.cover_missing(&decisions), None);
        decisions.report_ministry = " ".into();
        assert_eq!(
            sections.cover_missing(&decisions).map(|(field, _)| field),
            Some("report-rules")
        );
    }

    #[test]
    fn the_closing_block_names_who_decided_and_who_presented_once_entered() {
        let mut sections = Sections::default();
        assert!(sections.closing().is_empty());
        sections.decided_by = "generaldirektör Anna Andersson.".into();
        sections.presented_by = "handläggare Bo Berg".into();
        assert_eq!(
            sections.closing(),
            vec![
                "Beslut i detta ärende har fattats av generaldirektör Anna Andersson.",
                "Föredragande har varit handläggare Bo Berg.",
            ]
        );
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
