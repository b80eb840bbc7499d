//! The records of a `.wandb` log that the operations use, decoded from protobuf.
//!
//! Field numbers from the client's `wandb_internal.proto` (docs/local-runs.md). Everything is
//! borrowed from the record's bytes; values stay JSON text until someone asks for them, since
//! most of a long run's values are never looked at (a diagnose reads three keys of many).
//! Unknown record types and fields are skipped: newer clients add them.

use super::wire::{Fields, Wire, WireError};
use std::borrow::Cow;

/// One decoded record. Types no operation needs (telemetry, files, metrics, artifacts...)
/// are [`Record::Other`].
#[derive(Debug)]
pub enum Record<'a> {
    /// Boxed: it is large and comes once.
    Run(Box<Run<'a>>),
    History(History<'a>),
    /// Undecoded ([`updates`] decodes it): two of every three records of a long run are
    /// summary updates, and a listing or a history read never looks at them.
    Summary(&'a [u8]),
    Config(Updates<'a>),
    Stats(Stats<'a>),
    /// `output` and `output_raw`: one piece of console text.
    Output(Output<'a>),
    Exit(Exit),
    Other,
}

/// A key (`key`, or the path in `nested_key`) and its value.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub path: Path<'a>,
    pub value: Value<'a>,
}

/// A key path: its first part, and the rest only for nested keys (histogram parts,
/// `_wandb.runtime`), so a plain key costs no allocation on a path read millions of times.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Path<'a> {
    pub first: Cow<'a, str>,
    pub rest: Vec<Cow<'a, str>>,
}

impl<'a> Path<'a> {
    pub fn of(parts: impl IntoIterator<Item = Cow<'a, str>>) -> Path<'a> {
        let mut parts = parts.into_iter();
        Path {
            first: parts.next().unwrap_or_default(),
            rest: parts.collect(),
        }
    }

    pub fn parts(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.first.as_ref()).chain(self.rest.iter().map(|p| p.as_ref()))
    }

    /// A plain (not nested) key equal to `key`.
    pub fn is(&self, key: &str) -> bool {
        self.rest.is_empty() && self.first == key
    }
}

/// A value as written: JSON text (`value_json`, or the typed `json` field) or one of
/// HistoryItem's typed fields.
#[derive(Debug, Clone, PartialEq)]
pub enum Value<'a> {
    Json(Cow<'a, str>),
    Null,
    Bool(bool),
    Int(i64),
    Number(f64),
    Text(Cow<'a, str>),
}

#[derive(Debug, Default)]
pub struct History<'a> {
    /// The `step` field; proto3 leaves step 0 out, so an absent step is 0.
    pub step: i64,
    pub items: Vec<Item<'a>>,
}

/// Summary and config records: updates applied in order, then removals.
#[derive(Debug, Default)]
pub struct Updates<'a> {
    pub update: Vec<Item<'a>>,
    pub remove: Vec<Item<'a>>,
}

#[derive(Debug, Default)]
pub struct Run<'a> {
    pub run_id: Cow<'a, str>,
    pub entity: Cow<'a, str>,
    pub project: Cow<'a, str>,
    pub display_name: Cow<'a, str>,
    pub group: Cow<'a, str>,
    pub job_type: Cow<'a, str>,
    pub notes: Cow<'a, str>,
    pub sweep_id: Cow<'a, str>,
    pub host: Cow<'a, str>,
    pub tags: Vec<Cow<'a, str>>,
    pub config: Updates<'a>,
    /// Unix seconds (with the fraction from `nanos`); 0 when absent.
    pub start_time: f64,
    pub starting_step: i64,
    pub resumed: bool,
}

#[derive(Debug, Default)]
pub struct Stats<'a> {
    pub timestamp: f64,
    pub items: Vec<(Cow<'a, str>, Cow<'a, str>)>,
}

#[derive(Debug, Default)]
pub struct Output<'a> {
    /// STDERR is 0 (and so absent on the wire), STDOUT 1.
    pub stderr: bool,
    pub timestamp: f64,
    pub text: Cow<'a, str>,
}

#[derive(Debug, Default, Clone, Copy, PartialEq)]
pub struct Exit {
    pub exit_code: i32,
    pub runtime: i32,
}

type Parsed<T> = Result<T, WireError>;

/// Decodes one record's bytes.
pub fn decode(bytes: &[u8]) -> Parsed<Record<'_>> {
    let mut record = Record::Other;
    for field in Fields::new(bytes) {
        let (number, wire) = field?;
        let Some(body) = wire.bytes() else { continue };
        record = match number {
            2 => Record::History(history(body)?),
            3 => Record::Summary(body),
            4 | 13 => Record::Output(output(body)?),
            5 => Record::Config(updates(body)?),
            7 => Record::Stats(stats(body)?),
            17 => Record::Run(Box::new(run(body)?)),
            18 => Record::Exit(exit(body)?),
            _ => continue,
        };
    }
    Ok(record)
}

