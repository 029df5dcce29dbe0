//! Parsing of user input into values that obey the rules ("parse, don't validate").
//!
//! A failure is a [`FieldError`]: the field's name and a message key of the i18n catalog
//! (`error.*`), so the web layer can show it beside the field in the user's language.

use serde::Serialize;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the form and the API call it (`login`, `email` …).
    pub field: String,
    /// The i18n key of the message (`error.required`, `error.email` …).
    pub code: &'static str,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        FieldError {
            field: field.into(),
            code,
        }
    }
}

/// Collects the problems of a whole form, so that the user sees all of them at once.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Keeps the value of a successful parse, records the error of a failed one.
    pub fn take<T>(&mut self, r: Result<T, FieldError>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(e) => {
                self.0.push(e);
                None
            }
        }
    }

    pub fn push(&mut self, e: FieldError) {
        self.0.push(e);
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Ok(())` when nothing was wrong.
    pub fn into_result(self) -> Result<(), FieldErrors> {
        if self.0.is_empty() { Ok(()) } else { Err(self) }
    }
}

fn trimmed(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || c == '\u{3000}')
}

/// Free text typed into a search or filter box: control characters (which PostgreSQL refuses in
/// text) removed, trimmed, at most 100 characters. Never an error: a filter is not a form.
pub fn search_text(s: &str) -> String {
    trimmed(s)
        .chars()
        .filter(|c| !c.is_control())
        .take(100)
        .collect()
}

/// A login name: 2–32 characters of `a-z 0-9 . _ -`, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub fn parse(field: &str, s: &str) -> Result<Login, FieldError> {
        let s = trimmed(s).to_lowercase();
        if s.is_empty() {
            return Err(FieldError::new(field, "error.required"));
        }
        let ok_chars = s
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if !ok_chars || !(2..=32).contains(&s.chars().count()) {
            return Err(FieldError::new(field, "error.login_format"));
        }
        Ok(Login(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A required human-readable text (a person's or a region's name): trimmed, 1–`max` characters,
/// no control characters.
pub fn required_text(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let s = trimmed(s);
    if s.is_empty() {
        return Err(FieldError::new(field, "error.required"));
    }
    if s.chars().count() > max {
        return Err(FieldError::new(field, "error.too_long"));
    }
    if s.chars().any(char::is_control) {
        return Err(FieldError::new(field, "error.control_chars"));
    }
    Ok(s.to_string())
}

/// An optional text: empty input is `None`, otherwise as [`required_text`].
pub fn optional_text(field: &str, s: &str, max: usize) -> Result<Option<String>, FieldError> {
    if trimmed(s).is_empty() {
        Ok(None)
    } else {
        required_text(field, s, max).map(Some)
    }
}

/// A required multi-line text (a summary, a note): line breaks and tabs are kept, other control
/// characters refused; `\r\n` becomes `\n`; at most `max` characters.
pub fn required_long_text(field: &str, s: &str, max: usize) -> Result<String, FieldError> {
    let s = s.replace("\r\n", "\n");
    let s = trimmed(&s);
    if s.is_empty() {
        return Err(FieldError::new(field, "error.required"));
    }
    if s.chars().count() > max {
        return Err(FieldError::new(field, "error.too_long"));
    }
    if s.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(FieldError::new(field, "error.control_chars"));
    }
    Ok(s.to_string())
}

/// An optional multi-line text: empty is `None`, otherwise as [`required_long_text`].
pub fn optional_long_text(field: &str, s: &str, max: usize) -> Result<Option<String>, FieldError> {
    if trimmed(s).is_empty() {
        Ok(None)
    } else {
        required_long_text(field, s, max).map(Some)
    }
}

/// An optional e-mail address: `local@domain.tld`, no spaces, at most 254 characters.
pub fn optional_email(field: &str, s: &str) -> Result<Option<String>, FieldError> {
    let s = trimmed(s);
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new(field, "error.email");
    if s.len() > 254 || s.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad());
    }
    let (local, domain) = s.split_once('@').ok_or_else(bad)?;
    if local.is_empty()
        || domain.contains('@')
        || !domain.contains('.')
        || domain.starts_with('.')
        || domain.ends_with('.')
        || domain.contains("..")
    {
        return Err(bad());
    }
    Ok(Some(format!("{local}@{}", domain.to_lowercase())))
}

/// An optional phone number: digits with optional `+`, spaces, dashes and brackets; 5–20 digits.
/// Full-width digits (common in Chinese input methods) are accepted and stored half-width.
pub fn optional_phone(field: &str, s: &str) -> Result<Option<String>, FieldError> {
    let s = trimmed(s);
    if s.is_empty() {
        return Ok(None);
    }
    let mut out = String::new();
    let mut digits = 0;
    for c in s.chars() {
        let c = match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '－' => '-',
            '＋' => '+',
            '（' => '(',
            '）' => ')',
            _ => c,
        };
        match c {
            '0'..='9' => {
                digits += 1;
                out.push(c);
            }
            '+' | '-' | ' ' | '(' | ')' => out.push(c),
            _ => return Err(FieldError::new(field, "error.phone")),
        }
    }
    if !(5..=20).contains(&digits) || out.chars().count() > 32 {
        return Err(FieldError::new(field, "error.phone"));
    }
    Ok(Some(out))
}

/// The rule for a new password: 8–128 characters, not the login itself.
pub fn new_password(field: &str, password: &str, login: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < 8 {
        return Err(FieldError::new(field, "error.password_short"));
    }
    if n > 128 {
        return Err(FieldError::new(field, "error.too_long"));
    }
    if password.eq_ignore_ascii_case(login) {
        return Err(FieldError::new(field, "error.password_is_login"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_keeps_line_breaks_but_refuses_other_control_characters() {
        assert_eq!(
            required_long_text("summary", " 第一行\r\n第二行\t完 ", 100).unwrap(),
            "第一行\n第二行\t完"
        );
        assert_eq!(
            required_long_text("summary", "a\u{7}b", 100)
                .unwrap_err()
                .code,
            "error.control_chars"
        );
        assert_eq!(
            required_long_text("summary", " \n ", 100).unwrap_err().code,
            "error.required"
        );
        assert_eq!(
            required_long_text("summary", &"长".repeat(101), 100)
                .unwrap_err()
                .code,
            "error.too_long"
        );
        assert_eq!(optional_long_text("outcome", "  ", 10).unwrap(), None);
    }

    #[test]
    fn logins_are_folded_to_lower_case_and_limited_to_safe_characters() {
        assert_eq!(
            Login::parse("login", "  Wang.Lei ").unwrap().as_str(),
            "wang.lei"
        );
        assert_eq!(
            Login::parse("login", "").unwrap_err().code,
            "error.required"
        );
        assert_eq!(
            Login::parse("login", "王磊").unwrap_err().code,
            "error.login_format"
        );
        assert_eq!(
            Login::parse("login", "a").unwrap_err().code,
            "error.login_format"
        );
        assert_eq!(
            Login::parse("login", "a b").unwrap_err().code,
            "error.login_format"
        );
    }

    #[test]
    fn names_are_trimmed_including_ideographic_spaces() {
        assert_eq!(required_text("n", "\u{3000}王磊 ", 40).unwrap(), "王磊");
        assert_eq!(
            required_text("n", "   ", 40).unwrap_err().code,
            "error.required"
        );
        assert_eq!(
            required_text("n", &"长".repeat(41), 40).unwrap_err().code,
            "error.too_long"
        );
        assert_eq!(
            required_text("n", "a\u{7}b", 40).unwrap_err().code,
            "error.control_chars"
        );
    }

    #[test]
    fn emails_need_a_local_part_and_a_dotted_domain() {
        assert_eq!(
            optional_email("email", "Li@Example.COM")
                .unwrap()
                .as_deref(),
            Some("Li@example.com")
        );
        assert_eq!(optional_email("email", " ").unwrap(), None);
        for bad in [
            "li", "li@", "@x.cn", "li@x", "li@x..cn", "l i@x.cn", "a@b@c.cn", "li@.cn",
        ] {
            assert_eq!(
                optional_email("email", bad).unwrap_err().code,
                "error.email",
                "{bad}"
            );
        }
    }

    #[test]
    fn phones_accept_full_width_digits_and_refuse_letters() {
        assert_eq!(
            optional_phone("phone", "１３８００１３８０００")
                .unwrap()
                .as_deref(),
            Some("13800138000")
        );
        assert_eq!(
            optional_phone("phone", "+86 (010) 6552-1234")
                .unwrap()
                .as_deref(),
            Some("+86 (010) 6552-1234")
        );
        assert_eq!(
            optional_phone("phone", "call me").unwrap_err().code,
            "error.phone"
        );
        assert_eq!(
            optional_phone("phone", "123").unwrap_err().code,
            "error.phone"
        );
        let spaced = "1 ".repeat(20);
        assert_eq!(
            optional_phone("phone", &spaced).unwrap_err().code,
            "error.phone",
            "too long to store"
        );
    }

    #[test]
    fn search_text_drops_control_characters_and_is_bounded() {
        assert_eq!(search_text(" 华\0为 "), "华为");
        assert_eq!(search_text(&"a".repeat(500)).len(), 100);
    }

    #[test]
    fn passwords_must_be_long_enough_and_not_the_login() {
        assert!(new_password("p", "salesdesk-demo", "vp").is_ok());
        assert_eq!(
            new_password("p", "short", "vp").unwrap_err().code,
            "error.password_short"
        );
        assert_eq!(
            new_password("p", "Wang.Lei.1", "wang.lei.1")
                .unwrap_err()
                .code,
            "error.password_is_login"
        );
    }
}
