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
    /// What the message names, filled into its `{arg}`: the limit that was passed
    /// (`error.max_chars`: "at most 100 characters"), the province whose cities are allowed …
    #[serde(skip_serializing_if = "Option::is_none")]
    pub arg: Option<String>,
}

impl FieldError {
    pub fn new(field: impl Into<String>, code: &'static str) -> Self {
        FieldError {
            field: field.into(),
            code,
            arg: None,
        }
    }

    /// An error whose message names `arg` (see [`FieldError::arg`]).
    pub fn with_arg(field: impl Into<String>, code: &'static str, arg: impl ToString) -> Self {
        FieldError {
            field: field.into(),
            code,
            arg: Some(arg.to_string()),
        }
    }

    /// "At most `max` characters" (`error.max_chars`), the message of every length limit.
    pub fn too_long(field: impl Into<String>, max: usize) -> Self {
        FieldError::with_arg(field, MAX_CHARS, max)
    }
}

/// The message key of a text over its limit; its argument is the limit.
pub const MAX_CHARS: &str = "error.max_chars";

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
        return Err(FieldError::too_long(field, max));
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
        return Err(FieldError::too_long(field, max));
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

/// Full-width digits and signs (common in Chinese input methods) as their half-width selves.
fn half_width(c: char) -> char {
    match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        '－' => '-',
        '＋' => '+',
        '（' => '(',
        '）' => ')',
        '＃' => '#',
        c => c,
    }
}

/// Words that start a phone extension, as people write them: `转 801`, `分机801`, `ext. 801`,
/// `x801`, `#801`.
const EXTENSION_MARKS: [&str; 6] = ["分机", "转", "ext.", "ext", "x", "#"];

/// The longest extension kept (digits).
const MAX_EXTENSION: usize = 6;

/// A phone number split at its extension: (the number as written, the extension's digits).
pub(crate) fn split_extension(s: &str) -> (&str, Option<&str>) {
    let lower = s.to_ascii_lowercase();
    for mark in EXTENSION_MARKS {
        if let Some(at) = lower.find(mark) {
            let ext = s[at + mark.len()..].trim_start_matches([' ', '.', ':', '：']);
            return (s[..at].trim_end(), Some(ext.trim()));
        }
    }
    (s, None)
}

/// An optional phone number: digits with optional `+`, spaces, dashes and brackets (5–20
/// digits), then optionally an extension of 1–6 digits after `转`, `分机`, `ext`, `x` or `#`.
/// Full-width digits are accepted and stored half-width; an extension is stored as
/// `<number> ext. <digits>`, which [`tel_uri`] turns into `;ext=`.
pub fn optional_phone(field: &str, s: &str) -> Result<Option<String>, FieldError> {
    let s: String = trimmed(s).chars().map(half_width).collect();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new(field, "error.phone");
    let (number, ext) = split_extension(&s);
    let mut out = String::new();
    let mut digits = 0;
    for c in number.chars() {
        match c {
            '0'..='9' => {
                digits += 1;
                out.push(c);
            }
            '+' | '-' | ' ' | '(' | ')' => out.push(c),
            _ => return Err(bad()),
        }
    }
    if !(5..=20).contains(&digits) || out.chars().count() > 32 {
        return Err(bad());
    }
    if let Some(ext) = ext {
        if ext.is_empty() || ext.len() > MAX_EXTENSION || !ext.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        out.push_str(" ext. ");
        out.push_str(ext);
    }
    Ok(Some(out))
}

/// An optional mainland China mobile number: 11 digits starting with 1, optionally after the
/// country code (`+86`, `0086`, `86`), with spaces or dashes between groups; stored as the 11
/// digits alone (`+86 138-0013-8000` → `13800138000`). Anything else — ten digits, another
/// country — is refused with `error.mobile`; such a number belongs in the phone field.
pub fn optional_mobile(field: &str, s: &str) -> Result<Option<String>, FieldError> {
    let s: String = trimmed(s).chars().map(half_width).collect();
    if s.is_empty() {
        return Ok(None);
    }
    let bad = || FieldError::new(field, "error.mobile");
    if s.chars()
        .any(|c| !matches!(c, '0'..='9' | '+' | ' ' | '-' | '(' | ')'))
    {
        return Err(bad());
    }
    let plus = s.starts_with('+');
    if s[usize::from(plus)..].contains('+') {
        return Err(bad());
    }
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    let national = if plus {
        digits.strip_prefix("86").ok_or_else(bad)?
    } else if let Some(n) = digits.strip_prefix("0086") {
        n
    } else if digits.len() == 13 {
        digits.strip_prefix("86").ok_or_else(bad)?
    } else {
        &digits
    };
    if national.len() != 11 || !national.starts_with('1') {
        return Err(bad());
    }
    Ok(Some(national.to_string()))
}

