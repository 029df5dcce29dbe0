//! The Unified Social Credit Code (统一社会信用代码) of a Chinese organisation, GB 32100-2015.
//!
//! Eighteen characters:
//!
//! | position | meaning                                              |
//! |----------|------------------------------------------------------|
//! | 1        | registration authority (9 = market regulation …)     |
//! | 2        | kind of organisation (1 = enterprise …)              |
//! | 3–8      | administrative division of the registration office   |
//! | 9–17     | organisation code, GB 11714-1997, with its own check |
//! | 18       | check character of positions 1–17                    |
//!
//! [`Uscc::parse`] checks the character set and both check characters, so a mistyped character
//! is caught before the customer is saved. It does not check that positions 1–8 name a real
//! authority, kind or division: those lists change, and a wrong one is not a typing mistake the
//! checks would miss.
//!
//! Known exception: some codes issued in Xiamen before 2016 do not satisfy the GB 32100 check
//! (e.g. `91350203M0001QKT19`, reported as real in hutool issue 4119) and are refused here like
//! a typing mistake. Whether such a customer can still be saved is for the caller to decide.

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use crate::validate::FieldError;

/// The 31 characters of GB 32100, in the order of their values 0–30 (no I, O, S, V, Z).
const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";

/// GB 32100 weights of positions 1–17 (3^i mod 31).
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];

/// GB 11714 weights of the eight body characters of the organisation code.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A Unified Social Credit Code that has passed both checks; always 18 upper-case ASCII
/// characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Uscc(String);

impl Uscc {
    /// Parses user input: surrounding whitespace removed, full-width characters folded (`９１…`),
    /// lower case accepted.
    ///
    /// Errors, in the order they are checked: `error.required` (blank), `error.uscc_length`
    /// (not 18 characters), `error.uscc_chars` (a character outside `0-9 A-H J-N P-R T-U W-Y`),
    /// `error.uscc_checksum` (the 18th character, or the check character of the organisation code
    /// in positions 9–17, does not fit — almost always a mistyped character).
    pub fn parse(field: &str, s: &str) -> Result<Uscc, FieldError> {
        let code: String = s.nfkc().collect::<String>().trim().to_uppercase();
        if code.is_empty() {
            return Err(FieldError::new(field, "error.required"));
        }
        if code.chars().count() != 18 {
            return Err(FieldError::new(field, "error.uscc_length"));
        }
        let Some(values) = code.chars().map(value).collect::<Option<Vec<u32>>>() else {
            return Err(FieldError::new(field, "error.uscc_chars"));
        };
        // From here on every character is ASCII, so byte indices are character indices.
        if values[17] != check_value(&values[..17]) || !org_code_fits(&code[8..17]) {
            return Err(FieldError::new(field, "error.uscc_checksum"));
        }
        Ok(Uscc(code))
    }

