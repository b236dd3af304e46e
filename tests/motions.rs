//! Motion loaders on real clips: Isaac Lab's run (BSD-3) and DeepMimic's walk (MIT/zlib), kept
//! in tests/data as shipped by their packages.

use std::path::{Path, PathBuf};

use bevy_mimic::anim::character::CharacterModel;
use bevy_mimic::anim::mjcf::load_mjcf;
use bevy_mimic::anim::motion::{LoopMode, MotionClip, load_motion};
use bevy_mimic::anim::npz::{NpyArray, read_npz};
use glam::Vec3;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn humanoid() -> CharacterModel {
    load_mjcf(&root().join("assets/characters/humanoid.xml")).unwrap()
}

fn data(name: &str) -> PathBuf {
    root().join("tests/data").join(name)
}

/// Lowest point of the foot boxes in each frame.
fn sole_heights(model: &CharacterModel, clip: &MotionClip) -> Vec<f32> {
    let feet = [
        model.body_index("right_foot").unwrap(),
        model.body_index("left_foot").unwrap(),
    ];
    (0..clip.num_frames())
        .map(|f| {
            let rots = model.dofs_to_joint_rots(clip.dofs(f));
            let (pos, rot) = model.forward_kinematics(clip.root_pos(f), clip.root_rot(f), &rots);
            feet.iter()
                .map(|&i| {
                    let g = &model.bodies[i].geoms[0];
                    let bevy_mimic::anim::character::Shape::Box { half_extents } = g.shape else {
                        unreachable!()
                    };
                    // Lowest of the box's 8 corners.
                    let mut lowest = f32::INFINITY;
                    for sx in [-1.0, 1.0] {
                        for sy in [-1.0, 1.0] {
                            for sz in [-1.0, 1.0] {
                                let corner = g.pos + g.rot * (half_extents * Vec3::new(sx, sy, sz));
                                lowest = lowest.min((pos[i] + rot[i] * corner).z);
                            }
                        }
                    }
                    lowest
                })
                .fold(f32::INFINITY, f32::min)
        })
        .collect()
}

#[test]
fn isaaclab_clip_matches_its_own_body_positions_under_our_fk() {
    let model = humanoid();
    let file = data("humanoid_run.npz");
    let clip = load_motion(&file, &model).unwrap();
    // 82 frames at 60 Hz, every frame stored twice: 41 distinct frames at 30 Hz.
    assert_eq!(clip.num_frames(), 41);
    assert_eq!(clip.fps, 30.0);
    let arrays = read_npz(&std::fs::read(&file).unwrap()).unwrap();
    let NpyArray::Numbers { data: body_pos, .. } = &arrays["body_positions"] else {
        panic!()
    };
    let mut worst = 0.0f32;
    let mut sum = 0.0f32;

    for f in 0..clip.num_frames() {
        let rots = model.dofs_to_joint_rots(clip.dofs(f));
        let (pos, _) = model.forward_kinematics(clip.root_pos(f), clip.root_rot(f), &rots);
        let stored = 2 * f;
        for (b, p) in pos.iter().enumerate() {
            let q = &body_pos[(stored * 15 + b) * 3..(stored * 15 + b) * 3 + 3];
            let e = (*p - Vec3::new(q[0] as f32, q[1] as f32, q[2] as f32)).length();
            worst = worst.max(e);
            sum += e;
        }
    }
    let mean = sum / (clip.num_frames() * 15) as f32;
    println!("Isaac Lab run: FK vs stored body positions: mean {mean:.4} m, worst {worst:.4} m");

    // humanoid.xml reproduces the Isaac Lab skeleton: every body within a millimetre.
    assert!(worst < 1e-3, "worst body error {worst} m");
}

