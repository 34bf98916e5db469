"""`python -m distscout.emulator serve WORLD_DIR`: the emulator in its own process (e.g. for benchmarks)."""

from distscout.emulator.cli import emulator_app

emulator_app(prog_name="python -m distscout.emulator")
