//! Province, city and industry from the national lists (issue 10, point 9), and contact records
//! that can be corrected.
//!
//! * `customers.province_code` and `city_code` (GB/T 2260, six digits) and `industry_code`
//!   (GB/T 4754-2017 section letter) beside the existing text columns. The text columns stay:
//!   with a code they hold the code's Chinese name (search and filters keep reading them);
//!   without one they hold what was typed before the lists existed, which the pages show as
//!   legacy text until someone picks a value from the list.
//! * Existing text is mapped where it names an entry exactly (`salesdesk_domain::geo`: code,
//!   full or short Chinese name, English name): the code is set and the text becomes the
//!   entry's full Chinese name (`广东` → `广东省`). A city is looked up in its province; with no
//!   province, a city whose name is unique in the country gives both. Anything else — a typo, a
//!   district, "华南" — is left exactly as it is, without a code. One UPDATE per 200 distinct
//!   values, touching only the rows that map (the search triggers do not fire: they watch other
//!   columns).
//! * `contact_records.edited_at`: when the author last corrected the record (NULL: never).

use super::prelude::*;
use super::schema::{string_len_null, timestamp_with_time_zone_null};
use salesdesk_domain::geo;
use sea_orm::{ConnectionTrait, Statement};

pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Customers {
    Table,
    Province,
    City,
    Industry,
    ProvinceCode,
    CityCode,
    IndustryCode,
}

#[derive(DeriveIden)]
enum ContactRecords {
    Table,
    EditedAt,
}

/// Distinct values mapped per UPDATE statement (each costs a few bound parameters).
const CHUNK: usize = 200;

/// What an existing (province, city) pair maps to: (province code, province name, city code,
/// city name), each only when found.
type Place = (
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
    Option<&'static str>,
);

/// The mapping of one stored (province, city) pair; `None` when nothing in it maps.
pub(crate) fn map_place(province: &str, city: &str) -> Option<Place> {
    let province = province.trim();
    let city = city.trim();
    let p = if province.is_empty() {
        None
    } else {
        geo::province(province)
    };
    let c = match p {
        Some(p) if !city.is_empty() => p.city(city),
        None if province.is_empty() && !city.is_empty() => geo::city(city),
        _ => None,
    };
    let p = p.or_else(|| c.map(|c| c.province()));
    if p.is_none() && c.is_none() {
        return None;
    }
    Some((
        p.map(|p| p.code),
        p.map(|p| p.name_zh),
        c.map(|c| c.code),
        c.map(|c| c.name_zh),
    ))
}

fn text(v: Option<String>) -> String {
    v.unwrap_or_default()
}

/// `COALESCE(col, '') = value`: a stored NULL matches the empty text.
fn is(col: Customers, value: &str) -> SimpleExpr {
    Expr::expr(Func::coalesce([Expr::col(col), Expr::val("")])).eq(value)
}

async fn map_places(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT DISTINCT province, city FROM customers \
             WHERE province_code IS NULL AND city_code IS NULL \
             AND (province IS NOT NULL OR city IS NOT NULL)",
        ))
        .await?;
    let mut mapped = Vec::new();
    for r in rows {
        let province = text(r.try_get::<Option<String>>("", "province")?);
        let city = text(r.try_get::<Option<String>>("", "city")?);
        if let Some(place) = map_place(&province, &city) {
            mapped.push((province, city, place));
        }
    }
    for chunk in mapped.chunks(CHUNK) {
        let key = |p: &str, c: &str| {
            Condition::all()
                .add(is(Customers::Province, p))
                .add(is(Customers::City, c))
        };
        let case = |col: Customers, pick: &dyn Fn(&Place) -> Option<&'static str>| {
            let mut case = CaseStatement::new();
            for (p, c, place) in chunk {
                if let Some(v) = pick(place) {
                    case = case.case(key(p, c), Expr::val(v));
                }
            }
            case.finally(Expr::col(col))
        };
        let mut any = Condition::any();
        for (p, c, _) in chunk {
            any = any.add(key(p, c));
        }
        let stmt = Query::update()
            .table(Customers::Table)
            .value(
                Customers::ProvinceCode,
                case(Customers::ProvinceCode, &|x| x.0),
            )
            .value(Customers::Province, case(Customers::Province, &|x| x.1))
            .value(Customers::CityCode, case(Customers::CityCode, &|x| x.2))
            .value(Customers::City, case(Customers::City, &|x| x.3))
            .cond_where(any)
            .to_owned();
        m.exec_stmt(stmt).await?;
    }
    Ok(())
}

