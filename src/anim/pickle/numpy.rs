//! What a motion pickle may hold besides plain data: the allow-listed globals (numpy's array
//! reconstruction, dtype and scalars, `OrderedDict`, `_codecs.encode`), each rebuilt here from
//! its data, and the stack items they live in while the pickle is read.

use super::Value;

/// The globals a pickle may name.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Global {
    Reconstruct,
    NdArray,
    Dtype,
    Scalar,
    FromBuffer,
    OrderedDict,
    CodecsEncode,
}

impl Global {
    pub(super) fn resolve(module: &str, name: &str) -> Result<Self, String> {
        let numpy_core = |m: &str, tail: &str| {
            m.strip_prefix("numpy.core.")
                .or_else(|| m.strip_prefix("numpy._core."))
                == Some(tail)
        };
        Ok(match (module, name) {
            (m, "_reconstruct") if numpy_core(m, "multiarray") => Global::Reconstruct,
            (m, "scalar") if numpy_core(m, "multiarray") => Global::Scalar,
            (m, "_frombuffer") if numpy_core(m, "numeric") => Global::FromBuffer,
            ("numpy", "ndarray") => Global::NdArray,
            ("numpy", "dtype") => Global::Dtype,
            ("collections", "OrderedDict") => Global::OrderedDict,
            ("_codecs", "encode") => Global::CodecsEncode,
            _ => {
                return Err(format!(
                    "the pickle names `{module}.{name}`, which is not read here (only numpy arrays, dtypes and scalars, OrderedDict and plain data are): save frames as lists or numpy arrays"
                ));
            }
        })
    }
}

/// A numpy dtype of a number: kind (`f`, `i`, `u`, `b`), size in bytes, byte order. `id`
/// ties the memo's copies to the object a later BUILD completes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) struct Dtype {
    id: u32,
    kind: u8,
    size: usize,
    big_endian: bool,
}

impl Dtype {
    fn parse(descr: &str, id: u32) -> Result<Self, String> {
        let (order, rest) = match descr.as_bytes().first() {
            Some(b'<' | b'=' | b'|') => (false, &descr[1..]),
            Some(b'>') => (true, &descr[1..]),
            _ => (false, descr),
        };
        let kind = *rest.as_bytes().first().ok_or("empty dtype")?;
        let size: usize = rest[1..]
            .parse()
            .map_err(|_| format!("dtype `{descr}` is not a number type"))?;
        let ok = match kind {
            b'f' => matches!(size, 4 | 8),
            b'i' | b'u' => matches!(size, 1 | 2 | 4 | 8),
            b'b' => size == 1,
            // Python objects (`np.save` of a dict): their elements are this reader's own values.
            b'O' => size == 8,
            _ => false,
        };
        if !ok {
            return Err(format!("dtype `{descr}` is not a number type read here"));
        }
        Ok(Self {
            id,
            kind,
            size,
            big_endian: order,
        })
    }

    /// The values of `bytes`, widened to f64.
    fn decode(&self, bytes: &[u8]) -> Result<Vec<f64>, String> {
        if !bytes.len().is_multiple_of(self.size) {
            return Err("array data is not a whole number of values".into());
        }
        Ok(bytes
            .chunks_exact(self.size)
            .map(|c| {
                let mut b = [0u8; 8];
                b[..self.size].copy_from_slice(c);
                if self.big_endian {
                    b[..self.size].reverse();
                }
                match (self.kind, self.size) {
                    (b'f', 4) => f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]])),
                    (b'f', _) => f64::from_le_bytes(b),
                    (b'i', n) => {
                        // Sign-extend from n bytes.
                        let shift = 64 - 8 * n as u32;
                        ((i64::from_le_bytes(b) << shift) >> shift) as f64
                    }
                    (_, _) => u64::from_le_bytes(b) as f64,
                }
            })
            .collect())
    }
}

