//! The staff's pages for requests for public documents: the list, registering a request for
//! an actor's year (its documents listed, its case held), the request with a secrecy review
//! per document, each document's PDF/A to read, the bundle, and deciding the request.

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    bundle::{self, Entry},
    db::{self, Registered, RequestRow, ReviewedFile},
    model::{
        DecideForm, Document, DocumentKind, HOLD_ENTITY, Outcome, RequestForm, Review, ReviewForm,
        bundle_name, bundle_refusal, changed_since_review, decide_refusal, hold_entity_id,
        inventory_csv, unreviewed,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    dates::format_date,
    error::{AppError, Result},
    records::{db as kept_documents, documents as case_documents},
    retention,
    web::{FormErrors, download_response, filters, redirect_with_flash, render, render_status},
};

const PAGE: &str = "/handlaggning/utlamnande";

/// Who registers requests, reviews their documents, makes bundles and decides: case officers
/// and administrators. Every staff member may see the requests.
const ACTING: &[Role] = &[Role::CaseOfficer, Role::Admin];

/// The list of the bundle, naming every document of the request.
const INVENTORY: &str = "Förteckning.csv";

const DECIDED: &str = "Begäran är redan avslutad. Prövningarna står kvar som de var när den avslutades. Ladda om sidan för att se hur den står nu.";

const CHANGED_MEANWHILE: &str = "Handlingen ändrades medan den prövades: regionen har skickat in ärendet på nytt. Prövningen sparades inte. Ladda om sidan, öppna handlingen igen och pröva den.";

const NOT_KEPT: &str = "PDF/A-filen som sekretessprövades finns inte längre bevarad i Digikoord. Ingenting har lämnats ut.";

fn can_act(user: &CurrentUser) -> bool {
    ACTING.contains(&user.role())
}

// ---- The list ----

#[derive(Template)]
#[template(path = "disclosure/list.html")]
struct ListPage {
    ctx: Ctx,
    requests: Vec<RequestRow>,
    can_act: bool,
}

/// `/handlaggning/utlamnande`: every request, the open ones first.
pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_staff()?;
    render(&ListPage {
        can_act: can_act(&user),
        ctx: user.ctx,
        requests: db::requests(&state.db).await?,
    })
}

// ---- Registering ----

#[derive(Template)]
#[template(path = "disclosure/new.html")]
struct NewPage {
    ctx: Ctx,
    form: RequestForm,
    errors: FormErrors,
    years: Vec<i32>,
    actors: Vec<(Uuid, String)>,
}

async fn new_page(
    state: &AppState,
    ctx: Ctx,
    form: RequestForm,
    errors: FormErrors,
) -> Result<NewPage> {
    Ok(NewPage {
        ctx,
        form,
        errors,
        years: state
            .programme
            .years(&state.db)
            .await?
            .iter()
            .map(|y| y.year)
            .rev()
            .collect(),
        actors: db::actors(&state.db).await?,
    })
}

/// The registration form, the day it came in set to today.
pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_role(ACTING)?;
    let form = RequestForm {
        received_on: state.clock.today().to_string(),
        ..RequestForm::default()
    };
    render(&new_page(&state, user.ctx, form, FormErrors::default()).await?)
}

