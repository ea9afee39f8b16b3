//! Repayments say the truth (issue 28): a repayment registered in full says nothing is left
//! to pay; the region corrects or withdraws a payment until it is confirmed; the server
//! needs Tillväxtverket's real bankgiro outside the demo; the approver of a refund sees
//! whom, where, how much and why before *Attestera*; extensions are changed and withdrawn
//! with a reason, and a case within its extension is not late.

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    TestApp,
    steps::{
        STOCKHOLM, approved_case, confirm, on, org_id, post_anyway, register, submitted,
        unconfirmed_payment,
    },
};

const REGISTERED: &str =
    "Registrerad – väntar på Tillväxtverkets bekräftelse; inget kvar att betala";

#[tokio::test]
async fn a_repayment_registered_in_full_says_nothing_is_left_to_pay_never_att_betala() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    register(&case, "100 000", "DK").await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".repayment-status"), vec!["Att betala"]);
    assert_eq!(
        page.select(".remaining")[0],
        "90 000 kr",
        "what is registered counts as paid by the region"
    );

    register(&case, "90 000", "DK").await;
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".repayment-status"), vec![REGISTERED]);
    assert!(page.select(".remaining")[0].starts_with("0 kr"));
    assert_eq!(
        page.select(".received"),
        vec!["0 kr"],
        "nothing confirmed yet"
    );
    assert_eq!(page.select(".all-registered").len(), 1);
    assert!(page.select(".how-to-pay").is_empty());
    assert!(
        page.select("form[action$='/betalningar']").is_empty(),
        "nothing left to register"
    );
    assert!(!page.plain().contains("Att betala"), "{}", page.plain());

    let start = case.region.get("/?ar=2025").await;
    let repayment = start.select("table.obligations tbody tr")[2].clone();
    assert!(repayment.contains(REGISTERED), "{repayment}");
    assert!(!repayment.contains("Att betala"), "{repayment}");
    assert!(repayment.contains("Klart"), "the region has done its part");

    // More is refused: the region has registered it all.
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
    assert_eq!(more.status, StatusCode::CONFLICT);

    // The case officer still sees what waits for confirmation.
    let list = case
        .officer
        .get("/handlaggning/aterbetalningar?ar=2025")
        .await;
    assert!(
        list.select("table.repayments td.state")
            .iter()
            .any(|s| s == REGISTERED)
    );
}

