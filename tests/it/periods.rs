//! A period carries its rules (issue 27): its decisions, its tasks, its report to the
//! Government, whether Tillväxtverket has a Kammarkollegiet chain, and for every date the
//! source it rests on or the mark that it is assumed. Entered in the browser; read by the
//! report form, the summary, the documents to Kammarkollegiet, the calendar and the mails.

use std::io::Read;

use digikoord::{auth::Role, mail, seed::TASKS_2021};
use reqwest::StatusCode;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    steps::{
        SKANE, STOCKHOLM, approve_payout, approve_report, borrowed, complete, fill_in_everything,
        live_payout, on, paid_in, report_id, submit_report, with,
    },
};

const ASSUMED: &str = "antaget – ej angivet i beslutet";

/// The cells of `year`'s row on /program: cap, budget, then the six dates.
fn year_cells(programme: &Page, year: i32) -> Vec<String> {
    let rows = programme.select(".years tbody tr");
    let at = rows
        .iter()
        .position(|r| r.starts_with(&year.to_string()))
        .unwrap_or_else(|| panic!("{year} on /program"));
    let cells = programme.select(".years tbody tr td");
    // Every row before has the same number of cells.
    let per_row = cells.len() / rows.len();
    cells[at * per_row..(at + 1) * per_row].to_vec()
}

/// The cells marked assumed.
fn assumed(cells: &[String]) -> Vec<&String> {
    cells.iter().filter(|c| c.contains(ASSUMED)).collect()
}

