//! Bankgiro and plusgiro numbers, and the Luhn (modulus 10) check digit they
//! share with organisation numbers.

use serde::Serialize;

/// True when the digits end in a correct Luhn check digit.
pub fn luhn_valid(digits: &str) -> bool {
    luhn_sum(digits, false).is_some_and(|sum| sum.is_multiple_of(10))
}

/// The Luhn (modulus 10) check digit for `digits`: the digit that, appended, makes the whole
/// pass `luhn_valid`. `None` unless `digits` is digits only.
pub fn luhn_check_digit(digits: &str) -> Option<u32> {
    luhn_sum(digits, true).map(|sum| (10 - sum % 10) % 10)
}

/// The Luhn sum of `digits` (`None` unless digits only): every second digit from the right
/// doubled (digits over 9 less 9), starting with the last one when a check digit is still
/// to follow it, else with the one before it.
fn luhn_sum(digits: &str, check_digit_follows: bool) -> Option<u32> {
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let doubled = usize::from(!check_digit_follows);
    Some(
        digits
            .bytes()
            .rev()
            .map(|b| u32::from(b - b'0'))
            .enumerate()
            .map(|(i, d)| {
                if i % 2 == doubled {
                    let x = d * 2;
                    if x > 9 { x - 9 } else { x }
                } else {
                    d
                }
            })
            .sum(),
    )
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, sqlx::Type, Serialize)]
#[sqlx(type_name = "payment_method", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum PaymentMethod {
    Bankgiro,
    Plusgiro,
}

impl PaymentMethod {
    pub const ALL: [PaymentMethod; 2] = [PaymentMethod::Bankgiro, PaymentMethod::Plusgiro];

