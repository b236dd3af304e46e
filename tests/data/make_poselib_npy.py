"""Writes poselib_walk_local.npy and poselib_walk_global.npy for tests/motions.rs: the walk of
mimickit_walk.pkl (made for assets/characters/humanoid.xml) as ASE poselib SkeletonMotions, in
the dict layout poselib's SkeletonMotion.to_file saves with np.save (numpy 2.4, no poselib needed).

Run from tests/data: python make_poselib_npy.py
"""
import collections
import pickle

import numpy as np

# assets/characters/humanoid.xml: (name, parent, offset, joint) with joint "ball", a hinge
# axis, or None (fixed). Every body's rest rotation is the identity.
BODIES = [
    ("pelvis", -1, (0, 0, 1), None),
    ("torso", 0, (0, 0, 0.236151), "ball"),
    ("head", 1, (0, 0, 0.223894), "ball"),
    ("right_upper_arm", 1, (-0.02405, -0.18311, 0.2435), "ball"),
    ("right_lower_arm", 3, (0, 0, -0.274788), (0, 1, 0)),
    ("right_hand", 4, (0, 0, -0.258947), None),
    ("left_upper_arm", 1, (-0.02405, 0.18311, 0.2435), "ball"),
    ("left_lower_arm", 6, (0, 0, -0.274788), (0, 1, 0)),
    ("left_hand", 7, (0, 0, -0.258947), None),
    ("right_thigh", 0, (0, -0.084887, 0), "ball"),
    ("right_shin", 9, (0, 0, -0.421546), (0, 1, 0)),
    ("right_foot", 10, (0, 0, -0.40987), "ball"),
    ("left_thigh", 0, (0, 0.084887, 0), "ball"),
    ("left_shin", 12, (0, 0, -0.421546), (0, 1, 0)),
    ("left_foot", 13, (0, 0, -0.40987), "ball"),
]


def axis_angle(axis, angle):
    axis = np.asarray(axis, dtype=np.float64)
    return np.concatenate([axis * np.sin(angle / 2), [np.cos(angle / 2)]])


def exp_map(e):
    angle = np.linalg.norm(e)
    return axis_angle(e / angle, angle) if angle > 1e-9 else np.array([0, 0, 0, 1.0])


def mul(a, b):
    ax, ay, az, aw = a
    bx, by, bz, bw = b
    return np.array([aw * bx + ax * bw + ay * bz - az * by,
                     aw * by - ax * bz + ay * bw + az * bx,
                     aw * bz + ax * by - ay * bx + az * bw,
                     aw * bw - ax * bx - ay * by - az * bz])


def tensor(x, dtype):
    x = np.asarray(x, dtype=dtype)
    return {"arr": x, "context": {"dtype": x.dtype.name}}


clip = pickle.load(open("mimickit_walk.pkl", "rb"))
frames = np.array(clip["frames"], dtype=np.float64)[:40]
local = np.zeros((len(frames), len(BODIES), 4))
for f, frame in enumerate(frames):
    dof = 6
    local[f, 0] = exp_map(frame[3:6])
    for j, (_, _, _, joint) in enumerate(BODIES[1:], start=1):
        if joint == "ball":
            local[f, j] = exp_map(frame[dof:dof + 3])
            dof += 3
        elif joint is None:
            local[f, j] = (0, 0, 0, 1)
        else:
            local[f, j] = axis_angle(joint, frame[dof])
            dof += 1
    assert dof == len(frame)
glob = np.zeros_like(local)
for j, (_, parent, _, _) in enumerate(BODIES):
    for f in range(len(frames)):
        glob[f, j] = local[f, j] if parent < 0 else mul(glob[f, parent], local[f, j])

tree = collections.OrderedDict(
    node_names=[b[0] for b in BODIES],
    parent_indices=tensor([b[1] for b in BODIES], np.int64),
    local_translation=tensor([b[2] for b in BODIES], np.float32),
)
for name, rotation, is_local in [("local", local, True), ("global", glob, False)]:
    motion = {
        "rotation": tensor(rotation, np.float64),
        "root_translation": tensor(frames[:, :3], np.float64),
        "global_velocity": tensor(np.zeros((len(frames), len(BODIES), 3)), np.float64),
        "global_angular_velocity": tensor(np.zeros((len(frames), len(BODIES), 3)), np.float64),
        "skeleton_tree": tree,
        "is_local": is_local,
        "fps": float(clip["fps"]),
        "__name__": "SkeletonMotion",
    }
    np.save(f"poselib_walk_{name}.npy", motion, allow_pickle=True)
