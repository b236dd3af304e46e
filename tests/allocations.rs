//! The control step allocates nothing in our own code after warm-up, in play mode
//! (`PolicyPlugin`) and in the rollout phase of training (an `Agent` on a `CharacterEnv` with
//! `TrainingRun::record_step`, as `Trainer` steps it, and `MimicPlugin`'s live driver); what
//! burn, rapier and Bevy allocate is counted per step and phase.
//!
//! A counting global allocator (this binary's own) attributes every allocation and
//! reallocation, on any thread, to the phase running at the time. The phases are marked by
//! the test's driver (acting, recording, resets) and by marker systems placed between the
//! engine's and the env's system sets in the `ControlStep` schedule (and a schedule before
//! `First` for the rest of Bevy's frame). The engine runs one world on one compute thread,
//! every schedule single-threaded and Bevy's clock one control step per update; the tests take
//! a lock, as the counters see every thread of the process. What is asserted, after warm-up
//! (which includes episode resets):
//!
//! - our phases (PD targets, reference motion, observations, rewards and dones, recording a
//!   step, episode resets) allocate nothing;
//! - acting (burn's forward pass; our code around it only builds the buffers burn's tensors
//!   take over) allocates the same every step, and as much with ASE's latents as without;
//! - the engine's own systems (PD targets onto the motors, the state read) allocate nothing,
//!   and writing queued reset states into the worlds allocates only inside rapier (the list
//!   of bodies it marks modified), so nothing on a step with nothing queued;
//! - rapier's step allocates with the contacts, and the state writes with the resets: not
//!   constant, but the same step by step in a second identical run;
//! - Bevy's frame is counted and printed, not asserted: its parallel transform propagation
//!   allocates as the compute pool's threads happen to wake up.
//!
//! `ALLOC_TRACE=<phase>` (e.g. `ALLOC_TRACE=observe`) prints a backtrace of every allocation
//! made in that phase during the measured steps of the first run.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::fmt::Write as _;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use bevy::app::{
    MainScheduleOrder, TaskPoolOptions, TaskPoolPlugin, TaskPoolThreadAssignmentPolicy,
};
use bevy::ecs::schedule::{ScheduleLabel, Schedules, SingleThreadedExecutor};
use bevy::prelude::*;
use bevy::time::TimeUpdateStrategy;
use bevy_mimic::MimicConfig;
use bevy_mimic::SeededRng;
use bevy_mimic::config::{parse_agent_config, parse_env_config};
use bevy_mimic::control::{EpisodeDone, MimicSet, TrainingRequest};
use bevy_mimic::env::character::EnvSet;
use bevy_mimic::env::{CharacterEnv, VecEnv};
use bevy_mimic::fit::EnvSpec;
use bevy_mimic::learning::agents::{ActMode, Agent};
use bevy_mimic::learning::device::Backend;
use bevy_mimic::live::{TrainingPhase, TrainingStatus};
use bevy_mimic::play::{PlayStats, PolicyPlugin};
use bevy_mimic::sim::plugin::{SimCharacter, SimSettings};
use bevy_mimic::sim::{ControlStep, SimSet};
use bevy_mimic::train::{RunOptions, TrainingRun};
use bevy_rapier3d::plugin::PhysicsSet;
use common::{TempDir, config_path, config_text};
use rand::SeedableRng;

// ---------------------------------------------------------------------------------------------
// The counting allocator.

/// The phases of a control step an allocation is attributed to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[repr(usize)]
enum Phase {
    /// Outside the control step (the test itself): counted, not reported.
    Idle,
    /// Bevy's frame around the control step: the main schedules, time, messages, transform
    /// propagation, bevy_rapier's backend sync.
    Frame,
    /// The policy: normalising, the forward pass, sampling (in an app's `MimicSet::Act`: and
    /// the PD targets).
    Act,
    /// Actions written as PD targets (`CharacterEnv::step` before the engine runs).
    Targets,
    /// `SimSet::WriteStates`: states queued by resets into the worlds (the engine).
    WriteStates,
    /// `SimSet::ApplyTargets`: PD targets onto the joint motors (the engine).
    SimTargets,
    /// `SimSet::Step` and bevy_rapier's writeback: the physics (the engine).
    Step,
    /// `SimSet::ReadState`: `SimState` from the worlds (the engine).
    ReadState,
    /// `EnvSet::Reference`: motion times and reference poses.
    Reference,
    /// `EnvSet::Observe`: observations and discriminator observations.
    Observe,
    /// `EnvSet::Reward` and `EnvSet::Done`.
    RewardDone,
    /// Recording the step (`TrainingRun::record_step`; in an app: `MimicSet::Record`, which
    /// also restarts finished episodes).
    Record,
    /// Resets of finished episodes (the rollout over `CharacterEnv`).
    Reset,
}

