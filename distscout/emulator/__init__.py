"""An offline stand-in for deps.dev, ecosyste.ms and the GitHub REST API, serving a *world* on loopback.

See /work/shared/spec/world-format.md for worlds, `faults.py` for fault plans, `app.py` for the routes.
"""

from distscout.emulator.budget import Limits
from distscout.emulator.faults import FaultPlan, FaultPlanError, ManualClock, load_fault_plan
from distscout.emulator.model import World
from distscout.emulator.server import EmulatorServer
from distscout.emulator.world import WorldError, load_world, world_from_dict

__all__ = [
    "EmulatorServer",
    "FaultPlan",
    "FaultPlanError",
    "Limits",
    "ManualClock",
    "World",
    "WorldError",
    "load_fault_plan",
    "load_world",
    "world_from_dict",
]
