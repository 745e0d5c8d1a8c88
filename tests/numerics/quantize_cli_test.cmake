# End-to-end check of `pcmsim quantize` (run with cmake -DPCMSIM=<binary> -DWORK=<dir> -P).
file(WRITE ${WORK}/quantize_in.txt "464\n465\n-0\n1e-30\n0.1\nnan\n-inf\n")
execute_process(COMMAND ${PCMSIM} quantize --format e4m3 INPUT_FILE ${WORK}/quantize_in.txt
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
set(expected "448\nnan\n-0\n0\n0.1015625\nnan\nnan\n")
if(NOT rc EQUAL 0 OR NOT out STREQUAL expected)
  message(FATAL_ERROR "pcmsim quantize e4m3: rc=${rc}\ngot:\n${out}\nexpected:\n${expected}\nstderr: ${err}")
endif()
execute_process(COMMAND ${PCMSIM} quantize --format e4m3 --saturate INPUT_FILE ${WORK}/quantize_in.txt
                OUTPUT_VARIABLE out RESULT_VARIABLE rc)
if(NOT out STREQUAL "448\n448\n-0\n0\n0.1015625\nnan\n-448\n")
  message(FATAL_ERROR "pcmsim quantize e4m3 --saturate gave:\n${out}")
endif()
file(WRITE ${WORK}/quantize_bad.txt "1\n2x\n")
execute_process(COMMAND ${PCMSIM} quantize --format fp16 INPUT_FILE ${WORK}/quantize_bad.txt
                OUTPUT_VARIABLE out ERROR_VARIABLE err RESULT_VARIABLE rc)
if(rc EQUAL 0 OR NOT err MATCHES "line 2")
  message(FATAL_ERROR "bad input must fail naming line 2: rc=${rc} stderr=${err}")
endif()