const PHASES: usize = 13;
const ALL: [Phase; PHASES] = [
    Phase::Idle,
    Phase::Frame,
    Phase::Act,
    Phase::Targets,
    Phase::WriteStates,
    Phase::SimTargets,
    Phase::Step,
    Phase::ReadState,
    Phase::Reference,
    Phase::Observe,
    Phase::RewardDone,
    Phase::Record,
    Phase::Reset,
];

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Frame => "frame",
            Phase::Act => "act",
            Phase::Targets => "targets",
            Phase::WriteStates => "write_states",
            Phase::SimTargets => "sim_targets",
            Phase::Step => "step",
            Phase::ReadState => "read_state",
            Phase::Reference => "reference",
            Phase::Observe => "observe",
            Phase::RewardDone => "reward_done",
            Phase::Record => "record",
            Phase::Reset => "reset",
        }
    }
}

static PHASE: AtomicUsize = AtomicUsize::new(Phase::Idle as usize);
static ALLOCS: [AtomicU64; PHASES] = [const { AtomicU64::new(0) }; PHASES];
static REALLOCS: [AtomicU64; PHASES] = [const { AtomicU64::new(0) }; PHASES];
/// The phase whose allocations print a backtrace (`ALLOC_TRACE`), while `TRACING`.
static TRACE: AtomicUsize = AtomicUsize::new(usize::MAX);
static TRACING: AtomicBool = AtomicBool::new(false);
/// The phases entered during a step, in order (marker systems and the driver).
static SEQUENCE: [AtomicUsize; 32] = [const { AtomicUsize::new(0) }; 32];
static SEQUENCE_LEN: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    static IN_TRACE: Cell<bool> = const { Cell::new(false) };
}

struct Counting;

fn note(counts: &[AtomicU64; PHASES]) {
    let phase = PHASE.load(Ordering::SeqCst);
    counts[phase].fetch_add(1, Ordering::SeqCst);
    if phase == TRACE.load(Ordering::Relaxed)
        && TRACING.load(Ordering::Relaxed)
        && !IN_TRACE.with(Cell::get)
    {
        IN_TRACE.with(|t| t.set(true));
        let trace = std::backtrace::Backtrace::force_capture();
        eprintln!("allocation in {}:\n{trace}", ALL[phase].name());
        IN_TRACE.with(|t| t.set(false));
    }
}

// SAFETY: every call is forwarded to `System` unchanged; counting only touches atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(&ALLOCS);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(&ALLOCS);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(&REALLOCS);
        // SAFETY: the caller's contract, passed on.
        unsafe { System.realloc(ptr, layout, new_size) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: the caller's contract, passed on.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// The counters see every thread: one test at a time.
static EXCLUSIVE: Mutex<()> = Mutex::new(());

/// Enters `phase` (recorded in the step's sequence unless it is the phase running).
fn enter(phase: Phase) {
    let was = PHASE.swap(phase as usize, Ordering::SeqCst);
    let at = SEQUENCE_LEN.load(Ordering::SeqCst);
    if was != phase as usize && at < SEQUENCE.len() {
        SEQUENCE[at].store(phase as usize, Ordering::SeqCst);
        SEQUENCE_LEN.store(at + 1, Ordering::SeqCst);
    }
}

/// What one control step allocated, per phase.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct StepCounts {
    allocs: [u64; PHASES],
    reallocs: [u64; PHASES],
    /// Episodes restarted in this step.
    resets: u64,
}

impl StepCounts {
    fn of(&self, phase: Phase) -> (u64, u64) {
        (self.allocs[phase as usize], self.reallocs[phase as usize])
    }
}

/// Starts counting a step.
fn begin_step() {
    enter(Phase::Idle);
    for c in ALLOCS.iter().chain(&REALLOCS) {
        c.store(0, Ordering::SeqCst);
    }
    SEQUENCE_LEN.store(0, Ordering::SeqCst);
}

/// Stops counting: the step's counts and the phases it went through.
fn end_step(resets: u64) -> (StepCounts, Vec<Phase>) {
    enter(Phase::Idle);
    let mut counts = StepCounts {
        resets,
        ..Default::default()
    };
    for p in 0..PHASES {
        counts.allocs[p] = ALLOCS[p].load(Ordering::SeqCst);
        counts.reallocs[p] = REALLOCS[p].load(Ordering::SeqCst);
    }
    let len = SEQUENCE_LEN.load(Ordering::SeqCst).min(SEQUENCE.len());
    let seq = (0..len)
        .map(|i| ALL[SEQUENCE[i].load(Ordering::SeqCst)])
        .filter(|p| *p != Phase::Idle)
        .collect();
    (counts, seq)
}

