//! The programme page everyone can read, and the administrator's edits.

use askama::Template;
use axum::{
    Form, Router,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
    routing::{get, post},
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    db::{self, Actor, Organisation, Period, ProgrammeYear},
    model::{BudgetState, Deadlines, check_deadline_order, parse_org_number},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, PageCtx},
    dates::parse_date,
    error::{AppError, Result, violated_constraint},
    money::{Amount, format_input},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/program", get(programme_page))
        .route(
            "/admin/program/perioder/ny",
            get(new_period_form).post(create_period),
        )
        .route(
            "/admin/program/perioder/{id}",
            get(edit_period_form).post(update_period),
        )
        .route("/admin/program/perioder/{id}/aktorer", post(add_actor))
        .route(
            "/admin/program/perioder/{id}/aktorer/{org}/ta-bort",
            post(remove_actor),
        )
        .route(
            "/admin/program/ar/{year}",
            get(edit_year_form).post(update_year),
        )
        .route(
            "/admin/organisationer",
            get(organisations_page).post(create_organisation),
        )
}

struct PeriodView {
    period: Period,
    actors: Vec<Actor>,
    years: Vec<ProgrammeYear>,
}

#[derive(Template)]
#[template(path = "programme/programme.html")]
struct ProgrammePage {
    ctx: Ctx,
    periods: Vec<PeriodView>,
}

async fn programme_page(State(state): State<AppState>, PageCtx(ctx): PageCtx) -> Result<Response> {
    let years = db::years(&state.db).await?;
    let mut periods = Vec::new();
    for period in db::periods(&state.db).await? {
        let actors = db::actors_of_period(&state.db, period.id).await?;
        let years = years
            .iter()
            .filter(|y| y.period_id == period.id)
            .cloned()
            .collect();
        periods.push(PeriodView {
            period,
            actors,
            years,
        });
    }
    render(&ProgrammePage { ctx, periods })
}

// ---- periods ----

#[derive(Default, Deserialize)]
struct PeriodForm {
    #[serde(default)]
    decision_number: String,
    #[serde(default)]
    decision_date: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    ministry: String,
    #[serde(default)]
    agency_assignment: String,
    #[serde(default)]
    first_year: String,
    #[serde(default)]
    last_year: String,
}

struct ValidPeriod {
    decision_number: String,
    decision_date: NaiveDate,
    title: String,
    ministry: String,
    agency_assignment: Option<String>,
    first_year: i32,
    last_year: i32,
}

fn required(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    max: usize,
    what: &str,
) -> String {
    let v = value.trim();
    if v.is_empty() {
        errors.add(field, format!("Ange {what}."));
    } else if v.chars().count() > max {
        errors.add(field, format!("Högst {max} tecken."));
    }
    v.to_string()
}

fn parse_year(errors: &mut FormErrors, field: &'static str, value: &str) -> i32 {
    crate::dates::parse_year(value).unwrap_or_else(|message| {
        errors.add(field, message);
        0
    })
}

impl PeriodForm {
    fn validate(&self) -> std::result::Result<ValidPeriod, FormErrors> {
        let mut e = FormErrors::default();
        let decision_number = required(
            &mut e,
            "decision_number",
            &self.decision_number,
            50,
            "beslutets diarienummer",
        );
        let decision_date = parse_date(&self.decision_date)
            .map_err(|m| e.add("decision_date", m))
            .ok();
        let title = required(&mut e, "title", &self.title, 300, "beslutets rubrik");
        let ministry = required(&mut e, "ministry", &self.ministry, 200, "departementet");
        let agency_assignment = Some(self.agency_assignment.trim())
            .filter(|a| !a.is_empty())
            .map(String::from);
        if agency_assignment
            .as_ref()
            .is_some_and(|a| a.chars().count() > 50)
        {
            e.add("agency_assignment", "Högst 50 tecken.");
        }
        let first_year = parse_year(&mut e, "first_year", &self.first_year);
        let last_year = parse_year(&mut e, "last_year", &self.last_year);
        if e.get("first_year").is_none() && e.get("last_year").is_none() && first_year > last_year {
            e.add("last_year", "Sista året kan inte ligga före första året.");
        }
        match decision_date {
            Some(decision_date) if e.is_empty() => Ok(ValidPeriod {
                decision_number,
                decision_date,
                title,
                ministry,
                agency_assignment,
                first_year,
                last_year,
            }),
            _ => Err(e),
        }
    }

