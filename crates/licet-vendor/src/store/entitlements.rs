//! Entitlements per install, and the per-org entitlements inside them. Every change bumps the install's
//! revision, which is how connected renewal knows that the last license is out of date.

use licet_core::{OrgEntitlement, UnixTime};

use super::{from_json, to_json};
use crate::db::{dispatch, Db};
use crate::error::VendorError;
use crate::model::Entitlements;

#[derive(sqlx::FromRow)]
struct Row {
    edition: Option<String>,
    products: String,
    features: String,
    limits: String,
    max_orgs: Option<String>,
    validity_days: Option<i64>,
    renewal_url: Option<String>,
}

#[derive(sqlx::FromRow)]
struct OrgRow {
    org_id: String,
    plan: Option<String>,
    features: String,
    limits: String,
    valid_from: Option<i64>,
    valid_until: Option<i64>,
}

impl TryFrom<OrgRow> for OrgEntitlement {
    type Error = VendorError;

    fn try_from(r: OrgRow) -> Result<Self, VendorError> {
        Ok(OrgEntitlement {
            id: r.org_id,
            plan: r.plan,
            features: from_json(&r.features, "entitlement_orgs.features")?,
            limits: from_json(&r.limits, "entitlement_orgs.limits")?,
            valid_from: r.valid_from.map(UnixTime),
            valid_until: r.valid_until.map(UnixTime),
            extra: Default::default(),
        })
    }
}

/// The install's entitlements, `None` if none were ever set.
pub async fn get(db: &Db, install_id: &str) -> Result<Option<Entitlements>, VendorError> {
    let (row, orgs): (Option<Row>, Vec<OrgRow>) = dispatch!(db, pool => {
        let row = sqlx::query_as(
            "SELECT edition, products, features, limits, max_orgs, validity_days, renewal_url \
             FROM entitlements WHERE install_id = $1",
        )
        .bind(install_id)
        .fetch_optional(pool)
        .await?;
        let orgs = sqlx::query_as(
            "SELECT org_id, plan, features, limits, valid_from, valid_until \
             FROM entitlement_orgs WHERE install_id = $1 ORDER BY org_id",
        )
        .bind(install_id)
        .fetch_all(pool)
        .await?;
        (row, orgs)
    });
    let Some(row) = row else { return Ok(None) };
    let max_orgs = row
        .max_orgs
        .as_deref()
        .map(|m| from_json(m, "entitlements.max_orgs"))
        .transpose()?;
    let validity_days = row
        .validity_days
        .map(|d| u32::try_from(d).map_err(|_| VendorError::Corrupt("entitlements.validity_days".into())))
        .transpose()?;
    Ok(Some(Entitlements {
        edition: row.edition,
        products: from_json(&row.products, "entitlements.products")?,
        features: from_json(&row.features, "entitlements.features")?,
        limits: from_json(&row.limits, "entitlements.limits")?,
        orgs: orgs
            .into_iter()
            .map(OrgEntitlement::try_from)
            .collect::<Result<_, _>>()?,
        max_orgs,
        validity_days,
        renewal_url: row.renewal_url,
    }))
}

pub(crate) fn validate(e: &Entitlements) -> Result<(), VendorError> {
    let mut ids: Vec<&str> = e.orgs.iter().map(|o| o.id.as_str()).collect();
    ids.sort_unstable();
    if ids.windows(2).any(|w| w.first() == w.last()) {
        return Err(VendorError::InvalidRequest("an org is listed twice".into()));
    }
    e.orgs.iter().try_for_each(validate_org)
}

pub(crate) fn validate_org(o: &OrgEntitlement) -> Result<(), VendorError> {
    if o.id.is_empty() {
        return Err(VendorError::InvalidRequest("an org needs a non-empty id".into()));
    }
    // Nothing but the members above is stored: an unknown one (a misspelt `feature`) would vanish unsaid.
    if let Some(member) = o.extra.keys().next() {
        return Err(VendorError::InvalidRequest(format!(
            "org {}: unknown member {member:?}; an org has id, plan, features, limits, valid_from, valid_until",
            o.id
        )));
    }
    if let (Some(from), Some(until)) = (o.valid_from, o.valid_until) {
        if until < from {
            return Err(VendorError::InvalidRequest(format!(
                "org {}: valid_until is before valid_from",
                o.id
            )));
        }
    }
    Ok(())
}

