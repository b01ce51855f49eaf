# sysbox_warnings(target [STRICT]): the project's warning set, as errors.
# STRICT adds -Wshadow -Wconversion, used by lib/.
function(sysbox_warnings target)
  cmake_parse_arguments(W "STRICT" "" "" ${ARGN})
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror)
  if(W_STRICT)
    target_compile_options(${target} PRIVATE -Wshadow -Wconversion -Wsign-conversion)
  endif()
endfunction()
