//! What an applicant sends (the public form, the website's JSON), checked at the edge: per-field
//! limits, markup refused, mobile and e-mail parsed, province and city from the national lists
//! (`geo`), the number of users a positive number. The product is checked against the
//! administrator's list by the caller (it is data, not a rule).

use crate::customer::Uscc;
use crate::geo;
use crate::validate::{self, FieldError, FieldErrors};

pub const MAX_COMPANY: usize = 100;
pub const MAX_PERSON: usize = 50;
pub const MAX_MESSAGE: usize = 2000;
pub const MAX_PRODUCT: usize = 50;
/// More users than any customer of a software company has: a typo or a probe.
pub const MAX_USERS: i64 = 1_000_000;

/// As sent: raw text.
#[derive(Debug, Clone, Default)]
pub struct IntakeInput {
    pub company: String,
    pub uscc: String,
    pub contact_name: String,
    pub mobile: String,
    pub email: String,
    pub province: String,
    pub city: String,
    /// The product's code in the administrator's list.
    pub product: String,
    pub users: String,
    pub message: String,
    /// The honeypot: a field hidden from people; whatever a robot writes in it.
    pub website: String,
}

/// Checked: every field has its rule's shape.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Intake {
    /// Normalised as a customer's name is (`customer::normalize_name`).
    pub company: String,
    pub uscc: Option<String>,
    pub contact_name: String,
    /// 11 digits.
    pub mobile: String,
    pub email: Option<String>,
    pub province_code: String,
    pub province: String,
    pub city_code: Option<String>,
    pub city: Option<String>,
    pub product: String,
    pub users: Option<i64>,
    pub message: Option<String>,
}

/// Whether the text holds markup (`<tag`, `</`, `<!`, `<?`): an application is plain text, and a
/// tag in it is an injection attempt or a paste from a web page — refused, not stored escaped.
pub fn has_markup(s: &str) -> bool {
    let b = s.as_bytes();
    b.windows(2).any(|w| {
        w[0] == b'<' && (w[1].is_ascii_alphabetic() || matches!(w[1], b'/' | b'!' | b'?'))
    }) || s.contains("javascript:")
}

fn no_markup(field: &str, s: &str, errs: &mut FieldErrors) -> bool {
    if has_markup(s) {
        errs.push(FieldError::new(field, "error.markup"));
        false
    } else {
        true
    }
}

impl IntakeInput {
    /// True when the honeypot holds anything: accepted silently, nothing stored.
    pub fn is_robot(&self) -> bool {
        !self.website.trim().is_empty()
    }

