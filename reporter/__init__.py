"""reporter: AI energy and emissions disclosure reports from tracker logs and cloud bills."""

__version__ = "0.1.0"

__all__ = ["__version__"]
