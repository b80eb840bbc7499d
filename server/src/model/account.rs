//! A user of the API, as plain data.

#[derive(Clone, Debug)]
pub struct Account {
    pub key: String,
    pub username: String,
    pub entity: String,
}
