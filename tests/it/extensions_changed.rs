//! Extensions changed on their own page and withdrawn with the region told (issue 28), and
//! the case officers told when a region corrects or withdraws a registered repayment.

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    TestApp,
    steps::{STOCKHOLM, approved_case, on, org_id, register, submitted, unconfirmed_payment},
};

const PAGE: &str = "/handlaggning/forlangningar?ar=2025";
const BASIS: &str = "Infrastrukturdepartementets medgivande 2025-03-10, I2025/00042";

/// A case officer gives Region Stockholm until `until` for its 2025 requisition.
async fn grant(officer: &TestApp, org: Uuid, until: &str, reason: &str) {
    let granted = officer
        .submit(
            PAGE,
            "/handlaggning/forlangningar",
            &[
                ("ar", "2025"),
                ("organisation_id", &org.to_string()),
                ("deadline", "requisition"),
                ("new_deadline", until),
                ("reason", reason),
                ("basis", BASIS),
            ],
        )
        .await;
    assert_eq!(granted.status, StatusCode::SEE_OTHER, "{}", granted.plain());
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

/// The mails queued for `event`: to whom, subject and text.
async fn mails(app: &TestApp, event: &str) -> Vec<(String, String, String)> {
    // Amounts are written with no-break spaces; read plain.
    sqlx::query_as(
        "SELECT to_address, subject, replace(body_text, chr(160), ' ') FROM outbox
         WHERE event = $1 ORDER BY id",
    )
    .bind(event)
    .fetch_all(&app.db)
    .await
    .expect("outbox")
}

#[tokio::test]
async fn an_extension_is_changed_on_its_page_with_a_reason_and_a_case_within_it_is_not_late() {
    let app = TestApp::spawn_on(on(2025, 4, 2)).await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let org = org_id(&app, STOCKHOLM).await;
    grant(&officer, org, "2025-04-10", "Sjukdom.").await;

    // Each granted extension has its own change link; the form holds what it says now.
    let change = format!("/handlaggning/forlangningar/2025/{org}/requisition/andra");
    let list = officer.get(PAGE).await;
    assert_eq!(
        list.attrs("a.change-extension", "href"),
        vec![change.clone()]
    );
    let form = officer.get(&change).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.attr("#new_deadline", "value").as_deref(),
        Some("2025-04-10")
    );
    assert_eq!(form.select("textarea#reason"), vec!["Sjukdom."]);
    assert_eq!(form.attr("#basis", "value").as_deref(), Some(BASIS));
    assert_eq!(form.select("textarea#change_reason"), vec![""]);
    assert_eq!(form.select("form.form input[name='csrf']").len(), 1);
    // The region may not open it.
    assert_eq!(region.get(&change).await.status, StatusCode::FORBIDDEN);

    // Without a reason for the change: the error beside the field, nothing changed.
    let fields = |change_reason: &'static str| {
        [
            ("new_deadline", "2025-04-20"),
            ("reason", "Sjukskrivningen har förlängts."),
            ("basis", BASIS),
            ("change_reason", change_reason),
        ]
    };
    let without = officer.submit(&change, &change, &fields(" ")).await;
    assert_eq!(without.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(without.select("#change_reason-error").len(), 1);
    assert_eq!(
        without.attr("#new_deadline", "value").as_deref(),
        Some("2025-04-20"),
        "what was typed is kept"
    );
    assert_eq!(extended_to(&app, org).await.as_deref(), Some("2025-04-10"));
    assert_eq!(app.audit_count("deadline_extension.changed").await, 0);

    // With it: changed, audited with before and after, the region told.
    let changed = officer
        .submit(&change, &change, &fields("Läkarintyget förlängdes."))
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER, "{}", changed.plain());
    assert_eq!(extended_to(&app, org).await.as_deref(), Some("2025-04-20"));
    let (before, after, why): (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT before->>'new_deadline', after->>'new_deadline', after->>'changed_because'
         FROM audit_log WHERE action = 'deadline_extension.changed'",
    )
    .fetch_one(&app.db)
    .await
    .expect("one audit record of the change");
    assert_eq!(before.as_deref(), Some("2025-04-10"));
    assert_eq!(after.as_deref(), Some("2025-04-20"));
    assert_eq!(why.as_deref(), Some("Läkarintyget förlängdes."));
    let told = mails(&app, "deadline_extension.granted").await;
    assert!(
        told.last()
            .is_some_and(|(_, _, body)| body.contains("20 april 2025")),
        "{told:?}"
    );

    // Filed on 15 April, after the first date but within the changed one: taken, not late.
    let region_later = region.later(on(2025, 4, 15)).await;
    submitted(&region_later, "1 000 000").await;
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
}

#[tokio::test]
async fn a_withdrawn_extension_is_told_to_the_region_with_the_date_and_the_reason() {
    let app = TestApp::spawn_on(on(2025, 4, 2)).await;
    let region = app.other_browser();
    let coordinator = region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let coordinator_email = app.email_of(coordinator).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let org = org_id(&app, STOCKHOLM).await;
    grant(&officer, org, "2025-04-20", "Sjukdom.").await;

    let withdrawn = officer
        .submit(
            PAGE,
            "/handlaggning/forlangningar/aterkalla",
            &[
                ("ar", "2025"),
                ("extension", &format!("{org}:requisition")),
                ("withdraw_reason", "Medgivandet gällde en annan region."),
            ],
        )
        .await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    assert_eq!(extended_to(&app, org).await, None);

    let told = mails(&app, "deadline_extension.withdrawn").await;
    assert_eq!(told.len(), 1, "{told:?}");
    let (to, subject, body) = &told[0];
    assert_eq!(*to, coordinator_email);
    assert!(subject.contains("återkallad"), "{subject}");
    assert!(
        body.contains("rekvisitionen 2025"),
        "which deadline: {body}"
    );
    assert!(body.contains("20 april 2025"), "the date it had: {body}");
    assert!(
        body.contains("31 mars 2025"),
        "the date back in force: {body}"
    );
    assert!(
        body.contains("Medgivandet gällde en annan region."),
        "the reason: {body}"
    );
}

#[tokio::test]
async fn the_case_officers_are_told_when_a_region_corrects_or_withdraws_a_registered_payment() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    let case = approved_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let officers: Vec<String> =
        sqlx::query_scalar("SELECT email FROM users WHERE role = 'case_officer'")
            .fetch_all(&app.db)
            .await
            .expect("the case officers");
    register(&case, "19 000", "DK-fel").await;
    let payment = unconfirmed_payment(&app).await;

    let correct = format!("/aterbetalningar/betalningar/{payment}/andra");
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
    let told = mails(&app, "repayment.corrected").await;
    assert!(!told.is_empty(), "the case officers are told");
    for (to, _, body) in &told {
        assert!(officers.contains(to), "{to} is a case officer");
        assert!(
            body.contains("19 000 kr") && body.contains("190 000 kr"),
            "before and after: {body}"
        );
    }

    let withdraw = format!("/aterbetalningar/betalningar/{payment}/ta-bort");
    let withdrawn = case.region.submit(&withdraw, &withdraw, &[]).await;
    assert_eq!(withdrawn.status, StatusCode::SEE_OTHER);
    let told = mails(&app, "repayment.withdrawn").await;
    assert!(!told.is_empty(), "the case officers are told");
    for (to, _, body) in &told {
        assert!(officers.contains(to), "{to} is a case officer");
        assert!(body.contains("190 000 kr"), "{body}");
    }
}
