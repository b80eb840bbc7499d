//! Run files as data: a file's name, what it holds, and how storage delivers it (the bad
//! cases a client must survive). Serving them is the API's job (`api::files`).

/// What a run file holds.
#[derive(Debug, Clone)]
pub enum FileContent {
    /// The run's console, as wandb-core writes `output.log`.
    Console,
    Bytes(Vec<u8>),
}

/// How the storage server treats a file's URL (the bad cases a client must survive).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Normal,
    /// The first URL handed out has already expired (403); later ones are fresh.
    ExpiredFirst,
    /// The storage answers with a redirect to another origin.
    Redirect,
}

#[derive(Debug, Clone)]
pub struct RunFile {
    pub name: String,
    pub content: FileContent,
    pub delivery: Delivery,
    pub updated_at: String,
}
