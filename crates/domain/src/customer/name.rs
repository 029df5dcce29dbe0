//! Customer names (seed S4.1): the display form that is stored, the key that finds duplicates, and
//! the key that substring search runs on.
//!
//! Three functions, three purposes:
//! * [`normalize_name`] — what the user sees and what is saved as the customer's name. It only
//!   tidies: width, spaces and brackets. It never removes words.
//! * [`match_key`] — the duplicate-matching key, stored in an indexed column. Two names with the
//!   same key are taken to be the same company: case, width, spacing, punctuation and the legal
//!   form (有限公司, Co., Ltd. …) do not count.
//! * [`search_key`] — the key that a "name contains …" search compares against: case, width and
//!   spacing do not count, everything else does.
//!
//! Deliberately simple: region markers in brackets (`北京（中关村）科技`), translated names and
//! abbreviations are not recognised; the legal-form lists below are the whole rule.

use unicode_normalization::UnicodeNormalization;

/// Chinese legal-form endings that [`match_key`] removes, longest first so that `有限公司` is
/// removed whole rather than leaving `有限` behind. `分公司` is deliberately absent: a branch is a
/// different customer from its head office, so a name ending in `分公司` keeps its ending.
const CJK_SUFFIXES: [&str; 8] = [
    "集团股份有限公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "总公司",
    "集团",
    "公司",
];

/// Latin legal-form endings that [`match_key`] removes, as whole trailing words (after
/// punctuation has become word breaks, so `Co., Ltd.` is `co ltd`).
const LATIN_SUFFIXES: [&[&str]; 13] = [
    &["co", "ltd"],
    &["co", "limited"],
    &["company", "ltd"],
    &["company", "limited"],
    &["limited"],
    &["ltd"],
    &["inc"],
    &["incorporated"],
    &["corp"],
    &["corporation"],
    &["llc"],
    &["gmbh"],
    &["plc"],
];

/// The display form of a customer name, as it is stored.
///
/// * NFKC, which among other things turns full-width Latin letters, digits and punctuation into
///   their ordinary forms (`ＡＢＣ` → `ABC`) and the ideographic space into a plain one;
/// * leading and trailing whitespace removed, every run of whitespace inside made one space;
/// * round brackets made uniform: full-width `（）` when the name contains Chinese (or other CJK)
///   characters, as Chinese registration names are written — with no space beside them, since a
///   full-width bracket carries its own — and half-width `()` otherwise.
pub fn normalize_name(s: &str) -> String {
    let folded: String = s.nfkc().collect();
    let spaced = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    if !spaced.chars().any(is_cjk) {
        // NFKC has already turned every full-width bracket into a half-width one.
        return spaced;
    }
    let mut out = String::with_capacity(spaced.len());
    for c in spaced.chars() {
        match c {
            '(' | ')' => {
                if out.ends_with(' ') {
                    out.pop();
                }
                out.push(if c == '(' { '（' } else { '）' });
            }
            ' ' if out.ends_with(['（', '）']) => {}
            _ => out.push(c),
        }
    }
    out
}

/// The duplicate-matching key of a customer name.
///
/// NFKC, lower case; whitespace and every character that is neither a letter nor a digit
/// (punctuation of any script, brackets, `&`, `·` …) removed; then legal-form endings removed
/// from the end, again and again while one is found: the Chinese ones of `CJK_SUFFIXES` (never
/// `分公司`) and the Latin whole words of `LATIN_SUFFIXES`.
///
/// So `华为技术有限公司`, `华为技术 有限责任公司`, `华为技术股份有限公司` and `华为技术` share one
/// key, as do `ＡＢＣ Software Co., Ltd.` and `ABC SOFTWARE INC.`.
///
/// The longest ending found is the one removed, and nothing is removed when that ending is the
/// whole name, so a name that is nothing but a legal form (`有限公司`, `Co., Ltd.`) keeps it as
/// its key rather than a shorter piece of it. A name with no letter or digit at all falls back
/// to its [`search_key`]. The key of a name that is not blank is therefore never empty.
pub fn match_key(s: &str) -> String {
    let mut words = words(s);
    if words.is_empty() {
        return search_key(s);
    }
    while strip_latin_suffix(&mut words) || strip_cjk_suffix(&mut words) {}
    words.concat()
}

