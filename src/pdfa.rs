//! PDF/A-2b, the archive's copy of a document. LibreOffice, headless, lays out the very
//! DOCX an official sends, brings its table of contents up to date (the page numbers are
//! LibreOffice's own), and writes it with its PDF/A-2b filter: one layout to keep right,
//! not two.
//!
//! The 26 March report and both documents to Kammarkollegiet can be had as PDF/A-2b, for
//! the archive: the very DOCX, from the same `summary::model::Year`. It is recorded,
//! checksummed and frozen like every export. We chose LibreOffice over a Rust renderer
//! (such as `typst` as a library) because the PDF/A is then the document the official
//! sends, not a second layout of it to keep in step, and LibreOffice's PDF/A export is
//! mature; it is one Debian package (`apt-get install libreoffice-writer-nogui`, which
//! `.ci/run` installs) and is found on `PATH`, in `/usr/lib/libreoffice/program`, or where
//! `SOFFICE` says. A server without it answers a PDF/A request with a 503 that says so and
//! keeps nothing; every other format works as before. One conversion runs at a time (about
//! 2–3 s for a year of 21 actors), each in a fresh LibreOffice profile in a temporary
//! folder that is removed afterwards.
//!
//! In `cargo test`, every PDF/A export is checked by `page_validation` (crates.io, MIT), an
//! open PDF/A and PDF/UA validator that passes veraPDF's and the Isartor test corpora and
//! needs neither Java nor a download; veraPDF itself is in neither Debian nor the
//! registries here (`tests/it/office.rs`).

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::sync::Semaphore;

/// The Basic macro LibreOffice runs: open the DOCX hidden, update every index (the table of
/// contents), and store it with the PDF export filter as PDF/A-2b (`SelectPdfVersion` 2).
const MACRO: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE script:module PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "module.dtd">
<script:module xmlns:script="http://openoffice.org/2000/script" script:name="Digikoord" script:language="StarBasic">
Sub PdfA(source As String, target As String)
  Dim load(0) As New com.sun.star.beans.PropertyValue
  load(0).Name = &quot;Hidden&quot;
  load(0).Value = True
  doc = StarDesktop.loadComponentFromURL(ConvertToURL(source), &quot;_blank&quot;, 0, load())
  indexes = doc.getDocumentIndexes()
  For i = 0 To indexes.getCount() - 1
    indexes.getByIndex(i).update()
  Next
  Dim pdf(0) As New com.sun.star.beans.PropertyValue
  pdf(0).Name = &quot;SelectPdfVersion&quot;
  pdf(0).Value = 2
  Dim store(1) As New com.sun.star.beans.PropertyValue
  store(0).Name = &quot;FilterName&quot;
  store(0).Value = &quot;writer_pdf_Export&quot;
  store(1).Name = &quot;FilterData&quot;
  store(1).Value = pdf()
  doc.storeToURL(ConvertToURL(target), store())
  doc.close(True)
  StarDesktop.terminate()
End Sub
</script:module>
"#;

/// The macro library's index: the one module above.
const LIBRARY: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE library:library PUBLIC "-//OpenOffice.org//DTD OfficeDocument 1.0//EN" "library.dtd">
<library:library xmlns:library="http://openoffice.org/2000/library" library:name="Standard" library:readonly="false" library:passwordprotected="false">
 <library:element library:name="Digikoord"/>
</library:library>
"#;

/// A conversion that has not finished by then is ended.
const TIME_LIMIT: Duration = Duration::from_secs(60);

/// One conversion at a time: LibreOffice takes a core and a few hundred MB while it works.
static ONE_AT_A_TIME: Semaphore = Semaphore::const_new(1);

#[derive(Debug)]
pub enum Error {
    /// LibreOffice is not installed where Digikoord looks (or where `SOFFICE` says).
    Missing,
    Failed(String),
}

/// LibreOffice's `soffice`: `configured` (the `SOFFICE` setting) if given, else the first on
/// `PATH`, else Debian's place for it.
pub fn soffice(configured: Option<&Path>) -> Option<PathBuf> {
    if let Some(path) = configured {
        return path.is_file().then(|| path.to_path_buf());
    }
    std::env::var_os("PATH")
        .and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|dir| dir.join("soffice"))
                .find(|p| p.is_file())
        })
        .or_else(|| {
            let debian = PathBuf::from("/usr/lib/libreoffice/program/soffice");
            debian.is_file().then_some(debian)
        })
}

/// Whether `pdf` says it is PDF/A-2b: a PDF whose XMP metadata names part 2, conformance B.
pub fn declares_pdfa_2b(pdf: &[u8]) -> bool {
    let has = |needle: &[u8]| pdf.windows(needle.len()).any(|w| w == needle);
    pdf.starts_with(b"%PDF-")
        && (has(b"<pdfaid:part>2</pdfaid:part>") || has(b"pdfaid:part=\"2\""))
        && (has(b"<pdfaid:conformance>B</pdfaid:conformance>") || has(b"pdfaid:conformance=\"B\""))
}

