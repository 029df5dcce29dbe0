//! Province, city and industry on pages: the selects of the customer form (cities grouped by
//! province with `<optgroup>`, so the cascade works without JavaScript; `static/app.js` narrows
//! the city list to the chosen province when it runs) and the names shown on the customer page
//! in the reader's language. A value typed before the national lists existed is offered and
//! shown as legacy text until someone picks a value from the list.

use salesdesk_app::customers::Customer;
use salesdesk_domain::geo;

use super::Choice;
use crate::i18n::Tr;

/// One province's cities in the city select.
pub struct CityGroup {
    pub province_code: &'static str,
    pub label: &'static str,
    pub cities: Vec<Choice<'static>>,
}

/// The place and industry selects of the customer form.
pub struct PlaceSelects {
    pub provinces: Vec<Choice<'static>>,
    pub city_groups: Vec<CityGroup>,
    pub industries: Vec<Choice<'static>>,
    /// A legacy text the record holds, offered (selected) so that saving keeps it.
    pub legacy_province: Option<String>,
    pub legacy_city: Option<String>,
    pub legacy_industry: Option<String>,
}

/// The selects with the given values chosen. A value is a code (from a form) or a name (the
/// stored text of a record); one that is neither is legacy text.
pub fn selects(tr: Tr, province: &str, city: &str, industry: &str) -> PlaceSelects {
    let lang = tr.lang().code();
    let p = geo::province(province);
    let c = match p {
        Some(p) => p.city(city),
        None => geo::city(city),
    };
    let i = geo::industry(industry);
    let legacy = |typed: &str, found: bool| {
        let t = typed.trim();
        (!t.is_empty() && !found).then(|| t.to_string())
    };
    let p = p.or_else(|| c.map(|c| c.province()));
    PlaceSelects {
        provinces: geo::PROVINCES
            .iter()
            .map(|x| Choice::new(x.code, x.name(lang), p.is_some_and(|p| p.code == x.code)))
            .collect(),
        city_groups: geo::PROVINCES
            .iter()
            .map(|x| CityGroup {
                province_code: x.code,
                label: x.name(lang),
                cities: x
                    .cities
                    .iter()
                    .map(|y| Choice::new(y.code, y.name(lang), c.is_some_and(|c| c.code == y.code)))
                    .collect(),
            })
            .collect(),
        industries: geo::INDUSTRIES
            .iter()
            .map(|x| {
                Choice::new(
                    x.code,
                    format!("{} {}", x.code, x.name(lang)),
                    i.is_some_and(|i| i.code == x.code),
                )
            })
            .collect(),
        legacy_province: legacy(province, p.is_some()),
        legacy_city: legacy(city, c.is_some()),
        legacy_industry: legacy(industry, i.is_some()),
    }
}

/// A coded value's name in the reader's language, or the legacy text marked as such.
fn shown(tr: Tr, code_name: Option<&'static str>, text: &Option<String>) -> Option<String> {
    match (code_name, text) {
        (Some(n), _) => Some(n.to_string()),
        (None, Some(t)) => Some(tr.tf("geo.legacy", &[("text", t)])),
        (None, None) => None,
    }
}

/// "Province City" of a customer in the reader's language (legacy text marked).
pub fn place(tr: Tr, c: &Customer) -> Vec<String> {
    let lang = tr.lang().code();
    let province = c
        .province_code
        .as_deref()
        .and_then(geo::province)
        .map(|p| p.name(lang));
    let city = c
        .city_code
        .as_deref()
        .and_then(geo::city_by_code)
        .map(|x| x.name(lang));
    let mut out: Vec<String> = [shown(tr, province, &c.province), shown(tr, city, &c.city)]
        .into_iter()
        .flatten()
        .collect();
    // A municipality's one city is the municipality: said once.
    if out.len() == 2 && out[0] == out[1] {
        out.pop();
    }
    out
}

/// The customer's industry section ("I 信息传输、软件和信息技术服务业") in the reader's
/// language, or its legacy text marked.
pub fn industry(tr: Tr, c: &Customer) -> Option<String> {
    let lang = tr.lang().code();
    let coded = c
        .industry_code
        .as_deref()
        .and_then(geo::industry)
        .map(|i| format!("{} {}", i.code, i.name(lang)));
    match coded {
        Some(s) => Some(s),
        None => shown(tr, None, &c.industry),
    }
}
