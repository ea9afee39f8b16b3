//! Personal data over HTTP, as an administrator handles it: a register extract holds every
//! row that names the person — checked row by row against a scan of every text and JSON
//! column and every reference to an account in every table of the schema, not against the
//! inventory the extract is made from — and after a shut account is anonymised no table
//! holds the person's name or address but those a trigger freezes, which the record of
//! processing names (the bytes of frozen documents, PDF/A and kept exports, are not text
//! and are not scanned: they are kept as they were made), while the figures of a year in
//! which the person's region was paid and reported, the kept exports and the decisions are
//! as they were, the decisions showing the pseudonym with the role. Accounts already due
//! when the time is saved wait for an administrator's confirmation, the hourly run takes
//! only those that became due after, a legal hold keeps an account as it is, and the schema
//! refuses what the pages would not do. The schema's test holds the inventory to every
//! column that may hold personal data, and the frozen tables to their triggers.

use std::collections::{BTreeMap, BTreeSet};

use digikoord::{auth::Role, privacy::model};
use reqwest::StatusCode;
use serde_json::Value;
use uuid::Uuid;

use crate::{
    PASSWORD, TestApp,
    steps::{
        STOCKHOLM, approve, approve_payout, approve_report, complete, count, file,
        fill_in_everything, live_payout, on, org_id, pay_payout, requisition_id,
        return_requisition, send_in, start_report, submit_report, with,
    },
};

/// The coordinator: a name with an apostrophe, which a mail's HTML writes escaped.
const NAME: &str = "Mirja O'Raderasson";
/// The coordinator's name as the HTML of a mail writes it.
const NAME_IN_HTML: &str = "Mirja O&#39;Raderasson";
const EMAIL: &str = "mirja.raderasson@region-stockholm.example";
const OFFICER_NAME: &str = "Olle Officersson";
const OFFICER_EMAIL: &str = "olle.officersson@tillvaxtverket.example";
/// Deactivated, but not long enough ago: stays as it is.
const RECENT_NAME: &str = "Nils Nyligen";
const RECENT_EMAIL: &str = "nils.nyligen@region-stockholm.example";
/// Deactivated long ago, but a legal hold names the account: stays as it is.
const HELD_NAME: &str = "Hilda Hållsson";
const HELD_EMAIL: &str = "hilda.hallsson@region-stockholm.example";
/// What the case officer writes when returning the requisition: it names the coordinator.
const RETURNED: &str =
    "Mirja O'Raderasson behöver komplettera: bankgironumret saknas i underlaget.";

/// A person of `role` with a name and an address of their own (the tests' users of a role
/// all share one name), logged in in this browser.
async fn person(
    browser: &TestApp,
    role: Role,
    organisation: Option<&str>,
    name: &str,
    email: &str,
) -> Uuid {
    let id = browser.create_user(role, organisation).await;
    named(browser, id, name, email).await;
    let page = browser.login(email, PASSWORD).await;
    let page = browser.pass_second_step(id, page).await;
    assert_eq!(page.location.as_deref(), Some("/"), "{name} logs in");
    id
}

/// The account and its directory entry (a coordinator's is made with the account) given a
/// name and an address of their own.
async fn named(app: &TestApp, id: Uuid, name: &str, email: &str) {
    for statement in [
        "UPDATE users SET name = $2, email = $3 WHERE id = $1",
        "UPDATE network_contacts SET name = $2, email = $3 WHERE user_id = $1",
    ] {
        sqlx::query(statement)
            .bind(id)
            .bind(name)
            .bind(email)
            .execute(&app.db)
            .await
            .expect("name the user");
    }
}

/// Every row of every table that names the person — a text or JSON column holding one of
/// `needles` (in any case), or, with `account`, a column that refers to their account —
/// the whole schema as PostgreSQL describes it, read past the inventory. Bytes (PDF/A, kept
/// exports, attachments) are not text and are not read. Per table, each such row's id
/// (JSON `null` for a table without an `id` column).
async fn rows_naming(
    app: &TestApp,
    needles: &[&str],
    account: Option<Uuid>,
) -> BTreeMap<String, Vec<Value>> {
    let columns: Vec<(String, String, bool)> = sqlx::query_as(
        "WITH account_refs AS (
             SELECT k.conrelid::regclass::text AS table_name, a.attname::text AS column_name
             FROM pg_constraint k
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
             WHERE k.contype = 'f' AND k.confrelid = 'public.users'::regclass)
         SELECT c.table_name::text, c.column_name::text,
                COALESCE((c.table_name::text, c.column_name::text) IN (SELECT * FROM account_refs), false)
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
           AND (c.data_type IN ('text', 'character varying', 'jsonb', 'json', 'ARRAY')
                OR (c.table_name::text, c.column_name::text) IN (SELECT * FROM account_refs))
         ORDER BY 1, 2",
    )
    .fetch_all(&app.db)
    .await
    .expect("columns");
    assert!(
        columns.len() > 100,
        "the schema was read: {}",
        columns.len()
    );
    assert!(
        columns
            .iter()
            .any(|(t, c, refers)| t == "decision_records" && c == "decided_by" && *refers),
        "references to accounts are read too"
    );
    let with_id: BTreeSet<String> = sqlx::query_scalar(
        "SELECT table_name::text FROM information_schema.columns
         WHERE table_schema = 'public' AND column_name = 'id'",
    )
    .fetch_all(&app.db)
    .await
    .expect("tables with an id")
    .into_iter()
    .collect();
    let mut conditions: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (table, column, refers) in columns {
        let condition = if refers {
            match account {
                Some(id) => format!("\"{column}\" = '{id}'"),
                None => continue,
            }
        } else {
            format!(
                "EXISTS (SELECT 1 FROM unnest($1::text[]) n WHERE strpos(lower(\"{column}\"::text), n) > 0)"
            )
        };
        conditions.entry(table).or_default().push(condition);
    }
    let needles: Vec<String> = needles.iter().map(|n| n.to_lowercase()).collect();
    let mut found = BTreeMap::new();
    for (table, any) in conditions {
        let id = if with_id.contains(&table) {
            "to_jsonb(t.id)"
        } else {
            "'null'::jsonb"
        };
        let rows: Vec<Value> = sqlx::query_scalar(&format!(
            "SELECT {id} FROM \"{table}\" t WHERE ({}) AND cardinality($1::text[]) > 0",
            any.join(" OR ")
        ))
        .bind(&needles)
        .fetch_all(&app.db)
        .await
        .unwrap_or_else(|e| panic!("scanning {table}: {e}"));
        if !rows.is_empty() {
            found.insert(table, rows);
        }
    }
    found
}