/// A stored phone or mobile number as a `tel:` URI (RFC 3966), for links and vCards.
///
/// A mainland number becomes global: the trunk `0` goes and `+86` comes first, with the area
/// code set off (`021-62345678` → `tel:+86-21-62345678`; Beijing and the `02x` areas have two
/// digits, the others three), a mobile stays whole (`tel:+86-13800138000`). A number that
/// already has a `+` keeps its digits. A number that is neither (a local number without its area
/// code, a `400` service number) keeps its digits, which a phone dials as they are. An extension
/// becomes `;ext=801`.
pub fn tel_uri(stored: &str) -> String {
    let s: String = stored.chars().map(half_width).collect();
    let (number, ext) = split_extension(&s);
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let plus = number.trim_start().starts_with('+');
    let national = if plus {
        digits.strip_prefix("86")
    } else {
        digits.strip_prefix("0086")
    };
    let mut uri = match (plus, national) {
        (_, Some(n)) => format!("tel:{}", mainland_global(n.trim_start_matches('0'))),
        (true, None) => format!("tel:+{digits}"),
        (false, None) if digits.len() == 11 && digits.starts_with('1') => {
            format!("tel:{}", mainland_global(&digits))
        }
        (false, None) if digits.starts_with('0') && digits.len() >= 10 => {
            format!("tel:{}", mainland_global(&digits[1..]))
        }
        (false, None) => format!("tel:{digits}"),
    };
    if let Some(ext) = ext.filter(|e| !e.is_empty()) {
        uri.push_str(";ext=");
        uri.extend(ext.chars().filter(char::is_ascii_digit));
    }
    uri
}

/// `+86-<area>-<local>` for a mainland number without its trunk `0` (`2162345678`), or
/// `+86-<mobile>` for a mobile.
fn mainland_global(n: &str) -> String {
    if n.len() == 11 && n.starts_with('1') {
        return format!("+86-{n}");
    }
    let area = if n.starts_with("10") || n.starts_with('2') {
        2
    } else {
        3
    };
    if n.len() <= area {
        return format!("+86-{n}");
    }
    format!("+86-{}-{}", &n[..area], &n[area..])
}

/// The rule for a new password: 8–128 characters, not the login itself.
pub fn new_password(field: &str, password: &str, login: &str) -> Result<(), FieldError> {
    let n = password.chars().count();
    if n < 8 {
        return Err(FieldError::new(field, "error.password_short"));
    }
    if n > 128 {
        return Err(FieldError::too_long(field, 128));
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
            MAX_CHARS
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
            MAX_CHARS
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
    fn a_mainland_mobile_has_eleven_digits_starting_with_one_and_may_carry_the_country_code() {
        for ok in [
            "13800138000",
            "138 0013 8000",
            "138-0013-8000",
            "+86 138 0013 8000",
            "+8613800138000",
            "0086 13800138000",
            "8613800138000",
            "１３８００１３８０００",
        ] {
            assert_eq!(
                optional_mobile("mobile", ok).unwrap().as_deref(),
                Some("13800138000"),
                "{ok}"
            );
        }
        assert_eq!(optional_mobile("mobile", " ").unwrap(), None);
        for bad in [
            "1380013800",
            "138001380001",
            "23800138000",
            "+1 415 555 0100",
            "+85291234567",
            "010-62345678",
            "13800138000 ext 1",
            "1380013800O",
            "++8613800138000",
        ] {
            let e = optional_mobile("mobile", bad).unwrap_err();
            assert_eq!(
                (e.field.as_str(), e.code),
                ("mobile", "error.mobile"),
                "{bad}"
            );
        }
    }

    #[test]
    fn a_phone_may_carry_an_extension_written_the_usual_ways() {
        for written in [
            "021-62345678 转 801",
            "021-62345678转801",
            "021-62345678 分机801",
            "021-62345678 ext. 801",
            "021-62345678 EXT 801",
            "021-62345678 x801",
            "021-62345678#801",
        ] {
            assert_eq!(
                optional_phone("phone", written).unwrap().as_deref(),
                Some("021-62345678 ext. 801"),
                "{written}"
            );
        }
        assert_eq!(
            optional_phone("phone", "021-62345678 转").unwrap_err().code,
            "error.phone"
        );
        assert_eq!(
            optional_phone("phone", "021-62345678 转 1234567")
                .unwrap_err()
                .code,
            "error.phone"
        );
    }

    #[test]
    fn tel_uris_are_global_for_mainland_numbers_and_keep_extensions() {
        assert_eq!(
            tel_uri("021-62345678 ext. 801"),
            "tel:+86-21-62345678;ext=801"
        );
        assert_eq!(tel_uri("(010) 6552-1234"), "tel:+86-10-65521234");
        assert_eq!(tel_uri("075512345678"), "tel:+86-755-12345678");
        assert_eq!(tel_uri("+86 (010) 6552-1234"), "tel:+86-10-65521234");
        assert_eq!(tel_uri("+86 21 6234 5678"), "tel:+86-21-62345678");
        assert_eq!(tel_uri("13800138000"), "tel:+86-13800138000");
        assert_eq!(tel_uri("+852 2123 4567"), "tel:+85221234567");
        assert_eq!(tel_uri("400-820-8820"), "tel:4008208820");
        assert_eq!(tel_uri("62345678"), "tel:62345678");
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