/// Runs soffice headless with `args` and waits, at most `TIME_LIMIT`.
async fn run(soffice: &Path, dir: &Path, args: &[&str]) -> Result<std::process::Output, Error> {
    let mut command = tokio::process::Command::new(soffice);
    command
        .args(["--headless", "--norestore", "--nolockcheck"])
        .args(args)
        .env("HOME", dir)
        // LibreOffice leaves folders of its own (`lu….tmp`) in the temporary folder: in ours,
        // removed with it, never in /tmp.
        .env("TMPDIR", dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // soffice starts soffice.bin below it: a group of their own, ended together.
        .process_group(0)
        .kill_on_drop(true);
    let child = command
        .spawn()
        .map_err(|e| Error::Failed(format!("start {}: {e}", soffice.display())))?;
    let group = Group(child.id().and_then(|p| libc::pid_t::try_from(p).ok()));
    match tokio::time::timeout(TIME_LIMIT, child.wait_with_output()).await {
        Ok(out) => {
            group.finished();
            out.map_err(|e| Error::Failed(format!("run soffice: {e}")))
        }
        // The group is ended as `group` goes.
        Err(_) => Err(Error::Failed(format!(
            "soffice did not finish in {} s",
            TIME_LIMIT.as_secs()
        ))),
    }
}

/// A conversion's process group (soffice and the soffice.bin it starts), ended when this is
/// dropped before the conversion finished: past the time limit, or when the request is
/// given up (the client gone, the request's own limit, the server shutting down).
/// `kill_on_drop` alone reaches soffice only, and soffice.bin would run on.
struct Group(Option<libc::pid_t>);

impl Group {
    fn finished(mut self) {
        self.0 = None;
    }
}

impl Drop for Group {
    fn drop(&mut self) {
        if let Some(pid) = self.0 {
            // SAFETY: killpg only sends a signal to the group this conversion started.
            unsafe { libc::killpg(pid, libc::SIGKILL) };
        }
    }
}

/// A working folder of its own, removed however the conversion ends.
struct Scratch(PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The DOCX `docx` as PDF/A-2b.
pub async fn from_docx(configured: Option<&Path>, docx: &[u8]) -> Result<Vec<u8>, Error> {
    let soffice = soffice(configured).ok_or(Error::Missing)?;
    let _turn = ONE_AT_A_TIME
        .acquire()
        .await
        .map_err(|e| Error::Failed(e.to_string()))?;
    let scratch =
        Scratch(std::env::temp_dir().join(format!("digikoord-pdfa-{}", uuid::Uuid::new_v4())));
    let dir = &scratch.0;
    if dir.to_string_lossy().contains('"') {
        // The macro's arguments are Basic strings in double quotes.
        return Err(Error::Failed(format!(
            "a temporary folder with a quote: {}",
            dir.display()
        )));
    }
    let failed = |what: &str, e: std::io::Error| Error::Failed(format!("{what}: {e}"));
    tokio::fs::create_dir(dir)
        .await
        .map_err(|e| failed("create the working folder", e))?;
    let input = dir.join("dokument.docx");
    tokio::fs::write(&input, docx)
        .await
        .map_err(|e| failed("write the DOCX", e))?;
    let output = dir.join("dokument.pdf");
    // A profile of its own, nothing shared with a person's LibreOffice or another run: made
    // by a first start, then given the macro (a first start would overwrite it).
    let profile = format!(
        "-env:UserInstallation=file://{}",
        dir.join("profil").display()
    );
    let out = run(&soffice, dir, &[&profile, "--terminate_after_init"]).await?;
    let basic = dir.join("profil/user/basic/Standard");
    for (file, text) in [("Digikoord.xba", MACRO), ("script.xlb", LIBRARY)] {
        tokio::fs::write(basic.join(file), text)
            .await
            .map_err(|e| {
                failed(
                    &format!(
                        "give LibreOffice its macro ({})",
                        String::from_utf8_lossy(&out.stderr).trim()
                    ),
                    e,
                )
            })?;
    }
    let call = format!(
        "macro:///Standard.Digikoord.PdfA(\"{}\",\"{}\")",
        input.display(),
        output.display()
    );
    let out = run(&soffice, dir, &[&profile, &call]).await?;
    let pdf = tokio::fs::read(&output).await.map_err(|e| {
        Error::Failed(format!(
            "soffice wrote no PDF ({e}; {}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ))
    })?;
    if !declares_pdfa_2b(&pdf) {
        return Err(Error::Failed(
            "soffice's PDF does not declare PDF/A-2b".into(),
        ));
    }
    Ok(pdf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pdf_declares_pdfa_2b_only_with_part_2_and_conformance_b() {
        let xmp = |part: &str, conformance: &str| {
            format!(
                "%PDF-1.6\n<x:xmpmeta><pdfaid:part>{part}</pdfaid:part><pdfaid:conformance>{conformance}</pdfaid:conformance></x:xmpmeta>"
            )
            .into_bytes()
        };
        assert!(declares_pdfa_2b(&xmp("2", "B")));
        assert!(declares_pdfa_2b(
            b"%PDF-1.7 <rdf:Description pdfaid:part=\"2\" pdfaid:conformance=\"B\"/>"
        ));
        assert!(!declares_pdfa_2b(&xmp("1", "B")));
        assert!(!declares_pdfa_2b(&xmp("2", "A")));
        assert!(!declares_pdfa_2b(b"%PDF-1.6 a plain PDF"));
        assert!(!declares_pdfa_2b(&xmp("2", "B")[5..]));
    }

    #[test]
    fn a_configured_soffice_that_is_not_there_is_missing() {
        assert_eq!(soffice(Some(Path::new("/finns/inte/soffice"))), None);
    }
}
