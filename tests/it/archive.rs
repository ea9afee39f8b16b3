//! The archive package of a closed programme year (issue 31), made as an administrator makes
//! it — the button on `/admin/arkiv`, its confirmation page, the page that shows when the
//! package is there — and checked by tools that are not Digikoord's:
//!
//! - **eark-validator 1.1.3** (PyPI, the E-ARK community's validator of CSIP/SIP 2.1, which
//!   FGS Paketstruktur 2.0 builds on), installed with `pip install --target` into the test's
//!   own folder: the package's structure is well formed, its METS valid against the METS
//!   schema, and the CSIP and SIP rules find no error but one. The validator reads four
//!   vocabularies from earkcsip.dilcis.eu when it is imported; the test serves it the copies
//!   the validator itself ships (`ipxml/resources/vocabs`), so it needs no network beyond
//!   PyPI. The one error is SIP14, which 1.1.3 cannot be satisfied on: it asks the creating
//!   software's note for an unqualified `NOTETYPE` attribute that the METS schema it validates
//!   against refuses. The test proves that on the package itself: with the attribute added,
//!   SIP14 passes and the schema check fails, naming it.
//! - **Python's hashlib over the METS files**: every file and metadata reference of the root
//!   METS and of the representation's has its SHA-256; every file in the package is named.
//!   One byte of one PDF changed with Python's zipfile, the check fails naming that file, and
//!   so does Digikoord's own `archive::verify`.
//! - **The package's own schema** (lxml, from the validator's installation): every metadata
//!   file under `metadata/` is valid against `schemas/digikoord-arkiv.xsd`.
//!
//! The year is small — one region's requisition, report and attachment — because each document
//! is laid out as PDF/A by LibreOffice (a few seconds each). Without LibreOffice, python3, pip
//! or PyPI the test is skipped and says so; with `CI=true` it fails instead (`.ci/run`
//! installs LibreOffice, python3 and python3-pip). Run alone with
//! `cargo test --test it archive`.

use std::{path::Path, process::Command, time::Duration};

use digikoord::auth::Role;
use reqwest::{StatusCode, multipart};
use serde_json::Value;
use uuid::Uuid;

use crate::{
    Page, TestApp,
    schemas::skipped,
    scratch_dir,
    steps::{
        STOCKHOLM, approve, approve_payout, approve_report, count, fill_in_everything, live_payout,
        pay_payout, post_anyway, sha256_hex, start_report, submit_report, submitted,
    },
    tool,
};

/// The validator, pinned so that its rules are the same from one run to the next.
const VALIDATOR: &str = "eark-validator==1.1.3";

/// The test's Python, written to its folder and run there: the validator with its
/// vocabularies served from its own copies, the package's metadata against its own schema,
/// an independent check of every checksum, and two changed copies of a package.
const PYTHON: &str = r#"
import hashlib, importlib.util, io, json, os, sys, urllib.parse, urllib.request, zipfile
import xml.etree.ElementTree as ET

METS = 'http://www.loc.gov/METS/'
HREF = '{http://www.w3.org/1999/xlink}href'
VOCABULARIES = ('CSIPVocabularyContentCategory.xml', 'CSIPVocabularyContentInformationType.xml',
                'CSIPVocabularyOAISPackageType.xml', 'CSIPVocabularyStatus.xml')

def validate(lib, package):
    sys.path.insert(0, lib)
    spec = importlib.util.find_spec('eark_validator')
    vocabs = os.path.join(list(spec.submodule_search_locations)[0], 'ipxml', 'resources', 'vocabs')
    real = urllib.request.urlopen
    def urlopen(url, *args, **kwargs):
        prefix = 'https://earkcsip.dilcis.eu/schema/'
        if isinstance(url, str) and url.startswith(prefix) and url[len(prefix):] in VOCABULARIES:
            with open(os.path.join(vocabs, url[len(prefix):]), 'rb') as f:
                return io.BytesIO(f.read())
        return real(url, *args, **kwargs)
    urllib.request.urlopen = urlopen
    from pathlib import Path
    from eark_validator.packages import PackageValidator
    print(PackageValidator(Path(package)).validation_report.model_dump_json())

