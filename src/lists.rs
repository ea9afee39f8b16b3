//! What every staff list shares: sorting by a column (`sortera=<kolumn>`,
//! `ordning=fallande`), the heading links that keep the search and filters and turn the
//! order, the queue's cases that need action first, and one table of typed cells that is
//! both the CSV and the XLSX of what the list shows.

use std::cmp::Ordering;

use axum::response::Response;
use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};
use rust_decimal::Decimal;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook, XlsxError};

use crate::{
    error::{AppError, Result},
    export::{csv, xlsx},
    web::download_response,
};

/// A column of a list: its key in `sortera=` and its heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    pub heading: &'static str,
}

pub const fn column(key: &'static str, heading: &'static str) -> Column {
    Column { key, heading }
}

/// One cell of a list, typed so it sorts, and exports, as what it is.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Empty,
    Text(String),
    Amount(Decimal),
    Date(NaiveDate),
    /// A moment in Swedish time (the audit log's).
    Time(NaiveDateTime),
    Number(i64),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }

    pub fn amount(a: Option<Decimal>) -> Cell {
        a.map_or(Cell::Empty, Cell::Amount)
    }

    pub fn date(d: Option<NaiveDate>) -> Cell {
        d.map_or(Cell::Empty, Cell::Date)
    }

    /// Cells of different kinds (only an empty one beside another, in practice) keep this
    /// order: an empty cell first.
    fn rank(&self) -> u8 {
        match self {
            Cell::Empty => 0,
            Cell::Text(_) => 1,
            Cell::Amount(_) => 2,
            Cell::Date(_) => 3,
            Cell::Time(_) => 4,
            Cell::Number(_) => 5,
        }
    }

    /// Ascending order: text as a Swedish reader sorts it (case aside, å ä ö after z),
    /// figures and dates by their value.
    pub fn compare(&self, other: &Cell) -> Ordering {
        match (self, other) {
            (Cell::Text(a), Cell::Text(b)) => text_key(a).cmp(&text_key(b)),
            (Cell::Amount(a), Cell::Amount(b)) => a.cmp(b),
            (Cell::Date(a), Cell::Date(b)) => a.cmp(b),
            (Cell::Time(a), Cell::Time(b)) => a.cmp(b),
            (Cell::Number(a), Cell::Number(b)) => a.cmp(b),
            (a, b) => a.rank().cmp(&b.rank()),
        }
    }

    /// The cell in a Swedish Excel's CSV.
    fn csv(&self) -> String {
        match self {
            Cell::Empty => String::new(),
            Cell::Text(s) => csv::field(s),
            Cell::Amount(a) => csv::amount(*a),
            Cell::Date(d) => d.to_string(),
            Cell::Time(t) => t.format("%Y-%m-%d %H:%M:%S").to_string(),
            Cell::Number(n) => n.to_string(),
        }
    }
}

/// Lower case, with the Swedish letters where the alphabet has them: after z, å ä ö.
fn text_key(s: &str) -> Vec<char> {
    s.to_lowercase()
        .chars()
        .map(|c| match c {
            'å' => '{',
            'ä' | 'æ' => '|',
            'ö' | 'ø' => '}',
            'é' | 'è' => 'e',
            'ü' => 'y',
            c => c,
        })
        .collect()
}

/// The order a list is shown in: by one of its columns, or (`column: None`) its own.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sort {
    pub column: Option<&'static str>,
    pub descending: bool,
}

/// A column's heading on the page: the link that sorts by it and what it is sorted by now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    pub key: &'static str,
    pub heading: &'static str,
    pub href: String,
    /// `ascending` or `descending` on the sorted column (`aria-sort`).
    pub aria_sort: Option<&'static str>,
}

impl Header {
    /// The arrow beside the sorted column's heading (hidden from screen readers, which
    /// read `aria-sort`).
    pub fn arrow(&self) -> &'static str {
        match self.aria_sort {
            Some("ascending") => "▲",
            Some("descending") => "▼",
            _ => "",
        }
    }
}

