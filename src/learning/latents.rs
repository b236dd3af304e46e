//! ASE's skill latents: points on the unit sphere S^(d−1), drawn from N(0, I) and normalised,
//! and the spherical interpolation the viewer uses to blend two skills.

use rand_distr::{Distribution, StandardNormal};

use crate::SeededRng;

/// Scales `z` to unit length (a zero vector becomes the first axis).
pub fn normalize(z: &mut [f32]) {
    let norm = z.iter().map(|x| x * x).sum::<f32>().sqrt();
    if norm > 1e-12 && norm.is_finite() {
        z.iter_mut().for_each(|x| *x /= norm);
    } else if !z.is_empty() {
        z.fill(0.0);
        z[0] = 1.0;
    }
}

/// Writes a latent drawn uniformly on the unit sphere into `z`.
pub fn sample_unit(z: &mut [f32], rng: &mut SeededRng) {
    for x in z.iter_mut() {
        *x = StandardNormal.sample(rng);
    }
    normalize(z);
}

/// The point a fraction `t` of the way from unit vector `a` to unit vector `b` along the great
/// circle (linear and renormalised when they are nearly parallel or opposite).
pub fn slerp(a: &[f32], b: &[f32], t: f32) -> Vec<f32> {
    let dot = a
        .iter()
        .zip(b)
        .map(|(x, y)| x * y)
        .sum::<f32>()
        .clamp(-1.0, 1.0);
    let theta = dot.acos();
    let mut out: Vec<f32> = if theta.sin().abs() < 1e-4 {
        a.iter().zip(b).map(|(x, y)| x + t * (y - x)).collect()
    } else {
        let (wa, wb) = (
            ((1.0 - t) * theta).sin() / theta.sin(),
            (t * theta).sin() / theta.sin(),
        );
        a.iter().zip(b).map(|(x, y)| wa * x + wb * y).collect()
    };
    normalize(&mut out);
    out
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    fn norm(z: &[f32]) -> f32 {
        z.iter().map(|x| x * x).sum::<f32>().sqrt()
    }

    #[test]
    fn latents_stay_unit_length_through_sampling_resampling_and_slerp() {
        let mut rng = SeededRng::seed_from_u64(7);
        let mut a = vec![0.0; 64];
        let mut b = vec![0.0; 64];
        for _ in 0..100 {
            sample_unit(&mut a, &mut rng);
            sample_unit(&mut b, &mut rng);
            assert!((norm(&a) - 1.0).abs() < 1e-5);
            for t in [0.0, 0.1, 0.5, 0.9, 1.0] {
                let m = slerp(&a, &b, t);
                assert!((norm(&m) - 1.0).abs() < 1e-5, "t {t}: |z| = {}", norm(&m));
            }
        }
        // The ends are the endpoints, the middle is equally far from both.
        let start = slerp(&a, &b, 0.0);
        let end = slerp(&a, &b, 1.0);
        assert!(start.iter().zip(&a).all(|(x, y)| (x - y).abs() < 1e-5));
        assert!(end.iter().zip(&b).all(|(x, y)| (x - y).abs() < 1e-5));
        let mid = slerp(&a, &b, 0.5);
        let dot = |u: &[f32], v: &[f32]| u.iter().zip(v).map(|(x, y)| x * y).sum::<f32>();
        assert!((dot(&mid, &a) - dot(&mid, &b)).abs() < 1e-5);
        // Degenerate inputs still give unit vectors.
        let mut zero = vec![0.0; 4];
        normalize(&mut zero);
        assert_eq!(zero, vec![1.0, 0.0, 0.0, 0.0]);
        assert!((norm(&slerp(&a, &a, 0.3)) - 1.0).abs() < 1e-5);
    }

    #[test]
    fn sampled_latents_cover_the_sphere_evenly() {
        let mut rng = SeededRng::seed_from_u64(8);
        let mut z = vec![0.0; 3];
        let mut mean = [0.0f32; 3];
        for _ in 0..20_000 {
            sample_unit(&mut z, &mut rng);
            for (m, x) in mean.iter_mut().zip(&z) {
                *m += x / 20_000.0;
            }
        }
        assert!(mean.iter().all(|m| m.abs() < 0.02), "{mean:?}");
    }
}
