//! Readable history: what the audit log, its CSV export and a customer's history show instead
//! of codes and ids. Names come from `app::audit::Names` (loaded in one batch per page), labels
//! from the catalog, times in the company zone. Every page that shows a change uses these, so a
//! status reads "基础客户 / Basic" and an owner reads as a name everywhere.

use salesdesk_app::audit::{CUSTOMER_FIELDS, MASK, Names, PERSON_FIELDS, REGION_FIELDS};
use salesdesk_app::choices::{self, Choice};
use salesdesk_domain::Position;
use salesdesk_domain::customer::{
    AssignRule, CompanySize, ContactKind, CustomerStatus, InvalidReason, ProfileItem,
};
use salesdesk_domain::money::Money;
use serde_json::Value;

use crate::i18n::{Lang, Tr};
use crate::view::fmt_time;

/// ": " in English, "：" in Chinese — between a label and its value.
pub fn colon(tr: Tr) -> &'static str {
    match tr.lang() {
        Lang::En => ": ",
        Lang::Zh => "：",
    }
}

/// ", " in English, "、" in Chinese — between the items of a list in running text.
pub fn list_sep(tr: Tr) -> &'static str {
    match tr.lang() {
        Lang::En => ", ",
        Lang::Zh => "、",
    }
}

/// The catalog's text for `key`, or `fallback` when the catalog has no such key.
fn known(tr: Tr, key: &str, fallback: &str) -> String {
    if crate::i18n::has(key) {
        tr.t(key).to_string()
    } else {
        fallback.to_string()
    }
}

/// The display name of an audited action (`person.update` → 修改人员), or the code itself.
pub fn action_label(tr: Tr, action: &str) -> String {
    known(tr, &format!("audit_action.{action}"), action)
}

/// The display name of a snapshot field (`display_name` → 姓名), or the field name itself.
pub fn field_label(tr: Tr, field: &str) -> String {
    known(tr, &format!("field.{field}"), field)
}

/// The display name of an entity type (`customer` → 客户).
pub fn entity_label(tr: Tr, entity_type: &str) -> String {
    known(
        tr,
        &format!("audit.entity_{entity_type}"),
        tr.t("audit.entity_other"),
    )
}

/// Why a customer's owner changed (`release` → 释放到公海).
pub fn owner_reason(tr: Tr, reason: &str) -> &'static str {
    let key = format!("owner_reason.{reason}");
    tr.t(if crate::i18n::has(&key) {
        &key
    } else {
        "owner_reason.reassign"
    })
}

/// The state of a status request (`approved` → 已批准).
pub fn request_state(tr: Tr, state: &str) -> &'static str {
    match state {
        "approved" => tr.t("customers.approved"),
        "rejected" => tr.t("customers.rejected"),
        _ => tr.t("customers.pending"),
    }
}

/// Snapshot fields that hold an amount as the API's decimal text (`"10400.00"`): shown as
/// `¥10,400.00`, as every page shows money.
const MONEY_FIELDS: &[&str] = &[
    "amount",
    "gross",
    "invoiced",
    "list_price",
    "net",
    "open_amount",
    "paid",
    "tax",
    "threshold",
    "total",
    "total_excl",
    "unit_price",
];

/// What the log and history show for one field's value.
pub struct Values<'a> {
    pub tr: Tr,
    pub names: &'a Names,
    pub choices: &'a [Choice],
}

