//! The pure rules of user accounts: what a valid user form is.

use serde::Deserialize;
use uuid::Uuid;

use crate::{auth::Role, programme::db::Organisation, web::FormErrors};

/// An e-mail address as stored: trimmed and lower-cased. Returns the Swedish message
/// to show beside the field when it is not an address.
pub fn parse_email(input: &str) -> Result<String, &'static str> {
    let email = input.trim().to_lowercase();
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(a, b)| !a.is_empty() && b.contains('.') && !b.contains('@'))
        && !email.chars().any(char::is_whitespace);
    if email.is_empty() {
        Err("Ange en e-postadress.")
    } else if !valid {
        Err("Ange en giltig e-postadress, till exempel namn@region.se.")
    } else {
        Ok(email)
    }
}

/// A person's name as stored: trimmed, 1–200 characters.
pub fn parse_name(input: &str) -> Result<String, &'static str> {
    let name = input.trim().to_string();
    if name.is_empty() {
        Err("Ange namnet.")
    } else if name.chars().count() > 200 {
        Err("Högst 200 tecken.")
    } else {
        Ok(name)
    }
}

#[derive(Default, Deserialize)]
pub struct UserForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub role: String,
    #[serde(default)]
    pub organisation_id: String,
}

pub struct ValidUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub organisation_id: Option<Uuid>,
}

impl UserForm {
    pub fn validate(&self, organisations: &[Organisation]) -> Result<ValidUser, FormErrors> {
        let mut e = FormErrors::default();
        let email = parse_email(&self.email).map_err(|m| e.add("email", m)).ok();
        let name = parse_name(&self.name).map_err(|m| e.add("name", m)).ok();
        let role = Role::from_key(&self.role);
        if role.is_none() {
            e.add("role", "Välj en roll.");
        }
        let organisation_id = self
            .organisation_id
            .parse::<Uuid>()
            .ok()
            .filter(|id| organisations.iter().any(|o| o.id == *id));
        match (role, organisation_id) {
            (Some(Role::Coordinator), None) => e.add(
                "organisation_id",
                "En regional koordinator måste höra till en organisation.",
            ),
            (Some(r), Some(_)) if r.is_staff() => e.add(
                "organisation_id",
                "Tillväxtverkets personal hör inte till någon regional organisation.",
            ),
            _ => {}
        }
        match (email, name, role) {
            (Some(email), Some(name), Some(role)) if e.is_empty() => Ok(ValidUser {
                email,
                name,
                role,
                organisation_id,
            }),
            _ => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_email_address_is_stored_trimmed_and_lower_cased() {
        assert_eq!(
            parse_email("  Asa.Oberg@Regionhalland.se "),
            Ok("asa.oberg@regionhalland.se".to_string())
        );
        assert_eq!(parse_email(" "), Err("Ange en e-postadress."));
        for bad in [
            "inte-en-adress",
            "@region.se",
            "a@b",
            "a@b@c.se",
            "a b@c.se",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_name_is_between_one_and_two_hundred_characters() {
        assert_eq!(parse_name(" Åsa Öberg "), Ok("Åsa Öberg".to_string()));
        assert_eq!(parse_name("  "), Err("Ange namnet."));
        assert!(parse_name(&"å".repeat(200)).is_ok());
        assert_eq!(parse_name(&"å".repeat(201)), Err("Högst 200 tecken."));
    }
}
