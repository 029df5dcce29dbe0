//! Messages of archiving customers and the recycle bin (issue 10, point 4).

pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("page.archive", "归档客户", "Archive customer"),
    ("page.archived", "回收站", "Recycle bin"),
    ("page.restore", "恢复客户", "Restore customer"),
    ("action.archive", "归档", "Archive"),
    ("action.confirm_archive", "确认归档", "Archive it"),
    ("action.restore", "恢复", "Restore"),
    ("customers.bin", "回收站", "Recycle bin"),
    (
        "archive.what",
        "「{name}」将被归档，可在 {until} 之前恢复。",
        "“{name}” will be archived; it can be restored until {until}.",
    ),
    (
        "archive.leaves",
        "它将从客户列表、搜索、首页统计、公海和待跟进中消失，也不会再提醒跟进。",
        "It leaves the customer lists, search, the dashboard figures, the pool and the follow-ups.",
    ),
    (
        "archive.keeps",
        "它的联系人、联系记录、状态历史和负责人变更都随它保留，恢复后原样回来。",
        "Its contacts, contact records, status history and owner changes stay with it and come back when it is restored.",
    ),
    (
        "archive.restorable",
        "经理可在回收站中恢复它，之后将被永久删除：",
        "A manager can restore it from the recycle bin; after that it is deleted for good:",
    ),
    (
        "archive.reason_hint",
        "可不填，最多 200 个字符；回收站和操作日志会显示。",
        "Optional, at most 200 characters; shown in the recycle bin and the audit log.",
    ),
    (
        "archive.menu_hint",
        "从所有列表中移除，可在回收站恢复。",
        "Removes it from every list; restorable from the recycle bin.",
    ),
    (
        "archive.restore_it",
        "到回收站恢复它",
        "Restore it from the recycle bin",
    ),
    ("field.archive_reason", "归档原因", "Reason"),
    ("field.archived", "已归档", "Archived"),
    ("field.archived_at", "归档时间", "Archived at"),
    ("field.archived_by", "归档人", "Archived by"),
    ("field.reason", "原因", "Reason"),
    (
        "archived.hint",
        "已归档的客户保留在这里，到期后永久删除。保留期：",
        "Archived customers stay here, then are deleted for good. Kept for:",
    ),
    (
        "archived.none",
        "回收站是空的。",
        "The recycle bin is empty.",
    ),
    ("archived.by", "归档人", "Archived by"),
    ("archived.at", "归档时间", "Archived at"),
    ("archived.purge", "永久删除时间", "Deleted for good after"),
    (
        "restore.what",
        "恢复后，这个客户和它的联系人、记录回到列表、搜索和统计中，负责人不变。",
        "Once restored, the customer and its contacts and records are back in the lists, search and figures, with the same owner.",
    ),
    (
        "flash.archived",
        "客户已归档，可在回收站恢复。",
        "The customer was archived; it can be restored from the recycle bin.",
    ),
    (
        "flash.restored",
        "客户已恢复。",
        "The customer was restored.",
    ),
    (
        "error.archive_pending",
        "这个客户有待审批的状态申请，请等审批完成后再归档。",
        "This customer has a status request waiting for approval; archive it once the request is decided.",
    ),
    (
        "error.already_archived",
        "这个客户已被归档。",
        "This customer is archived already.",
    ),
    (
        "error.not_archived",
        "这个客户没有被归档（可能已被他人恢复）。",
        "This customer is not archived (someone may have restored it).",
    ),
    (
        "problem.duplicate_archived",
        "已归档的客户使用了这个名称或统一社会信用代码，请恢复它，而不是重新创建。",
        "An archived customer has this name or USCC: restore it instead of creating it again.",
    ),
    (
        "settings.archive",
        "归档与回收站",
        "Archive and recycle bin",
    ),
    (
        "settings.archive_retention_days",
        "回收站保留天数",
        "Days in the recycle bin",
    ),
    (
        "settings.archive_retention_hint",
        "归档的客户在回收站中保留这么多天，之后连同联系人和记录永久删除（1–3650 天）。",
        "Archived customers stay restorable this many days, then are deleted for good with their contacts and records (1–3650 days).",
    ),
    (
        "audit_action.customer.archive",
        "归档客户",
        "Archived customer",
    ),
    (
        "audit_action.customer.restore",
        "恢复客户",
        "Restored customer",
    ),
    (
        "audit_action.customer.purge",
        "永久删除客户",
        "Deleted customer for good",
    ),
    (
        "workspace.archived",
        "{who} 归档了客户",
        "{who} archived the customer",
    ),
    (
        "workspace.restored",
        "{who} 恢复了客户",
        "{who} restored the customer",
    ),
];
