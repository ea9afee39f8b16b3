//! Tillväxtverket's two documents to Kammarkollegiet for a year, as XLSX and DOCX from the
//! same figures: the requisition (by 1 December) and the financial report (ekonomisk
//! redovisning) that goes with the repayment (by 15 March).

use chrono::NaiveDate;
use rust_decimal::Decimal;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

use super::model::{AgencyAccount, Balance};
use crate::{
    dates::format_date,
    export::{
        Document, ExportFormat,
        docx::{add_table, document, heading, pack, page_numbers, table, text},
        xlsx::{money, print_setup},
    },
    money::format_kronor,
};

/// One actor's line: what it was paid and what came back.
#[derive(Clone, Debug)]
pub struct ActorLine {
    pub actor_name: String,
    pub case_number: Option<String>,
    pub paid_out: Decimal,
    pub paid_on: Option<NaiveDate>,
    pub balance: Balance,
}

/// Everything a document says, read at one moment.
#[derive(Clone, Debug)]
pub struct Contents {
    pub document: Document,
    pub year: i32,
    /// Tillväxtverket's assignment, cited as what it is: the basis of the frame, of
    /// 1 December and of 15 March (not the offer to the regions).
    pub assignment: String,
    /// The appropriation the costs are charged to, as the period records it.
    pub appropriation: String,
    pub agency_requisition_deadline: NaiveDate,
    pub agency_repayment_deadline: NaiveDate,
    pub account: AgencyAccount,
    pub actors: Vec<ActorLine>,
}

impl Contents {
    pub fn checks(&self) -> Vec<String> {
        self.account.checks(self.agency_requisition_deadline)
    }

    fn account_lines(&self) -> Vec<(&'static str, Decimal)> {
        let a = &self.account;
        let mut lines = vec![
            (
                "Rekvirerat från Kammarkollegiet",
                a.requisitioned.unwrap_or_default(),
            ),
            ("Utbetalt till aktörerna", a.paid_out),
            ("Tillväxtverkets egna kostnader", a.support_costs),
        ];
        if self.document == Document::AgencyFinancialReport {
            lines.extend([
                ("Mottaget från regionerna", a.received_from_regions),
                ("Återbetalt till regionerna", a.refunded_to_regions),
                (
                    "Kvar att betala tillbaka till regionerna",
                    a.owed_to_regions,
                ),
                (
                    "Från regionerna, högst vad var och en var skyldig",
                    a.counted_from_regions,
                ),
                ("Att återbetala till Kammarkollegiet", a.to_repay()),
            ]);
        }
        lines
    }

