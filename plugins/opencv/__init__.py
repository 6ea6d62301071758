"""OpenCV's classical inpainting (Telea and Navier-Stokes): the baselines every learned model is measured against."""

from __future__ import annotations

import numpy as np

from restorer import hookimpl
from restorer.jobs import Job
from restorer.models import Model, RunRequest, int_param


class OpenCVInpaint(Model):
    """``cv2.inpaint`` with one of its two algorithms."""

    task = "inpaint"
    uses_torch = False
    baseline = True  # what every learned repair is measured against (restorer bench)
    params = (int_param("radius", 5, 1, 50, help="neighbourhood (pixels) each filled pixel is computed from"),)

    def __init__(self, name: str, title: str, flag_name: str, description: str, default_priority: int = 0):
        self.name = name
        self.default_priority = default_priority
        self.title = title
        self.description = description
        self._flag_name = flag_name

    def run(self, request: RunRequest, job: Job) -> np.ndarray:
        """Fill the masked pixels from their surroundings."""
        import cv2

        job.update(0, 1, f"{self.title}")
        bgr = np.ascontiguousarray(request.photo[..., ::-1])
        mask = request.mask.astype(np.uint8) * 255
        out = cv2.inpaint(bgr, mask, float(request.params["radius"]), getattr(cv2, self._flag_name))
        job.update(1, 1, f"{self.title}")
        return np.ascontiguousarray(out[..., ::-1])


@hookimpl
def register_models(register):
    """Register ``opencv-telea`` and ``opencv-ns``."""
    register(OpenCVInpaint("opencv-telea", "OpenCV Telea", "INPAINT_TELEA",
                           "Fast marching fill (Telea 2004). Quick; smooth fills, no texture.",
                           default_priority=10))
    register(OpenCVInpaint("opencv-ns", "OpenCV Navier-Stokes", "INPAINT_NS",
                           "Fluid-dynamics fill (Bertalmio 2001). Continues edges into the hole."))
