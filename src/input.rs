//! What people type, in one vocabulary: text of a bounded length, an e-mail address, a
//! phone number, a name, an amount in kronor, a mailbox (`Namn <adress>`), and the SMTP
//! server's address. Every form and the configuration parse with these; each returns the
//! value as stored, or the Swedish message to show beside the field.

use lettre::{AsyncSmtpTransport, Tokio1Executor, message::Mailbox};
use rust_decimal::Decimal;

use crate::{money::Amount, web::FormErrors};

/// Text as typed, trimmed, of at most `max` characters; too long, the message says how long
/// it is.
pub fn bounded_text(input: &str, max: usize) -> Result<String, String> {
    let text = input.trim();
    let len = text.chars().count();
    if len > max {
        Err(format!("Texten får vara högst {max} tecken (nu {len})."))
    } else {
        Ok(text.to_string())
    }
}

/// Text that may be empty: the text trimmed, and, when it is too long, the message beside
/// `field` (the text is returned all the same, for the checks after it).
pub fn text(errors: &mut FormErrors, field: &'static str, input: &str, max: usize) -> String {
    bounded_text(input, max).unwrap_or_else(|message| {
        errors.add(field, message);
        input.trim().to_string()
    })
}

/// Text that may be left out: `None` when empty, or too long (with the message beside `field`).
pub fn optional_text(
    errors: &mut FormErrors,
    field: &'static str,
    input: &str,
    max: usize,
) -> Option<String> {
    match bounded_text(input, max) {
        Ok(text) if text.is_empty() => None,
        Ok(text) => Some(text),
        Err(message) => {
            errors.add(field, message);
            None
        }
    }
}

/// Text that must be there: `missing` beside `field` when it is empty, the length message
/// when it is too long.
pub fn required_text(
    errors: &mut FormErrors,
    field: &'static str,
    input: &str,
    max: usize,
    missing: &str,
) -> Option<String> {
    let text = optional_text(errors, field, input, max);
    if text.is_none() && input.trim().is_empty() {
        errors.add(field, missing);
    }
    text
}

/// Whether `s` reads as an e-mail address: something before one `@`, a domain with a dot
/// inside it (not at either end), no spaces, at most 254 characters.
pub fn is_email(s: &str) -> bool {
    s.len() <= 254
        && !s.chars().any(char::is_whitespace)
        && s.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !domain.contains('@')
        })
}

/// The message beside a field that does not hold an e-mail address.
pub const NOT_AN_EMAIL: &str = "Ange en giltig e-postadress, till exempel namn@region.se.";

/// An e-mail address as stored: trimmed and lower-cased. Returns the Swedish message
/// to show beside the field when it is not an address.
pub fn parse_email(input: &str) -> Result<String, &'static str> {
    let email = input.trim().to_lowercase();
    if email.is_empty() {
        Err("Ange en e-postadress.")
    } else if !is_email(&email) {
        Err(NOT_AN_EMAIL)
    } else {
        Ok(email)
    }
}

/// A phone number as stored: spaces tidied, digits with `+`, `-` and brackets, at least six
/// digits, at most 40 characters; or empty.
pub fn parse_phone(input: &str) -> Result<String, &'static str> {
    let phone = input.split_whitespace().collect::<Vec<_>>().join(" ");
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    if phone.chars().count() > 40 {
        Err("Högst 40 tecken.")
    } else if !phone.is_empty()
        && (digits < 6
            || !phone
                .chars()
                .all(|c| c.is_ascii_digit() || " +()-".contains(c)))
    {
        Err("Ange telefonnumret med siffror, till exempel 070-123 45 67 eller +46 70 123 45 67.")
    } else {
        Ok(phone)
    }
}

