//! The AMP/ADD discriminator: a backbone by name and one logit, with its input gradient written
//! as an explicit forward expression so that the gradient penalty can be trained (burn has no
//! double backward).

use burn::module::Module;
use burn::nn::Linear;
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor};

use crate::SeededRng;
use crate::learning::nets::{Backbone, NetError, NetInput, build_net, output_linear};

/// The style reward of one logit: `−ln(max(1 − σ(logit), 1e-4)) × scale` (MimicKit's AMP
/// reward; computed on the host, without gradient).
pub fn style_reward(logit: f32, scale: f32) -> f32 {
    let p = 1.0 / (1.0 + (-logit).exp());
    -(1.0 - p).max(1e-4).ln() * scale
}

/// `disc_net` backbone + `Linear(hidden, 1)` logit (MimicKit's `AMPModel` discriminator).
#[derive(Module, Debug)]
pub struct Discriminator {
    backbone: Backbone,
    logit: Linear,
}

impl Discriminator {
    /// Its name in a model file ([`NetworkRecords`](super::NetworkRecords)).
    pub const RECORD_NAME: &'static str = "disc";

    /// The discriminator of a `model:` section (`disc_net`, `disc_init_output_scale`) reading
    /// `input_dim` values.
    pub fn from_config(
        config: &super::ModelConfig,
        input_dim: usize,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Self, NetError> {
        Self::new(
            &config.disc_net,
            input_dim,
            config.disc_init_output_scale,
            rng,
            device,
        )
    }

    /// A discriminator reading `input_dim` values: backbone `net`, logit weights uniform in
    /// ±`init_output_scale` (MimicKit: 1.0) and bias 0. Only fully connected backbones have an
    /// input gradient here.
    pub fn new(
        net: &str,
        input_dim: usize,
        init_output_scale: f64,
        rng: &mut SeededRng,
        device: &Device,
    ) -> Result<Self, NetError> {
        let backbone = build_net(net, NetInput::Flat(input_dim), rng, device)?;
        if backbone.linear_layers().is_empty() {
            return Err(NetError::BadInput {
                name: net.to_string(),
                input: NetInput::Flat(input_dim),
                reason: "the discriminator needs a fully connected backbone".into(),
            });
        }
        let logit = output_linear(backbone.output_dim(), 1, init_output_scale, rng, device);
        Ok(Self { backbone, logit })
    }

    /// Logits `[batch, 1]` of inputs `[batch, input_dim]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        mlp_logit(self.backbone.linear_layers(), &self.logit, x)
    }

    /// `∇ₓD(x)` per input, `[batch, input_dim]`, differentiable with respect to the weights.
    pub fn input_grad(&self, x: Tensor<2>) -> Tensor<2> {
        mlp_input_grad(self.backbone.linear_layers(), &self.logit, x)
    }

    /// `mean_b ‖∇ₓD(x_b)‖²`, shape `[1]`.
    pub fn grad_penalty(&self, x: Tensor<2>) -> Tensor<1> {
        self.input_grad(x).powi_scalar(2).sum_dim(1).mean()
    }

    /// `Σ W_logit²`, MimicKit's logit regulariser, shape `[1]`.
    pub fn logit_weight_sq(&self) -> Tensor<1> {
        self.logit.weight.val().powi_scalar(2).sum()
    }

    /// `Σ W²` over every layer's weights and the logit's (not the biases), shape `[1]`:
    /// the L2 term of MimicKit's earlier `disc_weight_decay`.
    pub fn weight_sq(&self) -> Tensor<1> {
        self.backbone
            .linear_layers()
            .iter()
            .fold(self.logit_weight_sq(), |sum, l| {
                sum + l.weight.val().powi_scalar(2).sum()
            })
    }
}

/// `D(x) = logit(ReLU(… ReLU(x W₁ + b₁) …))` for a ReLU stack `layers`.
pub fn mlp_logit(layers: &[Linear], logit: &Linear, mut x: Tensor<2>) -> Tensor<2> {
    for layer in layers {
        x = relu(layer.forward(x));
    }
    logit.forward(x)
}