#[derive(Clone, Debug)]
pub(super) enum Item {
    Value(Value),
    Mark,
    Global(Global),
    Dtype(Dtype),
    /// An array `_reconstruct` made, waiting for its BUILD.
    EmptyArray(u32),
    /// A tuple holding more than plain data.
    Tuple(Vec<Item>),
}

fn as_usize(v: &Value) -> Result<usize, String> {
    match v {
        Value::Int(i) if *i >= 0 => Ok(*i as usize),
        _ => Err("array shape is not a tuple of sizes".into()),
    }
}

fn shape_of(v: &Value) -> Result<Vec<usize>, String> {
    match v {
        Value::List(dims) => dims.iter().map(as_usize).collect(),
        _ => Err("array shape is not a tuple".into()),
    }
}

/// `data` (in Fortran order when `fortran`) as an array of `shape` in C order.
fn array(shape: Vec<usize>, data: Vec<f64>, fortran: bool) -> Result<Value, String> {
    let n: usize = shape.iter().product();
    if data.len() != n {
        return Err(format!(
            "array of shape {shape:?} holds {} values",
            data.len()
        ));
    }
    if !fortran || shape.len() < 2 {
        return Ok(Value::Array { shape, data });
    }
    let mut c = vec![0.0; n];
    let mut index = vec![0usize; shape.len()];
    for value in data {
        // `index` walks Fortran order (first axis fastest); write it at its C offset.
        let offset = index.iter().zip(&shape).fold(0, |o, (i, d)| o * d + i);
        c[offset] = value;
        for (i, d) in index.iter_mut().zip(&shape) {
            *i += 1;
            if *i < *d {
                break;
            }
            *i = 0;
        }
    }
    Ok(Value::Array { shape, data: c })
}

/// Calls an allowed global with `args`.
pub(super) fn reduce(g: Global, args: Item, next_id: &mut u32) -> Result<Item, String> {
    let mut values = tuple_items(args)?.into_iter();
    let bad = |what: &str| format!("malformed pickle: {what}");
    Ok(match g {
        Global::Reconstruct => {
            *next_id += 1;
            Item::EmptyArray(*next_id)
        }
        Global::Dtype => match values.next() {
            Some(Item::Value(Value::Str(descr))) => {
                *next_id += 1;
                Item::Dtype(Dtype::parse(&descr, *next_id)?)
            }
            _ => return Err(bad("dtype without a type string")),
        },
        Global::Scalar => match (values.next(), values.next()) {
            (Some(Item::Dtype(d)), Some(Item::Value(Value::Bytes(b)))) => {
                let v = d.decode(&b)?;
                let x = *v.first().ok_or_else(|| bad("empty scalar"))?;
                Item::Value(if d.kind == b'f' {
                    Value::Float(x)
                } else {
                    Value::Int(x as i64)
                })
            }
            _ => return Err(bad("scalar without a dtype and bytes")),
        },
        Global::FromBuffer => match (values.next(), values.next(), values.next(), values.next()) {
            (
                Some(Item::Value(Value::Bytes(b))),
                Some(Item::Dtype(d)),
                Some(Item::Value(shape)),
                Some(Item::Value(Value::Str(order))),
            ) => Item::Value(array(shape_of(&shape)?, d.decode(&b)?, order == "F")?),
            _ => return Err(bad("_frombuffer without bytes, dtype, shape and order")),
        },
        Global::OrderedDict => match values.next() {
            None => Item::Value(Value::Dict(Vec::new())),
            Some(Item::Value(Value::List(pairs))) => {
                let mut d = Vec::new();
                for p in pairs {
                    match p {
                        Value::List(kv) if kv.len() == 2 => {
                            let mut kv = kv.into_iter();
                            d.push((kv.next().unwrap(), kv.next().unwrap()));
                        }
                        _ => return Err(bad("OrderedDict items are not pairs")),
                    }
                }
                Item::Value(Value::Dict(d))
            }
            _ => return Err(bad("OrderedDict of something else")),
        },
        Global::CodecsEncode => match (values.next(), values.next()) {
            (Some(Item::Value(Value::Str(s))), Some(Item::Value(Value::Str(enc))))
                if enc == "latin1" =>
            {
                let bytes: Result<Vec<u8>, _> = s.chars().map(u8::try_from).collect();
                Item::Value(Value::Bytes(
                    bytes.map_err(|_| bad("latin1 text out of range"))?,
                ))
            }
            _ => return Err(bad("_codecs.encode of something other than latin1 text")),
        },
        Global::NdArray => return Err(bad("numpy.ndarray called directly")),
    })
}

