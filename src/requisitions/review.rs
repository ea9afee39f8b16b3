//! Tillväxtverket's side: the case officer's list, decisions and extensions. The payout
//! that follows an approval is in `payouts.rs`.

use askama::Template;
use axum::{
    Form,
    extract::{Path, Query, State},
    http::StatusCode,
    response::Response,
};
use serde::Deserialize;
use serde_json::json;
use uuid::Uuid;

use super::{
    ALREADY_HANDLED,
    db::{self, Extension, Requisition},
    load,
    model::{Action, ApproveForm, CaseState, ExtensionForm, ExtensionWithdrawalForm, case_found},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser, Role},
    error::{AppError, Result, violated_constraint},
    lists::{
        Cell, Column, Export, Header, Sort, Table, column, needs_action_first, waiting_notice,
        with_query,
    },
    money::format_input,
    programme::{
        db::{self as programme, Actor, ProgrammeYear},
        model::ExtendedDeadline,
    },
    thread::{self, Thread},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

#[derive(Deserialize)]
pub struct ListQuery {
    ar: Option<String>,
    lage: Option<String>,
    /// A case number or an actor's name, or part of one.
    q: Option<String>,
    /// `sortera=<kolumn>`, `ordning=fallande`: the list sorted by one of its columns.
    sortera: Option<String>,
    ordning: Option<String>,
    /// `csv` or `xlsx`: the list as shown, to download.
    format: Option<String>,
}

/// The list's columns, on the page and in its exports.
const LIST_COLUMNS: [Column; 6] = [
    column("arende", "Ärende"),
    column("aktor", "Aktör"),
    column("belopp", "Belopp"),
    column("inskickad", "Inskickad"),
    column("lage", "Läge"),
    column("markering", "Markering"),
];

/// A requisition's row in the list and its exports.
fn list_cells(r: &Requisition) -> Vec<Cell> {
    let mut marks = Vec::new();
    if r.is_late() {
        marks.push("Efter ordinarie sista dag".to_string());
    }
    if let Some(d) = r.extended_deadline {
        marks.push(format!("Förlängd till {d}"));
    }
    vec![
        Cell::text(&r.case_number),
        Cell::text(&r.actor_name),
        Cell::amount(r.amount),
        Cell::date(r.first_submitted_on()),
        Cell::text(r.case_state().label()),
        Cell::text(marks.join(", ")),
    ]
}

#[derive(Template)]
#[template(path = "requisitions/list.html")]
struct ListPage {
    ctx: Ctx,
    year: ProgrammeYear,
    years: Vec<i32>,
    filter: Option<CaseState>,
    counts: Vec<(CaseState, usize)>,
    rows: Vec<Requisition>,
    q: String,
    sort: Sort,
    /// How many sent-in requisitions wait for a decision, shown first.
    waiting: Option<String>,
}

impl ListPage {
    fn is_filter(&self, state: &CaseState) -> bool {
        self.filter == Some(*state)
    }

    /// This list in another state (`""`: all), the year, the search and the order kept.
    fn link(&self, state: &str) -> String {
        with_query(
            &list_link(self.year.year, state, &self.q),
            &self.sort.query(),
        )
    }

    fn state_key(&self) -> &'static str {
        self.filter.map(|f| f.key()).unwrap_or_default()
    }

    /// The columns' headings, each a link that sorts the list by it.
    fn headers(&self) -> Vec<Header> {
        self.sort.headers(
            &list_link(self.year.year, self.state_key(), &self.q),
            &LIST_COLUMNS,
        )
    }

    fn caption(&self) -> String {
        self.sort.describe(&LIST_COLUMNS).unwrap_or_else(|| {
            if self.waiting.is_some() {
                "Inskickade först, därefter äldst inskickade först".to_string()
            } else {
                "Äldst inskickade först".to_string()
            }
        })
    }

    /// What the list shows, as CSV or XLSX.
    fn export_link(&self, format: &str) -> String {
        let shown = with_query(
            &list_link(self.year.year, self.state_key(), &self.q),
            &self.sort.query(),
        );
        format!(
            "/handlaggning/rekvisitioner{}",
            with_query(&shown, &format!("format={format}"))
        )
    }
}

fn list_link(year: i32, state: &str, q: &str) -> String {
    let mut link = format!("?ar={year}");
    if !state.is_empty() {
        link.push_str(&format!("&lage={state}"));
    }
    if !q.trim().is_empty() {
        link.push_str(&format!("&q={}", crate::web::url_encode(q.trim())));
    }
    link
}

