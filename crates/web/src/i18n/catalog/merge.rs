//! Messages of confirmations before the irreversible and of merging (issue 10, points 4 and 5).

pub static MESSAGES: &[(&str, &str, &str)] = &[
    (
        "owner_note.release",
        "（原因：{reason}）",
        " (reason: {reason})",
    ),
    (
        "owner_note.merge",
        "合并：并入了「{name}」",
        "merged: absorbed “{name}”",
    ),
    (
        "notification.customer_merged",
        "{by} 将你负责的客户「{name}」并入了「{into}」。",
        "{by} merged your customer “{name}” into “{into}”.",
    ),
    ("merge.confirm_title", "确认合并", "Confirm the merge"),
    ("merge.keeps", "保留", "Stays"),
    ("merge.disappears", "并入后消失", "Disappears"),
    (
        "merge.confirm_what",
        "「{name}」将并入「{into}」后消失：它的 {contacts} 个联系人、{records} 条联系记录、商机、合同、试用申请、状态历史和负责人变更转到「{into}」；「{into}」空缺的资料由它补上，已有的资料不变。",
        "“{name}” merges into “{into}” and disappears: its {contacts} contacts, {records} contact records, deals, contracts, trial applications, status history and owner changes move to “{into}”; gaps in “{into}” are filled from it, values it has stay.",
    ),
    (
        "merge.confirm_notified",
        "它的客户经理{name}会收到通知。",
        "Its account manager {name} will be notified.",
    ),
    (
        "merge.irreversible",
        "合并后无法撤销。",
        "A merge cannot be undone.",
    ),
    ("action.confirm_merge", "确认合并", "Merge"),
    ("page.release", "释放到公海", "Release to the pool"),
    // the import template (issue 10, point 10)
    (
        "import.template_file",
        "客户导入模板",
        "customer-import-template",
    ),
    ("import.template_sheet", "客户", "Customers"),
    ("import.template_allowed", "可选值", "Allowed values"),
    (
        "import.template_hint",
        "下载模板：列名与导入识别的一致，附一行示例；Excel 模板的第二页列出省份、城市、行业、规模、类型和来源的可选值。",
        "Download a template: its columns are the ones the import recognises, with one example row; the Excel template's second sheet lists the allowed provinces, cities, industries, sizes, types and sources.",
    ),
    ("import.template_xlsx", "Excel 模板", "Excel template"),
    (
        "audit_action.customer.export",
        "导出客户",
        "Customers exported",
    ),
    // likely duplicates at creation (issue 10, point 5)
    (
        "customer.likely_title",
        "可能已有这家公司：",
        "This company may already be here:",
    ),
    ("merge.likely", "很可能重复", "likely duplicate"),
    ("page.contact_delete", "删除联系人", "Delete a contact"),
    (
        "contact_delete.what",
        "「{name}」将从「{customer}」的联系人和通讯录中移除；提到此人的联系记录保留，显示为「{name}（已删除）」。",
        "“{name}” leaves the contacts and the address book of “{customer}”; contact records that name them stay and show them as removed.",
    ),
    ("action.confirm_delete", "确认删除", "Delete"),
    (
        "action.save_distinct",
        "是另一家公司，保存",
        "It is another company: save",
    ),
    ("import.template_csv", "CSV 模板", "CSV template"),
    ("field.release_reason", "释放原因", "Reason"),
    ("release.choose", "请选择原因", "Choose a reason"),
    (
        "release.what",
        "「{name}」将回到{region}的公海：{owner}不再负责它，区内的客户经理都可以领取。原因会记入负责人变更记录。",
        "“{name}” goes back to the pool of {region}: {owner} no longer owns it, and any account manager of the region may claim it. The reason is kept in the owner history.",
    ),
    ("action.confirm_release", "确认释放", "Release"),
    (
        "error.release_reason_required",
        "请选择释放原因。",
        "Choose why the customer goes back to the pool.",
    ),
    (
        "error.release_reason_unknown",
        "没有这个释放原因，请从列表中选择。",
        "No such reason; choose one from the list.",
    ),
];