impl Sort {
    /// The order the query asks for; a column the list does not have is its own order.
    pub fn read(sortera: Option<&str>, ordning: Option<&str>, columns: &[Column]) -> Sort {
        let column = sortera
            .map(str::trim)
            .and_then(|key| columns.iter().find(|c| c.key == key))
            .map(|c| c.key);
        Sort {
            column,
            descending: column.is_some() && ordning.map(str::trim) == Some("fallande"),
        }
    }

    /// The list in its own order (the queue's order, with what needs action first).
    pub fn is_default(&self) -> bool {
        self.column.is_none()
    }

    /// What keeps this order in another link: `sortera=…` (and `&ordning=fallande`), or
    /// nothing.
    pub fn query(&self) -> String {
        match self.column {
            None => String::new(),
            Some(key) if self.descending => format!("sortera={key}&ordning=fallande"),
            Some(key) => format!("sortera={key}"),
        }
    }

    /// The heading of `column`: a link to the list (`base`: its address with the search,
    /// filters and year, without the order) sorted by it, ascending, or descending when it
    /// is already sorted ascending by it.
    pub fn header(&self, base: &str, column: Column) -> Header {
        let sorted = self.column == Some(column.key);
        let order = Sort {
            column: Some(column.key),
            descending: sorted && !self.descending,
        };
        Header {
            key: column.key,
            heading: column.heading,
            href: with_query(base, &order.query()),
            aria_sort: match (sorted, self.descending) {
                (false, _) => None,
                (true, false) => Some("ascending"),
                (true, true) => Some("descending"),
            },
        }
    }

    pub fn headers(&self, base: &str, columns: &[Column]) -> Vec<Header> {
        columns.iter().map(|c| self.header(base, *c)).collect()
    }

    /// How the list is sorted, in words, for the table's caption; `None` in its own order.
    pub fn describe(&self, columns: &[Column]) -> Option<String> {
        let column = columns.iter().find(|c| Some(c.key) == self.column)?;
        Some(format!(
            "Sorterad efter {}, {}",
            column.heading.to_lowercase(),
            if self.descending {
                "fallande"
            } else {
                "stigande"
            }
        ))
    }

    /// Sorts the rows by the sorted column's cell (`cells`: a row's cells in the order of
    /// `columns`), stably: rows alike keep their order. In its own order nothing moves.
    pub fn apply<T>(&self, rows: &mut Vec<T>, columns: &[Column], cells: impl Fn(&T) -> Vec<Cell>) {
        let Some(i) = columns.iter().position(|c| Some(c.key) == self.column) else {
            return;
        };
        let mut keyed: Vec<(Cell, T)> = rows
            .drain(..)
            .map(|row| {
                let cell = cells(&row).into_iter().nth(i).unwrap_or(Cell::Empty);
                (cell, row)
            })
            .collect();
        keyed.sort_by(|(a, _), (b, _)| {
            let order = a.compare(b);
            if self.descending {
                order.reverse()
            } else {
                order
            }
        });
        rows.extend(keyed.into_iter().map(|(_, row)| row));
    }
}

/// `base` (`?ar=2025&q=…`, or empty) with more parameters.
pub fn with_query(base: &str, more: &str) -> String {
    let base = base.trim_start_matches('?');
    match (base.is_empty(), more.is_empty()) {
        (true, true) => String::new(),
        (true, false) => format!("?{more}"),
        (false, true) => format!("?{base}"),
        (false, false) => format!("?{base}&{more}"),
    }
}

/// Puts the rows that need staff action first, each part in the order it had; how many
/// need action.
pub fn needs_action_first<T>(rows: &mut Vec<T>, needs_action: impl Fn(&T) -> bool) -> usize {
    let (mut first, rest): (Vec<T>, Vec<T>) = rows.drain(..).partition(|r| needs_action(r));
    let waiting = first.len();
    first.extend(rest);
    *rows = first;
    waiting
}

/// The sentence above a queue that opens on what needs action.
pub fn waiting_notice(waiting: usize) -> Option<String> {
    match waiting {
        0 => None,
        1 => Some("1 ärende väntar på handläggning – det visas först.".to_string()),
        n => Some(format!(
            "{n} ärenden väntar på handläggning – de visas först."
        )),
    }
}

