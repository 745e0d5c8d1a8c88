#!/usr/bin/env bash
# Package test: installs this build into a temporary prefix, checks that only public headers
# were installed, configures and builds cmake/package_test/ (an outside project using
# find_package(pcmsim CONFIG)) against it and runs it; with the Python module, imports the
# installed package too.
# Usage: package_test.sh BUILD_DIR CONSUMER_SOURCE WORK_DIR PYTHON_ON PYTHON_EXE PYTHON_DIR
set -euo pipefail
BUILD=$1 CONSUMER=$2 WORK=$3 PY_ON=$4 PY=$5 PYDIR=$6
PREFIX=$WORK/prefix_$$
rm -rf "$WORK" && mkdir -p "$WORK"
cmake --install "$BUILD" --prefix "$PREFIX" > "$WORK/install.log"
echo "installed into $PREFIX ($(grep -c Installing "$WORK/install.log") files)"
# Only include/pcmsim's public headers: no src/ helpers, no generated build info.
if find "$PREFIX/include" -name '*.hpp' | grep -vE "^$PREFIX/include/pcmsim/[a-z_]+/[a-z0-9_]+\.hpp$"; then
  echo "unexpected header installed (above)"; exit 1
fi
[[ ! -e $PREFIX/include/pcmsim/core/build_info.hpp ]] || { echo "build_info.hpp is not API"; exit 1; }
cmake -S "$CONSUMER" -B "$WORK/consumer" -DCMAKE_PREFIX_PATH="$PREFIX" -DCMAKE_BUILD_TYPE=Release > "$WORK/configure.log" \
  || { cat "$WORK/configure.log"; exit 1; }
cmake --build "$WORK/consumer" -j2 > "$WORK/build.log" || { cat "$WORK/build.log"; exit 1; }
"$WORK/consumer/consumer"
"$WORK/consumer/consumer_numerics"
if [[ $PY_ON == ON ]]; then
  out=$(cd "$WORK" && PYTHONPATH="$PREFIX/$PYDIR" "$PY" -c 'import pcmsim, numpy as np; print(pcmsim.__file__); print(pcmsim.quantize(np.array([1.1], dtype=np.float32), "e4m3")[0])')
  echo "$out"
  [[ $out == "$PREFIX/$PYDIR/pcmsim/__init__.py"* ]] || { echo "the installed module was not the one imported"; exit 1; }
fi
rm -rf "$PREFIX"
echo "package test: OK"
