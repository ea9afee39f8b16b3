//! The administrator's pages on personal data: finding a person, their register extract
//! (a page and JSON), the record of processing, and the anonymisation's setting, list and
//! confirmation.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, Account, Contact, Settings},
    model::{self, FROZEN, Found, INVENTORY, Person, SettingsForm, Turn},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    input,
    web::{FormErrors, download_response, filters, redirect_with_flash, render, render_status},
};

const PAGE: &str = "/admin/personuppgifter";
const ANONYMISATION: &str = "/admin/personuppgifter/anonymisering";

// ---- Finding a person ----

#[derive(Debug, Default, Deserialize)]
pub struct Search {
    #[serde(default)]
    q: String,
}

/// What a search must hold at least, so that it does not list everyone.
const SHORTEST_SEARCH: usize = 2;
const LONGEST_SEARCH: usize = 200;

#[derive(Template)]
#[template(path = "privacy/index.html")]
struct IndexPage {
    ctx: Ctx,
    q: String,
    /// A search was made (long enough).
    searched: bool,
    too_short: bool,
    accounts: Vec<Account>,
    contacts: Vec<Contact>,
}

impl IndexPage {
    fn contact_link(&self, contact: &Contact) -> String {
        contact_page(&contact.email)
    }
}

fn contact_page(email: &str) -> String {
    format!("{PAGE}/kontakt?epost={}", crate::web::url_encode(email))
}

pub async fn index(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(search): Query<Search>,
) -> Result<Response> {
    user.require_admin()?;
    let q = search.q.trim().to_string();
    let length = q.chars().count();
    if length > LONGEST_SEARCH {
        return Err(AppError::BadRequest(format!(
            "Sökningen får vara högst {LONGEST_SEARCH} tecken."
        )));
    }
    let searched = length >= SHORTEST_SEARCH;
    let (accounts, contacts) = if searched {
        (
            db::search_accounts(&state.db, &q).await?,
            db::search_contacts(&state.db, &q).await?,
        )
    } else {
        (Vec::new(), Vec::new())
    };
    render(&IndexPage {
        ctx: user.ctx,
        too_short: length > 0 && !searched,
        searched,
        q,
        accounts,
        contacts,
    })
}

// ---- The register extract ----

#[derive(Template)]
#[template(path = "privacy/extract.html")]
struct ExtractPage {
    ctx: Ctx,
    person: Person,
    /// The account, when the person has one.
    account: Option<Account>,
    found: Vec<Found>,
    json_link: String,
    made_at: DateTime<Utc>,
}

impl ExtractPage {
    fn rows(&self) -> usize {
        self.found.iter().map(|f| f.rows.len()).sum()
    }

    fn other_names(&self) -> Vec<String> {
        self.person.names.iter().skip(1).cloned().collect()
    }

    fn other_emails(&self) -> Vec<String> {
        self.person.emails.iter().skip(1).cloned().collect()
    }
}

