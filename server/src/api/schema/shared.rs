//! What every object of the schema uses: W&B's scalars, the request's store and caller,
//! and relay ids.

use std::sync::Arc;

use async_graphql::{
    Context, InputValueError, InputValueResult, Scalar, ScalarType, Value as GqlValue,
};
use base64::Engine;

use crate::model::account::Account;
use crate::model::run::Store;

/// W&B's `JSONString`: JSON carried inside a GraphQL string.
pub struct JsonString(pub String);

#[Scalar(name = "JSONString")]
impl ScalarType for JsonString {
    fn parse(value: GqlValue) -> InputValueResult<Self> {
        match value {
            GqlValue::String(s) => Ok(JsonString(s)),
            other => Err(InputValueError::expected_type(other)),
        }
    }
    fn to_value(&self) -> GqlValue {
        GqlValue::String(self.0.clone())
    }
}

/// W&B's `Int64` (step numbers).
pub struct Int64(pub i64);

#[Scalar(name = "Int64")]
impl ScalarType for Int64 {
    fn parse(value: GqlValue) -> InputValueResult<Self> {
        match &value {
            GqlValue::Number(n) => n
                .as_i64()
                .map(Int64)
                .ok_or_else(|| InputValueError::expected_type(value)),
            _ => Err(InputValueError::expected_type(value)),
        }
    }
    fn to_value(&self) -> GqlValue {
        GqlValue::Number(self.0.into())
    }
}

/// The store every resolver reads.
pub fn store<'a>(ctx: &Context<'a>) -> &'a Arc<Store> {
    ctx.data_unchecked::<Arc<Store>>()
}

/// The user whose key the request carried (`http` adds it to every request).
pub fn caller<'a>(ctx: &Context<'a>) -> &'a Account {
    ctx.data_unchecked::<Account>()
}

/// A relay-style global id: base64 of `Kind:id`.
pub fn relay_id(kind: &str, id: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(format!("{kind}:{id}"))
}
