//! Nothing typed is lost (issue 28): the step bar saves the page before it moves, a form
//! posted after the session ended comes back on its page once the same person has signed in
//! again, activities are changed in place, and the check page names what is missing by the
//! part's number and name.

use digikoord::auth::Role;
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    PASSWORD, TestApp,
    steps::{STOCKHOLM, TASKS, count, on, paid, save, start_report},
};

const KEPT_NOTICE: &str = "Din text sparades när du blev utloggad – kontrollera och spara.";

/// A coordinator of Region Stockholm signed in in a browser of their own, with a report for
/// 2025 begun: the browser, the coordinator, their address and the report.
async fn writing() -> (TestApp, TestApp, Uuid, String, Uuid) {
    let app = TestApp::spawn_on(on(2026, 1, 15)).await;
    paid(&app, STOCKHOLM, "1000000").await;
    let coordinator = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    let email = app.email_of(coordinator).await;
    let region = app.other_browser();
    assert_eq!(
        region.login(&email, PASSWORD).await.location.as_deref(),
        Some("/")
    );
    let id = start_report(&region).await;
    (app, region, coordinator, email, id)
}

/// The user's sessions have been idle past the limit.
async fn idle_too_long(app: &TestApp, user: Uuid) {
    sqlx::query(
        "UPDATE sessions SET last_seen_at = now() - interval '32 minutes' WHERE user_id = $1",
    )
    .bind(user)
    .execute(&app.db)
    .await
    .expect("age the session");
}

async fn saved_text(app: &TestApp, id: Uuid, column: &str) -> String {
    sqlx::query_scalar(&format!("SELECT {column} FROM reports WHERE id = $1"))
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("report")
}

#[tokio::test]
async fn a_step_button_saves_the_part_then_goes_to_the_part_it_names() {
    let (app, region, _, _, id) = writing().await;
    let path = format!("/redovisningar/{id}/uppdrag");
    let page = region.get(&path).await;
    // The steps are buttons of the part's form, numbered as the check page numbers them.
    assert_eq!(
        page.attrs("nav.steps button[name=go]", "value"),
        vec!["aktiviteter", "analys", "ekonomi", "bilagor", "kontrollera"]
    );
    assert!(
        page.attrs("nav.steps button[name=go]", "form")
            .iter()
            .all(|f| f == "report-part")
    );
    assert_eq!(
        page.attr("form#report-part", "method").as_deref(),
        Some("post")
    );
    let steps = page.select("nav.steps li");
    assert_eq!(steps[0], "1. Uppdragets fem delar");
    assert_eq!(steps[1], "Spara och gå till 2. Aktiviteter");
    assert_eq!(steps[3], "Spara och gå till 4. Ekonomi");

    let moved = region
        .submit(&path, &path, &[TASKS[0], ("go", "ekonomi")])
        .await;
    assert_eq!(moved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        moved.location.as_deref(),
        Some(format!("/redovisningar/{id}/ekonomi").as_str())
    );
    assert_eq!(saved_text(&app, id, "task_1").await, TASKS[0].1);

    // From the analysis to the check page, saved on the way.
    let analysis = format!("/redovisningar/{id}/analys");
    let moved = region
        .submit(
            &analysis,
            &analysis,
            &[
                ("needs_and_challenges", "Kommunerna behöver stöd."),
                ("go", "kontrollera"),
            ],
        )
        .await;
    assert_eq!(
        moved.location.as_deref(),
        Some(format!("/redovisningar/{id}/kontrollera").as_str())
    );
    assert_eq!(
        saved_text(&app, id, "needs_and_challenges").await,
        "Kommunerna behöver stöd."
    );
    // A `go` that names no part is the usual next step.
    let moved = region
        .submit(&path, &path, &[TASKS[1], ("go", "/admin")])
        .await;
    assert_eq!(
        moved.location.as_deref(),
        Some(format!("/redovisningar/{id}/aktiviteter").as_str())
    );
}

