//! Choosing the burn device the networks run on.

use std::fmt;
use std::str::FromStr;

use burn::tensor::Device;

/// A compute backend the build supports.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// burn's Flex CPU backend (gemm + rayon): the default, measured fastest for these MLPs.
    Flex,
    /// burn's NdArray CPU backend (feature `ndarray`), kept for comparison benchmarks.
    #[cfg(feature = "ndarray")]
    NdArray,
    /// burn's wgpu backend on the default adapter (feature `gpu`).
    #[cfg(feature = "gpu")]
    Wgpu,
}

impl Backend {
    /// Every backend compiled into this build, by its CLI name.
    pub fn available() -> Vec<&'static str> {
        [
            ("cpu", true),
            ("ndarray", cfg!(feature = "ndarray")),
            ("wgpu", cfg!(feature = "gpu")),
        ]
        .into_iter()
        .filter_map(|(name, built)| built.then_some(name))
        .collect()
    }

    /// The device (without autodiff; agents add it where they train).
    pub fn device(self) -> Device {
        match self {
            Backend::Flex => Device::flex(),
            // Deprecated upstream in favour of Flex; kept only to compare the two.
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            Backend::NdArray => Device::ndarray(),
            #[cfg(feature = "gpu")]
            Backend::Wgpu => Device::wgpu(burn::tensor::DeviceKind::DefaultDevice),
        }
    }
}

impl FromStr for Backend {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "cpu" | "flex" => Ok(Backend::Flex),
            #[cfg(feature = "ndarray")]
            "ndarray" => Ok(Backend::NdArray),
            #[cfg(feature = "gpu")]
            "wgpu" | "gpu" => Ok(Backend::Wgpu),
            _ => Err(format!(
                "unknown device `{s}`; this build supports: {}",
                Backend::available().join(", ")
            )),
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Backend::Flex => "cpu (flex)",
            #[cfg(feature = "ndarray")]
            Backend::NdArray => "cpu (ndarray)",
            #[cfg(feature = "gpu")]
            Backend::Wgpu => "gpu (wgpu)",
        };
        f.write_str(name)
    }
}
