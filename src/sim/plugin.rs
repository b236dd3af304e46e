//! `SimPlugin`: N humanoids in bevy_rapier worlds, and the control step as Bevy system sets.

use std::ops::Range;

use bevy::ecs::schedule::SingleThreadedExecutor;
use bevy::ecs::system::SystemParam;
use bevy::platform::collections::HashSet;
use bevy::prelude::*;
use bevy::tasks::ComputeTaskPool;
use bevy::transform::TransformSystems;
use bevy_rapier3d::dynamics::GenericJoint as BevyGenericJoint;
use bevy_rapier3d::plugin::{PhysicsSet, RapierContextInitialization};
use bevy_rapier3d::prelude::*;
use bevy_rapier3d::rapier::dynamics::{
    GenericJointBuilder, IntegrationParameters, JointAxesMask, JointAxis, MotorModel,
};
use bevy_rapier3d::rapier::math::Pose;

use super::config::{EngineConfig, JointLimits};
use super::layout::{CharacterLayout, armature_inertia};
use super::pace::{ControlPace, ControlStep, PaceClock, run_control_steps};
use super::state::{BodyStates, CharacterState, SimState};
use super::world::{
    EnvIsolation, PhysicsWorld, StateSliceMut, WorldHandles, apply_targets, read_env,
    read_ground_contacts, write_env,
};
use crate::anim::character::{CharacterModel, Joint, Shape};

/// The phases of one control step, in order, in the [`ControlStep`] schedule, around
/// bevy_rapier's own sets: rapier's `SyncBackend` → [`ApplyTargets`] → [`Step`]
/// (inside rapier's `StepSimulation`) → rapier's `Writeback` → [`ReadState`].
///
/// [`ApplyTargets`]: SimSet::ApplyTargets
/// [`Step`]: SimSet::Step
/// [`ReadState`]: SimSet::ReadState
#[derive(SystemSet, Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SimSet {
    /// [`PdTargets`] are written to the joint motors.
    ApplyTargets,
    /// Every world advances one control step (`sim_freq / control_freq` substeps).
    Step,
    /// [`SimState`] is filled from the worlds.
    ReadState,
}

/// The simulated character and how it maps onto rapier.
#[derive(Resource, Clone, Debug)]
pub struct SimCharacter {
    /// The kinematic model (MJCF).
    pub model: CharacterModel,
    /// Its rapier layout.
    pub layout: CharacterLayout,
}

/// Engine settings and environment placement.
#[derive(Resource, Clone, Debug)]
pub struct SimSettings {
    /// The engine YAML.
    pub config: EngineConfig,
    /// Number of environments.
    pub num_envs: usize,
    /// Each environment's origin on the layout grid; [`SimState`] positions are relative to it.
    pub origins: Vec<Vec3>,
}

/// PD targets of every environment, `[env * num_dofs + dof]`, in the character's DoF layout
/// (exp maps for spherical joints, angles for hinges). Written by the env before
/// [`SimSet::ApplyTargets`].
#[derive(Resource, Clone, Debug, Default)]
pub struct PdTargets(pub Vec<f32>);

/// Whether the worlds advance (the viewer's pause); targets and state reads still run.
#[derive(Resource, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SimPaused(pub bool);

/// Run condition: the simulation is not paused.
pub fn sim_running(paused: Res<SimPaused>) -> bool {
    !paused.0
}

/// Counters of the simulation.
#[derive(Resource, Clone, Copy, Debug, Default)]
pub struct SimStats {
    /// Control steps taken.
    pub control_steps: u64,
    /// Environment states found non-finite after a step (each is reported once per step).
    pub nonfinite_envs: u64,
}

/// Marks the entity of one body of one environment's character.
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimBody {
    /// Environment index.
    pub env: u32,
    /// Body index in the character.
    pub body: u16,
}

