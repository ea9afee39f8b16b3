//! Requisitions and payouts through HTTP: the region files, a case officer decides,
//! another person approves the payout, and the payment is registered.
//!
//! Fifty at once (`cargo test --test it fifty`, with `repayments.rs` and `money_chain.rs`):
//! fifty clicks at the same moment approve a requisition once, attest its payout once and
//! register the payment once; exactly one succeeds each time.

use digikoord::{Clock, auth::Role, error::violated_constraint};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    TestApp, at_once,
    steps::{
        SKANE, STOCKHOLM, approve, approve_payout, borrowed, complete, count, dec, file,
        file_refused, live_payout, on, org_id, pay_payout, requisition_id, requisition_state,
        return_requisition, send_in, submitted, with,
    },
    successes,
};

/// The people of a test: the region's coordinator and Tillväxtverket's three roles, each in their own browser.
struct People {
    region: TestApp,
    officer: TestApp,
    officer_id: Uuid,
    approver: TestApp,
}

async fn people(app: &TestApp) -> People {
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    let officer_id = officer.login_as(Role::CaseOfficer, None).await;
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    People {
        region,
        officer,
        officer_id,
        approver,
    }
}

#[tokio::test]
async fn a_requisition_goes_from_draft_to_paid_with_two_different_people_at_tillvaxtverket() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;

    let start = p.region.get("/").await;
    assert_eq!(
        start.select("a.start-requisition"),
        vec!["Rekvirera medel för 2025"]
    );

    // A draft may be incomplete.
    let draft = file(
        &p.region,
        &[("ar", "2025".into()), ("amount", "750 000".into())],
        "spara",
    )
    .await;
    let id = requisition_id(&draft);
    let page = p.region.follow(draft).await;
    assert!(page.select(".flash")[0].contains("Utkastet DK-2025-001 är sparat"));
    assert_eq!(page.select(".state"), vec!["Utkast"]);
    assert_eq!(page.select(".decision-number"), vec!["I2021/00795"]);
    // Staff never see a region's draft.
    assert_eq!(
        p.officer.get(&format!("/rekvisitioner/{id}")).await.status,
        StatusCode::NOT_FOUND
    );

    // The region comes back, finds its draft filled in, completes and submits it.
    let edit = p.region.get(&format!("/rekvisitioner/{id}/andra")).await;
    assert_eq!(edit.attr("#amount", "value").as_deref(), Some("750000"));
    let sent = send_in(&p.region, id, &complete("1 000 000,00")).await;
    assert_eq!(requisition_id(&sent), id);
    let page = p.region.follow(sent).await;
    assert_eq!(page.select(".state"), vec!["Inskickad"]);
    assert_eq!(page.select(".case-number"), vec!["DK-2025-001"]);
    let stored: (String, Decimal, String) = sqlx::query_as(
        "SELECT decision_number, amount, account_number FROM requisitions WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .expect("stored");
    assert_eq!(
        stored,
        ("I2021/00795".into(), dec("1000000"), "5050-1055".into())
    );
    let receipt = p.region.get(&format!("/rekvisitioner/{id}/kvitto")).await;
    assert_eq!(receipt.status, StatusCode::OK);
    assert!(
        receipt
            .plain()
            .contains("Kvitto på rekvisition DK-2025-001")
    );

    // The case officer sees it in the year's list and approves 1 000 000 kr.
    let list = p
        .officer
        .get("/handlaggning/rekvisitioner?ar=2025&lage=inskickad")
        .await;
    assert_eq!(
        list.select("table.requisitions tbody tr td:first-child"),
        vec!["DK-2025-001"]
    );
    assert!(list.plain().contains("1 000 000 kr"));
    assert!(
        list.plain().contains("1 mars 2025"),
        "submitted on the day it was filed"
    );
    assert!(
        list.select("table.requisitions .mark").is_empty(),
        "on time: no marks"
    );
    let approved = approve(&p.officer, id, "1000000").await;
    let page = p.officer.follow(approved).await;
    assert_eq!(page.select(".state"), vec!["Godkänd – väntar på attest"]);
    let payout = live_payout(&app, id).await;

    // The approver sees it in the queue and approves it.
    let queue = p.approver.get("/attest").await;
    assert_eq!(
        queue.select("table.awaiting-approval tbody td:first-child"),
        vec!["DK-2025-001"]
    );
    let done = approve_payout(&p.approver, id, payout).await;
    assert_eq!(done.location.as_deref(), Some("/attest"));
    let queue = p.approver.follow(done).await;
    assert!(queue.select(".flash")[0].contains("attesterad"));
    assert_eq!(
        queue.select("table.awaiting-payment tbody td:first-child"),
        vec!["DK-2025-001"]
    );

    // The case officer registers the payment.
    let path = format!("/utbetalningar/{payout}/utbetald");
    let form = p.officer.get(&path).await;
    assert_eq!(form.attr("#amount", "value").as_deref(), Some("1000000"));
    let paid = pay_payout(&p.officer, payout, "1 000 000", "V2025-0042").await;
    assert_eq!(requisition_id(&paid), id);
    let page = p.officer.follow(paid).await;
    assert_eq!(page.select(".state"), vec!["Utbetald"]);

    // The region sees it paid, and the whole history.
    let page = p.region.get(&format!("/rekvisitioner/{id}")).await;
    assert_eq!(page.select(".state"), vec!["Utbetald"]);
    assert!(page.plain().contains("1 000 000 kr den 1 mars 2025"));
    let history: Vec<String> = page.select("table.history tbody td:nth-child(2)");
    assert_eq!(
        history,
        vec![
            "Utkast skapat",
            "Inskickad",
            "Godkänd; utbetalning förberedd",
            "Utbetalningen attesterad",
            "Utbetalning registrerad",
        ]
    );
    let who = page.select("table.history tbody td:nth-child(3)");
    assert_eq!(
        who[2..],
        ["Tillväxtverket", "Tillväxtverket", "Tillväxtverket"],
        "staff names stay inside Tillväxtverket"
    );
    let officer_view = p.officer.get(&format!("/rekvisitioner/{id}")).await;
    assert!(officer_view.select("table.history tbody td:nth-child(3)")[2].starts_with("Test "));
    let start = p.region.get("/").await;
    assert!(start.select("table.obligations td .state")[0].contains("Utbetald"));
    assert!(start.select("a.start-requisition").is_empty());
    let row: (String, Decimal, String) = sqlx::query_as(
        "SELECT state::text, paid_amount, voucher_number FROM payouts WHERE id = $1",
    )
    .bind(payout)
    .fetch_one(&app.db)
    .await
    .expect("payout");
    assert_eq!(row, ("paid".into(), dec("1000000"), "V2025-0042".into()));
}

