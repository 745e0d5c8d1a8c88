# Crossbar speed (tile forward vs FP32 GEMM of the same shape, tile re-read rate) and the
# MVM accuracy table (projected vs conventional PCM over time).
pcmsim_add_bench(crossbar_bench crossbar_bench.cpp)
pcmsim_add_bench(crossbar_accuracy crossbar_accuracy.cpp)
