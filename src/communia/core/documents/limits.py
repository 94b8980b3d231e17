"""Settings of the document reader (limits and OCR), declared once.

They are read like a module's settings: ``COMMUNIA_MODULES__DOCUMENTS__MAX_FILE_MB=50``
in the environment or ``[modules.documents]`` in ``communia.toml``.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

__all__ = ["DocumentLimits", "get_limits"]


class DocumentLimits(BaseModel):
    max_file_mb: float = Field(
        50.0, gt=0, description="Taille maximale d'un fichier à lire, en Mo.", examples=[100]
    )
    max_pages: int = Field(
        2000, gt=0, description="Nombre maximal de pages lues dans un document.", examples=[500]
    )
    max_archive_members: int = Field(
        1000, gt=0, description="Nombre maximal de fichiers dans une archive ZIP.", examples=[500]
    )
    max_unpacked_mb: float = Field(
        500.0,
        gt=0,
        description="Volume décompressé maximal d'une archive (tous niveaux confondus), en Mo.",
        examples=[200],
    )
    max_compression_ratio: float = Field(
        100.0,
        gt=1,
        description=(
            "Taux de compression au-delà duquel un fichier d'archive est jugé suspect (bombe ZIP)."
        ),
        examples=[100],
    )
    max_depth: int = Field(
        3,
        ge=0,
        description="Profondeur maximale d'imbrication (ZIP dans un ZIP, pièce jointe...).",
        examples=[3],
    )
    max_table_rows: int = Field(
        100_000,
        gt=0,
        description="Nombre maximal de lignes lues par feuille de tableur.",
        examples=[10000],
    )
    ocr: bool = Field(
        True,
        description="Reconnaître le texte des images et des pages numérisées (Tesseract).",
        examples=[False],
    )
    ocr_language: str = Field(
        "fra",
        description="Langue(s) Tesseract, par exemple `fra` ou `fra+eng`.",
        examples=["fra+eng"],
    )
    ocr_dpi: int = Field(
        300, ge=72, le=600, description="Résolution de rendu des pages pour l'OCR.", examples=[200]
    )
    ocr_timeout_s: float = Field(
        120.0, gt=0, description="Temps maximal d'OCR d'une page, en secondes.", examples=[60]
    )
    min_text_chars: int = Field(
        20,
        ge=0,
        description=(
            "En dessous de ce nombre de caractères, une page PDF est jugée numérisée "
            "et passée à l'OCR."
        ),
        examples=[20],
    )

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    @property
    def max_unpacked_bytes(self) -> int:
        return int(self.max_unpacked_mb * 1024 * 1024)


def get_limits() -> DocumentLimits:
    from communia.core.settings import module_settings

    return module_settings("documents", DocumentLimits)  # type: ignore[return-value]
