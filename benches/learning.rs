//! Throughput of the learning side on MimicKit's humanoid shapes (obs 140, actions 28,
//! batch 4096), for the 1024-512 and 256-128 backbones: policy inference, the agent's acting
//! path, PPO minibatch updates (actor + critic, one summed loss, SGD with momentum), and AMP
//! updates (+ a discriminator of 10-frame windows, 1,420 values, with and without the gradient
//! penalty).
//!
//! `cargo bench --bench learning -- [--device cpu|ndarray|wgpu] [--seconds S]`
//! (ndarray needs `--features ndarray`, wgpu `--features gpu`).
//! Compare with `python shared/bench/torch_mlp_update.py` run in the same sitting.

use std::time::Instant;

use bevy_mimic::learning::agents::{ActMode, Agent, AgentConfig, AgentName};
use bevy_mimic::learning::device::Backend;
use bevy_mimic::learning::optimizer::OptimizerConfig;
use bevy_mimic::spaces::{ActionSpace, DoneCode};
use burn::tensor::{Tensor, TensorData};
use rand::{RngExt, SeedableRng};

const OBS: usize = 140;
const ACT: usize = 28;
const BATCH: usize = 4096;

fn agent(net: &str, epochs: usize, backend: Backend) -> Agent {
    let mut c = AgentConfig::defaults(AgentName::Ppo);
    c.model.actor_net = net.into();
    c.model.critic_net = net.into();
    c.actor_optimizer = Some(OptimizerConfig::sgd(1e-4));
    c.critic_optimizer = Some(OptimizerConfig::sgd(1e-4));
    c.steps_per_iter = 1;
    c.batch_size = 1;
    c.update_epochs = epochs;
    let space = ActionSpace::Box {
        low: vec![-1.0; ACT],
        high: vec![1.0; ACT],
    };
    Agent::new(c, OBS, space, BATCH, backend.device(), 0).unwrap()
}

fn per_sec(samples: usize, f: &mut dyn FnMut(), seconds: f64) -> f64 {
    f(); // warm up
    let t0 = Instant::now();
    let mut n = 0;
    while t0.elapsed().as_secs_f64() < seconds {
        f();
        n += samples;
    }
    n as f64 / t0.elapsed().as_secs_f64()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let arg = |name: &str| {
        args.iter()
            .position(|a| a == name)
            .and_then(|i| args.get(i + 1).cloned())
    };
    let backend: Backend = arg("--device")
        .unwrap_or_else(|| "cpu".into())
        .parse()
        .unwrap_or_else(|e| panic!("{e}"));
    let seconds: f64 = arg("--seconds").map_or(3.0, |s| s.parse().expect("--seconds"));
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(0);
    let obs: Vec<f32> = (0..BATCH * OBS)
        .map(|_| rng.random_range(-1.0..1.0))
        .collect();
    let rewards: Vec<f32> = (0..BATCH).map(|_| rng.random_range(0.0..1.0)).collect();
    let dones = vec![DoneCode::Null; BATCH];

    for net in ["fc_2layers_1024units", "fc_2layers_256units"] {
        const EPOCHS: usize = 8;
        let mut a = agent(net, EPOCHS, backend);
        let device = a.device().clone();
        let x = Tensor::<2>::from_data(TensorData::new(obs.clone(), [BATCH, OBS]), &device);
        let inference = per_sec(
            BATCH,
            &mut || {
                let mean = a.policy().eval_actor(x.clone()).mode();
                let v = a.policy().eval_critic(x.clone());
                let _ = (mean.into_data(), v.into_data());
            },
            seconds,
        );
        let act = per_sec(
            BATCH,
            &mut || {
                a.act(&obs, ActMode::Explore);
            },
            seconds,
        );
        // Each update is EPOCHS minibatches of 4096 plus two critic passes for the returns.
        let update = per_sec(
            BATCH * EPOCHS,
            &mut || {
                a.act(&obs, ActMode::Explore);
                a.record_result(&obs, &rewards, &dones);
                a.update();
            },
            seconds,
        );
        println!(
            "burn {backend} threads={threads} hidden={net} obs={OBS} batch={BATCH}: inference {inference:.0} samples/s, act {act:.0} samples/s, actor+critic update {update:.0} samples/s"
        );
        for grad_penalty in [5.0, 0.0] {
            let update = amp_update_per_sec(net, grad_penalty, backend, seconds, &mut rng);
            println!(
                "burn {backend} threads={threads} hidden={net} disc_obs={DISC}: AMP update as the CPU preset (64 envs × 32 steps, minibatches of 256, 5 epochs, discriminator in 2), gradient penalty weight {grad_penalty}: {update:.0} samples/s"
            );
        }
    }
}

/// Values per AMP discriminator window on the humanoid (10 frames × 142).
const DISC: usize = 1420;

/// Samples per second of AMP updates shaped as the CPU preset's iteration (64 envs × 32
/// steps = 2,048 samples, minibatches of 256, 5 epochs with the discriminator in the first
/// 2), timing `update` only.
fn amp_update_per_sec(
    net: &str,
    grad_penalty: f64,
    backend: Backend,
    seconds: f64,
    rng: &mut rand_chacha::ChaCha8Rng,
) -> f64 {
    const ENVS: usize = 64;
    const STEPS: usize = 32;
    let mut c = AgentConfig::defaults(AgentName::Amp);
    c.model.actor_net = net.into();
    c.model.critic_net = net.into();
    c.model.disc_net = net.into();
    c.steps_per_iter = STEPS;
    c.batch_size = 4;
    c.update_epochs = 5;
    c.disc_update_epochs = Some(2);
    c.disc_grad_penalty = grad_penalty;
    c.disc_buffer_size = 50_000;
    let space = ActionSpace::Box {
        low: vec![-1.0; ACT],
        high: vec![1.0; ACT],
    };
    let mut a = Agent::new_with_disc(c, OBS, space, ENVS, DISC, backend.device(), 0).unwrap();
    let mut random =
        |n: usize| -> Vec<f32> { (0..n).map(|_| rng.random_range(-1.0..1.0)).collect() };
    let obs = random(ENVS * OBS);
    let disc_obs = random(ENVS * DISC);
    let demo = random(ENVS * STEPS * DISC);
    let rewards = vec![0.0; ENVS];
    let dones = vec![DoneCode::Null; ENVS];
    let mut updates = 0;
    let mut update_s = 0.0;
    while updates < 2 || update_s < seconds {
        for _ in 0..STEPS {
            a.act(&obs, ActMode::Explore);
            a.record_disc_obs(&disc_obs);
            a.record_result(&obs, &rewards, &dones);
        }
        a.set_demo_disc_obs(demo.clone());
        let t0 = Instant::now();
        a.update();
        if updates > 0 {
            update_s += t0.elapsed().as_secs_f64(); // the first update warms up
        }
        updates += 1;
    }
    ((updates - 1) * ENVS * STEPS) as f64 / update_s
}