#[tokio::test]
async fn a_returned_requisition_is_completed_and_resubmitted_after_the_deadline() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let id = submitted(&p.region, "900 000").await;

    let path = format!("/rekvisitioner/{id}/komplettering");
    let empty = p.officer.submit(&path, &path, &[("reason", "  ")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.select("#reason-error").len(), 1);
    assert_eq!(requisition_state(&app, id).await, "submitted");
    return_requisition(&p.officer, id, "Ange firmatecknarens fullständiga titel.").await;

    // The region sees the message and completes the requisition, even though the deadline has passed
    // since: the deadline applies to the first submission.
    sqlx::query("UPDATE programme_years SET requisition_deadline = '2025-02-28' WHERE year = 2025")
        .execute(&app.db)
        .await
        .expect("move the deadline back");
    let page = p.region.get(&format!("/rekvisitioner/{id}")).await;
    assert_eq!(page.select(".state"), vec!["Återsänd för komplettering"]);
    assert_eq!(
        page.select(".state-note"),
        vec!["Ange firmatecknarens fullständiga titel."]
    );
    assert!(
        page.select(".messages li")
            .iter()
            .any(|m| m.contains("fullständiga titel"))
    );
    // Saved without submitting, a returned requisition must stay complete.
    let cleared = with(complete("900 000"), "contact_phone", "");
    let mut save_fields = cleared.clone();
    save_fields.push(("handling", "spara".into()));
    let path = format!("/rekvisitioner/{id}/andra");
    let refused = p.region.submit(&path, &path, &borrowed(&save_fields)).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#contact_phone-error").len(), 1);
    assert_eq!(requisition_state(&app, id).await, "returned");
    let fields = with(
        complete("900 000"),
        "signatory_title",
        "Regiondirektör, Region Stockholm",
    );
    send_in(&p.region, id, &fields).await;
    let page = p.officer.get(&format!("/rekvisitioner/{id}")).await;
    assert!(page.plain().contains("Kompletterad och inskickad igen"));
    assert!(page.plain().contains("Regiondirektör, Region Stockholm"));
}

