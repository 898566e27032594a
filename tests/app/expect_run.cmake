# cmake -DEXE=... -DEXPECT_CODE=N -DEXPECT_REGEX=... -DARGS=a;b;c -P expect_run.cmake
execute_process(COMMAND ${EXE} ${ARGS}
                RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 30)
set(all "${out}${err}")
message(STATUS "exit ${code}; output:\n${all}")
if(NOT code STREQUAL EXPECT_CODE)
  message(FATAL_ERROR "expected exit status ${EXPECT_CODE}, got ${code}")
endif()
if(NOT all MATCHES "${EXPECT_REGEX}")
  message(FATAL_ERROR "output does not match: ${EXPECT_REGEX}")
endif()