/// A list as it is exported: its headings, and its rows of cells in the order shown.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Table {
    pub headings: Vec<&'static str>,
    pub rows: Vec<Vec<Cell>>,
}

/// The formats a list is downloaded in (`format=csv|xlsx`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Export {
    Csv,
    Xlsx,
}

impl Export {
    pub fn read(format: Option<&str>) -> Option<Export> {
        match format.map(str::trim) {
            Some("csv") => Some(Export::Csv),
            Some("xlsx") => Some(Export::Xlsx),
            _ => None,
        }
    }
}

impl Table {
    pub fn new(columns: &[Column], rows: impl IntoIterator<Item = Vec<Cell>>) -> Table {
        Table {
            headings: columns.iter().map(|c| c.heading).collect(),
            rows: rows.into_iter().collect(),
        }
    }

    /// As a Swedish Excel opens it: UTF-8 with a BOM, semicolons, CRLF, decimal commas.
    pub fn csv(&self) -> Vec<u8> {
        let mut out = String::from("\u{feff}");
        out.push_str(
            &self
                .headings
                .iter()
                .map(|h| csv::field(h))
                .collect::<Vec<_>>()
                .join(";"),
        );
        out.push_str("\r\n");
        for row in &self.rows {
            out.push_str(&row.iter().map(Cell::csv).collect::<Vec<_>>().join(";"));
            out.push_str("\r\n");
        }
        out.into_bytes()
    }

    /// One sheet (`sheet`: at most 31 characters): the headings bold and frozen, amounts
    /// as numbers in kronor, dates as dates, a filter over the table. `title` heads every
    /// printed page.
    pub fn xlsx(&self, sheet: &str, title: &str) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let kr = Format::new().set_num_format("#,##0.00 \"kr\"");
        let day = Format::new().set_num_format("yyyy-mm-dd");
        let moment = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
        let ws = book.add_worksheet().set_name(sheet)?;
        xlsx::header(ws, &self.headings, &bold, title)?;
        for (r, cells) in self.rows.iter().enumerate() {
            let row = r as u32 + 1;
            for (c, cell) in cells.iter().enumerate() {
                let col = c as u16;
                match cell {
                    Cell::Empty => {}
                    Cell::Text(s) => {
                        ws.write_string(row, col, s)?;
                    }
                    Cell::Amount(a) => {
                        ws.write_number_with_format(row, col, xlsx::money(*a), &kr)?;
                    }
                    Cell::Date(d) => {
                        ws.write_date_with_format(row, col, excel_date(*d)?, &day)?;
                    }
                    Cell::Time(t) => {
                        let at = excel_date(t.date())?.and_hms(
                            t.hour() as u16,
                            t.minute() as u8,
                            t.second() as f64,
                        )?;
                        ws.write_datetime_with_format(row, col, at, &moment)?;
                    }
                    Cell::Number(n) => {
                        ws.write_number(row, col, *n as f64)?;
                    }
                }
            }
        }
        if !self.headings.is_empty() {
            ws.autofilter(0, 0, self.rows.len() as u32, self.headings.len() as u16 - 1)?;
        }
        ws.autofit();
        book.save_to_buffer()
    }

    /// The table as a download: `name` is the file's name without its extension, `title`
    /// the sheet's (and its printed pages').
    pub fn download(&self, export: Export, name: &str, title: &str) -> Result<Response> {
        Ok(match export {
            Export::Csv => download_response(
                self.csv(),
                "text/csv; charset=utf-8",
                &format!("{name}.csv"),
            ),
            Export::Xlsx => {
                let sheet: String = title.chars().take(31).collect();
                let bytes = self
                    .xlsx(&sheet, title)
                    .map_err(|e| AppError::Internal(format!("xlsx: {e}")))?;
                download_response(
                    bytes,
                    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    &format!("{name}.xlsx"),
                )
            }
        })
    }
}

