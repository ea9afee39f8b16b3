//! Nothing irreversible on one click: each such action shows what it decides on, on a page
//! of its own, with the decisive button after that content; the page itself changes nothing.
//! The approver sees what they sign; the report is approved at its end; the report's
//! submission is declared and gives a receipt.

use digikoord::auth::Role;
use reqwest::StatusCode;
use scraper::Selector;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{
        STOCKHOLM, approve, fill_in_everything, kr, live_payout, on, org_id, paid, report_state,
        requisition_state, start_report, submit_report, submitted, submitted_case,
    },
};

/// Where in the page (in document order) the first element `css` finds stands.
fn position(page: &Page, css: &str) -> usize {
    let wanted = Selector::parse(css).expect("selector");
    let all = Selector::parse("*").expect("selector");
    let target = page
        .html
        .select(&wanted)
        .next()
        .unwrap_or_else(|| panic!("nothing on the page matches {css}: {}", page.plain()))
        .id();
    page.html
        .select(&all)
        .position(|e| e.id() == target)
        .expect("in the page")
}

/// Where the last element `css` finds stands.
fn last_position(page: &Page, css: &str) -> usize {
    let wanted = Selector::parse(css).expect("selector");
    let all = Selector::parse("*").expect("selector");
    let target = page
        .html
        .select(&wanted)
        .next_back()
        .unwrap_or_else(|| panic!("nothing on the page matches {css}"))
        .id();
    page.html
        .select(&all)
        .position(|e| e.id() == target)
        .expect("in the page")
}

async fn payout_state(app: &TestApp, payout: Uuid) -> String {
    sqlx::query_scalar("SELECT state::text FROM payouts WHERE id = $1")
        .bind(payout)
        .fetch_one(&app.db)
        .await
        .expect("the payout")
}

async fn name_of(app: &TestApp, user: Uuid) -> String {
    sqlx::query_scalar("SELECT name FROM users WHERE id = $1")
        .bind(user)
        .fetch_one(&app.db)
        .await
        .expect("a user")
}

#[tokio::test]
async fn the_approver_sees_payee_account_reference_amounts_preparer_and_messages_before_attesting()
{
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    let officer_id = officer.login_as(Role::CaseOfficer, None).await;
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;

    let id = submitted(&region, "900 000").await;
    let case = format!("/rekvisitioner/{id}");
    let note = "Observera att vi har bytt bankgiro sedan i fjol.";
    let posted = region
        .submit(&case, &format!("{case}/meddelanden"), &[("body", note)])
        .await;
    assert_eq!(posted.status, StatusCode::SEE_OTHER);
    approve(&officer, id, "800 000").await;
    let payout = live_payout(&app, id).await;
    let attest = format!("/utbetalningar/{payout}/attestera");

    // The queue and the case lead to the confirmation; neither attests on one click.
    let queue = approver.get("/attest").await;
    assert!(queue.select("form[action$='/attestera']").is_empty());
    assert!(queue.attrs("a[href]", "href").contains(&attest));
    let page = approver.get(&case).await;
    assert!(page.select("form[action$='/attestera']").is_empty());
    assert!(page.attrs("a[href]", "href").contains(&attest));

    let page = approver.get(&attest).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select(".payee"), vec!["Region Stockholm"]);
    let account = page.select(".account").join(" ");
    assert!(
        account.starts_with("Bankgiro") && account.contains("5050-1055"),
        "{account}"
    );
    assert_eq!(page.select(".reference"), vec!["Digikoord 2025"]);
    assert_eq!(page.select(".requested"), vec!["900 000 kr"]);
    assert_eq!(page.select(".payout-amount"), vec!["800 000 kr"]);
    let cap: rust_decimal::Decimal =
        sqlx::query_scalar("SELECT cap_per_actor FROM programme_years WHERE year = 2025")
            .fetch_one(&app.db)
            .await
            .expect("the cap");
    assert_eq!(page.select(".cap"), vec![kr(cap)]);
    let prepared = page.select(".prepared").join(" ");
    assert!(
        prepared.contains(&name_of(&app, officer_id).await),
        "{prepared}"
    );
    assert!(prepared.contains("kl."), "when: {prepared}");
    assert!(page.select(".messages").join(" ").contains(note));
    // The decisive button after everything it decides on.
    let button = position(&page, "form.confirm button[type=submit]");
    for content in [
        ".payee",
        ".account",
        ".reference",
        ".payout-amount",
        ".cap",
        ".prepared",
    ] {
        assert!(
            position(&page, content) < button,
            "{content} before the button"
        );
    }
    assert!(last_position(&page, ".messages li") < button);

    // Looking changed nothing; the button attests.
    assert_eq!(payout_state(&app, payout).await, "prepared");
    assert_eq!(app.audit_count("payout.approved").await, 0);
    let done = approver.submit(&attest, &attest, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(payout_state(&app, payout).await, "approved");
}

