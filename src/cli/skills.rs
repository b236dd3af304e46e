//! `bevy_mimic skills`: how different an ASE policy's skills are.

use std::path::Path;

use anyhow::{Result, bail};

/// Holds `num_latents` random latents, one per character, and prints how each moves and how well
/// the encoder reads it back.
pub fn skills(
    model_file: &Path,
    num_latents: usize,
    warmup: f64,
    seconds: f64,
    rand_seed: u64,
) -> Result<()> {
    if num_latents == 0 {
        bail!("--num_latents must be at least 1");
    }
    if !(warmup.is_finite() && warmup >= 0.0 && seconds.is_finite() && seconds > 0.0) {
        bail!("--warmup must be ≥ 0 and --seconds > 0");
    }
    let d = bevy_mimic::train::skills_of_checkpoint(
        model_file,
        num_latents,
        warmup,
        seconds,
        rand_seed,
        bevy_mimic::learning::device::Backend::Flex.device(),
    )?;
    println!("latent  mean_vx  mean_vy  speed  z·ẑ    falls");
    for (i, r) in d.runs.iter().enumerate() {
        println!(
            "{i:>6}  {:>7.3}  {:>7.3}  {:>5.3}  {:>5.3}  {:>5}",
            r.mean_velocity[0], r.mean_velocity[1], r.mean_speed, r.agreement, r.falls
        );
    }
    let (sm, ss) = d.speed_spread();
    let (am, as_) = d.agreement_spread();
    println!("Skill_Speed: mean {sm:.3} m/s, std {ss:.3} m/s over {num_latents} latents");
    println!("Skill_Agreement: mean {am:.3}, std {as_:.3}");
    println!("Skill_Falls_Per_Minute: {:.2}", d.falls_per_minute());
    Ok(())
}
