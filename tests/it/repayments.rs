//! Repayments and Tillväxtverket's account through HTTP: full use, part use, part payments,
//! overdue, over-payment, concurrent confirmation, a corrected report, and the account to the öre.
//!
//! Fifty at once (`cargo test --test it fifty`): fifty confirmations of one repayment at the
//! same moment confirm it once; exactly one succeeds.

use digikoord::{auth::Role, error::violated_constraint};
use reqwest::StatusCode;
use rust_decimal::Decimal;
use uuid::Uuid;

use crate::{
    TestApp, at_once,
    steps::{
        Case, SKANE, STOCKHOLM, approve_report, approved_case, confirm, correct_report, dec,
        fill_in_everything, on, org_id, paid, post_anyway, register, save, start_report,
        submit_report, unconfirmed_payment,
    },
    successes,
};

#[tokio::test]
async fn part_use_is_repaid_in_parts_and_only_confirmed_payments_settle_it() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;

    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".owed"), vec!["190 000 kr"]);
    assert_eq!(page.select(".repayment-status"), vec!["Att betala"]);
    assert_eq!(page.select(".bankgiro"), vec!["5050-1055"]);
    let reference = page.select(".reference")[0].clone();
    assert!(
        reference.starts_with("DK-2025-") && reference.ends_with("-AB"),
        "{reference}"
    );
    assert_eq!(page.attr("#amount", "value").as_deref(), Some("190000"));
    let start = case.region.get("/?ar=2025").await;
    assert!(start.select("table.obligations td .state")[2].contains("Att betala"));

    let first = register(&case, "100 000", &reference).await;
    let page = case.region.follow(first).await;
    assert_eq!(page.select(".registered"), vec!["100 000 kr"]);
    assert_eq!(
        page.select(".received"),
        vec!["0 kr"],
        "registered is not yet received"
    );
    assert_eq!(
        page.select(".remaining"),
        vec!["90 000 kr"],
        "what the region registered it need not pay again"
    );
    assert_eq!(page.select(".repayment-status"), vec!["Att betala"]);

    let payment = unconfirmed_payment(&app).await;
    confirm(&case.officer, payment, "100 000").await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".remaining"), vec!["90 000 kr"]);

    register(&case, "90 000", &reference).await;
    let second = unconfirmed_payment(&app).await;
    confirm(&case.officer, second, "90 000").await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".repayment-status"), vec!["Reglerad"]);
    assert_eq!(page.select(".remaining"), vec!["0 kr"]);
    assert!(page.select("form[action$='/betalningar']").is_empty());
    let more = post_anyway(
        &case.region,
        &format!("{}/betalningar", case.page()),
        &[
            ("paid_on", "2026-02-09"),
            ("amount", "5"),
            ("reference", "x"),
        ],
    )
    .await;
    assert_eq!(more.status, StatusCode::CONFLICT, "nothing left to repay");
    assert_eq!(page.select("table.payments tbody tr").len(), 2);

    let list = case
        .officer
        .get("/handlaggning/aterbetalningar?ar=2025")
        .await;
    assert_eq!(list.select("tfoot .total-owed"), vec!["190 000 kr"]);
    assert_eq!(list.select("tfoot .total-received"), vec!["190 000 kr"]);
    assert_eq!(list.select("tfoot .total-remaining"), vec!["0 kr"]);
    assert_eq!(app.audit_count("repayment.confirmed").await, 2);
}

#[tokio::test]
async fn a_region_that_used_everything_owes_nothing_and_is_settled_at_once() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "1 000 000").await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(
        page.select(".repayment-status"),
        vec!["Inget att återbetala"]
    );
    assert!(
        page.select("form[action$='/betalningar']").is_empty(),
        "nothing to register"
    );
    let start = case.region.get("/?ar=2025").await;
    assert!(start.select("table.obligations td .state")[2].contains("Inget att återbetala"));
    let rows = start.select("table.obligations tbody tr");
    assert!(
        rows.iter().all(|r| r.contains("Klart")),
        "paid, approved, settled: {rows:?}"
    );
}

