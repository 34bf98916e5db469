"""CLI commands, one module per group. Each module exposes `register(app)`; distscout.cli wires them."""