    fn from_period(p: &Period) -> PeriodForm {
        PeriodForm {
            decision_number: p.decision_number.clone(),
            decision_date: p.decision_date.to_string(),
            title: p.title.clone(),
            ministry: p.ministry.clone(),
            agency_assignment: p.agency_assignment.clone().unwrap_or_default(),
            first_year: p.first_year.to_string(),
            last_year: p.last_year.to_string(),
        }
    }
}

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
        let years = db::years(&state.db)
            .await?
            .into_iter()
            .filter(|y| y.period_id == period.id)
            .collect();
        let organisations = db::organisations(&state.db).await?;
        Ok(PeriodFormPage {
            ctx,
            form: form.unwrap_or_else(|| PeriodForm::from_period(&period)),
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

async fn new_period_form(user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    render(&PeriodFormPage::new_period(
        user.ctx,
        PeriodForm::default(),
        FormErrors::default(),
    ))
}

async fn create_period(
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
    let inserted = sqlx::query(
        "INSERT INTO periods (id, decision_number, decision_date, title, ministry, first_year, last_year, agency_assignment)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(&valid.decision_number)
    .bind(valid.decision_date)
    .bind(&valid.title)
    .bind(&valid.ministry)
    .bind(valid.first_year)
    .bind(valid.last_year)
    .bind(&valid.agency_assignment)
    .execute(&mut *tx)
    .await;
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
    let after: Period = sqlx::query_as("SELECT * FROM periods WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    audit::Entry::new(Some(user.id()), "period.created", "period", id)
        .after(json!(after))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/admin/program/perioder/{id}"),
        &format!(
            "Perioden {} är skapad, med programåren {}–{}.",
            valid.decision_number, valid.first_year, valid.last_year
        ),
    ))
}

async fn edit_period_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let period = db::period(&state.db, id).await?.ok_or(AppError::NotFound)?;
    render(&PeriodFormPage::existing(&state, user.ctx, period, None).await?)
}

async fn update_period(
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
    let updated = sqlx::query(
        "UPDATE periods SET decision_number = $2, decision_date = $3, title = $4, ministry = $5,
             first_year = $6, last_year = $7, agency_assignment = $8 WHERE id = $1",
    )
    .bind(id)
    .bind(&valid.decision_number)
    .bind(valid.decision_date)
    .bind(&valid.title)
    .bind(&valid.ministry)
    .bind(valid.first_year)
    .bind(valid.last_year)
    .bind(&valid.agency_assignment)
    .execute(&mut *tx)
    .await;
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
    let after: Period = sqlx::query_as("SELECT * FROM periods WHERE id = $1")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    audit::Entry::new(Some(user.id()), "period.updated", "period", id)
        .before(json!(before))
        .after(json!(after))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/admin/program/perioder/{id}"),
        "Perioden är sparad.",
    ))
}

#[derive(Deserialize)]
struct ActorForm {
    #[serde(default)]
    organisation_id: String,
    #[serde(default)]
    actor_name: String,
}

