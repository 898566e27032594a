# Installs the npm packages of tests/jspurefix/package-lock.json (jspurefix,
# pinned) into the build tree with `npm ci`, for the jspurefix tests. Run by
# CTest as the setup test of the jspurefix_modules fixture:
#
#   cmake -DNODE=<node> -DNPM=<npm> -DSOURCE_DIR=<tests/jspurefix>
#         -DPREFIX=<build>/tests/jspurefix/npm -P npm-install.cmake
#
# Installs once: PREFIX/installed.sha256 holds the hash of the package.json
# and package-lock.json it installed, and a later run with the same files and
# node_modules in place does nothing. Without node, npm or the npm registry
# this fails, saying which.
foreach(var NODE NPM SOURCE_DIR PREFIX)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "npm-install.cmake: -D${var}=... is required")
  endif()
endforeach()
foreach(tool NODE NPM)
  if(NOT ${tool} OR NOT EXISTS "${${tool}}")
    string(TOLOWER ${tool} name)
    message(FATAL_ERROR "jspurefix tests: `${name}` not found (CMake found '${${tool}}'). "
                        "Install Debian's nodejs and npm (scripts/install-deps.sh), then "
                        "configure again.")
  endif()
endforeach()

file(SHA256 "${SOURCE_DIR}/package.json" manifest_hash)
file(SHA256 "${SOURCE_DIR}/package-lock.json" lock_hash)
set(wanted "${manifest_hash} ${lock_hash}")
set(stamp "${PREFIX}/installed.sha256")
set(installed "")
if(EXISTS "${stamp}" AND EXISTS "${PREFIX}/node_modules/jspurefix/package.json")
  file(READ "${stamp}" installed)
endif()

if(installed STREQUAL wanted)
  message(STATUS "jspurefix: node_modules in ${PREFIX} match package-lock.json; not reinstalled")
else()
  file(REMOVE "${stamp}")
  file(MAKE_DIRECTORY "${PREFIX}")
  file(COPY "${SOURCE_DIR}/package.json" "${SOURCE_DIR}/package-lock.json" DESTINATION "${PREFIX}")
  # --ignore-scripts: jspurefix's only install script unpacks its bundled FIX
  # repository dictionaries, which these tests do not use (they load
  # docs/fix/FIX44-matchgate.xml).
  message(STATUS "jspurefix: npm ci --prefix ${PREFIX}")
  execute_process(
    COMMAND "${NPM}" ci --prefix "${PREFIX}" --ignore-scripts --no-audit --no-fund
    RESULT_VARIABLE rc
    OUTPUT_VARIABLE out
    ERROR_VARIABLE out
    TIMEOUT 540)
  if(NOT rc STREQUAL "0")
    message(FATAL_ERROR "jspurefix tests: `npm ci` failed (${rc}). The jspurefix tests need the "
                        "npm registry to install jspurefix (tests/jspurefix/package-lock.json). "
                        "npm said:\n${out}")
  endif()
  file(WRITE "${stamp}" "${wanted}")
  message(STATUS "jspurefix: installed")
endif()

execute_process(COMMAND "${NODE}" --version OUTPUT_VARIABLE node_version
                OUTPUT_STRIP_TRAILING_WHITESPACE)
file(READ "${PREFIX}/node_modules/jspurefix/package.json" manifest)
string(JSON jspurefix_version GET "${manifest}" version)
message(STATUS "jspurefix ${jspurefix_version} on node ${node_version}")
