//! The archive package as files, pure: its METS documents (E-ARK CSIP and SIP 2.1, as
//! Riksarkivet's FGS Paketstruktur 2.0 takes them up), its schema and documentation, the ZIP of
//! one folder they go in, and the check of every checksum in a package. What the metadata
//! says is `model.rs`'s.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};
use sha2::{Digest, Sha256};

use super::model::{
    AGENCY, REPRESENTATION, SCHEMA_XSD, SOFTWARE, Xml, size_text, unescape, xsd_time,
};

/// The METS profile a SIP declares (the SIP rules require this one, not CSIP's).
pub const SIP_PROFILE: &str = "https://earksip.dilcis.eu/profile/E-ARK-SIP.xml";
const METS_NS: &str = "http://www.loc.gov/METS/";
const XLINK_NS: &str = "http://www.w3.org/1999/xlink";
const CSIP_NS: &str = "https://DILCIS.eu/XML/METS/CSIPExtensionMETS";
const SIP_NS: &str = "https://DILCIS.eu/XML/METS/SIPExtensionMETS";
/// The content category (`mets/@TYPE` is "Other") and the content information type
/// ("OTHER": no E-ARK content information type specification covers grant cases).
const CONTENT_CATEGORY: &str = "Ärendehandlingar";
const CONTENT_TYPE: &str =
    "Digikoord: ärenden om statsbidrag till regionala digitaliseringskoordinatorer";
const SCHEMA_FILE: &str = "schemas/digikoord-arkiv.xsd";
const DOCUMENTATION_FILE: &str = "documentation/om-paketet.txt";

// ---- The package ----

/// A file of the package: where it lies under the package's root folder, what it is, when it
/// was made, and its SHA-256.
#[derive(Clone, Debug)]
pub struct File {
    pub path: String,
    pub mime: String,
    /// xsd:dateTime (`xsd_time`, `xsd_day`).
    pub created: String,
    /// What it is, in a few words (METS `LABEL` of metadata).
    pub label: String,
    pub bytes: Vec<u8>,
    pub sha256: String,
}

impl File {
    pub fn new(path: String, mime: &str, created: String, label: String, bytes: Vec<u8>) -> File {
        File {
            sha256: hex::encode(Sha256::digest(&bytes)),
            path,
            mime: mime.to_string(),
            created,
            label,
            bytes,
        }
    }
}

/// Everything the package holds but what is written from it (the METS documents, the schema
/// and the documentation).
#[derive(Clone, Debug)]
pub struct Contents {
    pub package_id: String,
    pub year: i32,
    pub created: DateTime<Utc>,
    pub version: String,
    /// `metadata/descriptive/`: the year's, then one per case.
    pub descriptive: Vec<File>,
    /// `metadata/preservation/`: the audit log.
    pub preservation: Vec<File>,
    /// `representations/rep1/data/…`: the documents and the attachments.
    pub data: Vec<File>,
}

/// The package as a ZIP of one folder named by its id.
pub fn package(c: &Contents) -> Result<Vec<u8>, String> {
    let created = xsd_time(c.created);
    let documentation = File::new(
        DOCUMENTATION_FILE.into(),
        "text/plain",
        created.clone(),
        "Om arkivpaketet".into(),
        documentation(c).into_bytes(),
    );
    let schema = File::new(
        SCHEMA_FILE.into(),
        "application/xml",
        created.clone(),
        "Schema för Digikoords metadata".into(),
        SCHEMA_XSD.as_bytes().to_vec(),
    );
    let representation = File::new(
        format!("representations/{REPRESENTATION}/METS.xml"),
        "application/xml",
        created,
        "Representationens METS-fil".into(),
        representation_mets(c).into_bytes(),
    );
    let root = root_mets(c, &documentation, &schema, &representation);
    let mut files: Vec<(&str, &[u8])> = vec![("METS.xml", root.as_bytes())];
    for f in c
        .descriptive
        .iter()
        .chain(&c.preservation)
        .chain([&schema, &documentation, &representation])
        .chain(&c.data)
    {
        files.push((f.path.as_str(), f.bytes.as_slice()));
    }
    zip_folder(
        &c.package_id,
        &files,
        &[format!("representations/{REPRESENTATION}/metadata")],
        zip_time(c.created),
    )
}

