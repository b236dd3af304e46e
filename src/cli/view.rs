//! `bevy_mimic view` and `view-motion`: the desktop viewer (feature `viewer`).

use std::path::{Path, PathBuf};

#[cfg(feature = "viewer")]
use anyhow::Context;
use anyhow::{Result, bail};
#[cfg(feature = "viewer")]
use bevy_mimic::anim::mjcf::load_mjcf;

use crate::Command;

#[cfg(feature = "viewer")]
pub fn open_viewer(command: Command) -> Result<()> {
    use bevy_mimic::MimicConfig;
    use bevy_mimic::viewer::{AutoScreenshot, check_display, run_viewer};
    let Command::View {
        agent_config,
        env_config,
        model_file,
        getup_model,
        resume,
        engine,
        sim_freq,
        num_envs,
        out_dir,
        rand_seed,
        screenshot,
        screenshot_after_iters,
        screenshot_after_s,
        ghost,
        fast,
        skill,
        heading,
        speed,
    } = command
    else {
        unreachable!("called with View")
    };
    check_display()?;
    if num_envs == 0 {
        bail!("--num_envs must be at least 1");
    }
    if !speed.is_finite() || speed < 0.0 || heading.is_some_and(|h| !h.is_finite()) {
        bail!("--heading must be finite and --speed finite and >= 0");
    }
    let (config, source) = match (&model_file, resume) {
        (Some(dir), _) => {
            let config = MimicConfig::play(dir);
            match &getup_model {
                Some(getup) => (
                    config.with_get_up(getup),
                    format!(
                        "playing {}, getting up with {}",
                        dir.display(),
                        getup.display()
                    ),
                ),
                None => (config, format!("playing {}", dir.display())),
            }
        }
        (None, true) => (
            MimicConfig::resume(&out_dir),
            format!("resuming {}", out_dir.display()),
        ),
        (None, false) => (
            MimicConfig::train(&agent_config, &env_config).with_out_dir(&out_dir),
            format!(
                "training {} on {}",
                agent_config.display(),
                env_config.display()
            ),
        ),
    };
    if resume && (engine.is_some() || sim_freq.is_some()) {
        bail!(
            "--engine and --sim_freq cannot change a resumed run's engine (it goes on with the \
             one it trained on)"
        );
    }
    let config = match engine {
        Some(name) => config.with_engine(name),
        None => config,
    };
    let config = match sim_freq {
        Some(hz) => config.with_sim_freq(hz),
        None => config,
    };
    if config.is_training() {
        std::fs::create_dir_all(&out_dir)
            .with_context(|| format!("cannot create {}", out_dir.display()))?;
    }
    let plugin = config.with_num_envs(num_envs).with_seed(rand_seed).load()?;
    let shot = screenshot.map(|path| AutoScreenshot {
        path,
        after_iterations: screenshot_after_iters,
        after_seconds: screenshot_after_s,
        exit_frames: 5,
    });
    let settings = bevy_mimic::panel::PanelState {
        ghost,
        fast,
        start_skill: skill,
        command_mode: if heading.is_some() {
            bevy_mimic::panel::CommandMode::Heading
        } else {
            bevy_mimic::panel::CommandMode::Random
        },
        command_heading: heading.unwrap_or(0.0).to_radians(),
        command_speed: speed,
        command_all: true,
        start_command: heading.is_some(),
        ..Default::default()
    };
    match run_viewer(plugin, source, shot, settings) {
        bevy::app::AppExit::Success => Ok(()),
        bevy::app::AppExit::Error(code) => bail!("the viewer exited with code {code}"),
    }
}

#[cfg(feature = "viewer")]
pub fn open_motion_viewer(
    clip: &Path,
    char_file: &Path,
    screenshot: Option<PathBuf>,
    after_s: f64,
) -> Result<()> {
    use bevy_mimic::anim::motion_lib::MotionLib;
    use bevy_mimic::viewer::{AutoScreenshot, check_display, run_motion_viewer};
    check_display()?;
    let model = load_mjcf(char_file)?;
    let lib = MotionLib::load(clip, &model)?;
    let shot = screenshot.map(|path| AutoScreenshot {
        path,
        after_iterations: 0,
        after_seconds: after_s,
        exit_frames: 5,
    });
    match run_motion_viewer(model, lib, clip.to_path_buf(), shot) {
        bevy::app::AppExit::Success => Ok(()),
        bevy::app::AppExit::Error(code) => bail!("the viewer exited with code {code}"),
    }
}

#[cfg(not(feature = "viewer"))]
pub fn open_viewer(_: Command) -> Result<()> {
    use crate::{DEFAULT_AGENT, DEFAULT_ENV};
    bail!(
        "this build has no viewer (built without the `viewer` feature); rebuild with default \
         features, or train headless: cargo run --release -- train --agent_config {DEFAULT_AGENT} \
         --env_config {DEFAULT_ENV} --num_envs 64"
    )
}

#[cfg(not(feature = "viewer"))]
pub fn open_motion_viewer(_: &Path, _: &Path, _: Option<PathBuf>, _: f64) -> Result<()> {
    bail!("this build has no viewer (built without the `viewer` feature)")
}
