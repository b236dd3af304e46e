//! Reading the pickles MimicKit writes for motions (`Motion.save`: a dict of ints, floats and
//! lists of lists), and those whose frames are numpy arrays, which its `load_motion` accepts too.
//! Only the opcodes such data uses (protocols 2–5) are understood, and only an allow-list of
//! globals is resolved — numpy's array reconstruction, `dtype` and scalars, `OrderedDict`, and
//! `_codecs.encode` for protocol 2's bytes — each rebuilt here from its data. Any other global
//! is refused, so loading a pickle never runs code and never constructs an arbitrary object.

mod numpy;

use std::collections::HashMap;

use numpy::{Global, Item, build, make_tuple, object_id, reduce};

/// A decoded value.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    /// `None`.
    None,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// A string.
    Str(String),
    /// Bytes (`bytes` or `bytearray`).
    Bytes(Vec<u8>),
    /// A list or tuple.
    List(Vec<Value>),
    /// A numeric numpy array, its values in C (row-major) order.
    Array {
        /// Its shape.
        shape: Vec<usize>,
        /// Its values, widened to f64.
        data: Vec<f64>,
    },
    /// A dict, in insertion order.
    Dict(Vec<(Value, Value)>),
}

impl Value {
    /// The number this value holds (ints widen to f64).
    pub fn as_f64(&self) -> Option<f64> {
        match *self {
            Value::Int(i) => Some(i as f64),
            Value::Float(f) => Some(f),
            Value::Bool(b) => Some(f64::from(u8::from(b))),
            _ => None,
        }
    }

    /// The value under string key `key` of a dict.
    pub fn get(&self, key: &str) -> Option<&Value> {
        match self {
            Value::Dict(items) => items
                .iter()
                .find(|(k, _)| matches!(k, Value::Str(s) if s == key))
                .map(|(_, v)| v),
            _ => None,
        }
    }
}

