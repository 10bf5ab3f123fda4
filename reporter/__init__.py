"""reporter: AI energy and emissions disclosure reports from tracker logs and cloud bills."""

import warnings

__version__ = "0.1.0"

# PySpark (the optional Spark engine), once installed, is imported by pandera and warns about pandas 3.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)

__all__ = ["__version__"]
