//! An [`ActorSnapshot`] as an ONNX graph (opset 17): the observation normaliser, the layers and
//! the action mapping as ONNX operators, the weights as initializers.

use super::onnx_proto::{
    ATTRIBUTE_INT, AttributeProto, Dimension, DimensionValue, FLOAT, GraphProto, INT64, ModelProto,
    NodeProto, OperatorSetIdProto, StringStringEntryProto, TensorProto, TensorShapeProto,
    TensorTypeProto, TypeProto, ValueInfoProto,
};
use crate::learning::actor_snapshot::{ActionMapping, ActorSnapshot, DenseLayer};

/// ONNX's IR version the files declare (onnxruntime reads 3–10).
const IR_VERSION: i64 = 8;
/// The default domain's operator set.
const OPSET: i64 = 17;
/// The graph's input of observations.
pub const OBS_INPUT: &str = "obs";
/// The graph's input of ASE latents.
pub const LATENT_INPUT: &str = "z";
/// The graph's output.
pub const ACTIONS_OUTPUT: &str = "actions";

/// Nodes and initializers, built in order.
#[derive(Default)]
struct Builder {
    nodes: Vec<NodeProto>,
    weights: Vec<TensorProto>,
}

impl Builder {
    fn weight(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        self.weights.push(TensorProto {
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: FLOAT,
            name: name.into(),
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
        name.into()
    }

    fn weight_i64(&mut self, name: &str, values: &[i64]) -> String {
        self.weights.push(TensorProto {
            dims: vec![values.len() as i64],
            data_type: INT64,
            name: name.into(),
            raw_data: values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        });
        name.into()
    }

    fn node(&mut self, op: &str, inputs: &[&str], output: &str) -> String {
        self.node_with(op, inputs, output, Vec::new())
    }

    fn node_with(
        &mut self,
        op: &str,
        inputs: &[&str],
        output: &str,
        attribute: Vec<AttributeProto>,
    ) -> String {
        self.nodes.push(NodeProto {
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: vec![output.into()],
            name: output.into(),
            op_type: op.into(),
            attribute,
        });
        output.into()
    }

    fn dense(&mut self, name: &str, input: &str, layer: &DenseLayer) -> String {
        let w = self.weight(
            &format!("{name}.weight"),
            &[layer.inputs, layer.outputs],
            &layer.weight,
        );
        let b = self.weight(&format!("{name}.bias"), &[layer.outputs], &layer.bias);
        // Gemm without transposes: [batch × in] · [in × out] + [out].
        self.node("Gemm", &[input, &w, &b], name)
    }
}

/// `ACTIONS_OUTPUT = latents::normalize(raw)` row by row.
fn unit_sphere(g: &mut Builder, raw: &str, dim: usize) {
    let axes = g.weight_i64("latent.axes", &[1]);
    let tiny = g.weight("latent.tiny", &[], &[1e-12]);
    let mut first = vec![0.0; dim];
    first[0] = 1.0;
    let first = g.weight("latent.first_axis", &[dim], &first);
    let sq = g.node("Mul", &[raw, raw], "latent_squared");
    let sum = g.node_with(
        "ReduceSum",
        &[&sq, &axes],
        "latent_norm_squared",
        vec![int_attribute("keepdims", 1)],
    );
    let norm = g.node("Sqrt", &[&sum], "latent_norm");
    let safe = g.node("Max", &[&norm, &tiny], "latent_norm_safe");
    let unit = g.node("Div", &[raw, &safe], "latent_unit");
    let usable = g.node("Greater", &[&norm, &tiny], "latent_usable");
    g.node("Where", &[&usable, &unit, &first], ACTIONS_OUTPUT);
}

fn int_attribute(name: &str, value: i64) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        r#type: ATTRIBUTE_INT,
        i: value,
    }
}

fn tensor_info(name: &str, elem_type: i32, width: usize, doc: &str) -> ValueInfoProto {
    let dim = |value| Dimension { value: Some(value) };
    ValueInfoProto {
        name: name.into(),
        r#type: Some(TypeProto {
            tensor_type: Some(TensorTypeProto {
                elem_type,
                shape: Some(TensorShapeProto {
                    dim: vec![
                        dim(DimensionValue::DimParam("batch".into())),
                        dim(DimensionValue::DimValue(width as i64)),
                    ],
                }),
            }),
        }),
        doc_string: doc.into(),
    }
}

