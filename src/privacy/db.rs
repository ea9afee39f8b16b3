//! All SQL of personal data: the accounts and contact persons an administrator looks up, the
//! setting, the register extract (every row that names a person, read from the tables the
//! inventory lists) and the anonymisation itself (the schema's `privacy_anonymise_account`
//! for the account and the audit log, then statements built from the same inventory, in one
//! transaction that says it anonymises).

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde_json::Value;
use sqlx::{PgConnection, PgExecutor, PgPool};
use uuid::Uuid;

use super::model::{Column, Found, Holds, INVENTORY, Person, Shut, Source, Treatment};
use crate::{auth::Role, error::Result, mail::model::State as MailState};

// ---- Accounts and contact persons ----

/// An account as the privacy pages show it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Account {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
    pub organisation_name: Option<String>,
    pub active: bool,
    pub deactivated_at: Option<DateTime<Utc>>,
    pub anonymised_at: Option<DateTime<Utc>>,
    /// A legal hold in force names the account: it is not anonymised while it lasts.
    pub held: bool,
}

impl Account {
    pub fn shut(&self) -> Shut {
        Shut {
            active: self.active,
            deactivated_at: self.deactivated_at,
            anonymised: self.anonymised_at.is_some(),
            held: self.held,
        }
    }
}

const ACCOUNTS: &str = "SELECT u.id, u.name, u.email, u.role, o.name AS organisation_name,
        u.active, u.deactivated_at, u.anonymised_at, privacy_held(u.id) AS held
    FROM users u LEFT JOIN organisations o ON o.id = u.organisation_id";

