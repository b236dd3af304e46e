//! Evaluating a whole buffer: the critic's values of raw observations with their conditions, in
//! chunks, and the rows a network reads (observation then condition).

use burn::tensor::Device;

use crate::learning::models::ActorCritic;
use crate::learning::normalizer::RunningNormalizer;
use crate::learning::policy::{normalized_input, upload_rows};

/// Rows per forward pass when a network evaluates a whole buffer.
pub(crate) const VALUE_CHUNK: usize = 16_384;

/// Rows per forward pass for a config's `*_eval_batch_size` (0: [`VALUE_CHUNK`]).
pub(super) fn eval_chunk(configured: usize) -> usize {
    if configured > 0 {
        configured
    } else {
        VALUE_CHUNK
    }
}

/// Row-major `[rows × (od + cd)]`: each row of `norm` (`od` wide) followed by its condition
/// from `cond` (`cd` wide), written into `out`.
pub(super) fn join_rows(norm: &[f32], od: usize, cond: &[f32], cd: usize, out: &mut Vec<f32>) {
    out.clear();
    if cd == 0 {
        out.extend_from_slice(norm);
        return;
    }
    for (o, c) in norm.chunks_exact(od).zip(cond.chunks_exact(cd)) {
        out.extend_from_slice(o);
        out.extend_from_slice(c);
    }
}

/// Row-major values `width` wide.
#[derive(Clone, Copy)]
pub(super) struct Rows<'a> {
    pub data: &'a [f32],
    pub width: usize,
}

/// Values of raw observations (`raw_obs`, normalised by `obs_norm`) under `policy`'s critic,
/// each row with its condition from `cond` (none when 0 wide), in chunks of `chunk_rows` rows.
/// A function of the agent's fields, so that the conditions can be borrowed from the algorithm
/// while the normaliser is borrowed mutably.
pub(super) fn critic_values(
    policy: &ActorCritic,
    device: &Device,
    obs_norm: &mut RunningNormalizer,
    raw_obs: Rows,
    cond: Rows,
    chunk_rows: usize,
) -> Vec<f32> {
    let (od, cd) = (raw_obs.width, cond.width);
    let (raw_obs, cond) = (raw_obs.data, cond.data);
    let mut out = Vec::with_capacity(raw_obs.len() / od);
    for (c, chunk) in raw_obs.chunks(chunk_rows * od).enumerate() {
        let rows = chunk.len() / od;
        let cond = if cd == 0 {
            &[][..]
        } else {
            &cond[c * chunk_rows * cd..(c * chunk_rows + rows) * cd]
        };
        let input = normalized_input(chunk, od, obs_norm, cond, cd);
        let t = upload_rows(input, od + cd, device);
        let v = policy.eval_critic(t).into_data();
        out.extend_from_slice(v.as_slice::<f32>().expect("f32 values"));
    }
    out
}
