//! Messages of the helper "presales" (issue 12): the jobs page, the calendar feed, pre-sales
//! follow-up calls and the trials dashboard.

pub static MESSAGES: &[(&str, &str, &str)] = &[
    // --- the jobs page (issue 12 point 5) ---
    ("page.settings_jobs", "后台任务", "Background jobs"),
    (
        "jobs.hint",
        "提醒、升级、备份等都作为后台任务执行；失败的任务在这里显示错误原因，可以立即重试。",
        "Reminders, escalations, backups and the like run as background jobs; a failed job shows its error here and can be retried at once.",
    ),
    ("jobs.state", "状态", "State"),
    ("jobs.state_all", "全部", "All"),
    ("jobs.state_queued", "排队中", "Queued"),
    ("jobs.state_running", "执行中", "Running"),
    ("jobs.state_failed", "失败", "Failed"),
    ("jobs.state_done", "已完成", "Done"),
    ("jobs.id", "编号", "No."),
    ("jobs.kind", "类型", "Kind"),
    ("jobs.attempts", "尝试次数", "Attempts"),
    ("jobs.run_at", "计划执行时间", "Due at"),
    ("jobs.updated_at", "最近变化", "Last change"),
    ("jobs.last_error", "最近一次错误", "Last error"),
    ("jobs.retry", "立即重试", "Retry now"),
    ("jobs.none", "没有此状态的任务。", "No jobs in this state."),
    ("jobs.schedules", "定时任务", "Schedules"),
    ("jobs.schedule_name", "名称", "Name"),
    ("jobs.cadence", "周期", "Cadence"),
    ("jobs.last_run", "上次执行", "Last run"),
    ("jobs.next_run", "下次执行", "Next run"),
    ("jobs.schedule_off", "已停用", "off"),
    ("jobs.no_schedules", "没有定时任务。", "No schedules."),
    (
        "flash.job_retried",
        "任务已重新排队，几秒内执行。",
        "The job is queued again and runs within seconds.",
    ),
    (
        "error.job_state",
        "状态只能是 queued、running、failed 或 done。",
        "The state must be queued, running, failed or done.",
    ),
    (
        "error.job_not_failed",
        "该任务不是失败状态（可能已被重试），无需重试。",
        "The job is not failed (it may have been retried already).",
    ),
    ("audit_action.job.retry", "重试后台任务", "Background job retried"),
    // --- the calendar feed (issue 12 point 8) ---
    ("account.calendar_feed", "日历订阅", "Calendar subscription"),
    (
        "account.calendar_feed_hint",
        "把这个私人网址加到 Outlook、苹果日历或谷歌日历的“订阅日历”中，就能看到自己的跟进计划。网址相当于密码，请勿分享；泄露时请重新生成。",
        "Add this private address to Outlook, Apple Calendar or Google Calendar as a subscribed calendar to see your follow-ups there. The address works like a password: do not share it; if it leaks, issue a new one.",
    ),
    (
        "account.calendar_feed_new",
        "新的订阅网址如下。请现在复制，它只显示这一次；之前的网址已失效。",
        "Here is the new address. Copy it now: it is shown only this once. Any earlier address has stopped working.",
    ),
    ("account.calendar_feed_url", "订阅网址", "Subscription address"),
    ("account.calendar_feed_issued", "当前网址生成于", "Current address issued"),
    ("account.calendar_feed_none", "还没有订阅网址。", "No subscription address yet."),
    ("account.calendar_feed_issue", "生成订阅网址", "Create an address"),
    ("account.calendar_feed_reissue", "重新生成（旧网址失效）", "Issue a new address (the old one stops)"),
    ("account.calendar_feed_revoke", "停用订阅", "Revoke"),
    (
        "flash.calendar_feed_revoked",
        "日历订阅已停用，原网址不再可用。",
        "The calendar subscription is revoked; its address no longer works.",
    ),
    ("ical.calendar_name", "{name}的销售日程", "{name} – sales calendar"),
    ("ical.followup", "跟进：{customer}", "Follow up: {customer}"),
    (
        "ical.followup_hint",
        "计划联系客户（来自客户的下次联系日期）。",
        "Planned contact (the customer's next contact date).",
    ),
    (
        "audit_action.calendar_feed.issue",
        "生成日历订阅网址",
        "Calendar feed address issued",
    ),
    (
        "audit_action.calendar_feed.revoke",
        "停用日历订阅",
        "Calendar feed revoked",
    ),
];