/// The graph of `actor`'s deterministic action, with `metadata` (key, value) pairs in the
/// model's `metadata_props`. With `to_unit_sphere` (a high-level controller, whose actions are
/// ASE latents) the action is then projected onto the unit sphere as the low level holds it:
/// `z / |z|`, or the first axis for a zero or non-finite `z`.
pub fn actor_model(
    actor: &ActorSnapshot,
    name: &str,
    doc: &str,
    metadata: &[(String, String)],
    to_unit_sphere: bool,
) -> ModelProto {
    let mut g = Builder::default();
    let mean = g.weight("obs_norm.mean", &[actor.obs_dim()], &actor.obs_mean);
    let inv_std = g.weight("obs_norm.inv_std", &[actor.obs_dim()], &actor.obs_inv_std);
    let lo = g.weight("obs_norm.clip_min", &[], &[-actor.obs_clip]);
    let hi = g.weight("obs_norm.clip_max", &[], &[actor.obs_clip]);
    let centred = g.node("Sub", &[OBS_INPUT, &mean], "obs_centred");
    let scaled = g.node("Mul", &[&centred, &inv_std], "obs_scaled");
    let mut x = g.node("Clip", &[&scaled, &lo, &hi], "obs_normalized");
    if actor.latent_dim > 0 {
        x = g.node_with(
            "Concat",
            &[&x, LATENT_INPUT],
            "actor_input",
            vec![int_attribute("axis", 1)],
        );
    }
    for (i, layer) in actor.hidden.iter().enumerate() {
        let h = g.dense(&format!("actor.layer{i}"), &x, layer);
        x = g.node("Relu", &[&h], &format!("actor.relu{i}"));
    }
    let head = g.dense("actor.head", &x, &actor.head);
    let mapped = if to_unit_sphere {
        "latent_raw"
    } else {
        ACTIONS_OUTPUT
    };
    let (elem_type, out_doc) = match &actor.actions {
        ActionMapping::Box {
            scale,
            offset,
            low,
            high,
        } => {
            let n = scale.len();
            let s = g.weight("actions.scale", &[n], scale);
            let o = g.weight("actions.offset", &[n], offset);
            let l = g.weight("actions.low", &[n], low);
            let h = g.weight("actions.high", &[n], high);
            let scaled = g.node("Mul", &[&head, &s], "actions_scaled");
            let shifted = g.node("Add", &[&scaled, &o], "actions_unclamped");
            let floor = g.node("Max", &[&shifted, &l], "actions_above_low");
            g.node("Min", &[&floor, &h], mapped);
            if to_unit_sphere {
                unit_sphere(&mut g, mapped, n);
                (
                    FLOAT,
                    "the skill latent z for the low-level policy (a unit vector)",
                )
            } else {
                (
                    FLOAT,
                    "the deterministic action (the Gaussian's mean) in the env's units",
                )
            }
        }
        ActionMapping::Discrete => {
            g.node_with(
                "ArgMax",
                &[&head],
                ACTIONS_OUTPUT,
                vec![int_attribute("axis", 1), int_attribute("keepdims", 1)],
            );
            (
                INT64,
                "the deterministic action: the index of the largest logit",
            )
        }
    };
    let mut input = vec![tensor_info(
        OBS_INPUT,
        FLOAT,
        actor.obs_dim(),
        "raw observations, as the env writes them",
    )];
    if actor.latent_dim > 0 {
        input.push(tensor_info(
            LATENT_INPUT,
            FLOAT,
            actor.latent_dim,
            "ASE's skill latent (a unit vector)",
        ));
    }
    ModelProto {
        ir_version: IR_VERSION,
        opset_import: vec![OperatorSetIdProto {
            domain: String::new(),
            version: OPSET,
        }],
        producer_name: "bevy_mimic".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: doc.into(),
        graph: Some(GraphProto {
            node: g.nodes,
            name: name.into(),
            initializer: g.weights,
            doc_string: doc.into(),
            input,
            output: vec![tensor_info(
                ACTIONS_OUTPUT,
                elem_type,
                actor.action_dim(),
                out_doc,
            )],
        }),
        metadata_props: metadata
            .iter()
            .map(|(key, value)| StringStringEntryProto {
                key: key.clone(),
                value: value.clone(),
            })
            .collect(),
    }
}