/// The key that substring search compares against: NFKC, lower case, no whitespace at all.
/// Punctuation and legal forms stay, so that a search for `(北京)` or `有限` finds what it says.
pub fn search_key(s: &str) -> String {
    s.nfkc()
        .flat_map(char::to_lowercase)
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The longest query the short-query index serves; longer ones use the trigram index.
pub const GRAM_MAX_CHARS: usize = 2;

/// Characters that short-query grams are made of: letters and ideographs. Digits are left out (a
/// one- or two-digit query matches most phone numbers, so walking the list finds a page at
/// once), and so is punctuation, so that the index's tokenizer sees each gram as one token.
pub fn is_gram_char(c: char) -> bool {
    c.is_alphanumeric() && !c.is_ascii_digit()
}

/// Whether a (folded) query can be answered from the short-query index: one or two gram
/// characters.
pub fn is_gram_query(q: &str) -> bool {
    let n = q.chars().count();
    (1..=GRAM_MAX_CHARS).contains(&n) && q.chars().all(is_gram_char)
}

/// The short-query grams of a search text (see [`search_key`]): every gram character alone and
/// every two adjacent ones, each once, sorted, separated by spaces. A gram query occurs in the
/// text exactly when it is one of these grams, which is what lets an index of them answer
/// one- and two-character searches that a trigram index cannot.
pub fn search_grams(text: &str) -> String {
    let mut grams: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        if !is_gram_char(c) {
            prev = None;
            continue;
        }
        grams.push(c.to_string());
        if let Some(p) = prev {
            grams.push([p, c].iter().collect());
        }
        prev = Some(c);
    }
    grams.sort_unstable();
    grams.dedup();
    grams.join(" ")
}

