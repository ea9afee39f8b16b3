//! Retention (gallring) through HTTP, as two administrators use it: the classes set on their
//! page, a legal hold placed on its page and released after its confirmation page, a run
//! proposed by one administrator and refused to them, confirmed by the other — for exactly
//! the list the page showed, every record of it — and then exactly the records their class
//! allows are gone, each in the disposal log, while the new ones, the held ones, every kind
//! kept and the year's submitted summary stay. Records are aged in SQL (the app has no way
//! to make a mail or an export three years old); everything else is done over HTTP.

use chrono::NaiveDate;
use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{SKANE, STOCKHOLM, count, date, on, org_id},
};

const PAGE: &str = "/admin/gallring";
const CLASSES: &str = "/admin/gallring/klasser";
const HOLDS: &str = "/admin/gallring/spar";

/// Two administrators, each in a browser of their own, on a server whose today is 1 March
/// 2026 (Swedish time).
async fn two_administrators() -> (TestApp, TestApp, Uuid, Uuid) {
    let first = TestApp::spawn_on(on(2026, 3, 1)).await;
    let proposer = first.login_as(Role::Admin, None).await;
    let second = first.other_browser();
    let confirmer = second.login_as(Role::Admin, None).await;
    (first, second, proposer, confirmer)
}

/// A moment at noon, Swedish time, of a day (SQL).
const NOON: &str = "($1::date + time '12:00') AT TIME ZONE 'Europe/Stockholm'";

/// A request for a new password, made on a day.
async fn password_request(app: &TestApp, day: NaiveDate) -> i64 {
    sqlx::query_scalar(&format!(
        "INSERT INTO password_reset_requests (email, ip_bucket, requested_at)
         VALUES ('nagon@matris.example', '192.0.2.1', {NOON}) RETURNING id"
    ))
    .bind(day)
    .fetch_one(&app.db)
    .await
    .expect("a request for a new password")
}

/// A mail sent on a day.
async fn sent_mail(app: &TestApp, day: NaiveDate) -> i64 {
    sqlx::query_scalar(&format!(
        "INSERT INTO outbox (to_address, to_name, kind, event, subject, body_text, body_html,
             state, created_at, sent_at)
         SELECT 'nagon@matris.example', 'Någon', 'notice'::mail_kind, 'requisition.approved',
                'Rekvisitionen är godkänd', 'Text', '<p>Text</p>', 'sent'::mail_state, t.at, t.at
         FROM (SELECT {NOON} AS at) t RETURNING id"
    ))
    .bind(day)
    .fetch_one(&app.db)
    .await
    .expect("a mail sent")
}

/// An export of a year's summary made on a day, and marked submitted that day or not.
async fn export(app: &TestApp, year: i32, by: Uuid, day: NaiveDate, submitted: bool) -> Uuid {
    sqlx::query_scalar(&format!(
        "INSERT INTO summary_exports (id, year, format, filename, sha256, size, bytes,
             created_by, created_at, submitted_at, submitted_by)
         SELECT gen_random_uuid(), $2, 'csv'::export_format, 'sammanstallning-' || $2 || '.csv',
                encode(sha256('a;b'::bytea), 'hex'), 3, 'a;b'::bytea, $3, t.at,
                CASE WHEN $4 THEN t.at END, CASE WHEN $4 THEN $3 END
         FROM (SELECT {NOON} AS at) t RETURNING id"
    ))
    .bind(day)
    .bind(year)
    .bind(by)
    .bind(submitted)
    .fetch_one(&app.db)
    .await
    .expect("an export")
}

/// A requisition withdrawn before it was ever submitted.
async fn withdrawn_draft(
    app: &TestApp,
    year: i32,
    organisation: Uuid,
    case_number: &str,
    by: Uuid,
) -> Uuid {
    sqlx::query_scalar(
        "INSERT INTO requisitions (id, case_number, year, organisation_id, decision_number, state,
             created_by, updated_at)
         SELECT gen_random_uuid(), $1, y.year, $3, p.decision_number,
                'withdrawn'::requisition_state, $4,
                now() - interval '1 day'
         FROM programme_years y JOIN periods p ON p.id = y.period_id WHERE y.year = $2
         RETURNING id",
    )
    .bind(case_number)
    .bind(year)
    .bind(organisation)
    .bind(by)
    .fetch_one(&app.db)
    .await
    .expect("a withdrawn draft")
}

