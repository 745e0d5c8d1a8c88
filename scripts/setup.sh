#!/usr/bin/env bash
# Sets pcmsim up on a fresh Debian machine and runs the main demo (MNIST):
#   installs the Debian packages it needs, builds Release into build/ (with the Python module
#   in build/python when pybind11 is found: PYTHONPATH=build/python /usr/bin/python3), runs
#   experiments/mnist_fp32.toml and prints its report.
# Options (environment): PCMSIM_SKIP_APT=1 skips apt-get; PCMSIM_SKIP_DEMO=1 skips the demo;
# BUILD_DIR=... builds elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(build-essential cmake pkg-config git libeigen3-dev libboost-random-dev libhdf5-dev zlib1g-dev
          libtomlplusplus-dev libcli11-dev nlohmann-json3-dev libgtest-dev googletest libbenchmark-dev
          libopenmpi-dev openmpi-bin python3-h5py python3-matplotlib jupyter-nbconvert python3-ipykernel
          dataset-fashion-mnist)
PACKAGES+=(clang libfuzzer-14-dev)  # fuzz/ harnesses (libFuzzer), built and smoke-run by .ci/run
PACKAGES+=(pybind11-dev python3-dev python3-numpy python3-pytest)  # the Python module (python/) and its tests
PACKAGES+=(libcpp-httplib-dev python3-selenium chromium chromium-driver)  # pcmsim serve (cpp-httplib) and its headless-browser test

if [[ "${PCMSIM_SKIP_APT:-0}" != 1 ]]; then
  missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  if ((${#missing[@]})); then
    echo "== installing: ${missing[*]}"
    SUDO=""
    [[ $(id -u) -ne 0 ]] && SUDO=sudo
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}"
  fi
fi

BUILD_DIR=${BUILD_DIR:-build}
echo "== configuring and building (Release) in $BUILD_DIR"
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
cmake --build "$BUILD_DIR" -j"$(nproc)"

if [[ "${PCMSIM_SKIP_DEMO:-0}" != 1 ]]; then
  echo "== main demo: FP32 MLP on MNIST (784-256-128-10, 30 epochs)"
  mkdir -p results
  "$BUILD_DIR"/pcmsim run experiments/mnist_fp32.toml -o results/mnist_fp32.h5
  "$BUILD_DIR"/pcmsim report results/mnist_fp32.h5
fi
