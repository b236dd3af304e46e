//! Reading NumPy `.npz` archives as `np.savez` writes them: a zip of uncompressed `.npy` members.
//!
//! Only what motion files need: stored (not deflated) members, little-endian `f4`/`f8`/`i4`/`i8`
//! arrays and `U` (UTF-32) string arrays in C order. A general zip crate would do more, but its
//! dependencies switch on features of crates under burn and force a full rebuild of it; the
//! stored-zip subset is small and fully checked (sizes, CRC-32).

use std::collections::HashMap;

/// One array from an `.npz`.
#[derive(Clone, Debug, PartialEq)]
pub enum NpyArray {
    /// Numbers (any supported numeric dtype, widened to f64) with their shape.
    Numbers {
        /// The shape.
        shape: Vec<usize>,
        /// Values in C order.
        data: Vec<f64>,
    },
    /// Strings with their shape.
    Strings {
        /// The shape.
        shape: Vec<usize>,
        /// Values in C order.
        data: Vec<String>,
    },
}

/// Reads every member of an `.npz` archive; errors say what is wrong and where.
pub fn read_npz(bytes: &[u8]) -> Result<HashMap<String, NpyArray>, String> {
    let mut out = HashMap::new();
    let mut at = 0usize;
    let u16_at = |b: &[u8], i: usize| u16::from_le_bytes([b[i], b[i + 1]]) as usize;
    let u32_at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    while at + 30 <= bytes.len() && u32_at(bytes, at) == 0x0403_4b50 {
        let flags = u16_at(bytes, at + 6);
        let method = u16_at(bytes, at + 8);
        let crc = u32_at(bytes, at + 14);
        let mut size = u32_at(bytes, at + 18) as usize;
        let name_len = u16_at(bytes, at + 26);
        let extra_len = u16_at(bytes, at + 28);
        let name_start = at + 30;
        let name = String::from_utf8_lossy(
            bytes
                .get(name_start..name_start + name_len)
                .ok_or("truncated member name")?,
        )
        .into_owned();
        let data_start = name_start + name_len + extra_len;
        if method != 0 {
            return Err(format!(
                "member `{name}` is compressed (method {method}); only np.savez's stored members are supported"
            ));
        }
        if flags & 0x8 != 0 {
            return Err(format!(
                "member `{name}` uses a data descriptor, which np.savez does not write"
            ));
        }
        if size == 0xffff_ffff {
            // Zip64: the real size is in the extra field (header id 1).
            let extra = &bytes[name_start + name_len..data_start];
            size = u64::from_le_bytes(
                extra
                    .get(4..12)
                    .ok_or("bad zip64 extra field")?
                    .try_into()
                    .unwrap(),
            ) as usize;
        }
        let data = bytes
            .get(data_start..data_start + size)
            .ok_or_else(|| format!("member `{name}` is truncated"))?;
        if crc32fast::hash(data) != crc {
            return Err(format!("member `{name}` fails its CRC-32 check"));
        }
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        let array = parse_npy(data).map_err(|e| format!("member `{name}`: {e}"))?;
        out.insert(key, array);
        at = data_start + size;
    }
    if out.is_empty() {
        return Err("not an .npz archive (no zip members)".into());
    }
    Ok(out)
}

/// The header of an `.npy` file: its dtype, shape and where its data starts.
#[derive(Clone, Debug, PartialEq)]
pub struct NpyHeader {
    /// The dtype, as numpy writes it (`<f8`, `|O`, ...).
    pub descr: String,
    /// The shape.
    pub shape: Vec<usize>,
    /// Offset of the data in the file.
    pub data_start: usize,
}

/// Reads an `.npy` file's header (C order only).
pub fn read_npy_header(b: &[u8]) -> Result<NpyHeader, String> {
    if b.len() < 10 || &b[..6] != b"\x93NUMPY" {
        return Err("not an .npy array (bad magic)".into());
    }
    let (header_len, header_start) = match b[6] {
        1 => (u16::from_le_bytes([b[8], b[9]]) as usize, 10),
        2 | 3 => (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12),
        v => return Err(format!("unsupported .npy version {v}")),
    };
    let header = std::str::from_utf8(
        b.get(header_start..header_start + header_len)
            .ok_or("truncated header")?,
    )
    .map_err(|_| "header is not text")?;
    let field = |key: &str| -> Result<&str, String> {
        let at = header
            .find(&format!("'{key}'"))
            .ok_or(format!("header has no `{key}`"))?;
        let rest = header[at + key.len() + 2..]
            .trim_start()
            .strip_prefix(':')
            .ok_or("bad header")?;
        Ok(rest.trim_start())
    };
    let descr = field("descr")?;
    let descr = descr
        .strip_prefix('\'')
        .and_then(|d| d.split('\'').next())
        .ok_or("bad descr")?;
    if field("fortran_order")?.starts_with("True") {
        return Err("Fortran-ordered arrays are not supported".into());
    }
    let shape_text = field("shape")?;
    let shape_text = shape_text
        .strip_prefix('(')
        .and_then(|s| s.split(')').next())
        .ok_or("bad shape")?;
    let shape: Vec<usize> = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>()
                .map_err(|_| format!("bad shape `{shape_text}`"))
        })
        .collect::<Result<_, _>>()?;
    Ok(NpyHeader {
        descr: descr.to_string(),
        shape,
        data_start: header_start + header_len,
    })
}