/// Marks the collider entity of one geom (a child of its [`SimBody`]; renderers attach meshes
/// here, since its `Transform` is the geom's pose in the body).
#[derive(Component, Clone, Copy, Debug, PartialEq, Eq)]
pub struct SimGeom {
    /// Environment index.
    pub env: u32,
    /// Body index in the character.
    pub body: u16,
    /// Geom index in the body.
    pub geom: u16,
}

/// Simulates `num_envs` copies of a character under bevy_rapier (see [`SimSet`]).
///
/// The worlds are separate rapier contexts, one per thread (`num_threads` in the engine
/// config), stepped in parallel on Bevy's compute task pool.
pub struct SimPlugin {
    model: CharacterModel,
    num_envs: usize,
    config: EngineConfig,
    writeback: bool,
}

impl SimPlugin {
    /// `num_envs` copies of `model` with the default engine settings.
    pub fn new(model: CharacterModel, num_envs: usize) -> Self {
        Self {
            model,
            num_envs,
            config: EngineConfig::default(),
            writeback: true,
        }
    }

    /// Engine settings (validate them first with [`EngineConfig::validate`]).
    pub fn with_config(mut self, config: EngineConfig) -> Self {
        self.config = config;
        self
    }

    /// Whether bevy_rapier writes body poses back into `Transform`s (needed to render them;
    /// headless training turns it off).
    pub fn with_transform_writeback(mut self, writeback: bool) -> Self {
        self.writeback = writeback;
        self
    }
}

/// Origins of `n` environments on a square grid `spacing` apart.
pub fn grid_origins(n: usize, spacing: f32) -> Vec<Vec3> {
    let cols = (n as f32).sqrt().ceil().max(1.0) as usize;
    (0..n)
        .map(|i| {
            Vec3::new(
                (i % cols) as f32 * spacing,
                (i / cols) as f32 * spacing,
                0.0,
            )
        })
        .collect()
}

/// Environment ranges of `worlds` worlds sharing `n` environments as evenly as possible.
pub fn split_envs(n: usize, worlds: usize) -> Vec<Range<usize>> {
    let worlds = worlds.max(1);
    (0..worlds)
        .map(|w| (w * n / worlds)..((w + 1) * n / worlds))
        .collect()
}

impl Plugin for SimPlugin {
    fn build(&self, app: &mut App) {
        let mut sets = HashSet::default();
        sets.insert(PhysicsSet::SyncBackend);
        if self.writeback {
            sets.insert(PhysicsSet::Writeback);
        }
        app.add_plugins(
            RapierPhysicsPlugin::<NoUserData>::default()
                .with_custom_initialization(RapierContextInitialization::NoAutomaticRapierContext)
                .with_physics_sets_systems(sets)
                .in_schedule(ControlStep),
        );
        let layout = CharacterLayout::new(&self.model);
        app.insert_resource(SimState::new(self.num_envs, &self.model))
            .insert_resource(PdTargets(vec![0.0; self.num_envs * self.model.num_dofs()]))
            .insert_resource(SimSettings {
                config: self.config.clone(),
                num_envs: self.num_envs,
                origins: grid_origins(self.num_envs, self.config.env_spacing),
            })
            .insert_resource(SimCharacter {
                model: self.model.clone(),
                layout,
            })
            .init_resource::<SimPaused>()
            .init_resource::<SimStats>()
            .init_resource::<ControlPace>()
            .init_resource::<PaceClock>()
            .add_systems(
                PostUpdate,
                run_control_steps.before(TransformSystems::Propagate),
            )
            .configure_sets(
                ControlStep,
                (
                    SimSet::ApplyTargets
                        .after(PhysicsSet::SyncBackend)
                        .before(PhysicsSet::StepSimulation),
                    SimSet::Step.in_set(PhysicsSet::StepSimulation),
                    SimSet::ReadState.after(PhysicsSet::Writeback),
                ),
            )
            .add_systems(Startup, spawn_worlds)
            // The control step is a chain of systems: a multi-threaded executor only adds
            // wake-ups (measured: the simulation took twice as long in a MinimalPlugins app).
            // The worlds still step in parallel on the compute pool.
            .edit_schedule(ControlStep, |schedule| {
                schedule.set_executor(SingleThreadedExecutor::new());
            })
            .add_systems(
                ControlStep,
                (
                    (init_worlds, apply_pd_targets)
                        .chain()
                        .in_set(SimSet::ApplyTargets),
                    step_worlds.in_set(SimSet::Step),
                    read_sim_state.in_set(SimSet::ReadState),
                ),
            );
    }
}

