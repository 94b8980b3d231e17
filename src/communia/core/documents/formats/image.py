"""Images (PNG, JPEG, multi-page TIFF...): every frame is a page read by OCR."""

from __future__ import annotations

import io
import warnings

from communia.core.documents.pipeline import Context, OcrTask, UnreadableDocument
from communia.core.errors import TooLarge

__all__ = ["parse_image"]

MAX_PIXELS = 120_000_000  # about an A0 sheet at 300 dpi


def parse_image(ctx: Context) -> None:
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(ctx.data))
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise TooLarge(
            f"L'image « {ctx.name} » est trop grande (plus de {MAX_PIXELS // 1_000_000} "
            "millions de pixels) : réduisez sa résolution."
        ) from exc
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise UnreadableDocument(f"L'image « {ctx.name} » est endommagée ou illisible.") from exc
    frames = getattr(image, "n_frames", 1)
    assert ctx.document is not None
    ctx.document.pages = frames
    for index in range(min(frames, ctx.limits.max_pages)):
        ctx.pending_ocr.append(OcrTask(page=index + 1, render=_frame(image, index)))


def _frame(image, index: int):
    def render():
        image.seek(index)
        return image.copy()

    return render