async fn add_actor(
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
    if let (Some(org), true) = (organisation, errors.is_empty()) {
        let inserted = sqlx::query(
            "INSERT INTO period_actors (period_id, organisation_id, actor_name) VALUES ($1, $2, $3)
             ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(org.id)
        .bind(&name)
        .execute(&mut *tx)
        .await?;
        if inserted.rows_affected() == 0 {
            errors.add(
                "organisation_id",
                "Organisationen är redan aktör i perioden.",
            );
        }
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

async fn remove_actor(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, org)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    user.require_admin()?;
    let mut tx = state.db.begin().await?;
    let removed: Option<(String,)> = sqlx::query_as(
        "DELETE FROM period_actors WHERE period_id = $1 AND organisation_id = $2 RETURNING actor_name",
    )
    .bind(id)
    .bind(org)
    .fetch_optional(&mut *tx)
    .await
    .map_err(|e| match violated_constraint(&e) {
        Some("requisitions_actor_of_year") => AppError::Conflict(
            "Aktören har rekvisitioner i perioden och kan inte tas bort.".into(),
        ),
        _ => e.into(),
    })?;
    let (name,) = removed.ok_or(AppError::NotFound)?;
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

#[derive(Default, Deserialize)]
struct YearForm {
    #[serde(default)]
    cap_per_actor: String,
    #[serde(default)]
    budget_state: String,
    #[serde(default)]
    requisition_deadline: String,
    #[serde(default)]
    report_deadline: String,
    #[serde(default)]
    repayment_deadline: String,
    #[serde(default)]
    agency_requisition_deadline: String,
    #[serde(default)]
    agency_repayment_deadline: String,
    #[serde(default)]
    summary_deadline: String,
}

impl YearForm {
    fn from_year(y: &ProgrammeYear) -> YearForm {
        YearForm {
            cap_per_actor: format_input(y.cap_per_actor),
            budget_state: y.budget_state.key().to_string(),
            requisition_deadline: y.requisition_deadline.to_string(),
            report_deadline: y.report_deadline.to_string(),
            repayment_deadline: y.repayment_deadline.to_string(),
            agency_requisition_deadline: y.agency_requisition_deadline.to_string(),
            agency_repayment_deadline: y.agency_repayment_deadline.to_string(),
            summary_deadline: y.summary_deadline.to_string(),
        }
    }

    fn validate(&self) -> std::result::Result<(Decimal, BudgetState, Deadlines), FormErrors> {
        let mut e = FormErrors::default();
        let cap = match Amount::parse(&self.cap_per_actor) {
            Ok(a) if a.value() > Decimal::ZERO => Some(a.value()),
            Ok(_) => {
                e.add("cap_per_actor", "Taket måste vara större än 0 kr.");
                None
            }
            Err(m) => {
                e.add("cap_per_actor", m);
                None
            }
        };
        let budget = BudgetState::from_key(&self.budget_state);
        if budget.is_none() {
            e.add("budget_state", "Välj budgetläge.");
        }
        let mut date =
            |field: &'static str, value: &str| parse_date(value).map_err(|m| e.add(field, m)).ok();
        let requisition = date("requisition_deadline", &self.requisition_deadline);
        let report = date("report_deadline", &self.report_deadline);
        let repayment = date("repayment_deadline", &self.repayment_deadline);
        let agency_requisition = date(
            "agency_requisition_deadline",
            &self.agency_requisition_deadline,
        );
        let agency_repayment = date("agency_repayment_deadline", &self.agency_repayment_deadline);
        let summary = date("summary_deadline", &self.summary_deadline);
        if let (
            Some(cap),
            Some(budget),
            Some(requisition),
            Some(report),
            Some(repayment),
            Some(ar),
            Some(arp),
            Some(s),
        ) = (
            cap,
            budget,
            requisition,
            report,
            repayment,
            agency_requisition,
            agency_repayment,
            summary,
        ) {
            let deadlines = Deadlines {
                requisition,
                report,
                repayment,
                agency_requisition: ar,
                agency_repayment: arp,
                summary: s,
            };
            if let Err((field, message)) = check_deadline_order(&deadlines) {
                e.add(field, message);
            }
            if e.is_empty() {
                return Ok((cap, budget, deadlines));
            }
        }
        Err(e)
    }
}

#[derive(Template)]
#[template(path = "programme/year_form.html")]
struct YearFormPage {
    ctx: Ctx,
    year: ProgrammeYear,
    form: YearForm,
    errors: FormErrors,
}

async fn edit_year_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
) -> Result<Response> {
    user.require_admin()?;
    let year = db::year(&state.db, year).await?.ok_or(AppError::NotFound)?;
    render(&YearFormPage {
        ctx: user.ctx,
        form: YearForm::from_year(&year),
        year,
        errors: FormErrors::default(),
    })
}

async fn update_year(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
    Form(form): Form<YearForm>,
) -> Result<Response> {
    user.require_admin()?;
    let before = db::year(&state.db, year).await?.ok_or(AppError::NotFound)?;
    let (cap, budget, d) = match form.validate() {
        Ok(v) => v,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &YearFormPage {
                    ctx: user.ctx,
                    year: before,
                    form,
                    errors,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let after: ProgrammeYear = sqlx::query_as(
        "UPDATE programme_years SET cap_per_actor = $2, budget_state = $3, requisition_deadline = $4,
             report_deadline = $5, repayment_deadline = $6, agency_requisition_deadline = $7,
             agency_repayment_deadline = $8, summary_deadline = $9, deadlines_assumed = false
         WHERE year = $1 RETURNING *",
    )
    .bind(year)
    .bind(cap)
    .bind(budget)
    .bind(d.requisition)
    .bind(d.report)
    .bind(d.repayment)
    .bind(d.agency_requisition)
    .bind(d.agency_repayment)
    .bind(d.summary)
    .fetch_one(&mut *tx)
    .await?;
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

async fn organisations_page(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
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

#[derive(Deserialize)]
struct OrganisationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    org_number: String,
}

async fn create_organisation(
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
        let inserted =
            sqlx::query("INSERT INTO organisations (id, name, org_number) VALUES ($1, $2, $3)")
                .bind(id)
                .bind(&name)
                .bind(&org_number)
                .execute(&mut *tx)
                .await;
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
