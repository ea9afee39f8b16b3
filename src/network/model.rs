//! The network's directory: what a directory entry and Tillväxtverket's contact must hold,
//! who may change what, and the directory as CSV and vCard. The events' rules (träffar)
//! are in `meetings.rs`, re-exported here. Pure: the rows come from `db.rs`.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::{
    input::{parse_email, parse_name},
    web::FormErrors,
};

pub use super::meetings::*;

/// One person in the directory: a coordinator (a user) or a contact an administrator added.
#[derive(Clone, Debug, sqlx::FromRow, Serialize)]
pub struct Person {
    pub id: Uuid,
    /// The coordinator's account; `None` for a contact who is not a user.
    pub user_id: Option<Uuid>,
    pub organisation_id: Uuid,
    pub organisation_name: String,
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
}

impl Person {
    /// Whether every word of the search is somewhere in the entry, in any case.
    pub fn matches(&self, search: &str) -> bool {
        let haystack = [
            &self.name,
            &self.title,
            &self.email,
            &self.phone,
            &self.organisation_name,
        ]
        .map(|s| s.to_lowercase())
        .join(" ");
        search
            .split_whitespace()
            .all(|word| haystack.contains(&word.to_lowercase()))
    }
}

/// Whose entries a user may change: an administrator anyone's, a coordinator only their own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Editor {
    Anyone,
    Own(Uuid),
}

impl Editor {
    /// The user whose entry alone may be changed, or `None` for any: bind as
    /// `$n::uuid IS NULL OR user_id = $n`.
    pub fn only_user(self) -> Option<Uuid> {
        match self {
            Editor::Anyone => None,
            Editor::Own(user) => Some(user),
        }
    }
}

pub use crate::input::parse_phone;

#[derive(Clone, Debug, Default, Deserialize)]
pub struct ContactForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub phone: String,
    /// Only when an administrator adds a contact who is not a user.
    #[serde(default)]
    pub organisation_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ValidContact {
    pub name: String,
    pub title: String,
    pub email: String,
    pub phone: String,
}

impl ContactForm {
    pub fn of(p: &Person) -> ContactForm {
        ContactForm {
            name: p.name.clone(),
            title: p.title.clone(),
            email: p.email.clone(),
            phone: p.phone.clone(),
            organisation_id: p.organisation_id.to_string(),
        }
    }

    pub fn validate(&self) -> Result<ValidContact, FormErrors> {
        let mut e = FormErrors::default();
        let name = parse_name(&self.name).map_err(|m| e.add("name", m)).ok();
        let title = crate::input::bounded_text(&self.title, 200)
            .map_err(|m| e.add("title", m))
            .ok();
        let email = parse_email(&self.email).map_err(|m| e.add("email", m)).ok();
        let phone = parse_phone(&self.phone).map_err(|m| e.add("phone", m)).ok();
        match (name, title, email, phone) {
            (Some(name), Some(title), Some(email), Some(phone)) => Ok(ValidContact {
                name,
                title,
                email,
                phone,
            }),
            _ => Err(e),
        }
    }

    /// A new contact's organisation: one of those offered.
    pub fn organisation(&self, offered: &[Uuid]) -> Option<Uuid> {
        self.organisation_id
            .parse()
            .ok()
            .filter(|id| offered.contains(id))
    }
}

/// Tillväxtverket's contact for the regions, as shown on their start page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct AgencyContact {
    pub name: String,
    pub email: String,
}

#[derive(Clone, Debug, Default, Deserialize)]
pub struct AgencyContactForm {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
}

impl AgencyContactForm {
    /// A name and an address, or both left empty to show no contact.
    pub fn validate(&self) -> Result<Option<AgencyContact>, FormErrors> {
        if self.name.trim().is_empty() && self.email.trim().is_empty() {
            return Ok(None);
        }
        let mut e = FormErrors::default();
        let name = parse_name(&self.name).map_err(|m| e.add("name", m)).ok();
        let email = parse_email(&self.email).map_err(|m| e.add("email", m)).ok();
        match (name, email) {
            (Some(name), Some(email)) => Ok(Some(AgencyContact { name, email })),
            _ => Err(e),
        }
    }
}

pub const CSV_HEADINGS: [&str; 5] = ["Namn", "Titel", "E-post", "Telefon", "Organisation"];

/// UTF-8 with a BOM and semicolons, as the summary's CSV: what a Swedish Excel opens.
pub fn directory_csv(people: &[Person]) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    out.push_str(&CSV_HEADINGS.join(";"));
    out.push_str("\r\n");
    for p in people {
        let fields = [&p.name, &p.title, &p.email, &p.phone, &p.organisation_name]
            .map(|f| crate::export::csv::field(f));
        out.push_str(&fields.join(";"));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

/// A vCard text value: backslash, comma, semicolon and line breaks escaped (RFC 6350 3.4).
fn vcard_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded at 75 octets, never inside a character, ended by CRLF.
fn folded(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        if width + c.len_utf8() > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += c.len_utf8();
    }
    out.push_str("\r\n");
    out
}

