//! Messages of the customer page as a workspace (issue 10, point 3): its header's actions, the
//! key facts, the timeline and its filters, the related-records panel.

pub static MESSAGES: &[(&str, &str, &str)] = &[
    // the header
    ("workspace.actions", "操作", "Actions"),
    ("workspace.record_contact", "记录联系", "Record a contact"),
    (
        "workspace.request_status",
        "申请变更状态",
        "Request a status change",
    ),
    ("workspace.more", "更多…", "More…"),
    ("workspace.owner", "负责人", "Owner"),
    ("workspace.region", "区域", "Region"),
    ("workspace.no_owner", "无负责人", "No owner"),
    // the side column
    ("workspace.facts", "关键信息", "Key facts"),
    (
        "workspace.related",
        "联系人与相关记录",
        "Contacts and related records",
    ),
    // the timeline
    ("workspace.timeline", "客户动态", "Timeline"),
    ("workspace.filter", "显示", "Show"),
    ("workspace.kind_all", "全部", "All"),
    ("workspace.kind_records", "联系记录", "Contact records"),
    ("workspace.kind_status", "状态", "Status"),
    ("workspace.kind_owner", "负责人", "Owner"),
    ("workspace.kind_edits", "资料修改", "Edits"),
    (
        "workspace.requested",
        "{who} 申请将状态从「{from}」改为「{to}」",
        "{who} asked to change the status from {from} to {to}",
    ),
    (
        "workspace.approved",
        "{who} 批准了状态变更：「{from}」→「{to}」",
        "{who} approved the change from {from} to {to}",
    ),
    (
        "workspace.rejected",
        "{who} 驳回了状态变更：「{from}」→「{to}」",
        "{who} rejected the change from {from} to {to}",
    ),
    (
        "workspace.owner_changed",
        "负责人 {from} → {to} · {reason} · 操作人 {who}",
        "Owner {from} → {to} · {reason} · by {who}",
    ),
    (
        "workspace.edited",
        "{who} 修改了客户资料",
        "{who} edited the customer",
    ),
    (
        "workspace.created",
        "{who} 创建了客户",
        "{who} created the customer",
    ),
    (
        "workspace.imported",
        "{who} 导入了客户",
        "{who} imported the customer",
    ),
    (
        "workspace.imported_from",
        "{who} 从文件「{file}」导入了客户",
        "{who} imported the customer from the file {file}",
    ),
    (
        "workspace.empty",
        "还没有任何动态。",
        "Nothing has happened yet.",
    ),
    (
        "workspace.empty_kind",
        "没有这一类动态。",
        "Nothing of this kind has happened yet.",
    ),
    ("workspace.newer", "← 较新", "← Newer"),
    ("workspace.older", "更早 →", "Older →"),
    (
        "workspace.beyond",
        "更早的联系记录见全部记录列表。",
        "Older contact records are on the list of all records.",
    ),
    ("workspace.before", "原值", "before"),
    ("workspace.after", "新值", "after"),
];