#[tokio::test]
async fn a_rejected_requisition_shows_its_reason_and_a_new_one_may_be_filed() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let id = submitted(&p.region, "1 000 000").await;
    let path = format!("/rekvisitioner/{id}/avslag");
    let rejected = p
        .officer
        .submit(
            &path,
            &path,
            &[("reason", "Fel organisation står som mottagare.")],
        )
        .await;
    assert_eq!(rejected.status, StatusCode::SEE_OTHER);
    let page = p.region.get(&format!("/rekvisitioner/{id}")).await;
    assert_eq!(page.select(".state"), vec!["Avslagen"]);
    assert_eq!(
        page.select(".state-note"),
        vec!["Fel organisation står som mottagare."]
    );
    assert!(
        page.select(".case-actions a[href$='/andra']").is_empty(),
        "a rejected requisition can't be edited"
    );

    let start = p.region.get("/").await;
    assert_eq!(start.select("a.start-requisition").len(), 1);
    let second = submitted(&p.region, "1 000 000").await;
    let numbers: Vec<String> =
        sqlx::query_scalar("SELECT case_number FROM requisitions ORDER BY case_number")
            .fetch_all(&app.db)
            .await
            .expect("numbers");
    assert_eq!(
        numbers,
        vec!["DK-2025-001", "DK-2025-002"],
        "numbers are never reused"
    );
    assert_ne!(second, id);
}