async fn map_industries(m: &SchemaManager<'_>) -> Result<(), DbErr> {
    let db = m.get_connection();
    let rows = db
        .query_all_raw(Statement::from_string(
            db.get_database_backend(),
            "SELECT DISTINCT industry FROM customers \
             WHERE industry IS NOT NULL AND industry_code IS NULL",
        ))
        .await?;
    let mut mapped = Vec::new();
    for r in rows {
        let typed = text(r.try_get::<Option<String>>("", "industry")?);
        if let Some(i) = geo::industry(&typed) {
            mapped.push((typed, i));
        }
    }
    for chunk in mapped.chunks(CHUNK) {
        let mut code = CaseStatement::new();
        let mut name = CaseStatement::new();
        for (typed, i) in chunk {
            code = code.case(Expr::col(Customers::Industry).eq(typed.as_str()), i.code);
            name = name.case(Expr::col(Customers::Industry).eq(typed.as_str()), i.name_zh);
        }
        let stmt = Query::update()
            .table(Customers::Table)
            .value(
                Customers::IndustryCode,
                code.finally(Expr::col(Customers::IndustryCode)),
            )
            .value(
                Customers::Industry,
                name.finally(Expr::col(Customers::Industry)),
            )
            .and_where(Expr::col(Customers::Industry).is_in(chunk.iter().map(|(t, _)| t.as_str())))
            .to_owned();
        m.exec_stmt(stmt).await?;
    }
    Ok(())
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // One column per statement: SQLite alters one thing at a time.
        for (col, len) in [
            (Customers::ProvinceCode, 6),
            (Customers::CityCode, 6),
            (Customers::IndustryCode, 1),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(string_len_null(col, len))
                    .to_owned(),
            )
            .await?;
        }
        m.alter_table(
            Table::alter()
                .table(ContactRecords::Table)
                .add_column(timestamp_with_time_zone_null(ContactRecords::EditedAt))
                .to_owned(),
        )
        .await?;
        map_places(m).await?;
        map_industries(m).await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(ContactRecords::Table)
                .drop_column(ContactRecords::EditedAt)
                .to_owned(),
        )
        .await?;
        for col in [
            Customers::ProvinceCode,
            Customers::CityCode,
            Customers::IndustryCode,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use sea_orm::{ConnectionTrait, DbBackend, Statement};

    use crate::migration::{Migrator, test_db};

    #[test]
    fn pairs_map_when_they_name_an_entry_exactly() {
        use super::map_place;
        assert_eq!(
            map_place("广东", "深圳"),
            Some((
                Some("440000"),
                Some("广东省"),
                Some("440300"),
                Some("深圳市")
            ))
        );
        assert_eq!(
            map_place("", "杭州市"),
            Some((
                Some("330000"),
                Some("浙江省"),
                Some("330100"),
                Some("杭州市")
            ))
        );
        assert_eq!(
            map_place("上海市", "浦东新区"),
            Some((Some("310000"), Some("上海市"), None, None)),
            "a district is no second-level entry: the city text stays"
        );
        assert_eq!(
            map_place("华南", "深圳"),
            None,
            "an unknown province maps nothing"
        );
    }

    #[tokio::test]
    async fn existing_text_gets_codes_where_it_matches_and_stays_as_it_was_elsewhere() {
        // The schema just before this migration, wherever it sits in the list.
        let before = Migrator::migrations()
            .iter()
            .position(|m| m.name == "m0022_place_codes")
            .expect("m0022 is registered") as u32;
        let (_dir, db) = test_db::at(before).await;
        let t = "'2026-01-01T00:00:00+00:00'";
        let rows = [
            (1, "'广东'", "'深圳市'", "'制造业'"),
            (2, "'华南'", "'深圳'", "'软件'"),
            (3, "NULL", "'杭州'", "NULL"),
            (4, "'上海市'", "'浦东新区'", "'Finance'"),
        ];
        for (id, p, c, i) in rows {
            db.execute_unprepared(&format!(
                "INSERT INTO customers (id, name, name_key, search_key, search_grams, status, \
                 status_changed_at, created_at, updated_at, province, city, industry) \
                 VALUES ({id}, 'c{id}', 'k{id}', 'k', '', 'lead', {t}, {t}, {t}, {p}, {c}, {i})"
            ))
            .await
            .unwrap();
        }
        Migrator::up(&db, None).await.unwrap();
        let got: Vec<Vec<Option<String>>> = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT province, province_code, city, city_code, industry, industry_code \
                 FROM customers ORDER BY id",
            ))
            .await
            .unwrap()
            .iter()
            .map(|r| (0..6).map(|i| r.try_get_by_index(i).unwrap()).collect())
            .collect();
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            got,
            vec![
                vec![
                    s("广东省"),
                    s("440000"),
                    s("深圳市"),
                    s("440300"),
                    s("制造业"),
                    s("C")
                ],
                vec![s("华南"), None, s("深圳"), None, s("软件"), None],
                vec![
                    s("浙江省"),
                    s("330000"),
                    s("杭州市"),
                    s("330100"),
                    None,
                    None
                ],
                vec![
                    s("上海市"),
                    s("310000"),
                    s("浦东新区"),
                    None,
                    s("金融业"),
                    s("J")
                ],
            ]
        );
    }
}
