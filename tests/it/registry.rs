//! Tillväxtverket's diarienummer over HTTP: a filed case is listed for the registrar, a
//! case officer registers a typed number, the next case takes the series' next number, a
//! number another case has is refused beside its field with nothing changed, a number is
//! corrected with a reason, and a coordinator reaches none of it.

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{SKANE, STOCKHOLM, count, on, org_id, post_anyway, submitted, submitted_case},
};

/// Stockholm's and Skåne's requisitions for 2025, each filed by its coordinator; and a case
/// officer, logged in.
async fn two_requisitions_filed() -> (TestApp, TestApp) {
    let app = TestApp::spawn().await;
    for region in [STOCKHOLM, SKANE] {
        let coordinator = app.other_browser();
        coordinator.login_as(Role::Coordinator, Some(region)).await;
        submitted(&coordinator, "500 000").await;
    }
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    (app, officer)
}

/// The element id of a 2025 requisition's row (and, after `diarienummer-`, of its field).
fn requisition_of(org: Uuid) -> String {
    format!("requisition-2025-{org}")
}

/// Whether the registrar's list of cases without a diarienummer has this case's row.
fn listed(page: &Page, case: &str) -> bool {
    !page
        .select(&format!("tr.unregistered-case#arende-{case}"))
        .is_empty()
}

/// The registrar registers a 2025 requisition's diarienummer: typed (`skriv`) or the
/// series' next (`serie`), as the row's buttons send it.
async fn register(officer: &TestApp, org: Uuid, typed: &str, how: &str) -> Page {
    let org = org.to_string();
    officer
        .submit(
            "/registratur",
            "/registratur/registrera",
            &[
                ("kind", "requisition"),
                ("year", "2025"),
                ("organisation", org.as_str()),
                ("diarienummer", typed),
                ("satt", how),
            ],
        )
        .await
}

/// The registrar corrects a registered number (the entry `entry`), saying why.
async fn correct(officer: &TestApp, entry: &str, number: &str, reason: &str) -> Page {
    officer
        .submit(
            "/registratur",
            "/registratur/andra",
            &[
                ("entry", entry),
                ("diarienummer", number),
                ("reason", reason),
            ],
        )
        .await
}

async fn diarienummer_of(app: &TestApp, org: Uuid) -> Option<String> {
    sqlx::query_scalar(
        "SELECT diarienummer FROM registry_entries
         WHERE kind = 'requisition' AND year = 2025 AND organisation_id = $1",
    )
    .bind(org)
    .fetch_optional(&app.db)
    .await
    .expect("registry entry")
}

#[tokio::test]
async fn a_filed_requisition_is_listed_for_the_registrar_until_a_case_officer_registers_its_number()
{
    let (app, officer) = two_requisitions_filed().await;
    let (stockholm, skane) = (org_id(&app, STOCKHOLM).await, org_id(&app, SKANE).await);
    let page = officer.get("/registratur").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        listed(&page, &requisition_of(stockholm)),
        "{}",
        page.plain()
    );
    assert!(listed(&page, &requisition_of(skane)));
    assert!(
        page.select("tr.registered-case").is_empty(),
        "nothing registered yet"
    );

    let done = register(&officer, stockholm, " Ä 2025-117 ", "skriv").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    let page = officer.follow(done).await;
    assert!(
        page.select(".flash")
            .iter()
            .any(|f| f.contains("Diarienumret Ä 2025-117 är registrerat")),
        "{:?}",
        page.select(".flash")
    );
    assert!(
        !listed(&page, &requisition_of(stockholm)),
        "a registered case leaves the list"
    );
    assert!(listed(&page, &requisition_of(skane)), "the other stays");
    assert_eq!(
        page.select("tr.registered-case th.diarienummer"),
        ["Ä 2025-117"]
    );
    assert_eq!(
        diarienummer_of(&app, stockholm).await.as_deref(),
        Some("Ä 2025-117")
    );
    assert_eq!(app.audit_count("registry.registered").await, 1);

    // Beside the case number on the case's pages: the case officer's, the one they decide
    // on, and the region's; the other case's says it has none yet.
    let requisition = |org: Uuid| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, Uuid>(
                "SELECT id FROM requisitions WHERE organisation_id = $1 AND year = 2025",
            )
            .bind(org)
            .fetch_one(&db)
            .await
            .expect("the requisition")
        }
    };
    let (ours, theirs) = (requisition(stockholm).await, requisition(skane).await);
    for path in [
        format!("/rekvisitioner/{ours}"),
        format!("/rekvisitioner/{ours}/godkann"),
    ] {
        let page = officer.get(&path).await;
        assert_eq!(
            page.select(".case-ids .diarienummer"),
            ["Dnr Ä 2025-117"],
            "{path}"
        );
    }
    assert_eq!(
        officer
            .get(&format!("/rekvisitioner/{theirs}"))
            .await
            .select(".case-ids .diarienummer.missing"),
        ["Dnr saknas"]
    );
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    assert_eq!(
        region
            .get(&format!("/rekvisitioner/{ours}"))
            .await
            .select(".case-ids .diarienummer"),
        ["Dnr Ä 2025-117"]
    );

    // Found by the search, by the number or the actor, in any case; not by another's.
    let found = officer.get("/registratur?sok=%C3%A4+2025-117").await;
    assert_eq!(found.select("tr.registered-case").len(), 1);
    let found = officer.get("/registratur?sok=stockholm").await;
    assert_eq!(found.select("tr.registered-case").len(), 1);
    let none = officer.get("/registratur?sok=Sk%C3%A5ne").await;
    assert!(none.select("tr.registered-case").is_empty());
}

