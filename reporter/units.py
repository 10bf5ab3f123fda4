"""Unit constants and conversions. Every quantity elsewhere carries its unit in its name."""

from __future__ import annotations

G_PER_KG = 1000.0
KG_PER_T = 1000.0
KWH_PER_MWH = 1000.0
J_PER_KWH = 3.6e6  # joules in a kilowatt-hour
