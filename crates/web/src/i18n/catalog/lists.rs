//! Messages of the lists' saved filters and exports of deals, contracts and receivables
//! (issue 13 point 7).

pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("export.file.customers", "客户", "customers"),
    ("export.file.deals", "商机", "deals"),
    ("export.file.contracts", "合同", "contracts"),
    ("export.file.receivables", "应收账款", "receivables"),
    ("export.col.deal", "商机名称", "Deal"),
    ("export.col.customer", "客户名称", "Customer"),
    ("export.col.stage", "阶段", "Stage"),
    ("export.col.state", "状态", "State"),
    ("export.col.amount", "预计金额", "Estimated amount"),
    ("export.col.probability", "赢单概率", "Probability"),
    ("export.col.weighted", "加权金额", "Weighted amount"),
    (
        "export.col.expected_sign_date",
        "预计签约日期",
        "Expected signing date",
    ),
    ("export.col.number", "合同编号", "Contract number"),
    ("export.col.title", "合同名称", "Title"),
    ("export.col.contract_status", "合同状态", "Status"),
    ("export.col.total", "合同金额（含税）", "Total (incl. tax)"),
    ("export.col.total_excl", "不含税金额", "Total (excl. tax)"),
    ("export.col.tax", "税额", "Tax"),
    ("export.col.invoiced", "已开票金额", "Invoiced"),
    ("export.col.signing_date", "签约日期", "Signing date"),
    ("export.col.signed_at", "生效时间", "Signed at"),
    ("deal.export", "导出商机", "Export deals"),
    ("contract.export", "导出合同", "Export contracts"),
    ("audit_action.deal.export", "导出商机", "Deals exported"),
    (
        "audit_action.contract.export",
        "导出合同",
        "Contracts exported",
    ),
    (
        "audit_action.receivable.export",
        "导出应收账款",
        "Receivables exported",
    ),
    ("audit.entity_receivable", "应收账款", "Receivables"),
];
