//! Scripted screenshots and the viewer's exit report (frame rate and training throughput),
//! used by `scripts/viewer_screenshot.sh` and the benchmarks.

use bevy::platform::time::Instant;
use std::path::PathBuf;

use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, save_to_disk};

use crate::live::TrainingStatus;

/// Take a screenshot of the window once a condition holds, then quit.
#[derive(Resource, Clone, Debug)]
pub struct AutoScreenshot {
    /// The PNG to write.
    pub path: PathBuf,
    /// Wait until training has finished this many iterations (0: do not wait for training).
    pub after_iterations: u64,
    /// And until this many seconds have passed since start.
    pub after_seconds: f64,
    /// Quit this many frames after the screenshot was requested (the capture is asynchronous).
    pub exit_frames: u32,
}

/// Frames and samples counted while the viewer ran, printed when it exits.
#[derive(Resource, Clone, Debug)]
pub struct ViewerReport {
    started: Instant,
    frames: u64,
    first_samples: Option<(Instant, u64)>,
    frames_at_first_samples: u64,
    ready_frames: u32,
    requested_at: Option<u32>,
}

pub(crate) struct ReportPlugin;

impl Plugin for ReportPlugin {
    fn build(&self, app: &mut App) {
        app.insert_resource(ViewerReport {
            started: Instant::now(),
            frames: 0,
            first_samples: None,
            frames_at_first_samples: 0,
            ready_frames: 0,
            requested_at: None,
        })
        .add_systems(Last, (count, auto_screenshot, report_on_exit).chain());
    }
}

fn count(mut report: ResMut<ViewerReport>, status: Option<Res<TrainingStatus>>) {
    report.frames += 1;
    if report.first_samples.is_none()
        && let Some(s) = status
        && s.samples > 0
    {
        report.first_samples = Some((Instant::now(), s.samples));
        report.frames_at_first_samples = report.frames;
    }
}

fn auto_screenshot(
    mut commands: Commands,
    shot: Option<Res<AutoScreenshot>>,
    status: Option<Res<TrainingStatus>>,
    mut report: ResMut<ViewerReport>,
    mut exit: MessageWriter<AppExit>,
) {
    let Some(shot) = shot else { return };
    match report.requested_at {
        None => {
            let iterations = status.as_ref().map_or(0, |s| s.iteration);
            let ready = iterations >= shot.after_iterations
                && report.started.elapsed().as_secs_f64() >= shot.after_seconds;
            report.ready_frames = if ready { report.ready_frames + 1 } else { 0 };
            // A few frames late: text that just changed needs its glyphs uploaded first.
            if report.ready_frames > 3 {
                commands
                    .spawn(Screenshot::primary_window())
                    .observe(save_to_disk(shot.path.clone()));
                report.requested_at = Some(0);
            }
        }
        Some(n) if n >= shot.exit_frames => {
            exit.write(AppExit::Success);
        }
        Some(n) => report.requested_at = Some(n + 1),
    }
}

fn report_on_exit(
    mut exits: MessageReader<AppExit>,
    report: Res<ViewerReport>,
    status: Option<Res<TrainingStatus>>,
) {
    if exits.read().next().is_none() {
        return;
    }
    let secs = report.started.elapsed().as_secs_f64();
    println!(
        "viewer: {} frames in {:.1} s ({:.1} fps)",
        report.frames,
        secs,
        report.frames as f64 / secs.max(1e-9)
    );
    if let (Some(s), Some((t0, n0))) = (status, report.first_samples) {
        let dt = t0.elapsed().as_secs_f64().max(1e-9);
        let frames = report.frames - report.frames_at_first_samples;
        println!(
            "viewer: since the first update ({dt:.1} s): {:.1} fps, {:.0} training samples/s; reached iteration {} and {} samples",
            frames as f64 / dt,
            (s.samples - n0) as f64 / dt,
            s.iteration,
            s.samples,
        );
    }
}
