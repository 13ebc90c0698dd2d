"""Local Blur Synthesis (LBS): the LODE paper's per-frame motion of pasted objects.

From the paper (Wang et al., Sec. 4.1) and the authors' generator
(komejisatori/BladeNet, ``BlurGenerator/voc_img_generator.py``), LBS makes a
locally blurred pair from

1. a sharp background that does not move (REDS frames in the paper; here a
   photo or dead-leaves image from the engine's content pool);
2. static objects pasted at fixed positions: in the blurred image and the
   ground truth, never in the mask (so a network cannot call "any object"
   blurred);
3. moving objects (segmented VOC instances in the paper; here textured random
   shapes) at random positions; an odd number N of frames; at each step a
   translation, a scaling and a rotation are applied, in an order drawn at
   random per step (the paper);
4. blur = the frames averaged in linear intensity (gamma 2.2), ground truth =
   the middle frame, mask = the union of the moving objects' footprints over
   the exposure (the trajectory union, as the code's ``.npy`` masks).

The engine's ``local`` preset (:data:`deblurbook.data.synth.PRESETS`) *is*
LBS: a still camera, static distractors, and moving objects that follow
:class:`StepMotion`, this module's per-frame law. Its magnitudes are the
code's: a shift of 0 or 1 px along each axis per frame (down/right only; the
dihedral augmentations of the loader give the other directions), scaling by
1 +- 0.01 and rotation by +-0.3 degrees per frame, with the signs fixed per
object (0 allowed).

Two of the code's quirks are kept behind flags: ``random_order=False`` applies
translate, rotate, scale in that fixed order (the code), and
``scale_drops_rotation=True`` reproduces its bug: the scaled object is made
from the pre-rotation object, so rotation only survives for objects that do
not scale. Both default to the paper's behaviour (random order, no bug).

The law steps once per frame. The engine anchors an object's pose at the
middle frame of the exposure (the ground truth) and steps forward from there
for later frames and backward, with the inverse steps, for earlier ones (the
first frames of the exposure, the previous exposure, the reference frame), so
every frame the engine renders comes from one motion.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

CODE_FRAMES = tuple(range(5, 22, 2))  # the code's choice{5, 7, ..., 21}
PAPER_FRAMES = (7, 9, 11, 13)
STEPS = ("translate", "scale", "rotate")


@dataclass(frozen=True)
class StepMotion:
    """LBS's per-frame motion of one object. Defaults: the code's magnitudes, the paper's order."""

    shift: tuple[float, float] = (0.0, 1.0)  # per-axis shift per frame, px (the code: U{0, 1})
    integer_shift: bool = True  # the code draws whole pixels
    any_direction: bool = False  # False: down/right only, as the code
    scale_step: float = 0.01  # |log| of the per-frame scale factor's change, signs in {-1, 0, 1}
    rotation_step: float = 0.3  # degrees per frame, signs in {-1, 0, 1}
    random_order: bool = True  # the paper; False: translate, rotate, scale (the code)
    scale_drops_rotation: bool = False  # the code's bug

    def __post_init__(self):
        lo, hi = self.shift
        if lo < 0 or hi < lo:
            raise ValueError(f"StepMotion shift range must be 0 <= low <= high, got {self.shift}")

    def matrices(self, ticks: np.ndarray, place: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """(T, 3, 3) image -> image maps of an object at whole-frame times ``ticks`` (T,),
        the identity at time 0, where the object's centre is ``place`` (x, y).

        Each step from one frame to the next applies one translation, one scaling and
        one rotation (about the object's current centre) in the step's order. The draws
        are: the scale and rotation signs, the heading (``any_direction``), then every
        forward step (times 0 -> max) and every backward step (0 -> min).
        """
        ticks = np.asarray(ticks)
        if not np.issubdtype(ticks.dtype, np.integer):
            raise ValueError(f"a step law moves once a frame: ticks must be whole frames, got {ticks.dtype}")
        z, r = rng.integers(-1, 2, size=2)
        if self.any_direction:
            heading = rng.uniform(0, 2 * math.pi)
            direction = np.array([math.cos(heading), math.sin(heading)])
        else:
            direction = np.ones(2)
        poses = {0: np.eye(3)}
        for sign, stop in ((1, int(ticks.max(initial=0))), (-1, int(ticks.min(initial=0)))):
            pose = np.eye(3)
            for t in range(0, stop, sign):
                pose = self._step(pose, place, direction, z, r, sign, rng) @ pose
                poses[t + sign] = pose
        return np.stack([poses[int(t)] for t in ticks])

    def _step(
        self,
        pose: np.ndarray,
        place: np.ndarray,
        direction: np.ndarray,
        z: int,
        r: int,
        sign: int,
        rng: np.random.Generator,
    ) -> np.ndarray:
        """One frame's transform (``sign`` -1: the inverse step, undone in reverse order)."""
        size = rng.uniform(*self.shift, size=2)
        shift = np.round(size) if self.integer_shift else size
        centre = (pose @ np.append(place, 1.0))[:2]
        angle = sign * math.radians(self.rotation_step * r)
        steps = {
            "translate": _translate(*(sign * shift * direction)),
            "scale": _about(centre, np.eye(2) * math.exp(sign * self.scale_step * z)),
            "rotate": _about(
                centre, np.array([[math.cos(angle), -math.sin(angle)], [math.sin(angle), math.cos(angle)]])
            ),
        }
        if self.scale_drops_rotation and z != 0:
            steps["rotate"] = np.eye(3)
        order = list(rng.permutation(list(STEPS))) if self.random_order else ["translate", "rotate", "scale"]
        if sign < 0:
            order.reverse()
        step = np.eye(3)
        for name in order:
            step = steps[name] @ step
        return step


def _translate(dx: float, dy: float) -> np.ndarray:
    return np.array([[1, 0, dx], [0, 1, dy], [0, 0, 1]], float)


def _about(centre: np.ndarray, linear: np.ndarray) -> np.ndarray:
    """A 2x2 linear map applied about ``centre`` (x, y), as a 3x3 matrix."""
    m = np.eye(3)
    m[:2, :2] = linear
    m[:2, 2] = centre - linear @ centre
    return m


# A stand-in for LODE's test motion: objects move in any direction, 1 to 3 px per axis per
# frame, in sub-pixel steps (the training LBS moves 0 or 1 px down/right per axis).
FAST_STEPS = StepMotion(shift=(1.0, 3.0), integer_shift=False, any_direction=True)