/// A moment as a ZIP entry's time: Swedish local time (the ZIP format has no zone).
fn zip_time(t: DateTime<Utc>) -> zip::DateTime {
    let local = crate::clock::swedish(t);
    zip::DateTime::from_date_and_time(
        u16::try_from(local.year()).unwrap_or(1980),
        local.month() as u8,
        local.day() as u8,
        local.hour() as u8,
        local.minute() as u8,
        local.second() as u8,
    )
    .unwrap_or_default()
}

fn zip_folder(
    top: &str,
    files: &[(&str, &[u8])],
    folders: &[String],
    modified: zip::DateTime,
) -> Result<Vec<u8>, String> {
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .last_modified_time(modified)
        .unix_permissions(0o644);
    // Folders keep the crate's own permissions (readable and searchable).
    let folder_options = zip::write::SimpleFileOptions::default().last_modified_time(modified);
    let failed = |e: zip::result::ZipError| format!("zip: {e}");
    out.add_directory(format!("{top}/"), folder_options)
        .map_err(failed)?;
    for (path, bytes) in files {
        let large = u64::try_from(bytes.len()).unwrap_or(u64::MAX) >= u64::from(u32::MAX);
        out.start_file(format!("{top}/{path}"), options.large_file(large))
            .map_err(failed)?;
        out.write_all(bytes).map_err(|e| format!("zip: {e}"))?;
    }
    for folder in folders {
        out.add_directory(format!("{top}/{folder}/"), folder_options)
            .map_err(failed)?;
    }
    Ok(out.finish().map_err(failed)?.into_inner())
}

/// The header every METS document of the package has: when, made by which software, and the
/// agency as the archive's creator and as the one who submits it.
fn header(x: &mut Xml, created: &str, version: &str) {
    x.open(
        1,
        "mets:metsHdr",
        &[
            ("CREATEDATE", created),
            ("LASTMODDATE", created),
            ("RECORDSTATUS", "NEW"),
            ("csip:OAISPACKAGETYPE", "SIP"),
        ],
    );
    x.open(
        2,
        "mets:agent",
        &[
            ("ROLE", "CREATOR"),
            ("TYPE", "OTHER"),
            ("OTHERTYPE", "SOFTWARE"),
        ],
    );
    x.leaf(3, "mets:name", &[], SOFTWARE);
    x.leaf(
        3,
        "mets:note",
        &[("csip:NOTETYPE", "SOFTWARE VERSION")],
        version,
    );
    x.close(2, "mets:agent");
    x.open(
        2,
        "mets:agent",
        &[("ROLE", "ARCHIVIST"), ("TYPE", "ORGANIZATION")],
    );
    x.leaf(3, "mets:name", &[], AGENCY);
    x.close(2, "mets:agent");
    x.open(
        2,
        "mets:agent",
        &[
            ("ROLE", "OTHER"),
            ("OTHERROLE", "SUBMITTER"),
            ("TYPE", "ORGANIZATION"),
        ],
    );
    x.leaf(3, "mets:name", &[], AGENCY);
    x.close(2, "mets:agent");
    x.close(1, "mets:metsHdr");
}

fn mets_root(x: &mut Xml, objid: &str, label: &str) {
    x.open(
        0,
        "mets:mets",
        &[
            ("xmlns:mets", METS_NS),
            ("xmlns:xlink", XLINK_NS),
            ("xmlns:csip", CSIP_NS),
            ("xmlns:sip", SIP_NS),
            ("OBJID", objid),
            ("LABEL", label),
            ("TYPE", "Other"),
            ("csip:OTHERTYPE", CONTENT_CATEGORY),
            ("csip:CONTENTINFORMATIONTYPE", "OTHER"),
            ("csip:OTHERCONTENTINFORMATIONTYPE", CONTENT_TYPE),
            ("PROFILE", SIP_PROFILE),
        ],
    );
}

/// A metadata file referred to with its size, time and checksum.
fn md_ref(x: &mut Xml, depth: usize, f: &File, kind: &str) {
    x.empty(
        depth,
        "mets:mdRef",
        &[
            ("LOCTYPE", "URL"),
            ("xlink:type", "simple"),
            ("xlink:href", &f.path),
            ("MDTYPE", "OTHER"),
            ("OTHERMDTYPE", kind),
            ("LABEL", &f.label),
            ("MIMETYPE", &f.mime),
            ("SIZE", &f.bytes.len().to_string()),
            ("CREATED", &f.created),
            ("CHECKSUM", &f.sha256),
            ("CHECKSUMTYPE", "SHA-256"),
        ],
    );
}