#[tokio::test]
async fn the_next_case_takes_the_series_next_number_passing_over_one_already_typed() {
    let (app, officer) = two_requisitions_filed().await;
    let (stockholm, skane) = (org_id(&app, STOCKHOLM).await, org_id(&app, SKANE).await);
    // Without a series there is nothing to take: said beside the field, nothing written.
    let refused = register(&officer, skane, "", "serie").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let field = format!("#diarienummer-{}-error", requisition_of(skane));
    assert!(
        refused.select(&field)[0].contains("ingen nummerserie för 2025"),
        "{:?}",
        refused.select(&field)
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM registry_entries").await,
        0
    );

    // The administrator sets 2025's series; a case officer has typed its next number by hand.
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let set = admin
        .submit(
            "/admin/diarium",
            "/admin/diarium",
            &[
                ("year", "2025"),
                ("prefix", "Ä"),
                ("next", "42"),
                ("digits", "5"),
            ],
        )
        .await;
    assert_eq!(set.status, StatusCode::SEE_OTHER, "{}", set.plain());
    let series = admin.follow(set).await;
    assert_eq!(series.select("td.next-number"), ["Ä 2025-00042"]);
    assert_eq!(app.audit_count("registry.series_set").await, 1);
    let typed = register(&officer, stockholm, "Ä 2025-00042", "skriv").await;
    assert_eq!(typed.status, StatusCode::SEE_OTHER, "{}", typed.plain());

    let page = officer.get("/registratur").await;
    assert_eq!(page.select(".next-number"), ["Ä 2025-00042"]);
    let taken = register(&officer, skane, "", "serie").await;
    assert_eq!(taken.status, StatusCode::SEE_OTHER, "{}", taken.plain());
    assert_eq!(
        diarienummer_of(&app, skane).await.as_deref(),
        Some("Ä 2025-00043"),
        "the number a case has already is passed over"
    );
    let next: i32 = sqlx::query_scalar("SELECT next FROM registry_series WHERE year = 2025")
        .fetch_one(&app.db)
        .await
        .expect("the series");
    assert_eq!(next, 44, "the series moved past the number taken");
    let page = officer.get("/registratur").await;
    assert_eq!(page.select(".next-number"), ["Ä 2025-00044"]);
}

#[tokio::test]
async fn a_number_another_case_has_is_refused_beside_the_field_and_nothing_changes() {
    let (app, officer) = two_requisitions_filed().await;
    let (stockholm, skane) = (org_id(&app, STOCKHOLM).await, org_id(&app, SKANE).await);
    let done = register(&officer, stockholm, "Ä 2025-117", "skriv").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);

    let before = crate::digests(&app.db, &["sessions"]).await;
    let refused = register(&officer, skane, "Ä 2025-117", "skriv").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    let case = requisition_of(skane);
    let error = refused.select(&format!("#diarienummer-{case}-error"));
    assert_eq!(error.len(), 1, "{}", refused.plain());
    assert!(
        error[0].contains("Ä 2025-117 finns redan på ett annat ärende"),
        "{error:?}"
    );
    assert_eq!(
        refused
            .attr(&format!("#diarienummer-{case}"), "value")
            .as_deref(),
        Some("Ä 2025-117"),
        "the form comes back as it was typed"
    );
    assert!(listed(&refused, &case), "still without a number");
    assert!(!refused.select(".error-summary").is_empty());
    assert_eq!(crate::digests(&app.db, &["sessions"]).await, before);
    assert_eq!(diarienummer_of(&app, skane).await, None);

    // Nor can a case get a second number.
    let again = register(&officer, stockholm, "Ä 2025-118", "skriv").await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert_eq!(
        diarienummer_of(&app, stockholm).await.as_deref(),
        Some("Ä 2025-117")
    );
}

