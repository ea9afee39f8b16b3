//! The administrator's side: the providers, and every user's links to them.

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
    db::{self, LinkRow},
    model::{Provider, ProviderForm},
};
use crate::{
    AppState, audit,
    auth::{Ctx, CurrentUser},
    error::{AppError, Result, violated_constraint},
    web::{FormErrors, filters, redirect_with_flash, render, render_status},
};

#[derive(Template)]
#[template(path = "identity/providers.html")]
struct ProvidersPage {
    ctx: Ctx,
    providers: Vec<Provider>,
    links: Vec<LinkRow>,
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
                |p| ProviderForm {
                    key: p.key.clone(),
                    display_name: p.display_name.clone(),
                    issuer_url: p.issuer_url.clone(),
                    client_id: p.client_id.clone(),
                    client_secret: String::new(),
                    only_way_in: p.only_way_in.then(|| "on".into()),
                    active: p.active.then(|| "on".into()),
                },
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
        id.map_or_else(
            || "/admin/inloggning".to_string(),
            |id| format!("/admin/inloggning/{id}"),
        )
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
            .filter(|l| l.provider_name == provider.display_name)
            .count()
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
        returned,
        public_url: state.config.public_url.clone(),
    })
}

pub async fn list(State(state): State<AppState>, admin: CurrentUser) -> Result<Response> {
    admin.require_admin()?;
    render(&page(&state, admin.ctx, None).await?)
}

/// Saves a new provider (`id` = `None`) or an edit.
async fn save(
    state: AppState,
    admin: CurrentUser,
    id: Option<Uuid>,
    form: ProviderForm,
) -> Result<Response> {
    admin.require_admin()?;
    let before = match id {
        Some(id) => Some(
            db::provider(&state.db, id)
                .await?
                .ok_or(AppError::NotFound)?,
        ),
        None => None,
    };
    let back = |errors: FormErrors| (id, form.clone(), errors);
    let settings = match form.check(id.is_none()) {
        Ok(s) => s,
        Err(errors) => {
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, admin.ctx, Some(back(errors))).await?,
            );
        }
    };
    let new_id = id.unwrap_or_else(Uuid::new_v4);
    let mut tx = state.db.begin().await?;
    let saved = match id {
        None => db::insert_provider(&mut tx, &state.sealer, new_id, &settings).await,
        Some(id) => db::update_provider(&mut tx, &state.sealer, id, &settings)
            .await
            .map(|_| ()),
    };
    if let Err(e) = saved {
        if violated_constraint(&e) == Some("identity_providers_key_key") {
            tx.rollback().await?;
            let mut errors = FormErrors::default();
            errors.add("key", "Nyckeln används redan av en annan leverantör.");
            return render_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                &page(&state, admin.ctx, Some(back(errors))).await?,
            );
        }
        return Err(e.into());
    }
    // The secret is never written to the log.
    let shown = |p: &Provider| {
        json!({
            "key": p.key, "display_name": p.display_name, "issuer_url": p.issuer_url,
            "client_id": p.client_id, "only_way_in": p.only_way_in, "active": p.active,
        })
    };
    let after = db::provider(&mut *tx, new_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut entry = audit::Entry::new(
        Some(admin.id()),
        if id.is_none() {
            "identity_provider.created"
        } else {
            "identity_provider.updated"
        },
        "identity_provider",
        new_id,
    )
    .after(json!({
        "provider": shown(&after),
        "secret_changed": settings.client_secret.is_some(),
    }));
    if let Some(before) = &before {
        entry = entry.before(shown(before));
    }
    entry.record(&mut tx).await?;
    tx.commit().await?;
    Ok(redirect_with_flash(
        "/admin/inloggning",
        &format!("Inloggningen med {} är sparad.", after.display_name),
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

/// Removes a user's link to a provider: the next sign-in there links anew, by a verified
/// address, or is refused.
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
        "/admin/inloggning#kopplingar",
        &format!(
            "Kopplingen mellan {} och {} är borttagen.",
            gone.user_name, gone.provider_name
        ),
    ))
}