/// A file group: every file with its type, size, time and checksum, located relative to the
/// METS document (`base` taken off its path).
fn file_group(x: &mut Xml, depth: usize, id: &str, usage: &str, files: &[&File], base: &str) {
    x.open(
        depth,
        "mets:fileGrp",
        &[
            ("ID", id),
            ("USE", usage),
            ("csip:CONTENTINFORMATIONTYPE", "OTHER"),
            ("csip:OTHERCONTENTINFORMATIONTYPE", CONTENT_TYPE),
        ],
    );
    for (i, f) in files.iter().enumerate() {
        x.open(
            depth + 1,
            "mets:file",
            &[
                ("ID", &format!("{id}-{}", i + 1)),
                ("MIMETYPE", &f.mime),
                ("SIZE", &f.bytes.len().to_string()),
                ("CREATED", &f.created),
                ("CHECKSUM", &f.sha256),
                ("CHECKSUMTYPE", "SHA-256"),
            ],
        );
        x.empty(
            depth + 2,
            "mets:FLocat",
            &[
                ("LOCTYPE", "URL"),
                ("xlink:type", "simple"),
                ("xlink:href", f.path.strip_prefix(base).unwrap_or(&f.path)),
            ],
        );
        x.close(depth + 1, "mets:file");
    }
    x.close(depth, "mets:fileGrp");
}

/// A structural map division that points at one file group.
fn division(x: &mut Xml, depth: usize, id: &str, label: &str, group: &str) {
    x.open(depth, "mets:div", &[("ID", id), ("LABEL", label)]);
    x.empty(depth + 1, "mets:fptr", &[("FILEID", group)]);
    x.close(depth, "mets:div");
}

/// The package's `METS.xml`: header, a descriptive section per metadata file, the audit log as
/// digital provenance, the documentation, schema and representation file groups, and the CSIP
/// structural map.
fn root_mets(c: &Contents, documentation: &File, schema: &File, representation: &File) -> String {
    let created = xsd_time(c.created);
    let mut x = Xml::document();
    mets_root(
        &mut x,
        &c.package_id,
        &format!("Digikoord: programåret {}", c.year),
    );
    header(&mut x, &created, &c.version);
    let mut dmd_ids = Vec::new();
    for (i, f) in c.descriptive.iter().enumerate() {
        let id = format!("dmd-{}", i + 1);
        x.open(
            1,
            "mets:dmdSec",
            &[("ID", &id), ("CREATED", &created), ("STATUS", "CURRENT")],
        );
        md_ref(&mut x, 2, f, "DIGIKOORD");
        x.close(1, "mets:dmdSec");
        dmd_ids.push(id);
    }
    let mut provenance_ids = Vec::new();
    x.open(1, "mets:amdSec", &[("ID", "amd-1")]);
    for (i, f) in c.preservation.iter().enumerate() {
        let id = format!("digiprov-{}", i + 1);
        x.open(
            2,
            "mets:digiprovMD",
            &[("ID", &id), ("CREATED", &created), ("STATUS", "CURRENT")],
        );
        md_ref(&mut x, 3, f, "DIGIKOORD-LOGG");
        x.close(2, "mets:digiprovMD");
        provenance_ids.push(id);
    }
    x.close(1, "mets:amdSec");
    x.open(1, "mets:fileSec", &[("ID", "filesec-1")]);
    file_group(
        &mut x,
        2,
        "grp-documentation",
        "Documentation",
        &[documentation],
        "",
    );
    file_group(&mut x, 2, "grp-schemas", "Schemas", &[schema], "");
    file_group(
        &mut x,
        2,
        "grp-rep1",
        &format!("Representations/{REPRESENTATION}"),
        &[representation],
        "",
    );
    x.close(1, "mets:fileSec");
    x.open(
        1,
        "mets:structMap",
        &[
            ("ID", "structmap-1"),
            ("TYPE", "PHYSICAL"),
            ("LABEL", "CSIP"),
        ],
    );
    x.open(
        2,
        "mets:div",
        &[("ID", "div-package"), ("LABEL", &c.package_id)],
    );
    x.empty(
        3,
        "mets:div",
        &[
            ("ID", "div-metadata"),
            ("LABEL", "Metadata"),
            ("DMDID", &dmd_ids.join(" ")),
            ("ADMID", &provenance_ids.join(" ")),
        ],
    );
    division(
        &mut x,
        3,
        "div-documentation",
        "Documentation",
        "grp-documentation",
    );
    division(&mut x, 3, "div-schemas", "Schemas", "grp-schemas");
    x.open(
        3,
        "mets:div",
        &[("ID", "div-representations"), ("LABEL", "Representations")],
    );
    x.empty(4, "mets:fptr", &[("FILEID", "grp-rep1")]);
    x.open(
        4,
        "mets:div",
        &[
            ("ID", "div-rep1"),
            ("LABEL", &format!("Representations/{REPRESENTATION}")),
        ],
    );
    x.empty(
        5,
        "mets:mptr",
        &[
            ("LOCTYPE", "URL"),
            ("xlink:type", "simple"),
            ("xlink:href", &representation.path),
            ("xlink:title", "grp-rep1"),
        ],
    );
    x.close(4, "mets:div");
    x.close(3, "mets:div");
    x.close(2, "mets:div");
    x.close(1, "mets:structMap");
    x.close(0, "mets:mets");
    x.0
}

