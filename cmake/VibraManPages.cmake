# Man pages generated from the CLI's own help text, so they cannot drift from it: after every link of the
# binary, scripts/help2roff runs `vibrascope --help` and `vibrascope <command> --help` and writes
# vibrascope.1.gz and vibrascope-<command>.1.gz (one per command the help lists) into <build>/man/man1, which is
# installed into share/man/man1. Needs python3 (and a binary that runs on the build machine).
# VIBRA_MAN_PAGES: ON by default when python3 is found; VIBRA_PACKAGE makes it required.
find_package(Python3 COMPONENTS Interpreter QUIET)
if(VIBRA_PACKAGE AND NOT Python3_Interpreter_FOUND)
  message(FATAL_ERROR "VIBRA_PACKAGE: python3 is needed to generate the man pages (scripts/install-deps)")
endif()
option(VIBRA_MAN_PAGES "Generate and install man pages from the CLI help (needs python3)" ${Python3_Interpreter_FOUND})

function(vibra_add_man_pages target)
  if(NOT VIBRA_MAN_PAGES)
    return()
  endif()
  set(dir ${CMAKE_BINARY_DIR}/man/man1)
  set(stamp ${CMAKE_BINARY_DIR}/man/pages.stamp)
  add_custom_command(
    OUTPUT ${stamp}
    COMMAND ${Python3_EXECUTABLE} ${PROJECT_SOURCE_DIR}/scripts/help2roff
            --binary $<TARGET_FILE:${target}> --outdir ${dir} --gzip
            --version ${VIBRA_VERSION} --date ${VIBRA_RELEASE_DATE} --summary "${PROJECT_DESCRIPTION}"
    COMMAND ${CMAKE_COMMAND} -E touch ${stamp}
    DEPENDS ${target} ${PROJECT_SOURCE_DIR}/scripts/help2roff
    COMMENT "Generating man pages from ${target} --help"
    VERBATIM)
  add_custom_target(${target}_man ALL DEPENDS ${stamp})
  install(DIRECTORY ${dir}/ DESTINATION ${CMAKE_INSTALL_MANDIR}/man1 FILES_MATCHING PATTERN "*.1.gz")
endfunction()
