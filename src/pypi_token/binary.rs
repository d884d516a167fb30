//! The binary V2 macaroon format pymacaroons writes (libmacaroons'
//! `format.txt`): a version byte 2, then sections of fields, each field a
//! type varint, a length varint and that many bytes, each section ended by
//! an end-of-section (EOS) field of type 0 with no length. The header
//! section holds the location and identifier; one section per caveat
//! (first-party: identifier only; third-party: location, identifier and
//! verification-key id); an empty section ends the caveats; the signature
//! field follows.
//!
//! Every length is checked against the bytes that remain before anything
//! is sliced, so a forged length allocates nothing. Nothing here keeps the
//! identifier or the signature: only the first-party caveats are read.

use std::fmt;

use super::error::ParseError;

/// The version byte of the V2 binary format.
const VERSION_2: u8 = 2;
/// Field types (libmacaroons' numbering; 3 and 5 are unused).
const EOS: u64 = 0;
const LOCATION: u64 = 1;
const IDENTIFIER: u64 = 2;
const VERIFICATION_ID: u64 = 4;
const SIGNATURE: u64 = 6;
/// HMAC-SHA256, the only signature pymacaroons makes.
const SIGNATURE_LEN: usize = 32;

/// The name of a field type, for errors; any number the format lacks is
/// `unknown`, so a misaligned read never prints token bytes as a number.
fn field_name(field_type: u64) -> &'static str {
    match field_type {
        EOS => "end-of-section",
        LOCATION => "location",
        IDENTIFIER => "identifier",
        VERIFICATION_ID => "verification-key id",
        SIGNATURE => "signature",
        _ => "unknown",
    }
}

/// What the parser keeps of a macaroon: the predicates of its first-party
/// caveats and how many third-party caveats it has.
pub struct Macaroon<'a> {
    /// The identifier of each first-party caveat (PyPI's JSON caveats), in order.
    pub first_party: Vec<&'a [u8]>,
    /// How many third-party caveats (those with a verification-key id) it has.
    pub third_party: usize,
}

// By hand: the caveats are token bytes, so Debug shows only their count.
impl fmt::Debug for Macaroon<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Macaroon")
            .field("first_party", &self.first_party.len())
            .field("third_party", &self.third_party)
            .finish()
    }
}

/// Parses the decoded bytes of a V2 macaroon, rejecting anything
/// pymacaroons would reject, and bytes after the signature.
pub fn parse_v2(bytes: &[u8]) -> Result<Macaroon<'_>, ParseError> {
    let mut reader = Reader { bytes, pos: 0 };
    if reader.byte()? != VERSION_2 {
        return Err(ParseError::UnsupportedFormat);
    }
    let header = reader.section()?;
    if header.identifier.is_none() {
        return Err(ParseError::MissingIdentifier {
            offset: header.offset,
        });
    }
    if let Some(offset) = header.verification_id {
        return Err(ParseError::UnexpectedField {
            field: field_name(VERIFICATION_ID),
            offset,
        });
    }
    let mut macaroon = Macaroon {
        first_party: Vec::new(),
        third_party: 0,
    };
    loop {
        let caveat = reader.section()?;
        if caveat.is_empty() {
            break;
        }
        let Some(identifier) = caveat.identifier else {
            return Err(ParseError::MissingIdentifier {
                offset: caveat.offset,
            });
        };
        match (caveat.location, caveat.verification_id) {
            (_, Some(_)) => macaroon.third_party += 1,
            (None, None) => macaroon.first_party.push(identifier),
            // A location without a verification-key id belongs to no kind of caveat.
            (Some(offset), None) => {
                return Err(ParseError::UnexpectedField {
                    field: field_name(LOCATION),
                    offset,
                })
            }
        }
    }
    let field = reader.field()?;
    if field.field_type != SIGNATURE {
        return Err(ParseError::UnexpectedField {
            field: field_name(field.field_type),
            offset: field.offset,
        });
    }
    if field.data.len() != SIGNATURE_LEN {
        return Err(ParseError::SignatureLength {
            length: field.data.len(),
        });
    }
    match reader.remaining() {
        0 => Ok(macaroon),
        count => Err(ParseError::TrailingBytes { count }),
    }
}

/// One field: its type, its bytes (empty for EOS), where it started.
struct Field<'a> {
    field_type: u64,
    data: &'a [u8],
    offset: usize,
}

/// The fields of one section that the format allows. Locations and ids
/// are kept as offsets: only a caveat's identifier is ever read.
struct Section<'a> {
    /// Where the section starts, for errors.
    offset: usize,
    location: Option<usize>,
    identifier: Option<&'a [u8]>,
    verification_id: Option<usize>,
}

impl Section<'_> {
    /// The empty section that ends the caveats.
    fn is_empty(&self) -> bool {
        self.location.is_none() && self.identifier.is_none() && self.verification_id.is_none()
    }
}

/// A cursor over the decoded bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    fn truncated(&self) -> ParseError {
        ParseError::Truncated {
            offset: self.bytes.len(),
        }
    }

    fn byte(&mut self) -> Result<u8, ParseError> {
        let byte = *self.bytes.get(self.pos).ok_or_else(|| self.truncated())?;
        self.pos += 1;
        Ok(byte)
    }

    /// An unsigned LEB128 varint of at most 64 bits.
    fn varint(&mut self) -> Result<u64, ParseError> {
        let offset = self.pos;
        let mut value: u64 = 0;
        for shift in (0..64).step_by(7) {
            let byte = self.byte()?;
            let bits = u64::from(byte & 0x7f);
            // The tenth byte may carry only the 64th bit.
            if shift == 63 && bits > 1 {
                return Err(ParseError::BadVarint { offset });
            }
            value |= bits << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(ParseError::BadVarint { offset })
    }

    fn field(&mut self) -> Result<Field<'a>, ParseError> {
        let offset = self.pos;
        let field_type = self.varint()?;
        if field_type == EOS {
            return Ok(Field {
                field_type,
                data: &[],
                offset,
            });
        }
        let length = self.varint()?;
        // Compare before converting: the length is the input's claim, not a size to trust.
        let length = match usize::try_from(length) {
            Ok(length) if length <= self.remaining() => length,
            _ => return Err(self.truncated()),
        };
        let data = &self.bytes[self.pos..self.pos + length];
        self.pos += length;
        Ok(Field {
            field_type,
            data,
            offset,
        })
    }

    /// Fields up to the next EOS, in increasing type order as the format requires.
    fn section(&mut self) -> Result<Section<'a>, ParseError> {
        let mut section = Section {
            offset: self.pos,
            location: None,
            identifier: None,
            verification_id: None,
        };
        let mut previous_type = EOS;
        loop {
            let field = self.field()?;
            if field.field_type == EOS {
                return Ok(section);
            }
            let unexpected = ParseError::UnexpectedField {
                field: field_name(field.field_type),
                offset: field.offset,
            };
            if field.field_type <= previous_type {
                return Err(unexpected);
            }
            previous_type = field.field_type;
            match field.field_type {
                LOCATION => section.location = Some(field.offset),
                IDENTIFIER => section.identifier = Some(field.data),
                VERIFICATION_ID => section.verification_id = Some(field.offset),
                _ => return Err(unexpected),
            }
        }
    }
}
