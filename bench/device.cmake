pcmsim_add_bench(bench_device ${CMAKE_CURRENT_LIST_DIR}/device_speed.cpp)