/// Entities of one world, kept until bevy_rapier has created their rapier objects.
#[derive(Component, Debug)]
struct WorldEntities {
    /// Entity of each body `[local_env * num_bodies + body]`.
    bodies: Vec<Entity>,
    /// Collider entity of each geom, with its body's slot `local_env * num_bodies + body`.
    geoms: Vec<(Entity, u32)>,
    /// Rigid-body entity of each rigid body `[local_env * num_rigid + rigid]`.
    rigid: Vec<Entity>,
    /// Joint (child rigid body) entity of each motor `[local_env * num_motors + motor]`.
    joints: Vec<Entity>,
}

fn shape_of(shape: &Shape) -> Collider {
    match *shape {
        Shape::Sphere { radius } => Collider::ball(radius),
        Shape::Capsule {
            radius,
            half_length,
        } => Collider::capsule_z(half_length, radius),
        Shape::Box { half_extents } => {
            Collider::cuboid(half_extents.x, half_extents.y, half_extents.z)
        }
    }
}

fn joint_of(
    model: &CharacterModel,
    layout: &CharacterLayout,
    body: usize,
    config: &EngineConfig,
) -> GenericJointBuilder {
    let b = &model.bodies[body];
    let parent = layout.links[b.parent.expect("joint bodies have parents")];
    let (mask, align) = match &b.joint {
        Joint::Hinge { axis, .. } => (
            JointAxesMask::LOCKED_REVOLUTE_AXES,
            Quat::from_rotation_arc(Vec3::X, axis.normalize()),
        ),
        _ => (JointAxesMask::LOCKED_SPHERICAL_AXES, Quat::IDENTITY),
    };
    let anchor = parent.offset_pos + parent.offset_rot * b.local_pos;
    let mut joint = GenericJointBuilder::new(mask)
        .local_frame1(Pose::from_parts(
            anchor,
            parent.offset_rot * b.local_rot * align,
        ))
        .local_frame2(Pose::from_parts(Vec3::ZERO, align))
        .contacts_enabled(false);
    let axes: &[(JointAxis, [f32; 2])] = &match &b.joint {
        Joint::Spherical { limits } => vec![
            (JointAxis::AngX, limits[0]),
            (JointAxis::AngY, limits[1]),
            (JointAxis::AngZ, limits[2]),
        ],
        Joint::Hinge { limit, .. } => vec![(JointAxis::AngX, *limit)],
        Joint::Free | Joint::Fixed => vec![],
    };
    for (i, (axis, limit)) in axes.iter().enumerate() {
        let g = model.gains[b.dof_offset + i];
        joint = joint
            .motor_model(*axis, MotorModel::ForceBased)
            .motor_position(*axis, 0.0, g.kp, g.kd)
            .motor_max_force(*axis, g.torque_limit);
        let limited = match config.joint_limits {
            JointLimits::All => true,
            JointLimits::Hinges => matches!(b.joint, Joint::Hinge { .. }),
            JointLimits::None => false,
        };
        if limited {
            joint = joint.limits(*axis, *limit);
        }
    }
    joint
}

