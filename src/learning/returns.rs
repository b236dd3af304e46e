//! TD(λ) returns and advantage normalisation.
//!
//! Arrays are laid out `[steps × envs]`, step-major, as in the experience buffer.

use crate::spaces::DoneCode;

/// TD(λ) returns, computed backwards from the last step.
///
/// `next_values` must already hold the bootstrap value of each step's next observation
/// ([`bootstrap_values`] sets it to 0 where the episode failed or succeeded). The last step
/// bootstraps fully: `G = r + γ V(s')`. Earlier steps blend the one-step and λ-returns, and an
/// episode end (any code but `Null`) cuts λ to 0 so that nothing flows back across it.
pub fn td_lambda_returns(
    rewards: &[f32],
    next_values: &[f32],
    dones: &[DoneCode],
    num_envs: usize,
    discount: f32,
    td_lambda: f32,
) -> Vec<f32> {
    assert_eq!(rewards.len(), next_values.len());
    assert_eq!(rewards.len(), dones.len());
    assert!(num_envs > 0 && rewards.len().is_multiple_of(num_envs));
    let steps = rewards.len() / num_envs;
    let mut ret = vec![0.0f32; rewards.len()];
    if steps == 0 {
        return ret;
    }
    let last = (steps - 1) * num_envs;
    for e in 0..num_envs {
        ret[last + e] = rewards[last + e] + discount * next_values[last + e];
    }
    for t in (0..steps - 1).rev() {
        for e in 0..num_envs {
            let i = t * num_envs + e;
            let lambda = if dones[i].is_done() { 0.0 } else { td_lambda };
            let next_ret = ret[i + num_envs];
            ret[i] = rewards[i] + discount * ((1.0 - lambda) * next_values[i] + lambda * next_ret);
        }
    }
    ret
}

/// Sets the bootstrap value of terminal steps: `Fail` and `Succ` take 0, `Time` and `Null` keep
/// the critic's value of the next observation.
pub fn bootstrap_values(next_values: &mut [f32], dones: &[DoneCode]) {
    for (v, d) in next_values.iter_mut().zip(dones) {
        if matches!(d, DoneCode::Fail | DoneCode::Succ) {
            *v = 0.0;
        }
    }
}

/// Mean and (unbiased) standard deviation of the advantages where `mask` is set.
pub fn masked_mean_std(values: &[f32], mask: &[bool]) -> (f64, f64) {
    let (mut n, mut sum) = (0usize, 0.0f64);
    for (v, m) in values.iter().zip(mask) {
        if *m {
            n += 1;
            sum += f64::from(*v);
        }
    }
    if n == 0 {
        return (0.0, 0.0);
    }
    let mean = sum / n as f64;
    let sq: f64 = values
        .iter()
        .zip(mask)
        .filter(|(_, m)| **m)
        .map(|(v, _)| (f64::from(*v) - mean).powi(2))
        .sum();
    let std = if n > 1 {
        (sq / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    (mean, std)
}

/// Normalises advantages in place by the mean and std of the exploratory samples (`mask`),
/// then clips them to ±`clip` (pass `f32::INFINITY` for no clip). Returns the raw mean and std.
pub fn normalize_advantages(adv: &mut [f32], mask: &[bool], clip: f32) -> (f64, f64) {
    let (mean, std) = masked_mean_std(adv, mask);
    let inv = 1.0 / std.max(1e-5);
    for a in adv.iter_mut() {
        *a = (((f64::from(*a) - mean) * inv) as f32).clamp(-clip, clip);
    }
    (mean, std)
}

#[cfg(test)]
mod tests {
    use super::*;
    use DoneCode::*;

    const G: f32 = 0.9;
    const L: f32 = 0.5;

    fn close(a: &[f32], b: &[f32]) {
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            assert!((x - y).abs() < 1e-5, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn no_done_blends_one_step_and_lambda_returns() {
        // One env, three steps.
        let r = [1.0, 2.0, 3.0];
        let v = [10.0, 20.0, 30.0];
        let ret = td_lambda_returns(&r, &v, &[Null, Null, Null], 1, G, L);
        let g2 = 3.0 + G * 30.0;
        let g1 = 2.0 + G * ((1.0 - L) * 20.0 + L * g2);
        let g0 = 1.0 + G * ((1.0 - L) * 10.0 + L * g1);
        close(&ret, &[g0, g1, g2]);
    }

    #[test]
    fn every_done_code_bootstraps_as_specified() {
        // Two envs, two steps; the first step of each env ends its episode with a different code.
        for (code, expect_zero) in [(Fail, true), (Succ, true), (Time, false)] {
            let r = [1.0, 1.0, 2.0, 2.0];
            let mut next_v = [5.0, 5.0, 7.0, 7.0];
            let dones = [code, Null, Null, Null];
            bootstrap_values(&mut next_v, &dones);
            let ret = td_lambda_returns(&r, &next_v, &dones, 2, G, L);
            let terminal_v = if expect_zero { 0.0 } else { 5.0 };
            // Env 0 ended at step 0: λ is cut, so G = r + γ V(terminal obs) only.
            let g0_env0 = 1.0 + G * terminal_v;
            // Env 1 went on: blend.
            let g1 = 2.0 + G * 7.0;
            let g0_env1 = 1.0 + G * ((1.0 - L) * 5.0 + L * g1);
            close(&ret, &[g0_env0, g0_env1, g1, g1]);
        }
    }

    #[test]
    fn last_step_bootstraps_even_when_it_is_a_time_limit() {
        let mut v = [4.0];
        bootstrap_values(&mut v, &[Time]);
        close(
            &td_lambda_returns(&[1.0], &v, &[Time], 1, G, L),
            &[1.0 + G * 4.0],
        );
        let mut v = [4.0];
        bootstrap_values(&mut v, &[Fail]);
        close(&td_lambda_returns(&[1.0], &v, &[Fail], 1, G, L), &[1.0]);
    }

    #[test]
    fn lambda_one_is_the_discounted_return_and_lambda_zero_is_td0() {
        let r = [1.0, 1.0, 1.0];
        let v = [0.5, 0.5, 0.5];
        let mc = td_lambda_returns(&r, &v, &[Null; 3], 1, G, 1.0);
        close(
            &mc,
            &[
                1.0 + G + G * G + G * G * G * 0.5,
                1.0 + G + G * G * 0.5,
                1.0 + G * 0.5,
            ],
        );
        let td0 = td_lambda_returns(&r, &v, &[Null; 3], 1, G, 0.0);
        close(&td0, &[1.0 + G * 0.5; 3]);
    }

    #[test]
    fn advantages_use_exploratory_samples_only_and_clip() {
        let mut adv = vec![1.0, 3.0, 100.0, 5.0];
        let mask = [true, true, false, true];
        let (mean, std) = normalize_advantages(&mut adv, &mask, 4.0);
        assert!((mean - 3.0).abs() < 1e-12 && (std - 2.0).abs() < 1e-12);
        close(&adv, &[-1.0, 0.0, 4.0, 1.0]);
    }
}
