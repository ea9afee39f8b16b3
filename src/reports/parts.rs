//! The region's parts of the report, each on its own page and saved as it goes: the
//! five tasks, the activities, the analysis and the finances.

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
    ALREADY_HANDLED,
    db::{self, ActivityRow, Report},
    editable, lock_open,
    model::{
        ActivityForm, ActivityKind, AnalysisForm, FinancesForm, Part, SUB_GOALS, SelfAssessment,
        TasksForm,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    money::format_input,
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

pub(super) fn part_url(r: &Report, part: Part) -> String {
    format!("/redovisningar/{}/{}", r.id, part.slug())
}

/// After saving a part: on to the next, or to the check page after the last.
fn next_url(r: &Report, part: Part) -> String {
    let parts = Part::ALL;
    match parts
        .iter()
        .position(|p| *p == part)
        .and_then(|i| parts.get(i + 1))
    {
        Some(next) => part_url(r, *next),
        None => format!("/redovisningar/{}/kontrollera", r.id),
    }
}

/// The parts and how far each has come, for the step list on every part page.
pub struct Step {
    /// The part's title; the tasks part is named by the period's tasks.
    pub title: String,
    pub url: String,
    pub current: bool,
}

pub(super) fn steps(r: &Report, current: Part) -> Vec<Step> {
    Part::ALL
        .into_iter()
        .map(|part| Step {
            title: match part {
                Part::Tasks => r.tasks_title(),
                other => other.title().to_string(),
            },
            url: part_url(r, part),
            current: part == current,
        })
        .collect()
}

#[derive(Template)]
#[template(path = "reports/tasks.html")]
struct TasksPage {
    ctx: Ctx,
    r: Report,
    steps: Vec<Step>,
    form: TasksForm,
    errors: FormErrors,
    tasks: Vec<String>,
}

impl TasksPage {
    fn value(&self, i: &usize) -> &str {
        self.form.as_array()[*i]
    }

    fn field_name(&self, i: &usize) -> &'static str {
        ["task_1", "task_2", "task_3", "task_4", "task_5"][*i]
    }

    fn heading(&self, i: &usize) -> String {
        match self.tasks.len() {
            1 => self.tasks[*i].to_string(),
            _ => format!("{}. {}", i + 1, self.tasks[*i]),
        }
    }

    fn title(&self) -> String {
        self.r.tasks_title()
    }
}

pub async fn tasks_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let form = TasksForm {
        task_1: r.task_1.clone(),
        task_2: r.task_2.clone(),
        task_3: r.task_3.clone(),
        task_4: r.task_4.clone(),
        task_5: r.task_5.clone(),
    };
    render(&TasksPage {
        ctx: user.ctx,
        steps: steps(&r, Part::Tasks),
        tasks: r.period_tasks.clone(),
        r,
        form,
        errors: FormErrors::default(),
    })
}

pub async fn save_tasks(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<TasksForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let values = match form.validate() {
        Ok(v) => v,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &TasksPage {
                    ctx: user.ctx,
                    steps: steps(&r, Part::Tasks),
                    tasks: r.period_tasks.clone(),
                    r,
                    form,
                    errors,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    if !db::save_tasks(&mut tx, id, &values).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "report.saved", "report", id)
        .after(json!({ "part": "tasks", "tasks": values }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &next_url(&r, Part::Tasks),
        &if r.period_tasks.len() == 1 {
            "Uppdraget är sparat.".to_string()
        } else {
            format!("{} är sparade.", r.tasks_title())
        },
    ))
}

#[derive(Template)]
#[template(path = "reports/activities.html")]
struct ActivitiesPage {
    ctx: Ctx,
    r: Report,
    steps: Vec<Step>,
    activities: Vec<ActivityRow>,
    form: ActivityForm,
    errors: FormErrors,
    sub_goals: [(&'static str, &'static str); 5],
    kinds: [ActivityKind; 6],
}

async fn activities_view(
    state: &AppState,
    user: CurrentUser,
    r: Report,
    form: ActivityForm,
    errors: FormErrors,
) -> Result<ActivitiesPage> {
    let activities = db::activities(&state.db, r.id).await?;
    Ok(ActivitiesPage {
        ctx: user.ctx,
        steps: steps(&r, Part::Activities),
        r,
        activities,
        form,
        errors,
        sub_goals: SUB_GOALS,
        kinds: ActivityKind::ALL,
    })
}

pub async fn activities_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let page = activities_view(
        &state,
        user,
        r,
        ActivityForm::default(),
        FormErrors::default(),
    )
    .await?;
    render(&page)
}