fn spawn_worlds(mut commands: Commands, character: Res<SimCharacter>, settings: Res<SimSettings>) {
    let model = &character.model;
    let layout = &character.layout;
    let config = &settings.config;
    let default = CharacterState::default_pose(model, [0.0, 0.0], 0.0);
    let mut pose = BodyStates::default();
    default.body_states(model, &mut pose);
    let friction = Friction {
        coefficient: config.friction,
        combine_rule: CoefficientCombineRule::Average,
    };
    let mut params = IntegrationParameters {
        dt: 1.0 / config.sim_freq,
        ..IntegrationParameters::default()
    };
    params.num_solver_iterations = config.solver_iterations;
    let armature: Vec<_> = (0..model.num_bodies())
        .map(|b| MassProperties::from_rapier(armature_inertia(model, b)))
        .collect();

    // No empty worlds: fewer characters than threads get one world each.
    let num_worlds = config.num_threads.min(settings.num_envs).max(1);
    for (w, envs) in split_envs(settings.num_envs, num_worlds)
        .into_iter()
        .enumerate()
    {
        let world = commands.spawn(Name::new(format!("physics world {w}"))).id();
        let ground_entity = commands
            .spawn((
                Name::new("ground"),
                RigidBody::Fixed,
                Collider::halfspace(Vec3::Z).expect("unit normal"),
                friction,
                Transform::IDENTITY,
                RapierContextEntityLink(world),
            ))
            .id();
        let mut entities = WorldEntities {
            bodies: Vec::new(),
            geoms: Vec::new(),
            rigid: Vec::new(),
            joints: Vec::new(),
        };
        for env in envs.clone() {
            let origin = settings.origins[env];
            let first = entities.bodies.len();
            let first_rigid = entities.rigid.len();
            for (b, link) in layout.links.iter().enumerate() {
                let tag = SimBody {
                    env: env as u32,
                    body: b as u16,
                };
                let is_rigid = layout.rigid_bodies[link.rigid] == b;
                let e = if is_rigid {
                    commands
                        .spawn((
                            tag,
                            RigidBody::Dynamic,
                            Transform::from_translation(pose.pos[b] + origin)
                                .with_rotation(pose.rot[b]),
                            // Mass comes from the geoms; this adds the armature.
                            AdditionalMassProperties::MassProperties(armature[b]),
                            Sleeping::disabled(),
                            // Isaac Gym's asset angular damping in MimicKit.
                            Damping {
                                linear_damping: 0.0,
                                angular_damping: 0.01,
                            },
                            RapierContextEntityLink(world),
                        ))
                        .id()
                } else {
                    let parent = entities.rigid[first_rigid + link.rigid];
                    commands
                        .spawn((
                            tag,
                            Transform::from_translation(link.offset_pos)
                                .with_rotation(link.offset_rot),
                            ChildOf(parent),
                        ))
                        .id()
                };
                // One primitive collider per geom, as a child: rapier attaches it to the
                // nearest rigid body up the hierarchy (the forearm, for a hand).
                let slot = entities.bodies.len() as u32;
                for (gi, g) in model.bodies[b].geoms.iter().enumerate() {
                    let volume = g.shape.volume();
                    let density = if volume > 0.0 { g.mass / volume } else { 0.0 };
                    let geom = commands
                        .spawn((
                            shape_of(&g.shape),
                            ColliderMassProperties::Density(density),
                            friction,
                            ActiveHooks::FILTER_CONTACT_PAIRS,
                            Transform::from_translation(g.pos).with_rotation(g.rot),
                            SimGeom {
                                env: env as u32,
                                body: b as u16,
                                geom: gi as u16,
                            },
                            ChildOf(e),
                            RapierContextEntityLink(world),
                        ))
                        .id();
                    entities.geoms.push((geom, slot));
                }
                entities.bodies.push(e);
                if is_rigid {
                    entities.rigid.push(e);
                }
            }
            for motor in &layout.motors {
                let child = entities.bodies[first + motor.body];
                let parent = entities.rigid[first_rigid + motor.rigid_parent];
                let joint = joint_of(model, layout, motor.body, config);
                commands.entity(child).insert(ImpulseJoint::new(
                    parent,
                    TypedJoint::GenericJoint(BevyGenericJoint { raw: joint.build() }),
                ));
                entities.joints.push(child);
            }
        }
        let mut simulation = RapierContextSimulation::default();
        simulation.integration_parameters = params;
        commands.entity(world).insert((
            simulation,
            RapierConfiguration {
                gravity: Vec3::new(0.0, 0.0, -9.81),
                ..RapierConfiguration::new(1.0)
            },
            PhysicsWorld {
                index: w,
                quarantined: vec![false; envs.len()],
                envs,
                ground_entity,
                handles: None,
            },
            entities,
        ));
    }
}