/// `representations/rep1/METS.xml`: every document and attachment, located from the
/// representation's folder.
fn representation_mets(c: &Contents) -> String {
    let created = xsd_time(c.created);
    let mut x = Xml::document();
    mets_root(
        &mut x,
        REPRESENTATION,
        &format!(
            "Digikoord: programåret {}, handlingarna och bilagorna",
            c.year
        ),
    );
    header(&mut x, &created, &c.version);
    x.open(1, "mets:fileSec", &[("ID", "filesec-rep1")]);
    let data: Vec<&File> = c.data.iter().collect();
    file_group(
        &mut x,
        2,
        "grp-rep1-data",
        "Data",
        &data,
        &format!("representations/{REPRESENTATION}/"),
    );
    x.close(1, "mets:fileSec");
    x.open(
        1,
        "mets:structMap",
        &[
            ("ID", "structmap-rep1"),
            ("TYPE", "PHYSICAL"),
            ("LABEL", "CSIP"),
        ],
    );
    x.open(
        2,
        "mets:div",
        &[("ID", "div-rep1-root"), ("LABEL", REPRESENTATION)],
    );
    division(&mut x, 3, "div-rep1-data", "Data", "grp-rep1-data");
    x.close(2, "mets:div");
    x.close(1, "mets:structMap");
    x.close(0, "mets:mets");
    x.0
}

/// `documentation/om-paketet.txt`: what the package is and how it is laid out, for a person.
fn documentation(c: &Contents) -> String {
    let bytes: usize = c.data.iter().map(|f| f.bytes.len()).sum();
    format!(
        "Arkivpaket från Digikoord
=========================

Paket:         {id}
Programår:     {year}
Skapat:        {created} (UTC)
Arkivbildare:  {AGENCY}
System:        {SOFTWARE} {version}

Paketet är ett informationspaket för leverans (SIP) enligt E-ARK CSIP och E-ARK SIP 2.1,
som Riksarkivets FGS Paketstruktur 2.0 bygger på. Det innehåller programårets ärenden om
statsbidrag till de regionala digitaliseringskoordinatorerna, ett ärende per aktör.

Innehåll
--------
METS.xml                              Paketets METS-fil: vad paketet är, dess metadata,
                                      filer och struktur.
metadata/descriptive/programar.xml    Programåret: beslutet, aktörerna, årets egna
                                      handlingar (sammanställningen till regeringen och
                                      dokumenten till Kammarkollegiet).
metadata/descriptive/arende-*.xml     Ett ärende per aktör: parter, diarienummer,
                                      rekvisition, utbetalning, redovisning, återbetalning,
                                      handlingar och bilagor.
metadata/preservation/handelselogg.xml
                                      Årets händelselogg: vem som gjorde vad och när, med
                                      vad som ändrades.
schemas/digikoord-arkiv.xsd           XML-schemat för filerna under metadata/.
representations/{rep}/METS.xml           Representationens METS-fil med varje handling och
                                      bilaga.
representations/{rep}/data/<aktör>/      Handlingarna som PDF/A: kvitton, redovisningar, beslut.
representations/{rep}/data/<aktör>/bilagor/
                                      Bilagorna som de lämnades in.
representations/{rep}/data/programar-{year}/
                                      Sammanställningen till regeringen och dokumenten till
                                      Kammarkollegiet, som de lämnades in och som PDF/A.

Handlingar och bilagor: {count} filer, {size}.

Kontrollsummor
--------------
Varje fil i paketet utom METS.xml har sin SHA-256 i en METS-fil: metadatafilerna,
schemat, den här filen och representationens METS-fil i paketets METS.xml, handlingarna
och bilagorna i representationens METS.xml. Paketets egen SHA-256 finns i Digikoord
tillsammans med paketet. Kommandot `digikoord archive verify <paket.zip>` räknar om
varje kontrollsumma.
",
        id = c.package_id,
        year = c.year,
        created = xsd_time(c.created),
        version = c.version,
        rep = REPRESENTATION,
        count = c.data.len(),
        size = size_text(i64::try_from(bytes).unwrap_or(i64::MAX)),
    )
}