async fn exists(app: &TestApp, table: &str, id: &str) -> bool {
    sqlx::query_scalar(&format!(
        "SELECT EXISTS (SELECT 1 FROM {table} WHERE id::text = $1)"
    ))
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("whether it exists")
}

/// Sets a kind's class on the classes page, as an administrator does.
async fn set_class(admin: &TestApp, kind: &str, class: &str, years: &str, basis: &str) {
    let page = admin
        .submit(
            CLASSES,
            CLASSES,
            &[
                ("kind", kind),
                ("class", class),
                ("years", years),
                ("basis", basis),
            ],
        )
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.plain());
    let saved: String =
        sqlx::query_scalar("SELECT class::text FROM retention_kinds WHERE kind::text = $1")
            .bind(kind)
            .fetch_one(&admin.db)
            .await
            .expect("the kind");
    assert_eq!(saved, class);
}

/// Places a hold on its page; returns its number.
async fn hold(admin: &TestApp, fields: &[(&str, &str)]) -> i64 {
    let placed = admin.submit(HOLDS, HOLDS, fields).await;
    assert_eq!(placed.status, StatusCode::SEE_OTHER, "{}", placed.plain());
    let shown = admin.follow(placed).await;
    assert!(
        shown.select(".flash")[0].contains("är lagd"),
        "{:?}",
        shown.select(".flash")
    );
    sqlx::query_scalar("SELECT max(id) FROM legal_holds")
        .fetch_one(&admin.db)
        .await
        .expect("a hold")
}

/// Proposes a run; returns its number and its page.
async fn propose(admin: &TestApp) -> (i64, String) {
    let page = admin.submit(PAGE, "/admin/gallring/forslag", &[]).await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "{}", page.plain());
    let to = page.location.clone().expect("on to the run's page");
    let run = to
        .rsplit('/')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("a run's page, not {to}"));
    (run, to)
}

/// What a run's page says its list is, as its confirmation form carries it: the number of
/// records and their digest.
async fn list_read(admin: &TestApp, run_page: &str) -> (String, String) {
    let page = admin.get(run_page).await;
    (
        page.attr("form.confirm input[name=items]", "value")
            .unwrap_or_else(|| panic!("the number of records read: {}", page.plain())),
        page.attr("form.confirm input[name=digest]", "value")
            .expect("the digest of the list read"),
    )
}

/// Confirms a run as a second administrator does: the list read on its page, the box ticked.
async fn confirm_run(admin: &TestApp, run_page: &str) -> Page {
    let (items, digest) = list_read(admin, run_page).await;
    admin
        .submit(
            run_page,
            &format!("{run_page}/bekrafta"),
            &[("reviewed", "ja"), ("items", &items), ("digest", &digest)],
        )
        .await
}

/// The ids a run's page lists in a state (`proposed`, `removed`, `skipped`), sorted.
async fn listed(admin: &TestApp, run_page: &str, state: &str) -> Vec<String> {
    let mut ids = admin
        .get(run_page)
        .await
        .attrs(&format!("tr.item.{state}"), "data-id");
    ids.sort();
    ids
}

fn sorted(ids: &[String]) -> Vec<String> {
    let mut ids = ids.to_vec();
    ids.sort();
    ids
}