/// Parses one `.npy` file.
pub fn parse_npy(b: &[u8]) -> Result<NpyArray, String> {
    let NpyHeader {
        descr,
        shape,
        data_start,
    } = read_npy_header(b)?;
    let descr = descr.as_str();
    let count: usize = shape.iter().product();
    let data = &b[data_start..];
    let need = |width: usize| -> Result<(), String> {
        if data.len() < count * width {
            Err(format!(
                "{} bytes of data for {count} values of {width} bytes",
                data.len()
            ))
        } else {
            Ok(())
        }
    };
    let numbers = |width: usize, f: &dyn Fn(&[u8]) -> f64| -> Result<NpyArray, String> {
        need(width)?;
        Ok(NpyArray::Numbers {
            shape: shape.clone(),
            data: data.chunks_exact(width).take(count).map(f).collect(),
        })
    };
    match descr {
        "<f4" => numbers(4, &|c| f64::from(f32::from_le_bytes(c.try_into().unwrap()))),
        "<f8" => numbers(8, &|c| f64::from_le_bytes(c.try_into().unwrap())),
        "<i4" => numbers(4, &|c| f64::from(i32::from_le_bytes(c.try_into().unwrap()))),
        "<i8" => numbers(8, &|c| i64::from_le_bytes(c.try_into().unwrap()) as f64),
        d if d.starts_with("<U") => {
            let chars: usize = d[2..].parse().map_err(|_| format!("bad dtype `{d}`"))?;
            need(chars * 4)?;
            let strings = data
                .chunks_exact(chars * 4)
                .take(count)
                .map(|s| {
                    s.chunks_exact(4)
                        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
                        .take_while(|&c| c != 0)
                        .filter_map(char::from_u32)
                        .collect()
                })
                .collect();
            Ok(NpyArray::Strings {
                shape,
                data: strings,
            })
        }
        d => Err(format!(
            "dtype `{d}` is not supported (<f4, <f8, <i4, <i8, <U)"
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn npy(descr: &str, shape: &str, data: &[u8]) -> Vec<u8> {
        let mut header =
            format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
        while (10 + header.len() + 1) % 64 != 0 {
            header.push(' ');
        }
        header.push('\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(header.len() as u16).to_le_bytes());
        out.extend_from_slice(header.as_bytes());
        out.extend_from_slice(data);
        out
    }

    fn stored_zip(members: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut out = Vec::new();
        for (name, data) in members {
            out.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
            out.extend_from_slice(&[20, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
            out.extend_from_slice(&crc32fast::hash(data).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(data.len() as u32).to_le_bytes());
            out.extend_from_slice(&(name.len() as u16).to_le_bytes());
            out.extend_from_slice(&0u16.to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(data);
        }
        out
    }

    #[test]
    fn reads_numbers_and_strings_and_checks_crc() {
        let floats: Vec<u8> = [1.5f32, -2.0, 3.25, 4.0, 5.0, 6.0]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let names: Vec<u8> = ["ab", "c"]
            .iter()
            .flat_map(|s| {
                let mut v: Vec<u8> = s.chars().flat_map(|c| (c as u32).to_le_bytes()).collect();
                v.resize(8, 0);
                v
            })
            .collect();
        let zip = stored_zip(&[
            ("x.npy", npy("<f4", "(2, 3)", &floats)),
            ("names.npy", npy("<U2", "(2,)", &names)),
            ("fps.npy", npy("<i8", "()", &60i64.to_le_bytes())),
        ]);
        let arrays = read_npz(&zip).unwrap();
        assert_eq!(
            arrays["x"],
            NpyArray::Numbers {
                shape: vec![2, 3],
                data: vec![1.5, -2.0, 3.25, 4.0, 5.0, 6.0]
            }
        );
        assert_eq!(
            arrays["names"],
            NpyArray::Strings {
                shape: vec![2],
                data: vec!["ab".into(), "c".into()]
            }
        );
        assert_eq!(
            arrays["fps"],
            NpyArray::Numbers {
                shape: vec![],
                data: vec![60.0]
            }
        );
        let mut bad = zip.clone();
        bad[40] ^= 1;
        assert!(read_npz(&bad).unwrap_err().contains("CRC"));
        assert!(read_npz(b"not a zip").is_err());
    }
}