/// The whole of 2021's period form as the seed has it, with `changes` made.
fn period_2021(changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut fields: Vec<(&'static str, String)> = [
        ("decision_number", "I2021/00795"),
        ("decision_date", "2021-03-04"),
        (
            "title",
            "Erbjudande att upprätthålla en funktion som regional digitaliseringskoordinator",
        ),
        ("ministry", "Infrastrukturdepartementet"),
        ("first_year", "2021"),
        ("last_year", "2025"),
        ("agency_assignment_date", "2021-03-04"),
        ("agency_assignment_ministry", "Infrastrukturdepartementet"),
        (
            "agency_assignment_title",
            "Uppdrag att lämna stöd till de regionala digitaliseringskoordinatorerna samt att samordna och koordinera digitala innovationshubbar",
        ),
        ("report_ministry", "Infrastrukturdepartementet"),
        (
            "report_title",
            "Redovisning avseende de regionala digitaliseringskoordinatorernas verksamhet samt avseende arbetet med de digitala innovationshubbarna",
        ),
        ("report_hubs", "on"),
        ("report_digg", "on"),
        ("kammarkollegiet_chain", "on"),
        (
            "appropriation",
            "Utgiftsområde 22 Kommunikationer, anslag 2:4 Informationsteknik och telekommunikation, anslagspost 4 Informationsteknik – del till Kammarkollegiets disposition",
        ),
        ("agency_frame", "23 000 000"),
        ("sunday_rule", "on"),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    fields.push(("tasks", TASKS_2021.join("\n\n")));
    for (key, value) in changes {
        fields.retain(|(k, _)| k != key);
        fields.push((key, value.to_string()));
    }
    fields
}

async fn period_id(app: &TestApp, number: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM periods WHERE decision_number = $1")
        .bind(number)
        .fetch_one(&app.db)
        .await
        .expect("period")
}

/// The 26 March document of `year` as Word makes it, its text with the runs joined.
async fn summary_text(admin: &TestApp, year: i32) -> String {
    crate::steps::cover_filled_in(admin, year).await;
    let created = admin
        .submit(
            &format!("/sammanstallning?ar={year}"),
            &format!("/sammanstallning/{year}/exporter"),
            &[("format", "docx")],
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.plain());
    newest_docx_text(admin).await
}

/// The text of the newest kept DOCX: every paragraph's runs joined, paragraphs on lines.
async fn newest_docx_text(admin: &TestApp) -> String {
    let id: Uuid =
        sqlx::query_scalar("SELECT id FROM summary_exports ORDER BY created_at DESC, id LIMIT 1")
            .fetch_one(&admin.db)
            .await
            .expect("export");
    let bytes = admin.export_bytes(id).await;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("docx");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("document")
        .read_to_string(&mut xml)
        .expect("xml");
    docx_text(&xml)
}

/// The words of `document.xml`: the text of its `w:t` runs, a paragraph a line.
pub fn docx_text(xml: &str) -> String {
    let mut text = String::new();
    for paragraph in xml.split("</w:p>") {
        for run in paragraph.split("<w:t").skip(1) {
            let Some(start) = run.find('>') else { continue };
            let body = &run[start + 1..];
            let end = body.find("</w:t>").unwrap_or(body.len());
            text.push_str(&body[..end]);
        }
        text.push('\n');
    }
    text.replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
}

#[tokio::test]
async fn the_2018_and_2021_summaries_cite_their_decisions_as_the_sources_give_them() {
    let app = TestApp::spawn_on(on(2026, 3, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    // Tillväxtverket's own assignment has no number in the sources: missing until entered.
    let programme = admin.get("/program").await;
    assert!(
        programme.select(".agency-assignment")[1].contains("diarienummer saknas"),
        "{:?}",
        programme.select(".agency-assignment")
    );
    let period = period_id(&app, "I2021/00795").await;
    let path = format!("/admin/program/perioder/{period}");
    let fields = period_2021(&[("agency_assignment", "I2021/00796")]);
    let saved = admin.submit(&path, &path, &borrowed(&fields)).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    assert_eq!(app.audit_count("period.updated").await, 1);

    let y2021 = summary_text(&admin, 2021).await;
    for cited in [
        "Regeringskansliet\nInfrastrukturdepartementet",
        "Uppdrag att lämna stöd till de regionala digitaliseringskoordinatorerna samt att samordna och koordinera digitala innovationshubbar: regeringsbeslut I2021/00796 den 4 mars 2021 (Infrastrukturdepartementet).",
        "Erbjudande att upprätthålla en funktion som regional digitaliseringskoordinator: regeringsbeslut I2021/00795 den 4 mars 2021 (Infrastrukturdepartementet).",
        "Arbetet med de digitala innovationshubbarna",
        "Synpunkter från Myndigheten för digital förvaltning (DIGG)",
        "rekvirerat från Kammarkollegiet",
    ] {
        assert!(y2021.contains(cited), "2021: {cited}\n{y2021}");
    }
    assert!(!y2021.contains("innovationsnav"), "the hubs are hubbar");
    assert!(!y2021.contains("N2018/04129"));

    // 2018–2020: a compilation to Näringsdepartementet, N2018/04129 and Tillväxtverket's
    // assignment of the same day (number not in the sources); no hubs, no DIGG, no
    // Kammarkollegiet account.
    let y2018 = summary_text(&admin, 2018).await;
    for cited in [
        "Regeringskansliet\nNäringsdepartementet",
        "Sammanställning avseende de regionala digitaliseringskoordinatorernas verksamhet",
        "Uppdrag att administrera ett nationellt sekretariat som ska fungera som en stödfunktion till de regionala digitaliseringskoordinatorerna: regeringsbeslut (diarienummer saknas – ej angivet i underlagen) den 12 juli 2018 (Näringsdepartementet).",
        "Uppdrag och erbjudande att inrätta och upprätthålla en funktion som regional digitaliseringskoordinator: regeringsbeslut N2018/04129 den 12 juli 2018 (Näringsdepartementet).",
        "ingen rekvisition från Kammarkollegiet enligt beslutet",
    ] {
        assert!(y2018.contains(cited), "2018: {cited}\n{y2018}");
    }
    for absent in [
        "I2021/00795",
        "Infrastrukturdepartementet",
        "innovationshubb",
        "DIGG",
        "Tillväxtverkets konto med Kammarkollegiet",
    ] {
        assert!(!y2018.contains(absent), "2018 has no {absent}\n{y2018}");
    }
    // The summary page says the same.
    let page = admin.get("/sammanstallning?ar=2019").await;
    assert!(
        page.plain()
            .contains("till Regeringskansliet (Näringsdepartementet)")
    );
    assert!(page.select("#innovation_hubs").is_empty());
    assert!(page.select("#digg_views").is_empty());
    assert_eq!(page.select(".account-line.no-chain").len(), 1);
}

/// 26 March 2021 is claimed by both decisions: an administrator chooses what 2020's report
/// follows, and every page shows the choice.
#[tokio::test]
async fn an_administrator_chooses_whose_rules_the_2020_report_follows() {
    let app = TestApp::spawn_on(on(2021, 3, 10)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let form = admin.get("/admin/program/ar/2020").await;
    assert_eq!(form.status, StatusCode::OK);
    // No Kammarkollegiet dates for 2020: the period has no chain.
    assert!(form.select("#agency_requisition_deadline").is_empty());
    let i2021 = period_id(&app, "I2021/00795").await.to_string();
    let fields = [
        ("cap_per_actor", "1 000 000"),
        ("budget_state", "decided"),
        ("requisition_deadline", "2020-03-31"),
        ("report_deadline", "2021-01-31"),
        ("repayment_deadline", "2021-02-26"),
        ("summary_deadline", "2021-03-26"),
        ("summary_basis", "N2018/04129; Tillväxtverkets uppdrag 2021"),
        ("report_rules_period", i2021.as_str()),
    ];
    let saved = admin
        .submit("/admin/program/ar/2020", "/admin/program/ar/2020", &fields)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let programme = admin.get("/program").await;
    assert!(
        programme.select(".report-of")[2]
            .contains("Infrastrukturdepartementet, enligt I2021/00795"),
        "{:?}",
        programme.select(".report-of")
    );
    let page = admin.get("/sammanstallning?ar=2020").await;
    assert!(
        page.plain()
            .contains("till Regeringskansliet (Infrastrukturdepartementet), med arbetet med de digitala innovationshubbarna")
    );
    // The regional dates were saved without a basis: still assumed, one by one.
    let cells = year_cells(&programme, 2020);
    assert_eq!(assumed(&cells).len(), 3, "{cells:?}");
    // A report to a ministry that is not a period's is refused beside the field.
    let mut wrong = fields.to_vec();
    wrong.retain(|(k, _)| *k != "report_rules_period");
    wrong.push((
        "report_rules_period",
        "00000000-0000-0000-0000-000000000000",
    ));
    let refused = admin
        .submit("/admin/program/ar/2020", "/admin/program/ar/2020", &wrong)
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#report_rules_period-error").len(), 1);
    assert_eq!(app.audit_count("programme_year.updated").await, 1);
}

#[tokio::test]
async fn each_date_is_given_by_a_source_or_marked_assumed_until_confirmed() {
    let app = TestApp::spawn_on(on(2026, 1, 10)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let programme = admin.get("/program").await;
    // 2018: the three regional dates are assumed, the 26 March compilation is the decision's.
    let cells_2018 = year_cells(&programme, 2018);
    assert_eq!(assumed(&cells_2018).len(), 3, "{cells_2018:?}");
    assert!(cells_2018[7].contains("N2018/04129"), "{cells_2018:?}");
    // 2024: every date rests on a source.
    assert!(assumed(&year_cells(&programme, 2024)).is_empty());
    // 2025: the report, the repayment and the 26 March 2026 report are our extrapolation.
    let cells_2025 = year_cells(&programme, 2025);
    let marked = assumed(&cells_2025);
    assert_eq!(marked.len(), 3, "{cells_2025:?}");
    assert!(marked[0].contains("31 januari 2026"));
    assert!(marked[1].contains("26 februari 2026"));
    assert!(marked[2].contains("26 mars 2026"));
    // The organisation numbers are the programme's own data, not the decision's.
    assert!(
        programme
            .select(".own-data")
            .iter()
            .all(|n| n.contains("inte beslutets")),
        "{:?}",
        programme.select(".own-data")
    );
    assert_eq!(programme.select(".own-data").len(), 2, "one per period");
    // The budget of 2022–2025 is marked decided as an assumption, 2021's by the decision.
    assert!(year_cells(&programme, 2023)[1].contains("antaget – ej angivet i källorna"));
    assert!(year_cells(&programme, 2021)[1].contains("I2021/00795"));

    // Confirmed with a reference, one date at a time.
    let form = admin.get("/admin/program/ar/2025").await;
    assert_eq!(form.attr("#report_basis", "value").as_deref(), Some(""));
    assert_eq!(
        form.attr("#requisition_basis", "value").as_deref(),
        Some("I2021/00795")
    );
    let fields = [
        ("cap_per_actor", "1 000 000"),
        ("budget_state", "decided"),
        ("budget_basis", "Regeringsbeslut I2025/00012"),
        ("requisition_deadline", "2025-03-31"),
        ("requisition_basis", "I2021/00795"),
        ("report_deadline", "2026-01-31"),
        (
            "report_basis",
            "Infrastrukturdepartementets besked 2025-11-03, I2025/02020",
        ),
        ("repayment_deadline", "2026-02-26"),
        ("agency_requisition_deadline", "2025-12-01"),
        (
            "agency_requisition_basis",
            "Tillväxtverkets uppdrag 2021-03-04",
        ),
        ("agency_repayment_deadline", "2026-03-15"),
        (
            "agency_repayment_basis",
            "Tillväxtverkets uppdrag 2021-03-04",
        ),
        ("summary_deadline", "2026-03-26"),
        ("agency_support_cap", "2 000 000"),
    ];
    let saved = admin
        .submit("/admin/program/ar/2025", "/admin/program/ar/2025", &fields)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
    let programme = admin.get("/program").await;
    let cells = year_cells(&programme, 2025);
    assert_eq!(assumed(&cells).len(), 2, "{cells:?}");
    assert!(cells.iter().any(|c| c.contains("I2025/02020")));
    let audit: serde_json::Value =
        sqlx::query_scalar("SELECT after FROM audit_log WHERE action = 'programme_year.updated'")
            .fetch_one(&app.db)
            .await
            .expect("audit");
    assert_eq!(
        audit["report_basis"],
        "Infrastrukturdepartementets besked 2025-11-03, I2025/02020"
    );
}

/// 2018–2020 have no Kammarkollegiet chain in the sources: no 1 December or 15 March, no
/// warnings, reminders, calendar events, account or documents.
#[tokio::test]
async fn without_a_chain_there_is_nothing_to_requisition_from_kammarkollegiet() {
    let app = TestApp::spawn_on(on(2026, 12, 3)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let page = admin.get("/konto?ar=2020").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.select(".no-chain").len(), 1, "{}", page.plain());
    assert!(page.select(".warnings").is_empty());
    let csrf = page.csrf();
    for (path, fields) in [
        (
            "/konto/2020",
            vec![
                ("requisitioned", "1 000"),
                ("requisitioned_on", "2020-11-20"),
            ],
        ),
        (
            "/konto/2020/dokument",
            vec![("document", "rekvisition"), ("format", "docx")],
        ),
    ] {
        let mut all = vec![("csrf", csrf.as_str())];
        all.extend(fields);
        let refused = admin.post(path, &all).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{path}");
        assert!(
            refused
                .plain()
                .contains("ingen rekvisition från Kammarkollegiet")
        );
    }
    let kept: i64 = sqlx::query_scalar("SELECT count(*) FROM agency_accounts WHERE year = 2020")
        .fetch_one(&app.db)
        .await
        .expect("count");
    assert_eq!(kept, 0);
    // The schema holds it too.
    let refused = sqlx::query(
        "INSERT INTO agency_accounts (year, requisitioned, requisitioned_on, support_costs)
         VALUES (2019, 1000, '2019-11-20', 0)",
    )
    .execute(&app.db)
    .await
    .expect_err("no chain in 2019");
    assert_eq!(
        digikoord::error::violated_constraint(&refused),
        Some("agency_accounts_chain")
    );

    // The weekly reminders chase 2021–2025's Kammarkollegiet steps, never 2018–2020's.
    mail::reminders::run(
        &app.db,
        "http://localhost:3000",
        chrono::NaiveDate::from_ymd_opt(2026, 12, 3).expect("date"),
    )
    .await
    .expect("reminders");
    let chased: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT split_part(occasion, ':', 3) FROM outbox
         WHERE event IN ('reminder.agency_requisition', 'reminder.agency_repayment') ORDER BY 1",
    )
    .fetch_all(&app.db)
    .await
    .expect("outbox");
    assert!(chased.contains(&"2025".to_string()), "{chased:?}");
    assert!(chased.iter().all(|y| y.as_str() >= "2021"), "{chased:?}");

    // Tillväxtverket's calendar has 2020's 26 March, and no Kammarkollegiet date for it.
    let linked = admin.submit("/kalender", "/kalender", &[]).await;
    let link = linked.attr("#calendar-link", "value").expect("link");
    let path = &link[link.find("/kalender/").expect("path")..];
    let ics = reqwest::get(app.url(path))
        .await
        .expect("feed")
        .text()
        .await
        .expect("body")
        .replace("\r\n ", "");
    let events: Vec<&str> = ics.split("BEGIN:VEVENT").skip(1).collect();
    let of = |year: &str, what: &str| {
        events
            .iter()
            .filter(|e| e.contains(what) && e.contains(&format!(" {year}")))
            .count()
    };
    assert_eq!(of("2020", "Kammarkollegiet"), 0, "{ics}");
    assert!(of("2025", "Kammarkollegiet") >= 2, "{ics}");
    // The calendar names the right ministry per year.
    let summary_2020 = events
        .iter()
        .find(|e| e.contains("DTSTART;VALUE=DATE:20210326"))
        .expect("26 March 2021");
    assert!(
        summary_2020.contains("Näringsdepartementet"),
        "{summary_2020}"
    );
    assert!(
        !summary_2020.contains("Infrastrukturdepartementet"),
        "{summary_2020}"
    );
}

/// A 2018 report answers N2018/04129's single task in the decision's words, and 2021's
/// the five tasks of I2021/00795 word for word.
#[tokio::test]
async fn a_report_answers_its_periods_tasks_in_the_decisions_words() {
    let app = TestApp::spawn_on(on(2019, 1, 15)).await;
    paid_in(&app, 2018, SKANE, "500000").await;
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(SKANE)).await;
    let started = region
        .submit("/?ar=2018", "/redovisningar/ny", &[("ar", "2018")])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.plain());
    let report = report_id(&started);
    let path = format!("/redovisningar/{report}/uppdrag");
    let form = region.get(&path).await;
    assert_eq!(form.select("h1"), vec!["Uppdraget"]);
    assert_eq!(form.select("form textarea").len(), 1);
    assert!(form.plain().contains(
        "Digitaliseringskoordinatorn ska, med beaktande av de regionala förutsättningarna, ha i som uppgift att bidra till övergripande och strategisk samordning och samverkan mellan relevanta aktörer för att främja och tillvarata digitaliseringen i det regionala tillväxtarbetet."
    ));
    // The step navigation names the part by the period's tasks.
    let steps = form.select("nav.steps li");
    assert!(!steps.iter().any(|s| s.contains("fem delar")), "{steps:?}");
    let saved = region
        .submit(
            &path,
            &path,
            &[("task_1", "Samordnat länets digitaliseringsråd.")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    assert_eq!(
        region.follow(saved).await.select(".flash"),
        vec!["Uppdraget är sparat."]
    );
    let check = region
        .get(&format!("/redovisningar/{report}/kontrollera"))
        .await;
    assert_eq!(check.select("ol.tasks li").len(), 1);

    let later = app.later(on(2022, 1, 10)).await;
    paid_in(&later, 2021, STOCKHOLM, "1000000").await;
    let stockholm = later.other_browser();
    stockholm.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let started = stockholm
        .submit("/?ar=2021", "/redovisningar/ny", &[("ar", "2021")])
        .await;
    let report = report_id(&started);
    let form = stockholm
        .get(&format!("/redovisningar/{report}/uppdrag"))
        .await;
    assert_eq!(form.select("h1"), vec!["Uppdragets fem delar"]);
    for task in TASKS_2021 {
        assert!(form.plain().contains(task), "{task}");
    }
    assert!(form.plain().contains(
        "utifrån uppgifterna som anges i lagen (2010:630) om regionalt utvecklingsansvar"
    ));
    // The sub-goals' names are the programme's summary of the strategy, said as such.
    let activities = stockholm
        .get(&format!("/redovisningar/{report}/aktiviteter"))
        .await;
    assert!(
        activities.select(".own-data")[0].contains("står inte i regeringsbeslutet"),
        "{:?}",
        activities.select(".own-data")
    );
}

/// A new decision is entered in the browser, completely, and a region goes through it:
/// a requisition, a report on the new tasks, and the summary with the right decisions,
/// its assumed date marked and the parts the period asks for. No line of code changed.
#[tokio::test]
async fn an_administrator_enters_a_new_period_and_a_region_goes_through_it() {
    let app = TestApp::spawn_on(on(2026, 4, 1)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let tasks = "Främja att digitalisering integreras i det regionala tillväxtarbetet.\n\nStötta kommunernas arbete med cybersäkerhet.\n\nDelta i Tillväxtverkets nätverk.";
    let mut fields: Vec<(&str, &str)> = vec![
        ("decision_number", "LI2026/00100"),
        ("decision_date", "2026-02-12"),
        (
            "title",
            "Erbjudande om medel för regionala digitaliseringskoordinatorer 2026–2030",
        ),
        ("ministry", "Landsbygds- och infrastrukturdepartementet"),
        ("first_year", "2026"),
        ("last_year", "2030"),
        ("agency_assignment", "LI2026/00101"),
        ("agency_assignment_date", "2026-02-12"),
        (
            "agency_assignment_ministry",
            "Landsbygds- och infrastrukturdepartementet",
        ),
        (
            "agency_assignment_title",
            "Uppdrag att stödja de regionala digitaliseringskoordinatorerna 2026–2030",
        ),
        (
            "report_ministry",
            "Landsbygds- och infrastrukturdepartementet",
        ),
        (
            "report_title",
            "Redovisning av de regionala digitaliseringskoordinatorernas verksamhet",
        ),
        ("report_digg", "on"),
        ("kammarkollegiet_chain", "on"),
        (
            "appropriation",
            "Utgiftsområde 22 Kommunikationer, anslag 2:4, anslagspost 4",
        ),
        ("agency_frame", "23 000 000"),
        ("tasks", ""),
    ];
    // Without tasks: refused beside the field, filled in, nothing saved.
    let refused = admin
        .submit(
            "/admin/program/perioder/ny",
            "/admin/program/perioder/ny",
            &fields,
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.select("#tasks-error").len(), 1);
    assert_eq!(
        refused.attr("#agency_assignment", "value").as_deref(),
        Some("LI2026/00101")
    );
    assert_eq!(app.audit_count("period.created").await, 0);
    fields.retain(|(k, _)| *k != "tasks");
    fields.push(("tasks", tasks));
    let created = admin
        .submit(
            "/admin/program/perioder/ny",
            "/admin/program/perioder/ny",
            &fields,
        )
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.plain());
    let period = period_id(&app, "LI2026/00100").await;
    let path = format!("/admin/program/perioder/{period}");
    // Its actor.
    let organisation: Uuid = sqlx::query_scalar("SELECT id FROM organisations WHERE name = $1")
        .bind(STOCKHOLM)
        .fetch_one(&app.db)
        .await
        .expect("organisation");
    let added = admin
        .submit(
            &path,
            &format!("{path}/aktorer"),
            &[
                ("organisation_id", &organisation.to_string()),
                ("actor_name", ""),
            ],
        )
        .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.plain());
    // Its first year: the budget decided on a basis, the dates confirmed but the report
    // to the Government, which stays assumed.
    let year = [
        ("cap_per_actor", "1 000 000"),
        ("budget_state", "decided"),
        ("budget_basis", "LI2026/00100"),
        ("requisition_deadline", "2026-04-30"),
        ("requisition_basis", "LI2026/00100"),
        ("report_deadline", "2027-01-31"),
        ("report_basis", "LI2026/00100"),
        ("repayment_deadline", "2027-02-26"),
        ("repayment_basis", "LI2026/00100"),
        ("agency_requisition_deadline", "2026-12-01"),
        ("agency_requisition_basis", "LI2026/00101"),
        ("agency_repayment_deadline", "2027-03-15"),
        ("agency_repayment_basis", "LI2026/00101"),
        ("summary_deadline", "2027-03-26"),
        ("summary_basis", ""),
        ("agency_support_cap", "2 000 000"),
    ];
    let saved = admin
        .submit("/admin/program/ar/2026", "/admin/program/ar/2026", &year)
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());

    // The region requisitions under the new decision, Tillväxtverket approves and pays.
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let form = region.get("/rekvisitioner/ny?ar=2026").await;
    assert!(
        form.plain().contains("LI2026/00100"),
        "the decision is cited"
    );
    let mut all = with(complete("1 000 000"), "ar", "2026");
    all.push(("handling", "skicka".into()));
    let filed = region
        .submit(
            "/rekvisitioner/ny?ar=2026",
            "/rekvisitioner/ny",
            &borrowed(&all),
        )
        .await;
    assert_eq!(filed.status, StatusCode::SEE_OTHER, "{}", filed.plain());
    let requisition = crate::steps::requisition_id(&filed);
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let path = format!("/rekvisitioner/{requisition}/godkann");
    let approved = officer
        .submit(
            &path,
            &path,
            &[("amount", "1 000 000"), ("planned_date", "2026-04-10")],
        )
        .await;
    assert_eq!(
        approved.status,
        StatusCode::SEE_OTHER,
        "{}",
        approved.plain()
    );
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let payout = live_payout(&app, requisition).await;
    approve_payout(&approver, requisition, payout).await;
    let path = format!("/utbetalningar/{payout}/utbetald");
    let paid = officer
        .submit(
            &path,
            &path,
            &[
                ("paid_date", "2026-04-01"),
                ("amount", "1 000 000"),
                ("voucher_number", "V-2026-1"),
            ],
        )
        .await;
    assert_eq!(paid.status, StatusCode::SEE_OTHER, "{}", paid.plain());

    // The report answers the new period's three tasks.
    let started = region
        .submit("/?ar=2026", "/redovisningar/ny", &[("ar", "2026")])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.plain());
    let report = report_id(&started);
    let form = region
        .get(&format!("/redovisningar/{report}/uppdrag"))
        .await;
    assert_eq!(form.select("h1"), vec!["Uppdragets tre delar"]);
    assert_eq!(form.select("form textarea").len(), 3);
    assert!(
        form.plain()
            .contains("Stötta kommunernas arbete med cybersäkerhet.")
    );
    assert!(
        !form.plain().contains("lagen (2010:630)"),
        "not 2021's tasks"
    );
    fill_in_everything(&region, report).await;
    submit_report(&region, report).await;
    approve_report(&officer, report).await;

    // The summary cites the new decisions, is addressed as the period says, has DIGG's
    // views and no hubs part, and the 26 March date is marked assumed.
    let summary = admin.get("/sammanstallning?ar=2026").await;
    assert!(summary.select("#innovation_hubs").is_empty());
    assert_eq!(summary.select("#digg_views").len(), 1);
    let text = summary_text(&admin, 2026).await;
    for must in [
        "Regeringskansliet\nLandsbygds- och infrastrukturdepartementet",
        "Uppdrag att stödja de regionala digitaliseringskoordinatorerna 2026–2030: regeringsbeslut LI2026/00101 den 12 februari 2026 (Landsbygds- och infrastrukturdepartementet).",
        "Erbjudande om medel för regionala digitaliseringskoordinatorer 2026–2030: regeringsbeslut LI2026/00100 den 12 februari 2026 (Landsbygds- och infrastrukturdepartementet).",
        "Synpunkter från Myndigheten för digital förvaltning (DIGG)",
        "1. Främja att digitalisering integreras i det regionala tillväxtarbetet.",
        "3. Delta i Tillväxtverkets nätverk.",
    ] {
        assert!(text.contains(must), "{must}\n{text}");
    }
    assert!(!text.contains("innovationshubb"));
    assert!(!text.contains("I2021/00795"));
    let programme = admin.get("/program").await;
    let cells = year_cells(&programme, 2026);
    let marked = assumed(&cells);
    assert_eq!(marked.len(), 1, "{cells:?}");
    assert!(marked[0].contains("26 mars 2027"), "{cells:?}");
    assert!(
        cells.iter().any(|c| c.contains("LI2026/00101")),
        "{cells:?}"
    );
    // Marked *inlämnad* only once DIGG's views are written.
    let export: Uuid = sqlx::query_scalar(
        "SELECT id FROM summary_exports WHERE year = 2026 ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .expect("export");
    let analysis_only = admin
        .submit(
            "/sammanstallning?ar=2026",
            "/sammanstallning/2026/avsnitt",
            &[
                ("summary", "Koordinatorerna har kommit igång."),
                ("assignment", "Uppdraget enligt LI2026/00101."),
                ("analysis", "Verksamheten har kommit igång i länet."),
            ],
        )
        .await;
    assert_eq!(analysis_only.status, StatusCode::SEE_OTHER);
    let csrf = admin.get("/sammanstallning?ar=2026").await.csrf();
    let mark = format!("/sammanstallning/exporter/{export}/inlamnad");
    let refused = admin.post(&mark, &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .plain()
            .contains("Synpunkter från Myndigheten för digital förvaltning (DIGG)")
    );
    assert_eq!(app.audit_count("summary.submitted").await, 0);
    let written = admin
        .submit(
            "/sammanstallning?ar=2026",
            "/sammanstallning/2026/avsnitt",
            &[
                ("summary", "Koordinatorerna har kommit igång."),
                ("assignment", "Uppdraget enligt LI2026/00101."),
                ("analysis", "Verksamheten har kommit igång i länet."),
                ("digg_views", "DIGG ser positivt på samordningen."),
                ("report_date", "2027-03-20"),
                ("case_number", "Ä 2027-1"),
            ],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER, "{}", written.plain());
    let marked = admin.post(&mark, &[("csrf", &csrf)]).await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.plain());
    assert_eq!(app.audit_count("summary.submitted").await, 1);
}

/// The 26 March export of 2025 can't be marked *inlämnad* while the hubs part, which
/// 2021–2025's report must have, is empty.
#[tokio::test]
async fn the_summary_is_not_marked_submitted_while_a_required_part_is_empty() {
    let app = TestApp::spawn_on(on(2026, 3, 20)).await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    let written = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/avsnitt",
            &[
                ("summary", "Sammanfattning."),
                ("assignment", "Uppdraget."),
                ("analysis", "Analys."),
                ("innovation_hubs", ""),
                ("digg_views", "DIGG:s synpunkter."),
                ("case_number", "Ä 2026-0042"),
            ],
        )
        .await;
    assert_eq!(written.status, StatusCode::SEE_OTHER);
    let made = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            &[("format", "docx")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER);
    let export: Uuid = sqlx::query_scalar("SELECT id FROM summary_exports LIMIT 1")
        .fetch_one(&app.db)
        .await
        .expect("export");
    let page: Page = admin.get("/sammanstallning?ar=2025").await;
    let refused = admin
        .post(
            &format!("/sammanstallning/exporter/{export}/inlamnad"),
            &[("csrf", &page.csrf())],
        )
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused
            .plain()
            .contains("Arbetet med de digitala innovationshubbarna"),
        "{}",
        refused.plain()
    );
    let submitted: Option<chrono::DateTime<chrono::Utc>> =
        sqlx::query_scalar("SELECT submitted_at FROM summary_exports WHERE id = $1")
            .bind(export)
            .fetch_one(&app.db)
            .await
            .expect("export");
    assert_eq!(submitted, None, "nothing changed");
}