/// The rows a JSON register extract has, table by table.
fn rows_in(extract: &Value) -> BTreeMap<String, Vec<Value>> {
    extract["registerutdrag"]["tabeller"]
        .as_array()
        .expect("tables")
        .iter()
        .filter_map(|t| {
            let rows = t["rader"].as_array().filter(|r| !r.is_empty())?;
            Some((
                t["tabell"].as_str().expect("a table's name").to_string(),
                rows.clone(),
            ))
        })
        .collect()
}

/// Every row the scan found naming the person is in the extract: by its id, or, in a table
/// without one, at least as many rows.
fn assert_extract_holds(
    naming: &BTreeMap<String, Vec<Value>>,
    extracted: &BTreeMap<String, Vec<Value>>,
) {
    for (table, ids) in naming {
        let rows = extracted.get(table).unwrap_or_else(|| {
            panic!(
                "{} rows of {table} name the person; the extract has none of them",
                ids.len()
            )
        });
        if ids.iter().all(Value::is_null) {
            assert!(
                rows.len() >= ids.len(),
                "{table}: {} rows name the person, the extract has {}",
                ids.len(),
                rows.len()
            );
            continue;
        }
        let held: BTreeSet<String> = rows.iter().map(|r| r["id"].to_string()).collect();
        let missing: Vec<&Value> = ids
            .iter()
            .filter(|id| !held.contains(&id.to_string()))
            .collect();
        assert!(
            missing.is_empty(),
            "rows of {table} naming the person that the extract lacks: {missing:?}"
        );
    }
}

async fn download(browser: &TestApp, path: &str) -> Vec<u8> {
    let response = browser
        .client
        .get(browser.url(path))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.bytes().await.expect("bytes").to_vec()
}

/// Every kept export as it is: id, checksum and bytes.
async fn kept_exports(app: &TestApp) -> Vec<(Uuid, String, Vec<u8>)> {
    sqlx::query_as("SELECT id, sha256, bytes FROM summary_exports ORDER BY id")
        .fetch_all(&app.db)
        .await
        .expect("kept exports")
}

