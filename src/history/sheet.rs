//! Reading an uploaded history sheet (XLSX or CSV) into a grid of cells, and writing the
//! template. An upload is somebody else's file: it is refused, not parsed, when it is bigger
//! than any real sheet of the programme could be. An XLSX is a ZIP whose parts are counted
//! and inflated with a cap before the spreadsheet reader sees them (a 1 MB file can hold
//! gigabytes, or name the cell XFD1048576 and make a reader lay out 17 billion cells); its
//! cells are then read one at a time, in bounds. A CSV is read with the same bounds.
//! The work is CPU-bound: callers run it off the async workers (`read_off_the_workers`).

use std::io::Read;

use chrono::NaiveDate;

use super::model::COLUMNS;

/// More rows than 2 000 actors over 10 years, with room to spare.
pub const MAX_ROWS: usize = 25_000;
/// The template has 11 columns; a few empty ones beside them are forgiven.
pub const MAX_COLUMNS: usize = 30;
/// No cell of the template holds more than a name.
pub const MAX_CELL_CHARS: usize = 1_000;
/// An XLSX of the template has a dozen parts.
const MAX_ZIP_ENTRIES: usize = 200;
/// No part of a real sheet comes near it (a sheet of `MAX_ROWS` rows is a few MB).
const MAX_ENTRY_BYTES: u64 = 32 * 1024 * 1024;
const MAX_TOTAL_BYTES: u64 = 64 * 1024 * 1024;
/// Inflated to more than this many times its compressed size, a part is a bomb: XML
/// compresses about 10:1, never 100:1 at a size that matters.
const MAX_RATIO: u64 = 100;
/// Below this, any ratio is harmless.
const RATIO_FROM_BYTES: u64 = 1024 * 1024;

pub const TOO_BIG: &str = "Filen är större än ett blad med programmets historik kan vara (fler än 25\u{a0}000 rader, 30 kolumner eller 1\u{a0}000 tecken i en cell, eller en komprimerad Excel-fil som packas upp till mer än 64 MB). Utgå från mallen och försök igen.";
const UNREADABLE: &str = "Excel-filen kunde inte läsas. Spara den som XLSX och försök igen.";

/// The sheet of an uploaded file, read on a blocking thread: the async workers keep
/// answering everyone else while a big file is looked at.
pub async fn read_off_the_workers(
    bytes: std::sync::Arc<Vec<u8>>,
) -> Result<Vec<Vec<String>>, &'static str> {
    tokio::task::spawn_blocking(move || grid_of(&bytes))
        .await
        .unwrap_or(Err(UNREADABLE))
}

/// The sheet of an uploaded file: XLSX (its first sheet) or CSV (UTF-8), within the bounds.
pub fn grid_of(bytes: &[u8]) -> Result<Vec<Vec<String>>, &'static str> {
    if bytes.starts_with(b"PK") {
        return xlsx_grid(bytes);
    }
    let text = std::str::from_utf8(bytes)
        .map_err(|_| "Filen är varken en Excel-fil (XLSX) eller en CSV-fil i UTF-8.")?;
    csv_grid(text)
}

/// Reads semicolon-separated text as Swedish Excel writes it (a BOM, quotes doubled inside
/// quoted fields); a comma-separated file without semicolons is read too. Refused, and
/// stopped at once, past `MAX_ROWS`, `MAX_COLUMNS` or `MAX_CELL_CHARS`.
pub fn csv_grid(text: &str) -> Result<Vec<Vec<String>>, &'static str> {
    let text = text.trim_start_matches('\u{feff}');
    // The first record decides (a semicolon outside quotes, before its first line break
    // outside quotes: a quoted cell may hold either).
    let mut separator = ',';
    let mut in_quotes = false;
    for c in text.chars() {
        match c {
            '"' => in_quotes = !in_quotes,
            ';' if !in_quotes => {
                separator = ';';
                break;
            }
            '\n' if !in_quotes => break,
            _ => {}
        }
    }
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut row: Vec<String> = Vec::new();
    let mut field = String::new();
    let mut field_chars = 0;
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    let end_field = |row: &mut Vec<String>, field: &mut String, field_chars: &mut usize| {
        *field_chars = 0;
        row.push(std::mem::take(field));
        if row.len() > MAX_COLUMNS {
            return Err(TOO_BIG);
        }
        Ok(())
    };
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                field.push('"');
                field_chars += 1;
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c == separator && !quoted => end_field(&mut row, &mut field, &mut field_chars)?,
            '\r' if !quoted => {}
            '\n' if !quoted => {
                end_field(&mut row, &mut field, &mut field_chars)?;
                rows.push(std::mem::take(&mut row));
                if rows.len() > MAX_ROWS {
                    return Err(TOO_BIG);
                }
            }
            c => {
                field.push(c);
                field_chars += 1;
            }
        }
        if field_chars > MAX_CELL_CHARS {
            return Err(TOO_BIG);
        }
    }
    if !field.is_empty() || !row.is_empty() {
        end_field(&mut row, &mut field, &mut field_chars)?;
        rows.push(row);
        if rows.len() > MAX_ROWS {
            return Err(TOO_BIG);
        }
    }
    Ok(rows)
}

