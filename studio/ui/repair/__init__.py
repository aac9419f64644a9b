"""Repair journeys in the window: side inputs taken from the document the way users give
them (a learned noise profile, a selected gap), and finding the damage (dropouts)."""
from studio.ui.repair.tools import RepairTools

__all__ = ["RepairTools"]