/// The measured steps as a table: allocations (+ reallocations) per phase.
fn table(steps: &[StepCounts]) -> String {
    let mut out = String::from("step resets");
    for p in &ALL[1..] {
        let _ = write!(out, " {:>11}", p.name());
    }
    out.push('\n');
    for (i, s) in steps.iter().enumerate() {
        let _ = write!(out, "{i:>4} {:>6}", s.resets);
        for p in &ALL[1..] {
            let (a, r) = s.of(*p);
            let cell = if r == 0 {
                format!("{a}")
            } else {
                format!("{a}+{r}r")
            };
            let _ = write!(out, " {cell:>11}");
        }
        out.push('\n');
    }
    out
}

fn trace_from_env() {
    if let Ok(name) = std::env::var("ALLOC_TRACE")
        && let Some(p) = ALL.iter().find(|p| p.name() == name)
    {
        TRACE.store(*p as usize, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------------------------------------
// Marking the phases inside an app update.

/// Runs before `First`: the rest of the update is Bevy's frame until a marker says otherwise.
#[derive(ScheduleLabel, Debug, Clone, PartialEq, Eq, Hash)]
struct MarkFrame;

fn mark(phase: Phase) -> impl FnMut() {
    move || enter(phase)
}

/// Adds the phase markers to an app's world (the engine's, or a play-mode app with
/// `mimic_sets`: the policy acts and records inside the control step): one before every set of
/// the control step, one after it, and the frame schedule before `First`.
fn add_markers(world: &mut World, mimic_sets: bool) {
    world
        .resource_mut::<MainScheduleOrder>()
        .insert_before(First, MarkFrame);
    let mut schedules = world.resource_mut::<Schedules>();
    schedules
        .entry(MarkFrame)
        .set_executor(SingleThreadedExecutor::new());
    schedules.add_systems(MarkFrame, mark(Phase::Frame));
    let engine_and_env = (
        mark(Phase::WriteStates)
            .after(PhysicsSet::SyncBackend)
            .before(SimSet::WriteStates),
        mark(Phase::SimTargets)
            .after(SimSet::WriteStates)
            .before(SimSet::ApplyTargets),
        mark(Phase::Step)
            .after(SimSet::ApplyTargets)
            .before(PhysicsSet::StepSimulation),
        mark(Phase::ReadState)
            .after(PhysicsSet::Writeback)
            .after(SimSet::Step)
            .before(SimSet::ReadState),
        mark(Phase::Reference)
            .after(SimSet::ReadState)
            .before(EnvSet::Reference),
        mark(Phase::Observe)
            .after(EnvSet::Reference)
            .before(EnvSet::Observe),
        mark(Phase::RewardDone)
            .after(EnvSet::Observe)
            .before(EnvSet::Reward),
    )
        .chain();
    if mimic_sets {
        schedules.add_systems(
            ControlStep,
            (
                mark(Phase::Act)
                    .after(PhysicsSet::SyncBackend)
                    .before(MimicSet::Act),
                engine_and_env.after(MimicSet::Act),
                mark(Phase::Record)
                    .after(EnvSet::Done)
                    .before(MimicSet::Record),
                mark(Phase::Frame).after(MimicSet::Record),
            )
                .chain(),
        );
    } else {
        schedules.add_systems(
            ControlStep,
            (engine_and_env, mark(Phase::Frame).after(EnvSet::Done)).chain(),
        );
    }
}

/// A clock that advances one control step per update: Bevy's fixed-timestep schedules run
/// (and are built) in the warm-up, on the same updates in every run, not when wall time says.
fn steady_clock(world: &mut World) {
    world.insert_resource(TimeUpdateStrategy::ManualDuration(Duration::from_secs_f64(
        1.0 / 30.0,
    )));
}

/// Every schedule of `world` on the calling thread, so the counts do not depend on which
/// thread picks up a system.
fn single_threaded(world: &mut World) {
    for (_, schedule) in world.resource_mut::<Schedules>().iter_mut() {
        schedule.set_executor(SingleThreadedExecutor::new());
    }
}

// ---------------------------------------------------------------------------------------------
// Checks.

/// A phase of our own code: no allocation in any of `steps`.
fn assert_none(steps: &[StepCounts], phase: Phase, what: &str) {
    let bad: Vec<usize> = (0..steps.len())
        .filter(|&i| steps[i].of(phase) != (0, 0))
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: phase `{}` allocated in steps {bad:?} (ours: must allocate nothing after warm-up)\n{}",
        phase.name(),
        table(steps)
    );
}

/// A phase whose allocations are burn's or the engine's own per step: the same count in every
/// measured step. Returns it (allocations, reallocations).
fn assert_constant(steps: &[StepCounts], phase: Phase, what: &str) -> (u64, u64) {
    let first = steps[0].of(phase);
    let bad: Vec<usize> = (0..steps.len())
        .filter(|&i| steps[i].of(phase) != first)
        .collect();
    assert!(
        bad.is_empty(),
        "{what}: phase `{}` allocated {first:?} in the first measured step but not in steps {bad:?} (must be constant after warm-up)\n{}",
        phase.name(),
        table(steps)
    );
    first
}

/// Phases whose counts follow the simulation (rapier's contacts, the episodes that end): the
/// same, step by step, in a second identical run, so they depend on nothing else (no clock,
/// no thread timing, no history outside the simulation).
fn assert_reproducible(a: &[StepCounts], b: &[StepCounts], phases: &[Phase], what: &str) {
    assert_eq!(a.len(), b.len());
    for &phase in phases {
        let bad: Vec<usize> = (0..a.len())
            .filter(|&i| a[i].of(phase) != b[i].of(phase) || a[i].resets != b[i].resets)
            .collect();
        assert!(
            bad.is_empty(),
            "{what}: phase `{}` allocated differently in two identical runs, in steps {bad:?}\nfirst run:\n{}second run:\n{}",
            phase.name(),
            table(a),
            table(b)
        );
    }
}

fn assert_sequence(seq: &[Phase], expected: &[Phase], what: &str) {
    assert_eq!(
        seq, expected,
        "{what}: the phases ran out of order (the markers are misplaced)"
    );
}

/// `min..max (mean)` of a phase's allocations + reallocations per step.
fn spread(steps: &[StepCounts], phase: Phase) -> String {
    let n: Vec<u64> = steps
        .iter()
        .map(|s| s.of(phase).0 + s.of(phase).1)
        .collect();
    let mean = n.iter().sum::<u64>() as f64 / n.len() as f64;
    format!(
        "{}..{} (mean {mean:.1})",
        n.iter().min().unwrap(),
        n.iter().max().unwrap()
    )
}

/// Allocations + reallocations of `phase` per episode reset, in the steps right after the
/// steps with resets (the engine writes the queued states at the start of the next step).
fn per_reset_after(steps: &[StepCounts], phase: Phase) -> f64 {
    let (mut allocs, mut resets) = (0, 0);
    for w in steps.windows(2).filter(|w| w[0].resets > 0) {
        allocs += w[1].of(phase).0 + w[1].of(phase).1;
        resets += w[0].resets;
    }
    allocs as f64 / resets.max(1) as f64
}

/// The engine's systems around the physics allocate nothing of ours: PD targets onto the
/// motors and the state read never; writing queued states only in rapier (the list of bodies
/// it marks modified), so nothing on a step after one without resets.
fn assert_engine_phases(steps: &[StepCounts], what: &str) {
    assert_none(steps, Phase::SimTargets, what);
    assert_none(steps, Phase::ReadState, what);
    let quiet: Vec<StepCounts> = steps
        .windows(2)
        .filter(|w| w[0].resets == 0)
        .map(|w| w[1])
        .collect();
    assert_none(
        &quiet,
        Phase::WriteStates,
        &format!("{what}, steps after steps without resets"),
    );
}

// ---------------------------------------------------------------------------------------------
// Play mode.

const PLAY_WARMUP: usize = 20;
const PLAY_STEPS: usize = 60;
/// Updates of the warm-up at which every character is told to restart: two in a row, so that
/// both of Bevy's message buffers have held the `EpisodeDone`s.
const PLAY_WARM_RESETS: [usize; 2] = [8, 9];
/// Measured updates at which every character is told to restart.
const PLAY_RESETS: [usize; 1] = [30];

fn play_app(policy: &Path, num_envs: usize) -> App {
    let plugin = PolicyPlugin::load(policy, num_envs).unwrap();
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(one_compute_thread()),
        TransformPlugin,
        plugin,
    ));
    // One world, stepped on the calling thread.
    app.world_mut()
        .resource_mut::<SimSettings>()
        .config
        .num_threads = 1;
    app.finish();
    app.cleanup();
    single_threaded(app.world_mut());
    steady_clock(app.world_mut());
    add_markers(app.world_mut(), true);
    app
}

