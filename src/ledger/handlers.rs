//! The administrator's page `/admin/bokforing`: the account plan and coding the file is
//! written with, and the download of a fiscal year's (or a period's) vouchers as SIE 4I.

use askama::Template;
use axum::{
    Form,
    extract::{Query, State},
    http::StatusCode,
    response::Response,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::{
    db,
    model::{self, ExportForm, Header, Settings, SettingsForm},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::Result,
    web::{FormErrors, download_response, redirect_with_flash, render, render_status},
};

/// PC8 is IBM's code page 437, registered as `IBM437`.
const CONTENT_TYPE: &str = "text/plain; charset=IBM437";

#[derive(Template)]
#[template(path = "ledger/page.html")]
struct LedgerPage {
    ctx: Ctx,
    form: SettingsForm,
    errors: FormErrors,
    /// What must be set before a file can be made.
    missing: Vec<&'static str>,
    /// The fiscal years offered, the chosen one marked.
    year_options: Vec<(i32, bool)>,
    export: ExportForm,
    export_errors: FormErrors,
    /// A file was asked for and refused (409): the missing list is the answer.
    refused: bool,
    /// The appropriation's object as the settings stand (`UO22-2:4-ap4`).
    appropriation_object: String,
}

impl LedgerPage {
    fn new(ctx: Ctx, settings: &Settings, years: &[i32], export: ExportForm) -> LedgerPage {
        let chosen = export.ar.trim().to_string();
        LedgerPage {
            ctx,
            form: SettingsForm::of(settings),
            errors: FormErrors::default(),
            missing: settings.missing(),
            year_options: years
                .iter()
                .map(|y| (*y, y.to_string() == chosen))
                .collect(),
            export,
            export_errors: FormErrors::default(),
            refused: false,
            appropriation_object: settings.coding().object(),
        }
    }
}

/// The calendar years a file can be made for (`model::fiscal_years`).
async fn fiscal_years(state: &AppState) -> Result<Vec<i32>> {
    let years: Vec<i32> = state
        .programme
        .years(&state.db)
        .await?
        .iter()
        .map(|y| y.year)
        .collect();
    Ok(model::fiscal_years(&years))
}

pub async fn show(State(state): State<AppState>, user: CurrentUser) -> Result<Response> {
    user.require_admin()?;
    let settings = db::settings(&state.db).await?;
    let years = fiscal_years(&state).await?;
    let export = ExportForm::for_year(model::default_fiscal_year(&years, state.clock.today()));
    render(&LedgerPage::new(user.ctx, &settings, &years, export))
}

pub async fn save(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<SettingsForm>,
) -> Result<Response> {
    user.require_admin()?;
    let settings = match form.validate() {
        Ok(settings) => settings,
        Err(errors) => {
            let current = db::settings(&state.db).await?;
            let years = fiscal_years(&state).await?;
            let export =
                ExportForm::for_year(model::default_fiscal_year(&years, state.clock.today()));
            let mut page = LedgerPage::new(user.ctx, &current, &years, export);
            page.form = form;
            page.errors = errors;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let before = db::save_settings(&mut tx, &settings, user.id()).await?;
    audit::Entry::new(
        Some(user.id()),
        "ledger.settings_saved",
        "ledger_settings",
        "ledger",
    )
    .before(json!(before))
    .after(json!(settings))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    let said = if settings.missing().is_empty() {
        "Kontoplanen för bokföringen är sparad. SIE-filen kan laddas ner."
    } else {
        "Kontoplanen för bokföringen är sparad. Det som fortfarande saknas står under Ladda ner verifikationer."
    };
    Ok(redirect_with_flash("/admin/bokforing", said))
}

/// The SIE 4I file of a fiscal year or a period of it (`?ar=2025&fran=…&till=…`). Refused
/// (409, the page saying what is missing) until the account plan is complete; a wrong year
/// or date comes back beside its field (422). The download is audited with its checksum.
pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(mut asked): Query<ExportForm>,
) -> Result<Response> {
    user.require_admin()?;
    let settings = db::settings(&state.db).await?;
    let years = fiscal_years(&state).await?;
    let today = state.clock.today();
    if asked.ar.trim().is_empty() {
        asked.ar = model::default_fiscal_year(&years, today)
            .map(|y| y.to_string())
            .unwrap_or_default();
    }
    let plan = match settings.plan() {
        Ok(plan) => plan,
        Err(_) => {
            let mut page = LedgerPage::new(user.ctx, &settings, &years, asked);
            page.refused = true;
            return render_status(StatusCode::CONFLICT, &page);
        }
    };
    let span = match asked.validate(&years) {
        Ok(span) => span,
        Err(errors) => {
            let mut page = LedgerPage::new(user.ctx, &settings, &years, asked);
            page.export_errors = errors;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };

    let mut tx = crate::db::begin_snapshot(&state.db).await?;
    let events = db::events(&mut tx, span.from, span.to).await?;
    tx.commit().await?;
    let ledger = plan.ledger(&events);
    let text = ledger.sie_text(
        &plan,
        &Header {
            program_version: env!("CARGO_PKG_VERSION"),
            generated: today,
            generated_by: &user.user.name,
            span,
        },
    );
    let bytes = model::pc8(&text);

    let mut tx = state.db.begin().await?;
    audit::Entry::new(Some(user.id()), "ledger.exported", "ledger", span.year)
        .after(json!({
            "year": span.year, "from": span.from, "to": span.to,
            "vouchers": ledger.vouchers.len(), "totals": ledger.totals(),
            "sha256": hex::encode(Sha256::digest(&bytes)),
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(download_response(bytes, CONTENT_TYPE, &span.filename()))
}
