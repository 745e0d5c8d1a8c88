# Numerics speed: low-precision GEMM emulation rates as ratios of the FP32 (Eigen) GEMM rate
# measured in the same run.
pcmsim_add_bench(numerics_bench ${CMAKE_CURRENT_SOURCE_DIR}/numerics_bench.cpp)
