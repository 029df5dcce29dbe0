//! Messages of likely duplicates by phone, web domain and e-mail domain, at creation and on
//! import (issue 10, point 5).

pub static MESSAGES: &[(&str, &str, &str)] = &[
    (
        "likely.why_name",
        "名称相同（仅城市位置或括号不同）：{value}",
        "same name but for the city or brackets: {value}",
    ),
    (
        "likely.why_phone",
        "电话相同：{value}",
        "same phone {value}",
    ),
    (
        "likely.why_web",
        "网站域名相同：{value}",
        "same web domain {value}",
    ),
    (
        "likely.why_mail",
        "邮箱域名相同：{value}",
        "same e-mail domain {value}",
    ),
    ("likely.reason_separator", "；", "; "),
    (
        "likely.hint",
        "它们与新客户的名称、电话、网站域名或邮箱域名相同（公共邮箱不算）。若是同一家公司，请打开已有客户继续跟进，或联系其负责人；若确实是另一家公司，点击下面的按钮保存。",
        "They share the name, a phone, the web domain or an e-mail domain (free mail providers do not count) with the new customer. If it is the same company, open the existing customer or ask its account manager; if it really is another company, save it with the button below.",
    ),
    (
        "problem.likely_duplicate",
        "可能是已有客户",
        "Probably an existing customer",
    ),
    (
        "problem.likely_duplicate_detail",
        "已有客户与它的名称、电话或域名相同，见 likely_duplicates。若确实是另一家公司，请带上 \"distinct\": true 再次提交。",
        "Existing customers share its name, a phone or a domain; see likely_duplicates. If it really is another company, send it again with \"distinct\": true.",
    ),
    // on import
    (
        "import.likely_count",
        "可能重复的行：{n}（已导入并标记，点此核对）",
        "Rows that are probably duplicates: {n} (imported and flagged; check them)",
    ),
    (
        "import.likely_title",
        "可能重复的行",
        "Rows that are probably duplicates",
    ),
    (
        "import.likely_intro",
        "这些行已导入，但与已有客户或文件中更早的行名称、电话或域名相同。请打开两者核对，必要时合并。",
        "These rows were imported but share the name, a phone or a domain with an existing customer or an earlier row of the file. Open both to check, and merge them if they are one company.",
    ),
    (
        "import.likely_none",
        "没有可能重复的行。",
        "No row looks like a duplicate.",
    ),
    ("import.likely_row", "第 {n} 行", "Row {n}"),
    (
        "import.likely_other_row",
        "（文件第 {n} 行）",
        " (row {n} of the file)",
    ),
    ("import.likely_col_row", "行", "Row"),
    ("import.likely_col_new", "导入的客户", "Imported customer"),
    (
        "import.likely_col_other",
        "可能相同的客户",
        "Probably the same as",
    ),
    ("import.likely_col_why", "原因", "Why"),
];