#[tokio::test]
async fn with_an_error_nothing_moves_and_the_text_comes_back() {
    let (app, region, _, _, id) = writing().await;
    let analysis = format!("/redovisningar/{id}/analys");
    let too_long = "å".repeat(2001);
    let refused = region
        .submit(
            &analysis,
            &analysis,
            &[
                ("needs_and_challenges", "Det här får inte försvinna."),
                ("self_assessment_motivation", &too_long),
                ("go", "ekonomi"),
            ],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.location, None);
    assert_eq!(
        refused.select("textarea[name=needs_and_challenges]"),
        vec!["Det här får inte försvinna."]
    );
    assert!(!refused.select(".error-summary").is_empty());
    assert_eq!(saved_text(&app, id, "needs_and_challenges").await, "");

    // The activities: a step with nothing typed only moves on; with half an activity typed,
    // nothing is added and nothing moves.
    let activities = format!("/redovisningar/{id}/aktiviteter");
    let page = region.get(&activities).await;
    assert_eq!(
        page.attrs("form#report-part button[name=go]", "value"),
        vec!["analys"],
        "Fortsätt till nästa del saves too"
    );
    let moved_on = region
        .submit(&activities, &activities, &[("go", "analys")])
        .await;
    assert_eq!(moved_on.location.as_deref(), Some(analysis.as_str()));
    let half = region
        .submit(
            &activities,
            &activities,
            &[("title", "Länsträff"), ("go", "ekonomi")],
        )
        .await;
    assert_eq!(half.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        half.attr("input[name=title]", "value").as_deref(),
        Some("Länsträff")
    );
    let added = count(
        &app,
        &format!("SELECT count(*) FROM report_activities WHERE report_id = '{id}'"),
    )
    .await;
    assert_eq!(added, 0);
    let whole = region
        .submit(
            &activities,
            &activities,
            &[
                ("title", "Länsträff"),
                ("held", "mars 2025"),
                ("goal_ledning", "ja"),
                ("kind", "network_meeting"),
                ("participants", "12"),
                ("go", "ekonomi"),
            ],
        )
        .await;
    assert_eq!(
        whole.location.as_deref(),
        Some(format!("/redovisningar/{id}/ekonomi").as_str())
    );
}