/// `∇ₓD(x)` of [`mlp_logit`] by the chain rule written out: the logit weights pulled back
/// through each layer, `g ← (g ⊙ 1[z_l > 0]) W_lᵀ`, with the ReLU masks held constant. ReLU's
/// second derivative is zero almost everywhere, so differentiating this expression with respect
/// to the weights is exactly the gradient of the penalty.
pub fn mlp_input_grad(layers: &[Linear], logit: &Linear, x: Tensor<2>) -> Tensor<2> {
    let batch = x.dims()[0];
    let mut masks = Vec::with_capacity(layers.len());
    let mut a = x;
    for layer in layers {
        let z = layer.forward(a);
        masks.push(z.clone().greater_elem(0.0).float().detach());
        a = relu(z);
    }
    // ∂D/∂a_L = w_logitᵀ for every row.
    let w: Tensor<2> = logit.weight.val(); // [hidden, 1]
    let hidden = w.dims()[0];
    let mut g: Tensor<2> = w.reshape([1, hidden]).expand([batch, hidden]);
    for (layer, mask) in layers.iter().zip(masks).rev() {
        g = (g * mask).matmul(layer.weight.val().transpose());
    }
    g
}

#[cfg(test)]
mod tests {
    use burn::module::Param;
    use burn::nn::LinearConfig;
    use burn::tensor::TensorData;
    use rand::{RngExt, SeedableRng};

    use super::*;

    fn linear(i: usize, o: usize, w: &[f32], b: &[f32], dev: &Device) -> Linear {
        let mut l = LinearConfig::new(i, o).init(dev);
        l.weight = Param::from_tensor(Tensor::from_data(TensorData::new(w.to_vec(), [i, o]), dev));
        l.bias = Some(Param::from_tensor(Tensor::from_data(
            TensorData::new(b.to_vec(), [o]),
            dev,
        )));
        l
    }

    struct Net {
        sizes: Vec<usize>,
        weights: Vec<Vec<f32>>,
        biases: Vec<Vec<f32>>,
    }

    impl Net {
        fn random(sizes: &[usize], rng: &mut SeededRng) -> Self {
            let mut weights = Vec::new();
            let mut biases = Vec::new();
            for w in sizes.windows(2) {
                let bound = 1.0 / (w[0] as f32).sqrt();
                weights.push(
                    (0..w[0] * w[1])
                        .map(|_| rng.random_range(-bound..bound))
                        .collect(),
                );
                biases.push((0..w[1]).map(|_| rng.random_range(-0.1f32..0.1)).collect());
            }
            Self {
                sizes: sizes.to_vec(),
                weights,
                biases,
            }
        }

        /// Hidden layers and the logit on `dev`.
        fn build(&self, dev: &Device) -> (Vec<Linear>, Linear) {
            let n = self.sizes.len();
            let mut layers: Vec<Linear> = (0..n - 1)
                .map(|k| {
                    linear(
                        self.sizes[k],
                        self.sizes[k + 1],
                        &self.weights[k],
                        &self.biases[k],
                        dev,
                    )
                })
                .collect();
            let logit = layers.pop().unwrap();
            (layers, logit)
        }
    }

