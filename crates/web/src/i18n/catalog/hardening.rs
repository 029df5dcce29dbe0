//! Messages added by the hardening work (issue 9): API problems, races, logins, imports.

pub static MESSAGES: &[(&str, &str, &str)] = &[
    (
        "error.collision",
        "另一项修改同时在处理相同的记录，本次未保存任何内容，请重试。",
        "Another change to the same records was being saved at the same moment; nothing was saved. Please try again.",
    ),
    (
        "error.json_type",
        "类型或取值不符合接口定义。",
        "Wrong type or value for this field.",
    ),
    (
        "problem.method_not_allowed",
        "此地址不支持该请求方法。",
        "This address does not take that method.",
    ),
    (
        "problem.idempotency_in_progress",
        "使用同一 Idempotency-Key 的请求仍在处理中，请稍后重试。",
        "A request with the same Idempotency-Key is still running; retry shortly.",
    ),
    (
        "problem.idempotency_mismatch",
        "此 Idempotency-Key 已用于另一个请求。",
        "This Idempotency-Key was used for another request.",
    ),
    (
        "error.idempotency_key",
        "Idempotency-Key 须为 1 至 255 个可见 ASCII 字符。",
        "An Idempotency-Key is 1 to 255 visible ASCII characters.",
    ),
    // --- hardening: lead ---
    (
        "record.contact_removed",
        "{name}（已删除）",
        "{name} (removed)",
    ),
    ("punct.list_sep", "、", ", "),
    // --- hardening: races ---
    (
        "error.filter_name_taken",
        "你已有一个同名的筛选。",
        "You already have a filter of this name.",
    ),
    (
        "error.primary_taken",
        "该客户的主要联系人刚被别人设置了，请刷新后再试。",
        "Someone has just set this customer's primary contact; reload and try again.",
    ),
    (
        "error.region_managers_only",
        "客户的区域只能由经理更改。",
        "Only a manager may change a customer's region.",
    ),
    (
        "error.owner_managers_only",
        "客户的负责人只能由经理更改。",
        "Only a manager may change a customer's owner.",
    ),
    (
        "error.version_format",
        "版本号应为一个带引号的整数（If-Match: \"3\"），并与请求内容中的 version 一致。",
        "The version must be one quoted integer (If-Match: \"3\") and agree with the body's version.",
    ),
    (
        "problem.stale",
        "记录已被别人修改",
        "The record was changed by someone else",
    ),
    (
        "problem.stale_detail",
        "你读取之后，别人修改了这条记录；没有保存任何内容。changed 列出了这些字段的当前值。",
        "Someone changed the record after you read it; nothing was saved. changed lists those fields with their values now.",
    ),
    (
        "customer.marked_duplicate",
        "启用“一个名称一位客户”规则时发现此记录与另一条客户记录重复；请经理将两者合并：",
        "When the one-customer-per-name rule came in, this record was found to duplicate another; a manager should merge the two:",
    ),
    (
        "customer.stale_notice",
        "你打开表单后，别人修改了这位客户；没有保存。以下是现在的值，核对后再次保存将覆盖它们：",
        "Someone changed this customer after you opened the form; nothing was saved. These are the values now — saving again will replace them:",
    ),
    // --- hardening: login ---
    (
        "problem.throttled_until",
        "登录失败次数过多，请 {wait}后再试（{until} 之后）。",
        "Too many failed logins: try again in {wait} (after {until}).",
    ),
    ("login_throttle.wait_seconds", "{n} 秒", "{n} seconds"),
    ("login_throttle.wait_minutes", "{n} 分钟", "{n} minutes"),
    ("nav.login_throttles", "登录限制", "Login throttles"),
    ("page.login_throttles", "登录限制", "Login throttles"),
    (
        "login_throttle.hint",
        "登录失败过多的登录名、来源地址和已知设备：再次尝试需等待，等待时间随每次失败加倍。清除后可立即再试。从已知设备登录不受登录名和地址的限制。",
        "Logins, client addresses and known devices with too many failed logins: the next attempt must wait, twice as long after each failure. Clearing one lets the next attempt through at once. Logging in from a known device is not held back by the login or the address.",
    ),
    (
        "login_throttle.none",
        "目前没有登录限制。",
        "No login is being held back.",
    ),
    ("login_throttle.kind", "类型", "Kind"),
    (
        "login_throttle.key",
        "登录名 / 地址 / 设备",
        "Login / address / device",
    ),
    ("login_throttle.failures", "连续失败", "Failures in a row"),
    ("login_throttle.last_attempt", "最近尝试", "Last attempt"),
    ("login_throttle.blocked_until", "需等待至", "Waits until"),
    ("login_throttle.not_waiting", "现在即可尝试", "May try now"),
    ("login_throttle.kind_account", "登录名", "Login"),
    ("login_throttle.kind_address", "来源地址", "Address"),
    ("login_throttle.kind_device", "已知设备", "Known device"),
    ("login_throttle.clear", "清除", "Clear"),
    (
        "flash.throttle_cleared",
        "已清除该登录限制。",
        "Login throttle cleared.",
    ),
    (
        "audit_action.login_throttle.clear",
        "清除登录限制",
        "Login throttle cleared",
    ),
    (
        "audit_action.login_throttle.start",
        "登录开始限速",
        "Login throttling started",
    ),
    // --- hardening: import ---
    (
        "import.status.removing",
        "未完成，正在撤销已写入的行",
        "Not finished: removing the rows it wrote",
    ),
];
