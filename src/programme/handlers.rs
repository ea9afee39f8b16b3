//! The programme page everyone can read, and the administrator's edits.

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, Actor, Organisation, Period, ProgrammeYear},
    form::{ActorForm, OrganisationForm, PeriodForm, YearForm, required},
    model::{ASSUMED, YearDate, parse_org_number},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, PageCtx},
    error::{AppError, Result, violated_constraint},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

struct PeriodView {
    period: Period,
    tasks: Vec<String>,
    actors: Vec<Actor>,
    years: Vec<ProgrammeYear>,
}

#[derive(Template)]
#[template(path = "programme/programme.html")]
struct ProgrammePage {
    ctx: Ctx,
    periods: Vec<PeriodView>,
    /// Every period, for the years whose report follows another period's rules.
    all: Vec<Period>,
}

pub(super) async fn programme_page(
    State(state): State<AppState>,
    PageCtx(ctx): PageCtx,
) -> Result<Response> {
    let years = state.programme.years(&state.db).await?;
    let all = state.programme.periods(&state.db).await?.to_vec();
    let mut periods = Vec::new();
    for period in all.iter().cloned() {
        let actors = db::actors_of_period(&state.db, period.id).await?;
        let tasks = state.programme.tasks(&state.db, period.id).await?.to_vec();
        let years = years
            .iter()
            .filter(|y| y.period_id == period.id)
            .cloned()
            .collect();
        periods.push(PeriodView {
            period,
            tasks,
            actors,
            years,
        });
    }
    render(&ProgrammePage { ctx, periods, all })
}

impl ProgrammePage {
    /// "Näringsdepartementet: Sammanställning …" for a year's report, by the rules it follows.
    fn report_of(&self, y: &ProgrammeYear) -> String {
        self.all
            .iter()
            .find(|p| p.id == y.report_period_id())
            .map(|p| {
                format!(
                    "{} ({}, enligt {})",
                    p.report_title, p.report_ministry, p.decision_number
                )
            })
            .unwrap_or_default()
    }
}

// ---- periods ----

fn period_constraint_error(e: &sqlx::Error) -> Option<FormErrors> {
    let mut errors = FormErrors::default();
    match violated_constraint(e)? {
        "periods_decision_number_key" => errors.add(
            "decision_number",
            "Det finns redan en period med det diarienumret.",
        ),
        "periods_no_overlap" => errors.add("first_year", "Åren överlappar en annan period."),
        "programme_years_in_period" => errors.add(
            "first_year",
            "Åren måste täcka periodens befintliga programår.",
        ),
        "agency_accounts_chain" | "programme_years_chain" => errors.add(
            "kammarkollegiet_chain",
            "Tillväxtverket har redan ett konto med Kammarkollegiet för ett av periodens år.",
        ),
        _ => return None,
    }
    Some(errors)
}

#[derive(Template)]
#[template(path = "programme/period_form.html")]
struct PeriodFormPage {
    ctx: Ctx,
    period: Option<Period>,
    form: PeriodForm,
    errors: FormErrors,
    actors: Vec<Actor>,
    years: Vec<ProgrammeYear>,
    organisations: Vec<Organisation>,
    actor_errors: FormErrors,
    actor_org: String,
    actor_name: String,
}

impl PeriodFormPage {
    fn new_period(ctx: Ctx, form: PeriodForm, errors: FormErrors) -> Self {
        PeriodFormPage {
            ctx,
            period: None,
            form,
            errors,
            actors: vec![],
            years: vec![],
            organisations: vec![],
            actor_errors: FormErrors::default(),
            actor_org: String::new(),
            actor_name: String::new(),
        }
    }

