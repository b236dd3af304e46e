//! `bevy_mimic task-eval`: a task policy driven by a scripted sequence of commands, and the
//! figures it prints.

use std::path::Path;

use anyhow::{Result, bail};
use bevy_mimic::learning::device::Backend;

/// `task-eval`: runs the script and prints its figures, one `Key: value` per line.
pub fn task_eval(
    model_file: &Path,
    num_envs: usize,
    minutes: f64,
    mode: Option<&str>,
    getup_model: Option<&Path>,
    push_speed: f32,
    seed: u64,
) -> Result<()> {
    use bevy_mimic::train::{TaskEval, TaskEvalMode, getup_eval, task_eval};
    if num_envs == 0 {
        bail!("--num_envs must be at least 1");
    }
    if !(minutes.is_finite() && minutes > 0.0) {
        bail!("--minutes must be > 0, got {minutes}");
    }
    let mode = match mode {
        None => None,
        Some("steering") => Some(TaskEvalMode::Steering),
        Some("location") => Some(TaskEvalMode::Location),
        Some("getup") => Some(TaskEvalMode::Getup),
        Some("knockdown") => {
            if !(push_speed.is_finite() && push_speed >= 0.0) {
                bail!("--push_speed must be >= 0 (m/s), got {push_speed}");
            }
            Some(TaskEvalMode::Knockdown { push_speed })
        }
        Some(other) => {
            bail!("--script must be `steering`, `location`, `getup` or `knockdown`, got `{other}`")
        }
    };
    if getup_model.is_some()
        && !matches!(
            mode,
            Some(TaskEvalMode::Getup | TaskEvalMode::Knockdown { .. })
        )
    {
        bail!("--getup_model is for `--script getup` or `--script knockdown`");
    }
    let eval = bevy_mimic::train::task_eval_of_checkpoint(
        model_file,
        num_envs,
        minutes,
        mode,
        getup_model,
        seed,
        Backend::Flex.device(),
    )?;
    let run_minutes = match &eval {
        TaskEval::Steering(e) => e.minutes,
        TaskEval::Location(e) => e.minutes,
        TaskEval::Getup(e) => e.minutes,
        TaskEval::Knockdown(e) => e.minutes,
    };
    match eval {
        TaskEval::Steering(e) => {
            for (k, turn) in task_eval::TURNS_DEG.iter().enumerate() {
                println!(
                    "Heading_Err_{turn:.0}: {:.1} deg over {} changes",
                    e.heading_err_by_turn[k], e.changes_by_turn[k]
                );
            }
            println!(
                "Heading_Err: {:.1} deg over {} changes",
                e.heading_err, e.changes
            );
            for (k, speed) in task_eval::SPEEDS.iter().enumerate() {
                println!(
                    "Speed_Err_{speed:.1}: {:.3} m/s over {} changes",
                    e.speed_err_by_speed[k], e.changes_by_speed[k]
                );
            }
            println!("Speed_Err: {:.3} m/s", e.speed_err);
            println!("Falls_Per_Minute: {:.2}", e.falls_per_minute());
        }
        TaskEval::Location(e) => {
            println!(
                "Targets_Reached: {:.1}% of {} ({} reached)",
                100.0 * e.reached_share(),
                e.targets,
                e.reached
            );
            println!("Mean_Time_To_Reach: {:.2} s", e.mean_time_s);
            println!("Falls_Per_Minute: {:.2}", e.falls_per_minute());
        }
        TaskEval::Getup(e) => {
            println!(
                "Got_Up: {:.1}% of {} attempts within {:.0} s ({} got up)",
                100.0 * e.recovered_share(),
                e.attempts,
                getup_eval::GETUP_LIMIT_S,
                e.recovered
            );
            println!("Mean_Time_To_Stand: {:.2} s", e.mean_time_s);
            println!("Start_Pelvis_Height: {:.2} m", e.start_height);
        }
        TaskEval::Knockdown(e) => {
            println!("Pushes: {} of {push_speed} m/s", e.pushes);
            println!(
                "Falls: {} ({:.2} per minute)",
                e.falls,
                f64::from(e.falls) / e.minutes.max(1e-9)
            );
            println!(
                "Got_Up: {:.1}% of {} falls within {:.0} s ({} got up)",
                100.0 * e.recovered_share(),
                e.falls,
                getup_eval::GETUP_LIMIT_S,
                e.recovered
            );
            println!("Mean_Time_To_Stand: {:.2} s", e.mean_time_s);
            println!("Fell_Again: {} (before walking on)", e.fell_again);
            println!(
                "Walked_On: {:.1}% of those up ({} walked {:.0} m along a new heading within {:.0} s)",
                100.0 * e.walked_on_share(),
                e.walked_on,
                getup_eval::WALK_ON_DISTANCE,
                getup_eval::KNOCKDOWN_WALK_ON_S
            );
        }
    }
    println!("Character_Minutes: {run_minutes:.1}");
    Ok(())
}