def files_of(package):
    z = zipfile.ZipFile(package)
    names = [n for n in z.namelist() if not n.endswith('/')]
    top = names[0].split('/')[0]
    return {n[len(top) + 1:]: z.read(n) for n in names}

def schemas(lib, package):
    sys.path.insert(0, lib)
    from lxml import etree
    files = files_of(package)
    schema = etree.XMLSchema(etree.fromstring(files['schemas/digikoord-arkiv.xsd']))
    results = {}
    for name, data in files.items():
        if name.startswith('metadata/') and name.endswith('.xml'):
            valid = schema.validate(etree.fromstring(data))
            results[name] = 'valid' if valid else str(schema.error_log)
    print(json.dumps(results))

def checksums(package):
    files = files_of(package)
    faults, named, checked = [], set(), 0
    todo = [('', 'METS.xml')]
    while todo:
        base, path = todo.pop()
        root = ET.fromstring(files[path])
        refs = [(f.get('CHECKSUM'), f.get('CHECKSUMTYPE'), f.find('{%s}FLocat' % METS).get(HREF))
                for f in root.iter('{%s}file' % METS)]
        refs += [(m.get('CHECKSUM'), m.get('CHECKSUMTYPE'), m.get(HREF))
                 for m in root.iter('{%s}mdRef' % METS)]
        for checksum, kind, href in refs:
            target = os.path.normpath(os.path.join(base, urllib.parse.unquote(href)))
            named.add(target)
            if kind != 'SHA-256':
                faults.append('no SHA-256: ' + target)
            elif target not in files:
                faults.append('missing: ' + target)
            elif hashlib.sha256(files[target]).hexdigest() != checksum.lower():
                faults.append('checksum: ' + target)
            else:
                checked += 1
        for mptr in root.iter('{%s}mptr' % METS):
            target = os.path.normpath(os.path.join(base, urllib.parse.unquote(mptr.get(HREF))))
            todo.append((os.path.dirname(target), target))
    faults += ['unnamed: ' + n for n in files if n != 'METS.xml' and n not in named]
    print(json.dumps({'checked': checked, 'faults': faults}))
    sys.exit(1 if faults else 0)

def rewrite(package, out, change):
    z = zipfile.ZipFile(package)
    with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as w:
        for info in z.infolist():
            w.writestr(info, change(info.filename, z.read(info)))

def tamper(package, out):
    names = zipfile.ZipFile(package).namelist()
    target = next(n for n in names if '/representations/' in n and '/data/' in n and n.endswith('.pdf'))
    def change(name, data):
        if name != target:
            return data
        data = bytearray(data)
        data[len(data) // 2] ^= 0x01
        return bytes(data)
    rewrite(package, out, change)
    print(target.split('/', 1)[1])

def unqualified(package, out):
    note = b'<mets:note csip:NOTETYPE="SOFTWARE VERSION">'
    def change(name, data):
        if name.count('/') == 1 and name.endswith('/METS.xml'):
            assert note in data, 'the creating software has its note'
            return data.replace(note, note[:-1] + b' NOTETYPE="IDENTIFICATIONCODE">', 1)
        return data
    rewrite(package, out, change)

command = sys.argv[1]
if command == 'validate':
    validate(sys.argv[2], sys.argv[3])
elif command == 'schemas':
    schemas(sys.argv[2], sys.argv[3])
elif command == 'checksums':
    checksums(sys.argv[2])
elif command == 'tamper':
    tamper(sys.argv[2], sys.argv[3])
elif command == 'unqualified':
    unqualified(sys.argv[2], sys.argv[3])
"#;

/// The test's Python in `dir`, ready to run.
struct Python {
    python: std::path::PathBuf,
    dir: std::path::PathBuf,
    lib: std::path::PathBuf,
}

impl Python {
    /// python3 with the validator installed into `dir`; `None` (said, or a failure in CI)
    /// when python3, pip or the registry is not to be had.
    fn with_validator(dir: &Path) -> Option<Python> {
        let python = tool("python3")?;
        let lib = dir.join("pylib");
        let installed = Command::new(&python)
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                "--target",
            ])
            .arg(&lib)
            .arg(VALIDATOR)
            .output()
            .expect("python3 runs");
        if !installed.status.success() {
            skipped(&format!(
                "the E-ARK validator could not be installed (pip install {VALIDATOR}): {}",
                String::from_utf8_lossy(&installed.stderr)
            ));
            return None;
        }
        std::fs::write(dir.join("archive_check.py"), PYTHON).expect("write the test's Python");
        std::fs::create_dir_all(dir.join("tmp")).expect("the validator's temporary folder");
        Some(Python {
            python,
            dir: dir.to_path_buf(),
            lib,
        })
    }

    /// Runs a command of the test's Python: its exit status and what it printed.
    fn run(&self, args: &[&Path]) -> (bool, String) {
        let out = Command::new(&self.python)
            .arg(self.dir.join("archive_check.py"))
            .args(args)
            // The validator unpacks a package into the temporary folder: the test's own.
            .env("TMPDIR", self.dir.join("tmp"))
            .output()
            .expect("python3 runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success() || !stdout.is_empty(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (out.status.success(), stdout)
    }

    /// eark-validator's report on a package.
    fn validate(&self, package: &Path) -> Value {
        let (ok, out) = self.run(&[Path::new("validate"), &self.lib, package]);
        assert!(ok, "the validator ran: {out}");
        serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("a JSON report ({e}): {out}"))
    }
}

