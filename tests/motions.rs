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
    let model = humanoid();
    let dir = root().join("assets/motions");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "bmotion"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 18);
    for file in files {
        let clip = load_motion(&file, &model).unwrap();
        let mean = clip.support_height(&model);
        let mut low = clip.lowest_points(&model);
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
