// The engine tests every engine passes: state round trips, PD tracking, stability, standing,
// isolation, contacts, threads. Included by tests/sim.rs (rapier) and tests/mujoco_engine.rs
// (MuJoCo), each defining `ENGINE`, the `engine_name` under test, and `RANDOM_TARGET_RANGE`,
// the largest PD target (rad) of the random-target test.

/// The default engine settings on the engine under test.
fn engine_config() -> EngineConfig {
    EngineConfig {
        engine_name: ENGINE.to_string(),
        ..EngineConfig::default()
    }
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn humanoid() -> CharacterModel {
    load_mjcf(&root().join("assets/characters/humanoid.xml")).unwrap()
}

fn engine(n: usize, config: EngineConfig) -> HeadlessSim {
    HeadlessSim::new(humanoid(), n, config).unwrap()
}

fn dof_index(m: &CharacterModel, name: &str) -> usize {
    m.dof_names.iter().position(|d| d == name).unwrap()
}

/// Per-joint rotation error (rad) between the simulated DoFs of `env` and `target`.
fn joint_errors(m: &CharacterModel, dofs: &[f32], target: &[f32]) -> Vec<(String, f32)> {
    let actual = m.dofs_to_joint_rots(dofs);
    let wanted = m.dofs_to_joint_rots(target);
    m.bodies
        .iter()
        .enumerate()
        .filter(|(_, b)| matches!(b.joint, Joint::Spherical { .. } | Joint::Hinge { .. }))
        .map(|(j, b)| (b.name.clone(), angle_between(actual[j], wanted[j])))
        .collect()
}

#[test]
fn state_set_from_a_motion_frame_reads_back_equal() {
    let m = humanoid();
    let lib = MotionLib::load(
        &root().join("assets/motions/deepmimic_cartwheel.bmotion"),
        &m,
    )
    .unwrap();
    let mut e = engine(3, engine_config());
    let mut frame = MotionFrame::default();
    for (env, t) in [(0usize, 0.3f32), (2, 1.1)] {
        lib.frame(0, t, &mut frame);
        let s = CharacterState::from_motion_frame(&frame);
        e.set_env_state(env, &s);
        // Read back from the engine's worlds, not from the state the write refreshed.
        e.sync();
        let st = e.state();
        let (pos, rot) = m.forward_kinematics(frame.root_pos, frame.root_rot, &frame.joint_rots);
        let mut worst = [0.0f32; 5];
        for b in 0..m.num_bodies() {
            let i = st.bodies(env).start + b;
            worst[0] = worst[0].max(st.body_pos[i].distance(pos[b]));
            worst[1] = worst[1].max(angle_between(st.body_rot[i], rot[b]));
        }
        let d = st.dofs(env);
        for (name, err) in joint_errors(&m, &st.dof_pos[d.clone()], &frame.dofs) {
            assert!(err < 1e-4, "t={t}: joint {name} read back {err} rad off");
        }
        for (k, (a, b)) in st.dof_vel[d].iter().zip(&frame.dof_vel).enumerate() {
            worst[2] = worst[2].max((a - b).abs() / (1.0 + b.abs()));
            assert!(
                (a - b).abs() < 1e-3 * (1.0 + b.abs()),
                "dof_vel[{k}] {a} vs {b}"
            );
        }
        worst[3] = st.root_vel(env).distance(frame.root_vel);
        worst[4] = st.root_ang_vel(env).distance(frame.root_ang_vel);
        println!(
            "env {env} t {t}: max body pos err {:.2e} m, rot {:.2e} rad, dof vel rel {:.2e}, root vel {:.2e}, ang vel {:.2e}",
            worst[0], worst[1], worst[2], worst[3], worst[4]
        );
        assert!(
            worst[0] < 1e-4 && worst[1] < 1e-4,
            "poses differ from FK: {worst:?}"
        );
        assert!(
            worst[3] < 1e-4 && worst[4] < 1e-4,
            "root velocities differ: {worst:?}"
        );
    }
    // The untouched env is still in the default pose, standing.
    assert!(e.state().root_pos(1).z > 0.8);
}

#[test]
fn pd_holds_a_reference_pose_with_the_root_fixed() {
    let m = humanoid();
    let mut target = vec![0.0f32; m.num_dofs()];
    for (name, v) in [
        ("right_elbow", -1.0),
        ("left_elbow", -1.0),
        ("right_knee", 1.0),
        ("left_knee", 1.0),
        ("right_hip_y", -0.5),
        ("left_hip_y", -0.5),
        ("right_shoulder_x", -0.5),
        ("left_shoulder_x", 0.5),
        ("abdomen_y", 0.3),
    ] {
        target[dof_index(&m, name)] = v;
    }
    let mut e = engine(1, engine_config());
    // Start from the zero pose lifted clear of the ground, so the PD has to move every joint.
    let mut start = CharacterState::default_pose(&m, [0.0, 0.0], 1.0);
    start.root_pos.z += 0.5;
    e.set_env_state(0, &start);
    e.set_root_fixed(0, true);
    e.pd_targets_mut().copy_from_slice(&target);
    for _ in 0..30 {
        e.step();
    }
    let st = e.state();
    let errs = joint_errors(&m, &st.dof_pos[st.dofs(0)], &target);
    let report: Vec<String> = errs.iter().map(|(n, x)| format!("{n} {x:.3}")).collect();
    println!("PD error after 1 s (rad): {}", report.join(", "));
    for (name, err) in &errs {
        assert!(*err < 0.1, "{name}: {err} rad from its target after 1 s");
    }
    assert!(
        st.root_pos(0).distance(start.root_pos) < 1e-4,
        "the root moved"
    );
}

#[test]
fn ten_seconds_of_random_targets_stay_finite_and_bounded() {
    let m = humanoid();
    let n = 8;
    let mut e = engine(n, engine_config());
    let limits = m.dof_limits();
    let mut rng = SeededRng::seed_from_u64(7);
    let mut max_speed = 0.0f32;
    for _ in 0..300 {
        let t = e.pd_targets_mut();
        for (k, x) in t.iter_mut().enumerate() {
            let [lo, hi] = limits[k % limits.len()];
            *x = rng.random_range(lo.max(-RANDOM_TARGET_RANGE)..=hi.min(RANDOM_TARGET_RANGE));
        }
        e.step();
        let st = e.state();
        for env in 0..n {
            assert!(st.env_is_finite(env), "env {env} went non-finite");
        }
        for v in st.body_vel.iter().chain(&st.body_ang_vel) {
            max_speed = max_speed.max(v.length());
        }
    }
    println!("largest body speed over 10 s: {max_speed:.2}");
    // Blow-ups reach thousands; a lively foot under random targets reaches 70 on MuJoCo.
    assert!(max_speed < 100.0, "velocities exploded: {max_speed}");
    assert_eq!(e.nonfinite_envs(), 0);
}

#[test]
fn the_humanoid_stands_for_a_second_on_pd_targets_at_its_pose() {
    let mut e = engine(1, engine_config());
    let start = e.state().root_pos(0).z;
    let mut lowest = f32::INFINITY;
    let mut fell_at = None;
    for step in 1..=150 {
        e.step();
        let z = e.state().root_pos(0).z;
        if step <= 30 {
            lowest = lowest.min(z);
        }
        if fell_at.is_none() && z < 0.55 {
            fell_at = Some(step as f32 / 30.0);
        }
    }
    println!(
        "pelvis from {start:.3} m: lowest in the first second {lowest:.3} m; falls (< 0.55 m) at {:?} s",
        fell_at
    );
    assert!(lowest > 0.55, "fell within 1 s (pelvis {lowest})");
}

#[test]
fn environments_never_touch_each_other() {
    let m = humanoid();
    // Three characters almost on top of one another: isolated, each moves as if alone.
    let config = EngineConfig {
        env_spacing: 0.01,
        ..engine_config()
    };
    let mut together = engine(3, config);
    let mut alone = engine(1, engine_config());
    let targets: Vec<f32> = (0..m.num_dofs())
        .map(|k| 0.2 * ((k as f32) * 0.7).sin())
        .collect();
    for _ in 0..20 {
        for env in 0..3 {
            together.pd_targets_mut()[env * m.num_dofs()..(env + 1) * m.num_dofs()]
                .copy_from_slice(&targets);
        }
        alone.pd_targets_mut().copy_from_slice(&targets);
        together.step();
        alone.step();
    }
    let a = alone.state();
    let t = together.state();
    for env in 0..3 {
        let d = t.root_pos(env).distance(a.root_pos(0));
        assert!(
            d < 0.02,
            "env {env} root is {d} m from the lone character's"
        );
    }
}

#[test]
fn ground_contacts_are_reported_for_the_feet_only_when_standing() {
    let m = humanoid();
    let mut e = engine(1, engine_config());
    e.step();
    let st = e.state();
    let touching: Vec<&str> = (0..m.num_bodies())
        .filter(|&b| st.ground_contact[b])
        .map(|b| m.bodies[b].name.as_str())
        .collect();
    assert!(
        touching.contains(&"right_foot") && touching.contains(&"left_foot"),
        "{touching:?}"
    );
    assert_eq!(touching.len(), 2, "{touching:?}");
    // A lying character touches with more than its feet.
    let mut lying = CharacterState::default_pose(&m, [0.0, 0.0], 0.0);
    lying.root_rot = Quat::from_rotation_y(std::f32::consts::FRAC_PI_2);
    lying.root_pos = Vec3::new(0.0, 0.0, 0.12);
    e.set_env_state(0, &lying);
    for _ in 0..5 {
        e.step();
    }
    let n = e.state().ground_contact.iter().filter(|c| **c).count();
    assert!(n > 2, "a lying character has {n} bodies on the ground");
}

#[test]
fn two_worlds_on_two_threads_simulate_like_one() {
    let m = humanoid();
    let n = 5;
    let nd = m.num_dofs();
    let run = |threads: usize| {
        let config = EngineConfig {
            num_threads: threads,
            ..engine_config()
        };
        let mut e = engine(n, config);
        for step in 0..15 {
            for (k, t) in e.pd_targets_mut().iter_mut().enumerate() {
                let (env, dof) = (k / nd, k % nd);
                *t = 0.3 * ((step + env * 7 + dof) as f32 * 0.4).sin();
            }
            e.step();
        }
        e.state().clone()
    };
    let one = run(1);
    let two = run(2);
    for env in 0..n {
        assert!(two.env_is_finite(env));
        let d = one.root_pos(env).distance(two.root_pos(env));
        assert!(
            d < 1e-3,
            "env {env}: one world and two worlds differ by {d} m"
        );
        let moved = one.root_pos(env).distance(one.root_pos((env + 1) % n));
        assert!(moved > 1e-4, "env {env} moved exactly like its neighbour");
    }
}