    fn scalar(t: Tensor<1>) -> f64 {
        f64::from(t.into_scalar::<f32>())
    }

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap()
    }

    #[test]
    fn the_input_gradient_equals_finite_differences_of_d() {
        let dev = Device::flex();
        let mut rng = SeededRng::seed_from_u64(3);
        let net = Net::random(&[6, 16, 8, 1], &mut rng);
        let (layers, logit) = net.build(&dev);
        let xs: Vec<f32> = (0..3 * 6).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let x = Tensor::<2>::from_data(TensorData::new(xs.clone(), [3, 6]), &dev);
        let g = values(mlp_input_grad(&layers, &logit, x));
        let d = |v: &[f32]| -> Vec<f64> {
            let x = Tensor::<2>::from_data(TensorData::new(v.to_vec(), [3, 6]), &dev);
            values(mlp_logit(&layers, &logit, x))
                .iter()
                .map(|&y| f64::from(y))
                .collect()
        };
        let h = 1e-3f32;
        let (mut err, mut norm) = (0.0f64, 0.0f64);
        for i in 0..6 {
            let mut up = xs.clone();
            let mut down = xs.clone();
            for b in 0..3 {
                up[b * 6 + i] += h;
                down[b * 6 + i] -= h;
            }
            let (du, dd) = (d(&up), d(&down));
            for b in 0..3 {
                let fd = (du[b] - dd[b]) / (2.0 * f64::from(h));
                let an = f64::from(g[b * 6 + i]);
                err += (fd - an).powi(2);
                norm += an.powi(2);
            }
        }
        // Relative error of the whole gradient (single-precision differences are noisy
        // element by element).
        let rel = (err / norm).sqrt();
        assert!(rel < 1e-3, "relative error {rel}");
    }

    #[test]
    fn the_penalty_gradient_reaches_the_weights_and_equals_finite_differences() {
        let dev = Device::flex().autodiff();
        let mut rng = SeededRng::seed_from_u64(5);
        let mut net = Net::random(&[5, 12, 7, 1], &mut rng);
        let xs: Vec<f32> = (0..4 * 5).map(|_| rng.random_range(-1.0f32..1.0)).collect();
        let penalty = |net: &Net| -> (Tensor<1>, Vec<Linear>, Linear) {
            let (layers, logit) = net.build(&dev);
            let x = Tensor::<2>::from_data(TensorData::new(xs.clone(), [4, 5]), &dev);
            let p = mlp_input_grad(&layers, &logit, x)
                .powi_scalar(2)
                .sum_dim(1)
                .mean();
            (p, layers, logit)
        };
        let (p, layers, logit) = penalty(&net);
        let grads = p.backward();
        let g_first = values(layers[0].weight.val().grad(&grads).unwrap());
        let g_second = values(layers[1].weight.val().grad(&grads).unwrap());
        let g_logit = values(logit.weight.val().grad(&grads).unwrap());
        let h = 1e-2f32;
        let (mut err, mut norm) = (0.0f64, 0.0f64);
        for (layer, idx, analytic) in [
            (0usize, 7usize, &g_first),
            (0, 31, &g_first),
            (1, 4, &g_second),
            (1, 50, &g_second),
            (2, 3, &g_logit),
        ] {
            let orig = net.weights[layer][idx];
            net.weights[layer][idx] = orig + h;
            let up = scalar(penalty(&net).0);
            net.weights[layer][idx] = orig - h;
            let down = scalar(penalty(&net).0);
            net.weights[layer][idx] = orig;
            let fd = (up - down) / (2.0 * f64::from(h));
            let an = f64::from(analytic[idx]);
            err += (fd - an).powi(2);
            norm += an.powi(2);
        }
        let rel = (err / norm).sqrt();
        assert!(rel < 1e-3, "relative error {rel}");
    }

    #[test]
    fn a_discriminator_by_name_gives_one_logit_per_input_and_refuses_a_cnn() {
        let dev = Device::flex();
        let mut rng = SeededRng::seed_from_u64(1);
        let d = Discriminator::new("fc_2layers_128units", 10, 1.0, &mut rng, &dev).unwrap();
        let x = Tensor::<2>::ones([4, 10], &dev);
        assert_eq!(d.forward(x.clone()).dims(), [4, 1]);
        assert_eq!(d.input_grad(x.clone()).dims(), [4, 10]);
        assert!(scalar(d.grad_penalty(x)) >= 0.0);
        assert!(scalar(d.logit_weight_sq()) > 0.0);
        let err = Discriminator::new("cnn_3conv_1fc_0", 10, 1.0, &mut rng, &dev).unwrap_err();
        assert!(err.to_string().contains("cnn_3conv_1fc_0"), "{err}");
    }
}