async fn payment_row(app: &TestApp, id: Uuid) -> Option<(String, String, String, String)> {
    sqlx::query_as(
        "SELECT state::text, paid_on::text, amount::text, reference FROM repayment_payments WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&app.db)
    .await
    .expect("payment")
}

#[tokio::test]
async fn a_region_corrects_and_withdraws_a_registered_payment_until_it_is_confirmed() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    register(&case, "19 000", "DK-fel").await;
    let payment = unconfirmed_payment(&app).await;
    let page = case.region.get(&case.page()).await;
    let correct = format!("/aterbetalningar/betalningar/{payment}/andra");
    let withdraw = format!("/aterbetalningar/betalningar/{payment}/ta-bort");
    assert_eq!(
        page.attrs("a.correct-payment", "href"),
        vec![correct.clone()]
    );
    assert_eq!(
        page.attrs("a.withdraw-payment", "href"),
        vec![withdraw.clone()]
    );

    // Corrected: the amount, the day and the reference, recorded in the audit log.
    let form = case.region.get(&correct).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(form.attr("#amount", "value").as_deref(), Some("19000"));
    assert_eq!(form.select("form.form input[name='csrf']").len(), 1);
    let wrong = case
        .region
        .submit(
            &correct,
            &correct,
            &[
                ("paid_on", "2026-02-08"),
                ("amount", "0"),
                ("reference", "DK"),
            ],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(wrong.select("#amount-error").len(), 1);
    let corrected = case
        .region
        .submit(
            &correct,
            &correct,
            &[
                ("paid_on", "2026-02-08"),
                ("amount", "190 000"),
                ("reference", "DK-rätt"),
            ],
        )
        .await;
    assert_eq!(corrected.status, StatusCode::SEE_OTHER);
    assert_eq!(
        payment_row(&app, payment).await,
        Some((
            "registered".into(),
            "2026-02-08".into(),
            "190000.00".into(),
            "DK-rätt".into()
        ))
    );
    assert_eq!(app.audit_count("repayment.corrected").await, 1);
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".repayment-status"), vec![REGISTERED]);

    // Another region's coordinator and the case officer cannot touch it.
    let other = app.other_browser();
    other
        .login_as(Role::Coordinator, Some("Region Skåne"))
        .await;
    assert_eq!(other.get(&correct).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        post_anyway(&case.officer, &withdraw, &[]).await.status,
        StatusCode::FORBIDDEN
    );

    // Withdrawn after a confirmation page; the audit log keeps what it said.
    let confirm_page = case.region.get(&withdraw).await;
    assert_eq!(confirm_page.status, StatusCode::OK);
    assert_eq!(
        confirm_page.select("form.confirm button"),
        vec!["Ta bort betalningen"]
    );
    let withdrawn = case.region.submit(&withdraw, &withdraw, &[]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(payment_row(&app, payment).await, None);
    assert_eq!(app.audit_count("repayment.withdrawn").await, 1);
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".repayment-status"), vec!["Att betala"]);
    assert_eq!(page.select(".remaining"), vec!["190 000 kr"]);

    // Once confirmed, neither: refused with the reason, nothing changed.
    register(&case, "190 000", "DK").await;
    let payment = unconfirmed_payment(&app).await;
    confirm(&case.officer, payment, "190 000").await;
    let before = payment_row(&app, payment).await;
    let correct = format!("/aterbetalningar/betalningar/{payment}/andra");
    let withdraw = format!("/aterbetalningar/betalningar/{payment}/ta-bort");
    let refused = post_anyway(
        &case.region,
        &correct,
        &[
            ("paid_on", "2026-02-09"),
            ("amount", "1"),
            ("reference", "x"),
        ],
    )
    .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.plain().contains("redan bekräftad"),
        "{}",
        refused.plain()
    );
    assert_eq!(
        post_anyway(&case.region, &withdraw, &[]).await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(case.region.get(&correct).await.status, StatusCode::CONFLICT);
    assert_eq!(payment_row(&app, payment).await, before, "nothing changed");
    assert_eq!(app.audit_count("repayment.corrected").await, 1);
    assert_eq!(app.audit_count("repayment.withdrawn").await, 1);
    let page = case.region.get(&case.page()).await;
    assert_eq!(page.select(".repayment-status"), vec!["Reglerad"]);
    assert!(page.select("a.correct-payment").is_empty());
}

#[tokio::test]
async fn the_server_refuses_to_start_without_the_repayment_bankgiro_outside_the_demo() {
    let production = |extra: &'static [(&'static str, &'static str)]| {
        digikoord::Config::from_lookup(move |key| {
            [
                ("DATABASE_URL", "postgres://localhost:1/digikoord"),
                ("SECRETS_KEY", crate::SECRETS_KEY),
            ]
            .iter()
            .chain(extra)
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.to_string())
        })
        .expect("the other commands need no bankgiro")
    };
    let refused = digikoord::serve::run(production(&[]))
        .await
        .expect_err("refused");
    assert!(refused.contains("REPAYMENT_BANKGIRO"), "{refused}");
    assert!(
        production(&[("REPAYMENT_BANKGIRO", "5050-1055")])
            .start_refusal()
            .is_none()
    );
    let demo = digikoord::Config::from_lookup(|_| None).expect("the demo");
    assert!(demo.start_refusal().is_none());
    assert!(demo.repayment_bankgiro.is_demo());
}

