//! The part of MuJoCo's C API the engine uses: the library's own functions, plus accessors from
//! csrc/mujoco_shim.c for struct fields (compiled against the linked version's headers, so no
//! struct layout is copied here). Safe owners for `mjModel` and `mjData` on top.

use std::ffi::{CStr, CString, c_char, c_int};

/// MuJoCo's `mjModel` (opaque).
#[repr(C)]
pub struct MjModelRaw {
    _opaque: [u8; 0],
}

/// MuJoCo's `mjData` (opaque).
#[repr(C)]
pub struct MjDataRaw {
    _opaque: [u8; 0],
}

unsafe extern "C" {
    fn mj_deleteModel(m: *mut MjModelRaw);
    fn mj_makeData(m: *const MjModelRaw) -> *mut MjDataRaw;
    fn mj_deleteData(d: *mut MjDataRaw);
    fn mj_resetData(m: *const MjModelRaw, d: *mut MjDataRaw);
    fn mj_step(m: *const MjModelRaw, d: *mut MjDataRaw);
    fn mj_forward(m: *const MjModelRaw, d: *mut MjDataRaw);
    fn mj_versionString() -> *const c_char;

    fn bm_quiet_warnings();
    fn bm_load_xml(xml: *const c_char, error: *mut c_char, error_sz: c_int) -> *mut MjModelRaw;
    fn bm_joint_id(m: *const MjModelRaw, name: *const c_char) -> c_int;
    fn bm_geom_id(m: *const MjModelRaw, name: *const c_char) -> c_int;
    fn bm_actuator_id(m: *const MjModelRaw, name: *const c_char) -> c_int;
    fn bm_jnt_qposadr(m: *const MjModelRaw, j: c_int) -> c_int;
    fn bm_jnt_dofadr(m: *const MjModelRaw, j: c_int) -> c_int;
    fn bm_ngeom(m: *const MjModelRaw) -> c_int;
    fn bm_nq(m: *const MjModelRaw) -> c_int;
    fn bm_nv(m: *const MjModelRaw) -> c_int;
    fn bm_nu(m: *const MjModelRaw) -> c_int;
    fn bm_qpos(d: *mut MjDataRaw) -> *mut f64;
    fn bm_qvel(d: *mut MjDataRaw) -> *mut f64;
    fn bm_ctrl(d: *mut MjDataRaw) -> *mut f64;
    fn bm_ncon(d: *const MjDataRaw) -> c_int;
    fn bm_contact_geoms(d: *const MjDataRaw, i: c_int, g1: *mut c_int, g2: *mut c_int);
    fn bm_blow_ups(d: *const MjDataRaw) -> c_int;
}

/// The linked library's version, e.g. `4.0.1`.
pub fn version() -> String {
    // SAFETY: MuJoCo returns a static NUL-terminated string.
    unsafe { CStr::from_ptr(mj_versionString()) }
        .to_string_lossy()
        .into_owned()
}

/// A compiled model. Read-only once built, so it is shared by the threads stepping its data
/// (MuJoCo only reads `mjModel` in `mj_step`/`mj_forward`).
pub struct MjModel {
    raw: *mut MjModelRaw,
    nq: usize,
    nv: usize,
    nu: usize,
}

// SAFETY: the model is never mutated after `from_xml`; MuJoCo reads it concurrently from any
// thread.
unsafe impl Send for MjModel {}
// SAFETY: as above.
unsafe impl Sync for MjModel {}

/// What kind of object a name lookup is for.
#[derive(Clone, Copy, Debug)]
pub enum MjObject {
    /// A joint.
    Joint,
    /// A geom.
    Geom,
    /// An actuator.
    Actuator,
}

impl MjModel {
    /// Compiles an MJCF string; MuJoCo's error message otherwise.
    pub fn from_xml(xml: &str) -> Result<Self, String> {
        let xml = CString::new(xml).map_err(|_| "the MJCF holds a NUL byte".to_string())?;
        // SAFETY: sets MuJoCo's global warning callback to a function that ignores the text.
        unsafe { bm_quiet_warnings() };
        let mut error = vec![0 as c_char; 1000];
        // SAFETY: both buffers are valid for the call; the error buffer's size is passed.
        let raw = unsafe { bm_load_xml(xml.as_ptr(), error.as_mut_ptr(), error.len() as c_int) };
        if raw.is_null() {
            // SAFETY: MuJoCo wrote a NUL-terminated message into the zeroed buffer.
            let msg = unsafe { CStr::from_ptr(error.as_ptr()) };
            return Err(msg.to_string_lossy().into_owned());
        }
        // SAFETY: a valid model.
        let (nq, nv, nu) = unsafe { (bm_nq(raw), bm_nv(raw), bm_nu(raw)) };
        Ok(Self {
            raw,
            nq: nq as usize,
            nv: nv as usize,
            nu: nu as usize,
        })
    }

