//! CRC-32 (IEEE 802.3, zlib's `crc32`), which the `.wandb` log puts on every chunk.
//!
//! Slice-by-8: a diagnose of a 92 MB file checks 92 MB of CRCs, and the byte-at-a-time table
//! loop would be a third of the whole read inside the component. The tables are built at
//! compile time.

const POLY: u32 = 0xEDB8_8320;

const TABLES: [[u32; 256]; 8] = build_tables();

const fn build_tables() -> [[u32; 256]; 8] {
    let mut tables = [[0u32; 256]; 8];
    let mut i = 0;
    while i < 256 {
        let mut crc = i as u32;
        let mut bit = 0;
        while bit < 8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ POLY
            } else {
                crc >> 1
            };
            bit += 1;
        }
        tables[0][i] = crc;
        i += 1;
    }
    let mut t = 1;
    while t < 8 {
        let mut i = 0;
        while i < 256 {
            let prev = tables[t - 1][i];
            tables[t][i] = (prev >> 8) ^ tables[0][(prev & 0xFF) as usize];
            i += 1;
        }
        t += 1;
    }
    tables
}

/// Continues a CRC over `bytes` (start with 0; the result of one call feeds the next).
pub fn update(crc: u32, bytes: &[u8]) -> u32 {
    let mut crc = !crc;
    let mut chunks = bytes.chunks_exact(8);
    for c in &mut chunks {
        let lo = crc ^ u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
        crc = TABLES[7][(lo & 0xFF) as usize]
            ^ TABLES[6][((lo >> 8) & 0xFF) as usize]
            ^ TABLES[5][((lo >> 16) & 0xFF) as usize]
            ^ TABLES[4][(lo >> 24) as usize]
            ^ TABLES[3][c[4] as usize]
            ^ TABLES[2][c[5] as usize]
            ^ TABLES[1][c[6] as usize]
            ^ TABLES[0][c[7] as usize];
    }
    for &b in chunks.remainder() {
        crc = (crc >> 8) ^ TABLES[0][((crc ^ b as u32) & 0xFF) as usize];
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::update;

    #[test]
    fn known_values() {
        assert_eq!(update(0, b""), 0);
        assert_eq!(update(0, b"123456789"), 0xCBF4_3926);
        assert_eq!(
            update(0, b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn continues_across_calls() {
        let text = b"a record split into pieces of any length at all";
        for cut in 0..text.len() {
            assert_eq!(
                update(update(0, &text[..cut]), &text[cut..]),
                update(0, text)
            );
        }
    }
}