#[tokio::test]
async fn the_approver_sees_payee_account_reference_amount_and_preparer_before_attestera() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    register(&case, "240 000", "DK").await;
    confirm(&case.officer, unconfirmed_payment(&app).await, "240 000").await;
    let asked = case
        .region
        .submit(
            &case.page(),
            &format!("{}/meddelanden", case.page()),
            &[("body", "Vi betalade in 50 000 kr för mycket av misstag.")],
        )
        .await;
    assert!(asked.status.is_redirection(), "{}", asked.plain());
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
    let refund: Uuid = sqlx::query_scalar("SELECT id FROM refunds")
        .fetch_one(&app.db)
        .await
        .expect("prepared");
    let (case_number, account): (String, String) = sqlx::query_as(
        "SELECT case_number, account_number FROM requisitions WHERE organisation_id = $1 AND year = 2025",
    )
    .bind(case.org)
    .fetch_one(&app.db)
    .await
    .expect("the requisition");
    let attest = format!("/aterbetalningar/tillbakabetalningar/{refund}/attestera");

    // The region's page leads the approver to the page, not to a one-click button.
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let region_page = approver.get(&case.page()).await;
    assert_eq!(
        region_page.attrs("a.attest-refund", "href"),
        vec![attest.clone()]
    );
    assert!(
        region_page
            .select(&format!("form[action='{attest}']"))
            .is_empty()
    );

    let page = approver.get(&attest).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select(".payee"), vec![STOCKHOLM]);
    assert!(
        page.select(".account")[0].contains(&account),
        "{:?}",
        page.select(".account")
    );
    assert_eq!(page.select(".reference"), vec![format!("{case_number}-TB")]);
    assert_eq!(page.select(".refund-amount"), vec!["50 000 kr"]);
    assert_eq!(page.select(".received"), vec!["240 000 kr"]);
    assert_eq!(page.select(".owed"), vec!["190 000 kr"]);
    assert_eq!(page.select(".paid-too-much"), vec!["50 000 kr"]);
    assert!(page.select(".prepared")[0].contains(", "), "who and when");
    let text = page.plain();
    let message = text
        .find("Vi betalade in 50 000 kr för mycket")
        .expect("the case's message");
    let decision = text.find("Du attesterar att").expect("the decision");
    assert!(message < decision, "the content comes before the button");
    assert_eq!(page.select("form.confirm button"), vec!["Attestera"]);
    assert_eq!(page.select("form.confirm input[name='csrf']").len(), 1);

    // The one who prepared it is told why not; a case officer may not.
    assert_eq!(
        case.officer.get(&attest).await.status,
        StatusCode::FORBIDDEN
    );

    let approved = approver.submit(&attest, &attest, &[]).await;
    assert_eq!(approved.status, StatusCode::SEE_OTHER);
    assert_eq!(app.audit_count("refund.approved").await, 1);
    assert_eq!(approver.get(&attest).await.status, StatusCode::CONFLICT);
}

const BASIS: &str = "Infrastrukturdepartementets medgivande 2025-03-10, I2025/00042";

async fn extend(
    officer: &TestApp,
    year: &str,
    org: Uuid,
    deadline: &str,
    new_deadline: &str,
    reason: &str,
) -> crate::Page {
    officer
        .submit(
            &format!("/handlaggning/forlangningar?ar={year}"),
            "/handlaggning/forlangningar",
            &[
                ("ar", year),
                ("organisation_id", &org.to_string()),
                ("deadline", deadline),
                ("new_deadline", new_deadline),
                ("reason", reason),
                ("basis", BASIS),
            ],
        )
        .await
}

async fn extended_to(app: &TestApp, org: Uuid) -> Option<String> {
    sqlx::query_scalar(
        "SELECT new_deadline::text FROM deadline_extensions
         WHERE year = 2025 AND organisation_id = $1 AND deadline = 'requisition'",
    )
    .bind(org)
    .fetch_optional(&app.db)
    .await
    .expect("extension")
}

