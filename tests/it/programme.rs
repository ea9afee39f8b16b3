use digikoord::auth::Role;
use reqwest::StatusCode;

use crate::TestApp;

#[tokio::test]
async fn the_programme_page_shows_both_decisions_their_actors_caps_and_deadlines() {
    let app = TestApp::spawn().await;
    let page = app.get("/program").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(
        page.select(".decision-number"),
        vec!["N2018/04129".to_string(), "I2021/00795".to_string()]
    );
    assert_eq!(page.select("ul.actors li").len(), 42);
    let text = page.plain();
    assert!(text.contains("500 000 kr"), "2018's cap");
    assert!(text.contains("1 000 000 kr"));
    assert!(text.contains("15 november 2021"));
    assert!(text.contains("26 mars 2026"));
    let years = page.select("table.years tbody th");
    assert_eq!(
        years,
        (2018..=2025).map(|y| y.to_string()).collect::<Vec<_>>()
    );
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let app = TestApp::spawn().await;
    let count = |q: &'static str| {
        let db = app.db.clone();
        async move {
            sqlx::query_scalar::<_, i64>(q)
                .fetch_one(&db)
                .await
                .expect("count")
        }
    };
    let before = (
        count("SELECT count(*) FROM organisations").await,
        count("SELECT count(*) FROM period_actors").await,
        count("SELECT count(*) FROM programme_years").await,
    );
    digikoord::seed::programme(&app.db)
        .await
        .expect("seed again");
    let after = (
        count("SELECT count(*) FROM organisations").await,
        count("SELECT count(*) FROM period_actors").await,
        count("SELECT count(*) FROM programme_years").await,
    );
    assert_eq!(before, after);
    assert_eq!(after, (22, 42, 8));
}

#[tokio::test]
async fn an_admin_edits_a_years_cap_deadlines_and_budget_state_with_an_audit_record() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let form = app.get("/admin/program/ar/2025").await;
    assert_eq!(
        form.attr("#cap_per_actor", "value").as_deref(),
        Some("1000000")
    );
    let fields = [
        ("cap_per_actor", "950 000,50"),
        ("budget_state", "pending"),
        ("requisition_deadline", "2025-04-15"),
        ("report_deadline", "2026-01-31"),
        ("repayment_deadline", "2026-02-26"),
        ("agency_requisition_deadline", "2025-12-01"),
        ("agency_repayment_deadline", "2026-03-15"),
        ("summary_deadline", "2026-03-26"),
    ];
    let saved = app
        .submit("/admin/program/ar/2025", "/admin/program/ar/2025", &fields)
        .await;
    assert_eq!(saved.location.as_deref(), Some("/program"));
    let programme = app.follow(saved).await;
    assert_eq!(
        programme.select(".flash"),
        vec!["Programåret 2025 är sparat.".to_string()]
    );
    assert!(programme.plain().contains("950 000,50 kr"));
    assert!(programme.text.contains("Väntar på budgetbeslut"));
    assert!(programme.text.contains("15 april 2025"));
    assert_eq!(app.audit_count("programme_year.updated").await, 1);
}

#[tokio::test]
async fn a_year_form_with_bad_input_comes_back_filled_in_and_writes_nothing() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    for (cap, report, field) in [
        ("-5", "2026-01-31", "cap_per_actor"),
        ("abc", "2026-01-31", "cap_per_actor"),
        ("1000000", "2024-01-01", "report_deadline"),
    ] {
        let page = app
            .submit(
                "/admin/program/ar/2024",
                "/admin/program/ar/2024",
                &[
                    ("cap_per_actor", cap),
                    ("budget_state", "decided"),
                    ("requisition_deadline", "2024-03-31"),
                    ("report_deadline", report),
                    ("repayment_deadline", "2025-02-26"),
                    ("agency_requisition_deadline", "2024-12-01"),
                    ("agency_repayment_deadline", "2025-03-15"),
                    ("summary_deadline", "2025-03-26"),
                ],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{cap} {report}"
        );
        assert_eq!(
            page.select(&format!("#{field}-error")).len(),
            1,
            "{cap} {report}"
        );
        assert_eq!(page.attr("#cap_per_actor", "value").as_deref(), Some(cap));
    }
    assert_eq!(app.audit_count("programme_year.updated").await, 0);
    let cap: rust_decimal::Decimal =
        sqlx::query_scalar("SELECT cap_per_actor FROM programme_years WHERE year = 2024")
            .fetch_one(&app.db)
            .await
            .expect("cap");
    assert_eq!(cap, rust_decimal::Decimal::from(1_000_000));
}