/// The rule ids of the report's messages of this severity, in `section` of `metadata`.
fn rules(report: &Value, section: &str, severity: &str) -> Vec<String> {
    report["metadata"][section]["messages"]
        .as_array()
        .map(|messages| {
            messages
                .iter()
                .filter(|m| m["severity"] == severity)
                .map(|m| format!("{} {}", m["rule_id"], m["message"]))
                .collect()
        })
        .unwrap_or_default()
}

/// The region uploads a file to its report's draft, as the browser does.
async fn upload(region: &TestApp, report: Uuid, name: &str, bytes: Vec<u8>) -> Page {
    let page = region
        .get(&format!("/redovisningar/{report}/bilagor"))
        .await;
    let action = page
        .attr("form[enctype='multipart/form-data']", "action")
        .expect("an upload form");
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes).file_name(name.to_string()),
    );
    let response = region
        .client
        .post(region.url(&action))
        .multipart(form)
        .send()
        .await
        .expect("upload");
    TestApp::page_of(response).await
}

/// The summary's sections filled in as an administrator does, every part the report asks for.
async fn sections_written(admin: &TestApp) {
    let saved = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/avsnitt",
            &[
                (
                    "summary",
                    "Koordinatorerna har stärkt länens digitalisering.",
                ),
                (
                    "assignment",
                    "Tillväxtverket redovisar uppdraget enligt beslutet.",
                ),
                ("analysis", "Samverkan har ökat i alla län."),
                (
                    "innovation_hubs",
                    "De digitala innovationsnaven samverkar med regionerna.",
                ),
                ("digg_views", "DIGG har lämnat synpunkter på redovisningen."),
                ("report_date", "2026-03-20"),
                ("case_number", "Ä 2026-0042"),
                ("decided_by", "generaldirektör Anna Andersson"),
                ("presented_by", "handläggare Bo Berg"),
            ],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.plain());
}

/// Region Stockholm's 2025 over HTTP, as its people file and decide it: the requisition filed,
/// approved, attested and paid; the report written with an attachment, submitted and
/// approved. The attachment's bytes.
async fn stockholms_year(app: &TestApp) -> Vec<u8> {
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    let officer = app.other_browser();
    officer.login_as(Role::CaseOfficer, None).await;
    let approver = app.other_browser();
    approver.login_as(Role::Approver, None).await;
    let requisition = submitted(&region, "1000000").await;
    approve(&officer, requisition, "1000000").await;
    let payout = live_payout(app, requisition).await;
    approve_payout(&approver, requisition, payout).await;
    pay_payout(&officer, payout, "1000000", "V-ARKIV-1").await;
    let report = start_report(&region).await;
    let attachment = b"%PDF-1.4 Verksamhetsberattelse for arkivet".to_vec();
    let uploaded = upload(
        &region,
        report,
        "Verksamhetsberättelse 2025.pdf",
        attachment.clone(),
    )
    .await;
    assert_eq!(
        uploaded.status,
        StatusCode::SEE_OTHER,
        "{}",
        uploaded.plain()
    );
    fill_in_everything(&region, report).await;
    submit_report(&region, report).await;
    approve_report(&officer, report).await;
    attachment
}