// ---- Checking a package ----

/// What a METS document says of one file: where, its SHA-256 and size.
#[derive(Clone, Debug, Default)]
struct Reference {
    href: String,
    checksum: String,
    checksum_type: String,
    size: Option<u64>,
}

fn attributes_of(e: &quick_xml::events::BytesStart<'_>) -> Vec<(String, String)> {
    e.attributes()
        .with_checks(false)
        .flatten()
        .map(|a| (a.key.as_ref().to_string(), unescape(&a.value)))
        .collect()
}

/// An attribute by its local name (`xlink:href` as `href`).
fn attribute(attrs: &[(String, String)], name: &str) -> String {
    attrs
        .iter()
        .find(|(k, _)| k.rsplit(':').next() == Some(name))
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

fn reference(attrs: &[(String, String)]) -> Reference {
    Reference {
        href: attribute(attrs, "href"),
        checksum: attribute(attrs, "CHECKSUM"),
        checksum_type: attribute(attrs, "CHECKSUMTYPE"),
        size: attribute(attrs, "SIZE").parse().ok(),
    }
}

/// The files a METS document names (its `file` elements and metadata references), and the
/// METS documents of its representations.
fn references(text: &str) -> Result<(Vec<Reference>, Vec<String>), String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::reader::Reader::from_str(text);
    let mut files = Vec::new();
    let mut representations = Vec::new();
    let mut file: Option<Reference> = None;
    loop {
        match reader
            .read_event()
            .map_err(|e| format!("METS-filen är inte välformad XML ({e})"))?
        {
            Event::Start(e) | Event::Empty(e) => {
                let attrs = attributes_of(&e);
                match e.local_name().into_inner() {
                    "file" => file = Some(reference(&attrs)),
                    "FLocat" => {
                        if let Some(mut f) = file.take() {
                            f.href = attribute(&attrs, "href");
                            files.push(f);
                        }
                    }
                    "mdRef" => files.push(reference(&attrs)),
                    "mptr" => representations.push(attribute(&attrs, "href")),
                    _ => {}
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok((files, representations))
}

/// `href` (percent-encoded, maybe `./`) as a path from the package's root folder, found from
/// the folder `base` of the METS document that names it; `None` if it leaves the package.
fn resolve(base: &str, href: &str) -> Option<String> {
    let href = crate::web::percent_decode(href);
    let href = href
        .strip_prefix("file://./")
        .or_else(|| href.strip_prefix("./"))
        .unwrap_or(&href);
    if href.starts_with('/') || href.contains("://") {
        return None;
    }
    let mut parts: Vec<&str> = base.split('/').filter(|p| !p.is_empty()).collect();
    for part in href.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop()?;
            }
            p => parts.push(p),
        }
    }
    Some(parts.join("/"))
}

/// Every checksum in the package (a ZIP of one folder) checked again: each file a METS
/// document of it names must be there with that size and SHA-256, and every file but the
/// package's own `METS.xml` must be named by one. The faults, in Swedish (none: the package
/// is whole); `Err` when it is not a package at all.
pub fn verify(zip_bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes))
        .map_err(|e| format!("filen är inte en läsbar ZIP-fil ({e})"))?;
    let mut files: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for i in 0..archive.len() {
        let mut entry = archive
            .by_index(i)
            .map_err(|e| format!("en fil i ZIP-filen kan inte läsas ({e})"))?;
        if entry.is_dir() {
            continue;
        }
        let name = entry
            .name()
            .map_err(|e| format!("en fil i ZIP-filen har ett oläsligt namn ({e})"))?
            .into_owned();
        let mut bytes = Vec::new();
        entry
            .read_to_end(&mut bytes)
            .map_err(|e| format!("{name} kan inte läsas ({e})"))?;
        files.insert(name, bytes);
    }
    let tops: BTreeSet<String> = files
        .keys()
        .map(|n| n.split('/').next().unwrap_or_default().to_string())
        .collect();
    let top = match tops.into_iter().collect::<Vec<_>>().as_slice() {
        [top] if files.keys().all(|n| n.contains('/')) => top.clone(),
        _ => return Err("paketet ska ligga i en enda mapp i ZIP-filen".into()),
    };
    let prefix = format!("{top}/");
    let inside: BTreeMap<String, Vec<u8>> = files
        .into_iter()
        .filter_map(|(n, b)| n.strip_prefix(&prefix).map(|n| (n.to_string(), b)))
        .collect();
    check(&inside)
}