/// The words of a name for [`match_key`]: runs of letters and digits, lower case, broken at
/// anything else and where CJK meets other scripts (`腾讯Inc` is `腾讯`, `inc`).
fn words(s: &str) -> Vec<String> {
    let mut words: Vec<String> = Vec::new();
    let mut current = String::new();
    for c in s.nfkc().flat_map(char::to_lowercase) {
        if !c.is_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        if let Some(last) = current.chars().last()
            && is_cjk(last) != is_cjk(c)
        {
            words.push(std::mem::take(&mut current));
        }
        current.push(c);
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// Removes the longest Latin legal form at the end of the word list, unless it is the whole list.
/// Returns whether it removed one.
fn strip_latin_suffix(words: &mut Vec<String>) -> bool {
    let Some(suffix) = LATIN_SUFFIXES
        .into_iter()
        .find(|sfx| ends_with_words(words, sfx))
    else {
        return false;
    };
    if words.len() == suffix.len() {
        return false;
    }
    words.truncate(words.len() - suffix.len());
    true
}

/// Removes the longest Chinese legal form at the end, unless it is the whole name or the tail of
/// `分公司`. The form may span words (`技术 有限 公司`); the words before it keep their
/// boundaries so that a Latin form in front of it can be found next.
fn strip_cjk_suffix(words: &mut Vec<String>) -> bool {
    let joined = words.concat();
    if joined.ends_with("分公司") {
        return false;
    }
    let Some(suffix) = CJK_SUFFIXES.into_iter().find(|sfx| joined.ends_with(sfx)) else {
        return false;
    };
    if joined.len() == suffix.len() {
        return false;
    }
    let mut remove = suffix.chars().count();
    while remove > 0
        && let Some(last) = words.last_mut()
    {
        let n = last.chars().count();
        if n <= remove {
            remove -= n;
            words.pop();
        } else {
            let keep = last.char_indices().nth(n - remove).map_or(0, |(i, _)| i);
            last.truncate(keep);
            remove = 0;
        }
    }
    true
}

/// Whether the last words are exactly `suffix`.
fn ends_with_words(words: &[String], suffix: &[&str]) -> bool {
    words.len() >= suffix.len() && words[words.len() - suffix.len()..].iter().eq(suffix)
}

/// Han ideographs (with extensions and compatibility forms), kana and Hangul: the scripts whose
/// names are written with full-width brackets and without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3005}'..='\u{3007}'   // 々 〆 〇
        | '\u{3040}'..='\u{30FF}' // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{20000}'..='\u{3FFFF}' // extensions B and later
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn grams_are_the_one_and_two_letter_pieces_within_runs_of_letters() {
        // As `app::customers::search_text` builds it: folded pieces joined by spaces.
        let text = ["华为技术", "王磊", "13800138000", "ABC(华)"]
            .map(search_key)
            .join(" ");
        assert_eq!(
            search_grams(&text),
            "a ab b bc c 为 为技 华 华为 技 技术 术 王 王磊 磊"
        );
        // Every gram query of the text is a gram, and a piece across a space or a bracket is not.
        for q in ["华为", "为", "王磊", "ab", "c"] {
            assert!(is_gram_query(q) && text.contains(q), "{q}");
            assert!(search_grams(&text).split(' ').any(|g| g == q), "{q}");
        }
        assert!(!search_grams(&text).split(' ').any(|g| g == "术王"));
        // Digits, punctuation and long queries are not gram queries.
        for q in ["13", "1", "(华", "华为技", ""] {
            assert!(!is_gram_query(q), "{q}");
        }
        assert_eq!(search_grams(""), "");
    }

    use super::*;

    fn assert_same_customer(names: &[&str]) {
        let key = match_key(names[0]);
        for name in names {
            assert_eq!(match_key(name), key, "{name:?} vs {:?}", names[0]);
        }
    }

    fn assert_different_customers(a: &str, b: &str) {
        assert_ne!(match_key(a), match_key(b), "{a:?} vs {b:?}");
    }

    #[test]
    fn stored_names_are_trimmed_and_inner_spaces_collapsed_including_ideographic_spaces() {
        assert_eq!(
            normalize_name("\u{3000} 华为技术\u{3000}\u{3000}有限公司 \t"),
            "华为技术 有限公司"
        );
        assert_eq!(
            normalize_name("  ABC   Software\n Co., Ltd. "),
            "ABC Software Co., Ltd."
        );
    }

    #[test]
    fn full_width_latin_letters_and_digits_are_stored_half_width() {
        assert_eq!(
            normalize_name("ＡＢＣ　Ｓｏｆｔｗａｒｅ Ｃｏ．，Ｌｔｄ．"),
            "ABC Software Co.,Ltd."
        );
        assert_eq!(
            normalize_name("北京１２３科技有限公司"),
            "北京123科技有限公司"
        );
    }

    #[test]
    fn chinese_names_get_full_width_brackets_without_spaces_beside_them() {
        assert_eq!(
            normalize_name("北京(中关村)科技有限公司"),
            "北京（中关村）科技有限公司"
        );
        assert_eq!(
            normalize_name("阿里巴巴 ( 中国 ) 有限公司"),
            "阿里巴巴（中国）有限公司"
        );
        assert_eq!(
            normalize_name("ABC (China) 有限公司"),
            "ABC（China）有限公司"
        );
    }

    #[test]
    fn latin_names_get_half_width_brackets() {
        assert_eq!(
            normalize_name("ABC（China）Co., Ltd."),
            "ABC(China)Co., Ltd."
        );
        assert_eq!(normalize_name("ABC (China) Ltd"), "ABC (China) Ltd");
    }

    #[test]
    fn normalising_twice_changes_nothing() {
        for name in [
            "北京(中关村)科技有限公司",
            "ＡＢＣ Software Co., Ltd.",
            " 阿里巴巴 ( 中国 ) 有限公司 ",
            "ABC（China）Co., Ltd.",
        ] {
            let once = normalize_name(name);
            assert_eq!(normalize_name(&once), once, "{name:?}");
        }
    }

    #[test]
    fn the_stored_name_keeps_its_legal_form() {
        assert_eq!(normalize_name("华为技术有限公司"), "华为技术有限公司");
    }

    #[test]
    fn chinese_legal_forms_do_not_make_a_different_customer() {
        assert_same_customer(&[
            "华为技术有限公司",
            "华为技术 有限责任公司",
            "华为技术股份有限公司",
            "华为技术",
            "华为技术公司",
            "华为技术总公司",
        ]);
        assert_eq!(match_key("华为技术有限公司"), "华为技术");
    }

    #[test]
    fn a_group_and_its_legal_forms_reduce_to_the_same_key() {
        assert_same_customer(&[
            "万科集团股份有限公司",
            "万科集团有限公司",
            "万科集团",
            "万科股份有限公司",
            "万科",
        ]);
    }

    #[test]
    fn latin_legal_forms_case_width_and_punctuation_do_not_make_a_different_customer() {
        assert_same_customer(&[
            "ＡＢＣ Software Co., Ltd.",
            "abc software co ltd",
            "ABC SOFTWARE INC.",
            "ABC Software Company Limited",
            "ABC Software Corp.",
            "ABC Software Corporation",
            "ABC Software, LLC",
            "ABC-Software GmbH",
            "ABC Software Co.,Ltd.",
            "abc software",
        ]);
        assert_eq!(match_key("ＡＢＣ Software Co., Ltd."), "abcsoftware");
    }

    #[test]
    fn half_and_full_width_brackets_match() {
        assert_same_customer(&[
            "北京（中关村）科技有限公司",
            "北京(中关村)科技有限公司",
            "北京【中关村】科技有限公司",
            "北京 中关村 科技",
        ]);
    }

    #[test]
    fn chinese_punctuation_and_middle_dots_are_ignored() {
        assert_same_customer(&["爱普生·中国", "爱普生・中国", "爱普生、中国", "爱普生中国"]);
    }

    #[test]
    fn a_branch_office_is_a_different_customer_from_its_head_office() {
        assert_different_customers("华为技术有限公司北京分公司", "华为技术有限公司");
        assert_eq!(
            match_key("华为技术有限公司 北京分公司"),
            "华为技术有限公司北京分公司"
        );
    }

    #[test]
    fn only_whole_trailing_words_are_taken_for_latin_legal_forms() {
        // "Inc" inside a word, or a legal form in the middle, stays.
        assert_different_customers("Zinc", "Z");
        assert_eq!(match_key("Zinc"), "zinc");
        assert_eq!(match_key("Limited Editions Ltd"), "limitededitions");
        assert_eq!(match_key("Incubator Inc"), "incubator");
    }

    #[test]
    fn legal_forms_are_removed_again_and_again_across_scripts() {
        assert_eq!(match_key("ABC Holdings Co., Ltd. 有限公司"), "abcholdings");
        assert_eq!(match_key("腾讯Inc."), "腾讯");
        assert_eq!(match_key("ABC Inc. Ltd."), "abc");
    }

    #[test]
    fn a_name_that_is_only_a_legal_form_keeps_it_as_its_key() {
        assert_eq!(match_key("有限公司"), "有限公司");
        assert_eq!(match_key("公司"), "公司");
        assert_eq!(match_key("集团公司"), "集团");
        assert_eq!(match_key("集团股份有限公司"), "集团股份有限公司");
        assert_eq!(match_key("Ltd."), "ltd");
        assert_eq!(match_key("Co., Ltd."), "coltd");
    }

    #[test]
    fn no_name_that_is_not_blank_has_an_empty_key() {
        for name in [
            "有限公司",
            "Inc.",
            "（）",
            "·",
            "&",
            "A",
            "分公司",
            "集团股份有限公司",
        ] {
            assert!(!match_key(name).is_empty(), "{name:?}");
        }
        assert_eq!(match_key("（）"), "()");
        assert_eq!(match_key("   "), "");
    }

    #[test]
    fn different_companies_keep_different_keys() {
        assert_different_customers("华为技术有限公司", "华为终端有限公司");
        assert_different_customers("ABC Software Ltd", "ABC Systems Ltd");
    }

    #[test]
    fn search_ignores_case_width_and_spaces_but_keeps_everything_else() {
        assert_eq!(
            search_key("ＡＢＣ Software\u{3000}Co., Ltd."),
            "abcsoftwareco.,ltd."
        );
        assert_eq!(
            search_key("北京（中关村） 科技有限公司"),
            "北京(中关村)科技有限公司"
        );
        assert!(search_key("华为技术有限公司").contains(&search_key("技术 有限")));
    }
}

/// Place names as they appear in company names, longest first: every province and
/// prefecture-level city of `geo`, with and without its kind (`广东省`, `广东`, `深圳市`, `深圳`).
fn place_names() -> &'static [String] {
    use std::sync::LazyLock;
    static NAMES: LazyLock<Vec<String>> = LazyLock::new(|| {
        let mut v: Vec<String> = Vec::new();
        for p in crate::geo::PROVINCES {
            v.push(p.name_zh.to_string());
            v.push(p.short_zh().to_string());
            for c in p.cities {
                v.push(c.name_zh.to_string());
                if let Some(short) = c.name_zh.strip_suffix('市')
                    && short.chars().count() >= 2
                {
                    v.push(short.to_string());
                }
            }
        }
        v.retain(|s| s.chars().count() >= 2);
        v.sort_by(|a, b| b.chars().count().cmp(&a.chars().count()).then(a.cmp(b)));
        v.dedup();
        v
    });
    &NAMES
}