#[tokio::test]
async fn a_requisition_can_be_withdrawn_until_someone_decides() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let id = submitted(&p.region, "1 000 000").await;
    let csrf = p.region.get(&format!("/rekvisitioner/{id}")).await.csrf();
    let withdrawn = p
        .region
        .post(
            &format!("/rekvisitioner/{id}/aterkalla"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(requisition_state(&app, id).await, "withdrawn");
    let page = p.region.follow(withdrawn).await;
    assert!(page.select(".flash")[0].contains("återkallad"));
    assert_eq!(app.audit_count("requisition.withdrawn").await, 1);

    // A new one, approved: now it can't be withdrawn.
    let second = submitted(&p.region, "1 000 000").await;
    approve(&p.officer, second, "1 000 000").await;
    let again = p
        .region
        .post(
            &format!("/rekvisitioner/{second}/aterkalla"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.plain().contains("kan inte återkallas"));
    assert_eq!(requisition_state(&app, second).await, "approved");
    assert_eq!(app.audit_count("requisition.withdrawn").await, 1);
}

#[tokio::test]
async fn an_unsent_draft_can_be_withdrawn_and_staff_never_see_it() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let draft = file(
        &p.region,
        &[("ar", "2025".into()), ("contact_name", "Karin".into())],
        "spara",
    )
    .await;
    let id = requisition_id(&draft);
    let csrf = p.region.get(&format!("/rekvisitioner/{id}")).await.csrf();
    let withdrawn = p
        .region
        .post(
            &format!("/rekvisitioner/{id}/aterkalla"),
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(
        withdrawn.status,
        StatusCode::SEE_OTHER,
        "{}",
        withdrawn.plain()
    );
    assert_eq!(requisition_state(&app, id).await, "withdrawn");
    assert_eq!(
        p.officer.get(&format!("/rekvisitioner/{id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let list = p.officer.get("/handlaggning/rekvisitioner?ar=2025").await;
    assert!(list.select("table.requisitions tbody tr").is_empty());
    assert_eq!(
        p.region.get("/").await.select("a.start-requisition").len(),
        1,
        "a new one may be started"
    );
}

#[tokio::test]
async fn after_the_deadline_a_submission_is_refused_unless_the_actor_has_an_extension() {
    let app = TestApp::spawn_on(on(2025, 4, 5)).await;
    let p = people(&app).await;
    let start = p.region.get("/").await;
    assert!(start.select("a.start-requisition").is_empty());
    assert!(start.select(".refusal")[0].contains("Sista dag för rekvisition var 31 mars 2025"));

    let refused = file_refused(&p.region, &complete("1 000 000"), "skicka").await;
    assert!(refused.select("#handling-error")[0].contains("31 mars 2025"));
    assert_eq!(
        refused.attr("#amount", "value").as_deref(),
        Some("1 000 000"),
        "the form comes back filled in"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM requisitions").await, 0);

    // The case officer grants Region Stockholm until 15 April.
    let org = org_id(&app, STOCKHOLM).await;
    let path = "/handlaggning/forlangningar?ar=2025";
    let bad = p
        .officer
        .submit(
            path,
            "/handlaggning/forlangningar",
            &[
                ("ar", "2025"),
                ("organisation_id", &org.to_string()),
                ("deadline", "requisition"),
                ("new_deadline", "2025-03-15"),
                ("reason", "Sjukdom"),
                (
                    "basis",
                    "Infrastrukturdepartementets medgivande 2025-03-10, I2025/00042",
                ),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.select("#new_deadline-error").len(), 1);
    let granted = p
        .officer
        .submit(
            path,
            "/handlaggning/forlangningar",
            &[
                ("ar", "2025"),
                ("organisation_id", &org.to_string()),
                ("deadline", "requisition"),
                ("new_deadline", "2025-04-15"),
                ("reason", "Koordinatorn har varit sjukskriven."),
                (
                    "basis",
                    "Infrastrukturdepartementets medgivande 2025-03-10, I2025/00042",
                ),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("deadline_extension.granted").await, 1);

    let start = p.region.get("/").await;
    assert!(start.select(".extension-notice")[0].contains("15 april 2025"));
    assert!(start.select(".extension-notice")[0].contains("sjukskriven"));
    let id = submitted(&p.region, "1 000 000").await;
    let list = p.officer.get("/handlaggning/rekvisitioner?ar=2025").await;
    let marks = list.select("table.requisitions .mark");
    assert!(
        !marks.iter().any(|m| m == "Efter ordinarie sista dag"),
        "within its extension, not late: {marks:?}"
    );
    assert!(
        marks.iter().any(|m| m == "Förlängd till 15 april 2025"),
        "{marks:?}"
    );
    assert_eq!(requisition_state(&app, id).await, "submitted");

    // Another region has no extension and is still refused.
    let other = app.other_browser();
    other.login_as(Role::Coordinator, Some(SKANE)).await;
    file_refused(&other, &complete("1 000 000"), "skicka").await;
}

#[tokio::test]
async fn nothing_is_requisitioned_for_a_year_whose_budget_is_not_decided() {
    let app = TestApp::spawn().await;
    sqlx::query("UPDATE programme_years SET budget_state = 'pending' WHERE year = 2025")
        .execute(&app.db)
        .await
        .expect("pending budget");
    let p = people(&app).await;
    let start = p.region.get("/").await;
    assert!(start.select("a.start-requisition").is_empty());
    assert!(
        start.select(".refusal")[0].contains("Riksdagen har ännu inte beslutat budgeten för 2025")
    );
    let form = p.region.get("/rekvisitioner/ny?ar=2025").await;
    assert_eq!(form.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(form.plain().contains("budgeten för 2025"));
    for handling in ["spara", "skicka"] {
        file_refused(&p.region, &complete("1 000 000"), handling).await;
    }
    assert_eq!(count(&app, "SELECT count(*) FROM requisitions").await, 0);
}

#[tokio::test]
async fn the_one_who_prepared_a_payout_can_never_approve_it() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let id = submitted(&p.region, "1 000 000").await;
    approve(&p.officer, id, "1 000 000").await;
    let payout = live_payout(&app, id).await;

    // The case officer becomes an approver (two administrators changed the role; here the
    // confirmed grant and the role are written straight, in one transaction, as the schema wants).
    let mut tx = app.db.begin().await.expect("begin");
    sqlx::query(
        "INSERT INTO role_grants (user_id, role, from_role, state, confirmed_at)
         VALUES ($1, 'approver', 'case_officer', 'confirmed', now())",
    )
    .bind(p.officer_id)
    .execute(&mut *tx)
    .await
    .expect("grant");
    sqlx::query("UPDATE users SET role = 'approver' WHERE id = $1")
        .bind(p.officer_id)
        .execute(&mut *tx)
        .await
        .expect("role change");
    tx.commit().await.expect("commit");
    let page = p.officer.get(&format!("/rekvisitioner/{id}")).await;
    assert!(page.select(".refusal")[0].contains("en annan person måste attestera"));
    let refused = p
        .officer
        .post(
            &format!("/utbetalningar/{payout}/attestera"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.plain().contains("fyra ögon"));
    assert_eq!(requisition_state(&app, id).await, "approved");
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM payouts WHERE state = 'prepared'"
        )
        .await,
        1
    );
    assert_eq!(app.audit_count("payout.approved").await, 0);

    // The schema refuses it too, whatever the code does.
    let direct = sqlx::query("UPDATE payouts SET state = 'approved', approved_by = prepared_by, approved_at = now() WHERE id = $1")
        .bind(payout)
        .execute(&app.db)
        .await;
    let error = direct.expect_err("four eyes in the schema");
    assert_eq!(violated_constraint(&error), Some("payouts_four_eyes"));

    // Another approver may.
    approve_payout(&p.approver, id, payout).await;
}

#[tokio::test]
async fn an_approver_sends_a_payout_back_and_the_case_officer_decides_again() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let id = submitted(&p.region, "1 000 000").await;
    approve(&p.officer, id, "1 000 000").await;
    let payout = live_payout(&app, id).await;
    let path = format!("/utbetalningar/{payout}/skicka-tillbaka");
    let sent = p
        .approver
        .submit(&path, &path, &[("reason", "Fel planerat datum.")])
        .await;
    assert_eq!(sent.status, StatusCode::SEE_OTHER);
    assert_eq!(requisition_state(&app, id).await, "submitted");
    let officer_view = p.officer.get(&format!("/rekvisitioner/{id}")).await;
    assert!(officer_view.plain().contains("Fel planerat datum."));
    // The reason is internal to Tillväxtverket.
    let region_view = p.region.get(&format!("/rekvisitioner/{id}")).await;
    assert!(!region_view.plain().contains("Fel planerat datum."));
    // A new approval prepares a new payout; the old one stays in the history.
    approve(&p.officer, id, "800 000").await;
    assert_eq!(count(&app, "SELECT count(*) FROM payouts").await, 2);
    assert_ne!(live_payout(&app, id).await, payout);
}

#[tokio::test]
async fn fifty_clicks_at_once_approve_once_attest_once_and_pay_once() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let second_officer = app.other_browser();
    second_officer.login_as(Role::CaseOfficer, None).await;
    let second_approver = app.other_browser();
    second_approver.login_as(Role::Approver, None).await;
    let id = submitted(&p.region, "1 000 000").await;

    // Two case officers, 25 clicks each, at once.
    let path = format!("/rekvisitioner/{id}/godkann");
    let fields = |csrf: String| {
        vec![
            ("csrf", csrf),
            ("amount", "1000000".into()),
            ("planned_date", "2025-03-10".into()),
        ]
    };
    let c1 = p.officer.get(&path).await.csrf();
    let c2 = second_officer.get(&path).await.csrf();
    let (a, b) = tokio::join!(
        at_once(&p.officer, &path, fields(c1), 25),
        at_once(&second_officer, &path, fields(c2), 25)
    );
    let all: Vec<StatusCode> = a.into_iter().chain(b).collect();
    assert_eq!(successes(&all), 1, "{all:?}");
    assert!(
        all.iter()
            .all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::CONFLICT),
        "{all:?}"
    );
    assert_eq!(count(&app, "SELECT count(*) FROM payouts").await, 1);
    assert_eq!(app.audit_count("requisition.approved").await, 1);
    let conflict = p
        .officer
        .submit(
            &format!("/rekvisitioner/{id}"),
            &path,
            &[("amount", "1000000"), ("planned_date", "2025-03-10")],
        )
        .await;
    assert!(conflict.plain().contains("redan hanterats"));

    // Two approvers, 25 clicks each.
    let payout = live_payout(&app, id).await;
    let path = format!("/utbetalningar/{payout}/attestera");
    let c1 = p.approver.get("/attest").await.csrf();
    let c2 = second_approver.get("/attest").await.csrf();
    let (a, b) = tokio::join!(
        at_once(&p.approver, &path, vec![("csrf", c1)], 25),
        at_once(&second_approver, &path, vec![("csrf", c2)], 25)
    );
    let all: Vec<StatusCode> = a.into_iter().chain(b).collect();
    assert_eq!(successes(&all), 1, "{all:?}");
    assert_eq!(app.audit_count("payout.approved").await, 1);

    // Fifty registrations of the payment.
    let path = format!("/utbetalningar/{payout}/utbetald");
    let csrf = p.officer.get(&path).await.csrf();
    let statuses = at_once(
        &p.officer,
        &path,
        vec![
            ("csrf", csrf),
            ("paid_date", "2025-03-01".into()),
            ("amount", "1000000".into()),
            ("voucher_number", "V1".into()),
        ],
        50,
    )
    .await;
    assert_eq!(successes(&statuses), 1, "{statuses:?}");
    assert_eq!(app.audit_count("payout.paid").await, 1);
    let paid: Decimal = sqlx::query_scalar("SELECT COALESCE(sum(paid_amount), 0) FROM payouts")
        .fetch_one(&app.db)
        .await
        .expect("sum");
    assert_eq!(paid, dec("1000000"), "paid once");
}

#[tokio::test]
async fn bad_input_gets_a_swedish_message_beside_the_field_and_writes_nothing() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let long = "x".repeat(10_000);
    let cases: Vec<(&str, &str, &str, &str)> = vec![
        ("amount", "-5", "amount", "negativt"),
        ("amount", "1e9", "amount", "siffror"),
        ("amount", "abc", "amount", "siffror"),
        ("amount", "1 000 000,01", "amount", "högst 1 000 000 kr"),
        ("amount", "", "amount", "Ange hur mycket"),
        ("contact_name", &long, "contact_name", "högst 200 tecken"),
        (
            "payment_reference",
            &long,
            "payment_reference",
            "högst 50 tecken",
        ),
        (
            "account_number",
            "5050-1056",
            "account_number",
            "fel kontrollsiffra",
        ),
        ("contact_email", "karin", "contact_email", "e-postadress"),
        ("declaration", "", "declaration", "Intyga"),
    ];
    for (field, value, error_field, says) in cases {
        let fields = with(complete("1 000 000"), field, value);
        let fields: Vec<_> = fields
            .into_iter()
            .filter(|(k, v)| !(*k == "declaration" && v.is_empty()))
            .collect();
        let page = file_refused(&p.region, &fields, "skicka").await;
        let error = page.select(&format!("#{error_field}-error"));
        assert_eq!(error.len(), 1, "{field}: an error beside the field");
        assert!(
            error[0].replace('\u{a0}', " ").contains(says),
            "{field}: {}",
            error[0]
        );
        assert!(!page.select(".error-summary li").is_empty());
        if field != "declaration" {
            let shown = page.attr(&format!("#{field}"), "value").unwrap_or_default();
            assert_eq!(shown, value, "{field}: the form comes back filled in");
        }
        // The other fields are kept too.
        assert_eq!(
            page.attr("#contact_phone", "value").as_deref(),
            Some("08-123 456 78")
        );
    }
    assert_eq!(count(&app, "SELECT count(*) FROM requisitions").await, 0);
    assert_eq!(
        count(&app, "SELECT count(*) FROM case_number_counters").await,
        0
    );

    // The case officer's forms too: over the requisitioned amount, and a payment above the approved.
    let id = submitted(&p.region, "600 000").await;
    let path = format!("/rekvisitioner/{id}/godkann");
    let over = p
        .officer
        .submit(
            &path,
            &path,
            &[("amount", "600 000,01"), ("planned_date", "2025-03-10")],
        )
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.select("#amount-error")[0].contains("högst det rekvirerade"));
    assert_eq!(over.attr("#amount", "value").as_deref(), Some("600 000,01"));
    assert_eq!(requisition_state(&app, id).await, "submitted");
    approve(&p.officer, id, "500 000").await;
    let payout = live_payout(&app, id).await;
    approve_payout(&p.approver, id, payout).await;
    let path = format!("/utbetalningar/{payout}/utbetald");
    let over = p
        .officer
        .submit(
            &path,
            &path,
            &[
                ("paid_date", "2025-03-01"),
                ("amount", "500 000,01"),
                ("voucher_number", "V1"),
            ],
        )
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(over.select("#amount-error")[0].contains("attesterade"));
    let future = p
        .officer
        .submit(
            &path,
            &path,
            &[
                ("paid_date", "2025-03-02"),
                ("amount", "500 000"),
                ("voucher_number", "V1"),
            ],
        )
        .await;
    assert_eq!(future.select("#paid_date-error").len(), 1);
    assert_eq!(
        count(&app, "SELECT count(*) FROM payouts WHERE state = 'paid'").await,
        0
    );
}

#[tokio::test]
async fn the_schema_keeps_paid_within_approved_within_requisitioned_within_the_cap() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let id = submitted(&p.region, "600 000").await;
    let constraint = |r: Result<sqlx::postgres::PgQueryResult, sqlx::Error>| {
        violated_constraint(&r.expect_err("refused by the schema")).map(str::to_string)
    };
    // Requisitioned ≤ cap.
    let over_cap = sqlx::query("UPDATE requisitions SET amount = 1000000.01 WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(over_cap).as_deref(),
        Some("requisitions_within_cap")
    );
    // A payout only from an approved requisition.
    let early = sqlx::query("INSERT INTO payouts (id, requisition_id, amount, planned_date, prepared_by) VALUES ($1, $2, 1, '2025-03-10', $3)")
        .bind(Uuid::new_v4()).bind(id).bind(p.officer_id).execute(&app.db).await;
    assert_eq!(
        constraint(early).as_deref(),
        Some("requisitions_payout_consistent")
    );
    approve(&p.officer, id, "600 000").await;
    let payout = live_payout(&app, id).await;
    // Approved ≤ requisitioned, both ways round.
    let over = sqlx::query("UPDATE payouts SET amount = 600000.01 WHERE id = $1")
        .bind(payout)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(over).as_deref(),
        Some("payouts_within_requisition")
    );
    let shrink = sqlx::query("UPDATE requisitions SET amount = 599999 WHERE id = $1")
        .bind(id)
        .execute(&app.db)
        .await;
    assert_eq!(
        constraint(shrink).as_deref(),
        Some("payouts_within_requisition")
    );
    // One live payout per requisition.
    let second = sqlx::query("INSERT INTO payouts (id, requisition_id, amount, planned_date, prepared_by) VALUES ($1, $2, 1, '2025-03-10', $3)")
        .bind(Uuid::new_v4()).bind(id).bind(p.officer_id).execute(&app.db).await;
    assert_eq!(
        constraint(second).as_deref(),
        Some("payouts_one_per_requisition")
    );
    // Paid ≤ approved.
    let approver: Uuid = sqlx::query_scalar("INSERT INTO users (id, email, name, role) VALUES ($1, 'a2@test.example', 'A2', 'approver') RETURNING id")
        .bind(Uuid::new_v4()).fetch_one(&app.db).await.expect("user");
    sqlx::query("UPDATE payouts SET state = 'approved', approved_by = $2, approved_at = now() WHERE id = $1")
        .bind(payout).bind(approver).execute(&app.db).await.expect("approve");
    let overpaid = sqlx::query("UPDATE payouts SET state = 'paid', paid_amount = 600000.01, paid_date = '2025-03-01', voucher_number = 'V', paid_by = $2, paid_at = now() WHERE id = $1")
        .bind(payout).bind(approver).execute(&app.db).await;
    assert_eq!(
        constraint(overpaid).as_deref(),
        Some("payouts_paid_within_approved")
    );
    // One requisition per actor and year that is not withdrawn or rejected.
    let twin = sqlx::query("INSERT INTO requisitions (id, case_number, year, organisation_id, decision_number, created_by) SELECT $1, 'DK-2025-999', year, organisation_id, decision_number, created_by FROM requisitions WHERE id = $2")
        .bind(Uuid::new_v4()).bind(id).execute(&app.db).await;
    assert_eq!(
        constraint(twin).as_deref(),
        Some("requisitions_one_per_actor_and_year")
    );
    // The cap can't be lowered below what is requisitioned.
    let cap = sqlx::query("UPDATE programme_years SET cap_per_actor = 500000 WHERE year = 2025")
        .execute(&app.db)
        .await;
    assert_eq!(constraint(cap).as_deref(), Some("requisitions_within_cap"));
}