#[tokio::test]
async fn the_case_officer_approves_a_report_at_its_end_with_an_optional_comment() {
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    let case = submitted_case(&app, STOCKHOLM, "1000000", "800 000").await;
    let path = format!("/redovisningar/{}", case.report);
    let page = case.officer.get(&path).await;
    let approve = position(&page, "form.approve-report button[type=submit]");
    for content in [
        "ol.tasks",
        "table.activities",
        "p.needs",
        "p.results",
        "p.self-assessment",
        "table.finances",
    ] {
        assert!(
            position(&page, content) < approve,
            "{content} before the approval"
        );
    }
    // Nothing on the page decides before the report has been shown: the one approval form
    // is the one at the end, and returning starts there too.
    assert_eq!(page.select("form[action$='/godkann']").len(), 1);
    assert!(position(&page, "table.finances") < position(&page, "a[href$='/komplettering']"));
    assert_eq!(report_state(&app, case.report).await, "submitted");

    // A comment too long comes back beside its field, and nothing is decided.
    let long = "x".repeat(5001);
    let refused = case
        .officer
        .submit(&path, &format!("{path}/godkann"), &[("comment", &long)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#comment-error").len(), 1);
    assert_eq!(report_state(&app, case.report).await, "submitted");
    assert_eq!(app.audit_count("report.approved").await, 0);

    let comment = "Tydlig redovisning; tack för underlaget om e-hälsan.";
    let done = case
        .officer
        .submit(&path, &format!("{path}/godkann"), &[("comment", comment)])
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(report_state(&app, case.report).await, "approved");
    // Kept in the case's history, which the region reads too.
    let seen = case.region.get(&path).await;
    assert!(
        seen.select("table.history").join(" ").contains(comment),
        "{:?}",
        seen.select("table.history")
    );
}

#[tokio::test]
async fn a_report_is_not_sent_in_without_the_declaration_and_nothing_changes() {
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let id = start_report(&region).await;
    fill_in_everything(&region, id).await;
    let check = format!("/redovisningar/{id}/kontrollera");
    let page = region.get(&check).await;
    // The declaration and the button come after the report they send.
    let declaration = position(&page, "input#declaration");
    assert!(position(&page, "table.finances") < declaration);
    assert!(declaration < position(&page, "form.submit-report button[type=submit]"));

    let refused = region
        .submit(&check, &format!("/redovisningar/{id}/skicka-in"), &[])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let beside = refused.select("#declaration-field .field-error");
    assert_eq!(beside.len(), 1, "the error beside the field");
    assert!(beside[0].contains("Intyga"), "{beside:?}");
    assert_eq!(
        refused.attr("a[href='#declaration']", "href").as_deref(),
        Some("#declaration"),
        "the summary leads to the field"
    );
    assert_eq!(report_state(&app, id).await, "draft");
    assert_eq!(app.audit_count("report.submitted").await, 0);
}

#[tokio::test]
async fn a_submitted_report_gives_a_receipt_with_the_case_and_what_happens_now() {
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    let coordinator = region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let id = start_report(&region).await;
    fill_in_everything(&region, id).await;
    let sent = submit_report(&region, id).await;
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("/redovisningar/{id}/kvitto").as_str())
    );
    let receipt = region.follow(sent).await;
    assert_eq!(receipt.status, StatusCode::OK);
    let case_number: String = sqlx::query_scalar(
        "SELECT q.case_number FROM reports r JOIN payouts p ON p.id = r.payout_id
         JOIN requisitions q ON q.id = p.requisition_id WHERE r.id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("the case");
    assert_eq!(receipt.select(".case-number"), vec![case_number]);
    assert!(receipt.select(".report-id")[0].contains(&id.to_string()));
    assert_eq!(receipt.select(".actor"), vec!["Region Stockholm"]);
    assert!(receipt.select(".submitted")[0].contains("20 januari 2026"));
    assert_eq!(receipt.select("dd.unused"), vec!["190 000 kr"]);
    // The declaration is part of the report: who made it, and when.
    let declared: (Option<Uuid>, bool) =
        sqlx::query_as("SELECT declared_by, declared_at = submitted_at FROM reports WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("the declaration");
    assert_eq!(declared, (Some(coordinator), true));
    let by = receipt.select(".declared-by").join(" ");
    assert!(by.contains(&name_of(&app, coordinator).await), "{by}");
    assert_eq!(receipt.select("#vad-hander-nu"), vec!["Vad händer nu"]);
    let org = org_id(&app, STOCKHOLM).await;
    let deadline: chrono::NaiveDate =
        sqlx::query_scalar("SELECT actor_deadline(2025, $1, 'repayment')")
            .bind(org)
            .fetch_one(&app.db)
            .await
            .expect("the repayment deadline");
    let repay = receipt.select(".next-steps .repay").join(" ");
    assert!(repay.contains("190 000 kr"), "{repay}");
    assert!(
        repay.contains(&digikoord::dates::format_date(deadline)),
        "{repay}"
    );
    assert!(receipt.select(".next-steps").join(" ").contains("e-post"));
    // The report's page links its receipt; staff read it too.
    let report = region.get(&format!("/redovisningar/{id}")).await;
    assert!(
        report
            .attrs("a[href]", "href")
            .contains(&format!("/redovisningar/{id}/kvitto"))
    );
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    assert_eq!(
        officer
            .get(&format!("/redovisningar/{id}/kvitto"))
            .await
            .status,
        StatusCode::OK
    );
}

#[tokio::test]
async fn withdrawing_a_requisition_asks_first_and_shows_the_requisition() {
    let app = TestApp::spawn().await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let id = submitted(&region, "900 000").await;
    let path = format!("/rekvisitioner/{id}/aterkalla");
    let case = region.get(&format!("/rekvisitioner/{id}")).await;
    assert!(case.select("form[action$='/aterkalla']").is_empty());
    assert!(case.attrs("a[href]", "href").contains(&path));

    let page = region.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select("dd.requested"), vec!["900 000 kr"]);
    assert!(
        page.select(".consequences")
            .join(" ")
            .contains("Tillväxtverket")
    );
    let button = position(&page, "form.confirm button[type=submit]");
    assert!(position(&page, "dd.case-number") < button);
    assert!(position(&page, ".consequences") < button);
    assert_eq!(requisition_state(&app, id).await, "submitted");

    let done = region.submit(&path, &path, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(requisition_state(&app, id).await, "withdrawn");
}

#[tokio::test]
async fn removing_an_activity_shows_it_whole_first() {
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let id = start_report(&region).await;
    fill_in_everything(&region, id).await;
    let activity: Uuid =
        sqlx::query_scalar("SELECT id FROM report_activities WHERE report_id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .expect("an activity");
    let path = format!("/redovisningar/{id}/aktiviteter/{activity}/ta-bort");
    let list = region
        .get(&format!("/redovisningar/{id}/aktiviteter"))
        .await;
    assert!(list.select("form[action$='/ta-bort']").is_empty());
    assert!(list.attrs("a[href]", "href").contains(&path));

    let page = region.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select(".activity-title"),
        vec!["Länsträff om AI i offentlig sektor"]
    );
    assert!(page.plain().contains("Länsstyrelsen, RISE"));
    assert!(position(&page, "dl.activity") < position(&page, "form.confirm button[type=submit]"));
    let db = &app.db;
    let activities = || async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM report_activities WHERE report_id = $1")
            .bind(id)
            .fetch_one(db)
            .await
            .expect("count")
    };
    assert_eq!(activities().await, 1);

    let done = region.submit(&path, &path, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(activities().await, 0);
}

#[tokio::test]
async fn removing_an_actor_from_a_period_names_the_actor_and_the_period_first() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let period: Uuid =
        sqlx::query_scalar("SELECT period_id FROM programme_years WHERE year = 2025")
            .fetch_one(&app.db)
            .await
            .expect("the period");
    let org: Uuid = sqlx::query_scalar(
        "INSERT INTO organisations (id, name) VALUES (gen_random_uuid(), 'Provaktören') RETURNING id",
    )
    .fetch_one(&app.db)
    .await
    .expect("an organisation");
    sqlx::query(
        "INSERT INTO period_actors (period_id, organisation_id, actor_name) VALUES ($1, $2, 'Provaktören')",
    )
    .bind(period)
    .bind(org)
    .execute(&app.db)
    .await
    .expect("an actor");
    let db = &app.db;
    let actors = || async move {
        sqlx::query_scalar::<_, i64>(
            "SELECT count(*) FROM period_actors WHERE period_id = $1 AND organisation_id = $2",
        )
        .bind(period)
        .bind(org)
        .fetch_one(db)
        .await
        .expect("count")
    };
    let path = format!("/admin/program/perioder/{period}/aktorer/{org}/ta-bort");
    let form = app.get(&format!("/admin/program/perioder/{period}")).await;
    assert!(form.select("form[action$='/ta-bort']").is_empty());
    assert!(form.attrs("a[href]", "href").contains(&path));

    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select("dd.actor"), vec!["Provaktören"]);
    let decision: String = sqlx::query_scalar("SELECT decision_number FROM periods WHERE id = $1")
        .bind(period)
        .fetch_one(&app.db)
        .await
        .expect("the decision");
    assert!(page.select("dd.period")[0].contains(&decision));
    let button = position(&page, "form.confirm button[type=submit]");
    assert!(position(&page, "dd.period") < button);
    assert!(position(&page, ".consequences") < button);
    assert_eq!(actors().await, 1);

    let done = app.submit(&path, &path, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert_eq!(actors().await, 0);
}

#[tokio::test]
async fn deactivating_a_user_names_whom_first() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let coordinator = app.other_browser();
    let id = coordinator
        .login_as(Role::Coordinator, Some("Region Uppsala"))
        .await;
    let db = &app.db;
    let active = || async move {
        sqlx::query_scalar::<_, bool>("SELECT active FROM users WHERE id = $1")
            .bind(id)
            .fetch_one(db)
            .await
            .expect("the user")
    };
    let path = format!("/admin/anvandare/{id}/inaktivera");
    let form = app.get(&format!("/admin/anvandare/{id}")).await;
    assert!(form.select("form[action$='/inaktivera']").is_empty());
    assert!(form.attrs("a[href]", "href").contains(&path));

    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select("dd.user-name"), vec![name_of(&app, id).await]);
    assert_eq!(page.select("dd.user-email"), vec![app.email_of(id).await]);
    let button = position(&page, "form.confirm button[type=submit]");
    assert!(position(&page, "dd.user-email") < button);
    assert!(position(&page, ".consequences") < button);
    assert!(active().await);
    assert_eq!(coordinator.get("/").await.status, StatusCode::OK);

    let done = app.submit(&path, &path, &[]).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    assert!(!active().await);
}