impl Values<'_> {
    fn english(&self) -> bool {
        self.tr.lang() == Lang::En
    }

    /// The value of `field` as a reader wants to see it: a name for an id, a label for a code,
    /// a Shanghai time for a timestamp, 是/否 for a flag; anything else as it is.
    pub fn show(&self, field: &str, v: Option<&Value>) -> String {
        let tr = self.tr;
        let v = match v {
            None | Some(Value::Null) => return "—".into(),
            Some(v) => v,
        };
        if let Some(id) = v.as_i64() {
            let name = if PERSON_FIELDS.contains(&field) {
                self.names.person(id)
            } else if REGION_FIELDS.contains(&field) {
                self.names.region(id, self.english())
            } else if CUSTOMER_FIELDS.contains(&field) {
                self.names.customer(id)
            } else {
                None
            };
            if let Some(n) = name {
                return n.to_string();
            }
        }
        match v {
            Value::Bool(b) => tr.t(if *b { "audit.yes" } else { "audit.no" }).to_string(),
            Value::String(s) if s == MASK => s.clone(),
            Value::String(s) if MONEY_FIELDS.contains(&field) => Money::parse(field, s)
                .map(Money::display)
                .unwrap_or_else(|_| s.clone()),
            Value::String(s) => self.code(field, s).unwrap_or_else(|| {
                chrono::DateTime::parse_from_rfc3339(s)
                    .map(|t| fmt_time(t.with_timezone(&chrono::Utc)))
                    .unwrap_or_else(|_| s.clone())
            }),
            Value::Array(items) => items
                .iter()
                .map(|i| self.show(field, Some(i)))
                .collect::<Vec<_>>()
                .join(list_sep(tr)),
            // A map keyed by codes (review days per status): "基础客户: 30, …".
            Value::Object(o) => o
                .iter()
                .map(|(k, v)| {
                    let key = self.code("status", k).unwrap_or_else(|| k.clone());
                    format!("{key}{}{}", colon(tr), self.show("", Some(v)))
                })
                .collect::<Vec<_>>()
                .join(list_sep(tr)),
            other => other.to_string(),
        }
    }

    /// The label of a code-valued field, if the field holds codes and the code is known.
    fn code(&self, field: &str, s: &str) -> Option<String> {
        let tr = self.tr;
        let lang = if self.english() { "en" } else { "zh" };
        let key = match field {
            "status" | "requested_status" | "from_status" | "to_status" | "to" | "from" => {
                CustomerStatus::parse(s)?.label_key()
            }
            "position" => Position::parse(s)?.label_key().to_string(),
            "size_code" | "size" => CompanySize::parse(s)?.label_key(),
            "kind" | "record_kind" => match ContactKind::parse(s) {
                Some(k) => k.label_key(),
                None => format!("kind.{s}"),
            },
            "invalid_reason" => InvalidReason::parse(s)?.label_key(),
            "required_items" => ProfileItem::parse(s)?.label_key(),
            "mode" => AssignRule::parse(s)?.label_key(),
            "role" => format!("contact_role.{s}"),
            "when" => format!("reminder_when.{s}"),
            "reason" => format!("owner_reason.{s}"),
            "decision" | "state" => return Some(request_state(tr, s).to_string()),
            "locale" => format!("lang.{}", if s.starts_with("en") { "en" } else { "zh" }),
            "type_code" | "type" => {
                return Some(choices::label(self.choices, "type", s, lang).to_string());
            }
            "source_code" | "source" => {
                return Some(choices::label(self.choices, "source", s, lang).to_string());
            }
            _ => return None,
        };
        crate::i18n::has(&key).then(|| tr.t(&key).to_string())
    }

    /// The fields that differ between the before and after snapshots, as (label, before,
    /// after). Masked snapshots hold only the changed fields already, each value hidden.
    pub fn changes(
        &self,
        masked: bool,
        before: Option<&Value>,
        after: Option<&Value>,
    ) -> Vec<(String, String, String)> {
        let empty = serde_json::Map::new();
        let b = before.and_then(|v| v.as_object()).unwrap_or(&empty);
        let a = after.and_then(|v| v.as_object()).unwrap_or(&empty);
        let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
        keys.sort();
        keys.dedup();
        // An absent field and a null one read the same ("—"): a create does not list every
        // empty field as changed.
        let value = |m: &'_ serde_json::Map<String, Value>, k: &str| {
            m.get(k).filter(|v| !v.is_null()).cloned()
        };
        keys.into_iter()
            .filter(|k| masked || value(b, k) != value(a, k))
            .map(|k| {
                (
                    field_label(self.tr, k),
                    self.show(k, b.get(k)),
                    self.show(k, a.get(k)),
                )
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn codes_read_as_labels_times_in_shanghai_and_empty_fields_are_not_changes() {
        let names = Names::default();
        let v = Values {
            tr: Tr(Lang::Zh),
            names: &names,
            choices: &[],
        };
        let changes = v.changes(
            false,
            None,
            Some(&json!({
                "status": "basic",
                "address": null,
                "active": true,
                "next_contact_on": "2026-11-27",
                "happened_at": "2026-11-26T18:30:00Z",
                "owner_id": 12,
            })),
        );
        let shown: Vec<(&str, &str)> = changes
            .iter()
            .map(|(f, _, a)| (f.as_str(), a.as_str()))
            .collect();
        assert_eq!(
            shown,
            [
                ("在职（可以登录）", "是"),
                ("联系时间", "2026-11-27 02:30"),
                ("下次联系日期", "2026-11-27"),
                // An id whose name is unknown (a person deleted since) stays the id.
                ("负责人", "12"),
                ("状态", "基础客户"),
            ]
        );
        let en = Values {
            tr: Tr(Lang::En),
            ..v
        };
        assert_eq!(
            en.show("locale", Some(&json!("zh-CN"))),
            "Simplified Chinese"
        );
        let small = en.show("size", Some(&json!("s1_49")));
        assert_eq!(small, Tr(Lang::En).t(&CompanySize::Small.label_key()));
        assert_ne!(small, "s1_49");
        assert_eq!(en.show("kind", Some(&json!("branch"))), "Branch office");
        assert_eq!(colon(Tr(Lang::En)), ": ");
        // Amounts read as money; a list of people's ids as their names (unknown ones as ids).
        assert_eq!(
            en.show("open_amount", Some(&json!("10400.00"))),
            "¥10,400.00"
        );
        assert_eq!(en.show("told", Some(&json!([21, 18]))), "21, 18");
        // Every entity type the use cases audit has a label, not "Other".
        for t in [
            "contract", "trial", "user", "setting", "customer", "deal", "quote",
        ] {
            assert_ne!(entity_label(Tr(Lang::Zh), t), "其他", "{t}");
        }
    }
}
