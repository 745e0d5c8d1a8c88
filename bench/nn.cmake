pcmsim_add_bench(bench_mlp_speed ${CMAKE_CURRENT_LIST_DIR}/mlp_speed.cpp)
