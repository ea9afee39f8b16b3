//! What the archive package says, pure: the names of its files and folders, the descriptive
//! metadata of the year and of each case, the year's audit log in Digikoord's own namespace
//! (its schema: `digikoord-arkiv.xsd`), which kept exports go in, and how a failure is said.
//! The METS documents, the ZIP and the check of a package's checksums: `package.rs`. Every
//! rule unit-tested.

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    error::AppError,
    export::{Document, ExportFormat},
    reports::model::ReportState,
    requisitions::model::RequisitionState,
};

/// The namespace of Digikoord's own metadata (`SCHEMA_XSD`).
pub const NAMESPACE: &str = "urn:x-digikoord:arkiv:1";

/// The software that made the package, and the agency whose records it holds.
pub const SOFTWARE: &str = "Digikoord";
pub const AGENCY: &str = "Tillväxtverket";

/// The one representation: the documents as PDF/A and the attachments as submitted.
pub const REPRESENTATION: &str = "rep1";
pub const YEAR_FILE: &str = "metadata/descriptive/programar.xml";
pub const LOG_FILE: &str = "metadata/preservation/handelselogg.xml";

/// The package's identity, also its root folder's name: `digikoord-2025-<uuid>`.
pub fn package_id(year: i32, id: Uuid) -> String {
    format!("digikoord-{year}-{id}")
}

/// Where a file of the representation lies: `representations/rep1/data/<folder>/<name>`.
pub fn data_path(folder: &str, name: &str) -> String {
    format!("representations/{REPRESENTATION}/data/{folder}/{name}")
}

/// A case's descriptive metadata: `metadata/descriptive/arende-<folder>.xml`.
pub fn case_path(folder: &str) -> String {
    format!("metadata/descriptive/arende-{folder}.xml")
}

/// A moment as METS and the metadata write it (xsd:dateTime, UTC).
pub fn xsd_time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// A day as a moment (xsd:dateTime without a zone): when a document is dated, not timed.
pub fn xsd_day(d: NaiveDate) -> String {
    format!("{}T00:00:00", d.format("%Y-%m-%d"))
}

/// A name for a file or folder in the package: a–z (å, ä, ö and é as a, a, o, e), digits,
/// `-`, `_` and `.`, anything else a `-`; lower case, so no two names differ only by case;
/// never empty, never starting with a dot; at most 100 characters, the extension kept.
pub fn safe_name(name: &str) -> String {
    let mut out = String::new();
    for c in name.trim().chars().flat_map(char::to_lowercase) {
        let c = match c {
            'å' | 'ä' | 'à' | 'á' | 'â' | 'ã' => 'a',
            'ö' | 'ø' | 'ó' | 'ò' | 'ô' | 'õ' => 'o',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'ü' | 'ú' | 'ù' | 'û' => 'u',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            c if c.is_ascii_alphanumeric() || matches!(c, '_' | '.') => c,
            _ => '-',
        };
        if c == '-' && (out.is_empty() || out.ends_with('-')) {
            continue;
        }
        out.push(c);
    }
    let out = out
        .replace("-.", ".")
        .trim_start_matches(['-', '.'])
        .trim_end_matches(['-', '.'])
        .to_string();
    let out = if out.len() <= 100 {
        out
    } else {
        match out.rsplit_once('.') {
            Some((stem, extension)) if extension.len() <= 10 => {
                format!("{}.{extension}", &stem[..100 - extension.len() - 1])
            }
            _ => out[..100].to_string(),
        }
    };
    if out.is_empty() { "fil".into() } else { out }
}

/// `name`, or `name-2`, `name-3`… before its extension: the first not yet `taken` in its
/// folder (which it then is).
pub fn unique_name(name: &str, taken: &mut BTreeSet<String>) -> String {
    let (stem, extension) = match name.rsplit_once('.') {
        Some((stem, extension)) if !stem.is_empty() => (stem, format!(".{extension}")),
        _ => (name, String::new()),
    };
    let mut candidate = name.to_string();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{stem}-{n}{extension}");
        n += 1;
    }
    taken.insert(candidate.clone());
    candidate
}

