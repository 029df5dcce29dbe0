//! The message catalog: every string the user reads, in Simplified Chinese (the default) and
//! English, side by side so that a message cannot exist in one language only.

use std::collections::HashMap;
use std::sync::LazyLock;

mod catalog;
pub mod worktime;

/// An interface language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Zh,
    En,
}

impl Lang {
    /// `en…` is English; anything else is Simplified Chinese.
    pub fn from_code(code: &str) -> Lang {
        if code.starts_with("en") {
            Lang::En
        } else {
            Lang::Zh
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }
}

static INDEX: LazyLock<HashMap<&'static str, (&'static str, &'static str)>> = LazyLock::new(|| {
    catalog::messages()
        .map(|(k, zh, en)| (*k, (*zh, *en)))
        .collect()
});

static ENGLISH_ONE: LazyLock<HashMap<&'static str, &'static str>> =
    LazyLock::new(|| catalog::ENGLISH_ONE.iter().copied().collect());

/// A message with its `{name}` placeholders replaced.
fn fill(message: &str, args: &[(&str, &str)]) -> String {
    let mut s = message.to_string();
    for (k, v) in args {
        s = s.replace(&format!("{{{k}}}"), v);
    }
    s
}

/// Translator for one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tr(pub Lang);

/// Shown for a key missing from the catalog (a test makes sure none is).
pub const MISSING: &str = "⟦?⟧";

impl Tr {
    pub fn t(&self, key: &str) -> &'static str {
        match INDEX.get(key) {
            Some((zh, en)) => match self.0 {
                Lang::Zh => zh,
                Lang::En => en,
            },
            None => {
                tracing::warn!(key, "missing message");
                MISSING
            }
        }
    }

    /// A message with `{name}` placeholders filled in.
    pub fn tf(&self, key: &str, args: &[(&str, &str)]) -> String {
        fill(self.t(key), args)
    }

    /// [`Tr::tf`] for a message about `count` things: English says "1 customer", not
    /// "1 customers", through the message's form in `catalog::ENGLISH_ONE` when it has one.
    /// Chinese has no plural.
    pub fn tn(&self, key: &str, count: u64, args: &[(&str, &str)]) -> String {
        match ENGLISH_ONE.get(key) {
            Some(one) if count == 1 && self.0 == Lang::En => fill(one, args),
            _ => self.tf(key, args),
        }
    }

    pub fn lang(&self) -> Lang {
        self.0
    }

    /// The message of a field error with what it names filled in: the limit of a text
    /// ("at most 100 characters"), and for a value not on a national list the allowed values
    /// in this language (every province; the cities of the province the error names; every
    /// industry section with its letter).
    pub fn field(&self, code: &str, arg: Option<&str>) -> String {
        use salesdesk_domain::geo;
        let lang = self.0.code();
        let sep = if self.0 == Lang::En { ", " } else { "、" };
        let allowed = match code {
            geo::PROVINCE_UNKNOWN => Some(
                geo::PROVINCES
                    .iter()
                    .map(|p| p.name(lang))
                    .collect::<Vec<_>>()
                    .join(sep),
            ),
            geo::CITY_UNKNOWN => Some(match arg.and_then(geo::province) {
                Some(p) => p
                    .cities
                    .iter()
                    .map(|c| c.name(lang))
                    .collect::<Vec<_>>()
                    .join(sep),
                None => return self.t("error.city_without_province").to_string(),
            }),
            geo::INDUSTRY_UNKNOWN => Some(
                geo::INDUSTRIES
                    .iter()
                    .map(|i| format!("{} {}", i.code, i.name(lang)))
                    .collect::<Vec<_>>()
                    .join(if self.0 == Lang::En { "; " } else { "；" }),
            ),
            _ => None,
        };
        match allowed {
            Some(list) => self.tf(code, &[("allowed", &list)]),
            None => self.tf(code, &[("arg", arg.unwrap_or(""))]),
        }
    }
}

/// True when the catalog has this key.
pub fn has(key: &str) -> bool {
    INDEX.contains_key(key)
}