/// A day as a spreadsheet's date, so it sorts and filters as one.
fn excel_date(d: NaiveDate) -> Result<ExcelDateTime, XlsxError> {
    ExcelDateTime::from_ymd(
        u16::try_from(d.year()).unwrap_or_default(),
        d.month() as u8,
        d.day() as u8,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use calamine::{Data, Reader, Xlsx};

    const COLUMNS: [Column; 3] = [
        column("arende", "Ärende"),
        column("aktor", "Aktör"),
        column("belopp", "Belopp"),
    ];

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("a day")
    }

    #[test]
    fn the_order_is_read_from_the_query_and_an_unknown_column_is_the_lists_own() {
        assert_eq!(
            Sort::read(Some("aktor"), None, &COLUMNS),
            Sort {
                column: Some("aktor"),
                descending: false
            }
        );
        assert_eq!(
            Sort::read(Some("belopp"), Some("fallande"), &COLUMNS),
            Sort {
                column: Some("belopp"),
                descending: true
            }
        );
        assert_eq!(
            Sort::read(Some("okand"), Some("fallande"), &COLUMNS),
            Sort::default()
        );
        assert_eq!(
            Sort::read(None, Some("fallande"), &COLUMNS),
            Sort::default()
        );
        assert!(Sort::read(None, None, &COLUMNS).is_default());
    }

    #[test]
    fn a_heading_links_the_list_sorted_by_it_keeping_the_search_and_turning_the_order() {
        let base = "?ar=2025&lage=inskickad&q=sk%C3%A5ne";
        let unsorted = Sort::default();
        let h = unsorted.header(base, COLUMNS[1]);
        assert_eq!(h.href, "?ar=2025&lage=inskickad&q=sk%C3%A5ne&sortera=aktor");
        assert_eq!(h.aria_sort, None);

        let ascending = Sort::read(Some("aktor"), None, &COLUMNS);
        let h = ascending.header(base, COLUMNS[1]);
        assert_eq!(
            h.href,
            "?ar=2025&lage=inskickad&q=sk%C3%A5ne&sortera=aktor&ordning=fallande"
        );
        assert_eq!(h.aria_sort, Some("ascending"));
        assert_eq!(h.arrow(), "▲");
        assert_eq!(
            ascending.header(base, COLUMNS[2]).aria_sort,
            None,
            "only the sorted column says so"
        );

        let descending = Sort::read(Some("aktor"), Some("fallande"), &COLUMNS);
        let h = descending.header(base, COLUMNS[1]);
        assert_eq!(h.href, "?ar=2025&lage=inskickad&q=sk%C3%A5ne&sortera=aktor");
        assert_eq!(h.aria_sort, Some("descending"));
        assert_eq!(descending.query(), "sortera=aktor&ordning=fallande");
        assert_eq!(
            descending.describe(&COLUMNS).as_deref(),
            Some("Sorterad efter aktör, fallande")
        );
        assert_eq!(
            Sort::default().header("", COLUMNS[0]).href,
            "?sortera=arende"
        );
    }

    #[test]
    fn rows_sort_stably_by_a_column_in_either_direction_with_swedish_letters_last() {
        let rows = vec![
            ("DK-3", "Region Örebro", Some(5)),
            ("DK-1", "region Skåne", None),
            ("DK-2", "Region Östergötland", Some(1)),
            ("DK-4", "Region Ängelholm", Some(5)),
            ("DK-5", "Region Blekinge", Some(5)),
        ];
        let cells = |r: &(&str, &str, Option<i64>)| {
            vec![
                Cell::text(r.0),
                Cell::text(r.1),
                r.2.map_or(Cell::Empty, Cell::Number),
            ]
        };
        let order = |sort: Sort| {
            let mut rows = rows.clone();
            sort.apply(&mut rows, &COLUMNS, cells);
            rows.iter().map(|r| r.0).collect::<Vec<_>>()
        };
        assert_eq!(
            order(Sort::read(Some("aktor"), None, &COLUMNS)),
            ["DK-5", "DK-1", "DK-4", "DK-3", "DK-2"]
        );
        assert_eq!(
            order(Sort::read(Some("aktor"), Some("fallande"), &COLUMNS)),
            ["DK-2", "DK-3", "DK-4", "DK-1", "DK-5"]
        );
        // Equal figures keep their order; the empty cell comes first.
        assert_eq!(
            order(Sort::read(Some("belopp"), None, &COLUMNS)),
            ["DK-1", "DK-2", "DK-3", "DK-4", "DK-5"]
        );
        assert_eq!(
            order(Sort::default()),
            ["DK-3", "DK-1", "DK-2", "DK-4", "DK-5"]
        );
    }

    #[test]
    fn what_needs_action_comes_first_and_the_list_says_so() {
        let mut rows = vec![1, 2, 3, 4, 5, 6];
        assert_eq!(needs_action_first(&mut rows, |n| n % 3 == 0), 2);
        assert_eq!(rows, [3, 6, 1, 2, 4, 5]);
        assert_eq!(waiting_notice(0), None);
        assert_eq!(
            waiting_notice(1).as_deref(),
            Some("1 ärende väntar på handläggning – det visas först.")
        );
        assert_eq!(
            waiting_notice(3).as_deref(),
            Some("3 ärenden väntar på handläggning – de visas först.")
        );
    }

    fn table() -> Table {
        Table::new(
            &[
                column("arende", "Ärende"),
                column("belopp", "Belopp"),
                column("dag", "Inskickad"),
                column("tid", "Tid"),
                column("version", "Version"),
            ],
            [
                vec![
                    Cell::text("DK-2025-001"),
                    Cell::Amount(Decimal::new(100_000_050, 2)),
                    Cell::Date(day(2025, 3, 4)),
                    Cell::Time(day(2025, 3, 4).and_hms_opt(8, 5, 0).expect("a time")),
                    Cell::Number(2),
                ],
                vec![
                    Cell::text("=SUM(A1)"),
                    Cell::Empty,
                    Cell::date(None),
                    Cell::Empty,
                    Cell::Empty,
                ],
            ],
        )
    }

    #[test]
    fn the_csv_is_as_a_swedish_excel_opens_it() {
        let csv = String::from_utf8(table().csv()).expect("utf-8");
        assert_eq!(
            csv,
            "\u{feff}Ärende;Belopp;Inskickad;Tid;Version\r\n\
             DK-2025-001;1000000,50;2025-03-04;2025-03-04 08:05:00;2\r\n\
             '=SUM(A1);;;;\r\n"
        );
    }

    #[test]
    fn the_workbook_has_amounts_as_numbers_real_dates_and_a_filter() {
        let bytes = table()
            .xlsx("Rekvisitioner 2025", "Rekvisitioner 2025")
            .expect("xlsx");
        let mut book: Xlsx<_> =
            calamine::open_workbook_from_rs(std::io::Cursor::new(bytes.clone())).expect("opens");
        let sheet = book
            .worksheet_range("Rekvisitioner 2025")
            .expect("the sheet");
        assert_eq!(
            sheet.get_value((0, 0)),
            Some(&Data::String("Ärende".into()))
        );
        assert_eq!(sheet.get_value((1, 1)), Some(&Data::Float(1_000_000.5)));
        assert!(matches!(sheet.get_value((1, 2)), Some(Data::DateTime(_))));
        assert!(matches!(sheet.get_value((1, 3)), Some(Data::DateTime(_))));
        assert_eq!(sheet.get_value((1, 4)), Some(&Data::Float(2.0)));
        assert_eq!(
            sheet.get_value((2, 0)),
            Some(&Data::String("=SUM(A1)".into()))
        );

        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut xml = String::new();
        std::io::Read::read_to_string(
            &mut zip
                .by_name("xl/worksheets/sheet1.xml")
                .expect("the sheet's part"),
            &mut xml,
        )
        .expect("xml");
        assert!(xml.contains("<autoFilter ref=\"A1:E3\""), "{xml}");
        assert!(
            xml.contains("state=\"frozen\""),
            "the heading row is frozen: {xml}"
        );
    }
}
