//! Clips carried onto the character they are loaded for. DeepMimic's humanoid3d and Isaac Lab's
//! AMP humanoid are the skeleton of `assets/characters/humanoid.xml`; their clips are converted
//! onto it and retargeted by joint name when the character is another one, as are ASE poselib
//! clips from the skeleton they record. `bevy_mimic convert`
//! also retargets `.bmotion` clips (from the character they record) and MimicKit `.pkl` clips
//! (from the character named for them).

use std::path::{Path, PathBuf};

use super::isaaclab::IsaacLabClip;
use super::poselib::from_poselib_npy;
use super::{MotionClip, MotionError, err, from_deepmimic, from_mimickit_pkl};
use crate::anim::character::CharacterModel;
use crate::anim::fingerprint::CharacterFingerprint;
use crate::anim::retarget::Retarget;

/// The largest mean body-position error (m) a retargeted clip may have: beyond it the two
/// skeletons differ in shape, not only in rest pose and joint axes.
pub const MAX_RETARGET_ERROR: f32 = 0.03;

/// The character a clip without a record was made for, and the native skeleton of DeepMimic's
/// and Isaac Lab's humanoid clips.
const SHIPPED_CHARACTER: &str = include_str!("../../../assets/characters/humanoid.xml");

/// `assets/characters/humanoid.xml`, built into the binary.
pub fn shipped_model() -> &'static CharacterModel {
    static MODEL: std::sync::OnceLock<CharacterModel> = std::sync::OnceLock::new();
    MODEL.get_or_init(|| {
        crate::anim::mjcf::parse_mjcf(
            SHIPPED_CHARACTER,
            Path::new("assets/characters/humanoid.xml"),
        )
        .expect("the shipped humanoid parses")
    })
}

/// The fingerprint of [`shipped_model`].
pub(super) fn shipped_character() -> &'static CharacterFingerprint {
    static PRINT: std::sync::OnceLock<CharacterFingerprint> = std::sync::OnceLock::new();
    PRINT.get_or_init(|| CharacterFingerprint::of(shipped_model()))
}

/// A clip carried onto a character.
#[derive(Clone, Debug)]
pub struct Converted {
    /// The clip, on the character.
    pub clip: MotionClip,
    /// When it was retargeted from another skeleton: the mean distance (m) between its bodies
    /// and the source's, and the character's bodies no source body drives.
    pub retargeted: Option<(f32, Vec<String>)>,
}

/// `clip`, made for `from`, on `to`: itself when the two are the same character, otherwise
/// retargeted by joint name, and refused when its bodies land more than
/// [`MAX_RETARGET_ERROR`] from the source's on average.
pub fn retarget_onto(
    clip: MotionClip,
    from: &CharacterModel,
    to: &CharacterModel,
    file: &Path,
) -> Result<Converted, MotionError> {
    let map = Retarget::new(from, to);
    if map.is_identity() {
        return Ok(Converted {
            clip,
            retargeted: None,
        });
    }
    let moved = map.clip(&clip);
    let error = map.mean_body_distance(&clip, &moved);
    if error.is_nan() || error > MAX_RETARGET_ERROR {
        return Err(err(
            file,
            Some("character"),
            format!(
                "retargeted by joint name onto this character, its bodies land {:.1} cm from the source's on average (at most {:.0} cm is accepted): the two skeletons differ in shape, not only in rest pose and joint axes",
                error * 100.0,
                MAX_RETARGET_ERROR * 100.0
            ),
        ));
    }
    moved.validate(file)?;
    let unmatched = map.unmatched().into_iter().map(str::to_string).collect();
    Ok(Converted {
        clip: moved,
        retargeted: Some((error, unmatched)),
    })
}

/// A DeepMimic `.txt` clip on `model`, through DeepMimic's own skeleton.
pub(super) fn deepmimic_onto(
    bytes: &[u8],
    file: &Path,
    model: &CharacterModel,
) -> Result<Converted, MotionError> {
    let native = from_deepmimic(bytes, file, shipped_model())?;
    retarget_onto(native, shipped_model(), model, file)
}

