//! `net_builder`: the backbones MimicKit selects by name.
//!
//! Every backbone is a stack of layers, each followed by ReLU, whose output feeds a head owned by
//! the model (action distribution, value, logit, latent). Hidden weights keep PyTorch's default
//! initialisation (uniform ±1/√fan_in, which is also burn's default) and hidden biases start at 0,
//! as in MimicKit.
//!
//! Weights are drawn on the host from the caller's seeded generator, not from burn's device
//! generator, which some backends share process-wide: two models built at once (as in parallel
//! tests) would otherwise perturb each other's initial weights.

use burn::module::{Module, Param};
use burn::nn::conv::{Conv2d, Conv2dConfig};
use burn::nn::{Linear, LinearConfig};
use burn::tensor::activation::relu;
use burn::tensor::{Device, Tensor, TensorData};
use rand::RngExt;

use crate::SeededRng;

/// The names `build_net` accepts, in the order the design notes list them.
pub const NET_NAMES: [&str; 6] = [
    "fc_2layers_128units",
    "fc_2layers_256units",
    "fc_2layers_512units",
    "fc_2layers_1024units",
    "fc_3layers_1024units",
    "cnn_3conv_1fc_0",
];

/// The shape of what a backbone reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NetInput {
    /// A flat vector of this many values.
    Flat(usize),
    /// An image of `channels × height × width` values, given to the net flattened in that order.
    Image {
        /// Number of channels.
        channels: usize,
        /// Height in pixels.
        height: usize,
        /// Width in pixels.
        width: usize,
    },
}

impl NetInput {
    /// Number of values in one input.
    pub fn len(&self) -> usize {
        match *self {
            NetInput::Flat(n) => n,
            NetInput::Image {
                channels,
                height,
                width,
            } => channels * height * width,
        }
    }

    /// Whether the input holds no values.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Why a backbone could not be built.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NetError {
    /// The name is not one of [`NET_NAMES`].
    #[error("unknown net `{name}`; valid names are: {}", NET_NAMES.join(", "))]
    UnknownName {
        /// The name that was asked for.
        name: String,
    },
    /// A convolutional backbone was asked to read a flat vector, or the image is too small.
    #[error("net `{name}` cannot read {input:?}: {reason}")]
    BadInput {
        /// The backbone's name.
        name: String,
        /// The input it was given.
        input: NetInput,
        /// What is wrong with it.
        reason: String,
    },
}

/// A fully connected ReLU stack.
#[derive(Module, Debug)]
pub struct Mlp {
    layers: Vec<Linear>,
}

/// MimicKit's `cnn_3conv_1fc_0`: three ReLU convolutions, flatten, one ReLU linear layer.
#[derive(Module, Debug)]
pub struct Cnn {
    convs: Vec<Conv2d>,
    fc: Linear,
    channels: usize,
    height: usize,
    width: usize,
}

/// A backbone built by [`build_net`].
#[derive(Module, Debug)]
pub enum Backbone {
    /// A fully connected stack.
    Mlp(Mlp),
    /// A convolutional stack for image observations.
    Cnn(Cnn),
}