#[tokio::test]
async fn nothing_can_be_registered_before_the_report_is_submitted() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let org = org_id(&app, STOCKHOLM).await;
    let page = region.get(&format!("/aterbetalningar/2025/{org}")).await;
    assert_eq!(
        page.select(".repayment-status"),
        vec!["Öppnas när redovisningen är inlämnad"]
    );
    let refused = post_anyway(
        &region,
        &format!("/aterbetalningar/2025/{org}/betalningar"),
        &[
            ("paid_on", "2026-02-09"),
            ("amount", "5"),
            ("reference", "x"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    let direct = sqlx::query(
        "INSERT INTO repayment_payments (id, year, organisation_id, paid_on, amount, reference, registered_by)
         SELECT $1, 2025, $2, '2026-02-09', 5, 'x', id FROM users LIMIT 1",
    )
    .bind(Uuid::new_v4())
    .bind(org)
    .execute(&app.db)
    .await
    .expect_err("the schema needs an open obligation");
    assert_eq!(
        violated_constraint(&direct),
        Some("repayment_payments_obligation_open")
    );
}

#[tokio::test]
async fn an_unpaid_repayment_after_26_february_is_overdue_with_its_days() {
    // Region Stockholm's report is in on 20 January; on 3 March it is five days late.
    let app = TestApp::spawn_on(on(2026, 1, 20)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let officer = case.officer.later(on(2026, 3, 3)).await;
    let list = officer.get("/handlaggning/aterbetalningar?ar=2025").await;
    assert!(
        list.select("table.repayments .late")
            .iter()
            .any(|m| m == "Förfallen, 5 dagar"),
        "{:?}",
        list.select("table.repayments .late")
    );
    let region = case.region.later(on(2026, 3, 3)).await;
    let page = region.get(&case.page()).await;
    assert_eq!(page.select(".overdue"), vec!["Förfallen för 5 dagar sedan"]);
}

#[tokio::test]
async fn overdue_counts_only_the_days_on_which_the_region_could_pay() {
    // Region Stockholm's report comes in on 2 March, after the repayment deadline: it could
    // not pay before, so on 3 March it is two days late, not five.
    let app = TestApp::spawn_on(on(2026, 3, 2)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let region = case.region.later(on(2026, 3, 3)).await;
    let page = region.get(&case.page()).await;
    assert_eq!(page.select(".overdue"), vec!["Förfallen för 2 dagar sedan"]);
}

#[tokio::test]
async fn an_over_payment_is_flagged_for_refund_never_absorbed() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    register(&case, "200 000", "DK").await;
    let payment = unconfirmed_payment(&app).await;
    let confirmed = confirm(&case.officer, payment, "200 000").await;
    let page = case.officer.follow(confirmed).await;
    assert!(page.select(".flash")[0].contains("mer än den är skyldig"));
    assert!(page.select(".overpaid")[0].contains("10 000 kr"));
    let flagged: bool =
        sqlx::query_scalar("SELECT overpayment FROM repayment_payments WHERE id = $1")
            .bind(payment)
            .fetch_one(&app.db)
            .await
            .expect("flag");
    assert!(flagged, "the database flags it");
    let list = case
        .officer
        .get("/handlaggning/aterbetalningar?ar=2025")
        .await;
    assert!(
        list.plain()
            .contains("Överbetalt 10 000 kr – ska betalas tillbaka")
    );
    // The reference differs from the expected one: shown, not hidden.
    assert!(page.plain().contains("Annan referens än"));
}

#[tokio::test]
async fn fifty_confirmations_at_once_confirm_one_payment_once() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    register(&case, "190 000", "DK").await;
    let payment = unconfirmed_payment(&app).await;
    let second_officer = app.other_browser();
    second_officer.login_as(Role::CaseOfficer, None).await;
    let path = format!("/aterbetalningar/betalningar/{payment}/bekrafta");
    // Both officers open the form before anyone sends it: a form fetched after the first
    // confirmation has landed would rightly say "redan hanterat" and carry no form.
    let fields = |csrf: String| {
        vec![
            ("csrf", csrf),
            ("received_on", "2026-02-10".to_string()),
            ("received_amount", "190000".to_string()),
            ("verification_number", "V1".to_string()),
        ]
    };
    let c1 = case.officer.get(&path).await.csrf();
    let c2 = second_officer.get(&path).await.csrf();
    let (a, b) = tokio::join!(
        at_once(&case.officer, &path, fields(c1), 25),
        at_once(&second_officer, &path, fields(c2), 25)
    );
    let statuses: Vec<StatusCode> = a.into_iter().chain(b).collect();
    assert_eq!(successes(&statuses), 1, "{statuses:?}");
    assert!(
        statuses
            .iter()
            .all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::CONFLICT),
        "{statuses:?}"
    );
    assert_eq!(app.audit_count("repayment.confirmed").await, 1);
    let received: Decimal = sqlx::query_scalar("SELECT COALESCE(sum(received_amount), 0) FROM repayment_payments WHERE state = 'confirmed'")
        .fetch_one(&app.db)
        .await
        .expect("sum");
    assert_eq!(received, dec("190000"));
}

#[tokio::test]
async fn when_an_approved_report_is_corrected_the_amount_owed_follows_with_its_history() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let second = correct_report(&case.region, case.report).await;
    // While the correction is drafted, the approved version still decides what is owed.
    assert_eq!(
        case.region.get(&case.page()).await.select(".owed"),
        vec!["190 000 kr"]
    );
    save(
        &case.region,
        second,
        "ekonomi",
        &[("cost_personnel", "900 000")],
    )
    .await;
    submit_report(&case.region, second).await;
    approve_report(&case.officer, second).await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".owed"), vec!["100 000 kr"]);
    let history = page.select(".owed-history li");
    assert_eq!(history.len(), 2, "{history:?}");
    assert!(history[0].contains("version 1") && history[0].contains("190 000 kr"));
    assert!(history[1].contains("version 2") && history[1].contains("100 000 kr"));
}

