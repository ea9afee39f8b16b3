//! The region's parts of the report, each on its own page and saved as it goes: the
//! five tasks, the activities (added, changed, removed), the analysis and the finances.
//!
//! Nothing typed is lost on the way: each step in the step bar is a button of the part's
//! form (`go`), which saves the page and then goes to the part it names; with errors the
//! page comes back as typed and nothing moves. A form posted after the session ended comes
//! back on its page once the person has signed in again (`auth::kept`, `Kept`).

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
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
    auth::{Ctx, CurrentUser, kept::Kept},
    error::{AppError, Result},
    money::format_input,
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

pub(super) fn part_url(r: &Report, part: Part) -> String {
    format!("/redovisningar/{}/{}", r.id, part.slug())
}

fn check_url(r: &Report) -> String {
    format!("/redovisningar/{}/kontrollera", r.id)
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
        None => check_url(r),
    }
}

/// After saving `part`: where its step button (`go`) asked to go, a part by its slug or the
/// check page; else the usual next step.
fn after_saving(r: &Report, part: Part, go: &str) -> String {
    match go.trim() {
        "kontrollera" => check_url(r),
        slug => Part::from_slug(slug).map_or_else(|| next_url(r, part), |to| part_url(r, to)),
    }
}

/// The parts, numbered, for the step bar on every part page.
pub struct Step {
    /// The part's number, as the check page numbers it.
    pub number: usize,
    /// The part's title; the tasks part is named by the period's tasks.
    pub title: String,
    pub slug: &'static str,
    pub url: String,
    pub current: bool,
    /// The step saves the page's form before it moves (a button of the form, `go`).
    pub saves: bool,
}

pub(super) fn steps(r: &Report, current: Part) -> Vec<Step> {
    // The attachments page has only its upload: nothing typed to save on the way.
    let saves = current != Part::Attachments;
    Part::ALL
        .into_iter()
        .map(|part| Step {
            number: part.number(),
            title: r.part_title(&part),
            slug: part.slug(),
            url: part_url(r, part),
            current: part == current,
            saves,
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
    kept: Kept<TasksForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let (form, ctx) = kept.or_stored(user.ctx, || TasksForm {
        task_1: r.task_1.clone(),
        task_2: r.task_2.clone(),
        task_3: r.task_3.clone(),
        task_4: r.task_4.clone(),
        task_5: r.task_5.clone(),
        go: String::new(),
    });
    render(&TasksPage {
        ctx,
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
        &after_saving(&r, Part::Tasks, &form.go),
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
    ctx: Ctx,
    r: Report,
    form: ActivityForm,
    errors: FormErrors,
) -> Result<ActivitiesPage> {
    let activities = db::activities(&state.db, r.id).await?;
    Ok(ActivitiesPage {
        ctx,
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
    kept: Kept<ActivityForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let (form, ctx) = kept.or_stored(user.ctx, ActivityForm::default);
    let page = activities_view(&state, ctx, r, form, FormErrors::default()).await?;
    render(&page)
}

pub async fn add_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ActivityForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    // A step button with nothing typed in the form adds nothing: it only moves on.
    if !form.go.trim().is_empty() && form.is_blank() {
        return Ok(Redirect::to(&after_saving(&r, Part::Activities, &form.go)).into_response());
    }
    let activity = match form.validate() {
        Ok(a) => a,
        Err(errors) => {
            let page = activities_view(&state, user.ctx, r, form, errors).await?;
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
        &activities_then(&r, &form.go),
        &format!("Aktiviteten ”{}” är tillagd.", activity.title),
    ))
}

/// After adding or changing an activity: back to the activities, unless a step button
/// (`go`) asked to go on.
fn activities_then(r: &Report, go: &str) -> String {
    if go.trim().is_empty() {
        part_url(r, Part::Activities)
    } else {
        after_saving(r, Part::Activities, go)
    }
}

/// An activity's form as it was saved.
fn activity_form(a: &ActivityRow) -> ActivityForm {
    let goal = |i: usize| {
        a.sub_goals
            .iter()
            .any(|g| g == SUB_GOALS[i].0)
            .then(|| "ja".to_string())
    };
    ActivityForm {
        title: a.title.clone(),
        description: a.description.clone(),
        held: a.held.clone(),
        goal_kompetens: goal(0),
        goal_trygghet: goal(1),
        goal_innovation: goal(2),
        goal_ledning: goal(3),
        goal_infrastruktur: goal(4),
        kind: a.kind.key().to_string(),
        partners: a.partners.clone(),
        participants: a.participants.to_string(),
        go: String::new(),
    }
}

#[derive(Template)]
#[template(path = "reports/activity.html")]
struct ActivityPage {
    ctx: Ctx,
    r: Report,
    steps: Vec<Step>,
    activity: Uuid,
    /// The activity's title as saved.
    title: String,
    form: ActivityForm,
    errors: FormErrors,
    sub_goals: [(&'static str, &'static str); 5],
    kinds: [ActivityKind; 6],
}

fn activity_page(
    ctx: Ctx,
    r: Report,
    saved: &ActivityRow,
    form: ActivityForm,
    errors: FormErrors,
) -> ActivityPage {
    ActivityPage {
        ctx,
        steps: steps(&r, Part::Activities),
        r,
        activity: saved.id,
        title: saved.title.clone(),
        form,
        errors,
        sub_goals: SUB_GOALS,
        kinds: ActivityKind::ALL,
    }
}

/// One activity to change, as saved (or as kept when the session ended).
pub async fn edit_activity_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, activity)): Path<(Uuid, Uuid)>,
    kept: Kept<ActivityForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let saved = db::activity(&state.db, id, activity)
        .await?
        .ok_or(AppError::NotFound)?;
    let (form, ctx) = kept.or_stored(user.ctx, || activity_form(&saved));
    render(&activity_page(ctx, r, &saved, form, FormErrors::default()))
}

pub async fn update_activity(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, activity)): Path<(Uuid, Uuid)>,
    Form(form): Form<ActivityForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let saved = db::activity(&state.db, id, activity)
        .await?
        .ok_or(AppError::NotFound)?;
    let changed = match form.validate() {
        Ok(a) => a,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &activity_page(user.ctx, r, &saved, form, errors),
            );
        }
    };
    let mut tx = state.db.begin().await?;
    lock_open(&mut tx, id).await?;
    if !db::update_activity(&mut tx, id, activity, &changed).await? {
        return Err(AppError::NotFound);
    }
    audit::Entry::new(Some(user.id()), "report.activity_changed", "report", id)
        .before(json!({
            "activity": activity,
            "title": saved.title,
            "description": saved.description,
            "held": saved.held,
            "sub_goals": saved.sub_goals,
            "kind": saved.kind,
            "partners": saved.partners,
            "participants": saved.participants,
        }))
        .after(json!({
            "activity": activity,
            "title": changed.title,
            "description": changed.description,
            "held": changed.held,
            "sub_goals": changed.sub_goals,
            "kind": changed.kind,
            "partners": changed.partners,
            "participants": changed.participants,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &activities_then(&r, &form.go),
        &format!("Aktiviteten ”{}” är ändrad.", changed.title),
    ))
}

