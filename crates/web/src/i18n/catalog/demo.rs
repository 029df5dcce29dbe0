//! Messages of the living demo's pages: the dashboard's figures (issue 10, point 2) and the
//! customer list's empty states (issue 10, point 1).

pub static MESSAGES: &[(&str, &str, &str)] = &[
    // the customer list, empty
    (
        "customers.empty_none",
        "还没有客户——新建一个，或导入一个文件。",
        "No customers yet — add one or import a file.",
    ),
    (
        "customers.empty_filtered",
        "没有客户同时符合以下筛选条件：",
        "No customers match all of these filters:",
    ),
    (
        "customers.clear_filters",
        "清除筛选条件，查看全部客户",
        "Clear the filters and see all customers",
    ),
    (
        "customers.figure_filters",
        "工作台数字的筛选条件：",
        "Filtered as the dashboard figure:",
    ),
    (
        "customers.filter_pair",
        "{label}：{value}",
        "{label}: {value}",
    ),
    (
        "customers.filter_text",
        "名称、简称或联系人包含“{q}”",
        "Name, short name or a contact contains “{q}”",
    ),
    (
        "customers.filter_created_from",
        "{date} 及以后创建",
        "Created on or after {date}",
    ),
    (
        "customers.filter_overdue",
        "跟进已逾期",
        "Follow-up overdue",
    ),
    (
        "customers.filter_due_today",
        "今天待跟进",
        "Follow-up due today",
    ),
    (
        "customers.filter_no_owner",
        "无负责人（公海）",
        "No owner (in the pool)",
    ),
    (
        "customers.filter_requested_by",
        "有 {name} 提交、等待审批的状态申请",
        "A status request by {name} awaits a decision",
    ),
    // the dashboard
    (
        "dashboard.customers_by_status",
        "客户（按状态）",
        "Customers by status",
    ),
    ("dashboard.total", "合计", "Total"),
    ("dashboard.new_customers", "新增客户", "New customers"),
    ("dashboard.new_week", "本周新增", "New this week"),
    ("dashboard.new_month", "本月新增", "New this month"),
    ("dashboard.since", "自 {date}", "since {date}"),
    ("dashboard.followups", "跟进", "Follow-ups"),
    ("dashboard.overdue", "已逾期", "Overdue"),
    ("dashboard.due_today", "今天到期", "Due today"),
    ("dashboard.review", "待定期整理", "Due for review"),
    (
        "dashboard.followup_list",
        "打开待跟进列表",
        "Open the follow-up list",
    ),
    (
        "dashboard.requests",
        "状态审批与公海",
        "Approvals and the pool",
    ),
    (
        "dashboard.approvals_waiting",
        "等我审批",
        "Waiting for my approval",
    ),
    (
        "dashboard.my_pending",
        "我提交、待审批",
        "My requests awaiting a decision",
    ),
    ("dashboard.pool", "公海客户", "Customers in the pool"),
    ("dashboard.by_region", "各区域", "By region"),
    ("dashboard.by_person", "各负责人", "By person"),
    ("dashboard.no_region", "未分配区域", "No region"),
    ("dashboard.no_owner", "无负责人（公海）", "No owner (pool)"),
    ("audit_action.demo.load", "载入演示数据", "Demo data loaded"),
    ("field.status_requests", "状态申请数", "Status requests"),
];