    async fn existing(
        state: &AppState,
        ctx: Ctx,
        period: Period,
        form: Option<PeriodForm>,
    ) -> Result<Self> {
        let actors = db::actors_of_period(&state.db, period.id).await?;
        let years = state
            .programme
            .years(&state.db)
            .await?
            .iter()
            .filter(|y| y.period_id == period.id)
            .cloned()
            .collect();
        let organisations = db::organisations(&state.db).await?;
        let tasks = state.programme.tasks(&state.db, period.id).await?;
        Ok(PeriodFormPage {
            ctx,
            form: form.unwrap_or_else(|| PeriodForm::from_period(&period, &tasks)),
            period: Some(period),
            errors: FormErrors::default(),
            actors,
            years,
            organisations,
            actor_errors: FormErrors::default(),
            actor_org: String::new(),
            actor_name: String::new(),
        })
    }
}

pub(super) async fn new_period_form(user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    render(&PeriodFormPage::new_period(
        user.ctx,
        PeriodForm::blank(),
        FormErrors::default(),
    ))
}

pub(super) async fn create_period(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<PeriodForm>,
) -> Result<Response> {
    user.require_admin()?;
    let valid = match form.validate() {
        Ok(v) => v,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PeriodFormPage::new_period(user.ctx, form, errors),
            );
        }
    };
    let id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    let inserted = db::insert_period(&mut tx, id, &valid).await;
    if let Err(e) = inserted {
        return match period_constraint_error(&e) {
            Some(errors) => render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &PeriodFormPage::new_period(user.ctx, form, errors),
            ),
            None => Err(e.into()),
        };
    }
    db::add_missing_years(&mut tx, id, valid.first_year, valid.last_year).await?;
    let after = db::period(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    audit::Entry::new(Some(user.id()), "period.created", "period", id)
        .after(json!({ "period": after, "tasks": valid.tasks }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    // This server shows the change at once; the others when PostgreSQL tells them.
    state.programme.invalidate();
    Ok(redirect_with_flash(
        &format!("/admin/program/perioder/{id}"),
        &format!(
            "Perioden {} är skapad, med programåren {}–{}.",
            valid.decision_number, valid.first_year, valid.last_year
        ),
    ))
}

pub(super) async fn edit_period_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let period = state
        .programme
        .period(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&PeriodFormPage::existing(&state, user.ctx, period, None).await?)
}

pub(super) async fn update_period(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<PeriodForm>,
) -> Result<Response> {
    user.require_admin()?;
    let before = db::period(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let valid = match form.validate() {
        Ok(v) => v,
        Err(errors) => {
            let mut page = PeriodFormPage::existing(&state, user.ctx, before, Some(form)).await?;
            page.errors = errors;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let tasks_before = db::tasks(&mut *tx, id).await?;
    let years_before = db::years_of_period(&mut *tx, id).await?;
    let updated = db::update_period(&mut tx, id, &valid).await;
    if let Err(e) = updated {
        return match period_constraint_error(&e) {
            Some(errors) => {
                drop(tx);
                let mut page =
                    PeriodFormPage::existing(&state, user.ctx, before, Some(form)).await?;
                page.errors = errors;
                render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
            }
            None => Err(e.into()),
        };
    }
    db::add_missing_years(&mut tx, id, valid.first_year, valid.last_year).await?;
    let after = db::period(&mut *tx, id).await?.ok_or(AppError::NotFound)?;
    // Söndagsregeln turned on or off moves the years' dates that count: the record keeps
    // them before and after.
    let rule_changed = before.sunday_rule != after.sunday_rule;
    let (before_json, after_json) = if rule_changed {
        let years_after = db::years_of_period(&mut *tx, id).await?;
        (
            json!({ "period": before, "tasks": tasks_before, "years": years_before }),
            json!({ "period": after, "tasks": valid.tasks, "years": years_after }),
        )
    } else {
        (
            json!({ "period": before, "tasks": tasks_before }),
            json!({ "period": after, "tasks": valid.tasks }),
        )
    };
    audit::Entry::new(Some(user.id()), "period.updated", "period", id)
        .before(before_json)
        .after(after_json)
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    state.programme.invalidate();
    let flash = if rule_changed {
        format!("Perioden är sparad. {}", after.sunday_rule_text())
    } else {
        "Perioden är sparad.".to_string()
    };
    Ok(redirect_with_flash(
        &format!("/admin/program/perioder/{id}"),
        &flash,
    ))
}

pub(super) async fn add_actor(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ActorForm>,
) -> Result<Response> {
    user.require_admin()?;
    let period = db::period(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let organisations = db::organisations(&state.db).await?;
    let mut errors = FormErrors::default();
    let organisation = form
        .organisation_id
        .parse::<Uuid>()
        .ok()
        .and_then(|oid| organisations.iter().find(|o| o.id == oid));
    if organisation.is_none() {
        errors.add("organisation_id", "Välj en organisation.");
    }
    let name = match form.actor_name.trim() {
        "" => organisation.map(|o| o.name.clone()).unwrap_or_default(),
        n if n.chars().count() > 200 => {
            errors.add("actor_name", "Högst 200 tecken.");
            String::new()
        }
        n => n.to_string(),
    };
    let mut tx = state.db.begin().await?;
    if let (Some(org), true) = (organisation, errors.is_empty())
        && !db::add_actor(&mut tx, id, org.id, &name).await?
    {
        errors.add(
            "organisation_id",
            "Organisationen är redan aktör i perioden.",
        );
    }
    if !errors.is_empty() {
        drop(tx);
        let mut page = PeriodFormPage::existing(&state, user.ctx, period, None).await?;
        page.actor_errors = errors;
        page.actor_org = form.organisation_id;
        page.actor_name = form.actor_name;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    audit::Entry::new(Some(user.id()), "actor.added", "period", id)
        .after(json!({ "organisation_id": form.organisation_id, "actor_name": name }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/admin/program/perioder/{id}"),
        &format!("{name} är tillagd som aktör."),
    ))
}

#[derive(Template)]
#[template(path = "programme/remove_actor.html")]
struct RemoveActorPage {
    ctx: Ctx,
    period: Period,
    actor: Actor,
}

/// The actor and the period, and what removing it means, before *Ta bort*; changes nothing.
pub(super) async fn remove_actor_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, org)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    user.require_admin()?;
    let period = state
        .programme
        .period(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    let actor = db::actors_of_period(&state.db, id)
        .await?
        .into_iter()
        .find(|a| a.organisation_id == org)
        .ok_or(AppError::NotFound)?;
    render(&RemoveActorPage {
        ctx: user.ctx,
        period,
        actor,
    })
}

pub(super) async fn remove_actor(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, org)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    user.require_admin()?;
    let mut tx = state.db.begin().await?;
    let removed =
        db::remove_actor(&mut tx, id, org)
            .await
            .map_err(|e| match violated_constraint(&e) {
                Some("requisitions_actor_of_year") => AppError::Conflict(
                    "Aktören har rekvisitioner i perioden och kan inte tas bort.".into(),
                ),
                _ => e.into(),
            })?;
    let name = removed.ok_or(AppError::NotFound)?;
    audit::Entry::new(Some(user.id()), "actor.removed", "period", id)
        .before(json!({ "organisation_id": org, "actor_name": name }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/admin/program/perioder/{id}"),
        &format!("{name} är borttagen som aktör."),
    ))
}

// ---- programme years ----

#[derive(Template)]
#[template(path = "programme/year_form.html")]
struct YearFormPage {
    ctx: Ctx,
    year: ProgrammeYear,
    /// The year's own period.
    period: Period,
    /// The periods whose report rules the year may follow.
    periods: Vec<Period>,
    form: YearForm,
    errors: FormErrors,
}

impl YearFormPage {
    async fn new(
        state: &AppState,
        ctx: Ctx,
        year: ProgrammeYear,
        form: Option<YearForm>,
        errors: FormErrors,
    ) -> Result<Self> {
        let periods = state.programme.periods(&state.db).await?.to_vec();
        let period = periods
            .iter()
            .find(|p| p.id == year.period_id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        Ok(YearFormPage {
            ctx,
            form: form.unwrap_or_else(|| YearForm::from_year(&year)),
            year,
            period,
            periods,
            errors,
        })
    }

    /// The dates the form asks for: Tillväxtverket's Kammarkollegiet dates only with a chain.
    fn dates(&self) -> Vec<YearDate> {
        YearDate::ALL
            .into_iter()
            .filter(|d| self.period.kammarkollegiet_chain || !d.is_agency_chain())
            .collect()
    }
}

pub(super) async fn edit_year_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
) -> Result<Response> {
    user.require_admin()?;
    let year = state
        .programme
        .year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)?;
    render(&YearFormPage::new(&state, user.ctx, year, None, FormErrors::default()).await?)
}

pub(super) async fn update_year(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
    Form(form): Form<YearForm>,
) -> Result<Response> {
    user.require_admin()?;
    let before = db::year(&state.db, year).await?.ok_or(AppError::NotFound)?;
    let period = db::period(&state.db, before.period_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let period_ids: Vec<Uuid> = db::periods(&state.db).await?.iter().map(|p| p.id).collect();
    let valid = match form.validate(period.kammarkollegiet_chain, &period_ids) {
        Ok(v) => v,
        Err(errors) => {
            let page = YearFormPage::new(&state, user.ctx, before, Some(form), errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let after = db::update_year(&mut tx, year, &valid).await?;
    audit::Entry::new(
        Some(user.id()),
        "programme_year.updated",
        "programme_year",
        year,
    )
    .before(json!(before))
    .after(json!(after))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    state.programme.invalidate();
    Ok(redirect_with_flash(
        "/program",
        &format!("Programåret {year} är sparat."),
    ))
}

// ---- organisations ----

#[derive(Template)]
#[template(path = "programme/organisations.html")]
struct OrganisationsPage {
    ctx: Ctx,
    organisations: Vec<Organisation>,
    new_name: String,
    org_number: String,
    errors: FormErrors,
}

pub(super) async fn organisations_page(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response> {
    user.require_admin()?;
    let organisations = db::organisations(&state.db).await?;
    render(&OrganisationsPage {
        ctx: user.ctx,
        organisations,
        new_name: String::new(),
        org_number: String::new(),
        errors: FormErrors::default(),
    })
}

pub(super) async fn create_organisation(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<OrganisationForm>,
) -> Result<Response> {
    user.require_admin()?;
    let mut errors = FormErrors::default();
    let name = required(&mut errors, "name", &form.name, 200, "organisationens namn");
    let org_number = match form.org_number.trim() {
        "" => None,
        n => parse_org_number(n)
            .map_err(|m| errors.add("org_number", m))
            .ok(),
    };
    let id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    if errors.is_empty() {
        let inserted = db::insert_organisation(&mut tx, id, &name, org_number.as_deref()).await;
        if let Err(e) = inserted {
            match violated_constraint(&e) {
                Some("organisations_name_key") => {
                    errors.add("name", "Det finns redan en organisation med det namnet.")
                }
                Some("organisations_org_number_key") => errors.add(
                    "org_number",
                    "Det finns redan en organisation med det organisationsnumret.",
                ),
                _ => return Err(e.into()),
            }
        }
    }
    if !errors.is_empty() {
        drop(tx);
        let organisations = db::organisations(&state.db).await?;
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &OrganisationsPage {
                ctx: user.ctx,
                organisations,
                new_name: form.name,
                org_number: form.org_number,
                errors,
            },
        );
    }
    audit::Entry::new(Some(user.id()), "organisation.created", "organisation", id)
        .after(json!({ "name": name, "org_number": org_number }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/admin/organisationer",
        &format!("Organisationen {name} är skapad."),
    ))
}
