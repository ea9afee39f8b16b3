//! Tillväxtverket's own account with Kammarkollegiet for a year: what it requisitioned,
//! paid out, spent itself and must repay; and its two documents to Kammarkollegiet, kept
//! and frozen as the 26 March exports are.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    db,
    documents::{ActorLine, Contents},
    model::{AgencyAccount, AgencyForm},
    review::YearQuery,
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    export::{self, Document, ExportFormat, db::ExportRow},
    money::{format_input, format_kronor},
    programme::{db::ProgrammeYear, model::DeadlineStatus},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

#[derive(Template)]
#[template(path = "repayments/account.html")]
struct AccountPage {
    ctx: Ctx,
    year: ProgrammeYear,
    years: Vec<i32>,
    account: AgencyAccount,
    warnings: Vec<String>,
    documents: Vec<ExportRow>,
    form: AgencyForm,
    errors: FormErrors,
}

impl AccountPage {
    fn frame(&self) -> Option<Decimal> {
        self.account.limits.frame
    }

    fn agency_requisition_deadline(&self) -> String {
        self.year
            .agency_requisition_deadline
            .map(crate::dates::format_date)
            .unwrap_or_default()
    }

    fn agency_repayment_deadline(&self) -> String {
        self.year
            .agency_repayment_deadline
            .map(crate::dates::format_date)
            .unwrap_or_default()
    }

    fn frame_hint(&self) -> String {
        match self.frame() {
            Some(f) => format!("Högst {} för {}.", format_kronor(f), self.year.year),
            None => String::new(),
        }
    }

    fn cap_hint(&self) -> String {
        match self.account.limits.support_cap {
            Some(c) => format!("Högst {} för {}.", format_kronor(c), self.year.year),
            None => String::new(),
        }
    }

    /// (key, title) of the documents an administrator can create.
    fn document_choices(&self) -> Vec<(&'static str, String)> {
        Document::AGENCY
            .iter()
            .map(|d| (d.key(), d.title(self.year.year)))
            .collect()
    }
}

/// Warnings before (and after) Tillväxtverket's own deadlines, while the step is undone.
fn account_warnings(
    account: &AgencyAccount,
    year: &ProgrammeYear,
    today: NaiveDate,
) -> Vec<String> {
    let mut warnings = Vec::new();
    // Nothing to chase without a chain, nor while the year's budget is undecided.
    if !year.has_chain() || !year.budget_decided() {
        return warnings;
    }
    let mut warn = |done: bool, deadline: Option<NaiveDate>, what: &str| {
        let Some(deadline) = deadline.filter(|_| !done) else {
            return;
        };
        let status = DeadlineStatus::of(deadline, today);
        let soon = matches!(status, DeadlineStatus::DaysLeft(d) if d <= 30);
        if soon || matches!(status, DeadlineStatus::Today | DeadlineStatus::Passed(_)) {
            warnings.push(format!(
                "{what} senast {}: {}.",
                crate::dates::format_date(deadline),
                status.label().to_lowercase()
            ));
        }
    };
    warn(
        account.requisitioned.is_some(),
        year.agency_requisition_deadline,
        "Rekvisition från Kammarkollegiet",
    );
    warn(
        account.repaid.is_some(),
        year.agency_repayment_deadline,
        "Återbetalning och ekonomisk redovisning till Kammarkollegiet",
    );
    if let Some(deadline) = year.agency_requisition_deadline {
        warnings.extend(account.checks(deadline));
    }
    if let Some(diff) = account.repayment_difference() {
        warnings.push(format!(
            "Den registrerade återbetalningen skiljer sig från det beräknade beloppet med {}.",
            format_kronor(diff)
        ));
    }
    warnings
}

