//! Protocol buffers' wire format, read by hand: what the record decoder needs and no more.
//!
//! Every field is a tag (field number and wire type) and a value; a reader that does not know
//! a field skips it by its wire type, which is how newer clients' fields pass through.

use std::fmt;

/// A field's value as the wire carries it.
#[derive(Debug, Clone, Copy)]
pub enum Wire<'a> {
    Varint(u64),
    Fixed64(u64),
    Bytes(&'a [u8]),
    Fixed32(u32),
}

/// A message that does not parse as protobuf (a damaged record).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireError(pub &'static str);

impl fmt::Display for WireError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The fields of one message, in wire order.
pub struct Fields<'a> {
    buf: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    pub fn new(buf: &'a [u8]) -> Fields<'a> {
        Fields { buf, pos: 0 }
    }

    fn varint(&mut self) -> Result<u64, WireError> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .buf
                .get(self.pos)
                .ok_or(WireError("a varint cut short"))?;
            self.pos += 1;
            value |= u64::from(byte & 0x7F) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(WireError("a varint longer than 10 bytes"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8], WireError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.buf.len())
            .ok_or(WireError("a field longer than its message"))?;
        let bytes = &self.buf[self.pos..end];
        self.pos = end;
        Ok(bytes)
    }

    fn field(&mut self) -> Result<(u32, Wire<'a>), WireError> {
        let tag = self.varint()?;
        let number = u32::try_from(tag >> 3).map_err(|_| WireError("a field number too large"))?;
        let value = match tag & 7 {
            0 => Wire::Varint(self.varint()?),
            1 => Wire::Fixed64(u64::from_le_bytes(fixed(self.take(8)?))),
            2 => {
                let len = usize::try_from(self.varint()?)
                    .map_err(|_| WireError("a field longer than its message"))?;
                Wire::Bytes(self.take(len)?)
            }
            5 => Wire::Fixed32(u32::from_le_bytes(fixed(self.take(4)?))),
            _ => return Err(WireError("a wire type proto3 never writes")),
        };
        Ok((number, value))
    }
}

fn fixed<const N: usize>(bytes: &[u8]) -> [u8; N] {
    let mut out = [0u8; N];
    out.copy_from_slice(bytes);
    out
}

impl<'a> Iterator for Fields<'a> {
    type Item = Result<(u32, Wire<'a>), WireError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.pos >= self.buf.len() {
            return None;
        }
        let field = self.field();
        if field.is_err() {
            // One error ends the message: the rest cannot be framed.
            self.pos = self.buf.len();
        }
        Some(field)
    }
}

impl<'a> Wire<'a> {
    /// A length-delimited field (string, bytes, message); `None` for another wire type.
    pub fn bytes(self) -> Option<&'a [u8]> {
        match self {
            Wire::Bytes(b) => Some(b),
            _ => None,
        }
    }

    /// A varint field as the int64/int32/enum/bool it holds (two's complement).
    pub fn int(self) -> Option<i64> {
        match self {
            Wire::Varint(v) => Some(v as i64),
            _ => None,
        }
    }

    /// A `sint64` field (zigzag).
    pub fn sint(self) -> Option<i64> {
        match self {
            Wire::Varint(v) => Some((v >> 1) as i64 ^ -((v & 1) as i64)),
            _ => None,
        }
    }

    /// A `double` field.
    pub fn double(self) -> Option<f64> {
        match self {
            Wire::Fixed64(v) => Some(f64::from_bits(v)),
            _ => None,
        }
    }

    /// A string field; bytes that are not UTF-8 are replaced rather than refused.
    pub fn text(self) -> Option<std::borrow::Cow<'a, str>> {
        // `from_utf8` first: its fast path is much quicker than the lossy decoder's.
        let bytes = self.bytes()?;
        Some(match std::str::from_utf8(bytes) {
            Ok(text) => std::borrow::Cow::Borrowed(text),
            Err(_) => String::from_utf8_lossy(bytes),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(buf: &[u8]) -> Result<Vec<(u32, String)>, WireError> {
        Fields::new(buf)
            .map(|f| f.map(|(n, w)| (n, format!("{w:?}"))))
            .collect()
    }

    #[test]
    fn reads_each_wire_type() {
        // field 1 varint 150; field 2 "hi"; field 3 fixed64 1.5; field 4 fixed32 7.
        let mut buf = vec![0x08, 0x96, 0x01, 0x12, 2, b'h', b'i', 0x19];
        buf.extend_from_slice(&1.5f64.to_le_bytes());
        buf.extend_from_slice(&[0x25, 7, 0, 0, 0]);
        let fields: Vec<_> = Fields::new(&buf).collect::<Result<_, _>>().unwrap();
        assert_eq!(fields[0].1.int(), Some(150));
        assert_eq!(fields[1].1.text().as_deref(), Some("hi"));
        assert_eq!(fields[2].1.double(), Some(1.5));
        assert!(matches!(fields[3].1, Wire::Fixed32(7)));
        assert_eq!(fields.iter().map(|f| f.0).collect::<Vec<_>>(), [1, 2, 3, 4]);
    }

    #[test]
    fn negative_and_zigzag() {
        // int32 -1 is ten bytes of two's complement; sint64 -2 is zigzag 3.
        let buf = [
            0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01, 0x10, 3,
        ];
        let fields: Vec<_> = Fields::new(&buf).collect::<Result<_, _>>().unwrap();
        assert_eq!(fields[0].1.int(), Some(-1));
        assert_eq!(fields[1].1.sint(), Some(-2));
    }

    #[test]
    fn damaged_messages_are_errors_not_panics() {
        assert_eq!(all(&[0x08]), Err(WireError("a varint cut short")));
        assert_eq!(
            all(&[0x12, 5, b'a']),
            Err(WireError("a field longer than its message"))
        );
        assert_eq!(
            all(&[0x0B]),
            Err(WireError("a wire type proto3 never writes"))
        );
        assert!(
            all(&[0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).is_err()
        );
        // A huge length does not overflow.
        assert!(all(&[0x12, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]).is_err());
    }
}
