//! Messages of the batch create (issue 11, `POST /api/v1/customers/batch`).

pub static MESSAGES: &[(&str, &str, &str)] = &[
    (
        "error.duplicate_in_batch",
        "与本批第 {arg} 项重复（名称或统一社会信用代码相同）。",
        "Duplicates item {arg} of this batch (same name or credit code).",
    ),
    (
        "error.duplicate_owned_by",
        "已有相同的客户（名称或统一社会信用代码相同），负责人：{arg}。",
        "This customer exists already (same name or credit code); its owner is {arg}.",
    ),
    (
        "error.likely_duplicate_of",
        "可能与已有客户「{arg}」是同一家公司；若不是，请加 \"distinct\": true 再提交。",
        "Likely the same company as the existing customer “{arg}”; if not, send again with \"distinct\": true.",
    ),
    (
        "error.gen_no_people",
        "没有有上级的销售人员：请先运行 salesdesk gen 生成组织。",
        "No salesperson with a manager: run salesdesk gen to make the organisation first.",
    ),
];