/// Text for XML, in an attribute or between tags: the five special characters escaped, line
/// breaks and tabs as character references (kept in attributes too), and the characters
/// XML 1.0 does not allow (control characters, U+FFFE, U+FFFF) left out.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            '\t' => out.push_str("&#9;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// An attribute's value as written (`escape`d), read back: the predefined entities and
/// character references resolved.
pub(super) fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let Some(end) = after.find(';') else {
            out.push_str(&rest[at..]);
            return out;
        };
        let entity = &after[..end];
        let resolved = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .map(|hex| u32::from_str_radix(hex, 16))
                .or_else(|| entity.strip_prefix('#').map(str::parse::<u32>))
                .and_then(Result::ok)
                .and_then(char::from_u32),
        };
        match resolved {
            Some(c) => out.push(c),
            None => {
                out.push('&');
                out.push_str(entity);
                out.push(';');
            }
        }
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

/// XML written line by line, two spaces a level. An attribute whose value is empty is left
/// out: nothing Digikoord writes has an attribute that is present but empty.
pub(super) struct Xml(pub(super) String);

impl Xml {
    pub(super) fn document() -> Xml {
        Xml(String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"))
    }

    fn head(&mut self, depth: usize, name: &str, attrs: &[(&str, &str)]) {
        self.0.push_str(&"  ".repeat(depth));
        self.0.push('<');
        self.0.push_str(name);
        for (key, value) in attrs {
            if value.is_empty() {
                continue;
            }
            self.0.push(' ');
            self.0.push_str(key);
            self.0.push_str("=\"");
            self.0.push_str(&escape(value));
            self.0.push('"');
        }
    }

    pub(super) fn open(&mut self, depth: usize, name: &str, attrs: &[(&str, &str)]) {
        self.head(depth, name, attrs);
        self.0.push_str(">\n");
    }

    pub(super) fn empty(&mut self, depth: usize, name: &str, attrs: &[(&str, &str)]) {
        self.head(depth, name, attrs);
        self.0.push_str("/>\n");
    }

    pub(super) fn leaf(&mut self, depth: usize, name: &str, attrs: &[(&str, &str)], text: &str) {
        self.head(depth, name, attrs);
        self.0.push('>');
        self.0.push_str(&escape(text));
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push_str(">\n");
    }

    pub(super) fn close(&mut self, depth: usize, name: &str) {
        self.0.push_str(&"  ".repeat(depth));
        self.0.push_str("</");
        self.0.push_str(name);
        self.0.push_str(">\n");
    }
}

// ---- What the package says ----

/// What a document in the package is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// The receipt of a filed requisition.
    Receipt,
    /// A filed report.
    Report,
    /// A decision record.
    Decision,
    /// The 26 March report to the Government.
    Summary,
    AgencyRequisition,
    AgencyFinancialReport,
}

impl DocumentKind {
    pub fn key(self) -> &'static str {
        match self {
            DocumentKind::Receipt => "kvitto",
            DocumentKind::Report => "redovisning",
            DocumentKind::Decision => "beslut",
            DocumentKind::Summary => "sammanstallning",
            DocumentKind::AgencyRequisition => "rekvisition-kammarkollegiet",
            DocumentKind::AgencyFinancialReport => "ekonomisk-redovisning-kammarkollegiet",
        }
    }

    pub fn of_export(document: Document) -> DocumentKind {
        match document {
            Document::Summary => DocumentKind::Summary,
            Document::AgencyRequisition => DocumentKind::AgencyRequisition,
            Document::AgencyFinancialReport => DocumentKind::AgencyFinancialReport,
        }
    }
}

/// A document in the package, as the descriptive metadata names it.
#[derive(Clone, Debug)]
pub struct DocumentRef {
    pub kind: DocumentKind,
    pub title: String,
    pub date: NaiveDate,
    /// Where it lies in the package, from the package's root folder.
    pub path: String,
    pub mime: String,
    pub sha256: String,
    /// When it was marked submitted (to the Government, to Kammarkollegiet), if it was.
    pub submitted: Option<DateTime<Utc>>,
    /// Said of it, when something is (made when the package was, say).
    pub note: Option<String>,
}

