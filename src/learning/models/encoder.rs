//! ASE's skill encoder: a backbone by name and a linear layer to `latent_dim` values, L2
//! normalised, so its output ẑ lies on the unit sphere like the latents it recovers.

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::{Device, Tensor};

use crate::SeededRng;
use crate::learning::nets::{Backbone, NetError, NetInput, build_net, output_linear};

/// `enc_net` backbone + `Linear(hidden, latent_dim)` (weights uniform ±`enc_init_output_scale`,
/// MimicKit: 0.1; bias 0) + L2 normalisation (MimicKit's ASE encoder).
#[derive(Module, Debug)]
pub struct Encoder {
    backbone: Backbone,
    out: Linear,
}

impl Encoder {
    /// Its name in a model file ([`NetworkRecords`](super::NetworkRecords)).
    pub const RECORD_NAME: &'static str = "enc";

    /// The encoder of a `model:` section (`enc_net`, `latent_dim`, `enc_init_output_scale`)
    /// reading `input_dim` values (the discriminator's observation).
    pub fn from_config(
        config: &super::ModelConfig,
        input_dim: usize,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Self, NetError> {
        Self::new(
            &config.enc_net,
            input_dim,
            config.latent_dim,
            config.enc_init_output_scale,
            rng,
            device,
        )
    }

    /// An encoder of `input_dim` values (the discriminator's observation) to `latent_dim`.
    pub fn new(
        net: &str,
        input_dim: usize,
        latent_dim: usize,
        init_output_scale: f64,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Self, NetError> {
        let backbone = build_net(net, NetInput::Flat(input_dim), rng, device)?;
        let out = output_linear(
            backbone.output_dim(),
            latent_dim,
            init_output_scale,
            rng,
            device,
        );
        Ok(Self { backbone, out })
    }

    /// Unit vectors ẑ `[batch, latent_dim]` of normalised encoder observations.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let z = self.out.forward(self.backbone.forward(x));
        let norm = z.clone().powi_scalar(2).sum_dim(1).sqrt().clamp_min(1e-6);
        z / norm
    }
}

/// ASE's encoder loss `mean(−z·ẑ)` over a batch (`z`, `z_hat`: `[batch, latent_dim]`).
pub fn encoder_loss(z_hat: Tensor<2>, z: Tensor<2>) -> Tensor<1> {
    (z_hat * z).sum_dim(1).neg().mean()
}

/// ASE's encoder reward `max(0, z·ẑ)` per row, `[batch]`.
pub fn encoder_reward(z_hat: Tensor<2>, z: Tensor<2>) -> Tensor<1> {
    (z_hat * z).sum_dim(1).clamp_min(0.0).squeeze_dim(1)
}

/// ASE's diversity loss: for actions' means `mu_new = μ(s, z′)` and `mu = μ(s, z)` of the same
/// states, `ratio = mean_dims((μ′ − μ)²) / (0.5 − 0.5 z·z′ + 1e-5)` per row, and the loss
/// `mean((target − ratio)²)`.
pub fn diversity_loss(
    mu_new: Tensor<2>,
    mu: Tensor<2>,
    z_new: Tensor<2>,
    z: Tensor<2>,
    target: f32,
) -> Tensor<1> {
    let action_diff = (mu_new - mu).powi_scalar(2).mean_dim(1);
    let z_diff = (z_new * z)
        .sum_dim(1)
        .mul_scalar(-0.5)
        .add_scalar(0.5 + 1e-5);
    let ratio = action_diff / z_diff;
    ratio.neg().add_scalar(target).powi_scalar(2).mean()
}

#[cfg(test)]
mod tests {
    use burn::tensor::TensorData;
    use rand::SeedableRng;

    use super::*;

    fn t2(v: &[f32], rows: usize, dev: &Device) -> Tensor<2> {
        Tensor::from_data(TensorData::new(v.to_vec(), [rows, v.len() / rows]), dev)
    }

    fn scalar(t: Tensor<1>) -> f32 {
        t.into_scalar::<f32>()
    }

    #[test]
    fn the_encoder_outputs_unit_vectors() {
        let dev = Device::flex();
        let mut rng = SeededRng::seed_from_u64(1);
        let enc = Encoder::new("fc_2layers_128units", 20, 8, 0.1, &mut rng, &dev).unwrap();
        let x = crate::learning::nets::uniform([5, 20], 1.0, &mut rng, &dev);
        let z: Vec<f32> = enc.forward(x).into_data().try_into_vec().unwrap();
        for row in z.chunks(8) {
            let n: f32 = row.iter().map(|v| v * v).sum::<f32>().sqrt();
            assert!((n - 1.0).abs() < 1e-5, "|ẑ| = {n}");
        }
    }

    #[test]
    fn the_diversity_loss_matches_a_hand_computation() {
        let dev = Device::flex();
        // Two rows, two action dims, latents in 2-D.
        let mu = [0.0f32, 0.0, 1.0, -1.0];
        let mu_new = [0.3f32, -0.4, 1.0, -0.5];
        let z = [1.0f32, 0.0, 0.0, 1.0];
        let z_new = [0.0f32, 1.0, 0.6, 0.8];
        // Row 0: mean((0.3, −0.4)²) = 0.125, z·z′ = 0 → ratio 0.125 / (0.5 + 1e-5).
        // Row 1: mean((0, 0.5)²) = 0.125, z·z′ = 0.8 → ratio 0.125 / (0.1 + 1e-5).
        let r0: f32 = 0.125 / (0.5 + 1e-5);
        let r1: f32 = 0.125 / (0.1 + 1e-5);
        let expected = ((1.0 - r0).powi(2) + (1.0 - r1).powi(2)) / 2.0;
        let got = scalar(diversity_loss(
            t2(&mu_new, 2, &dev),
            t2(&mu, 2, &dev),
            t2(&z_new, 2, &dev),
            t2(&z, 2, &dev),
            1.0,
        ));
        assert!((got - expected).abs() < 1e-5, "{got} vs {expected}");
    }

    #[test]
    fn encoder_loss_and_reward_follow_the_dot_product() {
        let dev = Device::flex();
        let z = [1.0f32, 0.0, 0.0, 1.0];
        let z_hat = [0.6f32, 0.8, 0.0, -1.0];
        let loss = scalar(encoder_loss(t2(&z_hat, 2, &dev), t2(&z, 2, &dev)));
        assert!((loss - (-(0.6 - 1.0) / 2.0)).abs() < 1e-6);
        let r: Vec<f32> = encoder_reward(t2(&z_hat, 2, &dev), t2(&z, 2, &dev))
            .into_data()
            .try_into_vec()
            .unwrap();
        assert_eq!(r, vec![0.6, 0.0]);
    }
}