/// The extract is logged: who made it, about whom, in which form.
async fn audited(
    state: &AppState,
    user: &CurrentUser,
    entity: &str,
    entity_id: String,
    format: &str,
    found: &[Found],
) -> Result<()> {
    let rows: usize = found.iter().map(|f| f.rows.len()).sum();
    let mut tx = state.db.begin().await?;
    audit::Entry::new(Some(user.id()), "privacy.extract_made", entity, entity_id)
        .after(json!({ "format": format, "tables": found.len(), "rows": rows }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The extract as a file to hand over: the person, when it was made, and every row that
/// names them, table by table.
fn json_file(person: &Person, found: &[Found], made_at: DateTime<Utc>) -> Result<Vec<u8>> {
    let tables: Vec<serde_json::Value> = found
        .iter()
        .map(|f| json!({ "tabell": f.table, "rubrik": f.heading, "rader": f.rows }))
        .collect();
    let document = json!({
        "registerutdrag": {
            "upprattat": made_at.to_rfc3339(),
            "av": "Tillväxtverket (Digikoord)",
            "person": {
                "anvandar_id": person.user_id,
                "namn": person.names,
                "e_post": person.emails,
            },
            "tabeller": tables,
        }
    });
    serde_json::to_vec_pretty(&document).map_err(|e| AppError::Internal(format!("json: {e}")))
}

fn json_filename(today: NaiveDate, who: &str) -> String {
    let who: String = who
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .take(40)
        .collect();
    format!("registerutdrag-{today}-{who}.json")
}

pub async fn extract(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let account = db::account(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = db::person_of(&state.db, id).await?;
    let found = db::extract(&state.db, &person).await?;
    audited(&state, &user, "user", id.to_string(), "html", &found).await?;
    render(&ExtractPage {
        ctx: user.ctx,
        person,
        account: Some(account),
        found,
        json_link: format!("{PAGE}/{id}/json"),
        made_at: state.clock.now(),
    })
}

pub async fn extract_json(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    db::account(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let person = db::person_of(&state.db, id).await?;
    let found = db::extract(&state.db, &person).await?;
    let bytes = json_file(&person, &found, state.clock.now())?;
    audited(&state, &user, "user", id.to_string(), "json", &found).await?;
    Ok(download_response(
        bytes,
        "application/json",
        &json_filename(state.clock.today(), &id.simple().to_string()[..8]),
    ))
}

#[derive(Debug, Default, Deserialize)]
pub struct ContactQuery {
    #[serde(default)]
    epost: String,
}

/// The contact person an address names; an address of an account leads to its extract.
async fn contact_person(
    state: &AppState,
    asked: &ContactQuery,
) -> Result<std::result::Result<(String, Person), Uuid>> {
    let email = input::parse_email(&asked.epost)
        .map_err(|message| AppError::BadRequest(format!("{message} Ingenting har hämtats.")))?;
    if let Some(id) = db::account_by_email(&state.db, &email).await? {
        return Ok(Err(id));
    }
    let person = db::contact(&state.db, &email)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(Ok((email, person)))
}

pub async fn contact_extract(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(asked): Query<ContactQuery>,
) -> Result<Response> {
    user.require_admin()?;
    let (email, person) = match contact_person(&state, &asked).await? {
        Ok(found) => found,
        Err(account) => return Ok(Redirect::to(&format!("{PAGE}/{account}")).into_response()),
    };
    let found = db::extract(&state.db, &person).await?;
    audited(&state, &user, "contact", email.clone(), "html", &found).await?;
    render(&ExtractPage {
        ctx: user.ctx,
        json_link: format!(
            "{PAGE}/kontakt/json?epost={}",
            crate::web::url_encode(&email)
        ),
        person,
        account: None,
        found,
        made_at: state.clock.now(),
    })
}

pub async fn contact_extract_json(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(asked): Query<ContactQuery>,
) -> Result<Response> {
    user.require_admin()?;
    let (email, person) = match contact_person(&state, &asked).await? {
        Ok(found) => found,
        Err(account) => {
            return Ok(Redirect::to(&format!("{PAGE}/{account}/json")).into_response());
        }
    };
    let found = db::extract(&state.db, &person).await?;
    let bytes = json_file(&person, &found, state.clock.now())?;
    audited(&state, &user, "contact", email.clone(), "json", &found).await?;
    Ok(download_response(
        bytes,
        "application/json",
        &json_filename(state.clock.today(), "kontakt"),
    ))
}

// ---- The record of processing ----

struct Processing {
    table: &'static str,
    heading: &'static str,
    data: String,
    purpose: &'static str,
    basis: &'static str,
    how_long: String,
    on_anonymisation: String,
    /// Kept as written by a trigger, so left as it is by an anonymisation.
    frozen: bool,
}

/// A frozen table, as the record of processing lists it.
struct Frozen {
    table: &'static str,
    heading: &'static str,
    why: &'static str,
}

#[derive(Template)]
#[template(path = "privacy/processing.html")]
struct ProcessingPage {
    ctx: Ctx,
    rows: Vec<Processing>,
    frozen: Vec<Frozen>,
    /// When shut accounts are anonymised, in words.
    months_said: String,
}

pub async fn processing(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let classes = db::retention_classes(&state.db).await?;
    let settings = db::settings(&state.db).await?;
    let rows = INVENTORY
        .iter()
        .map(|s| Processing {
            table: s.table,
            heading: s.heading,
            data: s.data(),
            purpose: s.purpose.label(),
            basis: s.basis.label(),
            how_long: s.kept.how_long(&classes),
            on_anonymisation: s.on_anonymisation(),
            frozen: model::frozen(s.table).is_some(),
        })
        .collect();
    let frozen = FROZEN
        .iter()
        .map(|&(table, why)| Frozen {
            table,
            heading: model::source(table).map_or(table, |s| s.heading),
            why,
        })
        .collect();
    render(&ProcessingPage {
        ctx: user.ctx,
        rows,
        frozen,
        months_said: model::months_said(settings.months),
    })
}

// ---- Anonymisation ----

/// A shut account on the anonymisation's pages: where it stands, the day it is (or was)
/// due, and under what name it goes on.
struct ShutRow {
    account: Account,
    due_on: Option<NaiveDate>,
    turn: Turn,
    pseudonym: String,
}

impl ShutRow {
    /// Due since before the time was saved: waits for an administrator's confirmation.
    fn awaits_confirmation(&self) -> bool {
        self.turn == Turn::AwaitsConfirmation
    }

    /// Became due after the time was saved: the server's hourly run takes it.
    fn automatic(&self) -> bool {
        self.turn == Turn::Automatic
    }

    /// Due, but a legal hold names it.
    fn held(&self) -> bool {
        self.turn == Turn::Held
    }
}

fn shut_rows(accounts: Vec<Account>, settings: &Settings, today: NaiveDate) -> Vec<ShutRow> {
    accounts
        .into_iter()
        .map(|account| ShutRow {
            due_on: settings
                .months
                .zip(account.deactivated_at)
                .and_then(|(m, at)| model::due_on(at, m)),
            turn: model::turn(&account.shut(), settings.months, settings.saved_at, today),
            pseudonym: model::pseudonym(account.id),
            account,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "privacy/anonymisation.html")]
struct AnonymisationPage {
    ctx: Ctx,
    form: SettingsForm,
    errors: FormErrors,
    settings: Settings,
    /// When shut accounts are anonymised, in words.
    months_said: String,
    shut: Vec<ShutRow>,
    anonymised: i64,
}

impl AnonymisationPage {
    /// Accounts an administrator may confirm now (waiting for it, or the hourly run's).
    fn due_count(&self) -> usize {
        self.shut
            .iter()
            .filter(|r| r.turn.may_be_confirmed())
            .count()
    }

    fn awaiting_count(&self) -> usize {
        self.shut.iter().filter(|r| r.awaits_confirmation()).count()
    }

    fn held_count(&self) -> usize {
        self.shut.iter().filter(|r| r.account.held).count()
    }
}

async fn anonymisation_page(
    state: &AppState,
    ctx: Ctx,
    form: SettingsForm,
    errors: FormErrors,
) -> Result<AnonymisationPage> {
    let settings = db::settings(&state.db).await?;
    let shut = shut_rows(
        db::shut_accounts(&state.db).await?,
        &settings,
        state.clock.today(),
    );
    Ok(AnonymisationPage {
        ctx,
        form,
        errors,
        anonymised: db::anonymised_count(&state.db).await?,
        months_said: model::months_said(settings.months),
        settings,
        shut,
    })
}

pub async fn anonymisation(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let months = db::settings(&state.db).await?.months;
    render(
        &anonymisation_page(
            &state,
            user.ctx,
            SettingsForm::of(months),
            FormErrors::default(),
        )
        .await?,
    )
}

pub async fn save_settings(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response> {
    user.require_admin()?;
    let months = match form.validate() {
        Ok(months) => months,
        Err(errors) => {
            let page = anonymisation_page(&state, user.ctx, form, errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let before = db::save_settings(&mut tx, months, user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "privacy.settings_saved",
        "privacy_settings",
        "anonymisation",
    )
    .before(json!({ "anonymise_after_months": before }))
    .after(json!({ "anonymise_after_months": months }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    let mut said = match months {
        Some(1) => "Sparat: personuppgifterna i ett inaktiverat konto anonymiseras en månad efter att kontot inaktiverades.".to_string(),
        Some(m) => format!(
            "Sparat: personuppgifterna i ett inaktiverat konto anonymiseras {m} månader efter att kontot inaktiverades."
        ),
        None => "Sparat: inaktiverade konton anonymiseras inte förrän en tid har angetts.".to_string(),
    };
    // Those already due as it was saved are not anonymised by the hourly run.
    let settings = db::settings(&state.db).await?;
    let awaiting = shut_rows(
        db::shut_accounts(&state.db).await?,
        &settings,
        state.clock.today(),
    )
    .iter()
    .filter(|r| r.awaits_confirmation())
    .count();
    match awaiting {
        0 => {}
        1 => said.push_str(
            " Ett konto var redan i tur: det anonymiseras först när en administratör bekräftar det under Anonymisera.",
        ),
        n => said.push_str(&format!(
            " {n} konton var redan i tur: de anonymiseras först när en administratör bekräftar dem under Anonymisera."
        )),
    }
    Ok(redirect_with_flash(ANONYMISATION, &said))
}

#[derive(Template)]
#[template(path = "privacy/confirm.html")]
struct ConfirmPage {
    ctx: Ctx,
    due: Vec<ShutRow>,
}

/// Who will be anonymised, and what it means, before *Anonymisera*: every due account no
/// legal hold names; changes nothing.
pub async fn confirm_page(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let settings = db::settings(&state.db).await?;
    let due = shut_rows(
        db::shut_accounts(&state.db).await?,
        &settings,
        state.clock.today(),
    )
    .into_iter()
    .filter(|r| r.turn.may_be_confirmed())
    .collect();
    render(&ConfirmPage { ctx: user.ctx, due })
}

/// Anonymises the accounts the confirmation page listed that are still due and not held,
/// each in a transaction of its own with the administrator's confirmation.
pub async fn confirm(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(fields): Form<Vec<(String, String)>>,
) -> Result<Response> {
    user.require_admin()?;
    let chosen = model::chosen_accounts(&fields)
        .map_err(|message| AppError::BadRequest(message.to_string()))?;
    let mut done = Vec::new();
    for id in chosen {
        if let Some(pseudonym) = super::anonymise(&state, id, Some(user.id())).await? {
            done.push(pseudonym);
        }
    }
    let said = match done.len() {
        0 => "Inget konto anonymiserades: inget av dem stod längre i tur (eller så har det en spärr mot gallring). Ingenting har ändrats.".to_string(),
        1 => format!("Ett konto är anonymiserat och heter nu {}.", done[0]),
        n => format!(
            "{n} konton är anonymiserade och heter nu {}.",
            done.join(", ")
        ),
    };
    Ok(redirect_with_flash(ANONYMISATION, &said))
}
