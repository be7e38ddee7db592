//! Customers: who the licenses are for.

use licet_core::UnixTime;

use super::{insert_audited, Arg, Audited};
use crate::db::{dispatch, Db};
use crate::error::VendorError;
use crate::model::Customer;

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    name: String,
    email: Option<String>,
    created_at: i64,
}

impl From<Row> for Customer {
    fn from(r: Row) -> Self {
        Customer {
            id: r.id,
            name: r.name,
            email: r.email,
            created_at: UnixTime(r.created_at),
        }
    }
}

const SELECT: &str = "SELECT id, name, email, created_at FROM customers";

pub async fn create(db: &Db, customer: &Customer, actor: &str) -> Result<(), VendorError> {
    let detail = format!("customer {} ({})", customer.id, customer.name);
    let row = [
        Arg::Text(&customer.id),
        Arg::Text(&customer.name),
        Arg::MaybeText(customer.email.as_deref()),
        Arg::Int(customer.created_at.0),
    ];
    let audited = Audited {
        at: customer.created_at,
        actor,
        action: "customer.create",
        detail: &detail,
        what: "customer",
        id: &customer.id,
    };
    insert_audited(
        db,
        "INSERT INTO customers (id, name, email, created_at) VALUES ($1, $2, $3, $4)",
        &row,
        audited,
    )
    .await
}

pub async fn list(db: &Db) -> Result<Vec<Customer>, VendorError> {
    let rows: Vec<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} ORDER BY name, id")).fetch_all(pool).await?
    });
    Ok(rows.into_iter().map(Customer::from).collect())
}

pub async fn get(db: &Db, id: &str) -> Result<Customer, VendorError> {
    let row: Option<Row> = dispatch!(db, pool => {
        sqlx::query_as(&format!("{SELECT} WHERE id = $1")).bind(id).fetch_optional(pool).await?
    });
    row.map(Customer::from)
        .ok_or_else(|| VendorError::not_found("customer", id))
}

pub async fn update(
    db: &Db,
    id: &str,
    name: Option<&str>,
    email: Option<&str>,
    at: UnixTime,
    actor: &str,
) -> Result<Customer, VendorError> {
    let changed: u64 = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        let n = sqlx::query("UPDATE customers SET name = COALESCE($2, name), email = COALESCE($3, email) WHERE id = $1")
            .bind(id)
            .bind(name)
            .bind(email)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        // The customer's name is in every license: its installs' next renewal must pick the change up.
        sqlx::query("UPDATE installs SET revision = revision + 1 WHERE customer_id = $1")
            .bind(id)
            .execute(&mut *tx)
            .await?;
        super::audit(at, actor, "customer.update", None, &format!("customer {id}"))
            .execute(&mut *tx)
            .await?;
        if n == 1 {
            tx.commit().await?;
        }
        n
    });
    if changed == 0 {
        return Err(VendorError::not_found("customer", id));
    }
    get(db, id).await
}

pub async fn delete(db: &Db, id: &str, at: UnixTime, actor: &str) -> Result<(), VendorError> {
    let (installs, deleted): (i64, u64) = dispatch!(db, pool => {
        let mut tx = pool.begin().await?;
        // The delete comes first so that SQLite takes the write lock at once (no deferred-lock upgrade).
        let deleted = sqlx::query("DELETE FROM customers WHERE id = $1 AND NOT EXISTS \
                                   (SELECT 1 FROM installs WHERE customer_id = $1)")
            .bind(id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let (installs,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM installs WHERE customer_id = $1")
            .bind(id)
            .fetch_one(&mut *tx)
            .await?;
        if deleted == 1 {
            super::audit(at, actor, "customer.delete", None, &format!("customer {id}"))
            .execute(&mut *tx)
                .await?;
            tx.commit().await?;
        }
        (installs, deleted)
    });
    match (deleted, installs) {
        (1, _) => Ok(()),
        (_, 0) => Err(VendorError::not_found("customer", id)),
        _ => Err(VendorError::CustomerHasInstalls(id.to_owned())),
    }
}