/// An attachment, as the region submitted it.
#[derive(Clone, Debug)]
pub struct AttachmentRef {
    /// What it was attached to: `rekvisition` or `redovisning`.
    pub to: &'static str,
    /// The requisition's case number, or the report's version (`version 2`).
    pub reference: String,
    /// Its name as uploaded.
    pub name: String,
    pub path: String,
    pub mime: String,
    pub sha256: String,
    pub uploaded_at: DateTime<Utc>,
}

/// A filed requisition and its payout.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RequisitionFacts {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub case_number: String,
    pub state: RequisitionState,
    pub amount: Option<Decimal>,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub decided_at: Option<DateTime<Utc>>,
    pub paid_amount: Option<Decimal>,
    pub paid_date: Option<NaiveDate>,
}

/// A filed version of a report.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReportFacts {
    pub id: Uuid,
    pub organisation_id: Uuid,
    pub version: i32,
    pub current: bool,
    pub state: ReportState,
    pub first_submitted_at: Option<DateTime<Utc>>,
    pub approved_at: Option<DateTime<Utc>>,
    pub received: Decimal,
    pub used: Decimal,
    pub unused: Decimal,
}

/// What the region owed back, and what came in and went back.
#[derive(Clone, Debug)]
pub struct RepaymentFacts {
    pub owed: Option<Decimal>,
    pub received: Decimal,
    pub refunded: Decimal,
    pub deadline: NaiveDate,
}

/// Tillväxtverket's diarienummer of the case's parts, where registered.
#[derive(Clone, Debug, Default)]
pub struct Diarienummer {
    pub requisition: Option<String>,
    pub report: Option<String>,
    pub repayment: Option<String>,
}

/// An actor's case of the year: the requisition, the report and the repayment, with their
/// documents and attachments.
#[derive(Clone, Debug)]
pub struct Case {
    pub year: i32,
    pub organisation_id: Uuid,
    pub name: String,
    pub org_number: Option<String>,
    pub diarienummer: Diarienummer,
    pub requisitions: Vec<RequisitionFacts>,
    pub reports: Vec<ReportFacts>,
    pub repayment: Option<RepaymentFacts>,
    pub documents: Vec<DocumentRef>,
    pub attachments: Vec<AttachmentRef>,
}

/// An actor of the year, and its case's metadata file if it has a case.
#[derive(Clone, Debug)]
pub struct ActorLine {
    pub organisation_id: Uuid,
    pub name: String,
    pub org_number: Option<String>,
    pub case_file: Option<String>,
}

/// The programme year as a whole.
#[derive(Clone, Debug)]
pub struct YearFacts {
    pub year: i32,
    /// The Government's decision the year's funds rest on, cited.
    pub decision: String,
    /// The diarienummer of the year's summary, where registered.
    pub diarienummer: Option<String>,
    /// When the year closed: its summary was marked submitted to the Government.
    pub closed_at: DateTime<Utc>,
    pub created: DateTime<Utc>,
    pub version: String,
    pub actors: Vec<ActorLine>,
    /// The year's own documents: the summary, the documents to Kammarkollegiet, decisions
    /// that belong to no actor.
    pub documents: Vec<DocumentRef>,
}

/// An entry of the audit log, its sentence as the log page reads it.
#[derive(Clone, Debug)]
pub struct LogLine {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_id: Option<Uuid>,
    pub actor: Option<String>,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub sentence: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

fn requisition_state(state: RequisitionState) -> &'static str {
    match state {
        RequisitionState::Draft => "Utkast",
        RequisitionState::Submitted => "Inskickad",
        RequisitionState::Returned => "Återsänd för komplettering",
        RequisitionState::Approved => "Godkänd",
        RequisitionState::Rejected => "Avslagen",
        RequisitionState::Withdrawn => "Återkallad",
    }
}

fn documents_xml(x: &mut Xml, depth: usize, documents: &[DocumentRef]) {
    if documents.is_empty() {
        x.empty(depth, "handlingar", &[]);
        return;
    }
    x.open(depth, "handlingar", &[]);
    for d in documents {
        x.leaf(
            depth + 1,
            "handling",
            &[
                ("typ", d.kind.key()),
                ("datum", &d.date.format("%Y-%m-%d").to_string()),
                ("fil", &d.path),
                ("format", &d.mime),
                ("sha256", &d.sha256),
                ("inlamnad", &d.submitted.map(xsd_time).unwrap_or_default()),
                ("anmarkning", d.note.as_deref().unwrap_or_default()),
            ],
            &d.title,
        );
    }
    x.close(depth, "handlingar");
}