/// One vCard 3.0 per person: name (family name last), organisation, title, e-mail, phone.
pub fn directory_vcard(people: &[Person]) -> String {
    let mut out = String::new();
    for p in people {
        let (given, family) = p.name.rsplit_once(' ').unwrap_or(("", &p.name));
        let mut lines = vec![
            "BEGIN:VCARD".to_string(),
            "VERSION:3.0".to_string(),
            format!("N:{};{};;;", vcard_text(family), vcard_text(given)),
            format!("FN:{}", vcard_text(&p.name)),
            format!("ORG:{}", vcard_text(&p.organisation_name)),
        ];
        if !p.title.is_empty() {
            lines.push(format!("TITLE:{}", vcard_text(&p.title)));
        }
        lines.push(format!("EMAIL;TYPE=INTERNET,WORK:{}", vcard_text(&p.email)));
        if !p.phone.is_empty() {
            lines.push(format!("TEL;TYPE=WORK,VOICE:{}", vcard_text(&p.phone)));
        }
        lines.push(format!("UID:urn:uuid:{}", p.id));
        lines.push("END:VCARD".to_string());
        for line in lines {
            out.push_str(&folded(&line));
        }
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn person(name: &str, title: &str, phone: &str) -> Person {
        Person {
            id: Uuid::from_u128(1),
            user_id: None,
            organisation_id: Uuid::from_u128(2),
            organisation_name: "Region Skåne".into(),
            name: name.into(),
            title: title.into(),
            email: "anna@skane.se".into(),
            phone: phone.into(),
        }
    }

    #[test]
    fn a_search_matches_every_word_anywhere_in_the_entry_in_any_case() {
        let anna = person("Anna Lindström", "Digitaliseringskoordinator", "040-123 45");
        assert!(anna.matches(""));
        assert!(anna.matches("lindström"));
        assert!(anna.matches("SKÅNE anna"));
        assert!(anna.matches("040-123"));
        assert!(anna.matches("koordinator"));
        assert!(!anna.matches("anna stockholm"));
    }

    #[test]
    fn a_contact_needs_a_name_and_an_address_and_a_phone_number_of_digits() {
        let form = ContactForm {
            name: "  Anna Lindström ".into(),
            title: "Koordinator".into(),
            email: " Anna@Skane.SE ".into(),
            phone: " +46  40 123 ".into(),
            organisation_id: String::new(),
        };
        let valid = form.validate().expect("valid");
        assert_eq!(valid.name, "Anna Lindström");
        assert_eq!(valid.email, "anna@skane.se");
        assert_eq!(valid.phone, "+46 40 123");
        let bad = ContactForm {
            name: " ".into(),
            email: "inte en adress".into(),
            phone: "ring mig".into(),
            ..form
        }
        .validate()
        .expect_err("invalid");
        assert!(bad.get("name").is_some());
        assert!(bad.get("email").is_some());
        assert!(bad.get("phone").is_some());
        assert_eq!(parse_phone(""), Ok(String::new()));
    }

    #[test]
    fn tillvaxtverkets_contact_is_a_name_and_an_address_or_none() {
        let none = AgencyContactForm::default();
        assert_eq!(none.validate().ok(), Some(None));
        let half = AgencyContactForm {
            name: "Eva Ek".into(),
            email: String::new(),
        };
        assert!(half.validate().is_err());
        let whole = AgencyContactForm {
            name: "Eva Ek".into(),
            email: "eva.ek@tillvaxtverket.se".into(),
        };
        assert_eq!(
            whole.validate().ok().flatten().map(|c| c.email),
            Some("eva.ek@tillvaxtverket.se".into())
        );
    }

    #[test]
    fn the_csv_has_a_bom_semicolons_quotes_and_no_formulas() {
        let people = vec![
            person(
                "Anna Lindström",
                "Koordinator; digitalisering",
                "+46 40 123",
            ),
            person("=HYPERLINK(\"x\")", "", "-"),
        ];
        let csv = String::from_utf8(directory_csv(&people)).expect("utf-8");
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "\u{feff}Namn;Titel;E-post;Telefon;Organisation");
        assert_eq!(
            lines[1],
            "Anna Lindström;\"Koordinator; digitalisering\";anna@skane.se;+46 40 123;Region Skåne"
        );
        assert_eq!(
            lines[2],
            "\"'=HYPERLINK(\"\"x\"\")\";;anna@skane.se;-;Region Skåne"
        );
        assert_eq!(lines[3], "");
    }

    #[test]
    fn a_vcard_per_person_escaped_and_folded() {
        let long_title =
            "Samordnare för digitalisering, innovation; och regional utveckling i Skåne";
        let people = vec![
            person("Anna Maria Lindström", long_title, "040-123 45"),
            person("Per", "", ""),
        ];
        let text = directory_vcard(&people);
        assert_eq!(text.matches("BEGIN:VCARD\r\n").count(), 2);
        assert_eq!(text.matches("END:VCARD\r\n").count(), 2);
        assert!(text.contains("VERSION:3.0\r\n"));
        assert!(text.contains("N:Lindström;Anna Maria;;;\r\n"), "{text}");
        assert!(text.contains("FN:Anna Maria Lindström\r\n"));
        assert!(text.contains("ORG:Region Skåne\r\n"));
        assert!(text.contains("EMAIL;TYPE=INTERNET,WORK:anna@skane.se\r\n"));
        assert!(text.contains("TEL;TYPE=WORK,VOICE:040-123 45\r\n"));
        assert!(text.contains("N:Per;;;;\r\n"));
        assert!(text.lines().all(|l| l.len() <= 75), "{text}");
        // Unfolded, the title reads back with its comma and semicolon escaped.
        let unfolded = text.replace("\r\n ", "");
        assert!(unfolded.contains(
            "TITLE:Samordnare för digitalisering\\, innovation\\; och regional utveckling i Skåne\r\n"
        ));
        assert_eq!(vcard_text("a\\b\nc"), "a\\\\b\\nc");
    }

    #[test]
    fn folding_never_splits_a_character() {
        let line = "FN:".to_string() + &"å".repeat(80);
        let folded = folded(&line);
        for part in folded.split("\r\n") {
            assert!(part.len() <= 75);
        }
        assert_eq!(folded.replace("\r\n ", "").trim_end(), line);
    }
}
