//! Messages of business expenses and budgets (issue 14 point 1): claims, their approval,
//! receipts, budgets, the settings and the export.

pub static MESSAGES: &[(&str, &str, &str)] = &[
    ("field.expense_category", "费用类别", "Expense category"),
    // States.
    (
        "expense.state.pending_manager",
        "待经理审批",
        "Waiting for the manager",
    ),
    (
        "expense.state.pending_director",
        "待总监审批",
        "Waiting for the director",
    ),
    ("expense.state.approved", "已批准", "Approved"),
    ("expense.state.returned", "已退回", "Returned"),
    // The cost rule, stated once.
    (
        "expense.cost_rule",
        "销售成本 = 已批准的、类别被标记为“计入销售成本”的费用，按费用发生日期所在月份计入；待审批和已退回的费用不计入。",
        "Sales cost = approved expenses in the categories marked “counts as sales cost”, counted in the month the money was spent; pending and returned claims do not count.",
    ),
    // Errors.
    (
        "error.expense_amount_positive",
        "金额必须大于 0。",
        "The amount must be more than zero.",
    ),
    (
        "error.expense_date_future",
        "费用日期不能晚于今天。",
        "The date cannot be in the future.",
    ),
    (
        "error.expense_date_old",
        "费用日期不能早于 {arg} 天前。",
        "The date cannot be more than {arg} days ago.",
    ),
    (
        "error.expense_category",
        "不是有效的费用类别。",
        "Not one of the expense categories.",
    ),
    (
        "error.expense_on_behalf",
        "只能为自己报销，不能代他人报销。",
        "You can claim only your own expenses, not on someone else's behalf.",
    ),
    (
        "error.expense_own",
        "不能审批自己的报销。",
        "You cannot decide your own claim.",
    ),
    (
        "error.expense_link",
        "找不到该记录，或你无权查看。",
        "No such record, or you cannot see it.",
    ),
    (
        "error.expense_link_mismatch",
        "该商机或合同不属于所选客户。",
        "That deal or contract is not the chosen customer's.",
    ),
    (
        "error.expense_no_approver",
        "没有可审批的人：请管理员为报销人设置上级，或任命销售总监。",
        "Nobody can approve this: the administrator must give the claimant a manager or appoint a sales director.",
    ),
    (
        "error.expense_no_director",
        "销售总监职位空缺，超过限额的报销无法完成审批：请管理员任命销售总监。",
        "The sales director's position is vacant, so a claim above the threshold cannot be approved: the administrator must appoint a sales director.",
    ),
    (
        "error.expense_director_step",
        "这一步须由销售总监或副总审批。",
        "This step is for the sales director or the VP.",
    ),
    (
        "error.expense_not_returned",
        "只有被退回的报销才能修改后重新提交。",
        "Only a returned claim can be revised and resubmitted.",
    ),
    (
        "error.expense_already_approved",
        "该报销已批准。",
        "This claim is already approved.",
    ),
    (
        "error.expense_is_returned",
        "该报销已退回给报销人。",
        "This claim has been returned to the claimant.",
    ),
    (
        "error.expense_changed",
        "该报销刚被他人处理或已修改，请刷新后再试。",
        "Someone acted on this claim just now; reload and try again.",
    ),
    (
        "error.expense_receipts_many",
        "每笔报销最多 {arg} 张票据。",
        "At most {arg} receipts per claim.",
    ),
    (
        "error.attachment_mismatch",
        "文件扩展名与内容不符。",
        "The file's extension does not match its content.",
    ),
    (
        "error.budget_period",
        "期间格式为 2026、2026-Q4 或 2026-11。",
        "A period is written 2026, 2026-Q4 or 2026-11.",
    ),
    (
        "error.budget_period_closed",
        "该期间已结束，不能再设置预算。",
        "That period has ended; its budget can no longer be set.",
    ),
    ("error.budget_region", "没有这个区域。", "No such region."),
    // Notifications.
    (
        "notification.expense_submitted",
        "{who} 提交了一笔 {amount} 的费用报销，等待你审批。",
        "{who} asks you to approve an expense claim of {amount}.",
    ),
    (
        "notification.expense_approved",
        "{who} 批准了你 {amount} 的费用报销。",
        "{who} approved your expense claim of {amount}.",
    ),
    (
        "notification.expense_returned",
        "{who} 退回了你 {amount} 的费用报销：{comment}",
        "{who} returned your expense claim of {amount}: {comment}",
    ),
    // The audit log.
    ("audit.entity_expense", "费用报销", "Expense claim"),
    (
        "audit_action.expense.create",
        "提交费用报销",
        "Claimed an expense",
    ),
    (
        "audit_action.expense.approve",
        "批准费用报销",
        "Approved an expense claim",
    ),
    (
        "audit_action.expense.return",
        "退回费用报销",
        "Returned an expense claim",
    ),
    (
        "audit_action.expense.resubmit",
        "修改后重新提交费用报销",
        "Revised and resubmitted an expense claim",
    ),
    (
        "audit_action.expense.attach",
        "添加报销票据",
        "Added a receipt",
    ),
    (
        "audit_action.expense.budget",
        "设置费用预算",
        "Set an expense budget",
    ),
    (
        "audit_action.settings.expenses",
        "修改费用设置",
        "Changed the expense settings",
    ),
];
