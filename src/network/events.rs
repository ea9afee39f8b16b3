//! Network meetings and competence-development events: Tillväxtverket's staff arrange
//! them and add documents, the regions register who attends, and the staff record
//! afterwards who came.

use askama::Template;
use axum::{
    Form,
    extract::{Multipart, Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, DocumentRow, EventRow, NewDocument, Registration},
    model::{
        EventForm, EventKind, NetworkEvent, Person, RegistrationForm, documents_fit,
        parse_attendance,
    },
};
use crate::{
    AppState, attachments, audit,
    auth::{Ctx, CurrentUser, Role, Scope},
    error::{AppError, Result, violated_constraint},
    web::{FormErrors, download_response, redirect_with_flash, render, render_status},
};

/// Who arranges events and records attendance: administrators and case officers.
const ORGANISERS: [Role; 2] = [Role::Admin, Role::CaseOfficer];

fn event_url(id: Uuid) -> String {
    format!("/natverk/traffar/{id}")
}

#[derive(Template)]
#[template(path = "network/events.html")]
struct EventsPage {
    ctx: Ctx,
    upcoming: Vec<EventRow>,
    past: Vec<EventRow>,
    may_organise: bool,
    is_region: bool,
}

pub async fn list(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    let today = state.clock.today();
    let (past, upcoming) = db::event_list(&state.db, user.scope())
        .await?
        .into_iter()
        .partition(|r| r.event.day < today);
    render(&EventsPage {
        may_organise: user.require_role(&ORGANISERS).is_ok(),
        is_region: user.role() == Role::Coordinator,
        ctx: user.ctx,
        upcoming,
        past,
    })
}

#[derive(Template)]
#[template(path = "network/event.html")]
struct EventPage {
    ctx: Ctx,
    event: NetworkEvent,
    documents: Vec<DocumentRow>,
    /// Every organisation's for staff; the region's own for a coordinator.
    registrations: Vec<Registration>,
    may_organise: bool,
    /// A coordinator's organisation's people, to register; `None` for staff.
    own_people: Option<Vec<Person>>,
    /// For organisers: the organisations they may register people from.
    organisations: Vec<crate::programme::db::Organisation>,
    registration_open: bool,
    attendance_recordable: bool,
    form: RegistrationForm,
    /// The cancellation form's reason, as written.
    cancel_reason: String,
    errors: FormErrors,
}

async fn event_page(
    state: &AppState,
    user: CurrentUser,
    event: NetworkEvent,
    form: RegistrationForm,
    errors: FormErrors,
) -> Result<EventPage> {
    let today = state.clock.today();
    let own_people = match user.scope() {
        Scope::Organisation(org) => Some(db::people_of(&state.db, org).await?),
        Scope::All => None,
    };
    let may_organise = user.require_role(&ORGANISERS).is_ok();
    let organisations = if may_organise && event.open_for_registration(today) {
        crate::programme::db::organisations(&state.db).await?
    } else {
        vec![]
    };
    Ok(EventPage {
        organisations,
        documents: db::documents(&state.db, event.id).await?,
        registrations: db::registrations(&state.db, event.id, user.scope()).await?,
        may_organise,
        own_people,
        registration_open: event.open_for_registration(today),
        attendance_recordable: event.attendance_recordable(today),
        cancel_reason: String::new(),
        ctx: user.ctx,
        event,
        form,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let event = db::event(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let page = event_page(
        &state,
        user,
        event,
        RegistrationForm::default(),
        FormErrors::default(),
    )
    .await?;
    render(&page)
}

#[derive(Template)]
#[template(path = "network/event_form.html")]
struct EventFormPage {
    ctx: Ctx,
    /// `None` for a new event.
    event: Option<NetworkEvent>,
    form: EventForm,
    errors: FormErrors,
    kinds: [EventKind; 2],
}

fn event_form_page(
    ctx: Ctx,
    event: Option<NetworkEvent>,
    form: EventForm,
    errors: FormErrors,
) -> EventFormPage {
    EventFormPage {
        ctx,
        event,
        form,
        errors,
        kinds: EventKind::ALL,
    }
}

pub async fn new_form(user: CurrentUser) -> Result<Response> {
    user.require_role(&ORGANISERS)?;
    let form = EventForm {
        kind: EventKind::Meeting.key().into(),
        ..EventForm::default()
    };
    render(&event_form_page(
        user.ctx,
        None,
        form,
        FormErrors::default(),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<EventForm>,
) -> Result<Response> {
    user.require_role(&ORGANISERS)?;
    let valid = match form.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &event_form_page(user.ctx, None, form, errors),
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let id = db::insert_event(&mut tx, &valid, user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "network_event.created",
        "network_event",
        id,
    )
    .after(json!(valid))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &event_url(id),
        &format!(
            "{} ”{}” är skapad och syns i kalendrarna.",
            valid.kind.label(),
            valid.title
        ),
    ))
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(&ORGANISERS)?;
    let event = db::event(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let form = EventForm::of(&event);
    render(&event_form_page(
        user.ctx,
        Some(event),
        form,
        FormErrors::default(),
    ))
}

pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<EventForm>,
) -> Result<Response> {
    user.require_role(&ORGANISERS)?;
    let mut tx = state.db.begin().await?;
    let before = lock_uncancelled(&mut tx, id, "Träffen är inställd och kan inte ändras.").await?;
    let valid = match form.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            drop(tx);
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &event_form_page(user.ctx, Some(before), form, errors),
            );
        }
    };
    db::update_event(&mut tx, id, &valid, user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "network_event.updated",
        "network_event",
        id,
    )
    .before(json!(before))
    .after(json!(valid))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &event_url(id),
        &format!("Ändringarna i ”{}” är sparade.", valid.title),
    ))
}