pub async fn account(db: impl PgExecutor<'_>, id: Uuid) -> Result<Option<Account>> {
    Ok(sqlx::query_as(&format!("{ACCOUNTS} WHERE u.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?)
}

/// The account, locked until the transaction ends: one anonymisation at a time.
pub async fn account_for_update(conn: &mut PgConnection, id: Uuid) -> Result<Option<Account>> {
    Ok(
        sqlx::query_as(&format!("{ACCOUNTS} WHERE u.id = $1 FOR UPDATE OF u"))
            .bind(id)
            .fetch_optional(conn)
            .await?,
    )
}

/// Accounts whose name or address holds what was typed (at most 50).
pub async fn search_accounts(db: &PgPool, typed: &str) -> Result<Vec<Account>> {
    Ok(sqlx::query_as(&format!(
        "{ACCOUNTS} WHERE strpos(lower(u.name), lower($1)) > 0 OR strpos(u.email, lower($1)) > 0
         ORDER BY u.name, u.email LIMIT 50"
    ))
    .bind(typed)
    .fetch_all(db)
    .await?)
}

/// A contact person without an account: an address Digikoord holds (a requisition's
/// contact, the network's directory and registrations, mail), with a name it goes by.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Contact {
    pub email: String,
    pub name: Option<String>,
}

/// Every address a contact person without an account is known by, with its names.
const CONTACTS: &str = "SELECT lower(btrim(contact_email)) AS email, contact_name AS name
        FROM requisitions WHERE contact_email IS NOT NULL
    UNION ALL SELECT email, name FROM network_contacts WHERE user_id IS NULL
    UNION ALL SELECT email, name FROM network_registrations
    UNION ALL SELECT lower(to_address), NULLIF(btrim(to_name), '') FROM outbox WHERE user_id IS NULL";

/// Contact persons without an account whose address holds what was typed (at most 50).
pub async fn search_contacts(db: &PgPool, typed: &str) -> Result<Vec<Contact>> {
    Ok(sqlx::query_as(&format!(
        "SELECT c.email, min(c.name) AS name FROM ({CONTACTS}) c
         WHERE strpos(c.email, lower($1)) > 0
           AND NOT EXISTS (SELECT 1 FROM users u WHERE u.email = c.email)
         GROUP BY c.email ORDER BY c.email LIMIT 50"
    ))
    .bind(typed.trim())
    .fetch_all(db)
    .await?)
}

/// The account with every name and address it has gone by.
pub async fn person_of(db: &PgPool, id: Uuid) -> Result<Person> {
    let (names, emails): (Vec<String>, Vec<String>) =
        sqlx::query_as("SELECT privacy_known_names($1), privacy_known_emails($1)")
            .bind(id)
            .fetch_one(db)
            .await?;
    let current: Option<(String, String)> =
        sqlx::query_as("SELECT name, email FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(db)
            .await?;
    Ok(Person {
        user_id: Some(id),
        // The name and address it has now first.
        names: first(current.as_ref().map(|c| c.0.clone()), names),
        emails: first(current.map(|c| c.1), emails),
    })
}

fn first(now: Option<String>, all: Vec<String>) -> Vec<String> {
    let mut ordered: Vec<String> = now.into_iter().collect();
    for one in all {
        if !ordered.contains(&one) {
            ordered.push(one);
        }
    }
    ordered
}

/// The contact person known by `email`, with every name they go by there; `None` when
/// Digikoord holds the address nowhere a contact's is kept.
pub async fn contact(db: &PgPool, email: &str) -> Result<Option<Person>> {
    let names: Vec<Option<String>> = sqlx::query_scalar(&format!(
        "SELECT DISTINCT c.name FROM ({CONTACTS}) c WHERE c.email = $1 ORDER BY c.name"
    ))
    .bind(email)
    .fetch_all(db)
    .await?;
    if names.is_empty() {
        return Ok(None);
    }
    Ok(Some(Person {
        user_id: None,
        names: names
            .into_iter()
            .flatten()
            .filter(|n| !n.trim().is_empty())
            .collect(),
        emails: vec![email.to_string()],
    }))
}

/// The account an address belongs to, if one does.
pub async fn account_by_email(db: &PgPool, email: &str) -> Result<Option<Uuid>> {
    Ok(sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
        .bind(email)
        .fetch_optional(db)
        .await?)
}

/// Shut accounts not yet anonymised that were deactivated (a staff account that never came
/// into use was not), the longest shut first.
pub async fn shut_accounts(db: impl PgExecutor<'_>) -> Result<Vec<Account>> {
    Ok(sqlx::query_as(&format!(
        "{ACCOUNTS} WHERE NOT u.active AND u.anonymised_at IS NULL AND u.deactivated_at IS NOT NULL
         ORDER BY u.deactivated_at, u.name"
    ))
    .fetch_all(db)
    .await?)
}

/// How many accounts have been anonymised.
pub async fn anonymised_count(db: impl PgExecutor<'_>) -> Result<i64> {
    Ok(
        sqlx::query_scalar("SELECT count(*) FROM users WHERE anonymised_at IS NOT NULL")
            .fetch_one(db)
            .await?,
    )
}

// ---- The setting ----

/// After how long a shut account is anonymised, who saved it and when: an account that
/// was already due then waits for an administrator's confirmation.
#[derive(Clone, Debug)]
pub struct Settings {
    pub months: Option<u32>,
    pub saved_by_name: Option<String>,
    pub saved_at: DateTime<Utc>,
}

pub async fn settings(db: impl PgExecutor<'_>) -> Result<Settings> {
    let (months, saved_by_name, saved_at): (Option<i32>, Option<String>, DateTime<Utc>) =
        sqlx::query_as(
            "SELECT s.anonymise_after_months, u.name, s.saved_at
             FROM privacy_settings s LEFT JOIN users u ON u.id = s.saved_by",
        )
        .fetch_one(db)
        .await?;
    Ok(Settings {
        months: months.and_then(|m| u32::try_from(m).ok()),
        saved_by_name,
        saved_at,
    })
}

/// Sets the months (`None`: never), saved now; returns what they were.
pub async fn save_settings(
    conn: &mut PgConnection,
    months: Option<u32>,
    by: Uuid,
) -> Result<Option<u32>> {
    let before: Option<i32> =
        sqlx::query_scalar("SELECT anonymise_after_months FROM privacy_settings FOR UPDATE")
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "UPDATE privacy_settings SET anonymise_after_months = $1, saved_by = $2, saved_at = now()",
    )
    .bind(months.and_then(|m| i32::try_from(m).ok()))
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(before.and_then(|m| u32::try_from(m).ok()))
}

/// Records, in the anonymisation's transaction, that the administrator `by` confirmed it:
/// what the schema asks of an account that was already due when the time was saved (its
/// trigger refuses anyone but an active administrator, and an account not due or held).
pub async fn confirm(conn: &mut PgConnection, id: Uuid, by: Uuid) -> Result<()> {
    sqlx::query("INSERT INTO privacy_confirmations (user_id, confirmed_by) VALUES ($1, $2)")
        .bind(id)
        .bind(by)
        .execute(conn)
        .await?;
    Ok(())
}

// ---- The retention classes the record of processing names ----

/// Each kind of record with its Swedish name and its class as an administrator set it.
pub async fn retention_classes(
    db: impl PgExecutor<'_>,
) -> Result<Vec<(crate::retention::model::Kind, String, String)>> {
    Ok(crate::retention::db::kinds(db)
        .await?
        .into_iter()
        .map(|k| {
            let class = k.class().label();
            (k.kind, k.name, class)
        })
        .collect())
}

// ---- What the schema holds now ----

/// Every column of every table, with its type: the inventory is read against it, so a
/// table or column it names that is not (or no longer) there is passed over, not an error.
async fn columns(conn: &mut PgConnection) -> Result<BTreeMap<String, BTreeMap<String, String>>> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut tables: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for (table, column, kind) in rows {
        tables.entry(table).or_default().insert(column, kind);
    }
    Ok(tables)
}

// ---- The register extract ----

/// Rows about an account that name it by its id as text rather than in a column of ids:
/// an audit entry about the account, a legal hold on it.
const ABOUT_THE_ACCOUNT: &[&str] = &["audit_log", "legal_holds"];

/// The query for the rows of `source` that name the person: by their account's id, or by
/// a name or address of theirs in any column that may hold one. `None` when the table holds
/// nothing to look in. Binds: `$1` the account (or NULL), `$2` what to look for in text,
/// `$3` the columns to leave out.
fn extract_query(source: &Source, has: &BTreeMap<String, String>) -> Option<String> {
    let mut found_by: Vec<String> = source
        .columns
        .iter()
        .filter(|c| has.contains_key(c.name))
        .filter_map(|c| match c.holds {
            Holds::UserId => Some(format!("t.{} = $1", c.name)),
            h if h.searched_as_text() => Some(format!("privacy_mentions(t.{}::text, $2)", c.name)),
            _ => None,
        })
        .collect();
    if ABOUT_THE_ACCOUNT.contains(&source.table)
        && has.contains_key("entity")
        && has.contains_key("entity_id")
    {
        found_by.push("(t.entity = 'user' AND t.entity_id = $1::text)".to_string());
    }
    if found_by.is_empty() {
        return None;
    }
    Some(format!(
        "SELECT to_jsonb(t) - $3::text[] FROM {} t WHERE {} LIMIT {MAX_ROWS}",
        source.table,
        found_by.join(" OR ")
    ))
}

/// At most this many rows of one table in an extract.
const MAX_ROWS: i64 = 10_000;

/// What the extract leaves out of a table's rows: secrets, and the bytes of files (a kept
/// document is named by its row, not copied into the extract).
fn hidden(source: &Source, has: &BTreeMap<String, String>) -> Vec<String> {
    let mut hidden: Vec<String> = source
        .columns
        .iter()
        .filter(|c| c.holds.hidden())
        .map(|c| c.name.to_string())
        .collect();
    for (column, kind) in has {
        if kind == "bytea" && !hidden.contains(column) {
            hidden.push(column.clone());
        }
    }
    hidden
}

/// Every row that names the person, table by table, read as of one moment.
pub async fn extract(db: &PgPool, person: &Person) -> Result<Vec<Found>> {
    let mut tx = crate::db::begin_snapshot(db).await?;
    let tables = columns(&mut tx).await?;
    let needles = person.needles();
    let mut found = Vec::new();
    for source in INVENTORY {
        let Some(has) = tables.get(source.table) else {
            tracing::warn!(
                table = source.table,
                "the privacy inventory names a table the schema lacks"
            );
            continue;
        };
        let Some(query) = extract_query(source, has) else {
            continue;
        };
        let rows: Vec<Value> = sqlx::query_scalar(&query)
            .bind(person.user_id)
            .bind(&needles)
            .bind(hidden(source, has))
            .fetch_all(&mut *tx)
            .await?;
        if !rows.is_empty() {
            found.push(Found {
                table: source.table,
                heading: source.heading,
                rows,
            });
        }
    }
    tx.commit().await?;
    Ok(found)
}

// ---- Anonymisation ----

/// The statement that replaces the person's names and addresses in `source`, built from
/// the inventory's treatments; `None` when nothing in the table is replaced. Binds: `$2`
/// their names, `$3` the same lower-cased, `$4` their addresses (lower-case), `$5` the
/// pseudonym, `$6` its address.
fn anonymise_query(source: &Source, has: &BTreeMap<String, String>) -> Option<String> {
    let theirs = |c: &Column| match c.holds {
        Holds::Name => Some(format!("lower(btrim({})) = ANY ($3)", c.name)),
        Holds::Email => Some(format!("lower(btrim({})) = ANY ($4)", c.name)),
        _ => None,
    };
    let named = |with: &[&str]| -> Option<String> {
        let any: Vec<String> = with
            .iter()
            .filter(|w| has.contains_key(**w))
            .filter_map(|w| source.column(w))
            .filter_map(theirs)
            .collect();
        (!any.is_empty()).then(|| format!("({})", any.join(" OR ")))
    };
    let mut sets = Vec::new();
    let mut found_by = Vec::new();
    for c in source.columns.iter().filter(|c| has.contains_key(c.name)) {
        let n = c.name;
        match c.treatment {
            // An address is the person's when it is one of theirs; a name is replaced
            // whole when it is theirs, and scrubbed as text when it holds theirs ("Mirja
            // Ek, regiondirektör"). An address is never scrubbed by a name: it stays an
            // address.
            Treatment::Pseudonym if c.holds == Holds::Email => {
                let Some(cond) = theirs(c) else { continue };
                sets.push(format!("{n} = CASE WHEN {cond} THEN $6 ELSE {n} END"));
                found_by.push(cond);
            }
            Treatment::Pseudonym => {
                let Some(cond) = theirs(c) else { continue };
                sets.push(format!(
                    "{n} = CASE WHEN {cond} THEN $5 ELSE privacy_scrub({n}, $2, $4, $5, $6) END"
                ));
                found_by.push(cond);
                found_by.push(format!("privacy_mentions({n}, $2 || $4)"));
            }
            Treatment::Scrub => {
                sets.push(format!("{n} = privacy_scrub({n}, $2, $4, $5, $6)"));
                found_by.push(format!("privacy_mentions({n}, $2 || $4)"));
            }
            Treatment::EmptyWith(with) | Treatment::NullWith(with) => {
                let Some(cond) = named(with) else { continue };
                let to = if matches!(c.treatment, Treatment::EmptyWith(_)) {
                    "''"
                } else {
                    "NULL"
                };
                sets.push(format!("{n} = CASE WHEN {cond} THEN {to} ELSE {n} END"));
                found_by.push(cond);
            }
            Treatment::Keep | Treatment::DeleteRows | Treatment::Special(_) => {}
        }
    }
    if sets.is_empty() {
        return None;
    }
    found_by.dedup();
    Some(format!(
        "UPDATE {} SET {} WHERE {}",
        source.table,
        sets.join(", "),
        found_by.join(" OR ")
    ))
}

/// The statements that remove the person's own rows (`$1`: their account).
fn delete_queries(source: &Source, has: &BTreeMap<String, String>) -> Vec<String> {
    source
        .columns
        .iter()
        .filter(|c| c.treatment == Treatment::DeleteRows && has.contains_key(c.name))
        .map(|c| format!("DELETE FROM {} WHERE {} = $1", source.table, c.name))
        .collect()
}

/// What the anonymisation did: rows changed or removed, and the audit log's entries
/// rewritten.
#[derive(Clone, Copy, Debug, Default)]
pub struct Done {
    pub rows: u64,
    pub audit_entries: i64,
}

/// Replaces the shut account's personal data everywhere by `pseudonym` and its address, in
/// the caller's transaction, which this marks as an anonymisation. The caller has locked
/// the account and checked that it is due (and, for an account that was due before the time
/// was saved, recorded the administrator's confirmation, `confirm`); the schema checks it all
/// again (`privacy_anonymise_account`: shut, not anonymised, not held, due since the time was
/// saved or confirmed now) before it replaces the account's name and address, marks it
/// anonymised and rewrites the audit log. Its guards let the rest through for this account
/// only (`migrations/…_privacy.sql`).
pub async fn anonymise(
    tx: &mut PgConnection,
    id: Uuid,
    pseudonym: &str,
    pseudonym_email: &str,
) -> Result<Done> {
    sqlx::query("SELECT set_config('digikoord.anonymising', 'on', true)")
        .execute(&mut *tx)
        .await?;
    // Every name and address they have gone by, read before any is replaced.
    let (names, names_lower, emails): (Vec<String>, Vec<String>, Vec<String>) = sqlx::query_as(
        "SELECT n.names, ARRAY(SELECT lower(btrim(x)) FROM unnest(n.names) x), privacy_known_emails($1)
         FROM (SELECT privacy_known_names($1) AS names) n",
    )
    .bind(id)
    .fetch_one(&mut *tx)
    .await?;
    let mut done = Done::default();

    // The account and the audit log first: the function checks that the account may be
    // anonymised, and marks it so, which is what lets the rest through.
    let audit_entries: i32 = sqlx::query_scalar("SELECT privacy_anonymise_account($1)")
        .bind(id)
        .fetch_one(&mut *tx)
        .await?;
    done.audit_entries = i64::from(audit_entries);

    // Mail to them: emptied, and what still waited is never sent.
    done.rows += sqlx::query(
        "UPDATE outbox SET to_address = $3, to_name = $4,
             subject = 'Meddelande till en anonymiserad användare', body_text = '', body_html = '',
             sealed_text = NULL, sealed_html = NULL, occasion = NULL,
             state = CASE WHEN state = $5 THEN $6 ELSE state END,
             last_error = CASE WHEN state = $5
                 THEN 'Mottagarens personuppgifter anonymiserades innan meddelandet skickades.'
                 ELSE last_error END
         WHERE user_id = $1 OR lower(btrim(to_address)) = ANY ($2)",
    )
    .bind(id)
    .bind(&emails)
    .bind(pseudonym_email)
    .bind(pseudonym)
    .bind(MailState::Queued)
    .bind(MailState::Failed)
    .execute(&mut *tx)
    .await?
    .rows_affected();

    let tables = columns(&mut *tx).await?;
    for source in INVENTORY {
        let Some(has) = tables.get(source.table) else {
            continue;
        };
        for query in delete_queries(source, has) {
            done.rows += sqlx::query(&query)
                .bind(id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
        }
    }
    for source in INVENTORY {
        let Some(has) = tables.get(source.table) else {
            continue;
        };
        let Some(query) = anonymise_query(source, has) else {
            continue;
        };
        done.rows += sqlx::query(&query)
            .bind(id)
            .bind(&names)
            .bind(&names_lower)
            .bind(&emails)
            .bind(pseudonym)
            .bind(pseudonym_email)
            .execute(&mut *tx)
            .await?
            .rows_affected();
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::privacy::model::source;

    fn all_columns(source: &Source) -> BTreeMap<String, String> {
        source
            .columns
            .iter()
            .map(|c| (c.name.to_string(), "text".to_string()))
            .collect()
    }

    #[test]
    fn an_extract_finds_rows_by_the_account_and_by_names_and_addresses_in_text() {
        let s = source("requisition_messages").expect("listed");
        assert_eq!(
            extract_query(s, &all_columns(s)).as_deref(),
            Some(
                "SELECT to_jsonb(t) - $3::text[] FROM requisition_messages t WHERE t.author_id = $1 OR privacy_mentions(t.body::text, $2) LIMIT 10000"
            )
        );
        // A column the table lacks is passed over.
        let mut has = all_columns(s);
        has.remove("body");
        assert_eq!(
            extract_query(s, &has).as_deref(),
            Some(
                "SELECT to_jsonb(t) - $3::text[] FROM requisition_messages t WHERE t.author_id = $1 LIMIT 10000"
            )
        );
    }

    #[test]
    fn an_extract_finds_the_audit_entries_and_legal_holds_about_the_account() {
        for table in ["audit_log", "legal_holds"] {
            let s = source(table).expect("listed");
            let mut has = all_columns(s);
            has.insert("entity".into(), "text".into());
            has.insert("entity_id".into(), "text".into());
            let query = extract_query(s, &has).expect("a query");
            assert!(
                query.contains(" OR (t.entity = 'user' AND t.entity_id = $1::text) LIMIT"),
                "{query}"
            );
        }
        let s = source("requisition_messages").expect("listed");
        let mut has = all_columns(s);
        has.insert("entity".into(), "text".into());
        has.insert("entity_id".into(), "text".into());
        assert!(
            !extract_query(s, &has)
                .expect("a query")
                .contains("t.entity =")
        );
    }

    #[test]
    fn an_extract_leaves_out_secrets_and_the_bytes_of_files() {
        let s = source("sessions").expect("listed");
        let mut has = all_columns(s);
        has.insert("id_hash".into(), "bytea".into());
        let hidden = hidden(s, &has);
        for secret in ["id_hash", "csrf_token", "totp_setup_secret", "id_token"] {
            assert!(hidden.contains(&secret.to_string()), "{secret}");
        }
        assert!(!hidden.contains(&"user_id".to_string()));
    }

    #[test]
    fn anonymising_replaces_names_and_addresses_empties_what_goes_with_them_and_scrubs_text() {
        let s = source("requisitions").expect("listed");
        let query = anonymise_query(s, &all_columns(s)).expect("a statement");
        assert!(query.starts_with("UPDATE requisitions SET "), "{query}");
        // A name that is theirs becomes the pseudonym; one that holds theirs is scrubbed.
        assert!(
            query.contains(
                "contact_name = CASE WHEN lower(btrim(contact_name)) = ANY ($3) THEN $5 ELSE privacy_scrub(contact_name, $2, $4, $5, $6) END"
            ),
            "{query}"
        );
        assert!(
            query.contains(" OR privacy_mentions(contact_name, $2 || $4)"),
            "{query}"
        );
        assert!(
            query.contains(
                "contact_email = CASE WHEN lower(btrim(contact_email)) = ANY ($4) THEN $6 ELSE contact_email END"
            ),
            "{query}"
        );
        assert!(
            query.contains("contact_phone = CASE WHEN (lower(btrim(contact_name)) = ANY ($3) OR lower(btrim(contact_email)) = ANY ($4)) THEN '' ELSE contact_phone END"),
            "{query}"
        );
        assert!(
            query.contains("state_note = privacy_scrub(state_note, $2, $4, $5, $6)"),
            "{query}"
        );
        // An address stays an address: replaced when it is theirs, never scrubbed by a name.
        assert!(!query.contains("privacy_scrub(contact_email"), "{query}");
        // The signatory's title is typed text: scrubbed where it names them.
        assert!(
            query.contains("signatory_title = privacy_scrub(signatory_title, $2, $4, $5, $6)"),
            "{query}"
        );
        assert!(
            query.contains(" WHERE lower(btrim(contact_name)) = ANY ($3) OR "),
            "{query}"
        );
        let settings = source("network_settings").expect("listed");
        let query = anonymise_query(settings, &all_columns(settings)).expect("a statement");
        assert!(query.contains("THEN NULL ELSE contact_name END"), "{query}");
    }

    #[test]
    fn the_persons_own_rows_are_removed_by_their_account() {
        let s = source("network_contacts").expect("listed");
        assert_eq!(
            delete_queries(s, &all_columns(s)),
            vec!["DELETE FROM network_contacts WHERE user_id = $1".to_string()]
        );
        let users = source("users").expect("listed");
        assert!(delete_queries(users, &all_columns(users)).is_empty());
        // The account and the audit log have statements of their own.
        assert!(anonymise_query(users, &all_columns(users)).is_none());
        let audit = source("audit_log").expect("listed");
        assert!(anonymise_query(audit, &all_columns(audit)).is_none());
    }

    #[test]
    fn a_table_with_only_ids_is_left_as_it_is() {
        let s = source("payouts").expect("listed");
        let query = anonymise_query(s, &all_columns(s)).expect("the reason is scrubbed");
        assert_eq!(
            query,
            "UPDATE payouts SET sent_back_reason = privacy_scrub(sent_back_reason, $2, $4, $5, $6) WHERE privacy_mentions(sent_back_reason, $2 || $4)"
        );
        let grants = source("role_grants").expect("listed");
        assert!(anonymise_query(grants, &all_columns(grants)).is_none());
        assert!(delete_queries(grants, &all_columns(grants)).is_empty());
    }
}
