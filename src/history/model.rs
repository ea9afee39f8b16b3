//! The pure rules of importing earlier years: the template's columns, and checking every
//! row and column with a Swedish message naming both. Reading the file is `sheet`.

use std::collections::HashSet;

use chrono::NaiveDate;
use rust_decimal::Decimal;

use crate::{dates::parse_date, money::Amount};

/// The template's columns, in order.
pub const COLUMNS: [&str; 11] = [
    "År",
    "Aktör",
    "Organisationsnummer",
    "Rekvirerat",
    "Utbetalt",
    "Utbetalningsdag",
    "Använt",
    "Outnyttjat",
    "Återbetalt",
    "Återbetalningsdag",
    "Redovisning godkänd",
];

/// One actor's year as the spreadsheet gives it. `line` is the spreadsheet's row number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub line: usize,
    pub year: i32,
    pub actor: String,
    pub org_number: Option<String>,
    pub requisitioned: Decimal,
    pub paid_out: Option<Decimal>,
    pub paid_on: Option<NaiveDate>,
    pub used: Option<Decimal>,
    pub unused: Option<Decimal>,
    pub repaid: Option<Decimal>,
    pub repaid_on: Option<NaiveDate>,
    pub report_approved_on: Option<NaiveDate>,
}

/// What is wrong, where: "Rad 4, kolumn Utbetalt: …".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub line: usize,
    pub column: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(line: usize, column: &'static str, message: impl Into<String>) -> Problem {
        Problem {
            line,
            column,
            message: message.into(),
        }
    }
}

fn cell(row: &[String], i: usize) -> &str {
    row.get(i).map_or("", |s| s.trim())
}

fn amount(problems: &mut Vec<Problem>, line: usize, col: usize, value: &str) -> Option<Decimal> {
    if value.is_empty() {
        return None;
    }
    match Amount::parse(value) {
        Ok(a) => Some(a.value()),
        Err(e) => {
            problems.push(Problem::new(line, COLUMNS[col], e));
            None
        }
    }
}

fn date(problems: &mut Vec<Problem>, line: usize, col: usize, value: &str) -> Option<NaiveDate> {
    if value.is_empty() {
        return None;
    }
    match parse_date(value) {
        Ok(d) => Some(d),
        Err(e) => {
            problems.push(Problem::new(line, COLUMNS[col], e));
            None
        }
    }
}