pub async fn list(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (year, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let q = query.q.unwrap_or_default();
    let all: Vec<Requisition> = db::list(&state.db, year.year, user.scope())
        .await?
        .into_iter()
        .filter(|r| case_found(&q, Some(r.case_number.as_str()), &r.actor_name))
        .collect();
    let counts = CaseState::ALL
        .into_iter()
        .filter(|s| s.visible_to_staff())
        .map(|s| (s, all.iter().filter(|r| r.case_state() == s).count()))
        .collect();
    let filter = query.lage.as_deref().and_then(CaseState::from_key);
    let mut rows: Vec<Requisition> = all
        .into_iter()
        .filter(|r| filter.is_none_or(|f| r.case_state() == f))
        .collect();
    let sort = Sort::read(
        query.sortera.as_deref(),
        query.ordning.as_deref(),
        &LIST_COLUMNS,
    );
    sort.apply(&mut rows, &LIST_COLUMNS, list_cells);
    // The queue opens on what waits for a case officer's decision.
    let waiting = if sort.is_default() && filter.is_none() {
        waiting_notice(needs_action_first(&mut rows, |r| {
            r.case_state() == CaseState::Submitted
        }))
    } else {
        None
    };
    if let Some(export) = Export::read(query.format.as_deref()) {
        return Table::new(&LIST_COLUMNS, rows.iter().map(list_cells)).download(
            export,
            &format!("rekvisitioner-{}", year.year),
            &format!("Rekvisitioner {}", year.year),
        );
    }
    render(&ListPage {
        ctx: user.ctx,
        year,
        years,
        filter,
        counts,
        rows,
        q,
        sort,
        waiting,
    })
}

/// A case officer's decision needs a submitted requisition.
async fn submitted(state: &AppState, user: &CurrentUser, id: Uuid) -> Result<Requisition> {
    user.require_role(&[Role::CaseOfficer])?;
    let r = load(state, user, id).await?;
    if !Action::Approve.allowed(r.state) {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    Ok(r)
}

#[derive(Template)]
#[template(path = "requisitions/approve.html")]
struct ApprovePage {
    ctx: Ctx,
    r: Requisition,
    form: ApproveForm,
    errors: FormErrors,
}

pub async fn approve_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    let r = submitted(&state, &user, id).await?;
    let form = ApproveForm {
        amount: format_input(r.amount_or_zero()),
        planned_date: state.clock.today().to_string(),
    };
    render(&ApprovePage {
        ctx: user.ctx,
        r,
        form,
        errors: FormErrors::default(),
    })
}

pub async fn approve(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ApproveForm>,
) -> Result<Response> {
    let r = submitted(&state, &user, id).await?;
    let rejected = |ctx: Ctx, r: Requisition, form: ApproveForm, errors: FormErrors| {
        render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ApprovePage {
                ctx,
                r,
                form,
                errors,
            },
        )
    };
    let (amount, planned_date) = match form.validate(r.amount_or_zero(), state.clock.today()) {
        Ok(x) => x,
        Err(errors) => return rejected(user.ctx, r, form, errors),
    };
    let mut tx = state.db.begin().await?;
    let from = Action::Approve.from_states();
    if !db::transition(&mut tx, id, from, Action::Approve.target(r.state), None).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    let payout_id = match db::insert_payout(&mut tx, id, amount, planned_date, user.id()).await {
        Ok(payout_id) => payout_id,
        Err(e) => {
            let message = match violated_constraint(&e) {
                Some("payouts_within_frame") => {
                    "Utbetalningen ryms inte i årets ram (antal aktörer × tak)."
                }
                Some("payouts_within_requisition") => {
                    "Utbetalningen kan inte vara större än det rekvirerade beloppet."
                }
                _ => return Err(e.into()),
            };
            let mut errors = FormErrors::default();
            errors.add("amount", message);
            return rejected(user.ctx, r, form, errors);
        }
    };
    audit::Entry::new(Some(user.id()), "requisition.approved", "requisition", id)
        .before(json!({ "state": r.state }))
        .after(json!({
            "state": "approved",
            "payout": payout_id,
            "amount": amount,
            "planned_date": planned_date,
        }))
        .record(&mut tx)
        .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::RequisitionApproved(id),
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/rekvisitioner/{id}"),
        &format!(
            "{} är godkänd. Utbetalningen väntar nu på attest av en annan person.",
            r.case_number
        ),
    ))
}

