//! Building the worlds: one rapier context per thread with its ground, every environment's
//! bodies, geom colliders and PD-motor joints (`spawn_worlds`, at startup), then their rapier
//! handles once bevy_rapier has created them (`init_worlds`).

use bevy::prelude::*;
use bevy_rapier3d::dynamics::GenericJoint as BevyGenericJoint;
use bevy_rapier3d::prelude::*;
use bevy_rapier3d::rapier::dynamics::{
    GenericJointBuilder, IntegrationParameters, JointAxesMask, JointAxis, MotorModel,
    SpringCoefficients,
};
use bevy_rapier3d::rapier::math::Pose;

use super::RapierCharacter;
use super::layout::{CharacterLayout, armature_inertia};
use super::read::{read_world, state_slice};
use super::world::{PhysicsWorld, WorldHandles, write_env};
use crate::anim::character::{CharacterModel, Joint, Shape};
use crate::sim::config::{EngineConfig, JointLimits};
use crate::sim::plugin::{SimBody, SimCharacter, SimGeom, SimReady, SimSettings, split_envs};
use crate::sim::state::{BodyStates, CharacterState, SimState};

/// Entities of one world, kept until bevy_rapier has created their rapier objects.
#[derive(Component, Debug)]
pub(super) struct WorldEntities {
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
        // rapier's cylinders run along Y, MJCF's along Z.
        Shape::Cylinder {
            radius,
            half_length,
        } => Collider::compound(vec![(
            Vec3::ZERO,
            Quat::from_rotation_x(std::f32::consts::FRAC_PI_2),
            Collider::cylinder(half_length, radius),
        )]),
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

pub(super) fn spawn_worlds(
    mut commands: Commands,
    character: Res<SimCharacter>,
    rapier: Res<RapierCharacter>,
    settings: Res<SimSettings>,
) {
    let model = &character.model;
    let layout = &rapier.layout;
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
    if let Some(c) = config.contact_softness {
        // The ground is a fixed body: rapier softens those contacts with `static_`.
        let soft = SpringCoefficients::new(c.natural_frequency, c.damping_ratio);
        params.contact_softness = soft;
        params.static_contact_softness = soft;
    }
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
                read: SimState::new(envs.len(), model),
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
pub(super) fn init_worlds(
    mut worlds: Query<WorldSets>,
    character: Res<SimCharacter>,
    rapier: Res<RapierCharacter>,
    settings: Res<SimSettings>,
    mut state: ResMut<SimState>,
    mut ready: ResMut<SimReady>,
    mut scratch: Local<BodyStates>,
) {
    if ready.0 {
        return;
    }
    let model = &character.model;
    let layout = &rapier.layout;
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
        read_world(
            &handles,
            layout,
            model,
            &bodies.bodies,
            &settings,
            world.envs.clone(),
            &mut slice,
        );
        slice.ground_contact.fill(false);
        world.handles = Some(handles);
    }
    // Spawned worlds exist from the first update on (`Startup`), so all-built means ready.
    ready.0 = !worlds.is_empty() && worlds.iter().all(|w| w.0.handles.is_some());
}
