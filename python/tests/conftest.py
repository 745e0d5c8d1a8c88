"""Shared fixtures of the pcmsim pytest suite (run by ctest as python_pytest, which sets
PYTHONPATH=build/python, PCMSIM_SOURCE_DIR, PCMSIM_REFERENCE, PCMSIM_CLI and PCMSIM_TEST_TMP)."""
import os
import subprocess

import pytest

SOURCE = os.environ.get("PCMSIM_SOURCE_DIR", os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..")))


def src(*parts):
    return os.path.join(SOURCE, *parts)


@pytest.fixture(scope="session")
def workdir(tmp_path_factory):
    base = os.environ.get("PCMSIM_TEST_TMP")
    if base:
        path = os.path.join(base, f"run_{os.getpid()}")
        os.makedirs(path, exist_ok=True)
        return path
    return str(tmp_path_factory.mktemp("pcmsim"))


@pytest.fixture(scope="session")
def reference(workdir):
    """Directory of the arrays the C++ API wrote (python_reference), read with ref(name, dtype)."""
    exe = os.environ.get("PCMSIM_REFERENCE")
    if not exe:
        pytest.skip("PCMSIM_REFERENCE (the python_reference binary) not set: run through ctest")
    out = os.path.join(workdir, "reference")
    subprocess.run([exe, out, SOURCE], check=True)
    return out


@pytest.fixture(scope="session")
def cli():
    exe = os.environ.get("PCMSIM_CLI")
    if not exe:
        pytest.skip("PCMSIM_CLI (the pcmsim binary) not set: run through ctest")
    return exe