#[tokio::test]
async fn a_registered_number_is_corrected_with_a_reason_and_audited_with_both_numbers() {
    let (app, officer) = two_requisitions_filed().await;
    let (stockholm, skane) = (org_id(&app, STOCKHOLM).await, org_id(&app, SKANE).await);
    register(&officer, stockholm, "Ä 2025-117", "skriv").await;
    register(&officer, skane, "Ä 2025-200", "skriv").await;
    let entry: i64 =
        sqlx::query_scalar("SELECT id FROM registry_entries WHERE organisation_id = $1")
            .bind(stockholm)
            .fetch_one(&app.db)
            .await
            .expect("entry");
    let entry = entry.to_string();
    let no_reason = correct(&officer, &entry, "Ä 2025-171", " ").await;
    assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        no_reason
            .select(&format!("#reason-entry-{entry}-error"))
            .len(),
        1
    );
    let taken = correct(&officer, &entry, "Ä 2025-200", "Felskrivet.").await;
    assert_eq!(taken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        taken.select(&format!("#diarienummer-entry-{entry}-error"))[0]
            .contains("finns redan på ett annat ärende")
    );
    assert_eq!(
        taken.select(&format!("#reason-entry-{entry}")),
        ["Felskrivet."]
    );
    assert_eq!(app.audit_count("registry.corrected").await, 0);

    let done = correct(&officer, &entry, "Ä 2025-171", "Siffrorna var omkastade.").await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    assert_eq!(
        diarienummer_of(&app, stockholm).await.as_deref(),
        Some("Ä 2025-171")
    );
    let (before, after): (String, String) = sqlx::query_as(
        "SELECT before->>'diarienummer', after->>'reason' FROM audit_log
         WHERE action = 'registry.corrected'",
    )
    .fetch_one(&app.db)
    .await
    .expect("the correction's record");
    assert_eq!(
        (before.as_str(), after.as_str()),
        ("Ä 2025-117", "Siffrorna var omkastade.")
    );
}

#[tokio::test]
async fn every_kind_of_case_is_listed_once_it_is_filed() {
    let app = TestApp::spawn_on(on(2026, 2, 10)).await;
    // 2025 paid, its report submitted with 190 000 kr unused.
    let case = submitted_case(&app, STOCKHOLM, "1000000", "810 000").await;
    let page = case.officer.get("/registratur").await;
    for kind in ["requisition", "report", "repayment"] {
        assert!(
            listed(&page, &format!("{kind}-2025-{}", case.org)),
            "{kind}: {}",
            page.plain()
        );
    }
    assert!(listed(&page, "summary-2025"), "the year's summary");
    let mut kinds = page.select("tr.unregistered-case th.kind");
    kinds.sort();
    assert_eq!(
        kinds,
        [
            "Redovisning",
            "Redovisning till regeringen",
            "Rekvisition",
            "Återbetalning"
        ],
        "four cases, each kind once"
    );
    // The summary is Tillväxtverket's own: registered without an organisation.
    let done = case
        .officer
        .submit(
            "/registratur",
            "/registratur/registrera",
            &[
                ("kind", "summary"),
                ("year", "2025"),
                ("organisation", ""),
                ("diarienummer", "Ä 2026-0042"),
                ("satt", "skriv"),
            ],
        )
        .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.plain());
    let page = case.officer.get("/registratur").await;
    assert!(!listed(&page, "summary-2025"));
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM registry_entries WHERE kind = 'summary' AND organisation_id IS NULL"
        )
        .await,
        1
    );
}

#[tokio::test]
async fn a_coordinator_reaches_neither_the_registrar_nor_the_series_and_an_approver_only_looks() {
    let (app, _officer) = two_requisitions_filed().await;
    let stockholm = org_id(&app, STOCKHOLM).await.to_string();
    let fields = [
        ("kind", "requisition"),
        ("year", "2025"),
        ("organisation", stockholm.as_str()),
        ("diarienummer", "Ä 2025-1"),
        ("satt", "skriv"),
    ];
    let coordinator = app.other_browser();
    coordinator
        .login_as(Role::Coordinator, Some(STOCKHOLM))
        .await;
    for path in ["/registratur", "/admin/diarium"] {
        assert_eq!(
            coordinator.get(path).await.status,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }
    let refused = post_anyway(&coordinator, "/registratur/registrera", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);

    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let page = approver.get("/registratur").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.select("form.register").is_empty(),
        "no forms to register with"
    );
    let refused = post_anyway(&approver, "/registratur/registrera", &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert_eq!(
        approver.get("/admin/diarium").await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM registry_entries").await,
        0
    );
}
