//! Personal data (GDPR): what Digikoord holds about a person, shown to them; a shut
//! account's personal data replaced by a pseudonym once an administrator's time has passed;
//! and the record of processing. Administrators only, under *Personuppgifter*.
//!
//! # What is held, and where (`model::INVENTORY`)
//!
//! One table lists every table and column that can hold a person's name, e-mail address,
//! phone number, free text about them or their account's id — with why it is kept, the
//! legal basis (GDPR art. 6.1 e for the administration of the funds, 6.1 c for what the
//! archive, secrecy and administrative laws demand), how long (the retention class an
//! administrator set, `crate::retention`, where one applies) and what anonymising does to
//! it. The extract, the anonymisation and the record of processing are all read from it,
//! and a test of the schema (`tests/it/privacy.rs`) fails when a column that may hold
//! personal data is in neither it nor `model::NOT_PERSONAL`.
//!
//! # Register extract (`/admin/personuppgifter`)
//!
//! An administrator finds a person by name or address — an account, or a contact person
//! without one (a requisition's contact, the network's directory and registrations, mail) —
//! and gets every row that names them: by their account's id (also where an audit entry or a
//! legal hold names the account as its subject), or by any name or address they
//! have gone by (`privacy_known_names`/`_emails` in the schema: the account's, its directory
//! entry's, its identity links', a confirmed change of address, what the audit log recorded)
//! in any column that may hold one, table by table under Swedish headings, as a page and as
//! JSON to hand over. Secrets (password hashes, keys, tokens) and the bytes of kept files
//! are left out; a kept PDF/A is named by its row. Each extract is audited
//! (`privacy.extract_made`).
//!
//! # Anonymisation (`/admin/personuppgifter/anonymisering`)
//!
//! An administrator sets after how many months a deactivated account is anonymised (none
//! set: never; `privacy_settings`, audited, with when it was saved). The schema dates each
//! deactivation (`users.deactivated_at`, which the server cannot write); "today" is the
//! app's clock. Nothing irreversible happens on one click: the server's hourly run
//! (`spawn_worker`, `anonymise_due`) takes only accounts that became due after the time was
//! last saved; an account that was already due then (saving a shorter time can make many
//! due at once) is listed on the confirmation page and anonymised only when an
//! administrator confirms it there (`privacy_confirmations`, written in its transaction).
//! An account that a legal hold names (`legal_holds`, entity `user`: a pending appeal, a
//! request for documents) is not anonymised while the hold lasts; the page says so. The
//! page lists every shut account with where it stands (`model::Turn`). In one transaction
//! per account (`db::anonymise`) the name becomes a
//! stable pseudonym made from a hash of the account's id ("Anonymiserad användare 7AC1B8"),
//! the address one no mail reaches, the password, second factor, sessions, links, devices
//! and directory entry go; the person's names and addresses copied elsewhere — a
//! requisition's contact and signatory, mail to them (emptied; what waited is not sent),
//! login attempts, messages and notes, the audit log's recorded values — become the
//! pseudonym's. Cases, payouts, decisions and the audit trail keep their integrity: they
//! refer to the account by its id, so they now show the pseudonym, and a decision still
//! shows the role its people had. What a trigger freezes (`inventory::FROZEN`: decision
//! records, kept PDF/A, exports, archive packages, the bank's files, interest decisions,
//! legal holds, the disposal log, requests for public documents) is not changed, also where
//! a text in it names the person; the record of processing lists it. Everything else that
//! may hold a typed name is scrubbed: a name as a whole value or as words of its own in a
//! text, an address as an address, also as a mail's HTML writes them; the audit log's
//! recorded values value by value (keys, numbers and other entries stay as they are).
//!
//! The schema checks each anonymisation for itself, whoever asks: one function the
//! schema's owner runs, `privacy_anonymise_account`, for one account at a time, in a
//! transaction that says it anonymises (`digikoord.anonymising`), refuses an account that
//! is active, anonymised already or held, or that is neither due since the time was saved
//! (by the database's clock) nor confirmed by an administrator in the same transaction; it
//! replaces the account's name and address, marks it anonymised (once), and rewrites the
//! audit log's recorded values. The guards on the audit log, on staff addresses' requests
//! and on staff second factors let an anonymisation through only for the account so marked
//! in that transaction — the flag alone lets nothing through. The account can't be
//! activated again (`users_anonymised_for_good`). Each anonymisation is audited with the
//! pseudonym only (`privacy.anonymised`).
//!
//! # Record of processing (`/admin/personuppgifter/behandlingar`)
//!
//! The inventory as a table: what personal data, why, on what basis, how long, and what
//! anonymisation does; and which tables are frozen, so kept as they are.
//!
//! `inventory.rs`: the table of what is held where; `model.rs`: what its entries mean, the pseudonym, when an account is due, the setting (pure,
//! unit-tested); `db.rs`: all SQL, the extract's and the anonymisation's statements built
//! from the inventory; `handlers.rs`: the pages. `templates/privacy/`.