/// The key two names of one company share when the place moved or the brackets differ
/// (issue 10, point 5): `星河数据科技（上海）有限公司` and `上海星河数据科技有限公司` both give
/// `星河数据科技`. The [`match_key`] without brackets and without the place names it contains;
/// the match key itself when fewer than two characters would be left.
pub fn likely_key(s: &str) -> String {
    let key: String = match_key(s)
        .chars()
        .filter(|c| !matches!(c, '（' | '）' | '(' | ')'))
        .collect();
    let mut core = key.clone();
    for place in place_names() {
        if core.contains(place.as_str()) {
            let next = core.replacen(place.as_str(), "", 1);
            if next.chars().count() >= 2 {
                core = next;
            }
        }
    }
    if core.chars().count() >= 2 { core } else { key }
}

#[cfg(test)]
mod likely_tests {
    use super::likely_key;

    #[test]
    fn names_of_one_company_with_the_place_moved_share_a_likely_key() {
        let a = likely_key("星河数据科技（上海）有限公司");
        assert_eq!(a, likely_key("上海星河数据科技有限公司"));
        assert_eq!(a, likely_key("上海市星河数据科技有限公司"));
        assert_eq!(a, "星河数据科技");
        assert_eq!(
            likely_key("华宇软件（北京）"),
            likely_key("北京华宇软件有限公司")
        );
        assert_ne!(
            likely_key("上海星河数据科技有限公司"),
            likely_key("上海星河网络科技有限公司")
        );
        // A name that is only a place keeps its key.
        assert_eq!(likely_key("上海有限公司"), likely_key("上海有限公司"));
        assert!(!likely_key("上海有限公司").is_empty());
    }
}
