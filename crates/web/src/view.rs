//! What every page shares: the layout (navigation by position, language, flash message), form
//! error display, and the Chinese display conventions (Asia/Shanghai times, `2026-11-27` dates).

use std::collections::HashMap;

use askama::Template;
use axum::response::Response;
use chrono::{DateTime, Utc};
use salesdesk_app::Ctx;
use salesdesk_domain::{Capability, FieldErrors};

use crate::AppState;
use crate::i18n::{Lang, Tr};

/// One entry of the navigation.
#[derive(Debug, Clone)]
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub active: bool,
    /// A count shown beside the label (approvals waiting); 0 shows none.
    pub badge: u64,
}

/// The signed-in person as the header shows them.
#[derive(Debug, Clone)]
pub struct NavUser {
    pub name: String,
    pub role: String,
    pub nav: Vec<NavItem>,
    pub unread: u64,
}

/// The frame of every page.
#[derive(Debug, Clone)]
pub struct Layout {
    pub tr: Tr,
    pub title: String,
    pub user: Option<NavUser>,
    pub flash: Option<String>,
}

impl Layout {
    /// The layout of a page without a signed-in person (login, errors).
    pub fn bare(lang: Lang, title_key: &str) -> Layout {
        Layout {
            tr: Tr(lang),
            title: Tr(lang).t(title_key).to_string(),
            user: None,
            flash: None,
        }
    }

    /// The layout for a signed-in person: navigation depends on what their position may do.
    pub async fn for_user(s: &AppState, ctx: &Ctx, active: &str, title_key: &str) -> Layout {
        let tr = Tr(Lang::from_code(&ctx.locale));
        let mut nav = vec![("/", "nav.dashboard", "dashboard")];
        if !matches!(ctx.actor.data_scope(), salesdesk_domain::DataScope::Nothing) {
            nav.push(("/customers", "nav.customers", "customers"));
            nav.push(("/followups", "nav.followups", "followups"));
            nav.push(("/presales", "nav.presales", "presales"));
            nav.push(("/trials", "nav.trials", "trials"));
            nav.push(("/deals/board", "nav.deals", "deals"));
            nav.push(("/contracts", "nav.contracts", "contracts"));
            if salesdesk_app::settings::get(&s.app)
                .await
                .is_ok_and(|x| x.pool_enabled)
            {
                nav.push(("/pool", "nav.pool", "pool"));
            }
        }
        if ctx.actor.position.is_some() {
            nav.push(("/expenses", "nav.expenses", "expenses"));
        }
        if ctx.actor.position.is_some_and(|p| p.is_manager()) {
            nav.push(("/approvals", "nav.approvals", "approvals"));
            nav.push((
                "/trials/dashboard",
                "nav.trials_dashboard",
                "trials_dashboard",
            ));
        }
        nav.extend([
            ("/people", "nav.people", "people"),
            ("/regions", "nav.regions", "regions"),
        ]);
        if ctx.actor.position == Some(salesdesk_domain::Position::RegionalManager) {
            nav.push(("/assignment", "nav.assignment", "assignment"));
        }
        if ctx.actor.can(Capability::ViewAudit) {
            nav.push(("/audit", "nav.audit", "audit"));
        }
        if ctx.actor.can(Capability::ManageLoginThrottles) {
            nav.push(("/login-throttles", "nav.login_throttles", "login_throttles"));
        }
        if ctx.actor.can(Capability::ManageSettings) {
            nav.push(("/settings/customers", "nav.settings", "settings"));
        }
        let approvals = salesdesk_app::dashboard::approvals_badge(&s.app, ctx)
            .await
            .unwrap_or(0)
            + salesdesk_app::quotes::waiting_count(&s.app, ctx)
                .await
                .unwrap_or(0);
        let trials = salesdesk_app::trials::open_count(&s.app, ctx)
            .await
            .unwrap_or(0);
        let contracts = salesdesk_app::contracts::pending_count(&s.app, ctx)
            .await
            .unwrap_or(0);
        let expenses = salesdesk_app::expenses::waiting_count(&s.app, ctx)
            .await
            .unwrap_or(0);
        let nav = nav
            .into_iter()
            .map(|(href, key, id)| NavItem {
                href,
                label: tr.t(key),
                active: id == active,
                badge: match id {
                    "approvals" => approvals,
                    "trials" => trials,
                    "contracts" => contracts,
                    "expenses" => expenses,
                    _ => 0,
                },
            })
            .collect();
        let unread = salesdesk_app::notifications::unread_count(&s.app, ctx)
            .await
            .unwrap_or(0);
        Layout {
            tr,
            title: tr.t(title_key).to_string(),
            user: Some(NavUser {
                name: ctx.display_name.clone(),
                role: role_label(tr, ctx),
                nav,
                unread,
            }),
            flash: None,
        }
    }

