//! Files people attach — to a requisition, a report, a network meeting — checked the same
//! way everywhere: one file per form, at most 10 MB, its type told by its first bytes and not
//! by its name or what the browser claims, kept with its SHA-256, and at most 20 files of
//! 50 MB together on what holds them (the schema holds the same limits). Each domain
//! stores its own (its table) and words its own messages about the limits.

use axum::extract::Multipart;
use sha2::{Digest, Sha256};

use crate::web::receive_file;

/// One file at most this large…
pub const MAX_BYTES: usize = 10 * 1024 * 1024;
/// …and at most this many on what holds them…
pub const MAX_COUNT: i64 = 20;
/// …of at most this many bytes together.
pub const MAX_TOTAL_BYTES: i64 = 50 * 1024 * 1024;

/// A file received and checked.
pub struct File {
    pub name: String,
    pub content_type: &'static str,
    pub sha256: String,
    pub size: i32,
    pub bytes: Vec<u8>,
}

/// Receives the form's file (its `file` field) and checks it: the message to show beside
/// the field when it is none, too large, or not what its name says.
pub async fn receive(multipart: Multipart) -> Result<File, String> {
    let (name, bytes) = receive_file(multipart, MAX_BYTES).await?;
    let content_type = content_type(&name, &bytes)?;
    Ok(File {
        content_type,
        sha256: hex::encode(Sha256::digest(&bytes)),
        size: i32::try_from(bytes.len()).map_err(|_| "Filen är för stor.".to_string())?,
        name,
        bytes,
    })
}

/// Why one more file does not fit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overflow {
    TooMany,
    TooLarge,
}

/// Whether one more file of `size` bytes fits beside `count` files of `total` bytes.
pub fn fits(count: i64, total: i64, size: usize) -> Result<(), Overflow> {
    if count >= MAX_COUNT {
        return Err(Overflow::TooMany);
    }
    if total.saturating_add(size as i64) > MAX_TOTAL_BYTES {
        return Err(Overflow::TooLarge);
    }
    Ok(())
}

/// The content type of an allowed attachment, checked against the file's first bytes —
/// not the name or what the browser claims: an .exe renamed .pdf is refused.
pub fn content_type(filename: &str, bytes: &[u8]) -> Result<&'static str, &'static str> {
    if bytes.is_empty() {
        return Err("Filen är tom.");
    }
    if bytes.len() > MAX_BYTES {
        return Err("Filen är större än 10 MB. Dela upp den eller komprimera den.");
    }
    let extension = filename
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let zip = bytes.starts_with(b"PK\x03\x04");
    let ole = bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]);
    let found = match extension.as_str() {
        "pdf" if bytes.starts_with(b"%PDF-") => Some("application/pdf"),
        "png" if bytes.starts_with(b"\x89PNG\r\n\x1a\n") => Some("image/png"),
        "jpg" | "jpeg" if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) => Some("image/jpeg"),
        "gif" if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") => Some("image/gif"),
        "docx" if zip => {
            Some("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
        }
        "xlsx" if zip => Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        "doc" if ole => Some("application/msword"),
        "xls" if ole => Some("application/vnd.ms-excel"),
        "pdf" | "png" | "jpg" | "jpeg" | "gif" | "docx" | "xlsx" | "doc" | "xls" => None,
        _ => return Err("Bifoga PDF, Word, Excel eller bilder (png, jpg, gif)."),
    };
    found.ok_or("Filens innehåll stämmer inte med filtypen. Kontrollera att det är rätt fil.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attachments_are_checked_by_their_content_not_their_name() {
        assert_eq!(
            content_type("r.pdf", b"%PDF-1.7 ..."),
            Ok("application/pdf")
        );
        assert!(content_type("Budget.XLSX", b"PK\x03\x04rest").is_ok());
        assert!(content_type("bild.jpg", &[0xFF, 0xD8, 0xFF, 0xE0]).is_ok());
        assert!(
            content_type("virus.pdf", b"MZ\x90\x00").is_err(),
            "an .exe renamed .pdf"
        );
        assert!(content_type("virus.exe", b"MZ\x90\x00").is_err());
        assert!(content_type("noname", b"%PDF-").is_err());
        assert!(content_type("tom.pdf", b"").is_err());
        let big = vec![b'%'; MAX_BYTES + 1];
        assert!(content_type("stor.pdf", &big).is_err());
    }

    #[test]
    fn twenty_files_of_fifty_megabytes_together_at_most() {
        assert_eq!(fits(0, 0, 10 * 1024 * 1024), Ok(()));
        assert_eq!(fits(19, 40 * 1024 * 1024, 10 * 1024 * 1024), Ok(()));
        assert_eq!(fits(20, 0, 1), Err(Overflow::TooMany));
        assert_eq!(
            fits(5, 45 * 1024 * 1024, 5 * 1024 * 1024 + 1),
            Err(Overflow::TooLarge)
        );
    }
}