/// Replaces the install's entitlements, orgs included.
pub async fn put(db: &Db, install_id: &str, e: &Entitlements, at: UnixTime, actor: &str) -> Result<(), VendorError> {
    validate(e)?;
    let (products, features, limits) = (to_json(&e.products)?, to_json(&e.features)?, to_json(&e.limits)?);
    let max_orgs = e.max_orgs.as_ref().map(to_json).transpose()?;
    let orgs = e.orgs.iter().map(OrgColumns::new).collect::<Result<Vec<_>, _>>()?;
    let found: bool = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        let n = sqlx::query("UPDATE installs SET revision = revision + 1 WHERE id = $1")
            .bind(install_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            sqlx::query(
                "INSERT INTO entitlements (install_id, edition, products, features, limits, max_orgs, \
                 validity_days, renewal_url, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
                 ON CONFLICT (install_id) DO UPDATE SET edition = $2, products = $3, features = $4, limits = $5, \
                 max_orgs = $6, validity_days = $7, renewal_url = $8, updated_at = $9",
            )
            .bind(install_id)
            .bind(&e.edition)
            .bind(&products)
            .bind(&features)
            .bind(&limits)
            .bind(&max_orgs)
            .bind(e.validity_days.map(i64::from))
            .bind(&e.renewal_url)
            .bind(at.0)
            .execute(&mut *tx)
            .await?;
            sqlx::query("DELETE FROM entitlement_orgs WHERE install_id = $1")
                .bind(install_id)
                .execute(&mut *tx)
                .await?;
            for org in &orgs {
                org.insert(install_id).execute(&mut *tx).await?;
            }
            super::audit(at, actor, "entitlements.put", Some(install_id), &format!("{} orgs", orgs.len()))
            .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        n == 1
    });
    found
        .then_some(())
        .ok_or_else(|| VendorError::not_found("install", install_id))
}

/// Adds or replaces one org; the install must have entitlements already.
pub async fn put_org(
    db: &Db,
    install_id: &str,
    org: &OrgEntitlement,
    at: UnixTime,
    actor: &str,
) -> Result<(), VendorError> {
    validate_org(org)?;
    let cols = OrgColumns::new(org)?;
    let has_entitlements: bool = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        let n = sqlx::query(
            "UPDATE installs SET revision = revision + 1 WHERE id = $1 \
             AND EXISTS (SELECT 1 FROM entitlements WHERE install_id = $1)",
        )
        .bind(install_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if n == 1 {
            cols.upsert(install_id).execute(&mut *tx).await?;
            super::audit(at, actor, "entitlements.org_put", Some(install_id), &format!("org {}", org.id))
            .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        n == 1
    });
    if has_entitlements {
        return Ok(());
    }
    super::installs::get(db, install_id).await?;
    Err(VendorError::EntitlementsMissing(install_id.to_owned()))
}

pub async fn delete_org(db: &Db, install_id: &str, org_id: &str, at: UnixTime, actor: &str) -> Result<(), VendorError> {
    let n: u64 = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        let n = sqlx::query("DELETE FROM entitlement_orgs WHERE install_id = $1 AND org_id = $2")
            .bind(install_id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        if n == 1 {
            sqlx::query("UPDATE installs SET revision = revision + 1 WHERE id = $1")
                .bind(install_id)
                .execute(&mut *tx)
                .await?;
            super::audit(at, actor, "entitlements.org_delete", Some(install_id), &format!("org {org_id}"))
            .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        n
    });
    if n == 0 {
        return Err(VendorError::not_found("org", format!("{install_id}/{org_id}")));
    }
    Ok(())
}

/// One org, encoded for its row.
struct OrgColumns {
    id: String,
    plan: Option<String>,
    features: String,
    limits: String,
    valid_from: Option<i64>,
    valid_until: Option<i64>,
}

const ORG_INSERT: &str = "INSERT INTO entitlement_orgs (install_id, org_id, plan, features, limits, valid_from, \
     valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7)";

impl OrgColumns {
    fn new(o: &OrgEntitlement) -> Result<Self, VendorError> {
        Ok(OrgColumns {
            id: o.id.clone(),
            plan: o.plan.clone(),
            features: to_json(&o.features)?,
            limits: to_json(&o.limits)?,
            valid_from: o.valid_from.map(|t| t.0),
            valid_until: o.valid_until.map(|t| t.0),
        })
    }

    fn bind<'q, DB: sqlx::Database>(
        &'q self,
        sql: &'q str,
        install_id: &'q str,
    ) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
    where
        &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        sqlx::query(sql)
            .bind(install_id)
            .bind(self.id.as_str())
            .bind(self.plan.as_deref())
            .bind(self.features.as_str())
            .bind(self.limits.as_str())
            .bind(self.valid_from)
            .bind(self.valid_until)
    }

    fn insert<'q, DB: sqlx::Database>(
        &'q self,
        install_id: &'q str,
    ) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
    where
        &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        self.bind(ORG_INSERT, install_id)
    }

    fn upsert<'q, DB: sqlx::Database>(
        &'q self,
        install_id: &'q str,
    ) -> sqlx::query::Query<'q, DB, <DB as sqlx::Database>::Arguments<'q>>
    where
        &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<&'q str>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        Option<i64>: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        self.bind(ORG_UPSERT, install_id)
    }
}

const ORG_UPSERT: &str = "INSERT INTO entitlement_orgs (install_id, org_id, plan, features, limits, valid_from, \
     valid_until) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (install_id, org_id) DO UPDATE SET \
     plan = $3, features = $4, limits = $5, valid_from = $6, valid_until = $7";
