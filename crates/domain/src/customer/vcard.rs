//! vCard 4.0 (RFC 6350) for customer contacts, so that a phone's address book imports them.

use crate::validate::tel_uri;

/// One contact as a vCard needs it.
#[derive(Debug, Clone, Default)]
pub struct Card<'a> {
    pub name: &'a str,
    pub organisation: Option<&'a str>,
    pub title: Option<&'a str>,
    pub mobile: Option<&'a str>,
    pub phone: Option<&'a str>,
    pub email: Option<&'a str>,
    pub note: Option<&'a str>,
}

/// Two-character Chinese surnames, so that 欧阳修 splits as 欧阳 / 修, not 欧 / 阳修.
const COMPOUND_SURNAMES: [&str; 12] = [
    "欧阳", "司马", "上官", "诸葛", "东方", "皇甫", "尉迟", "公孙", "慕容", "令狐", "长孙", "司徒",
];

/// (family name, given name) of a Chinese name written family-first without a space; other
/// names (with a space, or not Chinese) are given whole as the given name.
fn split_name(name: &str) -> (String, String) {
    let chinese = name.chars().all(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    let n = name.chars().count();
    if !chinese || !(2..=4).contains(&n) {
        return (String::new(), name.to_string());
    }
    let family_len = if n >= 3 && COMPOUND_SURNAMES.iter().any(|s| name.starts_with(s)) {
        2
    } else {
        1
    };
    let family: String = name.chars().take(family_len).collect();
    let given: String = name.chars().skip(family_len).collect();
    (family, given)
}

/// Escapes a text value (RFC 6350 §3.4): backslash, comma, semicolon and newlines.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ',' => out.push_str("\\,"),
            ';' => out.push_str("\\;"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Folds a content line at 75 octets without splitting a UTF-8 character (RFC 6350 §3.2).
fn fold(line: &str, out: &mut String) {
    let mut len = 0;
    for c in line.chars() {
        let w = c.len_utf8();
        if len + w > 75 {
            out.push_str("\r\n ");
            len = 1;
        }
        out.push(c);
        len += w;
    }
    out.push_str("\r\n");
}

/// One or more contacts as a vCard 4.0 file (CRLF line ends, folded lines).
pub fn write(cards: &[Card<'_>]) -> String {
    let mut out = String::new();
    for c in cards {
        let (family, given) = split_name(c.name);
        let mut lines = vec![
            "BEGIN:VCARD".to_string(),
            "VERSION:4.0".to_string(),
            format!("FN:{}", escape(c.name)),
            format!("N:{};{};;;", escape(&family), escape(&given)),
        ];
        if let Some(o) = c.organisation {
            lines.push(format!("ORG:{}", escape(o)));
        }
        if let Some(t) = c.title {
            lines.push(format!("TITLE:{}", escape(t)));
        }
        if let Some(m) = c.mobile {
            lines.push(format!("TEL;VALUE=uri;TYPE=cell:{}", tel_uri(m)));
        }
        if let Some(p) = c.phone {
            lines.push(format!("TEL;VALUE=uri;TYPE=work:{}", tel_uri(p)));
        }
        if let Some(e) = c.email {
            lines.push(format!("EMAIL;TYPE=work:{}", escape(e)));
        }
        if let Some(n) = c.note {
            lines.push(format!("NOTE:{}", escape(n)));
        }
        lines.push("END:VCARD".to_string());
        for l in lines {
            fold(&l, &mut out);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contact_becomes_a_vcard_4_with_name_parts_phones_and_crlf() {
        let v = write(&[Card {
            name: "王磊",
            organisation: Some("华为技术有限公司"),
            title: Some("信息中心主任"),
            mobile: Some("138-0013-8000"),
            phone: Some("+86 (755) 2878-0808"),
            email: Some("wanglei@example.com"),
            note: Some("决策人; 喜欢喝茶,\n周三下午有空"),
        }]);
        assert!(
            v.starts_with("BEGIN:VCARD\r\nVERSION:4.0\r\nFN:王磊\r\nN:王;磊;;;\r\n"),
            "{v}"
        );
        assert!(v.contains("ORG:华为技术有限公司\r\n"));
        assert!(v.contains("TEL;VALUE=uri;TYPE=cell:tel:+86-13800138000\r\n"));
        assert!(v.contains("TEL;VALUE=uri;TYPE=work:tel:+86-755-28780808\r\n"));
        assert!(
            v.contains("NOTE:决策人\\; 喜欢喝茶\\,\\n周三下午有空\r\n"),
            "{v}"
        );
        assert!(v.ends_with("END:VCARD\r\n"));
        assert!(!v.replace("\r\n", "").contains('\n'), "only CRLF line ends");
    }

    #[test]
    fn a_work_phone_keeps_its_extension() {
        let v = write(&[Card {
            name: "李娜",
            phone: Some("021-62345678 ext. 801"),
            ..Card::default()
        }]);
        assert!(
            v.contains("TEL;VALUE=uri;TYPE=work:tel:+86-21-62345678;ext=801\r\n"),
            "{v}"
        );
    }

    #[test]
    fn compound_surnames_and_foreign_names_are_split_sensibly() {
        assert_eq!(split_name("欧阳明"), ("欧阳".into(), "明".into()));
        assert_eq!(split_name("张伟"), ("张".into(), "伟".into()));
        assert_eq!(split_name("John Smith"), ("".into(), "John Smith".into()));
    }

    #[test]
    fn long_lines_are_folded_without_splitting_a_character() {
        let note = "长".repeat(60);
        let v = write(&[Card {
            name: "李",
            note: Some(&note),
            ..Default::default()
        }]);
        for line in v.split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = v.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("NOTE:{note}")));
    }
}