type WorldSets = (
    &'static mut PhysicsWorld,
    &'static mut RapierRigidBodySet,
    &'static mut RapierContextJoints,
    &'static RapierContextColliders,
    &'static WorldEntities,
);

/// Finds the rapier handles of a world's entities once bevy_rapier has created them, then puts
/// every environment in the default standing pose.
fn init_worlds(
    mut worlds: Query<WorldSets>,
    character: Res<SimCharacter>,
    settings: Res<SimSettings>,
    mut state: ResMut<SimState>,
    mut scratch: Local<BodyStates>,
) {
    let model = &character.model;
    let layout = &character.layout;
    for (mut world, mut bodies, joints, colliders, entities) in &mut worlds {
        if world.handles.is_some() {
            continue;
        }
        let find = || -> Option<WorldHandles> {
            let bodies_h = entities
                .rigid
                .iter()
                .map(|e| bodies.entity2body().get(e).copied())
                .collect::<Option<Vec<_>>>()?;
            let joints_h = entities
                .joints
                .iter()
                .map(|e| joints.entity2impulse_joint().get(e).copied())
                .collect::<Option<Vec<_>>>()?;
            let colliders_h = entities
                .geoms
                .iter()
                .map(|(e, slot)| Some((*colliders.entity2collider().get(e)?, *slot)))
                .collect::<Option<Vec<_>>>()?;
            let ground = *colliders.entity2collider().get(&world.ground_entity)?;
            Some(WorldHandles::new(
                bodies_h,
                joints_h,
                ground,
                colliders_h,
                world.envs.len(),
            ))
        };
        let Some(handles) = find() else { continue };
        for (local, env) in world.envs.clone().enumerate() {
            let start = CharacterState::default_pose(model, [0.0, 0.0], 0.0);
            write_env(
                &handles,
                layout,
                model,
                &mut bodies.bodies,
                settings.origins[env],
                local,
                &start,
                &mut scratch,
            );
        }
        let mut slice = state_slice(&mut state, world.envs.clone());
        for (local, env) in world.envs.clone().enumerate() {
            read_env(
                &handles,
                layout,
                model,
                &bodies.bodies,
                settings.origins[env],
                local,
                &mut slice,
                local,
            );
        }
        slice.ground_contact.fill(false);
        world.handles = Some(handles);
    }
}

/// One world's share of the state buffers.
fn state_slice(state: &mut SimState, envs: Range<usize>) -> StateSliceMut<'_> {
    state_slices(state, &[envs]).pop().expect("one range")
}

/// Cuts the first `n` elements off the front of `rest`.
fn take_front<'a, T>(rest: &mut &'a mut [T], n: usize) -> &'a mut [T] {
    let (front, back) = std::mem::take(rest).split_at_mut(n);
    *rest = back;
    front
}

/// Splits the state buffers into the shares of sorted, non-overlapping env ranges.
fn state_slices<'a>(state: &'a mut SimState, ranges: &[Range<usize>]) -> Vec<StateSliceMut<'a>> {
    let (nb, nd) = (state.num_bodies, state.num_dofs);
    let SimState {
        body_pos,
        body_rot,
        body_vel,
        body_ang_vel,
        dof_pos,
        dof_vel,
        ground_contact,
        ..
    } = state;
    let mut rest = StateSliceMut {
        body_pos,
        body_rot,
        body_vel,
        body_ang_vel,
        dof_pos,
        dof_vel,
        ground_contact,
    };
    let mut cut = |n_envs: usize| StateSliceMut {
        body_pos: take_front(&mut rest.body_pos, n_envs * nb),
        body_rot: take_front(&mut rest.body_rot, n_envs * nb),
        body_vel: take_front(&mut rest.body_vel, n_envs * nb),
        body_ang_vel: take_front(&mut rest.body_ang_vel, n_envs * nb),
        dof_pos: take_front(&mut rest.dof_pos, n_envs * nd),
        dof_vel: take_front(&mut rest.dof_vel, n_envs * nd),
        ground_contact: take_front(&mut rest.ground_contact, n_envs * nb),
    };
    let mut out = Vec::with_capacity(ranges.len());
    let mut at = 0;
    for r in ranges {
        assert!(r.start >= at, "env ranges must be sorted and disjoint");
        cut(r.start - at);
        out.push(cut(r.len()));
        at = r.end;
    }
    out
}

