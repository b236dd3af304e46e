//! `bevy_mimic export`: a policy as ONNX, and what was written.

use std::path::Path;

use anyhow::Result;

/// Exports the policy in `model_file` to `out` and says what the graph takes and gives.
pub fn export(model_file: &Path, out: &Path) -> Result<()> {
    let s = bevy_mimic::export::export_onnx(model_file, out)?;
    let z = if s.latent_dim > 0 {
        format!(" and z [batch, {}]", s.latent_dim)
    } else {
        String::new()
    };
    println!(
        "wrote {} (obs [batch, {}]{z} → actions [batch, {}]) and {}",
        s.onnx.display(),
        s.obs_dim,
        s.action_dim,
        s.sidecar.display()
    );
    Ok(())
}