    /// The id of the object called `name`, if there is one.
    pub fn id(&self, kind: MjObject, name: &str) -> Option<usize> {
        let name = CString::new(name).ok()?;
        // SAFETY: a valid model and NUL-terminated name.
        let id = unsafe {
            match kind {
                MjObject::Joint => bm_joint_id(self.raw, name.as_ptr()),
                MjObject::Geom => bm_geom_id(self.raw, name.as_ptr()),
                MjObject::Actuator => bm_actuator_id(self.raw, name.as_ptr()),
            }
        };
        usize::try_from(id).ok()
    }

    /// Address of joint `j`'s first entry in `qpos` and in `qvel`.
    pub fn joint_addr(&self, j: usize) -> (usize, usize) {
        // SAFETY: `j` came from `id`, so it is a valid joint index.
        unsafe {
            (
                bm_jnt_qposadr(self.raw, j as c_int) as usize,
                bm_jnt_dofadr(self.raw, j as c_int) as usize,
            )
        }
    }

    /// Number of geoms.
    pub fn num_geoms(&self) -> usize {
        // SAFETY: a valid model.
        unsafe { bm_ngeom(self.raw) as usize }
    }
}

impl Drop for MjModel {
    fn drop(&mut self) {
        // SAFETY: owned, deleted once; every MjData made from it holds an `Arc` of it.
        unsafe { mj_deleteModel(self.raw) }
    }
}

/// One simulation's data, for the model it was made from (kept alive by the `Arc`).
pub struct MjData {
    raw: *mut MjDataRaw,
    model: std::sync::Arc<MjModel>,
}

// SAFETY: the data is owned by one environment; `&mut self` guards every write.
unsafe impl Send for MjData {}
// SAFETY: shared references only read it.
unsafe impl Sync for MjData {}

impl MjData {
    /// Fresh data for `model` (its initial state).
    pub fn new(model: std::sync::Arc<MjModel>) -> Self {
        // SAFETY: a valid model; MuJoCo aborts rather than return null on allocation failure.
        let raw = unsafe { mj_makeData(model.raw) };
        assert!(!raw.is_null(), "MuJoCo could not allocate mjData");
        Self { raw, model }
    }

    /// Resets to the model's initial state (no velocities, no warm start, no contacts).
    pub fn reset(&mut self) {
        // SAFETY: data made for this model.
        unsafe { mj_resetData(self.model.raw, self.raw) }
    }

    /// One physics step.
    pub fn step(&mut self) {
        // SAFETY: data made for this model.
        unsafe { mj_step(self.model.raw, self.raw) }
    }

    /// Computes everything that follows from the state, without advancing time.
    pub fn forward(&mut self) {
        // SAFETY: data made for this model.
        unsafe { mj_forward(self.model.raw, self.raw) }
    }

    /// Generalised positions (`nq`).
    pub fn qpos(&self) -> &[f64] {
        // SAFETY: MuJoCo allocates `nq` doubles for qpos, alive as long as the data.
        unsafe { std::slice::from_raw_parts(bm_qpos(self.raw), self.model.nq) }
    }

    /// Generalised positions, to write.
    pub fn qpos_mut(&mut self) -> &mut [f64] {
        // SAFETY: as `qpos`, borrowed mutably through `&mut self`.
        unsafe { std::slice::from_raw_parts_mut(bm_qpos(self.raw), self.model.nq) }
    }

    /// Generalised velocities (`nv`).
    pub fn qvel(&self) -> &[f64] {
        // SAFETY: MuJoCo allocates `nv` doubles for qvel.
        unsafe { std::slice::from_raw_parts(bm_qvel(self.raw), self.model.nv) }
    }

    /// Generalised velocities, to write.
    pub fn qvel_mut(&mut self) -> &mut [f64] {
        // SAFETY: as `qvel`, borrowed mutably through `&mut self`.
        unsafe { std::slice::from_raw_parts_mut(bm_qvel(self.raw), self.model.nv) }
    }

    /// Actuator controls (`nu`), to write.
    pub fn ctrl_mut(&mut self) -> &mut [f64] {
        // SAFETY: MuJoCo allocates `nu` doubles for ctrl.
        unsafe { std::slice::from_raw_parts_mut(bm_ctrl(self.raw), self.model.nu) }
    }

    /// The geom pairs of the contacts found in the last step.
    pub fn contacts(&self) -> impl Iterator<Item = (i32, i32)> + '_ {
        // SAFETY: indices below `ncon` are valid contacts.
        let n = unsafe { bm_ncon(self.raw) };
        (0..n).map(move |i| {
            let (mut g1, mut g2) = (0, 0);
            // SAFETY: `i < ncon`; the out-pointers are valid.
            unsafe { bm_contact_geoms(self.raw, i, &mut g1, &mut g2) };
            (g1, g2)
        })
    }

    /// How often MuJoCo has found a blown-up state (and reset the data) so far.
    pub fn blow_ups(&self) -> i32 {
        // SAFETY: a valid data.
        unsafe { bm_blow_ups(self.raw) }
    }
}

impl Drop for MjData {
    fn drop(&mut self) {
        // SAFETY: owned, deleted once, before its model (held by `self.model`).
        unsafe { mj_deleteData(self.raw) }
    }
}