/// The year closed as an administrator closes it: the 26 March report made as PDF/A and
/// marked submitted to the Government. The kept export's id.
async fn summary_submitted(admin: &TestApp) -> Uuid {
    sections_written(admin).await;
    let made = admin
        .submit(
            "/sammanstallning?ar=2025",
            "/sammanstallning/2025/exporter",
            &[("format", "pdf")],
        )
        .await;
    assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.plain());
    let export: Uuid = sqlx::query_scalar(
        "SELECT id FROM summary_exports WHERE year = 2025 AND format = 'pdf' ORDER BY created_at DESC LIMIT 1",
    )
    .fetch_one(&admin.db)
    .await
    .expect("the PDF/A export");
    let path = format!("/sammanstallning/exporter/{export}/inlamnad");
    let marked = admin.submit(&path, &path, &[]).await;
    assert_eq!(marked.status, StatusCode::SEE_OTHER, "{}", marked.plain());
    export
}

/// The archive page until a package is listed (made in the background); its download link.
async fn package_listed(admin: &TestApp) -> String {
    for _ in 0..300 {
        let page = admin.get("/admin/arkiv").await;
        assert_eq!(page.status, StatusCode::OK);
        let failed = page.select(".archive-failed .failure");
        assert!(failed.is_empty(), "the package failed: {failed:?}");
        if let Some(href) = page.attr("table.archive-packages a.download", "href") {
            return href;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    panic!("no archive package within five minutes");
}

/// The files of a package, by their path from its root folder.
fn files_of(package: &[u8]) -> std::collections::BTreeMap<String, Vec<u8>> {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(package)).expect("a zip");
    let mut files = std::collections::BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).expect("an entry");
        if entry.is_dir() {
            continue;
        }
        let name = entry.name().expect("a name").into_owned();
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).expect("read");
        let inside = name
            .split_once('/')
            .expect("in the root folder")
            .1
            .to_string();
        files.insert(inside, bytes);
    }
    files
}

fn text(files: &std::collections::BTreeMap<String, Vec<u8>>, path: &str) -> String {
    String::from_utf8(
        files
            .get(path)
            .unwrap_or_else(|| panic!("{path} in the package"))
            .clone(),
    )
    .expect("UTF-8")
}

