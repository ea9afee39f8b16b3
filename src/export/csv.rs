//! CSV as a Swedish Excel opens it: UTF-8 with a BOM, semicolons, decimal commas, and no
//! cell a spreadsheet would run as a formula.

use rust_decimal::Decimal;

/// `1000000,50`: a decimal comma and no grouping, as Swedish Excel reads a number.
pub fn amount(d: Decimal) -> String {
    format!("{:.2}", d.round_dp(2)).replace('.', ",")
}

/// A text field, quoted when it must be. A value a spreadsheet would run as a formula gets
/// a leading apostrophe; a phone or organisation number (`+46 70…`, `232100-0016`) holds
/// nothing a formula could do harm with and is left as it is.
pub fn field(s: &str) -> String {
    let harmless = s.chars().all(|c| c.is_ascii_digit() || " +()-".contains(c));
    let s = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) && !harmless {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_when_they_must_be_and_never_run_as_formulas() {
        assert_eq!(field("Region Skåne"), "Region Skåne");
        assert_eq!(field("a;b"), "\"a;b\"");
        assert_eq!(field("sa \"hej\""), "\"sa \"\"hej\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(field("-1+SUM(A1:A9)"), "'-1+SUM(A1:A9)");
        assert_eq!(field("+46 70 123 45 67"), "+46 70 123 45 67");
        assert_eq!(field("232100-0016"), "232100-0016");
        assert_eq!(field("-"), "-");
    }

    #[test]
    fn amounts_have_a_decimal_comma_and_no_grouping() {
        assert_eq!(amount(Decimal::new(100_000_050, 2)), "1000000,50");
        assert_eq!(amount(Decimal::new(-5, 0)), "-5,00");
    }
}