/// Every key of the catalog that starts with `prefix` (e.g. the audited actions).
pub fn keys_with_prefix(prefix: &str) -> impl Iterator<Item = &'static str> + '_ {
    catalog::messages()
        .map(|(k, _, _)| *k)
        .filter(move |k| k.starts_with(prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalog_keys_are_unique_and_no_translation_is_empty() {
        let mut seen = std::collections::HashSet::new();
        for (k, zh, en) in catalog::messages() {
            assert!(seen.insert(*k), "duplicate key {k}");
            assert!(!zh.trim().is_empty(), "{k} has no Chinese");
            assert!(!en.trim().is_empty(), "{k} has no English");
        }
    }

    #[test]
    fn every_position_status_reason_and_rule_has_a_name_in_both_languages() {
        use salesdesk_domain::customer::{
            AssignRule, CompanySize, ContactKind, CustomerStatus, InvalidReason, ProfileItem,
        };
        let keys = salesdesk_domain::Position::ALL
            .iter()
            .map(|p| p.label_key().to_string())
            .chain(CustomerStatus::ALL.iter().map(|s| s.label_key()))
            .chain(InvalidReason::ALL.iter().map(|r| r.label_key()))
            .chain(AssignRule::ALL.iter().map(|r| r.label_key()))
            .chain(CompanySize::ALL.iter().map(|z| z.label_key()))
            .chain(ContactKind::ALL.iter().map(|k| k.label_key()))
            .chain(ProfileItem::ALL.iter().map(|i| i.label_key()));
        for k in keys {
            assert!(has(&k), "{k} missing");
        }
    }

    /// English counts say "1 customer" but "2 customers"; Chinese has one form; a key
    /// without a `.one` form is used as it is.
    #[test]
    fn english_counts_of_one_are_singular() {
        let (en, zh) = (Tr(Lang::En), Tr(Lang::Zh));
        assert_eq!(en.tn("customers.count", 1, &[("n", "1")]), "1 customer");
        assert_eq!(en.tn("customers.count", 2, &[("n", "2")]), "2 customers");
        assert_eq!(en.tn("customers.count", 0, &[("n", "0")]), "0 customers");
        assert_eq!(zh.tn("customers.count", 1, &[("n", "1")]), "共 1 个客户");
        assert_eq!(en.tn("followups.in_days", 1, &[("n", "1")]), "in 1 day");
        assert_eq!(
            en.tn("customers.count_at_least", 1, &[("n", "1000")]),
            "At least 1000 customers"
        );
        // Every singular belongs to a message that exists, with the same placeholders.
        let names = |s: &str| {
            let mut v: Vec<String> = s
                .split('{')
                .skip(1)
                .filter_map(|p| p.split('}').next())
                .map(String::from)
                .collect();
            v.sort();
            v
        };
        for (k, one) in catalog::ENGLISH_ONE {
            assert!(has(k), "{k} is not in the catalog");
            assert_eq!(names(one), names(Tr(Lang::En).t(k)), "{k}");
        }
    }

    /// Scans the source tree for message keys written as string literals (`"nav.people"`,
    /// `t("error.email")` …) and checks each is in the catalog, so a typo cannot reach a user.
    #[test]
    fn every_key_used_in_code_and_templates_is_in_the_catalog() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let prefixes = [
            "nav.",
            "error.",
            "problem.",
            "flash.",
            "page.",
            "field.",
            "action.",
            "role.",
            "position.",
            "notification.",
            "audit.",
            "dashboard.",
            "login.",
            "account.",
            "people.",
            "regions.",
            "kind.",
            "common.",
            "lang.",
            "customer_status.",
            "invalid_reason.",
            "assign_rule.",
            "contact_role.",
            "contacts.",
            "customers.",
            "approvals.",
            "company_size.",
            "contact_kind.",
            "profile_item.",
            "records.",
            "owner_reason.",
            "followups.",
            "review.",
            "pool.",
            "settings.",
            "choices.",
            "import.",
            "export.",
            "deal.",
            "contract.",
            "invoice.",
            "revenue.",
        ];
        let mut missing = vec![];
        let mut stack = vec![root];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap().flatten() {
                let p = entry.path();
                if p.is_dir() {
                    if !p.ends_with("target") {
                        stack.push(p);
                    }
                    continue;
                }
                let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
                if !matches!(ext, "rs" | "html")
                    || p.components().any(|c| c.as_os_str() == "catalog")
                {
                    continue;
                }
                let text = std::fs::read_to_string(&p).unwrap();
                for piece in text.split('"').skip(1).step_by(2) {
                    let looks_like_key = prefixes.iter().any(|pre| piece.starts_with(pre))
                        && piece.chars().all(|c| {
                            c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_' || c == '.'
                        })
                        && !piece.ends_with('.')
                        && !piece.ends_with(".html");
                    if looks_like_key && !has(piece) {
                        missing.push(format!("{}: {piece}", p.display()));
                    }
                    // Audit action codes written by the use cases need a display name too.
                    let is_action = p.components().any(|c| c.as_os_str() == "app")
                        && [
                            "person.",
                            "region.",
                            "session.",
                            "notifications.",
                            "customer.",
                            "contact.",
                            "record.",
                            "choice.",
                            "setting.",
                            "filter.",
                            "deal.",
                            "deal_stage.",
                            "contract.",
                        ]
                        .iter()
                        .any(|pre| piece.starts_with(pre))
                        && piece
                            .chars()
                            .all(|c| c.is_ascii_lowercase() || c == '_' || c == '.');
                    if is_action && !has(&format!("audit_action.{piece}")) {
                        missing.push(format!("{}: audit_action.{piece}", p.display()));
                    }
                }
            }
        }
        assert!(
            missing.is_empty(),
            "keys missing from the catalog:\n{}",
            missing.join("\n")
        );
    }
}