#[tokio::test]
async fn a_year_is_archived_only_once_closed_and_only_by_an_administrator() {
    let app = TestApp::spawn().await;
    let admin = app.other_browser();
    admin.login_as(Role::Admin, None).await;
    for role in [Role::CaseOfficer, Role::Approver] {
        let staff = app.other_browser();
        staff.login_as(role, None).await;
        assert_eq!(
            staff.get("/admin/arkiv").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            staff.get("/admin/arkiv/ar/2025").await.status,
            StatusCode::FORBIDDEN
        );
    }
    let region = app.other_browser();
    region.login_as(Role::Coordinator, Some(STOCKHOLM)).await;
    assert_eq!(
        region.get("/admin/arkiv").await.status,
        StatusCode::FORBIDDEN
    );

    // 2025's summary is not submitted: the year can't be archived, and asking changes nothing.
    let page = admin.get("/admin/arkiv").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.select("tr#ar-2025 td.closed")[0].starts_with("Nej"),
        "{}",
        page.plain()
    );
    assert!(
        !page
            .attrs("a.create", "href")
            .contains(&"/admin/arkiv/ar/2025".to_string()),
        "no button for a year not closed"
    );
    let refused = post_anyway(&admin, "/admin/arkiv/ar/2025", &[]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(
        refused.plain().contains("inte avslutat"),
        "{}",
        refused.plain()
    );
    assert_eq!(
        admin.get("/admin/arkiv/ar/2025").await.status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        count(&app, "SELECT count(*) FROM archive_requests").await,
        0
    );
    assert_eq!(app.audit_count("archive.package_requested").await, 0);
    // A year that does not exist, and a package that does not.
    assert_eq!(
        admin.get("/admin/arkiv/ar/1999").await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        admin
            .get(&format!("/admin/arkiv/{}", Uuid::new_v4()))
            .await
            .status,
        StatusCode::NOT_FOUND
    );

    // Marked submitted, the year is closed: its button leads to a page that says what will
    // happen, and that page changes nothing.
    let by: Uuid = sqlx::query_scalar("SELECT id FROM users WHERE role = 'admin' LIMIT 1")
        .fetch_one(&app.db)
        .await
        .expect("the administrator");
    sqlx::query(
        "INSERT INTO summary_exports (id, year, document, format, filename, sha256, size, bytes,
             created_by, submitted_at, submitted_by)
         VALUES ($1, 2025, 'summary', 'csv', 'Redovisning 2025.csv', $2, 3, 'a;b', $3, now(), $3)",
    )
    .bind(Uuid::new_v4())
    .bind(sha256_hex(b"a;b"))
    .bind(by)
    .execute(&app.db)
    .await
    .expect("a submitted summary");
    let page = admin.get("/admin/arkiv").await;
    assert!(page.select("tr#ar-2025 td.closed")[0].starts_with("Ja"));
    assert!(
        page.attrs("a.create", "href")
            .contains(&"/admin/arkiv/ar/2025".to_string())
    );
    let confirm = admin.get("/admin/arkiv/ar/2025").await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.plain());
    assert!(confirm.select("h1")[0].contains("2025"));
    assert_eq!(confirm.select("dd.actors"), ["21"]);
    assert!(!confirm.select("ul.consequences li").is_empty());
    assert_eq!(
        count(&app, "SELECT count(*) FROM archive_requests").await,
        0
    );
    // Without the CSRF token nothing starts.
    let forged = admin.post("/admin/arkiv/ar/2025", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        count(&app, "SELECT count(*) FROM archive_requests").await,
        0
    );
}

