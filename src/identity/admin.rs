//! The administrator's side: the providers and the changes to them that wait for a second
//! administrator, and every user's links to them.

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
    db::{self, LinkRow, ProviderChange},
    model::{Provider, ProviderForm, ProviderSettings},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result, violated_constraint},
    programme::db::{Organisation, organisations},
    users::model::GrantState,
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

const PAGE: &str = "/admin/inloggning";
const OWN_REQUEST: &str = "Du har själv begärt ändringen. En annan administratör måste bekräfta den (principen om fyra ögon).";
const ALREADY_HANDLED: &str = "Ändringen har redan hanterats – en annan administratör hann före. Ladda om sidan för att se hur den står nu.";

/// A provider's settings as the audit log keeps them: never its secret.
pub(super) fn shown(s: &ProviderSettings) -> serde_json::Value {
    json!({
        "key": s.key, "display_name": s.display_name, "issuer_url": s.issuer_url,
        "client_id": s.client_id, "only_way_in": s.only_way_in, "active": s.active,
        "organisations": s.organisations, "email_domains": s.email_domains,
        "signs_in_staff": s.signs_in_staff, "trusts_mfa": s.trusts_mfa,
    })
}

#[derive(Template)]
#[template(path = "identity/providers.html")]
struct ProvidersPage {
    ctx: Ctx,
    providers: Vec<Provider>,
    links: Vec<LinkRow>,
    changes: Vec<ProviderChange>,
    organisations: Vec<Organisation>,
    /// The form that came back with errors: which provider (`None`: the new one), what was
    /// typed, and what is wrong.
    returned: Option<(Option<Uuid>, ProviderForm, FormErrors)>,
    public_url: String,
}

impl ProvidersPage {
    /// The form of a provider that is kept.
    fn existing(&self, provider: &Provider) -> Option<Uuid> {
        Some(provider.id)
    }

    /// The provider a form is for (`None`: the new one).
    fn find(&self, id: &Option<Uuid>) -> Option<&Provider> {
        id.and_then(|id| self.providers.iter().find(|p| p.id == id))
    }

    /// What the form shows: what was typed if it came back with errors, else what is kept.
    fn form_of(&self, id: &Option<Uuid>) -> ProviderForm {
        match &self.returned {
            Some((returned, form, _)) if returned == id => form.clone(),
            _ => self.find(id).map_or_else(
                || ProviderForm {
                    active: Some("on".into()),
                    ..ProviderForm::default()
                },
                |p| ProviderForm::of(&p.settings()),
            ),
        }
    }

    fn errors_of(&self, id: &Option<Uuid>) -> FormErrors {
        match &self.returned {
            Some((returned, _, errors)) if returned == id => errors.clone(),
            _ => FormErrors::default(),
        }
    }

    /// Each form's fields have ids of their own: `new-key`, `<id>-key`.
    fn prefix(&self, id: &Option<Uuid>) -> String {
        id.map_or_else(|| "new".to_string(), |id| id.simple().to_string())
    }

    fn action(&self, id: &Option<Uuid>) -> String {
        id.map_or_else(|| PAGE.to_string(), |id| format!("{PAGE}/{id}"))
    }

    fn redirect_uri(&self, provider: &Provider) -> String {
        provider.redirect_uri(&self.public_url)
    }

    fn logout_return(&self) -> String {
        format!("{}/logga-in", self.public_url.trim_end_matches('/'))
    }

    fn links_to(&self, provider: &Provider) -> usize {
        self.links
            .iter()
            .filter(|l| l.provider_id == provider.id && l.confirmed_at.is_some())
            .count()
    }

    /// The organisations' names, as a list to read.
    fn names(&self, ids: &[Uuid]) -> String {
        let names: Vec<&str> = self
            .organisations
            .iter()
            .filter(|o| ids.contains(&o.id))
            .map(|o| o.name.as_str())
            .collect();
        if names.is_empty() {
            "–".into()
        } else {
            names.join(", ")
        }
    }

