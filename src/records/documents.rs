//! The documents of a case as PDF/A-2b, for the region, the staff and the archive: each
//! decision record, each filed requisition's receipt and each filed report. A document is
//! written as a DOCX with the exports' builders (`export::docx`), laid out by LibreOffice
//! (`crate::pdfa`) in a turn of heavy work, and kept with its checksum the first time it is
//! asked for (`case_document_pdfs`, frozen by the schema): every later download is that
//! same file. A receipt or report is made from the row as it was filed; when the region has
//! changed it since (a returned requisition being completed) and no PDF/A was kept before,
//! it is refused (409) rather than made to say what was not filed.

use chrono::{DateTime, NaiveDate, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::{
    db::{self, Filed, Record},
    model::{self, decision_key, receipt_key, report_key, swedish_moment},
};
use crate::{
    AppState,
    auth::Scope,
    clock::swedish_date,
    dates::format_date,
    error::{AppError, Result},
    export::docx::{add_table, document, heading, pack_titled, page_numbers, table, text},
    money::format_kronor,
    registry,
    reports::db::{ActivityRow, AttachmentRow, Report},
    requisitions::db::Requisition,
};

/// A document of a case.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CaseDocument {
    /// A decision record, by its id.
    Decision(Uuid),
    /// The receipt of a filed requisition, by the requisition's id.
    RequisitionReceipt(Uuid),
    /// A filed report (one version), by the report's id.
    Report(Uuid),
}

/// A document as a case's list of documents names it.
#[derive(Clone, Debug)]
pub struct Listed {
    pub document: CaseDocument,
    pub title: String,
    pub date: NaiveDate,
    pub organisation_id: Option<Uuid>,
    pub year: Option<i32>,
}

/// A document's PDF/A: its file name, SHA-256 (hex) and bytes.
#[derive(Clone, Debug)]
pub struct Pdf {
    pub filename: String,
    pub sha256: String,
    pub bytes: Vec<u8>,
}

/// Every document of an actor's year: its filed requisitions' receipts, its filed reports
/// and its decision records.
pub async fn for_case(db: &PgPool, year: i32, organisation_id: Uuid) -> Result<Vec<Listed>> {
    listed(db, year, Some(organisation_id)).await
}

/// Every actor's documents of the year, and the year's decisions that concern no actor.
pub async fn for_year(db: &PgPool, year: i32) -> Result<Vec<Listed>> {
    listed(db, year, None).await
}

async fn listed(pool: &PgPool, year: i32, organisation: Option<Uuid>) -> Result<Vec<Listed>> {
    let requisitions = db::filed_requisitions(pool, year, organisation).await?;
    let reports = db::filed_reports(pool, year, organisation).await?;
    // What was changed after it was filed can be had only as it was kept then.
    let keys: Vec<String> = requisitions
        .iter()
        .filter(|r| r.changed)
        .map(|r| receipt_key(r.id, r.submitted_at))
        .chain(
            reports
                .iter()
                .filter(|r| r.changed)
                .map(|r| report_key(r.id, r.submitted_at)),
        )
        .collect();
    let kept = db::kept_keys(pool, &keys).await?;
    let available = |changed: bool, key: String| !changed || kept.contains(&key);
    let mut out = Vec::new();
    for r in requisitions {
        if available(r.changed, receipt_key(r.id, r.submitted_at)) {
            out.push(Listed {
                document: CaseDocument::RequisitionReceipt(r.id),
                title: format!("Kvitto på rekvisition {}", r.case_number),
                date: swedish_date(r.submitted_at),
                organisation_id: Some(r.organisation_id),
                year: Some(r.year),
            });
        }
    }
    for r in reports {
        if available(r.changed, report_key(r.id, r.submitted_at)) {
            out.push(Listed {
                document: CaseDocument::Report(r.id),
                title: format!(
                    "Redovisning {} från {}, version {}",
                    r.year, r.actor_name, r.version
                ),
                date: swedish_date(r.submitted_at),
                organisation_id: Some(r.organisation_id),
                year: Some(r.year),
            });
        }
    }
    for d in db::decisions_of_year(pool, year, organisation).await? {
        out.push(Listed {
            document: CaseDocument::Decision(d.id),
            title: match &d.case_number {
                Some(case) => format!("Beslut: {} ({case})", d.kind.label()),
                None => format!("Beslut: {}", d.kind.label()),
            },
            date: swedish_date(d.decided_at),
            organisation_id: d.organisation_id,
            year: d.year,
        });
    }
    out.sort_by(|a, b| a.date.cmp(&b.date).then_with(|| a.title.cmp(&b.title)));
    Ok(out)
}