#[tokio::test]
async fn a_post_after_the_session_ended_comes_back_on_its_form_for_the_same_person_only() {
    let (app, region, coordinator, email, id) = writing().await;
    let analysis = format!("/redovisningar/{id}/analys");
    let csrf = region.get(&analysis).await.csrf();
    idle_too_long(&app, coordinator).await;
    let text = "Ett långt resonemang om behoven i länet, skrivet under en hel eftermiddag.";
    let after = region
        .post(
            &analysis,
            &[
                ("csrf", &csrf),
                ("needs_and_challenges", text),
                ("self_assessment", "partly"),
            ],
        )
        .await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    assert_eq!(after.location.as_deref(), Some("/logga-in"));
    let login = region.follow(after).await;
    assert!(
        login.select(".flash").join(" ").contains("inte borta"),
        "{:?}",
        login.select(".flash")
    );
    // Kept, not saved.
    assert_eq!(saved_text(&app, id, "needs_and_challenges").await, "");
    assert_eq!(count(&app, "SELECT count(*) FROM kept_posts").await, 1);
    assert_eq!(app.audit_count("auth.post_kept").await, 1);

    // Someone else of the same region signs in: their start page, and no kept text.
    let colleague = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    let other = app.other_browser();
    assert_eq!(
        other
            .login(&app.email_of(colleague).await, PASSWORD)
            .await
            .location
            .as_deref(),
        Some("/")
    );
    let theirs = other.get(&analysis).await;
    assert_eq!(theirs.status, StatusCode::OK);
    assert_eq!(
        theirs.select("textarea[name=needs_and_challenges]"),
        vec![String::new()]
    );
    assert!(!theirs.plain().contains(KEPT_NOTICE));
    assert_eq!(count(&app, "SELECT count(*) FROM kept_posts").await, 1);

    // The writer signs in again and lands on the form with the text in it.
    let back = region.login(&email, PASSWORD).await;
    assert_eq!(back.location.as_deref(), Some(analysis.as_str()));
    let form = region.follow(back).await;
    assert_eq!(
        form.select("textarea[name=needs_and_challenges]"),
        vec![text]
    );
    assert_eq!(
        form.attr("input[name=self_assessment][checked]", "value")
            .as_deref(),
        Some("partly")
    );
    assert_eq!(form.select(".flash"), vec![KEPT_NOTICE]);
    // Shown once, never replayed: it is saved only when the person saves it.
    assert_eq!(count(&app, "SELECT count(*) FROM kept_posts").await, 0);
    assert_eq!(saved_text(&app, id, "needs_and_challenges").await, "");
    let again = region.get(&analysis).await;
    assert_eq!(
        again.select("textarea[name=needs_and_challenges]"),
        vec![String::new()]
    );
    let saved = save(
        &region,
        id,
        "analys",
        &[
            ("needs_and_challenges", text),
            ("self_assessment", "partly"),
        ],
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(saved_text(&app, id, "needs_and_challenges").await, text);
}

#[tokio::test]
async fn a_post_into_an_ended_session_without_its_own_token_is_not_kept() {
    let (app, region, coordinator, _, id) = writing().await;
    let analysis = format!("/redovisningar/{id}/analys");
    idle_too_long(&app, coordinator).await;
    let forged = region
        .post(
            &analysis,
            &[
                ("csrf", &"0".repeat(64)),
                ("needs_and_challenges", "Främmande text"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(count(&app, "SELECT count(*) FROM kept_posts").await, 0);
}

#[tokio::test]
async fn a_requisition_typed_as_the_session_ended_comes_back_on_the_new_form() {
    let app = TestApp::spawn().await;
    let coordinator = app.create_user(Role::Coordinator, Some(STOCKHOLM)).await;
    let email = app.email_of(coordinator).await;
    let region = app.other_browser();
    region.login(&email, PASSWORD).await;
    let csrf = region.get("/rekvisitioner/ny?ar=2025").await.csrf();
    idle_too_long(&app, coordinator).await;
    let after = region
        .post(
            "/rekvisitioner/ny",
            &[
                ("csrf", &csrf),
                ("ar", "2025"),
                ("amount", "750 000"),
                ("contact_name", "Karin Ek"),
                ("handling", "spara"),
            ],
        )
        .await;
    assert_eq!(after.location.as_deref(), Some("/logga-in"));
    let filed = count(
        &app,
        "SELECT count(*) FROM requisitions r JOIN organisations o ON o.id = r.organisation_id
         WHERE o.name = 'Region Stockholm' AND r.year = 2025",
    )
    .await;
    assert_eq!(filed, 0, "kept, not filed");
    let back = region.login(&email, PASSWORD).await;
    assert_eq!(back.location.as_deref(), Some("/rekvisitioner/ny"));
    let form = region.follow(back).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.attr("input[name=amount]", "value").as_deref(),
        Some("750 000")
    );
    assert_eq!(
        form.attr("input[name=contact_name]", "value").as_deref(),
        Some("Karin Ek")
    );
    assert_eq!(form.select(".flash"), vec![KEPT_NOTICE]);
}

#[tokio::test]
async fn an_activity_is_changed_in_place_and_audited() {
    let (app, region, _, _, id) = writing().await;
    save(
        &region,
        id,
        "aktiviteter",
        &[
            ("title", "Länsträff om AI"),
            ("held", "mars 2025"),
            ("goal_innovation", "ja"),
            ("kind", "network_meeting"),
            ("participants", "85"),
        ],
    )
    .await;
    let list = region
        .get(&format!("/redovisningar/{id}/aktiviteter"))
        .await;
    let edit = list
        .attr("a.edit-activity", "href")
        .expect("a link to change the activity");
    let form = region.get(&edit).await;
    assert_eq!(form.status, StatusCode::OK);
    assert_eq!(
        form.attr("input[name=title]", "value").as_deref(),
        Some("Länsträff om AI")
    );
    assert_eq!(
        form.attrs("input[type=checkbox][checked]", "name"),
        vec!["goal_innovation"]
    );
    assert_eq!(
        form.attr("select[name=kind] option[selected]", "value")
            .as_deref(),
        Some("network_meeting")
    );

    // With an error the change comes back and nothing changes.
    let refused = region
        .submit(&edit, &edit, &[("title", ""), ("held", "april 2025")])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        refused.attr("input[name=held]", "value").as_deref(),
        Some("april 2025")
    );

    let changed = region
        .submit(
            &edit,
            &edit,
            &[
                ("title", "Länsträff om AI och data"),
                ("held", "april 2025"),
                ("goal_ledning", "ja"),
                ("kind", "network_meeting"),
                ("participants", "90"),
            ],
        )
        .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        changed.location.as_deref(),
        Some(format!("/redovisningar/{id}/aktiviteter").as_str())
    );
    let rows: Vec<(String, String, Vec<String>, i32)> = sqlx::query_as(
        "SELECT title, held, sub_goals, participants FROM report_activities WHERE report_id = $1",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .expect("activities");
    assert_eq!(
        rows,
        vec![(
            "Länsträff om AI och data".to_string(),
            "april 2025".to_string(),
            vec!["ledning".to_string()],
            90
        )]
    );
    assert_eq!(app.audit_count("report.activity_changed").await, 1);
    // Another region's coordinator finds no such activity.
    let other = app.other_browser();
    other
        .login_as(Role::Coordinator, Some("Region Skåne"))
        .await;
    assert_eq!(other.get(&edit).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_check_page_names_each_missing_part_and_numbers_the_parts_as_the_step_bar_does() {
    let (_app, region, _, _, id) = writing().await;
    save(&region, id, "uppdrag", &TASKS).await;
    let check = region
        .get(&format!("/redovisningar/{id}/kontrollera"))
        .await;
    let missing = check.select(".missing li .missing-part");
    assert_eq!(
        missing,
        vec![
            "2. Aktiviteter",
            "3. Behov, resultat och självskattning",
            "3. Behov, resultat och självskattning",
            "3. Behov, resultat och självskattning",
            "4. Ekonomi",
        ]
    );
    let headings: Vec<String> = check
        .select("h2")
        .into_iter()
        .filter(|h| h.starts_with(char::is_numeric))
        .collect();
    let numbered: Vec<&str> = headings
        .iter()
        .map(|h| h.split(" Ändra").next().unwrap_or_default())
        .collect();
    assert_eq!(
        numbered,
        vec![
            "1. Uppdragets fem delar",
            "2. Aktiviteter (0)",
            "3. Behov, resultat och självskattning",
            "4. Ekonomi",
            "5. Bilagor",
        ]
    );
    let bar = region.get(&format!("/redovisningar/{id}/ekonomi")).await;
    let steps = bar.select("nav.steps li");
    assert_eq!(steps[3], "4. Ekonomi");
    assert_eq!(steps[4], "Spara och gå till 5. Bilagor");
}

#[tokio::test]
async fn staying_signed_in_renews_the_session_and_answers_no_content() {
    let (app, region, coordinator, _, _) = writing().await;
    sqlx::query(
        "UPDATE sessions SET last_seen_at = now() - interval '29 minutes' WHERE user_id = $1",
    )
    .bind(coordinator)
    .execute(&app.db)
    .await
    .expect("nearly idle");
    let renewed = region.get("/sessionen/fortsatt").await;
    assert_eq!(renewed.status, StatusCode::NO_CONTENT);
    let idle: i64 = sqlx::query_scalar(
        "SELECT extract(epoch FROM now() - last_seen_at)::bigint FROM sessions WHERE user_id = $1",
    )
    .bind(coordinator)
    .fetch_one(&app.db)
    .await
    .expect("session");
    assert!(idle < 60, "renewed: idle {idle} s");
    let signed_out = app.other_browser().get("/sessionen/fortsatt").await;
    assert_eq!(signed_out.location.as_deref(), Some("/logga-in"));
}

/// A session's use is written at most once a minute, so its `last_seen_at` may be up to a
/// minute older than its last use: the idle limit allows for that, and a session last
/// written 30½ minutes ago (used, perhaps, 29½ minutes ago) still lives; at 32 it has ended.
#[tokio::test]
async fn the_idle_limit_is_never_shorter_than_thirty_minutes_from_the_last_use() {
    let (app, region, coordinator, _, _) = writing().await;
    let written_ago = |seconds: i32| {
        let db = app.db.clone();
        async move {
            sqlx::query(
                "UPDATE sessions SET last_seen_at = now() - make_interval(secs => $2)
                 WHERE user_id = $1",
            )
            .bind(coordinator)
            .bind(seconds)
            .execute(&db)
            .await
            .expect("age the session");
        }
    };
    written_ago(30 * 60 + 30).await;
    assert_eq!(
        region.get("/").await.status,
        StatusCode::OK,
        "still signed in"
    );
    written_ago(32 * 60).await;
    assert_eq!(
        region.get("/").await.location.as_deref(),
        Some("/logga-in"),
        "signed out"
    );
}