fn one_compute_thread() -> TaskPoolPlugin {
    TaskPoolPlugin {
        task_pool_options: TaskPoolOptions {
            compute: TaskPoolThreadAssignmentPolicy {
                min_threads: 1,
                max_threads: 1,
                percent: 1.0,
                on_thread_spawn: None,
                on_thread_destroy: None,
            },
            ..Default::default()
        },
    }
}

/// One play-mode update, counted; `reset` asks every character to restart in it.
fn play_step(app: &mut App, reset: bool) -> (StepCounts, Vec<Phase>) {
    if reset {
        app.world_mut().write_message(TrainingRequest::ResetEnvs);
    }
    let before = app.world().resource::<PlayStats>().resets;
    begin_step();
    enter(Phase::Frame);
    app.update();
    let (counts, seq) = end_step(0);
    let resets = app.world().resource::<PlayStats>().resets - before;
    (StepCounts { resets, ..counts }, seq)
}

/// Warms up a play-mode app on the policy in `dir` and counts the measured updates.
fn run_play(dir: &Path, num_envs: usize, what: &str, trace: bool) -> Vec<StepCounts> {
    use Phase::*;
    let mut app = play_app(dir, num_envs);
    // The first update builds the worlds and starts every character.
    app.update();
    let mut warm_resets = 0;
    for i in 0..PLAY_WARMUP {
        warm_resets += play_step(&mut app, PLAY_WARM_RESETS.contains(&i)).0.resets;
    }
    assert!(warm_resets > 0, "{what}: no restart in the warm-up");
    let expected = [
        Frame,
        Act,
        WriteStates,
        SimTargets,
        Step,
        ReadState,
        Reference,
        Observe,
        RewardDone,
        Record,
        Frame,
    ];
    let mut steps = Vec::with_capacity(PLAY_STEPS);
    TRACING.store(trace, Ordering::SeqCst);
    for i in 0..PLAY_STEPS {
        let (counts, seq) = play_step(&mut app, PLAY_RESETS.contains(&i));
        assert_sequence(&seq, &expected, what);
        steps.push(counts);
    }
    TRACING.store(false, Ordering::SeqCst);
    assert_eq!(
        app.world().resource::<PlayStats>().steps as usize,
        1 + PLAY_WARMUP + PLAY_STEPS,
        "{what}: a control step was skipped"
    );
    steps
}