#[tokio::test]
async fn a_years_payouts_fill_its_frame_exactly_and_never_more() {
    let app = TestApp::spawn().await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    let orgs: Vec<Uuid> = sqlx::query_scalar(
        "SELECT a.organisation_id FROM period_actors a JOIN programme_years y ON y.period_id = a.period_id WHERE y.year = 2025",
    )
    .fetch_all(&app.db)
    .await
    .expect("actors");
    assert_eq!(orgs.len(), 21);
    for (i, org) in orgs.iter().enumerate() {
        let id = Uuid::new_v4();
        sqlx::query(
            "INSERT INTO requisitions (id, case_number, year, organisation_id, decision_number, state, amount,
                 payment_method, account_number, payment_reference, contact_name, contact_email, contact_phone,
                 signatory_name, signatory_title, declaration, created_by, first_submitted_at, submitted_at)
             VALUES ($1, $2, 2025, $3, 'I2021/00795', 'approved', 1000000, 'bankgiro', '5050-1055', 'r', 'n', 'e@x.se',
                 '081234567', 's', 't', true, $4, now(), now())",
        )
        .bind(id)
        .bind(format!("DK-2025-{:03}", i + 1))
        .bind(org)
        .bind(officer)
        .execute(&app.db)
        .await
        .expect("requisition");
        sqlx::query("INSERT INTO payouts (id, requisition_id, amount, planned_date, prepared_by) VALUES ($1, $2, 1000000, '2025-04-01', $3)")
            .bind(Uuid::new_v4())
            .bind(id)
            .bind(officer)
            .execute(&app.db)
            .await
            .expect("21 × 1 000 000 kr fits the frame exactly");
    }
    // An actor with a requisition can't leave the period: the frame would shrink under its payouts.
    let leave = sqlx::query("DELETE FROM period_actors WHERE organisation_id = $1")
        .bind(orgs[0])
        .execute(&app.db)
        .await
        .expect_err("an actor with requisitions stays");
    assert_eq!(
        violated_constraint(&leave),
        Some("requisitions_actor_of_year")
    );
    // The frame holds on its own, even if the per-requisition rule were gone: with that
    // trigger switched off in a transaction, one öre more than the frame is refused.
    let mut tx = app.db.begin().await.expect("tx");
    sqlx::query("ALTER TABLE requisitions DISABLE TRIGGER requisitions_within_programme")
        .execute(&mut *tx)
        .await
        .expect("disable");
    sqlx::query("UPDATE requisitions SET amount = 1000000.01 WHERE case_number = 'DK-2025-001'")
        .execute(&mut *tx)
        .await
        .expect("raise a requisition past the cap");
    let over = sqlx::query("UPDATE payouts SET amount = 1000000.01 WHERE requisition_id = (SELECT id FROM requisitions WHERE case_number = 'DK-2025-001')")
        .execute(&mut *tx)
        .await
        .expect_err("the frame is full");
    assert_eq!(violated_constraint(&over), Some("payouts_within_frame"));
    tx.rollback().await.expect("rollback");
}