pub async fn add_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ActivityForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let activity = match form.validate() {
        Ok(a) => a,
        Err(errors) => {
            let page = activities_view(&state, user, r, form, errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    lock_open(&mut tx, id).await?;
    let activity_id = db::insert_activity(&mut tx, id, &activity).await?;
    audit::Entry::new(Some(user.id()), "report.activity_added", "report", id)
        .after(json!({
            "activity": activity_id,
            "title": activity.title,
            "sub_goals": activity.sub_goals,
            "kind": activity.kind,
            "participants": activity.participants,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &part_url(&r, Part::Activities),
        &format!("Aktiviteten ”{}” är tillagd.", activity.title),
    ))
}

pub async fn remove_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, activity)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let mut tx = state.db.begin().await?;
    lock_open(&mut tx, id).await?;
    let removed = db::delete_activity(&mut tx, id, activity).await?;
    let title = removed.ok_or(AppError::NotFound)?;
    audit::Entry::new(Some(user.id()), "report.activity_removed", "report", id)
        .after(json!({ "activity": activity, "title": title }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &part_url(&r, Part::Activities),
        &format!("Aktiviteten ”{title}” är borttagen."),
    ))
}

#[derive(Template)]
#[template(path = "reports/analysis.html")]
struct AnalysisPage {
    ctx: Ctx,
    r: Report,
    steps: Vec<Step>,
    form: AnalysisForm,
    errors: FormErrors,
    choices: [SelfAssessment; 4],
}

pub async fn analysis_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let form = AnalysisForm {
        needs_and_challenges: r.needs_and_challenges.clone(),
        results_and_effects: r.results_and_effects.clone(),
        self_assessment: r
            .self_assessment
            .map(|s| s.key().to_string())
            .unwrap_or_default(),
        self_assessment_motivation: r.self_assessment_motivation.clone(),
    };
    render(&AnalysisPage {
        ctx: user.ctx,
        steps: steps(&r, Part::Analysis),
        r,
        form,
        errors: FormErrors::default(),
        choices: SelfAssessment::ALL,
    })
}

pub async fn save_analysis(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<AnalysisForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let a = match form.validate() {
        Ok(a) => a,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AnalysisPage {
                    ctx: user.ctx,
                    steps: steps(&r, Part::Analysis),
                    r,
                    form,
                    errors,
                    choices: SelfAssessment::ALL,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    if !db::save_analysis(&mut tx, id, &a).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "report.saved", "report", id)
        .after(json!({ "part": "analysis", "self_assessment": a.self_assessment }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &next_url(&r, Part::Analysis),
        "Behov, resultat och självskattning är sparade.",
    ))
}

#[derive(Template)]
#[template(path = "reports/finances.html")]
struct FinancesPage {
    ctx: Ctx,
    r: Report,
    steps: Vec<Step>,
    form: FinancesForm,
    errors: FormErrors,
}

pub async fn finances_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let form = FinancesForm {
        cost_personnel: format_input(r.cost_personnel),
        cost_services: format_input(r.cost_services),
        cost_travel: format_input(r.cost_travel),
        cost_other: format_input(r.cost_other),
        co_financing: r.co_financing.map(format_input).unwrap_or_default(),
    };
    render(&FinancesPage {
        ctx: user.ctx,
        steps: steps(&r, Part::Finances),
        r,
        form,
        errors: FormErrors::default(),
    })
}

pub async fn save_finances(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<FinancesForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let (costs, co_financing) = match form.validate(r.received) {
        Ok(v) => v,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &FinancesPage {
                    ctx: user.ctx,
                    steps: steps(&r, Part::Finances),
                    r,
                    form,
                    errors,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    if !db::save_finances(&mut tx, id, &costs, co_financing).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    audit::Entry::new(Some(user.id()), "report.saved", "report", id)
        .after(json!({
            "part": "finances",
            "costs": costs,
            "used": costs.used(),
            "unused": costs.unused(r.received),
            "co_financing": co_financing,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &next_url(&r, Part::Finances),
        &format!(
            "Ekonomin är sparad: använt {}, outnyttjat {}.",
            crate::money::format_kronor(costs.used()),
            crate::money::format_kronor(costs.unused(r.received))
        ),
    ))
}
