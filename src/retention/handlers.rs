//! The administrators' pages of retention: the classes, the runs (proposed by one, confirmed
//! or cancelled by another) and the legal holds.

use std::collections::HashMap;

use askama::Template;
use axum::{
    Form,
    extract::{Path, State},
    http::StatusCode,
    response::Response,
};
use serde_json::{Map, Value, json};
use uuid::Uuid;

use super::{
    db::{self, HoldRow, ItemRow, KindRow, NewItem, RunRow},
    model::{
        self, ClassForm, ConfirmForm, HoldForm, HoldTarget, ItemState, Kind, Record, RunState,
        ToRead, Verdict,
    },
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

const PAGE: &str = "/admin/gallring";
const CLASSES_PAGE: &str = "/admin/gallring/klasser";
const HOLDS_PAGE: &str = "/admin/gallring/spar";
/// How many runs the page lists, and how many released holds.
const LISTED: i64 = 50;

const OWN_PROPOSAL: &str = "Du föreslog själv den här gallringen. En annan administratör måste granska listan och bekräfta den (principen om fyra ögon). Inget har gallrats.";
const ALREADY_DECIDED: &str = "Gallringen är redan bekräftad eller avbruten – en annan administratör hann före. Ladda om sidan för att se hur den står nu.";
const GONE: &str = "Finns inte längre i Digikoord, eller är inte längre av det här slaget.";
const UNKNOWN_KIND: &str = "Den sortens handlingar finns inte i Digikoord. Ladda om sidan och försök igen. Ingenting har sparats.";
const LIST_CHANGED: &str = "Listan du bekräftade är inte gallringens lista som den ser ut nu: sidan var gammal, eller listan har ändrats. Inget har gallrats. Granska listan nedan och bekräfta igen om den stämmer.";

fn records_of(n: usize) -> String {
    match n {
        1 => "1 handling".to_string(),
        n => format!("{n} handlingar"),
    }
}

// ---- The overview ----

#[derive(Template)]
#[template(path = "retention/page.html")]
struct OverviewPage {
    ctx: Ctx,
    kinds: Vec<KindRow>,
    runs: Vec<RunRow>,
    holds_in_force: usize,
}

/// `/admin/gallring`: the classes in short, a new proposal, the runs and the holds in force.
pub async fn page(State(state): State<AppState>, admin: CurrentUser) -> Result<Response> {
    admin.require_admin()?;
    let kinds = db::kinds(&state.db).await?;
    let runs = db::runs(&state.db, LISTED).await?;
    let holds_in_force = db::active_holds(&state.db).await?.len();
    render(&OverviewPage {
        ctx: admin.ctx,
        kinds,
        runs,
        holds_in_force,
    })
}

// ---- The classes ----

#[derive(Template)]
#[template(path = "retention/classes.html")]
struct ClassesPage {
    ctx: Ctx,
    kinds: Vec<KindRow>,
    /// The kind whose form came back, and what was sent.
    sent: Option<(Kind, ClassForm)>,
    errors: FormErrors,
}

impl ClassesPage {
    fn sent_for(&self, row: &KindRow) -> Option<&ClassForm> {
        self.sent
            .as_ref()
            .filter(|(kind, _)| *kind == row.kind)
            .map(|(_, form)| form)
    }

    /// The kind's form: as sent when it came back, else as saved.
    fn form(&self, row: &KindRow) -> ClassForm {
        self.sent_for(row)
            .cloned()
            .unwrap_or_else(|| ClassForm::of(row.class(), row.basis.as_deref()))
    }

    fn checked(&self, row: &KindRow, class: &str) -> bool {
        self.form(row).class.trim() == class
    }

    fn years(&self, row: &KindRow) -> String {
        self.form(row).years
    }

    fn basis(&self, row: &KindRow) -> String {
        self.form(row).basis
    }

    /// A fault beside a field of the form that came back.
    fn error(&self, row: &KindRow, field: &str) -> Option<&str> {
        self.sent_for(row).and_then(|_| self.errors.get(field))
    }

    /// The kind whose form came back, for the links of the error summary.
    fn sent_key(&self) -> &'static str {
        self.sent.as_ref().map(|(k, _)| k.key()).unwrap_or_default()
    }
}

