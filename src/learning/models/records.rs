//! A model file holding several networks by name: the core's `actor` and `critic` and whatever
//! an algorithm adds (AMP's `disc`, ASE's `enc`), each owned by the part of the code that
//! trains it, in one burnpack file.
//!
//! Each network's tensors are stored under `<name>.<path in the network>`, which is exactly
//! how burn records a struct with those networks as fields; so the files written before the
//! networks were split between the core and the algorithms read back unchanged.

use std::collections::BTreeMap;

use burn::module::Module;
use burn::store::{ModuleRecord, RecordError};
use burn::tensor::{Bytes, DType, f16};

/// Named networks' records, read from or to be written into one model file.
#[derive(Debug, Default)]
pub struct NetworkRecords {
    parts: BTreeMap<String, Vec<burn_pack::Tensor>>,
}

fn pack_error(e: burn_pack::Error) -> RecordError {
    RecordError::Io(e.to_string())
}

impl NetworkRecords {
    /// No networks yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Splits a model file's bytes into its networks (by the first segment of each path).
    pub fn from_bytes(bytes: Bytes) -> Result<Self, RecordError> {
        let mut parts: BTreeMap<String, Vec<burn_pack::Tensor>> = BTreeMap::new();
        let tensors = burn_pack::Reader::from_bytes(bytes)
            .and_then(burn_pack::Reader::into_tensors)
            .map_err(pack_error)?;
        for mut t in tensors {
            let Some((network, rest)) = t.name.split_once('.') else {
                return Err(RecordError::Validation(format!(
                    "tensor `{}` belongs to no network",
                    t.name
                )));
            };
            let network = network.to_string();
            t.name = rest.to_string();
            parts.entry(network).or_default().push(t);
        }
        Ok(Self { parts })
    }

    /// Adds `network`'s weights under `name`.
    pub fn insert<M: Module>(&mut self, name: &str, network: M) -> Result<(), RecordError> {
        let bytes = network.into_record().into_bytes()?;
        let tensors = burn_pack::Reader::from_bytes(bytes)
            .and_then(burn_pack::Reader::into_tensors)
            .map_err(pack_error)?;
        self.parts.insert(name.to_string(), tensors);
        Ok(())
    }

    /// Whether a network named `name` is present.
    pub fn contains(&self, name: &str) -> bool {
        self.parts.contains_key(name)
    }

    /// Loads the network stored as `name` into `network` (built with the same architecture)
    /// and removes it from the set; an error when it is absent or does not fit. Weights stored
    /// in half precision ([`store_half`](Self::store_half)) are widened back to `f32`.
    pub fn take<M: Module>(&mut self, name: &str, network: M) -> Result<M, RecordError> {
        let tensors = self.parts.remove(name).ok_or_else(|| {
            RecordError::Validation(format!("the file holds no network `{name}`"))
        })?;
        let tensors = tensors
            .into_iter()
            .map(|t| convert(t, DType::F16, DType::F32))
            .collect::<Result<Vec<_>, _>>()?;
        let bytes = burn_pack::Writer::new(tensors)
            .into_bytes()
            .map_err(pack_error)?;
        let record = ModuleRecord::from_bytes(bytes)?;
        network
            .try_load_record(record)
            .map_err(|e| RecordError::Validation(format!("network `{name}`: {e}")))
    }

    /// Stores every `f32` weight in half precision: half the bytes, for policies that are only
    /// played (the web demo's, `ship --play_only --half`). Each weight is rounded to f16's 11
    /// significant bits (the actions of the shipped policies move by under 1e-2). Fails, naming
    /// the tensor, if a finite weight is beyond f16's range (±65504); the records are then left
    /// as they were.
    pub fn store_half(&mut self) -> Result<(), RecordError> {
        let mut halved = BTreeMap::new();
        for (network, tensors) in &self.parts {
            let tensors = tensors
                .iter()
                .map(|t| convert(t.clone(), DType::F32, DType::F16))
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| RecordError::Validation(format!("network `{network}`: {e}")))?;
            halved.insert(network.clone(), tensors);
        }
        self.parts = halved;
        Ok(())
    }

    /// Drops the network stored as `name`; whether there was one.
    pub fn remove(&mut self, name: &str) -> bool {
        self.parts.remove(name).is_some()
    }

    /// Names of the networks not taken yet.
    pub fn remaining(&self) -> Vec<&str> {
        self.parts.keys().map(String::as_str).collect()
    }

    /// One model file holding every network, each under its name.
    pub fn into_bytes(self) -> Result<Bytes, RecordError> {
        let tensors = self
            .parts
            .into_iter()
            .flat_map(|(network, tensors)| {
                tensors.into_iter().map(move |mut t| {
                    t.name = format!("{network}.{}", t.name);
                    t
                })
            })
            .collect();
        burn_pack::Writer::new(tensors)
            .into_bytes()
            .map_err(pack_error)
    }
}