    /// The valid code with these 8 leading characters (authority, kind, division) and this
    /// 8-character organisation code body (digits and upper-case letters): both check
    /// characters computed. `None` when a character is outside what the standards allow.
    /// For generated test data (`salesdesk gen`).
    pub fn from_parts(head: &str, org_body: &str) -> Option<Uscc> {
        if head.chars().count() != 8 || org_body.chars().count() != 8 {
            return None;
        }
        let mut org_sum = 0;
        for (c, w) in org_body.chars().zip(ORG_WEIGHTS) {
            if !(c.is_ascii_digit() || c.is_ascii_uppercase()) {
                return None;
            }
            org_sum += c.to_digit(36)? * w;
        }
        let org_check = match 11 - org_sum % 11 {
            10 => 'X',
            11 => '0',
            d => char::from_digit(d, 10)?,
        };
        let first17 = format!("{head}{org_body}{org_check}");
        let values = first17.chars().map(value).collect::<Option<Vec<u32>>>()?;
        let check = CHARSET.chars().nth(check_value(&values) as usize)?;
        Uscc::parse("uscc", &format!("{first17}{check}")).ok()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for Uscc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The GB 32100 value of a character, `None` outside the character set.
fn value(c: char) -> Option<u32> {
    CHARSET.find(c).map(|i| i as u32)
}

/// The value the 18th character must have: 31 − (Σ value × weight mod 31), where 31 means 0.
fn check_value(values: &[u32]) -> u32 {
    let sum: u32 = values.iter().zip(WEIGHTS).map(|(v, w)| v * w).sum();
    (31 - sum % 31) % 31
}

/// Whether a nine-character organisation code (GB 11714) carries the right check character:
/// 11 − (Σ value × weight mod 11) over the first eight, where letters count A = 10 … Z = 35,
/// 10 is written `X` and 11 is written `0`.
fn org_code_fits(org: &str) -> bool {
    let chars: Vec<char> = org.chars().collect();
    let [body @ .., check] = chars.as_slice() else {
        return false;
    };
    let mut sum = 0;
    for (c, w) in body.iter().zip(ORG_WEIGHTS) {
        let Some(v) = c.to_digit(36) else {
            return false;
        };
        sum += v * w;
    }
    let expected = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        d => char::from_digit(d, 10).unwrap_or('?'),
    };
    *check == expected
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Codes as printed on business licences and published by the companies themselves.
    const REAL: [(&str, &str); 4] = [
        ("914403001922038216", "华为技术有限公司"),
        ("91440300708461136T", "深圳市腾讯计算机系统有限公司"),
        ("91330100799655058B", "阿里巴巴（中国）有限公司"),
        (
            "91350100M000100Y43",
            "the example of the GB 32100 explanation",
        ),
    ];

    fn code(s: &str) -> Result<String, &'static str> {
        Uscc::parse("uscc", s)
            .map(Uscc::into_string)
            .map_err(|e| e.code)
    }

    /// Builds a valid code from 8 leading characters and an 8-character organisation code body,
    /// computing both check characters the way the standards describe them.
    fn build(head: &str, org_body: &str) -> String {
        let org_sum: u32 = org_body
            .chars()
            .zip(ORG_WEIGHTS)
            .map(|(c, w)| c.to_digit(36).unwrap() * w)
            .sum();
        let org_check = match 11 - org_sum % 11 {
            10 => 'X',
            11 => '0',
            d => char::from_digit(d, 10).unwrap(),
        };
        let first17 = format!("{head}{org_body}{org_check}");
        let values: Vec<u32> = first17.chars().map(|c| value(c).unwrap()).collect();
        let check = CHARSET.chars().nth(check_value(&values) as usize).unwrap();
        format!("{first17}{check}")
    }

    #[test]
    fn from_parts_builds_what_parse_accepts() {
        assert_eq!(
            Uscc::from_parts("91330100", "MA000004").map(Uscc::into_string),
            Some(build("91330100", "MA000004"))
        );
        assert_eq!(Uscc::from_parts("91330100", "MA00000"), None);
        assert_eq!(Uscc::from_parts("9133010I", "MA000004"), None);
    }

    #[test]
    fn real_published_codes_are_accepted() {
        for (c, owner) in REAL {
            assert_eq!(code(c).as_deref(), Ok(c), "{owner}");
        }
    }

    #[test]
    fn codes_built_by_the_rules_are_accepted_including_check_characters_x_and_0() {
        let mut org_checks = std::collections::HashSet::new();
        let mut checks = std::collections::HashSet::new();
        for head in ["91110108", "92440300", "12100000", "53310000", "Y1350100"] {
            for body in [
                "MA01C3D1", "12345678", "A0B1C2D3", "MA5FXK2P", "70000000",
                "MA000004", // organisation check 10, written X
                "MA000009", // organisation check 11, written 0
            ] {
                let c = build(head, body);
                assert_eq!(code(&c).as_deref(), Ok(c.as_str()), "{c}");
                org_checks.insert(c.as_bytes()[16]);
                checks.insert(c.as_bytes()[17]);
            }
        }
        // The examples above cover the special organisation check characters.
        assert!(org_checks.contains(&b'X') && org_checks.contains(&b'0'));
        assert!(checks.len() > 10);
    }