/// Registers a request for an actor's year: the case's documents as they are now are listed
/// on it, each not yet reviewed, and the case is held against disposal until the request is
/// decided — in one transaction with its audit record. A fault in the form comes back beside
/// its field, nothing written.
pub async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<RequestForm>,
) -> Result<Response> {
    user.require_role(ACTING)?;
    let new = match form.validate(state.clock.today()) {
        Ok(new) => new,
        Err(errors) => {
            let page = new_page(&state, user.ctx, form, errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let Some(actor_name) = db::actor_of_year(&state.db, new.year, new.organisation_id).await?
    else {
        let mut errors = FormErrors::default();
        errors.add(
            "organisation_id",
            format!(
                "Organisationen är inte en av aktörerna i programmet {}. Välj en region och ett år då den var med.",
                new.year
            ),
        );
        let page = new_page(&state, user.ctx, form, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let id = Uuid::new_v4();
    let at = state.clock.now();
    let mut tx = state.db.begin().await?;
    let number = db::next_number(&mut tx).await?;
    let reason = format!(
        "Begäran om allmän handling nr {number}, mottagen {}: ärendet gallras inte förrän begäran är avslutad.",
        format_date(new.received_on)
    );
    // The hold first: placing it waits for a disposal run being confirmed, and no run is
    // confirmed until this transaction ends (`retention::db::place_hold`), so nothing listed
    // below can be disposed of in between.
    let hold_id = retention::db::place_hold(
        &mut tx,
        HOLD_ENTITY,
        &hold_entity_id(new.year, new.organisation_id),
        &reason,
        user.id(),
    )
    .await?;
    // The request covers the documents of the case as they are when it is registered.
    let mut listed: Vec<(DocumentKind, Uuid, String, chrono::NaiveDate)> = Vec::new();
    for l in case_documents::for_case(&state.db, new.year, new.organisation_id).await? {
        let (kind, document_id) = DocumentKind::of(l.document);
        if listed
            .iter()
            .any(|(k, d, _, _)| *k == kind && *d == document_id)
        {
            continue;
        }
        let title = match l.title.trim() {
            "" => kind.label().to_string(),
            title => title.to_string(),
        };
        listed.push((kind, document_id, title, l.date));
    }
    db::insert_request(
        &mut tx,
        &Registered {
            id,
            number,
            request: &new,
            by: user.id(),
            at,
            hold_id,
        },
    )
    .await?;
    for (i, (kind, document_id, title, dated)) in listed.iter().enumerate() {
        let position = i32::try_from(i + 1).unwrap_or(i32::MAX);
        db::insert_document(&mut tx, id, position, *kind, *document_id, title, *dated).await?;
    }
    // Who asks and how to reach them are the request's, not the log's: the log keeps only
    // whether they asked anonymously, so their details go when the request is disposed of.
    audit::Entry::new(
        Some(user.id()),
        "disclosure.registered",
        "disclosure_request",
        id,
    )
    .after(json!({
        "number": number, "received_on": new.received_on,
        "anonymous": new.requester.is_empty(),
        "year": new.year, "organisation": new.organisation_id, "actor_name": actor_name,
        "hold_id": hold_id,
        "documents": listed.iter().enumerate().map(|(i, (kind, document_id, title, dated))| json!({
            "position": i + 1, "kind": kind, "document_id": document_id, "title": title,
            "dated": dated,
        })).collect::<Vec<_>>(),
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    let documents = match listed.len() {
        0 => "Ärendet har inga handlingar i Digikoord.".to_string(),
        1 => "En handling är listad och väntar på sekretessprövning.".to_string(),
        n => format!("{n} handlingar är listade och väntar på sekretessprövning."),
    };
    Ok(redirect_with_flash(
        &format!("{PAGE}/{id}"),
        &format!(
            "Begäran nr {number} om allmän handling i {actor_name}s ärende {} är registrerad. {documents} Ärendet gallras inte så länge begäran är öppen.",
            new.year
        ),
    ))
}

// ---- The request ----

/// A review form sent with a fault: shown again beside its document, as it was filled in.
struct Failed {
    position: i32,
    form: ReviewForm,
    errors: FormErrors,
}

#[derive(Template)]
#[template(path = "disclosure/request.html")]
struct RequestPage {
    ctx: Ctx,
    request: RequestRow,
    documents: Vec<Document>,
    can_act: bool,
    choices: [Review; 3],
    failed: Option<Failed>,
    /// Why the bundle was refused (409): documents not yet reviewed, or no longer the files
    /// reviewed.
    bundle_error: Option<String>,
}

impl RequestPage {
    fn new(user: CurrentUser, request: RequestRow, documents: Vec<Document>) -> RequestPage {
        RequestPage {
            can_act: can_act(&user),
            ctx: user.ctx,
            request,
            documents,
            choices: Review::CHOICES,
            failed: None,
            bundle_error: None,
        }
    }

    /// Reviews may be made here: by one who acts, on an open request.
    fn may_review(&self) -> bool {
        self.can_act && self.request.state.may_review()
    }

    fn unreviewed(&self) -> usize {
        unreviewed(&self.documents)
    }

    /// Why the bundle cannot be made yet, if it cannot.
    fn bundle_waiting(&self) -> Option<String> {
        bundle_refusal(self.request.state, &self.documents)
    }

    fn outcome(&self) -> Outcome {
        Outcome::of(&self.documents)
    }

    fn any_masked(&self) -> bool {
        self.documents.iter().any(Document::to_mask)
    }

    /// How many documents were reviewed as files the case no longer has.
    fn changed(&self) -> usize {
        changed_since_review(&self.documents).len()
    }

    fn failed_for(&self, d: &Document) -> Option<&Failed> {
        self.failed.as_ref().filter(|f| f.position == d.position)
    }

    fn review_error(&self, d: &Document) -> Option<&str> {
        self.failed_for(d).and_then(|f| f.errors.get("review"))
    }

    fn note_error(&self, d: &Document) -> Option<&str> {
        self.failed_for(d).and_then(|f| f.errors.get("note"))
    }

    /// The choice shown checked: as sent when it came back, else the review made.
    fn is_checked(&self, d: &Document, r: &Review) -> bool {
        match self.failed_for(d) {
            Some(f) => f.form.review.trim() == r.key(),
            None => d.review == *r,
        }
    }

    fn note_value(&self, d: &Document) -> String {
        match self.failed_for(d) {
            Some(f) => f.form.note.clone(),
            None => d.review_note.clone().unwrap_or_default(),
        }
    }
}

async fn request_and_documents(state: &AppState, id: Uuid) -> Result<(RequestRow, Vec<Document>)> {
    let request = db::request(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let documents = db::documents(&state.db, id).await?;
    Ok((request, documents))
}

/// `/handlaggning/utlamnande/{id}`: the request, its documents with their reviews, a review
/// form per document while it is open, the bundle and deciding.
pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_staff()?;
    let (request, documents) = request_and_documents(&state, id).await?;
    render(&RequestPage::new(user, request, documents))
}

/// The file reviewed under `key`, as it was kept.
async fn kept_file(state: &AppState, key: &str) -> Result<case_documents::Pdf> {
    let (filename, sha256, bytes) = kept_documents::kept_pdf(&state.db, key)
        .await?
        .ok_or_else(|| AppError::Conflict(NOT_KEPT.into()))?;
    Ok(case_documents::Pdf {
        filename,
        sha256,
        bytes,
    })
}

/// A document's PDF/A, to read before reviewing it, and to download for masking: the file
/// reviewed while the case still has it (and, once the request is decided, always), else
/// the case's document as it is now, to review again. Each opening is audited.
pub async fn document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, position)): Path<(Uuid, i32)>,
) -> Result<Response> {
    user.require_role(ACTING)?;
    let request = db::request(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let d = db::document(&state.db, id, position)
        .await?
        .ok_or(AppError::NotFound)?;
    let reviewed_file = d
        .pdf_key
        .as_deref()
        .filter(|_| !request.is_open() || !d.changed_since_review());
    let pdf = match reviewed_file {
        Some(key) => kept_file(&state, key).await?,
        None => case_documents::pdfa(&state, d.case_document()).await?,
    };
    let mut tx = state.db.begin().await?;
    audit::Entry::new(
        Some(user.id()),
        "disclosure.document_opened",
        "disclosure_request",
        id,
    )
    .after(json!({
        "number": request.number, "position": position, "title": d.title, "kind": d.kind,
        "document_id": d.document_id, "filename": pdf.filename, "sha256": pdf.sha256,
        "reviewed_file": reviewed_file.is_some(),
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(download_response(
        pdf.bytes,
        "application/pdf",
        &pdf.filename,
    ))
}

/// Records a document's secrecy review — released, released masked, or withheld with the
/// provision it rests on — while the request is open, in one transaction with its audit
/// record. The review is of the document's kept PDF/A as it is now (made and kept first if
/// it was not yet, as opening it does), named by its key and SHA-256: the bundle hands over
/// that file and no other. A review may be made again until the request is decided. A
/// fault comes back beside the document, nothing written.
pub async fn review(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, position)): Path<(Uuid, i32)>,
    Form(form): Form<ReviewForm>,
) -> Result<Response> {
    user.require_role(ACTING)?;
    let reviewed = match form.validate() {
        Ok(reviewed) => reviewed,
        Err(errors) => {
            let (request, documents) = request_and_documents(&state, id).await?;
            if !documents.iter().any(|d| d.position == position) {
                return Err(AppError::NotFound);
            }
            if !request.state.may_review() {
                return Err(AppError::Conflict(DECIDED.into()));
            }
            let mut page = RequestPage::new(user, request, documents);
            page.failed = Some(Failed {
                position,
                form,
                errors,
            });
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    // The file reviewed: the document's PDF/A as it is now, kept (made first, in a turn of
    // heavy work, when it was not yet) before the transaction.
    let listed = {
        let request = db::request(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !request.state.may_review() {
            return Err(AppError::Conflict(DECIDED.into()));
        }
        db::document(&state.db, id, position)
            .await?
            .ok_or(AppError::NotFound)?
    };
    let pdf = case_documents::pdfa(&state, listed.case_document()).await?;
    let mut tx = state.db.begin().await?;
    let request = db::request_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let before = db::document(&mut *tx, id, position)
        .await?
        .ok_or(AppError::NotFound)?;
    if !request.state.may_review() {
        return Err(AppError::Conflict(DECIDED.into()));
    }
    // Still the document's file as it is now: not sent in again meanwhile.
    let current = match before.current_key() {
        Some(key) => db::kept_sha256(&mut tx, &key)
            .await?
            .map(|sha256| (key, sha256)),
        None => None,
    };
    let Some((key, sha256)) = current.filter(|(_, sha256)| *sha256 == pdf.sha256) else {
        return Err(AppError::Conflict(CHANGED_MEANWHILE.into()));
    };
    let at = state.clock.now();
    let file = ReviewedFile {
        key: &key,
        sha256: &sha256,
    };
    if !db::review(&mut tx, id, position, &reviewed, &file, user.id(), at).await? {
        return Err(AppError::NotFound);
    }
    audit::Entry::new(
        Some(user.id()),
        "disclosure.reviewed",
        "disclosure_request",
        id,
    )
    .before(json!({
        "review": before.review, "note": before.review_note, "pdf_key": before.pdf_key,
        "sha256": before.pdf_sha256,
    }))
    .after(json!({
        "number": request.number, "position": position, "title": before.title,
        "kind": before.kind, "document_id": before.document_id,
        "review": reviewed.review, "review_label": reviewed.review.label(),
        "note": reviewed.note, "pdf_key": key, "sha256": sha256, "filename": pdf.filename,
    }))
    .record(&mut tx)
    .await?;
    let left = db::documents(&mut *tx, id).await?;
    tx.commit().await?;
    let next = match (unreviewed(&left), changed_since_review(&left).len()) {
        (0, 0) => "Alla handlingar är prövade: paketet kan skapas.".to_string(),
        (0, 1) => "En handling har ändrats sedan den prövades och behöver prövas igen.".to_string(),
        (0, n) => format!("{n} handlingar har ändrats sedan de prövades och behöver prövas igen."),
        (1, _) => "En handling återstår att pröva.".to_string(),
        (n, _) => format!("{n} handlingar återstår att pröva."),
    };
    Ok(redirect_with_flash(
        &format!("{PAGE}/{id}#dokument-{position}"),
        &format!(
            "Handling {position}, {}: {}. {next}",
            before.title,
            reviewed.review.label()
        ),
    ))
}

// ---- The bundle ----

/// The bundle, once every document is reviewed: a ZIP with the PDF/A of each document
/// released whole — exactly the kept file that was reviewed, read by its key — and
/// `Förteckning.csv`, which lists every document with its review: those to be masked
/// (downloaded one by one from their own page, and masked by hand) and those withheld are
/// listed, never included. Each download is audited with the bundle's checksum. While a
/// document is not reviewed, or the case's document is no longer the file reviewed, the
/// request's page comes back saying so (409), nothing made.
pub async fn bundle(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(ACTING)?;
    let (request, documents) = request_and_documents(&state, id).await?;
    if let Some(refusal) = bundle_refusal(request.state, &documents) {
        let mut page = RequestPage::new(user, request, documents);
        page.bundle_error = Some(refusal);
        return render_status(StatusCode::CONFLICT, &page);
    }
    let mut entries = Vec::new();
    let mut names: Vec<(i32, String)> = Vec::new();
    let mut files = Vec::new();
    let mut missing = None;
    for d in &documents {
        if d.review.folder().is_none() {
            continue;
        }
        let kept = match d.pdf_key.as_deref() {
            Some(key) => kept_documents::kept_pdf(&state.db, key).await?,
            None => None,
        };
        let Some((filename, sha256, bytes)) =
            kept.filter(|(_, sha256, _)| Some(sha256) == d.pdf_sha256.as_ref())
        else {
            missing = Some(d.position);
            break;
        };
        let Some(name) = d.entry_name(&filename) else {
            continue;
        };
        files.push(json!({
            "position": d.position, "file": name, "pdf_key": d.pdf_key, "sha256": sha256,
        }));
        names.push((d.position, name.clone()));
        entries.push(Entry { name, bytes });
    }
    if let Some(position) = missing {
        let mut page = RequestPage::new(user, request, documents);
        page.bundle_error = Some(format!(
            "Paketet kan inte skapas: handling {position}. {NOT_KEPT} Öppna handlingen och pröva den igen."
        ));
        return render_status(StatusCode::CONFLICT, &page);
    }
    entries.insert(
        0,
        Entry {
            name: INVENTORY.to_string(),
            bytes: inventory_csv(&documents, &names),
        },
    );
    let bytes = bundle::zip(&entries, state.clock.now())
        .map_err(|e| AppError::Internal(format!("the disclosure bundle: {e}")))?;
    let filename = bundle_name(request.number);
    let of = |review: Review| -> Vec<i32> {
        documents
            .iter()
            .filter(|d| d.review == review)
            .map(|d| d.position)
            .collect()
    };
    let mut tx = state.db.begin().await?;
    audit::Entry::new(
        Some(user.id()),
        "disclosure.bundled",
        "disclosure_request",
        id,
    )
    .after(json!({
        "number": request.number, "filename": filename,
        "sha256": hex::encode(Sha256::digest(&bytes)), "files": files,
        "released": of(Review::Release), "masked": of(Review::ReleaseMasked),
        "withheld": of(Review::Withhold),
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(download_response(bytes, "application/zip", &filename))
}

// ---- Deciding ----

#[derive(Template)]
#[template(path = "disclosure/decide.html")]
struct DecidePage {
    ctx: Ctx,
    request: RequestRow,
    documents: Vec<Document>,
    form: DecideForm,
    errors: FormErrors,
    /// Why the request cannot be decided (yet).
    refusal: Option<String>,
}

impl DecidePage {
    fn outcome(&self) -> Outcome {
        Outcome::of(&self.documents)
    }
}

fn decide_page(
    ctx: Ctx,
    request: RequestRow,
    documents: Vec<Document>,
    form: DecideForm,
    errors: FormErrors,
) -> DecidePage {
    DecidePage {
        ctx,
        refusal: decide_refusal(request.state, &documents),
        request,
        documents,
        form,
        errors,
    }
}

/// What deciding the request does, before it is done.
pub async fn decide_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(ACTING)?;
    let (request, documents) = request_and_documents(&state, id).await?;
    render(&decide_page(
        user.ctx,
        request,
        documents,
        DecideForm::default(),
        FormErrors::default(),
    ))
}

/// Decides the request once every document is reviewed, and releases the legal hold on its
/// case, in one transaction with its audit record. The reviews stay as they are from then on.
pub async fn decide(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<DecideForm>,
) -> Result<Response> {
    user.require_role(ACTING)?;
    let note = match form.validate() {
        Ok(note) => note,
        Err(errors) => {
            let (request, documents) = request_and_documents(&state, id).await?;
            let page = decide_page(user.ctx, request, documents, form, errors);
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let request = db::request_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !request.is_open() {
        return Err(AppError::Conflict(DECIDED.into()));
    }
    let documents = db::documents(&mut *tx, id).await?;
    if decide_refusal(request.state, &documents).is_some() {
        drop(tx);
        let page = decide_page(user.ctx, request, documents, form, FormErrors::default());
        return render_status(StatusCode::CONFLICT, &page);
    }
    let at = state.clock.now();
    if !db::decide(&mut tx, id, note.as_deref(), user.id(), at).await? {
        return Err(AppError::Conflict(DECIDED.into()));
    }
    // Released here unless someone released it already (on the retention page, say).
    let held = db::hold_in_place(&mut tx, request.hold_id).await? == Some(true);
    if held {
        retention::db::release_hold(&mut tx, request.hold_id, user.id()).await?;
    }
    let outcome = Outcome::of(&documents);
    audit::Entry::new(
        Some(user.id()),
        "disclosure.decided",
        "disclosure_request",
        id,
    )
    .after(json!({
        "number": request.number, "year": request.year,
        "organisation": request.organisation_id, "outcome": outcome.label(), "note": note,
        "hold_id": request.hold_id, "hold_released": held,
        "reviews": documents.iter().map(|d| json!({
            "position": d.position, "title": d.title, "review": d.review, "note": d.review_note,
        })).collect::<Vec<_>>(),
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("{PAGE}/{id}"),
        &format!(
            "Begäran nr {} är avslutad. {} Spärren mot gallring av {}s ärende {} som begäran satte är hävd.",
            request.number,
            outcome.label(),
            request.actor_name,
            request.year
        ),
    ))
}