async fn refuse_document(
    state: &AppState,
    user: CurrentUser,
    event: NetworkEvent,
    message: &str,
) -> Result<Response> {
    let mut errors = FormErrors::default();
    errors.add("file", message);
    let page = event_page(state, user, event, RegistrationForm::default(), errors).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    multipart: Multipart,
) -> Result<Response> {
    user.require_role(&ORGANISERS)?;
    let event = db::event(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let file = match attachments::receive(multipart).await {
        Ok(file) => file,
        Err(message) => return refuse_document(&state, user, event, &message).await,
    };
    let mut tx = state.db.begin().await?;
    db::lock_event(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let (count, total) = db::document_totals(&mut tx, id).await?;
    if let Err(message) = documents_fit(count, total, file.bytes.len()) {
        drop(tx);
        return refuse_document(&state, user, event, message).await;
    }
    let document = db::insert_document(
        &mut tx,
        NewDocument {
            event_id: id,
            filename: &file.name,
            content_type: file.content_type,
            sha256: &file.sha256,
            bytes: &file.bytes,
            size: file.size,
            uploaded_by: user.id(),
        },
    )
    .await?;
    audit::Entry::new(
        Some(user.id()),
        "network_event.document_added",
        "network_event",
        id,
    )
    .after(json!({
        "document": document, "filename": file.name, "size": file.size, "sha256": file.sha256,
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &event_url(id),
        &format!("Dokumentet ”{}” är tillagt.", file.name),
    ))
}

/// Every logged-in user may read an event's documents; always a download.
pub async fn download(
    State(state): State<AppState>,
    _user: CurrentUser,
    Path((id, document)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    let (filename, content_type, bytes) = db::document_bytes(&state.db, id, document)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download_response(bytes, &content_type, &filename))
}

pub async fn remove_document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, document)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    user.require_role(&ORGANISERS)?;
    let mut tx = state.db.begin().await?;
    db::lock_event(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let name = db::delete_document(&mut tx, id, document)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::Entry::new(
        Some(user.id()),
        "network_event.document_removed",
        "network_event",
        id,
    )
    .before(json!({ "document": document, "filename": name }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &event_url(id),
        &format!("Dokumentet ”{name}” är borttaget."),
    ))
}

/// A region registers one of its own, or a colleague, while the event is open.
pub async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<RegistrationForm>,
) -> Result<Response> {
    // A region registers its own; organisers register on any organisation's behalf.
    let on_behalf = user.role() != Role::Coordinator;
    if on_behalf {
        user.require_role(&ORGANISERS)?;
    }
    let event = db::event(&state.db, id).await?.ok_or(AppError::NotFound)?;
    if event.cancelled() {
        return Err(cancelled());
    }
    if !event.open_for_registration(state.clock.today()) {
        return Err(AppError::Refused(
            "Träffen har redan varit. Anmälan är stängd.".into(),
        ));
    }
    let org = if on_behalf {
        let known: Vec<Uuid> = crate::programme::db::organisations(&state.db)
            .await?
            .iter()
            .map(|o| o.id)
            .collect();
        form.organisation_of(&known)
    } else {
        Ok(user.coordinator_organisation()?)
    };
    let own = match org {
        Ok(org) => db::people_of(&state.db, org).await?,
        Err(_) => vec![],
    };
    let (org, attendee) = match (org, form.validate(&own)) {
        (Ok(org), Ok(attendee)) => (org, attendee),
        (org, validated) => {
            let mut errors = validated.err().unwrap_or_default();
            if let Err(m) = org {
                errors.add("organisation", m);
            }
            let page = event_page(&state, user, event, form, errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let registration = match db::insert_registration(&mut tx, id, org, &attendee, user.id()).await {
        Ok(registration) => registration,
        Err(e) if violated_constraint(&e) == Some("network_registrations_once") => {
            drop(tx);
            let mut errors = FormErrors::default();
            let field = if form.contact.is_empty() {
                "email"
            } else {
                "contact"
            };
            errors.add(
                field,
                format!("{} är redan anmäld till träffen.", attendee.name),
            );
            let page = event_page(&state, user, event, form, errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Err(e) if violated_constraint(&e) == Some("network_registration_open") => {
            return Err(cancelled());
        }
        Err(e) => return Err(e.into()),
    };
    audit::Entry::new(
        Some(user.id()),
        "network_registration.created",
        "network_registration",
        registration,
    )
    .after(json!({ "event": id, "organisation": org, "attendee": attendee }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &event_url(id),
        &format!("{} är anmäld till ”{}”.", attendee.name, event.title),
    ))
}

/// The event, locked for a change; `refusal` when it has been cancelled.
async fn lock_uncancelled(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    refusal: &str,
) -> Result<NetworkEvent> {
    let event = db::lock_event(conn, id).await?.ok_or(AppError::NotFound)?;
    if event.cancelled() {
        return Err(AppError::Conflict(refusal.into()));
    }
    Ok(event)
}

fn cancelled() -> AppError {
    AppError::Conflict("Träffen är inställd. Anmälan är stängd.".into())
}

#[derive(serde::Deserialize)]
pub struct CancelForm {
    #[serde(default)]
    reason: String,
}

/// An organiser cancels the event with a reason: it stays, marked cancelled, registration
/// closes, the calendar feeds mark it, and everyone registered hears of it.
pub async fn cancel(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<CancelForm>,
) -> Result<Response> {
    user.require_role(&ORGANISERS)?;
    let mut tx = state.db.begin().await?;
    let event = lock_uncancelled(&mut tx, id, "Träffen är redan inställd.").await?;
    let reason = form.reason.trim();
    let mut errors = FormErrors::default();
    if reason.is_empty() {
        errors.add(
            "reason",
            "Skriv varför träffen ställs in. De anmälda får skälet i sitt mejl.",
        );
    } else if reason.chars().count() > 2000 {
        errors.add("reason", "Skälet får vara högst 2 000 tecken.");
    }
    if !errors.is_empty() {
        drop(tx);
        let mut page = event_page(&state, user, event, RegistrationForm::default(), errors).await?;
        page.cancel_reason = form.reason;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    db::cancel_event(&mut tx, id, reason, user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "network_event.cancelled",
        "network_event",
        id,
    )
    .before(json!(event))
    .after(json!({ "cancel_reason": reason }))
    .record(&mut tx)
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::EventCancelled(id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &event_url(id),
        &format!("”{}” är inställd. De anmälda får ett mejl.", event.title),
    ))
}

/// A region withdraws one of its registrations while the event is open.
pub async fn unregister(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, registration)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    // A region withdraws its own; organisers any.
    let org = match user.scope() {
        Scope::Organisation(org) => Some(org),
        Scope::All => {
            user.require_role(&ORGANISERS)?;
            None
        }
    };
    let mut tx = state.db.begin().await?;
    let event = db::lock_event(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !event.open_for_registration(state.clock.today()) {
        return Err(AppError::Refused(
            "Träffen har redan varit eller är inställd. Anmälan kan inte längre ändras.".into(),
        ));
    }
    let name = db::delete_registration(&mut tx, id, registration, org)
        .await?
        .ok_or(AppError::NotFound)?;
    audit::Entry::new(
        Some(user.id()),
        "network_registration.withdrawn",
        "network_registration",
        registration,
    )
    .before(json!({ "event": id, "organisation": org, "name": name }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &event_url(id),
        &format!("Anmälan av {name} är borttagen."),
    ))
}

/// Tillväxtverket records, from the day of the event, who of those registered came.
pub async fn record_attendance(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require_role(&ORGANISERS)?;
    let mut tx = state.db.begin().await?;
    let event = db::lock_event(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !event.attendance_recordable(state.clock.today()) {
        return Err(AppError::Refused(
            "Närvaron kan registreras först när träffen har börjat, från dess dag.".into(),
        ));
    }
    let before = db::registrations(&mut *tx, id, Scope::All).await?;
    let ids: Vec<Uuid> = before.iter().map(|r| r.id).collect();
    let answers = match parse_attendance(&fields, &ids) {
        Ok(answers) => answers,
        Err(message) => {
            drop(tx);
            let mut errors = FormErrors::default();
            errors.add("attendance", message);
            let page = event_page(&state, user, event, RegistrationForm::default(), errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    for (registration, attended) in &answers {
        db::record_attendance(&mut tx, id, *registration, *attended, user.id()).await?;
    }
    let attended = answers.iter().filter(|(_, a)| *a).count();
    audit::Entry::new(
        Some(user.id()),
        "network_event.attendance_recorded",
        "network_event",
        id,
    )
    .before(json!(
        before
            .iter()
            .map(|r| json!({ "registration": r.id, "attended": r.attended }))
            .collect::<Vec<_>>()
    ))
    .after(json!(
        answers
            .iter()
            .map(|(r, a)| json!({ "registration": r, "attended": a }))
            .collect::<Vec<_>>()
    ))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &event_url(id),
        &format!(
            "Närvaron är registrerad: {attended} av {} anmälda deltog.",
            answers.len()
        ),
    ))
}
