//! The archive package of a closed programme year (issue 31): what Tillväxtverket delivers to
//! its archive, as an **E-ARK SIP** the way Riksarkivet's FGS Paketstruktur 2.0 takes up E-ARK
//! CSIP and SIP 2.1.
//!
//! # When a year can be archived
//!
//! A year is *closed* when its summary to the Government has been marked submitted
//! (*inlämnad*, `summary::db::submitted`): the last step of a year's cycle, after the
//! regions' reports and repayments and Tillväxtverket's own account. Until then a package is
//! refused, saying why (409), and nothing is made.
//!
//! # What the package holds
//!
//! One ZIP of one folder named by the package's id (`digikoord-2025-<uuid>`, also its METS
//! `OBJID`):
//!
//! - `METS.xml`: a SIP (`csip:OAISPACKAGETYPE="SIP"`, the SIP profile, `RECORDSTATUS="NEW"`),
//!   content category *Other* and content information type *OTHER* (no E-ARK content type
//!   covers grant cases), made by the software Digikoord (with its version), Tillväxtverket
//!   as archival creator and submitter; a descriptive section per metadata file, the audit log
//!   as digital provenance, the documentation, schema and representation file groups, and the
//!   CSIP structural map;
//! - `metadata/descriptive/programar.xml` (the year: its decision, diarienummer, actors and its
//!   own documents) and `arende-<actor>.xml` for each actor with a case (parties,
//!   diarienummer, requisition, payout, report versions, repayment, dates, decisions, documents
//!   and attachments), in Digikoord's own namespace, whose schema is
//!   `schemas/digikoord-arkiv.xsd`;
//! - `metadata/preservation/handelselogg.xml`: every entry of the audit log on the year's
//!   records, each with the Swedish sentence the log page shows and what it changed;
//! - `documentation/om-paketet.txt`: the package explained to a person;
//! - `representations/rep1/`: its own `METS.xml` and under `data/` a folder per actor with
//!   the documents as PDF/A — requisition receipts, reports and decision records, each made
//!   once and kept (`records::documents::pdfa`) — and `bilagor/`, the attachments of the filed
//!   requisitions and reports as they were submitted; and `programar-<year>/` with the 26 March
//!   report and the documents to Kammarkollegiet: every kept export marked submitted, as it
//!   was sent, and the newest PDF/A of each where none submitted is one. A summary with no
//!   PDF/A kept at all is laid out as PDF/A from the year as it stands, and says so.
//!
//! Every file but the root `METS.xml` has its size, time and SHA-256 in a METS file; the
//! package itself is kept (`archive_packages`, frozen by the schema: never changed, never
//! removed) with its own SHA-256, and recorded in the audit log (`archive.package_made`).
//! `verify` reads a package and checks every checksum again.
//!
//! # The administrator's page (`/admin/arkiv`)
//!
//! Every programme year, closed or not and why; *Skapa arkivpaket* for a closed one leads to a
//! page that says what the package will hold and what happens, and only its button starts
//! the work. A year's documents are laid out as PDF/A one by one (a few seconds each, minutes
//! for a year of 21 actors the first time), so the package is made in the background, one per
//! year at a time (the schema's `archive_requests_one_running`); the page shows it running,
//! then the package — or why it failed. Each package is listed with its size, the number of
//! documents, its SHA-256, who made it and when, and downloads as it was kept.
//!
//! # The operator's commands
//!
//! `digikoord archive make --year 2025 --out FILE` makes, keeps and writes a closed year's
//! package (recorded as the operator's, no user); `digikoord archive verify FILE` checks
//! every checksum in a package and names each fault.
//!
//! `model.rs`: what the metadata says (pure, unit-tested), with `digikoord-arkiv.xsd`, its
//! schema; `package.rs`: the METS documents, the ZIP and the check of its checksums (pure,
//! unit-tested); `db.rs`: all SQL; `handlers.rs`: the pages.

pub mod db;
mod handlers;
pub mod model;
pub mod package;

use std::{
    collections::{BTreeMap, BTreeSet},
    path::Path,
    time::Duration,
};

