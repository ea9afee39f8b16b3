//! The report's pages: the region's parts, the check-and-submit page, attachments,
//! messages, and the case officer's list and decisions.

use askama::Template;
use axum::{
    Form,
    extract::{Multipart, Path, Query, State},
    http::StatusCode,
    response::{IntoResponse, Redirect, Response},
};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::{
    db::{self, ActivityRow, AttachmentRow, Report},
    model::{
        ActivityForm, ActivityKind, AnalysisForm, FinancesForm, MAX_ATTACHMENT_BYTES, Part,
        ReportState, SUB_GOALS, SelfAssessment, TASKS, TasksForm, attachment_type, attachments_fit,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, Result, violated_constraint},
    money::format_input,
    programme::db as programme,
    requisitions::model::parse_message,
    thread::{self, Thread},
    web::{FormErrors, download_response, filters, redirect_with_flash, render, render_status},
};

const ALREADY_HANDLED: &str = "Redovisningen har redan hanterats – någon annan hann före, eller så har den ändrats sedan du öppnade sidan. Ladda om sidan för att se hur den står nu.";

async fn load(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Report> {
    db::find(&state.db, id, user.scope())
        .await?
        .ok_or(AppError::NotFound)
}

/// The region's own report, while it may still write in it.
async fn editable(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Report> {
    user.coordinator_organisation()?;
    let r = load(state, user, id).await?;
    if !r.editable() {
        return Err(AppError::Conflict(format!(
            "Redovisningen är {} och kan inte ändras.",
            r.state.label().to_lowercase()
        )));
    }
    Ok(r)
}

async fn record(
    conn: &mut sqlx::PgConnection,
    user: &CurrentUser,
    action: &str,
    id: Uuid,
    after: serde_json::Value,
) -> Result<()> {
    audit::record(
        conn,
        audit::Entry {
            actor: Some(user.id()),
            action,
            entity: "report",
            entity_id: id.to_string(),
            before: None,
            after: Some(after),
        },
    )
    .await?;
    Ok(())
}

/// Locks an open report (draft or returned) for the rest of the transaction, so a
/// submission and a change to its parts never interleave.
async fn lock_open(tx: &mut sqlx::PgConnection, id: Uuid) -> Result<()> {
    let open: Option<Uuid> = sqlx::query_scalar(
        "SELECT id FROM reports WHERE id = $1 AND current AND state IN ('draft', 'returned') FOR UPDATE",
    )
    .bind(id)
    .fetch_optional(tx)
    .await?;
    open.map(|_| ())
        .ok_or_else(|| AppError::Conflict(ALREADY_HANDLED.into()))
}

fn part_url(r: &Report, part: Part) -> String {
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

#[derive(Deserialize)]
pub struct YearPost {
    #[serde(default)]
    ar: String,
}

pub async fn create(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<YearPost>,
) -> Result<Response> {
    let org = user.coordinator_organisation()?;
    let year: i32 = post.ar.trim().parse().map_err(|_| AppError::NotFound)?;
    if let Some(existing) = db::current(&state.db, year, org).await? {
        return Ok(Redirect::to(&format!("/redovisningar/{}", existing.id)).into_response());
    }
    let Some((payout, paid)) = db::paid_payout(&state.db, year, org).await? else {
        return Err(AppError::BadRequest(format!(
            "Ni har ingen utbetalning för {year} att redovisa. En redovisning görs för ett år med utbetalda medel."
        )));
    };
    let id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    let inserted = sqlx::query(
        "INSERT INTO reports (id, year, organisation_id, payout_id, received, created_by)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(year)
    .bind(org)
    .bind(payout)
    .bind(paid)
    .bind(user.id())
    .execute(&mut *tx)
    .await;
    if let Err(e) = inserted {
        return match violated_constraint(&e) {
            Some("reports_one_per_actor_and_year") => Ok(redirect_with_flash(
                "/",
                &format!("Det finns redan en redovisning för {year}."),
            )),
            _ => Err(e.into()),
        };
    }
    record(
        &mut tx,
        &user,
        "report.created",
        id,
        json!({ "year": year, "received": paid }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/redovisningar/{id}/{}", Part::Tasks.slug()),
        &format!(
            "Redovisningen för {year} är påbörjad. Allt ni sparar finns kvar när ni kommer tillbaka."
        ),
    ))
}

/// The parts and how far each has come, for the step list on every part page.
pub struct Step {
    pub part: Part,
    pub url: String,
    pub current: bool,
}

fn steps(r: &Report, current: Part) -> Vec<Step> {
    Part::ALL
        .into_iter()
        .map(|part| Step {
            part,
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
    tasks: [&'static str; 5],
}

impl TasksPage {
    fn value(&self, i: &usize) -> &str {
        self.form.as_array()[*i]
    }

    fn field_name(&self, i: &usize) -> &'static str {
        ["task_1", "task_2", "task_3", "task_4", "task_5"][*i]
    }

    fn heading(&self, i: &usize) -> String {
        format!("{}. {}", i + 1, self.tasks[*i])
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
        r,
        form,
        errors: FormErrors::default(),
        tasks: TASKS,
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
                    r,
                    form,
                    errors,
                    tasks: TASKS,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    let updated = sqlx::query(
        "UPDATE reports SET task_1 = $2, task_2 = $3, task_3 = $4, task_4 = $5, task_5 = $6, updated_at = now()
         WHERE id = $1 AND current AND state IN ('draft', 'returned')",
    )
    .bind(id)
    .bind(&values[0])
    .bind(&values[1])
    .bind(&values[2])
    .bind(&values[3])
    .bind(&values[4])
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    record(
        &mut tx,
        &user,
        "report.saved",
        id,
        json!({ "part": "tasks", "tasks": values }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &next_url(&r, Part::Tasks),
        "Uppdragets fem delar är sparade.",
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
    let activity_id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    lock_open(&mut tx, id).await?;
    sqlx::query(
        "INSERT INTO report_activities (id, report_id, position, title, description, held, sub_goals, kind, partners, participants)
         VALUES ($1, $2, (SELECT COALESCE(max(position), 0) + 1 FROM report_activities WHERE report_id = $2),
                 $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(activity_id)
    .bind(id)
    .bind(&activity.title)
    .bind(&activity.description)
    .bind(&activity.held)
    .bind(&activity.sub_goals)
    .bind(activity.kind)
    .bind(&activity.partners)
    .bind(activity.participants)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        &user,
        "report.activity_added",
        id,
        json!({ "activity": activity_id, "title": activity.title, "sub_goals": activity.sub_goals, "kind": activity.kind, "participants": activity.participants }),
    )
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
    let removed: Option<String> = sqlx::query_scalar(
        "DELETE FROM report_activities a USING reports r
         WHERE a.id = $2 AND a.report_id = $1 AND r.id = a.report_id AND r.current
           AND r.state IN ('draft', 'returned')
         RETURNING a.title",
    )
    .bind(id)
    .bind(activity)
    .fetch_optional(&mut *tx)
    .await?;
    let title = removed.ok_or(AppError::NotFound)?;
    record(
        &mut tx,
        &user,
        "report.activity_removed",
        id,
        json!({ "activity": activity, "title": title }),
    )
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
    let updated = sqlx::query(
        "UPDATE reports SET needs_and_challenges = $2, results_and_effects = $3, self_assessment = $4,
             self_assessment_motivation = $5, updated_at = now()
         WHERE id = $1 AND current AND state IN ('draft', 'returned')",
    )
    .bind(id)
    .bind(&a.needs_and_challenges)
    .bind(&a.results_and_effects)
    .bind(a.self_assessment)
    .bind(&a.self_assessment_motivation)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    record(
        &mut tx,
        &user,
        "report.saved",
        id,
        json!({ "part": "analysis", "self_assessment": a.self_assessment }),
    )
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
    let updated = sqlx::query(
        "UPDATE reports SET cost_personnel = $2, cost_services = $3, cost_travel = $4, cost_other = $5,
             co_financing = $6, finances_saved = true, updated_at = now()
         WHERE id = $1 AND current AND state IN ('draft', 'returned')",
    )
    .bind(id)
    .bind(costs.personnel)
    .bind(costs.services)
    .bind(costs.travel)
    .bind(costs.other)
    .bind(co_financing)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    record(
        &mut tx,
        &user,
        "report.saved",
        id,
        json!({ "part": "finances", "costs": costs, "used": costs.used(), "unused": costs.unused(r.received), "co_financing": co_financing }),
    )
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

#[derive(Template)]
#[template(path = "reports/attachments.html")]
struct AttachmentsPage {
    ctx: Ctx,
    r: Report,
    steps: Vec<Step>,
    attachments: Vec<AttachmentRow>,
    errors: FormErrors,
}

async fn attachments_view(
    state: &AppState,
    user: CurrentUser,
    r: Report,
    errors: FormErrors,
) -> Result<AttachmentsPage> {
    let attachments = db::attachments(&state.db, r.id).await?;
    Ok(AttachmentsPage {
        ctx: user.ctx,
        steps: steps(&r, Part::Attachments),
        r,
        attachments,
        errors,
    })
}

pub async fn attachments_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    render(&attachments_view(&state, user, r, FormErrors::default()).await?)
}

pub async fn upload(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    mut multipart: Multipart,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let mut file: Option<(String, Vec<u8>)> = None;
    let mut errors = FormErrors::default();
    loop {
        match multipart.next_field().await {
            Ok(Some(mut field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or_default().trim().to_string();
                if name.contains('\0') {
                    errors.add("file", "Filnamnet innehåller ett otillåtet tecken.");
                    break;
                }
                // Read as it streams in, and stop as soon as it passes the limit.
                let mut bytes = Vec::new();
                loop {
                    match field.chunk().await {
                        Ok(Some(chunk)) if bytes.len() + chunk.len() <= MAX_ATTACHMENT_BYTES => {
                            bytes.extend_from_slice(&chunk);
                        }
                        Ok(Some(_)) => {
                            errors.add(
                                "file",
                                "Filen är större än 10 MB. Dela upp den eller komprimera den.",
                            );
                            break;
                        }
                        Ok(None) => {
                            file = Some((name, bytes));
                            break;
                        }
                        Err(_) => {
                            errors.add(
                                "file",
                                "Filen kunde inte tas emot. Den kan vara för stor (högst 10 MB).",
                            );
                            break;
                        }
                    }
                }
                if !errors.is_empty() {
                    break;
                }
            }
            Ok(Some(_)) => {}
            Ok(None) => break,
            Err(_) => {
                errors.add(
                    "file",
                    "Filen kunde inte tas emot. Den kan vara för stor (högst 10 MB).",
                );
                break;
            }
        }
    }
    let accepted = match file {
        Some((name, _)) if name.is_empty() => {
            errors.add("file", "Välj en fil att bifoga.");
            None
        }
        Some((name, bytes)) if errors.is_empty() => match attachment_type(&name, &bytes) {
            Ok(content_type) if name.chars().count() <= 255 => Some((name, content_type, bytes)),
            Ok(_) => {
                errors.add("file", "Filnamnet är för långt (högst 255 tecken).");
                None
            }
            Err(e) => {
                errors.add("file", e);
                None
            }
        },
        Some(_) => None,
        None => {
            errors.add("file", "Välj en fil att bifoga.");
            None
        }
    };
    let Some((name, content_type, bytes)) = accepted else {
        let page = attachments_view(&state, user, r, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let attachment = Uuid::new_v4();
    let sha256 = hex::encode(Sha256::digest(&bytes));
    let size = i32::try_from(bytes.len())
        .map_err(|_| AppError::BadRequest("Filen är för stor.".into()))?;
    let mut tx = state.db.begin().await?;
    lock_open(&mut tx, id).await?;
    let (count, total) = db::attachment_totals(&mut tx, id).await?;
    if let Err(message) = attachments_fit(count, total, bytes.len()) {
        drop(tx);
        errors.add("file", message);
        let page = attachments_view(&state, user, r, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    sqlx::query(
        "INSERT INTO report_attachments (id, report_id, filename, content_type, size, sha256, bytes, uploaded_by)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(attachment)
    .bind(id)
    .bind(&name)
    .bind(content_type)
    .bind(size)
    .bind(&sha256)
    .bind(&bytes)
    .bind(user.id())
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        &user,
        "report.attachment_added",
        id,
        json!({ "attachment": attachment, "filename": name, "size": size, "sha256": sha256 }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &part_url(&r, Part::Attachments),
        &format!("Filen ”{name}” är bifogad."),
    ))
}

/// Served only to those who may see the report, always as a download, never rendered.
pub async fn download(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, attachment)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    let (filename, content_type, bytes) = db::attachment_bytes(&state.db, r.id, attachment)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download_response(bytes, &content_type, &filename))
}

pub async fn remove_attachment(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((id, attachment)): Path<(Uuid, Uuid)>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    let mut tx = state.db.begin().await?;
    lock_open(&mut tx, id).await?;
    let removed: Option<String> = sqlx::query_scalar(
        "DELETE FROM report_attachments a USING reports r
         WHERE a.id = $2 AND a.report_id = $1 AND r.id = a.report_id AND r.current
           AND r.state IN ('draft', 'returned')
         RETURNING a.filename",
    )
    .bind(id)
    .bind(attachment)
    .fetch_optional(&mut *tx)
    .await?;
    let name = removed.ok_or(AppError::NotFound)?;
    record(
        &mut tx,
        &user,
        "report.attachment_removed",
        id,
        json!({ "attachment": attachment, "filename": name }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &part_url(&r, Part::Attachments),
        &format!("Filen ”{name}” är borttagen."),
    ))
}

/// One line of a report's history, from the audit trail.
#[derive(sqlx::FromRow)]
pub struct HistoryEntry {
    pub at: chrono::DateTime<chrono::Utc>,
    pub actor_name: Option<String>,
    pub actor_is_staff: Option<bool>,
    pub action: String,
    pub note: Option<String>,
}

impl HistoryEntry {
    pub fn label(&self) -> &str {
        match self.action.as_str() {
            "report.created" => "Påbörjad",
            "report.saved" => "Sparad",
            "report.activity_added" => "Aktivitet tillagd",
            "report.activity_removed" => "Aktivitet borttagen",
            "report.attachment_added" => "Bilaga tillagd",
            "report.attachment_removed" => "Bilaga borttagen",
            "report.submitted" => "Inskickad",
            "report.returned" => "Återsänd för komplettering",
            "report.approved" => "Godkänd",
            "report.new_version" => "Ny version påbörjad för rättelse",
            other => other,
        }
    }
}

#[derive(Template)]
#[template(path = "reports/show.html")]
struct ShowPage {
    ctx: Ctx,
    r: Report,
    checking: bool,
    missing: Vec<(Part, &'static str)>,
    activities: Vec<ActivityRow>,
    attachments: Vec<AttachmentRow>,
    messages: Vec<thread::Message>,
    versions: Vec<Report>,
    history: Vec<HistoryEntry>,
    tasks: [&'static str; 5],
    role: Role,
    message_form: String,
    errors: FormErrors,
}

impl ShowPage {
    fn messages_action(&self) -> String {
        format!("/redovisningar/{}/meddelanden", self.r.id)
    }

    fn can_edit(&self) -> bool {
        self.role == Role::Coordinator && self.r.editable()
    }

    fn can_decide(&self) -> bool {
        self.role == Role::CaseOfficer && self.r.current && self.r.state == ReportState::Submitted
    }

    fn can_correct(&self) -> bool {
        self.role == Role::Coordinator && self.r.current && self.r.state == ReportState::Approved
    }

    fn part_url(&self, part: &Part) -> String {
        part_url(&self.r, *part)
    }

    fn task(&self, i: &usize) -> &str {
        self.r.tasks()[*i]
    }
}

async fn show_page(
    state: &AppState,
    user: CurrentUser,
    r: Report,
    checking: bool,
    message_form: String,
    errors: FormErrors,
) -> Result<ShowPage> {
    let activities = db::activities(&state.db, r.id).await?;
    let attachments = db::attachments(&state.db, r.id).await?;
    let messages = thread::messages(&state.db, Thread::Report(r.id)).await?;
    let versions = db::versions(&state.db, r.year, r.organisation_id).await?;
    let history = sqlx::query_as(
        "SELECT a.at, u.name AS actor_name, u.role <> 'coordinator' AS actor_is_staff, a.action,
                a.after->>'message' AS note
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_user_id
         WHERE a.entity = 'report' AND a.entity_id = $1 AND a.action <> 'report.saved'
         ORDER BY a.id",
    )
    .bind(r.id.to_string())
    .fetch_all(&state.db)
    .await?;
    let missing = r.completeness().missing();
    Ok(ShowPage {
        role: user.role(),
        ctx: user.ctx,
        r,
        checking,
        missing,
        activities,
        attachments,
        messages,
        versions,
        history,
        tasks: TASKS,
        message_form,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    render(&show_page(&state, user, r, false, String::new(), FormErrors::default()).await?)
}

/// "Kontrollera dina svar": the whole report once more before it is sent.
pub async fn check(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = editable(&state, &user, id).await?;
    render(&show_page(&state, user, r, true, String::new(), FormErrors::default()).await?)
}

pub async fn submit(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    editable(&state, &user, id).await?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    // Lock the report and check it as it is now: a removal in another tab can't slip in.
    lock_open(&mut tx, id).await?;
    let r = db::find(&mut *tx, id, user.scope())
        .await?
        .ok_or(AppError::NotFound)?;
    if !r.completeness().missing().is_empty() {
        drop(tx);
        let page = show_page(&state, user, r, true, String::new(), FormErrors::default()).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let updated = sqlx::query(
        "UPDATE reports SET state = 'submitted', submitted_at = $2,
             first_submitted_at = COALESCE(first_submitted_at, $2), updated_at = now()
         WHERE id = $1 AND current AND state IN ('draft', 'returned')",
    )
    .bind(id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    record(
        &mut tx,
        &user,
        "report.submitted",
        id,
        json!({ "version": r.version, "received": r.received, "used": r.used, "unused": r.unused }),
    )
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::ReportSubmitted(id),
    )
    .await?;
    tx.commit().await?;
    let today = state.clock.today();
    let late = if r.first_submitted_at.is_none() && today > r.report_deadline {
        format!(
            " Den kom in efter sista dag, {}, och är markerad som försenad.",
            crate::dates::format_date(r.report_deadline)
        )
    } else {
        String::new()
    };
    Ok(redirect_with_flash(
        &format!("/redovisningar/{id}"),
        &format!(
            "Kvittens: redovisningen för {} är inskickad till Tillväxtverket den {}.{late}",
            r.year,
            crate::dates::format_date(today)
        ),
    ))
}

#[derive(Deserialize)]
pub struct MessagePost {
    #[serde(default)]
    body: String,
}

pub async fn post_message(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<MessagePost>,
) -> Result<Response> {
    let r = load(&state, &user, id).await?;
    match thread::post(
        &state.db,
        &state.config.public_url,
        &user,
        Thread::Report(id),
        &post.body,
    )
    .await?
    {
        Ok(posted) => Ok(posted),
        Err(errors) => {
            let page = show_page(&state, user, r, false, post.body, errors).await?;
            render_status(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
    }
}

/// A correction after approval: a new draft version, copied from the approved one,
/// which stays in the history.
pub async fn new_version(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.coordinator_organisation()?;
    let r = load(&state, &user, id).await?;
    let new_id = Uuid::new_v4();
    let mut tx = state.db.begin().await?;
    let superseded = sqlx::query(
        "UPDATE reports SET current = false WHERE id = $1 AND current AND state = 'approved'",
    )
    .bind(id)
    .execute(&mut *tx)
    .await?;
    if superseded.rows_affected() != 1 {
        return Err(AppError::Conflict(
            "Bara den senaste godkända redovisningen kan rättas.".into(),
        ));
    }
    sqlx::query(
        "INSERT INTO reports (id, year, organisation_id, payout_id, version, task_1, task_2, task_3, task_4, task_5,
             needs_and_challenges, results_and_effects, self_assessment, self_assessment_motivation, received,
             cost_personnel, cost_services, cost_travel, cost_other, co_financing, finances_saved, created_by, first_submitted_at)
         SELECT $2, year, organisation_id, payout_id, version + 1, task_1, task_2, task_3, task_4, task_5,
             needs_and_challenges, results_and_effects, self_assessment, self_assessment_motivation, received,
             cost_personnel, cost_services, cost_travel, cost_other, co_financing, finances_saved, $3, first_submitted_at
         FROM reports WHERE id = $1",
    )
    .bind(id)
    .bind(new_id)
    .bind(user.id())
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO report_activities (id, report_id, position, title, description, held, sub_goals, kind, partners, participants)
         SELECT gen_random_uuid(), $2, position, title, description, held, sub_goals, kind, partners, participants
         FROM report_activities WHERE report_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO report_attachments (id, report_id, filename, content_type, size, sha256, bytes, uploaded_by, uploaded_at)
         SELECT gen_random_uuid(), $2, filename, content_type, size, sha256, bytes, uploaded_by, uploaded_at
         FROM report_attachments WHERE report_id = $1",
    )
    .bind(id)
    .bind(new_id)
    .execute(&mut *tx)
    .await?;
    record(
        &mut tx,
        &user,
        "report.new_version",
        new_id,
        json!({ "from": id, "version": r.version + 1 }),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/redovisningar/{new_id}"),
        &format!(
            "Version {} är påbörjad. Den godkända versionen {} finns kvar i historiken tills den nya är godkänd.",
            r.version + 1,
            r.version
        ),
    ))
}

pub async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let r = load(&state, &user, id).await?;
    let mut tx = state.db.begin().await?;
    let updated = sqlx::query(
        "UPDATE reports SET state = 'approved', approved_by = $2, approved_at = now(), updated_at = now()
         WHERE id = $1 AND current AND state = 'submitted'",
    )
    .bind(id)
    .bind(user.id())
    .execute(&mut *tx)
    .await?;
    if updated.rows_affected() != 1 {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    record(
        &mut tx,
        &user,
        "report.approved",
        id,
        json!({ "version": r.version, "received": r.received, "used": r.used, "unused": r.unused }),
    )
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::ReportApproved(id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/redovisningar/{id}"),
        &format!(
            "Redovisningen från {} för {} är godkänd. Outnyttjat att återbetala: {}.",
            r.actor_name,
            r.year,
            crate::money::format_kronor(r.unused)
        ),
    ))
}

#[derive(Template)]
#[template(path = "reports/return.html")]
struct ReturnPage {
    ctx: Ctx,
    r: Report,
    value: String,
    errors: FormErrors,
}

async fn submitted_report(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Report> {
    user.require_role(&[Role::CaseOfficer])?;
    let r = load(state, user, id).await?;
    if !(r.current && r.state == ReportState::Submitted) {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    Ok(r)
}

pub async fn return_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = submitted_report(&state, &user, id).await?;
    render(&ReturnPage {
        ctx: user.ctx,
        r,
        value: String::new(),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct ReasonPost {
    #[serde(default)]
    reason: String,
}

pub async fn return_for_completion(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<ReasonPost>,
) -> Result<Response> {
    let r = submitted_report(&state, &user, id).await?;
    let mut errors = FormErrors::default();
    let Some(reason) = parse_message(
        &mut errors,
        "reason",
        &post.reason,
        "Skriv vad regionen behöver komplettera.",
    ) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ReturnPage {
                ctx: user.ctx,
                r,
                value: post.reason,
                errors,
            },
        );
    };
    let mut tx = state.db.begin().await?;
    if !db::transition(
        &mut tx,
        id,
        &[ReportState::Submitted],
        ReportState::Returned,
        Some(&reason),
    )
    .await?
    {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    thread::add(&mut tx, Thread::Report(id), user.id(), &reason).await?;
    record(
        &mut tx,
        &user,
        "report.returned",
        id,
        json!({ "message": reason }),
    )
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::ReportReturned(id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/redovisningar/{id}"),
        &format!(
            "Redovisningen från {} är skickad tillbaka för komplettering.",
            r.actor_name
        ),
    ))
}

/// A row of the case officer's list: every actor of the year, with or without a report.
pub struct ListRow {
    pub actor_name: String,
    pub paid: bool,
    pub report: Option<Report>,
}

/// The states the list filters by, with the two that have no report row.
const LIST_STATES: [(&str, &str); 6] = [
    ("ej-paborjad", "Ej påbörjad"),
    ("utkast", "Utkast"),
    ("inskickad", "Inskickad"),
    ("komplettering", "Återsänd för komplettering"),
    ("godkand", "Godkänd"),
    ("ingen-utbetalning", "Ingen utbetalning"),
];

impl ListRow {
    pub fn state_key(&self) -> &'static str {
        match (&self.report, self.paid) {
            (Some(r), _) => r.state.key(),
            (None, true) => "ej-paborjad",
            (None, false) => "ingen-utbetalning",
        }
    }

    pub fn state_label(&self) -> &'static str {
        match (&self.report, self.paid) {
            (Some(r), _) => r.state.label(),
            (None, true) => "Ej påbörjad",
            (None, false) => "Ingen utbetalning",
        }
    }
}

#[derive(Template)]
#[template(path = "reports/list.html")]
struct ListPage {
    ctx: Ctx,
    year: i32,
    years: Vec<i32>,
    deadline: NaiveDate,
    today: NaiveDate,
    rows: Vec<ListRow>,
    filter: Option<&'static str>,
    counts: Vec<(&'static str, &'static str, usize)>,
}

impl ListPage {
    fn overdue(&self) -> bool {
        self.today > self.deadline
    }

    fn is_filter(&self, key: &&str) -> bool {
        self.filter == Some(*key)
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    ar: Option<String>,
    lage: Option<String>,
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (year, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let mut reports = db::list(&state.db, year.year).await?;
    let paid: Vec<Uuid> = sqlx::query_scalar(
        "SELECT r.organisation_id FROM payouts p JOIN requisitions r ON r.id = p.requisition_id
         WHERE p.state = 'paid' AND r.year = $1",
    )
    .bind(year.year)
    .fetch_all(&state.db)
    .await?;
    let all_rows: Vec<ListRow> = programme::actors_of_year(&state.db, year.year, None)
        .await?
        .into_iter()
        .map(|a| ListRow {
            paid: paid.contains(&a.organisation_id),
            report: reports
                .iter()
                .position(|r| r.organisation_id == a.organisation_id)
                .map(|i| reports.swap_remove(i)),
            actor_name: a.actor_name,
        })
        .collect();
    let counts = LIST_STATES
        .iter()
        .map(|(key, label)| {
            (
                *key,
                *label,
                all_rows.iter().filter(|r| r.state_key() == *key).count(),
            )
        })
        .collect();
    let filter = query
        .lage
        .as_deref()
        .and_then(|l| LIST_STATES.iter().find(|(k, _)| *k == l))
        .map(|(k, _)| *k);
    let rows = all_rows
        .into_iter()
        .filter(|r| filter.is_none_or(|f| r.state_key() == f))
        .collect();
    render(&ListPage {
        ctx: user.ctx,
        year: year.year,
        years,
        deadline: year.report_deadline,
        today: state.clock.today(),
        rows,
        filter,
        counts,
    })
}
