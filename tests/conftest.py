"""Fixtures shared by the test modules (pytest loads this file itself; plain helpers are in support.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from support import install_argos, isolated_env


@pytest.fixture(scope="session")
def argos_packages(tmp_path_factory) -> Path:
    """The tiny real Argos packages (zh->en, en->es) installed once for the whole session:
    ``isolated_env(root, argos_packages)`` points a subprocess at them (read only)."""
    env = isolated_env(tmp_path_factory.mktemp("argos-packages"))
    install_argos(env)
    return Path(env["ARGOS_PACKAGES_DIR"])
