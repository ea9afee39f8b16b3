//! The directory (search, CSV and vCard), its entries, and Tillväxtverket's contact.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    db,
    model::{
        AgencyContact, AgencyContactForm, ContactForm, Editor, Person, directory_csv,
        directory_vcard,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, Result},
    programme::{self, db::Organisation},
    web::{FormErrors, download_response, redirect_with_flash, render, render_status},
};

#[derive(Default, Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

impl Search {
    /// The query string that carries the search on to the exports.
    fn query(&self) -> String {
        if self.q.trim().is_empty() {
            String::new()
        } else {
            format!("?q={}", crate::web::url_encode(self.q.trim()))
        }
    }
}

#[derive(Template)]
#[template(path = "network/directory.html")]
struct DirectoryPage {
    ctx: Ctx,
    people: Vec<Person>,
    total: usize,
    q: String,
    export_query: String,
    /// The coordinator's own entry, to edit.
    own: Option<Uuid>,
    may_edit_all: bool,
    agency: Option<AgencyContact>,
}

impl DirectoryPage {
    fn is_own(&self, p: &Person) -> bool {
        self.own == Some(p.id)
    }
}

/// Whose entries the user may change: an administrator anyone's, a coordinator their own.
fn editor(user: &CurrentUser) -> Result<Editor> {
    match user.role() {
        Role::Admin => Ok(Editor::Anyone),
        Role::Coordinator => Ok(Editor::Own(user.id())),
        Role::CaseOfficer | Role::Approver => Err(AppError::Forbidden),
    }
}

async fn found(state: &AppState, search: &Search) -> Result<(Vec<Person>, usize)> {
    let all = db::directory(&state.db).await?;
    let total = all.len();
    Ok((
        all.into_iter().filter(|p| p.matches(&search.q)).collect(),
        total,
    ))
}

pub async fn directory(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(search): Query<Search>,
) -> Result<Response> {
    let (people, total) = found(&state, &search).await?;
    let own = match user.role() {
        Role::Coordinator => db::directory(&state.db)
            .await?
            .into_iter()
            .find(|p| p.user_id == Some(user.id()))
            .map(|p| p.id),
        _ => None,
    };
    render(&DirectoryPage {
        may_edit_all: user.role() == Role::Admin,
        agency: db::agency_contact(&state.db).await?,
        ctx: user.ctx,
        people,
        total,
        export_query: search.query(),
        q: search.q,
        own,
    })
}

pub async fn export_csv(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(search): Query<Search>,
) -> Result<Response> {
    let (people, _) = found(&state, &search).await?;
    Ok(download_response(
        directory_csv(&people),
        "text/csv; charset=utf-8",
        "koordinatornatverket.csv",
    ))
}

pub async fn export_vcard(
    State(state): State<AppState>,
    _user: CurrentUser,
    Query(search): Query<Search>,
) -> Result<Response> {
    let (people, _) = found(&state, &search).await?;
    Ok(download_response(
        directory_vcard(&people).into_bytes(),
        "text/vcard; charset=utf-8",
        "koordinatornatverket.vcf",
    ))
}

#[derive(Template)]
#[template(path = "network/contact_form.html")]
struct ContactPage {
    ctx: Ctx,
    /// `None` for a new contact.
    person: Option<Person>,
    form: ContactForm,
    errors: FormErrors,
    /// For a new contact: the organisations to choose from.
    organisations: Vec<Organisation>,
}

async fn load_person(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Person> {
    let editor = editor(user)?;
    let mut conn = state.db.acquire().await?;
    db::person_to_edit(&mut conn, id, editor)
        .await?
        .ok_or(AppError::NotFound)
}

pub async fn edit_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let person = load_person(&state, &user, id).await?;
    render(&ContactPage {
        ctx: user.ctx,
        form: ContactForm::of(&person),
        person: Some(person),
        errors: FormErrors::default(),
        organisations: vec![],
    })
}

pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ContactForm>,
) -> Result<Response> {
    let editor = editor(&user)?;
    let valid = match form.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            let person = load_person(&state, &user, id).await?;
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ContactPage {
                    ctx: user.ctx,
                    person: Some(person),
                    form,
                    errors,
                    organisations: vec![],
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let before = db::person_to_edit(&mut tx, id, editor)
        .await?
        .ok_or(AppError::NotFound)?;
    db::update_person(&mut tx, id, &valid, user.id()).await?;
    audit::Entry::new(Some(user.id()), "network_contact.updated", "network_contact", id)
        .before(json!({ "name": before.name, "title": before.title, "email": before.email, "phone": before.phone }))
        .after(json!(valid))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/natverk",
        &format!("Kontaktuppgifterna för {} är sparade.", valid.name),
    ))
}

pub async fn new_form(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    render(&ContactPage {
        organisations: programme::db::organisations(&state.db).await?,
        ctx: user.ctx,
        person: None,
        form: ContactForm::default(),
        errors: FormErrors::default(),
    })
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<ContactForm>,
) -> Result<Response> {
    user.require_admin()?;
    let organisations = programme::db::organisations(&state.db).await?;
    let offered: Vec<Uuid> = organisations.iter().map(|o| o.id).collect();
    let organisation = form.organisation(&offered);
    let valid = match (form.validate(), organisation) {
        (Ok(valid), Some(organisation)) => (valid, organisation),
        (result, organisation) => {
            let mut errors = result.err().unwrap_or_default();
            if organisation.is_none() {
                errors.add("organisation_id", "Välj organisation.");
            }
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &ContactPage {
                    ctx: user.ctx,
                    person: None,
                    form,
                    errors,
                    organisations,
                },
            );
        }
    };
    let (valid, organisation) = valid;
    let mut tx = state.db.begin().await?;
    let id = db::insert_contact(&mut tx, organisation, &valid, user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "network_contact.created",
        "network_contact",
        id,
    )
    .after(json!({ "contact": valid, "organisation": organisation }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/natverk",
        &format!("{} är tillagd i kontaktlistan.", valid.name),
    ))
}

pub async fn remove(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let mut tx = state.db.begin().await?;
    let before = db::person_to_edit(&mut tx, id, Editor::Anyone)
        .await?
        .ok_or(AppError::NotFound)?;
    if before.user_id.is_some() {
        return Err(AppError::Refused(
            "En koordinators uppgift följer användarkontot. Inaktivera användaren för att ta bort den ur kontaktlistan."
                .into(),
        ));
    }
    if !db::delete_contact(&mut tx, id).await? {
        return Err(AppError::NotFound);
    }
    audit::Entry::new(
        Some(user.id()),
        "network_contact.removed",
        "network_contact",
        id,
    )
    .before(json!(before))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/natverk",
        &format!("{} är borttagen ur kontaktlistan.", before.name),
    ))
}

#[derive(Template)]
#[template(path = "network/agency_contact_form.html")]
struct AgencyContactPage {
    ctx: Ctx,
    form: AgencyContactForm,
    errors: FormErrors,
}

pub async fn agency_contact_form(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response> {
    user.require_admin()?;
    let current = db::agency_contact(&state.db).await?;
    render(&AgencyContactPage {
        ctx: user.ctx,
        form: AgencyContactForm {
            name: current.as_ref().map(|c| c.name.clone()).unwrap_or_default(),
            email: current.map(|c| c.email).unwrap_or_default(),
        },
        errors: FormErrors::default(),
    })
}

pub async fn save_agency_contact(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<AgencyContactForm>,
) -> Result<Response> {
    user.require_admin()?;
    let contact = match form.validate() {
        Ok(contact) => contact,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AgencyContactPage {
                    ctx: user.ctx,
                    form,
                    errors,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let before = db::set_agency_contact(&mut tx, contact.as_ref(), user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "network_settings.updated",
        "network_settings",
        "agency_contact",
    )
    .before(json!({ "agency_contact": before }))
    .after(json!({ "agency_contact": contact }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    let said = match &contact {
        Some(c) => format!(
            "{} är nu Tillväxtverkets kontaktperson på regionernas startsida.",
            c.name
        ),
        None => "Ingen kontaktperson visas längre på regionernas startsida.".into(),
    };
    Ok(redirect_with_flash("/natverk", &said))
}
