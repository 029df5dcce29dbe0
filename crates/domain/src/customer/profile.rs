//! What a customer record holds beyond its name (seed S4.1): the company size band, the kinds of
//! contact record (S4.2), and how complete a record is against the required items the
//! administrator chose.

use serde::{Deserialize, Serialize};

/// Company size band by head count. The code (`as_str`) is what the database and the API store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CompanySize {
    /// 1–49 people.
    #[serde(rename = "s1_49")]
    Small,
    /// 50–199 people.
    #[serde(rename = "s50_199")]
    Medium,
    /// 200–999 people.
    #[serde(rename = "s200_999")]
    Large,
    /// 1000 people or more.
    #[serde(rename = "s1000")]
    Huge,
}

impl CompanySize {
    pub const ALL: [CompanySize; 4] = [
        CompanySize::Small,
        CompanySize::Medium,
        CompanySize::Large,
        CompanySize::Huge,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            CompanySize::Small => "s1_49",
            CompanySize::Medium => "s50_199",
            CompanySize::Large => "s200_999",
            CompanySize::Huge => "s1000",
        }
    }

    pub fn parse(code: &str) -> Option<CompanySize> {
        CompanySize::ALL.into_iter().find(|s| s.as_str() == code)
    }

    /// The i18n catalog key of the display name (`company_size.<code>`).
    pub fn label_key(self) -> String {
        format!("company_size.{}", self.as_str())
    }
}

/// What kind of contact a contact record (联系记录) describes (S4.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    Call,
    Visit,
    Email,
    Meeting,
    Demo,
    Wechat,
    Other,
}

impl ContactKind {
    pub const ALL: [ContactKind; 7] = [
        ContactKind::Call,
        ContactKind::Visit,
        ContactKind::Email,
        ContactKind::Meeting,
        ContactKind::Demo,
        ContactKind::Wechat,
        ContactKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Call => "call",
            ContactKind::Visit => "visit",
            ContactKind::Email => "email",
            ContactKind::Meeting => "meeting",
            ContactKind::Demo => "demo",
            ContactKind::Wechat => "wechat",
            ContactKind::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<ContactKind> {
        ContactKind::ALL.into_iter().find(|k| k.as_str() == code)
    }

    /// The i18n catalog key of the display name (`contact_kind.<code>`).
    pub fn label_key(self) -> String {
        format!("contact_kind.{}", self.as_str())
    }
}

/// An item of a customer record that the administrator may make required. The code is what the
/// setting stores and what a filter or an API answer names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileItem {
    ShortName,
    Uscc,
    Website,
    Email,
    Phone,
    Province,
    City,
    Address,
    Industry,
    Size,
    Type,
    Source,
    Background,
    Region,
    Owner,
    /// At least one contact person.
    Contact,
}

impl ProfileItem {
    pub const ALL: [ProfileItem; 16] = [
        ProfileItem::ShortName,
        ProfileItem::Uscc,
        ProfileItem::Website,
        ProfileItem::Email,
        ProfileItem::Phone,
        ProfileItem::Province,
        ProfileItem::City,
        ProfileItem::Address,
        ProfileItem::Industry,
        ProfileItem::Size,
        ProfileItem::Type,
        ProfileItem::Source,
        ProfileItem::Background,
        ProfileItem::Region,
        ProfileItem::Owner,
        ProfileItem::Contact,
    ];

    /// What a new installation requires: enough to call, place and qualify the customer.
    pub const DEFAULT_REQUIRED: [ProfileItem; 8] = [
        ProfileItem::Phone,
        ProfileItem::Province,
        ProfileItem::City,
        ProfileItem::Industry,
        ProfileItem::Size,
        ProfileItem::Type,
        ProfileItem::Source,
        ProfileItem::Contact,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ProfileItem::ShortName => "short_name",
            ProfileItem::Uscc => "uscc",
            ProfileItem::Website => "website",
            ProfileItem::Email => "email",
            ProfileItem::Phone => "phone",
            ProfileItem::Province => "province",
            ProfileItem::City => "city",
            ProfileItem::Address => "address",
            ProfileItem::Industry => "industry",
            ProfileItem::Size => "size",
            ProfileItem::Type => "type",
            ProfileItem::Source => "source",
            ProfileItem::Background => "background",
            ProfileItem::Region => "region",
            ProfileItem::Owner => "owner",
            ProfileItem::Contact => "contact",
        }
    }

    pub fn parse(code: &str) -> Option<ProfileItem> {
        ProfileItem::ALL.into_iter().find(|i| i.as_str() == code)
    }

    /// The i18n catalog key of the item's name (`profile_item.<code>`).
    pub fn label_key(self) -> String {
        format!("profile_item.{}", self.as_str())
    }
}

/// How complete a record is: the share of required items present, and which are missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Completeness {
    /// 0–100; 100 when nothing is required.
    pub percent: u8,
    /// The required items the record lacks, in [`ProfileItem::ALL`] order.
    pub missing: Vec<ProfileItem>,
}

/// Scores a record: `present` says whether the record has an item.
pub fn completeness(
    required: &[ProfileItem],
    present: impl Fn(ProfileItem) -> bool,
) -> Completeness {
    let required: Vec<ProfileItem> = ProfileItem::ALL
        .into_iter()
        .filter(|i| required.contains(i))
        .collect();
    let missing: Vec<ProfileItem> = required.iter().copied().filter(|i| !present(*i)).collect();
    let percent = if required.is_empty() {
        100
    } else {
        ((required.len() - missing.len()) * 100 / required.len()) as u8
    };
    Completeness { percent, missing }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_are_distinct() {
        for s in CompanySize::ALL {
            assert_eq!(CompanySize::parse(s.as_str()), Some(s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::from(s.as_str())
            );
        }
        for k in ContactKind::ALL {
            assert_eq!(ContactKind::parse(k.as_str()), Some(k));
        }
        for i in ProfileItem::ALL {
            assert_eq!(ProfileItem::parse(i.as_str()), Some(i));
            assert_eq!(
                serde_json::to_value(i).unwrap(),
                serde_json::Value::from(i.as_str())
            );
        }
        assert_eq!(CompanySize::parse("huge"), None);
        assert_eq!(ContactKind::parse("fax"), None);
        assert_eq!(
            ProfileItem::parse("name"),
            None,
            "the name is always required"
        );
    }

    #[test]
    fn completeness_names_exactly_the_missing_required_items() {
        let required = [
            ProfileItem::Contact,
            ProfileItem::Phone,
            ProfileItem::Industry,
        ];
        let c = completeness(&required, |i| i == ProfileItem::Phone);
        // Missing items come in the fixed order, whatever order the setting lists them in.
        assert_eq!(c.missing, vec![ProfileItem::Industry, ProfileItem::Contact]);
        assert_eq!(c.percent, 33);
        let full = completeness(&required, |_| true);
        assert_eq!(full.percent, 100);
        assert!(full.missing.is_empty());
        // Items that are not required never count against the record.
        let none = completeness(&[], |_| false);
        assert_eq!(none.percent, 100);
        assert!(none.missing.is_empty());
    }
}