/// `t` with its `from` values rewritten as `to` (`f32` ↔ `f16`); any other tensor unchanged.
/// Narrowing refuses a finite value that f16 cannot hold.
fn convert(t: burn_pack::Tensor, from: DType, to: DType) -> Result<burn_pack::Tensor, RecordError> {
    if t.dtype != from {
        return Ok(t);
    }
    let (name, _, shape, param_id, bytes) = t.into_parts().map_err(pack_error)?;
    let width = if from == DType::F32 { 4 } else { 2 };
    if bytes.len() % width != 0 {
        return Err(RecordError::Validation(format!(
            "tensor `{name}`: {} bytes are not whole {from:?} values",
            bytes.len()
        )));
    }
    let mut out = Vec::with_capacity(bytes.len() / width * if width == 4 { 2 } else { 4 });
    match (from, to) {
        (DType::F32, DType::F16) => {
            for b in bytes.chunks_exact(4) {
                let x = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
                let h = f16::from_f32(x);
                if x.is_finite() && !h.is_finite() {
                    return Err(RecordError::Validation(format!(
                        "tensor `{name}`: the weight {x} is beyond half precision's range"
                    )));
                }
                out.extend_from_slice(&h.to_le_bytes());
            }
        }
        (DType::F16, DType::F32) => {
            for b in bytes.chunks_exact(2) {
                out.extend_from_slice(&f16::from_le_bytes([b[0], b[1]]).to_f32().to_le_bytes());
            }
        }
        _ => unreachable!("only f32 <-> f16"),
    }
    Ok(burn_pack::Tensor::new(
        name,
        to,
        shape,
        param_id,
        Bytes::from_bytes_vec(out),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::SeededRng;
    use crate::learning::nets::hidden_linear;
    use burn::nn::Linear;
    use burn::tensor::Device;
    use rand::SeedableRng;

    #[derive(Module, Debug)]
    struct Pair {
        actor: Linear,
        disc: Linear,
    }

    fn weights(l: &Linear) -> Vec<f32> {
        l.weight.val().into_data().try_into_vec().unwrap()
    }

    #[test]
    fn half_precision_round_trips_and_refuses_what_f16_cannot_hold() {
        let tensor = |vals: &[f32]| {
            let bytes = vals.iter().flat_map(|v| v.to_le_bytes()).collect();
            burn_pack::Tensor::new(
                "w".into(),
                DType::F32,
                [vals.len()],
                None,
                Bytes::from_bytes_vec(bytes),
            )
        };
        let mut ok = NetworkRecords::new();
        ok.parts
            .insert("actor".into(), vec![tensor(&[0.5, -1.25, 3.1e-3])]);
        ok.store_half().unwrap();
        let halved = ok.parts["actor"][0].clone();
        assert_eq!((halved.dtype, halved.byte_len()), (DType::F16, 6));
        let back = convert(halved, DType::F16, DType::F32).unwrap();
        let vals: Vec<f32> = back
            .to_bytes()
            .unwrap()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect();
        assert_eq!(&vals[..2], &[0.5, -1.25]);
        assert!((vals[2] - 3.1e-3).abs() < 2e-6, "{vals:?}");
        let mut bad = NetworkRecords::new();
        bad.parts
            .insert("actor".into(), vec![tensor(&[1.0, 7.0e4])]);
        let err = bad.store_half().unwrap_err().to_string();
        assert!(err.contains("actor") && err.contains("`w`"), "{err}");
        assert_eq!(bad.parts["actor"][0].dtype, DType::F32, "left as it was");
    }

    #[test]
    fn networks_saved_apart_read_as_one_struct_and_back() {
        let dev = Device::flex();
        let rng = &mut SeededRng::seed_from_u64(3);
        let pair = Pair {
            actor: hidden_linear(3, 2, rng, &dev),
            disc: hidden_linear(4, 1, rng, &dev),
        };
        // Written apart, read as the struct a file of both networks used to be.
        let mut records = NetworkRecords::new();
        records.insert("actor", pair.actor.clone()).unwrap();
        records.insert("disc", pair.disc.clone()).unwrap();
        let bytes = records.into_bytes().unwrap();
        let blank = Pair {
            actor: hidden_linear(3, 2, rng, &dev),
            disc: hidden_linear(4, 1, rng, &dev),
        };
        let whole = blank
            .try_load_record(ModuleRecord::from_bytes(bytes).unwrap())
            .unwrap();
        assert_eq!(weights(&whole.actor), weights(&pair.actor));
        assert_eq!(weights(&whole.disc), weights(&pair.disc));

        // Written as the struct, read apart.
        let bytes = pair.clone().into_record().into_bytes().unwrap();
        let mut records = NetworkRecords::from_bytes(bytes).unwrap();
        assert_eq!(records.remaining(), ["actor", "disc"]);
        let disc = records
            .take("disc", hidden_linear(4, 1, rng, &dev))
            .unwrap();
        assert_eq!(weights(&disc), weights(&pair.disc));
        assert_eq!(records.remaining(), ["actor"]);
        let wrong = records.take("actor", hidden_linear(5, 2, rng, &dev));
        assert!(wrong.unwrap_err().to_string().contains("network `actor`"));
        assert!(records.take("enc", hidden_linear(1, 1, rng, &dev)).is_err());
    }
}
