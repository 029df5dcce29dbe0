//! The products the company sells (issue 12, point 1): what an administrator may call one. The
//! list itself is data (`products` table); this module holds the rules of its fields.

use crate::validate::{self, FieldError, FieldErrors};

/// The longest code, Chinese name and English name (characters).
pub const MAX_CODE: usize = 32;
pub const MAX_NAME_ZH: usize = 60;
pub const MAX_NAME_EN: usize = 120;

/// A code that was made and mistyped cannot be changed later (records refer to it), so the
/// alphabet is small and fixed.
pub const CODE_FORMAT: &str = "error.product_code_format";
/// A name containing `<` or `>`: products are shown on the public application page and in
/// e-mails, where markup has no business.
pub const MARKUP: &str = "error.product_markup";

/// A product code: 1–32 lower-case ASCII letters, digits, `_` and `-`, starting with a letter
/// or digit (`eoffice-std`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProductCode(String);

impl ProductCode {
    pub fn parse(field: &str, s: &str) -> Result<ProductCode, FieldError> {
        let s = s.trim();
        let ok = !s.is_empty()
            && s.len() <= MAX_CODE
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '-')
            && s.starts_with(|c: char| c.is_ascii_alphanumeric());
        if ok {
            Ok(ProductCode(s.to_string()))
        } else {
            Err(FieldError::new(field, CODE_FORMAT))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A product's name in one language: required, at most `max` characters, no markup.
fn name(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let s = validate::required_text(field, s, max)?;
    if s.contains(['<', '>']) {
        return Err(FieldError::new(field, MARKUP));
    }
    Ok(s)
}

/// Both names of a product, checked; errors per field (`name_zh`, `name_en`).
pub fn names(name_zh: &str, name_en: &str) -> Result<(String, String), FieldErrors> {
    let mut errs = FieldErrors::new();
    let zh = errs.take(name("name_zh", name_zh, MAX_NAME_ZH));
    let en = errs.take(name("name_en", name_en, MAX_NAME_EN));
    errs.into_result()?;
    Ok((zh.unwrap_or_default(), en.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_is_lower_case_ascii_letters_digits_underscores_and_dashes() {
        assert_eq!(
            ProductCode::parse("code", " eoffice-std ").unwrap().as_str(),
            "eoffice-std"
        );
        assert!(ProductCode::parse("code", "mobile_2").is_ok());
        for bad in ["", "E-Office", "办公", "-x", "a b", &"x".repeat(33), "<b>"] {
            let e = ProductCode::parse("code", bad).unwrap_err();
            assert_eq!(e.code, CODE_FORMAT, "{bad:?}");
        }
    }

    #[test]
    fn names_are_required_bounded_and_free_of_markup() {
        assert_eq!(
            names(" e-office 标准版 ", "e-office Standard").unwrap(),
            ("e-office 标准版".to_string(), "e-office Standard".to_string())
        );
        let errs = names("", "<script>x</script>").unwrap_err();
        let codes: Vec<_> = errs.0.iter().map(|e| (e.field.as_str(), e.code)).collect();
        assert_eq!(codes, [("name_zh", "error.required"), ("name_en", MARKUP)]);
        let errs = names(&"长".repeat(61), "ok").unwrap_err();
        assert_eq!(errs.0[0].code, validate::MAX_CHARS);
    }
}
