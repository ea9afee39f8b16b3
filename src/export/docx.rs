//! Word documents as an authority sends them, on docx-rs: Word's built-in styles, headings,
//! tables fitted to their columns (on landscape pages of their own when too wide), charts
//! as figures, page numbers, and what docx-rs 0.4 cannot say added to its XML (`pack`).

pub fn heading(text: &str, level: usize) -> docx_rs::Paragraph {
    let size = match level {
        1 => 32,
        2 => 28,
        _ => 24,
    };
    docx_rs::Paragraph::new()
        .style(&format!("Heading{level}"))
        .add_run(docx_rs::Run::new().add_text(text).bold().size(size))
}

pub fn text(text: &str) -> docx_rs::Paragraph {
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
/// An A4 page's short and long side, and the text width upright and on its side (docx-rs's
/// margins of 3 cm), in twentieths of a point.
const A4_SHORT_DXA: u32 = 11_906;
const A4_LONG_DXA: u32 = 16_838;
pub const PORTRAIT_TEXT_DXA: usize = A4_SHORT_DXA as usize - 2 * 1_701;
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

/// The width of the heading row's longest word in each column, bold at 8 pt: a column is
/// never narrower, so a heading wraps between its words, never inside one.
fn heading_needs(rows: &[Vec<String>]) -> Vec<usize> {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    (0..columns)
        .map(|c| {
            let longest = rows
                .first()
                .and_then(|r| r.get(c))
                .map(|t| {
                    t.split_whitespace()
                        .map(|w| w.chars().count())
                        .max()
                        .unwrap_or(0)
                })
                .unwrap_or(0);
            longest * 80 + 216
        })
        .collect()
}

/// Column widths sharing `total` by what each column needs, so names and amounts stay on
/// one line where the page allows. Where it does not, each column first gets its heading's
/// longest word (`heading_needs`) and the rest is shared by what each needs beyond that.
fn column_widths(rows: &[Vec<String>], total: usize) -> Vec<usize> {
    let needs = column_needs(rows);
    let sum: usize = needs.iter().sum();
    if sum <= total {
        return needs.iter().map(|n| total * n / sum.max(1)).collect();
    }
    let floors = heading_needs(rows);
    let spare = total.saturating_sub(floors.iter().sum());
    let beyond: Vec<usize> = needs
        .iter()
        .zip(&floors)
        .map(|(n, f)| n.saturating_sub(*f))
        .collect();
    let beyond_sum: usize = beyond.iter().sum();
    floors
        .iter()
        .zip(&beyond)
        .map(|(f, b)| f + spare * b / beyond_sum.max(1))
        .collect()
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
pub fn table(rows: Vec<Vec<String>>) -> docx_rs::Table {
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
pub fn add_table(
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

/// The document's title and author in its core properties (`docProps/core.xml`): Word shows
/// them under its properties, and LibreOffice carries them into the PDF/A's metadata
/// (`crate::pdfa`). docx-rs 0.4 writes `unknown` for the author and no title (its settings
/// for them are private), so they are written here; the language is Swedish.
fn with_properties(core: &str, title: &str, author: &str) -> String {
    let escape = |s: &str| {
        s.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
    };
    let author = escape(author);
    core.replace(
        "<dc:creator>unknown</dc:creator>",
        &format!("<dc:creator>{author}</dc:creator>"),
    )
    .replace(
        "<cp:lastModifiedBy>unknown</cp:lastModifiedBy>",
        &format!("<cp:lastModifiedBy>{author}</cp:lastModifiedBy>"),
    )
    .replace(
        "</cp:coreProperties>",
        &format!(
            "<dc:title>{}</dc:title><dc:language>sv-SE</dc:language></cp:coreProperties>",
            escape(title)
        ),
    )
}

/// The DOCX's bytes, with `finish_document_xml`'s additions.
pub fn pack(doc: docx_rs::Docx) -> Result<Vec<u8>, String> {
    pack_with(doc, None)
}

/// `pack`, with the document's `title` and `author` in its properties (`with_properties`).
pub fn pack_titled(doc: docx_rs::Docx, title: &str, author: &str) -> Result<Vec<u8>, String> {
    pack_with(doc, Some((title, author)))
}

fn pack_with(doc: docx_rs::Docx, properties: Option<(&str, &str)>) -> Result<Vec<u8>, String> {
    let mut xml = doc.build();
    if let Some((title, author)) = properties {
        let core = String::from_utf8(std::mem::take(&mut xml.doc_props.core))
            .map_err(|e| format!("docx: {e}"))?;
        xml.doc_props.core = with_properties(&core, title, author).into_bytes();
    }
    let document =
        String::from_utf8(std::mem::take(&mut xml.document)).map_err(|e| format!("docx: {e}"))?;
    xml.document = finish_document_xml(&without_forbidden_chars(&document)).into_bytes();
    let mut out = std::io::Cursor::new(Vec::new());
    xml.pack(&mut out).map_err(|e| format!("docx: {e}"))?;
    Ok(out.into_inner())
}

/// A chart as a picture 16 cm wide, with its number and title below as the caption.
pub fn figure(svg: &str, number: usize, title: &str) -> Result<Vec<docx_rs::Paragraph>, String> {
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
pub fn document() -> docx_rs::Docx {
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
pub fn page_numbers() -> docx_rs::Footer {
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

    #[test]
    fn the_title_and_author_are_the_documents_properties() {
        let bytes =
            pack_titled(document(), "Rapport & bilagor 2025", "Tillväxtverket").expect("packed");
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("zip");
        let mut core = String::new();
        std::io::Read::read_to_string(
            &mut zip.by_name("docProps/core.xml").expect("core.xml"),
            &mut core,
        )
        .expect("read");
        assert!(
            core.contains("<dc:title>Rapport &amp; bilagor 2025</dc:title>"),
            "{core}"
        );
        assert!(
            core.contains("<dc:creator>Tillväxtverket</dc:creator>"),
            "{core}"
        );
        assert!(!core.contains("unknown"), "{core}");
    }

    #[test]
    fn a_crowded_table_still_gives_each_heading_word_its_width() {
        let mut rows = vec![
            ["Aktör", "Outnyttjat", "Återbetalt", "Köpta tjänster"]
                .map(String::from)
                .to_vec(),
        ];
        rows.push(
            std::iter::once("Västra Götalandsregionen och dess långa namn".to_string())
                .chain((0..3).map(|_| "2 100 000 000,00 kr".to_string()))
                .collect(),
        );
        assert!(column_needs(&rows).iter().sum::<usize>() > 5_000);
        let widths = column_widths(&rows, 5_000);
        for (w, floor) in widths.iter().zip(heading_needs(&rows)) {
            assert!(*w >= floor, "{widths:?}");
        }
        assert!(widths.iter().sum::<usize>() <= 5_000, "{widths:?}");
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
}