fn check_play(policy: &str, num_envs: usize) {
    use Phase::*;
    let _only = EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner());
    trace_from_env();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/policies")
        .join(policy);
    let what = format!("play mode ({policy}, {num_envs} characters)");
    let steps = run_play(&dir, num_envs, &what, true);
    let again = run_play(&dir, num_envs, &what, false);
    println!(
        "{what}: allocations (+ reallocations) per phase\n{}",
        table(&steps)
    );
    assert!(
        steps.iter().any(|s| s.resets > 0),
        "{what}: no restart in the measured steps"
    );

    // Ours: the env's terms.
    for phase in [Reference, Observe, RewardDone] {
        assert_none(&steps, phase, &what);
    }
    // Ours: recording and restarting finished episodes (a restart queues the state for the
    // engine and refreshes `SimState`).
    assert_none(&steps, Record, &what);
    // burn's forward pass (and our code around it: normaliser, latents, PD targets).
    let act = assert_constant(&steps, Act, &what);
    // The engine's own systems around the physics (sim/rapier/): PD targets onto the motors,
    // the state read; writing queued states allocates only in rapier (its list of modified
    // bodies), so nothing on steps with nothing queued.
    assert_engine_phases(&steps, &what);
    // rapier's step allocates with the contacts (parry's contact manifolds, the CCD solver, the
    // broad phase, the island solver), restarts with what they touch: not constant, but
    // reproducible. (Bevy's frame is not: its parallel transform propagation allocates as
    // the compute pool's threads happen to wake up.)
    assert_reproducible(
        &steps,
        &again,
        &[
            Act,
            WriteStates,
            SimTargets,
            Step,
            ReadState,
            Reference,
            Observe,
            RewardDone,
            Record,
        ],
        &what,
    );
    println!(
        "{what}: per step act {act:?} (allocations, reallocations); step {}, frame {}; write_states {:.1} per restart",
        spread(&steps, Step),
        spread(&steps, Frame),
        per_reset_after(&steps, WriteStates)
    );
}

#[test]
fn play_mode_allocates_nothing_of_ours_after_warm_up() {
    check_play("deepmimic_walk", 2);
}

#[test]
fn ase_play_mode_allocates_nothing_of_ours_after_warm_up() {
    check_play("ase_skills", 2);
}

// ---------------------------------------------------------------------------------------------
// What an algorithm adds to acting.