/// The document's PDF/A: the kept one if it was made before, else made now (in a turn of
/// heavy work), kept frozen and returned. Without LibreOffice: the 503 that says so, and
/// nothing kept.
pub async fn pdfa(state: &AppState, document: CaseDocument) -> Result<Pdf> {
    pdfa_made_by(state, document, None).await
}

/// `pdfa`, recording who asked for it to be made (the archive asks as no one).
pub async fn pdfa_made_by(
    state: &AppState,
    document: CaseDocument,
    by: Option<Uuid>,
) -> Result<Pdf> {
    let source = Source::of(&state.db, document).await?;
    let key = source.key();
    if let Some((filename, sha256, bytes)) = db::kept_pdf(&state.db, &key).await? {
        return Ok(Pdf {
            filename,
            sha256,
            bytes,
        });
    }
    // A turn of heavy work before the database is read: the pages keep their connections.
    let turn = state.heavy.turn().await?;
    let (filename, docx) = source.docx(state).await?;
    let bytes = crate::pdfa::from_docx(state.config.soffice.as_deref(), &docx).await?;
    drop(turn);
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let mut tx = state.db.begin().await?;
    db::keep_pdf(&mut tx, &key, &filename, &sha256, &bytes, by).await?;
    // Another request may have kept its own meanwhile: every download is the first kept.
    let (filename, sha256, bytes) = db::kept_pdf(&mut *tx, &key)
        .await?
        .ok_or_else(|| AppError::Internal(format!("case document {key} was not kept")))?;
    tx.commit().await?;
    Ok(Pdf {
        filename,
        sha256,
        bytes,
    })
}

/// What a document is made from, and which filing of it.
enum Source {
    Decision(Uuid),
    Receipt(Uuid, DateTime<Utc>),
    Report(Uuid, DateTime<Utc>),
}

const CHANGED_SINCE_FILED: &str = "Dokumentet kan inte tas fram: regionen har ändrat ärendet efter att det skickades in, och det som skickades in sparades inte som PDF/A innan dess. Ett nytt dokument finns när ärendet skickas in igen.";
const CHANGED_MEANWHILE: &str =
    "Ärendet har skickats in på nytt medan dokumentet togs fram. Ladda om sidan och försök igen.";

impl Source {
    async fn of(pool: &PgPool, document: CaseDocument) -> Result<Source> {
        Ok(match document {
            CaseDocument::Decision(id) => Source::Decision(id),
            CaseDocument::RequisitionReceipt(id) => Source::Receipt(
                id,
                db::requisition_submitted_at(pool, id)
                    .await?
                    .ok_or(AppError::NotFound)?,
            ),
            CaseDocument::Report(id) => Source::Report(
                id,
                db::report_submitted_at(pool, id)
                    .await?
                    .ok_or(AppError::NotFound)?,
            ),
        })
    }

    fn key(&self) -> String {
        match self {
            Source::Decision(id) => decision_key(*id),
            Source::Receipt(id, at) => receipt_key(*id, *at),
            Source::Report(id, at) => report_key(*id, *at),
        }
    }