/// The ZIP's parts, each inflated into nothing with a cap: their number, each one's size and
/// their sum, whatever the headers claim, and how far each grew from its compressed size.
fn check_zip(bytes: &[u8]) -> Result<(), &'static str> {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| UNREADABLE)?;
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(TOO_BIG);
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|_| UNREADABLE)?;
        let compressed = entry.compressed_size().max(1);
        if entry.size() > MAX_ENTRY_BYTES {
            return Err(TOO_BIG);
        }
        // The size the header declares may lie: what is inflated is counted.
        let inflated = std::io::copy(&mut entry.take(MAX_ENTRY_BYTES + 1), &mut std::io::sink())
            .map_err(|_| UNREADABLE)?;
        total += inflated;
        if inflated > MAX_ENTRY_BYTES
            || total > MAX_TOTAL_BYTES
            || (inflated > RATIO_FROM_BYTES && inflated / compressed > MAX_RATIO)
        {
            return Err(TOO_BIG);
        }
    }
    Ok(())
}

fn xlsx_grid(bytes: &[u8]) -> Result<Vec<Vec<String>>, &'static str> {
    use calamine::{DataRef, Reader, Xlsx};
    check_zip(bytes)?;
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).map_err(|_| UNREADABLE)?;
    let first = book.sheet_names().first().cloned().ok_or(UNREADABLE)?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| UNREADABLE)?;
    let mut grid: Vec<Vec<String>> = Vec::new();
    // Cell by cell, never the sheet's declared dimensions: a cell out of bounds is refused
    // before anything is laid out for it.
    while let Some(cell) = cells.next_cell().map_err(|_| UNREADABLE)? {
        let (row, column) = cell.get_position();
        let (row, column) = (row as usize, column as usize);
        if row >= MAX_ROWS || column >= MAX_COLUMNS {
            return Err(TOO_BIG);
        }
        let text = match cell.get_value() {
            DataRef::String(s) => s.clone(),
            DataRef::SharedString(s) => s.to_string(),
            DataRef::Float(f) if f.fract() == 0.0 => format!("{f:.0}"),
            DataRef::Float(f) => format!("{f:.2}"),
            DataRef::Int(i) => i.to_string(),
            // Excel counts days from 30 December 1899.
            DataRef::DateTime(d) => NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|epoch| {
                    epoch.checked_add_days(chrono::Days::new(d.as_f64().max(0.0) as u64))
                })
                .map(|day| day.to_string())
                .unwrap_or_default(),
            DataRef::DateTimeIso(s) => s.chars().take(10).collect(),
            DataRef::Bool(b) => b.to_string(),
            _ => String::new(),
        };
        if text.chars().count() > MAX_CELL_CHARS {
            return Err(TOO_BIG);
        }
        if grid.len() <= row {
            grid.resize(row + 1, Vec::new());
        }
        let cells_of_row = &mut grid[row];
        if cells_of_row.len() <= column {
            cells_of_row.resize(column + 1, String::new());
        }
        cells_of_row[column] = text;
    }
    // Every row as wide as the widest, as a range would give it.
    let width = grid.iter().map(Vec::len).max().unwrap_or(0);
    for row in &mut grid {
        row.resize(width, String::new());
    }
    Ok(grid)
}

/// The template as CSV: the header and a row per (year, actor, organisation number).
pub fn template_csv(rows: &[(i32, String, Option<String>)]) -> Vec<u8> {
    use crate::export::csv::field as quote;
    let mut out = String::from("\u{feff}");
    out.push_str(&COLUMNS.join(";"));
    out.push_str("\r\n");
    for (year, actor, number) in rows {
        out.push_str(&format!(
            "{year};{};{}{}\r\n",
            quote(actor),
            quote(number.as_deref().unwrap_or("")),
            ";".repeat(COLUMNS.len() - 3)
        ));
    }
    out.into_bytes()
}