use axum::{Router, routing::get};
use rust_decimal::Decimal;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::{
    AppState, Clock, Config, audit,
    error::{AppError, Result},
    export::{Document, ExportFormat},
    records::documents::CaseDocument,
    registry::model::CaseKind,
    serve::Database,
};
use model::{
    ActorLine, AttachmentRef, Case, Diarienummer, DocumentKind, DocumentRef, LogLine,
    RepaymentFacts, YearFacts,
};
use package::{Contents, File};

pub fn router() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route("/admin/arkiv", get(h::page))
        .route("/admin/arkiv/ar/{year}", get(h::confirm).post(h::request))
        .route("/admin/arkiv/{id}", get(h::download))
}

/// A package made and kept.
pub struct Package {
    pub id: Uuid,
    pub year: i32,
    /// Its METS `OBJID` and root folder.
    pub package_id: String,
    pub filename: String,
    pub sha256: String,
    pub size: i64,
    /// The documents and attachments in it.
    pub documents: i32,
    pub bytes: Vec<u8>,
}

/// What is said when LibreOffice, which lays the documents out as PDF/A, is not installed.
pub const NO_OFFICE: &str = "Arkivpaketets handlingar görs som PDF/A med LibreOffice, som inte är installerat på servern (Debian-paketet libreoffice-writer-nogui). Ingenting har sparats. Be driften installera det, eller skapa paketet med kommandot digikoord archive make på en server som har det.";

/// How often, and how long apart, a package waits again for a turn of heavy work when the
/// queue is full: it is made in the background, and may wait.
const BUSY_TRIES: u32 = 30;
const BUSY_PAUSE: Duration = Duration::from_secs(5);

/// `year`'s archive package, made, kept and recorded (by `by`, or the operator's command for
/// `None`); refused (409) while the year is not closed.
pub async fn build(state: &AppState, year: i32, by: Option<Uuid>) -> Result<Package> {
    make(state, year, by, None).await
}

/// Every checksum in a package checked again (`package::verify`): the faults, in Swedish;
/// none when the package is whole. A file that is not a package at all is a bad request.
pub fn verify(zip_bytes: &[u8]) -> Result<Vec<String>> {
    package::verify(zip_bytes).map_err(AppError::BadRequest)
}

/// `digikoord archive make --year Y --out FILE`: the package of a closed year, made, kept,
/// recorded as the operator's, and written to FILE (never over an existing file).
pub async fn make_command(
    config: &Config,
    year: i32,
    out: &Path,
) -> std::result::Result<Package, String> {
    if out.exists() {
        return Err(format!(
            "{} finns redan: ange ett filnamn som inte är taget",
            out.display()
        ));
    }
    let database = Database::open(config).await?;
    let result = async {
        let owner = database.prepare().await?;
        let mut config = config.clone();
        if config.sealer.is_none() && database.private.is_some() {
            config.sealer = Some(crate::secrets::private_key(&config.data_dir)?);
        }
        let state = AppState::new(owner.clone(), config, Clock::System)?;
        let package = build(&state, year, None).await.map_err(|e| match e {
            // The operator reads the server's own account of what went wrong.
            AppError::Internal(detail) => detail,
            other => model::failure_text(&other),
        })?;
        write_new(out, &package.bytes)
            .await
            .map_err(|e| format!("{}: {e}", out.display()))?;
        owner.close().await;
        Ok(package)
    }
    .await;
    database.stop();
    result
}

async fn write_new(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use tokio::io::AsyncWriteExt;
    let mut file = tokio::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .await?;
    file.write_all(bytes).await?;
    file.sync_all().await
}

/// `digikoord archive verify FILE`: every checksum in the package in FILE checked again; the
/// faults, none when it is whole.
pub async fn verify_command(file: &Path) -> std::result::Result<Vec<String>, String> {
    let bytes = tokio::fs::read(file)
        .await
        .map_err(|e| format!("{}: {e}", file.display()))?;
    tokio::task::spawn_blocking(move || package::verify(&bytes))
        .await
        .map_err(|e| e.to_string())?
}

