//! Column shorthands of the migrations: `string_len(Col::Name, 200)` is a `varchar(200) NOT NULL`
//! column, the `_null` form the same column nullable. Kept to the types the schema uses (docs/
//! ARCHITECTURE.md, "Portable schema").

use sea_orm::sea_query::{ColumnDef, IntoIden};

macro_rules! column {
    ($(#[$doc:meta] $required:ident, $nullable:ident => $kind:ident;)*) => {$(
        #[$doc]
        pub fn $required<T: IntoIden>(col: T) -> ColumnDef {
            ColumnDef::new(col).$kind().not_null().take()
        }
        #[$doc]
        #[doc = "May be NULL."]
        pub fn $nullable<T: IntoIden>(col: T) -> ColumnDef {
            ColumnDef::new(col).$kind().null().take()
        }
    )*};
}

column! {
    /// A 32-bit integer.
    integer, integer_null => integer;
    /// A 64-bit integer (ids, amounts in fen, counters).
    big_integer, big_integer_null => big_integer;
    /// Text without a length limit.
    text, text_null => text;
    /// A point in time, stored as UTC.
    timestamp_with_time_zone, timestamp_with_time_zone_null => timestamp_with_time_zone;
    /// A calendar day.
    date, date_null => date;
    /// Bytes.
    blob, blob_null => blob;
}

/// A `boolean NOT NULL` column.
pub fn boolean<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).boolean().not_null().take()
}

/// A `varchar(len) NOT NULL` column.
pub fn string_len<T: IntoIden>(col: T, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).not_null().take()
}

/// A `varchar(len)` column that may be NULL.
pub fn string_len_null<T: IntoIden>(col: T, len: u32) -> ColumnDef {
    ColumnDef::new(col).string_len(len).null().take()
}

/// A 64-bit auto-increment primary key.
pub fn big_pk_auto<T: IntoIden>(col: T) -> ColumnDef {
    big_integer(col).auto_increment().primary_key().take()
}