    pub fn key(self) -> &'static str {
        match self {
            PaymentMethod::Bankgiro => "bankgiro",
            PaymentMethod::Plusgiro => "plusgiro",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            PaymentMethod::Bankgiro => "Bankgiro",
            PaymentMethod::Plusgiro => "Plusgiro",
        }
    }

    pub fn from_key(key: &str) -> Option<PaymentMethod> {
        PaymentMethod::ALL.into_iter().find(|m| m.key() == key)
    }

    /// Reads a giro number as people write it (`5050-1055`, `5050 1055`, `12 34 56-6`)
    /// and returns it in its usual form: bankgiro `1234-5678`, plusgiro `123456-6`.
    pub fn parse_account(self, input: &str) -> Result<String, &'static str> {
        let digits: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect();
        if digits.is_empty() {
            return Err("Ange kontonumret.");
        }
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return Err("Kontonumret får bara innehålla siffror, mellanslag och bindestreck.");
        }
        match self {
            PaymentMethod::Bankgiro => {
                if !(7..=8).contains(&digits.len()) {
                    return Err(
                        "Ett bankgironummer har sju eller åtta siffror, till exempel 5050-1055.",
                    );
                }
                if !luhn_valid(&digits) {
                    return Err("Bankgironumret har fel kontrollsiffra. Kontrollera numret.");
                }
                let split = digits.len() - 4;
                Ok(format!("{}-{}", &digits[..split], &digits[split..]))
            }
            PaymentMethod::Plusgiro => {
                if !(2..=8).contains(&digits.len()) {
                    return Err(
                        "Ett plusgironummer har två till åtta siffror, till exempel 123456-6.",
                    );
                }
                if !luhn_valid(&digits) {
                    return Err("Plusgironumret har fel kontrollsiffra. Kontrollera numret.");
                }
                let split = digits.len() - 1;
                Ok(format!("{}-{}", &digits[..split], &digits[split..]))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn luhn_accepts_known_numbers_and_refuses_a_changed_digit() {
        assert!(luhn_valid("50501055"));
        assert!(luhn_valid("1234566"));
        assert!(luhn_valid("2321000016"));
        assert!(!luhn_valid("50501056"));
        assert!(!luhn_valid("1234567"));
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("12a4"));
    }

    #[test]
    fn bankgiro_numbers_are_read_as_people_write_them() {
        let bg = PaymentMethod::Bankgiro;
        assert_eq!(bg.parse_account("5050-1055"), Ok("5050-1055".into()));
        assert_eq!(bg.parse_account(" 5050 1055 "), Ok("5050-1055".into()));
        assert_eq!(bg.parse_account("50501055"), Ok("5050-1055".into()));
        // Seven digits: 123-4566 (Luhn over 1234566).
        assert_eq!(bg.parse_account("1234566"), Ok("123-4566".into()));
    }

    #[test]
    fn bankgiro_with_a_wrong_check_digit_or_length_is_refused() {
        let bg = PaymentMethod::Bankgiro;
        assert_eq!(
            bg.parse_account("5050-1056"),
            Err("Bankgironumret har fel kontrollsiffra. Kontrollera numret.")
        );
        assert!(bg.parse_account("123").is_err());
        assert!(bg.parse_account("505010550").is_err());
        assert!(bg.parse_account("5050-105x").is_err());
        assert_eq!(bg.parse_account(""), Err("Ange kontonumret."));
    }

    #[test]
    fn plusgiro_numbers_have_their_check_digit_after_a_dash() {
        let pg = PaymentMethod::Plusgiro;
        assert_eq!(pg.parse_account("12 34 56-6"), Ok("123456-6".into()));
        assert_eq!(pg.parse_account("1234566"), Ok("123456-6".into()));
        assert_eq!(pg.parse_account("1-8"), Ok("1-8".into()));
        assert!(pg.parse_account("123456-7").is_err());
        assert!(pg.parse_account("1").is_err());
        assert!(pg.parse_account("123456789").is_err());
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// The body followed by the one digit that makes it pass the Luhn check.
    fn with_check_digit(body: &str) -> String {
        (0..10)
            .map(|d| format!("{body}{d}"))
            .find(|n| luhn_valid(n))
            .expect("one of ten digits is the check digit")
    }

    fn digits_of(s: &str) -> String {
        s.chars().filter(char::is_ascii_digit).collect()
    }

    proptest! {
        /// Whatever is typed, no panic; what is accepted is the typed digits, of the
        /// method's length, with a right check digit, in the method's usual form.
        #[test]
        fn a_giro_number_is_accepted_only_as_typed_and_valid(
            input in "\\PC{0,14}|[0-9 -]{0,14}",
            bankgiro in any::<bool>(),
        ) {
            let method = if bankgiro { PaymentMethod::Bankgiro } else { PaymentMethod::Plusgiro };
            if let Ok(account) = method.parse_account(&input) {
                prop_assert!(input.chars().all(|c| c.is_ascii_digit() || c == '-' || c.is_whitespace()));
                let digits = digits_of(&account);
                prop_assert_eq!(&digits, &digits_of(&input));
                prop_assert!(luhn_valid(&digits));
                let (before, after) = account.split_once('-').expect("a dash");
                match method {
                    PaymentMethod::Bankgiro => {
                        prop_assert!((7..=8).contains(&digits.len()));
                        prop_assert_eq!(after.len(), 4);
                    }
                    PaymentMethod::Plusgiro => {
                        prop_assert!((2..=8).contains(&digits.len()));
                        prop_assert_eq!(after.len(), 1);
                    }
                }
                prop_assert!(!before.is_empty());
            }
        }

        /// A right number is accepted however it is spaced, and any one digit typed wrong
        /// is refused (the check digit catches every single-digit error).
        #[test]
        fn a_right_number_is_accepted_and_one_wrong_digit_refused(
            body in "[0-9]{1,7}",
            bankgiro in any::<bool>(),
            position in any::<prop::sample::Index>(),
            wrong in 1u8..10,
        ) {
            let method = if bankgiro { PaymentMethod::Bankgiro } else { PaymentMethod::Plusgiro };
            let number = with_check_digit(&body);
            let fits = match method {
                PaymentMethod::Bankgiro => (7..=8).contains(&number.len()),
                PaymentMethod::Plusgiro => (2..=8).contains(&number.len()),
            };
            let spaced = format!(" {} {} ", &number[..number.len() / 2], &number[number.len() / 2..]);
            prop_assert_eq!(method.parse_account(&spaced).is_ok(), fits);
            let mut changed = number.clone().into_bytes();
            let i = position.index(changed.len());
            changed[i] = b'0' + (changed[i] - b'0' + wrong) % 10;
            let changed = String::from_utf8(changed).expect("digits");
            prop_assert!(method.parse_account(&changed).is_err());
        }
    }
}
