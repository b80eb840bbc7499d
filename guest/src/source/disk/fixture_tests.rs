//! The reader on a run the real `wandb` 0.31 client wrote offline: `demo/local/` (how it was
//! made: its README). Exact answers, then the same file cut, damaged and extended.

use super::fold::{self, RunLog, Visitor};
use super::framing::{End, LogError, LogReader};
use super::framing_tests::write_log;
use super::records::{History, Output, Stats};
use serde_json::{json, Value as Json};

/// The run directory the demo ships (`demo/local/README.md`: how the real client wrote it),
/// and its log: the fixture of every test here that reads what the client writes.
pub const DEMO_DIR: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../demo/local/wandb/offline-run-20261206_183549-demo0001"
);
pub const DEMO: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../demo/local/wandb/offline-run-20261206_183549-demo0001/run-demo0001.wandb"
);

fn demo_bytes() -> Vec<u8> {
    std::fs::read(DEMO).unwrap()
}

#[derive(Default)]
struct Collect {
    rows: Vec<(i64, serde_json::Map<String, Json>)>,
    stats: Vec<(f64, Vec<String>)>,
    stdout: String,
    stderr: String,
}

impl Visitor for Collect {
    fn history(&mut self, row: &History<'_>) {
        self.rows
            .push((row.step, super::value::row_json(&row.items)));
    }
    fn stats(&mut self, stats: &Stats<'_>) {
        self.stats.push((
            stats.timestamp,
            stats.items.iter().map(|(k, _)| k.to_string()).collect(),
        ));
    }
    fn output(&mut self, piece: &Output<'_>) {
        let to = if piece.stderr {
            &mut self.stderr
        } else {
            &mut self.stdout
        };
        to.push_str(&piece.text);
    }
}

fn read(bytes: &[u8]) -> Result<(RunLog, Collect), LogError> {
    let mut seen = Collect::default();
    let log = fold::read(bytes, &mut seen)?;
    Ok((log, seen))
}

#[test]
fn the_demo_run_reads_exactly() {
    let (log, seen) = read(&demo_bytes()).unwrap();
    let run = log.run.as_ref().unwrap();
    assert_eq!(
        (run.run_id.as_str(), run.project.as_str()),
        ("demo0001", "local-demo")
    );
    assert_eq!(run.display_name, "demo-explosion");
    assert_eq!(run.entity, "", "offline runs have no entity");
    assert!(run.start_time > 1.7e9);
    assert_eq!(log.end, End::Complete);
    assert_eq!(log.exit.map(|e| e.exit_code), Some(1));
    assert_eq!(
        (log.rows, log.first_step, log.last_step),
        (321, Some(0), Some(320))
    );
    assert_eq!(log.config["lr"], json!(0.003));
    assert_eq!(log.config["optimizer"], json!({"name": "adamw"}));
    assert_eq!(log.summary["loss"], json!("NaN"));
    assert_eq!(log.summary["_step"], json!(320));
    assert_eq!(log.summary["weights/fc1"]["_type"], json!("histogram"));

    let steps: Vec<i64> = seen.rows.iter().map(|r| r.0).collect();
    assert_eq!(steps, (0..=320).collect::<Vec<_>>(), "every row, in order");
    let first = |pred: &dyn Fn(&serde_json::Map<String, Json>) -> bool| {
        seen.rows.iter().find(|(_, row)| pred(row)).map(|r| r.0)
    };
    let grad = |r: &serde_json::Map<String, Json>| r["grad_norm"].as_f64().unwrap_or(0.0);
    assert_eq!(first(&|r| grad(r) > 40.0), Some(250));
    assert_eq!(first(&|r| r["loss"] == json!("NaN")), Some(300));
    assert_eq!(first(&|r| r.contains_key("val_loss")), Some(49));
    let hist = &seen.rows[100].1["weights/fc1"];
    assert_eq!(hist["_type"], json!("histogram"));
    assert_eq!(hist["values"].as_array().map(Vec::len), Some(8));
    assert_eq!(hist["bins"].as_array().map(Vec::len), Some(9));
    assert_eq!(seen.rows[3].1["_step"], json!(3));

    assert!(
        seen.stats.len() >= 3,
        "stats every second: {}",
        seen.stats.len()
    );
    assert!(seen
        .stats
        .iter()
        .any(|(_, keys)| keys.iter().any(|k| k == "cpu")));
    assert!(seen.stdout.contains("step 280 loss 3.2216\n"));
    assert!(seen.stderr.contains("Traceback (most recent call last):\n"));
    assert!(seen
        .stderr
        .ends_with("FloatingPointError: loss is NaN at step 320\n"));
    assert!(log.last_time >= seen.stats.last().unwrap().0);
}

#[test]
fn the_demo_run_cut_anywhere_reads_a_prefix_and_never_fails() {
    let bytes = demo_bytes();
    let (whole, _) = read(&bytes).unwrap();
    let mut last_rows = 0;
    for i in 0..=97 {
        let cut = bytes.len() * i / 97;
        let (log, seen) = read(&bytes[..cut]).unwrap_or_else(|e| panic!("cut at {cut}: {e}"));
        assert!(
            log.rows >= last_rows && log.rows <= whole.rows,
            "cut at {cut}"
        );
        assert_eq!(seen.rows.len() as u64, log.rows);
        last_rows = log.rows;
        // The exit record comes after the last row.
        assert!(log.exit.is_none() || log.rows == 321, "cut at {cut}");
    }
    assert_eq!(last_rows, 321);
    // A cut inside a record says so, and where.
    let (log, _) = read(&bytes[..bytes.len() - 3]).unwrap();
    assert!(matches!(log.end, End::Truncated { offset } if offset < bytes.len() as u64 - 3));
}

#[test]
fn a_damaged_byte_is_one_clear_error() {
    let mut bytes = demo_bytes();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    let err = read(&bytes).err().unwrap();
    assert!(matches!(err, LogError::BadCrc { .. }), "{err:?}");
    assert!(err
        .to_string()
        .starts_with("damaged W&B run log: bad checksum in the chunk at byte "));
}

#[test]
fn unknown_record_types_and_fields_are_skipped() {
    let bytes = demo_bytes();
    let mut reader = LogReader::new(&bytes[..]).unwrap();
    let mut records = Vec::new();
    while let Some(r) = reader.next_record().unwrap() {
        // Every record gains an unknown varint field 150 and an unknown message field 151.
        let mut r = r.to_vec();
        r.extend_from_slice(&[0xB0, 0x09, 0x2A, 0xBA, 0x09, 0x02, 0x08, 0x01]);
        records.push(r);
        // And an unknown record type (field 99, a message) between each.
        records.push(vec![0x08, 0x05, 0x9A, 0x06, 0x03, 0x0A, 0x01, b'x']);
    }
    let (log, seen) = read(&write_log(&records)).unwrap();
    let (whole, whole_seen) = read(&bytes).unwrap();
    assert_eq!(log.rows, whole.rows);
    assert_eq!(log.summary, whole.summary);
    assert_eq!(log.config, whole.config);
    assert_eq!(seen.rows, whole_seen.rows);
    assert_eq!(seen.stderr, whole_seen.stderr);
}

#[test]
fn a_record_that_is_not_protobuf_is_one_clear_error() {
    let log = write_log(&[vec![0x12, 0x7F, 0x01]]);
    let err = read(&log).err().unwrap();
    assert_eq!(
        err.to_string(),
        "damaged W&B run log: a record before byte 17 is not protobuf (a field longer than its message)"
    );
}