/// ASE's latents, appended to every observation, cost acting no allocation: with them the
/// policy allocates exactly as much as without (the input is one buffer either way, the rest is
/// burn's forward pass through actors of the same layers), in play mode and in the rollout.
#[test]
fn latents_add_no_allocation_to_acting() {
    let _only = EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner());
    trace_from_env();
    let play = |policy: &str| {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("assets/policies")
            .join(policy);
        let what = format!("play mode ({policy})");
        assert_constant(&run_play(&dir, 2, &what, false), Phase::Act, &what)
    };
    let (walk, skills) = (play("deepmimic_walk"), play("ase_skills"));
    assert_eq!(
        walk, skills,
        "play mode: acting allocates {skills:?} with ASE's latents, {walk:?} without (allocations, reallocations)"
    );
    let rollout = |agent: &str, env: &str| {
        let what = format!("rollout ({agent} on {env})");
        assert_constant(&run_rollout(agent, env, 4, &what, false), Phase::Act, &what)
    };
    let ppo = rollout(
        "agents/deepmimic_humanoid_ppo_cpu.yaml",
        "envs/deepmimic_humanoid_walk.yaml",
    );
    let ase = rollout(
        "agents/ase_humanoid_cpu.yaml",
        "envs/ase_humanoid_skills.yaml",
    );
    assert_eq!(
        ppo, ase,
        "rollout: acting allocates {ase:?} with ASE's latents, {ppo:?} without (allocations, reallocations)"
    );
}

// ---------------------------------------------------------------------------------------------
// The rollout phase of training inside a Bevy app (`MimicPlugin`, the live driver).

const LIVE_WARMUP: usize = 40;
const LIVE_STEPS: usize = 60;
/// Warm-up updates at which every env is told to restart: two in a row, so that both of
/// Bevy's message buffers have held an `EpisodeDone` per env (they grow to what they hold).
const LIVE_WARM_RESETS: [usize; 2] = [8, 9];

fn live_app(dir: &Path, agent: &str, env: &str, num_envs: usize) -> App {
    let agent_file = dir.join("agent.yaml");
    let steps_per_iter = (LIVE_WARMUP + LIVE_STEPS + 2).to_string();
    let agent_yaml = config_text(
        agent,
        &[
            ("steps_per_iter", &steps_per_iter),
            ("disc_buffer_size", "1000"),
        ],
    );
    std::fs::write(&agent_file, agent_yaml).unwrap();
    let env_file = dir.join("env.yaml");
    let episode = EPISODE_S.to_string();
    std::fs::write(&env_file, config_text(env, &[("episode_length", &episode)])).unwrap();
    let plugin = MimicConfig::train(agent_file, env_file)
        .with_num_envs(num_envs)
        .with_seed(3)
        .with_background_update(false)
        .with_transform_writeback(false)
        .load()
        .unwrap();
    let mut app = App::new();
    app.add_plugins((
        MinimalPlugins.set(one_compute_thread()),
        TransformPlugin,
        plugin,
    ));
    app.world_mut()
        .resource_mut::<SimSettings>()
        .config
        .num_threads = 1;
    app.finish();
    app.cleanup();
    single_threaded(app.world_mut());
    steady_clock(app.world_mut());
    add_markers(app.world_mut(), true);
    app
}

/// One update of the live driver's rollout, counted (resets: the episodes it reported).
/// One live update, counted; `reset` asks for every env to restart.
fn live_step(app: &mut App, reset: bool) -> (StepCounts, Vec<Phase>) {
    if reset {
        app.world_mut().write_message(TrainingRequest::ResetEnvs);
    }
    begin_step();
    enter(Phase::Frame);
    app.update();
    let (counts, seq) = end_step(0);
    let resets = app
        .world()
        .resource::<Messages<EpisodeDone>>()
        .iter_current_update_messages()
        .len() as u64;
    (StepCounts { resets, ..counts }, seq)
}

fn run_live(agent: &str, env: &str, num_envs: usize, what: &str, trace: bool) -> Vec<StepCounts> {
    use Phase::*;
    let dir = TempDir::new("allocations");
    let mut app = live_app(dir.path(), agent, env, num_envs);
    // The first update builds the worlds and starts every episode.
    app.update();
    let mut warm_resets = 0;
    for i in 0..LIVE_WARMUP {
        warm_resets += live_step(&mut app, LIVE_WARM_RESETS.contains(&i)).0.resets;
    }
    assert!(warm_resets > 0, "{what}: no reset in the warm-up");
    let expected = [
        Frame,
        Act,
        WriteStates,
        SimTargets,
        Step,
        ReadState,
        Reference,
        Observe,
        RewardDone,
        Record,
        Frame,
    ];
    let mut steps = Vec::with_capacity(LIVE_STEPS);
    TRACING.store(trace, Ordering::SeqCst);
    for _ in 0..LIVE_STEPS {
        let (counts, seq) = live_step(&mut app, false);
        assert_sequence(&seq, &expected, what);
        steps.push(counts);
    }
    TRACING.store(false, Ordering::SeqCst);
    let status = app.world().resource::<TrainingStatus>();
    assert_eq!(
        (status.phase, status.iteration),
        (TrainingPhase::Rollout, 0),
        "{what}: the rollout ended in the test"
    );
    steps
}

