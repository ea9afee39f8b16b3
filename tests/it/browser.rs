//! The year's cycle in a real browser: Debian's headless Chromium driven over WebDriver
//! (`chromedriver`, `fantoccini`), with clicks and typing as people do it. Every page
//! visited is photographed (to `target/screenshots/`, not committed) and checked with
//! axe-core (from npm, installed at test time) against WCAG 2.1 A and AA, and so is each
//! form in its error state: each at 1280 px and at 390 px, where it must not scroll
//! sideways either (`Person::look`).
//!
//! In CI (`CI=true`) the tools must be there (`.ci/run` installs them); elsewhere a machine
//! without `chromedriver` skips these tests and says so. Run alone with
//! `cargo test --test it browser`.
//!
//! **The cycle.** Requisition (filed with the keyboard alone), approval, attest and payment
//! with two-factor sign-in, report, approval, repayment, confirmation, summary downloaded.
//! Latest result: passes, 72 pages.
//!
//! **Accessibility** (axe-core 4, installed with npm into `target/tmp/axe-core` the first
//! time). Every page of the cycle, every page each role reaches from its menu (its main
//! pages, `MAIN_PAGES`) and one step further, wide (1280 px) and narrow (390 px, no sideways
//! scrolling), and every form there in its error state;
//! the test first proves axe reports an unlabelled field. Latest result: 0 violations on
//! about 270 page views.
//!
//! Screenshots go to `target/screenshots/`, one folder per test, replaced on each run,
//! never committed.

use std::{
    path::{Path, PathBuf},
    process::{Child, Command, Stdio},
    time::{Duration, Instant},
};

use chrono::NaiveDate;
use digikoord::{Clock, auth::Role};
use fantoccini::{Client, ClientBuilder, Locator, elements::Element, key::Key};
use serde_json::{Value, json};
use uuid::Uuid;

use crate::{PASSWORD, TestApp, scratch_dir, steps::on, tool};

/// axe-core's script, installed from npm into `target/tmp/axe-core` once.
async fn axe_source() -> String {
    static SOURCE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    SOURCE
        .get_or_init(|| async {
            let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("axe-core");
            let script = dir.join("node_modules/axe-core/axe.min.js");
            if !script.is_file() {
                std::fs::create_dir_all(&dir).expect("axe dir");
                let status = tokio::process::Command::new("npm")
                    .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
                    .arg(&dir)
                    .arg("axe-core@4")
                    .status()
                    .await
                    .expect("npm (Debian's npm package) installs axe-core");
                assert!(status.success(), "npm install axe-core: {status}");
            }
            std::fs::read_to_string(&script).expect("axe.min.js")
        })
        .await
        .clone()
}

/// `chromedriver` on a port of its own, in a process group of its own, so that it and
/// every Chromium it started are gone when this is dropped, however the test ended.
pub struct Driver {
    child: Child,
    url: String,
    profile: PathBuf,
}

impl Driver {
    async fn start(chromedriver: &Path) -> Driver {
        use std::os::unix::process::CommandExt;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .process_group(0)
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
            profile: scratch_dir("chromium"),
        };
        let started = Instant::now();
        while reqwest::get(format!("{}/status", driver.url))
            .await
            .is_err()
        {
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "chromedriver did not answer in 20 s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        driver
    }

    async fn browser(&self, downloads: &Path) -> Client {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", "--lang=sv-SE",
                    "--window-size=1280,1000",
                    format!("--user-data-dir={}", self.profile.display()),
                ],
                "prefs": {
                    "download.default_directory": downloads.display().to_string(),
                    "download.prompt_for_download": false,
                },
            }),
        );
        ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps)
            .connect(&self.url)
            .await
            .expect("a Chromium session")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let group = self.child.id() as libc::pid_t;
        // SAFETY: signals to the process group this test started.
        unsafe { libc::kill(-group, libc::SIGKILL) };
        let _ = self.child.wait();
        // A Chromium that left the group still carries our profile in its command line.
        let profile = self.profile.display().to_string();
        if let Ok(entries) = std::fs::read_dir("/proc") {
            for entry in entries.flatten() {
                let Some(pid) = entry
                    .file_name()
                    .to_str()
                    .and_then(|p| p.parse::<i32>().ok())
                else {
                    continue;
                };
                let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
                if String::from_utf8_lossy(&cmdline).contains(&profile) {
                    // SAFETY: a Chromium of this test's own profile.
                    unsafe { libc::kill(pid, libc::SIGKILL) };
                }
            }
        }
    }
}