pub mod db;
mod handlers;
mod inventory;
pub mod model;

use std::time::Duration;

use axum::{Router, routing::get};
use serde_json::json;
use uuid::Uuid;

use crate::{AppState, audit, error::Result};

pub fn router() -> Router<AppState> {
    use handlers as h;
    Router::new()
        .route("/admin/personuppgifter", get(h::index))
        .route("/admin/personuppgifter/behandlingar", get(h::processing))
        .route(
            "/admin/personuppgifter/anonymisering",
            get(h::anonymisation).post(h::save_settings),
        )
        .route(
            "/admin/personuppgifter/anonymisering/bekrafta",
            get(h::confirm_page).post(h::confirm),
        )
        .route("/admin/personuppgifter/kontakt", get(h::contact_extract))
        .route(
            "/admin/personuppgifter/kontakt/json",
            get(h::contact_extract_json),
        )
        .route("/admin/personuppgifter/{id}", get(h::extract))
        .route("/admin/personuppgifter/{id}/json", get(h::extract_json))
}

/// Anonymises one shut account, in one transaction with its audit entry: its pseudonym, or
/// `None` when it may not be anonymised now. `by` is the administrator who confirmed it on
/// the confirmation page (any due account not under a legal hold; the confirmation is
/// recorded in the transaction), `None` for the server's own hourly run (only an account
/// that became due after the time was last saved).
pub async fn anonymise(state: &AppState, id: Uuid, by: Option<Uuid>) -> Result<Option<String>> {
    let today = state.clock.today();
    let mut tx = state.db.begin().await?;
    let settings = db::settings(&mut *tx).await?;
    let Some(account) = db::account_for_update(&mut tx, id).await? else {
        return Ok(None);
    };
    let turn = model::turn(&account.shut(), settings.months, settings.saved_at, today);
    match by {
        Some(admin) if turn.may_be_confirmed() => db::confirm(&mut tx, id, admin).await?,
        None if turn == model::Turn::Automatic => {}
        _ => return Ok(None),
    }
    let pseudonym = model::pseudonym(id);
    let done = db::anonymise(&mut tx, id, &pseudonym, &model::pseudonym_email(id)).await?;
    audit::Entry::new(by, "privacy.anonymised", "user", id)
        .after(json!({ "pseudonym": pseudonym }))
        .record(&mut tx)
        .await?;
    tx.commit().await?;
    tracing::info!(
        rows = done.rows,
        audit_entries = done.audit_entries,
        %pseudonym,
        "personal data anonymised"
    );
    Ok(Some(pseudonym))
}

/// Anonymises every shut account that became due after the time was last saved (the
/// administrator's time since its deactivation has passed, by the app's clock) and that no
/// legal hold names; returns how many. Accounts that were already due when the time was
/// saved wait for an administrator's confirmation. What the server runs every hour
/// (`spawn_worker`); two servers at once each take an account in turn, and the second finds
/// it done.
pub async fn anonymise_due(state: &AppState) -> Result<usize> {
    let settings = db::settings(&state.db).await?;
    if settings.months.is_none() {
        return Ok(0);
    }
    let today = state.clock.today();
    let mut anonymised = 0;
    for account in db::shut_accounts(&state.db).await? {
        let turn = model::turn(&account.shut(), settings.months, settings.saved_at, today);
        if turn == model::Turn::Automatic && anonymise(state, account.id, None).await?.is_some() {
            anonymised += 1;
        }
    }
    Ok(anonymised)
}

/// How often the server looks for accounts due to be anonymised.
const ANONYMISE_INTERVAL: Duration = Duration::from_secs(60 * 60);

/// Runs `anonymise_due` inside the server every hour (the first time a minute after start).
pub fn spawn_worker(state: &AppState) {
    let state = state.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let mut tick = tokio::time::interval(ANONYMISE_INTERVAL);
        loop {
            tick.tick().await;
            match anonymise_due(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(anonymised = n, "shut accounts anonymised"),
                Err(e) => tracing::warn!(error = ?e, "anonymising shut accounts failed"),
            }
        }
    });
}
