# matchgate_module(NAME [DEPS ...]): a static library from every .cpp in the
# calling src/<module>/ folder, with include/ as its public include root.
# Globbing keeps module folders independent: adding a file needs no CMake edit.
function(matchgate_module name)
  cmake_parse_arguments(MOD "" "" "DEPS" ${ARGN})
  file(GLOB _srcs CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/*.cpp)
  if(_srcs)
    add_library(matchgate_${name} STATIC ${_srcs})
    target_include_directories(matchgate_${name} PUBLIC ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(matchgate_${name} PUBLIC ${MOD_DEPS} PRIVATE matchgate_warnings)
  else()
    add_library(matchgate_${name} INTERFACE)
    target_include_directories(matchgate_${name} INTERFACE ${PROJECT_SOURCE_DIR}/include)
    target_link_libraries(matchgate_${name} INTERFACE ${MOD_DEPS})
  endif()
  add_library(matchgate::${name} ALIAS matchgate_${name})
  set_property(GLOBAL APPEND PROPERTY MATCHGATE_MODULES matchgate_${name})
endfunction()