/// A reason or message the region (or the case officer) will read.
#[derive(Template)]
#[template(path = "requisitions/reason.html")]
struct ReasonPage {
    ctx: Ctx,
    r: Requisition,
    title: &'static str,
    intro: &'static str,
    field_label: &'static str,
    button: &'static str,
    value: String,
    errors: FormErrors,
}

#[derive(Deserialize)]
pub(super) struct ReasonPost {
    #[serde(default)]
    pub(super) reason: String,
}

struct Decision {
    action: Action,
    audit_action: &'static str,
    /// The decision record it writes (`records`).
    record: crate::records::model::DecisionKind,
    /// Who hears of it, by mail.
    notice: fn(Uuid) -> crate::mail::Notice,
    title: &'static str,
    intro: &'static str,
    field_label: &'static str,
    button: &'static str,
    missing: &'static str,
    done: &'static str,
}

const RETURN: Decision = Decision {
    action: Action::Return,
    audit_action: "requisition.returned",
    record: crate::records::model::DecisionKind::RequisitionReturned,
    notice: crate::mail::Notice::RequisitionReturned,
    title: "Skicka tillbaka för komplettering",
    intro: "Regionen ser meddelandet, kan ändra rekvisitionen och skicka in den igen.",
    field_label: "Vad behöver kompletteras?",
    button: "Skicka tillbaka för komplettering",
    missing: "Skriv vad regionen behöver komplettera.",
    done: "är skickad tillbaka till regionen för komplettering.",
};

const REJECT: Decision = Decision {
    action: Action::Reject,
    audit_action: "requisition.rejected",
    record: crate::records::model::DecisionKind::RequisitionRejected,
    notice: crate::mail::Notice::RequisitionRejected,
    title: "Avslå rekvisitionen",
    intro: "Ett avslag är slutligt för den här rekvisitionen. Regionen ser skälet och kan göra en ny rekvisition.",
    field_label: "Skäl till avslaget",
    button: "Avslå rekvisitionen",
    missing: "Ange skälet till avslaget.",
    done: "är avslagen.",
};

fn reason_page(
    ctx: Ctx,
    r: Requisition,
    d: &Decision,
    value: String,
    errors: FormErrors,
) -> ReasonPage {
    ReasonPage {
        ctx,
        r,
        title: d.title,
        intro: d.intro,
        field_label: d.field_label,
        button: d.button,
        value,
        errors,
    }
}

async fn decision_form(
    state: AppState,
    user: CurrentUser,
    id: Uuid,
    d: &Decision,
) -> Result<Response> {
    let r = submitted(&state, &user, id).await?;
    render(&reason_page(
        user.ctx,
        r,
        d,
        String::new(),
        FormErrors::default(),
    ))
}

async fn decide(
    state: AppState,
    user: CurrentUser,
    id: Uuid,
    d: &Decision,
    post: ReasonPost,
) -> Result<Response> {
    let r = submitted(&state, &user, id).await?;
    let mut errors = FormErrors::default();
    let Some(reason) = thread::parse_message(&mut errors, "reason", &post.reason, d.missing) else {
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &reason_page(user.ctx, r, d, post.reason, errors),
        );
    };
    let mut tx = state.db.begin().await?;
    let to = d.action.target(r.state);
    if !db::transition(&mut tx, id, d.action.from_states(), to, Some(&reason)).await? {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    thread::add(&mut tx, Thread::Requisition(id), user.id(), &reason).await?;
    audit::Entry::new(Some(user.id()), d.audit_action, "requisition", id)
        .before(json!({ "state": r.state }))
        .after(json!({ "state": to, "message": reason }))
        .record(&mut tx)
        .await?;
    crate::records::db::record_requisition_decision(&mut tx, &r, d.record, &reason, user.id())
        .await?;
    crate::mail::notify(&mut tx, &state.config.public_url, (d.notice)(id)).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/rekvisitioner/{id}"),
        &format!("{} {}", r.case_number, d.done),
    ))
}

pub async fn return_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    decision_form(state, user, id, &RETURN).await
}

pub async fn return_for_completion(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<ReasonPost>,
) -> Result<Response> {
    decide(state, user, id, &RETURN, post).await
}

pub async fn reject_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    decision_form(state, user, id, &REJECT).await
}

