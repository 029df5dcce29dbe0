//! Likely duplicates (issue 10, point 5): the keys under which two records are probably one
//! company although their names differ — the same phone, the same web domain, the same e-mail
//! domain, or the same name with the place moved ([`super::likely_key`]).
//!
//! A record gives a set of [`LikelyKey`]s (its own phone, website and e-mail and its contacts'
//! phones, mobiles and e-mails); two records sharing a key are shown side by side before the
//! second is saved. Keys are normalised so that the ways people write one number or one domain
//! agree: `+86 21 6234 5678`, `021-62345678 转 801` and `(021) 6234-5678` are one phone;
//! `https://WWW.Example.com:8080/about` and `example.com` one domain. An e-mail domain of a free
//! mail provider ([`FREE_MAIL`]) says nothing about the company and gives no key.

use super::name::likely_key;
use crate::validate::split_extension;

/// What two records have in common.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Reason {
    /// The same name once the place and brackets are left out.
    Name,
    Phone,
    /// The same web domain (a website's host).
    Web,
    /// The same e-mail domain.
    Mail,
}

impl Reason {
    /// The stored code (`customer_likely_keys.kind`, the API's `reason`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Name => "name",
            Reason::Phone => "phone",
            Reason::Web => "web",
            Reason::Mail => "mail",
        }
    }

    pub fn parse(s: &str) -> Option<Reason> {
        [Reason::Name, Reason::Phone, Reason::Web, Reason::Mail]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    /// Whether a stored key of kind `other` with the same value means a likely duplicate: a
    /// website's domain and an e-mail domain are both the company's domain, so they match each
    /// other; the rest only their own kind.
    pub fn matches(self, other: Reason) -> bool {
        let domain = |r| matches!(r, Reason::Web | Reason::Mail);
        self == other || (domain(self) && domain(other))
    }
}

/// One key of a record: what kind, the normalised value that is stored and compared, and the
/// text as the person typed it (shown in the reason: "same phone 021-6234 5678").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LikelyKey {
    pub reason: Reason,
    pub value: String,
    pub shown: String,
}

/// Longest stored value; longer ones (no real phone or domain is) give no key.
pub const MAX_VALUE_CHARS: usize = 100;

/// Mail providers anyone can sign up with: a shared domain there says nothing. Lower case.
pub const FREE_MAIL: &[&str] = &[
    "qq.com",
    "vip.qq.com",
    "foxmail.com",
    "163.com",
    "vip.163.com",
    "126.com",
    "vip.126.com",
    "188.com",
    "yeah.net",
    "sina.com",
    "sina.cn",
    "vip.sina.com",
    "sohu.com",
    "aliyun.com",
    "139.com",
    "189.cn",
    "wo.cn",
    "tom.com",
    "21cn.com",
    "263.net",
    "gmail.com",
    "googlemail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "live.cn",
    "msn.com",
    "icloud.com",
    "me.com",
    "mac.com",
    "yahoo.com",
    "yahoo.com.cn",
    "aol.com",
    "proton.me",
    "protonmail.com",
    "yandex.com",
    "mail.com",
];

/// A phone number as compared: its digits, without the extension and without the country code
/// `+86`/`0086` (a landline then gets its trunk `0` back, so `+86 21 62345678` and
/// `021-62345678` agree). `None` for fewer than seven digits (too short to mean anything).
pub fn phone_key(s: &str) -> Option<String> {
    let half: String = s
        .trim()
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            '＋' => '+',
            c => c,
        })
        .collect();
    let (number, _) = split_extension(&half);
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let plus = number.trim_start().starts_with('+');
    let national = if plus {
        digits.strip_prefix("86").map(str::to_string)
    } else if let Some(n) = digits.strip_prefix("0086") {
        Some(n.to_string())
    } else if digits.len() == 13 && digits.starts_with("861") {
        Some(digits[2..].to_string())
    } else {
        None
    };
    let out = match national {
        Some(n) => {
            let n = n.trim_start_matches('0');
            if n.len() == 11 && n.starts_with('1') {
                n.to_string()
            } else {
                format!("0{n}")
            }
        }
        None => digits,
    };
    (out.len() >= 7 && out.len() <= 20).then_some(out)
}

/// A host name as compared: lower case, without a trailing dot and without `www.`; `None`
/// unless it looks like a domain (a dot, letters, digits and dashes only).
fn host_key(host: &str) -> Option<String> {
    let h = host.trim().trim_end_matches('.').to_lowercase();
    let h = h.strip_prefix("www.").unwrap_or(&h);
    let ok = h.contains('.')
        && !h.starts_with('.')
        && !h.contains("..")
        && h.chars()
            .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
    (ok && h.chars().count() <= MAX_VALUE_CHARS).then(|| h.to_string())
}

/// A website's domain: `https://WWW.Example.com:8080/about?x` → `example.com`.
pub fn web_domain(s: &str) -> Option<String> {
    let s = s.trim();
    let rest = match s.find("://") {
        Some(at) => &s[at + 3..],
        None => s,
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    let host = host.split(':').next().unwrap_or_default();
    host_key(host)
}

/// An e-mail address's domain, unless it is a free mail provider's ([`FREE_MAIL`]).
pub fn mail_domain(s: &str) -> Option<String> {
    let (_, domain) = s.trim().rsplit_once('@')?;
    let d = host_key(domain)?;
    (!FREE_MAIL.contains(&d.as_str())).then_some(d)
}

/// What a contact brings to its customer's keys.
#[derive(Debug, Clone, Copy, Default)]
pub struct ContactKeys<'a> {
    pub phone: Option<&'a str>,
    pub mobile: Option<&'a str>,
    pub email: Option<&'a str>,
}

