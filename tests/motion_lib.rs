//! The motion library on the shipped clips: interpolation, velocities, looping, sampling.

mod common;

use std::path::Path;

use bevy_mimic::SeededRng;
use bevy_mimic::anim::character::CharacterModel;
use bevy_mimic::anim::mjcf::load_mjcf;
use bevy_mimic::anim::motion::LoopMode;
use bevy_mimic::anim::motion_lib::{MotionFrame, MotionLib};
use common::TempDir;
use rand::SeedableRng;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn humanoid() -> CharacterModel {
    load_mjcf(&root().join("assets/characters/humanoid.xml")).unwrap()
}

fn lib(clip: &str) -> MotionLib {
    MotionLib::load(&root().join("assets/motions").join(clip), &humanoid()).unwrap()
}

#[test]
fn frames_at_frame_times_are_the_clip_and_midpoints_interpolate() {
    let lib = lib("deepmimic_kick.bmotion");
    let clip = lib.clip(0).clone();
    let dt = 1.0 / clip.fps;
    let mut out = MotionFrame::default();
    for f in [0, 5, 20, clip.num_frames() - 1] {
        lib.frame(0, f as f32 * dt, &mut out);
        assert!((out.root_pos - clip.root_pos(f)).length() < 1e-4);
        assert!(out.root_rot.dot(clip.root_rot(f)).abs() > 1.0 - 1e-6);
        for (a, b) in out.dofs.iter().zip(clip.dofs(f)) {
            assert!((a - b).abs() < 1e-3, "frame {f}: {a} vs {b}");
        }
    }
    lib.frame(0, 10.5 * dt, &mut out);
    let mid = 0.5 * (clip.root_pos(10) + clip.root_pos(11));
    assert!((out.root_pos - mid).length() < 1e-4);
    // A clamping clip holds its last frame.
    assert_eq!(clip.loop_mode, LoopMode::Clamp);
    lib.frame(0, clip.length() + 3.0, &mut out);
    assert!((out.root_pos - clip.root_pos(clip.num_frames() - 1)).length() < 1e-4);
}

#[test]
fn wrapping_clips_carry_the_root_forward_each_cycle() {
    let lib = lib("deepmimic_walk.bmotion");
    let clip = lib.clip(0).clone();
    assert_eq!(clip.loop_mode, LoopMode::Wrap);
    let len = clip.length();
    let shift = clip.root_pos(clip.num_frames() - 1) - clip.root_pos(0);
    let (mut a, mut b) = (MotionFrame::default(), MotionFrame::default());
    for t in [0.1, 0.4, 0.9] {
        lib.frame(0, t, &mut a);
        lib.frame(0, t + 2.0 * len, &mut b);
        let d = b.root_pos - a.root_pos;
        assert!((d.x - 2.0 * shift.x).abs() < 1e-3 && (d.y - 2.0 * shift.y).abs() < 1e-3);
        assert!(d.z.abs() < 1e-4);
    }
    // Root velocity averages to the walking speed.
    let speed = shift.x / len;
    let mut mean = 0.0;
    for f in 0..clip.num_frames() - 1 {
        lib.frame(0, f as f32 / clip.fps, &mut a);
        mean += a.root_vel.x;
    }
    mean /= (clip.num_frames() - 1) as f32;
    assert!((mean - speed).abs() < 1e-3, "{mean} vs {speed}");
    assert!(speed > 0.9 && speed < 1.6, "walking speed {speed} m/s");
}

#[test]
fn hinge_velocities_are_finite_differences_of_the_angles() {
    let model = humanoid();
    let lib = lib("deepmimic_kick.bmotion");
    let clip = lib.clip(0).clone();
    let knee = model.bodies[model.body_index("right_shin").unwrap()].dof_offset;
    let mut out = MotionFrame::default();
    for f in [3, 20, 40] {
        // A quarter of the way into frame f: velocities are frame f's.
        lib.frame(0, (f as f32 + 0.25) / clip.fps, &mut out);
        let fd = (clip.dofs(f + 1)[knee] - clip.dofs(f)[knee]) * clip.fps;
        assert!(
            (out.dof_vel[knee] - fd).abs() < 1e-2 * fd.abs().max(1.0),
            "{} vs {fd}",
            out.dof_vel[knee]
        );
    }
}

#[test]
fn datasets_sample_clips_by_weight_and_times_in_range() {
    let dir = TempDir::new("dataset");
    let motions = root().join("assets/motions");
    let yaml = format!(
        "motions:\n  - file: {}\n    weight: 1\n  - file: {}\n    weight: 3\n",
        motions.join("deepmimic_walk.bmotion").display(),
        motions.join("deepmimic_run.bmotion").display()
    );
    let file = dir.path().join("dataset.yaml");
    std::fs::write(&file, yaml).unwrap();
    let lib = MotionLib::load(&file, &humanoid()).unwrap();
    assert_eq!(lib.num_clips(), 2);
    assert!((lib.weight(1) - 0.75).abs() < 1e-6);
    let rng = &mut SeededRng::seed_from_u64(3);
    let mut counts = [0usize; 2];
    for _ in 0..20_000 {
        let c = lib.sample_clip(rng);
        counts[c] += 1;
        let t = lib.sample_time(c, rng);
        assert!((0.0..lib.length(c)).contains(&t));
    }
    let frac = counts[1] as f64 / 20_000.0;
    assert!((frac - 0.75).abs() < 0.015, "{frac}");

    std::fs::write(&file, "motions:\n  - file: x.bmotion\n    wieght: 2\n").unwrap();
    let e = MotionLib::load(&file, &humanoid())
        .err()
        .unwrap()
        .to_string();
    assert!(e.contains("dataset.yaml") && e.contains("wieght"), "{e}");
}

#[test]
fn dataset_entries_resolve_from_the_working_directory_then_the_yamls_folder() {
    // Tests run in the crate root: MimicKit's datasets name clips from the working directory.
    assert_eq!(
        std::env::current_dir().unwrap().canonicalize().unwrap(),
        root().canonicalize().unwrap()
    );
    let dir = TempDir::new("dataset_paths");
    let file = dir.path().join("dataset.yaml");
    std::fs::write(
        &file,
        "motions:\n  - file: assets/motions/deepmimic_walk.bmotion\n    weight: 1\n",
    )
    .unwrap();
    assert_eq!(MotionLib::load(&file, &humanoid()).unwrap().num_clips(), 1);
    // The shipped dataset names its clips beside it, and loads from here as from anywhere.
    let shipped = MotionLib::load(
        &root().join("assets/motions/ase_humanoid_skills.yaml"),
        &humanoid(),
    );
    assert_eq!(shipped.unwrap().num_clips(), 4);
    // Neither place has it: the error says where it looked.
    std::fs::write(
        &file,
        "motions:\n  - file: clips/missing.bmotion\n    weight: 1\n",
    )
    .unwrap();
    let e = MotionLib::load(&file, &humanoid())
        .err()
        .unwrap()
        .to_string();
    assert!(
        e.contains("motions[0].file")
            && e.contains("working directory")
            && e.contains(
                &dir.path()
                    .join("clips/missing.bmotion")
                    .display()
                    .to_string()
            ),
        "{e}"
    );
}