/// Runs `f` on every item, in parallel on the compute pool when there is more than one.
fn for_each_parallel<T: Send>(items: Vec<T>, f: impl Fn(T) + Sync) {
    if items.len() <= 1 {
        items.into_iter().for_each(f);
        return;
    }
    let f = &f;
    ComputeTaskPool::get().scope(|s| {
        for item in items {
            s.spawn(async move { f(item) });
        }
    });
}

fn apply_pd_targets(
    mut worlds: Query<(&PhysicsWorld, &mut RapierContextJoints)>,
    character: Res<SimCharacter>,
    targets: Res<PdTargets>,
) {
    let layout = &character.layout;
    let nd = character.model.num_dofs();
    let items: Vec<_> = worlds
        .iter_mut()
        .filter(|(w, _)| w.handles.is_some())
        .collect();
    for_each_parallel(items, |(world, mut joints)| {
        let handles = world.handles.as_ref().expect("filtered");
        let t = &targets.0[world.envs.start * nd..world.envs.end * nd];
        apply_targets(handles, layout, &mut joints.impulse_joints, t);
    });
}

type StepSets = (
    &'static mut PhysicsWorld,
    &'static mut RapierContextSimulation,
    &'static mut RapierContextColliders,
    &'static mut RapierContextJoints,
    &'static mut RapierRigidBodySet,
    &'static RapierConfiguration,
);

fn step_worlds(
    mut worlds: Query<StepSets>,
    settings: Res<SimSettings>,
    character: Res<SimCharacter>,
    paused: Res<SimPaused>,
    mut stats: ResMut<SimStats>,
) {
    if paused.0 {
        return;
    }
    let substeps = settings.config.substeps();
    let self_collision = settings.config.self_collision;
    let num_bodies = character.model.num_bodies() as u32;
    let items: Vec<_> = worlds
        .iter_mut()
        .filter(|item| item.0.handles.is_some())
        .collect();
    for_each_parallel(
        items,
        |(mut world, mut sim, mut colliders, mut joints, mut bodies, config)| {
            let world = &mut *world;
            world.quarantined.fill(false);
            let handles = world.handles.as_ref().expect("filtered");
            let hooks = EnvIsolation {
                handles,
                num_bodies,
                self_collision,
            };
            let sim = &mut *sim;
            let joints = &mut *joints;
            for _ in 0..substeps {
                sim.pipeline.step(
                    config.gravity,
                    &sim.integration_parameters,
                    &mut sim.islands,
                    &mut sim.broad_phase,
                    &mut sim.narrow_phase,
                    &mut bodies.bodies,
                    &mut colliders.colliders,
                    &mut joints.impulse_joints,
                    &mut joints.multibody_joints,
                    &mut sim.ccd_solver,
                    &hooks,
                    &(),
                );
                // Rapier quarantines bodies whose state went non-finite (rolled back, zeroed,
                // disabled): their env is reported and must be reset.
                for h in sim.pipeline.quarantine().bodies() {
                    if let Some(env) = handles.env_of_body(*h) {
                        world.quarantined[env] = true;
                    }
                }
            }
        },
    );
    stats.control_steps += 1;
}