pub async fn classes(State(state): State<AppState>, admin: CurrentUser) -> Result<Response> {
    admin.require_admin()?;
    render(&ClassesPage {
        kinds: db::kinds(&state.db).await?,
        ctx: admin.ctx,
        sent: None,
        errors: FormErrors::default(),
    })
}

/// Sets one kind's class: audited; a fault comes back beside its field, the form filled in.
pub async fn save_class(
    State(state): State<AppState>,
    admin: CurrentUser,
    Form(form): Form<ClassForm>,
) -> Result<Response> {
    admin.require_admin()?;
    let kind =
        Kind::from_key(&form.kind).ok_or_else(|| AppError::BadRequest(UNKNOWN_KIND.into()))?;
    let (class, basis) = match form.validate(kind) {
        Ok(valid) => valid,
        Err(errors) => {
            let page = ClassesPage {
                kinds: db::kinds(&state.db).await?,
                ctx: admin.ctx,
                sent: Some((kind, form)),
                errors,
            };
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let mut tx = state.db.begin().await?;
    let before = db::set_class(&mut tx, kind, class, basis.as_deref(), admin.id())
        .await?
        .ok_or(AppError::NotFound)?;
    audit::Entry::new(
        Some(admin.id()),
        "retention.class_set",
        "retention_kind",
        kind.key(),
    )
    .before(json!({
        "kind": kind, "name": before.name, "class": before.class, "years": before.years,
        "basis": before.basis,
    }))
    .after(json!({
        "kind": kind, "name": before.name, "class": class.key(), "years": class.years(),
        "basis": basis, "class_label": class.label(),
    }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("{CLASSES_PAGE}#klass-{}", kind.key()),
        &format!(
            "Gallringsklassen för {} är sparad: {}. Den gäller från nästa gallringsförslag.",
            before.name.to_lowercase(),
            class.label().to_lowercase()
        ),
    ))
}

// ---- Runs ----

/// Lists, in a new run, every record due today under its kind's class: those under a legal
/// hold or still referred to listed as skipped. Nothing is removed; a run with nothing due
/// is not made.
pub async fn propose(State(state): State<AppState>, admin: CurrentUser) -> Result<Response> {
    admin.require_admin()?;
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    let kinds = db::kinds(&mut *tx).await?;
    let holds = db::active_holds(&mut *tx).await?;
    let closed = db::closed_years(&mut *tx).await?;
    let mut listed: Vec<(Kind, Vec<NewItem>)> = Vec::new();
    let (mut due, mut skipped) = (0usize, 0usize);
    let mut per_kind = Map::new();
    for k in &kinds {
        let class = k.class();
        let dated_on_or_before = match model::to_read(k.kind, class, today) {
            ToRead::Nothing => continue,
            ToRead::DatedOnOrBefore(day) => Some(day),
            ToRead::Every => None,
        };
        let mut items = Vec::new();
        let (mut kind_due, mut kind_skipped) = (0usize, 0usize);
        for r in db::records(&mut tx, k.kind, dated_on_or_before, None, false).await? {
            let (because, skip) = match model::judge(k.kind, class, &r, &closed, &holds, today) {
                Verdict::Stays => continue,
                Verdict::Due { because } => {
                    kind_due += 1;
                    (because, None)
                }
                Verdict::Skipped {
                    because,
                    skipped: why,
                } => {
                    kind_skipped += 1;
                    (because, Some(why))
                }
            };
            let described = k.kind.describe(&r.entity_id, &r.what);
            items.push(NewItem {
                entity_id: r.entity_id,
                described,
                dated: r.dated,
                due_because: because,
                skipped: skip,
            });
        }
        if !items.is_empty() {
            per_kind.insert(
                k.kind.key().to_string(),
                json!({ "due": kind_due, "skipped": kind_skipped, "class": class.label() }),
            );
            listed.push((k.kind, items));
        }
        due += kind_due;
        skipped += kind_skipped;
    }
    if due == 0 {
        drop(tx);
        let message = if skipped == 0 {
            "Inget är gallringsbart i dag enligt gallringsklasserna. Inget förslag har skapats."
                .to_string()
        } else {
            format!(
                "Inget kan gallras i dag: {} är gallringsbara enligt sina klasser men spärrade eller hänvisade till av andra uppgifter. Inget förslag har skapats.",
                records_of(skipped)
            )
        };
        return Ok(redirect_with_flash(PAGE, &message));
    }
    let run = db::new_run(&mut tx, admin.id(), today).await?;
    for (kind, items) in &listed {
        db::insert_items(&mut tx, run, *kind, items).await?;
    }
    audit::Entry::new(Some(admin.id()), "disposal.proposed", "disposal_run", run)
        .after(json!({
            "run": run, "state": RunState::Proposed, "proposed_on": today,
            "due": due, "skipped": skipped, "kinds": Value::Object(per_kind),
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    let also = match skipped {
        0 => String::new(),
        n => format!(" ({n} till hoppas över: spärrade eller hänvisade till)"),
    };
    Ok(redirect_with_flash(
        &format!("{PAGE}/{run}"),
        &format!(
            "Gallringsförslag nr {run} är skapat: {} kan gallras{also}. Inget är borttaget än: en annan administratör måste granska listan och bekräfta gallringen.",
            records_of(due)
        ),
    ))
}

/// A kind's records in a run, with its counts.
struct Group {
    kind: Kind,
    name: String,
    items: Vec<ItemRow>,
    proposed: i64,
    removed: i64,
    skipped: i64,
}

impl Group {
    fn total(&self) -> i64 {
        self.proposed + self.removed + self.skipped
    }

    fn frozen(&self) -> bool {
        self.kind.frozen()
    }

    fn anchor(&self) -> &'static str {
        self.kind.key()
    }
}

#[derive(Template)]
#[template(path = "retention/run.html")]
struct RunPage {
    ctx: Ctx,
    run: RunRow,
    groups: Vec<Group>,
    /// Rows of the disposal log the run left.
    logged: i64,
    me: Uuid,
    /// Why the confirmation was refused (`reviewed`).
    errors: FormErrors,
    /// How many records the run lists, every one shown, and their digest
    /// (`model::items_digest`): the confirmation carries both.
    items: usize,
    digest: String,
    /// Why the confirmation was refused (409): the list confirmed is not the run's.
    stale: Option<String>,
}

impl RunPage {
    fn open(&self) -> bool {
        self.run.state == RunState::Proposed
    }

    fn proposed_by_me(&self) -> bool {
        self.run.proposed_by == self.me
    }

    fn item_class(&self, item: &ItemRow) -> &'static str {
        item.state.key()
    }

    fn confirm_action(&self) -> String {
        format!("{PAGE}/{}/bekrafta", self.run.id)
    }

    fn cancel_action(&self) -> String {
        format!("{PAGE}/{}/avbryt", self.run.id)
    }
}

async fn run_page(
    state: &AppState,
    ctx: Ctx,
    me: Uuid,
    id: i64,
    errors: FormErrors,
) -> Result<RunPage> {
    let run = db::run(&state.db, id).await?.ok_or(AppError::NotFound)?;
    let kinds = db::kinds(&state.db).await?;
    let counts = db::item_counts(&state.db, id).await?;
    let items = db::items(&state.db, id).await?;
    let listed = items.len();
    let digest = model::items_digest(items.iter().map(|i| (i.kind, i.entity_id.as_str())));
    let mut groups = Vec::new();
    for k in kinds {
        let count = |s: ItemState| -> i64 {
            counts
                .iter()
                .filter(|(kind, state, _)| *kind == k.kind && *state == s)
                .map(|(_, _, n)| *n)
                .sum()
        };
        let (proposed, removed, skipped) = (
            count(ItemState::Proposed),
            count(ItemState::Removed),
            count(ItemState::Skipped),
        );
        if proposed + removed + skipped == 0 {
            continue;
        }
        groups.push(Group {
            kind: k.kind,
            items: items.iter().filter(|i| i.kind == k.kind).cloned().collect(),
            name: k.name,
            proposed,
            removed,
            skipped,
        });
    }
    Ok(RunPage {
        ctx,
        logged: db::logged(&state.db, id).await?,
        run,
        groups,
        me,
        errors,
        items: listed,
        digest,
        stale: None,
    })
}

/// A run's page: what it lists, kind by kind, with why each is due (or skipped), and — for
/// an administrator other than the proposer, while it is proposed — the confirmation.
pub async fn run(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let me = admin.id();
    render(&run_page(&state, admin.ctx, me, id, FormErrors::default()).await?)
}

/// A kind's part of a confirmed run: the records still due, and those skipped with why.
type Planned = (Kind, Vec<String>, Vec<(String, String)>);

/// The second administrator confirms a run: in one transaction every listed record is
/// checked again (still there, still due under its class today, under no hold), the run
/// marked confirmed, each record still due removed with its row in the disposal log (one
/// another record still refers to is skipped), the rest marked skipped with why, and the
/// whole audited. The proposer is refused; nothing is removed without the box ticked that
/// says the list is read, nor when the list the form names (its number of records and their
/// digest) is not the run's (409, the run's page shown again as it is).
pub async fn confirm(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response> {
    admin.require_admin()?;
    let me = admin.id();
    let mut tx = state.db.begin().await?;
    let (run_state, proposed_by) = db::run_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if run_state != RunState::Proposed {
        return Err(AppError::Conflict(ALREADY_DECIDED.into()));
    }
    if proposed_by == me {
        return Err(AppError::Refused(OWN_PROPOSAL.into()));
    }
    if !form.reviewed() {
        drop(tx);
        let mut errors = FormErrors::default();
        errors.add(
            "reviewed",
            "Kryssa i att du har granskat listan innan du bekräftar gallringen. Inget har gallrats.",
        );
        let page = run_page(&state, admin.ctx, me, id, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    // Exactly the list that was read: the run is locked, so no record is listed meanwhile.
    let listed = db::items(&mut *tx, id).await?;
    let digest = model::items_digest(listed.iter().map(|i| (i.kind, i.entity_id.as_str())));
    if !form.is_of(listed.len(), &digest) {
        drop(tx);
        let mut page = run_page(&state, admin.ctx, me, id, FormErrors::default()).await?;
        page.stale = Some(LIST_CHANGED.into());
        return render_status(StatusCode::CONFLICT, &page);
    }
    let today = state.clock.today();
    // No hold placed, no class changed, until this is done.
    db::lock_holds(&mut tx).await?;
    let kinds = db::kinds_for_share(&mut tx).await?;
    let holds = db::active_holds(&mut *tx).await?;
    let closed = db::closed_years(&mut *tx).await?;
    let proposed = db::proposed_items(&mut tx, id).await?;
    let mut plan: Vec<Planned> = Vec::new();
    for k in &kinds {
        let ids: Vec<String> = proposed
            .iter()
            .filter(|i| i.kind == k.kind)
            .map(|i| i.entity_id.clone())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let class = k.class();
        let records = db::records(&mut tx, k.kind, None, Some(ids.as_slice()), true).await?;
        let by_id: HashMap<&str, &Record> =
            records.iter().map(|r| (r.entity_id.as_str(), r)).collect();
        let (mut remove, mut skip) = (Vec::new(), Vec::new());
        for entity_id in ids {
            let Some(record) = by_id.get(entity_id.as_str()) else {
                skip.push((entity_id, GONE.to_string()));
                continue;
            };
            match model::judge(k.kind, class, record, &closed, &holds, today) {
                Verdict::Due { .. } => remove.push(entity_id),
                Verdict::Skipped { skipped: why, .. } => skip.push((entity_id, why)),
                Verdict::Stays => skip.push((
                    entity_id,
                    format!(
                        "Är inte längre gallringsbar i dag enligt gallringsklassen: {}.",
                        class.label().to_lowercase()
                    ),
                )),
            }
        }
        plan.push((k.kind, remove, skip));
    }
    if !db::mark_confirmed(&mut tx, id, me).await? {
        return Err(AppError::Conflict(ALREADY_DECIDED.into()));
    }
    let (mut removed, mut skipped) = (0usize, 0usize);
    let mut per_kind = Map::new();
    for (kind, remove, mut skip) in plan {
        let removal = db::remove(&mut tx, id, kind, &remove).await?;
        skip.extend(removal.refused);
        db::skip_items(&mut tx, id, kind, &skip).await?;
        removed += removal.removed.len();
        skipped += skip.len();
        per_kind.insert(
            kind.key().to_string(),
            json!({ "removed": removal.removed.len(), "skipped": skip.len() }),
        );
    }
    audit::Entry::new(Some(me), "disposal.confirmed", "disposal_run", id)
        .before(json!({ "state": RunState::Proposed, "proposed_by": proposed_by }))
        .after(json!({
            "run": id, "state": RunState::Confirmed, "confirmed_on": today,
            "removed": removed, "skipped": skipped, "kinds": Value::Object(per_kind),
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    let also = match skipped {
        0 => String::new(),
        n => format!(
            " {} hoppades över; varför står vid var och en.",
            records_of(n)
        ),
    };
    Ok(redirect_with_flash(
        &format!("{PAGE}/{id}"),
        &format!(
            "Gallring nr {id} är genomförd: {} togs bort och står i gallringsloggen.{also}",
            records_of(removed)
        ),
    ))
}

/// Cancels a proposed run (the proposer withdraws it, or another administrator refuses it):
/// nothing is removed, and the list stays as it was proposed.
pub async fn cancel(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let (run_state, proposed_by) = db::run_for_update(&mut tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if run_state != RunState::Proposed || !db::cancel(&mut tx, id, admin.id()).await? {
        return Err(AppError::Conflict(ALREADY_DECIDED.into()));
    }
    audit::Entry::new(Some(admin.id()), "disposal.cancelled", "disposal_run", id)
        .before(json!({ "state": RunState::Proposed, "proposed_by": proposed_by }))
        .after(json!({
            "run": id, "state": RunState::Cancelled,
            "withdrawn_by_proposer": proposed_by == admin.id(),
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("{PAGE}/{id}"),
        &format!("Gallringsförslag nr {id} är avbrutet. Inget har gallrats."),
    ))
}

// ---- Legal holds ----

#[derive(Template)]
#[template(path = "retention/holds.html")]
struct HoldsPage {
    ctx: Ctx,
    in_force: Vec<HoldRow>,
    released: Vec<HoldRow>,
    years: Vec<i32>,
    organisations: Vec<(Uuid, String)>,
    targets: Vec<(&'static str, &'static str)>,
    form: HoldForm,
    errors: FormErrors,
}

impl HoldsPage {
    /// What a hold holds, in Swedish.
    fn held(&self, h: &HoldRow) -> String {
        model::held_description(&h.entity, &h.entity_id, h.organisation_name.as_deref())
    }

    fn is_target(&self, key: &str) -> bool {
        self.form.target.trim() == key
    }

    fn is_year(&self, year: &i32) -> bool {
        self.form.year.trim() == year.to_string()
    }

    fn is_organisation(&self, id: &Uuid) -> bool {
        self.form.organisation.trim() == id.to_string()
    }
}

async fn holds_page(
    state: &AppState,
    ctx: Ctx,
    form: HoldForm,
    errors: FormErrors,
) -> Result<HoldsPage> {
    Ok(HoldsPage {
        ctx,
        in_force: db::holds(&state.db, false, i64::MAX).await?,
        released: db::holds(&state.db, true, LISTED).await?,
        years: db::years(&state.db).await?,
        organisations: db::organisations(&state.db).await?,
        targets: model::hold_targets(),
        form,
        errors,
    })
}

/// `/admin/gallring/spar`: the holds in force, placing one, and the latest released.
pub async fn holds(State(state): State<AppState>, admin: CurrentUser) -> Result<Response> {
    admin.require_admin()?;
    render(
        &holds_page(
            &state,
            admin.ctx,
            HoldForm::default(),
            FormErrors::default(),
        )
        .await?,
    )
}

/// Places a legal hold on an actor's year or one record, audited (`db::place_hold`); a
/// fault, or a target that does not exist, comes back beside its field.
pub async fn place_hold(
    State(state): State<AppState>,
    admin: CurrentUser,
    Form(form): Form<HoldForm>,
) -> Result<Response> {
    admin.require_admin()?;
    let (target, reason) = match form.validate() {
        Ok(valid) => valid,
        Err(errors) => {
            let page = holds_page(&state, admin.ctx, form, errors).await?;
            return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
    };
    let (entity, entity_id) = (target.entity(), target.entity_id());
    let mut tx = state.db.begin().await?;
    if !db::target_exists(&mut tx, entity, &entity_id).await? {
        drop(tx);
        let mut errors = FormErrors::default();
        match target {
            HoldTarget::ActorYear { .. } => errors.add(
                "year",
                "Det året finns inte i programmet, eller aktören finns inte. Välj år och aktör i listorna.",
            ),
            HoldTarget::Record { .. } => errors.add(
                "record",
                "Det finns ingen sådan handling i Digikoord. Kontrollera numret eller id:t och vad spärren gäller.",
            ),
        }
        let page = holds_page(&state, admin.ctx, form, errors).await?;
        return render_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let hold = db::place_hold(&mut tx, entity, &entity_id, &reason, admin.id()).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        HOLDS_PAGE,
        &format!(
            "Spärr nr {hold} är lagd. Det den gäller hoppas över i varje gallring tills spärren hävs."
        ),
    ))
}

#[derive(Template)]
#[template(path = "retention/release.html")]
struct ReleasePage {
    ctx: Ctx,
    hold: HoldRow,
}

impl ReleasePage {
    /// What the hold holds, in Swedish.
    fn held(&self) -> String {
        model::held_description(
            &self.hold.entity,
            &self.hold.entity_id,
            self.hold.organisation_name.as_deref(),
        )
    }

    fn action(&self) -> String {
        format!("{HOLDS_PAGE}/{}/hav", self.hold.id)
    }
}

/// `/admin/gallring/spar/{id}/hav`: what releasing the hold means — what it covers, why it
/// was placed — before it is done. A hold an open request for public documents placed is
/// not released here: the page says so and links the request.
pub async fn release_form(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let hold = db::hold(&state.db, id).await?.ok_or(AppError::NotFound)?;
    render(&ReleasePage {
        ctx: admin.ctx,
        hold,
    })
}

/// Releases a hold after its confirmation page, audited (`db::release_hold`); one an open
/// request for public documents placed is refused (409), nothing changed.
pub async fn release_hold(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    db::release_hold(&mut tx, id, admin.id()).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        HOLDS_PAGE,
        &format!(
            "Spärr nr {id} är hävd. Det den gällde kan tas med i nästa gallringsförslag om gallringsklassen tillåter det."
        ),
    ))
}
