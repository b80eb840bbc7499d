//! The summary (and config) as the result of the log's updates, applied in order.
//!
//! A 200,000-step run writes two summary records per step: most values are overwritten
//! hundreds of thousands of times and read once. So a value is kept as its JSON text, under
//! its path, overwritten in place, and parsed only when [`Tree::into_json`] builds the result.

use super::records::{Item, Value};
use super::value::{json_of, set_path};
use serde_json::{Map, Value as Json};
use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};

/// FNV-1a: keys are short and hashed millions of times; SipHash's defence against chosen
/// collisions buys nothing for a file the user's own training wrote.
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Fnv {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 {
            0xcbf2_9ce4_8422_2325
        } else {
            self.0
        };
        for &b in bytes {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// A hasher for the keys of one run: its own file, hashed millions of times.
pub type Fast = BuildHasherDefault<Fnv>;

/// Joins path parts: a byte no key contains (the client's keys are printable text).
const SEP: char = '\u{1f}';

#[derive(Debug, Default)]
pub struct Tree {
    /// Path (parts joined by [`SEP`]) to the value's JSON text.
    values: HashMap<String, String, Fast>,
    /// Paths that have deeper entries below them, so that a write to the path itself can
    /// drop them (writing `a` after `a.b` replaces the whole of `a`).
    parents: HashSet<String, Fast>,
    scratch: String,
}

impl Tree {
    fn key_of(&mut self, item: &Item<'_>) {
        self.scratch.clear();
        for (i, part) in item.path.parts().enumerate() {
            if i > 0 {
                self.scratch.push(SEP);
            }
            self.scratch.push_str(part);
        }
    }

    /// Applies one update.
    pub fn set(&mut self, item: &Item<'_>) {
        self.key_of(item);
        if self.parents.contains(self.scratch.as_str()) {
            self.drop_below();
        }
        let text = match &item.value {
            Value::Json(text) => std::borrow::Cow::Borrowed(text.as_ref()),
            typed => std::borrow::Cow::Owned(typed.to_json().to_string()),
        };
        if let Some(slot) = self.values.get_mut(self.scratch.as_str()) {
            // Overwritten in place: the same capacity serves every later step.
            slot.clear();
            slot.push_str(&text);
            return;
        }
        let key = self.scratch.clone();
        for (i, c) in key.char_indices() {
            if c == SEP {
                self.parents.insert(key[..i].to_string());
            }
        }
        self.values.insert(key, text.into_owned());
    }

    /// Applies one removal: the path and everything below it.
    pub fn remove(&mut self, item: &Item<'_>) {
        self.key_of(item);
        self.values.remove(self.scratch.as_str());
        if self.parents.contains(self.scratch.as_str()) {
            self.drop_below();
        }
    }

    fn drop_below(&mut self) {
        let prefix = format!("{}{SEP}", self.scratch);
        self.values.retain(|k, _| !k.starts_with(&prefix));
        self.parents.retain(|k| !k.starts_with(&prefix));
        self.parents.remove(self.scratch.as_str());
    }

    /// The nested JSON object: shorter paths first, so a nested write lands inside (or
    /// replaces) what an earlier write to its parent put there.
    pub fn into_json(self) -> Map<String, Json> {
        let mut entries: Vec<(Vec<&str>, Json)> = self
            .values
            .iter()
            .map(|(k, v)| (k.split(SEP).collect(), json_of(v)))
            .collect();
        entries.sort_by(|a, b| a.0.len().cmp(&b.0.len()).then_with(|| a.0.cmp(&b.0)));
        let mut out = Map::new();
        for (path, value) in entries {
            set_path(&mut out, &path, value);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::super::records::Path;
    use super::*;
    use std::borrow::Cow;

    fn item(path: &[&'static str], v: &'static str) -> Item<'static> {
        Item {
            path: Path::of(path.iter().map(|p| Cow::Borrowed(*p))),
            value: Value::Json(Cow::Borrowed(v)),
        }
    }

    #[test]
    fn last_write_wins_and_nesting() {
        let mut t = Tree::default();
        t.set(&item(&["loss"], "1"));
        t.set(&item(&["loss"], "0.5"));
        t.set(&item(&["_wandb", "runtime"], "3"));
        t.set(&item(&["h", "_type"], "\"histogram\""));
        t.set(&item(&["h", "bins"], "[0,1]"));
        t.set(&item(&["bad"], "NaN"));
        assert_eq!(
            Json::Object(t.into_json()),
            serde_json::json!({"loss": 0.5, "_wandb": {"runtime": 3}, "h": {"_type": "histogram", "bins": [0, 1]}, "bad": "NaN"})
        );
    }

    #[test]
    fn a_write_to_a_parent_replaces_what_was_below_it() {
        let mut t = Tree::default();
        t.set(&item(&["a", "b"], "1"));
        t.set(&item(&["a"], "{\"c\": 2}"));
        assert_eq!(
            Json::Object(t.into_json()),
            serde_json::json!({"a": {"c": 2}})
        );
        let mut t = Tree::default();
        t.set(&item(&["a"], "7"));
        t.set(&item(&["a", "b"], "1"));
        assert_eq!(
            Json::Object(t.into_json()),
            serde_json::json!({"a": {"b": 1}})
        );
    }

    #[test]
    fn removal_takes_the_subtree() {
        let mut t = Tree::default();
        t.set(&item(&["a", "b"], "1"));
        t.set(&item(&["a", "c"], "2"));
        t.set(&item(&["d"], "3"));
        t.remove(&item(&["a"], ""));
        assert_eq!(Json::Object(t.into_json()), serde_json::json!({"d": 3}));
    }
}
