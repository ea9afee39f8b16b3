//! The region's requisition form: the fields as typed, what a valid requisition is, and a
//! message's text. Also the text and amount checks the staff's forms share (`staff_form.rs`).

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::{giro::PaymentMethod, input, money::format_kronor, web::FormErrors};

const NAME_MAX: usize = 200;
const REFERENCE_MAX: usize = 50;
const PHONE_MAX: usize = 40;

/// The requisition form as typed. Everything is text so a rejected form comes back as it was.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default)]
pub struct RequisitionForm {
    pub amount: String,
    pub payment_method: String,
    pub account_number: String,
    pub payment_reference: String,
    pub contact_name: String,
    pub contact_email: String,
    pub contact_phone: String,
    pub signatory_name: String,
    pub signatory_title: String,
    pub declaration: Option<String>,
}

/// A validated requisition. In a draft any field may still be missing.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct RequisitionFields {
    pub amount: Option<Decimal>,
    pub payment_method: Option<PaymentMethod>,
    pub account_number: Option<String>,
    pub payment_reference: Option<String>,
    pub contact_name: Option<String>,
    pub contact_email: Option<String>,
    pub contact_phone: Option<String>,
    pub signatory_name: Option<String>,
    pub signatory_title: Option<String>,
    pub declaration: bool,
}

/// Trimmed text, or an error when it is too long (or missing and `required`).
pub(super) fn text(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    max: usize,
    required: bool,
    missing: &str,
) -> Option<String> {
    match required {
        true => input::required_text(errors, field, value, max, missing),
        false => input::optional_text(errors, field, value, max),
    }
}

/// An amount above zero and at most `max`; `over` tells the person what the limit is.
pub(super) fn positive_amount(
    errors: &mut FormErrors,
    field: &'static str,
    value: &str,
    max: Decimal,
    over: impl FnOnce() -> String,
) -> Option<Decimal> {
    let amount = input::positive_amount(errors, field, value)?;
    if amount > max {
        errors.add(field, over());
        return None;
    }
    Some(amount)
}

impl RequisitionForm {
    pub fn from_fields(f: &RequisitionFields) -> RequisitionForm {
        RequisitionForm {
            amount: f.amount.map(crate::money::format_input).unwrap_or_default(),
            payment_method: f
                .payment_method
                .map(|m| m.key().to_string())
                .unwrap_or_default(),
            account_number: f.account_number.clone().unwrap_or_default(),
            payment_reference: f.payment_reference.clone().unwrap_or_default(),
            contact_name: f.contact_name.clone().unwrap_or_default(),
            contact_email: f.contact_email.clone().unwrap_or_default(),
            contact_phone: f.contact_phone.clone().unwrap_or_default(),
            signatory_name: f.signatory_name.clone().unwrap_or_default(),
            signatory_title: f.signatory_title.clone().unwrap_or_default(),
            declaration: f.declaration.then(|| "ja".to_string()),
        }
    }

