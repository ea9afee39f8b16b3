//! Workbooks as an official prints them: figures as numbers, the heading row frozen and
//! repeated on every printed page, A4 landscape one page wide.

use rust_decimal::{Decimal, prelude::ToPrimitive};
use rust_xlsxwriter::{Format, Worksheet, XlsxError};

pub fn money(d: Decimal) -> f64 {
    d.to_f64().unwrap_or_default()
}

/// The sheet's headings in its first row, frozen on screen and repeated on every printed page.
pub fn header(
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
pub fn print_setup(
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