#[test]
fn deepmimic_walk_converts_onto_the_humanoid_with_feet_on_the_ground() {
    let model = humanoid();
    let clip = load_motion(&data("humanoid3d_walk.txt"), &model).unwrap();
    assert_eq!(clip.num_frames(), 39);
    assert_eq!(clip.loop_mode, LoopMode::Wrap);
    assert!((clip.fps - 30.0).abs() < 0.01);
    let soles = sole_heights(&model, &clip);
    let mean = soles.iter().sum::<f32>() / soles.len() as f32;
    println!("DeepMimic walk: mean lowest sole height {mean:.4} m");
    assert!(mean.abs() < 0.05, "{mean}");
    // Walking forward along +x.
    let dx = clip.root_pos(clip.num_frames() - 1).x - clip.root_pos(0).x;
    assert!(dx > 0.5, "{dx}");
}

#[test]
fn mimickit_pickle_of_a_shipped_clip_loads_back_equal() {
    // tests/data/mimickit_walk.pkl: deepmimic_walk.bmotion's frames written by Python's
    // pickle.dumps({'loop_mode', 'fps', 'frames': [[...], ...]}, protocol=4), as MimicKit saves.
    let model = humanoid();
    let pkl = load_motion(&data("mimickit_walk.pkl"), &model).unwrap();
    let shipped = load_motion(
        &root().join("assets/motions/deepmimic_walk.bmotion"),
        &model,
    )
    .unwrap();
    assert_eq!(pkl, shipped);
}

#[test]
fn mimickit_pickles_with_numpy_frames_load_like_the_plain_one() {
    // The same clip with frames as numpy arrays, written by numpy 2.4's pickles:
    // protocol 2 (float64, Fortran order, numpy scalars for fps and loop_mode), protocol 4
    // (an OrderedDict, float32) and protocol 5 (big-endian float32).
    let model = humanoid();
    let plain = load_motion(&data("mimickit_walk.pkl"), &model).unwrap();
    for name in [
        "mimickit_walk_numpy_p2.pkl",
        "mimickit_walk_numpy_p4.pkl",
        "mimickit_walk_numpy_p5.pkl",
    ] {
        let clip = load_motion(&data(name), &model).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(clip, plain, "{name}");
    }
    // A pickle that would call `os.system` is refused, naming the global, and nothing runs.
    let e = load_motion(&data("mimickit_evil.pkl"), &model)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("system") && e.contains("mimickit_evil.pkl"),
        "{e}"
    );
}

#[test]
fn loaders_agree_through_the_shipped_format() {
    let model = humanoid();
    for name in ["humanoid_run.npz", "humanoid3d_walk.txt"] {
        let clip = load_motion(&data(name), &model).unwrap();
        let back = MotionClip::from_bmotion(&clip.to_bmotion(), Path::new(name)).unwrap();
        assert_eq!(back, clip, "{name}");
    }
}

#[test]
fn every_shipped_clip_stays_on_the_ground() {
    use bevy_mimic::anim::fingerprint::CharacterFingerprint;
    // Each clip on the shipped character it records.
    let characters = [
        humanoid(),
        load_mjcf(&root().join("assets/characters/mimickit_humanoid.xml")).unwrap(),
    ];
    let dir = root().join("assets/motions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bmotion"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 19);
    for file in files {
        let bytes = std::fs::read(&file).unwrap();
        let (_, made_for) = MotionClip::read_bmotion(&bytes, &file).unwrap();
        let made_for =
            made_for.unwrap_or_else(|| panic!("{} records no character", file.display()));
        let model = characters
            .iter()
            .find(|m| made_for.difference(&CharacterFingerprint::of(m)).is_none())
            .unwrap_or_else(|| panic!("{} is for no shipped character", file.display()));
        let clip = load_motion(&file, model).unwrap();
        let mean = clip.support_height(model);
        let mut low = clip.lowest_points(model);
        low.sort_by(f32::total_cmp);
        println!(
            "{:>32}: {:4} frames, lowest point over support frames {:+.3} m (min {:+.3} m)",
            file.file_name().unwrap().to_string_lossy(),
            clip.num_frames(),
            mean,
            low[0]
        );
        assert!(
            mean.abs() < 0.05,
            "{} floats or sinks by {mean} m",
            file.display()
        );
        assert!(
            low[0] > -0.12,
            "{} sinks {} m into the ground",
            file.display(),
            low[0]
        );
    }
}