#[tokio::test]
async fn tillvaxtverkets_account_is_correct_to_the_ore() {
    let app = TestApp::spawn_on(on(2026, 2, 27)).await;
    let stockholm = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let skane = approved_case(&app, SKANE, "900000.50", "887 654,83").await;
    register(&stockholm, "190 000", "DK").await;
    confirm(
        &stockholm.officer,
        unconfirmed_payment(&app).await,
        "190 000",
    )
    .await;
    register(&skane, "12 345,67", "DK").await;
    confirm(&skane.officer, unconfirmed_payment(&app).await, "12 345,67").await;

    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let over = admin
        .submit(
            "/konto?ar=2025",
            "/konto/2025",
            &[
                ("requisitioned", "23 000 000,01"),
                ("requisitioned_on", "2025-11-20"),
                ("support_costs", "2 000 000,01"),
            ],
        )
        .await;
    assert_eq!(over.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(over.select("#requisitioned-error").len(), 1);
    assert_eq!(over.select("#support_costs-error").len(), 1);
    assert_eq!(
        over.attr("#requisitioned", "value").as_deref(),
        Some("23 000 000,01")
    );
    let saved = admin
        .submit(
            "/konto?ar=2025",
            "/konto/2025",
            &[
                ("requisitioned", "23 000 000"),
                ("requisitioned_on", "2025-11-20"),
                ("support_costs", "1 234 567,89"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let page = admin.get("/konto?ar=2025").await;
    assert_eq!(page.select(".paid-out"), vec!["1 900 000,50 kr"]);
    assert_eq!(page.select(".received-from-regions"), vec!["202 345,67 kr"]);
    // 23 000 000 − 1 900 000,50 − 1 234 567,89 + 202 345,67
    assert_eq!(page.select(".to-repay"), vec!["20 067 777,28 kr"]);
    assert!(
        page.select(".warnings li")
            .iter()
            .any(|w| w.contains("Återbetalning och ekonomisk redovisning till Kammarkollegiet")),
        "{:?}",
        page.select(".warnings li")
    );

    let repaid = admin
        .submit(
            "/konto?ar=2025",
            "/konto/2025",
            &[
                ("requisitioned", "23 000 000"),
                ("requisitioned_on", "2025-11-20"),
                ("support_costs", "1 234 567,89"),
                ("repaid", "20 067 777"),
                ("repaid_on", "2026-02-27"),
            ],
        )
        .await;
    assert_eq!(repaid.status, StatusCode::SEE_OTHER, "{}", repaid.plain());
    let page = admin.get("/konto?ar=2025").await;
    assert!(
        page.select(".warnings li")
            .iter()
            .any(|w| w.contains("−0,28 kr")),
        "{:?}",
        page.select(".warnings li")
    );
    // The page's figure is the model's: the same function as every other page.
    let account = digikoord::repayments::db::agency_account(&app.db, 2025)
        .await
        .expect("account");
    assert_eq!(account.to_repay(), dec("20067777.28"));
    assert_eq!(app.audit_count("agency_account.updated").await, 2);
    // A year that isn't a programme year is not found, not saved into another year.
    let elsewhere = post_anyway(&admin, "/konto/2031", &[("support_costs", "1")]).await;
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    assert_eq!(app.audit_count("agency_account.updated").await, 2);
}

#[tokio::test]
async fn a_rejected_payment_or_confirmation_comes_back_filled_in_and_writes_nothing() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let bad = case
        .region
        .submit(
            &case.page(),
            &format!("{}/betalningar", case.page()),
            &[
                ("paid_on", "2026-03-01"),
                ("amount", "-5"),
                ("reference", "DK-x"),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        bad.select("#paid_on-error").len(),
        1,
        "a payment can't be in the future"
    );
    assert_eq!(bad.select("#amount-error").len(), 1);
    assert_eq!(bad.attr("#amount", "value").as_deref(), Some("-5"));
    assert_eq!(bad.attr("#reference", "value").as_deref(), Some("DK-x"));
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM repayment_payments")
            .fetch_one(&app.db)
            .await
            .expect("count")
    };
    assert_eq!(count().await, 0);

    register(&case, "190 000", "DK").await;
    let payment = unconfirmed_payment(&app).await;
    let path = format!("/aterbetalningar/betalningar/{payment}/bekrafta");
    let bad = case
        .officer
        .submit(
            &path,
            &path,
            &[
                ("received_on", "2026-02-10"),
                ("received_amount", "190 000"),
                ("verification_number", " "),
            ],
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(bad.select("#verification_number-error").len(), 1);
    assert_eq!(
        bad.attr("#received_amount", "value").as_deref(),
        Some("190 000")
    );
    assert_eq!(app.audit_count("repayment.confirmed").await, 0);
}

#[tokio::test]
async fn nothing_is_refunded_while_what_is_owed_rests_on_a_report_nobody_approved() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let report = start_report(&region).await;
    fill_in_everything(&region, report).await;
    save(&region, report, "ekonomi", &[("cost_personnel", "900 000")]).await;
    submit_report(&region, report).await;
    // Submitted, not approved: the region owes 100 000 kr on its own figures, and pays more.
    let case = Case {
        region,
        officer,
        org: org_id(&app, STOCKHOLM).await,
        report,
    };
    register(&case, "150 000", "DK").await;
    let payment = unconfirmed_payment(&app).await;
    confirm(&case.officer, payment, "150 000").await;

    let page = case.officer.get(&case.page()).await;
    assert!(page.select(".overpaid")[0].contains("50 000 kr"));
    assert_eq!(page.select(".refund-waits").len(), 1, "it says why");
    assert!(
        !page
            .attrs("form", "action")
            .iter()
            .any(|a| a.ends_with("/tillbakabetalningar")),
        "no refund is offered"
    );
    let before = crate::digests(&app.db, &["sessions"]).await;
    let refused = post_anyway(
        &case.officer,
        &format!("{}/tillbakabetalningar", case.page()),
        &[("amount", "50 000"), ("planned_date", "2026-02-12")],
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.plain().contains("ingen har godkänt"),
        "{}",
        refused.plain()
    );
    assert_eq!(crate::digests(&app.db, &["sessions"]).await, before);
    // The schema holds the rule on its own.
    let officer_id: Uuid =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'case_officer' LIMIT 1")
            .fetch_one(&app.db)
            .await
            .expect("officer");
    let direct = sqlx::query(
        "INSERT INTO refunds (id, year, organisation_id, amount, planned_date, prepared_by)
         VALUES (gen_random_uuid(), 2025, $1, 50000, '2026-02-12', $2)",
    )
    .bind(case.org)
    .bind(officer_id)
    .execute(&app.db)
    .await
    .expect_err("refused by the schema");
    assert_eq!(
        digikoord::error::violated_constraint(&direct),
        Some("refunds_rest_on_approved_report")
    );

    // Approved, the figure is Tillväxtverket's: the refund is offered and prepared.
    approve_report(&case.officer, report).await;
    let prepared = case
        .officer
        .submit(
            &case.page(),
            &format!("{}/tillbakabetalningar", case.page()),
            &[("amount", "50 000"), ("planned_date", "2026-02-12")],
        )
        .await;
    assert_eq!(
        prepared.status,
        StatusCode::SEE_OTHER,
        "{}",
        prepared.plain()
    );
}