/// The template as XLSX: the same, with the columns wide enough and the header frozen.
pub fn template_xlsx(
    rows: &[(i32, String, Option<String>)],
) -> Result<Vec<u8>, rust_xlsxwriter::XlsxError> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    let sheet = book.add_worksheet().set_name("Historik")?;
    for (c, h) in COLUMNS.iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, &bold)?;
        sheet.set_column_width(c as u16, if c == 1 { 34 } else { 18 })?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, (year, actor, number)) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        sheet.write_number(r, 0, f64::from(*year))?;
        sheet.write_string(r, 1, actor)?;
        sheet.write_string(r, 2, number.as_deref().unwrap_or(""))?;
    }
    book.save_to_buffer()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::history::model::parse;
    use rust_decimal::Decimal;

    #[test]
    fn quoted_fields_keep_their_semicolons_and_quotes() {
        let g = csv_grid("\u{feff}a;\"b;c\";\"d \"\"e\"\"\"\r\nf;g;h\n").expect("read");
        assert_eq!(g, vec![vec!["a", "b;c", "d \"e\""], vec!["f", "g", "h"]]);
    }

    #[test]
    fn the_templates_read_back_as_a_sheet_with_the_header_and_the_rows() {
        let rows = vec![(
            2019,
            "Region Skåne".to_string(),
            Some("232100-0255".to_string()),
        )];
        for bytes in [template_csv(&rows), template_xlsx(&rows).expect("xlsx")] {
            let grid = grid_of(&bytes).expect("readable");
            assert_eq!(grid[0], COLUMNS.map(String::from).to_vec());
            assert_eq!(grid[1][0], "2019");
            assert_eq!(grid[1][1], "Region Skåne");
            assert_eq!(grid[1][2], "232100-0255");
        }
        assert!(grid_of(&[0xff, 0xfe, 0x00]).is_err());
    }

    #[test]
    fn a_csv_past_its_bounds_is_refused_as_soon_as_it_is_met() {
        assert_eq!(csv_grid(&";".repeat(10_000_000)), Err(TOO_BIG));
        assert_eq!(csv_grid(&"a\n".repeat(MAX_ROWS + 1)), Err(TOO_BIG));
        assert!(csv_grid(&"a\n".repeat(MAX_ROWS)).is_ok());
        assert_eq!(csv_grid(&"x".repeat(MAX_CELL_CHARS + 1)), Err(TOO_BIG));
        let quoted = format!("\"{}\"", "\"\"".repeat(MAX_CELL_CHARS + 1));
        assert_eq!(csv_grid(&quoted), Err(TOO_BIG));
        assert!(csv_grid(&"x".repeat(MAX_CELL_CHARS)).is_ok());
        assert!(csv_grid(&";".repeat(MAX_COLUMNS - 1)).is_ok());
    }

    #[test]
    fn a_cell_far_out_is_refused_without_laying_out_the_sheet() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        sheet.write_string(0, 0, "År").expect("A1");
        sheet
            .write_string(1_048_575, 16_383, "x")
            .expect("XFD1048576");
        let bytes = book.save_to_buffer().expect("xlsx");
        assert!(bytes.len() < 10_000);
        assert_eq!(grid_of(&bytes), Err(TOO_BIG));
    }

    /// A ZIP with one part of `size` bytes of one letter: a few kB that inflate to `size`.
    fn bomb(size: usize) -> Vec<u8> {
        use std::io::Write;
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .large_file(size as u64 > u64::from(u32::MAX));
        out.start_file("xl/sharedStrings.xml", options)
            .expect("part");
        let chunk = vec![b'a'; 1024 * 1024];
        for _ in 0..size / chunk.len() {
            out.write_all(&chunk).expect("write");
        }
        out.finish().expect("zip").into_inner()
    }

    #[test]
    fn a_zip_bomb_is_refused_before_it_is_read() {
        let bytes = bomb(200 * 1024 * 1024);
        assert!(bytes.len() < 1024 * 1024, "{}", bytes.len());
        assert_eq!(grid_of(&bytes), Err(TOO_BIG));
        // Small and highly compressible is still fine (the ratio counts from 1 MB).
        assert_eq!(check_zip(&bomb(1024 * 1024)), Ok(()));
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// A grid written as Swedish Excel writes CSV: semicolons, quotes doubled in quoted
        /// fields.
        fn write_csv(grid: &[Vec<String>]) -> String {
            grid.iter()
                .map(|row| {
                    row.iter()
                        .map(|f| format!("\"{}\"", f.replace('"', "\"\"")))
                        .collect::<Vec<_>>()
                        .join(";")
                })
                .map(|line| line + "\r\n")
                .collect()
        }

        proptest! {
            /// Whatever the cells hold (separators, quotes, line breaks), the CSV reads back
            /// as the same grid.
            #[test]
            fn a_csv_reads_back_as_the_grid_written(
                grid in prop::collection::vec(prop::collection::vec("\\PC{0,8}|[;\"\r\n,a]{0,4}", 2..5), 1..5),
            ) {
                prop_assert_eq!(csv_grid(&write_csv(&grid)), Ok(grid));
            }

            /// Any uploaded bytes are answered without panicking, and any row accepted holds a
            /// programme year and amounts that are never negative.
            #[test]
            fn any_upload_is_read_or_refused_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
                if let Ok(grid) = grid_of(&bytes)
                    && let Ok(rows) = parse(&grid)
                {
                    for row in rows {
                        prop_assert!((2000..=2100).contains(&row.year));
                        prop_assert!(row.requisitioned >= Decimal::ZERO);
                    }
                }
            }
        }
    }
}