#[tokio::test]
async fn the_region_and_tillvaxtverket_write_to_each_other_and_other_regions_see_nothing() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let id = submitted(&p.region, "1 000 000").await;
    let path = format!("/rekvisitioner/{id}");
    let action = format!("{path}/meddelanden");
    let sent = p
        .region
        .submit(
            &path,
            &action,
            &[("body", "Vi har bytt bankgiro, se nytt nummer.")],
        )
        .await;
    assert_eq!(
        sent.location.as_deref(),
        Some(format!("{path}#meddelanden").as_str())
    );
    let empty = p.officer.submit(&path, &action, &[("body", "")]).await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(empty.select("#body-error").len(), 1);
    let long = p
        .officer
        .submit(&path, &action, &[("body", &"å".repeat(10_000))])
        .await;
    assert!(long.select("#body-error")[0].contains("högst 5000 tecken"));
    let answered = p
        .officer
        .submit(&path, &action, &[("body", "Tack, vi noterar <det>.")])
        .await;
    assert_eq!(answered.location, sent.location);
    let page = p.region.get(&path).await;
    let messages = page.select(".messages li .pre");
    assert_eq!(
        messages,
        vec![
            "Vi har bytt bankgiro, se nytt nummer.",
            "Tack, vi noterar <det>."
        ]
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM requisition_messages").await,
        2
    );
}