    pub fn t(&self, key: &str) -> &'static str {
        self.tr.t(key)
    }

    pub fn lang(&self) -> &'static str {
        self.tr.0.code()
    }

    /// "At most 100 characters": the limit a text field states.
    pub fn max_chars(&self, n: &usize) -> String {
        self.tr.tf("form.max_chars", &[("n", &n.to_string())])
    }

    /// A value typed before the national lists existed, marked as such.
    pub fn legacy(&self, text: &str) -> String {
        self.tr.tf("geo.legacy", &[("text", text)])
    }

    /// "：" on a Chinese page, ": " on an English one (between a label and its value).
    pub fn colon(&self) -> &'static str {
        crate::readable::colon(self.tr)
    }

    /// "、" on a Chinese page, ", " on an English one (between the items of a list).
    pub fn list_sep(&self) -> &'static str {
        crate::readable::list_sep(self.tr)
    }

    /// Sets the flash message from a `?ok=` key (only known keys are shown).
    pub fn with_flash(mut self, ok: Option<&str>) -> Layout {
        self.flash = ok
            .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
            .map(|k| self.tr.t(&format!("flash.{k}")).to_string())
            .filter(|s| !s.starts_with('⟦'));
        self
    }
}

/// "销售副总经理", or "系统管理员" for an administrator without a sales position.
pub fn role_label(tr: Tr, ctx: &Ctx) -> String {
    match ctx.actor.position {
        Some(p) => tr.t(p.label_key()).to_string(),
        None if ctx.actor.is_admin => tr.t("role.admin").to_string(),
        None => String::new(),
    }
}

/// Field errors of a form, translated, looked up by field name in the template.
#[derive(Debug, Clone, Default)]
pub struct FormErrors(HashMap<String, String>);

impl FormErrors {
    pub fn from(errs: &FieldErrors, tr: Tr) -> FormErrors {
        FormErrors(
            errs.0
                .iter()
                .map(|e| (e.field.clone(), tr.field(e.code, e.arg.as_deref())))
                .collect(),
        )
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.0.get(field).map(String::as_str)
    }

    pub fn any(&self) -> bool {
        !self.0.is_empty()
    }
}

/// Renders a template to a response.
pub fn render(t: &impl Template) -> Response {
    crate::error::html(t.render())
}

/// A file download: the body, its type, and a file name (UTF-8 names per RFC 6266/5987).
/// A stored attachment (a contract scan, a receipt) as a download: its content type named only
/// when it is one an attachment may be (anything else is plain bytes), `nosniff`, and
/// `Content-Disposition: attachment`.
pub fn stored_file(bytes: Vec<u8>, content_type: &str, file: &str) -> Response {
    let ct: &'static str = match content_type {
        "application/pdf" => "application/pdf",
        "image/png" => "image/png",
        "image/jpeg" => "image/jpeg",
        _ => "application/octet-stream",
    };
    let mut r = download(bytes, ct, file);
    r.headers_mut().insert(
        axum::http::header::X_CONTENT_TYPE_OPTIONS,
        axum::http::HeaderValue::from_static("nosniff"),
    );
    r
}

pub fn download(
    body: impl axum::response::IntoResponse,
    content_type: &'static str,
    file: &str,
) -> Response {
    use axum::http::{HeaderValue, header};
    let mut r = body.into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    let ascii: String = file
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        url_encode(file).replace('/', "%2F")
    )) {
        r.headers_mut().insert(header::CONTENT_DISPOSITION, v);
    }
    r
}

/// A time in the company's zone, `2026-11-27 14:05`.
pub fn fmt_time(t: DateTime<Utc>) -> String {
    t.with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string()
}

/// Percent-encodes a string for a query parameter.
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// A pager: the current page, the total pages, and the links (query string kept).
#[derive(Debug, Clone)]
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    /// The count stopped early: there may be pages past `pages`.
    pub more: bool,
    pub total: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `base` is the query string without `page=`; it is escaped already.
    pub fn new<T>(p: &salesdesk_app::Paged<T>, path: &str, base: &str) -> Pager {
        let link = |n: u64| {
            if base.is_empty() {
                format!("{path}?page={n}")
            } else {
                format!("{path}?{base}&page={n}")
            }
        };
        let pages = p.pages();
        Pager {
            page: p.page.number,
            pages,
            more: !p.total_exact,
            total: p.total,
            prev: (p.page.number > 1).then(|| link(p.page.number - 1)),
            next: (p.page.number < pages).then(|| link(p.page.number + 1)),
        }
    }
}

/// Builds a query string from the non-empty pairs.
pub fn query_string(pairs: &[(&str, Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| {
            v.as_ref()
                .filter(|v| !v.is_empty())
                .map(|v| format!("{k}={}", url_encode(v)))
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Only a local path may be a redirect target after login (see the `redirect` module).
pub use crate::redirect::safe_next;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_in_shanghai_time() {
        let t = DateTime::parse_from_rfc3339("2026-11-26T18:30:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(fmt_time(t), "2026-11-27 02:30");
    }
}