fn amount(a: Option<Decimal>) -> String {
    a.map(|a| a.to_string()).unwrap_or_default()
}

fn time(t: Option<DateTime<Utc>>) -> String {
    t.map(xsd_time).unwrap_or_default()
}

/// `metadata/descriptive/programar.xml`: the year, its actors and its own documents.
pub fn year_xml(y: &YearFacts) -> String {
    let mut x = Xml::document();
    x.open(
        0,
        "programar",
        &[
            ("xmlns", NAMESPACE),
            ("ar", &y.year.to_string()),
            ("avslutat", &xsd_time(y.closed_at)),
            ("skapad", &xsd_time(y.created)),
        ],
    );
    x.leaf(1, "arkivbildare", &[], AGENCY);
    x.leaf(1, "system", &[("version", &y.version)], SOFTWARE);
    x.leaf(1, "beslut", &[], &y.decision);
    if let Some(d) = &y.diarienummer {
        x.leaf(1, "diarienummer", &[], d);
    }
    x.open(1, "aktorer", &[]);
    for a in &y.actors {
        x.leaf(
            2,
            "aktor",
            &[
                ("organisation", &a.organisation_id.to_string()),
                (
                    "organisationsnummer",
                    a.org_number.as_deref().unwrap_or_default(),
                ),
                ("arende", a.case_file.as_deref().unwrap_or_default()),
            ],
            &a.name,
        );
    }
    x.close(1, "aktorer");
    documents_xml(&mut x, 1, &y.documents);
    x.close(0, "programar");
    x.0
}

/// `metadata/descriptive/arende-<actor>.xml`: an actor's case of the year — its parties,
/// diarienummer, dates, decisions, documents and attachments.
pub fn case_xml(c: &Case) -> String {
    let mut x = Xml::document();
    x.open(
        0,
        "arende",
        &[
            ("xmlns", NAMESPACE),
            ("ar", &c.year.to_string()),
            ("organisation", &c.organisation_id.to_string()),
        ],
    );
    x.leaf(
        1,
        "part",
        &[
            ("roll", "mottagare"),
            (
                "organisationsnummer",
                c.org_number.as_deref().unwrap_or_default(),
            ),
        ],
        &c.name,
    );
    x.leaf(1, "part", &[("roll", "beslutande-myndighet")], AGENCY);
    for r in &c.requisitions {
        x.empty(
            1,
            "rekvisition",
            &[
                ("arendenummer", &r.case_number),
                (
                    "diarienummer",
                    c.diarienummer.requisition.as_deref().unwrap_or_default(),
                ),
                ("status", requisition_state(r.state)),
                ("belopp", &amount(r.amount)),
                ("inkommen", &time(r.first_submitted_at)),
                ("beslutad", &time(r.decided_at)),
                ("utbetalt", &amount(r.paid_amount)),
                (
                    "utbetalningsdag",
                    &r.paid_date
                        .map(|d| d.format("%Y-%m-%d").to_string())
                        .unwrap_or_default(),
                ),
            ],
        );
    }
    for r in &c.reports {
        x.empty(
            1,
            "redovisning",
            &[
                ("version", &r.version.to_string()),
                (
                    "diarienummer",
                    c.diarienummer.report.as_deref().unwrap_or_default(),
                ),
                ("status", r.state.label()),
                ("aktuell", if r.current { "true" } else { "false" }),
                ("inkommen", &time(r.first_submitted_at)),
                ("godkand", &time(r.approved_at)),
                ("mottaget", &r.received.to_string()),
                ("anvant", &r.used.to_string()),
                ("outnyttjat", &r.unused.to_string()),
            ],
        );
    }
    if let Some(r) = &c.repayment {
        x.empty(
            1,
            "aterbetalning",
            &[
                (
                    "diarienummer",
                    c.diarienummer.repayment.as_deref().unwrap_or_default(),
                ),
                ("skyldig", &amount(r.owed)),
                ("mottaget", &r.received.to_string()),
                ("tillbakabetalt", &r.refunded.to_string()),
                ("sista-dag", &r.deadline.format("%Y-%m-%d").to_string()),
            ],
        );
    }
    documents_xml(&mut x, 1, &c.documents);
    if c.attachments.is_empty() {
        x.empty(1, "bilagor", &[]);
    } else {
        x.open(1, "bilagor", &[]);
        for a in &c.attachments {
            x.leaf(
                2,
                "bilaga",
                &[
                    ("till", a.to),
                    ("referens", &a.reference),
                    ("fil", &a.path),
                    ("format", &a.mime),
                    ("sha256", &a.sha256),
                    ("inkommen", &xsd_time(a.uploaded_at)),
                ],
                &a.name,
            );
        }
        x.close(1, "bilagor");
    }
    x.close(0, "arende");
    x.0
}

