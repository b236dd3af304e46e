// Accessors for the fields of MuJoCo's mjModel and mjData that the `mujoco` engine reads and
// writes (src/sim/mujoco/ffi.rs), compiled against the headers of the library it links, so
// that Rust never mirrors the structs' layouts, which change between MuJoCo versions.
#include <stdio.h>
#include <string.h>
#include <mujoco/mujoco.h>

// MuJoCo's default warning handler prints and appends to MUJOCO_LOG.TXT in the working
// directory; the engine reads the warning counters instead (bm_blow_ups) and reports blow-ups
// itself, so warnings are only counted.
static void bm_count_only(const char* msg) { (void)msg; }

void bm_quiet_warnings(void) { mju_user_warning = bm_count_only; }

// Compiles the MJCF held in `xml` (a string) through an in-memory file system.
mjModel* bm_load_xml(const char* xml, char* error, int error_sz) {
  mjVFS vfs;
  mj_defaultVFS(&vfs);
  if (mj_addBufferVFS(&vfs, "character.xml", xml, (int)strlen(xml)) != 0) {
    snprintf(error, error_sz, "cannot put the MJCF into MuJoCo's virtual file system");
    mj_deleteVFS(&vfs);
    return NULL;
  }
  mjModel* m = mj_loadXML("character.xml", &vfs, error, error_sz);
  mj_deleteVFS(&vfs);
  return m;
}

int bm_joint_id(const mjModel* m, const char* name) { return mj_name2id(m, mjOBJ_JOINT, name); }
int bm_geom_id(const mjModel* m, const char* name) { return mj_name2id(m, mjOBJ_GEOM, name); }
int bm_actuator_id(const mjModel* m, const char* name) { return mj_name2id(m, mjOBJ_ACTUATOR, name); }

int bm_jnt_qposadr(const mjModel* m, int j) { return m->jnt_qposadr[j]; }
int bm_jnt_dofadr(const mjModel* m, int j) { return m->jnt_dofadr[j]; }
int bm_ngeom(const mjModel* m) { return m->ngeom; }
int bm_nq(const mjModel* m) { return m->nq; }
int bm_nv(const mjModel* m) { return m->nv; }
int bm_nu(const mjModel* m) { return m->nu; }

double* bm_qpos(mjData* d) { return d->qpos; }
double* bm_qvel(mjData* d) { return d->qvel; }
double* bm_ctrl(mjData* d) { return d->ctrl; }
int bm_ncon(const mjData* d) { return d->ncon; }
void bm_contact_geoms(const mjData* d, int i, int* g1, int* g2) {
  *g1 = d->contact[i].geom[0];
  *g2 = d->contact[i].geom[1];
}

// How often MuJoCo found a non-finite or huge qpos, qvel or qacc (and reset the data).
int bm_blow_ups(const mjData* d) {
  return d->warning[mjWARN_BADQPOS].number + d->warning[mjWARN_BADQVEL].number +
         d->warning[mjWARN_BADQACC].number;
}