#[test]
fn a_clip_meets_only_the_character_it_was_made_for() {
    use bevy_mimic::anim::fingerprint::CharacterFingerprint;
    let ours = humanoid();
    let mimickits = load_mjcf(&data("mimickit/assets/humanoid/humanoid.xml")).unwrap();
    let walk = load_motion(&root().join("assets/motions/deepmimic_walk.bmotion"), &ours).unwrap();
    let dir = std::env::temp_dir().join(format!("clip-skeletons-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();

    // A clip recording MimicKit's humanoid is refused on ours, naming the first joint that
    // differs, and loads on MimicKit's.
    let theirs = dir.join("for_mimickit.bmotion");
    let print = CharacterFingerprint::of(&mimickits);
    std::fs::write(&theirs, walk.to_bmotion_for(Some(&print))).unwrap();
    let e = load_motion(&theirs, &ours).unwrap_err().to_string();
    assert!(
        e.contains("for_mimickit.bmotion")
            && e.contains("another character")
            && e.contains("body "),
        "{e}"
    );
    assert_eq!(load_motion(&theirs, &mimickits).unwrap(), walk);

    // A clip from before clips recorded their character (format 1) is read as made for
    // assets/characters/humanoid.xml: it loads there, and is refused on MimicKit's humanoid.
    let old = data("deepmimic_walk_v1.bmotion");
    assert_eq!(load_motion(&old, &ours).unwrap(), walk);
    let e = load_motion(&old, &mimickits).unwrap_err().to_string();
    assert!(e.contains("records no character"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}

/// The right elbow's largest bend over a clip (rad).
fn largest_elbow_bend(model: &CharacterModel, clip: &MotionClip) -> f32 {
    let elbow = model
        .dof_names
        .iter()
        .position(|n| n == "right_elbow")
        .unwrap();
    (0..clip.num_frames())
        .map(|f| clip.dofs(f)[elbow].abs())
        .fold(0.0, f32::max)
}

#[test]
fn clips_retarget_onto_mimickits_t_pose_humanoid_and_back_within_3_cm() {
    use bevy_mimic::anim::fingerprint::CharacterFingerprint;
    use bevy_mimic::anim::motion::convert_motion;
    use bevy_mimic::anim::retarget::mean_body_distance;
    let ours = humanoid();
    let mimickits = load_mjcf(&data("mimickit/assets/humanoid/humanoid.xml")).unwrap();
    for source in ["humanoid3d_walk.txt", "humanoid_run.npz"] {
        let file = data(source);
        let on_ours = load_motion(&file, &ours).unwrap();
        let on_theirs = load_motion(&file, &mimickits).unwrap_or_else(|e| panic!("{e}"));
        let error = mean_body_distance(&ours, &on_ours, &mimickits, &on_theirs);
        assert!(error < 0.03, "{source}: bodies {error} m apart on average");
        // Both elbows bend on MimicKit's humanoid, as on ours (they were 0 in every frame when
        // the converter wrote DeepMimic's elbow angle about our −y axis onto its z hinge).
        let (here, there) = (
            largest_elbow_bend(&ours, &on_ours),
            largest_elbow_bend(&mimickits, &on_theirs),
        );
        assert!(
            there > 0.2 && (here - there).abs() < 0.05,
            "{source}: {here} vs {there}"
        );

        // And back: the clip, recorded as made for MimicKit's humanoid, converts onto ours.
        let dir = std::env::temp_dir().join(format!("retarget-{}-{source}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let theirs = dir.join("clip.bmotion");
        let print = CharacterFingerprint::of(&mimickits);
        std::fs::write(&theirs, on_theirs.to_bmotion_for(Some(&print))).unwrap();
        let home = convert_motion(&theirs, &ours, None).unwrap();
        let (error_back, unmatched) = home.retargeted.clone().unwrap();
        assert!(unmatched.is_empty(), "{unmatched:?}");
        assert!(error_back < 0.03, "{source}: back {error_back} m");
        assert!(mean_body_distance(&ours, &on_ours, &ours, &home.clip) < 0.03);
        let _ = std::fs::remove_dir_all(dir);
    }

    // A MimicKit pickle records no character: --source_char_file names it.
    let pkl = data("mimickit_walk.pkl");
    let moved = convert_motion(&pkl, &mimickits, Some(&ours)).unwrap();
    assert!(moved.retargeted.is_some());
    assert!(largest_elbow_bend(&mimickits, &moved.clip) > 0.2);
    let e = convert_motion(&data("humanoid3d_walk.txt"), &mimickits, Some(&ours)).unwrap_err();
    assert!(e.to_string().contains("says its own"), "{e}");
}

#[test]
fn a_skeleton_of_another_shape_is_refused_with_how_far_apart_it_lands() {
    // MimicKit's humanoid with legs 20 cm longer: same names, other bones.
    let text = std::fs::read_to_string(data("mimickit/assets/humanoid/humanoid.xml"))
        .unwrap()
        .replace(r#"pos="0 0 -0.421546""#, r#"pos="0 0 -0.621546""#);
    let dir = std::env::temp_dir().join(format!("long-legs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("long_legs.xml");
    std::fs::write(&file, text).unwrap();
    let long_legs = load_mjcf(&file).unwrap();
    let e = load_motion(&data("humanoid3d_walk.txt"), &long_legs)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("humanoid3d_walk.txt")
            && e.contains("cm from the source")
            && e.contains("differ in shape"),
        "{e}"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn ase_poselib_motions_convert_from_the_skeleton_they_record() {
    use bevy_mimic::anim::retarget::mean_body_distance;
    let ours = humanoid();
    let walk = load_motion(&data("mimickit_walk.pkl"), &ours).unwrap();
    let mimickits = load_mjcf(&data("mimickit/assets/humanoid/humanoid.xml")).unwrap();
    // The walk (its first 40 frames) as poselib SkeletonMotions (local and global rotations),
    // written by make_poselib_npy.py.
    let frames = walk.num_frames().min(40);
    for name in ["poselib_walk_local.npy", "poselib_walk_global.npy"] {
        let clip = load_motion(&data(name), &ours).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((clip.num_frames(), clip.fps), (frames, walk.fps), "{name}");
        let error = mean_body_distance(&ours, &walk, &ours, &clip);
        assert!(error < 1e-3, "{name}: bodies {error} m from the source's");
        let worst = (0..frames)
            .flat_map(|f| {
                clip.frame(f)
                    .iter()
                    .zip(walk.frame(f))
                    .map(|(a, b)| (a - b).abs())
            })
            .fold(0.0f32, f32::max);
        assert!(worst < 1e-3, "{name}: a value moved by {worst}");
        // Onto MimicKit's T-pose humanoid too.
        let there = load_motion(&data(name), &mimickits).unwrap();
        assert!(mean_body_distance(&ours, &walk, &mimickits, &there) < 0.03);
    }
    // Only a SkeletonMotion's data is read: the pickle behind it goes through the allow-list.
    let dir = std::env::temp_dir().join(format!("poselib-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut bytes = std::fs::read(data("poselib_walk_local.npy")).unwrap();
    // The .npy header (version 1: 10 bytes and its length), then a pickle that runs a command.
    bytes.truncate(10 + u16::from_le_bytes([bytes[8], bytes[9]]) as usize);
    bytes.extend_from_slice(&std::fs::read(data("mimickit_evil.pkl")).unwrap());
    let file = dir.join("evil.npy");
    std::fs::write(&file, &bytes).unwrap();
    let e = load_motion(&file, &ours).unwrap_err().to_string();
    assert!(e.contains("evil.npy") && e.contains("not read here"), "{e}");
    let _ = std::fs::remove_dir_all(dir);
}