fn account_form(account: &AgencyAccount) -> AgencyForm {
    AgencyForm {
        requisitioned: account.requisitioned.map(format_input).unwrap_or_default(),
        requisitioned_on: account
            .requisitioned_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        support_costs: format_input(account.support_costs),
        repaid: account.repaid.map(format_input).unwrap_or_default(),
        repaid_on: account.repaid_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

pub async fn account(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<YearQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (year, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let account = db::agency_account(&state.db, year.year).await?;
    let documents = export::db::list(&state.db, year.year, &Document::AGENCY).await?;
    render(&AccountPage {
        ctx: user.ctx,
        warnings: account_warnings(&account, &year, state.clock.today()),
        documents,
        form: account_form(&account),
        year,
        years,
        account,
        errors: FormErrors::default(),
    })
}

pub async fn update_account(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
    Form(form): Form<AgencyForm>,
) -> Result<Response> {
    user.require_admin()?;
    let (year, years) = crate::programme::path_year(&state, year).await?;
    waits_for_nothing(&year)?;
    let before = db::agency_account(&state.db, year.year).await?;
    let documents = export::db::list(&state.db, year.year, &Document::AGENCY).await?;
    let entries = match form.validate(year.year, state.clock.today(), before.limits) {
        Ok(e) => e,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &AccountPage {
                    ctx: user.ctx,
                    warnings: account_warnings(&before, &year, state.clock.today()),
                    documents,
                    year,
                    years,
                    account: before,
                    form,
                    errors,
                },
            );
        }
    };
    let mut tx = state.db.begin().await?;
    db::save_agency_account(&mut tx, year.year, &entries, user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "agency_account.updated",
        "agency_account",
        year.year,
    )
    .before(json!({
        "requisitioned": before.requisitioned, "requisitioned_on": before.requisitioned_on,
        "support_costs": before.support_costs, "repaid": before.repaid, "repaid_on": before.repaid_on,
    }))
    .after(json!({
        "requisitioned": entries.requisitioned, "support_costs": entries.support_costs,
        "repaid": entries.repaid,
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/konto?ar={}", year.year),
        &format!("Tillväxtverkets konto för {} är sparat.", year.year),
    ))
}

/// Tillväxtverket keeps an account with Kammarkollegiet only for a year whose period has
/// the chain, and only once the year's budget is decided.
fn waits_for_nothing(year: &ProgrammeYear) -> Result<()> {
    if !year.has_chain() {
        return Err(AppError::Conflict(format!(
            "{} har ingen rekvisition från Kammarkollegiet enligt beslutet: det finns inget konto att föra.",
            year.year
        )));
    }
    if !year.budget_decided() {
        return Err(AppError::Conflict(format!(
            "Budgeten för {} är inte beslutad än: kontot med Kammarkollegiet väntar tills den är det.",
            year.year
        )));
    }
    Ok(())
}

/// Everything a document says, read in one transaction so the figures are of one moment.
async fn contents(state: &AppState, year: &ProgrammeYear, document: Document) -> Result<Contents> {
    let mut tx = crate::db::begin_snapshot(&state.db).await?;
    let account = db::agency_account(&mut *tx, year.year).await?;
    let paid = db::paid_out_per_actor(&mut *tx, year.year).await?;
    let rows = db::rows(&mut *tx, year.year, None).await?;
    let period = crate::programme::db::period(&mut *tx, year.period_id)
        .await?
        .ok_or(AppError::NotFound)?;
    tx.commit().await?;
    let assignment = crate::summary::model::Decisions::of(&period, &period, vec![])
        .agency
        .citation();
    let (Some(agency_requisition_deadline), Some(agency_repayment_deadline)) = (
        year.agency_requisition_deadline,
        year.agency_repayment_deadline,
    ) else {
        return Err(AppError::Conflict(format!(
            "{} har ingen rekvisition från Kammarkollegiet enligt beslutet.",
            year.year
        )));
    };
    let actors = rows
        .into_iter()
        .map(|r| {
            let (paid_out, paid_on) = paid
                .iter()
                .find(|p| p.0 == r.organisation_id)
                .map_or((Decimal::ZERO, None), |p| (p.1, p.2));
            ActorLine {
                balance: r.balance(),
                actor_name: r.actor_name,
                case_number: r.case_number,
                paid_out,
                paid_on,
            }
        })
        .collect();
    Ok(Contents {
        document,
        year: year.year,
        assignment,
        appropriation: period.appropriation.unwrap_or_default(),
        agency_requisition_deadline,
        agency_repayment_deadline,
        account,
        actors,
    })
}

#[derive(Deserialize)]
pub struct DocumentPost {
    #[serde(default)]
    document: String,
    #[serde(default)]
    format: String,
}

/// Writes a document to Kammarkollegiet and keeps it, with its checksum.
pub async fn create_document(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(year): Path<i32>,
    Form(post): Form<DocumentPost>,
) -> Result<Response> {
    user.require_admin()?;
    let (year, _) = crate::programme::path_year(&state, year).await?;
    waits_for_nothing(&year)?;
    let document = Document::from_key(post.document.trim()).ok_or_else(|| {
        AppError::BadRequest("Välj rekvisition eller ekonomisk redovisning.".into())
    })?;
    let format = ExportFormat::from_key(post.format.trim())
        .filter(|f| Document::FORMATS.contains(f))
        .ok_or_else(|| {
            AppError::BadRequest("Välj Excel (XLSX), Word (DOCX) eller PDF/A.".into())
        })?;
    // A turn of heavy work before the database is read: the pages keep their connections.
    let turn = state.heavy.turn().await?;
    let contents = contents(&state, &year, document).await?;
    let bytes = contents
        .render(format.source())
        .map_err(AppError::Internal)?;
    let bytes = format
        .finish(bytes, state.config.soffice.as_deref())
        .await?;
    drop(turn);
    let mut tx = state.db.begin().await?;
    let kept = export::keep(&mut tx, year.year, document, format, &bytes, user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "agency_document.exported",
        "summary_export",
        kept.id,
    )
    .after(json!({
        "year": year.year, "document": document, "format": format, "sha256": kept.sha256,
        "size": kept.size, "to_repay": contents.account.to_repay(),
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/konto?ar={}#dokument", year.year),
        &format!(
            "”{}” är skapad och sparad. Ladda ner den i listan nedan.",
            kept.filename
        ),
    ))
}

/// Marks a document as submitted to Kammarkollegiet: from then on it is kept as it is.
pub async fn mark_document_submitted(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    user.require_admin()?;
    let mut tx = state.db.begin().await?;
    let marked = export::db::mark_submitted(&mut tx, id, &Document::AGENCY, user.id()).await?;
    let Some((year, filename)) = marked else {
        return Err(
            match export::db::exists(&mut *tx, id, &Document::AGENCY).await? {
                true => AppError::Conflict("Dokumentet är redan markerat som inlämnat.".into()),
                false => AppError::NotFound,
            },
        );
    };
    audit::Entry::new(
        Some(user.id()),
        "agency_document.submitted",
        "summary_export",
        id,
    )
    .after(json!({ "year": year, "filename": filename }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/konto?ar={year}#dokument"),
        &format!(
            "”{filename}” är markerat som inlämnat till Kammarkollegiet och sparas som det är."
        ),
    ))
}