fn read_sim_state(
    worlds: Query<(&PhysicsWorld, &RapierRigidBodySet, &RapierContextSimulation)>,
    character: Res<SimCharacter>,
    settings: Res<SimSettings>,
    mut state: ResMut<SimState>,
    mut stats: ResMut<SimStats>,
) {
    let model = &character.model;
    let layout = &character.layout;
    let mut items: Vec<_> = worlds.iter().filter(|w| w.0.handles.is_some()).collect();
    items.sort_by_key(|w| w.0.envs.start);
    let ranges: Vec<_> = items.iter().map(|w| w.0.envs.clone()).collect();
    if ranges.iter().map(|r| r.len()).sum::<usize>() != state.num_envs {
        return; // not every world is ready yet
    }
    let slices = state_slices(&mut state, &ranges);
    let work: Vec<_> = items.into_iter().zip(slices).collect();
    for_each_parallel(work, |((world, bodies, sim), mut slice)| {
        let handles = world.handles.as_ref().expect("filtered");
        for (local, env) in world.envs.clone().enumerate() {
            read_env(
                handles,
                layout,
                model,
                &bodies.bodies,
                settings.origins[env],
                local,
                &mut slice,
                local,
            );
        }
        read_ground_contacts(handles, &sim.narrow_phase, slice.ground_contact);
    });
    for (world, _, _) in &worlds {
        for (local, env) in world.envs.clone().enumerate() {
            state.invalid[env] = world.quarantined[local] || !state.env_is_finite(env);
        }
    }
    stats.nonfinite_envs += state.invalid.iter().filter(|b| **b).count() as u64;
}

/// Writes environment states into the worlds from any system (resets): the rapier bodies are
/// set and that environment's [`SimState`] entries are refreshed at once.
#[derive(SystemParam)]
pub struct SimWorlds<'w, 's> {
    worlds: Query<'w, 's, (&'static PhysicsWorld, &'static mut RapierRigidBodySet)>,
    character: Res<'w, SimCharacter>,
    settings: Res<'w, SimSettings>,
    state: ResMut<'w, SimState>,
    scratch: Local<'s, BodyStates>,
}

impl SimWorlds<'_, '_> {
    /// Sets environment `env` to `new_state` (env-local coordinates). Returns false if the
    /// worlds are not built yet.
    pub fn set_env_state(&mut self, env: usize, new_state: &CharacterState) -> bool {
        let model = &self.character.model;
        let layout = &self.character.layout;
        let origin = self.settings.origins[env];
        for (world, mut bodies) in &mut self.worlds {
            if !world.envs.contains(&env) {
                continue;
            }
            let Some(handles) = world.handles.as_ref() else {
                return false;
            };
            let local = env - world.envs.start;
            write_env(
                handles,
                layout,
                model,
                &mut bodies.bodies,
                origin,
                local,
                new_state,
                &mut self.scratch,
            );
            let mut slice = state_slice(&mut self.state, env..env + 1);
            read_env(
                handles,
                layout,
                model,
                &bodies.bodies,
                origin,
                local,
                &mut slice,
                0,
            );
            slice.ground_contact.fill(false);
            self.state.invalid[env] = !self.state.env_is_finite(env);
            return true;
        }
        false
    }

    /// Pins environment `env`'s root body in place (`true`) or releases it, for PD checks and
    /// for showing a pose. Returns false if the worlds are not built yet.
    pub fn set_root_fixed(&mut self, env: usize, fixed: bool) -> bool {
        use bevy_rapier3d::rapier::dynamics::RigidBodyType;
        let nr = self.character.layout.num_rigid();
        for (world, mut bodies) in &mut self.worlds {
            if !world.envs.contains(&env) {
                continue;
            }
            let Some(handles) = world.handles.as_ref() else {
                return false;
            };
            let root = handles.bodies[(env - world.envs.start) * nr];
            if let Some(rb) = bodies.bodies.get_mut(root) {
                let kind = if fixed {
                    RigidBodyType::Fixed
                } else {
                    RigidBodyType::Dynamic
                };
                rb.set_body_type(kind, true);
            }
            return true;
        }
        false
    }

    /// The simulated character.
    pub fn model(&self) -> &CharacterModel {
        &self.character.model
    }

    /// The state buffers.
    pub fn state(&self) -> &SimState {
        &self.state
    }
}