    /// Whether the administrator looking may confirm the change (they did not ask for it).
    fn may_decide(&self, change: &ProviderChange) -> bool {
        self.ctx
            .user
            .as_ref()
            .is_some_and(|me| me.id != change.requested_by)
    }

    /// What the change does, said line by line: everything for a new provider, what differs
    /// for one that is kept.
    fn change_lines(&self, change: &ProviderChange) -> Vec<String> {
        let after = change.settings();
        let yes_no = |b: bool| if b { "ja" } else { "nej" }.to_string();
        let describe = |s: &ProviderSettings| {
            vec![
                ("Namn", s.display_name.clone()),
                ("Nyckel", s.key.clone()),
                ("Utfärdare", s.issuer_url.clone()),
                ("Klient-id", s.client_id.clone()),
                ("Organisationer", self.names(&s.organisations)),
                ("E-postdomäner", s.email_domains.join(", ")),
                (
                    "Loggar in Tillväxtverkets personal",
                    yes_no(s.signs_in_staff),
                ),
                (
                    "Litar på leverantörens flerfaktorinloggning",
                    yes_no(s.trusts_mfa),
                ),
                ("Enda sättet att logga in", yes_no(s.only_way_in)),
                ("Aktiv", yes_no(s.active)),
            ]
        };
        let before = self
            .providers
            .iter()
            .find(|p| p.id == change.provider_id)
            .map(|p| describe(&p.settings()));
        let mut lines: Vec<String> = describe(&after)
            .into_iter()
            .enumerate()
            .filter_map(|(i, (label, value))| match &before {
                None => Some(format!("{label}: {value}")),
                Some(before) if before[i].1 != value => {
                    Some(format!("{label}: {} → {value}", before[i].1))
                }
                Some(_) => None,
            })
            .collect();
        if change.client_secret.is_some() {
            lines.push("Ny klienthemlighet".into());
        }
        lines
    }
}

async fn page(
    state: &AppState,
    ctx: Ctx,
    returned: Option<(Option<Uuid>, ProviderForm, FormErrors)>,
) -> Result<ProvidersPage> {
    Ok(ProvidersPage {
        ctx,
        providers: db::providers(&state.db).await?,
        links: db::links(&state.db).await?,
        changes: db::pending_changes(&state.db).await?,
        organisations: organisations(&state.db).await?,
        returned,
        public_url: state.config.public_url.clone(),
    })
}

pub async fn list(State(state): State<AppState>, admin: CurrentUser) -> Result<Response> {
    admin.require_admin()?;
    render(&page(&state, admin.ctx, None).await?)
}