/// A tuple: plain when every element is plain data, else kept as items (a dtype inside an
/// array's state, a global inside a call's arguments).
pub(super) fn make_tuple(items: Vec<Item>) -> Item {
    if items.iter().all(|i| matches!(i, Item::Value(_))) {
        Item::Value(Value::List(
            items
                .into_iter()
                .map(|i| match i {
                    Item::Value(v) => v,
                    _ => unreachable!("checked"),
                })
                .collect(),
        ))
    } else {
        Item::Tuple(items)
    }
}

pub(super) fn tuple_items(item: Item) -> Result<Vec<Item>, String> {
    match item {
        Item::Value(Value::List(vs)) => Ok(vs.into_iter().map(Item::Value).collect()),
        Item::Tuple(items) => Ok(items),
        _ => Err("malformed pickle: expected a tuple".into()),
    }
}

/// Completes `target` with `state` (BUILD): an array's shape, dtype and data, or a dtype's
/// byte order.
pub(super) fn build(target: Item, state: Item) -> Result<Item, String> {
    let bad = |what: &str| format!("malformed pickle: {what}");
    let state = tuple_items(state)?;
    match target {
        Item::Dtype(mut d) => {
            if let Some(Item::Value(Value::Str(order))) = state.get(1) {
                d.big_endian = order == ">";
            }
            Ok(Item::Dtype(d))
        }
        Item::EmptyArray(_) => {
            let mut it = state.into_iter();
            let (_version, shape, dtype, fortran, data) =
                (it.next(), it.next(), it.next(), it.next(), it.next());
            let (Some(Item::Value(shape)), Some(Item::Dtype(d)), Some(Item::Value(fortran))) =
                (shape, dtype, fortran)
            else {
                return Err(bad("array state without shape, dtype and order"));
            };
            let data = match data {
                Some(Item::Value(Value::Bytes(b))) if d.kind != b'O' => d.decode(&b)?,
                Some(Item::Value(Value::List(items))) if d.kind == b'O' => {
                    return object_array(shape_of(&shape)?, items);
                }
                _ => return Err("malformed pickle: an array's data does not fit its dtype".into()),
            };
            let fortran = matches!(fortran, Value::Bool(true));
            Ok(Item::Value(array(shape_of(&shape)?, data, fortran)?))
        }
        _ => Err(bad("BUILD of something other than an array or a dtype")),
    }
}

/// An array of Python objects (already read under the allow-list): its one element when it has
/// no dimensions (`np.save` of a dict), else its elements as a list in C order.
fn object_array(shape: Vec<usize>, mut items: Vec<Value>) -> Result<Item, String> {
    if items.len() != shape.iter().product::<usize>() {
        return Err("malformed pickle: an object array's size does not match its shape".into());
    }
    Ok(Item::Value(if shape.is_empty() {
        items.pop().expect("one element")
    } else {
        Value::List(items)
    }))
}

/// The object id an item's memo copies share (dtypes and arrays BUILD completes later).
pub(super) fn object_id(item: &Item) -> Option<u32> {
    match item {
        Item::Dtype(d) => Some(d.id),
        Item::EmptyArray(id) => Some(*id),
        _ => None,
    }
}