/// `metadata/preservation/handelselogg.xml`: every entry of the audit log that concerns the
/// year, oldest first, each with its sentence and what it changed.
pub fn log_xml(year: i32, created: DateTime<Utc>, lines: &[LogLine]) -> String {
    let mut x = Xml::document();
    x.open(
        0,
        "handelselogg",
        &[
            ("xmlns", NAMESPACE),
            ("ar", &year.to_string()),
            ("skapad", &xsd_time(created)),
        ],
    );
    for l in lines {
        x.open(
            1,
            "handelse",
            &[
                ("nr", &l.id.to_string()),
                ("tid", &xsd_time(l.at)),
                ("handling", &l.action),
                ("objekt", &l.entity),
                ("objekt-id", &l.entity_id),
                (
                    "aktor-id",
                    &l.actor_id.map(|a| a.to_string()).unwrap_or_default(),
                ),
            ],
        );
        if let Some(actor) = &l.actor {
            x.leaf(2, "aktor", &[], actor);
        }
        x.leaf(2, "beskrivning", &[], &l.sentence);
        if let Some(before) = &l.before {
            x.leaf(2, "fore", &[], before);
        }
        if let Some(after) = &l.after {
            x.leaf(2, "efter", &[], after);
        }
        x.close(1, "handelse");
    }
    x.close(0, "handelselogg");
    x.0
}

/// The schema of Digikoord's own metadata (`NAMESPACE`), in the package's `schemas/`.
pub const SCHEMA_XSD: &str = include_str!("digikoord-arkiv.xsd");

// ---- What goes in ----

/// A kept export of the year (`summary_exports`), without its bytes.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct KeptExport {
    pub id: Uuid,
    pub document: Document,
    pub format: ExportFormat,
    pub filename: String,
    pub sha256: String,
    pub created_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
}

/// The kept exports that go in the package: every one marked submitted (the files as they
/// were sent, whatever their format) and, for a document with no submitted PDF/A, its newest
/// PDF/A if one was made.
pub fn exports_to_keep(kept: &[KeptExport]) -> Vec<Uuid> {
    let mut chosen: Vec<Uuid> = kept
        .iter()
        .filter(|e| e.submitted_at.is_some())
        .map(|e| e.id)
        .collect();
    for document in [
        Document::Summary,
        Document::AgencyRequisition,
        Document::AgencyFinancialReport,
    ] {
        let pdfs = || {
            kept.iter()
                .filter(move |e| e.document == document && e.format == ExportFormat::Pdf)
        };
        if pdfs().any(|e| e.submitted_at.is_some()) {
            continue;
        }
        if let Some(newest) = pdfs().max_by_key(|e| e.created_at) {
            chosen.push(newest.id);
        }
    }
    chosen
}

/// Whether `document` has no PDF/A among the chosen exports.
pub fn lacks_pdfa(kept: &[KeptExport], chosen: &[Uuid], document: Document) -> bool {
    !kept
        .iter()
        .any(|e| chosen.contains(&e.id) && e.document == document && e.format == ExportFormat::Pdf)
}