fn check_live(agent: &str, env: &str, num_envs: usize) {
    use Phase::*;
    let _only = EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner());
    trace_from_env();
    let what = format!("live rollout ({agent} on {env}, {num_envs} envs)");
    let steps = run_live(agent, env, num_envs, &what, true);
    let again = run_live(agent, env, num_envs, &what, false);
    println!(
        "{what}: allocations (+ reallocations) per phase\n{}",
        table(&steps)
    );
    assert!(
        steps.iter().any(|s| s.resets > 0),
        "{what}: no reset in the measured steps"
    );
    // As in play mode: `MimicSet::Record` records the step and resets the finished episodes.
    for phase in [Reference, Observe, RewardDone] {
        assert_none(&steps, phase, &what);
    }
    assert_none(&steps, Record, &what);
    let act = assert_constant(&steps, Act, &what);
    assert_engine_phases(&steps, &what);
    assert_reproducible(
        &steps,
        &again,
        &[
            Act,
            WriteStates,
            SimTargets,
            Step,
            ReadState,
            Reference,
            Observe,
            RewardDone,
            Record,
        ],
        &what,
    );
    println!(
        "{what}: per step act {act:?} (allocations, reallocations); step {}, frame {}; write_states {:.1} per env reset",
        spread(&steps, Step),
        spread(&steps, Frame),
        per_reset_after(&steps, WriteStates)
    );
}

#[test]
fn live_deepmimic_rollout_allocates_nothing_of_ours_after_warm_up() {
    check_live(
        "agents/deepmimic_humanoid_ppo_cpu.yaml",
        "envs/deepmimic_humanoid_walk.yaml",
        4,
    );
}

#[test]
fn live_ase_rollout_allocates_nothing_of_ours_after_warm_up() {
    check_live(
        "agents/ase_humanoid_cpu.yaml",
        "envs/ase_humanoid_skills.yaml",
        4,
    );
}

// ---------------------------------------------------------------------------------------------
// The rollout phase of training.

const ROLLOUT_WARMUP: usize = 40;
const ROLLOUT_STEPS: usize = 60;
/// Seconds per episode: resets at fixed steps besides the falls.
const EPISODE_S: f64 = 1.0;

/// An agent and `num_envs` envs of shipped configs, one world on one thread, short episodes,
/// and a rollout long enough that no update falls into the test.
fn rollout(agent: &str, env: &str, num_envs: usize) -> (TrainingRun, CharacterEnv) {
    let steps_per_iter = (ROLLOUT_WARMUP + ROLLOUT_STEPS + 1).to_string();
    let agent_yaml = config_text(
        agent,
        &[
            ("steps_per_iter", &steps_per_iter),
            ("disc_buffer_size", "1000"),
        ],
    );
    let agent_config = parse_agent_config(&config_path(agent), &agent_yaml).unwrap();
    let env_yaml = config_text(env, &[]);
    let (kind, mut env_config) = parse_env_config(&config_path(env), &env_yaml)
        .unwrap()
        .character()
        .expect("a character env");
    env_config.episode_length = EPISODE_S;
    env_config
        .engine
        .get_or_insert_with(Default::default)
        .num_threads = 1;
    let mut env = CharacterEnv::new(kind, &env_config, num_envs).unwrap();
    let world = env.engine_mut().app_mut().world_mut();
    single_threaded(world);
    steady_clock(world);
    add_markers(world, false);
    let spec = EnvSpec::character(
        env.obs_dim(),
        env.action_space(),
        env.disc_obs_dim(),
        &env.engine().world().resource::<SimCharacter>().model,
    );
    let mut agent = Agent::new_with_disc(
        agent_config,
        env.obs_dim(),
        env.action_space(),
        num_envs,
        env.disc_obs_dim(),
        Backend::Flex.device(),
        3,
    )
    .unwrap();
    agent.set_step_dt(env.step_dt());
    let run = TrainingRun::new(
        agent,
        spec,
        SeededRng::seed_from_u64(4),
        agent_yaml,
        env_yaml,
        RunOptions {
            max_samples: u64::MAX,
            out_dir: None,
            save_int_models: false,
        },
    )
    .unwrap();
    (run, env)
}