#[tokio::test]
async fn a_closed_years_package_passes_the_e_ark_validator_and_a_changed_byte_fails_its_checksums()
{
    if tool("soffice").is_none() {
        return;
    }
    let dir = scratch_dir("archive");
    let Some(python) = Python::with_validator(&dir) else {
        return;
    };
    let app = TestApp::spawn().await;
    let attachment = stockholms_year(&app).await;
    let admin = app.other_browser();
    let admin_id = admin.login_as(Role::Admin, None).await;
    let summary = summary_submitted(&admin).await;

    // The administrator's button, its page, and the package made in the background.
    let page = admin.get("/admin/arkiv").await;
    assert!(
        page.attrs("a.create", "href")
            .contains(&"/admin/arkiv/ar/2025".to_string()),
        "{}",
        page.plain()
    );
    let confirm = admin.get("/admin/arkiv/ar/2025").await;
    assert_eq!(confirm.status, StatusCode::OK, "{}", confirm.plain());
    let documents: usize = confirm.select("dd.documents")[0]
        .split_whitespace()
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a number of documents");
    assert!(
        documents >= 2,
        "the receipt and the report at least: {documents}"
    );
    let started = admin
        .submit("/admin/arkiv/ar/2025", "/admin/arkiv/ar/2025", &[])
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER, "{}", started.plain());
    let after = admin.follow(started).await;
    assert!(
        after.select(".flash")[0].contains("skapas nu"),
        "{}",
        after.plain()
    );
    assert_eq!(app.audit_count("archive.package_requested").await, 1);
    let href = package_listed(&admin).await;
    let response = admin
        .client
        .get(admin.url(&href))
        .send()
        .await
        .expect("download");
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/zip");
    let package = response.bytes().await.expect("the package").to_vec();

    // Recorded with its checksum, by whom, and frozen.
    let (package_id, sha256, size, made_by): (String, String, i64, Option<Uuid>) =
        sqlx::query_as("SELECT package_id, sha256, size, made_by FROM archive_packages")
            .fetch_one(&app.db)
            .await
            .expect("the package kept");
    assert_eq!(sha256, sha256_hex(&package));
    assert_eq!(size, package.len() as i64);
    assert_eq!(made_by, Some(admin_id));
    let listed = admin.get("/admin/arkiv").await;
    assert_eq!(
        listed.select("table.archive-packages code.checksum"),
        std::slice::from_ref(&sha256)
    );
    assert_eq!(app.audit_count("archive.package_made").await, 1);
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM archive_requests WHERE package IS NOT NULL AND finished_at IS NOT NULL"
        )
        .await,
        1
    );
    for change in [
        "UPDATE archive_packages SET filename = 'annat.zip'",
        "DELETE FROM archive_packages",
        "TRUNCATE archive_packages CASCADE",
    ] {
        assert!(
            sqlx::query(change).execute(&app.db).await.is_err(),
            "{change} is refused"
        );
    }
    assert_eq!(
        count(&app, "SELECT count(*) FROM archive_packages").await,
        1
    );

    // What the package holds: one folder named by its id, the region's documents as PDF/A,
    // the attachment as submitted, the summary as it was marked submitted, the year's log.
    let files = files_of(&package);
    assert!(files.contains_key("METS.xml"));
    assert!(
        text(&files, "METS.xml").contains(&format!("OBJID=\"{package_id}\"")),
        "the root folder and OBJID are the package's id"
    );
    let folder = "representations/rep1/data/region-stockholm/";
    let pdfs: Vec<&String> = files
        .keys()
        .filter(|n| n.starts_with(folder) && !n.contains("/bilagor/") && n.ends_with(".pdf"))
        .collect();
    assert!(pdfs.len() >= 2, "{:?}", files.keys().collect::<Vec<_>>());
    for pdf in &pdfs {
        assert!(
            digikoord::pdfa::declares_pdfa_2b(&files[*pdf]),
            "{pdf} is PDF/A-2b"
        );
    }
    let attached: Vec<&Vec<u8>> = files
        .iter()
        .filter(|(n, _)| n.starts_with(&format!("{folder}bilagor/")))
        .map(|(_, b)| b)
        .collect();
    assert_eq!(
        attached,
        [&attachment],
        "the attachment as it was submitted"
    );
    let kept_summary: Vec<u8> =
        sqlx::query_scalar("SELECT bytes FROM summary_exports WHERE id = $1")
            .bind(summary)
            .fetch_one(&app.db)
            .await
            .expect("the kept summary");
    assert!(
        files.iter().any(
            |(n, b)| n.starts_with("representations/rep1/data/programar-2025/")
                && *b == kept_summary
        ),
        "the summary as it was marked submitted"
    );
    let case = text(&files, "metadata/descriptive/arende-region-stockholm.xml");
    for kind in ["kvitto", "redovisning", "beslut"] {
        assert!(
            case.contains(&format!("typ=\"{kind}\"")),
            "the case lists its {kind}: {case}"
        );
    }
    assert!(case.contains("<part roll=\"mottagare\""), "{case}");
    assert!(case.contains("arendenummer=\"DK-2025-"), "{case}");
    assert!(case.contains("till=\"redovisning\""), "{case}");
    let year = text(&files, "metadata/descriptive/programar.xml");
    assert!(
        year.contains("<diarienummer>Ä 2026-0042</diarienummer>"),
        "{year}"
    );
    assert!(year.contains("typ=\"sammanstallning\""), "{year}");
    let log = text(&files, "metadata/preservation/handelselogg.xml");
    for action in [
        "requisition.submitted",
        "requisition.approved",
        "payout.approved",
        "report.approved",
        "summary.submitted",
        "archive.package_requested",
    ] {
        assert!(
            log.contains(&format!("handling=\"{action}\"")),
            "{action} in the log"
        );
    }

    // The independent validator from the registry.
    let path = dir.join("package.zip");
    std::fs::write(&path, &package).expect("write the package");
    let report = python.validate(&path);
    assert_eq!(report["structure"]["status"], "WellFormed", "{report}");
    assert_eq!(
        report["metadata"]["schema_results"]["status"], "VALID",
        "{report}"
    );
    assert_eq!(
        report["package"]["mets"]["root"]["objid"],
        package_id.as_str()
    );
    let errors = rules(&report, "schematron_results", "Error");
    assert!(
        errors.iter().all(|e| e.starts_with("\"SIP14\"")),
        "no CSIP or SIP rule but SIP14 finds an error: {errors:#?}"
    );
    // SIP14 can't be met: the attribute it asks for is one the METS schema refuses.
    let unqualified = dir.join("unqualified.zip");
    python.run(&[Path::new("unqualified"), &path, &unqualified]);
    let contradiction = python.validate(&unqualified);
    assert!(
        rules(&contradiction, "schematron_results", "Error").is_empty(),
        "{contradiction}"
    );
    assert_eq!(
        contradiction["metadata"]["schema_results"]["status"], "INVALID",
        "{contradiction}"
    );
    assert!(
        rules(&contradiction, "schema_results", "Error")
            .iter()
            .any(|e| e.contains("NOTETYPE")),
        "{contradiction}"
    );

    // The metadata against the package's own schema.
    let (ok, out) = python.run(&[Path::new("schemas"), &python.lib, &path]);
    assert!(ok, "{out}");
    let results: std::collections::BTreeMap<String, String> =
        serde_json::from_str(out.trim()).expect("the schema results");
    assert!(results.len() >= 3, "{results:?}");
    assert!(results.values().all(|r| r == "valid"), "{results:#?}");

    // Every checksum, checked independently and by Digikoord; then one byte changed.
    let (whole, out) = python.run(&[Path::new("checksums"), &path]);
    assert!(whole, "every checksum holds: {out}");
    let checked: Value = serde_json::from_str(out.trim()).expect("the check's result");
    assert!(
        checked["checked"].as_u64().unwrap_or_default() as usize >= files.len() - 1,
        "{checked}"
    );
    assert_eq!(
        digikoord::archive::verify(&package).expect("a package"),
        Vec::<String>::new()
    );
    let tampered = dir.join("tampered.zip");
    let (_, changed) = python.run(&[Path::new("tamper"), &path, &tampered]);
    let changed = changed.trim().to_string();
    assert!(changed.ends_with(".pdf"), "{changed}");
    let (whole, out) = python.run(&[Path::new("checksums"), &tampered]);
    assert!(!whole, "the changed byte is found: {out}");
    assert!(out.contains(&format!("checksum: {changed}")), "{out}");
    let faults = digikoord::archive::verify(&std::fs::read(&tampered).expect("read"))
        .expect("still a package");
    assert_eq!(faults.len(), 1, "{faults:?}");
    assert!(faults[0].starts_with(&changed), "{faults:?}");

    // The operator's commands: the same year made again from the command's functions (the
    // PDF/A documents are kept, so it is quick), recorded as the operator's, and checked.
    let out = dir.join("operator.zip");
    let config = digikoord::Config::from_lookup(|key| match key {
        "DATABASE_URL" => Some(app.db_url.clone()),
        "SECRETS_KEY" => Some(crate::SECRETS_KEY.to_string()),
        "REPAYMENT_BANKGIRO" => Some(crate::REPAYMENT_BANKGIRO.to_string()),
        _ => None,
    })
    .expect("the operator's configuration");
    let made = digikoord::archive::make_command(&config, 2025, &out)
        .await
        .expect("the operator's package");
    assert_eq!(
        made.sha256,
        sha256_hex(&std::fs::read(&out).expect("written"))
    );
    assert!(
        digikoord::archive::make_command(&config, 2025, &out)
            .await
            .is_err(),
        "an existing file is never written over"
    );
    assert_eq!(
        digikoord::archive::verify_command(&out).await,
        Ok(Vec::new())
    );
    assert_eq!(
        digikoord::archive::verify_command(&tampered)
            .await
            .expect("a package")
            .len(),
        1
    );
    assert_eq!(
        count(
            &app,
            "SELECT count(*) FROM archive_packages WHERE made_by IS NULL"
        )
        .await,
        1
    );
    let listed = admin.get("/admin/arkiv").await;
    assert!(
        listed
            .select("table.archive-packages td.made")
            .iter()
            .any(|m| m.contains("Driften")),
        "{}",
        listed.plain()
    );
}