#[tokio::test]
async fn a_coordinator_reaches_no_other_organisations_requisition_whatever_id_they_send() {
    let app = TestApp::spawn().await;
    let p = people(&app).await;
    let id = submitted(&p.region, "1 000 000").await;
    let other = app.other_browser();
    other.login_as(Role::Coordinator, Some(SKANE)).await;
    let csrf = other.get("/").await.csrf();
    for path in ["", "/andra", "/kvitto"] {
        let page = other.get(&format!("/rekvisitioner/{id}{path}")).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "GET {path}");
    }
    for path in ["/andra", "/aterkalla", "/meddelanden"] {
        let page = other
            .post(
                &format!("/rekvisitioner/{id}{path}"),
                &[
                    ("csrf", &csrf),
                    ("body", "hej"),
                    ("amount", "1"),
                    ("handling", "skicka"),
                ],
            )
            .await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "POST {path}");
    }
    let list = other.get("/handlaggning/rekvisitioner?ar=2025").await;
    assert_eq!(list.status, StatusCode::FORBIDDEN);
    assert_eq!(requisition_state(&app, id).await, "submitted");
    assert_eq!(
        count(&app, "SELECT count(*) FROM requisition_messages").await,
        0
    );
    // A coordinator can't file for another organisation either: the organisation comes from the login.
    let own = file(&other, &complete("1 000 000"), "skicka").await;
    let created = requisition_id(&own);
    let org: String = sqlx::query_scalar("SELECT o.name FROM requisitions r JOIN organisations o ON o.id = r.organisation_id WHERE r.id = $1")
        .bind(created).fetch_one(&app.db).await.expect("org");
    assert_eq!(org, SKANE);
}