/// Decodes a pickle of plain data and numeric numpy arrays.
pub fn unpickle(bytes: &[u8]) -> Result<Value, String> {
    let mut stack: Vec<Item> = Vec::new();
    let mut memo: HashMap<u32, Item> = HashMap::new();
    let mut next_id = 0u32;
    let mut at = 0usize;
    let take = |at: &mut usize, n: usize| -> Result<&[u8], String> {
        let s = bytes.get(*at..*at + n).ok_or("truncated pickle")?;
        *at += n;
        Ok(s)
    };
    let line = |at: &mut usize| -> Result<String, String> {
        let rest = bytes.get(*at..).ok_or("truncated pickle")?;
        let end = rest
            .iter()
            .position(|b| *b == b'\n')
            .ok_or("truncated pickle")?;
        *at += end + 1;
        String::from_utf8(rest[..end].to_vec()).map_err(|_| "global name is not UTF-8".into())
    };
    let pop = |stack: &mut Vec<Item>| -> Result<Item, String> {
        match stack.pop() {
            Some(Item::Mark) | None => {
                Err("malformed pickle: expected a value on the stack".into())
            }
            Some(item) => Ok(item),
        }
    };
    let pop_value = |stack: &mut Vec<Item>| -> Result<Value, String> {
        match pop(stack)? {
            Item::Value(v) => Ok(v),
            _ => Err("the pickle puts a numpy object where plain data belongs".into()),
        }
    };
    let pop_to_mark = |stack: &mut Vec<Item>| -> Result<Vec<Item>, String> {
        let mut items = Vec::new();
        loop {
            match stack.pop() {
                Some(Item::Mark) => break,
                Some(item) => items.push(item),
                None => return Err("malformed pickle: no mark".into()),
            }
        }
        items.reverse();
        Ok(items)
    };
    let values = |items: Vec<Item>| -> Result<Vec<Value>, String> {
        items
            .into_iter()
            .map(|i| match i {
                Item::Value(v) => Ok(v),
                _ => Err("the pickle puts a numpy object where plain data belongs".to_string()),
            })
            .collect()
    };
    let memo_key = |at: &mut usize, short: bool| -> Result<u32, String> {
        Ok(if short {
            u32::from(take(at, 1)?[0])
        } else {
            u32::from_le_bytes(take(at, 4)?.try_into().unwrap())
        })
    };
    let remember = |memo: &mut HashMap<u32, Item>, key: u32, stack: &[Item]| {
        if let Some(item) = stack.last()
            && !matches!(item, Item::Mark)
        {
            memo.insert(key, item.clone());
        }
    };
    loop {
        let op = *take(&mut at, 1)?.first().unwrap();
        match op {
            0x80 => {
                let proto = take(&mut at, 1)?[0];
                if proto > 5 {
                    return Err(format!("pickle protocol {proto} is newer than 5"));
                }
            }
            0x95 => {
                take(&mut at, 8)?;
            }
            b'}' => stack.push(Item::Value(Value::Dict(Vec::new()))),
            b']' | b')' => stack.push(Item::Value(Value::List(Vec::new()))),
            b'(' => stack.push(Item::Mark),
            b'N' => stack.push(Item::Value(Value::None)),
            0x88 => stack.push(Item::Value(Value::Bool(true))),
            0x89 => stack.push(Item::Value(Value::Bool(false))),
            b'K' => stack.push(Item::Value(Value::Int(i64::from(take(&mut at, 1)?[0])))),
            b'M' => {
                let b = take(&mut at, 2)?;
                stack.push(Item::Value(Value::Int(i64::from(u16::from_le_bytes([
                    b[0], b[1],
                ])))));
            }
            b'J' => {
                let b = take(&mut at, 4)?;
                stack.push(Item::Value(Value::Int(i64::from(i32::from_le_bytes(
                    b.try_into().unwrap(),
                )))));
            }
            0x8a => {
                let n = take(&mut at, 1)?[0] as usize;
                let b = take(&mut at, n)?;
                if n > 8 {
                    return Err("integer too large".into());
                }
                let mut buf = if b.last().is_some_and(|x| x & 0x80 != 0) {
                    [0xff; 8]
                } else {
                    [0; 8]
                };
                buf[..n].copy_from_slice(b);
                stack.push(Item::Value(Value::Int(i64::from_le_bytes(buf))));
            }
            b'G' => {
                let b = take(&mut at, 8)?;
                stack.push(Item::Value(Value::Float(f64::from_be_bytes(
                    b.try_into().unwrap(),
                ))));
            }
            0x8c | b'X' | 0x8d => {
                let n = match op {
                    0x8c => take(&mut at, 1)?[0] as usize,
                    b'X' => u32::from_le_bytes(take(&mut at, 4)?.try_into().unwrap()) as usize,
                    _ => u64::from_le_bytes(take(&mut at, 8)?.try_into().unwrap()) as usize,
                };
                let s =
                    std::str::from_utf8(take(&mut at, n)?).map_err(|_| "string is not UTF-8")?;
                stack.push(Item::Value(Value::Str(s.to_string())));
            }
            b'C' | b'B' | 0x8e | 0x96 => {
                let n = match op {
                    b'C' => take(&mut at, 1)?[0] as usize,
                    b'B' => u32::from_le_bytes(take(&mut at, 4)?.try_into().unwrap()) as usize,
                    _ => u64::from_le_bytes(take(&mut at, 8)?.try_into().unwrap()) as usize,
                };
                stack.push(Item::Value(Value::Bytes(take(&mut at, n)?.to_vec())));
            }
            b'c' => {
                let module = line(&mut at)?;
                let name = line(&mut at)?;
                stack.push(Item::Global(Global::resolve(&module, &name)?));
            }
            0x93 => {
                let name = pop_value(&mut stack)?;
                let module = pop_value(&mut stack)?;
                let (Value::Str(module), Value::Str(name)) = (module, name) else {
                    return Err("malformed pickle: STACK_GLOBAL without names".into());
                };
                stack.push(Item::Global(Global::resolve(&module, &name)?));
            }
            b'R' => {
                let args = pop(&mut stack)?;
                let Item::Global(g) = pop(&mut stack)? else {
                    return Err("malformed pickle: REDUCE without a callable".into());
                };
                let item = reduce(g, args, &mut next_id)?;
                stack.push(item);
            }
            b'b' => {
                let state = pop(&mut stack)?;
                let target = pop(&mut stack)?;
                let id = object_id(&target);
                let built = build(target, state)?;
                // The memo's copies of the object are completed too.
                if let Some(id) = id {
                    for m in memo.values_mut() {
                        if object_id(m) == Some(id) {
                            *m = built.clone();
                        }
                    }
                }
                stack.push(built);
            }
            0x94 => {
                let key = memo.len() as u32;
                remember(&mut memo, key, &stack);
            }
            b'q' | b'r' => {
                let key = memo_key(&mut at, op == b'q')?;
                remember(&mut memo, key, &stack);
            }
            b'h' | b'j' => {
                let key = memo_key(&mut at, op == b'h')?;
                let item = memo
                    .get(&key)
                    .cloned()
                    .ok_or("malformed pickle: unknown memo key")?;
                // The memo holds copies taken when containers were created (still empty), so a
                // shared list or dict cannot be reproduced: refuse rather than return it empty.
                if matches!(item, Item::Value(Value::List(_) | Value::Dict(_))) {
                    return Err("the pickle shares one list or dict in two places, which is not plain motion data".into());
                }
                stack.push(item);
            }
            b'a' => {
                let v = pop_value(&mut stack)?;
                match stack.last_mut() {
                    Some(Item::Value(Value::List(l))) => l.push(v),
                    _ => return Err("malformed pickle: APPEND without a list".into()),
                }
            }
            b'e' => {
                let items = values(pop_to_mark(&mut stack)?)?;
                match stack.last_mut() {
                    Some(Item::Value(Value::List(l))) => l.extend(items),
                    _ => return Err("malformed pickle: APPENDS without a list".into()),
                }
            }
            b's' | b'u' => {
                let items = if op == b's' {
                    let v = pop_value(&mut stack)?;
                    let k = pop_value(&mut stack)?;
                    vec![k, v]
                } else {
                    values(pop_to_mark(&mut stack)?)?
                };
                match stack.last_mut() {
                    Some(Item::Value(Value::Dict(d))) => {
                        for pair in items.chunks_exact(2) {
                            d.push((pair[0].clone(), pair[1].clone()));
                        }
                    }
                    _ => return Err("malformed pickle: SETITEMS without a dict".into()),
                }
            }
            b't' => {
                let items = pop_to_mark(&mut stack)?;
                stack.push(make_tuple(items));
            }
            0x85..=0x87 => {
                let n = (op - 0x84) as usize;
                let mut items: Vec<Item> =
                    (0..n).map(|_| pop(&mut stack)).collect::<Result<_, _>>()?;
                items.reverse();
                stack.push(make_tuple(items));
            }
            b'.' => return pop_value(&mut stack),
            0x81 | 0x92 | b'i' | b'o' => {
                return Err("the pickle constructs Python objects other than numpy arrays; only plain data and numeric arrays are read".into());
            }
            other => return Err(format!("unsupported pickle opcode 0x{other:02x}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_what_python_writes_for_a_motion_dict() {
        // pickle.dumps({'loop_mode': 1, 'fps': 30, 'frames': [[1.5, 2.0], [3.0, 4.0]]}, protocol=4)
        let bytes: &[u8] = b"\x80\x04\x95T\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\tloop_mode\x94K\x01\x8c\x03fps\x94K\x1e\x8c\x06frames\x94]\x94(]\x94(G?\xf8\x00\x00\x00\x00\x00\x00G@\x00\x00\x00\x00\x00\x00\x00e]\x94(G@\x08\x00\x00\x00\x00\x00\x00G@\x10\x00\x00\x00\x00\x00\x00eeu.";
        let v = unpickle(bytes).unwrap();
        assert_eq!(v.get("loop_mode"), Some(&Value::Int(1)));
        assert_eq!(v.get("fps").and_then(Value::as_f64), Some(30.0));
        assert_eq!(
            v.get("frames"),
            Some(&Value::List(vec![
                Value::List(vec![Value::Float(1.5), Value::Float(2.0)]),
                Value::List(vec![Value::Float(3.0), Value::Float(4.0)]),
            ]))
        );
        assert!(unpickle(&bytes[..40]).unwrap_err().contains("truncated"));
        // A global outside the allow-list is refused, never called.
        let evil = b"\x80\x04\x8c\x05posix\x8c\x06system\x93\x8c\x02id\x85R.";
        assert!(unpickle(evil).unwrap_err().contains("posix.system"));
    }
}
