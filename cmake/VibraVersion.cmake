# The version, from one place: project(VERSION) in the top CMakeLists.txt, refined by `git describe` when building
# from a checkout. Sets:
#   VIBRA_VERSION       what `vibrascope --version` prints and the package's upstream version:
#                         X.Y.Z                    at the commit tagged vX.Y.Z (a release)
#                         X.Y.Z+gitN.HASH          N commits after the tag vX.Y.Z (X.Y.Z released, not bumped yet)
#                         X.Y.Z~gitN.HASH          no tag vX.Y.Z yet (a snapshot before X.Y.Z; N = commits in HEAD)
#                         X.Y.Z                    outside a git checkout (a source tarball)
#                       "~" sorts before and "+" after X.Y.Z in dpkg's order, so upgrades go the right way.
#   VIBRA_VERSION_IS_RELEASE  ON only at a tagged release or outside git.
#   VIBRA_COMMIT        short hash (empty outside git).
#   VIBRA_SOURCE_DATE_EPOCH  the commit's date (or $SOURCE_DATE_EPOCH, or now): used for the changelog, the
#                       AppStream release and the man pages, so two builds of one commit are identical.
#   VIBRA_RELEASE_DATE  that date as YYYY-MM-DD; VIBRA_RELEASE_DATE_RFC2822 as the Debian changelog wants it.
# VIBRA_VERSION_OVERRIDE (cache) forces a version, e.g. for a distribution that builds from a tarball.
set(VIBRA_VERSION_OVERRIDE "" CACHE STRING "Use this version instead of the one derived from git")

set(VIBRA_VERSION "${PROJECT_VERSION}")
set(VIBRA_VERSION_IS_RELEASE ON)
set(VIBRA_COMMIT "")
set(_vibra_epoch "")

find_package(Git QUIET)
if(GIT_FOUND)
  execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=10 HEAD WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                  OUTPUT_VARIABLE _vibra_hash RESULT_VARIABLE _vibra_rc OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
  if(_vibra_rc EQUAL 0 AND _vibra_hash)
    set(VIBRA_COMMIT "${_vibra_hash}")
    execute_process(COMMAND ${GIT_EXECUTABLE} log -1 --format=%ct WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE _vibra_epoch OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    execute_process(COMMAND ${GIT_EXECUTABLE} describe --tags --long --match "v${PROJECT_VERSION}" HEAD
                    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                    OUTPUT_VARIABLE _vibra_describe RESULT_VARIABLE _vibra_rc OUTPUT_STRIP_TRAILING_WHITESPACE
                    ERROR_QUIET)
    if(_vibra_rc EQUAL 0 AND _vibra_describe MATCHES "^v.*-([0-9]+)-g[0-9a-f]+$")
      if(NOT CMAKE_MATCH_1 EQUAL 0)
        set(VIBRA_VERSION "${PROJECT_VERSION}+git${CMAKE_MATCH_1}.${VIBRA_COMMIT}")
        set(VIBRA_VERSION_IS_RELEASE OFF)
      endif()
    else()
      execute_process(COMMAND ${GIT_EXECUTABLE} rev-list --count HEAD WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}
                      OUTPUT_VARIABLE _vibra_count OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
      set(VIBRA_VERSION "${PROJECT_VERSION}~git${_vibra_count}.${VIBRA_COMMIT}")
      set(VIBRA_VERSION_IS_RELEASE OFF)
    endif()
  endif()
endif()
if(VIBRA_VERSION_OVERRIDE)
  set(VIBRA_VERSION "${VIBRA_VERSION_OVERRIDE}")
endif()
if(NOT VIBRA_VERSION MATCHES "^[0-9][A-Za-z0-9.+~]*$")
  message(FATAL_ERROR "VIBRA_VERSION '${VIBRA_VERSION}' is not a valid Debian upstream version")
endif()

if(DEFINED ENV{SOURCE_DATE_EPOCH})
  set(VIBRA_SOURCE_DATE_EPOCH "$ENV{SOURCE_DATE_EPOCH}")
elseif(_vibra_epoch MATCHES "^[0-9]+$")
  set(VIBRA_SOURCE_DATE_EPOCH "${_vibra_epoch}")
else()
  string(TIMESTAMP VIBRA_SOURCE_DATE_EPOCH "%s" UTC)
endif()
set(_vibra_saved_epoch "$ENV{SOURCE_DATE_EPOCH}")
set(ENV{SOURCE_DATE_EPOCH} "${VIBRA_SOURCE_DATE_EPOCH}") # string(TIMESTAMP) formats this instead of now
string(TIMESTAMP VIBRA_RELEASE_DATE "%Y-%m-%d" UTC)
string(TIMESTAMP VIBRA_RELEASE_DATE_RFC2822 "%a, %d %b %Y %H:%M:%S +0000" UTC)
set(ENV{SOURCE_DATE_EPOCH} "${_vibra_saved_epoch}")
message(STATUS "Vibrascope version ${VIBRA_VERSION} (commit ${VIBRA_COMMIT}, date ${VIBRA_SOURCE_DATE_EPOCH})")