/// One person at one browser, with the test's eyes: every page photographed and checked.
pub struct Person {
    client: Client,
    base: String,
    shots: PathBuf,
    taken: usize,
    /// What axe found, and every page that scrolls sideways, page by page; the test fails
    /// at the end if anything is here.
    pub violations: Vec<String>,
    /// The browser would not make the window as narrow as asked (said once).
    width_refused: bool,
}

impl Person {
    pub async fn at(&mut self, base: &str) {
        self.base = base.to_string();
    }

    /// Goes to `path`, as typing an address does.
    pub async fn open(&mut self, path: &str, name: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .expect("goto");
        self.look(name).await;
    }

    /// The page as it stands, at both widths: wide (1280 px) and narrow (390 px, a phone,
    /// or a 780 px window at 200 % zoom). At each it is photographed, checked with axe-core,
    /// and must not scroll sideways. The window is left as it was.
    pub async fn look(&mut self, name: &str) {
        self.wait_until_loaded().await;
        let (width, height) = self.client.get_window_size().await.expect("window size");
        for (w, h, suffix) in [(1280, 1000, ""), (390, 844, "-390")] {
            self.window(w, h).await;
            self.check(&format!("{name}{suffix}"), w).await;
        }
        self.window(
            u32::try_from(width).unwrap_or(1280),
            u32::try_from(height).unwrap_or(1000),
        )
        .await;
    }

