"""RapidOCR (PP-OCRv6 on ONNX Runtime): the models ship inside the ``rapidocr`` wheel.

Only recognition runs, on a line already cropped from the subtitle band: detection
would enlarge a short strip to 736 px and cost ten times more.
"""

from __future__ import annotations

import numpy as np

from localize import processes
from localize.errors import ModelError
from localize.fingerprint import Fingerprinted
from localize.hardsub.ocr import register_ocr


@register_ocr
class RapidOcr(Fingerprinted):
    name = "rapidocr"
    package = "rapidocr"

    def __init__(self) -> None:
        try:
            from importlib.metadata import version

            from rapidocr import RapidOCR
        except ImportError:
            raise ModelError("rapidocr is not installed (pip install rapidocr==3.10.0)") from None
        self.model = f"rapidocr {version('rapidocr')} PP-OCRv6 small rec (bundled)"
        self._engine = RapidOCR(
            params={"Global.log_level": "error", "EngineConfig.onnxruntime.intra_op_num_threads": processes.cpu_count()}
        )

    def read_line(self, image: np.ndarray) -> tuple[str, float]:
        import cv2

        if image.ndim == 2:
            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        result = self._engine(image, use_det=False, use_cls=False, use_rec=True)
        # with use_rec alone RapidOCR returns a TextRecOutput (its call is typed as the union of all outputs)
        texts, scores = result.txts or (), result.scores or ()  # type: ignore[union-attr]
        if not texts:
            return "", 0.0
        return "".join(texts).strip(), float(min(scores))