/// One rollout step as `Trainer::rollout_step` takes it (act, step, record, reset the
/// finished), counted.
fn rollout_step(run: &mut TrainingRun, env: &mut CharacterEnv) -> (StepCounts, Vec<Phase>) {
    begin_step();
    enter(Phase::Act);
    let actions = run.agent_mut().act(env.obs(), ActMode::Explore);
    enter(Phase::Targets);
    env.step(actions);
    enter(Phase::Record);
    let finished = run.record_step(
        env.obs(),
        env.rewards(),
        env.dones(),
        env.disc_obs(),
        false,
        |_, _, _, _| {},
    );
    let resets = finished.len() as u64;
    enter(Phase::Reset);
    if resets > 0 {
        let (finished, rng) = run.finished_envs();
        env.reset(finished, rng);
    }
    end_step(resets)
}

/// Warms up a rollout and counts the measured steps.
fn run_rollout(
    agent: &str,
    env_file: &str,
    num_envs: usize,
    what: &str,
    trace: bool,
) -> Vec<StepCounts> {
    use Phase::*;
    let (mut run, mut env) = rollout(agent, env_file, num_envs);
    let all: Vec<usize> = (0..num_envs).collect();
    env.reset(&all, &mut run.env_rng);
    let mut warm_resets = 0;
    for _ in 0..ROLLOUT_WARMUP {
        warm_resets += rollout_step(&mut run, &mut env).0.resets;
    }
    assert!(warm_resets > 0, "{what}: no reset in the warm-up");
    let expected = [
        Act,
        Targets,
        Frame,
        WriteStates,
        SimTargets,
        Step,
        ReadState,
        Reference,
        Observe,
        RewardDone,
        Frame,
        Record,
        Reset,
    ];
    let mut steps = Vec::with_capacity(ROLLOUT_STEPS);
    TRACING.store(trace, Ordering::SeqCst);
    for _ in 0..ROLLOUT_STEPS {
        let (counts, seq) = rollout_step(&mut run, &mut env);
        assert_sequence(&seq, &expected, what);
        steps.push(counts);
    }
    TRACING.store(false, Ordering::SeqCst);
    assert!(
        !run.agent().buffer_full(),
        "{what}: an update fell into the test"
    );
    steps
}

fn check_rollout(agent: &str, env_file: &str, num_envs: usize) {
    use Phase::*;
    let _only = EXCLUSIVE.lock().unwrap_or_else(|e| e.into_inner());
    trace_from_env();
    let what = format!("rollout ({agent} on {env_file}, {num_envs} envs)");
    let steps = run_rollout(agent, env_file, num_envs, &what, true);
    let again = run_rollout(agent, env_file, num_envs, &what, false);
    println!(
        "{what}: allocations (+ reallocations) per phase\n{}",
        table(&steps)
    );
    assert!(
        steps.iter().any(|s| s.resets > 0),
        "{what}: no reset in the measured steps"
    );

    // Ours: PD targets, the env's terms, recording.
    for phase in [Targets, Reference, Observe, RewardDone, Record, Reset] {
        assert_none(&steps, phase, &what);
    }
    // See the play-mode test for the other phases; resets are their own phase here.
    let act = assert_constant(&steps, Act, &what);
    assert_engine_phases(&steps, &what);
    assert_reproducible(
        &steps,
        &again,
        &[
            Act,
            Targets,
            WriteStates,
            SimTargets,
            Step,
            ReadState,
            Reference,
            Observe,
            RewardDone,
            Record,
            Reset,
        ],
        &what,
    );
    println!(
        "{what}: per step act {act:?} (allocations, reallocations); step {}, frame {}; write_states {:.1} per env reset",
        spread(&steps, Step),
        spread(&steps, Frame),
        per_reset_after(&steps, WriteStates)
    );
}

#[test]
fn deepmimic_rollout_allocates_nothing_of_ours_after_warm_up() {
    check_rollout(
        "agents/deepmimic_humanoid_ppo_cpu.yaml",
        "envs/deepmimic_humanoid_walk.yaml",
        4,
    );
}

#[test]
fn amp_rollout_allocates_nothing_of_ours_after_warm_up() {
    check_rollout(
        "agents/amp_humanoid_cpu.yaml",
        "envs/amp_humanoid_walk.yaml",
        4,
    );
}

#[test]
fn ase_rollout_allocates_nothing_of_ours_after_warm_up() {
    check_rollout(
        "agents/ase_humanoid_cpu.yaml",
        "envs/ase_humanoid_skills.yaml",
        4,
    );
}

#[test]
fn add_rollout_allocates_nothing_of_ours_after_warm_up() {
    check_rollout(
        "agents/add_humanoid_cpu.yaml",
        "envs/add_humanoid_walk.yaml",
        4,
    );
}