    /// Waits (at most a second) until the page is laid out at about `width` px; says so
    /// once, among the findings, if the browser would not make the window that size.
    async fn wait_for_width(&mut self, width: u32) {
        let started = Instant::now();
        loop {
            let inner = self
                .client
                .execute("return window.innerWidth", vec![])
                .await
                .expect("innerWidth")
                .as_u64()
                .unwrap_or(0);
            if inner.abs_diff(u64::from(width)) <= 40 {
                return;
            }
            if started.elapsed() > Duration::from_secs(1) {
                if !self.width_refused {
                    self.width_refused = true;
                    self.violations.push(format!(
                        "the window could not be made {width} px wide: the page is {inner} px"
                    ));
                }
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// At the window's present width: a screenshot, axe-core, and the sideways check.
    async fn check(&mut self, name: &str, width: u32) {
        self.wait_for_width(width).await;
        self.taken += 1;
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::write(
            self.shots.join(format!("{:02}-{name}.png", self.taken)),
            png,
        )
        .expect("write screenshot");
        let injected = self
            .client
            .execute("return typeof axe !== 'undefined'", vec![])
            .await
            .expect("axe?");
        if injected != Value::Bool(true) {
            let axe = axe_source().await;
            self.client
                .execute(&axe, vec![])
                .await
                .expect("inject axe-core");
        }
        let found = self
            .client
            .execute_async(
                "const done = arguments[arguments.length - 1];
                 axe.run(document, { resultTypes: ['violations'], runOnly: { type: 'tag',
                     values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] } })
                   .then(r => done(r.violations.map(v => v.id + ' (' + v.impact + '): '
                       + v.help + ' at ' + v.nodes.map(n => n.target.join(' ')).join(', '))))
                   .catch(e => done(['axe failed: ' + e]));",
                vec![],
            )
            .await
            .expect("axe.run");
        let url = self.client.current_url().await.expect("url");
        for v in found.as_array().cloned().unwrap_or_default() {
            self.violations.push(format!(
                "{name} ({}): {}",
                url.path(),
                v.as_str().unwrap_or("")
            ));
        }
        // No sideways scrolling: the page is no wider than the window (nor than the room
        // beside a scrollbar). What sticks out is named, outermost first; what scrolls inside
        // its own region (a table's .table-wrap) does not count.
        let overflow = self
            .client
            .execute(
                "const root = document.documentElement;
                 const room = Math.min(window.innerWidth, root.clientWidth);
                 if (root.scrollWidth <= room) return null;
                 const inScroller = e => {
                   for (let p = e.parentElement; p && p !== document.body; p = p.parentElement) {
                     if (getComputedStyle(p).overflowX !== 'visible') return true;
                   }
                   return false;
                 };
                 const sticksOut = e => e.getBoundingClientRect().right > room + 0.5 && !inScroller(e);
                 const outermost = [...document.body.querySelectorAll('*')].filter(e => sticksOut(e)
                   && !(e.parentElement && e.parentElement !== document.body && sticksOut(e.parentElement)));
                 const label = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
                   + [...e.classList].map(c => '.' + c).join('')
                   + ' (' + e.textContent.trim().replace(/\\s+/g, ' ').slice(0, 40) + ')';
                 return 'scrolls sideways at ' + window.innerWidth + ' px: ' + root.scrollWidth
                   + ' px wide; sticking out: ' + outermost.slice(0, 5).map(label).join(', ');",
                vec![],
            )
            .await
            .expect("the sideways check");
        if let Some(found) = overflow.as_str() {
            self.violations
                .push(format!("{name} ({}): {found}", url.path()));
        }
    }

    /// Proves the checker can fail: a field without a label, put on the page, is reported.
    pub async fn axe_finds_a_missing_label(&mut self) {
        self.client
            .execute(
                "const i = document.createElement('input'); i.id = 'unlabelled';
                 document.querySelector('main, body').appendChild(i);",
                vec![],
            )
            .await
            .expect("add a field");
        let before = self.violations.len();
        self.look("kontroll-av-axe").await;
        let found: Vec<String> = self.violations.drain(before..).collect();
        assert!(
            found
                .iter()
                .any(|v| v.contains("label") && v.contains("#unlabelled")),
            "axe-core should report the unlabelled field: {found:?}"
        );
    }

    pub async fn window(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("window size");
    }

    /// The addresses of the page's links that lead to pages of this site (not files, not
    /// other sites, not in-page anchors).
    pub async fn page_links(&self, within: &str) -> Vec<String> {
        let hrefs = self
            .client
            .execute(
                "return [...document.querySelectorAll(arguments[0] + ' a[href]')]
                   .map(a => new URL(a.href))
                   .filter(u => u.origin === location.origin)
                   .map(u => u.pathname + u.search);",
                vec![json!(within)],
            )
            .await
            .expect("links");
        let mut links: Vec<String> = hrefs
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|h| h.as_str().map(str::to_string))
            .filter(|h| is_page(h))
            .collect();
        links.dedup();
        links
    }

    /// Sends each form that asks for typed input (class `form`, with a text field or text
    /// area) with its fields emptied, and looks at the answer: the form in its error state.
    pub async fn send_empty_forms(&mut self, path: &str, name: &str) {
        let count = self
            .client
            .execute(
                "return document.querySelectorAll('form.form[method=post]').length",
                vec![],
            )
            .await
            .expect("forms")
            .as_u64()
            .unwrap_or(0);
        for i in 0..count {
            self.open(path, name).await;
            let sent = self
                .client
                .execute(
                    "const f = document.querySelectorAll('form.form[method=post]')[arguments[0]];
                     const fields = f ? f.querySelectorAll(
                         'input[type=text], input[type=email], input[type=date], input:not([type]), textarea') : [];
                     if (fields.length === 0) return false;
                     fields.forEach(x => x.value = '');
                     return true;",
                    vec![json!(i)],
                )
                .await
                .expect("empty the form");
            if sent != Value::Bool(true) {
                continue;
            }
            let old = self.find("html").await;
            self.client
                .execute(
                    "const f = document.querySelectorAll('form.form[method=post]')[arguments[0]];
                     f.noValidate = true;
                     const b = f.querySelector('button[type=submit], button:not([type])');
                     if (b) { b.click(); } else { f.requestSubmit(); }",
                    vec![json!(i)],
                )
                .await
                .expect("send the form");
            self.wait_for_new_page(old).await;
            self.look(&format!("{name}-tomt-formular-{i}")).await;
        }
    }

    async fn wait_until_loaded(&self) {
        let started = Instant::now();
        loop {
            let state = self
                .client
                .execute("return document.readyState", vec![])
                .await
                .expect("readyState");
            if state == "complete" {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "page never loaded"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    pub async fn find(&self, css: &str) -> Element {
        self.client
            .wait()
            .at_most(Duration::from_secs(5))
            .for_element(Locator::Css(css))
            .await
            .unwrap_or_else(|e| panic!("no {css} on the page: {e}"))
    }

    /// Types into the field named `name`, after clearing what it held.
    pub async fn type_in(&self, name: &str, text: &str) {
        let field = self.find(&format!("[name='{name}']")).await;
        field.clear().await.expect("clear");
        field.send_keys(text).await.expect("type");
    }

    /// Types a date into a date field as a person does: the parts in the order the
    /// browser's language shows them; day and month move on when full, the year (which may
    /// have six digits) with an arrow.
    pub async fn type_date(&self, name: &str, iso: &str) {
        let order = self
            .client
            .execute(
                "return new Intl.DateTimeFormat(navigator.language)
                   .formatToParts(new Date(2025, 2, 10))
                   .map(p => p.type).filter(t => ['year', 'month', 'day'].includes(t));",
                vec![],
            )
            .await
            .expect("the date order");
        let mut parts = iso.split('-');
        let (year, month, day) = (
            parts.next().expect("year"),
            parts.next().expect("month"),
            parts.next().expect("day"),
        );
        let mut keys = String::new();
        for part in order.as_array().expect("parts") {
            match part.as_str() {
                Some("year") => {
                    keys.push_str(year);
                    keys.push(char::from(Key::Right));
                }
                Some("month") => keys.push_str(month),
                _ => keys.push_str(day),
            }
        }
        let field = self.find(&format!("[name='{name}']")).await;
        field.clear().await.expect("clear");
        field.send_keys(&keys).await.expect("type");
        assert_eq!(
            field.prop("value").await.expect("value").as_deref(),
            Some(iso),
            "the date field {name}, typed as {order}"
        );
    }

    pub async fn choose(&self, name: &str, value: &str) {
        self.find(&format!("[name='{name}'][value='{value}']"))
            .await
            .click()
            .await
            .expect("choose");
    }

    pub async fn select(&self, name: &str, value: &str) {
        self.find(&format!("select[name='{name}']"))
            .await
            .select_by_value(value)
            .await
            .expect("select");
    }

    /// Clicks what `css` finds, waits for the next page and looks at it.
    pub async fn click(&mut self, css: &str, name: &str) {
        let old = self.find("html").await;
        let target = self.find(css).await;
        self.open_menu_group_of(&target).await;
        target.click().await.expect("click");
        self.wait_for_new_page(old).await;
        self.look(name).await;
    }

    /// A link in one of the menu's closed groups is shown by opening the group, as a person
    /// does: a click on its name.
    async fn open_menu_group_of(&self, element: &Element) {
        self.client
            .execute(
                "const group = arguments[0].closest('details');
                 if (group && !group.open) group.querySelector('summary').click();",
                vec![serde_json::to_value(element).expect("an element")],
            )
            .await
            .expect("open the menu group");
    }

    /// Clicks the button whose text is `text`.
    pub async fn press(&mut self, text: &str, name: &str) {
        let old = self.find("html").await;
        self.client
            .find(Locator::XPath(&format!(
                "//button[normalize-space()='{text}']"
            )))
            .await
            .unwrap_or_else(|e| panic!("no button {text}: {e}"))
            .click()
            .await
            .expect("click");
        self.wait_for_new_page(old).await;
        self.look(name).await;
    }

    /// Clicks the button whose text is `text` and waits until the browser has left the page,
    /// without looking: for a page that sends the browser on by itself.
    pub async fn press_and_go_on(&mut self, text: &str) {
        let old = self.find("html").await;
        self.client
            .find(Locator::XPath(&format!(
                "//button[normalize-space()='{text}']"
            )))
            .await
            .unwrap_or_else(|e| panic!("no button {text}: {e}"))
            .click()
            .await
            .expect("click");
        self.wait_for_new_page(old).await;
    }

    /// Waits until the browser is at an address on `host` (at most 15 s).
    pub async fn wait_for_host(&self, host: &str) {
        let started = Instant::now();
        loop {
            let url = self.client.current_url().await.expect("url");
            if url.host_str() == Some(host) {
                self.wait_until_loaded().await;
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the browser did not reach {host}: it is at {url}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Follows the link whose text is `text`, opening its menu group first if it is in one.
    pub async fn follow(&mut self, text: &str, name: &str) {
        let old = self.find("html").await;
        let link = self
            .client
            .find(Locator::XPath(&format!("//a[normalize-space()='{text}']")))
            .await
            .unwrap_or_else(|e| panic!("no link {text}: {e}"));
        self.open_menu_group_of(&link).await;
        link.click().await.expect("click");
        self.wait_for_new_page(old).await;
        self.look(name).await;
    }

    async fn wait_for_new_page(&self, old: Element) {
        let started = Instant::now();
        while old.tag_name().await.is_ok() {
            assert!(
                started.elapsed() < Duration::from_secs(15),
                "the click led nowhere"
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        self.wait_until_loaded().await;
    }

    /// Presses keys on whatever has the focus, as a keyboard does.
    pub async fn keys(&self, keys: &str) {
        self.client
            .active_element()
            .await
            .expect("focus")
            .send_keys(keys)
            .await
            .expect("keys");
    }

    /// Presses Enter on what has the focus, waits for the next page and looks at it.
    pub async fn enter(&mut self, name: &str) {
        let old = self.find("html").await;
        self.keys(&String::from(char::from(Key::Enter))).await;
        self.wait_for_new_page(old).await;
        self.look(name).await;
    }

    /// Tabs forward until the focus is on what `css` finds (at most 60 presses).
    pub async fn tab_to(&self, css: &str) {
        let target = self.find(css).await;
        for _ in 0..60 {
            let focused = self.client.active_element().await.expect("focus");
            if focused.element_id() == target.element_id() {
                return;
            }
            self.keys(&String::from(char::from(Key::Tab))).await;
        }
        panic!("{css} cannot be reached with the Tab key");
    }

    /// Runs `script` in the page (its `arguments` are `args`) and answers what it returns.
    pub async fn run(&self, script: &str, args: Vec<Value>) -> Value {
        self.client
            .execute(script, args)
            .await
            .unwrap_or_else(|e| panic!("the script failed: {e}"))
    }

    pub async fn text(&self) -> String {
        self.find("body").await.text().await.expect("text")
    }

    pub async fn path(&self) -> String {
        self.client
            .current_url()
            .await
            .expect("url")
            .path()
            .to_string()
    }

    /// Logs in through the form, typing the password and, for staff, the authenticator's code.
    pub async fn log_in(&mut self, app: &TestApp, user: Uuid) {
        let email = app.email_of(user).await;
        self.open("/logga-in", "inloggning").await;
        self.type_in("email", &email).await;
        self.type_in("password", PASSWORD).await;
        self.press("Logga in", "efter-losenord").await;
        if self.path().await == "/logga-in/kod" {
            let code = app.fresh_code(user).await;
            self.type_in("code", &code).await;
            self.press("Logga in", "efter-kod").await;
        }
        assert_eq!(self.path().await, "/", "{}", self.text().await);
    }

    pub async fn log_out(&mut self) {
        self.press("Logga ut", "utloggad").await;
    }

    pub async fn close(self) -> Vec<String> {
        self.client.close().await.expect("close the browser");
        self.violations
    }
}

/// Starts the browser for a test: `None` (skipped) where Chromium's driver is missing.
pub async fn browser_for(test: &str) -> Option<(Driver, Person, PathBuf)> {
    let chromedriver = tool("chromedriver")?;
    let driver = Driver::start(&chromedriver).await;
    let downloads = scratch_dir("downloads");
    let client = driver.browser(&downloads).await;
    let shots = crate::screenshots(test);
    let person = Person {
        client,
        base: String::new(),
        shots,
        taken: 0,
        violations: Vec::new(),
        width_refused: false,
    };
    Some((driver, person, downloads))
}

/// A link to a page, not to a file to download (exports, attachments, feeds, open data
/// files, templates, drafts) and not the way out.
fn is_page(path: &str) -> bool {
    let last = path
        .split('?')
        .next()
        .unwrap_or(path)
        .rsplit('/')
        .next()
        .unwrap_or("");
    !last.contains('.')
        && !path.contains("/exporter/")
        && !path.contains("/utkast/")
        && !path.contains("/filer/")
        && !path.contains("/kalender/")
        && path.split("/bilagor/").nth(1).is_none_or(str::is_empty)
}

#[tokio::test]
async fn the_years_cycle_done_in_a_browser_by_clicks_and_typing() {
    let Some((_driver, mut person, downloads)) = browser_for("arets-cykel").await else {
        return;
    };
    let app = TestApp::spawn_on(on(2025, 3, 1)).await;
    let coordinator = app
        .create_user(Role::Coordinator, Some("Region Stockholm"))
        .await;
    let officer = app.create_user(Role::CaseOfficer, None).await;
    let approver = app.create_user(Role::Approver, None).await;
    let admin = app.create_user(Role::Admin, None).await;
    person.at(&app.url("")).await;

    // 1. The coordinator logs in and files the year's requisition with the keyboard alone:
    //    Tab to each field, type, Space for choices, Enter to send; first empty, then whole.
    let email = app.email_of(coordinator).await;
    person.open("/logga-in", "inloggning").await;
    person.tab_to("[name='email']").await;
    person.keys(&email).await;
    person.tab_to("[name='password']").await;
    person.keys(PASSWORD).await;
    person.enter("inloggad-med-tangentbord").await;
    assert_eq!(person.path().await, "/");
    person.tab_to("a[href^='/rekvisitioner/ny']").await;
    person.enter("rekvisition-ny").await;
    person.tab_to("button[value='skicka']").await;
    person.enter("rekvisition-fel").await;
    assert!(person.text().await.contains("Formuläret innehåller fel"));
    for (name, value) in [
        ("amount", "1 000 000"),
        ("account_number", "5050-1055"),
        ("payment_reference", "Digikoord 2025"),
        ("contact_name", "Karin Ek"),
        ("contact_email", "karin.ek@regionstockholm.se"),
        ("contact_phone", "08-123 456 78"),
        ("signatory_name", "Per Lind"),
        ("signatory_title", "Regiondirektör"),
    ] {
        person.tab_to(&format!("[name='{name}']")).await;
        person.keys(value).await;
    }
    person
        .tab_to("[name='payment_method'][value='bankgiro']")
        .await;
    person.keys(" ").await;
    person.tab_to("[name='declaration']").await;
    person.keys(" ").await;
    person.tab_to("button[value='skicka']").await;
    person.enter("rekvisition-inskickad").await;
    assert!(person.path().await.starts_with("/rekvisitioner/"));
    let requisition = person
        .path()
        .await
        .trim_start_matches("/rekvisitioner/")
        .to_string();
    person.log_out().await;

    // 2. A case officer approves it and prepares the payout.
    person.log_in(&app, officer).await;
    person
        .follow("Rekvisitioner", "handlaggning-rekvisitioner")
        .await;
    person
        .click(
            &format!("a[href='/rekvisitioner/{requisition}']"),
            "rekvisition-handlaggare",
        )
        .await;
    person
        .follow("Godkänn och förbered utbetalning", "godkann")
        .await;
    person.type_in("amount", "").await;
    person
        .press("Godkänn och förbered utbetalning", "godkann-fel")
        .await;
    person.type_in("amount", "1 000 000").await;
    person.type_date("planned_date", "2025-03-10").await;
    person
        .press("Godkänn och förbered utbetalning", "godkand")
        .await;
    person.log_out().await;

    // 3. An approver approves the payout; the case officer registers it as paid.
    person.log_in(&app, approver).await;
    person.follow("Utbetalningar", "attest").await;
    person
        .click("a[href$='/attestera']", "attestera-granska")
        .await;
    let attest = person.text().await;
    for seen in ["Region Stockholm", "5050-1055", "Digikoord 2025"] {
        assert!(attest.contains(seen), "the approver sees {seen}");
    }
    person.press("Attestera utbetalningen", "attesterad").await;
    person.log_out().await;
    person.log_in(&app, officer).await;
    person.follow("Utbetalningar", "att-registrera").await;
    person
        .click("a[href$='/utbetald']", "registrera-utbetalning")
        .await;
    person.type_date("paid_date", "2025-03-01").await;
    person.type_in("amount", "1 000 000").await;
    person.type_in("voucher_number", "").await;
    person
        .press("Registrera utbetalningen", "registrera-utbetalning-fel")
        .await;
    person.type_in("voucher_number", "V-2025-17").await;
    person.press("Registrera utbetalningen", "utbetald").await;
    assert!(person.text().await.contains("V-2025-17"));
    person.log_out().await;

    // A year on: the report is due. The same data, served with a later date.
    let later = app.later(on(2026, 1, 15)).await;
    person.at(&later.url("")).await;

    // 4. The coordinator writes the report and submits it.
    person.log_in(&later, coordinator).await;
    person.press("Redovisa 2025", "redovisning").await;
    let report = person
        .path()
        .await
        .trim_start_matches("/redovisningar/")
        .to_string();
    let report: String = report.split('/').next().expect("id").to_string();
    person
        .open(&format!("/redovisningar/{report}/uppdrag"), "uppdrag")
        .await;
    for i in 1..=5 {
        person
            .type_in(&format!("task_{i}"), "Vi har arbetat med detta under året.")
            .await;
    }
    person.press("Spara och fortsätt", "aktiviteter").await;
    person
        .press("Lägg till aktiviteten", "aktiviteter-fel")
        .await;
    person
        .type_in("title", "Länsträff om AI i offentlig sektor")
        .await;
    person.type_in("held", "mars 2025").await;
    person
        .find("[name='goal_innovation']")
        .await
        .click()
        .await
        .expect("tick");
    person.select("kind", "network_meeting").await;
    person.type_in("partners", "Länsstyrelsen, RISE").await;
    person.type_in("participants", "85").await;
    person
        .press("Lägg till aktiviteten", "aktivitet-tillagd")
        .await;
    person
        .open(&format!("/redovisningar/{report}/analys"), "analys")
        .await;
    person
        .type_in(
            "needs_and_challenges",
            "Kommunerna behöver stöd i informationssäkerhet.",
        )
        .await;
    person
        .type_in(
            "results_and_effects",
            "Fler kommuner har en digitaliseringsplan.",
        )
        .await;
    person.choose("self_assessment", "yes").await;
    person
        .type_in(
            "self_assessment_motivation",
            "Tydligt ökad samverkan i länet.",
        )
        .await;
    person.press("Spara och fortsätt", "efter-analys").await;
    person
        .open(&format!("/redovisningar/{report}/ekonomi"), "ekonomi")
        .await;
    person.type_in("cost_personnel", "många").await;
    person.press("Spara och fortsätt", "ekonomi-fel").await;
    person.type_in("cost_personnel", "650 000").await;
    person.type_in("cost_services", "120 000,50").await;
    person.type_in("cost_travel", "30 000").await;
    person.type_in("cost_other", "9 999,50").await;
    person.press("Spara och fortsätt", "efter-ekonomi").await;
    person
        .open(
            &format!("/redovisningar/{report}/kontrollera"),
            "kontrollera",
        )
        .await;
    person.choose("declaration", "ja").await;
    person
        .press("Skicka in redovisningen", "redovisning-inskickad")
        .await;
    assert!(person.text().await.contains("Vad händer nu"));
    person.log_out().await;

    // 5. The case officer approves the report.
    person.log_in(&later, officer).await;
    person
        .follow("Redovisningar", "handlaggning-redovisningar")
        .await;
    person
        .click(
            &format!("a[href='/redovisningar/{report}']"),
            "redovisning-handlaggare",
        )
        .await;
    person
        .press("Godkänn redovisningen", "redovisning-godkand")
        .await;
    person.log_out().await;

    // 6. The coordinator registers the repayment of what was not used; staff confirm it.
    person.log_in(&later, coordinator).await;
    let org: Uuid =
        sqlx::query_scalar("SELECT id FROM organisations WHERE name = 'Region Stockholm'")
            .fetch_one(&app.db)
            .await
            .expect("org");
    person
        .open(&format!("/aterbetalningar/2025/{org}"), "aterbetalning")
        .await;
    assert!(
        person
            .text()
            .await
            .replace('\u{a0}', " ")
            .contains("190 000 kr")
    );
    // The form comes filled in with what is left and the reference; without an amount
    // it is refused beside the field.
    person.type_in("amount", "").await;
    person
        .press("Registrera betalningen", "aterbetalning-fel")
        .await;
    person.type_date("paid_on", "2026-01-15").await;
    person.type_in("amount", "190 000").await;
    person.type_in("reference", "Digikoord 2025").await;
    person
        .press("Registrera betalningen", "aterbetalning-registrerad")
        .await;
    // The whole amount registered: nothing is said to be left to pay.
    let registered = person.text().await;
    assert!(
        registered.contains("Det finns inget kvar att betala"),
        "{registered}"
    );
    assert!(!registered.contains("Att betala"), "{registered}");
    person.log_out().await;
    person.log_in(&later, officer).await;
    person
        .follow("Återbetalningar", "handlaggning-aterbetalningar")
        .await;
    person
        .open(
            &format!("/aterbetalningar/2025/{org}"),
            "aterbetalning-handlaggare",
        )
        .await;
    person.click("a[href$='/bekrafta']", "bekrafta").await;
    person.type_in("received_amount", "").await;
    person.press("Bekräfta som mottagen", "bekrafta-fel").await;
    person.type_date("received_on", "2026-01-15").await;
    person.type_in("received_amount", "190 000").await;
    person.type_in("verification_number", "V-77").await;
    person.press("Bekräfta som mottagen", "bekraftad").await;
    assert!(person.text().await.contains("Reglerad"));
    person.log_out().await;

    // 7. An administrator makes the year's summary and downloads it.
    person.log_in(&later, admin).await;
    person.follow("Sammanställning", "sammanstallning").await;
    person.choose("format", "xlsx").await;
    person.press("Skapa export", "export-skapad").await;
    let link = person.find("table.exports a").await;
    let filename = link.text().await.expect("name");
    link.click().await.expect("download");
    let file = downloads.join(&filename);
    let started = Instant::now();
    while !file.is_file() {
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "{filename} was not downloaded"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let bytes = std::fs::read(&file).expect("downloaded");
    assert!(bytes.starts_with(b"PK"), "an XLSX (a zip)");
    person.log_out().await;

    let violations = person.close().await;
    assert!(
        violations.is_empty(),
        "WCAG 2.1 A/AA violations, and pages that scroll sideways:\n{}",
        violations.join("\n")
    );
}

/// The pages open to anyone, each visited before signing in.
const PUBLIC_PAGES: &[&str] = &[
    "/logga-in",
    "/glomt-losenord",
    "/program",
    "/oppna-data",
    "/tillganglighet",
];

/// Each role's main pages: those its menu must link to, and so the test visits. Cases,
/// years and forms are visited one step further on, from the pages' own links.
const MAIN_PAGES: &[(Role, &[&str])] = &[
    (
        Role::Coordinator,
        &[
            "/",
            "/beslut",
            "/firmatecknare",
            "/program",
            "/natverk",
            "/natverk/traffar",
            "/kalender",
            "/meddelanden",
            "/tvastegsverifiering",
            "/sessioner",
        ],
    ),
    (Role::CaseOfficer, STAFF_PAGES),
    (Role::Approver, STAFF_PAGES),
    (Role::Admin, crate::layout::ADMIN_PAGES),
];

const STAFF_PAGES: &[&str] = &[
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
    "/natverk",
    "/natverk/traffar",
    "/kalender",
    "/meddelanden",
    "/tvastegsverifiering",
    "/sessioner",
];

/// Every page each role reaches from its menu and one step further, with the demo's year
/// in full swing, in a wide and a narrow (phone) window; and each form there that asks
/// for typed input, sent empty. axe-core finds nothing at WCAG 2.1 A/AA anywhere, and no
/// page scrolls sideways at 390 px (`Person::look`). The menu of each role holds its main
/// pages (`MAIN_PAGES`), so all of them are among those visited.
#[tokio::test]
async fn every_page_each_role_reaches_passes_axe_wide_and_narrow() {
    let Some((_driver, mut person, _)) = browser_for("varje-sida").await else {
        return;
    };
    let today = NaiveDate::from_ymd_opt(2026, 2, 10).expect("date");
    let app = TestApp::spawn_on(Clock::Fixed(today)).await;
    digikoord::seed::demo(&app.db, today).await.expect("demo");
    person.at(&app.url("")).await;
    person.open("/logga-in", "inloggning").await;
    person.axe_finds_a_missing_label().await;
    person.open("/logga-in", "inloggning").await;
    person.type_in("email", "ingen@example.se").await;
    person.type_in("password", "fel lösenord").await;
    person.press("Logga in", "inloggning-fel").await;
    for public in PUBLIC_PAGES {
        person.open(public, "publik").await;
    }
    let people = [
        (Role::Coordinator, Some("Region Stockholm")),
        (Role::CaseOfficer, None),
        (Role::Approver, None),
        (Role::Admin, None),
    ];
    let mut seen = std::collections::HashSet::new();
    for (role, organisation) in people {
        let user = app.create_user(role, organisation).await;
        person.log_in(&app, user).await;
        let menu = person.page_links("header").await;
        let (_, main_pages) = MAIN_PAGES
            .iter()
            .find(|(r, _)| *r == role)
            .expect("the role's main pages");
        let missing: Vec<&&str> = main_pages
            .iter()
            .filter(|p| !menu.iter().any(|m| m == **p))
            .collect();
        assert!(missing.is_empty(), "{role:?}'s menu lacks {missing:?}");
        let mut pages = menu.clone();
        for path in &menu {
            if path.contains("logga") {
                continue;
            }
            person.open(path, role.key()).await;
            pages.extend(person.page_links("main").await.into_iter().take(4));
        }
        for path in pages {
            // One of each kind of page, whoever sees it first: ids and years make no new kind.
            let kind: String = path
                .split(['/', '?', '&', '='])
                .map(|seg| {
                    if seg.chars().any(|c| c.is_ascii_digit()) {
                        "*"
                    } else {
                        seg
                    }
                })
                .collect::<Vec<_>>()
                .join("/");
            if !seen.insert(kind) || path.contains("logga") {
                continue;
            }
            if !menu.contains(&path) {
                person.open(&path, role.key()).await;
            }
            person.send_empty_forms(&path, role.key()).await;
        }
        person.open("/", "start").await;
        person.log_out().await;
    }
    let violations = person.close().await;
    assert!(
        violations.is_empty(),
        "WCAG 2.1 A/AA violations, and pages that scroll sideways:\n{}",
        violations.join("\n")
    );
}
