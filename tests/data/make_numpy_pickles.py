"""Writes the numpy-frame motion pickles of tests/motions.rs from mimickit_walk.pkl (numpy 2.4).

Run from tests/data: python make_numpy_pickles.py
"""
import collections
import os
import pickle

import numpy as np

d = pickle.load(open("mimickit_walk.pkl", "rb"))
fr = np.array(d["frames"], dtype=np.float32)
# Protocol 2: float64 in Fortran order, numpy scalars for loop_mode and fps.
pickle.dump({"loop_mode": np.int64(d["loop_mode"]), "fps": np.float64(d["fps"]),
             "frames": np.asfortranarray(fr.astype(np.float64))},
            open("mimickit_walk_numpy_p2.pkl", "wb"), protocol=2)
# Protocol 4: an OrderedDict, float32.
pickle.dump(collections.OrderedDict(loop_mode=d["loop_mode"], fps=d["fps"], frames=fr),
            open("mimickit_walk_numpy_p4.pkl", "wb"), protocol=4)
# Protocol 5: big-endian float32.
pickle.dump({"loop_mode": d["loop_mode"], "fps": d["fps"], "frames": fr.astype(">f4")},
            open("mimickit_walk_numpy_p5.pkl", "wb"), protocol=5)


class Evil:
    """A pickle that would run a shell command when loaded by Python's pickle."""

    def __reduce__(self):
        return (os.system, ("echo pwned",))


pickle.dump({"loop_mode": 1, "fps": 30, "frames": Evil()}, open("mimickit_evil.pkl", "wb"), protocol=4)
