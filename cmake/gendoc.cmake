# gendoc.cmake: writes shipskip(1) and the bash and zsh completions by
# running the freshly built binary, which renders them from the same
# command and option tables that print --help (src/cli/gendoc.h).
#
#   cmake -DBIN=path/to/shipskip -DDIR=outdir -P gendoc.cmake
cmake_minimum_required(VERSION 3.16)

file(MAKE_DIRECTORY "${DIR}")
foreach(pair "shipskip.1|--man" "shipskip.bash|--completion;bash"
             "_shipskip|--completion;zsh")
  string(REPLACE "|" ";" pair "${pair}")
  list(GET pair 0 name)
  list(SUBLIST pair 1 -1 args)
  execute_process(COMMAND "${BIN}" help ${args}
    OUTPUT_FILE "${DIR}/${name}.tmp" RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${BIN} help ${args} failed: ${rc}")
  endif()
  file(RENAME "${DIR}/${name}.tmp" "${DIR}/${name}")
endforeach()
