//! What Digikoord sends out as files: the formats (`ExportFormat`), the documents it keeps
//! (`Document`: the 26 March summary and Tillväxtverket's two to Kammarkollegiet), and
//! keeping one with its checksum (`keep`), frozen once it is marked as submitted (the
//! schema's trigger). The builders every document is written with are here too: `docx`,
//! `xlsx` and `csv`; what a document *says* stays in its own domain (`summary::export`,
//! `repayments::documents`).

pub mod csv;
pub mod db;
pub mod docx;
pub mod xlsx;

use serde::Serialize;
use sha2::{Digest, Sha256};
use sqlx::PgConnection;
use uuid::Uuid;

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

    /// The 26 March summary's file in this format (`Document::filename`).
    pub fn filename(self, year: i32) -> String {
        Document::Summary.filename(year, self)
    }
}

/// Which document an export is, as `export_document` in the schema.
#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "export_document", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum Document {
    Summary,
    AgencyRequisition,
    AgencyFinancialReport,
}

impl Document {
    pub const AGENCY: [Document; 2] =
        [Document::AgencyRequisition, Document::AgencyFinancialReport];

    /// The formats Tillväxtverket's documents to Kammarkollegiet are offered in.
    pub const FORMATS: [ExportFormat; 3] =
        [ExportFormat::Xlsx, ExportFormat::Docx, ExportFormat::Pdf];

    pub fn key(self) -> &'static str {
        match self {
            Document::Summary => "sammanstallning",
            Document::AgencyRequisition => "rekvisition",
            Document::AgencyFinancialReport => "ekonomisk-redovisning",
        }
    }

    pub fn from_key(key: &str) -> Option<Document> {
        Document::AGENCY.into_iter().find(|d| d.key() == key)
    }

    pub fn title(self, year: i32) -> String {
        match self {
            Document::Summary => format!(
                "Redovisning av de regionala digitaliseringskoordinatorernas verksamhet {year}"
            ),
            Document::AgencyRequisition => {
                format!("Rekvisition av medel {year} – regionala digitaliseringskoordinatorer")
            }
            Document::AgencyFinancialReport => {
                format!("Ekonomisk redovisning {year} – regionala digitaliseringskoordinatorer")
            }
        }
    }

    /// One pattern for every document and format, `<what> <year>.<format>`: the same name
    /// whichever format an official picks, only its extension differs.
    pub fn filename(self, year: i32, format: ExportFormat) -> String {
        let name = match self {
            Document::Summary => "Redovisning digitaliseringskoordinatorer",
            Document::AgencyRequisition => "Rekvisition Kammarkollegiet",
            Document::AgencyFinancialReport => "Ekonomisk redovisning Kammarkollegiet",
        };
        format!("{name} {year}.{}", format.key())
    }
}

/// An export just kept.
pub struct Kept {
    pub id: Uuid,
    pub filename: String,
    pub sha256: String,
    pub size: i32,
}

/// Keeps `bytes` as `year`'s `document` in `format`, with its SHA-256, in the caller's
/// transaction (which records what it was kept for in the audit).
pub async fn keep(
    tx: &mut PgConnection,
    year: i32,
    document: Document,
    format: ExportFormat,
    bytes: &[u8],
    by: Uuid,
) -> crate::error::Result<Kept> {
    let kept = Kept {
        id: Uuid::new_v4(),
        filename: document.filename(year, format),
        sha256: hex::encode(Sha256::digest(bytes)),
        size: i32::try_from(bytes.len())
            .map_err(|_| crate::error::AppError::Internal("export too large".into()))?,
    };
    db::insert(tx, &kept, year, document, format, bytes, by).await?;
    Ok(kept)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_of_a_document_has_the_same_name_but_its_extension() {
        for document in [Document::Summary, Document::AgencyRequisition] {
            let names: Vec<String> = ExportFormat::ALL
                .iter()
                .map(|f| document.filename(2025, *f))
                .collect();
            let stems: std::collections::BTreeSet<&str> = names
                .iter()
                .filter_map(|n| n.rsplit_once('.').map(|(stem, _)| stem))
                .collect();
            assert_eq!(stems.len(), 1, "{names:?}");
        }
        assert_eq!(
            ExportFormat::Csv.filename(2025),
            "Redovisning digitaliseringskoordinatorer 2025.csv"
        );
    }
}
