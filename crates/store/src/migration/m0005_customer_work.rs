//! The rest of the customer work (issue 3, seed S4.1–S4.5): type, source and size of a customer;
//! contact records (联系记录) with the next contact date that drives the follow-up list; owner
//! history; the public pool (公海); per-region assignment rules; settings; the administrator's
//! lists of customer types and sources; and saved list filters per person.

use super::{prelude::*, schema::*};

pub struct Migration;

#[derive(DeriveIden)]
enum Customers {
    Table,
    Id,
    TypeCode,
    SourceCode,
    SizeCode,
    NextContactOn,
    PoolSince,
    OwnerId,
    LastContactAt,
}

#[derive(DeriveIden)]
enum ContactRecords {
    Table,
    Id,
    CustomerId,
    AuthorId,
    Kind,
    HappenedAt,
    Summary,
    Outcome,
    NextStep,
    NextContactOn,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ContactRecordContacts {
    Table,
    RecordId,
    ContactId,
}

#[derive(DeriveIden)]
enum OwnerHistory {
    Table,
    Id,
    CustomerId,
    FromOwnerId,
    ToOwnerId,
    Reason,
    ChangedBy,
    ChangedAt,
}

#[derive(DeriveIden)]
enum Settings {
    Table,
    Key,
    Value,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Choices {
    Table,
    Id,
    List,
    Code,
    NameZh,
    NameEn,
    Position,
    Active,
}

#[derive(DeriveIden)]
enum AssignmentRules {
    Table,
    RegionId,
    Mode,
    LastUserId,
    UpdatedBy,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SavedFilters {
    Table,
    Id,
    UserId,
    Name,
    Query,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Contacts {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Regions {
    Table,
    Id,
}

/// Default customer types and sources (the administrator edits them later): (list, code, zh, en).
const DEFAULT_CHOICES: &[(&str, &str, &str, &str)] = &[
    ("type", "enterprise", "企业", "Enterprise"),
    ("type", "government", "政府机关", "Government"),
    ("type", "institution", "事业单位", "Public institution"),
    ("type", "education", "教育机构", "Education"),
    ("type", "partner", "渠道/代理商", "Channel partner"),
    ("type", "other", "其他", "Other"),
    ("source", "trial", "试用申请", "Trial application"),
    ("source", "website", "官网", "Website"),
    ("source", "telesales", "电话营销", "Telesales"),
    ("source", "referral", "客户转介绍", "Referral"),
    ("source", "partner", "合作伙伴/代理商", "Partner / agent"),
    ("source", "exhibition", "展会", "Exhibition"),
    ("source", "existing", "老客户", "Existing customer"),
    ("source", "other", "其他", "Other"),
];

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for col in [
            string_len_null(Customers::TypeCode, 32),
            string_len_null(Customers::SourceCode, 32),
            string_len_null(Customers::SizeCode, 16),
            date_null(Customers::NextContactOn),
            timestamp_with_time_zone_null(Customers::PoolSince),
        ] {
            let mut col = col;
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .add_column(&mut col)
                    .to_owned(),
            )
            .await?;
        }
        for (name, cols) in [
            (
                "ix_customers_next_contact",
                vec![Customers::OwnerId, Customers::NextContactOn],
            ),
            (
                "ix_customers_last_contact",
                vec![Customers::LastContactAt, Customers::Id],
            ),
            ("ix_customers_pool", vec![Customers::PoolSince]),
        ] {
            let mut idx = Index::create()
                .name(name)
                .table(Customers::Table)
                .to_owned();
            for c in cols {
                idx.col(c);
            }
            m.create_index(idx).await?;
        }

        m.create_table(
            Table::create()
                .table(ContactRecords::Table)
                .col(big_pk_auto(ContactRecords::Id))
                .col(big_integer(ContactRecords::CustomerId))
                .col(big_integer_null(ContactRecords::AuthorId))
                .col(string_len(ContactRecords::Kind, 16))
                .col(timestamp_with_time_zone(ContactRecords::HappenedAt))
                .col(text(ContactRecords::Summary))
                .col(text_null(ContactRecords::Outcome))
                .col(text_null(ContactRecords::NextStep))
                .col(date_null(ContactRecords::NextContactOn))
                .col(timestamp_with_time_zone(ContactRecords::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contact_records_customer")
                        .from(ContactRecords::Table, ContactRecords::CustomerId)
                        .to(Customers::Table, Customers::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_contact_records_author")
                        .from(ContactRecords::Table, ContactRecords::AuthorId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_contact_records_customer")
                .table(ContactRecords::Table)
                .col(ContactRecords::CustomerId)
                .col(ContactRecords::HappenedAt)
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_contact_records_author")
                .table(ContactRecords::Table)
                .col(ContactRecords::AuthorId)
                .col(ContactRecords::HappenedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ContactRecordContacts::Table)
                .col(big_integer(ContactRecordContacts::RecordId))
                .col(big_integer(ContactRecordContacts::ContactId))
                .primary_key(
                    Index::create()
                        .col(ContactRecordContacts::RecordId)
                        .col(ContactRecordContacts::ContactId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_crc_record")
                        .from(
                            ContactRecordContacts::Table,
                            ContactRecordContacts::RecordId,
                        )
                        .to(ContactRecords::Table, ContactRecords::Id),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_crc_contact")
                        .from(
                            ContactRecordContacts::Table,
                            ContactRecordContacts::ContactId,
                        )
                        .to(Contacts::Table, Contacts::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_crc_contact")
                .table(ContactRecordContacts::Table)
                .col(ContactRecordContacts::ContactId)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OwnerHistory::Table)
                .col(big_pk_auto(OwnerHistory::Id))
                .col(big_integer(OwnerHistory::CustomerId))
                .col(big_integer_null(OwnerHistory::FromOwnerId))
                .col(big_integer_null(OwnerHistory::ToOwnerId))
                .col(string_len(OwnerHistory::Reason, 16))
                .col(big_integer_null(OwnerHistory::ChangedBy))
                .col(timestamp_with_time_zone(OwnerHistory::ChangedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_owner_history_customer")
                        .from(OwnerHistory::Table, OwnerHistory::CustomerId)
                        .to(Customers::Table, Customers::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_owner_history_customer")
                .table(OwnerHistory::Table)
                .col(OwnerHistory::CustomerId)
                .col(OwnerHistory::Id)
                .to_owned(),
        )
        .await?;
        // Claims per person per day (the pool's claim limit) count rows by the new owner.
        m.create_index(
            Index::create()
                .name("ix_owner_history_to")
                .table(OwnerHistory::Table)
                .col(OwnerHistory::ToOwnerId)
                .col(OwnerHistory::ChangedAt)
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Settings::Table)
                .col(string_len(Settings::Key, 64).primary_key())
                .col(text(Settings::Value))
                .col(big_integer_null(Settings::UpdatedBy))
                .col(timestamp_with_time_zone(Settings::UpdatedAt))
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Choices::Table)
                .col(big_pk_auto(Choices::Id))
                .col(string_len(Choices::List, 16))
                .col(string_len(Choices::Code, 32))
                .col(string_len(Choices::NameZh, 60))
                .col(string_len(Choices::NameEn, 60))
                .col(integer(Choices::Position))
                .col(boolean(Choices::Active))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ux_choices_list_code")
                .table(Choices::Table)
                .col(Choices::List)
                .col(Choices::Code)
                .unique()
                .to_owned(),
        )
        .await?;
        let mut ins = Query::insert()
            .into_table(Choices::Table)
            .columns([
                Choices::List,
                Choices::Code,
                Choices::NameZh,
                Choices::NameEn,
                Choices::Position,
                Choices::Active,
            ])
            .to_owned();
        for (i, (list, code, zh, en)) in DEFAULT_CHOICES.iter().enumerate() {
            ins.values_panic([
                (*list).into(),
                (*code).into(),
                (*zh).into(),
                (*en).into(),
                (i as i32).into(),
                true.into(),
            ]);
        }
        m.exec_stmt(ins).await?;

        m.create_table(
            Table::create()
                .table(AssignmentRules::Table)
                .col(big_integer(AssignmentRules::RegionId).primary_key())
                .col(string_len(AssignmentRules::Mode, 16))
                .col(big_integer_null(AssignmentRules::LastUserId))
                .col(big_integer_null(AssignmentRules::UpdatedBy))
                .col(timestamp_with_time_zone(AssignmentRules::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_assignment_rules_region")
                        .from(AssignmentRules::Table, AssignmentRules::RegionId)
                        .to(Regions::Table, Regions::Id),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SavedFilters::Table)
                .col(big_pk_auto(SavedFilters::Id))
                .col(big_integer(SavedFilters::UserId))
                .col(string_len(SavedFilters::Name, 60))
                .col(text(SavedFilters::Query))
                .col(timestamp_with_time_zone(SavedFilters::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_saved_filters_user")
                        .from(SavedFilters::Table, SavedFilters::UserId)
                        .to(Users::Table, Users::Id),
                )
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("ix_saved_filters_user")
                .table(SavedFilters::Table)
                .col(SavedFilters::UserId)
                .col(SavedFilters::Id)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SavedFilters::Table.into_iden(),
            AssignmentRules::Table.into_iden(),
            Choices::Table.into_iden(),
            Settings::Table.into_iden(),
            OwnerHistory::Table.into_iden(),
            ContactRecordContacts::Table.into_iden(),
            ContactRecords::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).to_owned()).await?;
        }
        for name in [
            "ix_customers_next_contact",
            "ix_customers_last_contact",
            "ix_customers_pool",
        ] {
            m.drop_index(Index::drop().name(name).table(Customers::Table).to_owned())
                .await?;
        }
        for c in [
            Customers::TypeCode.into_iden(),
            Customers::SourceCode.into_iden(),
            Customers::SizeCode.into_iden(),
            Customers::NextContactOn.into_iden(),
            Customers::PoolSince.into_iden(),
        ] {
            m.alter_table(
                Table::alter()
                    .table(Customers::Table)
                    .drop_column(c)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
