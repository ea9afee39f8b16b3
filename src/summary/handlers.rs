//! The overview, the summary page with Tillväxtverket's sections, and the exports.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::NaiveDate;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    db::load_year,
    export::{self, Sections},
    model::{
        ActivityStats, ActorYear, AssessmentCounts, Coverage, FinanceRow, MissingReport, Paging,
        Source, Totals, Year, YearFigures,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    export::{Document, ExportFormat, db as export_db, db::ExportRow},
    web::{FormErrors, download_response, filters, redirect_with_flash, render, render_status},
};

#[derive(Deserialize)]
pub struct OverviewQuery {
    ar: Option<String>,
    sortera: Option<String>,
    atgard: Option<String>,
    /// The page of the overview's table, from 1.
    sida: Option<String>,
}

impl OverviewQuery {
    /// The page of the table asked for, from 1 (the first when none or no number is).
    fn page(&self) -> usize {
        self.sida
            .as_deref()
            .and_then(|p| p.trim().parse::<usize>().ok())
            .unwrap_or(1)
    }
}

/// Rows of the overview's table per page: the 21 actors on one, a programme of 2 000 on
/// twenty, the totals and the chart always over all of them.
const OVERVIEW_PAGE: usize = 100;

#[derive(Template)]
#[template(path = "summary/overview.html")]
struct OverviewPage {
    ctx: Ctx,
    year: Year,
    years: Vec<i32>,
    today: NaiveDate,
    /// This page's rows of the `paging.total` that match.
    rows: Vec<ActorYear>,
    /// What the page shows over every actor: their number, totals, progress, notes.
    figures: YearFigures,
    paging: Paging,
    totals: Totals,
    by_state: bool,
    only_action: bool,
    /// Where the year's figures come from: none at all is *ingen uppgift i Digikoord*.
    coverage: Coverage,
    /// The dates moved for one actor, each with why and on what basis.
    moved: Vec<crate::requisitions::db::Extension>,
}

impl OverviewPage {
    fn progress(&self) -> Vec<(String, usize)> {
        self.figures.progress.steps()
    }

    fn progress_chart(&self) -> String {
        super::charts::progress_chart_of(self.year.year, &self.progress(), self.figures.actors)
    }

    /// The actors' frame: number of actors × the cap (`Year::actors_frame`).
    fn actors_frame(&self) -> rust_decimal::Decimal {
        self.year.cap_per_actor * rust_decimal::Decimal::from(self.figures.actors)
    }

    /// The year has figures (cases or imported history): its totals are shown.
    fn known(&self) -> bool {
        self.coverage.has_data()
    }

    /// The actor's figures are known: else its cells say `NO_DATA_MARK`.
    fn knows(&self, a: &ActorYear) -> bool {
        self.coverage.knows(Source::of_actor(a))
    }

    /// Some actor's figures are not known: the page explains `–` once.
    fn any_unknown(&self) -> bool {
        self.figures.any_unknown()
    }

    fn no_data_legend(&self) -> &'static str {
        super::model::NO_DATA_LEGEND
    }

    fn took_no_funds(&self, a: &ActorYear) -> bool {
        a.took_no_funds(self.today)
    }

    fn frame(&self) -> Option<rust_decimal::Decimal> {
        self.year.decisions.agency_frame
    }

    fn report_overdue(&self, a: &ActorYear) -> bool {
        a.report_overdue(self.today)
    }

    fn repayment_overdue(&self, a: &ActorYear) -> Option<i64> {
        a.repayment_days_overdue(self.today)
    }

    fn query(&self, sort_by_state: bool, only_action: bool) -> String {
        overview_query(self.year.year, sort_by_state, only_action)
    }

    fn sorted_by(&self, state: bool) -> String {
        self.query(state, self.only_action)
    }

    fn filtered(&self, only_action: bool) -> String {
        self.query(self.by_state, only_action)
    }

    fn amount(&self, a: &Option<rust_decimal::Decimal>) -> String {
        super::model::amount_or_mark(*a)
    }

    /// What is left to repay, from the approved report's unused funds as the totals count it.
    fn left(&self, a: &ActorYear) -> Option<rust_decimal::Decimal> {
        a.finance_row(true).outstanding
    }

    /// What is left by a submitted report not yet approved: shown apart, and so marked.
    fn left_unapproved(&self, a: &ActorYear) -> Option<rust_decimal::Decimal> {
        a.unapproved().map(|u| u.outstanding)
    }

    fn notes(&self) -> Vec<String> {
        self.figures.notes()
    }
}