pub async fn reject(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(id): Path<Uuid>,
    Form(post): Form<ReasonPost>,
) -> Result<Response> {
    decide(state, user, id, &REJECT, post).await
}

#[derive(Template)]
#[template(path = "requisitions/extensions.html")]
struct ExtensionsPage {
    ctx: Ctx,
    year: ProgrammeYear,
    years: Vec<i32>,
    actors: Vec<Actor>,
    extensions: Vec<Extension>,
    can_grant: bool,
    form: ExtensionForm,
    withdrawal: ExtensionWithdrawalForm,
    errors: FormErrors,
}

impl ExtensionsPage {
    fn deadline_kinds(&self) -> [ExtendedDeadline; 3] {
        ExtendedDeadline::ALL
    }

    fn change_path(&self, x: &Extension) -> String {
        extension_change_path(x)
    }

    /// How the withdrawal form names an extension.
    fn choice(&self, x: &Extension) -> String {
        format!("{}:{}", x.organisation_id, x.deadline.key())
    }
}

async fn extensions_view(
    state: &AppState,
    user: CurrentUser,
    year: ProgrammeYear,
    years: Vec<i32>,
    form: ExtensionForm,
    withdrawal: ExtensionWithdrawalForm,
    errors: FormErrors,
) -> Result<ExtensionsPage> {
    let actors = programme::actors_of_year(&state.db, year.year, None).await?;
    let extensions = db::extensions(&state.db, year.year).await?;
    Ok(ExtensionsPage {
        can_grant: user.role() == Role::CaseOfficer,
        ctx: user.ctx,
        year,
        years,
        actors,
        extensions,
        form,
        withdrawal,
        errors,
    })
}

pub async fn extensions_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response> {
    user.require_staff()?;
    let (year, years) = crate::programme::page_year(&state, query.ar.as_deref()).await?;
    let page = extensions_view(
        &state,
        user,
        year,
        years,
        ExtensionForm::default(),
        ExtensionWithdrawalForm::default(),
        FormErrors::default(),
    )
    .await?;
    render(&page)
}

#[derive(Deserialize)]
pub struct ExtensionPost {
    #[serde(flatten)]
    form: ExtensionForm,
    #[serde(default)]
    ar: String,
}

