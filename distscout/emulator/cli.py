"""What `distscout emulator serve WORLD_DIR` serves with: the budgets of `--unlimited` and the settings' names
it prints (`export DISTSCOUT_GITHUB_API_URL=…`); the command is distscout/commands/emulator.py.
"""

from __future__ import annotations

from distscout.commands import emulator as emulator_command
from distscout.emulator.budget import Limits

_PLENTY = 10**12
UNLIMITED = Limits(
    github_token_per_hour=_PLENTY,
    github_anonymous_per_hour=_PLENTY,
    github_graphql_points_per_hour=_PLENTY,
    ecosystems_anonymous_per_hour=_PLENTY,
    ecosystems_polite_per_hour=_PLENTY,
    ecosystems_api_key_per_hour=_PLENTY,
    gitlab_token_per_minute=_PLENTY,
    gitlab_anonymous_per_minute=_PLENTY,
    github_rest_points_per_minute=_PLENTY,
    github_graphql_points_per_minute=_PLENTY,
)

# The environment variables distscout's own settings read (distscout.config).
SETTING_NAMES = {
    "depsdev": "DISTSCOUT_DEPSDEV_URL",
    "ecosystems": "DISTSCOUT_ECOSYSTEMS_URL",
    "github": "DISTSCOUT_GITHUB_API_URL",
    "gitlab": "DISTSCOUT_GITLAB_API_URL",
}
API_PATHS = {"gitlab": "/api/v4"}  # below the service's prefix, where its API's base is

# The command itself lives with the other commands (distscout/commands/emulator.py), so that parsing the
# command line does not import the emulator; `python -m distscout.emulator` still runs it from here.
emulator_app = emulator_command.emulator_app