/// Makes `year`'s package in the background for an administrator's request, which it ends
/// with the package or with why it failed.
fn make_in_background(state: AppState, request: Uuid, year: i32, by: Uuid) {
    tokio::spawn(async move {
        let Err(e) = make(&state, year, Some(by), Some(request)).await else {
            return;
        };
        match &e {
            AppError::Internal(detail) => {
                tracing::error!(%detail, year, "archive package not made")
            }
            other => tracing::warn!(error = ?other, year, "archive package not made"),
        }
        if let Err(e) = record_failure(&state, request, year, &model::failure_text(&e)).await {
            tracing::error!(error = ?e, year, "an archive package's failure was not recorded");
        }
    });
}

/// Ends a request as failed, with why, and records it.
async fn record_failure(state: &AppState, request: Uuid, year: i32, why: &str) -> Result<()> {
    let why: String = why.chars().take(2000).collect();
    let mut tx = state.db.begin().await?;
    if db::finish_request(&mut tx, request, None, Some(&why)).await? {
        audit::Entry::new(None, "archive.package_failed", "archive_request", request)
            .after(json!({ "year": year, "reason": why }))
            .record(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// `attempt`, tried again while the queue of heavy work is full.
async fn patiently<T, F, Fut>(mut attempt: F) -> Result<T>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T>>,
{
    let mut tries = 0;
    loop {
        match attempt().await {
            Err(AppError::Busy) if tries < BUSY_TRIES => {
                tries += 1;
                tokio::time::sleep(BUSY_PAUSE).await;
            }
            other => return other,
        }
    }
}

/// The representation's folders: one per actor, named by it, and the year's own; and the
/// names taken in each.
struct Folders {
    of: BTreeMap<Uuid, String>,
    year: String,
    taken: BTreeMap<String, BTreeSet<String>>,
}

impl Folders {
    fn new(year: i32, actors: &[crate::programme::db::Actor]) -> Folders {
        let year_folder = format!("programar-{year}");
        let mut used = BTreeSet::from([year_folder.clone()]);
        let of = actors
            .iter()
            .map(|a| {
                let folder = model::unique_name(&model::safe_name(&a.actor_name), &mut used);
                (a.organisation_id, folder)
            })
            .collect();
        Folders {
            of,
            year: year_folder,
            taken: BTreeMap::new(),
        }
    }

    /// An actor's folder; the year's own for none (or an organisation that is no actor of
    /// the year).
    fn folder(&self, organisation: Option<Uuid>) -> String {
        organisation
            .and_then(|o| self.of.get(&o).cloned())
            .unwrap_or_else(|| self.year.clone())
    }

    /// A new file's path in `folder`, its name made plain and not yet taken there.
    fn place(&mut self, folder: &str, name: &str) -> String {
        let taken = self.taken.entry(folder.to_string()).or_default();
        model::data_path(folder, &model::unique_name(&model::safe_name(name), taken))
    }
}

fn kind_of(document: CaseDocument) -> DocumentKind {
    match document {
        CaseDocument::Decision(_) => DocumentKind::Decision,
        CaseDocument::RequisitionReceipt(_) => DocumentKind::Receipt,
        CaseDocument::Report(_) => DocumentKind::Report,
    }
}

/// The diarienummer registered for a kind of case of the year (an actor's, or the year's own
/// for `None`).
fn diarienummer(
    entries: &[crate::registry::model::Entry],
    organisation: Option<Uuid>,
    kind: fn(&CaseKind) -> bool,
) -> Option<String> {
    entries
        .iter()
        .find(|e| kind(&e.kind) && e.organisation_id == organisation)
        .map(|e| e.diarienummer.clone())
}

/// The media type of a kept export, without its parameters.
fn media_type(format: ExportFormat) -> &'static str {
    format
        .content_type()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
}

/// The year's summary as PDF/A made now, the way its export is (the DOCX, laid out by
/// LibreOffice): for a year whose kept exports have none. The caller holds a turn of heavy
/// work.
async fn summary_pdfa(state: &AppState, year: i32) -> Result<Vec<u8>> {
    let loaded = crate::summary::db::load_year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let sections = crate::summary::db::sections(&state.db, year).await?;
    let trend: Vec<(i32, Option<crate::summary::model::Totals>)> =
        crate::summary::db::trend(&state.figures, &state.db)
            .await?
            .into_iter()
            .filter(|t| t.year <= year)
            .map(|t| (t.year, t.known_totals()))
            .collect();
    let docx = tokio::task::spawn_blocking(move || {
        crate::summary::export::render(ExportFormat::Docx, &loaded, &sections, &trend)
    })
    .await
    .map_err(|e| AppError::Internal(format!("the summary's DOCX: {e}")))?
    .map_err(AppError::Internal)?;
    crate::pdfa::from_docx(state.config.soffice.as_deref(), &docx)
        .await
        .map_err(|e| match e {
            crate::pdfa::Error::Missing => AppError::NotInstalled(NO_OFFICE.into()),
            other => other.into(),
        })
}

/// Makes, keeps and records `year`'s package; for an administrator's `request`, ends it in
/// the same transaction.
async fn make(
    state: &AppState,
    year: i32,
    by: Option<Uuid>,
    request: Option<Uuid>,
) -> Result<Package> {
    let programme_year = crate::programme::db::year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let closed_at = db::closed_at(&state.db, year)
        .await?
        .ok_or_else(|| AppError::Conflict(model::not_closed(year)))?;
    let period = crate::programme::db::period(&state.db, programme_year.period_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let actors = crate::programme::db::actors_of_year(&state.db, year, None).await?;
    let created = state.clock.now();
    let created_text = model::xsd_time(created);
    let id = Uuid::new_v4();
    let package_id = model::package_id(year, id);
    let mut folders = Folders::new(year, &actors);
    let mut data: Vec<File> = Vec::new();
    // Each document under its actor (`None`: the year's own).
    let mut documents: BTreeMap<Option<Uuid>, Vec<DocumentRef>> = BTreeMap::new();

    // The cases' documents as PDF/A, each made once and kept (`records`), each made in a turn
    // of heavy work of its own.
    for listed in crate::records::documents::for_year(&state.db, year).await? {
        let document = listed.document;
        let pdf = patiently(move || crate::records::documents::pdfa(state, document)).await?;
        let file = File::new(
            String::new(),
            "application/pdf",
            model::xsd_day(listed.date),
            listed.title.clone(),
            pdf.bytes,
        );
        if file.sha256 != pdf.sha256 {
            return Err(AppError::Internal(format!(
                "the kept PDF/A {} no longer matches its checksum",
                pdf.filename
            )));
        }
        let owner = listed
            .organisation_id
            .filter(|o| folders.of.contains_key(o));
        let folder = folders.folder(owner);
        let path = folders.place(&folder, &pdf.filename);
        documents.entry(owner).or_default().push(DocumentRef {
            kind: kind_of(document),
            title: listed.title,
            date: listed.date,
            path: path.clone(),
            mime: file.mime.clone(),
            sha256: file.sha256.clone(),
            submitted: None,
            note: None,
        });
        data.push(File { path, ..file });
    }

    // The rest is read in one snapshot and packed in one turn of heavy work.
    let turn =
        patiently(move || async move { state.heavy.turn().await.map_err(AppError::from) }).await?;
    let mut tx = crate::db::begin_snapshot(&state.db).await?;
    let requisitions = db::requisitions(&mut *tx, year).await?;
    let reports = db::reports(&mut *tx, year).await?;
    let repayments = crate::repayments::db::rows(&mut *tx, year, None).await?;
    let attachments = db::attachments(&mut *tx, year).await?;
    let log = db::audit_log(&mut *tx, year).await?;
    let exports = db::exports(&mut *tx, year).await?;
    let chosen = model::exports_to_keep(&exports);
    let mut export_bytes: BTreeMap<Uuid, Vec<u8>> = db::export_bytes(&mut *tx, &chosen)
        .await?
        .into_iter()
        .collect();
    let registry = crate::registry::db::for_year(&mut *tx, year).await?;
    tx.commit().await?;
    let sections = crate::summary::db::sections(&state.db, year).await?;

    // The summary and the documents to Kammarkollegiet, as kept.
    let year_folder = folders.year.clone();
    for e in exports.iter().filter(|e| chosen.contains(&e.id)) {
        let Some(bytes) = export_bytes.remove(&e.id) else {
            continue;
        };
        let title = e.document.title(year);
        let file = File::new(
            String::new(),
            media_type(e.format),
            model::xsd_time(e.created_at),
            title.clone(),
            bytes,
        );
        if file.sha256 != e.sha256 {
            return Err(AppError::Internal(format!(
                "the kept export {} no longer matches its checksum",
                e.filename
            )));
        }
        let path = folders.place(&year_folder, &e.filename);
        documents.entry(None).or_default().push(DocumentRef {
            kind: DocumentKind::of_export(e.document),
            title,
            date: crate::clock::swedish_date(e.created_at),
            path: path.clone(),
            mime: file.mime.clone(),
            sha256: file.sha256.clone(),
            submitted: e.submitted_at,
            note: None,
        });
        data.push(File { path, ..file });
    }
    if model::lacks_pdfa(&exports, &chosen, Document::Summary) {
        let title = Document::Summary.title(year);
        let path = folders.place(
            &year_folder,
            &Document::Summary.filename(year, ExportFormat::Pdf),
        );
        let file = File::new(
            path.clone(),
            "application/pdf",
            created_text.clone(),
            title.clone(),
            summary_pdfa(state, year).await?,
        );
        documents.entry(None).or_default().push(DocumentRef {
            kind: DocumentKind::Summary,
            title,
            date: crate::clock::swedish_date(created),
            path,
            mime: file.mime.clone(),
            sha256: file.sha256.clone(),
            submitted: None,
            note: Some(
                "Lagd som PDF/A när arkivpaketet gjordes, ur årets uppgifter som de var då: ingen PDF/A av sammanställningen var sparad."
                    .into(),
            ),
        });
        data.push(file);
    }

    // The attachments as submitted.
    let mut attached: BTreeMap<Uuid, Vec<AttachmentRef>> = BTreeMap::new();
    for a in attachments {
        let to = if a.to_requisition {
            "rekvisition"
        } else {
            "redovisning"
        };
        let folder = format!("{}/bilagor", folders.folder(Some(a.organisation_id)));
        let path = folders.place(&folder, &format!("{to} {} {}", a.reference, a.filename));
        let file = File::new(
            path.clone(),
            &a.content_type,
            model::xsd_time(a.uploaded_at),
            a.filename.clone(),
            a.bytes,
        );
        attached
            .entry(a.organisation_id)
            .or_default()
            .push(AttachmentRef {
                to,
                reference: a.reference,
                name: a.filename,
                path,
                mime: a.content_type,
                sha256: file.sha256.clone(),
                uploaded_at: a.uploaded_at,
            });
        data.push(file);
    }

    // Each actor's case, and the year.
    let version = env!("CARGO_PKG_VERSION").to_string();
    let mut descriptive = Vec::new();
    let mut actor_lines = Vec::new();
    for actor in &actors {
        let org = actor.organisation_id;
        let own_requisitions: Vec<_> = requisitions
            .iter()
            .filter(|r| r.organisation_id == org)
            .cloned()
            .collect();
        let own_reports: Vec<_> = reports
            .iter()
            .filter(|r| r.organisation_id == org)
            .cloned()
            .collect();
        let own_documents = documents.remove(&Some(org)).unwrap_or_default();
        let own_attachments = attached.remove(&org).unwrap_or_default();
        let has_case = !(own_requisitions.is_empty()
            && own_reports.is_empty()
            && own_documents.is_empty()
            && own_attachments.is_empty());
        let case_file = has_case.then(|| model::case_path(&folders.folder(Some(org))));
        actor_lines.push(ActorLine {
            organisation_id: org,
            name: actor.actor_name.clone(),
            org_number: actor.org_number.clone(),
            case_file: case_file.clone(),
        });
        let Some(case_file) = case_file else {
            continue;
        };
        let repayment = repayments
            .iter()
            .find(|r| r.organisation_id == org && (r.owed.is_some() || r.received > Decimal::ZERO))
            .map(|r| RepaymentFacts {
                owed: r.owed,
                received: r.received,
                refunded: r.refunded,
                deadline: r.deadline,
            });
        let case = Case {
            year,
            organisation_id: org,
            name: actor.actor_name.clone(),
            org_number: actor.org_number.clone(),
            diarienummer: Diarienummer {
                requisition: diarienummer(&registry, Some(org), |k| {
                    matches!(k, CaseKind::Requisition)
                }),
                report: diarienummer(&registry, Some(org), |k| matches!(k, CaseKind::Report)),
                repayment: diarienummer(&registry, Some(org), |k| matches!(k, CaseKind::Repayment)),
            },
            requisitions: own_requisitions,
            reports: own_reports,
            repayment,
            documents: own_documents,
            attachments: own_attachments,
        };
        descriptive.push(File::new(
            case_file,
            "application/xml",
            created_text.clone(),
            format!("Ärendet {}, {year}", actor.actor_name),
            model::case_xml(&case).into_bytes(),
        ));
    }
    let year_facts = YearFacts {
        year,
        decision: period.decision_reference(),
        diarienummer: diarienummer(&registry, None, |k| matches!(k, CaseKind::Summary))
            .or_else(|| Some(sections.case_number.trim().to_string()).filter(|d| !d.is_empty())),
        closed_at,
        created,
        version: version.clone(),
        actors: actor_lines,
        documents: documents.remove(&None).unwrap_or_default(),
    };
    descriptive.insert(
        0,
        File::new(
            model::YEAR_FILE.into(),
            "application/xml",
            created_text.clone(),
            format!("Programåret {year}"),
            model::year_xml(&year_facts).into_bytes(),
        ),
    );

    // The year's audit log, each entry as the log page reads it.
    let lines: Vec<LogLine> = log
        .into_iter()
        .map(|r| {
            let sentence = audit::model::sentence(&audit::model::Facts {
                actor: r.actor_name.as_deref(),
                action: &r.action,
                entity: &r.entity,
                entity_id: &r.entity_id,
                before: r.before.as_ref(),
                after: r.after.as_ref(),
                case_number: r.case_number.as_deref(),
            });
            LogLine {
                id: r.id,
                at: r.at,
                actor_id: r.actor_user_id,
                actor: r.actor_name,
                action: r.action,
                entity: r.entity,
                entity_id: r.entity_id,
                sentence,
                before: r.before.map(|v| v.to_string()),
                after: r.after.map(|v| v.to_string()),
            }
        })
        .collect();
    let log_file = File::new(
        model::LOG_FILE.into(),
        "application/xml",
        created_text,
        format!("Händelseloggen {year}"),
        model::log_xml(year, created, &lines).into_bytes(),
    );

    let count = data.len();
    let contents = Contents {
        package_id: package_id.clone(),
        year,
        created,
        version,
        descriptive,
        preservation: vec![log_file],
        data,
    };
    let bytes = tokio::task::spawn_blocking(move || package::package(&contents))
        .await
        .map_err(|e| AppError::Internal(format!("the archive package: {e}")))?
        .map_err(AppError::Internal)?;
    drop(turn);
    let package = Package {
        id,
        year,
        filename: format!("{package_id}.zip"),
        sha256: hex::encode(Sha256::digest(&bytes)),
        size: i64::try_from(bytes.len())
            .map_err(|_| AppError::Internal("the archive package is too large".into()))?,
        documents: i32::try_from(count).unwrap_or(i32::MAX),
        package_id,
        bytes,
    };

    let mut tx = state.db.begin().await?;
    db::insert_package(&mut tx, &package, by).await?;
    if let Some(request) = request {
        db::finish_request(&mut tx, request, Some(package.id), None).await?;
    }
    audit::Entry::new(by, "archive.package_made", "archive_package", package.id)
        .after(json!({
            "year": year, "filename": package.filename, "sha256": package.sha256,
            "size": package.size, "documents": package.documents,
            "by": if by.is_some() { "administrator" } else { "operator" },
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(package)
}