/// Checks the sheet: the header, then every row (blank rows are skipped). Either every row
/// is right, or every problem is named.
pub fn parse(grid: &[Vec<String>]) -> Result<Vec<Row>, Vec<Problem>> {
    let mut problems = Vec::new();
    let Some(header) = grid.first() else {
        return Err(vec![Problem::new(1, COLUMNS[0], "Filen är tom.")]);
    };
    for (i, expected) in COLUMNS.iter().enumerate() {
        if !cell(header, i).eq_ignore_ascii_case(expected) && cell(header, i) != *expected {
            problems.push(Problem::new(
                1,
                COLUMNS[i],
                format!(
                    "Rubriken ska vara ”{expected}”, inte ”{}”. Utgå från mallen.",
                    cell(header, i)
                ),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let mut rows = Vec::new();
    let mut seen = HashSet::new();
    for (index, raw) in grid.iter().enumerate().skip(1) {
        let line = index + 1;
        if raw.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        let before = problems.len();
        let year = match crate::dates::parse_year(cell(raw, 0)) {
            Ok(y) => Some(y),
            Err(_) => {
                problems.push(Problem::new(
                    line,
                    COLUMNS[0],
                    "Ange året, till exempel 2019.",
                ));
                None
            }
        };
        let actor = cell(raw, 1).to_string();
        let org_number = Some(cell(raw, 2).to_string()).filter(|n| !n.is_empty());
        if actor.is_empty() && org_number.is_none() {
            problems.push(Problem::new(
                line,
                COLUMNS[1],
                "Ange aktörens namn eller organisationsnummer.",
            ));
        }
        let requisitioned = amount(&mut problems, line, 3, cell(raw, 3));
        if cell(raw, 3).is_empty() {
            problems.push(Problem::new(
                line,
                COLUMNS[3],
                "Ange det rekvirerade beloppet (0 om aktören inte rekvirerade).",
            ));
        }
        let paid_out = amount(&mut problems, line, 4, cell(raw, 4));
        let paid_on = date(&mut problems, line, 5, cell(raw, 5));
        let used = amount(&mut problems, line, 6, cell(raw, 6));
        let unused = amount(&mut problems, line, 7, cell(raw, 7));
        let repaid = amount(&mut problems, line, 8, cell(raw, 8));
        let repaid_on = date(&mut problems, line, 9, cell(raw, 9));
        let report_approved_on = date(&mut problems, line, 10, cell(raw, 10));
        if problems.len() > before {
            continue;
        }
        let mut check = |ok: bool, col: usize, message: &str| {
            if !ok {
                problems.push(Problem::new(line, COLUMNS[col], message));
            }
        };
        check(
            paid_out.is_some() == paid_on.is_some(),
            5,
            "Ange både utbetalt belopp och utbetalningsdag, eller inget av dem.",
        );
        check(
            repaid.is_some() == repaid_on.is_some(),
            9,
            "Ange både återbetalt belopp och återbetalningsdag, eller inget av dem.",
        );
        check(
            used.is_some() == unused.is_some(),
            7,
            "Ange både använt och outnyttjat, eller inget av dem.",
        );
        if let (Some(p), Some(r)) = (paid_out, requisitioned) {
            check(p <= r, 4, "Utbetalt kan inte vara mer än rekvirerat.");
        }
        if let (Some(u), Some(n)) = (used, unused) {
            check(
                paid_out == Some(u + n),
                7,
                "Använt och outnyttjat ska tillsammans vara det utbetalda beloppet.",
            );
        }
        check(
            report_approved_on.is_none() || used.is_some(),
            10,
            "En godkänd redovisning behöver använt och outnyttjat belopp.",
        );
        if let (Some(r), Some(n)) = (repaid, unused) {
            check(r <= n, 8, "Återbetalt kan inte vara mer än outnyttjat.");
        }
        if let Some(year) = year {
            let key = (year, org_number.clone().unwrap_or_else(|| actor.clone()));
            check(
                seen.insert(key),
                1,
                "Aktören finns redan på en tidigare rad för samma år.",
            );
        }
        if problems.len() > before {
            continue;
        }
        if let (Some(year), Some(requisitioned)) = (year, requisitioned) {
            rows.push(Row {
                line,
                year,
                actor,
                org_number,
                requisitioned,
                paid_out,
                paid_on,
                used,
                unused,
                repaid,
                repaid_on,
                report_approved_on,
            });
        }
    }
    if rows.is_empty() && problems.is_empty() {
        problems.push(Problem::new(
            2,
            COLUMNS[0],
            "Filen har inga rader att läsa in.",
        ));
    }
    if problems.is_empty() {
        Ok(rows)
    } else {
        Err(problems)
    }
}

/// What a programme year allows, as live cases are held to it: at most `cap_per_actor` to
/// each actor, and in all at most the frame, the cap × the period's actors (2018: 21 ×
/// 500 000 kr = 10,5 Mkr). `already_paid` is what Digikoord already holds for the year:
/// live payouts and earlier imports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct YearCap {
    pub year: i32,
    pub cap_per_actor: Decimal,
    pub actors: i64,
    pub already_paid: Decimal,
}

impl YearCap {
    pub fn frame(&self) -> Decimal {
        self.cap_per_actor * Decimal::from(self.actors)
    }
}

/// Checks the rows against their years' caps: no row above the cap per actor, and no year
/// whose paid-out total (what Digikoord holds and the rows before) passes its frame; that
/// row is named. A year without a cap is not a programme year (named elsewhere).
pub fn within_caps(rows: &[Row], caps: &[YearCap]) -> Vec<Problem> {
    use crate::money::format_kronor;
    let mut problems = Vec::new();
    let mut totals: Vec<(i32, Decimal, bool)> = caps
        .iter()
        .map(|c| (c.year, c.already_paid, false))
        .collect();
    for row in rows {
        let Some(cap) = caps.iter().find(|c| c.year == row.year) else {
            continue;
        };
        let most = format_kronor(cap.cap_per_actor);
        if let Some(paid) = row.paid_out.filter(|p| *p > cap.cap_per_actor) {
            problems.push(Problem::new(
                row.line,
                COLUMNS[4],
                format!(
                    "Utbetalt {} är mer än taket per aktör för {}, {most}.",
                    format_kronor(paid),
                    row.year
                ),
            ));
        } else if row.requisitioned > cap.cap_per_actor {
            problems.push(Problem::new(
                row.line,
                COLUMNS[3],
                format!(
                    "Rekvirerat {} är mer än taket per aktör för {}, {most}.",
                    format_kronor(row.requisitioned),
                    row.year
                ),
            ));
        }
        let Some(paid) = row.paid_out else {
            continue;
        };
        let Some((_, total, told)) = totals.iter_mut().find(|(y, _, _)| *y == row.year) else {
            continue;
        };
        *total += paid;
        if *total > cap.frame() && !*told {
            *told = true;
            let held = if cap.already_paid > Decimal::ZERO {
                format!(
                    " Av det finns {} redan i Digikoord (utbetalningar och tidigare inlästa år).",
                    format_kronor(cap.already_paid)
                )
            } else {
                String::new()
            };
            problems.push(Problem::new(
                row.line,
                COLUMNS[4],
                format!(
                    "Med den här raden blir utbetalt för {} sammanlagt {}, mer än årets ram {} ({} aktörer × {most}).{held}",
                    row.year,
                    format_kronor(*total),
                    format_kronor(cap.frame()),
                    cap.actors
                ),
            ));
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn grid(lines: &[&str]) -> Vec<Vec<String>> {
        crate::history::sheet::csv_grid(&lines.join("\r\n")).expect("within bounds")
    }

    fn header() -> String {
        COLUMNS.join(";")
    }

    #[test]
    fn a_good_sheet_gives_every_row_with_swedish_amounts_and_dates() {
        let h = header();
        let rows = parse(&grid(&[
            &h,
            "2019;Region Skåne;232100-0255;1 000 000;1000000;2019-04-01;850 000,50;149 999,50;149 999,50;2020-02-20;2020-01-15",
            ";;;;;;;;;;",
            "2019;\"Region Halland\";;1000000;;;;;;;",
        ]))
        .expect("valid");
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].line, 2);
        assert_eq!(
            rows[0].unused,
            Some(Decimal::from_str("149999.50").expect("dec"))
        );
        assert_eq!(
            rows[1].line, 4,
            "the blank row is skipped, lines still count"
        );
        assert_eq!(rows[1].paid_out, None);
    }

    #[test]
    fn every_bad_cell_is_named_by_row_and_column() {
        let h = header();
        let problems = parse(&grid(&[
            &h,
            "2019;Region Skåne;;1000000;1000000;2019-04-01;900000;100000;;;",
            "2019;Region Halland;;1000000;1200000;2019-04-01;;;;;",
            "20x9;Region Kronoberg;;abc;;;;;;;",
            "2019;Region Skåne;;1000000;;;;;;;",
            "2019;Region Uppsala;;1000000;1000000;2019-04-01;900000;50000;;;",
        ]))
        .expect_err("problems");
        let at = |line: usize, column: &str| {
            problems
                .iter()
                .any(|p| p.line == line && p.column == column)
        };
        assert!(at(3, "Utbetalt"), "{problems:?}");
        assert!(at(4, "År") && at(4, "Rekvirerat"), "{problems:?}");
        assert!(at(5, "Aktör"), "a duplicate: {problems:?}");
        assert!(at(6, "Outnyttjat"), "used + unused ≠ paid: {problems:?}");
        assert!(!problems.iter().any(|p| p.line == 2), "{problems:?}");
    }

    fn paid_row(line: usize, year: i32, paid: &str) -> Row {
        let paid = Decimal::from_str(paid).expect("dec");
        Row {
            line,
            year,
            actor: format!("Aktör {line}"),
            org_number: None,
            requisitioned: paid,
            paid_out: Some(paid),
            paid_on: NaiveDate::from_ymd_opt(year, 12, 1),
            used: None,
            unused: None,
            repaid: None,
            repaid_on: None,
            report_approved_on: None,
        }
    }

    fn cap_2018(already_paid: &str) -> YearCap {
        YearCap {
            year: 2018,
            cap_per_actor: Decimal::from(500_000),
            actors: 21,
            already_paid: Decimal::from_str(already_paid).expect("dec"),
        }
    }

    #[test]
    fn a_row_above_the_cap_per_actor_is_named_by_row() {
        let rows = [paid_row(2, 2018, "500000"), paid_row(3, 2018, "500000.01")];
        let problems = within_caps(&rows, &[cap_2018("0")]);
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!((problems[0].line, problems[0].column), (3, "Utbetalt"));
        assert!(
            problems[0].message.contains("taket per aktör för 2018"),
            "{problems:?}"
        );
        // Requisitioned above the cap, paid within it: the requisition is named.
        let mut asked = paid_row(4, 2018, "400000");
        asked.requisitioned = Decimal::from(600_000);
        let problems = within_caps(&[asked], &[cap_2018("0")]);
        assert_eq!((problems[0].line, problems[0].column), (4, "Rekvirerat"));
        // A year that is not a programme year is left to the year check.
        assert!(within_caps(&[paid_row(5, 2030, "9000000")], &[cap_2018("0")]).is_empty());
    }

    #[test]
    fn a_year_whose_total_passes_its_frame_is_refused_at_the_row_that_passes_it() {
        // 10,5 Mkr in 2018: exactly the frame is allowed.
        let full: Vec<Row> = (0..21).map(|i| paid_row(i + 2, 2018, "500000")).collect();
        assert!(within_caps(&full, &[cap_2018("0")]).is_empty());
        // With 9,7 Mkr already in Digikoord, the second row passes it (10,6 Mkr).
        let rows = [
            paid_row(2, 2018, "400000"),
            paid_row(3, 2018, "500000"),
            paid_row(4, 2018, "500000"),
        ];
        let problems = within_caps(&rows, &[cap_2018("9700000")]);
        assert_eq!(problems.len(), 1, "once per year: {problems:?}");
        assert_eq!((problems[0].line, problems[0].column), (3, "Utbetalt"));
        assert!(
            problems[0].message.contains("ram")
                && problems[0].message.contains("21 aktörer")
                && problems[0].message.contains("redan i Digikoord"),
            "{problems:?}"
        );
    }

    #[test]
    fn a_sheet_not_made_from_the_template_is_refused_at_its_header() {
        let problems = parse(&grid(&["Year;Actor", "2019;X"])).expect_err("header");
        assert_eq!(problems[0].line, 1);
        assert!(problems[0].message.contains("Utgå från mallen"));
        assert!(parse(&grid(&[&header()])).is_err(), "no rows");
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// A sheet with the right header and any cells is checked without panicking;
        /// what it accepts is what the cells say.
        #[test]
        fn any_rows_under_the_header_are_checked_without_panic(
            rows in prop::collection::vec(prop::collection::vec("\\PC{0,6}|[0-9 ,.-]{0,10}", 0..14), 0..4),
        ) {
            let mut grid = vec![COLUMNS.map(String::from).to_vec()];
            grid.extend(rows);
            if let Ok(accepted) = parse(&grid) {
                for row in accepted {
                    let year_cell = grid[row.line - 1][0].trim();
                    prop_assert_eq!(year_cell.parse::<i32>().ok(), Some(row.year));
                }
            }
        }
    }
}
