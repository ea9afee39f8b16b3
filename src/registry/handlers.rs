//! The registrar's page (`/registratur`): the cases without a diarienummer, each with its
//! form, and the registered ones, searchable and correctable; and the administrator's
//! number series (`/admin/diarium`).

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::Datelike;
use serde::Deserialize;
use serde_json::json;
use sqlx::PgConnection;

use super::{
    db::{self, CaseRow, SeriesRow},
    model::{CorrectForm, Given, RegisterForm, SeriesForm},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, Result, violated_constraint},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

const PAGE: &str = "/registratur";
const SERIES_PAGE: &str = "/admin/diarium";
/// Who registers and corrects: the registrar works as a case officer or an administrator.
const REGISTRARS: [Role; 2] = [Role::CaseOfficer, Role::Admin];
/// How many cases each list shows at most.
const SHOWN: usize = 200;
const ALREADY_REGISTERED: &str = "Ärendet har redan ett diarienummer – någon annan hann före. Ladda om sidan för att se hur det står nu.";
const NO_CASE: &str =
    "Formuläret anger inget ärende. Ladda om sidan och försök igen. Ingenting har sparats.";

/// A form that came back: the row it belongs to, what was typed, and why.
struct Failed {
    dom_id: String,
    diarienummer: String,
    reason: String,
    errors: FormErrors,
}

impl Failed {
    /// A number refused beside its field.
    fn number(dom_id: String, typed: &str, message: impl Into<String>) -> Failed {
        let mut errors = FormErrors::default();
        errors.add("diarienummer", message);
        Failed {
            dom_id,
            diarienummer: typed.to_string(),
            reason: String::new(),
            errors,
        }
    }
}

#[derive(Template)]
#[template(path = "registry/page.html")]
struct RegistryPage {
    ctx: Ctx,
    may_register: bool,
    unregistered: Vec<CaseRow>,
    unregistered_total: i64,
    registered: Vec<CaseRow>,
    /// How many registered cases the search finds (every one without a search).
    found: usize,
    search: String,
    /// The calendar year numbers are taken for now, and its series' next number.
    series_year: i32,
    next_number: Option<String>,
    failed: Option<Failed>,
}

impl RegistryPage {
    fn failed_here(&self, row: &CaseRow) -> Option<&Failed> {
        self.failed.as_ref().filter(|f| f.dom_id == row.dom_id())
    }

    fn is_failed(&self, row: &CaseRow) -> bool {
        self.failed_here(row).is_some()
    }

    /// The message beside a row's field, if its form came back.
    fn error(&self, row: &CaseRow, field: &str) -> Option<&str> {
        self.failed_here(row).and_then(|f| f.errors.get(field))
    }

    /// What a row's number field holds: what was typed when its form came back; else
    /// empty for a case without a number, and the number for a registered one.
    fn typed(&self, row: &CaseRow) -> String {
        match self.failed_here(row) {
            Some(f) => f.diarienummer.clone(),
            None => row.dnr().to_string(),
        }
    }

    fn reason(&self, row: &CaseRow) -> String {
        self.failed_here(row)
            .map(|f| f.reason.clone())
            .unwrap_or_default()
    }

    fn more_unregistered(&self) -> bool {
        usize::try_from(self.unregistered_total).unwrap_or(usize::MAX) > self.unregistered.len()
    }

    fn more_found(&self) -> bool {
        self.found > self.registered.len()
    }
}

async fn registry_page(
    state: &AppState,
    user: CurrentUser,
    search: String,
    failed: Option<Failed>,
) -> Result<RegistryPage> {
    let unregistered = db::unregistered(&state.db, SHOWN as i64).await?;
    let unregistered_total = unregistered.first().map_or(0, |r| r.total);
    let found: Vec<CaseRow> = db::registered(&state.db)
        .await?
        .into_iter()
        .filter(|r| r.found_by(&search))
        .collect();
    let found_count = found.len();
    // The first ones found, and the one whose correction came back wherever it is.
    let failed_id = failed.as_ref().map(|f| f.dom_id.clone());
    let registered = found
        .into_iter()
        .enumerate()
        .filter(|(i, r)| *i < SHOWN || failed_id.as_deref() == Some(r.dom_id().as_str()))
        .map(|(_, r)| r)
        .collect();
    let series_year = state.clock.today().year();
    let next_number = db::series(&state.db)
        .await?
        .into_iter()
        .find(|s| s.year == series_year)
        .map(|s| s.next_number());
    Ok(RegistryPage {
        may_register: REGISTRARS.contains(&user.role()),
        ctx: user.ctx,
        unregistered,
        unregistered_total,
        registered,
        found: found_count,
        search,
        series_year,
        next_number,
        failed,
    })
}

