//! Messages of importing contracts and payments (issue 13 point 7, helper "cimport").

pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("page.cimport_contracts", "导入合同", "Import contracts"),
    ("page.cimport_payments", "导入回款", "Import payments"),
    ("import.kind.contracts", "合同导入", "Contract import"),
    ("import.kind.payments", "回款导入", "Payment import"),
    (
        "cimport.link_contracts",
        "从 CSV/XLSX 导入合同",
        "Import contracts from CSV/XLSX",
    ),
    (
        "cimport.link_payments",
        "从 CSV/XLSX 导入回款",
        "Import payments from CSV/XLSX",
    ),
    (
        "cimport.intro.contracts",
        "每行一份合同：客户（名称或统一社会信用代码）、合同编号、合同名称、签约日期、含税金额，可选税率、状态、负责人、产品编码和回款计划。先预览并确认每列对应的字段，再导入；有错误的行会列出行号、列、错误的值和允许的值。",
        "One contract per row: the customer (name or USCC), contract number, title, signing date and tax-inclusive amount; optionally the VAT rate, status, owner, product code and payment plan. Preview and confirm what each column holds, then import; refused rows are listed with their row, column, the bad value and what is allowed.",
    ),
    (
        "cimport.intro.payments",
        "每行一笔回款：合同编号、回款日期、回款金额，可选付款方式或备注。回款按记录回款的规则分配到最早到期的分期；超出未收金额或早于签约日期的行会被拒绝。",
        "One payment received per row: the contract number, the date and the amount; optionally the method or a note. Payments are allocated as recording one allocates them, oldest due instalment first; a row paying more than is open or dated before the contract is refused.",
    ),
    (
        "cimport.hint.contracts",
        "默认全部成功才导入（也可选择只导入有效行），一次事务完成。状态默认“已签约”：签约后客户进入“已签约”；超过审批金额的合同待总监审批。未填回款计划的已签约合同按签约日一次性到期。",
        "By default all rows or none are imported (or choose the valid rows only), in one transaction. The status is “signed” unless given: the customer becomes signed; a contract above the approval threshold waits for the director. A signed contract without a plan is due in full on its signing date.",
    ),
    (
        "cimport.hint.payments",
        "合同编号可以是导入时的合同编号，也可以是系统编号（如 HT-000042）。只能导入你有权记录回款的合同的回款。",
        "The contract number is the one it was imported with or the system's (such as HT-000042). Only payments on contracts you may record payments on can be imported.",
    ),
    (
        "cimport.notes.contracts",
        "状态填“已签约”（signed）或“草稿”（draft）；税率如 13% 或 6，默认 13%；金额可写 1234567.89、1,234,567.89 或 123.4万；回款计划写成“日期 金额; 日期 金额”，合计须等于合同金额。负责人填登录名或姓名，默认客户的负责人。",
        "Status: “signed” or “draft”; VAT rate such as 13% or 6, 13% when empty; amounts as 1234567.89, 1,234,567.89 or 123.4万; payment plan as “date amount; date amount”, summing exactly to the contract amount. Owner: a login or name, the customer's owner when empty.",
    ),
    (
        "cimport.notes.payments",
        "每行一笔回款；同一合同的多笔回款按文件顺序分配。日期写成 2026-11-27；金额可写 1234567.89、1,234,567.89 或 123.4万。",
        "One payment per row; several payments on a contract are allocated in file order. Dates as 2026-11-27; amounts as 1234567.89, 1,234,567.89 or 123.4万.",
    ),
    ("cimport.line_imported", "导入的合同总额", "Imported total"),
    ("cimport.col.contract_number", "合同编号", "Contract number"),
    ("cimport.col.contract_title", "合同名称", "Contract title"),
    ("cimport.col.signing_date", "签约日期", "Signing date"),
    (
        "cimport.col.contract_amount",
        "合同金额（含税）",
        "Amount (incl. tax)",
    ),
    ("cimport.col.tax_rate", "税率", "VAT rate"),
    ("cimport.col.contract_status", "合同状态", "Contract status"),
    ("cimport.col.product", "产品编码", "Product code"),
    ("cimport.col.plan", "回款计划", "Payment plan"),
    ("cimport.col.received_on", "回款日期", "Date received"),
    ("cimport.col.payment_amount", "回款金额", "Amount received"),
    (
        "cimport.col.payment_reference",
        "付款方式/备注",
        "Method / note",
    ),
    (
        "error.cimport_contract_columns",
        "合同文件需要这些列：客户名称或统一社会信用代码、合同编号、合同名称、签约日期、合同金额。",
        "A contracts file needs these columns: customer name or USCC, contract number, contract title, signing date, amount.",
    ),
    (
        "error.cimport_payment_columns",
        "回款文件需要这些列：合同编号、回款日期、回款金额。",
        "A payments file needs these columns: contract number, date received, amount received.",
    ),
    (
        "error.cimport_status",
        "状态“{arg}”无效，可填：已签约（signed）、草稿（draft）。",
        "Status “{arg}” is not valid; allowed: signed (已签约), draft (草稿).",
    ),
    (
        "error.cimport_unknown_owner",
        "找不到在职的销售人员“{arg}”（填登录名或姓名）。",
        "No active salesperson “{arg}” (give a login or a name).",
    ),
    (
        "error.cimport_unknown_product",
        "产品编码“{arg}”不在已启用的产品列表中。",
        "Product code “{arg}” is not an active product of the list.",
    ),
    (
        "error.cimport_number_in_db",
        "合同编号“{arg}”已被使用。",
        "Contract number “{arg}” is already taken.",
    ),
    (
        "error.cimport_customer_archived",
        "客户“{arg}”已归档，不能签合同。",
        "Customer “{arg}” is archived; it cannot take a contract.",
    ),
    (
        "error.cimport_customer_invalid",
        "客户“{arg}”是无效客户，不能签合同。",
        "Customer “{arg}” is invalid; it cannot take a contract.",
    ),
    (
        "error.cimport_not_yours",
        "你不能为{arg}负责的客户导入合同（只有负责人和经理可以）。",
        "You may not import a contract owned by {arg} (only the owner and the managers may).",
    ),
    (
        "error.cimport_plan_pending",
        "金额超过审批线，导入后待总监审批；审批通过后再设回款计划（请留空）。",
        "Above the approval threshold the contract waits for the director; set its plan once approved (leave it empty).",
    ),
    (
        "error.cimport_contract_not_found",
        "找不到合同“{arg}”（按合同编号查找你可见的合同）。",
        "No contract “{arg}” found (looked up by number among the contracts you see).",
    ),
    (
        "error.cimport_payment_not_yours",
        "你不能记录合同“{arg}”的回款（只有负责人和经理可以）。",
        "You may not record payments on contract “{arg}” (only its owner and the managers may).",
    ),
    ("contract.import", "导入合同", "Import contract"),
    (
        "contract.import_run",
        "完成合同导入",
        "Finish contract import",
    ),
    (
        "contract.payment_import_run",
        "完成回款导入",
        "Finish payment import",
    ),
    (
        "audit_action.contract.import",
        "导入合同",
        "Import contract",
    ),
    (
        "audit_action.contract.import_run",
        "完成合同导入",
        "Finish contract import",
    ),
    (
        "audit_action.contract.payment_import_run",
        "完成回款导入",
        "Finish payment import",
    ),
];