async fn name_and_email(app: &TestApp, id: Uuid) -> (String, String) {
    sqlx::query_as("SELECT name, email FROM users WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("user")
}

/// Whether the server's role, in a transaction that says it anonymises, is refused
/// `statement` (its `$1` bound to `id`); rolled back either way.
async fn refused_to_the_server(app: &TestApp, statement: &str, id: Uuid) -> bool {
    let mut tx = app.db.begin().await.expect("transaction");
    sqlx::query("SET LOCAL ROLE digikoord_app")
        .execute(&mut *tx)
        .await
        .expect("the server's role");
    sqlx::query("SELECT set_config('digikoord.anonymising', 'on', true)")
        .execute(&mut *tx)
        .await
        .expect("says it anonymises");
    let done = sqlx::query(statement).bind(id).execute(&mut *tx).await;
    tx.rollback().await.expect("rollback");
    done.is_err()
}

/// The tables still naming someone, each frozen and said to be so on the record of
/// processing.
async fn assert_only_frozen(admin: &TestApp, left: &BTreeMap<String, Vec<Value>>, who: &str) {
    let processing = admin.get("/admin/personuppgifter/behandlingar").await;
    for table in left.keys() {
        assert!(
            model::frozen(table).is_some(),
            "{table} still names {who} and is not frozen: {left:?}"
        );
        let said = processing.select(&format!("#behandling-{table} td.on-anonymisation"));
        assert!(
            said.first().is_some_and(|s| s.contains("Fryst:")),
            "the record of processing says {table} is kept as it is: {said:?}"
        );
        assert_eq!(
            processing.select(&format!(".frozen #fryst-{table}")).len(),
            1,
            "{table} is listed as frozen"
        );
    }
}

#[tokio::test]
async fn an_extract_holds_every_row_naming_a_person_and_after_anonymisation_no_table_names_them() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    let admin_id = admin.login_as(Role::Admin, None).await;
    let region = app.other_browser();
    let region_id = person(&region, Role::Coordinator, Some(STOCKHOLM), NAME, EMAIL).await;
    let officer = app.other_browser();
    let officer_id = person(
        &officer,
        Role::CaseOfficer,
        None,
        OFFICER_NAME,
        OFFICER_EMAIL,
    )
    .await;
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let recent = app.other_browser();
    let recent_id = person(
        &recent,
        Role::Coordinator,
        Some(STOCKHOLM),
        RECENT_NAME,
        RECENT_EMAIL,
    )
    .await;
    let held = app.other_browser();
    let held_id = person(
        &held,
        Role::Coordinator,
        Some(STOCKHOLM),
        HELD_NAME,
        HELD_EMAIL,
    )
    .await;

    // The region files its requisition with itself as the contact and writes in its thread;
    // the case officer returns it with a message naming the coordinator (the decision record
    // keeps it, frozen); sent in again, it is approved, attested and paid.
    let fields = with(
        with(complete("1 000 000"), "contact_name", NAME),
        "contact_email",
        EMAIL,
    );
    let id = requisition_id(&file(&region, &fields, "skicka").await);
    let case = format!("/rekvisitioner/{id}");
    let written = region
        .submit(
            &case,
            &format!("{case}/meddelanden"),
            &[(
                "body",
                "Kontakta mig om något saknas. Hälsningar, Mirja O'Raderasson",
            )],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.plain());
    return_requisition(&officer, id, RETURNED).await;
    let decision: Uuid = sqlx::query_scalar(
        "SELECT id FROM decision_records WHERE kind = 'requisition_returned' AND decided_by = $1",
    )
    .bind(officer_id)
    .fetch_one(&app.db)
    .await
    .expect("the return's decision record");
    send_in(&region, id, &fields).await;
    approve(&officer, id, "1 000 000").await;
    let payout = live_payout(&app, id).await;
    approve_payout(&approver, id, payout).await;
    pay_payout(&officer, payout, "1 000 000", "V-PRIV-1").await;

    // A mail to a colleague named her, in its text and, escaped, in its HTML.
    sqlx::query(
        "INSERT INTO outbox (to_address, to_name, kind, event, subject, body_text, body_html, state, sent_at)
         VALUES ('kim.kollega@region-stockholm.example', 'Kim Kollega', 'notice', 'test.colleague',
                 $1, $2, $3, 'logged', now())",
    )
    .bind(format!("Om {NAME}"))
    .bind(format!("Hej Kim!\n\n{NAME} har slutat; fråga {EMAIL} om något.\n"))
    .bind(format!(
        "<p>Hej Kim!</p><p>{NAME_IN_HTML} har slutat; fråga <a href=\"mailto:{EMAIL}\">{EMAIL}</a> om något.</p>"
    ))
    .execute(&app.db)
    .await
    .expect("a mail naming her");

    // The next winter the region reports the year and the case officer approves it.
    let winter = on(2026, 1, 15);
    let region = region.later(winter).await;
    let officer = officer.later(winter).await;
    let admin = admin.later(winter).await;
    let report = start_report(&region).await;
    fill_in_everything(&region, report).await;
    submit_report(&region, report).await;
    approve_report(&officer, report).await;

    // A coordinator has no business here.
    for path in [
        "/admin/personuppgifter".to_string(),
        format!("/admin/personuppgifter/{region_id}"),
        format!("/admin/personuppgifter/{region_id}/json"),
        "/admin/personuppgifter/behandlingar".to_string(),
        "/admin/personuppgifter/anonymisering".to_string(),
        "/admin/personuppgifter/anonymisering/bekrafta".to_string(),
    ] {
        assert_eq!(
            region.get(&path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    // The year as it stands: its figures, with the region's paid requisition and approved
    // report, and a kept export.
    let kept = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            &[("format", "csv")],
        )
        .await;
    assert_eq!(kept.status, StatusCode::SEE_OTHER, "{}", kept.plain());
    let figures_csv = download(&admin, "/sammanstallning/2025/utkast/csv").await;
    let figures_json = download(&admin, "/sammanstallning/2025/utkast/json").await;
    let case_number: String =
        sqlx::query_scalar("SELECT case_number FROM requisitions WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("case number");
    let figures = String::from_utf8_lossy(&figures_csv).to_string();
    let stockholm = figures
        .lines()
        .find(|l| l.starts_with("Region Stockholm;"))
        .unwrap_or_else(|| panic!("Stockholm's row: {figures}"));
    assert!(
        stockholm.contains(&case_number),
        "the figures count the person's case: {stockholm}"
    );
    let exports = kept_exports(&app).await;
    assert_eq!(exports.len(), 1);

    // Found by name, the extract holds every row that names the person: each row the scan
    // finds, table by table, by its id.
    let search = admin.get("/admin/personuppgifter?q=raderasson").await;
    assert_eq!(search.status, StatusCode::OK);
    let link = format!("/admin/personuppgifter/{region_id}");
    assert!(
        search.attrs(".accounts a[href]", "href").contains(&link),
        "{:?}",
        search.attrs(".accounts a[href]", "href")
    );
    let naming = rows_naming(&app, &[NAME, NAME_IN_HTML, EMAIL], Some(region_id)).await;
    for expected in [
        "users",
        "network_contacts",
        "requisitions",
        "requisition_messages",
        "reports",
        "decision_records",
        "outbox",
        "login_attempts",
        "sessions",
        "audit_log",
    ] {
        assert!(
            naming.contains_key(expected),
            "{expected} names them: {:?}",
            naming.keys()
        );
    }
    let page = admin.get(&link).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select(".person-name"), vec![NAME]);
    assert_eq!(page.select(".person-email"), vec![EMAIL]);
    let shown: BTreeSet<String> = page
        .attrs("table.extract-rows", "data-table")
        .into_iter()
        .collect();
    let extract: Value =
        serde_json::from_slice(&download(&admin, &format!("{link}/json")).await).expect("JSON");
    let extracted = rows_in(&extract);
    assert_extract_holds(&naming, &extracted);
    assert_eq!(
        shown,
        extracted.keys().cloned().collect::<BTreeSet<String>>(),
        "the page and the file hold the same tables"
    );
    // The audit entries about the account are in it too, named by its id only.
    assert!(
        extracted["audit_log"]
            .iter()
            .any(|r| r["entity"] == "user" && r["entity_id"] == region_id.to_string()),
        "{:?}",
        extracted["audit_log"]
    );
    // No secret leaves with it.
    let text = serde_json::to_string(&extract).expect("text");
    assert!(
        !text.contains("password_hash") && !text.contains("csrf_token"),
        "{text}"
    );
    assert_eq!(app.audit_count("privacy.extract_made").await, 2);

    // A contact person without an account, found by address.
    let halland = org_id(&app, "Region Halland").await.to_string();
    let added = admin
        .submit(
            "/natverk/kontakter/ny",
            "/natverk/kontakter/ny",
            &[
                ("name", "Karin Kontaktsson"),
                ("title", "Utvecklingsstrateg"),
                ("email", "karin.kontaktsson@halland.example"),
                ("phone", "035-13 70 00"),
                ("organisation_id", &halland),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.plain());
    let search = admin.get("/admin/personuppgifter?q=kontaktsson").await;
    let contact = search
        .attr(".contacts a[href]", "href")
        .expect("the contact is listed");
    let page = admin.get(&contact).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select(".person-name"), vec!["Karin Kontaktsson"]);
    assert!(page.select(".person-account")[0].contains("kontaktperson utan konto"));
    let tables = page.attrs("table.extract-rows", "data-table");
    assert!(
        tables.contains(&"network_contacts".to_string())
            && tables.contains(&"audit_log".to_string()),
        "the directory entry and its audit entry: {tables:?}"
    );
    let unknown = admin
        .get("/admin/personuppgifter/kontakt?epost=ingen%40halland.example")
        .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad = admin
        .get("/admin/personuppgifter/kontakt?epost=inte-en-adress")
        .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    // An account's address leads to the account's extract.
    let theirs = admin
        .get(&format!(
            "/admin/personuppgifter/kontakt?epost={}",
            digikoord::web::url_encode(EMAIL)
        ))
        .await;
    assert_eq!(theirs.location.as_deref(), Some(link.as_str()));

    // The administrator deactivates the four; three of them long ago. A legal hold (an
    // appeal that concerns her) names one of those.
    for id in [region_id, officer_id, recent_id, held_id] {
        let path = format!("/admin/anvandare/{id}/inaktivera");
        let done = admin.submit(&path, &path, &[]).await;
        assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    }
    let dated: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM users WHERE id = ANY ($1) AND NOT active AND deactivated_at IS NOT NULL",
    )
    .bind(vec![region_id, officer_id, recent_id, held_id])
    .fetch_one(&app.db)
    .await
    .expect("deactivations");
    assert_eq!(dated, 4, "each deactivation is dated");
    sqlx::query("UPDATE users SET deactivated_at = '2024-12-02T10:00:00Z' WHERE id = ANY ($1)")
        .bind(vec![region_id, officer_id, held_id])
        .execute(&app.db)
        .await
        .expect("deactivated long ago");
    sqlx::query(
        "INSERT INTO legal_holds (entity, entity_id, reason, placed_by)
         VALUES ('user', $1, 'Överklagande som rör personen', $2)",
    )
    .bind(held_id.to_string())
    .bind(admin_id)
    .execute(&app.db)
    .await
    .expect("a legal hold on the account");

    // Nothing is due until a time is set; a wrong one comes back beside its field.
    let settings = "/admin/personuppgifter/anonymisering";
    let before = admin.get(settings).await;
    assert!(before.select(".shut-accounts tr.due").is_empty());
    assert_eq!(
        before.select(".automatic-rule").len(),
        1,
        "the page says when the server acts"
    );
    assert!(
        before.select(".hold-rule")[0].contains("spärr"),
        "the page says a hold keeps an account"
    );
    let refused = admin.submit(settings, settings, &[("months", "tre")]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#months-error").len(), 1);
    assert_eq!(refused.attr("#months", "value").as_deref(), Some("tre"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM privacy_settings WHERE anonymise_after_months IS NULL"
        )
        .await,
        1
    );
    // Saved: the two already due wait for a confirmation (the held one waits for its hold).
    let saved = admin.submit(settings, settings, &[("months", "2")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let listed = admin.follow(saved).await;
    assert!(
        listed.select(".flash")[0].contains("2 konton var redan i tur"),
        "{:?}",
        listed.select(".flash")
    );
    assert_eq!(app.audit_count("privacy.settings_saved").await, 1);
    assert_eq!(listed.select(".shut-accounts tbody tr").len(), 4);
    assert_eq!(listed.select(".shut-accounts tr.due").len(), 2);
    assert!(listed.select(".shut-accounts tr.automatic").is_empty());
    let held_row = listed.select(".shut-accounts tr.held .due-on");
    assert_eq!(held_row.len(), 1);
    assert!(held_row[0].contains("Spärrad"), "{held_row:?}");
    assert_eq!(
        name_and_email(&app, region_id).await,
        (NAME.to_string(), EMAIL.to_string()),
        "saving anonymises no one"
    );

    // The confirmation lists the two, changing nothing yet; the held account is not there.
    let confirm = "/admin/personuppgifter/anonymisering/bekrafta";
    let page = admin.get(confirm).await;
    let chosen: BTreeSet<String> = page
        .attrs("input[name=anvandare]", "value")
        .into_iter()
        .collect();
    assert_eq!(
        chosen,
        BTreeSet::from([region_id.to_string(), officer_id.to_string()])
    );
    assert_eq!(
        name_and_email(&app, region_id).await,
        (NAME.to_string(), EMAIL.to_string())
    );
    // Sent with the held account added by hand, it still leaves that one as it is.
    let mut fields = vec![("csrf".to_string(), page.csrf())];
    fields.extend(
        chosen
            .iter()
            .map(|id| ("anvandare".to_string(), id.clone())),
    );
    fields.push(("anvandare".to_string(), held_id.to_string()));
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let done = admin.post(confirm, &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    let flash = admin.follow(done).await;
    assert!(
        flash.select(".flash")[0].contains(&model::pseudonym(region_id)),
        "{:?}",
        flash.select(".flash")
    );

    // The accounts go by their pseudonyms, shut for good, each confirmed by the
    // administrator in its own transaction.
    for id in [region_id, officer_id] {
        assert_eq!(
            name_and_email(&app, id).await,
            (model::pseudonym(id), model::pseudonym_email(id))
        );
    }
    let confirmed: Vec<(Uuid, Uuid)> =
        sqlx::query_as("SELECT user_id, confirmed_by FROM privacy_confirmations ORDER BY user_id")
            .fetch_all(&app.db)
            .await
            .expect("confirmations");
    let mut expected = vec![(region_id, admin_id), (officer_id, admin_id)];
    expected.sort();
    assert_eq!(confirmed, expected);
    assert_eq!(
        name_and_email(&app, recent_id).await,
        (RECENT_NAME.to_string(), RECENT_EMAIL.to_string()),
        "not due, not touched"
    );
    assert_eq!(
        name_and_email(&app, held_id).await,
        (HELD_NAME.to_string(), HELD_EMAIL.to_string()),
        "held, not touched"
    );
    assert_eq!(app.audit_count("privacy.anonymised").await, 2);
    let recorded: Vec<Value> = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'privacy.anonymised' ORDER BY id",
    )
    .fetch_all(&app.db)
    .await
    .expect("audit");
    for after in &recorded {
        assert_eq!(
            after
                .as_object()
                .map(|o| o.keys().cloned().collect::<Vec<_>>()),
            Some(vec!["pseudonym".to_string()]),
            "only the pseudonym is recorded: {after}"
        );
    }
    let reactivated = sqlx::query("UPDATE users SET active = true WHERE id = $1")
        .bind(region_id)
        .execute(&app.db)
        .await;
    assert!(reactivated.is_err(), "an anonymised account stays shut");

    // No table holds their names or addresses any more, but the frozen ones: the return's
    // decision record still says what the officer wrote, and the record of processing says
    // it is kept so.
    let left = rows_naming(&app, &[NAME, NAME_IN_HTML, EMAIL], None).await;
    assert!(
        left.contains_key("decision_records"),
        "the frozen decision record keeps the officer's words: {left:?}"
    );
    assert_only_frozen(&admin, &left, "the coordinator").await;
    let left = rows_naming(&app, &[OFFICER_NAME, OFFICER_EMAIL], None).await;
    assert_only_frozen(&admin, &left, "the case officer").await;
    assert!(
        !rows_naming(&app, &[RECENT_NAME], None).await.is_empty()
            && !rows_naming(&app, &[HELD_NAME, HELD_EMAIL], None)
                .await
                .is_empty(),
        "the scan finds what is there"
    );
    // What the officer wrote to the region, in the case's thread and in the audit log, is
    // scrubbed: the pseudonym stands where her name stood.
    let pseudonym = model::pseudonym(region_id);
    let written: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM requisition_messages WHERE requisition_id = $1 AND author_id = $2",
    )
    .bind(id)
    .bind(officer_id)
    .fetch_all(&app.db)
    .await
    .expect("the officer's message");
    assert!(
        written.contains(&RETURNED.replace(NAME, &pseudonym))
            && written.iter().all(|w| !w.contains("Raderasson")),
        "the officer's message names the pseudonym: {written:?}"
    );
    let logged: Vec<Value> = sqlx::query_scalar(
        "SELECT after FROM audit_log WHERE action = 'requisition.returned' AND entity_id = $1",
    )
    .bind(id.to_string())
    .fetch_all(&app.db)
    .await
    .expect("the return's audit entry");
    assert_eq!(logged.len(), 1);
    assert_eq!(
        logged[0]["message"],
        Value::String(RETURNED.replace(NAME, &pseudonym)),
        "the audit entry's value is scrubbed, its keys kept: {}",
        logged[0]
    );
    // The colleague's mail names the pseudonym, in its text and in its HTML.
    let (text, html): (String, String) =
        sqlx::query_as("SELECT body_text, body_html FROM outbox WHERE event = 'test.colleague'")
            .fetch_one(&app.db)
            .await
            .expect("the colleague's mail");
    assert!(text.contains(&format!("{pseudonym} har slutat")), "{text}");
    assert!(
        html.contains(&format!("<p>{pseudonym} har slutat")),
        "{html}"
    );
    assert!(
        html.contains(&format!(">{}</a>", model::pseudonym_email(region_id))),
        "{html}"
    );

    // The year's figures and the kept export are as they were.
    assert_eq!(
        download(&admin, "/sammanstallning/2025/utkast/csv").await,
        figures_csv
    );
    assert_eq!(
        download(&admin, "/sammanstallning/2025/utkast/json").await,
        figures_json
    );
    assert_eq!(kept_exports(&app).await, exports);

    // The decision shows who decided by pseudonym and role, and is intact.
    let page = admin.get(&format!("/beslut/{decision}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select(".decided-by"),
        vec![format!("{}, handläggare", model::pseudonym(officer_id))]
    );
    assert!(
        page.select(".integrity")[0].contains("stämmer med kontrollsumman"),
        "{:?}",
        page.select(".integrity")
    );
    // The requisition still says who its contact was, as the pseudonym.
    let contact: (String, String) =
        sqlx::query_as("SELECT contact_name, contact_email FROM requisitions WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("requisition");
    assert_eq!(
        contact,
        (
            model::pseudonym(region_id),
            model::pseudonym_email(region_id)
        )
    );

    // The audit log is append-only again, outside an anonymisation; and the schema refuses
    // the server an anonymisation the pages would not make: without saying so, of an account
    // not due, of one under a hold, or twice.
    let rewritten =
        sqlx::query("UPDATE audit_log SET after = '{}' WHERE action = 'privacy.anonymised'")
            .execute(&app.db)
            .await;
    assert!(rewritten.is_err(), "the audit log stays append-only");
    let mut tx = app.db.begin().await.expect("transaction");
    sqlx::query("SET LOCAL ROLE digikoord_app")
        .execute(&mut *tx)
        .await
        .expect("the server's role");
    let unsaid = sqlx::query("SELECT privacy_anonymise_account($1)")
        .bind(recent_id)
        .execute(&mut *tx)
        .await;
    assert!(unsaid.is_err(), "an anonymisation says it anonymises");
    tx.rollback().await.expect("rollback");
    for (id, why) in [
        (recent_id, "not due"),
        (held_id, "held"),
        (region_id, "anonymised already"),
    ] {
        assert!(
            refused_to_the_server(&app, "SELECT privacy_anonymise_account($1)", id).await,
            "{why}: refused"
        );
    }

    // Nothing more is due: a second run changes nothing.
    let again = admin.get(confirm).await;
    assert!(again.attrs("input[name=anvandare]", "value").is_empty());
    assert_eq!(again.select(".nobody-due").len(), 1);

    // The old address and password open nothing (the attempt is recorded as typed, last).
    let login = app.other_browser().login(EMAIL, PASSWORD).await;
    assert_eq!(login.status, StatusCode::UNAUTHORIZED);
}

/// The server's state as `digikoord serve` makes it, on the test's database with the
/// server's own login, on the day `TestApp::spawn` serves: to run the hourly work.
fn server_state(app: &TestApp) -> digikoord::AppState {
    let config = digikoord::Config::from_lookup(|key| match key {
        "SECRETS_KEY" => Some(crate::SECRETS_KEY.to_string()),
        "REPAYMENT_BANKGIRO" => Some(crate::REPAYMENT_BANKGIRO.to_string()),
        _ => None,
    })
    .expect("the server's configuration");
    digikoord::AppState::new(
        digikoord::db::server_pool(&app.server_url, 2).expect("the server's pool"),
        config,
        TestApp::default_clock(),
    )
    .expect("the server's state")
}

const EARLY_NAME: &str = "Erik Tidigare";
const EARLY_EMAIL: &str = "erik.tidigare@region-stockholm.example";
const LATE_NAME: &str = "Lova Senare";
const LATE_EMAIL: &str = "lova.senare@region-stockholm.example";

#[tokio::test]
async fn the_hourly_run_takes_only_accounts_that_became_due_after_the_time_was_saved() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    let admin_id = admin.login_as(Role::Admin, None).await;
    let early = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    named(&app, early, EARLY_NAME, EARLY_EMAIL).await;
    let late = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    named(&app, late, LATE_NAME, LATE_EMAIL).await;
    // A case officer shut just now: not due; a staff account's address and second factor
    // are guarded.
    let staff = app.create_user(Role::CaseOfficer, None).await;
    sqlx::query("UPDATE users SET active = false WHERE id = ANY ($1)")
        .bind(vec![early, late, staff])
        .execute(&app.db)
        .await
        .expect("shut");
    // Due on 1 December and on 20 February, with two months.
    for (id, at) in [
        (early, "2024-10-01T10:00:00Z"),
        (late, "2024-12-20T10:00:00Z"),
    ] {
        sqlx::query("UPDATE users SET deactivated_at = $2::timestamptz WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&app.db)
            .await
            .expect("deactivated long ago");
    }
    // An audit entry whose recorded values name the later one: as a key, inside a text,
    // whole, in a list; beside a number and a name that only begins like hers.
    let mut noted = serde_json::Map::new();
    noted.insert(LATE_NAME.to_string(), Value::from(3));
    noted.insert(
        "note".to_string(),
        Value::from(format!("Ring {LATE_NAME} om träffen")),
    );
    noted.insert("count".to_string(), Value::from(12));
    noted.insert("other".to_string(), Value::from("Lova Senaresson"));
    noted.insert("who".to_string(), Value::from(LATE_NAME));
    noted.insert(
        "list".to_string(),
        serde_json::json!([LATE_NAME, "Kim Kollega", 7, { "email": LATE_EMAIL }]),
    );
    let noted_id: i64 = sqlx::query_scalar(
        "INSERT INTO audit_log (actor_user_id, action, entity, entity_id, after)
         VALUES ($1, 'test.noted', 'note', '1', $2) RETURNING id",
    )
    .bind(admin_id)
    .bind(Value::Object(noted))
    .fetch_one(&app.db)
    .await
    .expect("a note naming her");

    // The administrator saves two months: both are due already, so both wait for a
    // confirmation, and the hourly run takes neither.
    let settings = "/admin/personuppgifter/anonymisering";
    let saved = admin.submit(settings, settings, &[("months", "2")]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let page = admin.follow(saved).await;
    assert!(
        page.select(".flash")[0].contains("2 konton var redan i tur"),
        "{:?}",
        page.select(".flash")
    );
    assert_eq!(page.select(".shut-accounts tr.due").len(), 2);
    assert!(page.select(".shut-accounts tr.automatic").is_empty());
    let state = server_state(&app);
    assert_eq!(
        digikoord::privacy::anonymise_due(&state)
            .await
            .expect("the run"),
        0
    );
    assert_eq!(
        name_and_email(&app, late).await,
        (LATE_NAME.to_string(), LATE_EMAIL.to_string())
    );

    // Had the time been saved on 15 January, the later one became due after it: the run
    // takes that one, and the earlier still waits.
    sqlx::query("UPDATE privacy_settings SET saved_at = '2025-01-15T12:00:00Z'")
        .execute(&app.db)
        .await
        .expect("saved in January");
    let page = admin.get(settings).await;
    assert_eq!(page.select(".shut-accounts tr.due").len(), 1);
    assert_eq!(page.select(".shut-accounts tr.automatic").len(), 1);
    assert_eq!(
        digikoord::privacy::anonymise_due(&state)
            .await
            .expect("the run"),
        1
    );
    assert_eq!(
        name_and_email(&app, late).await,
        (model::pseudonym(late), model::pseudonym_email(late))
    );
    assert_eq!(
        name_and_email(&app, early).await,
        (EARLY_NAME.to_string(), EARLY_EMAIL.to_string()),
        "due before the time was saved: waits"
    );
    let by_the_server: Option<Uuid> = sqlx::query_scalar(
        "SELECT actor_user_id FROM audit_log WHERE action = 'privacy.anonymised' AND entity_id = $1",
    )
    .bind(late.to_string())
    .fetch_one(&app.db)
    .await
    .expect("audited");
    assert_eq!(by_the_server, None, "the server's own run");
    assert_eq!(
        digikoord::privacy::anonymise_due(&state)
            .await
            .expect("the run"),
        0,
        "once"
    );

    // Her recorded values are replaced value by value: the key, the number and the other
    // name stay as they were.
    let after: Value = sqlx::query_scalar("SELECT after FROM audit_log WHERE id = $1")
        .bind(noted_id)
        .fetch_one(&app.db)
        .await
        .expect("the note");
    let pseudonym = model::pseudonym(late);
    assert_eq!(after[LATE_NAME], Value::from(3), "a key stays: {after}");
    assert_eq!(after["count"], Value::from(12), "{after}");
    assert_eq!(after["other"], Value::from("Lova Senaresson"), "{after}");
    assert_eq!(after["who"], Value::from(pseudonym.clone()), "{after}");
    assert_eq!(
        after["note"],
        Value::from(format!("Ring {pseudonym} om träffen")),
        "{after}"
    );
    assert_eq!(
        after["list"],
        serde_json::json!([pseudonym, "Kim Kollega", 7, { "email": model::pseudonym_email(late) }]),
        "{after}"
    );

    // The schema refuses the server what the pages would not do, whatever the transaction
    // says: the earlier one without a confirmation; a staff member's address or second
    // factor of an account not anonymised in it; a deactivation dated back; a confirmation
    // by someone not an administrator.
    assert!(refused_to_the_server(&app, "SELECT privacy_anonymise_account($1)", early).await);
    assert!(
        refused_to_the_server(
            &app,
            "UPDATE users SET email = privacy_pseudonym_email(id) WHERE id = $1",
            staff
        )
        .await
    );
    assert!(
        refused_to_the_server(&app, "DELETE FROM second_factors WHERE user_id = $1", staff).await
    );
    assert!(
        refused_to_the_server(
            &app,
            "UPDATE users SET deactivated_at = '2000-01-01T00:00:00Z' WHERE id = $1",
            staff
        )
        .await
    );
    assert!(
        refused_to_the_server(
            &app,
            "UPDATE users SET anonymised_at = now() WHERE id = $1",
            early
        )
        .await
    );
    assert!(
        refused_to_the_server(
            &app,
            "INSERT INTO privacy_confirmations (user_id, confirmed_by) VALUES ($1, $1)",
            early
        )
        .await
    );
    // With an administrator's confirmation in the same transaction it goes through (here
    // rolled back).
    let mut tx = app.db.begin().await.expect("transaction");
    for statement in [
        "SET LOCAL ROLE digikoord_app",
        "SELECT set_config('digikoord.anonymising', 'on', true)",
    ] {
        sqlx::query(statement)
            .execute(&mut *tx)
            .await
            .expect("the server, anonymising");
    }
    sqlx::query("INSERT INTO privacy_confirmations (user_id, confirmed_by) VALUES ($1, $2)")
        .bind(early)
        .bind(admin_id)
        .execute(&mut *tx)
        .await
        .expect("an administrator's confirmation");
    let entries: i32 = sqlx::query_scalar("SELECT privacy_anonymise_account($1)")
        .bind(early)
        .fetch_one(&mut *tx)
        .await
        .expect("confirmed: anonymised");
    assert!(entries >= 0);
    tx.rollback().await.expect("rollback");
    assert_eq!(
        count(&app, "SELECT count(*) FROM privacy_confirmations").await,
        0
    );

    // The administrator confirms it on the confirmation page: done.
    let confirm = "/admin/personuppgifter/anonymisering/bekrafta";
    let page = admin.get(confirm).await;
    assert_eq!(
        page.attrs("input[name=anvandare]", "value"),
        vec![early.to_string()]
    );
    let done = admin
        .post(
            confirm,
            &[("csrf", &page.csrf()), ("anvandare", &early.to_string())],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    assert_eq!(
        name_and_email(&app, early).await,
        (model::pseudonym(early), model::pseudonym_email(early))
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM privacy_confirmations").await,
        1
    );
}

#[tokio::test]
async fn every_column_that_may_hold_personal_data_is_in_the_record_of_processing() {
    let app = TestApp::spawn().await;
    // Columns named as a person's name, address, phone or author, and every reference to an
    // account.
    let candidates: Vec<(String, String)> = sqlx::query_as(
        "WITH account_refs AS (
             SELECT k.conrelid::regclass::text AS table_name, a.attname::text AS column_name
             FROM pg_constraint k
             JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = ANY (k.conkey)
             WHERE k.contype = 'f' AND k.confrelid = 'public.users'::regclass)
         SELECT c.table_name::text, c.column_name::text
         FROM information_schema.columns c
         JOIN information_schema.tables t
           ON t.table_schema = c.table_schema AND t.table_name = c.table_name
         WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
           AND c.table_name <> '_sqlx_migrations'
           AND (c.column_name ~ '(name|mail|phone|requester|reply_to|author|_by$|^user_id$)'
                OR (c.table_name::text, c.column_name::text) IN (SELECT * FROM account_refs))
         ORDER BY 1, 2",
    )
    .fetch_all(&app.db)
    .await
    .expect("columns");
    assert!(
        candidates.iter().any(|(t, c)| t == "users" && c == "email"),
        "the schema was read: {candidates:?}"
    );
    let unlisted: Vec<String> = candidates
        .iter()
        .filter(|(t, c)| !model::classified(t, c))
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    assert!(
        unlisted.is_empty(),
        "columns that may hold personal data, in neither privacy::model::INVENTORY nor NOT_PERSONAL: {unlisted:?}"
    );

    // And the inventory names only what is there.
    let present: BTreeSet<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns
         WHERE table_schema = 'public'",
    )
    .fetch_all(&app.db)
    .await
    .expect("columns")
    .into_iter()
    .collect();
    let mut gone = Vec::new();
    for source in model::INVENTORY {
        for column in source.columns {
            if !present.contains(&(source.table.to_string(), column.name.to_string())) {
                gone.push(format!("{}.{}", source.table, column.name));
            }
        }
    }
    for (table, column, _) in model::NOT_PERSONAL {
        if !present.contains(&(table.to_string(), column.to_string())) {
            gone.push(format!("{table}.{column}"));
        }
    }
    assert!(
        gone.is_empty(),
        "the inventory names columns the schema lacks: {gone:?}"
    );

    // What the record of processing calls frozen, a trigger keeps: each such table has a
    // row trigger that fires on UPDATE.
    let guarded: BTreeSet<String> = sqlx::query_scalar(
        "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger
         WHERE NOT tgisinternal AND (tgtype::int & 1) = 1 AND (tgtype::int & 16) = 16",
    )
    .fetch_all(&app.db)
    .await
    .expect("triggers")
    .into_iter()
    .collect();
    assert!(guarded.contains("decision_records"), "{guarded:?}");
    for (table, _) in model::FROZEN {
        assert!(
            guarded.contains(*table),
            "{table} is called frozen, but no trigger fires on its updates"
        );
    }

    // The record of processing shows every table with its basis and how long, and lists
    // what is frozen.
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let page = admin.get("/admin/personuppgifter/behandlingar").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select("table.processing tbody tr").len(),
        model::INVENTORY.len()
    );
    assert!(
        page.select("td.basis")
            .iter()
            .all(|b| b.contains("art. 6.1"))
    );
    assert!(page.select("td.how-long").iter().all(|h| !h.is_empty()));
    let mail = page.select("#behandling-outbox td.how-long");
    assert!(
        mail[0].contains("Gallring av skickad e-post: bevaras"),
        "{mail:?}"
    );
    assert_eq!(page.select("ul.frozen li").len(), model::FROZEN.len());
    assert_eq!(
        page.select("table.processing tr.frozen").len(),
        model::FROZEN.len()
    );
    let decisions = page.select("#behandling-decision_records td.on-anonymisation");
    assert!(decisions[0].contains("Fryst:"), "{decisions:?}");
}