#[derive(Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    sok: String,
}

/// `/registratur`: the cases without a diarienummer, the newest first, and the registered
/// ones, found by a search. Staff see it; case officers and administrators register.
pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let search = query.sok.trim().chars().take(100).collect();
    render(&registry_page(&state, user, search, None).await?)
}

/// The page again with the form that came back, filled in, and why (422); nothing written.
async fn came_back(state: &AppState, user: CurrentUser, failed: Failed) -> Result<Response> {
    let page = registry_page(state, user, String::new(), Some(failed)).await?;
    render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
}

/// The next free number of `year`'s series, the series moved past it (numbers a case has
/// already, typed by hand, are passed over); or why none can be taken.
async fn next_from_series(
    tx: &mut PgConnection,
    year: i32,
) -> Result<std::result::Result<String, String>> {
    for _ in 0..100 {
        let number = match db::take_from_series(tx, year).await {
            Ok(Some(number)) => number,
            Ok(None) => {
                return Ok(Err(format!(
                    "Det finns ingen nummerserie för {year}. Skriv diarienumret från Tillväxtverkets diarium, eller be en administratör ställa in serien under Diarium."
                )));
            }
            Err(e) if violated_constraint(&e) == Some("registry_series_next_check") => {
                return Ok(Err(format!(
                    "Nummerserien för {year} är slut. Be en administratör ställa in serien på nytt under Diarium."
                )));
            }
            Err(e) => return Err(e.into()),
        };
        if !db::taken(tx, &number).await? {
            return Ok(Ok(number));
        }
    }
    Ok(Err(format!(
        "De följande hundra numren i serien för {year} finns redan på andra ärenden. Be en administratör flytta fram serien under Diarium."
    )))
}