#[tokio::test]
async fn an_admin_creates_a_period_whose_years_get_the_standard_deadlines() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let fields = [
        ("decision_number", "Fi2026/00001"),
        ("decision_date", "2026-02-01"),
        ("title", "Fortsatt erbjudande"),
        ("ministry", "Finansdepartementet"),
        ("first_year", "2026"),
        ("last_year", "2027"),
        ("tasks", "Samordna digitaliseringen i länet."),
        ("report_ministry", "Finansdepartementet"),
        ("report_title", "Redovisning av koordinatorernas verksamhet"),
    ];
    let created = app
        .submit(
            "/admin/program/perioder/ny",
            "/admin/program/perioder/ny",
            &fields,
        )
        .await;
    assert!(
        created
            .location
            .as_deref()
            .is_some_and(|l| l.starts_with("/admin/program/perioder/"))
    );
    let (state, deadline): (String, chrono::NaiveDate) = sqlx::query_as(
        "SELECT budget_state::text, requisition_deadline FROM programme_years WHERE year = 2027",
    )
    .fetch_one(&app.db)
    .await
    .expect("year");
    assert_eq!(state, "pending");
    assert_eq!(
        deadline,
        chrono::NaiveDate::from_ymd_opt(2027, 3, 31).expect("date")
    );
    // Overlapping an existing period is refused beside the field.
    let overlap = app
        .submit(
            "/admin/program/perioder/ny",
            "/admin/program/perioder/ny",
            &[
                ("decision_number", "X2025/1"),
                ("decision_date", "2025-01-01"),
                ("title", "t"),
                ("ministry", "m"),
                ("first_year", "2025"),
                ("last_year", "2026"),
                ("tasks", "t"),
                ("report_ministry", "m"),
                ("report_title", "t"),
            ],
        )
        .await;
    assert_eq!(overlap.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(overlap.select("#first_year-error")[0].contains("överlappar"));
}

#[tokio::test]
async fn pages_escape_what_people_typed() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Admin, None).await;
    let done = app
        .submit(
            "/admin/organisationer",
            "/admin/organisationer",
            &[("name", "<script>alert(1)</script>"), ("org_number", "")],
        )
        .await;
    assert_eq!(done.location.as_deref(), Some("/admin/organisationer"));
    let response = app
        .client
        .get(app.url("/admin/organisationer"))
        .send()
        .await
        .expect("GET")
        .text()
        .await
        .expect("body");
    assert!(!response.contains("<script>alert(1)</script>"));
    assert!(response.contains("&#60;script&#62;") || response.contains("&lt;script&gt;"));
}

/// An actor's deadline is the later of the year's own and the extension granted to it: the
/// rule is written once, in the schema's `actor_deadlines`, which every page and reminder
/// reads (and `actor_deadline()` for one actor).
#[tokio::test]
async fn an_extension_moves_an_actors_deadline_later_and_never_earlier() {
    let app = TestApp::spawn().await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    let (organisation, year_deadline): (uuid::Uuid, chrono::NaiveDate) = sqlx::query_as(
        "SELECT a.organisation_id, y.report_deadline
         FROM programme_years y JOIN period_actors a ON a.period_id = y.period_id
         WHERE y.year = 2025 AND NOT EXISTS (
             SELECT 1 FROM deadline_extensions x
             WHERE x.year = 2025 AND x.organisation_id = a.organisation_id)
         ORDER BY a.actor_name LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("an actor without extensions");
    let due = || async {
        let row: (
            chrono::NaiveDate,
            Option<chrono::NaiveDate>,
            chrono::NaiveDate,
        ) = sqlx::query_as(
            "SELECT d.report_due, d.report_extended_to, actor_deadline(2025, $1, 'report')
                 FROM actor_deadlines d WHERE d.year = 2025 AND d.organisation_id = $1",
        )
        .bind(organisation)
        .fetch_one(&app.db)
        .await
        .expect("deadlines");
        assert_eq!(row.0, row.2, "the view and the function agree");
        (row.0, row.1)
    };
    assert_eq!(due().await, (year_deadline, None));

    let later = year_deadline + chrono::Days::new(14);
    sqlx::query(
        "INSERT INTO deadline_extensions (year, organisation_id, deadline, new_deadline, reason, basis,
             granted_by)
         VALUES (2025, $1, 'report', $2, 'Sjukdom', 'Regeringsbeslut I2025/00001', $3)",
    )
    .bind(organisation)
    .bind(later)
    .bind(officer)
    .execute(&app.db)
    .await
    .expect("extension");
    assert_eq!(due().await, (later, Some(later)));

    let earlier = year_deadline - chrono::Days::new(30);
    sqlx::query("UPDATE deadline_extensions SET new_deadline = $2 WHERE organisation_id = $1")
        .bind(organisation)
        .bind(earlier)
        .execute(&app.db)
        .await
        .expect("an earlier date");
    assert_eq!(
        due().await,
        (year_deadline, Some(earlier)),
        "an extension never shortens the year's deadline"
    );
}