#[tokio::test]
async fn a_disposal_run_with_two_administrators_removes_exactly_what_its_class_allows_and_logs_it()
{
    let (first, second, proposer, confirmer) = two_administrators().await;
    for table in [
        "password_reset_requests",
        "summary_exports",
        "disposal_runs",
    ] {
        assert_eq!(
            count(&first, &format!("SELECT count(*) FROM {table}")).await,
            0,
            "the test starts without {table}"
        );
    }
    // Requests for a new password: one old, one new, one old that a hold keeps.
    let old_request = password_request(&first, date(2023, 1, 10))
        .await
        .to_string();
    let new_request = password_request(&first, date(2025, 6, 1)).await.to_string();
    let held_request = password_request(&first, date(2023, 1, 11))
        .await
        .to_string();
    // Exports never submitted: two old (one held after the proposal), one new; and an old
    // export submitted, whose kind is kept.
    let old_export = export(&first, 2024, proposer, date(2024, 1, 15), false)
        .await
        .to_string();
    let held_later = export(&first, 2024, proposer, date(2024, 1, 16), false)
        .await
        .to_string();
    let new_export = export(&first, 2025, proposer, date(2026, 1, 10), false)
        .await
        .to_string();
    let submitted = export(&first, 2023, proposer, date(2024, 3, 20), true)
        .await
        .to_string();
    // A mail sent long ago: its kind is kept.
    let mail = sent_mail(&first, date(2021, 5, 4)).await.to_string();

    // A class with a fault comes back beside its field, filled in, and changes nothing.
    let refused = first
        .submit(
            CLASSES,
            CLASSES,
            &[
                ("kind", "password_reset_requests"),
                ("class", "after_years"),
                ("years", "två"),
                ("basis", "IHP 4.2"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        refused.select("#password_reset_requests-years-error")[0].contains("heltal"),
        "{}",
        refused.plain()
    );
    assert_eq!(
        refused
            .attr("#password_reset_requests-years", "value")
            .as_deref(),
        Some("två")
    );
    assert_eq!(
        count(
            &first,
            "SELECT count(*) FROM retention_kinds WHERE class <> 'keep'"
        )
        .await,
        0
    );
    set_class(
        &first,
        "password_reset_requests",
        "after_years",
        "2",
        "IHP 4.2, dnr 2026-00012",
    )
    .await;
    set_class(
        &first,
        "unsubmitted_exports",
        "after_years",
        "1",
        "IHP 2.7, dnr 2026-00012",
    )
    .await;
    assert_eq!(first.audit_count("retention.class_set").await, 2);

    // A hold on one request, placed before the proposal.
    hold(
        &first,
        &[
            ("target", "password_reset_request"),
            ("record", &held_request),
            ("reason", "Begäran om allmän handling, dnr 2026-00042"),
        ],
    )
    .await;

    // The proposal lists what is due and the held request as skipped; nothing is removed.
    let (run, run_page) = propose(&first).await;
    assert_eq!(
        listed(&first, &run_page, "proposed").await,
        sorted(&[old_request.clone(), old_export.clone(), held_later.clone()])
    );
    assert_eq!(
        listed(&first, &run_page, "skipped").await,
        vec![held_request.clone()]
    );
    let shown = first.get(&run_page).await;
    assert!(
        shown
            .plain()
            .contains("Begäran om allmän handling, dnr 2026-00042")
    );
    assert!(
        !shown.plain().contains("nagon@matris.example"),
        "the list names no one"
    );
    assert!(exists(&first, "password_reset_requests", &old_request).await);
    assert!(exists(&first, "summary_exports", &old_export).await);

    // After the proposal, a hold on one of the exports: checked again as it is confirmed.
    hold(
        &second,
        &[
            ("target", "summary_export"),
            ("record", &held_later),
            ("reason", "Beslutet är överklagat"),
        ],
    )
    .await;

    // The proposer may not confirm their own run.
    let confirm = format!("{run_page}/bekrafta");
    let own = first
        .submit(&run_page, &confirm, &[("reviewed", "ja")])
        .await;
    assert_eq!(own.status, StatusCode::FORBIDDEN);
    assert!(
        own.plain().contains("En annan administratör"),
        "{}",
        own.plain()
    );
    // Nor may the second without saying the list is read.
    let unread = second.submit(&run_page, &confirm, &[]).await;
    assert_eq!(unread.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!unread.select("#reviewed-error").is_empty());
    assert!(exists(&first, "password_reset_requests", &old_request).await);
    assert_eq!(count(&first, "SELECT count(*) FROM disposal_log").await, 0);

    // The second administrator confirms the list as read.
    let done = confirm_run(&second, &run_page).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    let shown = second.follow(done).await;
    assert!(
        shown.select(".flash")[0].contains("2 handlingar togs bort"),
        "{:?}",
        shown.select(".flash")
    );

    // Exactly the due are gone; the new, the held and the kept stay.
    assert!(!exists(&first, "password_reset_requests", &old_request).await);
    assert!(!exists(&first, "summary_exports", &old_export).await);
    for (table, id) in [
        ("password_reset_requests", &new_request),
        ("password_reset_requests", &held_request),
        ("summary_exports", &held_later),
        ("summary_exports", &new_export),
        ("summary_exports", &submitted),
        ("outbox", &mail),
    ] {
        assert!(exists(&first, table, id).await, "{table} {id} stays");
    }
    assert_eq!(
        listed(&second, &run_page, "removed").await,
        sorted(&[old_request.clone(), old_export.clone()])
    );
    assert_eq!(
        listed(&second, &run_page, "skipped").await,
        sorted(&[held_request.clone(), held_later.clone()])
    );

    // The log lists each removed record, its run, and both administrators.
    let logged: Vec<(String, String, i64, Uuid, Uuid, String)> = sqlx::query_as(
        "SELECT kind::text, entity_id, run_id, proposed_by, confirmed_by, basis
         FROM disposal_log ORDER BY kind, entity_id",
    )
    .fetch_all(&first.db)
    .await
    .expect("the log");
    assert_eq!(
        logged,
        vec![
            (
                "password_reset_requests".to_string(),
                old_request.clone(),
                run,
                proposer,
                confirmer,
                "IHP 4.2, dnr 2026-00012".to_string()
            ),
            (
                "unsubmitted_exports".to_string(),
                old_export.clone(),
                run,
                proposer,
                confirmer,
                "IHP 2.7, dnr 2026-00012".to_string()
            ),
        ]
    );
    assert_eq!(
        count(
            &first,
            "SELECT count(*) FROM disposal_log WHERE described LIKE '%nagon@%'"
        )
        .await,
        0
    );
    assert_eq!(first.audit_count("disposal.proposed").await, 1);
    assert_eq!(first.audit_count("disposal.confirmed").await, 1);
    // Why a record was skipped is written once, as its run was confirmed.
    let rewritten = sqlx::query(
        "UPDATE disposal_items SET skipped_because = 'Ändrat i efterhand.'
         WHERE run_id = $1 AND state = 'skipped'",
    )
    .bind(run)
    .execute(&first.db)
    .await
    .expect_err("a reason rewritten");
    assert_eq!(
        rewritten.as_database_error().and_then(|d| d.constraint()),
        Some("disposal_items_kept")
    );

    // The log is kept: it refuses to change or lose a row, whoever asks (here the owner).
    assert!(
        sqlx::query("DELETE FROM disposal_log")
            .execute(&first.db)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("UPDATE disposal_log SET described = 'ändrad'")
            .execute(&first.db)
            .await
            .is_err()
    );
    assert!(
        sqlx::query("TRUNCATE disposal_log")
            .execute(&first.db)
            .await
            .is_err()
    );
    assert_eq!(count(&first, "SELECT count(*) FROM disposal_log").await, 2);
    // A frozen export no run lists is refused its removal, whoever asks.
    assert!(
        sqlx::query("DELETE FROM summary_exports WHERE id::text = $1")
            .bind(new_export.as_str())
            .execute(&first.db)
            .await
            .is_err()
    );

    // Confirmed once: confirming again, or cancelling, is a conflict and changes nothing.
    let again = second
        .submit(&run_page, &confirm, &[("reviewed", "ja")])
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let cancel = second
        .submit(&run_page, &format!("{run_page}/avbryt"), &[])
        .await;
    assert_eq!(cancel.status, StatusCode::CONFLICT);
    assert_eq!(count(&first, "SELECT count(*) FROM disposal_log").await, 2);
}

#[tokio::test]
async fn a_held_actors_year_stays_a_cancelled_run_removes_nothing_and_a_kept_kind_loses_nothing() {
    let (first, second, proposer, _) = two_administrators().await;
    let stockholm = org_id(&first, STOCKHOLM).await;
    let skane = org_id(&first, SKANE).await;
    // Drafts withdrawn before they were submitted: two of 2024 (Stockholm's held), one of
    // 2025, whose year is not closed.
    let held_draft = withdrawn_draft(&first, 2024, stockholm, "DK-2024-901", proposer)
        .await
        .to_string();
    let free_draft = withdrawn_draft(&first, 2024, skane, "DK-2024-902", proposer)
        .await
        .to_string();
    let open_year_draft = withdrawn_draft(&first, 2025, skane, "DK-2025-903", proposer)
        .await
        .to_string();
    // 2024 is closed: its summary is submitted.
    let summary = export(&first, 2024, proposer, date(2025, 3, 20), true)
        .await
        .to_string();
    // "When no longer needed" for a kind without that moment is refused beside its field.
    let refused = first
        .submit(
            CLASSES,
            CLASSES,
            &[
                ("kind", "decision_records"),
                ("class", "when_not_needed"),
                ("basis", "IHP 1.1"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!refused.select("#decision_records-class-error").is_empty());
    set_class(
        &first,
        "withdrawn_requisitions",
        "when_not_needed",
        "",
        "IHP 3.1",
    )
    .await;
    let held = hold(
        &first,
        &[
            ("target", "actor_year"),
            ("year", "2024"),
            ("organisation", &stockholm.to_string()),
            ("reason", "Beslutet för 2024 är överklagat"),
        ],
    )
    .await;
    // A hold on a record that does not exist is refused beside its field.
    let nothing = first
        .submit(
            HOLDS,
            HOLDS,
            &[
                ("target", "requisition"),
                ("record", &Uuid::new_v4().to_string()),
                ("reason", "Överklagat"),
            ],
        )
        .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!nothing.select("#record-error").is_empty());

    // A run proposed and cancelled removes nothing.
    let (_, run_page) = propose(&first).await;
    assert_eq!(
        listed(&first, &run_page, "proposed").await,
        vec![free_draft.clone()]
    );
    assert_eq!(
        listed(&first, &run_page, "skipped").await,
        vec![held_draft.clone()]
    );
    let cancelled = second
        .submit(&run_page, &format!("{run_page}/avbryt"), &[])
        .await;
    assert_eq!(cancelled.status, StatusCode::SEE_OTHER);
    let late = second
        .submit(
            &run_page,
            &format!("{run_page}/bekrafta"),
            &[("reviewed", "ja")],
        )
        .await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    for id in [&held_draft, &free_draft, &open_year_draft] {
        assert!(exists(&first, "requisitions", id).await);
    }

    // Proposed again, by the other, and confirmed: only the free draft goes.
    let (_, run_page) = propose(&second).await;
    let done = confirm_run(&first, &run_page).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    assert!(!exists(&first, "requisitions", &free_draft).await);
    assert!(exists(&first, "requisitions", &held_draft).await);
    assert!(exists(&first, "requisitions", &open_year_draft).await);
    assert!(exists(&first, "summary_exports", &summary).await);

    // Released after its confirmation page — what it covers and why it was placed — the
    // hold no longer keeps it, but a kind set to keep loses nothing.
    let release = format!("{HOLDS}/{held}/hav");
    let holds_page = first.get(HOLDS).await;
    assert_eq!(
        holds_page.attrs(&format!("#sparr-{held} a.release"), "href"),
        std::slice::from_ref(&release),
        "the hold's page, not a button that releases at once"
    );
    let confirm_page = first.get(&release).await;
    assert_eq!(confirm_page.status, StatusCode::OK);
    assert_eq!(confirm_page.select("h1"), [format!("Häv spärr nr {held}?")]);
    assert!(confirm_page.select(".held")[0].contains("2024"));
    assert_eq!(
        confirm_page.select(".reason"),
        ["Beslutet för 2024 är överklagat"]
    );
    assert_eq!(
        confirm_page.attr("form.confirm", "action").as_deref(),
        Some(release.as_str())
    );
    assert_eq!(
        count(
            &first,
            &format!("SELECT count(*) FROM legal_holds WHERE id = {held} AND released_at IS NULL")
        )
        .await,
        1,
        "the page releases nothing"
    );
    let released = first.submit(&release, &release, &[]).await;
    assert_eq!(released.status, StatusCode::SEE_OTHER);
    assert_eq!(first.audit_count("legal_hold.released").await, 1);
    set_class(&first, "withdrawn_requisitions", "keep", "", "").await;
    let none = first.submit(PAGE, "/admin/gallring/forslag", &[]).await;
    assert_eq!(none.status, StatusCode::SEE_OTHER);
    assert_eq!(none.location.as_deref(), Some(PAGE));
    assert_eq!(count(&first, "SELECT count(*) FROM disposal_runs").await, 2);
    assert!(exists(&first, "requisitions", &held_draft).await);
    // Released twice is a conflict.
    let twice = first.submit(HOLDS, &release, &[]).await;
    assert_eq!(twice.status, StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_bank_file_disposed_of_goes_with_its_payments_and_is_never_read_in_again() {
    let (first, second, proposer, _) = two_administrators().await;
    let file: Uuid = sqlx::query_scalar(
        "INSERT INTO bank_files (id, kind, file_name, sha256, imported_by, imported_at,
             payment_count, total)
         VALUES (gen_random_uuid(), 'bgmax', 'bgmax-2024.txt', encode(sha256('matris'), 'hex'),
                 $1, '2024-01-10 12:00+01', 1, 100)
         RETURNING id",
    )
    .bind(proposer)
    .fetch_one(&first.db)
    .await
    .expect("a bank file");
    sqlx::query(
        "INSERT INTO bank_payments (id, file_id, line, bank_reference, amount, paid_on, state,
             decided_by, decided_at, dismiss_reason)
         VALUES (gen_random_uuid(), $1, 3, 'BGC-20240110-000000000001', 100, '2024-01-10',
                 'dismissed', $2, now(), 'Inte en återbetalning')",
    )
    .bind(file)
    .bind(proposer)
    .execute(&first.db)
    .await
    .expect("its payment, decided");
    // Frozen: refused outside a run.
    assert!(
        sqlx::query("DELETE FROM bank_payments WHERE file_id = $1")
            .bind(file)
            .execute(&first.db)
            .await
            .is_err()
    );
    set_class(&first, "bank_files", "after_years", "1", "IHP 5.1").await;
    let (_, run_page) = propose(&first).await;
    assert_eq!(
        listed(&first, &run_page, "proposed").await,
        vec![file.to_string()]
    );
    let done = confirm_run(&second, &run_page).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    assert!(!exists(&first, "bank_files", &file.to_string()).await);
    let payments = "SELECT count(*) FROM bank_payments
                    WHERE bank_reference = 'BGC-20240110-000000000001'";
    assert_eq!(count(&first, payments).await, 0);
    // Read in again, the same file or the same payment in another is refused.
    let again = sqlx::query(
        "INSERT INTO bank_files (id, kind, file_name, sha256, imported_by, payment_count, total)
         VALUES (gen_random_uuid(), 'bgmax', 'bgmax-2024.txt', encode(sha256('matris'), 'hex'), $1, 1, 100)",
    )
    .bind(proposer)
    .execute(&first.db)
    .await
    .expect_err("the same file again");
    assert_eq!(
        again.as_database_error().and_then(|d| d.constraint()),
        Some("bank_files_disposed")
    );
    let mut tx = first.db.begin().await.expect("a transaction");
    let other: Uuid = sqlx::query_scalar(
        "INSERT INTO bank_files (id, kind, file_name, sha256, imported_by, payment_count, total)
         VALUES (gen_random_uuid(), 'bgmax', 'annan.txt', encode(sha256('annan'), 'hex'), $1, 1, 100)
         RETURNING id",
    )
    .bind(proposer)
    .fetch_one(&mut *tx)
    .await
    .expect("another file");
    let payment = sqlx::query(
        "INSERT INTO bank_payments (id, file_id, line, bank_reference, amount, paid_on)
         VALUES (gen_random_uuid(), $1, 3, 'BGC-20240110-000000000001', 100, '2024-01-10')",
    )
    .bind(other)
    .execute(&mut *tx)
    .await
    .expect_err("the same payment again");
    assert_eq!(
        payment.as_database_error().and_then(|d| d.constraint()),
        Some("bank_payments_disposed")
    );
}

#[tokio::test]
async fn a_run_shows_every_record_and_is_confirmed_for_exactly_the_list_read() {
    let (first, second, _, _) = two_administrators().await;
    // More records of one kind than a page once showed (500).
    sqlx::query(&format!(
        "INSERT INTO password_reset_requests (email, ip_bucket, requested_at)
         SELECT 'nagon@matris.example', '192.0.2.1', {NOON} FROM generate_series(1, 501)"
    ))
    .bind(date(2023, 1, 10))
    .execute(&first.db)
    .await
    .expect("501 old requests");
    set_class(
        &first,
        "password_reset_requests",
        "after_years",
        "2",
        "IHP 4.2",
    )
    .await;
    let (run, run_page) = propose(&first).await;
    let page = second.get(&run_page).await;
    assert_eq!(
        page.select("tr.item.proposed").len(),
        501,
        "every record shown"
    );
    let (items, digest) = list_read(&second, &run_page).await;
    assert_eq!(items, "501");
    let remaining = "SELECT count(*) FROM password_reset_requests";

    // Another number, or another list, than the run's: refused, nothing removed.
    let confirm = format!("{run_page}/bekrafta");
    for (sent_items, sent_digest) in [
        ("500", digest.as_str()),
        (
            "501",
            "0000000000000000000000000000000000000000000000000000000000000000",
        ),
        ("", ""),
    ] {
        let refused = second
            .submit(
                &run_page,
                &confirm,
                &[
                    ("reviewed", "ja"),
                    ("items", sent_items),
                    ("digest", sent_digest),
                ],
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{sent_items}");
        assert_eq!(
            refused.select(".list-changed").len(),
            1,
            "{}",
            refused.plain()
        );
        assert_eq!(count(&first, remaining).await, 501);
    }

    // The list changes after the page was read (a record listed meanwhile): the page's
    // confirmation is refused; read again, it is confirmed, the new record with the rest.
    let later: i64 = sqlx::query_scalar(&format!(
        "INSERT INTO password_reset_requests (email, ip_bucket, requested_at)
         VALUES ('nagon@matris.example', '192.0.2.1', {NOON}) RETURNING id"
    ))
    .bind(date(2023, 1, 11))
    .fetch_one(&first.db)
    .await
    .expect("one more");
    sqlx::query(
        "INSERT INTO disposal_items (run_id, kind, entity_id, described, dated, due_because)
         VALUES ($1, 'password_reset_requests', $2, 'Begäran om nytt lösenord nr ' || $2,
                 '2023-01-11', 'Gallras 2 år efter 11 januari 2023.')",
    )
    .bind(run)
    .bind(later.to_string())
    .execute(&first.db)
    .await
    .expect("listed meanwhile");
    let stale = second
        .submit(
            &run_page,
            &confirm,
            &[("reviewed", "ja"), ("items", &items), ("digest", &digest)],
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(count(&first, remaining).await, 502);
    assert_eq!(
        stale
            .attr("form.confirm input[name=items]", "value")
            .as_deref(),
        Some("502"),
        "the list as it is now, to read"
    );
    let done = confirm_run(&second, &run_page).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    assert_eq!(count(&first, remaining).await, 0);
    assert_eq!(
        count(&first, "SELECT count(*) FROM disposal_log").await,
        502
    );
}

#[tokio::test]
async fn the_submitted_summary_closes_its_year_and_is_never_disposed_of() {
    let (first, second, proposer, confirmer) = two_administrators().await;
    let summary = export(&first, 2023, proposer, date(2024, 3, 20), true).await;
    let agency: Uuid = sqlx::query_scalar(&format!(
        "INSERT INTO summary_exports (id, year, format, filename, sha256, size, bytes,
             created_by, created_at, submitted_at, submitted_by, document)
         SELECT gen_random_uuid(), 2023, 'csv'::export_format, 'rekvisition-2023.csv',
                encode(sha256('a;b'::bytea), 'hex'), 3, 'a;b'::bytea, $2, t.at, t.at, $2,
                'agency_requisition'
         FROM (SELECT {NOON} AS at) t RETURNING id"
    ))
    .bind(date(2024, 3, 21))
    .bind(proposer)
    .fetch_one(&first.db)
    .await
    .expect("Tillväxtverket's own document, submitted");
    let classes = first.get(CLASSES).await;
    assert!(
        classes
            .select("#klass-submitted_exports .never-disposed")
            .first()
            .is_some_and(|t| t.contains("programåret är avslutat")),
        "the classes page says so"
    );
    set_class(&first, "submitted_exports", "after_years", "1", "IHP 2.8").await;
    let (_, run_page) = propose(&first).await;
    assert_eq!(
        listed(&first, &run_page, "proposed").await,
        vec![agency.to_string()],
        "the summary is not listed"
    );
    let done = confirm_run(&second, &run_page).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    assert!(!exists(&first, "summary_exports", &agency.to_string()).await);
    assert!(exists(&first, "summary_exports", &summary.to_string()).await);
    // The year stays closed: another proposal finds nothing to dispose of.
    let none = first.submit(PAGE, "/admin/gallring/forslag", &[]).await;
    assert_eq!(none.location.as_deref(), Some(PAGE));

    // Nor does the schema let it go, even listed as removed by a confirmed run.
    let mut tx = first.db.begin().await.expect("a transaction");
    let forged: i64 = sqlx::query_scalar(
        "INSERT INTO disposal_runs (proposed_by, proposed_on) VALUES ($1, '2026-03-01') RETURNING id",
    )
    .bind(proposer)
    .fetch_one(&mut *tx)
    .await
    .expect("a run");
    sqlx::query(
        "INSERT INTO disposal_items (run_id, kind, entity_id, described, dated, due_because)
         VALUES ($1, 'submitted_exports', $2, 'Export', '2024-03-20', 'Gallras 1 år efter.')",
    )
    .bind(forged)
    .bind(summary.to_string())
    .execute(&mut *tx)
    .await
    .expect("listed");
    sqlx::query(
        "UPDATE disposal_runs SET state = 'confirmed', confirmed_by = $2, confirmed_at = now()
         WHERE id = $1",
    )
    .bind(forged)
    .bind(confirmer)
    .execute(&mut *tx)
    .await
    .expect("confirmed");
    sqlx::query("UPDATE disposal_items SET state = 'removed' WHERE run_id = $1")
        .bind(forged)
        .execute(&mut *tx)
        .await
        .expect("listed as removed");
    let refused = sqlx::query("SELECT dispose_summary_exports(ARRAY[$1]::uuid[])")
        .bind(summary)
        .execute(&mut *tx)
        .await
        .expect_err("the year's submitted summary");
    assert_eq!(
        refused.as_database_error().and_then(|d| d.constraint()),
        Some("summary_exports_closing_kept")
    );
    tx.rollback().await.expect("rollback");
    assert!(exists(&first, "summary_exports", &summary.to_string()).await);
}
