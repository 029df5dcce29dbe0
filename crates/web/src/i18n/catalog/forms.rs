//! Messages of the forms work (issue 10, points 6 and 9): stated limits, mobile numbers, the
//! national lists (GB/T 2260 places, GB/T 4754 industries), the status form's evidence per
//! target, and correcting contacts and contact records.

pub static MESSAGES: &[(&str, &str, &str)] = &[
    // Limits and numbers.
    (
        "error.max_chars",
        "最多 {arg} 个字符。",
        "At most {arg} characters.",
    ),
    (
        "form.max_chars",
        "最多 {n} 个字符",
        "At most {n} characters",
    ),
    (
        "error.mobile",
        "手机号须为 11 位数字、以 1 开头，可带 +86 或 0086，如 13800138000。其他号码请填在电话栏。",
        "A mobile number has 11 digits starting with 1, optionally after +86 or 0086, e.g. 13800138000. Put other numbers under phone.",
    ),
    (
        "contacts.mobile_hint",
        "中国大陆手机号，11 位；座机和分机请填在电话栏（如 021-62345678 转 801）。",
        "A mainland mobile number, 11 digits; landlines and extensions go under phone (e.g. 021-62345678 ext. 801).",
    ),
    // National lists.
    (
        "error.province_unknown",
        "请从国家行政区划中选择省份。可选：{allowed}",
        "Choose a province from the national list. Allowed: {allowed}",
    ),
    (
        "error.city_unknown",
        "该城市不在所选省份中。可选：{allowed}",
        "That city is not in the chosen province. Allowed: {allowed}",
    ),
    (
        "error.city_without_province",
        "找不到唯一的同名城市，请先选择省份。",
        "No single city has that name; choose the province first.",
    ),
    (
        "error.industry_unknown",
        "请从国民经济行业分类（GB/T 4754-2017）门类中选择。可选：{allowed}",
        "Choose a section of the national industry classification (GB/T 4754-2017). Allowed: {allowed}",
    ),
    (
        "geo.legacy",
        "{text}（旧值，请从列表中选择）",
        "{text} (old value; pick one from the list)",
    ),
    (
        "geo.city_hint",
        "先选省份，城市列表随之缩小。直辖市选其本身。",
        "Choose the province first; the city list narrows to it. A municipality is its own city.",
    ),
    // The status form.
    ("status.show_evidence", "显示所需材料", "Show what it needs"),
    (
        "status.evidence_for",
        "申请“{status}”需要的材料",
        "What a request for “{status}” needs",
    ),
    (
        "status.no_evidence",
        "这一步不需要材料，可以填写备注。",
        "This step needs no evidence; a note is welcome.",
    ),
    // Correcting contacts and records.
    ("page.edit_contact", "编辑联系人", "Edit contact"),
    ("page.edit_record", "修改联系记录", "Correct contact record"),
    (
        "page.delete_record",
        "删除联系记录",
        "Delete contact record",
    ),
    ("action.delete_record", "删除这条记录", "Delete this record"),
    (
        "records.edit_hint",
        "联系记录由记录人在规定时间内修改，修改会记入审计日志。",
        "A contact record is corrected by its author within the time allowed; the change is kept in the audit log.",
    ),
    (
        "records.delete_warning",
        "这条联系记录将被永久删除；客户的最近联系时间和下次联系日期改按其余记录计算。删除会记入审计日志。",
        "This contact record will be deleted for good; the customer's last contact and next contact date are taken from its other records. The deletion is kept in the audit log.",
    ),
    ("records.edited_at", "已于 {at} 修改", "edited {at}"),
    (
        "flash.record_deleted",
        "联系记录已删除。",
        "Contact record deleted.",
    ),
    (
        "error.record_not_author",
        "只有记录人可以修改这条联系记录。",
        "Only the person who wrote this contact record may correct it.",
    ),
    (
        "error.record_edit_window",
        "这条联系记录已超过可修改时间。",
        "The time for correcting this contact record has passed.",
    ),
    (
        "audit_action.record.update",
        "修改联系记录",
        "Contact record corrected",
    ),
    (
        "audit_action.record.delete",
        "删除联系记录",
        "Contact record deleted",
    ),
    // Settings.
    ("settings.records", "联系记录", "Contact records"),
    (
        "settings.record_edit_hours",
        "记录人可修改联系记录的时间",
        "Time in which an author may correct a contact record",
    ),
    ("settings.hours", "小时", "hours"),
    (
        "settings.record_edit_hint",
        "1 至 720 小时。经理可随时删除记录。",
        "1 to 720 hours. Managers may delete a record at any time.",
    ),
    (
        "error.hours_range",
        "请填写 1 至 720 之间的小时数。",
        "Enter a number of hours from 1 to 720.",
    ),
];