/// Asks a second administrator for a new provider (`id` = `None`) or a change: nothing is
/// in force until confirmed.
async fn save(
    state: AppState,
    admin: CurrentUser,
    id: Option<Uuid>,
    form: ProviderForm,
) -> Result<Response> {
    admin.require_admin()?;
    if let Some(id) = id {
        db::provider(&state.db, id)
            .await?
            .ok_or(AppError::NotFound)?;
    }
    let back = |errors: FormErrors| (id, form.clone(), errors);
    let known: Vec<Uuid> = organisations(&state.db)
        .await?
        .into_iter()
        .map(|o| o.id)
        .collect();
    let settings = match form.check(id.is_none(), &known, state.config.oidc_allow_local) {
        Ok(s) => s,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, admin.ctx, Some(back(errors))).await?,
            );
        }
    };
    let provider_id = id.unwrap_or_else(Uuid::new_v4);
    let mut tx = state.db.begin().await?;
    let mut errors = FormErrors::default();
    if db::provider_by_key(&mut *tx, &settings.key)
        .await?
        .is_some_and(|p| p.id != provider_id)
    {
        errors.add("key", "Nyckeln används redan av en annan leverantör.");
    } else {
        match db::ask_change(&mut tx, &state.sealer, provider_id, &settings, admin.id()).await {
            Ok(change) => {
                audit::Entry::new(
                    Some(admin.id()),
                    "identity_provider.change_requested",
                    "identity_provider",
                    provider_id,
                )
                .after(json!({
                    "change": change, "provider": shown(&settings), "new": id.is_none(),
                    "secret_changed": settings.client_secret.is_some(),
                }))
                .record(&mut tx)
                .await?;
            }
            Err(e) => match violated_constraint(&e) {
                Some("identity_provider_changes_one_pending") => errors.add(
                    "key",
                    "En ändring av leverantören väntar redan på bekräftelse. Den måste bekräftas, nekas eller dras tillbaka först.",
                ),
                Some("identity_provider_changes_one_pending_key") => errors.add(
                    "key",
                    "En annan ändring med den nyckeln väntar redan på bekräftelse.",
                ),
                _ => return Err(e.into()),
            },
        }
    }
    if !errors.is_empty() {
        tx.rollback().await?;
        return render_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            &page(&state, admin.ctx, Some(back(errors))).await?,
        );
    }
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("{PAGE}#andringar"),
        &format!(
            "{} för {} väntar nu på att en annan administratör bekräftar den (principen om fyra ögon). Till dess gäller det som är sparat.",
            if id.is_none() {
                "Den nya leverantören"
            } else {
                "Ändringen"
            },
            settings.display_name
        ),
    ))
}

pub async fn create(
    State(state): State<AppState>,
    admin: CurrentUser,
    Form(form): Form<ProviderForm>,
) -> Result<Response> {
    save(state, admin, None, form).await
}

pub async fn update(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
    Form(form): Form<ProviderForm>,
) -> Result<Response> {
    save(state, admin, Some(id), form).await
}

