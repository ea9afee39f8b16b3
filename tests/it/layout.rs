//! The layout every page shares: the menu, grouped so that no role has more than seven
//! items, its groups disclosures (`details`/`summary`) that open without JavaScript, and
//! reaching every page a role opens by its address; and what the layout gives the page's
//! own script (`static/digikoord.js`): the idle limit, and the warning before it. Every
//! table in the templates stands in a region of its own (`div.table-wrap`, focusable and
//! named), which scrolls sideways instead of the page.
//!
//! Run alone with `cargo test --test it layout`. How the pages look at 390 px, and that none
//! scrolls sideways, is the browser's to say (`tests/it/browser.rs`).

use digikoord::auth::Role;
use reqwest::{StatusCode, header};

use crate::{Page, TestApp, steps::STOCKHOLM};

/// Every page an administrator opens by its address alone: no case, year or file in it
/// (the browser test visits them too, as the administrator).
/// Not here: the sign-in steps, forms for something new (`…/ny`, opened from their lists),
/// `/natverk/tillvaxtverket` (opened from the network's page), downloads, the benchmark.
pub(crate) const ADMIN_PAGES: &[&str] = &[
    "/",
    "/handlaggning/rekvisitioner",
    "/handlaggning/forlangningar",
    "/attest",
    "/handlaggning/redovisningar",
    "/handlaggning/aterbetalningar",
    "/handlaggning/bank",
    "/beslut",
    "/registratur",
    "/handlaggning/utlamnande",
    "/oversikt",
    "/oversikt/alla-ar",
    "/konto",
    "/oversikt/prognos",
    "/sammanstallning",
    "/program",
    "/admin/bokforing",
    "/admin/referensranta",
    "/admin/organisationer",
    "/admin/anvandare",
    "/admin/behorigheter",
    "/admin/inloggning",
    "/admin/historik",
    "/admin/logg",
    "/admin/meddelanden",
    "/admin/diarium",
    "/admin/arkiv",
    "/admin/gallring",
    "/admin/personuppgifter",
    "/natverk",
    "/natverk/traffar",
    "/kalender",
    "/meddelanden",
    "/tvastegsverifiering",
    "/sessioner",
];

/// Pages for anyone, linked from every page's footer.
const FOOTER_PAGES: &[&str] = &["/oppna-data", "/tillganglighet"];

const ROLES: [(Role, Option<&str>); 4] = [
    (Role::Coordinator, Some(STOCKHOLM)),
    (Role::CaseOfficer, None),
    (Role::Approver, None),
    (Role::Admin, None),
];

/// A person of this role, logged in in a browser of their own, at the start page.
async fn start_page_of(app: &TestApp, role: Role, organisation: Option<&str>) -> (TestApp, Page) {
    let browser = app.other_browser();
    browser.login_as(role, organisation).await;
    let start = browser.get("/").await;
    assert_eq!(start.status, StatusCode::OK, "{role:?}: {}", start.plain());
    (browser, start)
}

#[tokio::test]
async fn the_admins_menu_links_every_page_an_administrator_opens_by_its_address() {
    let app = TestApp::spawn().await;
    let (_, start) = start_page_of(&app, Role::Admin, None).await;
    let menu = start.attrs("header a[href]", "href");
    let missing: Vec<&&str> = ADMIN_PAGES
        .iter()
        .filter(|p| !menu.iter().any(|m| m == **p))
        .collect();
    assert!(
        missing.is_empty(),
        "not in the menu: {missing:?} ({menu:?})"
    );
    let footer = start.attrs("footer a[href]", "href");
    for page in FOOTER_PAGES {
        assert!(footer.iter().any(|f| f == page), "{page} in the footer");
    }
    // The history import, among the administration's pages.
    assert_eq!(
        start.attrs("#meny-administration a[href='/admin/historik']", "href"),
        ["/admin/historik"]
    );
}

#[tokio::test]
async fn no_roles_menu_has_more_than_seven_items_and_each_of_its_links_opens_for_that_role() {
    let app = TestApp::spawn().await;
    let anonymous = app.get("/program").await;
    assert_eq!(anonymous.select("header nav > ul.nav > li"), ["Programmet"]);
    assert_eq!(anonymous.select(".who a[href='/logga-in']"), ["Logga in"]);
    for (role, organisation) in ROLES {
        let (browser, start) = start_page_of(&app, role, organisation).await;
        let items = start.select("header nav > ul.nav > li");
        assert!(
            (3..=7).contains(&items.len()),
            "{role:?} has {} top-level menu items: {items:?}",
            items.len()
        );
        // Logging out stays in sight, outside every group.
        assert_eq!(
            start.select(".who > form[action='/logga-ut'] button"),
            ["Logga ut"]
        );
        let links = start.attrs("header a[href]", "href");
        for link in &links {
            let page = browser.get(link).await;
            let refused = page.status.is_client_error()
                || page.status.is_server_error()
                || page
                    .location
                    .as_deref()
                    .is_some_and(|to| to.starts_with("/logga-in"));
            assert!(
                !refused,
                "{role:?}'s menu links {link}, which answers {} ({:?})",
                page.status, page.location
            );
        }
    }
}

