//! `bevy_mimic train` on a character env: [`MimicPlugin`] in a headless app, stepped one
//! control step per update with the update inline, so the CLI and a game's app run the very
//! same training code and write the same log rows.

use bevy::prelude::*;

use super::metrics::{TrainingPhase, TrainingStatus};
use super::training::Trainee;
use super::{MimicConfig, MimicError};
use crate::control::{CheckpointSaved, IterationFinished};
use crate::train::EvalStats;
use crate::train::trainer::{progress_bar, report_iteration};

/// How the headless run reports.
#[derive(Clone, Copy, Debug)]
pub struct HeadlessReport {
    /// A progress bar on stderr.
    pub progress: bool,
    /// MimicKit's table every iteration.
    pub print_table: bool,
}

/// What a headless run ended with.
#[derive(Clone, Debug)]
pub struct HeadlessOutcome {
    /// The last test's statistics.
    pub last_test: Option<EvalStats>,
    /// Where the last checkpoint went.
    pub checkpoint: Option<std::path::PathBuf>,
    /// The last error the run reported (a checkpoint that could not be written, ...).
    pub last_error: Option<String>,
}

/// Trains `config` (headless: no transform writeback, one control step per update, inline
/// updates) until its `max_samples`.
pub fn train_headless(
    config: MimicConfig,
    max_samples: u64,
    report: HeadlessReport,
) -> Result<HeadlessOutcome, MimicError> {
    let plugin = config
        .with_transform_writeback(false)
        .with_background_update(false)
        .with_pace(crate::sim::ControlPace::EveryUpdate)
        .load()?;
    let mut app = App::new();
    app.add_plugins((MinimalPlugins, TransformPlugin, plugin));
    // As in `RapierEngine`: the control step is a chain of systems, so a multi-threaded
    // executor only adds wake-ups; the worlds still step in parallel on the compute pool.
    for (_, schedule) in app
        .world_mut()
        .resource_mut::<bevy::ecs::schedule::Schedules>()
        .iter_mut()
    {
        schedule.set_executor(bevy::ecs::schedule::SingleThreadedExecutor::new());
    }
    app.finish();
    app.cleanup();
    let start = app.world().resource::<TrainingStatus>().samples;
    let bar = report.progress.then(|| progress_bar(max_samples, start));
    let mut iterations = bevy::ecs::message::MessageCursor::<IterationFinished>::default();
    let mut saved = bevy::ecs::message::MessageCursor::<CheckpointSaved>::default();
    let mut checkpoint = None;
    loop {
        app.update();
        let world = app.world();
        let (Some(done), Some(saves)) = (
            world.get_resource::<Messages<IterationFinished>>(),
            world.get_resource::<Messages<CheckpointSaved>>(),
        ) else {
            break;
        };
        for m in iterations.read(done) {
            report_iteration(
                bar.as_ref(),
                report.print_table,
                &m.row,
                m.iteration,
                m.samples,
            );
        }
        for m in saved.read(saves) {
            checkpoint = Some(m.dir.clone());
        }
        // A log or checkpoint that cannot be written stops the run, as in `Trainer`.
        let status = world.resource::<TrainingStatus>();
        if status.phase == TrainingPhase::Finished || status.last_error.is_some() {
            break;
        }
    }
    if let Some(bar) = bar {
        bar.finish();
    }
    let world = app.world();
    Ok(HeadlessOutcome {
        last_test: world
            .get_resource::<Trainee>()
            .and_then(|t| t.run.last_test()),
        checkpoint,
        last_error: world.resource::<TrainingStatus>().last_error.clone(),
    })
}