/// A tensor of `shape` with values uniform in ±`bound`, drawn from `rng`.
pub fn uniform<const D: usize>(
    shape: [usize; D],
    bound: f64,
    rng: &mut SeededRng,
    device: &Device,
) -> Tensor<D> {
    let n: usize = shape.iter().product();
    let b = bound as f32;
    let values: Vec<f32> = (0..n).map(|_| rng.random_range(-b..=b)).collect();
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// A linear layer with PyTorch's default weight initialisation (uniform ±1/√fan_in) and a zero
/// bias.
pub fn hidden_linear(
    d_input: usize,
    d_output: usize,
    rng: &mut SeededRng,
    device: &Device,
) -> Linear {
    output_linear(
        d_input,
        d_output,
        1.0 / (d_input as f64).sqrt(),
        rng,
        device,
    )
}

/// A linear layer with weights uniform in ±`scale` and a zero bias: MimicKit's output heads.
pub fn output_linear(
    d_input: usize,
    d_output: usize,
    scale: f64,
    rng: &mut SeededRng,
    device: &Device,
) -> Linear {
    let mut linear = LinearConfig::new(d_input, d_output).init(device);
    linear.weight = Param::from_tensor(uniform([d_input, d_output], scale, rng, device));
    linear.bias = Some(Param::from_tensor(Tensor::zeros([d_output], device)));
    linear
}

/// Builds the backbone called `name` reading `input`.
///
/// Returns the backbone and the number of features it outputs.
pub fn build_net(
    name: &str,
    input: NetInput,
    rng: &mut SeededRng,
    device: &Device,
) -> Result<Backbone, NetError> {
    let hidden: &[usize] = match name {
        "fc_2layers_128units" => &[128, 64],
        "fc_2layers_256units" => &[256, 128],
        "fc_2layers_512units" => &[512, 256],
        "fc_2layers_1024units" => &[1024, 512],
        "fc_3layers_1024units" => &[1024, 1024, 512],
        "cnn_3conv_1fc_0" => return build_cnn(name, input, rng, device).map(Backbone::Cnn),
        _ => {
            return Err(NetError::UnknownName {
                name: name.to_string(),
            });
        }
    };
    let mut layers = Vec::with_capacity(hidden.len());
    let mut d_in = input.len();
    for &d_out in hidden {
        layers.push(hidden_linear(d_in, d_out, rng, device));
        d_in = d_out;
    }
    Ok(Backbone::Mlp(Mlp { layers }))
}

fn build_cnn(
    name: &str,
    input: NetInput,
    rng: &mut SeededRng,
    device: &Device,
) -> Result<Cnn, NetError> {
    let NetInput::Image {
        channels,
        height,
        width,
    } = input
    else {
        return Err(NetError::BadInput {
            name: name.to_string(),
            input,
            reason: "a convolutional net needs an image input (channels, height, width)".into(),
        });
    };
    // (out channels, kernel, stride) as in MimicKit's cnn_3conv_1fc_0.
    let spec = [(32, 8, 4), (64, 4, 2), (64, 3, 1)];
    let (mut c, mut h, mut w) = (channels, height, width);
    let mut convs = Vec::with_capacity(spec.len());
    for (out, k, s) in spec {
        if h < k || w < k {
            return Err(NetError::BadInput {
                name: name.to_string(),
                input,
                reason: format!("a {h}×{w} feature map is smaller than the {k}×{k} kernel"),
            });
        }
        let mut conv = Conv2dConfig::new([c, out], [k, k])
            .with_stride([s, s])
            .init(device);
        let bound = 1.0 / ((c * k * k) as f64).sqrt();
        conv.weight = Param::from_tensor(uniform([out, c, k, k], bound, rng, device));
        conv.bias = Some(Param::from_tensor(Tensor::zeros([out], device)));
        convs.push(conv);
        c = out;
        h = (h - k) / s + 1;
        w = (w - k) / s + 1;
    }
    Ok(Cnn {
        convs,
        fc: hidden_linear(c * h * w, 512, rng, device),
        channels,
        height,
        width,
    })
}

impl Backbone {
    /// Number of features the backbone outputs.
    pub fn output_dim(&self) -> usize {
        match self {
            Backbone::Mlp(mlp) => mlp.layers.last().map_or(0, |l| l.weight.dims()[1]),
            Backbone::Cnn(cnn) => cnn.fc.weight.dims()[1],
        }
    }

    /// Number of values one input holds.
    pub fn input_dim(&self) -> usize {
        match self {
            Backbone::Mlp(mlp) => mlp.layers.first().map_or(0, |l| l.weight.dims()[0]),
            Backbone::Cnn(cnn) => cnn.channels * cnn.height * cnn.width,
        }
    }

    /// Features of a batch of flat inputs `[batch, input_dim]` → `[batch, output_dim]`.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        match self {
            Backbone::Mlp(mlp) => mlp.forward(x),
            Backbone::Cnn(cnn) => cnn.forward(x),
        }
    }

    /// The linear layers of a fully connected backbone, input first (empty for a CNN).
    pub fn linear_layers(&self) -> &[Linear] {
        match self {
            Backbone::Mlp(mlp) => &mlp.layers,
            Backbone::Cnn(_) => &[],
        }
    }
}

impl Mlp {
    /// ReLU after every layer.
    pub fn forward(&self, mut x: Tensor<2>) -> Tensor<2> {
        for layer in &self.layers {
            x = relu(layer.forward(x));
        }
        x
    }
}