    fn headings(&self) -> Vec<&'static str> {
        let mut h = vec!["Aktör", "Diarienummer", "Utbetalt", "Utbetalningsdag"];
        if self.document == Document::AgencyFinancialReport {
            h.extend([
                "Att återbetala",
                "Mottaget",
                "Återbetalt till regionen",
                "Räknas mot Kammarkollegiet",
            ]);
        }
        h
    }

    fn amounts(&self, l: &ActorLine) -> Vec<Decimal> {
        let mut v = vec![l.paid_out];
        if self.document == Document::AgencyFinancialReport {
            v.extend([
                l.balance.owed_or_zero(),
                l.balance.received,
                l.balance.refunded,
                l.balance.counted(),
            ]);
        }
        v
    }

    fn intro(&self) -> String {
        let a = &self.account;
        match self.document {
            Document::AgencyRequisition => format!(
                "Tillväxtverket rekvirerar {} för {} enligt {}{}. Sista dag för rekvisitionen är {}.{}",
                format_kronor(a.requisitioned.unwrap_or_default()),
                self.year,
                self.assignment.trim_end_matches('.'),
                a.limits
                    .frame
                    .map(|f| format!(", som ger högst {} per år", format_kronor(f)))
                    .unwrap_or_default(),
                format_date(self.agency_requisition_deadline),
                a.requisitioned_on
                    .map(|d| format!(" Rekvisitionen är daterad {}.", format_date(d)))
                    .unwrap_or_default()
            ),
            Document::AgencyFinancialReport | Document::Summary => format!(
                "Tillväxtverkets ekonomiska redovisning av använda medel {} enligt {}, med återbetalning av medel som inte använts. Sista dag är {}.",
                self.year,
                self.assignment.trim_end_matches('.'),
                format_date(self.agency_repayment_deadline)
            ),
        }
    }

    pub fn render(&self, format: ExportFormat) -> Result<Vec<u8>, String> {
        match format {
            ExportFormat::Xlsx => self.xlsx().map_err(|e| format!("xlsx: {e}")),
            ExportFormat::Docx => self.docx(),
            ExportFormat::Pdf => Err("the PDF/A is made from the DOCX (crate::pdfa)".into()),
            other => Err(format!("{} is not offered for this document", other.key())),
        }
    }

    fn xlsx(&self) -> Result<Vec<u8>, XlsxError> {
        let mut book = Workbook::new();
        let bold = Format::new().set_bold();
        let kr = Format::new().set_num_format("#,##0.00 \"kr\"");
        let kr_bold = Format::new().set_num_format("#,##0.00 \"kr\"").set_bold();
        let sheet = book.add_worksheet().set_name("Redovisning")?;
        sheet.write_string_with_format(0, 0, self.document.title(self.year), &bold)?;
        sheet.write_string(1, 0, self.intro())?;
        let mut row = 3;
        sheet.write_string_with_format(row, 0, "Anslag", &bold)?;
        sheet.write_string(row, 1, &self.appropriation)?;
        row += 2;
        for (label, value) in self.account_lines() {
            sheet.write_string_with_format(row, 0, label, &bold)?;
            sheet.write_number_with_format(row, 1, money(value), &kr)?;
            row += 1;
        }
        if let Some(on) = self.account.requisitioned_on {
            sheet.write_string_with_format(row, 0, "Rekvisitionens datum", &bold)?;
            sheet.write_string(row, 1, format_date(on))?;
            row += 1;
        }
        row += 1;
        let first = row;
        for (c, h) in self.headings().iter().enumerate() {
            sheet.write_string_with_format(row, c as u16, *h, &bold)?;
        }
        for l in &self.actors {
            row += 1;
            sheet.write_string(row, 0, &l.actor_name)?;
            sheet.write_string(row, 1, l.case_number.as_deref().unwrap_or(""))?;
            let amounts = self.amounts(l);
            sheet.write_number_with_format(row, 2, money(amounts[0]), &kr)?;
            sheet.write_string(row, 3, l.paid_on.map(format_date).unwrap_or_default())?;
            for (i, a) in amounts.iter().enumerate().skip(1) {
                sheet.write_number_with_format(row, 3 + i as u16, money(*a), &kr)?;
            }
        }
        row += 1;
        sheet.write_string_with_format(row, 0, "Summa", &bold)?;
        let columns = self.column_totals();
        sheet.write_number_with_format(row, 2, money(columns[0]), &kr_bold)?;
        for (i, a) in columns.iter().enumerate().skip(1) {
            sheet.write_number_with_format(row, 3 + i as u16, money(*a), &kr_bold)?;
        }
        if let Some(note) = self.note() {
            sheet.write_string(row + 1, 0, note)?;
        }
        sheet.set_freeze_panes(first + 1, 0)?;
        print_setup(sheet, &self.document.title(self.year), Some(first))?;
        sheet.set_column_width(0, 44)?;
        for c in 1..8 {
            sheet.set_column_width(c, 20)?;
        }
        let checks = self.checks();
        if !checks.is_empty() {
            let sheet = book.add_worksheet().set_name("Kontroller")?;
            sheet.write_string_with_format(0, 0, "Kontroll", &bold)?;
            for (i, c) in checks.iter().enumerate() {
                sheet.write_string(i as u32 + 1, 0, c)?;
            }
            sheet.set_column_width(0, 120)?;
            print_setup(sheet, &self.document.title(self.year), Some(0))?;
        }
        book.save_to_buffer()
    }

    /// The actors' column sums: each column's total is the sum of its rows, never a figure
    /// worked out again from other totals (what counts towards Kammarkollegiet is at most
    /// what each region owed, region by region, so it is not min(Σ paid, Σ owed)).
    fn column_totals(&self) -> Vec<Decimal> {
        let mut sums = self.amounts(&ActorLine {
            actor_name: String::new(),
            case_number: None,
            paid_out: Decimal::ZERO,
            paid_on: None,
            balance: Balance::default(),
        });
        for l in &self.actors {
            for (sum, a) in sums.iter_mut().zip(self.amounts(l)) {
                *sum += a;
            }
        }
        sums
    }

    /// The actors whose amount to repay rests on a submitted report not yet approved.
    fn unapproved(&self) -> Vec<&str> {
        self.actors
            .iter()
            .filter(|l| l.balance.owed.is_some() && !l.balance.approved)
            .map(|l| l.actor_name.as_str())
            .collect()
    }

    /// The note under the table where a figure rests on a report not yet approved.
    fn note(&self) -> Option<String> {
        if self.document != Document::AgencyFinancialReport {
            return None;
        }
        let names = self.unapproved();
        (!names.is_empty()).then(|| {
            format!(
                "Att återbetala för {} bygger på den inskickade redovisningen, som ännu inte är godkänd.",
                names.join(", ")
            )
        })
    }

    fn docx(&self) -> Result<Vec<u8>, String> {
        use docx_rs::{Paragraph, Run};
        let mut doc = document()
            .first_footer(docx_rs::Footer::new())
            .footer(page_numbers());
        doc = doc
            .add_paragraph(Paragraph::new().add_run(Run::new().add_text("Tillväxtverket")))
            .add_paragraph(Paragraph::new().add_run(Run::new().add_text("Till: Kammarkollegiet")))
            .add_paragraph(heading(&self.document.title(self.year), 1))
            .add_paragraph(text(&self.intro()))
            .add_paragraph(heading("Anslag", 2))
            .add_paragraph(text(&self.appropriation))
            .add_paragraph(heading("Belopp", 2));
        let mut lines: Vec<Vec<String>> = vec![vec!["Post".into(), "Belopp".into()]];
        lines.extend(
            self.account_lines()
                .into_iter()
                .map(|(k, v)| vec![k.to_string(), format_kronor(v)]),
        );
        if let Some(on) = self.account.requisitioned_on {
            lines.push(vec!["Rekvisitionens datum".into(), format_date(on)]);
        }
        doc = doc.add_table(table(lines));
        let mut rows: Vec<Vec<String>> =
            vec![self.headings().iter().map(|h| h.to_string()).collect()];
        let line = |name: String, case: String, amounts: Vec<Decimal>, paid_on: String| {
            let mut cells = vec![name, case, format_kronor(amounts[0]), paid_on];
            cells.extend(amounts.iter().skip(1).map(|a| format_kronor(*a)));
            cells
        };
        rows.extend(self.actors.iter().map(|l| {
            line(
                l.actor_name.clone(),
                l.case_number.clone().unwrap_or_default(),
                self.amounts(l),
                l.paid_on.map(format_date).unwrap_or_default(),
            )
        }));
        rows.push(line(
            "Summa".into(),
            String::new(),
            self.column_totals(),
            String::new(),
        ));
        // Eight columns of amounts: on landscape pages where portrait is too narrow.
        doc = add_table(doc, heading("Per aktör", 2), rows);
        if let Some(note) = self.note() {
            doc = doc.add_paragraph(text(&note));
        }
        let checks = self.checks();
        if !checks.is_empty() {
            doc = doc.add_paragraph(heading("Kontroller", 2));
            for c in checks {
                doc = doc.add_paragraph(text(&c));
            }
        }
        pack(doc)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn contents(document: Document) -> Contents {
        let line = |name: &str, paid: &str, owed: &str, received: &str, refunded: &str| ActorLine {
            actor_name: name.into(),
            case_number: Some(format!("DK-2025-{name}")),
            paid_out: dec(paid),
            paid_on: NaiveDate::from_ymd_opt(2025, 4, 10),
            balance: Balance {
                owed: Some(dec(owed)),
                approved: true,
                received: dec(received),
                refunded: dec(refunded),
                ..Balance::default()
            },
        };
        Contents {
            document,
            year: 2025,
            assignment: "Uppdrag att lämna stöd till de regionala digitaliseringskoordinatorerna samt att samordna och koordinera digitala innovationshubbar: regeringsbeslut (diarienummer saknas – ej angivet i underlagen) den 4 mars 2021 (Infrastrukturdepartementet).".into(),
            appropriation: "Utgiftsområde 22 Kommunikationer, anslag 2:4 Informationsteknik och telekommunikation, anslagspost 4 Informationsteknik – del till Kammarkollegiets disposition".into(),
            agency_requisition_deadline: NaiveDate::from_ymd_opt(2025, 12, 1).expect("date"),
            agency_repayment_deadline: NaiveDate::from_ymd_opt(2026, 3, 15).expect("date"),
            account: AgencyAccount {
                year: 2025,
                requisitioned: Some(dec("2500000")),
                requisitioned_on: NaiveDate::from_ymd_opt(2025, 11, 20),
                support_costs: dec("400000"),
                paid_out: dec("2000000"),
                received_from_regions: dec("150000"),
                refunded_to_regions: dec("50000"),
                owed_to_regions: Decimal::ZERO,
                counted_from_regions: dec("100000"),
                limits: crate::repayments::model::Limits {
                    frame: Some(dec("23000000")),
                    support_cap: Some(dec("2000000")),
                },
                ..AgencyAccount::default()
            },
            actors: vec![
                line("A", "1000000", "100000", "150000", "50000"),
                line("B", "1000000", "0", "0", "0"),
            ],
        }
    }

    #[test]
    fn the_financial_report_has_the_appropriation_every_actor_and_the_amount_to_repay() {
        let c = contents(Document::AgencyFinancialReport);
        let lines = c.account_lines();
        assert_eq!(
            lines.last(),
            Some(&("Att återbetala till Kammarkollegiet", dec("200000")))
        );
        assert_eq!(
            c.column_totals(),
            vec![
                dec("2000000"),
                dec("100000"),
                dec("150000"),
                dec("50000"),
                dec("100000"),
            ]
        );
        assert!(c.checks().is_empty(), "{:?}", c.checks());
        for format in [ExportFormat::Xlsx, ExportFormat::Docx] {
            let bytes = c.render(format).expect("renders");
            assert!(bytes.starts_with(b"PK"), "{format:?} is a zip");
        }
        assert!(c.render(ExportFormat::Csv).is_err());
    }

    #[test]
    fn each_column_total_is_the_sum_of_its_rows_and_a_submitted_report_is_noted() {
        let mut c = contents(Document::AgencyFinancialReport);
        // A paid 50 000 kr too much, not yet refunded; B owes 50 000 kr by a submitted
        // report and has paid nothing: 100 000 kr counts, not min(Σ paid, Σ owed).
        c.actors[0].balance = Balance {
            owed: Some(dec("100000")),
            approved: true,
            received: dec("150000"),
            ..Balance::default()
        };
        c.actors[1].balance = Balance {
            owed: Some(dec("50000")),
            approved: false,
            ..Balance::default()
        };
        let totals = c.column_totals();
        for (i, total) in totals.iter().enumerate() {
            let rows: Decimal = c.actors.iter().map(|l| c.amounts(l)[i]).sum();
            assert_eq!(*total, rows, "column {i}");
        }
        assert_eq!(totals[4], dec("100000"));
        let note = c.note().expect("a note");
        assert!(
            note.contains("B") && note.contains("inte är godkänd"),
            "{note}"
        );
        assert!(contents(Document::AgencyFinancialReport).note().is_none());
    }

    #[test]
    fn the_requisition_names_its_date_and_the_amount() {
        let c = contents(Document::AgencyRequisition);
        assert!(
            c.intro().contains(&format_kronor(dec("2500000"))),
            "{}",
            c.intro()
        );
        assert!(c.intro().contains("20 november 2025"));
        // The frame and the date rest on Tillväxtverket's assignment, not on the offer.
        assert!(
            c.intro().contains("enligt Uppdrag att lämna stöd"),
            "{}",
            c.intro()
        );
        let frame = format!("högst {} per år", format_kronor(dec("23000000")));
        assert!(c.intro().contains(&frame), "{}", c.intro());
        assert!(!c.intro().contains("I2021/00795"), "{}", c.intro());
        assert_eq!(c.headings().len(), 4);
        assert_eq!(
            Document::from_key("ekonomisk-redovisning"),
            Some(Document::AgencyFinancialReport)
        );
        assert_eq!(Document::from_key("sammanstallning"), None);
        assert_eq!(
            Document::AgencyRequisition.filename(2025, ExportFormat::Docx),
            "Rekvisition Kammarkollegiet 2025.docx"
        );
    }
}