/// Switches a provider off at once: taking trust away needs no second administrator (a
/// provider that may be compromised is stopped now).
pub async fn switch_off(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let provider = db::provider(&mut *tx, id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !db::switch_off(&mut tx, id).await? {
        return Err(AppError::Conflict("Leverantören är redan avstängd.".into()));
    }
    audit::Entry::new(
        Some(admin.id()),
        "identity_provider.switched_off",
        "identity_provider",
        id,
    )
    .before(json!({ "active": true }))
    .after(json!({ "active": false, "key": provider.key }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        PAGE,
        &format!(
            "{} är avstängd: ingen kan logga in med den förrän en ändring som slår på den har bekräftats.",
            provider.display_name
        ),
    ))
}

/// A second administrator confirms a change: the provider takes it now.
pub async fn confirm_change(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let change = db::change(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if change.requested_by == admin.id() {
        return Err(AppError::Refused(OWN_REQUEST.into()));
    }
    if change.state != GrantState::Pending {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    if !change.existing && change.client_secret.is_none() {
        return Err(AppError::Conflict(
            "Den nya leverantören saknar klienthemlighet. Neka ändringen och begär den på nytt med hemligheten.".into(),
        ));
    }
    let before = db::provider(&mut *tx, change.provider_id).await?;
    let decided = db::decide_change(&mut tx, id, true, admin.id())
        .await
        .map_err(|e| match violated_constraint(&e) {
            Some("identity_provider_changes_four_eyes") => AppError::Refused(OWN_REQUEST.into()),
            _ => e.into(),
        })?;
    if !decided {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    if let Err(e) = db::apply_change(&mut tx, &change).await {
        return Err(match violated_constraint(&e) {
            Some("identity_providers_key_key") => AppError::Conflict(
                "Nyckeln används nu av en annan leverantör. Neka ändringen och begär den med en annan nyckel.".into(),
            ),
            _ => e.into(),
        });
    }
    let mut entry = audit::Entry::new(
        Some(admin.id()),
        if before.is_none() {
            "identity_provider.created"
        } else {
            "identity_provider.updated"
        },
        "identity_provider",
        change.provider_id,
    )
    .after(json!({
        "provider": shown(&change.settings()), "change": change.id,
        "requested_by": change.requested_by, "secret_changed": change.client_secret.is_some(),
    }));
    if let Some(before) = &before {
        entry = entry.before(shown(&before.settings()));
    }
    entry.record(&mut tx).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        PAGE,
        &format!(
            "Ändringen av {} är bekräftad och gäller från och med nu.",
            change.display_name
        ),
    ))
}

/// Refuses a change, or withdraws one's own.
pub async fn refuse_change(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<i64>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let change = db::change(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if change.state != GrantState::Pending
        || !db::decide_change(&mut tx, id, false, admin.id()).await?
    {
        return Err(AppError::Conflict(ALREADY_HANDLED.into()));
    }
    let withdrawn = change.requested_by == admin.id();
    audit::Entry::new(
        Some(admin.id()),
        if withdrawn {
            "identity_provider.change_withdrawn"
        } else {
            "identity_provider.change_refused"
        },
        "identity_provider",
        change.provider_id,
    )
    .after(json!({ "change": change.id, "provider": shown(&change.settings()) }))
    .record(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        PAGE,
        &format!(
            "Ändringen av {} är {}. Det som var sparat gäller.",
            change.display_name,
            if withdrawn { "tillbakadragen" } else { "nekad" }
        ),
    ))
}

/// An administrator confirms a link the person could not confirm themselves (no password in
/// Digikoord): at once for a coordinator, by a second administrator for a staff member.
pub async fn confirm_link(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let link = db::link(&mut tx, id).await?.ok_or(AppError::NotFound)?;
    if link.confirmed_at.is_some() {
        return Err(AppError::Conflict("Kopplingen är redan bekräftad.".into()));
    }
    if link.user_id == admin.id() {
        return Err(AppError::Refused(
            "Kopplingen gäller ditt eget konto. En annan administratör måste bekräfta den (principen om fyra ögon).".into(),
        ));
    }
    let waits =
        crate::users::confirm_identity_link(&mut tx, &state, &admin, link.user_id, id).await?;
    if !waits {
        audit::Entry::new(Some(admin.id()), "sso.linked", "identity_link", id)
            .after(json!({
                "provider": link.provider_name, "subject": link.subject, "user": link.user_id,
                "confirmed_by": "an administrator",
            }))
            .record(&mut tx)
            .await?;
    }
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("{PAGE}#kopplingar"),
        &if waits {
            format!(
                "Kopplingen mellan {} och {} väntar nu på att en annan administratör bekräftar den under Behörigheter.",
                link.user_name, link.provider_name
            )
        } else {
            format!(
                "Kopplingen mellan {} och {} är bekräftad: {} kan logga in med {}.",
                link.user_name, link.provider_name, link.user_name, link.provider_name
            )
        },
    ))
}

/// Removes a user's link to a provider: the next sign-in there links anew, to be confirmed,
/// or is refused.
pub async fn unlink(
    State(state): State<AppState>,
    admin: CurrentUser,
    Path(id): Path<Uuid>,
) -> Result<Response> {
    admin.require_admin()?;
    let mut tx = state.db.begin().await?;
    let gone = db::unlink(&mut tx, id)
        .await?
        .ok_or_else(|| AppError::Conflict("Kopplingen är redan borttagen.".into()))?;
    audit::Entry::new(Some(admin.id()), "sso.unlinked", "identity_link", id)
        .before(json!({
            "provider": gone.provider_name, "subject": gone.subject,
            "user_id": gone.user_id, "email": gone.user_email,
        }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        &format!("{PAGE}#kopplingar"),
        &format!(
            "Kopplingen mellan {} och {} är borttagen.",
            gone.user_name, gone.provider_name
        ),
    ))
}