#[tokio::test]
async fn the_menus_groups_are_disclosures_that_open_without_javascript() {
    let app = TestApp::spawn().await;
    let (_, start) = start_page_of(&app, Role::Admin, None).await;
    assert_eq!(
        start.select("header nav > ul.nav > li.nav-group > details > summary"),
        ["Ärenden", "Ekonomi", "Nätverket", "Administration"]
    );
    // Every group holds links, and nothing in the header needs a script to work.
    for group in ["arenden", "ekonomi", "natverket", "administration"] {
        assert!(
            !start
                .attrs(&format!("#meny-{group} details > ul a[href]"), "href")
                .is_empty(),
            "the group {group} has links"
        );
    }
    assert!(start.attrs("header [onclick]", "onclick").is_empty());
    assert!(
        start
            .attrs("header a[href^='javascript']", "href")
            .is_empty()
    );
}

#[tokio::test]
async fn logged_in_pages_carry_the_idle_limit_and_the_warning_before_it_for_the_script() {
    let app = TestApp::spawn().await;
    let anonymous = app.get("/tillganglighet").await;
    assert_eq!(anonymous.attr("body", "data-idle-minutes"), None);
    assert!(anonymous.select("#idle-warning").is_empty());

    let (browser, start) = start_page_of(&app, Role::Coordinator, Some(STOCKHOLM)).await;
    let minutes = digikoord::auth::session::IDLE_TIMEOUT_MINUTES.to_string();
    assert_eq!(
        start.attr("body", "data-idle-minutes").as_deref(),
        Some(minutes.as_str())
    );
    assert_eq!(
        start.attr("dialog#idle-warning", "role").as_deref(),
        Some("alertdialog")
    );
    assert_eq!(
        start.select("#idle-warning button#idle-warning-continue"),
        ["Fortsätt vara inloggad"]
    );
    let src = start
        .attr("script[src$='/digikoord.js']", "src")
        .expect("the script");
    assert!(src.starts_with("/static/v/"), "named by its content: {src}");
    assert_eq!(
        start.attr("script[src$='/digikoord.js']", "defer"),
        Some(String::new())
    );

    // The script is served from our own origin, as the CSP allows, as JavaScript.
    let script = browser
        .client
        .get(browser.url(&src))
        .send()
        .await
        .expect("GET the script");
    assert_eq!(script.status(), StatusCode::OK);
    let content_type = script
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    assert!(content_type.contains("javascript"), "{content_type}");
    let body = script.text().await.expect("the script");
    assert!(body.contains("X-Autosave") && body.contains("showModal"));

    // The accessibility statement says what happens without JavaScript.
    let statement = browser.get("/tillganglighet").await;
    assert!(
        statement
            .plain()
            .contains("Utan JavaScript visas ingen varning"),
        "{}",
        statement.plain()
    );
    assert!(statement.plain().contains(&format!("{minutes} minuter")));
}

/// Every `.html` file under `dir`, with its text.
fn templates_in(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
    for entry in std::fs::read_dir(dir).expect("read templates").flatten() {
        let path = entry.path();
        if path.is_dir() {
            templates_in(&path, out);
        } else if path.extension().is_some_and(|e| e == "html") {
            let text = std::fs::read_to_string(&path).expect("read a template");
            out.push((path.display().to_string(), text));
        }
    }
}

#[test]
fn every_table_in_the_templates_scrolls_in_a_region_of_its_own_that_the_keyboard_reaches() {
    let mut templates = Vec::new();
    templates_in(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates"),
        &mut templates,
    );
    let mut bare = Vec::new();
    for (file, text) in &templates {
        for (at, _) in text.match_indices("<table") {
            let before = &text[..at];
            let wrapper = before
                .rfind("<div class=\"table-wrap\"")
                .filter(|&open| !before[open..].contains("</div>"))
                .map(|open| &before[open..open + before[open..].find('>').unwrap_or(0)]);
            let line = before.matches('\n').count() + 1;
            match wrapper {
                Some(tag)
                    if tag.contains("tabindex=\"0\"")
                        && tag.contains("role=\"region\"")
                        && tag.contains("aria-label") => {}
                _ => bare.push(format!("{file}:{line}")),
            }
        }
    }
    assert!(
        bare.is_empty(),
        "tables outside a focusable, named div.table-wrap: {bare:?}"
    );
}