fn at_utc(y: i32, m: u32, d: u32, h: u32, min: u32) -> Clock {
    use chrono::TimeZone;
    Clock::At(
        chrono::Utc
            .with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("moment"),
    )
}

#[tokio::test]
async fn filing_at_half_past_one_on_1_april_swedish_time_is_late_whatever_utc_says() {
    // 23:30 UTC on 31 March 2025 is 01:30 on 1 April in Sweden (summer time).
    let app = TestApp::spawn_on(at_utc(2025, 3, 31, 23, 30)).await;
    let p = people(&app).await;
    let refused = file_refused(&p.region, &complete("1 000 000"), "skicka").await;
    assert!(refused.select("#handling-error")[0].contains("31 mars 2025"));
    assert_eq!(count(&app, "SELECT count(*) FROM requisitions").await, 0);
}

#[tokio::test]
async fn filing_at_half_past_eleven_on_31_march_swedish_time_is_in_time() {
    // 21:30 UTC on 31 March 2025 is 23:30 the same day in Sweden.
    let app = TestApp::spawn_on(at_utc(2025, 3, 31, 21, 30)).await;
    let p = people(&app).await;
    let id = submitted(&p.region, "1 000 000").await;
    assert_eq!(requisition_state(&app, id).await, "submitted");
    let receipt = p.region.get(&format!("/rekvisitioner/{id}")).await;
    assert!(
        receipt.plain().contains("31 mars 2025 kl. 23.30"),
        "the filing time is shown in Swedish time"
    );
}