/// An Isaac Lab `.npz` clip on `model`: directly when its bones are the model's, through the
/// AMP humanoid's skeleton when they are that one's, refused otherwise.
pub(super) fn isaaclab_onto(
    bytes: &[u8],
    file: &Path,
    model: &CharacterModel,
) -> Result<Converted, MotionError> {
    let source = IsaacLabClip::read(bytes, file)?;
    let Some(why) = source.skeleton_difference(model)? else {
        return Ok(Converted {
            clip: source.onto(model)?,
            retargeted: None,
        });
    };
    if source.skeleton_difference(shipped_model())?.is_some() {
        return Err(err(
            file,
            Some("body_positions"),
            format!(
                "the clip's skeleton is neither this character's ({why}) nor the AMP humanoid's (assets/characters/humanoid.xml)"
            ),
        ));
    }
    retarget_onto(source.onto(shipped_model())?, shipped_model(), model, file)
}

/// An ASE poselib `.npy` clip on `model`, retargeted from the skeleton it records.
pub(super) fn poselib_onto(
    bytes: &[u8],
    file: &Path,
    model: &CharacterModel,
) -> Result<Converted, MotionError> {
    let source = from_poselib_npy(bytes, file)?;
    retarget_onto(source.clip, &source.skeleton, model, file)
}

/// Reads `file` (any motion format) onto `model` for `bevy_mimic convert`. `.bmotion` clips come
/// from the character they record, DeepMimic and Isaac Lab clips from their humanoid, and
/// MimicKit `.pkl` clips, which record none, from `pkl_character` (default: `model` itself).
pub fn convert_motion(
    file: &Path,
    model: &CharacterModel,
    pkl_character: Option<&CharacterModel>,
) -> Result<Converted, MotionError> {
    let bytes =
        crate::files::read(file).map_err(|e| err(file, None, format!("cannot read: {e}")))?;
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default();
    if pkl_character.is_some() && ext != "pkl" {
        return Err(err(
            file,
            None,
            "--source_char_file names the character of a MimicKit .pkl clip; this format says its own",
        ));
    }
    let converted = match ext {
        "bmotion" => {
            let (clip, made_for) = MotionClip::read_bmotion(&bytes, file)?;
            let source = match made_for {
                Some(print) => print.skeleton().map_err(|e| {
                    err(
                        file,
                        Some("character"),
                        format!("records no valid character: {e}"),
                    )
                })?,
                None => shipped_model().clone(),
            };
            clip.check_fits(&source, file)?;
            retarget_onto(clip, &source, model, file)?
        }
        "txt" => deepmimic_onto(&bytes, file, model)?,
        "npz" => isaaclab_onto(&bytes, file, model)?,
        "npy" => poselib_onto(&bytes, file, model)?,
        "pkl" => {
            let clip = from_mimickit_pkl(&bytes, file)?;
            let source = pkl_character.unwrap_or(model);
            clip.check_fits(source, file)?;
            retarget_onto(clip, source, model, file)?
        }
        _ => {
            return Err(err(
                file,
                None,
                "unknown motion format (expected .bmotion, .pkl, .txt, .npz or .npy)",
            ));
        }
    };
    converted.clip.check_fits(model, file)?;
    Ok(converted)
}

/// Says once per file that a clip made for `source` was retargeted while loading.
pub(super) fn note_retargeted(file: &Path, converted: &Converted, source: &str) {
    let Some((error, unmatched)) = &converted.retargeted else {
        return;
    };
    static NOTED: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    let mut noted = NOTED.lock().expect("not poisoned");
    if noted.iter().any(|f| f == file) {
        return;
    }
    noted.push(file.to_path_buf());
    let rest = if unmatched.is_empty() {
        String::new()
    } else {
        format!(
            "; bodies no source body drives stay at rest: {}",
            unmatched.join(", ")
        )
    };
    eprintln!(
        "note: {} was made for {source}; retargeted onto this character by joint name (bodies within {:.2} cm of the source's on average){rest}",
        file.display(),
        error * 100.0
    );
}