/// The overview's address for `year`, sorted and filtered as asked, at its first page.
fn overview_query(year: i32, sort_by_state: bool, only_action: bool) -> String {
    let mut q = format!("?ar={year}");
    if sort_by_state {
        q.push_str("&sortera=lage");
    }
    if only_action {
        q.push_str("&atgard=1");
    }
    q
}

pub async fn overview(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<OverviewQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (wanted, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let today = state.clock.today();
    let by_state = query.sortera.as_deref() == Some("lage");
    let only_action = query.atgard.is_some();
    let wanted_page = query.page();
    // Filtered or sorted by state, the table needs every actor's cases; else it reads one
    // page of rows by the actors' names. The totals, the chart and the notes are over
    // every actor either way, from one aggregate query.
    let filtered = by_state || only_action;
    let wanted_rows = match filtered {
        true => crate::summary::db::Rows::All,
        false => crate::summary::db::Rows::Page {
            page: wanted_page,
            size: OVERVIEW_PAGE,
        },
    };
    let crate::summary::db::Overview { mut year, figures } = crate::summary::db::load_overview(
        (&state.programme, &state.figures),
        &state.db,
        wanted.year,
        wanted_rows,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let loaded = std::mem::take(&mut year.actors);
    let totals = figures.totals;
    let coverage = figures.coverage;
    let address = overview_query(year.year, by_state, only_action);
    let (rows, paging) = if filtered {
        let mut rows: Vec<ActorYear> = loaded
            .into_iter()
            .filter(|a| !only_action || a.needs_action(today))
            .collect();
        if by_state {
            rows.sort_by(|a, b| {
                a.stage()
                    .cmp(&b.stage())
                    .then_with(|| a.actor_name.cmp(&b.actor_name))
            });
        }
        let paging = Paging::of(wanted_page, rows.len(), OVERVIEW_PAGE, address);
        let rows: Vec<ActorYear> = rows
            .into_iter()
            .skip(paging.first - 1)
            .take(OVERVIEW_PAGE)
            .collect();
        (rows, paging)
    } else {
        let paging = Paging::of(wanted_page, figures.actors, OVERVIEW_PAGE, address);
        (loaded, paging)
    };
    let moved = crate::requisitions::db::extensions(&state.db, wanted.year).await?;
    render(&OverviewPage {
        ctx: user.ctx,
        moved,
        paging,
        year,
        years,
        today,
        rows,
        figures,
        totals,
        by_state,
        only_action,
        coverage,
    })
}

async fn sections_of(state: &AppState, year: i32) -> Result<Sections> {
    Ok(super::db::sections(&state.db, year).await?)
}

#[derive(Template)]
#[template(path = "summary/summary.html")]
struct SummaryPage {
    ctx: Ctx,
    /// The year, its `actors` only this page's rows of the finance table, the chart of
    /// used and unused, the activities per actor and the texts.
    year: Year,
    years: Vec<i32>,
    /// What the page shows over every actor: their number, totals, notes.
    figures: YearFigures,
    paging: Paging,
    totals: Totals,
    stats: ActivityStats,
    counts: AssessmentCounts,
    missing: Vec<MissingReport>,
    sections: Sections,
    errors: FormErrors,
    exports: Vec<ExportRow>,
    formats: [ExportFormat; 5],
    title: String,
    /// Every year's totals, oldest first, for the trend; `None` where Digikoord has no
    /// figures: the chart leaves a gap and the table says so.
    trend_years: Vec<(i32, Option<Totals>)>,
}

impl SummaryPage {
    fn used_chart(&self) -> String {
        super::charts::used_chart(&self.year)
    }

    fn trend_chart(&self) -> String {
        super::charts::trend_chart(&self.trend_years)
    }

    fn share(&self, n: &usize) -> String {
        self.counts.of(*n)
    }

    fn goal_labels(&self) -> Vec<&'static str> {
        self.stats.by_goal.iter().map(|(l, _)| *l).collect()
    }

    /// An amount of the finance table, `–` where Digikoord has none.
    fn amount(&self, a: &Option<rust_decimal::Decimal>) -> String {
        super::model::amount_or_mark(*a)
    }

    /// This page's rows of the finance table.
    fn finance_rows(&self) -> Vec<FinanceRow> {
        self.figures.finance_rows(&self.year.actors)
    }

    fn finance_notes(&self) -> Vec<String> {
        self.figures.notes()
    }

    /// What `–` in the finance table means, when it has one.
    fn finance_legend(&self) -> Option<String> {
        self.figures.finance_legend(self.year.year)
    }
}

/// Rows of the summary page's finance table, chart of used and unused, activities per
/// actor and texts per page: the overview's page, in the same order.
const SUMMARY_PAGE: usize = OVERVIEW_PAGE;

/// The summary page of `wanted`, its `page` of rows (from 1), in a fixed number of
/// queries whatever the number of actors (`db::load_summary`, the trend in one aggregate).
async fn summary_page(
    state: &AppState,
    user: CurrentUser,
    (wanted, years): (crate::programme::db::ProgrammeYear, Vec<i32>),
    page: usize,
    sections: Sections,
    errors: FormErrors,
) -> Result<SummaryPage> {
    let super::db::Summary {
        year,
        figures,
        stats,
        counts,
        missing,
        trend: lines,
    } = super::db::load_summary(
        (&state.programme, &state.figures),
        &state.db,
        wanted.year,
        page,
        SUMMARY_PAGE,
    )
    .await?
    .ok_or(AppError::NotFound)?;
    let exports = export_db::list(&state.db, year.year, &[Document::Summary]).await?;
    let trend_years = lines.iter().map(|y| (y.year, y.known_totals())).collect();
    Ok(SummaryPage {
        ctx: user.ctx,
        trend_years,
        paging: Paging::of(
            page,
            figures.actors,
            SUMMARY_PAGE,
            format!("?ar={}", year.year),
        ),
        totals: figures.totals,
        figures,
        stats,
        counts,
        missing,
        title: export::title(year.year),
        year,
        years,
        sections,
        errors,
        exports,
        formats: ExportFormat::ALL,
    })
}

pub async fn summary(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<OverviewQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let wanted = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let page = query.page();
    let sections = sections_of(&state, wanted.0.year).await?;
    render(&summary_page(&state, user, wanted, page, sections, FormErrors::default()).await?)
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub struct SectionsForm {
    analysis: String,
    innovation_hubs: String,
    digg_views: String,
    report_date: String,
    case_number: String,
    summary: String,
    assignment: String,
    decided_by: String,
    presented_by: String,
}

pub async fn save_sections(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
    Form(form): Form<SectionsForm>,
) -> Result<Response> {
    user.require_admin()?;
    let wanted = crate::programme::path_year(&state, year).await?;
    let mut errors = FormErrors::default();
    for (field, value) in [
        ("summary", &form.summary),
        ("assignment", &form.assignment),
        ("analysis", &form.analysis),
        ("innovation_hubs", &form.innovation_hubs),
        ("digg_views", &form.digg_views),
    ] {
        let n = value.trim().chars().count();
        if n > 20_000 {
            errors.add(
                field,
                format!("Texten får vara högst 20 000 tecken (nu {n})."),
            );
        }
    }
    let report_date = match form.report_date.trim() {
        "" => None,
        typed => crate::dates::parse_date(typed)
            .map_err(|m| errors.add("report_date", m))
            .ok(),
    };
    if form.case_number.trim().chars().count() > 50 {
        errors.add("case_number", "Diarienumret får vara högst 50 tecken.");
    }
    for (field, value) in [
        ("decided_by", &form.decided_by),
        ("presented_by", &form.presented_by),
    ] {
        if value.trim().chars().count() > 200 {
            errors.add(field, "Namn och titel får vara högst 200 tecken.");
        }
    }
    let sections = Sections {
        analysis: form.analysis.trim().to_string(),
        innovation_hubs: form.innovation_hubs.trim().to_string(),
        digg_views: form.digg_views.trim().to_string(),
        report_date: form.report_date.trim().to_string(),
        case_number: form.case_number.trim().to_string(),
        summary: form.summary.trim().to_string(),
        assignment: form.assignment.trim().to_string(),
        decided_by: form.decided_by.trim().to_string(),
        presented_by: form.presented_by.trim().to_string(),
    };
    if !errors.is_empty() {
        let page = summary_page(&state, user, wanted, 1, sections, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let mut tx = state.db.begin().await?;
    super::db::save_sections(&mut tx, year, &sections, report_date, user.id()).await?;
    audit::Entry::new(Some(user.id()), "summary.sections_saved", "summary", year)
        .after(json!(sections))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/sammanstallning?ar={year}#avsnitt"),
        "Tillväxtverkets avsnitt är sparade.",
    ))
}

#[derive(Deserialize)]
pub struct ExportPost {
    #[serde(default)]
    format: String,
}

pub async fn create_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
    Form(post): Form<ExportPost>,
) -> Result<Response> {
    user.require_admin()?;
    let format = ExportFormat::from_key(post.format.trim())
        .ok_or_else(|| AppError::BadRequest("Välj ett av exportformaten.".into()))?;
    let by = user.id();
    if let Some(refused) = refused_without_cover(&state, user, format, year).await? {
        return Ok(refused);
    }
    let bytes = rendered(&state, format, year).await?;
    let mut tx = state.db.begin().await?;
    let kept = crate::export::keep(&mut tx, year, Document::Summary, format, &bytes, by).await?;
    audit::Entry::new(Some(by), "summary.exported", "summary_export", kept.id)
        .after(json!({ "year": year, "format": format, "sha256": kept.sha256, "size": kept.size }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/sammanstallning?ar={year}#exporter"),
        &format!(
            "Exporten ”{}” är skapad och sparad. Ladda ner den i listan nedan.",
            kept.filename
        ),
    ))
}

/// The DOCX, and the PDF/A made from it, are the document to the Government: while its
/// cover lacks Tillväxtverket's diarienummer or the recipient ministry, the summary page
/// again, 422, with the reason in its error summary, and nothing made or recorded. The
/// XLSX, CSV and JSON are tables without a cover, and are made as before.
async fn refused_without_cover(
    state: &AppState,
    user: CurrentUser,
    format: ExportFormat,
    year: i32,
) -> Result<Option<Response>> {
    if format.source() != ExportFormat::Docx {
        return Ok(None);
    }
    let (programme_year, years) = crate::programme::path_year(state, year).await?;
    let decisions = {
        let mut conn = state.db.acquire().await?;
        super::db::decisions_of(&mut conn, &programme_year).await?
    };
    let sections = sections_of(state, year).await?;
    let Some((field, message)) = sections.cover_missing(&decisions) else {
        return Ok(None);
    };
    let mut errors = FormErrors::default();
    errors.add(field, message);
    let page = summary_page(state, user, (programme_year, years), 1, sections, errors).await?;
    Ok(Some(render_status(
        StatusCode::UNPROCESSABLE_ENTITY,
        &page,
    )?))
}

/// The export of `year` as it is now, in a turn of heavy work (`heavy`, before the
/// database is read: the pages keep their connections) and drawn
/// off the async workers (a big year's XLSX or DOCX takes a while); the DOCX's trend runs
/// up to the year.
async fn rendered(state: &AppState, format: ExportFormat, year: i32) -> Result<Vec<u8>> {
    let _turn = state.heavy.turn().await?;
    let year = load_year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let sections = sections_of(state, year.year).await?;
    let trend: Vec<(i32, Option<Totals>)> = if format.source() == ExportFormat::Docx {
        crate::summary::db::trend(&state.figures, &state.db)
            .await?
            .into_iter()
            .filter(|y| y.year <= year.year)
            .map(|y| (y.year, y.known_totals()))
            .collect()
    } else {
        vec![]
    };
    let source = format.source();
    let bytes =
        tokio::task::spawn_blocking(move || export::render(source, &year, &sections, &trend))
            .await
            .map_err(|e| AppError::Internal(format!("export: {e}")))?
            .map_err(AppError::Internal)?;
    Ok(format
        .finish(bytes, state.config.soffice.as_deref())
        .await?)
}

/// A draft: the export as the figures stand, downloaded without being recorded. It is for
/// reading, never sent, so it is made with its cover as far as it is filled in.
pub async fn draft_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((year, format)): Path<(i32, String)>,
) -> Result<Response> {
    user.require_admin()?;
    let format = ExportFormat::from_key(&format).ok_or(AppError::NotFound)?;
    let bytes = rendered(&state, format, year).await?;
    Ok(download_response(
        bytes,
        format.content_type(),
        &format!("utkast-{}", format.filename(year)),
    ))
}