/// `verify` of the package's files, by their path from its root folder.
fn check(files: &BTreeMap<String, Vec<u8>>) -> Result<Vec<String>, String> {
    let root = files
        .get("METS.xml")
        .ok_or("paketet saknar METS.xml i sin rotmapp")?;
    let mut faults = Vec::new();
    let mut named: BTreeSet<String> = BTreeSet::new();
    let mut documents = vec![(String::new(), "METS.xml".to_string(), root)];
    let mut read = BTreeSet::new();
    while let Some((base, path, bytes)) = documents.pop() {
        if !read.insert(path.clone()) {
            continue;
        }
        let text = std::str::from_utf8(bytes).map_err(|_| format!("{path} är inte UTF-8"))?;
        let (references, representations) = references(text).map_err(|e| format!("{path}: {e}"))?;
        for r in references {
            let Some(target) = resolve(&base, &r.href) else {
                faults.push(format!("{path} hänvisar till {} utanför paketet.", r.href));
                continue;
            };
            named.insert(target.clone());
            let Some(content) = files.get(&target) else {
                faults.push(format!("{target} saknas i paketet."));
                continue;
            };
            if !r.checksum_type.eq_ignore_ascii_case("SHA-256") {
                faults.push(format!(
                    "{target} har ingen SHA-256 i {path} (kontrollsummetyp: {}).",
                    if r.checksum_type.is_empty() {
                        "ingen"
                    } else {
                        r.checksum_type.as_str()
                    }
                ));
                continue;
            }
            let sha256 = hex::encode(Sha256::digest(content));
            if !sha256.eq_ignore_ascii_case(&r.checksum) {
                faults.push(format!(
                    "{target}: kontrollsumman stämmer inte (METS: {}, filen: {sha256}).",
                    r.checksum
                ));
            }
            let size = u64::try_from(content.len()).unwrap_or(u64::MAX);
            if r.size.is_some_and(|s| s != size) {
                faults.push(format!(
                    "{target}: storleken stämmer inte (METS: {} byte, filen: {size} byte).",
                    r.size.unwrap_or_default()
                ));
            }
        }
        for href in representations {
            let Some(target) = resolve(&base, &href) else {
                faults.push(format!("{path} hänvisar till {href} utanför paketet."));
                continue;
            };
            let Some(bytes) = files.get(&target) else {
                faults.push(format!("{target} saknas i paketet."));
                continue;
            };
            let folder = target
                .rsplit_once('/')
                .map(|(folder, _)| folder.to_string())
                .unwrap_or_default();
            documents.push((folder, target, bytes));
        }
    }
    for path in files.keys() {
        if path != "METS.xml" && !named.contains(path) {
            faults.push(format!("{path} finns i paketet utan kontrollsumma i METS."));
        }
    }
    Ok(faults)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone};
    use uuid::Uuid;

    use crate::archive::model::{
        ActorLine, LOG_FILE, YEAR_FILE, YearFacts, case_path, data_path, log_xml, package_id,
        xsd_day, year_xml,
    };

    fn at(y: i32, m: u32, d: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, m, d, 10, 0, 0)
            .single()
            .expect("a moment")
    }

    fn sample() -> Contents {
        let created = at(2026, 5, 4);
        let id = package_id(2025, Uuid::nil());
        let document = |folder: &str, name: &str, bytes: &[u8]| {
            File::new(
                data_path(folder, name),
                "application/pdf",
                xsd_day(NaiveDate::from_ymd_opt(2025, 3, 2).expect("day")),
                name.into(),
                bytes.to_vec(),
            )
        };
        let year = YearFacts {
            year: 2025,
            decision: "I2021/00795 den 4 mars 2021 (Infrastrukturdepartementet)".into(),
            diarienummer: Some("Ä 2026-0042".into()),
            closed_at: at(2026, 3, 26),
            created,
            version: "0.1.0".into(),
            actors: vec![ActorLine {
                organisation_id: Uuid::nil(),
                name: "Region Stockholm & <Gotland>".into(),
                org_number: Some("232100-0016".into()),
                case_file: Some(case_path("region-stockholm")),
            }],
            documents: vec![],
        };
        Contents {
            package_id: id,
            year: 2025,
            created,
            version: "0.1.0".into(),
            descriptive: vec![File::new(
                YEAR_FILE.into(),
                "application/xml",
                xsd_time(created),
                "Programåret 2025".into(),
                year_xml(&year).into_bytes(),
            )],
            preservation: vec![File::new(
                LOG_FILE.into(),
                "application/xml",
                xsd_time(created),
                "Händelselogg".into(),
                log_xml(2025, created, &[]).into_bytes(),
            )],
            data: vec![
                document("region-stockholm", "kvitto.pdf", b"%PDF-1.7 kvitto"),
                document("region-stockholm", "beslut.pdf", b"%PDF-1.7 beslut"),
            ],
        }
    }

    fn unzipped(bytes: &[u8]) -> BTreeMap<String, Vec<u8>> {
        let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
        let mut files = BTreeMap::new();
        for i in 0..archive.len() {
            let mut entry = archive.by_index(i).expect("an entry");
            let name = entry.name().expect("a name").into_owned();
            let mut content = Vec::new();
            entry.read_to_end(&mut content).expect("read");
            files.insert(name, content);
        }
        files
    }

    fn text(files: &BTreeMap<String, Vec<u8>>, path: &str) -> String {
        String::from_utf8(files.get(path).unwrap_or_else(|| panic!("{path}")).clone())
            .expect("utf-8")
    }

    #[test]
    fn the_package_is_one_folder_named_by_its_id_with_the_folders_csip_asks_for() {
        let c = sample();
        let files = unzipped(&package(&c).expect("a package"));
        let top = format!("{}/", c.package_id);
        assert!(files.keys().all(|n| n.starts_with(&top)), "{files:?}");
        for path in [
            "METS.xml",
            "metadata/descriptive/programar.xml",
            "metadata/preservation/handelselogg.xml",
            "schemas/digikoord-arkiv.xsd",
            "documentation/om-paketet.txt",
            "representations/rep1/METS.xml",
            "representations/rep1/data/region-stockholm/kvitto.pdf",
            "representations/rep1/metadata/",
        ] {
            assert!(files.contains_key(&format!("{top}{path}")), "{path}");
        }
    }

    #[test]
    fn the_root_mets_declares_a_sip_and_everything_the_csip_rules_require() {
        let c = sample();
        let files = unzipped(&package(&c).expect("a package"));
        let mets = text(&files, &format!("{}/METS.xml", c.package_id));
        for needed in [
            &format!("OBJID=\"{}\"", c.package_id),
            "PROFILE=\"https://earksip.dilcis.eu/profile/E-ARK-SIP.xml\"",
            "TYPE=\"Other\" csip:OTHERTYPE=\"Ärendehandlingar\"",
            "csip:CONTENTINFORMATIONTYPE=\"OTHER\" csip:OTHERCONTENTINFORMATIONTYPE=",
            "RECORDSTATUS=\"NEW\" csip:OAISPACKAGETYPE=\"SIP\"",
            "<mets:agent ROLE=\"CREATOR\" TYPE=\"OTHER\" OTHERTYPE=\"SOFTWARE\">",
            "<mets:name>Digikoord</mets:name>",
            "<mets:note csip:NOTETYPE=\"SOFTWARE VERSION\">0.1.0</mets:note>",
            "ROLE=\"OTHER\" OTHERROLE=\"SUBMITTER\" TYPE=\"ORGANIZATION\"",
            "<mets:dmdSec ID=\"dmd-1\" CREATED=\"2026-05-04T10:00:00Z\" STATUS=\"CURRENT\">",
            "xlink:href=\"metadata/descriptive/programar.xml\"",
            "<mets:digiprovMD ID=\"digiprov-1\"",
            "USE=\"Documentation\"",
            "USE=\"Schemas\"",
            "USE=\"Representations/rep1\"",
            "<mets:structMap ID=\"structmap-1\" TYPE=\"PHYSICAL\" LABEL=\"CSIP\">",
            "LABEL=\"Metadata\" DMDID=\"dmd-1\" ADMID=\"digiprov-1\"",
            "<mets:div ID=\"div-rep1\" LABEL=\"Representations/rep1\">",
            "xlink:href=\"representations/rep1/METS.xml\" xlink:title=\"grp-rep1\"",
        ] {
            assert!(mets.contains(needed), "{needed} in\n{mets}");
        }
        // Every file and metadata reference carries its SHA-256.
        let files_and_refs =
            mets.matches("<mets:file ").count() + mets.matches("<mets:mdRef ").count();
        assert_eq!(
            mets.matches("CHECKSUMTYPE=\"SHA-256\"").count(),
            files_and_refs
        );
        let representation = text(
            &files,
            &format!("{}/representations/rep1/METS.xml", c.package_id),
        );
        assert!(representation.contains("xlink:href=\"data/region-stockholm/kvitto.pdf\""));
        assert!(representation.contains(&format!(
            "CHECKSUM=\"{}\"",
            hex::encode(Sha256::digest(b"%PDF-1.7 kvitto"))
        )));
    }

    #[test]
    fn the_metadata_escapes_what_people_typed() {
        let c = sample();
        let year = String::from_utf8(c.descriptive[0].bytes.clone()).expect("utf-8");
        assert!(
            year.contains(">Region Stockholm &amp; &lt;Gotland&gt;</aktor>"),
            "{year}"
        );
        assert!(year.contains("arende=\"metadata/descriptive/arende-region-stockholm.xml\""));
        assert!(year.contains("<diarienummer>Ä 2026-0042</diarienummer>"));
    }

    #[test]
    fn every_checksum_holds_in_a_new_package_and_a_changed_byte_is_found() {
        let c = sample();
        let bytes = package(&c).expect("a package");
        assert_eq!(verify(&bytes), Ok(vec![]));

        let top = format!("{}/", c.package_id);
        let mut files: BTreeMap<String, Vec<u8>> = unzipped(&bytes)
            .into_iter()
            .filter(|(n, _)| !n.ends_with('/'))
            .map(|(n, b)| (n[top.len()..].to_string(), b))
            .collect();
        assert_eq!(check(&files), Ok(vec![]));

        let receipt = "representations/rep1/data/region-stockholm/kvitto.pdf";
        files.get_mut(receipt).expect("the receipt")[3] ^= 1;
        let faults = check(&files).expect("a package");
        assert_eq!(faults.len(), 1, "{faults:?}");
        assert!(faults[0].starts_with(receipt), "{faults:?}");
        assert!(faults[0].contains("kontrollsumman stämmer inte"));

        files.remove(receipt);
        files.insert("representations/rep1/data/extra.pdf".into(), b"x".to_vec());
        let faults = check(&files).expect("a package");
        assert!(
            faults.contains(&format!("{receipt} saknas i paketet.")),
            "{faults:?}"
        );
        assert!(
            faults.contains(
                &"representations/rep1/data/extra.pdf finns i paketet utan kontrollsumma i METS."
                    .to_string()
            ),
            "{faults:?}"
        );

        // A changed metadata file is found through the package's own METS.xml.
        let mut files: BTreeMap<String, Vec<u8>> = unzipped(&bytes)
            .into_iter()
            .filter(|(n, _)| !n.ends_with('/'))
            .map(|(n, b)| (n[top.len()..].to_string(), b))
            .collect();
        files
            .get_mut(LOG_FILE)
            .expect("the log")
            .extend_from_slice(b" ");
        let faults = check(&files).expect("a package");
        assert_eq!(faults.len(), 2, "checksum and size: {faults:?}");
        assert!(faults.iter().all(|f| f.starts_with(LOG_FILE)));
    }

    #[test]
    fn what_is_not_a_package_is_said_so() {
        assert!(verify(b"not a zip").is_err());
        let one_folder = zip_folder(
            "a",
            &[("METS.xml", b"<mets/>")],
            &[],
            zip::DateTime::default(),
        )
        .expect("zip");
        assert_eq!(verify(&one_folder), Ok(vec![]));
        let mut two = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for name in ["a/METS.xml", "b/METS.xml"] {
            two.start_file(name, zip::write::SimpleFileOptions::default())
                .expect("a file");
            two.write_all(b"<mets/>").expect("write");
        }
        let two_folders = two.finish().expect("zip").into_inner();
        assert!(verify(&two_folders).is_err());
        let files = BTreeMap::from([("x.pdf".to_string(), b"x".to_vec())]);
        assert!(check(&files).is_err());
        assert_eq!(resolve("", "../utanfor.pdf"), None);
        assert_eq!(resolve("", "https://example.org/x"), None);
        assert_eq!(
            resolve("representations/rep1", "data/a%20b.pdf").as_deref(),
            Some("representations/rep1/data/a b.pdf")
        );
    }
}
