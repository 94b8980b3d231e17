"""Communia: open-source, sovereign AI software for French communes."""

__version__ = "0.1.0"
__all__ = ["__version__"]