#[tokio::test]
async fn an_extension_is_changed_and_withdrawn_with_a_reason_and_a_case_within_it_is_not_late() {
    let app = TestApp::spawn_on(on(2025, 4, 5)).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let org = org_id(&app, STOCKHOLM).await;
    let granted = extend(
        &officer,
        "2025",
        org,
        "requisition",
        "2025-04-15",
        "Sjukdom.",
    )
    .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);

    // Changed: the new date and reason replace the old, recorded as a change.
    let changed = extend(
        &officer,
        "2025",
        org,
        "requisition",
        "2025-04-20",
        "Sjukskrivningen har förlängts.",
    )
    .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(extended_to(&app, org).await.as_deref(), Some("2025-04-20"));
    assert_eq!(app.audit_count("deadline_extension.granted").await, 1);
    assert_eq!(app.audit_count("deadline_extension.changed").await, 1);

    // Filed within the extension (5 April, after 31 March): not late.
    submitted(&region, "1 000 000").await;
    let list = officer.get("/handlaggning/rekvisitioner?ar=2025").await;
    let marks = list.select("table.requisitions .mark");
    assert!(
        marks.iter().any(|m| m == "Förlängd till 20 april 2025"),
        "{marks:?}"
    );
    assert!(
        !marks.iter().any(|m| m.contains("sista dag")),
        "within its extension, not late: {marks:?}"
    );

    // Withdrawn only with a reason; the region may not.
    let page = "/handlaggning/forlangningar?ar=2025";
    let choice = format!("{org}:requisition");
    let without = officer
        .submit(
            page,
            "/handlaggning/forlangningar/aterkalla",
            &[
                ("ar", "2025"),
                ("extension", &choice),
                ("withdraw_reason", " "),
            ],
        )
        .await;
    assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(without.select("#withdraw_reason-error").len(), 1);
    assert_eq!(extended_to(&app, org).await.as_deref(), Some("2025-04-20"));
    let by_region = post_anyway(
        &region,
        "/handlaggning/forlangningar/aterkalla",
        &[
            ("ar", "2025"),
            ("extension", &choice),
            ("withdraw_reason", "x"),
        ],
    )
    .await;
    assert_eq!(by_region.status, StatusCode::FORBIDDEN);
    assert_eq!(extended_to(&app, org).await.as_deref(), Some("2025-04-20"));

    let form = officer.get(page).await;
    assert_eq!(form.attrs("#extension option", "value")[1], choice);
    let withdrawn = officer
        .submit(
            page,
            "/handlaggning/forlangningar/aterkalla",
            &[
                ("ar", "2025"),
                ("extension", &choice),
                ("withdraw_reason", "Medgivandet gällde en annan region."),
            ],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(extended_to(&app, org).await, None);
    let why: Option<String> = sqlx::query_scalar(
        "SELECT after->>'withdrawn_because' FROM audit_log WHERE action = 'deadline_extension.withdrawn'",
    )
    .fetch_one(&app.db)
    .await
    .expect("the audit record");
    assert_eq!(why.as_deref(), Some("Medgivandet gällde en annan region."));
    let again = post_anyway(
        &officer,
        "/handlaggning/forlangningar/aterkalla",
        &[
            ("ar", "2025"),
            ("extension", &choice),
            ("withdraw_reason", "En gång till."),
        ],
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "withdrawn once");
    assert_eq!(app.audit_count("deadline_extension.withdrawn").await, 1);

    // Without the extension the year's own date holds: filed after it, now late.
    let list = officer.get("/handlaggning/rekvisitioner?ar=2025").await;
    let marks = list.select("table.requisitions .mark");
    assert!(
        marks.iter().any(|m| m == "Efter ordinarie sista dag"),
        "{marks:?}"
    );
    assert!(
        !marks.iter().any(|m| m.starts_with("Förlängd")),
        "{marks:?}"
    );
}

#[tokio::test]
async fn a_repayment_within_its_extension_is_not_overdue() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let granted = extend(
        &case.officer,
        "2025",
        case.org,
        "repayment",
        "2026-03-31",
        "Regionens ekonomisystem byts.",
    )
    .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER);
    let officer = case.officer.later(on(2026, 3, 3)).await;
    let list = officer.get("/handlaggning/aterbetalningar?ar=2025").await;
    let late = list.select("table.repayments .late");
    assert!(late.iter().all(|m| !m.contains("Förfallen")), "{late:?}");
    assert!(
        list.select("table.repayments .extended")
            .iter()
            .any(|m| m == "förlängd")
    );
    let region = case.region.later(on(2026, 3, 3)).await;
    let page = region.get(&case.page()).await;
    assert!(page.select(".overdue").is_empty());
    assert_eq!(page.select(".repayment-status"), vec!["Att betala"]);
}