/// What a record is made of, for its keys.
#[derive(Debug, Clone, Copy, Default)]
pub struct KeySource<'a> {
    pub name: &'a str,
    pub phone: Option<&'a str>,
    pub website: Option<&'a str>,
    pub email: Option<&'a str>,
    pub contacts: &'a [ContactKeys<'a>],
}

/// Every key of a record, each (reason, value) once, in a stable order.
pub fn keys_of(src: &KeySource<'_>) -> Vec<LikelyKey> {
    let mut out: Vec<LikelyKey> = Vec::new();
    let mut add = |reason: Reason, value: Option<String>, shown: &str| {
        if let Some(value) = value
            && value.chars().count() <= MAX_VALUE_CHARS
            && !out.iter().any(|k| k.reason == reason && k.value == value)
        {
            out.push(LikelyKey {
                reason,
                value,
                shown: shown.trim().to_string(),
            });
        }
    };
    let name = likely_key(src.name);
    if name.chars().count() >= 2 {
        add(Reason::Name, Some(name), src.name);
    }
    let phones = src.phone.into_iter().chain(
        src.contacts
            .iter()
            .flat_map(|c| [c.phone, c.mobile])
            .flatten(),
    );
    for p in phones {
        add(Reason::Phone, phone_key(p), p);
    }
    // A domain is shown as the domain: "same e-mail domain xinghe.cn", not one address.
    if let Some(d) = src.website.and_then(web_domain) {
        add(Reason::Web, Some(d.clone()), &d);
    }
    let mails = src
        .email
        .into_iter()
        .chain(src.contacts.iter().filter_map(|c| c.email));
    for d in mails.filter_map(mail_domain) {
        add(Reason::Mail, Some(d.clone()), &d);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_phone_written_many_ways_gives_one_key() {
        let k = phone_key("021-6234 5678");
        assert_eq!(k.as_deref(), Some("02162345678"));
        for same in [
            "+86 21 6234 5678",
            "0086-21-62345678",
            "(021) 6234-5678",
            "021-62345678 ext. 801",
            "021 62345678转801",
            "０２１－６２３４５６７８",
        ] {
            assert_eq!(phone_key(same), k, "{same}");
        }
        assert_eq!(
            phone_key("+86 138-0013-8000").as_deref(),
            Some("13800138000")
        );
        assert_eq!(phone_key("8613800138000").as_deref(), Some("13800138000"));
        assert_eq!(phone_key("13800138000").as_deref(), Some("13800138000"));
        assert_ne!(phone_key("021-62345679"), k);
        assert_eq!(phone_key("12345"), None);
        assert_eq!(phone_key(""), None);
    }

    #[test]
    fn a_website_is_compared_by_its_domain() {
        let k = web_domain("example.com");
        assert_eq!(k.as_deref(), Some("example.com"));
        for same in [
            "https://WWW.Example.com:8080/about?x=1",
            "http://www.example.com/",
            "www.example.com.",
            "EXAMPLE.COM#top",
        ] {
            assert_eq!(web_domain(same), k, "{same}");
        }
        assert_eq!(
            web_domain("shop.example.com").as_deref(),
            Some("shop.example.com")
        );
        assert_eq!(web_domain("localhost"), None);
        assert_eq!(web_domain("not a site"), None);
    }

    #[test]
    fn free_mail_domains_give_no_key() {
        assert_eq!(mail_domain("wang@Xinghe.cn").as_deref(), Some("xinghe.cn"));
        for free in [
            "a@qq.com",
            "b@163.com",
            "c@Gmail.com",
            "d@outlook.com",
            "e@yeah.net",
        ] {
            assert_eq!(mail_domain(free), None, "{free}");
        }
        assert_eq!(mail_domain("no-at-sign"), None);
    }

    #[test]
    fn a_record_gives_each_key_once_from_itself_and_its_contacts() {
        let contacts = [
            ContactKeys {
                phone: Some("+86 21 6234 5678"),
                mobile: Some("13800138000"),
                email: Some("li@qq.com"),
            },
            ContactKeys {
                phone: None,
                mobile: None,
                email: Some("wang@xinghe.cn"),
            },
        ];
        let keys = keys_of(&KeySource {
            name: "上海星河数据科技有限公司",
            phone: Some("021-6234 5678"),
            website: Some("https://www.xinghe.cn"),
            email: Some("info@xinghe.cn"),
            contacts: &contacts,
        });
        let got: Vec<(&str, &str)> = keys
            .iter()
            .map(|k| (k.reason.as_str(), k.value.as_str()))
            .collect();
        assert_eq!(
            got,
            vec![
                ("name", likely_key("上海星河数据科技有限公司").as_str()),
                ("phone", "02162345678"),
                ("phone", "13800138000"),
                ("web", "xinghe.cn"),
                ("mail", "xinghe.cn"),
            ]
        );
        assert_eq!(keys[1].shown, "021-6234 5678");
    }

    #[test]
    fn a_web_domain_and_a_mail_domain_match_each_other() {
        assert!(Reason::Web.matches(Reason::Mail));
        assert!(Reason::Phone.matches(Reason::Phone));
        assert!(!Reason::Phone.matches(Reason::Name));
    }
}