/// Why a package was not made, in Swedish, for the administrator's page and the operator; an
/// internal fault is not described (it is logged).
pub fn failure_text(e: &AppError) -> String {
    match e {
        AppError::BadRequest(m)
        | AppError::Refused(m)
        | AppError::Conflict(m)
        | AppError::NotInstalled(m) => m.clone(),
        AppError::NotFound => "Programåret finns inte.".into(),
        AppError::Busy => {
            "Servern hade för mycket tungt arbete för att göra paketet. Försök igen om en stund."
                .into()
        }
        AppError::Unavailable => {
            "Databasen svarade inte medan paketet gjordes. Försök igen om en stund.".into()
        }
        AppError::Unauthenticated | AppError::Forbidden | AppError::Csrf => {
            "Behörigheten räckte inte för att göra paketet.".into()
        }
        AppError::Internal(_) => {
            "Ett oväntat fel inträffade när paketet gjordes; det står i serverns logg. Ingenting har sparats."
                .into()
        }
    }
}

/// A file's size as people read it: `850 byte`, `12,3 kB`, `4,5 MB`, `1,2 GB`.
pub fn size_text(bytes: i64) -> String {
    const UNITS: [(&str, f64); 3] = [("GB", 1e9), ("MB", 1e6), ("kB", 1e3)];
    for (unit, size) in UNITS {
        let b = bytes as f64;
        if b >= size {
            return format!("{:.1} {unit}", b / size).replace('.', ",");
        }
    }
    format!("{bytes} byte")
}