fn text(wire: Wire<'_>) -> Cow<'_, str> {
    wire.text().unwrap_or_default()
}

/// HistoryItem, SummaryItem and ConfigItem share `key` 1, `nested_key` 2, `value_json` 16;
/// HistoryItem adds typed values 3-8.
fn item(bytes: &[u8]) -> Parsed<Item<'_>> {
    let mut key = None;
    let mut path: Option<Path<'_>> = None;
    let mut value = Value::Null;
    for field in Fields::new(bytes) {
        let (number, wire) = field?;
        match number {
            1 => key = Some(text(wire)),
            2 => match &mut path {
                None => {
                    path = Some(Path {
                        first: text(wire),
                        rest: Vec::new(),
                    })
                }
                Some(p) => p.rest.push(text(wire)),
            },
            3 => value = Value::Null,
            4 => value = Value::Bool(wire.int().unwrap_or(0) != 0),
            5 => value = Value::Int(wire.sint().unwrap_or(0)),
            6 => value = Value::Number(wire.double().unwrap_or(0.0)),
            7 => value = Value::Text(text(wire)),
            8 | 16 => value = Value::Json(text(wire)),
            _ => {}
        }
    }
    let path = path.unwrap_or_else(|| Path {
        first: key.unwrap_or_default(),
        rest: Vec::new(),
    });
    Ok(Item { path, value })
}

fn history(bytes: &[u8]) -> Parsed<History<'_>> {
    let mut out = History::default();
    for field in Fields::new(bytes) {
        match field? {
            (1, Wire::Bytes(b)) => out.items.push(item(b)?),
            (2, Wire::Bytes(b)) => {
                for f in Fields::new(b) {
                    if let (1, w) = f? {
                        out.step = w.int().unwrap_or(0);
                    }
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// A summary or config record's updates.
pub fn updates(bytes: &[u8]) -> Parsed<Updates<'_>> {
    let mut out = Updates::default();
    for field in Fields::new(bytes) {
        match field? {
            (1, Wire::Bytes(b)) => out.update.push(item(b)?),
            (2, Wire::Bytes(b)) => out.remove.push(item(b)?),
            _ => {}
        }
    }
    Ok(out)
}

/// google.protobuf.Timestamp: `seconds` 1, `nanos` 2.
fn timestamp(bytes: &[u8]) -> Parsed<f64> {
    let (mut seconds, mut nanos) = (0i64, 0i64);
    for field in Fields::new(bytes) {
        match field? {
            (1, w) => seconds = w.int().unwrap_or(0),
            (2, w) => nanos = w.int().unwrap_or(0),
            _ => {}
        }
    }
    Ok(seconds as f64 + nanos as f64 / 1e9)
}

fn run(bytes: &[u8]) -> Parsed<Run<'_>> {
    let mut out = Run::default();
    for field in Fields::new(bytes) {
        let (number, wire) = field?;
        match number {
            1 => out.run_id = text(wire),
            2 => out.entity = text(wire),
            3 => out.project = text(wire),
            4 => out.config = updates(wire.bytes().unwrap_or_default())?,
            6 => out.group = text(wire),
            7 => out.job_type = text(wire),
            8 => out.display_name = text(wire),
            9 => out.notes = text(wire),
            10 => out.tags.push(text(wire)),
            12 => out.sweep_id = text(wire),
            13 => out.host = text(wire),
            14 => out.starting_step = wire.int().unwrap_or(0),
            17 => out.start_time = timestamp(wire.bytes().unwrap_or_default())?,
            18 => out.resumed = wire.int().unwrap_or(0) != 0,
            _ => {}
        }
    }
    Ok(out)
}

fn stats(bytes: &[u8]) -> Parsed<Stats<'_>> {
    let mut out = Stats::default();
    for field in Fields::new(bytes) {
        match field? {
            (2, Wire::Bytes(b)) => out.timestamp = timestamp(b)?,
            (3, Wire::Bytes(b)) => {
                let (mut key, mut value) = (Cow::Borrowed(""), Cow::Borrowed(""));
                for f in Fields::new(b) {
                    match f? {
                        (1, w) => key = text(w),
                        (16, w) => value = text(w),
                        _ => {}
                    }
                }
                out.items.push((key, value));
            }
            _ => {}
        }
    }
    Ok(out)
}

fn output(bytes: &[u8]) -> Parsed<Output<'_>> {
    let mut out = Output {
        stderr: true,
        ..Output::default()
    };
    for field in Fields::new(bytes) {
        match field? {
            (1, w) => out.stderr = w.int().unwrap_or(0) == 0,
            (2, Wire::Bytes(b)) => out.timestamp = timestamp(b)?,
            (3, w) => out.text = text(w),
            _ => {}
        }
    }
    Ok(out)
}

fn exit(bytes: &[u8]) -> Parsed<Exit> {
    let mut out = Exit::default();
    for field in Fields::new(bytes) {
        match field? {
            // int32 fields: a negative one is sign-extended to 64 bits on the wire.
            (1, w) => out.exit_code = w.int().unwrap_or(0) as i32,
            (2, w) => out.runtime = w.int().unwrap_or(0) as i32,
            _ => {}
        }
    }
    Ok(out)
}