pub async fn download_export(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let (format, filename, bytes) = export_db::file(&state.db, id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(download_response(bytes, format.content_type(), &filename))
}

#[derive(Template)]
#[template(path = "summary/mark_submitted.html")]
struct MarkSubmittedPage {
    ctx: Ctx,
    year: i32,
    export: ExportRow,
}

/// The file and what marking it means, before *Markera som inlämnad*; changes nothing.
pub async fn mark_submitted_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let (year, export) = export_db::find(&state.db, id, &[Document::Summary])
        .await?
        .ok_or(AppError::NotFound)?;
    if export.submitted_at.is_some() {
        return Err(AppError::Conflict(
            "Exporten är redan markerad som inlämnad.".into(),
        ));
    }
    render(&MarkSubmittedPage {
        ctx: user.ctx,
        year,
        export,
    })
}

pub async fn mark_submitted(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let mut tx = state.db.begin().await?;
    let marked = export_db::mark_submitted(&mut tx, id, &[Document::Summary], user.id()).await?;
    let Some((year, filename)) = marked else {
        let exists = export_db::exists(&mut *tx, id, &[Document::Summary]).await?;
        return Err(if exists {
            AppError::Conflict("Exporten är redan markerad som inlämnad.".into())
        } else {
            AppError::NotFound
        });
    };
    // Not while a part the year's rules ask for (the hubs, DIGG's views) is empty.
    let programme_year = crate::programme::db::year(&mut *tx, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let decisions = super::db::decisions_of(&mut tx, &programme_year).await?;
    let sections = sections_of(&state, year).await?;
    if let Some(part) = decisions.empty_part(|key| !sections.part(key).trim().is_empty()) {
        return Err(AppError::Conflict(format!(
            "Redovisningen kan inte markeras som inlämnad: avsnittet ”{part}” är tomt, och årets redovisning ska ha det. Skriv avsnittet, exportera på nytt och markera den nya filen."
        )));
    }
    audit::Entry::new(Some(user.id()), "summary.submitted", "summary_export", id)
        .after(json!({ "year": year, "filename": filename }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/sammanstallning?ar={year}#exporter"),
        &format!("”{filename}” är markerad som inlämnad till regeringen och sparas som den är."),
    ))
}

#[derive(Template)]
#[template(path = "summary/years.html")]
struct YearsPage {
    ctx: Ctx,
    lines: Vec<super::db::YearTotals>,
}

impl YearsPage {
    fn no_data_legend(&self) -> &'static str {
        super::model::NO_DATA_LEGEND
    }
}

/// Every year since 2018 side by side, imported figures marked.
pub async fn years(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_staff()?;
    let lines = super::db::trend(&state.figures, &state.db).await?;
    render(&YearsPage {
        ctx: user.ctx,
        lines,
    })
}