#[derive(Template)]
#[template(path = "reports/remove_activity.html")]
struct RemoveActivityPage {
    ctx: Ctx,
    r: Report,
    a: ActivityRow,
}

/// The activity in full, and what removing it means, before *Ta bort*; changes nothing.
pub async fn remove_activity_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, activity)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let a = db::activities(&state.db, id)
        .await?
        .into_iter()
        .find(|a| a.id == activity)
        .ok_or(AppError::NotFound)?;
    render(&RemoveActivityPage {
        ctx: user.ctx,
        r,
        a,
    })
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
    kept: Kept<AnalysisForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let (form, ctx) = kept.or_stored(user.ctx, || AnalysisForm {
        needs_and_challenges: r.needs_and_challenges.clone(),
        results_and_effects: r.results_and_effects.clone(),
        self_assessment: r
            .self_assessment
            .map(|s| s.key().to_string())
            .unwrap_or_default(),
        self_assessment_motivation: r.self_assessment_motivation.clone(),
        go: String::new(),
    });
    render(&AnalysisPage {
        ctx,
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
        &after_saving(&r, Part::Analysis, &form.go),
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
    kept: Kept<FinancesForm>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let (form, ctx) = kept.or_stored(user.ctx, || FinancesForm {
        cost_personnel: format_input(r.cost_personnel),
        cost_services: format_input(r.cost_services),
        cost_travel: format_input(r.cost_travel),
        cost_other: format_input(r.cost_other),
        co_financing: r.co_financing.map(format_input).unwrap_or_default(),
        go: String::new(),
    });
    render(&FinancesPage {
        ctx,
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
        &after_saving(&r, Part::Finances, &form.go),
        &format!(
            "Ekonomin är sparad: använt {}, outnyttjat {}.",
            crate::money::format_kronor(costs.used()),
            crate::money::format_kronor(costs.unused(r.received))
        ),
    ))
}