/// Registers a case's diarienummer, typed or the series' next, in one transaction with its
/// audit record (and the series moved on). A number another case has, or none, comes back
/// beside the field with what was typed; nothing is written.
pub async fn register(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<RegisterForm>,
) -> Result<Response> {
    user.require_role(&REGISTRARS)?;
    let case = form
        .case()
        .ok_or_else(|| AppError::BadRequest(NO_CASE.into()))?;
    let dom_id = case.dom_id();
    let given = match form.given() {
        Ok(given) => given,
        Err(message) => {
            let failed = Failed::number(dom_id, &form.diarienummer, message);
            return came_back(&state, user, failed).await;
        }
    };
    let from_series = given == Given::FromSeries;
    let mut tx = state.db.begin().await?;
    if db::diarienummer(&mut *tx, case.kind, case.year, case.organisation_id)
        .await?
        .is_some()
    {
        return Err(AppError::Conflict(ALREADY_REGISTERED.into()));
    }
    let number = match given {
        Given::Typed(number) => number,
        Given::FromSeries => match next_from_series(&mut tx, state.clock.today().year()).await? {
            Ok(number) => number,
            Err(message) => {
                drop(tx);
                let failed = Failed::number(dom_id, &form.diarienummer, message);
                return came_back(&state, user, failed).await;
            }
        },
    };
    let id = match db::register(&mut tx, &case, &number, user.id(), state.clock.now()).await {
        Ok(id) => id,
        Err(e) => {
            return match violated_constraint(&e) {
                Some("registry_entries_diarienummer_key") => {
                    drop(tx);
                    let failed = Failed::number(
                        dom_id,
                        &form.diarienummer,
                        format!(
                            "Diarienumret {number} finns redan på ett annat ärende. Kontrollera numret i diariet."
                        ),
                    );
                    came_back(&state, user, failed).await
                }
                Some("registry_entries_one_per_case") => {
                    Err(AppError::Conflict(ALREADY_REGISTERED.into()))
                }
                Some("registry_entries_case_exists") => Err(AppError::NotFound),
                _ => Err(e.into()),
            };
        }
    };
    audit::Entry::new(Some(user.id()), "registry.registered", "registry_entry", id)
        .after(json!({
            "kind": case.kind, "year": case.year, "organisation": case.organisation_id,
            "diarienummer": number, "from_series": from_series,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        PAGE,
        &format!(
            "Diarienumret {number} är registrerat på {} {}.",
            case.kind.label().to_lowercase(),
            case.year
        ),
    ))
}

/// Corrects a registered diarienummer, with a reason: audited with the number before and
/// after. A number another case has, or no reason, comes back beside its field.
pub async fn correct(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<CorrectForm>,
) -> Result<Response> {
    user.require_role(&REGISTRARS)?;
    let id = form.entry_id().ok_or(AppError::NotFound)?;
    let dom_id = format!("entry-{id}");
    let mut tx = state.db.begin().await?;
    let entry = db::entry_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let correction = match form.validate(&entry.diarienummer) {
        Ok(correction) => correction,
        Err(errors) => {
            drop(tx);
            let failed = Failed {
                dom_id,
                diarienummer: form.diarienummer.clone(),
                reason: form.reason.clone(),
                errors,
            };
            return came_back(&state, user, failed).await;
        }
    };
    if let Err(e) = db::correct(&mut tx, id, &correction.diarienummer).await {
        return match violated_constraint(&e) {
            Some("registry_entries_diarienummer_key") => {
                drop(tx);
                let mut failed = Failed::number(
                    dom_id,
                    &form.diarienummer,
                    format!(
                        "Diarienumret {} finns redan på ett annat ärende. Kontrollera numret i diariet.",
                        correction.diarienummer
                    ),
                );
                failed.reason = form.reason.clone();
                came_back(&state, user, failed).await
            }
            _ => Err(e.into()),
        };
    }
    audit::Entry::new(Some(user.id()), "registry.corrected", "registry_entry", id)
        .before(json!({ "diarienummer": entry.diarienummer }))
        .after(json!({
            "diarienummer": correction.diarienummer, "reason": correction.reason,
            "kind": entry.kind, "year": entry.year, "organisation": entry.organisation_id,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        PAGE,
        &format!(
            "Diarienumret är ändrat från {} till {} ({} {}).",
            entry.diarienummer,
            correction.diarienummer,
            entry.kind.label().to_lowercase(),
            entry.year
        ),
    ))
}

/// The administrator's page of the number series, one per calendar year of registration.
#[derive(Template)]
#[template(path = "registry/series.html")]
struct SeriesPage {
    ctx: Ctx,
    series: Vec<SeriesRow>,
    form: SeriesForm,
    errors: FormErrors,
}

impl SeriesPage {
    /// The number the form's series would give next, when the form holds one.
    fn preview(&self) -> Option<String> {
        self.form.validate().ok().map(|s| s.next_number())
    }
}

pub async fn series_page(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let series = db::series(&state.db).await?;
    let year = state.clock.today().year();
    // This year's series as it stands, to change; or a new one.
    let form = match series.iter().find(|s| s.year == year) {
        Some(s) => SeriesForm {
            year: s.year.to_string(),
            prefix: s.prefix.clone(),
            next: s.next.to_string(),
            digits: s.digits.to_string(),
        },
        None => SeriesForm::for_year(year),
    };
    render(&SeriesPage {
        ctx: user.ctx,
        series,
        form,
        errors: FormErrors::default(),
    })
}

/// Sets a year's series (or sets it again): audited with what it was.
pub async fn set_series(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<SeriesForm>,
) -> Result<Response> {
    user.require_admin()?;
    let series = match form.validate() {
        Ok(series) => series,
        Err(errors) => {
            let page = SeriesPage {
                series: db::series(&state.db).await?,
                ctx: user.ctx,
                form,
                errors,
            };
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let before = db::set_series(&mut tx, &series, user.id(), state.clock.now()).await?;
    audit::Entry::new(
        Some(user.id()),
        "registry.series_set",
        "registry_series",
        series.year,
    )
    .before(before.map(|b| json!(b)))
    .after(json!(series))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        SERIES_PAGE,
        &format!(
            "Nummerserien för {} är sparad. Nästa nummer ur serien blir {}.",
            series.year,
            series.next_number()
        ),
    ))
}