    /// The document's file name and DOCX, from the row as it was filed.
    async fn docx(&self, state: &AppState) -> Result<(String, Vec<u8>)> {
        let pool = &state.db;
        match *self {
            Source::Decision(id) => {
                let record = db::find(pool, id, Scope::All)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let diarienummer = diarienummer(state, &record).await?;
                let docx =
                    decision_docx(&record, diarienummer.as_deref()).map_err(AppError::Internal)?;
                Ok((record.filename(), docx))
            }
            Source::Receipt(id, at) => {
                let r = crate::requisitions::db::find(pool, id, Scope::All)
                    .await?
                    .ok_or(AppError::NotFound)?;
                if r.submitted_at != Some(at) {
                    return Err(AppError::Conflict(CHANGED_MEANWHILE.into()));
                }
                if db::requisition_changed_since_filed(pool, id).await? {
                    return Err(AppError::Conflict(CHANGED_SINCE_FILED.into()));
                }
                let filed = db::requisition_filed(pool, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let diarienummer = registry::db::diarienummer(
                    pool,
                    model::Registered::Requisition.case_kind(),
                    r.year,
                    Some(r.organisation_id),
                )
                .await?;
                let docx = receipt_docx(&r, at, &filed, diarienummer.as_deref())
                    .map_err(AppError::Internal)?;
                let filename = format!(
                    "Kvitto rekvisition {} {}.pdf",
                    r.case_number,
                    swedish_date(at)
                );
                Ok((filename, docx))
            }
            Source::Report(id, at) => {
                let r = crate::reports::db::find(pool, id, Scope::All)
                    .await?
                    .ok_or(AppError::NotFound)?;
                if r.submitted_at != Some(at) {
                    return Err(AppError::Conflict(CHANGED_MEANWHILE.into()));
                }
                if db::report_changed_since_filed(pool, id).await? {
                    return Err(AppError::Conflict(CHANGED_SINCE_FILED.into()));
                }
                let activities = crate::reports::db::activities(pool, id).await?;
                let attachments = crate::reports::db::attachments(pool, id).await?;
                let (case_number, _) = crate::reports::db::receipt_facts(pool, &r).await?;
                let sent = db::report_filed(pool, id)
                    .await?
                    .ok_or(AppError::NotFound)?;
                let diarienummer = registry::db::diarienummer(
                    pool,
                    model::Registered::Report.case_kind(),
                    r.year,
                    Some(r.organisation_id),
                )
                .await?;
                let filed = FiledReport {
                    report: &r,
                    at,
                    sent: &sent,
                    case_number: &case_number,
                    diarienummer: diarienummer.as_deref(),
                    activities: &activities,
                    attachments: &attachments,
                };
                let docx = report_docx(&filed).map_err(AppError::Internal)?;
                let filename = format!(
                    "Redovisning {} {} version {}.pdf",
                    r.year, r.actor_name, r.version
                );
                Ok((filename, docx))
            }
        }
    }
}

/// Tillväxtverket's diarienummer of the case a decision belongs to, when it has one.
pub async fn diarienummer(state: &AppState, record: &Record) -> Result<Option<String>> {
    let (Some(registered), Some(year)) = (record.registered(), record.year) else {
        return Ok(None);
    };
    registry::db::diarienummer(
        &state.db,
        registered.case_kind(),
        year,
        record.organisation_id,
    )
    .await
}

// ---- The documents ----

const AUTHORITY: &str = "Tillväxtverket";

/// The sender at the top of the first page.
fn letterhead() -> docx_rs::Paragraph {
    docx_rs::Paragraph::new().add_run(docx_rs::Run::new().add_text(AUTHORITY).bold().size(28))
}

/// `Label: value`, the label bold.
fn fact(label: &str, value: &str) -> docx_rs::Paragraph {
    docx_rs::Paragraph::new()
        .add_run(docx_rs::Run::new().add_text(format!("{label}: ")).bold())
        .add_run(docx_rs::Run::new().add_text(value))
}

/// A decision record as Tillväxtverket's decision: the authority, the day, the case and
/// its diarienummer, the party; what was decided, why and on what it rests; who decided
/// after whose presentation, and the region's coordinator and signatory when the region's
/// signatory confirmed what was decided on; and the record's id and checksum.
fn decision_docx(r: &Record, diarienummer: Option<&str>) -> Result<Vec<u8>, String> {
    let mut doc = document()
        .footer(page_numbers())
        .add_paragraph(letterhead())
        .add_paragraph(heading("Beslut", 1))
        .add_paragraph(fact("Beslutande myndighet", AUTHORITY))
        .add_paragraph(fact("Datum", &format_date(r.decided_on())));
    if let Some(number) = diarienummer {
        doc = doc.add_paragraph(fact("Diarienummer", number));
    }
    if let Some(case) = &r.case_number {
        doc = doc.add_paragraph(fact("Digikoords ärendenummer", case));
    }
    if let Some(party) = &r.party {
        doc = doc.add_paragraph(fact("Part", party));
    }
    doc = doc
        .add_paragraph(fact("Ärende", r.kind.label()))
        .add_paragraph(heading("Beslut", 2))
        .add_paragraph(text(&r.decision))
        .add_paragraph(heading("Skäl för beslutet", 2))
        .add_paragraph(text(&r.reasons))
        .add_paragraph(heading("Vad beslutet grundar sig på", 2))
        .add_paragraph(text(&r.rests_on));
    if let Some(basis) = r.rests_on_record {
        doc = doc.add_paragraph(text(&format!(
            "Det beslutet finns i Digikoords beslutsregister som post {basis}."
        )));
    }
    doc = doc
        .add_paragraph(heading("Beslutsfattare och föredragande", 2))
        .add_paragraph(text(&r.decided_by_sentence()));
    if let Some(sentence) = r.region_sentence() {
        doc = doc.add_paragraph(fact(r.region_label(), &sentence));
    }
    doc = doc
        .add_paragraph(heading("Beslutsposten", 2))
        .add_paragraph(fact("Post", &r.id.to_string()))
        .add_paragraph(fact(
            "Kontrollsumma för innehållet (SHA-256)",
            &r.content_sha256,
        ))
        .add_paragraph(text(&format!(
            "Beslutet registrerades i Digikoord {} och sparas oförändrat.",
            swedish_moment(r.decided_at)
        )));
    let title = match &r.case_number {
        Some(case) => format!("Beslut: {} ({case})", r.kind.label()),
        None => format!("Beslut: {}", r.kind.label()),
    };
    pack_titled(doc, &title, AUTHORITY)
}

/// `a, b, c` of what is filled in.
fn joined(parts: &[Option<&str>]) -> String {
    parts
        .iter()
        .flatten()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

/// A filed requisition's receipt: the case, what was asked for and where it is to be paid,
/// the contact and the signatory, the declaration, who sent it in and when, and the
/// signatory who confirmed it when the region has one.
fn receipt_docx(
    r: &Requisition,
    at: DateTime<Utc>,
    filed: &Filed,
    diarienummer: Option<&str>,
) -> Result<Vec<u8>, String> {
    let title = format!("Kvitto på rekvisition {}", r.case_number);
    let mut doc = document()
        .footer(page_numbers())
        .add_paragraph(letterhead())
        .add_paragraph(heading(&title, 1))
        .add_paragraph(text(&format!(
            "Rekvisition av medel för regional digitaliseringskoordinator {} till {AUTHORITY}, enligt regeringsbeslut {}.",
            r.year, r.decision_number
        )))
        .add_paragraph(fact("Ärendenummer", &r.case_number));
    if let Some(number) = diarienummer {
        doc = doc.add_paragraph(fact("Diarienummer", number));
    }
    let payment = match (r.payment_method, r.account_number.as_deref()) {
        (Some(method), Some(account)) => format!("{} {account}", method.label()),
        (_, account) => account.unwrap_or_default().to_string(),
    };
    doc = doc
        .add_paragraph(fact("Aktör", &r.actor_name))
        .add_paragraph(fact("Programår", &r.year.to_string()))
        .add_paragraph(fact("Regeringsbeslut", &r.decision_number))
        .add_paragraph(fact(
            "Rekvirerat belopp",
            &r.amount.map(format_kronor).unwrap_or_default(),
        ))
        .add_paragraph(fact("Utbetalning till", &payment))
        .add_paragraph(fact(
            "Referens på utbetalningen",
            r.payment_reference.as_deref().unwrap_or_default(),
        ))
        .add_paragraph(fact(
            "Kontaktperson",
            &joined(&[
                r.contact_name.as_deref(),
                r.contact_email.as_deref(),
                r.contact_phone.as_deref(),
            ]),
        ))
        .add_paragraph(fact(
            "Firmatecknare",
            &joined(&[r.signatory_name.as_deref(), r.signatory_title.as_deref()]),
        ))
        .add_paragraph(fact(
            "Intygande",
            &match r.declaration {
                true => format!("Medlen ska användas enligt beslut {}.", r.decision_number),
                false => "Inte lämnat".to_string(),
            },
        ))
        .add_paragraph(fact("Inskickad", &swedish_moment(at)));
    for (label, value) in filed.sent_by(model::REQUISITION_SIGNED).lines() {
        doc = doc.add_paragraph(fact(label, &value));
    }
    doc = doc.add_paragraph(text(&format!(
        "Kvittot visar rekvisitionen som den skickades in {}. Det sparas oförändrat i Digikoord.",
        swedish_moment(at)
    )));
    pack_titled(doc, &title, AUTHORITY)
}

/// A filed report version and what it is shown with.
struct FiledReport<'a> {
    report: &'a Report,
    at: DateTime<Utc>,
    sent: &'a Filed,
    case_number: &'a str,
    diarienummer: Option<&'a str>,
    activities: &'a [ActivityRow],
    attachments: &'a [AttachmentRow],
}

/// A filed report as it was sent in: the case, who declared it and when, the answers to the
/// period's tasks, the activities, needs and results, the self-assessment, the finances and
/// the attachments' names.
fn report_docx(f: &FiledReport<'_>) -> Result<Vec<u8>, String> {
    let r = f.report;
    let title = format!("Redovisning {}: {}", r.year, r.actor_name);
    let mut doc = document()
        .footer(page_numbers())
        .add_paragraph(letterhead())
        .add_paragraph(heading(&title, 1))
        .add_paragraph(text(&format!(
            "Redovisning av medel för regional digitaliseringskoordinator {} till {AUTHORITY}.",
            r.year
        )))
        .add_paragraph(fact("Ärendenummer", f.case_number));
    if let Some(number) = f.diarienummer {
        doc = doc.add_paragraph(fact("Diarienummer", number));
    }
    let declared = match (&r.declared_by_name, r.declared_at) {
        (Some(name), Some(at)) => format!(
            "Uppgifterna är riktiga och medlen har använts i enlighet med regeringens beslut för {}. Intygat av {name} {}.",
            r.year,
            swedish_moment(at)
        ),
        _ => format!(
            "Uppgifterna är riktiga och medlen har använts i enlighet med regeringens beslut för {}.",
            r.year
        ),
    };
    doc = doc
        .add_paragraph(fact("Aktör", &r.actor_name))
        .add_paragraph(fact("Programår", &r.year.to_string()))
        .add_paragraph(fact("Version", &r.version.to_string()))
        .add_paragraph(fact("Inskickad", &swedish_moment(f.at)));
    for (label, value) in f.sent.sent_by(model::REPORT_SIGNED).lines() {
        doc = doc.add_paragraph(fact(label, &value));
    }
    doc = doc
        .add_paragraph(fact("Intygande", &declared))
        .add_paragraph(heading(&format!("1. {}", r.tasks_title()), 2));
    for (task, answer) in r.period_tasks.iter().zip(r.tasks()) {
        doc = doc
            .add_paragraph(
                docx_rs::Paragraph::new().add_run(docx_rs::Run::new().add_text(task).bold()),
            )
            .add_paragraph(text(match answer.trim().is_empty() {
                true => "Inte ifyllt",
                false => answer,
            }));
    }
    let activities = heading(&format!("2. Aktiviteter ({})", f.activities.len()), 2);
    if f.activities.is_empty() {
        doc = doc
            .add_paragraph(activities)
            .add_paragraph(text("Inga aktiviteter."));
    } else {
        let mut rows = vec![
            [
                "Aktivitet",
                "När",
                "Delmål",
                "Typ",
                "Samarbetspartner",
                "Deltagare",
            ]
            .map(String::from)
            .to_vec(),
        ];
        rows.extend(f.activities.iter().map(|a| {
            vec![
                match a.description.trim().is_empty() {
                    true => a.title.clone(),
                    false => format!("{}: {}", a.title, a.description.trim()),
                },
                a.held.clone(),
                a.sub_goal_labels(),
                a.kind.label().to_string(),
                a.partners.clone(),
                a.participants.to_string(),
            ]
        }));
        doc = add_table(doc, activities, rows);
    }
    doc = doc
        .add_paragraph(heading("3. Behov, resultat och självskattning", 2))
        .add_paragraph(heading("Behov och utmaningar", 3))
        .add_paragraph(text(&r.needs_and_challenges))
        .add_paragraph(heading("Resultat och effekter", 3))
        .add_paragraph(text(&r.results_and_effects))
        .add_paragraph(heading("Självskattning", 3))
        .add_paragraph(text(
            r.self_assessment
                .map(|s| s.label())
                .unwrap_or("Inte besvarad"),
        ))
        .add_paragraph(text(&r.self_assessment_motivation))
        .add_paragraph(heading("4. Ekonomi", 2));
    let mut finances = vec![
        vec!["Post".to_string(), "Belopp".to_string()],
        vec!["Mottagna medel".into(), format_kronor(r.received)],
        vec!["Personal".into(), format_kronor(r.cost_personnel)],
        vec!["Köpta tjänster".into(), format_kronor(r.cost_services)],
        vec!["Resor".into(), format_kronor(r.cost_travel)],
        vec!["Övrigt".into(), format_kronor(r.cost_other)],
        vec!["Använt totalt".into(), format_kronor(r.used)],
        vec![
            "Outnyttjat (att återbetala)".into(),
            format_kronor(r.unused),
        ],
    ];
    if let Some(c) = r.co_financing {
        finances.push(vec!["Egen medfinansiering".into(), format_kronor(c)]);
    }
    doc = doc
        .add_table(table(finances))
        .add_paragraph(heading("5. Bilagor", 2));
    if f.attachments.is_empty() {
        doc = doc.add_paragraph(text("Inga bilagor."));
    }
    for a in f.attachments {
        doc = doc.add_paragraph(text(&format!("{} ({})", a.filename, a.size_text())));
    }
    doc = doc.add_paragraph(text(&format!(
        "Redovisningen visas som den skickades in {}. Den sparas oförändrad i Digikoord.",
        swedish_moment(f.at)
    )));
    pack_titled(doc, &title, AUTHORITY)
}