impl Cnn {
    /// Reshapes flat inputs to images, convolves, flattens and applies the fully connected layer.
    pub fn forward(&self, x: Tensor<2>) -> Tensor<2> {
        let batch = x.dims()[0];
        let mut y: Tensor<4> = x.reshape([batch, self.channels, self.height, self.width]);
        for conv in &self.convs {
            y = relu(conv.forward(y));
        }
        let flat: Tensor<2> = y.flatten(1, 3);
        relu(self.fc.forward(flat))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use rand::SeedableRng;

    fn device() -> Device {
        Device::flex()
    }

    fn rng() -> SeededRng {
        SeededRng::seed_from_u64(7)
    }

    #[test]
    fn every_name_builds_with_the_documented_widths() {
        let dev = device();
        let widths = |net: &Backbone| -> Vec<[usize; 2]> {
            net.linear_layers()
                .iter()
                .map(|l| l.weight.dims())
                .collect()
        };
        let fc = |name| build_net(name, NetInput::Flat(140), &mut rng(), &dev).unwrap();
        assert_eq!(widths(&fc("fc_2layers_128units")), [[140, 128], [128, 64]]);
        assert_eq!(widths(&fc("fc_2layers_256units")), [[140, 256], [256, 128]]);
        assert_eq!(widths(&fc("fc_2layers_512units")), [[140, 512], [512, 256]]);
        assert_eq!(
            widths(&fc("fc_2layers_1024units")),
            [[140, 1024], [1024, 512]]
        );
        assert_eq!(
            widths(&fc("fc_3layers_1024units")),
            [[140, 1024], [1024, 1024], [1024, 512]]
        );
        let x = Tensor::<2>::ones([3, 140], &dev);
        assert_eq!(fc("fc_3layers_1024units").forward(x).dims(), [3, 512]);
    }

    #[test]
    fn same_seed_same_weights() {
        let dev = device();
        let a = build_net("fc_2layers_128units", NetInput::Flat(9), &mut rng(), &dev).unwrap();
        let b = build_net("fc_2layers_128units", NetInput::Flat(9), &mut rng(), &dev).unwrap();
        let w = |n: &Backbone| -> Vec<f32> {
            n.linear_layers()[1]
                .weight
                .val()
                .into_data()
                .try_into_vec()
                .unwrap()
        };
        assert_eq!(w(&a), w(&b));
    }

    #[test]
    fn hidden_init_is_pytorch_default_with_zero_bias() {
        let dev = device();
        let net = build_net("fc_2layers_256units", NetInput::Flat(100), &mut rng(), &dev).unwrap();
        let first = &net.linear_layers()[0];
        let w: Vec<f32> = first.weight.val().into_data().try_into_vec().unwrap();
        let bound = 1.0 / (100f32).sqrt();
        assert!(w.iter().all(|v| v.abs() <= bound));
        // Spread close to uniform: std of U(-b, b) is b/√3.
        let var = w.iter().map(|v| v * v).sum::<f32>() / w.len() as f32;
        assert!((var.sqrt() - bound / 3f32.sqrt()).abs() < 0.05 * bound);
        let b: Vec<f32> = first
            .bias
            .as_ref()
            .unwrap()
            .val()
            .into_data()
            .try_into_vec()
            .unwrap();
        assert!(b.iter().all(|v| *v == 0.0));
    }

    #[test]
    fn relu_output_is_non_negative() {
        let dev = device();
        let net = build_net("fc_2layers_128units", NetInput::Flat(4), &mut rng(), &dev).unwrap();
        let x = uniform([16, 4], 5.0, &mut rng(), &dev);
        let y: Vec<f32> = net.forward(x).into_data().try_into_vec().unwrap();
        assert_eq!(y.len(), 16 * 64);
        assert!(y.iter().all(|v| *v >= 0.0));
    }

    #[test]
    fn cnn_has_the_atari_shape() {
        let dev = device();
        let input = NetInput::Image {
            channels: 4,
            height: 84,
            width: 84,
        };
        let net = build_net("cnn_3conv_1fc_0", input, &mut rng(), &dev).unwrap();
        assert_eq!(net.output_dim(), 512);
        let Backbone::Cnn(cnn) = &net else {
            panic!("expected a CNN")
        };
        // 84 → 20 → 9 → 7 with kernels 8/4/3 and strides 4/2/1.
        assert_eq!(cnn.fc.weight.dims(), [64 * 7 * 7, 512]);
        let y = net.forward(Tensor::<2>::ones([2, 4 * 84 * 84], &dev));
        assert_eq!(y.dims(), [2, 512]);
    }

    #[test]
    fn errors_name_the_valid_nets() {
        let dev = device();
        let err = build_net("fc_9layers", NetInput::Flat(3), &mut rng(), &dev).unwrap_err();
        let msg = err.to_string();
        assert!(msg.contains("fc_9layers"));
        for name in NET_NAMES {
            assert!(msg.contains(name), "{msg}");
        }
        let err = build_net("cnn_3conv_1fc_0", NetInput::Flat(3), &mut rng(), &dev).unwrap_err();
        assert!(matches!(err, NetError::BadInput { .. }));
    }
}