    #[test]
    fn input_is_trimmed_upper_cased_and_folded_from_full_width() {
        assert_eq!(
            code("  91440300708461136t\u{3000}").as_deref(),
            Ok("91440300708461136T")
        );
        assert_eq!(
            code("９１４４０３００７０８４６１１３６Ｔ").as_deref(),
            Ok("91440300708461136T")
        );
    }

    #[test]
    fn a_blank_code_is_reported_as_missing() {
        assert_eq!(code(""), Err("error.required"));
        assert_eq!(code(" \u{3000} "), Err("error.required"));
    }

    #[test]
    fn a_code_of_the_wrong_length_is_refused_as_such() {
        assert_eq!(code("91440300708461136"), Err("error.uscc_length"));
        assert_eq!(code("91440300708461136TT"), Err("error.uscc_length"));
        assert_eq!(code("70846113-6"), Err("error.uscc_length"));
        assert_eq!(code("9144 0300 7084 6113 6T"), Err("error.uscc_length"));
    }

    #[test]
    fn letters_that_the_standard_does_not_use_are_refused_as_such() {
        for bad in ['I', 'O', 'Z', 'S', 'V', '-', '华'] {
            let c: String = "91440300708461136T"
                .chars()
                .enumerate()
                .map(|(i, c)| if i == 10 { bad } else { c })
                .collect();
            assert_eq!(code(&c), Err("error.uscc_chars"), "{c}");
        }
    }

    #[test]
    fn every_single_mistyped_character_of_a_real_code_is_caught() {
        for (real, _) in REAL {
            for pos in 0..18 {
                for replacement in CHARSET.chars() {
                    let original = real.as_bytes()[pos] as char;
                    if replacement == original {
                        continue;
                    }
                    let mut typo = real.to_string();
                    typo.replace_range(pos..=pos, &replacement.to_string());
                    assert_eq!(code(&typo), Err("error.uscc_checksum"), "{typo}");
                }
            }
        }
    }

    #[test]
    fn two_swapped_neighbours_are_caught() {
        let real = "914403001922038216";
        for pos in 0..17 {
            let b = real.as_bytes();
            if b[pos] == b[pos + 1] {
                continue;
            }
            let mut swapped = b.to_vec();
            swapped.swap(pos, pos + 1);
            let swapped = String::from_utf8(swapped).unwrap();
            assert_eq!(code(&swapped), Err("error.uscc_checksum"), "{swapped}");
        }
    }

    #[test]
    fn a_right_last_character_does_not_excuse_a_wrong_organisation_code() {
        // Change the organisation check character, then recompute only the GB 32100 check: the
        // code passes the first check and must still be refused by the second.
        let mut first17: Vec<u32> = "91440300708461136"
            .chars()
            .map(|c| value(c).unwrap())
            .collect();
        first17[16] = value('7').unwrap();
        let check = CHARSET.chars().nth(check_value(&first17) as usize).unwrap();
        let forged = format!("9144030070846113 7{check}").replace(' ', "");
        assert_eq!(code(&forged), Err("error.uscc_checksum"), "{forged}");
    }

    #[test]
    fn a_known_nonconforming_xiamen_code_is_refused_like_a_typing_mistake() {
        // Its organisation code is fine; its 18th character should be F by GB 32100.
        assert!(org_code_fits("M0001QKT1"));
        assert_eq!(code("91350203M0001QKT19"), Err("error.uscc_checksum"));
    }

    #[test]
    fn the_code_shows_as_stored() {
        let u = Uscc::parse("uscc", "91350100m000100y43").unwrap();
        assert_eq!(u.as_str(), "91350100M000100Y43");
        assert_eq!(u.to_string(), "91350100M000100Y43");
    }
}
