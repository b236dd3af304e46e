//! Grouping of logged metrics for the plots.

/// A group of related metrics, shown together.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlotGroup {
    /// Returns and rewards.
    Returns,
    /// Episode lengths and failures.
    Episodes,
    /// Losses.
    Losses,
    /// Policy statistics (clip fraction, entropy, advantages).
    Policy,
    /// Discriminator and encoder statistics.
    Discriminator,
    /// Motion-tracking errors.
    Tracking,
    /// Throughput and timings.
    Speed,
    /// Everything else.
    Other,
}

impl PlotGroup {
    /// Every group, in display order.
    pub const ALL: [PlotGroup; 8] = [
        PlotGroup::Returns,
        PlotGroup::Episodes,
        PlotGroup::Losses,
        PlotGroup::Policy,
        PlotGroup::Discriminator,
        PlotGroup::Tracking,
        PlotGroup::Speed,
        PlotGroup::Other,
    ];

    /// Its heading.
    pub fn title(self) -> &'static str {
        match self {
            PlotGroup::Returns => "Returns and rewards",
            PlotGroup::Episodes => "Episodes",
            PlotGroup::Losses => "Losses",
            PlotGroup::Policy => "Policy",
            PlotGroup::Discriminator => "Discriminator / encoder",
            PlotGroup::Tracking => "Tracking errors",
            PlotGroup::Speed => "Speed",
            PlotGroup::Other => "Other",
        }
    }
}

/// The group a logged key belongs to (`None` for bookkeeping columns not worth plotting).
pub fn group_of(key: &str) -> Option<PlotGroup> {
    if matches!(key, "Iteration" | "Samples" | "Wall_Time") {
        return None;
    }
    Some(if key.ends_with("_Loss") || key == "Disc_Grad_Penalty" {
        PlotGroup::Losses
    } else if key.starts_with("Disc_") || key.starts_with("Enc_") {
        if key.ends_with("_Reward_Mean") || key.ends_with("_Reward_Std") {
            PlotGroup::Returns
        } else {
            PlotGroup::Discriminator
        }
    } else if key.contains("Return") || key.contains("Reward") {
        PlotGroup::Returns
    } else if key.contains("Episode") || key.contains("Fail") || key == "Env_Blowups" {
        PlotGroup::Episodes
    } else if key.starts_with("Tracking_") {
        PlotGroup::Tracking
    } else if key.ends_with("_Time") || key.ends_with("_Per_Sec") {
        PlotGroup::Speed
    } else if key.starts_with("Action_")
        || key.starts_with("Adv_")
        || matches!(key, "Clip_Frac" | "Imp_Ratio" | "Exp_Prob")
    {
        PlotGroup::Policy
    } else {
        PlotGroup::Other
    })
}