    /// Checks every field; all errors at once, each naming its field.
    pub fn check(&self) -> Result<Intake, FieldErrors> {
        let mut errs = FieldErrors::new();
        let company = if no_markup("company", &self.company, &mut errs) {
            errs.take(validate::required_text("company", &self.company, MAX_COMPANY))
                .map(|n| crate::customer::normalize_name(&n))
        } else {
            None
        };
        let uscc = match self.uscc.trim() {
            "" => None,
            s => errs.take(Uscc::parse("uscc", s)).map(Uscc::into_string),
        };
        let contact_name = if no_markup("contact_name", &self.contact_name, &mut errs) {
            errs.take(validate::required_text(
                "contact_name",
                &self.contact_name,
                MAX_PERSON,
            ))
        } else {
            None
        };
        let mobile = match errs.take(validate::optional_mobile("mobile", &self.mobile)) {
            Some(Some(m)) => Some(m),
            Some(None) => {
                errs.push(FieldError::new("mobile", "error.required"));
                None
            }
            None => None,
        };
        let email = if self.email.len() > 254 {
            errs.push(FieldError::too_long("email", 254));
            None
        } else {
            errs.take(validate::optional_email("email", &self.email))
                .flatten()
        };
        let place = if self.province.trim().is_empty() {
            errs.push(FieldError::new("province", "error.required"));
            None
        } else if self.province.len() > 100 || self.city.len() > 100 {
            errs.push(FieldError::new("province", geo::PROVINCE_UNKNOWN));
            None
        } else {
            match geo::parse_place(&self.province, &self.city) {
                Ok((Some(p), c)) => Some((p, c)),
                Ok((None, _)) => {
                    errs.push(FieldError::new("province", "error.required"));
                    None
                }
                Err(e) => {
                    for f in e.0 {
                        errs.push(f);
                    }
                    None
                }
            }
        };
        let product = match self.product.trim() {
            "" => {
                errs.push(FieldError::new("product", "error.required"));
                None
            }
            p if p.chars().count() > MAX_PRODUCT || has_markup(p) => {
                errs.push(FieldError::new("product", "error.invalid_choice"));
                None
            }
            p => Some(p.to_string()),
        };
        let users = match self.users.trim() {
            "" => None,
            s => match s.parse::<i64>() {
                Ok(n) if (1..=MAX_USERS).contains(&n) => Some(n),
                _ => {
                    errs.push(FieldError::with_arg("users", "error.trial_users", MAX_USERS));
                    None
                }
            },
        };
        let message = if no_markup("message", &self.message, &mut errs) {
            errs.take(validate::optional_long_text(
                "message",
                &self.message,
                MAX_MESSAGE,
            ))
            .flatten()
        } else {
            None
        };
        errs.into_result()?;
        let (p, c) = place.expect("checked");
        Ok(Intake {
            company: company.unwrap_or_default(),
            uscc,
            contact_name: contact_name.unwrap_or_default(),
            mobile: mobile.unwrap_or_default(),
            email,
            province_code: p.code.to_string(),
            province: p.name_zh.to_string(),
            city_code: c.map(|c| c.code.to_string()),
            city: c.map(|c| c.name_zh.to_string()),
            product: product.unwrap_or_default(),
            users,
            message,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn good() -> IntakeInput {
        IntakeInput {
            company: "杭州云帆信息技术有限公司".into(),
            uscc: String::new(),
            contact_name: "王磊".into(),
            mobile: "+86 138-0013-8000".into(),
            email: "wang@yunfan.cn".into(),
            province: "浙江省".into(),
            city: "杭州市".into(),
            product: "eoffice-std".into(),
            users: "120".into(),
            message: "想试用一个月".into(),
            website: String::new(),
        }
    }

    fn fields(e: FieldErrors) -> Vec<String> {
        e.0.into_iter().map(|f| f.field).collect()
    }

    #[test]
    fn a_good_application_is_parsed_with_codes_and_the_bare_mobile() {
        let i = good().check().unwrap();
        assert_eq!(i.mobile, "13800138000");
        assert_eq!(i.province_code, "330000");
        assert_eq!(i.city.as_deref(), Some("杭州市"));
        assert_eq!(i.users, Some(120));
    }

    #[test]
    fn markup_in_any_text_field_is_refused_by_field() {
        let mut i = good();
        i.company = "<script>alert(1)</script>".into();
        i.message = "hello <img src=x onerror=alert(1)>".into();
        i.contact_name = "</b>".into();
        assert_eq!(
            fields(i.check().unwrap_err()),
            ["company", "contact_name", "message"]
        );
        assert!(!has_markup("a < b and 3<4"));
    }

    #[test]
    fn hostile_sizes_unknown_places_and_bad_numbers_are_refused_by_field() {
        let mut i = good();
        i.company = "公".repeat(1_000_000);
        i.mobile = "12345".into();
        i.province = "火星".into();
        i.users = "-3".into();
        i.message = "x".repeat(MAX_MESSAGE + 1);
        assert_eq!(
            fields(i.check().unwrap_err()),
            ["company", "mobile", "province", "users", "message"]
        );
        let mut i = good();
        i.mobile = String::new();
        i.province = String::new();
        i.product = String::new();
        assert_eq!(
            fields(i.check().unwrap_err()),
            ["mobile", "province", "product"]
        );
    }

    #[test]
    fn the_honeypot_marks_a_robot() {
        let mut i = good();
        assert!(!i.is_robot());
        i.website = "http://spam".into();
        assert!(i.is_robot());
    }
}
