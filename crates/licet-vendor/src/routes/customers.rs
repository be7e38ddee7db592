use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;

use super::{ApiResult, Body, Segments};
use crate::model::Customer;
use crate::service::Vendor;
use crate::store;

pub(super) fn routes() -> Router<Vendor> {
    Router::new()
        .route("/v1/customers", get(list).post(create))
        .route("/v1/customers/{id}", get(one).patch(update).delete(remove))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCustomer {
    #[serde(default)]
    id: Option<String>,
    name: String,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CustomerPatch {
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

async fn list(State(v): State<Vendor>) -> ApiResult<Json<Vec<Customer>>> {
    Ok(Json(store::customers::list(v.db()).await?))
}

async fn create(State(v): State<Vendor>, Body(new): Body<NewCustomer>) -> ApiResult<(StatusCode, Json<Customer>)> {
    super::installs::check_id("customer id", new.id.as_deref())?;
    check_name(&new.name)?;
    let customer = Customer {
        id: new.id.unwrap_or_else(|| uuid::Uuid::new_v4().to_string()),
        name: new.name,
        email: new.email,
        created_at: v.now(),
    };
    store::customers::create(v.db(), &customer, "admin").await?;
    Ok((StatusCode::CREATED, Json(customer)))
}

fn check_name(name: &str) -> Result<(), crate::error::VendorError> {
    if name.trim().is_empty() {
        return Err(crate::error::VendorError::InvalidRequest(
            "name must not be empty".into(),
        ));
    }
    Ok(())
}

async fn one(State(v): State<Vendor>, Segments(id): Segments<String>) -> ApiResult<Json<Customer>> {
    Ok(Json(store::customers::get(v.db(), &id).await?))
}

async fn update(
    State(v): State<Vendor>,
    Segments(id): Segments<String>,
    Body(p): Body<CustomerPatch>,
) -> ApiResult<Json<Customer>> {
    p.name.as_deref().map(check_name).transpose()?;
    let c = store::customers::update(v.db(), &id, p.name.as_deref(), p.email.as_deref(), v.now(), "admin").await?;
    Ok(Json(c))
}

async fn remove(State(v): State<Vendor>, Segments(id): Segments<String>) -> ApiResult<StatusCode> {
    store::customers::delete(v.db(), &id, v.now(), "admin").await?;
    Ok(StatusCode::NO_CONTENT)
}