pub async fn grant_extension(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<ExtensionPost>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let (year, years) = crate::programme::page_year(&state, Some(&post.ar)).await?;
    let actors = programme::actors_of_year(&state.db, year.year, None).await?;
    // One of the year's actors, by the name the decision gives the party: never a party
    // without a name.
    let organisation = Uuid::parse_str(post.form.organisation_id.trim())
        .ok()
        .and_then(|id| {
            actors
                .iter()
                .find(|a| a.organisation_id == id && !a.actor_name.trim().is_empty())
        })
        .map(|a| (a.organisation_id, a.actor_name.clone()));
    let validated = post.form.validate(&year.deadlines(), state.clock.today());
    let ((organisation, actor_name), grant) = match (organisation, validated) {
        (Some(o), Ok(v)) => (o, v),
        (o, v) => {
            let mut errors = v.err().unwrap_or_default();
            if o.is_none() {
                errors.add("organisation_id", "Välj en av årets aktörer.");
            }
            let page = extensions_view(
                &state,
                user,
                year,
                years,
                post.form,
                ExtensionWithdrawalForm::default(),
                errors,
            )
            .await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let deadline = grant.deadline;
    let before = db::grant_extension(&mut tx, year.year, organisation, &grant, user.id()).await?;
    let changed = before.is_some();
    audit::Entry::new(
        Some(user.id()),
        match changed {
            true => "deadline_extension.changed",
            false => "deadline_extension.granted",
        },
        "deadline_extension",
        format!("{}/{organisation}/{}", year.year, deadline.key()),
    )
    .before(before.map(
        |(d, r, b)| json!({ "deadline": deadline, "new_deadline": d, "reason": r, "basis": b }),
    ))
    .after(json!({
        "deadline": deadline, "new_deadline": grant.new_deadline, "reason": grant.reason,
        "basis": grant.basis,
    }))
    .record(&mut tx)
    .await?;
    crate::records::db::record_extension(
        &mut tx,
        &crate::records::db::ExtensionDecision {
            year: year.year,
            organisation_id: organisation,
            actor_name: &actor_name,
            grant: &grant,
            changed,
            changed_because: None,
        },
        user.id(),
    )
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::ExtensionGranted {
            year: year.year,
            organisation,
            deadline,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/handlaggning/forlangningar?ar={}", year.year),
        &match changed {
            true => format!(
                "Förlängningen för {actor_name} gällande {} {} är ändrad: ny sista dag är {}.",
                deadline.label(),
                year.year,
                crate::dates::format_date(grant.new_deadline)
            ),
            false => format!(
                "{actor_name} har fått förlängd tid för {} {} till {}.",
                deadline.label(),
                year.year,
                crate::dates::format_date(grant.new_deadline)
            ),
        },
    ))
}

#[derive(Deserialize)]
pub struct ExtensionWithdrawalPost {
    #[serde(flatten)]
    form: ExtensionWithdrawalForm,
    #[serde(default)]
    ar: String,
}

/// A case officer withdraws an extension, with a reason: the actor's date goes back to the
/// year's own, and marks of lateness follow it.
pub async fn withdraw_extension(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(post): Form<ExtensionWithdrawalPost>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let (year, years) = crate::programme::page_year(&state, Some(&post.ar)).await?;
    let withdrawal = match post.form.validate() {
        Ok(w) => w,
        Err(errors) => {
            let page = extensions_view(
                &state,
                user,
                year,
                years,
                ExtensionForm::default(),
                post.form,
                errors,
            )
            .await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let (organisation, deadline) = (withdrawal.organisation, withdrawal.deadline);
    let mut tx = state.db.begin().await?;
    let Some((new_deadline, reason, basis)) =
        db::withdraw_extension(&mut tx, year.year, organisation, deadline).await?
    else {
        return Err(AppError::Conflict(
            "Förlängningen finns inte längre – någon annan har redan återkallat den. Ladda om sidan för att se hur det står nu.".into(),
        ));
    };
    audit::Entry::new(
        Some(user.id()),
        "deadline_extension.withdrawn",
        "deadline_extension",
        format!("{}/{organisation}/{}", year.year, deadline.key()),
    )
    .before(json!({
        "deadline": deadline, "new_deadline": new_deadline, "reason": reason, "basis": basis,
    }))
    .after(json!({ "deadline": deadline, "withdrawn_because": withdrawal.reason }))
    .record(&mut tx)
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::ExtensionWithdrawn {
            year: year.year,
            organisation,
            deadline,
            was: new_deadline,
            back_to: deadline.of(&year.deadlines()),
            reason: withdrawal.reason.clone(),
        },
    )
    .await?;
    tx.commit().await?;
    let actors = programme::actors_of_year(&state.db, year.year, Some(organisation)).await?;
    let actor_name = actors
        .first()
        .map(|a| a.actor_name.as_str())
        .unwrap_or_default();
    Ok(redirect_with_flash(
        &format!("/handlaggning/forlangningar?ar={}", year.year),
        &format!(
            "Förlängningen för {actor_name} gällande {} {} är återkallad. Sista dag är åter {}.",
            deadline.label(),
            year.year,
            crate::dates::format_date(deadline.of(&year.deadlines()))
        ),
    ))
}

/// Where a granted extension is changed.
fn extension_change_path(x: &Extension) -> String {
    format!(
        "/handlaggning/forlangningar/{}/{}/{}/andra",
        x.year,
        x.organisation_id,
        x.deadline.key()
    )
}

#[derive(Template)]
#[template(path = "requisitions/extension_change.html")]
struct ExtensionChangePage {
    ctx: Ctx,
    year: ProgrammeYear,
    x: Extension,
    form: ExtensionForm,
    change_reason: String,
    errors: FormErrors,
}

impl ExtensionChangePage {
    fn action(&self) -> String {
        extension_change_path(&self.x)
    }
}

/// The extension a change page is about; not found for a year, deadline or extension that
/// is not there.
async fn extension_to_change(
    state: &AppState,
    year: i32,
    organisation: Uuid,
    deadline: &str,
) -> Result<(ProgrammeYear, Extension)> {
    let deadline = ExtendedDeadline::parse(deadline).ok_or(AppError::NotFound)?;
    let year = state
        .programme
        .year(&state.db, year)
        .await?
        .ok_or(AppError::NotFound)?;
    let x = db::extension(&state.db, year.year, organisation, deadline)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((year, x))
}

/// The form to change a granted extension, filled in with what it says now.
pub async fn change_extension_form(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((year, organisation, deadline)): Path<(i32, Uuid, String)>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let (year, x) = extension_to_change(&state, year, organisation, &deadline).await?;
    let form = ExtensionForm {
        organisation_id: x.organisation_id.to_string(),
        deadline: x.deadline.key().to_string(),
        new_deadline: x.new_deadline.to_string(),
        reason: x.reason.clone(),
        // A basis never given is asked for, not shown as if it were one.
        basis: match x.basis_missing() {
            true => String::new(),
            false => x.basis.clone(),
        },
    };
    render(&ExtensionChangePage {
        ctx: user.ctx,
        year,
        x,
        form,
        change_reason: String::new(),
        errors: FormErrors::default(),
    })
}

#[derive(Deserialize)]
pub struct ExtensionChangePost {
    #[serde(flatten)]
    form: ExtensionForm,
    #[serde(default)]
    change_reason: String,
}

/// A case officer changes a granted extension: its date, reason or basis, saying why. The
/// region hears of the date in force as of a grant; the change and its reason are audited.
pub async fn change_extension(
    State(state): State<AppState>,
    user: CurrentUser,
    Path((year, organisation, deadline)): Path<(i32, Uuid, String)>,
    Form(post): Form<ExtensionChangePost>,
) -> Result<Response> {
    user.require_role(&[Role::CaseOfficer])?;
    let (year, x) = extension_to_change(&state, year, organisation, &deadline).await?;
    // The decision names its party: an extension of an actor without a name is not changed.
    if x.actor_name.trim().is_empty() {
        return Err(AppError::Conflict(
            "Förlängningen kan inte ändras: aktören saknar namn för årets period, och beslutet måste ange vem det gäller. Ingenting har ändrats.".into(),
        ));
    }
    // Which actor and deadline come from the address, never from the form.
    let form = ExtensionForm {
        organisation_id: x.organisation_id.to_string(),
        deadline: x.deadline.key().to_string(),
        ..post.form
    };
    let (grant, mut errors) = match form.validate(&year.deadlines(), state.clock.today()) {
        Ok(g) => (Some(g), FormErrors::default()),
        Err(e) => (None, e),
    };
    let change_reason = crate::input::required_text(
        &mut errors,
        "change_reason",
        &post.change_reason,
        super::model::EXTENSION_REASON_MAX,
        "Ange varför förlängningen ändras.",
    );
    let (Some(grant), Some(change_reason), true) = (grant, change_reason, errors.is_empty()) else {
        let page = ExtensionChangePage {
            ctx: user.ctx,
            year,
            x,
            form,
            change_reason: post.change_reason,
            errors,
        };
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    };
    let deadline = x.deadline;
    let mut tx = state.db.begin().await?;
    let Some((was, was_reason, was_basis)) =
        db::change_extension(&mut tx, year.year, organisation, &grant, user.id()).await?
    else {
        return Err(AppError::Conflict(
            "Förlängningen finns inte längre – någon annan har återkallat den. Ladda om sidan för att se hur det står nu.".into(),
        ));
    };
    audit::Entry::new(
        Some(user.id()),
        "deadline_extension.changed",
        "deadline_extension",
        format!("{}/{organisation}/{}", year.year, deadline.key()),
    )
    .before(json!({
        "deadline": deadline, "new_deadline": was, "reason": was_reason, "basis": was_basis,
    }))
    .after(json!({
        "deadline": deadline, "new_deadline": grant.new_deadline, "reason": grant.reason,
        "basis": grant.basis, "changed_because": change_reason,
    }))
    .record(&mut tx)
    .await?;
    crate::records::db::record_extension(
        &mut tx,
        &crate::records::db::ExtensionDecision {
            year: year.year,
            organisation_id: organisation,
            actor_name: &x.actor_name,
            grant: &grant,
            changed: true,
            changed_because: Some(change_reason.as_str()),
        },
        user.id(),
    )
    .await?;
    crate::mail::notify(
        &mut tx,
        &state.config.public_url,
        crate::mail::Notice::ExtensionGranted {
            year: year.year,
            organisation,
            deadline,
        },
    )
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("/handlaggning/forlangningar?ar={}", year.year),
        &format!(
            "Förlängningen för {} gällande {} {} är ändrad: ny sista dag är {}.",
            x.actor_name,
            deadline.label(),
            year.year,
            crate::dates::format_date(grant.new_deadline)
        ),
    ))
}