/// Why a year's package can't be made yet.
pub fn not_closed(year: i32) -> String {
    format!(
        "Programåret {year} är inte avslutat: ett år arkiveras när sammanställningen till regeringen har markerats som inlämnad. Markera den inlämnade redovisningen under Sammanställning och försök igen."
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 10, 0, 0)
            .single()
            .expect("a moment")
    }

    #[test]
    fn a_name_in_the_package_is_plain_lower_case_and_keeps_its_extension() {
        assert_eq!(safe_name("Region Skåne"), "region-skane");
        assert_eq!(safe_name("Bilaga ö/ä (2).PDF"), "bilaga-o-a-2.pdf");
        assert_eq!(safe_name("../../etc/passwd"), "etc-passwd");
        assert_eq!(safe_name(".dold"), "dold");
        assert_eq!(safe_name("   "), "fil");
        let long = format!("{}.pdf", "a".repeat(300));
        let short = safe_name(&long);
        assert_eq!(short.len(), 100);
        assert!(short.ends_with(".pdf"));
        let mut taken = BTreeSet::new();
        assert_eq!(unique_name("kvitto.pdf", &mut taken), "kvitto.pdf");
        assert_eq!(unique_name("kvitto.pdf", &mut taken), "kvitto-2.pdf");
        assert_eq!(unique_name("kvitto.pdf", &mut taken), "kvitto-3.pdf");
        assert_eq!(unique_name("readme", &mut taken), "readme");
        assert_eq!(unique_name("readme", &mut taken), "readme-2");
    }

    #[test]
    fn xml_text_is_escaped_and_what_xml_forbids_is_left_out() {
        assert_eq!(
            escape("A & B <c> \"d\" 'e'\nf\u{1}g\u{FFFF}"),
            "A &amp; B &lt;c&gt; &quot;d&quot; &apos;e&apos;&#10;fg"
        );
        assert_eq!(unescape(&escape("Å & <ö>\n\"x\"")), "Å & <ö>\n\"x\"");
        assert_eq!(unescape("&#x41;&#66;&okand;"), "AB&okand;");
    }

    fn export(document: Document, format: ExportFormat, day: u32, submitted: bool) -> KeptExport {
        KeptExport {
            id: Uuid::new_v4(),
            document,
            format,
            filename: String::new(),
            sha256: String::new(),
            created_at: at(2026, 3, day),
            submitted_at: submitted.then(|| at(2026, 3, 26)),
        }
    }

    #[test]
    fn the_exports_kept_are_those_submitted_and_else_the_newest_pdfa() {
        let submitted_docx = export(Document::Summary, ExportFormat::Docx, 20, true);
        let old_pdf = export(Document::Summary, ExportFormat::Pdf, 10, false);
        let new_pdf = export(Document::Summary, ExportFormat::Pdf, 21, false);
        let draft_xlsx = export(Document::AgencyRequisition, ExportFormat::Xlsx, 5, false);
        let submitted_pdf = export(Document::AgencyFinancialReport, ExportFormat::Pdf, 3, true);
        let later_pdf = export(Document::AgencyFinancialReport, ExportFormat::Pdf, 9, false);
        let kept = vec![
            submitted_docx.clone(),
            old_pdf.clone(),
            new_pdf.clone(),
            draft_xlsx.clone(),
            submitted_pdf.clone(),
            later_pdf.clone(),
        ];
        let chosen = exports_to_keep(&kept);
        let mut expected = vec![submitted_docx.id, submitted_pdf.id, new_pdf.id];
        expected.sort();
        let mut got = chosen.clone();
        got.sort();
        assert_eq!(got, expected);
        assert!(!lacks_pdfa(&kept, &chosen, Document::Summary));
        assert!(lacks_pdfa(&kept, &chosen, Document::AgencyRequisition));
        assert!(!lacks_pdfa(&kept, &chosen, Document::AgencyFinancialReport));
        assert!(lacks_pdfa(&[], &[], Document::Summary));
    }

    #[test]
    fn a_failure_is_said_in_swedish_and_an_internal_one_without_its_detail() {
        assert_eq!(
            failure_text(&AppError::Conflict(not_closed(2025))),
            not_closed(2025)
        );
        let internal = failure_text(&AppError::Internal("database: secret".into()));
        assert!(!internal.contains("secret") && internal.contains("serverns logg"));
        assert!(failure_text(&AppError::Busy).contains("Försök igen"));
    }

    #[test]
    fn sizes_read_as_people_read_them() {
        assert_eq!(size_text(850), "850 byte");
        assert_eq!(size_text(12_345), "12,3 kB");
        assert_eq!(size_text(4_500_000), "4,5 MB");
        assert_eq!(size_text(1_200_000_000), "1,2 GB");
    }

    #[test]
    fn a_case_lists_its_parties_decisions_documents_and_attachments() {
        let case = Case {
            year: 2025,
            organisation_id: Uuid::nil(),
            name: "Region Skåne".into(),
            org_number: Some("232100-0255".into()),
            diarienummer: Diarienummer {
                requisition: Some("Ä 2025-1".into()),
                report: None,
                repayment: None,
            },
            requisitions: vec![RequisitionFacts {
                id: Uuid::nil(),
                organisation_id: Uuid::nil(),
                case_number: "DK-2025-001".into(),
                state: RequisitionState::Approved,
                amount: Some(Decimal::new(100_000_000, 2)),
                first_submitted_at: Some(at(2025, 3, 1)),
                decided_at: Some(at(2025, 3, 2)),
                paid_amount: None,
                paid_date: None,
            }],
            reports: vec![],
            repayment: None,
            documents: vec![DocumentRef {
                kind: DocumentKind::Decision,
                title: "Beslut om rekvisition".into(),
                date: NaiveDate::from_ymd_opt(2025, 3, 2).expect("day"),
                path: data_path("region-skane", "beslut.pdf"),
                mime: "application/pdf".into(),
                sha256: "0".repeat(64),
                submitted: None,
                note: None,
            }],
            attachments: vec![AttachmentRef {
                to: "rekvisition",
                reference: "DK-2025-001".into(),
                name: "Undertecknad \"rekvisition\".pdf".into(),
                path: data_path("region-skane/bilagor", "undertecknad.pdf"),
                mime: "application/pdf".into(),
                sha256: "1".repeat(64),
                uploaded_at: at(2025, 3, 1),
            }],
        };
        let xml = case_xml(&case);
        for needed in [
            "<part roll=\"mottagare\" organisationsnummer=\"232100-0255\">Region Skåne</part>",
            "<part roll=\"beslutande-myndighet\">Tillväxtverket</part>",
            "arendenummer=\"DK-2025-001\" diarienummer=\"Ä 2025-1\" status=\"Godkänd\" belopp=\"1000000.00\"",
            "beslutad=\"2025-03-02T10:00:00Z\"",
            "<handling typ=\"beslut\" datum=\"2025-03-02\" fil=\"representations/rep1/data/region-skane/beslut.pdf\"",
            ">Undertecknad &quot;rekvisition&quot;.pdf</bilaga>",
        ] {
            assert!(xml.contains(needed), "{needed} in\n{xml}");
        }
        // No empty attribute is written: a missing payout leaves its attributes out.
        assert!(!xml.contains("=\"\""), "{xml}");
    }
}
