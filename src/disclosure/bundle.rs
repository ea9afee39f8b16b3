//! The bundle handed to the one who asked: one ZIP of named files (the documents' PDF/A, which
//! are compressed already, stored as they are; the list deflated), dated in Swedish time.

use std::io::{Cursor, Write};

use chrono::{DateTime, Datelike, Timelike, Utc};
use zip::{CompressionMethod, ZipWriter, write::SimpleFileOptions};

/// A file of the bundle: its name in the ZIP (folders by `/`) and its bytes.
pub struct Entry {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// The ZIP's time stamp for `at`, in Swedish time (ZIP has no time zone).
fn stamp(at: DateTime<Utc>) -> zip::DateTime {
    let local = crate::clock::swedish(at);
    let part = |n: u32| u8::try_from(n).unwrap_or(0);
    zip::DateTime::from_date_and_time(
        u16::try_from(local.year()).unwrap_or(1980),
        part(local.month()),
        part(local.day()),
        part(local.hour()),
        part(local.minute()),
        part(local.second()),
    )
    .unwrap_or_default()
}

/// The ZIP of `entries`, in their order.
pub fn zip(entries: &[Entry], at: DateTime<Utc>) -> zip::result::ZipResult<Vec<u8>> {
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default().last_modified_time(stamp(at));
    for entry in entries {
        let method = if entry.name.to_lowercase().ends_with(".pdf") {
            CompressionMethod::Stored
        } else {
            CompressionMethod::Deflated
        };
        out.start_file(entry.name.as_str(), options.compression_method(method))?;
        out.write_all(&entry.bytes)?;
    }
    Ok(out.finish()?.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn the_bundle_holds_each_file_by_its_name_as_it_was_given() {
        let entries = [
            Entry {
                name: "Förteckning.csv".into(),
                bytes: "\u{feff}Nr;Handling\r\n1;Beslut\r\n".as_bytes().to_vec(),
            },
            Entry {
                name: "Lämnas ut/01 Beslut.pdf".into(),
                bytes: b"%PDF-1.7 test".to_vec(),
            },
        ];
        let at = DateTime::parse_from_rfc3339("2025-03-01T09:30:00Z")
            .expect("time")
            .with_timezone(&Utc);
        let bytes = zip(&entries, at).expect("zip");
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).expect("a zip");
        assert_eq!(archive.len(), 2);
        for entry in &entries {
            let mut file = archive.by_name(&entry.name).expect("by its name");
            let mut read = Vec::new();
            file.read_to_end(&mut read).expect("read");
            assert_eq!(read, entry.bytes, "{}", entry.name);
            let modified = file.last_modified().expect("a time");
            // 09.30 UTC is 10.30 in Stockholm in March.
            assert_eq!((modified.year(), modified.hour()), (2025, 10));
        }
    }
}