    /// Checks every field that is filled in; with `complete`, also that nothing is missing.
    pub fn validate(&self, cap: Decimal, complete: bool) -> Result<RequisitionFields, FormErrors> {
        let mut errors = FormErrors::default();
        let amount = if self.amount.trim().is_empty() {
            if complete {
                errors.add("amount", "Ange hur mycket ni rekvirerar.");
            }
            None
        } else {
            positive_amount(&mut errors, "amount", &self.amount, cap, || {
                format!("Ni kan rekvirera högst {} för året.", format_kronor(cap))
            })
        };
        let payment_method = match self.payment_method.trim() {
            "" => {
                if complete {
                    errors.add("payment_method", "Välj bankgiro eller plusgiro.");
                }
                None
            }
            key => {
                let m = PaymentMethod::from_key(key);
                if m.is_none() {
                    errors.add("payment_method", "Välj bankgiro eller plusgiro.");
                }
                m
            }
        };
        let account_number = if self.account_number.trim().is_empty() {
            if complete {
                errors.add(
                    "account_number",
                    "Ange kontonumret som medlen ska betalas till.",
                );
            }
            None
        } else {
            match payment_method {
                Some(m) => match m.parse_account(&self.account_number) {
                    Ok(n) => Some(n),
                    Err(e) => {
                        errors.add("account_number", e);
                        None
                    }
                },
                None => {
                    errors.add(
                        "account_number",
                        "Välj först om kontot är ett bankgiro eller ett plusgiro.",
                    );
                    None
                }
            }
        };
        let payment_reference = text(
            &mut errors,
            "payment_reference",
            &self.payment_reference,
            REFERENCE_MAX,
            complete,
            "Ange den referens ni vill ha på utbetalningen.",
        );
        let contact_name = text(
            &mut errors,
            "contact_name",
            &self.contact_name,
            NAME_MAX,
            complete,
            "Ange kontaktpersonens namn.",
        );
        let contact_email = text(
            &mut errors,
            "contact_email",
            &self.contact_email,
            NAME_MAX,
            complete,
            "Ange kontaktpersonens e-postadress.",
        );
        if contact_email
            .as_deref()
            .is_some_and(|e| !input::is_email(e))
        {
            errors.add("contact_email", input::NOT_AN_EMAIL);
        }
        let contact_phone = text(
            &mut errors,
            "contact_phone",
            &self.contact_phone,
            PHONE_MAX,
            complete,
            "Ange kontaktpersonens telefonnummer.",
        );
        if let Some(Err(message)) = contact_phone.as_deref().map(input::parse_phone) {
            errors.add("contact_phone", message);
        }
        let signatory_name = text(
            &mut errors,
            "signatory_name",
            &self.signatory_name,
            NAME_MAX,
            complete,
            "Ange namnet på den som har rätt att företräda organisationen.",
        );
        let signatory_title = text(
            &mut errors,
            "signatory_title",
            &self.signatory_title,
            NAME_MAX,
            complete,
            "Ange firmatecknarens titel.",
        );
        let declaration = self.declaration.as_deref() == Some("ja");
        if complete && !declaration {
            errors.add(
                "declaration",
                "Intyga att medlen ska användas enligt beslutet innan ni skickar in.",
            );
        }
        if errors.is_empty() {
            Ok(RequisitionFields {
                amount,
                payment_method,
                account_number,
                payment_reference,
                contact_name,
                contact_email,
                contact_phone,
                signatory_name,
                signatory_title,
                declaration,
            })
        } else {
            Err(errors)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn dec(s: &str) -> Decimal {
        Decimal::from_str(s).expect("decimal")
    }

    fn complete_form() -> RequisitionForm {
        RequisitionForm {
            amount: "1 000 000".into(),
            payment_method: "bankgiro".into(),
            account_number: "5050-1055".into(),
            payment_reference: "Digikoord 2025".into(),
            contact_name: "Karin Ek".into(),
            contact_email: "karin.ek@region.se".into(),
            contact_phone: "08-123 456 78".into(),
            signatory_name: "Per Lind".into(),
            signatory_title: "Regiondirektör".into(),
            declaration: Some("ja".into()),
        }
    }

    #[test]
    fn a_complete_form_validates_to_normalised_fields() {
        let fields = complete_form()
            .validate(dec("1000000"), true)
            .expect("valid");
        assert_eq!(fields.amount, Some(dec("1000000")));
        assert_eq!(fields.account_number.as_deref(), Some("5050-1055"));
        assert_eq!(fields.payment_method, Some(PaymentMethod::Bankgiro));
        assert!(fields.declaration);
        let back = RequisitionForm::from_fields(&fields).validate(dec("1000000"), true);
        assert_eq!(back.ok(), Some(fields));
    }

    #[test]
    fn a_draft_may_be_incomplete_but_not_wrong() {
        let partial = RequisitionForm {
            amount: "500 000,50".into(),
            ..Default::default()
        };
        let fields = partial.validate(dec("1000000"), false).expect("draft ok");
        assert_eq!(fields.amount, Some(dec("500000.50")));
        assert!(partial.validate(dec("1000000"), true).is_err());
        let wrong = RequisitionForm {
            amount: "abc".into(),
            ..Default::default()
        };
        assert!(wrong.validate(dec("1000000"), false).is_err());
    }

    #[test]
    fn bad_input_gets_a_message_on_the_right_field() {
        let cases: Vec<(&str, RequisitionForm)> = vec![
            (
                "amount",
                RequisitionForm {
                    amount: "-5".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "1e9".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "abc".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "1 000 000,01".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "0".into(),
                    ..complete_form()
                },
            ),
            (
                "amount",
                RequisitionForm {
                    amount: "".into(),
                    ..complete_form()
                },
            ),
            (
                "account_number",
                RequisitionForm {
                    account_number: "5050-1056".into(),
                    ..complete_form()
                },
            ),
            (
                "payment_method",
                RequisitionForm {
                    payment_method: "swish".into(),
                    ..complete_form()
                },
            ),
            (
                "contact_name",
                RequisitionForm {
                    contact_name: "x".repeat(10_000),
                    ..complete_form()
                },
            ),
            (
                "contact_email",
                RequisitionForm {
                    contact_email: "karin".into(),
                    ..complete_form()
                },
            ),
            (
                "contact_phone",
                RequisitionForm {
                    contact_phone: "ring mig".into(),
                    ..complete_form()
                },
            ),
            (
                "declaration",
                RequisitionForm {
                    declaration: None,
                    ..complete_form()
                },
            ),
        ];
        for (field, form) in cases {
            let errors = form.validate(dec("1000000"), true).expect_err(field);
            assert!(
                errors.get(field).is_some(),
                "{field}: {:?}",
                errors.iter().collect::<Vec<_>>()
            );
        }
    }
}