#[tokio::test]
async fn marking_an_export_submitted_shows_the_file_first_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin, None).await;
    let export = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO summary_exports (id, year, format, filename, sha256, size, bytes, created_by)
         VALUES ($1, 2025, 'csv', 'Digikoord 2025.csv', encode(sha256('a;b'::bytea), 'hex'), 3,
                 'a;b'::bytea, $2)",
    )
    .bind(export)
    .bind(admin)
    .execute(&app.db)
    .await
    .expect("an export");
    let path = format!("/sammanstallning/exporter/{export}/inlamnad");
    let summary = app.get("/sammanstallning?ar=2025").await;
    assert!(summary.select("form[action$='/inlamnad']").is_empty());
    assert!(summary.attrs("a[href]", "href").contains(&path));

    let page = app.get(&path).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select("dd.export-file"), vec!["Digikoord 2025.csv"]);
    let button = position(&page, "form.confirm button[type=submit]");
    assert!(position(&page, "code.checksum") < button);
    assert!(position(&page, ".consequences") < button);
    let submitted: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT submitted_at FROM summary_exports WHERE id = $1")
            .bind(export)
            .fetch_one(&app.db)
            .await
            .expect("the export");
    assert_eq!(submitted, None);
    assert_eq!(app.audit_count("summary.submitted").await, 0);
}