/// An amount in kronor above zero, as typed (`Amount::parse`'s ways of writing one); the
/// message beside `field` when it is not.
pub fn positive_amount(
    errors: &mut FormErrors,
    field: &'static str,
    input: &str,
) -> Option<Decimal> {
    match Amount::parse(input) {
        Ok(a) if a.value() > Decimal::ZERO => Some(a.value()),
        Ok(_) => {
            errors.add(field, "Beloppet måste vara större än 0 kr.");
            None
        }
        Err(e) => {
            errors.add(field, e);
            None
        }
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

/// A mailbox, `Digikoord <digikoord@example.se>` (`MAIL_FROM`).
pub fn parse_mailbox(input: &str) -> Result<Mailbox, String> {
    input
        .parse::<Mailbox>()
        .map_err(|e| format!("{e} (expected e.g. Digikoord <digikoord@example.se>)"))
}

/// The SMTP server's address (`SMTP_URL`).
pub fn check_smtp_url(url: &str) -> Result<(), String> {
    AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
        .map(|_| ())
        .map_err(|e| format!("{e} (expected e.g. smtps://user:pass@host:465 or smtp://host:25)"))
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
            "a@.region.se",
            "a@region.se.",
        ] {
            assert!(parse_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn text_is_trimmed_and_bounded_and_says_how_long_it_is() {
        let mut errors = FormErrors::default();
        assert_eq!(text(&mut errors, "a", "  hej ", 3), "hej");
        assert_eq!(optional_text(&mut errors, "a", "   ", 3), None);
        assert_eq!(
            required_text(&mut errors, "a", "ok", 3, "Ange."),
            Some("ok".into())
        );
        assert!(errors.is_empty());
        assert_eq!(required_text(&mut errors, "b", "  ", 3, "Ange b."), None);
        assert_eq!(errors.get("b"), Some("Ange b."));
        assert_eq!(optional_text(&mut errors, "c", "åäöå", 3), None);
        assert_eq!(
            errors.get("c"),
            Some("Texten får vara högst 3 tecken (nu 4).")
        );
        assert_eq!(text(&mut errors, "d", "abcd", 3), "abcd");
        assert!(errors.get("d").is_some());
    }

    #[test]
    fn a_phone_number_is_digits_and_a_few_signs() {
        assert_eq!(parse_phone(" +46  40 123 "), Ok("+46 40 123".into()));
        assert_eq!(parse_phone("08-123 456 78"), Ok("08-123 456 78".into()));
        assert_eq!(parse_phone("(0)70 123 45"), Ok("(0)70 123 45".into()));
        assert_eq!(parse_phone(""), Ok(String::new()));
        assert!(parse_phone("ring mig").is_err());
        assert!(parse_phone("112").is_err());
        assert_eq!(parse_phone(&"1".repeat(41)), Err("Högst 40 tecken."));
    }

    #[test]
    fn an_amount_must_be_above_zero() {
        let mut errors = FormErrors::default();
        assert_eq!(
            positive_amount(&mut errors, "a", "1 000 000 kr"),
            Some(Decimal::new(1_000_000, 0))
        );
        assert_eq!(positive_amount(&mut errors, "b", "0"), None);
        assert_eq!(errors.get("b"), Some("Beloppet måste vara större än 0 kr."));
        assert_eq!(positive_amount(&mut errors, "c", "många"), None);
        assert!(errors.get("c").is_some());
    }

    #[test]
    fn a_name_is_between_one_and_two_hundred_characters() {
        assert_eq!(parse_name(" Åsa Öberg "), Ok("Åsa Öberg".to_string()));
        assert_eq!(parse_name("  "), Err("Ange namnet."));
        assert!(parse_name(&"å".repeat(200)).is_ok());
        assert_eq!(parse_name(&"å".repeat(201)), Err("Högst 200 tecken."));
    }

    #[test]
    fn a_mailbox_and_an_smtp_address_are_checked() {
        assert!(parse_mailbox("Digikoord <digikoord@example.se>").is_ok());
        assert!(parse_mailbox("inte en adress").is_err());
        assert!(check_smtp_url("smtp://localhost:25").is_ok());
        assert!(check_smtp_url("ftp://x").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// An e-mail address is accepted only as typed (trimmed, lower-cased): one `@`
        /// with something before it, a dot after it, no spaces inside.
        #[test]
        fn an_email_address_is_accepted_only_as_typed(
            input in "\\PC{0,24}|[ ]?[a-zA-Z.]{0,6}@?[a-zA-Z.@ ]{0,8}[ ]?",
        ) {
            if let Ok(email) = parse_email(&input) {
                prop_assert_eq!(&email, &input.trim().to_lowercase());
                let (local, domain) = email.split_once('@').expect("an @");
                prop_assert!(!local.is_empty() && domain.contains('.') && !domain.contains('@'));
                prop_assert!(!email.chars().any(char::is_whitespace));
            }
        }
    }
}
