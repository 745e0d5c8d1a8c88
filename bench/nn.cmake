pcmsim_add_bench(bench_mlp_speed ${CMAKE_CURRENT_LIST_DIR}/mlp_speed.cpp)
pcmsim_add_bench(bench_analog_speed ${CMAKE_CURRENT_LIST_DIR}/analog_speed.cpp)
pcmsim_add_bench(bench_cnn_speed ${CMAKE_CURRENT_LIST_DIR}/cnn_speed.cpp)
